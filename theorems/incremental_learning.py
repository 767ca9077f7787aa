"""Min & Vidal (CDC 2025): closed-form gradient flow on symmetric matrix factorisation.

Gradient flow on ``L(U) = 1/4 ||Y - U U^T||_F^2`` induces the matrix Riccati equation
``dW/dt = W Y + Y W - 2 W^2`` for ``W = U U^T`` (eq. 3), which Prop. 1 solves in closed
form. Under a small initialisation of scale ``alpha`` each eigen-direction ``i`` of the
target is learned around ``t = log(1/alpha) / (2 sigma_i)`` (Cor. 2, Thms 3-4).
Card: ``shared/papers/incremental_learning.md``.

Closed forms exported here (all validate their input and are vectorised over times):

* :func:`riccati_solution`, :func:`riccati_W` -- Prop. 1 as printed (eq. 6);
* :func:`riccati_solution_stable`, :func:`riccati_W_stable` -- the derived inverse form,
  free of ``e^{2 sigma t}``, for positive definite ``W0``;
* :func:`riccati_W_mpmath` -- Prop. 1 in arbitrary precision (the reference);
* :func:`G_mat`, :func:`S_mat` -- the matrices of eq. (6);
* :func:`sigma_W`, :func:`half_time` -- Cor. 2 (eqs. 12-13) and the half-way time;
* :func:`thm3_constants`, :func:`thm4_constants`, :func:`admissible_alpha`,
  :func:`largest_admissible_alpha`, :func:`windows`, :func:`best_rank_k` -- the
  ingredients of Thms 3-4;
* :func:`rank_deficient_W` -- the rank-deficient rewrite of Sec. III-C.2 (corrected).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_int, as_psd, as_scalar, as_square, as_times

__all__ = [
    "PAPER",
    "CLAIMS",
    "riccati_solution",
    "riccati_solution_stable",
    "riccati_W",
    "riccati_W_stable",
    "riccati_W_mpmath",
    "G_mat",
    "S_mat",
    "sigma_W",
    "half_time",
    "thm3_constants",
    "thm4_constants",
    "admissible_alpha",
    "largest_admissible_alpha",
    "windows",
    "best_rank_k",
    "rank_deficient_W",
]

PAPER = Paper(
    slug="incremental_learning",
    title="Understanding Incremental Learning with Closed-form Solution to Gradient Flow on "
          "Overparamerterized Matrix Factorization",
    authors=("Hancheng Min", "René Vidal"),
    venue="IEEE Conference on Decision and Control (CDC)",
    year=2025,
    arxiv="2508.20344",
    url="https://arxiv.org/abs/2508.20344",
    note='The misspelling "Overparamerterized" is in the original title.',
)

# -- symbols ------------------------------------------------------------------------
n = sp.Symbol("n", integer=True, positive=True)
W = sp.MatrixSymbol("W", n, n)
Y = sp.MatrixSymbol("Y", n, n)
U = sp.MatrixSymbol("U", n, n)
k_W2 = sp.Symbol("k_W2", positive=True)  # the coefficient of W^2 in eq. (3)

t = sp.Symbol("t", nonnegative=True)
alpha = sp.Symbol("alpha", positive=True)           # initialisation scale
sigma_Y = sp.Symbol("sigma_Y", positive=True)       # a nonzero eigenvalue of Y
sigma_0 = sp.Symbol("sigma_0", positive=True)       # squared singular value of the shape
k_exp = sp.Symbol("k_exp", positive=True)           # the factor 2 in e^{2 sigma t} (eq. 12)
c = sp.Symbol("c", positive=True)                   # transition constant (eqs. 14-15)
eps = sp.Symbol("epsilon", positive=True)
M = sp.Symbol("M", positive=True)                   # max(||V||, ||V^-1||), Thm 4
sigma_1 = sp.Symbol("sigma_1", positive=True)       # largest eigenvalue of Y
sigma_0max = sp.Symbol("sigma_0max", positive=True)  # max over all n shape values
sigma_0min = sp.Symbol("sigma_0min", positive=True)  # min over the first K shape values
log_inv_alpha = sp.Symbol(r"\log(1/\alpha)", positive=True)  # the clock of the transitions

#: eq. (3): the induced dynamics of W = U U^T, with the coefficient of W^2 symbolic so
#: that the false variant (coefficient 1) is the same expression with another constant.
W_DOT = W * Y + Y * W - k_W2 * W * W

#: Cor. 2, eq. (12): a nonzero mode under spectral initialisation (k_exp = 2).
SIGMA_W_EQ12 = (alpha * sigma_Y * sigma_0 * sp.exp(k_exp * sigma_Y * t)
                / (sigma_Y + alpha * sigma_0 * (sp.exp(k_exp * sigma_Y * t) - 1)))
#: Cor. 2, eq. (13): a zero mode (sigma_Y = 0); the sigma_Y -> 0 limit of eq. (12).
SIGMA_W_EQ13 = alpha * sigma_0 / (1 + k_exp * alpha * sigma_0 * t)
#: DERIVED overflow-free (logistic) form of eq. (12).
SIGMA_W_LOGISTIC = sigma_Y / (1 + (sigma_Y - alpha * sigma_0) / (alpha * sigma_0) * sp.exp(-2 * sigma_Y * t))
#: eqs. (14)-(15): the time 1/(2 sigma_Y) log(c/alpha) and the value of sigma_W there.
T_TRANSITION = sp.log(c / alpha) / (2 * sigma_Y)
TRANSITION_VALUE = c * sigma_Y * sigma_0 / (sigma_Y + (c - alpha) * sigma_0)
#: DERIVED half-way time: sigma_W(t_half) = sigma_Y / 2.
HALF_TIME = sp.log((sigma_Y - alpha * sigma_0) / (alpha * sigma_0)) / (2 * sigma_Y)
#: Thm 3 constants (max over all n shape values, min over the first K).
C3_SMALL = eps / sigma_0max
C3_BIG = sigma_1 ** 2 / (eps * sigma_0min)
#: Thm 4 constants.
C4_SMALL = eps / (16 * M ** 2)
C4_BIG = 16 * sigma_1 ** 2 * M ** 2 / eps

_eq12 = sp.lambdify((t, sigma_Y, sigma_0, alpha, k_exp), SIGMA_W_EQ12, modules="numpy")
_eq13 = sp.lambdify((t, sigma_0, alpha, k_exp), SIGMA_W_EQ13, modules="numpy")
_transition_value = sp.lambdify((c, sigma_Y, sigma_0, alpha), TRANSITION_VALUE, modules="numpy")
_c3 = sp.lambdify((eps, sigma_0max), C3_SMALL, modules="numpy")
_C3 = sp.lambdify((eps, sigma_1, sigma_0min), C3_BIG, modules="numpy")
_c4 = sp.lambdify((eps, M), C4_SMALL, modules="numpy")
_C4 = sp.lambdify((eps, sigma_1, M), C4_BIG, modules="numpy")


# -- validation helpers ----------------------------------------------------------------
def _orthogonal(Phi: Any) -> np.ndarray:
    Phi = as_square(Phi, "Phi")
    err = float(np.max(np.abs(Phi.T @ Phi - np.eye(Phi.shape[0]))))
    if err > 1e-10:
        raise ValueError(f"Phi must be orthogonal (max |Phi^T Phi - I| = {err:.3g})")
    return Phi


def _spectrum(sig_Y: Any, size: int) -> np.ndarray:
    """``sig_Y`` (the nonzero eigenvalues, optionally followed by zeros) padded with
    zeros to ``size`` entries."""
    s = as_array(sig_Y, "sig_Y", ndim=1)
    if s.size > size:
        raise ValueError(f"sig_Y must have at most {size} entries (the size of W0), got {s.size}")
    if np.any(s < 0):
        raise ValueError(f"sig_Y must be non-negative (Y is positive semidefinite), got min {s.min():.3g}")
    return np.concatenate([s, np.zeros(size - s.size)])


def _psd_of_size(W0: Any, size: int | None, name: str = "W0", definite: bool = False) -> np.ndarray:
    W0 = as_psd(W0, name, definite=definite)
    if size is not None and W0.shape != (size, size):
        raise ValueError(f"{name} must have shape {(size, size)}, got {W0.shape}")
    return W0


def _learned_spectrum(sig_Y: Any) -> np.ndarray:
    """The K nonzero eigenvalues of Y for Thms 3-4: positive, strictly decreasing, and
    listed first (trailing zeros are allowed and dropped)."""
    s = as_array(sig_Y, "sig_Y", ndim=1)
    if np.any(s < 0):
        raise ValueError("sig_Y must be non-negative")
    K = int(np.sum(s > 0))
    if K == 0:
        raise ValueError("sig_Y must contain at least one positive eigenvalue")
    if np.any(s[K:] != 0):
        raise ValueError("sig_Y must list its positive eigenvalues first, then zeros")
    pos = s[:K]
    if np.any(np.diff(pos) >= 0):
        raise ValueError("the positive entries of sig_Y must be distinct and strictly decreasing (Thms 3-4)")
    return pos


def _sym(A: np.ndarray) -> np.ndarray:
    return 0.5 * (A + np.swapaxes(A, -1, -2))


# -- eq. (6): G(t), S(t) -----------------------------------------------------------------
def _g_diag(t: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Diagonal of G(t): ``expm1(2 sigma t) / sigma``, and its limit ``2 t`` at sigma = 0."""
    ts = np.asarray(t, dtype=float)[..., None]
    nz = sig != 0
    safe = np.where(nz, sig, 1.0)
    with np.errstate(over="ignore"):  # overflow becomes inf and is reported by the caller
        return np.where(nz, np.expm1(2.0 * safe * ts) / safe, 2.0 * ts)


