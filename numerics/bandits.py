"""Multi-armed bandits with unsafe arms: inspectors and the one-sided sequential test.

The model of Castellano, Min, Bazerque & Mallada ("Learning to act safely with limited
exposure and almost sure certainty", Section II): pulling arm ``a`` causes damage
``D ~ Bernoulli(mu_a)``; an arm is unsafe iff ``mu_a > mu``. An *inspector* pulls arms
from a candidate set ``A_t`` (initially all ``K`` arms) with a strategy ``psi(A_t)`` and
discards arms by a rule:

* ``"flawless"`` (Algorithm 1, ``mu = 0``): discard an arm at its first damage;
* ``"sprt"`` (Algorithm 2): discard when the log-likelihood ratio
  ``Lambda = k log(mu/(mu-eps)) + (n-k) log((1-mu)/(1-mu+eps))`` of its ``k`` damages in
  ``n`` pulls reaches ``log(1/alpha)`` (test (8)-(10); it never accepts H0);
* ``"pull"``: discard every pulled arm (no damage needed; a negative control only).

Strategies: ``"uniform"`` (1-soft) and ``"adversarial"``, the lambda-soft strategy
``psi(A) = lam Unif(A) + (1 - lam) delta_{first safe arm in A}`` that attains the
Theorem 2 bound (uniform over ``A`` when no safe arm is left).

Simulators (all seeded and vectorised over independent runs):

* :func:`inspector_rounds` -- round by round, any rule and strategy (small ``K``);
  records the pull counts ``N_a(t)``, the exposure ``E_t`` (counted separately, pull by
  pull), the conservation ratio ``C_{eps,t}`` and the detection time ``T``;
* :func:`flawless_events` -- event-driven, exact in distribution for the flawless rule
  and any strategy that depends on ``A`` only: between detections the pulls are i.i.d.,
  the waiting time is geometric and the non-detecting pulls are multinomial;
* :func:`sprt_runs` -- one arm's sequential test, vectorised over many arms/runs in
  chunks of pulls, with a cap (censoring) and the Ville early stop for H0 arms;
* :func:`relaxed_population` -- the relaxed inspector on ``K`` arms to the end of
  detection (Fig. 1): per-arm outcomes do not depend on the interleaving, so exposure
  and conservation are computed arm by arm.

Exact computations (no sampling): :func:`flawless_time_survival` (``P(T > x)`` for the
uniform strategy and equal damage probabilities, by a recursion over geometric stages),
:func:`sprt_exact` (``E[T_a]`` and the crossing probability of one arm by dynamic
programming over the damage count).

Loops that may not end (a zero-drift walk, a detection that never comes) are capped and
report censoring instead of hanging.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "TIE_TOL",
    "sprt_increments",
    "sprt_threshold",
    "check_arms",
    "InspectorRuns",
    "inspector_rounds",
    "FlawlessRuns",
    "flawless_events",
    "flawless_time_survival",
    "SPRTRuns",
    "sprt_runs",
    "sprt_exact",
    "PopulationRuns",
    "relaxed_population",
]

#: Tolerance of the threshold comparison ``Lambda >= log(1/alpha) - TIE_TOL``. When
#: ``(mu/(mu-eps))**k == 1/alpha`` exactly (e.g. (0.1, 0.09, 0.1), (0.1, 0.05, 0.5)),
#: double rounding can put ``k * log(mu/(mu-eps))`` a few ulps below ``log(1/alpha)`` and
#: silently skip the crossing; 1e-9 is far above that round-off and far below any other
#: gap between attainable values of Lambda and the threshold.
TIE_TOL: float = 1e-9


# ---------------------------------------------------------------------------------------
# validation and the test's constants
# ---------------------------------------------------------------------------------------
def _sprt_params(mu: Any, eps: Any, alpha: Any) -> tuple[float, float, float]:
    m = as_scalar(mu, "mu", low=0.0, high=1.0, low_open=True, high_open=True)
    e = as_scalar(eps, "eps", low=0.0, high=m, low_open=True)
    a = as_scalar(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
    return m, e, a


def sprt_increments(mu: float, eps: float) -> tuple[float, float]:
    """The per-pull increments of the log-likelihood ratio (9).

    Returns ``(up, down)``: ``up = log(mu/(mu-eps)) > 0`` after a damage and
    ``down = log((1-mu)/(1-mu+eps)) < 0`` after a safe pull, both through ``log1p``.
    ``eps == mu`` (the flawless limit) gives ``up = inf``.
    """
    m = as_scalar(mu, "mu", low=0.0, high=1.0, low_open=True, high_open=True)
    e = as_scalar(eps, "eps", low=0.0, high=m, low_open=True)
    up = np.inf if e == m else -np.log1p(-e / m)
    down = -np.log1p(e / (1.0 - m))
    return float(up), float(down)


def sprt_threshold(alpha: float) -> float:
    """The discard threshold ``log(1/alpha)`` of (10)."""
    a = as_scalar(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
    return float(-np.log(a))


def check_arms(mu_arms: Any, n_runs: int | None = None, name: str = "mu_arms") -> np.ndarray:
    """Damage probabilities ``(K,)`` or ``(R, K)`` in [0, 1]; broadcast to ``(R, K)``."""
    a = as_array(mu_arms, name)
    if a.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (K,) or (n_runs, K), got {a.shape}")
    if np.any(a < 0) or np.any(a > 1):
        raise ValueError(f"{name} must lie in [0, 1]")
    if n_runs is None:
        return a
    if a.ndim == 2 and a.shape[0] != n_runs:
        raise ValueError(f"{name} has {a.shape[0]} rows but n_runs = {n_runs}")
    return np.broadcast_to(a, (n_runs, a.shape[-1])).copy()


def _strategy_args(strategy: str, lam: Any) -> float:
    if strategy not in ("uniform", "adversarial"):
        raise ValueError(f"strategy must be 'uniform' or 'adversarial', got {strategy!r}")
    lv = as_scalar(lam, "lam", low=0.0, high=1.0, low_open=True)
    if strategy == "uniform" and lv != 1.0:
        raise ValueError("the uniform strategy is 1-soft: use lam = 1 (or strategy='adversarial')")
    return lv


def _record_times(record_at: Any, n_steps: int | None) -> np.ndarray:
    if record_at is None:
        return np.zeros(0, np.int64) if n_steps is None else np.array([n_steps], np.int64)
    r = np.atleast_1d(np.asarray(record_at))
    if r.size and (r.dtype.kind not in "iu"):
        raise TypeError(f"record_at must be integer times, got dtype {r.dtype}")
    r = np.sort(r.astype(np.int64))
    if r.size and r[0] < 0:
        raise ValueError("record_at must be non-negative")
    if n_steps is not None and r.size and r[-1] > n_steps:
        raise ValueError(f"record_at must not exceed n_steps = {n_steps}")
    return r


# ---------------------------------------------------------------------------------------
# round-by-round simulator
# ---------------------------------------------------------------------------------------
@dataclass
class InspectorRuns:
    """Round-by-round inspector runs.

    ``record_at``: the times ``t`` recorded; ``pulls``: ``N_a(t)`` ``(R, len(record_at), K)``;
    ``exposure``: ``E_t`` counted pull by pull ``(R, len(record_at))``; ``conservation``:
    ``C_{eps,t}`` ``(R, len(record_at))`` (0 where ``A*_eps`` is empty); ``active``: the
    candidate set after the last step ``(R, K)``; ``t_detect``: first ``t`` at which every
    unsafe arm is discarded (``-1``: not within ``n_steps``, i.e. censored); ``unsafe``:
    ``mu_a > mu`` ``(R, K)``; ``steps``: rounds simulated.
    """

    record_at: np.ndarray
    pulls: np.ndarray
    exposure: np.ndarray
    conservation: np.ndarray
    active: np.ndarray
    t_detect: np.ndarray
    unsafe: np.ndarray
    steps: int

    @property
    def censored(self) -> np.ndarray:
        return self.t_detect < 0


def inspector_rounds(mu_arms: Any, n_steps: int, n_runs: int, seed: Any, *, rule: str = "flawless",
                     mu: float = 0.0, eps: float | None = None, alpha: float | None = None,
                     strategy: str = "uniform", lam: float = 1.0, record_at: Any = None,
                     stop_when_detected: bool = False) -> InspectorRuns:
    """Simulate an inspector round by round, vectorised over runs.

    Parameters
    ----------
    mu_arms : ``(K,)`` or ``(n_runs, K)`` damage probabilities.
    n_steps : the number of rounds ``t = 1..n_steps`` (a cap).
    rule : ``"flawless"`` (Algorithm 1), ``"sprt"`` (Algorithm 2; needs ``mu > 0``,
        ``eps``, ``alpha``) or ``"pull"`` (discard on every pull; negative control).
    mu : the safety requirement (arms with ``mu_a > mu`` are unsafe); 0 for Algorithm 1.
    eps : the slack of the test; also defines ``A*_eps = {mu_a <= mu - eps}`` for the
        conservation ratio (0 for the flawless case).
    strategy, lam : ``"uniform"`` or ``"adversarial"`` (lambda-soft, see the module doc).
    record_at : times at which ``N_a``, ``E_t`` and ``C`` are recorded (default ``n_steps``).
    stop_when_detected : stop simulating a run once it has discarded all its unsafe arms
        (its later records keep the values at that time) and end the loop when every run
        has; for detection times only.

    Notes
    -----
    A run whose candidate set is empty pulls nothing (``psi`` is undefined there).
    """
    R = as_int(n_runs, "n_runs", low=1)
    T = as_int(n_steps, "n_steps", low=0)
    arms = check_arms(mu_arms, R)
    K = arms.shape[1]
    if rule not in ("flawless", "sprt", "pull"):
        raise ValueError(f"rule must be 'flawless', 'sprt' or 'pull', got {rule!r}")
    lv = _strategy_args(strategy, lam)
    mu_v = as_scalar(mu, "mu", low=0.0, high=1.0, high_open=True)
    if rule == "sprt":
        if eps is None or alpha is None:
            raise ValueError("rule='sprt' needs eps and alpha")
        mu_v, e_v, a_v = _sprt_params(mu_v, eps, alpha)
        up, down = sprt_increments(mu_v, e_v)
        thr = sprt_threshold(a_v)
    else:
        e_v = 0.0 if eps is None else as_scalar(eps, "eps", low=0.0, high=max(mu_v, 0.0))
    rec = _record_times(record_at, T)
    rng = as_rng(seed)
    unsafe = arms > mu_v
    good = arms <= mu_v - e_v
    safe_arm = arms <= mu_v
    n_good = good.sum(1)
    active = np.ones((R, K), bool)
    n = np.zeros((R, K), np.int64)
    k = np.zeros((R, K), np.int64)
    expo = np.zeros(R, np.int64)
    pulls_rec = np.zeros((R, rec.size, K), np.int64)
    expo_rec = np.zeros((R, rec.size), np.int64)
    cons_rec = np.zeros((R, rec.size))
    t_detect = np.where(~unsafe.any(1), 0, -1).astype(np.int64)
    rows = np.arange(R)

    def conservation() -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n_good > 0, (active & good).sum(1) / np.maximum(n_good, 1), 0.0)

    ri = 0
    while ri < rec.size and rec[ri] == 0:
        cons_rec[:, ri] = conservation()
        ri += 1
    t = 0
    while t < T:
        idx = rows if not stop_when_detected else np.flatnonzero(t_detect < 0)
        if idx.size == 0:
            break
        t += 1
        act = active[idx]
        has = act.any(1)
        keys = np.where(act, rng.random((idx.size, K)), -1.0)
        a = keys.argmax(1)
        if strategy == "adversarial":
            cand = act & safe_arm[idx]
            has_safe = cand.any(1)
            first_safe = cand.argmax(1)
            use_unif = (rng.random(idx.size) < lv) | ~has_safe
            a = np.where(use_unif, a, first_safe)
        d = rng.random(idx.size) < arms[idx, a]
        live = idx[has]
        a_l, d_l = a[has], d[has]
        n[live, a_l] += 1
        k[live, a_l] += d_l
        expo[live] += unsafe[live, a_l]
        if rule == "flawless":
            drop = d_l
        elif rule == "pull":
            drop = np.ones(live.size, bool)
        else:
            kk, nn = k[live, a_l], n[live, a_l]
            lam_ = kk * up + (nn - kk) * down
            drop = lam_ >= thr - TIE_TOL
        active[live[drop], a_l[drop]] = False
        newly = idx[(t_detect[idx] < 0) & ~(active[idx] & unsafe[idx]).any(1)]
        t_detect[newly] = t
        while ri < rec.size and rec[ri] == t:
            pulls_rec[:, ri] = n
            expo_rec[:, ri] = expo
            cons_rec[:, ri] = conservation()
            ri += 1
    while ri < rec.size:  # stopped early: nothing changes any more
        pulls_rec[:, ri] = n
        expo_rec[:, ri] = expo
        cons_rec[:, ri] = conservation()
        ri += 1
    return InspectorRuns(record_at=rec, pulls=pulls_rec, exposure=expo_rec, conservation=cons_rec,
                         active=active, t_detect=t_detect, unsafe=unsafe, steps=t)


# ---------------------------------------------------------------------------------------
# event-driven simulator of the flawless inspector
# ---------------------------------------------------------------------------------------
@dataclass
class FlawlessRuns:
    """Event-driven runs of the flawless inspector.

    ``T``: time at which the last unsafe arm is discarded ``(R,)``; ``exposure``: ``E_t``
    at ``record_at`` ``(R, len(record_at))``; ``exposure_inf``: ``E_inf`` ``(R,)``;
    ``pulls_inf``: pulls per arm up to ``T`` ``(R, K)`` (for unsafe arms this is
    ``N_a(infinity)``); ``order``: the detected arms in order ``(R, M)``.
    """

    record_at: np.ndarray
    T: np.ndarray
    exposure: np.ndarray
    exposure_inf: np.ndarray
    pulls_inf: np.ndarray
    order: np.ndarray


def _psi(active: np.ndarray, safe_arm: np.ndarray, strategy: str, lam: float) -> np.ndarray:
    """The strategy's distribution over arms, ``(R, K)``."""
    cnt = active.sum(1, keepdims=True)
    unif = active / np.maximum(cnt, 1)
    if strategy == "uniform":
        return unif
    cand = active & safe_arm
    has = cand.any(1)
    first = np.zeros_like(unif)
    first[np.flatnonzero(has), cand[has].argmax(1)] = 1.0
    return np.where(has[:, None], lam * unif + (1 - lam) * first, unif)


