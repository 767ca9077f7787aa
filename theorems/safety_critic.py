"""Castellano, Min, Bazerque & Mallada (Asilomar 2023): learning safety critics via a
non-contractive binary Bellman operator.

A deterministic system ``F : S x A -> S`` must avoid a failure set ``G`` forever. The
binary critic ``b*(s, a)`` (1 = G can still be hit) solves the undiscounted binary
Bellman equation (5)

    b(s, a) = i(s) + (1 - i(s)) min_a' b(F(s, a), a')  =  max{ i(s), min_a' b(F(s, a), a') },

whose operator ``T`` (6) is not a contraction: the all-ones function is a spurious fixed
point, and (Theorem 1) every other fixed point describes a control-invariant safe set.
Every result is set-theoretic, so all of them are checked exactly on finite systems
(``F`` int ``(n, m)``, ``G`` bool ``(n,)``). Card: ``shared/papers/safety_critic.md``.

Closed forms exported here (numpy, validated): :func:`bellman_binary` (both printed and
max forms), :func:`b_star`, :func:`safe_states`, :func:`safe_actions`, :func:`c_set`,
:func:`fixed_point_from_C`, :func:`is_valid_C`, :func:`valid_C_sets`,
:func:`fixed_points_by_characterization`, :func:`uniform_safe_policy` (formula (8)),
:func:`pendulum_viability_bounds` (DERIVED kernel of the continuous pendulum),
:func:`sbe_q_target` (external SBE recursion), :func:`policy_entropy_normalised`.
The simulators (reachability, brute force over policies, exhaustive fixed-point
enumeration, the pendulum and its grid abstraction, the tabular learner) live in
:mod:`numerics.mdp` and :mod:`numerics.pendulum`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_scalar

PAPER = Paper(
    slug="safety_critic",
    title="Learning safety critics via a non-contractive binary Bellman operator",
    authors=("Agustin Castellano", "Hancheng Min", "Juan Andrés Bazerque", "Enrique Mallada"),
    venue="57th Asilomar Conference on Signals, Systems, and Computers",
    year=2023,
    arxiv="2401.12849",
    url="https://arxiv.org/abs/2401.12849",
    note="pp. 814-821; the authors' PDF includes Appendices A-D.",
)

__all__ = [
    "PAPER",
    "CLAIMS",
    "bellman_binary",
    "b_star",
    "safe_states",
    "doomed_states",
    "safe_actions",
    "c_set",
    "fixed_point_from_C",
    "is_valid_C",
    "valid_C_sets",
    "fixed_points_by_characterization",
    "function_codes",
    "uniform_safe_policy",
    "softmax_policy",
    "pendulum_constants",
    "pendulum_viability_bounds",
    "theta_star",
    "sbe_q_target",
    "sbe_margin",
    "policy_entropy_normalised",
    "THETA_STAR",
    "C0",
    "OMEGA_MAX_SQ",
]

# -- symbols --------------------------------------------------------------------------
i_s = sp.Symbol("i(s)", nonnegative=True)            # insecurity, in {0, 1}
v_next = sp.Symbol("v(s')", nonnegative=True)        # value of the successor
b_sa = sp.Symbol("b(s,a)", nonnegative=True)
minb_next = sp.Symbol(r"\min_{a'} b(s',a')", nonnegative=True)
gamma = sp.Symbol("gamma", positive=True)

alpha, beta, ubar = sp.symbols("alpha beta ubar", positive=True)
theta, omega = sp.symbols("theta omega", real=True)

#: theta* = arcsin(beta ubar / alpha): the saddle of full opposing torque (DERIVED).
THETA_STAR = sp.asin(beta * ubar / alpha)
#: C0 = alpha cos(theta*) + beta ubar theta*: the energy level of the saddle's manifold.
C0 = alpha * sp.cos(THETA_STAR) + beta * ubar * THETA_STAR
#: omega_max(theta)^2 = 2 (C0 - alpha cos(theta) - beta ubar theta) on the upper arc.
OMEGA_MAX_SQ = 2 * (C0 - alpha * sp.cos(theta) - beta * ubar * theta)

_theta_star_f = sp.lambdify((alpha, beta, ubar), THETA_STAR, "numpy")
_omega_sq_f = sp.lambdify((theta, alpha, beta, ubar), OMEGA_MAX_SQ, "numpy")


# -- validation -------------------------------------------------------------------------
def _system(F: Any, G: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(F, (str, bytes)) or F is None:
        raise TypeError(f"F must be an integer array, got {type(F).__name__}")
    Fa = np.asarray(F)
    if Fa.dtype == bool or not np.issubdtype(Fa.dtype, np.integer):
        raise TypeError(f"F must be an integer array, got dtype {Fa.dtype}")
    if Fa.ndim != 2 or Fa.shape[0] < 1 or Fa.shape[1] < 1:
        raise ValueError(f"F must have shape (n, m) with n, m >= 1, got {Fa.shape}")
    n = Fa.shape[0]
    if Fa.min() < 0 or Fa.max() >= n:
        raise ValueError(f"F must map into states 0..{n - 1}")
    Ga = np.asarray(G)
    if Ga.dtype != bool:
        if Ga.dtype.kind in "iu" and np.all(np.isin(Ga, (0, 1))):
            Ga = Ga.astype(bool)
        else:
            raise TypeError("G must be a boolean mask")
    if Ga.shape != (n,):
        raise ValueError(f"G must have shape ({n},), got {Ga.shape}")
    return Fa.astype(np.int64), Ga


def _binary_fn(b: Any, n: int, m: int, name: str = "b") -> np.ndarray:
    a = np.asarray(b)
    if a.shape[-2:] != (n, m):
        raise ValueError(f"{name} must have shape (..., {n}, {m}), got {a.shape}")
    if a.dtype == bool:
        return a
    a = as_array(a, name)
    if np.any(a < 0) or np.any(a > 1):
        raise ValueError(f"{name} must take values in [0, 1]")
    return a


def _set(C: Any, n: int, name: str = "C") -> np.ndarray:
    c = np.asarray(C)
    if c.dtype != bool:
        raise TypeError(f"{name} must be a boolean mask")
    if c.shape[-1:] != (n,):
        raise ValueError(f"{name} must have shape (..., {n}), got {c.shape}")
    return c


# -- closed forms -------------------------------------------------------------------------
def bellman_binary(b: Any, F: Any, G: Any, *, form: str = "max") -> np.ndarray:
    """The binary Bellman operator ``T`` of (6), vectorised over leading axes of ``b``.

    ``form="printed"``: ``(T b)(s, a) = i(s) + (1 - i(s)) min_a' b(F(s, a), a')`` as
    printed in (6); ``form="max"``: ``max{i(s), min_a' b(F(s, a), a')}`` (Lemma 1, (29)).
    The two agree on binary ``b`` and, since ``i`` is binary, on soft ``b`` in [0, 1]
    too. Returns float for float ``b`` and bool for bool ``b`` (max form only).
    """
    F, G = _system(F, G)
    n, m = F.shape
    b = _binary_fn(b, n, m)
    if form == "max":
        if b.dtype == bool:
            return G[:, None] | b.all(-1)[..., F]
        return np.maximum(G[:, None].astype(float), b.min(-1)[..., F])
    if form == "printed":
        i = G[:, None].astype(float)
        return i + (1.0 - i) * b.astype(float).min(-1)[..., F]
    raise ValueError(f"form must be 'max' or 'printed', got {form!r}")


def b_star(F: Any, G: Any) -> np.ndarray:
    """``b*`` (Definition 3) by value iteration of (6) from 0 (``n + 1`` sweeps suffice,
    see claim ``least_fixed_point``). Bool ``(n, m)``."""
    F, G = _system(F, G)
    b = np.zeros(F.shape, bool)
    for _ in range(F.shape[0] + 1):
        b = bellman_binary(b, F, G)
    return b


def safe_states(b: Any) -> np.ndarray:
    """(3) ``S_safe = {s : min_a b(s, a) = 0}`` for a binary critic ``b``."""
    return ~np.asarray(b, dtype=bool).all(-1)


def doomed_states(b: Any) -> np.ndarray:
    """``R(G) = S \\ S_safe``: the states doomed to fail."""
    return np.asarray(b, dtype=bool).all(-1)


def safe_actions(b: Any) -> np.ndarray:
    """(4) ``A_safe(s) = {a : b(s, a) = 0}`` as a bool ``(n, m)`` mask."""
    return ~np.asarray(b, dtype=bool)


def c_set(b: Any) -> np.ndarray:
    """``C(b) = {s : min_a b(s, a) = 0}`` (Theorem 1); soft ``b`` is rounded at 1/2."""
    a = np.asarray(b)
    if a.dtype != bool:
        a = a >= 0.5
    return ~a.all(-1)


def fixed_point_from_C(C: Any, F: Any, G: Any) -> np.ndarray:
    """The fixed point generated by a valid set ``C`` (claim ``fp_characterization``):
    ``b(s, a) = 1 - 1{s in C} 1{F(s, a) in C}``. Vectorised over leading axes of ``C``."""
    F, G = _system(F, G)
    C = _set(C, F.shape[0])
    return ~(C[..., :, None] & C[..., F])


def is_valid_C(C: Any, F: Any, G: Any, *, closed_from_outside: bool = True) -> np.ndarray:
    """Whether ``C`` generates a fixed point (DERIVED characterisation):

    * ``C`` and ``G`` are disjoint;
    * (CI) every ``s in C`` has an action with ``F(s, a) in C``;
    * (closed from outside) no ``s`` outside ``C`` and ``G`` has an action into ``C``.

    ``closed_from_outside=False`` drops the third condition (the negative control).
    Vectorised over leading axes of ``C``.
    """
    F, G = _system(F, G)
    C = _set(C, F.shape[0])
    into = C[..., F].any(-1)  # (..., n): some action leads into C
    ok = ~(C & G).any(-1) & (~C | into).all(-1)
    if closed_from_outside:
        ok &= (C | G | ~into).all(-1)
    return ok


def valid_C_sets(F: Any, G: Any, *, closed_from_outside: bool = True) -> np.ndarray:
    """All valid ``C`` (subsets of ``S \\ G``) as a bool array ``(k, n)``."""
    F, G = _system(F, G)
    n = F.shape[0]
    if n > 20:
        raise ValueError("valid_C_sets enumerates 2**n subsets; n must be <= 20")
    codes = np.arange(1 << n)
    subsets = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    subsets = subsets[~(subsets & G).any(1)]
    return subsets[is_valid_C(subsets, F, G, closed_from_outside=closed_from_outside)]


def fixed_points_by_characterization(F: Any, G: Any, *, closed_from_outside: bool = True) -> np.ndarray:
    """Every fixed point of ``T`` predicted by the characterisation, ``(k, n, m)``."""
    return fixed_point_from_C(valid_C_sets(F, G, closed_from_outside=closed_from_outside), F, G)


def function_codes(b: Any) -> np.ndarray:
    """Integer code ``sum_j b_j 2**j`` of binary functions ``(..., n, m)`` (row-major);
    the enumeration order of :func:`numerics.mdp.all_functions`."""
    a = np.asarray(b, dtype=bool)
    flat = a.reshape(a.shape[:-2] + (-1,))
    if flat.shape[-1] > 62:
        raise ValueError("too many entries to encode")
    return (flat.astype(np.int64) << np.arange(flat.shape[-1], dtype=np.int64)).sum(-1)


def uniform_safe_policy(b_hat: Any, fallback: str = "raise") -> np.ndarray:
    """The uniform-safe behaviour policy (8):
    ``pi(a|s) = 1{b_hat(s, a) = 0} / sum_a' 1{b_hat(s, a') = 0}``.

    (8) is undefined where every action is predicted unsafe (Errata 3). ``fallback``:
    ``"raise"`` (``ValueError`` naming the states), ``"least_unsafe"`` (uniform over the
    argmin of the soft critic, i.e. all actions for a binary one), ``"nan"`` (rows of NaN
    that mark the undefined states).
    """
    b = np.asarray(b_hat)
    if b.ndim != 2:
        raise ValueError(f"b_hat must have shape (n, m), got {b.shape}")
    soft = b.astype(float)
    if not np.all(np.isfinite(soft)) or np.any(soft < 0) or np.any(soft > 1):
        raise ValueError("b_hat must take values in [0, 1]")
    safe = soft < 0.5 if b.dtype != bool else ~b  # Round() at exactly 1/2 as the paper does
    count = safe.sum(1)
    undefined = count == 0
    pi = np.zeros(b.shape)
    ok = ~undefined
    pi[ok] = safe[ok] / count[ok, None]
    if undefined.any():
        if fallback == "raise":
            raise ValueError(f"policy (8) is undefined at states {np.flatnonzero(undefined).tolist()} "
                             "(every action predicted unsafe)")
        if fallback == "least_unsafe":
            lo = soft[undefined] == soft[undefined].min(1, keepdims=True)
            pi[undefined] = lo / lo.sum(1, keepdims=True)
        elif fallback == "nan":
            pi[undefined] = np.nan
        else:
            raise ValueError(f"fallback must be 'raise', 'least_unsafe' or 'nan', got {fallback!r}")
    return pi


def softmax_policy(b_hat: Any, temperature: float = 1.0) -> np.ndarray:
    """``pi(a|s) proportional to exp(-b_hat(s, a) / temperature)``: a plausible but wrong
    behaviour policy (it puts mass on predicted-unsafe actions); negative control."""
    b = as_array(b_hat, "b_hat", ndim=2)
    t = as_scalar(temperature, "temperature", low=0.0, low_open=True)
    z = np.exp(-(b - b.min(1, keepdims=True)) / t)
    return z / z.sum(1, keepdims=True)


def pendulum_constants(g: float = 10.0, m: float = 1.0, l: float = 1.0) -> tuple[float, float]:
    """``(alpha, beta) = (3 g / (2 l), 3 / (m l^2))`` of Pendulum-v1's equation
    ``theta'' = alpha sin(theta) + beta u`` (15 and 3 with the defaults)."""
    g = as_scalar(g, "g", low=0.0, low_open=True)
    m = as_scalar(m, "m", low=0.0, low_open=True)
    l = as_scalar(l, "l", low=0.0, low_open=True)
    return 3.0 * g / (2.0 * l), 3.0 / (m * l * l)


def theta_star(alpha: float = 15.0, beta: float = 3.0, umax: float = 2.0) -> float:
    """``theta* = arcsin(beta umax / alpha)`` (needs ``beta umax < alpha``)."""
    a = as_scalar(alpha, "alpha", low=0.0, low_open=True)
    b = as_scalar(beta, "beta", low=0.0, low_open=True)
    u = as_scalar(umax, "umax", low=0.0, low_open=True)
    if b * u >= a:
        raise ValueError(f"beta * umax must be < alpha (got {b * u} >= {a}): no equilibrium can be held")
    return float(_theta_star_f(a, b, u))


def pendulum_viability_bounds(theta_: Any, alpha: float = 15.0, beta: float = 3.0,
                              umax: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Maximal control-invariant safe set of ``theta'' = alpha sin(theta) + beta u``,
    ``|u| <= umax``, ``G = {|theta| >= pi/2}`` (DERIVED; the green region of Fig. 4):

    ``omega_max(theta) = sign(theta* - theta) sqrt(2 max(0, C0 - alpha cos(theta) -
    beta umax theta))`` (``sign(0) := +1``) and ``omega_min(theta) = -omega_max(-theta)``;
    ``S_safe = {|theta| < pi/2, omega_min <= omega <= omega_max}``.
    """
    th = as_array(theta_, "theta")
    ts = theta_star(alpha, beta, umax)

    def wmax(t: np.ndarray) -> np.ndarray:
        sgn = np.where(ts - t >= 0, 1.0, -1.0)
        return sgn * np.sqrt(np.maximum(0.0, _omega_sq_f(t, alpha, beta, umax)))

    return -wmax(-th), wmax(th)


