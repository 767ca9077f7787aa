"""Tian, Ding, Luo, Min & Vidal (ICCV 2025): the geometry of DynamicVoyager.

DynamicVoyager turns perpetual 4-D scene generation into repeated video outpainting:
lift the video to a per-frame point cloud (depth unprojection), render it from the next
camera, outpaint the empty pixels with ray context (e.g. the distance of each ray to the
cloud), add the outpainted pixels back to the cloud, repeat. The generative models
cannot run offline and the paper body was not read (card ``dynamic_voyager``): every
claim here is the *geometry* of that loop, reconstructed from the public code or derived
from standard multi-view geometry, and the paper's own results are ``not_checkable``.
Card: ``shared/papers/dynamic_voyager.md``.

Closed forms exported here (all validate their input and are vectorised):

* cameras: :func:`intrinsics`, :func:`unproject`, :func:`project`, :data:`CV_TO_P3D`,
  :data:`CV_TO_GL`, :func:`cv_to_p3d`, :func:`cv_to_gl`, :func:`rays_gl`, :func:`yaw`,
  :func:`pitch`, :func:`rotation_homography`, :func:`apply_homography`;
* holes and cracks: :func:`hole_width_centre_row`, :func:`hole_width_small_angle`,
  :func:`disocclusion_width`, :func:`radius_ndc_to_px`, :func:`crack_free`,
  :func:`max_forward_motion`;
* compositing: :func:`softmax_weights`, :func:`softmax_composite`, :func:`near_weight`;
* ray context: :func:`ray_point_sqdist`, :func:`r2p_pseudo_depth`,
  :func:`sphere_pseudo_depth`;
* camera path: :func:`move_dir`, :func:`move_dir_norm`, :func:`move_dir_angle`;
* depth and masks: :func:`midas_depth`, :func:`minmax_normalise`, :func:`mask_fraction`,
  :func:`expected_mask_fraction`.

Conventions: OpenCV camera axes (``x`` right, ``y`` down, ``z`` forward), world-to-camera
``X_cam = R X + t``, pixel ``(u, v)`` = (column, row) with centre ``(u + 0.5, v + 0.5)``,
z-depth. There are no gradients in this paper's geometry, hence no Taylor tests.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict
from .validate import as_array, as_int, as_scalar

__all__ = [
    "PAPER",
    "CLAIMS",
    "CV_TO_P3D",
    "CV_TO_GL",
    "intrinsics",
    "unproject",
    "project",
    "cv_to_p3d",
    "cv_to_gl",
    "rays_gl",
    "yaw",
    "pitch",
    "rotation_homography",
    "apply_homography",
    "hole_width_centre_row",
    "hole_width_small_angle",
    "disocclusion_width",
    "radius_ndc_to_px",
    "crack_free",
    "max_forward_motion",
    "softmax_weights",
    "softmax_composite",
    "near_weight",
    "ray_point_sqdist",
    "r2p_pseudo_depth",
    "sphere_pseudo_depth",
    "move_dir",
    "move_dir_norm",
    "move_dir_angle",
    "midas_depth",
    "minmax_normalise",
    "mask_fraction",
    "expected_mask_fraction",
]

PAPER = Paper(
    slug="dynamic_voyager",
    title="Voyaging into Perpetual Dynamic Scenes from a Single View",
    authors=("Fengrui Tian", "Tianjiao Ding", "Jinqi Luo", "Hancheng Min", "René Vidal"),
    venue="IEEE/CVF International Conference on Computer Vision (ICCV)",
    year=2025,
    arxiv="2507.04183",
    url="https://arxiv.org/abs/2507.04183",
    note='arXiv v1 is titled "Voyaging into Unbounded Dynamic Scenes from a Single View". The paper body '
         "was not read; the claims are reconstructed from the abstract, the public code tianfr/DynamicVoyager "
         "(a partial release) and standard multi-view geometry.",
)

# -- symbols ------------------------------------------------------------------------------
f, W, H = sp.symbols("f W H", positive=True)           # focal length (px), image size
u, v = sp.symbols("u v", real=True)                      # pixel indices (column, row)
cx, cy = sp.symbols("c_x c_y", real=True)                # principal point
z, z1, z2 = sp.symbols("z z_1 z_2", positive=True)       # z-depths
t = sp.Symbol("t", real=True)                            # lateral camera translation
theta = sp.Symbol("theta", real=True)                    # yaw per step
r_px = sp.Symbol("r", positive=True)                     # splat radius in px
s_px = sp.Symbol("s", positive=True)                     # projected splat spacing in px
scale = sp.Symbol("s_c", positive=True)                  # compositor softmax scale
n_steps = sp.Symbol("n", integer=True, positive=True)    # interpolated steps per keyframe
a_border = sp.Symbol("a", positive=True)                 # maximal border fraction (0.4)

#: DERIVED pinhole model: unprojection of pixel (u, v) with z-depth z (OpenCV frame).
UNPROJECT = sp.Matrix([z * (u + sp.Rational(1, 2) - cx) / f, z * (v + sp.Rational(1, 2) - cy) / f, z])
#: DERIVED centre-row hole width of a yaw theta (rotation_homography).
HOLE_WIDTH = W / 2 - f * sp.tan(sp.atan(W / (2 * f)) - theta)
#: its first-order form theta (f + (W/2)^2 / f).
HOLE_WIDTH_SMALL = theta * (f + (W / 2) ** 2 / f)
#: DERIVED disocclusion width of a lateral translation (translation_disocclusion).
DISOCCLUSION = f * t * (1 / z1 - 1 / z2)
#: DERIVED crack-free spacing of a square lattice of disks (splat_coverage).
CRACK_FREE = sp.Le(s_px, sp.sqrt(2) * r_px)
#: code + DERIVED two-point softmax weight of the nearer point (eps = 0).
NEAR_WEIGHT = 1 / (1 + sp.exp(-scale * (1 / z1 - 1 / z2)))
#: DERIVED norm of the keyframe move direction (mean of n unit headings).
MOVE_DIR_NORM = sp.Abs(sp.sin(n_steps * theta / 2) / (n_steps * sp.sin(theta / 2)))
#: DERIVED mean masked fraction with l, r, t, b ~ U(0, a) (no flooring).
MASK_MEAN = 1 - (1 - a_border) ** 2

_hole_width = sp.lambdify((theta, f, W), HOLE_WIDTH, modules="numpy")
_hole_small = sp.lambdify((theta, f, W), HOLE_WIDTH_SMALL, modules="numpy")
_disocclusion = sp.lambdify((f, t, z1, z2), DISOCCLUSION, modules="numpy")

#: OpenCV to PyTorch3D axes (negate x and y) and OpenCV to OpenGL axes (negate y and z).
CV_TO_P3D = np.diag([-1.0, -1.0, 1.0])
CV_TO_GL = np.diag([1.0, -1.0, -1.0])

#: the code's constants (card, "Setting and notation").
DEPTH_SHIFT = 1e-4
SKY_DEPTH = 0.025
IMPORTANCE_EPS = 1e-6
EMPTY_Z = -1e-4


# -- cameras ------------------------------------------------------------------------------
def intrinsics(f: float = 500.0, W: int = 512, H: int = 512, cx: float | None = None,
               cy: float | None = None) -> np.ndarray:
    """``K = [[f, 0, cx], [0, f, cy], [0, 0, 1]]``; principal point ``(W/2, H/2)`` by default."""
    f = as_scalar(f, "f", low=0.0, low_open=True)
    W = as_int(W, "W", low=1)
    H = as_int(H, "H", low=1)
    cx = W / 2 if cx is None else as_scalar(cx, "cx")
    cy = H / 2 if cy is None else as_scalar(cy, "cy")
    return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])


def _K(K: Any) -> np.ndarray:
    K = as_array(K, "K", shape=(3, 3))
    if K[0, 0] <= 0 or K[1, 1] <= 0 or np.any(K[2] != (0.0, 0.0, 1.0)):
        raise ValueError("K must have positive focal lengths and last row (0, 0, 1)")
    return K


def unproject(u: Any, v: Any, z: Any, K: Any, pixel_offset: float = 0.5) -> np.ndarray:
    """``X_cam = z K^{-1} (u + off, v + off, 1)^T`` (OpenCV frame), shape ``(..., 3)``.

    ``u, v`` are pixel indices (column, row); ``pixel_offset = 0.5`` is the pixel-centre
    convention of the unprojection grid, ``0`` that of ``get_rays_np``.
    """
    K = _K(K)
    uu, vv, zz = np.broadcast_arrays(as_array(u, "u"), as_array(v, "v"), as_array(z, "z"))
    if np.any(zz <= 0):
        raise ValueError(f"z must be positive, got min {zz.min():.3g}")
    off = as_scalar(pixel_offset, "pixel_offset")
    x = np.stack([uu + off, vv + off, np.ones_like(uu)], axis=-1)
    return zz[..., None] * np.linalg.solve(K, x.reshape(-1, 3).T).T.reshape(x.shape)


def project(X: Any, K: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u', v', z) = (f X/Z + cx, f Y/Z + cy, Z)`` for camera-frame points (Z > 0)."""
    K = _K(K)
    X = as_array(X, "X")
    if X.shape[-1] != 3:
        raise ValueError(f"X must have shape (..., 3), got {X.shape}")
    if np.any(X[..., 2] <= 0):
        raise ValueError("X must lie in front of the camera (Z > 0)")
    x = X @ K.T
    return x[..., 0] / x[..., 2], x[..., 1] / x[..., 2], X[..., 2]


