"""Probability vs likelihood and the two KL directions, against closed forms and plain numeric integration."""
import math

import pytest
import torch

from vae.one_dim import (fit_forward_kl, fit_reverse_kl, interval_probability, kl_on_grid, log_mixture, log_normal,
                        normal_pdf, reverse_kl)

GRID = torch.linspace(-15, 15, 30001, dtype=torch.float64)
DX = (GRID[1] - GRID[0]).item()


def test_mouse_weight_numbers():
    # Phi(0.8) = 0.788144601 (standard normal table); density phi(0.8) / 2.5 = 0.2896916 / 2.5
    assert interval_probability(32, 34, 32, 2.5) == pytest.approx(0.788144601 - 0.5, abs=1e-8)
    assert normal_pdf(34, 32, 2.5) == pytest.approx(0.2896916 / 2.5, abs=1e-7)


@pytest.mark.parametrize("mean, std, a, b", [(32, 2.5, 30, 36), (25, 0.7, 24.5, 26), (40, 5, 20, 44)])
def test_probability_is_the_area_and_likelihood_the_height(mean, std, a, b):
    w = torch.linspace(a, b, 200_001, dtype=torch.float64)
    density = torch.exp(log_normal(w, mean, std))
    assert interval_probability(a, b, mean, std) == pytest.approx(torch.trapezoid(density, w).item(), abs=1e-9)
    assert normal_pdf(b, mean, std) == pytest.approx(density[-1].item(), rel=1e-12)


MIXTURE = ((0.5, 0.5), (-2.5, 2.5), (0.7, 0.7))


def test_forward_kl_fit_is_moment_matching_and_a_minimum():
    m, s = fit_forward_kl(*MIXTURE)
    log_p = log_mixture(GRID, *MIXTURE)
    p = log_p.exp()
    assert m == pytest.approx((p * GRID).sum().item() * DX, abs=1e-6)
    assert s == pytest.approx(math.sqrt((p * (GRID - m) ** 2).sum().item() * DX), abs=1e-6)
    best = kl_on_grid(log_p, log_normal(GRID, m, s), DX)
    for dm, ds in ((0.1, 0), (-0.1, 0), (0, 0.1), (0, -0.1)):
        assert kl_on_grid(log_p, log_normal(GRID, m + dm, s + ds), DX) > best


def test_reverse_kl_fit_seeks_a_mode_and_beats_the_forward_fit_on_its_own_objective():
    m, s = fit_reverse_kl(*MIXTURE)
    assert abs(abs(m) - 2.5) < 0.01 and s == pytest.approx(0.7, abs=0.01)
    log_p = log_mixture(GRID, *MIXTURE)
    reverse_on_grid = kl_on_grid(log_normal(GRID, m, s), log_p, DX)
    assert reverse_on_grid == pytest.approx(math.log(2), abs=1e-3)  # one of two equal, well separated modes
    assert reverse_on_grid == pytest.approx(reverse_kl(*MIXTURE, torch.tensor(m), torch.tensor(s)).item(), abs=1e-5)
    fm, fs = fit_forward_kl(*MIXTURE)
    assert kl_on_grid(log_normal(GRID, fm, fs), log_p, DX) > reverse_on_grid
    assert kl_on_grid(log_p, log_normal(GRID, m, s), DX) > kl_on_grid(log_p, log_normal(GRID, fm, fs), DX)


def test_kl_is_positive_asymmetric_and_zero_only_for_equal_distributions():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        m1, m2 = (torch.randn(2, generator=gen) * 2).tolist()
        s1, s2 = (torch.rand(2, generator=gen) * 2 + 0.3).tolist()
        lp, lq = log_normal(GRID, m1, s1), log_normal(GRID, m2, s2)
        forward, backward = kl_on_grid(lp, lq, DX), kl_on_grid(lq, lp, DX)
        closed = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
        assert forward == pytest.approx(closed, abs=1e-4) and forward > 0 and backward > 0  # grid ends at ±15
        assert forward != pytest.approx(backward, abs=1e-3)
    assert kl_on_grid(log_normal(GRID, 1.0, 0.5), log_normal(GRID, 1.0, 0.5), DX) == 0.0
    same = ((1.0,), (0.3,), (1.2,))
    m, s = fit_reverse_kl(*same)
    assert fit_forward_kl(*same) == pytest.approx((0.3, 1.2)) and (m, s) == pytest.approx((0.3, 1.2), abs=1e-3)
