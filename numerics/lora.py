"""LoRA fine-tuning of a pretrained two-factor model (matrix factorisation).

The pretrained model ``W2 W1`` (``W2`` is ``m x h``, ``W1`` is ``h x n``) is frozen and
fine-tuned to ``Y_ft`` through LoRA factors on both layers (Xu et al., AISTATS 2025,
Problem 2):

    L = 1/2 || Y_ft - (W2 + B2 A2)(W1 + B1 A1) ||_F^2,

with ``A1`` (``r x n``), ``B1`` (``h x r``), ``A2`` (``r x h``), ``B2`` (``m x r``). This
module holds the simulator side of the paper:

* the loss and its exact analytic gradient (the gradient-flow vector field of Lemma A.5),
  on a flat state vector so that :func:`numerics.flow.integrate` and
  :func:`numerics.flow.gradient_descent` can drive it;
* a complex-step gradient of the loss, an independent reference for the analytic one;
* the pretrained factors of Assumption 2.1 and the rank-one or general ``Delta Y`` of
  Assumption 2.2 (:func:`make_problem`);
* the LoRA-based small initialisation and the spectral initialisation of Sec. 4;
* the four-variable per-mode system that spectral initialisation decouples into
  (Thm 4.1);
* observables of a trajectory: stacked factors ``Z1 = [B1; A1^T]``, ``Z2 = [B2; A2^T]``,
  alignment with ``gamma_1 = [g; v]/sqrt(2)``;
* a small synthetic stand-in for the paper's vision experiment (Sec. 5.2): a softmax
  classifier head, "pretrained" on half of the classes, fine-tuned with LoRA;
* the card's offline substitute for Sec. 5.2 on real images (scikit-learn's digits): a
  ReLU network pretrained on half of the classes, a fresh head initialised from its
  head, LoRA on that head trained by minibatch SGD with exact gradients, and the
  alignment metric of eq. (215).

Every random quantity is drawn from an explicit seed; every public function validates
its input. All arithmetic is float64 (plateaus near ``1e-22`` need it).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_matrix, as_rng, as_scalar

from .flow import Trajectory, gradient_descent, integrate

__all__ = [
    "LoraProblem",
    "LoraState",
    "haar_orthogonal",
    "pretrained_factors",
    "make_problem",
    "make_problem_from",
    "pack",
    "unpack",
    "loss",
    "residual",
    "gradients",
    "vector_field",
    "flat_gradient",
    "complex_step_gradient",
    "small_init",
    "spectral_init",
    "rotated_factors",
    "off_pattern",
    "run_gd",
    "run_gf",
    "stacked",
    "mode_rhs",
    "integrate_mode",
    "alignment_observables",
    "synthetic_classes",
    "softmax_xent",
    "lora_head_grad",
    "head_alignment_target",
    "head_alignment",
    "relu_mlp_loss_grad",
    "relu_features",
    "relu_mlp_pretrain",
    "fresh_head",
    "lora_head_sweep",
    "lora_head_sgd",
]


# -- problem set-up ------------------------------------------------------------------


def haar_orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed ``k x k`` orthogonal matrix (QR of a Gaussian, signs fixed)."""
    k = as_int(k, "k", low=1)
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))


