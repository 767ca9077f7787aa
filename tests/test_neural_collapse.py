"""Unit tests of theorems.neural_collapse (closed forms, sympy statements, judges) and of
numerics.collapse (semi-local initialisation, per-neuron objects, the segmented 1/loss
schedule, the limit summary, Lemma 12's constant)."""
import math

import numpy as np
import pytest
import sympy as sp

import theorems.neural_collapse as nc
from numerics import collapse as co
from numerics import data
from numerics import two_layer as tl
from numerics.fit import loglog_fit
from theorems import Outcome


def _multi_in():
    return data.simplex_private(6, 4, seed=0, noise=0.05, point_scale=(0.98, 1.02), class_scales=(0.9, 0.95, 1.05, 1.1))


def _exact_limit(X, labels, groups_sizes=None):
    """A balanced state at Theorem 1's limit: group k has neurons u_j = u_k, b_j = e~_k and
    squared norms summing to s_k^2 (split unevenly inside the group)."""
    idx, classes = co.class_index(labels)
    K = classes.size
    g = np.array([tl.one_class_max_margin(X[idx == k])[0] for k in range(K)])
    u = np.array([tl.one_class_max_margin(X[idx == k])[1] for k in range(K)])
    s = nc.nc_scales(g)
    sizes = groups_sizes or [2] * K
    U, B, logr, grp = [], [], [], []
    E = nc.pseudo_labels(K)
    for k in range(K):
        w = np.arange(1, sizes[k] + 1, dtype=float)
        w = w / w.sum() * s[k] ** 2  # r_j^2, summing to s_k^2
        for r2 in w:
            U.append(u[k] / np.linalg.norm(u[k]))
            B.append(E[:, k])
            logr.append(0.5 * math.log(r2))
            grp.append(k)
    return tl.BalancedState(np.array(U).T, np.array(B).T, np.array(logr)), g, u, s, np.array(grp)


# -- pseudo-labels and the identity -------------------------------------------------------
def test_pseudo_labels_match_the_data_module():
    for K in range(2, 12):
        assert np.array_equal(nc.pseudo_labels(K), data.pseudo_labels(K))


@pytest.mark.parametrize("K", range(3, 9))
def test_pseudo_label_identity_symbolic(K):
    E = sp.sqrt(sp.Rational(K, K - 1)) * (sp.eye(K) - sp.ones(K, K) / K)
    for k in range(K):
        y = sp.zeros(K, 1)
        y[k] = 1
        assert sp.simplify(y - sp.ones(K, 1) / K - sp.sqrt(sp.Rational(K - 1, K)) * E * y) == sp.zeros(K, 1)
    G = sp.simplify(E.T * E)
    assert all(sp.simplify(G[i, i] - 1) == 0 for i in range(K))
    assert sp.simplify(G[0, 1] + sp.Rational(1, K - 1)) == 0
    assert sp.simplify(E * sp.ones(K, 1)) == sp.zeros(K, 1)


def test_mu_d_bounds_symbolic():
    # footnote and sharp bound coincide for K = 2; the sharp one is below for K > 2
    assert sp.simplify(nc.MU_D_FOOTNOTE.subs(nc.K, 2) - nc.MU_D_SHARP.subs(nc.K, 2)) == 0
    for K in range(3, 12):
        assert nc.mu_d_upper(K) < nc.mu_d_footnote(K)
    # simplex-vertex data attain the sharp bound
    for K in range(3, 9):
        assert data.separation_stats(nc.pseudo_labels(K).T, np.arange(K))["mu_d"] == pytest.approx(1 / (K - 1), abs=1e-15)


# -- Theorem 1's limit ------------------------------------------------------------------------
def test_scales_and_shares():
    g = np.array([0.6, 0.9, 1.3])
    s = nc.nc_scales(g)
    assert 2 * np.sum(s ** 2) == pytest.approx(1.0, abs=1e-15)  # ||theta_bar||_F = 1
    assert np.allclose(nc.norm_shares(g), 2 * s ** 2, rtol=1e-15)
    # smaller margin, larger share
    assert np.all(np.diff(nc.norm_shares(g)) < 0)
    # sympy form of s_k
    gk, S = sp.symbols("gamma_k S", positive=True)
    expr = sp.sqrt(gk ** -1 / (2 * S))
    assert float(expr.subs({gk: g[1], S: np.sum(1 / g)})) == pytest.approx(s[1], rel=1e-15)


