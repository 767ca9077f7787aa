"""Sparse coding over a concept dictionary: the decomposition and the concept transplant
of Concept Lancet (Luo et al., CVPR 2025, §3.2, eqs. (3)-(4), Algorithm 1).

The objective (SPAMS ``mode=2`` convention, the one the public code solves)
-----------------------------------------------------------------------------
For a latent ``y`` (length ``n``) and a dictionary ``X`` (``n x N``, atoms as columns)::

    F(c) = 1/2 ||y - X c||_2^2 + l1 ||c||_1 + 1/2 l2 ||c||_2^2              (SPAMS)

The paper's eq. (3), ``||v - D w||^2 + lam ||w||_1`` (no 1/2, no l2), is the same problem
with ``l1 = lam / 2`` and ``l2 = 0``. The official parameters are ``l1 = tau * alpha`` and
``l2 = (1 - tau) * alpha`` (defaults ``tau = 0.95``, ``alpha = 0.05``: ``l1 = 0.0475``,
``l2 = 0.0025``).

scikit-learn's :class:`sklearn.linear_model.ElasticNet` minimises instead::

    G(c) = 1/(2 n) ||y - X c||_2^2 + a * r ||c||_1 + 1/2 a (1 - r) ||c||_2^2   (sklearn)

with ``n`` the number of ROWS of ``X`` (samples). ``n G = F`` exactly when::

    a = (l1 + l2) / n,   r = l1 / (l1 + l2),   fit_intercept = False

(:func:`spams_to_sklearn`). Forgetting ``1/n`` multiplies both penalties by ``n``; keeping
the default ``fit_intercept=True`` centres ``y`` and the atoms: both solve another problem.

Optimality (KKT / subgradient) conditions of ``F``, componentwise with ``g = X^T (y - X c)
- l2 c``: ``g_i = l1 sign(c_i)`` where ``c_i != 0`` and ``|g_i| <= l1`` where ``c_i = 0``.
In the sklearn scaling the same conditions read ``g_i / n = a r sign(c_i)`` resp.
``|g_i| / n <= a r``. :func:`kkt_residual` returns the violation of these conditions.

The official decomposition (``decompose`` of the public code) and its port here
------------------------------------------------------------------------------------
1. stack the rows ``[v; d_1; ...; d_N]`` into ``Z`` (``(N+1) x dim``);
2. isometric embedding: replace ``Z`` by the rows of ``U S`` from the thin SVD
   ``Z = U S V^T`` (:func:`svd_embed`), which keeps every inner product;
3. if ``normalize``, divide every row (target included) by its norm;
4. zero the target's own row (it stays as an all-zero column with coefficient 0);
5. solve ``F`` with ``l1``, ``l2``; 6. if ``normalize``, scale back
   ``w_i <- c_i ||v|| / ||d_i||`` and drop the target's coefficient.

With ``normalize=True`` this solves, in the original units, the *weighted* elastic net::

    1/2 ||v - D w||^2 / ||v||^2 + l1 sum_i ||d_i|| / ||v|| |w_i|
        + 1/2 l2 sum_i ||d_i||^2 / ||v||^2 w_i^2

Everything here runs in float64 (the public code's embedding runs in float32 with a
randomised SVD; ``svd_embed(..., backend="torch")`` reproduces that, lazily importing torch).

Also here: synthetic concept dictionaries with controlled coherence (seeded), the transplant
operations replace / remove / add computed as ``D' w + r`` (Algorithm 1), the sparse-recovery,
adaptive-strength and dictionary-size experiments, and the offline stand-ins of the card
(a token-additive "sequence" text encoder, a small Word2Vec sentence encoder trained on gensim's
bundled Lee news corpus, and an affine linear-Gaussian score model).
"""
from __future__ import annotations

import hashlib
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from numerics._optional import require
from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "DEFAULT_L1",
    "DEFAULT_L2",
    "tau_alpha",
    "spams_to_sklearn",
    "svd_embed",
    "gram_preserved",
    "enet_objective",
    "kkt_residual",
    "solve_enet",
    "sklearn_enet",
    "enet_cd",
    "Decomposition",
    "decompose",
    "decompose_path",
    "replace",
    "remove",
    "add",
    "random_dictionary",
    "orthonormal_dictionary",
    "coherent_pair",
    "mutual_coherence",
    "sparse_signal",
    "support_recovery_trials",
    "adaptive_strength_samples",
    "nested_dictionary_fits",
    "SequenceEncoder",
    "Word2VecEncoder",
    "lee_corpus",
    "affine_score",
]

#: the official defaults: tau = 0.95, alpha = 0.05
DEFAULT_L1 = 0.0475
DEFAULT_L2 = 0.0025


# -- parameters -------------------------------------------------------------------------
def _penalties(l1: Any, l2: Any) -> tuple[float, float]:
    return as_scalar(l1, "l1", low=0.0), as_scalar(l2, "l2", low=0.0)


def tau_alpha(tau: float, alpha: float) -> tuple[float, float]:
    """The official parametrisation: ``(l1, l2) = (tau * alpha, (1 - tau) * alpha)``."""
    tau = as_scalar(tau, "tau", low=0.0, high=1.0)
    alpha = as_scalar(alpha, "alpha", low=0.0)
    return tau * alpha, (1.0 - tau) * alpha


