"""Unit tests of ``numerics.linear_networks`` (reduction, flows, GD, generators)."""
from __future__ import annotations

import numpy as np
import pytest

import numerics.linear_networks as nl

RNG = np.random.default_rng


def _taylor_slope(f, x, dx, lin):
    """Slope of log |f(x + e dx) - f(x) - e lin| in log e: 2 for a correct gradient."""
    eps = np.array([1e-1, 5e-2, 2.5e-2, 1.25e-2, 6.25e-3])
    rem = [abs(f(x + e * dx) - f(x) - e * lin) for e in eps]
    return np.polyfit(np.log(eps), np.log(rem), 1)[0]


# ---------------------------------------------------------------------------------------
# reduction
# ---------------------------------------------------------------------------------------
def test_reduce_reconstructs_and_thresholds_rank():
    rng = RNG(0)
    X = rng.standard_normal((8, 5)) @ rng.standard_normal((5, 12))  # rank 5
    red = nl.reduce(X)
    assert red.r == 5 and red.Phi2.shape == (12, 7)
    assert np.allclose(red.W @ np.diag(red.sqrt_sig_x) @ red.Phi1.T, X, atol=1e-12)
    assert np.allclose(red.W.T @ red.W, np.eye(5), atol=1e-13)
    assert np.allclose(np.hstack([red.Phi1, red.Phi2]).T @ np.hstack([red.Phi1, red.Phi2]), np.eye(12), atol=1e-13)
    assert np.max(np.abs(X @ red.Phi2)) < 1e-12
    assert np.all(np.diff(red.sig_x) <= 0)
    assert np.allclose(red.sig_x, np.sort(np.linalg.eigvalsh(X.T @ X))[::-1][:5], rtol=1e-10)