def _gt_diag(t: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Diagonal of the stable form's G~(t) = e^{-Sigma t} G(t) e^{-Sigma t}:
    ``(1 - e^{-2 sigma t}) / sigma`` and ``2 t`` at sigma = 0 (never overflows)."""
    ts = np.asarray(t, dtype=float)[..., None]
    nz = sig != 0
    safe = np.where(nz, sig, 1.0)
    return np.where(nz, -np.expm1(-2.0 * safe * ts) / safe, 2.0 * ts)


def _s_diag(t: np.ndarray, sig: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(sig * np.asarray(t, dtype=float)[..., None])


def _check_finite(a: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(a)):
        raise OverflowError(f"{what} overflows float64 (e^(2 sigma t) is too large); "
                            "use riccati_W_stable / riccati_solution_stable, or riccati_W_mpmath")
    return a


def G_mat(t: Any, sig_Y: Any, n: int) -> np.ndarray:
    """``G(t) = diag(Sigma_Y^{-1}(e^{2 Sigma_Y t} - I_K), 2t I_{n-K})`` (eq. 6).

    Parameters
    ----------
    t : non-negative time(s), any shape.
    sig_Y : the K nonzero eigenvalues of Y (zeros allowed; they give the ``2t`` block).
    n : matrix size.

    Returns
    -------
    array of shape ``t.shape + (n, n)``.
    """
    n = as_int(n, "n", low=1)
    tt = as_times(t, "t")
    g = _check_finite(_g_diag(tt, _spectrum(sig_Y, n)), "G(t)")
    return g[..., :, None] * np.eye(n)


def S_mat(t: Any, sig_Y: Any, n: int) -> np.ndarray:
    """``S(t) = diag(e^{Sigma_Y t}, I_{n-K})`` (eq. 6), shape ``t.shape + (n, n)``."""
    n = as_int(n, "n", low=1)
    tt = as_times(t, "t")
    s = _check_finite(_s_diag(tt, _spectrum(sig_Y, n)), "S(t)")
    return s[..., :, None] * np.eye(n)


# -- Prop. 1 --------------------------------------------------------------------------
def _prop1_rot(t: np.ndarray, sig: np.ndarray, W0r: np.ndarray, g_scale: float = 1.0) -> np.ndarray:
    """``S W~0 (I + G W~0)^{-1} S`` in the eigenbasis of Y (``g_scale`` multiplies G:
    1 is Prop. 1, 1/2 what the proof's ``R = I_n`` would give)."""
    g = _check_finite(g_scale * _g_diag(t, sig), "G(t)")
    s = _check_finite(_s_diag(t, sig), "S(t)")
    A = np.eye(sig.size) + W0r * g[..., None, :]          # I + W~0 G
    # W~0 (I + G W~0)^{-1} = (I + W~0 G)^{-1} W~0 (push-through): one solve, no inverse.
    X = np.linalg.solve(A, np.broadcast_to(W0r, A.shape))
    return _sym(s[..., :, None] * X * s[..., None, :])


def _checked(Wr: np.ndarray, W0r: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """A-posteriori sanity check of a float64 evaluation of the printed form.

    Along eq. (3), ``0 <= W(t) <= max(lambda_max(W0), sigma_max) I``: at an eigenvector v
    of a top eigenvalue lambda > sigma_max, d lambda/dt = 2 lambda (v^T Y v - lambda) < 0.
    An evaluation outside this range (beyond 1e-6 relative slack for round-off, which the
    flow amplifies along unlearned directions of a singular W0) has lost all accuracy.
    """
    bound = max(float(np.max(np.linalg.eigvalsh(W0r))), float(np.max(sig)), np.finfo(float).tiny)
    lam = np.linalg.eigvalsh(Wr)
    if lam.size and (lam.min() < -1e-6 * bound or lam.max() > bound * (1 + 1e-6)):
        raise FloatingPointError(
            "float64 evaluation of the printed Prop. 1 lost accuracy (eigenvalues "
            f"[{lam.min():.3g}, {lam.max():.3g}] outside [0, {bound:.3g}]): e^(2 sigma t) swamps I + G W~0; "
            "use riccati_W_stable / riccati_solution_stable, or riccati_W_mpmath")
    return Wr


def _stable_rot(t: np.ndarray, sig: np.ndarray, V: np.ndarray, g_scale: float = 1.0) -> np.ndarray:
    """``(e^{-Sigma t} V e^{-Sigma t} + G~(t))^{-1}`` with ``V = W~0^{-1}``: the inverse
    Q = W~^{-1} solves the linear ODE ``dQ/dt = -Sigma Q - Q Sigma + 2 I``."""
    e = np.exp(-sig * np.asarray(t, dtype=float)[..., None])
    A = e[..., :, None] * V * e[..., None, :] + (g_scale * _gt_diag(t, sig))[..., :, None] * np.eye(sig.size)
    # Symmetric diagonal scaling before inverting: the diagonal of A spans many orders
    # of magnitude (1/alpha in the zero-mode block, 1/sigma in the learned block).
    d = 1.0 / np.sqrt(np.diagonal(A, axis1=-2, axis2=-1))
    B = _sym(d[..., :, None] * A * d[..., None, :])
    return _sym(d[..., :, None] * np.linalg.inv(B) * d[..., None, :])


def riccati_W(t: Any, Phi: Any, sig_Y: Any, W0: Any) -> np.ndarray:
    """Prop. 1 as printed: ``W(t) = Phi S W~0 (I + G W~0)^{-1} S Phi^T``, ``W~0 = Phi^T W0 Phi``.

    Solves ``dW/dt = W Y + Y W - 2 W^2`` (eq. 3), ``W(0) = W0 >= 0``, for
    ``Y = Phi diag(sig_Y, 0) Phi^T``. ``W0`` need not be invertible.

    Parameters
    ----------
    t : non-negative time(s), any shape.
    Phi : (n, n) orthogonal eigenvectors of Y.
    sig_Y : eigenvalues of Y matching the columns of Phi (K entries, padded with zeros).
    W0 : (n, n) positive semidefinite initial state (includes the scale alpha).

    Returns
    -------
    array of shape ``t.shape + (n, n)``.

    Raises
    ------
    OverflowError when ``e^{2 sigma t}`` overflows float64 (use :func:`riccati_W_stable`).
    FloatingPointError when the result leaves the range ``0 <= W <= max(||W0||, sigma_max)``
    that the flow respects (the evaluation has lost all accuracy).

    Notes
    -----
    The printed form loses accuracy long before it overflows: once ``e^{2 sigma t}``
    swamps the identity in ``I + G W~0`` float64 gives garbage (errors of 1e5 at
    ``alpha = 1e-6``, ``t = 20``; 1e33 at ``alpha = 1e-15``, ``t = 50``). Gross failures
    raise ``FloatingPointError``; subtler losses cannot be detected. Use
    :func:`riccati_W_stable` for small ``alpha`` and long times, or
    :func:`riccati_W_mpmath` with ``dps >= 300`` at Thm 4 scales.
    For a singular ``W0`` whose rank is below the number of positive ``sig_Y``, the flow
    itself is ill-conditioned: round-off in ``W0`` grows like ``e^{2 sigma_(r+1) t}``.
    """
    tt = as_times(t, "t")
    Phi = _orthogonal(Phi)
    size = Phi.shape[0]
    sig = _spectrum(sig_Y, size)
    W0 = _psd_of_size(W0, size)
    W0r = _sym(Phi.T @ W0 @ Phi)
    return _sym(Phi @ _checked(_prop1_rot(tt, sig, W0r), W0r, sig) @ Phi.T)


def riccati_W_stable(t: Any, Phi: Any, sig_Y: Any, W0: Any) -> np.ndarray:
    """DERIVED inverse form of Prop. 1 for positive definite ``W0``:

    ``W~(t) = (e^{-Sigma t} W~0^{-1} e^{-Sigma t} + G~(t))^{-1}``,
    ``G~ = diag(Sigma_Y^{-1}(I - e^{-2 Sigma_Y t}), 2t I_{n-K})``.

    Equal to :func:`riccati_W` in exact arithmetic, it never forms ``e^{2 sigma t}`` and
    stays accurate for tiny ``alpha`` and long times (Thm 4 regime). Same arguments and
    return shape as :func:`riccati_W`; ``W0`` must be positive definite.
    """
    tt = as_times(t, "t")
    Phi = _orthogonal(Phi)
    size = Phi.shape[0]
    sig = _spectrum(sig_Y, size)
    W0 = _psd_of_size(W0, size, definite=True)
    V = _sym(np.linalg.inv(_sym(Phi.T @ W0 @ Phi)))
    return _sym(Phi @ _stable_rot(tt, sig, V) @ Phi.T)


def _eig_target(Y: Any) -> tuple[np.ndarray, np.ndarray]:
    Y = as_psd(Y, "Y")
    lam, Phi = np.linalg.eigh(Y)
    # as_psd admits round-off negatives; the formulas need sigma >= 0.
    return np.clip(lam, 0.0, None), Phi


def riccati_solution(Y: Any, W0: Any, t: Any) -> np.ndarray:
    """Prop. 1 from the target itself: eigendecomposes the symmetric PSD ``Y`` and
    evaluates :func:`riccati_W`. Returns ``W(t)`` of shape ``t.shape + (n, n)``."""
    lam, Phi = _eig_target(Y)
    W0 = _psd_of_size(W0, lam.size)
    tt = as_times(t, "t")
    W0r = _sym(Phi.T @ W0 @ Phi)
    return _sym(Phi @ _checked(_prop1_rot(tt, lam, W0r), W0r, lam) @ Phi.T)


def riccati_solution_stable(Y: Any, W0: Any, t: Any) -> np.ndarray:
    """The DERIVED inverse form (:func:`riccati_W_stable`) from the target itself;
    ``W0`` must be positive definite."""
    lam, Phi = _eig_target(Y)
    W0 = _psd_of_size(W0, lam.size, definite=True)
    tt = as_times(t, "t")
    V = _sym(np.linalg.inv(_sym(Phi.T @ W0 @ Phi)))
    return _sym(Phi @ _stable_rot(tt, lam, V) @ Phi.T)


def riccati_W_mpmath(t: Any, sig_Y: Any, W0_rot: Any, dps: int = 300) -> np.ndarray:
    """Prop. 1 as printed, in the eigenbasis of Y, evaluated with ``dps`` decimal digits.

    The float64 inputs are converted exactly; the result is rounded to float64. At the
    admissible scales of Thm 4 (``e^{2 sigma t}`` up to ``1e130``) ``I + G W~0`` is
    singular to 80 digits: use ``dps >= 300`` there.
    """
    tv = as_scalar(t, "t", low=0)
    dps = as_int(dps, "dps", low=15)
    W0r = _psd_of_size(W0_rot, None, "W0_rot")
    size = W0r.shape[0]
    sig = _spectrum(sig_Y, size)
    with mpmath.workdps(dps):
        tm = mpmath.mpf(tv)
        g = [mpmath.expm1(2 * mpmath.mpf(s) * tm) / mpmath.mpf(s) if s != 0 else 2 * tm for s in sig]
        e = [mpmath.exp(mpmath.mpf(s) * tm) for s in sig]
        W0m = mpmath.matrix([[mpmath.mpf(x) for x in row] for row in W0r])
        A = mpmath.eye(size) + W0m * mpmath.diag(g)
        try:
            X = mpmath.inverse(A) * W0m    # (I + W~0 G)^{-1} W~0 = W~0 (I + G W~0)^{-1}
        except ZeroDivisionError:
            raise ZeroDivisionError(f"I + G W~0 is numerically singular at {dps} digits; increase dps "
                                    "(e^(2 sigma t) beyond 10^dps swamps the identity)") from None
        out = np.array([[float(e[i] * X[i, j] * e[j]) for j in range(size)] for i in range(size)])
    return _sym(out)


# -- Cor. 2 -----------------------------------------------------------------------------
def _broadcast_modes(t: Any, sig_Y: Any, sig_0: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tt = as_times(t, "t")
    sY = as_array(sig_Y, "sig_Y")
    s0 = as_array(sig_0, "sig_0")
    if np.any(sY < 0):
        raise ValueError("sig_Y must be non-negative")
    if np.any(s0 < 0):
        raise ValueError("sig_0 must be non-negative (squared singular values)")
    try:
        sY, s0 = np.broadcast_arrays(sY, s0)
    except ValueError:
        raise ValueError(f"sig_Y and sig_0 must broadcast, got shapes {sY.shape} and {s0.shape}") from None
    return tt.reshape(tt.shape + (1,) * sY.ndim), sY, s0


def sigma_W(t: Any, sig_Y: Any, sig_0: Any, alpha: float) -> np.ndarray:
    """Cor. 2 (eqs. 12-13): the eigenvalues ``sigma_{i,W}(t)`` under spectral initialisation.

    Evaluated in the overflow-free form ``a / (e^{-2 sigma t} + a G~(t))`` with
    ``a = alpha sigma_0`` and ``G~ = (1 - e^{-2 sigma t}) / sigma`` (``2t`` at sigma = 0),
    which equals eq. (12) for sigma_Y > 0 and eq. (13) for sigma_Y = 0.

    Parameters
    ----------
    t : non-negative time(s), any shape.
    sig_Y, sig_0 : target eigenvalues and squared shape singular values (broadcast).
    alpha : initialisation scale (> 0).

    Returns
    -------
    array of shape ``t.shape + broadcast(sig_Y, sig_0).shape``.
    """
    tt, sY, s0 = _broadcast_modes(t, sig_Y, sig_0)
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    a = alpha * s0
    nz = sY > 0
    safe = np.where(nz, sY, 1.0)
    # G~(t) = (1 - e^{-2 sigma t}) / sigma, 2t at sigma = 0: no cancellation, no overflow.
    gt = np.where(nz, -np.expm1(-2.0 * safe * tt) / safe, 2.0 * tt)
    den = np.exp(-2.0 * sY * tt) + a * gt
    return np.where(a > 0, a / np.where(den > 0, den, 1.0), 0.0)


def _sigma_W_eq12(t: Any, sig_Y: Any, sig_0: Any, alpha: float, k_exp: float = 2.0) -> np.ndarray:
    """Eqs. (12)-(13) as printed (``e^{k sigma t}``, k = 2); overflows for large sigma t."""
    tt, sY, s0 = _broadcast_modes(t, sig_Y, sig_0)
    nz = sY > 0
    safe = np.where(nz, sY, 1.0)
    return np.where(nz, _eq12(tt, safe, s0, alpha, k_exp), _eq13(tt, s0, alpha, k_exp))


def half_time(sig_Y: Any, sig_0: Any, alpha: float) -> np.ndarray:
    """DERIVED half-way time ``t_half = log((sigma_Y - alpha sigma_0)/(alpha sigma_0)) / (2 sigma_Y)``
    at which ``sigma_W(t_half) = sigma_Y / 2`` (needs ``0 < alpha sigma_0 < sigma_Y``)."""
    sY = as_array(sig_Y, "sig_Y")
    s0 = as_array(sig_0, "sig_0")
    alpha = as_scalar(alpha, "alpha", low=0, low_open=True)
    if np.any(sY <= 0):
        raise ValueError("sig_Y must be positive (a zero mode never reaches half of sigma_Y)")
    if np.any(s0 <= 0):
        raise ValueError("sig_0 must be positive")
    a = alpha * s0
    if np.any(a >= sY):
        raise ValueError("alpha * sig_0 must be below sig_Y (otherwise sigma_W starts above the target)")
    return (np.log(sY - a) - np.log(a)) / (2.0 * sY)


# -- Thms 3-4 ingredients -----------------------------------------------------------------
def thm3_constants(sig_Y: Any, sig_0: Any, eps: float) -> tuple[float, float]:
    """Thm 3: ``c_eps = eps / max_i sigma_{i,0}`` (max over **all** n shape values) and
    ``C_eps = sigma_{1,Y}^2 / (eps min_{i<=K} sigma_{i,0})``; needs ``0 < eps <= sigma_{K,Y}``."""
    pos = _learned_spectrum(sig_Y)
    K = pos.size
    s0 = as_array(sig_0, "sig_0", ndim=1)
    if s0.size < K:
        raise ValueError(f"sig_0 must have at least K={K} entries, got {s0.size}")
    if np.any(s0 < 0) or np.any(s0[:K] <= 0):
        raise ValueError("sig_0 must be non-negative with its first K entries positive (Thm 3)")
    e = as_scalar(eps, "eps", low=0, low_open=True, high=float(pos[-1]))
    return float(_c3(e, s0.max())), float(_C3(e, pos[0], s0[:K].min()))


def thm4_constants(sig_Y: Any, M: float, eps: float) -> tuple[float, float]:
    """Thm 4: ``c_eps = eps / (16 M^2)``, ``C_eps = 16 sigma_{1,Y}^2 M^2 / eps``; needs
    ``M >= 1`` and ``0 < eps <= min(sigma_{K,Y}, 1)``."""
    pos = _learned_spectrum(sig_Y)
    Mv = as_scalar(M, "M", low=1.0)
    e = as_scalar(eps, "eps", low=0, low_open=True, high=float(min(pos[-1], 1.0)))
    return float(_c4(e, Mv)), float(_C4(e, pos[0], Mv))


def _ratio_condition(pos: np.ndarray, alpha: float, c_eps: float, C_eps: float) -> bool:
    if pos.size == 1:
        return True  # the max over k = 1..K-1 is over an empty set
    lhs = (np.log(c_eps) - np.log(alpha)) / (np.log(C_eps) - np.log(alpha))
    return bool(lhs > np.max(pos[1:] / pos[:-1]))


def admissible_alpha(alpha: float, sig_Y: Any, c_eps: float, C_eps: float, *, kind: str = "spectral",
                     M: float | None = None) -> bool:
    """Whether ``alpha`` meets the hypotheses of Thm 3 (``kind="spectral"``: ``alpha <= c_eps``)
    or Thm 4 (``kind="general"``: ``alpha <= c_eps / M``), together with the ratio condition
    ``log(c_eps/alpha) / log(C_eps/alpha) > max_k sigma_{k+1,Y} / sigma_{k,Y}``."""
    a = as_scalar(alpha, "alpha", low=0, low_open=True)
    pos = _learned_spectrum(sig_Y)
    c_ = as_scalar(c_eps, "c_eps", low=0, low_open=True)
    C_ = as_scalar(C_eps, "C_eps", low=0, low_open=True)
    if kind == "spectral":
        cap = c_
    elif kind == "general":
        if M is None:
            raise ValueError("M is required when kind='general'")
        cap = c_ / as_scalar(M, "M", low=1.0)
    else:
        raise ValueError(f"kind must be 'spectral' or 'general', got {kind!r}")
    return bool(a <= cap) and _ratio_condition(pos, a, c_, C_)


def largest_admissible_alpha(sig_Y: Any, c_eps: float, C_eps: float, *, kind: str = "spectral",
                             M: float | None = None, base: float = 10.0, max_power: int = 300) -> float:
    """The largest ``base**(-p)``, ``p = 0, 1, ...``, that is admissible (the rule of the
    card's Thm 4 recipe); ``ValueError`` if none up to ``max_power``."""
    b = as_scalar(base, "base", low=1.0, low_open=True)
    for p in range(as_int(max_power, "max_power", low=0) + 1):
        a = b ** (-p)
        if admissible_alpha(a, sig_Y, c_eps, C_eps, kind=kind, M=M):
            return float(a)
    raise ValueError(f"no admissible alpha >= {base}^-{max_power}")


def windows(sig_Y: Any, c_eps: float, C_eps: float, alpha: float) -> list[tuple[float, float]]:
    """The windows ``I_k = [log(C_eps/alpha)/(2 sigma_k), log(c_eps/alpha)/(2 sigma_{k+1})]``
    of Thms 3-4, ``k = 1..K``, with ``1/sigma_{K+1} := inf``. A window may be empty
    (``lo > hi``) when ``alpha`` is not admissible."""
    pos = _learned_spectrum(sig_Y)
    a = as_scalar(alpha, "alpha", low=0, low_open=True)
    c_ = as_scalar(c_eps, "c_eps", low=0, low_open=True)
    C_ = as_scalar(C_eps, "C_eps", low=0, low_open=True)
    return _windows(pos, a, c_, C_)


def _windows(pos: np.ndarray, a: float, c_: float, C_: float, start: float | None = None) -> list[tuple[float, float]]:
    start = C_ if start is None else start
    lo = np.log(start / a) / (2.0 * pos)
    hi = np.append(np.log(c_ / a) / (2.0 * pos[1:]), np.inf)
    return [(float(x), float(y)) for x, y in zip(lo, hi)]


def best_rank_k(Y: Any, k: int) -> np.ndarray:
    """``hat Y_k``: the best rank-``k`` approximation of the symmetric PSD ``Y`` (keep the
    ``k`` largest eigenvalues)."""
    Yv = as_psd(Y, "Y")
    k = as_int(k, "k", low=0, high=Yv.shape[0])
    lam, Q = np.linalg.eigh(Yv)
    idx = np.argsort(lam)[::-1][:k]
    Qk = Q[:, idx]
    return _sym((Qk * np.clip(lam[idx], 0.0, None)) @ Qk.T)


# -- Sec. III-C.2: rank-deficient initialisation --------------------------------------------
def _woodbury_rot(t: np.ndarray, sig: np.ndarray, Ur: np.ndarray, a: float, form: str,
                  alpha_power: float = 1.0, inner_sign: float = 1.0) -> np.ndarray:
    g = _check_finite(_g_diag(t, sig), "G(t)")
    s = _check_finite(_s_diag(t, sig), "S(t)")
    r = Ur.shape[1]
    H = np.einsum("ia,...i,ib->...ab", Ur, g, Ur)            # U~^T G U~
    inner = np.linalg.inv(np.eye(r) + inner_sign * a * H)    # (I_r + alpha U~^T G U~)^{-1}
    if form == "push_through":
        mid = inner
    elif form == "bracket":
        # printed: I - U~^T G U~ (I + alpha U~^T G U~)^{-1}; corrected: alpha in front.
        mid = np.eye(r) - (a ** alpha_power) * H @ inner
    else:
        raise ValueError(f"form must be 'push_through' or 'bracket', got {form!r}")
    SU = s[..., :, None] * Ur
    return _sym(a * SU @ mid @ np.swapaxes(SU, -1, -2))


def rank_deficient_W(t: Any, sig_Y: Any, U_rot: Any, alpha: float, *, form: str = "push_through") -> np.ndarray:
    """Sec. III-C.2 (corrected): ``W~(t) = alpha S U~ (I_r + alpha U~^T G U~)^{-1} U~^T S``
    for ``W~0 = alpha U~ U~^T``, ``U~ = Phi^T bar U_0`` of shape ``(n, r)``.

    ``form="bracket"`` evaluates the equivalent ``alpha S U~ (I - alpha U~^T G U~
    (I + alpha U~^T G U~)^{-1}) U~^T S`` (the paper prints it without the second
    ``alpha``). The bracket cancels catastrophically in float64 when ``alpha ||U~^T G U~||``
    is large (relative error ~1e-6 at ``alpha = 1``, ``t = 2``, ``sigma = 2.5``): prefer
    the default push-through form. Returns ``t.shape + (n, n)`` in the eigenbasis of Y.
    """
    tt = as_times(t, "t")
    Ur = as_array(U_rot, "U_rot", ndim=2)
    sig = _spectrum(sig_Y, Ur.shape[0])
    a = as_scalar(alpha, "alpha", low=0, low_open=True)
    return _woodbury_rot(tt, sig, Ur, a, form)


# -- judges specific to this paper ----------------------------------------------------------
def _combine(vs: list[Verdict], label: str) -> Verdict:
    """all_of-style combination of a list of verdicts (weakest reported)."""
    failing = [v for v in vs if v.fails]
    unsure = [v for v in vs if v.inconclusive]
    if failing:
        pick, outcome = failing[0], Outcome.FAILS
    elif unsure:
        pick, outcome = unsure[0], Outcome.INCONCLUSIVE
    else:
        pick = min(vs, key=lambda v: v.margin if v.margin is not None else np.inf)
        outcome = Outcome.HOLDS
    shown = failing[:3] or unsure[:3] or [pick]
    reason = f"[{label}] {len(vs) - len(failing) - len(unsure)}/{len(vs)} hold; " + "; ".join(v.reason for v in shown)
    return Verdict(outcome, pick.theoretical, pick.measured, pick.margin, reason, pick.window, pick.worst,
                   pick.tolerance)


def _each(key: str, judge: Callable) -> Callable:
    """Apply ``judge`` to every sub-evidence in the list ``evidence[key]`` (one per
    mode, seed or parameter point) and combine the verdicts like :func:`judges.all_of`."""

    def judge_each(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        items = evidence.get(key)
        if not items:
            raise ValueError(f"evidence lacks the list {key!r}")
        return _combine([judge(claim, item, **params) for item in items], key)

    return judge_each


def _available(*parts: tuple[str, Callable, str]) -> Callable:
    """Judge every listed part that the evidence carries (at least one must be present);
    combine like :func:`judges.all_of`. Lets a property test supply only the comparisons
    that exist for its draw (e.g. no inverse form when ``W0`` is singular)."""
    if not parts:
        raise ValueError("_available needs at least one part")

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        present = [(key, j, label) for key, j, label in parts if key in evidence]
        if not present:
            raise ValueError(f"evidence carries none of the parts {[p[0] for p in parts]}")
        return judges.all_of(*(judges.part(key, j, label) for key, j, label in present))(claim, evidence, **params)

    return judge


def _window_specs(pos: np.ndarray, size: int, alpha: float, c_eps: float, C_eps: float, eps: float,
                  window_start: str, target_shift: int, block_frac: float | None) -> list[dict[str, Any]]:
    """Per window k: the interval, the target hat Y_{k+shift} (diagonal in the eigenbasis)
    and the bounds. ``window_start="C"`` is the theorem; ``"c"`` starts each window at
    the *start* of mode k's transition (the false variant)."""
    start = {"C": C_eps, "c": c_eps}[window_start]
    wins = _windows(pos, alpha, c_eps, C_eps, start=start)
    full = np.concatenate([pos, np.zeros(size - pos.size)])
    specs = []
    for k, (lo, hi) in enumerate(wins, start=1):
        kk = min(k + int(target_shift), pos.size)
        specs.append({"k": k, "k_target": kk, "lo": lo, "hi": hi, "eps": eps,
                      "target": np.where(np.arange(size) < kk, full, 0.0), "block_frac": block_frac})
    return specs


def _thm3_theory(sig_Y: Any, sig_0: Any, eps: float, alpha: float, window_start: str = "C",
                 target_shift: int = 0, **_: Any) -> list[dict[str, Any]]:
    pos = _learned_spectrum(sig_Y)
    s0 = as_array(sig_0, "sig_0", ndim=1)
    c_, C_ = thm3_constants(sig_Y, s0, eps)
    return _window_specs(pos, s0.size, float(alpha), c_, C_, float(eps), window_start, target_shift, None)


def _thm4_theory(sig_Y: Any, M: float, eps: float, alpha: float, n: int, window_start: str = "C",
                 target_shift: int = 0, block_frac: float | None = 0.25, **_: Any) -> list[dict[str, Any]]:
    pos = _learned_spectrum(sig_Y)
    c_, C_ = thm4_constants(sig_Y, M, eps)
    return _window_specs(pos, int(n), float(alpha), c_, C_, float(eps), window_start, target_shift, block_frac)


def _spectral_norm(A: np.ndarray) -> np.ndarray:
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        return np.zeros(A.shape[:-2])
    return np.linalg.svd(A, compute_uv=False)[..., 0]


def _window_judge(rtol: float) -> Callable:
    """Judge ``||W~(t) - diag(target)|| <= eps`` (spectral norm) at every evidence time
    inside each window the claim defines; with ``block_frac`` also the three block bounds
    ``||H11 - Sigma_k||, ||H12||, ||H22|| <= block_frac * eps`` of Thm 4's proof.

    Evidence: ``{"cases": [{"t": (T,), "sig_W": (T, n) | "W_rot": (T, n, n),
    "inputs": {...}}, ...]}``; the claim's theory maps a case's inputs to its windows.
    """

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        cases = evidence.get("cases")
        if not cases:
            raise ValueError("evidence lacks the list 'cases'")
        best: tuple[float, Any, float, float] | None = None   # (ratio, where, err, bound)
        n_pts = n_bad = 0
        empty = []
        for ci, case in enumerate(cases):
            tt = np.asarray(case["t"], dtype=float)
            for spec in claim.theory(**case["inputs"]):
                lo, hi = spec["lo"], spec["hi"]
                # Grid points placed on the endpoints must count as inside.
                m = (tt >= lo - 1e-12 * abs(lo)) & (tt <= hi + 1e-12 * abs(hi))
                if not m.any():
                    empty.append((ci, spec["k"]))
                    continue
                tgt = spec["target"]
                if "sig_W" in case:
                    D = np.asarray(case["sig_W"], dtype=float)[m] - tgt
                    err = np.max(np.abs(D), axis=-1)
                    D = D[..., :, None] * np.eye(tgt.size)
                else:
                    D = np.asarray(case["W_rot"], dtype=float)[m] - np.diag(tgt)
                    err = np.max(np.abs(np.linalg.eigvalsh(D)), axis=-1)
                checks = [("norm", err, spec["eps"])]
                if spec["block_frac"] is not None:
                    k = spec["k_target"]
                    fb = spec["block_frac"] * spec["eps"]
                    checks += [("H11", _spectral_norm(D[:, :k, :k]), fb),
                               ("H12", _spectral_norm(D[:, :k, k:]), fb),
                               ("H22", _spectral_norm(D[:, k:, k:]), fb)]
                for name, e, bound in checks:
                    n_pts += e.size
                    n_bad += int(np.sum(e > bound * (1 + rtol)))
                    j = int(np.argmax(e))
                    ratio = bound / e[j] if e[j] > 0 else np.inf
                    if best is None or ratio < best[0]:
                        best = (ratio, {"case": ci, "k": spec["k"], "t": float(tt[m][j]), "bound": name},
                                float(e[j]), float(bound))
        if best is None:
            return Verdict(Outcome.INCONCLUSIVE, None, None, None, f"no evidence time inside any window {empty}")
        ratio, where, err, bound = best
        if n_bad:
            outcome, reason = Outcome.FAILS, f"bound violated at {n_bad} of {n_pts} (point, bound) pairs"
        elif empty:
            outcome, reason = Outcome.INCONCLUSIVE, f"windows without evidence times: {empty}"
        else:
            outcome, reason = Outcome.HOLDS, f"bound holds at all {n_pts} (point, bound) pairs"
        reason += f"; tightest error/bound {err / bound:.4g} at {where}"
        return Verdict(outcome, bound, err, float(ratio), reason, worst=where, tolerance=rtol)

    return judge


# -- theory functions --------------------------------------------------------------------------
def _riccati_rhs(W, Y, k_W2, **_):
    """Numeric eq. (3) for arrays (vectorised over a leading batch axis)."""
    return W @ Y + Y @ W - k_W2 * (W @ W)


def _prop1_theory(t: Any, Phi: Any, sig_Y: Any, W0: Any, g_scale: float = 1.0, form: str = "printed",
                  **_: Any) -> np.ndarray:
    tt = as_times(t, "t")
    Phi = _orthogonal(Phi)
    sig = _spectrum(sig_Y, Phi.shape[0])
    W0r = _sym(Phi.T @ _psd_of_size(W0, Phi.shape[0]) @ Phi)
    if form == "printed":
        Wr = _prop1_rot(tt, sig, W0r, g_scale)
    elif form == "stable":
        Wr = _stable_rot(tt, sig, _sym(np.linalg.inv(W0r)), g_scale)
    else:
        raise ValueError(f"form must be 'printed' or 'stable', got {form!r}")
    return _sym(Phi @ Wr @ Phi.T)


def _cor2_theory(t: Any, sig_Y: Any, sig_0: Any, alpha: float, k_exp: float = 2.0, **_: Any) -> np.ndarray:
    return _sigma_W_eq12(t, sig_Y, sig_0, alpha, k_exp)


def _zero_mode_theory(zero_mode_rate: float = 2.0, **_: Any) -> float:
    """t * sigma_W(t) -> 1 / rate for a zero mode (rate 2: decay like 1/(2t))."""
    return 1.0 / zero_mode_rate


def _transition_theory(c: Any, sig_Y: Any, sig_0: Any, alpha: Any, **_: Any) -> np.ndarray:
    return _transition_value(np.asarray(c, float), np.asarray(sig_Y, float), np.asarray(sig_0, float),
                             np.asarray(alpha, float))


def _transition_naive(c: Any, sig_0: Any, **_: Any) -> np.ndarray:
    return np.asarray(c, float) * np.asarray(sig_0, float)


def _scaling_theory(sig_Y_i: float, time_factor: float = 2.0, **_: Any) -> float:
    """Slope of the transition time against log(1/alpha): 1 / (2 sigma_i)."""
    return 1.0 / (time_factor * float(sig_Y_i))


def _woodbury_mp(t: np.ndarray, sig: np.ndarray, Ur: np.ndarray, a: float, form: str, alpha_power: float,
                 inner_sign: float, dps: int) -> np.ndarray:
    """:func:`_woodbury_rot` in ``dps``-digit arithmetic (for the bracket form, whose
    ``I - alpha H (I + alpha H)^{-1}`` cancels catastrophically when ``alpha ||H||`` is large)."""
    size, r = Ur.shape
    out = np.empty(t.shape + (size, size))
    with mpmath.workdps(int(dps)):
        am = mpmath.mpf(a)
        Um = mpmath.matrix([[mpmath.mpf(x) for x in row] for row in Ur])
        coef = am ** mpmath.mpf(alpha_power)
        for idx in np.ndindex(t.shape):
            tm = mpmath.mpf(float(t[idx]))
            g = [mpmath.expm1(2 * mpmath.mpf(s) * tm) / mpmath.mpf(s) if s != 0 else 2 * tm for s in sig]
            e = [mpmath.exp(mpmath.mpf(s) * tm) for s in sig]
            H = Um.T * mpmath.diag(g) * Um
            inner = mpmath.inverse(mpmath.eye(r) + inner_sign * am * H)
            mid = inner if form == "push_through" else mpmath.eye(r) - coef * H * inner
            SU = mpmath.diag(e) * Um
            Wm = am * SU * mid * SU.T
            out[idx] = np.array([[float(Wm[i, j]) for j in range(size)] for i in range(size)])
    return _sym(out)


def _woodbury_theory(t: Any, sig_Y: Any, U_rot: Any, alpha: float, form: str, alpha_power: float = 1.0,
                     inner_sign: float = 1.0, dps: int | None = None, **_: Any) -> np.ndarray:
    tt = as_times(t, "t")
    Ur = as_array(U_rot, "U_rot", ndim=2)
    sig = _spectrum(sig_Y, Ur.shape[0])
    if form not in ("push_through", "bracket"):
        raise ValueError(f"form must be 'push_through' or 'bracket', got {form!r}")
    if dps is not None:
        return _woodbury_mp(tt, sig, Ur, float(alpha), form, alpha_power, inner_sign, dps)
    return _woodbury_rot(tt, sig, Ur, float(alpha), form, alpha_power, inner_sign)


def _strictly_increasing(claim: Claim, evidence: Mapping[str, Any]) -> tuple[bool, str]:
    d = np.asarray(evidence["measured"], dtype=float)
    ok = bool(np.all(d > 0))
    return ok, f"smallest finite difference {d.min():.3g} ({'all positive' if ok else 'not increasing'})"


def _ordered_transitions(claim: Claim, evidence: Mapping[str, Any]) -> tuple[bool, str]:
    tc = np.asarray(evidence["measured"], dtype=float)   # (n_alpha, K) crossing times
    ok = bool(np.all(np.diff(tc, axis=-1) > 0))
    return ok, f"crossing order 1 < 2 < ... < K {'holds' if ok else 'violated'} for all {tc.shape[0]} alphas"


def _zero(**_: Any) -> float:
    return 0.0


# -- claims -------------------------------------------------------------------------------
w_dynamics = Claim(
    id="incremental_learning.w_dynamics",
    paper=PAPER.slug,
    where="eq. (3), Sec. II",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="W = UU^T obeys the Riccati ODE dW/dt = WY + YW - 2W^2",
    statement=sp.Eq(sp.MatrixSymbol(r"\dot{W}", n, n), W_DOT, evaluate=False),
    theory_fn=_riccati_rhs,
    constants={"k_W2": 2},
    assumptions=(Assumption("Y symmetric"),),
    # The measured dW/dt = dU U^T + U dU^T is exact algebra on the state, so the
    # comparison is at round-off level: 1e-12 relative to the largest entry.
    judge_fn=judges.agree(rtol=1e-12),
    false_variant={"title": "dW/dt = WY + YW - W^2 (coefficient 1)", "constants": {"k_W2": 1}},
)

prop1 = Claim(
    id="incremental_learning.prop1",
    paper=PAPER.slug,
    where="Proposition 1, eq. (6), Sec. III",
    kind=Kind.CLOSED_FORM,
    status=Status.AS_PRINTED,
    title="Closed-form solution W(t) = Phi S W~0 (I + G W~0)^{-1} S Phi^T of the Riccati flow",
    statement=r"W(t)=\Phi S(t)\tilde W_0(I_n+G(t)\tilde W_0)^{-1}S(t)^\top\Phi^\top,\ "
              r"G=\mathrm{diag}(\Sigma_Y^{-1}(e^{2\Sigma_Yt}-I_K),2tI_{n-K}),\ S=\mathrm{diag}(e^{\Sigma_Yt},I_{n-K})",
    theory_fn=_prop1_theory,
    constants={"g_scale": 1.0},
    assumptions=(Assumption("Y symmetric positive semidefinite"),
                 Assumption("W0 positive semidefinite (need not be invertible)")),
    # The ODE references come from DOP853 at rtol 1e-12 (global error ~1e-11 on entries of
    # size <= 3), so 1e-9 absolute is 100x the integrator error and far below the 1.8
    # separating the R = I_n variant.
    judge_fn=_available(
        ("gf_W", judges.agree(0.0, 1e-9), "printed form vs gf_W"),
        ("gf_U", judges.agree(0.0, 1e-9), "printed form vs U U^T from gf_U"),
        ("stable", judges.agree(0.0, 1e-9), "derived inverse form vs gf_W"),
        ("rank_deficient", judges.agree(0.0, 1e-9), "printed form, rank-deficient init, vs gf_U"),
    ),
    note="The formula is right; the proof sets R = I_n in dP/dt = AP + PA^T - PRP + Q, but eq. (3) needs "
         "R = 2 I_n (with R = I_n one would get G/2). DERIVED stable form for W0 > 0: "
         "W~(t) = (e^{-Sigma t} W~0^{-1} e^{-Sigma t} + G~(t))^{-1}, G~ = diag(Sigma_Y^{-1}(I - e^{-2 Sigma_Y t}), "
         "2t I_{n-K}), because Q = W~^{-1} solves the linear ODE dQ/dt = -Sigma Q - Q Sigma + 2I.",
    false_variant={"title": "G replaced by G/2 (the proof's R = I_n)", "constants": {"g_scale": 0.5}},
)

cor2 = Claim(
    id="incremental_learning.cor2",
    paper=PAPER.slug,
    where="Corollary 2, eqs. (12)-(13), Sec. III-A",
    kind=Kind.CLOSED_FORM,
    status=Status.AS_PRINTED,
    title="Spectral initialisation decouples: sigma_W(t) = alpha sigma_Y sigma_0 e^{2 sigma_Y t} / "
          "(sigma_Y + alpha sigma_0 (e^{2 sigma_Y t} - 1))",
    statement=sp.Eq(sp.Function(r"\sigma_W")(t), sp.Piecewise((SIGMA_W_EQ12, sp.Ne(sigma_Y, 0)),
                                                              (SIGMA_W_EQ13, True)), evaluate=False),
    theory_fn=_cor2_theory,
    constants={"k_exp": 2.0},
    assumptions=(Assumption("spectral initialisation U(0) = alpha^{1/2} Phi Sigma_{U0} V^T"),),
    # gf_U at rtol 1e-12 carries ~1e-11 global error; 1e-9 absolute is 100x that. The
    # off-diagonal entries of Phi^T W Phi are zero in exact arithmetic; 1e-10 allows the
    # integrator's round-off drift and nothing more.
    judge_fn=_available(
        ("diag", judges.agree(0.0, 1e-9), "eigenvalue trajectories vs the flow"),
        ("offdiag", judges.agree(0.0, 1e-10, theory=_zero), "off-diagonal of Phi^T W Phi"),
        # DERIVED logistic form vs eqs. (12)-(13): both closed forms, round-off only.
        ("logistic", judges.agree(1e-12, relative_to="point"), "logistic form vs eqs. (12)-(13)"),
    ),
    note="DERIVED overflow-free form: sigma_W = sigma_Y / (1 + (sigma_Y - alpha sigma_0)/(alpha sigma_0) "
         "e^{-2 sigma_Y t}). sigma_0 are the *squared* singular values of the shape.",
    false_variant={"title": "e^{sigma_Y t} in place of e^{2 sigma_Y t}", "constants": {"k_exp": 1.0}},
)

cor2_limits = Claim(
    id="incremental_learning.cor2_limits",
    paper=PAPER.slug,
    where="Text after Corollary 2, Sec. III-A",
    kind=Kind.LIMIT,
    status=Status.AS_PRINTED,
    title="sigma_W -> sigma_Y if sigma_0 != 0; zero modes decay like 1/(2t); monotone growth; "
          "a mode with sigma_0 = 0 is never learned",
    statement=sp.Eq(sp.Limit(t * SIGMA_W_EQ13.subs(k_exp, 2), t, sp.oo), sp.Rational(1, 2), evaluate=False),
    theory_fn=_zero_mode_theory,
    constants={"zero_mode_rate": 2.0},
    assumptions=(Assumption("spectral initialisation"),),
    judge_fn=_available(
        # |sigma_W - sigma_Y| <= 1e-8 at t = 50 / sigma_K: the card's level; the logistic
        # gap there is e^{-100}, so only the integrator error (~1e-11) remains.
        ("limit", judges.agree(0.0, 1e-8, theory=lambda sig_Y, **_: np.asarray(sig_Y)),
         "sigma_W(50/sigma_K) vs sigma_Y"),
        # |2 t sigma_W - 1| <= 1e-2 at t = 1e4, alpha sigma_0 = 1e-2: the exact value is
        # 0.995 (finite-t correction 1/(1 + 2 alpha sigma_0 t)), inside 1e-2.
        ("zero_mode", judges.agree(1e-2, relative_to="point"), "t sigma_W(t) for a zero mode"),
        ("monotone", judges.predicate(_strictly_increasing), "strict increase"),
        # exact zero: with Phi = I the flow keeps a zero row of U exactly zero in floating point.
        ("necessity", judges.agree(0.0, 0.0, theory=_zero), "sigma_{1,0} = 0 is never learned"),
        ("rank", judges.agree(0.0, 0.0, theory=lambda rank0, **_: rank0), "rank W(t) = rank W0"),
    ),
    note="The necessity remark (exact learning needs Phi_Y^T W(0) Phi_Y of full rank) is stated in words "
         "only; the spectral special case is checked. rank W(t) = rank W0 is DERIVED (debugging aid).",
    uncertain="The necessity claim after Cor. 2 is prose, not proven in the paper.",
    false_variant={"title": "zero modes decay like 1/t (t sigma_W -> 1)", "constants": {"zero_mode_rate": 1.0}},
)

transition_values = Claim(
    id="incremental_learning.transition_values",
    paper=PAPER.slug,
    where="eqs. (14)-(15), Sec. III-A",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="sigma_W(log(c/alpha)/(2 sigma_Y)) = c sigma_Y sigma_0 / (sigma_Y + (c - alpha) sigma_0)",
    statement=sp.Eq(sp.Function(r"\sigma_W")(T_TRANSITION), TRANSITION_VALUE, evaluate=False),
    theory_fn=_transition_theory,
    assumptions=(Assumption("c > 0 and alpha <= c", lambda c, alpha, **_: bool(np.all(np.asarray(alpha) <= c))),),
    # Both sides are closed-form float64 evaluations: e^{2 sigma t} = c / alpha is recovered
    # from a logarithm with relative error ~|log(c/alpha)| * 1e-16 < 1e-14.
    judge_fn=judges.all_of(
        judges.part("values", judges.agree(1e-12, relative_to="point"), "eqs. (14)-(15)"),
        judges.part("half_time", judges.agree(1e-12, relative_to="point", theory=lambda **_: 0.5),
                    "DERIVED sigma_W(t_half) / sigma_Y = 1/2"),
    ),
    note="DERIVED half-way time t_half = log((sigma_Y - alpha sigma_0)/(alpha sigma_0)) / (2 sigma_Y).",
    false_variant={"title": "sigma_W(log(c/alpha)/(2 sigma_Y)) = c sigma_0 exactly", "theory_fn": _transition_naive},
)

thm3 = Claim(
    id="incremental_learning.thm3",
    paper=PAPER.slug,
    where="Theorem 3, Sec. III-A",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="Small spectral init: ||W(t) - hat Y_k|| <= eps on I_k = [log(C_eps/alpha)/(2 sigma_k), "
          "log(c_eps/alpha)/(2 sigma_{k+1})]",
    statement=r"\|W(t)-\hat Y_k\|\le\varepsilon\ \forall t\in\mathcal I_k,\ "
              r"c_\varepsilon=\varepsilon/\max_i\sigma_{i,0},\ "
              r"C_\varepsilon=\sigma_{1,Y}^2/(\varepsilon\min_{i\le K}\sigma_{i,0})",
    theory_fn=_thm3_theory,
    constants={"window_start": "C", "target_shift": 0},
    assumptions=(
        Assumption("sigma_{1,Y} > ... > sigma_{K,Y} > 0, spectral init with sigma_{i,0} > 0 (i <= K), "
                   "0 < eps <= sigma_{K,Y}"),
        Assumption("alpha <= c_eps and the ratio condition",
                   lambda sig_Y, sig_0, eps, alpha, **_: admissible_alpha(
                       alpha, sig_Y, *thm3_constants(sig_Y, sig_0, eps), kind="spectral")),
    ),
    # The theorem is nearly tight at the window ends (0.98 eps); the closed form is exact to
    # round-off, so only 1e-9 relative slack is allowed.
    judge_fn=_window_judge(rtol=1e-9),
    note="The max in c_eps runs over all n shape values (the zero-mode step of the proof needs "
         "alpha sigma_{l,0} <= eps for l > K); the paper writes diag{sigma_{i,0}}_{i=1}^d with d = n.",
    false_variant={"title": "windows start at log(c_eps/alpha)/(2 sigma_k) (start of mode k's transition)",
                   "constants": {"window_start": "c"}},
)

thm4 = Claim(
    id="incremental_learning.thm4",
    paper=PAPER.slug,
    where="Theorem 4, Sec. III-B",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="General small init: ||W(t) - hat Y_k|| <= eps on I_k with c_eps = eps/(16M^2), "
          "C_eps = 16 sigma_1^2 M^2 / eps",
    statement=r"\|W(t)-\hat Y_k\|\le\varepsilon\ \forall t\in\mathcal I_k,\ c_\varepsilon=\varepsilon/(16M^2),"
              r"\ C_\varepsilon=16\sigma_{1,Y}^2M^2/\varepsilon,\ \alpha\le c_\varepsilon/M",
    theory_fn=_thm4_theory,
    constants={"window_start": "C", "target_shift": 0, "block_frac": 0.25},
    assumptions=(
        Assumption("sigma_{1,Y} > ... > sigma_{K,Y} > 0; W~0 invertible (r >= n); M = max(||V||, ||V^-1||), "
                   "V = W~0^{-1}; 0 < eps <= min(sigma_{K,Y}, 1)"),
        Assumption("alpha <= c_eps / M and the ratio condition",
                   lambda sig_Y, M, eps, alpha, **_: admissible_alpha(
                       alpha, sig_Y, *thm4_constants(sig_Y, M, eps), kind="general", M=M)),
    ),
    # Evaluated with the stable inverse form (agrees with a 300-digit evaluation of the
    # printed formula to ~1e-15 relative), so 1e-9 relative slack is round-off only.
    judge_fn=_window_judge(rtol=1e-9),
    note="The condition alpha <= c_eps / M is read from the page render. The three block bounds "
         "||H11 - Sigma_k||, ||H12||, ||H22|| <= eps/4 of the proof are checked too. Very conservative: "
         "measured errors are ~1e-3 eps at the admissible alpha.",
    false_variant={"title": "windows start at log(c_eps/alpha)/(2 sigma_k) (start of mode k's transition)",
                   "constants": {"window_start": "c"}},
)

transition_scaling = Claim(
    id="incremental_learning.transition_scaling",
    paper=PAPER.slug,
    where="Sec. III discussion, Fig. 1",
    kind=Kind.SCALING,
    status=Status.AS_PRINTED,
    title="Mode i is learned at time ~ log(1/alpha) / (2 sigma_{i,Y}); larger sigma first",
    statement=sp.Eq(sp.Derivative(sp.Function("t_i")(log_inv_alpha), log_inv_alpha), 1 / (2 * sigma_Y),
                    evaluate=False),
    theory_fn=_scaling_theory,
    constants={"time_factor": 2.0},
    assumptions=(Assumption("small initialisation; distinct nonzero sigma_{i,Y}"),),
    # Slope within 2% of 1/(2 sigma_i) (the card's level; the fits over 5 decades have CI
    # half-widths ~1e-5, the deviation is a finite-alpha correction O(alpha)).
    judge_fn=judges.all_of(
        _each("general", judges.exponent(rtol=0.02, max_ci_halfwidth=0.01)),
        _each("spectral", judges.exponent(rtol=0.02, max_ci_halfwidth=0.01)),
        judges.part("order", judges.predicate(_ordered_transitions), "order of transitions"),
    ),
    note="Qualitative statement of the paper (Theta(log(1/alpha)/sigma_i)); checked as the slope "
         "1/(2 sigma_i) of the half-way crossing time against log(1/alpha).",
    false_variant={"title": "slope 1/sigma_i (factor 2 dropped)", "constants": {"time_factor": 1.0}},
)

rank_deficient_woodbury = Claim(
    id="incremental_learning.rank_deficient_woodbury",
    paper=PAPER.slug,
    where="Sec. III-C.2 (remark on rank-deficient initialisation)",
    kind=Kind.IDENTITY,
    status=Status.CORRECTED,
    title="W~(t) = alpha S U~ (I - alpha U~^T G U~ (I + alpha U~^T G U~)^{-1}) U~^T S "
          "= alpha S U~ (I_r + alpha U~^T G U~)^{-1} U~^T S",
    statement=r"\tilde W(t)=\alpha S\tilde U\big(I-\alpha\tilde U^\top G\tilde U(I+\alpha\tilde U^\top G\tilde U)^{-1}"
              r"\big)\tilde U^\top S=\alpha S\tilde U(I_r+\alpha\tilde U^\top G\tilde U)^{-1}\tilde U^\top S",
    theory_fn=_woodbury_theory,
    constants={"alpha_power": 1.0, "inner_sign": 1.0},
    assumptions=(Assumption("W~0 = alpha U~ U~^T, U~ = Phi^T bar U_0 of shape (n, r), r < n"),),
    # Both sides are closed forms evaluated in float64 at moderate G (t <= 2): 1e-10
    # relative is round-off with a wide margin.
    judge_fn=judges.all_of(
        judges.part("bracket", judges.agree(1e-10), "Woodbury bracket form vs Prop. 1"),
        judges.part("push_through", judges.agree(1e-10), "push-through form vs Prop. 1"),
    ),
    note="Erratum: the printed bracket form lacks the factor alpha in front of the first U~^T G U~. "
         "The same remark says invertibility 'is satisfied if r < n'; it fails for r < n.",
    printed={"title": "printed: I - U~^T G U~ (I + alpha U~^T G U~)^{-1} (alpha missing)",
             "constants": {"alpha_power": 0.0}},
    false_variant={"title": "sign error: (I_r - alpha U~^T G U~)^{-1}", "constants": {"inner_sign": -1.0}},
)

random_init_remark = Claim(
    id="incremental_learning.random_init_remark",
    paper=PAPER.slug,
    where="Sec. III-C.1 (remark on random initialisation)",
    kind=Kind.PROBABILISTIC,
    status=Status.NOT_CHECKABLE,
    title="Gaussian shape: if P(max(||W0||, ||W0^-1||) <= M_delta) >= 1 - delta, Thm 4 with M = M_delta "
          "holds with probability >= 1 - delta",
    statement=r"P(\max\{\|\bar W_0\|,\|\bar W_0^{-1}\|\}\le M_\delta)\ge1-\delta\Rightarrow"
              r"P(\text{Thm 4 with }M=M_\delta)\ge1-\delta",
    reason_not_checkable="Conditional statement: M_delta is not given, and the conclusion follows from Thm 4 "
                         "by conditioning. Only the phenomenon (Monte Carlo over shapes with the empirical "
                         "90% quantile of M as M_delta) is measured.",
    note="Phenomenon check: r = n + 2, M_delta = empirical 90% quantile of M over shapes; fraction of fresh "
         "draws for which the Thm 4 event holds, with a Clopper-Pearson interval.",
)

CLAIMS: tuple[Claim, ...] = (
    w_dynamics,
    prop1,
    cor2,
    cor2_limits,
    transition_values,
    thm3,
    thm4,
    transition_scaling,
    rank_deficient_woodbury,
    random_init_remark,
)