def _points(X: Any, name: str = "X") -> np.ndarray:
    X = as_array(X, name)
    if X.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (..., 3), got {X.shape}")
    return X


def cv_to_p3d(X: Any) -> np.ndarray:
    """OpenCV to PyTorch3D axes: ``diag(-1, -1, 1) X`` (an involution)."""
    return _points(X) @ CV_TO_P3D


def cv_to_gl(X: Any) -> np.ndarray:
    """OpenCV to OpenGL axes: ``diag(1, -1, -1) X``."""
    return _points(X) @ CV_TO_GL


def rays_gl(W: int, H: int, f: float, c2w: Any = None, half_pixel: bool = False,
            conversion: Any = None, cx: float | None = None, cy: float | None = None) -> np.ndarray:
    """Unit rays of every pixel, ``(H, W, 3)``, as ``c2w M K^{-1} (i + o, j + o, 1)``
    normalised, with ``M = conversion`` (default :data:`CV_TO_GL`) and ``o = 0.5`` if
    ``half_pixel`` else 0. With ``o = 0`` and ``M = CV_TO_GL`` this is the code's
    ``get_rays_np`` (rays through pixel *corners*, OpenGL axes)."""
    W = as_int(W, "W", low=1)
    H = as_int(H, "H", low=1)
    K = intrinsics(f, W, H, cx, cy)
    M = CV_TO_GL if conversion is None else as_array(conversion, "conversion", shape=(3, 3))
    R = np.eye(3) if c2w is None else as_array(c2w, "c2w")[:3, :3]
    o = 0.5 if half_pixel else 0.0
    i, j = np.meshgrid(np.arange(W) + o, np.arange(H) + o, indexing="xy")
    x = np.stack([i, j, np.ones_like(i)], axis=-1)
    d = np.linalg.solve(K, x.reshape(-1, 3).T).T @ M.T @ R.T
    return (d / np.linalg.norm(d, axis=-1, keepdims=True)).reshape(H, W, 3)


def yaw(theta: float) -> np.ndarray:
    """``R_y(theta) = [[c, 0, s], [0, 1, 0], [-s, 0, c]]`` (the code's yaw)."""
    th = as_scalar(theta, "theta")
    c, s = np.cos(th), np.sin(th)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def pitch(theta: float) -> np.ndarray:
    """``R_x(theta) = [[1, 0, 0], [0, c, -s], [0, s, c]]``."""
    th = as_scalar(theta, "theta")
    c, s = np.cos(th), np.sin(th)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rotation_homography(K: Any, R: Any, K_unproject: Any = None) -> np.ndarray:
    """``H = K R K'^{-1}`` (``K' = K`` by default): the map of every pixel under a pure
    camera rotation ``R`` (world-to-camera), whatever its depth."""
    K = _K(K)
    R = as_array(R, "R", shape=(3, 3))
    Ku = K if K_unproject is None else _K(K_unproject)
    return K @ R @ np.linalg.inv(Ku)


def apply_homography(Hm: Any, u: Any, v: Any) -> np.ndarray:
    """``(u', v')`` with ``(u', v', 1) ~ H (u, v, 1)``, stacked on the last axis."""
    Hm = as_array(Hm, "Hm", shape=(3, 3))
    uu, vv = np.broadcast_arrays(as_array(u, "u"), as_array(v, "v"))
    x = np.stack([uu, vv, np.ones_like(uu)], axis=-1) @ Hm.T
    return x[..., :2] / x[..., 2:]


# -- holes and cracks --------------------------------------------------------------------
def hole_width_centre_row(theta: Any, f: float, W: float) -> np.ndarray:
    """``W/2 - f tan(atan(W/(2f)) - |theta|)``: the strip a yaw exposes on the centre row."""
    th = np.abs(as_array(theta, "theta"))
    f = as_scalar(f, "f", low=0.0, low_open=True)
    W = as_scalar(W, "W", low=0.0, low_open=True)
    if np.any(th >= np.arctan(W / (2 * f)) + np.pi / 2):
        raise ValueError("theta too large: the old image leaves the new view entirely")
    return np.asarray(_hole_width(th, f, W), dtype=float)


def hole_width_small_angle(theta: Any, f: float, W: float) -> np.ndarray:
    """First-order form ``|theta| (f + (W/2)^2 / f)`` of :func:`hole_width_centre_row`."""
    th = np.abs(as_array(theta, "theta"))
    f = as_scalar(f, "f", low=0.0, low_open=True)
    W = as_scalar(W, "W", low=0.0, low_open=True)
    return np.asarray(_hole_small(th, f, W), dtype=float)


def disocclusion_width(f: Any, t: Any, z1: Any, z2: Any) -> np.ndarray:
    """``f t (1/z1 - 1/z2)`` px: the hole behind a fronto-parallel edge at ``z1`` over a
    plane at ``z2 > z1`` after a lateral translation ``t``."""
    f = as_array(f, "f")
    z1 = as_array(z1, "z1")
    z2 = as_array(z2, "z2")
    if np.any(f <= 0) or np.any(z1 <= 0) or np.any(z2 <= 0):
        raise ValueError("f, z1 and z2 must be positive")
    return np.asarray(_disocclusion(f, as_array(t, "t"), z1, z2), dtype=float)


def radius_ndc_to_px(r: Any, W: int) -> np.ndarray:
    """PyTorch3D's NDC radius in pixels, ``r W / 2`` (2 NDC units span a square image)."""
    r = as_array(r, "r")
    if np.any(r < 0):
        raise ValueError("r must be non-negative")
    return r * as_int(W, "W", low=1) / 2


def crack_free(s_px: Any, r_px: Any, k: float = float(np.sqrt(2))) -> np.ndarray:
    """``s <= k r`` (``k = sqrt 2``): a square lattice of disks of radius ``r`` and
    spacing ``s`` covers the plane (its farthest point, a cell centre, is ``s/sqrt 2``
    from the lattice)."""
    s = as_array(s_px, "s_px")
    r = as_array(r_px, "r_px")
    if np.any(s <= 0) or np.any(r <= 0):
        raise ValueError("s_px and r_px must be positive")
    return s <= as_scalar(k, "k", low=0.0, low_open=True) * r


def max_forward_motion(r_px: Any, z: Any, k: float = float(np.sqrt(2))) -> np.ndarray:
    """Largest forward move ``Delta = z (1 - 1/(k r))`` towards a fronto-parallel plane at
    depth ``z`` (from a 1-px lattice) that keeps the magnification ``z/(z - Delta)``
    within :func:`crack_free`; 0 when even the unmagnified lattice cracks."""
    r = as_array(r_px, "r_px")
    z = as_array(z, "z")
    if np.any(r <= 0) or np.any(z <= 0):
        raise ValueError("r_px and z must be positive")
    return np.maximum(z * (1.0 - 1.0 / (as_scalar(k, "k", low=0.0, low_open=True) * r)), 0.0)


# -- compositing --------------------------------------------------------------------------
def _importance(zp: np.ndarray, eps: float, law: str) -> np.ndarray:
    if law == "inverse_depth":
        return 1.0 / (zp + eps)
    if law == "neg_depth":
        return -zp
    if law == "depth":
        return zp
    raise ValueError(f"importance must be 'inverse_depth', 'neg_depth' or 'depth', got {law!r}")


def softmax_weights(z: Any, scale: float = 1.0, empty_z: float = EMPTY_Z, eps: float = IMPORTANCE_EPS,
                    importance: str = "inverse_depth") -> np.ndarray:
    """``w_k = softmax_k(scale * importance(z_k))`` over the last axis, empty slots
    (``z < 0``) set to ``empty_z``; ``importance(z) = 1/(z + eps)`` (the code)."""
    z = as_array(z, "z")
    s = as_scalar(scale, "scale", low=0.0, low_open=True)
    zp = np.where(z < 0, empty_z, z)
    a = s * _importance(zp, eps, importance)
    a = a - a.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_composite(z: Any, colors: Any, scale: float = 1.0, empty_z: float = EMPTY_Z,
                      eps: float = IMPORTANCE_EPS) -> np.ndarray:
    """``sum_k w_k c_k`` for per-pixel slots ``z (..., K)`` and colours ``(..., K, C)``."""
    w = softmax_weights(z, scale, empty_z, eps)
    c = as_array(colors, "colors")
    if c.shape[:-1] != w.shape:
        raise ValueError(f"colors must have shape {w.shape} + (C,), got {c.shape}")
    return np.einsum("...k,...kc->...c", w, c)


