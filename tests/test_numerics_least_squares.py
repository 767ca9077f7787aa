"""Unit tests of numerics.least_squares: analytic derivatives (Taylor remainders), GD,
sharpness (dense and Lanczos), period-two detection, the companion toy, validation."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import least_squares as ls
from numerics.fit import loglog_fit

H = np.geomspace(1e-2, 1e-5, 7)


def _point(seed: int, p: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.6, 1.4, p)


def _taylor_slope(errors: np.ndarray) -> float:
    return loglog_fit(H, errors).slope


# -- derivatives ------------------------------------------------------------------------------
@pytest.mark.parametrize("y", [0.5, 1.0, 2.0])
def test_loss_gradient_taylor_remainder(y):
    th = _point(0)
    v = np.random.default_rng(1).standard_normal(th.size)
    g = ls.loss_grad(th, y)
    err = np.array([abs(ls.loss(th + h * v, y) - ls.loss(th, y) - h * g @ v) for h in H])
    # first-order model: the remainder shrinks with slope 2 (a wrong gradient gives slope 1)
    assert 1.9 <= _taylor_slope(err) <= 2.1
    bad = np.array([abs(ls.loss(th + h * v, y) - ls.loss(th, y) - h * (1.1 * g) @ v) for h in H])
    assert _taylor_slope(bad) < 1.2


@pytest.mark.parametrize("y", [0.5, 1.0, 2.0])
def test_hvp_taylor_remainder(y):
    th = _point(2)
    v = np.random.default_rng(3).standard_normal(th.size)
    hv = ls.loss_hvp(th, v, y)
    err = np.array([np.linalg.norm(ls.loss_grad(th + h * v, y) - ls.loss_grad(th, y) - h * hv) for h in H])
    assert 1.9 <= _taylor_slope(err) <= 2.1
    # the same test rejects a Hessian without its (f - y) Hess f term (off M)
    g = ls.product_grad(th)
    gn = g * (g @ v)
    bad = np.array([np.linalg.norm(ls.loss_grad(th + h * v, y) - ls.loss_grad(th, y) - h * gn) for h in H])
    assert _taylor_slope(bad) < 1.2


def test_product_gradient_taylor_remainder():
    th = _point(4, 6)
    v = np.random.default_rng(5).standard_normal(6)
    err = np.array([abs(ls.product(th + h * v) - ls.product(th) - h * ls.product_grad(th) @ v) for h in H])
    assert 1.9 <= _taylor_slope(err) <= 2.1


def test_hessian_matches_hvp_and_finite_differences():
    th = _point(6, 4)
    y = 1.3
    Hd = ls.loss_hessian(th, y)
    np.testing.assert_allclose(Hd, Hd.T, atol=0)
    for k in range(4):
        e = np.eye(4)[k]
        np.testing.assert_allclose(Hd @ e, ls.loss_hvp(th, e, y), rtol=1e-13, atol=1e-14)
    Hfd = ls.finite_difference_hessian(lambda x: ls.loss_grad(x, y), th)
    np.testing.assert_allclose(Hd, Hfd, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(ls.product_hessian(th) @ np.ones(4), ls.product_hvp(th, np.ones(4)), rtol=1e-13)


def test_zero_entries_are_handled_without_division():
    th = np.array([0.0, 1.5, 2.0, 0.5])
    np.testing.assert_array_equal(ls.product_grad(th), [1.5, 0.0, 0.0, 0.0])
    hf = ls.product_hessian(th)
    assert hf[0, 1] == 2.0 * 0.5 and hf[1, 2] == 0.0 and hf[0, 0] == 0.0
    v = np.array([1.0, -1.0, 0.5, 2.0])
    np.testing.assert_allclose(ls.loss_hvp(th, v, 1.0), ls.loss_hessian(th, 1.0) @ v, rtol=1e-14)
    th2 = np.array([0.0, 0.0, 2.0])
    np.testing.assert_array_equal(ls.product_grad(th2), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ls.product_hessian(th2)[0, 1], 2.0)


def test_batched_shapes():
    th = np.random.default_rng(7).uniform(0.5, 1.5, (3, 4, 5))
    assert ls.product(th).shape == (3, 4)
    assert ls.loss_grad(th, 1.0).shape == (3, 4, 5)
    assert ls.loss_hessian(th, 1.0).shape == (3, 4, 5, 5)
    assert ls.sharpness_exact(th, 1.0).shape == (3, 4)
    np.testing.assert_allclose(ls.loss_hvp(th, th, 1.0), np.einsum("...ij,...j->...i", ls.loss_hessian(th, 1.0), th),
                               rtol=1e-12)


def test_hessian_on_M_is_rank_one():
    u = np.random.default_rng(8).normal(0, 0.3, 5)
    th = 2.0 ** 0.2 * np.exp(u - u.mean())
    ev = np.linalg.eigvalsh(ls.loss_hessian(th, 2.0))
    assert np.max(np.abs(ev[:-1])) <= 1e-13 * ev[-1]
    assert ev[-1] == pytest.approx(4.0 * np.sum(th ** -2.0), rel=1e-13)


# -- gradient descent -----------------------------------------------------------------------------
def test_run_gd_matches_the_paper_update():
    th0 = _point(9)
    y, eta = 1.0, 0.3
    tr = ls.run_gd(th0, eta, 50, y)
    x = th0.copy()
    for _ in range(50):
        f = np.prod(x)
        x = x - eta * (f - y) * f / x  # App. B
    np.testing.assert_allclose(tr.y[-1], x, rtol=1e-14)
    np.testing.assert_allclose(tr.observables["loss"], 0.5 * (np.prod(tr.y, axis=1) - y) ** 2)
    assert tr.t[-1] == 50 and tr.y.shape == (51, 5)
    thin = ls.run_gd(th0, eta, 50, y, record_every=10)
    assert thin.t.tolist() == [0, 10, 20, 30, 40, 50]


def test_run_gd_escape_and_divergence():
    start = np.full(4, 1.5)
    with pytest.raises(ValueError, match="diverged"):
        ls.run_gd(start, 0.25, 50, 1.0)
    tr = ls.run_gd(start, 0.25, 50, 1.0, stop_loss=1e12)
    assert tr.t[-1] < 50 and np.all(np.isfinite(tr.y))


def test_run_gd_is_deterministic():
    a = ls.run_gd(_point(10), 0.41, 300, 1.0)
    b = ls.run_gd(_point(10), 0.41, 300, 1.0)
    np.testing.assert_array_equal(a.y, b.y)


# -- sharpness ------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 3, 6, 40])
def test_lanczos_matches_the_exact_top_eigenvalue(p):
    th = np.random.default_rng(p).uniform(0.7, 1.3, p)
    for y in (0.5, np.prod(th)):  # off M and on M
        exact = ls.sharpness_exact(th, y)
        assert ls.sharpness_lanczos(th, y, seed=0) == pytest.approx(exact, rel=1e-10)


def test_lanczos_is_reproducible_and_scales():
    rng = np.random.default_rng(11)
    u = rng.normal(0, 0.2, 2000)
    th = np.exp(u - u.mean())
    a = ls.sharpness_lanczos(th, 1.0, seed=3)
    assert a == ls.sharpness_lanczos(th, 1.0, seed=3)
    assert a == pytest.approx(np.sum(th ** -2.0), rel=1e-10)  # on M: ||grad f||^2


def test_hessian_operator_matches_dense():
    th = _point(12, 6)
    op = ls.hessian_operator(th, 0.8)
    v = np.random.default_rng(13).standard_normal(6)
    np.testing.assert_allclose(op.matvec(v), ls.loss_hessian(th, 0.8) @ v, rtol=1e-13)


def test_finite_difference_hessian_of_a_quadratic():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(ls.finite_difference_hessian(lambda x: A @ x, np.array([0.3, -0.2])), A, rtol=1e-9)
    with pytest.raises(TypeError, match="grad"):
        ls.finite_difference_hessian(3.0, np.ones(2))


# -- period-two detection --------------------------------------------------------------------------
def test_detect_period_two():
    t = np.arange(300)
    a = 0.05 * (-1.0) ** t
    r = ls.detect_period_two(a)
    assert r.period == 2 and r.mean_abs == pytest.approx(0.05) and r.half_jump == pytest.approx(0.05)
    states = np.stack([1 + a, 1 - a], axis=1)
    assert ls.detect_period_two(states).period == 2
    assert ls.detect_period_two(np.full(300, 0.3)).period == 1
    assert ls.detect_period_two(np.sin(0.3 * t)).period == 0
    # a period-two orbit still drifting slowly is period 2 up to the tolerance
    assert ls.detect_period_two(a * (1 + 1e-6 * t), rtol=1e-3).period == 2


def test_detect_period_two_validation():
    with pytest.raises(ValueError, match="window"):
        ls.detect_period_two(np.zeros(50), window=100)
    with pytest.raises(ValueError, match="x must have shape"):
        ls.detect_period_two(np.zeros((200, 2, 2)))


# -- the companion toy ------------------------------------------------------------------------------
def test_toy_gradient_taylor_remainder():
    th = np.array([0.4, -0.7])
    v = np.array([0.6, 0.8])
    err = np.array([abs(ls.toy_loss(th + h * v) - ls.toy_loss(th) - h * ls.toy_grad(th) @ v) for h in H])
    assert 1.9 <= _taylor_slope(err) <= 2.1


def test_toy_stabilisation_times_match_a_plain_loop():
    rng = np.random.default_rng(14)
    eta = rng.uniform(0.5, 2, 30)
    lam0 = rng.uniform(2.1, 5, 30) / eta
    th0 = np.stack([np.log(2 / lam0), rng.uniform(0.01, 0.3, 30)], axis=1)
    got = ls.toy_stabilisation_times(th0, eta, 5000)
    states, lam = ls.toy_lambda_path(th0, eta, 5000)
    for i in range(30):
        below = np.flatnonzero(eta[i] * lam[:, i] < 2)
        assert got[i] == below[0]
    assert np.all(np.diff(lam, axis=0) <= 0)  # lambda never increases on this toy
    assert ls.toy_stabilisation_times(th0, eta, 0).tolist() == [-1] * 30


def test_toy_validation():
    with pytest.raises(ValueError, match="theta0"):
        ls.toy_stabilisation_times(np.ones((3, 3)), 1.0, 10)
    with pytest.raises(ValueError, match="eta"):
        ls.toy_lambda_path(np.ones((2, 2)), -1.0, 10)
    with pytest.raises(ValueError, match="theta"):
        ls.toy_grad(np.ones(3))


# -- validation -------------------------------------------------------------------------------------
def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="theta"):
        ls.product(np.ones(1))
    with pytest.raises(ValueError, match="theta"):
        ls.loss_grad([1.0, np.nan], 1.0)
    with pytest.raises(TypeError, match="theta"):
        ls.product("abc")
    with pytest.raises(TypeError, match="y"):
        ls.loss(np.ones(3), "1")
    with pytest.raises(ValueError, match="v must have the shape"):
        ls.loss_hvp(np.ones(3), np.ones(4), 1.0)
    with pytest.raises(ValueError, match="eta"):
        ls.run_gd(np.ones(3), 0.0, 10, 1.0)
    with pytest.raises(ValueError, match="steps"):
        ls.run_gd(np.ones(3), 0.1, -1, 1.0)
    with pytest.raises(ValueError, match="theta0"):
        ls.run_gd(np.ones((2, 3)), 0.1, 10, 1.0)
    with pytest.raises(ValueError, match="seed"):
        ls.sharpness_lanczos(np.ones(4), 1.0, seed=None)
    with pytest.raises(ValueError, match="stop_loss"):
        ls.run_gd(np.ones(3), 0.1, 10, 1.0, stop_loss=-1.0)
