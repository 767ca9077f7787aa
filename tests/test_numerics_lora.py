"""numerics.lora: gradients, problem construction, initialisations, per-mode system, the vision substitute."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import lora
from numerics.fit import loglog_fit


def _state(rng, m, n, h, r, s=0.5):
    return (s * rng.standard_normal((r, n)), s * rng.standard_normal((h, r)),
            s * rng.standard_normal((r, h)), s * rng.standard_normal((m, r)))


@pytest.fixture(scope="module")
def small():
    return lora.make_problem(3, m=5, n=4, h=7, amp=2.0)


# -- gradients ------------------------------------------------------------------------------


def test_taylor_remainder_has_slope_two(small):
    """|L(x + e d) - L(x) - e <grad L, d>| = O(e^2): the first-order model's error halves twice per halving."""
    rng = np.random.default_rng(0)
    st = _state(rng, 5, 4, 7, 3)
    d = _state(rng, 5, 4, 7, 3)
    L0 = lora.loss(small.W1, small.W2, small.Y_ft, *st)
    g = lora.gradients(small.W1, small.W2, small.Y_ft, *st)
    slope_dir = sum(float(np.sum(gi * di)) for gi, di in zip(g, d))
    eps = 2.0 ** -np.arange(4, 14)
    err = np.array([abs(lora.loss(small.W1, small.W2, small.Y_ft, *(s + e * di for s, di in zip(st, d)))
                        - L0 - e * slope_dir) for e in eps])
    fit = loglog_fit(eps, err)
    assert fit.ci_low <= 2.0 <= fit.ci_high or abs(fit.slope - 2.0) < 0.05, fit
    # a wrong gradient (one block scaled) leaves an O(e) error: slope 1
    bad = slope_dir + 0.1 * float(np.sum(g[0] * d[0]))
    eps_small = 2.0 ** -np.arange(10, 18)  # where the O(e) term dominates the O(e^2) one
    err_bad = np.array([abs(lora.loss(small.W1, small.W2, small.Y_ft, *(s + e * di for s, di in zip(st, d)))
                            - L0 - e * bad) for e in eps_small])
    assert abs(loglog_fit(eps_small, err_bad).slope - 1.0) < 0.05


def test_gradient_matches_complex_step(small):
    rng = np.random.default_rng(1)
    st = _state(rng, 5, 4, 7, 3)
    g = lora.gradients(small.W1, small.W2, small.Y_ft, *st)
    ref = lora.complex_step_gradient(small.W1, small.W2, small.Y_ft, *st)
    for a, b in zip(g, ref):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


def test_flat_gradient_and_vector_field(small):
    rng = np.random.default_rng(2)
    st = _state(rng, 5, 4, 7, 3)
    grad, layout = lora.flat_gradient(small, 3)
    x = lora.pack(*st)
    assert np.allclose(grad(x), lora.pack(*lora.gradients(small.W1, small.W2, small.Y_ft, *st)))
    assert np.allclose(lora.pack(*lora.vector_field(small.W1, small.W2, small.Y_ft, *st)), -grad(x))
    back = lora.unpack(x, layout)
    assert all(np.array_equal(a, b) for a, b in zip(back, st))
    assert layout.size == x.size


def test_loss_and_residual(small):
    z = (np.zeros((2, 4)), np.zeros((7, 2)), np.zeros((2, 7)), np.zeros((5, 2)))
    assert np.allclose(lora.residual(small.W1, small.W2, small.Y_ft, *z), small.dY)
    assert lora.loss(small.W1, small.W2, small.Y_ft, *z) == pytest.approx(0.5 * 2.0 ** 2, rel=1e-12)


# -- problems ---------------------------------------------------------------------------------


