"""Li, Min & Vidal (ICML 2026): transformers learn the optimal DDPM denoiser for
multi-token Gaussian mixtures.

A data point is ``P`` tokens; each token is drawn from one of ``M`` orthogonal Gaussian
patterns, and each data point uses a uniformly random subset of ``K`` of them
(Definition 1). A one-layer softmax-attention denoiser ``f = v_t (X - X softmax(X^T W X/d))``
(eq. 1) trained from ``W = 0`` by gradient descent on the DDPM loss (eq. 3) reaches the
Bayes risk (Thm 1), gives a score network with small score-matching error (Thm 2), and its
attention learns to average the tokens that share the query's pattern, which makes it an
approximation of the oracle MMSE estimator that knows the labels (Props 1-3, Cors 2-3).

Card: ``shared/papers/ddpm_transformer.md``. Conventions (errata E1, E2): pattern energy
``||mu_u||^2 = d`` by default; risks and losses are per-entry mean squared errors
(``||.||_F^2 / (d P)``, no factor 1/2) unless a function is called with ``half=True``.

Closed forms exported here (validated, vectorised):

* schedule: :func:`alpha_bar_linear`, :func:`snr_avg`;
* pattern frequencies: :func:`nu`, :func:`nu_min`, :func:`delta`, :func:`expected_k_eff`,
  :func:`expected_sum_pi_sq`;
* oracle: :func:`oracle_coef`, :func:`oracle_eps`, :func:`oracle_risk_t`, :func:`oracle_risk`;
* Bayes: :func:`bayes_label_posterior`, :func:`bayes_eps`, :func:`score_from_eps`;
* mechanism (DERIVED): :func:`mean_denoise_excess_t`, :func:`mean_denoise_floor`,
  :func:`uniform_attention_D`, :func:`uniform_attention_risk_t`;
* hidden-constant rates (constants set to 1, trend plots only): :func:`thm1_tokens`,
  :func:`thm1_dim`, :func:`thm1_iters`, :func:`prop1_att_err`, :func:`prop3_same_logit_lb`,
  :func:`v_contraction`.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_int, as_scalar

__all__ = [
    "PAPER",
    "CLAIMS",
    "alpha_bar_linear",
    "snr_avg",
    "nu",
    "nu_min",
    "delta",
    "expected_k_eff",
    "expected_sum_pi_sq",
    "oracle_coef",
    "oracle_eps",
    "oracle_risk_t",
    "oracle_risk",
    "bayes_label_posterior",
    "bayes_eps",
    "score_from_eps",
    "mean_denoise_excess_t",
    "mean_denoise_floor",
    "uniform_attention_D",
    "uniform_attention_risk_t",
    "thm1_tokens",
    "thm1_dim",
    "thm1_iters",
    "prop1_att_err",
    "prop3_same_logit_lb",
    "v_contraction",
]

PAPER = Paper(
    slug="ddpm_transformer",
    title="Transformers Learn the Optimal DDPM Denoiser for Multi-Token GMMs",
    authors=("Hongkang Li", "Hancheng Min", "René Vidal"),
    venue="International Conference on Machine Learning (ICML), PMLR 306",
    year=2026,
    arxiv="2604.10074",
    url="https://arxiv.org/abs/2604.10074",
)

# -- symbols -------------------------------------------------------------------------------------
ab = sp.Symbol("alpha_bar", positive=True)      # cumulative schedule abar_t in (0, 1)
rho = sp.Symbol("rho", positive=True)           # within-component standard deviation
c = sp.Symbol("c", real=True)                   # a scalar shrinkage coefficient
n = sp.Symbol("n", positive=True)               # tokens sharing the query's label
P = sp.Symbol("P", positive=True)               # tokens per data point
D = sp.Symbol("D", nonnegative=True)            # spread of the pattern means (W = 0 risk)
d = sp.Symbol("d", positive=True)
M = sp.Symbol("M", positive=True)
K = sp.Symbol("K", positive=True)
eps = sp.Symbol("epsilon", positive=True)
nu_s = sp.Symbol("nu_min", positive=True)
eta = sp.Symbol("eta", positive=True)
snr = sp.Symbol("SNR", positive=True)
delta_s = sp.Symbol("delta", positive=True)
A_t = sp.Symbol("A_t", positive=True)           # curvature of the per-step loss in v_t
pimin = sp.Symbol("pi_min", positive=True)

#: a_t, b_t and the per-coordinate variance s_t^2 of a noisy token given its label.
A_COEF = sp.sqrt(ab)
B_COEF = sp.sqrt(1 - ab)
S2 = 1 - ab + rho ** 2 * ab
#: eq. (13): the oracle coefficient c_t = b_t / s_t^2.
ORACLE_COEF = B_COEF / S2
#: the per-entry oracle risk at coefficient c: E(eps - c (a rho xi + b eps))^2.
ORACLE_RISK_AT_C = c ** 2 * S2 - 2 * c * B_COEF + 1
#: eqs. (14), (33): the oracle risk per step and entry (no 1/2).
ORACLE_RISK_T = rho ** 2 * ab / S2
#: DERIVED: excess of exact same-label mean denoising (self included, v = c_t) per token.
MEAN_DENOISE_EXCESS_T = (1 - ab) / S2 / n
#: DERIVED: risk of v (x_p - mean over the n same-label tokens) at coefficient c.
MEAN_DENOISE_RISK_AT_C = c ** 2 * S2 * (1 - 1 / n) - 2 * c * B_COEF * (1 - 1 / n) + 1
#: DERIVED: W = 0 (uniform attention) with the best v_t.
UNIFORM_ATT_RISK_T = 1 - (1 - ab) * (1 - 1 / P) ** 2 / (S2 * (1 - 1 / P) + ab * D)
#: Thm 1 conditions (iii), (i), (v) with the hidden constants set to 1.
THM1_TOKENS = K / nu_s / M * (rho ** 2 + 1) / eps * sp.log(d)
THM1_DIM = sp.log(1 / (eps * nu_s)) / eps
THM1_ITERS_MAIN = (1 / eps + nu_s ** -3) / eta / nu_s / snr ** 3
THM1_ITERS = THM1_ITERS_MAIN + sp.log(rho ** 2 + 1) / eps
#: Cor. 1 (a), (b) as printed (both drop the log term of eq. (9)).
COR1_A = (1 / eps + M ** 3) / eta * M / snr ** 3
COR1_B = (1 / eps + pimin ** -3) / eta / pimin / snr ** 3
#: Prop. 1 (15), Prop. 3 (18), corrected Lemma 5 and the printed rate of eq. (29).
PROP1_ATT_ERR = (rho ** 2 + 1) * sp.log(d) / (P * nu_s)
PROP3_SAME_LB = sp.log(K * delta_s / eps) / 2
V_CONTRACTION = 1 - 2 * eta * A_t
V_CONTRACTION_PRINTED = 1 - 2 * eta * (rho * sp.sqrt(ab) + sp.sqrt(1 - ab))

_f_oracle_coef = sp.lambdify((ab, rho), ORACLE_COEF, "numpy")
_f_oracle_risk = sp.lambdify((ab, rho), ORACLE_RISK_T, "numpy")
_f_md_excess = sp.lambdify((ab, rho, n), MEAN_DENOISE_EXCESS_T, "numpy")
_f_unif = sp.lambdify((ab, rho, P, D), UNIFORM_ATT_RISK_T, "numpy")
_f_tokens = sp.lambdify((K, nu_s, M, rho, eps, d), THM1_TOKENS, "numpy")
_f_dim = sp.lambdify((eps, nu_s), THM1_DIM, "numpy")
_f_iters = sp.lambdify((eps, nu_s, eta, snr, rho), THM1_ITERS, "numpy")
_f_att = sp.lambdify((rho, d, P, nu_s), PROP1_ATT_ERR, "numpy")
_f_same_lb = sp.lambdify((eps, K, delta_s), PROP3_SAME_LB, "numpy")
_f_vc = sp.lambdify((eta, A_t), V_CONTRACTION, "numpy")


# -- validation helpers ----------------------------------------------------------------------------
def _ab(alpha_bar: Any, name: str = "alpha_bar") -> np.ndarray:
    a = as_array(alpha_bar, name)
    if np.any(a <= 0) or np.any(a >= 1):
        raise ValueError(f"{name} must lie in (0, 1), got range [{a.min():.3g}, {a.max():.3g}]")
    return a


def _rho(r: Any) -> float:
    return as_scalar(r, "rho", low=0.0)


def _pi(pi: Any, positive: bool = True) -> np.ndarray:
    p = as_array(pi, "pi", ndim=1)
    if np.any(p < 0) or (positive and np.any(p <= 0)):
        raise ValueError(f"pi must be {'positive' if positive else 'non-negative'}, got min {p.min():.3g}")
    if abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"pi must sum to 1, got {p.sum():.12g}")
    return p


def _masks(M_: int, K_: int) -> np.ndarray:
    combos = list(itertools.combinations(range(M_), K_))
    mask = np.zeros((len(combos), M_), dtype=bool)
    for i, cmb in enumerate(combos):
        mask[i, list(cmb)] = True
    return mask


def _subset_priors(pi: Any, K_: Any, positive: bool = True) -> np.ndarray:
    """``pi`` restricted to each ``K``-subset and renormalised: shape ``(binom(M, K), M)``.
    With ``positive=False`` zeros are allowed, and subsets of zero prior mass (which the
    sampler never keeps) are dropped."""
    p = _pi(pi, positive)
    K_ = as_int(K_, "K", low=1, high=p.size)
    if _n_subsets(p.size, K_) > 2_000_000:
        raise ValueError(f"binom({p.size}, {K_}) subsets are too many to enumerate")
    mask = _masks(p.size, K_)
    w = mask * p
    tot = w.sum(axis=1, keepdims=True)
    return w[tot[:, 0] > 0] / tot[tot[:, 0] > 0]


def _n_subsets(M_: int, K_: int) -> int:
    from math import comb

    return comb(M_, K_)


# -- schedule ------------------------------------------------------------------------------------
def alpha_bar_linear(T: int, a1: float = 0.98, aT: float = 0.95) -> np.ndarray:
    """Sec. 5.1 schedule: ``alpha_t = a1 - (a1 - aT)(t - 1)/(T - 1)``, ``abar_t = prod_{i<=t} alpha_i``."""
    T = as_int(T, "T", low=1)
    a1 = as_scalar(a1, "a1", low=0.0, high=1.0, low_open=True, high_open=True)
    aT = as_scalar(aT, "aT", low=0.0, high=1.0, low_open=True, high_open=True)
    t = np.arange(T)
    alpha = np.full(T, a1) if T == 1 else a1 - (a1 - aT) * t / (T - 1)
    return np.cumprod(alpha)


def snr_avg(alpha_bar: Any) -> float:
    """Time-averaged SNR ``E_t[abar_t / (1 - abar_t)]``; note ``mean(1/(1 - abar)) = 1 + SNR``."""
    a = _ab(alpha_bar)
    return float(np.mean(a / (1 - a)))


# -- pattern frequencies (eqs. 7-8) ------------------------------------------------------------------
def nu(pi: Any, K: int) -> np.ndarray:
    """``nu_u(K) = Pr(Y_1 = u) = binom(M, K)^{-1} sum_{S ni u, |S| = K} pi_u / pi(S)`` (DERIVED
    from Definition 1 and eq. (7) by averaging over the uniform subset)."""
    return _subset_priors(pi, K).mean(axis=0)


def nu_min(pi: Any, K: int) -> float:
    """``nu_min(K) = min_u nu_u(K)`` (eq. 8)."""
    return float(nu(pi, K).min())


def delta(pi: Any) -> float:
    """Pattern imbalance ratio ``min(pi) / max(pi)``."""
    p = _pi(pi)
    return float(p.min() / p.max())


def expected_k_eff(pi: Any, K: int, P: int) -> float:
    """``E[K_eff]``: the expected number of distinct labels among ``P`` tokens,
    ``binom(M,K)^{-1} sum_S sum_{u in S} (1 - (1 - pi_u(S))^P)``. Also ``P E[(1/P) sum_p 1/n_{Y_p}]``."""
    P = as_int(P, "P", low=1)
    w = _subset_priors(pi, K, positive=False)
    return float(np.mean(np.sum(np.where(w > 0, 1.0 - (1.0 - w) ** P, 0.0), axis=1)))


def expected_sum_pi_sq(pi: Any, K: int) -> float:
    """``E_S sum_{u in S} pi_u(S)^2``: the probability that two tokens share a label."""
    w = _subset_priors(pi, K, positive=False)
    return float(np.mean(np.sum(w ** 2, axis=1)))


# -- oracle ----------------------------------------------------------------------------------------
def oracle_coef(alpha_bar: Any, rho: Any) -> np.ndarray:
    """Eq. (13): ``c_t = sqrt(1 - abar) / (1 - abar + rho^2 abar)``."""
    return np.asarray(_f_oracle_coef(_ab(alpha_bar), _rho(rho)), dtype=float)


def oracle_eps(Xt: Any, Y: Any, mu: Any, alpha_bar: Any, rho: Any) -> np.ndarray:
    """Eq. (13): ``E[E^t | X^t, M_Y] = c_t (X^t - sqrt(abar) M_Y)``; ``Xt (n, P, d)``,
    labels ``Y (n, P)``, ``mu (M, d)``, ``alpha_bar`` scalar or ``(n,)``."""
    X = as_array(Xt, "Xt", ndim=3)
    mu = as_array(mu, "mu", ndim=2)
    Y = np.asarray(Y)
    if Y.shape != X.shape[:2] or not np.issubdtype(Y.dtype, np.integer):
        raise ValueError(f"Y must be an integer array of shape {X.shape[:2]}")
    a = np.broadcast_to(_ab(alpha_bar), (X.shape[0],))
    cc = oracle_coef(a, rho)
    return cc[:, None, None] * (X - np.sqrt(a)[:, None, None] * mu[Y])


def oracle_risk_t(alpha_bar: Any, rho: Any, half: bool = False) -> np.ndarray:
    """Eqs. (14), (33): ``rho^2 abar / (rho^2 abar + 1 - abar)`` per step and entry (times
    1/2 with ``half``, the normalisation that eq. (14) prints)."""
    return np.asarray(_f_oracle_risk(_ab(alpha_bar), _rho(rho)), dtype=float) * (0.5 if half else 1.0)


def oracle_risk(alpha_bar: Any, rho: Any, half: bool = False) -> float:
    """``R_oracle``: :func:`oracle_risk_t` averaged over the steps of the schedule."""
    return float(np.mean(oracle_risk_t(as_array(alpha_bar, "alpha_bar", ndim=1), rho, half)))


# -- Bayes (eq. 6, eq. 49) ---------------------------------------------------------------------------
def bayes_label_posterior(Xt: Any, mu: Any, pi: Any, K: int, alpha_bar: Any, rho: Any,
                          chunk_elems: int = 8_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Exact posteriors of the labels and of the subset given ``X^t`` (DERIVED).

    Given the subset ``S`` the tokens are independent, with
    ``r_pu(S) ∝ pi_u(S) exp(a <x_p, mu_u>/s^2 - a^2 |mu_u|^2 / (2 s^2))``, and
    ``Pr(S | X) ∝ prod_p sum_{u in S} pi_u(S) N(x_p; a mu_u, s^2 I)``; the terms common to
    all labels cancel, so only the projections ``<x_p, mu_u>`` enter. Enumerates the
    ``binom(M, K)`` subsets with log-sum-exp.

    Returns ``rbar (n, P, M)`` (``Pr(Y_p = u | X)``) and ``post_S (n, binom(M, K))``.
    """
    X = as_array(Xt, "Xt", ndim=3)
    mu = as_array(mu, "mu", ndim=2)
    if mu.shape[1] != X.shape[-1]:
        raise ValueError(f"mu must have shape (M, {X.shape[-1]}), got {mu.shape}")
    p = _pi(pi)
    if p.size != mu.shape[0]:
        raise ValueError(f"pi must have M={mu.shape[0]} entries, got {p.size}")
    K = as_int(K, "K", low=1, high=p.size)
    a2 = np.broadcast_to(_ab(alpha_bar), (X.shape[0],)).astype(float)
    r = _rho(rho)
    masks = _masks(p.size, K)
    nS, M_ = masks.shape
    members = np.array([np.flatnonzero(m) for m in masks])              # (nS, K)
    Pi = (masks * p).T / (masks @ p)                                    # (M, nS): pi_u(S)
    m2 = np.sum(mu ** 2, axis=1)
    a = np.sqrt(a2)
    s2 = 1 - a2 + r ** 2 * a2
    ell = (a / s2)[:, None, None] * (X @ mu.T) - (a2 / (2 * s2))[:, None, None] * m2   # (n, P, M)
    ell -= ell.max(axis=-1, keepdims=True)
    n_, P_ = X.shape[:2]
    rbar = np.empty((n_, P_, M_))
    post = np.empty((n_, nS))
    step = max(1, chunk_elems // max(1, P_ * nS * K))
    for i in range(0, n_, step):
        sl = slice(i, i + step)
        e = np.exp(ell[sl])                                             # (b, P, M), max entry 1
        b_ = e.shape[0]
        tok = (e.reshape(-1, M_) @ Pi).reshape(b_, P_, nS)              # sum_{u in S} pi_u(S) e_pu
        if np.all(tok > 0):
            lpS = np.log(tok).sum(axis=1)                               # log Pr(X | S) + const
            lpS -= lpS.max(axis=1, keepdims=True)
            w = np.exp(lpS)
            w /= w.sum(axis=1, keepdims=True)
            rbar[sl] = e * ((w[:, None, :] / tok).reshape(-1, nS) @ Pi.T).reshape(b_, P_, M_)
        else:  # a token's likelihood underflows for some subset: exact log-domain path
            w, rbar[sl] = _posterior_logdomain(ell[sl], members, p, M_)
        post[sl] = w
    return rbar, post


def _posterior_logdomain(ell: np.ndarray, members: np.ndarray, p: np.ndarray, M_: int):
    """Log-domain version of the subset/label posterior (used when linear-domain token
    likelihoods underflow)."""
    nS, K_ = members.shape
    logprior = np.log(p[members]) - np.log(p[members].sum(axis=1, keepdims=True))
    lg = ell[:, :, members] + logprior                                  # (b, P, nS, K)
    mx = lg.max(axis=-1, keepdims=True)
    ex = np.exp(lg - mx)
    tot = ex.sum(axis=-1, keepdims=True)
    lpS = (np.log(tot) + mx)[..., 0].sum(axis=1)
    lpS -= lpS.max(axis=1, keepdims=True)
    w = np.exp(lpS)
    w /= w.sum(axis=1, keepdims=True)
    scatter = np.zeros((nS, K_, M_))
    scatter[np.arange(nS)[:, None], np.arange(K_)[None, :], members] = 1.0
    return w, np.einsum("bpsk,skm->bpm", (ex / tot) * w[:, None, :, None], scatter)


def bayes_eps(Xt: Any, mu: Any, pi: Any, K: int, alpha_bar: Any, rho: Any) -> np.ndarray:
    """``E[E^t | X^t] = (b/s^2)(X^t - a sum_u Pr(Y_p = u | X^t) mu_u)`` (the MMSE noise
    estimator, DERIVED exact form; see :func:`bayes_label_posterior`)."""
    X = as_array(Xt, "Xt", ndim=3)
    rbar, _ = bayes_label_posterior(X, mu, pi, K, alpha_bar, rho)
    a2 = np.broadcast_to(_ab(alpha_bar), (X.shape[0],))
    s2 = 1 - a2 + _rho(rho) ** 2 * a2
    coef = (np.sqrt(1 - a2) / s2)[:, None, None]
    return coef * (X - np.sqrt(a2)[:, None, None] * (rbar @ np.asarray(mu, dtype=float)))


def score_from_eps(eps_hat: Any, alpha_bar: Any) -> np.ndarray:
    """Eq. (49) / Thm 2: ``s(X^t, t) = -eps_hat / sqrt(1 - abar)`` (``alpha_bar`` scalar or
    one per data point)."""
    e = as_array(eps_hat, "eps_hat")
    a2 = _ab(alpha_bar)
    b = np.sqrt(1 - a2)
    if b.ndim == 1 and e.ndim >= 1 and b.size == e.shape[0]:
        b = b.reshape((-1,) + (1,) * (e.ndim - 1))
    return -e / b


# -- mechanism: mean denoising and uniform attention (DERIVED) -----------------------------------------
def mean_denoise_excess_t(alpha_bar: Any, rho: Any, n_tok: Any) -> np.ndarray:
    """``(1 - abar)/(1 - abar + rho^2 abar) / n``: excess over the oracle risk of the token
    whose label is shared by ``n`` tokens (self included) under exact mean denoising."""
    nn = as_array(n_tok, "n_tok")
    if np.any(nn < 1):
        raise ValueError("n_tok must be >= 1")
    return np.asarray(_f_md_excess(_ab(alpha_bar), _rho(rho), nn), dtype=float)


def mean_denoise_floor(alpha_bar: Any, rho: Any, K_eff: Any, P: Any, half: bool = False) -> float:
    """Token-averaged excess of exact mean denoising over the schedule:
    ``mean_t (b_t^2/s_t^2) K_eff / P`` (``K_eff`` may be the expectation :func:`expected_k_eff`)."""
    a = as_array(alpha_bar, "alpha_bar", ndim=1)
    ke = as_scalar(K_eff, "K_eff", low=0.0)
    Pv = as_scalar(P, "P", low=1.0)
    return float(np.mean(mean_denoise_excess_t(a, rho, Pv / max(ke, 1e-300)))) * (0.5 if half else 1.0)


def uniform_attention_D(pi: Any, K: int, P: int, mu_norm2_over_d: float = 1.0) -> float:
    """``D = (|mu|^2/d)(1 - E sum_u (n_u/P)^2) = (|mu|^2/d)(1 - 1/P)(1 - E_S sum pi_u(S)^2)``."""
    Pv = as_int(P, "P", low=1)
    m = as_scalar(mu_norm2_over_d, "mu_norm2_over_d", low=0.0)
    return float(m * (1 - 1 / Pv) * (1 - expected_sum_pi_sq(pi, K)))


def uniform_attention_risk_t(alpha_bar: Any, rho: Any, P: Any, D_: Any) -> np.ndarray:
    """DERIVED: risk of ``W = 0`` (uniform attention) with the best ``v_t``:
    ``1 - b^2 (1 - 1/P)^2 / (s^2 (1 - 1/P) + abar D)``."""
    Pv = as_array(P, "P")
    if np.any(Pv < 2):
        raise ValueError("P must be >= 2")
    Dv = as_array(D_, "D")
    if np.any(Dv < 0):
        raise ValueError("D must be non-negative")
    return np.asarray(_f_unif(_ab(alpha_bar), _rho(rho), Pv, Dv), dtype=float)


# -- hidden-constant rate expressions (trend plots only) --------------------------------------------
def thm1_tokens(K_: Any, nu_min_: Any, M_: Any, rho_: Any, eps_: Any, d_: Any) -> np.ndarray:
    """Thm 1 (iii) with constant 1: ``K/nu_min/M (rho^2+1)/eps log d``."""
    return np.asarray(_f_tokens(K_, nu_min_, M_, rho_, eps_, d_), dtype=float)


def thm1_dim(eps_: Any, nu_min_: Any) -> np.ndarray:
    """Thm 1 (i) with constant 1: ``log(1/(eps nu_min))/eps``."""
    return np.asarray(_f_dim(eps_, nu_min_), dtype=float)


def thm1_iters(eps_: Any, nu_min_: Any, eta_: Any, snr_: Any, rho_: Any) -> np.ndarray:
    """Thm 1 (v), eq. (9), with constant 1."""
    return np.asarray(_f_iters(eps_, nu_min_, eta_, snr_, rho_), dtype=float)


def prop1_att_err(rho_: Any, d_: Any, P_: Any, nu_min_: Any) -> np.ndarray:
    """Prop. 1 (15) with constant 1: ``(rho^2+1) log d / (P nu_min)``."""
    return np.asarray(_f_att(rho_, d_, P_, nu_min_), dtype=float)


def prop3_same_logit_lb(eps_: Any, K_: Any, delta_: Any) -> np.ndarray:
    """Prop. 3 (18) with constant 1: ``log(K delta / eps) / 2``."""
    return np.asarray(_f_same_lb(eps_, K_, delta_), dtype=float)


def v_contraction(eta_: Any, A_: Any) -> np.ndarray:
    """Corrected Lemma 5: GD on ``v_t`` contracts by ``1 - 2 eta A_t`` per step."""
    return np.asarray(_f_vc(eta_, A_), dtype=float)


# -- judges ------------------------------------------------------------------------------------------
def _verdict(ok: bool, reason: str, theoretical: Any = None, measured: Any = None,
             margin: float | None = None, tolerance: float | None = None) -> Verdict:
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, theoretical, measured, margin, reason,
                   tolerance=tolerance)


