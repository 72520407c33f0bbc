"""The toy: MSE and BCE fits both land on the data's per-pixel mean; Bernoulli samples are 0/1."""
import pytest
import torch

from vae.toy import STROKES, WIDTH, contested_pixel, decoder_samples, fit_constant, stroke_data


@pytest.mark.parametrize("p", [0.5, 0.2, 0.9])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_fit_lands_on_the_mean(p, loss, generator):
    x = stroke_data(p, 400, generator)
    share = (x[:, STROKES[1][-1]] == 1).float().mean().item()  # counted directly, not via x.mean
    assert share == pytest.approx(p, abs=0.08)
    out = fit_constant(x, loss)["output"]
    # Minimiser of sum (o - x_i)^2 and of sum -[x_i log o + (1 - x_i) log(1 - o)] over o: the mean of x_i.
    closed_form = x.sum(0) / len(x)
    contested = [i for i in range(WIDTH) if 0 < closed_form[i] < 1]
    assert torch.allclose(out[contested], closed_form[contested], atol=0.01)
    assert out[STROKES[0][-1]] > 0.95 and out[0] < 0.05  # the always-ink and never-ink pixels


def test_samples(generator):
    mean = torch.tensor([0.0, 0.3, 0.5, 1.0])
    bern = decoder_samples(mean, "bce", 20000, generator=generator)
    assert set(bern.unique().tolist()) <= {0.0, 1.0}
    # The frequency of ones is p, within four binomial standard errors.
    assert torch.allclose(bern.mean(0), mean, atol=4 * (0.25 / 20000) ** 0.5)
    gauss = decoder_samples(mean, "mse", 20000, sigma=0.1, generator=generator)
    assert ((gauss > 0.2) & (gauss < 0.8))[:, 2].float().mean() > 0.99  # the p = 0.5 pixel stays grey
    assert gauss.std(0) == pytest.approx(torch.full((4,), 0.1), abs=0.005)


def test_contested_pixel_is_where_neighbours_disagree():
    x = torch.zeros(6, 784)
    x[:3, 100] = 1.0  # neighbours 0-5 split on pixel 100
    x[:, 5] = 1.0  # and agree on pixel 5
    mu = torch.tensor([[0.0, 0], [0.1, 0], [0.2, 0], [0.3, 0], [0.4, 0], [9.0, 9.0]])
    found = contested_pixel(x, mu, 0, k=5)
    assert sorted(found["neighbours"].tolist()) == [0, 1, 2, 3, 4]
    assert found["pixel"] == 100
    assert sorted(found["values"].tolist()) == [0, 0, 1, 1, 1]
