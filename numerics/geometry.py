"""Pinhole cameras, depth-map point clouds, disk-splat rendering and ray features.

The model family of DynamicVoyager (Tian et al., ICCV 2025, card ``dynamic_voyager``):
a video is lifted to a per-frame point cloud by unprojecting its depth maps, the cloud is
rendered from the next camera by point splatting, the empty pixels are outpainted and
added back to the cloud. Everything here is the geometry of that loop, in float64:

* cameras: :class:`Camera` (OpenCV convention: ``x`` right, ``y`` down, ``z`` forward,
  world-to-camera ``X_cam = R X_world + t``), :func:`intrinsics`, :func:`make_camera`,
  :func:`camera_from_pose`, :func:`yaw_matrix`, :func:`pitch_matrix`,
  :func:`p3d_to_cv_extrinsics`;
* pixels and clouds: :func:`pixel_grid` and :func:`flatten_image` (the released code's
  pairing ``k = x * H + y`` <-> ``depth[y, x]``), :func:`unproject_pixels`,
  :func:`unproject_depth`, :func:`project`, :func:`to_pytorch3d`,
  :func:`project_pytorch3d`;
* rendering: :func:`rasterize` (disk splats of radius ``r`` px, the ``k`` nearest points
  per pixel sorted by depth), :func:`softmax_weights`, :func:`composite_softmax`,
  :func:`composite_zbuffer`, :func:`render`, :func:`splat_coverage`;
* the loop: :func:`update_cloud` (adds only the empty pixels of the new view),
  :func:`visibility_check`, :func:`fill_holes_nearest`;
* ray context: :func:`rays_gl` (the code's ``get_rays_np``), :func:`r2p_visible_points`,
  :func:`r2p_pseudo_depth` (chunked exact search), :func:`rotation_coverage`;
* synthetic scenes: :class:`Box`, :class:`Scene`, :func:`raycast`, :func:`smooth_texture`,
  :func:`plane_box_scene`, :func:`moving_patch_scene`;
* camera path, depth conventions and training masks: :func:`camera_path`,
  :func:`midas_depth`, :func:`depth_to_disparity`, :func:`normalise_video`,
  :func:`outpaint_mask`, :func:`apply_outpaint_mask`, :func:`mask_fraction_draws`.

Pixel centres sit at ``(u + 0.5, v + 0.5)`` for column ``u`` and row ``v``; images are
arrays indexed ``[row, column]``; depth is z-depth (distance along the optical axis)
unless a docstring says *range*. Every public function validates its input
(``ValueError`` naming the argument, ``TypeError`` for the wrong kind of object) and
every random draw takes an explicit seed. This module never imports :mod:`theorems`
except its validation helpers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theorems.validate import as_array, as_int, as_rng, as_scalar

__all__ = [
    "Camera",
    "intrinsics",
    "make_camera",
    "camera_from_pose",
    "yaw_matrix",
    "pitch_matrix",
    "p3d_to_cv_extrinsics",
    "pixel_grid",
    "flatten_image",
    "unflatten_image",
    "unproject_pixels",
    "unproject_depth",
    "project",
    "to_pytorch3d",
    "project_pytorch3d",
    "Fragments",
    "rasterize",
    "softmax_weights",
    "composite_softmax",
    "composite_zbuffer",
    "render",
    "splat_coverage",
    "CloudUpdate",
    "update_cloud",
    "visibility_check",
    "fill_holes_nearest",
    "rays_gl",
    "r2p_visible_points",
    "r2p_pseudo_depth",
    "perpendicular_sqdist",
    "rotation_coverage",
    "polygon_distance",
    "Box",
    "Scene",
    "raycast",
    "smooth_texture",
    "plane_box_scene",
    "moving_patch_scene",
    "camera_path",
    "midas_depth",
    "depth_to_disparity",
    "normalise_video",
    "outpaint_mask",
    "apply_outpaint_mask",
    "mask_fraction_draws",
]

#: The code's empty-slot depth and importance offset (``SoftmaxImportanceCompositor``).
EMPTY_Z = -1e-4
IMPORTANCE_EPS = 1e-6


# -- cameras ---------------------------------------------------------------------------
def _rows(P: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``P @ M.T`` for points on the last axis, by broadcasting (a BLAS call on an
    (N, 3) x (3, 3) product costs more than the arithmetic)."""
    return P[..., 0:1] * M[:, 0] + P[..., 1:2] * M[:, 1] + P[..., 2:3] * M[:, 2]


def _rotation(R: Any, name: str) -> np.ndarray:
    R = as_array(R, name, shape=(3, 3))
    err = float(np.max(np.abs(R.T @ R - np.eye(3))))
    if err > 1e-9 or np.linalg.det(R) <= 0:
        raise ValueError(f"{name} must be a rotation matrix (max |R^T R - I| = {err:.3g}, det {np.linalg.det(R):.3g})")
    return R


def intrinsics(f: float = 500.0, width: int = 512, height: int = 512,
               cx: float | None = None, cy: float | None = None) -> np.ndarray:
    """The pinhole matrix ``K = [[f, 0, cx], [0, f, cy], [0, 0, 1]]``.

    The principal point defaults to the image centre ``(W/2, H/2)`` (the code's
    ``(256, 256)`` at ``512^2``).
    """
    f = as_scalar(f, "f", low=0.0, low_open=True)
    width = as_int(width, "width", low=1)
    height = as_int(height, "height", low=1)
    cx = width / 2 if cx is None else as_scalar(cx, "cx")
    cy = height / 2 if cy is None else as_scalar(cy, "cy")
    return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class Camera:
    """A pinhole camera in the OpenCV convention.

    ``K`` the intrinsics (upper triangular, positive focal lengths), ``R`` and ``t`` the
    world-to-camera rotation and translation (``X_cam = R X_world + t``, column
    vectors), ``width`` x ``height`` the image in pixels.
    """

    K: np.ndarray
    R: np.ndarray = field(default_factory=lambda: np.eye(3))
    t: np.ndarray = field(default_factory=lambda: np.zeros(3))
    width: int = 512
    height: int = 512

    def __post_init__(self) -> None:
        K = as_array(self.K, "K", shape=(3, 3))
        if K[0, 0] <= 0 or K[1, 1] <= 0 or np.any(K[2] != (0.0, 0.0, 1.0)) or K[1, 0] != 0:
            raise ValueError("K must be upper triangular with positive focal lengths and last row (0, 0, 1)")
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "R", _rotation(self.R, "R"))
        object.__setattr__(self, "t", as_array(self.t, "t", shape=(3,)))
        object.__setattr__(self, "width", as_int(self.width, "width", low=1))
        object.__setattr__(self, "height", as_int(self.height, "height", low=1))

    @property
    def centre(self) -> np.ndarray:
        """The camera centre in world coordinates, ``-R^T t``."""
        return -self.R.T @ self.t

    @property
    def f(self) -> float:
        return float(self.K[0, 0])


