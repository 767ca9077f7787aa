"""Unit tests of the early_alignment closed forms: symbolic identities (sympy), agreement
with ODE solutions and the simulator, the DERIVED constants, input validation."""
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from numerics import data
from numerics import two_layer as tl
from numerics.flow import integrate
from theorems import early_alignment as ea


# -- symbolic identities -------------------------------------------------------------------
def test_alignment_phase_at_eps2_equals_t1():
    # (c) of the eps_condition recipe: T(eps_2) = t_1 exactly, so eps <= eps_2 <=> T >= t_1
    diff = ea.T_ALIGN.subs(ea.eps, ea.EPS2) - ea.T1_BOUND
    assert sp.simplify(sp.expand_log(diff, force=True)) == 0


def test_eps_chain_ratio_erratum():
    # (a), (b): Lemma 3 as stated at eps_1 gives twice RHS(29); the sharper form gives it exactly
    assert ea.eps_chain_ratio(2, 4, 4) == 2
    assert ea.eps_chain_ratio(1, 4, 4) == 1
    assert ea.eps_chain_ratio(2, 8, 4) == 1  # the other repair: constant 8 in (28)


def test_last_inequality_of_28():
    # (d): eps_1 * 4 sqrt(h) X_max W_max^2 = min{mu, zeta, xi} sqrt(mu) X_min / (n X_max) <= 1
    ratio = sp.simplify(ea.EPS1.subs(ea.c28, 4) * 4 * sp.sqrt(ea.h) * ea.X_max * ea.W_max ** 2)
    assert sp.simplify(ratio - sp.Min(ea.mu, ea.zeta, ea.xi) * sp.sqrt(ea.mu) * ea.X_min / (ea.n * ea.X_max)) == 0
    f = sp.lambdify((ea.mu, ea.zeta, ea.xi, ea.X_min, ea.X_max, ea.n), ratio)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        mu_, z, x = rng.uniform(1e-6, 1, 3)
        xmax = rng.uniform(0.1, 10)
        assert f(mu_, z, x, rng.uniform(0, 1) * xmax, xmax, rng.integers(1, 100)) <= 1


def test_envelope_solves_the_riccati_ode():
    L = ea.ENVELOPE
    assert sp.simplify(sp.diff(L, ea.t) + ea.alpha_s * L ** 2) == 0
    assert sp.simplify(L.subs(ea.t, ea.t2_s) - ea.L2_s) == 0


def test_escape_time_solves_theta_dot_sin_theta():
    th = 2 * sp.atan(sp.tan(ea.theta0 / 2) * sp.exp(ea.t))
    assert sp.simplify(sp.diff(th, ea.t) - sp.sin(th)) == 0
    assert sp.simplify(th.subs(ea.t, ea.ESCAPE_TIME) - sp.pi / 2) == 0
    s = sp.Symbol("s", positive=True)
    integral = sp.integrate(1 / sp.sin(ea.theta), (ea.theta, s, sp.pi / 2))
    assert float((integral - sp.log(sp.cot(s / 2))).subs(s, 0.3)) == pytest.approx(0.0, abs=1e-14)


def test_escape_time_matches_ode_and_mpmath():
    import mpmath as mp

    for th0 in (1e-1, 1e-2, 1e-4):
        ev = lambda _t, y: y[0] - math.pi / 2
        ev.terminal = True
        traj = integrate(lambda _t, y: np.sin(y), [th0], [0.0, 40.0], events=ev, rtol=1e-12, atol=1e-14)
        assert traj.events[0][0] == pytest.approx(float(ea.escape_time_two_point(th0)), rel=1e-9)
        mp.mp.dps = 40
        assert float(ea.escape_time_two_point(th0)) == pytest.approx(float(-mp.log(mp.tan(mp.mpf(th0) / 2))), rel=1e-14)


