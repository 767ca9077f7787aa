"""Adversarial robustness of two-layer (p)ReLU classifiers: exact smallest flipping
perturbations where a closed form exists, L2 / L-infinity projected-gradient attacks
otherwise, and robust-accuracy curves.

Shared by the papers of the two-layer family (prelu_robustness first). The networks are
those of :mod:`numerics.two_layer`; their input gradients come from
:func:`numerics.two_layer.input_gradient` (:func:`network_oracle`). Every attack is
vectorised over samples and starts, and seeded where it draws anything.

Conventions
-----------
A classifier is given as an *oracle* pair ``(f, grad_f)``: ``f(X) -> (n,)`` real scores
whose sign is the prediction, ``grad_f(X) -> (n, D)`` their input gradients. Labels
``y`` are ``+-1``. The *margin* of a sample is ``y f(x)``; a perturbation ``delta``
*flips* it when ``y f(x + delta) <= 0``. For a radius ``r``:

* robust accuracy ``RA_f(r) = P(min_{||d|| <= r} y f(x + d) > 0)`` (prelu_robustness,
  Sec. "Robustness");
* the minimal flipping radius ``r_f(x) = inf{||delta|| : y f(x + delta) <= 0}``
  (``0`` for a misclassified point).

An attack can only *find* flips: an attacked robust accuracy is an upper bound on the
true one, and an attacked flip radius an upper bound on ``r_f(x)``. Exact values come
from the closed forms (:func:`linear_flip_radius`, :func:`halfspace_union_flip_radius`)
or, in low dimension, from the constrained minimisation :func:`slsqp_flip_radius`.

Contents
--------
* oracles: :func:`network_oracle` (a :mod:`numerics.two_layer` network),
  :func:`normalized_input_oracle` (the MNIST-code variant: inputs centred inside the
  model and the network made 1-homogeneous in the centred input);
* attacks: :func:`pgd_l2` (normalised projected gradient descent on the margin, from
  any set of starts), :func:`structure_aware_starts` (starts toward the class-average
  direction and half-way to every opposite cluster centre), :func:`pgd_linf`;
* radii: :func:`linear_flip_radius`, :func:`halfspace_union_flip_radius`,
  :func:`attack_flip_radius` (bisection on the radius with :func:`pgd_l2`),
  :func:`slsqp_flip_radius`;
* curves: :func:`robust_accuracy` (attacked), :func:`exact_robust_accuracy` (from
  exact flip radii), :func:`crossing_radius`, :func:`r50`, :func:`transition_width`;
* distances between classifiers: :func:`sphere_probes`, :func:`sup_distance`
  (``inf_c sup_{x in S^{D-1}} |c f(x) - F(x)|`` estimated as the cards describe);
* the optimiser of the papers' real-data experiments: :func:`adam_train` (full-batch
  Adam on a :class:`numerics.two_layer.Problem`, gradients from
  :func:`numerics.two_layer.gradients`).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar

from . import two_layer as tl

__all__ = [
    "Oracle",
    "AttackResult",
    "network_oracle",
    "normalized_input_oracle",
    "structure_aware_starts",
    "pgd_l2",
    "pgd_linf",
    "linear_flip_radius",
    "halfspace_union_flip_radius",
    "attack_flip_radius",
    "slsqp_flip_radius",
    "robust_accuracy",
    "exact_robust_accuracy",
    "crossing_radius",
    "r50",
    "transition_width",
    "sphere_probes",
    "sup_distance",
    "adam_train",
]

Oracle = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


# ---------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------
def _labels(y: Any, n: int) -> np.ndarray:
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"y must have length {n} (one label per row of X), got {y.shape[0]}")
    if not np.all(np.abs(y) == 1.0):
        raise ValueError("y must hold labels in {-1, +1}")
    return y


def _radii(radius: Any, n: int, name: str = "radius") -> np.ndarray:
    r = as_array(radius, name)
    if r.ndim == 0:
        r = np.full(n, float(r))
    if r.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {r.shape}")
    if np.any(r < 0):
        raise ValueError(f"{name} must be non-negative, got min {r.min():.3g}")
    return r


def _check_oracle(f: Any, grad_f: Any) -> None:
    if not callable(f) or not callable(grad_f):
        raise TypeError("f and grad_f must be callables (X -> scores, X -> input gradients)")


def _scores(f: Callable, Z: np.ndarray) -> np.ndarray:
    s = np.asarray(f(Z), dtype=float).reshape(-1)
    if s.shape[0] != Z.shape[0]:
        raise ValueError(f"f must return one score per row ({Z.shape[0]}), got shape {s.shape}")
    return s


def _project_l2(Dl: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Project the rows of ``Dl`` onto the balls ``||d|| <= r`` (row-wise radii)."""
    nrm = np.linalg.norm(Dl, axis=-1)
    fac = np.where(nrm > r, r / np.where(nrm > 0, nrm, 1.0), 1.0)
    return Dl * fac[..., None]


