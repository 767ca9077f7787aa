"""Min, Mallada & Vidal (ICLR 2024): early neuron alignment in two-layer ReLU networks
trained by gradient flow from a small initialisation. Card: ``shared/papers/early_alignment.md``.

Setting (Sec. 2): data ``(x_i, y_i)``, ``y_i in {-1, +1}``, with Assumption 1
``mu = min_{i,j} <x_i y_i, x_j y_j>/(||x_i|| ||x_j||) > 0``; the bias-free network
``f(x) = sum_j v_j max(<w_j, x>, 0)``; the *summed* exponential loss or the logistic loss
in the appendix normalisation ``2 log(1 + e^{-y f})``; gradient flow from the balanced
initialisation (3) ``W(0) = eps W0``, ``|v_j(0)| = ||w_j(0)||``, with the fixed subgradient
``sigma'(0) = 0``. Theorem 1: after ``t_1 = O(log n / sqrt(mu))`` every neuron sits in the cone
``S_+`` (activated by exactly the positive points), ``S_-`` or ``S_dead``; afterwards the loss
decays like ``O(1/t)`` and the first layer has stable rank at most 2 in the limit.

This module holds the paper's symbols and statements (sympy), the closed forms the card
asks to export (numpy, input-validated), and ``CLAIMS``. Status words follow the card:
``corrected`` claims carry the printed form (``dwell_time``, ``t1_explicit``: the paper's
``zeta := max{zeta_1, zeta_2}`` must be ``min``; ``eps_condition``: (28) does not give (29)
through Lemma 3 as stated — factor 2). DERIVED values (``zeta1_max``, ``xi_max``,
``escape_time_two_point``, ``two_point_alignment_time``, ``limit_stable_rank``,
``t2_slope``) are the card's, not the authors'.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from scipy import stats

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_int, as_matrix, as_scalar

PAPER = Paper(
    slug="early_alignment",
    title="Early Neuron Alignment in Two-layer ReLU Networks with Small Initialization",
    authors=("Hancheng Min", "Enrique Mallada", "René Vidal"),
    venue="International Conference on Learning Representations (ICLR)",
    year=2024,
    arxiv="2307.12851",
    url="https://arxiv.org/abs/2307.12851",
    note="Checked against arXiv v2 (25 Mar 2024), 51 pages with appendices A-F.",
)

# -- symbols --------------------------------------------------------------------------
n, h = sp.symbols("n h", positive=True, integer=True)
n_pm = sp.Symbol("n_pm", positive=True, integer=True)  # n_+ or n_-
eps, mu, zeta, xi = sp.symbols("epsilon mu zeta xi", positive=True)
X_max, X_min, W_max, W_min = sp.symbols("X_max X_min W_max W_min", positive=True)
t, t1_s, t2_s, L2_s, alpha_s = sp.symbols("t t_1 t_2 L_2 alpha_rate", positive=True)
theta, theta0 = sp.symbols("theta theta_0", positive=True)
yhat = sp.Symbol("yhat", real=True)
k3, c28, c29 = sp.symbols("k_3 c_28 c_29", positive=True)  # constants of the (28) => (29) chain

#: Small-norm phase length, Lemmas 1 and 3.
T_ALIGN = sp.log(1 / (sp.sqrt(h) * eps)) / (4 * n * X_max)
#: Lemma 3 (printed factor 2; the proof's Grönwall step gives factor 1).
LEMMA3_NORM = 2 * eps * W_max ** 2 / sp.sqrt(h)
LEMMA3_OUTPUT = 2 * eps * sp.sqrt(h) * X_max * W_max ** 2
#: Lemma 1.
LEMMA1_BOUND = 4 * eps * n * sp.sqrt(h) * X_max ** 2 * W_max ** 2
#: Explicit alignment time (App. C.2) with m = min{zeta, xi}.
T1_BOUND = 16 * sp.log(n) / (sp.Min(zeta, xi) * sp.sqrt(mu) * X_min)
#: The two pieces of (28) (with the constants c_28 = 4 of the first piece symbolic).
EPS1 = sp.Min(mu, zeta, xi) * sp.sqrt(mu) * X_min / (c28 * sp.sqrt(h) * n * X_max ** 2 * W_max ** 2)
EPS2 = sp.exp(-64 * n * X_max * sp.log(n) / (sp.Min(zeta, xi) * sp.sqrt(mu) * X_min)) / sp.sqrt(h)
#: Right side of (29) (constant c_29 = 4 as printed).
RHS29 = sp.Min(mu, zeta, xi) * sp.sqrt(mu) * X_min / (c29 * n * X_max)
#: Loss-rate constant and envelope of Theorem 1 part 2 (App. D.2).
ALPHA_RATE = (mu * X_min) ** 2 / (32 * X_max)
ENVELOPE = L2_s / (L2_s * alpha_s * (t - t2_s) + 1)
#: DERIVED: two-point escape time (theta' = sin theta from theta_0 to pi/2).
ESCAPE_TIME = -sp.log(sp.tan(theta0 / 2))


# ---------------------------------------------------------------------------------------
# Closed forms (numpy, validated)
# ---------------------------------------------------------------------------------------
def _data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix(X, "X")
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got {y.shape[0]}")
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels in {-1, +1}")
    if np.any(np.linalg.norm(X, axis=1) == 0):
        raise ValueError("X must not contain zero rows")
    return X, y


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def mu_separation(X: Any, y: Any) -> float:
    """Assumption 1's ``mu = min_{i,j} y_i y_j <x_i, x_j> / (||x_i|| ||x_j||)`` (pairs
    ``i = j`` included, so ``mu <= 1``)."""
    X, y = _data(X, y)
    Z = (X * y[:, None]) / np.linalg.norm(X, axis=1)[:, None]
    return float(np.min(Z @ Z.T))


def signed_active_sum(X: Any, y: Any, w: Any, leaky: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``x_a(w) = sum_{<x_i,w> > 0} y_i x_i + leaky sum_{<x_i,w> <= 0} y_i x_i`` and
    ``n_a(w) = #{i : <x_i, w> > 0}`` (Sec. 3.1; App. B for the leaky slope).

    ``w`` may be a vector (returns ``(D,)``, scalar) or a matrix of columns (``(D, h)``,
    ``(h,)``)."""
    X, y = _data(X, y)
    leaky = as_scalar(leaky, "leaky", low=0.0, high=1.0)
    w = as_array(w, "w")
    vec = w.ndim == 1
    Wm = w[:, None] if vec else w
    if Wm.ndim != 2 or Wm.shape[0] != X.shape[1]:
        raise ValueError(f"w must have {X.shape[1]} rows, got shape {w.shape}")
    act = (X @ Wm) > 0
    xa = X.T @ (np.where(act, 1.0, leaky) * y[:, None])
    na = act.sum(axis=0)
    return (xa[:, 0], na[0]) if vec else (xa, na)


def cone_membership(X: Any, y: Any, W: Any) -> np.ndarray:
    """For each column of ``W``: ``"plus"`` (``S_+``), ``"minus"`` (``S_-``), ``"dead"``
    (``S_dead``) or ``"other"``, with the strict mask ``<x_i, w> > 0``."""
    X, y = _data(X, y)
    W = as_matrix(W, "W")
    if W.shape[0] != X.shape[1]:
        raise ValueError(f"W must have {X.shape[1]} rows, got {W.shape[0]}")
    act = (X @ W) > 0
    pos = (y > 0)[:, None]
    out = np.full(W.shape[1], "other", dtype=object)
    out[np.all(act == pos, axis=0)] = "plus"
    out[np.all(act == ~pos, axis=0)] = "minus"
    out[~np.any(act, axis=0)] = "dead"
    return out


def _log_eps(eps: Any, log_eps: Any) -> float:
    if (eps is None) == (log_eps is None):
        raise ValueError("give exactly one of eps and log_eps")
    if eps is not None:
        return math.log(as_scalar(eps, "eps", low=0.0, low_open=True))
    return as_scalar(log_eps, "log_eps")


def alignment_phase_length(eps: Any = None, h: Any = None, n: Any = None, x_max: Any = None, *,
                           log_eps: Any = None) -> float:
    """``T = log(1/(sqrt(h) eps)) / (4 n X_max)`` (Lemmas 1, 3); ``log_eps`` for tiny ``eps``."""
    le = _log_eps(eps, log_eps)
    h = as_scalar(h, "h", low=1.0)
    n = as_scalar(n, "n", low=1.0)
    x_max = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    return (-le - 0.5 * math.log(h)) / (4 * n * x_max)


def lemma3_bounds(eps: Any, h: Any, w_max: Any, x_max: Any, sharp: bool = False) -> tuple[float, float]:
    """Lemma 3 (eq. 10): ``max_j ||w_j||^2 <= k eps W_max^2/sqrt(h)`` and
    ``max_i |f(x_i)| <= k eps sqrt(h) X_max W_max^2`` on ``[0, T]``, ``k = 2`` as printed,
    ``k = 1`` for the sharper form (DERIVED from the proof's own Grönwall step)."""
    eps = as_scalar(eps, "eps", low=0.0, low_open=True)
    h = as_scalar(h, "h", low=1.0)
    w_max = as_scalar(w_max, "w_max", low=0.0, low_open=True)
    x_max = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    k = 1.0 if sharp else 2.0
    return k * eps * w_max ** 2 / math.sqrt(h), k * eps * math.sqrt(h) * x_max * w_max ** 2