def test_escape_time_matches_the_simulator():
    # the DERIVED closed form against R1 at dt = 1e-3 (the card: relative error < 1e-3)
    for th0 in (1e-2, 1e-4):
        X, y, W0, s = data.two_point_counterexample(th0)
        st0 = tl.balanced_init(W0, s, math.log(1.2e-39))
        run = tl.simulate(tl.Problem(X, y), st0, dt=1e-3, t_end=1.05 * float(ea.escape_time_two_point(th0)) + 0.1,
                          record_every=10 ** 7)
        assert run.events["t"][0] == pytest.approx(float(ea.escape_time_two_point(th0)), rel=1e-3)


def test_two_point_alignment_time_against_a_single_worst_neuron():
    # one V_+ neuron at angle -(pi/2 - 1e-9) from x_1 (activated by x_1 only): enters S_+ after log cot(s/2)
    for s_val in (0.1, 0.01):
        X, y = data.two_point_mu(s_val)
        ang = -(math.pi / 2 - 1e-9)
        st0 = tl.balanced_init(np.array([[math.cos(ang)], [math.sin(ang)]]), np.array([1.0]), -60.0)
        run = tl.simulate(tl.Problem(X, y), st0, dt=1e-3, t_end=1.1 * float(ea.two_point_alignment_time(s_val)),
                          record_every=10 ** 7)
        t_in = run.events["t"][run.events["on"]][0]
        assert t_in == pytest.approx(float(ea.two_point_alignment_time(s_val)), rel=2e-3)


# -- DERIVED geometric constants ------------------------------------------------------------
def test_zeta1_max_is_sharp_and_at_least_mu_squared():
    for seed in range(5):
        X, y = data.orthosep(16, 6, seed=seed, offset=0.3, noise=0.5)
        z1 = ea.zeta1_max(X, y)
        assert z1 >= ea.mu_separation(X, y) ** 2
        for f, inside in ((1 - 1e-9, True), (1 + 1e-6, False)):
            all_in = []
            for sign, code in ((1.0, tl.PLUS), (-1.0, tl.MINUS)):
                xs = X[y * sign > 0].sum(0)
                xs /= np.linalg.norm(xs)
                # boundary points of the cap in the worst directions (away from each signed point)
                E = -(sign * y[:, None] * X)
                E -= np.outer(E @ xs, xs)
                E /= np.linalg.norm(E, axis=1, keepdims=True)
                r = math.sqrt(z1 * f)
                Z = math.sqrt(1 - r * r) * xs + r * E
                all_in.append(np.all(tl.cone_labels(X, y, Z.T) == code))
            # inside: both caps fit; outside: the cap that sets zeta_1^* sticks out
            assert all(all_in) if inside else not all(all_in)


def test_xi_max_bound_on_random_pairs():
    X, y = data.orthosep_dead(0)
    xi = ea.xi_max(X, y)
    rng = np.random.default_rng(0)
    A = rng.exponential(size=(4000, 20)) * (rng.random((4000, 20)) < 0.3)
    A[A.sum(1) == 0, 0] = 1.0
    K = A @ (X * y[:, None])
    K /= np.linalg.norm(K, axis=1, keepdims=True)
    Z = rng.standard_normal((4000, 10))
    lab = tl.cone_labels(X, y, Z.T)
    Z = Z[(lab != tl.PLUS) & (lab != tl.MINUS)]
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    assert np.max(np.abs(K[: len(Z)] @ Z.T)) <= math.sqrt(1 - xi) + 1e-12


def test_zeta2_max():
    X, y, W0, s = data.two_point_counterexample(0.3)
    assert ea.zeta2_max(W0, s, X, y) == pytest.approx(math.sin(0.3) ** 2, rel=1e-12)
    # a V_+ neuron pointing away from x_- admits every zeta_2
    assert ea.zeta2_max(-W0, s, X, y) == 1.0


def test_harmonic_sum_inequalities():
    N = 2000
    n_all = np.arange(2, N + 1)
    H = ea.harmonic(np.arange(0, N + 1))
    assert H[1] == 1.0 and H[3] == pytest.approx(11 / 6)
    assert np.all(H[2:] <= 4 * np.log(n_all))
    assert H[1] > 4 * math.log(1)  # false at n = 1 (harmless: one point)
    assert 2 * H[2] + 0.5 > 4 * math.log(2)  # the card's remark: the intermediate bound fails at n = 2
    for n_ in range(2, 400):
        npos = np.arange(1, n_)
        nneg = n_ - npos
        assert np.all(H[nneg] + 0.5 + H[npos - 1] <= 4 * math.log(n_))


