"""Structure-preserving reduction of network systems by spectral clustering.

Algorithm 1 of Min & Mallada (L4DC 2023) and its two-cluster predecessor (ACC 2023):

1. *cluster* the nodes from the bottom-``k`` eigenvectors of the Laplacian alone
   (:func:`kmeans_clusters` on the rows of ``[v_2, ..., v_k]``; :func:`sign_clusters` on
   ``v_2`` for two groups);
2. *aggregate* each group into one node, the harmonic sum of its members
   (:func:`aggregate_ginv`: the group sums of ``g_j^{-1}``);
3. *refine* the embedding: the block-constant orthonormal basis ``V̂_k = P S`` closest to
   ``V_k`` with first column ``1/sqrt(n)`` (problem (8)), solved here in ``R^n`` by
   orthogonal Procrustes on an orthonormal basis of the centred membership space
   (:func:`refine_procrustes`);
4. *couple* the aggregate nodes through ``L_k = S^{-T} Λ_k S^{-1}``, computed here as
   ``D_n S Λ_k S^T D_n`` (equal because ``S^T D_n S = I``), which for a block-ideal
   Laplacian is the quotient Laplacian ``P^T L P`` (:func:`quotient_laplacian`).

:func:`reduce_network` runs the four steps and returns a :class:`ReducedNetwork`;
:func:`reduced_statespace` realises the reduced network of swing + turbine generators
(``f = 1/s``) for time simulation with :mod:`numerics.network_systems`.

Graphs, block models, nodal transfer functions, full-network transfer matrices and time
simulation live in :mod:`numerics.network_systems`; this module adds only what the
reduction needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from theorems.validate import as_array, as_int, as_matrix, as_rng, as_symmetric

from .network_systems import GeneratorParams, StateSpace, laplacian_eigh

__all__ = [
    "canonical_labels",
    "spectral_embedding",
    "kmeans_clusters",
    "sign_clusters",
    "partition_ari",
    "partition_recovered",
    "membership",
    "subspace_angles",
    "align_signs",
    "refine_procrustes",
    "refined_laplacian",
    "quotient_laplacian",
    "aggregate_ginv",
    "ReducedNetwork",
    "reduce_network",
    "reduced_statespace",
]


# -- partitions --------------------------------------------------------------------------
def _labels(labels: Any, name: str = "labels", k: int | None = None) -> tuple[np.ndarray, int]:
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"{name} must be an integer array, got {type(labels).__name__}")
    a = np.asarray(labels)
    if a.dtype.kind == "b":
        a = a.astype(int)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    if a.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    kk = int(a.max()) + 1 if k is None else as_int(k, "k", low=1)
    if a.max() >= kk:
        raise ValueError(f"{name} must lie in [0, {kk}), got max {a.max()}")
    if np.any(np.bincount(a, minlength=kk) == 0):
        raise ValueError(f"{name}: every one of the {kk} clusters must be non-empty")
    return a.astype(int), kk


def canonical_labels(labels: Any) -> np.ndarray:
    """Relabel clusters ``0, 1, ...`` in order of first appearance (a label permutation
    that makes clusterings comparable and runs reproducible)."""
    a = np.asarray(labels)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {a.shape}")
    _, first = np.unique(a, return_index=True)
    order = a[np.sort(first)]
    remap = {v: i for i, v in enumerate(order.tolist())}
    return np.array([remap[v] for v in a.tolist()], dtype=int)


def membership(labels: Any, k: int | None = None) -> np.ndarray:
    """The ``n x k`` membership matrix ``P`` (``P_ij = 1`` iff node ``i`` is in group ``j``)."""
    a, kk = _labels(labels, "labels", k)
    return (a[:, None] == np.arange(kk)[None, :]).astype(float)


def partition_ari(labels: Any, truth: Any) -> float:
    """Adjusted Rand index between two partitions (1 iff equal up to a label permutation)."""
    a, b = np.asarray(labels), np.asarray(truth)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"labels and truth must be 1-D of equal length, got {a.shape} and {b.shape}")
    return float(adjusted_rand_score(b, a))


def partition_recovered(labels: Any, truth: Any) -> bool:
    """True iff the partitions agree up to a label permutation."""
    a, b = np.asarray(labels), np.asarray(truth)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"labels and truth must be 1-D of equal length, got {a.shape} and {b.shape}")
    # Exact comparison (ARI == 1 up to round-off): the contingency table is a permutation.
    pairs = np.unique(np.stack([a, b]), axis=1)
    return bool(pairs.shape[1] == np.unique(a).size == np.unique(b).size)


# -- spectral step -----------------------------------------------------------------------------
def spectral_embedding(lap: Any, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Bottom-``k`` eigenpairs of a Laplacian, ``v_1 = +1/sqrt(n)`` and ``λ_1 = 0``.

    Returns ``(lam_k, Vk, lam_next)`` with ``lam_next = λ_{k+1}`` (``inf`` when ``k = n``).
    """
    L = as_symmetric(lap, "lap")
    n = L.shape[0]
    k = as_int(k, "k", low=1, high=n)
    lam, V = laplacian_eigh(L)
    nxt = float(lam[k]) if k < n else float("inf")
    return lam[:k].copy(), V[:, :k].copy(), nxt


