"""Unit tests of theorems.safe_exposure: closed forms (vs sympy and mpmath), the barrier
objects (vs numerics.mdp), the judge on hand-made evidence, and input validation."""
from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from numerics import mdp
from numerics.flow import integrate
from theorems import Outcome
from theorems import safe_exposure as se


def _mdps(count, seed0=0, n_max=7, m_max=3, **kw):
    for k in range(count):
        rng = np.random.default_rng(seed0 + k)
        n, m = int(rng.integers(1, n_max + 1)), int(rng.integers(1, m_max + 1))
        yield mdp.random_mdp(n, m, rng, damage_prob=0.25, terminal=bool(rng.integers(2)) and n > 1, **kw)


def _chain(n):
    N, Z = n + 2, n + 1
    P = np.zeros((N, 2, N, 2))
    P[0, :, Z, 1] = 1.0
    for j in range(1, n + 1):
        P[j, 0, Z, 1] = 1.0
        P[j, 1, j - 1, 0] = 1.0
    P[Z, :, Z, 0] = 1.0
    return P


def _two_state(q):
    P = np.zeros((2, 1, 2, 2))
    P[0, 0, 0, 1], P[0, 0, 0, 0], P[1, 0, 1, 0] = q, 1 - q, 1.0
    return P


# -- harmonic numbers and Theorem 2 ---------------------------------------------------------
def test_harmonic_against_sympy():
    n = np.arange(0, 201)
    exact = np.array([float(sp.harmonic(int(k))) for k in n])
    assert np.allclose(se.harmonic(n), exact, rtol=1e-14, atol=0)
    assert se.harmonic_exact(4) == sp.Rational(25, 12)


def test_harmonic_exceeds_log():
    """The erratum: H_n >= ln(n + 1) for every n >= 1 (Theorem 2 uses the reverse)."""
    n = np.arange(1, 100_001)
    assert np.all(se.harmonic(n) > np.log(n + 1.0))


def test_thm2_stage_sum_identity():
    """sum_{i<M} (K - i)/(M - i) = M + (K - M) H_M, in exact rationals."""
    for K in range(1, 31):
        for M in range(1, K + 1):
            lhs = sum(Fraction(K - i, M - i) for i in range(M))
            rhs = M + (K - M) * Fraction(str(sp.harmonic(M)))
            assert lhs == rhs


def test_thm2_symbolic_forms():
    expr = se.THM2_BOUND.subs({se.K_s: 10, se.M_s: 3, se.H_M: sp.harmonic(3), se.lam_s: 1, se.mu_low: sp.Rational(1, 2)})
    assert expr == sp.Rational(95, 3)
    assert float(se.flawless_time_bound(10, 3, 0.5)) == pytest.approx(95 / 3, rel=1e-15)
    assert float(se.flawless_time_exact_uniform(10, 3, 0.5)) == pytest.approx(95 / 3, rel=1e-15)
    # the card's table of printed values
    printed = se.flawless_time_bound_printed([2, 3, 10, 50, 1000], [1, 1, 3, 5, 500], [1, 1, 0.5, 0.2, 0.1])
    assert np.allclose(printed, [1.693, 2.386, 25.408, 428.15, 36083.0], rtol=2e-4)
    exact = se.flawless_time_exact_uniform([2, 3, 10, 50, 1000], [1, 1, 3, 5, 500], [1, 1, 0.5, 0.2, 0.1])
    assert np.allclose(exact, [2, 3, 31.667, 538.75, 38964.1], rtol=2e-5)
    assert np.all(se.flawless_time_bound_log([5, 50], [3, 7], 0.3) >= se.flawless_time_bound([5, 50], [3, 7], 0.3))


def test_flawless_exposure_bound_and_janson():
    assert se.flawless_exposure_bound([0.5, 0.25, 1.0]) == pytest.approx(7.0)
    assert np.allclose(se.janson_factor([np.exp(-1), 0.01]), [2.0, 1 + np.log(100)])
    assert float(se.JANSON_EXPR.subs(se.delta_s, sp.Rational(1, 100))) == pytest.approx(1 + np.log(100))


