"""The conditional VAE (VAEConfig(conditional=True)): the class joins both networks' input, the plain VAE is unchanged
bit for bit, a conditional checkpoint round trips and a hostile one is refused; the shipped `cvae` draws the class it
is asked for (judged by a classifier trained here), and one z is one style across the ten classes (the slant of the
ten digits decoded from the same z agrees)."""
import itertools
import json

import numpy as np
import pytest
import torch

from test_autoencoder import digit_classifier
from vae.config import TrainConfig, VAEConfig, to_dict
from vae.data import load_dataset
from vae.model import N_CLASSES, N_PIXELS, one_hot
from vae.serve.checkpoint import CHECKPOINT_DIR, CheckpointError, checkpoint_bytes, load_checkpoint
from vae.trainer import build_model, evaluate, train

CVAE = VAEConfig(conditional=True)


def test_the_class_joins_both_networks_and_the_plain_vae_is_unchanged(generator):
    model = build_model(CVAE, 0)
    assert model.encoder[0].in_features == N_PIXELS + N_CLASSES and model.decoder[0].in_features == 2 + N_CLASSES
    x, labels = torch.rand(6, 784, generator=generator), torch.tensor([0, 3, 9, 3, 1, 7])
    y = one_hot(labels)
    assert y.dtype == torch.float32 and torch.equal(y.argmax(1), labels) and torch.equal(y.sum(1), torch.ones(6))
    out = model(x, y, n_samples=4, generator=torch.Generator().manual_seed(1))
    assert out["z"].shape == (4, 6, 2) and out["logits"].shape == (4, 6, 784)
    # the encoder reads the pixels and the one-hot class side by side; the decoder z and the class
    h = model.encoder(torch.cat([x, y], 1))
    torch.testing.assert_close(out["mu"], model.mu_head(h))
    torch.testing.assert_close(out["logits"][2], model.decoder(torch.cat([out["z"][2], y], 1)))
    # the class matters: the same z decoded as another class is another image
    assert (model.decode(out["z"][0], one_hot(labels.flip(0))) - out["logits"][0]).abs().max() > 1e-3
    # one z as all ten classes at once: y broadcasts against z's leading dims
    ten = model.decode_images(torch.zeros(2), torch.eye(N_CLASSES))
    assert ten.shape == (10, 28, 28)
    torch.testing.assert_close(ten[4], model.decode_images(torch.zeros(1, 2), one_hot([4]))[0])
    with pytest.raises(ValueError, match="conditional model"):
        model(x)
    with pytest.raises(ValueError, match="one-hot"):
        model.decode(torch.zeros(3, 2), torch.zeros(3, 4))
    # the plain VAE ignores y
    plain = build_model(VAEConfig(), 0)
    a = plain(x, n_samples=2, generator=torch.Generator().manual_seed(5))
    b = plain(x, y, n_samples=2, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_plain_vaes_weights_are_those_of_before():
    """VAEConfig() builds the same parameters, in the same order, as before the field existed: the shipped `bce`'s
    state dict has exactly the plain model's keys and shapes (tests/test_shipped.py scores it again)."""
    shipped = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    fresh = build_model(VAEConfig(), 0).state_dict()
    assert [(k, v.shape) for k, v in fresh.items()] == [(k, v.shape) for k, v in shipped.model.state_dict().items()]
    assert not shipped.config.conditional


def test_config_round_trips_and_hostile_conditional_configs_are_refused():
    model = build_model(CVAE, 2)
    blob = checkpoint_bytes(model, TrainConfig(epochs=3))
    ckpt = load_checkpoint(blob)
    assert ckpt.config == CVAE and ckpt.config.conditional is True and to_dict(ckpt.config)["conditional"] is True
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), ckpt.model.state_dict().values()))
    for value in ("yes", 1, 0, None, [True], {"on": True}):
        with pytest.raises(ValueError, match="conditional must be true or false"):
            VAEConfig(conditional=value)
    with pytest.raises(ValueError, match="must be variational"):
        VAEConfig(conditional=True, variational=False)
    plain = checkpoint_bytes(build_model(VAEConfig(), 2), TrainConfig(epochs=3))
    for edited, message in [(with_config(blob, conditional=False), "encoder.0.weight is torch.float32 \\(196, 794\\)"),
                            (with_config(plain, conditional=True), "encoder.0.weight is torch.float32 \\(196, 784\\)"),
                            (with_config(blob, conditional="true"), "conditional must be true or false"),
                            (with_config(blob, conditional=1), "conditional must be true or false"),
                            (with_config(blob, variational=False), "must be variational")]:
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(edited)


def with_config(blob: bytes, **fields) -> bytes:
    """The checkpoint file with these fields of its stored VAEConfig changed, as anyone could write it."""
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    header["__metadata__"]["config"] = json.dumps({**json.loads(header["__metadata__"]["config"]), **fields})
    head = json.dumps(header).encode()
    return len(head).to_bytes(8, "little") + head + blob[8 + n:]