def near_weight(z1: Any, z2: Any, scale: Any = 1.0, eps: float = IMPORTANCE_EPS,
                importance: str = "inverse_depth") -> np.ndarray:
    """Weight of the first of two points: ``sigma(scale (1/(z1+eps) - 1/(z2+eps)))``
    for the code's importance law (``eps = 0``: the card's ``sigma(s(1/z1 - 1/z2))``)."""
    z1 = as_array(z1, "z1")
    z2 = as_array(z2, "z2")
    s = as_array(scale, "scale")
    if np.any(z1 <= 0) or np.any(z2 <= 0) or np.any(s <= 0):
        raise ValueError("z1, z2 and scale must be positive")
    x = s * (_importance(z1, eps, importance) - _importance(z2, eps, importance))
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


# -- ray context (r2p) ----------------------------------------------------------------------
def ray_point_sqdist(d_hat: Any, P: Any) -> np.ndarray:
    """``delta^2 = |P|^2 - (P . d)^2`` (the code's formula), pairwise ``(M, N)`` for unit
    rays ``(M, 3)`` and points ``(N, 3)``; loses relative accuracy when ``delta << |P|``."""
    D = _points(d_hat, "d_hat").reshape(-1, 3)
    P = _points(P, "P").reshape(-1, 3)
    pr = D @ P.T
    return np.einsum("ij,ij->i", P, P)[None, :] - pr * pr


def r2p_pseudo_depth(rays: Any, P: Any, pseudo_depth: str = "rho", chunk: int = 1024) -> np.ndarray:
    """Reference r2p feature of each unit ray: ``rho_{j*} = d . p_{j*}`` with
    ``j* = argmin_j |p_j - (d . p_j) d|^2`` (perpendicular feet, no cancellation).

    ``pseudo_depth`` selects the statement: ``"rho"`` (the code), ``"delta"`` (the
    minimal distance itself) or ``"norm"`` (the nearest point's range ``min_j |p_j|``).
    """
    D = _points(rays, "rays").reshape(-1, 3)
    P = _points(P, "P").reshape(-1, 3)
    chunk = as_int(chunk, "chunk", low=1)
    if pseudo_depth == "norm":
        return np.full(D.shape[0], np.linalg.norm(P, axis=1).min())
    if pseudo_depth not in ("rho", "delta"):
        raise ValueError(f"pseudo_depth must be 'rho', 'delta' or 'norm', got {pseudo_depth!r}")
    out = np.empty(D.shape[0])
    for s in range(0, D.shape[0], chunk):
        Dc = D[s:s + chunk]
        rho = Dc @ P.T
        perp = P[None, :, :] - rho[..., None] * Dc[:, None, :]
        d2 = np.einsum("mnk,mnk->mn", perp, perp)
        j = np.argmin(d2, axis=1)
        rows = np.arange(j.size)
        out[s:s + chunk] = rho[rows, j] if pseudo_depth == "rho" else np.sqrt(d2[rows, j])
    return out


def sphere_pseudo_depth(rays: Any, rays_visible: Any, z0: float, pseudo_depth: str = "rho") -> np.ndarray:
    """r2p feature when every visible point lies at range ``z0`` along its unit ray
    (a constant depth map used as a range): ``z0 cos(phi_min)`` with ``phi_min`` the
    angle to the nearest visible ray (``"delta"``: ``z0 sin(phi_min)``; ``"norm"``:
    ``z0``). Angles by ``atan2(|a x b|, a . b)`` (accurate near 0)."""
    D = _points(rays, "rays").reshape(-1, 3)
    V = _points(rays_visible, "rays_visible").reshape(-1, 3)
    z0 = as_scalar(z0, "z0", low=0.0, low_open=True)
    if pseudo_depth == "norm":
        return np.full(D.shape[0], z0)
    if pseudo_depth not in ("rho", "delta"):
        raise ValueError(f"pseudo_depth must be 'rho', 'delta' or 'norm', got {pseudo_depth!r}")
    from scipy.spatial import cKDTree

    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    Vn = V / np.linalg.norm(V, axis=1, keepdims=True)
    # distance to the ray's *line*: the nearest of +V and -V; on the unit sphere the chord
    # length is monotone in the angle, so a KD-tree finds the nearest direction
    both = np.concatenate([Vn, -Vn])
    _, j = cKDTree(both).query(Dn)
    b = both[j]
    phi = np.arctan2(np.linalg.norm(np.cross(Dn, b), axis=1), np.einsum("ij,ij->i", Dn, b))
    return z0 * (np.cos(phi) if pseudo_depth == "rho" else np.sin(phi))


# -- camera path ---------------------------------------------------------------------------
def move_dir(rotation_range: float, rotation: float, frames: int) -> np.ndarray:
    """The keyframe move direction in closed form: norm ``|sin(n th/2) / (n sin(th/2))|``,
    angle ``(n + 1) th / 2`` from ``+z`` towards ``+x``, ``n = frames + 1``,
    ``th = rotation_range * rotation / n``; ``(0, 0, 1)`` without rotation."""
    nrm = move_dir_norm(rotation_range, rotation, frames)
    ang = move_dir_angle(rotation_range, rotation, frames)
    return nrm * np.array([np.sin(ang), 0.0, np.cos(ang)])


def _theta_n(rotation_range: float, rotation: float, frames: int) -> tuple[float, int]:
    n = as_int(frames, "frames", low=0) + 1
    return as_scalar(rotation_range, "rotation_range") * as_scalar(rotation, "rotation") / n, n


def move_dir_norm(rotation_range: float, rotation: float, frames: int) -> float:
    """``|sum_{i=1}^n e^{i i th}| / n = |sin(n th/2) / (n sin(th/2))|`` (1 at ``th = 0``)."""
    th, n = _theta_n(rotation_range, rotation, frames)
    x = th / 2
    if abs(x) < 1e-6:
        # sin(n x) / (n sin x) = 1 - (n^2 - 1) x^2 / 6 + O(x^4): no 0/0 or subnormal division
        return float(1.0 - (n * n - 1) * x * x / 6)
    return float(abs(np.sin(n * x) / (n * np.sin(x))))


def move_dir_angle(rotation_range: float, rotation: float, frames: int) -> float:
    """``(n + 1) th / 2``: the angle of the mean heading from ``+z`` towards ``+x``."""
    th, n = _theta_n(rotation_range, rotation, frames)
    return (n + 1) * th / 2


# -- depth and masks ---------------------------------------------------------------------------
def midas_depth(D: Any, depth_shift: float = DEPTH_SHIFT, clip: float = 1e-6) -> np.ndarray:
    """``1 / max(D, clip) + depth_shift``: depth from a MiDaS relative disparity."""
    D = as_array(D, "D")
    return 1.0 / np.maximum(D, as_scalar(clip, "clip", low=0.0, low_open=True)) + as_scalar(
        depth_shift, "depth_shift", low=0.0)


def minmax_normalise(x: Any, axis: str = "video") -> np.ndarray:
    """Min-max normalisation of a video ``(F, ...)`` over the whole video
    (``axis="video"``, the code) or frame by frame (``axis="frame"``)."""
    a = as_array(x, "x")
    if axis == "video":
        lo, hi = a.min(), a.max()
    elif axis == "frame":
        red = tuple(range(1, a.ndim))
        lo, hi = a.min(axis=red, keepdims=True), a.max(axis=red, keepdims=True)
    else:
        raise ValueError(f"axis must be 'video' or 'frame', got {axis!r}")
    if np.any(hi == lo):
        raise ValueError("x is constant (over the normalisation axis)")
    return (a - lo) / (hi - lo)


def mask_fraction(l: Any, r: Any, t: Any, b: Any) -> np.ndarray:
    """``1 - (1 - l - r)(1 - t - b)``: the masked fraction of borders ``l, r, t, b``."""
    arrs = [as_array(x, n) for x, n in ((l, "l"), (r, "r"), (t, "t"), (b, "b"))]
    for x, n in zip(arrs, "lrtb"):
        if np.any(x < 0):
            raise ValueError(f"{n} must be non-negative")
    l, r, t, b = arrs
    if np.any(l + r > 1) or np.any(t + b > 1):
        raise ValueError("l + r and t + b must not exceed 1")
    return 1.0 - (1.0 - l - r) * (1.0 - t - b)


def _mean_floor(A: float) -> float:
    """``E floor(X)`` for ``X ~ U(0, A)``: ``(m(m - 1)/2 + m (A - m)) / A``, ``m = floor A``."""
    m = np.floor(A)
    return float((m * (m - 1) / 2 + m * (A - m)) / A) if A > 0 else 0.0


