"""The gradient-flow driver and gradient descent against known solutions."""
import numpy as np
import pytest

from numerics.flow import gradient_descent, integrate, integrate_twice, log_times


def test_integrate_linear_ode_matches_exponential():
    A = np.array([[-1.0, 0.5], [0.0, -2.0]])
    y0 = np.array([1.0, 1.0])
    t = np.linspace(0, 3, 31)
    traj = integrate(lambda _t, y: A @ y, y0, t, rtol=1e-12, atol=1e-14,
                     observables={"norm": np.linalg.norm})
    from scipy.linalg import expm

    exact = np.array([expm(A * ti) @ y0 for ti in t])
    assert np.max(np.abs(traj.y - exact)) < 1e-11  # DOP853 global error ~ 100 * rtol
    assert traj.nfev > 0 and traj.success
    assert traj.observables["norm"].shape == (31,)
    assert traj.states((2,)).shape == (31, 2)


def test_tiny_initial_scale_needs_small_atol():
    # logistic growth from 1e-8: with atol above the state the escape time is wrong.
    rhs = lambda _t, s: 2 * s * (1 - s)
    t = np.linspace(0, 12, 121)
    exact = 1 / (1 + (1 / 1e-8 - 1) * np.exp(-2 * t))
    good = integrate(rhs, [1e-8], t, rtol=1e-12, atol=1e-18)
    # global error of DOP853 ~ 100 * rtol relative through the sharp transition
    assert np.max(np.abs(good.y[:, 0] - exact)) < 1e-9
    sloppy = integrate(rhs, [1e-8], t, rtol=1e-3, atol=1e-3)
    assert np.max(np.abs(sloppy.y[:, 0] - exact)) > 1e-2


def test_events_are_located():
    ev = lambda _t, y: y[0] - 0.5
    ev.terminal = False
    traj = integrate(lambda _t, y: -y, [1.0], np.linspace(0, 2, 5), events=ev, rtol=1e-12, atol=1e-14)
    assert traj.events[0][0] == pytest.approx(np.log(2), rel=1e-10)


def test_integrate_twice_reports_small_gap():
    traj, gap = integrate_twice(lambda _t, y: -y, [1.0], np.linspace(0, 1, 5), rtol=1e-8, atol=1e-10)
    assert gap < 1e-7 and traj.rtol == pytest.approx(1e-10)


def test_integrate_validates_input():
    with pytest.raises(ValueError, match="t_eval"):
        integrate(lambda t, y: y, [1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="y0 contains NaN"):
        integrate(lambda t, y: y, [np.nan], [0.0, 1.0])
    with pytest.raises(ValueError, match="rtol"):
        integrate(lambda t, y: y, [1.0], [0.0, 1.0], rtol=-1)


def test_log_times():
    t = log_times(100.0, 5, t_min=0.01)
    assert t[0] == 0 and t[1] == pytest.approx(0.01) and t[-1] == pytest.approx(100.0)
    assert np.allclose(np.diff(np.log(t[1:])), np.log(10))
    with pytest.raises(ValueError, match="t_min"):
        log_times(1.0, 5, t_min=2.0)


def test_gradient_descent_on_quadratic():
    a = np.array([1.0, 3.0])
    traj = gradient_descent(lambda x: a * x, [1.0, 1.0], 0.1, 50, record_every=10)
    assert np.allclose(traj.t, [0, 10, 20, 30, 40, 50])
    assert np.allclose(traj.y[-1], (1 - 0.1 * a) ** 50, rtol=1e-12)
    assert traj.nfev == 50
    with pytest.raises(ValueError, match="diverged"):
        gradient_descent(lambda x: a * x, [1.0, 1.0], 1.0, 2000)
    stopped = gradient_descent(lambda x: a * x, [1.0, 1.0], 0.1, 1000, stop=lambda x: np.all(np.abs(x) < 1e-3))
    assert stopped.t[-1] < 1000
