"""The sweep executor: order, determinism, back ends."""
import os

import numpy as np
import pytest

from numerics.sweep import grid, run_sweep


def _work(a, seed):
    return a, float(np.random.default_rng(seed).standard_normal()), os.environ.get("OMP_NUM_THREADS")


def test_grid_and_serial_sweep():
    pts = grid(a=[1, 2], seed=[0, 1, 2])
    assert len(pts) == 6 and pts[0] == {"a": 1, "seed": 0}
    out = run_sweep(_work, pts, processes=1)
    assert [o[0] for o in out] == [1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="empty"):
        grid(a=[])


def test_process_sweep_keeps_order_and_pins_threads():
    pts = grid(a=[1, 2, 3], seed=[5])
    done = []
    par = run_sweep(_work, pts, processes=2, progress=lambda d, n: done.append((d, n)))
    ser = run_sweep(_work, pts, processes=1)
    assert [p[:2] for p in par] == [s[:2] for s in ser]
    assert all(p[2] == "1" for p in par)
    assert done[-1] == (3, 3)


def test_dask_needs_the_extra():
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="dask"):
            run_sweep(_work, grid(a=[1], seed=[0]), dask_address="tcp://127.0.0.1:1")
    else:  # pragma: no cover - with the extra installed, an unreachable address fails fast
        with pytest.raises(OSError):
            run_sweep(_work, grid(a=[1], seed=[0]), dask_address="tcp://127.0.0.1:1")


def test_require_names_the_extra():
    from numerics._optional import require

    assert require("numpy", "core", "x").__name__ == "numpy"
    with pytest.raises(ImportError, match=r"feature X needs the optional dependency 'no_such_module_tc' "
                                          r"\(pip install 'theorycheck\[extra1\]'\)"):
        require("no_such_module_tc.sub", "extra1", "feature X")