def sbe_margin(theta_: Any) -> np.ndarray:
    """SBE signed distance to G of the baseline: ``h(s) = pi/2 - |theta|``."""
    return np.pi / 2 - np.abs(as_array(theta_, "theta"))


def sbe_q_target(h_s: Any, max_next_q: Any, gamma_: float) -> np.ndarray:
    """The safety Bellman equation target of Fisac et al. (ICRA 2019), used by the
    baseline: ``(1 - gamma) h(s) + gamma min{h(s), max_a' q(s', a')}``. External to this
    paper (the Asilomar paper does not restate it)."""
    h = as_array(h_s, "h_s")
    q = as_array(max_next_q, "max_next_q")
    g = as_scalar(gamma_, "gamma", low=0.0, high=1.0)
    return (1.0 - g) * h + g * np.minimum(h, q)


def policy_entropy_normalised(pi: Any) -> np.ndarray:
    """``H(pi(.|s)) / log|A|`` per state (the normalisation is UNCERTAIN, see E3)."""
    p = as_array(pi, "pi", ndim=2)
    if np.any(p < 0) or np.max(np.abs(p.sum(1) - 1)) > 1e-9:
        raise ValueError("pi must be row-stochastic")
    m = p.shape[1]
    if m < 2:
        return np.zeros(p.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(1)
    return h / np.log(m)


# -- judges -------------------------------------------------------------------------------
# Exact judge of set-theoretic statements: no tolerance, these are exact on finite systems.
_exact = judges.exact_specs()


def _area(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    """Grid kernel vs analytic kernel: symmetric-difference fraction
    ``|S_grid xor S_analytic| / |S_analytic|`` below the tolerance of each grid, and
    non-increasing as ``dt`` decreases."""
    inputs = dict(evidence.get("inputs", {}))
    grids = inputs["grids"]
    analytic = claim.theory(**inputs)
    fr, tol = [], []
    for g, ana in zip(grids, analytic):
        safe = np.asarray(g["safe"], bool)
        fr.append(float((safe ^ ana).sum() / max(1, ana.sum())))
        tol.append(float(g["tol"]))
    fr_a, tol_a = np.array(fr), np.array(tol)
    dts = np.array([g["dt"] for g in grids], float)
    order = np.argsort(-dts)
    mono = bool(np.all(np.diff(fr_a[order]) <= 0))
    ok = bool(np.all(fr_a < tol_a)) and mono
    worst = int(np.argmax(fr_a / tol_a))
    reason = ("symmetric-difference fractions " + ", ".join(
        f"dt={g['dt']}, {g['shape'][0]}x{g['shape'][1]}: {f:.4f} (< {t})" for g, f, t in zip(grids, fr, tol))
        + ("; non-increasing as dt decreases" if mono else "; NOT decreasing as dt decreases"))
    return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, theoretical=tol_a[worst], measured=fr_a[worst],
                   margin=float(np.min(tol_a / np.maximum(fr_a, 1e-300))), reason=reason,
                   worst=f"dt={grids[worst]['dt']}", tolerance=tol_a[worst])


# -- theory functions (the statements, evaluated on the evidence inputs) -----------------------
def _concat(xs: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(x).reshape(-1) for x in xs]) if len(xs) else np.zeros(0)


