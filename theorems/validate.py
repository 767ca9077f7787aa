"""Input validation shared by the closed forms (``theorems``) and the simulators
(``numerics``).

This is a leaf module (numpy only): both layers import it, so every public function
reports bad input the same way: ``TypeError`` for the wrong kind of object,
``ValueError`` naming the argument and the expected range for a wrong value (shape,
sign, symmetry, NaN).
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "as_complex",
    "as_matrix",
    "as_square",
    "as_symmetric",
    "as_psd",
    "as_scalar",
    "as_times",
    "as_int",
    "as_rng",
]


def as_array(x: Any, name: str, *, ndim: int | None = None, shape: tuple | None = None,
             finite: bool = True, allow_empty: bool = False) -> np.ndarray:
    """``x`` as a float64 array, checked for dimension, shape and finiteness."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}")
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array ({exc})") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if shape is not None:
        for i, (got, want) in enumerate(zip(a.shape, shape)):
            if want is not None and got != want:
                raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
        if len(shape) != a.ndim:
            raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
    if not allow_empty and a.size == 0:
        raise ValueError(f"{name} must not be empty")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return a


def as_complex(x: Any, name: str, *, ndim: int | tuple[int, ...] | None = None,
               min_ndim: int = 0) -> np.ndarray:
    """``x`` as a finite complex128 array (real input is accepted).

    ``ndim`` restricts the number of dimensions to one value or a tuple of values;
    ``min_ndim`` asks for at least that many.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}")
    try:
        a = np.asarray(x, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, got shape {a.shape}")
    if a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return a


def as_matrix(x: Any, name: str, **kw: Any) -> np.ndarray:
    return as_array(x, name, ndim=2, **kw)


def as_square(x: Any, name: str) -> np.ndarray:
    a = as_matrix(x, name)
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be square, got shape {a.shape}")
    return a


def as_symmetric(x: Any, name: str, rtol: float = 1e-10) -> np.ndarray:
    """A square matrix equal to its transpose up to ``rtol`` (relative to its norm)."""
    a = as_square(x, name)
    scale = max(1.0, float(np.max(np.abs(a))))
    if np.max(np.abs(a - a.T)) > rtol * scale:
        raise ValueError(f"{name} must be symmetric (max |A - A^T| = {np.max(np.abs(a - a.T)):.3g})")
    return 0.5 * (a + a.T)


def as_psd(x: Any, name: str, rtol: float = 1e-10, *, definite: bool = False) -> np.ndarray:
    """A symmetric positive semidefinite (``definite=True``: definite) matrix."""
    a = as_symmetric(x, name, rtol)
    lam = np.linalg.eigvalsh(a)
    scale = max(1e-300, float(np.max(np.abs(lam))))
    if lam[0] < -rtol * scale * a.shape[0]:
        raise ValueError(f"{name} must be positive semidefinite (smallest eigenvalue {lam[0]:.3g})")
    if definite and lam[0] <= 0:
        raise ValueError(f"{name} must be positive definite (smallest eigenvalue {lam[0]:.3g})")
    return a


def as_scalar(x: Any, name: str, *, low: float | None = None, high: float | None = None,
              low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number, optionally inside ``[low, high]`` (open ends on request)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.ndarray)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    if isinstance(x, np.ndarray):
        if x.size != 1:
            raise TypeError(f"{name} must be a scalar, got an array of shape {x.shape}")
        x = x.item()
    v = float(x)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {v}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {v}")
    return v


def as_times(t: Any, name: str = "t") -> np.ndarray:
    """Non-negative finite times as a float64 array (scalars become 0-d arrays)."""
    a = as_array(t, name)
    if np.any(a < 0):
        raise ValueError(f"{name} must be non-negative, got min {a.min():.3g}")
    return a


def as_int(n: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral,)):
        raise TypeError(f"{name} must be an integer, got {type(n).__name__}")
    v = int(n)
    if low is not None and v < low:
        raise ValueError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {v}")
    return v


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a ``SeedSequence`` or a Generator.

    ``None`` is refused: every simulation in theorycheck is seeded explicitly.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError(f"{name} must be given explicitly (an int, SeedSequence or Generator)")
    if isinstance(seed, (numbers.Integral, np.random.SeedSequence)) and not isinstance(seed, bool):
        if isinstance(seed, numbers.Integral) and seed < 0:
            raise ValueError(f"{name} must be non-negative, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(f"{name} must be an int, SeedSequence or Generator, got {type(seed).__name__}")