def spams_to_sklearn(l1: float, l2: float, n: int) -> dict[str, float]:
    """scikit-learn ``ElasticNet`` parameters that solve the SPAMS objective ``F``.

    ``alpha = (l1 + l2) / n`` and ``l1_ratio = l1 / (l1 + l2)``, with ``n`` the number of
    rows (samples) of the design matrix; use with ``fit_intercept=False``. Requires
    ``l1 > 0`` (sklearn's ``l1_ratio = 0`` is a ridge it does not solve reliably).
    """
    l1, l2 = _penalties(l1, l2)
    n = as_int(n, "n", low=1)
    if l1 <= 0:
        raise ValueError("l1 must be > 0 for the scikit-learn mapping (use a ridge solve for l1 = 0)")
    return {"alpha": (l1 + l2) / n, "l1_ratio": l1 / (l1 + l2)}


# -- the isometric embedding -------------------------------------------------------------
def svd_embed(Z: Any, method: str = "all", param: int | None = None, *, backend: str = "numpy") -> np.ndarray:
    """Rows of ``U S`` from the thin SVD ``Z = U S V^T`` (step 2 of the official code).

    Parameters
    ----------
    Z : (m, dim) rows to embed (the target and the atoms).
    method : ``"all"`` keeps every singular value (an isometry: ``E E^T = Z Z^T``);
        ``"top_d"`` keeps the ``param`` largest (not an isometry when a dropped singular
        value is nonzero; the negative control of ``embedding_invariance``).
    backend : ``"numpy"`` (float64, deterministic) or ``"torch"`` (float32
        ``torch.svd_lowrank`` with ``q = min(m, dim)``, as in the public code; torch is
        imported only here).

    Returns
    -------
    (m, k) array, ``k = min(m, dim)`` (or ``param``).
    """
    Z = as_array(Z, "Z", ndim=2)
    if method not in ("all", "top_d"):
        raise ValueError(f"method must be 'all' or 'top_d', got {method!r}")
    q = min(Z.shape)
    if method == "top_d":
        param = as_int(param, "param", low=1, high=q)
    if backend == "numpy":
        U, S, _ = np.linalg.svd(Z, full_matrices=False)
    elif backend == "torch":
        import torch  # optional extra: only this branch needs it

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # svd_lowrank draws a random test matrix
            # Z = U S V^T ; the public code factors Z^T, whose right factor is our U.
            _, S_t, V_t = torch.svd_lowrank(torch.as_tensor(Z.T, dtype=torch.float32), q=q)
        U, S = V_t.numpy().astype(float), S_t.numpy().astype(float)
    else:
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    k = q if method == "all" else param
    return U[:, :k] * S[:k]


def gram_preserved(X: Any, Y: Any, rtol: float = 1e-10) -> bool:
    """Whether the rows of ``X`` and ``Y`` have the same Gram matrix (relative to its max)."""
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows, got {X.shape[0]} and {Y.shape[0]}")
    GX, GY = X @ X.T, Y @ Y.T
    return bool(np.max(np.abs(GX - GY)) <= rtol * max(float(np.max(np.abs(GX))), np.finfo(float).tiny))


# -- objective and optimality -------------------------------------------------------------
def _vD(v: Any, D: Any) -> tuple[np.ndarray, np.ndarray]:
    v = as_array(v, "v", ndim=1)
    D = as_array(D, "D", ndim=2)
    if D.shape[0] != v.size:
        raise ValueError(f"D must have {v.size} rows (the length of v), got shape {D.shape}")
    return v, D


def _weights(v: np.ndarray, D: np.ndarray, normalize: bool) -> tuple[float, np.ndarray]:
    """``(||v||, ||d_i|| / ||v||)`` for the normalised problem, ``(1, 1)`` otherwise."""
    if not normalize:
        return 1.0, np.ones(D.shape[1])
    nv = float(np.linalg.norm(v))
    nd = np.linalg.norm(D, axis=0)
    if nv == 0:
        raise ValueError("v must be nonzero when normalize=True")
    if np.any(nd == 0):
        raise ValueError(f"D has zero columns {np.flatnonzero(nd == 0).tolist()}: not allowed when normalize=True")
    return nv, nd / nv


def enet_objective(v: Any, D: Any, w: Any, l1: float, l2: float, normalize: bool = False) -> float:
    """The SPAMS objective ``F`` in the original units (weighted when ``normalize``)."""
    v, D = _vD(v, D)
    w = as_array(w, "w", shape=(D.shape[1],))
    l1, l2 = _penalties(l1, l2)
    nv, s = _weights(v, D, normalize)
    u = s * w  # the coefficients in normalised coordinates
    r = (v - D @ w) / nv
    return float(0.5 * r @ r + l1 * np.sum(np.abs(u)) + 0.5 * l2 * u @ u)


def kkt_residual(v: Any, D: Any, w: Any, l1: float, l2: float, normalize: bool = False,
                 convention: str = "spams") -> np.ndarray:
    """Violation of the optimality conditions of ``F`` at ``w``, one entry per atom.

    ``g = X^T (y - X c) - l2 c`` in the coordinates the solver sees (normalised ones when
    ``normalize``); the violation is ``|g_i - l1 sign(c_i)|`` on the support and
    ``max(|g_i| - l1, 0)`` off it. ``convention="sklearn"`` divides by the number of rows
    ``n = len(v)`` (the conditions of sklearn's ``G``; only the scale changes).
    """
    v, D = _vD(v, D)
    w = as_array(w, "w", shape=(D.shape[1],))
    l1, l2 = _penalties(l1, l2)
    nv, s = _weights(v, D, normalize)
    u = s * w
    Xn = D / (nv * s)            # unit atoms (normalize) or D itself
    y = v / nv
    g = Xn.T @ (y - Xn @ u) - l2 * u
    viol = np.where(u != 0, np.abs(g - l1 * np.sign(u)), np.maximum(np.abs(g) - l1, 0.0))
    if convention == "sklearn":
        return viol / v.size
    if convention != "spams":
        raise ValueError(f"convention must be 'spams' or 'sklearn', got {convention!r}")
    return viol


