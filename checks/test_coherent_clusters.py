"""Checks of Min & Mallada (L4DC 2023) and its ACC 2023 predecessor, card ``coherent_clusters``.

Instances of the card: the paper's three-block WSBM (``Q`` diagonal 0.8, ``W`` diagonal 20,
sizes ``(n/4, n/2, n/4)``, E1), the ACC two-area WSBM (``p, q, w_p, w_q = 0.6, 0.1, 5, 0.5``,
sizes ``30s : 20s``, E2), swing + turbine generators with ACC's coefficient laws
(``m ~ U[0.05, 0.5]``, ``d ~ U[0.2, 0.5]``, ``r ~ U[5, 10]``, ``tau ~ U[2, 10]``) and the
coupling ``f = 1/s``. Samples are drawn once per ``(n, replicate)`` from a fixed seed
sequence and shared by the claims that the card checks on the same samples.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from scipy.stats import ortho_group

import theorems
from numerics import network_reduction as nr
from numerics import network_systems as ns
from numerics import power_grids as pg
from numerics.fit import loglog_fit
from theorems import coherent_clusters as cc

SLUG = "coherent_clusters"
SEED = 20230615  # base of every seed sequence in this file

# L4DC E1: the three-cluster block model.
Q3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
W3 = np.array([[20.0, 0.4, 0.8], [0.4, 20.0, 0.7], [0.8, 0.7, 20.0]])
# ACC E2: the two-area block model.
P_IN, Q_OUT, W_IN, W_OUT = 0.6, 0.1, 5.0, 0.5
GAMMA_W = W_OUT / W_IN
Q2 = np.array([[P_IN, Q_OUT], [Q_OUT, P_IN]])
W2 = np.array([[W_IN, W_OUT], [W_OUT, W_IN]])

ETA = 1.0
BAND10 = np.linspace(0.05, 0.95, 10)  # 10 frequencies inside (0, eta); |T(-jw)| = |T(jw)|
BAND20 = np.linspace(0.025, 0.975, 20)
BAND40 = np.linspace(0.0125, 0.9875, 40)
DEVIATION_DELTA = 0.1


def _sizes3(n: int) -> tuple[int, int, int]:
    return (n // 4, n // 2, n // 4)


def _norm2(A) -> np.ndarray:
    """Spectral norm of a matrix or a stack: sqrt of the largest eigenvalue of A^H A
    (Hermitian eigensolver, several times cheaper than an SVD; accurate to round-off for the
    largest singular value)."""
    A = np.asarray(A)
    G = np.conj(np.swapaxes(A, -1, -2)) @ A
    out = np.sqrt(np.maximum(np.linalg.eigvalsh(G)[..., -1], 0.0))
    return float(out) if out.ndim == 0 else out


def _range_norm(A, basis) -> np.ndarray:
    """Spectral norm of ``A`` whose row and column spaces lie in ``span(basis)``
    (``A = Q Q^T A Q Q^T`` with ``Q = orth(basis)``): computed in ``dim(basis)`` dimensions."""
    Qm = np.linalg.qr(np.asarray(basis))[0]
    return _norm2(Qm.T @ np.asarray(A) @ Qm)


def _sym_norm(A) -> float:
    """Spectral norm of a real symmetric matrix: the largest |eigenvalue|."""
    return float(np.max(np.abs(np.linalg.eigvalsh(A))))


def _c2r(z):
    z = np.asarray(z)
    return np.stack([z.real, z.imag])


# -- shared samples -------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _wsbm3(n: int, rep: int) -> dict:
    """One sample of the paper's three-block WSBM with its generators (deterministic)."""
    g_seed, p_seed, c_seed = np.random.SeedSequence([SEED, 3, n, rep]).spawn(3)
    L, labels = ns.wsbm_laplacian(_sizes3(n), Q3, W3, g_seed)
    lam, V = ns.laplacian_eigh(L)
    params = ns.sample_generator_params(n, p_seed)
    return {"L": L, "labels": labels, "lam": lam, "V": V, "params": params,
            "kmeans_seed": int(c_seed.generate_state(1)[0]), "n": n, "rep": rep}


@functools.lru_cache(maxsize=None)
def _blk3(n: int) -> dict:
    Lb, labels = ns.wsbm_expected_laplacian(_sizes3(n), Q3, W3)
    lam, V = ns.laplacian_eigh(Lb)
    return {"L": Lb, "labels": labels, "lam": lam, "V": V}


@functools.lru_cache(maxsize=None)
def _wsbm2(scale: int, rep: int) -> dict:
    """One sample of the ACC two-area WSBM, sizes (30 s, 20 s)."""
    g_seed, = np.random.SeedSequence([SEED, 2, scale, rep]).spawn(1)
    L, labels = ns.wsbm_laplacian((30 * scale, 20 * scale), Q2, W2, g_seed)
    lam, V = ns.laplacian_eigh(L)
    return {"L": L, "labels": labels, "lam": lam, "V": V, "n": 50 * scale}


@functools.lru_cache(maxsize=None)
def _blk2(scale: int) -> dict:
    Lb, labels = ns.wsbm_expected_laplacian((30 * scale, 20 * scale), Q2, W2)
    lam, V = ns.laplacian_eigh(Lb)
    return {"L": Lb, "labels": labels, "lam": lam, "V": V}


def _M_eta(params: ns.GeneratorParams, eta: float = ETA) -> float:
    """M(eta) = sup_{|w| < eta} max_i |g_i^{-1}(jw)| on a dense grid refined by golden section."""
    w = np.linspace(0.0, eta, 401)
    fun = lambda x: float(np.max(np.abs(params.ginv(1j * x))))  # noqa: E731
    vals = np.max(np.abs(params.ginv(1j * w)), axis=1)
    return ns.refine_maximum(fun, w, vals)[1]


def _band_error(smp: dict, P: np.ndarray, Lk: np.ndarray, omegas: np.ndarray) -> float:
    """sup over the grid of ||T_yu(jw) - T̂_k(jw)|| with f = 1/s."""
    s = 1j * omegas
    g = smp["params"].ginv(s)
    # Direct solve with f = 1/s: on |s| >= 0.025 its condition number (~lambda_n / |s|) costs at
    # most ~1e-11 relative, far below the errors (>= 1e-4) being measured.
    T = ns.transfer_matrix(g, 1.0 / s, smp["L"])
    Th = cc.T_red_inv_s(s, g, P, Lk)
    return float(np.max(_norm2(T - Th)))


# =============================================================================================
# thm1 / acc_thm1: rank-k approximation bound
# =============================================================================================
def _random_wsbm_case(rng: np.random.Generator, k: int, max_size: int = 25) -> dict:
    sizes = rng.integers(3, max_size + 1, size=k)
    Q = rng.uniform(0.01, 0.2, (k, k))
    W = rng.uniform(0.1, 1.0, (k, k))
    Q, W = np.triu(Q) + np.triu(Q, 1).T, np.triu(W) + np.triu(W, 1).T
    np.fill_diagonal(Q, rng.uniform(0.5, 1.0, k))
    np.fill_diagonal(W, rng.uniform(1.0, 20.0, k))
    L, labels = ns.wsbm_laplacian(tuple(int(x) for x in sizes), Q, W, rng)
    L = L * 10 ** rng.uniform(0, 2)
    params = ns.sample_generator_params(int(sizes.sum()), rng)
    static = bool(rng.random() < 0.5)
    sigma = 0.0 if rng.random() < 0.5 else rng.uniform(0, 0.5)
    omega = rng.uniform(-2, 2)
    if abs(complex(sigma, omega)) < 1e-3:
        omega = 1e-3
    return {"L": L, "labels": labels, "params": params, "s0": complex(sigma, omega), "static": static}


def _thm1_point(case: dict, k: int) -> dict | None:
    """LHS, M1, M2, F and the three proof ingredients at one draw; None if the precondition fails."""
    L, s0 = case["L"], case["s0"]
    n = L.shape[0]
    if k >= n:
        return None
    lam, V = ns.laplacian_eigh(L)
    g = case["params"].ginv(s0)
    f = 1.0 if case["static"] else 1.0 / s0
    Tk = cc.T_rank(g, f, V[:, :k], lam[:k])
    M1, M2, F = _range_norm(Tk, V[:, :k]), float(np.max(np.abs(g))), abs(f) * lam[k]
    if not F > M2 + M1 * M2 ** 2:
        return None
    T = ns.transfer_matrix(g, f, L)
    H = V.T @ (g[:, None] * V) + f * np.diag(lam)
    Hk, Ho, Hd = H[:k, :k], H[k:, :k], H[k:, k:]
    Hd_inv = np.linalg.inv(Hd)
    A = np.linalg.inv(Hk - Ho.T @ Hd_inv @ Ho)
    return {"lhs": _norm2(T - Tk), "M1": M1, "M2": M2, "F": F,
            "Ho": _norm2(Ho), "Hd_inv": _norm2(Hd_inv), "A": _norm2(A)}


def _thm1_evidence(points: list[dict]) -> dict:
    get = lambda key: np.array([p[key] for p in points])  # noqa: E731
    inputs = {"M1": get("M1"), "M2": get("M2"), "F": get("F")}
    return {"measured": get("lhs"), "inputs": inputs,
            "H_o": {"measured": get("Ho"), "inputs": inputs},
            "H_d_inv": {"measured": get("Hd_inv"), "inputs": inputs},
            "A": {"measured": get("A"), "inputs": inputs}}


def _bound_figure(title: str, lhs, rhs, false_rhs, xlabel="draw (sorted by bound)") -> dict:
    order = np.argsort(rhs)
    x = np.arange(len(rhs))
    return {"title": title, "xlabel": xlabel, "ylabel": "norm", "logx": False, "logy": True, "x": x,
            "series": [{"label": "measured ||T_yu - T_k||", "y": np.asarray(lhs)[order], "role": "measured"},
                       {"label": "bound", "y": np.asarray(rhs)[order], "role": "bound"},
                       {"label": "false variant (squared denominator)", "y": np.asarray(false_rhs)[order],
                        "role": "false_variant"}]}