# -- the SPRT ------------------------------------------------------------------------------
def test_llr_symbolic():
    """(9) is the log of the likelihood ratio of k damages and n - k safe pulls."""
    mu, eps = se.mu_s, se.eps_s
    ratio = (mu / (mu - eps)) ** se.k_s * ((1 - mu) / (1 - mu + eps)) ** (se.n_s - se.k_s)
    assert sp.simplify(sp.expand_log(sp.log(ratio), force=True) - sp.expand_log(se.LLR_EXPR, force=True)) == 0


def test_llr_against_mpmath():
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.01, 0.99, 50)
    eps = mu * rng.uniform(0.01, 0.99, 50)
    n = rng.integers(1, 1000, 50)
    k = rng.integers(0, n + 1)
    got = se.llr(k, n, mu, eps)
    with mp.workdps(40):
        ref = [float(ki * mp.log(mp.mpf(m) / (mp.mpf(m) - mp.mpf(e))) + (ni - ki) * mp.log(
            (1 - mp.mpf(m)) / (1 - mp.mpf(m) + mp.mpf(e)))) for ki, ni, m, e in zip(k, n, mu, eps)]
    assert np.allclose(got, ref, rtol=1e-13, atol=1e-13)
    inc = se.llr_increment([1, 0], 0.1, 0.05)
    assert inc[0] == pytest.approx(np.log(2)) and inc[1] == pytest.approx(np.log(0.9 / 0.95))
    assert np.isinf(se.llr_increment(1, 0.1, 0.1))  # eps = mu: the flawless limit


def test_kl_symbolic_and_mpmath():
    assert sp.simplify(se.KL_EXPR - se.KL_BERN_EXPR.subs({se.p_s: se.mu_s, se.q_s: se.mu_s - se.eps_s})) == 0
    assert sp.simplify(se.DRIFT_EXPR.subs(se.mu_a, se.mu_s) - se.KL_EXPR) == 0
    with mp.workdps(40):
        for p, q in ((0.1, 0.05), (0.5, 0.25), (0.99, 0.5), (0.0, 0.3), (1.0, 0.7)):
            P, Q = mp.mpf(p), mp.mpf(q)
            ref = (P * mp.log(P / Q) if p > 0 else 0) + ((1 - P) * mp.log((1 - P) / (1 - Q)) if p < 1 else 0)
            assert float(se.kl_bern(p, q)) == pytest.approx(float(ref), rel=1e-13, abs=1e-16)


def test_drift_threshold_symbolic():
    assert sp.simplify(se.DRIFT_EXPR.subs(se.mu_a, se.MU_STAR_EXPR)) == 0
    assert float(se.zero_drift_mu(0.1, 0.05)) == pytest.approx(0.07236, abs=1e-5)
    mu = np.linspace(0.02, 0.98, 25)[:, None]
    eps = mu * np.linspace(0.05, 0.95, 7)[None, :]
    star = se.zero_drift_mu(mu, eps)
    assert np.all((mu - eps < star) & (star < mu))
    assert np.max(np.abs(se.sprt_drift(star, mu, eps))) < 1e-13


def test_sprt_time_bounds_card_values():
    rows = np.array([[0.1, 0.05, 0.5], [0.1, 0.09, 0.5], [0.1, 0.09, 0.1], [0.1, 0.05, 0.05], [0.1, 0.01, 0.05]])
    printed = se.sprt_time_bound_printed(rows[:, 0], rows[:, 1], rows[:, 2])
    assert np.allclose(printed, [34.56, 5.80, 16.94, 146.04, 5068.2], rtol=1e-5, atol=0.01)  # card: 2 decimals
    _, hi = se.sprt_time_bounds(rows[:, 0], rows[:, 0], rows[:, 1], rows[:, 2])
    assert np.allclose(hi, [67.12, 20.73, 31.87, 178.60, 5245.4], rtol=1e-5, atol=0.01)
    # the relaxed bounds: sum form <= M form, corrected > printed
    mus = np.array([0.12, 0.2, 0.5])
    s_form = se.relaxed_exposure_bound(mus, 0.1, 0.05, 0.1)
    assert s_form <= se.relaxed_exposure_bound(mus, 0.1, 0.05, 0.1, form="M")
    assert se.relaxed_time_bound(10, 3, 0.5, 0.1, 0.05, 0.1, mu_unsafe=mus) == pytest.approx(16 * s_form)
    assert se.relaxed_time_bound(10, 3, 0.5, 0.1, 0.05, 0.1) > se.relaxed_time_bound_printed(10, 3, 0.5, 0.1, 0.05, 0.1)


