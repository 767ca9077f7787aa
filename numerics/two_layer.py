"""Two-layer ReLU / leaky-ReLU / polynomial-ReLU networks trained by gradient flow.

The model family shared by the papers ``early_alignment`` (Min, Mallada & Vidal, ICLR
2024), ``prelu_robustness`` (Min & Vidal, ICML 2024) and ``neural_collapse`` (Min, Zhu &
Vidal, NeurIPS 2025):

    f(x; W, V) = sum_j v_j sigma_p(<w_j, x>) / ||w_j||^(p-1),     W = [w_1 ... w_h] in R^{D x h},
                                                                 V = [v_1 ... v_h] in R^{d_out x h},

bias-free, with ``sigma_p(z) = max(z, 0)^p`` (``p = 1``: ReLU, eq. (1) of early_alignment;
``p > 1``: the pReLU unit of prelu_robustness) or the leaky ReLU ``max(z, a z)`` (``p = 1``,
``0 <= a <= 1``; early_alignment App. B). A scalar output (``d_out = 1``, binary labels
``y in {-1, +1}``) is stored with ``V`` of shape ``(h,)``; ``K`` outputs (cross-entropy on
``K`` classes, neural_collapse case two) with ``V`` of shape ``(K, h)``.

Losses (:data:`LOSSES`) are *summed* over the samples, as in all three papers, times an
optional ``loss_scale`` (``1/n`` for a mean loss; a mean loss runs gradient flow ``n``
times slower):

``"exp"``        ``exp(-y f)``
``"logistic"``   ``2 log(1 + exp(-y f))`` (the appendix normalisation of early_alignment,
                 for which ``-dl/df = y`` at ``f = 0``, exactly as for ``"exp"``)
``"logistic1"``  ``log(1 + exp(-y f))`` (the main-text normalisation)
``"square"``     ``(y - f)^2 / 2`` (scalar or vector targets)
``"ce"``         cross-entropy ``-log softmax(f)_y`` with integer labels ``y in {0..K-1}``

Subgradient convention at the kink
----------------------------------
The ReLU derivative is taken as ``sigma'(z) = 1{z > 0}`` (so ``sigma'(0) = 0``), the fixed
subgradient under which early_alignment states its theorems (Carathéodory solutions, App.
E). With that convention a neuron in the closed dead cone ``{w : <x_i, w> <= 0 for all
i}`` has zero gradient and is frozen; the states of App. E.3 / E.4 are exact fixed points.
Every function takes ``kink=`` to use another value ``sigma'(0) = a`` (``kink=None``
means ``0`` for the ReLU and the leaky slope for the leaky ReLU, ``sigma'(z) = 1{z>0} +
a 1{z<=0}``, the convention of early_alignment's leaky ``x_a``). For ``p > 1`` the
derivative ``p sigma^(p-1)`` vanishes at 0 and no convention is needed.

Two parametrisations
--------------------
*Plain* ``(W, V)``: :func:`forward`, :func:`loss_value`, :func:`gradients` (analytic,
vectorised over neurons), :func:`input_gradient`, :func:`plain_flow` (explicit RK through
:func:`numerics.flow.integrate`) and :func:`gradient_descent` (through
:func:`numerics.flow.gradient_descent`). Use them for unbalanced initialisations (the
papers' experiments) and for checks of invariants that the balanced form builds in.

*Balanced direction / log-norm coordinates* (the "R1" simulator of the cards). For a
balanced initialisation (``||v_j(0)|| = ||w_j(0)||``) gradient flow keeps
``||v_j|| = ||w_j|| =: r_j`` (2-homogeneity), so write ``w_j = r_j u_j``, ``v_j = r_j b_j``
with unit ``u_j``, ``b_j`` and ``rho_j = log r_j``. Then ``f(x) = sum_j e^{2 rho_j} b_j
sigma_p(<u_j, x>)`` and gradient flow is exactly (with the residual ``R_i = -dl/df(x_i)``,
``alpha_ij = <x_i, u_j>``, ``c_ij = <R_i, b_j>``)::

    du_j/dt   = (I - u_j u_j^T) sum_i c_ij sigma_p'(alpha_ij) x_i
    db_j/dt   = (I - b_j b_j^T) sum_i R_i sigma_p(alpha_ij)
    drho_j/dt = sum_i c_ij sigma_p(alpha_ij)

(for the ReLU ``sigma_p' = 1{alpha > 0}``; for ``p > 1`` ``sigma_p' = p max(alpha, 0)^(p-1)``,
the radial part ``(1-p) sigma^p u_j`` of ``dw_j/dt`` drops out). For a scalar output
``b_j = s_j = sign v_j(0)`` is constant. Any ``log eps`` works (``-60``, ``-1e4``): the
weights ``e^{2 rho}`` underflow to 0 harmlessly and the run is then the exact ``eps -> 0``
direction flow; nothing is wasted on steps that only grow tiny norms.
:func:`simulate` integrates these coordinates with explicit Euler and renormalisation of
``u_j`` and ``b_j`` (the cards' recipe), logs every activation change, and offers the
*1/loss schedule* (``schedule="inverse_loss"``, the cards' "R2"): gradient flow and
``dtheta/dtau = -grad L / L`` have the same orbit (``dtau = L dt``), so steps of constant
size in ``tau`` reach the ``t -> infinity`` limits (max-margin directions, stable ranks)
in ``1e4``-``1e5`` steps; ``grad L / L`` is computed in the log domain and never under- or
overflows. Use it only for statements about limits or directions, never about the clock.
Its fixed step ``c`` in ``tau`` is a constant *relative* step in the weights, so the norms
grow exponentially in ``tau`` (``e^{2 rho}`` must stay below ``~1e300``: ``rho < ~345``), the
limits carry an ``O(c)`` bias (halve ``c`` to see it), and once the loss is astronomically
small the normalised residual concentrates on the support vectors and the map zig-zags
between them: individual trajectories then depend on round-off (numpy and torch part
after ~1e3 such steps) while margins and stable ranks do not.
:func:`balanced_flow` integrates the same coordinates with explicit RK
(:func:`numerics.flow.integrate`) for accuracy tests.

Backends
--------
:func:`simulate` runs on numpy (default) or on torch (``backend="torch"``, float64, CPU or
``device="cuda"``); torch is an optional extra imported only when asked for. Both backends
execute the same step and return numpy arrays.

Measurements
------------
Activation patterns and cone membership (:func:`activation_pattern`, :func:`cone_labels`,
:func:`is_aligned`, :func:`alignment_time`), the signed activated sum
(:func:`signed_active_sum`), singular values and stable rank (:func:`stable_rank`, also of
a :class:`BalancedState` without underflow), margins (:func:`margins`,
:func:`normalized_margin`, :func:`one_class_max_margin`), last-layer features and the
neural-collapse metrics NC1-NC3 (:func:`features`, :func:`nc_metrics`,
:func:`within_class_cosine`).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from numerics._optional import require
from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar

from .flow import Trajectory, integrate
from .flow import gradient_descent as _flow_gd

__all__ = [
    "LOSSES",
    "Problem",
    "BalancedState",
    "BalancedRun",
    "StepInfo",
    "PlainRun",
    "sigma",
    "sigma_prime",
    "loss_terms",
    "residual",
    "normalized_residual",
    "forward",
    "loss_value",
    "gradients",
    "input_gradient",
    "plain_flow",
    "gradient_descent",
    "balanced_init",
    "random_balanced_init",
    "vector_field",
    "simulate",
    "balanced_flow",
    "activation_pattern",
    "cone_labels",
    "is_aligned",
    "alignment_time",
    "signed_active_sum",
    "stable_rank",
    "singular_values",
    "margins",
    "normalized_margin",
    "one_class_max_margin",
    "features",
    "class_means",
    "nc_metrics",
    "within_class_cosine",
    "PLUS",
    "MINUS",
    "DEAD",
    "OTHER",
]

LOSSES = ("exp", "logistic", "logistic1", "square", "ce")

# Codes returned by :func:`cone_labels`.
PLUS, MINUS, DEAD, OTHER = 1, -1, 0, 2

# Below this exponent log(1 + e^m) = e^m (1 - e^m / 2) to better than 1e-26 relative.
_SERIES = -30.0


# ---------------------------------------------------------------------------------------
# Problem: data + model settings, validated once
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Data and model settings of one training problem (validated on construction).

    Parameters
    ----------
    X : (n, D) inputs (rows ``x_i``).
    y : labels. ``"exp"``, ``"logistic"``, ``"logistic1"``: ``(n,)`` in ``{-1, +1}``;
        ``"square"``: real ``(n,)`` (scalar output) or ``(n, K)``; ``"ce"``: integer
        ``(n,)`` in ``{0, ..., K-1}`` (``n_classes`` fixes ``K``, default ``max(y) + 1``).
    loss : one of :data:`LOSSES`.
    p : pReLU degree, ``p >= 1`` (``1`` is the ReLU).
    leaky : leaky-ReLU slope ``a in [0, 1]`` (only with ``p = 1``).
    kink : the value of ``sigma'(0)`` (``None``: ``0`` for the ReLU, ``leaky`` otherwise).
    loss_scale : multiplies the summed loss (``1/n`` for a mean loss).
    n_classes : number of classes for ``"ce"``.

    Attributes
    ----------
    targets : (n, d_out) float array (``y`` as a column, or one-hot for ``"ce"``).
    d_out : output dimension (1 for a scalar output).
    """

    X: Any
    y: Any
    loss: str = "exp"
    p: float = 1.0
    leaky: float = 0.0
    kink: float | None = None
    loss_scale: float = 1.0
    n_classes: int | None = None
    targets: np.ndarray = field(init=False, repr=False)
    d_out: int = field(init=False)

    def __post_init__(self) -> None:
        X = as_matrix(self.X, "X")
        n = X.shape[0]
        if not isinstance(self.loss, str) or self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        p = as_scalar(self.p, "p", low=1.0)
        leaky = as_scalar(self.leaky, "leaky", low=0.0, high=1.0)
        if leaky != 0.0 and p != 1.0:
            raise ValueError("leaky must be 0 when p > 1 (the leaky ReLU is a p = 1 activation)")
        kink = None if self.kink is None else as_scalar(self.kink, "kink", low=0.0, high=1.0)
        scale = as_scalar(self.loss_scale, "loss_scale", low=0.0, low_open=True)
        if self.loss == "ce":
            yv = np.asarray(self.y)
            if yv.ndim != 1 or yv.shape[0] != n:
                raise ValueError(f"y must be a vector of {n} integer labels for the 'ce' loss, got shape {yv.shape}")
            if not np.issubdtype(yv.dtype, np.integer):
                if not np.all(np.isfinite(yv.astype(float))) or np.any(yv != np.round(yv)):
                    raise ValueError("y must hold integer class labels for the 'ce' loss")
                yv = yv.astype(int)
            K = int(yv.max()) + 1 if self.n_classes is None else as_int(self.n_classes, "n_classes", low=2)
            if yv.min() < 0 or yv.max() >= K or K < 2:
                raise ValueError(f"y must hold labels in 0..K-1 with K >= 2 classes, got range [{yv.min()}, {yv.max()}]")
            T = np.zeros((n, K))
            T[np.arange(n), yv] = 1.0
            y = yv
        elif self.loss == "square":
            y = as_array(self.y, "y")
            if y.ndim not in (1, 2) or y.shape[0] != n:
                raise ValueError(f"y must have {n} rows, got shape {y.shape}")
            T = y.reshape(n, -1).copy()
        else:
            y = as_array(self.y, "y", ndim=1)
            if y.shape[0] != n:
                raise ValueError(f"y must have length {n} (one label per row of X), got {y.shape[0]}")
            if not np.all(np.abs(y) == 1.0):
                raise ValueError(f"y must hold labels in {{-1, +1}} for the {self.loss!r} loss")
            T = y[:, None].copy()
        for name, val in (("X", X), ("y", y), ("p", p), ("leaky", leaky), ("kink", kink),
                          ("loss_scale", scale), ("targets", T), ("d_out", T.shape[1]),
                          ("n_classes", T.shape[1] if self.loss == "ce" else self.n_classes)):
            object.__setattr__(self, name, val)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def x_max(self) -> float:
        return float(np.max(np.linalg.norm(self.X, axis=1)))

    @property
    def labels(self) -> np.ndarray:
        """Labels as given (``+-1``, class indices, or real targets)."""
        return self.y


