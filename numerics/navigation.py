"""The navigation robot of Castellano et al. (IEEE TAC 2023, Section IV-B) and its grid
abstraction.

Dynamics (40): ``x' = v cos(theta)``, ``y' = v sin(theta)``, heading tracking a setpoint
``a`` held for ``dT``. The paper prints ``theta' = -(a - theta)``, which moves *away* from
the setpoint although the text calls it first-order tracking; ``sign=+1`` (default)
implements the intended ``theta' = a - theta``, i.e. ``theta(t) = a + (theta0 - a)
e^{-t}``, and ``sign=-1`` the printed equation. The position is integrated exactly in
``theta`` and by composite Simpson quadrature in ``x, y`` (``n_sub`` sub-steps), and
collisions are checked at every sub-step point along the path.

Arena: the square ``[0, size]^2`` with a rectangular obstacle ``[x0, x1] x [y0, y1]``
(read from Fig. 2: ``[2, 3] x [0, 3]``, attached to the bottom wall). ``touch=False``: only
points strictly outside the arena or strictly inside the obstacle collide (open
boundaries); ``touch=True``: touching a wall or the obstacle counts as damage.

Abstraction (:func:`nav_abstraction`): ``n_xy x n_xy`` positions, ``n_theta`` headings
``-pi + k 2pi/n_theta`` and ``n_actions`` setpoint offsets; deterministic nearest-grid
successors ``F`` and damage ``D`` per pair. Its exact barrier is the attractor of
:func:`numerics.mdp.attractor`; it is exact for the abstraction only.

Learners on a deterministic abstraction: :func:`episodic_barrier_learning` (episodes from
random states, behaviour uniform over the actions not yet marked, Algorithm 3 updates;
a batch of episodes advances in lock-step, which leaves the no-false-positive invariant
intact) and :func:`greedy_rollouts` (evaluation of a Q table with random tie-breaking).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "OBSTACLE",
    "nav_step",
    "collides",
    "NavAbstraction",
    "nav_abstraction",
    "BarrierCurve",
    "episodic_barrier_learning",
    "nav_task",
    "greedy_rollouts",
]

#: The obstacle read from Fig. 2 (top left): ``((x0, x1), (y0, y1))``.
OBSTACLE: tuple[tuple[float, float], tuple[float, float]] = ((2.0, 3.0), (0.0, 3.0))


def collides(x: Any, y: Any, *, size: float = 5.0, obstacle=OBSTACLE, touch: bool = False) -> np.ndarray:
    """True where ``(x, y)`` is outside the arena or inside the obstacle (open sets unless
    ``touch``)."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    (x0, x1), (y0, y1) = obstacle
    if touch:
        out = (xa <= 0) | (xa >= size) | (ya <= 0) | (ya >= size)
        obs = (xa >= x0) & (xa <= x1) & (ya >= y0) & (ya <= y1)
    else:
        out = (xa < 0) | (xa > size) | (ya < 0) | (ya > size)
        obs = (xa > x0) & (xa < x1) & (ya > y0) & (ya < y1)
    return out | obs


