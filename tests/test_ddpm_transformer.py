"""Unit tests of the closed forms and judges of ``theorems.ddpm_transformer``.

* symbolic: the oracle coefficient minimises the per-entry risk and gives eq. (33); the
  mean-denoising and W = 0 risks follow from their quadratics; Cor. 1 from eq. (9);
* high precision: the float64 closed forms against mpmath where cancellation could bite;
* numerical: the exact Bayes estimator against the brute-force mixture (``numerics``),
  the pattern frequencies against direct enumeration, reference values of the card;
* input validation, and the judges on hand-made evidence.
"""
from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import theorems
from numerics import diffusion as df
from theorems import ddpm_transformer as dt
from theorems._claim import Outcome

CARD = {
    "nu_closed_form": "as_printed", "nu_bounds": "as_printed", "oracle_estimator": "as_printed",
    "oracle_risk": "corrected", "tweedie_score": "as_printed", "bayes_oracle_pythagoras": "as_printed",
    "prop2": "corrected", "mean_denoising_floor": "reconstructed", "thm1": "as_printed", "cor1": "corrected",
    "thm2": "as_printed", "prop1": "as_printed", "cor2": "as_printed", "prop3": "corrected", "cor3": "as_printed",
    "cor4": "as_printed", "lemma4_log_growth": "reconstructed", "lemma5": "corrected", "w_structure": "reconstructed",
}


def test_registry_matches_the_card():
    reg = {c.id.split(".", 1)[1]: c.status.value for c in dt.CLAIMS}
    assert reg == CARD
    for c in dt.CLAIMS:
        assert theorems.get(c.id) is c and c.false_variant is not None and c.where
        assert (c.printed is not None) == (c.status.value == "corrected")


# -- schedule ---------------------------------------------------------------------------------------
def test_schedule_of_sec_5_1():
    ab = dt.alpha_bar_linear(50)
    assert ab[0] == pytest.approx(0.98, abs=1e-15)
    assert ab[-1] == pytest.approx(0.168, abs=5e-4)
    alpha = np.concatenate([[ab[0]], ab[1:] / ab[:-1]])
    assert np.allclose(alpha, 0.98 - 0.03 * np.arange(50) / 49)
    assert dt.snr_avg(ab) == pytest.approx(3.506, abs=5e-4)
    assert np.mean(1 / (1 - ab)) == pytest.approx(1 + dt.snr_avg(ab), rel=1e-14)
    assert np.allclose(dt.alpha_bar_linear(3), np.cumprod([0.98, 0.965, 0.95]))
    assert dt.alpha_bar_linear(1).tolist() == [0.98]


@pytest.mark.parametrize("fn, args, exc, word", [
    (dt.alpha_bar_linear, (0,), ValueError, "T"), (dt.alpha_bar_linear, (3, 1.2), ValueError, "a1"),
    (dt.snr_avg, ([0.5, 1.0],), ValueError, "alpha_bar"), (dt.oracle_coef, (0.5, -1.0), ValueError, "rho"),
    (dt.oracle_coef, ("x", 0.3), TypeError, "alpha_bar"), (dt.nu, ([0.5, 0.6], 1), ValueError, "pi"),
    (dt.nu, ([0.5, 0.5], 3), ValueError, "K"), (dt.nu, ([1.0, 0.0], 1), ValueError, "pi"),
    (dt.mean_denoise_excess_t, (0.5, 0.3, 0.5), ValueError, "n_tok"),
    (dt.uniform_attention_risk_t, (0.5, 0.3, 1, 0.5), ValueError, "P"),
    (dt.uniform_attention_risk_t, (0.5, 0.3, 16, -0.5), ValueError, "D"),
    (dt.score_from_eps, (np.ones(3), 0.0), ValueError, "alpha_bar"),
])
def test_validation(fn, args, exc, word):
    with pytest.raises(exc, match=word):
        fn(*args)