def _check_W(W: Any, d: int, name: str = "W") -> np.ndarray:
    W = as_matrix(W, name)
    if W.shape[0] != d:
        raise ValueError(f"{name} must have {d} rows (the input dimension), got shape {W.shape}")
    return W


def _check_V(V: Any, h: int, d_out: int | None, name: str = "V") -> np.ndarray:
    V = as_array(V, name)
    if V.ndim == 1:
        V = V[None, :]
    if V.ndim != 2 or V.shape[1] != h:
        raise ValueError(f"{name} must have shape ({h},) or (d_out, {h}), got {np.shape(V)}")
    if d_out is not None and V.shape[0] != d_out:
        raise ValueError(f"{name} must have {d_out} output rows for this problem, got {V.shape[0]}")
    return V


# ---------------------------------------------------------------------------------------
# Activations and losses (numpy; the stepping core has a backend-generic copy)
# ---------------------------------------------------------------------------------------
def sigma(z: Any, p: float = 1.0, leaky: float = 0.0) -> np.ndarray:
    """``max(z, 0)^p`` (``p >= 1``), or the leaky ReLU ``max(z, leaky z)`` for ``p = 1``."""
    z = as_array(z, "z", allow_empty=True)
    if p == 1.0:
        return np.where(z > 0, z, leaky * z)
    return np.maximum(z, 0.0) ** p


def sigma_prime(z: Any, p: float = 1.0, leaky: float = 0.0, kink: float | None = None) -> np.ndarray:
    """The (sub)derivative used everywhere: ``1{z>0} + leaky 1{z<=0}`` with
    ``sigma'(0) = kink`` (default ``0`` for the ReLU, ``leaky`` for the leaky ReLU);
    ``p max(z, 0)^(p-1)`` for ``p > 1``."""
    z = as_array(z, "z", allow_empty=True)
    if p == 1.0:
        d = np.where(z > 0, 1.0, leaky)
        if kink is not None and kink != leaky:
            d = np.where(z == 0, kink, d)
        return d
    return p * np.maximum(z, 0.0) ** (p - 1)


def _log_softplus(m: np.ndarray) -> np.ndarray:
    """``log(log(1 + e^m))`` without under/overflow (elementwise)."""
    hi = np.maximum(m, _SERIES)
    lo = np.minimum(m, _SERIES)
    return np.where(m > _SERIES, np.log(np.logaddexp(0.0, hi)), lo + np.log1p(-0.5 * np.exp(lo)))


def _logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    M = np.max(a, axis=axis, keepdims=True)
    M = np.where(np.isfinite(M), M, 0.0)
    out = np.log(np.sum(np.exp(a - M), axis=axis, keepdims=True)) + M
    return out.squeeze(axis=axis) if axis is not None else out.reshape(())


def loss_terms(loss: str, T: Any, F: Any) -> np.ndarray:
    """Per-sample losses ``l(y_i, f_i)`` (unscaled) for targets ``T`` (n, d_out) and
    outputs ``F`` (n, d_out). Overflow-free; ``exp`` may return ``inf`` only when the
    true value exceeds the float range."""
    T = np.asarray(T, dtype=float)
    F = np.asarray(F, dtype=float)
    if loss in ("exp", "logistic", "logistic1"):
        m = -(T[:, 0] * F[:, 0])
        if loss == "exp":
            with np.errstate(over="ignore"):
                return np.exp(m)
        return (2.0 if loss == "logistic" else 1.0) * np.logaddexp(0.0, m)
    if loss == "square":
        return 0.5 * np.sum((T - F) ** 2, axis=1)
    if loss == "ce":
        fy = np.sum(F * T, axis=1)
        return _logsumexp(F, axis=1) - fy
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def residual(loss: str, T: Any, F: Any, scale: float = 1.0) -> tuple[np.ndarray, float]:
    """``R_i = -scale * dl/df (y_i, f_i)`` (n, d_out) and ``log L`` (``L`` the scaled summed
    loss). The exponential loss's ``e^m`` is evaluated with ``m`` clipped at 700 (a
    loss above ``e^700`` is outside every recipe)."""
    T = np.asarray(T, dtype=float)
    F = np.asarray(F, dtype=float)
    return _residual_np(loss, T, F, scale, normalized=False)


def normalized_residual(loss: str, T: Any, F: Any) -> tuple[np.ndarray, float]:
    """``R / L`` (the direction of ``-grad L / L``; the loss scale cancels) and ``log L``
    of the *unscaled* summed loss, computed in the log domain: finite for any ``F``.
    This is the right-hand side of the 1/loss schedule (the cards' R2)."""
    T = np.asarray(T, dtype=float)
    F = np.asarray(F, dtype=float)
    return _residual_np(loss, T, F, 1.0, normalized=True)


