"""Large-step gradient descent on one-datum overparametrised least squares.

The model family of MacDonald et al. (NeurIPS 2025, card ``edge_of_stability``):
``l(theta) = 1/2 (f(theta) - y)^2`` with one datum, so that the minimisers form a
hypersurface ``M = f^{-1}{y}``. The worked example is depth-``p`` scalar factorisation
``f(theta) = theta_1 * ... * theta_p`` (App. B), for which everything here is analytic:

* :func:`product`, :func:`product_grad`, :func:`product_hessian`, :func:`product_hvp`:
  ``f``, ``grad f`` (products of the other entries, robust at zero entries),
  ``Hess f`` and Hessian-vector products;
* :func:`loss`, :func:`loss_grad`, :func:`loss_hessian`, :func:`loss_hvp`:
  ``l``, ``grad l = (f - y) grad f``, ``Hess l = grad f grad f^T + (f - y) Hess f``;
* :func:`run_gd`: ``theta_{t+1} = theta_t - eta (f - y) f / theta_t`` (App. B) through
  :func:`numerics.flow.gradient_descent`;
* :func:`sharpness_exact` (top eigenvalue of the dense Hessian) and
  :func:`sharpness_lanczos` (Lanczos on Hessian-vector products through
  :func:`scipy.sparse.linalg.eigsh`, for depths where the dense Hessian is wasteful);
* :func:`detect_period_two`: period-two orbits of a recorded trajectory (Thm 5.3);
* :func:`finite_difference_hessian`: a reference Hessian from any gradient;
* the companion tutorial's two-dimensional example ``L(theta) = exp(-theta_1) theta_2^2``
  (:func:`toy_loss`, :func:`toy_grad`, :func:`toy_stabilisation_times`,
  :func:`toy_lambda_path`), vectorised over many initial points.

Every public function validates its input (``ValueError`` naming the argument,
``TypeError`` for the wrong kind of object); batched arrays carry the parameter axis last.
This module never imports :mod:`theorems` except its validation helpers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from theorems.validate import as_array, as_int, as_rng, as_scalar

from .flow import Trajectory, gradient_descent

__all__ = [
    "product",
    "product_grad",
    "product_hessian",
    "product_hvp",
    "loss",
    "loss_grad",
    "loss_hessian",
    "loss_hvp",
    "run_gd",
    "sharpness_exact",
    "sharpness_lanczos",
    "hessian_operator",
    "finite_difference_hessian",
    "PeriodTwo",
    "detect_period_two",
    "toy_loss",
    "toy_grad",
    "toy_stabilisation_times",
    "toy_lambda_path",
]


# -- validation -------------------------------------------------------------------------
def _theta(theta: Any, name: str = "theta", *, batch: bool = True) -> np.ndarray:
    a = as_array(theta, name)
    if a.ndim == 0 or (not batch and a.ndim != 1):
        raise ValueError(f"{name} must be a 1-d parameter vector{' (or a batch of them)' if batch else ''}, "
                         f"got shape {a.shape}")
    if a.shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 parameters (p > 1), got {a.shape[-1]}")
    return a


def _target(y: Any) -> float:
    return as_scalar(y, "y")


# -- the scalar factorisation f(theta) = prod theta_i -----------------------------------
def _others(theta: np.ndarray) -> np.ndarray:
    """``prod_{j != i} theta_j`` for every ``i`` (prefix times suffix products, so that a
    zero entry does not produce 0/0)."""
    ones = np.ones(theta.shape[:-1] + (1,))
    pre = np.cumprod(np.concatenate([ones, theta[..., :-1]], axis=-1), axis=-1)
    suf = np.cumprod(np.concatenate([ones, theta[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return pre * suf


def product(theta: Any) -> np.ndarray:
    """``f(theta) = theta_1 ... theta_p`` (App. B), over the last axis."""
    return np.prod(_theta(theta), axis=-1)


def product_grad(theta: Any) -> np.ndarray:
    """``grad f = (prod_{j != i} theta_j)_i``; equals ``f / theta_i`` where no entry is 0."""
    return _others(_theta(theta))


def _hessian_f(th: np.ndarray) -> np.ndarray:
    p = th.shape[-1]
    # Row i of ``rows`` is theta with entry i set to 1, so its "others" products are
    # prod_{k != i, j} theta_k: the (i, j) entry of Hess f off the diagonal.
    rows = np.broadcast_to(th[..., None, :], th.shape[:-1] + (p, p)).copy()
    idx = np.arange(p)
    rows[..., idx, idx] = 1.0
    h = _others(rows)
    h[..., idx, idx] = 0.0
    return h


def product_hessian(theta: Any) -> np.ndarray:
    """``Hess f``: ``prod_{k != i, j} theta_k`` off the diagonal, 0 on it. Shape ``(..., p, p)``."""
    return _hessian_f(_theta(theta))


def _hvp_f(th: np.ndarray, v: np.ndarray) -> np.ndarray:
    if np.all(th != 0):
        # (Hess f v)_i = sum_{j != i} f / (theta_i theta_j) v_j: O(p), no p x p matrix.
        others = _others(th)
        w = v / th
        return others * (np.sum(w, axis=-1, keepdims=True) - w)
    return np.einsum("...ij,...j->...i", _hessian_f(th), v)


def product_hvp(theta: Any, v: Any) -> np.ndarray:
    """``Hess f(theta) v`` in ``O(p)`` operations (dense fallback where an entry is 0)."""
    th = _theta(theta)
    v = as_array(v, "v")
    if v.shape != th.shape:
        raise ValueError(f"v must have the shape of theta {th.shape}, got {v.shape}")
    return _hvp_f(th, v)


# -- the loss l = 1/2 (f - y)^2 ---------------------------------------------------------
def loss(theta: Any, y: float) -> np.ndarray:
    """``l(theta) = 1/2 (f(theta) - y)^2``."""
    return 0.5 * (product(theta) - _target(y)) ** 2


def _grad_kernel(y: float) -> Callable[[np.ndarray], np.ndarray]:
    """The unvalidated gradient used inside the GD loop (validation once, outside)."""

    def grad(th: np.ndarray) -> np.ndarray:
        f = np.prod(th)
        if np.all(th != 0):
            return (f - y) * (f / th)  # App. B: theta_i - eta (f - y) f / theta_i
        return (f - y) * _others(th)

    return grad


def loss_grad(theta: Any, y: float) -> np.ndarray:
    """``grad l = (f - y) grad f``."""
    th = _theta(theta)
    y = _target(y)
    return (np.prod(th, axis=-1) - y)[..., None] * _others(th)


def loss_hessian(theta: Any, y: float) -> np.ndarray:
    """``Hess l = grad f grad f^T + (f - y) Hess f``; on ``M`` only the rank-one term is left."""
    th = _theta(theta)
    y = _target(y)
    g = _others(th)
    r = np.prod(th, axis=-1) - y
    return g[..., :, None] * g[..., None, :] + r[..., None, None] * _hessian_f(th)


def loss_hvp(theta: Any, v: Any, y: float) -> np.ndarray:
    """``Hess l(theta) v = grad f <grad f, v> + (f - y) Hess f v`` in ``O(p)``."""
    th = _theta(theta)
    v = as_array(v, "v")
    if v.shape != th.shape:
        raise ValueError(f"v must have the shape of theta {th.shape}, got {v.shape}")
    y = _target(y)
    g = _others(th)
    r = np.prod(th, axis=-1) - y
    return g * np.sum(g * v, axis=-1, keepdims=True) + r[..., None] * _hvp_f(th, v)


# -- gradient descent -------------------------------------------------------------------
def run_gd(theta0: Any, eta: float, steps: int, y: float, *, record_every: int = 1,
           stop_loss: float | None = None) -> Trajectory:
    """Gradient descent with constant step ``eta`` on ``l`` from ``theta0``.

    A thin wrapper of :func:`numerics.flow.gradient_descent` with the analytic gradient;
    the trajectory carries the loss as the observable ``"loss"`` (computed once, after
    the run). The run is deterministic: no seed is needed. ``stop_loss`` ends the run at
    the first iterate whose loss exceeds it (an escaping orbit, far beyond the stable
    step), so that the steps before the escape can still be examined.

    Raises
    ------
    ValueError if the iterate becomes non-finite (the step is far beyond the stable range).
    """
    th = _theta(theta0, "theta0", batch=False)
    y = _target(y)
    eta = as_scalar(eta, "eta", low=0, low_open=True)
    steps = as_int(steps, "steps", low=0)
    stop = None
    if stop_loss is not None:
        stop_loss = as_scalar(stop_loss, "stop_loss", low=0, low_open=True)

        def stop(x: np.ndarray) -> bool:
            return bool(0.5 * (np.prod(x) - y) ** 2 > stop_loss)

    traj = gradient_descent(_grad_kernel(y), th, eta, steps, record_every=record_every, stop=stop)
    obs = {"loss": 0.5 * (np.prod(traj.y, axis=-1) - y) ** 2}
    return Trajectory(traj.t, traj.y, traj.nfev, obs, (), traj.status, traj.message, "gd")


# -- sharpness --------------------------------------------------------------------------
def sharpness_exact(theta: Any, y: float) -> np.ndarray:
    """The top eigenvalue of the dense loss Hessian (``numpy.linalg.eigvalsh``).

    Off ``M`` this includes the ``(f - y) Hess f`` term; on ``M`` it equals
    ``||grad f||^2``.
    """
    return np.linalg.eigvalsh(loss_hessian(theta, y))[..., -1]


def hessian_operator(theta: Any, y: float) -> LinearOperator:
    """The loss Hessian at ``theta`` as a :class:`scipy.sparse.linalg.LinearOperator`
    that only performs Hessian-vector products (:func:`loss_hvp`)."""
    th = _theta(theta, batch=False)
    y = _target(y)
    g = _others(th)
    r = float(np.prod(th) - y)

    def matvec(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float).reshape(-1)
        return g * float(g @ v) + r * _hvp_f(th, v)

    return LinearOperator((th.size, th.size), matvec=matvec, rmatvec=matvec, dtype=float)


def sharpness_lanczos(theta: Any, y: float, *, seed: Any, tol: float = 1e-12) -> float:
    """The top Hessian eigenvalue by implicitly restarted Lanczos on Hessian-vector
    products (``eigsh(..., which="LA")``): ``O(p)`` memory and ``O(p)`` per iteration.

    ``seed`` fixes the Lanczos starting vector, so the result is reproducible. ``tol`` is
    ARPACK's relative accuracy for the Ritz value.
    """
    th = _theta(theta, batch=False)
    rng = as_rng(seed)
    tol = as_scalar(tol, "tol", low=0, low_open=True)
    op = hessian_operator(th, y)
    n = th.size
    if n <= 2:  # ARPACK needs ncv > k + 1 <= n; two parameters are diagonalised directly
        return float(np.linalg.eigvalsh(loss_hessian(th, y))[-1])
    v0 = rng.standard_normal(n)
    vals = eigsh(op, k=1, which="LA", v0=v0, tol=tol, ncv=min(n, 20), return_eigenvectors=False)
    return float(vals[-1])


def finite_difference_hessian(grad: Callable[[np.ndarray], np.ndarray], theta: Any,
                              h: float = 1e-5) -> np.ndarray:
    """Central differences of a gradient: ``H[:, j] = (g(theta + h e_j) - g(theta - h e_j)) / 2h``,
    symmetrised. Truncation error ``O(h^2)``, round-off ``O(eps / h)``."""
    th = _theta(theta, batch=False)
    h = as_scalar(h, "h", low=0, low_open=True)
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    n = th.size
    cols = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        cols.append((np.asarray(grad(th + e)) - np.asarray(grad(th - e))) / (2 * h))
    H = np.array(cols).T
    return 0.5 * (H + H.T)


# -- period-two orbits ------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodTwo:
    """Result of :func:`detect_period_two` over the last ``window`` recorded steps.

    ``period`` is 1 (a fixed point: consecutive states agree), 2 (states two steps apart
    agree while consecutive ones do not) or 0 (neither). ``half_jump`` is the mean of
    ``||x_{t+1} - x_t|| / 2`` (for a scalar coordinate that alternates as ``+-a``, this
    is ``a``); ``mean_abs`` the mean of ``|x_t|`` for a scalar series (else NaN);
    ``one_step`` / ``two_step`` the largest step-one and step-two differences.
    """

    period: int
    half_jump: float
    mean_abs: float
    one_step: float
    two_step: float


def detect_period_two(x: Any, *, window: int = 100, rtol: float = 1e-3, atol: float = 1e-12) -> PeriodTwo:
    """Classify the tail of a trajectory ``x`` (shape ``(T,)`` or ``(T, d)``).

    Period 2 when ``max ||x_{t+2} - x_t|| <= rtol * min ||x_{t+1} - x_t||`` over the
    window and the one-step differences exceed ``atol``; period 1 when the one-step
    differences are all below ``atol``. The sign of a tubular coordinate alternates on a
    period-two orbit, so its amplitude is read from ``mean_abs`` or ``half_jump``, never
    from a single sample (card, "Numerical pitfalls").
    """
    a = as_array(x, "x")
    if a.ndim not in (1, 2):
        raise ValueError(f"x must have shape (T,) or (T, d), got {a.shape}")
    window = as_int(window, "window", low=3)
    if a.shape[0] < window + 2:
        raise ValueError(f"x must hold at least window + 2 = {window + 2} states, got {a.shape[0]}")
    rtol = as_scalar(rtol, "rtol", low=0, low_open=True)
    atol = as_scalar(atol, "atol", low=0)
    tail = a[-(window + 2):].reshape(window + 2, -1)
    d1 = np.linalg.norm(np.diff(tail, axis=0), axis=1)
    d2 = np.linalg.norm(tail[2:] - tail[:-2], axis=1)
    one, two = float(d1.min()), float(d2.max())
    if float(d1.max()) <= atol:
        period = 1
    elif one > atol and two <= rtol * one:
        period = 2
    else:
        period = 0
    mean_abs = float(np.mean(np.abs(tail[2:, 0]))) if a.ndim == 1 else float("nan")
    return PeriodTwo(period, float(0.5 * d1.mean()), mean_abs, one, two)


# -- the companion tutorial's example L(theta) = exp(-theta_1) theta_2^2 ------------------
def toy_loss(theta: Any) -> np.ndarray:
    """``L(theta) = exp(-theta_1) theta_2^2`` (companion tutorial, Sec. III)."""
    th = as_array(theta, "theta")
    if th.shape[-1:] != (2,):
        raise ValueError(f"theta must have a last axis of length 2, got shape {th.shape}")
    return np.exp(-th[..., 0]) * th[..., 1] ** 2


def toy_grad(theta: Any) -> np.ndarray:
    """``grad L = (-exp(-theta_1) theta_2^2, 2 exp(-theta_1) theta_2)``."""
    th = as_array(theta, "theta")
    if th.shape[-1:] != (2,):
        raise ValueError(f"theta must have a last axis of length 2, got shape {th.shape}")
    e = np.exp(-th[..., 0])
    return np.stack([-e * th[..., 1] ** 2, 2 * e * th[..., 1]], axis=-1)


def _toy_inputs(theta0: Any, eta: Any) -> tuple[np.ndarray, np.ndarray]:
    th = as_array(theta0, "theta0", ndim=2)
    if th.shape[1] != 2:
        raise ValueError(f"theta0 must have shape (N, 2), got {th.shape}")
    eta = np.broadcast_to(as_array(eta, "eta"), (th.shape[0],)).astype(float)
    if np.any(eta <= 0):
        raise ValueError("eta must be positive")
    return th.copy(), eta.copy()


def toy_stabilisation_times(theta0: Any, eta: Any, max_steps: int) -> np.ndarray:
    """For each row of ``theta0`` (shape ``(N, 2)``), the first step ``t`` at which
    ``eta * lambda(theta_t) < 2`` under plain GD on :func:`toy_loss`, where
    ``lambda(theta) = 2 exp(-theta_1)`` is the sharpness on ``M = {theta_2 = 0}``;
    ``-1`` where this has not happened within ``max_steps`` steps. Vectorised over rows.
    """
    th, eta = _toy_inputs(theta0, eta)
    max_steps = as_int(max_steps, "max_steps", low=0)
    out = np.full(th.shape[0], -1, dtype=np.int64)
    active = np.arange(th.shape[0])
    for t in range(max_steps + 1):
        lam = 2 * np.exp(-th[active, 0])
        done = eta[active] * lam < 2
        out[active[done]] = t
        keep = ~done
        active = active[keep]
        if active.size == 0 or t == max_steps:
            break
        sub = th[active]
        g = toy_grad(sub)
        th[active] = sub - eta[active, None] * g
        if not np.all(np.isfinite(th[active])):
            raise ValueError(f"gradient descent on the toy loss diverged at step {t + 1}")
    return out


def toy_lambda_path(theta0: Any, eta: Any, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain GD on :func:`toy_loss` from each row of ``theta0``; returns the states
    ``(steps + 1, N, 2)`` and the sharpness ``lambda(theta_t) = 2 exp(-theta_{t,1})``,
    shape ``(steps + 1, N)``."""
    th, eta = _toy_inputs(theta0, eta)
    steps = as_int(steps, "steps", low=0)
    states = np.empty((steps + 1,) + th.shape)
    states[0] = th
    for t in range(steps):
        th = th - eta[:, None] * toy_grad(th)
        if not np.all(np.isfinite(th)):
            raise ValueError(f"gradient descent on the toy loss diverged at step {t + 1}")
        states[t + 1] = th
    return states, 2 * np.exp(-states[..., 0])
