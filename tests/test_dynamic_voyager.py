"""Unit tests of theorems.dynamic_voyager: closed forms against sympy and mpmath, input
validation, judges on hand-made evidence, and the registry entries of the card.

The geometry of this paper has no gradients, so there is no Taylor-remainder test.
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import theorems
from theorems import Outcome, Status
from theorems import dynamic_voyager as dv


# -- sympy: the symbolic statements are what the numpy closed forms evaluate -----------------
def test_unproject_then_project_is_the_pixel_centre_symbolically():
    X = dv.UNPROJECT
    u_proj = sp.simplify(dv.f * X[0] / X[2] + dv.cx)
    v_proj = sp.simplify(dv.f * X[1] / X[2] + dv.cy)
    assert sp.simplify(u_proj - (dv.u + sp.Rational(1, 2))) == 0
    assert sp.simplify(v_proj - (dv.v + sp.Rational(1, 2))) == 0


def test_hole_width_small_angle_is_its_first_order_term():
    series = sp.series(dv.HOLE_WIDTH, dv.theta, 0, 2).removeO()
    assert sp.simplify(series - dv.HOLE_WIDTH_SMALL) == 0


def test_disocclusion_width_from_edge_motion():
    # a point at depth z moves by -f t / z under a lateral camera move t: the edges separate
    # by the difference of the two shifts
    shift = lambda zz: dv.f * dv.t / zz
    assert sp.simplify(shift(dv.z1) - shift(dv.z2) - dv.DISOCCLUSION) == 0


def test_near_weight_is_the_two_point_softmax():
    a1, a2 = dv.scale / dv.z1, dv.scale / dv.z2
    soft = sp.exp(a1) / (sp.exp(a1) + sp.exp(a2))
    assert sp.simplify(soft - dv.NEAR_WEIGHT) == 0


def test_mask_mean_by_integration():
    l, r, t, b = sp.symbols("l r t b", nonnegative=True)
    a = dv.a_border
    frac = 1 - (1 - l - r) * (1 - t - b)
    mean = sp.integrate(frac, (l, 0, a), (r, 0, a), (t, 0, a), (b, 0, a)) / a ** 4
    assert sp.simplify(mean - dv.MASK_MEAN) == 0
    assert float(dv.MASK_MEAN.subs(a, sp.Rational(2, 5))) == pytest.approx(0.64, abs=1e-15)


def test_move_dir_norm_against_mpmath_sum():
    mpmath.mp.dps = 40
    for rr, rot, frames in ((0.45, 1, 10), (0.45, -1, 10), (1.3, 1, 3), (0.01, 1, 50)):
        n = frames + 1
        th = mpmath.mpf(rr) * rot / n
        s = mpmath.fsum(mpmath.sin(i * th) for i in range(1, n + 1)) / n
        c = mpmath.fsum(mpmath.cos(i * th) for i in range(1, n + 1)) / n
        assert dv.move_dir_norm(rr, rot, frames) == pytest.approx(float(mpmath.sqrt(s * s + c * c)), rel=1e-14)
        assert dv.move_dir_angle(rr, rot, frames) == pytest.approx(float(mpmath.atan2(s, c)), rel=1e-13)
        expr = dv.MOVE_DIR_NORM.subs({dv.n_steps: n, dv.theta: float(th)})
        assert float(expr) == pytest.approx(dv.move_dir_norm(rr, rot, frames), rel=1e-14)
    assert dv.move_dir_norm(0.45, 1, 10) == pytest.approx(0.9917, abs=1e-4)     # the card's numbers
    assert dv.move_dir_angle(0.45, 1, 10) == pytest.approx(0.245, abs=1e-3)
    assert np.array_equal(dv.move_dir(0.3, 0, 4), [0.0, 0.0, 1.0])


def test_hole_width_against_mpmath():
    mpmath.mp.dps = 40
    for th in (0.0409, 0.1, 0.45):
        ref = 256 - 500 * mpmath.tan(mpmath.atan(mpmath.mpf(512) / 1000) - mpmath.mpf(th))
        assert dv.hole_width_centre_row(th, 500.0, 512) == pytest.approx(float(ref), rel=1e-13)
    assert np.allclose(dv.hole_width_centre_row([0.45 / 11, 0.1, 0.45], 500.0, 512), [25.30, 60.22, 244.40], atol=0.01)
    assert dv.hole_width_small_angle(1.0, 500.0, 512) == pytest.approx(631.072)


def test_expected_mask_fraction_with_flooring():
    assert dv.expected_mask_fraction(512, 512, 0.4, floor=False) == pytest.approx(0.64)
    # E floor(X), X ~ U(0, A), by fine quadrature
    for A in (204.8, 7.3, 0.6):
        x = (np.arange(2_000_000) + 0.5) / 2_000_000 * A
        assert dv._mean_floor(A) == pytest.approx(np.floor(x).mean(), abs=1e-5)
    assert dv.expected_mask_fraction(512, 512, 0.4) == pytest.approx(0.63765, abs=1e-5)
    assert dv.expected_mask_fraction(512, 512, 0.4, law="width") == 0.4


# -- numpy closed forms ------------------------------------------------------------------------
def test_unproject_project_and_conversions():
    K = dv.intrinsics(300.0, 64, 48)
    rng = np.random.default_rng(0)
    u, v, z = rng.integers(0, 64, 30), rng.integers(0, 48, 30), rng.uniform(0.1, 10, 30)
    uu, vv, zz = dv.project(dv.unproject(u, v, z, K), K)
    assert np.allclose(uu, u + 0.5, atol=1e-12) and np.allclose(vv, v + 0.5, atol=1e-12) and np.allclose(zz, z)
    X = rng.standard_normal((5, 3))
    assert np.array_equal(dv.cv_to_p3d(dv.cv_to_p3d(X)), X)
    assert np.array_equal(dv.cv_to_gl(X)[:, 1:], -X[:, 1:])


def test_rays_gl_code_case_and_offset():
    d = dv.rays_gl(8, 6, 4.0)
    raw = np.array([(0 - 4) / 4.0, -(0 - 3) / 4.0, -1.0])
    assert np.allclose(d[0, 0], raw / np.linalg.norm(raw), atol=1e-15)
    assert np.allclose(np.linalg.norm(dv.rays_gl(8, 6, 4.0, half_pixel=True), axis=-1), 1.0)


def test_rotation_homography_equals_reprojection():
    K = dv.intrinsics(120.0, 64, 64)
    R = dv.yaw(0.3) @ dv.pitch(-0.1)
    rng = np.random.default_rng(1)
    u, v, z = rng.integers(0, 64, 40), rng.integers(0, 64, 40), rng.uniform(0.5, 20, 40)
    X = dv.unproject(u, v, z, K) @ R.T
    a, b, _ = dv.project(X, K)
    Hm = dv.rotation_homography(K, R)
    assert np.allclose(dv.apply_homography(Hm, u + 0.5, v + 0.5), np.stack([a, b], -1), atol=1e-10)


def test_crack_free_and_forward_motion():
    assert dv.crack_free(1.086, 0.768) and not dv.crack_free(1.087, 0.768)
    assert dv.radius_ndc_to_px(0.003, 512) == pytest.approx(0.768)
    assert dv.max_forward_motion(0.768, 1.0) == pytest.approx(0.0793, abs=1e-4)
    assert dv.max_forward_motion(0.5, 1.0) == 0.0


def test_softmax_closed_forms():
    assert dv.near_weight(0.010, 0.011, eps=0.0) == pytest.approx(0.99989, abs=1e-5)
    assert dv.near_weight(1.0, 2.0) == pytest.approx(0.6225, abs=1e-4)
    assert dv.near_weight(1.0, 1.1) == pytest.approx(0.5227, abs=1e-4)
    w = dv.softmax_weights(np.array([1.0, 2.0, -1.0]))
    assert w[2] == 0 and w[0] == pytest.approx(dv.near_weight(1.0, 2.0), rel=1e-14)
    c = dv.softmax_composite(np.array([[1.0, -1.0]]), np.array([[[0.2, 0.4], [9.0, 9.0]]]))
    assert np.allclose(c, [[0.2, 0.4]], atol=1e-15)


def test_ray_point_closed_forms():
    rng = np.random.default_rng(2)
    d = rng.standard_normal((6, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    P = rng.standard_normal((9, 3))
    d2 = dv.ray_point_sqdist(d, P)
    foot = (d @ P.T)[..., None] * d[:, None, :]
    assert np.allclose(d2, ((P[None] - foot) ** 2).sum(-1), atol=1e-14)
    # on a sphere the reference search and the angle formula agree
    V = rng.standard_normal((40, 3))
    V[:, 2] = -np.abs(V[:, 2]) - 1
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    q = V[:10] + 0.05 * rng.standard_normal((10, 3))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    for mode in ("rho", "delta", "norm"):
        assert np.allclose(dv.sphere_pseudo_depth(q, V, 2.0, mode), dv.r2p_pseudo_depth(q, 2.0 * V, mode), atol=1e-12)


def test_minmax_normalise_axes():
    x = np.random.default_rng(3).uniform(size=(3, 4, 4))
    v, f = dv.minmax_normalise(x), dv.minmax_normalise(x, "frame")
    assert v.min() == 0 and v.max() == 1
    assert np.allclose(f.min(axis=(1, 2)), 0) and np.allclose(f.max(axis=(1, 2)), 1)


@pytest.mark.parametrize("call, exc, name", [
    (lambda: dv.intrinsics(f=0.0), ValueError, "f"),
    (lambda: dv.intrinsics(W=1.5), TypeError, "W"),
    (lambda: dv.unproject([1], [1], [-1.0], dv.intrinsics()), ValueError, "z"),
    (lambda: dv.unproject([1], [1], [1.0], np.eye(2)), ValueError, "K"),
    (lambda: dv.project(np.array([[0.0, 0.0, -1.0]]), dv.intrinsics()), ValueError, "front"),
    (lambda: dv.cv_to_gl(np.ones((2, 2))), ValueError, "X"),
    (lambda: dv.hole_width_centre_row(0.1, -1.0, 512), ValueError, "f"),
    (lambda: dv.disocclusion_width(1.0, 1.0, -1.0, 2.0), ValueError, "z1"),
    (lambda: dv.crack_free(-1.0, 1.0), ValueError, "s_px"),
    (lambda: dv.softmax_weights([1.0], scale=-1.0), ValueError, "scale"),
    (lambda: dv.softmax_weights([1.0], importance="x"), ValueError, "importance"),
    (lambda: dv.near_weight(-1.0, 1.0), ValueError, "z1"),
    (lambda: dv.r2p_pseudo_depth(np.ones((2, 3)), np.ones((2, 3)), "x"), ValueError, "pseudo_depth"),
    (lambda: dv.sphere_pseudo_depth(np.ones((2, 3)), np.ones((2, 3)), 0.0), ValueError, "z0"),
    (lambda: dv.move_dir(0.45, 1, -2), ValueError, "frames"),
    (lambda: dv.midas_depth("a"), TypeError, "D"),
    (lambda: dv.minmax_normalise(np.ones(3)), ValueError, "constant"),
    (lambda: dv.minmax_normalise(np.arange(3.0), "x"), ValueError, "axis"),
    (lambda: dv.mask_fraction(-0.1, 0, 0, 0), ValueError, "l"),
    (lambda: dv.mask_fraction(0.6, 0.6, 0, 0), ValueError, "l \\+ r"),
    (lambda: dv.expected_mask_fraction(512, 512, 0.4, law="x"), ValueError, "law"),
])
def test_validation(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


# -- judges on hand-made evidence ----------------------------------------------------------------
def test_translation_judge_quantisation_window():
    inputs = {"f": 100.0, "t": 0.2, "z1": 1.0, "z2": 2.0, "r": 0.75}     # w = 10, L = 9.5
    c = dv.translation_disocclusion
    assert c.judge({"measured": 9.0, "inputs": inputs}).holds
    assert c.judge({"measured": 10.0, "inputs": inputs}).holds
    assert c.judge({"measured": 11.0, "inputs": inputs}).fails
    assert c.false_variant.judge({"measured": 10.0, "inputs": inputs}).fails   # L_false = 19.5


def test_mask_mean_judge():
    th = dv.expected_mask_fraction(512, 512, 0.4)
    rng = np.random.default_rng(0)
    ok = [th + 0.15 * rng.standard_normal(5000) for _ in range(4)]
    ok = [x - np.concatenate(ok).mean() + th for x in ok]
    assert dv.mask_generator.judge({"mean": {"measured": ok, "inputs": {"W": 512, "H": 512, "border": 0.4}}}).holds
    bad = [x + 0.01 for x in ok]
    assert dv.mask_generator.judge({"mean": {"measured": bad, "inputs": {"W": 512, "H": 512, "border": 0.4}}}).fails


def test_lattice_judge_inconclusive_without_points():
    ev = {"lattice": {"measured": np.array([3.0]), "inputs": {"s": np.array([5.0]), "r": np.array([1.0])}}}
    assert dv.splat_coverage.judge(ev).outcome is Outcome.INCONCLUSIVE


def test_soft_bound_and_margins():
    delta = np.array([[0.0, -np.inf], [-12.0, -11.0]])
    b = dv._soft_bound(delta)
    assert b[0] == pytest.approx(0.5) and b[1] < 2 * np.exp(-11)
    ev = {"soft_margins": {"measured": np.array([0.3, 1e-6]), "inputs": {"delta_max": np.array([0.0, -11.0])}}}
    assert dv.pointcloud_update.judge(ev).holds
    ev["soft_margins"]["measured"][1] = 0.1
    assert dv.pointcloud_update.judge(ev).fails


def test_select_judge_reads_the_named_cloud():
    part = {"background": {"measured": 0.0, "inputs": {}}}
    bad = {"background": {"measured": 1.0, "inputs": {}}}
    ev = {"per_frame": part, "static_depth": bad}
    assert dv.dynamic_consistency.judge(ev).holds and dv.dynamic_consistency.false_variant.judge(ev).fails
    with pytest.raises(ValueError, match="static_depth"):
        dv.dynamic_consistency.false_variant.judge({"per_frame": part})


# -- registry ------------------------------------------------------------------------------------
CARD_IDS = {
    "pinhole_roundtrip", "ray_conventions", "rotation_homography", "translation_disocclusion", "splat_coverage",
    "softmax_compositor", "ray_point_distance", "pointcloud_update", "visibility_check", "dynamic_consistency",
    "camera_path", "depth_disparity", "mask_generator", "paper_claims",
}


def test_registry_matches_card():
    ids = {c.id.split(".", 1)[1]: c for c in dv.CLAIMS}
    assert set(ids) == CARD_IDS
    assert ids["paper_claims"].status is Status.NOT_CHECKABLE and ids["paper_claims"].reason_not_checkable
    assert all(c.status is Status.RECONSTRUCTED for k, c in ids.items() if k != "paper_claims")
    assert theorems.get("dynamic_voyager.camera_path") is dv.camera_path
    assert dv.PAPER.arxiv == "2507.04183"
    for c in dv.CLAIMS:
        if c.checkable:
            fv = c.false_variant
            changed = [k for k in c.constants if not np.array_equal(np.asarray(fv.constants[k], dtype=object),
                                                                      np.asarray(c.constants[k], dtype=object))]
            assert changed, c.id