def lemma1_bound(eps: Any, n: Any, h: Any, x_max: Any, w_max: Any) -> float:
    """Lemma 1: ``4 eps n sqrt(h) X_max^2 W_max^2``."""
    eps = as_scalar(eps, "eps", low=0.0)
    n = as_scalar(n, "n", low=1.0)
    h = as_scalar(h, "h", low=1.0)
    x_max = as_scalar(x_max, "x_max", low=0.0)
    w_max = as_scalar(w_max, "w_max", low=0.0)
    return 4 * eps * n * math.sqrt(h) * x_max ** 2 * w_max ** 2


def lemma4_bound(n: Any, x_max: Any, fmax: Any) -> np.ndarray:
    """Lemma 4 (eq. 11): ``2 n X_max max_i |f(x_i)|`` (valid while ``max_i |f| <= 1``)."""
    n = as_scalar(n, "n", low=1.0)
    x_max = as_scalar(x_max, "x_max", low=0.0)
    f = as_array(fmax, "fmax")
    if np.any(f < 0):
        raise ValueError("fmax must be non-negative")
    return 2 * n * x_max * f


def zeta1_max(X: Any, y: Any) -> float:
    """DERIVED largest ``zeta_1`` of Lemma 8: ``min{(min_i y_i <x^_+, x^_i>)^2,
    (min_i -y_i <x^_-, x^_i>)^2}`` (a cap of angular radius theta fits in ``S_+`` iff
    ``sin theta <= min_i y_i <x^_+, x^_i>``; ``zeta = sin^2 theta``). Requires both classes."""
    X, y = _data(X, y)
    if np.all(y > 0) or np.all(y < 0):
        raise ValueError("zeta1_max needs both classes")
    Xn = X / np.linalg.norm(X, axis=1)[:, None]
    xp, xm = _unit(X[y > 0].sum(0)), _unit(X[y < 0].sum(0))
    a = np.min(y * (Xn @ xp))
    b = np.min(-y * (Xn @ xm))
    if a <= 0 or b <= 0:
        raise ValueError("the class sums are not inside S_+ / S_- (Assumption 1 fails)")
    return float(min(a, b) ** 2)


def zeta2_max(W0: Any, sign: Any, X: Any, y: Any) -> float:
    """Largest ``zeta_2`` of eq. (26) (a supremum): ``1 - max(c, 0)^2`` with
    ``c = max(max_{j in V_+} cos(w_j(0), x_-), max_{j in V_-} cos(w_j(0), x_+))``."""
    X, y = _data(X, y)
    W0 = as_matrix(W0, "W0")
    s = as_array(sign, "sign", ndim=1, shape=(W0.shape[1],))
    if W0.shape[0] != X.shape[1]:
        raise ValueError(f"W0 must have {X.shape[1]} rows")
    Wn = W0 / np.linalg.norm(W0, axis=0)
    xp, xm = _unit(X[y > 0].sum(0)), _unit(X[y < 0].sum(0))
    c = -np.inf
    if np.any(s > 0):
        c = max(c, float(np.max(xm @ Wn[:, s > 0])))
    if np.any(s < 0):
        c = max(c, float(np.max(xp @ Wn[:, s < 0])))
    return float(1.0 - max(c, 0.0) ** 2)


def xi_max(X: Any, y: Any) -> float:
    """DERIVED largest ``xi`` of Lemma 9 (eq. 27): ``mu^2``."""
    return mu_separation(X, y) ** 2


def dwell_time(n_a: Any, zeta: Any, xi: Any, mu: Any, x_min: Any) -> np.ndarray:
    """App. C.2: a ``V_+`` neuron outside ``S_+ u S_dead`` with ``n_a`` activating points
    changes pattern within ``4 / (min{zeta, xi} sqrt(mu) X_min n_a)``; pass the corrected
    ``zeta = min{zeta_1, zeta_2}``."""
    n_a = as_array(n_a, "n_a")
    if np.any(n_a < 1):
        raise ValueError("n_a must be >= 1")
    zeta = as_array(zeta, "zeta")
    xi = as_array(xi, "xi")
    if np.any(zeta <= 0) or np.any(xi <= 0):
        raise ValueError("zeta and xi must be positive")
    mu = as_scalar(mu, "mu", low=0.0, low_open=True)
    x_min = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    return 4.0 / (np.minimum(zeta, xi) * math.sqrt(mu) * x_min * n_a)


def t1_bound(n: Any, zeta: Any, xi: Any, mu: Any, x_min: Any) -> float:
    """App. C.2: ``t_1 = 16 log n / (min{zeta, xi} sqrt(mu) X_min)`` (``n >= 2``)."""
    n = as_scalar(n, "n", low=2.0)
    zeta = as_scalar(zeta, "zeta", low=0.0, low_open=True)
    xi = as_scalar(xi, "xi", low=0.0, low_open=True)
    mu = as_scalar(mu, "mu", low=0.0, low_open=True)
    x_min = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    return 16 * math.log(n) / (min(zeta, xi) * math.sqrt(mu) * x_min)


def harmonic(k: Any) -> np.ndarray:
    """``H_k = sum_{m=1}^k 1/m`` (``H_0 = 0``), vectorised."""
    from scipy.special import digamma

    k = as_array(k, "k")
    if np.any(k < 0) or np.any(k != np.round(k)):
        raise ValueError("k must hold non-negative integers")
    return np.where(k == 0, 0.0, digamma(np.maximum(k, 1) + 1) + np.euler_gamma)


def max_path_time(n_pos: Any, n_neg: Any, zeta: Any, xi: Any, mu: Any, x_min: Any) -> float:
    """Travel time of the maximal activation path (App. C.2):
    ``(4/(min{zeta,xi} sqrt(mu) X_min)) (H_{n_-} + 1/2 + H_{n_+ - 1})``."""
    n_pos = as_int(n_pos, "n_pos", low=1)
    n_neg = as_int(n_neg, "n_neg", low=1)
    c = 4.0 / (min(as_scalar(zeta, "zeta", low=0, low_open=True), as_scalar(xi, "xi", low=0, low_open=True))
               * math.sqrt(as_scalar(mu, "mu", low=0, low_open=True)) * as_scalar(x_min, "x_min", low=0, low_open=True))
    return float(c * (harmonic(n_neg) + 0.5 + harmonic(n_pos - 1)))


def eps_bound(mu: Any, zeta: Any, xi: Any, h: Any, n: Any, x_max: Any, x_min: Any, w_max: Any) -> dict[str, float]:
    """Condition (28) on the initialisation scale, piece by piece:
    ``eps_1 = min{mu,zeta,xi} sqrt(mu) X_min / (4 sqrt(h) n X_max^2 W_max^2)`` and
    ``eps_2 = exp(-64 n X_max log n / (min{zeta,xi} sqrt(mu) X_min)) / sqrt(h)`` (returned as
    ``log_eps2``: it underflows for realistic data), and ``log_eps = min`` of both logs."""
    mu = as_scalar(mu, "mu", low=0.0, low_open=True)
    zeta = as_scalar(zeta, "zeta", low=0.0, low_open=True)
    xi = as_scalar(xi, "xi", low=0.0, low_open=True)
    h = as_scalar(h, "h", low=1.0)
    n = as_scalar(n, "n", low=2.0)
    x_max = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    x_min = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    w_max = as_scalar(w_max, "w_max", low=0.0, low_open=True)
    eps1 = min(mu, zeta, xi) * math.sqrt(mu) * x_min / (4 * math.sqrt(h) * n * x_max ** 2 * w_max ** 2)
    log_eps2 = -64 * n * x_max * math.log(n) / (min(zeta, xi) * math.sqrt(mu) * x_min) - 0.5 * math.log(h)
    return {"eps1": eps1, "log_eps1": math.log(eps1), "log_eps2": log_eps2, "log_eps": min(math.log(eps1), log_eps2)}


def alpha_rate(mu: Any, x_min: Any, x_max: Any) -> float:
    """Theorem 1's loss-rate constant ``(mu X_min)^2 / (32 X_max)``."""
    mu = as_scalar(mu, "mu", low=0.0, low_open=True)
    x_min = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    x_max = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    return (mu * x_min) ** 2 / (32 * x_max)


def loss_envelope(t: Any, t2: Any, L2: Any, alpha_rate: Any) -> np.ndarray:
    """``L(t2) / (L(t2) alpha_rate (t - t2) + 1)`` for ``t >= t2`` (Theorem 1 part 2)."""
    t = as_array(t, "t")
    t2 = as_scalar(t2, "t2", low=0.0)
    L2 = as_scalar(L2, "L2", low=0.0, low_open=True)
    a = as_scalar(alpha_rate, "alpha_rate", low=0.0)
    if np.any(t < t2):
        raise ValueError("t must be >= t2")
    return L2 / (L2 * a * (t - t2) + 1.0)


