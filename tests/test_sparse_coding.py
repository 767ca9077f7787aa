"""Unit tests of numerics.sparse_coding: the elastic-net decomposition, its scaling against
scikit-learn, the transplant operations, the synthetic dictionaries and the stand-ins.

There is no trained model with analytic gradients here, so the Taylor-remainder test of
other modules is replaced by brute force: the solver's output is compared with a direct
minimisation of the same objective by scipy (L-BFGS-B on the split ``w = p - q``,
``p, q >= 0``, which makes the l1 term smooth and the problem bound-constrained), and the
KKT conditions are checked against one-sided directional derivatives of the objective.
"""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from numerics import sparse_coding as sc
from theorems import concept_lancet as cl

L1, L2 = sc.DEFAULT_L1, sc.DEFAULT_L2


def _small(seed: int = 0, d: int = 6, N: int = 4):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, N)) * rng.uniform(0.5, 2.0, N)
    v = rng.standard_normal(d)
    return v, D


def _brute(v, D, l1, l2, normalize):
    """Minimise the SPAMS objective (weighted when ``normalize``) by L-BFGS-B on w = p - q."""
    N = D.shape[1]

    def fun(pq):
        w = pq[:N] - pq[N:]
        nv = np.linalg.norm(v) if normalize else 1.0
        s = np.linalg.norm(D, axis=0) / nv if normalize else np.ones(N)
        r = (v - D @ w) / nv
        g_w = -(D.T @ r) / nv + l2 * s * s * w
        f = 0.5 * r @ r + l1 * np.sum(np.tile(s, 2) * pq) + 0.5 * l2 * np.sum((s * w) ** 2)
        grad = np.concatenate([g_w + l1 * s, -g_w + l1 * s])
        return f, grad

    res = minimize(fun, np.zeros(2 * N), jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * N),
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
    return res.x[:N] - res.x[N:], res.fun


# -- scaling and brute force --------------------------------------------------------------------------
def test_spams_to_sklearn_mapping():
    p = sc.spams_to_sklearn(0.0475, 0.0025, 31)
    assert p["alpha"] == pytest.approx(0.05 / 31, rel=1e-15)
    assert p["l1_ratio"] == pytest.approx(0.95, rel=1e-15)
    with pytest.raises(ValueError, match="l1"):
        sc.spams_to_sklearn(0.0, 0.1, 5)
    with pytest.raises(ValueError, match="n"):
        sc.spams_to_sklearn(0.1, 0.1, 0)


def test_tau_alpha():
    assert sc.tau_alpha(0.95, 0.05) == pytest.approx((L1, L2), rel=1e-15)
    with pytest.raises(ValueError, match="tau"):
        sc.tau_alpha(1.5, 0.05)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("l1,l2", [(0.05, 0.0), (0.0475, 0.0025), (0.3, 0.1)])
def test_decompose_matches_brute_force(normalize, l1, l2):
    v, D = _small()
    dec = sc.decompose(v, D, l1, l2, normalize=normalize, return_info=True)
    w_bf, f_bf = _brute(v, D, l1, l2, normalize)
    # The brute-force optimum is a smooth bound-constrained problem solved to ftol 1e-15;
    # its coefficients are accurate to ~1e-6, its objective to ~1e-12.
    assert dec.objective <= f_bf + 1e-12
    assert dec.objective == pytest.approx(f_bf, abs=1e-10)
    assert np.max(np.abs(dec.w - w_bf)) < 1e-5
    assert dec.kkt < 1e-10  # sklearn at tol 1e-12 (duality gap); the claim allows 1e-8


@pytest.mark.parametrize("normalize", [False, True])
def test_kkt_agrees_with_directional_derivatives(normalize):
    """At the solution every one-sided directional derivative of F along +-e_i is >= 0
    (to O(h)); after a perturbation of one coefficient some derivative is negative and the
    KKT residual flags exactly that coordinate."""
    v, D = _small(1, d=8, N=5)
    w = sc.decompose(v, D, 0.1, 0.01, normalize=normalize)
    F = lambda x: sc.enet_objective(v, D, x, 0.1, 0.01, normalize)  # noqa: E731
    h = 1e-7
    dd = [(F(w + s * h * e) - F(w)) / h for e in np.eye(5) for s in (1, -1)]
    assert min(dd) > -1e-6  # one-sided derivatives: O(h) error from the quadratic term
    w_bad = w.copy()
    w_bad[2] += 0.05
    viol = sc.kkt_residual(v, D, w_bad, 0.1, 0.01, normalize)
    dd_bad = [(F(w_bad + s * h * e) - F(w_bad)) / h for e in np.eye(5) for s in (1, -1)]
    assert min(dd_bad) < -1e-3
    assert int(np.argmax(viol)) == 2 and viol[2] > 1e-3