def test_limit_closed_forms_on_an_exact_limit_network():
    X, lab = _multi_in()
    state, g, u, s, grp = _exact_limit(X, lab, [2, 3, 1, 2])
    pr = tl.Problem(X, lab, loss="ce")
    summ = co.limit_summary(pr, state)
    assert np.sum(summ.W ** 2) + np.sum(summ.V ** 2) == pytest.approx(1.0, rel=1e-14)
    assert summ.margin == pytest.approx(nc.limit_margin_multiclass(g), rel=1e-12)
    assert np.allclose(summ.shares, s ** 2, rtol=1e-12)
    assert summ.min_cos == pytest.approx(1.0, abs=1e-14)
    assert np.allclose(summ.gram, np.eye(4), atol=1e-14)
    assert np.allclose(summ.V, nc.limit_classifier(summ.phi_bar, s), atol=1e-14)
    assert np.allclose(summ.V @ summ.V.T, nc.limit_classifier_gram(s), atol=1e-14)
    assert np.allclose(summ.H, nc.limit_features(X, lab, u, s, summ.phi_bar), atol=1e-14)
    m = np.array([np.mean(X[lab == k] @ u[k]) for k in range(4)])
    assert tl.nc_metrics(summ.H, lab, summ.V)["NC3"] == pytest.approx(nc.nc3_limit(m), abs=1e-12)
    assert tl.nc_metrics(summ.H, lab, summ.V)["NC2"] == pytest.approx(0.0, abs=1e-12)


def test_binary_limit_closed_forms():
    X, y = data.orthosep(20, 10, seed=0, offset=0.0, noise=0.6, class_scale=(1.6, 1.0))
    gm, um = tl.one_class_max_margin(X[y < 0])
    gp, up = tl.one_class_max_margin(X[y > 0])
    s = nc.nc_scales([gm, gp])  # label order (-1, +1)
    # neurons: two for +, one for -
    U = np.array([up, up, um]).T
    U = U / np.linalg.norm(U, axis=0)
    r2 = np.array([0.3 * s[1] ** 2, 0.7 * s[1] ** 2, s[0] ** 2])
    st0 = tl.BalancedState(U, np.array([1.0, 1.0, -1.0]), 0.5 * np.log(r2))
    pr = tl.Problem(X, y, loss="exp")
    summ = co.limit_summary(pr, st0)
    assert summ.margin == pytest.approx(nc.limit_margin_binary(gp, gm), rel=1e-12)
    assert np.allclose(summ.V[0], nc.limit_classifier_binary(summ.phi_bar, s), atol=1e-14)