def _residual_np(loss: str, T: np.ndarray, F: np.ndarray, scale: float, normalized: bool):
    return _residual_core(_NP, loss, T, F, scale, normalized)


# ---------------------------------------------------------------------------------------
# Backends for the stepping core
# ---------------------------------------------------------------------------------------
class _NumpyBackend:
    name = "numpy"

    @staticmethod
    def asarray(a: Any) -> np.ndarray:
        return np.array(a, dtype=np.float64)

    @staticmethod
    def to_numpy(a: Any) -> np.ndarray:
        return np.asarray(a)

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    sqrt = staticmethod(np.sqrt)
    where = staticmethod(np.where)

    @staticmethod
    def minimum(a, b):
        return np.minimum(a, b)

    @staticmethod
    def maximum(a, b):
        return np.maximum(a, b)

    @staticmethod
    def logaddexp0(a):
        return np.logaddexp(0.0, a)

    # ndarray methods: the module-level wrappers cost a few microseconds per call, which
    # matters in a loop of 1e4-1e5 small steps.
    @staticmethod
    def sum(a, axis=None, keepdims=False):
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def amax(a, axis=None, keepdims=False):
        return a.max(axis=axis, keepdims=keepdims)

    @staticmethod
    def logsumexp(a, axis=None):
        return _logsumexp(a, axis)

    @staticmethod
    def item(a) -> float:
        return float(a)

    @staticmethod
    def any(a) -> bool:
        return bool(a.any())

    @staticmethod
    def nonzero(a):
        return np.nonzero(a)

    @staticmethod
    def isfinite_all(*arrs) -> bool:
        return all(bool(np.all(np.isfinite(a))) for a in arrs)

    @staticmethod
    def full_like(a, v):
        return np.full_like(a, v)

    @staticmethod
    def power(a, p):
        return a ** p

    @staticmethod
    def copy(a):
        return a.copy()


class _TorchBackend:
    name = "torch"

    def __init__(self, device: str | None) -> None:
        torch = require("torch", "torch", "backend='torch'")
        self.torch = torch
        self.device = torch.device(device if device is not None else "cpu")

    def asarray(self, a: Any):
        return self.torch.as_tensor(np.asarray(a, dtype=np.float64), dtype=self.torch.float64, device=self.device).clone()

    @staticmethod
    def to_numpy(a: Any) -> np.ndarray:
        return a.detach().cpu().numpy()

    def exp(self, a):
        return self.torch.exp(a)

    def log(self, a):
        return self.torch.log(a)

    def log1p(self, a):
        return self.torch.log1p(a)

    def sqrt(self, a):
        return self.torch.sqrt(a)

    def where(self, c, a, b):
        t = self.torch
        if not t.is_tensor(a):
            a = t.tensor(a, dtype=t.float64, device=self.device)
        if not t.is_tensor(b):
            b = t.tensor(b, dtype=t.float64, device=self.device)
        return t.where(c, a, b)

    def minimum(self, a, b):
        t = self.torch
        return t.clamp(a, max=b) if not t.is_tensor(b) else t.minimum(a, b)

    def maximum(self, a, b):
        t = self.torch
        return t.clamp(a, min=b) if not t.is_tensor(b) else t.maximum(a, b)

    def logaddexp0(self, a):
        return self.torch.logaddexp(self.torch.zeros_like(a), a)

    def sum(self, a, axis=None, keepdims=False):
        return a.sum() if axis is None else a.sum(dim=axis, keepdim=keepdims)

    def amax(self, a, axis=None, keepdims=False):
        return a.max() if axis is None else a.amax(dim=axis, keepdim=keepdims)

    def logsumexp(self, a, axis=None):
        if axis is None:
            return self.torch.logsumexp(a.reshape(-1), dim=0)
        return self.torch.logsumexp(a, dim=axis)

    @staticmethod
    def item(a) -> float:
        return float(a.item()) if hasattr(a, "item") else float(a)

    @staticmethod
    def any(a) -> bool:
        return bool(a.any().item())

    @staticmethod
    def nonzero(a):
        idx = a.nonzero(as_tuple=True)
        return tuple(i.cpu().numpy() for i in idx)

    def isfinite_all(self, *arrs) -> bool:
        return all(bool(self.torch.isfinite(a).all().item()) for a in arrs)

    def full_like(self, a, v):
        return self.torch.full_like(a, v)

    def power(self, a, p):
        return a ** p

    @staticmethod
    def copy(a):
        return a.clone()


_NP = _NumpyBackend()


def _backend(name: str, device: str | None):
    if name == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"device must be None or 'cpu' for the numpy backend, got {device!r}")
        return _NP
    if name == "torch":
        return _TorchBackend(device)
    raise ValueError(f"backend must be 'numpy' or 'torch', got {name!r}")


def _log_softplus_bk(bk, m):
    hi = bk.maximum(m, _SERIES)
    lo = bk.minimum(m, _SERIES)
    return bk.where(m > _SERIES, bk.log(bk.logaddexp0(hi)), lo + bk.log1p(-0.5 * bk.exp(lo)))


def _residual_core(bk, loss: str, T, F, scale: float, normalized: bool, need_logL: bool = True):
    """Residual ``R = -dl/df`` (times ``scale``), or ``R/L``, and ``log L`` (scaled).

    ``T``, ``F`` are (n, d_out) backend arrays; returns ``(R, logL)`` with ``logL`` a
    Python float (``nan`` when ``need_logL`` is false in plain time: the residual of the
    exponential loss does not need it, which saves a reduction per step).
    """
    log_scale = math.log(scale)
    if loss in ("exp", "logistic", "logistic1"):
        y = T[:, 0]
        m = -(y * F[:, 0])
        if loss == "exp" and not normalized and not need_logL:
            return (scale * y * bk.exp(bk.minimum(m, 700.0)))[:, None], math.nan
        if loss == "exp":
            logL = bk.item(bk.logsumexp(m)) + log_scale
            if normalized:
                R = y * bk.exp(m - (logL - log_scale))
            else:
                # m is clipped at 700 so that e^m stays finite; the recipes never get there.
                R = scale * y * bk.exp(bk.minimum(m, 700.0))
        else:
            c = 2.0 if loss == "logistic" else 1.0
            lsp = _log_softplus_bk(bk, m)
            logL0 = bk.item(bk.logsumexp(lsp))
            logL = math.log(c) + logL0 + log_scale
            log_sig = -bk.logaddexp0(-m)
            if normalized:
                R = y * bk.exp(log_sig - logL0)
            else:
                R = (c * scale) * y * bk.exp(log_sig)
        return R[:, None], logL
    if loss == "square":
        D = T - F
        L = 0.5 * bk.item(bk.sum(D * D))
        logL = (math.log(L) if L > 0 else -math.inf) + log_scale
        if normalized:
            return (D / L if L > 0 else D * 0.0), logL
        return scale * D, logL
    if loss == "ce":
        Z = F - bk.sum(F * T, axis=1, keepdims=True)  # z_il = f_il - f_iy
        Zo = bk.where(T > 0, -math.inf, Z)  # drop the true class
        logS = bk.logsumexp(Zo, axis=1)  # log sum_{l != y} e^{z_il}
        lse1 = bk.logaddexp0(logS)  # log(1 + S)
        hi = bk.maximum(logS, _SERIES)
        lo = bk.minimum(logS, _SERIES)
        log_li = bk.where(logS > _SERIES, bk.log(bk.logaddexp0(hi)), lo + bk.log1p(-0.5 * bk.exp(lo)))
        logL0 = bk.item(bk.logsumexp(log_li))
        logL = logL0 + log_scale
        shift = lse1 + (logL0 if normalized else -log_scale)
        # R_i = (S_i e_y - sum_{l != y} e^{z_il} e_l) / (1 + S_i)
        own = bk.exp(logS - shift)[:, None]
        other = bk.exp(Zo - shift[:, None])
        R = T * own - other
        return R, logL
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


# ---------------------------------------------------------------------------------------
# Plain (W, V) parametrisation
# ---------------------------------------------------------------------------------------
def _hidden(A: np.ndarray, norms: np.ndarray, p: float, leaky: float, kink: float | None, unit_norm: bool):
    """Hidden activations ``S`` and the factor ``D = d S / d A`` (both (n, h)) for
    pre-activations ``A = X W``; ``norms = ||w_j||``."""
    if p == 1.0:
        Dv = np.where(A > 0, 1.0, leaky)
        if kink is not None and kink != leaky:
            Dv = np.where(A == 0, kink, Dv)
        return A * Dv, Dv
    Ap = np.maximum(A, 0.0)
    if unit_norm:
        scale = norms ** (1.0 - p)
        return Ap ** p * scale, p * Ap ** (p - 1) * scale
    return Ap ** p, p * Ap ** (p - 1)


