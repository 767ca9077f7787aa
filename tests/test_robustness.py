"""Unit tests of :mod:`numerics.robustness`: the attacks find the exact minimal flipping
perturbation wherever a closed form exists, never report a flip that is not one, and are
seeded; closed-form radii, curves, distances, oracles and the optimiser."""
from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import data
from numerics import robustness as rb
from numerics import two_layer as tl
from numerics.fit import loglog_fit
from theorems import prelu_robustness as pr

K, K1 = 10, 6
SQ2 = math.sqrt(2) / 2


def _linear(w, b=0.0):
    w = np.asarray(w, float)
    return (lambda Z: Z @ w + b), (lambda Z: np.broadcast_to(w, Z.shape).copy())


def _span(alpha, d, n, seed, k=K, k1=K1):
    """Centre coordinates of the orthonormal mixture (the reference classifiers see only
    these; see checks/test_prelu_robustness.py)."""
    return data.gmm_sample(k, k1, k, alpha * math.sqrt(k / d), seed=seed, n=n)


def _starts(k1=K1, k=K, dim=K):
    E, lab = pr.centers(k, dim), pr.center_labels(k1, k)
    return lambda X, y, r: rb.structure_aware_starts(X, y, r, E, lab)


def _taylor_slope(fun, grad, x, seed=0):
    """Slope of log|f(x + h d) - f(x) - h <grad f, d>| against log h (2 for a correct gradient)."""
    d = np.random.default_rng(seed).standard_normal(x.shape)
    f0, g0 = fun(x[None])[0], grad(x[None])[0]
    hs = np.geomspace(1e-2, 1e-4, 6)
    err = [abs(fun((x + h * d)[None])[0] - f0 - h * g0 @ d) for h in hs]
    return loglog_fit(hs, np.asarray(err)).slope


# ---------------------------------------------------------------------------------------
# the attack finds the exact minimal perturbation where a closed form exists
# ---------------------------------------------------------------------------------------
# Tolerance of the bisection: the radius is bracketed to 1e-4; the attack's own error
# (how close its best iterate gets to the flipping boundary) adds at most 1e-4 relative on
# these piecewise-linear / smooth models. Soundness (never below the exact radius) is
# exact: a found flip is a flip.
BISECT_TOL = 1e-4


def test_attack_finds_exact_radius_of_linear_classifier():
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal(8), 0.3
    X = rng.standard_normal((200, 8))
    f, g = _linear(w, b)
    y = np.sign(f(X))
    exact = rb.linear_flip_radius(X, y, w, b)
    found, delta = rb.attack_flip_radius(f, g, X, y, r_max=10.0, tol=BISECT_TOL)
    assert np.all(found >= exact - 1e-12)                       # sound: cannot beat the exact radius
    np.testing.assert_allclose(found, exact, atol=2 * BISECT_TOL)  # and finds it (zero start, linear model)
    assert np.all(y * f(X + delta) <= 1e-12)
    assert np.all(np.linalg.norm(delta, axis=1) <= found + 1e-12)


@pytest.mark.parametrize("via", ["closed_form", "two_layer"])
def test_attack_finds_exact_radius_of_relu_reference(via):
    X, y, _ = _span(0.3, 200, 300, seed=1)
    if via == "closed_form":
        f, g = (lambda Z: pr.relu_reference(Z, K1, K)), (lambda Z: pr.relu_reference_grad(Z, K1, K))
    else:  # the same F as a two-layer network: gradients from two_layer.input_gradient
        f, g = rb.network_oracle(*pr.relu_reference_weights(K1, K, K), p=1.0)
    exact = pr.relu_reference_flip_radius(X, y, K1, K)
    found, delta = rb.attack_flip_radius(f, g, X, y, r_max=1.0, starts_fn=_starts(), tol=BISECT_TOL)
    ok = exact > 0
    assert np.all(found[ok] >= exact[ok] - 1e-12)
    np.testing.assert_allclose(found, exact, atol=2 * BISECT_TOL)
    assert np.all(y[ok] * f(X[ok] + delta[ok]) <= 0)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 4.0])