def _theory_of(claim: Claim, ev: Mapping[str, Any], theory: Callable | None = None) -> Any:
    inputs = dict(ev.get("inputs", {}))
    return claim.theory(**inputs) if theory is None else theory(**{**claim.constants, **inputs})


def _mc_mean(n_se: float = 5.0, atol: float = 1e-10, theory: Callable | None = None) -> Callable:
    """Monte-Carlo identity: ``measured`` holds per-sample values (rows = independent
    samples, columns = settings) and the theory per-sample (or per-setting) values; the
    claim holds when ``|mean(m - th)| <= n_se * SE + atol`` in every column, SE being the
    standard error of the per-sample differences."""

    def judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
        if "measured" not in ev:
            raise ValueError("evidence lacks the key 'measured'")
        m = np.asarray(ev["measured"], dtype=float)
        m = m[:, None] if m.ndim == 1 else m
        th = np.asarray(_theory_of(claim, ev, theory), dtype=float)
        if th.ndim == 1 and th.size == m.shape[1] and th.size != m.shape[0]:
            th = th[None, :]                       # one value per setting
        elif th.ndim == 1 and th.size == m.shape[0]:
            th = th[:, None]                       # one value per sample
        th = np.broadcast_to(th, m.shape)
        diff = m - th
        N = m.shape[0]
        mean = diff.mean(axis=0)
        se = diff.std(axis=0, ddof=1) / np.sqrt(N) if N > 1 else np.zeros_like(mean)
        allowed = n_se * se + atol
        z = np.abs(mean) / np.where(allowed > 0, allowed, np.inf)
        i = int(np.argmax(z))
        ok = bool(np.all(np.abs(mean) <= allowed))
        reason = (f"mean deviation {mean[i]:.3g} vs allowed {allowed[i]:.3g} ({n_se:g} SE, SE {se[i]:.3g}, "
                  f"N={N}) at column {i}; measured mean {m[:, i].mean():.6g}, theory mean {th[:, i].mean():.6g}")
        return _verdict(ok, reason, float(th[:, i].mean()), float(m[:, i].mean()),
                        float(1 / z[i]) if z[i] > 0 else float("inf"), n_se)

    return judge