def _th_reach(systems, shift, **_):
    """(9) ``F_t(s) = U_{s' in F_1(s)} F_{t-1}(s')`` and (10) ``F_t(s, a) =
    F_{t - shift}(F(s, a))`` from the tables ``R[t, s, s']`` of each system."""
    rhs9, rhs10 = [], []
    for sy in systems:
        R = np.asarray(sy["R"], bool)  # (t_max + 1, n, n) from matrix powers
        F = np.asarray(sy["F"])
        A1 = R[1].astype(np.int64)
        for t in range(1, R.shape[0]):
            rhs9.append((A1 @ R[t - 1].astype(np.int64)) > 0)
            rhs10.append(R[t - shift][F])  # (n, m, n)
    return [{"key": "lhs9", "value": _concat(rhs9), "what": "(9)"},
            {"key": "lhs10", "value": _concat(rhs10), "what": "(10)"}]


def _th_prop1(systems, combine, **_):
    """``b^pi(s, a) = max{i(s), v^pi(F(s, a))}`` (``combine="or"``)."""
    out = []
    for sy in systems:
        G, F, v = np.asarray(sy["G"], bool), np.asarray(sy["F"]), np.asarray(sy["v"], bool)
        nxt = v[F]
        out.append(G[:, None] | nxt if combine == "or" else G[:, None] & nxt)
    return [{"key": "b_pi", "value": _concat(out), "what": "b^pi vs max{i, v^pi(F)}"}]