def _unpack_problem_like(X: Any, p: float, leaky: float):
    X = as_matrix(X, "X")
    p = as_scalar(p, "p", low=1.0)
    leaky = as_scalar(leaky, "leaky", low=0.0, high=1.0)
    if leaky != 0.0 and p != 1.0:
        raise ValueError("leaky must be 0 when p > 1")
    return X, p, leaky


def forward(X: Any, W: Any, V: Any, *, p: float = 1.0, leaky: float = 0.0, unit_norm: bool = True) -> np.ndarray:
    """Network outputs ``f(x_i)``: ``(n,)`` for ``V`` of shape ``(h,)``, ``(n, K)`` for ``(K, h)``.

    ``unit_norm=False`` drops the pReLU normalisation ``1/||w_j||^(p-1)`` (the "regular"
    polynomial ReLU ``sum_j v_j sigma^p(<x, w_j>)``; irrelevant for ``p = 1``).
    """
    X, p, leaky = _unpack_problem_like(X, p, leaky)
    W = _check_W(W, X.shape[1])
    scalar = np.ndim(V) == 1
    V = _check_V(V, W.shape[1], None)
    S, _ = _hidden(X @ W, np.linalg.norm(W, axis=0), p, leaky, None, unit_norm)
    F = S @ V.T
    return F[:, 0] if scalar else F


def _plain_parts(problem: Problem, W: np.ndarray, V: np.ndarray, unit_norm: bool):
    A = problem.X @ W
    norms = np.linalg.norm(W, axis=0)
    S, Dv = _hidden(A, norms, problem.p, problem.leaky, problem.kink, unit_norm)
    F = S @ V.T
    return A, norms, S, Dv, F


def loss_value(problem: Problem, W: Any, V: Any, *, unit_norm: bool = True) -> float:
    """The (scaled) summed loss ``L(W, V) = scale * sum_i l(y_i, f(x_i))``."""
    W = _check_W(W, problem.d)
    V = _check_V(V, W.shape[1], problem.d_out)
    F = _plain_parts(problem, W, V, unit_norm)[4]
    return float(problem.loss_scale * np.sum(loss_terms(problem.loss, problem.targets, F)))


def gradients(problem: Problem, W: Any, V: Any, *, unit_norm: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Analytic gradients ``(dL/dW, dL/dV, L)``, vectorised over neurons.

    With ``R_i = -dl/df_i`` (times the loss scale), ``a_ij = <x_i, w_j>`` and
    ``c_ij = <R_i, v_j>``::

        dL/dv_j = -sum_i R_i sigma_p(a_ij) / ||w_j||^(p-1)
        dL/dw_j = -sum_i c_ij [ sigma_p'(a_ij) x_i / ||w_j||^(p-1)
                                 + (1 - p) sigma_p(a_ij) w_j / ||w_j||^(p+1) ]

    with the kink convention of the module docstring (``sigma'(0) = 0`` unless the
    problem says otherwise). ``dL/dV`` has the shape of ``V``.
    """
    W = _check_W(W, problem.d)
    scalar = np.ndim(V) == 1
    V = _check_V(V, W.shape[1], problem.d_out)
    A, norms, S, Dv, F = _plain_parts(problem, W, V, unit_norm)
    R, logL = residual(problem.loss, problem.targets, F, problem.loss_scale)
    C = R @ V  # c_ij
    gW = -(problem.X.T @ (C * Dv))
    if problem.p != 1.0 and unit_norm:
        gW = gW - (1.0 - problem.p) * W * (np.sum(C * S, axis=0) / norms ** 2)
    gV = -(R.T @ S)
    L = float(problem.loss_scale * np.sum(loss_terms(problem.loss, problem.targets, F)))
    return gW, (gV[0] if scalar else gV), L


def input_gradient(X: Any, W: Any, V: Any, *, p: float = 1.0, leaky: float = 0.0,
                   output_weights: Any = None, unit_norm: bool = True) -> np.ndarray:
    """``d f(x_i) / d x_i`` for every row of ``X`` (shape ``(n, D)``), for attacks.

    For ``K`` outputs pass ``output_weights`` ``c`` (``(K,)`` or ``(n, K)``): the gradient
    of ``<c, f(x_i)>`` is returned. ReLU convention ``sigma'(0) = 0`` (``leaky`` for the
    leaky ReLU).
    """
    X, p, leaky = _unpack_problem_like(X, p, leaky)
    W = _check_W(W, X.shape[1])
    scalar = np.ndim(V) == 1
    V = _check_V(V, W.shape[1], None)
    if scalar:
        coef = np.broadcast_to(V[0], (X.shape[0], V.shape[1]))
    else:
        if output_weights is None:
            raise ValueError("output_weights is required for a network with several outputs")
        c = as_array(output_weights, "output_weights")
        c = np.broadcast_to(c, (X.shape[0], V.shape[0]))
        coef = c @ V
    _, Dv = _hidden(X @ W, np.linalg.norm(W, axis=0), p, leaky, None, unit_norm)
    return (coef * Dv) @ W.T


@dataclass(frozen=True)
class PlainRun:
    """Recorded plain-parameter run: ``t`` (GF time, or GD step counts), ``W`` (T, D, h),
    ``V`` (T, h) or (T, K, h), ``loss`` (T,), ``observables`` (name -> (T, ...))."""

    t: np.ndarray
    W: np.ndarray
    V: np.ndarray
    loss: np.ndarray
    observables: dict[str, np.ndarray]
    nfev: int


def _pack(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    return np.concatenate([W.ravel(), V.ravel()])


def _unpacker(d: int, h: int, vshape: tuple[int, ...]):
    nW = d * h

    def unpack(z: np.ndarray):
        return z[:nW].reshape(d, h), z[nW:].reshape(vshape)

    return unpack


def plain_flow(problem: Problem, W0: Any, V0: Any, t_eval: Any, *, train: str = "both",
               rtol: float = 1e-10, atol: float = 1e-14, unit_norm: bool = True,
               observables: dict[str, Callable[[np.ndarray, np.ndarray], Any]] | None = None) -> PlainRun:
    """Gradient flow ``dW/dt = -dL/dW``, ``dV/dt = -dL/dV`` (``train="first"``: ``V``
    fixed) by explicit RK (DOP853) through :func:`numerics.flow.integrate`.

    Size ``atol`` far below the initial weights (the default 1e-14 suits ``eps >= 1e-8``);
    for smaller scales use :func:`simulate`. ``observables`` are ``name -> f(W, V)``.
    """
    W0 = _check_W(W0, problem.d, "W0")
    vshape = np.shape(V0)
    V0 = _check_V(V0, W0.shape[1], problem.d_out, "V0").reshape(vshape)
    if train not in ("both", "first"):
        raise ValueError(f"train must be 'both' or 'first', got {train!r}")
    unpack = _unpacker(W0.shape[0], W0.shape[1], vshape)

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        W, V = unpack(z)
        gW, gV, _ = gradients(problem, W, V, unit_norm=unit_norm)
        return -_pack(gW, gV * (train == "both"))

    obs = {"loss": lambda z: loss_value(problem, *unpack(z), unit_norm=unit_norm)}
    for k, f in (observables or {}).items():
        obs[k] = (lambda f_: lambda z: f_(*unpack(z)))(f)
    traj: Trajectory = integrate(rhs, _pack(W0, V0), t_eval, rtol=rtol, atol=atol, observables=obs)
    Ws = traj.y[:, : W0.size].reshape(len(traj.t), *W0.shape)
    Vs = traj.y[:, W0.size:].reshape((len(traj.t),) + vshape)
    loss = traj.observables.pop("loss")
    return PlainRun(traj.t, Ws, Vs, loss, dict(traj.observables), traj.nfev)


def gradient_descent(problem: Problem, W0: Any, V0: Any, eta: float, steps: int, *, train: str = "both",
                     record_every: int = 1, unit_norm: bool = True,
                     observables: dict[str, Callable[[np.ndarray, np.ndarray], Any]] | None = None) -> PlainRun:
    """Full-batch gradient descent ``theta <- theta - eta grad L`` on ``(W, V)`` through
    :func:`numerics.flow.gradient_descent` (``train="first"``: ``V`` fixed).

    ``t`` holds step counts; with the summed loss step ``k`` is gradient-flow time
    ``eta k`` (with ``loss_scale = 1/n``, summed-loss time ``eta k / n``).
    ``observables`` (``name -> f(W, V)``) are evaluated on the recorded states.
    """
    W0 = _check_W(W0, problem.d, "W0")
    vshape = np.shape(V0)
    V0 = _check_V(V0, W0.shape[1], problem.d_out, "V0").reshape(vshape)
    if train not in ("both", "first"):
        raise ValueError(f"train must be 'both' or 'first', got {train!r}")
    unpack = _unpacker(W0.shape[0], W0.shape[1], vshape)

    def grad(z: np.ndarray) -> np.ndarray:
        W, V = unpack(z)
        gW, gV, _ = gradients(problem, W, V, unit_norm=unit_norm)
        return _pack(gW, gV * (train == "both"))

    obs = {"loss": lambda z: loss_value(problem, *unpack(z), unit_norm=unit_norm)}
    for k, f in (observables or {}).items():
        obs[k] = (lambda f_: lambda z: f_(*unpack(z)))(f)
    traj = _flow_gd(grad, _pack(W0, V0), eta, steps, record_every=record_every, observables=obs)
    Ws = traj.y[:, : W0.size].reshape(len(traj.t), *W0.shape)
    Vs = traj.y[:, W0.size:].reshape((len(traj.t),) + vshape)
    loss = traj.observables.pop("loss")
    return PlainRun(traj.t, Ws, Vs, loss, dict(traj.observables), traj.nfev)


# ---------------------------------------------------------------------------------------
# Balanced direction / log-norm coordinates
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BalancedState:
    """A balanced network ``w_j = e^{rho_j} u_j``, ``v_j = e^{rho_j} b_j``.

    Attributes
    ----------
    U : (D, h) unit columns ``u_j``.
    B : (d_out, h) unit columns ``b_j`` (``(1, h)`` of signs ``+-1`` for a scalar output).
    logr : (h,) log-norms ``rho_j = log ||w_j|| = log ||v_j||``.
    """

    U: np.ndarray
    B: np.ndarray
    logr: np.ndarray

    def __post_init__(self) -> None:
        U = as_matrix(self.U, "U")
        h = U.shape[1]
        B = as_array(self.B, "B")
        if B.ndim == 1:
            B = B[None, :]
        if B.ndim != 2 or B.shape[1] != h:
            raise ValueError(f"B must have shape (d_out, {h}) or ({h},), got {np.shape(self.B)}")
        logr = as_array(self.logr, "logr", ndim=1, shape=(h,))
        for name, M in (("U", U), ("B", B)):
            nrm = np.linalg.norm(M, axis=0)
            if np.any(np.abs(nrm - 1.0) > 1e-8):
                raise ValueError(f"the columns of {name} must be unit vectors (max | ||col|| - 1 | = "
                                 f"{np.max(np.abs(nrm - 1.0)):.3g})")
        object.__setattr__(self, "U", U)
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "logr", logr)

    @property
    def h(self) -> int:
        return int(self.U.shape[1])

    @property
    def d_out(self) -> int:
        return int(self.B.shape[0])

    @property
    def sign(self) -> np.ndarray:
        """``s_j = sign v_j`` (scalar output only)."""
        if self.d_out != 1:
            raise ValueError("sign is defined for a scalar output only (d_out = 1)")
        return np.sign(self.B[0])

    def W(self, relative: bool = False) -> np.ndarray:
        """``W = U diag(e^rho)``; ``relative=True`` divides by ``max_j e^{rho_j}`` (no
        underflow; ratios such as the stable rank are unchanged)."""
        shift = np.max(self.logr) if relative else 0.0
        return self.U * np.exp(self.logr - shift)

    def V(self, relative: bool = False) -> np.ndarray:
        """``V = B diag(e^rho)``, shape ``(h,)`` for a scalar output."""
        shift = np.max(self.logr) if relative else 0.0
        V = self.B * np.exp(self.logr - shift)
        return V[0] if self.d_out == 1 else V

    def plain(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W, V)`` in plain coordinates (may underflow for tiny norms)."""
        return self.W(), self.V()

    @classmethod
    def from_plain(cls, W: Any, V: Any, rtol: float = 1e-10) -> BalancedState:
        """The balanced coordinates of ``(W, V)``; ``ValueError`` unless
        ``||v_j|| = ||w_j|| > 0`` to relative ``rtol``."""
        W = as_matrix(W, "W")
        V = _check_V(V, W.shape[1], None)
        nw = np.linalg.norm(W, axis=0)
        nv = np.linalg.norm(V, axis=0)
        if np.any(nw == 0):
            raise ValueError("W must have non-zero columns")
        if np.any(np.abs(nv - nw) > rtol * nw):
            raise ValueError("(W, V) is not balanced: ||v_j|| != ||w_j||")
        return cls(W / nw, V / nv, np.log(nw))