def expected_mask_fraction(W: int, H: int, border: float = 0.4, law: str = "area", floor: bool = True) -> float:
    """Mean masked fraction of the training masks: borders ``~ U(0, border)`` floored to
    pixels (``floor=False``: the continuous ``1 - (1 - border)^2``). ``law="width"`` is
    the confusion of one border pair with the area, ``E[l + r] = border``."""
    W = as_int(W, "W", low=1)
    H = as_int(H, "H", low=1)
    a = as_scalar(border, "border", low=0.0, high=0.5)
    if law == "width":
        return a
    if law != "area":
        raise ValueError(f"law must be 'area' or 'width', got {law!r}")
    if not floor:
        return float(1.0 - (1.0 - a) ** 2)
    kw = W - 2 * _mean_floor(a * W)
    kh = H - 2 * _mean_floor(a * H)
    return float(1.0 - kw * kh / (W * H))


# -- judges -----------------------------------------------------------------------------------
def _verdict(ok: bool | None, th: Any, meas: Any, margin: float | None, reason: str,
             tol: float | None = None, worst: Any = None) -> Verdict:
    out = Outcome.INCONCLUSIVE if ok is None else (Outcome.HOLDS if ok else Outcome.FAILS)
    return Verdict(out, th, meas, margin, reason, worst=worst, tolerance=tol)


def _available(*parts: tuple[str, Callable, str]) -> Callable:
    """Judge every listed part that the evidence carries (at least one), combined like
    :func:`judges.all_of`: property tests supply only the parts of their draw."""

    def judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        present = [(k, j, lab) for k, j, lab in parts if k in evidence]
        if not present:
            raise ValueError(f"evidence carries none of the parts {[p[0] for p in parts]}")
        return judges.all_of(*(judges.part(k, j, lab) for k, j, lab in present))(claim, evidence, **params)

    return judge


def _zero(**_: Any) -> float:
    return 0.0


def _inputs(claim: Claim, ev: Mapping[str, Any]) -> dict[str, Any]:
    return {**claim.constants, **dict(ev.get("inputs", {}))}


# pinhole_roundtrip -----------------------------------------------------------------------------
def _pixel_centres(col: Any, row: Any, pixel_offset: float = 0.5, **_: Any) -> np.ndarray:
    return np.stack([np.asarray(col, float) + pixel_offset, np.asarray(row, float) + pixel_offset], axis=-1)


def _paired_depth(depth_map: Any, pairing: str = "code", **_: Any) -> np.ndarray:
    d = np.asarray(depth_map, dtype=float)
    return d if pairing == "code" else d.T


def _identity(values: Any, **_: Any) -> np.ndarray:
    return np.asarray(values, dtype=float)


# ray_conventions ---------------------------------------------------------------------------------
def _centre_rays_gl(W: int, H: int, f: float, cv_to_gl: Any = CV_TO_GL, **_: Any) -> np.ndarray:
    return rays_gl(W, H, f, half_pixel=True, conversion=cv_to_gl)


def _angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.einsum("...k,...k->...", a, b))


def _ray_angle_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    inp = _inputs(claim, evidence)
    ang = _angles(np.asarray(evidence["measured"], float), _centre_rays_gl(**inp))
    bound = inp["angle_bound_px"] / inp["f"]
    worst = float(ang.max())
    ok = worst <= bound
    return _verdict(ok, bound, worst, bound / worst if worst > 0 else np.inf,
                    f"max angle between get_rays_np and the mapped pixel-centre rays {worst:.4g} rad "
                    f"(= {worst * inp['f']:.4f}/f) vs bound {inp['angle_bound_px']}/f", tol=bound)


# rotation_homography --------------------------------------------------------------------------------
def _homography_theory(u: Any, v: Any, K: Any, R: Any, f_unproject_scale: float = 1.0, **_: Any) -> np.ndarray:
    K = np.asarray(K, dtype=float)
    Ku = K.copy()
    Ku[0, 0] *= f_unproject_scale
    Ku[1, 1] *= f_unproject_scale
    return apply_homography(rotation_homography(K, R, Ku), u, v)


def _hole_theory(theta: Any, f: float, W: float, hole_form: str = "exact", **_: Any) -> np.ndarray:
    if hole_form == "exact":
        return hole_width_centre_row(theta, f, W)
    if hole_form == "small_angle":
        return hole_width_small_angle(theta, f, W)
    raise ValueError(f"hole_form must be 'exact' or 'small_angle', got {hole_form!r}")


# translation_disocclusion -----------------------------------------------------------------------------
def _disocclusion_count(f: Any, t: Any, z1: Any, z2: Any, r: Any, bg_motion: float = 1.0, **_: Any) -> np.ndarray:
    """Expected length of the empty interval on the centre row: the edges' separation
    ``f t (1/z1 - bg/z2)`` plus the one-pixel gap between the last foreground and the
    first background pixel centre, minus the two splat radii."""
    f, t, z1, z2, r = (np.asarray(x, dtype=float) for x in (f, t, z1, z2, r))
    return f * t * (1.0 / z1 - bg_motion / z2) + 1.0 - 2.0 * r


# splat_coverage -----------------------------------------------------------------------------------------
def _lattice_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    inp = _inputs(claim, evidence)
    cracks = np.asarray(evidence["measured"], dtype=float)
    s, r = np.asarray(inp["s"], float), np.asarray(inp["r"], float)
    inside = crack_free(s, r, inp["k_crack"])
    if not inside.any():
        return _verdict(None, None, None, None, "no lattice inside the crack-free range")
    bad = inside & (cracks > 0)
    tight = float(np.max(s[inside] / (inp["k_crack"] * r[inside])))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return _verdict(False, 0.0, float(cracks[i]), 0.0,
                        f"{int(bad.sum())} of {int(inside.sum())} lattices with s <= {inp['k_crack']:.4g} r crack; "
                        f"first at s = {s[i]:.4g}, r = {r[i]:.4g} ({int(cracks[i])} uncovered pixel centres)",
                        worst={"s": float(s[i]), "r": float(r[i])})
    return _verdict(True, 0.0, 0.0, 1.0 / tight,
                    f"no crack in {int(inside.sum())} lattices with s <= {inp['k_crack']:.4g} r "
                    f"(largest s/(k r) = {tight:.6f})")


def _sharp_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    inp = _inputs(claim, evidence)
    cracks = np.asarray(evidence["measured"], dtype=float)
    s, r = np.asarray(inp["s"], float), np.asarray(inp["r"], float)
    beyond = ~crack_free(s, r, inp["k_crack"])
    if not beyond.any():
        return _verdict(None, None, None, None, "no lattice beyond the threshold in the sweep")
    n = int(np.sum(cracks[beyond] > 0))
    return _verdict(n > 0, None, float(cracks[beyond].max()), None,
                    f"{n} of {int(beyond.sum())} lattices with s > {inp['k_crack']:.4g} r show cracks")


def _forward_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    inp = _inputs(claim, evidence)
    holes = np.asarray(evidence["measured"], dtype=float)
    dz = np.asarray(inp["delta"], float)
    dmax = float(max_forward_motion(inp["r"], inp["z"], inp["k_crack"]))
    inside = dz <= dmax
    if not inside.any():
        return _verdict(None, dmax, None, None, "no forward move inside the guaranteed range")
    bad = inside & (holes > 0)
    reason = (f"forward moves <= {dmax:.4g} (z (1 - 1/(k r))): holes {holes[inside].astype(int).tolist()}; "
              f"beyond: {holes[~inside].astype(int).tolist()}")
    return _verdict(not bad.any(), dmax, float(holes[inside].max()), None, reason)


# softmax_compositor ------------------------------------------------------------------------------------
def _near_theory(z1: Any, z2: Any, scale: Any, eps: float = IMPORTANCE_EPS, importance: str = "inverse_depth",
                 **_: Any) -> np.ndarray:
    return near_weight(z1, z2, scale, eps, importance)


def _empty_bound(zbuf: Any, scale: Any, empty_z: float = EMPTY_Z, eps: float = IMPORTANCE_EPS,
                 importance: str = "inverse_depth", **_: Any) -> np.ndarray:
    """``w_empty <= exp(s (imp(empty) - max_k imp(z_k)))`` for each empty slot."""
    z = np.asarray(zbuf, dtype=float)
    s = np.asarray(scale, dtype=float)[..., None]
    imp = np.where(z < 0, -np.inf, _importance(np.where(z < 0, 1.0, z), eps, importance))
    top = imp.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        b = np.exp(s * (_importance(np.asarray(empty_z), eps, importance) - top))
    return np.broadcast_to(b, z.shape)[z < 0]


# ray_point_distance -------------------------------------------------------------------------------------
def _sqdist_normalised(d: Any, P: Any, **_: Any) -> np.ndarray:
    d = np.asarray(d, dtype=float)
    P = np.asarray(P, dtype=float)
    pr = np.einsum("ij,ij->i", d, P)
    sq = np.einsum("ij,ij->i", P, P)
    return (sq - pr * pr) / sq


def _sphere_theory(rays: Any, rays_visible: Any, z0: float, pseudo_depth: str = "rho", **_: Any) -> np.ndarray:
    return sphere_pseudo_depth(rays, rays_visible, z0, pseudo_depth)


