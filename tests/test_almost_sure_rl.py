"""Unit tests of theorems.almost_sure_rl: closed forms against sympy and mpmath, the
card's numbers, input validation, and the judges on hand-made evidence."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import theorems
from numerics import mdp
from theorems import Outcome, Status
from theorems import almost_sure_rl as asr

INF = asr.INF


def test_inf_sentinel_matches_numerics():
    assert asr.INF == mdp.INF


# -- registry ------------------------------------------------------------------------------
CARD_STATUS = {
    "prop2": "as_printed", "budget_dynamics": "as_printed", "lemma5": "not_checkable",
    "lemma6": "not_checkable", "lemma7_decomposition": "as_printed", "lemma7_bellman": "corrected",
    "lemma7_monotonicity": "corrected", "def8_threshold": "as_printed", "thm9": "corrected",
    "thm10": "as_printed", "shift_invariance": "as_printed", "thm12": "as_printed", "kstar_oracle": "derived",
    "kstar_bound": "derived", "kstar_infinite": "derived", "lemma14": "as_printed", "lemma15": "as_printed",
    "remark16": "as_printed", "remark17": "as_printed", "exp_closed_forms": "as_printed",
}


def test_registry_matches_card():
    got = {c.id.split(".", 1)[1]: c.status.value for c in asr.CLAIMS}
    assert got == CARD_STATUS
    for c in asr.CLAIMS:
        assert theorems.get(c.id) is c
        if c.status is Status.CORRECTED:
            assert c.printed is not None and c.note
        if c.status is Status.NOT_CHECKABLE:
            assert c.reason_not_checkable
        else:
            assert c.false_variant is not None


# -- sympy / mpmath ------------------------------------------------------------------------
def test_expectation_policy_meets_its_constraint_symbolically():
    # E[D] = p_d q / (1 - q) at q = c / (p_d + c) equals c
    e = asr.EXPECTED_DAMAGE.subs(asr.q, asr.LEFT_PROB)
    assert sp.simplify(e - asr.c_level) == 0
    # the false variant q = c / (1 + c) gives p_d c instead
    e_false = asr.EXPECTED_DAMAGE.subs(asr.q, asr.c_level / (1 + asr.c_level))
    assert sp.simplify(e_false - asr.p_d * asr.c_level) == 0


def test_geometric_pmf_moments_symbolic():
    n = asr.n_lefts
    q = sp.Symbol("q", positive=True)
    pmf = asr.GEOM_PMF.subs(asr.q, q)
    for qv in (sp.Rational(1, 2), sp.Rational(4, 5)):
        p = pmf.subs(q, qv)
        assert sp.summation(p, (n, 0, sp.oo)) == 1
        mean = sp.summation(n * p, (n, 0, sp.oo))
        assert mean == qv / (1 - qv)
        assert sp.summation(n ** 2 * p, (n, 0, sp.oo)) - mean ** 2 == qv / (1 - qv) ** 2


def test_geometric_pmf_numpy_vs_sympy():
    ns = np.arange(0, 30)
    for qv in (0.0, 0.3, 0.8333):
        ref = [float(asr.GEOM_PMF.subs({asr.q: qv, asr.n_lefts: int(k)})) if qv else float(k == 0) for k in ns]
        assert np.allclose(asr.geometric_pmf(ns, qv), ref, rtol=1e-13, atol=0)


def test_negbin_pmf_vs_sympy_and_card_numbers():
    ns = np.arange(0, 40)
    for D, p in ((1, 0.6), (5, 0.6), (5, 0.7), (3, 0.25)):
        got = asr.negbin_lefts_pmf(ns, D, p)
        ref = [float(asr.NEGBIN_PMF.subs({asr.Delta: D, asr.p_d: sp.Float(p, 30), asr.n_lefts: int(k)}))
               if k >= D else 0.0 for k in ns]
        assert np.allclose(got, ref, rtol=1e-12, atol=0)
    # card, Experiment II: Delta = 5, p_d = 0.6
    pm = asr.negbin_lefts_pmf(np.arange(0, 400), 5, 0.6)
    k = np.arange(0, 400)
    assert pm.sum() == pytest.approx(1.0, abs=1e-14)
    mean = (k * pm).sum()
    assert mean == pytest.approx(5 / 0.6, rel=1e-12)
    assert (k ** 2 * pm).sum() - mean ** 2 == pytest.approx(5 * 0.4 / 0.36, rel=1e-10)
    assert int(pm.argmax()) == 7 and pm[7] == pytest.approx(0.1866, abs=5e-5)
    assert pm[5] == pytest.approx(0.0778, abs=5e-5)
    # the printed figure's bars: NegBin(5, 0.7) has mean 7.14 and P(5) = 0.168
    p7 = asr.negbin_lefts_pmf(k, 5, 0.7)
    assert (k * p7).sum() == pytest.approx(7.142857, rel=1e-6) and p7[5] == pytest.approx(0.168, abs=1e-3)
    assert np.array_equal(asr.negbin_lefts_pmf(np.array([4, 5, 6]), 5, 1.0), [0.0, 1.0, 0.0])


def test_negbin_pmf_vs_mpmath_far_tail():
    # log-space evaluation keeps relative accuracy where direct products underflow slowly
    mpmath.mp.dps = 40
    for k in (200, 800):
        ref = mpmath.binomial(k - 1, 4) * mpmath.mpf("0.6") ** 5 * mpmath.mpf("0.4") ** (k - 5)
        assert asr.negbin_lefts_pmf(np.array([k]), 5, 0.6)[0] == pytest.approx(float(ref), rel=1e-11)


def test_exceedance_probability_and_fig1():
    assert asr.stationary_exceedance_probability(0.5, 3) == pytest.approx(0.0625)
    assert np.allclose(asr.stationary_exceedance_probability(np.array([0.1, 0.9]), np.array([1, 2])),
                       [0.01, 0.729])
    expr = asr.P_EXCEED.subs({asr.q: sp.Rational(1, 3), asr.Delta: 4})
    assert float(expr) == pytest.approx(float(asr.stationary_exceedance_probability(1 / 3, 4)), rel=1e-15)
    P, R, T = asr.fig1_kernel(0.6)
    assert np.allclose(P.reshape(2, 2, -1).sum(-1), 1.0) and T == 1 and R[0, 0] == 1.0
    pol = asr.fig1_budget_policy(3)
    assert pol.shape == (2, 4, 2) and np.allclose(pol.sum(-1), 1.0) and pol[0, 0, 1] == 1 and pol[0, 3, 0] == 1
    assert np.allclose(asr.fig1_stationary_policy(0.25), [[0.25, 0.75], [0.0, 1.0]])


def test_left_prob_and_expected_damage():
    assert float(asr.expectation_policy_left_prob(1.0)) == 0.5
    assert float(asr.expectation_policy_left_prob(3.0, 0.6)) == pytest.approx(3 / 3.6)
    c = np.array([0.1, 1.0, 7.5])
    q = asr.expectation_policy_left_prob(c, 0.35)
    assert np.allclose(asr.expected_damage_stationary(q, 0.35), c, rtol=1e-13)


# -- sample complexity -----------------------------------------------------------------------
def test_kernel_builder_samples_card_numbers():
    assert asr.kernel_builder_samples(0.1, 5, 2, 0.05) == 77
    assert asr.kernel_builder_samples(0.1, 5, 2, 0.05, union=False) == 30
    expr = sp.ceiling(asr.N_SAMPLES.subs({asr.mu: sp.Rational(1, 10), asr.S: 5, asr.A: 2,
                                          asr.delta_fail: sp.Rational(1, 20)}))
    assert int(expr) == 77
    assert asr.query_count(0.1, 5, 2, 0.05) == 770
    assert float(asr.union_bound(0.1, 77, 5, 2)) == pytest.approx(100 * 0.9 ** 77)
    assert float(asr.union_bound(0.1, 77, 5, 2)) <= 0.05  # (15) makes the union bound <= delta


def test_query_bound_symbolic():
    # N |S||A| with N = ceil(L / mu) is below (|S||A| / mu) L + |S||A|
    for mu_, n, m, d in ((0.1, 5, 2, 0.05), (1e-3, 7, 3, 0.01), (0.37, 1, 1, 0.5)):
        bound = float(asr.QUERY_BOUND.subs({asr.mu: mu_, asr.S: n, asr.A: m, asr.delta_fail: d}))
        assert asr.query_count(mu_, n, m, d) <= bound


def test_is_consistent():
    P = np.zeros((2, 1, 2, 2))
    P[0, 0, 1, 1] = P[0, 0, 1, 0] = 0.5
    P[1, 0, 1, 0] = 1.0
    H = P.copy()
    H[0, 0, 1, 1], H[0, 0, 1, 0] = 0.9, 0.1
    assert asr.is_consistent(H, P) is True
    H2 = H.copy()
    H2[0, 0, 1, 1], H2[0, 0, 1, 0] = 0.0, 1.0
    assert asr.is_consistent(H2, P) is False
    assert asr.is_consistent(np.stack([H, H2]), P).tolist() == [True, False]
    with pytest.raises(ValueError, match="p_hat"):
        asr.is_consistent(np.ones((2, 1, 3, 2)), P)
    with pytest.raises(ValueError, match="p must"):
        asr.is_consistent(P, np.ones((2, 1, 3, 2)))
    with pytest.raises(TypeError, match="p_hat"):
        asr.is_consistent("abc", P)


# -- minimal budgets ---------------------------------------------------------------------------
K_ANCHOR = np.array([[2, 0], [1, 2], [0, 0]])


def test_threshold_and_feasible_actions():
    U = asr.barrier_threshold(K_ANCHOR, 3)
    assert U.shape == (3, 4, 2)
    assert U[0, :, 0].tolist() == [True, True, False, False]  # B* = 0 iff k >= 2
    assert not U[2].any()
    strict = asr.barrier_threshold(K_ANCHOR, 3, strict=True)
    assert strict[0, :, 0].tolist() == [True, True, True, False]
    kinf = np.array([[INF, 1]])
    assert asr.barrier_threshold(kinf, 2)[0, :, 0].all()  # INF: unsafe at every budget
    assert asr.feasible_actions(K_ANCHOR, 1, 1).tolist() == [True, False]
    assert asr.feasible_actions(K_ANCHOR, 1, 1, offset=1).tolist() == [False, False]
    assert asr.v_budget(K_ANCHOR).tolist() == [0, 1, 0]
    assert asr.v_budget(kinf).tolist() == [1]


def test_delta_unsafe_states():
    assert asr.delta_unsafe_states(K_ANCHOR, 0).tolist() == [False, True, False]
    assert asr.delta_unsafe_states(K_ANCHOR, 1).tolist() == [False, False, False]
    assert asr.delta_unsafe_states(K_ANCHOR, 1, quantifier="any").tolist() == [True, True, False]
    assert asr.delta_unsafe_states(np.array([[INF, INF]]), 100).tolist() == [True]
    with pytest.raises(ValueError, match="quantifier"):
        asr.delta_unsafe_states(K_ANCHOR, 1, quantifier="most")


def test_kstar_validation():
    with pytest.raises(TypeError, match="k_star"):
        asr.v_budget(np.array([[0.5]]))
    with pytest.raises(TypeError, match="k_star"):
        asr.v_budget("k")
    with pytest.raises(ValueError, match="k_star"):
        asr.v_budget(np.array([1, 2]))
    with pytest.raises(ValueError, match="k_star"):
        asr.v_budget(np.array([[-1]]))
    with pytest.raises(ValueError, match="budget"):
        asr.barrier_threshold(K_ANCHOR, -1)
    with pytest.raises(TypeError, match="budget"):
        asr.barrier_threshold(K_ANCHOR, 1.5)
    with pytest.raises(ValueError, match="s"):
        asr.feasible_actions(K_ANCHOR, 5, 1)


def test_budget_recursion():
    d = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0]])
    K, Dt = asr.budget_recursion(d, np.array([2, 0]))
    assert K[0].tolist() == [2, 1, 1, 0, -1, -1] and K[1].tolist() == [0] * 6
    assert Dt[0].tolist() == [False, False, False, True, True] and not Dt[1].any()
    _, Dle = asr.budget_recursion(d, np.array([2, 0]), strict=False)
    assert Dle[0].tolist() == [False, False, True, True, True] and Dle[1].all()  # flags exactly-Delta
    with pytest.raises(ValueError, match="damage"):
        asr.budget_recursion(np.array([[2, 0]]), 1)
    with pytest.raises(ValueError, match="budget"):
        asr.budget_recursion(np.array([[1, 0]]), -1)
    with pytest.raises(ValueError, match="budget of shape"):
        asr.budget_recursion(np.zeros((3, 4), np.int64), np.array([1, 2]))


def test_prob_and_count_validation():
    with pytest.raises(ValueError, match="q_left"):
        asr.geometric_pmf([0, 1], 1.0)
    with pytest.raises(ValueError, match="n must be"):
        asr.geometric_pmf([-1], 0.3)
    with pytest.raises(ValueError, match="p_damage"):
        asr.negbin_lefts_pmf([5], 5, 0.0)
    with pytest.raises(ValueError, match="budget"):
        asr.negbin_lefts_pmf([5], 0, 0.5)
    with pytest.raises(ValueError, match="c must"):
        asr.expectation_policy_left_prob(0.0)
    with pytest.raises(ValueError, match="mu_min"):
        asr.kernel_builder_samples(0.0, 5, 2, 0.05)
    with pytest.raises(ValueError, match="delta"):
        asr.kernel_builder_samples(0.1, 5, 2, 1.0)
    with pytest.raises(TypeError, match="n_states"):
        asr.kernel_builder_samples(0.1, 5.0, 2, 0.05)
    with pytest.raises(ValueError, match="p_damage"):
        asr.fig1_kernel(1.5)
    with pytest.raises(ValueError, match="q_left"):
        asr.fig1_stationary_policy(-0.1)


def test_chi2_pvalue():
    rng = np.random.default_rng(0)
    x = rng.geometric(1 - 0.7, size=5000) - 1  # numpy's geometric starts at 1
    assert asr.chi2_pvalue(x, lambda v: asr.geometric_pmf(v, 0.7)) > 1e-3
    assert asr.chi2_pvalue(x, lambda v: asr.geometric_pmf(v, 0.6)) < 1e-6
    y = 5 + rng.negative_binomial(5, 0.6, size=5000)
    assert asr.chi2_pvalue(y, lambda v: asr.negbin_lefts_pmf(v, 5, 0.6)) > 1e-3
    assert asr.chi2_pvalue(y, lambda v: asr.negbin_lefts_pmf(v, 5, 0.7)) < 1e-6
    with pytest.raises(ValueError, match="samples"):
        asr.chi2_pvalue([1, 2], lambda v: asr.geometric_pmf(v, 0.5))


# -- judges on hand-made evidence ---------------------------------------------------------------
def test_exact_judge_missing_and_empty():
    with pytest.raises(ValueError, match="T_max"):
        asr.thm10.judge({"measured": {"T_min": np.array([0])}, "inputs": {"k_star": np.array([0])}})
    with pytest.raises(ValueError, match="measured"):
        asr.thm10.judge({"inputs": {"k_star": np.array([0])}})
    v = asr.lemma15.judge({"measured": {"same_kstar": np.array([False])},
                           "inputs": {"consistent": np.array([False]), "subsupport": np.array([True])}})
    assert v.outcome is Outcome.INCONCLUSIVE
    fv = asr.lemma15.false_variant.judge({"measured": {"same_kstar": np.array([False])},
                                          "inputs": {"consistent": np.array([False]),
                                                     "subsupport": np.array([True])}})
    assert fv.fails


def test_exact_judge_infinities_and_tolerances():
    ev = {"measured": {"Q": np.array([-np.inf, 1.0 + 1e-12, 2.0])},
          "inputs": {"Q_R": np.array([0.5, 1.0, 2.0]), "unsafe": np.array([True, False, False]),
                     "budgets": np.array([1, 1, 1])}}
    assert asr.lemma7_decomposition.judge(ev).holds
    assert asr.lemma7_decomposition.false_variant.judge(ev).fails
    ev["measured"]["Q"] = np.array([-np.inf, 1.1, 2.0])
    assert asr.lemma7_decomposition.judge(ev).fails


def test_shift_theory_saturates():
    ev = {"measured": {"T_shift": np.array([INF, 4, INF])},
          "inputs": {"k_star_rep": np.array([INF, 1, 2]), "c_rep": np.array([3, 3, INF])}}
    assert asr.shift_invariance.judge(ev).holds
    assert asr.shift_invariance.false_variant.judge(ev).fails


def test_lemma14_judge_needs_the_required_N():
    ev = {"measured": np.array([3, 80]),
          "inputs": {"mu": 0.1, "n_states": 5, "n_actions": 2, "delta": 0.05, "runs": 100, "Ns": [77, 30]}}
    v = asr.lemma14.judge(ev)
    assert v.holds and v.measured == pytest.approx(0.03)
    assert asr.lemma14.false_variant.judge(ev).fails
    ev["inputs"]["Ns"] = [70, 30]
    with pytest.raises(ValueError, match="N = 77"):
        asr.lemma14.judge(ev)


def test_remark16_judges_scaling():
    mus = np.logspace(-2, -5, 6)
    q = np.array([asr.query_count(float(m), 5, 2, 0.05) for m in mus], float)
    from numerics.fit import loglog_fit

    ev = {"bound": {"measured": q, "inputs": {"mu": mus, "n_states": 5, "n_actions": 2, "delta": 0.05}},
          "slope": {"fit": loglog_fit(1 / mus, q), "inputs": {}}}
    assert asr.remark16.judge(ev).holds
    assert asr.remark16.false_variant.judge(ev).fails


def test_experiments_judge_needs_the_claimed_q():
    ev = {"measured": {"budget": [], "stationary": [
        {"experiment": "II", "p_d": 0.6, "c": 1.0, "q": 0.5, "damage": np.zeros(20), "lefts": np.zeros(20, int)}]},
        "inputs": {"Delta": 5}}
    with pytest.raises(ValueError, match="q = 0.625"):
        asr.exp_closed_forms.judge(ev)


def test_growth_window_must_exceed_cycle_length():
    # a 6-cycle with one damaging edge: k* = INF, yet some iterate of Algorithm 1 stays flat
    # for 5 sweeps (the card's window for Theorem 12); n m + n = 12 sweeps see it grow
    n = 6
    P = np.zeros((n, 1, n, 2))
    for s in range(n):
        P[s, 0, (s + 1) % n, int(s == n - 1)] = 1.0
    supp = P > 0
    assert (mdp.minimal_budget_oracle(supp) == INF).all()
    k = mdp.minimal_budget(supp).value
    assert not (mdp.minimal_budget(supp, max_sweeps=5, k0=k).value > k).all()
    assert (mdp.minimal_budget(supp, max_sweeps=n + n, k0=k).value > k).all()