@pytest.mark.claim("coherent_clusters.thm1")
def test_thm1(verify, thorough):
    claim = theorems.get("coherent_clusters.thm1")
    rng = np.random.default_rng([SEED, 1])
    points = []
    draws = 3000 if thorough else 240
    for i in range(draws):
        k = int(rng.integers(1, 5))
        pt = _thm1_point(_random_wsbm_case(rng, k, 100 if thorough else 25), k)
        if pt is not None:
            points.append(pt)
    assert len(points) >= 40, f"too few admissible draws ({len(points)})"
    ev = _thm1_evidence(points)
    inp = ev["inputs"]
    verify(claim, ev, seed=[SEED, 1], params={"draws": draws, "admissible": len(points), "k": "1..4"},
           tolerance="LHS <= RHS (1 + 1e-9) + 1e-12: exact inequality, round-off slack only",
           figure=_bound_figure("Thm 1: rank-k truncation error vs bound", ev["measured"],
                                cc.thm1_bound(inp["M1"], inp["M2"], inp["F"]),
                                cc.thm1_bound(inp["M1"], inp["M2"], inp["F"], 2)),
           scale="full" if thorough else "reduced: 240 draws (card fast profile ~1 500 admissible)")


@given(seed=st.integers(0, 2 ** 31 - 1), k=st.integers(1, 4))
def test_thm1_property(verify, seed, k):
    rng = np.random.default_rng(seed)
    pt = _thm1_point(_random_wsbm_case(rng, k), k)
    assume(pt is not None)
    # Anchor draw where the squared-denominator variant fails, so that every example can
    # also reject the false variant on the same evidence.
    anchor = _thm1_point(_random_wsbm_case(np.random.default_rng([SEED, 1, 7]), 2), 2)
    verify(cc.thm1, _thm1_evidence([pt, anchor]), seed=seed, record=False)


@pytest.mark.claim("coherent_clusters.acc_thm1")
def test_acc_thm1(verify):
    claim = theorems.get("coherent_clusters.acc_thm1")
    rng = np.random.default_rng([SEED, 11])
    lhs, M1s, M2s, Fs = [], [], [], []
    for _ in range(200):
        na, nb = sorted(rng.integers(3, 31, size=2))[::-1]
        p, q = rng.uniform(0.5, 1.0), rng.uniform(0.01, 0.2)
        wp, wq = rng.uniform(1, 20), rng.uniform(0.1, 1)
        L, _ = ns.wsbm_laplacian((int(na), int(nb)), [[p, q], [q, p]], [[wp, wq], [wq, wp]], rng)
        L = L * 10 ** rng.uniform(0, 2)
        params = ns.sample_generator_params(int(na + nb), rng)
        s0 = complex(0.0 if rng.random() < 0.5 else rng.uniform(0, 0.5), rng.uniform(-2, 2))
        f = 1.0 if rng.random() < 0.5 else 1.0 / s0
        lam, V = ns.laplacian_eigh(L)
        g = params.ginv(s0)
        T2 = cc.acc_T2(g, f, V[:, 1], lam[1])
        M1, M2, F = _range_norm(T2, V[:, :2]), float(np.max(np.abs(g))), abs(f) * lam[2]
        if F > M2 + M1 * M2 ** 2:
            lhs.append(_norm2(ns.transfer_matrix(g, f, L) - T2))
            M1s.append(M1), M2s.append(M2), Fs.append(F)
    assert len(lhs) >= 40
    inp = {"M1": np.array(M1s), "M2": np.array(M2s), "F": np.array(Fs)}
    verify(claim, {"measured": np.array(lhs), "inputs": inp}, seed=[SEED, 11],
           params={"draws": 200, "admissible": len(lhs)},
           tolerance="LHS <= RHS (1 + 1e-9) + 1e-12: exact inequality, round-off slack only",
           figure=_bound_figure("ACC Thm 1: rank-two error vs bound", lhs, cc.thm1_bound(**inp),
                                cc.thm1_bound(inp["M1"], inp["M2"], inp["F"], 2)))


