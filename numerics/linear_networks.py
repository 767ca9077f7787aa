"""Two-layer linear networks ``x -> V U^T x`` trained by gradient flow or descent.

Loss ``L(V, U) = 1/2 ||Y - X U V^T||_F^2`` with ``X`` (N x n), ``Y`` (N x m), ``U`` (n x h),
``V`` (m x h). With the compact SVD ``X = W Sigma_x^{1/2} Phi_1^T`` (:func:`reduce`) the
flow splits (eq. 7 of Min, Tarmoun, Vidal & Mallada) into the reduced flow

    dV/dt = E^T Sigma_x^{1/2} U_1,   dU_1/dt = Sigma_x^{1/2} E V,   dU_2/dt = 0,

with ``U_1 = Phi_1^T U``, ``U_2 = Phi_2^T U`` and the error ``E = W^T Y - Sigma_x^{1/2}
U_1 V^T`` (r x m). The excess loss is ``1/2 ||E||_F^2`` and is always computed that way
(never as ``L - L*``, which cancels). The instantaneous rate ``-dL~/dt / L~`` is computed
analytically from the state (:func:`rate`), never by differencing the loss.

Functions take arrays and return arrays; the reduced quantities accept leading batch axes
(e.g. a whole trajectory ``U1[t]``). Simulators take explicit seeds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar

from .flow import Trajectory, gradient_descent, integrate

__all__ = [
    "Reduction",
    "Instance",
    "reduce",
    "split",
    "loss",
    "optimal_loss",
    "error",
    "excess_loss",
    "rate",
    "imbalance",
    "imbalance_spectrum",
    "loss_grads",
    "reduced_field",
    "gf_full",
    "gf_reduced",
    "gd_full",
    "gd_reduced",
    "gf_time",
    "gf_ntk",
    "default_instance",
    "orthonormal_rows",
    "wide_init",
    "regression_data",
]


# ---------------------------------------------------------------------------------------
# Reparametrisation
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reduction:
    """Pieces of the compact SVD ``X = W Sigma_x^{1/2} Phi_1^T``.

    Attributes
    ----------
    W : (N, r) orthonormal columns.
    sig_x : (r,) nonzero eigenvalues of ``X^T X`` (squared singular values), decreasing.
    Phi1 : (n, r) orthonormal basis of the row space of ``X``.
    Phi2 : (n, n - r) orthonormal basis of its complement (the null space of ``X``).
    """

    W: np.ndarray
    sig_x: np.ndarray
    Phi1: np.ndarray
    Phi2: np.ndarray

    @property
    def r(self) -> int:
        return int(self.sig_x.size)

    @property
    def sqrt_sig_x(self) -> np.ndarray:
        return np.sqrt(self.sig_x)

    @property
    def lam_1(self) -> float:
        return float(self.sig_x[0])

    @property
    def lam_r(self) -> float:
        return float(self.sig_x[-1])


def reduce(X: Any, rank_tol: float = 1e-10) -> Reduction:
    """Full SVD of ``X`` with the rank threshold ``rank_tol * sigma_1`` (card: 1e-10)."""
    X = as_matrix(X, "X")
    rank_tol = as_scalar(rank_tol, "rank_tol", low=0, high=1, low_open=True, high_open=True)
    Uf, s, Vt = np.linalg.svd(X, full_matrices=True)
    if s.size == 0 or s[0] == 0.0:
        raise ValueError("X must not be zero")
    r = int(np.sum(s > rank_tol * s[0]))
    return Reduction(Uf[:, :r].copy(), s[:r] ** 2, Vt[:r].T.copy(), Vt[r:].T.copy())


def _check_full(X: Any, Y: Any, U: Any, V: Any) -> tuple[np.ndarray, ...]:
    X = as_matrix(X, "X")
    N, n = X.shape
    Y = as_matrix(Y, "Y")
    if Y.shape[0] != N:
        raise ValueError(f"Y must have N={N} rows like X, got shape {Y.shape}")
    U = as_matrix(U, "U")
    if U.shape[0] != n:
        raise ValueError(f"U must have n={n} rows, got shape {U.shape}")
    V = as_matrix(V, "V", shape=(Y.shape[1], U.shape[1]))
    return X, Y, U, V


def split(U: Any, red: Reduction) -> tuple[np.ndarray, np.ndarray]:
    """``(U_1, U_2) = (Phi_1^T U, Phi_2^T U)`` (leading batch axes allowed)."""
    U = as_array(U, "U")
    n = red.Phi1.shape[0]
    if U.ndim < 2 or U.shape[-2] != n:
        raise ValueError(f"U must have n={n} rows, got shape {U.shape}")
    if U.ndim == 2:
        return red.Phi1.T @ U, red.Phi2.T @ U
    # One matrix product over the whole batch (a broadcast matmul is much slower here).
    flat = np.moveaxis(U, -2, 0).reshape(n, -1)
    out = []
    for P in (red.Phi1, red.Phi2):
        B = (P.T @ flat).reshape((P.shape[1],) + U.shape[:-2] + (U.shape[-1],))
        out.append(np.moveaxis(B, 0, -2))
    return out[0], out[1]


def loss(X: Any, Y: Any, U: Any, V: Any) -> float:
    """``L(V, U) = 1/2 ||Y - X U V^T||_F^2``."""
    X, Y, U, V = _check_full(X, Y, U, V)
    R = Y - X @ U @ V.T
    return 0.5 * float(np.sum(R * R))


def optimal_loss(X: Any, Y: Any, red: Reduction | None = None) -> float:
    """``L* = 1/2 ||(I - W W^T) Y||_F^2`` (eq. 8)."""
    X = as_matrix(X, "X")
    Y = as_matrix(Y, "Y", shape=(X.shape[0], None))
    red = reduce(X) if red is None else red
    R = Y - red.W @ (red.W.T @ Y)
    return 0.5 * float(np.sum(R * R))


def _check_reduced(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any) -> tuple[np.ndarray, ...]:
    Ytil = as_matrix(Ytil, "Ytil")
    r, m = Ytil.shape
    s = as_array(sqrt_sig_x, "sqrt_sig_x", ndim=1, shape=(r,))
    if np.any(s <= 0):
        raise ValueError("sqrt_sig_x must be positive")
    U1 = as_array(U1, "U1")
    V = as_array(V, "V")
    if U1.ndim < 2 or U1.shape[-2] != r:
        raise ValueError(f"U1 must have r={r} rows, got shape {U1.shape}")
    if V.ndim < 2 or V.shape[-2] != m or V.shape[-1] != U1.shape[-1]:
        raise ValueError(f"V must have shape (..., {m}, {U1.shape[-1]}), got {V.shape}")
    return Ytil, s, U1, V


def _T(A: np.ndarray) -> np.ndarray:
    return np.swapaxes(A, -1, -2)


def _err(Ytil: np.ndarray, s: np.ndarray, U1: np.ndarray, V: np.ndarray) -> np.ndarray:
    return Ytil - s[:, None] * (U1 @ _T(V))


def error(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any) -> np.ndarray:
    """``E = Y~ - Sigma_x^{1/2} U_1 V^T`` (r x m; batch axes allowed)."""
    return _err(*_check_reduced(Ytil, sqrt_sig_x, U1, V))


def excess_loss(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any) -> np.ndarray:
    """``L~ = 1/2 ||E||_F^2`` (computed from ``E`` directly, never as ``L - L*``)."""
    E = error(Ytil, sqrt_sig_x, U1, V)
    return 0.5 * np.sum(E * E, axis=(-2, -1))


def rate(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any) -> np.ndarray:
    """The instantaneous rate ``-dL~/dt / L~`` of the reduced flow, analytically:

    ``2 [tr(E^T S U_1 U_1^T S E) + tr(E^T Sigma_x E V V^T)] / ||E||_F^2`` with
    ``S = Sigma_x^{1/2}``, i.e. ``2 (||U_1^T S E||^2 + ||S E V||^2) / ||E||^2``.

    Raises ``ValueError`` where ``E = 0`` (the rate is undefined there).
    """
    Ytil, s, U1, V = _check_reduced(Ytil, sqrt_sig_x, U1, V)
    E = _err(Ytil, s, U1, V)
    SE = s[:, None] * E
    a = _T(U1) @ SE
    b = SE @ V
    num = np.sum(a * a, axis=(-2, -1)) + np.sum(b * b, axis=(-2, -1))
    den = np.sum(E * E, axis=(-2, -1))
    if np.any(den == 0):
        raise ValueError("the rate is undefined where E = 0")
    return 2.0 * num / den


def imbalance(U1: Any, V: Any) -> np.ndarray:
    """``D = U_1^T U_1 - V^T V`` (h x h; batch axes allowed)."""
    U1 = as_array(U1, "U1")
    V = as_array(V, "V")
    if U1.ndim < 2 or V.ndim < 2 or U1.shape[-1] != V.shape[-1]:
        raise ValueError(f"U1 and V must be matrices of equal width, got {U1.shape} and {V.shape}")
    return _T(U1) @ U1 - _T(V) @ V


def imbalance_spectrum(U1: Any, V: Any) -> np.ndarray:
    """The ``m + r`` eigenvalues of ``D`` that can be nonzero, without an h x h eigensolve.

    With ``Z = [V; U_1]`` and ``J = diag(-I_m, I_r)``, ``D = Z^T J Z`` has the nonzero
    eigenvalues of ``G^{1/2} J G^{1/2}``, ``G = Z Z^T`` (DERIVED, card). Returns them in
    decreasing order (batch axes allowed); the other ``h - m - r`` eigenvalues are 0.

    Accuracy: the square root of ``G`` turns round-off in its near-zero eigenvalues into
    errors of order ``sqrt(eps) ||G||`` when ``Z`` is rank deficient (e.g. a balanced
    rank-one initialisation); use the full ``h x h`` eigensolve of :func:`imbalance` there.
    """
    U1 = as_array(U1, "U1")
    V = as_array(V, "V")
    if U1.ndim < 2 or V.ndim < 2 or U1.shape[-1] != V.shape[-1]:
        raise ValueError(f"U1 and V must be matrices of equal width, got {U1.shape} and {V.shape}")
    Z = np.concatenate([V, U1], axis=-2)
    G = Z @ _T(Z)
    w, Q = np.linalg.eigh(G)
    G12 = (Q * np.sqrt(np.clip(w, 0, None))[..., None, :]) @ _T(Q)
    J = np.concatenate([-np.ones(V.shape[-2]), np.ones(U1.shape[-2])])
    K = G12 * J[..., None, :] @ G12
    return np.linalg.eigvalsh(0.5 * (K + _T(K)))[..., ::-1]


# ---------------------------------------------------------------------------------------
# Gradients and flows
# ---------------------------------------------------------------------------------------
def loss_grads(X: Any, Y: Any, U: Any, V: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dU, dL/dV) = (-X^T R V, -R^T X U)`` with ``R = Y - X U V^T``."""
    X, Y, U, V = _check_full(X, Y, U, V)
    R = Y - X @ U @ V.T
    return -X.T @ R @ V, -R.T @ X @ U


