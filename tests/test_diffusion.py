"""Unit tests of ``numerics.diffusion``: the MTGM sampler, the forward process, the one-layer
attention denoiser (forward pass, analytic gradient, training loop on both backends), the
label-aware estimators and the brute-force ground truth.

The analytic gradient is checked by the Taylor-remainder test (the error of the linear
model shrinks with slope 2 in the step) and against torch autograd.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import logsumexp

from numerics import diffusion as df

AB3 = np.cumprod([0.98, 0.965, 0.95])


@pytest.fixture
def torch1():
    """torch with one intra-op thread (small tensors: a thread pool only spins on a shared
    machine); the previous setting is restored."""
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(n)


def _batch(n=6, P=5, d=4, M=3, K=2, seed=0, scale_W=0.5, T=3):
    model = df.MTGM(d, M, K, np.full(M, 1 / M), 0.3)
    ev = df.eval_batch(model, P, AB3[:T], n, seed)
    rng = np.random.default_rng(seed + 1)
    W = scale_W * rng.standard_normal((d, d))
    v = rng.standard_normal(T)
    return model, ev, W, v


# -- data model --------------------------------------------------------------------------------
def test_pattern_means_norms_and_orthogonality():
    mu = df.pattern_means(4, 16)
    assert np.allclose(mu @ mu.T, 16 * np.eye(4))
    assert np.allclose(df.pattern_means(4, 16, "sqrt_d") @ df.pattern_means(4, 16, "sqrt_d").T, 4 * np.eye(4))
    assert np.allclose(np.sum(df.pattern_means(2, 3, 2.5) ** 2, axis=1), 2.5)


@pytest.mark.parametrize("args, exc, word", [
    ((5, 4), ValueError, "M"), ((2, 4, "d2"), ValueError, "mu_norm2"), ((2, 4, -1.0), ValueError, "mu_norm2"),
    ((2.5, 4), TypeError, "M"),
])
def test_pattern_means_validation(args, exc, word):
    with pytest.raises(exc, match=word):
        df.pattern_means(*args)


def test_subset_masks():
    m = df.subset_masks(5, 2)
    assert m.shape == (math.comb(5, 2), 5) and np.all(m.sum(axis=1) == 2)
    assert len({tuple(r) for r in m}) == m.shape[0]


def test_sample_labels_law_and_reproducibility():
    pi = np.array([0.5, 0.3, 0.15, 0.05])
    Y, Z = df.sample_labels(4000, 6, 4, 2, pi, 3)
    assert Y.shape == (4000, 6) and Z.shape == (4000, 4) and np.all(Z.sum(axis=1) == 2)
    assert np.all(np.take_along_axis(Z, Y, axis=1))                   # labels lie in the subset
    Y2, Z2 = df.sample_labels(4000, 6, 4, 2, pi, 3)
    assert np.array_equal(Y, Y2) and np.array_equal(Z, Z2)
    # subsets are uniform: each pattern is in the subset with probability K/M = 1/2
    assert np.all(np.abs(Z.mean(axis=0) - 0.5) < 5 * math.sqrt(0.25 / 4000))
    # within the subset {0, 1} labels follow pi restricted: Pr(0) = 0.5/0.8
    sel = Z[:, 0] & Z[:, 1]
    frac = np.mean(Y[sel] == 0)
    assert abs(frac - 0.625) < 5 * math.sqrt(0.625 * 0.375 / (sel.sum() * 6)) * 2


def test_sample_labels_with_a_zero_prior_never_draws_it():
    Y, Z = df.sample_labels(2000, 8, 4, 2, np.array([0.5, 0.5, 0.0, 0.0]), 1)
    assert not np.any(Y >= 2)
    Y, Z = df.sample_labels(2000, 8, 4, 2, np.array([0.4, 0.3, 0.3, 0.0]), 1)
    assert not np.any(Y == 3)


@pytest.mark.parametrize("kw, exc, word", [
    (dict(K=5), ValueError, "K"), (dict(pi=np.array([0.5, 0.6, 0.0, 0.0])), ValueError, "pi"),
    (dict(pi=np.array([0.5, 0.5, 0.5, -0.5])), ValueError, "pi"), (dict(pi=np.ones(3) / 3), ValueError, "pi"),
    (dict(n=0), ValueError, "n"), (dict(P=1.5), TypeError, "P"),
])
def test_sample_labels_validation(kw, exc, word):
    args = dict(n=3, P=4, M=4, K=2, pi=np.full(4, 0.25), seed=0)
    args.update(kw)
    with pytest.raises(exc, match=word):
        df.sample_labels(**args)


def test_sample_labels_needs_a_seed():
    with pytest.raises(ValueError, match="seed"):
        df.sample_labels(3, 4, 4, 2, np.full(4, 0.25), None)


@pytest.mark.parametrize("kw, exc, word", [
    (dict(d=3), ValueError, "M"), (dict(K=0), ValueError, "K"), (dict(rho=-1.0), ValueError, "rho"),
    (dict(rho="a"), TypeError, "rho"), (dict(pi=np.array([1.0, 0, 0, 0])), ValueError, "pi"),
])
def test_mtgm_validation(kw, exc, word):
    args = dict(d=8, M=4, K=2, pi=np.full(4, 0.25), rho=0.3)
    args.update(kw)
    with pytest.raises(exc, match=word):
        df.MTGM(**args)


def test_mtgm_sample_moments():
    model = df.MTGM(8, 4, 2, np.full(4, 0.25), 0.5)
    X0, Y, Z = model.sample(3000, 4, 0)
    resid = X0 - model.mu[Y]
    assert abs(resid.mean()) < 5 * 0.5 / math.sqrt(resid.size)
    assert abs(resid.var() - 0.25) < 0.01


def test_forward_process():
    model = df.MTGM(8, 4, 2, np.full(4, 0.25), 0.3)
    X0, _, _ = model.sample(500, 8, 0)
    Xt, E = df.forward_process(X0, 0.7, 1)
    assert np.allclose(Xt, math.sqrt(0.7) * X0 + math.sqrt(0.3) * E)
    assert abs(E.mean()) < 5 / math.sqrt(E.size) and abs(E.var() - 1) < 5 * math.sqrt(2 / E.size)
    ab = np.linspace(0.1, 0.9, 500)
    Xt2, E2 = df.forward_process(X0, ab, 1)
    assert np.allclose(Xt2, np.sqrt(ab)[:, None, None] * X0 + np.sqrt(1 - ab)[:, None, None] * E2)
    with pytest.raises(ValueError, match="alpha_bar"):
        df.forward_process(X0, 1.5, 0)
    with pytest.raises(ValueError, match="alpha_bar"):
        df.forward_process(X0, np.ones(3) * 0.5, 0)
    with pytest.raises(ValueError, match="X0"):
        df.forward_process(X0[0], 0.5, 0)


def test_stratified_steps_and_weights():
    t = df.stratified_steps(10, 3)
    assert t.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    w = df.step_weights(t, 3)
    assert abs(w.sum() - 1) < 1e-15
    assert np.allclose([w[t == k].sum() for k in range(3)], 1 / 3)
    assert df.stratified_steps(4, np.array([5, 7])).tolist() == [5, 7, 5, 7]
    with pytest.raises(ValueError, match="t_idx"):
        df.step_weights(np.array([0, 3]), 3)
    with pytest.raises(TypeError, match="t_idx"):
        df.step_weights(np.array([0.0, 1.0]), 3)


def test_eval_batch_is_stratified_and_reproducible():
    model = df.MTGM(6, 3, 2, np.full(3, 1 / 3), 0.3)
    a = df.eval_batch(model, 5, AB3, 9, 4)
    b = df.eval_batch(model, 5, AB3, 9, 4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(a["ab"], AB3[a["t_idx"]]) and a["t_idx"].tolist() == [0, 1, 2] * 3


# -- model -----------------------------------------------------------------------------------------
def test_attention_orientation_and_rows():
    """A[n, q, k] = softmax_k(x_k^T W x_q / d): checked entry by entry against the definition."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 4, 3))
    W = rng.standard_normal((3, 3))
    A = df.attention(W, X)
    for b in range(2):
        for q in range(4):
            logits = np.array([X[b, k] @ W @ X[b, q] / 3 for k in range(4)])
            assert np.allclose(A[b, q], np.exp(logits - logsumexp(logits)))
    assert np.allclose(A.sum(axis=-1), 1)
    assert np.allclose(df.attention(np.zeros((3, 3)), X), 0.25)


