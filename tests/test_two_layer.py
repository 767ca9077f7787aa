"""The two-layer simulator: analytic gradients, kink convention, balanced coordinates,
the 1/loss schedule, the torch backend and the measurements."""
import math

import numpy as np
import pytest

from numerics import data
from numerics import two_layer as tl
from numerics.fit import loglog_fit


# -- helpers ------------------------------------------------------------------------
def _problem(kind: str, seed: int = 0, **kw):
    rng = np.random.default_rng(seed)
    n, d = 7, 4
    X = rng.standard_normal((n, d))
    if kind == "ce":
        y = np.arange(n) % 3
    elif kind == "square_vec":
        y = rng.standard_normal((n, 2))
        return tl.Problem(X, y, "square", **kw)
    elif kind == "square":
        y = rng.standard_normal(n)
    else:
        y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return tl.Problem(X, y, "square" if kind == "square" else kind, **kw)


def _params(problem, h, seed, scale=0.7):
    rng = np.random.default_rng(seed + 100)
    W = scale * rng.standard_normal((problem.d, h))
    V = scale * rng.standard_normal(h) if problem.d_out == 1 else scale * rng.standard_normal((problem.d_out, h))
    return W, V


def _taylor_slope(problem, W, V, unit_norm=True, seed=0):
    """Fitted slope of log|L(theta + h d) - L(theta) - h <g, d>| against log h."""
    rng = np.random.default_rng(seed)
    dW, dV = rng.standard_normal(W.shape), rng.standard_normal(V.shape)
    gW, gV, L0 = tl.gradients(problem, W, V, unit_norm=unit_norm)
    lin = np.sum(gW * dW) + np.sum(gV * dV)
    hs = np.geomspace(1e-2, 1e-4, 6)
    err = [abs(tl.loss_value(problem, W + h * dW, V + h * dV, unit_norm=unit_norm) - L0 - h * lin) for h in hs]
    return loglog_fit(hs, np.asarray(err)).slope


# -- gradients ------------------------------------------------------------------------
@pytest.mark.parametrize("kind,kw", [
    ("exp", {}), ("logistic", {}), ("logistic1", {}), ("square", {}), ("square_vec", {}), ("ce", {}),
    ("exp", {"leaky": 0.3}), ("exp", {"p": 2.0}), ("exp", {"p": 3.0}), ("ce", {"p": 3.0}),
    ("square", {"p": 1.5}),
])
def test_gradients_taylor_remainder_has_slope_two(kind, kw):
    pr = _problem(kind, **kw)
    W, V = _params(pr, 5, 1)
    # Keep every pre-activation away from the kink so that the step never crosses it.
    assert np.min(np.abs(pr.X @ W)) > 1e-3
    slope = _taylor_slope(pr, W, V)
    assert slope == pytest.approx(2.0, abs=0.1)  # first-order error would give slope 1


def test_gradients_unnormalised_polynomial_relu():
    pr = _problem("exp", p=3.0)
    W, V = _params(pr, 5, 2, scale=0.3)  # small outputs: the loss stays O(1)
    assert _taylor_slope(pr, W, V, unit_norm=False) == pytest.approx(2.0, abs=0.1)


def test_wrong_gradient_is_detected_by_the_taylor_test():
    # The test can fail: a gradient with a wrong sign on one entry gives slope 1.
    pr = _problem("exp")
    W, V = _params(pr, 5, 1)
    rng = np.random.default_rng(0)
    dW, dV = rng.standard_normal(W.shape), rng.standard_normal(V.shape)
    gW, gV, L0 = tl.gradients(pr, W, V)
    gV = gV.copy()
    gV[0] = -gV[0] + 0.5
    lin = np.sum(gW * dW) + np.sum(gV * dV)
    hs = np.geomspace(1e-4, 1e-6, 6)  # small h: the first-order error dominates
    err = [abs(tl.loss_value(pr, W + h * dW, V + h * dV) - L0 - h * lin) for h in hs]
    assert loglog_fit(hs, np.asarray(err)).slope == pytest.approx(1.0, abs=0.1)


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 4))
    W, V = rng.standard_normal((4, 6)), rng.standard_normal(6)
    for p in (1.0, 3.0):
        g = tl.input_gradient(X, W, V, p=p)
        e = 1e-6
        fd = np.stack([(tl.forward(X + e * np.eye(4)[k], W, V, p=p) - tl.forward(X - e * np.eye(4)[k], W, V, p=p))
                       / (2 * e) for k in range(4)], axis=1)
        assert np.max(np.abs(g - fd)) < 1e-7  # central differences: O(e^2) + round-off/e
    Vk = rng.standard_normal((3, 6))
    c = np.array([1.0, -1.0, 0.0])
    g = tl.input_gradient(X, W, Vk, output_weights=c)
    f = lambda Z: tl.forward(Z, W, Vk) @ c
    fd = np.stack([(f(X + 1e-6 * np.eye(4)[k]) - f(X - 1e-6 * np.eye(4)[k])) / 2e-6 for k in range(4)], axis=1)
    assert np.max(np.abs(g - fd)) < 1e-7


