"""The check protocol itself: a check whose false variant survives must fail, evidence
is recorded, and a foreign evidence file is never overwritten."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TOY = '''
import numpy as np
import pytest
from theorems import Claim, judges

def make(k_false, status="as_printed", printed=None):
    return Claim(id="toy.c", paper="toy", where="eq. 1", kind="identity", status=status,
                 theory_fn=lambda k, x: k * x, constants={"k": 2.0}, judge_fn=judges.agree(1e-12),
                 false_variant={"title": "wrong k", "constants": {"k": k_false}}, printed=printed)

EV = {"measured": 2.0 * np.arange(4.0), "inputs": {"x": np.arange(4.0)}}

@pytest.mark.claim("toy.c")
def test_good(verify):
    verify(make(3.0), EV, seed=1, tolerance="1e-12: exact", figure={"x": [0, 1], "series": [{"y": [0, 2]}]})

def test_false_variant_not_rejected(verify):
    verify(make(2.0 + 1e-15), EV, seed=1)

def test_printed_form_must_fail(verify):
    verify(make(3.0, status="corrected", printed={"constants": {"k": 2.0}}), EV, seed=1)

def test_not_checkable(verify):
    c = Claim(id="toy.n", paper="toy", where="", kind="probabilistic", status="not_checkable",
              reason_not_checkable="conditional")
    verify.not_checkable(c, phenomenon="held in 9/10 draws")
'''


@pytest.fixture
def checks_dir(pytester):
    shutil.copy(ROOT / "checks" / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(test_toy=TOY)
    return pytester


def test_protocol_records_and_rejects(checks_dir):
    ev = checks_dir.path / "ev.jsonl"
    res = checks_dir.runpytest(f"--evidence={ev}", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=2)
    res.stdout.fnmatch_lines(["*false variant was not rejected*", "*printed form was not rejected*"])
    lines = [json.loads(x) for x in ev.read_text().splitlines()]
    assert lines[0]["record"] == "provenance" and "numpy" in lines[0]["packages"]
    claims = [x for x in lines if x["record"] == "claim"]
    good = claims[0]
    required = {"schema", "claim_id", "paper", "status", "kind", "outcome", "false_variant_outcome",
                "printed_outcome", "theoretical", "measured", "margin", "reason", "tolerance", "params",
                "seed", "scale", "runtime_s", "figure"}
    assert required <= set(good)
    assert good["outcome"] == "holds" and good["false_variant_outcome"] == "fails" and good["seed"] == 1
    nc = [x for x in claims if x["claim_id"] == "toy.n"][0]
    assert nc["outcome"] == "not_checked" and "conditional" in nc["reason"] and "9/10" in nc["reason"]


def test_foreign_evidence_file_is_not_overwritten(checks_dir):
    target = checks_dir.path / "notes.txt"
    target.write_text("my notes\n")
    res = checks_dir.runpytest(f"--evidence={target}", "-p", "no:cacheprovider")
    assert res.ret != 0
    assert target.read_text() == "my notes\n"