def kmeans_clusters(Vk: Any, k: int, seed: Any, *, n_init: int = 10) -> np.ndarray:
    """k-means (scikit-learn, ``n_init`` restarts) on the rows of ``[v_2, ..., v_k]``.

    The card's stand-in for the Bach-Jordan spectral clustering used in the paper (the
    algorithm allows any spectral clustering). Labels are in canonical order.
    """
    V = as_matrix(Vk, "Vk")
    k = as_int(k, "k", low=1, high=V.shape[0])
    n_init = as_int(n_init, "n_init", low=1)
    rng = as_rng(seed)
    if k == 1:
        return np.zeros(V.shape[0], dtype=int)
    if V.shape[1] < 2:
        raise ValueError("Vk must have at least 2 columns (v_1 and v_2) for k >= 2")
    X = V[:, 1:k]
    km = KMeans(n_clusters=k, n_init=n_init, random_state=int(rng.integers(2 ** 31 - 1)))
    return canonical_labels(km.fit_predict(X))


def sign_clusters(v: Any) -> np.ndarray:
    """Two groups from the sign of an eigenvector: ``{i: v_i >= 0}`` and the rest (ACC,
    Algorithm 2), in canonical order."""
    a = as_array(v, "v", ndim=1)
    return canonical_labels((a < 0).astype(int))


def subspace_angles(V: Any, W: Any) -> tuple[np.ndarray, float]:
    """Cosines of the principal angles between ``span V`` and ``span W`` (orthonormal
    columns; cosines clipped to ``[0, 1]``) and ``||sin Θ||_F = sqrt(k - Σ cos^2 θ_i)``.

    ``||sin Θ||_F`` is evaluated as ``||(I - W W^T) V||_F``, which equals
    ``sqrt(k - ||W^T V||_F^2)`` but keeps full relative accuracy for small angles (the
    square-root form loses half the digits, ~1e-8 absolute).
    """
    A = as_matrix(V, "V")
    B = as_matrix(W, "W")
    if A.shape != B.shape:
        raise ValueError(f"V and W must have the same shape, got {A.shape} and {B.shape}")
    c = np.clip(np.linalg.svd(A.T @ B, compute_uv=False), 0.0, 1.0)
    return c, float(np.linalg.norm(A - B @ (B.T @ A)))


def align_signs(V: Any, ref: Any) -> np.ndarray:
    """Flip columns of ``V`` so that each has a non-negative inner product with ``ref``
    (eigenvector signs are arbitrary; unaligned differences are O(1))."""
    A = as_matrix(V, "V")
    R = as_matrix(ref, "ref")
    if A.shape != R.shape:
        raise ValueError(f"V and ref must have the same shape, got {A.shape} and {R.shape}")
    s = np.sign(np.sum(A * R, axis=0))
    s[s == 0] = 1.0
    return A * s