def test_prop1_symbolic_identity_and_limit():
    lhs = se.LLR_EXPR.subs({se.eps_s: se.beta_s * se.mu_s, se.n_s: se.t_s})
    assert sp.simplify(sp.expand_log(lhs - se.PROP1_LLR_EXPR, force=True)) == 0
    for t, mu in ((1, sp.Rational(1, 10)), (1000, sp.Rational(1, 2))):
        e = se.PROP1_LLR_EXPR.subs({se.k_s: 1, se.t_s: t, se.mu_s: mu})
        assert sp.limit(e, se.beta_s, 1, "-") == sp.oo


def test_prop1_float_and_mpmath_agree():
    for t, k, mu, b in ((10, 1, 0.1, 0.5), (1000, 3, 0.3, 0.9), (5, 5, 0.05, 0.99)):
        f = float(se.prop1_llr_beta(t, k, mu, b))
        m = float(se.prop1_llr_mp(t, k, repr(mu), repr(1 - b), dps=40))
        assert f == pytest.approx(m, rel=1e-12)
        assert f == pytest.approx(float(se.llr(k, t, mu, b * mu)), rel=1e-12)
    # the card's caveat: with beta = 1 - 1e-12 a long damage-free prefix keeps Lambda negative
    assert float(se.prop1_llr_beta(1000, 1, 0.1, 1 - 1e-12)) < 0
    assert float(se.prop1_llr_mp(1000, 1, "0.1", "1e-1000")) > 2000


# -- barrier objects ------------------------------------------------------------------------
def test_barrier_objects_match_numerics():
    for M in _mdps(150):
        supp = M.P > 0
        att = mdp.unsafe_star(supp)
        assert np.array_equal(se.barrier_unsafe_star(supp), att.unsafe)
        rng = np.random.default_rng(M.n_states)
        U = rng.random((6,) + att.unsafe.shape) < 0.5
        assert np.array_equal(se.barrier_bellman(U, supp), mdp.barrier_operator(U, supp))
        assert np.array_equal(se.barrier_bellman(U, supp, reduce="min"), mdp.barrier_operator(U, supp, rule="any"))
        layer, L = se.barrier_layers(supp)
        assert L == att.n_layers
        assert np.array_equal(np.where(att.doomed, att.layer, L + 1), layer)
        full = np.ones(supp.shape[:2], bool)
        assert np.array_equal(se.damage_possible(supp), mdp.damage_reachable(supp, full))
        C = mdp.safe_set_gfp(supp)
        assert np.array_equal(C, ~att.unsafe.all(1))


def test_fixed_points_by_C_match_enumeration():
    for M in _mdps(40, n_max=4, m_max=3):
        supp = M.P > 0
        n, m = supp.shape[:2]
        fps = mdp.enumerate_fixed_points(lambda U: mdp.barrier_operator(U, supp), (n, m))
        gen = se.barrier_fixed_points_by_C(supp)
        code = lambda B: sorted((B.reshape(len(B), -1) * (1 << np.arange(n * m))).sum(1).tolist())
        assert code(fps) == code(gen)
        assert np.ones((n, m), bool).tolist() in gen.tolist()  # the spurious all -inf


def test_layers_counterexamples_and_bounds():
    # chain: printed L = 1 (mixed doomed states land in S_{L+1}), corrected L = n + 1
    for n, printed, harm, log in ((30, 534.32, 3072.0, 8549.1), (50, 968.0, None, None)):
        P = _chain(n)
        assert se.barrier_layers_printed(P > 0)[1] == 1
        assert se.barrier_layers(P > 0)[1] == n + 1
        assert se.barrier_time_bound_for(P, "printed") == pytest.approx(printed, rel=1e-3)
        if harm is not None:
            assert se.barrier_time_bound_for(P, "harmonic") == pytest.approx(harm, rel=1e-12)
            assert se.barrier_time_bound_for(P, "log") == pytest.approx(log, rel=1e-4)
    P = _two_state(0.01)
    assert se.rho_marginal(P) == pytest.approx(1.0) and se.rho_joint(P) == pytest.approx(0.01)
    assert se.barrier_time_bound_for(P, "printed") == pytest.approx(4.394, rel=1e-3)
    assert se.barrier_time_bound_for(P, "log") == pytest.approx(439.4, rel=1e-3)
    assert se.barrier_time_bound_for(P, "harmonic") == pytest.approx(400.0)
    # printed-definition conventions: every state in S_1 gives L = 0; S_1 empty gives L = 1
    P1 = np.zeros((1, 1, 1, 2))
    P1[0, 0, 0, 1] = 1.0
    assert se.barrier_layers_printed(P1)[1] == 0
    P0 = np.zeros((1, 1, 1, 2))
    P0[0, 0, 0, 0] = 1.0
    assert se.barrier_layers_printed(P0)[1] == 1 and se.barrier_layers(P0)[1] == 0


