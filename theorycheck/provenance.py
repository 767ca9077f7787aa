"""What produced a set of verdicts: versions, git commit, BLAS, platform."""
from __future__ import annotations

import datetime as _dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("theorycheck", "numpy", "scipy", "sympy", "mpmath", "matplotlib", "hypothesis", "pytest",
            "threadpoolctl", "torch", "networkx", "scikit-learn", "dask")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The commit SHA and whether the work tree has uncommitted changes (None outside git)."""
    root = root or Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
        return {"sha": sha, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def blas_info() -> dict[str, Any]:
    """The BLAS/LAPACK numpy was built against and the thread pools in use."""
    info: dict[str, Any] = {}
    try:
        import numpy as np

        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        deps = cfg.get("Build Dependencies", {})
        info["blas"] = {k: deps.get("blas", {}).get(k) for k in ("name", "version")}
        info["lapack"] = {k: deps.get("lapack", {}).get(k) for k in ("name", "version")}
    except Exception:  # pragma: no cover - older numpy
        info["blas"] = None
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads")} for p in threadpool_info()
        ]
    except Exception:  # pragma: no cover
        info["threadpools"] = None
    return info


def collect(argv: list[str] | None = None) -> dict[str, Any]:
    """A JSON-serialisable provenance record."""
    return {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": {p: v for p in PACKAGES if (v := _version(p)) is not None},
        "git": git_state(),
        "blas": blas_info(),
        "argv": list(argv if argv is not None else sys.argv),
    }