def _th_prop2(systems, reduce, **_):
    """``v^pi(s) = i(s) + (1 - i(s)) max_{s' in F_1(s)} v^pi(s')``."""
    out = []
    for sy in systems:
        G, F, v, sup = (np.asarray(sy["G"], bool), np.asarray(sy["F"]), np.asarray(sy["v"], bool),
                        np.asarray(sy["support"], bool))
        vals = np.where(sup, v[F], reduce == "min")
        red = vals.any(1) if reduce == "max" else vals.all(1)
        i = G.astype(int)
        out.append((i + (1 - i) * red.astype(int)).astype(bool))
    return [{"key": "v_pi", "value": _concat(out), "what": "v^pi vs i + (1-i) max v^pi(F_1)"}]


def _th_bellman_opt(systems, gamma, sweeps, **_):
    """(5) ``b* = T b*``, checked as ``b* = round(T_gamma^K b*)`` with the undiscounted
    ``T_1 = T``; and (18) ``v* = min_a b*``."""
    out5, out18 = [], []
    for sy in systems:
        G, F, b = np.asarray(sy["G"], bool), np.asarray(sy["F"]), np.asarray(sy["b_brute"], bool)
        x = b.astype(float)
        i = G[:, None].astype(float)
        for _ in range(sweeps):
            x = i + gamma * (1 - i) * x.min(1)[F]
        out5.append(x >= 0.5)
        out18.append(b.all(1))
    return [{"key": "b_brute", "value": _concat(out5), "what": "(5) b* = T b*"},
            {"key": "v_brute", "value": _concat(out18), "what": "(18) v* = min_a b*"}]