def _r2p_theory(rays: Any, points: Any, pseudo_depth: str = "rho", **_: Any) -> np.ndarray:
    return r2p_pseudo_depth(rays, points, pseudo_depth)


def _negated(rho_forward: Any, **_: Any) -> np.ndarray:
    return -np.asarray(rho_forward, dtype=float)


# pointcloud_update ---------------------------------------------------------------------------------------
def _count_theory(n_holes: Any, n_dropped: Any, n_pixels: Any, added_from: str = "holes", **_: Any) -> np.ndarray:
    base = np.asarray(n_holes if added_from == "holes" else n_pixels, dtype=float)
    return base - np.asarray(n_dropped, dtype=float)


def _in_front(z_add: Any, z_orig: Any, **_: Any) -> np.ndarray:
    """Hard z-buffer: a pixel changes iff its nearest added point is nearer than its
    first original point (``inf`` where none)."""
    return (np.asarray(z_add, float) < np.asarray(z_orig, float)).astype(float)


def _soft_bound(delta: Any, scale: float = 1.0, **_: Any) -> np.ndarray:
    """Colour change of a pixel with colours in ``[0, 1]`` when added points with
    ``Delta_a = 1/(z_a + eps) - 1/(z_first + eps)`` join its slots:
    ``|c' - c| <= B/(1 + B)``, ``B = sum_a exp(s Delta_a)``."""
    dl = np.asarray(delta, dtype=float)
    with np.errstate(under="ignore", over="ignore"):
        B = np.where(np.isfinite(dl), np.exp(scale * np.where(np.isfinite(dl), dl, 0.0)), 0.0).sum(axis=-1)
    return B / (1.0 + B)