def test_make_problem_satisfies_assumptions():
    P = lora.make_problem(0)
    m, n, h = P.shape
    assert (m, n, h) == (10, 10, 100)
    assert np.allclose(P.W2 @ P.W1, P.Y_pre, atol=1e-12)
    G = P.G
    assert np.allclose(P.W2, P.scale * (P.U_Y[:, :10] * np.sqrt(P.s_pre)) @ G.T)
    # delta_w = sigma_W1/sigma_W2 = scale^-2 on every mode
    s1 = np.linalg.svd(P.W1, compute_uv=False)[:10]
    s2 = np.linalg.svd(P.W2, compute_uv=False)[:10]
    assert np.allclose(s1 / s2, 1 / 1.05 ** 2)
    q = P.rank_one()
    assert q["index"] == 0 and q["sig"] == pytest.approx(5.0)
    assert np.allclose(P.dY, 5.0 * np.outer(q["u"], q["v"]))
    assert np.allclose(P.W2 @ q["g"], q["sW2"] * q["u"]) and np.allclose(P.W1 @ q["v"], q["sW1"] * q["g"])
    assert lora.make_problem(0, pair="bottom").rank_one()["index"] == 9


def test_make_problem_is_seeded():
    a, b, c = lora.make_problem(5), lora.make_problem(5), lora.make_problem(6)
    assert np.array_equal(a.W1, b.W1) and np.array_equal(a.Y_ft, b.Y_ft)
    assert not np.allclose(a.Y_pre, c.Y_pre)


def test_pretrained_factors():
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((4, 6))
    G = lora.haar_orthogonal(9, rng)
    W1, W2 = lora.pretrained_factors(Y, G, 2.0)
    assert np.allclose(W2 @ W1, Y)
    with pytest.raises(ValueError, match="G"):
        lora.pretrained_factors(Y, rng.standard_normal((9, 9)), 2.0)
    with pytest.raises(ValueError, match="scale"):
        lora.pretrained_factors(Y, G, -1.0)


def test_make_problem_from_explicit_G():
    P = lora.make_problem_from(np.diag([100.0, 1.0]), [0.0, 1.5], h=2, scale=1.0, G_full=np.eye(2))
    assert np.allclose(P.W1, np.diag([10.0, 1.0])) and np.allclose(P.W2, np.diag([10.0, 1.0]))
    assert np.allclose(P.Y_ft, np.diag([100.0, 2.5]))
    with pytest.raises(ValueError, match="G_full"):
        lora.make_problem_from(np.diag([100.0, 1.0]), [0.0, 1.5], h=2, scale=1.0, G_full=2 * np.eye(2))


def test_rank_one_requires_rank_one():
    P = lora.make_problem_from(np.random.default_rng(0).standard_normal((4, 4)), [1.0, 2.0, 0, 0], h=5,
                               scale=1.1, seed=0)
    with pytest.raises(ValueError, match="rank one"):
        P.rank_one()
    assert list(P.support) == [0, 1]


# -- initialisations ------------------------------------------------------------------------------


def test_small_init():
    P = lora.make_problem(0)
    A1, B1, A2, B2 = lora.small_init(P, 4, 1e-3, 7)
    assert not B1.any() and not B2.any()
    assert A1.shape == (4, 10) and A2.shape == (4, 100)
    assert 0.7e-3 < np.std(A2) < 1.3e-3  # 400 draws: std error ~4%
    again = lora.small_init(P, 4, 1e-3, 7)
    assert np.array_equal(again[0], A1)
    with pytest.raises(ValueError, match="seed"):
        lora.small_init(P, 4, 1e-3, None)


def test_spectral_init_structure():
    rng = np.random.default_rng(4)
    s = np.zeros(6)
    s[[1, 4]] = [2.0, 0.7]
    P = lora.make_problem_from(rng.standard_normal((6, 6)), s, h=12, scale=1.2, seed=rng)
    si = lora.spectral_init(P, 3, 1e-2, 9)
    assert list(si["pairing"]) == [1, 4, 0]
    assert lora.off_pattern(P, si, si["A1"], si["B1"], si["A2"], si["B2"]) < 1e-15
    a1, b1, a2, b2 = lora.rotated_factors(P, si, si["A1"], si["B1"], si["A2"], si["B2"])
    assert np.allclose(a1, np.diag(np.diag(a1))) and not b1.any()
    with pytest.raises(ValueError, match="rank"):
        lora.spectral_init(P, 1, 1e-2, 9)