def reduced_field(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any) -> tuple[np.ndarray, np.ndarray]:
    """The right side of eq. (7): ``(dU_1/dt, dV/dt) = (S E V, E^T S U_1)``."""
    Ytil, s, U1, V = _check_reduced(Ytil, sqrt_sig_x, U1, V)
    SE = s[:, None] * _err(Ytil, s, U1, V)
    return SE @ V, _T(SE) @ U1


def _full_rhs(X: np.ndarray, Y: np.ndarray, n: int, m: int, h: int):
    nh = n * h

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        U = y[:nh].reshape(n, h)
        V = y[nh:].reshape(m, h)
        R = Y - X @ (U @ V.T)
        XR = X.T @ R
        return np.concatenate([(XR @ V).ravel(), (XR.T @ U).ravel()])

    return rhs


def _reduced_rhs(Ytil: np.ndarray, s: np.ndarray, r: int, m: int, h: int):
    rh = r * h

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        U1 = y[:rh].reshape(r, h)
        V = y[rh:].reshape(m, h)
        SE = s[:, None] * (Ytil - s[:, None] * (U1 @ V.T))
        return np.concatenate([(SE @ V).ravel(), (SE.T @ U1).ravel()])

    return rhs


def gf_full(X: Any, Y: Any, U0: Any, V0: Any, t_eval: Any, *, rtol: float = 1e-11,
            atol: float = 1e-13, method: str = "DOP853") -> Trajectory:
    """Gradient flow ``dU/dt = X^T R V``, ``dV/dt = R^T X U`` (``R = Y - X U V^T``).

    Integrated with :func:`numerics.flow.integrate` (DOP853, ``rtol=1e-11``,
    ``atol=1e-13`` by default: far below the parameter scale). The returned trajectory's
    observables hold ``"U"`` (T, n, h) and ``"V"`` (T, m, h).
    """
    X, Y, U0, V0 = _check_full(X, Y, U0, V0)
    n, h = U0.shape
    m = Y.shape[1]
    nh = n * h
    y0 = np.concatenate([U0.ravel(), V0.ravel()])
    return integrate(_full_rhs(X, Y, n, m, h), y0, t_eval, rtol=rtol, atol=atol, method=method,
                     observables={"U": lambda y: y[:nh].reshape(n, h),
                                  "V": lambda y: y[nh:].reshape(m, h)})