def _max_harmonic_sum(k: int, N: int) -> np.ndarray:
    """max over compositions of n <= N into k positive parts of sum H_{m_l} (DP), for all n."""
    H = se.harmonic(np.arange(N + 1))
    best = np.full(N + 1, -np.inf)
    best[1:] = H[1:]
    for _ in range(k - 1):
        new = np.full(N + 1, -np.inf)
        for n in range(2, N + 1):
            new[n] = np.max(best[1:n][::-1] + H[1:n])
        best = new
    return best


def test_derived_harmonic_vs_log_inequality():
    """DERIVED: sum_{l=1}^k H_{m_l} <= k ln(sum m_l + 1) for k >= 2 parts; at k = 1 it fails
    (H_N > ln(N + 1)), where the Appendix-C stage bound (M + (N - M) H_M) <= N ln(N + 1) holds."""
    N = 120
    for k in range(2, 7):
        best = _max_harmonic_sum(k, N)
        n = np.arange(N + 1)
        ok = n >= k
        assert np.all(best[ok] <= k * np.log(n[ok] + 1.0))
    n = np.arange(2, 2001)
    assert np.all(se.harmonic(n) > np.log(n + 1.0))  # k = 1: the chain needs the stage bound
    for Nn in (2, 10, 100, 2000):
        Mm = np.arange(1, Nn)
        assert np.all(Mm + (Nn - Mm) * se.harmonic(Mm) <= Nn * np.log(Nn + 1.0))


def test_assured_q_star_matches_value_iteration():
    for M in _mdps(30, n_max=6, m_max=2, reward=(0.0, 1.0)):
        U = se.barrier_unsafe_star(M.P > 0)
        Q = se.assured_q_star(M.P, M.R, 0.7)
        ref = mdp.q_value_iteration(M.P, M.R, 0.7, allowed=~U).value
        assert np.array_equal(np.isneginf(Q), np.isneginf(ref))
        fin = np.isfinite(Q)
        assert np.allclose(Q[fin], ref[fin], atol=1e-10)
        assert np.array_equal(se.assured_q_star(M.P, M.R, 0.7, form="printed") == 0, ~U)


def test_nav_heading_solves_the_ode():
    th0, a = 0.3, -1.2
    t = np.linspace(0, 2, 21)
    for sign in (1.0, -1.0):
        tr = integrate(lambda _t, y: sign * (a - y), np.array([th0]), t, rtol=1e-12, atol=1e-14)
        assert np.allclose(tr.y[:, 0], se.nav_heading(th0, a, t, sign=sign), rtol=1e-10, atol=1e-12)
    tt, a_, th = sp.symbols("t a theta0")
    f = sp.Function("theta")
    sol = sp.dsolve(sp.Eq(f(tt).diff(tt), a_ - f(tt)), f(tt), ics={f(0): th})
    assert sp.simplify(sol.rhs - (a_ + (th - a_) * sp.exp(-tt))) == 0


