"""Unit tests of theorems.edge_of_stability: closed forms against sympy, mpmath and the
exact maps they summarise; the projection; the Riemannian calculus; validation; the
registry entries and their judges on hand-made evidence."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq, minimize

import theorems
from numerics import least_squares as ls
from theorems import Status
from theorems import edge_of_stability as E

CARD = {
    "sharpness_on_M": "reconstructed", "propB1_B2": "reconstructed", "normal_form": "reconstructed",
    "flip_coefficient": "reconstructed", "propB6_constants": "as_printed",
    "strong_convexity_consequences": "reconstructed", "propB7": "reconstructed", "lemmaD2": "reconstructed",
    "lemmaD3": "reconstructed", "thm5_1_subcritical": "reconstructed", "thm5_2_critical": "reconstructed",
    "thm5_3_supercritical": "reconstructed", "projection_kkt": "reconstructed", "spm_toy_exact": "corrected",
}


def _on_M(p, y, seed, scale=0.3):
    u = np.random.default_rng(seed).normal(0, scale, p)
    return y ** (1 / p) * np.exp(u - u.mean())


# -- registry ---------------------------------------------------------------------------------
def test_registry_matches_the_card():
    got = {c.id.split(".", 1)[1]: c.status.value for c in E.CLAIMS}
    assert got == CARD
    for c in E.CLAIMS:
        assert theorems.get(c.id) is c
        assert c.false_variant is not None and c.where
        if c.status is Status.RECONSTRUCTED:
            assert "RECONSTRUCTED" in c.note or "DERIVED" in c.note
    assert E.spm_toy_exact.printed is not None and "reversed" in E.spm_toy_exact.note
    assert "2^(-p)" in E.projection_kkt.uncertain


# -- closed forms against sympy and mpmath ---------------------------------------------------
@pytest.mark.parametrize("p", [2, 3, 5, 8])
@pytest.mark.parametrize("y", [0.3, 1.0, 2.7])
def test_closed_forms_equal_their_sympy_expressions(p, y):
    sub = {E.p_: p, E.y_: y}
    assert E.lam_star(p, y) == pytest.approx(float(E.LAM_STAR.subs(sub)), rel=1e-14)
    assert E.nu(p, y) == pytest.approx(float(E.NU.subs(sub)), rel=1e-14)
    assert E.c_flip_line(p, y) == pytest.approx(float(E.C_FLIP.subs(sub)), rel=1e-14)
    assert E.ratio_B7(p) == pytest.approx(float(E.RATIO_B7.subs(sub)), rel=1e-14)
    Ld, Lp = E.critical_limits(p, y)
    assert Ld == pytest.approx(float(E.CRITICAL_D.subs(sub)), rel=1e-13)
    assert Lp == pytest.approx(float(E.CRITICAL_PERP.subs(sub)), rel=1e-13)
    eta = 1.05 * E.eta_crit(p, y)
    assert E.two_cycle_amplitude(eta, p, y) == pytest.approx(float(E.AMPLITUDE.subs({**sub, E.eta_: eta})),
                                                             rel=1e-13)
    assert E.supercritical_contraction(eta, p, y) == pytest.approx(
        float(E.CONTRACTION.subs({**sub, E.eta_: eta})), rel=1e-14)
    np.testing.assert_allclose(E.theta_star(p, y), y ** (1 / p))
    assert E.sharpness(E.theta_star(p, y), y) == pytest.approx(E.lam_star(p, y), rel=1e-14)


def test_card_numbers():
    assert E.c_flip_line(5, 1.0) == pytest.approx(22.4)
    Ld, Lp = E.critical_limits(5, 1.0)
    assert Ld == pytest.approx(4.1079, abs=1e-4) and Lp == pytest.approx(0.7906, abs=1e-4)
    assert E.two_cycle_amplitude(0.41, 5, 1.0) == pytest.approx(0.0472, abs=1e-4)
    assert E.supercritical_contraction(0.42, 5, 1.0) == pytest.approx(0.99625, abs=1e-5)
    assert E.mu_lemma_B5(0.0, 5, 1.0) == pytest.approx(4.0)
    assert E.mu_lemma_B5(0.15, 5, 1.0) == pytest.approx(1.337, abs=1e-3)
    assert E.mu_lemma_B5(2 - np.sqrt(3) - 1e-12, 5, 1.0) == pytest.approx(0.0, abs=1e-9)
    assert [E.ratio_B7(p) for p in range(2, 7)] == pytest.approx([1 / 2, 3 / 22, 1 / 16, 1 / 28, 3 / 130])
    assert E.critical_model_kappa(1.6 / 22.4, 1.6, 2.0) == pytest.approx(0.91084, abs=1e-5)
    lx, ly = E.critical_model_limits(1.6 / 22.4, 1.6, 2.0)
    assert lx == pytest.approx(2.905, abs=1e-3) and ly == pytest.approx(2.646, abs=1e-3)


def test_critical_limit_exists_iff_the_ratio_hypothesis_holds():
    # 2 c_L - A = 2 c_L (1 - nu / (c_L lambda*)) with A = 2 nu / lambda*: the DERIVED limit is
    # real exactly when Prop. B.7's ratio is below 1
    A = 2 / E.LAM_STAR * E.NU
    assert sp.simplify((2 * E.C_FLIP - A) - 2 * E.C_FLIP * (1 - E.NU / (E.C_FLIP * E.LAM_STAR))) == 0


def test_flip_coefficient_against_mpmath():
    p, y = 4, 1.7
    f = sp.lambdify(E.x_, E.line_map_expr(p).subs({E.y_: sp.Rational(17, 10), E.eta_: 2 / E.LAM_STAR.subs(
        {E.p_: p, E.y_: sp.Rational(17, 10)})}), "mpmath")
    with mpmath.workdps(40):
        a1, a2, a3 = (mpmath.diff(f, 0, k) / mpmath.factorial(k) for k in (1, 2, 3))
        assert float(a1) == pytest.approx(-1.0, abs=1e-25)
        assert float(a2 ** 2 + a3) == pytest.approx(E.c_flip_line(p, y), rel=1e-12)


def test_line_map_equals_its_sympy_form_and_gd_on_the_line():
    p, y, eta = 5, 1.3, 0.33
    f = sp.lambdify(E.x_, E.line_map_expr(p).subs({E.y_: y, E.eta_: eta}), "numpy")
    xs = np.linspace(-0.3, 0.3, 7)
    # s^p - y cancels near theta*: the two evaluation orders agree to a few ulps of y
    np.testing.assert_allclose(E.line_map(xs, eta, p, y), f(xs), rtol=1e-13, atol=1e-13)
    th = np.full(p, y ** (1 / p) + 0.1 / np.sqrt(p))
    after = th - eta * ls.loss_grad(th, y)
    assert np.sqrt(p) * (after[0] - y ** (1 / p)) == pytest.approx(E.line_map(0.1, eta, p, y), rel=1e-13)


@pytest.mark.parametrize("alpha", [0.04, 0.01, 0.0025])
def test_two_cycle_amplitude_against_the_exact_line_map(alpha):
    # the exact period-two points of the line map approach the DERIVED amplitude: the
    # relative error of the mean |x| is O(alpha)
    p, y = 5, 1.0
    eta = (2 + alpha) / E.lam_star(p, y)
    amp = E.two_cycle_amplitude(eta, p, y)

    def g2(x):
        return E.line_map(E.line_map(x, eta, p, y), eta, p, y) - x

    xp = brentq(g2, 0.5 * amp, 1.5 * amp, xtol=1e-15)
    xm = E.line_map(xp, eta, p, y)
    assert xm < 0 and E.line_map(xm, eta, p, y) == pytest.approx(xp, rel=1e-10)
    assert abs(0.5 * (abs(xp) + abs(xm)) / amp - 1) <= 2 * alpha


# -- projection --------------------------------------------------------------------------------
def test_projection_recovers_the_foot_point():
    p, y = 5, 2.0
    th_par = np.stack([_on_M(p, y, s) for s in range(20)])
    perp = np.linspace(-0.1, 0.1, 20)
    tp, got = E.project_to_M(th_par + perp[:, None] * E.normal(th_par), y)
    np.testing.assert_allclose(tp, th_par, rtol=1e-13)
    np.testing.assert_allclose(got, perp, atol=1e-14)
    tp1, g1 = E.project_to_M(th_par[0], y)  # a single point: scalar theta_perp
    assert isinstance(g1, float) and abs(g1) < 1e-15


def test_projection_against_slsqp_and_the_radial_negative_control():
    th = np.array([1.3, 0.9, 0.7, 1.2])
    y = 0.9
    tp, _ = E.project_to_M(th, y)
    res = minimize(lambda z: 0.5 * np.sum((z - th) ** 2), th, jac=lambda z: z - th, method="SLSQP",
                   constraints=[{"type": "eq", "fun": lambda z: np.prod(z) - y}], options={"ftol": 1e-15})
    np.testing.assert_allclose(tp, res.x, atol=1e-8)
    rad, _ = E.project_radially(th, y)
    assert np.linalg.norm(rad - th) > np.linalg.norm(tp - th) + 1e-6
    bal = np.full(4, 1.2)
    np.testing.assert_allclose(E.project_radially(bal, y)[0], E.project_to_M(bal, y)[0], rtol=1e-14)


def test_card_sign_rule_is_not_the_nearest_point_far_from_M():
    """The card's UNCERTAIN rule ('-' for every coordinate when y < 2^-p prod theta) gives a
    KKT point, but far from M the nearest point mixes the branches (one coordinate collapses)."""
    th = np.array([10.0, 10.0, 10.0])
    y = 1e-3
    auto, _ = E.project_to_M(th, y, branch="auto")
    np.testing.assert_allclose(auto, 0.1, rtol=1e-12)  # all on the '-' branch
    res = minimize(lambda z: 0.5 * np.sum((z - th) ** 2), np.array([10.0, 10.0, 1e-5]), jac=lambda z: z - th,
                   method="SLSQP", constraints=[{"type": "eq", "fun": lambda z: np.prod(z) - y}],
                   options={"ftol": 1e-15})
    assert np.linalg.norm(res.x - th) < 0.6 * np.linalg.norm(auto - th)
    # and some points are reachable by neither single-sign branch
    with pytest.raises(ValueError, match="too far"):
        E.project_to_M(np.array([3.0, 0.5, 2.0]), 0.05, branch="auto")


def test_projection_validation():
    with pytest.raises(ValueError, match="positive orthant"):
        E.project_to_M(np.array([1.0, -1.0]), 1.0)
    with pytest.raises(ValueError, match="branch"):
        E.project_to_M(np.ones(3), 1.0, branch="x")
    with pytest.raises(ValueError, match="y"):
        E.project_to_M(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="theta"):
        E.project_to_M(np.ones(1), 1.0)


# -- Riemannian calculus on M -------------------------------------------------------------------
def test_riemannian_gradient_and_hessian_against_finite_differences():
    p, y = 4, 1.5
    th = _on_M(p, y, 3)
    B = E._tangent_basis(th)
    np.testing.assert_allclose(B.T @ B, np.eye(p - 1), atol=1e-14)
    np.testing.assert_allclose(B.T @ E.normal(th), 0, atol=1e-14)
    v = B @ np.array([0.3, -0.5, 0.8])
    v /= np.linalg.norm(v)

    def lam_along(s):  # the metric projection is a second-order retraction
        return E.sharpness(E.project_to_M(th + s * v, y)[0], y)

    h = 1e-4
    d1 = (lam_along(h) - lam_along(-h)) / (2 * h)
    d2 = (lam_along(h) - 2 * lam_along(0.0) + lam_along(-h)) / h ** 2
    assert d1 == pytest.approx(E.riemannian_grad_lambda(th, y) @ v, rel=1e-7)
    assert d2 == pytest.approx(v @ E.riemannian_hessian_lambda(th, y) @ v, rel=1e-5)
    # the normal is in the kernel of the Lagrange form
    np.testing.assert_allclose(E.riemannian_hessian_lambda(th, y) @ E.normal(th), 0, atol=1e-12)


def test_riemannian_hessian_at_theta_star_is_nu():
    for p, y in ((2, 1.0), (3, 0.7), (6, 2.0)):
        np.testing.assert_allclose(E.riemannian_hessian_eigs(E.theta_star(p, y), y), E.nu(p, y), rtol=1e-12)


def test_normal_and_sharpness():
    th = _on_M(5, 1.2, 4)
    n = E.normal(th)
    g = ls.product_grad(th)
    np.testing.assert_allclose(n, g / np.linalg.norm(g), rtol=1e-14)
    assert E.sharpness(th, 1.2) == pytest.approx(g @ g, rel=1e-13)
    with pytest.raises(ValueError, match="th_par"):
        E.sharpness(np.array([1.0, 0.0]), 1.0)


# -- normal forms and the two-step model -------------------------------------------------------------
def test_normal_form_map_two_cycle():
    a = 0.01
    x = np.sqrt(a)
    assert E.normal_form_map(E.normal_form_map(x, a), a) == pytest.approx(x, rel=1e-12)


def test_critical_model_invariant_curve_and_lyapunov():
    a, b, c = 0.1, 1.6, 2.0
    k = E.critical_model_kappa(a, b, c)
    x, yv = 1e-3, k * 1e-3
    x1, y1 = E.critical_model_map(x, yv, a, b, c)
    assert y1 / x1 == pytest.approx(k, rel=1e-5)  # y = kappa x + O(x^2)
    assert E.critical_model_lyapunov(x1, y1, a, b) <= E.critical_model_lyapunov(x, yv, a, b)
    with pytest.raises(ValueError, match="c"):
        E.critical_model_map(0.1, 0.1, 0.5, 1.0, 0.4)


# -- companion toy ------------------------------------------------------------------------------------
def test_spm_toy_equations_are_gd():
    th = np.array([[0.2, 0.5], [-1.0, -0.3], [2.0, 1e-3]])
    eta = np.array([0.5, 1.2, 3.0])
    np.testing.assert_allclose(E.spm_toy_gd(th, eta), th - eta[:, None] * ls.toy_grad(th), rtol=1e-15, atol=0)


def test_spm_t_star_and_lemma7():
    assert E.spm_t_star(1.0, 3.0, 0.5) == np.ceil((3 - 2) / (3 * 0.25)) + 1
    assert E.spm_t_star(1.0, 3.0, 0.5, 0.5) == np.ceil(0.5 * (3 - 2) / (3 * 0.25)) + 1
    with pytest.raises(ValueError, match="perp0"):
        E.spm_t_star(1.0, 3.0, 0.0)
    x, eta = -0.5, 0.7
    lam0 = 2 * np.exp(-x)
    for t in range(1, 200):
        x = x + eta * 2 * np.exp(-x)
        assert 2 * np.exp(-x) <= E.spm_lemma7_bound(lam0, eta, t) * (1 + 1e-14)


# -- validation -------------------------------------------------------------------------------------------
def test_closed_form_validation():
    with pytest.raises(ValueError, match="p"):
        E.lam_star(1, 1.0)
    with pytest.raises(TypeError, match="p"):
        E.lam_star(2.5, 1.0)
    with pytest.raises(ValueError, match="y"):
        E.nu(3, -1.0)
    with pytest.raises(ValueError, match="delta"):
        E.mu_lemma_B5(2 - np.sqrt(3), 5, 1.0)
    with pytest.raises(ValueError, match="eta"):
        E.two_cycle_amplitude(0.3, 5, 1.0)  # subcritical: no two-cycle
    with pytest.raises(ValueError, match="p"):
        E.ratio_B7(2.5)
    with pytest.raises(TypeError, match="y"):
        E.theta_star(3, "1")
    with pytest.raises(ValueError, match="x"):
        E.line_map(np.nan, 0.3, 3, 1.0)


# -- judges on hand-made evidence ------------------------------------------------------------------------
def test_lemmaD3_judge_on_hand_made_evidence():
    ev = {"measured": [0.04], "inputs": {"eta": np.array([0.38]), "lam0": np.array([5.3712]), "c": 22.4}}
    assert E.lemmaD3.judge(ev).holds
    assert E.lemmaD3.false_variant.judge(ev).fails
    assert E.lemmaD3.judge({**ev, "measured": [0.2]}).fails


def test_subcritical_judge_rejects_a_run_that_never_stabilises():
    lam = np.full(500, 5.3)
    run = {"eta": 0.38, "lam_star": 5.0, "lam": lam, "loss": np.linspace(1, 0, 500),
           "fit": {"slope": -0.01, "ci_low": -0.011, "ci_high": -0.009}}
    v = E.thm5_1_subcritical.judge({"runs": [run]})
    assert v.fails and "tau" in v.reason
    with pytest.raises(ValueError, match="runs"):
        E.thm5_1_subcritical.judge({})


def test_projection_judge_uses_the_claimed_method():
    th = np.array([[1.3, 0.9, 0.7, 1.2]])
    ref, _ = E.project_to_M(th, 0.9)
    ev = {"inputs": {"theta": th, "y": 0.9, "reference": ref}}
    assert E.projection_kkt.judge(ev).holds
    assert E.projection_kkt.false_variant.judge(ev).fails