def gf_reduced(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any, t_eval: Any, *, rtol: float = 1e-11,
               atol: float = 1e-13, method: str = "DOP853") -> Trajectory:
    """The reduced flow (7) in ``(U_1, V)``; much cheaper than :func:`gf_full` when ``n`` is
    large. Observables: ``"U1"`` (T, r, h), ``"V"`` (T, m, h)."""
    Ytil, s, U1, V = _check_reduced(Ytil, sqrt_sig_x, U1, V)
    if U1.ndim != 2:
        raise ValueError("U1 must be a single (r, h) matrix")
    r, h = U1.shape
    m = Ytil.shape[1]
    rh = r * h
    y0 = np.concatenate([U1.ravel(), V.ravel()])
    return integrate(_reduced_rhs(Ytil, s, r, m, h), y0, t_eval, rtol=rtol, atol=atol, method=method,
                     observables={"U1": lambda y: y[:rh].reshape(r, h),
                                  "V": lambda y: y[rh:].reshape(m, h)})


_LOSSES = ("half", "mean")


def _grad_factor(loss_kind: str, N: int) -> float:
    """Gradient of ``(1/N) ||.||^2`` is ``2/N`` times that of ``1/2 ||.||^2``."""
    if loss_kind not in _LOSSES:
        raise ValueError(f"loss must be one of {_LOSSES}, got {loss_kind!r}")
    return 1.0 if loss_kind == "half" else 2.0 / N