def _se_agree(n_se: float = 5.0, atol: float = 1e-10, theory: Callable | None = None) -> Callable:
    """``|measured - theory| <= n_se * se + atol`` pointwise, ``se`` given in the evidence."""

    def judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
        m = np.atleast_1d(np.asarray(ev["measured"], dtype=float))
        se = np.broadcast_to(np.asarray(ev.get("se", 0.0), dtype=float), m.shape)
        th = np.broadcast_to(np.asarray(_theory_of(claim, ev, theory), dtype=float), m.shape)
        err = np.abs(m - th)
        allowed = n_se * se + atol
        ratio = np.where(err > 0, allowed / np.where(err > 0, err, 1.0), np.inf)
        i = int(np.argmin(ratio))
        ok = bool(np.all(err <= allowed))
        reason = (f"max |measured - theory| / allowed at point {i}: {err[i]:.3g} vs {allowed[i]:.3g} "
                  f"({n_se:g} SE); measured {np.round(m, 6).tolist()}, theory {np.round(th, 6).tolist()}")
        return _verdict(ok, reason, float(th[i]), float(m[i]), float(ratio[i]), n_se)

    return judge


def _checks(results: dict[str, tuple[bool, str]], theoretical: Any = None, measured: Any = None) -> Verdict:
    ok = all(v[0] for v in results.values())
    bad = [k for k, v in results.items() if not v[0]]
    reason = "; ".join(f"{k}: {v[1]}" for k, v in results.items()) + (f"; FAILED: {bad}" if bad else "")
    return _verdict(ok, reason, theoretical, measured)


# ==================================================================================================
# nu_closed_form
# ==================================================================================================
def _nu_theory(pis, Ks, quantity="nu", renormalise=True, **_):
    out = []
    for p, k in zip(pis, Ks):
        p = np.asarray(p, dtype=float)
        if quantity == "nu":
            out.append(nu(p, k) if renormalise else p)
        elif quantity == "special":  # [sum nu(K), nu(1), nu(M)]
            f = (lambda kk: nu(p, kk)) if renormalise else (lambda kk: p)
            out.append(np.concatenate([[f(k).sum()], f(1), f(p.size)]))
        else:
            raise ValueError(f"unknown quantity {quantity!r}")
    return np.concatenate(out)


nu_closed_form = Claim(
    id="ddpm_transformer.nu_closed_form",
    paper=PAPER.slug,
    where="Definition 1, eqs. (7)-(8)",
    kind=Kind.CLOSED_FORM,
    status=Status.AS_PRINTED,
    title="nu_u(K) = binom(M,K)^{-1} sum_{S ni u} pi_u / pi(S); nu(1) = 1/M, nu(M) = pi",
    statement=r"\nu_u(K)=\binom MK^{-1}\sum_{|S|=K,\,S\ni u}\tilde\pi_u/\tilde\pi(S),\ \sum_u\nu_u=1,\ "
              r"\nu_u(1)=1/M,\ \nu_u(M)=\tilde\pi_u",
    theory_fn=_nu_theory,
    constants={"renormalise": True},
    assumptions=(Assumption("1 <= K <= M, pi > 0"),),
    # Monte Carlo: the labels of one data point share Z, so the standard error is taken
    # across data points (each data point's label-frequency vector is one observation);
    # 5 SE. The special cases are exact algebra: 1e-12.
    judge_fn=judges.all_of(judges.part("mc", _mc_mean(5.0, 1e-10)),
                           judges.part("special", judges.agree(rtol=0.0, atol=1e-12))),
    false_variant={"title": "nu_u(K) = pi_u for every K (no subset renormalisation)",
                   "constants": {"renormalise": False}},
    note="The definition is the paper's; the enumeration formula is DERIVED (an average over the "
         "uniformly random subset).",
)