# -- pattern frequencies -----------------------------------------------------------------------------
def _nu_direct(pi, K):
    """Pr(Y_1 = u) by summing over subsets with itertools (independent of the module)."""
    M = len(pi)
    out = np.zeros(M)
    subsets = list(itertools.combinations(range(M), K))
    for S in subsets:
        tot = sum(pi[j] for j in S)
        for u in S:
            out[u] += pi[u] / tot / len(subsets)
    return out


def test_nu_enumeration_and_special_cases():
    rng = np.random.default_rng(0)
    for M in range(2, 7):
        pi = rng.dirichlet(np.ones(M))
        for K in range(1, M + 1):
            assert np.allclose(dt.nu(pi, K), _nu_direct(pi, K), rtol=0, atol=1e-15)
        assert np.allclose(dt.nu(pi, 1), 1 / M) and np.allclose(dt.nu(pi, M), pi)
        assert dt.nu_min(pi, M) == pytest.approx(pi.min())
    assert np.allclose(dt.nu(np.full(5, 0.2), 3), 0.2)
    assert dt.delta([0.2, 0.3, 0.5]) == pytest.approx(0.4)


def test_expected_k_eff_and_sum_pi_sq_by_monte_carlo():
    pi = np.array([0.55, 0.25, 0.15, 0.05])
    Y, _ = df.sample_labels(20000, 32, 4, 2, pi, 1)
    distinct = np.array([len(set(r)) for r in Y[:4000]])
    assert abs(distinct.mean() - dt.expected_k_eff(pi, 2, 32)) < 5 * distinct.std() / math.sqrt(4000)
    same = (Y[:, 0] == Y[:, 1]).mean()
    assert abs(same - dt.expected_sum_pi_sq(pi, 2)) < 5 * math.sqrt(0.25 / 20000)
    # tokens-averaged 1/n_{Y_p} equals K_eff / P for every data point
    n = np.sum(Y[:50, :, None] == Y[:50, None, :], axis=-1)
    assert np.allclose(np.mean(1 / n, axis=1), distinct[:50] / 32)
    # a zero entry is allowed here (the absent-pattern control)
    assert dt.expected_k_eff([0.5, 0.5, 0.0], 2, 10) == pytest.approx((2 * (1 - 0.5 ** 10) + 2 * 1) / 3)


# -- oracle: symbolic ------------------------------------------------------------------------------
def test_oracle_coefficient_minimises_the_risk():
    c, ab, rho = dt.c, dt.ab, dt.rho
    copt = sp.solve(sp.diff(dt.ORACLE_RISK_AT_C, c), c)
    assert len(copt) == 1 and sp.simplify(copt[0] - dt.ORACLE_COEF) == 0
    assert sp.simplify(dt.ORACLE_RISK_AT_C.subs(c, dt.ORACLE_COEF) - dt.ORACLE_RISK_T) == 0
    # the risk at c is E(eps - c (a rho xi + b eps))^2 for independent standard normals
    xi, e = sp.symbols("xi e")
    expr = sp.expand((e - c * (sp.sqrt(ab) * rho * xi + sp.sqrt(1 - ab) * e)) ** 2)
    moments = {xi ** 2: 1, e ** 2: 1, xi * e: 0, xi: 0, e: 0}
    val = sum(term.subs(moments) if term.free_symbols & {xi, e} else term
              for term in sp.Add.make_args(expr.subs({xi ** 2: 1, e ** 2: 1}).subs(xi * e, 0)))
    assert sp.simplify(val - dt.ORACLE_RISK_AT_C) == 0


def test_mean_denoising_risk_symbolic():
    c, n = dt.c, dt.n
    risk_at_ct = dt.MEAN_DENOISE_RISK_AT_C.subs(c, dt.ORACLE_COEF)
    assert sp.simplify(risk_at_ct - (dt.ORACLE_RISK_T + dt.MEAN_DENOISE_EXCESS_T)) == 0
    # c_t is also the optimal scalar for exact mean denoising
    copt = sp.solve(sp.diff(dt.MEAN_DENOISE_RISK_AT_C, c), c)
    assert sp.simplify(copt[0] - dt.ORACLE_COEF) == 0
    # leave-one-out at c_t: noise part has variance s^2 (1 + 1/(n-1)), covariance b: excess b^2/s^2/(n-1)
    S2, B = dt.S2, dt.B_COEF
    loo = dt.ORACLE_COEF ** 2 * S2 * (1 + 1 / (n - 1)) - 2 * dt.ORACLE_COEF * B + 1
    assert sp.simplify(loo - dt.ORACLE_RISK_T - (1 - dt.ab) / S2 / (n - 1)) == 0


