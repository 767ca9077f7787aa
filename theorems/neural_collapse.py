"""Min, Zhu & Vidal (NeurIPS 2025): neural collapse under gradient flow on shallow ReLU
networks for orthogonally separable data.

A bias-free two-layer ReLU network ``f(x) = V sigma(W^T x)`` is trained by gradient flow
from a small balanced initialisation on orthogonally separable data (Assumption 1:
same-class cosines ``>= mu_s``, cross-class cosines ``<= -mu_d``). The paper proves that
the normalised weights converge to a neural-collapse configuration shaped by the data:
features of class ``k`` lie on one ray ``phi_bar_k`` with lengths ``<s_k u_k, x_i>``
(Theorem 1 (1)), the class-mean directions are non-negative and orthogonal (2), and the
classifier is ``V_bar = E~ Phi_bar^T`` with ``E~`` the pseudo-label (simplex) matrix (3).
Card: ``shared/papers/neural_collapse.md``.

Closed forms exported here (validated, vectorised where it makes sense):

* :func:`pseudo_labels` -- ``E~ = sqrt(K/(K-1)) (I - 11^T/K)``;
* :func:`nc_scales`, :func:`norm_shares`, :func:`limit_margin_binary`,
  :func:`limit_margin_multiclass`, :func:`limit_classifier`,
  :func:`limit_classifier_binary`, :func:`limit_classifier_gram`, :func:`limit_features`,
  :func:`nc3_limit` -- Theorem 1's limit and its DERIVED consequences;
* :func:`mu_d_footnote`, :func:`mu_d_upper` -- footnote 2 and its sharp (DERIVED) form;
* :func:`softmax_uniform_bound` (Lemma 1), :func:`alignment_phase_length`,
  :func:`lemma2_bounds`, :func:`lemma3_bound` (Lemmas 2-3), :func:`lemma6_bound`,
  :func:`b_max`, :func:`b_boundary`, :func:`kappa` (Lemmas 4 and 6), :func:`lemma10_bound`;
* :func:`prop1_ratio`, :func:`prop1_condition_printed`, :func:`prop1_condition_proof`.

The one-class max-margin problem (``gamma_k``, ``u_k``) is a quadratic programme, solved
by :func:`numerics.two_layer.one_class_max_margin`; the closed forms here take ``gamma``
as input.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_int, as_matrix, as_scalar

__all__ = [
    "PAPER",
    "CLAIMS",
    "pseudo_labels",
    "nc_scales",
    "norm_shares",
    "limit_margin_binary",
    "limit_margin_multiclass",
    "limit_classifier",
    "limit_classifier_binary",
    "limit_classifier_gram",
    "limit_features",
    "nc3_limit",
    "mu_d_footnote",
    "mu_d_upper",
    "softmax_uniform_bound",
    "alignment_phase_length",
    "lemma2_bounds",
    "lemma3_bound",
    "lemma6_bound",
    "b_max",
    "b_boundary",
    "kappa",
    "lemma10_bound",
    "prop1_ratio",
    "prop1_condition_printed",
    "prop1_condition_proof",
]

PAPER = Paper(
    slug="neural_collapse",
    title="Neural Collapse under Gradient Flow on Shallow ReLU Networks for Orthogonally Separable Data",
    authors=("Hancheng Min", "Zhihui Zhu", "René Vidal"),
    venue="Advances in Neural Information Processing Systems (NeurIPS)",
    year=2025,
    arxiv="2510.21078",
    url="https://arxiv.org/abs/2510.21078",
)

# -- symbols ------------------------------------------------------------------------------
K = sp.Symbol("K", integer=True, positive=True)          # number of classes
mu_s = sp.Symbol("mu_s", positive=True)                  # same-class cosine bound
mu_d = sp.Symbol("mu_d", positive=True)                  # cross-class cosine bound
X_max = sp.Symbol("X_max", positive=True)
X_min = sp.Symbol("X_min", positive=True)
eps = sp.Symbol("epsilon", positive=True)                # initialisation scale
h = sp.Symbol("h", integer=True, positive=True)          # width
n = sp.Symbol("n", integer=True, positive=True)          # number of samples
f_norm = sp.Symbol("f_norm", nonnegative=True)           # ||f(x_i)||
B_k = sp.Symbol("B_k", real=True)                        # <e~_k, v^>
b = sp.Symbol("b", real=True)                            # a value of B_k
beta = sp.Symbol("beta", nonnegative=True)               # <v_bar, e~_1> in Lemma 10
gamma = sp.Symbol("gamma", positive=True)                # a one-class margin
A_ratio = sp.Symbol("A_ratio", positive=True)            # A_k / sum_{k' != k} A_k'

#: Footnote 2: no data set has mu_d > 1/sqrt(K-1); DERIVED sharp bound 1/(K-1).
MU_D_FOOTNOTE = 1 / sp.sqrt(K - 1)
MU_D_SHARP = 1 / (K - 1)
#: Lemma 1 (App. C.1): ||y^ - 1/K|| <= (8/sqrt(K)) ||f|| for ||f|| <= 1/4.
LEMMA1_BOUND = 8 / sp.sqrt(K) * f_norm
#: Alignment phase (App. C.2): T = log(1/(sqrt(h) eps)) / (4 n X_max).
T_ALIGN = sp.log(1 / (sp.sqrt(h) * eps)) / (4 * n * X_max)
#: Lemma 2 (eq. 28): ||w_j||^2 <= eps/sqrt(h), ||f(x_i)|| <= 2 eps X_max sqrt(h) on [0, T].
LEMMA2_W = eps / sp.sqrt(h)
LEMMA2_F = 2 * eps * X_max * sp.sqrt(h)
#: Lemma 3 (eqs. 16-17), corrected (X_max squared) and as printed.
LEMMA3_BOUND = 16 / sp.sqrt(K) * eps * n * X_max ** 2 * sp.sqrt(h)
LEMMA3_PRINTED = 16 / sp.sqrt(K) * eps * n * X_max * sp.sqrt(h)
#: Lemma 6 (App. C.3.1), corrected (square root) and as printed.
LEMMA6_BOUND = sp.sqrt(2 * (1 - B_k))
LEMMA6_PRINTED = 2 * (1 - B_k)
#: Assumption 4's threshold b = 1 - 1/(2(K-1)) and the DERIVED largest B_k' given B_k = b.
B_BOUNDARY = 1 - 1 / (2 * (K - 1))
B_MAX = -b / (K - 1) + sp.sqrt((1 - 1 / (K - 1) ** 2) * (1 - b ** 2))
#: DERIVED: item 1 of Lemma 4 holds at the boundary (eps -> 0, worst case) iff
#: A_k >= kappa(K) sum_{k' != k} A_k'.
KAPPA = ((1 / (K - 1) + b * B_MAX) / (1 - b ** 2)).subs(b, B_BOUNDARY)
#: Lemma 10 (App. C.3.2): right-hand side sqrt(1 - beta^2).
LEMMA10_RHS = sp.sqrt(1 - beta ** 2)
#: Lemma 11 (App. D.2): gamma_k >= mu_s X_min.
LEMMA11_RHS = mu_s * X_min
#: Proposition 1's data condition as printed, and the condition its proof uses (48)/(50).
PROP1_RATIO = X_max ** 2 / (X_min ** 2 * mu_d * mu_s ** 2)
PROP1_PRINTED = sp.StrictLessThan(PROP1_RATIO, 2 * K - 3)
PROP1_PROOF = sp.GreaterThan(mu_d * mu_s * X_min ** 2 * (1 - 1 / (2 * (K - 1))), 2 * X_max ** 2 / (K - 1))
#: App. A, DERIVED sufficient condition for the bias-augmented data.
BIAS_SUFFICIENT = sp.StrictGreaterThan(mu_d * X_min ** 2, 1)

_t_align = sp.lambdify((eps, h, n, X_max), T_ALIGN, modules="numpy")
_b_max = sp.lambdify((b, K), B_MAX, modules="numpy")
_kappa = sp.lambdify((K,), KAPPA, modules="numpy")


# -- closed forms -------------------------------------------------------------------------
def pseudo_labels(K: int) -> np.ndarray:
    """``E~ = sqrt(K/(K-1)) (I_K - 11^T/K)`` (Sec. 4.2): unit columns ``e~_k`` with pairwise
    inner product ``-1/(K-1)``, summing to zero. ``y - 1/K = sqrt((K-1)/K) E~ y``."""
    K = as_int(K, "K", low=2)
    return math.sqrt(K / (K - 1)) * (np.eye(K) - np.ones((K, K)) / K)


def _gammas(gammas: Any) -> np.ndarray:
    g = as_array(gammas, "gammas", ndim=1)
    if g.size < 2 or np.any(g <= 0):
        raise ValueError("gammas must hold >= 2 positive one-class margins")
    return g


def norm_shares(gammas: Any) -> np.ndarray:
    """DERIVED: the squared-norm share of class ``k``'s sub-network in the limit,
    ``||W_bar_k||_F^2 + ||V_bar_k||_F^2 = 2 s_k^2 = gamma_k^{-1} / sum_k' gamma_k'^{-1}``."""
    g = _gammas(gammas)
    return (1.0 / g) / np.sum(1.0 / g)


def nc_scales(gammas: Any) -> np.ndarray:
    """Theorem 1: ``s_k = sqrt(gamma_k^{-1} / (2 sum_k' gamma_k'^{-1}))``."""
    return np.sqrt(norm_shares(gammas) / 2.0)


def limit_margin_binary(g_plus: float, g_minus: float) -> float:
    """DERIVED: the normalised margin of the binary limit, ``1/(2(gamma_+^{-1} + gamma_-^{-1}))``."""
    gp = as_scalar(g_plus, "g_plus", low=0.0, low_open=True)
    gm = as_scalar(g_minus, "g_minus", low=0.0, low_open=True)
    return 1.0 / (2.0 * (1.0 / gp + 1.0 / gm))


def limit_margin_multiclass(gammas: Any) -> float:
    """DERIVED: the normalised margin of the K-class limit,
    ``min_i ([f]_{y_i} - max_{l != y_i} [f]_l) = sqrt(K/(K-1)) / (2 sum_k gamma_k^{-1})``."""
    g = _gammas(gammas)
    K_ = g.size
    return math.sqrt(K_ / (K_ - 1)) / (2.0 * float(np.sum(1.0 / g)))


def _phi_s(phi_bar: Any, s: Any) -> tuple[np.ndarray, np.ndarray]:
    P = as_matrix(phi_bar, "phi_bar")
    s = as_array(s, "s", ndim=1, shape=(P.shape[1],))
    if np.any(s < 0):
        raise ValueError("s must be non-negative")
    return P, s


def limit_classifier(phi_bar: Any, s: Any) -> np.ndarray:
    """Theorem 1 (3): ``V_bar = E~ Phi_bar^T`` with ``Phi_bar = [s_1 phi_bar_1 ... s_K phi_bar_K]``.

    ``phi_bar`` (h, K) unit class-mean directions, ``s`` (K,). Returns (K, h)."""
    P, s = _phi_s(phi_bar, s)
    return pseudo_labels(P.shape[1]) @ (P * s).T


def limit_classifier_binary(phi_bar: Any, s: Any) -> np.ndarray:
    """Theorem 1 (3), binary: ``V_bar = s_+ phi_bar_+ - s_- phi_bar_-`` (h,). Columns of
    ``phi_bar`` and entries of ``s`` in label order ``(-1, +1)``."""
    P, s = _phi_s(phi_bar, s)
    if P.shape[1] != 2:
        raise ValueError("phi_bar must have two columns (classes -1, +1)")
    return s[1] * P[:, 1] - s[0] * P[:, 0]


def limit_classifier_gram(s: Any) -> np.ndarray:
    """Theorem 1 (3), corrected: ``V_bar V_bar^T = E~ diag(s^2) E~^T`` (K, K)."""
    s = as_array(s, "s", ndim=1)
    E = pseudo_labels(s.size)
    return E @ np.diag(s ** 2) @ E.T


def limit_features(X: Any, labels: Any, u: Any, s: Any, phi_bar: Any) -> np.ndarray:
    """Theorem 1 (1): ``phi_theta_bar(x_i) = <s_k u_k, x_i> phi_bar_k`` for ``i in I_k``.

    ``X`` (n, D); ``labels`` class indices ``0..K-1``; ``u`` (K, D) max-margin directions;
    ``s`` (K,); ``phi_bar`` (h, K). Returns (n, h)."""
    X = as_matrix(X, "X")
    P, s = _phi_s(phi_bar, s)
    Kc = P.shape[1]
    u = as_matrix(u, "u")
    if u.shape != (Kc, X.shape[1]):
        raise ValueError(f"u must have shape ({Kc}, {X.shape[1]})")
    lab = np.asarray(labels)
    if lab.shape != (X.shape[0],) or not np.issubdtype(lab.dtype, np.integer) or lab.min() < 0 or lab.max() >= Kc:
        raise ValueError(f"labels must be {X.shape[0]} integers in 0..{Kc - 1}")
    lengths = s[lab] * np.sum(X * u[lab], axis=1)
    return lengths[:, None] * P[:, lab].T


def nc3_limit(m: Any) -> float:
    """DERIVED: NC3 at the Theorem-1 limit. With ``m_k = mean_{i in I_k} <u_k, x_i>``,
    ``M = V_bar (Phi^T)^+ = E~ diag(1/m_k)`` and
    ``NC3 = || M/||M||_F - E~/sqrt(K) ||_F`` (zero iff all ``m_k`` are equal)."""
    m = as_array(m, "m", ndim=1)
    if m.size < 2 or np.any(m <= 0):
        raise ValueError("m must hold >= 2 positive mean projections")
    E = pseudo_labels(m.size)
    M = E / m
    return float(np.linalg.norm(M / np.linalg.norm(M) - E / math.sqrt(m.size)))


def mu_d_footnote(K: Any) -> np.ndarray:
    """Footnote 2: ``mu_d <= 1/sqrt(K-1)`` for every data set with ``K`` classes."""
    k = as_array(K, "K")
    if np.any(k < 2):
        raise ValueError("K must be >= 2")
    return 1.0 / np.sqrt(k - 1.0)


def mu_d_upper(K: Any) -> np.ndarray:
    """DERIVED sharp form: ``mu_d <= 1/(K-1)`` (one unit point per class:
    ``0 <= ||sum_k z_k||^2 <= K - K(K-1) mu_d``); equality for simplex-vertex data."""
    k = as_array(K, "K")
    if np.any(k < 2):
        raise ValueError("K must be >= 2")
    return 1.0 / (k - 1.0)


def softmax_uniform_bound(f: Any, K: int) -> np.ndarray:
    """Lemma 1: ``(8/sqrt(K)) ||f||`` for logits ``f`` (rows, last axis of length ``K``);
    valid as a bound on ``||softmax(f) - 1/K||`` when ``||f|| <= 1/4``."""
    K = as_int(K, "K", low=2)
    f = as_array(f, "f")
    if f.shape[-1] != K:
        raise ValueError(f"f must have last axis of length K = {K}, got shape {f.shape}")
    return 8.0 / math.sqrt(K) * np.linalg.norm(f, axis=-1)


def alignment_phase_length(eps: float, h: int, n: int, x_max: float) -> float:
    """``T = log(1/(sqrt(h) eps)) / (4 n X_max)`` (App. C.2)."""
    e = as_scalar(eps, "eps", low=0.0, low_open=True)
    hh = as_int(h, "h", low=1)
    nn = as_int(n, "n", low=1)
    xm = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    if math.sqrt(hh) * e >= 1.0:
        raise ValueError("eps must be < 1/sqrt(h) (otherwise T <= 0)")
    return float(_t_align(e, hh, nn, xm))


def lemma2_bounds(eps: float, h: int, x_max: float) -> tuple[float, float]:
    """Lemma 2 (eq. 28): ``(eps/sqrt(h), 2 eps X_max sqrt(h))`` bounding ``||w_j||^2`` and
    ``||f(x_i)||`` on ``[0, T]``."""
    e = as_scalar(eps, "eps", low=0.0, low_open=True)
    hh = as_int(h, "h", low=1)
    xm = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    return e / math.sqrt(hh), 2.0 * e * xm * math.sqrt(hh)


def lemma3_bound(eps: float, n: int, h: int, x_max: float, K: int, *, printed: bool = False) -> float:
    """Lemma 3 (corrected): ``(16/sqrt(K)) eps n X_max^2 sqrt(h)``; ``printed=True`` gives the
    printed ``X_max`` (first power)."""
    e = as_scalar(eps, "eps", low=0.0, low_open=True)
    nn = as_int(n, "n", low=1)
    hh = as_int(h, "h", low=1)
    xm = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    KK = as_int(K, "K", low=2)
    return 16.0 / math.sqrt(KK) * e * nn * (xm if printed else xm ** 2) * math.sqrt(hh)


def lemma6_bound(B: Any) -> np.ndarray:
    """Lemma 6 (corrected): ``|B_k' + 1/(K-1)| <= sqrt(2 (1 - B_k))`` (``B_k`` in [-1, 1])."""
    B = as_array(B, "B")
    if np.any(np.abs(B) > 1 + 1e-12):
        raise ValueError("B must lie in [-1, 1]")
    return np.sqrt(2.0 * np.clip(1.0 - B, 0.0, None))