def flawless_events(mu_arms: Any, n_runs: int, seed: Any, *, strategy: str = "uniform", lam: float = 1.0,
                    record_at: Any = ()) -> FlawlessRuns:
    """The flawless inspector (Algorithm 1), event by event.

    Between two detections the candidate set is fixed, so pulls are i.i.d. from
    ``psi(A)``: the number of pulls until the next damage is Geometric with
    ``p = sum_a psi(a) mu_a``, the damaging arm is drawn ``propto psi(a) mu_a``, and the
    other pulls are i.i.d. ``propto psi(a) (1 - mu_a)`` (binomial counts of unsafe pulls
    between the recorded times, multinomial per-arm counts). Exact in distribution; the
    cost is one stage per unsafe arm, independent of ``T``.

    Parameters
    ----------
    mu_arms : ``(K,)`` damage probabilities shared by all runs (safe arms have ``mu_a = 0``).
    record_at : times ``t`` at which ``E_t`` is recorded.
    """
    R = as_int(n_runs, "n_runs", low=1)
    arms = check_arms(mu_arms)
    if arms.ndim != 1:
        raise ValueError("flawless_events needs mu_arms of shape (K,) shared by all runs")
    lv = _strategy_args(strategy, lam)
    rec = _record_times(record_at, None)
    rng = as_rng(seed)
    K = arms.size
    unsafe = arms > 0
    M = int(unsafe.sum())
    safe_arm = ~unsafe
    mu_b = np.broadcast_to(arms, (R, K))
    active = np.ones((R, K), bool)
    t0 = np.zeros(R, np.int64)
    expo = np.zeros(R, np.int64)
    expo_rec = np.zeros((R, rec.size), np.int64)
    pulls = np.zeros((R, K), np.int64)
    order = np.zeros((R, M), np.int64)
    rows = np.arange(R)
    for stage in range(M):
        psi = _psi(active, safe_arm[None, :], strategy, lv)
        w_det = psi * mu_b
        p = w_det.sum(1)
        G = rng.geometric(p)  # pulls in this stage, the last one damaging
        w_safe = psi * (1 - mu_b)
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.where((1 - p)[:, None] > 0, w_safe / np.maximum(1 - p, 1e-300)[:, None], 0.0)
        q_unsafe = np.clip((q * unsafe).sum(1), 0.0, 1.0)
        # non-detecting pulls split at the recorded times (binomial counts of unsafe pulls)
        consumed = np.zeros(R, np.int64)
        cum = np.zeros(R, np.int64)
        for j, tr in enumerate(rec):
            upto = np.clip(tr - t0, 0, G - 1)
            seg = upto - consumed
            cum = cum + rng.binomial(seg, q_unsafe)
            consumed = upto
            inside = tr > t0
            expo_rec[inside, j] = (expo + cum + (tr - t0 >= G))[inside]
        rest = (G - 1) - consumed
        cum = cum + rng.binomial(rest, q_unsafe)
        # per-arm counts: the unsafe/safe split above fixes the totals of each group
        n_u = cum
        n_s = (G - 1) - cum
        qu = np.where(unsafe[None, :], q, 0.0)
        qs = np.where(unsafe[None, :], 0.0, q)
        su, ss = qu.sum(1, keepdims=True), qs.sum(1, keepdims=True)
        pulls += rng.multinomial(n_u, np.where(su > 0, qu / np.where(su > 0, su, 1), 1.0 / K))
        pulls += rng.multinomial(n_s, np.where(ss > 0, qs / np.where(ss > 0, ss, 1), 1.0 / K))
        cdf = np.cumsum(w_det / p[:, None], axis=1)
        arm = np.minimum((rng.random(R)[:, None] >= cdf).sum(1), K - 1)
        arm = np.where(active[rows, arm] & unsafe[arm], arm, (w_det > 0).argmax(1))  # round-off guard
        pulls[rows, arm] += 1
        active[rows, arm] = False
        order[:, stage] = arm
        expo += cum + 1
        t0 = t0 + G
    for j, tr in enumerate(rec):
        after = tr >= t0
        expo_rec[after, j] = expo[after]
    return FlawlessRuns(record_at=rec, T=t0, exposure=expo_rec, exposure_inf=expo, pulls_inf=pulls,
                        order=order)