def test_attack_finds_exact_radius_of_prelu_reference_at_centres(p):
    f, g = rb.network_oracle(*pr.prelu_reference_weights(K1, K, K), p=p)
    X = np.eye(K)
    y = pr.center_labels(K1, K)
    exact = np.array([pr.centre_flip_radius("prelu", K1, K - K1, p, int(s)) for s in y])
    # p = 1: the optimal direction (own centre down, all opposite centres up) is 45 degrees
    # from both kinds of start, so the attack needs more and slower-decaying steps than the
    # card's 50 x 0.95 to converge to 1e-4.
    kw = {"steps": 400, "step": 0.1, "decay": 0.99} if p == 1 else {}
    found, _ = rb.attack_flip_radius(f, g, X, y, r_max=1.0, starts_fn=_starts(), tol=BISECT_TOL, **kw)
    np.testing.assert_allclose(found, exact, atol=3 * BISECT_TOL)
    assert np.all(found >= exact - 1e-12)


def test_attack_finds_exact_radius_of_nearest_cluster_rule():
    X, y, _ = _span(0.2, 100, 300, seed=2)
    f = lambda Z: pr.nearest_cluster_rule(Z, K1, K)  # noqa: E731
    def g(Z):
        C = Z[:, :K]
        G = np.zeros_like(Z)
        G[np.arange(len(Z)), np.argmax(C[:, :K1], 1)] = 1.0
        G[np.arange(len(Z)), K1 + np.argmax(C[:, K1:], 1)] = -1.0
        return G
    exact = pr.nearest_cluster_flip_radius(X, y, K1, K)
    found, _ = rb.attack_flip_radius(f, g, X, y, r_max=1.5, starts_fn=_starts(), tol=BISECT_TOL)
    assert np.all(found >= exact - 1e-12)
    np.testing.assert_allclose(found, exact, atol=2 * BISECT_TOL)


def test_zero_start_pgd_under_attacks_the_reference():
    """Why the structure-aware starts exist (card, 'Attack strength')."""
    X, y, _ = _span(0.2, 100, 500, seed=3)
    f, g = (lambda Z: pr.prelu_reference(Z, K1, K, 3.0)), (lambda Z: pr.prelu_reference_grad(Z, K1, K, 3.0))
    r = np.full(500, 0.8)
    zero = rb.pgd_l2(f, g, X, y, r).robust_accuracy
    smart = rb.pgd_l2(f, g, X, y, r, starts=_starts()(X, y, r)).robust_accuracy
    assert smart == 0.0 and zero > 0.5


def test_pgd_results_are_feasible_and_consistent():
    X, y, _ = _span(0.2, 100, 400, seed=4)
    f, g = rb.network_oracle(*pr.prelu_reference_weights(K1, K, K), p=3.0)
    r = np.random.default_rng(0).uniform(0.3, 0.9, 400)
    res = rb.pgd_l2(f, g, X, y, r, starts=_starts()(X, y, r), n_random=2, seed=1)
    assert np.all(np.linalg.norm(res.delta, axis=1) <= r * (1 + 1e-12))
    np.testing.assert_allclose(res.margin, y * f(X + res.delta), rtol=1e-12, atol=1e-15)
    assert np.all(res.margin <= res.clean_margin)
    assert np.array_equal(res.success, res.margin <= 0)
    full = rb.pgd_l2(f, g, X, y, r, starts=_starts()(X, y, r), early_stop=False)
    assert np.array_equal(full.success, rb.pgd_l2(f, g, X, y, r, starts=_starts()(X, y, r)).success)


def test_pgd_is_seeded():
    X, y, _ = _span(0.2, 100, 100, seed=5)
    f, g = (lambda Z: pr.prelu_reference(Z, K1, K, 3.0)), (lambda Z: pr.prelu_reference_grad(Z, K1, K, 3.0))
    a = rb.pgd_l2(f, g, X, y, 0.7, n_random=3, seed=7)
    b = rb.pgd_l2(f, g, X, y, 0.7, n_random=3, seed=7)
    c = rb.pgd_l2(f, g, X, y, 0.7, n_random=3, seed=8)
    assert np.array_equal(a.delta, b.delta)
    assert not np.array_equal(a.delta, c.delta)


