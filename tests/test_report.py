"""The report renderer and the command line, from small evidence files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import theorems
from theorycheck import cli
from theorycheck.report import MARKER, ReportError, aggregate, load_evidence, render


def _evidence(tmp_path: Path, extra: list[dict] | None = None) -> Path:
    c = theorems.all_claims()[0]
    recs = [
        {"schema": 1, "record": "provenance", "python": "3.x", "packages": {"numpy": "x"}, "git": {"sha": "abc"}},
        {"schema": 1, "record": "claim", "claim_id": c.id, "paper": c.paper, "status": c.status.value,
         "kind": c.kind.value, "outcome": "holds", "false_variant_outcome": "fails", "printed_outcome": None,
         "theoretical": 1.0, "measured": 0.9, "margin": 1.11, "reason": "ok", "tolerance": "1e-9 (round-off)",
         "params": {"n": 3}, "seed": 7, "scale": "full", "runtime_s": 0.1,
         "figure": {"title": "t", "xlabel": "x", "ylabel": "y", "x": [1, 2, 3],
                    "series": [{"label": "measured", "y": [1, 2, 3], "role": "measured"},
                               {"label": "bound", "y": [2, 3, 4], "role": "bound"}]}},
        {"schema": 1, "record": "experiment", "paper": c.paper, "experiment_id": "fig1", "title": "Figure 1",
         "expected": "sigmoids", "observed": "sigmoids", "seed": 0, "scale": "full",
         "figure": {"x": [0, 1], "series": [{"label": "a", "y": [0, 1]}], "logy": True}},
    ] + (extra or [])
    p = tmp_path / "ev.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    return p


def test_render_writes_all_artefacts(tmp_path):
    ev = _evidence(tmp_path)
    out = tmp_path / "rep"
    summary = render(ev, out)
    html = (out / "index.html").read_text()
    c = theorems.all_claims()[0]
    assert c.id in html and "rejected" in html and "BibTeX" in html and "abc" in html
    assert (out / "figures" / f"{c.id}-0.svg").read_text().lstrip().startswith("<?xml")
    assert (out / "evidence.jsonl").read_text() == ev.read_text()
    s = json.loads((out / "summary.json").read_text())
    assert s["claims"][c.id]["outcome"] == "holds" and s["totals"]["experiments"] == 1
    # every registered claim appears, those without evidence as "not run"
    assert summary["totals"]["claims"] == len(theorems.all_claims())
    assert summary["totals"]["not_run"] == len(theorems.all_claims()) - 1
    for claim in theorems.all_claims():
        assert claim.id in html


def test_rerender_replaces_own_report_but_never_a_foreign_directory(tmp_path):
    ev = _evidence(tmp_path)
    out = tmp_path / "rep"
    render(ev, out)
    (out / "stale.txt").write_text("old")
    render(ev, out)
    assert not (out / "stale.txt").exists() and (out / MARKER).exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(ReportError, match="not written by theorycheck"):
        render(ev, foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"
    afile = tmp_path / "notadir"
    afile.write_text("precious")
    with pytest.raises(ReportError, match="not a directory"):
        render(ev, afile)
    assert afile.read_text() == "precious"
    assert not list(tmp_path.glob(".*tmp-*")), "temporary directories are cleaned up"


def test_bad_evidence_is_reported(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"schema": 2, "record": "claim"}\n')
    with pytest.raises(ReportError, match="schema"):
        load_evidence(p)
    p.write_text("not json\n")
    with pytest.raises(ReportError, match="not JSON"):
        load_evidence(p)
    ev = _evidence(tmp_path, [{"schema": 1, "record": "claim", "claim_id": "nope.x", "paper": "nope",
                               "status": "as_printed", "kind": "bound", "outcome": "holds"}])
    with pytest.raises(ReportError, match="does not know"):
        render(ev, tmp_path / "r2")
    with pytest.raises(ReportError, match="does not exist"):
        load_evidence(tmp_path / "missing.jsonl")


def test_aggregate_worst_outcome_and_refutation():
    c = theorems.all_claims()[0]
    base = {"claim_id": c.id, "margin": 2.0}
    recs = [{**base, "outcome": "holds", "false_variant_outcome": "holds"},
            {**base, "outcome": "fails", "false_variant_outcome": "fails", "margin": 0.5}]
    s = aggregate([c], recs)[c.id]
    assert s["outcome"] == "fails" and s["false_variant_outcome"] == "fails" and s["margin"] == 0.5


def test_cli_list_show_report(tmp_path, capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for c in theorems.all_claims():
        assert c.id in out
    c = theorems.all_claims()[0]
    assert cli.main(["show", c.id]) == 0
    assert "false variant" in capsys.readouterr().out
    assert cli.main(["show", "no.such"]) == 2
    ev = _evidence(tmp_path)
    assert cli.main(["report", str(ev), "--out", str(tmp_path / "r")]) == 0
    assert "index.html" in capsys.readouterr().out
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "x").write_text("keep")
    assert cli.main(["report", str(ev), "--out", str(foreign)]) == 2


def test_run_end_to_end(tmp_path, capsys):
    out = tmp_path / "r"
    rc = cli.main(["run", "--paper", "incremental_learning", "--out", str(out), "--",
                   "-k", "test_w_dynamics and not property"])
    assert rc == 0
    assert "Report:" in capsys.readouterr().out
    s = json.loads((out / "summary.json").read_text())
    assert s["claims"]["incremental_learning.w_dynamics"]["outcome"] == "holds"
    assert "numpy" in s["provenance"]["packages"] and "git" in s["provenance"]
    assert "incremental_learning.w_dynamics" in (out / "index.html").read_text()
