"""Run a function over a parameter grid.

One interface, :func:`run_sweep`, with two back ends:

* local processes (default): a :class:`concurrent.futures.ProcessPoolExecutor` whose
  workers pin their BLAS/OpenMP thread pools to one thread each, so that ``p`` workers
  use ``p`` cores rather than ``p`` times the machine;
* an existing Dask cluster, only when the caller names its address (``dask`` is an
  optional extra and is never imported otherwise).

Results come back in grid order, whatever order the workers finish in, so a sweep is as
reproducible as the function it maps (give each point its own seed).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from itertools import product
from typing import Any

from numerics._optional import require

__all__ = ["grid", "run_sweep", "pin_threads"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """The Cartesian product of named axes, as a list of parameter dicts."""
    names = list(axes)
    values = [list(v) for v in axes.values()]
    for n, v in zip(names, values):
        if not v:
            raise ValueError(f"axis {n!r} is empty")
    return [dict(zip(names, combo)) for combo in product(*values)]


def pin_threads() -> None:
    """Limit BLAS and OpenMP pools of this process to one thread (worker initialiser)."""
    for v in _THREAD_VARS:
        os.environ[v] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a core requirement
        return
    threadpool_limits(1)


def _call(fn: Callable[..., Any], params: Mapping[str, Any]) -> Any:
    return fn(**params)


def run_sweep(
    fn: Callable[..., Any],
    points: Iterable[Mapping[str, Any]],
    *,
    processes: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Evaluate ``fn(**point)`` for every point and return the results in order.

    Parameters
    ----------
    fn : a picklable (module-level) function.
    points : parameter dicts, e.g. from :func:`grid`.
    processes : worker processes; ``1`` runs in this process (no pickling), ``None`` uses
        the number of available cores.
    dask_address : address of an existing Dask scheduler (``"tcp://host:8786"``); needs
        the ``dask`` extra.
    progress : ``progress(done, total)`` called as results arrive.
    """
    pts = [dict(p) for p in points]
    total = len(pts)
    if dask_address is not None:
        Client = require("dask.distributed", "dask", "dask_address").Client
        with Client(dask_address) as client:
            futures = [client.submit(_call, fn, p, pure=False) for p in pts]
            out = client.gather(futures)
        if progress:
            progress(total, total)
        return list(out)
    if processes is None:
        processes = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if processes < 1:
        raise ValueError(f"processes must be >= 1, got {processes}")
    if processes == 1 or total <= 1:
        out = []
        for i, p in enumerate(pts):
            out.append(_call(fn, p))
            if progress:
                progress(i + 1, total)
        return out
    results: list[Any] = [None] * total
    with ProcessPoolExecutor(max_workers=min(processes, total), initializer=pin_threads) as ex:
        futs = {ex.submit(_call, fn, p): i for i, p in enumerate(pts)}
        done = 0
        from concurrent.futures import as_completed

        for f in as_completed(futs):
            results[futs[f]] = f.result()
            done += 1
            if progress:
                progress(done, total)
    return results
