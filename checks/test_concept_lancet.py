"""Checks of Luo et al. (CVPR 2025), Concept Lancet, card ``concept_lancet``.

Every decomposition goes through :func:`numerics.sparse_coding.decompose` (a float64 port of
the official algorithm; scikit-learn's ``ElasticNet`` with the SPAMS scaling mapped
explicitly) unless a test says otherwise. Defaults: ``l1 = 0.0475``, ``l2 = 0.0025``
(``tau = 0.95``, ``alpha = 0.05``), ``normalize=True``, ``embed=True``.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import theorems
from numerics import sparse_coding as sc
from theorems import concept_lancet as cl

SLUG = "concept_lancet"
L1, L2 = sc.DEFAULT_L1, sc.DEFAULT_L2
NOT_OFFLINE = ("not reproducible offline: needs Stable Diffusion 1.5 / LCM Dreamshaper v7, CLIP, DINO, LPIPS "
               "weights, PIE-Bench and GPT-4o")


def _claim(name: str):
    return theorems.get(f"{SLUG}.{name}")


# -- ddim_step -------------------------------------------------------------------------------------
def _ddim_evidence(rng: np.random.Generator, a_t: np.ndarray, a_prev: np.ndarray, frac: np.ndarray, dim: int = 64):
    """Parts (a)-(c) of the claim for draws with cumulative ``a_t < a_prev`` (shape (m, 1))."""
    m = a_t.shape[0]
    z0, eps, noise = (rng.standard_normal((m, dim)) for _ in range(3))
    sigma = frac * np.sqrt(1 - a_prev)
    z_t = np.sqrt(a_t) * z0 + np.sqrt(1 - a_t) * eps        # exact forward marginal
    f = (z_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)        # DDIM's predicted z_0
    base = {"z_t": z_t, "eps": eps, "a_t": a_t, "a_prev": a_prev}
    return {
        "eq5_vs_eq1": {"measured": cl.general_step(f, eps, a_prev, sigma, noise),
                       "inputs": {**base, "sigma": sigma, "noise": noise}},
        "reconstruction": {"measured": np.sqrt(a_prev) * z0 + np.sqrt(1 - a_prev) * eps, "inputs": base},
        "consistency": {"measured": np.sqrt(a_prev) * f + np.sqrt(1 - a_prev) * noise,
                        "inputs": {"f": f, "eps": eps, "a_prev": a_prev, "noise": noise}},
    }


@pytest.mark.claim("concept_lancet.ddim_step")
def test_ddim_step(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    m = 8
    a_prev = rng.uniform(0.02, 0.999, (m, 1))
    a_t = a_prev * rng.uniform(0.05, 0.99, (m, 1))          # the cumulative alpha decreases with t
    ev = _ddim_evidence(rng, a_t, a_prev, rng.uniform(0.0, 1.0, (m, 1)))
    verify(_claim("ddim_step"), ev, seed=seed,
           params={"draws": m, "dim": 64, "a_prev": "U(0.02, 0.999)", "a_t/a_prev": "U(0.05, 0.99)",
                   "sigma": "U(0, 1) sqrt(1 - a_prev)"},
           tolerance="1e-12 absolute: closed-form float64 algebra on O(1) vectors (1/sqrt(a_t) <= 32 amplifies "
                     "round-off to ~1e-14); dropping sqrt(a_prev) is off by O(1)")


@given(a_prev=st.floats(0.02, 0.999), ratio=st.floats(0.5, 0.999), frac=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**31 - 1))
def test_ddim_step_property(verify, a_prev, ratio, frac, seed):
    # alpha_t = ratio * alpha_{t-1} stays inside (0.01, 0.999) and below alpha_{t-1}
    col = lambda val: np.array([[val]])  # noqa: E731
    ev = _ddim_evidence(np.random.default_rng(seed), col(a_prev * ratio), col(a_prev), col(frac), dim=16)
    if frac > 0:  # (b) is claimed at sigma = 0 only; (a) and (c) hold for every sigma
        del ev["reconstruction"]
    verify(_claim("ddim_step"), ev, seed=seed, record=False)


# -- vecadd_equivalence ------------------------------------------------------------------------------
def _vecadd_evidence(seed: int, d: int = 128, N: int = 10, src: int = 3):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N)) / np.sqrt(d)
    w0 = np.zeros(N)
    w0[[src, (src + 1) % N]] = [1.1, -0.5]
    v = D @ w0 + 0.05 * rng.standard_normal(d) / np.sqrt(d)
    w = sc.decompose(v, D)
    d_tgt = rng.standard_normal(d) / np.sqrt(d)
    v_edit, _ = sc.replace(v, D, w, src, d_tgt)
    return {"measured": v_edit, "inputs": {"v": v, "d_src": D[:, src], "d_tgt": d_tgt, "w_src": w[src]}}, w[src]


@pytest.mark.claim("concept_lancet.vecadd_equivalence")
def test_vecadd_equivalence(verify):
    seed = 0
    ev, w_src = _vecadd_evidence(seed)
    verify(_claim("vecadd_equivalence"), ev, seed=seed,
           params={"d": 128, "N": 10, "src": 3, "w_src": w_src, "l1": L1, "l2": L2},
           tolerance="1e-12 absolute: D'w + r and v + w (d_tgt - d_src) differ by float64 round-off only")


@given(d=st.integers(8, 128), N=st.integers(2, 12), seed=st.integers(0, 2**31 - 1))
def test_vecadd_equivalence_property(verify, d, N, seed):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N))
    v = rng.standard_normal(d)
    src = int(rng.integers(N))
    w = sc.decompose(v, D)
    d_tgt = rng.standard_normal(d)
    ev = {"measured": sc.replace(v, D, w, src, d_tgt)[0],
          "inputs": {"v": v, "d_src": D[:, src], "d_tgt": d_tgt, "w_src": w[src]}}
    verify(_claim("vecadd_equivalence"), ev, seed=seed, record=False)


# -- transplant_identities ------------------------------------------------------------------------------
def _transplant_evidence(v, D, w, src, d_tgt, d_null, counterpart, d_new, zero_idx):
    base = {"v": v, "D": D, "w": w}
    w_zero = w.copy()
    w_zero[zero_idx] = 0.0
    v_rep, D_rep = sc.replace(v, D, w, src, d_tgt)
    return {
        "replace": {"measured": v_rep, "inputs": {**base, "src_idx": src, "d_tgt": d_tgt}},
        "remove": {"measured": sc.remove(v, D, w, src, d_null)[0], "inputs": {**base, "src_idx": src, "d_tgt": d_null}},
        "add": {"measured": sc.add(v, D, w, counterpart, d_new)[0],
                "inputs": {**base, "src_idx": counterpart, "d_tgt": d_new}},
        "self": {"measured": sc.replace(v, D, w, src, D[:, src])[0],
                 "inputs": {**base, "src_idx": src, "d_tgt": D[:, src]}},
        "zero": {"measured": sc.replace(v, D, w_zero, zero_idx, d_tgt)[0],
                 "inputs": {**base, "w": w_zero, "src_idx": zero_idx, "d_tgt": d_tgt}},
        "residual": {"measured": v_rep - D_rep @ w, "inputs": {"r": v - D @ w}},
    }


@pytest.mark.claim("concept_lancet.transplant_identities")
def test_transplant_identities(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    d, N = 256, 20
    D = sc.random_dictionary(d, N, rng)
    v, _ = sc.sparse_signal(D, 4, rng, sigma=0.3, support=[0, 3, 5, 7])
    w = sc.decompose(v, D)
    zero_idx = int(np.flatnonzero(w == 0)[0])   # a concept the decomposition did not find
    unit = lambda: (lambda g: g / np.linalg.norm(g))(rng.standard_normal(d))  # noqa: E731
    ev = _transplant_evidence(v, D, w, 0, unit(), 0.3 * unit(), 5, unit(), zero_idx)
    r_norm = float(np.linalg.norm(v - D @ w))
    verify(_claim("transplant_identities"), ev, seed=seed,
           params={"d": d, "N": N, "src": 0, "counterpart": 5, "zero_idx": zero_idx, "w_src": w[0],
                   "residual_norm": r_norm, "solver": "sklearn ElasticNet via decompose"},
           tolerance="1e-12 relative to the largest entry: sums of O(1) float64 terms; dropping r "
                     f"(||r|| = {r_norm:.3f}) is off by O(0.1)")


@given(d=st.integers(8, 256), N=st.integers(2, 30), seed=st.integers(0, 2**31 - 1))
def test_transplant_identities_property(verify, d, N, seed):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N))
    v = rng.standard_normal(d)
    w = rng.standard_normal(N)                     # the identities hold for any w
    src, cp, zi = (int(i) for i in rng.integers(N, size=3))
    ev = _transplant_evidence(v, D, w, src, rng.standard_normal(d), rng.standard_normal(d), cp,
                              rng.standard_normal(d), zi)
    if np.linalg.norm(v - D @ w) == 0:  # the dropped-residual variant cannot be told apart
        return
    verify(_claim("transplant_identities"), ev, seed=seed, record=False)


# -- transplant_reanalysis -----------------------------------------------------------------------------
@pytest.mark.claim("concept_lancet.transplant_reanalysis")
def test_transplant_reanalysis(verify):
    seed = 3
    rng = np.random.default_rng(seed)
    d, N, src = 256, 20, 0
    D = sc.random_dictionary(d, N, rng)
    w0 = np.zeros(N)
    w0[[src, 4, 9, 13]] = [0.85, -0.6, 0.45, 0.7]
    v = D @ w0 + 0.05 * rng.standard_normal(d) / np.sqrt(d)
    w = sc.decompose(v, D, L1, L2, normalize=False)
    d_tgt = rng.standard_normal(d)
    d_tgt /= np.linalg.norm(d_tgt)
    v_edit, D_edit = sc.replace(v, D, w, src, d_tgt)
    w_re = sc.decompose(v_edit, D_edit, L1, L2, normalize=False)
    r = v - D @ w
    others = np.delete(np.arange(N), src)
    ev = {"measured": {"w_resolved_src": w_re[src], "dtgt_r": float(d_tgt @ r)},
          "inputs": {"w_src": w[src], "l1": L1, "l2": L2}}
    verify(_claim("transplant_reanalysis"), ev, seed=seed,
           params={"d": d, "N": N, "normalize": False, "w_src": w[src], "w_resolved_src": w_re[src],
                   "dtgt_r": float(d_tgt @ r), "required": L1 * np.sign(w[src]) + L2 * w[src],
                   "max_change_other_coefficients": float(np.max(np.abs(w_re[others] - w[others])))},
           tolerance="gap > l1/2 and new-column KKT gap > 1e-3 (card); idempotence would need both <= 1e-8 "
                     "(the solver's KKT accuracy)")


# -- solver_kkt --------------------------------------------------------------------------------------------
def _kkt_instance(seed: int, d: int = 512, N: int = 30):
    rng = np.random.default_rng(seed)
    D = sc.random_dictionary(d, N, rng) * rng.uniform(0.5, 2.0, N)   # unequal norms exercise the weights
    v, _ = sc.sparse_signal(D, 4, rng, sigma=0.05)
    return D, v


@pytest.mark.claim("concept_lancet.solver_kkt")
def test_solver_kkt(verify):
    seed = 0
    D, v = _kkt_instance(seed)
    lam = 0.01  # the paper's lambda in eq. (3); SPAMS l1 = lambda / 2, l2 = 0
    w_sk = sc.decompose(v, D, L1, L2, return_info=True)
    w_cd = sc.decompose(v, D, L1, L2, solver="cd")
    w_plain = sc.decompose(v, D, L1, L2, normalize=False, embed=False)
    w_lasso = sc.decompose(v, D, lam / 2, 0.0, normalize=False)
    ev = {
        "sklearn": {"measured": w_sk.w, "inputs": {"v": v, "D": D, "l1": L1, "l2": L2, "normalize": True}},
        "sklearn_plain": {"measured": w_plain, "inputs": {"v": v, "D": D, "l1": L1, "l2": L2, "normalize": False}},
        "lasso": {"measured": w_lasso, "inputs": {"v": v, "D": D, "l1": lam / 2, "l2": 0.0, "normalize": False}},
        "cd_agree": {"measured": w_sk.w, "inputs": {"w_ref": w_cd}},
    }
    # The card's negative control: the two classic mapping mistakes, on the problem that
    # decompose hands to scikit-learn (embedded, normalised, target column zeroed).
    y, X, _ = sc._design(v, D, True, True, "numpy", None)
    viol = {}
    for name, kw in {"alpha without 1/n": {"alpha_scale": X.shape[0]}, "fit_intercept=True": {"fit_intercept": True}}.items():
        c, _ = sc.sklearn_enet(y, X, L1, L2, **kw)
        viol[name] = float(cl.enet_kkt_violation(y, X[:, 1:], c[1:], L1, L2).max())
        assert viol[name] > 1e-3, f"the mapping mistake '{name}' went unnoticed (KKT violation {viol[name]:.3g})"
    verify(_claim("solver_kkt"), ev, seed=seed,
           params={"d": 512, "N": 30, "l1": L1, "l2": L2, "lambda_eq3": lam, "sklearn_mapping": w_sk.info["sklearn"],
                   "n_rows_sklearn": w_sk.info["n_rows"], "dual_gap": w_sk.info["dual_gap"],
                   "kkt_violation_of_mapping_mistakes": viol},
           tolerance="KKT violation <= 1e-8 (card; measured ~1e-15 at sklearn tol 1e-12); sklearn vs numpy CD "
                     "1e-6 absolute; mapping mistakes must exceed 1e-3")


@given(d=st.integers(10, 200), N=st.integers(2, 40), l1=st.floats(1e-4, 0.5), l2=st.floats(0.0, 0.1),
       normalize=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_solver_kkt_property(verify, d, N, l1, l2, normalize, seed):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N))
    v = rng.standard_normal(d)
    w = sc.decompose(v, D, l1, l2, normalize=normalize)
    if not np.any(w != 0):
        return  # an all-zero solution satisfies both conventions' conditions alike
    ev = {"sklearn": {"measured": w, "inputs": {"v": v, "D": D, "l1": l1, "l2": l2, "normalize": normalize}}}
    verify(_claim("solver_kkt"), ev, seed=seed, record=False)


# -- orthonormal_closed_form ---------------------------------------------------------------------------------
def _demo1():
    v = np.diag([0.0, 5, 2, 1, 78, 16]).ravel()
    D = np.stack([np.diag(np.eye(6)[i]).ravel() for i in range(6)], axis=1)
    return v, D


@pytest.mark.claim("concept_lancet.orthonormal_closed_form")
def test_orthonormal_closed_form(verify):
    seed = 0
    l1d, l2d = sc.tau_alpha(0.99, 0.01)
    v, D = _demo1()
    kw = {"normalize": False}
    rng = np.random.default_rng(seed)
    Q = sc.orthonormal_dictionary(64, 10, rng)
    vr = 3.0 * rng.standard_normal(64)
    demo = sc.decompose(v, D, l1d, l2d, **kw)
    inp = {"v": v, "D": D, "l1": l1d, "l2": l2d}
    ev = {"demo": {"measured": demo, "inputs": inp},
          "demo_noembed": {"measured": sc.decompose(v, D, l1d, l2d, embed=False, **kw), "inputs": inp},
          "demo_cd": {"measured": sc.decompose(v, D, l1d, l2d, solver="cd", **kw), "inputs": inp},
          "random": {"measured": sc.decompose(vr, Q, L1, L2, **kw), "inputs": {"v": vr, "D": Q, "l1": L1, "l2": L2}}}
    claim = _claim("orthonormal_closed_form")
    half = claim.variant(title="threshold l1/2 (eq. (3)'s lambda/2 applied to l1)", constants={"threshold_factor": 0.5})
    hv = half.judge(ev)
    assert hv.fails, f"the threshold-l1/2 variant was not rejected: {hv.reason}"
    x = np.arange(6)
    figure = {"title": "Repo demo 1: diag(0,5,2,1,78,16) on the six diagonal unit matrices", "xlabel": "atom",
              "ylabel": "coefficient - true entry", "logx": False, "logy": False, "x": x,
              "series": [{"label": "decompose (sklearn, embedded)", "role": "measured", "y": demo - v[::7]},
                         {"label": "soft(., l1)/(1 + l2)", "role": "theory",
                          "y": cl.enet_orthonormal(v, D, l1d, l2d) - v[::7]},
                         {"label": "false variant: no 1/(1 + l2)", "role": "false_variant",
                          "y": cl.enet_orthonormal(v, D, l1d, l2d, divide=False) - v[::7]}],
              "note": "printed demo output: [0, 4.98960, 1.98990, 0.99000, 77.98230, 15.98850]"}
    verify(claim, ev, seed=seed, figure=figure,
           params={"tau": 0.99, "alpha": 0.01, "l1": l1d, "l2": l2d, "demo": demo,
                   "printed_demo": [0.0, 4.98960, 1.98990, 0.99000, 77.98230, 15.98850],
                   "half_threshold_variant": hv.outcome.value},
           tolerance="1e-9 absolute: solver KKT ~1e-13 and decoupled coordinates (card: 1e-5); the no-1/(1+l2) "
                     "variant is off by 7.8e-3 at the 78-entry")


@given(d=st.integers(2, 64), frac=st.floats(0.1, 1.0), l1=st.floats(1e-4, 0.5), l2=st.floats(0.0, 0.1),
       seed=st.integers(0, 2**31 - 1))
def test_orthonormal_closed_form_property(verify, d, frac, l1, l2, seed):
    N = max(1, int(frac * d))
    rng = np.random.default_rng(seed)
    Q = sc.orthonormal_dictionary(d, N, rng)
    v = rng.standard_normal(d)
    w = sc.decompose(v, Q, l1, l2, normalize=False)
    ev = {"random": {"measured": w, "inputs": {"v": v, "D": Q, "l1": l1, "l2": l2}}}
    if l2 * np.max(np.abs(w)) < 1e-8:  # the 1/(1 + l2) factor is invisible: only the claim is checked
        assert _claim("orthonormal_closed_form").judge(ev).holds
        return
    verify(_claim("orthonormal_closed_form"), ev, seed=seed, record=False)


# -- normalized_closed_form -----------------------------------------------------------------------------------
@pytest.mark.claim("concept_lancet.normalized_closed_form")
def test_normalized_closed_form(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    d, N = 64, 10
    norms = rng.uniform(0.5, 3.0, N)
    Q = sc.orthonormal_dictionary(d, N, rng, norms=norms)
    v = Q @ rng.uniform(-1.0, 1.0, N) + 0.2 * rng.standard_normal(d) / np.sqrt(d)
    w = sc.decompose(v, Q)
    ev = {"measured": w, "inputs": {"v": v, "D": Q, "l1": L1, "l2": L2}}
    # The card's bias measurement on nearly-orthogonal random atoms (d = 512, N = 30).
    Dn = sc.random_dictionary(512, 30, 1)
    w_true = np.zeros(30)
    w_true[:3] = [1.0, -0.6, 0.4]
    vn = Dn @ w_true + 0.01 * np.random.default_rng(2).standard_normal(512) / np.sqrt(512)
    wn = sc.decompose(vn, Dn)
    pred = np.sign(w_true[:3]) * (np.abs(w_true[:3]) - L1 * np.linalg.norm(vn)) / (1 + L2)
    figure = {"title": "normalize=True shrinks each coefficient by ~l1 ||v|| / ||d_i||", "xlabel": "atom norm ||d_i||",
              "ylabel": "|<v,d_i>|/||d_i||^2 - |w_i|", "logx": True, "logy": True,
              "x": np.sort(norms),
              "series": [{"label": "decompose (orthogonal atoms)", "role": "measured",
                          "y": (np.abs(Q.T @ v) / norms ** 2 - np.abs(w))[np.argsort(norms)]},
                         {"label": "weighted closed form", "role": "theory",
                          "y": (np.abs(Q.T @ v) / norms ** 2 - np.abs(cl.enet_normalized_orthogonal(v, Q, L1, L2)))
                          [np.argsort(norms)]},
                         {"label": "unweighted threshold l1", "role": "false_variant",
                          "y": (np.abs(Q.T @ v) / norms ** 2
                                - np.abs(cl.enet_normalized_orthogonal(v, Q, L1, L2, weighted=False)))
                          [np.argsort(norms)]}]}
    verify(_claim("normalized_closed_form"), ev, seed=seed, figure=figure,
           params={"d": d, "N": N, "norms": norms, "l1": L1, "l2": L2, "v_norm": float(np.linalg.norm(v)),
                   "nearly_orthogonal_d512_N30": {"true": w_true[:3], "solved": wn[:3], "pure_shrinkage": pred,
                                                  "card": [0.941, -0.542, 0.340]}},
           tolerance="1e-10 relative (card): the solver's KKT accuracy ~1e-13; the unweighted threshold is off "
                     "by ~l1 |1 - ||v||/||d_i|| |")


@given(d=st.integers(2, 64), frac=st.floats(0.1, 1.0), seed=st.integers(0, 2**31 - 1))
def test_normalized_closed_form_property(verify, d, frac, seed):
    N = max(1, int(frac * d))
    rng = np.random.default_rng(seed)
    norms = rng.uniform(0.5, 3.0, N)
    Q = sc.orthonormal_dictionary(d, N, rng, norms=norms)
    v = rng.standard_normal(d)
    ev = {"measured": sc.decompose(v, Q), "inputs": {"v": v, "D": Q, "l1": L1, "l2": L2}}
    claim = _claim("normalized_closed_form")
    # the unweighted variant coincides when ||v|| = ||d_i|| for every active atom
    active = np.abs(Q.T @ v) / norms ** 2 > L1 * np.linalg.norm(v) / norms
    if not np.any(active):
        assert claim.judge(ev).holds
        return
    verify(claim, ev, seed=seed, record=False)


# -- embedding_invariance --------------------------------------------------------------------------------------
@pytest.mark.claim("concept_lancet.embedding_invariance")
def test_embedding_invariance(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    d, N, k_top = 4096, 30, 10
    D = rng.standard_normal((d, N)) / np.sqrt(d)
    v, _ = sc.sparse_signal(D, 4, rng, sigma=0.05)
    Z = np.vstack([v, D.T])
    E_full, E_top = sc.svd_embed(Z), sc.svd_embed(Z, "top_d", k_top)
    w_ref = sc.decompose(v, D, embed=False)
    w_full = sc.decompose(v, D)
    w_top = sc.decompose(v, D, top_d=k_top)
    ev = {"gram": {"measured": E_full, "inputs": {"Z": Z}},
          "full": {"measured": w_full, "inputs": {"w_ref": w_ref, "Z": Z, "E": E_full}},
          "truncated": {"measured": w_top, "inputs": {"w_ref": w_ref, "Z": Z, "E": E_top}}}
    verify(_claim("embedding_invariance"), ev, seed=seed,
           params={"d": d, "N": N, "top_d": k_top, "max_diff_full": float(np.max(np.abs(w_full - w_ref))),
                   "max_diff_truncated": float(np.max(np.abs(w_top - w_ref)))},
           tolerance="coefficients 1e-9 relative to max|w| (card: < 1e-9, measured ~1e-15); Gram 1e-10 relative; "
                     "a truncation must move the coefficients by > 1e-6 relative")


@given(d=st.integers(3, 200), N=st.integers(1, 20), seed=st.integers(0, 2**31 - 1))
def test_embedding_invariance_property(verify, d, N, seed):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N + 1, d))
    E = sc.svd_embed(Z)
    G = Z @ Z.T
    assert np.max(np.abs(E @ E.T - G)) <= 1e-10 * np.max(np.abs(G))


# -- equivariance ------------------------------------------------------------------------------------------------
def _equivariance_evidence(seed: int, scales=(1e-3, 0.37, 3.7, 1e3), d: int = 512, N: int = 30):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N)) / np.sqrt(d)
    v, _ = sc.sparse_signal(D, 3, rng, sigma=0.02)
    w = sc.decompose(v, D)
    a = rng.uniform(0.3, 3.0, N) * rng.choice([-1.0, 1.0], N)
    perm = rng.permutation(N)
    w_abs = sc.decompose(v, D, normalize=False)
    s_abs = 0.01
    return {
        "scale": [{"measured": sc.decompose(s * v, D), "inputs": {"w_ref": w, "s": s}} for s in scales],
        "rescale": [{"measured": sc.decompose(v, D * a), "inputs": {"w_ref": w, "a": a}}],
        "permute": [{"measured": sc.decompose(v, D[:, perm]), "inputs": {"w_ref": w, "perm": perm}}],
        "scale_abs": [{"measured": sc.decompose(s_abs * v, D, normalize=False), "inputs": {"w_ref": w_abs, "s": s_abs}}],
    }


@pytest.mark.claim("concept_lancet.equivariance")
def test_equivariance(verify):
    seed = 0
    ev = _equivariance_evidence(seed)
    item = ev["scale_abs"][0]
    viol = float(np.linalg.norm(item["measured"] - 0.01 * item["inputs"]["w_ref"]) /
                 np.linalg.norm(0.01 * item["inputs"]["w_ref"]))
    verify(_claim("equivariance"), ev, seed=seed,
           params={"d": 512, "N": 30, "scales": [1e-3, 0.37, 3.7, 1e3], "normalize_false_s": 0.01,
                   "normalize_false_relative_violation": viol},
           tolerance="1e-9 relative (card; measured ~1e-15): exact invariances of the normalised problem; "
                     "normalize=False at s = 0.01 must break scale equivariance by > 10% of ||w||")


@given(s=st.floats(1e-3, 1e3), amag=st.floats(0.3, 3.0), neg=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_equivariance_property(verify, s, amag, neg, seed):
    rng = np.random.default_rng(seed)
    d, N = 64, 8
    D = rng.standard_normal((d, N)) / np.sqrt(d)
    v, _ = sc.sparse_signal(D, 3, rng, sigma=0.02)
    w = sc.decompose(v, D)
    a = np.full(N, -amag if neg else amag)
    perm = rng.permutation(N)
    ev = {"scale": [{"measured": sc.decompose(s * v, D), "inputs": {"w_ref": w, "s": s}}],
          "rescale": [{"measured": sc.decompose(v, D * a), "inputs": {"w_ref": w, "a": a}}],
          "permute": [{"measured": sc.decompose(v, D[:, perm]), "inputs": {"w_ref": w, "perm": perm}}]}
    assert _claim("equivariance").judge(ev).holds  # the false variant differs only with normalize=False


# -- support_recovery ----------------------------------------------------------------------------------------------
def _recovery_part(res: dict, sigma: float) -> dict:
    return {"measured": res["exact"].astype(float),
            "inputs": {"coherence": res["coherence"], "src_err": res["src_err"], "bias_bound": res["bias_bound"],
                       "sigma": sigma}}


@pytest.mark.claim("concept_lancet.support_recovery")
def test_support_recovery(verify, thorough):
    seed = 0
    n = 1000 if thorough else 50
    runs = {
        "default (l1 = 0.0475, sigma = 0.01)": (dict(l1=L1, l2=L2, sigma=0.01), None),
        "corner (l1 = 0.01, sigma = 0.02)": (dict(l1=0.01, l2=0.01 / 19, sigma=0.02), None),
        "coherent pair (cos 0.99)": (dict(l1=L1, l2=L2, sigma=0.01), 0.99),
    }
    ev, rates = {}, {}
    for i, (name, (kw, cos)) in enumerate(runs.items()):
        res = sc.support_recovery_trials(n, seed + i, coherent_cos=cos, **kw)
        ev[name] = _recovery_part(res, kw["sigma"])
        rates[name] = float(res["exact"].mean())
    # the noise convention matters: N(0, 1) entries (noise norm sigma sqrt(d)) at the corner
    rates["corner, per-entry noise (not asserted)"] = float(sc.support_recovery_trials(
        n, seed + 7, l1=0.01, l2=0.01 / 19, sigma=0.02, noise="entry")["exact"].mean())
    res = sc.support_recovery_trials(n, seed, l1=L1, l2=L2, sigma=0.01)
    order = np.argsort(res["bias_bound"])
    figure = {"title": "Source-coefficient error vs the shrinkage bound (default run)", "xlabel": "trial (by bound)",
              "ylabel": "|w_src - w0_src|", "logx": False, "logy": False, "x": np.arange(n),
              "series": [{"label": "measured error", "role": "measured", "y": res["src_err"][order]},
                         {"label": "1.5 l1 ||v||/||d_src|| + 3 sigma", "role": "bound",
                          "y": 1.5 * res["bias_bound"][order] + 0.03}]}
    verify(_claim("support_recovery"), ev, seed=seed, figure=figure, scale="full" if thorough else
           "reduced: 50 trials per batch (1000 under --thorough)",
           params={"trials": n, "d": 512, "N": 30, "k": "3-5", "amp": "[0.3, 1.5]", "noise": "sigma xi, xi ~ N(0, I/d)",
                   "recovery_rates": rates},
           tolerance="exact binomial test: P(exact support) >= 0.95 not rejected at level 0.001; bias bound as in "
                     "the card; the coherent batch lies outside mu_max = 0.3 and is asserted only by the false variant")


@pytest.mark.thorough
def test_support_recovery_phase_diagram(verify):
    """Recovery rate over sparsity x l1 at sigma = 0.02 (200 trials per cell)."""
    ks, l1s = (1, 3, 5), (0.01, 0.02, 0.03, 0.04, 0.05)
    rates = {k: [float(sc.support_recovery_trials(200, 10 * k + int(1000 * l1), k=(k, k), l1=l1, l2=l1 / 19,
                                                  sigma=0.02)["exact"].mean()) for l1 in l1s] for k in ks}
    entry = [float(sc.support_recovery_trials(200, 7, k=(3, 3), l1=l1, l2=l1 / 19, sigma=0.02,
                                              noise="entry")["exact"].mean()) for l1 in l1s]
    verify.experiment(SLUG, "support_phase_diagram", title="Support recovery over sparsity and l1 (sigma = 0.02)",
                      expected="(card, DERIVED) exact support in >= 95% of trials for l1 in [0.01, 0.05], k <= 5",
                      observed=f"rates {rates}; with per-entry N(0, 1) noise (k = 3): {entry}",
                      figure={"title": "Exact-support rate, d = 512, N = 30", "xlabel": "l1 (normalised)",
                              "ylabel": "rate", "logx": False, "logy": False, "x": list(l1s),
                              "series": [{"label": f"k = {k}", "role": "measured", "y": rates[k]} for k in ks]
                              + [{"label": "k = 3, per-entry noise", "role": "false_variant", "y": entry}]},
                      seed=0, scale="full (thorough)")
    assert min(min(r) for r in rates.values()) >= 0.9, rates


@given(k=st.integers(1, 5), sigma=st.floats(0.0, 0.02), l1=st.floats(0.01, 0.05), seed=st.integers(0, 2**31 - 1))
def test_support_recovery_property(verify, k, sigma, l1, seed):
    res = sc.support_recovery_trials(20, seed, k=(k, k), l1=l1, l2=l1 / 19, sigma=sigma)
    ev = {"draw": _recovery_part(res, sigma)}
    assert _claim("support_recovery").judge(ev).holds


# -- adaptive_strength -----------------------------------------------------------------------------------------------
def _adaptive_evidence(sim: dict, fixed: float = 0.7) -> dict:
    D, d_tgt = sim["D"], sim["d_tgt"]
    d_src = D[:, 0]
    V, V_edit = sim["V"], sim["V_edit"]
    V_vec = cl.vecadd_text(V, d_tgt, d_src, 0.0) + fixed * (d_tgt - d_src)
    return {
        "leftover": {"measured": V_edit @ d_src,
                     "inputs": {"presence": V @ d_src, "w_src": sim["w_src"], "vnorm": np.linalg.norm(V, axis=1),
                                "l1": L1}},
        "target": {"measured": V_edit @ d_tgt, "inputs": {"w_src": sim["w_src"], "tgt_before": V @ d_tgt}},
        "vecadd": {"measured": V_vec @ d_src},
    }


@pytest.mark.claim("concept_lancet.adaptive_strength")
def test_adaptive_strength(verify):
    seed = 0
    sim = sc.adaptive_strength_samples(200, seed)
    ev = _adaptive_evidence(sim)
    order = np.argsort(sim["presence"])
    c = sim["presence"][order]
    bound = 2 * L1 * float(np.max(np.linalg.norm(sim["V"], axis=1))) + 0.05
    figure = {"title": "Leftover source component after the edit (synthetic analogue of Fig. 12)",
              "xlabel": "true presence c_i of the source concept", "ylabel": "<v'_i, d_src>", "logx": False,
              "logy": False, "x": c,
              "series": [{"label": "CoLan (solved strength)", "role": "measured", "y": ev["leftover"]["measured"][order]},
                         {"label": "VecAdd, fixed w = 0.7", "role": "false_variant", "y": ev["vecadd"]["measured"][order]},
                         {"label": "+ bound 2 l1 max||v|| + 0.05", "role": "bound", "y": np.full(c.size, bound)},
                         {"label": "- bound", "role": "bound", "y": np.full(c.size, -bound)}]}
    verify(_claim("adaptive_strength"), ev, seed=seed, figure=figure,
           params={"samples": 200, "d": 256, "N": 20, "sigma": 0.01, "l1": L1, "l2": L2,
                   "max_colan_leftover": float(np.max(np.abs(ev["leftover"]["measured"]))), "bound": bound,
                   "vecadd_spread": float(np.ptp(ev["vecadd"]["measured"]))},
           tolerance="card's bound 2 l1 max||v|| + 0.05 (shrinkage bias plus noise slack); identities 1e-12 absolute "
                     "(round-off); VecAdd spread >= 1.0 (presence range 1.2)")


@given(seed=st.integers(0, 2**31 - 1))
def test_adaptive_strength_property(verify, seed):
    sim = sc.adaptive_strength_samples(10, seed, d=64, N=8)
    ev = _adaptive_evidence(sim)
    del ev["vecadd"]  # 10 samples need not span a spread of 1.0
    verify(_claim("adaptive_strength"), ev, seed=seed, record=False)


# -- dictionary_size ----------------------------------------------------------------------------------------------------
#: a 4 x 3 instance (hand-rounded from a random search) where the elastic-net residual rises
#: from N = 2 to N = 3: the third atom lets the solver drop a cancelling pair (-0.81, 1.54).
CX_D = np.array([[-0.05, -0.04, -0.11], [0.82, 0.97, 0.99], [0.45, 0.19, -0.01], [0.36, 0.13, 0.06]])
CX_V = np.array([0.24, 0.95, -0.18, -0.34])


@pytest.mark.claim("concept_lancet.dictionary_size")
def test_dictionary_size(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    D = sc.random_dictionary(64, 20, rng)
    v, _ = sc.sparse_signal(D, 8, rng, sigma=0.3)
    sizes = [1, 2, 3, 5, 10, 20]
    fits = sc.nested_dictionary_fits(v, D, sizes)
    cx = sc.nested_dictionary_fits(CX_V, CX_D, [1, 2, 3])
    ev = {"random": {"measured": fits}, "counterexample": {"measured": cx}}
    figure = {"title": "Nested dictionaries (synthetic analogue of Table 3)", "xlabel": "dictionary size N",
              "ylabel": "value", "logx": True, "logy": False, "x": sizes,
              "series": [{"label": "optimal EN objective", "role": "measured", "y": fits["objective"]},
                         {"label": "EN residual ||v - Dw*||", "role": "measured", "y": fits["residual"]},
                         {"label": "LS residual", "role": "theory", "y": fits["ls_residual"]},
                         {"label": "counterexample: EN residual", "role": "false_variant", "x": [1, 2, 3],
                          "y": cx["residual"]}]}
    verify(_claim("dictionary_size"), ev, seed=seed, figure=figure,
           params={"d": 64, "N_max": 20, "sizes": sizes, "objective": fits["objective"], "residual": fits["residual"],
                   "ls_residual": fits["ls_residual"], "counterexample_residual": cx["residual"],
                   "counterexample_objective": cx["objective"]},
           tolerance="non-increasing to 1e-12 relative (the solver's optimum is exact to ~1e-15; the old solution "
                     "padded with zeros is feasible)")


@given(d=st.integers(3, 40), N=st.integers(2, 12), seed=st.integers(0, 2**31 - 1))
def test_dictionary_size_property(verify, d, N, seed):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N))
    v = rng.standard_normal(d)
    fits = sc.nested_dictionary_fits(v, D, list(range(1, N + 1)))
    assert _claim("dictionary_size").judge({"random": {"measured": fits}}).holds


# -- repread ---------------------------------------------------------------------------------------------------------------
def _stimuli(rng: np.random.Generator, beta: float, noise: float, K: int = 30, dim: int = 64):
    u = rng.standard_normal(dim)
    u /= np.linalg.norm(u)
    E = beta * u + noise * rng.standard_normal((K, dim)) / np.sqrt(dim)
    return u, E


@pytest.mark.claim("concept_lancet.repread")
def test_repread(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    ev = {}
    for beta in (0.5, 1.0, 5.0):
        u, E = _stimuli(rng, beta, 0.1)
        ev[f"beta={beta}"] = {"measured": u, "inputs": {"E": E}}
    verify(_claim("repread"), ev, seed=seed,
           params={"K": 30, "dim": 64, "betas": [0.5, 1.0, 5.0], "noise": "0.1 xi, xi ~ N(0, I/64)"},
           tolerance="cosines > 0.99 (card); the mean's cosine is >= 0.998 at beta = 0.5")


@given(beta=st.floats(0.5, 5.0), noise=st.floats(0.0, 0.2), seed=st.integers(0, 2**31 - 1))
def test_repread_property(verify, beta, noise, seed):
    u, E = _stimuli(np.random.default_rng(seed), beta, noise)
    verify(_claim("repread"), {"draw": {"measured": u, "inputs": {"E": E}}}, seed=seed, record=False)


# -- table_consistency -------------------------------------------------------------------------------------------------------
def _tables_evidence():
    keys = list(cl.TABLE4)
    return {
        "table2": {"measured": [cl.TABLE2[k][2] for k in cl.TABLE2],
                   "inputs": {"rows": list(cl.TABLE2), "strings": cl.TABLE2}},
        "table4": {"measured": [cl.TABLE4[k][2] for k in keys],
                   "inputs": {"src": [cl.TABLE4[k][0] for k in keys], "edited": [cl.TABLE4[k][1] for k in keys],
                              "keys": keys}},
        "table3": {"measured": cl.TABLE3},
        "table1": {"measured": cl.TABLE1_MARKERS, "inputs": {"table": cl.TABLE1}},
        "dataset": {"measured": cl.DATASET},
    }


@pytest.mark.claim("concept_lancet.table_consistency")
def test_table_consistency(verify):
    ev = _tables_evidence()
    claim = _claim("table_consistency")
    psnr = claim.variant(title="rankings with PSNR lower-is-better",
                         constants={"direction_override": {"PSNR": True, "PSNR (bg)": True}})
    pv = psnr.judge(ev)
    assert pv.fails, f"ranking with PSNR lower-is-better was not rejected: {pv.reason}"
    keys = list(cl.TABLE4)
    s = np.array([cl.TABLE4[k][0] for k in keys])
    e = np.array([cl.TABLE4[k][1] for k in keys])
    printed = np.array([cl.TABLE4[k][2] for k in keys])
    figure = {"title": "Table 4: printed increase minus recomputed 100 (e - s)/s", "xlabel": "cell",
              "ylabel": "percentage points", "logx": False, "logy": False, "x": np.arange(len(keys)),
              "series": [{"label": "printed - recomputed", "role": "measured", "y": printed - cl.pct_increase(s, e)},
                         {"label": "+ rounding bound", "role": "bound", "y": cl.rounding_tol_pct(s, e)},
                         {"label": "- rounding bound", "role": "bound", "y": -cl.rounding_tol_pct(s, e)},
                         {"label": "printed - 100 (e - s)/e", "role": "false_variant",
                          "y": printed - cl.pct_increase(s, e, denominator="edited")}],
              "note": "cells in the order " + ", ".join(f"{a}/{b}" for a, b in keys)}
    verify(claim, ev, seed=None, figure=figure,
           params={"psnr_lower_is_better_variant": pv.outcome.value,
                   "table2_intervals": {k: cl.ratio_interval(v[1], v[0]) for k, v in cl.TABLE2.items()}},
           tolerance="rounding propagation: Table 2 interval from the printed inputs +- half a unit of the printed "
                     "percentage; Table 4 |dev| <= 0.5 (1/s + e/s^2) + 0.005 pp")


# -- text_claim_p2pzero --------------------------------------------------------------------------------------------------------
@pytest.mark.claim("concept_lancet.text_claim_p2pzero")
def test_text_claim_p2pzero(verify):
    keys = tuple(cl.P2PZERO_CHANGES)
    base, edit = cl.TABLE1[("VecAdd", "DI", "P2P-Zero")], cl.TABLE1[("CoLan", "DI", "P2P-Zero")]
    ev = {"measured": [cl.P2PZERO_CHANGES[k] for k in keys],
          "inputs": {"baseline": base, "edited": edit, "keys": keys}}
    rec = cl.relative_changes(base, edit, keys=keys)
    verify(_claim("text_claim_p2pzero"), ev, seed=None,
           params={"recomputed": {k: round(float(r), 3) for k, r in zip(keys, rec)}},
           tolerance="0.1 pp against the card's one-decimal list; corrected reading: drops >= 45%, rises >= 9%; "
                     "printed reading: 'nearly 50%' = 40-60%, 'about 10%' = 7-13%")


# -- editing_results (not checkable) + the paper's experiments ------------------------------------------------------------------
@pytest.mark.claim("concept_lancet.editing_results")
def test_editing_results(verify):
    sim = sc.adaptive_strength_samples(200, 0)
    left = sim["V_edit"] @ sim["D"][:, 0]
    verify.not_checkable(_claim("editing_results"),
                         phenomenon=f"synthetic analogue (adaptive_strength): CoLan's leftover source component "
                                    f"max |.| = {np.max(np.abs(left)):.3f} over 200 samples, vs a fixed-strength spread "
                                    f"{np.ptp(sim['presence'] - 0.7):.2f}",
                         evidence={"measured": float(np.max(np.abs(left)))}, seed=0)


@pytest.mark.experiment("concept_lancet.table1")
def test_experiment_table1(verify):
    names = [c[0] for c in cl.TABLE1_COLUMNS]
    rows = {k: v for k, v in cl.TABLE1.items() if k[2] in ("P2P-Zero",) or k[2].startswith("InfEdit")}
    series = [{"label": f"{m} {b}", "role": "measured" if m == "CoLan" else "theory", "y": list(v)}
              for (m, _, b), v in rows.items()]
    verify.experiment(SLUG, "table1", title="Table 1: editing quality, VecAdd vs CoLan (paper values)",
                      expected="CoLan improves every metric of P2P-Zero and InfEdit over VecAdd; InfEdit (S) + CoLan "
                               "is best overall",
                      observed="not run: the paper's printed values are shown; offline the arithmetic is checked by "
                               "table_consistency / text_claim_p2pzero and the mechanism by adaptive_strength",
                      figure={"title": "Table 1 (printed)", "xlabel": "metric index (" + ", ".join(names) + ")",
                              "ylabel": "value", "logx": False, "logy": True, "x": list(range(len(names))),
                              "series": series}, scale=NOT_OFFLINE + "; stand-in: adaptive_strength")


@pytest.mark.experiment("concept_lancet.table3")
def test_experiment_table3(verify):
    rng = np.random.default_rng(0)
    D = sc.random_dictionary(64, 30, rng)
    v, _ = sc.sparse_signal(D, 12, rng, sigma=0.3)
    fits = sc.nested_dictionary_fits(v, D, list(cl.TABLE3_N))
    series = [{"label": f"paper: {b} {m} (/ value at N=5)", "role": "theory",
               "y": list(np.asarray(vals) / vals[0])} for (b, m), vals in cl.TABLE3.items()]
    series.append({"label": "stand-in: optimal EN objective (/ value at N=5)", "role": "measured",
                   "y": list(fits["objective"] / fits["objective"][0])})
    verify.experiment(SLUG, "table3", title="Table 3: dictionary size N = 5, 10, 20, 30",
                      expected="LPIPS falls and Target Concept rises with N for both backbones",
                      observed=f"stand-in (nested random dictionaries, d = 64): objective "
                               f"{np.round(fits['objective'], 4).tolist()} (non-increasing, as dictionary_size proves)",
                      figure={"title": "Dictionary size: paper (Table 3) vs nested synthetic dictionaries",
                              "xlabel": "N", "ylabel": "value relative to N = 5", "logx": False, "logy": False,
                              "x": list(cl.TABLE3_N), "series": series},
                      seed=0, scale=NOT_OFFLINE + "; stand-in: nested synthetic dictionaries (dictionary_size)")


@pytest.mark.experiment("concept_lancet.fig12")
def test_experiment_fig12(verify):
    sim = sc.adaptive_strength_samples(200, 1)
    d_src, d_tgt = sim["D"][:, 0], sim["d_tgt"]
    order = np.argsort(sim["presence"])
    colan = (sim["V_edit"] @ d_src)[order]
    vec = (cl.vecadd_text(sim["V"], d_tgt, d_src, 0.0) + 0.7 * (d_tgt - d_src)) @ d_src
    verify.experiment(SLUG, "fig12", title="Fig. 12: fixed strength 0.7 vs CoLan ([cat] -> [dog])",
                      expected="a fixed strength under-edits some images and over-edits others; CoLan's solved "
                               "strength adapts per image",
                      observed=f"stand-in: CoLan leftover within [{colan.min():.3f}, {colan.max():.3f}]; fixed 0.7 "
                               f"leftover within [{vec.min():.3f}, {vec.max():.3f}]",
                      figure={"title": "Leftover source component vs presence", "xlabel": "presence c_i",
                              "ylabel": "<v'_i, d_src>", "logx": False, "logy": False,
                              "x": sim["presence"][order],
                              "series": [{"label": "CoLan", "role": "measured", "y": colan},
                                         {"label": "VecAdd w = 0.7", "role": "false_variant", "y": vec[order]}]},
                      seed=1, scale=NOT_OFFLINE + "; stand-in: orthonormal synthetic dictionary (adaptive_strength)")


#: hand-written stimuli for the sequence-encoder stand-in (10 per concept; "" is the null concept)
STIMULI = {
    "cat": ["cat", "a cat", "the cat sleeps", "a small cat", "my cat", "a cat on a sofa", "the cat plays",
            "a black cat", "this cat", "a cat indoors"],
    "dog": ["dog", "a dog", "the dog runs", "a small dog", "my dog", "a dog on a sofa", "the dog plays",
            "a black dog", "this dog", "a dog outdoors"],
    "orange": ["orange", "an orange thing", "bright orange", "orange colour", "the orange one", "orange fur",
               "an orange wall", "orange light", "orange and warm", "deep orange"],
    "fence": ["fence", "a fence", "the fence", "a wooden fence", "an old fence", "on the fence", "a garden fence",
              "a fence post", "the white fence", "a fence outside"],
    "sitting": ["sitting", "sitting down", "is sitting", "sitting still", "sitting on top", "sitting quietly",
                "someone sitting", "sitting there", "calmly sitting", "sitting up"],
    "tree": ["tree", "a tree", "the tree", "a tall tree", "an old tree", "under the tree", "a green tree",
             "tree branches", "a tree outside", "the oak tree"],
    "car": ["car", "a car", "the car", "a red car", "an old car", "a fast car", "the car parked", "my car",
            "a car outside", "a small car"],
    "bird": ["bird", "a bird", "the bird", "a small bird", "a bird sings", "the bird flies", "a blue bird",
             "bird feathers", "a bird outside", "this bird"],
    "": [""] * 10,
}


@pytest.mark.experiment("concept_lancet.figs6_8_table4")
def test_experiment_text_standin(verify):
    enc = sc.SequenceEncoder()
    names = list(STIMULI)
    D = np.stack([cl.rep_read(enc.encode_many(STIMULI[c]), "avg") for c in names], axis=1)
    caption = "an orange cat sitting on top of a fence"
    target = "an orange dog sitting on top of a fence"
    v = enc.encode(caption)
    w = sc.decompose(v, D)
    order = np.argsort(-np.abs(w))
    i_cat, i_dog = names.index("cat"), names.index("dog")
    D_src = np.delete(D, i_dog, axis=1)  # the target concept is excluded from the source dictionary
    w_src = sc.decompose(v, D_src)
    src_names = [n for n in names if n != "dog"]
    i_cat_s = src_names.index("cat")
    v_edit, _ = sc.replace(v, D_src, w_src, i_cat_s, D[:, i_dog])
    v_fixed = cl.vecadd_text(v, D[:, i_dog], D[:, i_cat], 0.7)
    t = enc.encode(target)
    cos = lambda a, b: float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))  # noqa: E731
    dog_gain = 100 * (cos(v_edit, D[:, i_dog]) - cos(v, D[:, i_dog])) / cos(v, D[:, i_dog])
    top = [(names[i] or "<null>", round(float(w[i]), 3)) for i in order[:5]]
    mu = sc.mutual_coherence(D)
    verify.experiment(SLUG, "figs6_8_table4",
                      title="Figs. 6/8 (top concepts) and Table 4 (grounding) on a token-additive text encoder",
                      expected="'an orange cat sitting on top of a fence' puts cat, fence and orange on top (Fig. 8); "
                               "editing raises the target concept's score (Table 4: +17-48% CLIP)",
                      observed=f"top coefficients {top} (the stand-in dictionary is coherent: mutual coherence "
                               f"{mu:.3f}, every atom carrying the shared positional and filler-token part); CoLan strength w_cat = {w_src[i_cat_s]:.3f}; cos(edit, target "
                               f"caption) {cos(v, t):.3f} -> {cos(v_edit, t):.3f} (VecAdd 0.7: {cos(v_fixed, t):.3f}); "
                               f"cos with [dog] +{dog_gain:.1f}%",
                      figure={"title": "Coefficients of the caption over the stand-in dictionary", "xlabel": "concept index ("
                              + ", ".join(n or "<null>" for n in names) + ")", "ylabel": "w*", "logx": False,
                              "logy": False, "x": list(range(len(names))),
                              "series": [{"label": "w* (with [dog] in D)", "role": "measured", "y": w}]},
                      seed=0, params={"length": enc.length, "dim": enc.dim, "l1": L1, "l2": L2, "mutual_coherence": mu},
                      scale=NOT_OFFLINE + "; stand-in: crc32-seeded token-additive sequence encoder (16 x 32), "
                                          "hand-written stimuli")


@pytest.mark.experiment("concept_lancet.score_space")
def test_experiment_score_space(verify):
    rng = np.random.default_rng(0)
    m, dt, N = 32, 48, 6
    G = np.eye(m) + 0.1 * rng.standard_normal((m, m))
    A = rng.standard_normal((m, dt)) / np.sqrt(dt)
    z = rng.standard_normal(m)
    atoms = rng.standard_normal((dt, N))
    eps = lambda c: sc.affine_score(z, c, G, A, 0.7)  # noqa: E731
    E_atoms = np.stack([eps(atoms[:, i]) for i in range(N)], axis=1)
    null = eps(np.zeros(dt))                       # the null concept's score: the offset G z
    errs = {}
    sums = np.array([1.0, 0.6, 1.4, 2.0])
    for s in sums:
        w = rng.uniform(0.2, 1.0, N)
        w *= s / w.sum()
        target = eps(atoms @ w)
        c_plain = np.linalg.lstsq(E_atoms, target, rcond=None)[0]
        c_null = np.linalg.lstsq(np.column_stack([E_atoms, null]), target, rcond=None)[0]
        errs[float(s)] = (float(np.max(np.abs(c_plain - w))), float(np.max(np.abs(c_null[:N] - w))),
                          float(c_null[N]))
    verify.experiment(SLUG, "score_space", title="Score-space atoms of an affine noise model (supplement §7 stand-in)",
                      expected="(card, DERIVED) score-space coefficients equal text-space ones only if sum w = 1 or the "
                               "offset vanishes",
                      observed="; ".join(f"sum w = {s:g}: max|c - w| = {a:.2g}, with the null atom {b:.2g} "
                                         f"(c_null = {c:.3f})" for s, (a, b, c) in errs.items()),
                      figure={"title": "Least-squares score-space coefficients vs text-space weights",
                              "xlabel": "sum of text-space weights", "ylabel": "max |c - w|", "logx": False,
                              "logy": True, "x": sums,
                              "series": [{"label": "atoms eps(d_i) only", "role": "measured",
                                          "y": [max(errs[float(s)][0], 1e-17) for s in sums]},
                                         {"label": "atoms + null concept eps(0)", "role": "theory",
                                          "y": [max(errs[float(s)][1], 1e-17) for s in sums]}]},
                      seed=0, scale=NOT_OFFLINE + "; stand-in: linear-Gaussian eps*(z, c) = G (z - a A c)")


#: hand-written stimuli in the news vocabulary of the Lee corpus (gensim's test data) for the
#: Word2Vec stand-in; every token is in the trained vocabulary (checked in the test); "" is the
#: null concept (the zero vector: no in-vocabulary word)
NEWS_STIMULI = {
    "israeli": ["israeli", "the israeli government", "israeli officials", "israeli security forces", "an israeli town",
                "israeli settlers", "israeli prime minister", "israeli helicopters", "israeli forces", "israelis",
                "israeli leaders", "israeli cabinet"],
    "palestinian": ["palestinian", "palestinians", "the palestinian authority", "palestinian leader",
                    "palestinian security", "palestinian militants", "palestinian territories", "palestinian people",
                    "a palestinian town", "palestinian officials", "palestinian police", "palestinian leaders"],
    "gaza": ["gaza", "the gaza strip", "gaza city", "in gaza", "gaza and the west bank", "the west bank", "gaza strip",
             "towns in gaza", "northern gaza", "southern gaza"],
    "hamas": ["hamas", "hamas militants", "the hamas group", "hamas leaders", "hamas fighters",
              "hamas and islamic jihad", "hamas members", "islamic militants", "radical islamic groups",
              "the militant group hamas"],
    "afghanistan": ["afghanistan", "in afghanistan", "eastern afghanistan", "afghan", "afghan forces", "kabul",
                    "kandahar", "the afghan interim government", "afghan fighters", "southern afghanistan"],
    "taliban": ["taliban", "the taliban", "taliban fighters", "taliban forces", "taliban leaders", "the taliban regime",
                "former taliban", "taliban troops", "the taliban leader", "taliban and al qaeda"],
    "bin laden": ["bin laden", "osama bin laden", "al qaeda", "the al qaeda network", "bin laden followers",
                  "al qaeda fighters", "bin laden caves", "tora bora", "the caves of tora bora", "al qaeda leader"],
    "police": ["police", "the police", "police officers", "police said", "local police", "federal police",
               "police arrested", "a police spokesman", "police investigation", "police say", "state police",
               "police station"],
    "army": ["army", "the army", "troops", "soldiers", "military", "the military", "army troops", "army tanks",
             "military forces", "armed forces", "army helicopters", "military commander"],
    "fire": ["fire", "fires", "bushfire", "the fire", "firefighters", "the blaze", "burning homes", "fire crews",
             "fire authorities", "fires burning", "hectares of bush", "the fire front"],
    "weather": ["weather", "the weather", "winds", "strong winds", "hot weather", "weather conditions", "wind", "rain",
                "hot and dry", "the weather bureau"],
    "cricket": ["cricket", "the cricket", "test match", "the match", "innings", "wickets", "runs", "batting",
                "the first test", "the second test", "australian cricket", "the australian team"],
    "qantas": ["qantas", "the airline", "qantas workers", "qantas management", "airline", "flights",
               "the national airline", "qantas staff", "qantas maintenance", "an airline"],
    "unions": ["unions", "union", "the union", "workers", "industrial action", "union members", "union officials",
               "the workers", "pay", "strike"],
    "government": ["government", "the government", "the federal government", "federal", "state government",
                   "government officials", "the government says", "australian government", "government policy",
                   "interim government"],
    "minister": ["minister", "the minister", "prime minister", "foreign minister", "defence minister",
                 "the prime minister", "ministers", "cabinet", "john howard", "mr howard"],
    "president": ["president", "the president", "president bush", "george bush", "us president", "the white house",
                  "washington", "president arafat", "the united states", "american president"],
    "killed": ["killed", "people were killed", "dead", "died", "wounded", "injured", "killed and wounded", "deaths",
               "were killed", "the dead"],
    "hospital": ["hospital", "the hospital", "taken to hospital", "in hospital", "hospitals", "doctors", "medical",
                 "health", "treated in hospital", "royal hospital"],
    "children": ["children", "child", "young children", "the children", "families", "their children", "teenagers",
                 "boys", "school children", "young boy"],
    "court": ["court", "the court", "trial", "charged", "charges", "the judge", "jury", "federal court", "high court",
              "court hearing"],
    "attack": ["attack", "attacks", "the attack", "suicide attack", "suicide bombing", "bombings", "bomb blast",
               "bombers", "attacked", "terrorist attacks"],
    "peace": ["peace", "peace talks", "talks", "ceasefire", "peace process", "negotiations", "peace deal", "envoy",
              "peace plan", "the peace talks"],
    "economy": ["economy", "the economy", "economic growth", "interest rates", "the market", "company", "companies",
                "profit", "the reserve bank", "shares"],
    "christmas": ["christmas", "christmas day", "christmas eve", "the christmas period", "over christmas", "holiday",
                  "holidays", "new year", "the holiday season", "boxing day"],
    "sydney": ["sydney", "in sydney", "sydney airport", "western sydney", "north of sydney", "south of sydney",
               "sydney city", "sydney residents", "greater sydney", "sydney suburbs"],
    "melbourne": ["melbourne", "in melbourne", "the mcg", "melbourne cricket ground", "victoria", "victorian",
                  "melbourne city", "in victoria", "melbourne residents", "near melbourne"],
    "india": ["india", "indian", "pakistan", "kashmir", "new delhi", "india and pakistan", "pakistani",
              "indian parliament", "indian troops", "the border"],
    "asylum": ["asylum seekers", "refugees", "detention centre", "woomera", "asylum", "boat people", "detainees",
               "the detention centre", "immigration", "christmas island"],
    "": [""] * 10,
}

#: single-word replace edits (caption, source concept, target concept); the target caption swaps
#: the source word for the target word. Chosen before measuring; none dropped afterwards.
NEWS_EDITS = [
    ("israeli police arrested palestinian militants in gaza", "police", "army"),
    ("firefighters battled fires near sydney on christmas day", "sydney", "melbourne"),
    ("qantas workers will take industrial action over pay", "qantas", "hospital"),
    ("the australian team won the cricket test in melbourne", "melbourne", "sydney"),
    ("taliban fighters fled to the caves of tora bora", "taliban", "hamas"),
    ("the minister visited children in hospital after the attack", "attack", "fire"),
]


@pytest.fixture(scope="module")
def word2vec_encoder():
    """The card's Word2Vec stand-in, trained once per module (about 1.5 s with the import)."""
    pytest.importorskip("gensim")
    return sc.Word2VecEncoder()


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.experiment("concept_lancet.word2vec_standin")
def test_experiment_word2vec_standin(verify, word2vec_encoder):
    enc = word2vec_encoder
    oov = {c: [t for s in st for t in enc.tokens(s) if t not in enc] for c, st in NEWS_STIMULI.items()}
    assert not any(oov.values()), f"stimuli outside the Lee vocabulary: { {c: t for c, t in oov.items() if t} }"
    names = [c for c in NEWS_STIMULI if c]
    D = np.stack([cl.rep_read(enc.encode_many(NEWS_STIMULI[c]), "avg") for c in names], axis=1)
    d_null = cl.rep_read(enc.encode_many(NEWS_STIMULI[""]), "avg")
    assert not np.any(d_null)  # the null concept has no in-vocabulary word: the zero vector (not an atom)
    mu = sc.mutual_coherence(D)
    # Round-off budget of the exact identities: a handful of float64 operations on 64-entry
    # vectors of norm <= ~1 (error ~ 64 eps ~ 1e-14); 1e-12 relative leaves a margin of 100.
    rtol = 1e-12
    rows, top_first = [], None
    for caption, src, tgt in NEWS_EDITS:
        target = " ".join(tgt if w == src else w for w in caption.split())
        v, t = enc.encode(caption), enc.encode(target)
        L = len(enc.known(caption))
        # Figs. 6/8 analogue: the caption over the full dictionary
        dec = sc.decompose(v, D, return_info=True)
        assert dec.kkt <= 1e-8, f"{caption!r}: KKT violation {dec.kkt:.3g}"  # as solver_kkt: converged optimum
        best_single = max(_cos(v, D[:, i]) for i in range(D.shape[1]))
        order = np.argsort(-np.abs(dec.w))
        top = [(names[i], round(float(dec.w[i]), 3)) for i in order[:5] if dec.w[i] != 0]
        if top_first is None:
            top_first = (caption, dec.w, top)
        # Table 4 analogue: replace src -> tgt; the target is not an atom of the source dictionary
        i_t, i_s = names.index(tgt), names.index(src)
        D_src = np.delete(D, i_t, axis=1)
        j = [n for n in names if n != tgt].index(src)
        w = sc.decompose(v, D_src)
        r = v - D_src @ w
        v_edit, D_new = sc.replace(v, D_src, w, j, D[:, i_t])
        v_vec = cl.vecadd_text(v, D[:, i_t], D[:, i_s], 0.7)  # Fig. 12's fixed strength
        v_rm, _ = sc.remove(v, D_src, w, j, d_null)
        scale = np.linalg.norm(v) + abs(w[j]) * (np.linalg.norm(D[:, i_t]) + np.linalg.norm(D[:, i_s]))
        # exact identities of Algorithm 1, for any encoder: only column j changes, the
        # residual and every weight are carried over, so v' - v = w_src (d_tgt - d_src)
        assert np.array_equal(np.delete(D_new, j, axis=1), np.delete(D_src, j, axis=1))
        assert np.linalg.norm(v_edit - D_new @ w - r) <= rtol * scale
        assert np.linalg.norm(v_edit - v - w[j] * (D[:, i_t] - D[:, i_s])) <= rtol * scale
        assert np.linalg.norm(v_rm - (v - w[j] * D[:, i_s])) <= rtol * scale  # remove = subtract (zero null)
        rows.append({
            "caption": caption, "edit": f"{src}->{tgt}", "L": L, "w_src": float(w[j]),
            "rel_residual": float(np.linalg.norm(dec.residual) / np.linalg.norm(v)),
            "cos_Dw_v": _cos(D @ dec.w, v), "best_single_cos": best_single, "nnz": int(np.count_nonzero(dec.w)),
            "top": top,
            "dist_ratio_colan": float(np.linalg.norm(v_edit - t) / np.linalg.norm(v - t)),
            "dist_ratio_vecadd": float(np.linalg.norm(v_vec - t) / np.linalg.norm(v - t)),
            "dcos_tgt": _cos(v_edit, D[:, i_t]) - _cos(v, D[:, i_t]),
            "dcos_src": _cos(v_edit, D[:, i_s]) - _cos(v, D[:, i_s]),
            "dcos_tgt_vecadd": _cos(v_vec, D[:, i_t]) - _cos(v, D[:, i_t]),
        })
    # D w: the sparse composition explains each caption better than any single concept
    # (cosine, so the elastic-net shrinkage of the scale does not enter)
    for row in rows:
        assert row["cos_Dw_v"] > row["best_single_cos"], row
    # transplant direction (Table 4 analogue): for every edit with a nonzero solved strength the
    # edited embedding gains more similarity to the target concept than to the source concept
    # (a zero strength, possible when a near-duplicate atom takes the source's weight, makes the
    # edit the identity; the identities above cover it)
    for row in rows:
        if row["w_src"] != 0:
            assert row["dcos_tgt"] > row["dcos_src"], row
    # and, over the edits, it moves toward the target caption (median ratio < 1: at least 3 of the
    # 6 edits are nonzero and move toward it), while the fixed strength 0.7 overshoots
    med_colan = float(np.median([r["dist_ratio_colan"] for r in rows]))
    med_vec = float(np.median([r["dist_ratio_vecadd"] for r in rows]))
    assert med_colan < 1.0 < med_vec, (med_colan, med_vec)
    toward = sum(r["dist_ratio_colan"] < 1 for r in rows)
    away = [f"{r['edit']} (w_src = {r['w_src']:.2f} vs 1/L = {1 / r['L']:.3f})" for r in rows
            if r["dist_ratio_colan"] >= 1]
    x = list(range(len(rows)))
    verify.experiment(
        SLUG, "word2vec_standin",
        title="Figs. 6/8 and Table 4 analogue on a Word2Vec sentence encoder (gensim, Lee news corpus)",
        expected="Figs. 6/8: a caption decomposes into a few concepts it mentions; Table 4: CoLan's edit raises the "
                 "target concept's score (+17-48% CLIP) and preserves the rest; a fixed strength (Fig. 12: 0.7) "
                 "mis-sizes the edit",
        observed=(f"ANALOGUE, not the paper's setting. {len(names)} concepts + null, mutual coherence {mu:.4f}. "
                  f"{top_first[0]!r}: top coefficients {top_first[2]}. Per edit (w_src vs one word's share 1/L; "
                  "||v'-t||/||v-t|| CoLan | VecAdd 0.7): "
                  + "; ".join(f"{r['edit']} w={r['w_src']:.3f} (1/L={1 / r['L']:.3f}) "
                              f"{r['dist_ratio_colan']:.2f} | {r['dist_ratio_vecadd']:.2f}" for r in rows)
                  + f". CoLan moves toward the target caption in {toward}/{len(rows)} edits (median ratio "
                    f"{med_colan:.2f}; VecAdd 0.7 median {med_vec:.2f}"
                  + (f"; away from it: {', '.join(away)}" if away else "")
                  + "); every edit with w_src != 0 gains more cosine to the target concept than to the source; "
                    "residual and untouched weights preserved to round-off"),
        figure={"title": "Table 4 analogue: distance to the target caption after the edit",
                "xlabel": "edit (" + ", ".join(r["edit"] for r in rows) + ")",
                "ylabel": "||v' - t|| / ||v - t||", "logx": False, "logy": True, "x": x,
                "series": [{"label": "CoLan (solved strength)", "role": "measured",
                            "y": [r["dist_ratio_colan"] for r in rows]},
                           {"label": "VecAdd, fixed strength 0.7", "role": "false_variant",
                            "y": [r["dist_ratio_vecadd"] for r in rows]},
                           {"label": "no edit", "role": "bound", "y": [1.0] * len(rows)}],
                "note": "ratio < 1: the edit moved the caption's embedding toward the target caption's"},
        seed=0,
        params={"vector_size": enc.vector_size, "window": enc.window, "min_count": enc.min_count,
                "epochs": enc.epochs, "workers": 1, "w2v_seed": enc.seed, "vocabulary": len(enc),
                "fingerprint": enc.fingerprint()[:16], "l1": L1, "l2": L2, "mutual_coherence": mu,
                "coefficients_first_caption": {n or "<null>": round(float(c), 4) for n, c in zip(names, top_first[1])},
                "edits": rows},
        scale=NOT_OFFLINE + "; ANALOGUE: gensim Word2Vec (64-d, Lee corpus, mean of word vectors) instead of CLIP's "
                            "77 x 768 token sequence; hand-written news-vocabulary stimuli; no images")


