"""Gradient-flow integration and gradient descent.

One driver, :func:`integrate`, over :func:`scipy.integrate.solve_ivp`, with the
discipline the project's flows need:

1. float64 state throughout;
2. an absolute tolerance that the caller sizes to the smallest quantity of interest
   (with an initialisation of scale ``alpha`` use ``atol`` around ``1e-3 * alpha`` or
   smaller: ``atol=1e-6`` with ``alpha=1e-6`` gives escape times that are plainly wrong);
3. log-spaced output times (:func:`log_times`) when the interesting events happen on
   a logarithmic clock, as after a tiny initialisation;
4. events (escape, plateau) located by the solver, not read off the output grid;
5. explicit Runge–Kutta by default (``DOP853``); implicit methods stall on the kinks of
   ReLU flows;
6. every trajectory records its function-evaluation count, and :func:`integrate_twice`
   reruns at a tighter tolerance so that evidence can carry an integrator-error estimate.

How to choose tolerances: the global error of an adaptive RK run is typically 1–100
times ``rtol`` relative to the solution's size; a check that compares a trajectory with a
closed form at level ``tol`` therefore needs ``rtol <= tol / 100`` and an ``atol`` below
``tol`` times the smallest component that matters. Confirm with :func:`integrate_twice`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from theorems.validate import as_array, as_int, as_scalar

__all__ = ["Trajectory", "integrate", "integrate_twice", "log_times", "gradient_descent"]


@dataclass(frozen=True)
class Trajectory:
    """Output of a simulation.

    Attributes
    ----------
    t : (T,) array of output times.
    y : (T, d) array of flattened states at those times.
    nfev : number of right-hand-side (gradient) evaluations.
    observables : named arrays, one value per output time.
    events : times of each event (one array per event function).
    status, message : the solver's termination status and message.
    """

    t: np.ndarray
    y: np.ndarray
    nfev: int
    observables: dict[str, np.ndarray] = field(default_factory=dict)
    events: tuple[np.ndarray, ...] = ()
    status: int = 0
    message: str = ""
    method: str = ""
    rtol: float | None = None
    atol: float | None = None

    def states(self, shape: tuple[int, ...]) -> np.ndarray:
        """The states reshaped to ``(T, *shape)``."""
        return self.y.reshape((len(self.t),) + tuple(shape))

    @property
    def success(self) -> bool:
        return self.status >= 0


def log_times(t_max: float, n: int, t_min: float = 1e-3, include_zero: bool = True) -> np.ndarray:
    """``n`` output times log-spaced in ``[t_min, t_max]`` (with 0 prepended)."""
    t_max = as_scalar(t_max, "t_max", low=0, low_open=True)
    t_min = as_scalar(t_min, "t_min", low=0, low_open=True)
    n = as_int(n, "n", low=2)
    if t_min >= t_max:
        raise ValueError(f"t_min must be < t_max, got {t_min} >= {t_max}")
    t = np.geomspace(t_min, t_max, n)
    return np.concatenate([[0.0], t]) if include_zero else t


def integrate(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    y0: Any,
    t_eval: Any,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
    events: Sequence[Callable] | Callable | None = None,
    observables: dict[str, Callable[[np.ndarray], Any]] | None = None,
    max_step: float = np.inf,
) -> Trajectory:
    """Integrate ``dy/dt = rhs(t, y)`` from ``y(t_eval[0]) = y0``.

    Parameters
    ----------
    rhs : right-hand side on the flattened float64 state.
    y0 : initial state (any shape; it is flattened).
    t_eval : increasing output times; the first is the initial time.
    rtol, atol : solver tolerances (see the module docstring for how to choose them).
    method : any ``solve_ivp`` method; explicit ``DOP853`` by default.
    events : event functions ``g(t, y)`` (scipy conventions: ``terminal``, ``direction``).
    observables : ``name -> f(y)`` evaluated on each output state.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError if the inputs are malformed or the solution becomes non-finite.
    """
    y0 = as_array(y0, "y0").ravel()
    t_eval = as_array(t_eval, "t_eval", ndim=1)
    if t_eval.size < 2 or np.any(np.diff(t_eval) <= 0):
        raise ValueError("t_eval must hold at least two strictly increasing times")
    rtol = as_scalar(rtol, "rtol", low=0, low_open=True)
    atol = as_scalar(atol, "atol", low=0, low_open=True)
    if callable(events):
        events = [events]
    sol = solve_ivp(
        rhs, (float(t_eval[0]), float(t_eval[-1])), y0, method=method, t_eval=t_eval,
        rtol=rtol, atol=atol, events=events, max_step=max_step,
    )
    if sol.status < 0:
        raise RuntimeError(f"integration failed: {sol.message}")
    y = sol.y.T
    if not np.all(np.isfinite(y)):
        raise ValueError("the solution became non-finite; reduce the horizon or the step")
    obs = {k: np.array([f(yi) for yi in y]) for k, f in (observables or {}).items()}
    ev = tuple(np.asarray(e) for e in sol.t_events) if sol.t_events is not None else ()
    return Trajectory(sol.t, y, int(sol.nfev), obs, ev, int(sol.status), str(sol.message), method, rtol, atol)


def integrate_twice(rhs: Callable, y0: Any, t_eval: Any, *, rtol: float = 1e-10, atol: float = 1e-12,
                    factor: float = 100.0, **kw: Any) -> tuple[Trajectory, float]:
    """Integrate at ``(rtol, atol)`` and at both divided by ``factor``.

    Returns the tighter trajectory and the maximum absolute difference between the two
    (an a-posteriori estimate of the looser run's global error). A trajectory-level claim
    whose verdict changes between the two runs is not decided by the integrator.
    """
    loose = integrate(rhs, y0, t_eval, rtol=rtol, atol=atol, **kw)
    tight = integrate(rhs, y0, t_eval, rtol=max(rtol / factor, 2.3e-14), atol=atol / factor, **kw)
    return tight, float(np.max(np.abs(loose.y - tight.y)))


def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: Any,
    eta: float,
    steps: int,
    *,
    record_every: int = 1,
    observables: dict[str, Callable[[np.ndarray], Any]] | None = None,
    stop: Callable[[np.ndarray], bool] | None = None,
) -> Trajectory:
    """Plain gradient descent ``x <- x - eta * grad(x)``.

    Records the state every ``record_every`` steps (``t`` holds step counts; multiply by
    the step size, or the loss's own factor, to compare with gradient-flow time). Stops
    early when ``stop(x)`` is true, and raises if the iterate becomes non-finite.
    """
    x = as_array(x0, "x0").ravel().copy()
    eta = as_scalar(eta, "eta", low=0, low_open=True)
    steps = as_int(steps, "steps", low=0)
    record_every = as_int(record_every, "record_every", low=1)
    ts, ys = [0], [x.copy()]
    nfev = 0
    k = 0
    for k in range(1, steps + 1):
        # overflow on divergence is detected below and reported as an error
        with np.errstate(over="ignore", invalid="ignore"):
            x = x - eta * grad(x)
        nfev += 1
        if not np.all(np.isfinite(x)):
            raise ValueError(f"gradient descent diverged at step {k} (eta={eta})")
        done = stop is not None and stop(x)
        if k % record_every == 0 or k == steps or done:
            ts.append(k)
            ys.append(x.copy())
        if done:
            break
    y = np.array(ys)
    obs = {name: np.array([f(yi) for yi in y]) for name, f in (observables or {}).items()}
    return Trajectory(np.array(ts, dtype=float), y, nfev, obs, (), 0, f"{k} steps", "gd")