def test_transformer_forward_matches_eq1():
    _, ev, W, v = _batch()
    F = df.transformer_forward(W, v[ev["t_idx"]], ev["Xt"])
    A = df.attention(W, ev["Xt"])
    assert np.allclose(F, v[ev["t_idx"]][:, None, None] * (ev["Xt"] - A @ ev["Xt"]))
    # chunked evaluation gives the same result
    assert np.allclose(df.attention_average(W, ev["Xt"], chunk_elems=1), A @ ev["Xt"])


def test_large_logits_use_the_stable_path():
    _, ev, W, v = _batch(scale_W=300.0)
    A = df.attention(W, ev["Xt"])
    assert np.all(np.isfinite(A)) and np.allclose(A.sum(axis=-1), 1)
    AX = df.attention_average(W, ev["Xt"])
    assert np.allclose(AX, A @ ev["Xt"])
    loss, gW, gv = df.loss_and_grad(W, v, ev["Xt"], ev["E"], ev["t_idx"])
    assert np.isfinite(loss) and np.all(np.isfinite(gW)) and np.all(np.isfinite(gv))


def test_ddpm_loss_is_the_per_step_average():
    _, ev, W, v = _batch(n=7)
    F = df.transformer_forward(W, v[ev["t_idx"]], ev["Xt"])
    per = np.mean((F - ev["E"]) ** 2, axis=(1, 2))
    expected = np.mean([per[ev["t_idx"] == t].mean() for t in range(3)])
    assert abs(df.ddpm_loss(W, v, ev["Xt"], ev["E"], ev["t_idx"]) - expected) < 1e-14
    assert abs(df.ddpm_loss(W, v, ev["Xt"], ev["E"], ev["t_idx"], half=True) - expected / 2) < 1e-14
    assert abs(df.loss_and_grad(W, v, ev["Xt"], ev["E"], ev["t_idx"])[0] - expected) < 1e-14


