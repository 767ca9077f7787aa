"""theorems.lora_dynamics: closed forms against sympy, ODE solutions, mpmath and the simulator;
claim wiring and judges on hand-made evidence; input validation."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm

import theorems
from numerics import lora
from numerics.flow import integrate
from theorems import Outcome, Status
from theorems import lora_dynamics as ld


def _state(rng, m, n, h, r, s=0.5):
    return (s * rng.standard_normal((r, n)), s * rng.standard_normal((h, r)),
            s * rng.standard_normal((r, h)), s * rng.standard_normal((m, r)))


# -- registry ----------------------------------------------------------------------------------


def test_claims_match_the_card():
    want = {
        "gf_equations": Status.CORRECTED, "imbalance_conserved": Status.CORRECTED, "decomposition": Status.AS_PRINTED,
        "claim3_1": Status.CORRECTED, "thm3_1": Status.AS_PRINTED, "claim3_2": Status.AS_PRINTED,
        "thm3_2": Status.AS_PRINTED, "lemmaC1": Status.CORRECTED, "lemmaC5": Status.AS_PRINTED,
        "lemmaA6": Status.AS_PRINTED, "spectral_init_diagonal": Status.CORRECTED, "thm4_1_growth": Status.CORRECTED,
        "thm4_1_local": Status.CORRECTED, "thmG1": Status.CORRECTED, "top_vs_bottom": Status.AS_PRINTED,
    }
    got = {c.id.split(".", 1)[1]: c.status for c in ld.CLAIMS}
    assert got == want
    for c in ld.CLAIMS:
        assert theorems.get(c.id) is c and c.false_variant is not None and c.where
        assert (c.printed is not None) == (c.status is Status.CORRECTED)
    assert ld.claim3_2.uncertain


# -- vector field --------------------------------------------------------------------------------


def test_lora_grads_and_z_dynamics_match_the_simulator():
    P = lora.make_problem(2, m=5, n=4, h=6)
    st = _state(np.random.default_rng(0), 5, 4, 6, 3)
    th = ld.lora_grads(P.W1, P.W2, *st, P.Y_ft)
    sim = lora.vector_field(P.W1, P.W2, P.Y_ft, *st)
    for a, b in zip(th, sim):
        assert np.allclose(a, b, rtol=1e-13, atol=1e-13)
    dZ1, dZ2 = ld.z_dynamics(P.W1, P.W2, *st, P.Y_ft)
    assert np.allclose(dZ1, np.vstack([th[1], th[0].T])) and np.allclose(dZ2, np.vstack([th[3], th[2].T]))
    # the printed Z2 equation is undefined for m != n
    assert np.all(np.isnan(ld.z_dynamics(P.W1, P.W2, *st, P.Y_ft, z2_acts_on="Z1")[1]))


def test_decomposition_identities():
    P = lora.make_problem(1, m=6, n=5, h=9)
    q = P.rank_one()
    # W2^T dY = sigma sigma_W2 g v^T and dY W1^T = sigma sigma_W1 u g^T (why eq. 7 is exact)
    assert np.allclose(P.W2.T @ P.dY, q["sig"] * q["sW2"] * np.outer(q["g"], q["v"]))
    assert np.allclose(P.dY @ P.W1.T, q["sig"] * q["sW1"] * np.outer(q["u"], q["g"]))
    st = _state(np.random.default_rng(1), 6, 5, 9, 2)
    th = ld._decomp_theory(P.W1, P.W2, *st, P.dY, q["sig"], q["sW1"], q["sW2"], q["u"], q["v"], q["g"])
    dZ1, dZ2 = ld.z_dynamics(P.W1, P.W2, *st, P.Y_ft)
    assert np.allclose(th, np.concatenate([dZ1.ravel(), dZ2.ravel()]), rtol=1e-12, atol=1e-12)
    D1, D2 = ld.D1_D2(P.W1, P.W2, *st, P.dY)
    assert D1.shape == (9, 5) and D2.shape == (6, 9)
    z = (st[0], np.zeros((9, 2)), st[2], np.zeros((6, 2)))  # LoRA init: B = 0 gives F = 0, D = 0
    assert not np.any(ld.D1_D2(P.W1, P.W2, *z, P.dY)[0])


# -- Claim 3.1 closed form -------------------------------------------------------------------------


def _unit(rng, k):
    x = rng.standard_normal(k)
    return x / np.linalg.norm(x)


def test_linearized_Z1_against_expm_and_ode():
    rng = np.random.default_rng(2)
    h, n, r, k = 7, 5, 3, 2.3
    g, v = _unit(rng, h), _unit(rng, n)
    Z0 = rng.standard_normal((h + n, r))
    H1 = ld._hblock(g, v)
    t = np.array([0.0, 0.3, 0.7, 1.5])
    closed = ld.linearized_Z1(t, Z0, g, v, k)
    assert closed.shape == (4, h + n, r)
    # both round-off accurate: a few ulps of the largest entry (e^{kt} <= 32 here)
    assert np.max(np.abs(closed - [expm(k * ti * H1) @ Z0 for ti in t])) < 1e-12 * np.max(np.abs(closed))
    ode = integrate(lambda _t, z: (k * H1 @ z.reshape(h + n, r)).ravel(), Z0, t, rtol=1e-12, atol=1e-14)
    assert np.allclose(ode.y.reshape(4, h + n, r), closed, rtol=1e-9, atol=1e-10)  # 100 x rtol
    # the card's counterexample: printed form off by O(1) at t = 0.7
    assert np.max(np.abs(ld.linearized_Z1(0.7, Z0, g, v, k, normalized=False, null_part=False)
                         - expm(k * 0.7 * H1) @ Z0)) > 1.0


def test_linearized_Z1_solves_the_ode_symbolically():
    """Substitute the closed form into dZ/dt = k H1 Z with sympy and simplify to zero."""
    tt, kk = sp.symbols("t k", positive=True)
    g = sp.Matrix([sp.Rational(3, 5), sp.Rational(4, 5), 0])
    v = sp.Matrix([sp.Rational(5, 13), sp.Rational(12, 13)])
    Z0 = sp.Matrix(5, 2, sp.symbols("z0:10"))
    gam = sp.Matrix.vstack(g, v) / sp.sqrt(2)
    gbar = sp.Matrix.vstack(g, -v) / sp.sqrt(2)
    H1 = sp.zeros(5, 5)
    H1[:3, 3:] = g * v.T
    H1[3:, :3] = v * g.T
    assert sp.simplify(H1 - (gam * gam.T - gbar * gbar.T)) == sp.zeros(5, 5)
    Z = (sp.exp(kk * tt) * gam * gam.T + sp.exp(-kk * tt) * gbar * gbar.T
         + (sp.eye(5) - gam * gam.T - gbar * gbar.T)) * Z0
    assert sp.simplify(Z.diff(tt) - kk * H1 * Z) == sp.zeros(5, 2)
    assert sp.simplify(Z.subs(tt, 0) - Z0) == sp.zeros(5, 2)


# -- per-mode system ---------------------------------------------------------------------------------


def test_mode_identities_symbolically():
    a, b, c, d = ld.a, ld.b, ld.c, ld.d
    rhs = ld.MODE_RHS
    # DERIVED: d/dt (a + b) = (s2 + dc) e (a + b); d/dt (c + d) = (s1 + ba) e (c + d)
    assert sp.simplify(rhs[0] + rhs[1] - (ld.s2 + d * c) * ld.MODE_E * (a + b)) == 0
    assert sp.simplify(rhs[2] + rhs[3] - (ld.s1 + b * a) * ld.MODE_E * (c + d)) == 0
    # a^2 - b^2 and c^2 - d^2 are conserved
    assert sp.simplify(2 * a * rhs[0] - 2 * b * rhs[1]) == 0
    assert sp.simplify(2 * c * rhs[2] - 2 * d * rhs[3]) == 0
    # d/dt log (a+b)^2 = LOGRATE_P1 at kappa = 1
    assert sp.simplify(2 * (rhs[0] + rhs[1]) / (a + b) - ld.LOGRATE_P1.subs(ld.kappa, 1)) == 0
    # the per-mode system is the gradient flow of ell = (y - F)^2 / 2
    ell = ld.MODE_E ** 2 / 2
    for i, x in enumerate((a, b, c, d)):
        assert sp.simplify(rhs[i] + sp.diff(ell, x)) == 0


def test_mode_rhs_matches_sympy_and_simulator():
    f = sp.lambdify((ld.a, ld.b, ld.c, ld.d, ld.s1, ld.s2, ld.y), list(ld.MODE_RHS), "numpy")
    X = np.random.default_rng(3).standard_normal((6, 4))
    th = ld.mode_rhs(X, 0.4, 1.3, 2.2)
    assert np.allclose(th, np.array(f(*X.T, 0.4, 1.3, 2.2)).T, rtol=1e-14)
    assert np.allclose(th, lora.mode_rhs(X, 0.4, 1.3, 2.2), rtol=1e-14)


def test_T1_and_envelope_against_mpmath():
    mp.mp.dps = 40
    y_, s1_, s2_, z = 3.0, 0.8, 1.6, 1e-7
    dw = mp.mpf(s1_) / s2_
    main = 2 / ((3 + dw) * y_ * s2_) * mp.log(y_ / (16 * mp.mpf(z)))
    appx = 2 / ((3 + dw) * y_ * s2_) * mp.log((1 - dw) * y_ / (8 * s2_ * mp.mpf(z)))
    assert ld.T1_mode(y_, s1_, s2_, z) == pytest.approx(float(main), rel=1e-14)
    assert ld.T1_mode(y_, s1_, s2_, z, version="appendix") == pytest.approx(float(appx), rel=1e-14)
    env = mp.exp(-(1 - dw) * y_ * s2_ * (mp.mpf(5) - 2) / 8) * mp.mpf("0.3")
    assert ld.mode_envelope(5.0, 2.0, 0.3, 0.5, y_, s2_) == pytest.approx(float(env), rel=1e-14)
    assert ld.mode_envelope(2.0, 2.0, 0.3, 0.5, y_, s2_) == pytest.approx(0.3)
    t = np.linspace(2, 4, 5)
    assert ld.mode_envelope(t, 2.0, 0.3, 0.5, y_, s2_).shape == (5,)


def test_envelope_holds_on_one_mode():
    s2_, s1_, y_, a0 = 1.4, 0.9, 2.5, 3e-4
    T1 = ld.T1_mode(y_, s1_, s2_, a0 ** 2)
    t = np.concatenate([[0.0], T1 + np.linspace(0, 60, 400)])
    tr = lora.integrate_mode(s1_, s2_, y_, [a0, 0.0, -2e-4, 0.0], t)
    ell = tr.observables["ell"]
    env = ld.mode_envelope(t[1:], T1, ell[1], s1_ / s2_, y_, s2_)
    mask = ell[1:] >= 1e-22
    assert np.all(ell[1:][mask] <= env[mask] * (1 + 1e-8))


def test_scalar_closed_forms():
    assert ld.thm32_rate(0.25, 5.0, 4.0) == pytest.approx(0.75 * 20 / 32)
    assert ld.end_of_alignment_threshold(0.25, 5.0, 4.0) == pytest.approx(0.75 * 5 / 16)
    ex = ld.claim32_exponents(0.25)
    assert ex["main"]["misalignment"] == pytest.approx(1.25 / 3.25)
    assert ex["appendix"]["misalignment"] == pytest.approx(3.25 / 4.75)
    assert ex["main"]["ratio"] == pytest.approx(3 / 4.75) and ex["appendix"]["ratio"] == pytest.approx(1.5 / 4.75)
    assert ex["weakest"] == {"misalignment": pytest.approx(1.25 / 3.25), "ratio": pytest.approx(1.5 / 4.75)}
    arr = ld.thm32_rate(np.array([0.1, 0.5]), 1.0, 1.0)
    assert arr.shape == (2,)


# -- constructions ---------------------------------------------------------------------------------


def test_pretrained_factors_agree_with_the_simulator():
    rng = np.random.default_rng(4)
    Y = rng.standard_normal((5, 4))
    G = lora.haar_orthogonal(8, rng)
    W1, W2 = ld.pretrained_factors(Y, G, 1.7)
    assert np.allclose(W2 @ W1, Y)
    s1 = np.linalg.svd(W1, compute_uv=False)[:4]
    s2 = np.linalg.svd(W2, compute_uv=False)[:4]
    assert np.allclose(s1 / s2, 1.7 ** -2)
    W1n, W2n = lora.pretrained_factors(Y, G, 1.7)
    assert np.allclose(W1, W1n) and np.allclose(W2, W2n)


def test_spectral_lora_init_matches_the_simulator():
    rng = np.random.default_rng(5)
    s = np.zeros(6)
    s[[0, 2, 5]] = [3.0, 1.0, 0.5]
    P = lora.make_problem_from(rng.standard_normal((6, 6)), s, h=10, scale=1.1, seed=rng)
    th = ld.spectral_lora_init(P.dY, P.G_full, P.U_Y, P.V_Y, 4, 1e-3, 17)
    sim = lora.spectral_init(P, 4, 1e-3, 17)
    for key in ("A1", "B1", "A2", "B2", "G11", "G21", "G12", "G22", "pairing"):
        assert np.allclose(th[key], sim[key]), key
    assert list(th["pairing"]) == [0, 2, 5, 1]
    with pytest.raises(ValueError, match="rank"):
        ld.spectral_lora_init(P.dY, P.G_full, P.U_Y, P.V_Y, 2, 1e-3, 17)
    with pytest.raises(ValueError, match="dY"):
        ld.spectral_lora_init(rng.standard_normal((6, 6)), P.G_full, P.U_Y, P.V_Y, 4, 1e-3, 17)
    with pytest.raises(ValueError, match="rng"):
        ld.spectral_lora_init(P.dY, P.G_full, P.U_Y, P.V_Y, 4, 1e-3, None)


# -- judges on hand-made evidence ----------------------------------------------------------------------


def test_thm31_judge_on_synthetic_plateaus():
    al = np.array([1e-3, 1e-4, 1e-5])

    def ev(p):
        from numerics.fit import loglog_fit
        pl = 2e-2 * al ** p
        return {"instances": [{"measured": pl, "fit": loglog_fit(al, pl * (1 + 1e-3 * np.arange(3))).as_dict(),
                               "inputs": {"alpha": al, "T1_ratio": np.ones(3)}}]}

    assert ld.thm3_1.judge(ev(3.0)).holds and ld.thm3_1.false_variant.judge(ev(3.0)).fails
    assert ld.thm3_1.judge(ev(0.0)).fails and ld.thm3_1.false_variant.judge(ev(0.0)).holds


def test_lemmaC1_derived_c_bound_is_valid_at_random_states():
    """The DERIVED (c) holds at any state and any unit hat gamma _|_ gamma_1 (pure algebra)."""
    P = lora.make_problem(0, m=5, n=4, h=8, scale=1.5)
    q = P.rank_one()
    k = q["sig"] * q["sW2"]
    gam = np.concatenate([q["g"], q["v"]]) / np.sqrt(2)
    gbar = np.concatenate([q["g"], -q["v"]]) / np.sqrt(2)
    rng = np.random.default_rng(6)
    for _ in range(20):
        st = _state(rng, 5, 4, 8, 3, s=rng.uniform(0.01, 1.0))
        dZ1, _ = ld.z_dynamics(P.W1, P.W2, *st, P.Y_ft)
        Z1 = np.vstack([st[1], st[0].T])
        D1, _ = ld.D1_D2(P.W1, P.W2, *st, P.dY)
        x = rng.standard_normal(12)
        x -= (x @ gam) * gam
        hat = x / np.linalg.norm(x)
        norms = np.linalg.norm(Z1, axis=0)
        meas = (gam @ dZ1) / (gam @ Z1) - (hat @ dZ1) / (hat @ Z1)
        bound = ld._c1_c(k, np.linalg.norm(D1, 2), (gam @ Z1) / norms, (hat @ Z1) / norms,
                         (hat @ gbar) * (gbar @ Z1) / (hat @ Z1))
        assert np.all(meas >= bound - 1e-9 * np.abs(bound))


def test_thmG1_printed_form_contradicts_itself():
    inst = {"instances": [{"scope": "orthogonal", "measured": np.zeros(5), "inputs": {"c": 0.0}}]}
    assert ld.thmG1.judge(inst).holds and ld.thmG1.printed.judge(inst).fails


def test_top_vs_bottom_judge():
    ev = {"measured": 7.0, "inputs": {"k_top": 12.0, "k_bottom": 1.3}}
    assert ld.top_vs_bottom.judge(ev).holds and ld.top_vs_bottom.false_variant.judge(ev).fails
    same = {"measured": 1.1, "inputs": {"k_top": 12.0, "k_bottom": 1.3}}
    assert ld.top_vs_bottom.judge(same).outcome is Outcome.FAILS


# -- validation -----------------------------------------------------------------------------------------


def test_validation():
    with pytest.raises(ValueError, match="delta_w"):
        ld.thm32_rate(1.2, 1.0, 1.0)
    with pytest.raises(ValueError, match="sig"):
        ld.thm32_rate(0.5, -1.0, 1.0)
    with pytest.raises(TypeError, match="delta_w"):
        ld.claim32_exponents("half")
    with pytest.raises(ValueError, match="delta_w"):
        ld.T1_mode(1.0, 2.0, 1.0, 1e-6)  # s1 > s2
    with pytest.raises(ValueError, match="version"):
        ld.T1_mode(1.0, 0.5, 1.0, 1e-6, version="other")
    with pytest.raises(ValueError, match="z10"):
        ld.T1_mode(1.0, 0.5, 1.0, 10.0)
    with pytest.raises(ValueError, match="t must be >= T1"):
        ld.mode_envelope(1.0, 2.0, 0.3, 0.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="t"):
        ld.linearized_Z1(-1.0, np.ones((3, 1)), [1.0, 0.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="g must be a unit vector"):
        ld.linearized_Z1(1.0, np.ones((3, 1)), [2.0, 0.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="Z0"):
        ld.linearized_Z1(1.0, np.ones((4, 1)), [1.0, 0.0], [1.0], 1.0)
    P = lora.make_problem(0, m=4, n=3, h=5)
    st = _state(np.random.default_rng(7), 4, 3, 5, 2)
    with pytest.raises(ValueError, match="B2"):
        ld.lora_grads(P.W1, P.W2, st[0], st[1], st[2], st[3][:-1], P.Y_ft)
    with pytest.raises(ValueError, match="Y_ft"):
        ld.lora_grads(P.W1, P.W2, *st, P.Y_ft.T)
    with pytest.raises(ValueError, match="dY"):
        ld.D1_D2(P.W1, P.W2, *st, np.full((4, 3), np.nan))
    with pytest.raises(ValueError, match="G"):
        ld.pretrained_factors(P.Y_pre, np.ones((5, 2)), 1.0)
    with pytest.raises(ValueError, match="z2_acts_on"):
        ld.z_dynamics(P.W1, P.W2, *st, P.Y_ft, z2_acts_on="Z3")