# ==================================================================================================
# nu_bounds
# ==================================================================================================
def _nu_bounds_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    """``measured``: for each prior, the ``M x M`` table ``nu_u(K)`` (rows K = 1..M), flattened
    and concatenated; ``inputs.pis`` the priors."""
    tol = 1e-12  # exact enumeration: round-off only
    flat = np.asarray(ev["measured"], dtype=float)
    pis = ev["inputs"]["pis"]
    mono = int(claim.constants["monotone"])
    fac = claim.constants["upper_factor"]
    n_low = n_up1 = n_up2 = n_mono = 0
    i = 0
    worst = 0.0
    for p in pis:
        p = np.asarray(p, dtype=float)
        Mv = p.size
        tab = flat[i:i + Mv * Mv].reshape(Mv, Mv)
        i += Mv * Mv
        dl = p.min() / p.max()
        for k in range(1, Mv + 1):
            row = tab[k - 1]
            low = (k / Mv) * p / ((k - 1) * (1 - p) / max(Mv - 1, 1) + p)
            n_low += int(np.any(row < low - tol))
            up1 = p.max() / (p.max() + (k - 1) * p.min())
            n_up1 += int(row.max() > up1 + tol)
            mult = k if fac == "K" else Mv
            n_up2 += int(up1 > 1 / (mult * dl) + tol or row.max() > 1 / (mult * dl) + tol)
        mins = tab.min(axis=1)
        steps = np.diff(mins) * mono      # >= 0 when the claimed direction holds
        worst = min(worst, float(steps.min(initial=0.0)))
        n_mono += int(np.any(steps < -tol))
    res = {
        "Jensen lower bound (46)": (n_low == 0, f"{n_low} violations"),
        "max nu <= max pi/(max pi + (K-1) min pi) (77)": (n_up1 == 0, f"{n_up1} violations"),
        f"... <= 1/({fac} delta) (77)": (n_up2 == 0, f"{n_up2} violations"),
        ("nu_min(K) non-increasing" if mono < 0 else "nu_min(K) non-decreasing"):
            (n_mono == 0, f"{n_mono} of {len(pis)} priors violate it (worst step {worst:.3g})"),
    }
    return _checks(res)


nu_bounds = Claim(
    id="ddpm_transformer.nu_bounds",
    paper=PAPER.slug,
    where="eqs. (46), (77); monotonicity DERIVED (Cor. 1)",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="Jensen lower bound on nu_u(K), upper bound 1/(K delta), nu_min(K) non-increasing in K",
    statement=r"\nu_u(K)\ge\frac KM\frac{\tilde\pi_u}{(K-1)(1-\tilde\pi_u)/(M-1)+\tilde\pi_u},\ "
              r"\max_u\nu_u(K)\le\frac{\max\tilde\pi}{\max\tilde\pi+(K-1)\min\tilde\pi}\le\frac1{K\delta},\ "
              r"K\mapsto\nu_{\min}(K)\ \text{non-increasing}",
    constants={"monotone": -1, "upper_factor": "K"},
    assumptions=(Assumption("M >= 2, pi > 0"),),
    judge_fn=_nu_bounds_judge,
    false_variant={"title": "nu_min(K) non-decreasing in K", "constants": {"monotone": +1}},
    note="(46) is restated for nu rather than the paper's conditional expectation. The monotonicity is "
         "DERIVED (not proved in the paper; it held on every random prior tried). The card's second "
         "negative control, the upper bound with K delta replaced by M delta, is not a false statement: "
         "nu_u(K) <= P(u in S) max_{S ni u} pi_u/pi(S) <= (K/M) pi_u/(K pi_min) <= 1/(M delta) always.",
)


# ==================================================================================================
# oracle_estimator
# ==================================================================================================
def _coef_theory(alpha_bar, rho, coef="oracle", **_):
    a2 = np.asarray(alpha_bar, dtype=float)
    if coef == "oracle":
        return oracle_coef(a2, rho)
    if coef == "inv_b":      # exact only for point masses (rho = 0)
        return 1 / np.sqrt(1 - a2)
    if coef == "b":
        return np.sqrt(1 - a2)
    raise ValueError(f"unknown coef {coef!r}")


def _oracle_est_judge(claim: Claim, ev: Mapping[str, Any], **kw: Any) -> Verdict:
    v = _se_agree(5.0, 1e-10, theory=lambda **k: _coef_theory(**k))(claim, ev)
    z = np.abs(np.asarray(ev["resid_z"], dtype=float))
    okz = bool(np.all(z <= 5.0))
    ok = v.holds and okz
    reason = v.reason + f"; |z| of corr(residual, r^3): {np.round(z, 2).tolist()} (allowed 5)"
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, v.theoretical, v.measured, v.margin, reason,
                   tolerance=5.0)


oracle_estimator = Claim(
    id="ddpm_transformer.oracle_estimator",
    paper=PAPER.slug,
    where="Definition 3, eq. (13)",
    kind=Kind.CLOSED_FORM,
    status=Status.AS_PRINTED,
    title="Oracle MMSE estimator E[E^t | X^t, Y] = c_t (X^t - a_t M_Y), c_t = b_t / s_t^2",
    statement=sp.Eq(sp.Symbol("c_t"), ORACLE_COEF),
    theory_fn=lambda **k: _coef_theory(**k),
    constants={"coef": "oracle"},
    assumptions=(Assumption("Definition 1 and eq. (2), any t"),),
    # Least squares of E on r = X^t - a M_Y entry-wise; the OLS slope's standard error is
    # exact here (entries are i.i.d. given the labels): 5 SE. Linearity of E[eps | r] is
    # tested by the z-score of corr(residual, r^3), which vanishes for jointly Gaussian pairs.
    judge_fn=_oracle_est_judge,
    false_variant={"title": "coefficient 1/b_t (exact only for point masses, rho = 0)",
                   "constants": {"coef": "inv_b"}},
)


# ==================================================================================================
# oracle_risk
# ==================================================================================================
def _oracle_risk_theory(alpha_bar, rho, half=False, scale="entry", schedule=True, d=1, **_):
    a2 = np.asarray(alpha_bar, dtype=float)
    r = oracle_risk_t(a2, rho, half) if schedule else np.full(a2.shape, rho ** 2 / (rho ** 2 + 1))
    return r * (d if scale == "row" else 1.0)


oracle_risk_claim = Claim(
    id="ddpm_transformer.oracle_risk",
    paper=PAPER.slug,
    where="Definition 3, eqs. (14) and (33)",
    kind=Kind.CLOSED_FORM,
    status=Status.CORRECTED,
    title="R_oracle,t = rho^2 abar_t / (rho^2 abar_t + 1 - abar_t) per entry (no 1/2)",
    statement=sp.Eq(sp.Symbol("R_oracle_t"), ORACLE_RISK_T),
    theory_fn=_oracle_risk_theory,
    constants={"half": False, "scale": "entry", "schedule": True},
    assumptions=(Assumption("the MTGM of Definition 1 and eq. (2)"),),
    # Per-sample losses (stratified over the steps) against the per-sample theory; 5 SE of
    # the per-sample differences.
    judge_fn=judges.all_of(judges.part("per_t", _mc_mean(5.0, 1e-10)),
                           judges.part("schedule", _mc_mean(5.0, 1e-10))),
    false_variant={"title": "d rho^2 abar / s^2 (per-dimension normalisation forgotten)",
                   "constants": {"scale": "row"}},
    printed={"title": "eq. (14) as printed: with the factor 1/2 (half of the value eq. (33) states)",
             "constants": {"half": True}},
    note="Normalisation erratum E2: eq. (14) defines R_oracle with ||.||^2/(2dP), eq. (33) states the "
         "value without the 1/2. The per-entry MSE (no 1/2) is the quantity eq. (33) evaluates and the one "
         "that matches the Fig. 2(A) level; both are available via half=. Reference: the Sec. 5.1 schedule "
         "with rho = 0.3 gives 0.15572 (no half) and 0.07786 (half).",
)


# ==================================================================================================
# tweedie_score
# ==================================================================================================
def _tweedie_theory(X, Y, mu, pi, K, alpha_bar, rho, estimator="bayes", **_):
    X = np.asarray(X, dtype=float)
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        if estimator == "bayes":
            e = bayes_eps(X[i:i + 1], mu, pi, K, alpha_bar[i], rho)
        elif estimator == "oracle":
            e = oracle_eps(X[i:i + 1], np.asarray(Y)[i:i + 1], mu, alpha_bar[i], rho)
        else:
            raise ValueError(f"unknown estimator {estimator!r}")
        out[i] = score_from_eps(e, alpha_bar[i])[0]
    return out


tweedie_score = Claim(
    id="ddpm_transformer.tweedie_score",
    paper=PAPER.slug,
    where="eq. (49)",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="Tweedie: grad log p_t(X^t) = -E[E^t | X^t] / sqrt(1 - abar_t)",
    statement=r"\nabla_{X^t}\log p_t(X^t)=-\mathbb E[E^t|X^t]/\sqrt{1-\bar\alpha_t}",
    theory_fn=_tweedie_theory,
    constants={"estimator": "bayes"},
    assumptions=(Assumption("any t; p_t the exact noisy MTGM density"),),
    # Central differences with h = 1e-5 in float64: truncation ~h^2 |f'''| ~ 1e-10 and
    # round-off ~1e-16 |log p| / h ~ 1e-10, so 1e-6 absolute leaves four decades.
    judge_fn=judges.agree(rtol=0.0, atol=1e-6),
    false_variant={"title": "score from the oracle E[E | X, Y] (labels known) instead of the Bayes estimator",
                   "constants": {"estimator": "oracle"}},
    note="The enumeration formula for E[E^t | X^t] (posterior over the binom(M,K) subsets, then over the "
         "labels) is DERIVED; the finite-difference reference uses the full mixture over every subset and "
         "labelling in R^{Pd}.",
)