def flawless_time_survival(n_arms: int, n_unsafe: int, mu: float, x_max: int) -> np.ndarray:
    """Exact ``P(T > x)`` for ``x = 0..x_max``: uniform strategy, every unsafe arm with
    damage probability ``mu``, safe arms with 0 (Theorem 2's tight case).

    ``T`` is a sum of independent geometrics with ``p_i = (M - i) mu / (K - i)``; the pmf
    of a partial sum obeys ``f_j(x) = p_j f_{j-1}(x-1) + (1 - p_j) f_j(x-1)``, a
    first-order recursion evaluated by ``scipy.signal.lfilter``. No truncation error up to
    ``x_max`` (only round-off).
    """
    K = as_int(n_arms, "n_arms", low=1)
    M = as_int(n_unsafe, "n_unsafe", low=1, high=K)
    m = as_scalar(mu, "mu", low=0.0, high=1.0, low_open=True)
    X = as_int(x_max, "x_max", low=0)
    f = np.zeros(X + 1)
    f[0] = 1.0
    for i in range(M):
        p = (M - i) * m / (K - i)
        f = lfilter([0.0, p], [1.0, -(1.0 - p)], f)
    cdf = np.cumsum(f)
    return np.clip(1.0 - cdf, 0.0, 1.0)


# ---------------------------------------------------------------------------------------
# one arm's sequential test
# ---------------------------------------------------------------------------------------
@dataclass
class SPRTRuns:
    """Runs of the one-sided sequential test on single arms.

    ``mu_a``: the arm of each run; ``T``: the pull at which ``Lambda`` reached the threshold
    (``-1`` if it did not); ``crossed``; ``stopped_low``: ended by the Ville early stop
    (``Lambda <= log(1/alpha) - ville``: the remaining crossing probability is at most
    ``exp(-ville)``); ``censored``: still running at ``max_pulls``; ``pulls``: pulls made.
    """

    mu_a: np.ndarray
    T: np.ndarray
    crossed: np.ndarray
    stopped_low: np.ndarray
    censored: np.ndarray
    pulls: np.ndarray