def t2_bound(t1: Any, mu: Any, n_class: Any, x_min: Any, log_eps: Any, w_min: Any, n: Any, x_max: Any) -> float:
    """Right side of (39): ``t_1 + 6/(sqrt(mu) n_pm X_min) + (4/(sqrt(mu) n_pm X_min))
    (log(2/(eps^2 sqrt(mu) X_min W_min^2)) + 4 n X_max t_1)`` (``log_eps`` for tiny eps)."""
    t1 = as_scalar(t1, "t1", low=0.0)
    mu = as_scalar(mu, "mu", low=0.0, low_open=True)
    nc = as_scalar(n_class, "n_class", low=1.0)
    x_min = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    le = as_scalar(log_eps, "log_eps")
    w_min = as_scalar(w_min, "w_min", low=0.0, low_open=True)
    n = as_scalar(n, "n", low=1.0)
    x_max = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    c = 1.0 / (math.sqrt(mu) * nc * x_min)
    log_term = math.log(2.0) - 2 * le - 0.5 * math.log(mu) - math.log(x_min) - 2 * math.log(w_min)
    return t1 + 6 * c + 4 * c * (log_term + 4 * n * x_max * t1)


def lowrank_bound(W_spec_sq: Any, h: Any, eps: Any, w_max: Any) -> np.ndarray:
    """App. D.3: ``||W||_F^2 <= 2 ||W||_2^2 + 4 sqrt(h) eps W_max^2`` for ``t >= t_1``."""
    s = as_array(W_spec_sq, "W_spec_sq")
    h = as_scalar(h, "h", low=1.0)
    eps = as_scalar(eps, "eps", low=0.0)
    w_max = as_scalar(w_max, "w_max", low=0.0)
    return 2 * s + 4 * math.sqrt(h) * eps * w_max ** 2


def escape_time_two_point(theta0: Any) -> np.ndarray:
    """DERIVED: the ``two_point_cx`` neuron at angle ``theta_0`` from ``x_-`` turns at
    ``d theta/dt = sin theta`` and leaves ``S_-`` at ``-log tan(theta_0/2)``."""
    th = as_array(theta0, "theta0")
    if np.any(th <= 0) or np.any(th >= math.pi / 2):
        raise ValueError("theta0 must lie in (0, pi/2)")
    return -np.log(np.tan(th / 2))


def two_point_alignment_time(s: Any) -> np.ndarray:
    """DERIVED (App. A.2 data ``x_1 = [1,0]``, ``x_2 = [sin s, cos s]``): the worst live
    ``V_+`` neuron enters ``S_+`` after ``log cot(s/2)``."""
    s = as_array(s, "s")
    if np.any(s <= 0) or np.any(s >= math.pi / 2):
        raise ValueError("s must lie in (0, pi/2)")
    return np.log(1.0 / np.tan(s / 2))


def limit_stable_rank(gamma_plus: Any, gamma_minus: Any, cos_u: Any) -> float:
    """DERIVED limit of ``||W||_F^2/||W||_2^2`` (cross-paper, from the NeurIPS 2025 sequel's
    Theorem 1): with ``s_pm^2 = gamma_pm^{-1}/(2(gamma_+^{-1} + gamma_-^{-1}))`` the limit first
    layer is ``s_+ u_+ g_+^T + s_- u_- g_-^T`` (orthogonal ``g_pm``), so
    ``sr = (s_+^2 + s_-^2)/lambda_max`` with ``lambda_max = (s_+^2 + s_-^2 +
    sqrt((s_+^2 - s_-^2)^2 + 4 s_+^2 s_-^2 cos_u^2))/2``."""
    gp = as_scalar(gamma_plus, "gamma_plus", low=0.0, low_open=True)
    gm = as_scalar(gamma_minus, "gamma_minus", low=0.0, low_open=True)
    c = as_scalar(cos_u, "cos_u", low=-1.0, high=1.0)
    sp2 = (1 / gp) / (2 * (1 / gp + 1 / gm))
    sm2 = (1 / gm) / (2 * (1 / gp + 1 / gm))
    lam = 0.5 * (sp2 + sm2 + math.sqrt((sp2 - sm2) ** 2 + 4 * sp2 * sm2 * c * c))
    return (sp2 + sm2) / lam


def t2_slope(x_plus: Any, x_minus: Any) -> float:
    """DERIVED heuristic: ``d t_2 / d log(1/eps) = 1 / min{||x_+||, ||x_-||}`` (after
    alignment the class-wise squared norms grow at rate ``~ 2 ||x_pm||``)."""
    a = float(np.linalg.norm(as_array(x_plus, "x_plus", ndim=1)))
    b = float(np.linalg.norm(as_array(x_minus, "x_minus", ndim=1)))
    if min(a, b) == 0:
        raise ValueError("class sums must be non-zero")
    return 1.0 / min(a, b)


def exp_loss(y: Any, yhat: Any) -> np.ndarray:
    """``exp(-y yhat)``."""
    return np.exp(-as_array(y, "y") * as_array(yhat, "yhat"))


def logistic2_loss(y: Any, yhat: Any) -> np.ndarray:
    """The appendix normalisation ``2 log(1 + exp(-y yhat))``."""
    return 2.0 * np.logaddexp(0.0, -as_array(y, "y") * as_array(yhat, "yhat"))


def neg_dloss(loss: str, y: Any, yhat: Any) -> np.ndarray:
    """``-d l/d yhat`` in stable form: ``y e^m`` (exp), ``2 y sigmoid(m)`` (logistic2),
    ``y sigmoid(m)`` (logistic1), ``y - yhat`` (square), ``m = -y yhat``."""
    y = as_array(y, "y")
    yh = as_array(yhat, "yhat")
    m = -y * yh
    if loss == "exp":
        return y * np.exp(m)
    if loss in ("logistic", "logistic1"):
        c = 2.0 if loss == "logistic" else 1.0
        return c * y * np.exp(-np.logaddexp(0.0, -m))
    if loss == "square":
        return y - yh
    raise ValueError(f"loss must be 'exp', 'logistic', 'logistic1' or 'square', got {loss!r}")


# ---------------------------------------------------------------------------------------
# Judge helpers
# ---------------------------------------------------------------------------------------
def _need(ev: Mapping[str, Any], *keys: str) -> None:
    for k in keys:
        if k not in ev:
            raise ValueError(f"evidence lacks the key {k!r}")


def _verdict(ok: bool, reason: str, **kw: Any) -> Verdict:
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, reason=reason, **kw)


def _bound_by_constants(sign: int, measure, theory, rtol: float = 0.0, atol: float = 0.0):
    """A bound whose *measured* side also depends on the statement (``measure(consts, ev)``)."""
    inner = judges.upper_bound(rtol, atol, theory=theory) if sign > 0 else judges.lower_bound(rtol, atol, theory=theory)

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        ev = dict(evidence)
        ev["measured"] = measure({**claim.constants, **evidence.get("inputs", {})}, evidence)
        return inner(claim, ev, **params)

    return judge


# ---------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------
SLUG = PAPER.slug
_A1 = Assumption("Assumption 1: mu > 0 (same-label pairs positively, different-label pairs negatively correlated)")
_INIT = Assumption("balanced initialisation (3): W(0) = eps W0, |v_j(0)| = ||w_j(0)||")
_EPSC = Assumption("eps <= 1/(4 sqrt(h) X_max W_max^2) and t <= T = log(1/(sqrt(h) eps))/(4 n X_max)")
_A2 = Assumption("Assumption 2: no V_+ neuron starts aligned with x_-, no V_- neuron with x_+ (a.s. for Gaussian W0)")


# -- balancedness ---------------------------------------------------------------------------
def _balancedness_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    _need(ev, "unbalanced", "balanced")
    u = ev["unbalanced"]
    _need(u, "v2", "w2", "eta", "grad_sq_sum")
    k = claim.constants["k_c"]
    q = np.asarray(u["v2"]) - k * np.asarray(u["w2"])
    drift = float(np.max(np.abs(q - q[0])))
    bound = claim.constants["drift_factor"] * u["eta"] ** 2 * u["grad_sq_sum"]
    changes = int(ev["balanced"]["sign_changes"])
    ok = drift <= bound and changes == 0
    return _verdict(ok, f"max drift of v_j^2 - ({k}) ||w_j||^2 under GD = {drift:.3g} vs O(eta^2) allowance "
                        f"{bound:.3g}; sign changes from balanced init: {changes}",
                    theoretical=bound, measured=drift, margin=bound / drift if drift > 0 else math.inf)


balancedness = Claim(
    id=f"{SLUG}.balancedness", paper=SLUG, where="Sec. 2.1 (quoting Du et al. 2018, Boursier et al. 2022)",
    kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="v_j^2 - ||w_j||^2 is conserved; sign v_j is constant from a balanced init",
    statement=sp.Eq(sp.Derivative(sp.Function("v_j")(t) ** 2 - sp.Symbol("k_c") * sp.Function("r_j")(t) ** 2, t), 0),
    constants={"k_c": 1, "drift_factor": 10},
    judge_fn=_balancedness_judge,
    assumptions=(Assumption("any data; balanced initialisation for the sign statement"),),
    note="Checked on gradient descent, whose drift per step is exactly eta^2 (||dL/dv_j||^2 - ||dL/dw_j||^2): "
         "the allowance 10 eta^2 sum_k ||grad L_k||^2 covers it.",
    false_variant={"title": "v_j^2 + ||w_j||^2 is conserved (wrong sign)", "constants": {"k_c": -1}},
)