# ==================================================================================================
# bayes_oracle_pythagoras
# ==================================================================================================
def _pyth_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    n_se = 5.0  # Monte Carlo: the sides differ per sample by a zero-mean cross term
    o = ev["oracle"]
    m = np.asarray(o["measured"], dtype=float)
    th = np.asarray(o["inputs"]["oracle_mse"], dtype=float) + np.asarray(o["inputs"]["gap"], dtype=float)
    diff = m - th
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    res = {"Bayes = oracle + gap": (abs(diff.mean()) <= n_se * se + 1e-12,
                                    f"mean deviation {diff.mean():.3g} (SE {se:.3g})")}
    gap = np.asarray(o["inputs"]["gap"], dtype=float)
    res["R_Bayes >= R_oracle"] = (gap.mean() >= -n_se * gap.std(ddof=1) / np.sqrt(gap.size),
                                  f"R_Bayes - R_oracle = {gap.mean():.4g}")
    e = ev["estimators"]
    mse = np.asarray(e["measured"], dtype=float)
    th2 = np.asarray(e["inputs"]["bayes_mse"], dtype=float)[:, None] + np.asarray(e["inputs"]["dist"], dtype=float)
    uses = np.asarray(e["inputs"]["uses_noise"], dtype=bool)
    names = e["inputs"]["names"]
    scope_all = claim.constants["scope"] == "all"
    for j, nm in enumerate(names):
        if uses[j] and not scope_all:
            continue
        dj = mse[:, j] - th2[:, j]
        sej = dj.std(ddof=1) / np.sqrt(dj.size)
        res[f"MSE({nm}) = R_Bayes + dist"] = (abs(dj.mean()) <= n_se * sej + 1e-12,
                                              f"mean deviation {dj.mean():.3g} (SE {sej:.3g})")
    return _checks(res, float(th.mean()), float(m.mean()))


bayes_oracle_pythagoras = Claim(
    id="ddpm_transformer.bayes_oracle_pythagoras",
    paper=PAPER.slug,
    where="eqs. (56), (63)-(66)",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="Pythagoras: E|E - E[E|X]|^2 = E|E - E[E|X,Y]|^2 + E|E[E|X] - E[E|X,Y]|^2; "
          "E|f - E|^2 = R_Bayes + E|f - E[E|X]|^2 for f = f(X)",
    statement=r"\mathbb E\|E-\mathbb E[E|X]\|^2=\mathbb E\|E-\mathbb E[E|X,Y]\|^2+"
              r"\mathbb E\|\mathbb E[E|X]-\mathbb E[E|X,Y]\|^2,\ "
              r"\mathbb E\|f(X)-E\|^2=\mathbb E\|E-\mathbb E[E|X]\|^2+\mathbb E\|f(X)-\mathbb E[E|X]\|^2",
    constants={"scope": "X-measurable"},
    assumptions=(Assumption("f is a function of X^t only (not of Y or E)"),),
    judge_fn=_pyth_judge,
    false_variant={"title": "the decomposition also holds for an estimator that uses the true noise "
                            "(f = E[E|X] - 0.1 (E[E|X] - E), which would beat the Bayes risk)",
                   "constants": {"scope": "all"}},
)


# ==================================================================================================
# prop2
# ==================================================================================================
def _prop2_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    """``measured``: gap R_Bayes - R_oracle, shape (n_d, n_P); ``se`` the same shape;
    inputs ``d``, ``P``."""
    g = np.asarray(ev["measured"], dtype=float)
    se = np.asarray(ev["se"], dtype=float)
    Ps = np.asarray(ev["inputs"]["P"], dtype=float)
    ds = ev["inputs"]["d"]
    pexp = float(claim.constants["p_exponent"])
    rel_tol = float(claim.constants["p_rel_tol"])
    res = {}
    # Flat in P (corrected) or ~ P^{-p_exponent} (printed): scale to the smallest P and compare.
    for i, dv in enumerate(ds):
        pred = g[i, 0] * (Ps / Ps[0]) ** (-pexp)
        comb = np.sqrt(se[i] ** 2 + (se[i, 0] * (Ps / Ps[0]) ** (-pexp)) ** 2)
        dev = np.abs(g[i] - pred)
        allowed = np.maximum(rel_tol * pred, 3.0 * comb)
        res[f"d={dv}: gap vs P^-{pexp:g}"] = (bool(np.all(dev <= allowed)),
                                             f"gaps {np.round(g[i], 5).tolist()} vs predicted "
                                             f"{np.round(pred, 5).tolist()}")
    drop = g[0] / g[-1]
    if claim.constants["d_effect"] == "decrease":
        fac = float(claim.constants["d_drop"])
        res[f"gap drops >= {fac:g}x from d={ds[0]} to d={ds[-1]}"] = (bool(np.all(drop >= fac)),
                                                                       f"drops {np.round(drop, 2).tolist()}")
    else:  # flat in d within the same tolerance
        res["gap flat in d"] = (bool(np.all(np.abs(drop - 1) <= rel_tol)), f"ratios {np.round(drop, 2).tolist()}")
    return _checks(res)


prop2 = Claim(
    id="ddpm_transformer.prop2",
    paper=PAPER.slug,
    where="Proposition 2, eq. (17); proof eqs. (63)-(75)",
    kind=Kind.BOUND,
    status=Status.CORRECTED,
    title="R_Bayes - R_oracle <= O(eps) under conditions (i) (large d) and (iii) (large P): "
          "the gap falls quickly with d and is flat in P",
    statement=r"R_{\rm Bayes}-R_{\rm oracle}\le O(\epsilon)\ \text{under (i) and (iii)};"
              r"\ \text{gap decreasing in }d,\ \text{flat in }P",
    constants={"p_exponent": 0.0, "p_rel_tol": 0.15, "d_effect": "decrease", "d_drop": 5.0},
    assumptions=(Assumption("conditions (i) and (iii) of Theorem 1"),),
    # Tolerances from the card: across P the gap may change by 15 % or 3 combined MC-SE,
    # whichever is larger (at d = 64, P = 16 the MC-SE with 2,000 samples is ~7 % of the
    # gap); from d = 16 to d = 64 it must drop at least 5x (measured ~17x).
    judge_fn=_prop2_judge,
    false_variant={"title": "the gap does not depend on d", "constants": {"d_effect": "flat"}},
    printed={"title": "condition (iii) alone suffices: the gap shrinks like 1/P",
             "constants": {"p_exponent": 1.0}},
    note="Erratum E4: the proof (63)-(75) computes the conditional variance of X^0 instead of E^t, "
         "defines A(X^t) from the true labels (not X^t-measurable), gives the token average the mean mu "
         "instead of sqrt(abar) mu, and drops a factor d. At fixed d the gap is set by how well a single "
         "token's label can be read off and does not shrink with P. Corrected statement (reconstructed): "
         "under (i) and (iii).",
)


# ==================================================================================================
# mean_denoising_floor
# ==================================================================================================
def _md_theory(quantity, alpha_bar, rho, n_tok=None, loo=False, n_power=1, loo_offset=1, P=None, D=None, **_):
    a2 = np.atleast_1d(np.asarray(alpha_bar, dtype=float))
    if quantity == "uniform":
        return uniform_attention_risk_t(a2, rho, P, D)
    nn = np.asarray(n_tok, dtype=float)                      # (N, P) label counts per token
    keep = nn >= (2 if loo else 1)
    eff = nn - (loo_offset if loo else 0)
    inv = np.where(keep, 1.0 / np.where(keep, eff, 1.0) ** n_power, 0.0).sum(axis=1) / keep.sum(axis=1)
    # per-sample theory: R_oracle,t + (b^2/s^2) * mean over tokens of 1/n^power
    base = oracle_risk_t(a2, rho)[None, :]
    ratio = ((1 - a2) / (1 - a2 + rho ** 2 * a2))[None, :]
    return base + ratio * inv[:, None]


mean_denoising_floor = Claim(
    id="ddpm_transformer.mean_denoising_floor",
    paper=PAPER.slug,
    where="Secs. 4.1-4.2 (DERIVED)",
    kind=Kind.CLOSED_FORM,
    status=Status.RECONSTRUCTED,
    title="Exact same-label mean denoising: per-token risk R_oracle,t + (b^2/s^2)/n (self included); "
          "(b^2/s^2)/(n-1) leave-one-out at v = c_t; W = 0 risk 1 - b^2(1-1/P)^2/(s^2(1-1/P) + abar D)",
    statement=sp.Eq(sp.Symbol("R_md_t"), ORACLE_RISK_T + MEAN_DENOISE_EXCESS_T),
    theory_fn=_md_theory,
    constants={"n_power": 1, "loo_offset": 1},
    assumptions=(Assumption("labels known; uniform weights on the same-label tokens; v_t = c_t"),),
    # Monte Carlo with the true labels: per-sample risks against the per-sample theory given
    # the label counts, 5 SE of the differences. The W = 0 risk is a ratio estimator
    # (1 - B^2/A); its SE is by the delta method, 5 SE.
    judge_fn=judges.all_of(judges.part("self", _mc_mean(5.0, 1e-10)),
                           judges.part("loo", _mc_mean(5.0, 1e-10)),
                           judges.part("uniform", _se_agree(5.0, 1e-10))),
    false_variant={"title": "leave-one-out averaging at v = c_t has excess (b^2/s^2)/n (like self-inclusive)",
                   "constants": {"loo_offset": 0}},
    note="DERIVED here and not printed; it makes Secs. 4.1-4.2 quantitative. Averaged over tokens the "
         "excess is (b^2/s^2) K_eff/P <= (b^2/s^2) K/P, which matches the K/P factor of condition (iii). "
         "Equal weights minimise the risk among label-based weightings once v is re-optimised.",
)


# ==================================================================================================
# thm1
# ==================================================================================================
def _thm1_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    """``measured``: final excess L - R_oracle for each P; ``inputs``: P, floor (mean-denoising
    floors), loss_first / loss_last (smoothed training loss at the start and end)."""
    ex = np.asarray(ev["measured"], dtype=float)
    Ps = np.asarray(ev["inputs"]["P"], dtype=float)
    floor = np.asarray(ev["inputs"]["floor"], dtype=float)
    k = claim.constants
    slope = float(np.polyfit(np.log(Ps), np.log(np.maximum(ex, 1e-300)), 1)[0]) if np.all(ex > 0) else np.nan
    lo, hi = k["p_exponent"] + k["slope_window"][0], k["p_exponent"] + k["slope_window"][1]
    drops = 1 - ex[1:] / ex[:-1]
    first = np.asarray(ev["inputs"]["loss_first"], dtype=float)
    last = np.asarray(ev["inputs"]["loss_last"], dtype=float)
    res = {
        "excess decreasing in P (>= 20 % per step)": (bool(np.all(drops >= k["min_drop"])),
                                                      f"excess {np.round(ex, 5).tolist()}"),
        f"log-log slope in [{lo:g}, {hi:g}] (exponent {k['p_exponent']:g})": (bool(lo <= slope <= hi),
                                                                              f"slope {slope:.3f}"),
        "excess <= 2 floor + 0.01": (bool(np.all(ex <= k["floor_factor"] * floor + k["floor_slack"])),
                                     f"floors {np.round(floor, 5).tolist()}"),
        "training loss decreases": (bool(np.all(last < first)),
                                    f"first/last 50-step means {np.round(first, 4).tolist()} / "
                                    f"{np.round(last, 4).tolist()}"),
    }
    return _checks(res, k["p_exponent"], slope)