def balanced_init(W0: Any, out: Any, log_eps: float) -> BalancedState:
    """The balanced initialisation (early_alignment eq. (3); neural_collapse Assumption 2):
    ``w_j(0) = eps [W0]_j`` and ``v_j(0) = ||w_j(0)|| b_j``.

    Parameters
    ----------
    W0 : (D, h) shape matrix with non-zero columns.
    out : ``(h,)`` signs ``s_j`` (scalar output; any non-zero reals, their signs are used)
        or ``(K, h)`` output directions (normalised here).
    log_eps : ``log eps`` (any finite value; ``eps`` itself may underflow).
    """
    W0 = as_matrix(W0, "W0")
    log_eps = as_scalar(log_eps, "log_eps")
    nrm = np.linalg.norm(W0, axis=0)
    if np.any(nrm == 0):
        raise ValueError("W0 must have non-zero columns")
    out = as_array(out, "out")
    if out.ndim == 1:
        if out.shape[0] != W0.shape[1] or np.any(out == 0):
            raise ValueError(f"out must hold {W0.shape[1]} non-zero signs")
        B = np.sign(out)[None, :]
    else:
        if out.ndim != 2 or out.shape[1] != W0.shape[1]:
            raise ValueError(f"out must have shape (K, {W0.shape[1]}), got {out.shape}")
        on = np.linalg.norm(out, axis=0)
        if np.any(on == 0):
            raise ValueError("out must have non-zero columns")
        B = out / on
    return BalancedState(W0 / nrm, B, log_eps + np.log(nrm))


def random_balanced_init(d: int, h: int, *, log_eps: float, seed: Any, d_out: int = 1,
                         std: float | None = None) -> tuple[BalancedState, np.ndarray]:
    """Gaussian shapes ``[W0]_ij ~ N(0, std^2)`` (default ``std = 1/sqrt(D)``, as in
    early_alignment's random-initialisation remark) and fair-coin signs (``d_out = 1``) or
    Gaussian output directions; balanced at scale ``eps = e^{log_eps}``.

    Returns the state and ``W0`` (the shape matrix, for constants such as ``W_max``).
    The draws are: ``W0`` first, then the signs/directions.
    """
    d = as_int(d, "d", low=1)
    h = as_int(h, "h", low=1)
    d_out = as_int(d_out, "d_out", low=1)
    rng = as_rng(seed)
    std = 1.0 / math.sqrt(d) if std is None else as_scalar(std, "std", low=0.0, low_open=True)
    W0 = std * rng.standard_normal((d, h))
    if d_out == 1:
        out = np.where(rng.random(h) < 0.5, 1.0, -1.0)
    else:
        out = rng.standard_normal((d_out, h))
    return balanced_init(W0, out, log_eps), W0


def _check_state(problem: Problem, state: BalancedState) -> None:
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a Problem, got {type(problem).__name__}")
    if not isinstance(state, BalancedState):
        raise TypeError(f"state must be a BalancedState, got {type(state).__name__}")
    if state.U.shape[0] != problem.d:
        raise ValueError(f"state.U must have {problem.d} rows (the input dimension), got {state.U.shape[0]}")
    if state.d_out != problem.d_out:
        raise ValueError(f"state.B must have {problem.d_out} rows (the output dimension), got {state.d_out}")


@dataclass
class StepInfo:
    """What an observer sees at a step of :func:`simulate` (arrays of the run's backend).

    ``dU``, ``dB``, ``dlogr`` are the exact vector field at the state: in plain time for
    ``schedule="time"``; divided by ``L`` (per unit ``tau``) for ``"inverse_loss"``.
    ``R`` is the matching residual (``-dl/df``, or ``-dl/df / L``). ``A = X U``,
    ``S = sigma_p(A)``, ``Dsig = sigma_p'(A)``; ``F`` the outputs ``(n, d_out)``.
    """

    step: int
    t: float
    tau: float
    log_t: float
    logL: float
    U: Any
    B: Any
    logr: Any
    A: Any
    S: Any
    Dsig: Any
    F: Any
    R: Any
    dU: Any
    dB: Any
    dlogr: Any
    normalized: bool
    backend: str

    def numpy(self, name: str) -> np.ndarray:
        """Attribute ``name`` as a numpy array."""
        a = getattr(self, name)
        return a.detach().cpu().numpy() if self.backend == "torch" else np.asarray(a)