def _th_lemma1(systems, form, **_):
    """Lemma 1: the operator (6) equals its max form on binary (and soft) functions."""
    out = []
    for sy in systems:
        G, F = np.asarray(sy["G"], bool), np.asarray(sy["F"])
        for key in ("binary", "soft"):
            b = np.asarray(sy[key], float)
            if form == "max":
                out.append(np.maximum(G[:, None].astype(float), b.min(-1)[..., F]))
            else:  # the false variant: a product instead of the logical OR
                out.append(G[:, None].astype(float) * b.min(-1)[..., F])
    return [{"key": "printed_form", "value": _concat(out), "what": "(6) vs max form (29)"}]


def _th_spurious(const_value, **_):
    return [{"key": f"T_of_{int(const_value)}", "value": bool(const_value),
             "what": f"T({int(const_value)}) = {int(const_value)}"}]


def _th_non_contractive(safe_nonempty, d_fixed, lipschitz, **_):
    """Several fixed points iff S_safe is non-empty; d(T b*, T 1) <= L d(b*, 1) with L = 1
    (no shrinkage; a contraction would need L < 1)."""
    return [{"key": "several_fixed_points", "value": np.asarray(safe_nonempty, bool),
             "what": "#fixed points >= 2 iff S_safe non-empty"},
            {"key": "d_images", "value": lipschitz * np.asarray(d_fixed, float), "rel": "<=",
             "what": f"d(Tb*, T1) <= {lipschitz} d(b*, 1)"}]


def _th_thm1_i(is_fp, is_ones, hypothesis, **_):
    """Theorem 1(i): for b = T b, b != 1, the set C(b) is CIS."""
    hyp = ~np.asarray(is_ones, bool)
    if hypothesis == "fixed_point":
        hyp &= np.asarray(is_fp, bool)
    return [{"key": "cis", "value": True, "where": hyp, "what": "C(b) is CIS"}]


def _th_thm1_ii(absorbing, scope, **_):
    """Theorem 1(ii): no state outside C reaches C. ``scope="corrected"``: with G
    absorbing (all actions), otherwise along paths avoiding G; ``"printed"``: all
    actions, any G; ``"out"``: the false variant (C cannot be left either)."""
    ab = np.asarray(absorbing, bool)
    if scope == "corrected":
        return [{"key": "enters_all", "value": False, "where": ab, "what": "absorbing G: C never entered"},
                {"key": "enters_avoid_G", "value": False, "where": ~ab,
                 "what": "general G: C never entered avoiding G"}]
    if scope == "printed":
        return [{"key": "enters_all", "value": False, "what": "C never entered (printed, any G)"}]
    return [{"key": "leaves_all", "value": False, "what": "C never left under any policy"}]


def _th_thm1_iii(respects7, scope, **_):
    """Theorem 1(iii): any support obeying (7) on C keeps C invariant and safe."""
    where = np.asarray(respects7, bool) if scope == "respecting" else None
    return [{"key": "invariant_safe", "value": True, "where": where, "what": "closure of C stays in C \\ G"},
            {"key": "rollout_safe", "value": True, "what": "policy (8) rollouts avoid G"}]


def _th_cor1(absorbing, scope, **_):
    """Corollary 1: for C-sets X strictly inside C', X is not reachable from C' \\ X."""
    ab = np.asarray(absorbing, bool)
    if scope == "corrected":
        return [{"key": "reached_all", "value": False, "where": ab, "what": "absorbing G"},
                {"key": "reached_avoid_G", "value": False, "where": ~ab, "what": "general G, avoiding G"}]
    if scope == "printed":
        return [{"key": "reached_all", "value": False, "what": "printed (any G)"}]
    return [{"key": "reverse_reached_all", "value": False, "what": "C' \\ X not reachable from X"}]


def _th_fp_char(systems, closed_from_outside, **_):
    """DERIVED: the fixed points are exactly the b(C) of valid C."""
    out = []
    for sy in systems:
        F, G = np.asarray(sy["F"]), np.asarray(sy["G"], bool)
        n, m = F.shape
        member = np.zeros(1 << (n * m), bool)
        member[function_codes(fixed_points_by_characterization(F, G, closed_from_outside=closed_from_outside))] = True
        out.append(member)
    return [{"key": "is_fixed_point", "value": _concat(out), "what": "set of fixed points = {b(C): C valid}"}]


def _th_lfp(n_states, start, **_):
    """DERIVED: VI from 0 is monotone, needs at most n + 1 sweeps, ends at b* and below
    every fixed point."""
    n = np.asarray(n_states)
    return [{"key": f"vi{start}_equals_brute", "value": True, "what": f"VI from {start} = b*"},
            {"key": f"vi{start}_monotone", "value": True, "what": "monotone iterates"},
            {"key": f"vi{start}_sweeps", "value": n + 1, "rel": "<=", "what": "sweeps <= n + 1"},
            {"key": f"vi{start}_below_all_fps", "value": True, "what": "below every fixed point"}]


def _th_safest(argmin_respecting, scope, **_):
    where = np.asarray(argmin_respecting, bool) if scope == "argmin" else None
    return [{"key": "b_pi_equals_b_star", "value": True, "where": where, "what": "b^pi = b*"},
            {"key": "v_pi_equals_v_star", "value": True, "where": where, "what": "v^pi = v*"}]


def _th_uniform_safe(policy, **_):
    return [{"key": f"{policy}_row_sum_on_C", "value": 1.0, "what": "rows sum to 1 on C"},
            {"key": f"{policy}_mass_on_unsafe", "value": 0.0, "what": "no mass where b = 1 (7)"},
            {"key": f"{policy}_undefined_off_C", "value": True, "what": "undefined off C (fallback/raise)"}]