def sprt_runs(mu_a: Any, mu: float, eps: float, alpha: float, n_runs: int | None, seed: Any, *,
              max_pulls: int = 1_000_000, ville: float | None = None) -> SPRTRuns:
    """The test (8)-(10) on single arms until it discards, the Ville stop, or the cap.

    Parameters
    ----------
    mu_a : one damage probability (with ``n_runs``) or an array of arms (one run each;
        ``n_runs`` must then be ``None`` or equal to its size).
    mu, eps, alpha : requirement, slack, tolerance (``0 < eps <= mu < 1``).
    max_pulls : cap; runs still undecided are censored.
    ville : optional early stop at ``Lambda <= log(1/alpha) - ville``.

    Notes
    -----
    Simulated damage by damage: between damages ``Lambda`` falls by ``|down|`` per pull, so
    the gaps are Geometric(``mu_a``), a crossing can only happen at a damage and the Ville
    stop is the first pull of a gap at which the falling line passes ``log(1/alpha) -
    ville``. The cost is one vectorised step per damage, not per pull. ``Lambda`` is
    rebuilt from the integer counts, ``k up + (n - k) down``, so no round-off accumulates;
    the threshold is compared with tolerance :data:`TIE_TOL`.
    """
    m, e, a = _sprt_params(mu, eps, alpha)
    arr = as_array(mu_a, "mu_a")
    if arr.ndim == 0:
        if n_runs is None:
            raise ValueError("n_runs is required with a single mu_a")
        arr = np.full(as_int(n_runs, "n_runs", low=1), float(arr))
    else:
        arr = arr.reshape(-1)
        if n_runs is not None and as_int(n_runs, "n_runs", low=1) != arr.size:
            raise ValueError(f"n_runs = {n_runs} does not match mu_a of size {arr.size}")
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError("mu_a must lie in [0, 1]")
    cap = as_int(max_pulls, "max_pulls", low=1)
    vl = None if ville is None else as_scalar(ville, "ville", low=0.0, low_open=True)
    rng = as_rng(seed)
    up, down = sprt_increments(m, e)
    thr = sprt_threshold(a)
    low_level = None if vl is None else thr - vl
    N = arr.size
    T = np.full(N, -1, np.int64)
    crossed = np.zeros(N, bool)
    low = np.zeros(N, bool)
    pulls = np.zeros(N, np.int64)
    k = np.zeros(N, np.int64)
    live = np.arange(N)
    big = np.int64(cap) + 1
    while live.size:
        p = arr[live]
        gap = np.full(live.size, big, np.int64)
        pos = p > 0
        gap[pos] = np.minimum(rng.geometric(p[pos]), big)
        n0, k0 = pulls[live], k[live]
        n_dmg = n0 + gap  # the pull of the next damage
        if low_level is not None and np.isfinite(up):
            # first pull n' > n0 of the damage-free stretch with Lambda(n') <= low_level
            need = (low_level - k0 * up) / down  # n' - k0 must reach this (down < 0)
            n_low = np.maximum(n0 + 1, k0 + np.ceil(need - 1e-12).astype(np.int64))
            hit_low = (n_low < n_dmg) & (n_low <= cap)
        else:
            n_low = np.zeros(live.size, np.int64)
            hit_low = np.zeros(live.size, bool)
        idx = live[hit_low]
        low[idx] = True
        pulls[idx] = n_low[hit_low]
        rest = ~hit_low
        over = rest & (n_dmg > cap)
        pulls[live[over]] = cap  # censored
        go = rest & ~over
        gi = live[go]
        n1, k1 = n_dmg[go], k0[go] + 1
        pulls[gi], k[gi] = n1, k1
        if np.isfinite(up):
            cross = k1 * up + (n1 - k1) * down >= thr - TIE_TOL
        else:
            cross = np.ones(gi.size, bool)
        T[gi[cross]] = n1[cross]
        crossed[gi[cross]] = True
        live = gi[~cross]
    censored = ~crossed & ~low
    return SPRTRuns(mu_a=arr, T=T, crossed=crossed, stopped_low=low, censored=censored, pulls=pulls)


