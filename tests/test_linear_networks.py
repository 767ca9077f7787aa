"""Unit tests of the closed forms and claims of ``theorems.linear_networks``."""
from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import theorems
from theorems import Outcome, Status
from theorems import linear_networks as ln

RNG = np.random.default_rng


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------
CARD_STATUS = {
    "scalar_rate": "as_printed", "loss_split": "as_printed", "imbalance_conserved": "as_printed",
    "u2_frozen": "as_printed", "lemma7": "as_printed", "lemma8": "as_printed", "prop1": "as_printed",
    "rayleigh": "as_printed", "prop14": "as_printed", "thm3": "as_printed", "cor4": "as_printed",
    "cor5": "as_printed", "cor6": "corrected", "prop9": "corrected", "eq30": "as_printed",
    "prop10": "as_printed", "lemma11": "corrected", "thm12": "corrected", "ntk_rescaling": "as_printed",
    "balanced_init": "as_printed",
}


def test_registry_ids_and_statuses():
    got = {c.id.split(".", 1)[1]: c.status.value for c in ln.CLAIMS}
    assert got == CARD_STATUS
    assert theorems.get("linear_networks.thm12") is ln.thm12
    assert ln.PAPER in theorems.papers()


def test_corrected_claims_carry_printed_and_uncertain():
    for c in ln.CLAIMS:
        assert c.false_variant is not None
        if c.status is Status.CORRECTED:
            assert c.printed is not None
    assert "Davidson" in ln.lemma11.uncertain and "Davidson" in ln.thm12.uncertain
    assert ln.PAPER.bibtex().startswith("@misc")


# ---------------------------------------------------------------------------------------
# imbalance quantities, Prop. 1, c(t)
# ---------------------------------------------------------------------------------------
def test_imbalance_quantities_hand_made():
    D = np.diag([5.0, 3.0, 2.0, 0.0, -1.0, -4.0])
    dp, dm, de = ln.imbalance_quantities(D, r=3, m=2)
    assert (dp, dm, de) == (3.0, 3.0, 3.0)  # 5-2, 4-1, 2+1
    # r larger than the number of positive eigenvalues: lambda_r(D) clipped to 0
    assert ln.imbalance_quantities(D, r=5, m=2) == (5.0, 3.0, 1.0)


def test_imbalance_out_of_range_is_zero():
    D = np.diag([2.0, -1.0])  # h = 2 < r = 3
    assert ln.imbalance_quantities(D, r=3, m=1) == (2.0, 0.0, 1.0)
    assert ln.imbalance_quantities(D, r=3, m=3) == (2.0, 1.0, 0.0)


def test_imbalance_from_spectrum_matches_full():
    rng = RNG(1)
    U1, V = rng.standard_normal((4, 9)), rng.standard_normal((2, 9))
    D = U1.T @ U1 - V.T @ V
    eig = np.linalg.eigvalsh(D)
    nz = eig[np.abs(eig) > 1e-9]
    assert np.allclose(ln.imbalance_from_spectrum(nz, 4, 2, 9), ln.imbalance_quantities(D, 4, 2), rtol=1e-12)
    with pytest.raises(ValueError, match="eigs"):
        ln.imbalance_from_spectrum(np.ones(10), 4, 2, 9)


def test_imbalance_validation():
    with pytest.raises(ValueError, match="D"):
        ln.imbalance_quantities(np.array([[1.0, 2.0], [0.0, 1.0]]), 1, 1)
    with pytest.raises(ValueError, match="r"):
        ln.imbalance_quantities(np.eye(2), 0, 1)
    with pytest.raises(TypeError, match="m"):
        ln.imbalance_quantities(np.eye(2), 1, 1.5)
    with pytest.raises(ValueError, match="D"):
        ln.imbalance_quantities(np.array([[np.nan]]), 1, 1)