# -- Lemma 2 --------------------------------------------------------------------------------
lemma2 = Claim(
    id=f"{SLUG}.lemma2", paper=SLUG, where="Lemma 2, App. B, eq. (9)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="|-dl/dyhat - y| <= 2|yhat| for |yhat| <= 1 (exp loss and 2 log(1 + e^{-y yhat}))",
    statement=sp.Le(sp.Abs(sp.Symbol("g") - sp.Symbol("y")), sp.Symbol("c") * sp.Abs(yhat)),
    theory_fn=lambda c, yhat, **_: c * np.abs(yhat),
    constants={"c": 2},
    # round-off of exp/sigmoid near |yhat| = 0: 1e-12 absolute
    judge_fn=judges.upper_bound(atol=1e-12),
    assumptions=(Assumption("|yhat| <= 1"), Assumption("logistic loss in the appendix normalisation 2 log(1+e^{-z})")),
    note="Erratum 3: with the main-text normalisation log(1 + e^{-z}) the left side is 1/2 at yhat = 0, so the "
         "lemma fails; every appendix proof uses 2 log(1 + e^{-z}). The sharp constant for exp is e - 1.",
    false_variant={"title": "constant 1.5 instead of 2", "constants": {"c": 1.5}},
)


# -- Lemma 3 --------------------------------------------------------------------------------
def _lemma3_norm(k, horizon, t, T, eps, h, w_max, **_):
    t = np.asarray(t, dtype=float)
    return np.where(t <= horizon * T, k * eps * w_max ** 2 / np.sqrt(h), np.inf)


def _lemma3_output(k, horizon, t, T, eps, h, w_max, x_max, **_):
    t = np.asarray(t, dtype=float)
    return np.where(t <= horizon * T, k * eps * np.sqrt(h) * x_max * w_max ** 2, np.inf)


lemma3 = Claim(
    id=f"{SLUG}.lemma3", paper=SLUG, where="Lemma 3, App. B.1, eq. (10)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="on [0, T]: max ||w_j||^2 <= 2 eps W_max^2/sqrt(h), max |f(x_i)| <= 2 eps sqrt(h) X_max W_max^2",
    statement=sp.And(sp.Le(sp.Symbol("max_j_w2"), LEMMA3_NORM), sp.Le(sp.Symbol("max_i_f"), LEMMA3_OUTPUT)),
    constants={"k": 2, "horizon": 1.0},
    # Euler run with renormalisation: relative slack 1e-9 (round-off only; the bound is not tight)
    judge_fn=judges.all_of(judges.part("norm", judges.upper_bound(rtol=1e-9, theory=_lemma3_norm)),
                           judges.part("output", judges.upper_bound(rtol=1e-9, theory=_lemma3_output))),
    assumptions=(_INIT, _EPSC),
    note="The proof's Grönwall step gives the sharper factor 1 (DERIVED); it is checked too. Holds for the "
         "alpha-leaky ReLU as well.",
    false_variant={"title": "the bounds hold for all t (t <= T dropped)", "constants": {"horizon": math.inf}},
)


# -- Lemma 4 --------------------------------------------------------------------------------
lemma4 = Claim(
    id=f"{SLUG}.lemma4", paper=SLUG, where="Lemma 4, App. B.1, eq. (11)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="||d/dt w_j/||w_j|| - s_j P_wj x_a(w_j)|| <= 2 n X_max max_i |f(x_i)| while max |f| <= 1",
    statement=sp.Le(sp.Symbol("E_j"), sp.Symbol("c") * n * X_max * sp.Symbol("f_max") ** sp.Symbol("q")),
    theory_fn=lambda c, q, n, x_max, fmax, **_: c * n * x_max * np.asarray(fmax, dtype=float) ** q,
    constants={"c": 2, "q": 1},
    # the left side is evaluated exactly from the vector field (no finite differences): round-off slack 1e-9
    judge_fn=judges.upper_bound(rtol=1e-9),
    assumptions=(_INIT, Assumption("max_i |f(x_i)| <= 1"), Assumption("loss satisfying Lemma 2")),
    note="Printed with a stray 'for all i in [n]': read 'for all j'. Holds for the alpha-leaky ReLU with the leaky x_a.",
    false_variant={"title": "error quadratic in max|f| (2 n X_max max|f|^2)", "constants": {"q": 2}},
)


# -- Lemma 1 --------------------------------------------------------------------------------
def _lemma1_theory(c, horizon, t, T, eps, n, h, x_max, w_max, **_):
    t = np.asarray(t, dtype=float)
    return np.where(t <= horizon * T, c * eps * n * np.sqrt(h) * x_max ** 2 * w_max ** 2, np.inf)


lemma1 = Claim(
    id=f"{SLUG}.lemma1", paper=SLUG, where="Lemma 1, App. B.1 (main text eq. 6)", kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="on [0, T]: max_j ||d/dt w_j/||w_j|| - s_j P x_a(w_j)|| <= 4 eps n sqrt(h) X_max^2 W_max^2",
    statement=sp.Le(sp.Symbol("E"), LEMMA1_BOUND),
    theory_fn=_lemma1_theory,
    constants={"c": 4, "horizon": 1.0},
    judge_fn=judges.upper_bound(rtol=1e-9),  # exact vector field: round-off slack only
    assumptions=(_INIT, _EPSC),
    note="Lemma 3 + Lemma 4. Main-text form: eps = O(1/sqrt(h)) gives T = Theta((1/n) log(1/(sqrt(h) eps))) and an "
         "error O(eps n sqrt(h)). Holds for every alpha-leaky ReLU.",
    false_variant={"title": "the same bound for all t (beyond T)", "constants": {"horizon": math.inf}},
)


# -- Lemma 5 --------------------------------------------------------------------------------
lemma5 = Claim(
    id=f"{SLUG}.lemma5", paper=SLUG, where="Lemma 5, App. C.1", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="cos(z_1, z_2) >= mu for all non-zero z_1, z_2 in K = cone{y_i x_i}",
    statement=sp.Ge(sp.Symbol("cos_z1_z2"), mu ** sp.Symbol("e")),
    theory_fn=lambda mu, e, **_: mu ** e,
    constants={"e": 1},
    judge_fn=judges.lower_bound(atol=1e-12),  # cosines in float64: 1e-12 absolute
    assumptions=(_A1,),
    note="Tight: equality at the extreme pair of generators. Consequences: x_a(w) in K, x_+ and -x_- in K.",
    false_variant={"title": "cos >= sqrt(mu)", "constants": {"e": 0.5}},
)


# -- Lemma 7 --------------------------------------------------------------------------------
def _lemma7_membership(claim: Claim, ev: Mapping[str, Any]):
    ok = bool(np.all(ev["in_plus"]) and np.all(ev["neg_in_minus"]))
    return ok, f"x_c in S_+: {int(np.sum(ev['in_plus']))}/{np.size(ev['in_plus'])}, -x_c in S_-: " \
               f"{int(np.sum(ev['neg_in_minus']))}/{np.size(ev['neg_in_minus'])}"


lemma7 = Claim(
    id=f"{SLUG}.lemma7", paper=SLUG, where="Lemma 7, App. C.1", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="y_i <x_c, x_i> >= mu ||x_i|| sum_j a_j ||x_j|| >= mu X_min ||x_c|| > 0; K in Int S_+, -K in Int S_-",
    statement=sp.Ge(sp.Symbol("y_i x_c.x_i"), mu ** sp.Symbol("p") * sp.Symbol("||x_i|| sum a_j ||x_j||")),
    constants={"p": 1},
    judge_fn=judges.all_of(
        judges.part("chain1", judges.lower_bound(atol=1e-12, theory=lambda p, mu, xnorm_suma, **_: mu ** p * np.asarray(xnorm_suma))),
        judges.part("chain2", judges.lower_bound(atol=1e-12, theory=lambda mu, x_min, xc_norm, **_: mu * x_min * np.asarray(xc_norm))),
        judges.part("membership", judges.predicate(_lemma7_membership)),
    ),
    assumptions=(_A1,),
    note="x_c = sum_j a_j y_j x_j with a_j >= 0 (a conic combination of the signed data).",
    false_variant={"title": "y_i <x_c, x_i> >= ||x_i|| sum_j a_j ||x_j|| (mu dropped)", "constants": {"p": 0}},
)


# -- Lemma 8 --------------------------------------------------------------------------------
def _lemma8_sharp(claim: Claim, ev: Mapping[str, Any]):
    m = float(np.min(ev["measured"]))
    z = claim.constants["f"] * ev["inputs"]["zeta1"]
    ok = m <= z * (1 + 1e-3)
    return ok, f"smallest critical sin^2 over the sample {m:.6g} vs zeta_1 = {z:.6g} (sharpness within 1e-3)"


lemma8 = Claim(
    id=f"{SLUG}.lemma8", paper=SLUG, where="Lemma 8, App. C.1", kind=Kind.CLOSED_FORM, status=Status.AS_PRINTED,
    title="caps S^{zeta_1}_{x_+} in S_+ and S^{zeta_1}_{x_-} in S_-, largest zeta_1 = min_i (y_i cos(x_+, x_i))^2 (DERIVED)",
    statement=sp.Ge(sp.Symbol("sin2_theta_crit"), sp.Symbol("f") * sp.Symbol("zeta_1^*")),
    constants={"f": 1},
    # measured: for each direction e orthogonal to x^_pm, sin^2 of the largest angle that stays in S_pm (exact);
    # the cap of zeta lies in S_pm iff all of them are >= zeta. 1e-9 relative: round-off of atan2/cos.
    judge_fn=judges.all_of(
        judges.lower_bound(rtol=1e-9, theory=lambda f, zeta1, **_: f * zeta1),
        judges.predicate(_lemma8_sharp),
    ),
    assumptions=(_A1,),
    note="The paper proves existence by compactness; the largest admissible value is DERIVED (card) and is >= mu^2.",
    false_variant={"title": "zeta_1 = 2 zeta_1^* also fits", "constants": {"f": 2}},
)