def pretrained_factors(Y_pre: Any, G: Any, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Pretrained factors of Assumption 2.1 with a chosen imbalance.

    ``W2 = scale * U_Y Sigma^{1/2} G^T`` and ``W1 = scale^{-1} G Sigma^{1/2} V_Y^T`` with
    ``Y_pre = U_Y Sigma V_Y^T`` (thin SVD, ``p = min(m, n)`` values) and ``G`` an ``h x p``
    matrix with orthonormal columns. Then ``W2 W1 = Y_pre`` and every mode has
    ``delta_w = sigma_W1 / sigma_W2 = scale^{-2}``.

    Returns
    -------
    (W1, W2) with shapes ``(h, n)`` and ``(m, h)``.
    """
    Y_pre = as_matrix(Y_pre, "Y_pre")
    G = as_matrix(G, "G")
    scale = as_scalar(scale, "scale", low=0, low_open=True)
    m, n = Y_pre.shape
    p = min(m, n)
    if G.shape[1] < p:
        raise ValueError(f"G must have at least min(m, n) = {p} columns, got shape {G.shape}")
    G = G[:, :p]
    if not np.allclose(G.T @ G, np.eye(p), atol=1e-10):
        raise ValueError("G must have orthonormal columns")
    U, s, Vt = np.linalg.svd(Y_pre, full_matrices=False)
    root = np.sqrt(s)
    W2 = scale * (U * root) @ G.T
    W1 = (G * root) @ Vt / scale
    return W1, W2


@dataclass(frozen=True)
class LoraProblem:
    """A fine-tuning problem satisfying Assumptions 2.1 and 2.2.

    Attributes
    ----------
    W1, W2 : frozen pretrained factors (``h x n``, ``m x h``).
    Y_pre, Y_ft, dY : pretraining target, fine-tuning target, their difference.
    U_Y, s_pre, V_Y : full SVD of ``Y_pre`` (``m x m``, ``p``, ``n x n``), ``p = min(m, n)``.
    G_full : ``h x h`` orthogonal; its first ``p`` columns are the ``G`` of Assumption 2.1.
    scale : imbalance, ``delta_w = scale^{-2}`` on every mode.
    s_dY : the singular values of ``dY`` in the shared basis, ``diag(U_Y^T dY V_Y)``.
    """

    W1: np.ndarray
    W2: np.ndarray
    Y_pre: np.ndarray
    Y_ft: np.ndarray
    dY: np.ndarray
    U_Y: np.ndarray
    s_pre: np.ndarray
    V_Y: np.ndarray
    G_full: np.ndarray
    scale: float
    s_dY: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(m, n, h)``."""
        return self.W2.shape[0], self.W1.shape[1], self.W1.shape[0]

    @property
    def G(self) -> np.ndarray:
        return self.G_full[:, : len(self.s_pre)]

    @property
    def delta_w(self) -> float:
        return self.scale ** -2

    @property
    def sW1(self) -> np.ndarray:
        """``sigma_W1`` of every mode (``scale^{-1} sqrt(s_pre)``)."""
        return np.sqrt(self.s_pre) / self.scale

    @property
    def sW2(self) -> np.ndarray:
        """``sigma_W2`` of every mode (``scale * sqrt(s_pre)``)."""
        return np.sqrt(self.s_pre) * self.scale

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero singular values of ``dY`` (Assumption 2.2)."""
        top = float(np.max(np.abs(self.s_dY), initial=0.0))
        return np.flatnonzero(np.abs(self.s_dY) > 1e-12 * max(top, 1e-300))

    def rank_one(self) -> dict[str, Any]:
        """``sig, u, v, g, sW1, sW2, delta_w`` of a rank-one ``dY = sig u v^T`` (Sec. 3)."""
        S = self.support
        if S.size != 1:
            raise ValueError(f"dY must have rank one for the Sec. 3 quantities, it has rank {S.size}")
        i = int(S[0])
        sig = float(self.s_dY[i])
        u, v, g = self.U_Y[:, i], self.V_Y[:, i], self.G_full[:, i]
        if sig < 0:  # keep sig > 0 by flipping u (the paper's rank-one dY = sig u v^T, sig > 0)
            sig, u = -sig, -u
        return {"index": i, "sig": sig, "u": u, "v": v, "g": g, "sW1": float(self.sW1[i]),
                "sW2": float(self.sW2[i]), "delta_w": self.delta_w}


def _svd_fixed_signs(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full SVD with a deterministic sign convention: the largest-magnitude entry of each
    left singular vector is positive (the paired right vector flips with it)."""
    U, s, Vt = np.linalg.svd(Y, full_matrices=True)
    p = s.size
    sign = np.sign(U[np.argmax(np.abs(U[:, :p]), axis=0), np.arange(p)])
    sign[sign == 0] = 1.0
    U[:, :p] *= sign
    Vt[:p] *= sign[:, None]
    return U, s, Vt


def make_problem_from(Y_pre: Any, s_dY: Sequence[float] | np.ndarray, *, h: int, scale: float,
                      seed: Any = None, G_full: Any = None) -> LoraProblem:
    """Build a :class:`LoraProblem` from ``Y_pre`` and the singular values of ``dY``.

    ``s_dY[i]`` is the singular value of ``dY`` paired with the ``i``-th singular pair of
    ``Y_pre`` (``dY = U_Y diag(s_dY) V_Y^T``, Assumption 2.2). ``G`` comes from a Haar
    orthogonal ``h x h`` matrix drawn from ``seed``, or is given as ``G_full``. Singular
    vectors follow a fixed sign convention (largest entry of each ``u_i`` positive).
    """
    Y_pre = as_matrix(Y_pre, "Y_pre")
    m, n = Y_pre.shape
    p = min(m, n)
    h = as_int(h, "h", low=p)
    s_dY = as_array(s_dY, "s_dY", ndim=1, shape=(p,))
    scale = as_scalar(scale, "scale", low=0, low_open=True)
    U, s, Vt = _svd_fixed_signs(Y_pre)
    if np.min(s) <= 0:
        raise ValueError("Y_pre must have full rank min(m, n)")
    if G_full is None:
        G_full = haar_orthogonal(h, as_rng(seed))
    else:
        G_full = as_matrix(G_full, "G_full", shape=(h, h))
        if not np.allclose(G_full.T @ G_full, np.eye(h), atol=1e-10):
            raise ValueError("G_full must be orthogonal")
    W2 = scale * (U[:, :p] * np.sqrt(s)) @ G_full[:, :p].T
    W1 = (G_full[:, :p] * np.sqrt(s)) @ Vt[:p] / scale
    V = Vt.T
    dY = (U[:, :p] * s_dY) @ V[:, :p].T
    return LoraProblem(W1, W2, Y_pre, Y_pre + dY, dY, U, s, V, G_full, scale, s_dY.copy())


def make_problem(seed: Any, m: int = 10, n: int = 10, h: int = 100, scale: float = 1.05,
                 amp: float = 5.0, pair: str | int = "top") -> LoraProblem:
    """The paper's matrix-factorisation problem (Sec. 5.1, App. H.1).

    ``Y_pre`` has i.i.d. ``N(0, 1)`` entries; ``dY = amp * u_i v_i^T`` on the top pair
    (``pair="top"``), the bottom pair (``"bottom"``) or the pair with index ``pair``.
    """
    rng = as_rng(seed)
    m = as_int(m, "m", low=1)
    n = as_int(n, "n", low=1)
    amp = as_scalar(amp, "amp")
    p = min(m, n)
    if isinstance(pair, str):
        if pair not in ("top", "bottom"):
            raise ValueError(f"pair must be 'top', 'bottom' or an index, got {pair!r}")
        idx = 0 if pair == "top" else p - 1
    else:
        idx = as_int(pair, "pair", low=0, high=p - 1)
    Y_pre = rng.standard_normal((m, n))
    s_dY = np.zeros(p)
    s_dY[idx] = amp
    return make_problem_from(Y_pre, s_dY, h=h, scale=scale, seed=rng)


# -- state, loss, gradients -----------------------------------------------------------


@dataclass(frozen=True)
class LoraState:
    """Shapes of the LoRA factors ``(A1, B1, A2, B2)`` in the flat state vector."""

    m: int
    n: int
    h: int
    r: int
    sizes: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        for name in ("m", "n", "h", "r"):
            as_int(getattr(self, name), name, low=1)
        object.__setattr__(self, "sizes", (self.r * self.n, self.h * self.r, self.r * self.h, self.m * self.r))

    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return (self.r, self.n), (self.h, self.r), (self.r, self.h), (self.m, self.r)

    @property
    def size(self) -> int:
        return int(sum(self.sizes))


def pack(A1: Any, B1: Any, A2: Any, B2: Any) -> np.ndarray:
    """Flatten ``(A1, B1, A2, B2)`` into one state vector (this order)."""
    return np.concatenate([np.asarray(x).ravel() for x in (A1, B1, A2, B2)])


def unpack(x: np.ndarray, layout: LoraState) -> tuple[np.ndarray, ...]:
    """Views ``(A1, B1, A2, B2)`` into the flat state ``x``."""
    if x.shape != (layout.size,):
        raise ValueError(f"x must have shape ({layout.size},), got {x.shape}")
    out, k = [], 0
    for sz, shp in zip(layout.sizes, layout.shapes):
        out.append(x[k:k + sz].reshape(shp))
        k += sz
    return tuple(out)


def _check_factors(W1, W2, Y, A1, B1, A2, B2, *, allow_complex: bool = False):
    conv = (lambda a, name: np.asarray(a)) if allow_complex else as_matrix
    W1, W2, Y = as_matrix(W1, "W1"), as_matrix(W2, "W2"), as_matrix(Y, "Y_ft")
    A1, B1, A2, B2 = (conv(a, nm) for a, nm in ((A1, "A1"), (B1, "B1"), (A2, "A2"), (B2, "B2")))
    h, n = W1.shape
    m = W2.shape[0]
    r = A1.shape[0]
    want = {"W2": ((m, h), W2.shape), "Y_ft": ((m, n), Y.shape), "A1": ((r, n), A1.shape),
            "B1": ((h, r), B1.shape), "A2": ((r, h), A2.shape), "B2": ((m, r), B2.shape)}
    for name, (w, got) in want.items():
        if tuple(got) != w:
            raise ValueError(f"{name} must have shape {w}, got {tuple(got)}")
    return W1, W2, Y, A1, B1, A2, B2


def residual(W1: Any, W2: Any, Y_ft: Any, A1: Any, B1: Any, A2: Any, B2: Any) -> np.ndarray:
    """``E = Y_ft - (W2 + B2 A2)(W1 + B1 A1)``."""
    W1, W2, Y, A1, B1, A2, B2 = _check_factors(W1, W2, Y_ft, A1, B1, A2, B2)
    return Y - (W2 + B2 @ A2) @ (W1 + B1 @ A1)


def loss(W1: Any, W2: Any, Y_ft: Any, A1: Any, B1: Any, A2: Any, B2: Any) -> float:
    """Problem 2's loss ``1/2 ||E||_F^2``."""
    E = residual(W1, W2, Y_ft, A1, B1, A2, B2)
    return 0.5 * float(np.sum(E * E))


def _grads(W1, W2, Y, A1, B1, A2, B2):
    P = W2 + B2 @ A2
    Q = W1 + B1 @ A1
    E = Y - P @ Q
    PtE = P.T @ E  # h x n: minus dL/dQ
    EQt = E @ Q.T  # m x h: minus dL/dP
    return (-(B1.T @ PtE), -(PtE @ A1.T), -(B2.T @ EQt), -(EQt @ A2.T)), E


def gradients(W1: Any, W2: Any, Y_ft: Any, A1: Any, B1: Any, A2: Any,
              B2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact gradient ``(dL/dA1, dL/dB1, dL/dA2, dL/dB2)`` of Problem 2's loss.

    With ``P = W2 + B2 A2``, ``Q = W1 + B1 A1`` and ``E = Y_ft - P Q``:
    ``dL/dA1 = -B1^T P^T E``, ``dL/dB1 = -P^T E A1^T``, ``dL/dA2 = -B2^T E Q^T``,
    ``dL/dB2 = -E Q^T A2^T`` (Lemma A.5 with the sign of gradient flow removed).
    """
    g, _ = _grads(*_check_factors(W1, W2, Y_ft, A1, B1, A2, B2))
    return g


def vector_field(W1: Any, W2: Any, Y_ft: Any, A1: Any, B1: Any, A2: Any,
                 B2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gradient-flow velocities ``(dA1/dt, dB1/dt, dA2/dt, dB2/dt) = -grad L``."""
    return tuple(-x for x in gradients(W1, W2, Y_ft, A1, B1, A2, B2))


def flat_gradient(problem: LoraProblem, r: int) -> tuple[Callable[[np.ndarray], np.ndarray], LoraState]:
    """``grad(x)`` on the flat state of rank-``r`` LoRA factors, and the state layout.

    The closure skips validation (it runs once per gradient step) and reuses the
    pretrained factors of ``problem``.
    """
    m, n, h = problem.shape
    layout = LoraState(m, n, h, as_int(r, "r", low=1))
    W1, W2, Y = problem.W1, problem.W2, problem.Y_ft

    def grad(x: np.ndarray) -> np.ndarray:
        A1, B1, A2, B2 = unpack(x, layout)
        g, _ = _grads(W1, W2, Y, A1, B1, A2, B2)
        return pack(*g)

    return grad, layout


def complex_step_gradient(W1: Any, W2: Any, Y_ft: Any, A1: Any, B1: Any, A2: Any, B2: Any,
                          step: float = 1e-30) -> tuple[np.ndarray, ...]:
    """Gradient of the loss by the complex-step method, one coordinate at a time.

    ``dL/dx_k = Im L(x + i h e_k) / h``. The loss ``1/2 sum(E * E)`` is a polynomial, so
    this is exact up to round-off (no subtractive cancellation, unlike finite
    differences): an independent reference for :func:`gradients`.
    """
    W1, W2, Y, A1, B1, A2, B2 = _check_factors(W1, W2, Y_ft, A1, B1, A2, B2)
    step = as_scalar(step, "step", low=0, low_open=True)
    x0 = pack(A1, B1, A2, B2).astype(complex)
    layout = LoraState(W2.shape[0], W1.shape[1], W1.shape[0], A1.shape[0])
    out = np.empty(x0.size)
    for k in range(x0.size):
        x = x0.copy()
        x[k] += 1j * step
        a1, b1, a2, b2 = unpack(x, layout)
        E = Y - (W2 + b2 @ a2) @ (W1 + b1 @ a1)
        out[k] = 0.5 * np.sum(E * E).imag / step
    return unpack(out, layout)


# -- initialisations ------------------------------------------------------------------


def small_init(problem: LoraProblem, r: int, alpha: float, seed: Any) -> tuple[np.ndarray, ...]:
    """LoRA-based small initialisation: ``A_i`` i.i.d. ``N(0, alpha^2)``, ``B_i = 0``.

    Returns ``(A1, B1, A2, B2)``; ``A1`` is drawn before ``A2``.
    """
    m, n, h = problem.shape
    r = as_int(r, "r", low=1)
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    rng = as_rng(seed)
    A1 = alpha * rng.standard_normal((r, n))
    A2 = alpha * rng.standard_normal((r, h))
    return A1, np.zeros((h, r)), A2, np.zeros((m, r))


def _pairing(s_dY: np.ndarray, r: int) -> np.ndarray:
    """Singular indices paired with the ``r`` LoRA slots: the support of ``dY`` (in order),
    completed by the first indices outside it (the orthonormal completion of Sec. 4)."""
    top = float(np.max(np.abs(s_dY), initial=0.0))
    support = np.flatnonzero(np.abs(s_dY) > 1e-12 * max(top, 1e-300))
    if support.size > r:
        raise ValueError(f"r must be >= rank(dY) = {support.size}, got {r}")
    rest = np.setdiff1d(np.arange(s_dY.size), support)
    if support.size + rest.size < r:
        raise ValueError(f"r must be <= min(m, n) = {s_dY.size}, got {r}")
    return np.concatenate([support, rest[: r - support.size]]).astype(int)


def spectral_init(problem: LoraProblem, r: int, alpha: float, seed: Any) -> dict[str, np.ndarray]:
    """Spectral LoRA initialisation (Sec. 4), with the corrected rotations.

    ``B1 = B2 = 0``, ``A1 = G11 Sigma_A1 G12^T``, ``A2 = G21 Sigma_A2 G22^T`` where
    ``G12`` holds the right singular vectors of ``dY`` (completed by further columns of
    ``V_Y``), ``G22`` the paired columns of ``G``, ``G11, G21`` are Haar orthogonal
    ``r x r`` and ``Sigma_A1, Sigma_A2`` diagonal with i.i.d. ``N(0, alpha^2)`` entries.
    Draw order: ``G11``, ``G21``, ``diag(Sigma_A1)``, ``diag(Sigma_A2)``.

    Returns
    -------
    dict with ``A1, B1, A2, B2, G11, G21, G12, G22, pairing`` (the singular index of
    each LoRA slot).
    """
    m, n, h = problem.shape
    r = as_int(r, "r", low=1)
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    rng = as_rng(seed)
    idx = _pairing(problem.s_dY, r)
    G11 = haar_orthogonal(r, rng)
    G21 = haar_orthogonal(r, rng)
    sA1 = alpha * rng.standard_normal(r)
    sA2 = alpha * rng.standard_normal(r)
    G12 = problem.V_Y[:, idx]
    G22 = problem.G_full[:, idx]
    A1 = (G11 * sA1) @ G12.T
    A2 = (G21 * sA2) @ G22.T
    return {"A1": A1, "B1": np.zeros((h, r)), "A2": A2, "B2": np.zeros((m, r)), "G11": G11,
            "G21": G21, "G12": G12, "G22": G22, "pairing": idx}


def rotated_factors(problem: LoraProblem, init: dict[str, np.ndarray], A1: Any, B1: Any, A2: Any, B2: Any,
                    *, printed: bool = False) -> tuple[np.ndarray, ...]:
    """``(bar A1, bar B1, bar A2, bar B2)`` of Sec. 4.

    Corrected: ``bar B1 = G^T B1 G11``, ``bar A1 = G11^T A1 G12``, ``bar B2 = U_Y^T B2 G21``,
    ``bar A2 = G21^T A2 G22`` (``G`` the full ``h x h`` orthogonal matrix). ``printed=True``
    uses the paper's ``G11^T`` and ``G21^T`` in the ``B`` rotations.
    """
    G11, G21 = init["G11"], init["G21"]
    R11 = G11.T if printed else G11
    R21 = G21.T if printed else G21
    return (G11.T @ A1 @ init["G12"], problem.G_full.T @ B1 @ R11,
            G21.T @ A2 @ init["G22"], problem.U_Y.T @ B2 @ R21)


def off_pattern(problem: LoraProblem, init: dict[str, np.ndarray], A1: Any, B1: Any, A2: Any, B2: Any,
                *, printed: bool = False) -> float:
    """Largest entry of the rotated factors outside their (rectangular-)diagonal pattern.

    Slot ``j`` is paired with singular index ``i_j = init["pairing"][j]``: ``bar A_i``
    must be diagonal, ``bar B1`` and ``bar B2`` supported on the entries ``(i_j, j)``.
    """
    a1, b1, a2, b2 = rotated_factors(problem, init, A1, B1, A2, B2, printed=printed)
    r = a1.shape[0]
    idx = init["pairing"]
    worst = 0.0
    for mat, rows in ((a1, np.arange(r)), (a2, np.arange(r)), (b1, idx), (b2, idx)):
        masked = mat.copy()
        masked[rows, np.arange(r)] = 0.0
        worst = max(worst, float(np.max(np.abs(masked))))
    return worst


# -- drivers ----------------------------------------------------------------------------


def run_gd(problem: LoraProblem, init: Sequence[np.ndarray], eta: float, steps: int, *,
           record_every: int = 1, stop_loss: float | None = None,
           observables: dict[str, Callable[[np.ndarray], Any]] | None = None) -> tuple[Trajectory, LoraState]:
    """Gradient descent from ``init = (A1, B1, A2, B2)``; GD time is ``t = k * eta``.

    ``stop_loss`` ends the run at the first step whose loss falls below it (costs one
    extra residual per step). Returns the trajectory (its ``t`` holds step counts, as in
    :func:`numerics.flow.gradient_descent`) and the state layout.
    """
    A1 = as_matrix(init[0], "A1")
    grad, layout = flat_gradient(problem, A1.shape[0])
    x0 = pack(*_check_factors(problem.W1, problem.W2, problem.Y_ft, *init)[3:])
    stop = None
    if stop_loss is not None:
        stop_loss = as_scalar(stop_loss, "stop_loss", low=0, low_open=True)
        W1, W2, Y = problem.W1, problem.W2, problem.Y_ft

        def stop(x: np.ndarray) -> bool:
            a1, b1, a2, b2 = unpack(x, layout)
            E = Y - (W2 + b2 @ a2) @ (W1 + b1 @ a1)
            return 0.5 * float(np.sum(E * E)) < stop_loss

    traj = gradient_descent(grad, x0, eta, steps, record_every=record_every, observables=observables,
                            stop=stop)
    return traj, layout


def run_gf(problem: LoraProblem, init: Sequence[np.ndarray], t_eval: Any, *, rtol: float = 1e-12,
           atol: float = 1e-16, observables: dict[str, Callable[[np.ndarray], Any]] | None = None
           ) -> tuple[Trajectory, LoraState]:
    """Gradient flow from ``init = (A1, B1, A2, B2)`` with :func:`numerics.flow.integrate`.

    Choose ``atol`` far below ``alpha^2`` (the size of the conserved imbalance).
    """
    A1 = as_matrix(init[0], "A1")
    grad, layout = flat_gradient(problem, A1.shape[0])
    x0 = pack(*_check_factors(problem.W1, problem.W2, problem.Y_ft, *init)[3:])
    traj = integrate(lambda _t, x: -grad(x), x0, t_eval, rtol=rtol, atol=atol, observables=observables)
    return traj, layout


def stacked(A1: np.ndarray, B1: np.ndarray, A2: np.ndarray, B2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Z1 = [B1; A1^T]`` (``(h+n) x r``) and ``Z2 = [B2; A2^T]`` (``(m+h) x r``)."""
    return np.vstack([B1, A1.T]), np.vstack([B2, A2.T])


def alignment_observables(problem: LoraProblem, layout: LoraState) -> dict[str, Callable[[np.ndarray], float]]:
    """Observables of a rank-one problem's trajectory (Sec. 3, Fig. 1).

    ``loss``; ``gBAv = g^T B1 A1 v`` (Thm C.2's end-of-alignment quantity);
    ``misalign = 1 - cos^2(U^S_{Z1}, gamma_1)`` with unit ``gamma_1 = [g; v]/sqrt 2``;
    ``z1_fro2``, ``z2_fro2`` (squared Frobenius norms); ``z1_spec`` (spectral norm).
    """
    q = problem.rank_one()
    g, v = q["g"], q["v"]
    gamma1 = np.concatenate([g, v]) / np.sqrt(2.0)
    W1, W2, Y = problem.W1, problem.W2, problem.Y_ft

    def parts(x):
        return unpack(x, layout)

    def _loss(x):
        a1, b1, a2, b2 = parts(x)
        E = Y - (W2 + b2 @ a2) @ (W1 + b1 @ a1)
        return 0.5 * float(np.sum(E * E))

    def _gbav(x):
        a1, b1, _, _ = parts(x)
        return float(g @ b1 @ (a1 @ v))

    def _mis(x):
        a1, b1, _, _ = parts(x)
        Z1 = np.vstack([b1, a1.T])
        U = np.linalg.svd(Z1, full_matrices=False)[0][:, 0]
        c = float(U @ gamma1)
        # 1 - c^2 loses everything below 1e-16; the orthogonal part's squared norm does not.
        return float(np.sum((U - c * gamma1) ** 2))

    def _z1(x):
        a1, b1, _, _ = parts(x)
        return float(np.sum(a1 * a1) + np.sum(b1 * b1))

    def _z2(x):
        _, _, a2, b2 = parts(x)
        return float(np.sum(a2 * a2) + np.sum(b2 * b2))

    def _z1s(x):
        a1, b1, _, _ = parts(x)
        return float(np.linalg.norm(np.vstack([b1, a1.T]), 2))

    return {"loss": _loss, "gBAv": _gbav, "misalign": _mis, "z1_fro2": _z1, "z2_fro2": _z2, "z1_spec": _z1s}


# -- per-mode system (Thm 4.1) ----------------------------------------------------------


def mode_rhs(state: Any, s1: float, s2: float, y: float) -> np.ndarray:
    """Per-mode gradient flow under spectral initialisation (Sec. 4, proof of Thm 4.1).

    State ``(a, b, c, d) = (sigma_A1, sigma_B1, sigma_A2, sigma_B2)``, parameters
    ``s1 = sigma_W1``, ``s2 = sigma_W2``, ``y = sigma_dY``. With
    ``F = s2 b a + s1 d c + d c b a`` and ``e = y - F``:
    ``a' = b (s2 + d c) e``, ``b' = a (s2 + d c) e``, ``c' = d (s1 + b a) e``,
    ``d' = c (s1 + b a) e``. Vectorised over leading axes of ``state`` (last axis 4).
    """
    x = as_array(state, "state")
    if x.shape[-1] != 4:
        raise ValueError(f"state must have last axis of length 4, got shape {x.shape}")
    s1 = as_scalar(s1, "s1")
    s2 = as_scalar(s2, "s2")
    y = as_scalar(y, "y")
    a, b, c, d = np.moveaxis(x, -1, 0)
    e = y - (s2 * b * a + s1 * d * c + d * c * b * a)
    g1 = (s2 + d * c) * e
    g2 = (s1 + b * a) * e
    return np.stack([b * g1, a * g1, d * g2, c * g2], axis=-1)


def integrate_mode(s1: float, s2: float, y: float, state0: Any, t_eval: Any, *, rtol: float = 1e-12,
                   atol: float = 1e-30) -> Trajectory:
    """Integrate the per-mode system with DOP853 (``rtol=1e-12``, ``atol=1e-30``).

    ``atol`` sits far below the initial scale ``alpha^2`` so that the escape from the
    saddle is resolved. Observables: ``ell = (y - F)^2 / 2``, ``z1 = a^2 + b^2``,
    ``z2 = c^2 + d^2``.
    """
    s1 = as_scalar(s1, "s1", low=0, low_open=True)
    s2 = as_scalar(s2, "s2", low=0, low_open=True)
    y = as_scalar(y, "y")
    x0 = as_array(state0, "state0", ndim=1, shape=(4,))

    def rhs(_t, x):
        a, b, c, d = x
        e = y - (s2 * b * a + s1 * d * c + d * c * b * a)
        g1 = (s2 + d * c) * e
        g2 = (s1 + b * a) * e
        return np.array([b * g1, a * g1, d * g2, c * g2])

    def ell(x):
        a, b, c, d = x
        return 0.5 * (y - (s2 * b * a + s1 * d * c + d * c * b * a)) ** 2

    return integrate(rhs, x0, t_eval, rtol=rtol, atol=atol,
                     observables={"ell": ell, "z1": lambda x: x[0] ** 2 + x[1] ** 2,
                                  "z2": lambda x: x[2] ** 2 + x[3] ** 2})


# -- synthetic stand-in for the vision experiment (Sec. 5.2) ---------------------------


def synthetic_classes(seed: Any, n_classes: int = 10, dim: int = 64, n_per_class: int = 60,
                      spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian class clusters in ``dim`` dimensions: a stand-in for image features.

    Class means are ``N(0, I/dim) * 3``; samples add ``N(0, spread^2 I/dim)`` noise, so
    classes overlap a little and the loss stays bounded away from zero. Returns
    ``(X, labels)`` with ``X`` of shape ``(n_classes * n_per_class, dim)``.
    """
    rng = as_rng(seed)
    n_classes = as_int(n_classes, "n_classes", low=2)
    dim = as_int(dim, "dim", low=1)
    n_per_class = as_int(n_per_class, "n_per_class", low=1)
    spread = as_scalar(spread, "spread", low=0, low_open=True)
    means = 3.0 * rng.standard_normal((n_classes, dim)) / np.sqrt(dim)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    X = means[labels] + spread * rng.standard_normal((labels.size, dim)) / np.sqrt(dim)
    return X, labels


def _softmax_loss_grad(W: np.ndarray, X: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the linear head ``W`` (``classes x dim``) and its gradient."""
    logits = X @ W.T
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    N = X.shape[0]
    loss_ = -float(np.mean(np.log(p[np.arange(N), labels])))
    p[np.arange(N), labels] -= 1.0
    return loss_, p.T @ X / N


def _labels(labels: Any, n: int, n_classes: int | None = None) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be {n} integer class indices, got shape {lab.shape} and dtype {lab.dtype}")
    if lab.size and (lab.min() < 0 or (n_classes is not None and lab.max() >= n_classes)):
        raise ValueError(f"labels must lie in [0, {n_classes})")
    return lab.astype(int)


def softmax_xent(W: Any, X: Any, labels: Any) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the linear head ``W`` (``k x d``) on ``(X, labels)`` and its gradient.

    ``L(W) = -(1/N) sum_i log softmax(W x_i)_{y_i}``; ``dL/dW = (P - Y)^T X / N`` with ``P``
    the softmax probabilities and ``Y`` the one-hot labels.
    """
    W = as_matrix(W, "W")
    X = as_matrix(X, "X")
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"X must have {W.shape[1]} columns (the head's input size), got shape {X.shape}")
    lab = _labels(labels, X.shape[0], W.shape[0])
    return _softmax_loss_grad(W, X, lab)


def lora_head_grad(W0: Any, B: Any, A: Any, X: Any, labels: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss of the LoRA head ``W0 + B A`` and its exact gradient ``(dL/dB, dL/dA)``.

    ``W0`` is ``k x d`` (frozen), ``B`` is ``k x r`` and ``A`` is ``r x d``. With
    ``G = dL/dW`` at ``W0 + B A`` (:func:`softmax_xent`), ``dL/dB = G A^T`` and
    ``dL/dA = B^T G``: the linear-layer case of Lemma A.5.
    """
    W0 = as_matrix(W0, "W0")
    B = as_matrix(B, "B")
    A = as_matrix(A, "A")
    k, d = W0.shape
    if B.shape[0] != k or A.shape[1] != d or B.shape[1] != A.shape[0]:
        raise ValueError(f"B (k x r) and A (r x d) must fit W0 of shape {W0.shape}, got {B.shape} and {A.shape}")
    loss_, G = softmax_xent(W0 + B @ A, X, labels)
    return loss_, G @ A.T, B.T @ G


def head_alignment_target(W0: Any, X: Any, labels: Any, r: int) -> np.ndarray:
    """``U_target`` of eq. (215): the top-``r`` columns of ``[U_W; -V_W] / sqrt 2``.

    ``U_W S V_W^T`` is the SVD of the fine-tuning loss gradient ``dL/dW`` at the pretrained
    head ``W0`` (full data). Near ``B = 0`` the gradient flow of ``Z = [B; A^T]`` is
    ``Z' = -[[0, G], [G^T, 0]] Z``, whose growing directions are ``[u_i; -v_i]`` at rate
    ``s_i``; the ``1/sqrt 2`` makes the columns orthonormal. Returns a
    ``(k + d) x r`` matrix.
    """
    W0 = as_matrix(W0, "W0")
    r = as_int(r, "r", low=1, high=min(W0.shape))
    _, G0 = softmax_xent(W0, X, labels)
    Uw, _, Vwt = np.linalg.svd(G0, full_matrices=False)
    return np.vstack([Uw[:, :r], -Vwt[:r].T]) / np.sqrt(2.0)


def head_alignment(B: Any, A: Any, U_target: Any) -> float:
    """Alignment metric of eq. (215): ``||U U^T - U_t U_t^T||_F / sqrt(2 r)``.

    ``U`` holds the top-``r`` left singular vectors of ``Z = [B; A^T]`` (``r`` the number
    of columns of ``U_target``). Both projections have rank ``r``, so the metric lies in
    ``[0, 1]``: 0 when the subspaces coincide, 1 when they are orthogonal.
    """
    B = as_matrix(B, "B")
    A = as_matrix(A, "A")
    Ut = as_matrix(U_target, "U_target")
    Z = np.vstack([B, A.T])
    if Ut.shape[0] != Z.shape[0] or Ut.shape[1] > Z.shape[1]:
        raise ValueError(f"U_target must have {Z.shape[0]} rows and at most {Z.shape[1]} columns, got {Ut.shape}")
    return _alignment(Z, Ut)


def _alignment(Z: np.ndarray, Ut: np.ndarray) -> float:
    r = Ut.shape[1]
    U = np.linalg.svd(Z, full_matrices=False)[0][:, :r]
    # ||P - P_t||_F^2 = 2r - 2 ||U^T U_t||_F^2 for rank-r projections (no (k+d)^2 matrices)
    gap = max(2.0 * r - 2.0 * float(np.sum((U.T @ Ut) ** 2)), 0.0)
    return float(np.sqrt(gap / (2.0 * r)))


def relu_mlp_loss_grad(W1: Any, b1: Any, V: Any, X: Any, labels: Any
                       ) -> tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Mean cross-entropy of ``x -> V relu(W1 x + b1)`` and its exact gradient ``(dW1, db1, dV)``.

    ``W1`` is ``H x d``, ``b1`` has length ``H``, ``V`` is ``k x H`` (no output bias). At a
    zero pre-activation the ReLU's derivative is taken as 0.
    """
    W1 = as_matrix(W1, "W1")
    b1 = as_array(b1, "b1", ndim=1, shape=(W1.shape[0],))
    V = as_matrix(V, "V")
    X = as_matrix(X, "X")
    if V.shape[1] != W1.shape[0] or X.shape[1] != W1.shape[1]:
        raise ValueError(f"V must have {W1.shape[0]} columns and X {W1.shape[1]}, got {V.shape} and {X.shape}")
    lab = _labels(labels, X.shape[0], V.shape[0])
    return _mlp_loss_grad(W1, b1, V, X, lab)


def _mlp_loss_grad(W1, b1, V, X, lab):
    pre = X @ W1.T + b1
    Hd = np.maximum(pre, 0.0)
    logits = Hd @ V.T
    logits -= logits.max(axis=1, keepdims=True)
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    N = lab.size
    loss_ = -float(np.mean(np.log(P[np.arange(N), lab])))
    P[np.arange(N), lab] -= 1.0
    P /= N  # dL/dlogits
    gpre = (P @ V) * (pre > 0)
    return loss_, (gpre.T @ X, gpre.sum(axis=0), P.T @ Hd)


def relu_features(X: Any, W1: Any, b1: Any) -> np.ndarray:
    """Frozen features ``relu(W1 x + b1)`` of every row of ``X``."""
    W1 = as_matrix(W1, "W1")
    b1 = as_array(b1, "b1", ndim=1, shape=(W1.shape[0],))
    X = as_matrix(X, "X")
    if X.shape[1] != W1.shape[1]:
        raise ValueError(f"X must have {W1.shape[1]} columns, got shape {X.shape}")
    return np.maximum(X @ W1.T + b1, 0.0)


def _batches(rng: np.random.Generator, n: int, batch_size: int, steps: int):
    """Index sets of ``steps`` minibatches: one permutation per epoch, incomplete tails dropped."""
    per_epoch = n // batch_size
    done = 0
    while done < steps:
        perm = rng.permutation(n)
        for j in range(min(per_epoch, steps - done)):
            yield perm[j * batch_size:(j + 1) * batch_size]
        done += per_epoch


def relu_mlp_pretrain(X: Any, labels: Any, classes: Sequence[int], *, hidden: int = 64, seed: Any,
                      eta: float = 0.5, steps: int = 300, batch_size: int = 64) -> dict[str, np.ndarray]:
    """"Pretrain" a one-hidden-layer ReLU network on the samples of ``classes`` only.

    He-initialised ``W1`` (``N(0, 2/d)``), ``b1 = 0``, ``V = 0``; minibatch SGD on the
    mean cross-entropy (:func:`relu_mlp_loss_grad`) with one permutation per epoch.
    Draw order: ``W1``, then the permutations.

    Returns
    -------
    dict with ``W1``, ``b1`` (the frozen feature map), ``V`` (``len(classes) x hidden``,
    the pretrained head, rows in the order of ``sorted(classes)``) and ``classes``.
    """
    X = as_matrix(X, "X")
    lab = _labels(labels, X.shape[0])
    cls = np.asarray(sorted(set(int(c) for c in classes)))
    if cls.size < 2 or not np.all(np.isin(cls, lab)):
        raise ValueError("classes must hold at least two labels present in labels")
    hidden = as_int(hidden, "hidden", low=1)
    eta = as_scalar(eta, "eta", low=0, low_open=True)
    steps = as_int(steps, "steps", low=1)
    sel = np.isin(lab, cls)
    Xs, ls = X[sel], np.searchsorted(cls, lab[sel])
    batch_size = as_int(batch_size, "batch_size", low=1, high=Xs.shape[0])
    rng = as_rng(seed)
    W1 = rng.standard_normal((hidden, X.shape[1])) * np.sqrt(2.0 / X.shape[1])
    b1 = np.zeros(hidden)
    V = np.zeros((cls.size, hidden))
    for idx in _batches(rng, Xs.shape[0], batch_size, steps):
        _, (gW1, gb1, gV) = _mlp_loss_grad(W1, b1, V, Xs[idx], ls[idx])
        W1 -= eta * gW1
        b1 -= eta * gb1
        V -= eta * gV
    return {"W1": W1, "b1": b1, "V": V, "classes": cls}


def fresh_head(V: Any, classes: Sequence[int], n_classes: int) -> np.ndarray:
    """A ``n_classes``-row head initialised from a pretrained one: row ``classes[j]`` is
    ``V[j]`` (``classes`` sorted), every other row is zero."""
    V = as_matrix(V, "V")
    n_classes = as_int(n_classes, "n_classes", low=2)
    cls = np.asarray(sorted(set(int(c) for c in classes)))
    if cls.size != V.shape[0] or cls.min() < 0 or cls.max() >= n_classes:
        raise ValueError(f"classes must be {V.shape[0]} distinct labels in [0, {n_classes})")
    W0 = np.zeros((n_classes, V.shape[1]))
    W0[cls] = V
    return W0


def _softmax_stack(W: np.ndarray, X: np.ndarray, lab: np.ndarray, *, full: bool = True):
    """Mean cross-entropy gradient of a stack of heads on per-seed minibatches.

    ``W`` is ``R x S x k x d`` (``R`` seeds, ``S`` init scales), ``X`` is ``R x N x d``
    and ``lab`` is ``R x N`` (the rows of seed ``j`` are fed to its ``S`` heads). With
    ``full`` also the loss and the accuracy (``R x S``). The ``S`` heads of a seed are
    stacked into one ``(S k) x d`` matrix, so each product is one batched matrix
    multiplication, and the class axis is not the last one, so the reductions over it
    are vectorised over samples.
    """
    R, S, k, d = W.shape
    N = lab.shape[1]
    Z = np.matmul(W.reshape(R, S * k, d), X.swapaxes(1, 2)).reshape(R, S, k, N)  # logits
    if full:
        correct = np.mean(np.argmax(Z, axis=2) == lab[:, None, :], axis=2)
    Z -= Z.max(axis=2, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=2, keepdims=True)  # softmax probabilities
    seeds, rows = np.arange(R)[:, None], np.arange(N)[None, :]
    if full:
        loss_ = -np.mean(np.log(Z[seeds, :, lab, rows]), axis=1)  # R x S
    Z[seeds, :, lab, rows] -= 1.0
    G = np.matmul(Z.reshape(R, S * k, N), X).reshape(R, S, k, d) / N
    return (loss_, G, correct) if full else G


def _alignment_stack(B: np.ndarray, A: np.ndarray, Ut: np.ndarray) -> np.ndarray:
    """Eq. (215) for stacks ``B`` (``... x k x r``) and ``A`` (``... x r x d``)."""
    r = Ut.shape[1]
    U = np.linalg.svd(np.concatenate([B, A.swapaxes(-1, -2)], axis=-2), full_matrices=False)[0][..., :r]
    gap = np.maximum(2.0 * r - 2.0 * np.sum(np.matmul(U.swapaxes(-1, -2), Ut) ** 2, axis=(-2, -1)), 0.0)
    return np.sqrt(gap / (2.0 * r))


def lora_head_sweep(X: Any, labels: Any, W0: Any, r: int, stds: Sequence[float], seeds: Sequence[Any], *,
                    eta: float = 0.1, steps: int = 1000, batch_size: int = 64, early: int = 100,
                    record_every: int = 50) -> dict[str, np.ndarray]:
    """Fine-tune the head ``W0 + B A`` by minibatch SGD (LoRA on the head only), for every
    init scale in ``stds`` and every seed in ``seeds``.

    LoRA init: ``B = 0`` (``k x r``), ``A = std * N`` with ``N`` i.i.d. ``N(0, 1)``
    (``r x d``). Each step applies the exact gradient :func:`lora_head_grad` on one
    minibatch (one permutation per epoch, incomplete tails dropped). Per seed, the draw
    order is ``N``, then the permutations; the runs of one seed share ``N`` and the
    minibatches (common random numbers), so they differ only by the init scale. All runs
    advance side by side.

    Returns
    -------
    dict with
    ``step``: the recorded step counts (every ``record_every`` steps and the last);
    ``loss`` / ``accuracy``: full-data cross-entropy and accuracy there
    (``seeds x stds x steps``);
    ``align_step`` (``0..early``) / ``align``: the metric of eq. (215)
    (:func:`head_alignment`, target :func:`head_alignment_target` from the full-data
    gradient at ``W0``) at every step up to ``early`` (``seeds x stds x (early + 1)``).
    """
    X = as_matrix(X, "X")
    W0 = as_matrix(W0, "W0")
    k, d = W0.shape
    if X.shape[1] != d:
        raise ValueError(f"X must have {d} columns, got shape {X.shape}")
    lab = _labels(labels, X.shape[0], k)
    r = as_int(r, "r", low=1, high=min(k, d))
    stds = as_array(stds, "stds", ndim=1)
    if stds.size == 0 or np.any(stds <= 0):
        raise ValueError("stds must hold positive numbers")
    if isinstance(seeds, np.ndarray) and seeds.ndim == 1:
        seeds = seeds.tolist()
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be a sequence of seeds, got {type(seeds).__name__}")
    if len(seeds) == 0:
        raise ValueError("seeds must not be empty")
    rngs = [as_rng(sd, "seeds") for sd in seeds]
    eta = as_scalar(eta, "eta", low=0, low_open=True)
    steps = as_int(steps, "steps", low=1)
    batch_size = as_int(batch_size, "batch_size", low=1, high=X.shape[0])
    early = as_int(early, "early", low=0, high=steps)
    record_every = as_int(record_every, "record_every", low=1)
    A = stds[None, :, None, None] * np.stack([g.standard_normal((r, d)) for g in rngs])[:, None]
    B = np.zeros((len(rngs), stds.size, k, r))
    Ut = head_alignment_target(W0, X, lab, r)
    Xall, lab_all = X[None], lab[None]
    rec_step, rec_loss, rec_acc, align = [], [], [], []

    def record(s: int) -> None:
        W = W0 + np.matmul(B, A)
        loss_, _, acc = _softmax_stack(W.reshape(1, -1, k, d), Xall, lab_all)
        rec_step.append(s)
        rec_loss.append(loss_.reshape(B.shape[:2]))
        rec_acc.append(acc.reshape(B.shape[:2]))

    batches = zip(*(_batches(g, X.shape[0], batch_size, steps) for g in rngs))
    for s, idx in enumerate(batches):
        if s <= early:
            align.append(_alignment_stack(B, A, Ut))
        if s % record_every == 0:
            record(s)
        idx = np.stack(idx)
        G = _softmax_stack(W0 + np.matmul(B, A), X[idx], lab[idx], full=False)
        B, A = B - eta * np.matmul(G, A.swapaxes(-1, -2)), A - eta * np.matmul(B.swapaxes(-1, -2), G)
    if early == steps:
        align.append(_alignment_stack(B, A, Ut))
    if rec_step[-1] != steps:
        record(steps)
    return {"step": np.array(rec_step), "loss": np.moveaxis(np.array(rec_loss), 0, -1),
            "accuracy": np.moveaxis(np.array(rec_acc), 0, -1), "align_step": np.arange(early + 1),
            "align": np.moveaxis(np.array(align), 0, -1)}


def lora_head_sgd(X: Any, labels: Any, W0: Any, r: int, std: float, seed: Any, *, eta: float = 0.1,
                  steps: int = 1000, batch_size: int = 64, early: int = 100,
                  record_every: int = 50) -> dict[str, np.ndarray]:
    """One run of :func:`lora_head_sweep` (one ``std``, one ``seed``): the same dict with
    ``loss``, ``accuracy`` and ``align`` one-dimensional."""
    std = as_scalar(std, "std", low=0, low_open=True)
    as_rng(seed)  # refuse None / bad seeds under the name "seed"
    out = lora_head_sweep(X, labels, W0, r, [std], [seed], eta=eta, steps=steps, batch_size=batch_size,
                          early=early, record_every=record_every)
    return {key: (val[0, 0] if key in ("loss", "accuracy", "align") else val) for key, val in out.items()}