def _th_pendulum(grids, alpha, beta, umax, **_):
    """The analytic kernel evaluated on each grid."""
    out = []
    for g in grids:
        TH, OM = np.meshgrid(np.asarray(g["thetas"]), np.asarray(g["omegas"]), indexing="ij")
        lo, hi = pendulum_viability_bounds(TH, alpha, beta, umax)
        out.append((np.abs(TH) < np.pi / 2) & (OM >= lo) & (OM <= hi))
    return out


# -- claims --------------------------------------------------------------------------------
_DET = Assumption("F deterministic (finite S and A); pi stationary (only its support matters)")
_FIN = Assumption("finite S: every result is set-theoretic and holds verbatim for finite S")
_ABS = Assumption("G absorbing: F(g, a) = g for g in G (or reachability avoiding G)")

reach_identities = Claim(
    id="safety_critic.reach_identities", paper=PAPER.slug, where="Appendix A, (9)-(10)",
    kind=Kind.IDENTITY, status=Status.AS_PRINTED,
    title="reachable-set recursions F_t(s) = U F_{t-1}(s'), F_t(s,a) = F_{t-1}(F(s,a))",
    statement=r"(9) F_t^\pi(s) = \bigcup_{s' \in F_1^\pi(s)} F_{t-1}^\pi(s');  "
              r"(10) F_t^\pi(s,a) = F_{t-1}^\pi(F(s,a)),\ t \ge 1",
    theory_fn=_th_reach, constants={"shift": 1}, judge_fn=_exact, assumptions=(_DET,),
    false_variant={"title": "F_t(s,a) = F_t(F(s,a)) (no index shift)", "constants": {"shift": 0}},
)

prop1 = Claim(
    id="safety_critic.prop1", paper=PAPER.slug, where="Proposition 1 (first part); proof (11)-(17)",
    kind=Kind.IDENTITY, status=Status.AS_PRINTED,
    title="binary Bellman equation for b^pi: b^pi(s,a) = max{i(s), v^pi(F(s,a))}",
    statement=sp.Eq(b_sa, sp.Max(i_s, v_next)),
    theory_fn=_th_prop1, constants={"combine": "or"}, judge_fn=_exact,
    assumptions=(_DET, Assumption("G may be non-absorbing")),
    false_variant={"title": "b^pi(s,a) = min{i(s), v^pi(F(s,a))} (AND instead of OR)",
                   "statement": sp.Eq(b_sa, sp.Min(i_s, v_next)), "constants": {"combine": "and"}},
)

prop2 = Claim(
    id="safety_critic.prop2", paper=PAPER.slug, where="Appendix B, Proposition 2",
    kind=Kind.IDENTITY, status=Status.AS_PRINTED,
    title="v^pi(s) = i(s) + (1 - i(s)) max over supported successors of v^pi",
    statement=r"v^\pi(s) = i(s) + (1-i(s)) \max_{s' \in F_1^\pi(s)} v^\pi(s')",
    theory_fn=_th_prop2, constants={"reduce": "max"}, judge_fn=_exact, assumptions=(_DET,),
    note="The printed 's' = F(s,a)' beside the max is a notational leftover: the max ranges over the "
         "supported successors F_1^pi(s).",
    false_variant={"title": "min instead of max over supported successors", "constants": {"reduce": "min"}},
)

bellman_optimality = Claim(
    id="safety_critic.bellman_optimality", paper=PAPER.slug,
    where="Proposition 1 (second part), (5), (18)", kind=Kind.FIXED_POINT, status=Status.AS_PRINTED,
    title="B2E: b* = T b* (undiscounted) and v* = min_a b*",
    statement=sp.Eq(b_sa, i_s + (1 - i_s) * minb_next),
    theory_fn=_th_bellman_opt, constants={"gamma": 1.0, "sweeps": 200}, judge_fn=_exact,
    assumptions=(_DET, Assumption("A finite; min over stochastic policies = min over deterministic ones "
                                  "(only supports matter; DERIVED)")),
    false_variant={"title": "discounted surrogate b = i + 0.9 (1 - i) min b(F), rounded at 1/2",
                   "statement": sp.Eq(b_sa, i_s + sp.Rational(9, 10) * (1 - i_s) * minb_next),
                   "constants": {"gamma": 0.9}},
)

lemma1 = Claim(
    id="safety_critic.lemma1", paper=PAPER.slug, where="Appendix C, Lemma 1, (29)",
    kind=Kind.IDENTITY, status=Status.AS_PRINTED,
    title="(Tb)(s,a) = max{i(s), min_a' b(F(s,a),a')}",
    statement=sp.Eq(i_s + (1 - i_s) * minb_next, sp.Max(i_s, minb_next)),
    theory_fn=_th_lemma1, constants={"form": "max"}, judge_fn=_exact,
    assumptions=(Assumption("b binary (also soft b in [0,1] since i is binary: DERIVED)"),),
    false_variant={"title": "(Tb)(s,a) = i(s) min_a' b(F(s,a),a')", "constants": {"form": "product"},
                   "statement": sp.Eq(i_s + (1 - i_s) * minb_next, i_s * minb_next)},
)

spurious_fp = Claim(
    id="safety_critic.spurious_fp", paper=PAPER.slug, where="proof of Theorem 1 ('spurious fixed point')",
    kind=Kind.FIXED_POINT, status=Status.AS_PRINTED, title="T(1) = 1: the all-ones function is a fixed point",
    statement="T(\\mathbf{1}) = \\mathbf{1}", theory_fn=_th_spurious, constants={"const_value": 1},
    judge_fn=_exact, assumptions=(_FIN,),
    false_variant={"title": "T(0) = 0", "statement": "T(\\mathbf{0}) = \\mathbf{0}",
                   "constants": {"const_value": 0}},
)