def make_camera(f: float = 500.0, width: int = 512, height: int = 512, R: Any = None, t: Any = None,
                cx: float | None = None, cy: float | None = None) -> Camera:
    """A :class:`Camera` with square pixels; ``R = I``, ``t = 0`` by default (the code's
    first camera)."""
    return Camera(intrinsics(f, width, height, cx, cy), np.eye(3) if R is None else R,
                  np.zeros(3) if t is None else t, width, height)


def camera_from_pose(base: Camera, R: Any = None, centre: Any = None) -> Camera:
    """``base``'s intrinsics with world-to-camera rotation ``R`` and camera centre
    ``centre`` (world coordinates): ``t = -R centre``."""
    if not isinstance(base, Camera):
        raise TypeError(f"base must be a Camera, got {type(base).__name__}")
    R = np.eye(3) if R is None else _rotation(R, "R")
    c = np.zeros(3) if centre is None else as_array(centre, "centre", shape=(3,))
    return Camera(base.K, R, -R @ c, base.width, base.height)


def yaw_matrix(theta: float) -> np.ndarray:
    """The code's yaw ``R_y(theta) = [[c, 0, s], [0, 1, 0], [-s, 0, c]]``."""
    th = as_scalar(theta, "theta")
    c, s = np.cos(th), np.sin(th)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def pitch_matrix(theta: float) -> np.ndarray:
    """A rotation about ``x``, ``[[1, 0, 0], [0, c, -s], [0, s, c]]``."""
    th = as_scalar(theta, "theta")
    c, s = np.cos(th), np.sin(th)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


_FLIP_P3D = np.diag([-1.0, -1.0, 1.0])


def p3d_to_cv_extrinsics(R_p3d: Any, T_p3d: Any) -> tuple[np.ndarray, np.ndarray]:
    """Convert PyTorch3D extrinsics to OpenCV ones.

    PyTorch3D uses row vectors in a frame with ``x`` left, ``y`` up:
    ``X_view = X_world R + T``. With ``F = diag(-1, -1, 1)`` mapping its axes to
    OpenCV's, ``X_cam = F R^T F X_world + F T``.
    """
    R = _rotation(R_p3d, "R_p3d")
    T = as_array(T_p3d, "T_p3d", shape=(3,))
    return _FLIP_P3D @ R.T @ _FLIP_P3D, _FLIP_P3D @ T


# -- pixels and point clouds -------------------------------------------------------------
def pixel_grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(u, v)`` in the code's order ``k = x * H + y``.

    The code builds ``meshgrid(x + 0.5, y + 0.5, indexing='ij')`` and flattens it
    row-major, so point ``k`` is column ``x = k // H``, row ``y = k % H``.
    """
    width = as_int(width, "width", low=1)
    height = as_int(height, "height", low=1)
    x, y = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5, indexing="ij")
    return x.reshape(-1), y.reshape(-1)


def flatten_image(img: Any, name: str = "img", *, pairing: str = "code") -> np.ndarray:
    """An ``(H, W, ...)`` image as a per-pixel list in the order of :func:`pixel_grid`.

    ``pairing="code"`` is the code's ``rearrange(img, "h w -> (w h)")``, i.e.
    ``img[y, x]`` at ``k = x * H + y``. ``pairing="transposed"`` pairs ``k`` with
    ``img[x, y]`` instead (a plain row-major flatten of a square image): the
    transposition bug that mirrors the cloud about the image diagonal.
    """
    a = np.asarray(img)
    if a.ndim < 2:
        raise ValueError(f"{name} must be at least 2-dimensional (H, W, ...), got shape {a.shape}")
    if pairing == "code":
        return np.swapaxes(a, 0, 1).reshape((a.shape[0] * a.shape[1],) + a.shape[2:])
    if pairing == "transposed":
        if a.shape[0] != a.shape[1]:
            raise ValueError(f"{name}: the transposed pairing needs a square image, got shape {a.shape}")
        return a.reshape((a.shape[0] * a.shape[1],) + a.shape[2:])
    raise ValueError(f"pairing must be 'code' or 'transposed', got {pairing!r}")


def unflatten_image(values: Any, width: int, height: int) -> np.ndarray:
    """Inverse of :func:`flatten_image` (code pairing): per-pixel values to ``(H, W, ...)``."""
    width = as_int(width, "width", low=1)
    height = as_int(height, "height", low=1)
    a = np.asarray(values)
    if a.shape[0] != width * height:
        raise ValueError(f"values must have {width * height} rows, got shape {a.shape}")
    return np.swapaxes(a.reshape((width, height) + a.shape[1:]), 0, 1)


def unproject_pixels(u: Any, v: Any, z: Any, cam: Camera) -> np.ndarray:
    """World points ``R^T (z K^{-1} (u, v, 1)^T - t)`` for image coordinates ``(u, v)``
    (already including the pixel-centre ``+0.5``) and z-depths ``z > 0``."""
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    u = as_array(u, "u", allow_empty=True)
    v = as_array(v, "v", allow_empty=True)
    z = as_array(z, "z", allow_empty=True)
    u, v, z = np.broadcast_arrays(u, v, z)
    if np.any(z <= 0):
        raise ValueError(f"z must be positive (z-depth in front of the camera), got min {z.min():.3g}")
    K = cam.K
    # K^{-1} (u, v, 1) for an upper-triangular K, solved exactly rather than inverted.
    y = (v - K[1, 2]) / K[1, 1]
    x = (u - K[0, 2] - K[0, 1] * y) / K[0, 0]
    Xc = np.stack([x * z, y * z, z], axis=-1)
    return _rows(Xc - cam.t, cam.R.T)  # R^T (Xc - t)


def unproject_depth(depth: Any, cam: Camera, *, pairing: str = "code") -> np.ndarray:
    """The point cloud of a depth map, one point per pixel, in the order of
    :func:`pixel_grid` (``pairing`` as in :func:`flatten_image`)."""
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    d = as_array(depth, "depth", ndim=2)
    if d.shape != (cam.height, cam.width):
        raise ValueError(f"depth must have shape {(cam.height, cam.width)}, got {d.shape}")
    u, v = pixel_grid(cam.width, cam.height)
    return unproject_pixels(u, v, flatten_image(d, "depth", pairing=pairing), cam)


def project(points: Any, cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Image coordinates and z-depth ``(u, v, z)`` of world points (``z <= 0``: behind)."""
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    P = as_array(points, "points", allow_empty=True)
    if P.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., 3), got {P.shape}")
    Xc = _rows(P, cam.R) + cam.t
    z = Xc[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        x, y = Xc[..., 0] / z, Xc[..., 1] / z
    K = cam.K
    return K[0, 0] * x + K[0, 1] * y + K[0, 2], K[1, 1] * y + K[1, 2], z


def to_pytorch3d(points: Any) -> np.ndarray:
    """The code's ``points[..., :2] = -points[..., :2]``: OpenCV to PyTorch3D axes."""
    P = as_array(points, "points", allow_empty=True)
    if P.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., 3), got {P.shape}")
    out = P.copy()
    out[..., :2] = -out[..., :2]
    return out


