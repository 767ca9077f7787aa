"""Checks of Min & Mallada (CDC 2019) and of its journal extension (Min, Pates & Mallada,
Automatica 2025; technical note arXiv 2101.00981), card ``dynamics_concentration``.

One test per claim ID (marker ``claim``), Hypothesis properties for the card's named
properties (they judge the claim only, ``record=False`` style, since a single random
draw need not discriminate the false variant), and the reproduced experiments E1
(CDC Fig. 2) and E2 (Iceland grid: the bundled Kron-reduced pandapower topology, synthetic
generator dynamics).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings, strategies as st
from scipy import integrate

import theorems
from numerics import network_systems as ns
from numerics import power_grids as pg
from numerics.fit import loglog_fit
from theorems import dynamics_concentration as dc

SLUG = "dynamics_concentration"
LAWS = {"m_range": (0.05, 0.5), "d_range": (0.2, 0.5), "r_range": (5.0, 10.0), "tau_range": (2.0, 10.0)}


def claim(name: str):
    return theorems.get(f"{SLUG}.{name}")


def _holds(c, ev) -> None:
    v = c.judge(ev)
    assert v.holds, f"{c.id}: {v.reason}"


def _fit_dict(x, y):
    return loglog_fit(np.asarray(x, dtype=float), np.asarray(y, dtype=float)).as_dict()


# ======================================================================================
# A. Conference paper
# ======================================================================================
@pytest.mark.claim("dynamics_concentration.cdc_lemma2_2")
def test_cdc_lemma2_2(verify):
    seed = 2201
    rng = np.random.default_rng(seed)
    # case 1: uniform parts on [-1, 1] (B = 1), n = 50, random complex unit vector a
    n, R = 50, 20000
    a = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    a /= np.linalg.norm(a)
    Zs = np.abs((rng.uniform(-1, 1, (R, n)) + 1j * rng.uniform(-1, 1, (R, n))) @ a)
    t1 = np.array([1.0, 2.0, 3.0, 4.0, 9.0, 10.0])
    case1 = {"label": "U[-1,1]^2, n=50", "R": R, "t": t1, "tail": [np.mean(Zs >= t) for t in t1],
             "a_norm2": 1.0, "B": 1.0, "mean_zero": True}
    # case 2: Rademacher parts, a = e_1: |X + jY| = sqrt(2) surely (mean zero, B = 1); the
    # bound 8 e^{-t^2/32} allows it, the real-line constants 2 e^{-t^2/2} do not.
    R2 = 4000
    Z2 = np.abs(rng.choice([-1.0, 1.0], R2) + 1j * rng.choice([-1.0, 1.0], R2))
    t2 = np.array([1.0, 1.4])
    case2 = {"label": "Rademacher, a = e1", "R": R2, "t": t2, "tail": [np.mean(Z2 >= t) for t in t2],
             "a_norm2": 1.0, "B": 1.0, "mean_zero": True}
    # case 3 (card's counterexample to the printed form): X ~ U[0, 2] (mean 1), Y = 0,
    # a = 1/sqrt(n), n = 1600, t = sqrt(n)/2 = 20, constant of the centred law (B = 1)
    n3, R3 = 1600, 500
    Z3 = np.abs(rng.uniform(0, 2, (R3, n3)).sum(axis=1) / math.sqrt(n3))
    case3 = {"label": "un-centred U[0,2], n=1600", "R": R3, "t": np.array([20.0]),
             "tail": [float(np.mean(Z3 >= 20.0))], "a_norm2": 1.0, "B": 1.0, "mean_zero": False}
    ev = {"cases": [case1, case2, case3]}
    bound1 = dc.hoeffding_complex_bound(t1, 1.0, 1.0)
    fig = {"title": "Complex Hoeffding (CDC Lemma 2.2): empirical tail vs bound", "xlabel": "t",
           "ylabel": "P(|a^T Z| >= t)", "logx": False, "logy": True, "x": t1.tolist(),
           "series": [{"label": "empirical (U[-1,1]^2, n=50)", "y": np.maximum(case1["tail"], 1e-6).tolist(),
                       "role": "measured"},
                      {"label": "8 exp(-t^2/32)", "y": bound1.tolist(), "role": "bound"},
                      {"label": "false: 2 exp(-t^2/2)", "y": dc.hoeffding_complex_bound(
                          t1, 1.0, 1.0, prefactor=2.0, c_B2=0.5).tolist(), "role": "false_variant"}],
           "note": "Tails below 1e-6 are drawn at 1e-6 (zero counts). The Rademacher case (a = e1, "
                   "|Z| = sqrt 2 surely) rejects the false variant; the un-centred case rejects the printed form."}
    verify(claim("cdc_lemma2_2"), ev, seed=seed, params={"n": [n, 1, n3], "R": [R, R2, R3]},
           tolerance="Monte-Carlo criterion p_hat <= b + 3 sqrt(b(1-b)/R) + 1/R (card)", figure=fig)


@given(n=st.integers(2, 200), B=st.floats(0.1, 10), frac=st.floats(0.01, 1.0), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=15)
def test_cdc_lemma2_2_property(n, B, frac, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    R = 2000
    Z = np.abs((rng.uniform(-B, B, (R, n)) + 1j * rng.uniform(-B, B, (R, n))) @ a)
    t = frac * 10 * B * np.linalg.norm(a)
    case = {"label": "property", "R": R, "t": np.array([t]), "tail": [np.mean(Z >= t)],
            "a_norm2": float(np.linalg.norm(a) ** 2), "B": B, "mean_zero": True}
    _holds(claim("cdc_lemma2_2"), {"cases": [case]})


def _quad_complex(fun, lo, hi):
    re = integrate.quad(lambda x: fun(x).real, lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    im = integrate.quad(lambda x: fun(x).imag, lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    return re + 1j * im


def _eq3_quadrature(s_list, k_range, laws):
    """Harmonic expectations by quadrature of E[g^{-1}(s)] over the uniform laws."""
    a, b = k_range
    Einv_k = _quad_complex(lambda k: 1.0 / k / (b - a), a, b)
    cons = np.array([1.0 / (s0 * Einv_k) for s0 in s_list])
    (m0, m1), (d0, d1), (r0, r1), (t0, t1) = (laws[k] for k in ("m_range", "d_range", "r_range", "tau_range"))
    Em = _quad_complex(lambda x: x / (m1 - m0), m0, m1)
    Ed = _quad_complex(lambda x: x / (d1 - d0), d0, d1)
    Er = _quad_complex(lambda x: 1.0 / x / (r1 - r0), r0, r1)
    turb = []
    for s0 in s_list:
        Et = _quad_complex(lambda tau: 1.0 / (tau * s0 + 1.0) / (t1 - t0), t0, t1)
        turb.append(1.0 / (Em * s0 + Ed + Er * Et))
    turb = np.array(turb)
    return np.concatenate([cons.real, cons.imag, turb.real, turb.imag])


@pytest.mark.claim("dynamics_concentration.cdc_eq3")
def test_cdc_eq3(verify):
    seed = 303
    s_list = np.array([0.3j, 1j, 0.05 + 0.5j, 2j, 0.2 + 0.01j])
    k_range = (1.0, 5.0)
    quad = {"measured": _eq3_quadrature(s_list, k_range, LAWS), "inputs": {"s": s_list, "k_range": k_range, **LAWS}}
    # Monte-Carlo with 2e6 draws at s = 0.3j (standard error ~3e-4)
    rng = np.random.default_rng(seed)
    N = 2_000_000
    p = ns.sample_generator_params(N, rng)
    ghat_mc = 1.0 / np.mean(p.ginv(0.3j))
    mc = {"measured": np.array([ghat_mc.real, ghat_mc.imag]),
          "inputs": {"s_mc": 0.3j, "k_range": k_range, **LAWS}}
    w = np.geomspace(1e-2, 1e2, 60)
    gh = dc.harmonic_expectation_swing_turbine(1j * w, **LAWS)
    rep = 1.0 / (0.275 * 1j * w + 0.35 + dc.uniform_mean_reciprocal(5, 10) / (6 * 1j * w + 1))
    fig = {"title": "Harmonic expectation of swing+turbine generators (|ghat(j omega)|)", "xlabel": "omega (rad/s)",
           "ylabel": "|ghat|", "logx": True, "logy": True, "x": w.tolist(),
           "series": [{"label": "closed form (log formula)", "y": np.abs(gh).tolist(), "role": "theory"},
                      {"label": "averaged coefficients (false variant)", "y": np.abs(rep).tolist(),
                       "role": "false_variant"}],
           "note": f"Consensus: 4/ln 5 = {dc.consensus_limit(1, 5):.7f}; Monte-Carlo at 0.3j: {ghat_mc:.5f}."}
    verify(claim("cdc_eq3"), {"quad": quad, "mc": mc}, seed=seed, params={"s": [str(x) for x in s_list], "N_mc": N},
           tolerance="quad vs closed form 1e-8 relative (quad accurate to ~1e-12); Monte-Carlo 5e-3 absolute "
                     "(> 10 standard errors of ~3e-4)", figure=fig)


@given(a=st.floats(0.01, 49.0), width=st.floats(0.01, 1.0), w=st.floats(1e-3, 1e2))
@settings(max_examples=15)
def test_cdc_eq3_property(a, width, w):
    b = a + width * (50.0 - a)
    s0 = 1j * w
    val = _quad_complex(lambda tau: 1.0 / (tau * s0 + 1.0) / (b - a), a, b)
    closed = complex(dc.expected_turbine_factor(s0, a, b))
    assert abs(val - closed) <= 1e-8 * abs(closed)


def _eq7_case(rng, n, complex_normal: bool):
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    if complex_normal:
        s0 = 0.3j
        p = ns.sample_generator_params(n, rng)
        z = p.ginv(s0)
        mu = 1.0 / complex(dc.harmonic_expectation_swing_turbine(s0, **LAWS))
        f_val = 1.0 / s0
    else:
        z = rng.uniform(1, 3, n) + 1j * rng.uniform(-1, 1, n)
        mu, f_val = 2.0, 1.0
    T = ns.transfer_matrix(z, f_val, L)
    lhs = ns.spectral_norm(T - np.ones((n, n)) / (n * mu))
    return lhs, {"z": z, "mu": mu, "f_val": f_val, "lap": L}


@pytest.mark.claim("dynamics_concentration.cdc_eq7_reduction")
def test_cdc_eq7_reduction(verify, thorough):
    seed = 707
    rng = np.random.default_rng(seed)
    sizes = [30, 30, 12] + ([300] if thorough else [])
    flags = [False, True, False] + ([True] if thorough else [])
    meas, cases = [], []
    for n, cn in zip(sizes, flags):
        lhs, case = _eq7_case(rng, n, cn)
        meas.append(lhs)
        cases.append(case)
    verify(claim("cdc_eq7_reduction"), {"measured": np.array(meas), "inputs": {"cases": cases}}, seed=seed,
           params={"n": sizes, "complex_normal_L": flags},
           tolerance="identity: 1e-10 relative to the matrix scale (card)",
           scale="full" if thorough else "reduced: n <= 30 by default, n = 300 under --thorough")


@given(n=st.integers(2, 60), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=15)
def test_cdc_eq7_property(n, seed):
    rng = np.random.default_rng(seed)
    L = ns.random_laplacian(["complete", "erdos_renyi", "tree"][seed % 3], n, rng)
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n) + (1.0 + 0.5j)
    mu = complex(z.mean())
    T = ns.transfer_matrix(z, 1.0, L)
    lhs = ns.spectral_norm(T - np.ones((n, n)) / (n * mu))
    _holds(claim("cdc_eq7_reduction"), {"measured": np.array([lhs]),
                                        "inputs": {"cases": [{"z": z, "mu": mu, "f_val": 1.0, "lap": L}]}})


@pytest.mark.claim("dynamics_concentration.cdc_lemma3_1")
def test_cdc_lemma3_1(verify):
    seed = 3101
    rng = np.random.default_rng(seed)
    sizes, R, ncol = [25, 100, 400], 4000, 50
    eps = np.array([0.1, 0.2, 0.5])
    ident_meas, ident_z, tails, moment = [], [], [], []
    for n in sizes:
        _, V = ns.laplacian_eigh(ns.complete_laplacian(n))
        for centred in (True, False):
            X = rng.uniform(-1, 1, (R, n)) + (0.0 if centred else 1.0)  # un-centred: X ~ U[0, 2]
            Z = X + 1j * rng.uniform(-1, 1, (R, n))
            # d_k1 = v_k^T diag(z) v_1 = v_k^T z / sqrt(n); the first ncol columns (V real)
            dk1 = (Z / math.sqrt(n)) @ V[:, :min(n, ncol)]
            p_hat = np.max(np.mean(np.abs(dk1)[:, :, None] >= eps[None, None, :], axis=0), axis=0)
            tails.append({"n": n, "eps": eps, "p_hat": p_hat, "R": R, "centred": centred})
            moment.append({"n": n, "n_E_d11_sq": float(n * np.mean(np.abs(dk1[:, 0]) ** 2)),
                           "var_sum": 2.0 / 3.0, "centred": centred})
            if centred and n <= 100:
                for z in Z[:2]:
                    D = (V.T * z) @ V
                    ident_meas.append([np.sum(np.abs(D[:, 0]) ** 2), np.sum(np.abs(D[0, :]) ** 2),
                                       ns.spectral_norm(D), D[0, 0].real, D[0, 0].imag])
                    ident_z.append(z)
    ev = {"identities": {"measured": np.ravel(ident_meas), "inputs": {"z_list": ident_z}},
          "tails": tails, "moment": moment}
    verify(claim("cdc_lemma3_1"), ev, seed=seed, params={"n": sizes, "R": R, "eps": eps.tolist(),
                                                         "columns_k": ncol},
           tolerance="identities 1e-10 relative; tails by the Monte-Carlo criterion; n E|d11|^2 within 5% "
                     "(relative SE ~1.6% with 4000 replicates)",
           scale=f"reduced: tails over the first {ncol} columns k at n=400 (all k for n <= 50)")


@given(n=st.integers(2, 60), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=15)
def test_cdc_lemma3_1_property(n, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    M[:, 0] = 1.0 / math.sqrt(n)
    Q, Rm = np.linalg.qr(M)
    Q = Q * (np.diag(Rm) / np.abs(np.diag(Rm)))  # first column back to +1/sqrt(n)
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    D = Q.conj().T @ (z[:, None] * Q)
    meas = [np.sum(np.abs(D[:, 0]) ** 2), np.sum(np.abs(D[0, :]) ** 2), ns.spectral_norm(D), D[0, 0].real, D[0, 0].imag]
    ev = {"measured": np.array(meas), "inputs": {"z_list": [z]}}
    from theorems import judges
    assert judges.agree(rtol=1e-9)(claim("cdc_lemma3_1"), ev).holds


@pytest.mark.claim("dynamics_concentration.cdc_lemma3_2")
def test_cdc_lemma3_2_not_checkable(verify):
    verify.not_checkable(claim("cdc_lemma3_2"))


def _thm3_3a_norms(rng, n, p_exp, R, mu=2.0):
    w = n ** (p_exp - 1.0)  # lambda_2 = w n = n^p (p_exp = 0: lambda_2 = 1 fixed)
    out = []
    for _ in range(R):
        z = rng.uniform(1, 3, n) + 1j * rng.uniform(-1, 1, n)
        r, beta, _ = ns.complete_graph_transfer(z, 1.0, w)
        U = np.column_stack([beta * r, -np.ones(n) / (n * mu)])
        W = np.column_stack([r, np.ones(n)])
        out.append(ns.norm_diag_plus_lowrank(r, U, W))
    return out


@pytest.mark.claim("dynamics_concentration.cdc_thm3_3a")
def test_cdc_thm3_3a(verify, thorough):
    seed = 3303
    rng = np.random.default_rng(seed)
    sizes = [25, 50, 100, 200, 400] + ([800] if thorough else [])
    R = 40 if thorough else 30
    ps = [0.25, 0.5, 1.0, 0.0] if thorough else [0.5, 1.0, 0.0]
    fams = [{"p": p, "n": sizes, "norms": np.array([_thm3_3a_norms(rng, n, p, R) for n in sizes])} for p in ps]
    series = [{"label": f"median, lambda_2 = n^{p}" if p > 0 else "median, lambda_2 = 1 (no growth)",
               "y": np.median(f["norms"], axis=1).tolist(), "role": "measured" if p > 0 else "false_variant"}
              for p, f in zip(ps, fams)]
    series.append({"label": "n^{-1/2} (DERIVED rate)", "y": (np.median(fams[0]["norms"][0]) *
                                                               (np.array(sizes) / sizes[0]) ** -0.5).tolist(),
                   "role": "theory"})
    fig = {"title": "CDC Thm 3.3: ||T - (1/n) mu^{-1} 1 1^T|| (complete graph, lambda_2 = n^p)", "xlabel": "n",
           "ylabel": "median norm", "logx": True, "logy": True, "x": sizes, "series": series}
    verify(claim("cdc_thm3_3a"), {"families": fams, "eps": 0.1}, seed=seed,
           params={"n": sizes, "R": R, "p": ps, "mu": 2.0},
           tolerance="slope band +-0.15 around -min(p, 1/2) (card, Monte-Carlo medians)", figure=fig,
           scale="full" if thorough else "full: card's fast tier enlarged to n <= 400 and 30 replicates (10 "
                                         "replicates at n <= 200 gave a noisy p = 1 slope of -0.74)")


def _ring_k(n):
    return max(1, int(round(0.15 * n)))


@pytest.mark.claim("dynamics_concentration.cdc_cor3_4")
def test_cdc_cor3_4(verify, thorough):
    seed = 3404
    rng = np.random.default_rng(seed)
    sizes = [25, 50, 100, 200]
    R = 20 if thorough else 8
    s0 = 1j
    Ts = []
    for n in sizes:
        L = ns.ring_lattice_laplacian(n, _ring_k(n))
        G = np.stack([ns.consensus_ginv(s0, rng.uniform(1, 5, n)) for _ in range(R)])
        Ts.append(ns.transfer_matrix(G, 1.0, L))
    ev = {"n": sizes, "T": Ts, "inputs": {"s0": s0, "k_range": (1.0, 5.0)}}
    verify(claim("cdc_cor3_4"), ev, seed=seed, params={"n": sizes, "R": R, "s0": "1j", "k_ring": "round(0.15 n)"},
           tolerance="fitted slope of the median <= -0.3 (card; reference -0.75)",
           scale="full" if thorough else "reduced: 8 replicates per n (card: 20, under --thorough)")


@pytest.mark.claim("dynamics_concentration.cdc_thm3_1")
def test_cdc_thm3_1_not_checkable(verify):
    verify.not_checkable(claim("cdc_thm3_1"), phenomenon="see aut_thm15 for the grid proxy of the uniform statement")


@pytest.mark.claim("dynamics_concentration.cdc_lemma3_2b")
def test_cdc_lemma3_2b_not_checkable(verify):
    verify.not_checkable(claim("cdc_lemma3_2b"))


def _thm3_3b_record(p, L, s1, s2, f_kind):
    g1, g2 = p.ginv(s1), p.ginv(s2)
    f1, f2 = (1.0, 1.0) if f_kind == "static" else (1.0 / s1, 1.0 / s2)
    T1, T2 = ns.transfer_matrix(g1, f1, L), ns.transfer_matrix(g2, f2, L)
    dL = 0.0 if f_kind == "static" else ns.spectral_norm(L) * abs(f1 - f2)
    return (ns.spectral_norm(T1 - T2), ns.spectral_norm(T1), ns.spectral_norm(T2),
            float(np.max(np.abs(g1 - g2))), dL)


@pytest.mark.claim("dynamics_concentration.cdc_thm3_3b")
def test_cdc_thm3_3b(verify, thorough):
    seed = 3305
    rng = np.random.default_rng(seed)
    n = 30
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    rows, labels = [], []
    npairs = 300 if thorough else 25
    for kind in ("static", "dynamic"):
        for _ in range(npairs):
            s1, s2 = 1j * rng.uniform(0.05, 3, 2)
            rows.append(_thm3_3b_record(p, L, s1, s2, kind))
            labels.append(kind)
    # counterexample to the printed step: static gains g_i^{-1} = d_i, L(s) = L_B/s, s1 = j, s2 = 2j
    g = p.d.astype(complex)
    T1, T2 = ns.transfer_matrix(g, 1 / 1j, L), ns.transfer_matrix(g, 1 / 2j, L)
    rows.append((ns.spectral_norm(T1 - T2), ns.spectral_norm(T1), ns.spectral_norm(T2), 0.0,
                 ns.spectral_norm(L) * abs(1 / 1j - 1 / 2j)))
    labels.append("counterexample")
    # homogeneous nodes, static L, close pair: the inequality is tight (equality on the
    # consensus mode), which rejects a single factor of ||T||
    ph = ns.GeneratorParams(np.full(n, 0.3), np.full(n, 0.3), np.full(n, 0.15), np.full(n, 5.0))
    rows.append(_thm3_3b_record(ph, L, 0.1j, 0.101j, "static"))
    labels.append("homogeneous")
    A = np.array(rows)
    ev = {"measured": A[:, 0], "inputs": {"T1n": A[:, 1], "T2n": A[:, 2], "dginv": A[:, 3], "dL": A[:, 4]},
          "x": labels}
    verify(claim("cdc_thm3_3b"), ev, seed=seed, params={"n": n, "pairs_per_kind": npairs},
           tolerance="deterministic inequality, rtol 1e-9 + atol 1e-12 (card)",
           scale="full" if thorough else "reduced: 25 random pairs per kind (thorough: 300)")


@given(n=st.integers(2, 40), seed=st.integers(0, 2**31 - 1), dyn=st.booleans())
@settings(max_examples=15)
def test_cdc_thm3_3b_property(n, seed, dyn):
    rng = np.random.default_rng(seed)
    p = ns.sample_generator_params(n, rng)
    L = ns.random_laplacian(["complete", "erdos_renyi", "tree"][seed % 3], n, rng)
    s = rng.uniform(0, 1, 2) + 1j * rng.uniform(-3, 3, 2)
    s = np.where(np.abs(s) < 1e-2, s + 0.1, s)
    r = np.array([_thm3_3b_record(p, L, s[0], s[1], "dynamic" if dyn else "static")])
    _holds(claim("cdc_thm3_3b"), {"measured": r[:, 0], "inputs": {"T1n": r[:, 1], "T2n": r[:, 2],
                                                                   "dginv": r[:, 3], "dL": r[:, 4]}})


@pytest.mark.claim("dynamics_concentration.cdc_lemmaA")
def test_cdc_lemmaA(verify):
    seed = 1001
    rng = np.random.default_rng(seed)
    N = 100_000
    union = []
    for Mm in (2, 3, 5):
        for law in ("uniform", "exponential"):
            X = rng.uniform(0, 1, (N, Mm)) if law == "uniform" else rng.exponential(1.0, (N, Mm))
            e_sum = np.array([0.5, 1.0, 1.5, 2.0, 3.0])
            union.append({"kind": "sum", "samples": X, "eps": e_sum,
                          "lhs": np.array([np.mean(X.sum(axis=1) >= e) for e in e_sum])})
            e_prod = np.array([0.01, 0.1, 0.5])
            union.append({"kind": "prod", "samples": X, "eps": e_prod,
                          "lhs": np.array([np.mean(X.prod(axis=1) >= e) for e in e_prod])})
    Y = rng.uniform(0.5, 2.0, N)
    W2 = rng.exponential(1.0, N)
    W1 = W2 + rng.uniform(0, 1, N) / Y  # 1/Y >= W1 - W2
    Xa, Za = rng.exponential(1.0, N), rng.uniform(0, 2, N)
    a2 = {"lhs": float(np.mean(Xa * Y >= Za)),
          "rhs": float(np.mean(W2 >= W1) + np.mean(Xa >= Za * (W1 - W2)))}
    verify(claim("cdc_lemmaA"), {"union": union, "a2": a2}, seed=seed, params={"N": N, "M": [2, 3, 5]},
           tolerance="exact: both sides are frequencies on the same sample, so the union bound holds sample-wise")


@given(N=st.integers(1, 200), Mm=st.integers(1, 6), eps=st.floats(0.0, 10.0), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=25)
def test_cdc_lemmaA_property(N, Mm, eps, seed):
    X = np.random.default_rng(seed).exponential(1.0, (N, Mm))
    rec = {"kind": "sum", "samples": X, "eps": np.array([eps]), "lhs": np.array([np.mean(X.sum(axis=1) >= eps)])}
    _holds(claim("cdc_lemmaA"), {"union": [rec], "a2": {"lhs": 0.0, "rhs": 0.0}})


def _consensus_evidence(rng, sizes, t_grid):
    inv_meas, inv_n, fin_k, fin_x, spread, ring_lam = [], [], [], [], [], []
    curves = {}
    for n in sizes:
        kr = _ring_k(n)
        L = ns.ring_lattice_laplacian(n, kr)
        k = rng.uniform(1, 5, n)
        X = ns.consensus_impulse_response(k, L, t_grid)
        inv_meas.extend((X / k[None, :]).sum(axis=1))
        inv_n.extend([n] * t_grid.size)
        x50 = ns.consensus_impulse_response(k, L, np.array([50.0]))[0]
        fin_k.append(k)
        fin_x.append(x50)
        x05 = ns.consensus_impulse_response(k, L, np.array([0.5]))[0]
        spread.append(float(x05.max() - x05.min()))
        ring_lam.append(ns.algebraic_connectivity(L))
        curves[n] = (k, L)
    return {"invariant": {"measured": np.array(inv_meas), "inputs": {"n": np.array(inv_n)}},
            "final": {"k": fin_k, "x": fin_x}, "spread": {"spread": spread},
            "ring": {"n": sizes, "k_ring": [_ring_k(n) for n in sizes], "lam2": ring_lam}}, curves


@pytest.mark.claim("dynamics_concentration.cdc_sec4a_consensus")
def test_cdc_sec4a_consensus(verify):
    seed = 4100
    rng = np.random.default_rng(seed)
    sizes = [20, 50, 100, 500]
    t_grid = np.concatenate([[0.0], np.geomspace(1e-3, 50.0, 12)])
    ev, _ = _consensus_evidence(rng, sizes, t_grid)
    R = 2000
    means, sds = [], []
    for n in sizes:
        h = n / np.sum(1.0 / rng.uniform(1, 5, (R, n)), axis=1)
        means.append(float(h.mean()))
        sds.append(float(h.std(ddof=1)))
    ev["stats"] = {"n": sizes, "mean": means, "sd": sds, "R": [R] * len(sizes), "k_range": (1.0, 5.0)}
    sd_th = [dc.consensus_delta_method(1, 5, n)[1] for n in sizes]
    fig = {"title": "Consensus value n/sum k_i^{-1}: Monte-Carlo sd vs delta method (1.206/sqrt n)", "xlabel": "n",
           "ylabel": "sd of the consensus value", "logx": True, "logy": True, "x": sizes,
           "series": [{"label": "Monte-Carlo (2000 draws)", "y": sds, "role": "measured"},
                      {"label": "delta method", "y": sd_th, "role": "theory"}],
           "note": f"spread at t = 0.5 s: {np.array2string(np.asarray(ev['spread']['spread']), precision=3)}"}
    verify(claim("cdc_sec4a_consensus"), ev, seed=seed, params={"n": sizes, "k_ring": [_ring_k(n) for n in sizes]},
           tolerance="invariant 1e-9 rel., x(50) 1e-8 rel. (eigen round-off); 3 MC SE for the mean, 5% for the sd",
           figure=fig)


@given(n=st.integers(3, 200), kfrac=st.floats(0.0, 1.0), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=15)
def test_cdc_sec4a_property(n, kfrac, seed):
    kr = 1 + int(kfrac * ((n - 1) // 2 - 1)) if (n - 1) // 2 >= 1 else 1
    rng = np.random.default_rng(seed)
    L = ns.ring_lattice_laplacian(n, kr)
    k = rng.uniform(0.1, 10, n)
    X = ns.consensus_impulse_response(k, L, np.array([0.0, 0.1, 1.0, 10.0]))
    assert np.allclose((X / k).sum(axis=1), n, rtol=1e-9, atol=0)
    assert abs(ns.algebraic_connectivity(L) - dc.ring_lattice_lambda2(n, kr)) <= 1e-9 * max(1.0, n)


def _sympy_degree(m, d, rinv, tau):
    sv = sp.Symbol("s")
    n = len(m)
    ginv = sum(sp.Rational(x) for x in m) / n * sv + sum(sp.Rational(x) for x in d) / n + sum(
        sp.Rational(r) / (sp.Rational(t) * sv + 1) for r, t in zip(rinv, tau)) / n
    g = sp.cancel(sp.together(1 / ginv))
    num, den = sp.fraction(g)
    return max(sp.degree(den, sv), sp.degree(num, sv))


@pytest.mark.claim("dynamics_concentration.cdc_sec4b_order")
def test_cdc_sec4b_order(verify):
    seed = 4200
    rng = np.random.default_rng(seed)
    m3, d3 = ["1/4", "1/5", "1/3"], ["3/10", "2/5", "1/4"]
    cases = [(("2", "3", "5"), ("1/7", "1/8", "1/6")), (("2", "2", "5"), ("1/7", "1/8", "1/6")),
             (("2", "2", "2"), ("1/7", "1/8", "1/6")), (("2", "3", "5"), ("1/7", "1/8", "0"))]
    degs = [_sympy_degree(m3, d3, r, t) for t, r in cases]
    taus = [np.array([float(sp.Rational(x)) for x in t]) for t, _ in cases]
    rinvs = [np.array([float(sp.Rational(x)) for x in r]) for _, r in cases]
    degree = {"measured": np.array(degs, dtype=float), "inputs": {"taus": taus, "rinvs": rinvs}}
    # all tau equal: empirical harmonic mean (CDC's g~) equals the representative machine
    n = 12
    p = ns.sample_generator_params(n, rng)
    pe = ns.GeneratorParams(p.m, p.d, p.rinv, np.full(n, 4.0))
    s_grid = np.concatenate([[0.0], 1j * np.geomspace(1e-2, 1e2, 20), [0.3 + 0.7j]])
    gt = ns.harmonic_mean(pe.ginv(s_grid))
    equal = {"measured": np.concatenate([gt.real, gt.imag]),
             "inputs": {"s": s_grid, "m": pe.m, "d": pe.d, "rinv": pe.rinv, "tau": pe.tau}}
    g0 = complex(ns.harmonic_mean(p.ginv(0.0)))
    dcv = {"measured": np.array([g0.real, g0.imag]),
           "inputs": {"s": np.array([0.0]), "m": p.m, "d": p.d, "rinv": p.rinv, "tau": p.tau}}
    verify(claim("cdc_sec4b_order"), {"degree": degree, "equal_tau": equal, "dc": dcv}, seed=seed,
           params={"tau_cases": [c[0] for c in cases], "n_numeric": n},
           tolerance="degrees exact (sympy cancel); transfer-function equalities 1e-12 relative")


@given(taus=st.lists(st.integers(1, 4), min_size=1, max_size=6), data=st.data())
@settings(max_examples=8)
def test_cdc_sec4b_property(taus, data):
    nn = len(taus)
    rinv = [data.draw(st.sampled_from(["0", "1/5", "1/7", "2/9"])) for _ in range(nn)]
    m = [data.draw(st.sampled_from(["1/4", "1/3", "1/2"])) for _ in range(nn)]
    d = [data.draw(st.sampled_from(["1/5", "3/10", "2/5"])) for _ in range(nn)]
    deg = _sympy_degree(m, d, rinv, [str(t) for t in taus])
    assert deg == dc.aggregate_order(np.array(taus, float), np.array([float(sp.Rational(r)) for r in rinv]))


@pytest.mark.claim("dynamics_concentration.cdc_remark_lowfreq")
def test_cdc_remark_lowfreq(verify):
    seed = 4300
    rng = np.random.default_rng(seed)
    n = 30
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    w_mono = np.array([1e-3, 1e-2, 1e-1, 1.0, 10.0])
    I_mono = ns.incoherence_curve(1j * w_mono, p.ginv(1j * w_mono), L)
    w_fit = np.geomspace(1e-4, 1e-2, 5)
    I_fit = ns.incoherence_curve(1j * w_fit, p.ginv(1j * w_fit), L)
    ev = {"fit": {"fit": _fit_dict(w_fit, I_fit), "inputs": {}},
          "monotone": {"measured": I_mono[:4]}}
    wf = np.geomspace(1e-4, 10, 60)
    fig = {"title": "Incoherence vs frequency for L(s) = L_B/s (n = 30)", "xlabel": "omega (rad/s)",
           "ylabel": "I(j omega)", "logx": True, "logy": True, "x": wf.tolist(),
           "series": [{"label": "measured", "y": ns.incoherence_curve(1j * wf, p.ginv(1j * wf), L).tolist(),
                       "role": "measured"},
                      {"label": "slope 1 through omega = 1e-4", "y": (I_fit[0] * wf / 1e-4).tolist(), "role": "theory"}]}
    verify(claim("cdc_remark_lowfreq"), ev, seed=seed, params={"n": n, "omega_fit": w_fit.tolist()},
           tolerance="slope 1 +- 0.05 (deterministic asymptotics, card)", figure=fig)


# ======================================================================================
# B. Journal extension
# ======================================================================================
def _eq3_evidence(L, gi, s0):
    n = L.shape[0]
    f_val = 1.0 / s0
    T = ns.transfer_matrix(np.full(n, gi), f_val, L)
    I = ns.incoherence_curve(s0, np.full(n, gi), L, coupling=np.array([f_val]))
    inputs = {"g_inv": gi, "f_val": f_val, "lap": L}
    return {"matrix": {"measured": np.concatenate([T.real.ravel(), T.imag.ravel()]), "inputs": inputs},
            "incoherence": {"measured": np.array([I]), "inputs": inputs}}


@pytest.mark.claim("dynamics_concentration.aut_eq3")
def test_aut_eq3(verify):
    seed = 5003
    rng = np.random.default_rng(seed)
    L = ns.erdos_renyi_laplacian(30, 0.3, rng)
    s0 = 0.3 + 0.8j
    gi = complex(ns.swing_turbine_ginv(s0, [0.2], [0.3], [0.15], [5.0])[0])
    verify(claim("aut_eq3"), _eq3_evidence(L, gi, s0), seed=seed, params={"n": 30, "s0": str(s0), "f": "1/s"},
           tolerance="identity 1e-10 relative (card; reference error 2e-16)")


@given(n=st.integers(2, 50), seed=st.integers(0, 2**31 - 1), sig=st.floats(0.05, 1.0), w=st.floats(-3, 3))
@settings(max_examples=15)
def test_aut_eq3_property(n, seed, sig, w):
    rng = np.random.default_rng(seed)
    L = ns.random_laplacian(["complete", "erdos_renyi", "tree"][seed % 3], n, rng)
    p = ns.sample_generator_params(1, rng)
    s0 = sig + 1j * w
    _holds(claim("aut_eq3"), _eq3_evidence(L, complex(p.ginv(s0)[0]), s0))


def _lemma2_point(p, L, s0, f_val, family: str = ""):
    """LHS, M1, M2, F and the proof ingredients of aut_lemma2 at one (nodes, graph, s0, f(s0));
    None if the precondition |f| lambda_2 > M2 + M1 M2^2 fails."""
    n = L.shape[0]
    g = p.ginv(s0)
    lam, V = ns.laplacian_eigh(L)
    M1, M2, F = abs(ns.harmonic_mean(g)), float(np.max(np.abs(g))), abs(f_val) * lam[1]
    if F <= M2 + M1 * M2 ** 2:
        return None
    T = ns.transfer_matrix(g, f_val, L)
    gb = complex(ns.harmonic_mean(g))
    I = float(ns.spectral_norm(T - gb / n * np.ones((n, n))))
    H = (V.T * g) @ V + f_val * np.diag(lam)
    H22i = np.linalg.inv(H[1:, 1:]) if n > 1 else np.zeros((0, 0))
    a = 1.0 / (1.0 / gb - H[0, 1:] @ H22i @ H[1:, 0])
    E = np.linalg.inv(H)
    E[0, 0] -= gb
    return {"M1": M1, "M2": M2, "F": F, "I": I, "h21": float(np.linalg.norm(H[1:, 0])),
            "H22": float(ns.spectral_norm(H22i)), "a": abs(a), "I_eig": float(ns.spectral_norm(E)),
            "T": T, "gbar": gb, "n": n, "family": family}


def _lemma2_draw(rng):
    """One admissible draw of the card's aut_lemma2 recipe (None if the precondition fails)."""
    n = int(rng.integers(2, 41))
    fam = ["erdos_renyi", "complete", "ring_lattice", "tree"][int(rng.integers(4))]
    if fam == "ring_lattice" and n < 3:
        fam = "complete"
    L = ns.random_laplacian(fam, n, rng) * 10 ** rng.uniform(0, 3)
    p = ns.sample_generator_params(n, rng, turbine=bool(rng.integers(2)))
    sigma = 0.0 if rng.random() < 0.5 else rng.uniform(0, 1)
    s0 = sigma + 1j * rng.uniform(-3, 3)
    if abs(s0) < 1e-3:
        return None
    fk = int(rng.integers(3))
    f_val = [1.0, 1.0 / s0, 1.0 / (s0 + 0.5)][fk]
    return _lemma2_point(p, L, s0, f_val, fam)


