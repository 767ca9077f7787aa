"""Checks of Tian et al. (ICCV 2025) "Voyaging into Perpetual Dynamic Scenes from a Single
View", card ``dynamic_voyager``: the geometry of the DynamicVoyager loop.

Default instance: the code's camera scaled to ``128^2`` (``f = 125``, principal point at
the image centre, splat radius 0.768 px = 0.003 NDC at 512^2); the thorough profile
runs the code's ``512^2``, ``f = 500`` where the card asks for it. All depths are
synthetic (planes, boxes, a moving patch) and exact, so every identity is checked at
round-off level and every rendering effect with a tolerance derived from the pixel size.
The generative models cannot run offline: ``paper_claims`` is recorded as not checkable
and the paper's experiments as not reproducible offline.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from numerics import geometry as geo
from theorems import dynamic_voyager as dv

SLUG = "dynamic_voyager"
R_CODE = float(dv.radius_ndc_to_px(0.003, 512))   # the code's splat radius in px (0.768)
#: property tests that render whole images draw a third of the profile's examples
_FEW = settings(max_examples=max(8, settings().max_examples // 3))


def _fl(lo: float, hi: float):
    """Floats without subnormals: a deviation of 5e-324 overflows the ratio in judges.agree."""
    return st.floats(lo, hi, allow_subnormal=False)


def _cam(n: int) -> geo.Camera:
    """The code's camera (f = 500 at 512^2) scaled to an n x n image."""
    return geo.make_camera(500.0 * n / 512, n, n)