def nav_step(x: Any, y: Any, theta: Any, a: Any, *, v: float = 0.5, dT: float = 0.5, n_sub: int = 50,
             sign: float = 1.0, size: float = 5.0, obstacle=OBSTACLE, touch: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of (40) with the setpoint ``a`` held for ``dT`` (vectorised).

    Returns ``(x', y', theta', collided)``; ``collided`` is True if any of the ``n_sub``
    sub-step points (the end point included) collides; with ``touch`` the start point is
    checked too (a state touching a wall is in collision).
    """
    xs, ys, th, av = (as_array(u, name) for u, name in ((x, "x"), (y, "y"), (theta, "theta"), (a, "a")))
    xs, ys, th, av = np.broadcast_arrays(xs, ys, th, av)
    vv = as_scalar(v, "v", low=0.0)
    dt = as_scalar(dT, "dT", low=0.0, low_open=True)
    ns = as_int(n_sub, "n_sub", low=1)
    if sign not in (1, -1, 1.0, -1.0):
        raise ValueError("sign must be +1 (tracking) or -1 (as printed)")
    t = np.linspace(0.0, dt, 2 * ns + 1)  # Simpson nodes: ends and midpoints of the sub-steps
    heading = av[..., None] + (th - av)[..., None] * np.exp(-float(sign) * t)
    c, s = np.cos(heading), np.sin(heading)
    h = dt / ns
    # Simpson on each sub-step [t_{2j}, t_{2j+2}]
    dx = vv * h / 6 * (c[..., 0:-2:2] + 4 * c[..., 1:-1:2] + c[..., 2::2])
    dy = vv * h / 6 * (s[..., 0:-2:2] + 4 * s[..., 1:-1:2] + s[..., 2::2])
    px = xs[..., None] + np.cumsum(dx, axis=-1)
    py = ys[..., None] + np.cumsum(dy, axis=-1)
    hit = collides(px, py, size=size, obstacle=obstacle, touch=touch).any(-1)
    if touch:  # a state that already touches a wall is in collision whatever it does
        hit |= collides(xs, ys, size=size, obstacle=obstacle, touch=True)
    return px[..., -1], py[..., -1], heading[..., -1], hit


@dataclass(frozen=True)
class NavAbstraction:
    """Deterministic grid abstraction: ``F`` (successor, int ``(n, m)``), ``D`` (damage,
    bool ``(n, m)``), ``xy`` ``(n, 2)`` and ``theta`` ``(n,)`` of each state, ``index``
    ``(n_xy, n_xy, n_theta)``, the action ``offsets``."""

    F: np.ndarray
    D: np.ndarray
    xy: np.ndarray
    theta: np.ndarray
    index: np.ndarray
    offsets: np.ndarray
    grid: np.ndarray


def nav_abstraction(*, n_xy: int = 21, n_theta: int = 8, n_actions: int = 8, size: float = 5.0,
                    offsets: str = "pi_k", sign: float = 1.0, touch: bool = False, n_sub: int = 50,
                    obstacle=OBSTACLE, v: float = 0.5, dT: float = 0.5) -> NavAbstraction:
    """Nearest-grid abstraction of the robot.

    ``offsets="pi_k"``: setpoints ``theta0 - pi + k 2pi/n_actions``; ``"linspace"``:
    ``theta0 + linspace(-pi, pi, n_actions)`` (both readings of the paper). A damaging
    pair keeps ``s' = s`` (the episode ends there).
    """
    nx = as_int(n_xy, "n_xy", low=2)
    nt = as_int(n_theta, "n_theta", low=1)
    na = as_int(n_actions, "n_actions", low=1)
    L = as_scalar(size, "size", low=0.0, low_open=True)
    grid = np.linspace(0.0, L, nx)
    heads = -np.pi + 2 * np.pi * np.arange(nt) / nt
    if offsets == "pi_k":
        off = -np.pi + 2 * np.pi * np.arange(na) / na
    elif offsets == "linspace":
        off = np.linspace(-np.pi, np.pi, na)
    else:
        raise ValueError(f"offsets must be 'pi_k' or 'linspace', got {offsets!r}")
    IX, IY, IT = np.meshgrid(np.arange(nx), np.arange(nx), np.arange(nt), indexing="ij")
    index = np.arange(nx * nx * nt).reshape(nx, nx, nt)
    x0, y0, th0 = grid[IX.ravel()], grid[IY.ravel()], heads[IT.ravel()]
    X, Y, TH, HIT = nav_step(x0[:, None], y0[:, None], th0[:, None], th0[:, None] + off[None, :], v=v, dT=dT,
                             n_sub=n_sub, sign=sign, size=L, obstacle=obstacle, touch=touch)
    dx = grid[1] - grid[0]
    jx = np.clip(np.rint(X / dx), 0, nx - 1).astype(np.int64)
    jy = np.clip(np.rint(Y / dx), 0, nx - 1).astype(np.int64)
    jt = np.mod(np.rint((TH + np.pi) / (2 * np.pi / nt)), nt).astype(np.int64)
    F = index[jx, jy, jt]
    n = nx * nx * nt
    F = np.where(HIT, np.arange(n)[:, None], F)
    return NavAbstraction(F=F, D=HIT, xy=np.stack([x0, y0], 1), theta=th0, index=index, offsets=off, grid=grid)


@dataclass
class BarrierCurve:
    """Episodic barrier learning: ``episodes`` (cumulative counts at the records),
    ``doomed`` (states with every action marked), ``unsafe`` (final mask), ``false_positive``
    (some pair marked although ``B* = 0``; needs ``star``), ``damages`` per record."""

    episodes: np.ndarray
    doomed: np.ndarray
    unsafe: np.ndarray
    false_positive: bool
    damages: np.ndarray


def episodic_barrier_learning(F: Any, D: Any, n_episodes: int, seed: Any, *, batch: int = 512,
                              max_steps: int = 100, star: Any = None, rule: str = "all",
                              unsafe0: Any = None) -> BarrierCurve:
    """Barrier learning from episodes on a deterministic system ``(F, D)``.

    Episodes start from uniformly random states, act uniformly over the actions not yet
    marked unsafe (an episode ends at damage, after ``max_steps`` steps, or at a state
    whose actions are all marked), and update ``unsafe[s, a] |= d or all(unsafe[s', :])``
    (``rule="any"``: the eager variant). ``batch`` episodes advance in lock-step; the curve
    is recorded after each batch.
    """
    Fa = np.asarray(F)
    if Fa.ndim != 2 or Fa.dtype.kind not in "iu":
        raise ValueError("F must be an integer array (n, m)")
    n, m = Fa.shape
    if Fa.min() < 0 or Fa.max() >= n:
        raise ValueError(f"F must map into 0..{n - 1}")
    Da = np.asarray(D, bool)
    if Da.shape != (n, m):
        raise ValueError(f"D must have shape ({n}, {m})")
    E = as_int(n_episodes, "n_episodes", low=0)
    B = as_int(batch, "batch", low=1)
    H = as_int(max_steps, "max_steps", low=1)
    if rule not in ("all", "any"):
        raise ValueError(f"rule must be 'all' or 'any', got {rule!r}")
    rng = as_rng(seed)
    U = np.zeros((n, m), bool) if unsafe0 is None else np.asarray(unsafe0, bool).copy()
    eps_done, curve, dmg_curve = [], [], []
    done = 0
    dmg = 0
    while done < E:
        b = min(B, E - done)
        s = rng.integers(n, size=b)
        alive = np.ones(b, bool)
        for _ in range(H):
            idx = np.flatnonzero(alive)
            if not idx.size:
                break
            st = s[idx]
            allowed = ~U[st]
            has = allowed.any(1)
            keys = np.where(allowed, rng.random((idx.size, m)), -1.0)
            a = keys.argmax(1)
            s2 = Fa[st, a]
            d = Da[st, a]
            succ = U[s2].all(1) if rule == "all" else U[s2].any(1)
            mark = has & (d | succ)
            U[st[mark], a[mark]] = True
            dmg += int((d & has).sum())
            s[idx] = s2
            alive[idx] = has & ~d
        done += b
        eps_done.append(done)
        curve.append(int(U.all(1).sum()))
        dmg_curve.append(dmg)
    fp = False if star is None else bool((U & ~np.asarray(star, bool)).any())
    return BarrierCurve(episodes=np.array(eps_done), doomed=np.array(curve), unsafe=U, false_positive=fp,
                        damages=np.array(dmg_curve))


def nav_task(ab: NavAbstraction, *, goal: tuple[float, float] = (4.5, 0.5), radius: float = 0.5,
             goal_reward: float = 100.0, crash_reward: float = -100.0
             ) -> tuple[Callable[[int, int, np.random.Generator], tuple[int, float, int, bool]], np.ndarray]:
    """The task of Figs. 3-4 on the abstraction: reward ``-|position - goal|`` per step, plus
    ``crash_reward`` and the end of the episode at a collision, ``goal_reward`` and the end
    at the goal disc. Returns ``(step, goal_mask)`` with ``step(s, a, rng) -> (s', r, d,
    done)`` for :func:`numerics.mdp.q_learning_episodic`."""
    g = np.asarray(goal, float)
    rad = as_scalar(radius, "radius", low=0.0, low_open=True)
    dist = np.linalg.norm(ab.xy - g[None, :], axis=1)
    at_goal = dist <= rad + 1e-12
    F, D = ab.F, ab.D

    def step(s: int, a: int, rng: np.random.Generator) -> tuple[int, float, int, bool]:
        s2 = int(F[s, a])
        if D[s, a]:
            return s2, float(-dist[s2] + crash_reward), 1, True
        if at_goal[s2]:
            return s2, float(-dist[s2] + goal_reward), 0, True
        return s2, float(-dist[s2]), 0, False

    return step, at_goal


def greedy_rollouts(ab: NavAbstraction, Q: Any, start: int, n_eval: int, seed: Any, *, allowed: Any = None,
                    goal: tuple[float, float] = (4.5, 0.5), radius: float = 0.5, max_steps: int = 200
                    ) -> dict[str, np.ndarray]:
    """Greedy trajectories of a Q table (random tie-breaking), vectorised over ``n_eval``.

    Returns per trajectory: ``reached`` (goal), ``collided``, ``steps``, ``total_reward``
    (same rewards as :func:`nav_task`).
    """
    step_fn, at_goal = nav_task(ab, goal=goal, radius=radius)
    Qa = as_array(Q, "Q", finite=False)
    n, m = ab.F.shape
    mask = np.ones((n, m), bool) if allowed is None else np.asarray(allowed, bool)
    mask = np.where(mask.any(1, keepdims=True), mask, True)
    R = as_int(n_eval, "n_eval", low=1)
    rng = as_rng(seed)
    dist = np.linalg.norm(ab.xy - np.asarray(goal, float)[None, :], axis=1)
    s = np.full(R, as_int(start, "start", low=0, high=n - 1))
    alive = np.ones(R, bool)
    reached = np.zeros(R, bool)
    collided = np.zeros(R, bool)
    steps = np.zeros(R, np.int64)
    total = np.zeros(R)
    for _ in range(as_int(max_steps, "max_steps", low=1)):
        idx = np.flatnonzero(alive)
        if not idx.size:
            break
        st = s[idx]
        q = np.where(mask[st], Qa[st], -np.inf)
        best = q == q.max(1, keepdims=True)
        a = np.where(best, rng.random(best.shape), -1.0).argmax(1)
        s2 = ab.F[st, a]
        d = ab.D[st, a]
        g = at_goal[s2] & ~d
        total[idx] += -dist[s2] - 100.0 * d + 100.0 * g
        steps[idx] += 1
        collided[idx] |= d
        reached[idx] |= g
        s[idx] = s2
        alive[idx] = ~(d | g)
    return {"reached": reached, "collided": collided, "steps": steps, "total_reward": total}