@pytest.mark.parametrize("wrt", ["W", "v"])
def test_gradient_taylor_remainder(wrt):
    """|L(p + h D) - L(p) - h <grad, D>| = O(h^2): the fitted slope of the remainder is 2."""
    _, ev, W, v = _batch(n=6, P=5, d=4)
    args = (ev["Xt"], ev["E"], ev["t_idx"])
    L0, gW, gv = df.loss_and_grad(W, v, *args)
    rng = np.random.default_rng(5)
    D = rng.standard_normal(W.shape if wrt == "W" else v.shape)
    lin = np.sum((gW if wrt == "W" else gv) * D)
    hs = np.logspace(-1, -4, 7)
    rem = []
    for h in hs:
        L = df.ddpm_loss(W + h * D, v, *args) if wrt == "W" else df.ddpm_loss(W, v + h * D, *args)
        rem.append(abs(L - L0 - h * lin))
    slope = np.polyfit(np.log(hs), np.log(rem), 1)[0]
    assert 1.9 < slope < 2.1, slope


def test_gradient_against_central_differences():
    _, ev, W, v = _batch(n=4, P=4, d=3)
    args = (ev["Xt"], ev["E"], ev["t_idx"])
    _, gW, gv = df.loss_and_grad(W, v, *args, half=True)
    h = 1e-6
    num = np.zeros_like(W)
    for i, j in itertools.product(range(3), range(3)):
        E_ = np.zeros_like(W)
        E_[i, j] = h
        num[i, j] = (df.ddpm_loss(W + E_, v, *args, half=True) - df.ddpm_loss(W - E_, v, *args, half=True)) / (2 * h)
    assert np.allclose(gW, num, rtol=1e-6, atol=1e-9)
    _, gW0, gv0 = df.loss_and_grad(W, v, *args, freeze_W=True)
    assert np.all(gW0 == 0) and np.allclose(gv0, 2 * gv)


def test_gradient_matches_torch_autograd(torch1):
    for seed, scale in ((0, 0.5), (1, 3.0), (2, 300.0)):
        _, ev, W, v = _batch(n=9, P=6, d=5, seed=seed, scale_W=scale)
        args = (W, v, ev["Xt"], ev["E"], ev["t_idx"])
        l1, gW1, gv1 = df.loss_and_grad(*args)
        l2, gW2, gv2 = df.loss_and_grad_torch(*args)
        assert abs(l1 - l2) < 1e-13 * max(1, abs(l1))
        assert np.allclose(gW1, gW2, rtol=1e-10, atol=1e-13) and np.allclose(gv1, gv2, rtol=1e-10, atol=1e-13)


def test_loss_and_grad_validation():
    _, ev, W, v = _batch()
    with pytest.raises(ValueError, match="W"):
        df.loss_and_grad(W[:2], v, ev["Xt"], ev["E"], ev["t_idx"])
    with pytest.raises(ValueError, match="E"):
        df.loss_and_grad(W, v, ev["Xt"], ev["E"][:2], ev["t_idx"])
    with pytest.raises(ValueError, match="t_idx"):
        df.loss_and_grad(W, v, ev["Xt"], ev["E"], ev["t_idx"][:2])
    with pytest.raises(ValueError, match="NaN"):
        df.loss_and_grad(W * np.nan, v, ev["Xt"], ev["E"], ev["t_idx"])


