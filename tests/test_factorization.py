"""Unit tests of ``numerics.factorization``: loss, analytic gradient, flows, GD, inits."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import factorization as fz
from numerics.fit import loglog_fit


def _problem(seed=0, n=4, r=5):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    return A @ A.T, rng.standard_normal((n, r))


def test_gradient_taylor_remainder_has_slope_two():
    Y, U = _problem()
    V = np.random.default_rng(1).standard_normal(U.shape)
    g = fz.grad_U(Y, U)
    h = np.geomspace(1e-1, 1e-4, 7)
    rem = np.array([abs(fz.loss(Y, U + hi * V) - fz.loss(Y, U) - hi * np.sum(g * V)) for hi in h])
    fit = loglog_fit(h, rem)
    # the remainder of the linear model is O(h^2); a wrong gradient leaves O(h)
    assert abs(fit.slope - 2.0) < 0.05
    wrong = np.array([abs(fz.loss(Y, U + hi * V) - fz.loss(Y, U) - hi * np.sum(2 * g * V)) for hi in h])
    assert loglog_fit(h, wrong).slope < 1.5


def test_riccati_rhs_is_the_induced_dynamics():
    Y, U = _problem()
    dU = -fz.grad_U(Y, U)
    assert np.allclose(dU @ U.T + U @ dU.T, fz.riccati_rhs(Y, U @ U.T), rtol=1e-12, atol=1e-12)


def test_gf_U_and_gf_W_agree():
    Y, U = _problem(2)
    U0 = 0.1 * U
    t = np.linspace(0, 2, 11)
    WU = fz.gf_U(Y, U0, t).observables["W"]
    WW = fz.gf_W(Y, U0 @ U0.T, t).observables["W"]
    assert np.max(np.abs(WU - WW)) < 1e-9
    loss = fz.gf_U(Y, U0, t).observables["loss"]
    assert np.all(np.diff(loss) <= 1e-12)  # gradient flow never increases the loss


def test_spectral_init_stays_diagonal_and_follows_the_logistic():
    Phi = fz.random_orthogonal(4, 3)
    sY = np.array([2.0, 1.0, 0.0, 0.0])
    s0 = np.array([1.0, 0.5, 2.0, 1.0])
    alpha = 1e-4
    U0 = fz.spectral_init(Phi, s0, alpha, 6, 4)
    assert np.allclose(Phi.T @ U0 @ U0.T @ Phi, alpha * np.diag(s0), rtol=0, atol=1e-15)
    t = np.linspace(0, 6, 13)
    Wr = Phi.T @ fz.gf_U(Phi @ np.diag(sY) @ Phi.T, U0, t).observables["W"] @ Phi
    d = np.diagonal(Wr, axis1=1, axis2=2)
    a = alpha * s0
    tt = t[:, None]
    exact = np.where(sY > 0, a / (np.exp(-2 * sY * tt) + a * (1 - np.exp(-2 * sY * tt)) / np.where(sY > 0, sY, 1)),
                     a / (1 + 2 * a * tt))
    assert np.max(np.abs(d - exact)) < 1e-9
    assert np.max(np.abs(Wr - d[:, :, None] * np.eye(4))) < 1e-10


def test_default_atol_is_sized_to_the_initial_scale():
    Y = np.diag([1.0])
    for alpha in (1e-4, 1e-8):
        run = fz.gf_W(Y, [[alpha]], [0.0, 1.0])
        assert run.atol <= 1e-3 * alpha
    # an atol above the initial scale gets the escape time plainly wrong
    t = np.linspace(0, 12, 121)
    exact = 1 / (1 + (1 / 1e-8 - 1) * np.exp(-2 * t))
    good = fz.gf_W(Y, [[1e-8]], t).y[:, 0]
    bad = fz.gf_W(Y, [[1e-8]], t, rtol=1e-3, atol=1e-3).y[:, 0]
    assert np.max(np.abs(good - exact)) < 1e-9
    assert np.max(np.abs(bad - exact)) > 1e-2


def test_gd_converges_to_the_flow_at_first_order():
    Y, U = _problem(5, 3, 3)
    U0 = 0.3 * U
    T = 1.0
    ref = fz.gf_U(Y, U0, [0.0, T]).observables["W"][-1]
    errs = []
    for eta in (1e-2, 5e-3, 2.5e-3):
        run = fz.gd_U(Y, U0, eta, int(round(T / eta)), record_every=10**6)
        errs.append(np.max(np.abs(run.observables["W"][-1] - ref)))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    assert np.all(np.abs(ratios - 2.0) < 0.2)  # Euler: error halves with the step


def test_gd_decreases_the_loss_for_small_steps():
    Y, U = _problem(6)
    run = fz.gd_U(Y, 0.1 * U, 1e-3, 200, record_every=20)
    losses = [fz.loss(Y, u.reshape(4, 5)) for u in run.y]
    assert np.all(np.diff(losses) < 0)
    assert run.observables["W"].shape == (len(run.t), 4, 4)


def test_inits_are_reproducible():
    assert np.array_equal(fz.random_orthogonal(5, 7), fz.random_orthogonal(5, 7))
    assert not np.array_equal(fz.random_orthogonal(5, 7), fz.random_orthogonal(5, 8))
    Q = fz.random_orthogonal(5, 7)
    assert np.allclose(Q.T @ Q, np.eye(5), atol=1e-14)
    assert np.array_equal(fz.gaussian_shape(3, 4, 1), fz.gaussian_shape(3, 4, 1))
    Phi = np.eye(3)
    assert np.array_equal(fz.spectral_init(Phi, [1, 2, 3], 1e-3, 4, 0), fz.spectral_init(Phi, [1, 2, 3], 1e-3, 4, 0))
    # r < n is allowed when the trailing shape values vanish
    U0 = fz.spectral_init(Phi, [1.0, 2.0, 0.0], 1e-2, 2, 0)
    assert U0.shape == (3, 2) and np.all(U0[2] == 0.0)


def test_validation():
    Y, U = _problem()
    with pytest.raises(ValueError, match="Y must be symmetric"):
        fz.gf_U(Y + np.triu(np.ones_like(Y), 1), U, [0, 1])
    with pytest.raises(ValueError, match="U0 must have 4 rows"):
        fz.gf_U(Y, U[:3], [0, 1])
    with pytest.raises(ValueError, match="t_eval must be non-negative"):
        fz.gf_U(Y, U, [-1.0, 1.0])
    with pytest.raises(ValueError, match="W0 must have shape"):
        fz.gf_W(Y, np.eye(3), [0, 1])
    with pytest.raises(ValueError, match="W0 contains NaN"):
        fz.gf_W(Y, np.full((4, 4), np.nan), [0, 1])
    with pytest.raises(ValueError, match="seed must be given"):
        fz.random_orthogonal(3, None)
    with pytest.raises(ValueError, match="Phi must be a square orthogonal"):
        fz.spectral_init(2 * np.eye(3), [1, 1, 1], 1e-3, 3, 0)
    with pytest.raises(ValueError, match="sig_0 must be non-negative"):
        fz.spectral_init(np.eye(3), [1, -1, 1], 1e-3, 3, 0)
    with pytest.raises(ValueError, match="only the first r"):
        fz.spectral_init(np.eye(3), [1, 1, 1], 1e-3, 2, 0)
    with pytest.raises(ValueError, match="alpha"):
        fz.spectral_init(np.eye(3), [1, 1, 1], 0.0, 3, 0)
    with pytest.raises(TypeError, match="U"):
        fz.loss(Y, "U")
    with pytest.raises(ValueError, match="eta"):
        fz.gd_U(Y, U, -1.0, 10)