# -- Lemma 10 -------------------------------------------------------------------------------
def _lemma10_measure(c: Mapping[str, Any], ev: Mapping[str, Any]) -> np.ndarray:
    E1 = np.asarray(ev["E1"])  # (steps, refs, h): d psi/dt - s (psi_ra - psi_rj psi_aj) ||x_a||
    E2 = np.asarray(ev["E2"])  # s psi_rj psi_aj ||x_a||
    return np.max(np.abs(E1 - (1 - c["k_proj"]) * E2), axis=(1, 2))


lemma10 = Claim(
    id=f"{SLUG}.lemma10", paper=SLUG, where="Lemma 10, App. C.1, eq. (24)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="|d psi_rj/dt - s_j (psi_ra - psi_rj psi_aj) ||x_a(w_j)||| <= 2 n X_max max|f| while max|f| <= 1",
    statement=sp.Le(sp.Symbol("E_rj"), 2 * n * X_max * sp.Symbol("f_max")),
    constants={"c": 2, "k_proj": 1},
    judge_fn=_bound_by_constants(+1, _lemma10_measure,
                                 lambda c, n, x_max, fmax, **_: c * n * x_max * np.asarray(fmax), rtol=1e-9),
    assumptions=(_INIT, Assumption("max_i |f(x_i)| <= 1"), Assumption("x_r a unit vector (printed S^{n-1}: read S^{D-1})")),
    note="psi_rj = <x_r, w^_j>, psi_ra = <x_r, x^_a(w_j)>, psi_aj = <w^_j, x^_a(w_j)>.",
    false_variant={"title": "the -psi_rj psi_aj term dropped", "constants": {"k_proj": 0}},
)


# -- Lemma 11 -------------------------------------------------------------------------------
lemma11 = Claim(
    id=f"{SLUG}.lemma11", paper=SLUG, where="Lemma 11, App. C.1, eq. (25)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="||x_a(w)|| >= sqrt(n_a (1 + mu (n_a - 1))) X_min >= sqrt(mu) n_a X_min",
    statement=sp.Ge(sp.Symbol("||x_a||"), mu ** sp.Symbol("p") * sp.Symbol("n_a") * X_min),
    constants={"p": 0.5},
    judge_fn=judges.all_of(
        judges.part("sharp", judges.lower_bound(
            atol=1e-12, theory=lambda n_a, mu, x_min, **_: np.sqrt(np.asarray(n_a) * (1 + np.asarray(mu) * (np.asarray(n_a) - 1))) * np.asarray(x_min))),
        judges.part("simple", judges.lower_bound(
            atol=1e-12, theory=lambda p, n_a, mu, x_min, **_: np.asarray(mu) ** p * np.asarray(n_a) * np.asarray(x_min))),
    ),
    assumptions=(_A1,),
    note="The printed 'sqrt(mu) n_a X_min' means sqrt(mu) times n_a. Tight for equal-norm collinear data.",
    false_variant={"title": "||x_a(w)|| >= n_a X_min (sqrt(mu) dropped)", "constants": {"p": 0}},
)


# -- activation monotonicity ------------------------------------------------------------------
def _monotone_events(claim: Claim, ev: Mapping[str, Any]):
    s, yy, on = np.asarray(ev["sign"]), np.asarray(ev["label"]), np.asarray(ev["on"], dtype=bool)
    direction = np.where(on, 1.0, -1.0)
    forbidden = int(np.sum(s * yy * direction * claim.constants["rule"] < 0))
    return forbidden == 0, f"{forbidden} forbidden of {s.size} activation events (rule {claim.constants['rule']:+d})"


activation_monotonicity = Claim(
    id=f"{SLUG}.activation_monotonicity", paper=SLUG, where="Sec. 3.3, eqs. (7)-(8); App. C.2",
    kind=Kind.PHENOMENON, status=Status.AS_PRINTED,
    title="on [0, T] a V_+ neuron only gains positive and loses negative activations (V_- mirror), "
          "crossing each hyperplane at rate >= mu^{3/2} X_min / 2",
    statement=sp.Ge(sp.Symbol("y_i s_j d/dt <w^_j, x^_i>"), sp.Rational(1, 2) * mu ** sp.Rational(3, 2) * X_min),
    constants={"rule": 1, "k": 0.5},
    judge_fn=judges.all_of(
        judges.part("events", judges.predicate(_monotone_events)),
        # boundary states from the exact vector field; slack 1e-6 (the card's) covers the O(eps) residual
        judges.part("boundary", judges.lower_bound(atol=1e-6, theory=lambda k, mu, x_min, **_: k * mu ** 1.5 * x_min)),
    ),
    assumptions=(_A1, _INIT, Assumption("(28) and t <= T")),
    note="Eq. (29) erratum: the constant mu^{3/2} X_min/2 needs the sharper Lemma 3 or constant 8 in (28). "
         "Consequence: each neuron changes pattern at most n times.",
    false_variant={"title": "reversed rule: V_+ neurons lose positive and gain negative points", "constants": {"rule": -1}},
)


# -- dwell time (corrected) -----------------------------------------------------------------
def _combine(kind: str, z1, z2):
    z1, z2 = np.asarray(z1, dtype=float), np.asarray(z2, dtype=float)
    if kind == "min":
        return np.minimum(z1, z2)
    if kind == "max":
        return np.maximum(z1, z2)
    if kind == "zeta1":
        return z1
    raise ValueError(f"unknown combination {kind!r}")


def _dwell_theory(combine, zeta1, zeta2, xi, mu, x_min, n_a, **_):
    z = _combine(combine, zeta1, zeta2)
    return 4.0 / (np.minimum(z, np.asarray(xi, dtype=float)) * np.sqrt(mu) * np.asarray(x_min) * np.asarray(n_a, dtype=float))


dwell_time_claim = Claim(
    id=f"{SLUG}.dwell_time", paper=SLUG, where="App. C.2 (proof of Theorem 1 part 1)", kind=Kind.BOUND,
    status=Status.CORRECTED,
    title="a V_+ neuron outside S_+ u S_dead changes pattern within 4/(min{zeta, xi} sqrt(mu) X_min n_a), zeta = min{zeta_1, zeta_2}",
    statement=sp.Le(sp.Symbol("dwell"), 4 / (sp.Min(sp.Min(sp.Symbol("zeta_1"), sp.Symbol("zeta_2")), xi)
                                            * sp.sqrt(mu) * X_min * sp.Symbol("n_a"))),
    theory_fn=_dwell_theory,
    constants={"combine": "min"},
    judge_fn=judges.all_of(judges.part("cx", judges.upper_bound(rtol=1e-9)),
                           judges.part("orthosep", judges.upper_bound(rtol=1e-9))),
    assumptions=(_A1, _A2, Assumption("(28) and t <= T")),
    note="Erratum 1: the paper defines zeta := max{zeta_1, zeta_2}; the proof needs S^zeta_{x_-} in S_- (zeta <= zeta_1) "
         "and w_j(0) not in S^zeta_{x_-} (zeta <= zeta_2). Counterexample two_point_cx: the neuron at angle theta_0 "
         "from x_- keeps its pattern for -log tan(theta_0/2) (DERIVED), e.g. 14.51 for theta_0 = 1e-6, while the "
         "printed reading gives 4/0.99 = 4.04.",
    printed={"title": "as printed: zeta = max{zeta_1, zeta_2}", "constants": {"combine": "max"}},
    false_variant={"title": "zeta = zeta_1 (the initial-angle constant zeta_2 dropped)", "constants": {"combine": "zeta1"}},
)


# -- Theorem 1 part 1 ------------------------------------------------------------------------
def _aligned_steps(labels: np.ndarray, sign: np.ndarray, dead_branch: bool) -> np.ndarray:
    from_plus = (labels == 1) | ((labels == 0) & dead_branch)
    from_minus = (labels == -1) | ((labels == 0) & dead_branch)
    return np.all(np.where(sign > 0, from_plus, from_minus), axis=1)


def _thm1_alignment(claim: Claim, ev: Mapping[str, Any]):
    _need(ev, "labels", "t", "sign", "own_init", "T")
    labels = np.asarray(ev["labels"])  # (steps, h) codes: 1 plus, -1 minus, 0 dead, 2 other
    sign = np.asarray(ev["sign"])
    ok_steps = _aligned_steps(labels, sign, bool(claim.constants["dead_branch"]))
    if not np.any(ok_steps):
        return False, "no recorded time at which every neuron is in its own cone" + \
            ("" if claim.constants["dead_branch"] else " (dead neurons not allowed)")
    k1 = int(np.argmax(ok_steps))
    t1 = float(ev["t"][k1])
    own = np.asarray(ev["own_init"], dtype=bool)
    target = np.where(sign > 0, 1, -1)
    stay = np.all(labels[k1:, own] == target[own])
    ok = t1 <= ev["T"] and stay
    return ok, (f"t1_emp = {t1:.4g} vs T = {ev['T']:.4g}; {int(own.sum())} neurons with initial own-class activation "
                f"{'all' if stay else 'NOT all'} in their own cone from t1_emp on")


