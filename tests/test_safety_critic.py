"""Unit tests of theorems.safety_critic (closed forms, judges) and numerics.pendulum."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from numerics import mdp
from numerics import pendulum as pend
from numerics.flow import integrate
from theorems import Outcome
from theorems import safety_critic as sc


# -- binary operator and fixed points ------------------------------------------------------
def _systems(count, seed0=0):
    for k in range(count):
        rng = np.random.default_rng(seed0 + k)
        n, m = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        yield mdp.random_det_system(n, m, rng, absorbing=bool(rng.integers(2)))


def test_bellman_forms_agree_with_numerics():
    rng = np.random.default_rng(0)
    for F, G in _systems(50):
        b = rng.random((7,) + F.shape) < 0.5
        ref = mdp.bellman_binary(b, F, G)
        assert np.array_equal(sc.bellman_binary(b, F, G), ref)
        assert np.array_equal(sc.bellman_binary(b.astype(float), F, G, form="printed") == 1, ref)
        soft = rng.random(F.shape)
        assert np.array_equal(sc.bellman_binary(soft, F, G), sc.bellman_binary(soft, F, G, form="printed"))
        assert np.array_equal(sc.b_star(F, G), mdp.b_star(F, G))


def test_card_counterexamples_are_fixed_points():
    F = np.array([[1], [1], [0]])
    G = np.array([True, False, False])
    b = np.array([[True], [False], [True]])
    assert np.array_equal(sc.b_star(F, G), b)
    assert np.array_equal(sc.bellman_binary(b, F, G), b)
    assert sc.c_set(b).tolist() == [False, True, False]
    F2 = np.array([[1, 1], [1, 1], [2, 0]])
    for fp in ([[1, 1], [0, 0], [1, 1]], [[1, 1], [0, 0], [0, 1]]):
        fp = np.array(fp, bool)
        assert np.array_equal(sc.bellman_binary(fp, F2, G), fp)


def test_characterization_matches_enumeration():
    for F, G in _systems(80, 100):
        if F.size > 12:
            continue
        enum = mdp.enumerate_fixed_points(lambda b: mdp.bellman_binary(b, F, G), F.shape)
        char = sc.fixed_points_by_characterization(F, G)
        assert sorted(sc.function_codes(enum).tolist()) == sorted(sc.function_codes(char).tolist())
        # the empty C gives the spurious all-ones function; the largest valid C gives b*
        Cs = sc.valid_C_sets(F, G)
        big = Cs[Cs.sum(1).argmax()]
        assert np.array_equal(sc.fixed_point_from_C(big, F, G), sc.b_star(F, G))
        assert sc.fixed_point_from_C(np.zeros(F.shape[0], bool), F, G).all()


def test_function_codes_match_enumeration_order():
    funcs = np.concatenate(list(mdp.all_functions((2, 3))))
    assert sc.function_codes(funcs).tolist() == list(range(64))


def test_is_valid_C_conditions():
    F = np.array([[0, 0], [1, 0], [2, 1], [0, 0]])
    G = np.array([True, False, False, False])
    C = lambda *s: np.isin(np.arange(4), s)  # noqa: E731
    assert sc.is_valid_C(C(2), F, G) and sc.is_valid_C(C(1, 2), F, G)
    assert not sc.is_valid_C(C(1), F, G)  # 2 enters it from outside
    assert sc.is_valid_C(C(1), F, G, closed_from_outside=False)
    assert not sc.is_valid_C(C(0), F, G)  # meets G
    assert not sc.is_valid_C(C(3), F, G)  # no action stays inside


def test_closed_form_validation():
    with pytest.raises(TypeError, match="F must be an integer"):
        sc.bellman_binary(np.zeros((2, 1)), np.zeros((2, 1)), [True, False])
    with pytest.raises(ValueError, match="G must have shape"):
        sc.b_star(np.zeros((2, 1), int), [True])
    with pytest.raises(ValueError, match="b must take values"):
        sc.bellman_binary(np.full((2, 1), 1.5), np.zeros((2, 1), int), np.array([True, False]))
    with pytest.raises(ValueError, match="form"):
        sc.bellman_binary(np.zeros((2, 1)), np.zeros((2, 1), int), np.array([True, False]), form="min")
    with pytest.raises(TypeError, match="C must be a boolean"):
        sc.is_valid_C([1, 0], np.zeros((2, 1), int), np.array([True, False]))


# -- policy (8) ------------------------------------------------------------------------------
def test_uniform_safe_policy():
    b = np.array([[0, 1, 0], [1, 1, 1], [0.2, 0.7, 0.4]])
    with pytest.raises(ValueError, match=r"undefined at states \[1\]"):
        sc.uniform_safe_policy(b)
    pi = sc.uniform_safe_policy(b, fallback="least_unsafe")
    assert pi[0].tolist() == [0.5, 0, 0.5] and np.allclose(pi[1], 1 / 3) and pi[2].tolist() == [0.5, 0, 0.5]
    assert np.isnan(sc.uniform_safe_policy(b, fallback="nan")[1]).all()
    # rounding at exactly 1/2: 0.5 counts as unsafe
    assert sc.uniform_safe_policy(np.array([[0.5, 0.49]]))[0].tolist() == [0.0, 1.0]
    ref, _ = mdp.uniform_policy(b < 0.5, fallback="least", scores=b)
    assert np.allclose(ref, pi)
    with pytest.raises(ValueError, match="b_hat"):
        sc.uniform_safe_policy(np.array([[2.0]]))
    with pytest.raises(ValueError, match="fallback"):
        sc.uniform_safe_policy(b, fallback="other")


def test_entropy_and_sbe():
    uni = np.full((2, 5), 0.2)
    assert np.allclose(sc.policy_entropy_normalised(uni), 1.0)
    assert np.allclose(sc.policy_entropy_normalised(np.eye(5)[:2]), 0.0)
    assert sc.sbe_q_target(1.0, 2.0, 0.5) == pytest.approx(1.0)
    assert sc.sbe_q_target(1.0, -1.0, 0.5) == pytest.approx(0.0)
    assert sc.sbe_margin(np.array([0.0, -1.0]))[1] == pytest.approx(np.pi / 2 - 1)
    with pytest.raises(ValueError, match="gamma"):
        sc.sbe_q_target(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="row-stochastic"):
        sc.policy_entropy_normalised(np.ones((1, 3)))


# -- pendulum closed form ----------------------------------------------------------------------
def test_pendulum_constants_and_card_table():
    assert sc.pendulum_constants() == (15.0, 3.0)
    assert sc.theta_star() == pytest.approx(0.411517, abs=1e-6)
    c0 = float(sc.C0.subs({sc.alpha: 15, sc.beta: 3, sc.ubar: 2}))
    assert c0 == pytest.approx(16.21683, abs=1e-5)
    table = {0.0: (-1.560, 1.560), -0.5: (0.326, 3.479), -1.0: (2.055, 5.313), -1.3: (2.968, 6.325),
             -1.5: (3.509, 6.951), -np.pi / 2: (3.686, 7.161)}
    th = np.array(list(table))
    lo, hi = sc.pendulum_viability_bounds(th)
    for k, (l, h) in enumerate(table.values()):
        assert lo[k] == pytest.approx(l, abs=1.5e-3) and hi[k] == pytest.approx(h, abs=1.5e-3)


def test_pendulum_closed_form_against_mpmath():
    with mp.workdps(40):
        a, b, u = mp.mpf(15), mp.mpf(3), mp.mpf(2)
        ts = mp.asin(b * u / a)
        c0 = a * mp.cos(ts) + b * u * ts
        for t in (-1.4, -0.7, 0.0, 0.3):
            w = mp.sqrt(2 * (c0 - a * mp.cos(t) - b * u * t))
            assert sc.pendulum_viability_bounds(np.array([t]))[1][0] == pytest.approx(float(w), rel=1e-13)
        assert sc.theta_star() == pytest.approx(float(ts), rel=1e-15)


def test_pendulum_arc_is_a_trajectory_symbolically():
    """The upper arc conserves 1/2 w^2 + alpha cos(theta) + beta ubar theta under full
    opposing torque: d/dtheta (w^2 / 2) = alpha sin(theta) - beta ubar, and the arc ends at
    the saddle (theta*, 0)."""
    half = sc.OMEGA_MAX_SQ / 2
    assert sp.simplify(sp.diff(half, sc.theta) - (sc.alpha * sp.sin(sc.theta) - sc.beta * sc.ubar)) == 0
    at_saddle = sc.OMEGA_MAX_SQ.subs(sc.theta, sc.THETA_STAR)
    assert sp.simplify(at_saddle) == 0
    assert sp.simplify(sp.diff(sc.OMEGA_MAX_SQ, sc.theta).subs(sc.theta, sc.THETA_STAR)) == 0


def test_pendulum_arc_against_ode():
    alpha, beta, umax = 15.0, 3.0, 2.0
    th0 = -1.0
    w0 = sc.pendulum_viability_bounds(np.array([th0]))[1][0]
    rhs = lambda t, y: np.array([y[1], alpha * np.sin(y[0]) - beta * umax])  # noqa: E731
    traj = integrate(rhs, [th0, w0], np.linspace(0, 0.4, 41), rtol=1e-12, atol=1e-14)
    th, w = traj.y[:, 0], traj.y[:, 1]
    assert np.all(th < sc.theta_star())
    hi = sc.pendulum_viability_bounds(th)[1]
    # the arc is unstable toward the saddle: the integrator's 1e-12 error grows like exp(lambda t)
    assert np.max(np.abs(w - hi)) < 1e-7


def test_pendulum_bounds_validation():
    with pytest.raises(ValueError, match="beta \\* umax must be < alpha"):
        sc.pendulum_viability_bounds(np.array([0.0]), alpha=1.0, beta=3.0, umax=2.0)
    with pytest.raises(ValueError, match="theta"):
        sc.pendulum_viability_bounds(np.array([np.nan]))
    with pytest.raises(TypeError, match="umax"):
        sc.pendulum_viability_bounds(np.array([0.0]), umax="2")


# -- numerics.pendulum ---------------------------------------------------------------------------
def test_pendulum_step_formula():
    th, om = pend.pendulum_step(0.3, -1.0, 2.0)
    w = -1.0 + (15.0 * np.sin(0.3) + 3.0 * 2.0) * 0.05
    assert om == pytest.approx(w) and th == pytest.approx(0.3 + w * 0.05)
    _, om = pend.pendulum_step(0.0, 7.9, 2.0)
    assert om == 8.0  # clipped at max_speed
    with pytest.raises(ValueError, match="dt"):
        pend.pendulum_step(0.0, 0.0, 0.0, dt=0.0)
    with pytest.raises(ValueError, match="theta"):
        pend.pendulum_step(np.nan, 0.0, 0.0)


def test_pendulum_matches_gymnasium_when_installed():
    gym = pytest.importorskip("gymnasium")
    env = gym.make("Pendulum-v1")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    th, om = 0.1, 0.2
    env.unwrapped.state = np.array([th, om])
    for _ in range(20):
        u = float(rng.choice(pend.TORQUES))
        env.step(np.array([u]))
        th, om = pend.pendulum_step(th, om, u)
        assert np.allclose(env.unwrapped.state, [th, om], atol=1e-6)


def test_grid_abstraction_structure():
    grid = pend.grid_abstraction(41, 21, dt=0.05)
    n = 41 * 21 + 1
    assert grid.F.shape == (n, 5) and grid.G.shape == (n,)
    assert grid.G[grid.sink] and (grid.F[grid.sink] == grid.sink).all()
    g2 = grid.grid_values(grid.G)
    assert g2[0].all() and g2[-1].all() and not g2[1:-1].any()
    assert (grid.F[grid.G] == np.flatnonzero(grid.G)[:, None]).all()
    cons = pend.grid_abstraction(41, 21, dt=0.05, conservative=True)
    assert cons.F.shape == (n, 5, 4)
    # the conservative critic is more cautious than the nearest one
    b_near = mdp.b_star(grid.F, grid.G)
    b_cons = mdp.b_star(cons.F, cons.G)
    assert (b_cons >= b_near).sum() > 0.9 * b_near.size
    assert grid.nearest(0.0, 0.0) == 20 * 21 + 10
    assert grid.nearest(2.0, 0.0) == grid.sink
    c = grid.corners(0.01, 0.01)
    assert grid.nearest(0.01, 0.01) in c


def test_rollout_failure_and_stuck():
    out = pend.rollout(np.array([1.5, 0.0]), np.array([1.0, 0.0]), lambda t, w, r: np.full(t.shape, 2), 50, 0)
    assert out["failed"][0] and out["fail_step"][0] > 0 and not out["failed"][1]
    out = pend.rollout(np.array([0.0]), np.array([0.0]), lambda t, w, r: np.full(t.shape, -1), 3, 0)
    assert out["stuck"][0] and out["first_stuck"][0] == 0
    with pytest.raises(ValueError, match="same shape"):
        pend.rollout(np.zeros(2), np.zeros(3), lambda t, w, r: t, 1, 0)


# -- the exact judge -------------------------------------------------------------------------------
def test_exact_judge_on_hand_made_evidence():
    claim = sc.spurious_fp
    ev = {"measured": {"T_of_1": np.ones(4, bool), "T_of_0": np.array([1, 0, 0, 0], bool)}, "inputs": {}}
    assert claim.judge(ev).outcome is Outcome.HOLDS
    assert claim.false_variant.judge(ev).outcome is Outcome.FAILS
    ev_bad = {"measured": {"T_of_1": np.array([1, 0], bool), "T_of_0": np.zeros(2, bool)}, "inputs": {}}
    v = claim.judge(ev_bad)
    assert v.outcome is Outcome.FAILS and v.measured == 1
    with pytest.raises(ValueError, match="T_of_1"):
        claim.judge({"measured": {}, "inputs": {}})
    none = sc.thm1_i.judge({"measured": {"cis": np.zeros(1, bool)},
                            "inputs": {"is_fp": np.array([False]), "is_ones": np.array([False])}})
    assert none.outcome is Outcome.INCONCLUSIVE


def test_registry_statuses():
    import theorems
    ids = {c.id: c.status.value for c in sc.CLAIMS}
    assert len(ids) == 17
    assert ids["safety_critic.thm1_ii"] == "corrected" and ids["safety_critic.cor1"] == "corrected"
    assert theorems.get("safety_critic.alg1").reason_not_checkable
    for cid in ("safety_critic.thm1_ii", "safety_critic.cor1"):
        assert theorems.get(cid).printed is not None