def gf_time(steps: Any, eta: float, loss: str = "half", N: int = 1) -> np.ndarray:
    """Gradient-flow time of ``steps`` GD steps: ``eta * steps`` for ``1/2 ||.||^2``,
    ``(2 eta / N) * steps`` for the averaged loss ``(1/N) ||.||^2``."""
    eta = as_scalar(eta, "eta", low=0, low_open=True)
    N = as_int(N, "N", low=1)
    return _grad_factor(loss, N) * eta * as_array(steps, "steps")


def gd_full(X: Any, Y: Any, U0: Any, V0: Any, eta: float, steps: int, *, loss: str = "half",
            record_every: int = 1, stop_excess: float | None = None) -> Trajectory:
    """Gradient descent on ``1/2 ||Y - X U V^T||^2`` (``loss="half"``) or on
    ``(1/N) ||Y - X U V^T||^2`` (``"mean"``). ``t`` holds step counts (see :func:`gf_time`).
    Observables ``"U"``, ``"V"``. Stops early when the excess loss ``1/2 ||E||^2`` falls
    below ``stop_excess``."""
    X, Y, U0, V0 = _check_full(X, Y, U0, V0)
    n, h = U0.shape
    m = Y.shape[1]
    nh = n * h
    f = _grad_factor(loss, X.shape[0])
    red = reduce(X)

    def grad(z: np.ndarray) -> np.ndarray:
        U = z[:nh].reshape(n, h)
        V = z[nh:].reshape(m, h)
        R = Y - X @ (U @ V.T)
        XR = X.T @ R
        return -f * np.concatenate([(XR @ V).ravel(), (XR.T @ U).ravel()])

    stop = None
    if stop_excess is not None:
        thr = as_scalar(stop_excess, "stop_excess", low=0)
        Yt, s = red.W.T @ Y, red.sqrt_sig_x

        def stop(z: np.ndarray) -> bool:
            U1 = red.Phi1.T @ z[:nh].reshape(n, h)
            E = Yt - s[:, None] * (U1 @ z[nh:].reshape(m, h).T)
            return 0.5 * float(np.sum(E * E)) < thr

    z0 = np.concatenate([U0.ravel(), V0.ravel()])
    return gradient_descent(grad, z0, eta, steps, record_every=record_every, stop=stop,
                            observables={"U": lambda z: z[:nh].reshape(n, h),
                                         "V": lambda z: z[nh:].reshape(m, h)})