thm1 = Claim(
    id="ddpm_transformer.thm1",
    paper=PAPER.slug,
    where="Theorem 1, eqs. (9)-(10)",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="GD from W = 0 reaches L <= R_Bayes + O(eps) with P >~ eps^{-1}: the excess falls like P^{-1}",
    statement=r"P\ge\Omega\big(K\nu_{\min}^{-1}M^{-1}(\rho^2+1)\epsilon^{-1}\log d\big),\ "
              r"S\ge\Omega(\dots)\Rightarrow L(\Psi^{(S)})\le R_{\rm Bayes}+O(\epsilon)",
    constants={"p_exponent": -1.0, "slope_window": (-0.3, 0.5), "min_drop": 0.2, "floor_factor": 2.0,
               "floor_slack": 0.01},
    assumptions=(Assumption("conditions (i)-(v) of Theorem 1 (constants hidden)"),),
    # Condition (iii) gives eps ~ 1/P; the card's window [-1.3, -0.5] around -1 allows for
    # the finite training time (the measured slope was -0.79). The excess is measured with
    # common random numbers against the oracle (MC-SE ~1e-4 << the 20 % steps).
    judge_fn=_thm1_judge,
    false_variant={"title": "excess independent of P (slope 0)", "constants": {"p_exponent": 0.0}},
    note="All constants are hidden: only the direction of the P scaling, the mechanism and the level "
         "relative to the mean-denoising floor are checked. The proof body uses P >~ nu_min^{-1}(rho^2+1)"
         "eps^{-1} log d (eqs. (38), (144); erratum E5). The excess is measured against R_oracle (<= R_Bayes), "
         "which makes the check stricter.",
)


# ==================================================================================================
# cor1
# ==================================================================================================
def _cor1_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    sym = ev["symbolic"]
    res = {"(a), (b) = eq. (9) at nu = 1/M, pi_min (log term dropped)": (bool(all(sym["measured"])),
                                                                          f"{sym['measured']}")}
    num = ev["numeric"]
    ratio = np.asarray(num["measured"], dtype=float)
    pm = np.asarray(num["inputs"]["pi_min"], dtype=float)
    Mv = np.asarray(num["inputs"]["M"], dtype=float)
    tol = 1e-12  # float64 evaluation of rational expressions
    if not k["k_dependent"]:
        ok = bool(np.all(np.abs(ratio - 1) <= tol))
        res["S(K = M) / S(K = 1) = 1"] = (ok, f"ratios range [{ratio.min():.4g}, {ratio.max():.4g}]")
    else:
        bound = 1 / (Mv * pm)
        if k["strict"]:
            ok = bool(np.all(ratio > bound * (1 + tol))) and bool(np.all(pm * Mv < 1 - tol))
            txt = "ratio > 1/(M pi_min) and pi_min < 1/M (strict)"
        else:
            ok = bool(np.all(ratio >= bound * (1 - tol))) and bool(np.all(pm * Mv <= 1 + tol))
            txt = "ratio >= 1/(M pi_min) and pi_min <= 1/M"
        res[txt] = (ok, f"min ratio/bound {np.min(ratio / bound):.6g}; max M pi_min {np.max(pm * Mv):.6g}")
    mono = np.asarray(ev["monotone"]["measured"], dtype=float)
    res["S(nu_min(K)) non-decreasing in K"] = (bool(np.all(mono >= -tol)) if k["k_dependent"] else True,
                                               f"min relative step {mono.min():.3g}")
    return _checks(res)


cor1 = Claim(
    id="ddpm_transformer.cor1",
    paper=PAPER.slug,
    where="Corollary 1; proof eqs. (41)-(46)",
    kind=Kind.SCALING,
    status=Status.CORRECTED,
    title="K = 1 minimises and K = M maximises the iteration count; ratio (b)/(a) >= 1/(M pi_min)",
    statement=sp.Eq(THM1_ITERS_MAIN.subs(nu_s, 1 / M), COR1_A),
    constants={"k_dependent": True, "strict": False},
    assumptions=(Assumption("1 <= K <= M (K = M allowed, unlike Definition 1)"),),
    judge_fn=_cor1_judge,
    false_variant={"title": "the iteration count does not depend on K", "constants": {"k_dependent": False}},
    printed={"title": "as printed: min pi < 1/M and M^{-1} pi_min^{-1} > 1 (strict)",
             "constants": {"strict": True}},
    note="Minor corrections: the strict inequalities fail for uniform pi (equality); part (b) needs K = M, "
         "which Definition 1 excludes; the proof's (41)-(42) drop Z_u. Both formulas drop the "
         "log(rho^2+1)/eps term of eq. (9). The conclusion follows from nu_bounds (monotonicity).",
)


# ==================================================================================================
# thm2
# ==================================================================================================
def _stratified_mean_se(x: np.ndarray, strata: np.ndarray) -> tuple[float, float]:
    """Mean over strata of the per-stratum means (the time average over a fixed schedule) and
    its standard error: the steps are stratified, not random, so only the within-step spread
    is sampling noise."""
    ids = np.unique(strata)
    means = np.array([x[strata == k].mean() for k in ids])
    var = np.array([x[strata == k].var(ddof=1) / np.sum(strata == k) for k in ids])
    return float(means.mean()), float(np.sqrt(var.sum()) / ids.size)


def _thm2_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    n_se = 5.0
    off = float(claim.constants["snr_offset"])
    res = {}
    for part in ("trained", "noisy_bayes"):
        e = ev[part]
        t_idx = np.asarray(e["inputs"]["t_idx"])
        direct = np.asarray(e["measured"], dtype=float)           # per-sample score error
        via = np.asarray(e["inputs"]["via_loss"], dtype=float)     # per-sample (L - R_B)/(1 - abar)
        m_dir, se_dir = _stratified_mean_se(direct, t_idx)
        m_dif, se_dif = _stratified_mean_se(direct - via, t_idx)
        res[f"{part}: E = mean_t (L_t - R_B,t)/(1 - abar_t)"] = (abs(m_dif) <= n_se * se_dif + 1e-12,
                                                                 f"{m_dir:.5g} vs {m_dir - m_dif:.5g} "
                                                                 f"(SE {se_dif:.2g})")
        a2 = np.asarray(e["inputs"]["alpha_bar"], dtype=float)
        emax = float(np.max(e["inputs"]["excess_t"]))
        bound = (off + snr_avg(a2)) * emax
        res[f"{part}: E <= ({off:g} + SNR) max_t excess"] = (m_dir <= bound + n_se * se_dir,
                                                             f"{m_dir:.5g} (SE {se_dir:.2g}) vs {bound:.5g}")
    a2 = np.asarray(ev["trained"]["inputs"]["alpha_bar"], dtype=float)
    lhs = float(np.mean(1 / (1 - a2)))
    res[f"mean 1/(1 - abar) = {off:g} + SNR"] = (abs(lhs - (off + snr_avg(a2))) <= 1e-12 * lhs,
                                                 f"{lhs:.15g} vs {off + snr_avg(a2):.15g}")
    return _checks(res)


thm2 = Claim(
    id="ddpm_transformer.thm2",
    paper=PAPER.slug,
    where="Theorem 2, eqs. (11)-(12)",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="Score error of s = -f/sqrt(1 - abar): E(theta) <= eps (SNR + 1), via the exact identity "
          "E = mean_t (L_t - R_Bayes,t)/(1 - abar_t)",
    statement=r"\mathcal E(\theta)=\frac1T\sum_t\frac{L_t-R_{{\rm Bayes},t}}{1-\bar\alpha_t}\le"
              r"\epsilon(\mathrm{SNR}+1)",
    constants={"snr_offset": 1.0},
    assumptions=(Assumption("L_t - R_Bayes,t <= eps for every t"),),
    # The two sides of the identity agree in expectation and differ per sample by the
    # zero-mean cross term 2<f - eps*, eps* - E>: 5 SE of the per-sample differences (SE of a
    # mean over the stratified steps). The bound uses the per-step excesses (measured for the
    # trained model, exact for the noisy-Bayes control) and allows 5 SE. The SNR identity is
    # exact algebra (1e-12 relative).
    judge_fn=_thm2_judge,
    false_variant={"title": "E(theta) <= eps SNR (the +1 dropped)", "constants": {"snr_offset": 0.0}},
    note="DERIVED identity behind the bound (Tweedie plus Pythagoras, per t). The proof's Hoeffding step "
         "over t (eqs. (59), (138)) is unnecessary: the average over the fixed schedule is SNR (erratum E7).",
)


# ==================================================================================================
# prop1
# ==================================================================================================
def _prop1_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    err = np.asarray(ev["measured"], dtype=float)
    inp = ev["inputs"]
    Ps = np.asarray(inp["P"], dtype=float)
    ideal = np.asarray(inp["ideal"], dtype=float)
    slope = float(np.polyfit(np.log(Ps), np.log(err), 1)[0])
    lo, hi = k["p_exponent"] + k["slope_window"][0], k["p_exponent"] + k["slope_window"][1]
    ratio = err / ideal
    a2 = np.asarray(inp["alpha_bar"], dtype=float)
    target = oracle_coef(a2, inp["rho"]) if k["v_target"] == "oracle" else np.sqrt(1 - a2)
    vs = np.asarray(inp["v"], dtype=float)
    vdev = float(np.max(np.abs(vs - target[None, :])))
    res = {
        f"slope in P in [{lo:g}, {hi:g}]": (bool(lo <= slope <= hi), f"slope {slope:.3f}"),
        f"error / ideal in [{k['ratio_window'][0]:g}, {k['ratio_window'][1]:g}]":
            (bool(np.all((ratio >= k["ratio_window"][0]) & (ratio <= k["ratio_window"][1]))),
             f"errors {np.round(err, 5).tolist()}, ideal {np.round(ideal, 5).tolist()}"),
        f"max_t |v_t - {k['v_target']}| <= {k['v_tol']:g}": (vdev <= k["v_tol"], f"{vdev:.4f}"),
    }
    return _checks(res, k["p_exponent"], slope)