def test_reduce_validation():
    with pytest.raises(ValueError, match="X"):
        nl.reduce(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X"):
        nl.reduce(np.ones(3))
    with pytest.raises(TypeError, match="X"):
        nl.reduce("X")


def test_split_batch_matches_single():
    rng = RNG(1)
    red = nl.reduce(rng.standard_normal((3, 7)))
    U = rng.standard_normal((4, 2, 7, 5))
    U1, U2 = nl.split(U, red)
    assert U1.shape == (4, 2, 3, 5) and U2.shape == (4, 2, 4, 5)
    a, b = nl.split(U[2, 1], red)
    assert np.allclose(U1[2, 1], a, atol=1e-14) and np.allclose(U2[2, 1], b, atol=1e-14)
    with pytest.raises(ValueError, match="U"):
        nl.split(np.ones((6, 5)), red)


def test_loss_decomposes():
    rng = RNG(2)
    X = rng.standard_normal((8, 4)) @ rng.standard_normal((4, 10))
    Y = rng.standard_normal((8, 3))
    U, V = rng.standard_normal((10, 6)), rng.standard_normal((3, 6))
    red = nl.reduce(X)
    U1, _ = nl.split(U, red)
    L_exc = nl.excess_loss(red.W.T @ Y, red.sqrt_sig_x, U1, V)
    assert nl.loss(X, Y, U, V) == pytest.approx(float(L_exc) + nl.optimal_loss(X, Y), rel=1e-12)


# ---------------------------------------------------------------------------------------
# analytic quantities and gradients
# ---------------------------------------------------------------------------------------
def test_loss_grads_taylor():
    rng = RNG(3)
    X, Y = rng.standard_normal((5, 8)), rng.standard_normal((5, 2))
    U, V = rng.standard_normal((8, 6)), rng.standard_normal((2, 6))
    dU, dV = rng.standard_normal(U.shape), rng.standard_normal(V.shape)
    gU, gV = nl.loss_grads(X, Y, U, V)
    f = lambda e: nl.loss(X, Y, U + e * dU, V + e * dV)
    slope = _taylor_slope(lambda e: f(e), 0.0, 1.0, np.sum(gU * dU) + np.sum(gV * dV))
    assert slope == pytest.approx(2.0, abs=0.1)


def test_reduced_field_is_minus_gradient_taylor():
    rng = RNG(4)
    Yt, s = rng.standard_normal((4, 3)), rng.uniform(0.5, 2.0, 4)
    U1, V = rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    dA, dB = rng.standard_normal(U1.shape), rng.standard_normal(V.shape)
    fU, fV = nl.reduced_field(Yt, s, U1, V)
    f = lambda e: float(nl.excess_loss(Yt, s, U1 + e * dA, V + e * dB))
    slope = _taylor_slope(f, 0.0, 1.0, -(np.sum(fU * dA) + np.sum(fV * dB)))
    assert slope == pytest.approx(2.0, abs=0.1)


def test_rate_equals_chain_rule():
    """-dL~/dt / L~ from the analytic formula equals -<E, dE/dt> / L~ along eq. (7)."""
    rng = RNG(5)
    Yt, s = rng.standard_normal((4, 2)), rng.uniform(0.5, 2.0, 4)
    U1, V = rng.standard_normal((4, 6)), rng.standard_normal((2, 6))
    fU, fV = nl.reduced_field(Yt, s, U1, V)
    E = nl.error(Yt, s, U1, V)
    dE = -s[:, None] * (fU @ V.T + U1 @ fV.T)
    dL = float(np.sum(E * dE))
    assert float(nl.rate(Yt, s, U1, V)) == pytest.approx(-dL / float(nl.excess_loss(Yt, s, U1, V)), rel=1e-12)
    # batch axes
    r = nl.rate(Yt, s, np.stack([U1, 2 * U1]), np.stack([V, V]))
    assert r.shape == (2,) and r[0] == pytest.approx(float(nl.rate(Yt, s, U1, V)))
    with pytest.raises(ValueError, match="E = 0"):
        nl.rate(U1 @ V.T * s[:, None], s, U1, V)
    with pytest.raises(ValueError, match="sqrt_sig_x"):
        nl.rate(Yt, -s, U1, V)


def test_imbalance_spectrum_matches_eigvalsh():
    rng = RNG(6)
    U1, V = rng.standard_normal((3, 2, 11)), rng.standard_normal((3, 4, 11))
    eig = nl.imbalance_spectrum(U1, V)
    assert eig.shape == (3, 6)
    for k in range(3):
        D = nl.imbalance(U1[k], V[k])
        full = np.sort(np.linalg.eigvalsh(D))[::-1]
        nz = np.concatenate([full[:2], full[-4:]])
        assert np.allclose(eig[k], nz, atol=1e-10 * np.max(np.abs(full)))
    with pytest.raises(ValueError, match="equal width"):
        nl.imbalance_spectrum(U1, V[..., :5])


# ---------------------------------------------------------------------------------------
# flows and GD
# ---------------------------------------------------------------------------------------
def test_gf_full_matches_reduced_and_freezes_u2():
    inst = nl.default_instance(0, h=7)
    red = nl.reduce(inst.X)
    t = np.linspace(0, 2, 21)
    full = nl.gf_full(inst.X, inst.Y, inst.U0, inst.V0, t)
    U1f, U2f = nl.split(full.observables["U"], red)
    U10, _ = nl.split(inst.U0, red)
    redt = nl.gf_reduced(red.W.T @ inst.Y, red.sqrt_sig_x, U10, inst.V0, t)
    assert np.allclose(U1f, redt.observables["U1"], atol=1e-8)
    assert np.allclose(full.observables["V"], redt.observables["V"], atol=1e-8)
    assert np.max(np.abs(U2f - U2f[0])) < 1e-13
    L = nl.excess_loss(red.W.T @ inst.Y, red.sqrt_sig_x, U1f, full.observables["V"])
    assert np.all(np.diff(L) <= 1e-12 * L[0])  # gradient flow decreases the loss


def test_gd_full_equals_gd_reduced():
    inst = nl.default_instance(1, h=9)
    red = nl.reduce(inst.X)
    U10, U20 = nl.split(inst.U0, red)
    a = nl.gd_full(inst.X, inst.Y, inst.U0, inst.V0, 2e-3, 200, loss="mean", record_every=50)
    b = nl.gd_reduced(red.W.T @ inst.Y, red.sqrt_sig_x, U10, inst.V0, 2e-3, 200, loss="mean",
                      N=inst.X.shape[0], record_every=50)
    U1a, U2a = nl.split(a.observables["U"], red)
    assert np.allclose(U1a, b.observables["U1"], atol=1e-10)
    assert np.allclose(a.observables["V"], b.observables["V"], atol=1e-10)
    assert np.max(np.abs(U2a - U20)) < 1e-13
    assert np.allclose(nl.gf_time(a.t, 2e-3, "mean", inst.X.shape[0]), a.t * 4e-3 / inst.X.shape[0])


def test_gd_small_step_tracks_gf():
    inst = nl.default_instance(2, h=5)
    red = nl.reduce(inst.X)
    U10, _ = nl.split(inst.U0, red)
    Yt, s = red.W.T @ inst.Y, red.sqrt_sig_x
    eta, steps = 1e-4, 2000
    g = nl.gd_reduced(Yt, s, U10, inst.V0, eta, steps, record_every=steps)
    f = nl.gf_reduced(Yt, s, U10, inst.V0, np.array([0.0, eta * steps]))
    err = np.max(np.abs(g.observables["U1"][-1] - f.observables["U1"][-1]))
    assert err < 1e-2 * np.max(np.abs(f.observables["U1"][-1] - U10))


def test_gd_stop_excess():
    inst = nl.default_instance(3, h=10)
    red = nl.reduce(inst.X)
    U10, _ = nl.split(inst.U0, red)
    Yt, s = red.W.T @ inst.Y, red.sqrt_sig_x
    g = nl.gd_reduced(Yt, s, U10, inst.V0, 5e-3, 100000, stop_excess=1e-6)
    assert g.t[-1] < 100000
    assert float(nl.excess_loss(Yt, s, g.observables["U1"][-1], g.observables["V"][-1])) < 1e-6
    with pytest.raises(ValueError, match="loss"):
        nl.gd_reduced(Yt, s, U10, inst.V0, 1e-3, 10, loss="sum")


def test_gf_ntk_is_time_rescaled_gf():
    inst = nl.default_instance(4, h=15)
    h, a = 15, 0.4
    t = np.array([0.0, 0.3])
    std = nl.gf_full(inst.X, inst.Y, inst.U0, inst.V0, t, rtol=1e-12, atol=1e-14)
    ntk = nl.gf_ntk(inst.X, inst.Y, h**a * inst.U0, h**a * inst.V0, a, t, speed=h ** (2 * a))
    assert np.allclose(h**a * std.observables["U"][-1], ntk.observables["U"][-1], atol=1e-9)


def test_flow_validation():
    inst = nl.default_instance(5)
    with pytest.raises(ValueError, match="V"):
        nl.gf_full(inst.X, inst.Y, inst.U0, inst.V0[:, :3], [0.0, 1.0])
    with pytest.raises(ValueError, match="t_eval"):
        nl.gf_full(inst.X, inst.Y, inst.U0, inst.V0, [1.0, 0.0])
    with pytest.raises(ValueError, match="Y"):
        nl.gf_full(inst.X, inst.Y[:3], inst.U0, inst.V0, [0.0, 1.0])
    with pytest.raises(ValueError, match="U1"):
        nl.gf_reduced(np.ones((3, 2)), np.ones(3), np.ones((4, 5)), np.ones((2, 5)), [0.0, 1.0])
    with pytest.raises(ValueError, match="eta"):
        nl.gd_full(inst.X, inst.Y, inst.U0, inst.V0, -1.0, 10)


# ---------------------------------------------------------------------------------------
# data generators
# ---------------------------------------------------------------------------------------
def test_generators_are_seeded_and_shaped():
    a, b = nl.default_instance(7), nl.default_instance(7)
    for x, y in zip((a.X, a.Y, a.U0, a.V0), (b.X, b.Y, b.U0, b.V0)):
        assert np.array_equal(x, y)
    assert a.shape == {"N": 6, "n": 12, "m": 2, "h": 20}
    assert not np.array_equal(a.U0, nl.default_instance(8).U0)
    X = nl.orthonormal_rows(5, 9, 0)
    assert np.allclose(X @ X.T, np.eye(5), atol=1e-13)
    Xr, Yr, Th = nl.regression_data(20, 60, 1, 0)
    assert Xr.shape == (20, 60) and Yr.shape == (20, 1) and Th.shape == (60, 1)
    assert np.array_equal(Xr, nl.regression_data(20, 60, 1, 0)[0])
    U, V = nl.wide_init(50, 3, 4000, 0.5, 1)
    assert np.var(U) * 4000 == pytest.approx(1.0, rel=0.01)


def test_generator_validation():
    with pytest.raises(ValueError, match="seed"):
        nl.default_instance(None)
    with pytest.raises(ValueError, match="n"):
        nl.orthonormal_rows(5, 3, 0)
    with pytest.raises(TypeError, match="h"):
        nl.wide_init(3, 2, 2.5, 0.5, 0)
    with pytest.raises(ValueError, match="noise"):
        nl.regression_data(3, 5, 1, 0, noise=-1.0)