def _lemma2_evidence(draws):
    col = {k: np.array([d[k] for d in draws]) for k in ("M1", "M2", "F", "I", "h21", "H22", "a", "I_eig")}
    base = {"M1": col["M1"], "M2": col["M2"], "F": col["F"]}
    return {"upper": {"measured": col["I"], "inputs": base},
            "lower": {"measured": col["I"], "inputs": base},
            "h21": {"measured": col["h21"], "inputs": base},
            "H22": {"measured": col["H22"], "inputs": base},
            "a": {"measured": col["a"], "inputs": base},
            "eigenbasis": {"measured": col["I_eig"], "inputs": {"I_direct": col["I"]}}}


def _draws(seed, count):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        d = _lemma2_draw(rng)
        if d is not None:
            out.append(d)
    return out


@pytest.fixture(scope="module")
def lemma2_draws(thorough):
    return _draws(5202, 2000 if thorough else 250)


@pytest.mark.claim("dynamics_concentration.aut_lemma2")
def test_aut_lemma2(verify, lemma2_draws):
    ev = _lemma2_evidence(lemma2_draws)
    rhs = dc.lemma2_bound(ev["upper"]["inputs"]["M1"], ev["upper"]["inputs"]["M2"], ev["upper"]["inputs"]["F"])
    lhs = ev["upper"]["measured"]
    order = np.argsort(lhs)
    fig = {"title": "Aut Lemma 2: bound vs incoherence over random admissible draws", "xlabel": "incoherence I(s0)",
           "ylabel": "value", "logx": True, "logy": True, "x": lhs[order].tolist(),
           "series": [{"label": "Lemma 2 bound", "y": rhs[order].tolist(), "role": "bound"},
                      {"label": "DERIVED lower bound", "y": np.maximum(dc.lemma2_lower_bound(
                          ev["upper"]["inputs"]["M1"], ev["upper"]["inputs"]["M2"], ev["upper"]["inputs"]["F"])[order],
                          1e-12).tolist(), "role": "bound"},
                      {"label": "measured (= x)", "y": lhs[order].tolist(), "role": "measured"}],
           "note": f"RHS/LHS: min {np.min(rhs / lhs):.3g}, median {np.median(rhs / lhs):.3g} (card: min ~4, median ~6.5)"}
    verify(claim("aut_lemma2"), ev, seed=5202, params={"draws": len(lemma2_draws), "n_range": [2, 40],
                                                       "f": ["1", "1/s", "1/(s+0.5)"]},
           tolerance="deterministic inequalities, rtol 1e-9 + atol 1e-12 (card); eigenbasis identity 1e-9",
           figure=fig, scale="full (card's fast tier: ~250 admissible draws; thorough 2000)")


