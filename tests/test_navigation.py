"""Unit tests of numerics.navigation: the robot's step, its abstraction and the learners."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import mdp
from numerics import navigation as nv
from numerics.flow import integrate
from theorems import safe_exposure as se


def test_step_heading_and_straight_motion():
    x, y, th, hit = nv.nav_step(1.0, 1.0, 0.3, 0.3)
    assert (x, y) == pytest.approx((1.0 + 0.25 * np.cos(0.3), 1.0 + 0.25 * np.sin(0.3)), rel=1e-13)
    assert th == pytest.approx(0.3) and not hit
    for sign in (1.0, -1.0):
        _, _, th, _ = nv.nav_step(2.0, 4.0, 0.2, 1.0, sign=sign)
        assert th == pytest.approx(float(se.nav_heading(0.2, 1.0, 0.5, sign=sign)), rel=1e-14)
    # the printed sign moves away from the setpoint
    _, _, th_p, _ = nv.nav_step(2.0, 4.0, 0.2, 1.0, sign=-1.0)
    assert abs(th_p - 1.0) > abs(0.2 - 1.0)


def test_step_position_against_ode():
    th0, a = -0.4, 1.1
    rhs = lambda t, s: np.array([0.5 * np.cos(a + (th0 - a) * np.exp(-t)), 0.5 * np.sin(a + (th0 - a) * np.exp(-t))])
    tr = integrate(rhs, np.array([1.0, 2.0]), np.array([0.0, 0.5]), rtol=1e-12, atol=1e-14)
    x, y, _, _ = nv.nav_step(1.0, 2.0, th0, a, n_sub=50)
    assert (x, y) == pytest.approx(tuple(tr.y[-1]), abs=1e-9)  # Simpson, h = 0.01: error ~1e-11


def test_collisions():
    assert nv.collides(2.5, 1.0) and not nv.collides(2.0, 1.0) and nv.collides(2.0, 1.0, touch=True)
    assert nv.collides(-0.01, 1.0) and not nv.collides(0.0, 1.0) and nv.collides(0.0, 1.0, touch=True)
    _, _, _, hit = nv.nav_step(1.9, 1.0, 0.0, 0.0)  # drives into the obstacle
    assert hit
    _, _, _, hit = nv.nav_step(4.9, 4.0, 0.0, 0.0)  # drives out of the arena
    assert hit


def test_abstraction_counts_match_card():
    ab = nv.nav_abstraction()
    n = 21 * 21 * 8
    assert ab.F.shape == (n, 8) and ab.F.min() >= 0 and ab.F.max() < n
    assert mdp.attractor(ab.F, ab.D).doomed.sum() == 627          # card: 600-630 (open boundaries)
    ab_t = nv.nav_abstraction(touch=True)
    assert mdp.attractor(ab_t.F, ab_t.D).doomed.sum() == 1230     # card: about 1230 (touching)
    with pytest.raises(ValueError, match="offsets"):
        nv.nav_abstraction(offsets="bogus")


def test_episodic_learner_invariants():
    ab = nv.nav_abstraction(n_xy=11, n_theta=4, n_actions=4)
    star = mdp.attractor(ab.F, ab.D)
    c = nv.episodic_barrier_learning(ab.F, ab.D, 4000, 0, batch=200, star=star.unsafe)
    assert not c.false_positive and np.all(np.diff(c.doomed) >= 0) and c.doomed[-1] <= star.doomed.sum()
    c2 = nv.episodic_barrier_learning(ab.F, ab.D, 4000, 0, batch=200, star=star.unsafe)
    assert np.array_equal(c.unsafe, c2.unsafe)
    eager = nv.episodic_barrier_learning(ab.F, ab.D, 4000, 0, batch=200, star=star.unsafe, rule="any")
    assert eager.false_positive


def test_task_and_greedy_rollouts():
    ab = nv.nav_abstraction()
    step, goal = nv.nav_task(ab)
    assert goal.sum() > 0
    start = int(ab.index[2, 2, 4])
    s2, r, d, done = step(start, 4, np.random.default_rng(0))  # offset 0: straight ahead
    assert d == 0 and not done and r < 0
    Q = np.zeros(ab.F.shape)
    out = nv.greedy_rollouts(ab, Q, start, 20, 0, max_steps=50)
    assert out["reached"].dtype == bool and np.all(out["steps"] <= 50)
    star = mdp.attractor(ab.F, ab.D).unsafe
    safe_out = nv.greedy_rollouts(ab, Q, start, 20, 0, allowed=~star, max_steps=50)
    assert not safe_out["collided"].any()