non_contractive = Claim(
    id="safety_critic.non_contractive", paper=PAPER.slug, where="Section II-e",
    kind=Kind.PHENOMENON, status=Status.AS_PRINTED,
    title="T has several fixed points (iff S_safe is non-empty), hence is not a contraction",
    statement="#Fix(T) >= 2  <=>  S_safe != {};  d_H(T b*, T 1) = d_H(b*, 1)",
    theory_fn=_th_non_contractive, constants={"lipschitz": 1.0}, judge_fn=_exact, assumptions=(_FIN,),
    note="The paper states it informally; the S_safe != {} condition is the card's formalisation. "
         "If S_safe = {} then b* = 1 is the unique fixed point.",
    false_variant={"title": "T is a 1/2-contraction in Hamming distance", "constants": {"lipschitz": 0.5}},
)

thm1_i = Claim(
    id="safety_critic.thm1_i", paper=PAPER.slug, where="Theorem 1(i)",
    kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="the C-set of a non-spurious fixed point is control-invariant safe (CIS)",
    statement=r"\tilde b = T\tilde b,\ \tilde b \not\equiv 1 \Rightarrow C = \{s: \min_a \tilde b(s,a) = 0\} "
              r"\text{ is CIS}",
    theory_fn=_th_thm1_i, constants={"hypothesis": "fixed_point"}, judge_fn=_exact,
    assumptions=(_FIN, Assumption("holds whether or not G is absorbing")),
    false_variant={"title": "C(b) is CIS for every b != 1 (fixed point or not)",
                   "constants": {"hypothesis": "not_all_ones"}},
)

thm1_ii = Claim(
    id="safety_critic.thm1_ii", paper=PAPER.slug, where="Theorem 1(ii); Appendix C 'Maximality'",
    kind=Kind.INVARIANT, status=Status.CORRECTED,
    title="C cannot be entered from outside (needs G absorbing, or paths avoiding G)",
    statement=r"G \text{ absorbing (or paths avoiding } G): F_t^\pi(s_0) \cap C = \emptyset\ "
              r"\forall s_0 \notin C, \pi, t",
    theory_fn=_th_thm1_ii, constants={"scope": "corrected"}, judge_fn=_exact, assumptions=(_FIN, _ABS),
    note="Erratum: the proof skips s in G, whose successors may lie in C. Counterexample (3 states, one "
         "action): G = {0}, F(0) = 1, F(1) = 1, F(2) = 0; b* = (1, 0, 1), C = {1}, and 2 reaches C via G.",
    printed={"title": "F_t^pi(s0) and C disjoint for every s0 outside C, every pi, t (any G)",
             "statement": r"F_t^\pi(s_0) \cap C = \emptyset\ \forall s_0 \notin C, \pi, t",
             "constants": {"scope": "printed"}},
    false_variant={"title": "C can never be left either (closed under every action)",
                   "constants": {"scope": "out"}},
)

thm1_iii = Claim(
    id="safety_critic.thm1_iii", paper=PAPER.slug, where="Theorem 1(iii), condition (7)",
    kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="any policy with pi(a|s) = 0 where b = 1 on C renders C invariant and safe",
    statement=r"\pi(a|s) = 0 \text{ whenever } \tilde b(s,a) = 1,\ s \in C \Rightarrow C \text{ CIS under } \pi",
    theory_fn=_th_thm1_iii, constants={"scope": "respecting"}, judge_fn=_exact, assumptions=(_FIN,),
    false_variant={"title": "any policy supported on C's actions keeps C invariant (no condition (7))",
                   "constants": {"scope": "any"}},
)

cor1 = Claim(
    id="safety_critic.cor1", paper=PAPER.slug, where="Corollary 1",
    kind=Kind.INVARIANT, status=Status.CORRECTED,
    title="maximality: a C-set X inside C' is not reachable from C' \\ X (G absorbing)",
    statement=r"X \subsetneq C',\ X, C' \text{ C-sets of fixed points},\ G \text{ absorbing} \Rightarrow "
              r"X \text{ unreachable from } C' \setminus X",
    theory_fn=_th_cor1, constants={"scope": "corrected"}, judge_fn=_exact, assumptions=(_FIN, _ABS),
    note="Erratum (inherits Theorem 1(ii)): with non-absorbing G the printed statement fails. "
         "Counterexample: S = {0,1,2}, G = {0}, F(0,.) = 1, F(1,.) = 1, F(2,a0) = 2, F(2,a1) = 0; "
         "X = {1} and C' = {1,2} are C-sets but 2 -> 0 -> 1 reaches X.",
    printed={"title": "X is not reachable from C' \\ X (any G)", "constants": {"scope": "printed"}},
    false_variant={"title": "C' \\ X is not reachable from X", "constants": {"scope": "reverse"}},
)

fp_characterization = Claim(
    id="safety_critic.fp_characterization", paper=PAPER.slug, where="DERIVED; converse of Theorem 1",
    kind=Kind.FIXED_POINT, status=Status.DERIVED,
    title="fixed points of T = {1 - 1{s in C}1{F(s,a) in C} : C valid}",
    statement=r"\tilde b = T\tilde b \iff \tilde b(s,a) = 1 - 1\{s\in C\}1\{F(s,a)\in C\},\ C\subseteq S\setminus G "
              r"\text{ (CI) and closed from outside}",
    theory_fn=_th_fp_char, constants={"closed_from_outside": True}, judge_fn=_exact, assumptions=(_FIN,),
    note="DERIVED by the card: from the max form, b = 1 on G and b(s,a) = 0 iff F(s,a) in C off G. "
         "C = {} gives the spurious all-ones; the largest valid C is S_safe with b = b*.",
    false_variant={"title": "drop 'closed from outside'", "constants": {"closed_from_outside": False}},
)