def test_structure_aware_starts_geometry():
    X, y, _ = _span(0.1, 100, 50, seed=6)
    r = np.full(50, 0.5)
    S = _starts()(X, y, r)
    assert S.shape == (2 + max(K1, K - K1), 50, K)
    assert np.all(S[0] == 0)
    nrm = np.linalg.norm(S, axis=2)
    n_opp = np.where(y > 0, K - K1, K1)  # opposite centres; the remaining starts repeat the zero start
    for i in range(50):
        np.testing.assert_allclose(nrm[1:2 + n_opp[i], i], 0.5)
        assert np.all(nrm[2 + n_opp[i]:, i] == 0)
    # start 1 is -y (mu_+ - mu_-)/sqrt K
    dy = np.where(np.arange(K) < K1, 1.0, -1.0) / math.sqrt(K)
    np.testing.assert_allclose(S[1], -0.5 * y[:, None] * dy)
    # a positive point's centre starts move from its own centre toward a negative one
    i = int(np.flatnonzero(y > 0)[0])
    k_hat = int(np.argmax(X[i, :K1]))
    for s in range(2, 2 + (K - K1)):
        v = S[s, i]
        assert v[k_hat] == pytest.approx(-0.5 / math.sqrt(2))
        assert np.max(v[K1:]) == pytest.approx(0.5 / math.sqrt(2))


def test_pgd_linf_finds_linear_radius_and_respects_the_box():
    rng = np.random.default_rng(1)
    w = rng.standard_normal(6)
    X = rng.uniform(0.3, 0.7, (100, 6))
    f, g = _linear(w, -float(np.mean(X @ w)))
    y = np.sign(f(X))
    exact = y * f(X) / np.sum(np.abs(w))  # minimal l_inf flip of a linear model (no box active)
    for fac, expect in ((1.001, True), (0.999, False)):
        eps = float(np.median(exact)) * fac
        res = rb.pgd_linf(f, g, X, y, eps, steps=40, step=eps / 4, box=None)
        assert np.all(np.abs(res.delta) <= eps + 1e-15)
        np.testing.assert_array_equal(res.success, exact <= eps if expect else exact < eps)
    res = rb.pgd_linf(f, g, X, y, 0.5, steps=10)
    Z = X + res.delta
    assert Z.min() >= 0 and Z.max() <= 1


# ---------------------------------------------------------------------------------------
# closed-form radii and SLSQP
# ---------------------------------------------------------------------------------------
def test_halfspace_union_radius_is_the_relu_reference_radius():
    X, y, _ = _span(0.3, 100, 500, seed=7)
    mp = np.where(np.arange(K) < K1, 1.0, 0.0)
    mm = 1.0 - mp
    own = np.where(y[:, None] > 0, mp, mm)
    opp = np.where(y[:, None] > 0, mm, mp)
    normals = np.stack([own, own - opp], axis=1)  # {<x, mu_own> <= 0} u {<x, mu_own - mu_opp> <= 0}
    got = rb.halfspace_union_flip_radius(X, normals, np.zeros(2))
    np.testing.assert_allclose(got, pr.relu_reference_flip_radius(X, y, K1, K), rtol=1e-13, atol=1e-15)


def test_slsqp_matches_closed_forms():
    rng = np.random.default_rng(2)
    w = rng.standard_normal(5)
    f, g = _linear(w, 0.2)
    x = rng.standard_normal(5)
    y = float(np.sign(f(x[None])[0]))
    r, d = rb.slsqp_flip_radius(f, g, x, y, n_starts=5, seed=0)
    assert r == pytest.approx(float(rb.linear_flip_radius(x[None], [y], w, 0.2)[0]), rel=1e-8)
    assert y * f((x + d)[None])[0] <= 1e-10
    assert rb.slsqp_flip_radius(f, g, x, -y, n_starts=2, seed=0)[0] == 0.0  # already misclassified


