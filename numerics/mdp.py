"""Finite deterministic systems and finite MDPs: safety operators, attractors, learners.

This module serves three papers on safety in reinforcement learning (Castellano, Min,
Bazerque, Mallada): the binary safety critic (``safety_critic``), the minimal damage
budget (``almost_sure_rl``) and the hard barrier (``safe_exposure``). All three objects
are least fixed points of monotone operators on finite sets, computed here exactly.

Representations (the public contract)
-------------------------------------
Deterministic system
    ``F``: int array ``(n, m)``, ``F[s, a]`` is the successor of state ``s`` under
    action ``a``. A *nondeterministic* (worst-case) system is ``F`` of shape
    ``(n, m, k)``: every one of the ``k`` listed successors is possible.
    ``G``: bool array ``(n,)``, the failure set; ``i(s) = G[s]`` is the insecurity.
Finite MDP
    ``P``: float array ``(n, m, n, 2)``, ``P[s, a, s', d] = p(s', d | s, a)`` with damage
    ``d`` in {0, 1}; each ``P[s, a]`` sums to 1.
    ``P_supp``: bool array of the same shape, the support. Every structural statement
    depends on the support only, so functions that need only the support take
    ``P_supp`` (a float ``P`` is accepted there too and read as ``P > 0``).
Policy supports
    ``support``: bool array ``(n, m)``, the actions with positive probability.
Binary values
    ``b``: bool (or float in [0, 1]) array ``(..., n, m)``; 1 means unsafe. The leading
    ``...`` is a batch axis: the operators are vectorised over it, which is what exact
    fixed-point enumeration needs.
Budgets
    int64 arrays with the saturating sentinel :data:`INF` for an infinite budget.
Barriers
    The {0, -inf} barrier B is stored as a bool "unsafe" mask (``True`` where
    B = -inf); floating -inf arithmetic (``0 * -inf = nan``) is never used.

Main entry points
-----------------
* construction: :func:`random_det_system`, :func:`random_mdp`, :func:`det_to_kernel`,
  :func:`gridworld`, :func:`augment_budget`;
* reachability: :func:`successor_graph`, :func:`reach_set`, :func:`reach_sequence`,
  :func:`reach_matrices`,
  :func:`reachable`, :func:`v_pi`, :func:`b_pi`, :func:`damage_reachable`;
* operators (vectorised): :func:`bellman_binary`, :func:`barrier_operator`,
  :func:`budget_operator`;
* exact solutions: :func:`attractor`, :func:`b_star`, :func:`b_star_bruteforce`,
  :func:`unsafe_star`, :func:`safe_set_gfp`, :func:`minimal_budget_oracle`,
  :func:`barrier_star_budget`;
* iteration with caps: :func:`iterate`, :func:`binary_value_iteration`,
  :func:`minimal_budget`, :func:`q_value_iteration`, :func:`policy_evaluation`;
* exact fixed-point enumeration: :func:`all_functions`, :func:`enumerate_fixed_points`;
* policies and simulation: :func:`uniform_policy`, :func:`sample_actions`,
  :func:`rollout_det`, :func:`sample_outcomes`, :func:`kernel_counts`;
* learners: :func:`barrier_learner`, :func:`q_learning_generative`,
  :func:`q_learning_episodic`, :func:`binary_critic_learning`;
* budget-augmented policies: :func:`almost_sure_absorption`, :func:`policy_barrier_batch`,
  :func:`lift_to_augmented`, :func:`rollout_budget_policy`.

Every random routine takes an explicit ``seed`` (int, ``SeedSequence`` or
``Generator``) and is bit-for-bit repeatable. Every iteration that may not terminate
(budget iteration where the minimal budget is infinite, learning loops) takes a cap and
reports ``converged=False`` instead of running forever.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theorems.validate import as_int, as_rng, as_scalar

__all__ = [
    "INF",
    "FiniteMDP",
    "GridWorld",
    "IterationResult",
    "Attractor",
    "BarrierLearning",
    "QLearning",
    "CriticLearning",
    "check_det_system",
    "check_support",
    "check_kernel",
    "check_policy_support",
    "random_det_system",
    "random_support",
    "random_mdp",
    "det_to_kernel",
    "det_to_support",
    "gridworld",
    "successor_graph",
    "reach_set",
    "reach_sequence",
    "reach_matrices",
    "reachable",
    "v_pi",
    "b_pi",
    "damage_reachable",
    "bellman_binary",
    "barrier_operator",
    "sat_add",
    "budget_operator",
    "iterate",
    "attractor",
    "b_star",
    "binary_value_iteration",
    "deterministic_policies",
    "b_star_bruteforce",
    "c_set",
    "unsafe_star",
    "safe_set_gfp",
    "minimal_budget_oracle",
    "minimal_budget",
    "augment_budget",
    "barrier_star_budget",
    "all_functions",
    "enumerate_fixed_points",
    "uniform_policy",
    "sample_actions",
    "rollout_det",
    "sample_outcomes",
    "kernel_counts",
    "expected_reward",
    "policy_evaluation",
    "q_value_iteration",
    "barrier_learner",
    "q_learning_generative",
    "q_learning_episodic",
    "binary_critic_learning",
    "almost_sure_absorption",
    "policy_barrier_batch",
    "lift_to_augmented",
    "BudgetRollout",
    "rollout_budget_policy",
]

#: Saturating sentinel for an infinite budget (``INF + 1 == INF`` under :func:`sat_add`).
INF: int = int(np.iinfo(np.int64).max)


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def _int_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an integer array, got {type(x).__name__}")
    a = np.asarray(x)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        if a.dtype.kind == "f" and a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        else:
            raise TypeError(f"{name} must be an integer array, got dtype {a.dtype}")
    return a.astype(np.int64, copy=False)


def _bool_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a boolean array, got {type(x).__name__}")
    a = np.asarray(x)
    if a.dtype == bool:
        return a
    if a.dtype.kind in "iuf":
        if a.size and not np.all(np.isin(a, (0, 1))):
            raise ValueError(f"{name} must contain only 0/1 (False/True) entries")
        return a.astype(bool)
    raise TypeError(f"{name} must be a boolean array, got dtype {a.dtype}")


def check_det_system(F: Any, G: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (possibly nondeterministic) finite system.

    Parameters
    ----------
    F : int array ``(n, m)`` or ``(n, m, k)``
        Successors; every entry must lie in ``0..n-1``.
    G : bool array ``(n,)``
        Failure set.

    Returns
    -------
    (F, G) as ``int64`` and ``bool`` arrays.
    """
    F = _int_array(F, "F")
    if F.ndim not in (2, 3) or F.shape[0] < 1 or F.shape[1] < 1 or (F.ndim == 3 and F.shape[2] < 1):
        raise ValueError(f"F must have shape (n, m) or (n, m, k) with n, m, k >= 1, got {F.shape}")
    n = F.shape[0]
    if F.min() < 0 or F.max() >= n:
        raise ValueError(f"F must map into states 0..{n - 1}, got entries in [{F.min()}, {F.max()}]")
    G = _bool_array(G, "G")
    if G.shape != (n,):
        raise ValueError(f"G must have shape ({n},) to match F, got {G.shape}")
    return F, G


def check_support(P_supp: Any, name: str = "P_supp") -> np.ndarray:
    """Validate a support tensor ``(n, m, n, 2)``; a float kernel is read as ``P > 0``.

    Every pair ``(s, a)`` must have at least one outcome.
    """
    if isinstance(P_supp, FiniteMDP):
        return P_supp.supp
    a = np.asarray(P_supp)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError(f"{name} must be finite and non-negative")
        a = a > 0
    else:
        a = _bool_array(a, name)
    if a.ndim != 4 or a.shape[2] != a.shape[0] or a.shape[3] != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n, m, n, 2), got {a.shape}")
    empty = ~a.reshape(a.shape[0], a.shape[1], -1).any(-1)
    if empty.any():
        s, act = np.argwhere(empty)[0]
        raise ValueError(f"{name} has no outcome for the pair (s={s}, a={act})")
    return a


def check_kernel(P: Any, name: str = "P", atol: float = 1e-12) -> np.ndarray:
    """Validate a float kernel ``(n, m, n, 2)`` whose rows sum to 1 (within ``atol``)."""
    if isinstance(P, FiniteMDP):
        P = P.P
    if isinstance(P, (str, bytes)) or P is None:
        raise TypeError(f"{name} must be a float array, got {type(P).__name__}")
    a = np.asarray(P, dtype=float)
    check_support(a, name)
    sums = a.reshape(a.shape[0], a.shape[1], -1).sum(-1)
    if np.max(np.abs(sums - 1.0)) > atol * max(1, a.shape[0]):
        raise ValueError(f"{name}[s, a] must sum to 1 (max deviation {np.max(np.abs(sums - 1)):.3g})")
    return a


def check_policy_support(support: Any, n: int, m: int, name: str = "support",
                         *, nonempty: bool = True) -> np.ndarray:
    """Validate a policy support ``(n, m)``; with ``nonempty`` every state needs an action."""
    sup = _bool_array(support, name)
    if sup.shape != (n, m):
        raise ValueError(f"{name} must have shape ({n}, {m}), got {sup.shape}")
    if nonempty and not sup.any(1).all():
        s = int(np.flatnonzero(~sup.any(1))[0])
        raise ValueError(f"{name} allows no action at state {s}")
    return sup


def _succ3(F: np.ndarray) -> np.ndarray:
    return F[:, :, None] if F.ndim == 2 else F


# ---------------------------------------------------------------------------------------
# construction
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FiniteMDP:
    """A finite MDP with damage: kernel ``P[s, a, s', d]``, optional reward and terminal.

    ``R`` is the expected immediate reward ``(n, m)`` or an outcome reward
    ``(n, m, n, 2)``; ``terminal`` is the index of an absorbing, damage-free, reward-free
    state or ``None``.
    """

    P: np.ndarray
    R: np.ndarray | None = None
    terminal: int | None = None

    @property
    def supp(self) -> np.ndarray:
        return self.P > 0

    @property
    def n_states(self) -> int:
        return int(self.P.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.P.shape[1])