def test_forward_matches_definition():
    rng = np.random.default_rng(4)
    X, W, V = rng.standard_normal((6, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    for p in (1.0, 2.0, 3.5):
        direct = np.array([sum(V[j] * max(X[i] @ W[:, j], 0) ** p / np.linalg.norm(W[:, j]) ** (p - 1)
                               for j in range(5)) for i in range(6)])
        assert np.allclose(tl.forward(X, W, V, p=p), direct, rtol=1e-13, atol=1e-13)
    leaky = np.array([sum(V[j] * max(X[i] @ W[:, j], 0.2 * X[i] @ W[:, j]) for j in range(5)) for i in range(6)])
    assert np.allclose(tl.forward(X, W, V, leaky=0.2), leaky, rtol=1e-13)


def test_homogeneity_of_prelu_network():
    rng = np.random.default_rng(5)
    X, W, V = rng.standard_normal((6, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    for p in (1.0, 2.0, 3.0):
        f = tl.forward(X, W, V, p=p)
        assert np.allclose(tl.forward(2.5 * X, W, V, p=p), 2.5 ** p * f, rtol=1e-12)
        assert np.allclose(tl.forward(X, 3.0 * W, V, p=p), 3.0 * f, rtol=1e-12)  # 1-homogeneous in w


# -- kink convention ---------------------------------------------------------------------
def test_kink_convention_makes_appendix_e_states_fixed_points():
    X = np.array([[1.0, 0.0]])
    W = np.array([[0.0], [1.0]])
    for label in (-1.0, 1.0):  # E.3 (y = -1) and E.4 (y = +1)
        pr = tl.Problem(X, [label], "exp")
        gW, gV, _ = tl.gradients(pr, W, np.array([1.0]))
        assert np.all(gW == 0) and np.all(gV == 0)
        vf = tl.vector_field(pr, tl.BalancedState.from_plain(W, np.array([1.0])))
        assert np.all(vf["dU"] == 0) and np.all(vf["dlogr"] == 0)


def test_kink_value_one_moves_e3_state_into_dead_interior():
    X = np.array([[1.0, 0.0]])
    pr = tl.Problem(X, [-1.0], "exp", kink=1.0)
    st = tl.BalancedState.from_plain(np.array([[0.0], [1.0]]), np.array([1.0]))
    run = tl.simulate(pr, st, dt=1e-3, steps=1)
    assert (X @ run.final.U)[0, 0] < 0  # strictly inside S_dead after one step


def test_sigma_prime_convention():
    z = np.array([-1.0, 0.0, 2.0])
    assert np.array_equal(tl.sigma_prime(z), [0.0, 0.0, 1.0])
    assert np.array_equal(tl.sigma_prime(z, leaky=0.1), [0.1, 0.1, 1.0])
    assert np.array_equal(tl.sigma_prime(z, kink=0.5), [0.0, 0.5, 1.0])
    assert np.allclose(tl.sigma_prime(z, p=3.0), [0.0, 0.0, 12.0])


# -- losses ------------------------------------------------------------------------------
def test_residuals_are_minus_loss_derivatives():
    rng = np.random.default_rng(6)
    for loss, T in (("exp", np.sign(rng.standard_normal((5, 1)))), ("logistic", np.sign(rng.standard_normal((5, 1)))),
                    ("logistic1", np.sign(rng.standard_normal((5, 1)))), ("square", rng.standard_normal((5, 2))),
                    ("ce", np.eye(3)[[0, 1, 2, 0, 1]])):
        F = rng.standard_normal(T.shape)
        R, logL = tl.residual(loss, T, F, scale=0.5)
        e = 1e-6
        for i in range(T.shape[0]):
            for k in range(T.shape[1]):
                Fp, Fm = F.copy(), F.copy()
                Fp[i, k] += e
                Fm[i, k] -= e
                fd = (tl.loss_terms(loss, T, Fp)[i] - tl.loss_terms(loss, T, Fm)[i]) / (2 * e)
                assert R[i, k] == pytest.approx(-0.5 * fd, abs=1e-8)
        assert logL == pytest.approx(math.log(0.5 * tl.loss_terms(loss, T, F).sum()), rel=1e-12)


@pytest.mark.parametrize("loss", ["exp", "logistic", "ce"])
def test_normalized_residual_is_stable_for_tiny_and_huge_losses(loss):
    T = np.eye(3)[[0, 1, 2, 0]] if loss == "ce" else np.array([[1.0], [-1.0], [1.0], [-1.0]])
    rng = np.random.default_rng(7)
    base = rng.standard_normal(T.shape)
    for shift in (0.0, 50.0, 2000.0):
        F = base + shift * (T if loss == "ce" else T)  # margins grow with the shift
        R, logL = tl.normalized_residual(loss, T, F)
        assert np.all(np.isfinite(R)) and np.isfinite(logL)
        if shift == 0.0:
            Rr, logLr = tl.residual(loss, T, F)
            assert np.allclose(R, Rr / math.exp(logLr), rtol=1e-12)
        else:
            # Compare with mpmath at high precision.
            import mpmath as mp

            mp.mp.dps = 50
            def ell(i):
                if loss == "exp":
                    return mp.exp(-T[i, 0] * mp.mpf(F[i, 0]))
                if loss == "logistic":
                    return 2 * mp.log1p(mp.exp(-T[i, 0] * mp.mpf(F[i, 0])))
                y = int(np.argmax(T[i]))
                return mp.log1p(sum(mp.exp(mp.mpf(F[i, k]) - mp.mpf(F[i, y])) for k in range(3) if k != y))
            L = sum(ell(i) for i in range(4))
            assert logL == pytest.approx(float(mp.log(L)), rel=1e-12)


# -- balanced coordinates ----------------------------------------------------------------
def _small_binary(log_eps=math.log(0.3), seed=0, loss="exp", p=1.0):
    X, y = data.orthosep(8, 4, seed=seed, offset=0.3, noise=0.5)
    pr = tl.Problem(X, y, loss, p=p)
    st, _ = tl.random_balanced_init(4, 5, log_eps=log_eps, seed=seed)
    return pr, st


def test_balanced_field_is_the_plain_gradient_flow():
    for loss, p in (("exp", 1.0), ("logistic", 1.0), ("exp", 3.0)):
        pr, st = _small_binary(loss=loss, p=p)
        W, V = st.plain()
        gW, gV, _ = tl.gradients(pr, W, V)
        vf = tl.vector_field(pr, st)
        r = np.exp(st.logr)
        # dw/dt = d(r u)/dt = r (du/dt + drho/dt u)
        assert np.allclose(-gW, r * (vf["dU"] + vf["dlogr"] * st.U), rtol=1e-12, atol=1e-15)
        assert np.allclose(-gV, r * vf["dlogr"] * st.B[0], rtol=1e-12, atol=1e-15)
    Xm, lab = data.simplex_mixture(3, 3, 6, seed=0)
    pr = tl.Problem(Xm, lab, "ce")
    st, _ = tl.random_balanced_init(6, 5, log_eps=-1.0, seed=1, d_out=3)
    W, V = st.plain()
    gW, gV, _ = tl.gradients(pr, W, V)
    vf = tl.vector_field(pr, st)
    r = np.exp(st.logr)
    assert np.allclose(-gV, r * (vf["dB"] + vf["dlogr"] * st.B), rtol=1e-12, atol=1e-15)
    assert np.allclose(-gW, r * (vf["dU"] + vf["dlogr"] * st.U), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", ["binary", "ce", "prelu"])
def test_balanced_coordinates_follow_the_plain_flow(case):
    if case == "ce":
        Xm, lab = data.simplex_mixture(3, 3, 6, seed=0)
        pr = tl.Problem(Xm, lab, "ce")
        st, _ = tl.random_balanced_init(6, 5, log_eps=math.log(0.3), seed=1, d_out=3)
    else:
        pr, st = _small_binary(p=3.0 if case == "prelu" else 1.0)
    t = np.linspace(0, 3.0, 7)
    W0, V0 = st.plain()
    plain = tl.plain_flow(pr, W0, V0, t, rtol=1e-11, atol=1e-13)
    bal = tl.balanced_flow(pr, st, t, rtol=1e-11, atol=1e-13)
    Wb = bal.U * np.exp(bal.logr)[:, None, :]
    # both are DOP853 solutions at rtol 1e-11; kinks cost accuracy, so allow 1e-7
    assert np.max(np.abs(Wb - plain.W)) < 1e-7 * np.max(np.abs(plain.W))
    assert np.exp(plain.loss[-1]) < np.exp(plain.loss[0]) or plain.loss[-1] < plain.loss[0]
    # the Euler scheme (R1) converges to the same trajectory at first order
    errs = []
    for dt in (4e-3, 2e-3, 1e-3):
        eu = tl.simulate(pr, st, dt=dt, t_end=3.0, record_every=int(round(0.5 / dt)))
        We = eu.U * np.exp(eu.logr)[:, None, :]
        errs.append(np.max(np.abs(We - plain.W)))
    assert errs[2] < 2e-3 * np.max(np.abs(plain.W))
    ratio = errs[0] / errs[1], errs[1] / errs[2]
    assert 1.5 < ratio[0] < 2.6 and 1.5 < ratio[1] < 2.6  # first order: halving dt halves the error


def test_inverse_loss_schedule_follows_the_same_orbit():
    pr, st = _small_binary()
    st = tl.simulate(pr, st, dt=1e-3, t_end=2.0).final  # start after the plateau
    errs = []
    for c in (5e-3, 2.5e-3):
        r2 = tl.simulate(pr, st, dt=c, steps=int(round(1.0 / c)), schedule="inverse_loss",
                         record_every=int(round(0.25 / c)))
        assert np.allclose(np.diff(r2.tau), 0.25)
        ref = tl.balanced_flow(pr, st, r2.t, rtol=1e-11, atol=1e-13)
        errs.append(max(np.max(np.abs(r2.U - ref.U)), np.max(np.abs(r2.logr - ref.logr))))
        assert np.allclose(np.exp(r2.log_t[1:]), r2.t[1:], rtol=1e-12)
    assert errs[1] < 1e-2
    assert 1.5 < errs[0] / errs[1] < 2.6  # first order in the tau step


def test_inverse_loss_schedule_reaches_tiny_losses_without_underflow():
    pr, st = _small_binary()
    run = tl.simulate(pr, st, dt=1e-2, steps=3000, schedule="inverse_loss", record_every=1000)
    assert np.all(np.isfinite(run.logL)) and run.logL[-1] < -50
    assert np.all(np.diff(run.logL[1:]) < 0)
    assert np.isfinite(tl.normalized_margin(pr, run.final)) and tl.normalized_margin(pr, run.final) > 0


def test_tiny_initialisation_runs_the_direction_flow():
    # With log eps = -1e4 the weights underflow to 0 and the run is the eps -> 0 flow;
    # it must agree with log eps = -800 (already e^{2 rho} = 0 in float64).
    pr, st = _small_binary(log_eps=-1e4)
    st2 = tl.BalancedState(st.U, st.B, st.logr - st.logr.max() - 800.0 + (st.logr - st.logr.max()) * 0)
    a = tl.simulate(pr, st, dt=1e-3, steps=500)
    b = tl.simulate(pr, st2, dt=1e-3, steps=500)
    assert np.array_equal(a.final.U, b.final.U)
    assert np.all(np.isfinite(a.final.logr))


def test_dead_neurons_are_frozen():
    X, y = data.orthosep_dead(0)
    pr = tl.Problem(X, y)
    U = -np.eye(10)[:, [1]]  # -e_2 lies inside S_dead
    st = tl.BalancedState(U, np.array([[1.0]]), np.array([-5.0]))
    run = tl.simulate(pr, st, dt=1e-3, steps=200)
    assert np.array_equal(run.final.U, U) and run.final.logr[0] == -5.0


def test_events_record_activation_changes():
    pr, st = _small_binary(log_eps=-30)
    run = tl.simulate(pr, st, dt=1e-3, steps=2000, record_every=1)
    pat = np.array([pr.X @ U > 0 for U in run.U])
    changes = np.argwhere(pat[1:] != pat[:-1])
    assert len(changes) == len(run.events["i"])
    assert np.array_equal(changes[:, 0] + 1, run.events["step"])
    assert np.array_equal(pat[run.events["step"], run.events["i"], run.events["j"]], run.events["on"])


def test_observer_and_stop():
    pr, st = _small_binary(log_eps=-30)
    seen = []
    run = tl.simulate(pr, st, dt=1e-3, steps=1000, observe=lambda i: seen.append(i.step) or i.t, observe_every=100,
                      stop=lambda i: i.t >= 0.5)
    assert run.stopped and run.steps_done == 500 and run.t[-1] == pytest.approx(0.5)
    assert [k for k, _ in run.observed] == list(range(0, 501, 100))


def test_simulate_is_reproducible():
    pr, st = _small_binary(log_eps=-30)
    a = tl.simulate(pr, st, dt=1e-3, steps=300)
    b = tl.simulate(pr, st, dt=1e-3, steps=300)
    assert np.array_equal(a.U, b.U) and np.array_equal(a.logr, b.logr)
    s1, W1 = tl.random_balanced_init(4, 5, log_eps=-3, seed=9)
    s2, W2 = tl.random_balanced_init(4, 5, log_eps=-3, seed=9)
    assert np.array_equal(W1, W2) and np.array_equal(s1.B, s2.B)


def test_gradient_descent_and_first_layer_only():
    pr, st = _small_binary()
    W0, V0 = st.plain()
    run = tl.gradient_descent(pr, W0, V0, 1e-2, 50, record_every=10,
                              observables={"vnorm": lambda W, V: np.linalg.norm(V)})
    assert run.loss[-1] < run.loss[0] and run.W.shape == (6, 4, 5) and run.observables["vnorm"].shape == (6,)
    first = tl.gradient_descent(pr, W0, V0, 1e-2, 50, train="first")
    assert np.array_equal(first.V[-1], V0)
    # one GD step equals theta - eta grad
    gW, gV, _ = tl.gradients(pr, W0, V0)
    one = tl.gradient_descent(pr, W0, V0, 1e-2, 1)
    assert np.allclose(one.W[-1], W0 - 1e-2 * gW, rtol=1e-14) and np.allclose(one.V[-1], V0 - 1e-2 * gV)


def test_torch_backend_matches_numpy():
    pytest.importorskip("torch")
    cases = [_small_binary(log_eps=-30), _small_binary(log_eps=-3, loss="logistic", p=3.0)]
    Xm, lab = data.simplex_mixture(3, 3, 6, seed=0)
    cases.append((tl.Problem(Xm, lab, "ce"), tl.random_balanced_init(6, 5, log_eps=-2, seed=1, d_out=3)[0]))
    X, y = data.orthosep(8, 4, seed=0)
    cases.append((tl.Problem(X, y, "exp", leaky=0.2), tl.random_balanced_init(4, 5, log_eps=-3, seed=2)[0]))
    for pr, st in cases:
        for schedule, dt in (("time", 1e-3), ("inverse_loss", 1e-2)):
            a = tl.simulate(pr, st, dt=dt, steps=400, schedule=schedule, record_every=100)
            b = tl.simulate(pr, st, dt=dt, steps=400, schedule=schedule, record_every=100, backend="torch")
            # identical algorithm in float64: differences are round-off (reduction order)
            assert np.max(np.abs(a.U - b.U)) < 1e-11 and np.max(np.abs(a.logr - b.logr)) < 1e-10
            assert np.max(np.abs(a.B - b.B)) < 1e-11 and np.allclose(a.logL, b.logL, rtol=1e-10)
            for key in ("step", "i", "j", "on"):
                assert np.array_equal(a.events[key], b.events[key])


# -- measurements ---------------------------------------------------------------------------
def test_cone_labels_and_alignment():
    X = np.array([[1.0, 0.2], [1.0, -0.2], [-1.0, 0.3]])
    y = np.array([1.0, 1.0, -1.0])
    W = np.array([[1.0, -1.0, 0.0, 1.0], [0.0, 0.0, -1.0, 10.0]])
    assert list(tl.cone_labels(X, y, W)) == [tl.PLUS, tl.MINUS, tl.OTHER, tl.OTHER]
    Wd = np.array([[0.0], [0.0]]) + np.array([[1e-3], [0.0]]) * 0  # zero column: dead by the strict mask
    assert tl.cone_labels(X, y, np.array([[-0.1], [-5.0]]))[0] == tl.OTHER
    assert tl.cone_labels(X[:2], y[:2], np.array([[-1.0], [0.0]]))[0] == tl.DEAD
    assert tl.is_aligned(X, y, W[:, :2], [1.0, -1.0]) and not tl.is_aligned(X, y, W[:, :2], [-1.0, -1.0])
    xa, na = tl.signed_active_sum(X, y, W[:, :1])
    assert np.allclose(xa[:, 0], X[0] + X[1]) and na[0] == 2
    xa, _ = tl.signed_active_sum(X, y, W[:, :1], leaky=0.5)
    assert np.allclose(xa[:, 0], X[0] + X[1] - 0.5 * X[2])
    del Wd


def test_stable_rank_of_balanced_state_without_underflow():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 4))
    st = tl.BalancedState.from_plain(W, np.linalg.norm(W, axis=0))
    tiny = tl.BalancedState(st.U, st.B, st.logr - 1000.0)
    assert tl.stable_rank(tiny) == pytest.approx(tl.stable_rank(W), rel=1e-12)
    assert tl.stable_rank(np.outer([1, 2, 3.0], [1, 1.0])) == pytest.approx(1.0)


def test_one_class_max_margin():
    g, u = tl.one_class_max_margin(np.eye(2))
    assert g == pytest.approx(1 / math.sqrt(2), rel=1e-14) and np.allclose(u, [2 ** -0.5] * 2)
    from scipy.optimize import minimize

    for seed in range(5):
        X, y = data.orthosep(12, 5, seed=seed, offset=0.0, noise=0.6)
        Xk = X[y > 0]
        g, u = tl.one_class_max_margin(Xk)
        assert np.linalg.norm(u) == pytest.approx(1.0) and np.min(Xk @ u) == pytest.approx(g, rel=1e-12)
        # primal SLSQP from a feasible start reaches the same margin (to its own accuracy)
        res = minimize(lambda w: w @ w, Xk.mean(0) / np.min(Xk @ Xk.mean(0)), jac=lambda w: 2 * w,
                       constraints=[{"type": "ineq", "fun": lambda w: Xk @ w - 1, "jac": lambda w: Xk}],
                       method="SLSQP", options={"ftol": 1e-15, "maxiter": 500})
        assert 1 / np.linalg.norm(res.x) == pytest.approx(g, rel=1e-7)
        # no unit vector does better: random directions near u
        rng = np.random.default_rng(seed)
        for _ in range(200):
            v = u + 0.05 * rng.standard_normal(5)
            assert np.min(Xk @ v) / np.linalg.norm(v) <= g + 1e-12
    with pytest.raises(ValueError):
        tl.one_class_max_margin(np.array([[1.0, 0.0], [-1.0, 0.0]]))


def test_normalized_margin_is_scale_invariant():
    pr, st = _small_binary()
    m1 = tl.normalized_margin(pr, st)
    m2 = tl.normalized_margin(pr, tl.BalancedState(st.U, st.B, st.logr + 7.0))
    assert m1 == pytest.approx(m2, rel=1e-12)
    W, V = st.plain()
    direct = np.min(pr.y * tl.forward(pr.X, W, V)) / (np.sum(W ** 2) + np.sum(V ** 2))
    assert m1 == pytest.approx(direct, rel=1e-12)


def test_nc_metrics_on_collapsed_and_uncollapsed_features():
    K, h = 3, 6
    M = np.zeros((K, h))
    M[0, :2], M[1, 2:4], M[2, 4:] = 1.0, 1.0, 1.0  # orthogonal non-negative class means
    labels = np.repeat(np.arange(K), 4)
    H = M[labels]
    E = data.pseudo_labels(K)
    V = E @ M  # the self-dual classifier with equal scales
    nc = tl.nc_metrics(H, labels, V)
    assert nc["NC1"] == pytest.approx(0.0, abs=1e-15) and nc["NC2"] == pytest.approx(0.0, abs=1e-14)
    assert nc["NC3"] == pytest.approx(0.0, abs=1e-12)
    # directional collapse with varying lengths: cosine 1 but NC1 > 0
    Hs = H * np.linspace(0.5, 1.5, H.shape[0])[:, None]
    assert np.allclose(tl.within_class_cosine(Hs, labels), 1.0) and tl.nc_metrics(Hs, labels)["NC1"] > 0.01
    # a simplex ETF of means is not an orthogonal frame: NC2 > 0
    assert tl.nc_metrics(E.T[labels], labels)["NC2"] > 0.5


def test_features_match_forward():
    rng = np.random.default_rng(1)
    X, W, V = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    assert np.allclose(tl.features(X, W, p=2.0) @ V, tl.forward(X, W, V, p=2.0))


# -- validation -----------------------------------------------------------------------------
def test_problem_validation():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="y"):
        tl.Problem(X, [1.0, 0.5, -1.0])
    with pytest.raises(ValueError, match="y"):
        tl.Problem(X, [1.0, -1.0])
    with pytest.raises(ValueError, match="X"):
        tl.Problem(np.array([[np.nan, 1.0]] * 3), [1.0, -1.0, 1.0])
    with pytest.raises(TypeError, match="X"):
        tl.Problem("abc", [1.0])
    with pytest.raises(ValueError, match="loss"):
        tl.Problem(X, [1.0, -1.0, 1.0], "hinge")
    with pytest.raises(ValueError, match="leaky"):
        tl.Problem(X, [1.0, -1.0, 1.0], p=2.0, leaky=0.1)
    with pytest.raises(ValueError, match="p"):
        tl.Problem(X, [1.0, -1.0, 1.0], p=0.5)
    with pytest.raises(ValueError, match="y"):
        tl.Problem(X, [0, 1, 7], "ce", n_classes=3)


def test_simulator_validation():
    pr, st = _small_binary()
    with pytest.raises(ValueError, match="dt"):
        tl.simulate(pr, st, dt=-1.0, steps=3)
    with pytest.raises(ValueError, match="steps"):
        tl.simulate(pr, st, dt=1e-3)
    with pytest.raises(ValueError, match="schedule"):
        tl.simulate(pr, st, dt=1e-3, steps=3, schedule="adaptive")
    with pytest.raises(ValueError, match="backend"):
        tl.simulate(pr, st, dt=1e-3, steps=3, backend="jax")
    with pytest.raises(TypeError, match="state"):
        tl.simulate(pr, (st.U, st.B), dt=1e-3, steps=3)
    with pytest.raises(ValueError, match="U"):
        tl.BalancedState(2 * st.U, st.B, st.logr)
    with pytest.raises(ValueError, match="balanced"):
        tl.BalancedState.from_plain(np.eye(2), np.array([1.0, 3.0]))
    with pytest.raises(ValueError, match="W0"):
        tl.balanced_init(np.zeros((2, 2)), [1.0, -1.0], -3.0)
    with pytest.raises(ValueError, match="W"):
        tl.gradients(pr, np.ones((3, 5)), np.ones(5))
    with pytest.raises(ValueError, match="V"):
        tl.gradients(pr, np.ones((4, 5)), np.ones(4))