@given(seed=st.integers(0, 2**31 - 1))
@settings(max_examples=25)
def test_aut_lemma2_property(seed):
    d = _lemma2_draw(np.random.default_rng(seed))
    if d is None:
        return
    _holds(claim("aut_lemma2"), _lemma2_evidence([d]))
    _holds(claim("tn_entrywise"), {"T": [d["T"]], "gbar": [d["gbar"]], "I": [d["I"]]})


def _grid_stats(p, L, S):
    g = p.ginv(S)
    I = ns.incoherence_curve(S, g, L)
    M1 = float(np.max(np.abs(ns.harmonic_mean(g))))
    M2 = float(np.max(np.abs(g)))
    Fl = float(np.min(1.0 / np.abs(S)))
    return float(np.max(I)), M1, M2, Fl


@pytest.mark.claim("dynamics_concentration.aut_thm3")
def test_aut_thm3(verify):
    seed = 5303
    rng = np.random.default_rng(seed)
    n = 30
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    line = 1j * np.linspace(0.05, 2.0, 200)
    box = (np.linspace(0, 0.5, 5)[:, None] + 1j * np.linspace(0.05, 2.0, 5)[None, :]).ravel()
    S = np.concatenate([line, box])
    alphas = np.array([1.0, 10.0, 100.0, 1000.0])
    lam2 = ns.algebraic_connectivity(L)
    sups, M1s, M2s, Fs = [], [], [], []
    for a in alphas:
        sup, M1, M2, Fl = _grid_stats(p, a * L, S)
        sups.append(sup)
        M1s.append(M1)
        M2s.append(M2)
        Fs.append(Fl * a * lam2)
    sups = np.array(sups)
    bound = dc.lemma2_bound(M1s, M2s, Fs)
    ev = {"bound": {"measured": sups, "inputs": {"M1": np.array(M1s), "M2": np.array(M2s), "F": np.array(Fs)}},
          "rate": {"fit": _fit_dict(alphas[1:], sups[1:]), "inputs": {}}}
    fig = {"title": "Aut Thm 3: sup_S incoherence vs connectivity scale alpha (L -> alpha L)", "xlabel": "alpha",
           "ylabel": "sup_S I", "logx": True, "logy": True, "x": alphas.tolist(),
           "series": [{"label": "measured (grid sup)", "y": sups.tolist(), "role": "measured"},
                      {"label": "quantitative bound (inf where the precondition fails: omitted)",
                       "y": np.where(np.isfinite(bound), bound, np.nan).tolist(), "role": "bound"},
                      {"label": "false: slope -2", "y": (sups[1] * (alphas / 10) ** -2.0).tolist(),
                       "role": "false_variant"}]}
    verify(claim("aut_thm3"), ev, seed=seed, params={"n": n, "alpha": alphas.tolist(), "S": "j[0.05,2] + box"},
           tolerance="bound: rtol 1e-9; slope -1 +- 0.05 over alpha >= 10 (deterministic)", figure=fig)