def test_kkt_residual_matches_theorems_and_sklearn_scaling():
    v, D = _small(2, d=10, N=6)
    w = np.random.default_rng(0).standard_normal(6)
    for normalize in (False, True):
        a = sc.kkt_residual(v, D, w, L1, L2, normalize)
        b = cl.enet_kkt_violation(v, D, w, L1, L2, normalize=normalize)
        assert np.allclose(a, b, rtol=1e-13, atol=1e-15)
    sk = sc.kkt_residual(v, D, w, L1, L2, convention="sklearn")
    assert np.allclose(sk * v.size, sc.kkt_residual(v, D, w, L1, L2), rtol=1e-14)
    with pytest.raises(ValueError, match="convention"):
        sc.kkt_residual(v, D, w, L1, L2, convention="spam")


def test_sklearn_objective_gradient_in_its_own_scaling():
    """sklearn's objective G = 1/(2n)||y - Xc||^2 + a r||c||_1 + a(1 - r)/2 ||c||^2 with the
    mapped (a, r): its smooth-part gradient on the support equals -a r sign(c)."""
    v, D = _small(3, d=12, N=5)
    c, info = sc.sklearn_enet(v, D, 0.05, 0.01)
    a, r, n = info["sklearn"]["alpha"], info["sklearn"]["l1_ratio"], v.size
    g = -(D.T @ (v - D @ c)) / n + a * (1 - r) * c
    on = c != 0
    assert np.any(on)
    # KKT ~1e-12 in the SPAMS scale is ~1e-12 / n here
    assert np.allclose(g[on], -a * r * np.sign(c[on]), rtol=0, atol=1e-12)
    assert np.all(np.abs(g[~on]) <= a * r + 1e-12)


def test_mapping_mistakes_break_the_kkt_conditions():
    v, D = _small(4, d=30, N=5)
    c_ok, _ = sc.sklearn_enet(v, D, 0.05, 0.01)
    c_no_n, _ = sc.sklearn_enet(v, D, 0.05, 0.01, alpha_scale=v.size)
    c_int, _ = sc.sklearn_enet(v + 3.0, D + 1.0, 0.05, 0.01, fit_intercept=True)  # uncentred data
    assert sc.kkt_residual(v, D, c_ok, 0.05, 0.01).max() < 1e-12
    assert sc.kkt_residual(v, D, c_no_n, 0.05, 0.01).max() > 1e-3
    assert sc.kkt_residual(v + 3.0, D + 1.0, c_int, 0.05, 0.01).max() > 1e-3


def test_cd_matches_sklearn_and_handles_zero_columns():
    v, D = _small(5, d=20, N=6)
    X = np.column_stack([np.zeros(20), D])
    c_sk, _ = sc.solve_enet(v, X, 0.05, 0.01)
    c_cd, _ = sc.solve_enet(v, X, 0.05, 0.01, solver="cd")
    assert c_cd[0] == 0.0 and c_sk[0] == 0.0
    assert np.max(np.abs(c_sk - c_cd)) < 1e-10
    with pytest.raises(RuntimeError, match="did not reach"):
        sc.enet_cd(v, X, 0.05, 0.01, tol=1e-15, max_sweeps=1)
    with pytest.raises(ValueError, match="solver"):
        sc.solve_enet(v, X, 0.05, 0.01, solver="spams")


def test_sklearn_non_convergence_raises():
    from sklearn.exceptions import ConvergenceWarning

    v, D = _small(6, d=40, N=30)
    with pytest.raises(ConvergenceWarning):
        sc.sklearn_enet(v, D, 1e-6, 0.0, max_iter=1)


def test_ridge_and_least_squares_limits():
    v, D = _small(7, d=10, N=4)
    w_ls = sc.decompose(v, D, 0.0, 0.0, normalize=False)
    assert np.allclose(w_ls, np.linalg.lstsq(D, v, rcond=None)[0], rtol=1e-10)
    w_r = sc.decompose(v, D, 0.0, 0.3, normalize=False)
    assert np.allclose(w_r, np.linalg.solve(D.T @ D + 0.3 * np.eye(4), D.T @ v), rtol=1e-10)