def test_prop1_special_cases():
    """Card: with lambda_r = 1, D = 0 gives 2 sigma_min (r != m) or 4 sigma_min (r = m);
    U_1 V^T = 0 gives 2 underline-Delta."""
    rng = RNG(2)
    P = rng.standard_normal((3, 2))
    smin = np.linalg.svd(P, compute_uv=False)[-1]
    assert ln.rate_lower_bound(np.zeros((5, 5)), P, 3, 2, 1.0) == pytest.approx(2 * smin, rel=1e-12)
    Pq = rng.standard_normal((2, 2))
    sq = np.linalg.svd(Pq, compute_uv=False)[-1]
    assert ln.rate_lower_bound(np.zeros((4, 4)), Pq, 2, 2, 1.0) == pytest.approx(4 * sq, rel=1e-12)
    U1, V = rng.standard_normal((3, 7)), rng.standard_normal((2, 7))
    D = U1.T @ U1 - V.T @ V
    de = ln.imbalance_quantities(D, 3, 2)[2]
    assert ln.rate_lower_bound(D, np.zeros((3, 2)), 3, 2, 2.5) == pytest.approx(2.5 * 2 * de, rel=1e-12)


def test_prop1_bracket_between_limits():
    """Each bracketed pair lies in [Delta, sqrt(Delta^2 + 4 sigma^2)]."""
    rng = RNG(3)
    for _ in range(100):
        dp, dm, de, sm, sr = rng.exponential(1.0, 5)
        b = float(ln.prop1_bracket(dp, dm, de, sm, sr))
        lo = 2 * de
        hi = np.sqrt(de**2 + 4 * sm**2) + np.sqrt(de**2 + 4 * sr**2)
        assert lo - 1e-12 <= b <= hi + 1e-12
    with pytest.raises(ValueError, match="delta_eff"):
        ln.prop1_bracket(1.0, 1.0, -1.0, 0.0, 0.0)


def test_prop1_bracket_matches_sympy():
    vals = {ln.dp: 0.3, ln.dm: 1.1, ln.de: 0.7, ln.s_m: 0.4, ln.s_r: 0.2, ln.spread: 1}
    expect = float(ln.PROP1_BRACKET.subs(vals).evalf(30))
    assert float(ln.prop1_bracket(0.3, 1.1, 0.7, 0.4, 0.2)) == pytest.approx(expect, rel=1e-14)


def test_c_rate_margin_and_asymptotic():
    rng = RNG(4)
    U1, V = rng.standard_normal((3, 8)), rng.standard_normal((2, 8))
    D = U1.T @ U1 - V.T @ V
    Yt = rng.standard_normal((3, 2))
    de = ln.imbalance_quantities(D, 3, 2)[2]
    big = 10 * np.linalg.norm(Yt)
    assert ln.c_rate(D, Yt, big, 3, 2, 2.0) == pytest.approx(2 * de, rel=1e-12)  # zero margin
    assert ln.c_asymptotic(D, Yt, 3, 2, 2.0) == ln.c_rate(D, Yt, 0.0, 3, 2, 2.0)
    assert ln.c_asymptotic(D, Yt, 3, 2, 2.0) > 2 * de
    eig = np.linalg.eigvalsh(D)
    nz = eig[np.abs(eig) > 1e-9]
    assert ln.c_rate_spectrum(nz, 8, Yt, 0.3, 3, 2, 2.0) == pytest.approx(ln.c_rate(D, Yt, 0.3, 3, 2, 2.0),
                                                                          rel=1e-12)
    with pytest.raises(ValueError, match="Ytil"):
        ln.c_rate(D, np.ones((2, 2)), 0.0, 3, 2, 1.0)
    with pytest.raises(ValueError, match="lam_1"):
        ln.c_rate(D, Yt, 0.0, 3, 2, 0.0)
    with pytest.raises(ValueError, match="E_fro"):
        ln.c_rate(D, Yt, -1.0, 3, 2, 1.0)


def test_envelopes():
    t = np.array([0.0, 1.0, 2.0])
    assert np.allclose(ln.loss_envelope(t, 2.0, 0.5, 3.0), 2.0 * np.exp(-1.5 * t), rtol=1e-15)
    assert np.allclose(ln.local_envelope(t + 1, 1.0, 4.0, 1.0, 2.0), 4.0 * np.exp(-2.0 * t), rtol=1e-15)
    assert ln.local_envelope(1.0, 1.0, 4.0, 1.0, 2.0) == 4.0  # equality at t = t0 (Cor. 6 corrected)
    with pytest.raises(ValueError, match="t"):
        ln.loss_envelope(-1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="t0"):
        ln.local_envelope(0.5, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="c0"):
        ln.loss_envelope(1.0, 1.0, 1.0, -1.0)
    # the printed (unshifted) sympy form at t = t0 falls below L(t0) (the erratum)
    printed = ln.LOCAL_ENVELOPE.subs({ln.k_rate: 1, ln.shift: 0, ln.t: ln.t0})
    assert sp.simplify(printed / ln.Lt0 - sp.exp(-ln.lam_r * ln.c_t0 * ln.t0)) == 0