def project_pytorch3d(points_p3d: Any, cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project points given in PyTorch3D axes (``x`` left, ``y`` up) with the camera
    expressed in the same axes: the image column grows along ``-x``, the row along
    ``-y``. Equals :func:`project` of the OpenCV points."""
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    P = as_array(points_p3d, "points_p3d", allow_empty=True)
    if P.shape[-1] != 3:
        raise ValueError(f"points_p3d must have shape (..., 3), got {P.shape}")
    R3 = _FLIP_P3D @ cam.R @ _FLIP_P3D
    Xv = _rows(P, R3) + _FLIP_P3D @ cam.t
    z = Xv[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        x, y = -Xv[..., 0] / z, -Xv[..., 1] / z
    K = cam.K
    return K[0, 0] * x + K[0, 1] * y + K[0, 2], K[1, 1] * y + K[1, 2], z


# -- rasterisation and compositing -------------------------------------------------------
@dataclass(frozen=True)
class Fragments:
    """The ``k`` nearest points per pixel, sorted by depth.

    ``idx[y, x, j]`` is the index of the j-th nearest point covering pixel ``(x, y)``
    (``-1``: empty slot), ``zbuf`` its z-depth (``-1`` for empty slots, as PyTorch3D).
    """

    idx: np.ndarray
    zbuf: np.ndarray

    @property
    def empty(self) -> np.ndarray:
        """Pixels that no point covers (the outpainting mask)."""
        return self.idx[..., 0] < 0

    @property
    def depth(self) -> np.ndarray:
        """z-depth of the nearest point, ``0`` where empty (the code's rendered depth)."""
        return np.where(self.empty, 0.0, self.zbuf[..., 0])


def _splat(u: np.ndarray, v: np.ndarray, radius: float, width: int, height: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """(point index, flat pixel index) of every pixel centre within ``radius`` of each
    projected point. A pixel centre ``(i + 0.5, j + 0.5)`` is covered when its
    distance to the point is ``<= radius``."""
    m = int(np.floor(2 * radius)) + 1  # most integers in an interval of length 2r
    i0 = np.ceil(u - 0.5 - radius).astype(np.int64)
    j0 = np.ceil(v - 0.5 - radius).astype(np.int64)
    off = np.arange(m)
    ii = i0[:, None, None] + off[None, :, None]
    jj = j0[:, None, None] + off[None, None, :]
    du = ii + 0.5 - u[:, None, None]
    dv = jj + 0.5 - v[:, None, None]
    ok = (du * du + dv * dv <= radius * radius) & (ii >= 0) & (ii < width) & (jj >= 0) & (jj < height)
    pidx = np.broadcast_to(np.arange(u.size)[:, None, None], ok.shape)[ok]
    return pidx, (jj * width + ii)[ok]


def rasterize(points: Any, cam: Camera, radius_px: float, k: int = 8) -> Fragments:
    """Disk-splat rasterisation: the ``k`` nearest (in z) points whose projection lies
    within ``radius_px`` pixels of each pixel centre; points with ``z <= 0`` are culled.

    A numpy reference for PyTorch3D's point rasteriser with a per-point radius in
    pixels (PyTorch3D's NDC radius ``r`` is ``r * W / 2`` px on a square image).
    """
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    P = as_array(points, "points", allow_empty=True)
    if P.ndim != 2 or P.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {P.shape}")
    r = as_scalar(radius_px, "radius_px", low=0.0, low_open=True, high=16.0)
    k = as_int(k, "k", low=1)
    W, H = cam.width, cam.height
    u, v, z = project(P, cam)
    front = z > 0
    sel = np.flatnonzero(front)
    pidx, pix = _splat(u[sel], v[sel], r, W, H)
    pidx = sel[pidx]
    zz = z[pidx]
    # sort by pixel, then depth, then point index (a deterministic tie-break)
    order = np.lexsort((pidx, zz, pix))
    pix, pidx, zz = pix[order], pidx[order], zz[order]
    starts = np.searchsorted(pix, pix, side="left")
    rank = np.arange(pix.size) - starts
    keep = rank < k
    idx = np.full((H * W, k), -1, dtype=np.int64)
    zbuf = np.full((H * W, k), -1.0)
    idx[pix[keep], rank[keep]] = pidx[keep]
    zbuf[pix[keep], rank[keep]] = zz[keep]
    return Fragments(idx.reshape(H, W, k), zbuf.reshape(H, W, k))


def softmax_weights(zbuf: Any, scale: float = 1.0, empty_z: float = EMPTY_Z,
                    eps: float = IMPORTANCE_EPS) -> np.ndarray:
    """The code's compositing weights ``softmax_k(scale / (z_k + eps))`` over the last
    axis, with empty slots (``z < 0``) set to ``empty_z`` first."""
    z = as_array(zbuf, "zbuf")
    s = as_scalar(scale, "scale", low=0.0, low_open=True)
    zp = np.where(z < 0, empty_z, z)
    a = s / (zp + eps)
    a = a - a.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


def _features(colors: Any, n: int) -> np.ndarray:
    c = as_array(colors, "colors", allow_empty=True)
    if c.ndim == 1:
        c = c[:, None]
    if c.ndim != 2 or c.shape[0] != n:
        raise ValueError(f"colors must have shape ({n}, C), got {c.shape}")
    return c


def composite_softmax(frags: Fragments, colors: Any, scale: float = 1.0, background: float = 0.0
                      ) -> np.ndarray:
    """``sum_k w_k c_k`` with :func:`softmax_weights`; empty pixels get ``background``.

    Empty slots carry zero features (the code gathers an arbitrary point there, with
    a weight that underflows to 0).
    """
    if not isinstance(frags, Fragments):
        raise TypeError(f"frags must be Fragments, got {type(frags).__name__}")
    idx = frags.idx
    n = int(idx.max()) + 1 if idx.size and idx.max() >= 0 else 0
    c = np.asarray(colors, dtype=float)
    c = _features(colors, c.shape[0]) if c.size else np.zeros((0, 1))
    if c.shape[0] < n:
        raise ValueError(f"colors has {c.shape[0]} rows but the fragments index point {n - 1}")
    w = softmax_weights(frags.zbuf, scale)
    feat = np.where((idx >= 0)[..., None], c[np.maximum(idx, 0)] if c.shape[0] else 0.0, 0.0)
    img = np.einsum("hwk,hwkc->hwc", w, feat)
    return np.where(frags.empty[..., None], float(background), img)


def composite_zbuffer(frags: Fragments, colors: Any, background: float = 0.0) -> np.ndarray:
    """Hard z-buffer: the colour of the nearest point; ``background`` where empty."""
    if not isinstance(frags, Fragments):
        raise TypeError(f"frags must be Fragments, got {type(frags).__name__}")
    c = np.asarray(colors, dtype=float)
    c = _features(colors, c.shape[0])
    first = frags.idx[..., 0]
    return np.where((first >= 0)[..., None], c[np.maximum(first, 0)], float(background))


def render(points: Any, colors: Any, cam: Camera, radius_px: float, *, k: int = 8,
           compositor: str = "softmax", scale: float = 1.0, background: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray, Fragments]:
    """Render a coloured cloud: returns ``(image (H, W, C), depth (H, W), fragments)``;
    ``depth`` is the nearest z and ``0`` where no point lands (the outpainting mask)."""
    if compositor not in ("softmax", "zbuffer"):
        raise ValueError(f"compositor must be 'softmax' or 'zbuffer', got {compositor!r}")
    P = as_array(points, "points", allow_empty=True)
    c = _features(colors, P.shape[0] if P.ndim == 2 else -1)
    frags = rasterize(P, cam, radius_px, k)
    img = (composite_softmax(frags, c, scale, background) if compositor == "softmax"
           else composite_zbuffer(frags, c, background))
    return img, frags.depth, frags


def splat_coverage(u: Any, v: Any, radius_px: float, width: int, height: int) -> np.ndarray:
    """Boolean ``(H, W)`` image: pixel centres within ``radius_px`` of some 2-D point."""
    u = as_array(u, "u", ndim=1, allow_empty=True)
    v = as_array(v, "v", ndim=1, allow_empty=True)
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape, got {u.shape} and {v.shape}")
    r = as_scalar(radius_px, "radius_px", low=0.0, low_open=True, high=16.0)
    width = as_int(width, "width", low=1)
    height = as_int(height, "height", low=1)
    _, pix = _splat(u, v, r, width, height)
    cov = np.zeros(width * height, dtype=bool)
    cov[pix] = True
    return cov.reshape(height, width)


# -- the point-cloud update and the visibility check -----------------------------------------
@dataclass(frozen=True)
class CloudUpdate:
    """Result of :func:`update_cloud`: the enlarged cloud and what was added.

    ``added_pixels`` are flat indices in the order of :func:`pixel_grid` (``k = x*H + y``)
    of the pixels whose points were appended (in order); ``n_holes`` the empty pixels of
    the render; ``n_dropped`` the holes whose points failed the behind-camera test.
    """

    points: np.ndarray
    colors: np.ndarray
    added_pixels: np.ndarray
    n_holes: int
    n_dropped: int

    @property
    def n_added(self) -> int:
        return int(self.added_pixels.size)


def update_cloud(points: Any, colors: Any, render_depth: Any, outpainted_rgb: Any, outpainted_depth: Any,
                 cam: Camera, *, reference: Camera | None = None) -> CloudUpdate:
    """Append the outpainted pixels of the new view to the cloud (the code's
    ``update_additional_point_cloud``).

    The holes are the pixels with ``render_depth == 0``; each is unprojected with
    ``cam`` (the new camera) at its outpainted depth and appended with its outpainted
    colour. A point is dropped (the behind-camera test) when its depth is not positive
    or it lies behind ``reference`` (default ``cam``): ``z_ref <= 0``.
    """
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    ref = cam if reference is None else reference
    if not isinstance(ref, Camera):
        raise TypeError(f"reference must be a Camera, got {type(ref).__name__}")
    P = as_array(points, "points", allow_empty=True).reshape(-1, 3)
    C = _features(colors, P.shape[0])
    shape = (cam.height, cam.width)
    rd = as_array(render_depth, "render_depth", ndim=2)
    if rd.shape != shape:
        raise ValueError(f"render_depth must have shape {shape}, got {rd.shape}")
    od = as_array(outpainted_depth, "outpainted_depth", ndim=2)
    if od.shape != shape:
        raise ValueError(f"outpainted_depth must have shape {shape}, got {od.shape}")
    rgb = as_array(outpainted_rgb, "outpainted_rgb")
    if rgb.shape[:2] != shape:
        raise ValueError(f"outpainted_rgb must have shape {shape} + (C,), got {rgb.shape}")
    rgb = rgb.reshape(shape + (-1,))
    if rgb.shape[2] != C.shape[1]:
        raise ValueError(f"outpainted_rgb has {rgb.shape[2]} channels, the cloud {C.shape[1]}")
    holes = flatten_image(rd == 0, "render_depth")
    depth = flatten_image(od, "outpainted_depth")
    u, v = pixel_grid(cam.width, cam.height)
    cand = np.flatnonzero(holes)
    ok = depth[cand] > 0
    new = np.zeros((cand.size, 3))
    new[ok] = unproject_pixels(u[cand[ok]], v[cand[ok]], depth[cand[ok]], cam)
    if ref is not cam:
        ok &= project(new, ref)[2] > 0
    added = cand[ok]
    newc = flatten_image(rgb, "outpainted_rgb")[added]
    return CloudUpdate(np.concatenate([P, new[ok]]), np.concatenate([C, newc]), added,
                       int(cand.size), int(cand.size - added.size))


def visibility_check(points: Any, colors: Any, added_points: Any, added_colors: Any, cam: Camera,
                     radius_px: float, *, k: int = 32, scale: float = 1.0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The code's ``visibility_check``: which added points hide original content.

    Renders ``cam`` (the first keyframe's camera) with ``k`` points per pixel, without
    and with the added points (softmax compositor). At every pixel whose colour changes
    at all, the added points that come before the first original point in z-order are
    flagged; a pixel without any original point flags nothing (the code's ``argmax`` of
    an all-false row is 0). Returns ``(flagged added-point indices, changed mask)``.
    """
    P = as_array(points, "points").reshape(-1, 3)
    A = as_array(added_points, "added_points", allow_empty=True).reshape(-1, 3)
    C = _features(colors, P.shape[0])
    CA = _features(added_colors, A.shape[0]) if A.size else np.zeros((0, C.shape[1]))
    before, _, _ = render(P, C, cam, radius_px, k=k, scale=scale)
    after, _, frags = render(np.concatenate([P, A]), np.concatenate([C, CA]), cam, radius_px, k=k, scale=scale)
    changed = np.abs(after - before).sum(axis=-1) > 0
    idx = frags.idx[changed]                      # (n_changed, k)
    orig = (idx >= 0) & (idx < P.shape[0])
    first = np.argmax(orig, axis=1)               # 0 when no original point (flags nothing)
    before_first = np.arange(idx.shape[1])[None, :] < first[:, None]
    flagged = np.unique(idx[before_first]) - P.shape[0]
    return flagged.astype(np.int64), changed


def fill_holes_nearest(depth: Any, window: int = 50, max_passes: int = 100) -> np.ndarray:
    """Fill zero pixels with the depth of the nearest (Euclidean) non-zero pixel when
    that pixel lies inside the ``window`` x ``window`` box around the hole, repeating
    until no hole is left (the code's loop; filled pixels serve the next pass).

    Raises ``ValueError`` for an all-zero map (the code's loop would never end) and
    ``RuntimeError`` if ``max_passes`` passes leave holes.
    """
    from scipy.ndimage import distance_transform_edt

    d = as_array(depth, "depth", ndim=2).copy()
    window = as_int(window, "window", low=1)
    max_passes = as_int(max_passes, "max_passes", low=1)
    if np.all(d == 0):
        raise ValueError("depth has no non-zero pixel: nearest-neighbour filling cannot terminate")
    hw = window // 2
    rows, cols = np.indices(d.shape)
    for _ in range(max_passes):
        holes = d == 0
        if not holes.any():
            return d
        _, (ri, ci) = distance_transform_edt(holes, return_indices=True)
        near = holes & (np.abs(ri - rows) <= hw) & (np.abs(ci - cols) <= hw)
        if not near.any():
            break
        d = np.where(near, d[ri, ci], d)
    if np.any(d == 0):
        raise RuntimeError(f"holes remain after {max_passes} passes")
    return d


# -- ray context (r2p) --------------------------------------------------------------------
def rays_gl(width: int = 512, height: int = 512, f: float = 500.0, c2w: Any = None, *,
            half_pixel: bool = False, normalise: bool = True) -> np.ndarray:
    """The code's ``get_rays_np``: ``((i - W/2)/f, -(j - H/2)/f, -1)`` rotated by ``c2w``,
    OpenGL axes (``x`` right, ``y`` up, ``z`` backward), no pixel-centre offset unless
    ``half_pixel``; shape ``(H, W, 3)`` indexed ``[row j, column i]``."""
    width = as_int(width, "width", low=1)
    height = as_int(height, "height", low=1)
    f = as_scalar(f, "f", low=0.0, low_open=True)
    R = np.eye(3) if c2w is None else _rotation(np.asarray(c2w, dtype=float)[:3, :3], "c2w")
    off = 0.5 if half_pixel else 0.0
    i, j = np.meshgrid(np.arange(width) + off, np.arange(height) + off, indexing="xy")
    d = np.stack([(i - width * 0.5) / f, -(j - height * 0.5) / f, -np.ones_like(i)], axis=-1) @ R.T
    return d / np.linalg.norm(d, axis=-1, keepdims=True) if normalise else d


def r2p_visible_points(depth: Any, visible: Any, rays: Any, scale: int = 8) -> np.ndarray:
    """The code's visible points ``p_j = depth_j * d_j`` on a ``scale``-times
    downsampled grid: depth area-averaged over ``scale x scale`` blocks, rays and the
    visibility mask sampled at each block's first pixel (``mode='nearest'``). The
    depth multiplies a *unit* ray, so it is used as a range."""
    d = as_array(depth, "depth", ndim=2)
    vis = np.asarray(visible, dtype=bool)
    if vis.shape != d.shape:
        raise ValueError(f"visible must have shape {d.shape}, got {vis.shape}")
    r = as_array(rays, "rays", shape=d.shape + (3,))
    scale = as_int(scale, "scale", low=1)
    H, W = d.shape
    if H % scale or W % scale:
        raise ValueError(f"scale must divide the image size {d.shape}, got {scale}")
    dd = d.reshape(H // scale, scale, W // scale, scale).mean(axis=(1, 3))
    rr = r[::scale, ::scale]
    vv = vis[::scale, ::scale]
    return dd[vv][:, None] * rr[vv]


def r2p_pseudo_depth(rays: Any, points: Any, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each unit ray ``d``: the point nearest to the ray's *line*,
    ``j* = argmin_j |p_j|^2 - (d . p_j)^2`` (the code's formula), and its projection
    ``rho = d . p_j*`` (the pseudo-depth). Exact search in chunks of ``chunk`` rays
    (memory ``chunk x N``). Returns ``(rho, delta2_min, j*)``; ``rho`` can be negative
    (the code keeps points behind the ray's origin)."""
    D = as_array(rays, "rays", allow_empty=True).reshape(-1, 3)
    P = as_array(points, "points").reshape(-1, 3)
    chunk = as_int(chunk, "chunk", low=1)
    sq = np.einsum("ij,ij->i", P, P)
    rho = np.empty(D.shape[0])
    dmin = np.empty(D.shape[0])
    arg = np.empty(D.shape[0], dtype=np.int64)
    for s in range(0, D.shape[0], chunk):
        pr = D[s:s + chunk] @ P.T
        dist = sq[None, :] - pr * pr
        j = np.argmin(dist, axis=1)
        rows = np.arange(j.size)
        arg[s:s + chunk], rho[s:s + chunk], dmin[s:s + chunk] = j, pr[rows, j], dist[rows, j]
    return rho, dmin, arg


def perpendicular_sqdist(rays: Any, points: Any) -> np.ndarray:
    """Row-wise squared distance ``|p - (d . p) d|^2`` of point ``p_i`` to the line of
    unit ray ``d_i`` (the geometric definition: no cancellation, never negative)."""
    D = as_array(rays, "rays").reshape(-1, 3)
    P = as_array(points, "points").reshape(-1, 3)
    if D.shape != P.shape:
        raise ValueError(f"rays and points must have the same shape, got {D.shape} and {P.shape}")
    foot = np.einsum("ij,ij->i", D, P)[:, None] * D
    e = P - foot
    return np.einsum("ij,ij->i", e, e)


def polygon_distance(x: Any, y: Any, polygon: Any) -> np.ndarray:
    """Signed distance of points ``(x, y)`` to a convex polygon ``(n, 2)`` (vertices in
    order): positive outside (Euclidean distance to the boundary), negative inside."""
    x = as_array(x, "x", allow_empty=True)
    y = as_array(y, "y", allow_empty=True)
    poly = as_array(polygon, "polygon", ndim=2)
    if poly.shape[1] != 2 or poly.shape[0] < 3:
        raise ValueError(f"polygon must have shape (n >= 3, 2), got {poly.shape}")
    p = np.stack(np.broadcast_arrays(x, y), axis=-1)[..., None, :]
    a, b = poly, np.roll(poly, -1, axis=0)
    ab = b - a
    tt = np.clip(np.einsum("...nk,nk->...n", p - a, ab) / np.einsum("nk,nk->n", ab, ab), 0.0, 1.0)
    dist = np.linalg.norm(p - (a + tt[..., None] * ab), axis=-1).min(axis=-1)
    # inside a convex polygon: every edge's cross product has the polygon's orientation
    cross = ab[:, 0] * (p[..., 1] - a[:, 1]) - ab[:, 1] * (p[..., 0] - a[:, 0])
    orient = np.sign(np.sum(ab[:, 0] * (np.roll(poly, -2, axis=0)[:, 1] - a[:, 1])
                            - ab[:, 1] * (np.roll(poly, -2, axis=0)[:, 0] - a[:, 0])))
    inside = np.all(cross * orient >= 0, axis=-1)
    return np.where(inside, -dist, dist)


def rotation_coverage(cam: Camera, R_rel: Any, rows: Any = None) -> np.ndarray:
    """Which pixels of the camera rotated by ``R_rel`` (about its centre) see content
    of the original image: each new pixel centre is mapped back by inverse mapping and
    tested against the old image rectangle ``[0, W] x [0, H]`` and the old camera's
    front half-space. Depth-independent by construction; boolean ``(H, W)``, or
    ``(len(rows), W)`` for the given row indices only."""
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    Rr = _rotation(R_rel, "R_rel")
    W, H = cam.width, cam.height
    rr = np.arange(H) if rows is None else np.asarray(rows, dtype=np.int64).reshape(-1)
    if rr.size == 0 or rr.min() < 0 or rr.max() >= H:
        raise ValueError(f"rows must be row indices in [0, {H}), got {rows}")
    uu, vv = np.meshgrid(np.arange(W) + 0.5, rr + 0.5, indexing="xy")
    x = np.stack([uu, vv, np.ones_like(uu)], axis=-1)
    # the new camera's ray K^{-1} x in its frame, back to the old camera's frame
    d_new = _rows(x.reshape(-1, 3), np.linalg.inv(cam.K))
    d_old = _rows(d_new, Rr.T)         # R_rel^T d_new
    z = d_old[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uo = cam.K[0, 0] * d_old[:, 0] / z + cam.K[0, 1] * d_old[:, 1] / z + cam.K[0, 2]
        vo = cam.K[1, 1] * d_old[:, 1] / z + cam.K[1, 2]
    ok = (z > 0) & (uo >= 0) & (uo <= W) & (vo >= 0) & (vo <= H)
    return ok.reshape(rr.size, W)


# -- synthetic scenes ------------------------------------------------------------------
def smooth_texture(points: Any, seed: Any, channels: int = 3, n_waves: int = 5, frequency: float = 6.0
                   ) -> np.ndarray:
    """A smooth, seeded colour field on 3-D points with values in ``(0, 1)``: a mean of
    random plane waves per channel (generic: distinct points get distinct colours)."""
    P = as_array(points, "points", allow_empty=True)
    if P.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., 3), got {P.shape}")
    rng = as_rng(seed)
    channels = as_int(channels, "channels", low=1)
    n_waves = as_int(n_waves, "n_waves", low=1)
    fr = as_scalar(frequency, "frequency", low=0.0, low_open=True)
    k = rng.normal(size=(channels, n_waves, 3)) * fr
    ph = rng.uniform(0, 2 * np.pi, size=(channels, n_waves))
    arg = np.einsum("...d,cwd->...cw", P, k) + ph
    return 0.5 + 0.45 * np.sin(arg).mean(axis=-1)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``[lo, hi]`` in world coordinates (a zero-thickness box is a
    fronto-parallel patch), with a label and a texture seed; its texture moves with it
    (colours are evaluated at ``X - lo``)."""

    lo: np.ndarray
    hi: np.ndarray
    label: int = 1
    texture_seed: int = 1

    def __post_init__(self) -> None:
        lo = as_array(self.lo, "lo", shape=(3,))
        hi = as_array(self.hi, "hi", shape=(3,))
        if np.any(hi < lo):
            raise ValueError(f"hi must be >= lo componentwise, got lo={lo}, hi={hi}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        object.__setattr__(self, "label", as_int(self.label, "label", low=1))


@dataclass(frozen=True)
class Scene:
    """A fronto-parallel background plane ``z = plane_z`` (label 0) and boxes."""

    plane_z: float
    boxes: tuple[Box, ...] = ()
    texture_seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "plane_z", as_scalar(self.plane_z, "plane_z", low=0.0, low_open=True))
        if not all(isinstance(b, Box) for b in self.boxes):
            raise TypeError("boxes must be Box objects")
        object.__setattr__(self, "boxes", tuple(self.boxes))

    def scaled(self, s: float) -> Scene:
        """The same scene with every length multiplied by ``s`` (texture follows)."""
        s = as_scalar(s, "s", low=0.0, low_open=True)
        return Scene(self.plane_z * s, tuple(Box(b.lo * s, b.hi * s, b.label, b.texture_seed) for b in self.boxes),
                     self.texture_seed)


def _ray_box(o: np.ndarray, d: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Entry parameter ``t`` of rays ``o + t d`` into the box (``inf``: missed)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / d
        t1 = (lo - o) * inv
        t2 = (hi - o) * inv
    # a ray parallel to a slab: inside it for every t, or never
    par = d == 0
    inside = (o >= lo) & (o <= hi)
    t1 = np.where(par, np.where(inside, -np.inf, np.inf), t1)
    t2 = np.where(par, np.where(inside, np.inf, -np.inf), t2)
    tmin = np.minimum(t1, t2).max(axis=-1)
    tmax = np.maximum(t1, t2).min(axis=-1)
    hit = (tmax >= tmin) & (tmax > 0)
    return np.where(hit, np.maximum(tmin, 0.0), np.inf)


def raycast(scene: Scene, cam: Camera, *, scale_texture: float = 1.0, colour: bool = True
            ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Ground-truth view of ``scene`` from ``cam`` at the pixel centres.

    Returns ``(depth (H, W) z-depth, colour (H, W, 3), label (H, W))`` (label 0 is the
    plane). Colours are :func:`smooth_texture` of world points (plane) or of
    box-local points; ``scale_texture`` divides lengths first so that a scaled scene
    keeps its texture. ``colour=False`` skips the texture (returns ``None``).
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene, got {type(scene).__name__}")
    if not isinstance(cam, Camera):
        raise TypeError(f"cam must be a Camera, got {type(cam).__name__}")
    st = as_scalar(scale_texture, "scale_texture", low=0.0, low_open=True)
    W, H = cam.width, cam.height
    uu, vv = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5, indexing="xy")
    x = np.stack([uu, vv, np.ones_like(uu)], axis=-1).reshape(-1, 3)
    d_cam = _rows(x, np.linalg.inv(cam.K))       # z-component 1: t is the z-depth
    d = _rows(d_cam, cam.R.T)                    # world directions R^T d_cam
    o = cam.centre
    with np.errstate(divide="ignore", invalid="ignore"):
        t_plane = (scene.plane_z - o[2]) / d[:, 2]
    t_best = np.where(t_plane > 0, t_plane, np.inf)
    label = np.zeros(t_best.shape, dtype=np.int64)
    which = np.full(t_best.shape, -1)
    for b, box in enumerate(scene.boxes):
        tb = _ray_box(o, d, box.lo, box.hi)
        closer = tb < t_best
        t_best = np.where(closer, tb, t_best)
        label = np.where(closer, box.label, label)
        which = np.where(closer, b, which)
    if not np.all(np.isfinite(t_best)):
        raise ValueError("some pixels see nothing (the camera looks away from the plane)")
    if not colour:
        return t_best.reshape(H, W), None, label.reshape(H, W)
    X = o + t_best[:, None] * d
    col = smooth_texture(X / st, scene.texture_seed)
    for b, box in enumerate(scene.boxes):
        m = which == b
        if np.any(m):
            col[m] = smooth_texture((X[m] - box.lo) / st, box.texture_seed)
    return t_best.reshape(H, W), col.reshape(H, W, 3), label.reshape(H, W)


def plane_box_scene(plane_z: float = 2.0, box_z: float = 1.0, half: float = 0.25, depth: float = 0.3,
                    centre: Sequence[float] = (0.0, 0.0)) -> Scene:
    """The card's update scene: a textured plane at ``plane_z`` and a box whose front
    face is at ``box_z`` (side ``2 half``, extent ``depth`` along ``z``)."""
    cx, cy = (as_scalar(c, "centre") for c in centre)
    half = as_scalar(half, "half", low=0.0, low_open=True)
    return Scene(plane_z, (Box(np.array([cx - half, cy - half, box_z]),
                               np.array([cx + half, cy + half, box_z + depth]), 1, 7),), texture_seed=3)


def moving_patch_scene(tau: float, velocity: float = 0.05, x0: float = -0.3, half: float = 0.2,
                       patch_z: float = 1.5, plane_z: float = 3.0) -> Scene:
    """The card's dynamic scene at frame ``tau``: a fronto-parallel square patch of
    half-size ``half`` at depth ``patch_z``, centred at ``x = x0 + velocity * tau``, in
    front of a plane at ``plane_z``."""
    tau = as_scalar(tau, "tau")
    xc = x0 + as_scalar(velocity, "velocity") * tau
    half = as_scalar(half, "half", low=0.0, low_open=True)
    return Scene(plane_z, (Box(np.array([xc - half, -half, patch_z]), np.array([xc + half, half, patch_z]), 1, 11),),
                 texture_seed=5)


# -- camera path ---------------------------------------------------------------------------
def camera_path(rotation_path: Sequence[float], rotation_range: float, frames: int, *,
                camera_speed: float = 5e-4, speed_multiplier_rotation: float = 0.0,
                pitch_path: Sequence[float] | None = None, side: str = "left") -> dict[str, np.ndarray]:
    """Simulate the keyframe camera path (code: ``get_next_camera_rotation``).

    Each keyframe ``k`` with direction ``rotation_path[k]`` runs ``n = frames + 1``
    steps of yaw ``theta' = rotation_range * rotation_path[k] / n`` applied as
    ``R <- R_y(theta') R`` (``side="right"``: ``R <- R R_y``), optionally followed by a
    pitch ``R_x(pitch_path[k] / n)``; each step adds ``speed * move_dir`` to ``T``,
    with ``move_dir = (1/n)(sum_i sin(i theta'), 0, sum_i cos(i theta'))`` on rotating
    keyframes (speed ``camera_speed * speed_multiplier_rotation``) and ``(0, 0, 1)``
    otherwise (speed ``camera_speed``). Easing and the vertical random walk of the code
    are not modelled.

    Returns a dict with ``R`` (steps+1, 3, 3), ``T`` (steps+1, 3), ``increments``
    (steps, 3), ``move_dir`` (keyframes, 3), ``theta`` (keyframes,).
    """
    path = as_array(rotation_path, "rotation_path", ndim=1)
    rr = as_scalar(rotation_range, "rotation_range")
    frames = as_int(frames, "frames", low=0)
    speed = as_scalar(camera_speed, "camera_speed", low=0.0)
    mult = as_scalar(speed_multiplier_rotation, "speed_multiplier_rotation", low=0.0)
    pitch = np.zeros_like(path) if pitch_path is None else as_array(pitch_path, "pitch_path", shape=path.shape)
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    n = frames + 1
    R, T = np.eye(3), np.zeros(3)
    Rs, Ts, incs, dirs, thetas = [R], [T], [], [], []
    for rot, ph in zip(path, pitch):
        th = rr * rot / n
        if rot != 0:
            s = sum(np.sin(i * th) for i in range(1, n + 1))
            c = sum(np.cos(i * th) for i in range(1, n + 1))
            md, sp_ = np.array([s / n, 0.0, c / n]), speed * mult
        else:
            md, sp_ = np.array([0.0, 0.0, 1.0]), speed
        dirs.append(md)
        thetas.append(th)
        step = pitch_matrix(ph / n) @ yaw_matrix(th)
        for _ in range(n):
            R = step @ R if side == "left" else R @ step
            inc = sp_ * md
            T = T + inc
            Rs.append(R)
            Ts.append(T)
            incs.append(inc)
    return {"R": np.array(Rs), "T": np.array(Ts), "increments": np.array(incs).reshape(-1, 3),
            "move_dir": np.array(dirs).reshape(-1, 3), "theta": np.array(thetas)}


# -- depth conventions ---------------------------------------------------------------------
def midas_depth(disparity_raw: Any, depth_shift: float = 1e-4, clip: float = 1e-6) -> np.ndarray:
    """The code's depth from a MiDaS relative disparity ``D``:
    ``1 / max(D, clip) + depth_shift``."""
    D = as_array(disparity_raw, "disparity_raw")
    shift = as_scalar(depth_shift, "depth_shift", low=0.0)
    clip = as_scalar(clip, "clip", low=0.0, low_open=True)
    return 1.0 / np.maximum(D, clip) + shift


def depth_to_disparity(depth: Any) -> np.ndarray:
    """``1 / depth`` for positive depths."""
    d = as_array(depth, "depth")
    if np.any(d <= 0):
        raise ValueError(f"depth must be positive, got min {d.min():.3g}")
    return 1.0 / d


def normalise_video(x: Any) -> np.ndarray:
    """Min-max normalisation over the *whole* array (every frame together), as the
    outpainter's depth channel: ``(x - min) / (max - min)``."""
    a = as_array(x, "x")
    lo, hi = a.min(), a.max()
    if hi == lo:
        raise ValueError("x is constant: min-max normalisation is undefined")
    return (a - lo) / (hi - lo)


# -- training masks ---------------------------------------------------------------------------
def outpaint_mask(height: int, width: int, seed: Any, border: Sequence[float] = (0.4, 0.4, 0.4, 0.4)
                  ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """One mask of ``MaskGenerator_be_your_outpainter``: border fractions
    ``l, r, t, b ~ U(0, border)`` floored to pixels (``int(l * W)`` ...); the inner box
    ``[t:H-b, l:W-r]`` is kept, the rest masked. Returns ``(mask (H, W) True = masked,
    (l, r, t, b))``."""
    height = as_int(height, "height", low=1)
    width = as_int(width, "width", low=1)
    bd = as_array(border, "border", shape=(4,))
    if np.any(bd < 0) or bd[0] + bd[1] > 1 or bd[2] + bd[3] > 1:
        raise ValueError(f"border fractions must be >= 0 with l + r <= 1 and t + b <= 1, got {bd}")
    rng = as_rng(seed)
    lf, rf, tf, bf = rng.random(4) * bd
    l, r, t, b = int(lf * width), int(rf * width), int(tf * height), int(bf * height)
    mask = np.ones((height, width), dtype=bool)
    mask[t:height - b, l:width - r] = False
    return mask, (l, r, t, b)


def apply_outpaint_mask(video: Any, mask: Any, *, hold_input_image: bool = True
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Apply a training mask to a video ``(F, H, W, C)``: with ``hold_input_image`` the
    masked pixels of frames ``>= 1`` are overwritten with frame 0's pixels and frame 0
    is never masked; otherwise masked pixels become 0. Returns
    ``(masked video, video mask (F, H, W))``."""
    v = as_array(video, "video", ndim=4)
    m = np.asarray(mask, dtype=bool)
    if m.shape != v.shape[1:3]:
        raise ValueError(f"mask must have shape {v.shape[1:3]}, got {m.shape}")
    out = v.copy()
    vm = np.zeros(v.shape[:3], dtype=bool)
    if hold_input_image:
        vm[1:] = m
        out[1:][vm[1:]] = np.broadcast_to(v[0], v[1:].shape)[vm[1:]]
    else:
        vm[:] = m
        out[vm] = 0.0
    return out, vm


def mask_fraction_draws(n_draws: int, height: int, width: int, seed: Any,
                        border: Sequence[float] = (0.4, 0.4, 0.4, 0.4)) -> np.ndarray:
    """Masked fractions of ``n_draws`` independent masks of :func:`outpaint_mask`,
    vectorised (the same flooring, without building the masks)."""
    n = as_int(n_draws, "n_draws", low=1)
    height = as_int(height, "height", low=1)
    width = as_int(width, "width", low=1)
    bd = as_array(border, "border", shape=(4,))
    rng = as_rng(seed)
    f = rng.random((n, 4)) * bd
    l, r = np.floor(f[:, 0] * width), np.floor(f[:, 1] * width)
    t, b = np.floor(f[:, 2] * height), np.floor(f[:, 3] * height)
    return 1.0 - (width - l - r) * (height - t - b) / (width * height)