def test_spectral_decouples_into_modes():
    """Full-matrix gradient flow from the spectral init equals the per-mode ODEs (Sec. 4)."""
    rng = np.random.default_rng(5)
    s = np.zeros(5)
    s[[0, 3]] = [2.0, 1.0]
    P = lora.make_problem_from(rng.standard_normal((5, 5)), s, h=9, scale=1.3, seed=rng)
    si = lora.spectral_init(P, 2, 1e-2, 3)
    t = np.linspace(0, 6, 25)
    tr, layout = lora.run_gf(P, (si["A1"], si["B1"], si["A2"], si["B2"]), t, rtol=1e-11, atol=1e-14)
    for j, i in enumerate(si["pairing"]):
        x0 = [np.diag(lora.rotated_factors(P, si, si["A1"], si["B1"], si["A2"], si["B2"])[0])[j], 0.0,
              np.diag(lora.rotated_factors(P, si, si["A1"], si["B1"], si["A2"], si["B2"])[2])[j], 0.0]
        mode = lora.integrate_mode(P.sW1[i], P.sW2[i], P.s_dY[i], x0, t)
        full = []
        for x in tr.y:
            a1, b1, a2, b2 = lora.rotated_factors(P, si, *lora.unpack(x, layout))
            full.append([a1[j, j], b1[i, j], a2[j, j], b2[i, j]])
        # both integrated at rtol ~1e-11 on O(1) values
        assert np.allclose(np.array(full), mode.y, atol=1e-8)
    assert mode.observables["ell"][-1] < 1e-6  # the slot converged


def test_printed_rotation_breaks_the_pattern():
    rng = np.random.default_rng(6)
    s = np.zeros(5)
    s[[0, 2]] = [2.0, 1.0]
    P = lora.make_problem_from(rng.standard_normal((5, 5)), s, h=9, scale=1.3, seed=rng)
    # r = 3: a 2 x 2 Haar draw may be a reflection, which is symmetric, and then the printed
    # rotation coincides with the corrected one
    si = lora.spectral_init(P, 3, 1e-2, 3)
    assert not np.allclose(si["G11"], si["G11"].T)
    tr, layout = lora.run_gd(P, (si["A1"], si["B1"], si["A2"], si["B2"]), 1e-2, 600, record_every=600)
    fac = lora.unpack(tr.y[-1], layout)
    assert lora.off_pattern(P, si, *fac) < 1e-12
    assert lora.off_pattern(P, si, *fac, printed=True) > 1e-3


# -- drivers ------------------------------------------------------------------------------------------


def test_gd_tracks_gf_and_conserves_imbalance(small):
    rng = np.random.default_rng(7)
    init = lora.small_init(small, 2, 0.1, rng)
    T = 1.0
    gf, layout = lora.run_gf(small, init, np.array([0.0, T]), rtol=1e-12, atol=1e-14)
    drifts, errs = [], []
    for eta in (1e-2, 5e-3):
        gd, _ = lora.run_gd(small, init, eta, int(round(T / eta)), record_every=int(round(T / eta)))
        errs.append(np.max(np.abs(gd.y[-1] - gf.y[-1])))
        A1, B1, _, _ = lora.unpack(gd.y[-1], layout)
        drifts.append(np.max(np.abs(B1.T @ B1 - A1 @ A1.T + init[0] @ init[0].T)))
    assert errs[1] < 0.6 * errs[0]  # GD -> GF at first order in eta
    assert drifts[1] < 0.6 * drifts[0]  # imbalance drift O(eta) over a fixed time
    A1, B1, _, _ = lora.unpack(gf.y[-1], layout)
    assert np.max(np.abs(B1.T @ B1 - A1 @ A1.T + init[0] @ init[0].T)) < 1e-11