def test_decompose_path_matches_pointwise():
    v, D = _small(8, d=40, N=8)
    alphas = np.array([0.01, 0.2, 0.05])
    P = sc.decompose_path(v, D, alphas, tau=0.95)
    for a, row in zip(alphas, P):
        assert np.max(np.abs(row - sc.decompose(v, D, *sc.tau_alpha(0.95, a)))) < 1e-9
    with pytest.raises(ValueError, match="alphas"):
        sc.decompose_path(v, D, [-1.0])


# -- the embedding --------------------------------------------------------------------------------------
def test_svd_embed_isometry_and_truncation():
    Z = np.random.default_rng(0).standard_normal((5, 40))
    E = sc.svd_embed(Z)
    assert E.shape == (5, 5)
    assert sc.gram_preserved(Z, E)
    T = sc.svd_embed(Z, "top_d", 2)
    assert T.shape == (5, 2) and not sc.gram_preserved(Z, T)
    assert sc.svd_embed(Z.T).shape == (40, 5)  # fewer columns than rows: k = dim
    with pytest.raises(ValueError, match="method"):
        sc.svd_embed(Z, "top_energy", 0.9)
    with pytest.raises(ValueError, match="param"):
        sc.svd_embed(Z, "top_d", 9)
    with pytest.raises(ValueError, match="backend"):
        sc.svd_embed(Z, backend="jax")
    with pytest.raises(ValueError, match="rows"):
        sc.gram_preserved(Z, Z[:3])


def test_torch_float32_embedding_agrees():
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    D = rng.standard_normal((2048, 20)) / np.sqrt(2048)
    v, _ = sc.sparse_signal(D, 3, rng, sigma=0.02)
    w64 = sc.decompose(v, D)
    w32 = sc.decompose(v, D, backend="torch")
    # float32 SVD: ~1e-7 relative in the Gram matrix, amplified by the conditioning of the
    # problem; the card expects agreement to ~1e-5 relative (1e-4 allowed).
    assert np.max(np.abs(w32 - w64)) <= 1e-4 * np.max(np.abs(w64))
    assert np.array_equal(w32, sc.decompose(v, D, backend="torch"))  # seeded: repeatable


# -- validation ---------------------------------------------------------------------------------------------
def test_decompose_validation():
    v, D = _small()
    with pytest.raises(ValueError, match="D must have"):
        sc.decompose(v, D[:-1])
    with pytest.raises(ValueError, match="v must be 1-dimensional"):
        sc.decompose(D, D)
    with pytest.raises(ValueError, match="l1"):
        sc.decompose(v, D, -0.1, 0.0)
    with pytest.raises(TypeError, match="l2"):
        sc.decompose(v, D, 0.1, "0.1")
    with pytest.raises(TypeError, match="v"):
        sc.decompose("v", D)
    Dz = D.copy()
    Dz[:, 1] = 0.0
    with pytest.raises(ValueError, match="atoms \\[1\\]"):
        sc.decompose(v, Dz)
    with pytest.raises(ValueError, match="v must be nonzero"):
        sc.decompose(np.zeros_like(v), D)
    bad = v.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="v contains NaN"):
        sc.decompose(bad, D)
    # normalize=False tolerates a zero atom (its coefficient is 0)
    assert sc.decompose(v, Dz, normalize=False)[1] == 0.0


def test_decompose_is_reproducible_and_reports():
    v, D = _small(9, d=30, N=10)
    a = sc.decompose(v, D, return_info=True)
    b = sc.decompose(v, D, return_info=True)
    assert np.array_equal(a.w, b.w)
    assert a.info["n_rows"] == 11 and a.info["solver"] == "sklearn"
    assert np.allclose(a.residual, v - D @ a.w, rtol=0, atol=1e-15)
    assert a.objective == pytest.approx(sc.enet_objective(v, D, a.w, L1, L2, True), rel=1e-15)


