"""Data sets with the structures of the two-layer-network papers, and scikit-learn's
bundled digits as the offline stand-in for MNIST.

Synthetic generators (all seeded, float64, rows are samples):

* :func:`orthosep` — binary, orthogonally separable ("well-separated") data
  ``x_i = c_i a_{y_i} (y_i e_1 + offset e_2 + noise g_i)`` (early_alignment's
  ``orthosep_dead`` / ``orthosep_sym``, neural_collapse's ``bin_default``), with the
  separation ``mu = min_{i,j} cos(y_i x_i, y_j x_j)`` controlled by ``noise`` and ``offset``;
* :func:`angled_classes` — binary data whose class directions make a chosen angle;
* :func:`two_point_counterexample`, :func:`two_point_mu`, :func:`orthogonal_pair`,
  :func:`toy_2d` — the small 2-D instances of early_alignment;
* :func:`pseudo_labels`, :func:`simplex_mixture`, :func:`simplex_private` — K-class
  clustered data around the simplex directions (neural_collapse's ``multi_default``,
  ``multi_in``, ``simplex_cx``);
* :func:`gmm_sample` — the orthonormal Gaussian mixture of prelu_robustness.

Real data: :func:`digits` (any subset of the 10 classes), :func:`digits_binary` (two
classes as ``+-1``), :func:`digits_parity` (train/test split, labels ``digit mod 2``).
:func:`separation_stats` reports how far a data set is from orthogonal separability.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "orthosep",
    "orthosep_dead",
    "orthosep_sym",
    "angled_classes",
    "two_point_counterexample",
    "two_point_mu",
    "orthogonal_pair",
    "toy_2d",
    "pseudo_labels",
    "simplex_mixture",
    "simplex_private",
    "gmm_sample",
    "digits",
    "digits_binary",
    "digits_parity",
    "separation_stats",
]


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    g = rng.standard_normal((n, dim))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _class_scales(class_scales: Any, K: int) -> np.ndarray:
    """Per-class scales ``a_k > 0`` (all ones by default)."""
    if class_scales is None:
        return np.ones(K)
    a = as_array(class_scales, "class_scales", ndim=1, shape=(K,))
    if np.any(a <= 0):
        raise ValueError("class_scales must be positive")
    return a


def _interval(x: Any, name: str) -> tuple[float, float]:
    a = as_array(x, name, ndim=1, shape=(2,))
    if not 0 < a[0] <= a[1]:
        raise ValueError(f"{name} must be an interval (low, high) with 0 < low <= high, got {tuple(a)}")
    return float(a[0]), float(a[1])


def orthosep(n: int = 20, d: int = 10, *, seed: Any, offset: float = 0.5, noise: float = 0.4,
             scale: Sequence[float] = (0.5, 1.5), n_pos: int | None = None,
             class_scale: Sequence[float] = (1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """Binary orthogonally separable data ``x_i = c_i a_{y_i} (y_i e_1 + offset e_2 + noise g_i)``.

    ``g_i`` is uniform on the unit sphere of ``span{e_3, ..., e_D}`` when ``offset != 0``
    and of ``span{e_2, ..., e_D}`` when ``offset == 0``; ``c_i ~ U[scale]``; ``a_{+1},
    a_{-1} = class_scale``. The first ``n_pos`` rows (default ``n // 2``) are positive.
    Draw order: ``g`` (n rows), then ``c``.

    early_alignment: ``orthosep_dead`` is ``offset=0.5, noise=0.4`` (the common ``e_2``
    component gives ``S_dead`` an interior, it contains ``-e_2``); ``orthosep_sym`` is
    ``offset=0, noise=0.6``. neural_collapse's ``bin_default`` is ``offset=0, noise=0.6,
    class_scale=(1.6, 1)``. Whether Assumption 1 (``mu > 0``) holds depends on the draw
    (check it with :func:`separation_stats`); ``noise < 1`` without offset guarantees it
    (cross-class inner products are ``-c c'(1 - noise^2 <g, g'>) < 0`` and same-class ones
    ``c c'(1 + noise^2 <g, g'>) > 0``).
    """
    n = as_int(n, "n", low=2)
    d = as_int(d, "d", low=3)
    rng = as_rng(seed)
    offset = as_scalar(offset, "offset")
    noise = as_scalar(noise, "noise", low=0.0)
    lo, hi = _interval(scale, "scale")
    a_pos, a_neg = (float(v) for v in as_array(class_scale, "class_scale", ndim=1, shape=(2,)))
    if a_pos <= 0 or a_neg <= 0:
        raise ValueError(f"class_scale must hold two positive numbers, got {(a_pos, a_neg)}")
    n_pos = n // 2 if n_pos is None else as_int(n_pos, "n_pos", low=1, high=n - 1)
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    first = 2 if offset != 0 else 1
    g = np.zeros((n, d))
    g[:, first:] = _unit_rows(rng, n, d - first)
    c = rng.uniform(lo, hi, n)
    X = np.zeros((n, d))
    X[:, 0] = y
    X[:, 1] = offset
    X += noise * g
    X *= (c * np.where(y > 0, a_pos, a_neg))[:, None]
    return X, y


def orthosep_dead(seed: Any = 0, n: int = 20, d: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """early_alignment's default data set ``orthosep_dead`` (``offset=0.5, noise=0.4``)."""
    return orthosep(n, d, seed=seed, offset=0.5, noise=0.4)


