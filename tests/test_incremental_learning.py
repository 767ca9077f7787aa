"""Unit tests of the closed forms of ``theorems.incremental_learning`` (Min & Vidal, CDC 2025).

* symbolic: Prop. 1 substituted into eq. (3) simplifies to zero (scalar, diagonal and full
  symmetric 2x2 cases), and so does Cor. 2; the identities of eqs. (14)-(15);
* high precision: the float64 inverse form against a 300-digit evaluation of Prop. 1;
* numerical: closed forms against a high-accuracy integration of the flow;
* input validation, shapes, and the judges specific to this paper.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import theorems
from numerics import factorization as fz
from theorems import incremental_learning as il
from theorems._claim import Outcome

SIG = np.array([3.0, 1.5, 0.7])
N = 5


@pytest.fixture(scope="module")
def instance():
    Phi = fz.random_orthogonal(N, 0)
    Y = Phi @ np.diag(np.concatenate([SIG, np.zeros(N - SIG.size)])) @ Phi.T
    U0 = fz.gaussian_shape(N, 7, 1, scale=0.3)
    return Phi, Y, U0 @ U0.T


# -- symbolic: Prop. 1 and Cor. 2 solve eq. (3) ------------------------------------------------
def _prop1_residual(sig, W0, g_scale=1):
    """Prop. 1 in sympy with e_i = e^{sigma_i t} as symbols (d e_i/dt = sigma_i e_i), so the
    residual of eq. (3) is a rational function whose numerator must expand to 0."""
    t = il.t
    size = len(sig)
    es = [sp.Symbol(f"e{i}", positive=True) for i in range(size)]
    G = sp.diag(*[g_scale * ((es[i] ** 2 - 1) / s if s != 0 else 2 * t) for i, s in enumerate(sig)])
    S = sp.diag(*[es[i] if s != 0 else 1 for i, s in enumerate(sig)])
    Yd = sp.diag(*sig)
    A = sp.eye(size) + G * W0
    Wt = S * W0 * A.adjugate() * S / A.det()
    dW = Wt.diff(t) + sum((Wt.diff(es[i]) * s * es[i] for i, s in enumerate(sig) if s != 0), sp.zeros(size, size))
    R = dW - (Wt * Yd + Yd * Wt - 2 * Wt * Wt)
    at0 = Wt.subs({e: 1 for e in es}).subs(t, 0)
    return [sp.expand(sp.numer(sp.together(r))) for r in R], sp.simplify(at0 - W0)


s1, s2 = sp.symbols("s1 s2", positive=True)
a, b, c = sp.symbols("a b c", real=True)


@pytest.mark.parametrize("sig, W0", [
    ([s1], sp.Matrix([[a]])),                                # scalar, nonzero mode
    ([0], sp.Matrix([[a]])),                                 # scalar, zero mode
    ([s1, s2, 0], sp.diag(a, b, c)),                         # diagonal (spectral init)
    ([s1, 0], sp.Matrix([[a, b], [b, c]])),                  # full symmetric, K = 1
    ([s1, s2], sp.Matrix([[a, b], [b, c]])),                 # full symmetric, K = 2
])
def test_prop1_solves_eq3_symbolically(sig, W0):
    residual, initial = _prop1_residual(sig, W0)
    assert all(r == 0 for r in residual)
    assert initial == sp.zeros(*W0.shape)


def test_prop1_with_half_G_does_not_solve_eq3():
    # the proof's R = I_n would give G/2: the residual is then nonzero
    residual, _ = _prop1_residual([s1], sp.Matrix([[a]]), g_scale=sp.Rational(1, 2))
    assert any(r != 0 for r in residual)


def test_cor2_solves_scalar_ode_symbolically():
    t, sY, s0, al = il.t, il.sigma_Y, il.sigma_0, il.alpha
    w = il.SIGMA_W_EQ12.subs(il.k_exp, 2)
    assert sp.simplify(w.diff(t) - (2 * sY * w - 2 * w ** 2)) == 0
    assert sp.simplify(w.subs(t, 0) - al * s0) == 0
    z = il.SIGMA_W_EQ13.subs(il.k_exp, 2)
    assert sp.simplify(z.diff(t) + 2 * z ** 2) == 0
    # eq. (13) is the sigma_Y -> 0 limit of eq. (12)
    assert sp.simplify(sp.limit(w, sY, 0) - z) == 0
    # the e^{sigma t} variant is not a solution
    wf = il.SIGMA_W_EQ12.subs(il.k_exp, 1)
    assert sp.simplify(wf.diff(t) - (2 * sY * wf - 2 * wf ** 2)) != 0


def test_logistic_and_inverse_forms_equal_eq12_symbolically():
    t, sY, s0, al = il.t, il.sigma_Y, il.sigma_0, il.alpha
    w = il.SIGMA_W_EQ12.subs(il.k_exp, 2)
    assert sp.simplify(il.SIGMA_W_LOGISTIC - w) == 0
    a0 = al * s0
    inverse_form = 1 / (sp.exp(-2 * sY * t) / a0 + (1 - sp.exp(-2 * sY * t)) / sY)
    assert sp.simplify(inverse_form - w) == 0


def test_stable_form_equals_printed_form_symbolically():
    # (S^-1 W0^-1 S^-1 + S^-1 G S^-1)^-1 = S W0 (I + G W0)^-1 S, with G~ = S^-1 G S^-1
    e0 = sp.Symbol("e0", positive=True)
    t = il.t
    W0 = sp.Matrix([[a, b], [b, c]])
    G = sp.diag((e0 ** 2 - 1) / s1, 2 * t)
    S = sp.diag(e0, 1)
    Gt = sp.diag((1 - e0 ** -2) / s1, 2 * t)
    printed = S * W0 * (sp.eye(2) + G * W0).inv() * S
    stable = (S.inv() * W0.inv() * S.inv() + Gt).inv()
    assert all(sp.simplify(x) == 0 for x in printed - stable)
    assert sp.simplify(S.inv() * G * S.inv() - Gt) == sp.zeros(2, 2)


def test_transition_values_and_half_time_symbolically():
    w = il.SIGMA_W_EQ12.subs(il.k_exp, 2)
    assert sp.simplify(w.subs(il.t, il.T_TRANSITION) - il.TRANSITION_VALUE) == 0
    assert sp.simplify(w.subs(il.t, il.HALF_TIME) - il.sigma_Y / 2) == 0


def test_lambdified_eq12_matches_sympy():
    rng = np.random.default_rng(0)
    for _ in range(5):
        tv, sv, s0v, av = rng.uniform(0, 3), rng.uniform(0.1, 4), rng.uniform(0.1, 3), 10 ** rng.uniform(-6, -1)
        ref = float(il.SIGMA_W_EQ12.subs({il.t: tv, il.sigma_Y: sv, il.sigma_0: s0v, il.alpha: av, il.k_exp: 2})
                    .evalf(30))
        assert il._sigma_W_eq12(tv, sv, s0v, av) == pytest.approx(ref, rel=1e-13)
        assert il.sigma_W(tv, sv, s0v, av) == pytest.approx(ref, rel=1e-13)


# -- high precision ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stable_form_matches_300_digit_prop1_at_thm4_scales(seed):
    sY = np.array([3.0, 1.5, 0.7, 0.0])
    S = fz.gaussian_shape(4, 5, seed)
    Wbar = S @ S.T
    M = max(np.linalg.norm(Wbar, 2), np.linalg.norm(np.linalg.inv(Wbar), 2))
    c_eps, C_eps = il.thm4_constants(sY, M, 0.05)
    alpha = il.largest_admissible_alpha(sY, c_eps, C_eps, kind="general", M=M)
    assert alpha <= 1e-13  # e^{2 sigma t} reaches ~1e130 on the windows
    for lo, hi in il.windows(sY, c_eps, C_eps, alpha):
        for tv in np.linspace(lo, min(hi, lo + 30), 3):
            ref = il.riccati_W_mpmath(tv, sY, alpha * Wbar, dps=300)
            got = il.riccati_W_stable(tv, np.eye(4), sY, alpha * Wbar)
            assert np.max(np.abs(got - ref)) <= 1e-13 * np.max(np.abs(ref))


def test_printed_form_needs_300_digits_at_thm4_scales():
    sY = np.array([3.0, 1.5, 0.7, 0.0])
    S = fz.gaussian_shape(4, 5, 0)
    W0 = 1e-15 * S @ S.T
    ref = il.riccati_W_mpmath(50.0, sY, W0, dps=300)
    with pytest.raises(ZeroDivisionError, match="increase dps"):
        il.riccati_W_mpmath(50.0, sY, W0, dps=80)
    # float64 evaluation of the printed formula is meaningless there (off by ~1e33): the
    # public function refuses; the stable one is accurate
    assert np.max(np.abs(il._prop1_rot(np.array(50.0), sY, W0) - ref)) > 1.0
    with pytest.raises(FloatingPointError, match="stable"):
        il.riccati_W(50.0, np.eye(4), sY, W0)
    assert np.allclose(il.riccati_W_stable(50.0, np.eye(4), sY, W0), ref, rtol=0, atol=1e-13)


def test_printed_float64_matches_mpmath_at_moderate_times(instance):
    Phi, _, W0 = instance
    W0r = Phi.T @ W0 @ Phi
    for tv in (0.0, 0.7, 2.0, 4.0):
        ref = il.riccati_W_mpmath(tv, SIG, W0r, dps=50)
        assert np.allclose(Phi.T @ il.riccati_W(tv, Phi, SIG, W0) @ Phi, ref, rtol=0, atol=1e-11)
        assert np.allclose(Phi.T @ il.riccati_W_stable(tv, Phi, SIG, W0) @ Phi, ref, rtol=0, atol=1e-13)


# -- closed forms vs the flow ------------------------------------------------------------------
def test_riccati_solution_matches_high_accuracy_flow(instance):
    Phi, Y, W0 = instance
    t = np.linspace(0.0, 4.0, 9)
    ode = fz.gf_W(Y, W0, t, rtol=1e-13).observables["W"]
    assert np.max(np.abs(il.riccati_solution(Y, W0, t) - ode)) < 1e-10
    assert np.max(np.abs(il.riccati_solution_stable(Y, W0, t) - ode)) < 1e-10
    assert np.allclose(il.riccati_solution(Y, W0, t), il.riccati_W(t, Phi, SIG, W0), rtol=0, atol=1e-11)


def test_riccati_solution_handles_unsorted_and_repeated_spectra():
    rng = np.random.default_rng(5)
    Phi = fz.random_orthogonal(4, 5)
    Y = Phi @ np.diag([0.5, 2.0, 2.0, 0.0]) @ Phi.T
    B = rng.standard_normal((4, 6))
    W0 = B @ B.T
    t = np.array([0.0, 0.5, 1.5])
    ode = fz.gf_W(Y, W0, t, rtol=1e-13).observables["W"]
    assert np.max(np.abs(il.riccati_solution(Y, W0, t) - ode)) < 1e-9


def test_vectorised_shapes(instance):
    Phi, Y, W0 = instance
    assert il.riccati_solution(Y, W0, 1.0).shape == (N, N)
    tt = np.linspace(0, 1, 6).reshape(2, 3)
    out = il.riccati_solution(Y, W0, tt)
    assert out.shape == (2, 3, N, N)
    assert np.allclose(out[1, 2], il.riccati_solution(Y, W0, 1.0))
    assert il.G_mat(tt, SIG, N).shape == (2, 3, N, N)
    assert il.sigma_W(tt, np.array([3.0, 0.0]), 1.0, 1e-3).shape == (2, 3, 2)
    assert np.ndim(il.sigma_W(1.0, 3.0, 1.0, 1e-3)) == 0


def test_solution_is_symmetric_psd_and_starts_at_W0(instance):
    Phi, Y, W0 = instance
    t = np.linspace(0, 10, 21)
    W = il.riccati_solution_stable(Y, W0, t)
    assert np.array_equal(W, np.swapaxes(W, -1, -2))
    assert np.min(np.linalg.eigvalsh(W)) > -1e-12
    assert np.allclose(W[0], W0, rtol=0, atol=1e-14)
    assert np.allclose(W[-1], Y, rtol=0, atol=0.1)  # zero modes decay like 1/(2t)


def test_G_and_S():
    G = il.G_mat(np.array([0.0, 0.5]), [2.0], 3)
    assert np.array_equal(G[0], np.zeros((3, 3)))
    assert np.allclose(np.diag(G[1]), [np.expm1(2.0) / 2.0, 1.0, 1.0])
    S = il.S_mat(0.5, [2.0], 3)
    assert np.allclose(np.diag(S), [np.e, 1.0, 1.0])
    with pytest.raises(OverflowError, match="stable"):
        il.G_mat(400.0, [3.0], 2)
    with pytest.raises(OverflowError):
        il.riccati_W(400.0, np.eye(2), [3.0], np.eye(2))
    assert np.all(np.isfinite(il.riccati_W_stable(400.0, np.eye(2), [3.0], np.eye(2))))


# -- Cor. 2 and the window ingredients -----------------------------------------------------------
def test_sigma_W_forms_and_limits():
    t = np.linspace(0, 5, 51)
    sY = np.array([3.0, 0.7, 0.0])
    s0 = np.array([1.0, 0.5, 2.0])
    assert np.allclose(il.sigma_W(t, sY, s0, 1e-3), il._sigma_W_eq12(t, sY, s0, 1e-3), rtol=1e-12, atol=0)
    assert np.allclose(il.sigma_W(t, 0.0, 2.0, 1e-3), 2e-3 / (1 + 4e-3 * t), rtol=1e-14)
    assert np.all(il.sigma_W(t, 3.0, 0.0, 1e-3) == 0.0)
    # no overflow at huge times; the limit is sigma_Y
    assert il.sigma_W(1e6, 3.0, 1.0, 1e-30) == pytest.approx(3.0, rel=1e-15)
    # alpha sigma_0 above sigma_Y: decreasing towards sigma_Y
    dec = il.sigma_W(t, 1.0, 5.0, 1.0)
    assert dec[0] == 5.0 and np.all(np.diff(dec) < 0) and dec[-1] > 1.0


def test_half_time():
    sY = np.array([3.0, 1.5, 0.7])
    th = il.half_time(sY, 1.0, 1e-6)
    assert np.allclose(th, [2.486, 4.740, 9.613], atol=5e-4)  # the card's values
    for i in range(3):
        assert il.sigma_W(th[i], sY[i], 1.0, 1e-6) == pytest.approx(sY[i] / 2, rel=1e-13)
    with pytest.raises(ValueError, match="sig_0"):
        il.half_time(1.0, 2.0, 0.6)
    with pytest.raises(ValueError, match="sig_Y"):
        il.half_time(0.0, 1.0, 1e-3)


def test_thm3_worked_example_of_the_card():
    sY = np.array([3.0, 1.5, 0.7, 0.0, 0.0])
    s0 = np.ones(5)
    c_eps, C_eps = il.thm3_constants(sY, s0, 0.05)
    assert (c_eps, C_eps) == pytest.approx((0.05, 180.0))
    assert not il.admissible_alpha(1e-3, sY, c_eps, C_eps)
    assert il.admissible_alpha(1e-6, sY, c_eps, C_eps)
    w6 = np.array(il.windows(sY, c_eps, C_eps, 1e-6))
    assert np.allclose(w6[:, 0], [3.168, 6.336, 13.577], atol=1e-3)
    assert np.allclose(w6[:, 1], [3.607, 7.728, np.inf], atol=1e-3)
    w9 = np.array(il.windows(sY, c_eps, C_eps, 1e-9))
    assert np.allclose(w9[:, 0], [4.319, 8.639, 18.512], atol=1e-3)
    assert np.allclose(w9[:, 1], [5.909, 12.663, np.inf], atol=1e-3)


def test_thm3_c_eps_uses_all_shape_values():
    # a large shape value on a zero mode (index > K) shrinks c_eps
    c_a, _ = il.thm3_constants([3.0, 1.5], [1.0, 1.0, 4.0], 0.05)
    assert c_a == pytest.approx(0.05 / 4.0)


def test_thm4_constants_and_admissibility():
    c_eps, C_eps = il.thm4_constants([3.0, 1.5, 0.7], 2.0, 0.05)
    assert c_eps == pytest.approx(0.05 / 64) and C_eps == pytest.approx(16 * 9 * 4 / 0.05)
    a = il.largest_admissible_alpha([3.0, 1.5, 0.7], c_eps, C_eps, kind="general", M=2.0)
    assert il.admissible_alpha(a, [3.0, 1.5, 0.7], c_eps, C_eps, kind="general", M=2.0)
    assert not il.admissible_alpha(10 * a, [3.0, 1.5, 0.7], c_eps, C_eps, kind="general", M=2.0)
    # K = 1: the ratio condition is vacuous
    assert il.admissible_alpha(1e-3, [2.0], 0.01, 100.0)
    with pytest.raises(ValueError, match="M is required"):
        il.admissible_alpha(1e-9, [3.0], c_eps, C_eps, kind="general")
    with pytest.raises(ValueError, match="kind"):
        il.admissible_alpha(1e-9, [3.0], c_eps, C_eps, kind="other")


def test_best_rank_k(instance):
    Phi, Y, _ = instance
    Y2 = il.best_rank_k(Y, 2)
    assert np.allclose(Phi.T @ Y2 @ Phi, np.diag([3.0, 1.5, 0, 0, 0]), atol=1e-13)
    assert np.allclose(il.best_rank_k(Y, 0), 0) and np.allclose(il.best_rank_k(Y, N), Y, atol=1e-13)
    assert np.linalg.matrix_rank(Y2, tol=1e-10) == 2


def test_rank_deficient_forms(instance):
    rng = np.random.default_rng(4)
    U_rot = rng.standard_normal((N, 2))
    sY = np.array([3.0, 1.5, 0.7, 0, 0])
    t = np.linspace(0, 2, 5)
    ref = il.riccati_W(t, np.eye(N), sY, 0.01 * U_rot @ U_rot.T)
    for form in ("push_through", "bracket"):
        assert np.allclose(il.rank_deficient_W(t, sY, U_rot, 0.01, form=form), ref, rtol=0, atol=1e-11)
    printed = il.rank_deficient_woodbury.printed.theory(t=t, sig_Y=sY, U_rot=U_rot, alpha=0.01, form="bracket")
    assert np.max(np.abs(printed[1:] - ref[1:])) > 1e-2 * np.max(np.abs(ref))
    # the 30-digit evaluation agrees with float64 where float64 is well conditioned
    mp = il._woodbury_theory(t, sY, U_rot, 0.01, "bracket", dps=30)
    assert np.allclose(mp, ref, rtol=0, atol=1e-11)


# -- input validation --------------------------------------------------------------------------
def test_riccati_solution_validates_input(instance):
    _, Y, W0 = instance
    bad = Y.copy()
    bad[0, 1] += 1.0
    with pytest.raises(ValueError, match="Y must be symmetric"):
        il.riccati_solution(bad, W0, 1.0)
    with pytest.raises(ValueError, match="Y must be positive semidefinite"):
        il.riccati_solution(-Y, W0, 1.0)
    with pytest.raises(ValueError, match="W0 must be positive semidefinite"):
        il.riccati_solution(Y, -W0, 1.0)
    with pytest.raises(ValueError, match="W0 must have shape"):
        il.riccati_solution(Y, np.eye(3), 1.0)
    with pytest.raises(ValueError, match="t must be non-negative"):
        il.riccati_solution(Y, W0, [0.0, -1.0])
    with pytest.raises(ValueError, match="t contains NaN"):
        il.riccati_solution(Y, W0, np.nan)
    nanY = Y.copy()
    nanY[1, 1] = np.nan
    with pytest.raises(ValueError, match="Y contains NaN"):
        il.riccati_solution(nanY, W0, 1.0)
    with pytest.raises(ValueError, match="Y must be square"):
        il.riccati_solution(np.ones((2, 3)), W0, 1.0)
    with pytest.raises(TypeError, match="W0"):
        il.riccati_solution(Y, "W0", 1.0)
    with pytest.raises(ValueError, match="W0 must be positive definite"):
        il.riccati_solution_stable(Y, np.diag([1.0, 1, 1, 1, 0]), 1.0)


def test_riccati_W_validates_input(instance):
    Phi, _, W0 = instance
    with pytest.raises(ValueError, match="Phi must be orthogonal"):
        il.riccati_W(1.0, 2 * Phi, SIG, W0)
    with pytest.raises(ValueError, match="sig_Y must be non-negative"):
        il.riccati_W(1.0, Phi, [-1.0], W0)
    with pytest.raises(ValueError, match="sig_Y must have at most"):
        il.riccati_W(1.0, Phi, np.ones(6), W0)
    with pytest.raises(ValueError, match="W0 must have shape"):
        il.riccati_W_stable(1.0, Phi, SIG, np.eye(4))
    with pytest.raises(ValueError, match="alpha"):
        il.sigma_W(1.0, 1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="sig_0"):
        il.sigma_W(1.0, 1.0, -1.0, 0.1)
    with pytest.raises(ValueError, match="eps"):
        il.thm3_constants([3.0, 1.0], [1.0, 1.0], 2.0)
    with pytest.raises(ValueError, match="strictly decreasing"):
        il.thm3_constants([1.0, 3.0], [1.0, 1.0], 0.5)
    with pytest.raises(ValueError, match="sig_0"):
        il.thm3_constants([3.0, 1.0], [1.0, 0.0], 0.5)
    with pytest.raises(ValueError, match="M must be"):
        il.thm4_constants([3.0], 0.5, 0.1)
    with pytest.raises(ValueError, match="k must be"):
        il.best_rank_k(np.eye(3), 4)
    with pytest.raises(TypeError, match="k must be an integer"):
        il.best_rank_k(np.eye(3), 1.5)


# -- judges of this paper, on hand-made evidence ----------------------------------------------------
def test_window_judge_on_hand_made_evidence():
    sY = np.array([2.0, 0.5])
    s0 = np.ones(2)
    eps, alpha = 0.1, 1e-12
    c_eps, C_eps = il.thm3_constants(sY, s0, eps)
    (lo1, hi1), (lo2, _) = il.windows(sY, c_eps, C_eps, alpha)
    t = np.array([lo1, hi1, lo2])
    exact = {"t": t, "sig_W": np.array([[2.0, 0.0], [2.0, 0.0], [2.0, 0.5]]),
             "inputs": {"sig_Y": sY, "sig_0": s0, "eps": eps, "alpha": alpha}}
    assert il.thm3.judge({"cases": [exact]}).holds
    off = dict(exact, sig_W=exact["sig_W"] + np.array([[0.0, 0.2], [0, 0], [0, 0]]))
    assert il.thm3.judge({"cases": [off]}).fails
    outside = dict(exact, t=np.array([0.0, 0.1, 0.2]))
    assert il.thm3.judge({"cases": [outside]}).outcome is Outcome.INCONCLUSIVE
    with pytest.raises(ValueError, match="cases"):
        il.thm3.judge({})


def test_registry_matches_the_card():
    expected = {
        "w_dynamics": "as_printed", "prop1": "as_printed", "cor2": "as_printed", "cor2_limits": "as_printed",
        "transition_values": "as_printed", "thm3": "as_printed", "thm4": "as_printed",
        "transition_scaling": "as_printed", "rank_deficient_woodbury": "corrected",
        "random_init_remark": "not_checkable",
    }
    got = {c.id.split(".", 1)[1]: c.status.value for c in il.CLAIMS}
    assert got == expected
    for c in il.CLAIMS:
        assert theorems.get(c.id) is c
        if c.checkable:
            assert c.false_variant is not None
    assert il.rank_deficient_woodbury.printed is not None
    assert il.cor2_limits.uncertain