# ---------------------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------------------
def network_oracle(W: Any, V: Any, *, p: float = 1.0, leaky: float = 0.0, unit_norm: bool = True,
                   output_weights: Any = None) -> Oracle:
    """``(f, grad_f)`` of a :mod:`numerics.two_layer` network.

    A scalar output (``V`` of shape ``(h,)``) gives ``f = forward``; several outputs need
    ``output_weights`` ``c`` (``(K,)``): the score is ``<c, f(x)>`` (for two logits and
    labels ``+-1`` use ``c = (-1, +1)``, the logit difference). The input gradient is
    :func:`numerics.two_layer.input_gradient` (ReLU convention ``sigma'(0) = 0``).
    """
    W = as_matrix(W, "W")
    scalar = np.ndim(V) == 1
    V = as_array(V, "V")
    c = None
    if not scalar:
        if output_weights is None:
            raise ValueError("output_weights is required for a network with several outputs")
        c = as_array(output_weights, "output_weights", ndim=1, shape=(V.shape[0],))

    def f(Z: np.ndarray) -> np.ndarray:
        out = tl.forward(Z, W, V, p=p, leaky=leaky, unit_norm=unit_norm)
        return out if scalar else out @ c

    def grad_f(Z: np.ndarray) -> np.ndarray:
        return tl.input_gradient(Z, W, V, p=p, leaky=leaky, unit_norm=unit_norm, output_weights=c)

    return f, grad_f


