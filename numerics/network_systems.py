"""Linear networks of dynamical nodes coupled through a graph Laplacian.

The model family (Min & Mallada, CDC 2019; Min, Pates & Mallada, Automatica 2025; Min,
Koeln, Mallada and coauthors on coherent clusters): ``n`` single-input single-output nodes
with transfer functions ``g_i(s)``, coupled in negative feedback through ``f(s) L`` with
``L`` the Laplacian of a weighted undirected graph. The closed-loop transfer matrix from
nodal inputs to nodal outputs is

    T(s) = (I + G(s) f(s) L)^{-1} G(s) = (diag{g_i^{-1}(s)} + f(s) L)^{-1},

and its *coherent* approximation is ``(1/n) gbar(s) 1 1^T`` with
``gbar = (mean_i g_i^{-1})^{-1}`` the harmonic mean of the nodal transfer functions.

This module is the simulation layer shared by the papers on this model family. It holds
no paper-specific statement; it offers

* graphs and Laplacians (dense numpy by default, ``scipy.sparse`` where large):
  :func:`laplacian_from_adjacency`, :func:`graph_laplacian` (from networkx),
  :func:`complete_laplacian`, :func:`ring_lattice_laplacian`,
  :func:`erdos_renyi_laplacian`, :func:`random_tree_laplacian`, :func:`random_laplacian`;
  weighted stochastic block models :func:`sample_wsbm`, :func:`wsbm_laplacian`,
  :func:`wsbm_expected_laplacian`; spectra :func:`laplacian_eigh`,
  :func:`algebraic_connectivity`; :func:`grounded_laplacian`, :func:`kron_reduce`;
* (power-grid topologies live in :mod:`numerics.power_grids`);
* nodal transfer functions evaluated on complex frequencies (vectorised over a grid):
  :class:`GeneratorParams`, :func:`sample_generator_params`, :func:`consensus_ginv`,
  :func:`swing_ginv`, :func:`swing_turbine_ginv`, :func:`swing_turbine_g`,
  :func:`rational_ginv`;
* the network transfer matrix and the coherent response in the frequency domain:
  :func:`harmonic_mean`, :func:`harmonic_sum`, :func:`transfer_matrix`,
  :func:`transfer_matrix_from_g`, :func:`transfer_matrix_inv_s`, :func:`frequency_response`,
  :func:`incoherence_curve`, :func:`spectral_norm`, :func:`frequency_grid`,
  :func:`refine_maximum`;
* time responses: :class:`StateSpace`, :func:`consensus_statespace`,
  :func:`swing_turbine_statespace`, :func:`harmonic_mean_statespace`,
  :func:`input_signal`, :func:`simulate`, :func:`exact_response`,
  :func:`network_time_response`, :func:`consensus_impulse_response`,
  :func:`centre_of_inertia`.

Conventions
-----------
* Frequencies ``s`` are complex; a grid has shape ``(K,)``. Nodal values ``ginv`` have
  shape ``(n,)`` at one frequency or ``(K, n)`` on a grid. Transfer matrices have shape
  ``(n, n)`` or ``(K, n, n)``.
* ``coupling`` selects ``f``: ``"static"`` (``f = 1``), ``"integrator"`` (``f = 1/s``,
  power networks, evaluated in a form that stays accurate as ``s -> 0`` and gives the exact
  limit at ``s = 0``), or an array of values ``f(s_k)``.
* Every random function takes an explicit ``seed`` (int, ``SeedSequence`` or
  ``Generator``) and is bit-for-bit repeatable.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.linalg as sla
import scipy.sparse as sps
from scipy import signal
from scipy.optimize import minimize_scalar
from scipy.sparse.csgraph import connected_components

from theorems.validate import as_array, as_int, as_rng, as_scalar, as_square, as_symmetric
from theorems.validate import as_complex as _as_complex

__all__ = [
    # graphs and Laplacians
    "GRAPH_FAMILIES",
    "laplacian_from_adjacency",
    "graph_laplacian",
    "complete_laplacian",
    "ring_lattice_laplacian",
    "erdos_renyi_laplacian",
    "random_tree_laplacian",
    "random_laplacian",
    "is_connected",
    "block_labels",
    "sample_wsbm",
    "wsbm_laplacian",
    "wsbm_expected_laplacian",
    "laplacian_eigh",
    "algebraic_connectivity",
    "grounded_laplacian",
    "kron_reduce",
    # nodal transfer functions
    "GeneratorParams",
    "sample_generator_params",
    "consensus_ginv",
    "swing_ginv",
    "swing_turbine_ginv",
    "swing_turbine_g",
    "rational_ginv",
    # frequency domain
    "frequency_grid",
    "harmonic_mean",
    "harmonic_sum",
    "transfer_matrix",
    "transfer_matrix_from_g",
    "transfer_matrix_inv_s",
    "frequency_response",
    "incoherence_curve",
    "complete_graph_transfer",
    "norm_diag_plus_lowrank",
    "spectral_norm",
    "refine_maximum",
    # time domain
    "StateSpace",
    "consensus_statespace",
    "swing_turbine_statespace",
    "harmonic_mean_statespace",
    "input_signal",
    "simulate",
    "exact_response",
    "network_time_response",
    "consensus_impulse_response",
    "centre_of_inertia",
]

GRAPH_FAMILIES: tuple[str, ...] = ("complete", "erdos_renyi", "ring_lattice", "tree")


# ---------------------------------------------------------------------------------------
# validation helpers for complex data
# ---------------------------------------------------------------------------------------



def _as_laplacian(lap: Any, name: str = "lap", *, check_rows: bool = True) -> np.ndarray:
    """A dense real symmetric matrix with zero row sums (a weighted graph Laplacian)."""
    if sps.issparse(lap):
        lap = lap.toarray()
    a = as_symmetric(lap, name)
    if a.shape[0] < 1:
        raise ValueError(f"{name} must be non-empty")
    if check_rows:
        scale = max(1.0, float(np.max(np.abs(a))))
        rows = np.abs(a.sum(axis=1)).max()
        if rows > 1e-8 * scale * a.shape[0]:
            raise ValueError(f"{name} must have zero row sums (a Laplacian); max |row sum| = {rows:.3g}")
    return a


def _weights(rng: np.random.Generator, size: Any, weight_range: tuple[float, float] | None) -> Any:
    if weight_range is None:
        return 1.0
    lo, hi = weight_range
    return rng.uniform(lo, hi, size)


def _check_weight_range(weight_range: Any) -> tuple[float, float] | None:
    if weight_range is None:
        return None
    if not isinstance(weight_range, (tuple, list)) or len(weight_range) != 2:
        raise TypeError("weight_range must be a pair (low, high) or None")
    lo = as_scalar(weight_range[0], "weight_range[0]", low=0, low_open=True)
    hi = as_scalar(weight_range[1], "weight_range[1]", low=lo)
    return lo, hi


# ---------------------------------------------------------------------------------------
# graphs and Laplacians
# ---------------------------------------------------------------------------------------
def laplacian_from_adjacency(adj: Any, *, sparse: bool = False) -> np.ndarray | sps.csr_matrix:
    """Laplacian ``L = diag(A 1) - A`` of a weighted undirected graph.

    Parameters
    ----------
    adj : (n, n) array or scipy sparse matrix
        Symmetric non-negative weights; the diagonal (self-loops) is ignored, since it
        cancels in ``L``.
    sparse : bool
        Return a ``scipy.sparse.csr_matrix`` instead of a dense array.
    """
    if sps.issparse(adj):
        a = sps.csr_matrix(adj, dtype=float)
        if a.shape[0] != a.shape[1]:
            raise ValueError(f"adj must be square, got shape {a.shape}")
        if a.nnz and not np.all(np.isfinite(a.data)):
            raise ValueError("adj contains NaN or infinite entries")
        if a.nnz and a.data.min() < 0:
            raise ValueError("adj must be non-negative")
        if abs(a - a.T).max() > 1e-10 * max(1.0, abs(a).max()):
            raise ValueError("adj must be symmetric")
        a = a - sps.diags(a.diagonal())
        lap = sps.diags(np.asarray(a.sum(axis=1)).ravel()) - a
        return sps.csr_matrix(lap) if sparse else lap.toarray()
    a = as_symmetric(adj, "adj")
    if np.any(a < 0):
        raise ValueError(f"adj must be non-negative (min entry {a.min():.3g})")
    a = a - np.diag(np.diag(a))
    lap = np.diag(a.sum(axis=1)) - a
    return sps.csr_matrix(lap) if sparse else lap


def graph_laplacian(graph: nx.Graph, weight: str | None = "weight", *,
                    sparse: bool = False) -> np.ndarray | sps.csr_matrix:
    """Laplacian of a networkx graph (nodes in ``graph.nodes`` order).

    ``weight`` names the edge attribute holding the weight (missing attributes count as
    1); ``None`` uses unit weights.
    """
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"graph must be a networkx Graph, got {type(graph).__name__}")
    if graph.is_directed():
        raise ValueError("graph must be undirected")
    if graph.number_of_nodes() == 0:
        raise ValueError("graph must have at least one node")
    lap = nx.laplacian_matrix(graph, weight=weight).astype(float)
    return sps.csr_matrix(lap) if sparse else lap.toarray()


def complete_laplacian(n: int, weight: float = 1.0) -> np.ndarray:
    """Laplacian of the complete graph ``K_n`` with equal weights: ``w (n I - 1 1^T)``.

    Its spectrum is ``0`` and ``w n`` (multiplicity ``n - 1``).
    """
    n = as_int(n, "n", low=1)
    w = as_scalar(weight, "weight", low=0)
    return w * (n * np.eye(n) - np.ones((n, n)))


def ring_lattice_laplacian(n: int, k_ring: int, weight: float = 1.0) -> np.ndarray:
    """Laplacian of the circulant ring lattice linking each node to its ``k_ring``
    nearest neighbours on each side (``networkx.circulant_graph(n, range(1, k_ring+1))``).

    Its eigenvalues are ``w (2k - 2 sum_{j<=k} cos(2 pi j m / n))``, ``m = 0..n-1``.
    """
    n = as_int(n, "n", low=3)
    k_ring = as_int(k_ring, "k_ring", low=1, high=n // 2)
    w = as_scalar(weight, "weight", low=0)
    idx = np.arange(n)
    adj = np.zeros((n, n))
    for j in range(1, k_ring + 1):
        adj[idx, (idx + j) % n] = 1.0
        adj[idx, (idx - j) % n] = 1.0
    return w * (np.diag(adj.sum(axis=1)) - adj)


def is_connected(lap_or_adj: Any) -> bool:
    """Whether the graph of a Laplacian (or adjacency) matrix is connected."""
    m = sps.csr_matrix(lap_or_adj) if not sps.issparse(lap_or_adj) else lap_or_adj.tocsr()
    m = m - sps.diags(m.diagonal())
    m.eliminate_zeros()
    ncomp, _ = connected_components(abs(m), directed=False)
    return ncomp == 1


def erdos_renyi_laplacian(n: int, p: float, seed: Any, *,
                          weight_range: tuple[float, float] | None = (0.5, 2.0),
                          connected: bool = True, max_tries: int = 1000) -> np.ndarray:
    """Laplacian of an Erdos-Renyi graph ``G(n, p)`` with i.i.d. ``U[weight_range]``
    edge weights (unit weights if ``weight_range`` is None).

    With ``connected=True`` disconnected draws are rejected and redrawn from the same
    generator (the result is then a draw from ``G(n, p)`` conditioned on connectivity).
    """
    n = as_int(n, "n", low=2)
    p = as_scalar(p, "p", low=0, high=1, low_open=True)
    weight_range = _check_weight_range(weight_range)
    max_tries = as_int(max_tries, "max_tries", low=1)
    rng = as_rng(seed)
    iu = np.triu_indices(n, 1)
    for _ in range(max_tries):
        keep = rng.random(iu[0].size) < p
        w = _weights(rng, int(keep.sum()), weight_range)
        adj = np.zeros((n, n))
        adj[iu[0][keep], iu[1][keep]] = w
        adj = adj + adj.T
        if not connected or is_connected(adj):
            return np.diag(adj.sum(axis=1)) - adj
    raise ValueError(f"no connected G(n={n}, p={p}) draw in {max_tries} tries; raise p or max_tries")


def random_tree_laplacian(n: int, seed: Any, *,
                          weight_range: tuple[float, float] | None = (0.5, 2.0)) -> np.ndarray:
    """Laplacian of a random recursive tree (node ``i`` attaches to a uniform earlier
    node, then labels are permuted), with i.i.d. ``U[weight_range]`` weights."""
    n = as_int(n, "n", low=2)
    weight_range = _check_weight_range(weight_range)
    rng = as_rng(seed)
    parents = np.array([rng.integers(0, i) for i in range(1, n)], dtype=int)
    perm = rng.permutation(n)
    w = _weights(rng, n - 1, weight_range)
    adj = np.zeros((n, n))
    adj[perm[np.arange(1, n)], perm[parents]] = w
    adj = adj + adj.T
    return np.diag(adj.sum(axis=1)) - adj


def random_laplacian(family: str, n: int, seed: Any, *,
                     weight_range: tuple[float, float] | None = (0.5, 2.0),
                     p: float = 0.3, k_ring: int | None = None) -> np.ndarray:
    """A weighted Laplacian from one of :data:`GRAPH_FAMILIES`.

    ``complete`` and ``ring_lattice`` get i.i.d. ``U[weight_range]`` edge weights;
    ``erdos_renyi`` uses edge probability ``p`` (connected draws only); ``ring_lattice``
    uses ``k_ring`` neighbours per side (default ``max(1, round(0.15 n))``).
    """
    if family not in GRAPH_FAMILIES:
        raise ValueError(f"family must be one of {GRAPH_FAMILIES}, got {family!r}")
    n = as_int(n, "n", low=2 if family != "ring_lattice" else 3)
    weight_range = _check_weight_range(weight_range)
    rng = as_rng(seed)
    if family == "erdos_renyi":
        return erdos_renyi_laplacian(n, p, rng, weight_range=weight_range)
    if family == "tree":
        return random_tree_laplacian(n, rng, weight_range=weight_range)
    if family == "complete":
        pattern = np.ones((n, n)) - np.eye(n)
    else:
        k = max(1, int(round(0.15 * n))) if k_ring is None else k_ring
        pattern = -ring_lattice_laplacian(n, k)
        np.fill_diagonal(pattern, 0.0)
    w = np.triu(_weights(rng, (n, n), weight_range) * pattern, 1)
    adj = w + w.T
    return np.diag(adj.sum(axis=1)) - adj


def block_labels(sizes: Sequence[int]) -> np.ndarray:
    """Contiguous block labels ``[0]*sizes[0] + [1]*sizes[1] + ...``."""
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or sizes.size == 0:
        raise ValueError("sizes must be a non-empty 1-d sequence of positive integers")
    if not np.issubdtype(sizes.dtype, np.integer):
        raise TypeError("sizes must contain integers")
    if np.any(sizes < 1):
        raise ValueError("sizes must be positive")
    return np.repeat(np.arange(sizes.size), sizes)


def _check_block_params(sizes: Sequence[int], Qprob: Any, Wgt: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels = block_labels(sizes)
    k = int(labels.max()) + 1
    Q = as_symmetric(Qprob, "Qprob")
    W = as_symmetric(Wgt, "Wgt")
    if Q.shape != (k, k):
        raise ValueError(f"Qprob must have shape ({k}, {k}), got {Q.shape}")
    if W.shape != (k, k):
        raise ValueError(f"Wgt must have shape ({k}, {k}), got {W.shape}")
    if np.any(Q < 0) or np.any(Q > 1):
        raise ValueError("Qprob entries must lie in [0, 1]")
    if np.any(W < 0):
        raise ValueError("Wgt entries must be non-negative")
    return labels, Q, W


def sample_wsbm(sizes: Sequence[int], Qprob: Any, Wgt: Any, seed: Any, *,
                sparse: bool = False) -> tuple[np.ndarray | sps.csr_matrix, np.ndarray]:
    """Adjacency matrix of a weighted stochastic block model ``({I_i}, Q, W)``.

    For every pair ``i < j`` independently, ``A_ij = A_ji = W[(i), (j)]`` with probability
    ``Q[(i), (j)]`` and 0 otherwise, where ``(i)`` is the block of node ``i`` (blocks are
    contiguous, of the given ``sizes``). The diagonal is zero (self-loops would cancel in
    the Laplacian). Hence ``E[L] = wsbm_expected_laplacian(sizes, Q, W)`` exactly.

    Parameters
    ----------
    sizes : sequence of k positive ints
    Qprob : (k, k) symmetric array of edge probabilities in [0, 1]
    Wgt : (k, k) symmetric array of non-negative edge weights
    seed : int, SeedSequence or Generator
    sparse : bool
        Sample block by block into a ``scipy.sparse.csr_matrix`` without forming an
        ``n x n`` dense array (for large ``n``). The law is the same, the random stream
        differs from the dense sampler.

    Returns
    -------
    adj, labels : the adjacency matrix and the ``(n,)`` block labels.
    """
    labels, Q, W = _check_block_params(sizes, Qprob, Wgt)
    rng = as_rng(seed)
    n = labels.size
    if not sparse:
        prob = Q[labels][:, labels]
        draw = rng.random((n, n)) < prob
        adj = np.triu(draw, 1) * W[labels][:, labels]
        return adj + adj.T, labels
    starts = np.concatenate([[0], np.cumsum(np.asarray(sizes))])
    rows, cols, vals = [], [], []
    k = Q.shape[0]
    for a in range(k):
        for b in range(a, k):
            na, nb = int(starts[a + 1] - starts[a]), int(starts[b + 1] - starts[b])
            npairs = na * (na - 1) // 2 if a == b else na * nb
            if npairs == 0 or Q[a, b] == 0 or W[a, b] == 0:
                continue
            m = int(rng.binomial(npairs, Q[a, b]))
            chosen = _distinct_integers(rng, npairs, m)
            if a == b:
                i, j = _triangular_pairs(chosen, na)
            else:
                i, j = np.divmod(chosen, nb)
            rows.append(i + starts[a])
            cols.append(j + starts[b])
            vals.append(np.full(m, W[a, b]))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=int)
        v = np.zeros(0)
    upper = sps.coo_matrix((v, (r, c)), shape=(n, n))
    return sps.csr_matrix(upper + upper.T), labels


def _distinct_integers(rng: np.random.Generator, high: int, m: int) -> np.ndarray:
    """``m`` distinct integers drawn uniformly from ``range(high)`` (sorted)."""
    if m > high // 2:
        return np.sort(rng.choice(high, size=m, replace=False))
    out = np.unique(rng.integers(0, high, size=m))
    while out.size < m:
        out = np.unique(np.concatenate([out, rng.integers(0, high, size=m - out.size)]))
    if out.size > m:  # pragma: no cover - np.unique never grows beyond the request
        out = np.sort(rng.choice(out, size=m, replace=False))
    return out


def _triangular_pairs(idx: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Decode linear indices into the strict upper triangle of an ``s x s`` block
    (row-major order: (0,1), (0,2), ..., (1,2), ...)."""
    idx = np.asarray(idx, dtype=np.int64)
    # number of pairs in rows < i is i*(2s - i - 1)/2; invert the quadratic, then fix up
    b = 2 * s - 1
    i = np.floor((b - np.sqrt(np.maximum(b * b - 8.0 * idx, 0.0))) / 2).astype(np.int64)
    first = i * (2 * s - i - 1) // 2
    over = first > idx
    i[over] -= 1
    first = i * (2 * s - i - 1) // 2
    nxt = (i + 1) * (2 * s - i - 2) // 2
    under = nxt <= idx
    i[under] += 1
    first = i * (2 * s - i - 1) // 2
    j = idx - first + i + 1
    return i, j