thm1_alignment = Claim(
    id=f"{SLUG}.thm1_alignment", paper=SLUG, where="Theorem 1, part 1 (Sec. 3.2)", kind=Kind.PHENOMENON,
    status=Status.AS_PRINTED,
    title="by t_1 every V_+ neuron is in S_+ u S_dead (in S_+ if it starts with positive activation); V_- mirror",
    statement="exists t_1 = O(log n / sqrt(mu)): w_j(t_1) in S_+ u S_dead (j in V_+), in S_- u S_dead (j in V_-); "
              "w_j(t_1) in S_{sign} whenever max_{i in I_sign} <w_j(0), x_i> > 0",
    constants={"dead_branch": True},
    judge_fn=judges.predicate(_thm1_alignment),
    assumptions=(_A1, _A2, Assumption("eps small enough, (28)")),
    note="Checked at log eps = -60, far above the theorem's own eps regime (log eps ~ -1e4, Erratum 7): a mechanism check.",
    false_variant={"title": "every V_+ neuron reaches S_+ (dead branch dropped)", "constants": {"dead_branch": False}},
)


# -- t1 explicit (corrected) ------------------------------------------------------------------
def _t1_theory(combine, use_zeta, n, zeta1, zeta2, xi, mu, x_min, **_):
    m = np.minimum(_combine(combine, zeta1, zeta2), np.asarray(xi, dtype=float)) if use_zeta else 1.0
    return 16 * np.log(np.asarray(n, dtype=float)) / (m * np.sqrt(mu) * np.asarray(x_min))


t1_explicit = Claim(
    id=f"{SLUG}.t1_explicit", paper=SLUG, where="App. C.2", kind=Kind.BOUND, status=Status.CORRECTED,
    title="if T >= t_1, alignment holds by t_1 = 16 log n / (min{zeta, xi} sqrt(mu) X_min), zeta = min{zeta_1, zeta_2}",
    statement=sp.Le(sp.Symbol("t1_emp"), T1_BOUND),
    theory_fn=_t1_theory,
    constants={"combine": "min", "use_zeta": True},
    judge_fn=judges.all_of(judges.part("cx", judges.upper_bound(rtol=1e-9)),
                           judges.part("orthosep", judges.upper_bound(rtol=1e-9))),
    assumptions=(_A1, _A2, Assumption("(28): T >= t_1"), Assumption("n >= 2")),
    note="Erratum 1 (zeta = max -> min). Counterexample two_point_cx (n = 2, mu = 1, X_min = 1, zeta_1 = xi = 0.99): "
         "printed t_1 = 16 log 2/0.99 = 11.20 and (28) gives eps = 1.2e-39 (T = t_1), but the neuron leaves S_- only "
         "at 14.51. Supporting facts (harmonic sums <= 4 log n) are unit-tested. DERIVED with the largest constants: "
         "t_1 = 16 log n/(min{zeta_2, mu^2} sqrt(mu) X_min).",
    printed={"title": "as printed: zeta = max{zeta_1, zeta_2}", "constants": {"combine": "max"}},
    false_variant={"title": "t_1 = 16 log n/(sqrt(mu) X_min) (min{zeta, xi} dropped)", "constants": {"use_zeta": False}},
)


# -- t1 scaling -------------------------------------------------------------------------------
def _t1_scaling(claim: Claim, ev: Mapping[str, Any]):
    c = claim.constants
    tol = c["slope_tol"]
    reasons, ok = [], True
    for name, s in ev["series"].items():
        nn = np.asarray(s["n"], dtype=float)
        y = np.log(np.asarray(s["t1"], dtype=float)) + c["mu_power"] * np.log(np.asarray(s["mu"], dtype=float))
        res = stats.linregress(np.log(nn), y)
        q = stats.t.ppf(0.975, nn.size - 2)
        hi = res.slope + q * res.stderr
        # slope of the claimed bound g(n) = n^a (log n)^b over the swept range
        lo_n, hi_n = nn.min(), nn.max()
        g = lambda m: c["n_power"] * math.log(m) + c["log_power"] * math.log(math.log(m))
        allowed = (g(hi_n) - g(lo_n)) / (math.log(hi_n) - math.log(lo_n)) + tol
        ok &= hi <= allowed
        reasons.append(f"{name}: slope {res.slope:.3f} (95% CI upper {hi:.3f}) vs allowed {allowed:.3f}")
    return ok, "; ".join(reasons)


t1_scaling = Claim(
    id=f"{SLUG}.t1_scaling", paper=SLUG, where="Theorem 1", kind=Kind.SCALING, status=Status.AS_PRINTED,
    title="t_1 = O(log n / sqrt(mu))",
    statement=sp.Le(sp.Symbol("t_1"), sp.Symbol("C") * sp.log(n) / sp.sqrt(mu)),
    constants={"n_power": 0.0, "log_power": 1.0, "mu_power": 0.5, "slope_tol": 0.1},
    judge_fn=judges.predicate(_t1_scaling),
    assumptions=(_A1, _A2),
    note="An upper bound: the fitted log-log slope of t_1_emp sqrt(mu) against n may not exceed the slope of log n over "
         "the swept range (+0.1). Measured t_1_emp ~ 1/n (DERIVED empirical finding: activated sums grow like n).",
    false_variant={"title": "t_1 = O(1/n^2)", "constants": {"n_power": -2.0, "log_power": 0.0}},
)


# -- eps condition (corrected) ---------------------------------------------------------------
def eps_chain_ratio(k_3: float = 1, c_28: float = 4, c_29: float = 4) -> sp.Expr:
    """sympy: (Lemma-3 output bound with factor ``k_3`` at ``eps = eps_1`` of (28)) / (right side
    of (29)); the chain (28) => (29) holds iff this is <= 1 (it simplifies to
    ``k_3 c_29 / c_28``)."""
    e1 = EPS1.subs(c28, c_28)
    bound = k_3 * e1 * sp.sqrt(h) * X_max * W_max ** 2
    return sp.simplify(bound / RHS29.subs(c29, c_29))


def _eps_symbolic(claim: Claim, ev: Mapping[str, Any]):
    c = claim.constants
    r = eps_chain_ratio(c["k3"], c["c28"], c["c29"])
    ok = bool(r.is_number and float(r) <= 1)
    return ok, f"Lemma-3 bound (factor {c['k3']}) at eps_1 / RHS(29) simplifies to {r}"


eps_condition = Claim(
    id=f"{SLUG}.eps_condition", paper=SLUG, where="App. C.2, eqs. (28)-(29)", kind=Kind.IDENTITY, status=Status.CORRECTED,
    title="(28) => (29): max |f| <= min{mu,zeta,xi} sqrt(mu) X_min/(4 n X_max) on [0, T] (via the sharper Lemma 3)",
    statement=sp.Le(sp.Symbol("k_3") * EPS1 * sp.sqrt(h) * X_max * W_max ** 2, RHS29),
    constants={"k3": 1, "c28": 4, "c29": 4},
    judge_fn=judges.all_of(
        judges.part("symbolic", judges.predicate(_eps_symbolic)),
        judges.part("numeric", judges.upper_bound(rtol=1e-9, theory=lambda c29, mzx, mu, x_min, n, x_max, **_:
                                                  mzx * math.sqrt(mu) * x_min / (c29 * n * x_max))),
    ),
    assumptions=(_A1, Assumption("eps <= eps_1 of (28), t <= T")),
    note="Erratum 2 (DERIVED): substituting eps = eps_1 into Lemma 3 as stated (factor 2) gives twice the right side of "
         "(29); the sharper Lemma-3 bound (factor 1, proved by the same argument) or 8 in place of 4 in (28) repairs it. "
         "T(eps_2) = t_1 exactly and the last '<=' of (28) are unit-tested with sympy.",
    printed={"title": "as printed: (28) => (29) through Lemma 3 as stated (factor 2)", "constants": {"k3": 2}},
    false_variant={"title": "(29) with 8 n X_max in the denominator", "constants": {"c29": 8}},
)


# -- Lemma 12 (trapping) ---------------------------------------------------------------------
def _trapping(claim: Claim, ev: Mapping[str, Any]):
    labels = np.asarray(ev["labels"])
    sign = np.asarray(ev["sign"])
    exits = 0
    for who, code in claim.constants["traps"]:
        sel = np.ones_like(sign, dtype=bool) if who == 0 else (sign == who)
        inside = labels[:, sel] == code
        entered = np.maximum.accumulate(inside, axis=0)
        exits += int(np.sum(entered & ~inside))
    return exits == 0, f"{exits} (neuron, step) pairs outside a trapping set after entering it"


lemma12_trapping = Claim(
    id=f"{SLUG}.lemma12_trapping", paper=SLUG, where="Lemma 12, App. D.1", kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="S_dead is trapping; S_+ is trapping for V_+ and S_- for V_- neurons",
    statement="w_j(t_0) in S_dead => w_j(t) in S_dead; j in V_+, w_j(t_0) in S_+ => stays; j in V_-, w_j(t_0) in S_- => stays",
    constants={"traps": ((0, 0), (1, 1), (-1, -1))},
    judge_fn=judges.predicate(_trapping),
    assumptions=(_A1,),
    note="Theorem 1 part 2, first sentence: after t_1 each neuron stays in the set it occupies.",
    false_variant={"title": "S_- is also trapping for V_+ neurons", "constants": {"traps": ((0, 0), (1, 1), (-1, -1), (1, -1))}},
)