# -- solvers ------------------------------------------------------------------------------
def sklearn_enet(y: Any, X: Any, l1: float, l2: float, *, tol: float = 1e-12, max_iter: int = 10**6,
                 fit_intercept: bool = False, alpha_scale: float = 1.0) -> tuple[np.ndarray, dict[str, Any]]:
    """scikit-learn ``ElasticNet`` on the SPAMS objective ``F`` via :func:`spams_to_sklearn`.

    ``fit_intercept`` and ``alpha_scale`` exist to reproduce the two classic mistakes
    (keeping sklearn's intercept; ``alpha_scale = n`` drops the ``1/n``): both then solve
    a different problem. A fit that does not converge raises ``ConvergenceWarning`` as an
    error. Returns ``(coef, info)``.
    """
    y = as_array(y, "y", ndim=1)
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != y.size:
        raise ValueError(f"X must have {y.size} rows, got shape {X.shape}")
    l1, l2 = _penalties(l1, l2)
    alpha_scale = as_scalar(alpha_scale, "alpha_scale", low=0.0, low_open=True)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet

    p = spams_to_sklearn(l1, l2, X.shape[0])
    model = ElasticNet(alpha=p["alpha"] * alpha_scale, l1_ratio=p["l1_ratio"], fit_intercept=fit_intercept,
                       tol=tol, max_iter=max_iter, selection="cyclic")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    return model.coef_.astype(float), {"n_iter": int(model.n_iter_), "dual_gap": float(model.dual_gap_),
                                       "sklearn": {**p, "alpha": p["alpha"] * alpha_scale,
                                                   "fit_intercept": fit_intercept}}


def _ridge(y: np.ndarray, X: np.ndarray, l2: float) -> np.ndarray:
    """``argmin 1/2||y - Xc||^2 + 1/2 l2 ||c||^2`` (minimum-norm least squares at l2 = 0)."""
    if l2 == 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    A = np.vstack([X, np.sqrt(l2) * np.eye(X.shape[1])])
    return np.linalg.lstsq(A, np.concatenate([y, np.zeros(X.shape[1])]), rcond=None)[0]


def enet_cd(y: Any, X: Any, l1: float, l2: float, *, tol: float = 1e-13, max_sweeps: int = 100_000) -> np.ndarray:
    """Cyclic coordinate descent on the SPAMS objective ``F`` (numpy, deterministic).

    Each sweep updates ``c_i <- soft(x_i^T r + ||x_i||^2 c_i, l1) / (||x_i||^2 + l2)`` in
    index order; stops when the KKT violation (:func:`kkt_residual` in the solver's
    coordinates) is below ``tol``. All-zero columns keep coefficient 0.
    """
    y = as_array(y, "y", ndim=1)
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != y.size:
        raise ValueError(f"X must have {y.size} rows, got shape {X.shape}")
    l1, l2 = _penalties(l1, l2)
    as_scalar(tol, "tol", low=0.0, low_open=True)
    G = X.T @ X
    b = X.T @ y
    diag = np.diag(G).copy()
    c = np.zeros(X.shape[1])
    active = np.flatnonzero(diag + l2 > 0)
    for _ in range(as_int(max_sweeps, "max_sweeps", low=1)):
        for i in active:
            rho = b[i] - G[i] @ c + diag[i] * c[i]
            c[i] = np.sign(rho) * max(abs(rho) - l1, 0.0) / (diag[i] + l2)
        g = b - G @ c - l2 * c
        viol = np.where(c != 0, np.abs(g - l1 * np.sign(c)), np.maximum(np.abs(g) - l1, 0.0))
        if viol.max(initial=0.0) <= tol:
            return c
    raise RuntimeError(f"enet_cd did not reach KKT violation {tol:g} in {max_sweeps} sweeps "
                       f"(last {viol.max():.3g})")


def solve_enet(y: Any, X: Any, l1: float, l2: float, *, solver: str = "sklearn", tol: float = 1e-12,
               max_iter: int = 10**6) -> tuple[np.ndarray, dict[str, Any]]:
    """``argmin_c 1/2||y - Xc||^2 + l1||c||_1 + 1/2 l2||c||^2`` (the SPAMS objective ``F``).

    ``solver="sklearn"`` calls ``ElasticNet`` with the mapping of :func:`spams_to_sklearn`
    (``fit_intercept=False``, cyclic selection, ``tol`` on the duality gap, a
    non-converged fit raises); ``"cd"`` uses :func:`enet_cd`. ``l1 = 0`` is a ridge
    (least squares at ``l2 = 0``) solved directly. Returns ``(c, info)``.
    """
    y = as_array(y, "y", ndim=1)
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != y.size:
        raise ValueError(f"X must have {y.size} rows, got shape {X.shape}")
    l1, l2 = _penalties(l1, l2)
    if l1 == 0:
        return _ridge(y, X, l2), {"solver": "ridge"}
    if solver == "sklearn":
        c, info = sklearn_enet(y, X, l1, l2, tol=tol, max_iter=max_iter)
        return c, {"solver": "sklearn", **info}
    if solver == "cd":
        return enet_cd(y, X, l1, l2, tol=max(tol, 1e-13)), {"solver": "cd"}
    raise ValueError(f"solver must be 'sklearn' or 'cd', got {solver!r}")