# ---------------------------------------------------------------------------------------
# curves
# ---------------------------------------------------------------------------------------
def test_exact_robust_accuracy_and_crossings():
    fr = np.array([0.0, 0.1, 0.2, 0.3, np.inf])
    np.testing.assert_allclose(rb.exact_robust_accuracy(fr, [0.0, 0.15, 0.3, 1.0]), [0.8, 0.6, 0.2, 0.2])
    radii = np.array([0.0, 1.0, 2.0])
    ra = np.array([1.0, 0.6, 0.0])
    assert rb.r50(radii, ra) == pytest.approx(1.0 + 0.1 / 0.6)
    assert rb.crossing_radius(radii, ra, 0.9) == pytest.approx(0.25)
    assert rb.transition_width(radii, ra) == pytest.approx((1 + 0.5 / 0.6) - 0.25)
    assert math.isnan(rb.crossing_radius(radii, [1.0, 0.9, 0.8], 0.5))
    with pytest.raises(ValueError, match="radii"):
        rb.r50([0.0, 0.0], [1.0, 0.0])


def test_robust_accuracy_curve_of_relu_reference_matches_exact():
    X, y, _ = _span(0.3, 200, 1000, seed=8)
    f, g = rb.network_oracle(*pr.relu_reference_weights(K1, K, K), p=1.0)
    radii = np.array([0.28, 0.30, 0.316, 0.33])
    att = rb.robust_accuracy(f, g, X, y, radii, starts_fn=_starts())
    ex = rb.exact_robust_accuracy(pr.relu_reference_flip_radius(X, y, K1, K), radii)
    np.testing.assert_allclose(att, ex)  # the card's attack is tight on F


# ---------------------------------------------------------------------------------------
# sup-distance
# ---------------------------------------------------------------------------------------
def test_sup_distance_recovers_a_known_perturbation():
    d, nu = 20, 1e-2
    rng = np.random.default_rng(3)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    Wf, vf = pr.prelu_reference_weights(K1, K, d)
    f, g = rb.network_oracle(np.concatenate([Wf, w[:, None]], 1), np.concatenate([vf, [nu]]), p=3.0)
    F, G = rb.network_oracle(Wf, vf, p=3.0)
    P = rb.sphere_probes(pr.centers(K, d), 500, seed=0)
    val, arg, c = rb.sup_distance(f, g, F, G, P, c=1.0)
    assert c == 1.0
    assert val == pytest.approx(nu, rel=1e-6)  # |f - F| = nu sigma^3(<x, w>) <= nu, equality at x = w
    assert arg @ w == pytest.approx(1.0, abs=1e-3)
    f2 = lambda Z: 2 * F(Z)  # noqa: E731
    g2 = lambda Z: 2 * G(Z)  # noqa: E731
    val2, _, c2 = rb.sup_distance(f2, g2, F, G, P)
    assert c2 == pytest.approx(0.5) and val2 == pytest.approx(0.0, abs=1e-14)


def test_sphere_probes():
    E = pr.centers(4, 12)
    P = rb.sphere_probes(E, 100, seed=0, extra=np.ones((1, 12)))
    assert P.shape == (100 + 4 + 6 + 1, 12)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0)
    assert np.array_equal(P[100:104], E)
    np.testing.assert_array_equal(rb.sphere_probes(E, 50, seed=3), rb.sphere_probes(E, 50, seed=3))


# ---------------------------------------------------------------------------------------
# oracles and training
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2.0, 3.0])
def test_network_oracle_gradient_taylor(p):
    rng = np.random.default_rng(4)
    W, V = rng.standard_normal((7, 5)), rng.standard_normal(5)
    f, g = rb.network_oracle(W, V, p=p)
    assert _taylor_slope(f, g, rng.standard_normal(7)) == pytest.approx(2.0, abs=0.1)