def b_boundary(K: int) -> float:
    """Assumption 4's threshold ``1 - 1/(2(K-1))``."""
    KK = as_int(K, "K", low=3)
    return 1.0 - 1.0 / (2.0 * (KK - 1))


def b_max(b: Any, K: int) -> np.ndarray:
    """DERIVED: the largest ``B_k'`` for a unit ``v`` with ``B_k = b``:
    ``-b/(K-1) + sqrt((1 - 1/(K-1)^2)(1 - b^2))``."""
    bb = as_array(b, "b")
    if np.any(np.abs(bb) > 1):
        raise ValueError("b must lie in [-1, 1]")
    KK = as_int(K, "K", low=3)
    return np.asarray(_b_max(bb, KK), dtype=float)


def kappa(K: Any) -> np.ndarray:
    """DERIVED: the sharp factor of Lemma 4 item 1 at the boundary ``B_k = 1 - 1/(2(K-1))``
    (``eps -> 0``, worst case): ``(1/(K-1) + b B_max(b)) / (1 - b^2)``. ``kappa(5) = 2``."""
    k = as_array(K, "K")
    if np.any(k < 3) or np.any(k != np.round(k)):
        raise ValueError("K must hold integers >= 3")
    return np.asarray(_kappa(k), dtype=float)