prop1 = Claim(
    id="ddpm_transformer.prop1",
    paper=PAPER.slug,
    where="Proposition 1, eqs. (15)-(16)",
    kind=Kind.SCALING,
    status=Status.AS_PRINTED,
    title="Trained attention estimates sqrt(abar) M_Y with error O((rho^2+1) log d/(P nu_min)); "
          "v_t -> sqrt(1-abar)/(1 - abar + rho^2 abar)",
    statement=r"\|\sqrt{\bar\alpha_t}M_Y-X^t\mathrm{softmax}(X^{t\top}WX^t/d)\|_F^2/(dP)\le"
              r"O\Big(\frac{(\rho^2+1)\log d}{P\nu_{\min}}\Big),\ |v_t-c_t|\le O(\epsilon)",
    constants={"p_exponent": -1.0, "slope_window": (-0.2, 0.4), "ratio_window": (1.0, 2.5),
               "v_target": "oracle", "v_tol": 0.05},
    assumptions=(Assumption("conditions of Theorem 1"),),
    # The card's window [-1.2, -0.6] around the exponent -1 of (15) (measured -0.79); the
    # error must lie between the ideal same-label average s^2 E[1/n] and 2.5x it; v_t within
    # 0.05 of c_t (MC noise of the batch gradients and finite training; measured 0.02-0.03).
    judge_fn=_prop1_judge,
    false_variant={"title": "v_t -> b_t = sqrt(1 - abar) (the coefficient for noiseless data)",
                   "constants": {"v_target": "b"}},
)


# ==================================================================================================
# cor2
# ==================================================================================================
def _cor2_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    ex = np.asarray(ev["measured"], dtype=float)
    se = np.asarray(ev["se"], dtype=float)
    floor = np.asarray(ev["inputs"]["floor"], dtype=float)
    up = k["upper_factor"] * floor + k["slack"] + 5.0 * se
    low = k["lower_factor"] * floor - 5.0 * se
    res = {f"excess <= {k['upper_factor']:g} floor + {k['slack']:g}": (bool(np.all(ex <= up)),
                                                                        f"excess {np.round(ex, 5).tolist()} vs "
                                                                        f"{np.round(up, 5).tolist()}"),
           f"excess >= {k['lower_factor']:g} floor": (bool(np.all(ex >= low)),
                                                      f"lower {np.round(low, 5).tolist()}")}
    return _checks(res, float(up.max()), float(ex.max()))


cor2 = Claim(
    id="ddpm_transformer.cor2",
    paper=PAPER.slug,
    where="Corollary 2, eqs. (34)-(35)",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="The trained model reaches the oracle risk: L - R_oracle <= O(eps), within 2x the "
          "mean-denoising floor (+0.01)",
    statement=r"L(\Psi^{(S)})\le R_{\rm oracle}+O(\epsilon)",
    constants={"upper_factor": 2.0, "slack": 0.01, "lower_factor": 0.8},
    assumptions=(Assumption("conditions of Theorem 1"),),
    # 5 MC-SE on top of the card's 2 x floor + 0.01; the lower side 0.8 x floor is a sanity
    # check (label-based weights cannot beat the floor; data-dependent softmax weights are not
    # covered by that argument, hence 0.8).
    judge_fn=_cor2_judge,
    false_variant={"title": "L <= R_oracle exactly", "constants": {"upper_factor": 0.0, "slack": 0.0}},
    note="The appendix section titled 'Proof of Corollary 2' proves Proposition 2 (erratum E4).",
)


# ==================================================================================================
# prop3
# ==================================================================================================
def _prop3_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    inp = ev["inputs"]
    ds = np.asarray(inp["d"], dtype=float)
    Mv = int(inp["M"])
    res = {}
    if k["form"] == "printed":
        r = np.abs(np.asarray(inp["cross"], dtype=float)) / np.asarray(inp["same"], dtype=float)
        b = np.log(ds) / np.sqrt(ds)
        res["|cross|/same <= log d / sqrt d (19)"] = (bool(np.all(r <= b)),
                                                     f"ratios {np.round(r, 3).tolist()} vs "
                                                     f"{np.round(b, 3).tolist()} at d={ds.tolist()}")
    else:
        od = np.asarray(ev["measured"], dtype=float)        # block off-diagonal / diagonal
        centre = -float(k["shift"]) / (Mv - 1)
        res[f"off/diag = {centre:.3f} +- {k['tol']:g}"] = (bool(np.all(np.abs(od - centre) <= k["tol"])),
                                                          f"off/diag {np.round(od, 4).tolist()}")
    hist = [np.asarray(h, dtype=float) for h in inp["same_hist"]]
    res["same-pattern logit grows over training"] = (all(h[-1] > h[0] and h[-1] > 0 for h in hist),
                                                     f"start/end {[(round(h[0], 3), round(h[-1], 3)) for h in hist]}")
    ef = np.asarray(inp["energy_fraction"], dtype=float)
    res["energy in mu-block >= 0.99"] = (bool(np.all(ef >= 0.99)), f"{np.round(ef, 5).tolist()}")
    return _checks(res)


prop3 = Claim(
    id="ddpm_transformer.prop3",
    paper=PAPER.slug,
    where="Proposition 3, eqs. (18)-(19)",
    kind=Kind.PHENOMENON,
    status=Status.CORRECTED,
    title="Same-pattern logits grow (18); cross-pattern logits ~ -same/(M-1) (corrected (19))",
    statement=r"x_j^\top Wx_i/d\ge\tfrac12\log(\Omega(\epsilon^{-1}K\delta)),\ "
              r"\big|x_k^\top Wx_i/d+\tfrac1{M-1}x_j^\top Wx_i/d\big|\le O(\log d/\sqrt d)\,x_j^\top Wx_i/d",
    constants={"form": "corrected", "shift": 1.0, "tol": 0.05},
    assumptions=(Assumption("conditions of Theorem 1; W(0) = 0"),),
    # The card's tolerance 0.05 on the off/diag ratio of the mu-block (measured -0.334 at
    # M = 4 for both d); the energy fraction >= 0.99 (measured 0.9999).
    judge_fn=_prop3_judge,
    false_variant={"title": "cross-pattern logits ~ 0 (off/diag ratio 0)", "constants": {"shift": 0.0}},
    printed={"title": "(19) as printed with constant 1: |cross|/same <= log d / sqrt d",
             "constants": {"form": "printed"}},
    note="(18) stands as printed (only its growth is checkable: the constant is hidden). (19) is corrected: "
         "the softmax is invariant to a common shift of a query's logits, so GD from W = 0 gives every "
         "column of the mu-block sum ~0 and the cross logit ~ -same/(M-1), independent of d (erratum E6); "
         "Fig. 4 (M = 8: same ~4, cross ~-0.7) agrees. The printed form can only be rejected where "
         "log d/sqrt d < 1/(M-1), i.e. d = 1024 at M = 4 (thorough tier).",
)


# ==================================================================================================
# cor3
# ==================================================================================================
def _cor3_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    inp = ev["inputs"]
    mass = np.asarray(ev["measured"], dtype=float)
    init = np.asarray(inp["init_mass"], dtype=float)
    init_se = np.asarray(inp["init_mass_se"], dtype=float)
    frac = np.asarray(inp["same_fraction"], dtype=float)
    pred_init = frac if k["init"] == "uniform" else np.full_like(frac, k["mass_min"])
    cmp_init = (np.abs(init - pred_init) <= 5 * init_se + 1e-12) if k["init"] == "uniform" else (init >= pred_init)
    cv = np.asarray(inp["cv"], dtype=float)
    res = {
        f"trained same-pattern mass >= {k['mass_min']:g}": (bool(np.all(mass >= k["mass_min"])),
                                                            f"{np.round(mass, 4).tolist()}"),
        f"mass at W = 0 ({k['init']})": (bool(np.all(cmp_init)),
                                         f"{np.round(init, 4).tolist()} vs {np.round(pred_init, 4).tolist()}"),
        f"within-pattern CV(d={inp['d'][1]}) <= {k['cv_ratio']:g} CV(d={inp['d'][0]})":
            (bool(cv[1] <= k["cv_ratio"] * cv[0]), f"CV {np.round(cv, 4).tolist()}"),
    }
    return _checks(res, k["mass_min"], float(mass.min()))


cor3 = Claim(
    id="ddpm_transformer.cor3",
    paper=PAPER.slug,
    where="Corollary 3, eqs. (20)-(21)",
    kind=Kind.PHENOMENON,
    status=Status.AS_PRINTED,
    title="Attention concentrates on the query's pattern (mass >= 1 - sqrt(eps)) with near-equal weights",
    statement=r"\sum_{p'\in\mathcal S_u}\mathrm{softmax}(\cdot)_{p'}\ge1-\sqrt\epsilon,\ "
              r"\text{weights equal up to }1\pm\Theta(\epsilon)",
    constants={"mass_min": 0.9, "init": "uniform", "cv_ratio": 0.7},
    assumptions=(Assumption("conditions of Theorem 1; W(0) = 0"),),
    # Card thresholds: mass >= 0.9 after training (measured 0.97); at W = 0 the mass is the
    # fraction of same-label tokens, 1/P + (1-1/P) E sum pi_u(S)^2 (5 SE); condition (i)
    # predicts a smaller within-pattern CV at larger d (CV(64) <= 0.7 CV(16); measured 0.15 vs 0.29).
    judge_fn=_cor3_judge,
    false_variant={"title": "the mass is already >= 0.9 at W = 0", "constants": {"init": "concentrated"}},
)


# ==================================================================================================
# cor4
# ==================================================================================================
def _cor4_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    res = {}
    base = ev["train"]
    for part, (fac, slack) in k["limits"].items():
        e = ev[part]
        ex, se, fl = float(e["measured"]), float(e["se"]), float(e["inputs"]["floor"])
        res[f"{part}: excess <= {fac:g} floor + {slack:g}"] = (ex <= fac * fl + slack + 5 * se,
                                                               f"{ex:.4f} (floor {fl:.4f})")
        if not k["shift_penalty"] and part != "train":
            comb = np.hypot(se, float(base["se"]))
            res[f"{part}: no shift penalty"] = (ex <= float(base["measured"]) + 3 * comb,
                                                f"{ex:.4f} vs train {float(base['measured']):.4f}")
    return _checks(res)


