"""Checks of Min, Tarmoun, Vidal & Mallada (arXiv 2105.06351), card ``linear_networks``.

Every claim test simulates once, builds one evidence mapping and hands it to ``verify``,
which judges the claim, its false variant and (for corrected claims) the printed form on
that same evidence. Trajectories shared by several claims are computed once per test run
(``functools.lru_cache``); all simulations are seeded.
"""
from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy import stats

import numerics.linear_networks as nl
import theorems
from theorems import judges
from numerics.fit import loglog_fit, semilog_fit
from theorems import linear_networks as ln

SLUG = "linear_networks"
C = {c.id.split(".", 1)[1]: c for c in ln.CLAIMS}

# ODE-backed Hypothesis properties are costly: a few examples by default, more under
# --thorough (whose profile raises max_examples to 400).
_THOROUGH_PROFILE = settings.default.max_examples >= 400
FEW = settings(max_examples=40 if _THOROUGH_PROFILE else 4)
SOME = settings(max_examples=100 if _THOROUGH_PROFILE else 15)


def _holds(claim, evidence):
    """A property example: the claim must hold (the false variant need not fail on an
    arbitrary draw, so it is not asserted here)."""
    v = claim.judge(evidence)
    assert v.holds, f"{claim.id}: {v.reason}"


# ---------------------------------------------------------------------------------------
# Shared simulation helpers
# ---------------------------------------------------------------------------------------
def _reduced_setup(X, Y, U0, V0):
    red = nl.reduce(X)
    U1, U2 = nl.split(U0, red)
    return SimpleNamespace(X=X, Y=Y, red=red, Yt=red.W.T @ Y, s=red.sqrt_sig_x, U1_0=U1, U2=U2,
                           V0=V0, r=red.r, m=Y.shape[1], h=U0.shape[1], n=X.shape[1])


def _run_reduced(X, Y, U0, V0, t, **kw):
    """Reduced gradient flow from (U0, V0) sampled at t; adds L~, E, D(0) quantities."""
    p = _reduced_setup(X, Y, U0, V0)
    tr = nl.gf_reduced(p.Yt, p.s, p.U1_0, V0, t, **kw)
    p.t = tr.t
    p.U1 = tr.observables["U1"]
    p.V = tr.observables["V"]
    p.L = nl.excess_loss(p.Yt, p.s, p.U1, p.V)
    p.E_fro = np.sqrt(2 * p.L)
    if p.h <= 40:
        D0 = nl.imbalance(p.U1_0, V0)
        p.spreads0 = ln.imbalance_quantities(D0, p.r, p.m)
        p.c0 = ln.c_rate(D0, p.Yt, float(p.E_fro[0]), p.r, p.m, p.red.lam_1)
    else:  # wide and random (full-rank [V; U_1]): the cheap (m + r) spectrum is accurate
        eig = nl.imbalance_spectrum(p.U1_0, V0)
        p.spreads0 = ln.imbalance_from_spectrum(eig, p.r, p.m, p.h)
        p.c0 = ln.c_rate_spectrum(eig, p.h, p.Yt, float(p.E_fro[0]), p.r, p.m, p.red.lam_1)
    return p


def _balanced_for_target(X, Y, h, kappa, noise, seed):
    """Balanced init (D = 0) with U_1 V^T = Sigma_x^{-1/2} (kappa Y~ + noise)."""
    rng = np.random.default_rng(seed)
    red = nl.reduce(X)
    Yt = red.W.T @ Y
    m = Y.shape[1]
    P = (kappa * Yt + noise * rng.standard_normal(Yt.shape)) / red.sqrt_sig_x[:, None]
    Theta0 = red.Phi1 @ P + red.Phi2 @ rng.standard_normal((red.Phi2.shape[1], m))
    Q = np.linalg.qr(rng.standard_normal((h, m)))[0]
    return ln.balanced_init(Theta0, red.Phi1, Q)


T_GRID = np.linspace(0.0, 20.0, 401)


@functools.lru_cache(maxsize=None)
def _trajectories():
    """The card's default instance and its variants (thm3, cor4, prop1, lemma7)."""
    runs = {}
    specs = {
        "default": dict(seed=0),
        "unbalanced": dict(seed=1, u_scale=1.0, v_scale=0.1),
        "m6_h40": dict(seed=2, m=6, h=40),
        "h8": dict(seed=3, h=8),
        "h4": dict(seed=4, h=4),  # h < r = 6
        "near_tight": dict(seed=5, h=300, u_scale=300 ** -0.5, y_scale=0.05, orthonormal=True),
    }
    for name, kw in specs.items():
        inst = nl.default_instance(**kw)
        runs[name] = _run_reduced(inst.X, inst.Y, inst.U0, inst.V0, T_GRID)
    inst = nl.default_instance(6)
    U0, V0 = _balanced_for_target(inst.X, inst.Y, inst.U0.shape[1], 0.8, 0.02, 6)
    runs["margin"] = _run_reduced(inst.X, inst.Y, U0, V0, T_GRID)
    return runs


def _envelope_evidence(runs, rate_key="c0", floor=1e-10):
    """Concatenate runs for an envelope claim; mask: envelope >= floor * L~(0)."""
    t, L, L0, lam_r, rate, mask, x = [], [], [], [], [], [], []
    for name, p in runs.items():
        rr = p.c0 if rate_key == "c0" else p.spreads0[2]
        mult = 1.0 if rate_key == "c0" else 2.0  # cor4: envelope rate 2 lambda_r Delta
        env = p.L[0] * np.exp(-mult * p.red.lam_r * rr * p.t)
        t.append(p.t), L.append(p.L)
        L0.append(np.full_like(p.t, p.L[0])), lam_r.append(np.full_like(p.t, p.red.lam_r))
        rate.append(np.full_like(p.t, rr)), mask.append(env >= floor * p.L[0])
        x.append(np.array([f"{name}@t={ti:.3g}" for ti in p.t]))
    key = "c0" if rate_key == "c0" else "delta_eff"
    return {"measured": np.concatenate(L), "mask": np.concatenate(mask), "x": np.concatenate(x),
            "inputs": {"t": np.concatenate(t), "L0": np.concatenate(L0),
                       "lam_r": np.concatenate(lam_r), key: np.concatenate(rate)}}


