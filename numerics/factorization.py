"""Symmetric matrix factorisation: loss, gradient, gradient flow and gradient descent.

The model is ``min_U L(U) = 1/4 ||Y - U U^T||_F^2`` with ``Y`` symmetric (Min & Vidal,
CDC 2025, Sec. II). Gradient flow ``dU/dt = (Y - U U^T) U`` induces the matrix Riccati
equation ``dW/dt = W Y + Y W - 2 W^2`` for ``W = U U^T`` (their eq. 3). Both flows are
integrated here with :func:`numerics.flow.integrate` (explicit ``DOP853``), so that
closed forms can be tested against an independent trajectory.

Tolerances. After a small initialisation of scale ``alpha`` the entries that decide
*when* a mode is learned are of size ``alpha * sigma_0`` (in ``W``) or its square root
(in ``U``); an absolute tolerance above that size makes the escape time wrong, and one
of ``1e-3 * alpha`` still leaves ~1e-3 relative error in the tiny phase. The default
``atol`` is therefore ``1e-2 * rtol * min(s, 1)`` with ``s`` the smallest positive
singular value of the initial state (:func:`default_atol`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar, as_symmetric, as_times

from .flow import Trajectory, gradient_descent, integrate

__all__ = [
    "loss",
    "grad_U",
    "riccati_rhs",
    "default_atol",
    "gf_U",
    "gf_W",
    "gd_U",
    "random_orthogonal",
    "spectral_init",
    "gaussian_shape",
]


def _target(Y: Any) -> np.ndarray:
    return as_symmetric(Y, "Y")


def _factor(U: Any, n: int, name: str = "U") -> np.ndarray:
    U = as_matrix(U, name)
    if U.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows (the size of Y), got shape {U.shape}")
    return U


def loss(Y: Any, U: Any) -> float:
    """``L(U) = 1/4 ||Y - U U^T||_F^2`` (the objective of Sec. II)."""
    Y = _target(Y)
    U = _factor(U, Y.shape[0])
    R = Y - U @ U.T
    return 0.25 * float(np.sum(R * R))


def grad_U(Y: Any, U: Any) -> np.ndarray:
    """The analytic gradient ``dL/dU = (U U^T - Y) U``.

    From ``dL = 1/2 <U U^T - Y, dU U^T + U dU^T> = <(U U^T - Y) U, dU>`` (``Y``
    symmetric), so gradient flow ``dU/dt = -dL/dU`` is the flow of Sec. II.
    """
    Y = _target(Y)
    U = _factor(U, Y.shape[0])
    return (U @ U.T - Y) @ U


def riccati_rhs(Y: Any, W: Any) -> np.ndarray:
    """Right-hand side of eq. (3): ``W Y + Y W - 2 W^2``."""
    Y = _target(Y)
    W = as_symmetric(W, "W")
    if W.shape != Y.shape:
        raise ValueError(f"W must have shape {Y.shape}, got {W.shape}")
    return W @ Y + Y @ W - 2.0 * (W @ W)


def default_atol(state: np.ndarray, rtol: float) -> float:
    """``1e-2 * rtol * min(s, 1)``, ``s`` the smallest positive singular value of the
    initial state.

    The error control then stays *relative* down to the initial scale: with
    ``atol = 1e-3 * alpha`` the tiny phase before the escape is integrated to only ~1e-3
    relative accuracy, which shifts the escape time (an error of 2e-8 after the
    transition from ``alpha = 1e-8`` at ``rtol = 1e-12``; 1e-11 with this default)."""
    s = np.linalg.svd(np.atleast_2d(state), compute_uv=False)
    pos = s[s > 1e-300]
    # A zero state never moves; fall back to the rtol-based value.
    scale = float(pos.min()) if pos.size else 1.0
    return float(1e-2 * rtol * min(scale, 1.0))


def _tolerances(state: np.ndarray, rtol: Any, atol: Any) -> tuple[float, float]:
    rtol = as_scalar(rtol, "rtol", low=0, low_open=True)
    atol = default_atol(state, rtol) if atol is None else as_scalar(atol, "atol", low=0, low_open=True)
    return rtol, atol


def gf_U(Y: Any, U0: Any, t_eval: Any, *, rtol: float = 1e-12, atol: float | None = None) -> Trajectory:
    """Gradient flow ``dU/dt = (Y - U U^T) U`` from ``U(0) = U0``.

    Parameters
    ----------
    Y : (n, n) symmetric target.
    U0 : (n, r) initial factor.
    t_eval : increasing output times, the first being the initial time (usually 0).
    rtol, atol : solver tolerances; ``atol=None`` uses :func:`default_atol`.

    Returns
    -------
    Trajectory
        ``y`` holds the flattened ``U``; ``observables["W"]`` is ``U U^T`` of shape
        ``(T, n, n)`` and ``observables["loss"]`` the loss at each output time.
    """
    Y = _target(Y)
    n = Y.shape[0]
    U0 = _factor(U0, n, "U0")
    r = U0.shape[1]
    t_eval = as_times(t_eval, "t_eval")
    rtol, atol = _tolerances(U0, rtol, atol)

    def rhs(_t: float, u: np.ndarray) -> np.ndarray:
        U = u.reshape(n, r)
        return ((Y - U @ U.T) @ U).ravel()

    def gram(u: np.ndarray) -> np.ndarray:
        U = u.reshape(n, r)
        return U @ U.T

    def obj(u: np.ndarray) -> float:
        R = Y - gram(u)
        return 0.25 * float(np.sum(R * R))

    return integrate(rhs, U0, t_eval, rtol=rtol, atol=atol, observables={"W": gram, "loss": obj})


def gf_W(Y: Any, W0: Any, t_eval: Any, *, rtol: float = 1e-12, atol: float | None = None) -> Trajectory:
    """The induced Riccati flow ``dW/dt = W Y + Y W - 2 W^2`` (eq. 3) from ``W(0) = W0``.

    The full ``n x n`` state is integrated (not only its upper triangle) so that the
    result is an independent check of symmetry preservation too.

    Returns
    -------
    Trajectory
        ``y`` holds the flattened ``W``; ``observables["W"]`` the ``(T, n, n)`` states.
    """
    Y = _target(Y)
    n = Y.shape[0]
    W0 = as_symmetric(W0, "W0")
    if W0.shape != (n, n):
        raise ValueError(f"W0 must have shape {(n, n)}, got {W0.shape}")
    t_eval = as_times(t_eval, "t_eval")
    rtol, atol = _tolerances(W0, rtol, atol)

    def rhs(_t: float, w: np.ndarray) -> np.ndarray:
        W = w.reshape(n, n)
        return (W @ Y + Y @ W - 2.0 * (W @ W)).ravel()

    return integrate(rhs, W0, t_eval, rtol=rtol, atol=atol,
                     observables={"W": lambda w: w.reshape(n, n).copy()})


def gd_U(Y: Any, U0: Any, eta: float, steps: int, *, record_every: int = 1) -> Trajectory:
    """Gradient descent ``U <- U - eta (U U^T - Y) U``.

    ``t`` of the returned trajectory holds step counts; ``eta * t`` is the matching
    gradient-flow time. ``observables["W"]`` holds ``U U^T`` at the recorded steps.
    """
    Y = _target(Y)
    n = Y.shape[0]
    U0 = _factor(U0, n, "U0")
    r = U0.shape[1]

    def grad(u: np.ndarray) -> np.ndarray:
        U = u.reshape(n, r)
        return ((U @ U.T - Y) @ U).ravel()

    return gradient_descent(grad, U0, eta, steps, record_every=record_every,
                            observables={"W": lambda u: u.reshape(n, r) @ u.reshape(n, r).T})


def random_orthogonal(n: int, seed: Any) -> np.ndarray:
    """A Haar-distributed ``n x n`` orthogonal matrix (QR of a Gaussian matrix with the
    signs of ``R``'s diagonal moved into ``Q``)."""
    n = as_int(n, "n", low=1)
    rng = as_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def spectral_init(Phi: Any, sig_0: Any, alpha: float, r: int, seed: Any) -> np.ndarray:
    """Spectral initialisation ``U(0) = alpha^{1/2} Phi Sigma_{U0} V^T`` (Sec. III-A).

    ``sig_0`` holds the *squared* singular values ``sigma_{i,0} = [Sigma_{U0}^2]_{ii}``,
    i.e. the eigenvalues of ``Phi^T U(0) U(0)^T Phi / alpha``; ``V`` is a random
    ``r x r`` orthogonal matrix drawn from ``seed``. Needs ``sig_0[i] = 0`` for ``i >= r``.
    """
    Phi = as_matrix(Phi, "Phi")
    n = Phi.shape[0]
    if Phi.shape != (n, n) or np.max(np.abs(Phi.T @ Phi - np.eye(n))) > 1e-10:
        raise ValueError("Phi must be a square orthogonal matrix")
    sig_0 = as_array(sig_0, "sig_0", ndim=1)
    if sig_0.size != n:
        raise ValueError(f"sig_0 must have {n} entries, got {sig_0.size}")
    if np.any(sig_0 < 0):
        raise ValueError("sig_0 must be non-negative (squared singular values)")
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    r = as_int(r, "r", low=1)
    if r < n and np.any(sig_0[r:] != 0):
        raise ValueError(f"with r={r} < n={n} only the first r entries of sig_0 may be nonzero")
    V = random_orthogonal(r, seed)
    Sigma = np.zeros((n, r))
    m = min(n, r)
    Sigma[np.arange(m), np.arange(m)] = np.sqrt(sig_0[:m])
    return np.sqrt(alpha) * (Phi @ Sigma @ V.T)


def gaussian_shape(n: int, r: int, seed: Any, scale: float = 1.0) -> np.ndarray:
    """An ``n x r`` matrix of i.i.d. ``N(0, scale^2)`` entries (the shape ``bar U_0``)."""
    n = as_int(n, "n", low=1)
    r = as_int(r, "r", low=1)
    scale = as_scalar(scale, "scale", low=0, low_open=True)
    return scale * as_rng(seed).standard_normal((n, r))