def lemma10_bound(beta_: Any) -> np.ndarray:
    """Lemma 10's right-hand side ``sqrt(1 - beta^2)`` (``beta in [0, 1]``)."""
    bt = as_array(beta_, "beta")
    if np.any(bt < 0) or np.any(bt > 1):
        raise ValueError("beta must lie in [0, 1]")
    return np.sqrt(1.0 - bt ** 2)


def _prop1_args(x_max, x_min, mu_d_, mu_s_, K_):
    xM = as_scalar(x_max, "x_max", low=0.0, low_open=True)
    xm = as_scalar(x_min, "x_min", low=0.0, low_open=True)
    if xm > xM:
        raise ValueError("x_min must not exceed x_max")
    md = as_scalar(mu_d_, "mu_d", low=0.0, low_open=True, high=1.0)
    ms = as_scalar(mu_s_, "mu_s", low=0.0, low_open=True, high=1.0)
    return xM, xm, md, ms, as_int(K_, "K", low=3)


def prop1_ratio(x_max: float, x_min: float, mu_d: float, mu_s: float) -> float:
    """``X_max^2 / (X_min^2 mu_d mu_s^2)`` (Prop. 1's printed data condition: ``< 2K - 3``)."""
    xM, xm, md, ms, _ = _prop1_args(x_max, x_min, mu_d, mu_s, 3)
    return xM ** 2 / (xm ** 2 * md * ms ** 2)


def prop1_condition_printed(x_max: float, x_min: float, mu_d: float, mu_s: float, K: int) -> bool:
    """Prop. 1 as printed: ``X_max^2 / (X_min^2 mu_d mu_s^2) < 2K - 3``."""
    xM, xm, md, ms, KK = _prop1_args(x_max, x_min, mu_d, mu_s, K)
    return bool(xM ** 2 / (xm ** 2 * md * ms ** 2) < 2 * KK - 3)


def prop1_condition_proof(x_max: float, x_min: float, mu_d: float, mu_s: float, K: int) -> bool:
    """The condition Prop. 1's proof uses in (48)/(50):
    ``mu_d mu_s X_min^2 (1 - 1/(2(K-1))) >= 2 X_max^2/(K-1)``. DERIVED: never satisfied,
    because ``mu_d <= 1/(K-1)``, ``mu_s <= 1`` and ``X_min <= X_max``."""
    xM, xm, md, ms, KK = _prop1_args(x_max, x_min, mu_d, mu_s, K)
    return bool(md * ms * xm ** 2 * (1 - 1 / (2 * (KK - 1))) >= 2 * xM ** 2 / (KK - 1))