# -- transplant operations -----------------------------------------------------------------------------------
def test_transplant_operations_swap_one_column_and_keep_the_rest():
    rng = np.random.default_rng(0)
    v, D = _small(10, d=12, N=5)
    D0 = D.copy()
    w = sc.decompose(v, D)
    d_tgt = rng.standard_normal(12)
    v_rep, D_rep = sc.replace(v, D, w, 2, d_tgt)
    assert np.array_equal(D, D0)  # the input dictionary is not modified
    assert np.array_equal(D_rep[:, 2], d_tgt) and np.array_equal(np.delete(D_rep, 2, 1), np.delete(D, 2, 1))
    assert np.allclose(v_rep, cl.transplant(v, D, w, 2, d_tgt), rtol=1e-13, atol=1e-14)
    assert np.allclose(sc.remove(v, D, w, 2, d_tgt)[0], v_rep, rtol=0, atol=0)
    assert np.allclose(sc.add(v, D, w, 2, d_tgt)[0], v_rep, rtol=0, atol=0)
    with pytest.raises(ValueError, match="src"):
        sc.replace(v, D, w, 5, d_tgt)
    with pytest.raises(ValueError, match="counterpart"):
        sc.add(v, D, w, -1, d_tgt)
    with pytest.raises(ValueError, match="d_tgt"):
        sc.replace(v, D, w, 0, d_tgt[:3])
    with pytest.raises(ValueError, match="w must have shape"):
        sc.replace(v, D, w[:3], 0, d_tgt)


# -- synthetic dictionaries ------------------------------------------------------------------------------------
def test_random_dictionary_seeded_unit_and_coherence():
    A = sc.random_dictionary(256, 20, 3)
    assert np.array_equal(A, sc.random_dictionary(256, 20, 3))
    assert np.allclose(np.linalg.norm(A, axis=0), 1.0, rtol=1e-14)
    C = sc.random_dictionary(4096, 20, 3, coherence=0.5)
    cos = C.T @ C
    off = cos[~np.eye(20, dtype=bool)]
    assert abs(off.mean() - 0.5) < 0.05  # concentration at d = 4096: sd ~ 1/sqrt(d) per pair
    assert sc.mutual_coherence(A) < 0.35
    with pytest.raises(ValueError, match="coherence"):
        sc.random_dictionary(10, 3, 0, coherence=1.0)
    with pytest.raises(ValueError, match="seed"):
        sc.random_dictionary(10, 3, None)


def test_orthonormal_dictionary_and_coherent_pair():
    Q = sc.orthonormal_dictionary(16, 5, 0, norms=[1, 2, 3, 4, 5])
    G = Q.T @ Q
    assert np.allclose(G, np.diag([1, 4, 9, 16, 25]), atol=1e-13)
    with pytest.raises(ValueError, match="N"):
        sc.orthonormal_dictionary(4, 5, 0)
    with pytest.raises(ValueError, match="norms"):
        sc.orthonormal_dictionary(8, 2, 0, norms=[1.0, -1.0])
    A = sc.random_dictionary(64, 6, 1)
    B = sc.coherent_pair(A, 0, 3, 0.99, 2)
    assert B[:, 0] @ B[:, 3] == pytest.approx(0.99, abs=1e-14)
    assert np.linalg.norm(B[:, 3]) == pytest.approx(1.0, abs=1e-14)
    assert sc.mutual_coherence(B) >= 0.99 - 1e-12
    with pytest.raises(ValueError, match="differ"):
        sc.coherent_pair(A, 1, 1, 0.5, 0)


def test_sparse_signal_noise_conventions():
    D = sc.orthonormal_dictionary(400, 10, 0)
    v0, w0 = sc.sparse_signal(D, 3, 1)
    assert np.count_nonzero(w0) == 3 and np.all((np.abs(w0[w0 != 0]) >= 0.3) & (np.abs(w0[w0 != 0]) <= 1.5))
    assert np.allclose(v0, D @ w0)
    vu, _ = sc.sparse_signal(D, 3, 1, sigma=1.0)
    ve, _ = sc.sparse_signal(D, 3, 1, sigma=1.0, noise="entry")
    # same draws: the unit convention is the entry one divided by sqrt(d)
    assert np.allclose((ve - v0) / np.sqrt(400), vu - v0, rtol=1e-12, atol=1e-15)
    assert 0.8 < np.linalg.norm(vu - v0) < 1.2
    with pytest.raises(ValueError, match="noise"):
        sc.sparse_signal(D, 3, 1, sigma=1.0, noise="gauss")
    with pytest.raises(ValueError, match="support"):
        sc.sparse_signal(D, 3, 1, support=[0, 1])