@given(seed=st.integers(0, 2**31 - 1), x0=st.floats(0.0, 0.5), y0=st.floats(0.05, 2.0),
       scale=st.floats(1.0, 3.0))
@settings(max_examples=10)
def test_aut_thm3_property(seed, x0, y0, scale):
    rng = np.random.default_rng(seed)
    n = 12
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.5, rng) * 10 ** scale
    S = (np.linspace(x0, x0 + 0.5, 4)[:, None] + 1j * np.linspace(y0, y0 + 1.0, 6)[None, :]).ravel()
    sup, M1, M2, Fl = _grid_stats(p, L, S)
    F = Fl * ns.algebraic_connectivity(L)
    ev = {"bound": {"measured": np.array([sup]), "inputs": {"M1": np.array([M1]), "M2": np.array([M2]),
                                                           "F": np.array([F])}},
          "rate": {"fit": {"slope": -1.0, "ci_low": -1.0, "ci_high": -1.0}, "inputs": {}}}
    _holds(claim("aut_thm3"), ev)


@pytest.mark.claim("dynamics_concentration.aut_thm4")
def test_aut_thm4(verify):
    seed = 5404
    rng = np.random.default_rng(seed)
    n = 30
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    lam2 = ns.algebraic_connectivity(L)
    w = np.array([1e-1, 1e-2, 1e-3, 1e-4, 1e-5])
    g = p.ginv(1j * w)
    I = ns.incoherence_curve(1j * w, g, L)
    M1 = np.abs(ns.harmonic_mean(g))
    M2 = np.max(np.abs(g), axis=1)
    mask = lam2 / w >= 2 * (M2 + M1 * M2 ** 2)
    T0 = ns.transfer_matrix_inv_s(0.0, p.ginv(0.0), L)
    ev = {"fit": {"fit": _fit_dict(w, I), "inputs": {}},
          "bound": {"measured": I, "mask": mask, "inputs": {"M1": M1, "M2": M2, "f_abs": 1.0 / w, "lam2": lam2}},
          "T0": {"measured": np.concatenate([T0.real.ravel(), T0.imag.ravel()]),
                 "inputs": {"gbar0": complex(ns.harmonic_mean(p.ginv(0.0))), "n": n}}}
    fig = {"title": "Aut Thm 4: incoherence near the pole of f = 1/s", "xlabel": "omega", "ylabel": "I(j omega)",
           "logx": True, "logy": True, "x": w.tolist(),
           "series": [{"label": "measured", "y": I.tolist(), "role": "measured"},
                      {"label": "2(M1M2+1)^2 omega/lambda_2", "y": dc.thm4_local_bound(M1, M2, 1 / w, lam2).tolist(),
                       "role": "bound"}]}
    verify(claim("aut_thm4"), ev, seed=seed, params={"n": n, "omega": w.tolist()},
           tolerance="slope 1 +- 0.05; bound rtol 1e-9; T(0) 1e-12 relative (exact limit)", figure=fig)


@given(seed=st.integers(0, 2**31 - 1), u=st.floats(0.0, 1.0))
@settings(max_examples=10)
def test_aut_thm4_property(seed, u):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 20))
    p = ns.sample_generator_params(n, rng)
    L = ns.random_laplacian(["complete", "erdos_renyi", "tree"][seed % 3], n, rng)
    lam2 = ns.algebraic_connectivity(L)
    gg = p.ginv(1j * np.linspace(0, 1, 50))
    M1b, M2b = float(np.max(np.abs(ns.harmonic_mean(gg)))), float(np.max(np.abs(gg)))
    w = max(1e-6, u * min(1.0, lam2 / (2 * (M2b + M1b * M2b ** 2))))
    g = p.ginv(1j * w)
    M1, M2 = abs(complex(ns.harmonic_mean(g))), float(np.max(np.abs(g)))  # pointwise values at j w
    assume(lam2 / w >= 2 * (M2 + M1 * M2 ** 2))
    I = ns.incoherence_curve(1j * w, g, L)
    assert I / w <= 2 * (M1 * M2 + 1) ** 2 / lam2 * (1 + 1e-9) + 1e-12


def _thm7_errors(p, L, u0, inputs, t):
    out = {}
    for name, (kind, a) in inputs.items():
        y, yb = ns.network_time_response(p, L, u0, kind, t, a)
        out[name] = float(np.max(np.abs(y - yb[:, None])))
    return out