def wsbm_laplacian(sizes: Sequence[int], Qprob: Any, Wgt: Any, seed: Any, *,
                   sparse: bool = False) -> tuple[np.ndarray | sps.csr_matrix, np.ndarray]:
    """Laplacian of a :func:`sample_wsbm` draw, with its block labels."""
    adj, labels = sample_wsbm(sizes, Qprob, Wgt, seed, sparse=sparse)
    return laplacian_from_adjacency(adj, sparse=sparse), labels


def wsbm_expected_laplacian(sizes: Sequence[int], Qprob: Any, Wgt: Any) -> tuple[np.ndarray, np.ndarray]:
    """The block-ideal (expected) Laplacian ``diag(A 1) - A`` with ``A = P B P^T``,
    ``B = Q * W`` (entrywise), ``P`` the membership matrix; with the block labels."""
    labels, Q, W = _check_block_params(sizes, Qprob, Wgt)
    adj = (Q * W)[labels][:, labels]
    return np.diag(adj.sum(axis=1)) - adj, labels


def laplacian_eigh(lap: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric Laplacian,
    with the first eigenvector fixed to ``+1/sqrt(n)`` and the first eigenvalue to 0.

    The remaining eigenvectors are re-orthogonalised against ``1/sqrt(n)`` (this also
    makes disconnected graphs, with a multiple zero eigenvalue, well defined). Column
    signs are otherwise those of ``scipy.linalg.eigh``.
    """
    a = _as_laplacian(lap)
    n = a.shape[0]
    lam, V = sla.eigh(a)
    ones = np.full(n, 1.0 / math.sqrt(n))
    X = np.column_stack([ones, V[:, 1:]])
    Qm, R = np.linalg.qr(X)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    Qm = Qm * signs
    Qm[:, 0] = ones
    lam = lam.copy()
    lam[0] = 0.0
    return lam, Qm


def algebraic_connectivity(lap: Any) -> float:
    """The second smallest Laplacian eigenvalue ``lambda_2`` (dense ``eigvalsh``; for a
    sparse matrix with ``n > 2000``, shift-invert Lanczos just below 0)."""
    if sps.issparse(lap) and lap.shape[0] > 2000:
        from scipy.sparse.linalg import eigsh

        n = lap.shape[0]
        scale = float(abs(lap).sum(axis=1).max())
        vals = eigsh(sps.csc_matrix(lap, dtype=float), k=2, sigma=-1e-6 * max(scale, 1.0),
                     which="LM", return_eigenvectors=False)
        if n < 2:  # pragma: no cover - guarded by the size test
            raise ValueError("lap must be at least 2 x 2")
        return float(np.sort(vals)[1])
    a = _as_laplacian(lap)
    if a.shape[0] < 2:
        raise ValueError("lap must be at least 2 x 2")
    return float(sla.eigvalsh(a, subset_by_index=[1, 1])[0])


def grounded_laplacian(lap: Any, removed: Sequence[int]) -> np.ndarray:
    """The principal submatrix of ``lap`` with the rows and columns ``removed`` deleted."""
    a = as_square(lap, "lap")
    n = a.shape[0]
    rem = np.unique(np.asarray(removed, dtype=int))
    if rem.size == 0 or rem.size >= n:
        raise ValueError(f"removed must hold between 1 and n-1 = {n - 1} distinct indices")
    if rem.min() < 0 or rem.max() >= n:
        raise ValueError(f"removed indices must lie in [0, {n - 1}]")
    keep = np.setdiff1d(np.arange(n), rem)
    return a[np.ix_(keep, keep)]


def kron_reduce(lap_bus: Any, keep: Sequence[int]) -> np.ndarray:
    """Kron reduction ``L_gg - L_go L_oo^{-1} L_og`` onto the nodes ``keep``
    (a Schur complement, computed with ``solve`` and symmetrised)."""
    a = as_symmetric(lap_bus, "lap_bus")
    n = a.shape[0]
    kp = np.unique(np.asarray(keep, dtype=int))
    if kp.size == 0 or kp.min() < 0 or kp.max() >= n:
        raise ValueError(f"keep must be non-empty indices in [0, {n - 1}]")
    other = np.setdiff1d(np.arange(n), kp)
    red = a[np.ix_(kp, kp)]
    if other.size:
        red = red - a[np.ix_(kp, other)] @ sla.solve(a[np.ix_(other, other)], a[np.ix_(other, kp)],
                                                    assume_a="sym")
    return 0.5 * (red + red.T)


# ---------------------------------------------------------------------------------------
# nodal transfer functions
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GeneratorParams:
    """Coefficients of ``n`` swing + first-order turbine generators,
    ``g_i(s) = (m_i s + d_i + rinv_i / (tau_i s + 1))^{-1}``.

    ``rinv_i = 0`` marks a generator without turbine (swing dynamics ``1/(m_i s + d_i)``).
    """

    m: np.ndarray
    d: np.ndarray
    rinv: np.ndarray
    tau: np.ndarray

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("m", "d", "rinv", "tau"):
            arrays[name] = as_array(getattr(self, name), name, ndim=1)
        n = arrays["m"].size
        for name, a in arrays.items():
            if a.size != n:
                raise ValueError(f"{name} must have length {n} (that of m), got {a.size}")
        if np.any(arrays["m"] <= 0) or np.any(arrays["tau"] <= 0):
            raise ValueError("m and tau must be positive")
        if np.any(arrays["d"] < 0) or np.any(arrays["rinv"] < 0):
            raise ValueError("d and rinv must be non-negative")
        for name, a in arrays.items():
            object.__setattr__(self, name, a)

    @property
    def n(self) -> int:
        return int(self.m.size)

    def ginv(self, s: Any) -> np.ndarray:
        """``g_i^{-1}(s)``; see :func:`swing_turbine_ginv`."""
        return swing_turbine_ginv(s, self.m, self.d, self.rinv, self.tau)

    def g(self, s: Any) -> np.ndarray:
        """``g_i(s)``; see :func:`swing_turbine_g`."""
        return swing_turbine_g(s, self.m, self.d, self.rinv, self.tau)

    def subset(self, idx: Any) -> GeneratorParams:
        idx = np.asarray(idx)
        return GeneratorParams(self.m[idx], self.d[idx], self.rinv[idx], self.tau[idx])


def sample_generator_params(n: int, seed: Any, *, m_range: tuple[float, float] = (0.05, 0.5),
                            d_range: tuple[float, float] = (0.2, 0.5),
                            r_range: tuple[float, float] = (5.0, 10.0),
                            tau_range: tuple[float, float] = (2.0, 10.0),
                            turbine: Any = True) -> GeneratorParams:
    """Random swing + turbine generators with independent uniform coefficients
    ``m ~ U[m_range]``, ``d ~ U[d_range]``, ``r ~ U[r_range]`` (``rinv = 1/r``),
    ``tau ~ U[tau_range]`` (default laws: those used for synthetic generators in the
    slow-coherency papers). ``turbine`` is ``True`` (all), ``False`` (none: swing only) or
    a boolean mask of length ``n``; generators without turbine get ``rinv = 0``.
    Draw order: m, d, r, tau (each a vector of length n).
    """
    n = as_int(n, "n", low=1)
    rng = as_rng(seed)
    ranges = {}
    for name, rg in (("m_range", m_range), ("d_range", d_range), ("r_range", r_range), ("tau_range", tau_range)):
        lo, hi = _check_weight_range(rg)
        ranges[name] = (lo, hi)
    m = rng.uniform(*ranges["m_range"], n)
    d = rng.uniform(*ranges["d_range"], n)
    r = rng.uniform(*ranges["r_range"], n)
    tau = rng.uniform(*ranges["tau_range"], n)
    if isinstance(turbine, (bool, np.bool_)):
        mask = np.full(n, bool(turbine))
    else:
        mask = np.asarray(turbine)
        if mask.shape != (n,) or mask.dtype != bool:
            raise ValueError(f"turbine must be a bool or a boolean mask of length {n}")
    return GeneratorParams(m, d, np.where(mask, 1.0 / r, 0.0), tau)


def _s_and_params(s: Any, *params: tuple[str, Any]) -> tuple[np.ndarray, list[np.ndarray], bool]:
    s_arr = _as_complex(s, "s", ndim=(0, 1))
    scalar = s_arr.ndim == 0
    s_col = np.atleast_1d(s_arr)[:, None]
    out = []
    n = None
    for name, p in params:
        a = as_array(p, name, ndim=1)
        if n is None:
            n = a.size
        elif a.size != n:
            raise ValueError(f"{name} must have length {n}, got {a.size}")
        out.append(a[None, :])
    return s_col, out, scalar


def _finish(values: np.ndarray, scalar: bool) -> np.ndarray:
    return values[0] if scalar else values


def consensus_ginv(s: Any, k: Any) -> np.ndarray:
    """``g_i^{-1}(s) = s / k_i`` for integrator nodes ``g_i = k_i / s``.

    Returns shape ``(n,)`` for scalar ``s`` and ``(K, n)`` for a grid of ``K`` frequencies.
    """
    s_col, (k_row,), scalar = _s_and_params(s, ("k", k))
    if np.any(k_row == 0):
        raise ValueError("k must be non-zero")
    return _finish(s_col / k_row, scalar)


def swing_ginv(s: Any, m: Any, d: Any) -> np.ndarray:
    """``g_i^{-1}(s) = m_i s + d_i`` (swing dynamics ``g_i = 1/(m_i s + d_i)``)."""
    s_col, (m_row, d_row), scalar = _s_and_params(s, ("m", m), ("d", d))
    return _finish(m_row * s_col + d_row, scalar)


def swing_turbine_ginv(s: Any, m: Any, d: Any, rinv: Any, tau: Any) -> np.ndarray:
    """``g_i^{-1}(s) = m_i s + d_i + rinv_i / (tau_i s + 1)``.

    At a nodal zero ``s = -1/tau_i`` (with ``rinv_i != 0``) the value is infinite; use
    :func:`swing_turbine_g` and :func:`transfer_matrix_from_g` there.
    """
    s_col, (m_row, d_row, r_row, t_row), scalar = _s_and_params(
        s, ("m", m), ("d", d), ("rinv", rinv), ("tau", tau))
    with np.errstate(divide="ignore", invalid="ignore"):
        turb = np.where(r_row == 0, 0.0, r_row / (t_row * s_col + 1.0))
    return _finish(m_row * s_col + d_row + turb, scalar)


def swing_turbine_g(s: Any, m: Any, d: Any, rinv: Any, tau: Any) -> np.ndarray:
    """``g_i(s) = (tau_i s + 1) / ((m_i s + d_i)(tau_i s + 1) + rinv_i)`` (finite at the
    nodal zeros ``-1/tau_i``; infinite at the nodal poles)."""
    s_col, (m_row, d_row, r_row, t_row), scalar = _s_and_params(
        s, ("m", m), ("d", d), ("rinv", rinv), ("tau", tau))
    num = t_row * s_col + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        val = num / ((m_row * s_col + d_row) * num + r_row)
    return _finish(val, scalar)


def rational_ginv(s: Any, num: Any, den: Any) -> np.ndarray:
    """``g_i^{-1}(s) = den_i(s) / num_i(s)`` for rational nodes ``g_i = num_i / den_i``.

    Parameters
    ----------
    num, den : (n, p+1) and (n, q+1) arrays of polynomial coefficients, highest power
        first (``numpy.polyval`` order), one row per node.
    """
    s_arr = _as_complex(s, "s", ndim=(0, 1))
    scalar = s_arr.ndim == 0
    s1 = np.atleast_1d(s_arr)
    N = as_array(num, "num", ndim=2)
    D = as_array(den, "den", ndim=2)
    if N.shape[0] != D.shape[0]:
        raise ValueError(f"num and den must have the same number of rows, got {N.shape[0]} and {D.shape[0]}")
    powers_n = s1[:, None] ** np.arange(N.shape[1] - 1, -1, -1)[None, :]
    powers_d = s1[:, None] ** np.arange(D.shape[1] - 1, -1, -1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        val = (powers_d @ D.T) / (powers_n @ N.T)
    return _finish(val, scalar)


# ---------------------------------------------------------------------------------------
# frequency domain
# ---------------------------------------------------------------------------------------
def frequency_grid(omega_min: float, omega_max: float, num: int, *, include_zero: bool = False,
                   sigma: float = 0.0) -> np.ndarray:
    """``sigma + j omega`` on a log-spaced grid ``omega in [omega_min, omega_max]``
    (``num`` points), optionally with ``omega = 0`` prepended."""
    lo = as_scalar(omega_min, "omega_min", low=0, low_open=True)
    hi = as_scalar(omega_max, "omega_max", low=lo)
    num = as_int(num, "num", low=1)
    sigma = as_scalar(sigma, "sigma")
    w = np.geomspace(lo, hi, num)
    if include_zero:
        w = np.concatenate([[0.0], w])
    return sigma + 1j * w


def harmonic_mean(ginv: Any) -> np.ndarray | complex:
    """``gbar = (mean_i g_i^{-1})^{-1}`` over the last axis (the coherent dynamics)."""
    g = _as_complex(ginv, "ginv", ndim=(1, 2))
    out = 1.0 / g.mean(axis=-1)
    return complex(out) if out.ndim == 0 else out


def harmonic_sum(ginv: Any) -> np.ndarray | complex:
    """``g_aggr = (sum_i g_i^{-1})^{-1}`` over the last axis (the aggregate node)."""
    g = _as_complex(ginv, "ginv", ndim=(1, 2))
    out = 1.0 / g.sum(axis=-1)
    return complex(out) if out.ndim == 0 else out


def _batch(ginv: Any, lap: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    g = _as_complex(ginv, "ginv", ndim=(1, 2))
    a = _as_laplacian(lap, check_rows=False)
    single = g.ndim == 1
    g2 = g[None, :] if single else g
    if g2.shape[1] != a.shape[0]:
        raise ValueError(f"ginv has {g2.shape[1]} nodes but lap is {a.shape[0]} x {a.shape[0]}")
    return g2, a, single


def _f_values(f_val: Any, K: int) -> np.ndarray:
    f = _as_complex(f_val, "f_val", ndim=(0, 1))
    f = np.broadcast_to(np.atleast_1d(f), (K,)) if f.ndim == 0 or f.size == 1 else f
    if f.shape != (K,):
        raise ValueError(f"f_val must be a scalar or have length {K}, got shape {f.shape}")
    return f


def transfer_matrix(ginv: Any, f_val: Any, lap: Any) -> np.ndarray:
    """``T = (diag(g^{-1}) + f L)^{-1}`` by a dense complex solve.

    Parameters
    ----------
    ginv : (n,) or (K, n) complex nodal values ``g_i^{-1}(s_k)``
    f_val : scalar or (K,) coupling values ``f(s_k)``
    lap : (n, n) real symmetric Laplacian (a complex normal ``L(s_0)`` may be passed as
        ``f_val * lap`` with real ``lap``)

    Returns
    -------
    (n, n) or (K, n, n) complex array (complex symmetric, not Hermitian).
    """
    g, a, single = _batch(ginv, lap)
    f = _f_values(f_val, g.shape[0])
    n = a.shape[0]
    M = f[:, None, None] * a[None, :, :] + g[:, :, None] * np.eye(n)[None, :, :]
    T = np.linalg.solve(M, np.broadcast_to(np.eye(n, dtype=complex), M.shape))
    return T[0] if single else T


def transfer_matrix_from_g(g: Any, f_val: Any, lap: Any) -> np.ndarray:
    """``T = (I + G f L)^{-1} G``, well defined at nodal zeros (``g_i = 0``) where the
    inverse form is not."""
    gg, a, single = _batch(g, lap)
    f = _f_values(f_val, gg.shape[0])
    n = a.shape[0]
    eye = np.eye(n)[None, :, :]
    M = eye + gg[:, :, None] * f[:, None, None] * a[None, :, :]
    T = np.linalg.solve(M, gg[:, :, None] * eye)
    return T[0] if single else T


def _integrator_core(s: np.ndarray, g: np.ndarray, lam: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``V^T T(s) V`` for ``f = 1/s``, from a diagonally rescaled eigenbasis form.

    ``T = s (s G^{-1} + L)^{-1} = V s M^{-1} V^T`` with ``M = s A + Lambda``,
    ``A = V^T G^{-1} V``. With ``D = diag(sqrt(s), 1, ..., 1)`` the matrix
    ``N = D^{-1} M D^{-1}`` has ``N_11 = A_11 = mean(g^{-1})``, ``N_1j = sqrt(s) A_1j``,
    ``N_jk = s A_jk + lambda_j delta_jk``: it stays well conditioned as ``s -> 0`` (for a
    connected graph), and ``s M^{-1} = s D^{-1} N^{-1} D^{-1}`` has entries
    ``N^{-1}_11``, ``sqrt(s) N^{-1}_1j`` and ``s N^{-1}_jk``. At ``s = 0`` this is the exact
    limit ``gbar(0) e_1 e_1^T``.
    """
    A = (V.T[None, :, :] * g[:, None, :]) @ V  # V^T diag(g_k) V for each k
    r = np.sqrt(s.astype(complex))
    K, n = g.shape
    N = s[:, None, None] * A
    N[:, np.arange(n), np.arange(n)] += lam[None, :]
    N[:, 0, :] = r[:, None] * A[:, 0, :]
    N[:, :, 0] = r[:, None] * A[:, :, 0]
    N[:, 0, 0] = A[:, 0, 0]
    Ninv = np.linalg.solve(N, np.broadcast_to(np.eye(n, dtype=complex), N.shape))
    out = s[:, None, None] * Ninv
    out[:, 0, :] = r[:, None] * Ninv[:, 0, :]
    out[:, :, 0] = r[:, None] * Ninv[:, :, 0]
    out[:, 0, 0] = Ninv[:, 0, 0]
    return out


def transfer_matrix_inv_s(s: Any, ginv: Any, lap: Any, *,
                          eig: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``T(s) = s (s diag(g^{-1}(s)) + L)^{-1}`` for the coupling ``f = 1/s``.

    Evaluated in a rescaled eigenbasis form (see :func:`_integrator_core`) that is exact
    at ``s = 0`` (``T(0) = (1/n) gbar(0) 1 1^T``, graph connected) and does not lose
    accuracy as ``s -> 0``, where the direct form is ill conditioned (condition number
    about ``lambda_n / (|s| |gbar^{-1}(0)|)``).

    Parameters
    ----------
    s : complex scalar or (K,) array
    ginv : (n,) or (K, n) nodal values at ``s``
    lap : (n, n) Laplacian
    eig : optional ``(lam, V)`` from :func:`laplacian_eigh` (reused across calls)
    """
    g, a, single = _batch(ginv, lap)
    s_arr = _as_complex(s, "s", ndim=(0, 1))
    s1 = np.broadcast_to(np.atleast_1d(s_arr), (g.shape[0],)) if s_arr.size == 1 else s_arr
    if s1.shape != (g.shape[0],):
        raise ValueError(f"s must be a scalar or have length {g.shape[0]} (rows of ginv), got {s_arr.shape}")
    lam, V = laplacian_eigh(a) if eig is None else eig
    core = _integrator_core(np.asarray(s1), g, lam, V)
    T = V[None, :, :] @ core @ V.T[None, :, :]
    return T[0] if single else T


def frequency_response(s: Any, ginv: Any, lap: Any, coupling: Any = "integrator") -> np.ndarray:
    """The network transfer matrix on a frequency grid.

    Parameters
    ----------
    s : (K,) complex frequencies (or a scalar)
    ginv : (K, n) nodal values ``g_i^{-1}(s_k)`` (or ``(n,)`` for a scalar ``s``)
    lap : (n, n) Laplacian
    coupling : ``"integrator"`` (``f = 1/s``), ``"static"`` (``f = 1``) or an array of
        ``f(s_k)``.

    Returns
    -------
    (K, n, n) (or (n, n)) complex transfer matrices.
    """
    if isinstance(coupling, str):
        if coupling == "integrator":
            return transfer_matrix_inv_s(s, ginv, lap)
        if coupling == "static":
            return transfer_matrix(ginv, 1.0, lap)
        raise ValueError(f"coupling must be 'integrator', 'static' or an array of f values, got {coupling!r}")
    return transfer_matrix(ginv, coupling, lap)


def spectral_norm(M: Any) -> np.ndarray | float:
    """Largest singular value of a matrix or of each matrix in a stack (last two axes)."""
    a = np.asarray(M)
    if a.ndim < 2:
        raise ValueError(f"M must have at least 2 dimensions, got shape {a.shape}")
    out = _norm2(a)
    return float(out) if out.ndim == 0 else out


def _norm2(a: np.ndarray) -> np.ndarray:
    """Spectral norms of a stack of matrices as ``sqrt(max eig(M^H M))``.

    About twice as fast as an SVD; the largest eigenvalue of the Hermitian ``M^H M`` is
    computed to relative accuracy near machine precision, so the norm is too (only the
    small singular values would suffer from the squaring).
    """
    gram = np.swapaxes(a.conj(), -1, -2) @ a
    top = np.linalg.eigvalsh(gram)[..., -1]
    return np.sqrt(np.maximum(top, 0.0))


def incoherence_curve(s: Any, ginv: Any, lap: Any, coupling: Any = "integrator", *,
                      eig: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``I(s_k) = || T(s_k) - (1/n) gbar(s_k) 1 1^T ||_2`` on a frequency grid.

    Computed in the Laplacian eigenbasis, where the rank-one term is ``gbar e_1 e_1^T``,
    so that the difference is formed between O(1) quantities (accurate even when the
    incoherence is many orders below ``||T||``). ``coupling`` as in
    :func:`frequency_response`.

    Returns
    -------
    (K,) array (a float for scalar ``s`` with ``(n,)`` ``ginv``).
    """
    g, a, single = _batch(ginv, lap)
    K = g.shape[0]
    lam, V = laplacian_eigh(a) if eig is None else eig
    if isinstance(coupling, str) and coupling == "integrator":
        s_arr = _as_complex(s, "s", ndim=(0, 1))
        s1 = np.broadcast_to(np.atleast_1d(s_arr), (K,)) if s_arr.size == 1 else s_arr
        if s1.shape != (K,):
            raise ValueError(f"s must be a scalar or have length {K}, got {s_arr.shape}")
        core = _integrator_core(np.asarray(s1), g, lam, V)
    else:
        if isinstance(coupling, str):
            if coupling != "static":
                raise ValueError(f"coupling must be 'integrator', 'static' or an array, got {coupling!r}")
            f = np.ones(K, dtype=complex)
        else:
            f = _f_values(coupling, K)
        n = a.shape[0]
        H = (V.T[None, :, :] * g[:, None, :]) @ V
        H[:, np.arange(n), np.arange(n)] += f[:, None] * lam[None, :]
        core = np.linalg.solve(H, np.broadcast_to(np.eye(n, dtype=complex), H.shape))
    core = core.copy()
    core[:, 0, 0] -= 1.0 / g.mean(axis=1)
    out = _norm2(core)
    return float(out[0]) if single else out


def complete_graph_transfer(ginv: Any, f_val: Any, weight: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``T = (diag(g^{-1}) + f w (n I - 1 1^T))^{-1}`` of a complete graph in
    diagonal-plus-rank-one form (Sherman-Morrison), in O(n) per frequency:

        T = diag(r) + beta r r^T,   r = 1 / (g^{-1} + f w n),   beta = f w / (1 - f w sum(r)).

    Parameters
    ----------
    ginv : (n,) or (K, n) nodal values; f_val : scalar or (K,) coupling values
    weight : the common edge weight ``w``

    Returns
    -------
    r : (K, n) (or (n,)); beta : (K,) (or scalar); and ``r`` again is the rank-one vector,
    so ``T = diag(r) + beta * outer(r, r)``.
    """
    g = _as_complex(ginv, "ginv", ndim=(1, 2))
    single = g.ndim == 1
    g2 = g[None, :] if single else g
    f = _f_values(f_val, g2.shape[0])
    w = as_scalar(weight, "weight", low=0)
    n = g2.shape[1]
    fw = f * w
    r = 1.0 / (g2 + (fw * n)[:, None])
    beta = fw / (1.0 - fw * r.sum(axis=1))
    if single:
        return r[0], beta[0], r[0]
    return r, beta, r


def norm_diag_plus_lowrank(diag: Any, U: Any, W: Any, *, tol: float = 1e-13) -> float:
    """Spectral norm of ``E = diag(d) + U W^T`` (``U``, ``W``: ``n x r``, small ``r``)
    without forming ``E``: the largest eigenvalue of ``E^H E`` by Lanczos
    (``scipy.sparse.linalg.eigsh``) on an O(n r) operator, with a deterministic start.
    For ``n <= 64`` the dense norm is computed instead.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    d = _as_complex(diag, "diag", ndim=1)
    U = _as_complex(U, "U", ndim=2)
    W = _as_complex(W, "W", ndim=2)
    n = d.size
    if U.shape[0] != n or W.shape != U.shape:
        raise ValueError(f"U and W must have shape ({n}, r) and agree, got {U.shape} and {W.shape}")
    if n <= 64:
        return float(_norm2((np.diag(d) + U @ W.T)[None])[0])
    dc, Uc, Wc = d.conj(), U.conj(), W.conj()

    def gram(x: np.ndarray) -> np.ndarray:
        x = x.ravel()
        y = d * x + U @ (W.T @ x)
        return dc * y + Wc @ (Uc.T @ y)

    op = LinearOperator((n, n), matvec=gram, dtype=complex)
    # a generic deterministic start (a constant vector can be orthogonal to the top
    # singular vector, e.g. for homogeneous nodes on a complete graph)
    k = np.arange(n)
    v0 = np.ones(n, dtype=complex) + 0.3 * np.cos(1.3 * k) + 0.2j * np.sin(0.7 * k)
    val = eigsh(op, k=1, which="LA", v0=v0, tol=tol, return_eigenvectors=False)
    return float(np.sqrt(max(float(np.real(val[0])), 0.0)))


def refine_maximum(fun: Callable[[float], float], grid: Any, values: Any | None = None, *,
                   xatol: float = 1e-10) -> tuple[float, float]:
    """Refine a grid maximum of a scalar function by bounded golden-section search
    (Brent) on the bracket formed by the neighbours of the best grid point.

    Parameters
    ----------
    fun : callable ``x -> float``
    grid : increasing 1-d array of abscissae
    values : optional ``fun`` on ``grid`` (computed if omitted)

    Returns
    -------
    (x_max, f_max) : never below the best grid value.
    """
    x = as_array(grid, "grid", ndim=1)
    if x.size < 2 or np.any(np.diff(x) <= 0):
        raise ValueError("grid must be strictly increasing with at least 2 points")
    v = np.array([fun(xi) for xi in x]) if values is None else as_array(values, "values", shape=(x.size,))
    i = int(np.argmax(v))
    lo, hi = x[max(i - 1, 0)], x[min(i + 1, x.size - 1)]
    res = minimize_scalar(lambda z: -fun(z), bounds=(lo, hi), method="bounded",
                          options={"xatol": xatol})
    if -res.fun > v[i]:
        return float(res.x), float(-res.fun)
    return float(x[i]), float(v[i])


# ---------------------------------------------------------------------------------------
# time domain
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StateSpace:
    """A continuous-time LTI realisation ``x' = A x + B u``, ``y = C x + D u``."""

    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    D: np.ndarray

    def __post_init__(self) -> None:
        A = as_square(self.A, "A")
        B = as_array(self.B, "B", ndim=2)
        C = as_array(self.C, "C", ndim=2)
        D = as_array(self.D, "D", ndim=2)
        nx_ = A.shape[0]
        if B.shape[0] != nx_ or C.shape[1] != nx_ or D.shape != (C.shape[0], B.shape[1]):
            raise ValueError(f"inconsistent shapes A{A.shape} B{B.shape} C{C.shape} D{D.shape}")
        for name, val in (("A", A), ("B", B), ("C", C), ("D", D)):
            object.__setattr__(self, name, val)

    @property
    def n_states(self) -> int:
        return int(self.A.shape[0])

    def transfer(self, s: Any) -> np.ndarray:
        """``C (s I - A)^{-1} B + D`` at complex ``s`` (scalar or (K,)) -> (p, m) or (K, p, m)."""
        s_arr = _as_complex(s, "s", ndim=(0, 1))
        s1 = np.atleast_1d(s_arr)
        eye = np.eye(self.n_states)
        X = np.linalg.solve(s1[:, None, None] * eye - self.A, np.broadcast_to(self.B, (s1.size,) + self.B.shape))
        H = self.C @ X + self.D
        return H[0] if s_arr.ndim == 0 else H


def consensus_statespace(k: Any, lap: Any) -> StateSpace:
    """Integrator nodes ``g_i = k_i/s`` with static coupling ``f = 1``:
    ``x' = diag(k) (u - L x)``, ``y = x``."""
    k = as_array(k, "k", ndim=1)
    a = _as_laplacian(lap)
    if a.shape[0] != k.size:
        raise ValueError(f"k has {k.size} entries but lap is {a.shape[0]} x {a.shape[0]}")
    n = k.size
    return StateSpace(-k[:, None] * a, np.diag(k), np.eye(n), np.zeros((n, n)))


def swing_turbine_statespace(params: GeneratorParams, lap: Any) -> StateSpace:
    """Swing + turbine generators coupled by ``f = 1/s`` (power network), states
    ``(theta, omega, q)``:

        theta' = omega
        m_i omega_i' = u_i - (L theta)_i - d_i omega_i - q_i
        tau_i q_i'   = -q_i + rinv_i omega_i

    Input ``u`` (n), output ``omega`` (n): the transfer matrix is ``T(s)`` with
    ``f = 1/s``.
    """
    if not isinstance(params, GeneratorParams):
        raise TypeError(f"params must be GeneratorParams, got {type(params).__name__}")
    a = _as_laplacian(lap)
    n = params.n
    if a.shape[0] != n:
        raise ValueError(f"params has {n} generators but lap is {a.shape[0]} x {a.shape[0]}")
    Z, I = np.zeros((n, n)), np.eye(n)
    mi = 1.0 / params.m
    ti = 1.0 / params.tau
    A = np.block([
        [Z, I, Z],
        [-mi[:, None] * a, -np.diag(mi * params.d), -np.diag(mi)],
        [Z, np.diag(ti * params.rinv), -np.diag(ti)],
    ])
    B = np.vstack([Z, np.diag(mi), Z])
    C = np.hstack([Z, I, Z])
    return StateSpace(A, B, C, np.zeros((n, n)))


def harmonic_mean_statespace(params: GeneratorParams) -> StateSpace:
    """Exact ``(n+1)``-state realisation of the coherent dynamics ``gbar`` driven by the
    average input ``ubar = 1^T u / n`` (input: the full vector ``u``; output ``ybar``):

        mbar omegabar' = ubar - dbar omegabar - (1/n) sum_i q_i
        tau_i q_i'     = -q_i + rinv_i omegabar

    so that ``gbar^{-1}(s) = mbar s + dbar + (1/n) sum_i rinv_i / (tau_i s + 1)``.
    """
    if not isinstance(params, GeneratorParams):
        raise TypeError(f"params must be GeneratorParams, got {type(params).__name__}")
    n = params.n
    mbar, dbar = params.m.mean(), params.d.mean()
    A = np.zeros((n + 1, n + 1))
    A[0, 0] = -dbar / mbar
    A[0, 1:] = -1.0 / (n * mbar)
    A[1:, 0] = params.rinv / params.tau
    A[1:, 1:] = -np.diag(1.0 / params.tau)
    B = np.zeros((n + 1, n))
    B[0, :] = 1.0 / (n * mbar)
    C = np.zeros((1, n + 1))
    C[0, 0] = 1.0
    return StateSpace(A, B, C, np.zeros((1, n)))


_SIGNALS = ("step", "sine", "exp_approach")


def input_signal(kind: str, t: Any, alpha: float = 1.0) -> np.ndarray:
    """Scalar input waveforms ``v(t)`` (multiplied by a direction ``u0`` to drive a node):
    ``"step"`` ``chi(t)``, ``"sine"`` ``sin(alpha t)``, ``"exp_approach"``
    ``1 - exp(-alpha t)``."""
    if kind not in _SIGNALS:
        raise ValueError(f"kind must be one of {_SIGNALS}, got {kind!r}")
    t = as_array(t, "t", ndim=1)
    if np.any(t < 0):
        raise ValueError("t must be non-negative")
    alpha = as_scalar(alpha, "alpha", low=0)
    if kind == "step":
        return np.ones_like(t)
    if kind == "sine":
        return np.sin(alpha * t)
    return -np.expm1(-alpha * t)


def _uniform_times(t: Any) -> tuple[np.ndarray, float]:
    t = as_array(t, "t", ndim=1)
    if t.size < 2 or t[0] != 0.0:
        raise ValueError("t must start at 0 and have at least 2 points")
    dt = np.diff(t)
    if np.any(dt <= 0):
        raise ValueError("t must be strictly increasing")
    h = float(t[-1] / (t.size - 1))
    if np.max(np.abs(dt - h)) > 1e-9 * max(h, 1.0):
        raise ValueError("t must be uniformly spaced")
    return t, h


def simulate(ss: StateSpace, u: Any, t: Any, x0: Any | None = None) -> np.ndarray:
    """Output of ``ss`` for the sampled input ``u`` (``(T, m)`` or ``(T,)`` for one
    input) on the uniform grid ``t`` (from 0), by ``scipy.signal.lsim`` (first-order hold,
    i.e. exact for inputs linear between samples). Returns ``(T, p)``."""
    if not isinstance(ss, StateSpace):
        raise TypeError(f"ss must be a StateSpace, got {type(ss).__name__}")
    t, _ = _uniform_times(t)
    u = as_array(u, "u")
    u2 = u[:, None] if u.ndim == 1 else u
    if u2.shape != (t.size, ss.B.shape[1]):
        raise ValueError(f"u must have shape ({t.size}, {ss.B.shape[1]}), got {u.shape}")
    X0 = np.zeros(ss.n_states) if x0 is None else as_array(x0, "x0", shape=(ss.n_states,))
    _, y, _ = signal.lsim((ss.A, ss.B, ss.C, ss.D), u2, t, X0=X0)
    return np.asarray(y).reshape(t.size, -1)


def exact_response(ss: StateSpace, kind: str, t: Any, u0: Any, alpha: float = 1.0) -> np.ndarray:
    """Exact output of ``ss`` (zero initial state) to ``u(t) = v(t) u0`` with ``v`` from
    :func:`input_signal`, with no time-stepping error.

    The waveform is generated by a small exosystem ``z' = S z``, ``v = e^T z`` (step:
    ``z = 1``; exp_approach: ``z = (1, e^{-alpha t})``, ``v = z_1 - z_2``; sine:
    ``z = (sin alpha t, cos alpha t)``), and the augmented system
    ``[x; z]' = [[A, B u0 e^T], [0, S]] [x; z]`` is propagated with one matrix
    exponential ``expm(A_aug h)`` on the uniform grid ``t`` (``h`` its step). This is the
    variation-of-constants formula evaluated exactly; it needs no invertibility of ``A``
    (the power-network realisation has a zero eigenvalue from the angles). Returns
    ``(T, p)``.
    """
    if not isinstance(ss, StateSpace):
        raise TypeError(f"ss must be a StateSpace, got {type(ss).__name__}")
    if kind not in _SIGNALS:
        raise ValueError(f"kind must be one of {_SIGNALS}, got {kind!r}")
    t, h = _uniform_times(t)
    alpha = as_scalar(alpha, "alpha", low=0)
    u0 = as_array(u0, "u0", shape=(ss.B.shape[1],))
    b = ss.B @ u0
    if kind == "step":
        S, e, z0 = np.zeros((1, 1)), np.array([1.0]), np.array([1.0])
    elif kind == "exp_approach":
        S, e, z0 = np.diag([0.0, -alpha]), np.array([1.0, -1.0]), np.array([1.0, 1.0])
    else:
        S, e, z0 = np.array([[0.0, alpha], [-alpha, 0.0]]), np.array([1.0, 0.0]), np.array([0.0, 1.0])
    nxs, nz = ss.n_states, S.shape[0]
    A_aug = np.zeros((nxs + nz, nxs + nz))
    A_aug[:nxs, :nxs] = ss.A
    A_aug[:nxs, nxs:] = np.outer(b, e)
    A_aug[nxs:, nxs:] = S
    Phi = sla.expm(A_aug * h)
    X = np.empty((t.size, nxs + nz))
    X[0] = np.concatenate([np.zeros(nxs), z0])
    for k in range(1, t.size):
        X[k] = Phi @ X[k - 1]
    v = input_signal(kind, t, alpha)
    return X[:, :nxs] @ ss.C.T + v[:, None] * (ss.D @ u0)[None, :]


def network_time_response(params: GeneratorParams, lap: Any, u0: Any, kind: str, t: Any,
                          alpha: float = 1.0, *, method: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Nodal outputs ``y(t)`` of the power network (:func:`swing_turbine_statespace`) and
    the coherent response ``ybar(t)`` of ``gbar`` to ``1^T u / n``
    (:func:`harmonic_mean_statespace`), for ``u(t) = v(t) u0``.

    ``method="exact"`` uses :func:`exact_response`; ``"lsim"`` uses :func:`simulate`.

    Returns
    -------
    y : (T, n) nodal outputs; ybar : (T,) coherent output.
    """
    if method not in ("exact", "lsim"):
        raise ValueError(f"method must be 'exact' or 'lsim', got {method!r}")
    net = swing_turbine_statespace(params, lap)
    coh = harmonic_mean_statespace(params)
    u0 = as_array(u0, "u0", shape=(params.n,))
    if method == "exact":
        y = exact_response(net, kind, t, u0, alpha)
        yb = exact_response(coh, kind, t, u0, alpha)
    else:
        v = input_signal(kind, as_array(t, "t", ndim=1), alpha)
        U = v[:, None] * u0[None, :]
        y = simulate(net, U, t)
        yb = simulate(coh, U, t)
    return y, yb[:, 0]


def consensus_impulse_response(k: Any, lap: Any, t: Any) -> np.ndarray:
    """States of ``x' = -diag(k) L x`` from ``x(0) = k`` (the response of integrator nodes
    ``g_i = k_i/s`` to the impulse ``delta(t) 1``) at the times ``t``.

    Uses the symmetric similarity ``K^{1/2} L K^{1/2} = U Lambda U^T``:
    ``x(t) = K^{1/2} U e^{-Lambda t} U^T K^{-1/2} x(0)``. Returns ``(T, n)``.
    """
    k = as_array(k, "k", ndim=1)
    if np.any(k <= 0):
        raise ValueError("k must be positive")
    a = _as_laplacian(lap)
    if a.shape[0] != k.size:
        raise ValueError(f"k has {k.size} entries but lap is {a.shape[0]} x {a.shape[0]}")
    t = as_array(t, "t", ndim=1)
    if np.any(t < 0):
        raise ValueError("t must be non-negative")
    sk = np.sqrt(k)
    lam, U = sla.eigh(sk[:, None] * a * sk[None, :])
    lam = np.maximum(lam, 0.0)
    z0 = U.T @ (k / sk)
    Z = np.exp(-np.outer(t, lam)) * z0[None, :]
    return (Z @ U.T) * sk[None, :]


def centre_of_inertia(y: Any, m: Any) -> np.ndarray:
    """Centre-of-inertia output ``sum_i m_i y_i / sum_i m_i`` of ``(T, n)`` outputs."""
    y = as_array(y, "y", ndim=2)
    m = as_array(m, "m", ndim=1)
    if y.shape[1] != m.size:
        raise ValueError(f"y has {y.shape[1]} columns but m has {m.size} entries")
    if np.any(m <= 0):
        raise ValueError("m must be positive")
    return y @ m / m.sum()