def test_experiment_helpers_are_seeded():
    a = sc.support_recovery_trials(5, 7)
    b = sc.support_recovery_trials(5, 7)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    s = sc.adaptive_strength_samples(4, 0, d=32, N=6)
    assert s["V"].shape == (4, 32) and s["W"].shape == (4, 6)
    assert abs(s["d_tgt"] @ s["D"]).max() < 1e-14
    f = sc.nested_dictionary_fits(*_small(11, d=10, N=6), sizes=[1, 3, 6])
    assert np.all(np.diff(f["objective"]) <= 1e-14)
    with pytest.raises(ValueError, match="sizes"):
        sc.nested_dictionary_fits(*_small(11, d=10, N=6), sizes=[7])


# -- stand-ins ------------------------------------------------------------------------------------------------
def test_sequence_encoder_is_stable_and_additive():
    enc = sc.SequenceEncoder(length=4, dim=8)
    a = enc.encode("A cat")
    assert np.array_equal(a, sc.SequenceEncoder(length=4, dim=8).encode("a cat"))  # case-folded, stable hash
    rows = a.reshape(4, 8)
    # position p holds tok(word_p) + pos(p): swapping the words moves their token parts
    b = enc.encode("cat a").reshape(4, 8)
    pos = enc.encode("<pad> <pad> <pad> <pad>").reshape(4, 8) - enc._vec("<pad>")
    assert np.allclose(rows[0] - pos[0], b[1] - pos[1], atol=1e-15)
    assert enc.tokens("one two three four five") == ["one", "two", "three", "four"]
    assert enc.encode_many(["a", "b"]).shape == (2, 32)
    with pytest.raises(TypeError, match="sentence"):
        enc.encode(3)
    with pytest.raises(TypeError, match="sentences"):
        enc.encode_many("a b")


# -- the Word2Vec stand-in (optional extra ``text``: gensim) ------------------------------------------------
TINY_CORPUS = ["alpha beta gamma delta", "alpha beta epsilon", "gamma delta alpha", "beta epsilon gamma"] * 3


@pytest.fixture(scope="module")
def lee_encoder():
    """The default encoder on the Lee corpus, trained once for this module."""
    pytest.importorskip("gensim")
    return sc.Word2VecEncoder()


def test_lee_corpus_and_default_encoder(lee_encoder):
    docs = sc.lee_corpus()
    assert len(docs) == 300 and all(isinstance(d, str) for d in docs)
    enc = lee_encoder
    assert (enc.vector_size, enc.window, enc.min_count, enc.epochs, enc.seed) == (64, 5, 2, 20, 0)
    assert (enc.n_documents, enc.n_tokens, len(enc)) == (300, 58152, 3955)
    assert enc.dim == 64 and enc.vectors.shape == (3955, 64) and enc.vectors.dtype == np.float64
    assert not enc.vectors.flags.writeable
    assert enc.index_to_key[0] == "the"  # sorted by descending count
    v = enc.encode("Israeli police arrested Palestinian militants")
    assert v.shape == (64,) and v.dtype == np.float64 and np.all(np.isfinite(v))
    assert enc.encode_many(["police", "army", ""]).shape == (3, 64)
    assert enc.encode_many([]).shape == (0, 64)


def test_word2vec_encoding_is_the_mean_of_word_vectors(lee_encoder):
    enc = lee_encoder
    assert enc.tokens("The POLICE, and the army!") == ["the", "police", "and", "the", "army"]
    s = "the police police army"
    manual = (enc.word_vector("the") + 2 * enc.word_vector("police") + enc.word_vector("army")) / 4
    assert np.allclose(enc.encode(s), manual, rtol=0, atol=1e-15)  # every occurrence counts
    # the float64 vectors are gensim's float32 ones, converted exactly
    assert np.array_equal(enc.word_vector("police").astype(np.float32).astype(float), enc.word_vector("police"))
    with pytest.raises(KeyError):
        enc.word_vector("zyzzyva")


def test_word2vec_out_of_vocabulary_handling(lee_encoder):
    enc = lee_encoder
    assert "police" in enc and "zyzzyva" not in enc and 3 not in enc
    # out-of-vocabulary tokens are dropped from the mean; one-letter words never become tokens
    assert np.array_equal(enc.encode("police zyzzyva"), enc.encode("police"))
    assert enc.known("a police zyzzyva") == ["police"]
    for s in ("", "a", "zyzzyva qwxzt", "   "):
        assert np.array_equal(enc.encode(s), np.zeros(64)), s  # the null concept: the zero vector
    strict = sc.Word2VecEncoder(TINY_CORPUS, vector_size=8, epochs=2, empty="raise")
    assert strict.encode("alpha").shape == (8,)
    with pytest.raises(ValueError, match="no in-vocabulary word"):
        strict.encode("")
    # a zero null concept cannot be a normalised atom, but a remove edit with it subtracts
    D = enc.encode_many(["police", "army"]).T
    with pytest.raises(ValueError, match="zero"):
        sc.decompose(enc.encode("police army"), np.column_stack([D, enc.encode("")]))
    v = enc.encode("police army")
    w = sc.decompose(v, D)
    v_rm, _ = sc.remove(v, D, w, 0, enc.encode(""))
    assert np.allclose(v_rm, v - w[0] * D[:, 0], rtol=0, atol=1e-15)