def test_run_gd_stop_loss():
    P = lora.make_problem(0)
    tr, _ = lora.run_gd(P, lora.small_init(P, 4, 1e-3, 1), 1e-3, 20000, record_every=20000, stop_loss=1.0)
    assert tr.t[-1] < 20000


def test_alignment_observables():
    P = lora.make_problem(0)
    q = P.rank_one()
    _, layout = lora.flat_gradient(P, 2)
    B1 = np.outer(q["g"], [1.0, 0.5])
    A1 = np.outer([1.0, 0.5], q["v"])
    x = lora.pack(A1, B1, np.zeros((2, 100)), np.zeros((10, 2)))
    obs = lora.alignment_observables(P, layout)
    assert obs["misalign"](x) < 1e-28
    assert obs["gBAv"](x) == pytest.approx(1.25)
    assert obs["z1_fro2"](x) == pytest.approx(2 * 1.25)


# -- per-mode system ----------------------------------------------------------------------------------


def test_mode_rhs_vectorised_and_validated():
    X = np.random.default_rng(8).standard_normal((3, 5, 4))
    out = lora.mode_rhs(X, 0.5, 1.5, 2.0)
    assert out.shape == X.shape
    assert np.allclose(out[1, 2], lora.mode_rhs(X[1, 2], 0.5, 1.5, 2.0))
    with pytest.raises(ValueError, match="state"):
        lora.mode_rhs(np.ones(3), 0.5, 1.5, 2.0)
    with pytest.raises(TypeError, match="s1"):
        lora.mode_rhs(np.ones(4), "a", 1.5, 2.0)


def test_integrate_mode_converges_from_small_init():
    tr = lora.integrate_mode(0.8, 1.2, 2.0, [1e-4, 0.0, -2e-4, 0.0], np.linspace(0, 30, 61))
    ell = tr.observables["ell"]
    assert ell[0] == pytest.approx(2.0) and ell[-1] < 1e-20
    # gradient flow never increases the loss; below ~1e-20 the integrator's error in e = y - F
    # (~1e-11 absolute at rtol 1e-12) dominates ell = e^2/2
    assert np.all(np.diff(ell) <= 1e-20)


# -- stand-in for the vision experiment ------------------------------------------------------------------


def test_synthetic_classes_are_seeded():
    X, lab = lora.synthetic_classes(0, n_classes=4, dim=8, n_per_class=10)
    assert X.shape == (40, 8) and set(lab) == {0, 1, 2, 3}
    X2, _ = lora.synthetic_classes(0, n_classes=4, dim=8, n_per_class=10)
    assert np.array_equal(X, X2)


# -- LoRA on a softmax head over frozen features (offline substitute of Sec. 5.2) ------------------


@pytest.fixture(scope="module")
def head_problem():
    X, lab = lora.synthetic_classes(5, n_classes=6, dim=9, n_per_class=12, spread=2.0)
    W0 = np.zeros((6, 9))
    W0[:3] = np.random.default_rng(6).standard_normal((3, 9))
    return X, lab, W0


def test_lora_head_grad_taylor_remainder(head_problem):
    """|L(B + e dB, A + e dA) - L - e <grad, d>| = O(e^2) for the exact gradient, O(e) for a wrong one."""
    X, lab, W0 = head_problem
    rng = np.random.default_rng(7)
    B, A = 0.3 * rng.standard_normal((6, 2)), 0.3 * rng.standard_normal((2, 9))
    dB, dA = rng.standard_normal((6, 2)), rng.standard_normal((2, 9))
    L0, gB, gA = lora.lora_head_grad(W0, B, A, X, lab)
    assert L0 == pytest.approx(lora.softmax_xent(W0 + B @ A, X, lab)[0], rel=1e-15)
    slope_dir = float(np.sum(gB * dB) + np.sum(gA * dA))

    def loss_at(e):
        return lora.lora_head_grad(W0, B + e * dB, A + e * dA, X, lab)[0]

    eps = 2.0 ** -np.arange(3, 13)
    err = np.array([abs(loss_at(e) - L0 - e * slope_dir) for e in eps])
    fit = loglog_fit(eps, err)
    assert abs(fit.slope - 2.0) < 0.05, fit
    # a wrong gradient (the A block scaled by 1.1) leaves an O(e) error: slope 1
    bad = slope_dir + 0.1 * float(np.sum(gA * dA))
    eps_small = 2.0 ** -np.arange(10, 18)  # where the O(e) term dominates the O(e^2) one
    err_bad = np.array([abs(loss_at(e) - L0 - e * bad) for e in eps_small])
    assert abs(loglog_fit(eps_small, err_bad).slope - 1.0) < 0.05