def test_nc3_limit_zero_iff_equal_projections():
    assert nc.nc3_limit([2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-15)
    assert nc.nc3_limit([1.0, 2.0, 3.0]) > 0.1
    with pytest.raises(ValueError, match="m"):
        nc.nc3_limit([1.0, -1.0])


# -- Lemmas -------------------------------------------------------------------------------------
def test_kappa_table_and_symbolic_value_at_five():
    card = {3: 1.482, 4: 1.755, 5: 2.000, 6: 2.223, 7: 2.428, 8: 2.619, 10: 2.967, 20: 4.319, 50: 6.965}
    for K, v in card.items():
        assert float(nc.kappa(K)) == pytest.approx(v, abs=6e-4)
    assert sp.nsimplify(sp.simplify(nc.KAPPA.subs(nc.K, 5))) == 2
    # kappa ~ sqrt(K - 1) for large K
    assert float(nc.kappa(1001)) / math.sqrt(1000) == pytest.approx(1.0, abs=0.05)


def test_b_max_is_the_largest_other_alignment():
    rng = np.random.default_rng(0)
    for K in (3, 5, 8):
        E = nc.pseudo_labels(K)
        b = nc.b_boundary(K)
        # unit v with <e~_0, v> = b: v = b e~_0 + sqrt(1-b^2) z, z unit orthogonal to e~_0
        z = rng.standard_normal((20000, K))
        z -= np.outer(z @ E[:, 0], E[:, 0])
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        V = b * E[:, 0] + math.sqrt(1 - b * b) * z
        assert np.max(V @ E[:, 1]) <= float(nc.b_max(b, K)) + 1e-12
        # attained by v = b e~_0 + sqrt(1 - b^2) e_perp (e_perp: unit part of e~_1 orthogonal to e~_0)
        p = E[:, 1] - (E[:, 1] @ E[:, 0]) * E[:, 0]
        v = b * E[:, 0] + math.sqrt(1 - b * b) * p / np.linalg.norm(p)
        assert v @ E[:, 1] == pytest.approx(float(nc.b_max(b, K)), abs=1e-14)
    assert float(nc.b_max(0.75, 3)) == pytest.approx(0.198, abs=1e-3)  # the card's K = 3 example


def test_lemma6_counterexample_numbers():
    E = nc.pseudo_labels(3)
    p = E[:, 1] - (E[:, 1] @ E[:, 0]) * E[:, 0]
    v = math.cos(math.pi / 6) * E[:, 0] + math.sin(math.pi / 6) * p / np.linalg.norm(p)
    B1, B2 = v @ E[:, 0], v @ E[:, 1]
    assert B1 == pytest.approx(0.8660, abs=1e-4) and B2 == pytest.approx(0.0, abs=1e-15)
    lhs = abs(B2 + 0.5)
    assert lhs > 2 * (1 - B1)                       # printed: 0.268
    assert lhs <= float(nc.lemma6_bound(B1))        # corrected: 0.5176
    assert float(nc.lemma6_bound(B1)) == pytest.approx(0.5176, abs=1e-4)


def test_lemma1_bound_and_alignment_times_match_sympy():
    f = np.array([[0.1, -0.05, 0.02]])
    lam = sp.lambdify((nc.K, nc.f_norm), nc.LEMMA1_BOUND)
    assert nc.softmax_uniform_bound(f, 3)[0] == pytest.approx(lam(3, np.linalg.norm(f)), rel=1e-15)
    T = nc.alignment_phase_length(1e-3, 6, 18, 1.0)
    assert T == pytest.approx(math.log(1 / (math.sqrt(6) * 1e-3)) / (4 * 18), rel=1e-14)
    w, fb = nc.lemma2_bounds(1e-3, 6, 2.0)
    assert (w, fb) == pytest.approx((1e-3 / math.sqrt(6), 2 * 1e-3 * 2.0 * math.sqrt(6)), rel=1e-15)
    # printed and corrected Lemma 3 coincide at X_max = 1 and differ by X_max otherwise
    assert nc.lemma3_bound(1e-3, 18, 6, 1.0, 3) == nc.lemma3_bound(1e-3, 18, 6, 1.0, 3, printed=True)
    assert nc.lemma3_bound(1e-3, 18, 6, 10.0, 3) == pytest.approx(10 * nc.lemma3_bound(1e-3, 18, 6, 10.0, 3, printed=True))


def test_prop1_conditions():
    X, lab = _multi_in()
    s = data.separation_stats(X, lab)
    nrm = np.linalg.norm(X, axis=1)
    ratio = nc.prop1_ratio(nrm.max(), nrm.min(), s["mu_d"], s["mu_s"])
    assert ratio == pytest.approx(4.76, abs=0.01)      # the card's multi_in: 4.76 < 5
    assert nc.prop1_condition_printed(nrm.max(), nrm.min(), s["mu_d"], s["mu_s"], 4)
    # the proof's condition fails even at its most favourable point
    for K in range(3, 30):
        assert not nc.prop1_condition_proof(1.0, 1.0, 1 / (K - 1), 1.0, K)
    gap = (nc.PROP1_PROOF.lhs - nc.PROP1_PROOF.rhs).subs(
        {nc.mu_d: 1 / (nc.K - 1), nc.mu_s: 1, nc.X_min: nc.X_max})
    assert sp.simplify(gap + nc.X_max ** 2 * (1 + 1 / (2 * (nc.K - 1))) / (nc.K - 1)) == 0  # gap < 0


# -- input validation ---------------------------------------------------------------------------
@pytest.mark.parametrize("call,name", [
    (lambda: nc.pseudo_labels(1), "K"),
    (lambda: nc.nc_scales([1.0]), "gammas"),
    (lambda: nc.nc_scales([1.0, -2.0]), "gammas"),
    (lambda: nc.limit_margin_binary(0.0, 1.0), "g_plus"),
    (lambda: nc.limit_classifier(np.ones((4, 2)), [1.0, 2.0, 3.0]), "s"),
    (lambda: nc.softmax_uniform_bound(np.ones(4), 3), "f"),
    (lambda: nc.alignment_phase_length(1.0, 4, 10, 1.0), "eps"),
    (lambda: nc.lemma3_bound(-1.0, 10, 4, 1.0, 3), "eps"),
    (lambda: nc.lemma6_bound([1.5]), "B"),
    (lambda: nc.b_max(2.0, 3), "b"),
    (lambda: nc.kappa(2), "K"),
    (lambda: nc.lemma10_bound([1.2]), "beta"),
    (lambda: nc.prop1_ratio(1.0, 2.0, 0.5, 0.5), "x_min"),
    (lambda: nc.limit_features(np.ones((3, 2)), np.array([0, 1, 5]), np.ones((2, 2)), [1, 1], np.ones((4, 2))),
     "labels"),
])
def test_closed_forms_validate_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_closed_forms_type_errors():
    with pytest.raises(TypeError, match="K"):
        nc.pseudo_labels(3.0)
    with pytest.raises(TypeError, match="eps"):
        nc.lemma2_bounds("small", 3, 1.0)
    with pytest.raises(TypeError, match="gammas"):
        nc.nc_scales("abc")


# -- judges on hand-made evidence -------------------------------------------------------------
def test_self_duality_printed_form_does_not_type_check():
    s = np.array([0.4, 0.5, 0.3])
    P = np.zeros((6, 3))
    P[[0, 2, 4], [0, 1, 2]] = 1.0
    ev = {"run": {"gram": {"measured": nc.limit_classifier_gram(s), "inputs": {"s": s, "phi_bar": P}}}}
    assert nc.thm1_self_duality.judge(ev).holds
    v = nc.thm1_self_duality.printed.judge(ev)
    assert v.fails and "shape mismatch" in v.reason


def test_lemma4_judge_thresholds():
    ev = {"K": np.array([6.0, 6.0]), "ratio": np.array([2.05, 2.3]), "min_dev": np.array([-1e-4, 0.0]),
          "dB0": np.array([-0.09, 0.03])}
    assert nc.lemma4_invariance.judge(ev).holds          # only ratio 2.3 >= kappa(6) = 2.223 is examined
    assert nc.lemma4_invariance.printed.judge(ev).fails  # threshold 2 admits the violating row
    ev_none = {k: v[:1] for k, v in ev.items()}
    assert nc.lemma4_invariance.judge(ev_none).outcome is Outcome.INCONCLUSIVE


def test_lemma12_judge_selects_by_support_vectors():
    ev = {"values": {"full": np.array([0.0, 0.0]), "span": np.array([0.3, 0.0]), "sv_span": np.array([0.3, 0.2])},
          "sv_spans": np.array([True, False]), "names": ["a", "b"]}
    assert nc.lemma12_gamma_perp.judge(ev).holds
    assert nc.lemma12_gamma_perp.false_variant.judge(ev).fails
    assert nc.lemma12_gamma_perp.printed.judge(ev).fails


def test_judges_name_missing_evidence():
    with pytest.raises(ValueError, match="patterns"):
        nc.claim_binary_separation.judge({"cross_gram": {"measured": 0.0, "inputs": {}}})
    with pytest.raises(ValueError, match="parts"):
        nc.thm1_directional_collapse.judge({"x": 1.0})


# -- numerics.collapse --------------------------------------------------------------------------
def test_class_activity_matches_a_loop():
    rng = np.random.default_rng(1)
    X, lab = data.simplex_mixture(3, 4, 8, seed=1, noise=0.5)
    U = rng.standard_normal((8, 5))
    counts, A = co.class_activity(X, lab, U)
    Un = U / np.linalg.norm(U, axis=0)
    for j in range(5):
        for k in range(3):
            a = X[lab == k] @ Un[:, j]
            assert counts[j, k] == np.sum(a > 0)
            assert A[j, k] == pytest.approx(np.sum(a[a > 0]), abs=1e-14)


def test_semilocal_init_satisfies_assumption4_and_is_reproducible():
    X, lab = _multi_in()
    st1, g1 = co.semilocal_init(X, lab, 16, log_eps=-30.0, seed=3, jitter=1.5)
    st2, g2 = co.semilocal_init(X, lab, 16, log_eps=-30.0, seed=3, jitter=1.5)
    assert np.array_equal(st1.U, st2.U) and np.array_equal(g1, g2)
    assert np.all(co.assumption4(X, lab, st1.U, st1.B, g1)["all"])
    assert np.allclose(st1.logr, -30.0)                # unit shapes: ||w_j(0)|| = eps
    assert np.array_equal(co.output_groups(st1.B), g1)
    with pytest.raises(ValueError, match="Assumption 4"):
        co.semilocal_init(X, lab, 4, log_eps=-30.0, seed=0, jitter=50.0, max_draws=3)
    with pytest.raises(ValueError, match="K >= 3"):
        co.semilocal_init(X[lab < 2], lab[lab < 2], 4, log_eps=-30.0, seed=0)
    with pytest.raises(ValueError, match="seed"):
        co.semilocal_init(X, lab, 4, log_eps=-30.0, seed=None)


def test_output_groups_and_exclusive_activation():
    assert np.array_equal(co.output_groups(np.array([[1.0, -1.0, 1.0]])), [1, 0, 1])
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    U = np.array([[1.0, -1.0, 1.0], [-0.5, -1.0, 1.0]])
    excl, dead = co.exclusive_activation(X, [0, 1], U, np.array([0, 0, 1]))
    assert excl.tolist() == [True, False, False] and dead.tolist() == [False, True, False]


def test_lemma4_counterexample_configuration():
    for K, ratio in ((6, 2.05), (10, 2.05), (4, 3.0)):
        X, lab, st0 = co.lemma4_counterexample(K, ratio)
        counts, A = co.class_activity(X, lab, st0.U[:, :1])
        assert counts[0].tolist() == [10, 5] + [0] * (K - 2)
        assert A[0, 0] / A[0, 1] == pytest.approx(ratio, rel=1e-12)
        Bk = co.pseudo_alignment(st0.B[:, :1])[0]
        assert Bk[0] == pytest.approx(nc.b_boundary(K), abs=1e-15)
        assert Bk[1] == pytest.approx(float(nc.b_max(nc.b_boundary(K), K)), abs=1e-14)


def test_lemma4_dip_confirmed_by_an_independent_integrator():
    """K = 10, ratio 2.05: the Euler run of the checks and DOP853 (balanced_flow) agree on
    the dip of B_0 below the boundary (card: -4.1e-3 at t ~ 0.028)."""
    X, lab, st0 = co.lemma4_counterexample(10, 2.05)
    pr = tl.Problem(X, lab, loss="ce")
    E = nc.pseudo_labels(10)
    b = nc.b_boundary(10)
    t = np.linspace(0.0, 0.05, 51)
    rk = tl.balanced_flow(pr, st0, t, rtol=1e-10, atol=1e-12)
    dev_rk = rk.B[:, :, 0] @ E[:, 0] - b
    eu = tl.simulate(pr, st0, dt=2e-4, t_end=0.05, record_every=5, log_events=False)
    dev_eu = eu.B[:, :, 0] @ E[:, 0] - b
    assert np.min(dev_rk) == pytest.approx(-4.1e-3, abs=1e-4)
    assert np.min(dev_eu) == pytest.approx(np.min(dev_rk), rel=2e-2)  # Euler error O(dt)


def test_to_limit_reaches_its_levels_with_bounded_steps():
    X, lab = data.simplex_private(3, 3, seed=0, noise=0.05, point_scale=(1.0, 1.0))
    pr = tl.Problem(X, lab, loss="ce")
    E = nc.pseudo_labels(3)
    xs = np.array([X[lab == k].sum(0) for k in range(3)]).T
    st0 = tl.BalancedState(xs / np.linalg.norm(xs, axis=0), E, np.zeros(3))
    lim = co.to_limit(pr, st0, dt=5e-3, levels=(1e2, 1e3), stiffness=5.0)
    assert lim.log_loss <= -1e3
    assert lim.dts == (5e-3, 5e-3)
    lim2 = co.to_limit(pr, st0, dt=5e-3, levels=(1e2, 1e3), stiffness=5.0)
    assert np.array_equal(lim.final.U, lim2.final.U)  # reproducible
    with pytest.raises(ValueError, match="levels"):
        co.to_limit(pr, st0, levels=(1e3, 1e2))
    with pytest.raises(ValueError, match="did not reach"):
        co.to_limit(pr, st0, levels=(1e3,), max_steps=5)


def test_gamma_perp_exact_cases():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [2.0, 2.0, 1.0]])
    g, u = tl.one_class_max_margin(X)
    assert g == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    assert co.gamma_perp(X, u) == 0.0                          # printed: xi = -e_3 works
    assert co.gamma_perp(X, u, X.T) == 0.0                     # span only: x_3 is not a support vector
    assert co.gamma_perp(X, u, X[:2].T) == pytest.approx(1 / math.sqrt(2), abs=1e-12)  # support-vector span
    assert co.gamma_perp(X[:1], X[0]) == 0.0 and co.gamma_perp(X[:1], X[0], X[:1].T) == math.inf