# =============================================================================================
# thm3 / acc_thm2: exact structure preservation on block-ideal Laplacians
# =============================================================================================
def _ideal_instance(sizes, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Card recipe: Q_ii = 0.8, off-diagonal U[0.01, 0.1]; W_ii = 20, off-diagonal U[0.2, 1]."""
    k = len(sizes)
    Q = rng.uniform(0.01, 0.1, (k, k))
    W = rng.uniform(0.2, 1.0, (k, k))
    Q, W = np.triu(Q) + np.triu(Q, 1).T, np.triu(W) + np.triu(W, 1).T
    np.fill_diagonal(Q, 0.8)
    np.fill_diagonal(W, 20.0)
    Lb, labels = ns.wsbm_expected_laplacian(sizes, Q, W)
    return Lb, labels, Q, W


def _thm3_instance(Lb, labels, params, s) -> dict:
    k = int(labels.max()) + 1
    lam, V = ns.laplacian_eigh(Lb)
    Vk, lam_k = V[:, :k], lam[:k]
    P = cc.membership_matrix(labels)
    S = (P.T @ Vk) / P.sum(axis=0)[:, None]  # V_k = P S exactly (block-ideal): S = P^+ V_k
    g = params.ginv(s)
    return {"measured_T": _c2r(cc.T_rank(g, 1.0 / s, Vk, lam_k)),
            "measured_L": nr.quotient_laplacian(Lb, labels),
            "inputs": {"ginv": g, "f_val": 1.0 / s, "P": P, "S": S, "lam_k": lam_k}}


def _thm3_evidence(insts: list[dict]) -> dict:
    return {"transfer": {"measured": np.concatenate([i["measured_T"].ravel() for i in insts]),
                         "inputs": {"instances": [i["inputs"] for i in insts]}},
            "laplacian": {"measured": np.concatenate([i["measured_L"].ravel() for i in insts]),
                          "inputs": {"instances": [{"S": i["inputs"]["S"], "lam_k": i["inputs"]["lam_k"]}
                                                   for i in insts]}}}


@pytest.mark.claim("coherent_clusters.thm3")
def test_thm3(verify):
    claim = theorems.get("coherent_clusters.thm3")
    rng = np.random.default_rng([SEED, 3])
    insts = []
    for sizes in [(20, 40, 20), (7, 3, 12, 5)]:
        Lb, labels, _, _ = _ideal_instance(sizes, rng)
        insts.append(_thm3_instance(Lb, labels, ns.sample_generator_params(sum(sizes), rng), 0.4j))
    verify(claim, _thm3_evidence(insts), seed=[SEED, 3],
                     params={"sizes": "(20,40,20), (7,3,12,5)", "s": "0.4j", "f": "1/s"},
                     tolerance="1e-10 relative to the largest entry: an identity in float64 (card conventions)")
    # The aggregate nodes are the group sums of g_j^{-1} (Algorithm 1, step 2).
    inp = insts[1]["inputs"]
    agg = cc.aggregate_inverse(inp["ginv"], inp["P"])
    np.testing.assert_allclose(np.diag(agg), nr.aggregate_ginv(inp["ginv"], np.argmax(inp["P"], 1)), rtol=1e-13)


@given(k=st.integers(2, 5), seed=st.integers(0, 2 ** 31 - 1), re=st.floats(0.0, 2.0), im=st.floats(0.05, 3.0))
def test_thm3_property(verify, k, seed, re, im):
    rng = np.random.default_rng(seed)
    sizes = tuple(int(x) for x in rng.integers(2, 21, size=k))
    B = rng.uniform(0.0, 1.0, (k, k))
    B = np.triu(B) + np.triu(B, 1).T
    np.fill_diagonal(B, rng.uniform(1.0, 20.0, k))
    off = B.sum(1) - np.diag(B)
    scale = 0.9 * np.diag(B).min() / (2 * max(sizes) / min(sizes) * off.max())
    Boff = B * min(1.0, scale)
    np.fill_diagonal(Boff, np.diag(B))  # prop10 margin: min_i B_ii > (2 n_max / n_min) max_i Σ_{j≠i} B_ij
    Lb, labels = ns.wsbm_expected_laplacian(sizes, np.ones((k, k)), Boff)
    inst = _thm3_instance(Lb, labels, ns.sample_generator_params(sum(sizes), rng), complex(re, im))
    verify(cc.thm3, _thm3_evidence([inst]), seed=seed, record=False)


def _acc2_instance(na, nb, alpha, beta, params, s) -> dict:
    Lb, labels = ns.wsbm_expected_laplacian((na, nb), np.ones((2, 2)), [[alpha, beta], [beta, alpha]])
    lam, V = ns.laplacian_eigh(Lb)
    g = params.ginv(s)
    P = cc.membership_matrix(labels)
    return {"T": _c2r(cc.T_rank(g, 1.0 / s, V[:, :2], lam[:2])), "L": nr.quotient_laplacian(Lb, labels),
            "inputs": {"ginv": g, "f_val": 1.0 / s, "P": P, "lam2": lam[1], "na": na, "nb": nb}}


@pytest.mark.claim("coherent_clusters.acc_thm2")
def test_acc_thm2(verify):
    claim = theorems.get("coherent_clusters.acc_thm2")
    rng = np.random.default_rng([SEED, 12])
    insts = [_acc2_instance(30, 20, P_IN * W_IN, Q_OUT * W_OUT, ns.sample_generator_params(50, rng), 0.3j),
             _acc2_instance(17, 9, 2.2, 0.3, ns.sample_generator_params(26, rng), 0.2 + 1.1j)]
    ev = {"transfer": {"measured": np.concatenate([i["T"].ravel() for i in insts]),
                       "inputs": {"instances": [i["inputs"] for i in insts]}},
          "laplacian": {"measured": np.concatenate([i["L"].ravel() for i in insts]),
                        "inputs": {"instances": [i["inputs"] for i in insts]}}}
    verify(claim, ev, seed=[SEED, 12], params={"instances": "(30,20,3,0.05) at s=0.3j; (17,9,2.2,0.3) at 0.2+1.1j"},
           tolerance="1e-10 relative to the largest entry: an identity in float64")


# =============================================================================================
# refine_appA: closed-form refinement (erratum: u for unequal cluster sizes)
# =============================================================================================
def _nres(inst: dict) -> int:
    """Number of constraint residuals of one instance: S e_1 (k) and S^T D_n S - I (k^2)."""
    k = int(np.max(inst["labels"])) + 1
    return k + k * k


def _feasible_objectives(Vk, labels, rng, count):
    """Objectives of random feasible S = D_n^{-1} P^T [1/sqrt(n), E O] (Haar O)."""
    k = int(labels.max()) + 1
    n = labels.size
    P = cc.membership_matrix(labels)
    # Any k - 1 centred indicators are independent, so the first k - 1 QR columns span the
    # centred membership space.
    E = np.linalg.qr(P - P.mean(0))[0][:, :k - 1]
    out = np.empty(count)
    for i in range(count):
        if k == 2:
            O = np.array([[1.0 if rng.random() < 0.5 else -1.0]])
        else:
            O = ortho_group.rvs(k - 1, random_state=rng)
        Vh = np.hstack([np.full((n, 1), 1 / np.sqrt(n)), E @ O])
        S = (P.T @ Vh) / P.sum(0)[:, None]
        out[i] = cc.refine_objective(Vk, labels, S)
    return out


@pytest.mark.claim("coherent_clusters.refine_appA")
def test_refine_appA(verify):
    claim = theorems.get("coherent_clusters.refine_appA")
    rng = np.random.default_rng([SEED, 4])
    ideal = []
    for sizes in [(20, 40, 20), (7, 3, 12, 5)]:  # the card's counterexamples (unequal sizes)
        Lb, labels, _, _ = _ideal_instance(sizes, rng)
        lam, V = ns.laplacian_eigh(Lb)
        ideal.append({"Vk": V[:, :len(sizes)], "labels": labels})
    sampled = []
    for k, sizes in [(2, (30, 20)), (3, (15, 30, 20)), (4, (10, 25, 15, 30))]:
        Lb, labels, Q, W = _ideal_instance(sizes, rng)
        L, _ = ns.wsbm_laplacian(sizes, Q, W, rng)
        lam, V = ns.laplacian_eigh(L)
        sampled.append({"Vk": V[:, :k], "labels": labels})
    objs, which = [], []
    for j, inst in enumerate(sampled):
        o = _feasible_objectives(inst["Vk"], inst["labels"], rng, 1000)
        objs.append(o)
        which.append(np.full(o.size, j))
    ev = {"recovery": {"measured": np.concatenate([i["Vk"].ravel() for i in ideal]),
                       "inputs": {"instances": ideal}},
          "constraints": {"measured": np.zeros(sum(_nres(i) for i in ideal + sampled)),
                          "inputs": {"instances": ideal + sampled}},
          "optimality": {"measured": np.concatenate(objs), "inputs": {"instances": sampled,
                                                                       "which": np.concatenate(which)}}}
    # Figure: objective at S* against the sorted random feasible objectives (k = 3 sample).
    o3 = np.sort(objs[1])
    fig = {"title": "App. A: objective of (8), closed form vs 1 000 random feasible S (k = 3 sample)",
           "xlabel": "feasible sample (sorted)", "ylabel": "||V_k - P S||_F^2", "logx": False, "logy": True,
           "x": np.arange(o3.size),
           "series": [{"label": "random feasible S", "y": o3, "role": "measured"},
                      {"label": "closed form S* (corrected)", "role": "theory",
                       "y": np.full(o3.size, float(cc.refine_objective(sampled[1]["Vk"], sampled[1]["labels"],
                                                                       cc.refine_embedding(sampled[1]["Vk"], sampled[1]["labels"]))))}]}
    verify(claim, ev, seed=[SEED, 4],
                      params={"ideal sizes": "(20,40,20), (7,3,12,5)", "sampled k": "2, 3, 4", "feasible draws": 1000},
                      tolerance="recovery 1e-10 relative (eigh round-off); constraints 1e-12 absolute; "
                                "optimality 1e-12 absolute slack",
                      figure=fig)


@given(k=st.integers(2, 6), seed=st.integers(0, 2 ** 31 - 1))
def test_refine_appA_property(verify, k, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 31, size=k)
    assume(sizes.sum() > k)
    labels = np.repeat(np.arange(k), sizes)
    rng.shuffle(labels)
    n = labels.size
    X = np.hstack([np.ones((n, 1)), rng.standard_normal((n, k - 1))])
    Vk = np.linalg.qr(X)[0]
    Vk[:, 0] = 1 / np.sqrt(n)  # orthonormalised random matrix with first column 1/sqrt(n)
    objs = _feasible_objectives(Vk, labels, rng, 50)
    # Anchor: the (20, 40, 20) block-ideal counterexample, where the printed u and the
    # unrotated variant fail the exact recovery.
    Lb, lab0, _, _ = _ideal_instance((20, 40, 20), np.random.default_rng([SEED, 4, 1]))
    anchor = {"Vk": ns.laplacian_eigh(Lb)[1][:, :3], "labels": lab0}
    inst = {"Vk": Vk, "labels": labels}
    ev = {"recovery": {"measured": anchor["Vk"].ravel(), "inputs": {"instances": [anchor]}},
          "constraints": {"measured": np.zeros(_nres(inst) + _nres(anchor)), "inputs": {"instances": [inst, anchor]}},
          "optimality": {"measured": objs, "inputs": {"instances": [inst], "which": np.zeros(objs.size, int)}}}
    verify(cc.refine_appA, ev, seed=seed, record=False)


# =============================================================================================
# lemma5: uniform H-infinity bound
# =============================================================================================
def _hinf(norms_on, wgrid) -> tuple[float, np.ndarray]:
    """Grid sup of ``w -> ||T(jw)||`` (``norms_on`` maps a frequency array to norms), refined by
    golden section in ``log w``; also returns the curve on the grid."""
    vals = norms_on(wgrid)
    top = ns.refine_maximum(lambda x: float(norms_on(np.array([np.exp(x)]))[0]), np.log(wgrid), vals)[1]
    return top, vals


@pytest.mark.claim("coherent_clusters.lemma5")
def test_lemma5(verify, thorough):
    claim = theorems.get("coherent_clusters.lemma5")
    wgrid = np.geomspace(1e-3, 1e2, 120 if thorough else 60)
    smp = _wsbm3(80, 0)
    red = nr.reduce_network(smp["L"], 3, labels=smp["labels"])
    prm, L = smp["params"], smp["L"]
    # Direct solves with f = 1/s: at w = 1e-3 the condition number ~2e6 costs ~1e-10 relative,
    # far below the 25% room between the measured sup (~3.8) and gamma (~5).
    norms = {
        "T_yu": lambda w: _norm2(ns.transfer_matrix(prm.ginv(1j * w), 1 / (1j * w), L)),
        "T_k": lambda w: _range_norm(cc.T_rank_inv_s(1j * w, prm.ginv(1j * w), red.Vk, red.lam_k), red.Vk),
        "T_hat_k": lambda w: _range_norm(cc.T_red_inv_s(1j * w, prm.ginv(1j * w), red.P, red.Lk), red.P),
    }
    # Swing-only generators on the same graph: ||T_yu(0)|| = 1/mean(d) > 1/max(d), which
    # rejects the false variant gamma = 1/max d.
    swing = ns.GeneratorParams(prm.m, prm.d, np.zeros(80), prm.tau)
    norms["T_yu swing"] = lambda w: _norm2(ns.transfer_matrix(swing.ginv(1j * w), 1 / (1j * w), L))
    res = {name: _hinf(fn, wgrid) for name, fn in norms.items()}
    measured = np.array([r[0] for r in res.values()])
    d = prm.d
    ev = {"measured": measured, "x": np.array(list(norms)),
          "inputs": {"d_min": np.full(measured.size, d.min()), "d_max": np.full(measured.size, d.max())}}
    fig = {"title": "Lemma 5: ||T(jw)|| against the H-infinity bound gamma = 1/min d", "xlabel": "omega (rad/s)",
           "ylabel": "||T(jw)||", "logx": True, "logy": False, "x": wgrid,
           "series": [{"label": name, "y": r[1], "role": "measured"} for name, r in res.items()]
           + [{"label": "gamma = 1/min d", "y": np.full(wgrid.size, 1 / d.min()), "role": "bound"},
              {"label": "false variant 1/max d", "y": np.full(wgrid.size, 1 / d.max()), "role": "false_variant"}]}
    verify(claim, ev, seed=[SEED, 3, 80, 0], params={"n": 80, "k": 3, "grid": f"{wgrid.size} log points in "
                                                                             "[1e-3, 1e2] + golden section"},
           tolerance="sup <= gamma (1 + 1e-9): exact bound, the refined grid sup only under-estimates the norm",
           figure=fig, scale="full" if thorough else "reduced: 60-point grid (card: 120)")


@given(n=st.integers(2, 40), seed=st.integers(0, 2 ** 31 - 1), data=st.data())
def test_lemma5_property(verify, n, seed, data):
    k = data.draw(st.integers(1, n))
    rng = np.random.default_rng(seed)
    Vk = np.linalg.qr(rng.standard_normal((n, k)))[0]
    lam = rng.uniform(0, 1e4, k)
    prm = ns.sample_generator_params(n, rng, d_range=(0.05, 1.0))
    w = np.geomspace(1e-3, 1e2, 40)
    sup = float(np.max(_norm2(cc.T_rank_inv_s(1j * w, prm.ginv(1j * w), Vk, lam))))
    # Anchor (a swing-only network, where 1/max d is exceeded at low frequency) so that the
    # false variant is rejected on the same evidence.
    a = ns.sample_generator_params(5, np.random.default_rng([SEED, 5]), turbine=False)
    a_sup = _norm2(ns.transfer_matrix_inv_s(1e-3j, a.ginv(1e-3j), ns.complete_laplacian(5)))
    ev = {"measured": np.array([sup, a_sup]),
          "inputs": {"d_min": np.array([prm.d.min(), a.d.min()]), "d_max": np.array([prm.d.max(), a.d.max()])}}
    verify(cc.lemma5, ev, seed=seed, record=False)


# =============================================================================================
# lemma6: embedding perturbation bound
# =============================================================================================
def _perturbed(Vk: np.ndarray, scale: float, rng) -> np.ndarray:
    """Perturb, re-orthonormalise with v_1 = 1/sqrt(n) kept, align column signs with Vk."""
    n, k = Vk.shape
    X = np.hstack([Vk[:, :1], Vk[:, 1:] + scale * rng.standard_normal((n, k - 1))])
    Qm = np.linalg.qr(X)[0]
    Qm[:, 0] = Vk[:, 0]
    return nr.align_signs(Qm, Vk)


@pytest.mark.claim("coherent_clusters.lemma6")
def test_lemma6(verify):
    claim = theorems.get("coherent_clusters.lemma6")
    smp = _wsbm3(80, 0)
    prm = smp["params"]
    Vk, lam_k = smp["V"][:, :3], smp["lam"][:3]
    s = 1j * BAND40
    g = prm.ginv(s)
    Tk = cc.T_rank_inv_s(s, g, Vk, lam_k)
    gamma, M = cc.hinf_gamma(prm.d), _M_eta(prm)
    rng = np.random.default_rng([SEED, 6])
    scales = np.repeat(10.0 ** -np.arange(1, 6), 3)
    lhs, dv = [], []
    for sc in scales:
        Vp = _perturbed(Vk, sc, rng)
        lhs.append(np.max(_range_norm(Tk - cc.T_rank_inv_s(s, g, Vp, lam_k), np.hstack([Vk, Vp]))))
        dv.append(np.linalg.norm(Vk - Vp))
    lhs, dv = np.array(lhs), np.array(dv)
    ev = {"measured": lhs, "x": dv, "inputs": {"gamma": gamma, "M": M, "dV_F": dv}}
    fig = {"title": "Lemma 6: sup ||T_k - T̂_k|| vs ||V_k - V̂_k||_F", "xlabel": "||V_k - V̂_k||_F",
           "ylabel": "sup over |w| < 1", "logx": True, "logy": True, "x": dv,
           "series": [{"label": "measured", "y": lhs, "role": "measured"},
                      {"label": "2 (gamma + gamma^2 M) dV", "y": cc.lemma6_bound(gamma, M, dv), "role": "bound"},
                      {"label": "false variant (squared)", "y": cc.lemma6_bound(gamma, M, dv, 2),
                       "role": "false_variant"}]}
    verify(claim, ev, seed=[SEED, 6], params={"n": 80, "k": 3, "eta": ETA, "frequencies": 40, "gamma": gamma, "M": M},
           tolerance="LHS <= RHS (1 + 1e-9) + 1e-12: exact inequality; M(eta) resolved by a refined grid",
           figure=fig)


@given(seed=st.integers(0, 2 ** 31 - 1), log_scale=st.floats(-6.0, -1.0))
def test_lemma6_property(verify, seed, log_scale):
    smp = _wsbm3(80, 0)
    prm = smp["params"]
    Vk, lam_k = smp["V"][:, :3], smp["lam"][:3]
    s = 1j * BAND10
    g = prm.ginv(s)
    Tk = cc.T_rank_inv_s(s, g, Vk, lam_k)
    rng = np.random.default_rng(seed)
    pts = []
    for sc in (10.0 ** log_scale, 1e-5):  # the second point anchors the false (squared) variant
        Vp = _perturbed(Vk, sc, rng)
        pts.append((np.max(_range_norm(Tk - cc.T_rank_inv_s(s, g, Vp, lam_k), np.hstack([Vk, Vp]))),
                    np.linalg.norm(Vk - Vp)))
    lhs, dv = np.array(pts).T
    verify(cc.lemma6, {"measured": lhs, "inputs": {"gamma": cc.hinf_gamma(prm.d), "M": _M_eta(prm), "dV_F": dv}},
           seed=seed, record=False)


# =============================================================================================
# lemma7: error certificate on sampled graphs (true partition)
# =============================================================================================
@pytest.mark.claim("coherent_clusters.lemma7")
def test_lemma7(verify, thorough):
    claim = theorems.get("coherent_clusters.lemma7")
    reps = 10 if thorough else 5
    rows = []
    for n in (80, 160):
        for rep in range(reps):
            smp = _wsbm3(n, rep)
            red = nr.reduce_network(smp["L"], 3, labels=smp["labels"])
            prm = smp["params"]
            rows.append({"n": n, "err": _band_error(smp, red.P, red.Lk, BAND20),
                         "gamma": cc.hinf_gamma(prm.d), "M": _M_eta(prm), "lam_k1": red.lam_next,
                         "dV_F": float(np.linalg.norm(red.Vk - red.Vk_hat))})
    get = lambda key: np.array([r[key] for r in rows])  # noqa: E731
    inp = {"gamma": get("gamma"), "M": get("M"), "F_l": np.full(len(rows), 1 / ETA), "lam_k1": get("lam_k1"),
           "dV_F": get("dV_F")}
    ev = {"measured": get("err"), "x": get("n"), "inputs": inp}
    x = np.arange(len(rows))
    fig = {"title": "Lemma 7: reduced-model error vs the deterministic certificate", "xlabel": "sample (n = 80, then 160)",
           "ylabel": "sup_{|w|<1} ||T_yu - T̂_k||", "logx": False, "logy": True, "x": x,
           "series": [{"label": "measured", "y": get("err"), "role": "measured"},
                      {"label": "certificate", "y": cc.lemma7_certificate(**inp), "role": "bound"},
                      {"label": "false variant: first term / 100", "role": "false_variant",
                       "y": cc.lemma7_certificate(**inp, first_scale=0.01, lemma6_weight=0.0)}]}
    verify(claim, ev, seed=[SEED, 3], params={"n": [80, 160], "replicates": reps, "eta": ETA, "frequencies": 20},
           tolerance="LHS <= certificate (1 + 1e-9) + 1e-12: exact inequality, round-off slack only", figure=fig,
           scale="full" if thorough else "reduced: 5 replicates per n (card: 10)")


# =============================================================================================
# lemma8 (corrected): refined embedding close to the ideal one
# =============================================================================================
def _lemma8_point(V: np.ndarray, Vb: np.ndarray, labels: np.ndarray, k: int) -> tuple[float, float]:
    Vk = V[:, :k]
    _, Vh = nr.refine_procrustes(Vk, labels, k)
    return float(np.linalg.norm(Vh - Vk)), nr.subspace_angles(Vk, Vb[:, :k])[1]


@pytest.mark.claim("coherent_clusters.lemma8")
def test_lemma8(verify, thorough):
    claim = theorems.get("coherent_clusters.lemma8")
    pts, tags = [], []
    sizes = (80, 160, 320) if thorough else (80, 160)
    for n in sizes:
        for rep in range(20 if thorough else 10):
            smp = _wsbm3(n, rep)
            pts.append(_lemma8_point(smp["V"], _blk3(n)["V"], smp["labels"], 3))
            tags.append(n)
    # The card's k = 2 counterexample: the ACC two-area sample (feasible set {[1/√n, ±v_2^blk]}).
    smp2 = _wsbm2(1, 0)
    pts.append(_lemma8_point(smp2["V"], _blk2(1)["V"], smp2["labels"], 2))
    tags.append(-50)
    dv, sinf = np.array(pts).T
    ev = {"measured": dv, "x": np.array(tags), "inputs": {"sin_theta_F": sinf}}
    order = np.argsort(sinf)
    fig = {"title": "Lemma 8: ||V̂_k - V_k||_F vs ||sin Theta(V_k, V_k^blk)||_F", "xlabel": "||sin Theta||_F",
           "ylabel": "||V̂_k - V_k||_F", "logx": True, "logy": True, "x": sinf[order],
           "series": [{"label": "measured", "y": dv[order], "role": "measured"},
                      {"label": "corrected bound sqrt(2) sin", "y": cc.lemma8_bound(sinf[order]), "role": "bound"},
                      {"label": "printed bound sin (fails)", "y": cc.lemma8_bound(sinf[order], "printed"),
                       "role": "false_variant"}]}
    _, _, pv = verify(claim, ev, seed=[SEED, 3], params={"n": list(sizes), "k": 3, "k=2 counterexample": "ACC n=50"},
                      tolerance="1e-9 relative + 1e-12 absolute: the printed form's violation is ~theta^2/8 "
                                "relative, so only a round-off tolerance can separate it",
                      figure=fig, scale="full" if thorough else "reduced: 10 replicates per n (card: 20)")
    # The printed form must fail on the k = 2 counterexample itself, not only on the k = 3 samples.
    assert dv[-1] > sinf[-1] * (1 + 1e-9)
    assert abs(dv[-1] - np.sqrt(2 * (1 - np.sqrt(1 - sinf[-1] ** 2)))) < 1e-12


@given(n1=st.integers(2, 30), n2=st.integers(2, 30), seed=st.integers(0, 2 ** 31 - 1))
def test_lemma8_property(verify, n1, n2, seed):
    # k = 2: v, w unit, orthogonal to 1, w block-constant: ||w - sign(v.w) v|| = sqrt(2(1 - |v.w|))
    # lies in [sin theta, sqrt(2) sin theta].
    rng = np.random.default_rng(seed)
    n = n1 + n2
    labels = np.repeat([0, 1], [n1, n2])
    w = np.where(labels == 0, np.sqrt(n2 / n1), -np.sqrt(n1 / n2)) / np.sqrt(n)
    v = w + 0.3 * rng.standard_normal(n)
    v -= v.mean()
    v /= np.linalg.norm(v)
    Vk = np.column_stack([np.full(n, 1 / np.sqrt(n)), v])
    _, Vh = nr.refine_procrustes(Vk, labels, 2)
    c = abs(v @ w)
    dist = float(np.linalg.norm(Vh - Vk))
    assert abs(dist - np.sqrt(2 * (1 - c))) < 1e-12
    sin = np.sqrt(max(1 - c ** 2, 0.0))
    assert sin * (1 - 1e-12) <= dist <= np.sqrt(2) * sin * (1 + 1e-12) + 1e-15
    verify(cc.lemma8, {"measured": np.array([dist, 0.5]), "inputs": {"sin_theta_F": np.array([sin, 0.5])}},
           seed=seed, record=False, printed_expected="any")
    # printed_expected="any": when |v.w| is near 1 the printed form's violation (~theta^2/8)
    # is below round-off; the anchor point (0.5 <= sqrt 2 * 0.5, > 0.5^2) rejects the false variant.


# =============================================================================================
# prop10: exact spectrum of L^blk
# =============================================================================================
def _prop10_instance(sizes, B) -> dict:
    Lb, labels = ns.wsbm_expected_laplacian(sizes, np.ones_like(B), B)
    lam, V = ns.laplacian_eigh(Lb)
    k = len(sizes)
    P = cc.membership_matrix(labels)
    return {"eigs": lam, "angle": nr.subspace_angles(V[:, :k], P / np.sqrt(P.sum(0)))[1],
            "lam_k1": lam[k], "gap": lam[k] - lam[k - 1], "inputs": {"sizes": np.array(sizes), "B": B}}


def _prop10_evidence(insts) -> dict:
    ins = [i["inputs"] for i in insts]
    return {"spectrum": {"measured": np.concatenate([i["eigs"] for i in insts]), "inputs": {"instances": ins}},
            "block_ideal": {"measured": np.array([i["angle"] for i in insts]), "inputs": {"instances": ins}},
            "lambda_k1": {"measured": np.array([i["lam_k1"] for i in insts]), "inputs": {"instances": ins}},
            "gap": {"measured": np.array([i["gap"] for i in insts]), "inputs": {"instances": ins}}}


@pytest.mark.claim("coherent_clusters.prop10")
def test_prop10(verify):
    claim = theorems.get("coherent_clusters.prop10")
    B_paper = Q3 * W3
    rng = np.random.default_rng([SEED, 10])
    Lb, labels, Q, W = _ideal_instance((7, 3, 12, 5), rng)
    insts = [_prop10_instance((20, 40, 20), B_paper), _prop10_instance((7, 3, 12, 5), Q * W)]
    # The card's reference values for the paper instance, computed from the closed form.
    first, mu, mult = cc.prop10_spectrum((20, 40, 20), B_paper)
    np.testing.assert_allclose(first, [0.0, 3.91511, 5.88489], atol=1e-5)
    np.testing.assert_allclose(mu, [323.2, 642.2, 324.4], rtol=1e-12)
    x = np.arange(80)
    fig = {"title": "Prop. 10: spectrum of L^blk (sizes 20, 40, 20)", "xlabel": "index", "ylabel": "eigenvalue",
           "logx": False, "logy": False, "x": x,
           "series": [{"label": "eigh(L^blk)", "y": insts[0]["eigs"], "role": "measured"},
                      {"label": "Prop. 10", "y": cc.prop10_full_spectrum((20, 40, 20), B_paper), "role": "theory"},
                      {"label": "false variant (inter-block degree dropped)", "role": "false_variant",
                       "y": cc.prop10_full_spectrum((20, 40, 20), B_paper, 0.0)}]}
    verify(claim, _prop10_evidence(insts), seed=[SEED, 10], params={"instances": "paper (20,40,20); random (7,3,12,5)"},
           tolerance="spectrum 1e-9 relative to the largest eigenvalue (card); subspace 1e-9; inequalities "
                     "round-off slack", figure=fig)


@given(k=st.integers(2, 5), seed=st.integers(0, 2 ** 31 - 1))
def test_prop10_property(verify, k, seed):
    rng = np.random.default_rng(seed)
    sizes = tuple(int(x) for x in rng.integers(2, 31, size=k))
    alpha = rng.uniform(1, 20, k)
    limit = alpha.min() / (2 * max(sizes) / min(sizes)) / (k - 1)  # keeps Delta' > 0
    beta = rng.uniform(0.01, 0.9, (k, k)) * limit
    B = np.triu(beta, 1) + np.triu(beta, 1).T + np.diag(alpha)
    inst = _prop10_instance(sizes, B)
    _, mu, mult = cc.prop10_spectrum(sizes, B)
    for m_i, c in zip(mu, mult):  # multiplicities n_i - 1
        assert np.sum(np.abs(inst["eigs"] - m_i) <= 1e-9 * inst["eigs"].max()) >= c
    verify(cc.prop10, _prop10_evidence([inst]), seed=seed, record=False)


# =============================================================================================
# thm4: reduced-model error under the WSBM (trend in n)
# =============================================================================================
def _thm4_run(n: int, rep: int) -> dict:
    smp = _wsbm3(n, rep)
    red = nr.reduce_network(smp["L"], 3, seed=smp["kmeans_seed"])
    ok = nr.partition_recovered(red.labels, smp["labels"])
    return {"n": n, "recovered": ok, "err": _band_error(smp, red.P, red.Lk, BAND10) if ok else np.nan}


@pytest.mark.claim("coherent_clusters.thm4")
def test_thm4(verify, thorough):
    claim = theorems.get("coherent_clusters.thm4")
    sizes = (80, 160, 320) if thorough else (80, 160)
    reps = 10 if thorough else 4
    runs = [_thm4_run(n, rep) for n in sizes for rep in range(reps)]
    ns_ = np.array(sizes, dtype=float)
    rate = np.array([np.mean([r["recovered"] for r in runs if r["n"] == n]) for n in sizes])
    ok = [r for r in runs if r["recovered"]]
    med = np.array([np.median([r["err"] for r in ok if r["n"] == n]) for n in sizes])
    fit = loglog_fit([r["n"] for r in ok], [r["err"] for r in ok])
    ev = {"measured": med, "x": ns_, "fit": fit.as_dict(), "inputs": {"ns": ns_, "recovery_rate": rate}}
    fig = {"title": "Thm 4: median sup_{|w|<1} ||T_yu - T̂_k|| over recovered runs", "xlabel": "n",
           "ylabel": "median sup error", "logx": True, "logy": True, "x": ns_,
           "series": [{"label": "median error (k-means recovered)", "y": med, "role": "measured"},
                      {"label": f"fit slope {fit.slope:.2f}", "y": np.exp(fit.intercept) * ns_ ** fit.slope,
                       "role": "theory"},
                      {"label": "slope -0.6 through the first point", "y": med[0] * (ns_ / ns_[0]) ** -0.6,
                       "role": "bound"}],
           "note": "The ~1/n empirical rate is faster than the proof's sqrt(log n / n) route; reported, not asserted."}
    verify(claim, ev, seed=[SEED, 3], params={"n": list(sizes), "replicates": reps, "eta": ETA, "frequencies": 10,
                                              "clustering": "KMeans n_init=10 on [v2, v3]"},
           tolerance="slope <= -0.6 with 95% CI below 0; recovery >= 0.75 from n = 160 (card pass criteria)",
           figure=fig, scale="full" if thorough else "reduced: n in {80, 160}, 4 replicates (card fast profile)")


# =============================================================================================
# thm4_explicit_N: not checkable (astronomical N), evaluated and recorded
# =============================================================================================
@pytest.mark.claim("coherent_clusters.thm4_explicit_N")
def test_thm4_explicit_N(verify):
    claim = theorems.get("coherent_clusters.thm4_explicit_N")
    kw = dict(eps=0.1, delta=0.1, eta=1.0, gamma=5.0, M=0.70)
    fr = [0.25, 0.5, 0.25]
    n36 = cc.thm4_sample_size(fr, Q3, W3, "36", **kw)
    n37_printed = cc.thm4_sample_size(fr, Q3, W3, "37", sqrt2_fix=False, **kw)
    n37_fixed = cc.thm4_sample_size(fr, Q3, W3, "37", **kw)
    at_640 = cc.thm4_conditions((160, 320, 160), Q3, W3, 3, c=1.0, **kw)
    verify.not_checkable(claim, evidence={"measured": {"N36": n36, "N37_printed": n37_printed, "N37_corrected": n37_fixed}},
                         phenomenon=f"(36) holds from n = {n36:.3g}; (37) from n = {n37_printed:.3g} as printed, "
                                    f"{n37_fixed:.3g} with the Lemma 8 factor; at n = 640 the radius is "
                                    f"{at_640['radius']:.0f} and (36)/(37) hold: {at_640['ok36']}/{at_640['ok37']}",
                         params={**kw, "fractions": fr})
    assert 2.5e4 < n36 < 3.5e4 and 5e11 < n37_printed < 8e11 and n37_fixed > n37_printed


# =============================================================================================
# sec5_phenomenon (and experiment E1, L4DC Fig. 3): time-domain tracking
# =============================================================================================
T_GRID = np.linspace(0.0, 10.0, 5001)


def _tracking(y: np.ndarray, yhat: np.ndarray, labels: np.ndarray, k: int) -> dict:
    out = {"E_node": [], "E_mean": [], "Y": []}
    for i in range(k):
        m = labels == i
        out["E_node"].append(float(np.max(np.abs(y[:, m] - yhat[:, i][:, None]))))
        out["E_mean"].append(float(np.max(np.abs(y[:, m].mean(1) - yhat[:, i]))))
        out["Y"].append(float(np.max(np.abs(yhat[:, i]))))
    return out


def _sec5_sample(seed_rep: int) -> dict | None:
    smp = _wsbm3(80, seed_rep)
    red = nr.reduce_network(smp["L"], 3, seed=smp["kmeans_seed"])
    if not nr.partition_recovered(red.labels, smp["labels"]):
        return None
    prm = smp["params"]
    u0 = np.zeros(80)
    u0[1] = -1.0  # step u_2 = -chi(t) at node index 1 (sign chosen to match the plotted dip; UNCERTAIN)
    y = ns.exact_response(ns.swing_turbine_statespace(prm, smp["L"]), "step", T_GRID, u0)
    first = np.array([np.flatnonzero(red.labels == i)[0] for i in range(3)])
    y3 = ns.exact_response(nr.reduced_statespace(prm, red.labels, red.Lk), "step", T_GRID, u0)[:, first]
    y1 = ns.exact_response(nr.reduced_statespace(prm, np.zeros(80, int), np.zeros((1, 1))), "step", T_GRID, u0)[:, :1]
    return {"3": _tracking(y, y3, red.labels, 3), "1": _tracking(y, np.repeat(y1, 3, axis=1), red.labels, 3),
            "disturbed": int(red.labels[1]), "y": y, "y3": y3, "labels": red.labels, "rep": seed_rep,
            "dc": 1.0 / np.sum(prm.d + prm.rinv)}




@pytest.mark.claim("coherent_clusters.sec5_phenomenon")
@pytest.mark.experiment("coherent_clusters.E1")
@pytest.mark.xfail(strict=True, reason=(
    "card criterion not robust: the disturbed group's mean error exceeds 10% of max|ŷ_i| on 2 of the 6 "
    "default samples (10.1%, 10.8%; 3 of 12 samples with the third at 15.4%, card reference 2.9-5.9% on 4). "
    "The maximum sits in the first 0.7 s (mostly 0.2 s) and grows as the disturbed node's inertia m falls (m = 0.08-0.19 "
    "on the failing samples): a fast local transient outside the band |w| < eta that Thm 4 controls "
    "(card erratum 8). Non-disturbed groups stay within 5.1% node-wise and k = 3 beats k = 1 "
    "(79-115% for the disturbed group) on every sample."))
def test_sec5_phenomenon(verify, thorough):
    claim = theorems.get("coherent_clusters.sec5_phenomenon")
    samples, skipped = [], []
    rep = 0
    while len(samples) < (12 if thorough else 6):
        out = _sec5_sample(rep)
        (samples.append(out) if out is not None else skipped.append(rep))
        rep += 1
    ev = {"samples": [{key: s[key] for key in ("3", "1", "disturbed")} for s in samples]}
    s0 = samples[0]
    lab = s0["labels"]
    series = []
    for i in range(3):
        tag = " (disturbed)" if i == s0["disturbed"] else ""
        series.append({"label": f"mean y, group {i + 1}{tag}", "y": s0["y"][:, lab == i].mean(1), "role": "measured"})
        series.append({"label": f"ŷ_{i + 1} (reduced)", "y": s0["y3"][:, i], "role": "theory"})
    series.append({"label": "disturbed node y_2", "y": s0["y"][:, 1], "role": "measured"})
    fig = {"title": "L4DC Fig. 3: step -chi at node 2, k = 3 reduced model (n = 80)", "xlabel": "t (s)",
           "ylabel": "frequency deviation (rad/s)", "logx": False, "logy": False, "x": T_GRID, "series": series}
    rel = lambda s, k: [round(e / y, 4) for e, y in zip(s[k]["E_mean"], s[k]["Y"])]  # noqa: E731
    verify.experiment(SLUG, "E1", title="L4DC Fig. 3: synthetic three-cluster network, step at node 2",
                      expected="all traces settle to a common value; the disturbed group oscillates fast in the "
                               "first seconds; the other groups show a smooth dip with a small undershoot; the "
                               "dashed reduced responses follow each group (paper: settling near -35 mHz)",
                      observed=f"relative E_mean per group, k = 3: {rel(s0, '3')}; single coherent node: "
                               f"{rel(s0, '1')}; disturbed-group relative E_mean over the samples: "
                               f"{[rel(s, '3')[s['disturbed']] for s in samples]}; DC deviation 1/sum(d + 1/r) = "
                               f"{s0['dc']:.4f}, y at t = 10 s: {s0['y'][-1].mean():.4f} (turbines with tau up "
                               "to 10 s are not yet settled)",
                      figure=fig, seed=[SEED, 3, 80, s0["rep"]], params={"n": 80, "k": 3})
    verify(claim, ev, seed=[SEED, 3, 80], params={"n": 80, "samples": [s["rep"] for s in samples],
                                                  "clustering failures skipped": skipped, "t": "0..10 s, 5001 pts"},
           tolerance="10% of the group's response scale max|ŷ_i| (card's quantitative criterion)", figure=fig,
           scale="full" if thorough else "reduced: 6 samples (12 under --thorough)")


# =============================================================================================
# ACC group: two-block spectrum, concentration, Thm 4, sign clustering, Figs. 3-4
# =============================================================================================
def _acc_claim_instance(na, nb, alpha, beta) -> dict:
    Lb, labels = ns.wsbm_expected_laplacian((na, nb), np.ones((2, 2)), [[alpha, beta], [beta, alpha]])
    lam = np.linalg.eigvalsh(Lb)
    v2 = ns.laplacian_eigh(Lb)[1][:, 1]
    v2f = cc.acc_two_block_spectrum(na, nb, alpha, beta)["v2"]
    return {"values": np.array([lam[1], lam[2], abs(v2 @ v2f)]), "eigs": lam,
            "sign": float(nr.partition_recovered(nr.sign_clusters(v2), labels)),
            "inputs": {"na": na, "nb": nb, "alpha": alpha, "beta": beta}}


def _acc_claim_evidence(insts) -> dict:
    ins = {"instances": [i["inputs"] for i in insts]}
    return {"values": {"measured": np.concatenate([i["values"] for i in insts]), "inputs": ins},
            "spectrum": {"measured": np.concatenate([i["eigs"] for i in insts]), "inputs": ins},
            "sign": {"measured": np.array([i["sign"] for i in insts]), "inputs": ins}}


@pytest.mark.claim("coherent_clusters.acc_claim")
def test_acc_claim(verify):
    claim = theorems.get("coherent_clusters.acc_claim")
    insts = [_acc_claim_instance(30, 20, P_IN * W_IN, Q_OUT * W_OUT), _acc_claim_instance(12, 5, 1.7, 0.6)]
    spec = cc.acc_two_block_spectrum(30, 20, 3.0, 0.05)
    assert np.isclose(spec["lam2"], 2.5) and np.isclose(spec["lam3"], 61.5)  # card reference values
    verify(claim, _acc_claim_evidence(insts), seed=None, params={"instances": "(30,20,3,0.05), (12,5,1.7,0.6)"},
           tolerance="1e-10 relative per value (eigh round-off); spectrum 1e-10 relative to the largest")


@given(nb=st.integers(2, 30), extra=st.integers(0, 30), alpha=st.floats(0.1, 20.0), ratio=st.floats(0.01, 0.95))
def test_acc_claim_property(verify, nb, extra, alpha, ratio):
    inst = _acc_claim_instance(nb + extra, nb, alpha, ratio * alpha)
    # Anchor: the ACC instance (n_a != n_b), where lambda_3 = n_a alpha + n_b beta is wrong; with
    # n_a = n_b both formulas coincide and the false variant could not be rejected.
    anchor = _acc_claim_instance(30, 20, P_IN * W_IN, Q_OUT * W_OUT)
    verify(cc.acc_claim, _acc_claim_evidence([inst, anchor]), seed=None, record=False)


def _prop3_rows(sizes: tuple[int, ...], reps: int) -> list[dict]:
    rows = []
    for n in sizes:
        blk = _blk3(n)
        for rep in range(reps):
            smp = _wsbm3(n, rep)
            norm = _sym_norm(smp["L"] - blk["L"])
            rows.append({"n": n, "norm": norm, "lam_k1": smp["lam"][3], "lam_blk_k1": blk["lam"][3],
                         "gap": blk["lam"][3] - blk["lam"][2],
                         "sin": nr.subspace_angles(smp["V"][:, :3], blk["V"][:, :3])[1]})
    return rows


@pytest.mark.claim("coherent_clusters.acc_prop3")
def test_acc_prop3(verify, thorough):
    claim = theorems.get("coherent_clusters.acc_prop3")
    sizes = (80, 160, 320, 640) if thorough else (80, 160)
    reps = 20 if not thorough else 20
    rows = _prop3_rows(sizes, reps)
    get = lambda key: np.array([r[key] for r in rows], dtype=float)  # noqa: E731
    n = get("n")
    Delta = np.array([cc.prop3_delta(_sizes3(int(x)), Q3, W3) for x in n])
    med = np.array([np.median(get("norm")[n == x]) for x in sizes])
    ev = {"concentration": {"measured": get("norm"),
                            "inputs": {"Delta": Delta, "n": n, "delta": DEVIATION_DELTA, "prob": 1 - DEVIATION_DELTA}},
          "growth": {"ns": np.array(sizes, float), "median_norm": med},
          "weyl": {"measured": get("lam_k1"), "inputs": {"lam_blk_k1": get("lam_blk_k1"), "norm": get("norm")}},
          "davis_kahan": {"measured": get("sin"), "inputs": {"k": 3, "norm": get("norm"), "gap": get("gap")}}}
    x = np.array(sizes, float)
    radius = [float(cc.prop3_radius(cc.prop3_delta(_sizes3(int(v)), Q3, W3), v, DEVIATION_DELTA)) for v in sizes]
    fig = {"title": "ACC Prop. 3: ||L - L^blk|| vs the radius (paper WSBM)", "xlabel": "n",
           "ylabel": "spectral norm", "logx": True, "logy": True, "x": x,
           "series": [{"label": "median ||L - L^blk||", "y": med, "role": "measured"},
                      {"label": "radius 8 sqrt(Delta log(4n/delta))", "y": radius, "role": "bound"},
                      {"label": "false variant: bounded (constant at n = 80)", "y": np.full(x.size, med[0]),
                       "role": "false_variant"}],
           "note": f"normalised medians ||L - L^blk|| / sqrt(n log n): {np.round(med / np.sqrt(x * np.log(x)), 2).tolist()}"}
    verify(claim, ev, seed=[SEED, 3], params={"n": list(sizes), "replicates": reps, "delta": DEVIATION_DELTA},
           tolerance="frequency: exact binomial test at level 0.999; growth: slope of the sqrt(n log n)-normalised "
                     "median <= 0.4 (card); Weyl / Davis-Kahan: round-off slack",
           figure=fig, scale="full" if thorough else "reduced: n in {80, 160} (card fast profile)")
    normalised = med / np.sqrt(x * np.log(x))
    assert np.all((normalised >= 5) & (normalised <= 12)), normalised  # card: stays within [5, 12]


@functools.lru_cache(maxsize=None)
def _acc_rows(scale: int, reps: int) -> tuple:
    rows = []
    blk = _blk2(scale)
    for rep in range(reps):
        smp = _wsbm2(scale, rep)
        c = abs(smp["V"][:, 1] @ blk["V"][:, 1])
        rows.append({"n": smp["n"], "lam3": smp["lam"][2], "norm": _sym_norm(smp["L"] - blk["L"]),
                     "sin": float(np.sqrt(max(1 - c ** 2, 0.0))), "lam3_blk": blk["lam"][2],
                     "rec2": nr.partition_recovered(nr.sign_clusters(smp["V"][:, 1]), smp["labels"]),
                     "rec3": nr.partition_recovered(nr.sign_clusters(smp["V"][:, 2]), smp["labels"])})
    return tuple(rows)


@pytest.mark.claim("coherent_clusters.acc_thm4")
def test_acc_thm4(verify):
    claim = theorems.get("coherent_clusters.acc_thm4")
    rows = [r for s in (1, 2, 4) for r in _acc_rows(s, 30)]
    get = lambda key: np.array([r[key] for r in rows], dtype=float)  # noqa: E731
    n = get("n")
    nmin = 0.4 * n
    gap = nmin * W_IN * (P_IN - GAMMA_W * Q_OUT)
    common = {"p": P_IN, "q": Q_OUT, "wp": W_IN, "gamma_w": GAMMA_W, "n": n, "nmin": nmin, "delta": DEVIATION_DELTA,
              "prob": 1 - DEVIATION_DELTA}
    ev = {"eq9": {"measured": get("lam3"), "inputs": {**common, "lam3_blk": get("lam3_blk")}},
          "eq10": {"measured": get("sin"), "inputs": common},
          "weyl": {"measured": get("lam3"), "inputs": {"lam3_blk": get("lam3_blk"), "norm": get("norm")}},
          "davis_kahan": {"measured": get("sin"), "inputs": {"norm": get("norm"), "gap": gap}}}
    x = np.array([50.0, 100.0, 200.0])
    med = lambda key: np.array([np.median(get(key)[n == v]) for v in x])  # noqa: E731
    rhs9, rhs10 = cc.acc_thm4_bounds(P_IN, Q_OUT, W_IN, GAMMA_W, x, 0.4 * x, DEVIATION_DELTA)
    fig = {"title": "ACC Thm 4: lambda_3(L_A) vs (9) and the Weyl step", "xlabel": "n", "ylabel": "lambda_3",
           "logx": True, "logy": False, "x": x,
           "series": [{"label": "median lambda_3(L_A)", "y": med("lam3"), "role": "measured"},
                      {"label": "Weyl: lambda_3(L^blk) - median ||L_A - L^blk||", "y": med("lam3_blk") - med("norm"),
                       "role": "bound"},
                      {"label": "(9) right side (vacuous)", "y": rhs9, "role": "bound"},
                      {"label": "false variant: lambda_3(L^blk)", "y": med("lam3_blk"), "role": "false_variant"}],
           "note": f"(10) right side {np.round(rhs10, 1).tolist()} > 1 (vacuous); max sin/Davis-Kahan bound "
                   f"{float(np.max(get('sin') / (2 * get('norm') / gap))):.3f}"}
    verify(claim, ev, seed=[SEED, 2], params={"sizes": "30s:20s, s in {1,2,4}", "replicates": 30, "delta": 0.1},
           tolerance="(9), (10): exact binomial test at level 0.999; Weyl and Davis-Kahan: round-off slack",
           figure=fig)


@pytest.mark.claim("coherent_clusters.acc_sec5a_clustering")
def test_acc_sec5a_clustering(verify):
    claim = theorems.get("coherent_clusters.acc_sec5a_clustering")
    rec = {"2": {}, "3": {}}
    for s in (1, 2, 4):
        rows = _acc_rows(s, 30)
        rec["2"][str(50 * s)] = [bool(r["rec2"]) for r in rows]
        rec["3"][str(50 * s)] = [bool(r["rec3"]) for r in rows]
    rates2 = [np.mean(v) for v in rec["2"].values()]
    rates3 = [np.mean(v) for v in rec["3"].values()]
    x = np.array([50.0, 100.0, 200.0])
    fig = {"title": "ACC Sec. V-A: sign-clustering recovery rate (30 samples per n)", "xlabel": "n",
           "ylabel": "recovery rate", "logx": False, "logy": False, "x": x,
           "series": [{"label": "sign of v_2", "y": rates2, "role": "measured"},
                      {"label": "sign of v_3 (false variant)", "y": rates3, "role": "false_variant"},
                      {"label": "required 0.95", "y": np.full(3, 0.95), "role": "bound"}]}
    verify(claim, {"measured": np.array(rates2), "x": x, "inputs": {"recovered": rec}}, seed=[SEED, 2],
           params={"n": [50, 100, 200], "samples": 30}, tolerance="recovery rate >= 0.95 (card)", figure=fig)
    assert max(rates3) < 0.5  # card negative control: v_3 recovers (almost) never


@pytest.mark.experiment("coherent_clusters.E2")
def test_experiment_acc_figs3_4(verify):
    """ACC Figs. 3-4: two-area network, sign clustering, two-node model with lambda_2 of the sample."""
    t = np.linspace(0.0, 10.0, 2001)
    for p_in, tag in ((P_IN, "Fig. 3 (p = 0.6)"), (0.9, "Fig. 4 (p = 0.9)")):
        Qp = np.array([[p_in, Q_OUT], [Q_OUT, p_in]])
        g_seed, p_seed = np.random.SeedSequence([SEED, 22, int(p_in * 10)]).spawn(2)
        L, truth = ns.wsbm_laplacian((30, 20), Qp, W2, g_seed)
        prm = ns.sample_generator_params(50, p_seed)
        lam, V = ns.laplacian_eigh(L)
        labels = nr.sign_clusters(V[:, 1])
        assert nr.partition_recovered(labels, truth)
        na, nb = int(np.sum(labels == 0)), int(np.sum(labels == 1))
        Lhat = cc.acc_two_node_laplacian(lam[1], na, nb)
        u0 = np.zeros(50)
        u0[1] = -1.0  # step at node 2 (in group a); sign chosen to plot a dip (UNCERTAIN)
        y = ns.exact_response(ns.swing_turbine_statespace(prm, L), "step", t, u0)
        first = [int(np.flatnonzero(labels == i)[0]) for i in range(2)]
        yh = ns.exact_response(nr.reduced_statespace(prm, labels, Lhat), "step", t, u0)[:, first]
        met = _tracking(y, yh, labels, 2)
        rel = [round(e / s, 4) for e, s in zip(met["E_mean"], met["Y"])]
        spread = float(np.max(np.ptp(y[:, labels == labels[1]], axis=1)))
        fig = {"title": f"ACC {tag}: step -chi at node 2, two-node reduced model", "xlabel": "t (s)",
               "ylabel": "frequency deviation (rad/s)", "logx": False, "logy": False, "x": t,
               "series": [{"label": "mean y, group a (disturbed)", "y": y[:, labels == labels[1]].mean(1),
                           "role": "measured"},
                          {"label": "mean y, group b", "y": y[:, labels != labels[1]].mean(1), "role": "measured"},
                          {"label": "ŷ_a", "y": yh[:, labels[1]], "role": "theory"},
                          {"label": "ŷ_b", "y": yh[:, 1 - labels[1]], "role": "theory"},
                          {"label": "disturbed node y_2", "y": y[:, 1], "role": "measured"}]}
        verify.experiment(SLUG, f"E2 {tag}", title=f"ACC {tag}: synthetic two-area network",
                          expected="group a (disturbed) oscillates strongly, largest swings at the injected node; "
                                   "group b shows a smooth dip with one undershoot; ŷ_a, ŷ_b track the group "
                                   "averages; with p = 0.9 the group-a traces are tighter",
                          observed=f"relative E_mean (a, b) = {rel[labels[1]]}, {rel[1 - labels[1]]}; max spread "
                                   f"within group a = {spread:.4f}; lambda_2 = {lam[1]:.3f}, lambda_3 = {lam[2]:.2f}; "
                                   f"DC 1/sum(d + 1/r) = {1 / np.sum(prm.d + prm.rinv):.4f}",
                          figure=fig, seed=[SEED, 22, int(p_in * 10)], params={"p": p_in, "n": 50})
        assert max(rel) <= 0.1


# =============================================================================================
# E3 / E4: real grid topologies (pandapower cases, bundled) joined into multi-area systems
# =============================================================================================
def _grid_study(areas: list[str], w_tie: float, placements: int, base: int) -> dict:
    """Spectra and k-means recovery over ``placements`` random tie-line placements."""
    laps = [pg.bundled_grid_laplacian(a)[0] for a in areas]
    k = len(areas)
    lam, ari = [], []
    for rep in range(placements):
        seq = np.random.SeedSequence([SEED, base, int(w_tie * 10), rep])
        L, truth, _ = pg.join_areas(laps, w_tie, seq)
        lam.append(np.linalg.eigvalsh(L)[: k + 1])
        ari.append(nr.partition_ari(nr.reduce_network(L, k, seed=seq).labels, truth))
    return {"lam": np.array(lam), "ari": np.array(ari), "k": k}


def _grid_response(areas: list[str], w_tie: float, base: int) -> dict:
    """Step -chi at generator 2 on one tie placement: full network vs the k-node reduced model
    (Algorithm 1 on the sampled Laplacian) and the single coherent node."""
    laps = [pg.bundled_grid_laplacian(a)[0] for a in areas]
    k = len(areas)
    seq = np.random.SeedSequence([SEED, base, int(w_tie * 10), 0])
    L, truth, ties = pg.join_areas(laps, w_tie, seq)
    n = L.shape[0]
    red = nr.reduce_network(L, k, seed=seq)
    # The generator dynamics of these cases are not public: ACC's coefficient laws (synthetic).
    prm = ns.sample_generator_params(n, np.random.SeedSequence([SEED, base, 1]))
    u0 = np.zeros(n)
    u0[1] = -1.0
    t = np.linspace(0.0, 10.0, 2001)
    y = ns.exact_response(ns.swing_turbine_statespace(prm, L), "step", t, u0)
    first = [int(np.flatnonzero(red.labels == i)[0]) for i in range(k)]
    yk = ns.exact_response(nr.reduced_statespace(prm, red.labels, red.Lk), "step", t, u0)[:, first]
    y1 = ns.exact_response(nr.reduced_statespace(prm, np.zeros(n, int), np.zeros((1, 1))), "step", t, u0)[:, :1]
    trk, trk1 = _tracking(y, yk, red.labels, k), _tracking(y, np.repeat(y1, k, axis=1), red.labels, k)
    rel = lambda m: [e / s for e, s in zip(m["E_mean"], m["Y"])]  # noqa: E731
    dist = int(red.labels[1])
    means = [y[:, red.labels == i].mean(1) for i in range(k)]
    # undershoot of a group mean: its extreme excursion over its value at the end of the window
    nadir = [float(np.min(m) / m[-1]) for m in means]
    # Thm 1 (rank-k truncation bound) on the real topology at a few frequencies
    thm1 = [_thm1_point({"L": L, "s0": 1j * w, "params": prm, "static": False}, k) for w in (0.05, 0.2, 0.5, 1.0)]
    thm1 = [p for p in thm1 if p is not None]
    ratio = [float(p["lhs"] / cc.thm1_bound(p["M1"], p["M2"], p["F"])) for p in thm1]
    return {"t": t, "y": y, "yk": yk, "labels": red.labels, "truth": truth, "ties": ties, "dist": dist,
            "rel_k": rel(trk), "rel_1": rel(trk1), "means": means, "nadir": nadir, "thm1_ratio": ratio,
            "ari": nr.partition_ari(red.labels, truth), "n": n}


def _grid_figure(title: str, r: dict) -> dict:
    series = []
    for i in range(len(r["means"])):
        tag = " (disturbed)" if i == r["dist"] else ""
        series.append({"label": f"mean y, group {i + 1}{tag}", "y": r["means"][i], "role": "measured"})
        series.append({"label": f"ŷ_{i + 1} (reduced)", "y": r["yk"][:, i], "role": "theory"})
    series.append({"label": "disturbed generator y_2", "y": r["y"][:, 1], "role": "measured"})
    return {"title": title, "xlabel": "t (s)", "ylabel": "frequency deviation (rad/s, p.u. network)",
            "logx": False, "logy": False, "x": r["t"], "series": series,
            "note": "Kron-reduced pandapower 3.5.6 topologies (bundled), joined by random weak ties; "
                    "generator dynamics synthetic (ACC laws), the real dynamic data are not public"}


def _spectra_text(name: str, st_: dict, ref: tuple) -> str:
    lo, med, hi = (np.round(f(st_["lam"], axis=0), 3).tolist() for f in (np.min, np.median, np.max))
    return (f"{name}: lambda_1..{st_['k'] + 1} median {med} (range {lo} .. {hi}) over "
            f"{len(st_['ari'])} tie placements, card {list(ref)}; ARI = 1 on {int(np.sum(st_['ari'] == 1.0))} of "
            f"{len(st_['ari'])} (min {st_['ari'].min():.2f})")


def _assert_grid_study(st_: dict) -> None:
    # "clustering correct" on every tie placement (measured: 40 of 40 placements for every
    # configuration with w_tie <= 2; at w_tie = 5 on 3 x RTS-24 only about 90%, see E4)
    assert np.all(st_["ari"] == 1.0)


@pytest.mark.experiment("coherent_clusters.E3")
def test_experiment_e3_real_grids(verify, thorough):
    """E3 (ACC Fig. 6 substitute): two-area systems from bundled pandapower cases."""
    placements = 40 if thorough else 10
    # card references (pandapower 3.5.6, one tie placement each)
    configs = [("2 x case39, w_tie = 0.5", ["case39", "case39"], 0.5, (0, 0.194, 12.09)),
               ("2 x case39, w_tie = 2", ["case39", "case39"], 2.0, (0, 0.69, 12.26)),
               ("iceland + case39, w_tie = 0.5", ["iceland", "case39"], 0.5, (0, 0.098, 0.463))]
    studies = [(name, _grid_study(areas, w, placements, 31), ref) for name, areas, w, ref in configs]
    # the card's "hard" examples: single grids, whose zones are not separated by weak ties
    gaps = {}
    for case in ("case118", "case300"):
        lam = np.linalg.eigvalsh(pg.bundled_grid_laplacian(case)[0])
        gaps[case] = np.round(lam[2:6] / lam[1:5], 2).tolist()
    r = _grid_response(["case39", "case39"], 0.5, 31)
    ri = _grid_response(["iceland", "case39"], 0.5, 32)
    other = 1 - r["dist"]
    verify.experiment(
        SLUG, "E3", title="ACC Fig. 6 substitute: two-area systems from real (pandapower) topologies",
        expected="sign/k-means clustering recovers the areas; the reduced model tracks the group means; the "
                 "non-disturbed group shows an underdamped response (card references: 2 x case39 lambda = "
                 "(0, 0.194, 12.09) at w_tie 0.5 and (0, 0.69, 12.26) at 2; iceland + case39 (0, 0.098, 0.463); "
                 "ARI 1.0; case118/case300 without a clear eigen-gap)",
        observed="; ".join(_spectra_text(n_, st_, ref) for n_, st_, ref in studies)
                 + f"; eigenvalue ratios lambda_(i+1)/lambda_i, i = 2..5: {gaps}"
                 + f"; 2 x case39 response: relative E_mean (disturbed, other) = {r['rel_k'][r['dist']]:.3f}, "
                   f"{r['rel_k'][other]:.3f} (single coherent node {r['rel_1'][r['dist']]:.2f}, "
                   f"{r['rel_1'][other]:.2f}); other-group nadir/final {r['nadir'][other]:.2f} (> 1: undershoot); "
                   f"Thm 1 LHS/RHS at 4 frequencies {np.round(r['thm1_ratio'], 3).tolist()}"
                 + f"; iceland + case39: relative E_mean {np.round(ri['rel_k'], 3).tolist()} (single node "
                   f"{np.round(ri['rel_1'], 2).tolist()}), nadir/final {np.round(ri['nadir'], 2).tolist()}",
        figure=_grid_figure("E3: 2 x case39 joined by two ties of 0.5 p.u., step -chi at generator 2", r),
        seed=[SEED, 31], params={"placements": placements, "ties_per_pair": 2, "n": r["n"],
                                 "topology": "bundled Kron-reduced pandapower 3.5.6 cases"},
        scale="substitute: IEEE 68-bus data not available offline; pandapower cases joined by random ties, "
              "synthetic generator dynamics")
    for _, st_, _ in studies:
        _assert_grid_study(st_)
    for resp in (r, ri):
        assert resp["ari"] == 1.0
        assert max(resp["rel_k"]) < max(resp["rel_1"]) / 2  # the reduced model beats the single coherent node
        assert all(x <= 1.0 + 1e-9 for x in resp["thm1_ratio"]) and resp["thm1_ratio"]
    # sec5_phenomenon's 10% criterion on the well-separated pair (measured 3-5% over tie placements and
    # generator draws); iceland + case39 has a small gap (Iceland's own lambda_2 = 0.39) and is reported only
    assert max(r["rel_k"]) <= 0.1
    assert r["nadir"][other] > 1.02  # underdamped non-disturbed group (card's qualitative target)


@pytest.mark.experiment("coherent_clusters.E4")
def test_experiment_e4_rts96(verify, thorough):
    """E4 (poster mention, UNCERTAIN): three copies of RTS-24 joined as an RTS-96 stand-in."""
    placements = 40 if thorough else 10
    refs = {0.5: (0, 0.258, 0.265, 5.11), 2.0: (0, 0.949, 1.006, 5.197), 5.0: (0, 1.49, 1.88, 5.54)}
    studies = [(f"3 x case24_ieee_rts, w_tie = {w:g}", _grid_study(["case24_ieee_rts"] * 3, w, placements, 41), ref)
               for w, ref in refs.items()]
    r = _grid_response(["case24_ieee_rts"] * 3, 0.5, 41)
    verify.experiment(
        SLUG, "E4", title="RTS-96 substitute: 3 x case24_ieee_rts (33 generator buses) with weak ties",
        expected="card (ties at generator level, 2 per area pair): lambda_1..4 = (0, 0.258, 0.265, 5.11) at "
                 "w_tie 0.5, (0, 0.949, 1.006, 5.197) at 2, (0, 1.49, 1.88, 5.54) at 5; ARI 1.0 in all three "
                 "(the poster's RTS-96 case itself is UNCERTAIN: no numbers are published)",
        observed="; ".join(_spectra_text(n_, st_, ref) for n_, st_, ref in studies)
                 + f"; response at w_tie 0.5: relative E_mean per group {np.round(r['rel_k'], 3).tolist()} "
                   f"(single coherent node {np.round(r['rel_1'], 2).tolist()}), nadir/final "
                   f"{np.round(r['nadir'], 2).tolist()}; Thm 1 LHS/RHS {np.round(r['thm1_ratio'], 3).tolist()}",
        figure=_grid_figure("E4: 3 x case24_ieee_rts, ties 0.5 p.u., step -chi at generator 2", r),
        seed=[SEED, 41], params={"placements": placements, "ties_per_pair": 2, "n": r["n"]},
        scale="substitute: RTS-96 tie data not bundled; three RTS-24 copies joined by random generator-level "
              "ties, synthetic generator dynamics")
    for w, (_, st_, _) in zip(refs, studies):
        if w <= 2.0:
            _assert_grid_study(st_)
    # At w_tie = 5 the ties are as strong as the weakest internal couplings: k-means misassigns a
    # tie-end generator on about 10% of placements (card: ARI 1.0 on its single placement).
    assert studies[-1][1]["ari"].mean() > 0.5
    assert r["ari"] == 1.0 and max(r["rel_k"]) < max(r["rel_1"])
    assert all(x <= 1.0 + 1e-9 for x in r["thm1_ratio"])


@pytest.mark.experiment("coherent_clusters.E5")
def test_experiment_scaling_report(verify):
    """E5: bound-vs-empirical report (Thm 4 trend, Prop. 3 radius, the vacuous N) and the
    effect of a wrong partition on the reduced model."""
    smp = _wsbm3(80, 0)
    red = nr.reduce_network(smp["L"], 3, labels=smp["labels"])
    rng = np.random.default_rng([SEED, 55])
    bad = smp["labels"].copy()
    idx = rng.choice(80, 8, replace=False)
    bad[idx] = rng.integers(0, 3, 8)
    red_bad = nr.reduce_network(smp["L"], 3, labels=bad)
    e_ok = _band_error(smp, red.P, red.Lk, BAND10)
    e_bad = _band_error(smp, red_bad.P, red_bad.Lk, BAND10)
    rows = _prop3_rows((80, 160), 20)
    x = np.array([80.0, 160.0])
    med = [np.median([r["norm"] for r in rows if r["n"] == v]) for v in x]
    radius = [float(cc.prop3_radius(cc.prop3_delta(_sizes3(int(v)), Q3, W3), v, DEVIATION_DELTA)) for v in x]
    fig = {"title": "E5: ||L - L^blk|| against the Prop. 3 radius", "xlabel": "n", "ylabel": "spectral norm",
           "logx": True, "logy": True, "x": x,
           "series": [{"label": "median ||L - L^blk||", "y": med, "role": "measured"},
                      {"label": "radius", "y": radius, "role": "bound"}]}
    verify.experiment(SLUG, "E5", title="Scaling study: bounds against empirical values",
                      expected="radius ~18x loose; error jumps with a wrong partition (4.4e-3 -> 0.10 at n = 80 in "
                               "the card); sufficient N astronomically large",
                      observed=f"radius/median = {np.round(np.array(radius) / np.array(med), 1).tolist()}; sup error "
                               f"true partition {e_ok:.2e}, 10% relabelled (ARI "
                               f"{nr.partition_ari(bad, smp['labels']):.2f}) {e_bad:.2e}",
                      figure=fig, seed=[SEED, 55], params={"n": 80})
    assert e_bad > 5 * e_ok