def test_softmax_xent_gradient_taylor_remainder(head_problem):
    X, lab, W0 = head_problem
    rng = np.random.default_rng(8)
    W, D = W0 + 0.2 * rng.standard_normal(W0.shape), rng.standard_normal(W0.shape)
    L0, G = lora.softmax_xent(W, X, lab)
    eps = 2.0 ** -np.arange(3, 13)
    err = np.array([abs(lora.softmax_xent(W + e * D, X, lab)[0] - L0 - e * float(np.sum(G * D))) for e in eps])
    assert abs(loglog_fit(eps, err).slope - 2.0) < 0.05
    # uniform logits: the loss is log k
    assert lora.softmax_xent(np.zeros_like(W), X, lab)[0] == pytest.approx(np.log(W.shape[0]), rel=1e-14)


def test_relu_mlp_grad_taylor_remainder(head_problem):
    """Slope 2 while no pre-activation changes sign (the loss is smooth there)."""
    X, lab, _ = head_problem
    rng = np.random.default_rng(9)
    W1, b1, V = rng.standard_normal((7, 9)), 0.1 * rng.standard_normal(7), rng.standard_normal((6, 7))
    dW1, db1, dV = rng.standard_normal((7, 9)), rng.standard_normal(7), rng.standard_normal((6, 7))
    L0, (gW1, gb1, gV) = lora.relu_mlp_loss_grad(W1, b1, V, X, lab)
    slope_dir = float(np.sum(gW1 * dW1) + np.sum(gb1 * db1) + np.sum(gV * dV))
    pre, dpre = X @ W1.T + b1, X @ dW1.T + db1
    e_max = 0.5 * float(np.min(np.abs(pre) / np.abs(dpre)))  # no ReLU kink is crossed below this
    eps = e_max * 2.0 ** -np.arange(0, 8)

    def loss_at(e):
        return lora.relu_mlp_loss_grad(W1 + e * dW1, b1 + e * db1, V + e * dV, X, lab)[0]

    err = np.array([abs(loss_at(e) - L0 - e * slope_dir) for e in eps])
    assert abs(loglog_fit(eps, err).slope - 2.0) < 0.05
    bad = slope_dir + 0.1 * float(np.sum(gW1 * dW1))  # a wrong first-layer gradient: slope 1
    err_bad = np.array([abs(loss_at(e) - L0 - e * bad) for e in eps * 2.0 ** -10])
    assert abs(loglog_fit(eps * 2.0 ** -10, err_bad).slope - 1.0) < 0.05


