"""Regression fits and their confidence intervals."""
import numpy as np
import pytest

from numerics.fit import linear_fit, loglog_fit, semilog_fit, window_mask


def test_loglog_fit_recovers_exponent_with_honest_ci():
    # Coverage of the 95% interval over 200 seeded noisy data sets is near 95%.
    x = np.geomspace(10, 1e4, 8)
    hits = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        y = 2.0 * x ** -0.5 * np.exp(0.1 * rng.standard_normal(x.size))
        hits += loglog_fit(x, y).contains(-0.5)
    # binomial(200, 0.95): mean 190, sd ~3.1; accept within 4 sd
    assert 177 <= hits <= 200


def test_exact_line_and_window():
    f = linear_fit([0, 1, 2, 3], [1, 3, 5, 7])
    assert f.slope == pytest.approx(2) and f.intercept == pytest.approx(1) and f.r2 == pytest.approx(1)
    assert f.window == (0.0, 3.0)
    s = semilog_fit(np.arange(5.0), np.exp(-0.7 * np.arange(5.0)))
    assert s.slope == pytest.approx(-0.7)
    m = window_mask(np.array([1e-20, 1e-8, 1e-3, 1.0]), 1e-12, 1e-2)
    assert m.tolist() == [False, True, True, False]


def test_fit_input_errors():
    with pytest.raises(ValueError, match="at least 3"):
        linear_fit([0, 1], [0, 1])
    with pytest.raises(ValueError, match="positive"):
        loglog_fit([1, 2, 3], [1, -2, 3])
    with pytest.raises(ValueError, match="same length"):
        linear_fit([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="constant"):
        linear_fit([1, 1, 1], [0, 1, 2])