def sprt_exact(mu_a: float, mu: float, eps: float, alpha: float, *, ville: float | None = None,
               tol: float = 1e-13, max_pulls: int = 5_000_000) -> dict[str, float]:
    """Exact stopping-time law of one arm's test by dynamic programming over the damage
    count ``k`` (no sampling).

    After ``n`` pulls the undecided mass is a vector over ``k``; ``Lambda(k, n)`` increases
    in ``k``, so each pull removes an upper tail (crossing) and, with ``ville``, a lower
    tail (the early stop). The loop ends when the undecided mass is below ``tol`` or at
    ``max_pulls`` (then ``converged`` is False and the mean is a lower bound).

    Returns
    -------
    dict with ``expected_time`` (``E[T]`` counting every stop, i.e. ``sum_n P(undecided
    after n)``; equals ``E[T_a]`` when ``ville`` is None and the test stops a.s.),
    ``p_cross`` (mass that crossed), ``p_low`` (mass stopped by Ville), ``remaining``
    (undecided mass at the end), ``pulls`` (DP length), ``converged``.
    """
    ma = as_scalar(mu_a, "mu_a", low=0.0, high=1.0)
    m, e, a = _sprt_params(mu, eps, alpha)
    vl = None if ville is None else as_scalar(ville, "ville", low=0.0, low_open=True)
    tl = as_scalar(tol, "tol", low=0.0, low_open=True)
    cap = as_int(max_pulls, "max_pulls", low=1)
    up, down = sprt_increments(m, e)
    thr = sprt_threshold(a)
    w = np.array([1.0])  # mass of undecided paths, indexed by k - off
    off = 0
    n = 0
    mean = 0.0
    p_cross = 0.0
    p_low = 0.0
    while n < cap:
        mean += float(w.sum())  # P(T > n)
        new = np.empty(w.size + 1)
        new[0] = w[0] * (1 - ma)
        new[1:-1] = w[1:] * (1 - ma) + w[:-1] * ma
        new[-1] = w[-1] * ma
        w = new
        n += 1
        ks = off + np.arange(w.size)
        lam = ks * up + (n - ks) * down if np.isfinite(up) else np.where(ks > 0, np.inf, n * down)
        hit = lam >= thr - TIE_TOL
        p_cross += float(w[hit].sum())
        keep = ~hit
        if vl is not None:
            lo = lam <= thr - vl
            p_low += float(w[lo & keep].sum())
            keep &= ~lo
        w = np.where(keep, w, 0.0)
        nz = np.flatnonzero(w > 1e-300)
        if nz.size == 0:
            w = np.zeros(1)
            break
        w = w[nz[0]:nz[-1] + 1]
        off += int(nz[0])
        if w.sum() < tl:
            break
    rem = float(w.sum())
    return {"expected_time": mean, "p_cross": p_cross, "p_low": p_low, "remaining": rem, "pulls": n,
            "converged": rem < tl}