least_fixed_point = Claim(
    id="safety_critic.least_fixed_point", paper=PAPER.slug, where="DERIVED",
    kind=Kind.FIXED_POINT, status=Status.DERIVED,
    title="b* is the least fixed point; value iteration from 0 reaches it in <= n + 1 sweeps",
    statement=r"b_0 = 0,\ b_{k+1} = T b_k \nearrow b^* \text{ within } |S|+1 \text{ sweeps};\ "
              r"b^* \le \tilde b\ \forall \tilde b = T\tilde b",
    theory_fn=_th_lfp, constants={"start": 0}, judge_fn=_exact, assumptions=(_FIN,),
    note="DERIVED: T is monotone and b(C) decreases in C; each strict update dooms at least one state.",
    false_variant={"title": "value iteration from the all-ones function converges to b*",
                   "constants": {"start": 1}},
)

safest_policy = Claim(
    id="safety_critic.safest_policy", paper=PAPER.slug, where="used in the proofs of Prop. 1 and Thm 1, (30)",
    kind=Kind.IDENTITY, status=Status.DERIVED,
    title="every policy supported on argmin_a b* attains b^pi = b* and v^pi = v*",
    statement=r"\mathrm{supp}\,\pi(\cdot|s) \subseteq \arg\min_a b^*(s,a)\ \forall s "
              r"\Rightarrow b^\pi = b^*,\ v^\pi = v^*",
    theory_fn=_th_safest, constants={"scope": "argmin"}, judge_fn=_exact, assumptions=(_FIN,),
    note="DERIVED; the paper uses it implicitly via (30).",
    false_variant={"title": "any support containing an argmin action attains b*", "constants": {"scope": "any"}},
)

uniform_safe_policy_claim = Claim(
    id="safety_critic.uniform_safe_policy", paper=PAPER.slug, where="Section IV-b, (8)",
    kind=Kind.INVARIANT, status=Status.AS_PRINTED,
    title="policy (8) is a distribution on C satisfying (7) (undefined off C)",
    statement=r"\pi(a|s) = 1\{\hat b(s,a)=0\} / \sum_{a'} 1\{\hat b(s,a')=0\}:\ \sum_a \pi = 1 \text{ on } C,\ "
              r"\pi = 0 \text{ where } \hat b = 1",
    theory_fn=_th_uniform_safe, constants={"policy": "uniform_safe"}, judge_fn=_exact, assumptions=(_FIN,),
    note="Domain restricted to C: off C every action has b = 1 and (8) divides by zero (Errata 3); "
         "uniform_safe_policy raises there or applies a documented fallback.",
    false_variant={"title": "a softmax over b-hat satisfies (7)", "constants": {"policy": "softmax"}},
)

pendulum_kernel = Claim(
    id="safety_critic.pendulum_kernel", paper=PAPER.slug, where="DERIVED; Fig. 4 (green region)",
    kind=Kind.CLOSED_FORM, status=Status.DERIVED,
    title="closed-form maximal CIS set of the pendulum theta'' = 15 sin(theta) + 3u, |u| <= 2",
    statement=sp.Eq(sp.Symbol("omega_max(theta)") ** 2, OMEGA_MAX_SQ),
    theory_fn=_th_pendulum, constants={"alpha": 15.0, "beta": 3.0, "umax": 2.0}, judge_fn=_area,
    assumptions=(Assumption("Pendulum-v1 constants g = 10, m = l = 1, max torque 2 (UNCERTAIN in the paper)"),),
    note="Compared with b* of the grid abstraction of the discrete-time step; the Euler system at dt = 0.05 "
         "is a different system (kernel ~10% larger), so small dt is used.",
    uncertain="The paper does not state the pendulum constants; the Gymnasium defaults are consistent with "
              "the plotted ground truth in continuous time.",
    false_variant={"title": "kernel with umax = 1 (theta* = arcsin 0.2)", "constants": {"umax": 1.0}},
)

alg1 = Claim(
    id="safety_critic.alg1", paper=PAPER.slug, where="Section IV, Algorithm 1",
    kind=Kind.PHENOMENON, status=Status.NOT_CHECKABLE,
    title="Algorithm 1 learns a self-consistent binary critic; D_safe prevents collapse to all-ones",
    statement="(a) D_safe prevents collapse onto 1; (b) the critic is self-consistent on the buffer; "
              "(c) the learned safe set is CIS and inside the true safe region",
    reason_not_checkable="No convergence theorem is given, and the 'train until Accuracy = 1' loop may not "
                         "terminate with a network; only a tabular logic test (table instead of network) is "
                         "meaningful.",
    note="Errata 2: line 11 prints build_unsafe_dataset(b_i, M) (should be b^theta), and terminal transitions "
         "are unspecified: the successor term must be 1 when s' is in G, else learning fails.",
)

CLAIMS: tuple[Claim, ...] = (
    reach_identities,
    prop1,
    prop2,
    bellman_optimality,
    lemma1,
    spurious_fp,
    non_contractive,
    thm1_i,
    thm1_ii,
    thm1_iii,
    cor1,
    fp_characterization,
    least_fixed_point,
    safest_policy,
    uniform_safe_policy_claim,
    pendulum_kernel,
    alg1,
)