# -- refinement and the reduced Laplacian -----------------------------------------------------
def refine_procrustes(Vk: Any, labels: Any, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Solve problem (8) of L4DC in ``R^n``: the block-constant orthonormal ``V̂ = [1/√n, Z]``
    closest to ``V_k`` in Frobenius norm.

    The columns of ``Z`` must be block-constant and orthogonal to ``1``: with ``E`` an
    orthonormal basis of the centred membership space ``(I - 11^T/n) span P`` (dimension
    ``k - 1``), ``Z = E O`` with ``O`` orthogonal, and ``O`` solves the orthogonal Procrustes
    problem ``min ||E O - [v_2..v_k]||_F`` (``scipy.linalg.orthogonal_procrustes``).
    Returns ``(S, Vk_hat)`` with ``S = D_n^{-1} P^T V̂`` (so ``V̂ = P S``).
    """
    lab, kk = _labels(labels, "labels", k)
    V = as_matrix(Vk, "Vk")
    n = lab.size
    if V.shape != (n, kk):
        raise ValueError(f"Vk must have shape ({n}, {kk}), got {V.shape}")
    P = membership(lab, kk)
    sizes = P.sum(axis=0)
    first = np.full((n, 1), 1.0 / np.sqrt(n))
    if kk == 1:
        Vh = first
    else:
        Pc = P - P.mean(axis=0, keepdims=True)  # centred indicators, rank k - 1
        E = sla.orth(Pc)
        if E.shape[1] != kk - 1:
            raise ValueError("labels: the centred membership space must have dimension k - 1")
        O, _ = sla.orthogonal_procrustes(E, V[:, 1:])
        Vh = np.hstack([first, E @ O])
    S = (P.T @ Vh) / sizes[:, None]
    return S, P @ S


def refined_laplacian(S: Any, lam_k: Any, sizes: Any) -> np.ndarray:
    """``L_k = D_n S Λ_k S^T D_n`` with ``λ_1 = 0`` exactly: equal to ``S^{-T} Λ_k S^{-1}``
    for any ``S`` with ``S^T D_n S = I`` (then ``S^{-1} = S^T D_n``), without a solve."""
    S_ = as_matrix(S, "S")
    lam = as_array(lam_k, "lam_k", ndim=1).copy()
    d = as_array(sizes, "sizes", ndim=1)
    k = lam.size
    if S_.shape != (k, k) or d.size != k:
        raise ValueError(f"S must be ({k}, {k}) and sizes of length {k}; got {S_.shape} and {d.size}")
    lam[0] = 0.0
    X = d[:, None] * S_
    Lk = (X * lam[None, :]) @ X.T
    return 0.5 * (Lk + Lk.T)


def quotient_laplacian(lap: Any, labels: Any, k: int | None = None) -> np.ndarray:
    """Quotient Laplacian ``P^T L P`` by block sums: entry ``(a, b)`` sums ``L_ij`` over
    ``i`` in group ``a`` and ``j`` in group ``b`` (off-diagonal: minus the total edge weight
    between the groups)."""
    L = as_symmetric(lap, "lap")
    lab, kk = _labels(labels, "labels", k)
    if lab.size != L.shape[0]:
        raise ValueError(f"labels must have length {L.shape[0]}, got {lab.size}")
    rows = np.zeros((kk, L.shape[1]))
    np.add.at(rows, lab, L)
    out = np.zeros((kk, kk))
    np.add.at(out.T, lab, rows.T)
    return 0.5 * (out + out.T)


def aggregate_ginv(ginv: Any, labels: Any, k: int | None = None) -> np.ndarray:
    """Group sums ``Σ_{j∈I_i} g_j^{-1}``: the inverse aggregate nodes ``ĝ_i^{-1}`` (harmonic
    sums), shape ``(..., k)`` for ``ginv`` of shape ``(..., n)``."""
    g = np.asarray(ginv, dtype=complex)
    if g.ndim < 1 or not np.all(np.isfinite(g)):
        raise ValueError("ginv must be a finite array with nodes on the last axis")
    lab, kk = _labels(labels, "labels", k)
    if g.shape[-1] != lab.size:
        raise ValueError(f"ginv must have {lab.size} nodes on its last axis, got {g.shape[-1]}")
    out = np.zeros(g.shape[:-1] + (kk,), dtype=complex)
    for a in range(kk):
        out[..., a] = g[..., lab == a].sum(axis=-1)
    return out


# -- Algorithm 1 -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReducedNetwork:
    """Output of Algorithm 1: the partition, the spectral data and the reduced Laplacian."""

    labels: np.ndarray
    lam_k: np.ndarray
    Vk: np.ndarray
    lam_next: float
    S: np.ndarray
    Lk: np.ndarray

    @property
    def k(self) -> int:
        return int(self.lam_k.size)

    @property
    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.k)

    @property
    def P(self) -> np.ndarray:
        return membership(self.labels, self.k)

    @property
    def Vk_hat(self) -> np.ndarray:
        """The refined (block-constant) embedding ``P S``."""
        return self.P @ self.S


def reduce_network(lap: Any, k: int, *, seed: Any = None, labels: Any = None, method: str = "kmeans",
                   n_init: int = 10) -> ReducedNetwork:
    """Algorithm 1 (L4DC): cluster, refine, reduce.

    Parameters
    ----------
    lap : (n, n) Laplacian
    k : number of groups
    seed : seed of the k-means restarts (required for ``method="kmeans"`` unless
        ``labels`` are given)
    labels : optional partition to use instead of clustering (e.g. the true blocks)
    method : ``"kmeans"`` (rows of ``[v_2..v_k]``) or ``"sign"`` (sign of ``v_2``, ``k = 2``)
    """
    lam_k, Vk, nxt = spectral_embedding(lap, k)
    if labels is None:
        if method == "kmeans":
            if seed is None:
                raise ValueError("seed must be given explicitly for k-means clustering")
            lab = kmeans_clusters(Vk, k, seed, n_init=n_init)
        elif method == "sign":
            if k != 2:
                raise ValueError(f"method='sign' needs k = 2, got k = {k}")
            lab = sign_clusters(Vk[:, 1])
        else:
            raise ValueError(f"method must be 'kmeans' or 'sign', got {method!r}")
    else:
        lab, _ = _labels(labels, "labels", k)
        if lab.size != Vk.shape[0]:
            raise ValueError(f"labels must have length {Vk.shape[0]}, got {lab.size}")
    if np.unique(lab).size != k:
        raise ValueError(f"the clustering returned {np.unique(lab).size} non-empty groups, expected {k}")
    S, _ = refine_procrustes(Vk, lab, k)
    Lk = refined_laplacian(S, lam_k, np.bincount(lab, minlength=k))
    return ReducedNetwork(lab, lam_k, Vk, nxt, S, Lk)


def reduced_statespace(params: GeneratorParams, labels: Any, Lk: Any) -> StateSpace:
    """DERIVED realisation of the reduced network of swing + turbine generators, ``f = 1/s``.

    States ``θ̂ ∈ R^k``, ``ω̂ ∈ R^k`` and the ``n`` turbine states ``q``:

        θ̂' = ω̂
        M_i ω̂_i' = (P^T u)_i - (L_k θ̂)_i - D_i ω̂_i - Σ_{j∈I_i} q_j
        τ_j q_j'  = -q_j + r_j^{-1} ω̂_(j)

    with ``M_i = Σ_{j∈I_i} m_j``, ``D_i = Σ_{j∈I_i} d_j``; input ``u ∈ R^n``, output
    ``P ω̂ ∈ R^n``. Its transfer matrix is ``P (s Ĝ^{-1} + L_k)^{-1} s P^T`` because
    ``ĝ_i^{-1}(s) = M_i s + D_i + Σ_{j∈I_i} r_j^{-1} / (τ_j s + 1)``.
    """
    if not isinstance(params, GeneratorParams):
        raise TypeError(f"params must be GeneratorParams, got {type(params).__name__}")
    lab, k = _labels(labels, "labels")
    n = params.n
    if lab.size != n:
        raise ValueError(f"labels must have length {n}, got {lab.size}")
    L = as_symmetric(Lk, "Lk")
    if L.shape != (k, k):
        raise ValueError(f"Lk must be {k} x {k}, got {L.shape}")
    P = membership(lab, k)
    Mi = P.T @ params.m
    Di = P.T @ params.d
    A = np.zeros((2 * k + n, 2 * k + n))
    A[:k, k:2 * k] = np.eye(k)
    A[k:2 * k, :k] = -L / Mi[:, None]
    A[k:2 * k, k:2 * k] = -np.diag(Di / Mi)
    A[k:2 * k, 2 * k:] = -P.T / Mi[:, None]
    A[2 * k:, k:2 * k] = (params.rinv / params.tau)[:, None] * P
    A[2 * k:, 2 * k:] = -np.diag(1.0 / params.tau)
    B = np.zeros((2 * k + n, n))
    B[k:2 * k, :] = P.T / Mi[:, None]
    C = np.zeros((n, 2 * k + n))
    C[:, k:2 * k] = P
    return StateSpace(A, B, C, np.zeros((n, n)))
