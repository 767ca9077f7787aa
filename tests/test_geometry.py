"""Unit tests of numerics.geometry: cameras, clouds, rendering, ray features, scenes."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from numerics import geometry as geo
from theorems import dynamic_voyager as dv


def _rot(seed: int) -> np.ndarray:
    Q, R = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    Q = Q * np.sign(np.diag(R))
    return Q if np.linalg.det(Q) > 0 else -Q


# -- cameras ----------------------------------------------------------------------------
def test_intrinsics_default_is_the_codes_camera():
    K = geo.intrinsics()
    assert np.array_equal(K, [[500, 0, 256], [0, 500, 256], [0, 0, 1]])
    assert np.array_equal(geo.intrinsics(100.0, 40, 30), dv.intrinsics(100.0, 40, 30))


@pytest.mark.parametrize("kw, exc, name", [
    ({"f": -1.0}, ValueError, "f"), ({"f": "a"}, TypeError, "f"), ({"width": 0}, ValueError, "width"),
    ({"height": 2.5}, TypeError, "height"), ({"cx": float("nan")}, ValueError, "cx"),
])
def test_intrinsics_validation(kw, exc, name):
    with pytest.raises(exc, match=name):
        geo.intrinsics(**kw)


def test_camera_validation_and_centre():
    K = geo.intrinsics(100.0, 32, 32)
    with pytest.raises(ValueError, match="R"):
        geo.Camera(K, 2 * np.eye(3))
    with pytest.raises(ValueError, match="t"):
        geo.Camera(K, np.eye(3), np.zeros(2))
    with pytest.raises(ValueError, match="K"):
        geo.Camera(-K)
    with pytest.raises(TypeError, match="base"):
        geo.camera_from_pose(K)
    cam = geo.camera_from_pose(geo.Camera(K, width=32, height=32), _rot(0), [1.0, -2.0, 0.5])
    assert np.allclose(cam.centre, [1.0, -2.0, 0.5], rtol=0, atol=1e-14)


def test_yaw_and_pitch_are_rotations():
    for M in (geo.yaw_matrix(0.7), geo.pitch_matrix(-1.3)):
        assert np.allclose(M.T @ M, np.eye(3), atol=1e-15) and np.isclose(np.linalg.det(M), 1.0)
    assert np.allclose(geo.yaw_matrix(0.3), dv.yaw(0.3), atol=0)


def test_p3d_extrinsics_conversion():
    # a yaw is its own PyTorch3D counterpart (F R_y^T F = R_y): why the code may copy R
    R, t = geo.p3d_to_cv_extrinsics(geo.yaw_matrix(0.4), np.array([0.1, 0.2, 0.3]))
    assert np.allclose(R, geo.yaw_matrix(0.4), atol=1e-15)
    assert np.allclose(t, [-0.1, -0.2, 0.3])
    # general rotation: X_view = X_world R + T in PyTorch3D axes equals the converted OpenCV map
    Rp, Tp = _rot(3), np.array([0.3, -0.1, 2.0])
    Rc, tc = geo.p3d_to_cv_extrinsics(Rp, Tp)
    X = np.random.default_rng(1).standard_normal((20, 3))
    view_p3d = dv.cv_to_p3d(X) @ Rp + Tp
    assert np.allclose(dv.cv_to_p3d(view_p3d), X @ Rc.T + tc, atol=1e-13)


# -- pixels and clouds ----------------------------------------------------------------------
def test_pixel_grid_order_is_x_major():
    u, v = geo.pixel_grid(3, 2)
    assert np.array_equal(u, [0.5, 0.5, 1.5, 1.5, 2.5, 2.5])
    assert np.array_equal(v, [0.5, 1.5, 0.5, 1.5, 0.5, 1.5])


def test_flatten_unflatten_pairing():
    img = np.arange(6.0).reshape(2, 3)          # H = 2, W = 3
    flat = geo.flatten_image(img)
    u, v = geo.pixel_grid(3, 2)
    assert np.array_equal(flat, img[(v - 0.5).astype(int), (u - 0.5).astype(int)])
    assert np.array_equal(geo.unflatten_image(flat, 3, 2), img)
    with pytest.raises(ValueError, match="square"):
        geo.flatten_image(img, pairing="transposed")
    with pytest.raises(ValueError, match="pairing"):
        geo.flatten_image(img, pairing="other")
    sq = np.arange(9.0).reshape(3, 3)
    assert np.array_equal(geo.flatten_image(sq, pairing="transposed"), geo.flatten_image(sq.T))


def test_unproject_project_roundtrip_with_extrinsics():
    rng = np.random.default_rng(0)
    cam = geo.Camera(geo.intrinsics(300.0, 64, 48, 30.0, 20.0), _rot(1), rng.standard_normal(3), 64, 48)
    u, v = rng.uniform(0, 64, 100), rng.uniform(0, 48, 100)
    z = rng.uniform(0.1, 50.0, 100)
    uu, vv, zz = geo.project(geo.unproject_pixels(u, v, z, cam), cam)
    assert np.allclose(uu, u, rtol=0, atol=1e-10) and np.allclose(vv, v, rtol=0, atol=1e-10)
    assert np.allclose(zz, z, rtol=1e-12, atol=0)


def test_unproject_depth_matches_closed_form():
    cam = geo.make_camera(50.0, 8, 6)
    D = np.random.default_rng(2).uniform(1, 2, (6, 8))
    P = geo.unproject_depth(D, cam)
    col, row = np.repeat(np.arange(8), 6), np.tile(np.arange(6), 8)
    assert np.allclose(P, dv.unproject(col, row, D[row, col], cam.K), rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="depth"):
        geo.unproject_depth(np.ones((8, 6)), cam)
    with pytest.raises(ValueError, match="z"):
        geo.unproject_pixels([1.0], [1.0], [0.0], cam)
    with pytest.raises(TypeError, match="cam"):
        geo.unproject_depth(D, "cam")


def test_pytorch3d_flip_projection():
    rng = np.random.default_rng(3)
    cam = geo.Camera(geo.intrinsics(200.0, 40, 40), geo.yaw_matrix(0.2) @ geo.pitch_matrix(0.1),
                     np.array([0.1, 0.0, 0.3]), 40, 40)
    P = rng.uniform(-1, 1, (50, 3)) + [0, 0, 4]
    a = np.stack(geo.project(P, cam))
    b = np.stack(geo.project_pytorch3d(geo.to_pytorch3d(P), cam))
    assert np.allclose(a, b, rtol=0, atol=1e-12)
    assert np.array_equal(geo.to_pytorch3d(geo.to_pytorch3d(P)), P)


def test_project_behind_camera_has_negative_z():
    cam = geo.make_camera(10.0, 8, 8)
    _, _, z = geo.project(np.array([[0.0, 0.0, -1.0]]), cam)
    assert z[0] < 0
    with pytest.raises(ValueError, match="points"):
        geo.project(np.ones((3, 2)), cam)


# -- rasterisation -------------------------------------------------------------------------------
def _brute_cover(u, v, r, W, H):
    ii, jj = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    return (ii - u) ** 2 + (jj - v) ** 2 <= r * r


@pytest.mark.parametrize("r", [0.4, 0.768, 1.3, 2.5])
def test_rasterize_single_point_covers_the_disk(r):
    cam = geo.make_camera(20.0, 16, 12)
    rng = np.random.default_rng(int(r * 10))
    for _ in range(5):
        u, v = rng.uniform(3, 12), rng.uniform(3, 9)
        P = geo.unproject_pixels(u, v, 2.0, cam)[None]
        fr = geo.rasterize(P, cam, r, k=1)
        assert np.array_equal(~fr.empty, _brute_cover(u, v, r, 16, 12))
        assert np.all(fr.depth[~fr.empty] == pytest.approx(2.0))
        assert np.all(fr.depth[fr.empty] == 0)


def test_rasterize_sorts_by_depth_keeps_k_and_culls_behind():
    cam = geo.make_camera(20.0, 8, 8)
    z = np.array([3.0, 1.0, 2.0, 4.0])
    P = geo.unproject_pixels(np.full(4, 4.5), np.full(4, 4.5), z, cam)
    fr = geo.rasterize(np.concatenate([P, [[0.0, 0.0, -1.0]]]), cam, 0.5, k=3)
    assert np.array_equal(fr.idx[4, 4], [1, 2, 0])
    assert np.allclose(fr.zbuf[4, 4], [1.0, 2.0, 3.0])
    assert fr.idx[0, 0, 0] == -1 and fr.zbuf[0, 0, 0] == -1.0
    with pytest.raises(ValueError, match="radius_px"):
        geo.rasterize(P, cam, 0.0)
    with pytest.raises(ValueError, match="k"):
        geo.rasterize(P, cam, 1.0, k=0)


def test_splat_coverage_matches_kdtree_distances():
    rng = np.random.default_rng(4)
    pts = rng.uniform(-2, 34, (300, 2))
    for r in (0.6, 0.9, 1.4):
        cov = geo.splat_coverage(pts[:, 0], pts[:, 1], r, 32, 24)
        ii, jj = np.meshgrid(np.arange(32) + 0.5, np.arange(24) + 0.5)
        d, _ = cKDTree(pts).query(np.column_stack([ii.ravel(), jj.ravel()]))
        assert np.array_equal(cov.ravel(), d <= r)


def test_softmax_weights_and_compositors():
    rng = np.random.default_rng(5)
    z = rng.uniform(0.01, 5, (50, 6))
    z[rng.random((50, 6)) < 0.3] = -1.0
    z[:, 0] = np.abs(z[:, 0])
    w = geo.softmax_weights(z, 0.7)
    assert np.allclose(w.sum(-1), 1.0, atol=1e-14) and np.all(w[z < 0] == 0)
    assert np.allclose(w, dv.softmax_weights(z, 0.7), rtol=0, atol=1e-15)
    # composite over a rendered cloud equals the closed form on gathered colours
    cam = geo.make_camera(30.0, 16, 16)
    P = geo.unproject_pixels(rng.uniform(2, 14, 40), rng.uniform(2, 14, 40), rng.uniform(1, 3, 40), cam)
    C = rng.uniform(0, 1, (40, 3))
    fr = geo.rasterize(P, cam, 1.5, k=8)
    img = geo.composite_softmax(fr, C, 2.0, background=0.25)
    feats = np.where((fr.idx >= 0)[..., None], C[np.maximum(fr.idx, 0)], 0.0)
    ref = dv.softmax_composite(fr.zbuf, feats, 2.0)
    assert np.allclose(img[~fr.empty], ref[~fr.empty], atol=1e-14)
    assert np.all(img[fr.empty] == 0.25)
    zb = geo.composite_zbuffer(fr, C)
    assert np.array_equal(zb[~fr.empty], C[fr.idx[..., 0][~fr.empty]])
    with pytest.raises(ValueError, match="compositor"):
        geo.render(P, C, cam, 1.0, compositor="alpha")
    with pytest.raises(ValueError, match="colors"):
        geo.render(P, C[:3], cam, 1.0)
    with pytest.raises(ValueError, match="scale"):
        geo.softmax_weights(z, 0.0)


# -- update, visibility, hole filling --------------------------------------------------------------
def _plane_cloud(n=24, z=2.0):
    cam = geo.make_camera(25.0, n, n)
    d, c, _ = geo.raycast(geo.Scene(z, (), 3), cam)
    return cam, geo.unproject_depth(d, cam), geo.flatten_image(c)


def test_update_cloud_adds_only_holes_and_drops_invalid():
    cam, P, C = _plane_cloud()
    cam1 = geo.Camera(cam.K, geo.yaw_matrix(0.2), np.zeros(3), 24, 24)
    _, dep, _ = geo.render(P, C, cam1, 0.768, compositor="zbuffer")
    d1, c1, _ = geo.raycast(geo.Scene(2.0, (), 3), cam1)
    d1[0, 0] = 0.0 if dep[0, 0] == 0 else d1[0, 0]
    up = geo.update_cloud(P, C, dep, c1, d1, cam1)
    holes = geo.flatten_image(dep == 0)
    assert up.n_holes == holes.sum() and holes[up.added_pixels].all()
    assert up.n_added == up.n_holes - up.n_dropped
    assert up.points.shape[0] == P.shape[0] + up.n_added
    u, v, _ = geo.project(up.points[P.shape[0]:], cam1)
    uu, vv = geo.pixel_grid(24, 24)
    assert np.allclose(u, uu[up.added_pixels], atol=1e-12) and np.allclose(v, vv[up.added_pixels], atol=1e-12)
    # a reference camera that sees everything from behind drops every new point
    behind = geo.Camera(cam.K, geo.yaw_matrix(np.pi), np.array([0.0, 0.0, -5.0]), 24, 24)
    up2 = geo.update_cloud(P, C, dep, c1, d1, cam1, reference=behind)
    assert up2.n_added == 0 and up2.n_dropped == up2.n_holes
    with pytest.raises(ValueError, match="render_depth"):
        geo.update_cloud(P, C, dep[:5], c1, d1, cam1)
    with pytest.raises(ValueError, match="outpainted_rgb"):
        geo.update_cloud(P, C, dep, c1[..., :2], d1, cam1)


def test_visibility_check_flags_front_point_only():
    cam, P, C = _plane_cloud(32)
    A = geo.unproject_pixels(np.array([8.3, 20.6]), np.array([9.1, 22.4]), np.array([1.5, 2.5]), cam)
    flagged, changed = geo.visibility_check(P, C, A, np.array([[1.0, 0, 0], [0, 1.0, 0]]), cam, 0.768)
    assert np.array_equal(flagged, [0]) and changed.any()
    # no added point: nothing changes, nothing flagged
    flagged, changed = geo.visibility_check(P, C, np.zeros((0, 3)), np.zeros((0, 3)), cam, 0.768)
    assert flagged.size == 0 and not changed.any()


def test_fill_holes_nearest():
    d = np.ones((20, 20))
    d[5:15, 5:15] = 0.0
    d[0, 0] = 3.0
    out = geo.fill_holes_nearest(d, window=4)       # needs several passes (half-window 2 < hole half-size 5)
    assert np.all(out > 0) and out[10, 10] == 1.0 and out[0, 0] == 3.0
    with pytest.raises(ValueError, match="no non-zero"):
        geo.fill_holes_nearest(np.zeros((4, 4)))
    with pytest.raises(RuntimeError, match="passes"):
        geo.fill_holes_nearest(d, window=2, max_passes=1)


# -- rays and r2p ------------------------------------------------------------------------------------
def test_rays_gl_matches_closed_form_and_code_formula():
    for half in (False, True):
        a = geo.rays_gl(20, 12, 37.0, half_pixel=half)
        b = dv.rays_gl(20, 12, 37.0, half_pixel=half)
        assert np.allclose(a, b, atol=1e-15)
    raw = geo.rays_gl(4, 4, 2.0, normalise=False)
    assert np.array_equal(raw[0, 0], [-1.0, 1.0, -1.0])          # ((0 - 2)/2, -(0 - 2)/2, -1)
    R = _rot(7)
    c2w = np.eye(4)
    c2w[:3, :3] = R
    assert np.allclose(geo.rays_gl(6, 6, 5.0, c2w), geo.rays_gl(6, 6, 5.0) @ R.T, atol=1e-15)


def test_r2p_visible_points_downsampling():
    depth = np.arange(256.0).reshape(16, 16)
    vis = np.zeros((16, 16), dtype=bool)
    vis[:8, :8] = True
    rays = geo.rays_gl(16, 16, 10.0)
    P = geo.r2p_visible_points(depth, vis, rays, 8)
    assert P.shape == (1, 3)
    assert np.allclose(P[0], depth[:8, :8].mean() * rays[0, 0])
    with pytest.raises(ValueError, match="scale"):
        geo.r2p_visible_points(depth, vis, rays, 3)


def test_r2p_pseudo_depth_chunks_reference_and_sign():
    rng = np.random.default_rng(8)
    d = rng.standard_normal((77, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    P = rng.standard_normal((31, 3)) * 3
    a = geo.r2p_pseudo_depth(d, P, chunk=1)
    b = geo.r2p_pseudo_depth(d, P, chunk=4096)
    # chunks change only the BLAS blocking (last-ulp differences), never the argmin
    assert np.array_equal(a[2], b[2]) and np.allclose(a[0], b[0], rtol=0, atol=1e-13)
    assert np.allclose(a[0], dv.r2p_pseudo_depth(d, P), atol=1e-12)
    back = geo.r2p_pseudo_depth(-d, P)
    assert np.array_equal(back[2], a[2]) and np.allclose(back[0], -a[0], rtol=0, atol=1e-13)
    Q = P[rng.integers(0, 31, 77)]
    perp = geo.perpendicular_sqdist(d, Q)
    code = np.einsum("ij,ij->i", Q, Q) - np.einsum("ij,ij->i", d, Q) ** 2
    assert np.all(perp >= 0) and np.allclose(perp, code, rtol=0, atol=1e-12 * np.max(code))


def test_rotation_coverage_symmetry_and_identity():
    cam = geo.make_camera(100.0, 64, 64)
    assert geo.rotation_coverage(cam, np.eye(3)).all()
    a = geo.rotation_coverage(cam, geo.yaw_matrix(0.2))
    b = geo.rotation_coverage(cam, geo.yaw_matrix(-0.2))
    assert np.array_equal(a, b[:, ::-1]) and not a.all()
    assert np.array_equal(geo.rotation_coverage(cam, geo.yaw_matrix(0.2), rows=[3, 40]), a[[3, 40]])
    with pytest.raises(ValueError, match="rows"):
        geo.rotation_coverage(cam, np.eye(3), rows=[64])


def test_polygon_distance():
    sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    d = geo.polygon_distance([1, 3, 1, -1], [1, 1, -0.5, -1], sq)
    assert np.allclose(d, [-1, 1, 0.5, np.sqrt(2)])
    assert np.allclose(d, geo.polygon_distance([1, 3, 1, -1], [1, 1, -0.5, -1], sq[::-1]))
    with pytest.raises(ValueError, match="polygon"):
        geo.polygon_distance([0], [0], sq[:2])


# -- scenes ----------------------------------------------------------------------------------------------
def test_smooth_texture_seeded():
    X = np.random.default_rng(0).standard_normal((100, 3))
    a, b = geo.smooth_texture(X, 3), geo.smooth_texture(X, 3)
    assert np.array_equal(a, b) and np.all((a > 0) & (a < 1))
    assert not np.allclose(a, geo.smooth_texture(X, 4))
    with pytest.raises(ValueError, match="seed"):
        geo.smooth_texture(X, None)


def test_raycast_planes_boxes_and_scaling():
    cam = geo.make_camera(40.0, 32, 32)
    sc = geo.plane_box_scene()
    d, c, lab = geo.raycast(sc, cam)
    assert np.all(d[lab == 0] == pytest.approx(2.0)) and np.all(d[lab == 1] == pytest.approx(1.0))
    assert lab[16, 16] == 1 and lab[0, 0] == 0 and c.shape == (32, 32, 3)
    ds, cs, labs = geo.raycast(sc.scaled(0.01), cam, scale_texture=0.01)
    assert np.allclose(ds, 0.01 * d, rtol=1e-12) and np.array_equal(labs, lab) and np.allclose(cs, c, atol=1e-12)
    away = geo.Camera(cam.K, geo.yaw_matrix(np.pi), np.zeros(3), 32, 32)
    with pytest.raises(ValueError, match="nothing"):
        geo.raycast(sc, away)
    with pytest.raises(ValueError, match="hi"):
        geo.Box(np.ones(3), np.zeros(3))


def test_moving_patch_moves():
    a = geo.moving_patch_scene(0).boxes[0]
    b = geo.moving_patch_scene(4, 0.05).boxes[0]
    assert np.allclose(b.lo - a.lo, [0.2, 0, 0]) and a.lo[2] == a.hi[2] == 1.5


# -- camera path, depth, masks -------------------------------------------------------------------------------
def test_camera_path_basics():
    sim = geo.camera_path([1, 0, -1], 0.3, 4, camera_speed=1.0, speed_multiplier_rotation=0.5)
    assert sim["R"].shape == (16, 3, 3) and sim["increments"].shape == (15, 3)
    assert np.allclose(sim["T"][-1], sim["increments"].sum(0), atol=1e-15)
    assert np.allclose(sim["R"][-1], np.eye(3), atol=1e-14)               # +0.3 then -0.3
    assert np.array_equal(sim["move_dir"][1], [0.0, 0.0, 1.0])
    right = geo.camera_path([1, 0, -1], 0.3, 4, side="right")
    assert np.allclose(right["R"], sim["R"], atol=1e-14)                   # yaws commute
    with pytest.raises(ValueError, match="side"):
        geo.camera_path([1], 0.3, 4, side="up")
    with pytest.raises(ValueError, match="pitch_path"):
        geo.camera_path([1, 1], 0.3, 4, pitch_path=[0.1])


def test_depth_conventions():
    D = np.array([1e-9, 1e-6, 1.0, 1e3])
    d = geo.midas_depth(D)
    assert d[0] == d[1] == pytest.approx(1e6 + 1e-4) and np.all(np.diff(d) <= 0)
    assert geo.depth_to_disparity(np.array(0.025)) == pytest.approx(40.0)
    with pytest.raises(ValueError, match="depth"):
        geo.depth_to_disparity(np.array([0.0]))
    with pytest.raises(ValueError, match="constant"):
        geo.normalise_video(np.ones((2, 3)))
    x = np.random.default_rng(0).uniform(size=(3, 4))
    n = geo.normalise_video(x)
    assert n.min() == 0 and n.max() == 1


def test_outpaint_mask_and_draws_agree():
    for seed in range(20):
        m, (l, r, t, b) = geo.outpaint_mask(60, 50, seed)
        assert m.sum() == 60 * 50 - (50 - l - r) * (60 - t - b)
        frac = geo.mask_fraction_draws(1, 60, 50, seed)[0]
        assert frac == pytest.approx(m.mean(), abs=1e-15)
        assert np.array_equal(m, geo.outpaint_mask(60, 50, seed)[0])       # seeded
    m, _ = geo.outpaint_mask(8, 8, 1)
    video = np.random.default_rng(1).uniform(size=(3, 8, 8, 2))
    out, vm = geo.apply_outpaint_mask(video, m, hold_input_image=False)
    assert np.all(out[vm] == 0) and vm[0].sum() == m.sum()
    with pytest.raises(ValueError, match="border"):
        geo.outpaint_mask(8, 8, 0, border=(0.6, 0.6, 0.1, 0.1))
    with pytest.raises(ValueError, match="seed"):
        geo.outpaint_mask(8, 8, None)
    with pytest.raises(ValueError, match="mask"):
        geo.apply_outpaint_mask(video, m[:4])