def test_the_trainer_passes_the_labels(small_mnist):
    """One epoch on a small set: a conditional model learns, scored with the labels; scored with wrong labels, its
    loss is worse (the decoder uses the class)."""
    model = build_model(CVAE, 0)
    events = list(train(model, small_mnist, TrainConfig(epochs=2, seed=0)))
    assert events[-1]["kind"] == "done"
    right = evaluate(model, small_mnist.x_test, labels=small_mnist.y_test)["loss"]
    wrong = evaluate(model, small_mnist.x_test, labels=(small_mnist.y_test + 1) % 10)["loss"]
    assert right == pytest.approx(events[-2]["test_loss"], rel=1e-6)
    assert right < wrong
    with pytest.raises(ValueError, match="labels"):
        evaluate(model, small_mnist.x_test)


@pytest.fixture(scope="module")
def judges():
    """A classifier per dataset, trained here as tests/test_autoencoder.py trains one (a 784-128-10 MLP)."""
    return {name: digit_classifier(load_dataset(name)) for name in ("mnist", "fashion-mnist")}


def asked_class_rate(model, judge, draws=100, seed=0) -> tuple[float, np.ndarray]:
    """The share of prior draws z ~ N(0, I) decoded as class c that the judge reads as c, over all ten classes and
    for each."""
    z = torch.randn(draws, 2, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        images = model.decode_images(z[:, None], torch.eye(N_CLASSES))  # (draws, 10, 28, 28)
        read = judge(images.reshape(-1, 784)).argmax(-1).reshape(draws, N_CLASSES)
    per_class = (read == torch.arange(N_CLASSES)).double().mean(0).numpy()
    return per_class.mean(), per_class


@pytest.mark.parametrize("name, dataset, least", [("cvae", "mnist", 0.9), ("fashion-cvae", "fashion-mnist", 0.8)])
def test_decoded_prior_draws_are_the_class_asked_for(judges, name, dataset, least):
    model = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model
    data = load_dataset(dataset)
    with torch.no_grad():
        judge_accuracy = (judges[dataset](data.x_test).argmax(-1) == data.y_test).double().mean().item()
    rate, per_class = asked_class_rate(model, judges[dataset])
    print(f"\n{name}: the judge (test accuracy {judge_accuracy:.3f}) reads {100 * rate:.1f}% of 10 x 100 decoded "
          f"prior draws as the class asked for; per class {np.round(100 * per_class).astype(int).tolist()}")
    assert rate >= least
    # a control: the same images judged against a class they were not asked for are read so almost never
    z = torch.randn(100, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        read = judges[dataset](model.decode_images(z, one_hot([3])).reshape(-1, 784)).argmax(-1)
    assert (read == 5).double().mean() < 0.2


def slant(images) -> torch.Tensor:
    """mu11 / mu02 from each image's second central moments (pixel intensities as mass): the horizontal shift per
    row, the shear that deskews a digit (rows count downwards, so a digit leaning right has a negative slant)."""
    images = images.double()
    rows, cols = torch.meshgrid(torch.arange(28.0, dtype=torch.float64), torch.arange(28.0, dtype=torch.float64),
                                indexing="ij")
    mass = images.sum((-2, -1))
    r = (images * rows).sum((-2, -1)) / mass
    c = (images * cols).sum((-2, -1)) / mass
    dr, dc = rows - r[..., None, None], cols - c[..., None, None]
    return (images * dr * dc).sum((-2, -1)) / (images * dr * dr).sum((-2, -1))


def pairwise_correlations(s) -> np.ndarray:
    """The correlation over draws of slant between every pair of the ten classes (45 values), s: (draws, 10)."""
    corr = np.corrcoef(s.numpy().T)
    return np.array([corr[a, b] for a, b in itertools.combinations(range(N_CLASSES), 2)])


def test_slant_is_shared_across_classes():
    """For the same z, the ten digits lean alike: over 200 draws of z, the slant of class a correlates with the slant
    of class b for every pair. The control: with another z for each class, the correlation vanishes."""
    model = load_checkpoint(CHECKPOINT_DIR / "cvae.safetensors").model
    z = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    same = pairwise_correlations(slant(model.decode_images(z[:, None], torch.eye(N_CLASSES))))
    others = torch.randn(200, N_CLASSES, 2, generator=torch.Generator().manual_seed(1))
    control = pairwise_correlations(slant(model.decode_images(others, torch.eye(N_CLASSES))))
    print(f"\ncvae slant, 200 draws of z: mean pairwise correlation {same.mean():.3f} (min {same.min():.3f}, "
          f"max {same.max():.3f}); with another z per class {control.mean():.3f}")
    assert same.mean() > 0.5 and (same > 0).mean() > 0.9
    assert abs(control.mean()) < 0.1
