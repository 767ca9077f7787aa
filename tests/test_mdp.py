"""Unit tests of numerics.mdp: finite systems, safety operators, attractors, learners."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import mdp


def _systems(count, seed0=0, n_max=6, m_max=3):
    for k in range(count):
        rng = np.random.default_rng(seed0 + k)
        n, m = int(rng.integers(1, n_max + 1)), int(rng.integers(1, m_max + 1))
        yield mdp.random_det_system(n, m, rng, absorbing=bool(rng.integers(2)))


def _mdps(count, seed0=0, n_max=6, m_max=3, **kw):
    for k in range(count):
        rng = np.random.default_rng(seed0 + k)
        n, m = int(rng.integers(1, n_max + 1)), int(rng.integers(1, m_max + 1))
        yield mdp.random_mdp(n, m, rng, terminal=bool(rng.integers(2)), **kw)


# -- validation -------------------------------------------------------------------------
def test_check_det_system_errors():
    with pytest.raises(ValueError, match="F must map"):
        mdp.check_det_system([[0, 3]], [True])
    with pytest.raises(ValueError, match="G must have shape"):
        mdp.check_det_system([[0], [1]], [True])
    with pytest.raises(TypeError, match="F must be an integer"):
        mdp.check_det_system("abc", [True])
    with pytest.raises(TypeError, match="F must be an integer"):
        mdp.check_det_system([[0.5]], [True])
    with pytest.raises(ValueError, match="F must have shape"):
        mdp.check_det_system([0, 1], [True, False])
    with pytest.raises(ValueError, match="G must contain only 0/1"):
        mdp.check_det_system([[0]], [2])


def test_check_support_and_kernel_errors():
    P = np.zeros((2, 1, 2, 2))
    P[0, 0, 1, 0] = 1.0
    with pytest.raises(ValueError, match=r"no outcome for the pair \(s=1, a=0\)"):
        mdp.check_support(P)
    P[1, 0, 1, 1] = 0.5
    with pytest.raises(ValueError, match="must sum to 1"):
        mdp.check_kernel(P)
    with pytest.raises(ValueError, match="shape"):
        mdp.check_support(np.ones((2, 1, 3, 2), bool))
    with pytest.raises(ValueError, match="non-negative"):
        mdp.check_support(-np.ones((1, 1, 1, 2)))


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="n_states"):
        mdp.random_det_system(0, 2, 0)
    with pytest.raises(ValueError, match="n_fail"):
        mdp.random_det_system(3, 2, 0, n_fail=4)
    with pytest.raises(ValueError, match="seed"):
        mdp.random_det_system(3, 2, None)
    with pytest.raises(TypeError, match="n_actions"):
        mdp.random_mdp(3, 1.5, 0)
    with pytest.raises(ValueError, match="damage_prob"):
        mdp.random_mdp(3, 2, 0, damage_prob=1.5)
    with pytest.raises(ValueError, match="mu_min"):
        mdp.random_mdp(3, 2, 0, entries=(3, 3), mu_min=0.5)


def test_operator_shape_errors():
    F, G = mdp.random_det_system(3, 2, 0)
    with pytest.raises(ValueError, match="b must have shape"):
        mdp.bellman_binary(np.zeros((2, 2), bool), F, G)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mdp.bellman_binary(np.full((3, 2), 2.0), F, G)
    M = mdp.random_mdp(3, 2, 0)
    with pytest.raises(TypeError, match="integer"):
        mdp.budget_operator(np.zeros((3, 2)), M.supp)
    with pytest.raises(ValueError, match="non-negative"):
        mdp.budget_operator(-np.ones((3, 2), int), M.supp)
    with pytest.raises(ValueError, match="rule"):
        mdp.barrier_operator(np.zeros((3, 2), bool), M.supp, rule="some")


# -- reproducibility ----------------------------------------------------------------------
def test_seeded_generators_are_repeatable():
    a = mdp.random_det_system(6, 3, 42)
    b = mdp.random_det_system(6, 3, 42)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    M1, M2 = mdp.random_mdp(5, 2, 7, reward=(0, 1)), mdp.random_mdp(5, 2, 7, reward=(0, 1))
    assert np.array_equal(M1.P, M2.P) and np.array_equal(M1.R, M2.R)
    r1 = mdp.barrier_learner(M1.P, 20, 3)
    r2 = mdp.barrier_learner(M1.P, 20, 3)
    assert np.array_equal(r1.T, r2.T) and np.array_equal(r1.exposure, r2.exposure)


def test_random_structures():
    F, G = mdp.random_det_system(8, 3, 1, n_fail=2, absorbing=True)
    assert G.sum() == 2 and np.all(F[G] == np.flatnonzero(G)[:, None])
    M = mdp.random_mdp(6, 2, 1, entries=(2, 3), mu_min=0.2, terminal=True)
    mdp.check_kernel(M.P)
    pos = M.P[M.P > 0]
    assert pos.min() >= 0.2 - 1e-15
    k = M.supp.reshape(6, 2, -1).sum(-1)
    assert k[:5].min() >= 2 and k[:5].max() <= 3
    assert M.P[5, :, 5, 0].tolist() == [1.0, 1.0]


# -- reachability ---------------------------------------------------------------------------
def test_reach_routes_agree():
    for F, G in _systems(60, 100):
        n, m = F.shape
        sup = mdp.random_support(n, m, 5)
        R = mdp.reach_matrices(F, sup, n + 1)
        for s in range(n):
            seq = mdp.reach_sequence(F, sup, s, n + 1)
            for t in range(n + 2):
                assert set(np.flatnonzero(R[t, s])) == set(seq[t]) == set(mdp.reach_set(F, sup, s, t))


def test_v_pi_b_pi_match_definition():
    for F, G in _systems(60, 200):
        n, m = F.shape
        sup = mdp.random_support(n, m, 9)
        v = mdp.v_pi(F, G, sup)
        b = mdp.b_pi(F, G, sup)
        for s in range(n):
            assert v[s] == any(G[list(S)].any() for S in mdp.reach_sequence(F, sup, s, n + 1))
            for a in range(m):
                assert b[s, a] == any(G[list(S)].any() for S in mdp.reach_sequence(F, sup, s, n + 1, a))


def test_reachable_removed():
    F = np.array([[1], [1], [0]])
    G = np.array([True, False, False])
    start = np.array([False, False, True])
    full = np.ones((3, 1), bool)
    assert mdp.reachable(F, full, start).tolist() == [True, True, True]
    assert mdp.reachable(F, full, start, removed=G).tolist() == [False, False, True]


def test_reachable_is_sparse_on_large_systems():
    n = 200_000
    F = np.stack([(2 * np.arange(n) + 1) % n, (2 * np.arange(n) + 2) % n], axis=1)
    start = np.zeros(n, bool)
    start[0] = True
    assert mdp.reachable(F, np.ones((n, 2), bool), start).all()
    with pytest.raises(ValueError, match="dense"):
        mdp.successor_graph(F)


# -- binary critic ------------------------------------------------------------------------------
def test_b_star_routes_agree():
    for F, G in _systems(200, 300):
        bs = mdp.b_star(F, G)
        vi = mdp.binary_value_iteration(F, G)
        assert vi.converged and vi.monotone and vi.sweeps <= F.shape[0] + 1
        assert np.array_equal(vi.value, bs)
        assert np.array_equal(mdp.b_star_bruteforce(F, G), bs)
        # companion relation (card): b* = max(i, 1{B* = -inf}) with damage on entering G
        assert np.array_equal(G[:, None] | mdp.unsafe_star(mdp.det_to_support(F, G)).unsafe, bs)


def test_bellman_binary_batch_soft_and_nondeterministic():
    F, G = mdp.random_det_system(4, 2, 3, absorbing=False)
    batch = np.random.default_rng(0).random((5, 4, 2)) < 0.5
    out = mdp.bellman_binary(batch, F, G)
    for k in range(5):
        assert np.array_equal(out[k], mdp.bellman_binary(batch[k], F, G))
    soft = np.random.default_rng(1).random((4, 2))
    i = G[:, None].astype(float)
    assert np.array_equal(mdp.bellman_binary(soft, F, G), i + (1 - i) * soft.min(1)[F])
    # a nondeterministic system with two copies of the same successor is the deterministic one
    F2 = np.stack([F, F], axis=-1)
    assert np.array_equal(mdp.bellman_binary(batch, F2, G), out)
    assert np.array_equal(mdp.b_star(F2, G), mdp.b_star(F, G))


def test_attractor_layers_match_value_iteration():
    for F, G in _systems(100, 400):
        res = mdp.binary_value_iteration(F, G, record=True)
        att = mdp.attractor(F, np.broadcast_to(G[:, None], F.shape))
        # layer l = the sweep at which the state became doomed (b_l(s, .) all ones)
        for s in range(F.shape[0]):
            first = next((j for j, b in enumerate(res.history) if b[s].all()), 0)
            assert att.layer[s] == first


def test_enumeration_and_codes():
    funcs = np.concatenate(list(mdp.all_functions((2, 2), chunk=5)))
    assert funcs.shape == (16, 2, 2)
    codes = (funcs.reshape(16, -1).astype(int) << np.arange(4)).sum(1)
    assert codes.tolist() == list(range(16))
    ternary = np.concatenate(list(mdp.all_functions((3,), values=(0, 1, 2))))
    assert len({tuple(x) for x in ternary}) == 27
    F, G = np.array([[0], [1]]), np.array([True, False])
    fps = mdp.enumerate_fixed_points(lambda b: mdp.bellman_binary(b, F, G), (2, 1))
    assert sorted(map(lambda b: b.ravel().tolist(), fps)) == [[True, False], [True, True]]
    with pytest.raises(ValueError, match="too many"):
        next(mdp.all_functions((6, 5)))


def test_iterate_reports_non_termination():
    res = mdp.iterate(lambda x: x + 1, np.zeros(3, np.int64), 7, record=True)
    assert not res.converged and res.sweeps == 7 and len(res.history) == 8 and res.monotone
    res = mdp.iterate(lambda x: np.minimum(x + 1, 3), np.zeros(2, np.int64), 10)
    assert res.converged and res.sweeps == 4 and res.strict_updates == 3
    res = mdp.iterate(lambda x: x / 2, np.array([1.0, -np.inf]), 2000, atol=1e-12)
    assert res.converged


# -- barrier ------------------------------------------------------------------------------------
def test_barrier_fixed_point_and_routes():
    for M in _mdps(150, 500):
        att = mdp.unsafe_star(M.supp)
        U = att.unsafe
        assert np.array_equal(mdp.barrier_operator(U, M.supp), U)
        vi = mdp.iterate(lambda x: mdp.barrier_operator(x, M.supp), np.zeros_like(U), M.n_states + 2)
        assert vi.converged and np.array_equal(vi.value, U)
        assert np.array_equal(mdp.safe_set_gfp(M.supp), ~att.doomed)
        # the all-unsafe mask is the spurious fixed point
        assert mdp.barrier_operator(np.ones_like(U), M.supp).all()
        # U_star is the barrier of the uniform safe policy on S_safe
        safe = ~att.doomed
        sup = np.where(safe[:, None], ~U, True)
        assert not (mdp.damage_reachable(M.supp, sup) & ~U)[safe].any()


def test_barrier_layers_are_synchronous_rounds():
    # chain: s0 damages always; s_j may damage or step to s_{j-1}; Z safe absorbing
    n = 5
    P = np.zeros((n + 1, 2, n + 1, 2))
    Z = n
    P[0, :, Z, 1] = 1
    for j in range(1, n):
        P[j, 0, Z, 1] = 1
        P[j, 1, j - 1, 0] = 1
    P[Z, :, Z, 0] = 1
    att = mdp.unsafe_star(P)
    assert att.layer.tolist() == [1, 2, 3, 4, 5, 0] and att.n_layers == n


def test_augment_budget_structure():
    M = mdp.random_mdp(3, 2, 11)
    aug, idx = mdp.augment_budget(M.supp, 2)
    assert aug.shape == (10, 2, 10, 2) and idx.shape == (3, 3)
    mdp.check_support(aug)
    sink = 9
    assert aug[sink, :, sink, 0].all() and aug[sink].sum() == 2
    # damage only on transitions into the sink
    assert not aug[:, :, :sink, 1].any()
    Paug, idx2 = mdp.augment_budget(M, 2)
    mdp.check_kernel(Paug)
    assert np.array_equal(Paug > 0, aug) and np.array_equal(idx, idx2)
    # from (s, k = 2) one step never exhausts the budget: the next-state marginals are the original
    top = Paug[idx[:, 2]]
    marg = top[..., :9, :].sum(-1).reshape(3, 2, 3, 3).sum(-1)
    assert np.allclose(marg, M.P.sum(-1)) and not top[..., 9, :].any()


# -- minimal budget ----------------------------------------------------------------------------
def test_sat_add():
    assert mdp.sat_add(mdp.INF, 1) == mdp.INF
    assert mdp.sat_add(3, mdp.INF) == mdp.INF
    assert mdp.sat_add(np.array([1, mdp.INF]), 2).tolist() == [3, mdp.INF]
    with pytest.raises(ValueError):
        mdp.sat_add(-1, 0)


def test_minimal_budget_oracle_vs_iteration_and_threshold():
    n_inf = 0
    for M in _mdps(200, 600):
        ko = mdp.minimal_budget_oracle(M.supp)
        res = mdp.minimal_budget(M.supp)
        fin = ko < mdp.INF
        n_inf += int((~fin).any())
        assert np.array_equal(res.value[fin], ko[fin]) and res.monotone
        assert res.converged == bool(fin.all())
        # infinite entries keep growing (not necessarily every sweep: within n + 1 sweeps)
        more = mdp.iterate(lambda k: mdp.budget_operator(k, M.supp), res.value, M.n_states + 1)
        assert (more.value[~fin] > res.value[~fin]).all()
        assert (ko[fin] <= M.n_states).all()
        assert np.array_equal(mdp.budget_operator(ko, M.supp), ko)
        B = mdp.barrier_star_budget(M.supp, 3)
        assert np.array_equal(B, ~(np.arange(4)[None, :, None] >= ko[:, None, :]))
        # budget 0 slice is the flawless barrier
        assert np.array_equal(ko > 0, mdp.unsafe_star(M.supp).unsafe)
    assert n_inf > 0  # infinite minimal budgets are common


def test_minimal_budget_infinite_example_and_tight_family():
    # w: one action, damage, back to w w.p. 1/2, else terminal T
    P = np.zeros((2, 1, 2, 2))
    P[0, 0, 0, 1] = P[0, 0, 1, 1] = 0.5
    P[1, 0, 1, 0] = 1
    ko = mdp.minimal_budget_oracle(P)
    assert ko[0, 0] == mdp.INF and ko[1, 0] == 0
    res = mdp.minimal_budget(P, max_sweeps=100, record=True)
    assert not res.converged
    assert [int(h[0, 0]) for h in res.history[:101]] == list(range(101))
    for n in range(2, 9):
        P = np.zeros((n, 2, n, 2))
        P[0, :, 0, 0] = 1
        for j in range(1, n):
            P[j, 1, j - 1, 1] = 1
            P[j, 0, j - 1, 1] = 1
        P[n - 1, 0] = 0
        P[n - 1, 0, n - 1, 1] = P[n - 1, 0, n - 2, 1] = 0.5
        assert mdp.minimal_budget_oracle(P)[n - 1, 0] == n


def test_budget_operator_variants():
    P = np.zeros((3, 1, 3, 2))
    P[0, 0, 1, 0] = P[0, 0, 2, 1] = 0.5
    P[1, 0, 1, 0] = 1
    P[2, 0, 2, 0] = 1
    k = np.zeros((3, 1), np.int64)
    assert mdp.budget_operator(k, P)[:, 0].tolist() == [1, 0, 0]
    assert mdp.budget_operator(k, P, successor="min")[:, 0].tolist() == [0, 0, 0]
    assert mdp.budget_operator(np.full((3, 1), mdp.INF), P)[:, 0].tolist() == [mdp.INF] * 3


# -- policies and sampling ----------------------------------------------------------------------
def test_uniform_policy_fallbacks():
    allowed = np.array([[True, False, True], [False, False, False]])
    pi, bad = mdp.uniform_policy(allowed)
    assert pi[0].tolist() == [0.5, 0, 0.5] and np.allclose(pi[1], 1 / 3) and bad.tolist() == [1]
    pi, _ = mdp.uniform_policy(allowed, fallback="least", scores=np.array([[0, 1, 0], [0.7, 0.6, 0.6]]))
    assert pi[1].tolist() == [0, 0.5, 0.5]
    with pytest.raises(ValueError, match="no allowed action at states \\[1\\]"):
        mdp.uniform_policy(allowed, fallback="raise")


def test_sample_outcomes_and_counts():
    M = mdp.random_mdp(3, 2, 5, entries=(2, 3))
    rng = np.random.default_rng(0)
    N = 40_000
    s = np.full(N, 1)
    a = np.full(N, 0)
    sp, d = mdp.sample_outcomes(M.P, s, a, rng)
    freq = np.zeros((3, 2))
    np.add.at(freq, (sp, d), 1.0 / N)
    p = M.P[1, 0]
    # 5 binomial standard errors per cell
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / N) + 1e-12)
    counts = mdp.kernel_counts(M.P, 77, 1, n_runs=4)
    assert counts.shape == (4, 3, 2, 3, 2)
    assert (counts.sum(axis=(3, 4)) == 77).all()
    assert not counts[:, ~M.supp].any()


def test_rollout_det_stops_in_G():
    F = np.array([[1], [2], [2]])
    G = np.array([False, False, True])
    states, actions = mdp.rollout_det(F, G, np.ones((3, 1)), [0, 2], 4, 0)
    assert states[0].tolist() == [0, 1, 2, -1, -1] and actions[0].tolist() == [0, 0, -1, -1]
    assert states[1].tolist() == [2, -1, -1, -1, -1]


# -- values and learners ---------------------------------------------------------------------------
def test_policy_evaluation_and_value_iteration():
    M = mdp.random_mdp(5, 2, 21, reward=(0, 1))
    res = mdp.q_value_iteration(M.P, M.R, 0.8)
    assert res.converged
    greedy = np.eye(2)[res.value.argmax(1)]
    Q = mdp.policy_evaluation(M.P, M.R, greedy, 0.8)
    assert np.allclose(Q, res.value, atol=1e-9)
    # restricted optimum: -inf outside the allowed pairs
    U = mdp.unsafe_star(M.supp).unsafe
    restricted = mdp.q_value_iteration(M.P, M.R, 0.8, allowed=~U).value
    assert np.all(np.isneginf(restricted[U])) and np.all(np.isfinite(restricted[~U]))
    # undiscounted evaluation on transient states
    Mt = mdp.random_mdp(4, 1, 3, terminal=True, reward=(0, 1))
    term = np.arange(4) == 3
    try:
        Q1 = mdp.policy_evaluation(Mt.P, Mt.R, np.ones((4, 1)), 1.0, terminal=term)
    except ValueError:
        pytest.skip("drawn MDP does not terminate")
    assert np.all(np.isfinite(Q1))
    P = np.zeros((2, 1, 2, 2))
    P[0, 0, 0, 0] = 1
    P[1, 0, 1, 0] = 1
    with pytest.raises(ValueError, match="does not terminate"):
        mdp.policy_evaluation(P, np.ones((2, 1)), np.ones((2, 1)), 1.0, terminal=np.array([False, True]))


def test_barrier_learner_invariants():
    for M in _mdps(20, 700, n_max=5, damage_prob=0.25):
        res = mdp.barrier_learner(M.P, 30, 1, record_at=[0, 5, 50, 500])
        assert not res.censored.any() and not res.false_positive.any()
        star = mdp.unsafe_star(M.supp).unsafe
        assert (res.final == star).all()
        assert (res.T >= star.sum()).all() and (res.exposure <= res.T).all()
        assert (np.diff(res.counts, axis=1) >= 0).all()


def test_barrier_learner_eager_rule_has_false_positives():
    # s has two actions: one to a damaging state d, one to a safe absorbing z; the pair (x, 0)
    # leads to s, which is safe (action to z), but "any" marks it as soon as (s, to-d) is marked
    P = np.zeros((4, 2, 4, 2))
    x, s, dmg, z = 0, 1, 2, 3
    P[x, :, s, 0] = 1
    P[s, 0, dmg, 0] = 1
    P[s, 1, z, 0] = 1
    P[dmg, :, z, 1] = 1
    P[z, :, z, 0] = 1
    res = mdp.barrier_learner(P, 50, 2, rule="any", max_draws=2000)
    assert res.false_positive.any()
    ok = mdp.barrier_learner(P, 50, 2, rule="all", max_draws=2000)
    assert not ok.false_positive.any() and not ok.censored.any()


def test_q_learning_generative_with_and_without_barrier():
    M = mdp.random_mdp(4, 2, 31, reward=(0, 1), damage_prob=0.15)
    star = mdp.unsafe_star(M.supp).unsafe
    gamma = 0.6
    res = mdp.q_learning_generative(M.P, M.R, gamma, 30_000, 4)
    assert np.array_equal(res.unsafe, star)
    Qs = mdp.q_value_iteration(M.P, M.R, gamma, allowed=~star).value
    safe = ~star
    if safe.any():
        assert np.max(np.abs(res.Q[safe] - Qs[safe])) < 0.1 / (1 - gamma)
    assert np.all(np.isneginf(res.Q[star]))
    plain = mdp.q_learning_generative(M.P, M.R, gamma, 2000, 4, barrier=False)
    assert plain.unsafe is None and np.all(np.isfinite(plain.Q))


def test_q_learning_episodic_learns_a_corridor():
    # corridor 0..4, action 1 moves right (reward -1), action 0 moves left; reaching 4 ends
    def step(s, a, rng):
        s2 = min(s + 1, 4) if a == 1 else max(s - 1, 0)
        return s2, -1.0, 0, s2 == 4

    res = mdp.q_learning_episodic(step, 5, 2, 0, 300, 0, gamma=0.95, alpha=0.5, epsilon=0.1)
    assert res.Q[:4].argmax(1).tolist() == [1, 1, 1, 1]
    assert res.lengths[-1] <= 6
    only_left = np.zeros((5, 2), bool)
    only_left[:, 0] = True
    res2 = mdp.q_learning_episodic(step, 5, 2, 0, 5, 0, allowed=only_left, max_steps=20)
    assert (res2.lengths == 20).all()


def test_gridworld():
    gw = mdp.gridworld((3, 4), [(1, 1), (2, 3)], slip=0.2, wall_damage=True)
    mdp.check_kernel(gw.P)
    s = gw.index[0, 0]
    # moving up from the top-left corner bumps the wall: damage, stay
    assert gw.F[s, 0] == s and gw.P[s, 0, s, 1] == pytest.approx(0.8 + 0.2 / 3)
    hz = gw.index[1, 1]
    assert gw.G[hz] and gw.P[hz, :, hz, 0].tolist() == [1.0] * 4
    det = mdp.gridworld((3, 4), [(1, 1)])
    assert np.array_equal(det.P.sum(-1).argmax(-1), det.F)
    bs = mdp.b_star(det.F, det.G)
    assert bs[det.index[1, 1]].all() and not bs[det.index[0, 0]].all()


def test_binary_critic_learning_basic():
    F = np.array([[0, 0], [1, 0], [2, 1], [0, 0]])
    G = np.array([True, False, False, False])
    d_safe = np.zeros((4, 2), bool)
    d_safe[1, 0] = True
    res = mdp.binary_critic_learning(F, G, d_safe, [1, 2], 0)
    assert res.converged and res.rounds <= 200
    bs = mdp.b_star(F, G)
    buf = res.in_buffer[-1]
    assert np.array_equal((res.table >= 0.5)[buf], bs[buf])
    assert not (res.labels & ~bs[None]).any()
    with pytest.raises(ValueError, match="starts"):
        mdp.binary_critic_learning(F, G, d_safe, [7], 0)