@dataclass(frozen=True)
class BalancedRun:
    """Output of :func:`simulate`.

    Attributes
    ----------
    step : (T,) recorded step indices.
    t : (T,) plain gradient-flow time (``inf`` where it exceeds the float range under the
        1/loss schedule; ``log_t`` is always finite for ``t > 0``).
    tau : (T,) ``int_0^t L dt`` under the 1/loss schedule (``nan`` for plain time).
    log_t : (T,) ``log t``.
    logL : (T,) log of the (scaled) loss; ``fmax`` (T,) ``max_i ||f(x_i)||``.
    U, B, logr : recorded states (T, D, h), (T, d_out, h), (T, h).
    events : activation changes ``{"step", "t", "i", "j", "on"}`` (arrays; ``on`` True
        when ``<x_i, u_j>`` became positive at that step).
    observed : list of ``(step, value)`` returned by the observer.
    final : the last state; ``schedule``, ``dt``, ``steps_done``, ``stopped``.
    """

    step: np.ndarray
    t: np.ndarray
    tau: np.ndarray
    log_t: np.ndarray
    logL: np.ndarray
    fmax: np.ndarray
    U: np.ndarray
    B: np.ndarray
    logr: np.ndarray
    events: dict[str, np.ndarray]
    observed: list
    final: BalancedState
    schedule: str
    dt: float
    steps_done: int
    stopped: bool

    @property
    def sign(self) -> np.ndarray:
        return self.final.sign

    def state(self, k: int) -> BalancedState:
        """The ``k``-th recorded state."""
        return BalancedState(self.U[k], self.B[k], self.logr[k])


def _core_field(bk, X, Xt, T, U, B, logr, loss, scale, p, leaky, kink, normalized, want_B, need_logL=True):
    """Vector field of the balanced coordinates (backend-generic). Returns
    ``dU, dB, dlogr, A, S, Dsig, F, R, logL``."""
    A = X @ U
    if p == 1.0:
        pos = A > 0
        if leaky == 0.0:
            Dsig = pos * 1.0
        else:
            Dsig = bk.where(pos, 1.0, leaky)
        if kink is not None and kink != leaky:
            Dsig = bk.where(A == 0, kink, Dsig)
        S = A * Dsig
    else:
        Ap = bk.maximum(A, 0.0)
        S = bk.power(Ap, p)
        Dsig = p * bk.power(Ap, p - 1.0)
    r2 = bk.exp(2.0 * logr)
    F = (S * r2) @ B.T
    R, logL = _residual_core(bk, loss, T, F, scale, normalized, need_logL)
    C = R @ B  # c_ij = <R_i, b_j>
    G = Xt @ (C * Dsig)
    dU = G - U * bk.sum(U * G, axis=0)
    dlogr = bk.sum(C * S, axis=0)
    if want_B:
        GB = R.T @ S
        dB = GB - B * bk.sum(B * GB, axis=0)
    else:
        dB = None
    return dU, dB, dlogr, A, S, Dsig, F, R, logL


def vector_field(problem: Problem, state: BalancedState, *, normalized: bool = False) -> dict[str, Any]:
    """The exact balanced-coordinate vector field at ``state`` (module docstring).

    Returns a dict with ``dU`` (D, h), ``dB`` (d_out, h; zeros for a scalar output),
    ``dlogr`` (h,), ``F`` (n, d_out), ``R`` (n, d_out: ``-dl/df`` times the loss scale, or
    divided by ``L`` when ``normalized``), ``A = X U``, ``S``, ``Dsig`` and ``logL``.
    """
    _check_state(problem, state)
    X = problem.X
    dU, dB, dlogr, A, S, Dsig, F, R, logL = _core_field(
        _NP, X, X.T, problem.targets, state.U, state.B, state.logr, problem.loss, problem.loss_scale,
        problem.p, problem.leaky, problem.kink, normalized, state.d_out > 1)
    if dB is None:
        dB = np.zeros_like(state.B)
    return {"dU": dU, "dB": dB, "dlogr": dlogr, "F": F, "R": R, "A": A, "S": S, "Dsig": Dsig, "logL": logL}


def simulate(problem: Problem, state: BalancedState, *, dt: float, steps: int | None = None,
             t_end: float | None = None, schedule: str = "time", record_every: int = 1,
             observe: Callable[[StepInfo], Any] | None = None, observe_every: int = 1,
             stop: Callable[[StepInfo], bool] | None = None, log_events: bool = True,
             backend: str = "numpy", device: str | None = None) -> BalancedRun:
    """Integrate gradient flow in balanced coordinates by explicit Euler with
    renormalisation (the cards' R1), or along the same orbit with the 1/loss schedule (R2).

    Parameters
    ----------
    problem, state : the problem and the initial balanced state.
    dt : step in plain time (``schedule="time"``) or in ``tau`` (``"inverse_loss"``: the
        update is ``theta <- theta - dt grad L / L``, i.e. a plain-time step ``dt / L``).
        Keep ``dt * n * X_max <~ 0.05`` in plain time (angular speeds scale like
        ``n X_max``); ``dt in [1e-3, 1e-2]`` for the 1/loss schedule. With the 1/loss
        schedule also keep ``dt * |log L| <~ 5``: beyond about 10 the output directions
        oscillate off their limits (a step-size instability, not a bias of the limit), and
        once ``|log L|`` approaches ``1e15`` float64 logits no longer resolve the classes.
        Shrink ``dt`` as the loss falls (``numerics.collapse.to_limit`` does).
    steps or t_end : number of steps, or the plain end time (``schedule="time"`` only).
    record_every : record the state every this many steps (and always the first and last).
    observe : ``observe(info) -> value`` called at step 0 and every ``observe_every`` steps
        (and at the last state), with the exact vector field at the state (:class:`StepInfo`).
    stop : ``stop(info) -> bool``, evaluated where ``observe`` is; ends the run when true.
    log_events : record every change of ``1{<x_i, u_j> > 0}`` (cheap: one comparison per step).
    backend, device : ``"numpy"`` or ``"torch"`` (float64; ``device`` e.g. ``"cuda"``).

    Returns
    -------
    BalancedRun (numpy arrays whatever the backend).

    Raises
    ------
    ValueError on malformed input or if the state becomes non-finite.
    """
    _check_state(problem, state)
    dt = as_scalar(dt, "dt", low=0.0, low_open=True)
    if schedule not in ("time", "inverse_loss"):
        raise ValueError(f"schedule must be 'time' or 'inverse_loss', got {schedule!r}")
    if (steps is None) == (t_end is None):
        raise ValueError("give exactly one of steps and t_end")
    if t_end is not None:
        if schedule != "time":
            raise ValueError("t_end needs schedule='time' (under the 1/loss schedule give steps)")
        t_end = as_scalar(t_end, "t_end", low=0.0)
        steps = int(round(t_end / dt))
    steps = as_int(steps, "steps", low=0)
    record_every = as_int(record_every, "record_every", low=1)
    observe_every = as_int(observe_every, "observe_every", low=1)
    bk = _backend(backend, device)
    normalized = schedule == "inverse_loss"
    want_B = state.d_out > 1

    X = bk.asarray(problem.X)
    Xt = bk.asarray(problem.X.T.copy())
    T = bk.asarray(problem.targets)
    U = bk.asarray(state.U)
    B = bk.asarray(state.B)
    logr = bk.asarray(state.logr)
    p, leaky, kink, loss, scale = problem.p, problem.leaky, problem.kink, problem.loss, problem.loss_scale

    rec_step, rec_t, rec_tau, rec_logt, rec_logL, rec_fmax = [], [], [], [], [], []
    rec_U, rec_B, rec_r = [], [], []
    ev_step, ev_i, ev_j, ev_on = [], [], [], []
    observed: list = []
    t = 0.0
    tau = 0.0 if normalized else math.nan
    log_t = -math.inf
    prev_pos = None
    stopped = False
    k = 0

    def record(k, fmax, logL):
        rec_step.append(k)
        rec_t.append(t)
        rec_tau.append(tau)
        rec_logt.append(log_t)
        rec_logL.append(logL)
        rec_fmax.append(fmax)
        rec_U.append(bk.to_numpy(U).copy())
        rec_B.append(bk.to_numpy(B).copy())
        rec_r.append(bk.to_numpy(logr).copy())

    while True:
        last = k == steps
        want_obs = (observe is not None or stop is not None) and (k % observe_every == 0 or last)
        want_rec = k % record_every == 0 or last
        dU, dB, dlogr, A, S, Dsig, F, R, logL = _core_field(
            bk, X, Xt, T, U, B, logr, loss, scale, p, leaky, kink, normalized, want_B, want_obs or want_rec)
        if log_events:
            pos = A > 0
            if prev_pos is not None:
                changed = pos != prev_pos
                if bk.any(changed):
                    ii, jj = bk.nonzero(changed)
                    ev_step.extend([k] * len(ii))
                    ev_i.extend(ii.tolist())
                    ev_j.extend(jj.tolist())
                    ev_on.extend(bk.to_numpy(pos[ii, jj]).tolist() if backend == "numpy"
                                 else bk.to_numpy(pos)[ii, jj].tolist())
            prev_pos = pos
        if want_obs:
            info = StepInfo(k, t, tau, log_t, logL, U, B, logr, A, S, Dsig, F, R, dU,
                            dB if dB is not None else B * 0.0, dlogr, normalized, bk.name)
            if observe is not None:
                observed.append((k, observe(info)))
            if stop is not None and stop(info):
                stopped = True
        if want_rec or stopped:
            if logL != logL:  # nan: not computed at this step
                logL = _residual_core(bk, loss, T, F, scale, normalized)[1]
            record(k, bk.item(bk.amax(abs(F))), logL)
        if last or stopped:
            break
        # Euler step with renormalisation of the unit columns.
        h_t = dt if not normalized else dt
        Un = U + h_t * dU
        U = Un / bk.sqrt(bk.sum(Un * Un, axis=0))
        logr = logr + h_t * dlogr
        if want_B:
            Bn = B + h_t * dB
            B = Bn / bk.sqrt(bk.sum(Bn * Bn, axis=0))
        if normalized:
            tau += dt
            # plain-time increment dt / L, accumulated in the log domain
            inc = math.log(dt) - logL
            log_t = inc if log_t == -math.inf else max(log_t, inc) + math.log1p(math.exp(-abs(log_t - inc)))
            t = math.exp(log_t) if log_t < 700 else math.inf
        else:
            t = (k + 1) * dt
            log_t = math.log(t)
        k += 1
        if k % 64 == 0 and not bk.isfinite_all(U, logr):
            raise ValueError(f"the state became non-finite at step {k}; reduce dt")
    if not bk.isfinite_all(U, logr):
        raise ValueError(f"the state became non-finite at step {k}; reduce dt")
    final = BalancedState(bk.to_numpy(U).copy(), bk.to_numpy(B).copy(), bk.to_numpy(logr).copy())
    events = {
        "step": np.asarray(ev_step, dtype=int),
        "i": np.asarray(ev_i, dtype=int),
        "j": np.asarray(ev_j, dtype=int),
        "on": np.asarray(ev_on, dtype=bool),
    }
    events["t"] = events["step"] * dt if not normalized else np.full(events["step"].shape, np.nan)
    return BalancedRun(
        np.asarray(rec_step), np.asarray(rec_t), np.asarray(rec_tau), np.asarray(rec_logt),
        np.asarray(rec_logL), np.asarray(rec_fmax), np.asarray(rec_U), np.asarray(rec_B), np.asarray(rec_r),
        events, observed, final, schedule, dt, k, stopped)