# -- training ------------------------------------------------------------------------------------
def _model():
    return df.MTGM(8, 4, 2, np.full(4, 0.25), 0.3)


def test_train_reproducible_and_initialised_as_the_paper():
    a = df.train(_model(), 8, AB3, n_iter=20, seed=3, record_every=5)
    b = df.train(_model(), 8, AB3, n_iter=20, seed=3, record_every=5)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.v, b.v) and np.array_equal(a.loss, b.loss)
    assert a.steps.tolist() == [0, 5, 10, 15, 20] and np.all(a.W_hist[0] == 0)
    c = df.train(_model(), 8, AB3, n_iter=20, seed=4)
    assert not np.array_equal(a.W, c.W)
    v0 = np.array([df.train(_model(), 8, AB3, n_iter=0, seed=s).v for s in range(400)])
    assert abs(v0.var() - 1 / 8) < 0.02                          # v(0) ~ N(0, 1/d)


def test_train_freeze_and_given_init():
    r = df.train(_model(), 8, AB3, n_iter=10, seed=0, freeze_W=True)
    assert np.all(r.W == 0)
    W0 = np.eye(8)
    r2 = df.train(_model(), 8, AB3, n_iter=0, seed=0, W0=W0, v0=np.ones(3))
    assert np.array_equal(r2.W, W0) and np.array_equal(r2.v, np.ones(3))


def test_train_decreases_the_loss_and_learns_v():
    r = df.train(_model(), 16, AB3, n_iter=200, seed=1)
    assert r.loss[-30:].mean() < r.loss[:30].mean()
    c_t = np.sqrt(1 - AB3) / (1 - AB3 + 0.09 * AB3)
    assert np.max(np.abs(r.v - c_t)) < 0.1


def test_train_step_subset_and_validation():
    r = df.train(_model(), 8, AB3, n_iter=30, seed=1, train_steps=[0])
    assert r.v[1] == df.train(_model(), 8, AB3, n_iter=0, seed=1).v[1]   # untrained steps keep v(0)
    with pytest.raises(ValueError, match="backend"):
        df.train(_model(), 8, AB3, n_iter=1, seed=0, backend="jax")
    with pytest.raises(ValueError, match="train_steps"):
        df.train(_model(), 8, AB3, n_iter=1, seed=0, train_steps=[5])
    with pytest.raises(ValueError, match="alpha_bar"):
        df.train(_model(), 8, np.array([0.5, 1.0]), n_iter=1, seed=0)
    with pytest.raises(TypeError, match="model"):
        df.train("model", 8, AB3, n_iter=1, seed=0)
    with pytest.raises(FloatingPointError, match="diverged"):
        df.train(_model(), 8, AB3, n_iter=50, seed=0, eta=1e6)


def test_train_torch_backend(torch1):
    a = df.train(_model(), 8, AB3, n_iter=30, seed=2, backend="torch")
    b = df.train(_model(), 8, AB3, n_iter=30, seed=2, backend="torch")
    assert np.array_equal(a.W, b.W) and np.array_equal(a.loss, b.loss)
    assert a.W.dtype == np.float64 and a.W_hist.shape == (4, 8, 8)
    assert a.loss[-10:].mean() < a.loss[:10].mean()
    # the same v(0) as the numpy backend (drawn from the numpy seed before the loop)
    assert np.array_equal(a.v_hist[0], df.train(_model(), 8, AB3, n_iter=0, seed=2).v)
    r = df.train(df.MTGM(8, 4, 2, np.array([0.5, 0.5, 0.0, 0.0]), 0.3), 8, AB3, n_iter=5, seed=0, backend="torch")
    assert np.all(np.isfinite(r.W))


def test_torch_and_numpy_backends_agree_in_distribution(torch1):
    """Different random streams, same population dynamics: the learned v_t agree to the
    Monte-Carlo noise of 150 steps."""
    a = df.train(_model(), 16, AB3, n_iter=150, seed=7)
    b = df.train(_model(), 16, AB3, n_iter=150, seed=7, backend="torch")
    assert np.max(np.abs(a.v - b.v)) < 0.1
    assert abs(np.trace(a.W) - np.trace(b.W)) < 0.2 * abs(np.trace(a.W))