@settings(max_examples=50)
@given(npos=st.integers(1, 10 ** 5), nneg=st.integers(1, 10 ** 5))
def test_harmonic_property(npos, nneg):
    n_ = npos + nneg
    assert float(ea.harmonic(nneg) + 0.5 + ea.harmonic(npos - 1)) <= 4 * math.log(n_) + 1e-12


def test_counterexample_numbers_of_the_card():
    # printed reading (zeta = max{zeta_1, zeta_2} = 0.99): t_1 = 11.20 and eps_2 = 1.2e-39
    assert ea.t1_bound(2, 0.99, 0.99, 1.0, 1.0) == pytest.approx(11.20, abs=0.005)
    eb = ea.eps_bound(1.0, 0.99, 0.99, 1, 2, 1.0, 1.0, 1.0)
    assert math.exp(eb["log_eps2"]) == pytest.approx(1.2e-39, rel=0.05)
    assert ea.alignment_phase_length(h=1, n=2, x_max=1.0, log_eps=eb["log_eps2"]) == pytest.approx(
        ea.t1_bound(2, 0.99, 0.99, 1.0, 1.0), rel=1e-12)
    assert float(ea.dwell_time(1, 0.99, 0.99, 1.0, 1.0)) == pytest.approx(4 / 0.99)
    assert float(ea.escape_time_two_point(1e-6)) == pytest.approx(14.509, abs=1e-3)
    # corrected: zeta_2 < sin^2(theta_0)
    assert ea.t1_bound(2, math.sin(1e-6) ** 2, 0.99, 1.0, 1.0) > 1e13


def test_limit_stable_rank_matches_its_construction():
    rng = np.random.default_rng(0)
    for _ in range(20):
        gp, gm = rng.uniform(0.2, 2, 2)
        c = rng.uniform(-1, 1)
        up = np.array([1.0, 0, 0])
        um = np.array([c, math.sqrt(1 - c * c), 0])
        sp2 = (1 / gp) / (2 * (1 / gp + 1 / gm))
        sm2 = (1 / gm) / (2 * (1 / gp + 1 / gm))
        G = np.linalg.qr(rng.standard_normal((6, 2)))[0]
        W = math.sqrt(sp2) * np.outer(up, G[:, 0]) + math.sqrt(sm2) * np.outer(um, G[:, 1])
        assert ea.limit_stable_rank(gp, gm, c) == pytest.approx(tl.stable_rank(W), rel=1e-12)
        assert 1 <= ea.limit_stable_rank(gp, gm, c) <= 2


def test_t2_slope_and_bounds():
    assert ea.t2_slope(np.array([3.0, 4.0]), np.array([0.0, -2.0])) == pytest.approx(0.5)
    b = ea.t2_bound(0.2, 0.5, 10, 0.6, -40.0, 0.3, 20, 1.7)
    c = 1 / (math.sqrt(0.5) * 10 * 0.6)
    expected = 0.2 + 6 * c + 4 * c * (math.log(2 / (math.exp(-80) * math.sqrt(0.5) * 0.6 * 0.09)) + 4 * 20 * 1.7 * 0.2)
    assert b == pytest.approx(expected, rel=1e-12)
    assert float(ea.loss_envelope(3.0, 1.0, 2.0, 0.5)) == pytest.approx(2 / (2 * 0.5 * 2 + 1))
    assert float(ea.lowrank_bound(2.0, 4, 0.1, 1.0)) == pytest.approx(4 + 4 * 2 * 0.1)
    assert ea.alpha_rate(0.5, 1.0, 2.0) == pytest.approx(0.25 / 64)