cor4 = Claim(
    id="ddpm_transformer.cor4",
    paper=PAPER.slug,
    where="Corollary 4",
    kind=Kind.BOUND,
    status=Status.AS_PRINTED,
    title="Robust to a shifted pattern prior: L <= R_oracle + O(eps) on D(pi', K, mu, rho)",
    statement=r"P\ge\Omega(\nu^{\tilde\pi'}_{\min}(K)^{-1}(\rho^2+1)\epsilon^{-1}\log d)\Rightarrow"
              r"L_{\tilde\pi'}(\Psi^{(S)})\le R_{\rm oracle}+O(\epsilon)",
    constants={"limits": {"train": (2.0, 0.01), "uniform": (2.0, 0.015), "reversed": (4.0, 0.0)},
               "shift_penalty": True},
    assumptions=(Assumption("model trained on pi > 0; conditions of Theorem 1 for pi'"),),
    # Card thresholds at 400 steps (a finite-d shift penalty remains on the reversed prior; the
    # corollary is asymptotic), plus 5 MC-SE.
    judge_fn=_cor4_judge,
    false_variant={"title": "no shift penalty: the excess on pi' is no larger than on the training prior",
                   "constants": {"shift_penalty": False}},
    note="Inconsistencies kept visible: the score bound here is O(eps) whereas Theorem 2 gives "
         "eps(SNR+1), and the P condition lacks the K M^{-1} factor of Theorem 1(iii).",
)


# ==================================================================================================
# lemma4_log_growth
# ==================================================================================================
def _first_crossing(steps: np.ndarray, h: np.ndarray, level: float) -> float:
    idx = np.flatnonzero(h > level)
    return float(steps[idx[0]]) if idx.size else float("inf")


def _lemma4_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    steps = np.asarray(ev["inputs"]["steps"], dtype=float)
    L = np.asarray(ev["measured"], dtype=float)              # (n_ckpt, M) same-pattern logits
    rare = int(ev["inputs"]["rare"])
    freq = [u for u in range(L.shape[1]) if u != rare]
    Lf = L[:, freq].mean(axis=1)
    at = lambda s: float(np.interp(s, steps, Lf))  # noqa: E731
    t_rare = _first_crossing(steps, L[:, rare], 1.0)
    t_freq = _first_crossing(steps, Lf, 1.0)
    s0 = float(k["s_ratio"])
    inc1, inc2 = at(2 * s0) - at(s0), at(4 * s0) - at(2 * s0)
    ratio = inc2 / inc1 if inc1 > 0 else float("inf")
    res = {
        "rare onset >= 2x frequent onset": (t_rare >= 2 * t_freq, f"first step > 1.0: rare {t_rare:g}, "
                                                                  f"frequent {t_freq:g}"),
        "frequent saturate: inc[400,800] < inc[200,400]": (at(800) - at(400) < at(400) - at(200),
                                                          f"{at(800) - at(400):.3f} vs {at(400) - at(200):.3f}"),
        f"increment ratio at s={s0:g} in [{k['ratio_low']:g}, {k['ratio_high']:g}] ({k['growth']})":
            (k["ratio_low"] <= ratio <= k["ratio_high"], f"{ratio:.3f}"),
    }
    return _checks(res, (k["ratio_low"], k["ratio_high"]), ratio)


lemma4_log_growth = Claim(
    id="ddpm_transformer.lemma4_log_growth",
    paper=PAPER.slug,
    where="Lemma 4, eqs. (121)-(129) (inside the proof)",
    kind=Kind.PHENOMENON,
    status=Status.RECONSTRUCTED,
    title="Same-pattern logits grow logarithmically and saturate; rare patterns start later",
    statement=r"Z^u(s)\gtrsim\tfrac12\log\big(1+2\gamma(u)(1-\nu_u)^2\nu_u s\big),\ "
              r"\gamma(u)=\eta\tfrac1T\sum_t v_t^2\bar\alpha_t^3\nu_u",
    constants={"growth": "log", "ratio_low": 0.0, "ratio_high": 1.3, "s_ratio": 200},
    assumptions=(Assumption("paper-like imbalance pi = (0.01, 0.99/7, ...), M = 8, K = 4"),),
    # Increment ratio inc[2s,4s]/inc[s,2s] of the frequent logits: ~1 for log growth (less
    # after saturation; the card allows <= 1.3), 2 for linear growth (2 +- 0.3). Applied at
    # s = 200, after v_t has converged (earlier, gamma ~ v_t^2 still grows).
    judge_fn=_lemma4_judge,
    false_variant={"title": "linear growth in s (increment ratio 2)",
                   "constants": {"growth": "linear", "ratio_low": 1.7, "ratio_high": 2.3}},
    note="Inequalities up to unspecified constants inside the proof: only the qualitative shape is "
         "checkable. The ordering depends on rarity within the sampled subsets, not on pi_u alone "
         "(with M = 4, K = 2, pi = (0.7, 0.1, 0.1, 0.1) the 'rare' patterns grow faster).",
)


# ==================================================================================================
# lemma5
# ==================================================================================================
def _lemma5_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    res = {}
    for part in ev["parts"]:
        e = ev[part]
        inp = e["inputs"]
        a2, r, et = float(inp["ab"]), float(inp["rho"]), float(inp["eta"])
        A_hat = float(inp["A_hat"])
        A_th = (r ** 2 * a2 + 1 - a2) * (1 - float(inp["k_eff"]) / float(inp["P"]))
        A_use = A_hat if k["A_form"] == "variance" else r * np.sqrt(a2) + np.sqrt(1 - a2)
        pred = 1 - k["factor"] * et * A_use
        ratios = np.asarray(e["measured"], dtype=float)
        dev = float(np.max(np.abs(ratios - pred)))
        res[f"abar={a2:g}: contraction"] = (dev <= 1e-9, f"measured {ratios.mean():.6f} vs {pred:.6f}")
        A_claim = A_th if k["A_form"] == "variance" else r * np.sqrt(a2) + np.sqrt(1 - a2)
        se = float(inp["A_se"])
        res[f"abar={a2:g}: curvature A_t"] = (abs(A_hat - A_claim) <= 5 * se + 1e-12,
                                             f"{A_hat:.5f} vs {A_claim:.5f} (SE {se:.2g})")
        vs = float(inp["v_star"])
        ct = float(oracle_coef(a2, r))
        res[f"abar={a2:g}: v* ~ c_t"] = (abs(vs - ct) <= 0.005, f"{vs:.4f} vs {ct:.4f}")
    return _checks(res)


lemma5 = Claim(
    id="ddpm_transformer.lemma5",
    paper=PAPER.slug,
    where="Lemma 5, eqs. (29)-(32); proof (147)-(153)",
    kind=Kind.RATE,
    status=Status.CORRECTED,
    title="v_t converges linearly with factor 1 - 2 eta A_t, A_t = (rho^2 abar + 1 - abar)(1 - E[1/n]); "
          "v* ~ c_t",
    statement=sp.Eq(sp.Symbol("q_t"), V_CONTRACTION),
    constants={"A_form": "variance", "factor": 2.0},
    assumptions=(Assumption("W fixed (concentrated attention); per-t loss without 1/2 and 1/T (eq. 148)"),),
    # With W fixed the per-step loss is exactly quadratic in v_t, so the contraction equals
    # 1 - 2 eta A_hat to round-off (1e-9); A_hat is a Monte-Carlo average over 400 data points
    # compared with s^2 (1 - E[K_eff]/P) at 5 SE; v* within the card's 0.005 of c_t.
    judge_fn=_lemma5_judge,
    false_variant={"title": "factor 1 - eta A_t (the gradient of the 1/2-normalised loss)",
                   "constants": {"factor": 1.0}},
    printed={"title": "eq. (29) as printed: 1 - 2 eta (rho sqrt(abar) + sqrt(1 - abar))",
             "constants": {"A_form": "std_sum"}},
    note="Erratum E3: (29) replaces the variance rho^2 abar + 1 - abar of (150)/(153) by the sum of "
         "standard deviations, which is larger when both are below 1, so it claims a faster rate than GD "
         "achieves; the step-size condition (151)-(152) has the same slip. The stable range is eta < 1/A_t. "
         "Under the printed global loss (3) (with 1/(2T)) the factor is 1 - eta A_t / T.",
)


# ==================================================================================================
# w_structure
# ==================================================================================================
def _w_structure_judge(claim: Claim, ev: Mapping[str, Any], **_: Any) -> Verdict:
    k = claim.constants
    B = np.asarray(ev["measured"], dtype=float)
    Mv = B.shape[0]
    ef = float(ev["inputs"]["energy_fraction"])
    dg = np.diag(B)
    off = B[~np.eye(Mv, dtype=bool)]
    spread = float(dg.max() / dg.min() - 1) if dg.min() > 0 else float("inf")
    ratio = float(off.mean() / dg.mean())
    centre = -float(k["shift"]) / (Mv - 1)
    res = {"energy fraction >= 0.99": (ef >= 0.99, f"{ef:.5f}"),
           "diagonal within 5 %": (spread <= 0.05, f"spread {spread:.4f}"),
           f"off/diag = {centre:.3f} +- 0.05": (abs(ratio - centre) <= 0.05, f"{ratio:.4f}")}
    return _checks(res, centre, ratio)


w_structure = Claim(
    id="ddpm_transformer.w_structure",
    paper=PAPER.slug,
    where="auxiliary (DERIVED from eq. (4) from W(0) = 0)",
    kind=Kind.PHENOMENON,
    status=Status.RECONSTRUCTED,
    title="W stays in span{mu_u mu_v^T}; for uniform pi the block is alpha I + beta(11^T - I), "
          "beta ~ -alpha/(M-1)",
    statement=r"W\approx\sum_{u,v}B_{uv}\mu_u\mu_v^\top/d,\ B=\alpha I+\beta(\mathbf 1\mathbf 1^\top-I),\ "
              r"\beta\approx-\alpha/(M-1)",
    constants={"shift": 1.0},
    assumptions=(Assumption("W(0) = 0; uniform pi"),),
    # Card thresholds: energy >= 0.99 (measured 0.9999), diagonal within 5 %, off/diag within
    # -1/(M-1) +- 0.05.
    judge_fn=_w_structure_judge,
    false_variant={"title": "block diagonal (beta ~ 0)", "constants": {"shift": 0.0}},
    note="DERIVED here and not printed. The structure depends on W(0) = 0: with i.i.d. N(0,1) entries "
         "the out-of-span part persists (energy fraction ~0.2), which the check detects.",
)


CLAIMS = (
    nu_closed_form,
    nu_bounds,
    oracle_estimator,
    oracle_risk_claim,
    tweedie_score,
    bayes_oracle_pythagoras,
    prop2,
    mean_denoising_floor,
    thm1,
    cor1,
    thm2,
    prop1,
    cor2,
    prop3,
    cor3,
    cor4,
    lemma4_log_growth,
    lemma5,
    w_structure,
)