# -- stand-in 4: images (a class-conditional DDPM on the 8x8 digits) ---------------------------------
#: Default: one seed; 80 epochs, 16 edits per ordered class pair (192 edits). The thorough profile runs the
#: same size on the six seeds on which the asserted properties were measured.
DIGIT_EDIT = dict(epochs=80, n_per=16, strengths=(0.5, 0.7, 0.9, 1.1, 1.3), classes=(0, 1, 2, 3), sigma=0.02, T=50)
DIGIT_EDIT_SEEDS = (0,)
DIGIT_EDIT_SEEDS_THOROUGH = (0, 1, 2, 3, 4, 5)
#: "comparable edit accuracy": within one binomial standard error of 192 edits at p ~ 0.85 (sqrt(.85 .15 / 192)
#: = 0.026, rounded up)
COMPARABLE_ACC = 0.03


def _digit_edit_run(seed: int, *, epochs: int, n_per: int, strengths, classes, sigma: float, T: int) -> dict:
    """Train the conditional digits DDPM, then edit class a -> b for every ordered pair with
    CoLan (decompose + replace) and with VecAdd at each fixed strength, all generations of one
    prompt from one shared x_T (deterministic DDIM), and score every edit."""
    from numerics import digit_diffusion as ddf
    from theorems import ddpm_transformer as dt

    ab = dt.alpha_bar_linear(T, 0.9999, 0.8)          # the Fig. 3 stand-in's schedule
    cfg = ddf.DenoiserConfig(patch=2, width=32, depth=2, heads=4, mlp_ratio=2)
    cd = ddf.train_conditional_digits(ab, epochs=epochs, seed=seed, classes=classes, config=cfg)
    clf = ddf.fit_classifier(cd.X, cd.labels, hidden=32, seed=seed)
    rng = np.random.default_rng([seed, 1])
    K, m = len(classes), cd.atoms.shape[0]
    xs, cs, meta = [], [], []
    for a in range(K):
        for b in range(K):
            if a == b:
                continue
            # source prompts: class a present with a per-image strength over the training range of
            # presences, plus a small part outside the dictionary (the residual r of eq. (4))
            s = rng.uniform(0.3, 1.5, n_per)
            V = s[:, None] * cd.atoms[:, a] + sigma * rng.standard_normal((n_per, m))
            keep = [j for j in range(K + 1) if j != b]   # the target is not in the source dictionary
            D = cd.atoms[:, keep]
            ia = keep.index(a)
            W = np.array([sc.decompose(v, D) for v in V])
            V_colan = np.array([sc.replace(v, D, w, ia, cd.atoms[:, b])[0] for v, w in zip(V, W)])
            V_vec = [cl.vecadd_text(V, cd.atoms[:, b], cd.atoms[:, a], w) for w in strengths]
            x_T = ddf.initial_noise(cd.model, n_per, rng)
            conds = [V, V_colan, *V_vec]
            xs.append(np.concatenate([x_T] * len(conds)))
            cs.append(np.concatenate(conds))
            meta.append((a, b, s, W[:, ia]))
    n_c = 2 + len(strengths)
    imgs = ddf.unpatchify(ddf.sample_ddim(cd.model, ab, np.concatenate(xs), cond=np.concatenate(cs)), cfg.patch)
    imgs = imgs.reshape(len(meta), n_c, n_per, 8, 8)
    src_hit, colan, vec = [], [], [[] for _ in strengths]
    for (a, b, _, _), im in zip(meta, imgs):
        mask = ddf.background_mask(cd.X, cd.labels, classes[a], classes[b])
        src_hit.append(clf.predict(im[0].reshape(n_per, -1)) == classes[a])
        colan.append(ddf.edit_metrics(clf, im[0], im[1], classes[b], mask))
        for j in range(len(strengths)):
            vec[j].append(ddf.edit_metrics(clf, im[0], im[2 + j], classes[b], mask))
    cat = lambda L: {k: np.concatenate([d[k] for d in L]) for k in L[0]}  # noqa: E731
    return {"presence": np.concatenate([mt[2] for mt in meta]), "w_colan": np.concatenate([mt[3] for mt in meta]),
            "src_acc": float(np.mean(np.concatenate(src_hit))), "colan": cat(colan), "vec": [cat(v) for v in vec],
            "strengths": list(strengths), "loss": cd.loss, "example": imgs[0, :, 0]}