def test_uniform_attention_risk_symbolic():
    v = sp.Symbol("v")
    P, D, ab = dt.P, dt.D, dt.ab
    A = dt.S2 * (1 - 1 / P) + ab * D
    B = dt.B_COEF * (1 - 1 / P)
    risk = v ** 2 * A - 2 * v * B + 1
    vopt = sp.solve(sp.diff(risk, v), v)[0]
    assert sp.simplify(risk.subs(v, vopt) - dt.UNIFORM_ATT_RISK_T) == 0


def test_cor1_from_eq9():
    assert sp.simplify(dt.THM1_ITERS_MAIN.subs(dt.nu_s, 1 / dt.M) - dt.COR1_A) == 0
    assert sp.simplify(dt.THM1_ITERS_MAIN.subs(dt.nu_s, dt.pimin) - dt.COR1_B) == 0


def test_closed_forms_against_mpmath():
    mpmath.mp.dps = 50
    for ab, rho in [(1e-8, 0.3), (0.5, 0.3), (1 - 1e-9, 0.3), (0.3, 3.0)]:
        a = mpmath.mpf(ab)
        r = mpmath.mpf(rho)
        s2 = 1 - a + r ** 2 * a
        assert float(dt.oracle_coef(ab, rho)) == pytest.approx(float(mpmath.sqrt(1 - a) / s2), rel=1e-13)
        assert float(dt.oracle_risk_t(ab, rho)) == pytest.approx(float(r ** 2 * a / s2), rel=1e-13)


# -- oracle: numerical ----------------------------------------------------------------------------------
def test_oracle_risk_reference_values():
    ab = dt.alpha_bar_linear(50)
    assert dt.oracle_risk(ab, 0.3) == pytest.approx(0.15572, abs=5e-6)
    assert dt.oracle_risk(ab, 0.3, half=True) == pytest.approx(0.07786, abs=5e-6)


def test_oracle_eps_formula():
    mu = df.pattern_means(3, 4)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 5, 4))
    Y = rng.integers(0, 3, (2, 5))
    out = dt.oracle_eps(X, Y, mu, np.array([0.3, 0.7]), 0.4)
    for i, a2 in enumerate((0.3, 0.7)):
        c = math.sqrt(1 - a2) / (1 - a2 + 0.16 * a2)
        assert np.allclose(out[i], c * (X[i] - math.sqrt(a2) * mu[Y[i]]))
    with pytest.raises(ValueError, match="Y"):
        dt.oracle_eps(X, Y[:, :2], mu, 0.5, 0.3)


def test_mean_denoise_floor_and_uniform_attention_references():
    ab3 = dt.alpha_bar_linear(3)
    fl = dt.mean_denoise_floor(ab3, 0.3, dt.expected_k_eff(np.full(4, 0.25), 2, 32), 32)
    assert fl == pytest.approx(0.0236, abs=1e-4)                     # card: floor at P = 32
    D = dt.uniform_attention_D(np.full(8, 1 / 8), 4, 256)
    assert float(dt.uniform_attention_risk_t(0.5, 0.3, 256, D)) == pytest.approx(0.4587, abs=1e-4)
    # card: mean-denoising references at d = 64, P = 256, K = 4 (K_eff ~ 4)
    ke = dt.expected_k_eff(np.full(8, 1 / 8), 4, 256)
    for ab, ref in ((0.5, 0.09690), (0.17, 0.03344)):
        val = float(dt.oracle_risk_t(ab, 0.3) + dt.mean_denoise_excess_t(ab, 0.3, 256 / ke))
        assert val == pytest.approx(ref, abs=5e-5)