# -- Lemma 13 --------------------------------------------------------------------------------
def _lemma13(claim: Claim, ev: Mapping[str, Any], **params: Any) -> Verdict:
    c = claim.constants
    theory = lambda rate, log_sum0, n, x_max, t1, **_: np.asarray(log_sum0) - rate * n * x_max * t1
    # log scale: slack 1e-9 absolute
    j = judges.lower_bound(atol=1e-9, theory=theory) if c["direction"] > 0 else judges.upper_bound(atol=1e-9, theory=theory)
    return j(claim, ev, **params)


lemma13 = Claim(
    id=f"{SLUG}.lemma13", paper=SLUG, where="Lemma 13, App. D.1", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="sum_{j in V~_pm} ||w_j(t_1)||^2 >= exp(-4 n X_max t_1) sum_{j in V~_pm} ||w_j(0)||^2",
    statement=sp.Ge(sp.Symbol("log S(t_1)"), sp.Symbol("log S(0)") - 4 * n * X_max * t1_s),
    constants={"rate": 4, "direction": 1},
    judge_fn=_lemma13,
    assumptions=(_A1, Assumption("V~_+ and V~_- non-empty"), Assumption("max|f| <= 1/2 before t_1")),
    note="Compared in log scale (the norms are ~e^{-120} at log eps = -60).",
    false_variant={"title": "no net growth before t_1: sum ||w_j(t_1)||^2 <= sum ||w_j(0)||^2",
                   "constants": {"rate": 0, "direction": -1}},
)


# -- Lemma 14 --------------------------------------------------------------------------------
def _lemma14(claim: Claim, ev: Mapping[str, Any]):
    c = claim.constants
    logr = np.asarray(ev["logr"])  # (steps, h)
    dlogr = np.asarray(ev["dlogr"])
    start = int(ev["k1"]) if c["start"] == "t1" else 0
    groups = list(ev["groups"]) if c["scope"] == "class" else [[j] for j in range(logr.shape[1])]
    bad = 0
    for g in groups:
        g = np.asarray(g, dtype=int)
        if g.size == 0:
            continue
        lr = logr[start:, g]
        wts = np.exp(2 * (lr - lr.max(axis=1, keepdims=True)))
        deriv = np.sum(wts * dlogr[start:, g], axis=1)  # sign of d/dt sum ||w_j||^2
        # recorded sequence log sum ||w_j||^2 must not decrease (1e-12 relative slack)
        ls = np.log(np.sum(np.exp(2 * (lr - lr.max())), axis=1)) + 2 * lr.max()
        drop = np.diff(ls) < -1e-12 * np.maximum(1.0, np.abs(ls[:-1]))
        bad += int(np.sum(deriv < 0)) + int(np.sum(drop))
    return bad == 0, f"{bad} decreasing steps (scope {c['scope']}, from {'t_1' if start else 't = 0'})"


lemma14 = Claim(
    id=f"{SLUG}.lemma14", paper=SLUG, where="Lemma 14, App. D.1, eq. (30)", kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="for t >= t_1, sum_{j in V~_pm} ||w_j(t)||^2 is non-decreasing",
    statement=sp.Ge(sp.Derivative(sp.Function("S_pm")(t), t), 0),
    constants={"scope": "class", "start": "t1"},
    judge_fn=judges.predicate(_lemma14),
    assumptions=(_A1,),
    note="Printed eq. (30) drops the square on the right side (typo). The derivative is taken from the exact vector "
         "field: d/dt sum ||w_j||^2 = sum 2 e^{2 rho_j} d rho_j/dt.",
    false_variant={"title": "every ||w_j(t)|| is non-decreasing for all t >= 0",
                   "constants": {"scope": "individual", "start": "zero"}},
)


# -- Lemma 15 --------------------------------------------------------------------------------
lemma15 = Claim(
    id=f"{SLUG}.lemma15", paper=SLUG, where="Lemma 15, App. D.1, eq. (31)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="linear two-layer nets with margin gamma: dL/dt <= -(1/4) ||v||^2 L^2 gamma^2 while all margins >= 0",
    statement=sp.Le(sp.Symbol("dL/dt"), -sp.Rational(1, 4) * sp.Symbol("||v||") ** 2 * sp.Symbol("L") ** 2 * sp.Symbol("gamma") ** 2),
    constants={"c": 0.25, "p": 2},
    # measured is -dL/dt >= c ||v||^p L^2 gamma^2; 1e-12 relative: analytic gradients, round-off only
    judge_fn=judges.lower_bound(rtol=1e-12, theory=lambda c, p, vnorm, L, gamma, **_:
                                c * np.asarray(vnorm) ** p * np.asarray(L) ** 2 * gamma ** 2),
    assumptions=(Assumption("data with margin gamma through the origin"), Assumption("all y_i v^T W^T x_i >= 0")),
    note="For the exponential loss the proof gives -||v||^2 L^2 gamma^2; the 1/4 is needed for 2 log(1 + e^{-z}).",
    false_variant={"title": "dL/dt <= -(1/4) L^2 gamma^2 (||v||^2 dropped)", "constants": {"p": 0}},
)


# -- Theorem 1 part 2: rate ------------------------------------------------------------------
def _rate_slope(claim: Claim, ev: Mapping[str, Any]):
    fit = ev["fit"]
    p = claim.constants["p"]
    allowed = -p + claim.constants["slope_tol"]
    ok = fit["ci_low"] <= allowed
    return ok, (f"late-window log-log slope {fit['slope']:.3f} (CI [{fit['ci_low']:.3f}, {fit['ci_high']:.3f}]) on "
                f"t in [{fit['window'][0]:.3g}, {fit['window'][1]:.3g}]; an O(t^-{p}) decay needs a slope <= {allowed:.3f}")


thm1_rate = Claim(
    id=f"{SLUG}.thm1_rate", paper=SLUG, where="Theorem 1 part 2; App. D.2", kind=Kind.RATE, status=Status.AS_PRINTED,
    title="L(t) <= L(t_2)/(L(t_2) alpha_rate (t - t_2) + 1), alpha_rate = (mu X_min)^2/(32 X_max): O(1/t) decay",
    statement=sp.Le(sp.Function("L")(t), ENVELOPE),
    constants={"p": 1, "slope_tol": 0.05},
    judge_fn=judges.all_of(
        judges.part("envelope", judges.upper_bound(rtol=1e-9, theory=lambda p, t, t2, L2, alpha, **_:
                                                   L2 / (L2 * alpha * (np.asarray(t) - t2) + 1) ** p)),
        judges.part("slope", judges.predicate(_rate_slope)),
    ),
    assumptions=(_A1, _A2, Assumption("S_+ and S_- each contain a neuron at t_1")),
    note="Plain time (the 1/loss schedule would change the clock). The envelope is loose (alpha_rate is ~1e3 below the "
         "observed 1/L slope); the O(1/t) rate is tested by the fitted late-window slope (tolerance 0.05 on the exponent).",
    false_variant={"title": "L(t) = O((t - t_2)^-2)", "constants": {"p": 2}},
)


# -- t2 ------------------------------------------------------------------------------------------
def _t2_scaling(claim: Claim, ev: Mapping[str, Any]):
    nn = np.asarray(ev["n"], dtype=float)
    s = np.asarray(ev["slope"], dtype=float)
    v = s * nn ** (-claim.constants["n_power"])
    spread = float(v.max() / v.min())
    ok = spread <= claim.constants["spread"]
    return ok, (f"slope of t_2 in log(1/eps) times n^{-claim.constants['n_power']:g}: "
                f"{np.array2string(v, precision=4)} (max/min {spread:.3f}, allowed {claim.constants['spread']})")


t2_claim = Claim(
    id=f"{SLUG}.t2", paper=SLUG, where="Theorem 1 part 2; App. D.2, eq. (39)", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="t_1 <= t_2 = Theta((1/n) log(1/(sqrt(h) eps))), t_2 <= (39), and t_2 >= T",
    statement=sp.Le(t2_s, t1_s + 6 / (sp.sqrt(mu) * n_pm * X_min) + 4 / (sp.sqrt(mu) * n_pm * X_min)
                    * (sp.log(2 / (eps ** 2 * sp.sqrt(mu) * X_min * W_min ** 2)) + 4 * n * X_max * t1_s)),
    constants={"n_power": -1.0, "spread": 1.25},
    judge_fn=judges.all_of(
        judges.part("bound", judges.upper_bound(rtol=1e-9, theory=lambda bound39, **_: np.asarray(bound39))),
        judges.part("lower", judges.lower_bound(rtol=1e-9, theory=lambda T, **_: np.asarray(T))),
        judges.part("scaling", judges.predicate(_t2_scaling)),
    ),
    assumptions=(_A1, _A2),
    note="(39) evaluated with t_1 := t1_emp (the proof needs any time <= T at which all neurons are in their cones). "
         "Scaling: the slope of t_2 in log(1/eps) times n must be constant within 25 % (Theta(1/n)); DERIVED "
         "prediction of the slope: 1/min{||x_+||, ||x_-||}.",
    false_variant={"title": "t_2 = Theta(log(1/eps)) with an n-independent slope", "constants": {"n_power": 0.0}},
)