THM7_INPUTS = {"exp_approach": ("exp_approach", 5.0), "sine_0.1Hz": ("sine", 2 * np.pi * 0.1),
               "sine_0.25Hz": ("sine", 2 * np.pi * 0.25), "step": ("step", 0.0)}


@pytest.fixture(scope="module")
def thm7_setup():
    rng = np.random.default_rng(5707)
    n = 35
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.3, rng)
    u0 = np.zeros(n)
    u0[1] = -1.0
    t = np.linspace(0, 40, 8001)
    return p, L, u0, t


@pytest.mark.claim("dynamics_concentration.aut_thm7")
def test_aut_thm7(verify, thm7_setup, thorough):
    p, L, u0, t = thm7_setup
    e1 = _thm7_errors(p, L, u0, THM7_INPUTS, t)
    e10 = _thm7_errors(p, 10 * L, u0, THM7_INPUTS, t)
    ev = {"E": {k: (e1[k], e10[k]) for k in THM7_INPUTS}, "smooth": ["exp_approach", "sine_0.1Hz", "sine_0.25Hz"],
          "slow": "sine_0.1Hz", "fast": "sine_0.25Hz"}
    names = list(THM7_INPUTS)
    fig = {"title": "Aut Thm 7: max_i sup_t |y_i - ybar| for L and 10 L (n = 35, 0-40 s)", "xlabel": "input index "
           "(0 exp approach, 1 sine 0.1 Hz, 2 sine 0.25 Hz, 3 step)", "ylabel": "E", "logx": False, "logy": True,
           "x": list(range(4)), "series": [{"label": "L", "y": [e1[k] for k in names], "role": "measured"},
                                           {"label": "10 L", "y": [e10[k] for k in names], "role": "measured"}]}
    if thorough:
        for a in (3.0, 30.0, 100.0):
            ea = _thm7_errors(p, a * L, u0, THM7_INPUTS, t)
            fig["series"].append({"label": f"{a:g} L", "y": [ea[k] for k in names], "role": "measured"})
    verify(claim("aut_thm7"), ev, seed=5707, params={"n": 35, "graph": "ER(0.3), U[0.5,2]", "T": 40, "points": 8001},
           tolerance="smooth inputs E(10L) <= 0.5 E(L); steps E(10L) < E(L) (card); exact (expm) time responses",
           figure=fig)


@pytest.mark.claim("dynamics_concentration.aut_rem9")
def test_aut_rem9(verify):
    W = np.array([1e2, 1e4, 1e6])
    sigma, nu, a = 0.5, 0.5, 1.0
    U = {"sine": lambda s0: a / (s0 ** 2 + a ** 2), "exp_approach": lambda s0: a / (s0 * (s0 + a)),
         "step": lambda s0: 1.0 / s0}

    def integral(fun, shift, top):
        edges = np.concatenate([[0.0], np.geomspace(1e-2, top, int(round(np.log10(top))) * 2 + 5)])
        return sum(integrate.quad(lambda w: abs(fun(shift + 1j * w)), lo, hi, epsabs=1e-12, epsrel=1e-10,
                                  limit=200)[0] for lo, hi in zip(edges[:-1], edges[1:]))

    ints = {"sine": [integral(U["sine"], sigma, w) for w in W],
            "exp_approach": [integral(U["exp_approach"], sigma, w) for w in W],
            # decayed inputs e^{-nu t} u(t) have transform U(s + nu): admissible with sigma = 0
            "sine_decayed": [integral(lambda s0: U["sine"](s0 + nu), 0.0, w) for w in W],
            "exp_approach_decayed": [integral(lambda s0: U["exp_approach"](s0 + nu), 0.0, w) for w in W],
            "step": [integral(U["step"], sigma, w) for w in W]}
    svals = np.array([1.0, 1.0 + 0.5j])
    lap = []
    for s0 in svals:
        re = integrate.quad(lambda t: np.exp(-(s0 + nu).real * t) * np.cos((s0 + nu).imag * t) * np.sin(a * t) * 1.0,
                            0, np.inf, epsabs=1e-13, limit=400)[0]
        im = integrate.quad(lambda t: -np.exp(-(s0 + nu).real * t) * np.sin((s0 + nu).imag * t) * np.sin(a * t),
                            0, np.inf, epsabs=1e-13, limit=400)[0]
        lap.append(re + 1j * im)
    lap = np.array(lap)
    up, um = U["sine"](svals + nu), U["sine"](svals - nu)
    sign = {"measured": np.concatenate([lap.real, lap.imag]),
            "inputs": {"U_plus": np.concatenate([up.real, up.imag]), "U_minus": np.concatenate([um.real, um.imag])}}
    fig = {"title": "Aut Remark 9: int_0^W ||U(sigma + j omega)|| d omega", "xlabel": "W", "ylabel": "integral",
           "logx": True, "logy": False, "x": W.tolist(),
           "series": [{"label": k, "y": v, "role": "measured"} for k, v in ints.items()] +
                     [{"label": "step closed form asinh(W/sigma)", "y": np.arcsinh(W / sigma).tolist(), "role": "theory"}]}
    verify(claim("aut_rem9"), {"integrals": ints, "W": W, "sign": sign}, seed=None,
           params={"sigma": sigma, "nu": nu, "alpha": a, "W": W.tolist()},
           tolerance="converged = rel. change <= 1e-3 from W=1e4 to 1e6; divergence >= 0.95 ln 100; "
                     "Laplace transform by quad to 1e-8", figure=fig)


def _hinf_sup(p, L, w):
    """sup over omega of max(||T(j omega)||, |gbar(j omega)|): grid on log omega, then a
    bounded Brent search between the neighbours of the grid maximum."""

    def val(x):
        sx = np.atleast_1d(1j * np.exp(x))
        g = p.ginv(sx)
        T = ns.transfer_matrix_inv_s(sx, g, L)
        return np.maximum(ns.spectral_norm(T), np.abs(ns.harmonic_mean(g)))

    vals = val(np.log(w))
    _, v = ns.refine_maximum(lambda z: float(val(z)[0]), np.log(w), vals)
    return v


@pytest.mark.claim("dynamics_concentration.aut_thm8")
def test_aut_thm8(verify, thorough):
    seed = 5808
    rng = np.random.default_rng(seed)
    count = 60 if thorough else 20
    w = np.geomspace(1e-4, 1e3, 400 if thorough else 150)
    sups, dmin, dmax, labels = [], [], [], []
    for i in range(count):
        n = int(rng.integers(2, 31))
        fam = ["complete", "erdos_renyi", "ring_lattice", "tree"][i % 4]
        if fam == "ring_lattice" and n < 3:
            fam = "tree"
        L = ns.random_laplacian(fam, n, rng) * 10 ** rng.uniform(-2, 4)
        p = ns.sample_generator_params(n, rng, turbine=bool(i % 2))
        sups.append(_hinf_sup(p, L, w))
        dmin.append(p.d.min())
        dmax.append(p.d.max())
        labels.append(f"{fam} n={n} {'turbine' if i % 2 else 'swing'}")
    sups = np.array(sups)
    ev = {"measured": sups, "inputs": {"d_min": np.array(dmin), "d_max": np.array(dmax)}, "x": labels}
    verify(claim("aut_thm8"), ev, seed=seed, params={"instances": count, "grid": int(w.size)},
           tolerance="deterministic bound rtol 1e-9 (card); grid sup refined by bounded Brent search",
           scale="full" if thorough else "reduced: 20 instances on a 150-point grid (card: 60 x 400, thorough)")