def _soft_margins(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    inp = _inputs(claim, evidence)
    ch = np.asarray(evidence["measured"], dtype=float)
    dmax = np.asarray(inp["delta_max"], dtype=float)
    tol, hi, lo = inp["change_tol"], inp["margin_changed"], inp["margin_unchanged"]
    big = ch > tol
    far = np.isfinite(dmax) & (dmax < lo)
    ok1 = bool(np.all(dmax[big] > hi)) if big.any() else True
    ok2 = bool(np.all(ch[far] <= tol)) if far.any() else True
    if not big.any() and not far.any():
        return _verdict(None, None, None, None, "no pixel in either margin")
    dmin = float(dmax[big].min()) if big.any() else np.nan
    reason = (f"{int(big.sum())} pixels change by > {tol:g}: min Delta {dmin:.4g} (must exceed {hi}); "
              f"{int(far.sum())} pixels with every Delta < {lo}: max change "
              f"{float(ch[far].max()) if far.any() else 0.0:.3g} (must be <= {tol:g})")
    return _verdict(ok1 and ok2, None, None, None, reason)


# visibility_check -------------------------------------------------------------------------------------
def _flag_theory(z_add: Any, z_first: Any, touches_changed: Any, rule: str = "before_first", **_: Any) -> np.ndarray:
    tc = np.asarray(touches_changed, dtype=bool)
    if rule == "all_in_changed":
        return tc.astype(float)
    if rule != "before_first":
        raise ValueError(f"rule must be 'before_first' or 'all_in_changed', got {rule!r}")
    return (tc & (np.asarray(z_add, float) < np.asarray(z_first, float))).astype(float)


# dynamic_consistency ------------------------------------------------------------------------------------
def _true_projection(col: Any, row: Any, patch_z: float, K: Any, R: Any, tvec: Any, **_: Any) -> np.ndarray:
    """Novel-view pixel of the true patch point seen through input pixel (col, row)
    (identity input camera): ``K (R X + t)`` with ``X = patch_z K^{-1} (u + 1/2, v + 1/2, 1)``."""
    X = unproject(col, row, np.full(np.shape(col), float(patch_z)), K)
    uu, vv, _ = project(X @ np.asarray(R, float).T + np.asarray(tvec, float), K)
    return np.stack([uu, vv], axis=-1)


def _band(r_splat: float, band_out_px: float = 1.0, **_: Any) -> float:
    return float(band_out_px * r_splat)


def _band_in(spacing: float, band_in_px: float = 1.0, **_: Any) -> float:
    return float(band_in_px * spacing)


def _select(key: str, judge: Callable) -> Callable:
    """Judge the sub-evidence named by the claim constant ``key``."""

    def sel(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        name = claim.constants[key]
        if name not in evidence:
            raise ValueError(f"evidence lacks the part {name!r}")
        v = judge(claim, evidence[name], **params)
        return Verdict(v.outcome, v.theoretical, v.measured, v.margin, f"[{name}] {v.reason}", v.window, v.worst,
                       v.tolerance)

    return sel


# camera_path ---------------------------------------------------------------------------------------------
def _yaw_total(rotation_range: float, rotation_path: Any, **_: Any) -> np.ndarray:
    return yaw(rotation_range * float(np.sum(rotation_path)))


def _translation_total(rotation_range: float, rotation_path: Any, frames: int, camera_speed: float,
                       speed_multiplier_rotation: float, **_: Any) -> np.ndarray:
    n = frames + 1
    T = np.zeros(3)
    for rot in np.asarray(rotation_path, dtype=float):
        sp_ = camera_speed * (speed_multiplier_rotation if rot != 0 else 1.0)
        T = T + n * sp_ * move_dir(rotation_range, rot, frames)
    return T


def _move_dirs(rotation_range: float, rotation_path: Any, frames: int, **_: Any) -> np.ndarray:
    return np.array([move_dir(rotation_range, rot, frames) for rot in np.asarray(rotation_path, float)])


def _ordered_rotation(rotation_range: float, rotation_path: Any, pitch_path: Any, frames: int,
                      side: str = "left", **_: Any) -> np.ndarray:
    n = frames + 1
    R = np.eye(3)
    for rot, ph in zip(np.asarray(rotation_path, float), np.asarray(pitch_path, float)):
        step = pitch(ph / n) @ yaw(rotation_range * rot / n)
        for _ in range(n):
            R = step @ R if side == "left" else R @ step
    return R


def _yaw_sum(a: Any, b: Any, **_: Any) -> np.ndarray:
    return np.array([yaw(x + y) for x, y in zip(np.asarray(a, float), np.asarray(b, float))])


# depth_disparity -----------------------------------------------------------------------------------------
def _disparity_bound(depth_shift: float = DEPTH_SHIFT, **_: Any) -> float:
    return 1.0 / depth_shift


def _depth_theory(D: Any, depth_shift: float = DEPTH_SHIFT, clip: float = 1e-6, **_: Any) -> np.ndarray:
    return midas_depth(D, depth_shift, clip)


def _sky(sky_depth: float = SKY_DEPTH, **_: Any) -> float:
    return 1.0 / sky_depth


def _normalised(video: Any, norm_axis: str = "video", **_: Any) -> np.ndarray:
    return minmax_normalise(video, norm_axis)


# mask_generator ------------------------------------------------------------------------------------------
def _mask_mean_judge(claim: Claim, evidence: Mapping[str, Any], **params: Any) -> Verdict:
    """Per-seed sample means; holds when the theory lies inside the pooled mean's
    two-sided ``1 - level`` normal interval (z = 3.29 at level 1e-3)."""
    inp = _inputs(claim, evidence)
    samples = [np.asarray(x, dtype=float) for x in evidence["measured"]]
    allx = np.concatenate(samples)
    mean = float(allx.mean())
    se = float(allx.std(ddof=1) / np.sqrt(allx.size))
    th = expected_mask_fraction(inp["W"], inp["H"], inp["border"], inp["law"], floor=True)
    zq = 3.2905  # two-sided 1e-3 normal quantile
    dev = abs(mean - th)
    seeds = ", ".join(f"{x.mean():.5f}" for x in samples)
    return _verdict(dev <= zq * se, th, mean, zq * se / dev if dev > 0 else np.inf,
                    f"mean masked fraction {mean:.5f} +- {se:.2g} (SE, {allx.size} draws over {len(samples)} seeds: "
                    f"{seeds}) vs expected {th:.5f}; |dev| {dev:.3g} vs {zq} SE = {zq * se:.3g}", tol=zq * se)


def _mask_count(l: Any, r: Any, t: Any, b: Any, W: int, H: int, **_: Any) -> np.ndarray:
    """Masked pixel count of integer borders: ``W H - (W - l - r)(H - t - b)``."""
    l, r, t, b = (np.asarray(x, float) for x in (l, r, t, b))
    return W * H - (W - l - r) * (H - t - b)


# =========================================================================================
# Claims
# =========================================================================================
_CODE = "released code tianfr/DynamicVoyager"

pinhole_roundtrip = Claim(
    id="dynamic_voyager.pinhole_roundtrip",
    paper=PAPER.slug,
    where=f"Card §Camera / §Unprojection; {_CODE}: models.py (self.points grid, PinholeCamera.unproject)",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="project(unproject(u, v, z)) = (u + 1/2, v + 1/2) with depth z; the PyTorch3D flip is consistent; "
          "pairing k = x H + y <-> depth[y, x]",
    statement=sp.Eq(sp.Function("project")(UNPROJECT), sp.Matrix([u + sp.Rational(1, 2), v + sp.Rational(1, 2), z]),
                    evaluate=False),
    theory_fn=_pixel_centres,
    constants={"pixel_offset": 0.5, "pairing": "code"},
    assumptions=(Assumption("z > 0 (z-depth, in front of the camera)"),
                 Assumption("pinhole K with positive focal length")),
    # Exact algebra in float64: the round trip divides and multiplies by f and z once,
    # so its error is a few ulps of the coordinate (~1e-13 px at 512 px); 1e-12 relative
    # (norm-wise, <= 5e-10 px up to 512 px, inside the card's 1e-9 px) is far above
    # round-off and far below the 0.5 px of the false variant.
    judge_fn=_available(
        ("roundtrip", judges.agree(1e-12), "pixel centres recovered"),
        ("depth", judges.agree(1e-12, theory=_identity), "z-depth recovered"),
        ("p3d", judges.agree(1e-12), "flipped points + flipped camera give the same pixels"),
        # round-off only: the render at the source camera reads back each point's own
        # depth (radius 0.768 px < 1 px: no neighbour covers a pixel centre).
        ("pairing", judges.agree(1e-12, theory=_paired_depth), "re-rendered depth map = depth map"),
    ),
    note="DERIVED pinhole model; the pixel grid convention (+0.5, meshgrid 'ij', '(w h)' flattening) is the code's.",
    false_variant={"title": "project(unproject(u, v, z)) lands on the pixel corner (u, v) (no +0.5, the get_rays_np "
                            "convention)", "constants": {"pixel_offset": 0.0}},
)

ray_conventions = Claim(
    id="dynamic_voyager.ray_conventions",
    paper=PAPER.slug,
    where=f"Card §Ray-to-point-cloud feature; {_CODE}: outpainting_utils.get_rays_np",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="get_rays_np's rays are diag(1, -1, -1) K^{-1}(i, j, 1): OpenCV corner rays in OpenGL axes, within "
          "0.75/f of the pixel-centre rays",
    statement=r"\hat d_{\rm code}(i,j)=\frac{\mathrm{diag}(1,-1,-1)K^{-1}(i,j,1)^\top}{\|\cdot\|},\quad "
              r"\angle(\hat d_{\rm code},\hat d_{\rm centre})\le 0.75/f",
    theory_fn=_centre_rays_gl,
    constants={"cv_to_gl": CV_TO_GL, "angle_bound_px": 0.75},
    assumptions=(Assumption("principal point (W/2, H/2), square pixels (the code's get_rays_np)"),),
    judge_fn=_available(
        ("angle", _ray_angle_judge, "corner vs centre rays"),
        # unit vectors computed two ways (code formula vs K^{-1} solve): a few ulps.
        ("offset", judges.agree(0.0, 1e-12), "get_rays_np + 0.5 = mapped centre rays"),
    ),
    note="The angle is largest at the image centre, ~0.5 sqrt(2)/f = 1.4e-3 rad at f = 500 (a lateral error "
         "of 1.4e-3 R at range R). The r2p rays have no half-pixel offset while the unprojection has one "
         "(card erratum C1).",
    false_variant={"title": "get_rays_np's rays are OpenCV rays (no axis flip)", "constants": {"cv_to_gl": np.eye(3)}},
)

rotation_homography_claim = Claim(
    id="dynamic_voyager.rotation_homography",
    paper=PAPER.slug,
    where="Card §Claims (DERIVED, standard multi-view geometry)",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="Pure rotation: pixels move by K R K^{-1} whatever the depth; covered rows are contiguous; the "
          "centre-row hole is W/2 - f tan(atan(W/2f) - theta)",
    statement=sp.Eq(sp.Symbol("w_hole"), HOLE_WIDTH, evaluate=False),
    theory_fn=_hole_theory,
    constants={"hole_form": "exact", "f_unproject_scale": 1.0},
    assumptions=(Assumption("the camera rotates about its centre (no translation)"),),
    judge_fn=_available(
        # 1e-9 px on coordinates <= 1e3 px: round-off of one solve and one projection is ~1e-13 px.
        ("homography", judges.agree(0.0, 1e-9, theory=_homography_theory), "reprojection = K R K^-1 (two depth maps)"),
        ("contiguous", judges.agree(0.0, 0.0, theory=_zero), "rows with a non-contiguous covered set"),
        # pixel quantisation: an integer count of pixel centres in a strip of width w is
        # floor(w) or ceil(w), i.e. within 1 of w.
        ("centre_row", judges.agree(0.0, 1.0), "centre-row hole count vs formula"),
    ),
    note="Small-angle form theta (f + (W/2)^2/f) = 631.07 theta at f = 500, W = 512. The card's measured "
         "holes (25, 60, 244 px at theta = 0.0409, 0.1, 0.45) are reproduced at 512^2.",
    false_variant={"title": "centre-row hole = theta (f + (W/2)^2 / f) (the small-angle form at every angle)",
                   "constants": {"hole_form": "small_angle"}},
)

translation_disocclusion = Claim(
    id="dynamic_voyager.translation_disocclusion",
    paper=PAPER.slug,
    where="Card §Claims (DERIVED)",
    kind=Kind.CLOSED_FORM,
    status=Status.RECONSTRUCTED,
    title="A lateral move t opens a hole f t (1/z1 - 1/z2) px wide behind a fronto-parallel edge at z1 over a "
          "plane at z2",
    statement=sp.Eq(sp.Symbol("w_hole"), DISOCCLUSION, evaluate=False),
    theory_fn=_disocclusion_count,
    constants={"bg_motion": 1.0},
    assumptions=(Assumption("z1 < z2; splat radius r with 1 px <= sqrt(2) r (no cracks)",
                            lambda z1, z2, r, **_: bool(np.all(np.asarray(z1) < np.asarray(z2))
                                                        and np.all(np.asarray(r) >= 1 / np.sqrt(2)))),),
    # Pixel quantisation (derived): the empty centre-row pixels are the pixel centres in
    # an open interval of length L = w + 1 - 2r (edge separation w, one pixel between the
    # last foreground and the first background centre, minus the two splat radii); an
    # interval of length L holds between L - 1 and L + 1 integer-spaced centres. 1e-9 px
    # covers round-off of edge positions that fall exactly on a pixel centre.
    judge_fn=judges.agree(0.0, 1.0 + 1e-9),
    note="The card's '+-1 px of f t (1/z1 - 1/z2)' omits the 1 - 2r offset; with r = 0.768 px a 7.3 px hole "
         "shows 6 empty pixels (|6 - 7.3| > 1), inside the derived [L - 1, L + 1].",
    false_variant={"title": "hole = f t / z1 (ignoring the background's own motion)", "constants": {"bg_motion": 0.0}},
)

splat_coverage = Claim(
    id="dynamic_voyager.splat_coverage",
    paper=PAPER.slug,
    where="Card §Rendering (code: point_size 0.003 NDC) and §Claims (DERIVED)",
    kind=Kind.BOUND,
    status=Status.RECONSTRUCTED,
    title="Disk splats of radius r on a lattice of spacing s cover every pixel centre if s <= sqrt(2) r; "
          "forward motion is crack-free for Delta <= z (1 - 1/(sqrt 2 r))",
    statement=CRACK_FREE,
    theory_fn=lambda s, r, k_crack=float(np.sqrt(2)), **_: crack_free(s, r, k_crack),
    constants={"k_crack": float(np.sqrt(2))},
    assumptions=(Assumption("square lattice of splat centres (a fronto-parallel plane seen head-on)"),),
    judge_fn=_available(
        ("lattice", _lattice_judge, "no cracks for s <= k r"),
        ("sharp", _sharp_judge, "cracks beyond the threshold"),
        ("forward", _forward_judge, "renderer: forward motion towards a plane"),
    ),
    note="The code's radius 0.003 NDC = 0.768 px at 512^2 gives s <= 1.086 px, i.e. Delta <= 0.079 z of forward "
         "motion per render; beyond, cracks depend on how the lattice aligns with the pixel centres.",
    uncertain="Reading PyTorch3D's point radius in NDC units (2 units span the image) is the card's interpretation.",
    false_variant={"title": "no cracks for s <= 2 r (disks touching)", "constants": {"k_crack": 2.0}},
)

softmax_compositor = Claim(
    id="dynamic_voyager.softmax_compositor",
    paper=PAPER.slug,
    where=f"Card §Rendering; {_CODE}: models.py SoftmaxImportanceCompositor",
    kind=Kind.CLOSED_FORM,
    status=Status.RECONSTRUCTED,
    title="Weights softmax(s/(z + 1e-6)) with empty slots at z = -1e-4: one point gives its colour, two points "
          "give the nearer one sigma(s(1/z1 - 1/z2)), weights sum to 1, empty slots weigh 0",
    statement=sp.Eq(sp.Symbol("w_1"), NEAR_WEIGHT, evaluate=False),
    theory_fn=_near_theory,
    constants={"importance": "inverse_depth", "eps": IMPORTANCE_EPS, "empty_z": EMPTY_Z},
    assumptions=(Assumption("scale > 0, depths > 0"),),
    judge_fn=_available(
        # closed form vs softmax in float64: both evaluate s/(z + eps) once; the logit
        # differences are exact to ~1e-14 absolute, sigma is 1-Lipschitz/4: 1e-12 relative.
        ("two_point", judges.agree(1e-12, relative_to="point"), "nearer point's weight"),
        ("single", judges.agree(0.0, 1e-12, theory=_identity), "one point per pixel: its colour"),
        ("sum", judges.agree(0.0, 1e-12, theory=lambda **_: 1.0), "weights sum to 1"),
        ("empty", judges.upper_bound(0.0, 0.0, theory=_empty_bound), "empty-slot weights"),
    ),
    note="At the code's depth scale (z ~ 1e-3 .. 2.5e-2) the compositor is a hard z-buffer "
         "(z = 0.010, 0.011: 0.99989); at depths of order 1 it blends (z = 1, 2: 0.62). With eps = 1e-6 the exact "
         "two-point weight is sigma(s(1/(z1 + eps) - 1/(z2 + eps))); the card's eps-free form differs by ~s eps/z^2 "
         "in the logit (1e-2 at z = 0.01).",
    false_variant={"title": "weights softmax(-s z) (linear in depth)", "constants": {"importance": "neg_depth"}},
)

ray_point_distance = Claim(
    id="dynamic_voyager.ray_point_distance",
    paper=PAPER.slug,
    where=f"Abstract ('distance from a ray to the point cloud'); {_CODE}: outpainting_utils (disabled r2p block)",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="delta^2 = |p|^2 - (d.p)^2 = |p - rho d|^2 >= 0, rotation/permutation invariant; pseudo-depth rho at "
          "argmin delta^2; on a constant (range) depth map it equals z0 cos(phi_min)",
    statement=r"\rho=\hat d\cdot p,\ \delta^2=\|p\|^2-\rho^2=\|p-\rho\hat d\|^2,\ "
              r"\mathrm{r2p}(\hat d)=\rho_{j^*},\ j^*=\arg\min_j\delta_j^2",
    theory_fn=_r2p_theory,
    constants={"pseudo_depth": "rho"},
    assumptions=(Assumption("unit ray directions"),),
    judge_fn=_available(
        # |p|^2 - rho^2 cancels: its absolute error is a few ulps of |p|^2, so both sides
        # are divided by |p|^2 and compared at 1e-12 absolute.
        ("identity", judges.agree(0.0, 1e-12, theory=_sqdist_normalised), "|p|^2 - rho^2 = |p - rho d|^2"),
        ("nonneg", judges.lower_bound(0.0, 0.0, theory=_zero), "delta^2 >= 0"),
        ("rotation", judges.agree(0.0, 1e-12, theory=_sqdist_normalised), "common rotation"),
        ("permutation", judges.agree(0.0, 0.0, theory=_identity), "permuted points"),
        # cos(phi_min) by atan2 vs rho from a float64 dot product: ~1e-15 relative; 1e-9 as the card.
        ("sphere", judges.agree(1e-9, relative_to="point", theory=_sphere_theory), "constant range depth"),
        # two exact searches (code formula vs perpendicular feet): same argmin unless a
        # near-tie within round-off; 1e-10 relative to the largest depth.
        ("two_layer", judges.agree(1e-10), "two depth layers vs reference search"),
        ("backward", judges.agree(0.0, 1e-12, theory=_negated), "reversed rays: rho -> -rho"),
    ),
    note="The code multiplies the depth by *unit* rays (range, not z-depth: erratum C2), so a constant depth map "
         "becomes a sphere; the feature is disabled (if False) in the release (C3). Points behind the ray origin "
         "are not filtered: rho can be negative.",
    uncertain="How the paper defines and feeds the ray context to the network was not read.",
    false_variant={"title": "pseudo-depth = delta_min (the distance, not the projection)",
                   "constants": {"pseudo_depth": "delta"}},
)

pointcloud_update = Claim(
    id="dynamic_voyager.pointcloud_update",
    paper=PAPER.slug,
    where=f"Abstract (loop step 4); {_CODE}: models.py update_additional_point_cloud",
    kind=Kind.INVARIANT,
    status=Status.RECONSTRUCTED,
    title="The update adds exactly the empty pixels of the new view (minus dropped ones), each reprojecting to "
          "its own pixel centre; the old view changes only where an added point is nearer",
    statement=r"|\mathcal A|=\#\{\text{holes}\}-\#\{\text{dropped}\},\ \pi_{k+1}(p_a)=\text{pixel centre}(a),\ "
              r"\Delta I_{k}(x)\neq0\Leftrightarrow z_{\rm add}(x)<z_{\rm first}(x)\ \text{(hard z-buffer)}",
    theory_fn=_count_theory,
    constants={"added_from": "holes", "change_tol": 1e-3, "margin_changed": -7.0, "margin_unchanged": -10.0,
               "scale": 1.0},
    assumptions=(Assumption("outpainted depth is z-depth at the new camera"),),
    judge_fn=_available(
        ("count", judges.agree(0.0, 0.0), "(a) added = holes - dropped"),
        ("from_holes", judges.agree(0.0, 0.0, theory=_zero), "(a) added pixels that were not holes"),
        # round-off of one unprojection and one projection on coordinates <= 128 px.
        ("reproject", judges.agree(0.0, 1e-9, theory=_pixel_centres), "(b) added points at their pixel centres"),
        ("coverage", judges.agree(0.0, 0.0, theory=_zero), "(b) new-view pixels left empty (not dropped)"),
        ("hard", judges.agree(0.0, 0.0, theory=_in_front), "(c) changed pixels = added point in front"),
        # exact inequality up to round-off of the composite (1e-12 on colours in [0, 1]).
        ("soft_bound", judges.upper_bound(0.0, 1e-12, theory=_soft_bound), "(c) soft change <= B/(1+B)"),
        ("soft_margins", _soft_margins, "(c) card's margins -7 / -10 at 1e-3"),
    ),
    note="DERIVED sharp form of (c) for the softmax compositor: a pixel's colour (in [0, 1]) moves by at most "
         "B/(1+B), B = sum over added points of exp(s (1/(z_a+eps) - 1/(z_first+eps))). The card's -7 margin is "
         "ln(999)/s for a single added point; with n added points the exact threshold is ln(1e-3/n)/s. "
         "The behind-camera test is z > 0 in the new camera (erratum C6: the code's -z > t_z mixes conventions).",
    false_variant={"title": "the update re-adds every pixel of the new view", "constants": {"added_from": "all"}},
)

visibility_check = Claim(
    id="dynamic_voyager.visibility_check",
    paper=PAPER.slug,
    where=f"{_CODE}: models.py visibility_check",
    kind=Kind.INVARIANT,
    status=Status.RECONSTRUCTED,
    title="The visibility check flags exactly the added points that come before the first original point at a "
          "pixel whose colour changed",
    statement=r"\mathrm{flag}(a)\Leftrightarrow\exists x\in\mathcal C:\ a\ \text{covers}\ x,\ "
              r"z_a<z_{\rm first\ orig}(x)",
    theory_fn=_flag_theory,
    constants={"rule": "before_first"},
    assumptions=(Assumption("every added point changes the colour of the pixels it covers (soft compositor at "
                            "depths of order 1, generic colours)"),),
    judge_fn=_available(
        ("placed", judges.agree(0.0, 0.0), "one point in front, one behind"),
        ("random", judges.agree(0.0, 0.0), "random placements"),
    ),
    note="DERIVED: an added point behind every original point is never flagged, even when the soft compositor "
         "lets it change the colour slightly. A pixel without any original point flags nothing (argmax of an "
         "all-false row is 0 in the code).",
    false_variant={"title": "every added point in a changed pixel is flagged", "constants": {"rule": "all_in_changed"}},
)

dynamic_consistency = Claim(
    id="dynamic_voyager.dynamic_consistency",
    paper=PAPER.slug,
    where="Abstract (3-D consistent motion via a dynamic point cloud); Card §Claims (DERIVED)",
    kind=Kind.INVARIANT,
    status=Status.RECONSTRUCTED,
    title="A per-frame point cloud (each frame unprojected with its own depth) rendered from a fixed novel camera "
          "reproduces the projection of the moving geometry; the static background is identical across frames",
    statement=r"\pi_{\rm novel}(P_\tau(x))=\pi_{\rm novel}(X_\tau(x))\ \forall x\ \text{seen at}\ \tau,\quad "
              r"P_\tau=P_0\ \text{on the static background}",
    theory_fn=_true_projection,
    constants={"cloud": "per_frame"},
    assumptions=(Assumption("the moving object is visible from the input view; depth maps are exact"),),
    judge_fn=_select("cloud", _available(
        # round-off of unprojection + projection on coordinates <= 256 px.
        ("points", judges.agree(0.0, 1e-9), "cloud points project where the true points do"),
        # derived pixel quantisation: a splat of radius r reaches pixel centres at most r
        # beyond the true silhouette; inside it, the outermost samples (input pixel centres)
        # lie less than one projected input pixel from the edge and, the lattice being
        # crack-free (spacing <= sqrt(2) r), cover everything deeper. 1e-9 px: round-off.
        ("band_out", judges.upper_bound(0.0, 1e-9, theory=_band), "extra pixels within r outside the silhouette"),
        ("band_in", judges.upper_bound(0.0, 1e-9, theory=_band_in), "missed pixels within one sample step inside"),
        ("background", judges.agree(0.0, 0.0, theory=_zero), "background points identical across frames"),
    )),
    note="The card's pass rule 'IoU >= 0.98 and centroid error <= 0.5 px per frame' was measured at frames "
         "0, 3, 6 only; at frame 5 of its own configuration the centroid error is 0.58 px (one column of "
         "quantisation), so the check uses the derived band rule and reports IoU and centroid.",
    false_variant={"title": "a static cloud (frame 0's depth) with per-frame colours reproduces the motion",
                   "constants": {"cloud": "static_depth"}},
)

camera_path = Claim(
    id="dynamic_voyager.camera_path",
    paper=PAPER.slug,
    where=f"{_CODE}: models.py get_next_camera_rotation and the move-direction sums (KeyframeGen init)",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="Yaw steps compose (R <- R_y R) to the total yaw; translation accumulates linearly; the keyframe "
          "move_dir has norm |sin(n th/2)/(n sin(th/2))| and angle (n+1) th/2",
    statement=sp.Eq(sp.Symbol(r"\|\mathrm{move\_dir}\|"), MOVE_DIR_NORM, evaluate=False),
    theory_fn=_yaw_total,
    constants={"side": "left"},
    assumptions=(Assumption("rotations about y (yaw) and x (pitch) only; easing and the vertical random walk "
                            "are not modelled"),),
    judge_fn=_available(
        # products of a few hundred 3x3 rotations: round-off grows like sqrt(steps) ulps.
        ("orthonormal", judges.agree(0.0, 1e-12, theory=_zero), "max |R^T R - I|, |det R - 1|"),
        ("yaw_total", judges.agree(0.0, 1e-12, theory=_yaw_total), "final R = R_y(total yaw)"),
        ("translation", judges.agree(1e-12, theory=_translation_total), "T = sum of speed * move_dir"),
        ("move_dir", judges.agree(0.0, 1e-12, theory=_move_dirs), "move_dir closed form"),
        ("composition", judges.agree(0.0, 1e-12, theory=_yaw_sum), "R_y(a) R_y(b) = R_y(a + b)"),
        ("order", judges.agree(0.0, 1e-12, theory=_ordered_rotation), "yaw + pitch path: left multiplication"),
    ),
    note="The code sets move_dir = (-right_multiplier, 0, -forward_speed_multiplier) = (sum sin, 0, sum cos)/n and "
         "adds speed * move_dir to PyTorch3D's T. For rotation_range 0.45 and frames 10: theta' = 0.0409, "
         "norm 0.9917, angle 0.2455 rad. The interpolated frames' own headings and the easing are not modelled.",
    false_variant={"title": "rotations applied on the right (R <- R R_step)", "constants": {"side": "right"}},
)

depth_disparity = Claim(
    id="dynamic_voyager.depth_disparity",
    paper=PAPER.slug,
    where=f"{_CODE}: models.py get_depth, outpainting_utils.apply_mask (depth channel)",
    kind=Kind.IDENTITY,
    status=Status.RECONSTRUCTED,
    title="depth = 1/clip(D, 1e-6) + 1e-4, disparity = 1/depth <= 1e4, sky disparity 40; the depth channel is a "
          "min-max normalisation over the whole video (invariant to positive affine maps of the video)",
    statement=r"\mathrm{depth}=1/\max(D,10^{-6})+10^{-4},\ \mathrm{disp}\le10^4,\ "
              r"N(aX+b)=N(X)\ (a>0),\ N(X)=\frac{X-\min_{\rm video}X}{\max_{\rm video}X-\min_{\rm video}X}",
    theory_fn=_depth_theory,
    constants={"depth_shift": DEPTH_SHIFT, "clip": 1e-6, "sky_depth": SKY_DEPTH, "norm_axis": "video"},
    assumptions=(Assumption("a > 0"),),
    judge_fn=_available(
        ("formula", judges.agree(1e-12, relative_to="point"), "depth from D"),
        ("bound", judges.upper_bound(1e-12, theory=_disparity_bound), "disparity <= 1/depth_shift"),
        ("monotone", judges.upper_bound(0.0, 0.0, theory=_zero), "depth non-increasing in D"),
        ("sky", judges.agree(1e-12, theory=_sky), "sky disparity"),
        # (x - min)/(max - min) after x -> a x + b: a few ulps of (|b| + a max|x|)/(a range) <= 1e2 here.
        ("channel", judges.agree(0.0, 1e-12, theory=_normalised), "channel = normalisation of the video"),
        ("affine", judges.agree(0.0, 1e-12, theory=_normalised), "channel of a x + b = channel of x"),
        ("per_frame", judges.agree(0.0, 1e-12, theory=_normalised), "channel after rescaling one frame"),
    ),
    note="Per-frame rescaling (different outpainting steps using different depth scales) changes the channel "
         "(erratum C4): the whole-video normalisation is not per-frame invariant.",
    false_variant={"title": "the depth channel is normalised frame by frame", "constants": {"norm_axis": "frame"}},
)

mask_generator = Claim(
    id="dynamic_voyager.mask_generator",
    paper=PAPER.slug,
    where=f"{_CODE}: outpainting_utils.MaskGenerator_be_your_outpainter.apply_mask",
    kind=Kind.PROBABILISTIC,
    status=Status.RECONSTRUCTED,
    title="Masked fraction 1 - (1-l-r)(1-t-b), l, r, t, b ~ U(0, 0.4): mean 0.64 (0.6377 with pixel flooring at "
          "512^2); frame 0 never masked, masked pixels copy frame 0",
    statement=sp.Eq(sp.Symbol(r"\mathbb E[\mathrm{masked}]"), MASK_MEAN, evaluate=False),
    theory_fn=lambda W, H, border, law="area", **_: expected_mask_fraction(W, H, border, law),
    constants={"law": "area"},
    assumptions=(Assumption("independent uniform borders, floored to integer pixels (int(l W))"),),
    judge_fn=_available(
        ("mean", _mask_mean_judge, "mean masked fraction"),
        ("count", judges.agree(0.0, 0.0, theory=_mask_count), "masked pixels = W H - (W-l-r)(H-t-b)"),
        ("frame0", judges.agree(0.0, 0.0, theory=_zero), "masked pixels in frame 0"),
        ("copy", judges.agree(0.0, 0.0, theory=_zero), "masked pixels differing from frame 0"),
    ),
    note="With flooring the exact mean is 1 - (1 - 2 E floor(lW)/W)^2 = 0.63766 at 512^2 (flooring bias 0.0023, "
         "slightly above the card's 'below 0.002'); the continuous mean is 0.64. The range is [0, 0.96].",
    false_variant={"title": "mean masked fraction E[l + r] = 0.4 (one border pair taken for the area)",
                   "constants": {"law": "width"}},
)

paper_claims = Claim(
    id="dynamic_voyager.paper_claims",
    paper=PAPER.slug,
    where="Abstract (v1 and v2), introduction",
    kind=Kind.PHENOMENON,
    status=Status.NOT_CHECKABLE,
    title="Perpetual dynamic scenes with 3-D consistent motion along fly-through cameras; ray context helps; "
          "prompt control; multi-view-trained baselines fail under large camera motion",
    statement="DynamicVoyager generates perpetual (unbounded) dynamic scenes with consistent motion; ray context "
              "(e.g. ray-to-point distance) helps the outpainter produce 3-D consistent motion; scene prompts steer "
              "the content; earlier methods fail or stay near their training views under large camera motion.",
    reason_not_checkable="Needs CogVideoX-5B-I2V with the outpainting LoRA (weights and training code not released), "
                         "DepthCrafter, MiDaS, SAM, OneFormer, SD-2-inpainting and GPT-4o on a GPU with >= 40 GB and "
                         "network access to the model hubs; the paper's experiment tables and metrics were not read.",
)

CLAIMS: tuple[Claim, ...] = (
    pinhole_roundtrip,
    ray_conventions,
    rotation_homography_claim,
    translation_disocclusion,
    splat_coverage,
    softmax_compositor,
    ray_point_distance,
    pointcloud_update,
    visibility_check,
    dynamic_consistency,
    camera_path,
    depth_disparity,
    mask_generator,
    paper_claims,
)