# -- low rank --------------------------------------------------------------------------------------
thm1_lowrank = Claim(
    id=f"{SLUG}.thm1_lowrank", paper=SLUG, where="Theorem 1 part 2; App. D.3", kind=Kind.BOUND, status=Status.AS_PRINTED,
    title="||W||_F^2 <= 2 ||W||_2^2 + 4 sqrt(h) eps W_max^2 for t >= t_1; limsup ||W||_F^2/||W||_2^2 <= 2",
    statement=sp.Le(sp.Symbol("||W||_F^2"), 2 * sp.Symbol("||W||_2^2") + 4 * sp.sqrt(h) * eps * W_max ** 2),
    constants={"sr_max": 2.0},
    judge_fn=judges.all_of(
        # both sides divided by max_j ||w_j||^2 (no underflow); 1e-9 relative round-off slack
        judges.part("bound", judges.upper_bound(rtol=1e-9, theory=lambda spec, extra, **_: 2 * np.asarray(spec) + np.asarray(extra))),
        judges.part("limit", judges.upper_bound(rtol=1e-9, theory=lambda sr_max, **_: sr_max)),
        judges.part("growth", judges.predicate(lambda c, ev: (bool(np.all(np.diff(ev["log_norm"]) > 0)),
                                                              f"log||W|| increases over the 1/loss phase: "
                                                              f"{ev['log_norm'][0]:.3g} -> {ev['log_norm'][-1]:.3g}"))),
    ),
    assumptions=(_A1, _A2),
    note="Erratum 5: the appendix's last display prints '= 2'; the main text and the argument give '<= 2' (the digits "
         "run gives ~1). The limit is also compared (in the test) with the DERIVED value of limit_stable_rank.",
    false_variant={"title": "stable rank <= 1 + O(eps)", "constants": {"sr_max": 1.0 + 1e-6}},
)


# -- random initialisation ---------------------------------------------------------------------
random_init = Claim(
    id=f"{SLUG}.random_init", paper=SLUG, where="Remarks after Theorem 1", kind=Kind.PROBABILISTIC,
    status=Status.AS_PRINTED,
    title="Gaussian W0: a V_+ neuron starts activated by some positive point w.p. >= 1/2; "
          "P(no such neuron among m) <= 2^-m",
    statement=sp.Ge(sp.Symbol("P(exists i in I_+: <w, x_i> > 0)"), sp.Rational(1, 2)),
    theory_fn=lambda **_: 0.5,
    constants={"prob": 0.5, "prob_m": None},
    judge_fn=judges.all_of(
        judges.part("single", judges.frequency(">", level=0.99)),
        judges.part("groups", _bound_by_constants(-1, lambda c, ev: np.asarray(ev["upper_cp"]),
                                                  lambda prob_m, m, **_: (1 - 2.0 ** -np.asarray(m)) if prob_m is None
                                                  else np.full(np.shape(m), prob_m))),
    ),
    assumptions=(Assumption("[W0]_ij ~ N(0, 1/D) i.i.d."),),
    note="Monte Carlo with exact 99 % Clopper-Pearson limits: the event probability must not be significantly below the "
         "claimed one. The tight case (all positive points identical) has probability exactly 1/2.",
    false_variant={"title": "P >= 1 - 2^-n_+ (half-spaces treated as independent)",
                   "constants": {"prob": 1 - 2.0 ** -10, "prob_m": 1 - 2.0 ** -10}},
)


# -- two phases --------------------------------------------------------------------------------
def _two_phase(claim: Claim, ev: Mapping[str, Any]):
    c = claim.constants
    both = np.asarray(ev["both_ratio_early"])
    first = float(ev["first_ratio_150"])
    loss300 = float(ev["first_loss_300"])
    ok = bool(np.all(both < c["ratio_max"])) and first > c["ratio_max"]
    plateau = loss300 > 0.6
    ok &= plateau == c["first_layer_plateau"]
    return ok, (f"both layers: norm/direction change ratio <= {both.max():.2g} at iterations 150-450; first layer only: "
                f"ratio {first:.2g} at iteration 150, loss {loss300:.3g} at iteration 300")


two_phase = Claim(
    id=f"{SLUG}.two_phase", paper=SLUG, where="App. A.5, Figs. 12-13; Sec. 4", kind=Kind.PHENOMENON,
    status=Status.AS_PRINTED,
    title="both layers: directions change first, norms later; first layer only: no two-phase behaviour",
    statement="norm change sum_j 2<-grad_wj L, w_j> << direction change sum_j ||P_wj(-grad_wj L)/||w_j|| || early; "
              "no plateau when only W is trained",
    constants={"ratio_max": 1e-3, "first_layer_plateau": False},
    judge_fn=judges.predicate(_two_phase),
    assumptions=(Assumption("small initialisation (std 1e-6)"),),
    note="Reproduced offline on scikit-learn digits 1 vs 0 (full batch, mean logistic loss) instead of MNIST (SGD).",
    false_variant={"title": "first-layer-only training also has a plateau of >= 300 iterations with loss > 0.6",
                   "constants": {"first_layer_plateau": True}},
)


# -- effect of mu ------------------------------------------------------------------------------
def _mu_effect(claim: Claim, ev: Mapping[str, Any]):
    c = claim.constants
    s = np.asarray(ev["s"], dtype=float)
    tt = np.asarray(ev["t_entry"], dtype=float)  # (len(s), n_eps)
    pred = np.log(1 / np.tan(s / 2))
    rel = np.abs(tt / pred[:, None] - 1)
    close = bool(np.all(rel <= c["rel_tol"]))
    order = np.argsort(s)
    slower = bool(np.all(np.diff(tt[order].mean(axis=1)) < 0))  # smaller s (mu) -> longer
    ratio = float(tt[order][0].mean() / tt[order][-1].mean())
    depends = ratio > 1 + c["min_effect"]
    ok = close and (slower and depends) == c["depends_on_mu"]
    return ok, (f"entry times {np.array2string(tt, precision=4)} vs log cot(s/2) = {np.array2string(pred, precision=4)} "
                f"(max rel. dev. {rel.max():.3g}); smallest-mu / largest-mu time ratio {ratio:.3f}")


mu_effect = Claim(
    id=f"{SLUG}.mu_effect", paper=SLUG, where="App. A.2, Figs. 7-8", kind=Kind.PHENOMENON, status=Status.AS_PRINTED,
    title="smaller mu slows alignment; worst-case entry time log cot(s/2) (DERIVED)",
    statement=sp.Eq(sp.Symbol("t_entry"), sp.log(sp.cot(sp.Symbol("s") / 2))),
    constants={"rel_tol": 0.03, "depends_on_mu": True, "min_effect": 0.05},
    judge_fn=judges.predicate(_mu_effect),
    assumptions=(Assumption("x_1 = [1, 0], x_2 = [sin s, cos s], both positive (mu = sin s)"),),
    note="The growth is ~log(2/mu), far below the theorem's 1/sqrt(mu). The 3 % tolerance is a finite-width effect "
         "(the worst-case neuron is only approximately present among 50 Gaussian ones) plus the Euler error.",
    false_variant={"title": "alignment time independent of mu", "constants": {"depends_on_mu": False}},
)


# -- not checkable -------------------------------------------------------------------------------
caratheodory = Claim(
    id=f"{SLUG}.caratheodory", paper=SLUG, where="App. E", kind=Kind.PHENOMENON, status=Status.NOT_CHECKABLE,
    title="regular Carathéodory solutions exist under sigma'(0) = 0 and Assumption 1",
    statement="global Carathéodory solutions of (2) exist; regular ones exist when S_dead is non-empty; "
              "E.3: no solution with sigma'(0) = a > 0; E.4: non-unique solutions",
    reason_not_checkable="Existence and uniqueness of solutions of a discontinuous ODE cannot be established by "
                         "simulation; a discretised flow is not a Carathéodory solution. Illustrated only: the E.3/E.4 "
                         "states are exact fixed points with sigma'(0) = 0, and the crossing inequality (46) holds "
                         "pointwise on random states.",
    note="(46) is stated for the flow direction -grad_w L: y_i s_j <x_i, -grad_{w_j} L> > 0 for w_j outside S_dead "
         "while |f| is small.",
)

filippov = Claim(
    id=f"{SLUG}.filippov", paper=SLUG, where="App. F", kind=Kind.PHENOMENON, status=Status.NOT_CHECKABLE,
    title="Theorem 1 extends to regular Filippov solutions",
    statement="Theorem 1 holds for regular Filippov solutions with x_a(w) replaced by any element of "
              "{sum_i sigma'(<x_i, w>) y_i x_i}",
    reason_not_checkable="A statement about a solution concept with no quantitative content beyond Theorem 1.",
)


CLAIMS: tuple[Claim, ...] = (
    balancedness,
    lemma2,
    lemma3,
    lemma4,
    lemma1,
    lemma5,
    lemma7,
    lemma8,
    lemma10,
    lemma11,
    activation_monotonicity,
    dwell_time_claim,
    thm1_alignment,
    t1_explicit,
    t1_scaling,
    eps_condition,
    lemma12_trapping,
    lemma13,
    lemma14,
    lemma15,
    thm1_rate,
    t2_claim,
    thm1_lowrank,
    random_init,
    two_phase,
    mu_effect,
    caratheodory,
    filippov,
)