@given(seed=st.integers(0, 2**31 - 1), disconnected=st.booleans())
@settings(max_examples=10)
def test_aut_thm8_property(seed, disconnected):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    B = rng.standard_normal((n, n))
    A = np.abs(B + B.T) * 10 ** rng.uniform(-2, 6)
    if disconnected and n >= 2:
        A[: n // 2, n // 2:] = 0
        A[n // 2:, : n // 2] = 0
    L = ns.laplacian_from_adjacency(A)
    p = ns.GeneratorParams(rng.uniform(0.05, 0.5, n), rng.uniform(0.05, 1.0, n), rng.uniform(0, 0.2, n),
                           rng.uniform(2, 10, n))
    w = np.geomspace(1e-3, 1e3, 60)
    g = p.ginv(1j * w)
    val = np.max(ns.spectral_norm(ns.transfer_matrix_inv_s(1j * w, g, L)))
    assert val <= (1 + 1e-9) / p.d.min() + 1e-12


@pytest.mark.claim("dynamics_concentration.aut_thm10")
def test_aut_thm10(verify, thm7_setup):
    p, L, u0, t = thm7_setup
    rng = np.random.default_rng(5110)
    symbolic = [{"eps": e, "gamma": g, "lam2": l2, "M1": m1, "M2": m2}
                for e, g, l2, m1, m2 in zip(rng.uniform(0.01, 0.5, 4), rng.uniform(1, 10, 4), rng.uniform(0.5, 50, 4),
                                            rng.uniform(0.5, 5, 4), rng.uniform(0.2, 2, 4))]
    alphas = np.array([0.4, 0.2, 0.1, 0.05, 0.025])
    E = []
    for a in alphas:
        y, yb = ns.network_time_response(p, L, u0, "sine", t, a)
        E.append(float(np.max(np.abs(y - yb[:, None]))))
    # conservativeness: alpha_0 from grid estimates of gamma, M1, M2 on B(0, delta)
    lam2 = ns.algebraic_connectivity(L)
    gam = dc.hinf_passivity_gamma(p.d)
    delta = 0.05
    disc = (np.linspace(0, delta, 6)[:, None] * np.exp(1j * np.linspace(0, 2 * np.pi, 24))[None, :]).ravel()
    gd = p.ginv(disc)
    M1, M2 = float(np.max(np.abs(ns.harmonic_mean(gd)))), float(np.max(np.abs(gd)))
    assert delta <= lam2 / (2 * (M2 + M1 * M2 ** 2))
    eps_c, Thor = 0.05, 40.0
    a0 = dc.thm10_alpha0(eps_c, Thor, lam2, M1, M2, gam, delta)
    y, yb = ns.network_time_response(p, L, u0, "sine", t, a0)
    cons = {"eps_v": eps_c, "T_v": Thor, "lam2_v": lam2, "M1_v": M1, "M2_v": M2, "gamma_v": gam, "delta": delta,
            "alpha": a0, "error": float(np.max(np.abs(y - yb[:, None])))}
    ev = {"symbolic": symbolic, "trend": {"fit": _fit_dict(alphas, E), "inputs": {}}, "conservative": cons}
    fig = {"title": "Aut Thm 10: coherence error for u = sin(alpha t) u0 at fixed L (0-40 s)", "xlabel": "alpha",
           "ylabel": "max_i sup_t |y_i - ybar|", "logx": True, "logy": True, "x": alphas.tolist(),
           "series": [{"label": "measured", "y": E, "role": "measured"},
                      {"label": "slope 1", "y": (E[0] * alphas / alphas[0]).tolist(), "role": "theory"}],
           "note": f"corrected alpha_0 = {a0:.3g} for eps = {eps_c}, T = {Thor} s (error there {cons['error']:.2g})"}
    verify(claim("aut_thm10"), ev, seed=5110, params={"alpha": alphas.tolist(), "eps": eps_c, "T": Thor},
           tolerance="proof chain in 30 digits (<= eps up to 1e-12); slope 1 +- 0.1 (card [0.9, 1.1])", figure=fig)


def _dense_sup(p, L, S):
    return float(np.max(ns.incoherence_curve(S, p.ginv(S), L)))


def _complete_sup(g, S, target=None):
    """sup_S ||T - (1/n) c 1 1^T|| on a unit-weight complete graph with f = 1/s, where
    c = gbar (target None) or the given target values."""
    n = g.shape[1]
    r, beta, _ = ns.complete_graph_transfer(g, 1.0 / S, 1.0)
    c = ns.harmonic_mean(g) if target is None else target
    ones = np.ones(n)
    return max(ns.norm_diag_plus_lowrank(r[k], np.column_stack([beta[k] * r[k], -c[k] / n * ones]),
                                         np.column_stack([r[k], ones])) for k in range(S.size))


@pytest.mark.claim("dynamics_concentration.aut_thm12")
def test_aut_thm12(verify, thorough):
    seed = 5212
    rng = np.random.default_rng(seed)
    S = 1j * np.linspace(0.05, 2.0, 12)
    R = 5 if thorough else 3
    fams = []
    spec = [("complete", [25, 50, 100, 200] + ([400] if thorough else []), True),
            ("erdos_renyi", [25, 50, 100] + ([200, 400] if thorough else []), True),
            ("ring_lattice", [25, 50, 100] + ([200, 400] if thorough else []), True),
            ("ring_k2", [25, 50, 100] + ([200] if thorough else []), False)]
    for name, sizes, growing in spec:
        sups, M1, M2, lam = [], [], [], []
        for n in sizes:
            row, r1, r2, rl = [], [], [], []
            for _ in range(R):
                p = ns.sample_generator_params(n, rng)
                g = p.ginv(S)
                if name == "complete":
                    L = None
                    row.append(_complete_sup(g, S))
                    rl.append(float(n))
                else:
                    L = (ns.erdos_renyi_laplacian(n, 0.5, rng, weight_range=None) if name == "erdos_renyi" else
                         ns.ring_lattice_laplacian(n, _ring_k(n) if name == "ring_lattice" else 2))
                    row.append(_dense_sup(p, L, S))
                    rl.append(ns.algebraic_connectivity(L))
                r1.append(float(np.max(np.abs(ns.harmonic_mean(g)))))
                r2.append(float(np.max(np.abs(g))))
            sups.append(row)
            M1.append(r1)
            M2.append(r2)
            lam.append(rl)
        fams.append({"name": name, "n": sizes, "sups": np.array(sups), "M1": np.array(M1), "M2": np.array(M2),
                     "lam2": np.array(lam), "F_low": 1.0 / np.max(np.abs(S)), "growing": growing})
    fig = {"title": "Aut Thm 12: median sup_S ||T_n - (1/n) gbar_n 1 1^T|| vs n", "xlabel": "n", "ylabel": "median sup",
           "logx": True, "logy": True, "x": fams[0]["n"],
           "series": [{"label": f["name"], "x": f["n"], "y": np.median(f["sups"], axis=1).tolist(),
                       "role": "measured" if f["growing"] else "false_variant"} for f in fams]}
    verify(claim("aut_thm12"), {"families": fams}, seed=seed, params={"S": "12 points of j[0.05, 2]", "R": R},
           tolerance="bound rtol 1e-9; complete-graph slope -1 +- 0.1 (card); growing families slope <= -0.1",
           figure=fig, scale="full" if thorough else "reduced: 3 replicates, n <= 100 for dense families "
                                                    "(complete graph to 200 via Sherman-Morrison)")


@pytest.mark.claim("dynamics_concentration.aut_lemma14")
def test_aut_lemma14(verify, thorough):
    seed = 5414
    rng = np.random.default_rng(seed)
    S = 1j * np.linspace(0.05, 2.0, 30)
    sizes = [25, 100, 400, 1600] + ([6400, 25600] if thorough else [])
    R = 200 if thorough else 40
    gbars, ratios = [], []
    for n in sizes:
        gb = np.empty((R, S.size), dtype=complex)
        for r in range(R):
            gb[r] = ns.harmonic_mean(ns.sample_generator_params(n, rng).ginv(S))
        gbars.append(gb)
        ratios.append(float(np.max(np.abs(np.diff(gb, axis=1)) / np.abs(np.diff(S))[None, :])))
    rate = {"n": sizes, "gbar": gbars, "s": S, "laws": LAWS}
    # Chebyshev at s = 0.5j, n = 1600, deterministic constants valid for every realisation:
    # M1 = 1/min d = 5 (Re gbar_n^{-1} >= min d), M2 = 0.5*0.5 + 0.5 + 0.2 = 0.95 at |s| = 0.5.
    n_c, R_c = 1600, 400
    s_c = 0.5j
    ghat_inv = 1.0 / complex(dc.harmonic_expectation_swing_turbine(s_c, **LAWS))
    gi = np.array([np.mean(ns.sample_generator_params(n_c, rng).ginv(s_c)) for _ in range(R_c)])
    epss = [0.3, 0.5]
    p1 = [float(np.mean(np.abs(gi - ghat_inv) >= e)) for e in epss]
    p2 = [float(np.mean(np.abs(1.0 / ghat_inv - 1.0 / gi) >= e)) for e in epss]
    cheb = {"n": n_c, "R": R_c, "eps": epss, "p1": p1, "p2": p2, "M1": 5.0, "M2": 0.95}
    # C_lip = max m + max(rinv tau) over the law's support = 0.5 + (1/5) * 10
    modulus = {"n": sizes, "ratio": ratios, "M1": 5.0, "C_lip": 0.5 + 0.2 * 10.0}
    med = [float(np.median(np.max(np.abs(g - dc.harmonic_expectation_swing_turbine(S, **LAWS)[None, :]), axis=1)))
           for g in gbars]
    fig = {"title": "Aut Lemma 14: median sup_S |gbar_n - ghat| vs n", "xlabel": "n", "ylabel": "median sup",
           "logx": True, "logy": True, "x": sizes,
           "series": [{"label": "measured", "y": med, "role": "measured"},
                      {"label": "n^{-1/2}", "y": (med[0] * (np.array(sizes) / sizes[0]) ** -0.5).tolist(),
                       "role": "theory"}]}
    verify(claim("aut_lemma14"), {"rate": rate, "cheb": cheb, "modulus": modulus}, seed=seed,
           params={"n": sizes, "R": R, "S": "30 points of j[0.05, 2]"},
           tolerance="slope window [-0.65, -0.35] (card); Chebyshev by the Monte-Carlo criterion; modulus exact",
           figure=fig, scale="full" if thorough else "full (card's fast tier); thorough to n = 25600")


@given(seed=st.integers(0, 2**31 - 1))
@settings(max_examples=10)
def test_aut_lemma14_property(seed):
    rng = np.random.default_rng(seed)
    lo = rng.uniform(0.05, 1.0, 4)
    hi = lo + rng.uniform(0.01, 2.0, 4)
    n = int(rng.integers(1, 40))
    m, d, r, tau = (rng.uniform(lo[i], hi[i], n) for i in range(4))
    p = ns.GeneratorParams(m, d, 1.0 / r, tau)
    S = 1j * np.sort(rng.uniform(0.05, 2.0, 20))
    gb = ns.harmonic_mean(p.ginv(S))
    ratio = float(np.max(np.abs(np.diff(gb)) / np.abs(np.diff(S))))
    M1, C = 1.0 / lo[1], hi[0] + hi[3] / lo[2]
    assert ratio <= M1 ** 2 * C * (1 + 1e-9)


def _thm15_family(rng, name, sizes, R, S):
    reps = []
    for n in sizes:
        row = []
        for _ in range(R):
            p = ns.sample_generator_params(n, rng)
            g = p.ginv(S)
            if name == "complete":
                row.append(("complete", g))
            else:
                L = (ns.erdos_renyi_laplacian(n, 0.3, rng, weight_range=None) if name == "erdos_renyi"
                     else ns.ring_lattice_laplacian(n, _ring_k(n)))
                lam, V = ns.laplacian_eigh(L)
                T = ns.transfer_matrix_inv_s(S, g, L, eig=(lam, V))
                core = V.T[None, :, :] @ T @ V[None, :, :]  # V^T T V: rank-one term is c e1 e1^T
                row.append(("dense", core))
        reps.append(row)

    cache: dict = {}

    def sup_incoherence(rep, target):
        # memoised: the figure and the two judgements (claim, false variant) ask for the
        # same (replicate, target) pairs
        key = (id(rep), np.asarray(target).tobytes())
        if key not in cache:
            kind, data = rep
            if kind == "complete":
                cache[key] = _complete_sup(data, S, target)
            else:
                E = data.copy()
                E[:, 0, 0] -= target
                cache[key] = float(np.max(ns.spectral_norm(E)))
        return cache[key]

    return {"name": name, "n": sizes, "reps": reps, "s": S, "laws": LAWS, "sup_incoherence": sup_incoherence}


@pytest.mark.claim("dynamics_concentration.aut_thm15")
def test_aut_thm15(verify, thorough):
    seed = 5515
    rng = np.random.default_rng(seed)
    S = 1j * np.linspace(0.05, 0.5, 10)
    # complete graph up to n = 1600 (O(n) per frequency): at n <= 200 the representative-machine
    # target (false variant) still decreases with slope ~ -0.43, since its limit gap (~0.056) is
    # hidden below the sampling error; it flattens only beyond n ~ 400.
    fams = [_thm15_family(rng, "complete", [25, 100, 400, 1600] + ([6400] if thorough else []), 20, S),
            _thm15_family(rng, "erdos_renyi", [25, 50, 100] + ([200, 400] if thorough else []), 20 if thorough else 8, S),
            _thm15_family(rng, "ring_lattice", [25, 50, 100] + ([200, 400] if thorough else []), 20 if thorough else 8, S)]
    ghat = dc.harmonic_expectation_swing_turbine(S, **LAWS)
    grep = dc._lemma14_target(S, LAWS, "representative")
    series = []
    for f in fams:
        series.append({"label": f"{f['name']} (target ghat)", "x": f["n"], "role": "measured",
                       "y": [float(np.median([f["sup_incoherence"](r, ghat) for r in row])) for row in f["reps"]]})
    c = fams[0]
    series.append({"label": "complete (target g_rep, false variant)", "x": c["n"], "role": "false_variant",
                   "y": [float(np.median([c["sup_incoherence"](r, grep) for r in row])) for row in c["reps"]]})
    fig = {"title": "Aut Thm 15: dynamics concentration, median sup_S ||T_n - (1/n) ghat 1 1^T||", "xlabel": "n",
           "ylabel": "median sup", "logx": True, "logy": True, "x": c["n"], "series": series,
           "note": "S = 10 points of j[0.05, 0.5], f = 1/s, swing+turbine nodes with the synthetic laws."}
    verify(claim("aut_thm15"), {"families": fams}, seed=seed, params={"S": "10 points of j[0.05, 0.5]"},
           tolerance="slopes <= -0.35, complete in [-0.75, -0.35], medians decrease (10% slack) (card)", figure=fig,
           scale="full" if thorough else "reduced: ER and ring n <= 100 with 8 replicates (complete graph: 20 "
                                         "replicates up to n = 1600 via Sherman-Morrison)")


def _aggr_evidence(rng, gens, s):
    meas, m, d, r, tau = [], [], [], [], []
    for p in gens:
        v = ns.harmonic_sum(p.ginv(s))
        meas.append(np.concatenate([v.real, v.imag]))
        m.append(p.m)
        d.append(p.d)
        r.append(p.rinv)
        tau.append(p.tau)
    return {"measured": np.concatenate(meas), "inputs": {"s": s, "m": m, "d": d, "rinv": r, "tau": tau}}


@pytest.mark.claim("dynamics_concentration.aut_ex17_18")
def test_aut_ex17_18(verify):
    seed = 1718
    rng = np.random.default_rng(seed)
    s = np.concatenate([[0.0], 1j * np.geomspace(1e-2, 1e2, 30), [0.4 + 0.3j]])
    swing = ns.sample_generator_params(5, rng, turbine=False)
    turb = ns.sample_generator_params(6, rng)
    mixed = ns.sample_generator_params(7, rng, turbine=np.array([True, False] * 3 + [True]))
    verify(claim("aut_ex17_18"), _aggr_evidence(rng, [swing, turb, mixed], s), seed=seed,
           params={"generators": [5, 6, 7], "grid": int(s.size)},
           tolerance="exact algebra in floating point: 1e-12 relative")


@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 6))
@settings(max_examples=15)
def test_aut_ex17_18_property(seed, n):
    rng = np.random.default_rng(seed)
    p = ns.GeneratorParams(rng.uniform(0.01, 5, n), rng.uniform(0.01, 5, n), rng.uniform(0, 5, n), rng.uniform(0.1, 20, n))
    _holds(claim("aut_ex17_18"), _aggr_evidence(rng, [p], 1j * np.geomspace(1e-2, 1e2, 10)))