def test_lemma_bounds_arithmetic():
    nb, ob = ea.lemma3_bounds(0.01, 4, 2.0, 3.0)
    assert nb == pytest.approx(2 * 0.01 * 4 / 2) and ob == pytest.approx(2 * 0.01 * 2 * 3 * 4)
    nb1, ob1 = ea.lemma3_bounds(0.01, 4, 2.0, 3.0, sharp=True)
    assert nb1 == pytest.approx(nb / 2) and ob1 == pytest.approx(ob / 2)
    assert ea.lemma1_bound(0.01, 5, 4, 3.0, 2.0) == pytest.approx(4 * 0.01 * 5 * 2 * 9 * 4)
    assert np.allclose(ea.lemma4_bound(5, 2.0, [0.1, 0.2]), [2.0, 4.0])
    assert ea.alignment_phase_length(0.01, 4, 5, 2.0) == pytest.approx(math.log(50) / 40)
    assert ea.alignment_phase_length(log_eps=math.log(0.01), h=4, n=5, x_max=2.0) == pytest.approx(math.log(50) / 40)


# -- data functions ---------------------------------------------------------------------------
def test_mu_separation_and_active_sums():
    X = np.array([[1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]])
    y = np.array([1.0, 1.0, -1.0])
    assert ea.mu_separation(X, y) == pytest.approx(0.6)
    xa, na = ea.signed_active_sum(X, y, np.array([1.0, 0.0]))
    assert np.allclose(xa, X[0] + X[1]) and na == 2
    xa, na = ea.signed_active_sum(X, y, np.array([1.0, 0.0]), leaky=0.5)
    assert np.allclose(xa, X[0] + X[1] + 0.5 * (-1) * X[2])
    Xd, yd = data.orthosep_dead(0)
    W = np.random.default_rng(0).standard_normal((10, 30))
    codes = {"plus": tl.PLUS, "minus": tl.MINUS, "dead": tl.DEAD, "other": tl.OTHER}
    assert [codes[c] for c in ea.cone_membership(Xd, yd, W)] == list(tl.cone_labels(Xd, yd, W))


def test_losses_and_derivatives_agree_with_the_simulator():
    yh = np.linspace(-3, 3, 13)
    for lab in (-1.0, 1.0):
        for loss in ("exp", "logistic", "logistic1", "square"):
            R, _ = tl.residual(loss, np.full((13, 1), lab), yh[:, None])
            assert np.allclose(R[:, 0], ea.neg_dloss(loss, lab, yh), rtol=1e-14)
        assert np.allclose(ea.exp_loss(lab, yh), tl.loss_terms("exp", np.full((13, 1), lab), yh[:, None]))
        assert np.allclose(ea.logistic2_loss(lab, yh), tl.loss_terms("logistic", np.full((13, 1), lab), yh[:, None]))


# -- validation ---------------------------------------------------------------------------------
def test_validation_errors_name_the_argument():
    X, y = data.orthosep_dead(0)
    with pytest.raises(ValueError, match="y"):
        ea.mu_separation(X, np.zeros(20))
    with pytest.raises(ValueError, match="y"):
        ea.mu_separation(X, np.ones(19))
    with pytest.raises(TypeError, match="X"):
        ea.mu_separation("X", y)
    with pytest.raises(ValueError, match="eps"):
        ea.alignment_phase_length(-1.0, 4, 5, 1.0)
    with pytest.raises(ValueError, match="eps"):
        ea.alignment_phase_length(0.1, 4, 5, 1.0, log_eps=-2.0)
    with pytest.raises(ValueError, match="n_a"):
        ea.dwell_time(0, 0.1, 0.1, 0.5, 1.0)
    with pytest.raises(ValueError, match="theta0"):
        ea.escape_time_two_point(2.0)
    with pytest.raises(ValueError, match="n"):
        ea.t1_bound(1, 0.1, 0.1, 0.5, 1.0)
    with pytest.raises(ValueError, match="t"):
        ea.loss_envelope([0.0], 1.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="both classes"):
        ea.zeta1_max(X[y > 0], y[y > 0])
    with pytest.raises(ValueError, match="loss"):
        ea.neg_dloss("hinge", 1.0, 0.0)


def test_claims_are_complete_and_falsifiable():
    assert len(ea.CLAIMS) == 28
    for c in ea.CLAIMS:
        if c.checkable:
            assert c.false_variant is not None and c.judge_fn is not None
        if c.status.value == "corrected":
            assert c.printed is not None