def test_head_alignment_target_and_metric(head_problem):
    X, lab, W0 = head_problem
    r = 2
    Ut = lora.head_alignment_target(W0, X, lab, r)
    assert Ut.shape == (6 + 9, r) and np.allclose(Ut.T @ Ut, np.eye(r), atol=1e-14)
    # [u_i; -v_i]/sqrt 2 are the growing directions of Z' = -[[0, G], [G^T, 0]] Z (linearised flow at B = 0)
    _, G = lora.softmax_xent(W0, X, lab)
    s = np.linalg.svd(G, compute_uv=False)
    M = -np.block([[np.zeros((6, 6)), G], [G.T, np.zeros((9, 9))]])
    assert np.allclose(M @ Ut, Ut * s[:r], atol=1e-14)
    # metric 0 on the target subspace (any basis), 1 on an orthogonal one, and the explicit projector formula
    Q = np.linalg.qr(np.random.default_rng(1).standard_normal((r, r)))[0]
    Z = Ut @ Q * 3.0
    assert lora.head_alignment(Z[:6], Z[6:].T, Ut) == pytest.approx(0.0, abs=1e-7)
    perp = np.linalg.svd(np.eye(15) - Ut @ Ut.T)[0][:, :r]
    assert lora.head_alignment(perp[:6], perp[6:].T, Ut) == pytest.approx(1.0, abs=1e-12)
    rng = np.random.default_rng(2)
    B, A = rng.standard_normal((6, r)), rng.standard_normal((r, 9))
    U = np.linalg.svd(np.vstack([B, A.T]), full_matrices=False)[0][:, :r]
    ref = np.linalg.norm(U @ U.T - Ut @ Ut.T) / np.sqrt(2 * r)
    assert lora.head_alignment(B, A, Ut) == pytest.approx(ref, rel=1e-12)
    assert 0.0 <= ref <= 1.0


def test_lora_head_sweep_matches_single_runs_and_a_manual_step(head_problem):
    X, lab, W0 = head_problem
    stds = [0.5, 0.05]
    out = lora.lora_head_sweep(X, lab, W0, 2, stds, [3, 4], eta=0.2, steps=30, batch_size=8, early=10,
                               record_every=7)
    assert list(out["step"]) == [0, 7, 14, 21, 28, 30]
    assert out["loss"].shape == out["accuracy"].shape == (2, 2, 6) and out["align"].shape == (2, 2, 11)
    for j, seed in enumerate([3, 4]):
        for i, std in enumerate(stds):
            one = lora.lora_head_sgd(X, lab, W0, 2, std, seed, eta=0.2, steps=30, batch_size=8, early=10,
                                     record_every=7)
            assert np.allclose(one["loss"], out["loss"][j, i], rtol=1e-13)
            assert np.allclose(one["align"], out["align"][j, i], atol=1e-12)
    # B = 0 at the start: the loss is the fresh head's, the metric that of Z = [0; A^T]
    L0 = lora.softmax_xent(W0, X, lab)[0]
    assert np.allclose(out["loss"][:, :, 0], L0, rtol=1e-14)
    A0 = 0.05 * np.random.default_rng(4).standard_normal((2, 9))
    Ut = lora.head_alignment_target(W0, X, lab, 2)
    assert out["align"][1, 1, 0] == pytest.approx(lora.head_alignment(np.zeros((6, 2)), A0, Ut), rel=1e-12)
    # one full-batch step is the gradient step of lora_head_grad (the batch order does not change the mean)
    full = lora.lora_head_sgd(X, lab, W0, 2, 0.05, 4, eta=0.2, steps=1, batch_size=X.shape[0], early=1)
    _, gB, gA = lora.lora_head_grad(W0, np.zeros((6, 2)), A0, X, lab)
    B1, A1 = -0.2 * gB, A0 - 0.2 * gA
    assert full["loss"][-1] == pytest.approx(lora.softmax_xent(W0 + B1 @ A1, X, lab)[0], rel=1e-13)
    # seeded: reruns are identical
    again = lora.lora_head_sweep(X, lab, W0, 2, stds, [3, 4], eta=0.2, steps=30, batch_size=8, early=10,
                                 record_every=7)
    assert np.array_equal(again["loss"], out["loss"]) and np.array_equal(again["align"], out["align"])