def test_network_oracle_with_two_logits():
    rng = np.random.default_rng(5)
    W, V = rng.standard_normal((6, 4)), rng.standard_normal((2, 4))
    f, g = rb.network_oracle(W, V, p=2.0, output_weights=[-1.0, 1.0])
    X = rng.standard_normal((3, 6))
    out = tl.forward(X, W, V, p=2.0)
    np.testing.assert_allclose(f(X), out[:, 1] - out[:, 0])
    assert _taylor_slope(f, g, X[0]) == pytest.approx(2.0, abs=0.1)
    with pytest.raises(ValueError, match="output_weights"):
        rb.network_oracle(W, V)


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_normalized_input_oracle(p):
    rng = np.random.default_rng(6)
    W, V = rng.standard_normal((6, 8)), rng.standard_normal(8)
    c = rng.standard_normal(6)
    f, g = rb.network_oracle(W, V, p=p)
    h, gh = rb.normalized_input_oracle(f, g, c, p=p)
    X = rng.standard_normal((4, 6))
    Z = X - c
    # the code's normalize_input network: ||x - c||^(1 - p) f_p(x - c), 1-homogeneous in x - c
    np.testing.assert_allclose(h(X), np.linalg.norm(Z, axis=1) ** (1 - p) * f(Z), rtol=1e-12)
    np.testing.assert_allclose(h(c + 3.0 * Z), 3.0 * h(X), rtol=1e-12)
    if p > 1:
        assert _taylor_slope(h, gh, X[0]) == pytest.approx(2.0, abs=0.1)
    with pytest.raises(ValueError, match="centre"):
        h(c[None])


def test_adam_train_decreases_the_loss_and_is_deterministic():
    X, t = data.digits((0, 1))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    prob = tl.Problem(Xn, t, "ce", p=2.0, loss_scale=1.0 / len(t))
    rng = np.random.default_rng(0)
    W0, V0 = rng.uniform(-0.1, 0.1, (64, 10)), rng.uniform(-0.3, 0.3, (2, 10))
    L0 = tl.loss_value(prob, W0, V0)
    W, V, L = rb.adam_train(prob, W0, V0, lr=1e-2, steps=30)
    W2, V2, L2 = rb.adam_train(prob, W0, V0, lr=1e-2, steps=30)
    assert L < 0.5 * L0
    assert np.array_equal(W, W2) and L == L2
    with pytest.raises(TypeError, match="problem"):
        rb.adam_train("nope", W0, V0)
    with pytest.raises(ValueError, match="lr"):
        rb.adam_train(prob, W0, V0, lr=-1.0)


# ---------------------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------------------
def test_validation_errors_name_the_argument():
    f, g = _linear(np.ones(3))
    X, y = np.ones((2, 3)), np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="radius"):
        rb.pgd_l2(f, g, X, y, -1.0)
    with pytest.raises(ValueError, match="radius"):
        rb.pgd_l2(f, g, X, y, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y"):
        rb.pgd_l2(f, g, X, [1.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="starts"):
        rb.pgd_l2(f, g, X, y, 0.1, starts=np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match="X"):
        rb.pgd_l2(f, g, np.array([[np.nan, 0, 0]]), [1.0], 0.1)
    with pytest.raises(ValueError, match="seed"):
        rb.pgd_l2(f, g, X, y, 0.1, n_random=1)
    with pytest.raises(TypeError, match="callables"):
        rb.pgd_l2(None, g, X, y, 0.1)
    with pytest.raises(TypeError, match="steps"):
        rb.pgd_l2(f, g, X, y, 0.1, steps=2.5)
    with pytest.raises(ValueError, match="eps"):
        rb.pgd_linf(f, g, X, y, -0.1)
    with pytest.raises(ValueError, match="w"):
        rb.linear_flip_radius(X, y, np.zeros(3))
    with pytest.raises(ValueError, match="normals"):
        rb.halfspace_union_flip_radius(X, np.ones((2, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="center_labels"):
        rb.structure_aware_starts(X, y, 0.1, np.eye(3), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="probes"):
        rb.sup_distance(f, g, f, g, 2 * np.eye(3))
    with pytest.raises(ValueError, match="flip_radii"):
        rb.exact_robust_accuracy([-1.0], [0.1])