def _digit_edit_summary(r: dict) -> dict:
    mean = lambda d: {k: float(np.mean(d[k])) for k in ("hit", "mse", "mse_bg")}  # noqa: E731
    c, vs = mean(r["colan"]), [mean(v) for v in r["vec"]]
    comparable = [j for j, v in enumerate(vs) if v["hit"] >= c["hit"] - COMPARABLE_ACC]
    lo, hi = r["presence"] < 0.7, r["presence"] > 1.1   # presence below / above VecAdd's fixed 0.7 +- 0.4
    j7 = r["strengths"].index(0.7)
    v7 = r["vec"][j7]
    return {"colan": c, "vec": vs, "comparable": comparable, "j7": j7,
            "low": {"colan_bg": float(np.mean(r["colan"]["mse_bg"][lo])), "vec_bg": float(np.mean(v7["mse_bg"][lo])),
                    "colan_acc": float(np.mean(r["colan"]["hit"][lo])), "vec_acc": float(np.mean(v7["hit"][lo]))},
            "high": {"colan_bg": float(np.mean(r["colan"]["mse_bg"][hi])), "vec_bg": float(np.mean(v7["mse_bg"][hi])),
                     "colan_acc": float(np.mean(r["colan"]["hit"][hi])), "vec_acc": float(np.mean(v7["hit"][hi]))}}