def test_lemma7_and_lemma8_forms():
    assert np.allclose(ln.lemma7_bound(2.0, [1.0, 0.0], [0.5, 0.0]), [6.0, 0.0])
    # Lemma 8's right side is the positive root of x^2 + (lb - lu) x - (lb lu + s^2) = 0
    x = ln.LEMMA8_RHS
    quad = x**2 + (ln.lam_bar - ln.lam_under) * x - (ln.lam_bar * ln.lam_under + ln.sig**2)
    assert sp.simplify(sp.expand(quad)) == 0
    assert float(ln.lemma8_rhs(0.0, 0.0, 2.0)) == pytest.approx(2.0)  # balanced case: sigma_m
    with pytest.raises(ValueError, match="sigma_m"):
        ln.lemma8_rhs(0.0, 0.0, -1.0)


# ---------------------------------------------------------------------------------------
# scalar case
# ---------------------------------------------------------------------------------------
def test_scalar_forms_sympy():
    u2, v2 = ln.SCALAR_U2.subs(ln.k_uv, 4), ln.SCALAR_V2.subs(ln.k_uv, 4)
    assert sp.simplify(u2 - v2 - ln.d) == 0
    assert sp.simplify(sp.expand(u2 * v2) - ln.uv**2) == 0
    assert sp.simplify(2 * (u2 + v2) - ln.SCALAR_RATE.subs(ln.k_uv, 4)) == 0


def test_scalar_forms_vs_ode():
    """u(t)^2 equals scalar_u2(d(0), u(t) v(t)) along a high-accuracy solution of the ODE."""
    y = 1.3

    def rhs(_t, z):
        u, v = z
        return [(y - u * v) * v, (y - u * v) * u]

    sol = solve_ivp(rhs, (0, 5), [0.2, -0.9], method="DOP853", rtol=1e-13, atol=1e-15,
                    t_eval=np.linspace(0, 5, 51))
    u, v = sol.y
    d0 = 0.2**2 - 0.9**2
    assert np.allclose(ln.scalar_u2(d0, u * v), u * u, rtol=1e-10, atol=1e-13)
    assert np.allclose(ln.scalar_v2(d0, u * v), v * v, rtol=1e-10, atol=1e-13)
    L = 0.5 * (y - u * v) ** 2
    dL = -(y - u * v) ** 2 * (u * u + v * v)  # chain rule along the flow
    assert np.allclose(-dL / L, ln.scalar_rate(d0, u * v), rtol=1e-10)


def test_scalar_forms_no_cancellation_mpmath():
    mp.mp.dps = 50
    for d, p in ((1e8, 1e-3), (-1e8, 1e-3), (3.0, 1e-9)):
        root = mp.sqrt(mp.mpf(d) ** 2 + 4 * mp.mpf(p) ** 2)
        assert float(ln.scalar_u2(d, p)) == pytest.approx(float((d + root) / 2), rel=1e-14)
        assert float(ln.scalar_v2(d, p)) == pytest.approx(float((-d + root) / 2), rel=1e-14)


# ---------------------------------------------------------------------------------------
# min-norm solution, Prop. 14, balanced init, Rayleigh, NTK
# ---------------------------------------------------------------------------------------
def test_min_norm_solution():
    rng = RNG(5)
    X, Y = rng.standard_normal((4, 9)), rng.standard_normal((4, 2))
    th = ln.min_norm_solution(X, Y)
    assert np.allclose(th, X.T @ np.linalg.solve(X @ X.T, Y), rtol=1e-10)
    null = np.linalg.svd(X)[2][4:].T
    other = th + null @ rng.standard_normal((5, 2))
    assert np.allclose(X @ other, X @ th) and np.linalg.norm(other) > np.linalg.norm(th)
    with pytest.raises(ValueError, match="Y"):
        ln.min_norm_solution(X, np.ones((3, 2)))
    with pytest.raises(TypeError, match="X"):
        ln.min_norm_solution("X", Y)