def test_pca_error_and_normalisation():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((50, 3)) @ rng.standard_normal((3, 8))
    assert co.pca_relative_error(Z, 3) == pytest.approx(0.0, abs=1e-12)
    assert 0 < co.pca_relative_error(rng.standard_normal((200, 8)), 3) < 1
    Y = rng.standard_normal((10, 6)) + 3.0
    assert np.allclose(np.mean(co.normalise_rows(Y, "rms") ** 2, axis=1), 1.0)
    L = co.normalise_rows(Y, "layer")
    assert np.allclose(L.mean(1), 0.0, atol=1e-14) and np.allclose(L.std(1), 1.0)
    with pytest.raises(ValueError, match="kind"):
        co.normalise_rows(Y, "batch")
    with pytest.raises(ValueError, match="Z"):
        co.pca_relative_error(np.ones((4, 3)), 1)


def test_ce_gradient_taylor_remainder_at_a_multiclass_state():
    """The CE gradient the runs integrate (two_layer) has a second-order Taylor remainder."""
    X, lab = _multi_in()
    pr = tl.Problem(X, lab, loss="ce")
    rng = np.random.default_rng(0)
    W, V = 0.5 * rng.standard_normal((X.shape[1], 6)), 0.5 * rng.standard_normal((4, 6))
    dW, dV = rng.standard_normal(W.shape), rng.standard_normal(V.shape)
    gW, gV, L0 = tl.gradients(pr, W, V)
    lin = np.sum(gW * dW) + np.sum(gV * dV)
    # steps below the smallest |<x_i, w_j>| / ||x_i|| ||dw_j|| (~1e-3): no kink is crossed
    assert np.min(np.abs(X @ W)) > 5e-4
    hs = np.geomspace(1e-4, 1e-6, 6)
    err = [abs(tl.loss_value(pr, W + h * dW, V + h * dV) - L0 - h * lin) for h in hs]
    assert loglog_fit(hs, np.asarray(err)).slope == pytest.approx(2.0, abs=0.1)


def test_train_normed_head_torch_path():
    pytest.importorskip("torch")
    X, t = data.digits((0, 1, 2))
    out = co.train_normed_head(X[:60], t[:60], "rms", seed=0, hidden=8, width=16, epochs=2, batch=30)
    assert out["H"].shape == (60, 16) and out["V"].shape == (3, 16) and 0.0 <= out["accuracy"] <= 1.0
    again = co.train_normed_head(X[:60], t[:60], "rms", seed=0, hidden=8, width=16, epochs=2, batch=30)
    assert np.array_equal(out["H"], again["H"])  # seeded
    with pytest.raises(ValueError, match="norm"):
        co.train_normed_head(X[:60], t[:60], "batch", seed=0)
