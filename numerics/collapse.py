"""Neural-collapse measurements and runs for bias-free two-layer ReLU networks.

Builds on :mod:`numerics.two_layer` (model, balanced coordinates, simulator, features,
NC metrics, one-class max margin) and :mod:`numerics.data` (data sets, pseudo-labels) for
the paper ``neural_collapse`` (Min, Zhu & Vidal, NeurIPS 2025). Nothing here integrates a
flow or differentiates a loss: the runs call :func:`numerics.two_layer.simulate`.

* :func:`semilocal_init` -- Assumption 4's "semi-local" initialisation (shapes drawn from
  the pairs ``(x_i, E~ y_i)``), with the assumption verified neuron by neuron.
* :func:`class_activity`, :func:`pseudo_alignment`, :func:`assumption4`,
  :func:`output_groups`, :func:`exclusive_activation` -- the per-neuron objects of
  Sec. 4.2 (``|I_k^w|``, ``A_k^w``, ``B_k^v``, the groups ``N_k``, exclusive activation).
* :func:`to_limit` -- the 1/loss schedule in segments whose step shrinks with ``|log L|``
  (see its notes: a fixed step becomes unstable in the output directions).
* :func:`limit_summary` -- the normalised network ``theta / ||theta||_F`` and what
  Theorem 1 and Props 1-2 say about it (shares ``s_k^2``, class-mean feature directions,
  margin, within-class cosines).
* :func:`lemma4_counterexample` -- the test-neuron configuration that breaks Lemma 4 item 1
  for ``K >= 6``.
* :func:`gamma_perp` -- the constant of Lemma 12, exactly (vertex enumeration).
* :func:`pca_relative_error`, :func:`normalise_rows` -- for the digits experiments;
  :func:`train_normed_head` -- the small substitute of the paper's normalisation-layer
  experiment (a trained feature extractor, optional torch extra, imported lazily).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from numerics._optional import require
from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar

from . import two_layer as tl
from .data import pseudo_labels

__all__ = [
    "class_index",
    "class_activity",
    "pseudo_alignment",
    "assumption4",
    "semilocal_init",
    "output_groups",
    "exclusive_activation",
    "LimitRun",
    "to_limit",
    "LimitSummary",
    "limit_summary",
    "lemma4_counterexample",
    "gamma_perp",
    "pca_relative_error",
    "normalise_rows",
    "train_normed_head",
]


# ---------------------------------------------------------------------------------------
# Per-neuron objects (Sec. 4.2)
# ---------------------------------------------------------------------------------------
def class_index(labels: Any, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(idx, classes)``: each label's position in the sorted distinct labels.

    Binary labels ``+-1`` map to ``0`` (``-1``) and ``1`` (``+1``)."""
    lab = np.asarray(labels)
    if lab.ndim != 1 or (n is not None and lab.shape[0] != n):
        raise ValueError(f"labels must be a vector of length {n if n is not None else 'n'}")
    classes, idx = np.unique(lab, return_inverse=True)
    if classes.size < 2:
        raise ValueError("labels must contain at least two classes")
    return idx, classes