def test_relu_mlp_pretrain_and_fresh_head(head_problem):
    X, lab, _ = head_problem
    net = lora.relu_mlp_pretrain(X, lab, [4, 1, 2], hidden=5, seed=0, eta=0.5, steps=200, batch_size=9)
    assert list(net["classes"]) == [1, 2, 4] and net["V"].shape == (3, 5) and net["W1"].shape == (5, 9)
    sel = np.isin(lab, [1, 2, 4])
    loss_after = lora.relu_mlp_loss_grad(net["W1"], net["b1"], net["V"], X[sel],
                                         np.searchsorted([1, 2, 4], lab[sel]))[0]
    assert loss_after < 0.5 * np.log(3)  # V = 0 starts at log 3
    again = lora.relu_mlp_pretrain(X, lab, [4, 1, 2], hidden=5, seed=0, eta=0.5, steps=200, batch_size=9)
    assert np.array_equal(again["W1"], net["W1"]) and np.array_equal(again["V"], net["V"])
    F = lora.relu_features(X, net["W1"], net["b1"])
    assert F.shape == (X.shape[0], 5) and np.all(F >= 0)
    W0 = lora.fresh_head(net["V"], net["classes"], 6)
    assert np.array_equal(W0[[1, 2, 4]], net["V"]) and not W0[[0, 3, 5]].any()


def test_head_functions_validate_input(head_problem):
    X, lab, W0 = head_problem
    with pytest.raises(ValueError, match="labels"):
        lora.softmax_xent(W0, X, lab[:-1])
    with pytest.raises(ValueError, match="labels"):
        lora.softmax_xent(W0, X, lab + 6)
    with pytest.raises(ValueError, match="X"):
        lora.softmax_xent(W0, X[:, :-1], lab)
    with pytest.raises(ValueError, match="B"):
        lora.lora_head_grad(W0, np.zeros((5, 2)), np.zeros((2, 9)), X, lab)
    with pytest.raises(ValueError, match="U_target"):
        lora.head_alignment(np.zeros((6, 2)), np.ones((2, 9)), np.ones((14, 2)))
    with pytest.raises(ValueError, match="stds"):
        lora.lora_head_sweep(X, lab, W0, 2, [0.1, -0.1], [0])
    with pytest.raises(TypeError, match="seeds"):
        lora.lora_head_sweep(X, lab, W0, 2, [0.1], 0)
    with pytest.raises(ValueError, match="seed"):
        lora.lora_head_sgd(X, lab, W0, 2, 0.1, None)
    with pytest.raises(ValueError, match="std"):
        lora.lora_head_sgd(X, lab, W0, 2, 0.0, 1)
    with pytest.raises(ValueError, match="batch_size"):
        lora.lora_head_sgd(X, lab, W0, 2, 0.1, 1, batch_size=X.shape[0] + 1)
    with pytest.raises(ValueError, match="^r must"):
        lora.lora_head_sgd(X, lab, W0, 7, 0.1, 1)
    with pytest.raises(ValueError, match="classes"):
        lora.relu_mlp_pretrain(X, lab, [1], seed=0)
    with pytest.raises(ValueError, match="classes"):
        lora.fresh_head(np.ones((2, 3)), [0, 7], 6)
    with pytest.raises(TypeError, match="std"):
        lora.lora_head_sgd(X, lab, W0, 2, "0.1", 1)


# -- input validation --------------------------------------------------------------------------------


def test_validation_names_the_argument(small):
    rng = np.random.default_rng(9)
    A1, B1, A2, B2 = _state(rng, 5, 4, 7, 3)
    with pytest.raises(ValueError, match="B1"):
        lora.gradients(small.W1, small.W2, small.Y_ft, A1, B1[:-1], A2, B2)
    with pytest.raises(ValueError, match="Y_ft"):
        lora.loss(small.W1, small.W2, small.Y_ft[:, :-1], A1, B1, A2, B2)
    bad = A1.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="A1"):
        lora.gradients(small.W1, small.W2, small.Y_ft, bad, B1, A2, B2)
    with pytest.raises(TypeError, match="A2"):
        lora.gradients(small.W1, small.W2, small.Y_ft, A1, B1, "A2", B2)
    with pytest.raises(ValueError, match="pair"):
        lora.make_problem(0, pair="middle")
    with pytest.raises(ValueError, match="h"):
        lora.make_problem(0, h=3)
    with pytest.raises(ValueError, match="eta"):
        lora.run_gd(small, (A1, B1, A2, B2), -1.0, 10)