def orthosep_sym(seed: Any = 0, n: int = 20, d: int = 10, noise: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """early_alignment's ``orthosep_sym`` (``offset=0``; ``x_+ ~ -x_-``, ``S_dead = {0}``)."""
    return orthosep(n, d, seed=seed, offset=0.0, noise=noise)


def angled_classes(n: int = 20, d: int = 10, *, seed: Any, angle: float = 1.2, noise: float = 0.4,
                   scale: Sequence[float] = (0.6, 1.4)) -> tuple[np.ndarray, np.ndarray]:
    """Binary data with positives ``~ e_1`` and negatives ``~ -(cos(angle) e_1 + sin(angle) e_2)``:
    ``x_i = c_i (m_{y_i} + noise g_i)``, ``g_i`` uniform on the sphere of
    ``span{e_3..e_D}``, ``c_i ~ U[scale]``; first ``n // 2`` rows positive. With
    ``angle = 1.2`` the class sums make ``cos(x_+, x_-) ~ -0.33`` (early_alignment's
    ``thm1_lowrank`` data)."""
    n = as_int(n, "n", low=2)
    d = as_int(d, "d", low=3)
    rng = as_rng(seed)
    angle = as_scalar(angle, "angle")
    noise = as_scalar(noise, "noise", low=0.0)
    lo, hi = _interval(scale, "scale")
    n_pos = n // 2
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    g = np.zeros((n, d))
    g[:, 2:] = _unit_rows(rng, n, d - 2)
    c = rng.uniform(lo, hi, n)
    m_neg = -np.array([math.cos(angle), math.sin(angle)])
    X = noise * g
    X[:n_pos, 0] += 1.0
    X[n_pos:, :2] += m_neg
    return X * c[:, None], y


def two_point_counterexample(theta0: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """early_alignment's ``two_point_cx``: ``x_1 = e_1`` (``y = +1``), ``x_2 = -e_1``
    (``y = -1``) in ``R^2`` and one ``V_+`` neuron at angle ``theta0`` from ``x_- = -e_1``:
    ``w(0) = (-cos theta0, sin theta0)``. Returns ``X, y, W0 (2, 1), sign (1,)``."""
    theta0 = as_scalar(theta0, "theta0", low=0.0, high=math.pi, low_open=True, high_open=True)
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    y = np.array([1.0, -1.0])
    W0 = np.array([[-math.cos(theta0)], [math.sin(theta0)]])
    return X, y, W0, np.array([1.0])


def two_point_mu(s: float) -> tuple[np.ndarray, np.ndarray]:
    """Two positive points ``x_1 = [1, 0]``, ``x_2 = [sin s, cos s]`` (``mu = sin s``;
    early_alignment App. A.2)."""
    s = as_scalar(s, "s", low=0.0, high=math.pi / 2, low_open=True)
    return np.array([[1.0, 0.0], [math.sin(s), math.cos(s)]]), np.array([1.0, 1.0])


def orthogonal_pair() -> tuple[np.ndarray, np.ndarray]:
    """``x_1 = e_1``, ``x_2 = e_2``, both positive (``mu = 0``; early_alignment App. A.3)."""
    return np.eye(2), np.array([1.0, 1.0])


def toy_2d(seed: Any = 0, n_per_class: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D data set satisfying Assumption 1 (early_alignment App. A.1): positives at
    angles in [20, 50] degrees, negatives in [200, 230] degrees (evenly spaced), norms
    ``U[0.5, 1.5]``."""
    rng = as_rng(seed)
    m = as_int(n_per_class, "n_per_class", low=1)
    ang = np.deg2rad(np.concatenate([np.linspace(20, 50, m), np.linspace(200, 230, m)]))
    r = rng.uniform(0.5, 1.5, 2 * m)
    X = np.stack([np.cos(ang), np.sin(ang)], axis=1) * r[:, None]
    return X, np.concatenate([np.ones(m), -np.ones(m)])


def pseudo_labels(K: int) -> np.ndarray:
    """``E = sqrt(K/(K-1)) (I - 11^T/K)`` (K, K): unit columns with pairwise inner product
    ``-1/(K-1)`` summing to 0 (neural_collapse's pseudo-labels, the simplex directions)."""
    K = as_int(K, "K", low=2)
    return math.sqrt(K / (K - 1)) * (np.eye(K) - np.ones((K, K)) / K)


def _counts(n_per_class: Any, K: int | None) -> np.ndarray:
    if np.ndim(n_per_class) == 0:
        if K is None:
            raise ValueError("K is required when n_per_class is a single number")
        return np.full(as_int(K, "K", low=2), as_int(n_per_class, "n_per_class", low=1))
    c = np.asarray(n_per_class)
    if c.ndim != 1 or c.size < 2 or not np.issubdtype(c.dtype, np.integer) or np.any(c < 1):
        raise ValueError("n_per_class must be a positive integer or a sequence of >= 2 positive integers")
    if K is not None and c.size != K:
        raise ValueError(f"n_per_class has {c.size} entries but K = {K}")
    return c.astype(int)


def simplex_mixture(K: int = 3, n_per_class: Any = 6, d: int = 12, *, seed: Any, noise: float = 0.3,
                    point_scale: Sequence[float] = (0.7, 1.3),
                    class_scales: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """K-class data around the simplex directions: ``x_i = a_k c_i (e~_k + noise g_i)`` with
    ``e~_k`` the columns of :func:`pseudo_labels` in the first ``K`` coordinates, ``g_i``
    uniform on the unit sphere of the last ``d - K`` coordinates, ``c_i ~ U[point_scale]``
    and class scales ``a_k`` (default 1). Returns ``X``, integer ``labels`` (classes in
    blocks). neural_collapse's ``multi_default``: ``K=3, 6 per class, d=12, noise=0.3,
    point_scale=(0.7, 1.3), class_scales=(0.7, 1.0, 1.4)``. Draw order: ``g``, then ``c``."""
    K = as_int(K, "K", low=2)
    counts = _counts(n_per_class, K)
    d = as_int(d, "d", low=K + 1)
    rng = as_rng(seed)
    noise = as_scalar(noise, "noise", low=0.0)
    lo, hi = _interval(point_scale, "point_scale")
    a = _class_scales(class_scales, K)
    labels = np.repeat(np.arange(K), counts)
    n = labels.size
    E = pseudo_labels(K)
    g = _unit_rows(rng, n, d - K)
    c = rng.uniform(lo, hi, n)
    X = np.zeros((n, d))
    X[:, :K] = E[:, labels].T
    X[:, K:] = noise * g
    return X * (c * a[labels])[:, None], labels


def simplex_private(n_per_class: Any = 6, K: int | None = None, *, seed: Any, noise: float = 0.05,
                    point_scale: Sequence[float] = (0.98, 1.02),
                    class_scales: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """K-class data with one private noise direction per point:
    ``x_i = c_i a_k (e~_k + noise e_{K+i})`` in ``R^{K+n}`` (neural_collapse's ``multi_in``:
    ``K=4``, 6 per class, ``class_scales=(0.9, 0.95, 1.05, 1.1)``; ``simplex_cx``:
    ``n_per_class=(10, 5, ..., 5)``, ``point_scale=(1, 1)``). Returns ``X``, ``labels``."""
    counts = _counts(n_per_class, K)
    K = counts.size
    rng = as_rng(seed)
    noise = as_scalar(noise, "noise", low=0.0)
    lo, hi = _interval(point_scale, "point_scale")
    a = _class_scales(class_scales, K)
    labels = np.repeat(np.arange(K), counts)
    n = labels.size
    E = pseudo_labels(K)
    c = rng.uniform(lo, hi, n)
    X = np.zeros((n, K + n))
    X[:, :K] = E[:, labels].T
    X[np.arange(n), K + np.arange(n)] = noise
    return X * (c * a[labels])[:, None], labels


def gmm_sample(k: int, k1: int, d: int, alpha: float, *, seed: Any, n: int | None = None,
               n_per_cluster: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal Gaussian mixture (prelu_robustness): ``z ~ Unif{0..k-1}`` (or exactly
    ``n_per_cluster`` per cluster, in blocks), ``x | z ~ N(e_z, (alpha^2/d) I_d)``,
    ``y = +1`` if ``z < k1`` else ``-1``. Returns ``X, y, z``. Give exactly one of ``n``
    and ``n_per_cluster``. Draw order: ``z`` (if random), then the noise."""
    k = as_int(k, "k", low=2)
    k1 = as_int(k1, "k1", low=1, high=k - 1)
    d = as_int(d, "d", low=k)
    alpha = as_scalar(alpha, "alpha", low=0.0)
    rng = as_rng(seed)
    if (n is None) == (n_per_cluster is None):
        raise ValueError("give exactly one of n and n_per_cluster")
    if n is not None:
        z = rng.integers(0, k, as_int(n, "n", low=1))
    else:
        z = np.repeat(np.arange(k), as_int(n_per_cluster, "n_per_cluster", low=1))
    X = (alpha / math.sqrt(d)) * rng.standard_normal((z.size, d))
    X[np.arange(z.size), z] += 1.0
    y = np.where(z < k1, 1.0, -1.0)
    return X, y, z


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn, no download

    ds = load_digits()
    return np.asarray(ds.data, dtype=float), np.asarray(ds.target, dtype=int)


def digits(classes: Sequence[int] = tuple(range(10)), *, center: bool = True,
           scale: float = 16.0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits restricted to ``classes`` (dataset order), pixels
    divided by ``scale`` (16 maps them to [0, 1]) and, with ``center=True``, centred by
    the mean of the kept images (the papers centre MNIST: raw images are all positively
    correlated). Returns ``X`` (n, 64) and the digit labels."""
    cls = np.asarray(classes)
    if cls.ndim != 1 or cls.size < 1 or np.any((cls < 0) | (cls > 9)) or np.unique(cls).size != cls.size:
        raise ValueError("classes must be distinct digits in 0..9")
    scale = as_scalar(scale, "scale", low=0.0, low_open=True)
    X, t = _load_digits()
    keep = np.isin(t, cls)
    X, t = X[keep] / scale, t[keep]
    if center:
        X = X - X.mean(axis=0)
    return X, t


def digits_binary(positive: int = 1, negative: int = 0, *, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two digit classes as ``y = +1`` (``positive``) and ``-1`` (``negative``), pixels/16,
    centred by the mean of the kept images (early_alignment's offline E1: 1 vs 0,
    n = 360; after centring the class sums satisfy ``x_+ = -x_-`` exactly)."""
    if positive == negative:
        raise ValueError("positive and negative must be different digits")
    X, t = digits((positive, negative), center=center)
    return X, np.where(t == positive, 1.0, -1.0)


def digits_parity(n_train: int = 1200, *, seed: Any = 0, center: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ten digits with labels ``digit mod 2`` (0 even, 1 odd), a random train/test split
    with ``n_train`` training images (seeded permutation), pixels/16, centred by the
    *training* mean. Returns ``X_train, y_train, X_test, y_test``."""
    X, t = digits(tuple(range(10)), center=False)
    n_train = as_int(n_train, "n_train", low=1, high=X.shape[0] - 1)
    perm = as_rng(seed).permutation(X.shape[0])
    tr, te = perm[:n_train], perm[n_train:]
    Xtr, Xte = X[tr], X[te]
    if center:
        m = Xtr.mean(axis=0)
        Xtr, Xte = Xtr - m, Xte - m
    return Xtr, t[tr] % 2, Xte, t[te] % 2


def separation_stats(X: Any, labels: Any) -> dict[str, float]:
    """How orthogonally separable ``(X, labels)`` is.

    Returns ``mu`` (early_alignment's Assumption 1 constant for two classes,
    ``min_{i,j} cos(y_i x_i, y_j x_j) = min(mu_s, mu_d)``), ``mu_s`` (min same-class cosine), ``mu_d`` (``-max`` cross-class cosine; neural_collapse's
    Assumption 1 holds iff both are positive), and the violation rates over unordered
    pairs ``i < j``: ``same_nonpos`` (fraction of same-class pairs with cosine <= 0) and
    ``cross_nonneg`` (cross-class pairs with cosine >= 0). Labels are compared for
    equality only, so ``+-1`` labels and class indices both work."""
    X = as_array(X, "X", ndim=2)
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != X.shape[0]:
        raise ValueError(f"labels must be a vector of length {X.shape[0]}")
    nrm = np.linalg.norm(X, axis=1)
    if np.any(nrm == 0):
        raise ValueError("X must not contain zero rows")
    Xn = X / nrm[:, None]
    C = Xn @ Xn.T
    same = lab[:, None] == lab[None, :]
    iu = np.triu_indices(X.shape[0], k=1)
    s_pairs, c_pairs = C[iu][same[iu]], C[iu][~same[iu]]
    mu_s = float(np.min(C[same]))
    mu_d = float(-np.max(C[~same])) if np.any(~same) else float("inf")
    return {
        "mu": min(mu_s, mu_d),
        "mu_s": mu_s,
        "mu_d": mu_d,
        "same_nonpos": float(np.mean(s_pairs <= 0)) if s_pairs.size else 0.0,
        "cross_nonneg": float(np.mean(c_pairs >= 0)) if c_pairs.size else 0.0,
    }