@pytest.mark.experiment("concept_lancet.images_digits")
def test_experiment_images_digits(verify, thorough):
    """Stand-in 4 (Images) for Table 1 / Fig. 12: per-image CoLan strengths vs fixed VecAdd
    strengths on a class-conditional DDPM over the 8x8 digits."""
    torch = pytest.importorskip("torch")
    seeds = DIGIT_EDIT_SEEDS_THOROUGH if thorough else DIGIT_EDIT_SEEDS
    n = torch.get_num_threads()
    torch.set_num_threads(1)           # tiny tensors: one intra-op thread is fastest and keeps runs identical
    try:
        runs = [_digit_edit_run(s, **DIGIT_EDIT) for s in seeds]
    finally:
        torch.set_num_threads(n)
    sums = [_digit_edit_summary(r) for r in runs]
    r0, s0 = runs[0], sums[0]
    W = r0["strengths"]
    figure = {"title": "Digits stand-in: edit accuracy vs background change (Table 1 direction: right and low)",
              "xlabel": "edit accuracy (digits classifier labels the edit as the target class)",
              "ylabel": "background MSE (pixels dark in both class means)", "logx": False, "logy": True,
              "x": [v["hit"] for v in s0["vec"]],
              "series": [{"label": "VecAdd, fixed strength " + "/".join(f"{w:g}" for w in W), "role": "false_variant",
                          "y": [v["mse_bg"] for v in s0["vec"]]},
                         {"label": "VecAdd, fixed 0.7 (Fig. 12)", "role": "bound", "x": [s0["vec"][s0["j7"]]["hit"]],
                          "y": [s0["vec"][s0["j7"]]["mse_bg"]], "marker": "s"},
                         {"label": "CoLan (per-image solved strength)", "role": "measured", "x": [s0["colan"]["hit"]],
                          "y": [s0["colan"]["mse_bg"]], "marker": "o"}],
              "note": f"seed {seeds[0]}; {r0['presence'].size} edits a -> b over the ordered pairs of digits "
                      f"{DIGIT_EDIT['classes']}; source and edit from one shared x_T (deterministic DDIM). The VecAdd "
                      "curve runs over the fixed strengths in increasing order."}

    def _fmt(d):
        return f"acc {d['hit']:.3f}, MSE {d['mse']:.3f}, bg MSE {d['mse_bg']:.4f}"

    def _obs(r, sm, s):
        return (f"seed {s}: source generations labelled as the source class {r['src_acc']:.3f}; CoLan {_fmt(sm['colan'])}; "
                + "; ".join(f"VecAdd {w:g} {_fmt(v)}" for w, v in zip(r["strengths"], sm["vec"]))
                + f"; presence < 0.7 (fixed 0.7 over-edits): bg MSE CoLan {sm['low']['colan_bg']:.4f} vs VecAdd 0.7 "
                  f"{sm['low']['vec_bg']:.4f}; presence > 1.1 (under-edits): acc CoLan {sm['high']['colan_acc']:.3f} vs "
                  f"VecAdd 0.7 {sm['high']['vec_acc']:.3f}; CoLan strength / presence "
                  f"{np.median(r['w_colan'] / r['presence']):.3f} (median)")

    verify.experiment(
        SLUG, "images_digits",
        title="Table 1 / Fig. 12 (offline stand-in 4): CoLan vs fixed-strength VecAdd on a class-conditional "
              "digits DDPM",
        expected="Table 1 direction: CoLan preserves more (lower LPIPS, background LPIPS) at comparable or better "
                 "edit accuracy (CLIP) than VecAdd; Fig. 12: a fixed strength 0.7 over-edits some images and "
                 "under-edits others",
        observed="ANALOGUE (8x8 digits, conditioning vectors as concepts). " + " | ".join(
            _obs(r, sm, s) for r, sm, s in zip(runs, sums, seeds))
                 + ". At the fixed 0.7 of Fig. 12 VecAdd changes less of the whole image than CoLan because it fails "
                   "more edits (a failed edit keeps the source); the background MSE of the two at 0.7 is close and "
                   "its order varies with the seed (CoLan lower on 2 of 6 measured seeds).",
        figure=figure, seed=list(seeds),
        params={**{k: (list(v) if isinstance(v, tuple) else v) for k, v in DIGIT_EDIT.items()},
                "comparable_accuracy": COMPARABLE_ACC, "l1": L1, "l2": L2, "presence_range": [0.3, 1.5],
                "cond_dim": 8, "p_uncond": 0.1, "model": "patch 2, width 32, depth 2, heads 4, mlp_ratio 2",
                "final_loss": float(r0["loss"][-1])},
        scale="reduced: ANALOGUE, not Table 1's setting: a 2-block patch-transformer DDPM conditioned on 8-d "
              "orthonormal class vectors (digits 0-3, 80 epochs) instead of Stable Diffusion / LCM with CLIP text "
              "embeddings; a 32-unit MLP digits classifier instead of CLIP; pixel MSE on pixels dark in both class "
              "means instead of background LPIPS; 192 edits per seed, "
              + ("six seeds" if thorough else "one seed (six under --thorough)"))
    # Asserted: what held on all six seeds measured at this size (0-5):
    # (1) CoLan's edit accuracy exceeds VecAdd's at the fixed 0.7 (margins 0.11-0.19, >= 3.5 binomial s.e.);
    # (2) "better preservation at comparable accuracy": every fixed strength whose accuracy is within
    #     COMPARABLE_ACC of CoLan's (at least one on every seed) changes the background and the whole image
    #     more than CoLan (smallest ratios 1.36x background, 1.12x whole image);
    # (3) Fig. 12's two failure modes of the fixed 0.7: on low-presence prompts it over-edits (background MSE
    #     above CoLan's, smallest ratio 1.38x) and on high-presence prompts it under-edits (accuracy below
    #     CoLan's, margins 0.31-0.51).
    # Not asserted: background MSE of CoLan below VecAdd 0.7 itself (held on 2 of 6 seeds; recorded above).
    for sm, s in zip(sums, seeds):
        c = sm["colan"]
        assert c["hit"] > sm["vec"][sm["j7"]]["hit"], f"seed {s}: CoLan accuracy not above VecAdd 0.7: {sm}"
        assert sm["comparable"], f"seed {s}: no fixed strength reaches CoLan's accuracy - {COMPARABLE_ACC}: {sm}"
        for j in sm["comparable"]:
            v = sm["vec"][j]
            assert v["mse_bg"] > c["mse_bg"] and v["mse"] > c["mse"], \
                f"seed {s}: VecAdd {W[j]} at comparable accuracy preserves as well as CoLan: {v} vs {c}"
        assert sm["low"]["vec_bg"] > sm["low"]["colan_bg"], f"seed {s}: no over-edit at low presence: {sm['low']}"
        assert sm["high"]["vec_acc"] < sm["high"]["colan_acc"], f"seed {s}: no under-edit at high presence: {sm['high']}"