def random_det_system(n_states: int, n_actions: int, seed: Any, *, n_fail: int | None = None,
                      absorbing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A random deterministic system (Hypothesis strategy ``det_system`` of the card).

    Parameters
    ----------
    n_states, n_actions
        ``n >= 1``, ``m >= 1``.
    seed
        Explicit seed.
    n_fail
        Size of ``G`` (``1..n``); ``None`` draws it uniformly from ``1..n``.
    absorbing
        Make ``G`` absorbing: ``F[g, :] = g`` for ``g`` in ``G``.

    Returns
    -------
    F : int array ``(n, m)`` drawn uniformly; G : non-empty bool array ``(n,)``.
    """
    n = as_int(n_states, "n_states", low=1)
    m = as_int(n_actions, "n_actions", low=1)
    rng = as_rng(seed)
    k = int(rng.integers(1, n + 1)) if n_fail is None else as_int(n_fail, "n_fail", low=1, high=n)
    F = rng.integers(0, n, size=(n, m))
    G = np.zeros(n, bool)
    G[rng.choice(n, size=k, replace=False)] = True
    if absorbing:
        F[G] = np.flatnonzero(G)[:, None]
    return F, G


def random_support(n_states: int, n_actions: int, seed: Any, *, keep: float = 0.6,
                   allowed: Any = None) -> np.ndarray:
    """A random policy support: each allowed action kept with probability ``keep``, at
    least one per state (drawn uniformly among the allowed ones when none was kept).

    ``allowed`` (bool ``(n, m)``, default all) restricts the actions; a state without an
    allowed action gets all actions (arbitrary behaviour there).
    """
    n = as_int(n_states, "n_states", low=1)
    m = as_int(n_actions, "n_actions", low=1)
    keep = as_scalar(keep, "keep", low=0.0, high=1.0)
    rng = as_rng(seed)
    allow = np.ones((n, m), bool) if allowed is None else check_policy_support(allowed, n, m, "allowed",
                                                                              nonempty=False)
    allow = np.where(allow.any(1, keepdims=True), allow, True)
    sup = (rng.random((n, m)) < keep) & allow
    for s in np.flatnonzero(~sup.any(1)):
        sup[s, rng.choice(np.flatnonzero(allow[s]))] = True
    return sup


def random_mdp(n_states: int, n_actions: int, seed: Any, *, entries: tuple[int, int] = (1, 3),
               damage_prob: float = 0.35, terminal: bool = False, mu_min: float | None = None,
               reward: tuple[float, float] | None = None) -> FiniteMDP:
    """A random finite MDP with controlled support structure.

    Strategies ``mdp_support`` (almost_sure_rl) and ``mdp_kernel`` (safe_exposure): each
    pair ``(s, a)`` gets ``entries[0]..entries[1]`` distinct outcomes ``(s', d)`` with
    ``s'`` uniform and ``d = 1`` with probability ``damage_prob``; probabilities are
    Dirichlet(1) on the support.

    Parameters
    ----------
    terminal
        Make state ``n - 1`` an absorbing, damage-free terminal (all its actions lead to
        ``(n - 1, d = 0)``).
    mu_min
        If given, every positive probability is at least ``mu_min`` (weights
        ``mu_min + (1 - k mu_min) * Dirichlet``; needs ``k * mu_min <= 1``).
    reward
        ``(low, high)``: expected rewards ``R[s, a]`` uniform in that range (0 at the
        terminal); ``None`` leaves ``R`` unset.
    """
    n = as_int(n_states, "n_states", low=1)
    m = as_int(n_actions, "n_actions", low=1)
    lo, hi = (as_int(entries[0], "entries[0]", low=1), as_int(entries[1], "entries[1]", low=1))
    if hi < lo:
        raise ValueError(f"entries must satisfy low <= high, got {entries}")
    if lo > 2 * n:
        raise ValueError(f"entries[0] = {lo} exceeds the 2n = {2 * n} possible outcomes")
    q = as_scalar(damage_prob, "damage_prob", low=0.0, high=1.0)
    rng = as_rng(seed)
    P = np.zeros((n, m, n, 2))
    for s in range(n):
        for a in range(m):
            k = int(rng.integers(lo, min(hi, 2 * n) + 1))
            chosen: set[tuple[int, int]] = set()
            while len(chosen) < k:
                chosen.add((int(rng.integers(n)), int(rng.random() < q)))
            cells = sorted(chosen)
            w = rng.dirichlet(np.ones(k))
            if mu_min is not None:
                mu = as_scalar(mu_min, "mu_min", low=0.0, high=1.0, low_open=True)
                if k * mu > 1 + 1e-15:
                    raise ValueError(f"mu_min = {mu} is too large for {k} outcomes")
                w = mu + (1 - k * mu) * w
            for (sp_, d), wi in zip(cells, w):
                P[s, a, sp_, d] = wi
    term = None
    if terminal:
        term = n - 1
        P[term] = 0.0
        P[term, :, term, 0] = 1.0
    R = None
    if reward is not None:
        R = rng.uniform(float(reward[0]), float(reward[1]), size=(n, m))
        if term is not None:
            R[term] = 0.0
    return FiniteMDP(P=P, R=R, terminal=term)


def det_to_kernel(F: Any, G: Any) -> np.ndarray:
    """The deterministic system as a kernel with damage on *entering* ``G``.

    ``P[s, a, F[s, a], 1{F[s, a] in G}] = 1`` (multi-successor ``F`` gets uniform
    weights). With this damage, the flawless barrier and the binary critic satisfy
    ``b* = max(i, unsafe*)`` (the papers' companion relation).
    """
    F, G = check_det_system(F, G)
    F3 = _succ3(F)
    n, m, k = F3.shape
    P = np.zeros((n, m, n, 2))
    s_idx, a_idx = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    for j in range(k):
        np.add.at(P, (s_idx, a_idx, F3[:, :, j], G[F3[:, :, j]].astype(int)), 1.0)
    return P / P.reshape(n, m, -1).sum(-1)[:, :, None, None]


def det_to_support(F: Any, G: Any) -> np.ndarray:
    """Support of :func:`det_to_kernel` (bool ``(n, m, n, 2)``)."""
    return det_to_kernel(F, G) > 0


@dataclass(frozen=True)
class GridWorld:
    """A gridworld: ``P`` (kernel with damage on entering a hazard or bumping a wall
    when ``wall_damage``), ``F`` (intended successor, deterministic), ``G`` (hazards),
    ``coords[s] = (row, col)`` and ``index[row, col] = s``; actions are ``moves``."""

    P: np.ndarray
    F: np.ndarray
    G: np.ndarray
    coords: np.ndarray
    index: np.ndarray
    moves: np.ndarray


def gridworld(shape: tuple[int, int], hazards: Any = (), *, slip: float = 0.0,
              wall_damage: bool = False, absorbing_hazards: bool = True,
              stay_action: bool = False) -> GridWorld:
    """A rectangular gridworld with hazard cells.

    Actions move up/right/down/left (plus "stay" with ``stay_action``). A move into the
    outer wall leaves the agent in place (with damage when ``wall_damage``). With
    probability ``slip`` the move is replaced by a uniformly random other action.
    Entering a hazard cell gives damage ``d = 1``; hazards are absorbing by default.

    Parameters
    ----------
    shape
        ``(rows, cols)``, both >= 1.
    hazards
        Iterable of ``(row, col)`` cells, or a bool array of ``shape``.
    """
    rows = as_int(shape[0], "shape[0]", low=1)
    cols = as_int(shape[1], "shape[1]", low=1)
    slip = as_scalar(slip, "slip", low=0.0, high=1.0)
    haz = np.zeros((rows, cols), bool)
    h = np.asarray(hazards)
    if h.dtype == bool and h.shape == (rows, cols):
        haz = h.copy()
    elif h.size:
        h = _int_array(h, "hazards").reshape(-1, 2)
        if h.min() < 0 or np.any(h[:, 0] >= rows) or np.any(h[:, 1] >= cols):
            raise ValueError(f"hazards must be cells inside the {rows}x{cols} grid")
        haz[h[:, 0], h[:, 1]] = True
    moves = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)] + ([(0, 0)] if stay_action else []))
    m = len(moves)
    n = rows * cols
    index = np.arange(n).reshape(rows, cols)
    coords = np.argwhere(np.ones((rows, cols), bool))
    G = haz.ravel()
    F = np.zeros((n, m), np.int64)
    bump = np.zeros((n, m), bool)
    for a, (dr, dc) in enumerate(moves):
        r2, c2 = coords[:, 0] + dr, coords[:, 1] + dc
        out = (r2 < 0) | (r2 >= rows) | (c2 < 0) | (c2 >= cols)
        F[:, a] = np.where(out, np.arange(n), index[np.clip(r2, 0, rows - 1), np.clip(c2, 0, cols - 1)])
        bump[:, a] = out & (dr != 0 or dc != 0)
    if absorbing_hazards:
        F[G] = np.flatnonzero(G)[:, None]
        bump[G] = False
    P = np.zeros((n, m, n, 2))
    for a in range(m):
        for b in range(m):
            w = (1 - slip) if a == b else (slip / (m - 1) if m > 1 else 0.0)
            if m == 1:
                w = 1.0
            if w == 0:
                continue
            dmg = (G[F[:, b]] | (wall_damage & bump[:, b])).astype(int)
            np.add.at(P, (np.arange(n), a, F[:, b], dmg), w)
    if absorbing_hazards:
        # a hazard is a trap: the agent stays there, and the damage was counted on entry
        for g in np.flatnonzero(G):
            P[g] = 0.0
            P[g, :, g, 0] = 1.0
    return GridWorld(P=P, F=F, G=G, coords=coords, index=index, moves=moves)


# ---------------------------------------------------------------------------------------
# reachability
# ---------------------------------------------------------------------------------------
def successor_graph(F: Any, support: Any = None) -> np.ndarray:
    """Adjacency ``A[s, s'] = 1`` iff some supported action of ``s`` can lead to ``s'``.

    ``F`` is a successor array ``(n, m[, k])`` or a support tensor ``(n, m, n, 2)``;
    ``support`` (bool ``(n, m)``, default all actions) is the policy support. Dense
    ``(n, n)``: meant for small systems (``n <= 20000``); the closures below are sparse.
    """
    F_arr = np.asarray(F)
    if F_arr.shape and F_arr.shape[0] > 20000:
        raise ValueError(f"successor_graph is dense; n = {F_arr.shape[0]} is too large (use reachable)")
    if F_arr.ndim == 4:
        supp = check_support(F_arr)
        n, m = supp.shape[:2]
        sup = np.ones((n, m), bool) if support is None else check_policy_support(support, n, m, nonempty=False)
        return (supp.any(-1) & sup[:, :, None]).any(1)
    F3 = _succ3(_int_array(F_arr, "F"))
    n, m, _ = F3.shape
    if F3.min() < 0 or F3.max() >= n:
        raise ValueError(f"F must map into states 0..{n - 1}")
    sup = np.ones((n, m), bool) if support is None else check_policy_support(support, n, m, nonempty=False)
    A = np.zeros((n, n), bool)
    s_idx = np.broadcast_to(np.arange(n)[:, None, None], F3.shape)
    mask = np.broadcast_to(sup[:, :, None], F3.shape)
    A[s_idx[mask], F3[mask]] = True
    return A


def reach_set(F: Any, support: Any, s: int, t: int, a: int | None = None) -> frozenset[int]:
    """``F_t^pi(s)`` (Definition 1) by iterating the successor-set map on Python sets.

    With ``a`` given, ``F_t^pi(s, a)``: the first action is ``a`` (whether or not it is
    in the support), the following ones are drawn from ``support``. ``t = 0`` gives
    ``{s}``.
    """
    F3 = _succ3(_int_array(F, "F"))
    n, m, _ = F3.shape
    sup = check_policy_support(support, n, m, nonempty=False)
    s = as_int(s, "s", low=0, high=n - 1)
    t = as_int(t, "t", low=0)
    cur = {s}
    for step in range(t):
        nxt: set[int] = set()
        for x in cur:
            acts = [as_int(a, "a", low=0, high=m - 1)] if (step == 0 and a is not None) else np.flatnonzero(sup[x])
            for act in acts:
                nxt.update(int(y) for y in F3[x, act])
        cur = nxt
    return frozenset(cur)


def reach_sequence(F: Any, support: Any, s: int, t_max: int, a: int | None = None) -> list[frozenset[int]]:
    """``[F_0^pi(s), ..., F_{t_max}^pi(s)]`` (or ``F_t^pi(s, a)`` with ``a``) by one pass of
    the successor-set map; entry ``t`` equals :func:`reach_set` at ``t``."""
    F3 = _succ3(_int_array(F, "F"))
    n, m, _ = F3.shape
    sup = check_policy_support(support, n, m, nonempty=False)
    s = as_int(s, "s", low=0, high=n - 1)
    t_max = as_int(t_max, "t_max", low=0)
    if a is not None:
        a = as_int(a, "a", low=0, high=m - 1)
    cur = frozenset({s})
    out = [cur]
    for step in range(t_max):
        nxt: set[int] = set()
        for x in cur:
            acts = [a] if (step == 0 and a is not None) else np.flatnonzero(sup[x])
            for act in acts:
                nxt.update(int(y) for y in F3[x, act])
        cur = frozenset(nxt)
        out.append(cur)
    return out


def reach_matrices(F: Any, support: Any, t_max: int) -> np.ndarray:
    """``R[t, s, s'] = 1`` iff ``s' in F_t^pi(s)`` for ``t = 0..t_max``, by boolean
    matrix powers of the successor graph (an independent route from :func:`reach_set`)."""
    A = successor_graph(F, support).astype(np.int64)
    t_max = as_int(t_max, "t_max", low=0)
    n = A.shape[0]
    out = np.zeros((t_max + 1, n, n), bool)
    cur = np.eye(n, dtype=np.int64)
    for t in range(t_max + 1):
        out[t] = cur > 0
        cur = ((cur @ A) > 0).astype(np.int64)
    return out


def _edges(F: Any, support: Any) -> tuple[int, np.ndarray, np.ndarray]:
    """Edge list ``(n, src, dst)`` of the successor graph under a policy support."""
    F_arr = np.asarray(F)
    if F_arr.ndim == 4:
        supp = check_support(F_arr)
        n, m = supp.shape[:2]
        sup = np.ones((n, m), bool) if support is None else check_policy_support(support, n, m, nonempty=False)
        s, _, d = np.nonzero(supp.any(-1) & sup[:, :, None])
        return n, s.astype(np.int64), d.astype(np.int64)
    F3 = _succ3(_int_array(F_arr, "F"))
    n, m, k = F3.shape
    if F3.min() < 0 or F3.max() >= n:
        raise ValueError(f"F must map into states 0..{n - 1}")
    sup = np.ones((n, m), bool) if support is None else check_policy_support(support, n, m, nonempty=False)
    mask = np.broadcast_to(sup[:, :, None], F3.shape)
    src = np.broadcast_to(np.arange(n)[:, None, None], F3.shape)[mask]
    return n, src.astype(np.int64), F3[mask].astype(np.int64)


def _closure(n: int, src: np.ndarray, dst: np.ndarray, start: np.ndarray) -> np.ndarray:
    """States reachable (t >= 0) from ``start`` along the edges ``src -> dst``
    (frontier search over a CSR index; linear in the number of edges)."""
    order = np.argsort(src, kind="stable")
    dsts = dst[order]
    starts = np.searchsorted(src[order], np.arange(n + 1))
    seen = start.copy()
    frontier = np.flatnonzero(start)
    while frontier.size:
        lo, hi = starts[frontier], starts[frontier + 1]
        lens = hi - lo
        total = int(lens.sum())
        if total == 0:
            break
        idx = np.repeat(lo - np.concatenate(([0], np.cumsum(lens)[:-1])), lens) + np.arange(total)
        nxt = np.unique(dsts[idx])
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        frontier = nxt
    return seen


def reachable(F: Any, support: Any, start: Any, *, removed: Any = None) -> np.ndarray:
    """States reachable in ``t >= 0`` steps from the set ``start`` under ``support``.

    ``removed`` (bool ``(n,)``): states deleted from the graph (never visited, never
    expanded); the start states themselves are removed too if listed. Used for the
    "reachability that avoids G" reading of Theorem 1(ii). Sparse: fine for 10**6 edges.
    """
    n, src, dst = _edges(F, support)
    st = _bool_array(start, "start")
    if st.shape != (n,):
        raise ValueError(f"start must have shape ({n},), got {st.shape}")
    if removed is not None:
        rm = _bool_array(removed, "removed")
        if rm.shape != (n,):
            raise ValueError(f"removed must have shape ({n},), got {rm.shape}")
        keep = ~rm[src] & ~rm[dst]
        src, dst = src[keep], dst[keep]
        st = st & ~rm
    return _closure(n, src, dst, st)


def v_pi(F: Any, G: Any, support: Any) -> np.ndarray:
    """``v^pi(s)`` (Definition 2): 1 iff ``G`` is reachable from ``s`` (``t = 0``
    included) along the supported actions. Bool ``(n,)``."""
    F, G = check_det_system(F, G)
    n, src, dst = _edges(F, support)
    # backward closure from G: s is unsafe iff some path s -> ... -> G exists
    return _closure(n, dst, src, G)


def b_pi(F: Any, G: Any, support: Any) -> np.ndarray:
    """``b^pi(s, a)`` (Definition 2): 1 iff ``s in G`` or ``G`` is reachable from some
    successor of ``(s, a)``; computed by BFS, independently of the Bellman operator."""
    F, G = check_det_system(F, G)
    v = v_pi(F, G, support)
    return G[:, None] | v[_succ3(F)].any(-1)


def damage_reachable(P_supp: Any, support: Any) -> np.ndarray:
    """Unsafe mask of the barrier ``B^pi`` of a policy with the given support.

    ``(s, a)`` is unsafe iff a damage ``d = 1`` has positive probability along some path
    that starts with ``(s, a)`` and then follows supported actions (support-based, no
    floating point). Bool ``(n, m)``.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    sup = check_policy_support(support, n, m, nonempty=False)
    dmg_pair = supp[..., 1].any(-1)
    seed_states = (dmg_pair & sup).any(1)
    _, src, dst = _edges(supp, sup)
    bad = _closure(n, dst, src, seed_states)
    return dmg_pair | (supp.any(-1) & bad[None, None, :]).any(-1)


# ---------------------------------------------------------------------------------------
# operators (vectorised over a leading batch axis)
# ---------------------------------------------------------------------------------------
def bellman_binary(b: Any, F: Any, G: Any) -> np.ndarray:
    """The binary Bellman operator (6) in its max form (Lemma 1):
    ``(T b)(s, a) = max(i(s), min_a' b(F(s, a), a'))``.

    ``b`` has shape ``(..., n, m)``, bool or float in [0, 1] (soft labels); the result
    has the same dtype kind. For nondeterministic ``F`` ``(n, m, k)`` the worst successor
    counts (max over the ``k`` successors).
    """
    F, G = check_det_system(F, G)
    n, m = F.shape[:2]
    barr = np.asarray(b)
    if barr.shape[-2:] != (n, m):
        raise ValueError(f"b must have shape (..., {n}, {m}), got {barr.shape}")
    if barr.dtype == bool:
        V = barr.all(-1)  # min over actions of a bool array
        succ = V[..., _succ3(F)].any(-1)
        return succ | G[:, None]
    barr = barr.astype(float)
    if barr.size and (np.any(barr < 0) or np.any(barr > 1) or not np.all(np.isfinite(barr))):
        raise ValueError("b must take values in [0, 1]")
    V = barr.min(-1)
    succ = V[..., _succ3(F)].max(-1)
    return np.maximum(succ, G[:, None].astype(float))


def barrier_operator(unsafe: Any, P_supp: Any, *, rule: str = "all") -> np.ndarray:
    """The hard-barrier Bellman operator (safe_exposure (31), L4DC (8) at budget 0) on
    bool "unsafe" masks ``(..., n, m)``.

    ``(T U)(s, a)`` is True iff some supported outcome ``(s', d)`` has ``d = 1`` or a
    doomed ``s'``. ``rule="all"``: ``s'`` is doomed when *all* its actions are unsafe
    (the max over ``a'`` of a {0, -inf} barrier); ``rule="any"`` is the eager/pessimistic
    variant (min over ``a'``), provided for negative controls.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    U = _bool_array(unsafe, "unsafe")
    if U.shape[-2:] != (n, m):
        raise ValueError(f"unsafe must have shape (..., {n}, {m}), got {U.shape}")
    if rule not in ("all", "any"):
        raise ValueError(f"rule must be 'all' or 'any', got {rule!r}")
    doomed = U.all(-1) if rule == "all" else U.any(-1)  # (..., n)
    E = supp.any(-1).reshape(n * m, n).astype(np.int64)  # (s,a) -> s' edges, any damage
    hit = (doomed.astype(np.int64) @ E.T).reshape(U.shape) > 0
    return hit | supp[..., 1].any(-1)


def sat_add(k: Any, c: Any) -> np.ndarray:
    """Saturating addition on budgets: ``INF + c = INF`` and ``k + INF = INF``."""
    k = np.asarray(k, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    if np.any(k < 0) or np.any(c < 0):
        raise ValueError("budgets must be non-negative")
    inf = (k == INF) | (c == INF) | (k > INF - np.maximum(c, 0))
    return np.where(inf, INF, np.where(inf, 0, k) + np.where(inf, 0, c))


def budget_operator(k: Any, P_supp: Any, *, successor: str = "max") -> np.ndarray:
    """The minimal-budget operator (L4DC Definition 11, (14)) with saturating INF:

    ``(T_p k)(s, a) = max_{(s', d) in supp p(.|s, a)} [ d + min_a' k(s', a') ]``.

    ``k`` has shape ``(..., n, m)`` (int, ``INF`` for infinity). ``successor="min"`` is
    the optimistic variant (min over outcomes), for negative controls.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    K = np.asarray(k)
    if K.dtype.kind not in "iu":
        raise TypeError(f"k must be an integer array (INF for infinity), got dtype {K.dtype}")
    K = K.astype(np.int64)
    if K.shape[-2:] != (n, m):
        raise ValueError(f"k must have shape (..., {n}, {m}), got {K.shape}")
    if np.any(K < 0):
        raise ValueError("k must be non-negative")
    if successor not in ("max", "min"):
        raise ValueError(f"successor must be 'max' or 'min', got {successor!r}")
    V = K.min(-1)  # (..., n)
    V1 = sat_add(V, 1)
    vals0 = np.broadcast_to(V[..., None, None, :], K.shape + (n,))
    vals1 = np.broadcast_to(V1[..., None, None, :], K.shape + (n,))
    if successor == "max":
        out0 = np.where(supp[..., 0], vals0, -1).max(-1)
        out1 = np.where(supp[..., 1], vals1, -1).max(-1)
        return np.maximum(out0, out1)
    big = np.iinfo(np.int64).max
    out0 = np.where(supp[..., 0], vals0, big).min(-1)
    out1 = np.where(supp[..., 1], vals1, big).min(-1)
    return np.minimum(out0, out1)


# ---------------------------------------------------------------------------------------
# iteration with caps
# ---------------------------------------------------------------------------------------
@dataclass
class IterationResult:
    """Outcome of ``x_{j+1} = op(x_j)``.

    ``value``: last iterate; ``sweeps``: applications of ``op`` performed;
    ``strict_updates``: how many of them changed the iterate; ``converged``: a fixed
    point was reached (``op(value) == value``) within the cap; ``monotone``: every iterate
    was ``>=`` the previous one entrywise; ``history``: all iterates when recorded.
    """

    value: np.ndarray
    sweeps: int
    strict_updates: int
    converged: bool
    monotone: bool
    history: list[np.ndarray] | None = None


def iterate(op: Callable[[np.ndarray], np.ndarray], x0: Any, max_sweeps: int, *,
            record: bool = False, atol: float = 0.0) -> IterationResult:
    """Iterate ``op`` from ``x0`` until a fixed point or ``max_sweeps`` applications.

    Exact equality is used for integer/bool iterates; ``atol`` (sup-norm) for floats.
    Never loops forever: a missing fixed point is reported as ``converged=False``.
    """
    max_sweeps = as_int(max_sweeps, "max_sweeps", low=0)
    x = np.asarray(x0)
    hist = [x.copy()] if record else None
    strict = 0
    monotone = True
    for j in range(max_sweeps):
        y = np.asarray(op(x))
        if y.shape != x.shape:
            raise ValueError(f"op changed the shape from {x.shape} to {y.shape}")
        if y.dtype.kind == "f" or x.dtype.kind == "f":
            with np.errstate(invalid="ignore"):  # inf - inf: equal infinities compare equal below
                same = bool(np.all((y == x) | (np.abs(y.astype(float) - x.astype(float)) <= atol)))
        else:
            same = bool(np.array_equal(y, x))
        if not np.all(y >= x):
            monotone = False
        if record:
            hist.append(y.copy())
        if same:
            return IterationResult(y, j + 1, strict, True, monotone, hist)
        strict += 1
        x = y
    return IterationResult(x, max_sweeps, strict, False, monotone, hist)


@dataclass(frozen=True)
class Attractor:
    """Least fixed point of an "unsafe" propagation.

    ``unsafe`` (bool ``(n, m)``): the unsafe pairs; ``doomed`` (bool ``(n,)``): states all
    of whose actions are unsafe; ``layer`` (int ``(n,)``): the synchronous round in which a
    state became doomed (1 for states whose actions are all unsafe from the seed alone,
    ``l + 1`` for states all of whose actions are seeds or lead into layers ``<= l``;
    0 for states never doomed); ``n_layers``: the number of non-empty layers.
    """

    unsafe: np.ndarray
    doomed: np.ndarray
    layer: np.ndarray
    n_layers: int


def _attractor_edges(n: int, m: int, edge_pair: np.ndarray, edge_dst: np.ndarray,
                     seed_pairs: np.ndarray) -> Attractor:
    """Least set X of pairs with X >= seed and (s, a) in X if an edge of (s, a) enters a
    state all of whose actions are in X. Linear-time layered backward search."""
    order = np.argsort(edge_dst, kind="stable")
    src = edge_pair[order]
    starts = np.searchsorted(edge_dst[order], np.arange(n + 1))
    unsafe = seed_pairs.reshape(-1).copy()
    count = unsafe.reshape(n, m).sum(1)
    doomed = count == m
    layer = np.where(doomed, 1, 0)
    frontier = np.flatnonzero(doomed)
    lvl = 1
    while frontier.size:
        lo, hi = starts[frontier], starts[frontier + 1]
        lens = hi - lo
        if lens.sum() == 0:
            break
        idx = np.repeat(lo - np.concatenate(([0], np.cumsum(lens)[:-1])), lens) + np.arange(lens.sum())
        pairs = np.unique(src[idx])
        new = pairs[~unsafe[pairs]]
        unsafe[new] = True
        count += np.bincount(new // m, minlength=n)
        newly = np.flatnonzero((count == m) & ~doomed)
        doomed[newly] = True
        lvl += 1
        layer[newly] = lvl
        frontier = newly
    n_layers = int(layer.max()) if layer.size else 0
    return Attractor(unsafe.reshape(n, m), doomed, layer, n_layers)


def attractor(succ: Any, seed_pairs: Any) -> Attractor:
    """Generic least "unsafe" fixed point.

    ``succ`` is a successor array ``(n, m[, k])`` or a bool edge tensor ``(n, m, n)``;
    ``seed_pairs`` (bool ``(n, m)``) are unsafe outright. A pair is unsafe if it is a seed
    or one of its successors is doomed (all of that state's actions unsafe).
    """
    s_arr = np.asarray(succ)
    if s_arr.ndim == 3 and s_arr.dtype == bool:
        n, m = s_arr.shape[:2]
        pair, dst = np.nonzero(s_arr.reshape(n * m, n))
    else:
        F3 = _succ3(_int_array(s_arr, "succ"))
        n, m, k = F3.shape
        if F3.min() < 0 or F3.max() >= n:
            raise ValueError(f"succ must map into states 0..{n - 1}")
        pair = np.repeat(np.arange(n * m), k)
        dst = F3.reshape(-1)
    seed = _bool_array(seed_pairs, "seed_pairs")
    if seed.shape != (n, m):
        raise ValueError(f"seed_pairs must have shape ({n}, {m}), got {seed.shape}")
    return _attractor_edges(n, m, pair.astype(np.int64), dst.astype(np.int64), seed)


def b_star(F: Any, G: Any) -> np.ndarray:
    """The optimal binary critic ``b*`` (Definition 3) as a bool ``(n, m)`` array.

    Computed as the least fixed point of (6) by a linear-time attractor (seed: all
    actions of ``G``-states); equal to value iteration from 0 (see
    :func:`binary_value_iteration`). ``safe_states = ~b.all(1)``,
    ``safe_actions = ~b``.
    """
    F, G = check_det_system(F, G)
    seed = np.broadcast_to(G[:, None], F.shape[:2])
    return attractor(F, seed).unsafe


def binary_value_iteration(F: Any, G: Any, b0: Any = None, max_sweeps: int | None = None, *,
                           record: bool = False) -> IterationResult:
    """Value iteration ``b_{j+1} = T b_j`` of (6) from ``b0`` (default all zeros).

    The default cap is ``n + 2`` sweeps: from 0 every strict update dooms at least one
    more state, so ``n + 1`` applications reach and confirm the fixed point.
    """
    F, G = check_det_system(F, G)
    n, m = F.shape[:2]
    b = np.zeros((n, m), bool) if b0 is None else _bool_array(b0, "b0")
    if b.shape != (n, m):
        raise ValueError(f"b0 must have shape ({n}, {m}), got {b.shape}")
    cap = n + 2 if max_sweeps is None else as_int(max_sweeps, "max_sweeps", low=0)
    return iterate(lambda x: bellman_binary(x, F, G), b, cap, record=record)


def deterministic_policies(n_states: int, n_actions: int) -> np.ndarray:
    """All ``m**n`` deterministic stationary policies as an int array ``(m**n, n)``."""
    n = as_int(n_states, "n_states", low=1)
    m = as_int(n_actions, "n_actions", low=1)
    if m ** n > 5_000_000:
        raise ValueError(f"{m}**{n} policies is too many to enumerate")
    codes = np.arange(m ** n)
    return (codes[:, None] // (m ** np.arange(n))[None, :]) % m


def b_star_bruteforce(F: Any, G: Any, *, return_v: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``b*`` as the pointwise minimum of ``b^pi`` over all ``m**n`` deterministic
    policies (the test oracle of the card), vectorised over policies.

    For each policy, ``v^pi`` is the set of states whose forward orbit meets ``G``
    (computed by ``n`` steps of ``v <- G | v[succ]``); then
    ``b^pi(s, a) = G[s] | v^pi(F(s, a))``. With ``return_v`` also returns
    ``v* = min_pi v^pi`` (bool ``(n,)``), computed separately over the same policies.
    """
    F, G = check_det_system(F, G)
    if F.ndim != 2:
        raise ValueError("b_star_bruteforce needs a deterministic F of shape (n, m)")
    n, m = F.shape
    pols = deterministic_policies(n, m)
    succ = F[np.arange(n)[None, :], pols]  # (P, n)
    v = np.broadcast_to(G, succ.shape).copy()
    for _ in range(n):
        v = v | np.take_along_axis(v, succ, axis=1)
    b = G[None, :, None] | v[:, F]  # (P, n, m)
    if return_v:
        return b.all(0), v.all(0)
    return b.all(0)


def c_set(b: Any) -> np.ndarray:
    """``C(b) = {s : min_a b(s, a) = 0}`` for bool or rounded ``b`` of shape (..., n, m)."""
    B = np.asarray(b)
    if B.dtype != bool:
        B = B >= 0.5
    return ~B.all(-1)


def unsafe_star(P_supp: Any) -> Attractor:
    """The optimal hard barrier ``B*`` (safe_exposure (29)/(31)) as an :class:`Attractor`.

    ``unsafe[s, a]`` iff ``B*(s, a) = -inf``: the least set of pairs containing every pair
    with a damaging outcome and every pair with an outcome in a doomed state. ``layer``
    is the corrected layer index of safe_exposure's Theorem 7 (1-based, 0 = safe).
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    return attractor(supp[..., 0], supp[..., 1].any(-1))


def safe_set_gfp(P_supp: Any, max_sweeps: int | None = None) -> np.ndarray:
    """Greatest set ``C`` of states each having an action whose every outcome is
    damage-free and lands in ``C`` (an independent, greatest-fixed-point route to
    ``S_safe``). Returns the bool mask of ``C`` and never loops more than ``n + 1`` times.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    C = np.ones(n, bool)
    cap = n + 1 if max_sweeps is None else as_int(max_sweeps, "max_sweeps", low=1)
    for _ in range(cap):
        ok = ~supp[..., 1].any(-1) & ~(supp[..., 0] & ~C[None, None, :]).any(-1)
        C2 = ok.any(1) & C
        if np.array_equal(C2, C):
            return C
        C = C2
    return C


def minimal_budget_oracle(P_supp: Any) -> np.ndarray:
    """The minimal budget ``k*`` (L4DC Definition 8) by slice-wise attractors.

    ``U_k`` is the least set of pairs ``X`` such that ``(s, a) in X`` iff some outcome
    ``(s', d)`` has ``d = 1`` and (``k = 0`` or ``s'`` doomed at ``k - 1``), or ``d = 0``
    and all actions of ``s'`` in ``X``. ``k*(s, a) = min{k : (s, a) not in U_k}``, ``INF``
    if none. The loop stops once the doomed set repeats (at most ``n + 1`` slices).
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    kstar = np.full((n, m), INF, np.int64)
    prev_doomed: np.ndarray | None = None
    for k in range(n + 2):
        if k == 0:
            seed = supp[..., 1].any(-1)
        else:
            seed = (supp[..., 1] & prev_doomed[None, None, :]).any(-1)
        att = attractor(supp[..., 0], seed)
        newly_safe = ~att.unsafe & (kstar == INF)
        kstar[newly_safe] = k
        if prev_doomed is not None and np.array_equal(att.doomed, prev_doomed):
            break
        prev_doomed = att.doomed
    return kstar


def minimal_budget(P_supp: Any, max_sweeps: int | None = None, *, k0: Any = None,
                   record: bool = False) -> IterationResult:
    """Algorithm 1 of the L4DC paper: ``k_{j+1} = T_p k_j`` from ``k_0 = 0`` (or ``k0``).

    The iteration never terminates on pairs with ``k* = INF`` (the iterates grow without
    bound), so it is capped: ``max_sweeps`` defaults to ``6 n m + 10``. ``converged`` is
    False when the cap was hit; compare the result with :func:`minimal_budget_oracle`.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    k = np.zeros((n, m), np.int64) if k0 is None else np.asarray(k0, dtype=np.int64)
    if k.shape != (n, m):
        raise ValueError(f"k0 must have shape ({n}, {m}), got {k.shape}")
    cap = 6 * n * m + 10 if max_sweeps is None else as_int(max_sweeps, "max_sweeps", low=0)
    return iterate(lambda x: budget_operator(x, supp), k, cap, record=record)


def augment_budget(P_supp: Any, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """The budget-augmented MDP (L4DC Definition 4, safe_exposure Sec. III-F).

    Augmented state ``(s, k)`` has index ``s * (budget + 1) + k``; the last index is a
    failure sink. From ``(s, k)`` the outcome ``(s', d)`` leads to ``(s', k - d)`` with
    augmented damage 0 if ``k - d >= 0``, else to the sink with augmented damage 1. The
    sink is absorbing and damage-free (the failure was already counted).

    A bool support gives the augmented support; a float kernel (or :class:`FiniteMDP`)
    gives the augmented float kernel with the same probabilities.

    Returns
    -------
    P_aug : ``(N, m, N, 2)`` with ``N = n (budget + 1) + 1`` (bool or float, as the input)
    index : int ``(n, budget + 1)`` mapping ``(s, k)`` to augmented indices.
    """
    raw = P_supp.P if isinstance(P_supp, FiniteMDP) else np.asarray(P_supp)
    is_float = raw.dtype.kind == "f"
    W = check_kernel(raw) if is_float else check_support(raw).astype(float)
    D = as_int(budget, "budget", low=0)
    n, m = W.shape[:2]
    K = D + 1
    N = n * K + 1
    sink = N - 1
    index = np.arange(n * K).reshape(n, K)
    out = np.zeros((N, m, N, 2))
    s, a, sp_, d = np.nonzero(W)
    w = W[s, a, sp_, d]
    for k in range(K):
        kn = k - d
        ok = kn >= 0
        np.add.at(out, (index[s[ok], k], a[ok], index[sp_[ok], kn[ok]], 0), w[ok])
        np.add.at(out, (index[s[~ok], k], a[~ok], sink, 1), w[~ok])
    out[sink, :, sink, 0] = 1.0
    return (out if is_float else out > 0), index


def barrier_star_budget(P_supp: Any, budget: int) -> np.ndarray:
    """Unsafe mask of the budget-augmented barrier ``B*(s, k, a)`` for ``k = 0..budget``
    (bool ``(n, budget + 1, m)``), computed by the attractor on the augmented MDP."""
    supp = check_support(P_supp)
    aug, index = augment_budget(supp, budget)
    U = unsafe_star(aug).unsafe
    return U[index]


# ---------------------------------------------------------------------------------------
# exact fixed-point enumeration
# ---------------------------------------------------------------------------------------
def all_functions(shape: tuple[int, ...], values: Sequence[Any] = (False, True), *,
                  chunk: int = 1 << 15) -> Iterator[np.ndarray]:
    """Every function ``shape -> values``, in chunks of at most ``chunk`` (arrays of
    shape ``(c, *shape)``); ``len(values) ** prod(shape)`` functions in all (mixed-radix
    order, the first entry varying fastest)."""
    shape = tuple(as_int(s, "shape", low=1) for s in shape)
    vals = np.asarray(values)
    r = len(vals)
    size = int(np.prod(shape))
    total = r ** size
    if total > 1 << 26:
        raise ValueError(f"{r}**{size} functions is too many to enumerate")
    chunk = as_int(chunk, "chunk", low=1)
    powers = r ** np.arange(size, dtype=np.int64)
    for start in range(0, total, chunk):
        codes = np.arange(start, min(total, start + chunk), dtype=np.int64)
        digits = (codes[:, None] // powers[None, :]) % r
        yield vals[digits].reshape((-1,) + shape)


def enumerate_fixed_points(op: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...],
                           values: Sequence[Any] = (False, True), *,
                           chunk: int = 1 << 15) -> np.ndarray:
    """Every fixed point ``x = op(x)`` among all functions ``shape -> values``.

    ``op`` must accept a batch ``(c, *shape)`` (the operators of this module do). Exact:
    this finds every fixed point, not just the one an iteration reaches. Feasible for
    ``len(values) ** prod(shape)`` up to about 10**6.
    """
    found = []
    for batch in all_functions(shape, values, chunk=chunk):
        y = np.asarray(op(batch))
        eq = (y == batch).reshape(len(batch), -1).all(1)
        if eq.any():
            found.append(batch[eq])
    if not found:
        return np.zeros((0,) + tuple(shape), dtype=np.asarray(values).dtype)
    return np.concatenate(found)


# ---------------------------------------------------------------------------------------
# policies and simulation
# ---------------------------------------------------------------------------------------
def uniform_policy(allowed: Any, *, fallback: str = "uniform",
                   scores: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Uniform distribution over the allowed actions of each state.

    This is the "uniform safe" policy (8) of the safety-critic paper with
    ``allowed = (b_hat == 0)`` and the behaviour policy of the barrier papers with
    ``allowed = ~unsafe``.

    Parameters
    ----------
    allowed : bool ``(n, m)``
    fallback
        What to do at a state with no allowed action (formula (8) is undefined there):
        ``"uniform"`` (all actions), ``"least"`` (uniform over the argmin of ``scores``,
        e.g. the soft critic values), ``"raise"`` (``ValueError``).

    Returns
    -------
    probs : float ``(n, m)``; fallback_states : int array of the states that needed the
    fallback (to be logged: evidence of an inconsistent critic).
    """
    al = _bool_array(allowed, "allowed")
    if al.ndim != 2:
        raise ValueError(f"allowed must have shape (n, m), got {al.shape}")
    if fallback not in ("uniform", "least", "raise"):
        raise ValueError(f"fallback must be 'uniform', 'least' or 'raise', got {fallback!r}")
    none = ~al.any(1)
    bad = np.flatnonzero(none)
    if bad.size and fallback == "raise":
        raise ValueError(f"no allowed action at states {bad.tolist()}")
    mask = al.copy()
    if bad.size:
        if fallback == "least":
            if scores is None:
                raise ValueError("fallback='least' needs scores")
            sc = np.asarray(scores, dtype=float)
            if sc.shape != al.shape:
                raise ValueError(f"scores must have shape {al.shape}, got {sc.shape}")
            mask[bad] = sc[bad] == sc[bad].min(1, keepdims=True)
        else:
            mask[bad] = True
    probs = mask / mask.sum(1, keepdims=True)
    return probs, bad


def sample_actions(probs: np.ndarray, states: Any, rng: np.random.Generator) -> np.ndarray:
    """One action per entry of ``states`` drawn from ``probs[state]`` (vectorised)."""
    st = np.asarray(states, dtype=np.int64)
    cdf = np.cumsum(probs[st], axis=-1)
    u = rng.random(st.shape)[..., None]
    return np.minimum((u >= cdf).sum(-1), probs.shape[1] - 1)


def rollout_det(F: Any, G: Any, probs: Any, s0: Any, n_steps: int, seed: Any, *,
                stop_in_G: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Roll out a stationary policy on a deterministic system, vectorised over starts.

    Returns ``states`` (int ``(B, n_steps + 1)``) and ``actions`` (int ``(B, n_steps)``);
    after an episode ends (entering ``G`` with ``stop_in_G``) entries are -1.
    """
    F, G = check_det_system(F, G)
    if F.ndim != 2:
        raise ValueError("rollout_det needs a deterministic F of shape (n, m)")
    n, m = F.shape
    pr = np.asarray(probs, dtype=float)
    if pr.shape != (n, m) or np.any(pr < 0) or np.max(np.abs(pr.sum(1) - 1)) > 1e-9:
        raise ValueError(f"probs must be a row-stochastic array of shape ({n}, {m})")
    rng = as_rng(seed)
    s = np.atleast_1d(_int_array(s0, "s0"))
    if s.min() < 0 or s.max() >= n:
        raise ValueError(f"s0 must be states in 0..{n - 1}")
    T = as_int(n_steps, "n_steps", low=0)
    states = np.full((s.size, T + 1), -1, np.int64)
    actions = np.full((s.size, T), -1, np.int64)
    states[:, 0] = s
    alive = ~(G[s] & stop_in_G)
    cur = s.copy()
    for t in range(T):
        a = sample_actions(pr, cur, rng)
        nxt = F[cur, a]
        actions[alive, t] = a[alive]
        states[alive, t + 1] = nxt[alive]
        cur = np.where(alive, nxt, cur)
        if stop_in_G:
            alive = alive & ~G[cur]
    return states, actions


def sample_outcomes(P: Any, s: Any, a: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(s', d) ~ P[s, a]`` for arrays of pairs (vectorised inverse-CDF)."""
    Pk = np.asarray(P.P if isinstance(P, FiniteMDP) else P, dtype=float)
    n = Pk.shape[0]
    s = np.asarray(s, dtype=np.int64)
    a = np.asarray(a, dtype=np.int64)
    rows = Pk[s, a].reshape(s.shape + (2 * n,))
    cdf = np.cumsum(rows, axis=-1)
    u = rng.random(s.shape)[..., None] * cdf[..., -1:]
    idx = np.minimum((u >= cdf).sum(-1), 2 * n - 1)
    return idx // 2, idx % 2


def kernel_counts(P: Any, n_samples: int, seed: Any, *, n_runs: int | None = None) -> np.ndarray:
    """Outcome counts of ``n_samples`` draws per pair from a generative model
    (L4DC Algorithm 2; ``p_hat = counts / n_samples``).

    Returns int ``(n, m, n, 2)``, or ``(n_runs, n, m, n, 2)`` for independent runs.
    """
    Pk = check_kernel(P)
    N = as_int(n_samples, "n_samples", low=1)
    rng = as_rng(seed)
    n, m = Pk.shape[:2]
    flat = Pk.reshape(n * m, 2 * n)
    flat = flat / flat.sum(1, keepdims=True)
    R = 1 if n_runs is None else as_int(n_runs, "n_runs", low=1)
    counts = rng.multinomial(N, np.broadcast_to(flat, (R, n * m, 2 * n)))
    counts = counts.reshape(R, n, m, n, 2)
    return counts[0] if n_runs is None else counts


# ---------------------------------------------------------------------------------------
# values of reward MDPs
# ---------------------------------------------------------------------------------------
def expected_reward(P: Any, R: Any) -> np.ndarray:
    """Expected immediate reward ``(n, m)`` from ``R`` of shape ``(n, m)`` or
    ``(n, m, n, 2)``."""
    Pk = check_kernel(P)
    Rr = np.asarray(R, dtype=float)
    if Rr.shape == Pk.shape[:2]:
        return Rr
    if Rr.shape == Pk.shape:
        return (Pk * Rr).reshape(Pk.shape[0], Pk.shape[1], -1).sum(-1)
    raise ValueError(f"R must have shape {Pk.shape[:2]} or {Pk.shape}, got {Rr.shape}")


def policy_evaluation(P: Any, R: Any, policy: Any, gamma: float, *, terminal: Any = None) -> np.ndarray:
    """``Q^pi`` of a stationary policy by a linear solve (no barrier).

    With ``gamma < 1`` the discounted equations are solved. With ``gamma == 1`` the
    ``terminal`` mask (absorbing, reward-free states) is required and the equations are
    solved on the remaining (transient) states; ``ValueError`` if they do not terminate
    (singular system).
    """
    Pk = check_kernel(P)
    n, m = Pk.shape[:2]
    g = as_scalar(gamma, "gamma", low=0.0, high=1.0)
    pi = np.asarray(policy, dtype=float)
    if pi.shape != (n, m) or np.any(pi < 0) or np.max(np.abs(pi.sum(1) - 1)) > 1e-9:
        raise ValueError(f"policy must be a row-stochastic array of shape ({n}, {m})")
    r = expected_reward(Pk, R)
    Ps = Pk.sum(-1)  # (n, m, n)
    P_pi = np.einsum("sa,sat->st", pi, Ps)
    r_pi = (pi * r).sum(1)
    if g < 1:
        V = np.linalg.solve(np.eye(n) - g * P_pi, r_pi)
    else:
        if terminal is None:
            raise ValueError("gamma = 1 needs the terminal mask")
        term = _bool_array(terminal, "terminal")
        tr = ~term
        V = np.zeros(n)
        A = np.eye(int(tr.sum())) - P_pi[np.ix_(tr, tr)]
        if tr.any():
            if np.linalg.matrix_rank(A) < A.shape[0]:
                raise ValueError("the policy does not terminate from every transient state")
            V[tr] = np.linalg.solve(A, r_pi[tr])
    return r + g * np.einsum("sat,t->sa", Ps, V)


def q_value_iteration(P: Any, R: Any, gamma: float, *, allowed: Any = None, tol: float = 1e-12,
                      max_sweeps: int = 100_000) -> IterationResult:
    """Optimal ``Q`` by value iteration, restricted to ``allowed`` actions.

    Disallowed pairs get ``-inf`` (the barrier-augmented optimum of safe_exposure's
    Corollary 4 with ``allowed = ~unsafe*``). Allowed pairs whose successors have no
    allowed action get ``-inf`` too. Stops when the sup-norm change is ``<= tol`` or at
    the cap (``converged=False``).
    """
    Pk = check_kernel(P)
    n, m = Pk.shape[:2]
    g = as_scalar(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    r = expected_reward(Pk, R)
    al = np.ones((n, m), bool) if allowed is None else check_policy_support(allowed, n, m, "allowed",
                                                                           nonempty=False)
    Ps = Pk.sum(-1)
    supp_next = Ps > 0
    Q = np.where(al, 0.0, -np.inf)
    cap = as_int(max_sweeps, "max_sweeps", low=1)
    for j in range(cap):
        V = Q.max(1)
        fin = np.isfinite(V)
        bad = (supp_next & ~fin[None, None, :]).any(-1)
        EV = np.einsum("sat,t->sa", Ps, np.where(fin, V, 0.0))
        Qn = np.where(al & ~bad, r + g * EV, -np.inf)
        with np.errstate(invalid="ignore"):  # -inf - -inf is an unchanged excluded pair
            diff = np.where(Qn == Q, 0.0, np.abs(Qn - Q))
        Q = Qn
        if diff.max() <= tol:
            return IterationResult(Q, j + 1, j, True, True)
    return IterationResult(Q, cap, cap, False, True)


# ---------------------------------------------------------------------------------------
# learners
# ---------------------------------------------------------------------------------------
@dataclass
class BarrierLearning:
    """Runs of the generative-model barrier learner (safe_exposure Algorithms 3-4).

    ``T``: draws until the learned mask equals ``unsafe*`` (``-1`` if censored);
    ``exposure``: draws of pairs with ``B* = -inf`` up to ``T`` (or the cap);
    ``censored``: the cap was hit first; ``false_positive``: a run ever marked a pair
    that is safe under ``B*`` (must never happen with ``rule="all"``);
    ``final``: the learned masks ``(runs, n, m)``; ``counts``: optional learning curves
    ``(runs, len(record_at))`` of the number of doomed states.
    """

    T: np.ndarray
    exposure: np.ndarray
    censored: np.ndarray
    false_positive: np.ndarray
    final: np.ndarray
    counts: np.ndarray | None = None


def barrier_learner(P: Any, n_runs: int, seed: Any, *, max_draws: int = 1_000_000,
                    rule: str = "all", unsafe_init: Any = None,
                    record_at: Any = None) -> BarrierLearning:
    """Algorithm 4 of safe_exposure (boolean form), vectorised over independent runs.

    Each draw picks ``(s, a)`` uniformly among pairs not yet marked unsafe, samples
    ``(s', d) ~ P[s, a]`` and applies Algorithm 3: ``unsafe[s, a] |= d or
    all(unsafe[s', :])`` (``rule="any"`` is the eager variant, for negative controls).
    A run stops when its mask equals ``unsafe*`` (time ``T``, in draws) or when no pair is
    left to draw; runs still going at ``max_draws`` are censored.
    """
    Pk = check_kernel(P)
    n, m = Pk.shape[:2]
    R = as_int(n_runs, "n_runs", low=1)
    cap = as_int(max_draws, "max_draws", low=1)
    if rule not in ("all", "any"):
        raise ValueError(f"rule must be 'all' or 'any', got {rule!r}")
    rng = as_rng(seed)
    star = unsafe_star(Pk > 0).unsafe
    U = np.zeros((R, n, m), bool) if unsafe_init is None else np.broadcast_to(
        _bool_array(unsafe_init, "unsafe_init"), (R, n, m)).copy()
    flat_cdf = np.cumsum(Pk.reshape(n * m, 2 * n), axis=1)
    T = np.full(R, -1, np.int64)
    expo = np.zeros(R, np.int64)
    fp = np.zeros(R, bool)
    rec = None if record_at is None else np.sort(np.asarray(record_at, dtype=np.int64))
    counts = None if rec is None else np.zeros((R, rec.size), np.int64)
    done = (U == star[None]).reshape(R, -1).all(1)
    T[done] = 0
    active = ~done & (~U).reshape(R, -1).any(1)
    t = 0
    ri = 0
    while t < cap and active.any():
        if rec is not None:
            while ri < rec.size and rec[ri] <= t:
                counts[:, ri] = U.all(-1).sum(-1)
                ri += 1
        idx = np.flatnonzero(active)
        Ua = U[idx].reshape(idx.size, -1)
        keys = np.where(Ua, -1.0, rng.random(Ua.shape))
        pair = keys.argmax(1)
        u = rng.random(idx.size)[:, None] * flat_cdf[pair, -1:]
        out = np.minimum((u >= flat_cdf[pair]).sum(1), 2 * n - 1)
        sp_, d = out // 2, out % 2
        expo[idx] += star.reshape(-1)[pair]
        succ_doomed = U[idx, sp_].all(-1) if rule == "all" else U[idx, sp_].any(-1)
        mark = (d == 1) | succ_doomed
        s, a = pair // m, pair % m
        U[idx[mark], s[mark], a[mark]] = True
        fp[idx[mark]] |= ~star[s[mark], a[mark]]
        t += 1
        eq = (U[idx] == star[None]).reshape(idx.size, -1).all(1)
        T[idx[eq]] = t
        empty = ~(~U[idx]).reshape(idx.size, -1).any(1)
        active[idx[eq | empty]] = False
    if rec is not None:
        while ri < rec.size:
            counts[:, ri] = U.all(-1).sum(-1)
            ri += 1
    censored = T < 0
    return BarrierLearning(T=T, exposure=expo, censored=censored, false_positive=fp, final=U, counts=counts)


@dataclass
class QLearning:
    """Result of a Q-learning run: ``Q`` (``-inf`` on pairs the barrier excluded),
    ``unsafe`` (learned barrier mask or ``None``), ``visits`` per pair, and per-episode
    ``returns``, ``damages``, ``lengths`` for episodic runs."""

    Q: np.ndarray
    unsafe: np.ndarray | None
    visits: np.ndarray
    returns: np.ndarray | None = None
    damages: np.ndarray | None = None
    lengths: np.ndarray | None = None
    exposure: int = 0


def q_learning_generative(P: Any, R: Any, gamma: float, n_steps: int, seed: Any, *,
                          step_exponent: float = 0.7, barrier: bool = True,
                          draw: str = "all") -> QLearning:
    """Tabular Q-learning from a generative model, with or without the hard barrier
    (safe_exposure Algorithms 5-6).

    Each step draws a pair uniformly (``draw="all"``) or among the pairs not marked
    unsafe (``"safe"``), samples ``(s', d)``, updates the barrier (Algorithm 3) when
    ``barrier`` and, on pairs still safe, ``Q(s, a) += eta (r + gamma max_{a' safe}
    Q(s', a') - Q(s, a))`` with ``eta = visits(s, a) ** -step_exponent``. Without the
    barrier, damage is ignored (plain Q-learning). ``R`` is the expected reward
    ``(n, m)`` (added deterministically).
    """
    Pk = check_kernel(P)
    n, m = Pk.shape[:2]
    r = expected_reward(Pk, R)
    g = as_scalar(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    T = as_int(n_steps, "n_steps", low=0)
    w = as_scalar(step_exponent, "step_exponent", low=0.5, high=1.0, low_open=True)
    if draw not in ("all", "safe"):
        raise ValueError(f"draw must be 'all' or 'safe', got {draw!r}")
    rng = as_rng(seed)
    star = unsafe_star(Pk > 0).unsafe
    Q = np.zeros((n, m))
    U = np.zeros((n, m), bool)
    visits = np.zeros((n, m), np.int64)
    cdf = np.cumsum(Pk.reshape(n * m, 2 * n), axis=1)
    expo = 0
    us = rng.random((T, 2))
    for t in range(T):
        if draw == "safe" and barrier:
            free = np.flatnonzero(~U.reshape(-1))
            if free.size == 0:
                break
            pair = int(free[int(us[t, 0] * free.size)])
        else:
            pair = int(us[t, 0] * n * m)
        s, a = divmod(pair, m)
        out = int(min(np.searchsorted(cdf[pair], us[t, 1] * cdf[pair, -1], side="right"), 2 * n - 1))
        sp_, d = divmod(out, 2)
        expo += int(star[s, a])
        visits[s, a] += 1
        if barrier:
            if U[s, a]:
                continue
            if d == 1 or U[sp_].all():
                U[s, a] = True
                Q[s, a] = -np.inf
                continue
            nxt = Q[sp_][~U[sp_]].max()
        else:
            nxt = Q[sp_].max()
        eta = visits[s, a] ** (-w)
        Q[s, a] += eta * (r[s, a] + g * nxt - Q[s, a])
    return QLearning(Q=Q, unsafe=U if barrier else None, visits=visits, exposure=expo)


def q_learning_episodic(step: Callable[[int, int, np.random.Generator], tuple[int, float, int, bool]],
                        n_states: int, n_actions: int, start: Callable[[np.random.Generator], int] | int,
                        n_episodes: int, seed: Any, *, gamma: float = 0.99, alpha: float = 0.1,
                        epsilon: float = 0.1, max_steps: int = 100, allowed: Any = None,
                        q0: Any = None) -> QLearning:
    """Episodic epsilon-greedy tabular Q-learning on a user environment.

    ``step(s, a, rng) -> (s', reward, damage, done)``. ``allowed`` (bool ``(n, m)``, e.g.
    ``~unsafe``) restricts both exploration and the greedy choice ("assured"
    Q-learning); states without an allowed action fall back to all actions. The episode
    ends on ``done`` or after ``max_steps`` steps. Returns ``Q`` and per-episode returns,
    damages and lengths.
    """
    n = as_int(n_states, "n_states", low=1)
    m = as_int(n_actions, "n_actions", low=1)
    E = as_int(n_episodes, "n_episodes", low=0)
    g = as_scalar(gamma, "gamma", low=0.0, high=1.0)
    al_ = as_scalar(alpha, "alpha", low=0.0, high=1.0, low_open=True)
    eps = as_scalar(epsilon, "epsilon", low=0.0, high=1.0)
    H = as_int(max_steps, "max_steps", low=1)
    rng = as_rng(seed)
    mask = np.ones((n, m), bool) if allowed is None else check_policy_support(allowed, n, m, "allowed",
                                                                             nonempty=False)
    mask = np.where(mask.any(1, keepdims=True), mask, True)
    Q = np.zeros((n, m)) if q0 is None else np.asarray(q0, dtype=float).copy()
    visits = np.zeros((n, m), np.int64)
    rets, dmgs, lens = np.zeros(E), np.zeros(E, np.int64), np.zeros(E, np.int64)
    for e in range(E):
        s = start(rng) if callable(start) else as_int(start, "start", low=0, high=n - 1)
        for t in range(H):
            acts = np.flatnonzero(mask[s])
            if rng.random() < eps:
                a = int(rng.choice(acts))
            else:
                qa = Q[s, acts]
                a = int(acts[rng.choice(np.flatnonzero(qa == qa.max()))])
            sp_, rew, d, done = step(s, a, rng)
            visits[s, a] += 1
            target = rew + (0.0 if done else g * Q[sp_][mask[sp_]].max())
            Q[s, a] += al_ * (target - Q[s, a])
            rets[e] += rew
            dmgs[e] += int(d)
            lens[e] = t + 1
            s = sp_
            if done:
                break
    return QLearning(Q=Q, unsafe=None, visits=visits, returns=rets, damages=dmgs, lengths=lens)


@dataclass
class CriticLearning:
    """Trace of the tabular binary-critic learner (safety_critic Algorithm 1).

    ``table``: final critic (float 0/1, ``(n, m)``); ``tables``: the critic after each
    round ``(rounds, n, m)``; ``in_buffer``: buffer membership per round ``(rounds, n,
    m)``; ``labels``: buffer labels per round (1 = unsafe; only meaningful where
    ``in_buffer``); ``failures``: failed episodes per round; ``fallback_events``:
    (round, state) where every action was predicted unsafe; ``conflicts``: rounds where a
    ``D_safe`` pair received label 1; ``converged``: no new pair entered the buffer for
    ``patience`` rounds before ``max_rounds``; ``rounds``: rounds run.
    """

    table: np.ndarray
    tables: np.ndarray
    in_buffer: np.ndarray
    labels: np.ndarray
    failures: np.ndarray
    fallback_events: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)
    converged: bool = False
    rounds: int = 0


def binary_critic_learning(F: Any, G: Any, d_safe: Any, starts: Any, seed: Any, *,
                           init: float = 0.0, episode_length: int = 50, episodes_per_round: int = 10,
                           patience: int = 5, max_rounds: int = 200, max_relabel: int | None = None,
                           terminal_convention: bool = True) -> CriticLearning:
    """Tabular variant of Algorithm 1 of the safety-critic paper.

    The network is replaced by a table, so "train until accuracy 1" assigns the labels.
    Each round: collect ``episodes_per_round`` episodes with the uniform-safe policy (8)
    of the rounded table from random ``starts`` (an episode ends on entering ``G``), add
    the transitions to the buffer, then repeat {soft labels
    ``y = i(s) + (1 - i(s)) min_a' b(s', a')`` on the buffer, ``D_unsafe`` = pairs with
    ``y >= 1/2`` labelled 1, ``D_safe`` labelled 0, assign} until the labels are
    self-consistent (capped at ``max_relabel``, default ``n m + 1``).

    ``terminal_convention``: for a stored transition whose successor is in ``G`` use
    ``min_a' b(s', a') := 1`` (``b = 1`` on ``G``); the paper leaves this implicit.
    Stops after ``patience`` rounds with no new buffer pair, or at ``max_rounds``.
    """
    F, G = check_det_system(F, G)
    if F.ndim != 2:
        raise ValueError("binary_critic_learning needs a deterministic F of shape (n, m)")
    n, m = F.shape
    ds = _bool_array(d_safe, "d_safe")
    if ds.shape != (n, m):
        raise ValueError(f"d_safe must have shape ({n}, {m}), got {ds.shape}")
    st = np.atleast_1d(_int_array(starts, "starts"))
    if st.size == 0 or st.min() < 0 or st.max() >= n:
        raise ValueError(f"starts must be a non-empty array of states in 0..{n - 1}")
    init = as_scalar(init, "init", low=0.0, high=1.0)
    rng = as_rng(seed)
    L = as_int(episode_length, "episode_length", low=1)
    E = as_int(episodes_per_round, "episodes_per_round", low=1)
    pat = as_int(patience, "patience", low=1)
    cap = as_int(max_rounds, "max_rounds", low=1)
    relabel_cap = n * m + 1 if max_relabel is None else as_int(max_relabel, "max_relabel", low=1)
    table = np.full((n, m), init)
    table[ds] = 0.0
    buffer = np.zeros((n, m), bool)
    tables, bufs, labs, fails = [], [], [], []
    fallbacks: list[tuple[int, int]] = []
    conflicts: list[int] = []
    quiet = 0
    converged = False
    rounds = 0
    for rnd in range(cap):
        rounds = rnd + 1
        probs, bad = uniform_policy(table < 0.5, fallback="least", scores=table)
        fallbacks.extend((rnd, int(s)) for s in bad)
        s0 = st[rng.integers(st.size, size=E)]
        states, actions = rollout_det(F, G, probs, s0, L, rng)
        ok = actions >= 0
        new = np.zeros((n, m), bool)
        new[states[:, :-1][ok], actions[ok]] = True
        visited_G = (states >= 0) & G[np.maximum(states, 0)]
        fails.append(int(visited_G[:, 1:].any(1).sum()))
        added = new & ~buffer
        buffer |= new
        quiet = 0 if added.any() else quiet + 1
        # relabel-and-train until self-consistent ("accuracy 1" after recomputing labels)
        for _ in range(relabel_cap):
            succ_min = table.min(1)[F]
            if terminal_convention:
                succ_min = np.where(G[F], 1.0, succ_min)
            y = G[:, None] + (1 - G[:, None]) * succ_min
            lab = buffer & (y >= 0.5)
            target = table.copy()
            target[lab] = 1.0
            target[ds] = 0.0
            if np.any(lab & ds):
                conflicts.append(rnd)
            if np.array_equal(target, table):
                break
            table = target
        tables.append(table.copy())
        bufs.append(buffer.copy())
        labs.append(lab.copy())
        if quiet >= pat:
            converged = True
            break
    return CriticLearning(table=table, tables=np.array(tables), in_buffer=np.array(bufs),
                          labels=np.array(labs), failures=np.array(fails),
                          fallback_events=fallbacks, conflicts=sorted(set(conflicts)),
                          converged=converged, rounds=rounds)


# ---------------------------------------------------------------------------------------
# budget-augmented policies: termination, batched barriers, rollouts
# ---------------------------------------------------------------------------------------
def almost_sure_absorption(P_supp: Any, support: Any, absorbing: Any) -> np.ndarray:
    """States from which the set ``absorbing`` is reached with probability one.

    In a finite Markov chain the set is reached a.s. from ``s`` iff every state reachable
    from ``s`` can still reach it (otherwise the chain gets stuck with positive
    probability; if it can, a path of length ``<= n`` has probability bounded below).
    Only the supports matter. This is the termination hypothesis of undiscounted
    (stochastic-shortest-path) evaluations, checked before a linear solve.

    Parameters
    ----------
    P_supp : support or kernel ``(n, m, n, 2)``
    support : bool ``(n, m)``, the policy support (every state needs an action)
    absorbing : bool ``(n,)``, the target set (e.g. the terminal and a failure sink)

    Returns
    -------
    bool ``(n,)``.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    sup = check_policy_support(support, n, m)
    ab = _bool_array(absorbing, "absorbing")
    if ab.shape != (n,):
        raise ValueError(f"absorbing must have shape ({n},), got {ab.shape}")
    _, src, dst = _edges(supp, sup)
    can_reach = _closure(n, dst, src, ab)
    # a state that can reach a dead end (a state that cannot reach the target) fails
    return ~_closure(n, dst, src, ~can_reach)


def policy_barrier_batch(P_supp: Any, supports: Any, max_sweeps: int | None = None) -> np.ndarray:
    """Unsafe masks of the barriers ``B^pi`` of a batch of policy supports.

    ``(s, a)`` is unsafe iff a damaging outcome has positive probability along some path
    that starts with ``(s, a)`` and then follows the supported actions: the least fixed
    point of ``U -> barrier_operator(U & support, rule="any")`` (a successor is bad as soon
    as one of its *supported* actions is unsafe), iterated from ``U = 0``. Agrees with
    :func:`damage_reachable` for a single support; vectorised over the leading axes of
    ``supports`` (``(..., n, m)``) for exhaustive enumeration of policies.

    ``max_sweeps`` defaults to ``n m + 1`` (each strict sweep adds a pair); a cap that is
    too small raises ``RuntimeError`` rather than returning a wrong mask.
    """
    supp = check_support(P_supp)
    n, m = supp.shape[:2]
    sup = _bool_array(supports, "supports")
    if sup.shape[-2:] != (n, m):
        raise ValueError(f"supports must have shape (..., {n}, {m}), got {sup.shape}")
    cap = n * m + 1 if max_sweeps is None else as_int(max_sweeps, "max_sweeps", low=1)
    res = iterate(lambda U: barrier_operator(U & sup, supp, rule="any"), np.zeros(sup.shape, bool), cap)
    if not res.converged:
        raise RuntimeError(f"policy_barrier_batch did not reach its fixed point in {cap} sweeps")
    return res.value


def lift_to_augmented(x: Any, index: Any, fill: Any) -> np.ndarray:
    """Place per-``(s, k)`` rows ``x[s, k, ...]`` at the augmented indices of
    :func:`augment_budget` and append the failure sink's row ``fill``.

    ``x`` has shape ``(n, budget + 1, ...)`` and ``index`` is the ``(n, budget + 1)``
    index map; the result has shape ``(n (budget + 1) + 1, ...)``.
    """
    idx = _int_array(index, "index")
    if idx.ndim != 2:
        raise ValueError(f"index must have shape (n, budget + 1), got {idx.shape}")
    a = np.asarray(x)
    if a.shape[:2] != idx.shape:
        raise ValueError(f"x must have leading shape {idx.shape}, got {a.shape}")
    N = idx.size + 1
    out = np.empty((N,) + a.shape[2:], dtype=np.result_type(a, np.asarray(fill)))
    out[idx.reshape(-1)] = a.reshape((-1,) + a.shape[2:])
    out[N - 1] = fill
    return out


@dataclass
class BudgetRollout:
    """Episodes of a (budget-)policy: ``returns`` (float), ``damages`` (int, total damage),
    ``lengths`` (steps), ``terminated`` (reached the terminal set within the cap),
    ``failed`` (cumulative damage exceeded the budget; all False without a budget),
    ``action_counts`` (int ``(episodes, m)``)."""

    returns: np.ndarray
    damages: np.ndarray
    lengths: np.ndarray
    terminated: np.ndarray
    failed: np.ndarray
    action_counts: np.ndarray


def rollout_budget_policy(P: Any, policy: Any, s0: Any, n_episodes: int, seed: Any, *, R: Any = None,
                          budget: int | None = None, terminal: Any = None, max_steps: int = 1000,
                          stop_on_failure: bool = True) -> BudgetRollout:
    """Simulate a stationary policy on a finite MDP, optionally tracking the remaining
    budget ``K_{t+1} = K_t - D_{t+1}`` (L4DC Definitions 3-4); vectorised over episodes.

    Parameters
    ----------
    P : kernel ``(n, m, n, 2)`` or :class:`FiniteMDP` (its ``R`` and ``terminal`` are the
        defaults of the arguments below)
    policy : float ``(n, m)`` (budget-independent) or ``(n, budget + 1, m)`` (a
        budget-policy ``pi(a | s, k)``), rows summing to 1
    s0 : start state (int) or array of ``n_episodes`` start states
    R : expected reward ``(n, m)`` or outcome reward ``(n, m, n, 2)``; ``None``: zero
    budget : the damage budget ``Delta`` (needed for a budget-policy)
    terminal : absorbing terminal state(s): an int, a bool mask ``(n,)`` or ``None``
    max_steps : cap on the episode length (``terminated`` is False where it is hit)
    stop_on_failure : on a failure (``K_t - D_{t+1} < 0``) the augmented MDP leaves its
        state space (the failure sink): the episode ends there. With ``False`` it goes on
        and a budget-policy is read at ``k = 0`` afterwards.
    """
    if isinstance(P, FiniteMDP):
        R = P.R if R is None else R
        terminal = P.terminal if terminal is None else terminal
    Pk = check_kernel(P)
    n, m = Pk.shape[:2]
    E = as_int(n_episodes, "n_episodes", low=1)
    H = as_int(max_steps, "max_steps", low=1)
    rng = as_rng(seed)
    pol = np.asarray(policy, dtype=float)
    if budget is not None:
        D = as_int(budget, "budget", low=0)
    if pol.ndim == 3:
        if budget is None:
            raise ValueError("a budget-policy (n, budget + 1, m) needs the budget")
        if pol.shape != (n, D + 1, m):
            raise ValueError(f"policy must have shape ({n}, {D + 1}, {m}), got {pol.shape}")
    elif pol.shape != (n, m):
        raise ValueError(f"policy must have shape ({n}, {m}) or ({n}, budget + 1, {m}), got {pol.shape}")
    if not np.all(np.isfinite(pol)) or np.any(pol < 0) or np.max(np.abs(pol.sum(-1) - 1)) > 1e-9:
        raise ValueError("policy rows must be probability vectors")
    flat_pol = pol.reshape(-1, m)
    K1 = pol.shape[1] if pol.ndim == 3 else 1
    if R is None:
        r_exp, r_out = np.zeros((n, m)), None
    else:
        Rr = np.asarray(R, dtype=float)
        if Rr.shape == (n, m):
            r_exp, r_out = Rr, None
        elif Rr.shape == Pk.shape:
            r_exp, r_out = None, Rr
        else:
            raise ValueError(f"R must have shape {(n, m)} or {Pk.shape}, got {Rr.shape}")
    term = np.zeros(n, bool)
    if terminal is not None:
        t_arr = np.asarray(terminal)
        if t_arr.dtype == bool:
            if t_arr.shape != (n,):
                raise ValueError(f"terminal mask must have shape ({n},), got {t_arr.shape}")
            term = t_arr.copy()
        else:
            term[as_int(int(t_arr), "terminal", low=0, high=n - 1)] = True
    s = np.broadcast_to(np.atleast_1d(_int_array(s0, "s0")), (E,)).copy()
    if s.min() < 0 or s.max() >= n:
        raise ValueError(f"s0 must be states in 0..{n - 1}")
    k = np.full(E, 0 if budget is None else D, np.int64)
    rets = np.zeros(E)
    dmg = np.zeros(E, np.int64)
    lens = np.zeros(E, np.int64)
    failed = np.zeros(E, bool)
    counts = np.zeros((E, m), np.int64)
    alive = ~term[s]
    for _ in range(H):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        row = s[idx] * K1 + (np.maximum(k[idx], 0) if K1 > 1 else 0)
        a = sample_actions(flat_pol, row, rng)
        sp_, d = sample_outcomes(Pk, s[idx], a, rng)
        rets[idx] += r_exp[s[idx], a] if r_out is None else r_out[s[idx], a, sp_, d]
        dmg[idx] += d
        lens[idx] += 1
        np.add.at(counts, (idx, a), 1)
        if budget is not None:
            fail_now = (k[idx] - d < 0) & ~failed[idx]
            failed[idx] |= fail_now
            k[idx] = np.maximum(k[idx] - d, -1)
        else:
            fail_now = np.zeros(idx.size, bool)
        s[idx] = sp_
        alive[idx] = ~term[sp_] & ~(fail_now & stop_on_failure)
    terminated = term[s]
    return BudgetRollout(returns=rets, damages=dmg, lengths=lens, terminated=terminated, failed=failed,
                         action_counts=counts)