def test_prop14_block_sympy():
    a, b, s = sp.symbols("a b s", positive=True)
    S = a + b
    R = sp.sqrt(S**2 + 4 * s**2)
    u = sp.Matrix([sp.sqrt(a * (R + S) / (2 * S)), sp.sqrt(b * (R - S) / (2 * S))])
    v = sp.Matrix([sp.sqrt(a * (R - S) / (2 * S)), sp.sqrt(b * (R + S) / (2 * S))])
    M = u * u.T - v * v.T
    assert sp.simplify(M[0, 0] - a) == 0 and sp.simplify(M[1, 1] + b) == 0
    assert sp.simplify(sp.expand(M[0, 1] ** 2)) == 0
    assert sp.simplify(sp.expand((u.T * v)[0] ** 2) - s**2) == 0


def test_prop14_block_mpmath_small_s():
    """R - S cancels when s << a + b; the code uses 4 s^2 / (R + S)."""
    mp.mp.dps = 60
    a, b, s = 2.0, 3.0, 1e-9
    u, v = ln._block(a, b, s)
    S = mp.mpf(a) + b
    R = mp.sqrt(S**2 + 4 * mp.mpf(s) ** 2)
    assert v[0] == pytest.approx(float(mp.sqrt(a * (R - S) / (2 * S))), rel=1e-13)
    assert u[1] == pytest.approx(float(mp.sqrt(b * (R - S) / (2 * S))), rel=1e-13)
    assert float(u @ v) == pytest.approx(s, rel=1e-12)


@pytest.mark.parametrize("r,m,h", [(3, 1, 4), (4, 2, 7), (5, 3, 9), (2, 3, 6)])
def test_prop14_construction(r, m, h):
    rng = RNG(r * 10 + m)
    pos = np.sort(rng.exponential(1.0, r))[::-1]
    neg = np.sort(rng.exponential(1.0, m))[::-1]
    sing = np.sort(rng.exponential(1.0, min(r, m)))[::-1]
    U, V = ln.prop14_construction(pos, neg, sing, r, m, h)
    assert U.shape == (r, h) and V.shape == (m, h)
    spec = np.sort(np.linalg.eigvalsh(U.T @ U - V.T @ V))
    assert np.allclose(spec, np.sort(np.concatenate([pos, -neg, np.zeros(h - r - m)])), atol=1e-12)
    assert np.allclose(np.linalg.svd(U @ V.T, compute_uv=False), sing, rtol=1e-12)
    value = 2 * (np.linalg.eigvalsh(U @ U.T)[0] + np.linalg.eigvalsh(V @ V.T)[0])
    formula = ln.prop14_formula(pos, neg, sing, r, m)
    assert value == pytest.approx(formula, rel=1e-11)
    # the formula is the Prop. 1 bound at this state (Sigma_x = I)
    assert ln.rate_lower_bound(U.T @ U - V.T @ V, U @ V.T, r, m, 1.0) == pytest.approx(formula, rel=1e-10)
    Un, Vn = ln.prop14_construction(pos, neg, sing, r, m, h, pairing="natural")
    natural = 2 * (np.linalg.eigvalsh(Un @ Un.T)[0] + np.linalg.eigvalsh(Vn @ Vn.T)[0])
    assert natural >= formula * (1 - 1e-12)
    if min(r, m) >= 2:
        assert natural > formula * (1 + 1e-6)


def test_prop14_validation():
    with pytest.raises(ValueError, match="r and m"):
        ln.prop14_construction([1, 1], [1, 1], [1, 1], 2, 2, 4)
    with pytest.raises(ValueError, match="h"):
        ln.prop14_construction([1, 1, 1], [1], [1], 3, 1, 3)
    with pytest.raises(ValueError, match="pos_eigs"):
        ln.prop14_construction([1, -1, 1], [1], [1], 3, 1, 4)
    with pytest.raises(ValueError, match="pairing"):
        ln.prop14_construction([1, 1, 1], [1], [1], 3, 1, 4, pairing="other")