# -- label-aware estimators and diagnostics ----------------------------------------------------------
def test_mean_denoiser_equals_same_label_attention():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 7, 3))
    Y = rng.integers(0, 3, (5, 7))
    Y[0] = [0, 1, 1, 2, 2, 2, 2]                                 # a label held by one token
    for self_w in (True, False):
        A = df.same_label_attention(Y, self_weight=self_w)
        assert np.allclose(A.sum(axis=-1), 1)
        assert np.allclose(df.mean_denoiser(X, Y, 1.7, self_weight=self_w), 1.7 * (X - A @ X))
    assert np.allclose(df.mean_denoiser(X, Y, 1.0, self_weight=False)[0, 0], 0.0)
    with pytest.raises(ValueError, match="Y"):
        df.mean_denoiser(X, Y[:, :3], 1.0)


def test_attention_stats():
    model = df.MTGM(8, 4, 2, np.full(4, 0.25), 0.3)
    ev = df.eval_batch(model, 10, AB3, 20, 0)
    s0 = df.attention_stats(np.zeros((8, 8)), ev["Xt"], ev["Y"], model.mu)
    frac = np.mean(np.sum(ev["Y"][:, :, None] == ev["Y"][:, None, :], axis=-1) / 10, axis=1)
    assert np.allclose(s0["same_mass"], frac) and np.allclose(s0["cv"], 0)
    U = model.mu / np.sqrt(8)
    W = U.T @ (3 * np.eye(4) - np.ones((4, 4))) @ U
    s1 = df.attention_stats(W, ev["Xt"], ev["Y"], model.mu)
    assert abs(float(s1["block_energy_fraction"]) - 1) < 1e-12
    assert np.allclose(s1["block"], 3 * np.eye(4) - np.ones((4, 4)))
    assert np.all(s1["same_mass"] > s0["same_mass"])


# -- brute-force ground truth --------------------------------------------------------------------------
def test_log_density_single_gaussian_and_normalisation():
    mu = df.pattern_means(1, 2)
    X = np.random.default_rng(0).standard_normal((3, 2, 2))
    ab, rho = 0.6, 0.5
    s2 = 1 - ab + rho ** 2 * ab
    lp = df.log_density_bruteforce(X, mu, np.array([1.0]), 1, ab, rho)
    direct = -0.5 * np.sum((X - math.sqrt(ab) * mu[0]) ** 2, axis=(1, 2)) / s2 - 2 * math.log(2 * math.pi * s2)
    assert np.allclose(lp, direct)
    # a one-token, one-dimensional mixture integrates to 1
    mu1 = np.array([[1.5], [-0.5]])
    x = np.linspace(-12, 12, 20001)
    p = np.exp(df.log_density_bruteforce(x[:, None, None], mu1, np.array([0.3, 0.7]), 1, 0.5, 0.4))
    assert abs(np.sum(p) * (x[1] - x[0]) - 1) < 1e-9


def test_posterior_mean_bruteforce_is_tweedie():
    """E[E | X] = -b grad log p (checked by central differences of the brute-force density)."""
    mu = df.pattern_means(3, 3)
    pi = np.array([0.5, 0.3, 0.2])
    X = np.random.default_rng(1).standard_normal((2, 3)) * 1.5
    ab, rho, h = 0.4, 0.3, 1e-5
    g = np.zeros_like(X)
    for i, j in itertools.product(range(2), range(3)):
        D = np.zeros_like(X)
        D[i, j] = h
        g[i, j] = (df.log_density_bruteforce(X + D, mu, pi, 2, ab, rho)[0]
                   - df.log_density_bruteforce(X - D, mu, pi, 2, ab, rho)[0]) / (2 * h)
    pm = df.posterior_mean_bruteforce(X, mu, pi, 2, ab, rho)[0]
    assert np.allclose(pm, -math.sqrt(1 - ab) * g, atol=1e-8)


def test_bruteforce_validation():
    mu = df.pattern_means(3, 3)
    with pytest.raises(ValueError, match="components"):
        df.log_density_bruteforce(np.zeros((20, 3)), mu, np.full(3, 1 / 3), 2, 0.5, 0.3)
    with pytest.raises(ValueError, match="alpha_bar"):
        df.log_density_bruteforce(np.zeros((2, 3)), mu, np.full(3, 1 / 3), 2, 1.0, 0.3)
    with pytest.raises(ValueError, match="Xt"):
        df.log_density_bruteforce(np.zeros((2, 4)), mu, np.full(3, 1 / 3), 2, 0.5, 0.3)
