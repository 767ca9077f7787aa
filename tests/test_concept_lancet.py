"""Unit tests of theorems.concept_lancet: the closed forms against sympy and brute force,
input validation, the table arithmetic and the judges on hand-made evidence."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from numerics import sparse_coding as sc
from theorems import concept_lancet as cl
from theorems import Outcome


# -- soft thresholding and the orthonormal closed forms -----------------------------------------------
def test_soft_matches_sympy():
    pts = [(-2.0, 1.0), (-0.5, 1.0), (0.3, 0.1), (3.0, 0.0), (0.0, 0.2)]
    for xv, tv in pts:
        ref = float(cl.SOFT.subs({cl.x: xv, cl.thr: tv}))
        assert float(cl.soft(xv, tv)) == pytest.approx(ref, abs=1e-15)
    with pytest.raises(ValueError, match="t must be non-negative"):
        cl.soft(1.0, -0.1)
    with pytest.raises(TypeError, match="x"):
        cl.soft("1", 0.1)


@pytest.mark.parametrize("xv,l1,l2", [(5.0, 0.0099, 1e-4), (-0.3, 0.05, 0.1), (0.01, 0.05, 0.0), (78.0, 0.0099, 1e-4)])
def test_scalar_elastic_net_brute_force(xv, l1, l2):
    """argmin_w 1/2 (x - w)^2 + l1 |w| + 1/2 l2 w^2 by bounded scalar minimisation."""
    res = minimize_scalar(lambda w: 0.5 * (xv - w) ** 2 + l1 * abs(w) + 0.5 * l2 * w * w,
                          bounds=(-100, 100), method="bounded", options={"xatol": 1e-12})
    closed = float(cl.ENET_ORTHONORMAL.subs({cl.x: xv, cl.l1: l1, cl.l2: l2}))
    assert closed == pytest.approx(res.x, abs=1e-8)
    D = np.eye(3)
    assert cl.enet_orthonormal(np.array([xv, 0, 0]), D, l1, l2)[0] == pytest.approx(closed, abs=1e-15)


def test_enet_orthonormal_demo_numbers():
    v = np.diag([0.0, 5, 2, 1, 78, 16]).ravel()
    D = np.stack([np.diag(np.eye(6)[i]).ravel() for i in range(6)], axis=1)
    w = cl.enet_orthonormal(v, D, 0.0099, 1e-4)
    assert np.allclose(w, [0, 4.98960, 1.98990, 0.99000, 77.98230, 15.98850], atol=5e-6)  # printed to 5 decimals
    assert cl.enet_orthonormal(v, D, 0.0099, 1e-4, divide=False)[4] == pytest.approx(77.9901, abs=1e-12)
    with pytest.raises(ValueError, match="orthonormal"):
        cl.enet_orthonormal(v, 2 * D, 0.01, 0.0)
    with pytest.raises(ValueError, match="orthogonal"):
        cl.enet_orthonormal(v, D + 0.01, 0.01, 0.0)


def test_enet_normalized_orthogonal_solves_the_weighted_problem():
    rng = np.random.default_rng(0)
    Q = sc.orthonormal_dictionary(12, 4, rng, norms=[0.5, 1.0, 2.0, 3.0])
    v = rng.standard_normal(12)
    w = cl.enet_normalized_orthogonal(v, Q, 0.0475, 0.0025)
    # optimality of the weighted problem, checked in theorems' own KKT statement
    assert cl.enet_kkt_violation(v, Q, w, 0.0475, 0.0025, normalize=True).max() < 1e-14
    # and per coordinate by brute force in the original units
    for i in range(4):
        f = lambda wi: sc.enet_objective(v, Q, np.where(np.arange(4) == i, wi, w), 0.0475, 0.0025, True)  # noqa: E731
        res = minimize_scalar(f, bounds=(w[i] - 2, w[i] + 2), method="bounded", options={"xatol": 1e-12})
        assert res.x == pytest.approx(w[i], abs=1e-7)
    with pytest.raises(ValueError, match="v must be nonzero"):
        cl.enet_normalized_orthogonal(np.zeros(12), Q, 0.1, 0.0)


def test_kkt_violation_conventions():
    rng = np.random.default_rng(1)
    D = rng.standard_normal((8, 3))
    v = rng.standard_normal(8)
    w = sc.decompose(v, D, 0.1, 0.0, normalize=False)
    # sklearn stops at a duality gap ~tol = 1e-12; the KKT violation is a few times that
    assert cl.enet_kkt_violation(v, D, w, 0.1, 0.0).max() < 1e-10
    # eq. (3) read literally (||.||^2, no 1/2) with lambda = 0.1 is SPAMS with l1 = 0.05: w violates it
    assert cl.enet_kkt_violation(v, D, w, 0.1, 0.0, loss_scale=2.0).max() > 1e-3
    w_half = sc.decompose(v, D, 0.05, 0.0, normalize=False)
    assert cl.enet_kkt_violation(v, D, w_half, 0.1, 0.0, loss_scale=2.0).max() < 1e-10
    with pytest.raises(ValueError, match="w must have shape"):
        cl.enet_kkt_violation(v, D, w[:2], 0.1, 0.0)


def test_objective_conventions_symbolically():
    mapped = cl.OBJ_SKLEARN.subs(cl.SKLEARN_MAPPING)
    assert sp.simplify(cl.n_rows * mapped - cl.OBJ_SPAMS) == 0
    # eq. (3) = 2 x SPAMS with l1 = lambda / 2, l2 = 0
    assert sp.simplify(cl.OBJ_EQ3 - 2 * cl.OBJ_SPAMS.subs({cl.l1: cl.lam / 2, cl.l2: 0})) == 0
    # the numerics mapping is the symbolic one
    p = sc.spams_to_sklearn(0.03, 0.02, 17)
    sub = {cl.l1: 0.03, cl.l2: 0.02, cl.n_rows: 17}
    assert p["alpha"] == pytest.approx(float(cl.SKLEARN_MAPPING[cl.a_sk].subs(sub)), rel=1e-15)
    assert p["l1_ratio"] == pytest.approx(float(cl.SKLEARN_MAPPING[cl.r_sk].subs(sub)), rel=1e-15)


# -- diffusion steps ------------------------------------------------------------------------------------
def test_ddim_identities_symbolically():
    # (a) eq. (5) with DDIM's f is eq. (1) for every sigma
    assert sp.simplify(cl.GENERAL_EQ5.subs(cl.f_s, cl.F_DDIM) - cl.DDIM_EQ1) == 0
    # (b) one deterministic step of the exact forward marginal lands on the marginal at t-1
    step = cl.DDIM_EQ1.subs(cl.sig, 0).subs(cl.z_t, cl.FORWARD)
    target = sp.sqrt(cl.a_p) * cl.z0 + sp.sqrt(1 - cl.a_p) * cl.eps_s
    assert sp.simplify(step - target) == 0
    # (c) sigma = sqrt(1 - alpha_{t-1}) removes the eps term
    c = cl.GENERAL_EQ5.subs(cl.sig, sp.sqrt(1 - cl.a_p))
    assert sp.simplify(c - (sp.sqrt(cl.a_p) * cl.f_s + sp.sqrt(1 - cl.a_p) * cl.xi)) == 0


def test_ddim_step_numeric_vs_sympy_and_variants():
    rng = np.random.default_rng(0)
    z0, eps, noise = rng.standard_normal((3, 16))
    a_t, a_p, s = 0.3, 0.5, 0.2
    z_t = np.sqrt(a_t) * z0 + np.sqrt(1 - a_t) * eps
    f = sp.lambdify((cl.z_t, cl.eps_s, cl.a_t, cl.a_p, cl.sig, cl.xi), cl.DDIM_EQ1, "numpy")
    assert np.allclose(cl.ddim_step(z_t, eps, a_t, a_p, s, noise), f(z_t, eps, a_t, a_p, s, noise), atol=1e-14)
    exact = np.sqrt(a_p) * z0 + np.sqrt(1 - a_p) * eps
    assert np.max(np.abs(cl.ddim_step(z_t, eps, a_t, a_p) - exact)) < 1e-14
    # negative controls of the card: per-step alpha, dropped sqrt(alpha_{t-1})
    per_step = cl.ddim_step(z_t, eps, a_t / a_p, a_p)
    assert np.max(np.abs(per_step - exact)) > 0.1
    assert np.max(np.abs(cl.ddim_step(z_t, eps, a_t, a_p, prev_factor=0.0) - exact)) > 0.1


def test_ddim_step_validation():
    z = np.zeros(4)
    with pytest.raises(ValueError, match="a_t"):
        cl.ddim_step(z, z, 0.0, 0.5)
    with pytest.raises(ValueError, match="a_prev"):
        cl.ddim_step(z, z, 0.5, 1.5)
    with pytest.raises(ValueError, match="sigma"):
        cl.ddim_step(z, z, 0.3, 0.5, sigma=0.9, noise=z)
    with pytest.raises(ValueError, match="noise"):
        cl.general_step(z, z, 0.5, sigma=0.1)
    with pytest.raises(ValueError, match="sigma must be non-negative"):
        cl.general_step(z, z, 0.5, sigma=-0.1, noise=z)
    # sigma = sqrt(1 - a_prev) leaves exactly no eps term
    out = cl.general_step(z, np.ones(4), 0.37, np.sqrt(1 - 0.37), z)
    assert np.all(out == 0.0)


# -- transplant and VecAdd ------------------------------------------------------------------------------
def test_transplant_closed_form_and_validation():
    rng = np.random.default_rng(0)
    D = rng.standard_normal((5, 3))
    v = rng.standard_normal(5)
    w = np.array([0.5, 0.0, -1.0])
    d = rng.standard_normal(5)
    assert np.allclose(cl.transplant(v, D, w, 2, d), v - (d - D[:, 2]), atol=1e-15)
    assert np.array_equal(cl.transplant(v, D, w, 1, d), v)            # w_src = 0: no-op
    assert np.array_equal(cl.transplant(v, D, w, 0, D[:, 0]), v)      # self-replacement
    assert np.array_equal(cl.remove(v, D, w, 0, d), cl.transplant(v, D, w, 0, d))
    with pytest.raises(ValueError, match="src_idx"):
        cl.transplant(v, D, w, 3, d)
    with pytest.raises(TypeError, match="src_idx"):
        cl.transplant(v, D, w, 1.0, d)
    with pytest.raises(ValueError, match="d_tgt"):
        cl.transplant(v, D, w, 0, d[:2])


def test_vecadd():
    rng = np.random.default_rng(0)
    c, a, b = rng.standard_normal((3, 7))
    assert np.allclose(cl.vecadd_text(c, a, b, 0.7), c + 0.7 * (a - b), atol=0)
    batch = rng.standard_normal((4, 7))
    ws = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.allclose(cl.vecadd_text(batch, a, b, ws), batch + ws[:, None] * (a - b), atol=0)
    assert np.allclose(cl.vecadd_score(c, a, 0.25), 0.75 * c + 0.25 * a, atol=1e-15)
    with pytest.raises(ValueError, match="c_A"):
        cl.vecadd_text(c, a[:3], b, 0.7)
    with pytest.raises(TypeError, match="w"):
        cl.vecadd_score(c, a, "0.5")


# -- RepRead -------------------------------------------------------------------------------------------------
def test_rep_read_variants():
    rng = np.random.default_rng(0)
    u = rng.standard_normal(16)
    u /= np.linalg.norm(u)
    E = 2.0 * u + 0.05 * rng.standard_normal((30, 16)) / 4
    assert np.allclose(cl.rep_read(E), E.mean(0), atol=0)
    p = cl.rep_read(E, "pca_uncentred")
    lam, V = np.linalg.eigh(E.T @ E)
    assert abs(p @ V[:, -1]) == pytest.approx(1.0, abs=1e-12)   # top eigenvector of E^T E
    assert p @ E.mean(0) > 0                                      # sign fixed by the mean
    assert cl.rep_read(E, "pca_uncentred", sign_ref=-u) @ u < 0
    c = cl.rep_read(E, "pca_centred")
    assert abs(c @ u) < 0.9                                       # a noise direction
    with pytest.raises(ValueError, match="kind"):
        cl.rep_read(E, "pca")
    with pytest.raises(ValueError, match="sign_ref"):
        cl.rep_read(E, "pca_uncentred", sign_ref=u[:3])


# -- table arithmetic ------------------------------------------------------------------------------------------
def test_pct_increase_and_rounding_tolerance_vs_sympy():
    s, e = 13.28, 18.65
    assert cl.pct_increase(s, e) == pytest.approx(float(cl.PCT_INCREASE.subs({cl.src: s, cl.edt: e})), rel=1e-14)
    tol_sym = float(cl.PCT_ROUNDING_TOL.subs({cl.src: s, cl.edt: e, cl.h: 0.005})) + 0.005
    assert cl.rounding_tol_pct(s, e) == pytest.approx(tol_sym, rel=1e-14)
    assert cl.rounding_tol_pct(s, e) == pytest.approx(0.096, abs=5e-4)     # the card's bound at dog/Natural
    assert abs(40.49 - cl.pct_increase(s, e)) == pytest.approx(0.053, abs=5e-4)
    with pytest.raises(ValueError, match="denominator"):
        cl.pct_increase(s, e, denominator="mean")
    with pytest.raises(ValueError, match="src must be positive"):
        cl.rounding_tol_pct(-1.0, e)


def test_ratio_interval_table2():
    lo, hi = cl.ratio_interval("0.153", "38.74")
    assert (round(lo, 4), round(hi, 4)) == (0.3936, 0.3963)
    assert round(100 * 0.153 / 38.74, 3) == 0.395  # plain rounding disagrees with the printed 0.394
    with pytest.raises(TypeError, match="strings"):
        cl.ratio_interval(0.153, "38.74")


def test_table1_ranking_and_changes():
    assert cl.table1_ranking() == cl.TABLE1_MARKERS
    flipped = cl.table1_ranking(lower_is_better={"PSNR": True})
    assert flipped["PSNR"] == (15.04, 17.65)
    rec = cl.relative_changes(cl.TABLE1[("VecAdd", "DI", "P2P-Zero")], cl.TABLE1[("CoLan", "DI", "P2P-Zero")])
    assert np.allclose(rec, list(cl.P2PZERO_CHANGES.values()), atol=0.05)
    assert cl.DATASET["tokens"] * cl.DATASET["width"] == cl.DATASET["dim"]


# -- judges on hand-made evidence ----------------------------------------------------------------------------------
def test_tables_judge_detects_a_misprint():
    claim = cl.table_consistency
    keys = list(cl.TABLE4)
    printed = [cl.TABLE4[k][2] for k in keys]
    printed[0] += 0.2  # beyond the rounding bound (~0.08 pp there)
    ev = {"table4": {"measured": printed, "inputs": {"src": [cl.TABLE4[k][0] for k in keys],
                                                      "edited": [cl.TABLE4[k][1] for k in keys], "keys": keys}}}
    assert claim.judge(ev).outcome is Outcome.FAILS
    ev2 = {"table2": {"measured": ["0.398"], "inputs": {"rows": ["P2P-Zero"], "strings": cl.TABLE2}}}
    assert claim.judge(ev2).fails
    ev3 = {"table3": {"measured": {("P2P-Zero", "LPIPS"): (135.6, 137.0, 80.0, 70.0)}}}
    assert claim.judge(ev3).fails


def test_kkt_judge_and_support_judge_on_handmade_evidence():
    rng = np.random.default_rng(0)
    D = rng.standard_normal((10, 4))
    v = rng.standard_normal(10)
    w = sc.decompose(v, D, 0.05, 0.01, normalize=False)
    inp = {"v": v, "D": D, "l1": 0.05, "l2": 0.01, "normalize": False}
    assert cl.solver_kkt.judge({"sklearn": {"measured": w, "inputs": inp}}).holds
    assert cl.solver_kkt.judge({"sklearn": {"measured": w + 1e-3, "inputs": inp}}).fails
    batch = {"measured": np.ones(50), "inputs": {"coherence": np.full(50, 0.2), "src_err": np.zeros(50),
                                                 "bias_bound": np.full(50, 0.05), "sigma": 0.01}}
    assert cl.support_recovery.judge({"b": batch}).holds
    bad = {**batch, "measured": np.r_[np.ones(40), np.zeros(10)]}
    assert cl.support_recovery.judge({"b": bad}).fails
    coherent = {**batch, "inputs": {**batch["inputs"], "coherence": np.full(50, 0.9)}}
    assert cl.support_recovery.judge({"c": coherent}).inconclusive


def test_reanalysis_judge_idempotent_case():
    ev = {"measured": {"w_resolved_src": 0.5, "dtgt_r": 0.0475 + 0.0025 * 0.5},
          "inputs": {"w_src": 0.5, "l1": 0.0475, "l2": 0.0025}}
    assert cl.transplant_reanalysis.judge(ev).fails              # no gap: the phenomenon is absent
    assert cl.transplant_reanalysis.false_variant.judge(ev).holds


def test_registry_entries():
    ids = [c.id for c in cl.CLAIMS]
    assert len(ids) == 16 and len(set(ids)) == 16
    assert cl.repread.uncertain
    assert cl.text_claim_p2pzero.printed is not None
    assert not cl.editing_results.checkable and "PIE-Bench" in cl.editing_results.reason_not_checkable
