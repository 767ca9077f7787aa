"""Speed measurements: collected with the rest of ``tests/`` but skipped unless the marker
expression selects them (``pytest tests/benchmarks -m benchmark``, ``make benchmark``)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "benchmark" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="speed measurement: run with -m benchmark")
    for item in items:
        if "benchmark" in item.keywords:
            item.add_marker(skip)
