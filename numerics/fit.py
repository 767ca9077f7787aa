"""Rates and exponents by regression, with confidence intervals.

A claimed power law ``y ~ C x^p`` is tested by a least-squares line through
``(log x, log y)``; an exponential rate ``y ~ C e^{-c t}`` by a line through
``(t, log y)``. The slope's confidence interval comes from Student's t with ``n - 2``
degrees of freedom (ordinary least squares); with repeated seeds at each ``x`` the
scatter between seeds enters the residuals, so the interval reflects it.

Choose the window with care: exclude the pre-asymptotic phase (early times, small
sizes) and the round-off or integrator floor (late times). :func:`window_mask`
selects points by value, and the chosen window is stored on the :class:`Fit` so that a
verdict can record it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from theorems.validate import as_array, as_scalar

__all__ = ["Fit", "linear_fit", "loglog_fit", "semilog_fit", "window_mask"]


@dataclass(frozen=True)
class Fit:
    """A fitted line ``y = intercept + slope * x`` with a confidence interval on the slope."""

    slope: float
    intercept: float
    stderr: float
    ci_low: float
    ci_high: float
    level: float
    n: int
    r2: float
    window: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["window"] = list(self.window)
        return d

    def contains(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


def linear_fit(x: Any, y: Any, level: float = 0.95) -> Fit:
    """Ordinary least squares with a two-sided ``level`` confidence interval on the slope."""
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    level = as_scalar(level, "level", low=0, high=1, low_open=True, high_open=True)
    if x.size < 3:
        raise ValueError(f"a fit with a confidence interval needs at least 3 points, got {x.size}")
    if np.ptp(x) == 0:
        raise ValueError("x must not be constant")
    res = stats.linregress(x, y)
    dof = x.size - 2
    q = stats.t.ppf(0.5 + level / 2, dof)
    se = float(res.stderr)
    return Fit(float(res.slope), float(res.intercept), se, float(res.slope - q * se),
               float(res.slope + q * se), level, int(x.size), float(res.rvalue ** 2),
               (float(x.min()), float(x.max())))


def loglog_fit(x: Any, y: Any, level: float = 0.95) -> Fit:
    """Fit ``log y = a + p log x``; the slope is the exponent ``p``.

    The window is reported in the original ``x`` units.
    """
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", ndim=1)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("loglog_fit needs positive x and y")
    f = linear_fit(np.log(x), np.log(y), level)
    return Fit(**{**asdict(f), "window": (float(x.min()), float(x.max()))})


def semilog_fit(t: Any, y: Any, level: float = 0.95) -> Fit:
    """Fit ``log y = a + s t``; ``-s`` is the exponential rate."""
    t = as_array(t, "t", ndim=1)
    y = as_array(y, "y", ndim=1)
    if np.any(y <= 0):
        raise ValueError("semilog_fit needs positive y")
    return linear_fit(t, np.log(y), level)


def window_mask(y: Any, low: float, high: float) -> np.ndarray:
    """Boolean mask of the points with ``low < y < high`` (e.g. above the round-off floor
    and below the pre-asymptotic level)."""
    y = as_array(y, "y", finite=False)
    if not low < high:
        raise ValueError(f"low must be < high, got {low} >= {high}")
    return (y > low) & (y < high)
