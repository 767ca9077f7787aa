"""Optional dependencies, imported only where a code path needs them.

The package's core needs numpy, scipy, sympy, networkx and scikit-learn only. torch (the
``torch`` extra), pandapower (``power``), gensim (``text``) and dask (``dask``) back
particular backends or stand-ins; each is imported at the point of use through
:func:`require`, so that a missing extra fails there with a message naming the extra to
install, and never at import time of the package.
"""
from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise ``ImportError`` naming ``purpose`` and the extra to install.

    Examples
    --------
    >>> require("numpy", "core", "this example").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{purpose} needs the optional dependency '{module.split('.')[0]}' "
                          f"(pip install 'theorycheck[{extra}]')") from exc