def test_pattern_energy_erratum_e1():
    """Card E1: with |mu|^2 = sqrt(d) even W = 0 is nearly optimal (d = 64, P = 256, K = 4,
    abar = 0.17: W = 0 risk 0.040, against 0.150 with |mu|^2 = d)."""
    pi = np.full(8, 1 / 8)
    risk_d = float(dt.uniform_attention_risk_t(0.17, 0.3, 256, dt.uniform_attention_D(pi, 4, 256, 1.0)))
    risk_sqrt = float(dt.uniform_attention_risk_t(0.17, 0.3, 256, dt.uniform_attention_D(pi, 4, 256, 1 / 8)))
    assert risk_d == pytest.approx(0.150, abs=1e-3) and risk_sqrt == pytest.approx(0.040, abs=1e-3)


# -- Bayes estimator ---------------------------------------------------------------------------------
@pytest.mark.parametrize("M, d, K, P, pi, ab", [
    (3, 3, 2, 2, (0.5, 0.3, 0.2), 0.17), (3, 4, 1, 3, (0.2, 0.3, 0.5), 0.5), (3, 3, 3, 2, (0.6, 0.3, 0.1), 0.9),
    (2, 2, 1, 4, (0.5, 0.5), 0.05), (4, 4, 2, 2, (0.4, 0.3, 0.2, 0.1), 0.6),
])
def test_bayes_eps_against_bruteforce(M, d, K, P, pi, ab):
    model = df.MTGM(d, M, K, np.array(pi), 0.3)
    X0, _, _ = model.sample(6, P, 0)
    Xt, _ = df.forward_process(X0, ab, 1)
    exact = df.posterior_mean_bruteforce(Xt, model.mu, model.pi, K, ab, 0.3)
    assert np.allclose(dt.bayes_eps(Xt, model.mu, model.pi, K, ab, 0.3), exact, rtol=1e-11, atol=1e-12)


def test_bayes_eps_general_orthogonal_patterns_and_norms():
    """The posterior uses only <x, mu_u> and |mu_u|^2: a rotated basis with unequal norms."""
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    mu = Q[:3] * np.array([[1.0], [2.0], [1.5]])
    X = rng.standard_normal((4, 2, 4))
    pi = np.array([0.5, 0.3, 0.2])
    assert np.allclose(dt.bayes_eps(X, mu, pi, 2, 0.4, 0.5),
                       df.posterior_mean_bruteforce(X, mu, pi, 2, 0.4, 0.5), rtol=1e-11, atol=1e-12)


def test_bayes_posterior_normalised_and_underflow_path():
    model = df.MTGM(64, 4, 2, np.array([0.4, 0.3, 0.2, 0.1]), 0.05)
    X0, Y, _ = model.sample(20, 32, 0)
    Xt, _ = df.forward_process(X0, 0.999, 1)
    rbar, post = dt.bayes_label_posterior(Xt * 40, model.mu, model.pi, 2, 0.999, 0.05)   # extreme SNR
    assert np.all(np.isfinite(rbar)) and np.allclose(rbar.sum(-1), 1) and np.allclose(post.sum(-1), 1)
    rbar2, post2 = dt.bayes_label_posterior(Xt, model.mu, model.pi, 2, 0.999, 0.05)
    assert np.mean(np.argmax(rbar2, -1) == Y) == 1.0


def test_score_from_eps_broadcasting():
    e = np.ones((3, 2, 2))
    s = dt.score_from_eps(e, np.array([0.19, 0.64, 0.75]))
    assert np.allclose(s[:, 0, 0], [-1 / 0.9, -1 / 0.6, -1 / 0.5])
    assert np.allclose(dt.score_from_eps(e, 0.75), -2.0)


# -- rate expressions ---------------------------------------------------------------------------------
def test_rate_expressions():
    assert float(dt.thm1_tokens(4, 1 / 8, 8, 0.3, 0.1, 64)) == pytest.approx(4 * 8 / 8 * 1.09 / 0.1 * math.log(64))
    assert float(dt.thm1_dim(0.1, 0.5)) == pytest.approx(math.log(20) / 0.1)
    it = dt.thm1_iters(0.1, np.array([0.5, 0.25, 0.125]), 1.0, 3.5, 0.3)
    assert np.all(np.diff(it) > 0)
    assert float(dt.prop1_att_err(0.3, 64, 256, 0.125)) == pytest.approx(1.09 * math.log(64) / 32)
    assert float(dt.prop3_same_logit_lb(0.01, 4, 0.5)) == pytest.approx(0.5 * math.log(200))
    assert float(dt.v_contraction(0.3, 0.5)) == pytest.approx(0.7)


