"""Unit tests of ``numerics.digit_diffusion``: the digits data and its minority subsample, the
patch layout, the Fréchet distance (closed forms for Gaussians, singular covariances, the
``sqrtm`` formula), the classifier features, the torch denoiser (shapes, seeding, the
ancestral sampler against Algorithm 2 written out) and input validation.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import sqrtm

from numerics import digit_diffusion as dd

AB = np.cumprod(np.linspace(0.999, 0.8, 10))          # a short schedule with abar_T ~ 0.1
SMALL = dd.DenoiserConfig(patch=2, width=8, depth=1, heads=2, mlp_ratio=1)


@pytest.fixture
def torch1():
    """torch with one intra-op thread (tiny tensors), restored afterwards."""
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def digits4():
    return dd.digit_images((0, 1, 2, 3))


@pytest.fixture(scope="module")
def clf(digits4):
    X, y = digits4
    return dd.fit_classifier(X, y, hidden=8, seed=0, max_iter=300)


# -- data ----------------------------------------------------------------------------------------
def test_digit_images_range_and_counts(digits4):
    X, y = digits4
    assert X.shape == (720, 8, 8) and y.shape == (720,)
    assert X.min() == -1.0 and X.max() == 1.0
    # the stored pixels are integers 0..16, so the images take the values v/8 - 1
    assert np.allclose((X + 1.0) * 8.0, np.round((X + 1.0) * 8.0))
    assert [int(np.sum(y == c)) for c in range(4)] == [178, 182, 177, 183]


def test_subsample_counts_and_seeding(digits4):
    _, y = digits4
    keep = dd.subsample_class(y, 2, 0.3, seed=0)
    counts = [int(np.sum(y[keep] == c)) for c in range(4)]
    assert counts == [178, 182, round(0.3 * 177), 183]              # 53 of the 177 twos
    assert np.all(np.diff(keep) > 0)                                  # sorted, no repeats
    assert np.array_equal(keep, dd.subsample_class(y, 2, 0.3, seed=0))
    other = dd.subsample_class(y, 2, 0.3, seed=1)
    assert not np.array_equal(keep, other) and other.size == keep.size
    assert np.array_equal(dd.subsample_class(y, 2, 1.0, seed=0), np.arange(y.size))
    assert int(np.sum(y[dd.subsample_class(y, 2, 1e-6, seed=0)] == 2)) == 1   # at least one kept


def test_patchify_round_trip_and_layout():
    X = np.arange(2 * 64, dtype=float).reshape(2, 8, 8)
    for p in (1, 2, 4, 8):
        Z = dd.patchify(X, p)
        assert Z.shape == (2, (8 // p) ** 2, p * p)
        assert np.array_equal(dd.unpatchify(Z, p), X)
    Z = dd.patchify(X, 2)
    assert np.array_equal(Z[:, 0], X[:, :2, :2].reshape(2, 4))       # first patch: top-left
    assert np.array_equal(Z[:, 1], X[:, :2, 2:4].reshape(2, 4))      # then left to right


# -- Fréchet distance ---------------------------------------------------------------------------
def test_frechet_identical_is_zero():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    S = A @ A.T
    mu = rng.standard_normal(6)
    assert dd.frechet_distance(mu, S, mu, S) == pytest.approx(0.0, abs=1e-10 * np.trace(S))


@pytest.mark.parametrize("k, s1, s2", [(1, 1.0, 2.0), (5, 0.3, 1.7), (32, 1.0, 1.0), (10, 2.0, 0.0)])
def test_frechet_isotropic_closed_form(k, s1, s2):
    """N(mu1, s1^2 I) vs N(mu2, s2^2 I): |mu1 - mu2|^2 + k (s1 - s2)^2 (s2 = 0: a point mass)."""
    rng = np.random.default_rng(k)
    mu1, mu2 = rng.standard_normal(k), rng.standard_normal(k)
    expected = np.sum((mu1 - mu2) ** 2) + k * (s1 - s2) ** 2
    got = dd.frechet_distance(mu1, s1 ** 2 * np.eye(k), mu2, s2 ** 2 * np.eye(k))
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_frechet_diagonal_and_singular():
    # commuting covariances: sum (sqrt(a) - sqrt(b))^2 over the eigenvalues
    a, b = np.array([4.0, 1.0, 0.25]), np.array([1.0, 9.0, 0.0])
    assert dd.frechet_distance(np.zeros(3), np.diag(a), np.zeros(3), np.diag(b)) == \
        pytest.approx(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2), rel=1e-12)
    # rank-deficient covariances (fewer samples than features): no eps regularisation needed
    u = np.array([1.0, 2.0, 2.0]) / 3.0
    S1, S2 = 4.0 * np.outer(u, u), 1.0 * np.outer(u, u)
    assert dd.frechet_distance(np.zeros(3), S1, np.zeros(3), S2) == pytest.approx(1.0, rel=1e-12)
    # orthogonal rank-one covariances: tr S1^(1/2) S2 S1^(1/2) = 0
    v = np.array([2.0, -1.0, 0.0]) / math.sqrt(5.0)
    assert dd.frechet_distance(np.zeros(3), S1, np.zeros(3), np.outer(v, v)) == pytest.approx(5.0, rel=1e-12)


def test_frechet_matches_sqrtm_formula_and_is_symmetric():
    rng = np.random.default_rng(3)
    for k in (2, 7, 16):
        A, B = rng.standard_normal((k, k)), rng.standard_normal((k, k))
        S1, S2 = A @ A.T + 0.1 * np.eye(k), B @ B.T + 0.1 * np.eye(k)
        mu1, mu2 = rng.standard_normal(k), rng.standard_normal(k)
        ref = np.sum((mu1 - mu2) ** 2) + np.trace(S1) + np.trace(S2) - 2 * np.trace(sqrtm(S1 @ S2)).real
        got = dd.frechet_distance(mu1, S1, mu2, S2)
        assert got == pytest.approx(ref, rel=1e-8)
        assert got == pytest.approx(dd.frechet_distance(mu2, S2, mu1, S1), rel=1e-10)
        # sqrt(FD) is the 2-Wasserstein distance: a metric (triangle inequality with a third)
        C = rng.standard_normal((k, k))
        S3, mu3 = C @ C.T, rng.standard_normal(k)
        d12, d13, d32 = (math.sqrt(dd.frechet_distance(*p)) for p in
                         ((mu1, S1, mu2, S2), (mu1, S1, mu3, S3), (mu3, S3, mu2, S2)))
        assert d12 <= d13 + d32 + 1e-9


def test_gaussian_stats_and_sample_distance():
    rng = np.random.default_rng(5)
    F = rng.standard_normal((50, 3))
    mu, S = dd.gaussian_stats(F)
    assert np.allclose(mu, F.mean(axis=0)) and np.allclose(S, np.cov(F.T))
    assert dd.frechet_distance_samples(F, F) == pytest.approx(0.0, abs=1e-12)
    # two large Gaussian samples: the sample distance approaches the closed form (the
    # estimation bias is O(k/n) = O(1e-3) here, the tolerance 0.05 is 50 times that)
    k, n = 4, 20000
    G1 = 1.0 + 0.5 * rng.standard_normal((n, k))
    G2 = 2.0 * rng.standard_normal((n, k))
    assert dd.frechet_distance_samples(G1, G2) == pytest.approx(k * 1.0 + k * 1.5 ** 2, abs=0.05)


# -- classifier features and per-class distance --------------------------------------------------
def test_classifier_features(clf, digits4):
    X, y = digits4
    F = dd.classifier_features(clf, X)
    assert F.shape == (720, 8) and np.all(np.abs(F) < 1)
    assert np.allclose(F, np.tanh(X.reshape(720, 64) @ clf.coefs_[0] + clf.intercepts_[0]))
    assert np.mean(clf.predict(X.reshape(720, 64)) == y) > 0.95
    assert np.array_equal(dd.fit_classifier(X, y, hidden=8, seed=0, max_iter=300).coefs_[0], clf.coefs_[0])


def test_per_class_frechet_on_real_images(clf, digits4):
    """Real images as the "generated" set: equal counts per class after the subsample, and
    distances at the level of the sampling error only."""
    X, y = digits4
    fd, counts = dd.per_class_frechet(clf, X, X, y, (0, 1, 2, 3), seed=0)
    pred = clf.predict(X.reshape(720, 64))
    assert np.array_equal(counts, [int(np.sum(pred == c)) for c in range(4)])
    assert np.all(fd >= 0) and np.all(fd < 0.2)      # subsample of ~177 vs all: sampling error only
    fd2, _ = dd.per_class_frechet(clf, X, X, y, (0, 1, 2, 3), seed=0)
    assert np.array_equal(fd, fd2)
    # too few generated samples of some class: NaN instead of a meaningless covariance
    few = np.concatenate([X[y == 0][:3], X[y != 0]])
    fd3, counts3 = dd.per_class_frechet(clf, few, X, y, (0, 1, 2, 3), seed=0, min_count=10)
    assert counts3[0] <= 5 and np.all(np.isnan(fd3))


# -- the denoiser ----------------------------------------------------------------------------------
def test_denoiser_shapes_and_seeding(torch1):
    torch = torch1
    state = torch.random.get_rng_state()
    m1 = dd.make_denoiser(SMALL, T=10, seed=0)
    assert torch.equal(state, torch.random.get_rng_state())          # global generator untouched
    m2 = dd.make_denoiser(SMALL, T=10, seed=0)
    m3 = dd.make_denoiser(SMALL, T=10, seed=1)
    p1, p2, p3 = (torch.cat([p.detach().ravel() for p in m.parameters()]) for m in (m1, m2, m3))
    assert torch.equal(p1, p2) and not torch.equal(p1, p3)
    x = torch.zeros(3, 16, 4)
    assert m1(x, torch.tensor([0, 4, 9])).shape == (3, 16, 4)
    m4 = dd.make_denoiser(dd.DenoiserConfig(patch=4, width=8, depth=1, heads=2), T=10, seed=0)
    assert m4(torch.zeros(2, 4, 16), torch.tensor([0, 1])).shape == (2, 4, 16)


def test_sampler_matches_algorithm_2(torch1):
    """Without clipping the posterior-mean step is Algorithm 2 of Ho et al. written out."""
    torch = torch1
    model = dd.make_denoiser(SMALL, T=AB.size, seed=2)
    got = dd.sample(model, AB, 5, np.random.default_rng(7), clip_x0=False)
    rng = np.random.default_rng(7)
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    ab_prev = np.concatenate([[1.0], AB[:-1]])
    alpha = AB / ab_prev
    with torch.no_grad():
        x = torch.randn(5, 16, 4, generator=gen)
        for t in range(AB.size - 1, -1, -1):
            eps = model(x, torch.full((5,), t, dtype=torch.long))
            x = (x - (1 - alpha[t]) / math.sqrt(1 - AB[t]) * eps) / math.sqrt(alpha[t])
            if t > 0:
                x = x + math.sqrt(1 - alpha[t]) * torch.randn(5, 16, 4, generator=gen)
    ref = x.clamp(-1, 1).numpy()
    assert got.shape == (5, 16, 4) and np.all(np.abs(got) <= 1)
    assert np.allclose(got, ref, atol=1e-5)                           # float32, two algebraic forms
    again = dd.sample(model, AB, 5, np.random.default_rng(7), clip_x0=False)
    assert np.array_equal(got, again)
    assert np.all(np.abs(dd.sample(model, AB, 5, 7)) <= 1)


def test_training_is_seeded_and_reduces_the_loss(torch1, digits4):
    torch = torch1
    X, y = digits4
    tokens = dd.patchify(X[:96], 2)
    runs = []
    for seed in (0, 0, 1):
        rng = np.random.default_rng(seed)
        m = dd.make_denoiser(SMALL, AB.size, rng)
        loss = dd.train_denoiser(m, tokens, AB, epochs=4, seed=rng, batch=32, lr=5e-3)
        runs.append((loss, torch.cat([p.detach().ravel() for p in m.parameters()])))
    assert np.array_equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])
    assert runs[0][0].shape == (4,) and runs[0][0][-1] < runs[0][0][0]
    seen = []
    dd.train_denoiser(dd.make_denoiser(SMALL, AB.size, 0), tokens, AB, epochs=3, seed=0, callback=seen.append)
    assert seen == [1, 2, 3]


def test_run_is_reproducible(torch1):
    kw = dict(epochs=2, eval_epochs=(1, 2), seed=3, config=SMALL, n_samples=60, hidden=8, batch=128)
    r1 = dd.run_digit_diffusion(AB, **kw)
    r2 = dd.run_digit_diffusion(AB, **kw)
    assert np.array_equal(r1.fd, r2.fd, equal_nan=True) and np.array_equal(r1.counts, r2.counts)
    assert np.array_equal(r1.loss, r2.loss) and np.array_equal(r1.floor, r2.floor)
    assert r1.fd.shape == (2, 4) and r1.counts.sum(axis=1).tolist() == [60, 60]
    assert r1.n_train.tolist() == [178, 182, 53, 183] and r1.epochs.tolist() == [1, 2]


# -- input validation ------------------------------------------------------------------------------
@pytest.mark.parametrize("call, exc, word", [
    (lambda y: dd.subsample_class(y, 2, 0.0, 0), ValueError, "keep_fraction"),
    (lambda y: dd.subsample_class(y, 2, 1.5, 0), ValueError, "keep_fraction"),
    (lambda y: dd.subsample_class(y, 7, 0.3, 0), ValueError, "minority"),
    (lambda y: dd.subsample_class(y, 2, 0.3, None), ValueError, "seed"),
    (lambda y: dd.subsample_class(y, 2.5, 0.3, 0), TypeError, "minority"),
    (lambda y: dd.subsample_class(y.astype(float), 2, 0.3, 0), TypeError, "y"),
    (lambda y: dd.digit_images((1,)), ValueError, "classes"),
    (lambda y: dd.digit_images((1, 1)), ValueError, "classes"),
    (lambda y: dd.digit_images("0123"), TypeError, "classes"),
    (lambda y: dd.patchify(np.zeros((2, 8, 8)), 3), ValueError, "patch"),
    (lambda y: dd.patchify(np.zeros((8, 8)), 2), ValueError, "X"),
    (lambda y: dd.unpatchify(np.zeros((2, 16, 4)), 4), ValueError, "tokens"),
    (lambda y: dd.DenoiserConfig(width=30, heads=4), ValueError, "width"),
    (lambda y: dd.DenoiserConfig(patch=3), ValueError, "patch"),
    (lambda y: dd.DenoiserConfig(depth=0), ValueError, "depth"),
    (lambda y: dd.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), ValueError, "mu2"),
    (lambda y: dd.frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)), ValueError, "S1"),
    (lambda y: dd.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), [[1, 2], [0, 1]]), ValueError, "S2"),
    (lambda y: dd.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.nan)), ValueError, "S2"),
    (lambda y: dd.frechet_distance("a", np.eye(2), np.zeros(2), np.eye(2)), TypeError, "mu1"),
    (lambda y: dd.gaussian_stats(np.zeros((1, 3))), ValueError, "F"),
    (lambda y: dd.frechet_distance_samples(np.zeros((5, 2)), np.zeros((5, 3))), ValueError, "F1 and F2"),
    (lambda y: dd.classifier_features(object(), np.zeros((2, 64))), TypeError, "clf"),
    (lambda y: dd.run_digit_diffusion(AB[::-1], epochs=1, eval_epochs=(1,), seed=0), ValueError, "alpha_bar"),
    (lambda y: dd.run_digit_diffusion(AB, epochs=2, eval_epochs=(3,), seed=0), ValueError, "eval_epochs"),
    (lambda y: dd.run_digit_diffusion(AB, epochs=2, eval_epochs=(1,), seed=0, minority=5), ValueError, "minority"),
    (lambda y: dd.run_digit_diffusion(AB, epochs=1.5, eval_epochs=(1,), seed=0), TypeError, "epochs"),
    (lambda y: dd.run_digit_diffusion(AB, epochs=1, eval_epochs=(1,), seed=0, config="big"), TypeError, "config"),
])
def test_validation(digits4, call, exc, word):
    with pytest.raises(exc, match=word):
        call(digits4[1])


def test_validation_torch(torch1, clf, digits4):
    model = dd.make_denoiser(SMALL, T=AB.size, seed=0)
    tokens = dd.patchify(digits4[0][:8], 2)
    with pytest.raises(TypeError, match="model"):
        dd.sample("net", AB, 4, 0)
    with pytest.raises(TypeError, match="clip_x0"):
        dd.sample(model, AB, 4, 0, clip_x0=1)
    with pytest.raises(ValueError, match="alpha_bar"):
        dd.sample(model, np.array([0.5, 1.0]), 4, 0)
    with pytest.raises(ValueError, match="n"):
        dd.sample(model, AB, 0, 0)
    with pytest.raises(TypeError, match="model"):
        dd.train_denoiser(None, tokens, AB, epochs=1, seed=0)
    with pytest.raises(ValueError, match="tokens"):
        dd.train_denoiser(model, tokens[0], AB, epochs=1, seed=0)
    with pytest.raises(ValueError, match="lr"):
        dd.train_denoiser(model, tokens, AB, epochs=1, seed=0, lr=0.0)
    with pytest.raises(TypeError, match="callback"):
        dd.train_denoiser(model, tokens, AB, epochs=1, seed=0, callback=3)
    with pytest.raises(TypeError, match="config"):
        dd.make_denoiser({"width": 8}, T=10, seed=0)
    with pytest.raises(ValueError, match="min_count"):
        dd.per_class_frechet(clf, digits4[0], digits4[0], digits4[1], (0, 1, 2, 3), seed=0, min_count=1)


# -- class conditioning, DDIM, the Concept Lancet stand-in helpers ---------------------------------
def _params(torch, m):
    return torch.cat([p.detach().ravel() for p in m.parameters()])


def test_conditional_model_shapes_and_unconditional_unchanged(torch1):
    torch = torch1
    plain = dd.make_denoiser(SMALL, T=10, seed=0)
    cond = dd.make_denoiser(SMALL, T=10, seed=0, cond_dim=3)
    # the conditioning MLP is built last: every unconditional weight is drawn identically
    ps, cs = plain.state_dict(), cond.state_dict()
    assert set(ps) < set(cs) and all(k.startswith("cond.") for k in set(cs) - set(ps))
    assert all(torch.equal(ps[k], cs[k]) for k in ps)
    assert torch.equal(_params(torch, plain), _params(torch, dd.make_denoiser(SMALL, T=10, seed=0, cond_dim=0)))
    x, t = torch.zeros(2, 16, 4), torch.tensor([0, 5])
    assert cond(x, t, torch.ones(2, 3)).shape == (2, 16, 4)
    with pytest.raises(ValueError, match="c must"):
        cond(x, t)
    with pytest.raises(ValueError, match="c must"):
        cond(x, t, torch.ones(2, 4))
    with pytest.raises(ValueError, match="c must be None"):
        plain(x, t, torch.ones(2, 3))


def test_conditioning_changes_the_output(torch1):
    torch = torch1
    m = dd.make_denoiser(SMALL, T=AB.size, seed=1, cond_dim=3)
    x, t = torch.randn(4, 16, 4, generator=torch.Generator().manual_seed(0)), torch.full((4,), 3)
    with torch.no_grad():
        e1, e2 = m(x, t, torch.eye(3)[[0, 0, 0, 0]]), m(x, t, torch.eye(3)[[1, 1, 1, 1]])
    assert not torch.allclose(e1, e2)
    xT = dd.initial_noise(m, 4, 0)
    a = dd.sample_ddim(m, AB, xT, cond=np.eye(3)[0])
    b = dd.sample_ddim(m, AB, xT, cond=np.eye(3)[1])
    assert np.max(np.abs(a - b)) > 1e-3
    # a single vector is broadcast to every sample
    assert np.array_equal(a, dd.sample_ddim(m, AB, xT, cond=np.tile(np.eye(3)[0], (4, 1))))


def test_ddim_is_deterministic_and_matches_eq_1(torch1):
    """Without clipping, the sampler is the DDIM step of Concept Lancet's eq. (1) (sigma = 0)
    iterated from x_T; with clipping it is a deterministic function of x_T too."""
    torch = torch1
    from theorems.concept_lancet import ddim_step

    m = dd.make_denoiser(SMALL, T=AB.size, seed=2, cond_dim=2)
    xT = dd.initial_noise(m, 3, np.random.default_rng(4))
    assert xT.shape == (3, 16, 4) and np.array_equal(xT, dd.initial_noise(m, 3, np.random.default_rng(4)))
    c = np.array([[1.0, 0.0], [0.3, 0.2], [0.0, -1.0]])
    got = dd.sample_ddim(m, AB, xT, cond=c, clip_x0=False)
    ab_prev = np.concatenate([[1.0], AB[:-1]])
    x = xT.astype(np.float32).astype(np.float64)
    with torch.no_grad():
        for t in range(AB.size - 1, -1, -1):
            eps = m(torch.as_tensor(x, dtype=torch.float32), torch.full((3,), t),
                    torch.as_tensor(c, dtype=torch.float32)).double().numpy()
            x = ddim_step(x, eps, AB[t], ab_prev[t])
    assert np.allclose(got, np.clip(x, -1, 1), atol=1e-4)         # float32 network vs float64 algebra
    for clip in (True, False):
        # chunks change only the float32 kernels' batch size: equal to float32 round-off
        assert np.allclose(dd.sample_ddim(m, AB, xT, cond=c, clip_x0=clip),
                           dd.sample_ddim(m, AB, xT, cond=c, clip_x0=clip, chunk=2), atol=1e-5)
    clipped = dd.sample_ddim(m, AB, xT, cond=c)
    assert np.all(np.abs(clipped) <= 1) and np.array_equal(clipped, dd.sample_ddim(m, AB, xT, cond=c))


def test_conditional_training_and_ancestral_sampling_are_seeded(torch1, digits4):
    torch = torch1
    X, y = digits4
    tokens = dd.patchify(X[:64], 2)
    C = np.eye(5)[y[:64]]
    runs = []
    for seed in (0, 0, 1):
        rng = np.random.default_rng(seed)
        m = dd.make_denoiser(SMALL, AB.size, rng, cond_dim=5)
        loss = dd.train_denoiser(m, tokens, AB, epochs=2, seed=rng, batch=32, cond=C, p_uncond=0.2,
                                 null_cond=np.eye(5)[4])
        runs.append((loss, _params(torch, m), dd.sample(m, AB, 6, 9, cond=np.eye(5)[1])))
    assert np.array_equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    assert np.array_equal(runs[0][2], runs[1][2]) and not np.array_equal(runs[0][0], runs[2][0])
    # the same stream without dropout draws differently (the dropout draws come from the seed)
    rng = np.random.default_rng(0)
    m = dd.make_denoiser(SMALL, AB.size, rng, cond_dim=5)
    assert not np.array_equal(runs[0][0], dd.train_denoiser(m, tokens, AB, epochs=2, seed=rng, batch=32, cond=C))


def test_conditional_validation(torch1, digits4):
    tokens = dd.patchify(digits4[0][:8], 2)
    plain = dd.make_denoiser(SMALL, T=AB.size, seed=0)
    cm = dd.make_denoiser(SMALL, T=AB.size, seed=0, cond_dim=3)
    C = np.zeros((8, 3))
    cases = [
        (lambda: dd.make_denoiser(SMALL, T=10, seed=0, cond_dim=-1), ValueError, "cond_dim"),
        (lambda: dd.make_denoiser(SMALL, T=10, seed=0, cond_dim=1.5), TypeError, "cond_dim"),
        (lambda: dd.train_denoiser(plain, tokens, AB, epochs=1, seed=0, cond=C), ValueError, "conditional model"),
        (lambda: dd.train_denoiser(cm, tokens, AB, epochs=1, seed=0), ValueError, "cond"),
        (lambda: dd.train_denoiser(cm, tokens, AB, epochs=1, seed=0, cond=C[:5]), ValueError, "cond"),
        (lambda: dd.train_denoiser(cm, tokens, AB, epochs=1, seed=0, cond=C, p_uncond=1.5), ValueError, "p_uncond"),
        (lambda: dd.train_denoiser(cm, tokens, AB, epochs=1, seed=0, cond=C, null_cond=np.zeros(2)), ValueError,
         "null_cond"),
        (lambda: dd.sample(plain, AB, 2, 0, cond=np.zeros(3)), ValueError, "cond"),
        (lambda: dd.sample(cm, AB, 2, 0), ValueError, "cond"),
        (lambda: dd.sample(cm, AB, 2, 0, cond=np.zeros((3, 3))), ValueError, "cond"),
        (lambda: dd.sample(cm, AB, 2, 0, cond=np.full(3, np.nan)), ValueError, "cond"),
        (lambda: dd.sample_ddim(cm, AB, np.zeros((2, 16, 3)), cond=np.zeros(3)), ValueError, "x_T"),
        (lambda: dd.sample_ddim(cm, AB, np.zeros((2, 16, 4)), cond=np.zeros(2)), ValueError, "cond"),
        (lambda: dd.sample_ddim("net", AB, np.zeros((2, 16, 4))), TypeError, "model"),
        (lambda: dd.sample_ddim(cm, AB, np.zeros((2, 16, 4)), cond=np.zeros(3), clip_x0=0), TypeError, "clip_x0"),
        (lambda: dd.initial_noise(cm, 0, 0), ValueError, "n"),
    ]
    for call, exc, word in cases:
        with pytest.raises(exc, match=word):
            call()


def test_concept_atoms_presence_and_background(digits4):
    X, y = digits4
    A = dd.concept_atoms(5, 8, 0)
    assert A.shape == (8, 5) and np.allclose(A.T @ A, np.eye(5), atol=1e-12)
    assert np.array_equal(A, dd.concept_atoms(5, 8, 0)) and not np.allclose(A, dd.concept_atoms(5, 8, 1))
    p = dd.ink_presence(X, y, 0.3, 1.5)
    ink = ((X + 1) / 2).sum(axis=(1, 2))
    for k in range(4):
        i = y == k
        assert p[i].min() > 0.3 and p[i].max() < 1.5 and abs(p[i].mean() - 0.9) < 1e-12   # ranks: uniform grid
        assert np.all(np.diff(p[i][np.argsort(ink[i], kind="stable")]) > 0)                # monotone in ink
    M = dd.background_mask(X, y, 0, 1)
    assert M.shape == (8, 8) and M.dtype == bool and 0 < M.sum() < 64
    assert np.all(X[y == 0].mean(0)[M] <= -0.75) and np.all(X[y == 1].mean(0)[M] <= -0.75)
    assert np.array_equal(M, dd.background_mask(X, y, 1, 0))
    with pytest.raises(ValueError, match="dim"):
        dd.concept_atoms(5, 4, 0)
    with pytest.raises(ValueError, match="high"):
        dd.ink_presence(X, y, 1.0, 1.0)
    with pytest.raises(ValueError, match="b="):
        dd.background_mask(X, y, 0, 7)


def test_edit_metrics(clf, digits4):
    X, y = digits4
    src = X[y == 0][:5]
    M = dd.background_mask(X, y, 0, 1)
    same = dd.edit_metrics(clf, src, src, 0, M)
    assert np.all(same["mse"] == 0) and np.all(same["mse_bg"] == 0) and same["hit"].mean() > 0.5
    ed = src.copy()
    ed[:, M] += 0.5                                   # a change confined to the background
    r = dd.edit_metrics(clf, src, ed, 1, M)
    assert np.allclose(r["mse_bg"], 0.25) and np.allclose(r["mse"], 0.25 * M.sum() / 64)
    with pytest.raises(ValueError, match="mask"):
        dd.edit_metrics(clf, src, ed, 1, np.zeros((8, 8), bool))
    with pytest.raises(ValueError, match="edited"):
        dd.edit_metrics(clf, src, ed[:3], 1, M)


def test_train_conditional_digits_is_seeded(torch1):
    kw = dict(epochs=1, seed=0, config=SMALL, cond_dim=6, batch=256)
    a, b = dd.train_conditional_digits(AB, **kw), dd.train_conditional_digits(AB, **kw)
    assert np.array_equal(a.loss, b.loss) and np.array_equal(a.atoms, b.atoms)
    assert a.atoms.shape == (6, 5) and a.X.shape == (720, 8, 8) and a.index(2) == 2
    xT = dd.initial_noise(a.model, 2, 0)
    assert np.array_equal(dd.sample_ddim(a.model, AB, xT, cond=a.atoms[:, 0]),
                          dd.sample_ddim(b.model, AB, xT, cond=b.atoms[:, 0]))
    with pytest.raises(ValueError, match="cond_dim"):
        dd.train_conditional_digits(AB, epochs=1, seed=0, cond_dim=4)
    with pytest.raises(ValueError, match="digit"):
        a.index(7)
