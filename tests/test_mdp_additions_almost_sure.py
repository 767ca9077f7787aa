"""Unit tests of the numerics.mdp additions used by the almost_sure_rl checks:
almost_sure_absorption, policy_barrier_batch, lift_to_augmented, rollout_budget_policy."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from numerics import mdp


def _fig1(p_d: float = 1.0):
    """c = 0 (left: reward 1, back to c, damage w.p. p_d; right: to the terminal 1)."""
    P = np.zeros((2, 2, 2, 2))
    P[0, 0, 0, 1], P[0, 0, 0, 0] = p_d, 1 - p_d
    P[0, 1, 1, 0] = 1.0
    P[1, :, 1, 0] = 1.0
    return P, np.array([[1.0, 0.0], [0.0, 0.0]])


def _budget_policy(D: int) -> np.ndarray:
    pol = np.zeros((2, D + 1, 2))
    pol[0, 1:, 0] = 1.0
    pol[0, 0, 1] = 1.0
    pol[1, :, 1] = 1.0
    return pol


# -- almost_sure_absorption ----------------------------------------------------------------
def test_absorption_hand_examples():
    # 0 -> {0, 1} w.p. 1/2, 1 absorbing: absorbed a.s.; 2 loops forever
    P = np.zeros((3, 1, 3, 2))
    P[0, 0, 0, 1] = P[0, 0, 1, 1] = 0.5
    P[1, 0, 1, 0] = 1.0
    P[2, 0, 2, 0] = 1.0
    got = mdp.almost_sure_absorption(P > 0, np.ones((3, 1), bool), np.array([False, True, False]))
    assert got.tolist() == [True, True, False]


def test_absorption_depends_on_policy_support():
    P = np.zeros((2, 2, 2, 2))
    P[0, 0, 0, 0] = 1.0  # action 0 stays forever
    P[0, 1, 1, 0] = 1.0
    P[1, :, 1, 0] = 1.0
    term = np.array([False, True])
    assert not mdp.almost_sure_absorption(P, np.array([[True, False], [True, True]]), term)[0]
    assert mdp.almost_sure_absorption(P, np.array([[False, True], [True, True]]), term)[0]
    # mixing the loop with the exit still leaves a.s. (the exit is tried with positive probability)
    assert mdp.almost_sure_absorption(P, np.array([[True, True], [True, True]]), term)[0]


def test_absorption_matches_power_iteration():
    rng = np.random.default_rng(0)
    for seed in range(60):
        M = mdp.random_mdp(5, 2, seed, terminal=True)
        sup = mdp.random_support(5, 2, rng)
        pi = sup / sup.sum(1, keepdims=True)
        Pm = np.einsum("sa,sat->st", pi, M.P.sum(-1))
        Pinf = Pm.copy()
        for _ in range(60):  # P^(2^60): the absorption probabilities, even for slow leaks
            Pinf = Pinf @ Pinf
        mass = Pinf[:, -1]
        term = np.zeros(5, bool)
        term[-1] = True
        got = mdp.almost_sure_absorption(M.supp, sup, term)
        # absorbed a.s. <=> mass -> 1; otherwise a closed class without the terminal keeps mass
        assert np.array_equal(got, mass > 1 - 1e-9), seed


def test_absorption_validation():
    P = np.ones((2, 1, 2, 2), bool)
    with pytest.raises(ValueError, match="absorbing"):
        mdp.almost_sure_absorption(P, np.ones((2, 1), bool), np.array([True]))
    with pytest.raises(ValueError, match="support"):
        mdp.almost_sure_absorption(P, np.zeros((2, 1), bool), np.array([True, False]))


# -- policy_barrier_batch --------------------------------------------------------------------
def test_policy_barrier_batch_matches_damage_reachable():
    rng = np.random.default_rng(1)
    for seed in range(80):
        M = mdp.random_mdp(int(rng.integers(1, 7)), int(rng.integers(1, 4)), seed)
        n, m = M.supp.shape[:2]
        sups = np.stack([mdp.random_support(n, m, rng) for _ in range(4)])
        got = mdp.policy_barrier_batch(M.supp, sups)
        for b in range(4):
            assert np.array_equal(got[b], mdp.damage_reachable(M.supp, sups[b]))


def test_policy_barrier_batch_cap_and_shape():
    # a chain 0 -> 1 -> 2 -> 3 with damage at the end needs several sweeps
    P = np.zeros((4, 1, 4, 2))
    for s in range(3):
        P[s, 0, s + 1, 0] = 1.0
    P[3, 0, 3, 1] = 1.0
    sup = np.ones((4, 1), bool)
    assert mdp.policy_barrier_batch(P, sup).all()
    with pytest.raises(RuntimeError, match="fixed point"):
        mdp.policy_barrier_batch(P, sup, max_sweeps=1)
    with pytest.raises(ValueError, match="supports"):
        mdp.policy_barrier_batch(P, np.ones((3, 1), bool))


# -- lift_to_augmented ----------------------------------------------------------------------
def test_lift_to_augmented_places_rows():
    supp = np.zeros((2, 1, 2, 2), bool)
    supp[:, 0, 0, 0] = True
    aug, index = mdp.augment_budget(supp, 2)
    x = np.arange(2 * 3 * 1).reshape(2, 3, 1)
    out = mdp.lift_to_augmented(x, index, -1)
    assert out.shape == (7, 1)
    for s in range(2):
        for k in range(3):
            assert out[index[s, k], 0] == x[s, k, 0]
    assert out[-1, 0] == -1
    with pytest.raises(ValueError, match="leading shape"):
        mdp.lift_to_augmented(np.zeros((3, 3)), index, 0)
    with pytest.raises(ValueError, match="index"):
        mdp.lift_to_augmented(x, np.arange(6), 0)


# -- rollout_budget_policy --------------------------------------------------------------------
def test_rollout_budget_policy_fig1_exact():
    P, R = _fig1(1.0)
    for D in (0, 1, 4):
        ro = mdp.rollout_budget_policy(P, _budget_policy(D), 0, 500, 3, R=R, budget=D, terminal=1)
        assert np.all(ro.damages == D) and np.all(ro.returns == D) and np.all(ro.lengths == D + 1)
        assert ro.terminated.all() and not ro.failed.any()
        assert np.all(ro.action_counts == np.array([D, 1]))


def test_rollout_failure_frequency_matches_q_power():
    # a stationary q breaks budget Delta iff it takes Delta + 1 lefts: probability q^(Delta+1)
    P, R = _fig1(1.0)
    q, D, E = 0.6, 2, 20_000
    pol = np.array([[q, 1 - q], [0.0, 1.0]])
    ro = mdp.rollout_budget_policy(P, pol, 0, E, 4, R=R, budget=D, terminal=1)
    k = int(ro.failed.sum())
    assert stats.binomtest(k, E, q ** (D + 1)).pvalue > 1e-3
    # on failure the episode stops in the sink: damage = Delta + 1 exactly
    assert np.all(ro.damages[ro.failed] == D + 1) and not ro.terminated[ro.failed].any()
    go_on = mdp.rollout_budget_policy(P, pol, 0, E, 4, R=R, budget=D, terminal=1, stop_on_failure=False)
    assert go_on.terminated.all() and np.array_equal(go_on.failed, go_on.damages > D)


def test_rollout_reproducible_and_outcome_rewards():
    P, R = _fig1(0.6)
    pol = np.array([[0.7, 0.3], [0.0, 1.0]])
    a = mdp.rollout_budget_policy(P, pol, 0, 300, 7, R=R, terminal=1)
    b = mdp.rollout_budget_policy(P, pol, 0, 300, 7, R=R, terminal=1)
    assert np.array_equal(a.returns, b.returns) and np.array_equal(a.damages, b.damages)
    Rout = np.zeros(P.shape)
    Rout[..., 1] = 1.0  # reward = damage
    c = mdp.rollout_budget_policy(P, pol, 0, 300, 7, R=Rout, terminal=1)
    assert np.array_equal(c.returns, c.damages.astype(float))
    fm = mdp.FiniteMDP(P=P, R=R, terminal=1)
    d = mdp.rollout_budget_policy(fm, pol, 0, 300, 7)
    assert np.array_equal(d.returns, a.returns)


def test_rollout_cap_and_validation():
    P, R = _fig1(1.0)
    always_left = np.array([[1.0, 0.0], [0.0, 1.0]])
    ro = mdp.rollout_budget_policy(P, always_left, 0, 5, 0, R=R, terminal=1, max_steps=7)
    assert not ro.terminated.any() and np.all(ro.lengths == 7)
    with pytest.raises(ValueError, match="needs the budget"):
        mdp.rollout_budget_policy(P, _budget_policy(2), 0, 5, 0)
    with pytest.raises(ValueError, match="policy must have shape"):
        mdp.rollout_budget_policy(P, _budget_policy(2), 0, 5, 0, budget=3)
    with pytest.raises(ValueError, match="probability vectors"):
        mdp.rollout_budget_policy(P, np.ones((2, 2)), 0, 5, 0)
    with pytest.raises(ValueError, match="s0"):
        mdp.rollout_budget_policy(P, always_left, 5, 5, 0)
    with pytest.raises(ValueError, match="R must have shape"):
        mdp.rollout_budget_policy(P, always_left, 0, 5, 0, R=np.ones(3))
    with pytest.raises(ValueError, match="n_episodes"):
        mdp.rollout_budget_policy(P, always_left, 0, 0, 0)
    with pytest.raises(ValueError, match="seed"):
        mdp.rollout_budget_policy(P, always_left, 0, 5, None)
