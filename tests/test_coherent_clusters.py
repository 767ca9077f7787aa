"""Unit tests of the closed forms in :mod:`theorems.coherent_clusters`: against sympy, mpmath
and the simulators of :mod:`numerics`, the card's reference numbers, the errata (printed
forms fail, corrected forms hold), the judges on hand-made evidence and input validation."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import theorems
from numerics import network_reduction as nr
from numerics import network_systems as ns
from theorems import Status
from theorems import coherent_clusters as cc

Q3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
W3 = np.array([[20.0, 0.4, 0.8], [0.4, 20.0, 0.7], [0.8, 0.7, 20.0]])
CARD_IDS = {
    "thm1": "as_printed", "thm3": "as_printed", "refine_appA": "corrected", "lemma5": "as_printed",
    "lemma6": "as_printed", "lemma7": "as_printed", "lemma8": "corrected", "prop10": "as_printed",
    "thm4": "as_printed", "thm4_explicit_N": "not_checkable", "sec5_phenomenon": "as_printed",
    "acc_thm1": "as_printed", "acc_claim": "as_printed", "acc_thm2": "as_printed", "acc_prop3": "as_printed",
    "acc_thm4": "as_printed", "acc_sec5a_clustering": "as_printed",
}


def _ideal(sizes, seed=0):
    rng = np.random.default_rng(seed)
    k = len(sizes)
    Q = rng.uniform(0.01, 0.1, (k, k))
    W = rng.uniform(0.2, 1.0, (k, k))
    Q, W = np.triu(Q) + np.triu(Q, 1).T, np.triu(W) + np.triu(W, 1).T
    np.fill_diagonal(Q, 0.8)
    np.fill_diagonal(W, 20.0)
    return ns.wsbm_expected_laplacian(sizes, Q, W)


# -- registry ---------------------------------------------------------------------------------
def test_registry_matches_the_card():
    reg = {c.id.split(".", 1)[1]: c.status.value for c in theorems.all_claims() if c.paper == "coherent_clusters"}
    assert reg == CARD_IDS
    for c in cc.CLAIMS:
        assert c.where and c.title and c.statement_text()
        if c.status is Status.CORRECTED:
            assert c.printed is not None and c.note
        if c.status is not Status.NOT_CHECKABLE:
            assert c.false_variant is not None and c.judge_fn is not None
    assert cc.lemma5.uncertain and cc.thm4.uncertain and cc.sec5_phenomenon.uncertain


# -- symbolic checks ----------------------------------------------------------------------------
def test_acc_claim_is_prop10_for_two_blocks_symbolically():
    na, nb, a, b = sp.symbols("n_a n_b alpha beta", positive=True)
    Bt = sp.Matrix([[a, b], [b, a]]) * sp.diag(na, nb)  # B~ = B D_n
    Lt = sp.diag(*(Bt * sp.ones(2, 1))) - Bt
    eig = set(sp.simplify(e) for e in Lt.eigenvals())
    assert eig == {0, sp.simplify(cc.ACC_LAM2)}
    # block eigenvalues mu_i = n_i alpha + beta n_j; the smaller one (n_a >= n_b) is ACC's lambda_3
    mu_b = nb * a + na * b
    assert sp.simplify(mu_b - cc.ACC_LAM3) == 0
    assert sp.simplify((na * a + nb * b) - mu_b - (na - nb) * (a - b)) == 0  # >= 0 when n_a >= n_b, a >= b


def test_two_node_laplacian_is_the_quotient_laplacian_symbolically():
    na, nb, b = sp.symbols("n_a n_b beta", positive=True)
    lam2 = (na + nb) * b
    quotient = sp.Matrix([[na * nb * b, -na * nb * b], [-na * nb * b, na * nb * b]])  # P^T L^blk P
    assert sp.simplify(lam2 * na * nb / (na + nb) * sp.Matrix([[1, -1], [-1, 1]]) - quotient) == sp.zeros(2, 2)


def test_lemma8_step_direction_symbolically():
    # The paper's step 2(1 - c) <= 1 - c^2 is reversed: the difference is (1 - c)^2 >= 0.
    c = sp.Symbol("c")
    assert sp.factor(2 * (1 - c) - (1 - c ** 2)) == (c - 1) ** 2
    # and 2(1 - c) <= 2 (1 - c^2) = 2 sin^2 for c in [0, 1]: difference 2c(1 - c) >= 0
    assert sp.factor(2 * (1 - c ** 2) - 2 * (1 - c)) == -2 * c * (c - 1)


def test_sympy_bounds_equal_numeric_functions():
    M1, M2, F = 0.7, 0.6, 12.0
    expr = cc.THM1_BOUND.subs({cc.M1: M1, cc.M2: M2, cc.F: F, cc.p_den: 1})
    assert float(expr) == pytest.approx(float(cc.thm1_bound(M1, M2, F)), rel=1e-14)
    e7 = cc.LEMMA7_CERT.subs({cc.gamma: 4.9, cc.M: 0.688, cc.F_l: 1.0, cc.lam_k1: 192.0, cc.dV: 0.01})
    assert float(e7) == pytest.approx(float(cc.lemma7_certificate(4.9, 0.688, 1.0, 192.0, 0.01)), rel=1e-14)
    # card reference: certificate 0.101 + 0.428 at n = 80
    first = float(cc.lemma7_certificate(4.9, 0.688, 1.0, 192.0, 0.0))
    assert first == pytest.approx(0.101, abs=1e-3)
    assert float(cc.lemma6_bound(4.9, 0.688, 0.010)) == pytest.approx(0.428, abs=1e-3)


# -- transfer matrices ---------------------------------------------------------------------------
def test_T_rank_with_all_eigenvectors_is_T_full():
    rng = np.random.default_rng(1)
    L = ns.erdos_renyi_laplacian(12, 0.5, rng)
    lam, V = ns.laplacian_eigh(L)
    prm = ns.sample_generator_params(12, rng)
    s = np.array([0.3j, 0.1 + 2j])
    g = prm.ginv(s)
    np.testing.assert_allclose(cc.T_rank(g, 1 / s, V, lam), ns.transfer_matrix(g, 1 / s, L), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cc.T_rank_inv_s(s, g, V, lam), ns.transfer_matrix_inv_s(s, g, L), atol=1e-12)


def test_inv_s_forms_equal_plain_forms_and_acc_T2():
    rng = np.random.default_rng(2)
    L, labels = ns.wsbm_laplacian((9, 6), [[0.8, 0.1], [0.1, 0.8]], [[3, 0.5], [0.5, 3]], rng)
    lam, V = ns.laplacian_eigh(L)
    prm = ns.sample_generator_params(15, rng)
    s = 0.2 + 0.7j
    g = prm.ginv(s)
    T2 = cc.T_rank(g, 1 / s, V[:, :2], lam[:2])
    np.testing.assert_allclose(cc.T_rank_inv_s(s, g, V[:, :2], lam[:2]), T2, atol=1e-13)
    np.testing.assert_allclose(cc.acc_T2(g, 1 / s, V[:, 1], lam[1]), T2, atol=1e-13)
    P = cc.membership_matrix(labels)
    Lk = cc.quotient_laplacian(L, P)
    np.testing.assert_allclose(cc.T_red_inv_s(s, g, P, Lk), cc.T_red(g, 1 / s, P, Lk), atol=1e-13)


def test_T_red_against_mpmath():
    rng = np.random.default_rng(3)
    labels = np.array([0, 0, 1, 1, 1, 2])
    P = cc.membership_matrix(labels)
    A = rng.uniform(0, 1, (3, 3))
    Lk = np.diag((A + A.T).sum(1)) - (A + A.T)
    prm = ns.sample_generator_params(6, rng)
    s = 0.05 + 0.4j
    g = prm.ginv(s)
    mp.mp.dps = 50
    # s (s Ĝ^{-1} + L_k)^{-1} at 50 digits, broadcast by P
    Hm = mp.matrix(3, 3)
    for i in range(3):
        for j in range(3):
            Hm[i, j] = mp.mpf(Lk[i, j])
        Hm[i, i] += mp.mpc(s) * sum(mp.mpc(g[m]) for m in range(6) if labels[m] == i)
    core = mp.mpc(s) * mp.inverse(Hm)
    ref = np.array([[complex(core[labels[a], labels[b]]) for b in range(6)] for a in range(6)])
    np.testing.assert_allclose(cc.T_red_inv_s(s, g, P, Lk), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.diag(cc.aggregate_inverse(g, P)), nr.aggregate_ginv(g, labels), rtol=1e-15)


# -- refinement (erratum 1) -------------------------------------------------------------------------
@pytest.mark.parametrize("sizes,printed_gap", [((20, 40, 20), 0.316), ((7, 3, 12, 5), 0.469)])
def test_refine_printed_fails_corrected_holds_on_unequal_sizes(sizes, printed_gap):
    Lb, labels = _ideal(sizes)
    k = len(sizes)
    lam, V = ns.laplacian_eigh(Lb)
    P = cc.membership_matrix(labels)
    S = cc.refine_embedding(V[:, :k], labels)
    Vh = P @ S
    assert np.linalg.norm(Vh.T @ Vh - np.eye(k), 2) < 1e-12
    np.testing.assert_allclose(Vh, V[:, :k], atol=1e-12)
    Sp = cc.refine_embedding(V[:, :k], labels, form="printed")
    gap = np.linalg.norm((P @ Sp).T @ (P @ Sp) - np.eye(k), 2)
    if sizes == (20, 40, 20):  # the card's value depends only on the sizes for this one
        assert gap == pytest.approx(printed_gap, abs=1e-3)
    assert gap > 0.1


def test_refine_printed_equals_corrected_for_equal_sizes():
    Lb, labels = _ideal((10, 10, 10))
    lam, V = ns.laplacian_eigh(Lb)
    np.testing.assert_allclose(cc.refine_embedding(V[:, :3], labels, form="printed"),
                               cc.refine_embedding(V[:, :3], labels), atol=1e-13)


def test_refine_matches_the_procrustes_solver_and_k1():
    rng = np.random.default_rng(5)
    labels = rng.permutation(np.repeat(np.arange(4), [3, 9, 5, 7]))
    n = labels.size
    X = np.hstack([np.ones((n, 1)), rng.standard_normal((n, 3))])
    V = np.linalg.qr(X)[0]
    V[:, 0] = 1 / np.sqrt(n)
    S = cc.refine_embedding(V, labels)
    S2, _ = nr.refine_procrustes(V, labels)
    np.testing.assert_allclose(S, S2, atol=1e-12)
    Dn = np.diag(np.bincount(labels).astype(float))
    np.testing.assert_allclose(S.T @ Dn @ S, np.eye(4), atol=1e-13)
    assert cc.refine_objective(V, labels, S) <= cc.refine_objective(V, labels, cc.refine_embedding(V, labels, form="no_rotation"))
    np.testing.assert_allclose(cc.refine_embedding(np.full((5, 1), 5 ** -0.5), np.zeros(5, int)), [[5 ** -0.5]])


def test_reduced_laplacian_is_quotient_on_block_ideal_and_kills_ones():
    Lb, labels = _ideal((7, 3, 12, 5), seed=4)
    lam, V = ns.laplacian_eigh(Lb)
    P = cc.membership_matrix(labels)
    S = cc.refine_embedding(V[:, :4], labels)
    Lk = cc.reduced_laplacian(S, lam[:4])
    np.testing.assert_allclose(Lk, cc.quotient_laplacian(Lb, P), rtol=0, atol=1e-10 * np.abs(Lb).max())
    assert np.max(np.abs(Lk @ np.ones(4))) < 1e-12 * np.abs(Lk).max()
    np.testing.assert_allclose(Lk, nr.refined_laplacian(S, lam[:4], P.sum(0)), atol=1e-10)


# -- bounds ---------------------------------------------------------------------------------------
def test_thm1_bound_values_and_precondition():
    assert float(cc.thm1_bound(1.0, 1.0, 10.0)) == pytest.approx(4 / 8)
    assert float(cc.thm1_bound(1.0, 1.0, 10.0, 2)) == pytest.approx(4 / 64)
    assert np.isinf(cc.thm1_bound(1.0, 1.0, 2.0))
    np.testing.assert_array_equal(np.isinf(cc.thm1_bound([1, 1], [1, 1], [2, 10])), [True, False])


def test_lemma8_forms_and_hinf_gamma():
    assert float(cc.lemma8_bound(0.1)) == pytest.approx(0.1 * np.sqrt(2))
    assert float(cc.lemma8_bound(0.1, "printed")) == pytest.approx(0.1)
    assert cc.hinf_gamma([0.2, 0.5]) == pytest.approx(5.0)


def test_lemma8_k2_counterexample_exact():
    # k = 2: ||V̂ - V|| = sqrt(2 (1 - cos)) exceeds sin(theta) (printed) but not sqrt(2) sin(theta).
    for theta in (1e-3, 0.026, 0.3):
        dist = np.sqrt(2 * (1 - np.cos(theta)))
        assert dist > np.sin(theta) and dist <= np.sqrt(2) * np.sin(theta)
        assert dist / np.sin(theta) - 1 == pytest.approx(theta ** 2 / 8, rel=0.05)


def test_prop10_card_numbers_and_eigh():
    B = Q3 * W3
    first, mu, mult = cc.prop10_spectrum((20, 40, 20), B)
    np.testing.assert_allclose(first, [0.0, 3.91511422, 5.88488578], atol=1e-8)
    np.testing.assert_allclose(mu, [323.2, 642.2, 324.4], rtol=1e-12)
    np.testing.assert_array_equal(mult, [19, 39, 19])
    Lb, _ = ns.wsbm_expected_laplacian((20, 40, 20), Q3, W3)
    np.testing.assert_allclose(np.linalg.eigvalsh(Lb), cc.prop10_full_spectrum((20, 40, 20), B), atol=1e-9 * 642.2)
    c = cc.wsbm_constants((20, 40, 20), Q3, W3)
    assert c["Delta"] == pytest.approx(15.4) and c["b_min"] == pytest.approx(16.11)
    assert c["btil_max"] == pytest.approx(320.113) and c["rho"] == 2
    assert mu.min() >= c["b_min"] * 20  # item 3: 323.2 >= 322.2
    assert np.sort(np.r_[first, mu])[3] - first.max() >= c["Delta"] * 20  # item 4: 317.3 >= 308
    assert cc.prop10_full_spectrum((20, 40, 20), B, 0.0)[3] == pytest.approx(320.0)  # false variant


def test_acc_two_block_spectrum_against_eigh():
    out = cc.acc_two_block_spectrum(30, 20, 3.0, 0.05)
    assert out["lam2"] == pytest.approx(2.5) and out["lam3"] == pytest.approx(61.5)
    assert cc.acc_two_block_spectrum(30, 20, 3.0, 0.05, "na_alpha")["lam3"] == pytest.approx(91.0)
    Lb, labels = ns.wsbm_expected_laplacian((30, 20), np.ones((2, 2)), [[3.0, 0.05], [0.05, 3.0]])
    lam, V = ns.laplacian_eigh(Lb)
    np.testing.assert_allclose(lam, out["eigs"], atol=1e-11)
    assert abs(abs(V[:, 1] @ out["v2"]) - 1) < 1e-12
    L2 = cc.acc_two_node_laplacian(lam[1], 30, 20)
    np.testing.assert_allclose(L2, nr.quotient_laplacian(Lb, labels), atol=1e-11)
    assert np.abs(cc.acc_two_node_laplacian(lam[1], 30, 20, "plain") - L2).max() > 1


def test_prop3_and_acc_thm4_reference_values():
    r9, r10 = cc.acc_thm4_bounds(0.6, 0.1, 5.0, 0.1, np.array([50, 100, 200]), np.array([20, 40, 80]), 0.1)
    np.testing.assert_allclose(r9, [-543, -770, -1070], atol=1.0)
    np.testing.assert_allclose(r10, [29.0, 21.4, 15.7], atol=0.05)
    D = cc.prop3_delta((20, 40, 20), Q3, W3)
    assert float(cc.prop3_radius(D, 80, 0.1)) == pytest.approx(2571, rel=2e-3)  # card reference radius
    assert float(cc.prop3_radius(4.0, np.e ** 2 / 4, 1 / np.e)) == pytest.approx(8 * np.sqrt(4 * 3.0))


def test_thm4_sample_sizes_card_numbers():
    kw = dict(eps=0.1, delta=0.1, eta=1.0, gamma=5.0, M=0.70)
    fr = [0.25, 0.5, 0.25]
    assert cc.thm4_sample_size(fr, Q3, W3, "36", **kw) == pytest.approx(3.0e4, rel=0.05)
    assert cc.thm4_sample_size(fr, Q3, W3, "37", sqrt2_fix=False, **kw) == pytest.approx(6.6e11, rel=0.05)
    assert cc.thm4_sample_size(fr, Q3, W3, "37", sqrt2_fix=False, **{**kw, "M": 0.907}) == pytest.approx(1.0e12, rel=0.05)
    assert cc.thm4_sample_size(fr, Q3, W3, "37", sqrt2_fix=False, **{**kw, "eps": 0.5}) == pytest.approx(2.4e10, rel=0.05)
    n37 = cc.thm4_sample_size(fr, Q3, W3, "37", **kw)
    big = cc.thm4_conditions(tuple(int(x * 4e12) for x in fr), Q3, W3, 3, c=1.0, **kw)
    small = cc.thm4_conditions((20, 40, 20), Q3, W3, 3, c=1.0, **kw)
    assert n37 > 1.2e12 and big["ok36"] and big["ok37"] and not small["ok36"] and not small["ok37"]


# -- judges on hand-made evidence --------------------------------------------------------------------
def test_lemma8_judges_printed_and_corrected():
    ev = {"measured": np.array([np.sqrt(2 * (1 - np.cos(0.1)))]), "inputs": {"sin_theta_F": np.array([np.sin(0.1)])}}
    assert cc.lemma8.judge(ev).holds
    assert cc.lemma8.printed.judge(ev).fails
    assert cc.lemma8.false_variant.judge(ev).fails


def test_thm4_predicate_judge():
    ev = {"inputs": {"ns": [80, 160, 320], "recovery_rate": [0.75, 1.0, 1.0]},
          "fit": {"slope": -1.1, "ci_low": -1.3, "ci_high": -0.9}}
    assert cc.thm4.judge(ev).holds and cc.thm4.false_variant.judge(ev).fails
    flat = {**ev, "fit": {"slope": -0.05, "ci_low": -0.2, "ci_high": 0.1}}
    assert cc.thm4.judge(flat).fails and cc.thm4.false_variant.judge(flat).holds
    bad_rec = {**ev, "inputs": {"ns": [80, 160], "recovery_rate": [1.0, 0.5]}}
    assert cc.thm4.judge(bad_rec).fails


def test_refine_judge_rejects_the_printed_form():
    Lb, labels = _ideal((20, 40, 20))
    V = ns.laplacian_eigh(Lb)[1][:, :3]
    inst = {"Vk": V, "labels": labels}
    ev = {"recovery": {"measured": V.ravel(), "inputs": {"instances": [inst]}},
          "constraints": {"measured": np.zeros(12), "inputs": {"instances": [inst]}},
          "optimality": {"measured": np.array([1.0]), "inputs": {"instances": [inst], "which": [0]}}}
    assert cc.refine_appA.judge(ev).holds
    assert cc.refine_appA.printed.judge(ev).fails
    assert cc.refine_appA.false_variant.judge(ev).fails


# -- input validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc,word", [
    (lambda: cc.membership_matrix(np.array([0, 2])), ValueError, "labels"),
    (lambda: cc.membership_matrix(np.array([0.5, 1.0])), TypeError, "labels"),
    (lambda: cc.membership_matrix("ab"), TypeError, "labels"),
    (lambda: cc.refine_embedding(np.ones((3, 2)), [0, 1, 1], form="x"), ValueError, "form"),
    (lambda: cc.refine_embedding(np.ones((4, 2)), [0, 1, 1]), ValueError, "Vk"),
    (lambda: cc.reduced_laplacian(np.eye(2), [1.0, 2.0]), ValueError, "lam_k"),
    (lambda: cc.reduced_laplacian(np.zeros((2, 2)), [0.0, 2.0]), ValueError, "S"),
    (lambda: cc.T_rank([1, np.nan], 1.0, np.eye(2), [0, 1]), ValueError, "ginv"),
    (lambda: cc.T_rank([1, 1], 1.0, 2 * np.eye(2), [0, 1]), ValueError, "Vk"),
    (lambda: cc.T_rank([1, 1], 1.0, np.eye(2), [0, -1]), ValueError, "lam_k"),
    (lambda: cc.T_rank_inv_s(0.0, [1, 1], np.eye(2), [0, 1]), ValueError, "s"),
    (lambda: cc.T_red("x", 1.0, np.eye(2), np.eye(2)), TypeError, "ginv"),
    (lambda: cc.T_red([1, 1], 1.0, np.eye(2), np.ones((2, 3))), ValueError, "Lk"),
    (lambda: cc.thm1_bound(-1.0, 1.0, 1.0), ValueError, "M1"),
    (lambda: cc.lemma8_bound(-0.1), ValueError, "sin_theta_F"),
    (lambda: cc.prop10_spectrum((2, 3), np.ones((3, 3))), ValueError, "B"),
    (lambda: cc.prop10_spectrum((2, 0), np.ones((2, 2))), ValueError, "sizes"),
    (lambda: cc.acc_two_block_spectrum(3, 2, 1.0, 2.0), ValueError, "beta"),
    (lambda: cc.acc_two_block_spectrum(3.5, 2, 1.0, 0.5), TypeError, "na"),
    (lambda: cc.acc_two_node_laplacian(-1.0, 3, 2), ValueError, "lam2"),
    (lambda: cc.prop3_radius(1.0, 10, 1.5), ValueError, "delta"),
    (lambda: cc.acc_thm4_bounds(0.1, 0.6, 5, 0.1, 50, 20, 0.1), ValueError, "p and q"),
    (lambda: cc.thm4_conditions((2, 2), np.eye(2), np.eye(2), 3, 0.1, 0.1, 1, 5, 0.7, 1), ValueError, "k"),
    (lambda: cc.thm4_sample_size([0.5, 0.6], np.eye(2), np.eye(2), "36", eps=0.1, delta=0.1, eta=1, gamma=5, M=0.7),
     ValueError, "fractions"),
    (lambda: cc.hinf_gamma([0.0, 1.0]), ValueError, "d"),
])
def test_input_validation(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
