"""Unit tests of :mod:`theorems.prelu_robustness`: the registry against the card, closed
forms against the networks of :mod:`numerics.two_layer`, SLSQP, mpmath, Monte Carlo and
sympy; input validation; the judges on hand-made evidence."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import theorems
from numerics import data
from numerics import robustness as rb
from numerics import two_layer as tl
from numerics.fit import loglog_fit
from theorems import Outcome, Status
from theorems import prelu_robustness as pr

K, K1, K2 = 10, 6, 4

CARD = {
    "prelu_structure": "reconstructed", "relu_ref_radius": "reconstructed", "prelu_ref_radius": "reconstructed",
    "thmA_clean": "reconstructed", "thmA_nonrobust": "reconstructed", "thmB_clean": "reconstructed",
    "thmB_robust": "reconstructed", "robust_curve_collapse": "reconstructed", "conj1_relu_learns_F": "reconstructed",
    "conj2_prelu_learns_Fp": "reconstructed", "dist_vs_alpha": "reconstructed", "mnist_parity": "reconstructed",
    "fu_prop1": "as_printed", "fu_prop2": "as_printed", "fu_prop3": "as_printed", "fu_thm1": "as_printed",
    "fu_cor1": "as_printed", "fu_prop4": "as_printed",
}


def _span(alpha, d, n, seed, k=K, k1=K1):
    return data.gmm_sample(k, k1, k, alpha * math.sqrt(k / d), seed=seed, n=n)


def _taylor_slope(fun, grad, x, seed=0):
    d = np.random.default_rng(seed).standard_normal(x.shape)
    f0, g0 = fun(x[None])[0], grad(x[None])[0]
    hs = np.geomspace(1e-2, 1e-4, 6)
    err = [abs(fun((x + h * d)[None])[0] - f0 - h * g0 @ d) for h in hs]
    return loglog_fit(hs, np.asarray(err)).slope


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------
def test_registry_matches_the_card():
    got = {c.id.split(".", 1)[1]: c.status.value for c in pr.CLAIMS}
    assert got == CARD
    assert len({c.id for c in pr.CLAIMS}) == 18
    for c in pr.CLAIMS:
        assert theorems.get(c.id) is c
        assert c.false_variant is not None and c.judge_fn is not None and c.where
        if c.status is Status.RECONSTRUCTED:
            assert c.note.startswith("Reconstructed")  # the note says what was rebuilt and how
    assert pr.PAPER in theorems.papers()


# ---------------------------------------------------------------------------------------
# reference classifiers: closed forms = the two-layer networks
# ---------------------------------------------------------------------------------------
def test_reference_classifiers_are_the_two_layer_networks():
    X, y, _ = data.gmm_sample(K, K1, 30, 0.3, seed=0, n=200)
    Wf, vf = pr.relu_reference_weights(K1, K, 30)
    np.testing.assert_allclose(pr.relu_reference(X, K1, K), tl.forward(X, Wf, vf, p=1.0), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(pr.relu_reference_grad(X, K1, K), tl.input_gradient(X, Wf, vf, p=1.0))
    Wp, vp = pr.prelu_reference_weights(K1, K, 30)
    for p in (1.0, 2.0, 3.0, 4.0, 2.5):
        np.testing.assert_allclose(pr.prelu_reference(X, K1, K, p), tl.forward(X, Wp, vp, p=p), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(pr.prelu_reference_grad(X, K1, K, p), tl.input_gradient(X, Wp, vp, p=p),
                                   rtol=1e-13, atol=1e-15)
    # the code's f1: sqrt(K1) sigma(<x, mu^_+>) - sqrt(K2) sigma(<x, mu^_->)
    a, b = X[:, :K1].sum(1) / math.sqrt(K1), X[:, K1:K].sum(1) / math.sqrt(K2)
    np.testing.assert_allclose(pr.relu_reference(X, K1, K),
                               math.sqrt(K1) * np.maximum(a, 0) - math.sqrt(K2) * np.maximum(b, 0), rtol=1e-13)


def test_bayes_classifier_log_domain():
    X, _, _ = data.gmm_sample(K, K1, 30, 0.5, seed=1, n=50)
    alpha, d = 2.0, 30  # D/alpha^2 = 7.5: f* itself is representable
    A = X[:, :K] * d / alpha ** 2
    fstar = np.exp(A[:, :K1]).sum(1) - np.exp(A[:, K1:]).sum(1)
    logabs, sign = pr.bayes_classifier(X, K1, K, alpha, d)
    np.testing.assert_allclose(logabs, np.log(np.abs(fstar)), rtol=1e-12)
    np.testing.assert_array_equal(sign, np.sign(fstar))
    # D/alpha^2 = 4e4: exp overflows, the log domain does not; compare with mpmath
    x = X[0]
    la, sg = pr.bayes_classifier(x[None], K1, K, 0.05, 100)
    with mpmath.workdps(50):
        e = [mpmath.exp(mpmath.mpf(float(c)) * 100 / mpmath.mpf("0.0025")) for c in x[:K]]
        ref = sum(e[:K1]) - sum(e[K1:])
    assert la[0] == pytest.approx(float(mpmath.log(abs(ref))), rel=1e-13)
    assert sg[0] == float(mpmath.sign(ref))
    g = lambda Z: pr.bayes_log_margin(Z, K1, K, 2.0, 30)  # noqa: E731
    gg = lambda Z: pr.bayes_log_margin_grad(Z, K1, K, 2.0, 30)  # noqa: E731
    assert _taylor_slope(g, gg, X[3]) == pytest.approx(2.0, abs=0.1)


def test_prelu_reference_gradient_taylor():
    x = np.random.default_rng(2).uniform(0.05, 1.0, 12)  # every coordinate away from the kink
    for p in (1.5, 2.0, 3.0):
        f = lambda Z: pr.prelu_reference(Z, K1, K, p)  # noqa: E731
        g = lambda Z: pr.prelu_reference_grad(Z, K1, K, p)  # noqa: E731
        assert _taylor_slope(f, g, x) == pytest.approx(2.0, abs=0.1)


# ---------------------------------------------------------------------------------------
# exact flip radii
# ---------------------------------------------------------------------------------------
def _slsqp(f, g, x, y, seed, n=30, scale=0.5):
    return rb.slsqp_flip_radius(f, g, x, y, n_starts=n, seed=seed, scale=scale)[0]


def test_relu_reference_flip_radius_vs_slsqp():
    X, y, _ = _span(0.3, 20, 12, seed=3)
    f, g = (lambda Z: pr.relu_reference(Z, K1, K)), (lambda Z: pr.relu_reference_grad(Z, K1, K))
    exact = pr.relu_reference_flip_radius(X, y, K1, K)
    got = np.array([_slsqp(f, g, X[i], y[i], i) for i in range(len(y))])
    np.testing.assert_allclose(got, exact, rtol=1e-6)


def test_nearest_cluster_flip_radius_vs_slsqp_and_hand_case():
    f = lambda Z: pr.nearest_cluster_rule(Z, 2, 3)  # noqa: E731

    def g(Z):
        G = np.zeros_like(Z)
        G[np.arange(len(Z)), np.argmax(Z[:, :2], 1)] = 1.0
        G[:, 2] = -1.0
        return G

    # two own coordinates above the optimal threshold: lower both, raise the opposite one:
    # min_t (1 - t)^2 + (0.9 - t)^2 + t^2 at t = 1.9/3
    x = np.array([1.0, 0.9, 0.0])
    t = 1.9 / 3
    want = math.sqrt((1 - t) ** 2 + (0.9 - t) ** 2 + t ** 2)
    assert pr.nearest_cluster_flip_radius(x[None], [1.0], 2, 3)[0] == pytest.approx(want, rel=1e-14)
    X, y, _ = _span(0.4, 20, 10, seed=4, k=3, k1=2)
    exact = pr.nearest_cluster_flip_radius(X, y, 2, 3)
    # the rule is piecewise linear in ties of the maxima: SLSQP from many starts
    got = np.array([_slsqp(f, g, X[i], y[i], i, n=60) for i in range(len(y))])
    np.testing.assert_allclose(got, exact, rtol=1e-5)
    assert np.all(pr.nearest_cluster_flip_radius(-np.abs(X), np.ones(10), 2, 3)[X[:, 2] > 0] >= 0)


def test_centre_flip_radius_values_and_derivation():
    assert pr.centre_flip_radius("relu", 6, 4) == pytest.approx(1 / math.sqrt(10))
    for p in (2.0, 3.0, 7.0):
        assert pr.centre_flip_radius("prelu", 6, 4, p) == pytest.approx(math.sqrt(2) / 2)
    assert pr.centre_flip_radius("prelu", 6, 4, 1.0, 1) == pytest.approx(1 / math.sqrt(5))
    assert pr.centre_flip_radius("prelu", 6, 4, 1.0, -1) == pytest.approx(1 / math.sqrt(7))
    # sympy: min_t (1 - t)^2 + c t^2 = c/(1 + c) at t = 1/(1 + c) (the card's derivation)
    t, c = pr.t_sym, pr.c_sym
    ts = sp.solve(sp.diff(pr.CENTRE_COST, t), t)
    assert len(ts) == 1 and sp.simplify(ts[0] - 1 / (1 + c)) == 0
    assert sp.simplify(pr.CENTRE_COST.subs(t, ts[0]) - c / (1 + c)) == 0
    # c = m^(1 - 2/p) is smallest at m = 1 for p >= 2 and at m = K_opp for p < 2
    m = np.arange(1, 8)
    assert np.argmin(m ** (1 - 2 / 3.0)) == 0 and np.argmin(m ** (1 - 2 / 1.0)) == 6
    with pytest.raises(ValueError, match="p"):
        pr.centre_flip_radius("prelu", 6, 4, 1.5)
    with pytest.raises(ValueError, match="kind"):
        pr.centre_flip_radius("tanh", 6, 4)


# ---------------------------------------------------------------------------------------
# clean failure and bounds
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("k1,k2,ratio", [(6, 4, 1.0), (6, 4, 20.0), (6, 4, 300.0), (1, 1, 244.0), (3, 9, 50.0)])
def test_relu_clean_failure_vs_mpmath(k1, k2, ratio):
    got = float(pr.relu_reference_clean_failure(k1, k2, ratio))
    ref = pr.relu_reference_clean_failure_mp(k1, k2, ratio, dps=30)
    assert got == pytest.approx(float(ref), rel=1e-12)


def test_relu_clean_failure_vs_monte_carlo():
    n = 200_000
    X, y, _ = _span(1.0, 20, n, seed=5)  # D/alpha^2 = 20
    fail = np.mean(y * pr.relu_reference(X, K1, K) <= 0)
    se = math.sqrt(fail * (1 - fail) / n)
    assert abs(fail - pr.relu_reference_clean_failure(K1, K2, 20.0)) < 4 * se


def test_bounds_are_the_sympy_statements():
    r, k = 123.0, 10
    subs = {pr.ratio: r, pr.K: k}
    assert pr.thmA_clean_bound(k, r) == pytest.approx(float(pr.THMA_CLEAN.subs({**subs, pr.C: 2})))
    assert pr.thmA_nonrobust_bound(k, 0.1, r) == pytest.approx(
        float(pr.THMA_NONROBUST.subs({**subs, pr.C: sp.Rational(1, 2), pr.rho: sp.Rational(1, 10)})))
    assert pr.thmB_clean_bound(k, r) == pytest.approx(float(pr.THMB_CLEAN.subs({**subs, pr.C: sp.Rational(1, 8)})))
    assert pr.thmB_robust_bound(k, 0.3, r) == pytest.approx(
        float(pr.THMB_ROBUST.subs({**subs, pr.C: sp.Rational(1, 2), pr.delta: sp.Rational(3, 10)})))
    assert pr.prop3_radius(1e-3, 3.0) == pytest.approx((math.sqrt(2) - 8 * 0.1) / 2)
    assert float(pr.prop3_bound(K, 100, 0.01, 1e-4, 3.0)) == pytest.approx(0.99958, abs=1e-5)  # card
    assert float(pr.thmB_robust_bound(K, 0.3, 4e4)) == pytest.approx(1 - 22 * math.exp(-9))  # card
    assert pr.prop1_failure_floor(6, 4) == pytest.approx(0.4)
    assert pr.cor1_radius(0.05, 3.0) == pytest.approx(math.sqrt(2) / 2 - 2 * 0.05 ** (2 / 3))


def test_survival_bound_dominates_the_exp_form():
    # Phi-bar(x) <= exp(-x^2/2)/2 (Chernoff): the DERIVED exact bound is below the C = 1/2 one
    rho, R = np.array([0.05, 0.1, 0.2]), np.array([1e2, 1e3, 1e4])
    rr, RR = np.meshgrid(rho, R)
    assert np.all(pr.relu_reference_survival_bound(K, rr, RR) <= pr.thmA_nonrobust_bound(K, rr, RR) / 4 + 1e-300)


def test_bound_validation():
    with pytest.raises(ValueError, match="delta"):
        pr.thmB_robust_bound(K, 1.5, 100.0)
    with pytest.raises(ValueError, match="nu"):
        pr.prop2_bound(K, 100, 0.05, 2.0)
    with pytest.raises(ValueError, match="nu"):
        pr.prop3_bound(K, 100, 0.01, 0.1, 3.0)
    with pytest.raises(ValueError, match="d_over_alpha2"):
        pr.thmA_clean_bound(K, -1.0)
    with pytest.raises(ValueError, match="k1"):
        pr.relu_reference(np.ones((2, 10)), 10, 10)
    with pytest.raises(ValueError, match="X"):
        pr.prelu_reference(np.ones((2, 5)), 2, 10, 3.0)
    with pytest.raises(ValueError, match="y"):
        pr.relu_reference_flip_radius(np.ones((2, 10)), [1.0, 2.0], 6, 10)
    with pytest.raises(TypeError, match="k"):
        pr.relu_reference_clean_failure(6.0, 4, 10.0)
    with pytest.raises(ValueError, match="alpha"):
        pr.bayes_log_margin(np.ones((1, 10)), 6, 10, 0.0, 30)


# ---------------------------------------------------------------------------------------
# Definition 2
# ---------------------------------------------------------------------------------------
def test_voronoi_and_gap():
    E = pr.centers(4, 6)
    lab = pr.center_labels(2, 4)
    W = np.zeros((6, 4))
    W[0, 0] = 1.0                          # on centre 0 (positive neuron)
    W[[0, 1], 1] = [1.0, 1.0]              # tie between centres 0 and 1
    W[[2, 3, 4], 2] = [-1.0, -0.5, 1.0]    # negative neuron, no positive cosine: void
    W[[3, 4], 3] = [1.0, 0.5]              # negative neuron in the region of centre 3
    s = np.array([1.0, 1.0, -1.0, -1.0])
    np.testing.assert_array_equal(pr.voronoi_assignment(W, s, E, lab)[[0, 2, 3]], [0, -1, 3])
    gap = pr.nondegeneracy_gap(W, s, E, lab)
    assert gap[0] == pytest.approx(1 - math.sqrt(0.5))   # tie with centre 1 at cos^2 = 1/2
    assert gap[1] == pytest.approx(0.0, abs=1e-15)       # on the tie
    assert gap[2] == pytest.approx(1 - math.sqrt(1 - 1 / 9))  # raise the cosine with mu_3 from -1/3 to 0
    assert gap[3] == pytest.approx(1 - math.sqrt(1 - (1 / math.sqrt(1.25)) ** 2 / 2))
    with pytest.raises(ValueError, match="orthonormal"):
        pr.nondegeneracy_gap(W, s, 2 * E, lab)


# ---------------------------------------------------------------------------------------
# judges on hand-made evidence
# ---------------------------------------------------------------------------------------
def test_robust_judge_uses_the_claimed_radius():
    ev = {"robust": {"k_robust": {"minus": np.array([2000, 2000]), "plus": np.array([0, 0])},
                     "inputs": {"ratio": 4e4, "delta": np.array([0.3, 0.5]), "k": K, "n": 2000}},
          "alpha_sweep": {"k_robust": np.array([1000, 990, 800]), "inputs": {"n": 1000}}}
    assert pr.thmB_robust.judge(ev).holds
    assert pr.thmB_robust.false_variant.judge(ev).fails
    ev["alpha_sweep"]["k_robust"] = np.array([800, 990, 1000])  # robustness rising with alpha: rejected
    assert pr.thmB_robust.judge(ev).fails
    ev["alpha_sweep"]["k_robust"] = np.array([1000, 990, 800])
    ev["robust"]["k_robust"]["minus"] = np.array([1970, 2000])  # 30 flips where the bound allows ~5
    assert pr.thmB_robust.judge(ev).fails


def test_conjecture_judge_is_inconclusive_without_coverage():
    ev = {"median_cos_class_average": 0.45, "median_max_cos_centre": 0.999, "uncovered": [3],
          "rel_dist": {"F": 0.8, "Fp": 0.6}, "r50": 0.5, "inputs": {"k1": K1, "k2": K2, "p_ref": 3.0}}
    assert pr.conj2_prelu_learns_Fp.judge(ev).outcome is Outcome.INCONCLUSIVE
    ev["median_max_cos_centre"] = 0.5
    assert pr.conj2_prelu_learns_Fp.judge(ev).fails
    ev.update(uncovered=[], median_max_cos_centre=0.999, rel_dist={"F": 0.8, "Fp": 0.02}, r50=0.69)
    assert pr.conj2_prelu_learns_Fp.judge(ev).holds
    assert pr.conj2_prelu_learns_Fp.false_variant.judge(ev).fails


def test_rate_judges():
    fit = {"slope": 1.5, "ci_low": 1.3, "ci_high": 1.7}
    ev = {"rate": {"fit": fit}, "mass": {"measured": np.array([[1.01, 0.98]])}}
    assert pr.fu_thm1.judge(ev).holds and pr.fu_thm1.false_variant.judge(ev).fails
    ev["rate"]["fit"] = {"slope": 1.0, "ci_low": 0.5, "ci_high": 1.5}
    assert pr.fu_thm1.judge(ev).fails
    ev4 = {"fit": {"centres": {"slope": 2.0, "ci_low": 1.9, "ci_high": 2.1},
                   "class_average": {"slope": 0.0, "ci_low": -0.1, "ci_high": 0.1}}}
    assert pr.fu_prop4.judge(ev4).holds and pr.fu_prop4.false_variant.judge(ev4).fails
    evd = {"fit": {"slope": 1.0, "ci_low": 0.8, "ci_high": 1.2}, "spearman": 1.0}
    assert pr.dist_vs_alpha.judge(evd).holds and pr.dist_vs_alpha.false_variant.judge(evd).fails
    evd = {"fit": {"slope": 0.1, "ci_low": -0.5, "ci_high": 0.7}, "spearman": 0.5}
    assert pr.dist_vs_alpha.judge(evd).fails and pr.dist_vs_alpha.false_variant.judge(evd).holds


def test_thmA_judges_on_exact_values():
    grid = np.geomspace(1, 500, 10)
    ev = {"exact_vs_mc": {"measured": 0.0874, "inputs": {"k1": K1, "k2": K2, "ratio": 20.0, "se": 6e-4}},
          "bound": {"measured": pr.relu_reference_clean_failure(K1, K2, grid), "inputs": {"ratio": grid, "k": K}}}
    assert pr.thmA_clean.judge(ev).holds
    assert pr.thmA_clean.false_variant.judge(ev).fails
    ev["exact_vs_mc"]["measured"] = 0.095  # 12 standard errors off
    assert pr.thmA_clean.judge(ev).fails
