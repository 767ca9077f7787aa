"""Input validation: every public function reports bad input the same way."""
import numpy as np
import pytest

from theorems import validate as v


def test_as_array_rejects_nan_shape_type():
    with pytest.raises(ValueError, match="Y contains NaN"):
        v.as_array([1.0, np.nan], "Y")
    with pytest.raises(ValueError, match="Y must be 2-dimensional"):
        v.as_array([1.0, 2.0], "Y", ndim=2)
    with pytest.raises(ValueError, match=r"Y must have shape \(2, None\)"):
        v.as_array(np.zeros((3, 2)), "Y", shape=(2, None))
    with pytest.raises(TypeError, match="Y must be a numeric array"):
        v.as_array("abc", "Y")
    with pytest.raises(ValueError, match="must not be empty"):
        v.as_array([], "Y")


def test_symmetric_and_psd():
    with pytest.raises(ValueError, match="Y must be square"):
        v.as_symmetric(np.zeros((2, 3)), "Y")
    with pytest.raises(ValueError, match="Y must be symmetric"):
        v.as_symmetric([[1.0, 2.0], [0.0, 1.0]], "Y")
    with pytest.raises(ValueError, match="W0 must be positive semidefinite"):
        v.as_psd([[1.0, 0.0], [0.0, -1.0]], "W0")
    with pytest.raises(ValueError, match="W0 must be positive definite"):
        v.as_psd([[1.0, 0.0], [0.0, 0.0]], "W0", definite=True)
    a = v.as_psd([[2.0, 1.0], [1.0, 2.0]], "W0")
    assert np.array_equal(a, a.T)


def test_scalars_times_ints_rng():
    with pytest.raises(ValueError, match="alpha must be > 0"):
        v.as_scalar(0.0, "alpha", low=0, low_open=True)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        v.as_scalar("1", "alpha")
    with pytest.raises(TypeError):
        v.as_scalar(True, "alpha")
    with pytest.raises(ValueError, match="alpha must be finite"):
        v.as_scalar(float("nan"), "alpha")
    with pytest.raises(ValueError, match="t must be non-negative"):
        v.as_times([-1.0, 2.0])
    with pytest.raises(TypeError, match="n must be an integer"):
        v.as_int(2.5, "n")
    with pytest.raises(ValueError, match="n must be >= 1"):
        v.as_int(0, "n", low=1)
    with pytest.raises(ValueError, match="seed must be given"):
        v.as_rng(None)
    with pytest.raises(ValueError, match="non-negative"):
        v.as_rng(-1)
    assert v.as_rng(3).standard_normal() == np.random.default_rng(3).standard_normal()
    g = np.random.default_rng(1)
    assert v.as_rng(g) is g


def test_as_complex():
    assert v.as_complex([1, 2j], "s").dtype == complex
    with pytest.raises(ValueError, match="s must have 0 or 1 dimensions"):
        v.as_complex(np.ones((2, 2)), "s", ndim=(0, 1))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        v.as_complex(1.0, "s", min_ndim=1)
    with pytest.raises(ValueError, match="s contains NaN"):
        v.as_complex([np.nan], "s")
    with pytest.raises(TypeError, match="s must be a numeric array"):
        v.as_complex("x", "s")
