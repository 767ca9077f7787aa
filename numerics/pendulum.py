"""The inverted pendulum of the safety-critic paper, written out by hand.

The paper's "custom inverted pendulum" is Gymnasium's ``Pendulum-v1`` with termination
at ``|theta| >= pi/2`` and five equally spaced torques. Gymnasium is not a dependency:
the step below reproduces ``Pendulum-v1``'s semi-implicit Euler update with its default
constants (g = 10, m = 1, l = 1, dt = 0.05, max speed 8, max torque 2), which the card
adopts (they are not stated in the paper; UNCERTAIN there):

    omega' = clip(omega + (3 g / (2 l) sin(theta) + 3 u / (m l^2)) dt, -8, 8)
    theta' = theta + omega' dt

``theta = 0`` is upright; ``theta`` is not wrapped (episodes end at ``|theta| >= pi/2``
long before wrapping matters).

For exact checks the dynamics are abstracted to a finite system on a regular grid of
``theta in [-pi/2, pi/2]`` and ``omega in [-8, 8]`` (:func:`grid_abstraction`):
nearest-grid snapping gives a deterministic system, the *conservative* variant keeps
the 4 grid points around the continuous successor as a worst-case successor set.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "GYM_CONSTANTS",
    "TORQUES",
    "pendulum_step",
    "PendulumGrid",
    "grid_abstraction",
    "rollout",
]

#: Pendulum-v1 defaults used by the card (g, m, l, dt, max_speed, max_torque).
GYM_CONSTANTS = {"g": 10.0, "m": 1.0, "l": 1.0, "dt": 0.05, "max_speed": 8.0, "max_torque": 2.0}
#: The paper's 5 equally spaced torques.
TORQUES = (-2.0, -1.0, 0.0, 1.0, 2.0)


def pendulum_step(theta: Any, omega: Any, u: Any, *, g: float = 10.0, m: float = 1.0, l: float = 1.0,
                  dt: float = 0.05, max_speed: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """One step of the discretised pendulum (Pendulum-v1 update), vectorised.

    Returns ``(theta', omega')`` with ``omega'`` clipped to ``[-max_speed, max_speed]``
    and ``theta' = theta + omega' dt`` (semi-implicit Euler).
    """
    th = as_array(theta, "theta", allow_empty=True)
    om = as_array(omega, "omega", allow_empty=True)
    uu = as_array(u, "u", allow_empty=True)
    g = as_scalar(g, "g", low=0.0)
    m = as_scalar(m, "m", low=0.0, low_open=True)
    l = as_scalar(l, "l", low=0.0, low_open=True)
    dt = as_scalar(dt, "dt", low=0.0, low_open=True)
    vmax = as_scalar(max_speed, "max_speed", low=0.0, low_open=True)
    om2 = np.clip(om + (3.0 * g / (2.0 * l) * np.sin(th) + 3.0 / (m * l * l) * uu) * dt, -vmax, vmax)
    return th + om2 * dt, om2


@dataclass(frozen=True)
class PendulumGrid:
    """A finite abstraction of the pendulum.

    ``thetas`` ``(n_theta,)`` and ``omegas`` ``(n_omega,)`` are the grid axes; state
    ``i * n_omega + j`` is the grid point ``(thetas[i], omegas[j])`` and the last state
    (``sink``) collects every ``|theta| >= pi/2``. ``F`` is ``(n, n_torques)`` for
    nearest-grid snapping and ``(n, n_torques, 4)`` for the conservative abstraction
    (the 4 surrounding grid points, worst case). ``G`` marks the grid columns with
    ``|theta| >= pi/2`` and the sink; ``G`` is absorbing.
    """

    thetas: np.ndarray
    omegas: np.ndarray
    torques: np.ndarray
    F: np.ndarray
    G: np.ndarray
    dt: float
    conservative: bool

    @property
    def sink(self) -> int:
        return self.thetas.size * self.omegas.size

    @property
    def shape(self) -> tuple[int, int]:
        return (self.thetas.size, self.omegas.size)

    def nearest(self, theta: Any, omega: Any) -> np.ndarray:
        """Index of the nearest grid point (the sink where ``|theta| >= pi/2``)."""
        th = np.asarray(theta, dtype=float)
        om = np.asarray(omega, dtype=float)
        return _nearest(self.thetas, self.omegas, th, om)

    def corners(self, theta: Any, omega: Any) -> np.ndarray:
        """Indices ``(..., 4)`` of the grid points around ``(theta, omega)`` (the sink
        for all four where ``|theta| >= pi/2``)."""
        th = np.asarray(theta, dtype=float)
        om = np.asarray(omega, dtype=float)
        return _corners(self.thetas, self.omegas, th, om)

    def grid_values(self, x: np.ndarray) -> np.ndarray:
        """Reshape a per-state array (without the sink) to ``(n_theta, n_omega, ...)``."""
        x = np.asarray(x)
        return x[: self.sink].reshape(self.shape + x.shape[1:])


def _nearest(thetas: np.ndarray, omegas: np.ndarray, th: np.ndarray, om: np.ndarray) -> np.ndarray:
    nt, no = thetas.size, omegas.size
    dth = thetas[1] - thetas[0]
    dom = omegas[1] - omegas[0]
    i = np.clip(np.rint((th - thetas[0]) / dth), 0, nt - 1).astype(np.int64)
    j = np.clip(np.rint((om - omegas[0]) / dom), 0, no - 1).astype(np.int64)
    out = i * no + j
    return np.where(np.abs(th) >= np.pi / 2, nt * no, out)


def _corners(thetas: np.ndarray, omegas: np.ndarray, th: np.ndarray, om: np.ndarray) -> np.ndarray:
    nt, no = thetas.size, omegas.size
    dth = thetas[1] - thetas[0]
    dom = omegas[1] - omegas[0]
    fi = np.clip(np.floor((th - thetas[0]) / dth), 0, nt - 2).astype(np.int64)
    fj = np.clip(np.floor((om - omegas[0]) / dom), 0, no - 2).astype(np.int64)
    idx = np.stack([(fi + di) * no + (fj + dj) for di in (0, 1) for dj in (0, 1)], axis=-1)
    return np.where((np.abs(th) >= np.pi / 2)[..., None], nt * no, idx)


def grid_abstraction(n_theta: int, n_omega: int, torques: Sequence[float] = TORQUES, *, dt: float = 0.05,
                     conservative: bool = False, g: float = 10.0, m: float = 1.0, l: float = 1.0,
                     max_speed: float = 8.0) -> PendulumGrid:
    """Finite abstraction of the pendulum on a regular ``n_theta x n_omega`` grid.

    ``theta`` spans ``[-pi/2, pi/2]`` (both ends are in ``G``) and ``omega`` spans
    ``[-max_speed, max_speed]``. Each grid point is stepped once with the continuous
    dynamics (:func:`pendulum_step`); a successor with ``|theta'| >= pi/2`` goes to the
    absorbing failure sink. Otherwise it is snapped to the nearest grid point, or, with
    ``conservative``, all 4 surrounding grid points are kept as possible successors (a
    pair is then unsafe if any of them is doomed).
    """
    nt = as_int(n_theta, "n_theta", low=3)
    no = as_int(n_omega, "n_omega", low=2)
    tq = as_array(torques, "torques", ndim=1)
    thetas = np.linspace(-np.pi / 2, np.pi / 2, nt)
    omegas = np.linspace(-max_speed, max_speed, no)
    TH, OM = np.meshgrid(thetas, omegas, indexing="ij")
    th = TH.reshape(-1)[:, None]
    om = OM.reshape(-1)[:, None]
    th2, om2 = pendulum_step(th, om, tq[None, :], g=g, m=m, l=l, dt=dt, max_speed=max_speed)
    sink = nt * no
    G = np.zeros(sink + 1, bool)
    G[:sink] = (np.abs(TH) >= np.pi / 2 - 1e-12).reshape(-1)
    G[sink] = True
    if conservative:
        F = np.concatenate([_corners(thetas, omegas, th2, om2),
                            np.full((1, tq.size, 4), sink, np.int64)])
    else:
        F = np.concatenate([_nearest(thetas, omegas, th2, om2), np.full((1, tq.size), sink, np.int64)])
    # G is absorbing: episodes terminate on entering it
    gi = np.flatnonzero(G)
    F[gi] = gi.reshape((-1,) + (1,) * (F.ndim - 1))
    return PendulumGrid(thetas=thetas, omegas=omegas, torques=tq, F=F, G=G, dt=float(dt),
                        conservative=bool(conservative))


def rollout(theta0: Any, omega0: Any, policy: Callable[[np.ndarray, np.ndarray, np.random.Generator], np.ndarray],
            n_steps: int, seed: Any, *, torques: Sequence[float] = TORQUES,
            **constants: float) -> dict[str, np.ndarray]:
    """Roll out the continuous (discrete-time) pendulum from a batch of starts.

    ``policy(theta, omega, rng)`` returns torque indices (``-1`` means "no allowed
    action": the rollout is flagged ``stuck`` and continues with torque index 0's
    neighbour ``u = 0``). A rollout *fails* when ``|theta| >= pi/2``; it then stops.

    Returns a dict with ``failed`` (bool), ``fail_step`` (int, -1 if never),
    ``stuck`` (bool, ever without an allowed action), ``first_stuck`` (int step or -1),
    and the final ``theta`` and ``omega``.
    """
    th = as_array(theta0, "theta0", ndim=1).copy()
    om = as_array(omega0, "omega0", ndim=1).copy()
    if th.shape != om.shape:
        raise ValueError(f"theta0 and omega0 must have the same shape, got {th.shape} and {om.shape}")
    T = as_int(n_steps, "n_steps", low=0)
    rng = as_rng(seed)
    tq = as_array(torques, "torques", ndim=1)
    alive = np.abs(th) < np.pi / 2
    failed = ~alive
    fail_step = np.where(failed, 0, -1)
    stuck = np.zeros(th.shape, bool)
    first_stuck = np.full(th.shape, -1)
    zero = int(np.argmin(np.abs(tq)))
    for t in range(T):
        a = np.asarray(policy(th, om, rng), dtype=np.int64)
        none = a < 0
        newly = none & alive & ~stuck
        first_stuck[newly] = t
        stuck |= none & alive
        u = tq[np.where(none, zero, a)]
        th2, om2 = pendulum_step(th, om, u, **constants)
        th = np.where(alive, th2, th)
        om = np.where(alive, om2, om)
        newly_failed = alive & (np.abs(th) >= np.pi / 2)
        fail_step[newly_failed] = t + 1
        failed |= newly_failed
        alive &= ~newly_failed
    return {"failed": failed, "fail_step": fail_step, "stuck": stuck, "first_stuck": first_stuck,
            "theta": th, "omega": om}