def _curve(label, x, y, role, max_points=300):
    """A figure series with its own x, thinned to at most ``max_points`` points."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    idx = np.unique(np.linspace(0, x.size - 1, min(max_points, x.size)).round().astype(int))
    return {"label": label, "x": x[idx], "y": y[idx], "role": role}


def _envelope_figure(title, runs, rate_key, k_false):
    series = []
    for name, p in runs.items():
        rr = p.c0 if rate_key == "c0" else 2 * p.spreads0[2]
        env = p.L[0] * np.exp(-p.red.lam_r * rr * p.t)
        k = max(int(np.sum(env >= 1e-12 * p.L[0])), 2)  # drawn down to just below the judged range
        t = p.t[:k]
        series.append(_curve(f"{name}: L~(t)", t, np.maximum(p.L[:k], 1e-30), "measured"))
        series.append(_curve(f"{name}: envelope", t, env[:k], "bound"))
        series.append(_curve(f"{name}: false variant (x{k_false})", t,
                             p.L[0] * np.exp(-k_false * p.red.lam_r * rr * t), "false_variant"))
    return {"title": title, "xlabel": "t (gradient-flow time)", "ylabel": "excess loss 1/2 ||E||_F^2",
            "logx": False, "logy": True, "x": series[0]["x"], "series": series,
            "note": "Points where the envelope is below 1e-10 L~(0) (integrator floor) are not judged."}


# ---------------------------------------------------------------------------------------
# scalar_rate
# ---------------------------------------------------------------------------------------
def _scalar_states(rng, k):
    u, v = rng.uniform(-3, 3, k), rng.uniform(-3, 3, k)
    return u, v


def _scalar_evidence(u, v, u0=0.4, v0=-1.3, y=1.7, T=10.0):
    d, p = u * u - v * v, u * v
    # Exact rate: L_s = (y - uv)^2/2, dL_s/dt = -(y - uv)^2 (u^2 + v^2) along the flow.
    measured_rate = 2 * (u * u + v * v)
    t = np.linspace(0, T, 1001)
    inst = nl.Instance(np.ones((1, 1)), np.array([[y]]), np.array([[u0]]), np.array([[v0]]))
    run = _run_reduced(inst.X, inst.Y, inst.U0, inst.V0, t, rtol=1e-12, atol=1e-14)
    uu, vv = run.U1[:, 0, 0], run.V[:, 0, 0]
    Ls = run.L
    d0 = u0 * u0 - v0 * v0
    margin = max(abs(y) - abs(y - u0 * v0), 0.0)
    return {
        "identity": {"measured": measured_rate, "inputs": {"d": d, "uv": p}},
        "u2": {"measured": u * u, "inputs": {"d": d, "uv": p}},
        "v2": {"measured": v * v, "inputs": {"d": d, "uv": p}},
        "conserved": {"measured": np.abs(uu * uu - vv * vv - d0)},
        "envelope": {"measured": Ls, "mask": Ls >= 1e-14 * Ls[0],
                     "inputs": {"t": t, "L0": Ls[0], "d0": d0, "margin": margin}},
    }, (t, Ls, d0, margin)


@pytest.mark.claim("linear_networks.scalar_rate")
def test_scalar_rate(verify):
    seed = 0
    u, v = _scalar_states(np.random.default_rng(seed), 500)
    ev, (t, Ls, d0, margin) = _scalar_evidence(u, v)
    c = float(ln.scalar_rate(d0, margin))
    fig = {"title": "Scalar flow: loss and its envelope exp(-c t)", "xlabel": "t", "ylabel": "L_s(t)",
           "logx": False, "logy": True, "x": t,
           "series": [{"label": "L_s(t) (ODE)", "y": np.maximum(Ls, 1e-30), "role": "measured"},
                      {"label": "exp(-c t) L_s(0)", "y": Ls[0] * np.exp(-c * t), "role": "bound"}]}
    verify(C["scalar_rate"], ev, seed=seed, params={"states": 500, "u0": 0.4, "v0": -1.3, "y": 1.7, "T": 10},
           tolerance="identities 1e-12 relative (float algebra); d drift 1e-10 (DOP853 rtol=1e-12); "
                     "envelope 1e-8 relative while L_s >= 1e-14 L_s(0)", figure=fig)


@given(u=st.floats(-3, 3), v=st.floats(-3, 3))
def test_scalar_rate_property(u, v):
    assume(abs(u * v) > 1e-6 or abs(u * u - v * v) > 1e-6)
    d, p = u * u - v * v, u * v
    assert 2 * (u * u + v * v) == pytest.approx(float(ln.scalar_rate(d, p)), rel=1e-12)
    assert u * u == pytest.approx(float(ln.scalar_u2(d, p)), rel=1e-12, abs=1e-300)
    assert v * v == pytest.approx(float(ln.scalar_v2(d, p)), rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------------------------------
# loss_split
# ---------------------------------------------------------------------------------------
def _loss_split_points(X, Y, rng, k, h=7):
    red = nl.reduce(X)
    L_star = nl.optimal_loss(X, Y, red)
    L, Ef = [], []
    for _ in range(k):
        U = rng.standard_normal((X.shape[1], h)) * rng.uniform(0.1, 1.0)
        V = rng.standard_normal((Y.shape[1], h)) * rng.uniform(0.1, 1.0)
        U1, _ = nl.split(U, red)
        L.append(nl.loss(X, Y, U, V))
        Ef.append(float(np.linalg.norm(nl.error(red.W.T @ Y, red.sqrt_sig_x, U1, V))))
    return np.array(L), np.array(Ef), np.full(k, L_star)


@pytest.mark.claim("linear_networks.loss_split")
def test_loss_split(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    inst = nl.default_instance(seed)  # N = r = 6: L* = 0
    Xd = rng.standard_normal((8, 5)) @ rng.standard_normal((5, 12))  # N = 8, rank 5: L* > 0
    Yd = rng.standard_normal((8, 2))
    parts = [_loss_split_points(inst.X, inst.Y, rng, 50), _loss_split_points(Xd, Yd, rng, 50)]
    L, Ef, Ls = (np.concatenate(a) for a in zip(*parts))
    ev = {"measured": L, "inputs": {"E_fro": Ef, "L_star": Ls}}
    verify(C["loss_split"], ev, seed=seed, params={"instances": ["default (N=r=6)", "N=8, n=12, rank 5"],
                                                   "states": 100},
           tolerance="1e-12 relative per point: round-off of sums of squares")


@SOME
@given(N=st.integers(2, 8), extra=st.integers(1, 6), m=st.integers(1, 4), rank=st.integers(1, 8),
       seed=st.integers(0, 2**31 - 1))
def test_loss_split_property(N, extra, m, rank, seed):
    rng = np.random.default_rng(seed)
    n, r = N + extra, min(rank, N)
    X = rng.standard_normal((N, r)) @ rng.standard_normal((r, n))
    Y = rng.standard_normal((N, m))
    L, Ef, Ls = _loss_split_points(X, Y, rng, 3, h=int(rng.integers(1, 8)))
    _holds(C["loss_split"], {"measured": L, "inputs": {"E_fro": Ef, "L_star": Ls}})


# ---------------------------------------------------------------------------------------
# imbalance_conserved, u2_frozen
# ---------------------------------------------------------------------------------------
def _drift(A):
    """max_t ||A(t) - A(0)||_max / max(1, ||A(0)||_max) per time."""
    return np.max(np.abs(A - A[0]), axis=(-2, -1)) / max(1.0, float(np.max(np.abs(A[0]))))


def _full_run(inst, T=20.0, k=201):
    t = np.linspace(0, T, k)
    tr = nl.gf_full(inst.X, inst.Y, inst.U0, inst.V0, t)
    red = nl.reduce(inst.X)
    U, V = tr.observables["U"], tr.observables["V"]
    U1, U2 = nl.split(U, red)
    return SimpleNamespace(t=t, U=U, V=V, U1=U1, U2=U2, red=red, X=inst.X, Y=inst.Y)


@functools.lru_cache(maxsize=None)
def _default_full_run():
    return _full_run(nl.default_instance(0), T=40.0, k=401)


@pytest.mark.claim("linear_networks.imbalance_conserved")
def test_imbalance_conserved(verify):
    seed = 0
    a = _default_full_run()
    b = _full_run(nl.default_instance(7, N=3, n=8, m=3, h=10), T=5.0)  # r = m = 3
    right = np.concatenate([_drift(nl.imbalance(a.U1, a.V)), _drift(nl.imbalance(b.U1, b.V))])
    left = _drift(b.U1 @ np.swapaxes(b.U1, -1, -2) - b.V @ np.swapaxes(b.V, -1, -2))
    # One GD step of size eta from the same state changes D by O(eta^2): the check can
    # see non-conservation (fitted exponent 2).
    etas = np.array([1e-2, 5e-3, 2.5e-3])
    U10, V0 = a.U1[0], a.V[0]
    Yt, s = a.red.W.T @ a.Y, a.red.sqrt_sig_x
    dU1, dV = nl.reduced_field(Yt, s, U10, V0)
    D0 = nl.imbalance(U10, V0)
    jumps = np.array([np.max(np.abs(nl.imbalance(U10 + e * dU1, V0 + e * dV) - D0)) for e in etas])
    gd_fit = loglog_fit(etas, jumps)
    assert abs(gd_fit.slope - 2.0) < 0.05, f"GD drift of D should scale like eta^2, got {gd_fit.slope}"
    ev = {"right": {"measured": right}, "left": {"measured": left}}
    fig = {"title": "Drift of the imbalance along gradient flow", "xlabel": "t", "ylabel": "relative drift",
           "logx": False, "logy": True, "x": b.t,
           "series": [{"label": "D = U1^T U1 - V^T V (default)", "x": a.t,
                       "y": np.maximum(_drift(nl.imbalance(a.U1, a.V)), 1e-17), "role": "measured"},
                      {"label": "U1 U1^T - V V^T (r = m = 3)", "y": np.maximum(left, 1e-17),
                       "role": "false_variant"}]}
    verify(C["imbalance_conserved"], ev, seed=seed,
           params={"instances": ["default, T=40", "N=3, n=8, m=3, h=10, T=5"], "gd_drift_exponent": gd_fit.slope},
           tolerance="1e-9 relative drift: DOP853 at rtol=1e-11 (measured ~5e-13)", figure=fig)


@FEW
@given(N=st.integers(2, 6), extra=st.integers(1, 6), m=st.integers(1, 4), h=st.integers(1, 30),
       scale=st.floats(0.05, 1.0), seed=st.integers(0, 2**31 - 1))
def test_imbalance_conserved_property(N, extra, m, h, scale, seed):
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m, h=h, u_scale=scale)
    a = _full_run(inst, T=5.0, k=21)
    _holds(C["imbalance_conserved"], {"right": {"measured": _drift(nl.imbalance(a.U1, a.V))}})


@pytest.mark.claim("linear_networks.u2_frozen")
def test_u2_frozen(verify):
    seed = 0
    a = _default_full_run()
    inst = nl.default_instance(seed)
    g = nl.gd_full(inst.X, inst.Y, inst.U0, inst.V0, 1e-2, 1000, record_every=10)
    U1g, U2g = nl.split(g.observables["U"], a.red)
    ev = {"Phi2": {"measured": np.concatenate([_drift(a.U2), _drift(U2g)])},
          "Phi1": {"measured": np.concatenate([_drift(a.U1), _drift(U1g)])}}
    verify(C["u2_frozen"], ev, seed=seed, params={"gf": "default, T=40", "gd": "eta=1e-2, 1000 steps"},
           tolerance="1e-12 relative to max(1, |U(0)|): X Phi_2 = 0, so only round-off moves U_2")


@SOME
@given(N=st.integers(2, 6), extra=st.integers(1, 6), m=st.integers(1, 3), h=st.integers(1, 12),
       eta=st.floats(1e-4, 1e-2), seed=st.integers(0, 2**31 - 1))
def test_u2_frozen_property(N, extra, m, h, eta, seed):
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m, h=h, u_scale=0.3)
    g = nl.gd_full(inst.X, inst.Y, inst.U0, inst.V0, eta, 50, record_every=5)
    _, U2 = nl.split(g.observables["U"], nl.reduce(inst.X))
    _holds(C["u2_frozen"], {"Phi2": {"measured": _drift(U2)}})


# ---------------------------------------------------------------------------------------
# lemma7, lemma8
# ---------------------------------------------------------------------------------------
def _lam_k(A, k):
    """k-th largest eigenvalue of the PSD stack A (..., d, d), 0 when k > rank bound."""
    w = np.linalg.eigvalsh(A)[..., ::-1]
    return w[..., k - 1] if k <= A.shape[-1] else np.zeros(A.shape[:-2])


def _lemma7_points(p, U1, V):
    r, m, h = U1.shape[-2], V.shape[-2], U1.shape[-1]
    T_ = np.swapaxes
    lamU = _lam_k(U1 @ T_(U1, -1, -2), r) if r <= h else np.zeros(U1.shape[:-2])
    lamV = _lam_k(V @ T_(V, -1, -2), m) if m <= h else np.zeros(V.shape[:-2])
    rates = nl.rate(p.Yt, p.s, U1, V)
    k = rates.size
    return rates, np.full(k, p.red.lam_r), np.full(k, p.red.lam_1), np.clip(lamU, 0, None) + np.clip(lamV, 0, None)


def _lemma7_random(rng, k):
    """Random states on X with condition number 10 (Sigma_x spread 100)."""
    out = []
    for _ in range(k):
        N, n, m, h = 4, 8, int(rng.integers(1, 4)), int(rng.integers(1, 9))
        Q1 = np.linalg.qr(rng.standard_normal((N, N)))[0]
        Q2 = np.linalg.qr(rng.standard_normal((n, N)))[0]
        X = Q1 @ np.diag([10.0, 4.0, 2.0, 1.0]) @ Q2.T
        p = _reduced_setup(X, rng.standard_normal((N, m)), rng.standard_normal((n, h)) * rng.uniform(0.1, 1),
                           rng.standard_normal((m, h)) * rng.uniform(0.1, 1))
        out.append(_lemma7_points(p, p.U1_0[None], p.V0[None]))
    return out


@pytest.mark.claim("linear_networks.lemma7")
def test_lemma7(verify):
    seed = 0
    pts = _lemma7_random(np.random.default_rng(seed), 200)
    runs = _trajectories()
    for name in ("default", "unbalanced", "m6_h40", "h4"):
        p = runs[name]
        keep = p.L > 1e-12 * p.L[0]
        pts.append(_lemma7_points(p, p.U1[keep], p.V[keep]))
    rates, lr, l1, gs = (np.concatenate(a) for a in zip(*pts))
    ev = {"measured": rates, "inputs": {"lam_sig_r": lr, "lam_sig_1": l1, "gram_sum": gs}}
    verify(C["lemma7"], ev, seed=seed, params={"random_states": 200, "cond(X)": 10,
                                                "trajectories": ["default", "unbalanced", "m6_h40", "h4"]},
           tolerance="rate >= bound (1 - 1e-10) - 1e-12: round-off of the analytic rate")


@SOME
@given(r=st.integers(1, 4), m=st.integers(1, 4), h=st.integers(1, 8), seed=st.integers(0, 2**31 - 1))
def test_lemma7_property(r, m, h, seed):
    rng = np.random.default_rng(seed)
    sig = rng.uniform(0.1, 10, r)
    U1, V, E = rng.standard_normal((r, h)), rng.standard_normal((m, h)), rng.standard_normal((r, m))
    s = np.sqrt(sig)
    p = SimpleNamespace(Yt=s[:, None] * (U1 @ V.T) + E, s=s, red=SimpleNamespace(lam_r=sig.min(), lam_1=sig.max()))
    rates, lr, l1, gs = _lemma7_points(p, U1[None], V[None])
    _holds(C["lemma7"], {"measured": rates, "inputs": {"lam_sig_r": lr, "lam_sig_1": l1, "gram_sum": gs}})


def _lemma8_draws(rng, k):
    """Random (A, B) with A: r x h, B: h x m; entry scales log-uniform in [1e-2, 10];
    30% with aligned row space of A and column space of B."""
    out = {"lhs": [], "lam_bar": [], "lam_under": [], "sigma_m": [], "neg": [], "m": []}
    shapes = [(r, m, h) for r in range(1, 6) for m in range(1, 6) for h in range(min(r, m), 12)]
    idx = rng.integers(0, len(shapes), k)
    for j in np.unique(idx):
        r, m, h = shapes[j]
        c = int(np.sum(idx == j))
        A = rng.standard_normal((c, r, h)) * 10 ** rng.uniform(-2, 1, (c, 1, 1))
        B = rng.standard_normal((c, h, m)) * 10 ** rng.uniform(-2, 1, (c, 1, 1))
        aligned = rng.random(c) < 0.3
        if aligned.any():  # shared orthonormal basis P: row space of A = column space of B
            ka = int(aligned.sum())
            P = np.linalg.qr(rng.standard_normal((ka, h, h)))[0]
            A[aligned] = rng.standard_normal((ka, r, h)) * 10 ** rng.uniform(-2, 1, (ka, 1, 1)) @ np.swapaxes(P, -1, -2)
            B[aligned] = P @ (rng.standard_normal((ka, h, m)) * 10 ** rng.uniform(-2, 1, (ka, 1, 1)))
        At = np.swapaxes(A, -1, -2)
        Bt = np.swapaxes(B, -1, -2)
        D = At @ A - B @ Bt
        lam = np.linalg.eigvalsh(D)[..., ::-1]
        neg_desc = -lam[..., ::-1]
        lam_bar = np.clip(lam[..., 0], 0, None)
        lam_under = np.clip(neg_desc[..., m - 1], 0, None) if m <= h else np.zeros(c)
        sv = np.linalg.svd(A @ B, compute_uv=False)
        sig_m = sv[..., m - 1] if m <= min(r, m) else np.zeros(c)
        lhs = np.linalg.eigvalsh(Bt @ B)[..., 0]
        normD = np.max(np.abs(lam), axis=-1)
        out["lhs"].append(lhs), out["lam_bar"].append(lam_bar), out["lam_under"].append(lam_under)
        out["sigma_m"].append(sig_m), out["m"].append(np.full(c, m))
        out["neg"].append(np.sum(lam < -1e-9 * normD[:, None], axis=-1))
    return {k_: np.concatenate(v) for k_, v in out.items()}


def _lemma8_evidence(dr):
    return {"bound": {"measured": dr["lhs"], "inputs": {k: dr[k] for k in ("lam_bar", "lam_under", "sigma_m")}},
            "neg_count": {"measured": dr["neg"], "inputs": {"m": dr["m"]}}}


@pytest.mark.claim("linear_networks.lemma8")
def test_lemma8(verify, thorough):
    seed = 0
    k = 20000 if thorough else 5000
    dr = _lemma8_draws(np.random.default_rng(seed), k)
    verify(C["lemma8"], _lemma8_evidence(dr), seed=seed,
           params={"draws": k, "r,m": "1..5", "h": "min(r,m)..11", "aligned": 0.3},
           scale="full" if thorough else "reduced: 5000 of the card's 20000 draws (all under --thorough)",
           tolerance="lhs >= rhs (1 - 1e-9) - 1e-9: eigvalsh/svd round-off (card: -1e-9 max(1, |rhs|))")


@SOME
@given(seed=st.integers(0, 2**31 - 1))
def test_lemma8_property(seed):
    _holds(C["lemma8"], _lemma8_evidence(_lemma8_draws(np.random.default_rng(seed), 20)))


# ---------------------------------------------------------------------------------------
# prop1, rayleigh, prop14
# ---------------------------------------------------------------------------------------
def _prop1_inputs(D, P, r, m, lam_r):
    dp, dm, de = ln.imbalance_quantities(D, r, m)
    sv = np.linalg.svd(P, compute_uv=False)
    sm = sv[m - 1] if m <= sv.size else 0.0
    sr = sv[r - 1] if r <= sv.size else 0.0
    return dict(lam_r=lam_r, delta_plus=dp, delta_minus=dm, delta_eff=de, sigma_m=sm, sigma_r=sr)


def _stack_inputs(rows):
    return {k: np.array([r_[k] for r_ in rows]) for k in rows[0]}


def _random_spectrum(rng, r, m, zero_r=False):
    pos = np.sort(rng.exponential(1.0, r))[::-1]
    if zero_r:
        pos[-1] = 0.0
    neg = np.sort(rng.exponential(1.0, m))[::-1]
    sing = np.sort(rng.exponential(1.0, min(r, m)))[::-1]
    return pos, neg, sing


def _rotate(rng, U, V):
    r, h = U.shape
    m = V.shape[0]
    Or, Om, Oh = (np.linalg.qr(rng.standard_normal((k, k)))[0] for k in (r, m, h))
    return Or @ U @ Oh, Om @ V @ Oh


def _sharp_state(rng, eps=1e-3):
    m = int(rng.integers(1, 4))
    r = m + int(rng.integers(1, 4))
    h = r + m + int(rng.integers(0, 4))
    pos, neg, sing = _random_spectrum(rng, r, m, zero_r=rng.random() < 0.2)
    U, V = _rotate(rng, *ln.prop14_construction(pos, neg, sing, r, m, h))
    p = np.linalg.eigh(U @ U.T)[1][:, 0]
    q = np.linalg.eigh(V @ V.T)[1][:, 0]
    Yt = U @ V.T + eps * np.outer(p, q)
    rate = float(nl.rate(Yt, np.ones(r), U, V))
    return rate, _prop1_inputs(U.T @ U - V.T @ V, U @ V.T, r, m, 1.0)


def _rank_one_state(rng):
    h = int(rng.integers(1, 7))
    u, v = rng.standard_normal((1, h)), rng.standard_normal((1, h))
    Yt = u @ v.T + rng.standard_normal((1, 1))
    exact = 2 * float(np.sum(u * u) + np.sum(v * v))
    assert float(nl.rate(Yt, np.ones(1), u, v)) == pytest.approx(exact, rel=1e-12)
    return exact, _prop1_inputs(u.T @ u - v.T @ v, u @ v.T, 1, 1, 1.0)


def _prop1_traj_points(p, stride=1):
    keep = np.flatnonzero(p.L >= 1e-12 * p.L[0])[::stride]
    rates = nl.rate(p.Yt, p.s, p.U1[keep], p.V[keep])
    rows = [_prop1_inputs(nl.imbalance(p.U1[i], p.V[i]), p.U1[i] @ p.V[i].T, p.r, p.m, p.red.lam_r)
            for i in keep]
    return rates, rows


@pytest.mark.claim("linear_networks.prop1")
def test_prop1(verify, thorough):
    seed = 0
    rng = np.random.default_rng(seed)
    runs = _trajectories()
    rates, rows, fig_series = [], [], []
    for name in ("default", "unbalanced", "m6_h40", "h4"):
        rt, rw = _prop1_traj_points(runs[name])
        rates.append(rt), rows.extend(rw)
        if name == "default":
            bnd = C["prop1"].theory(**_stack_inputs(rw))
            fig_series = [{"label": "rate -dL~/dt / L~ (analytic)", "y": rt, "role": "measured"},
                          {"label": "Prop. 1 bound", "y": bnd, "role": "bound"},
                          {"label": "without -Delta_pm terms",
                           "y": C["prop1"].false_variant.theory(**_stack_inputs(rw)), "role": "false_variant"}]
            fig_x = runs[name].t[np.flatnonzero(runs[name].L >= 1e-12 * runs[name].L[0])]
    k = 2000 if thorough else 300
    sharp = [_sharp_state(rng) for _ in range(k)]
    ones = [_rank_one_state(rng) for _ in range(200)]
    ev = {"trajectories": {"measured": np.concatenate(rates), "inputs": _stack_inputs(rows)},
          "sharp": {"measured": np.array([a for a, _ in sharp]), "inputs": _stack_inputs([b for _, b in sharp])},
          "rank_one": {"measured": np.array([a for a, _ in ones]), "inputs": _stack_inputs([b for _, b in ones])}}
    fig = {"title": "Instantaneous rate vs the Prop. 1 bound (default instance)", "xlabel": "t",
           "ylabel": "rate", "logx": False, "logy": False, "x": fig_x, "series": fig_series}
    verify(C["prop1"], ev, seed=seed, figure=fig,
           params={"trajectories": ["default", "unbalanced", "m6_h40", "h4 (h<r)"], "sharp_draws": k,
                   "rank_one_draws": 200},
           scale="full" if thorough else "reduced: 300 of the card's 2000 sharp draws (all under --thorough)",
           tolerance="trajectories: rate >= bound (1 - 1e-9); sharp: 1e-10 relative; rank one: 1e-12 relative")
    # The card's second negative control: the bound times 1.01 must fail on the rank-one states.
    assert C["prop1"].variant(constants={"factor": 1.01}).judge(ev).fails


@SOME
@given(r=st.integers(1, 4), m=st.integers(1, 4), extra=st.integers(0, 6), seed=st.integers(0, 2**31 - 1))
def test_prop1_property(r, m, extra, seed):
    rng = np.random.default_rng(seed)
    h = min(r, m) + extra
    sig = rng.uniform(0.2, 5, r)
    s = np.sqrt(sig)
    U1, V = rng.standard_normal((r, h)), rng.standard_normal((m, h))
    Yt = rng.standard_normal((r, m))
    rate = nl.rate(Yt, s, U1, V)
    row = _prop1_inputs(nl.imbalance(U1, V), U1 @ V.T, r, m, sig.min())
    # Pointwise part of the claim (the sharp and rank-one parts need constructed states).
    v = judges.part("trajectories", judges.lower_bound(1e-9))(
        C["prop1"], {"trajectories": {"measured": np.atleast_1d(rate), "inputs": _stack_inputs([row])}})
    assert v.holds, v.reason


def _rayleigh_evidence(rng, k):
    """Random states scaled so that ||T_{U,V}|| = 1 (the identities are homogeneous), which
    makes the 1e-13 absolute floor of the judge a relative one."""
    spec, spec_U, spec_V, mins, rates, states = [], [], [], [], [], []
    for _ in range(k):
        r, m, h = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 7))
        U, V, E = rng.standard_normal((r, h)), rng.standard_normal((m, h)), rng.standard_normal((r, m))
        c = np.sqrt(np.linalg.norm(U, 2) ** 2 + np.linalg.norm(V, 2) ** 2)
        U, V = U / c, V / c
        w = np.linalg.eigvalsh(ln.rayleigh_operator(U, V))
        lu, lv = np.linalg.eigvalsh(U @ U.T), np.linalg.eigvalsh(V @ V.T)
        spec.append(w), spec_U.append(lu), spec_V.append(lv), mins.append(w[0])
        rates.append(float(nl.rate(U @ V.T + E, np.ones(r), U, V))), states.append((U, V, E))
    return {"spectrum": {"measured": np.concatenate(spec), "inputs": {"lam_UU": spec_U, "lam_VV": spec_V}},
            "min": {"measured": np.array(mins), "inputs": {"lam_UU": spec_U, "lam_VV": spec_V}},
            "rate": {"measured": np.array(rates), "inputs": {"states": states}}}


@pytest.mark.claim("linear_networks.rayleigh")
def test_rayleigh(verify):
    seed = 0
    verify(C["rayleigh"], _rayleigh_evidence(np.random.default_rng(seed), 200), seed=seed,
           params={"states": 200, "r,m": "1..4", "h": "1..6"},
           tolerance="1e-12 relative: eigenvalues of symmetric matrices of size <= 16")


@SOME
@given(seed=st.integers(0, 2**31 - 1))
def test_rayleigh_property(seed):
    _holds(C["rayleigh"], _rayleigh_evidence(np.random.default_rng(seed), 3))


def _prop14_draw(rng, pairing_values=("reverse", "natural")):
    m = int(rng.integers(1, 4))
    r = m + int(rng.integers(1, 4))
    h = r + m + int(rng.integers(0, 4))
    pos, neg, sing = _random_spectrum(rng, r, m, zero_r=rng.random() < 0.2)
    target = np.sort(np.concatenate([pos, -neg, np.zeros(h - r - m)]))
    dp, dm, de = ln.imbalance_from_spectrum(np.concatenate([pos, -neg]), r, m, h)
    inputs = dict(delta_plus=dp, delta_minus=dm, delta_eff=de, sigma_m=sing[m - 1], sigma_r=0.0)
    out = {}
    for pairing in pairing_values:
        U, V = ln.prop14_construction(pos, neg, sing, r, m, h, pairing=pairing)
        spec = np.linalg.eigvalsh(U.T @ U - V.T @ V)
        sv = np.linalg.svd(U @ V.T, compute_uv=False)
        scale = max(1.0, float(np.max(np.abs(target))))
        err = max(np.max(np.abs(spec - target)) / scale, np.max(np.abs(sv - sing)) / max(1.0, sing[0]))
        lamU = np.linalg.eigvalsh(U @ U.T)[0]
        lamV = np.linalg.eigvalsh(V @ V.T)[0]
        out[pairing] = (err, 2 * (lamU + lamV))
    return out, inputs, m


def _prop14_evidence(draws):
    ev = {}
    for pairing in draws[0][0]:
        ev[pairing] = {"constraints": {"measured": np.array([d[0][pairing][0] for d in draws])},
                       "value": {"measured": np.array([d[0][pairing][1] for d in draws]),
                                 "inputs": _stack_inputs([d[1] for d in draws])}}
    return ev


@pytest.mark.claim("linear_networks.prop14")
def test_prop14(verify, thorough):
    seed = 0
    rng = np.random.default_rng(seed)
    k = 2000 if thorough else 400
    draws = [_prop14_draw(rng) for _ in range(k)]
    ev = _prop14_evidence(draws)
    gap = ev["natural"]["value"]["measured"] / C["prop14"].theory(**ev["natural"]["value"]["inputs"]) - 1
    m_ge2 = np.array([d[2] >= 2 for d in draws])
    fig = {"title": "Natural pairing: relative excess over the Prop. 14 minimum (draws with m >= 2)",
           "xlabel": "draw", "ylabel": "value / formula - 1", "logx": False, "logy": True,
           "x": np.arange(int(m_ge2.sum())),
           "series": [{"label": "natural pairing", "y": np.maximum(gap[m_ge2], 1e-16), "role": "false_variant"}]}
    verify(C["prop14"], ev, seed=seed, figure=fig,
           params={"draws": k, "m": "1..3", "r": "m+1..m+3", "h": "r+m..r+m+3", "zero_lambda_r": 0.2,
                   "natural_pairing_strictly_above": f"{int(np.sum(gap[m_ge2] > 1e-10))}/{int(m_ge2.sum())}"},
           scale="full" if thorough else "reduced: 400 of the card's 2000 draws (all under --thorough)",
           tolerance="1e-10 relative (eigvalsh/svd round-off; measured 2e-12)")


@SOME
@given(seed=st.integers(0, 2**31 - 1))
def test_prop14_property(seed):
    rng = np.random.default_rng(seed)
    _holds(C["prop14"], _prop14_evidence([_prop14_draw(rng, ("reverse",)) for _ in range(3)]))


# ---------------------------------------------------------------------------------------
# thm3, cor4, cor5
# ---------------------------------------------------------------------------------------
_THM3_RUNS = ("default", "unbalanced", "m6_h40", "h8", "margin", "near_tight")


@pytest.mark.claim("linear_networks.thm3")
def test_thm3(verify):
    runs = {k: _trajectories()[k] for k in _THM3_RUNS}
    assert runs["margin"].spreads0[2] == pytest.approx(0.0, abs=1e-9) and runs["margin"].c0 > 0
    ev = _envelope_evidence(runs)
    fig = _envelope_figure("Thm 3 envelope (default and near-tight instances)",
                           {k: runs[k] for k in ("default", "near_tight")}, "c0", 1.5)
    verify(C["thm3"], ev, seed=[0, 1, 2, 3, 5, 6], figure=fig,
           params={"runs": list(runs), "T": 20, "times": 401, "c0": {k: p.c0 for k, p in runs.items()}},
           tolerance="L~ <= envelope (1 + 1e-6) where envelope >= 1e-10 L~(0) (integrator floor below)")


def _random_thm3_run(N, extra, m, h, scale, seed):
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m, h=h, u_scale=scale)
    return _run_reduced(inst.X, inst.Y, inst.U0, inst.V0, np.linspace(0, 10, 101))


@FEW
@given(N=st.integers(1, 6), extra=st.integers(1, 6), m=st.integers(1, 4), dh=st.integers(0, 26),
       scale=st.floats(0.05, 1.0), seed=st.integers(0, 2**31 - 1))
def test_thm3_cor4_property(N, extra, m, dh, scale, seed):
    p = _random_thm3_run(N, extra, m, min(N, m) + dh, scale, seed)
    _holds(C["thm3"], _envelope_evidence({"x": p}))
    _holds(C["cor4"], _envelope_evidence({"x": p}, rate_key="delta_eff"))


@pytest.mark.claim("linear_networks.cor4")
def test_cor4(verify):
    runs = {k: _trajectories()[k] for k in ("default", "unbalanced", "m6_h40", "h8", "near_tight")}
    ev = _envelope_evidence(runs, rate_key="delta_eff")
    fig = _envelope_figure("Cor. 4 envelope exp(-2 lambda_r Delta t)",
                           {k: runs[k] for k in ("default", "near_tight")}, "delta_eff", 1.5)
    verify(C["cor4"], ev, seed=[0, 1, 2, 3, 5], figure=fig,
           params={"runs": list(runs), "delta_eff": {k: p.spreads0[2] for k, p in runs.items()}},
           tolerance="as thm3: 1e-6 relative above the floor 1e-10 L~(0)")


def _cor5_runs(kappas=(0.5, 0.8, 0.95)):
    runs = {}
    rng = np.random.default_rng(11)
    inst = nl.default_instance(11)
    red = nl.reduce(inst.X)
    # A well-conditioned reduced target (singular values 2 and 1.5), so that the margin
    # sigma_min(Y~) - ||Y~ - Sigma^{1/2} U_1 V^T|| is positive down to kappa = 0.5.
    Qr = np.linalg.qr(rng.standard_normal((red.r, 2)))[0]
    Qm = np.linalg.qr(rng.standard_normal((2, 2)))[0]
    Y = red.W @ (Qr @ np.diag([2.0, 1.5]) @ Qm)
    for kappa in kappas:
        U0, V0 = _balanced_for_target(inst.X, Y, 20, kappa, 0.02, int(100 * kappa))
        runs[f"kappa={kappa}"] = _run_reduced(inst.X, Y, U0, V0, T_GRID)
    # Sharp scalar case (DERIVED): r = m = 1, Sigma_x = 1, y = 1, u0 = v0 = sqrt(0.3): c(0) = 1.2.
    a = np.sqrt(0.3)
    runs["scalar"] = _run_reduced(np.ones((1, 1)), np.ones((1, 1)), np.array([[a]]), np.array([[a]]),
                                  np.linspace(0, 3, 3001))
    return runs


@pytest.mark.claim("linear_networks.cor5")
def test_cor5(verify):
    runs = _cor5_runs()
    for name, p in runs.items():
        sv = np.linalg.svd(p.Yt, compute_uv=False)
        assert sv[-1] - p.E_fro[0] > 0, f"{name}: the margin must be positive"
        assert p.c0 > 0, f"{name}: c(0) must be positive"
        assert p.spreads0[2] == pytest.approx(0.0, abs=1e-9), f"{name}: balanced init expected"
    assert runs["scalar"].c0 == pytest.approx(1.2, rel=1e-12)
    ev = _envelope_evidence(runs)
    fig = _envelope_figure("Cor. 5: margin-driven envelope (balanced init)",
                           {k: runs[k] for k in ("kappa=0.8", "scalar")}, "c0", 1.1)
    verify(C["cor5"], ev, seed=11, figure=fig,
           params={"kappa": [0.5, 0.8, 0.95], "noise": 0.02, "c0": {k: p.c0 for k, p in runs.items()}},
           tolerance="as thm3: 1e-6 relative above the floor 1e-10 L~(0)")


@FEW
@given(kappa=st.floats(0.3, 0.99), m=st.integers(1, 3), lo=st.floats(0.3, 1.0), hi=st.floats(1.0, 3.0),
       seed=st.integers(0, 2**31 - 1))
def test_cor5_property(kappa, m, lo, hi, seed):
    rng = np.random.default_rng(seed)
    N, n, h = 5, 9, 12
    Q1 = np.linalg.qr(rng.standard_normal((N, N)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((n, N)))[0]
    X = Q1 @ np.diag(np.sqrt(np.linspace(hi, lo, N))) @ Q2.T  # Sigma_x in [lo, hi]
    red = nl.reduce(X)
    Yt = np.linalg.qr(rng.standard_normal((N, m)))[0] * 1.5  # equal singular values
    U0, V0 = _balanced_for_target(X, red.W @ Yt, h, kappa, 0.0, seed)
    p = _run_reduced(X, red.W @ Yt, U0, V0, np.linspace(0, 10, 101))
    assume(np.linalg.svd(p.Yt, compute_uv=False)[-1] > p.E_fro[0])
    assert p.c0 > 0
    _holds(C["cor5"], _envelope_evidence({"x": p}))


# ---------------------------------------------------------------------------------------
# cor6
# ---------------------------------------------------------------------------------------
def _homogeneous_run(lam=0.7, k=3, seed=12, T=25.0):
    rng = np.random.default_rng(seed)
    Yt = rng.standard_normal((k, k))
    V0 = 0.3 * rng.standard_normal((k, k))
    R = np.linalg.qr(rng.standard_normal((k, k)))[0]
    w, Q = np.linalg.eigh(V0.T @ V0 + lam * np.eye(k))
    U10 = R @ (Q * np.sqrt(w)) @ Q.T
    t = np.linspace(0, T, 1001)
    tr = nl.gf_reduced(Yt, np.ones(k), U10, V0, t, rtol=1e-12, atol=1e-15)
    L = nl.excess_loss(Yt, np.ones(k), tr.observables["U1"], tr.observables["V"])
    c_inf = ln.c_asymptotic(nl.imbalance(U10, V0), Yt, k, k, 1.0)
    return t, L, c_inf


def _late_window(L):
    """The late phase: 1e-18 < L~ < 1e-10 L~(0) (the integrator floor is near 1e-22).

    The card's window (1e-18, 1e-6 L~(0)) suits its instance; here the second-slowest mode
    of T_{U,V} decays only a little faster than the slowest, so the slope settles later
    (the analytic rate equals c_inf to 4 digits only below 1e-10 L~(0))."""
    return (L > 1e-18) & (L < 1e-10 * L[0])


def _cor6_envelope_evidence(p, t0s, floor=1e-10):
    rows = {"t": [], "t0": [], "Lt0": [], "lam_r": [], "c_t0": []}
    meas, mask = [], []
    for t0 in t0s:
        i0 = int(np.argmin(np.abs(p.t - t0)))
        c_t0 = ln.c_rate(nl.imbalance(p.U1[i0], p.V[i0]), p.Yt, float(p.E_fro[i0]), p.r, p.m, p.red.lam_1)
        sl = slice(i0, None)
        env = p.L[i0] * np.exp(-p.red.lam_r * c_t0 * (p.t[sl] - p.t[i0]))
        meas.append(p.L[sl]), mask.append(env >= floor * p.L[0])
        for key, val in (("t", p.t[sl]), ("t0", p.t[i0]), ("Lt0", p.L[i0]), ("lam_r", p.red.lam_r),
                         ("c_t0", c_t0)):
            rows[key].append(np.broadcast_to(val, p.t[sl].shape))
    return {"measured": np.concatenate(meas), "mask": np.concatenate(mask),
            "inputs": {k: np.concatenate(v) for k, v in rows.items()}}


@pytest.mark.claim("linear_networks.cor6")
def test_cor6(verify):
    p = _trajectories()["default"]
    env_ev = _cor6_envelope_evidence(p, (1.0, 2.0, 5.0))
    t, L, c_inf = _homogeneous_run()
    win = _late_window(L)
    fit = semilog_fit(t[win], L[win])
    ev = {"envelope": env_ev, "asymptotic": {"fit": fit, "inputs": {"c_inf": c_inf, "lam_r": 1.0}}}
    fig = {"title": "Cor. 6: homogeneous case, late slope of log L~ vs -c_inf", "xlabel": "t",
           "ylabel": "L~(t)", "logx": False, "logy": True, "x": t,
           "series": [{"label": "L~(t)", "y": np.maximum(L, 1e-30), "role": "measured"},
                      {"label": "slope -c_inf through the window", "role": "theory",
                       "y": np.exp(fit.intercept - c_inf * t)},
                      {"label": "slope -1.1 c_inf", "role": "false_variant",
                       "y": np.exp(fit.intercept - 1.1 * c_inf * t)}],
           "note": f"fitted slope {fit.slope:.5f}, -c_inf = {-c_inf:.5f}"}
    # printed_expected="fails": as printed (no time shift) the envelope is violated at t = t0.
    verify(C["cor6"], ev, seed=[0, 12], figure=fig,
           params={"t0": [1, 2, 5], "homogeneous": {"r=m=h": 3, "lambda": 0.7}, "c_inf": c_inf,
                   "fit_window": list(fit.window)},
           tolerance="envelope 1e-6 relative above the floor; slope 1% relative plus the 95% CI")


@FEW
@given(lam=st.floats(0.1, 2.0), k=st.integers(2, 4), seed=st.integers(0, 2**31 - 1))
def test_cor6_property(lam, k, seed):
    """Homogeneous case (DERIVED): at the limit lambda_min(UU^T) + lambda_min(VV^T) equals
    sqrt(lambda^2 + 4 sigma_min^2) = c_inf / 2, and once the slowest mode of T_{U,V} carries
    E, the slope of log L~ is -c_inf (2%, card)."""
    rng = np.random.default_rng(seed)
    Qa, Qb = (np.linalg.qr(rng.standard_normal((k, k)))[0] for _ in range(2))
    Yt = Qa @ np.diag(rng.uniform(0.3, 1.5, k)) @ Qb  # sigma_min >= 0.3
    V0 = 0.3 * rng.standard_normal((k, k))
    w, Q = np.linalg.eigh(V0.T @ V0 + lam * np.eye(k))
    U10 = np.linalg.qr(rng.standard_normal((k, k)))[0] @ (Q * np.sqrt(w)) @ Q.T
    c_inf = ln.c_asymptotic(nl.imbalance(U10, V0), Yt, k, k, 1.0)
    t = np.linspace(0, 50.0 / c_inf, 801)
    tr = nl.gf_reduced(Yt, np.ones(k), U10, V0, t, rtol=1e-12, atol=1e-15)
    A, B = tr.observables["U1"], tr.observables["V"]
    L = nl.excess_loss(Yt, np.ones(k), A, B)
    wu, P = np.linalg.eigh(A[-1] @ A[-1].T)
    wv, Qv = np.linalg.eigh(B[-1] @ B[-1].T)
    # 1e-8: the state has converged (||E|| ~ 1e-11) and the integrator error is ~1e-12.
    assert 2 * (wu[0] + wv[0]) == pytest.approx(c_inf, rel=1e-8)
    # The slope is asymptotic: how long the faster modes take to die out depends on the
    # spectral gap and on the initial weight of the slowest mode, which can be small. Fit
    # only where that mode (measured in the eigenbases of the final state) carries > 99.9%
    # of ||E||_F^2.
    E = nl.error(Yt, np.ones(k), A, B)
    share = (np.einsum("i,tij,j->t", P[:, 0], E, Qv[:, 0]) ** 2) / np.sum(E * E, axis=(-2, -1))
    win = _late_window(L) & (share > 0.999)
    assume(win.sum() >= 10)
    fit = semilog_fit(t[win], L[win])
    assert fit.slope == pytest.approx(-c_inf, rel=0.02)


# ---------------------------------------------------------------------------------------
# prop9, eq30, prop10
# ---------------------------------------------------------------------------------------
def _prop9_parts(a, settle=True):
    Yt, s = a.red.W.T @ a.Y, a.red.sqrt_sig_x
    Z2 = np.sum(a.V ** 2, axis=(-2, -1)) + np.sum(a.U1 ** 2, axis=(-2, -1))
    r, m = a.red.r, a.Y.shape[1]
    E = nl.error(Yt, s, a.U1, a.V)
    E0 = float(np.linalg.norm(E[0]))
    c0 = ln.c_rate(nl.imbalance(a.U1[0], a.V[0]), Yt, E0, r, m, a.red.lam_1)
    k = a.t.size
    bound = {"measured": Z2, "inputs": {"Z0_sq": np.full(k, Z2[0]), "E0_fro": np.full(k, E0),
                                        "c0": np.full(k, c0), "sig_x": [a.red.sig_x] * k,
                                        "n": a.X.shape[1]}}
    half = int(np.argmin(np.abs(a.t - a.t[-1] / 2)))
    Z = np.concatenate([a.V, a.U1], axis=-2)
    return bound, float(np.linalg.norm(Z[-1] - Z[half])), float(np.linalg.norm(E[-1])), c0, Z2


@pytest.mark.claim("linear_networks.prop9")
def test_prop9(verify):
    a = _default_full_run()
    b = _full_run(nl.default_instance(8, u_scale=0.05), T=40.0, k=401)  # small init, Y ~ N(0, 1)
    ba, settle, conv, c0a, Z2a = _prop9_parts(a)
    bb, _, _, c0b, Z2b = _prop9_parts(b)
    assert c0a > 0 and c0b > 0
    bound = {"measured": np.concatenate([ba["measured"], bb["measured"]]),
             "inputs": {k: (np.concatenate([ba["inputs"][k], bb["inputs"][k]]) if k not in ("sig_x", "n")
                            else (ba["inputs"][k] + bb["inputs"][k] if k == "sig_x" else ba["inputs"][k]))
                        for k in ba["inputs"]}}
    ev = {"bound": bound, "settle": {"measured": settle}, "converged": {"measured": conv}}
    bnd_a = float(ln.prop9_bound(Z2a[0], ba["inputs"]["E0_fro"][0], c0a, a.red.lam_1, a.red.lam_r))
    series = [_curve("default: ||Z||^2", a.t, Z2a, "measured"),
              _curve("default: bound", a.t, np.full_like(a.t, bnd_a), "bound"),
              _curve("small init: ||Z||^2", b.t, Z2b, "measured"),
              _curve("small init: ||Z(0)||^2", b.t, np.full_like(b.t, Z2b[0]), "false_variant")]
    fig = {"title": "Prop. 9: ||Z(t)||_F^2 vs ||Z(0)||_F^2 (the false variant) and the bound",
           "xlabel": "t", "ylabel": "||Z(t)||_F^2", "logx": False, "logy": True, "x": series[0]["x"],
           "series": series, "note": "The small-init bound is exp(~1e4) = inf and is not drawn."}
    # printed_expected="any": the printed lambda_n(Sigma_x) is 0 by the out-of-range
    # convention (n = 12 > r = 6), so the printed bound is +inf: weaker, never violated.
    # No counterexample to the printed form exists; the correction only sharpens it.
    verify(C["prop9"], ev, seed=[0, 8], figure=fig, printed_expected="any",
           params={"instances": ["default, T=40", "small init 0.05, T=40"], "c0": [c0a, c0b]},
           tolerance="bound 1e-9 relative; settle <= 1e-6; ||E(T)|| <= 1e-8")


@FEW
@given(N=st.integers(2, 5), extra=st.integers(1, 5), m=st.integers(1, 3), dh=st.integers(0, 8),
       scale=st.floats(0.1, 1.0), seed=st.integers(0, 2**31 - 1))
def test_prop9_property(N, extra, m, dh, scale, seed):
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m, h=N + m + dh, u_scale=scale)
    a = _full_run(inst, T=10.0, k=101)
    bound, *_ = _prop9_parts(a)
    assume(bound["inputs"]["c0"][0] > 0)
    # Only the bound part: short random runs need not settle within T = 10.
    v = judges.part("bound", judges.upper_bound(1e-9, theory=ln._th_prop9))(C["prop9"], {"bound": bound})
    assert v.holds, v.reason


def _eq30_parts(a):
    theta_hat = ln.min_norm_solution(a.X, a.Y)
    UV = a.U[-1] @ a.V[-1].T
    null = a.red.Phi2 @ a.U2[0] @ a.V[-1].T
    rng_part = a.red.Phi1 @ a.U1[-1] @ a.V[-1].T
    return UV, theta_hat, null, rng_part


@pytest.mark.claim("linear_networks.eq30")
def test_eq30(verify):
    runs = [_default_full_run()] + [_full_run(nl.default_instance(s), T=40.0, k=41) for s in (21, 22)]
    parts = [_eq30_parts(a) for a in runs]
    E_end = [float(np.linalg.norm(nl.error(a.red.W.T @ a.Y, a.red.sqrt_sig_x, a.U1[-1], a.V[-1]))) for a in runs]
    assert max(E_end) <= 1e-10, f"runs must converge to ||E|| <= 1e-10, got {E_end}"
    ev = {"limit": {"measured": np.concatenate([p[0].ravel() for p in parts]),
                    "inputs": {"theta_hat": np.concatenate([p[1].ravel() for p in parts]),
                               "null_term": np.concatenate([p[2].ravel() for p in parts])}},
          "range": {"measured": np.concatenate([p[3].ravel() for p in parts]),
                    "inputs": {"theta_hat": np.concatenate([p[1].ravel() for p in parts])}}}
    gaps = [float(np.linalg.norm(p[0] - p[1])) for p in parts]
    verify(C["eq30"], ev, seed=[0, 21, 22],
           params={"instances": "default (seeds 0, 21, 22), T=40", "E_end": E_end,
                   "gap_to_theta_hat": gaps},
           tolerance="1e-8 absolute (card); residual O(||Sigma^{-1/2} E(T)||) <= 1e-10")


@FEW
@given(N=st.integers(2, 5), extra=st.integers(1, 5), m=st.integers(1, 3), dh=st.integers(0, 8),
       scale=st.floats(0.3, 1.0), seed=st.integers(0, 2**31 - 1))
def test_eq30_property(N, extra, m, dh, scale, seed):
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m, h=N + m + dh, u_scale=scale)
    a = _full_run(inst, T=40.0, k=5)
    E_end = float(np.linalg.norm(nl.error(a.red.W.T @ a.Y, a.red.sqrt_sig_x, a.U1[-1], a.V[-1])))
    assume(E_end < 1e-10)
    UV, th, null, rp = _eq30_parts(a)
    _holds(C["eq30"], {"limit": {"measured": UV, "inputs": {"theta_hat": th, "null_term": null}},
                       "range": {"measured": rp, "inputs": {"theta_hat": th}}})


def _prop10_init(rng, X, m, h, both=True, scale=0.5):
    red = nl.reduce(X)
    r, n = red.r, X.shape[1]
    U1 = scale * rng.standard_normal((r, h))
    V = scale * rng.standard_normal((m, h))
    S = np.vstack([V, U1]) if both else V
    null = np.linalg.svd(S)[2][np.linalg.matrix_rank(S):].T  # (h, h - rank): orth. complement
    U2 = rng.standard_normal((n - r, null.shape[1])) @ null.T
    return red.Phi1 @ U1 + red.Phi2 @ U2, V


def _prop10_run(X, Y, U0, V0, T=40.0):
    a = _full_run(nl.Instance(X, Y, U0, V0), T=T, k=81)
    M = np.concatenate([a.V @ np.swapaxes(a.U2, -1, -2), a.U1 @ np.swapaxes(a.U2, -1, -2)], axis=-2)
    gap = float(np.linalg.norm(a.U[-1] @ a.V[-1].T - ln.min_norm_solution(X, Y)))
    return gap, np.linalg.norm(M, axis=(-2, -1)), a


@pytest.mark.claim("linear_networks.prop10")
def test_prop10(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    inst = nl.default_instance(seed)
    gap_b, Mb, a = _prop10_run(inst.X, inst.Y, *_prop10_init(rng, inst.X, 2, 20, both=True))
    gap_v, Mv, b = _prop10_run(inst.X, inst.Y, *_prop10_init(rng, inst.X, 2, 20, both=False))
    ev = {"both": {"limit": {"measured": gap_b}, "invariant": {"measured": Mb}},
          "v_only": {"limit": {"measured": gap_v}}}
    fig = {"title": "Prop. 10: ||[V U2^T; U1 U2^T]||_F along the flow", "xlabel": "t", "ylabel": "norm",
           "logx": False, "logy": True, "x": a.t,
           "series": [{"label": "both conditions (invariant set)", "y": np.maximum(Mb, 1e-17), "role": "measured"},
                      {"label": "V U2^T = 0 only", "x": b.t, "y": Mv, "role": "false_variant"}]}
    verify(C["prop10"], ev, seed=seed, figure=fig,
           params={"N": 6, "n": 12, "m": 2, "h": 20, "init_scale": 0.5, "T": 40,
                   "gap_both": gap_b, "gap_v_only": gap_v, "U2_norm": float(np.linalg.norm(a.U2[0]))},
           tolerance="limit 1e-9 (measured ~1e-13); invariant set 1e-10 (integrator)")


@FEW
@given(N=st.integers(2, 5), extra=st.integers(1, 5), m=st.integers(1, 3), dh=st.integers(1, 8),
       seed=st.integers(0, 2**31 - 1))
def test_prop10_property(N, extra, m, dh, seed):
    rng = np.random.default_rng(seed)
    inst = nl.default_instance(seed, N=N, n=N + extra, m=m)
    h = N + m + dh
    gap, M, a = _prop10_run(inst.X, inst.Y, *_prop10_init(rng, inst.X, m, h), T=60.0)
    E_end = float(np.linalg.norm(nl.error(a.red.W.T @ a.Y, a.red.sqrt_sig_x, a.U1[-1], a.V[-1])))
    assume(E_end < 1e-10)
    _holds(C["prop10"], {"both": {"limit": {"measured": gap}, "invariant": {"measured": M}}})


# ---------------------------------------------------------------------------------------
# lemma11
# ---------------------------------------------------------------------------------------
def _lemma11_cells(X, m, h, alphas, draws, seed, delta=0.1):
    """Monte-Carlo cells (alpha, h) of Lemma 11 with ``draws`` independent initialisations.

    The cells of one width share standard-normal draws G: U(0) = h^{-alpha} G_U, V(0) =
    h^{-alpha} G_V (common random numbers). Within a cell the draws are independent, which is
    what the per-cell binomial test needs; all three measured quantities scale by h^{-2 alpha}.
    """
    red = nl.reduce(X)
    r, n = red.r, X.shape[1]
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((draws, n, h))
    V = rng.standard_normal((draws, m, h))
    U1, U2 = nl.split(U, red)
    eig = nl.imbalance_spectrum(U1, V)  # cheap spectrum: (draws, m + r)
    deff = np.array([ln.imbalance_from_spectrum(e, r, m, h)[2] for e in eig])
    U2t = np.swapaxes(U2, -1, -2)
    orth = np.sqrt(np.sum((V @ U2t) ** 2, axis=(-2, -1)) + np.sum((U1 @ U2t) ** 2, axis=(-2, -1)))
    prod = np.linalg.norm(U1 @ np.swapaxes(V, -1, -2), axis=(-2, -1))
    cells = []
    for alpha in alphas:
        sc = float(h) ** (-2 * alpha)
        inputs = {"h": h, "alpha": alpha, "m": m, "n": n, "r": r, "delta": delta, "prob": 1 - delta}
        cells.append({"imbalance": {"measured": sc * deff, "inputs": inputs},
                      "orthogonality": {"measured": sc * orth, "inputs": inputs},
                      "product": {"measured": sc * prod, "inputs": inputs}})
    return cells


def _l11_events(claim, cell):
    inp = {**claim.constants, **cell["imbalance"]["inputs"]}
    return (cell["imbalance"]["measured"] > ln._th_l11_imbalance(**inp),
            cell["orthogonality"]["measured"] <= ln._th_l11_orth(**inp),
            cell["product"]["measured"] <= ln._th_l11_product(**inp))


@pytest.mark.claim("linear_networks.lemma11")
def test_lemma11(verify):
    seed = 0
    X = nl.default_instance(seed).X  # N = 6, n = 12, fixed
    alphas, widths = (0.5, 0.375, 0.3), (200, 500, 2000)
    cells = [c for j, h in enumerate(widths) for c in _lemma11_cells(X, 2, h, alphas, 300, 1000 + j)]
    ev = {"cells": cells}
    ratios = [float(np.min(c["imbalance"]["measured"] / c["imbalance"]["inputs"]["h"]
                           ** (1 - 2 * c["imbalance"]["inputs"]["alpha"]))) for c in cells]
    freq_all = [[float(np.mean(e)) for e in _l11_events(C["lemma11"], c)] for c in cells]
    fig = {"title": "Lemma 11: worst underline-Delta(0) / h^{1-2 alpha} over 300 draws",
           "xlabel": "cell (alpha, h)", "ylabel": "ratio", "logx": False, "logy": False,
           "x": list(range(9)),
           "series": [{"label": "min ratio (event 1 needs > 1)", "y": ratios, "role": "measured"},
                      {"label": "claimed level 1", "y": [1.0] * 9, "role": "bound"},
                      {"label": "false variant level 2.5", "y": [2.5] * 9, "role": "false_variant"}],
           "note": "cells: h in (200, 500, 2000) x alpha in (0.5, 0.375, 0.3)"}
    # printed_expected="any": the card states that the printed t_delta = 1/2 log(2/delta) and
    # the corrected sqrt(2 log(2/delta)) cannot be separated numerically (the events hold
    # with large slack); the printed form is judged and reported, not asserted.
    verify(C["lemma11"], ev, seed=seed, figure=fig, printed_expected="any",
           params={"N": 6, "n": 12, "m": 2, "alpha": [0.5, 0.375, 0.3], "h": [200, 500, 2000],
                   "draws": 300, "delta": 0.1, "event_frequencies_all_cells": freq_all,
                   "h0_prime": {k: ln.lemma11_bounds(2, 12, 6, 2000, 0.5, 0.1, k)["h0_prime"]
                                for k in ("printed", "sqrt", "sqrt2")}},
           tolerance="exact one-sided binomial test at level 0.999 per event and (alpha, h) cell above h0'")
    # The card's second negative control: the orthogonality bound with h^{2 alpha} must fail.
    assert C["lemma11"].variant(constants={"orth_offset": 0.0}).judge(ev).fails


def test_lemma11_property():
    """Card: alpha in (0.26, 0.5], h in [h0', 4 h0'], one seed per example; events 1-3 must
    hold, with at most a delta fraction of failing examples (exact binomial test)."""
    X = nl.default_instance(0).X
    h0p = ln.lemma11_bounds(2, 12, 6, 1000, 0.5, 0.1)["h0_prime"]
    outcomes = []

    @settings(max_examples=50, derandomize=True, deadline=None, database=None)
    @given(alpha=st.floats(0.26, 0.5), frac=st.floats(1.0, 4.0), seed=st.integers(0, 2**31 - 1))
    def one(alpha, frac, seed):
        h = int(np.ceil(h0p * frac)) + 1
        cell = _lemma11_cells(X, 2, h, (alpha,), 1, seed)[0]
        outcomes.append(all(bool(e[0]) for e in _l11_events(C["lemma11"], cell)))

    one()
    k, n = sum(outcomes), len(outcomes)
    # Reject "P(all events) >= 1 - delta" only at the 0.1% level.
    assert stats.binomtest(k, n, 0.9, alternative="less").pvalue > 1e-3, f"{k}/{n} examples held"


# ---------------------------------------------------------------------------------------
# thm12 and the width sweep shared with experiment 3
# ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _thm12_sweep(hs: tuple, seeds: tuple, alpha: float = 0.5):
    N, n, m = 20, 60, 1
    X, Y, _ = nl.regression_data(N, n, m, 0)
    red = nl.reduce(X)
    Yt, s = red.W.T @ Y, red.sqrt_sig_x
    theta_hat = ln.min_norm_solution(X, Y)
    t = np.concatenate([[0.0], np.geomspace(1e-2, 60.0, 60)])
    rows = []
    for h in hs:
        for sd in seeds:
            U0, V0 = nl.wide_init(n, m, h, alpha, np.random.SeedSequence([h, sd]))
            U1, U2 = nl.split(U0, red)
            tr = nl.gf_reduced(Yt, s, U1, V0, t, method="RK45", rtol=1e-10, atol=1e-12)
            A, B = tr.observables["U1"], tr.observables["V"]
            U_end = red.Phi1 @ A[-1] + red.Phi2 @ U2
            U2t = U2.T
            M = np.sqrt(np.sum((B @ U2t) ** 2, axis=(-2, -1)) + np.sum((A @ U2t) ** 2, axis=(-2, -1)))
            E0 = float(np.linalg.norm(nl.error(Yt, s, U1, V0)))
            c0 = ln.c_rate_spectrum(nl.imbalance_spectrum(U1, V0), h, Yt, E0, red.r, m, red.lam_1)
            rows.append(dict(h=h, seed=sd, dist=float(np.linalg.norm(U_end @ B[-1].T - theta_hat)),
                             null_end=float(np.linalg.norm(U2 @ B[-1].T)),
                             null_init=float(np.linalg.norm(U2 @ V0.T)),
                             E_end=float(np.linalg.norm(nl.error(Yt, s, A[-1], B[-1]))),
                             M_sup=float(M.max()), M0=float(M[0]), E0=E0, c0=c0))
    info = dict(N=N, n=n, m=m, r=red.r, lam1=red.lam_1, lamr=red.lam_r, Y_fro=float(np.linalg.norm(Y)),
                alpha=alpha)
    return rows, info


def _thm12_evidence(rows, info, delta=0.1):
    h = np.array([r_["h"] for r_ in rows], dtype=float)
    dist = np.array([r_["dist"] for r_ in rows])
    fit = loglog_fit(h, dist)
    logC = float(np.log(ln.thm12_C(info["lam1"], info["lamr"], info["Y_fro"])))
    k = len(rows)
    return {"scaling": {"fit": fit, "inputs": {"alpha": info["alpha"]}},
            "bound": {"measured": dist, "inputs": {"h": h, "alpha": info["alpha"], "m": info["m"], "n": info["n"],
                                                   "r": info["r"], "delta": delta, "prob": 1 - delta,
                                                   "logC": logC}},
            "intermediate": {"measured": np.array([r_["M_sup"] for r_ in rows]),
                             "inputs": {"M0_fro": np.array([r_["M0"] for r_ in rows]),
                                        "E0_fro": np.array([r_["E0"] for r_ in rows]),
                                        "c0": np.array([r_["c0"] for r_ in rows]),
                                        "lam1": np.full(k, info["lam1"]), "lamr": np.full(k, info["lamr"])}}}


def _thm12_figure(rows, fit, title):
    h = np.array([r_["h"] for r_ in rows], dtype=float)
    hs = np.unique(h)
    return {"title": title, "xlabel": "width h", "ylabel": "||U V^T(t_f) - Theta_hat||_F", "logx": True,
            "logy": True, "x": hs,
            "series": [{"label": "runs", "x": h, "y": [r_["dist"] for r_ in rows], "role": "measured",
                        "marker": "o"},
                       {"label": f"fit slope {fit.slope:.3f}", "y": np.exp(fit.intercept) * hs ** fit.slope,
                        "role": "measured"},
                       {"label": "slope -1/2 (claim)", "role": "theory",
                        "y": np.exp(fit.intercept) * hs[0] ** (fit.slope + 0.5) * hs ** -0.5},
                       {"label": "slope -1 (false variant)", "role": "false_variant",
                        "y": np.exp(fit.intercept) * hs[0] ** (fit.slope + 1.0) * hs ** -1.0}]}


_THM12_FAST = ((100, 200, 400), tuple(range(5)))


@pytest.mark.claim("linear_networks.thm12")
def test_thm12(verify):
    rows, info = _thm12_sweep(*_THM12_FAST)
    assert max(r_["E_end"] for r_ in rows) < 1e-8, "optimisation must be far below the O(h^-1/2) floor"
    ev = _thm12_evidence(rows, info)
    fit = ev["scaling"]["fit"]
    thr = {k: ln.thm12_threshold(info["m"], info["n"], 0.1, info["lam1"], info["lamr"], 0.5, corrected=k)
           for k in (True, False)}
    # printed_expected="any": the card states that the printed t_delta and h0 cannot be
    # separated numerically from the corrected ones (the bound is vacuous at reachable widths).
    verify(C["thm12"], ev, seed=list(_THM12_FAST[1]), printed_expected="any",
           figure=_thm12_figure(rows, fit, "Thm 12: distance to the min-norm solution vs width (alpha = 1/2)"),
           params={**info, "h": list(_THM12_FAST[0]), "seeds": 5, "fit": fit.as_dict(),
                   "C": ln.thm12_C(info["lam1"], info["lamr"], info["Y_fro"]),
                   "h_threshold_corrected": thr[True], "h_threshold_printed": thr[False]},
           scale="reduced: h in {100, 200, 400}, 5 seeds (card's fast profile); --thorough runs up to 1600",
           tolerance="slope within 0.25 of -(2 alpha - 1/2) plus the 95% CI (finite-width effects); "
                     "bound: binomial test per draw; intermediate bound 1e-9 relative")
    # The card's second negative control: slope 0 (no decay with width) must be rejected by
    # the same fit.
    assert C["thm12"].variant(constants={"exp_offset": 1.0}).judge(ev).fails


@pytest.mark.thorough
def test_thm12_thorough():
    rows, info = _thm12_sweep((100, 200, 400, 800, 1600), tuple(range(4)))
    fit = loglog_fit([r_["h"] for r_ in rows], [r_["dist"] for r_ in rows])
    assert -0.65 <= fit.slope <= -0.35, f"thorough slope {fit.slope} outside the card's band [-0.65, -0.35]"
    ev = _thm12_evidence(rows, info)
    assert C["thm12"].judge(ev).holds
    assert C["thm12"].false_variant.judge(ev).fails


# ---------------------------------------------------------------------------------------
# ntk_rescaling, balanced_init
# ---------------------------------------------------------------------------------------
def _ntk_cell(X, Y, h, alpha, seed):
    n, m = X.shape[1], Y.shape[1]
    U0, V0 = nl.wide_init(n, m, h, alpha, seed)
    t = np.linspace(0, 1, 11)
    # rtol=1e-13, atol=1e-15 for both flows: the flows amplify integrator error (lambda_1 of
    # X^T X is ~45 on these data); at rtol=1e-12 the mismatch reached 2.5e-8 on some draws.
    std = nl.gf_full(X, Y, U0, V0, t, rtol=1e-13, atol=1e-15)
    U, V = std.observables["U"], std.observables["V"]
    a = float(h) ** alpha
    s_grid = np.unique(np.concatenate([float(h) ** alpha * t, float(h) ** (2 * alpha) * t]))
    ntk = nl.gf_ntk(X, Y, a * U0, a * V0, alpha, s_grid, rtol=1e-13, atol=1e-15)
    flat = lambda A, B: np.concatenate([A.reshape(A.shape[0], -1), B.reshape(B.shape[0], -1)], axis=1)
    traj = {"measured": flat(a * U, a * V),
            "inputs": {"t": t, "h": h, "alpha": alpha, "s_grid": ntk.t,
                       "Ut_grid": flat(ntk.observables["U"], ntk.observables["V"])}}
    field_states, meas = [], []
    for i in (0, 5, 10):
        gU, gV = nl.loss_grads(X, Y, U[i], V[i])
        meas.append(np.concatenate([(-a * gU).ravel(), (-a * gV).ravel()]))
        field_states.append((a * U[i], a * V[i]))
    field = {"measured": np.concatenate(meas), "inputs": {"states": field_states, "X": X, "Y": Y, "alpha": alpha}}
    return traj, field


@pytest.mark.claim("linear_networks.ntk_rescaling")
def test_ntk_rescaling(verify):
    seed = 0
    inst = nl.default_instance(seed)
    cells = [_ntk_cell(inst.X, inst.Y, 50, alpha, 30 + i) for i, alpha in enumerate((0.3, 0.5))]
    ev = {"trajectory": {"cells": [c[0] for c in cells]}, "field": {"cells": [c[1] for c in cells]}}
    verify(C["ntk_rescaling"], ev, seed=seed, params={"h": 50, "alpha": [0.3, 0.5], "T": 1},
           tolerance="trajectories 1e-8 absolute (both flows at rtol=1e-13: error ~1e-10); vector field 1e-12 relative")


@FEW
@given(alpha=st.floats(0.26, 0.5), h=st.integers(5, 60), seed=st.integers(0, 2**31 - 1))
def test_ntk_rescaling_property(alpha, h, seed):
    inst = nl.default_instance(seed, h=h)
    traj, field = _ntk_cell(inst.X, inst.Y, h, alpha, seed)
    _holds(C["ntk_rescaling"], {"trajectory": {"cells": [traj]}, "field": {"cells": [field]}})


def _balanced_evidence(rng, X, Y, h):
    red = nl.reduce(X)
    n, m = X.shape[1], Y.shape[1]
    Theta0 = rng.standard_normal((n, m))  # generic: has a Phi_2 component
    Qs = [np.linalg.qr(rng.standard_normal((h, m)))[0] for _ in range(2)]
    Yt, s = red.W.T @ Y, red.sqrt_sig_x
    t = np.linspace(0, 5, 51)
    ev = {}
    for key, Phi in (("projected", red.Phi1), ("unprojected", np.eye(n))):
        curves, prods, imbs = [], [], []
        for Q in Qs:
            U, V = ln.balanced_init(Theta0, Phi, Q)
            U1, _ = nl.split(U, red)
            prods.append(U @ V.T)
            imbs.append(nl.imbalance(U1, V) / np.sum(Theta0 ** 2))
            tr = nl.gf_reduced(Yt, s, U1, V, t, rtol=1e-12, atol=1e-14)
            curves.append(nl.excess_loss(Yt, s, tr.observables["U1"], tr.observables["V"]))
        ev[key] = {"product": {"measured": np.concatenate([p.ravel() for p in prods]),
                               "inputs": {"Theta0": np.tile(Theta0.ravel(), 2)}},
                   "imbalance": {"measured": np.concatenate([d.ravel() for d in imbs])},
                   "loss": {"measured": curves[0], "inputs": {"L_other": curves[1]}}}
    return ev, t


@pytest.mark.claim("linear_networks.balanced_init")
def test_balanced_init(verify):
    seed = 0
    inst = nl.default_instance(seed)
    ev, t = _balanced_evidence(np.random.default_rng(seed), inst.X, inst.Y, 20)
    fig = {"title": "Balanced init: loss curves for two choices of Q", "xlabel": "t", "ylabel": "L~(t)",
           "logx": False, "logy": True, "x": t,
           "series": [{"label": "Q_1", "y": ev["projected"]["loss"]["measured"], "role": "measured"},
                      {"label": "Q_2", "y": ev["projected"]["loss"]["inputs"]["L_other"], "role": "theory"}]}
    verify(C["balanced_init"], ev, seed=seed, figure=fig, params={"N": 6, "n": 12, "m": 2, "h": 20, "T": 5},
           tolerance="product and D 1e-12 (relative to ||Theta0||, ||Theta0||^2); loss curves 1e-10 relative")


@SOME
@given(N=st.integers(2, 6), extra=st.integers(1, 6), m=st.integers(1, 3), dh=st.integers(0, 10),
       seed=st.integers(0, 2**31 - 1))
def test_balanced_init_property(N, extra, m, dh, seed):
    rng = np.random.default_rng(seed)
    assume(m <= N)
    X = rng.standard_normal((N, N + extra))
    red = nl.reduce(X)
    Theta0 = rng.standard_normal((N + extra, m))
    Q = np.linalg.qr(rng.standard_normal((m + dh, m)))[0]
    U, V = ln.balanced_init(Theta0, red.Phi1, Q)
    U1, _ = nl.split(U, red)
    _holds(C["balanced_init"], {"projected": {
        "product": {"measured": U @ V.T, "inputs": {"Theta0": Theta0}},
        "imbalance": {"measured": nl.imbalance(U1, V) / np.sum(Theta0 ** 2)},
        "loss": {"measured": np.ones(1), "inputs": {"L_other": np.ones(1)}}}})


# ---------------------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------------------
@pytest.mark.experiment("linear_networks.exp1")
def test_experiment_imbalance_vs_width(verify):
    """Sec. 5.1 / App. A.1, Figs 2/4/5: imbalance spectrum and rate vs width (matrix
    factorisation = regression with X = I / sqrt(m h), Remark 13)."""
    n, m, eta, steps = 20, 10, 0.05, 1500
    out, series, eig_series = {}, [], []
    for h in (30, 100, 300, 1000):
        rng = np.random.default_rng(h)
        X = np.eye(n) / np.sqrt(m * h)
        Y = np.sqrt(0.1) * rng.standard_normal((n, m))  # variance 0.1
        U0, V0 = rng.standard_normal((n, h)), rng.standard_normal((m, h))
        p = _reduced_setup(X, Y, U0, V0)
        eig = nl.imbalance_spectrum(p.U1_0, V0)
        dp, dm, de = ln.imbalance_from_spectrum(eig, p.r, m, h)
        margin = np.linalg.svd(p.Yt, compute_uv=False)[-1] - np.linalg.norm(nl.error(p.Yt, p.s, p.U1_0, V0))
        g = nl.gd_reduced(p.Yt, p.s, p.U1_0, V0, eta, steps, record_every=15)
        A, B = g.observables["U1"], g.observables["V"]
        rt = nl.rate(p.Yt, p.s, A, B)
        bound = 2 * p.red.lam_r * de  # = lambda_r c(0) at zero margin
        t = nl.gf_time(g.t, eta)
        out[h] = dict(dp=dp / (m * h), dm=dm / (m * h), de=de / (m * h), npos=int(np.sum(eig > 0)),
                      nneg=int(np.sum(eig < 0)), margin=float(margin), ratio=rt / bound)
        series.append({"label": f"h={h}: rate / (2 lambda_r Delta)", "x": t, "y": rt / bound, "role": "measured"})
        if h in (30, 1000):
            eig_series.append({"label": f"h={h}: eig(D)/(mh)", "x": np.arange(eig.size), "y": eig / (m * h),
                               "role": "measured"})
    # Expected (card): inertia (n, m) for h >= n + m; zero margin; h=30: Delta_pm >> Delta
    # (factor >= 3) and the bound loose (initial ratio >= 10) with the ratio decaying; h=1000:
    # Delta >> Delta_pm (factor >= 2) and the bound tight throughout (ratio <= 1.5).
    checks = {
        "inertia (n, m) for all h >= n + m": all((o["npos"], o["nneg"]) == (n, m) for o in out.values()),
        "zero margin at random init": all(o["margin"] < 0 for o in out.values()),
        "h=30: Delta_+ and Delta_- >= 3 Delta": min(out[30]["dp"], out[30]["dm"]) >= 3 * out[30]["de"],
        "h=30: rate/bound starts >= 10 and decays": out[30]["ratio"][0] >= 10
                                                     and out[30]["ratio"][-1] < 0.5 * out[30]["ratio"][0],
        "h=1000: Delta >= 2 max(Delta_+, Delta_-)": out[1000]["de"] >= 2 * max(out[1000]["dp"], out[1000]["dm"]),
        "h=1000: 1 <= rate/bound <= 1.5 throughout": bool(np.all((out[1000]["ratio"] >= 1 - 1e-9)
                                                                 & (out[1000]["ratio"] <= 1.5))),
        "ratio at t=0 decreases with width": all(out[a]["ratio"][0] > out[b]["ratio"][0]
                                                  for a, b in ((30, 100), (100, 300), (300, 1000))),
    }
    observed = "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()) + ". " + "; ".join(
        f"h={h}: Delta_+/(mh)={o['dp']:.3g}, Delta_-/(mh)={o['dm']:.3g}, Delta/(mh)={o['de']:.3g}, "
        f"rate/bound {o['ratio'][0]:.3g} -> {o['ratio'][-1]:.3g}" for h, o in out.items())
    fig = {"title": "Rate / (2 lambda_r Delta) along GD for widths 30..1000 (Figs 2/4/5)",
           "xlabel": "t = k eta", "ylabel": "rate / bound", "logx": False, "logy": True,
           "x": series[0]["x"], "series": series + [],
           "note": "Eigenvalues of D/(mh): " + "; ".join(
               f"{s_['label']}: " + ", ".join(f"{v:.3g}" for v in s_["y"]) for s_ in eig_series)}
    verify.experiment(SLUG, "exp1", title="Imbalance spectrum and instantaneous rate vs width",
                      expected="h=30: Delta_pm >> Delta, bound loose, rate decays towards it; h=1000: "
                               "Delta >> Delta_pm, bound tight and rate nearly constant; inertia (n, m); "
                               "zero margin", observed=observed, figure=fig, seed=[30, 100, 300, 1000],
                      params={"n": n, "m": m, "eta": eta, "steps": steps, "h": [30, 100, 300, 1000],
                              "Y_variance": 0.1},
                      scale="reduced: 1500 GD steps per width; m = 10 (App. A.1; Sec. 5.1 says 5)")
    assert all(checks.values()), observed


@pytest.mark.experiment("linear_networks.exp2")
def test_experiment_imbalanced_init(verify):
    """Sec. 5.2 / App. A.2, Figs 3/6: convergence speed ordered by the imbalance."""
    n, N, h, eta, steps = 200, 40, 200, 2e-3, 3000
    X, Y, _ = nl.regression_data(N, n, 1, 0, orthonormal=True)
    red = nl.reduce(X)
    Yt, s = red.W.T @ Y, red.sqrt_sig_x
    rng = np.random.default_rng(1)
    U0, V0 = rng.standard_normal((n, h)), rng.standard_normal((1, h))
    cases = {"(0.1, 0.1)": (0.1, 0.1), "(0.5, 0.02)": (0.5, 0.02), "(0.05, 0.2)": (0.05, 0.2), "balanced": None}
    res, series = {}, []
    for name, sc in cases.items():
        if sc is None:
            Q = np.linalg.qr(rng.standard_normal((h, 1)))[0]
            U, V = ln.balanced_init(0.01 * U0 @ V0.T, red.Phi1, Q)
        else:
            U, V = sc[0] * U0, sc[1] * V0
        U1, _ = nl.split(U, red)
        if sc is None:  # [V; U_1] has rank one: the cheap spectrum would lose sqrt(eps)
            dp, dm, de = ln.imbalance_quantities(nl.imbalance(U1, V), red.r, 1)
        else:
            dp, dm, de = ln.imbalance_from_spectrum(nl.imbalance_spectrum(U1, V), red.r, 1, h)
        g = nl.gd_reduced(Yt, s, U1, V, eta, steps, loss="mean", N=N, record_every=60)
        A, B = g.observables["U1"], g.observables["V"]
        L = nl.excess_loss(Yt, s, A, B)
        t = nl.gf_time(g.t, eta, "mean", N)
        rt = nl.rate(Yt, s, A, B)
        res[name] = dict(de=de, dm=dm, L_end=float(L[-1]), bound_rate=2 * red.lam_r * de,
                         rate0=float(rt[0]), rate_end=float(rt[-1]))
        series.append({"label": f"{name}: L~", "x": t, "y": L, "role": "measured"})
        if de > 1e-9:  # the balanced init has no bound (Delta = 0 up to round-off)
            series.append({"label": f"{name}: Thm 3 envelope", "x": t,
                           "y": L[0] * np.exp(-2 * red.lam_r * de * t), "role": "bound"})
    order = sorted(res, key=lambda k: res[k]["L_end"])
    checks = {
        "ordering (0.5,0.02) < (0.05,0.2) < (0.1,0.1) < balanced": order == ["(0.5, 0.02)", "(0.05, 0.2)",
                                                                             "(0.1, 0.1)", "balanced"],
        "Delta_- = 0 (m = 1)": all(abs(r_["dm"]) < 1e-9 for r_ in res.values()),
        "balanced init has Delta = 0 (no bound)": abs(res["balanced"]["de"]) < 1e-9,
        "case 3 bound almost tight (rate within 10%)": res["(0.05, 0.2)"]["rate_end"]
                                                        <= 1.1 * res["(0.05, 0.2)"]["bound_rate"],
        "case 2 bound loose early (>2x), tight late (<1.2x)": res["(0.5, 0.02)"]["rate0"]
                                                                > 2 * res["(0.5, 0.02)"]["bound_rate"]
                                                                and res["(0.5, 0.02)"]["rate_end"]
                                                                < 1.2 * res["(0.5, 0.02)"]["bound_rate"],
    }
    observed = "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()) + ". " + "; ".join(
        f"{k}: Delta={v['de']:.3g}, 2 lambda_r Delta={v['bound_rate']:.3g}, rate {v['rate0']:.3g} -> "
        f"{v['rate_end']:.3g}, final L~={v['L_end']:.3g}" for k, v in res.items())
    fig = {"title": "GD: three imbalances of one product, and the balanced init",
           "xlabel": "GF time 2 eta k / N", "ylabel": "L~", "logx": False, "logy": True, "x": series[0]["x"],
           "series": series}
    verify.experiment(SLUG, "exp2", title="Convergence via imbalanced initialisation",
                      expected="case (0.5, 0.02) fastest, then (0.05, 0.2), then (0.1, 0.1), balanced slowest; "
                               "bound almost tight for (0.05, 0.2), tight late for (0.5, 0.02)",
                      observed=observed, figure=fig, seed=[0, 1],
                      params={"n": n, "N": N, "h": h, "m": 1, "eta": eta, "steps": steps, "loss": "(1/N)||.||^2"},
                      scale="reduced: n=200, N=40, h=200 (card's CPU scale), eta=2e-3 and 3000 steps "
                            "(GF horizon 0.3 = the paper's 3e4 steps at eta=5e-4, N=100)")
    assert all(checks.values()), observed


def _exp3(verify, rows, info, scale):
    h = np.array([r_["h"] for r_ in rows], dtype=float)
    dist = np.array([r_["dist"] for r_ in rows])
    null_init = np.array([r_["null_init"] for r_ in rows])
    null_end = np.array([r_["null_end"] for r_ in rows])
    f_dist, f_init = loglog_fit(h, dist), loglog_fit(h, null_init)
    rel = float(np.max(np.abs(null_end - dist) / dist))
    # Expected slope -1/2: within 0.25 plus the 95% CI (finite-width effects, as thm12).
    checks = {
        "slope of ||UV^T - Theta_hat|| near -1/2": abs(f_dist.slope + 0.5) <= 0.25 + 0.5 * (f_dist.ci_high - f_dist.ci_low),
        "slope of ||U2(0)V(0)^T|| near -1/2": abs(f_init.slope + 0.5) <= 0.25 + 0.5 * (f_init.ci_high - f_init.ci_low),
        "||U2 V(t_f)^T|| = ||UV^T - Theta_hat|| (rel. 1e-6)": rel <= 1e-6,
    }
    observed = "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()) + (
        f". Fitted slopes: distance {f_dist.slope:.3f} [{f_dist.ci_low:.3f}, {f_dist.ci_high:.3f}], "
        f"||U2(0)V(0)^T|| {f_init.slope:.3f}; max relative gap {rel:.2g}")
    fig = _thm12_figure(rows, f_dist, "Distance to the min-norm solution vs width (Fig. 7)")
    fig["series"].append({"label": "||U2(0) V(0)^T||", "x": h, "y": null_init, "role": "measured", "marker": "x"})
    verify.experiment(SLUG, "exp3", title="Implicit bias of wide networks", expected="log-log slope -1/2 of "
                      "||U V^T - Theta_hat||_F and of ||U2(0)V(0)^T||_F; ||U2 V(t_f)^T|| equals the distance",
                      observed=observed, figure=fig, seed=sorted({r_["seed"] for r_ in rows}),
                      params={**info, "h": sorted(set(h.tolist()))}, scale=scale)
    assert all(checks.values()), observed


@pytest.mark.experiment("linear_networks.exp3")
def test_experiment_wide_implicit_bias(verify, thorough):
    """App. A.3 / Fig. 7 (CPU substitute of the card: reduced GF, n=60, N=20)."""
    if thorough:
        rows, info = _thm12_sweep((100, 200, 400, 800, 1600), tuple(range(4)))
        scale = "reduced: n=60, N=20, h in 100..1600, 4 seeds, reduced GF instead of GD (card's CPU substitute)"
    else:
        rows, info = _thm12_sweep(*_THM12_FAST)
        scale = "reduced: n=60, N=20, h in {100, 200, 400}, 5 seeds, reduced GF (card's CPU substitute)"
    _exp3(verify, rows, info, scale)


def test_every_claim_of_the_paper_is_registered():
    assert len(C) == 20 and all(theorems.get(c.id) is c for c in ln.CLAIMS)