def test_balanced_init():
    rng = RNG(6)
    X = rng.standard_normal((4, 7))
    Phi1 = np.linalg.svd(X)[2][:4].T
    Theta0 = rng.standard_normal((7, 2))
    Q = np.linalg.qr(rng.standard_normal((9, 2)))[0]
    U, V = ln.balanced_init(Theta0, Phi1, Q)
    assert np.allclose(U @ V.T, Theta0, atol=1e-12)
    U1 = Phi1.T @ U
    assert np.allclose(U1.T @ U1 - V.T @ V, 0, atol=1e-12)
    with pytest.raises(ValueError, match="Q"):
        ln.balanced_init(Theta0, Phi1, 2 * Q)
    with pytest.raises(ValueError, match="positive definite"):
        ln.balanced_init(np.outer(np.ones(7), [1.0, 1.0]), Phi1, Q)
    with pytest.raises(ValueError, match="Phi1"):
        ln.balanced_init(Theta0, Phi1[:5], Q)


def test_rayleigh_operator_applies_T():
    rng = RNG(7)
    U, V, E = rng.standard_normal((3, 5)), rng.standard_normal((2, 5)), rng.standard_normal((3, 2))
    K = ln.rayleigh_operator(U, V)
    TE = U @ U.T @ E + E @ V @ V.T
    assert np.allclose(K @ E.reshape(-1, order="F"), TE.reshape(-1, order="F"), rtol=1e-13)
    assert ln.rayleigh_quotient(U, V, E) == pytest.approx(2 * np.sum(E * TE) / np.sum(E * E), rel=1e-13)
    with pytest.raises(ValueError, match="E"):
        ln.rayleigh_quotient(U, V, np.zeros((3, 2)))


def test_ntk_vector_field_taylor():
    """-dL~/dU~ of L~ = 1/2 ||Y - h^{-2a} X U~ V~^T||^2: Taylor remainder of slope 2."""
    rng = RNG(8)
    X, Y = rng.standard_normal((4, 6)), rng.standard_normal((4, 2))
    h, a = 7, 0.4
    Ut, Vt = rng.standard_normal((6, h)), rng.standard_normal((2, h))
    dU, dV = rng.standard_normal(Ut.shape), rng.standard_normal(Vt.shape)

    def L(U, V):
        R = Y - h ** (-2 * a) * X @ U @ V.T
        return 0.5 * np.sum(R * R)

    fU, fV = ln.ntk_vector_field(X, Y, Ut, Vt, a, speed_power=0.0)  # speed 1: minus the gradient
    lin = -(np.sum(fU * dU) + np.sum(fV * dV))
    eps = np.array([1e-1, 5e-2, 2.5e-2, 1.25e-2])
    rem = [abs(L(Ut + e * dU, Vt + e * dV) - L(Ut, Vt) - e * lin) for e in eps]
    slope = np.polyfit(np.log(eps), np.log(rem), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.1)
    gU2, _ = ln.ntk_vector_field(X, Y, Ut, Vt, a)
    assert np.allclose(gU2, h ** (2 * a) * fU, rtol=1e-13)


# ---------------------------------------------------------------------------------------
# Lemma 11, Thm 12, Prop. 9
# ---------------------------------------------------------------------------------------
def test_t_delta_values_and_thresholds():
    lg = np.log(20.0)
    assert ln.t_delta_value(0.1, "printed") == pytest.approx(0.5 * lg)
    assert ln.t_delta_value(0.1, "sqrt") == pytest.approx(np.sqrt(lg))
    assert ln.t_delta_value(0.1) == pytest.approx(np.sqrt(2 * lg))
    # card: h0' ~ 439 (printed) and ~ 613 (sqrt2) for m + n = 14, delta = 0.1
    assert ln.lemma11_bounds(2, 12, 6, 500, 0.5, 0.1, "printed")["h0_prime"] == pytest.approx(439, abs=1)
    b = ln.lemma11_bounds(2, 12, 6, 500, 0.5, 0.1)
    assert b["h0_prime"] == pytest.approx(613, abs=1) and not b["above_threshold"]
    assert b["imbalance_lower"] == 1.0 and b["prob"] == pytest.approx(0.9)
    # printed t_delta >= sqrt(log(2/delta)) only for delta <= 2 e^{-4}
    assert ln.t_delta_value(2 * np.exp(-4) * 0.99, "printed") >= ln.t_delta_value(2 * np.exp(-4) * 0.99, "sqrt")
    assert ln.t_delta_value(0.1, "printed") < ln.t_delta_value(0.1, "sqrt")
    with pytest.raises(ValueError, match="t_delta"):
        ln.t_delta_value(0.1, "other")
    with pytest.raises(ValueError, match="delta"):
        ln.t_delta_value(1.0)
    with pytest.raises(ValueError, match="alpha"):
        ln.lemma11_bounds(2, 12, 6, 500, 0.25, 0.1)