def normalized_input_oracle(f: Callable, grad_f: Callable, center: Any, p: float = 1.0) -> Oracle:
    """The MNIST-code variant of a pReLU network (``normalize_input=True``, no bias).

    The code divides every hidden unit by ``||x - c||^(p-1)``, i.e. it evaluates
    ``g(x) = ||x~||^(1-p) f_p(x~)`` with ``x~ = x - c``, which is positively
    1-homogeneous in ``x~``. Since ``f_p`` is ``p``-homogeneous in its input,
    ``g(x) = f_p(phi(x))`` with ``phi(x) = x~ ||x~||^(1/p - 1)``: train the plain network
    on ``phi(X)`` and attack ``g`` through this oracle. ``grad g = J_phi^T grad f_p``,
    ``J_phi = ||x~||^(1/p - 1) (I + (1/p - 1) u u^T)``, ``u = x~/||x~||``.
    """
    _check_oracle(f, grad_f)
    c = as_array(center, "center", ndim=1)
    p = as_scalar(p, "p", low=1.0)

    def phi(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Zt = np.asarray(Z, dtype=float) - c
        nrm = np.linalg.norm(Zt, axis=1)
        if np.any(nrm == 0):
            raise ValueError("an input equals the centre: the normalised network is undefined there")
        return Zt * (nrm ** (1.0 / p - 1.0))[:, None], Zt / nrm[:, None], nrm

    def g(Z: np.ndarray) -> np.ndarray:
        return f(phi(Z)[0])

    def grad_g(Z: np.ndarray) -> np.ndarray:
        P, u, nrm = phi(Z)
        G = np.asarray(grad_f(P), dtype=float)
        radial = np.sum(G * u, axis=1)
        return (G + (1.0 / p - 1.0) * radial[:, None] * u) * (nrm ** (1.0 / p - 1.0))[:, None]

    return g, grad_g


# ---------------------------------------------------------------------------------------
# attacks
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttackResult:
    """Outcome of an attack on ``n`` samples.

    Attributes
    ----------
    delta : (n, D) the best perturbation found (smallest margin; inside the ball).
    margin : (n,) ``y f(x + delta)`` (the clean margin when no start improved on it).
    clean_margin : (n,) ``y f(x)``.
    success : (n,) ``margin <= 0`` (the prediction is flipped or was wrong).
    start : (n,) index of the start that produced ``delta`` (``-1``: the clean point).
    radius : (n,) the radii (``inf`` norm bound for :func:`pgd_linf`).
    """

    delta: np.ndarray
    margin: np.ndarray
    clean_margin: np.ndarray
    success: np.ndarray
    start: np.ndarray
    radius: np.ndarray

    @property
    def robust(self) -> np.ndarray:
        """Samples that survived every start (an upper bound on true robustness)."""
        return ~self.success

    @property
    def robust_accuracy(self) -> float:
        return float(np.mean(~self.success))


def structure_aware_starts(X: Any, y: Any, radius: Any, centers: Any, center_labels: Any) -> np.ndarray:
    """Starting perturbations for attacks on cluster data (prelu_robustness card, "our
    technique"): zero start ``0``; the class-average direction ``r d_y``,
    ``d_y = -y (mu_+ - mu_-)/||mu_+ - mu_-||`` (``mu_+-`` the class sums of the centres);
    and ``r (mu_l - mu_k^)/||mu_l - mu_k^||`` toward every opposite-class centre ``l``,
    with ``k^`` the own-class centre most aligned with ``x``.

    Zero-start PGD under-attacks ReLU-type classifiers (inactive units give no gradient
    toward the opposite cluster); these starts reach the two kinds of optimal flips of
    the reference classifiers in one step. Rows with fewer opposite centres than the
    other class repeat their zero start (harmless).

    Returns
    -------
    (S, n, D) array, ``S = 2 + max(#positive centres, #negative centres)``.
    """
    X = as_matrix(X, "X")
    n, D = X.shape
    y = _labels(y, n)
    r = _radii(radius, n)
    M = as_matrix(centers, "centers")
    if M.shape[1] != D:
        raise ValueError(f"centers must have {D} columns (the input dimension), got shape {M.shape}")
    lab = as_array(center_labels, "center_labels", ndim=1, shape=(M.shape[0],))
    if not np.all(np.abs(lab) == 1) or np.all(lab > 0) or np.all(lab < 0):
        raise ValueError("center_labels must hold +-1 with both classes present")
    mu_p, mu_m = M[lab > 0].sum(0), M[lab < 0].sum(0)
    dy = mu_p - mu_m
    dy = dy / np.linalg.norm(dy)
    S = 2 + int(max(np.sum(lab > 0), np.sum(lab < 0)))
    starts = np.zeros((S, n, D))
    starts[1] = -(y * r)[:, None] * dy
    proj = X @ M.T  # (n, K)
    for cls in (1.0, -1.0):
        rows = np.flatnonzero(y == cls)
        if rows.size == 0:
            continue
        own = np.flatnonzero(lab == cls)
        opp = np.flatnonzero(lab != cls)
        khat = own[np.argmax(proj[np.ix_(rows, own)], axis=1)]
        for s, l in enumerate(opp):
            Dl = M[l][None, :] - M[khat]
            Dl = Dl / np.linalg.norm(Dl, axis=1, keepdims=True)
            starts[2 + s, rows] = r[rows, None] * Dl
    return starts


def pgd_l2(f: Callable, grad_f: Callable, X: Any, y: Any, radius: Any, *, starts: Any = None,
           steps: int = 50, step: float = 0.1, decay: float = 0.95, n_random: int = 0,
           seed: Any = None, early_stop: bool = True) -> AttackResult:
    """L2 projected gradient attack: minimise the margin ``y f(x + d)`` over
    ``||d|| <= r`` by normalised gradient steps from every start.

    Each iteration ``d <- P(d - eta_t y g/||g||)``, ``g = grad f(x + d)``,
    ``eta_t = step * r * decay^t``, ``P`` the projection onto the ball (the card's
    recipe: step ``r/10`` shrinking by 0.95 per step, 50 steps). A sample counts as
    flipped if *any* iterate of *any* start has margin ``<= 0``; the best (smallest
    margin) iterate is returned.

    Parameters
    ----------
    f, grad_f : the oracle (scores and their input gradients).
    X : (n, D) clean inputs; y : (n,) labels ``+-1``.
    radius : scalar or (n,) L2 radii.
    starts : (S, n, D) initial perturbations (projected onto the ball); ``None`` is the
        zero start only. See :func:`structure_aware_starts`.
    n_random : extra starts drawn uniformly in each ball (needs ``seed``).
    early_stop : stop iterating a sample once any of its starts has flipped it (its
        returned ``delta`` is then the first flipping iterate, not the margin minimiser);
        ``False`` runs every start for all ``steps`` and returns the smallest margin.

    Returns
    -------
    AttackResult
    """
    _check_oracle(f, grad_f)
    X = as_matrix(X, "X")
    n, D = X.shape
    y = _labels(y, n)
    r = _radii(radius, n)
    steps = as_int(steps, "steps", low=0)
    step = as_scalar(step, "step", low=0.0, low_open=True)
    decay = as_scalar(decay, "decay", low=0.0, high=1.0, low_open=True)
    n_random = as_int(n_random, "n_random", low=0)
    if starts is None:
        st = np.zeros((1, n, D))
    else:
        st = as_array(starts, "starts", ndim=3)
        if st.shape[1:] != (n, D):
            raise ValueError(f"starts must have shape (S, {n}, {D}), got {st.shape}")
    if n_random:
        rng = as_rng(seed)
        g = rng.standard_normal((n_random, n, D))
        g /= np.linalg.norm(g, axis=2, keepdims=True)
        rad = r[None, :] * rng.random((n_random, n)) ** (1.0 / D)
        st = np.concatenate([st, g * rad[..., None]], axis=0)
    S = st.shape[0]
    clean = y * _scores(f, X)
    Xb = np.broadcast_to(X, (S, n, D)).reshape(S * n, D)
    yb = np.broadcast_to(y, (S, n)).reshape(-1)
    rb = np.broadcast_to(r, (S, n)).reshape(-1)
    sample = np.broadcast_to(np.arange(n), (S, n)).reshape(-1)
    d = _project_l2(st.reshape(S * n, D).copy(), rb)
    best_m = yb * _scores(f, Xb + d)
    best_d = d.copy()
    eta = step * rb
    flipped = np.zeros(n, dtype=bool)
    np.logical_or.at(flipped, sample, best_m <= 0)
    # rows still worth iterating: positive radius and (with early_stop) an unflipped sample
    alive = np.flatnonzero((rb > 0) & ~(early_stop & flipped[sample]))
    for _ in range(steps):
        if alive.size == 0:
            break
        # index with a slice while every row is alive (fancy indexing copies)
        sel = slice(None) if alive.size == rb.size else alive
        Xa, ya, ra = Xb[sel], yb[sel], rb[sel]
        G = np.asarray(grad_f(Xa + d[sel]), dtype=float) * ya[:, None]
        gn = np.linalg.norm(G, axis=1)
        upd = G / np.where(gn > 0, gn, 1.0)[:, None]  # zero gradient: no move
        da = _project_l2(d[sel] - eta[sel, None] * upd, ra)
        d[sel] = da
        m = ya * _scores(f, Xa + da)
        better = m < best_m[sel]
        idx = alive[better]
        best_m[idx] = m[better]
        best_d[idx] = da[better]
        eta[sel] *= decay
        if early_stop:
            np.logical_or.at(flipped, sample[alive], m <= 0)
            alive = alive[~flipped[sample[alive]]]
    best_m = best_m.reshape(S, n)
    best_d = best_d.reshape(S, n, D)
    k = np.argmin(best_m, axis=0)
    m_att = best_m[k, np.arange(n)]
    use = m_att < clean
    margin = np.where(use, m_att, clean)
    delta = np.where(use[:, None], best_d[k, np.arange(n)], 0.0)
    return AttackResult(delta, margin, clean, margin <= 0, np.where(use, k, -1), r)


def pgd_linf(f: Callable, grad_f: Callable, X: Any, y: Any, eps: float, *, steps: int = 20,
             step: float | None = None, box: tuple[float, float] | None = (0.0, 1.0),
             random_start: bool = False, seed: Any = None) -> AttackResult:
    """L-infinity PGD (signed gradient steps, projection onto the eps-box and onto the
    pixel ``box``): the hand-written replacement of AutoAttack's ``apgd-ce`` in the card's
    digits experiment (20 steps of size ``eps/4``). Returns the best iterate."""
    _check_oracle(f, grad_f)
    X = as_matrix(X, "X")
    n, D = X.shape
    y = _labels(y, n)
    eps = as_scalar(eps, "eps", low=0.0)
    steps = as_int(steps, "steps", low=0)
    step = eps / 4 if step is None else as_scalar(step, "step", low=0.0)
    lo, hi = (-np.inf, np.inf) if box is None else (float(box[0]), float(box[1]))
    if lo >= hi:
        raise ValueError(f"box must be (low, high) with low < high, got {box}")
    clean = y * _scores(f, X)
    if random_start:
        d = as_rng(seed).uniform(-eps, eps, X.shape)
    else:
        d = np.zeros_like(X)
    d = np.clip(X + d, lo, hi) - X
    best_m = y * _scores(f, X + d)
    best_d = d.copy()
    for _ in range(steps if eps > 0 else 0):
        G = np.asarray(grad_f(X + d), dtype=float) * y[:, None]
        d = np.clip(d - step * np.sign(G), -eps, eps)
        d = np.clip(X + d, lo, hi) - X
        m = y * _scores(f, X + d)
        better = m < best_m
        best_m = np.where(better, m, best_m)
        best_d[better] = d[better]
    use = best_m < clean
    margin = np.where(use, best_m, clean)
    delta = np.where(use[:, None], best_d, 0.0)
    return AttackResult(delta, margin, clean, margin <= 0, np.where(use, 0, -1), np.full(n, eps))


# ---------------------------------------------------------------------------------------
# flip radii
# ---------------------------------------------------------------------------------------
def linear_flip_radius(X: Any, y: Any, w: Any, b: float = 0.0) -> np.ndarray:
    """Exact ``r_f(x)`` of a linear classifier ``f(x) = <w, x> + b``:
    ``max(y f(x), 0) / ||w||`` (distance to the hyperplane; 0 if misclassified)."""
    X = as_matrix(X, "X")
    y = _labels(y, X.shape[0])
    w = as_array(w, "w", ndim=1, shape=(X.shape[1],))
    b = as_scalar(b, "b")
    nw = np.linalg.norm(w)
    if nw == 0:
        raise ValueError("w must be non-zero")
    return np.maximum(y * (X @ w + b), 0.0) / nw


def halfspace_union_flip_radius(X: Any, normals: Any, offsets: Any) -> np.ndarray:
    """Exact L2 distance from each row of ``X`` to the union of the half-spaces
    ``{z : <a_m, z> <= c_m}``: ``min_m max(<a_m, x> - c_m, 0)/||a_m||``.

    A classifier whose flipping set ``{y f <= 0}`` is such a union (e.g. prelu_robustness's
    two-neuron ReLU reference ``F``, whose set ``{F <= 0}`` is ``{<x, mu_+> <= 0} u
    {<x, mu_+ - mu_-> <= 0}``) has ``r_f(x)`` equal to this distance.

    Parameters
    ----------
    X : (n, D); normals : (M, D) or (n, M, D) (per-sample half-spaces); offsets : (M,)
        or (n, M).
    """
    X = as_matrix(X, "X")
    A = as_array(normals, "normals")
    c = as_array(offsets, "offsets")
    if A.ndim == 2:
        A = np.broadcast_to(A, (X.shape[0],) + A.shape)
    if A.ndim != 3 or A.shape[0] != X.shape[0] or A.shape[2] != X.shape[1]:
        raise ValueError(f"normals must have shape (M, {X.shape[1]}) or ({X.shape[0]}, M, {X.shape[1]}), "
                         f"got {np.shape(normals)}")
    c = np.broadcast_to(c, A.shape[:2]) if c.ndim <= 1 else c
    if c.shape != A.shape[:2]:
        raise ValueError(f"offsets must have shape ({A.shape[1]},) or {A.shape[:2]}, got {np.shape(offsets)}")
    nrm = np.linalg.norm(A, axis=2)
    if np.any(nrm == 0):
        raise ValueError("normals must be non-zero")
    dist = np.maximum(np.einsum("nmd,nd->nm", A, X) - c, 0.0) / nrm
    return dist.min(axis=1)


def attack_flip_radius(f: Callable, grad_f: Callable, X: Any, y: Any, r_max: float, *,
                       starts_fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                       tol: float = 1e-4, **attack_kw: Any) -> tuple[np.ndarray, np.ndarray]:
    """Smallest radius at which :func:`pgd_l2` flips each sample, by bisection.

    ``starts_fn(X, y, r) -> (S, n, D)`` builds the starts for per-sample radii ``r``
    (e.g. ``lambda X, y, r: structure_aware_starts(X, y, r, centers, labels)``). Returns
    ``(radius, delta)``: the bracket's upper end (an upper bound on ``r_f(x)``, within
    ``tol`` of the attack's own threshold; ``inf`` if no flip was found at ``r_max``; 0 for
    misclassified points) and a flipping perturbation of norm ``<= radius``.
    """
    _check_oracle(f, grad_f)
    X = as_matrix(X, "X")
    n = X.shape[0]
    y = _labels(y, n)
    r_max = as_scalar(r_max, "r_max", low=0.0, low_open=True)
    tol = as_scalar(tol, "tol", low=0.0, low_open=True)

    def run(r: np.ndarray) -> AttackResult:
        st = None if starts_fn is None else starts_fn(X, y, r)
        return pgd_l2(f, grad_f, X, y, r, starts=st, **attack_kw)

    res = run(np.full(n, r_max))
    hi = np.where(res.success, r_max, np.inf)
    delta = res.delta.copy()
    lo = np.zeros(n)
    clean_bad = res.clean_margin <= 0
    hi[clean_bad] = 0.0
    delta[clean_bad] = 0.0
    todo = np.isfinite(hi) & ~clean_bad
    while np.any(todo & (hi - lo > tol)):
        mid = np.where(todo, 0.5 * (lo + hi), hi)
        res = run(mid)
        ok = res.success & todo
        hi = np.where(ok, mid, hi)
        delta[ok] = res.delta[ok]
        lo = np.where(todo & ~res.success, mid, lo)
        todo = todo & (hi - lo > tol)
    return hi, delta


def slsqp_flip_radius(f: Callable, grad_f: Callable, x: Any, y: float, *, n_starts: int = 40,
                      scale: float = 1.0, seed: Any, extra_starts: Any = None, ftol: float = 1e-12,
                      maxiter: int = 500) -> tuple[float, np.ndarray]:
    """``min ||delta|| s.t. y f(x + delta) <= 0`` by SLSQP from ``n_starts`` random starts
    (Gaussian directions, lengths uniform in ``[0, 2 scale]``) and the rows of
    ``extra_starts`` (S, D); for low dimension. The constraint is non-smooth at the
    kinks of ReLU-type classifiers, so single runs can end in local minima: take many
    starts.

    Returns the smallest feasible norm found (feasibility checked to ``1e-10``) and the
    minimiser; ``(0, 0)`` if ``x`` is already misclassified, ``(inf, nan)`` if no run
    ended feasible.
    """
    _check_oracle(f, grad_f)
    x = as_array(x, "x", ndim=1)
    y = as_scalar(y, "y")
    if abs(y) != 1:
        raise ValueError("y must be +1 or -1")
    n_starts = as_int(n_starts, "n_starts", low=1)
    scale = as_scalar(scale, "scale", low=0.0, low_open=True)
    rng = as_rng(seed)
    D = x.size
    if y * float(_scores(f, x[None])[0]) <= 0:
        return 0.0, np.zeros(D)

    def cons(d: np.ndarray) -> float:
        return -y * float(_scores(f, (x + d)[None])[0])

    def cons_jac(d: np.ndarray) -> np.ndarray:
        return -y * np.asarray(grad_f((x + d)[None]), dtype=float)[0]

    starts = []
    for _ in range(n_starts):
        g = rng.standard_normal(D)
        starts.append(g / np.linalg.norm(g) * rng.uniform(0, 2 * scale))
    if extra_starts is not None:
        ex = as_matrix(extra_starts, "extra_starts")
        if ex.shape[1] != D:
            raise ValueError(f"extra_starts must have {D} columns, got shape {ex.shape}")
        starts.extend(ex)
    best, best_d = math.inf, np.full(D, np.nan)
    for d0 in starts:
        res = optimize.minimize(lambda d: float(d @ d), d0, jac=lambda d: 2 * d, method="SLSQP",
                                constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
                                options={"ftol": ftol, "maxiter": maxiter})
        d = res.x
        if cons(d) >= -1e-10:
            nd = float(np.linalg.norm(d))
            if nd < best:
                best, best_d = nd, d
    return best, best_d


# ---------------------------------------------------------------------------------------
# robust-accuracy curves
# ---------------------------------------------------------------------------------------
def robust_accuracy(f: Callable, grad_f: Callable, X: Any, y: Any, radii: Any, *,
                    starts_fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                    **attack_kw: Any) -> np.ndarray:
    """Attacked robust accuracy at every radius (an upper bound on ``RA_f(r)``): the
    fraction of samples that :func:`pgd_l2` does not flip. ``starts_fn`` as in
    :func:`attack_flip_radius`."""
    _check_oracle(f, grad_f)
    X = as_matrix(X, "X")
    n = X.shape[0]
    y = _labels(y, n)
    radii = as_array(radii, "radii", ndim=1)
    if np.any(radii < 0):
        raise ValueError("radii must be non-negative")
    out = np.empty(radii.size)
    for i, r in enumerate(radii):
        rr = np.full(n, float(r))
        st = None if starts_fn is None else starts_fn(X, y, rr)
        out[i] = pgd_l2(f, grad_f, X, y, rr, starts=st, **attack_kw).robust_accuracy
    return out


def exact_robust_accuracy(flip_radii: Any, radii: Any) -> np.ndarray:
    """``RA(r) = mean(r_f(x) > r)`` from exact flip radii (0 for misclassified points)."""
    fr = as_array(flip_radii, "flip_radii", ndim=1, finite=False)
    if np.any(np.isnan(fr)) or np.any(fr < 0):
        raise ValueError("flip_radii must be non-negative (inf allowed)")
    radii = as_array(radii, "radii", ndim=1)
    return np.mean(fr[None, :] > radii[:, None], axis=1)


def crossing_radius(radii: Any, ra: Any, level: float) -> float:
    """First radius where the (non-increasing) curve ``ra`` falls to ``level``, by linear
    interpolation between grid points; ``nan`` if it never does inside the grid."""
    radii = as_array(radii, "radii", ndim=1)
    ra = as_array(ra, "ra", ndim=1, shape=(radii.size,))
    level = as_scalar(level, "level", low=0.0, high=1.0)
    if np.any(np.diff(radii) <= 0):
        raise ValueError("radii must be strictly increasing")
    below = np.flatnonzero(ra <= level)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(radii[0])
    r0, r1, a0, a1 = radii[i - 1], radii[i], ra[i - 1], ra[i]
    return float(r0 + (a0 - level) * (r1 - r0) / (a0 - a1))


def r50(radii: Any, ra: Any) -> float:
    """The radius where the robust accuracy crosses 0.5 (:func:`crossing_radius`)."""
    return crossing_radius(radii, ra, 0.5)


def transition_width(radii: Any, ra: Any, high: float = 0.9, low: float = 0.1) -> float:
    """``r(low) - r(high)``: the width of the fall of the robust-accuracy curve."""
    return crossing_radius(radii, ra, low) - crossing_radius(radii, ra, high)


# ---------------------------------------------------------------------------------------
# distance between classifiers on the sphere
# ---------------------------------------------------------------------------------------
def sphere_probes(centers: Any, n: int, *, seed: Any, boost: float = 3.0,
                  pairs: bool = True, extra: Any = None) -> np.ndarray:
    """Probe points on the unit sphere for sup-distance estimates (prelu_robustness card,
    "Distance estimation"): ``n`` normalised draws of ``g + boost * sum_k h_k mu_k``
    (``g ~ N(0, I_D)``, ``h ~ N(0, I_K)``: extra mass near ``span{mu_k}``, which uniform
    sphere samples in high dimension never probe), the centres, the normalised centre
    pairs ``(mu_k + mu_l)/sqrt 2`` (``pairs``) and any ``extra`` rows (normalised)."""
    M = as_matrix(centers, "centers")
    K, D = M.shape
    n = as_int(n, "n", low=0)
    boost = as_scalar(boost, "boost", low=0.0)
    rng = as_rng(seed)
    P = rng.standard_normal((n, D)) + boost * rng.standard_normal((n, K)) @ M
    rows = [P, M]
    if pairs and K > 1:
        i, j = np.triu_indices(K, k=1)
        rows.append(M[i] + M[j])
    if extra is not None:
        rows.append(as_matrix(extra, "extra"))
    P = np.vstack(rows)
    nrm = np.linalg.norm(P, axis=1, keepdims=True)
    return P[nrm[:, 0] > 0] / nrm[nrm[:, 0] > 0]


def sup_distance(f: Callable, grad_f: Callable, F: Callable, grad_F: Callable, probes: Any, *,
                 c: float | None = None, n_ascent: int = 64, steps: int = 200, step: float = 0.05,
                 decay: float = 0.98) -> tuple[float, np.ndarray, float]:
    """Estimate ``inf_{c > 0} sup_{x in S^{D-1}} |c f(x) - F(x)|`` (prelu_robustness,
    follow-up Prop. 3) as the card's code does.

    ``c`` defaults to the least-squares value ``sum f F / sum f^2`` on the probes (an
    estimate of the infimum's argument: the result estimates an *upper* bound on the
    infimum over ``c``); give ``c = 1`` where the loss fixes the scale. The sup over the
    sphere is the maximum over the probes, then refined by projected normalised gradient
    ascent of ``|c f - F|`` on the sphere from the ``n_ascent`` best probes (a lower bound
    on the sup).

    Returns
    -------
    (value, maximiser, c)
    """
    for a, b in ((f, grad_f), (F, grad_F)):
        _check_oracle(a, b)
    P = as_matrix(probes, "probes")
    if np.max(np.abs(np.linalg.norm(P, axis=1) - 1.0)) > 1e-10:
        raise ValueError("probes must be unit vectors")
    n_ascent = as_int(n_ascent, "n_ascent", low=0)
    steps = as_int(steps, "steps", low=0)
    fv, Fv = _scores(f, P), _scores(F, P)
    if c is None:
        den = float(fv @ fv)
        if den == 0:
            raise ValueError("f vanishes on every probe: no least-squares scale")
        c = float(fv @ Fv) / den
        if c <= 0:
            raise ValueError(f"the least-squares scale is not positive (c = {c:.3g})")
    else:
        c = as_scalar(c, "c", low=0.0, low_open=True)
    err = np.abs(c * fv - Fv)
    best = int(np.argmax(err))
    value, arg = float(err[best]), P[best].copy()
    if n_ascent and steps:
        Z = P[np.argsort(err)[::-1][:n_ascent]].copy()
        eta = step
        for _ in range(steps):
            e = c * _scores(f, Z) - _scores(F, Z)
            G = np.sign(e)[:, None] * (c * np.asarray(grad_f(Z)) - np.asarray(grad_F(Z)))
            G = G - np.sum(G * Z, axis=1, keepdims=True) * Z  # tangent to the sphere
            gn = np.linalg.norm(G, axis=1, keepdims=True)
            Z = Z + eta * np.where(gn > 0, G / np.where(gn > 0, gn, 1.0), 0.0)
            Z /= np.linalg.norm(Z, axis=1, keepdims=True)
            eta *= decay
            e = np.abs(c * _scores(f, Z) - _scores(F, Z))
            k = int(np.argmax(e))
            if e[k] > value:
                value, arg = float(e[k]), Z[k].copy()
    return value, arg, float(c)


# ---------------------------------------------------------------------------------------
# training as in the papers' real-data experiments
# ---------------------------------------------------------------------------------------
def adam_train(problem: tl.Problem, W0: Any, V0: Any, *, lr: float = 1e-3, steps: int = 300,
               betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
               unit_norm: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Full-batch Adam (Kingma & Ba, with bias correction; PyTorch's defaults) on the loss
    of ``problem``, the optimiser of the prelu_robustness code's MNIST / Caltech heads.
    The gradients are :func:`numerics.two_layer.gradients` (``loss_scale = 1/n`` gives the
    mean loss the code minimises). Returns ``(W, V, final loss)``.
    """
    if not isinstance(problem, tl.Problem):
        raise TypeError(f"problem must be a numerics.two_layer.Problem, got {type(problem).__name__}")
    W = as_matrix(W0, "W0").copy()
    V = as_array(V0, "V0").copy()
    lr = as_scalar(lr, "lr", low=0.0, low_open=True)
    steps = as_int(steps, "steps", low=0)
    b1 = as_scalar(betas[0], "betas[0]", low=0.0, high=1.0, high_open=True)
    b2 = as_scalar(betas[1], "betas[1]", low=0.0, high=1.0, high_open=True)
    eps = as_scalar(eps, "eps", low=0.0, low_open=True)
    params = [W, V]
    m = [np.zeros_like(W), np.zeros_like(V)]
    v = [np.zeros_like(W), np.zeros_like(V)]
    for k in range(1, steps + 1):
        gW, gV, _ = tl.gradients(problem, params[0], params[1], unit_norm=unit_norm)
        for i, g in enumerate((gW, gV)):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            params[i] = params[i] - lr * (m[i] / (1 - b1 ** k)) / (np.sqrt(v[i] / (1 - b2 ** k)) + eps)
        if not (np.all(np.isfinite(params[0])) and np.all(np.isfinite(params[1]))):
            raise ValueError(f"Adam diverged at step {k} (lr={lr})")
    loss = tl.loss_value(problem, params[0], params[1], unit_norm=unit_norm)
    return params[0], params[1], float(loss)