# -- judge helpers --------------------------------------------------------------------------
def _each(judge: Callable, label: str = "") -> Callable:
    """Apply ``judge`` to every sub-mapping of the evidence (one per run or instance) and
    combine like :func:`theorems.judges.all_of`."""

    def run(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        keys = [k for k, v in evidence.items() if isinstance(v, Mapping)]
        if not keys:
            raise ValueError("evidence holds no parts (a mapping of named sub-evidences is expected)")
        return judges.all_of(*[judges.part(k, judge, f"{label}{k}") for k in keys])(claim, evidence, **params)

    return run


def _present(**parts: Callable) -> Callable:
    """Like :func:`theorems.judges.all_of` over :func:`theorems.judges.part`, applied to the
    parts that the evidence holds (at least one); e.g. the binary case has no Gram part."""

    def run(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        keys = [k for k in parts if k in evidence]
        if not keys:
            raise ValueError(f"evidence holds none of the parts {sorted(parts)}")
        return judges.all_of(*[judges.part(k, parts[k]) for k in keys])(claim, evidence, **params)

    return run


def _need(evidence: Mapping[str, Any], *keys: str) -> list:
    for k in keys:
        if k not in evidence:
            raise ValueError(f"evidence lacks the key {k!r}")
    return [evidence[k] for k in keys]


def _windowed(inner: Callable) -> Callable:
    """Restrict a bound to ``t <= horizon * T`` (``horizon`` a claim constant; ``inf`` for
    "all t") before judging it with ``inner``."""

    def run(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        inputs = evidence.get("inputs", {})
        if "t" not in inputs or "T" not in inputs:
            raise ValueError("evidence['inputs'] needs 't' and 'T'")
        t = np.asarray(inputs["t"], dtype=float)
        mask = t <= float(claim.constants["horizon"]) * float(inputs["T"])
        v = inner(claim, {**evidence, "mask": mask, "x": t}, **params)
        return Verdict(v.outcome, v.theoretical, v.measured, v.margin,
                       v.reason + f" (window t <= {claim.constants['horizon']} T)", (0.0, float(np.max(t[mask])))
                       if mask.any() else None, v.worst, v.tolerance)

    return run


def _cos_at_least(tol: float, target: Callable[..., np.ndarray]) -> Callable:
    """``|cos(measured vector, target vector)| >= 1 - tol``; ``target(**constants, **inputs)``."""

    def run(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        m = np.asarray(_need(evidence, "measured")[0], dtype=float).reshape(-1)
        th = np.asarray(target(**{**claim.constants, **evidence.get("inputs", {})}), dtype=float).reshape(-1)
        if m.shape != th.shape:
            return Verdict(Outcome.FAILS, None, None, 0.0, f"shape mismatch {m.shape} vs {th.shape}")
        c = abs(float(m @ th)) / (np.linalg.norm(m) * np.linalg.norm(th))
        ok = c >= 1.0 - tol
        return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, 1.0, c, tol / max(1.0 - c, 1e-300),
                       f"|cos| = {c:.10f} vs required >= 1 - {tol:g}", tolerance=tol)

    return run


def _rows_min_cos(tol: float) -> Callable:
    """``min_j cos(b_j, target_{k(j)}) >= 1 - tol`` over the live neurons of each group, the
    target vectors chosen by the constant ``label_vectors`` (``"pseudo"``: ``e~_k``,
    ``"onehot"``: ``e_k``)."""

    def run(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        B, groups = _need(evidence, "B", "groups")
        B = np.asarray(B, dtype=float)
        g = np.asarray(groups)
        Kc = B.shape[0]
        T = pseudo_labels(Kc) if claim.constants["label_vectors"] == "pseudo" else np.eye(Kc)
        Bn = B / np.linalg.norm(B, axis=0)
        c = np.sum(Bn * T[:, g], axis=0)
        worst = int(np.argmin(c))
        ok = bool(np.all(c >= 1.0 - tol))
        return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, 1.0, float(c[worst]),
                       tol / max(1.0 - float(c[worst]), 1e-300),
                       f"min_j cos(b_j, {claim.constants['label_vectors']} label) = {c[worst]:.12f} "
                       f"(neuron {worst}); required >= 1 - {tol:g}", worst=worst, tolerance=tol)

    return run


# -- theory functions (read the claim's constants) -------------------------------------------
def _mu_d_theory(K, factor, power, **_):
    return factor / (np.asarray(K, dtype=float) - 1.0) ** power


def _drift_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    w2, v2, bound = _need(evidence, "w2", "v2", "bound")
    s = float(claim.constants["v_sign"])
    q = np.asarray(w2, dtype=float) - s * np.asarray(v2, dtype=float)
    drift = np.abs(q - q[0])
    sub = {"measured": drift, "inputs": {"bound": np.asarray(bound, dtype=float)}, "x": evidence.get("x")}
    # atol: the round-off of ||w||^2 - ||v||^2 (O(1e-2)) accumulated over 5000 steps.
    return judges.upper_bound(atol=1e-12, theory=lambda bound, factor, **_: factor * bound)(claim, sub)


def _shares(gammas, share_power, **_):
    g = np.asarray(gammas, dtype=float)
    w = g ** (-float(share_power))
    return w / (2.0 * np.sum(w))


def _thm1_margin(gammas, binary, share_power, **_):
    g = np.asarray(gammas, dtype=float)
    c = 1.0 if binary else math.sqrt(g.size / (g.size - 1.0))
    return c * float(np.min(_shares(g, share_power) * g))


def _gram_target(K, offdiag, **_):
    c = 0.0 if offdiag == "orthogonal" else -1.0 / (K - 1.0)
    return (1.0 - c) * np.eye(K) + c * np.ones((K, K))


def _classifier_theory(s, phi_bar, project, binary, **_):
    P = np.asarray(phi_bar, dtype=float) * np.asarray(s, dtype=float)
    if binary:  # columns in label order (-1, +1)
        return (P[:, 1] - P[:, 0]) if project else (P[:, 1] + P[:, 0])
    return pseudo_labels(P.shape[1]) @ P.T if project else P.T


def _classifier_gram_theory(s, phi_bar, gram_form, **_):
    P = np.asarray(phi_bar, dtype=float) * np.asarray(s, dtype=float)
    Kc = P.shape[1]
    C = np.eye(Kc) - np.ones((Kc, Kc)) / Kc
    M = P.T @ P if gram_form == "PhiT_Phi" else P @ P.T
    if M.shape != (Kc, Kc):
        # Phi_bar Phi_bar^T is h x h: (I - 11^T/K) (h x h) (I - 11^T/K) does not type-check.
        return np.full(M.shape, np.nan)
    return Kc / (Kc - 1.0) * C @ M @ C


def _binary_separation_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    P, y, sign, steps, ev = _need(evidence, "patterns", "y", "sign", "steps", "event_steps")
    P = np.asarray(P, dtype=bool)
    pos = np.asarray(y) > 0
    sign = np.asarray(sign)
    steps = np.asarray(steps)
    minus_target = ~pos if claim.constants["minus_block"] == "own" else pos
    plus_j, minus_j = sign > 0, sign < 0
    dead = ~P.any(axis=1)                                       # (T, h)
    sel_p = np.all(P == pos[None, :, None], axis=1) & plus_j    # W_+ block pattern
    sel_m = np.all(P == minus_target[None, :, None], axis=1) & minus_j
    ok = np.all(sel_p | sel_m | dead, axis=1) & sel_p.any(axis=1) & sel_m.any(axis=1)
    if claim.constants["from_start"]:
        first = 0
        if not ok[0]:
            return Verdict(Outcome.FAILS, 0.0, None, 0.0, "the sign conditions do not hold at t = 0")
    elif not ok.any():
        return Verdict(Outcome.FAILS, None, None, 0.0,
                       f"the sign conditions (W_- block '{claim.constants['minus_block']}') never hold")
    else:
        first = int(np.argmax(ok))
    same_sets = np.all(sel_p[first:] == sel_p[first], axis=1) & np.all(sel_m[first:] == sel_m[first], axis=1)
    later_events = int(np.sum(np.asarray(ev) > steps[first]))
    good = bool(np.all(ok[first:]) and np.all(same_sets) and later_events == 0)
    reason = (f"T* at step {int(steps[first])}; conditions hold at {int(np.sum(ok[first:]))}/{ok.size - first} later "
              f"samples, |N~_+| = {int(sel_p[first].sum())}, |N~_-| = {int(sel_m[first].sum())}, "
              f"activation changes after T*: {later_events}")
    return Verdict(Outcome.HOLDS if good else Outcome.FAILS, None, float(steps[first]), None, reason)


def _lemma4_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    Ks, ratio, dev, dB = (np.asarray(a, dtype=float) for a in _need(evidence, "K", "ratio", "min_dev", "dB0"))
    c = claim.constants
    thr = (np.maximum(c["base"], kappa(Ks)) if c["use_kappa"] else np.full(Ks.shape, float(c["base"]))) + c["shift"]
    sel = ratio >= thr
    if not sel.any():
        return Verdict(Outcome.INCONCLUSIVE, None, None, None, "no configuration satisfies the hypothesis")
    atol = 1e-12  # round-off of the renormalised Euler step on B_k (measured 3e-16)
    bad = sel & ((dev < -atol) | (dB < -atol))
    worst = int(np.argmin(np.where(sel, np.minimum(dev, dB), np.inf)))
    reason = (f"{int(sel.sum())} configurations with A-ratio >= threshold; B_k fell below the boundary in "
              f"{int(bad.sum())} (worst: K = {int(Ks[worst])}, ratio {ratio[worst]:.4f}, "
              f"min(B_k - b) = {dev[worst]:.3g}, dB_k/dt(0) = {dB[worst]:.3g})")
    return Verdict(Outcome.FAILS if bad.any() else Outcome.HOLDS, float(thr[worst]), float(dev[worst]), None,
                   reason, worst=worst, tolerance=atol)


def _lemma5_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    steps, Bk, excl, live, last_ev = _need(evidence, "steps", "Bk", "exclusive", "live", "last_event")
    steps = np.asarray(steps)
    Bk = np.asarray(Bk, dtype=float)
    excl = np.asarray(excl, dtype=bool)
    live = np.asarray(live, dtype=bool)
    last_ev = np.asarray(last_ev)
    thr = float(claim.constants["threshold"])
    atol = 1e-12  # B_k is a cosine of unit vectors: round-off only
    checked, bad, worst_B = 0, [], 1.0
    for j in range(Bk.shape[1]):
        if claim.constants["window"] == "after_separation":
            if not excl[:, j].any():
                continue
            first = int(np.argmax(excl[:, j]))
        else:
            if not live[j]:
                continue
            first = 0
        checked += 1
        wb = float(np.min(Bk[first:, j]))
        worst_B = min(worst_B, wb)
        if not (np.all(excl[first:, j]) and wb >= thr - atol and last_ev[j] <= steps[first]):
            bad.append(j)
    if checked == 0:
        return Verdict(Outcome.INCONCLUSIVE, None, None, None, "no neuron reached exclusive activation")
    reason = (f"{checked} neurons checked from {claim.constants['window'].replace('_', ' ')}; "
              f"min B_k = {worst_B:.6f} (bound {thr:.6f}); violations: {bad[:8]}")
    return Verdict(Outcome.FAILS if bad else Outcome.HOLDS, thr, worst_B, None, reason, tolerance=atol)


def _lemma12_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    vals, sv = _need(evidence, "values", "sv_spans")
    dom = claim.constants["domain"]
    v = np.asarray(vals[dom], dtype=float)
    sv = np.asarray(sv, dtype=bool)
    sel = sv if claim.constants["needs_sv_span"] else np.ones_like(sv)
    if not sel.any():
        return Verdict(Outcome.INCONCLUSIVE, None, None, None, "no class satisfies the hypothesis")
    tol = 1e-6  # the card's positivity threshold; the values are exact (vertex enumeration)
    vs = v[sel]
    ok = bool(np.all(vs > tol))
    names = np.asarray(evidence.get("names", np.arange(v.size)))[sel]
    worst = int(np.argmin(vs))
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, tol, float(vs[worst]), None,
                   f"gamma_perp over '{dom}' on {int(sel.sum())} classes: min {vs[worst]:.4g} at {names[worst]}",
                   worst=str(names[worst]), tolerance=tol)


def _prop1_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    steps, allx, last_ev = _need(evidence, "steps", "all_exclusive", "last_event")
    steps = np.asarray(steps)
    allx = np.asarray(allx, dtype=bool)
    if claim.constants["from_start"]:
        first = 0
        if not allx[0]:
            return Verdict(Outcome.FAILS, 0.0, None, 0.0, "not every live neuron is exclusive at t = 0")
    elif not allx.any():
        return Verdict(Outcome.FAILS, None, None, 0.0, "separation is never reached")
    else:
        first = int(np.argmax(allx))
    ok = bool(np.all(allx[first:]) and int(last_ev) <= steps[first])
    t_star = evidence.get("times", steps)[first]
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, None, float(t_star), None,
                   f"separation at step {int(steps[first])} (t = {float(t_star):.4g}); last activation change at "
                   f"step {int(last_ev)}; exclusive at {int(np.sum(allx[first:]))}/{allx.size - first} later samples")


def _fig3_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    raw, feat, off, within, vcos, acc = (float(x) for x in _need(
        evidence, "raw_pca", "feature_pca", "offdiag_cos", "within_cos", "v_cos", "accuracy"))
    c = claim.constants
    if c["feature_like_raw"]:
        checks = {"feature PCA(3) error ~ raw": abs(feat - raw) <= 0.25 * raw}
    else:
        checks = {"feature PCA(3) error": feat <= c["feature_pca_max"]}
    checks.update({
        "raw PCA(3) error in range": c["raw_pca_range"][0] <= raw <= c["raw_pca_range"][1],
        "class means orthogonal": off <= c["offdiag_max"],
        "directional collapse": within >= c["within_min"],
        "output weights on pseudo-labels": vcos >= c["v_cos_min"],
        "training accuracy": acc >= c["accuracy_min"],
    })
    failed = [k for k, v in checks.items() if not v]
    reason = (f"raw {raw:.3f}, features {feat:.4f}, max class-mean cos {off:.3f}, within-class cos {within:.4f}, "
              f"cos(v_j, e~_k) {vcos:.4f}, accuracy {acc:.3f}" + (f"; failed: {failed}" if failed else ""))
    return Verdict(Outcome.FAILS if failed else Outcome.HOLDS, c["feature_pca_max"], feat, None, reason)


def _bias_rule(max_cross, rule, **_):
    m = np.asarray(max_cross, dtype=float)
    return (m < -1.0).astype(float) if rule == "inner_below_minus_one" else np.ones_like(m)


# -- claims ----------------------------------------------------------------------------------
_S = PAPER.slug

mu_d_bound = Claim(
    id=f"{_S}.mu_d_bound",
    paper=_S,
    where="Assumption 1, footnote 2",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="No data set satisfies Assumption 1 with mu_d > 1/sqrt(K-1) (sharp DERIVED form: 1/(K-1))",
    statement=sp.LessThan(mu_d, MU_D_FOOTNOTE),
    theory_fn=_mu_d_theory,
    constants={"factor": 1.0, "power": 0.5},
    assumptions=(Assumption("K >= 2 classes, every class non-empty"),),
    # Bounds on cosines are exact inequalities: 1e-12 absolute covers round-off. The sharp
    # part compares an L-BFGS maximum with 1/(K-1) to 1e-8 (optimiser tolerance).
    judge_fn=judges.all_of(
        judges.part("simplex", judges.upper_bound(atol=1e-12)),
        judges.part("optimised", judges.upper_bound(atol=1e-12)),
        judges.part("random", judges.upper_bound(atol=1e-12)),
        judges.part("sharp", judges.agree(rtol=1e-8, theory=lambda K, **_: mu_d_upper(K))),
    ),
    note="True but not sharp: every data set has mu_d <= 1/(K-1) (DERIVED, one unit point per class: "
         "0 <= ||sum_k z_k||^2 <= K - K(K-1) mu_d), attained by simplex-vertex data; for K = 2 the two coincide.",
    false_variant={"title": "mu_d <= 1/(2(K-1))", "constants": {"factor": 0.5, "power": 1.0}},
)

balancedness = Claim(
    id=f"{_S}.balancedness",
    paper=_S,
    where="Assumption 2, Remark 2",
    kind=Kind.INVARIANT,
    status=Status.AS_PRINTED,
    title="||w_j||^2 - ||v_j||^2 is conserved by gradient flow (so a balanced start stays balanced)",
    statement=sp.Eq(sp.Symbol(r"\frac{d}{dt}(\|w_j\|^2-\|v_j\|^2)"), 0),
    theory_fn=lambda bound, factor, **_: factor * np.asarray(bound),
    constants={"v_sign": 1.0, "factor": 1.0},
    assumptions=(Assumption("bias-free ReLU network (any subgradient at 0)"),),
    # Gradient descent with step eta changes ||w_j||^2 - ||v_j||^2 by exactly
    # eta^2 (||g_wj||^2 - ||g_vj||^2) per step (the O(eta) terms cancel by the flow's
    # conservation law), so the drift is bounded by eta^2 sum_steps (||g_wj||^2 + ||g_vj||^2).
    judge_fn=_each(_drift_judge),
    note="Checked on gradient descent: the conserved quantity of the flow drifts only at O(eta^2) per step; the "
         "check bounds the drift by the exact second-order term.",
    false_variant={"title": "||w_j||^2 + ||v_j||^2 is conserved", "constants": {"v_sign": -1.0}},
)

_THM1_ASSUMPTIONS = (
    Assumption("Assumption 1 (orthogonal separability)"),
    Assumption("Assumption 2: balanced init at scale eps, eps small (log eps = -30 here)"),
    Assumption("binary: Assumption 3; K > 2: Assumption 4 (semi-local init) and Prop. 1's printed condition",
               lambda ratio=None, K=None, **_: ratio is None or ratio < 2 * K - 3),
)

thm1_directional_collapse = Claim(
    id=f"{_S}.thm1_directional_collapse",
    paper=_S,
    where="Theorem 1 (1), Sec. 3",
    kind=Kind.LIMIT,
    status=Status.AS_PRINTED,
    title="phi_theta_bar(x_i) = <s_k u_k, x_i> phi_bar_k with s_k = sqrt(gamma_k^-1 / (2 sum gamma^-1))",
    statement=sp.Eq(sp.Symbol("s_k") ** 2, gamma ** -1 / (2 * sp.Symbol(r"\sum_{k'}\gamma_{k'}^{-1}"))),
    theory_fn=_shares,
    constants={"share_power": 1.0},
    assumptions=_THM1_ASSUMPTIONS,
    # 2 % relative on the margin and the shares (the card's tolerance): the runs stop at
    # |log L| = 1e4 with a stable 1/loss step, where the measured gap is <= 2e-4 relative;
    # the tolerance covers the random instances of the property test and the false variant
    # is off by >= 5 %. 1e-8 on the within-class cosine, exact (1 - 1e-16) after separation.
    judge_fn=_each(judges.all_of(
        judges.part("margin", judges.agree(rtol=0.02, theory=_thm1_margin)),
        judges.part("shares", judges.agree(rtol=0.02, relative_to="point", theory=_shares)),
        judges.part("cosine", judges.lower_bound(atol=1e-8, theory=lambda **_: 1.0)),
    )),
    note="DERIVED consequences checked with it: the normalised margin tends to 1/(2(gamma_+^-1 + gamma_-^-1)) "
         "(binary) or sqrt(K/(K-1))/(2 sum_k gamma_k^-1) (K classes), and class k's squared-norm share is "
         "2 s_k^2 = gamma_k^-1 / sum gamma^-1. Variance-based NC1 does not vanish (the lengths <s_k u_k, x_i> "
         "differ within a class); directional collapse is measured by within-class cosines.",
    false_variant={"title": "equal shares s_k^2 = 1/(2|K|) (and margin sqrt(K/(K-1)) min_k gamma_k / (2K))",
                   "constants": {"share_power": 0.0}},
)

thm1_orthogonal_means = Claim(
    id=f"{_S}.thm1_orthogonal_means",
    paper=_S,
    where="Theorem 1 (2), Sec. 3",
    kind=Kind.LIMIT,
    status=Status.AS_PRINTED,
    title="Class-mean feature directions are non-negative and mutually orthogonal (not a simplex ETF)",
    statement=sp.Eq(sp.Symbol(r"\langle\bar\phi_k,\bar\phi_{k'}\rangle"), 0),
    theory_fn=_gram_target,
    constants={"offdiag": "orthogonal"},
    assumptions=_THM1_ASSUMPTIONS,
    # After separation different classes activate disjoint neuron sets, so the Gram matrix
    # is exact: 1e-12 absolute is round-off.
    judge_fn=_each(judges.all_of(
        judges.part("gram", judges.agree(rtol=0.0, atol=1e-12, theory=_gram_target)),
        judges.part("nonneg", judges.lower_bound(atol=0.0, theory=lambda **_: 0.0)),
    )),
    false_variant={"title": "class means form a simplex ETF (pairwise cosine -1/(K-1))",
                   "constants": {"offdiag": "simplex"}},
)

thm1_self_duality = Claim(
    id=f"{_S}.thm1_self_duality",
    paper=_S,
    where="Theorem 1 (3), Sec. 3",
    kind=Kind.LIMIT,
    status=Status.CORRECTED,
    title="V_bar = E~ Phi_bar^T, hence V_bar V_bar^T = (K/(K-1)) (I - 11^T/K) Phi_bar^T Phi_bar (I - 11^T/K)",
    statement=r"\bar V=\tilde E\bar\Phi^\top,\quad \bar V\bar V^\top=\tfrac{K}{K-1}(I-\tfrac{1}{K}11^\top)"
              r"\bar\Phi^\top\bar\Phi(I-\tfrac{1}{K}11^\top)=\tilde E\,\mathrm{diag}(s_k^2)\tilde E^\top",
    constants={"project": True, "gram_form": "PhiT_Phi"},
    assumptions=_THM1_ASSUMPTIONS,
    # The classifier identity is exact once the sub-networks are rank one; the run stops
    # where the rank-one error is ~1e-15 and |cos(u_j, u_k)| differs from 1 by <= 1e-4,
    # which moves V_bar by <= 1e-6 relative. NC3 is compared with its DERIVED value at the
    # measured rank-one directions (m_k from the top left singular vector of W_bar_k).
    judge_fn=_each(_present(
        classifier=judges.agree(rtol=1e-6, theory=_classifier_theory),
        gram=judges.agree(rtol=1e-6, theory=_classifier_gram_theory),
        nc3=judges.agree(rtol=1e-6, atol=1e-9, theory=lambda m, **_: nc3_limit(m)),
    )),
    note="Typo corrected: the paper writes Phi_bar Phi_bar^T (h x h), which does not fit between the K x K "
         "centring matrices; Phi_bar^T Phi_bar = diag(s_k^2) is the 'diagonal matrix with positive diagonal' the "
         "text describes. DERIVED: NC3 at the limit equals ||M/||M|| - E~/sqrt(K)|| with M = E~ diag(1/m_k), "
         "m_k = mean_{i in I_k} <u_k, x_i> (zero only when the m_k coincide).",
    uncertain="NC3's normalisation in App. B.2 (V Phi^+ does not type-check; target E~/sqrt(K-1) is not unit-norm): "
              "the unit-norm target (I - 11^T/K)/sqrt(K-1) = E~/sqrt(K) and M = V (Phi^T)^+ are used.",
    printed={"title": "V_bar V_bar^T = (K/(K-1)) (I - 11^T/K) Phi_bar Phi_bar^T (I - 11^T/K) (as printed)",
             "constants": {"gram_form": "Phi_PhiT"}},
    false_variant={"title": "self-duality without projection: V_bar = Phi_bar^T (binary: s_+ phi_+ + s_- phi_-)",
                   "constants": {"project": False}},
)

claim_binary_separation = Claim(
    id=f"{_S}.claim_binary_separation",
    paper=_S,
    where="Sec. 4.1, Claim (eq. 10)",
    kind=Kind.PHENOMENON,
    status=Status.CORRECTED,
    title="After T*: W_+ is active exactly on I_+, W_- exactly on I_-, the other neurons are dead",
    statement=r"\exists T^*:\ \forall t\ge T^*,\ W_+^\top x_i>0\ (i\in I_+),\ \le0\ (i\in I_-);\ "
              r"W_-^\top x_i>0\ (i\in I_-),\ \le0\ (i\in I_+);\ W_c^\top x_i\le0",
    constants={"minus_block": "own", "from_start": False},
    assumptions=(Assumption("Assumptions 1-3, eps small (log eps = -30 here)"),),
    # Patterns are exact booleans; the exact cross-class feature Gram is 0 by disjoint supports.
    judge_fn=judges.all_of(
        judges.part("patterns", _binary_separation_judge),
        judges.part("cross_gram", judges.upper_bound(atol=0.0, theory=lambda **_: 0.0)),
    ),
    note="Erratum: eq. (10) prints the W_- block reversed (<= 0 on I_-, > 0 on I_+), contradicting the feature "
         "formula that follows it and eq. (14).",
    printed={"title": "eq. (10) as printed: W_-^T x_i <= 0 on I_-, > 0 on I_+", "constants": {"minus_block": "other"}},
    false_variant={"title": "the sign conditions hold from t = 0", "constants": {"from_start": True}},
)

claim_binary_rank_one = Claim(
    id=f"{_S}.claim_binary_rank_one",
    paper=_S,
    where="Sec. 4.1, eqs. (12)-(15)",
    kind=Kind.LIMIT,
    status=Status.AS_PRINTED,
    title="W_bar_+- = s_+- u_+- g_+-^T and V_bar_+- = +-s_+- g_+-^T (rank-one class sub-networks)",
    statement=r"\bar W_\pm=s_\pm u_\pm g_\pm^\top,\ \bar V_+=s_+g_+^\top,\ \bar V_-=-s_-g_-^\top",
    constants={"direction": "max_margin"},
    assumptions=(Assumption("Assumptions 1-3, eps small"),),
    # sigma_2/sigma_1 <= 1e-6 and the Ji-Telgarsky identity to 1e-6 (measured ~1e-15);
    # |cos| >= 0.9999: the left singular vector converges like 1/|log L| (stop at 1e4).
    judge_fn=_each(judges.all_of(
        judges.part("ratio", judges.upper_bound(atol=1e-6, theory=lambda **_: 0.0)),
        judges.part("direction", _cos_at_least(1e-4, lambda direction, u, xbar, **_:
                                                u if direction == "max_margin" else xbar)),
        judges.part("dual", judges.upper_bound(atol=1e-6, theory=lambda **_: 0.0)),
    )),
    false_variant={"title": "the left singular vector is the class-mean direction x_bar_+- (the early attractor)",
                   "constants": {"direction": "class_mean"}},
)

lemma1_softmax = Claim(
    id=f"{_S}.lemma1_softmax",
    paper=_S,
    where="Lemma 1, App. C.1",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="||softmax(f) - 1/K|| <= (8/sqrt(K)) ||f|| for ||f|| <= 1/4",
    statement=sp.LessThan(sp.Symbol(r"\|\hat y-\tfrac1K\mathbf 1\|"), LEMMA1_BOUND),
    theory_fn=lambda K, fnorm, num, kpow, **_: num / np.asarray(K, dtype=float) ** kpow * np.asarray(fnorm),
    constants={"num": 8.0, "kpow": 0.5},
    assumptions=(Assumption("||f|| <= 1/4", lambda fnorm=None, **_: fnorm is None or np.all(np.asarray(fnorm) <= 0.25)),),
    judge_fn=judges.upper_bound(rtol=1e-12),  # an exact inequality: round-off only
    note="Loose by about 8 sqrt(K): near 0, ||y^ - 1/K|| ~ ||f - mean(f)|| / K.",
    false_variant={"title": "constant 1/(2K) instead of 8/sqrt(K)", "constants": {"num": 0.5, "kpow": 1.0}},
)

lemma2_norms = Claim(
    id=f"{_S}.lemma2_norms",
    paper=_S,
    where="Lemma 2, App. C.2 (eq. 28)",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="On [0, T]: ||w_j||^2 <= eps/sqrt(h) and ||f(x_i)|| <= 2 eps X_max sqrt(h)",
    statement=sp.And(sp.LessThan(sp.Symbol(r"\|w_j\|^2"), LEMMA2_W),
                     sp.LessThan(sp.Symbol(r"\|f(x_i)\|"), LEMMA2_F)),
    constants={"horizon": 1.0},
    assumptions=(
        Assumption("balanced init with ||w_j0|| <= 1 (used silently in the proof)"),
        Assumption("eps <= min(sqrt(K), 1)/(16 X_max sqrt(h)) (Lemma 1 needs 2 eps X_max sqrt(h) <= 1/4)",
                   lambda eps=None, K=None, x_max=None, h=None, **_:
                   eps is None or eps <= min(math.sqrt(K), 1.0) / (16 * x_max * math.sqrt(h))),
    ),
    # An exact bound: 1e-9 relative covers the Euler error of the log-norm (dt = 1e-3).
    judge_fn=_each(judges.all_of(
        judges.part("w", _windowed(judges.upper_bound(rtol=1e-9, theory=lambda eps, h, **_: eps / math.sqrt(h)))),
        judges.part("f", _windowed(judges.upper_bound(
            rtol=1e-9, theory=lambda eps, h, x_max, **_: 2 * eps * x_max * math.sqrt(h)))),
    )),
    note="Caveats: the proof uses ||w_j0|| <= 1, and applies Lemma 1, which needs eps <= 1/(8 X_max sqrt(h)); "
         "for K >= 5 Lemma 2's own condition eps <= sqrt(K)/(16 X_max sqrt(h)) does not imply it.",
    false_variant={"title": "the same bounds for all t (past T)", "constants": {"horizon": math.inf}},
)

lemma3_alignment = Claim(
    id=f"{_S}.lemma3_alignment",
    paper=_S,
    where="Lemma 3, App. C.2 (eqs. 16-17, 34)",
    kind=Kind.BOUND,
    status=Status.CORRECTED,
    title="On [0, T] the direction dynamics are those with y^ = 1/K up to (16/sqrt(K)) eps n X_max^2 sqrt(h)",
    statement=sp.LessThan(sp.Symbol(r"\|\dot{\hat w}_j-\Pi^\perp_{w_j}(\ldots)\|"), LEMMA3_BOUND),
    constants={"horizon": 1.0, "xpow": 2.0},
    assumptions=(Assumption("eps <= 1/(16 X_max sqrt(h))",
                            lambda eps=None, x_max=None, h=None, **_: eps is None or eps <= 1 / (16 * x_max * math.sqrt(h))),),
    # An exact bound on the vector field at each recorded state: round-off only (1e-9 relative).
    judge_fn=_each(judges.all_of(*[
        judges.part(key, _windowed(judges.upper_bound(
            rtol=1e-9, theory=lambda eps, n, h, x_max, K, xpow, **_:
            16 / math.sqrt(K) * eps * n * x_max ** xpow * math.sqrt(h))))
        for key in ("dU", "dB")])),
    note="Erratum: the statement prints X_max; the proof (eq. 34) ends with X_max^2 (the error is "
         "sum_i ||x_i|| ||1/K - y^_i|| <= n X_max (8/sqrt(K)) 2 eps X_max sqrt(h)). The printed form is not "
         "numerically falsifiable: the bound is loose by > 1e4.",
    printed={"title": "as printed: (16/sqrt(K)) eps n X_max sqrt(h)", "constants": {"xpow": 1.0}},
    false_variant={"title": "the same bound for all t (past T)", "constants": {"horizon": math.inf}},
)

pseudo_label_identity = Claim(
    id=f"{_S}.pseudo_label_identity",
    paper=_S,
    where="Sec. 4.2 (used in eqs. 16-17, 33-34)",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="y - 1/K = sqrt((K-1)/K) E~ y; columns of E~ are unit, pairwise -1/(K-1), sum 0; ||E~||_F = sqrt(K)",
    statement=sp.Eq(sp.Symbol(r"y-\tfrac1K\mathbf1"), sp.sqrt((K - 1) / K) * sp.Symbol(r"\tilde E y")),
    constants={"power": 1.0},
    judge_fn=_each(judges.all_of(
        judges.part("identity", judges.agree(rtol=0.0, atol=1e-14, theory=lambda K, power, **_:
                                             math.sqrt((K - 1) / K) ** power * pseudo_labels(K))),
        judges.part("gram", judges.agree(rtol=0.0, atol=1e-14, theory=lambda K, **_:
                                         (K / (K - 1)) * np.eye(K) - np.ones((K, K)) / (K - 1))),
        judges.part("colsum", judges.agree(rtol=0.0, atol=1e-14, theory=lambda K, **_: np.zeros(K))),
        judges.part("frobenius", judges.agree(rtol=1e-14, theory=lambda K, **_: math.sqrt(K))),
    )),
    false_variant={"title": "y - 1/K = E~ y (factor dropped)", "constants": {"power": 0.0}},
)

lemma6_pseudo_label_geometry = Claim(
    id=f"{_S}.lemma6_pseudo_label_geometry",
    paper=_S,
    where="Lemma 6, App. C.3.1",
    kind=Kind.BOUND,
    status=Status.CORRECTED,
    title="|B_k' + 1/(K-1)| <= sqrt(2 (1 - B_k)) for unit v and k' != k",
    statement=sp.LessThan(sp.Symbol(r"|B_{k'}+\tfrac{1}{K-1}|"), LEMMA6_BOUND),
    theory_fn=lambda Bk, c, p, **_: (c * np.clip(1.0 - np.asarray(Bk), 0.0, None)) ** p,
    constants={"c": 2.0, "p": 0.5},
    judge_fn=judges.upper_bound(atol=1e-12),  # exact (triangle + Cauchy-Schwarz): round-off only
    note="Erratum: the proof uses ||v^ - e~_k|| = 2(1 - B_k); for unit vectors ||v^ - e~_k|| = sqrt(2(1 - B_k)). "
         "Counterexample (K = 3): v^ at 30 degrees from e~_1 towards e~_2 gives B_1 = 0.866, B_2 = 0, "
         "left side 0.5 > printed 0.268.",
    printed={"title": "as printed: |B_k' + 1/(K-1)| <= 2 (1 - B_k)", "constants": {"p": 1.0}},
    false_variant={"title": "|B_k' + 1/(K-1)| <= sqrt(1 - B_k) (factor 2 dropped)", "constants": {"c": 1.0}},
)

lemma4_invariance = Claim(
    id=f"{_S}.lemma4_invariance",
    paper=_S,
    where="Lemma 4 item 1, App. C.3",
    kind=Kind.INVARIANT,
    status=Status.CORRECTED,
    title="B_k >= 1 - 1/(2(K-1)) is preserved until T*_{j,k} when A_k >= max(2, kappa(K)) sum_{k' != k} A_k'",
    statement=sp.GreaterThan(B_k, B_BOUNDARY),
    theory_fn=lambda K, base, use_kappa, shift, **_: (np.maximum(base, kappa(K)) if use_kappa else base) + shift,
    constants={"base": 2.0, "use_kappa": True, "shift": 0.0},
    assumptions=(Assumption("eps -> 0 (the direction flow with y^ = 1/K), t <= T*_{j,k}"),),
    judge_fn=_lemma4_judge,
    note="Item 1 is false for K >= 6 under the printed Assumption 4 (factor 2): the sharp DERIVED factor is "
         "kappa(K) = (c + b B_max(b))/(1 - b^2), c = 1/(K-1), b = 1 - 1/(2(K-1)) (kappa(5) = 2, kappa ~ "
         "sqrt(K-1)). Items 2-3 rely on 'B_k' <= 0 by Lemma 6', which needs the false printed Lemma 6; with the "
         "correct Lemma 6 this needs B_k >= sqrt(1 - 1/(K-1)^2). The corrected form here strengthens Assumption "
         "4's second condition to A_k > max(2, kappa(K)) sum A_k'; items 2-3 are measured as phenomena.",
    printed={"title": "as printed: item 1 under A_k > 2 sum_{k' != k} A_k'", "constants": {"use_kappa": False}},
    false_variant={"title": "item 1 under A_k >= (max(2, kappa(K)) - 0.1) sum A_k' (threshold below the sharp one)",
                   "constants": {"shift": -0.1}},
)

lemma5_after_separation = Claim(
    id=f"{_S}.lemma5_after_separation",
    paper=_S,
    where="Lemma 5, App. C.3.2",
    kind=Kind.INVARIANT,
    status=Status.AS_PRINTED,
    title="After T*_{j,k}: B_k >= sqrt(2)/2 and w_j is activated exactly by class k",
    statement=sp.GreaterThan(B_k, sp.sqrt(2) / 2),
    constants={"threshold": math.sqrt(2) / 2, "window": "after_separation"},
    assumptions=(Assumption("Assumptions 1, 2, 4 and Prop. 1's printed condition"),),
    judge_fn=_each(_lemma5_judge),
    note="Typo: '|I_k^{w_j}| = N_k' should read |I_k|. The card's negative control (random initialisation) "
         "cannot discriminate: outside Assumption 4 the B_k-part itself fails after T* (see the docs); the false "
         "variant is the same statement from t = 0.",
    false_variant={"title": "B_k >= sqrt(2)/2 and exclusive activation for all t >= 0",
                   "constants": {"window": "from_start"}},
)

lemma7_geometry = Claim(
    id=f"{_S}.lemma7_geometry",
    paper=_S,
    where="Lemma 7, App. C.3.1",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="||sum_{I_k} a_i x_i|| >= sqrt(mu_s) (sum a_i) X_min and cross-class conic sums have cosine <= -mu_d",
    statement=sp.GreaterThan(sp.Symbol(r"\|\sum_{i\in I_k}a_ix_i\|"), sp.sqrt(mu_s) * sp.Symbol(r"\sum a_i") * X_min),
    constants={"mu_power": 0.5},
    judge_fn=judges.all_of(
        judges.part("norm", judges.lower_bound(rtol=1e-12, theory=lambda sum_a, mu_s, x_min, mu_power, **_:
                                               mu_s ** mu_power * np.asarray(sum_a) * x_min)),
        judges.part("cross", judges.upper_bound(atol=1e-12, theory=lambda norms, mu_d, **_:
                                                -mu_d * np.asarray(norms))),
    ),
    note="The first part needs a_i >= 0 (omitted in the print).",
    false_variant={"title": "||sum a_i x_i|| >= (sum a_i) X_min (sqrt(mu_s) dropped)", "constants": {"mu_power": 0.0}},
)

lemma8_nonpositive_sum = Claim(
    id=f"{_S}.lemma8_nonpositive_sum",
    paper=_S,
    where="Lemma 8, App. C.3.1",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="Pairwise non-positive inner products: ||sum z_i|| <= sqrt(sum ||z_i||^2)",
    statement=sp.LessThan(sp.Symbol(r"\|\sum_iz_i\|"), sp.sqrt(sp.Symbol(r"\sum_i\|z_i\|^2"))),
    theory_fn=lambda sumsq, maxnorm, form, **_: np.sqrt(np.asarray(sumsq)) if form == "l2" else np.asarray(maxnorm),
    constants={"form": "l2"},
    judge_fn=judges.upper_bound(rtol=1e-12),  # exact: round-off only
    false_variant={"title": "||sum z_i|| <= max_i ||z_i||", "constants": {"form": "max"}},
)

lemma10_simplex = Claim(
    id=f"{_S}.lemma10_simplex",
    paper=_S,
    where="Lemma 10, App. C.3.2",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="(1/(K-1)) sum_{k>1} [v]_k - <p, v> <= sqrt(1 - beta^2) for unit v, <v, e~_1> = beta, p on the face",
    statement=sp.LessThan(sp.Symbol(r"\tfrac{1}{K-1}\sum_{k>1}[\bar v]_k-\langle p,\bar v\rangle"), LEMMA10_RHS),
    theory_fn=lambda beta, a, c, **_: (1.0 - np.asarray(beta) ** a) ** c,
    constants={"a": 2.0, "c": 0.5},
    judge_fn=judges.upper_bound(atol=1e-12),  # exact: round-off only
    false_variant={"title": "right side 1 - beta", "constants": {"a": 1.0, "c": 1.0}},
)

lemma11_margin = Claim(
    id=f"{_S}.lemma11_margin",
    paper=_S,
    where="Lemma 11, App. D.2",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="gamma_k >= mu_s X_min",
    statement=sp.GreaterThan(gamma, LEMMA11_RHS),
    theory_fn=lambda mu_s, x_min, p, **_: np.asarray(mu_s) ** p * np.asarray(x_min),
    constants={"p": 1.0},
    judge_fn=judges.lower_bound(atol=1e-9),  # the QP margins are accurate to 1e-9
    false_variant={"title": "gamma_k >= X_min", "constants": {"p": 0.0}},
)

lemma12_gamma_perp = Claim(
    id=f"{_S}.lemma12_gamma_perp",
    paper=_S,
    where="Lemma 12, App. D.2",
    kind=Kind.BOUND,
    status=Status.CORRECTED,
    title="gamma_perp = min_k min { max_{i in I_k} <xi, x_i> : xi in span{x_i : i in I_k}, ||xi|| = 1, xi ⟂ u_k } > 0 "
          "when the support vectors of each class span the span of its data",
    statement=sp.StrictGreaterThan(sp.Symbol(r"\gamma_\perp"), 0),
    constants={"domain": "span", "needs_sv_span": True},
    assumptions=(Assumption("the support vectors of class k span span{x_i : i in I_k} (the paper's remark)"),),
    judge_fn=_lemma12_judge,
    note="As printed xi ranges over all unit vectors orthogonal to u_k; whenever the class data do not span R^D "
         "(e.g. n_k < D) a xi orthogonal to all of them gives 0. Restricting xi to the span of the class data (the "
         "card's correction) is not enough either: when some points are not support vectors, a xi in that span "
         "vanishing on the support vectors and negative on the others also gives 0 (multi_in). The paper's own "
         "remark (support vectors span the class span) is the hypothesis that makes gamma_perp > 0.",
    printed={"title": "as printed: xi over all unit vectors orthogonal to u_k", "constants": {"domain": "full",
                                                                                          "needs_sv_span": False}},
    false_variant={"title": "xi restricted to the class span, for every data set (no support-vector condition)",
                   "constants": {"needs_sv_span": False}},
)

prop1_multiclass_separation = Claim(
    id=f"{_S}.prop1_multiclass_separation",
    paper=_S,
    where="Proposition 1 / Proposition 3, Sec. 4.2 and App. C.3",
    kind=Kind.PHENOMENON,
    status=Status.AS_PRINTED,
    title="K > 2: there is T* after which W_k is active exactly on class k (inter-class separation)",
    statement=r"\exists T^*:\ \forall t\ge T^*,\ W_k(t)^\top x_i>0\ (i\in I_k),\ \le0\ (i\notin I_k)",
    constants={"from_start": False},
    assumptions=(
        Assumption("Prop. 1's printed condition X_max^2/(X_min^2 mu_d mu_s^2) < 2K - 3",
                   lambda ratio=None, K=None, **_: ratio is None or ratio < 2 * K - 3),
        Assumption("Assumptions 1, 2 (log eps = -30), 4 (semi-local init, verified neuron by neuron)"),
    ),
    judge_fn=_each(_prop1_judge),
    note="The conclusion is checked; the proof is invalid as written: (48)/(50) need "
         "mu_d mu_s X_min^2 (1 - 1/(2(K-1))) >= 2 X_max^2/(K-1), which no data set satisfies (mu_d <= 1/(K-1)), "
         "and Lemmas 4 and 6 fail as printed. Live neurons only (a dead neuron is activated by nothing).",
    false_variant={"title": "separation holds from t = 0", "constants": {"from_start": True}},
)

prop2_multiclass_rank_one = Claim(
    id=f"{_S}.prop2_multiclass_rank_one",
    paper=_S,
    where="Proposition 2, App. D",
    kind=Kind.LIMIT,
    status=Status.AS_PRINTED,
    title="W_bar_k = s_k u_k g_k^T and V_bar_k = s_k e~_k g_k^T (rank one, self-dual class sub-networks)",
    statement=r"\bar W_k=s_ku_kg_k^\top,\ \bar V_k=s_k\tilde e_kg_k^\top",
    constants={"label_vectors": "pseudo"},
    assumptions=(Assumption("Assumptions 1, 2, 4 and Prop. 1's printed condition"),),
    # Tolerances of the card: rank-one ratio and V^T V = W^T W to 1e-6 (measured ~1e-15);
    # |cos(left vector, u_k)| >= 0.9999 (converges like 1/|log L|); b_j on e~_k to 1e-9.
    judge_fn=_each(judges.all_of(
        judges.part("ratio", judges.upper_bound(atol=1e-6, theory=lambda **_: 0.0)),
        judges.part("direction", judges.lower_bound(atol=1e-4, theory=lambda **_: 1.0)),
        judges.part("labels", _rows_min_cos(1e-9)),
        judges.part("dual", judges.upper_bound(atol=1e-6, theory=lambda **_: 0.0)),
    )),
    note="Convergence in plain time is logarithmically slow (weights grow like log t); the check follows the orbit "
         "with the 1/loss schedule.",
    false_variant={"title": "V_bar_k proportional to e_k g_k^T (one-hot labels instead of pseudo-labels)",
                   "constants": {"label_vectors": "onehot"}},
)

bias_extension = Claim(
    id=f"{_S}.bias_extension",
    paper=_S,
    where="App. A",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="With biases the results hold if [x_i; 1] is orthogonally separable; a cross pair stays negative iff "
          "<x_i, x_j> < -1 (DERIVED); mu_d X_min^2 > 1 suffices (DERIVED)",
    statement=BIAS_SUFFICIENT,
    theory_fn=_bias_rule,
    constants={"rule": "inner_below_minus_one"},
    judge_fn=_present(
        rule=judges.agree(rtol=0.0, atol=0.0),   # booleans: exact
        sufficient=judges.lower_bound(atol=0.0, theory=lambda **_: 1.0),
    ),
    note="Same-class pairs only gain (+1); the augmentation hurts cross-class negativity. The card's recipe writes "
         "'min_cross <x_i, x_j> < -1'; separability needs every cross pair below -1, i.e. max_cross < -1.",
    false_variant={"title": "augmentation never breaks orthogonal separability", "constants": {"rule": "never"}},
)

fig3_digits = Claim(
    id=f"{_S}.fig3_digits",
    paper=_S,
    where="Sec. 5, Fig. 3, App. B.1",
    kind=Kind.PHENOMENON,
    status=Status.AS_PRINTED,
    title="Digits {0,1,2}: output weights cluster at e~_k, features collapse to three orthogonal rays "
          "(PCA(3) error ~61% on raw data, ~0.2% on features)",
    statement="NC on MNIST {0,1,2} (offline stand-in: scikit-learn digits {0,1,2})",
    constants={"feature_pca_max": 0.05, "feature_like_raw": False, "raw_pca_range": (0.5, 0.75),
               "offdiag_max": 0.1, "within_min": 0.99, "v_cos_min": 0.98, "accuracy_min": 1.0},
    judge_fn=_fig3_judge,
    note="Offline stand-in: 8x8 digits (n = 537), centred; the paper uses MNIST. Full-batch GD instead of SGD.",
    false_variant={"title": "feature PCA(3) error ~ raw PCA(3) error (no collapse)",
                   "constants": {"feature_like_raw": True}},
)

rmsnorm_nc1 = Claim(
    id=f"{_S}.rmsnorm_nc1",
    paper=_S,
    where="Sec. 5, Figs. 4-5, App. B.2",
    kind=Kind.PHENOMENON,
    status=Status.NOT_CHECKABLE,
    title="RMSNorm before a two-layer ReLU classifier markedly lowers NC1 (ResNet18/50 on MNIST/CIFAR-10)",
    statement="NC1(RMSNorm) < NC1(None)",
    reason_not_checkable="Needs MNIST/CIFAR-10 images and ResNet18/50 training (not available offline). Two small "
                         "substitutes on digits (a fixed feature map with per-sample normalisation; the card's trained "
                         "extractor + norm + two-layer head, torch) are reported under --thorough, not gated.",
)

CLAIMS: tuple[Claim, ...] = (
    mu_d_bound,
    balancedness,
    thm1_directional_collapse,
    thm1_orthogonal_means,
    thm1_self_duality,
    claim_binary_separation,
    claim_binary_rank_one,
    lemma1_softmax,
    lemma2_norms,
    lemma3_alignment,
    pseudo_label_identity,
    lemma6_pseudo_label_geometry,
    lemma4_invariance,
    lemma5_after_separation,
    lemma7_geometry,
    lemma8_nonpositive_sum,
    lemma10_simplex,
    lemma11_margin,
    lemma12_gamma_perp,
    prop1_multiclass_separation,
    prop2_multiclass_rank_one,
    bias_extension,
    fig3_digits,
    rmsnorm_nc1,
)