def class_activity(X: Any, labels: Any, U: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per neuron and class: ``|I_k^w|`` (active points of class ``k``) and the aggregate
    alignment ``A_k^w = sum_{i in I_k, <x_i, w> > 0} <x_i, w^>`` (Sec. 4.2).

    Parameters
    ----------
    X : (n, D) data; labels : (n,) class labels; U : (D, h) neuron directions (any norm;
        they are normalised here).

    Returns
    -------
    counts, A : (h, K) arrays (classes in sorted label order).
    """
    X = as_matrix(X, "X")
    U = as_matrix(U, "U")
    if U.shape[0] != X.shape[1]:
        raise ValueError(f"U must have {X.shape[1]} rows, got shape {U.shape}")
    idx, classes = class_index(labels, X.shape[0])
    nrm = np.linalg.norm(U, axis=0)
    if np.any(nrm == 0):
        raise ValueError("U must have non-zero columns")
    alpha = X @ (U / nrm)
    pos = alpha > 0
    onehot = (idx[:, None] == np.arange(classes.size)[None, :]).astype(float)  # (n, K)
    return (onehot.T @ pos).T.astype(int), (onehot.T @ np.where(pos, alpha, 0.0)).T


def pseudo_alignment(B: Any) -> np.ndarray:
    """``B_k^{v_j} = <e~_k, v^_j>`` for every neuron (rows) and class (columns), ``(h, K)``."""
    B = as_matrix(B, "B")
    K = B.shape[0]
    if K < 3:
        raise ValueError(f"B must have K >= 3 rows (pseudo-labels are for K > 2 classes), got {K}")
    Bn = B / np.linalg.norm(B, axis=0)
    return (pseudo_labels(K).T @ Bn).T


def assumption4(X: Any, labels: Any, U: Any, B: Any, groups: Any) -> dict[str, np.ndarray]:
    """Assumption 4 (semi-local initialisation), neuron by neuron, for the partition
    ``groups`` (``groups[j] = k`` means ``j in N_k``).

    Returns boolean arrays ``count`` (``|I_k|^2 > sum_{k' != k} |I_k'|^2``), ``align``
    (``A_k > 2 sum_{k' != k} A_k'``), ``pseudo`` (``B_k >= 1 - 1/(2(K-1))``) and ``all``.
    """
    counts, A = class_activity(X, labels, U)
    Bk = pseudo_alignment(B)
    g = np.asarray(groups)
    h, K = counts.shape
    if g.shape != (h,) or np.any((g < 0) | (g >= K)):
        raise ValueError(f"groups must hold {h} class indices in 0..{K - 1}")
    j = np.arange(h)
    own_c, own_a = counts[j, g], A[j, g]
    out = {
        "count": own_c ** 2 > np.sum(counts ** 2, axis=1) - own_c ** 2,
        "align": own_a > 2.0 * (np.sum(A, axis=1) - own_a),
        "pseudo": Bk[j, g] >= 1.0 - 1.0 / (2.0 * (K - 1)),
    }
    out["all"] = out["count"] & out["align"] & out["pseudo"]
    return out


def semilocal_init(X: Any, labels: Any, h: int, *, log_eps: float, seed: Any, jitter: float = 0.3,
                   enforce: bool = True, max_draws: int = 10000) -> tuple[tl.BalancedState, np.ndarray]:
    """The semi-local initialisation of Sec. 4.2 (Assumption 4).

    Each neuron draws a data point ``i`` uniformly, takes ``u_j = x^_i + jitter g`` with
    ``g ~ N(0, I/D)`` (renormalised) and ``b_j = e~_{y_i}``; the pair is balanced at scale
    ``eps = e^{log_eps}`` (Assumption 2, unit shapes so ``||w_{j0}|| = 1``). With
    ``enforce=True`` a draw that violates Assumption 4 is redrawn.

    Parameters
    ----------
    X, labels : data (``K >= 3`` classes); h : width; log_eps : ``log eps``;
    seed : seed or Generator; jitter : size of the perturbation of ``x^_i``;
    enforce : redraw neurons that violate Assumption 4; max_draws : cap per neuron.

    Returns
    -------
    state : :class:`numerics.two_layer.BalancedState` (``B`` of shape ``(K, h)``);
    groups : (h,) the class index ``k`` with ``j in N_k``.

    Raises
    ------
    ValueError if no admissible draw is found within ``max_draws`` for some neuron.
    """
    X = as_matrix(X, "X")
    n, D = X.shape
    idx, classes = class_index(labels, n)
    K = classes.size
    if K < 3:
        raise ValueError("semilocal_init is for K >= 3 classes (Assumption 4)")
    h = as_int(h, "h", low=1)
    jitter = as_scalar(jitter, "jitter", low=0.0)
    max_draws = as_int(max_draws, "max_draws", low=1)
    rng = as_rng(seed)
    E = pseudo_labels(K)
    nrm = np.linalg.norm(X, axis=1)
    if np.any(nrm == 0):
        raise ValueError("X must not contain zero rows")
    Xh = X / nrm[:, None]
    U = np.empty((D, h))
    groups = np.empty(h, dtype=int)
    for j in range(h):
        for _ in range(max_draws):
            i = int(rng.integers(n))
            u = Xh[i] + jitter * rng.standard_normal(D) / math.sqrt(D)
            u = u / np.linalg.norm(u)
            k = idx[i]
            if not enforce or assumption4(X, idx, u[:, None], E[:, [k]], np.array([k]))["all"][0]:
                break
        else:
            raise ValueError(f"no draw satisfying Assumption 4 for neuron {j} in {max_draws} tries; reduce jitter")
        U[:, j], groups[j] = u, k
    return tl.balanced_init(U, E[:, groups], log_eps), groups


def output_groups(B: Any) -> np.ndarray:
    """Group of each neuron: ``argmax_k <e~_k, b_j>`` (``K`` outputs) or the class index of
    ``sign b_j`` (scalar output: ``0`` for ``-1``, ``1`` for ``+1``, matching
    :func:`class_index` on ``+-1`` labels)."""
    B = as_array(B, "B")
    if B.ndim == 1 or B.shape[0] == 1:
        return (B.reshape(-1) > 0).astype(int)
    return np.argmax(pseudo_alignment(B), axis=1)


def exclusive_activation(X: Any, labels: Any, U: Any, groups: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(exclusive, dead)`` per neuron: ``exclusive[j]`` when ``<x_i, u_j> > 0`` exactly for
    the points of class ``groups[j]`` (Prop. 1, ``T*_{j,k}``); ``dead[j]`` when no point
    activates it."""
    X = as_matrix(X, "X")
    idx, classes = class_index(labels, X.shape[0])
    U = as_matrix(U, "U")
    g = np.asarray(groups)
    if g.shape != (U.shape[1],):
        raise ValueError(f"groups must have shape ({U.shape[1]},)")
    act = (X @ U) > 0
    return np.all(act == (idx[:, None] == g[None, :]), axis=0), ~np.any(act, axis=0)


# ---------------------------------------------------------------------------------------
# The 1/loss schedule to the limit
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LimitRun:
    """A 1/loss-schedule run made of segments (:func:`to_limit`).

    ``segments`` the :class:`numerics.two_layer.BalancedRun` of each segment; ``final`` the
    last state; ``steps`` the total number of steps; ``event_steps`` / ``event_j`` the
    activation changes (global step index, neuron); ``observed`` ``(global step, value)``;
    ``log_loss`` the final ``log L``; ``dts`` the step of each segment.
    """

    segments: tuple
    final: tl.BalancedState
    steps: int
    event_steps: np.ndarray
    event_j: np.ndarray
    observed: list
    log_loss: float
    dts: tuple


def to_limit(problem: tl.Problem, state: tl.BalancedState, *, dt: float = 5e-3,
             levels: tuple[float, ...] = (1e3, 2e3, 4e3, 1e4), stiffness: float = 5.0, max_steps: int = 100000,
             observe: Callable[[tl.StepInfo], Any] | None = None, observe_every: int = 10,
             record_every: int = 10 ** 9) -> LimitRun:
    """Follow the gradient-flow orbit towards ``t -> infinity`` with the 1/loss schedule
    (:func:`numerics.two_layer.simulate`, ``schedule="inverse_loss"``) until
    ``log L <= -levels[-1]``.

    Segment ``m`` runs until ``log L <= -levels[m]`` with the step
    ``min(dt, stiffness / levels[m])``.

    Notes
    -----
    The normalised field ``-grad L / L`` is stiff in the output directions ``b_j``: a
    misalignment ``delta`` of ``b_j`` from ``e~_k`` changes the logits by
    ``~ |log L| delta``, so the restoring rate grows like ``|log L|`` and an explicit
    Euler step ``c`` is stable only while ``c |log L|`` stays below a data-dependent
    constant (measured: 10 on the simplex data with K = 3, 20 on ``multi_in``). Beyond that
    the ``b_j`` oscillate at a level set by the nonlinearity (``1 - <e~_k, b_j> ~ 5e-6`` at
    ``c = 5e-3``, ``|log L| ~ 1e4``; the directions are lost entirely once the logits exceed
    ``~1e15`` and carry no significant digit of their differences). The segments keep
    ``c |log L| <= stiffness`` (default 5, half the smallest measured onset).

    Parameters
    ----------
    problem, state : as for :func:`numerics.two_layer.simulate`.
    dt : the largest step in ``tau``; levels : increasing targets for ``-log L``;
    stiffness : bound on ``step * |log L|``; max_steps : cap per segment (``ValueError``
    when a segment does not reach its level);
    observe, observe_every : passed to ``simulate`` (steps reported globally);
    record_every : passed to ``simulate``.
    """
    dt = as_scalar(dt, "dt", low=0.0, low_open=True)
    stiffness = as_scalar(stiffness, "stiffness", low=0.0, low_open=True)
    lv = as_array(levels, "levels", ndim=1)
    if np.any(lv <= 0) or np.any(np.diff(lv) <= 0):
        raise ValueError("levels must be positive and increasing")
    max_steps = as_int(max_steps, "max_steps", low=1)
    segs, dts, ev_s, ev_j, observed = [], [], [], [], []
    cur, offset, logL = state, 0, math.nan
    for level in lv:
        c = min(dt, stiffness / float(level))
        run = tl.simulate(problem, cur, dt=c, steps=max_steps, schedule="inverse_loss",
                          record_every=record_every, observe=observe, observe_every=observe_every,
                          stop=lambda info, lev=float(level): info.logL <= -lev)
        if not run.stopped:
            raise ValueError(f"the 1/loss schedule did not reach log L <= -{level:g} in {max_steps} steps")
        segs.append(run)
        dts.append(c)
        ev_s.append(run.events["step"] + offset)
        ev_j.append(run.events["j"])
        observed.extend((s + offset, v) for s, v in run.observed)
        offset += run.steps_done
        cur = run.final
        logL = float(run.logL[-1])
    return LimitRun(tuple(segs), cur, offset, np.concatenate(ev_s), np.concatenate(ev_j), observed, logL,
                    tuple(dts))


# ---------------------------------------------------------------------------------------
# The normalised network and Theorem 1's objects
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LimitSummary:
    """The normalised network ``theta/||theta||_F`` of a balanced state and Theorem 1's
    objects.

    Attributes
    ----------
    classes : sorted class labels; groups : (h,) class index of each neuron
        (:func:`output_groups`); live : (h,) neurons activated by some point.
    W, V : ``W_bar`` (D, h) and ``V_bar`` (d_out, h), ``||W_bar||_F^2 + ||V_bar||_F^2 = 1``.
    shares : (K,) ``||W_bar_k||_F^2`` over the live neurons of group ``k`` (Theorem 1:
        ``s_k^2``; ``||V_bar_k||_F^2`` is the same by balancedness).
    H : (n, h) features ``phi_theta_bar(x_i)``.
    phi_bar : (h, K) unit class-mean feature directions.
    gram : (K, K) cosines of the class-mean features.
    margin : normalised margin ``min_i margin_i(theta_bar)``.
    within_cos : (K,) mean cosine of each feature with its class mean
        (:func:`numerics.two_layer.within_class_cosine`); min_cos : the smallest single one.
    """

    classes: np.ndarray
    groups: np.ndarray
    live: np.ndarray
    W: np.ndarray
    V: np.ndarray
    shares: np.ndarray
    H: np.ndarray
    phi_bar: np.ndarray
    gram: np.ndarray
    margin: float
    within_cos: np.ndarray
    min_cos: float


def limit_summary(problem: tl.Problem, state: tl.BalancedState) -> LimitSummary:
    """Theorem 1's objects measured on ``theta/||theta||_F`` of ``state`` (no underflow:
    the norms are rescaled by ``max_j r_j`` first)."""
    if not isinstance(problem, tl.Problem):
        raise TypeError(f"problem must be a Problem, got {type(problem).__name__}")
    if not isinstance(state, tl.BalancedState):
        raise TypeError(f"state must be a BalancedState, got {type(state).__name__}")
    X = problem.X
    idx, classes = class_index(problem.labels, problem.n)
    K = classes.size
    Wr, Vr = state.W(relative=True), state.B * np.exp(state.logr - np.max(state.logr))
    scale = math.sqrt(np.sum(Wr ** 2) + np.sum(Vr ** 2))
    W, V = Wr / scale, Vr / scale
    groups = output_groups(state.B)
    live = np.any(X @ state.U > 0, axis=0)
    shares = np.array([np.sum(W[:, live & (groups == k)] ** 2) for k in range(K)])
    H = tl.features(X, W)
    M, _ = tl.class_means(H, idx)
    mn = np.linalg.norm(M, axis=1)
    phi_bar = (M / np.where(mn > 0, mn, 1.0)[:, None]).T
    gram = phi_bar.T @ phi_bar
    F = H @ V.T
    margin = float(np.min(tl.margins(problem, F)))
    within = tl.within_class_cosine(H, idx)
    nh = np.linalg.norm(H, axis=1)
    cos_i = np.sum(H * M[idx], axis=1) / np.where(nh * mn[idx] > 0, nh * mn[idx], 1.0)
    return LimitSummary(classes, groups, live, W, V, shares, H, phi_bar, gram, margin, within,
                        float(np.min(np.where(nh > 0, cos_i, 0.0))))


# ---------------------------------------------------------------------------------------
# Lemma 4's counterexample, Lemma 12's constant
# ---------------------------------------------------------------------------------------
def lemma4_counterexample(K: int, ratio: float, *, noise: float = 0.05, n0: int = 10, n_other: int = 5,
                          log_eps: float = -60.0) -> tuple[np.ndarray, np.ndarray, tl.BalancedState]:
    """The ``simplex_cx`` data and the state of the Lemma 4 counterexample.

    Data: class 0 has ``n0`` points and every other class ``n_other``; each point is
    ``e~_k + noise e_{K+i}`` (:func:`numerics.data.simplex_private` with unit scales).
    Neuron 0 (the test neuron, ``j in N_0``): ``w ∝ e~_0 + beta e~_1`` with ``beta`` such
    that ``A_0 = ratio * A_1`` (it activates all of class 0 and all of class 1, nothing
    else), ``v = b e~_0 + sqrt(1 - b^2) e_perp`` with ``b = 1 - 1/(2(K-1))`` and ``e_perp``
    the unit part of ``e~_1`` orthogonal to ``e~_0`` (so ``B_0 = b`` and ``B_1`` is the
    largest value compatible with ``B_0 = b``). Neurons ``1..K``: ``(x_bar_l, e~_l)``.
    ``log_eps = -60`` makes the run the ``eps -> 0`` direction flow (``y^ = 1/K``).

    Returns ``X, labels, state``.
    """
    from .data import simplex_private

    K = as_int(K, "K", low=3)
    ratio = as_scalar(ratio, "ratio", low=0.0, low_open=True)
    X, labels = simplex_private((as_int(n0, "n0", low=1),) + (as_int(n_other, "n_other", low=1),) * (K - 1),
                                seed=0, noise=noise, point_scale=(1.0, 1.0))
    D = X.shape[1]
    E = pseudo_labels(K)
    c = 1.0 / (K - 1)
    # A_0 / A_1 = (n0 (1 - beta c)) / (n_other (beta - c)) = ratio
    beta = (n0 + ratio * n_other * c) / (ratio * n_other + n0 * c)
    w = np.zeros(D)
    w[:K] = E[:, 0] + beta * E[:, 1]
    b = 1.0 - c / 2.0
    e_perp = E[:, 1] - (E[:, 1] @ E[:, 0]) * E[:, 0]
    e_perp /= np.linalg.norm(e_perp)
    U = [w / np.linalg.norm(w)]
    B = [b * E[:, 0] + math.sqrt(1.0 - b * b) * e_perp]
    for k in range(K):
        s = X[labels == k].sum(axis=0)
        U.append(s / np.linalg.norm(s))
        B.append(E[:, k])
    state = tl.BalancedState(np.array(U).T, np.array(B).T, np.full(K + 1, float(log_eps)))
    return X, labels, state


def _orth_basis(A: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Orthonormal basis (columns) of the column space of ``A``."""
    if A.size == 0:
        return np.zeros((A.shape[0], 0))
    Q, s, _ = np.linalg.svd(A, full_matrices=False)
    return Q[:, s > tol * max(1.0, s[0])]


def gamma_perp(Xk: Any, u: Any, domain: Any = None) -> float:
    """Lemma 12's constant for one class, exactly:
    ``min { max_i <xi, x_i> : xi in S, ||xi|| = 1, xi ⟂ u }``.

    ``domain`` spans ``S`` (columns; ``None``: all of ``R^D``, the printed form). The
    minimum is 0 when some unit ``xi`` in ``S ∩ u^⟂`` has ``<xi, x_i> <= 0`` for every
    point (tested with an LP on the projected points); otherwise it is
    ``1 / max {||z|| : <z, p_i> <= 1}`` over the projected points ``p_i``, attained at a
    vertex of that polytope (enumerated). ``inf`` if ``S ∩ u^⟂ = {0}``.
    """
    X = as_matrix(Xk, "Xk")
    D = X.shape[1]
    u = as_array(u, "u", ndim=1, shape=(D,))
    u = u / np.linalg.norm(u)
    S = np.eye(D) if domain is None else as_matrix(domain, "domain")
    if S.shape[0] != D:
        raise ValueError(f"domain must have {D} rows")
    S = _orth_basis(S - np.outer(u, u @ S))  # S ∩ u^⟂ (u lies in S for every use here)
    d = S.shape[1]
    if d == 0:
        return math.inf
    P = X @ S  # (m, d): <z, p_i> for z in the coordinates of S
    # A non-zero z with P z <= 0 exists iff some coordinate of the cone {P z <= 0} inside
    # the box [-1, 1]^d can be made non-zero: maximise +-z_c for every c (2d small LPs).
    for sign in (1.0, -1.0):
        for coord in range(d):
            c = np.zeros(d)
            c[coord] = -sign
            res = optimize.linprog(c, A_ub=P, b_ub=np.zeros(P.shape[0]), bounds=[(-1, 1)] * d, method="highs")
            if res.status == 0 and -res.fun > 1e-9:
                return 0.0
    # Bounded polytope {z : P z <= 1}: the farthest point is a vertex.
    best = 0.0
    m = P.shape[0]
    for rows in itertools.combinations(range(m), d):
        A = P[list(rows)]
        if np.linalg.cond(A) > 1e12:  # these constraints do not meet in a single point
            continue
        z = np.linalg.solve(A, np.ones(d))
        if np.all(P @ z <= 1.0 + 1e-9):
            best = max(best, float(np.linalg.norm(z)))
    if best == 0.0:
        raise ValueError("no vertex found: the points do not bound the polytope")
    return 1.0 / best


# ---------------------------------------------------------------------------------------
# Digits experiments
# ---------------------------------------------------------------------------------------
def pca_relative_error(Z: Any, r: int = 3) -> float:
    """Relative error of the best rank-``r`` approximation of the centred rows of ``Z``:
    ``sqrt(sum_{k > r} sigma_k^2 / sum_k sigma_k^2)`` (the measure of Fig. 3)."""
    Z = as_matrix(Z, "Z")
    r = as_int(r, "r", low=0)
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    tot = float(np.sum(s ** 2))
    if tot == 0:
        raise ValueError("Z has no variance")
    return math.sqrt(float(np.sum(s[r:] ** 2)) / tot)


def normalise_rows(Z: Any, kind: str) -> np.ndarray:
    """Per-sample normalisation without affine parameters: ``"none"``, ``"rms"``
    (RMSNorm, ``z / sqrt(mean z^2)``) or ``"layer"`` (LayerNorm, ``(z - mean z) / std z``)."""
    Z = as_matrix(Z, "Z")
    if kind == "none":
        return Z.copy()
    if kind == "rms":
        d = np.sqrt(np.mean(Z ** 2, axis=1, keepdims=True))
        return Z / np.where(d > 0, d, 1.0)
    if kind == "layer":
        C = Z - Z.mean(axis=1, keepdims=True)
        d = np.sqrt(np.mean(C ** 2, axis=1, keepdims=True))
        return C / np.where(d > 0, d, 1.0)
    raise ValueError(f"kind must be 'none', 'rms' or 'layer', got {kind!r}")


def train_normed_head(X: Any, labels: Any, norm: str, *, seed: int, hidden: int = 128, width: int = 256,
                      epochs: int = 300, batch: int = 128, lr: float = 0.1, momentum: float = 0.9
                      ) -> dict[str, Any]:
    """Train ``Linear(D, hidden) - ReLU - Linear(hidden, D) - norm - bias-free two-layer ReLU
    head (width, K outputs)`` with SGD on the mean cross-entropy (torch, float64, CPU;
    the optional extra ``torch`` is imported here).

    ``norm`` is ``"none"``, ``"layer"`` (``torch.nn.LayerNorm``) or ``"rms"``
    (``torch.nn.RMSNorm``), both with their default affine parameters. Returns the head's
    last-layer features ``H`` (n, width), its output weights ``V`` (K, width) and the
    training accuracy, as numpy arrays, for :func:`numerics.two_layer.nc_metrics`.
    """
    torch = require("torch", "torch", "train_normed_head")
    X = as_matrix(X, "X")
    idx, classes = class_index(labels, X.shape[0])
    if norm not in ("none", "layer", "rms"):
        raise ValueError(f"norm must be 'none', 'layer' or 'rms', got {norm!r}")
    seed = as_int(seed, "seed", low=0)
    for name, v in (("hidden", hidden), ("width", width), ("epochs", epochs), ("batch", batch)):
        as_int(v, name, low=1)
    lr = as_scalar(lr, "lr", low=0.0, low_open=True)
    momentum = as_scalar(momentum, "momentum", low=0.0, high=1.0)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    D, K = X.shape[1], classes.size
    nn = torch.nn
    layer = {"none": nn.Identity(), "layer": nn.LayerNorm(D), "rms": nn.RMSNorm(D)}[norm]
    extractor = nn.Sequential(nn.Linear(D, hidden), nn.ReLU(), nn.Linear(hidden, D), layer).double()
    W = nn.Linear(D, width, bias=False).double()
    V = nn.Linear(width, K, bias=False).double()
    params = list(extractor.parameters()) + list(W.parameters()) + list(V.parameters())
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
    Xt = torch.as_tensor(X, dtype=torch.float64)
    yt = torch.as_tensor(idx, dtype=torch.long)
    n = Xt.shape[0]
    # Late in training the softmax tails underflow into subnormal numbers, which the CPU
    # handles ~100x slower; flushing them to zero changes nothing above 1e-308.
    flush = torch.set_flush_denormal(True)
    try:
        for _ in range(epochs):
            perm = torch.randperm(n, generator=g)
            for s in range(0, n, batch):
                b = perm[s:s + batch]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(V(torch.relu(W(extractor(Xt[b])))), yt[b])
                loss.backward()
                opt.step()
        with torch.no_grad():
            H = torch.relu(W(extractor(Xt)))
            acc = float((V(H).argmax(1) == yt).double().mean())
    finally:
        if flush:
            torch.set_flush_denormal(False)
    return {"H": H.numpy().copy(), "V": V.weight.detach().numpy().copy(), "accuracy": acc}
