"""Data generators: structure, separation, reproducibility, validation; digits loaders."""
import math

import numpy as np
import pytest

from numerics import data


def test_orthosep_dead_structure():
    X, y = data.orthosep_dead(0)
    assert X.shape == (20, 10) and np.sum(y > 0) == 10
    st = data.separation_stats(X, y)
    assert st["mu"] == pytest.approx(0.44, abs=0.02)  # the card's measured value for seed 0
    assert st["same_nonpos"] == 0 and st["cross_nonneg"] == 0
    assert np.all(X @ (-np.eye(10)[1]) < 0)  # -e_2 is inside S_dead
    # the noise lives in span{e_3..e_D}: x / c_i has e_1 = y_i and e_2 = 0.5
    c = X[:, 0] * y
    assert np.allclose(X[:, 1] / c, 0.5)
    assert np.allclose(np.linalg.norm(X[:, 2:] / c[:, None], axis=1), 0.4)


def test_orthosep_sym_and_class_scale():
    X, y = data.orthosep_sym(0)
    assert np.all(X[:, 1:] @ np.ones(9) != 0) and data.separation_stats(X, y)["mu"] > 0.4
    Xb, yb = data.orthosep(20, 10, seed=0, offset=0.0, noise=0.6, class_scale=(1.6, 1.0))
    assert np.allclose(Xb[yb > 0], 1.6 * X[y > 0])  # same draws, positives scaled


@pytest.mark.parametrize("seed", range(5))
def test_orthosep_without_offset_is_always_separable(seed):
    X, y = data.orthosep(30, 6, seed=seed, offset=0.0, noise=0.9)
    assert data.separation_stats(X, y)["mu"] > 0


def test_reproducible_and_seed_dependent():
    a = data.orthosep(10, 5, seed=3)
    b = data.orthosep(10, 5, seed=3)
    c = data.orthosep(10, 5, seed=4)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])
    g1 = data.gmm_sample(4, 2, 10, 0.1, seed=1, n=50)
    g2 = data.gmm_sample(4, 2, 10, 0.1, seed=1, n=50)
    assert all(np.array_equal(u, v) for u, v in zip(g1, g2))


def test_angled_classes_angle():
    X, y = data.angled_classes(200, 10, seed=0, angle=1.2)
    xp, xm = X[y > 0].sum(0), X[y < 0].sum(0)
    cos = xp @ xm / np.linalg.norm(xp) / np.linalg.norm(xm)
    assert cos == pytest.approx(-math.cos(1.2), abs=0.05)


def test_small_instances():
    X, y, W0, s = data.two_point_counterexample(1e-6)
    assert np.allclose(X, [[1, 0], [-1, 0]]) and W0[1, 0] == pytest.approx(math.sin(1e-6))
    X, y = data.two_point_mu(0.1)
    assert data.separation_stats(X, np.array([0, 0]))["mu_s"] == pytest.approx(math.sin(0.1))
    X, y = data.orthogonal_pair()
    assert np.array_equal(X, np.eye(2))
    X, y = data.toy_2d(0)
    assert data.separation_stats(X, y)["mu"] > 0


def test_pseudo_labels_and_simplex_data():
    for K in (2, 3, 5):
        E = data.pseudo_labels(K)
        assert np.allclose(np.linalg.norm(E, axis=0), 1) and np.allclose(E.sum(1), 0)
        G = E.T @ E
        assert np.allclose(G[~np.eye(K, dtype=bool)], -1 / (K - 1))
    X, lab = data.simplex_mixture(3, 6, 12, seed=0, class_scales=(0.7, 1.0, 1.4))
    st = data.separation_stats(X, lab)
    assert X.shape == (18, 12) and st["mu_s"] > 0 and st["mu_d"] > 0
    X, lab = data.simplex_private(6, 4, seed=0, class_scales=(0.9, 0.95, 1.05, 1.1))
    assert X.shape == (24, 28)
    st = data.separation_stats(X, lab)
    assert st["mu_s"] > 0.99 and st["mu_d"] == pytest.approx(1 / 3, abs=0.01)
    X, lab = data.simplex_private([10] + [5] * 9, seed=0, point_scale=(1.0, 1.0))
    assert X.shape == (55, 65) and np.bincount(lab)[0] == 10


def test_gmm_sample_moments():
    X, y, z = data.gmm_sample(10, 6, 30, 0.5, seed=0, n_per_cluster=400)
    assert np.array_equal(np.bincount(z), [400] * 10) and np.array_equal(y > 0, z < 6)
    noise = X - np.eye(30)[z]
    assert np.std(noise) == pytest.approx(0.5 / math.sqrt(30), rel=0.02)  # 120k draws: SE ~ 0.2 %


def test_digits_loaders():
    X, y = data.digits_binary(1, 0)
    assert X.shape == (360, 64) and np.sum(y > 0) == 182
    assert np.allclose(X.sum(0), 0, atol=1e-10)  # centred, so x_+ = -x_-
    st = data.separation_stats(X, y)
    # the card's Assumption-1 violation rates for 1 vs 0 (10.3 % / 3.1 %)
    assert st["same_nonpos"] == pytest.approx(0.103, abs=0.002) and st["cross_nonneg"] == pytest.approx(0.031, abs=0.002)
    X3, lab = data.digits((0, 1, 2))
    assert X3.shape == (537, 64)
    Xtr, ytr, Xte, yte = data.digits_parity(1200, seed=0)
    assert Xtr.shape == (1200, 64) and Xte.shape == (597, 64) and set(np.unique(ytr)) == {0, 1}
    assert np.allclose(Xtr.mean(0), 0, atol=1e-12)


def test_validation():
    with pytest.raises(ValueError, match="n"):
        data.orthosep(1, 5, seed=0)
    with pytest.raises(ValueError, match="scale"):
        data.orthosep(10, 5, seed=0, scale=(2.0, 1.0))
    with pytest.raises(ValueError, match="seed"):
        data.orthosep(10, 5, seed=None)
    with pytest.raises(TypeError, match="seed"):
        data.orthosep(10, 5, seed="a")
    with pytest.raises(ValueError, match="theta0"):
        data.two_point_counterexample(0.0)
    with pytest.raises(ValueError, match="classes"):
        data.digits((1, 1))
    with pytest.raises(ValueError, match="n_per_cluster"):
        data.gmm_sample(3, 1, 5, 0.1, seed=0)
    with pytest.raises(ValueError, match="labels"):
        data.separation_stats(np.ones((3, 2)), [0, 1])
