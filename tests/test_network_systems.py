"""Unit tests of numerics.network_systems: graphs, Laplacians, block models, nodal
transfer functions, network transfer matrices and time responses."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sps

from numerics import network_systems as ns
from numerics.flow import integrate

Q3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
W3 = np.array([[20, 0.4, 0.8], [0.4, 20, 0.7], [0.8, 0.7, 20]])


def _is_laplacian(L, tol=1e-10):
    L = L.toarray() if sps.issparse(L) else L
    scale = max(1.0, np.abs(L).max())
    off = L - np.diag(np.diag(L))
    return (np.allclose(L, L.T, atol=tol * scale) and np.abs(L.sum(axis=1)).max() <= tol * scale * L.shape[0]
            and off.max() <= tol * scale and np.linalg.eigvalsh(L)[0] >= -tol * scale * L.shape[0])


# -- graphs and Laplacians -------------------------------------------------------------
def test_complete_and_ring_spectra():
    n = 11
    lam = np.linalg.eigvalsh(ns.complete_laplacian(n, 2.0))
    assert lam[0] == pytest.approx(0, abs=1e-12) and np.allclose(lam[1:], 2.0 * n)
    for n, k in [(20, 3), (50, 8), (9, 4)]:
        L = ns.ring_lattice_laplacian(n, k)
        m = np.arange(n)
        expected = np.sort(2 * k - 2 * sum(np.cos(2 * np.pi * j * m / n) for j in range(1, k + 1)))
        assert np.allclose(np.linalg.eigvalsh(L), expected, atol=1e-10)
        assert _is_laplacian(L)


def test_ring_matches_networkx_circulant():
    import networkx as nx
    L = ns.ring_lattice_laplacian(15, 4)
    assert np.array_equal(L, ns.graph_laplacian(nx.circulant_graph(15, range(1, 5))))


def test_graph_laplacian_weights_and_sparse():
    import networkx as nx
    G = nx.Graph()
    G.add_edge(0, 1, weight=2.0)
    G.add_edge(1, 2, weight=0.5)
    L = ns.graph_laplacian(G)
    assert np.allclose(L, [[2, -2, 0], [-2, 2.5, -0.5], [0, -0.5, 0.5]])
    Ls = ns.graph_laplacian(G, sparse=True)
    assert sps.issparse(Ls) and np.allclose(Ls.toarray(), L)
    assert np.allclose(ns.graph_laplacian(G, weight=None), [[1, -1, 0], [-1, 2, -1], [0, -1, 1]])
    with pytest.raises(TypeError, match="graph"):
        ns.graph_laplacian(np.eye(3))
    with pytest.raises(ValueError, match="undirected"):
        ns.graph_laplacian(nx.DiGraph([(0, 1)]))


def test_laplacian_from_adjacency_dense_and_sparse():
    A = np.array([[5.0, 1, 0], [1, 0, 2], [0, 2, 0]])  # the self-loop is ignored
    L = ns.laplacian_from_adjacency(A)
    assert np.allclose(L, [[1, -1, 0], [-1, 3, -2], [0, -2, 2]])
    assert np.allclose(ns.laplacian_from_adjacency(sps.csr_matrix(A)), L)
    assert sps.issparse(ns.laplacian_from_adjacency(A, sparse=True))
    with pytest.raises(ValueError, match="non-negative"):
        ns.laplacian_from_adjacency(-A)
    with pytest.raises(ValueError, match="adj must be symmetric"):
        ns.laplacian_from_adjacency(np.array([[0, 1.0], [0, 0]]))
    with pytest.raises(TypeError, match="adj"):
        ns.laplacian_from_adjacency("A")


@pytest.mark.parametrize("family", ns.GRAPH_FAMILIES)
def test_random_laplacian_families(family):
    L1 = ns.random_laplacian(family, 17, 3)
    L2 = ns.random_laplacian(family, 17, 3)
    assert np.array_equal(L1, L2)  # seeded reproducibility
    assert _is_laplacian(L1) and ns.is_connected(L1)
    if family == "tree":
        assert np.count_nonzero(np.triu(L1, 1)) == 16
    if family == "complete":
        assert np.count_nonzero(np.triu(L1, 1)) == 17 * 16 // 2


def test_erdos_renyi_rejects_disconnected_and_validates():
    L = ns.erdos_renyi_laplacian(30, 0.15, 0)
    assert ns.is_connected(L)
    with pytest.raises(ValueError, match="connected"):
        ns.erdos_renyi_laplacian(40, 0.001, 0, max_tries=3)
    with pytest.raises(ValueError, match="p must be"):
        ns.erdos_renyi_laplacian(10, 1.5, 0)
    with pytest.raises(ValueError, match="seed"):
        ns.erdos_renyi_laplacian(10, 0.5, None)
    with pytest.raises(TypeError, match="n must be an integer"):
        ns.erdos_renyi_laplacian(10.5, 0.5, 0)
    with pytest.raises(ValueError, match="family"):
        ns.random_laplacian("star", 5, 0)


def test_wsbm_sampler_shapes_and_expectation():
    sizes = [6, 10, 4]
    A, labels = ns.sample_wsbm(sizes, Q3, W3, 0)
    assert A.shape == (20, 20) and np.allclose(A, A.T) and np.all(np.diag(A) == 0)
    assert labels.tolist() == [0] * 6 + [1] * 10 + [2] * 4
    vals = set(np.unique(A)) - {0.0}
    assert vals <= set(W3.ravel())
    # E[L] = L_blk exactly: average over draws within 5 standard errors entrywise
    Lb, _ = ns.wsbm_expected_laplacian(sizes, Q3, W3)
    draws = np.stack([ns.wsbm_laplacian(sizes, Q3, W3, s)[0] for s in range(400)])
    se = draws.std(axis=0) / math.sqrt(400) + 1e-12
    assert np.all(np.abs(draws.mean(axis=0) - Lb) <= 5 * se + 1e-9)


def test_wsbm_sparse_sampler_law():
    sizes = [30, 50, 20]
    A, labels = ns.sample_wsbm(sizes, Q3, W3, 1, sparse=True)
    assert sps.issparse(A) and abs(A - A.T).max() == 0 and A.diagonal().max() == 0
    Ad = A.toarray()
    # block edge counts ~ Binomial(pairs, Q): within 5 sd
    starts = np.cumsum([0] + sizes)
    for a in range(3):
        for b in range(a, 3):
            blk = Ad[starts[a]:starts[a + 1], starts[b]:starts[b + 1]]
            cnt = np.count_nonzero(np.triu(blk, 1) if a == b else blk)
            pairs = sizes[a] * (sizes[a] - 1) // 2 if a == b else sizes[a] * sizes[b]
            mean, sd = pairs * Q3[a, b], math.sqrt(pairs * Q3[a, b] * (1 - Q3[a, b]))
            assert abs(cnt - mean) <= 5 * sd
    L, _ = ns.wsbm_laplacian(sizes, Q3, W3, 1, sparse=True)
    assert np.allclose(L.toarray(), ns.laplacian_from_adjacency(Ad))
    A2, _ = ns.sample_wsbm(sizes, Q3, W3, 1, sparse=True)
    assert (A2 != A).nnz == 0


def test_triangular_decoding_is_exhaustive():
    for s in (2, 3, 7, 64):
        i, j = ns._triangular_pairs(np.arange(s * (s - 1) // 2), s)
        iu = np.triu_indices(s, 1)
        assert np.array_equal(i, iu[0]) and np.array_equal(j, iu[1])


def test_wsbm_validation():
    with pytest.raises(ValueError, match="Qprob must have shape"):
        ns.sample_wsbm([3, 3], Q3, W3, 0)
    with pytest.raises(ValueError, match="Qprob entries"):
        ns.sample_wsbm([3, 3, 3], 2 * Q3, W3, 0)
    with pytest.raises(ValueError, match="sizes must be positive"):
        ns.sample_wsbm([3, 0, 3], Q3, W3, 0)
    with pytest.raises(TypeError, match="sizes must contain integers"):
        ns.sample_wsbm([3.0, 2.0, 1.0], Q3, W3, 0)
    with pytest.raises(ValueError, match="Wgt entries"):
        ns.sample_wsbm([3, 3, 3], Q3, -W3, 0)


def test_laplacian_eigh_fixed_first_vector():
    L = ns.erdos_renyi_laplacian(25, 0.3, 2)
    lam, V = ns.laplacian_eigh(L)
    assert lam[0] == 0.0 and np.all(V[:, 0] == 1 / 5)
    assert np.allclose(V.T @ V, np.eye(25), atol=1e-12)
    assert np.allclose(L @ V, V * lam, atol=1e-10)
    # disconnected: a double zero eigenvalue, still orthonormal with v1 = 1/sqrt(n)
    Ld = sla.block_diag(ns.complete_laplacian(3), ns.complete_laplacian(4))
    lam, V = ns.laplacian_eigh(Ld)
    assert np.allclose(V.T @ V, np.eye(7), atol=1e-12) and np.allclose(Ld @ V, V * lam, atol=1e-10)
    assert lam[1] == pytest.approx(0, abs=1e-12)


def test_algebraic_connectivity_dense_and_sparse():
    assert ns.algebraic_connectivity(ns.complete_laplacian(9)) == pytest.approx(9)
    n, k = 2101, 3
    L = sps.csr_matrix(ns.ring_lattice_laplacian(40, 3))  # small: dense path
    assert ns.algebraic_connectivity(L) == pytest.approx(np.linalg.eigvalsh(L.toarray())[1])
    idx = np.arange(n)
    rows = np.concatenate([idx] * (2 * k))
    cols = np.concatenate([(idx + j) % n for j in range(1, k + 1)] + [(idx - j) % n for j in range(1, k + 1)])
    A = sps.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    Ls = ns.laplacian_from_adjacency(A, sparse=True)
    expected = 2 * k + 1 - math.sin((2 * k + 1) * math.pi / n) / math.sin(math.pi / n)
    assert ns.algebraic_connectivity(Ls) == pytest.approx(expected, rel=1e-6)


def test_grounded_and_kron():
    L = ns.complete_laplacian(4)
    assert np.allclose(ns.grounded_laplacian(L, [0, 2]), [[3, -1], [-1, 3]])
    with pytest.raises(ValueError, match="removed"):
        ns.grounded_laplacian(L, [0, 1, 2, 3])
    # path 0-1-2 with conductances 1 and 2: eliminating 1 leaves the series conductance 2/3
    Lp = ns.laplacian_from_adjacency(np.array([[0, 1.0, 0], [1, 0, 2], [0, 2, 0]]))
    assert np.allclose(ns.kron_reduce(Lp, [0, 2]), [[2 / 3, -2 / 3], [-2 / 3, 2 / 3]])
    Lr = ns.erdos_renyi_laplacian(20, 0.3, 5)
    keep = [1, 4, 7, 11]
    other = np.setdiff1d(np.arange(20), keep)
    ref = Lr[np.ix_(keep, keep)] - Lr[np.ix_(keep, other)] @ np.linalg.inv(Lr[np.ix_(other, other)]) @ Lr[np.ix_(other, keep)]
    red = ns.kron_reduce(Lr, keep)
    assert np.allclose(red, ref, atol=1e-12) and _is_laplacian(red)


# -- nodal transfer functions ----------------------------------------------------------
def test_generator_params_and_node_models():
    p = ns.sample_generator_params(8, 1)
    assert np.array_equal(p.m, ns.sample_generator_params(8, 1).m)
    assert np.all((p.m >= 0.05) & (p.m <= 0.5)) and np.all((1 / p.rinv >= 5) & (1 / p.rinv <= 10))
    s = np.array([0.3j, 1 + 2j, 0.0])
    gi = p.ginv(s)
    assert gi.shape == (3, 8)
    assert np.allclose(gi, p.m * s[:, None] + p.d + p.rinv / (p.tau * s[:, None] + 1))
    assert np.allclose(p.g(s) * gi, 1.0)
    assert p.ginv(0.3j).shape == (8,)
    # nodal zero of the turbine unit: g = 0 there, g^{-1} infinite
    z = -1 / p.tau[0]
    assert abs(p.g(z)[0]) <= 1e-15 and abs(p.ginv(z)[0]) >= 1e14
    sw = ns.sample_generator_params(5, 2, turbine=False)
    assert np.all(sw.rinv == 0) and np.allclose(sw.ginv(0.5j), ns.swing_ginv(0.5j, sw.m, sw.d))
    mask = np.array([True, False, True, False, True])
    assert np.array_equal(ns.sample_generator_params(5, 2, turbine=mask).rinv > 0, mask)
    assert np.allclose(ns.consensus_ginv(2j, [1.0, 4.0]), [2j, 0.5j])
    num, den = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([[1.0, 5.0], [1.0, 1.0]])
    assert np.allclose(ns.rational_ginv(1j, num, den), [(1j + 5) / (2j + 1), (1j + 1) / (1j + 3)])


def test_node_model_validation():
    with pytest.raises(ValueError, match="m and tau must be positive"):
        ns.GeneratorParams(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="d must have length"):
        ns.GeneratorParams(np.ones(2), np.ones(3), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="s contains NaN"):
        ns.swing_ginv(np.nan, [1.0], [1.0])
    with pytest.raises(TypeError, match="s must be a numeric"):
        ns.swing_ginv("1j", [1.0], [1.0])
    with pytest.raises(ValueError, match="turbine"):
        ns.sample_generator_params(3, 0, turbine=np.array([1, 0, 1]))


# -- frequency domain -------------------------------------------------------------------
@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(11)
    p = ns.sample_generator_params(9, rng)
    L = ns.erdos_renyi_laplacian(9, 0.4, rng)
    return p, L


def test_transfer_matrix_forms_agree(net):
    p, L = net
    s = np.array([0.2 + 0.5j, 1.3j, 0.01j])
    g = p.ginv(s)
    T = ns.transfer_matrix(g, 1 / s, L)
    for k in range(3):
        ref = np.linalg.inv(np.diag(g[k]) + L / s[k])
        assert np.allclose(T[k], ref, atol=1e-12)
        assert np.allclose(T[k], T[k].T)  # complex symmetric
    assert np.allclose(ns.transfer_matrix_inv_s(s, g, L), T, atol=1e-11)
    assert np.allclose(ns.transfer_matrix_from_g(p.g(s), 1 / s, L), T, atol=1e-12)
    assert np.allclose(ns.frequency_response(s, g, L), T, atol=1e-11)
    assert np.allclose(ns.frequency_response(s, g, L, "static"), ns.transfer_matrix(g, 1.0, L))
    with pytest.raises(ValueError, match="coupling"):
        ns.frequency_response(s, g, L, "derivative")


def test_transfer_inv_s_exact_limit_and_mpmath(net):
    p, L = net
    n = L.shape[0]
    T0 = ns.transfer_matrix_inv_s(0.0, p.ginv(0.0), L)
    gb0 = complex(ns.harmonic_mean(p.ginv(0.0)))
    assert np.allclose(T0, gb0 / n * np.ones((n, n)), rtol=0, atol=1e-15)
    # near s = 0 compare with a 50-digit evaluation of s (s G^{-1} + L)^{-1}; the Laplacian
    # has integer weights so that its row sums are exactly zero in floating point too (a
    # row-sum residual of 1e-16 would shift the reference by ~1e-16/|s|)
    L = ns.erdos_renyi_laplacian(n, 0.4, 3, weight_range=None)
    s0 = 1e-9j
    mpmath.mp.dps = 50
    gi = p.ginv(s0)
    M = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            M[i, j] = mpmath.mpf(L[i, j]) + (mpmath.mpc(complex(s0)) * mpmath.mpc(complex(gi[i])) if i == j else 0)
    ref = np.array((mpmath.mpc(complex(s0)) * M ** -1).tolist(), dtype=complex)
    T = ns.transfer_matrix_inv_s(s0, gi, L)
    assert np.max(np.abs(T - ref)) <= 1e-15
    # the direct float64 form is ill conditioned there (cond ~ lambda_n/(|s| |gbar^{-1}(0)|)):
    # its error is ~1e-8 at |s| = 1e-9 (measured 4.6e-8)
    assert np.max(np.abs(s0 * np.linalg.inv(s0 * np.diag(gi) + L) - ref)) > 1e-10
    inc_ref = np.linalg.norm(ref - complex(ns.harmonic_mean(gi)) / n * np.ones((n, n)), 2)
    assert ns.incoherence_curve(s0, gi, L) == pytest.approx(inc_ref, rel=1e-6)


def test_incoherence_curve_matches_dense(net):
    p, L = net
    n = L.shape[0]
    s = np.array([0.05j, 0.7j, 0.3 + 2j])
    g = p.ginv(s)
    for coupling, f in (("integrator", 1 / s), ("static", np.ones(3)), (1 / (s + 0.5), 1 / (s + 0.5))):
        I = ns.incoherence_curve(s, g, L, coupling)
        T = ns.transfer_matrix(g, f, L)
        ref = [np.linalg.norm(T[k] - ns.harmonic_mean(g[k]) / n * np.ones((n, n)), 2) for k in range(3)]
        assert np.allclose(I, ref, rtol=1e-10)


def test_complete_graph_transfer_and_lowrank_norm():
    rng = np.random.default_rng(4)
    for n in (5, 70, 300):
        z = rng.uniform(1, 3, n) + 1j * rng.uniform(-1, 1, n)
        r, beta, _ = ns.complete_graph_transfer(z, 0.7 - 0.2j, 1.5)
        T = np.diag(r) + beta * np.outer(r, r)
        assert np.allclose(T, np.linalg.inv(np.diag(z) + (0.7 - 0.2j) * ns.complete_laplacian(n, 1.5)), atol=1e-13)
        U = np.column_stack([beta * r, -0.1 / n * np.ones(n)])
        W = np.column_stack([r, np.ones(n)])
        assert ns.norm_diag_plus_lowrank(r, U, W) == pytest.approx(np.linalg.norm(T - 0.1 / n, 2), rel=1e-10)
    # homogeneous nodes: the top singular vectors are orthogonal to 1 (a constant start fails)
    n = 100
    mu = 0.3 + 0.1j
    d = np.full(n, mu, dtype=complex)
    U = np.column_stack([-mu / n * np.ones(n)])
    val = ns.norm_diag_plus_lowrank(d, U, np.ones((n, 1)))
    assert val == pytest.approx(abs(mu), rel=1e-10)


def test_refine_maximum():
    f = lambda x: -(x - 0.3141) ** 2 + 2.0  # noqa: E731
    x, v = ns.refine_maximum(f, np.linspace(0, 1, 11))
    assert x == pytest.approx(0.3141, abs=1e-6) and v == pytest.approx(2.0, abs=1e-12)
    with pytest.raises(ValueError, match="increasing"):
        ns.refine_maximum(f, np.array([0.0, 0.0, 1.0]))


def test_harmonic_means_and_grid():
    g = np.array([[1.0, 2.0, 4.0], [1j, 1j, 1j]])
    assert np.allclose(ns.harmonic_mean(g), [3 / 7, -1j])
    assert ns.harmonic_sum(np.array([1.0, 1.0])) == pytest.approx(0.5)
    s = ns.frequency_grid(1e-2, 1e2, 5, include_zero=True)
    assert s[0] == 0 and np.allclose(s[1:].imag, np.geomspace(1e-2, 1e2, 5))
    with pytest.raises(ValueError, match="ginv"):
        ns.harmonic_mean(np.zeros((2, 2, 2)))


# -- time domain ------------------------------------------------------------------------
def test_statespace_transfer_matches_network(net):
    p, L = net
    n = L.shape[0]
    ss = ns.swing_turbine_statespace(p, L)
    coh = ns.harmonic_mean_statespace(p)
    s = np.array([0.3j, 0.1 + 1j])
    T = ns.transfer_matrix_inv_s(s, p.ginv(s), L)
    assert np.allclose(ss.transfer(s), T, atol=1e-12)
    H = coh.transfer(s)  # (K, 1, n): gbar/n in every column
    assert np.allclose(H[:, 0, :], (ns.harmonic_mean(p.ginv(s)) / n)[:, None] * np.ones(n), atol=1e-13)
    kss = ns.consensus_statespace(np.array([1.0, 2.0, 3.0]), ns.complete_laplacian(3))
    kg = ns.consensus_ginv(0.5j, [1.0, 2.0, 3.0])
    assert np.allclose(kss.transfer(0.5j), ns.transfer_matrix(kg, 1.0, ns.complete_laplacian(3)))


def test_exact_response_against_lsim_and_ode(net):
    p, L = net
    n = L.shape[0]
    ss = ns.swing_turbine_statespace(p, L)
    u0 = np.zeros(n)
    u0[2] = 1.0
    t = np.linspace(0, 20, 4001)
    for kind, a in (("step", 0.0), ("sine", 1.3), ("exp_approach", 2.0)):
        ye = ns.exact_response(ss, kind, t, u0, a)
        v = ns.input_signal(kind, t, a)
        yl = ns.simulate(ss, v[:, None] * u0[None, :], t)
        # first-order-hold lsim error O(h^2 |u''|): 1e-5 is far above it at h = 5 ms
        assert np.max(np.abs(ye - yl)) <= 1e-5 * max(1.0, np.max(np.abs(ye)))

        def rhs(tt, x, kind=kind, a=a):
            return ss.A @ x + ss.B @ (ns.input_signal(kind, np.array([tt]), a)[0] * u0)

        tr = integrate(rhs, np.zeros(ss.n_states), t[::400], rtol=1e-11, atol=1e-13)
        yo = tr.y @ ss.C.T
        assert np.max(np.abs(ye[::400] - yo)) <= 1e-8


def test_step_dc_gain_and_sine_steady_state(net):
    p, L = net
    n = L.shape[0]
    u0 = np.zeros(n)
    u0[0] = -1.0
    t = np.linspace(0, 400, 8001)
    y, yb = ns.network_time_response(p, L, u0, "step", t)
    gb0 = complex(ns.harmonic_mean(p.ginv(0.0))).real
    # every node settles at the coherent DC value gbar(0) * mean(u0)
    assert np.allclose(y[-1], gb0 * u0.mean(), atol=1e-6) and yb[-1] == pytest.approx(gb0 * u0.mean(), abs=1e-6)
    a = 0.7
    y, _ = ns.network_time_response(p, L, u0, "sine", t, a)
    Tj = ns.transfer_matrix_inv_s(1j * a, p.ginv(1j * a), L) @ u0
    late = t > 300
    ss_pred = np.imag(Tj[None, :] * np.exp(1j * a * t[late])[:, None])
    assert np.max(np.abs(y[late] - ss_pred)) <= 1e-6


def test_consensus_impulse_response_matches_expm():
    rng = np.random.default_rng(0)
    k = rng.uniform(1, 5, 12)
    L = ns.ring_lattice_laplacian(12, 2)
    t = np.array([0.0, 0.1, 1.0, 7.0])
    X = ns.consensus_impulse_response(k, L, t)
    ref = np.array([sla.expm(-np.diag(k) @ L * tt) @ k for tt in t])
    assert np.allclose(X, ref, atol=1e-12)
    with pytest.raises(ValueError, match="k must be positive"):
        ns.consensus_impulse_response(-k, L, t)


def test_time_domain_validation(net):
    p, L = net
    ss = ns.swing_turbine_statespace(p, L)
    with pytest.raises(ValueError, match="uniformly spaced"):
        ns.exact_response(ss, "step", np.array([0.0, 1.0, 3.0]), np.ones(9))
    with pytest.raises(ValueError, match="start at 0"):
        ns.simulate(ss, np.ones((3, 9)), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="kind"):
        ns.input_signal("ramp", np.linspace(0, 1, 3))
    with pytest.raises(ValueError, match="u must have shape"):
        ns.simulate(ss, np.ones((3, 2)), np.linspace(0, 1, 3))
    with pytest.raises(TypeError, match="params"):
        ns.swing_turbine_statespace({"m": 1}, L)
    with pytest.raises(ValueError, match="inconsistent shapes"):
        ns.StateSpace(np.eye(2), np.ones((3, 1)), np.ones((1, 2)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="lap must have zero row sums"):
        ns.swing_turbine_statespace(p, np.eye(9))
    assert np.allclose(ns.centre_of_inertia(np.array([[1.0, 3.0]]), np.array([1.0, 3.0])), [2.5])
