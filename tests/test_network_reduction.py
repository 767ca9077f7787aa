"""Unit tests of :mod:`numerics.network_reduction`: partitions, the spectral step, the
refinement solver, reduced Laplacians, Algorithm 1 and the reduced realisation (against the
closed forms of :mod:`theorems.coherent_clusters` and a high-accuracy ODE solution)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from numerics import network_reduction as nr
from numerics import network_systems as ns
from numerics.flow import integrate
from theorems import coherent_clusters as cc

Q3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
W3 = np.array([[20.0, 0.4, 0.8], [0.4, 20.0, 0.7], [0.8, 0.7, 20.0]])


def test_canonical_labels_and_partition_comparison():
    a = np.array([2, 2, 0, 1, 0])
    np.testing.assert_array_equal(nr.canonical_labels(a), [0, 0, 1, 2, 1])
    b = np.array([1, 1, 2, 0, 2])  # a relabelled
    assert nr.partition_recovered(a, b) and nr.partition_ari(a, b) == pytest.approx(1.0)
    c = np.array([1, 1, 2, 0, 0])
    assert not nr.partition_recovered(a, c) and nr.partition_ari(a, c) < 1
    assert not nr.partition_recovered(np.zeros(5, int), a)
    np.testing.assert_array_equal(nr.membership([0, 1, 1]), [[1, 0], [0, 1], [0, 1]])


def test_spectral_embedding_fixes_first_vector():
    L, _ = ns.wsbm_laplacian((20, 40, 20), Q3, W3, 0)
    lam, V, nxt = nr.spectral_embedding(L, 3)
    np.testing.assert_allclose(V[:, 0], 1 / np.sqrt(80))
    assert lam[0] == 0.0 and nxt == pytest.approx(np.linalg.eigvalsh(L)[3])
    np.testing.assert_allclose(V.T @ V, np.eye(3), atol=1e-13)


def test_kmeans_and_sign_clustering_recover_blocks_and_are_reproducible():
    L, truth = ns.wsbm_laplacian((20, 40, 20), Q3, W3, 1)
    _, V, _ = nr.spectral_embedding(L, 3)
    lab = nr.kmeans_clusters(V, 3, seed=5)
    assert nr.partition_recovered(lab, truth)
    np.testing.assert_array_equal(lab, nr.kmeans_clusters(V, 3, seed=5))
    L2, truth2 = ns.wsbm_laplacian((30, 20), [[0.6, 0.1], [0.1, 0.6]], [[5, 0.5], [0.5, 5]], 2)
    _, V2, _ = nr.spectral_embedding(L2, 3)
    assert nr.partition_recovered(nr.sign_clusters(V2[:, 1]), truth2)


def test_subspace_angles_keep_small_angles_accurate():
    n, theta = 10, 1e-9
    e = np.eye(n)
    V = e[:, :2]
    W = np.column_stack([e[:, 0], np.cos(theta) * e[:, 1] + np.sin(theta) * e[:, 2]])
    c, s = nr.subspace_angles(V, W)
    assert s == pytest.approx(np.sin(theta), rel=1e-6)  # sqrt(k - sum cos^2) would give ~1e-8
    np.testing.assert_allclose(c, [1.0, 1.0])
    np.testing.assert_allclose(nr.align_signs(-V, V), V)


def test_refine_procrustes_equals_closed_form_and_is_optimal():
    rng = np.random.default_rng(3)
    for sizes in [(4, 9), (3, 12, 5), (7, 3, 12, 5, 2)]:
        k = len(sizes)
        labels = rng.permutation(np.repeat(np.arange(k), sizes))
        n = labels.size
        X = np.hstack([np.ones((n, 1)), rng.standard_normal((n, k - 1))])
        V = np.linalg.qr(X)[0]
        V[:, 0] = 1 / np.sqrt(n)
        S, Vh = nr.refine_procrustes(V, labels)
        np.testing.assert_allclose(S, cc.refine_embedding(V, labels), atol=1e-12)
        Dn = np.diag(np.asarray(sizes, float))
        np.testing.assert_allclose(S.T @ Dn @ S, np.eye(k), atol=1e-13)
        np.testing.assert_allclose(S[:, 0], 1 / np.sqrt(n), atol=1e-15)
        best = cc.refine_objective(V, labels, S)
        P = nr.membership(labels)
        E = np.linalg.qr(P - P.mean(0))[0][:, :k - 1]
        for _ in range(50):
            O = ortho_group.rvs(k - 1, random_state=rng) if k > 2 else np.array([[-1.0]])
            Sf = P.T @ np.hstack([np.full((n, 1), 1 / np.sqrt(n)), E @ O]) / P.sum(0)[:, None]
            assert best <= cc.refine_objective(V, labels, Sf) + 1e-12
    S1, Vh1 = nr.refine_procrustes(np.full((4, 1), 0.5), np.zeros(4, int))
    np.testing.assert_allclose(S1, [[0.5]])


def test_reduced_laplacians_agree():
    L, labels = ns.wsbm_laplacian((20, 40, 20), Q3, W3, 4)
    P = nr.membership(labels)
    Lq = nr.quotient_laplacian(L, labels)
    np.testing.assert_allclose(Lq, P.T @ L @ P, atol=1e-11)
    np.testing.assert_allclose(Lq.sum(1), 0, atol=1e-10)
    red = nr.reduce_network(L, 3, labels=labels)
    np.testing.assert_allclose(red.Lk, cc.reduced_laplacian(red.S, red.lam_k), atol=1e-9)
    # Sampled graph, not exactly block-ideal: L_k is close to P^T L P (card: 0.3% at n = 80).
    assert np.max(np.abs(red.Lk - Lq)) / np.max(np.abs(Lq)) < 0.02
    Lb, lab_b = ns.wsbm_expected_laplacian((20, 40, 20), Q3, W3)
    red_b = nr.reduce_network(Lb, 3, labels=lab_b)
    np.testing.assert_allclose(red_b.Lk, nr.quotient_laplacian(Lb, lab_b), atol=1e-10 * np.abs(Lb).max())


def test_aggregate_ginv_group_sums():
    g = np.array([[1 + 1j, 2, 3j, 4], [0.5, 1, 1, 1]])
    np.testing.assert_allclose(nr.aggregate_ginv(g, [0, 1, 0, 1]), [[1 + 4j, 6], [1.5, 2]])


def test_reduce_network_reproducible_and_recovers():
    L, truth = ns.wsbm_laplacian((20, 40, 20), Q3, W3, 6)
    a = nr.reduce_network(L, 3, seed=11)
    b = nr.reduce_network(L, 3, seed=11)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_allclose(a.Lk, b.Lk)
    assert nr.partition_recovered(a.labels, truth)
    np.testing.assert_allclose(a.Vk_hat, a.P @ a.S)
    assert a.k == 3 and a.sizes.sum() == 80
    L2, truth2 = ns.wsbm_laplacian((30, 20), [[0.6, 0.1], [0.1, 0.6]], [[5, 0.5], [0.5, 5]], 2)
    assert nr.partition_recovered(nr.reduce_network(L2, 2, method="sign").labels, truth2)


def test_reduced_statespace_transfer_is_the_reduced_network():
    L, labels = ns.wsbm_laplacian((8, 12, 6), Q3, W3, 7)
    red = nr.reduce_network(L, 3, labels=labels)
    prm = ns.sample_generator_params(26, 8)
    ss = nr.reduced_statespace(prm, labels, red.Lk)
    for s in (0.3j, 0.05 + 2j, 1.5):
        np.testing.assert_allclose(ss.transfer(s), cc.T_red_inv_s(s, prm.ginv(s), red.P, red.Lk), atol=1e-12)


def test_reduced_step_response_against_ode_and_dc_gain():
    L, labels = ns.wsbm_laplacian((8, 12, 6), Q3, W3, 9)
    red = nr.reduce_network(L, 3, labels=labels)
    prm = ns.sample_generator_params(26, 10)
    ss = nr.reduced_statespace(prm, labels, red.Lk)
    u0 = np.zeros(26)
    u0[1] = -1.0
    t = np.linspace(0.0, 5.0, 501)
    y = ns.exact_response(ss, "step", t, u0)
    b = ss.B @ u0
    traj = integrate(lambda _t, x: ss.A @ x + b, np.zeros(ss.n_states), t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(traj.y @ ss.C.T, y, atol=1e-10)
    # The broadcast output is constant within each group.
    for i in range(3):
        assert np.ptp(y[:, labels == i], axis=1).max() == 0.0
    # DC gain: T̂(0) = 1 1^T / sum_i (d_i + rinv_i) (all groups settle to one value).
    dc = ss.transfer(1e-9).real
    np.testing.assert_allclose(dc, np.full((26, 26), 1 / np.sum(prm.d + prm.rinv)), rtol=1e-6)


@pytest.mark.parametrize("call,exc,word", [
    (lambda: nr.membership([0, 2]), ValueError, "labels"),
    (lambda: nr.membership([0.0, 1.0]), TypeError, "labels"),
    (lambda: nr.spectral_embedding(np.eye(3), 4), ValueError, "k"),
    (lambda: nr.spectral_embedding(np.ones((2, 3)), 1), ValueError, "lap"),
    (lambda: nr.kmeans_clusters(np.ones((5, 2)), 2, None), ValueError, "seed"),
    (lambda: nr.kmeans_clusters(np.ones((5, 1)), 2, 0), ValueError, "Vk"),
    (lambda: nr.sign_clusters([[1, 2]]), ValueError, "v"),
    (lambda: nr.subspace_angles(np.eye(3)[:, :2], np.eye(3)), ValueError, "V and W"),
    (lambda: nr.refine_procrustes(np.ones((3, 2)), [0, 1]), ValueError, "Vk"),
    (lambda: nr.refined_laplacian(np.eye(2), [0, 1, 2], [1, 1]), ValueError, "S"),
    (lambda: nr.quotient_laplacian(np.eye(3), [0, 1]), ValueError, "labels"),
    (lambda: nr.aggregate_ginv([1, np.nan], [0, 1]), ValueError, "ginv"),
    (lambda: nr.reduce_network(ns.complete_laplacian(4), 3, method="sign"), ValueError, "sign"),
    (lambda: nr.reduce_network(ns.complete_laplacian(4), 2), ValueError, "seed"),
    (lambda: nr.reduce_network(ns.complete_laplacian(4), 2, seed=0, method="x"), ValueError, "method"),
    (lambda: nr.reduced_statespace("p", [0, 1], np.zeros((2, 2))), TypeError, "params"),
    (lambda: nr.reduced_statespace(ns.sample_generator_params(2, 0), [0, 1], np.zeros((3, 3))), ValueError, "Lk"),
])
def test_input_validation(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