def balanced_flow(problem: Problem, state: BalancedState, t_eval: Any, *, rtol: float = 1e-10,
                  atol: float = 1e-12) -> BalancedRun:
    """The balanced-coordinate flow integrated by explicit RK (DOP853) through
    :func:`numerics.flow.integrate` (``u_j``, ``b_j`` are renormalised on output; the
    projected field keeps their norms to the integrator's accuracy). For accuracy
    tests of :func:`simulate`; no events are logged."""
    _check_state(problem, state)
    D, h, K = problem.d, state.h, state.d_out
    nU, nB = D * h, K * h
    X = problem.X

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        U = z[:nU].reshape(D, h)
        B = z[nU:nU + nB].reshape(K, h)
        dU, dB, dlogr, *_ = _core_field(_NP, X, X.T, problem.targets, U, B, z[nU + nB:], problem.loss,
                                        problem.loss_scale, problem.p, problem.leaky, problem.kink, False, K > 1)
        return np.concatenate([dU.ravel(), (dB if dB is not None else np.zeros_like(B)).ravel(), dlogr])

    z0 = np.concatenate([state.U.ravel(), state.B.ravel(), state.logr])
    traj = integrate(rhs, z0, t_eval, rtol=rtol, atol=atol)
    Tn = len(traj.t)
    U = traj.y[:, :nU].reshape(Tn, D, h)
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    B = traj.y[:, nU:nU + nB].reshape(Tn, K, h)
    B = B / np.linalg.norm(B, axis=1, keepdims=True)
    logr = traj.y[:, nU + nB:]
    logL, fmax = [], []
    for k in range(Tn):
        F = (sigma(X @ U[k], problem.p, problem.leaky) * np.exp(2 * logr[k])) @ B[k].T
        logL.append(residual(problem.loss, problem.targets, F, problem.loss_scale)[1])
        fmax.append(float(np.max(np.abs(F))))
    final = BalancedState(U[-1], B[-1], logr[-1])
    empty = {"step": np.zeros(0, int), "i": np.zeros(0, int), "j": np.zeros(0, int),
             "on": np.zeros(0, bool), "t": np.zeros(0)}
    with np.errstate(divide="ignore"):
        log_t = np.log(traj.t)
    return BalancedRun(np.arange(Tn), traj.t, np.full(Tn, np.nan), log_t, np.asarray(logL),
                       np.asarray(fmax), U, B, logr, empty, [], final, "rk", float("nan"), traj.nfev, False)


# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------
def activation_pattern(X: Any, W: Any) -> np.ndarray:
    """``1{<x_i, w_j> > 0}`` as a boolean (n, h) array (strict: ``sigma'(0) = 0``)."""
    X = as_matrix(X, "X")
    W = _check_W(W, X.shape[1])
    return (X @ W) > 0


def _pm_labels(y: Any, n: int) -> np.ndarray:
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != n or not np.all(np.abs(y) == 1):
        raise ValueError(f"y must hold {n} labels in {{-1, +1}}")
    return y


def cone_labels(X: Any, y: Any, W: Any) -> np.ndarray:
    """Cone of each column of ``W`` (early_alignment, Sec. 2): :data:`PLUS` if activated by
    exactly the positive points (``S_+``), :data:`MINUS` (``S_-``), :data:`DEAD` if activated
    by none, :data:`OTHER` otherwise. Strict mask ``<x_i, w> > 0``; an empty class makes
    ``S_+`` and ``S_dead`` coincide (reported as DEAD)."""
    X = as_matrix(X, "X")
    y = _pm_labels(y, X.shape[0])
    act = activation_pattern(X, W)
    pos = (y > 0)[:, None]
    out = np.full(act.shape[1], OTHER)
    out[np.all(act == pos, axis=0)] = PLUS
    out[np.all(act == ~pos, axis=0)] = MINUS
    out[~np.any(act, axis=0)] = DEAD
    return out


def is_aligned(X: Any, y: Any, W: Any, sign: Any) -> bool:
    """Theorem 1 part 1's condition: every ``V_+`` neuron in ``S_+ u S_dead`` and every
    ``V_-`` neuron in ``S_- u S_dead``."""
    lab = cone_labels(X, y, W)
    s = as_array(sign, "sign", ndim=1, shape=(lab.size,))
    ok_p = (lab == PLUS) | (lab == DEAD)
    ok_m = (lab == MINUS) | (lab == DEAD)
    return bool(np.all(np.where(s > 0, ok_p, ok_m)))


def alignment_time(run: BalancedRun, X: Any, y: Any) -> float:
    """First recorded time at which :func:`is_aligned` holds (``nan`` if never). Record
    every step for step-accurate times."""
    s = run.sign
    for k in range(len(run.t)):
        if is_aligned(X, y, run.U[k], s):
            return float(run.t[k])
    return float("nan")