@dataclass(frozen=True)
class Decomposition:
    """Result of :func:`decompose`: coefficients ``w`` (original units), residual
    ``r = v - D w``, the SPAMS objective value and the solver's diagnostics."""

    w: np.ndarray
    residual: np.ndarray
    objective: float
    kkt: float
    info: dict[str, Any]


def _design(v: np.ndarray, D: np.ndarray, normalize: bool, embed: bool | str,
            backend: str, top_d: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1-4 of the official code: ``(y, X, norms)``; X's column 0 is the zeroed target."""
    Z = np.vstack([v[None, :], D.T])
    if normalize:  # checked before the embedding, which turns an exact zero into round-off
        if not np.any(v):
            raise ValueError("v must be nonzero when normalize=True")
        zero = np.flatnonzero(~np.any(D, axis=0))
        if zero.size:
            raise ValueError(f"atoms {zero.tolist()} are zero: not allowed when normalize=True")
    if embed:
        Z = svd_embed(Z, "all" if top_d is None else "top_d", top_d, backend=backend)
    norms = np.linalg.norm(Z, axis=1)
    if normalize:
        Z = Z / norms[:, None]
    y = Z[0].copy()
    Z[0] = 0.0  # the target stays in the dictionary as an all-zero column (coefficient 0)
    return y, Z.T, norms


def decompose(v: Any, D: Any, l1: float = DEFAULT_L1, l2: float = DEFAULT_L2, *, normalize: bool = True,
              embed: bool = True, solver: str = "sklearn", tol: float = 1e-12, backend: str = "numpy",
              top_d: int | None = None, return_info: bool = False) -> np.ndarray | Decomposition:
    """The concept decomposition ``v = D w + r`` (eqs. (3)-(4)), a float64 port of the
    official algorithm (steps 1-6 in the module docstring).

    Parameters
    ----------
    v : (d,) source latent, flattened.
    D : (d, N) concept dictionary, atoms as columns.
    l1, l2 : SPAMS penalties (``tau_alpha(0.95, 0.05)`` by default).
    normalize : solve in normalised coordinates and scale back (the official default).
    embed : apply the isometric SVD embedding first (changes nothing in exact arithmetic).
    solver : ``"sklearn"`` (ElasticNet) or ``"cd"`` (numpy coordinate descent).
    backend, top_d : see :func:`svd_embed` (``top_d`` truncates the embedding).
    return_info : return a :class:`Decomposition` instead of ``w``.
    """
    v, D = _vD(v, D)
    l1, l2 = _penalties(l1, l2)
    y, X, norms = _design(v, D, bool(normalize), embed, backend, top_d)
    c, info = solve_enet(y, X, l1, l2, solver=solver, tol=tol)
    c = c[1:]
    w = c * norms[0] / norms[1:] if normalize else c
    if not return_info:
        return w
    r = v - D @ w
    return Decomposition(w=w, residual=r, objective=enet_objective(v, D, w, l1, l2, normalize),
                         kkt=float(kkt_residual(v, D, w, l1, l2, normalize).max(initial=0.0)),
                         info={**info, "n_rows": int(X.shape[0]), "embed": bool(embed), "normalize": bool(normalize)})


def decompose_path(v: Any, D: Any, alphas: Any, tau: float = 0.95, *, normalize: bool = True,
                   embed: bool = True, tol: float = 1e-12) -> np.ndarray:
    """Coefficients along the official ``alpha`` at fixed ``tau`` via ``sklearn.enet_path``.

    ``l1 = tau alpha``, ``l2 = (1 - tau) alpha``; sklearn's path parameter is
    ``alpha / n`` with ``l1_ratio = tau`` (:func:`spams_to_sklearn`). Returns
    ``(len(alphas), N)`` coefficients in the original units, rows in the order of ``alphas``.
    """
    from sklearn.linear_model import enet_path

    v, D = _vD(v, D)
    alphas = as_array(alphas, "alphas", ndim=1)
    if np.any(alphas <= 0):
        raise ValueError("alphas must be positive")
    tau = as_scalar(tau, "tau", low=0.0, high=1.0, low_open=True)
    y, X, norms = _design(v, D, bool(normalize), embed, "numpy", None)
    order = np.argsort(alphas)[::-1]  # enet_path expects decreasing alphas
    _, coefs, _ = enet_path(X, y, l1_ratio=tau, alphas=alphas[order] / X.shape[0], tol=tol, max_iter=10**6)
    c = np.empty((alphas.size, X.shape[1]))
    c[order] = coefs.T
    c = c[:, 1:]
    return c * norms[0] / norms[1:] if normalize else c


# -- transplant (Algorithm 1) -----------------------------------------------------------------
def _transplant(v: Any, D: Any, w: Any, idx: Any, d_new: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    v, D = _vD(v, D)
    w = as_array(w, "w", shape=(D.shape[1],))
    i = as_int(idx, name, low=0, high=D.shape[1] - 1)
    d_new = as_array(d_new, "d_tgt", shape=(v.size,))
    r = v - D @ w                     # eq. (4): the residual of the source decomposition
    D_new = D.copy()
    D_new[:, i] = d_new               # D' = D with the source column swapped
    return D_new @ w + r, D_new       # v' = D' w* + r


def replace(v: Any, D: Any, w: Any, src: int, d_tgt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Replace: ``v' = D' w + r`` with ``D'`` = ``D`` whose column ``src`` is ``d_tgt``.

    Returns ``(v', D')``. The coefficients ``w`` and the residual ``r = v - D w`` are
    carried over unchanged (Algorithm 1).
    """
    return _transplant(v, D, w, src, d_tgt, "src")


def remove(v: Any, D: Any, w: Any, src: int, d_null: Any) -> tuple[np.ndarray, np.ndarray]:
    """Remove: replace the source concept by the null concept ``d_null`` (the embedding
    of the empty string)."""
    return _transplant(v, D, w, src, d_null, "src")


def add(v: Any, D: Any, w: Any, counterpart: int, d_tgt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Add: the paper defines it as a replace of a VLM-proposed *counterpart* concept
    (e.g. [new] for adding [rusty]); the counterpart's column index must be given."""
    return _transplant(v, D, w, counterpart, d_tgt, "counterpart")


# -- synthetic dictionaries -------------------------------------------------------------------
def random_dictionary(d: int, N: int, seed: Any, *, coherence: float = 0.0) -> np.ndarray:
    """``N`` unit-norm atoms in ``R^d`` (columns), seeded.

    ``coherence = rho`` mixes a shared direction into every atom,
    ``d_i ~ sqrt(1 - rho) g_i + sqrt(rho) g_0`` (Gaussian ``g``, then normalised), so the
    pairwise cosines concentrate at ``rho`` for large ``d``; ``rho = 0`` gives a Gaussian
    dictionary whose mutual coherence is ``~ sqrt(4 log N / d)`` (0.2 at ``d = 512``, ``N = 30``).
    """
    d = as_int(d, "d", low=1)
    N = as_int(N, "N", low=1)
    rho = as_scalar(coherence, "coherence", low=0.0, high=1.0, high_open=True)
    rng = as_rng(seed)
    G = rng.standard_normal((d, N)) / np.sqrt(d)
    if rho > 0:
        g0 = rng.standard_normal(d) / np.sqrt(d)
        G = np.sqrt(1 - rho) * G + np.sqrt(rho) * g0[:, None]
    return G / np.linalg.norm(G, axis=0)


def orthonormal_dictionary(d: int, N: int, seed: Any, *, norms: Any = None) -> np.ndarray:
    """``N <= d`` mutually orthogonal atoms (QR of a Gaussian matrix), unit norm or with
    the given ``norms``."""
    d = as_int(d, "d", low=1)
    N = as_int(N, "N", low=1, high=d)
    Q, R = np.linalg.qr(as_rng(seed).standard_normal((d, N)))
    Q = Q * np.sign(np.diag(R))  # a unique, seed-determined sign
    if norms is None:
        return Q
    nrm = as_array(norms, "norms", shape=(N,))
    if np.any(nrm <= 0):
        raise ValueError("norms must be positive")
    return Q * nrm


def coherent_pair(D: Any, i: int, j: int, cos: float, seed: Any) -> np.ndarray:
    """A copy of ``D`` whose atom ``j`` is replaced by a unit atom at cosine ``cos`` with
    atom ``i`` (the rest of its direction random): a near-duplicate concept ("bird" / "birds")."""
    D = as_array(D, "D", ndim=2).copy()
    N = D.shape[1]
    i = as_int(i, "i", low=0, high=N - 1)
    j = as_int(j, "j", low=0, high=N - 1)
    if i == j:
        raise ValueError("i and j must differ")
    c = as_scalar(cos, "cos", low=-1.0, high=1.0)
    a = D[:, i] / np.linalg.norm(D[:, i])
    g = as_rng(seed).standard_normal(D.shape[0])
    g -= (g @ a) * a
    g /= np.linalg.norm(g)
    D[:, j] = c * a + np.sqrt(1 - c * c) * g
    return D


def mutual_coherence(D: Any) -> float:
    """``max_{i != j} |<d_i, d_j>| / (||d_i|| ||d_j||)``."""
    D = as_array(D, "D", ndim=2)
    if D.shape[1] < 2:
        return 0.0
    U = D / np.linalg.norm(D, axis=0)
    G = np.abs(U.T @ U)
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def _noise(rng: np.random.Generator, d: int, sigma: float, noise: str) -> np.ndarray:
    """``sigma xi``: ``noise="unit"`` draws ``xi ~ N(0, I/d)`` (``E||xi||^2 = 1``: sigma is
    the noise norm relative to a unit atom); ``"entry"`` draws ``xi ~ N(0, I)`` (noise norm
    ``sigma sqrt(d)``, correlation with a unit atom ``~ sigma``)."""
    if noise == "unit":
        return sigma * rng.standard_normal(d) / np.sqrt(d)
    if noise == "entry":
        return sigma * rng.standard_normal(d)
    raise ValueError(f"noise must be 'unit' or 'entry', got {noise!r}")


def sparse_signal(D: Any, k: int, seed: Any, *, amp: tuple[float, float] = (0.3, 1.5), sigma: float = 0.0,
                  support: Sequence[int] | None = None, noise: str = "unit") -> tuple[np.ndarray, np.ndarray]:
    """``v = D w0 + sigma xi`` with a ``k``-sparse ``w0`` (random signs, ``|w0_i| ~ U(amp)``)
    and noise ``sigma xi`` as in :func:`_noise` (``noise="unit"`` by default). Returns
    ``(v, w0)``."""
    D = as_array(D, "D", ndim=2)
    N = D.shape[1]
    k = as_int(k, "k", low=0, high=N)
    sigma = as_scalar(sigma, "sigma", low=0.0)
    lo, hi = (as_scalar(a, "amp", low=0.0) for a in amp)
    rng = as_rng(seed)
    S = rng.choice(N, size=k, replace=False) if support is None else np.asarray(support, dtype=int)
    if S.size != k:
        raise ValueError(f"support must have k = {k} entries, got {S.size}")
    w0 = np.zeros(N)
    w0[S] = rng.uniform(lo, hi, size=S.size) * rng.choice([-1.0, 1.0], size=S.size)
    return D @ w0 + _noise(rng, D.shape[0], sigma, noise), w0


# -- experiments -------------------------------------------------------------------------------
def support_recovery_trials(n_trials: int, seed: Any, *, d: int = 512, N: int = 30, k: tuple[int, int] = (3, 5),
                            l1: float = DEFAULT_L1, l2: float = DEFAULT_L2, sigma: float = 0.01,
                            coherent_cos: float | None = None, amp: tuple[float, float] = (0.3, 1.5),
                            normalize: bool = True, noise: str = "unit") -> dict[str, np.ndarray]:
    """Monte-Carlo support recovery on fresh random unit dictionaries.

    Each trial draws a dictionary (:func:`random_dictionary`), a sparsity in ``k``
    (inclusive) and ``v`` (:func:`sparse_signal`); atom 0 is always active (the "source").
    With ``coherent_cos`` atom 1 is made a near-duplicate of atom 0 (:func:`coherent_pair`).
    Returns per-trial arrays: ``exact`` (support recovered exactly), ``src_err``
    (``|w_0 - w0_0|``), ``bias_bound`` (``l1 ||v|| / ||d_0||``), ``coherence``, ``k``.
    """
    n_trials = as_int(n_trials, "n_trials", low=1)
    k_lo, k_hi = (as_int(x, "k", low=1, high=N) for x in k)
    rng = as_rng(seed)
    out: dict[str, list] = {key: [] for key in ("exact", "src_err", "bias_bound", "coherence", "k")}
    for _ in range(n_trials):
        D = random_dictionary(d, N, rng)
        if coherent_cos is not None:
            D = coherent_pair(D, 0, 1, coherent_cos, rng)
        kk = int(rng.integers(k_lo, k_hi + 1))
        others = rng.choice(np.arange(2 if coherent_cos is not None else 1, N), size=kk - 1, replace=False)
        v, w0 = sparse_signal(D, kk, rng, amp=amp, sigma=sigma, support=np.concatenate([[0], others]), noise=noise)
        w = decompose(v, D, l1, l2, normalize=normalize)
        out["exact"].append(bool(np.array_equal(w != 0, w0 != 0)))
        out["src_err"].append(abs(w[0] - w0[0]))
        out["bias_bound"].append(l1 * np.linalg.norm(v) / np.linalg.norm(D[:, 0]))
        out["coherence"].append(mutual_coherence(D))
        out["k"].append(kk)
    return {key: np.asarray(val) for key, val in out.items()}


def adaptive_strength_samples(n: int, seed: Any, *, d: int = 256, N: int = 20, sigma: float = 0.01,
                              presence: tuple[float, float] = (0.3, 1.5), k_other: int = 3,
                              l1: float = DEFAULT_L1, l2: float = DEFAULT_L2,
                              normalize: bool = True, noise: str = "unit") -> dict[str, Any]:
    """Samples ``v_i = c_i d_src + sum_{j in S_i} b_ij d_j + sigma xi`` over one orthonormal
    dictionary (atom 0 is the source, ``c_i ~ U(presence)``), a target atom orthogonal to
    all of ``D``, and the CoLan replace of every sample. Returns the dictionary, the latents,
    the solved strengths ``w_src`` and the edited latents ``v_edit`` (rows)."""
    n = as_int(n, "n", low=1)
    N = as_int(N, "N", low=2, high=d - 1)
    rng = as_rng(seed)
    Q = orthonormal_dictionary(d, N + 1, rng)
    D, d_tgt = Q[:, :N], Q[:, N]
    c = rng.uniform(*presence, size=n)
    V = np.empty((n, d))
    W = np.empty((n, N))
    V_edit = np.empty((n, d))
    for i in range(n):
        b = np.zeros(N)
        S = rng.choice(np.arange(1, N), size=k_other, replace=False)
        b[S] = rng.uniform(*presence, size=k_other) * rng.choice([-1.0, 1.0], size=k_other)
        b[0] = c[i]
        V[i] = D @ b + _noise(rng, d, sigma, noise)
        W[i] = decompose(V[i], D, l1, l2, normalize=normalize)
        V_edit[i] = replace(V[i], D, W[i], 0, d_tgt)[0]
    return {"D": D, "d_tgt": d_tgt, "presence": c, "V": V, "W": W, "w_src": W[:, 0], "V_edit": V_edit}


def nested_dictionary_fits(v: Any, D: Any, sizes: Sequence[int], l1: float = DEFAULT_L1, l2: float = DEFAULT_L2,
                           *, normalize: bool = True) -> dict[str, np.ndarray]:
    """Decompose ``v`` on the nested dictionaries ``D[:, :N]`` for each ``N`` in ``sizes``.

    Returns the optimal objective (:func:`enet_objective`), the elastic-net residual norm
    ``||v - D_N w_N||`` and the least-squares residual norm, one entry per size.
    """
    v, D = _vD(v, D)
    sizes = [as_int(s, "sizes", low=1, high=D.shape[1]) for s in sizes]
    obj, res, ls = [], [], []
    for N in sizes:
        Dn = D[:, :N]
        dec = decompose(v, Dn, l1, l2, normalize=normalize, return_info=True)
        obj.append(dec.objective)
        res.append(float(np.linalg.norm(dec.residual)))
        ls.append(float(np.linalg.norm(v - Dn @ np.linalg.lstsq(Dn, v, rcond=None)[0])))
    return {"sizes": np.asarray(sizes), "objective": np.asarray(obj), "residual": np.asarray(res),
            "ls_residual": np.asarray(ls)}


# -- offline stand-ins --------------------------------------------------------------------------
class SequenceEncoder:
    """A deterministic stand-in for CLIP's flattened ``77 x 768`` token sequence.

    A sentence is lower-cased, split on whitespace, padded / truncated to ``length`` tokens
    (``"<pad>"``); token ``s`` at position ``p`` maps to ``tok(s) + pos(p)`` with ``tok(s)``
    drawn from ``default_rng(crc32(s))`` (a stable hash: Python's ``hash`` is salted per
    process) and ``pos(p)`` from ``default_rng(crc32("<pos>p"))``; the rows are flattened
    to ``length * dim``. The map is exactly additive over positions, so ground-truth
    coefficients of concept mixtures are known.
    """

    def __init__(self, length: int = 16, dim: int = 32) -> None:
        self.length = as_int(length, "length", low=1)
        self.dim = as_int(dim, "dim", low=1)

    def _vec(self, key: str) -> np.ndarray:
        return np.random.default_rng(zlib.crc32(key.encode("utf-8"))).standard_normal(self.dim) / np.sqrt(self.dim)

    def tokens(self, sentence: str) -> list[str]:
        if not isinstance(sentence, str):
            raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
        toks = sentence.lower().split()[: self.length]
        return toks + ["<pad>"] * (self.length - len(toks))

    def encode(self, sentence: str) -> np.ndarray:
        """The flattened ``(length * dim,)`` embedding of one sentence."""
        rows = [self._vec(t) + self._vec(f"<pos>{p}") for p, t in enumerate(self.tokens(sentence))]
        return np.concatenate(rows)

    def encode_many(self, sentences: Sequence[str]) -> np.ndarray:
        """``(len(sentences), length * dim)`` embeddings (rows)."""
        if isinstance(sentences, str):
            raise TypeError("sentences must be a sequence of str, not a single str")
        return np.vstack([self.encode(s) for s in sentences])


def _stable_hash(text: str) -> int:
    """A process-independent string hash (crc32), for gensim's ``hashfxn``."""
    return zlib.crc32(text.encode("utf-8"))


def lee_corpus() -> list[str]:
    """The documents (one per line, 300) of the Lee background news corpus that ships with
    gensim's test data (``gensim.test.utils.datapath('lee_background.cor')``, ASCII text).
    Requires the optional extra ``text`` (gensim)."""
    datapath = require("gensim.test.utils", "text", "lee_corpus").datapath
    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh]


class Word2VecEncoder:
    """A small Word2Vec sentence encoder: the card's offline text-encoder stand-in (a).

    Trains ``gensim.models.Word2Vec`` (CBOW, negative sampling, gensim's defaults otherwise)
    with ``vector_size = 64``, ``window = 5``, ``min_count = 2``, ``epochs = 20``,
    ``seed = 0`` and a single worker thread on the Lee background news corpus
    (:func:`lee_corpus`, 300 documents, 58,152 tokens, 3,955 words with ``min_count = 2``),
    each document tokenised by ``gensim.utils.simple_preprocess`` (lower case, tokens of
    2-15 letters). Training takes about a second.

    A sentence is tokenised the same way; its embedding is the float64 mean of the vectors
    of its in-vocabulary token *occurrences* (a repeated word counts every time it occurs;
    out-of-vocabulary tokens are dropped). A sentence without any in-vocabulary token -
    the null concept ``""``, but also ``"a"`` (one letter) or ``"zyzzyva"`` - has no mean:
    ``empty="zero"`` (default) returns the zero vector, the additive identity, so that a
    remove edit ``v' = D' w + r`` with the null concept reduces to ``v - w_src d_src``;
    ``empty="raise"`` raises ``ValueError`` instead. The zero vector cannot be an atom of a
    ``normalize=True`` decomposition (:func:`decompose` refuses zero atoms): unlike CLIP's
    embedding of ``""`` it carries no shared component, so here the null concept serves
    only as the transplant target of a remove.

    Determinism: with one worker thread the trained vectors are bit-for-bit identical
    across runs, in one process and across processes with different ``PYTHONHASHSEED``
    (checked with gensim 4.4.0). gensim 4 draws the initial vectors from
    ``numpy.random.default_rng(seed)`` in vocabulary order (insertion order of a dict, sorted
    by descending count with a deterministic tie-break) and the training randomness from
    ``RandomState(seed)``; the ``hashfxn`` argument (Python's salted ``hash`` by default) is
    consulted only by the deprecated ``seeded_vector`` (the ``seed`` docstring of gensim 4.4,
    which still asks for ``PYTHONHASHSEED``, describes the older scheme). gensim 3.x seeded each
    word's initial vector with ``hashfxn(word + str(seed))``, which made the vectors depend
    on ``PYTHONHASHSEED``; this class passes a stable crc32 ``hashfxn``, so the hash salt
    is irrelevant there too. More than one worker thread makes training order-dependent
    and non-reproducible, hence ``workers=1`` is fixed. :meth:`fingerprint` hashes the
    vocabulary and the vectors for comparing runs.

    Parameters
    ----------
    corpus : documents (a sequence of str) to train on; ``None`` (default) uses
        :func:`lee_corpus`.
    vector_size, window, min_count, epochs : Word2Vec's parameters (positive integers).
    seed : Word2Vec's seed, an integer in ``[0, 2**32 - 1]``.
    empty : ``"zero"`` or ``"raise"``: the embedding of a sentence without in-vocabulary words.
    """

    def __init__(self, corpus: Sequence[str] | None = None, *, vector_size: int = 64, window: int = 5,
                 min_count: int = 2, epochs: int = 20, seed: int = 0, empty: str = "zero") -> None:
        self.vector_size = as_int(vector_size, "vector_size", low=1)
        self.window = as_int(window, "window", low=1)
        self.min_count = as_int(min_count, "min_count", low=1)
        self.epochs = as_int(epochs, "epochs", low=1)
        self.seed = as_int(seed, "seed", low=0, high=2**32 - 1)
        if empty not in ("zero", "raise"):
            raise ValueError(f"empty must be 'zero' or 'raise', got {empty!r}")
        self.empty = empty
        if corpus is not None:
            if isinstance(corpus, (str, bytes)) or not isinstance(corpus, Sequence):
                raise TypeError(f"corpus must be a sequence of str, got {type(corpus).__name__}")
            bad = [i for i, doc in enumerate(corpus) if not isinstance(doc, str)]
            if bad:
                raise TypeError(f"corpus must be a sequence of str; entry {bad[0]} is "
                                f"{type(corpus[bad[0]]).__name__}")
        Word2Vec = require("gensim.models", "text", "Word2VecEncoder").Word2Vec
        simple_preprocess = require("gensim.utils", "text", "Word2VecEncoder").simple_preprocess

        self._preprocess = simple_preprocess
        docs = [toks for toks in (simple_preprocess(d) for d in (lee_corpus() if corpus is None else corpus))
                if toks]
        if not docs:
            raise ValueError("corpus has no tokens after gensim.utils.simple_preprocess")
        model = Word2Vec(vector_size=self.vector_size, window=self.window, min_count=self.min_count,
                         workers=1, seed=self.seed, epochs=self.epochs, hashfxn=_stable_hash)
        model.build_vocab(docs)
        if len(model.wv) == 0:
            raise ValueError(f"corpus has no word occurring at least min_count = {self.min_count} times")
        model.train(docs, total_examples=len(docs), epochs=self.epochs)
        self.n_documents = len(docs)
        self.n_tokens = sum(len(t) for t in docs)
        self.index_to_key: tuple[str, ...] = tuple(model.wv.index_to_key)
        self.key_to_index: dict[str, int] = dict(model.wv.key_to_index)
        self.vectors = np.array(model.wv.vectors, dtype=float)  # float64 copy; gensim trains in float32
        self.vectors.flags.writeable = False

    @property
    def dim(self) -> int:
        """The embedding dimension (``vector_size``)."""
        return self.vector_size

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.key_to_index

    def __len__(self) -> int:
        return len(self.index_to_key)

    def tokens(self, sentence: str) -> list[str]:
        """``gensim.utils.simple_preprocess(sentence)``: the tokens before the vocabulary filter."""
        if not isinstance(sentence, str):
            raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
        return self._preprocess(sentence)

    def known(self, sentence: str) -> list[str]:
        """The in-vocabulary token occurrences of ``sentence``, in order."""
        return [t for t in self.tokens(sentence) if t in self.key_to_index]

    def word_vector(self, word: str) -> np.ndarray:
        """The float64 vector of one vocabulary word (``KeyError`` if out of vocabulary)."""
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        return self.vectors[self.key_to_index[word]].copy()

    def encode(self, sentence: str) -> np.ndarray:
        """The ``(vector_size,)`` mean of the in-vocabulary word vectors of ``sentence``."""
        idx = [self.key_to_index[t] for t in self.known(sentence)]
        if not idx:
            if self.empty == "raise":
                raise ValueError(f"sentence has no in-vocabulary word: {sentence!r}")
            return np.zeros(self.vector_size)
        return self.vectors[idx].mean(axis=0)

    def encode_many(self, sentences: Sequence[str]) -> np.ndarray:
        """``(len(sentences), vector_size)`` embeddings (rows)."""
        if isinstance(sentences, str):
            raise TypeError("sentences must be a sequence of str, not a single str")
        if len(sentences) == 0:
            return np.zeros((0, self.vector_size))
        return np.vstack([self.encode(s) for s in sentences])

    def fingerprint(self) -> str:
        """SHA-256 of the vocabulary (in index order) and the trained vectors' bytes."""
        h = hashlib.sha256("\n".join(self.index_to_key).encode("utf-8"))
        h.update(np.ascontiguousarray(self.vectors).tobytes())
        return h.hexdigest()


def affine_score(z: Any, c: Any, G: Any, A: Any, a: float) -> np.ndarray:
    """The exact noise prediction of a linear-Gaussian model, ``eps*(z, c) = G (z - a A c)``
    (the card's score-space stand-in). For fixed ``z`` it is *affine* in ``c`` with offset
    ``G z``: ``eps(sum_i w_i d_i) = sum_i w_i eps(d_i) + (1 - sum_i w_i) G z``."""
    z = as_array(z, "z", ndim=1)
    c = as_array(c, "c", ndim=1)
    G = as_array(G, "G", shape=(z.size, z.size))
    A = as_array(A, "A", shape=(z.size, c.size))
    a = as_scalar(a, "a")
    return G @ (z - a * (A @ c))
