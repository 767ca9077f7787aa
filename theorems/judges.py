"""Reusable judges: how measured evidence is compared with a statement.

Each factory returns a judge ``judge(claim, evidence, **params) -> Verdict`` that obeys
the contract in :mod:`theorems._claim`. The theoretical value always comes from the claim
(``claim.theory(**inputs)``, which sees the claim's ``constants``) or from a ``theory``
callable given to the factory that also receives those constants; a false variant that
changes a constant therefore changes the verdict.

Evidence keys used by the factories
-----------------------------------
``measured``  array (or scalar) of measured values.
``inputs``    mapping passed to the theory (times, parameters, states ...).
``x``         optional array locating each measured point (reported as the worst point).
``fit``       a :class:`numerics.fit.Fit`-like mapping (``slope``, ``ci_low``,
              ``ci_high``, ``window``) for exponent judges.

Choosing tolerances
-------------------
An identity evaluated in floating point needs a relative tolerance a few hundred ulps
wide (1e-12); a comparison with an ODE solution needs one above the integrator's global
error (a factor 100 above ``rtol``); a bound that the paper proves exactly needs only the
integrator or round-off slack, never percent-level room. State the reason next to the
number where the claim is built.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from ._claim import Claim, Outcome, Verdict

__all__ = [
    "agree",
    "upper_bound",
    "lower_bound",
    "exponent",
    "frequency",
    "predicate",
    "exact_specs",
    "all_of",
    "part",
    "clopper_pearson",
]

Theory = Callable[..., Any] | None


def _theory(claim: Claim, theory: Theory, evidence: Mapping[str, Any]) -> Any:
    inputs = dict(evidence.get("inputs", {}))
    if theory is None:
        return claim.theory(**inputs)
    return theory(**{**claim.constants, **inputs})


def _measured(evidence: Mapping[str, Any]) -> np.ndarray:
    if "measured" not in evidence:
        raise ValueError("evidence lacks the key 'measured'")
    m = np.asarray(evidence["measured"], dtype=float)
    return m


def _where(evidence: Mapping[str, Any], idx: int) -> Any:
    x = evidence.get("x")
    if x is None:
        return int(idx)
    x = np.asarray(x)
    return x.reshape(-1)[idx].item() if x.size > idx else int(idx)


def _summ(a: np.ndarray) -> Any:
    a = np.asarray(a, dtype=float)
    return a.item() if a.size == 1 else a


def agree(rtol: float, atol: float = 0.0, *, theory: Theory = None, relative_to: str = "max") -> Callable:
    """Measured equals theory: ``max|m - th| <= rtol * scale + atol``.

    ``relative_to="max"`` uses ``scale = max|th|`` (a norm-wise relative error, right for
    matrices and trajectories); ``"point"`` compares each point with its own ``|th|``.
    """

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        m = _measured(evidence)
        th = np.asarray(_theory(claim, theory, evidence), dtype=float)
        try:
            m_b, th_b = np.broadcast_arrays(m, th)
        except ValueError:
            return Verdict(Outcome.FAILS, _summ(th), _summ(m), 0.0, f"shape mismatch {m.shape} vs {th.shape}")
        if not np.all(np.isfinite(m_b)):
            return Verdict(Outcome.INCONCLUSIVE, _summ(th), _summ(m), None, "measured values are not finite")
        if not np.all(np.isfinite(th_b)):
            return Verdict(Outcome.FAILS, _summ(th), _summ(m), 0.0, "theory is not finite where measured is")
        err = np.abs(m_b - th_b)
        if relative_to == "point":
            allowed = rtol * np.abs(th_b) + atol
        else:
            allowed = np.full_like(err, rtol * float(np.max(np.abs(th_b), initial=0.0)) + atol)
        with np.errstate(over="ignore"):  # a subnormal error gives an infinite (ample) margin
            ratio = np.where(err > 0, allowed / np.where(err > 0, err, 1.0), np.inf)
        idx = int(np.argmin(ratio)) if ratio.size else 0
        margin = float(ratio.reshape(-1)[idx]) if ratio.size else float("inf")
        ok = bool(np.all(err <= allowed))
        worst = _where(evidence, idx)
        scale = "relative" if rtol else "absolute"
        reason = (
            f"deviation {float(err.reshape(-1)[idx]):.3g} vs allowed {float(allowed.reshape(-1)[idx]):.3g}"
            f" at the tightest point {worst} ({scale}; max deviation {float(err.max(initial=0)):.3g})"
        )
        # Report the values at the worst point (arrays would swamp the evidence file).
        return Verdict(
            Outcome.HOLDS if ok else Outcome.FAILS,
            float(th_b.reshape(-1)[idx]) if th_b.size else None,
            float(m_b.reshape(-1)[idx]) if m_b.size else None,
            margin,
            reason,
            worst=worst,
            tolerance=rtol if rtol else atol,
        )

    return judge


def _bound(sign: int, rtol: float, atol: float, theory: Theory) -> Callable:
    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        m = _measured(evidence)
        th = np.asarray(_theory(claim, theory, evidence), dtype=float)
        m_b, th_b = np.broadcast_arrays(m, th)
        mask = evidence.get("mask")
        if mask is not None:
            mask = np.broadcast_to(np.asarray(mask, dtype=bool), m_b.shape)
            m_b, th_b = m_b[mask], th_b[mask]
        if m_b.size == 0:
            return Verdict(Outcome.INCONCLUSIVE, None, None, None, "no points inside the examined range")
        if not (np.all(np.isfinite(m_b)) and np.all(np.isfinite(th_b) | np.isinf(th_b))):
            return Verdict(Outcome.INCONCLUSIVE, _summ(th_b), _summ(m_b), None, "non-finite values")
        if sign > 0:  # measured <= theory
            # rtol widens the bound by rtol*|th| also where the bound is negative
            slack = th_b + rtol * np.abs(th_b) + atol - m_b
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(m_b > 0, th_b / m_b, np.inf)
            rel = "<="
        else:  # measured >= theory
            slack = m_b - (th_b - rtol * np.abs(th_b) - atol)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(th_b > 0, m_b / th_b, np.inf)
        idx = int(np.argmin(slack))
        ok = bool(np.all(slack >= 0))
        worst = _where(evidence, idx) if mask is None else int(idx)
        margin = float(np.min(ratio))
        rel = "<=" if sign > 0 else ">="
        reason = (
            f"measured {rel} bound at all {m_b.size} points" if ok
            else f"violated at {int(np.sum(slack < 0))} of {m_b.size} points"
        ) + f"; tightest ratio {margin:.4g} at {worst}"
        return Verdict(
            Outcome.HOLDS if ok else Outcome.FAILS,
            float(th_b.reshape(-1)[idx]),
            float(m_b.reshape(-1)[idx]),
            margin,
            reason,
            worst=worst,
            tolerance=rtol if rtol else atol,
        )

    return judge


def upper_bound(rtol: float = 0.0, atol: float = 0.0, *, theory: Theory = None) -> Callable:
    """Measured never exceeds the bound: ``m <= th + rtol * |th| + atol`` pointwise.

    ``evidence["mask"]`` (optional, boolean) restricts the points examined, e.g. to
    times above the integrator's floor. The margin is ``min(th / m)``.
    """
    return _bound(+1, rtol, atol, theory)


def lower_bound(rtol: float = 0.0, atol: float = 0.0, *, theory: Theory = None) -> Callable:
    """Measured never falls below the bound: ``m >= th - rtol * |th| - atol`` pointwise.

    The margin is ``min(m / th)``.
    """
    return _bound(-1, rtol, atol, theory)


def exponent(rtol: float = 0.0, atol: float = 0.0, *, max_ci_halfwidth: float | None = None,
             theory: Theory = None) -> Callable:
    """A fitted slope (exponent or rate) equals the theory.

    Holds when ``|slope - th| <= rtol*|th| + atol + ci_halfwidth`` (the theory lies in
    the confidence interval widened by the stated tolerance); inconclusive when the
    confidence interval is wider than ``max_ci_halfwidth`` (the data cannot decide).
    """

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        if "fit" not in evidence:
            raise ValueError("evidence lacks the key 'fit'")
        fit = evidence["fit"]
        get = (lambda k: fit[k]) if isinstance(fit, Mapping) else (lambda k: getattr(fit, k))
        slope, lo, hi = float(get("slope")), float(get("ci_low")), float(get("ci_high"))
        half = 0.5 * (hi - lo)
        th = float(np.asarray(_theory(claim, theory, evidence)))
        window = get("window") if (isinstance(fit, Mapping) and "window" in fit) or hasattr(fit, "window") else None
        if max_ci_halfwidth is not None and half > max_ci_halfwidth:
            return Verdict(Outcome.INCONCLUSIVE, th, slope, None,
                           f"confidence interval half-width {half:.3g} exceeds {max_ci_halfwidth:.3g}",
                           window=window)
        allowed = rtol * abs(th) + atol + half
        dev = abs(slope - th)
        ok = dev <= allowed
        margin = allowed / dev if dev > 0 else float("inf")
        reason = (f"fitted {slope:.5g} (CI [{lo:.5g}, {hi:.5g}]) vs theory {th:.5g}; "
                  f"deviation {dev:.3g}, allowed {allowed:.3g}")
        return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, th, slope, margin, reason,
                       window=window, tolerance=rtol if rtol else atol)

    return judge


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval for a binomial proportion."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must lie in [0, n]")
    a = 1 - level
    lo = 0.0 if k == 0 else stats.beta.ppf(a / 2, k, n - k + 1)
    hi = 1.0 if k == n else stats.beta.ppf(1 - a / 2, k + 1, n - k)
    return float(lo), float(hi)


_RELATIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
}


def frequency(relation: str, probability_key: str = "prob", *, level: float = 0.999,
              theory: Theory = None) -> Callable:
    """A probabilistic event ``measured <relation> theory`` holds with probability at
    least ``p`` (``p`` is ``inputs[probability_key]``, e.g. ``1 - delta``).

    Each sample is one Monte-Carlo draw. The claim holds when the one-sided exact
    binomial test cannot reject ``P(event) >= p`` at ``1 - level`` (i.e. the upper
    Clopper–Pearson limit at ``level`` is at least ``p``); it fails otherwise.
    """
    if relation not in _RELATIONS:
        raise ValueError(f"relation must be one of {sorted(_RELATIONS)}")

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        m = _measured(evidence)
        th = np.asarray(_theory(claim, theory, evidence), dtype=float)
        p = float(evidence.get("inputs", {}).get(probability_key, claim.constants.get(probability_key, 1.0)))
        events = _RELATIONS[relation](*np.broadcast_arrays(m, th))
        k, n = int(events.sum()), int(events.size)
        upper = 1.0 if k == n else float(stats.beta.ppf(level, k + 1, n - k))
        ok = upper >= p
        reason = f"event held in {k}/{n} draws (upper {level:.3g} limit {upper:.4f}) vs required {p:.4g}"
        return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, p, k / n, upper / p, reason,
                       tolerance=1 - level)

    return judge


def predicate(test: Callable[..., tuple[bool, str]] | Callable[..., bool]) -> Callable:
    """A qualitative statement: ``test(claim, evidence) -> bool or (bool, reason)``.

    Use for orderings and other phenomena; the test must consult ``claim.constants`` or
    ``claim.theory`` so that the false variant can differ.
    """

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        res = test(claim, evidence)
        ok, reason = (res if isinstance(res, tuple) else (bool(res), ""))
        return Verdict(Outcome.HOLDS if ok else Outcome.FAILS, reason=reason or ("holds" if ok else "fails"))

    return judge


_SPEC_RELATIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal,
    "<=": np.less_equal,
    ">=": np.greater_equal,
}


def exact_specs(fmt: Callable[[Any], str] = repr) -> Callable:
    """Judge finite, exact statements (set identities, fixed points, integer budgets).

    ``claim.theory(**inputs)`` returns a list of specifications ``{"key", "value",
    "where", "rel", "what", "rtol", "atol"}``: on the cases selected by ``where`` (default
    all) the measured column ``evidence["measured"][key]`` must stand in relation ``rel``
    (``==`` by default, or ``<=``, ``>=``) to ``value``. Integer and boolean columns are
    compared exactly; ``rtol``/``atol`` (only for floating-point columns, with the reason
    at the claim) turn ``==`` into an ``isclose`` in which equal infinities agree.
    ``evidence["labels"][key]`` (optional) names the cases along the first axis for the
    reported first violation; ``fmt`` formats values there (e.g. to print a sentinel).
    The margin is infinite when nothing is violated and 0 otherwise; a specification
    list that selects no case at all is inconclusive.
    """

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        meas = evidence.get("measured")
        if not isinstance(meas, Mapping):
            raise ValueError("evidence lacks the mapping 'measured'")
        labels = evidence.get("labels", {})
        covered = n_bad = 0
        parts, first_bad, tol = [], None, 0.0
        for spec in claim.theory(**dict(evidence.get("inputs", {}))):
            key = spec["key"]
            if key not in meas:
                raise ValueError(f"evidence lacks the measured column {key!r}")
            m = np.asarray(meas[key])
            v = np.broadcast_to(np.asarray(spec["value"]), m.shape)
            w = np.ones(m.shape, bool) if spec.get("where") is None else np.broadcast_to(
                np.asarray(spec["where"], dtype=bool), m.shape)
            rel = spec.get("rel", "==")
            if rel == "==" and ("rtol" in spec or "atol" in spec):
                rt, at = float(spec.get("rtol", 0.0)), float(spec.get("atol", 0.0))
                tol = max(tol, rt, at)
                ok = np.isclose(m.astype(float), v.astype(float), rtol=rt, atol=at)
            else:
                ok = _SPEC_RELATIONS[rel](m, v)
            bad = w & ~ok
            covered += int(w.sum())
            nb = int(bad.sum())
            n_bad += nb
            parts.append(f"{spec.get('what', key)}: {nb} violations in {int(w.sum())} cases")
            if nb and first_bad is None:
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                lab = labels.get(key)
                where = lab[idx[0]] if lab is not None and len(lab) > idx[0] else list(idx)
                mv, tv = np.asarray(m[idx]).item(), np.asarray(v[idx]).item()
                first_bad = f"{key} at {where}: measured {fmt(mv)}, statement {rel} {fmt(tv)}"
        if covered == 0:
            return Verdict(Outcome.INCONCLUSIVE, 0, 0, None, "no case satisfies the statement's hypotheses")
        reason = "exact; " + "; ".join(parts) + (f"; first violation: {first_bad}" if first_bad else "")
        return Verdict(Outcome.HOLDS if n_bad == 0 else Outcome.FAILS, theoretical=covered, measured=n_bad,
                       margin=float("inf") if n_bad == 0 else 0.0, reason=reason, worst=first_bad, tolerance=tol)

    return judge


def part(key: str, judge: Callable, label: str | None = None) -> Callable:
    """Apply ``judge`` to ``evidence[key]`` (a sub-mapping): one part of a compound claim."""

    def judge_part(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        if key not in evidence:
            raise ValueError(f"evidence lacks the part {key!r}")
        v = judge(claim, evidence[key], **params)
        return Verdict(v.outcome, v.theoretical, v.measured, v.margin, f"[{label or key}] {v.reason}",
                       v.window, v.worst, v.tolerance)

    judge_part.part_key = key  # type: ignore[attr-defined]
    return judge_part


def all_of(*judges: Callable) -> Callable:
    """A compound claim: holds iff every part holds; fails if any part fails;
    inconclusive otherwise. The reported verdict is that of the weakest part."""
    if not judges:
        raise ValueError("all_of needs at least one judge")

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        vs: Sequence[Verdict] = [j(claim, evidence, **params) for j in judges]
        failing = [v for v in vs if v.fails]
        unsure = [v for v in vs if v.inconclusive]
        if failing:
            pick, outcome = failing[0], Outcome.FAILS
        elif unsure:
            pick, outcome = unsure[0], Outcome.INCONCLUSIVE
        else:
            margins = [v.margin for v in vs if v.margin is not None]
            pick = min(vs, key=lambda v: v.margin if v.margin is not None else np.inf) if margins else vs[0]
            outcome = Outcome.HOLDS
        reason = "; ".join(v.reason for v in vs)
        return Verdict(outcome, pick.theoretical, pick.measured, pick.margin, reason, pick.window,
                       pick.worst, pick.tolerance)

    return judge