def _indices(W: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer (column, row) of each point in the code's order k = x H + y (built
    independently of numerics.geometry.pixel_grid)."""
    return np.repeat(np.arange(W), H), np.tile(np.arange(H), W)


def _verify_or_hold(verify, claim, ev, discriminating: bool, **kw):
    """Property draws: assert claim + false variant where the draw separates them,
    else assert the claim alone (the variant may coincide with it on this draw)."""
    if discriminating:
        verify(claim, ev, record=False, **kw)
    else:
        v = claim.judge(ev)
        assert v.holds, v.reason


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((3, 3)))
    Q = Q * np.sign(np.diag(R))
    return Q if np.linalg.det(Q) > 0 else -Q


# == pinhole_roundtrip =============================================================================
def _roundtrip_evidence(depth: np.ndarray, ramp: np.ndarray, cam: geo.Camera, pairing: str = "code") -> dict:
    W, H = cam.width, cam.height
    col, row = _indices(W, H)
    P = geo.unproject_depth(depth, cam)
    u, v, z = geo.project(P, cam)
    u3, v3, _ = geo.project_pytorch3d(geo.to_pytorch3d(P), cam)
    # the pairing part: unproject a horizontal ramp, render it back at the same camera
    Pr = geo.unproject_depth(ramp, cam, pairing=pairing)
    _, back, _ = geo.render(Pr, np.ones((Pr.shape[0], 1)), cam, R_CODE, compositor="zbuffer")
    ids = {"col": col, "row": row}
    return {
        "roundtrip": {"measured": np.stack([u, v], -1), "inputs": ids},
        "depth": {"measured": z, "inputs": {"values": depth[row, col]}},
        "p3d": {"measured": np.stack([u3, v3], -1), "inputs": ids},
        "pairing": {"measured": back, "inputs": {"depth_map": ramp}},
    }


@pytest.mark.claim("dynamic_voyager.pinhole_roundtrip")
def test_pinhole_roundtrip(verify, thorough):
    seed = 0
    n = 512 if thorough else 64
    cam = _cam(n)
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.5, 3.0, (n, n))
    ramp = np.broadcast_to(1.0 + 2.0 * np.arange(n) / n, (n, n)).copy()   # depth grows with the column
    ev = _roundtrip_evidence(depth, ramp, cam)
    claim = dv.pinhole_roundtrip
    # second negative control of the card: the transposed pairing, as a statement and as a bug
    transposed = claim.variant(suffix="false", constants={"pairing": "transposed"})
    assert transposed.judge(ev).fails
    bug = claim.judge(_roundtrip_evidence(depth, ramp, cam, pairing="transposed"))
    assert bug.fails, bug.reason
    err = np.abs(ev["roundtrip"]["measured"] - (np.stack(_indices(n, n), -1) + 0.5)).max()
    P = geo.unproject_depth(ramp, cam)
    xs = geo.unflatten_image(P[:, 0] / P[:, 2], n, n)
    verify(claim, ev, seed=seed, scale="full" if thorough else "reduced: 64^2 grid (512^2 with --thorough)",
           params={"n": n, "f": cam.f, "depth_range": [0.5, 3.0], "max_pixel_error": float(err),
                   "X_over_Z_increases_with_column": bool(np.all(np.diff(xs, axis=1) > 0)),
                   "transposed_pairing_bug": bug.outcome.value},
           tolerance="1e-12 relative (norm-wise; <= 5e-10 px up to 512^2) on pixel coordinates and depths: exact "
                     f"algebra, round-off ~1e-13 px (measured {err:.2g} px); the corner variant is off by 0.5 px")


@given(f=st.floats(100.0, 2000.0), cxr=_fl(0.0, 1.0), cyr=_fl(0.0, 1.0),
       logz=st.floats(-4.0, 3.0), seed=st.integers(0, 2**31 - 1))
def test_pinhole_roundtrip_property(verify, f, cxr, cyr, logz, seed):
    W, H = 40, 30
    cam = geo.make_camera(f, W, H, cx=cxr * W, cy=cyr * H)
    rng = np.random.default_rng(seed)
    col, row = rng.integers(0, W, 50), rng.integers(0, H, 50)
    z = 10.0 ** (logz + rng.uniform(-0.5, 0.5, 50))
    P = geo.unproject_pixels(col + 0.5, row + 0.5, z, cam)
    u, v, zz = geo.project(P, cam)
    ev = {"roundtrip": {"measured": np.stack([u, v], -1), "inputs": {"col": col, "row": row}},
          "depth": {"measured": zz, "inputs": {"values": z}}}
    verify(dv.pinhole_roundtrip, ev, seed=seed, record=False)


# == ray_conventions ===============================================================================
def _rays_evidence(W: int, H: int, f: float) -> dict:
    inputs = {"W": W, "H": H, "f": f}
    return {"angle": {"measured": geo.rays_gl(W, H, f), "inputs": inputs},
            "offset": {"measured": geo.rays_gl(W, H, f, half_pixel=True), "inputs": inputs}}


@pytest.mark.claim("dynamic_voyager.ray_conventions")
def test_ray_conventions(verify):
    W = H = 512
    f = 500.0
    ev = _rays_evidence(W, H, f)
    centre = dv.rays_gl(W, H, f, half_pixel=True)
    ang = dv._angles(ev["angle"]["measured"], centre)
    row = ang[H // 2]
    figure = {"title": "get_rays_np (corner rays) vs pixel-centre rays, centre row", "xlabel": "column i",
              "ylabel": "angle x f (px)", "logx": False, "logy": False, "x": np.arange(W),
              "series": [{"label": "measured angle x f", "role": "measured", "y": row * f},
                         {"label": "bound 0.75", "role": "bound", "y": np.full(W, 0.75)},
                         {"label": "0.5 sqrt(2) (small-angle value at the centre)", "role": "theory",
                          "y": np.full(W, 0.5 * np.sqrt(2))}],
              "note": "the false variant (no axis flip) gives angles near pi everywhere"}
    verify(dv.ray_conventions, ev, figure=figure,
           params={"W": W, "H": H, "f": f, "max_angle_times_f": float(ang.max() * f),
                   "angle_at_centre_rad": float(ang[H // 2, W // 2])},
           tolerance="angle <= 0.75/f (card; the exact maximum is ~0.707/f at the image centre); with +0.5 the "
                     "rays agree to 1e-12 (unit vectors, round-off)")


@given(W=st.integers(4, 48), H=st.integers(4, 48), f=st.floats(20.0, 3000.0))
def test_ray_conventions_property(verify, W, H, f):
    verify(dv.ray_conventions, _rays_evidence(W, H, f), record=False)


# == rotation_homography ===========================================================================
def _noncontiguous_rows(cov: np.ndarray) -> int:
    d = np.diff(cov.astype(np.int8), axis=1)
    starts = (d == 1).sum(axis=1) + cov[:, 0]
    return int(np.sum(starts > 1))


def _homography_evidence(cam: geo.Camera, theta: float, depths: list[np.ndarray], *,
                         f_unproject: float | None = None) -> dict:
    """Reproject every pixel of each depth map under the yaw theta (with the f/2 bug
    when f_unproject is given: unproject with that focal length, project with f)."""
    W, H = cam.width, cam.height
    col, row = _indices(W, H)
    cam_u = cam if f_unproject is None else geo.make_camera(f_unproject, W, H)
    new = geo.Camera(cam.K, geo.yaw_matrix(theta), np.zeros(3), W, H)
    uv = []
    for d in depths:
        u, v, _ = geo.project(geo.unproject_depth(d, cam_u), new)
        uv.append(np.stack([u, v], -1))
    return {"measured": np.concatenate(uv),
            "inputs": {"u": np.tile(col + 0.5, len(depths)), "v": np.tile(row + 0.5, len(depths)),
                       "K": cam.K, "R": geo.yaw_matrix(theta)}}


@pytest.mark.claim("dynamic_voyager.rotation_homography")
def test_rotation_homography(verify, thorough):
    seed = 0
    rng = np.random.default_rng(seed)
    n = 512 if thorough else 128
    cam = _cam(n)
    depths = [rng.uniform(0.5, 3.0, (n, n)), rng.uniform(5.0, 50.0, (n, n))]
    hom = _homography_evidence(cam, 0.45, depths)
    # centre-row holes by analytic inverse mapping at the code's 512^2 (cheap: no rendering)
    big = _cam(512)
    thetas = np.array([0.45 / 11, 0.1, 0.2, 0.3, 0.45, -0.1, -0.45])
    covs = [geo.rotation_coverage(big, geo.yaw_matrix(th)) for th in thetas]
    holes = np.array([np.sum(~c[256]) for c in covs], dtype=float)
    ev = {"homography": hom,
          "contiguous": {"measured": sum(_noncontiguous_rows(c) for c in covs), "inputs": {}},
          "centre_row": {"measured": holes, "inputs": {"theta": thetas, "f": big.f, "W": 512}}}
    # the card's negative control: unproject with f/2, rotate, reproject with f
    bug = _homography_evidence(cam, 0.45, depths, f_unproject=cam.f / 2)
    bug_v = dv.rotation_homography_claim.judge({"homography": bug})
    assert bug_v.fails, bug_v.reason
    half = bug["measured"].shape[0] // 2
    bug_depth_gap = float(np.abs(bug["measured"][:half] - bug["measured"][half:]).max())
    sweep = np.linspace(0.0, 0.5, 26)
    sw_holes = [np.sum(~geo.rotation_coverage(big, geo.yaw_matrix(th), rows=[256])) for th in sweep]
    figure = {"title": "Pure yaw: centre-row hole width (512^2, f = 500)", "xlabel": "yaw theta (rad)",
              "ylabel": "hole width (px)", "logx": False, "logy": False, "x": sweep,
              "series": [{"label": "analytic coverage (inverse mapping)", "role": "measured", "y": sw_holes},
                         {"label": "W/2 - f tan(atan(W/2f) - theta)", "role": "theory",
                          "y": dv.hole_width_centre_row(sweep, 500.0, 512)},
                         {"label": "small-angle 631.07 theta", "role": "false_variant",
                          "y": dv.hole_width_small_angle(sweep, 500.0, 512)}]}
    verify(dv.rotation_homography_claim, ev, seed=seed, figure=figure,
           scale="full" if thorough else "reduced: homography on 128^2 (512^2 with --thorough); holes at 512^2",
           params={"n_homography": n, "theta_homography": 0.45, "thetas": thetas, "hole_counts": holes,
                   "formula": dv.hole_width_centre_row(thetas, 500.0, 512),
                   "f_half_bug": bug_v.outcome.value,
                   "f_half_bug_max_gap_between_depth_maps_px": bug_depth_gap},
           tolerance="homography 1e-9 px (round-off ~1e-13 px); centre-row count within 1 px of the formula "
                     "(floor or ceil: pixel quantisation)")
    # The f/2 bug is still a homography (K R K_{f/2}^{-1}): its motion does NOT depend on depth,
    # contrary to the card's description; the check rejects it because it is the wrong one.
    assert bug_depth_gap < 1e-9
    verify.experiment(
        SLUG, "card.rotation_holes", title="Centre-row hole of a pure yaw at 512^2, f = 500",
        expected="card: 25, 60, 244 px at theta = 0.0409, 0.1, 0.45 (formula 25.30, 60.22, 244.40)",
        observed=", ".join(f"{int(h)} px at {th:.4f}" for h, th in zip(holes[[0, 1, 4]], thetas[[0, 1, 4]])),
        figure=figure, seed=seed, params={"W": 512, "f": 500.0})


@given(theta=_fl(-0.5, 0.5), seed=st.integers(0, 2**31 - 1))
def test_rotation_homography_property(verify, theta, seed):
    rng = np.random.default_rng(seed)
    cam = _cam(32)
    depths = [rng.uniform(0.1, 2.0, (32, 32)), rng.uniform(2.0, 100.0, (32, 32))]
    ev = {"homography": _homography_evidence(cam, theta, depths)}
    cov = geo.rotation_coverage(cam, geo.yaw_matrix(theta))
    ev["contiguous"] = {"measured": _noncontiguous_rows(cov), "inputs": {}}
    ev["centre_row"] = {"measured": float(np.sum(~cov[16])), "inputs": {"theta": theta, "f": cam.f, "W": 32}}
    # the small-angle variant differs from the exact width by ~theta^3 W^2/(4f) terms: it is
    # separated (by more than the 1 px count tolerance plus the 1 px quantisation) only at large yaw.
    gap = abs(dv.hole_width_small_angle(theta, cam.f, 32) - dv.hole_width_centre_row(theta, cam.f, 32))
    _verify_or_hold(verify, dv.rotation_homography_claim, ev, bool(gap > 2.0), seed=seed)


# == translation_disocclusion ======================================================================
_TD = {"W": 256, "H": 8, "f": 250.0, "split": 48}


def _interior_empty_run(row_empty: np.ndarray) -> list[int]:
    runs, i, n = [], 0, row_empty.size
    while i < n:
        if row_empty[i]:
            j = i
            while j < n and row_empty[j]:
                j += 1
            if i > 0 and j < n:
                runs.append(j - i)
            i = j
        else:
            i += 1
    return runs


def _disocclusion_hole(z1: float, z2: float, t: float, r: float) -> int:
    """Two fronto-parallel planes (foreground z1 on the columns >= split), camera moved by
    -t along x (content moves right): the interior empty run on the centre row."""
    W, H, f, s0 = _TD["W"], _TD["H"], _TD["f"], _TD["split"]
    cam = geo.make_camera(f, W, H)
    depth = np.full((H, W), z2)
    depth[:, s0:] = z1
    P = geo.unproject_depth(depth, cam)
    moved = geo.camera_from_pose(cam, np.eye(3), [-t, 0.0, 0.0])
    _, dep, _ = geo.render(P, np.ones((P.shape[0], 1)), moved, r, compositor="zbuffer")
    runs = _interior_empty_run(dep[H // 2] == 0)
    assert len(runs) == 1, f"expected one interior hole, got runs {runs}"
    return runs[0]


@pytest.mark.claim("dynamic_voyager.translation_disocclusion")
def test_translation_disocclusion(verify):
    f, r = _TD["f"], R_CODE
    widths = np.array([5.0, 7.3, 10.0, 20.0, 35.0, 50.0])
    rows = []
    for z2 in (1.5, 2.0, 3.0):
        for w in widths:
            t = w / (f * (1.0 - 1.0 / z2))
            rows.append((1.0, z2, t, _disocclusion_hole(1.0, z2, t, r)))
    z1, z2, t, count = (np.array(c, dtype=float) for c in zip(*rows))
    ev = {"measured": count, "inputs": {"f": f, "t": t, "z1": z1, "z2": z2, "r": r}}
    w_th = dv.disocclusion_width(f, t, z1, z2)
    sel = z2 == 2.0
    figure = {"title": "Disocclusion behind a fronto-parallel edge (z1 = 1, z2 = 2, r = 0.768 px)",
              "xlabel": "f t (1/z1 - 1/z2) (px)", "ylabel": "empty pixels on the centre row", "logx": False,
              "logy": False, "x": w_th[sel],
              "series": [{"label": "rendered hole", "role": "measured", "y": count[sel], "marker": "o"},
                         {"label": "w + 1 - 2r (quantisation-corrected)", "role": "theory",
                          "y": dv._disocclusion_count(f, t[sel], 1.0, 2.0, r)},
                         {"label": "f t / z1 (false variant)", "role": "false_variant",
                          "y": dv._disocclusion_count(f, t[sel], 1.0, 2.0, r, bg_motion=0.0)}],
              "note": "count in [L - 1, L + 1], L = w + 1 - 2r"}
    naive = np.abs(count - w_th)
    verify(dv.translation_disocclusion, ev, figure=figure,
           params={"W": _TD["W"], "f": f, "r_px": r, "z1": 1.0, "z2": [1.5, 2.0, 3.0], "widths": widths,
                   "counts": count, "card_rule_max_|count - w|": float(naive.max())},
           tolerance="|count - (w + 1 - 2r)| <= 1 (+1e-9 round-off): pixel quantisation of an interval of "
                     "length w + 1 - 2r; the f t/z1 variant is off by f t/z2 >= 2.5 px")


@given(z1=st.floats(0.5, 2.0), ratio=st.floats(1.5, 4.0), w=st.floats(5.0, 50.0), r=st.floats(0.75, 1.5))
def test_translation_disocclusion_property(verify, z1, ratio, w, r):
    z2 = z1 * ratio
    t = w / (_TD["f"] * (1.0 / z1 - 1.0 / z2))
    ev = {"measured": float(_disocclusion_hole(z1, z2, t, r)),
          "inputs": {"f": _TD["f"], "t": t, "z1": z1, "z2": z2, "r": r}}
    verify(dv.translation_disocclusion, ev, record=False)


# == splat_coverage ================================================================================
def _lattice_cracks(s: float, r: float, offset: tuple[float, float], window: int = 48) -> int:
    """Uncovered pixel centres inside a window fully inside a square lattice of
    spacing s (origin at offset), disks of radius r."""
    k = np.arange(-3, int((window + 6) / s) + 3)
    X, Y = np.meshgrid(offset[0] + k * s, offset[1] + k * s, indexing="xy")
    cov = geo.splat_coverage(X.ravel(), Y.ravel(), r, window, window)
    return int(np.sum(~cov[2:-2, 2:-2]))


def _forward_holes(deltas, n: int = 128, r: float = R_CODE) -> np.ndarray:
    cam = _cam(n)
    P = geo.unproject_depth(np.ones((n, n)), cam)
    out = []
    for dz in deltas:
        moved = geo.camera_from_pose(cam, np.eye(3), [0.0, 0.0, dz])
        _, dep, _ = geo.render(P, np.ones((P.shape[0], 1)), moved, r, compositor="zbuffer")
        out.append(int(np.sum(dep == 0)))     # the magnified plane overfills the frame: every hole is a crack
    return np.array(out, dtype=float)


@pytest.mark.claim("dynamic_voyager.splat_coverage")
def test_splat_coverage(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    ss, rs, cracks = [], [], []
    for r in (0.6, R_CODE, 1.0, 1.5):
        kr = np.sqrt(2) * r
        # up to the threshold: 1e-9 below it keeps round-off from deciding an exact tangency
        for s in np.concatenate([np.linspace(0.5, 1.0, 5) * kr * (1 - 1e-9), kr * np.array([1.02, 1.05, 1.1, 1.2])]):
            for off in [(0.5, 0.5), *rng.uniform(0, 1, (2, 2))]:
                ss.append(s)
                rs.append(r)
                cracks.append(_lattice_cracks(s, r, tuple(off)))
    # the card's interval (1.09, 1.3) at the code's radius
    for s in (1.1, 1.15, 1.2, 1.25, 1.3):
        off = tuple(rng.uniform(0, 1, 2))
        ss.append(s)
        rs.append(R_CODE)
        cracks.append(_lattice_cracks(s, R_CODE, off))
    deltas = np.array([0.03, 0.06, 0.079, 0.1, 0.15, 0.2])
    fwd = _forward_holes(deltas)
    ss, rs, cracks = (np.array(x, dtype=float) for x in (ss, rs, cracks))
    lat = {"s": ss, "r": rs}
    ev = {"lattice": {"measured": cracks, "inputs": lat},
          "sharp": {"measured": cracks, "inputs": lat},
          "forward": {"measured": fwd, "inputs": {"delta": deltas, "r": R_CODE, "z": 1.0}}}
    m = 1.0 / (1.0 - deltas)
    figure = {"title": "Cracks of a disk-splat render (r = 0.768 px) under forward motion towards z = 1",
              "xlabel": "magnification z/(z - Delta) = spacing s (px)", "ylabel": "uncovered pixels (128^2)",
              "logx": False, "logy": False, "x": m,
              "series": [{"label": "rendered holes", "role": "measured", "y": fwd, "marker": "o"},
                         {"label": "threshold sqrt(2) r = 1.086", "role": "bound",
                          "x": [np.sqrt(2) * R_CODE] * 2, "y": [0.0, float(fwd.max())]},
                         {"label": "false variant 2 r = 1.536", "role": "false_variant",
                          "x": [2 * R_CODE] * 2, "y": [0.0, float(fwd.max())]}]}
    card = ss >= 1.09
    verify(dv.splat_coverage, ev, seed=seed, figure=figure,
           params={"radii": [0.6, R_CODE, 1.0, 1.5], "window": 48, "forward_deltas": deltas,
                   "forward_holes": fwd, "card_interval_cracks": cracks[card & (rs == R_CODE)],
                   "max_forward_move_over_z": float(dv.max_forward_motion(R_CODE, 1.0))},
           tolerance="exact: zero uncovered pixel centres below the threshold (disk test d^2 <= r^2 in float64; "
                     "lattices kept 1e-9 below the exact tangency)")
    # card's measurement: no cracks at 1.03, 1.06, 1.08; cracks at 1.10 in a 300^2 window
    mags = np.array([1.03, 1.06, 1.08, 1.10, 1.20])
    n = 300
    obs = []
    for mg in mags:
        pts = 150.0 + mg * (np.arange(-20, n + 20) + 0.5 - 150.0)   # plane pixels magnified about the centre
        X, Y = np.meshgrid(pts, pts, indexing="xy")
        obs.append(int(np.sum(~geo.splat_coverage(X.ravel(), Y.ravel(), R_CODE, n, n))))
    verify.experiment(
        SLUG, "card.splat_cracks", title="Cracks of a magnified pixel lattice, r = 0.768 px, 300^2 window",
        expected="card: none at 1.03, 1.06, 1.08; 729 at 1.10; none at 1.20 (by alignment)",
        observed=", ".join(f"{o} at {mg:.2f}" for o, mg in zip(obs, mags)),
        figure={"title": "Cracks vs magnification (lattice magnified about the window centre)",
                "xlabel": "magnification", "ylabel": "uncovered pixel centres", "logx": False, "logy": False,
                "x": mags, "series": [{"label": "measured", "role": "measured", "y": obs}]},
        seed=seed, scale="full")


@given(r=st.floats(0.5, 2.0), frac=st.floats(0.3, 1.0), ox=_fl(0.0, 1.0), oy=_fl(0.0, 1.0))
def test_splat_coverage_property(verify, r, frac, ox, oy):
    s = frac * np.sqrt(2) * r * (1 - 1e-9)
    c = _lattice_cracks(s, r, (ox, oy), window=24)
    ev = {"lattice": {"measured": np.array([float(c)]), "inputs": {"s": np.array([s]), "r": np.array([r])}}}
    # the 2r variant agrees on every lattice below sqrt(2) r: no separation on this draw
    _verify_or_hold(verify, dv.splat_coverage, ev, False)


# == softmax_compositor ============================================================================
def _softmax_evidence(pairs: np.ndarray, zbuf: np.ndarray, zscale: float) -> dict:
    z1, z2, s = pairs.T
    w1 = np.array([geo.softmax_weights(np.array([a, b]), c)[0] for a, b, c in pairs])
    # one point per pixel: a sparse cloud, 5 px apart, rendered with 8 slots
    cam = _cam(32)
    col, row = np.meshgrid(np.arange(3, 32, 5), np.arange(3, 32, 5))
    rng = np.random.default_rng(1)
    zz = rng.uniform(0.5, 3.0, col.size)
    P = geo.unproject_pixels(col.ravel() + 0.5, row.ravel() + 0.5, zz, cam)
    C = rng.uniform(0, 1, (P.shape[0], 3))
    img, _, fr = geo.render(P, C, cam, R_CODE, k=8)
    hit = ~fr.empty
    w = geo.softmax_weights(zbuf, zscale)
    return {"two_point": {"measured": w1, "inputs": {"z1": z1, "z2": z2, "scale": s}},
            "single": {"measured": img[hit], "inputs": {"values": C[fr.idx[..., 0][hit]]}},
            "sum": {"measured": w.sum(axis=-1), "inputs": {}},
            "empty": {"measured": w[zbuf < 0], "inputs": {"zbuf": zbuf, "scale": np.full(zbuf.shape[0], zscale)}}}


@pytest.mark.claim("dynamic_voyager.softmax_compositor")
def test_softmax_compositor(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    card_pairs = np.array([[0.010, 0.011, 1.0], [1.0, 2.0, 1.0], [1.0, 1.1, 1.0]])
    rand = np.column_stack([rng.uniform(0.01, 5, 30), rng.uniform(0.01, 5, 30), rng.uniform(0.1, 10, 30)])
    rand[:, :2] = np.sort(rand[:, :2], axis=1)
    pairs = np.concatenate([card_pairs, rand])
    zbuf = rng.uniform(1e-3, 10.0, (200, 8))
    zbuf[rng.random((200, 8)) < 0.3] = -1.0      # empty slots, as PyTorch3D's zbuf
    zbuf[:, 0] = np.abs(zbuf[:, 0])              # at least one point per pixel
    ev = _softmax_evidence(pairs, zbuf, 1.0)
    other = dv.softmax_compositor.variant(suffix="false", constants={"importance": "depth"})
    assert other.judge(ev).fails
    ratio = np.linspace(1.0, 3.0, 41)
    figure = {"title": "Two-point softmax compositor: weight of the nearer point (s = 1)",
              "xlabel": "z2 / z1", "ylabel": "w_1", "logx": False, "logy": False, "x": ratio,
              "series": [{"label": "z1 = 1 (measured)", "role": "measured",
                          "y": [geo.softmax_weights(np.array([1.0, q]), 1.0)[0] for q in ratio]},
                         {"label": "z1 = 1: sigma(1/z1 - 1/z2)", "role": "theory", "y": dv.near_weight(1.0, ratio)},
                         {"label": "z1 = 0.01 (code's depth scale, measured)", "role": "measured",
                          "y": [geo.softmax_weights(np.array([0.01, 0.01 * q]), 1.0)[0] for q in ratio]},
                         {"label": "softmax(-z) (false variant), z1 = 1", "role": "false_variant",
                          "y": dv.near_weight(1.0, ratio, importance="neg_depth")}]}
    verify(dv.softmax_compositor, ev, seed=seed, figure=figure,
           params={"w(0.010, 0.011)": float(ev["two_point"]["measured"][0]),
                   "w(1, 2)": float(ev["two_point"]["measured"][1]), "w(1, 1.1)": float(ev["two_point"]["measured"][2]),
                   "softmax(+z) variant": "rejected"},
           tolerance="1e-12 relative on weights (one float64 softmax vs one sigmoid); sums 1e-12; empty slots "
                     "exactly 0 (e^{-1e4} underflows)")


@given(K=st.integers(2, 8), s=st.floats(0.1, 10.0), seed=st.integers(0, 2**31 - 1))
def test_softmax_compositor_property(verify, K, s, seed):
    rng = np.random.default_rng(seed)
    z = np.sort(rng.uniform(1e-3, 10.0, K))
    w = geo.softmax_weights(z, s)
    # positive in exact arithmetic; in float64 far points can underflow to exactly 0
    assert np.all(w >= 0) and np.all(np.diff(w) <= 0)
    ev = {"sum": {"measured": w.sum(), "inputs": {}},
          "two_point": {"measured": geo.softmax_weights(z[:2], s)[0], "inputs": {"z1": z[0], "z2": z[1], "scale": s}}}
    gap = abs(dv.near_weight(z[0], z[1], s) - dv.near_weight(z[0], z[1], s, importance="neg_depth"))
    _verify_or_hold(verify, dv.softmax_compositor, ev, bool(gap > 1e-9), seed=seed)


# == ray_point_distance ============================================================================
def _r2p_scene(n: int, f: float, depth: np.ndarray):
    rays = geo.rays_gl(n, n, f)
    visible = np.zeros((n, n), dtype=bool)
    q = n // 4
    visible[q:n - q, q:n - q] = True                  # the visible centre (card: 256^2 of 512^2)
    P = geo.r2p_visible_points(depth, visible, rays, 8)
    vis_rays = rays[::8, ::8][visible[::8, ::8]]
    return rays[~visible], P, vis_rays


@pytest.mark.claim("dynamic_voyager.ray_point_distance")
def test_ray_point_distance(verify, thorough):
    seed = 0
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((1000, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    p = 3.0 * rng.standard_normal((1000, 3))
    p[:10] = rng.uniform(0.5, 2.0, (10, 1)) * d[:10]          # points on their ray's line: delta = 0
    Q = _random_rotation(rng)
    sq = np.einsum("ij,ij->i", p, p)
    n = 512 if thorough else 128
    f = 500.0 * n / 512
    z0 = 2.0
    masked, P_s, vis_rays = _r2p_scene(n, f, np.full((n, n), z0))
    rho_s, _, _ = geo.r2p_pseudo_depth(masked, P_s)
    two = np.full((n, n), 1.0)
    two[:, n // 2:] = 3.0                                       # two depth layers (ranges)
    masked2, P_2, _ = _r2p_scene(n, f, two)
    sub = masked2[:: (4 if thorough else 1)]
    rho_2, _, _ = geo.r2p_pseudo_depth(sub, P_2)
    rho_b, _, _ = geo.r2p_pseudo_depth(-sub, P_2)
    perm = rng.permutation(P_2.shape[0])
    code_d2 = sq - np.einsum("ij,ij->i", d, p) ** 2
    ev = {
        "identity": {"measured": geo.perpendicular_sqdist(d, p) / sq, "inputs": {"d": d, "P": p}},
        "nonneg": {"measured": geo.perpendicular_sqdist(d, p), "inputs": {}},
        "rotation": {"measured": geo.perpendicular_sqdist(d @ Q.T, p @ Q.T) / sq, "inputs": {"d": d, "P": p}},
        "permutation": {"measured": geo.r2p_pseudo_depth(sub, P_2[perm])[0], "inputs": {"values": rho_2}},
        "sphere": {"measured": rho_s, "inputs": {"rays": masked, "rays_visible": vis_rays, "z0": z0}},
        "two_layer": {"measured": rho_2, "inputs": {"rays": sub, "points": P_2}},
        "backward": {"measured": rho_b, "inputs": {"rho_forward": rho_2}},
    }
    norm_variant = dv.ray_point_distance.variant(suffix="false", constants={"pseudo_depth": "norm"})
    assert norm_variant.judge({"two_layer": ev["two_layer"]}).fails
    assert norm_variant.judge({"sphere": ev["sphere"]}).fails
    th = dv.sphere_pseudo_depth(masked, vis_rays, z0)
    order = np.argsort(th)
    figure = {"title": "r2p pseudo-depth on a constant depth map used as a range (sphere z0 = 2)",
              "xlabel": "masked ray (sorted by theory)", "ylabel": "pseudo-depth", "logx": False, "logy": False,
              "x": np.arange(order.size),
              "series": [{"label": "code (argmin |p|^2 - rho^2)", "role": "measured", "y": rho_s[order]},
                         {"label": "z0 cos(phi_min)", "role": "theory", "y": th[order]},
                         {"label": "delta_min (false variant)", "role": "false_variant",
                          "y": dv.sphere_pseudo_depth(masked, vis_rays, z0, "delta")[order]}]}
    verify(dv.ray_point_distance, ev, seed=seed, figure=figure,
           scale="full" if thorough else "reduced: 128^2 image, f = 125 (512^2 with --thorough)",
           params={"n": n, "f": f, "z0": z0, "n_masked": int(masked.shape[0]), "n_visible_points": int(P_s.shape[0]),
                   "code_formula_negative_delta2": int(np.sum(code_d2 < 0)),
                   "backward_rays_with_negative_rho": int(np.sum(rho_b < 0)),
                   "nearest_point_variant": "rejected"},
           tolerance="identity and rotation 1e-12 on delta^2/|p|^2 (cancellation in |p|^2 - rho^2); sphere 1e-9 "
                     "relative (card); two-layer 1e-10 relative (two exact searches)")


@given(seed=st.integers(0, 2**31 - 1), n_pts=st.integers(2, 40))
def test_ray_point_distance_property(verify, seed, n_pts):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((20, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    P = rng.standard_normal((n_pts, 3)) * rng.uniform(0.1, 10.0)
    Q = _random_rotation(rng)
    rho, _, _ = geo.r2p_pseudo_depth(d, P)
    pairs = P[rng.integers(0, n_pts, 20)]
    sq = np.einsum("ij,ij->i", pairs, pairs)
    ev = {"identity": {"measured": geo.perpendicular_sqdist(d, pairs) / sq, "inputs": {"d": d, "P": pairs}},
          "rotation": {"measured": geo.perpendicular_sqdist(d @ Q.T, pairs @ Q.T) / sq, "inputs": {"d": d, "P": pairs}},
          "two_layer": {"measured": geo.r2p_pseudo_depth(d @ Q.T, P @ Q.T)[0], "inputs": {"rays": d, "points": P}},
          "backward": {"measured": geo.r2p_pseudo_depth(-d, P)[0], "inputs": {"rho_forward": rho}}}
    # rho can be negative: the search is over the ray's whole line (recorded, not filtered)
    sep = np.abs(rho - dv.r2p_pseudo_depth(d, P, "delta"))
    _verify_or_hold(verify, dv.ray_point_distance, ev, bool(np.max(sep) > 1e-6), seed=seed)


# == pointcloud_update =============================================================================
def _update_step(points, colors, scene, cam_new, n, *, jitter_rng=None, n_invalid=0, scale=1.0,
                 unproject_cam=None, all_pixels=False):
    """Render the cloud at cam_new, outpaint the holes with the scene's true colour and
    depth (times a factor in [0.5, 1.1] when jitter_rng is given; n_invalid holes get
    no depth), update. Returns (update, render depth, outpainted depth)."""
    _, dep, _ = geo.render(points, colors, cam_new, R_CODE, compositor="zbuffer")
    d_true, col, _ = geo.raycast(scene, cam_new, scale_texture=scale)
    d_out = d_true.copy()
    if jitter_rng is not None:
        d_out *= jitter_rng.uniform(0.5, 1.1, d_out.shape)
        hole_px = np.argwhere(dep == 0)
        bad = hole_px[jitter_rng.choice(hole_px.shape[0], n_invalid, replace=False)]
        d_out[bad[:, 0], bad[:, 1]] = 0.0
    rd = np.zeros_like(dep) if all_pixels else dep
    cam_u = cam_new if unproject_cam is None else geo.Camera(unproject_cam.K, unproject_cam.R, unproject_cam.t, n, n)
    up = geo.update_cloud(points, colors, rd, col, d_out, cam_u)
    return up, dep, d_out


def _update_evidence(cases, cam0) -> dict:
    """cases: (points, colors, update, render depth at the new camera, new camera)."""
    ev = {k: {"measured": [], "inputs": {}} for k in ("count", "from_holes", "reproject", "coverage", "hard")}
    counts, holes, dropped, npx, notholes, uv, cols, rows, cover, changed, zadd, zorig = ([] for _ in range(12))
    for P, C, up, dep, cam in cases:
        n = cam.width
        hole_flat = geo.flatten_image(dep == 0)
        counts.append(up.n_added)
        holes.append(int(hole_flat.sum()))
        dropped.append(up.n_dropped)
        npx.append(n * n)
        notholes.append(int(np.sum(~hole_flat[up.added_pixels])))
        A = up.points[P.shape[0]:]
        u, v, _ = geo.project(A, cam)
        uv.append(np.stack([u, v], -1))
        x, y = np.divmod(up.added_pixels, n)       # k = x H + y
        cols.append(x)
        rows.append(y)
        _, dep_after, _ = geo.render(up.points, up.colors, cam, R_CODE, compositor="zbuffer")
        empty = geo.flatten_image(dep_after == 0)
        dropped_mask = hole_flat.copy()
        dropped_mask[up.added_pixels] = False
        cover.append(int(np.sum(empty & ~dropped_mask)))
        # (c): re-render the old camera with and without the added points (hard z-buffer)
        before, _, _ = geo.render(P, C, cam0, R_CODE, compositor="zbuffer")
        after, _, fr = geo.render(up.points, up.colors, cam0, R_CODE, compositor="zbuffer")
        changed.append((np.abs(after - before).max(-1) > 0).ravel().astype(float))
        orig = (fr.idx >= 0) & (fr.idx < P.shape[0])
        add = fr.idx >= P.shape[0]
        zorig.append(np.where(orig, fr.zbuf, np.inf).min(-1).ravel())
        zadd.append(np.where(add, fr.zbuf, np.inf).min(-1).ravel())
    ev["count"] = {"measured": np.array(counts, float),
                   "inputs": {"n_holes": np.array(holes), "n_dropped": np.array(dropped), "n_pixels": np.array(npx)}}
    ev["from_holes"] = {"measured": float(sum(notholes)), "inputs": {}}
    ev["reproject"] = {"measured": np.concatenate(uv),
                       "inputs": {"col": np.concatenate(cols), "row": np.concatenate(rows)}}
    ev["coverage"] = {"measured": float(sum(cover)), "inputs": {}}
    ev["hard"] = {"measured": np.concatenate(changed),
                  "inputs": {"z_add": np.concatenate(zadd), "z_orig": np.concatenate(zorig)}}
    return ev


def _soft_evidence(P, C, up, cam0, eps=dv.IMPORTANCE_EPS) -> tuple[dict, dict]:
    before, _, _ = geo.render(P, C, cam0, R_CODE, compositor="softmax", k=8)
    after, _, fr = geo.render(up.points, up.colors, cam0, R_CODE, compositor="softmax", k=8)
    ch = np.abs(after - before).max(-1)
    orig = (fr.idx >= 0) & (fr.idx < P.shape[0])
    add = fr.idx >= P.shape[0]
    zf = np.where(orig, fr.zbuf, np.inf).min(-1)
    with np.errstate(invalid="ignore"):
        delta = np.where(add, 1.0 / (fr.zbuf + eps) - 1.0 / (zf[..., None] + eps), -np.inf)
    has = add.any(-1) & np.isfinite(zf)
    return ({"measured": ch[has], "inputs": {"delta": delta[has]}},
            {"measured": ch[has], "inputs": {"delta_max": delta[has].max(-1)}})


def _update_cases(n: int, scale: float, steps: int, seed: int):
    cam0 = _cam(n)
    scene = geo.plane_box_scene().scaled(scale)
    d0, c0, _ = geo.raycast(scene, cam0, scale_texture=scale)
    P0, C0 = geo.unproject_depth(d0, cam0), geo.flatten_image(c0)
    cams = [geo.Camera(cam0.K, geo.yaw_matrix(0.1 * (k + 1)), np.array([0.05 * (k + 1), 0.0, 0.0]) * scale, n, n)
            for k in range(steps)]
    rng = np.random.default_rng(seed)
    out = {}
    for label, jit in (("gt", None), ("jitter", rng)):
        P, C, cases = P0, C0, []
        for cam in cams:
            up, dep, _ = _update_step(P, C, scene, cam, n, jitter_rng=jit, n_invalid=20 if jit is not None else 0,
                                      scale=scale)
            cases.append((P, C, up, dep, cam))
            P, C = up.points, up.colors
        out[label] = cases
    return cam0, scene, (P0, C0), out


@pytest.mark.claim("dynamic_voyager.pointcloud_update")
def test_pointcloud_update(verify, thorough):
    seed = 0
    n, steps = (512, 2) if thorough else (128, 1)
    cam0, scene, (P0, C0), cases = _update_cases(n, 1.0, steps, seed)
    ev = _update_evidence(cases["gt"] + cases["jitter"], cam0)
    # soft compositor at the code's depth scale (scene x 0.01), first step of each outpainting
    cam0s, _, (P0s, C0s), cases_s = _update_cases(n, 0.01, 1, seed)
    parts = [_soft_evidence(P0s, C0s, cases_s[k][0][2], cam0s) for k in ("gt", "jitter")]
    ev["soft_bound"] = {"measured": np.concatenate([p[0]["measured"] for p in parts]),
                        "inputs": {"delta": np.concatenate([p[0]["inputs"]["delta"] for p in parts])}}
    ev["soft_margins"] = {"measured": ev["soft_bound"]["measured"],
                          "inputs": {"delta_max": np.concatenate([p[1]["inputs"]["delta_max"] for p in parts])}}
    claim = dv.pointcloud_update
    # the card's negative controls, run as buggy updates: both must be rejected
    P, C, _, dep, cam1 = cases["gt"][0]
    up_all, _, _ = _update_step(P, C, scene, cam1, n, all_pixels=True)
    bug_all = claim.judge(_update_evidence([(P, C, up_all, dep, cam1)], cam0))
    assert bug_all.fails, bug_all.reason
    up_old, _, _ = _update_step(P, C, scene, cam1, n, unproject_cam=cam0)
    bug_old = claim.judge(_update_evidence([(P, C, up_old, dep, cam1)], cam0))
    assert bug_old.fails, bug_old.reason
    covered = int(np.sum(dep > 0))
    dm = ev["soft_margins"]["inputs"]["delta_max"]
    ch = ev["soft_margins"]["measured"]
    order = np.argsort(dm)
    figure = {"title": "Soft compositor (code's depth scale): old-view colour change vs depth margin",
              "xlabel": "max_a 1/z_a - 1/z_first", "ylabel": "colour change (0 drawn at 1e-18)",
              "logx": False, "logy": True, "x": dm[order],
              "series": [{"label": "measured change", "role": "measured", "y": np.maximum(ch[order], 1e-18),
                          "marker": "."},
                         {"label": "single-point bound sigma(Delta)", "role": "bound",
                          "y": 1.0 / (1.0 + np.exp(-np.clip(dm[order], -700, 700)))},
                         {"label": "change tolerance 1e-3", "role": "bound", "y": np.full(dm.size, 1e-3)}],
              "note": "pixels of the old view that received added points; gt and jittered-depth outpaintings"}
    hard = ev["hard"]["measured"]
    verify(claim, ev, seed=seed, figure=figure,
           scale="full" if thorough else "reduced: 128^2, one step (512^2 with 2 steps under --thorough)",
           params={"n": n, "steps": steps, "r_px": R_CODE, "holes": ev["count"]["inputs"]["n_holes"],
                   "added": ev["count"]["measured"], "dropped": ev["count"]["inputs"]["n_dropped"],
                   "hard_changed_pixels": int(hard.sum()),
                   "append_all_bug": bug_all.outcome.value,
                   "append_all_points_in_covered_region": int(up_all.n_added - ev["count"]["inputs"]["n_holes"][0]),
                   "covered_pixels": covered, "old_camera_bug": bug_old.outcome.value,
                   "soft_pixels_changed_gt_1e-3": int(np.sum(ch > 1e-3))},
           tolerance="(a), coverage and hard z-buffer sets exact; reprojection 1e-9 px (round-off); soft change <= "
                     "B/(1+B) + 1e-12 (derived bound, round-off); card's soft margins -7 / -10 at 1e-3 as stated")


@_FEW
@given(yaw=_fl(-0.3, 0.3), tx=_fl(0.0, 0.1), seed=st.integers(0, 2**31 - 1))
def test_pointcloud_update_property(verify, yaw, tx, seed):
    n = 48
    cam0 = _cam(n)
    scene = geo.plane_box_scene()
    d0, c0, _ = geo.raycast(scene, cam0)
    P, C = geo.unproject_depth(d0, cam0), geo.flatten_image(c0)
    cam1 = geo.Camera(cam0.K, geo.yaw_matrix(yaw), np.array([tx, 0.0, 0.0]), n, n)
    up, dep, _ = _update_step(P, C, scene, cam1, n)
    ev = _update_evidence([(P, C, up, dep, cam1)], cam0)
    ev = {k: ev[k] for k in ("count", "from_holes", "reproject", "coverage") if k != "reproject" or up.n_added}
    # the 'every pixel' variant coincides with the claim only when the render is empty
    _verify_or_hold(verify, dv.pointcloud_update, ev, bool(np.any(dep > 0)), seed=seed)


# == visibility_check ==============================================================================
def _visibility_evidence(n_pts: int, seed: int, z_range=(1.0, 3.0), placed=None) -> dict:
    n = 64
    cam = _cam(n)
    plane = 2.0
    rng = np.random.default_rng(seed)
    scene = geo.Scene(plane, (), texture_seed=3)
    d, c, _ = geo.raycast(scene, cam)
    P, C = geo.unproject_depth(d, cam), geo.flatten_image(c)
    if placed is None:
        uv = rng.uniform(2.0, n - 2.0, (n_pts, 2))
        z = rng.uniform(*z_range, n_pts)
    else:
        uv, z = placed
    A = geo.unproject_pixels(uv[:, 0], uv[:, 1], z, cam)
    CA = rng.uniform(0, 1, (A.shape[0], 3))
    flagged, changed = geo.visibility_check(P, C, A, CA, cam, R_CODE)
    _, _, fr = geo.render(np.concatenate([P, A]), np.concatenate([C, CA]), cam, R_CODE, k=32)
    in_changed = np.zeros(A.shape[0], dtype=bool)
    ids = fr.idx[changed]
    ids = ids[ids >= P.shape[0]] - P.shape[0]
    in_changed[np.unique(ids)] = True
    meas = np.zeros(A.shape[0])
    meas[flagged] = 1.0
    return {"measured": meas, "inputs": {"z_add": z, "z_first": np.full(z.size, plane), "touches_changed": in_changed}}


@pytest.mark.claim("dynamic_voyager.visibility_check")
def test_visibility_check(verify):
    seed = 0
    placed = (np.array([[20.3, 30.7], [40.2, 12.9]]), np.array([1.5, 2.4]))   # in front of / behind the plane z = 2
    ev = {"placed": _visibility_evidence(2, seed, placed=placed),
          "random": _visibility_evidence(40, seed + 1)}
    assert ev["placed"]["inputs"]["touches_changed"].all()     # both points change their pixels (soft compositor)
    verify(dv.visibility_check, ev, seed=seed,
           params={"n": 64, "plane_z": 2.0, "placed_z": [1.5, 2.4], "flags_placed": ev["placed"]["measured"],
                   "random_points": 40, "random_flagged": int(ev["random"]["measured"].sum()), "K": 32},
           tolerance="exact set equality of flags")


@_FEW
@given(n_pts=st.integers(1, 12), seed=st.integers(0, 2**31 - 1))
def test_visibility_check_property(verify, n_pts, seed):
    ev = {"random": _visibility_evidence(n_pts, seed)}
    i = ev["random"]["inputs"]
    # the 'flag all' variant is separated only when some changed-pixel point lies behind the plane
    _verify_or_hold(verify, dv.visibility_check, ev, bool(np.any(i["touches_changed"] & (i["z_add"] > i["z_first"]))),
                    seed=seed)


# == dynamic_consistency ===========================================================================
def _patch_polygon(scene: geo.Scene, cam: geo.Camera) -> np.ndarray:
    b = scene.boxes[0]
    corners = np.array([[b.lo[0], b.lo[1], b.lo[2]], [b.hi[0], b.lo[1], b.lo[2]],
                        [b.hi[0], b.hi[1], b.lo[2]], [b.lo[0], b.hi[1], b.lo[2]]])
    u, v, _ = geo.project(corners, cam)
    return np.stack([u, v], -1)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _centroid(m: np.ndarray) -> np.ndarray:
    y, x = np.nonzero(m)
    return np.array([x.mean(), y.mean()])


def _dynamic_evidence(n: int, taus, velocity: float, yaw: float, tx: float, r: float = 0.8):
    """Per frame: cloud points vs the true projection; signed distances of the pixels
    where the rendered patch label and the ray-cast truth disagree; background drift.
    Both clouds: 'per_frame' (frame tau's depth) and 'static_depth' (frame 0's depth)."""
    cam = _cam(n)
    novel = geo.Camera(cam.K, geo.yaw_matrix(yaw), np.array([tx, 0.0, 0.0]), n, n)
    col, row = _indices(n, n)
    d0, _, lab0 = geo.raycast(geo.moving_patch_scene(0, velocity), cam, colour=False)
    P0 = geo.unproject_depth(d0, cam)
    lab0f = geo.flatten_image(lab0)
    keys = ("per_frame", "static_depth")
    out = {k: {"points": ([], [], []), "out": [], "in": [], "background": 0.0} for k in keys}
    stats = {k: {"iou": [], "centroid": []} for k in keys}
    spacing = 0.0
    for tau in taus:
        scene = geo.moving_patch_scene(tau, velocity)
        d, _, lab = geo.raycast(scene, cam, colour=False)
        labf = geo.flatten_image(lab)
        _, _, truth = geo.raycast(scene, novel, colour=False)
        T = truth == 1
        poly = _patch_polygon(scene, novel)
        sel = labf == 1
        # one input pixel of the patch, as projected into the novel view (the sampling step)
        c, rr = col[sel], row[sel]
        q0 = np.stack(geo.project(geo.unproject_pixels(c + 0.5, rr + 0.5, 1.5, cam), novel)[:2], -1)
        for dc, dr in ((1, 0), (0, 1)):
            q1 = np.stack(geo.project(geo.unproject_pixels(c + 0.5 + dc, rr + 0.5 + dr, 1.5, cam), novel)[:2], -1)
            spacing = max(spacing, float(np.linalg.norm(q1 - q0, axis=-1).max()))
        for name, depth in (("per_frame", d), ("static_depth", d0)):
            P = geo.unproject_depth(depth, cam)
            _, _, fr = geo.render(P, labf[:, None].astype(float), novel, r, compositor="zbuffer", k=1)
            Rm = (fr.idx[..., 0] >= 0) & (labf[np.maximum(fr.idx[..., 0], 0)] == 1)
            u, v, _ = geo.project(P[sel], novel)
            pts = out[name]["points"]
            pts[0].append(np.stack([u, v], -1))
            pts[1].append(c)
            pts[2].append(rr)
            yy, xx = np.nonzero(Rm ^ T)
            dist = geo.polygon_distance(xx + 0.5, yy + 0.5, poly)
            out[name]["out"].append(float(max(dist.max(initial=0.0), 0.0)))
            out[name]["in"].append(float(max(-dist.min(initial=0.0), 0.0)))
            bg = (labf == 0) & (lab0f == 0)
            out[name]["background"] = max(out[name]["background"], float(np.abs(P[bg] - P0[bg]).max()))
            stats[name]["iou"].append(_iou(Rm, T))
            stats[name]["centroid"].append(float(np.linalg.norm(_centroid(Rm) - _centroid(T))))
    ev = {}
    for name, o in out.items():
        uv, cs, rs = (np.concatenate(x) for x in o["points"])
        ev[name] = {
            "points": {"measured": uv, "inputs": {"col": cs, "row": rs, "patch_z": 1.5, "K": cam.K,
                                                  "R": novel.R, "tvec": novel.t}},
            "band_out": {"measured": np.array(o["out"]), "inputs": {"r_splat": r}},
            "band_in": {"measured": np.array(o["in"]), "inputs": {"spacing": spacing}},
            "background": {"measured": o["background"], "inputs": {}},
        }
    return ev, stats


@pytest.mark.claim("dynamic_voyager.dynamic_consistency")
def test_dynamic_consistency(verify):
    taus = list(range(7))
    ev, stats = _dynamic_evidence(256, taus, 0.05, 0.05, -0.1)
    pf, st_ = stats["per_frame"], stats["static_depth"]
    figure = {"title": "Moving patch rendered from a novel camera (256^2, f = 250, r = 0.8 px)", "xlabel": "frame tau",
              "ylabel": "IoU with the ray-cast truth", "logx": False, "logy": False, "x": taus,
              "series": [{"label": "per-frame cloud", "role": "measured", "y": pf["iou"]},
                         {"label": "static cloud (frame 0 depth)", "role": "false_variant", "y": st_["iou"]},
                         {"label": "card's pass line 0.98", "role": "bound", "y": [0.98] * len(taus)}],
              "note": "centroid errors (px): " + ", ".join(f"{c:.3f}" for c in pf["centroid"])}
    verify(dv.dynamic_consistency, ev, figure=figure,
           params={"n": 256, "f": 250.0, "velocity": 0.05, "novel_yaw": 0.05, "novel_t": [-0.1, 0.0, 0.0],
                   "r_px": 0.8, "iou_per_frame": pf["iou"], "centroid_px_per_frame": pf["centroid"],
                   "iou_static": st_["iou"], "card_rule_iou_0.98": bool(min(pf["iou"]) >= 0.98),
                   "card_rule_centroid_0.5px": bool(max(pf["centroid"]) <= 0.5)},
           tolerance="points 1e-9 px (round-off); mismatched pixels within r = 0.8 px outside and within one "
                     "projected input pixel inside the true silhouette (+1e-9); background identical (exact)")
    verify.experiment(
        SLUG, "card.dynamic_iou", title="Per-frame vs static point cloud from a novel view",
        expected="card (tau = 0, 3, 6): IoU 1.000, 1.000, 0.997; centroid 0.000, 0.000, 0.060 px; static cloud "
                 "IoU 0.78 for tau >= 1",
        observed="IoU " + ", ".join(f"{x:.3f}" for x in pf["iou"]) + "; centroid " +
                 ", ".join(f"{x:.3f}" for x in pf["centroid"]) + "; static IoU " +
                 ", ".join(f"{x:.3f}" for x in st_["iou"]),
        figure=figure, params={"taus": taus}, scale="full")


@_FEW
@given(vel=_fl(-0.1, 0.1), yaw=_fl(-0.1, 0.1), tx=_fl(-0.2, 0.2))
def test_dynamic_consistency_property(verify, vel, yaw, tx):
    n, tau = 96, 3
    cam = _cam(n)
    novel = geo.Camera(cam.K, geo.yaw_matrix(yaw), np.array([tx, 0.0, 0.0]), n, n)
    for tt in (0, tau):   # the patch stays inside both views, 2 px from the border
        sc = geo.moving_patch_scene(tt, vel)
        for c in (cam, novel):
            poly = _patch_polygon(sc, c)
            assume(np.all((poly > 2) & (poly < n - 2)))
    ev, _ = _dynamic_evidence(n, [0, tau], vel, yaw, tx)
    # the static cloud is wrong only where the patch moved, and only a camera translation
    # (parallax f t (1/1.5 - 1/3) between patch and plane depths) reveals it
    moved_px = abs(vel) * tau * cam.f / 1.5
    parallax_px = abs(tx) * cam.f * (1 / 1.5 - 1 / 3.0)
    _verify_or_hold(verify, dv.dynamic_consistency, ev, bool(moved_px >= 2.0 and parallax_px >= 2.0))


# == camera_path ===================================================================================
_WATERFALL = {"rotation_path": np.array([1, 1, 0, 0, 1, 1, 0, 0, 0], dtype=float), "rotation_range": 0.45,
              "frames": 10, "camera_speed": 5e-4, "speed_multiplier_rotation": 0.2}


def _path_evidence(cfg: dict, pitch_path: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict:
    sim = geo.camera_path(cfg["rotation_path"], cfg["rotation_range"], cfg["frames"], camera_speed=cfg["camera_speed"],
                          speed_multiplier_rotation=cfg["speed_multiplier_rotation"])
    Rs = sim["R"]
    ortho = max(float(np.abs(np.einsum("nji,njk->nik", Rs, Rs) - np.eye(3)).max()),
                float(np.abs(np.linalg.det(Rs) - 1.0).max()))
    pitched = geo.camera_path(cfg["rotation_path"], cfg["rotation_range"], cfg["frames"], pitch_path=pitch_path)
    rot = cfg["rotation_path"] != 0
    return {"orthonormal": {"measured": ortho, "inputs": {}},
            "yaw_total": {"measured": Rs[-1], "inputs": cfg},
            "translation": {"measured": sim["T"][-1], "inputs": cfg},
            "move_dir": {"measured": sim["move_dir"][rot],
                         "inputs": {**cfg, "rotation_path": cfg["rotation_path"][rot]}},
            "composition": {"measured": np.array([geo.yaw_matrix(x) @ geo.yaw_matrix(y) for x, y in zip(a, b)]),
                            "inputs": {"a": a, "b": b}},
            "order": {"measured": pitched["R"][-1], "inputs": {**cfg, "pitch_path": pitch_path}}}, sim


@pytest.mark.claim("dynamic_voyager.camera_path")
def test_camera_path(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    pitch_path = np.array([0.1, 0.0, -0.2, 0.0, 0.05, 0.0, 0.0, 0.1, 0.0])
    ev, sim = _path_evidence(_WATERFALL, pitch_path, rng.uniform(-3, 3, 20), rng.uniform(-3, 3, 20))
    yaw_acc = np.arctan2(sim["R"][:, 0, 2], sim["R"][:, 0, 0])
    n = _WATERFALL["frames"] + 1
    th_steps = np.repeat(_WATERFALL["rotation_path"] * 0.45 / n, n)
    figure = {"title": "Waterfall camera path: accumulated yaw", "xlabel": "step", "ylabel": "yaw (rad)",
              "logx": False, "logy": False, "x": np.arange(yaw_acc.size),
              "series": [{"label": "simulated R <- R_y R", "role": "measured", "y": yaw_acc},
                         {"label": "sum of theta'", "role": "theory",
                          "y": np.concatenate([[0.0], np.cumsum(th_steps)])}]}
    md = sim["move_dir"][0]
    verify(dv.camera_path, ev, seed=seed, figure=figure,
           params={**{k: v for k, v in _WATERFALL.items()}, "theta_prime": float(sim["theta"][0]),
                   "move_dir_norm": float(np.linalg.norm(md)), "move_dir_angle": float(np.arctan2(md[0], md[2])),
                   "total_yaw": float(yaw_acc[-1]), "final_T": sim["T"][-1], "pitch_path": pitch_path},
           tolerance="1e-12 absolute on rotation entries and unit directions (a few hundred 3x3 products); "
                     "translation 1e-12 relative")


# angles rounded to 1e-9: a yaw of 1e-308 has subnormal entries, and a subnormal deviation
# overflows the margin ratio in judges.agree
@given(angles=st.lists(st.floats(-1.0, 1.0).map(lambda x: round(x, 9)), min_size=1, max_size=6),
       ph=st.floats(0.05, 0.5))
def test_camera_path_property(verify, angles, ph):
    # a pure-pitch keyframe first, then the yaws: the order of application matters
    cfg = {**_WATERFALL, "rotation_path": np.array([0.0, *angles]), "rotation_range": 1.0, "frames": 2}
    pitch_path = np.zeros(len(angles) + 1)
    pitch_path[0] = ph
    a = np.array(angles)
    ev, _ = _path_evidence(cfg, pitch_path, a, a[::-1])
    ev = {k: ev[k] for k in ("yaw_total", "composition", "order")}
    # left and right multiplication differ only if the yaws after the pitch do not cancel
    inp = ev["order"]["inputs"]
    gap = np.abs(dv._ordered_rotation(**inp, side="left") - dv._ordered_rotation(**inp, side="right")).max()
    _verify_or_hold(verify, dv.camera_path, ev, bool(gap > 1e-9))


# == depth_disparity ===============================================================================
def _depth_evidence(D: np.ndarray, video_D: np.ndarray, a: float, b: float, frame: int, factor: float) -> dict:
    depth = geo.midas_depth(D)
    disp = geo.depth_to_disparity(depth)
    Ds = np.sort(D)
    vdisp = geo.depth_to_disparity(geo.midas_depth(video_D))
    resc = vdisp.copy()
    resc[frame] *= factor
    return {"formula": {"measured": depth, "inputs": {"D": D}},
            "bound": {"measured": disp, "inputs": {}},
            "monotone": {"measured": float(np.max(np.diff(geo.midas_depth(Ds)))), "inputs": {}},
            "sky": {"measured": float(geo.depth_to_disparity(np.array(dv.SKY_DEPTH))), "inputs": {}},
            "channel": {"measured": geo.normalise_video(vdisp), "inputs": {"video": vdisp}},
            "affine": {"measured": geo.normalise_video(a * vdisp + b), "inputs": {"video": vdisp}},
            "per_frame": {"measured": geo.normalise_video(resc), "inputs": {"video": resc}}}


@pytest.mark.claim("dynamic_voyager.depth_disparity")
def test_depth_disparity(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    D = 10.0 ** rng.uniform(-8, 3, 10000)
    video_D = 10.0 ** rng.uniform(-3, 3, (6, 16, 16))
    ev = _depth_evidence(D, video_D, 3.7, -12.5, 2, 1.7)
    change = float(np.abs(ev["per_frame"]["measured"] - ev["channel"]["measured"]).max())
    assert change > 1e-3        # the card's negative control: rescaling one frame changes the channel
    Ds = np.sort(D)[::50]
    figure = {"title": "Disparity from a MiDaS relative disparity D (depth = 1/clip(D) + 1e-4)", "xlabel": "D",
              "ylabel": "disparity = 1/depth", "logx": True, "logy": True, "x": Ds,
              "series": [{"label": "numerics", "role": "measured", "y": geo.depth_to_disparity(geo.midas_depth(Ds))},
                         {"label": "1/(1/max(D, 1e-6) + 1e-4)", "role": "theory", "y": 1.0 / dv.midas_depth(Ds)},
                         {"label": "bound 1/depth_shift = 1e4", "role": "bound", "y": np.full(Ds.size, 1e4)}]}
    verify(dv.depth_disparity, ev, seed=seed, figure=figure,
           params={"D_range": [1e-8, 1e3], "affine": [3.7, -12.5], "rescaled_frame": 2, "factor": 1.7,
                   "max_disparity": float(ev["bound"]["measured"].max()),
                   "channel_change_after_one_frame_rescale": change},
           tolerance="1e-12 (relative on depths, absolute on the [0, 1] channel): closed forms, round-off of at most "
                     "(|b| + a max|x|)/(a range) <= 1e2 ulps")


@given(a=st.floats(1e-3, 1e3), b=_fl(-1e3, 1e3), seed=st.integers(0, 2**31 - 1))
def test_depth_disparity_property(verify, a, b, seed):
    rng = np.random.default_rng(seed)
    vdisp = geo.depth_to_disparity(geo.midas_depth(10.0 ** rng.uniform(-3, 3, (4, 6, 6))))
    ev = {"affine": {"measured": geo.normalise_video(a * vdisp + b), "inputs": {"video": vdisp}}}
    verify(dv.depth_disparity, ev, seed=seed, record=False)


# == mask_generator ================================================================================
def _mask_evidence(seeds, n_draws: int, W: int = 512, H: int = 512) -> dict:
    fracs = [geo.mask_fraction_draws(n_draws, H, W, s) for s in seeds]
    counts, ls, rs, ts, bs = [], [], [], [], []
    for s in range(40):
        m, (l, r, t, b) = geo.outpaint_mask(H, W, 1000 + s)
        counts.append(int(m.sum()))
        ls.append(l), rs.append(r), ts.append(t), bs.append(b)
    rng = np.random.default_rng(7)
    video = rng.uniform(0, 1, (5, 64, 64, 3))
    m, _ = geo.outpaint_mask(64, 64, 3)
    out, vm = geo.apply_outpaint_mask(video, m)
    copy = float(np.abs(out[1:][vm[1:]] - np.broadcast_to(video[0], video[1:].shape)[vm[1:]]).max())
    return {"mean": {"measured": fracs, "inputs": {"W": W, "H": H, "border": 0.4}},
            "count": {"measured": np.array(counts, float),
                      "inputs": {"l": ls, "r": rs, "t": ts, "b": bs, "W": W, "H": H}},
            "frame0": {"measured": float(vm[0].sum()), "inputs": {}},
            "copy": {"measured": copy, "inputs": {}}}


@pytest.mark.claim("dynamic_voyager.mask_generator")
def test_mask_generator(verify):
    seeds = [0, 1, 2, 3]
    ev = _mask_evidence(seeds, 5000)
    allf = np.concatenate(ev["mean"]["measured"])
    run = np.cumsum(allf) / np.arange(1, allf.size + 1)
    idx = np.unique(np.geomspace(10, allf.size, 200).astype(int)) - 1
    th = dv.expected_mask_fraction(512, 512, 0.4)
    figure = {"title": "Training masks: running mean of the masked fraction (512^2)", "xlabel": "draws",
              "ylabel": "mean masked fraction", "logx": True, "logy": False, "x": idx + 1,
              "series": [{"label": "running mean", "role": "measured", "y": run[idx]},
                         {"label": f"exact mean with flooring {th:.5f}", "role": "theory", "y": np.full(idx.size, th)},
                         {"label": "continuous mean 0.64", "role": "theory", "y": np.full(idx.size, 0.64)},
                         {"label": "E[l + r] = 0.4 (false variant)", "role": "false_variant",
                          "y": np.full(idx.size, 0.4)}]}
    verify(dv.mask_generator, ev, seed=seeds, figure=figure,
           params={"draws_per_seed": 5000, "W": 512, "H": 512, "mean": float(allf.mean()),
                   "min": float(allf.min()), "max": float(allf.max()), "exact_mean": th,
                   "card_rule_0.64+-0.005": bool(abs(allf.mean() - 0.64) <= 0.005)},
           tolerance="two-sided normal 1e-3 interval of the pooled mean over 4 seeds x 5000 draws (z = 3.29 SE); "
                     "the exact expectation includes the integer flooring, so no bias term")


@given(seed=st.integers(0, 2**31 - 1), H=st.integers(2, 80), W=st.integers(2, 80))
def test_mask_generator_property(verify, seed, H, W):
    m, (l, r, t, b) = geo.outpaint_mask(H, W, seed)
    ev = {"count": {"measured": float(m.sum()), "inputs": {"l": l, "r": r, "t": t, "b": b, "W": W, "H": H}}}
    # one mask cannot speak about the mean (the false variant's subject)
    _verify_or_hold(verify, dv.mask_generator, ev, False)


# == paper_claims (not checkable) and the paper's experiments ======================================
@pytest.mark.claim("dynamic_voyager.paper_claims")
def test_paper_claims(verify):
    verify.not_checkable(
        dv.paper_claims,
        phenomenon="offline, only the geometric mechanism behind '3-D consistent motion' is checked "
                   "(dynamic_voyager.dynamic_consistency: a per-frame cloud reproduces a moving patch from a novel "
                   "view, a static cloud does not); generation quality, perpetual fly-throughs, prompt control and "
                   "the baselines need the video models")


@pytest.mark.experiment("dynamic_voyager.paper_experiments")
def test_paper_experiments_not_reproducible(verify):
    verify.experiment(
        SLUG, "paper.qualitative_and_quantitative", title="Perpetual fly-throughs, comparisons with multi-view-trained "
                                                          "dynamic-scene methods, prompt control",
        expected="paper (abstract): consistent perpetual dynamic scenes; baselines fail under large camera motion; "
                 "tables and metrics not read",
        observed="not run: needs CogVideoX-5B-I2V + outpainting LoRA (unreleased), DepthCrafter, MiDaS, SAM, "
                 "OneFormer, SD-2-inpainting, GPT-4o, a >= 40 GB GPU and network access",
        figure={"title": "not reproducible offline", "xlabel": "", "ylabel": "", "logx": False, "logy": False,
                "x": [], "series": []},
        scale="not reproducible offline: generative video models and their weights are unavailable; the paper's "
              "experiment tables were not read")