# -- judge on hand-made evidence ------------------------------------------------------------
def test_judge_mc_binomial_and_tail():
    c = se.thm1_exposure
    ev = {"measured": {"E": {"mean": np.array([6.9, 7.0]), "se": np.array([0.05, 0.05])}},
          "inputs": {"mu_unsafe": [0.5, 0.25, 1.0], "limit": np.array([False, True])}}
    assert c.judge(ev).holds
    assert c.false_variant.judge(ev).fails
    ev["measured"]["E"]["mean"] = np.array([7.3, 7.0])  # 6 SE above the bound
    assert c.judge(ev).fails
    l2 = se.lemma2_ii
    good = {"measured": {"cross": {"k": [95], "n": [1000]}}, "inputs": {"alpha": [0.1]}}
    bad = {"measured": {"cross": {"k": [140], "n": [1000]}}, "inputs": {"alpha": [0.1]}}
    assert l2.judge(good).holds and l2.judge(bad).fails
    c1 = se.cor1
    S = np.array([1.0, 0.5, 0.25, 0.125, 0.0625, 0.03])
    ev = {"measured": {"survival": [S]}, "inputs": {"K": [2], "M": [1], "mu": [1.0], "lam": [1.0],
                                                    "delta": [0.5], "instance": [0]}}
    # T_0.5 = (1 + ln 2) * 2 = 3.39: P(T > 3) = 0.125 <= 0.5
    assert c1.judge(ev).holds
    with pytest.raises(ValueError, match="too short"):
        c1.judge({**ev, "measured": {"survival": [S[:2]]}})


def test_judge_exact_with_infinities():
    c = se.thm5
    sy = {"QR": np.array([[1.0, 2.0]]), "B_unsafe": np.array([[False, True]])}
    assert c.judge({"measured": {"Q": np.array([1.0, -np.inf])}, "inputs": {"systems": [sy]}}).holds
    assert c.judge({"measured": {"Q": np.array([1.0, 2.0])}, "inputs": {"systems": [sy]}}).fails
    assert c.false_variant.judge({"measured": {"Q": np.array([1.0, -np.inf])}, "inputs": {"systems": [sy]}}).fails


def test_judge_malformed_evidence():
    with pytest.raises(ValueError, match="measured"):
        se.lemma1.judge({"inputs": {}})
    with pytest.raises(ValueError, match="exposure"):
        se.lemma1.judge({"measured": {}, "inputs": {"pulls": np.zeros((1, 2)), "unsafe": np.ones(2, bool)}})
    assert se.thm8.judge({}).outcome is Outcome.NOT_CHECKED


# -- validation -----------------------------------------------------------------------------
def test_input_validation():
    with pytest.raises(ValueError, match="M must satisfy"):
        se.flawless_time_bound(3, 4, 0.5)
    with pytest.raises(TypeError, match="M must be an integer"):
        se.flawless_time_bound(3, 1.5, 0.5)
    with pytest.raises(ValueError, match="mu_low"):
        se.flawless_time_bound(3, 1, 0.0)
    with pytest.raises(ValueError, match="eps"):
        se.llr(1, 2, 0.1, 0.2)
    with pytest.raises(ValueError, match="mu must lie"):
        se.sprt_drift(0.5, 1.2, 0.1)
    with pytest.raises(ValueError, match="q must lie"):
        se.kl_bern(0.5, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        se.sprt_time_bound_printed(0.1, 0.05, 1.5)
    with pytest.raises(ValueError, match="delta"):
        se.janson_factor(0.0)
    with pytest.raises(ValueError, match="k and n"):
        se.llr(3, 2, 0.1, 0.05)
    with pytest.raises(ValueError, match="positive drift"):
        se.sprt_time_bounds(0.05, 0.1, 0.05, 0.1)
    with pytest.raises(ValueError, match="mu_unsafe must exceed"):
        se.relaxed_exposure_bound([0.05], 0.1, 0.05, 0.1)
    with pytest.raises(ValueError, match="P_supp must have shape"):
        se.barrier_unsafe_star(np.ones((2, 1, 3, 2), bool))
    with pytest.raises(TypeError, match="P_supp"):
        se.barrier_unsafe_star("abc")
    with pytest.raises(ValueError, match="sum to 1"):
        se.rho_joint(np.full((1, 1, 1, 2), 0.3))
    with pytest.raises(ValueError, match="layer_sizes"):
        se.barrier_time_bound(3, 1, 0.5, np.array([1, 1]))
    with pytest.raises(TypeError, match="unsafe must be a bool"):
        se.barrier_bellman(np.zeros((1, 1)), np.ones((1, 1, 1, 2), bool))
    with pytest.raises(ValueError, match="beta"):
        se.prop1_llr_beta(10, 1, 0.1, 1.0)
    with pytest.raises(TypeError, match="n must be"):
        se.harmonic(1.5)
    with pytest.raises(ValueError, match="sign"):
        se.nav_heading(0.0, 1.0, 0.5, sign=2.0)
