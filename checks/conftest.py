"""pytest plumbing for the claim checks.

* ``--thorough`` runs the larger sweeps (tests marked ``thorough``) and the
  ``thorough`` Hypothesis profile.
* ``--evidence PATH`` records every verdict as one JSON object per line (schema 1, see
  ``ARCHITECTURE.md``); the file is written atomically when the session ends.
* The ``verify`` fixture is the one protocol every claim test follows: judge the claim,
  its false variant (and, for a corrected claim, the printed form) on the SAME evidence,
  record all verdicts, then assert that the claim holds and the false variant fails.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from theorems import Claim, Outcome, Status
from theorems._claim import _jsonable

SCHEMA = 1

settings.register_profile(
    "ci", derandomize=True, max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                             HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                             HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                             HealthCheck.function_scoped_fixture],
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("theorycheck")
    group.addoption("--thorough", action="store_true", default=False,
                    help="run the larger sweeps and the thorough Hypothesis profile")
    group.addoption("--evidence", action="store", default=None, metavar="PATH",
                    help="write every verdict to PATH as JSON Lines (schema 1)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): the test checks the claim with this ID")
    config.addinivalue_line("markers", "thorough: a larger sweep, run only with --thorough")
    config.addinivalue_line("markers", "experiment(id): reproduces a figure or table of a paper")
    profile = "thorough" if config.getoption("--thorough") else os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(profile)
    path = config.getoption("--evidence")
    if path:
        p = Path(path)
        if p.exists() and p.stat().st_size > 0:
            with p.open() as fh:
                first = fh.readline()
            if not first.startswith('{"schema": 1'):
                raise pytest.UsageError(f"--evidence {path}: the file exists and is not a theorycheck evidence file; "
                                        "refusing to overwrite it")
    config._tc_records = []  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--thorough"):
        return
    skip = pytest.mark.skip(reason="larger sweep: run with --thorough")
    for item in items:
        if "thorough" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--evidence")
    records = getattr(session.config, "_tc_records", None)
    if not path or records is None:
        return
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".evidence-", suffix=".tmp")
    from theorycheck.provenance import collect

    header = {"schema": SCHEMA, "record": "provenance", **collect(), "exitstatus": int(exitstatus),
              "thorough": bool(session.config.getoption("--thorough"))}
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(_jsonable(header)) + "\n")
        for rec in records:
            fh.write(json.dumps(rec, sort_keys=False) + "\n")
    os.replace(tmp, p)


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Checks multiply small matrices: one BLAS thread per process is faster than a
    pool that spins on a shared 2-core machine, and makes timings repeatable."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def thorough(pytestconfig: pytest.Config) -> bool:
    """True under ``--thorough``: tests may enlarge their grids."""
    return bool(pytestconfig.getoption("--thorough"))


def _outcome(v: Any) -> str | None:
    return None if v is None else v.outcome.value


def _thin(figure: dict[str, Any] | None, max_points: int = 400) -> dict[str, Any] | None:
    """Downsample long curves so the evidence file stays small."""
    if figure is None:
        return None
    fig = dict(figure)
    x = np.asarray(fig.get("x", []), dtype=float)
    if x.size > max_points:
        idx = np.unique(np.linspace(0, x.size - 1, max_points).round().astype(int))
        fig["x"] = x[idx]
        fig["series"] = [
            {**s, "y": np.asarray(s["y"], dtype=float)[idx]}
            if "x" not in s and np.asarray(s["y"]).size == x.size else s
            for s in fig.get("series", [])
        ]
    # A series with its own long x is thinned the same way; curves become lists because
    # ``_jsonable`` summarises arrays of more than 64 entries (shape/min/max) and the
    # report could not draw them.
    def as_list(v: Any) -> Any:
        try:
            return np.asarray(v, dtype=float).tolist()
        except (TypeError, ValueError):  # not numeric (labels): leave as given
            return v

    series = []
    for s in fig.get("series", []):
        s = dict(s)
        if "x" in s and "y" in s:
            sx, sy = as_list(s["x"]), as_list(s["y"])
            if isinstance(sx, list) and isinstance(sy, list) and len(sx) == len(sy) > max_points:
                idx = np.unique(np.linspace(0, len(sx) - 1, max_points).round().astype(int))
                sx, sy = [sx[i] for i in idx], [sy[i] for i in idx]
            s["x"], s["y"] = sx, sy
        elif "y" in s:
            s["y"] = as_list(s["y"])
        series.append(s)
    if "series" in fig:
        fig["series"] = series
    if "x" in fig:
        fig["x"] = as_list(fig["x"])
    return _jsonable(fig)


class Verifier:
    """Judge-record-assert, the protocol of every claim test."""

    def __init__(self, config: pytest.Config, node: pytest.Item) -> None:
        self._records: list = getattr(config, "_tc_records", [])
        self._node = node
        self._t0 = time.perf_counter()

    def _record(self, rec: dict[str, Any]) -> None:
        rec["runtime_s"] = round(time.perf_counter() - self._t0, 4)
        rec["test"] = self._node.nodeid
        self._records.append(_jsonable(rec))

    def __call__(
        self,
        claim: Claim,
        evidence: dict[str, Any],
        *,
        seed: Any = None,
        params: dict[str, Any] | None = None,
        tolerance: str = "",
        scale: str = "full",
        figure: dict[str, Any] | None = None,
        printed_expected: str = "fails",
        record: bool = True,
        allow_inconclusive: bool = False,
    ):
        """Judge ``claim``, its false variant and (if corrected) its printed form on
        ``evidence``; record the verdicts; assert the claim holds and the variant fails.

        ``tolerance`` states the tolerance and its rationale (integrator error,
        Monte-Carlo standard error, finite-size effect). ``printed_expected`` is what
        the printed form of a corrected claim must do on this evidence: ``"fails"`` where
        the evidence contains the card's counterexample, ``"any"`` where the correction
        cannot be separated numerically (the report shows the outcome either way).
        """
        if not claim.checkable:
            raise ValueError(f"{claim.id} is not checkable: use verify.not_checkable")
        v = claim.judge(evidence)
        fv = claim.false_variant.judge(evidence)
        pv = claim.printed.judge(evidence) if claim.printed is not None else None
        if record:
            self._record({
                "schema": SCHEMA,
                "record": "claim",
                "claim_id": claim.id,
                "paper": claim.paper,
                "status": claim.status.value,
                "kind": claim.kind.value,
                "outcome": v.outcome.value,
                "false_variant_outcome": fv.outcome.value,
                "printed_outcome": _outcome(pv),
                "theoretical": v.theoretical,
                "measured": v.measured,
                "margin": v.margin,
                "reason": v.reason,
                "false_variant_reason": fv.reason,
                "printed_reason": None if pv is None else pv.reason,
                "window": v.window,
                "worst": v.worst,
                "tolerance": tolerance,
                "params": params or {},
                "seed": seed,
                "scale": scale,
                "figure": _thin(figure),
            })
        if v.inconclusive and allow_inconclusive:
            pytest.xfail(f"{claim.id} inconclusive: {v.reason}")
        assert v.holds, f"{claim.id} does not hold: {v.reason}"
        assert fv.fails, f"{claim.id}: the false variant was not rejected ({fv.outcome.value}): {fv.reason}"
        if pv is not None and printed_expected == "fails":
            assert pv.fails, f"{claim.id}: the printed form was not rejected on the counterexample: {pv.reason}"
        return v, fv, pv

    def not_checkable(self, claim: Claim, *, evidence: dict[str, Any] | None = None,
                      phenomenon: str = "", seed: Any = None, params: dict[str, Any] | None = None,
                      figure: dict[str, Any] | None = None) -> None:
        """Record a not_checkable claim with its reason (and an optional phenomenon
        measurement, which is reported but not asserted as the theorem)."""
        if claim.status is not Status.NOT_CHECKABLE:
            raise ValueError(f"{claim.id} is checkable: use verify(...)")
        self._record({
            "schema": SCHEMA, "record": "claim", "claim_id": claim.id, "paper": claim.paper,
            "status": claim.status.value, "kind": claim.kind.value,
            "outcome": Outcome.NOT_CHECKED.value, "false_variant_outcome": None, "printed_outcome": None,
            "theoretical": None, "measured": (evidence or {}).get("measured"), "margin": None,
            "reason": claim.reason_not_checkable + (f" Phenomenon measured: {phenomenon}" if phenomenon else ""),
            "tolerance": "", "params": params or {}, "seed": seed, "scale": "full", "figure": _thin(figure),
        })

    def experiment(self, paper: str, experiment_id: str, *, title: str, expected: str, observed: str,
                   figure: dict[str, Any], seed: Any = None, params: dict[str, Any] | None = None,
                   scale: str = "full") -> None:
        """Record a reproduced experiment (a paper figure) for the report."""
        self._record({
            "schema": SCHEMA, "record": "experiment", "paper": paper, "experiment_id": experiment_id,
            "title": title, "expected": expected, "observed": observed, "params": params or {},
            "seed": seed, "scale": scale, "figure": _thin(figure, 600),
        })


@pytest.fixture
def verify(request: pytest.FixtureRequest) -> Verifier:
    """See :class:`Verifier`."""
    return Verifier(request.config, request.node)