def gd_reduced(Ytil: Any, sqrt_sig_x: Any, U1: Any, V: Any, eta: float, steps: int, *,
               loss: str = "half", N: int = 1, record_every: int = 1,
               stop_excess: float | None = None) -> Trajectory:
    """Gradient descent in the reduced coordinates. Because ``X Phi_2 = 0``, GD on the full
    loss moves ``U_1`` exactly like this and leaves ``U_2`` fixed, so this is GD on the full
    network at a fraction of the cost. ``loss="mean"`` needs the sample count ``N``.
    Observables ``"U1"``, ``"V"``."""
    Ytil, s, U1, V = _check_reduced(Ytil, sqrt_sig_x, U1, V)
    r, h = U1.shape
    m = Ytil.shape[1]
    rh = r * h
    f = _grad_factor(loss, as_int(N, "N", low=1))

    def field(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A = z[:rh].reshape(r, h)
        B = z[rh:].reshape(m, h)
        return A, B

    def grad(z: np.ndarray) -> np.ndarray:
        A, B = field(z)
        SE = s[:, None] * (Ytil - s[:, None] * (A @ B.T))
        return -f * np.concatenate([(SE @ B).ravel(), (SE.T @ A).ravel()])

    stop = None
    if stop_excess is not None:
        thr = as_scalar(stop_excess, "stop_excess", low=0)

        def stop(z: np.ndarray) -> bool:
            A, B = field(z)
            E = Ytil - s[:, None] * (A @ B.T)
            return 0.5 * float(np.sum(E * E)) < thr

    z0 = np.concatenate([U1.ravel(), V.ravel()])
    return gradient_descent(grad, z0, eta, steps, record_every=record_every, stop=stop,
                            observables={"U1": lambda z: z[:rh].reshape(r, h),
                                         "V": lambda z: z[rh:].reshape(m, h)})


def gf_ntk(X: Any, Y: Any, Ut0: Any, Vt0: Any, alpha: float, t_eval: Any, *, speed: float = 1.0,
           rtol: float = 1e-12, atol: float = 1e-13) -> Trajectory:
    """Gradient flow in the NTK parametrisation (App. D): ``dU~/dt = -speed dL~/dU~``,
    ``dV~/dt = -speed dL~/dV~`` with ``L~ = 1/2 ||Y - h^{-2 alpha} X U~ V~^T||_F^2``.
    Observables ``"U"`` (T, n, h) and ``"V"`` (T, m, h) hold ``U~``, ``V~``."""
    X, Y, Ut0, Vt0 = _check_full(X, Y, Ut0, Vt0)
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    speed = as_scalar(speed, "speed", low=0, low_open=True)
    n, h = Ut0.shape
    m = Y.shape[1]
    nh = n * h
    g = float(h) ** (-2 * alpha)

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        U = y[:nh].reshape(n, h)
        V = y[nh:].reshape(m, h)
        R = Y - g * (X @ (U @ V.T))
        XR = g * (X.T @ R)
        return speed * np.concatenate([(XR @ V).ravel(), (XR.T @ U).ravel()])

    y0 = np.concatenate([Ut0.ravel(), Vt0.ravel()])
    return integrate(rhs, y0, t_eval, rtol=rtol, atol=atol,
                     observables={"U": lambda y: y[:nh].reshape(n, h),
                                  "V": lambda y: y[nh:].reshape(m, h)})


# ---------------------------------------------------------------------------------------
# Data generators of the card
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Instance:
    """A problem and an initialisation: ``X`` (N x n), ``Y`` (N x m), ``U0`` (n x h), ``V0`` (m x h)."""

    X: np.ndarray
    Y: np.ndarray
    U0: np.ndarray
    V0: np.ndarray

    @property
    def shape(self) -> dict[str, int]:
        return {"N": self.X.shape[0], "n": self.X.shape[1], "m": self.Y.shape[1], "h": self.U0.shape[1]}


def orthonormal_rows(N: int, n: int, seed: Any) -> np.ndarray:
    """``X = W_0 V_0^T`` from the thin SVD of an N x n Gaussian matrix: ``X X^T = I``
    (``Sigma_x = I``); the card's "orthonormal-rows" variant."""
    N = as_int(N, "N", low=1)
    n = as_int(n, "n", low=N)
    rng = as_rng(seed)
    A = rng.standard_normal((N, n))
    W0, _, V0t = np.linalg.svd(A, full_matrices=False)
    return W0 @ V0t


def default_instance(seed: Any, *, N: int = 6, n: int = 12, m: int = 2, h: int = 20,
                     u_scale: float = 0.3, v_scale: float | None = None, y_scale: float = 1.0,
                     orthonormal: bool = False) -> Instance:
    """The card's default instance: ``X``, ``Y`` i.i.d. N(0, 1) (``Y`` times ``y_scale``),
    ``U(0)``, ``V(0)`` i.i.d. N(0, 0.3^2) (``u_scale``, ``v_scale``); ``orthonormal=True``
    replaces ``X`` by :func:`orthonormal_rows`."""
    N = as_int(N, "N", low=1)
    n = as_int(n, "n", low=1)
    m = as_int(m, "m", low=1)
    h = as_int(h, "h", low=1)
    u_scale = as_scalar(u_scale, "u_scale", low=0)
    v_scale = u_scale if v_scale is None else as_scalar(v_scale, "v_scale", low=0)
    y_scale = as_scalar(y_scale, "y_scale")
    rng = as_rng(seed)
    X = orthonormal_rows(N, n, rng) if orthonormal else rng.standard_normal((N, n))
    Y = y_scale * rng.standard_normal((N, m))
    U0 = u_scale * rng.standard_normal((n, h))
    V0 = v_scale * rng.standard_normal((m, h))
    return Instance(X, Y, U0, V0)


def wide_init(n: int, m: int, h: int, alpha: float, seed: Any) -> tuple[np.ndarray, np.ndarray]:
    """``U(0)`` (n x h), ``V(0)`` (m x h) with i.i.d. N(0, h^{-2 alpha}) entries (Sec. 4.2)."""
    n = as_int(n, "n", low=1)
    m = as_int(m, "m", low=1)
    h = as_int(h, "h", low=1)
    alpha = as_scalar(alpha, "alpha", low=0)
    rng = as_rng(seed)
    sd = float(h) ** (-alpha)
    return sd * rng.standard_normal((n, h)), sd * rng.standard_normal((m, h))


def regression_data(N: int, n: int, m: int, seed: Any, *, noise: float = 0.01,
                    orthonormal: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, Theta)`` of the card's experiments 2-3: ``X`` i.i.d. N(0, 1/n) (or with
    orthonormal rows), ``Theta`` ~ N(0, I/n), ``Y = X Theta + noise * eps``, eps ~ N(0, 1)."""
    N = as_int(N, "N", low=1)
    n = as_int(n, "n", low=1)
    m = as_int(m, "m", low=1)
    noise = as_scalar(noise, "noise", low=0)
    rng = as_rng(seed)
    X = orthonormal_rows(N, n, rng) if orthonormal else rng.standard_normal((N, n)) / np.sqrt(n)
    Theta = rng.standard_normal((n, m)) / np.sqrt(n)
    Y = X @ Theta + noise * rng.standard_normal((N, m))
    return X, Y, Theta