# ======================================================================================
# C. Technical note
# ======================================================================================
@pytest.mark.claim("dynamics_concentration.tn_entrywise")
def test_tn_entrywise(verify, lemma2_draws):
    draws = list(lemma2_draws)
    # a complete-graph instance with homogeneous nodes (E = mu (I - 11^T/n)): entries of size
    # ~I, which rejects "entrywise <= I/n"
    n = 10
    L = ns.complete_laplacian(n, 3.0)
    s0 = 0.4j
    g = np.full(n, complex(ns.swing_turbine_ginv(s0, [0.2], [0.3], [0.15], [5.0])[0]))
    T = ns.transfer_matrix(g, 1 / s0, L)
    gb = complex(ns.harmonic_mean(g))
    draws.append({"T": T, "gbar": gb, "I": float(ns.spectral_norm(T - gb / n * np.ones((n, n))))})
    ev = {"T": [d["T"] for d in draws], "gbar": [d["gbar"] for d in draws], "I": [d["I"] for d in draws]}
    verify(claim("tn_entrywise"), ev, seed=5202, params={"draws": len(draws)},
           tolerance="deterministic inequalities, rtol 1e-9 + atol 1e-12")


@pytest.mark.claim("dynamics_concentration.tn_lemma2")
def test_tn_lemma2(verify):
    seed = 6002
    rng = np.random.default_rng(seed)
    meas, smin, bnorm, labels = [], [], [], []
    for i in range(250):
        k = int(rng.integers(1, 31))
        A = rng.standard_normal((k, k)) + 1j * rng.standard_normal((k, k))
        U, sv, Vh = np.linalg.svd(A)
        theta = rng.uniform(0, 0.999)
        if i % 5 == 0:  # aligned with the smallest singular pair: the bound is attained
            B = -theta * sv[-1] * np.outer(U[:, -1], Vh[-1])
            labels.append("aligned")
        else:
            B = rng.standard_normal((k, k)) + 1j * rng.standard_normal((k, k))
            B *= theta * sv[-1] / ns.spectral_norm(B)
            labels.append("random")
        meas.append(ns.spectral_norm(np.linalg.inv(A + B)))
        smin.append(sv[-1])
        bnorm.append(ns.spectral_norm(B))
    ev = {"measured": np.array(meas), "inputs": {"smin": np.array(smin), "bnorm": np.array(bnorm)}, "x": labels}
    verify(claim("tn_lemma2"), ev, seed=seed, params={"draws": 250, "k": [1, 30]},
           tolerance="deterministic, rtol 1e-9 (the aligned draws attain equality)")


@given(k=st.integers(1, 30), theta=st.floats(0.0, 0.999), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=20)
def test_tn_lemma2_property(k, theta, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((k, k)) + 1j * rng.standard_normal((k, k))
    B = rng.standard_normal((k, k)) + 1j * rng.standard_normal((k, k))
    sm = np.linalg.svd(A, compute_uv=False)[-1]
    B *= theta * sm / ns.spectral_norm(B)
    ev = {"measured": np.array([ns.spectral_norm(np.linalg.inv(A + B))]),
          "inputs": {"smin": np.array([sm]), "bnorm": np.array([ns.spectral_norm(B)])}}
    _holds(claim("tn_lemma2"), ev)


def _grounded_draw(rng):
    n = int(rng.integers(3, 26))
    fam = ["complete", "erdos_renyi", "ring_lattice", "tree"][int(rng.integers(4))]
    L = ns.random_laplacian(fam, n, rng)
    m = int(rng.integers(1, n))
    idx = rng.choice(n, m, replace=False)
    lam1 = float(np.linalg.eigvalsh(dc.grounded_laplacian(L, idx))[0])
    return lam1, m, n, float(np.linalg.eigvalsh(L)[1])


@pytest.mark.claim("dynamics_concentration.tn_lemma3")
def test_tn_lemma3(verify, thorough):
    seed = 6003
    rng = np.random.default_rng(seed)
    count = 2000 if thorough else 600
    rows = [_grounded_draw(rng) for _ in range(count)]
    for n in (5, 10, 20):  # tightness: K_n, m = 1 gives lambda_1 = 1 = (1/n) n
        rows.append((float(np.linalg.eigvalsh(dc.grounded_laplacian(ns.complete_laplacian(n), [0]))[0]), 1, n, float(n)))
    A = np.array(rows)
    ev = {"measured": A[:, 0], "inputs": {"m": A[:, 1], "n": A[:, 2], "lam2": A[:, 3]}}
    verify(claim("tn_lemma3"), ev, seed=seed, params={"graphs": count, "n": [3, 25]},
           tolerance="deterministic, rtol 1e-9 (equality at K_n, m = 1)",
           scale="full" if thorough else "reduced: 600 random graphs (card: 2000, thorough)")


@given(seed=st.integers(0, 2**31 - 1))
@settings(max_examples=25)
def test_tn_lemma3_property(seed):
    lam1, m, n, lam2 = _grounded_draw(np.random.default_rng(seed))
    _holds(claim("tn_lemma3"), {"measured": np.array([lam1]),
                                "inputs": {"m": np.array([m]), "n": np.array([n]), "lam2": np.array([lam2])}})


@pytest.fixture(scope="module")
def pole_instance():
    rng = np.random.default_rng(6020)
    n = 12
    m, d = rng.uniform(0.05, 0.5, n), rng.uniform(0.2, 0.5, n)
    L = ns.erdos_renyi_laplacian(n, 0.5, rng)
    s0 = -d.sum() / m.sum()  # pole of gbar: mean(m s0 + d) = 0
    return m, d, L, s0


@pytest.mark.claim("dynamics_concentration.tn_thm2")
def test_tn_thm2(verify, pole_instance):
    m, d, L, s0 = pole_instance
    g = ns.swing_ginv(s0, m, d)
    lam2 = ns.algebraic_connectivity(L)
    alphas = np.array([1.0, 10.0, 100.0, 1000.0])
    Tn = np.array([ns.spectral_norm(ns.transfer_matrix(g, 1.0, a * L)) for a in alphas])
    M = float(np.max(np.abs(g)))
    ev = {"bound": {"measured": Tn, "inputs": {"M": np.full(4, M), "F": alphas * lam2}},
          "fit": {"fit": _fit_dict(alphas, Tn), "inputs": {}}}
    fig = {"title": "TN Thm 2: ||T(s0)|| at a pole of gbar", "xlabel": "alpha (L -> alpha L)", "ylabel": "||T(s0)||",
           "logx": True, "logy": True, "x": alphas.tolist(),
           "series": [{"label": "measured", "y": Tn.tolist(), "role": "measured"},
                      {"label": "lower bound", "y": np.maximum(dc.pole_lower_bound(M, alphas * lam2), 1e-3).tolist(),
                       "role": "bound"}]}
    verify(claim("tn_thm2"), ev, seed=6020, params={"n": 12, "s0": s0, "alpha": alphas.tolist()},
           tolerance="bound rtol 1e-9; growth slope 1 +- 0.05", figure=fig)


@pytest.mark.claim("dynamics_concentration.tn_thm3")
def test_tn_thm3(verify):
    rng = np.random.default_rng(6030)
    n = 12
    p = ns.sample_generator_params(n, rng)
    L = ns.erdos_renyi_laplacian(n, 0.5, rng)
    s0 = -1.0 / p.tau[0]  # zero of node 1 only
    g = p.g(s0)
    assert g[0] == 0.0
    alphas = np.array([1.0, 10.0, 100.0, 1000.0])
    Tn = np.array([ns.spectral_norm(ns.transfer_matrix_from_g(g, 1.0, a * L)) for a in alphas])
    lam1 = float(np.linalg.eigvalsh(dc.grounded_laplacian(L, [0]))[0])
    gt = float(np.max(np.abs(p.ginv(s0)[1:])))
    ev = {"bound": {"measured": Tn, "inputs": {"F_lam1": alphas * lam1, "Gt_inv_norm": np.full(4, gt)}},
          "fit": {"fit": _fit_dict(alphas[1:], Tn[1:]), "inputs": {}}}
    verify(claim("tn_thm3"), ev, seed=6030, params={"n": n, "s0": s0, "alpha": alphas.tolist()},
           tolerance="bound rtol 1e-9; decay slope -1 +- 0.1 over the last two decades (card)")


@pytest.mark.claim("dynamics_concentration.tn_prop13")
def test_tn_prop13(verify, pole_instance):
    m, d, L, s0 = pole_instance
    g = ns.swing_ginv(s0, m, d)
    alphas = np.array([1.0, 10.0, 100.0, 1000.0, 1e4])
    ev = {"alpha": alphas, "T": [ns.transfer_matrix(g, 1.0, a * L) for a in alphas]}
    verify(claim("tn_prop13"), ev, seed=6020, params={"n": 12, "s0": s0, "alpha": alphas.tolist()},
           tolerance="slope -1 +- 0.05 (deterministic)")


@pytest.mark.claim("dynamics_concentration.tn_thm7")
def test_tn_thm7(verify):
    rng = np.random.default_rng(6070)
    n = 12
    k, c = rng.uniform(0.5, 2, n), rng.uniform(2, 3, n)
    L = ns.erdos_renyi_laplacian(n, 0.5, rng)
    num = np.column_stack([k, k])       # g_i = k_i (s + 1)/(s + c_i): shared zero z = -1
    den = np.column_stack([np.ones(n), c])
    h0 = k / (c - 1.0)
    alphas = np.array([1.0, 10.0, 100.0, 1000.0, 1e4])
    Iw, Ig = [], []
    for a in alphas:
        sstar = dc.thm7_witness(-1.0, h0, a * L)
        Iw.append(dc.incoherence(ns.rational_ginv(sstar, num, den), 1.0, a * L))
        Ig.append(dc.incoherence(ns.rational_ginv(0.5j, num, den), 1.0, a * L))
    ev = {"alpha": alphas, "I_witness": np.array(Iw), "I_generic": np.array(Ig)}
    fig = {"title": "TN Thm 7: incoherence at the witness s* vs a generic point", "xlabel": "alpha",
           "ylabel": "I", "logx": True, "logy": True, "x": alphas.tolist(),
           "series": [{"label": "I(s*) (shared zero z = -1)", "y": Iw, "role": "measured"},
                      {"label": "I(0.5j)", "y": Ig, "role": "measured"}]}
    verify(claim("tn_thm7"), ev, seed=6070, params={"n": n, "alpha": alphas.tolist()},
           tolerance="I(s*) >= 0.5 I(s*)|alpha=1 (card); generic slope -1 +- 0.1", figure=fig)


@pytest.mark.claim("dynamics_concentration.tn_ex2")
def test_tn_ex2(verify):
    rng = np.random.default_rng(6082)
    a, e = 0.7, 0.05
    s = np.concatenate([rng.uniform(-2, 2, 6) + 1j * rng.uniform(-2, 2, 6), [0.3, -0.2 + 1j]])
    ginv = np.column_stack([s ** 2 / (s + a), s ** 2 / (s + a + e)])
    gb = ns.harmonic_mean(ginv)
    verify(claim("tn_ex2"), {"measured": np.concatenate([gb.real, gb.imag]), "inputs": {"s": s, "a": a, "eps_v": e}},
           seed=6082, params={"a": a, "eps": e}, tolerance="rational-function evaluation, 1e-12 relative")


@pytest.mark.claim("dynamics_concentration.tn_thm8")
def test_tn_thm8(verify):
    rng = np.random.default_rng(6088)
    n = 15
    k, a_, b_ = (rng.uniform(0.5, 2, n) for _ in range(3))
    num, den = np.column_stack([k, k * a_]), np.column_stack([np.ones(n), b_])  # g = k (s+a)/(s+b)
    L = ns.erdos_renyi_laplacian(n, 0.5, rng)
    w = np.concatenate([[0.0], np.geomspace(1e-3, 1e4, 300)])
    alphas = np.array([1.0, 10.0, 100.0, 1000.0])
    sups, interior, boundary = [], [], []
    ginf = 1.0 / k  # g^{-1}(infinity)
    S_int = (np.array([0.1, 1.0, 10.0])[:, None] + 1j * np.array([-5.0, 0.0, 0.3, 2.0, 50.0])[None, :]).ravel()
    for al in alphas:
        grid = ns.incoherence_curve(1j * w, ns.rational_ginv(1j * w, num, den), al * L, coupling="static")
        inf_val = ns.incoherence_curve(0.0, ginf, al * L, coupling="static")
        sup = max(float(np.max(grid)), float(inf_val))
        sups.append(sup)
        interior.append(float(np.max(ns.incoherence_curve(S_int, ns.rational_ginv(S_int, num, den), al * L,
                                                          coupling="static"))))
        boundary.append(sup)
    ev = {"fit": {"fit": _fit_dict(alphas[1:], sups[1:]), "inputs": {}},
          "max_modulus": {"measured": np.array(interior), "inputs": {"boundary_sup": np.array(boundary)}}}
    fig = {"title": "TN Thm 8: sup over the closed right half-plane of the incoherence", "xlabel": "alpha",
           "ylabel": "sup I", "logx": True, "logy": True, "x": alphas.tolist(),
           "series": [{"label": "boundary sup (j omega incl. 0 and infinity)", "y": sups, "role": "measured"},
                      {"label": "interior samples max", "y": interior, "role": "measured"}]}
    verify(claim("tn_thm8"), ev, seed=6088, params={"n": n, "alpha": alphas.tolist(), "grid": "0 + 300 log [1e-3,1e4]"},
           tolerance="slope -1 +- 0.05 over alpha >= 10 (card); maximum modulus rtol 1e-9", figure=fig)


# ======================================================================================
# Experiments
# ======================================================================================
@pytest.mark.experiment("dynamics_concentration.E1")
def test_experiment_e1_consensus(verify):
    seed = 7001
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 0.5, 200)
    limit = dc.consensus_limit(1, 5)
    series, observed = [], []
    for n in (20, 50, 100, 500):
        L = ns.ring_lattice_laplacian(n, _ring_k(n))
        k = rng.uniform(1, 5, n)
        X = ns.consensus_impulse_response(k, L, t)
        series.append({"label": f"n={n}: max_i x_i", "y": X.max(axis=1).tolist(), "role": "measured"})
        series.append({"label": f"n={n}: min_i x_i", "y": X.min(axis=1).tolist(), "role": "measured"})
        cv = dc.consensus_value(k)
        observed.append(f"n={n}: consensus value {cv:.3f} ({(cv - limit) / dc.consensus_delta_method(1, 5, n)[1]:+.2f} sd "
                        f"from 4/ln5), spread at 0.5 s {X[-1].max() - X[-1].min():.2g}")
    series.append({"label": "4/ln 5", "y": [limit] * t.size, "role": "theory"})
    verify.experiment(SLUG, "E1", title="CDC Fig. 2: consensus concentration on ring lattices",
                      expected="n curves starting in [1,5] merge; common values within 3 sd of 4/ln5 = 2.485; "
                               "collapse within ~0.02 s at n=500, still spread at 0.5 s for n=20",
                      observed="; ".join(observed),
                      figure={"title": "Consensus responses (envelopes) and 4/ln 5", "xlabel": "t (s)",
                              "ylabel": "x_i(t)", "logx": False, "logy": False, "x": t.tolist(), "series": series},
                      seed=seed, params={"n": [20, 50, 100, 500], "k_ring": "round(0.15 n)"})