def test_word2vec_reproducible_in_process(lee_encoder):
    again = sc.Word2VecEncoder()
    assert again.index_to_key == lee_encoder.index_to_key
    assert np.array_equal(again.vectors, lee_encoder.vectors)  # bit for bit
    assert again.fingerprint() == lee_encoder.fingerprint()
    other = sc.Word2VecEncoder(seed=1)
    assert other.index_to_key == lee_encoder.index_to_key and not np.array_equal(other.vectors, lee_encoder.vectors)
    assert sc._stable_hash("police") == 0xE47C5959  # crc32: the same in every process (Python's hash is salted)


def test_word2vec_independent_of_the_hash_seed(lee_encoder):
    """The trained vectors do not depend on PYTHONHASHSEED (gensim 4 seeds from numpy, not hash)."""
    mine = os.environ.get("PYTHONHASHSEED")
    other = "1" if mine == "0" else "0"
    code = ("from numerics.sparse_coding import Word2VecEncoder; "
            "print(Word2VecEncoder().fingerprint()); print(hash('concept lancet'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONHASHSEED": other})
    fingerprint, salted = out.stdout.split()
    assert int(salted) != hash("concept lancet")  # the two processes do salt str hashes differently
    assert fingerprint == lee_encoder.fingerprint()


def test_word2vec_validation():
    pytest.importorskip("gensim")
    for kw, exc, name in [({"vector_size": 0}, ValueError, "vector_size"), ({"window": 1.5}, TypeError, "window"),
                          ({"min_count": 0}, ValueError, "min_count"), ({"epochs": 0}, ValueError, "epochs"),
                          ({"seed": -1}, ValueError, "seed"), ({"seed": 2**32}, ValueError, "seed"),
                          ({"seed": True}, TypeError, "seed"), ({"empty": "nan"}, ValueError, "empty")]:
        with pytest.raises(exc, match=name):
            sc.Word2VecEncoder(TINY_CORPUS, **kw)
    with pytest.raises(TypeError, match="corpus"):
        sc.Word2VecEncoder("alpha beta alpha beta")
    with pytest.raises(TypeError, match="corpus"):
        sc.Word2VecEncoder(["alpha beta", 3])
    with pytest.raises(ValueError, match="corpus has no tokens"):
        sc.Word2VecEncoder(["a b c", "1 2 3"])
    with pytest.raises(ValueError, match="min_count"):
        sc.Word2VecEncoder(["alpha beta gamma"], min_count=2)
    enc = sc.Word2VecEncoder(TINY_CORPUS, vector_size=8, epochs=2)
    assert set(enc.index_to_key) == {"alpha", "beta", "gamma", "delta", "epsilon"}
    with pytest.raises(TypeError, match="sentence"):
        enc.encode(3)
    with pytest.raises(TypeError, match="sentences"):
        enc.encode_many("alpha beta")
    with pytest.raises(TypeError, match="word"):
        enc.word_vector(3)


def test_affine_score_identity():
    rng = np.random.default_rng(0)
    m, dt = 6, 4
    G, A, z = rng.standard_normal((m, m)), rng.standard_normal((m, dt)), rng.standard_normal(m)
    atoms = rng.standard_normal((dt, 3))
    w = np.array([0.3, 0.9, -0.4])
    lhs = sc.affine_score(z, atoms @ w, G, A, 0.6)
    rhs = sum(w[i] * sc.affine_score(z, atoms[:, i], G, A, 0.6) for i in range(3)) + (1 - w.sum()) * G @ z
    assert np.allclose(lhs, rhs, rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="A must have shape"):
        sc.affine_score(z, atoms[:, 0], G, A[:, :2], 0.6)


def test_no_warnings_on_default_path():
    v, D = _small(12, d=30, N=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc.decompose(v, D)