def signed_active_sum(X: Any, y: Any, W: Any, leaky: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``x_a(w_j) = sum_{<x_i,w_j> > 0} y_i x_i + leaky sum_{<x_i,w_j> <= 0} y_i x_i`` for every
    column (returned as (D, h)) and ``n_a(w_j) = #{i : <x_i, w_j> > 0}`` (h,)."""
    X = as_matrix(X, "X")
    y = _pm_labels(y, X.shape[0])
    leaky = as_scalar(leaky, "leaky", low=0.0, high=1.0)
    act = activation_pattern(X, W)
    coef = np.where(act, 1.0, leaky) * y[:, None]
    return X.T @ coef, act.sum(axis=0)


def singular_values(W: Any) -> np.ndarray:
    """Singular values of ``W`` (descending)."""
    return np.linalg.svd(as_matrix(W, "W"), compute_uv=False)


def stable_rank(W: Any) -> float:
    """``||W||_F^2 / ||W||_2^2`` of a matrix, or of a :class:`BalancedState`'s first layer
    (computed on the rescaled ``W`` so that tiny norms do not underflow)."""
    if isinstance(W, BalancedState):
        W = W.W(relative=True)
    s = singular_values(W)
    if s[0] == 0:
        raise ValueError("W is zero; its stable rank is undefined")
    return float(np.sum(s ** 2) / s[0] ** 2)


def margins(problem: Problem, F: Any) -> np.ndarray:
    """Per-sample margins: ``y_i f(x_i)`` (scalar output) or ``f_{y_i} - max_{l != y_i} f_l``
    (``"ce"``)."""
    F = as_array(F, "F")
    F = F.reshape(problem.n, -1)
    if problem.loss == "ce":
        fy = np.sum(F * problem.targets, axis=1)
        other = np.where(problem.targets > 0, -np.inf, F)
        return fy - np.max(other, axis=1)
    if problem.loss == "square" and problem.d_out > 1:
        raise ValueError("margins are defined for labels in {-1, +1} or class labels")
    return problem.targets[:, 0] * F[:, 0]


def normalized_margin(problem: Problem, state: BalancedState) -> float:
    """``min_i margin_i(theta / ||theta||)``: the network is 2-homogeneous in
    ``theta = (W, V)``, so this is ``min_i margin_i(theta) / ||theta||^2`` with
    ``||theta||^2 = 2 sum_j e^{2 rho_j}``; computed without overflow."""
    _check_state(problem, state)
    w = np.exp(2 * (state.logr - np.max(state.logr)))
    w = w / (2 * np.sum(w))
    S = sigma(problem.X @ state.U, problem.p, problem.leaky)
    F = (S * w) @ state.B.T
    return float(np.min(margins(problem, F)))


def one_class_max_margin(Xk: Any, tol: float = 1e-12) -> tuple[float, np.ndarray]:
    """One-class hard margin through the origin ``gamma = max_{||u||=1} min_i <x_i, u>`` and
    its maximiser ``u`` (neural_collapse Sec. 2; early_alignment's limit stable rank).

    Solved as ``min ||w||^2 s.t. X w >= 1`` through its dual (L-BFGS-B on
    ``max_{a >= 0} sum a - ||X^T a||^2 / 2``), then polished on the support: ``w`` is the
    minimum-norm solution of ``X_S w = 1`` and the KKT conditions are verified to ``tol``
    (relative); ``gamma = 1/||w||``, ``u = gamma w``. ``ValueError`` if the points admit no
    positive margin.
    """
    X = as_matrix(Xk, "Xk")
    G = X @ X.T
    n = X.shape[0]

    def fun(a):
        g = X.T @ a
        return 0.5 * g @ g - a.sum(), X @ g - 1.0

    res = optimize.minimize(fun, np.full(n, 1.0 / max(np.trace(G), 1e-300)), jac=True, method="L-BFGS-B",
                            bounds=[(0, None)] * n, options={"ftol": 1e-16, "gtol": 1e-14, "maxiter": 10000})
    a = res.x
    w = X.T @ a
    if not np.all(np.isfinite(w)) or np.linalg.norm(w) == 0 or np.min(X @ w) <= 0:
        raise ValueError("the points of Xk admit no positive margin through the origin")
    # Polish: the constraints active at the optimum define w exactly.
    margin = X @ w
    # Candidate supports: the dual's positive multipliers first (right even when L-BFGS-B
    # stops early with every margin above 1), then near-active constraints; skip empty sets.
    supports = [a > 1e-9 * np.max(a)] + [margin <= 1 + thr * max(1.0, np.max(margin)) for thr in (1e-6, 1e-4, 1e-3)]
    for S in supports:
        if not S.any():
            continue
        XS = X[S]
        coef, *_ = np.linalg.lstsq(XS @ XS.T, np.ones(S.sum()), rcond=None)
        w2 = XS.T @ coef
        if np.all(coef >= -tol * np.max(np.abs(coef))) and np.min(X @ w2) >= 1 - 1e-10:
            w = w2
            break
    if np.min(X @ w) < 1 - 1e-6:
        raise ValueError("the max-margin problem did not converge")
    w = w / np.min(X @ w)  # exact feasibility: min_i <x_i, w> = 1
    gamma = 1.0 / np.linalg.norm(w)
    return float(gamma), gamma * w


def features(X: Any, W: Any, *, p: float = 1.0, leaky: float = 0.0) -> np.ndarray:
    """Last-layer features ``phi(x_i) = [sigma_p(<w_j, x_i>) / ||w_j||^(p-1)]_j`` (n, h)."""
    X, p, leaky = _unpack_problem_like(X, p, leaky)
    W = _check_W(W, X.shape[1])
    return _hidden(X @ W, np.linalg.norm(W, axis=0), p, leaky, None, True)[0]


def _labels_vec(labels: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise ValueError(f"labels must be a vector of length {n}")
    classes = np.unique(lab)
    if classes.size < 2:
        raise ValueError("labels must contain at least two classes")
    return lab, classes


def class_means(H: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Class means of the rows of ``H`` (K, h) and the sorted class values."""
    H = as_matrix(H, "H")
    lab, classes = _labels_vec(labels, H.shape[0])
    return np.array([H[lab == c].mean(axis=0) for c in classes]), classes


def within_class_cosine(H: Any, labels: Any) -> np.ndarray:
    """Per class, the mean cosine between each feature vector and its class mean
    (directional collapse: tends to 1). Zero feature vectors count as cosine 0."""
    H = as_matrix(H, "H")
    M, classes = class_means(H, labels)
    lab = np.asarray(labels)
    out = []
    for k, c in enumerate(classes):
        Hk = H[lab == c]
        nm = np.linalg.norm(Hk, axis=1) * np.linalg.norm(M[k])
        cos = np.divide(Hk @ M[k], nm, out=np.zeros(len(Hk)), where=nm > 0)
        out.append(cos.mean())
    return np.asarray(out)


def nc_metrics(H: Any, labels: Any, V: Any | None = None) -> dict[str, float]:
    """Neural-collapse metrics as the neural_collapse card defines them (App. B.2).

    ``NC1 = sum_k (1/|I_k|) sum_{i in I_k} ||phi_i - phi_k||^2 / sum_k ||phi_k - phi_G||^2``
    with class means ``phi_k`` and ``phi_G = mean_k phi_k``;
    ``NC2 = || G/||G||_F - I/sqrt(K) ||_F`` with ``G`` the Gram matrix of the normalised
    class means; ``NC3 = || M/||M||_F - (I - 11^T/K)/sqrt(K-1) ||_F`` with
    ``M = V (Phi^T)^+``, ``Phi = [phi_1 ... phi_K]`` (h, K) — only when ``V`` (K, h) is
    given (the unit-norm target; see the card's UNCERTAIN note on the normalisation).
    """
    H = as_matrix(H, "H")
    M, classes = class_means(H, labels)
    lab = np.asarray(labels)
    K = len(classes)
    within = sum(np.mean(np.sum((H[lab == c] - M[k]) ** 2, axis=1)) for k, c in enumerate(classes))
    gmean = M.mean(axis=0)
    between = float(np.sum((M - gmean) ** 2))
    out = {"NC1": float(within / between) if between > 0 else float("inf")}
    nrm = np.linalg.norm(M, axis=1)
    if np.any(nrm == 0):
        out["NC2"] = float("nan")
    else:
        Mn = M / nrm[:, None]
        Gm = Mn @ Mn.T
        out["NC2"] = float(np.linalg.norm(Gm / np.linalg.norm(Gm) - np.eye(K) / math.sqrt(K)))
    if V is not None:
        V = as_matrix(V, "V")
        if V.shape != (K, H.shape[1]):
            raise ValueError(f"V must have shape ({K}, {H.shape[1]}), got {V.shape}")
        Mat = V @ np.linalg.pinv(M)  # V (Phi^T)^+ with Phi^T = M (K, h)
        target = (np.eye(K) - np.ones((K, K)) / K) / math.sqrt(K - 1)
        out["NC3"] = float(np.linalg.norm(Mat / np.linalg.norm(Mat) - target))
    return out