@pytest.mark.experiment("dynamics_concentration.E2")
def test_experiment_e2_grid(verify):
    seed = 7002
    rng = np.random.default_rng(seed)
    L_pu, info = pg.power_grid_laplacian("iceland")  # bundled Kron-reduced pandapower case
    # The Laplacian is in p.u. of the 100 MVA base (lambda_2 = 0.391); the synthetic generator
    # coefficients are read in MW units (MW s/rad), so the network enters as 100 L_pu (MW/rad).
    L = 100.0 * L_pu
    n = L.shape[0]
    p0 = ns.sample_generator_params(n, rng)
    # three distinct turbine time constants among the turbine units (4th-order gbar)
    tau = rng.choice([3.0, 6.0, 9.0], n)
    p = ns.GeneratorParams(p0.m, p0.d, p0.rinv, tau)
    u0 = np.zeros(n)
    u0[1] = -1.0
    t = np.linspace(0, 40, 4001)
    series, observed, errors = [], [], {}
    for scale in (1.0, 10.0):
        for name, (kind, a) in THM7_INPUTS.items():
            y, yb = ns.network_time_response(p, scale * L, u0, kind, t, a)
            coi = ns.centre_of_inertia(y, p.m)
            E = float(np.max(np.abs(y - yb[:, None])))
            errors.setdefault(name, []).append(E)
            observed.append(f"{name}, {scale:g}L: E = {E:.3g} ({E / np.max(np.abs(y)):.2f} of max|y|), "
                            f"|COI - ybar| <= {np.max(np.abs(coi - yb)):.2g}")
            if scale == 1.0 and name in ("step", "sine_0.1Hz"):
                series.append({"label": f"{name}: generator 2 (disturbed)", "y": y[:, 1].tolist(), "role": "measured"})
                series.append({"label": f"{name}: generator 30", "y": y[:, 29].tolist(), "role": "measured"})
                series.append({"label": f"{name}: gbar response", "y": yb.tolist(), "role": "theory"})
    # The card's quantitative targets for this experiment are those of aut_thm7: judge the claim
    # (and its false variant) on the real topology too, without recording a second verdict.
    ev7 = {"E": {k: tuple(v) for k, v in errors.items()}, "smooth": ["exp_approach", "sine_0.1Hz", "sine_0.25Hz"],
           "slow": "sine_0.1Hz", "fast": "sine_0.25Hz"}
    v7, fv7, _ = verify(claim("aut_thm7"), ev7, record=False)
    rep = dc.representative_generator_tf(p.m, p.d, p.rinv, p.tau)
    lam = np.linalg.eigvalsh(L_pu)
    verify.experiment(SLUG, "E2", title="Aut Fig. 2 / CDC Fig. 4 substitute: Iceland grid (35 generators)",
                      expected="steps incoherent early and tighter at 10L; exponential approach and slow (0.1 Hz) "
                               "sinusoid coherent, 0.25 Hz with visible spread at L and none at 10L; gbar response "
                               "tracks the mean and the centre of inertia (shapes only, no absolute values); "
                               "Kron-reduced Iceland lambda_2 = 0.391, lambda_3 = 0.863, lambda_max = 47.0 (card)",
                      observed="; ".join(observed) + f"; aut_thm7 on this grid: {v7.outcome.value} ({v7.reason}); "
                               f"its false variant {fv7.outcome.value}; lambda_2, lambda_3, lambda_max = "
                               f"{lam[1]:.3f}, {lam[2]:.3f}, {lam[-1]:.1f} p.u.; {info['source']}; DC gain of g_rep "
                               f"{abs(rep(0.0)):.3f} (= gbar(0))",
                      figure={"title": "Iceland grid (L): generators 2 and 30 and the gbar response", "xlabel": "t (s)",
                              "ylabel": "frequency deviation", "logx": False, "logy": False, "x": t.tolist(),
                              "series": series,
                              "note": "Topology: Kron-reduced pandapower 3.5.6 iceland case (bundled); generator "
                                      "dynamics synthetic (the Iceland dynamic data are not public); L in MW/rad "
                                      "= 100 x p.u."},
                      seed=seed, params={"n": n, "source": info["source"], "L_scale_MW_per_pu": 100.0},
                      scale="substitute: real topology (pandapower iceland, power flow + Kron reduction), "
                            "synthetic generator parameters")


@pytest.mark.experiment("dynamics_concentration.E3")
def test_experiment_e3_real_topologies(verify):
    """E3 (recommended reports): aut_lemma2's bound beside the measured incoherence on the
    bundled real grid topologies, with f = 1/s (power networks) along the imaginary axis."""
    seed = 7003
    w = np.geomspace(1e-2, 1e2, 40)
    cases = ("iceland", "case39", "case24_ieee_rts", "case118", "case300", "case14")
    points, rows, curves = [], [], {}
    for case in cases:
        L = 100.0 * pg.bundled_grid_laplacian(case)[0]  # MW/rad, as in E2
        n = L.shape[0]
        p = ns.sample_generator_params(n, np.random.SeedSequence([seed, n]))
        pts = [_lemma2_point(p, L, 1j * x, 1.0 / (1j * x), case) for x in w]
        adm = [q for q in pts if q is not None]
        points += adm
        ratio = np.array([dc.lemma2_bound(q["M1"], q["M2"], q["F"]) / q["I"] for q in adm])
        w_adm = w[[q is not None for q in pts]]
        rows.append(f"{case} (n = {n}, lambda_2 = {ns.algebraic_connectivity(L):.1f} MW/rad): admissible for "
                    f"omega <= {w_adm.max():.2g} ({len(adm)} of {w.size}), RHS/LHS {ratio.min():.2f}..{ratio.max():.2f}")
        if case == "iceland":
            curves = {"x": w_adm, "I": [q["I"] for q in adm],
                      "rhs": [float(dc.lemma2_bound(q["M1"], q["M2"], q["F"])) for q in adm],
                      "lo": [max(float(dc.lemma2_lower_bound(q["M1"], q["M2"], q["F"])), 1e-12) for q in adm],
                      "sq": [float(dc.lemma2_bound(q["M1"], q["M2"], q["F"], denom_power=2)) for q in adm]}
    # The lemma (upper and DERIVED lower bound, proof ingredients) must hold on the real
    # topologies as on the random ones, and its squared-denominator variant must fail.
    v, fv, _ = verify(claim("aut_lemma2"), _lemma2_evidence(points), record=False)
    verify.experiment(
        SLUG, "E3", title="Aut Lemma 2 on real grid topologies: bound vs incoherence along s = j omega, f = 1/s",
        expected="RHS/LHS between about 4 and 10 (card, random graphs); the bound holds wherever "
                 "|f| lambda_2 > M2 + M1 M2^2",
        observed="; ".join(rows) + f"; aut_lemma2 on these {len(points)} points: {v.outcome.value}; squared-"
                                   f"denominator variant {fv.outcome.value}",
        figure={"title": "Iceland (Kron-reduced, 35 generators): incoherence and the Lemma 2 bounds",
                "xlabel": "omega (rad/s)", "ylabel": "||T(j omega) - gbar 1 1^T / n||", "logx": True, "logy": True,
                "x": curves["x"],
                "series": [{"label": "measured", "y": curves["I"], "role": "measured"},
                           {"label": "Lemma 2 bound", "y": curves["rhs"], "role": "bound"},
                           {"label": "DERIVED lower bound", "y": curves["lo"], "role": "bound"},
                           {"label": "squared denominator (false variant)", "y": curves["sq"],
                            "role": "false_variant"}],
                "note": "bundled Kron-reduced pandapower 3.5.6 topologies, L in MW/rad = 100 x p.u.; "
                        "synthetic generator parameters"},
        seed=seed, params={"cases": list(cases), "omega": "40 log-spaced in [1e-2, 1e2]", "f": "1/s"},
        scale="substitute: real topologies, synthetic generator dynamics")