# -- judges on hand-made evidence ------------------------------------------------------------------------
def test_mc_judge_uses_the_standard_error():
    claim = dt.oracle_risk_claim
    rng = np.random.default_rng(0)
    R = float(dt.oracle_risk_t(0.5, 0.3))
    m = R + 0.01 * rng.standard_normal((1000, 1))
    ev = {"per_t": {"measured": m, "inputs": {"alpha_bar": np.array([0.5]), "rho": 0.3}},
          "schedule": {"measured": m[:, 0], "inputs": {"alpha_bar": np.full(1000, 0.5), "rho": 0.3}}}
    assert claim.judge(ev).holds
    ev["per_t"]["measured"] = m + 0.003                       # 10 SE off
    assert claim.judge(ev).fails


def test_prop2_judge():
    claim = dt.prop2
    flat = {"measured": np.array([[0.03, 0.0295, 0.0294], [0.0017, 0.00165, 0.00168]]),
            "se": np.full((2, 3), 1e-4), "inputs": {"d": [16, 64], "P": [16, 64, 256]}}
    assert claim.judge(flat).holds and claim.printed.judge(flat).fails and claim.false_variant.judge(flat).fails
    inv_p = {**flat, "measured": np.array([[0.03, 0.0075, 0.0019], [0.0017, 0.000425, 0.000106]])}
    assert claim.judge(inv_p).fails and claim.printed.judge(inv_p).holds


def _log_curve(s, onset=0.0, cap=2.5):
    """Logarithmic growth from ``onset`` that saturates at ``cap``."""
    return np.minimum(np.where(s > onset, np.log1p(np.maximum(s - onset, 0) / 50), 0.0), cap)


def test_lemma4_judge_on_synthetic_curves():
    steps = np.arange(0, 801, 10)
    freq = _log_curve(steps)
    L = np.column_stack([_log_curve(steps, 300)] + [freq] * 3)
    ev = {"measured": L, "inputs": {"steps": steps, "rare": 0}}
    claim = dt.lemma4_log_growth
    assert claim.judge(ev).holds and claim.false_variant.judge(ev).fails
    lin = np.column_stack([0.002 * np.maximum(steps - 500, 0)] + [0.004 * steps] * 3)
    v = claim.judge({"measured": lin, "inputs": {"steps": steps, "rare": 0}})
    assert v.outcome is Outcome.FAILS


def test_lemma5_judge():
    eta, ab, rho = 0.3, 0.5, 0.3
    s2 = 1 - ab + rho ** 2 * ab
    A = s2 * (1 - 2 / 64)
    part = {"measured": np.full(10, 1 - 2 * eta * A),
            "inputs": {"ab": ab, "rho": rho, "eta": eta, "A_hat": A, "A_se": 1e-4,
                       "v_star": float(dt.oracle_coef(ab, rho)), "k_eff": 2.0, "P": 64}}
    ev = {"parts": ["a"], "a": part}
    claim = dt.lemma5
    assert claim.judge(ev).holds and claim.printed.judge(ev).fails and claim.false_variant.judge(ev).fails


def test_w_structure_judge():
    B = 3 * np.eye(4) - np.ones((4, 4))                           # off/diag = -1/2: not -1/3
    assert dt.w_structure.judge({"measured": B, "inputs": {"energy_fraction": 1.0}}).fails
    B = 4 * np.eye(4) + (-4 / 3) * (np.ones((4, 4)) - np.eye(4))
    assert dt.w_structure.judge({"measured": B, "inputs": {"energy_fraction": 0.999}}).holds
    assert dt.w_structure.judge({"measured": B, "inputs": {"energy_fraction": 0.5}}).fails