def test_thm12_closed_forms():
    assert ln.thm12_C(4.0, 2.0, 3.0) == pytest.approx(np.exp(1 + 2 * 3 / 2))
    # corrected and printed thresholds coincide when Sigma_x = I
    assert ln.thm12_threshold(1, 60, 0.1, 1.0, 1.0, 0.5) == ln.thm12_threshold(1, 60, 0.1, 1.0, 1.0, 0.5,
                                                                                corrected=False)
    dev2 = (np.sqrt(61) + ln.t_delta_value(0.1)) ** 2
    assert ln.thm12_threshold(1, 60, 0.1, 2.0, 0.25, 0.5) == pytest.approx(4 * 64 * dev2)  # (l1/lr)^2 = 64
    assert ln.thm12_threshold(1, 60, 0.1, 2.0, 0.25, 0.5, corrected=False) == pytest.approx(4 * 128 * dev2)
    assert ln.thm12_threshold(1, 60, 0.1, 1.0, 1.0, 0.375) == pytest.approx((16 * dev2) ** 2)
    b1 = ln.thm12_bound(1, 60, 20, 100, 0.5, 0.1, 2.0, 0.2, 0.5)
    b4 = ln.thm12_bound(1, 60, 20, 400, 0.5, 0.1, 2.0, 0.2, 0.5)
    assert b4 == pytest.approx(b1 / 2, rel=1e-12)  # h^{-1/2} at alpha = 1/2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ln.thm12_bound(1, 60, 20, 100, 0.3, 0.1, 2.0, 1e-3, 1e3) == np.inf


def test_prop9_bound_edge_cases():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(ln.prop9_bound(2.0, 1.0, 1.0, 1.0, 0.0)) == np.inf  # printed lambda_n = 0
        assert float(ln.prop9_bound(2.0, 1.0, 1.0, 1.0, 1.0, k_exp=0.0)) == 2.0
    assert float(ln.prop9_bound(2.0, 1.0, 2.0, 4.0, 1.0)) == pytest.approx(2.0 * np.exp(4.0))


# ---------------------------------------------------------------------------------------
# judges on hand-made evidence
# ---------------------------------------------------------------------------------------
def test_by_constant_selects_part():
    ev = {"right": {"measured": np.array([1e-12])}, "left": {"measured": np.array([0.5])}}
    assert ln.imbalance_conserved.judge(ev).holds
    assert ln.imbalance_conserved.false_variant.judge(ev).fails


def test_lemma11_judge_skips_cells_below_threshold():
    inputs = {"h": 100, "alpha": 0.5, "m": 2, "n": 12, "r": 6, "delta": 0.1, "prob": 0.9}
    cell = {k: {"measured": np.zeros(10), "inputs": inputs} for k in ("imbalance", "orthogonality", "product")}
    v = ln.lemma11.judge({"cells": [cell]})
    assert v.outcome is Outcome.INCONCLUSIVE


def test_envelope_judge_on_hand_made_evidence():
    t = np.linspace(0, 2, 5)
    ev = {"measured": np.exp(-1.2 * t), "inputs": {"t": t, "L0": 1.0, "lam_r": 1.0, "c0": 1.0}}
    assert ln.thm3.judge(ev).holds
    assert ln.thm3.false_variant.judge(ev).fails  # exp(-1.5 t) < exp(-1.2 t)