# ---------------------------------------------------------------------------------------
# relaxed inspector on a population of arms (Fig. 1)
# ---------------------------------------------------------------------------------------
@dataclass
class PopulationRuns:
    """The relaxed inspector on ``K`` arms, run to the end of detection.

    ``mu_arms`` ``(R, K)``; ``exposure``: ``E_inf`` per run (pulls of unsafe arms until each is
    discarded); ``conservation``: ``C_{eps,inf}`` per run; ``n_good``: ``|A*_eps|`` per run;
    ``n_good_discarded``: (mu - eps)-safe arms discarded per run; ``n_unsafe``;
    ``censored``: arms undecided at the cap (unsafe arms not yet discarded, or H0 arms
    neither discarded nor Ville-stopped); ``T_unsafe``: per-arm stopping times of the
    unsafe arms (``-1`` elsewhere) ``(R, K)``.
    """

    mu_arms: np.ndarray
    exposure: np.ndarray
    conservation: np.ndarray
    n_good: np.ndarray
    n_good_discarded: np.ndarray
    n_unsafe: np.ndarray
    censored: np.ndarray
    T_unsafe: np.ndarray


def relaxed_population(n_arms: int, mu: float, eps: float, alpha: float, n_runs: int, seed: Any, *,
                       mu_range: tuple[float, float] = (0.0, 0.2), mu_arms: Any = None, ville: float = 25.0,
                       max_pulls: int = 2_000_000) -> PopulationRuns:
    """Algorithm 2 with the uniform strategy on ``n_arms`` arms, to the end of detection.

    ``mu_a ~ U(mu_range)`` i.i.d. per run (or the given ``mu_arms``). Each arm's test sees
    only its own pulls, so the outcome per arm does not depend on the interleaving: unsafe
    arms (``mu_a > mu``) run until they are discarded (their pulls are the exposure);
    ``(mu - eps)``-safe arms run until discarded or stopped by Ville (error ``<=
    exp(-ville)`` per arm); arms in ``(mu - eps, mu]`` matter for neither metric and are
    not simulated.
    """
    K = as_int(n_arms, "n_arms", low=1)
    R = as_int(n_runs, "n_runs", low=1)
    m, e, a = _sprt_params(mu, eps, alpha)
    rng = as_rng(seed)
    if mu_arms is None:
        lo, hi = as_scalar(mu_range[0], "mu_range[0]", low=0.0), as_scalar(mu_range[1], "mu_range[1]", high=1.0)
        if hi < lo:
            raise ValueError("mu_range must satisfy low <= high")
        arms = rng.uniform(lo, hi, size=(R, K))
    else:
        arms = check_arms(mu_arms, R)
        if arms.shape[1] != K:
            raise ValueError(f"mu_arms must have {K} columns")
    unsafe = arms > m
    good = arms <= m - e
    ru = sprt_runs(arms[unsafe], m, e, a, None, rng, max_pulls=max_pulls) if unsafe.any() else None
    rg = sprt_runs(arms[good], m, e, a, None, rng, max_pulls=max_pulls, ville=ville) if good.any() else None
    T_u = np.full((R, K), -1, np.int64)
    censored = np.zeros(R, np.int64)
    if ru is not None:
        T_u[unsafe] = np.where(ru.crossed, ru.T, -1)
        cen = np.zeros((R, K), bool)
        cen[unsafe] = ru.censored
        censored += cen.sum(1)
        pulls_u = np.zeros((R, K), np.int64)
        pulls_u[unsafe] = ru.pulls
        expo = pulls_u.sum(1)
    else:
        expo = np.zeros(R, np.int64)
    disc = np.zeros((R, K), bool)
    if rg is not None:
        disc[good] = rg.crossed
        cen = np.zeros((R, K), bool)
        cen[good] = rg.censored
        censored += cen.sum(1)
    n_good = good.sum(1)
    n_disc = disc.sum(1)
    cons = np.where(n_good > 0, 1.0 - n_disc / np.maximum(n_good, 1), 0.0)
    return PopulationRuns(mu_arms=arms, exposure=expo, conservation=cons, n_good=n_good,
                          n_good_discarded=n_disc, n_unsafe=unsafe.sum(1), censored=censored, T_unsafe=T_u)
