"""Render the static report from an evidence file.

``render(evidence, out)`` writes, atomically:

* ``out/index.html``: one section per paper, one row per registered claim (status,
  verdict, measured vs theoretical, margin, false-variant and printed-form verdicts,
  errata, uncertainty), the claims' figures, the reproduced experiments, the paper's
  BibTeX, and the provenance of the run (versions, git SHA, BLAS, seeds);
* ``out/figures/*.svg``: matplotlib figures, one per claim record or experiment that
  carries curve data;
* ``out/evidence.jsonl``: a copy of the evidence;
* ``out/summary.json``: counts per paper and per outcome, machine-readable.

The output directory is built beside ``out`` and swapped in at the end, so a reader never
sees half a report. A directory that exists, is not empty, and was not written by
theorycheck (it lacks the marker file) is never touched.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import theorems
from theorems import Claim, Status

MARKER = ".theorycheck-report"
SCHEMA = 1

__all__ = ["ReportError", "load_evidence", "aggregate", "render", "MARKER"]


class ReportError(RuntimeError):
    """The report cannot be written (unsafe output directory, bad evidence)."""


# -- evidence ---------------------------------------------------------------------------
def load_evidence(path: str | os.PathLike) -> tuple[dict[str, Any] | None, list[dict], list[dict]]:
    """Read an evidence file: ``(provenance, claim_records, experiment_records)``."""
    p = Path(path)
    if not p.is_file():
        raise ReportError(f"evidence file {p} does not exist")
    prov, claims, exps = None, [], []
    with p.open() as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReportError(f"{p}:{lineno}: not JSON ({exc})") from None
            if rec.get("schema") != SCHEMA:
                raise ReportError(f"{p}:{lineno}: unsupported schema {rec.get('schema')!r}")
            kind = rec.get("record", "claim")
            if kind == "provenance":
                prov = rec
            elif kind == "experiment":
                exps.append(rec)
            elif kind == "claim":
                for key in ("claim_id", "paper", "status", "kind", "outcome"):
                    if key not in rec:
                        raise ReportError(f"{p}:{lineno}: claim record lacks {key!r}")
                claims.append(rec)
            else:
                raise ReportError(f"{p}:{lineno}: unknown record type {kind!r}")
    return prov, claims, exps


_ORDER = {"fails": 0, "inconclusive": 1, "not_run": 2, "not_checked": 3, "holds": 4}


def _combine(outcomes: Iterable[str | None]) -> str | None:
    outs = [o for o in outcomes if o is not None]
    if not outs:
        return None
    return min(outs, key=lambda o: _ORDER.get(o, 1))


def aggregate(claims: Iterable[Claim], records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One summary per registered claim: the worst outcome over its recorded points.

    A false variant (or a printed form) is rejected when ANY point rejects it, since one
    counterexample refutes a statement; the claim itself holds only if every point holds.
    """
    by_id: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        by_id[r["claim_id"]].append(r)
    out: dict[str, dict[str, Any]] = {}
    for c in claims:
        recs = by_id.get(c.id, [])
        if not recs:
            outcome = "not_run"
        else:
            outcome = _combine(r["outcome"] for r in recs)
        fv = [r.get("false_variant_outcome") for r in recs if r.get("false_variant_outcome")]
        pr = [r.get("printed_outcome") for r in recs if r.get("printed_outcome")]
        margins = [r["margin"] for r in recs if isinstance(r.get("margin"), (int, float))]
        worst = min(recs, key=lambda r: r["margin"] if isinstance(r.get("margin"), (int, float)) else float("inf"),
                    default=None)
        out[c.id] = {
            "claim": c,
            "records": recs,
            "outcome": outcome,
            "false_variant_outcome": ("fails" if "fails" in fv else _combine(fv)) if fv else None,
            "printed_outcome": ("fails" if "fails" in pr else _combine(pr)) if pr else None,
            "margin": min(margins) if margins else None,
            "worst": worst,
        }
    return out


# -- figures ------------------------------------------------------------------------------
_ROLE_STYLE = {
    "measured": {"color": "C0", "lw": 1.8},
    "theory": {"color": "k", "ls": "--", "lw": 1.2},
    "bound": {"color": "C3", "ls": "--", "lw": 1.4},
    "false_variant": {"color": "C1", "ls": ":", "lw": 1.4},
}


def _plot(figure: Mapping[str, Any], path: Path) -> bool:
    """Draw one figure; returns False (and draws nothing) if it has no curve data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    series = figure.get("series") or []
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    try:
        for i, s in enumerate(series):
            x = np.asarray(s.get("x", figure.get("x", [])), dtype=float)
            y = np.asarray(s.get("y", []), dtype=float)
            if x.size == 0 or x.size != y.size:
                continue
            style = dict(_ROLE_STYLE.get(s.get("role", "measured"), {}))
            if s.get("role", "measured") == "measured":
                style["color"] = f"C{i % 10}"
            if s.get("marker"):
                style["marker"] = s["marker"]
                style.setdefault("ls", "none")
            if figure.get("logy"):
                mask = y > 0
                x, y = x[mask], y[mask]
            ax.plot(x, y, label=s.get("label", ""), **style)
        if figure.get("logx"):
            ax.set_xscale("log")
        if figure.get("logy"):
            ax.set_yscale("log")
        ax.set_xlabel(figure.get("xlabel", ""))
        ax.set_ylabel(figure.get("ylabel", ""))
        ax.set_title(figure.get("title", ""), fontsize=9)
        if any(s.get("label") for s in series):
            ax.legend(fontsize=7, loc="best")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="svg")
    finally:
        plt.close(fig)
    return True


# -- HTML ---------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;
     color:#222;line-height:1.4;padding:0 1em}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:13px;margin:.5em 0 1em;table-layout:fixed}
th,td{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
table.claims col.c1{width:17%} table.claims col.c2{width:20%} table.claims col.c3{width:7%}
table.claims col.c4{width:7%} table.claims col.c5,table.claims col.c6,table.claims col.c7{width:7%}
table.claims col.c8{width:7%} table.claims col.c9{width:7%} table.claims col.c10{width:14%}
summary{cursor:pointer}
th{background:#f4f4f4} tr:nth-child(even) td{background:#fbfbfb}
.b{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff}
.holds{background:#2e7d32}.fails{background:#c62828}.inconclusive{background:#ef6c00}
.not_checked{background:#6d6d6d}.not_run{background:#9e9e9e}
.fv-fails{background:#2e7d32}.fv-holds{background:#c62828}.fv-inconclusive{background:#ef6c00}
.st{font-size:11px;color:#555}.ours{color:#6a1b9a;font-weight:600}
.note{font-size:12px;color:#444}.unc{font-size:12px;color:#b71c1c;font-weight:600}
.figs{display:flex;flex-wrap:wrap;gap:12px}.figs figure{margin:0;width:380px}
.figs img{width:100%;border:1px solid #eee}.figs figcaption{font-size:11px;color:#444}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}
.summary td{text-align:center}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        s = json.dumps(x)
        return s if len(s) < 60 else s[:57] + "..."
    if isinstance(x, dict):
        s = json.dumps(x)
        return s if len(s) < 60 else s[:57] + "..."
    return "" if x is None else str(x)


def _badge(outcome: str | None, prefix: str = "") -> str:
    if outcome is None:
        return "&ndash;"
    label = outcome.replace("_", " ")
    if prefix == "fv-":
        label = {"fails": "rejected", "holds": "NOT rejected", "inconclusive": "inconclusive"}.get(outcome, label)
    if prefix == "pr-":
        label = {"fails": "printed fails", "holds": "printed holds"}.get(outcome, label)
        prefix = ""
        return f'<span class="b not_checked">{_e(label)}</span>'
    return f'<span class="b {prefix}{_e(outcome)}">{_e(label)}</span>'


_STATUS_LABEL = {
    Status.AS_PRINTED: "as printed",
    Status.CORRECTED: "corrected",
    Status.RECONSTRUCTED: "reconstructed",
    Status.DERIVED: "derived (ours)",
    Status.NOT_CHECKABLE: "not checkable",
}


def _claim_row(s: Mapping[str, Any]) -> str:
    c: Claim = s["claim"]
    worst = s["worst"] or {}
    status = _STATUS_LABEL[c.status]
    if c.status in (Status.DERIVED, Status.RECONSTRUCTED):
        status = f'<span class="ours">{_e(status)}</span>'
    notes = []
    if c.note:
        notes.append(f'<div class="note">{_e(c.note)}</div>')
    if c.uncertain:
        notes.append(f'<div class="unc">UNCERTAIN: {_e(c.uncertain)}</div>')
    if c.reason_not_checkable:
        notes.append(f'<div class="note"><b>Not checkable:</b> {_e(c.reason_not_checkable)}</div>')
    if c.printed is not None:
        notes.append(f'<div class="note"><b>As printed:</b> {_e(c.printed.title or c.printed.statement_text())}</div>')
    if c.false_variant is not None:
        notes.append(f'<div class="note"><b>False variant:</b> '
                     f'{_e(c.false_variant.title or c.false_variant.statement_text())}</div>')
    reason = worst.get("reason", "")
    n = len(s["records"])
    pts = f"<div class='st'>{n} point{'s' if n != 1 else ''}</div>" if n else ""
    return (
        f"<tr id='{_e(c.id)}'><td><code>{_e(c.id)}</code><div class='st'>{_e(c.where)}</div></td>"
        f"<td>{_e(c.title)}<div class='st'>{_e(c.kind.value)}</div></td>"
        f"<td>{status}</td>"
        f"<td>{_badge(s['outcome'])}{pts}</td>"
        f"<td>{_e(_fmt(worst.get('measured')))}</td><td>{_e(_fmt(worst.get('theoretical')))}</td>"
        f"<td>{_e(_fmt(s['margin']))}</td>"
        f"<td>{_badge(s['false_variant_outcome'], 'fv-')}</td>"
        f"<td>{_badge(s['printed_outcome'], 'pr-') if s['printed_outcome'] else '&ndash;'}</td>"
        f"<td class='note'><details><summary>{_e(_short(reason))}</summary>{_e(reason)}"
        f"<div class='st'>tolerance: {_e(worst.get('tolerance', ''))}</div>{''.join(notes)}</details></td></tr>"
    )


def _short(text: str, n: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _html(papers: list, summaries: dict, experiments: list, figs: dict, prov: Mapping | None,
          totals: Mapping[str, int]) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>theorycheck report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>theorycheck report</h1>",
        "<p>Each claim of each paper is simulated, measured and judged; its <em>false variant</em> "
        "(a plausible wrong statement) is judged on the same evidence and must be rejected, which shows "
        "the check can fail. Corrected claims also show the printed form's verdict. "
        "<span class='ours'>derived</span> statements are ours; <span class='ours'>reconstructed</span> "
        "constants were rebuilt from the paper's proofs.</p>",
        "<table class='summary'><tr>" + "".join(f"<th>{_e(k.replace('_', ' '))}</th>" for k in totals)
        + "</tr><tr>" + "".join(f"<td>{v}</td>" for v in totals.values()) + "</tr></table>",
        "<ul>" + "".join(f"<li><a href='#paper-{_e(p.slug)}'>{_e(p.title)}</a></li>" for p in papers) + "</ul>",
    ]
    for p in papers:
        mod_claims = [s for s in summaries.values() if s["claim"].paper == p.slug]
        counts = Counter(s["outcome"] for s in mod_claims)
        parts.append(f"<h2 id='paper-{_e(p.slug)}'>{_e(p.title)}</h2>")
        parts.append(f"<p>{_e(', '.join(p.authors))}. <i>{_e(p.venue)}</i>, {p.year}."
                     + (f" arXiv:{_e(p.arxiv)}." if p.arxiv else "")
                     + (f" <span class='note'>{_e(p.note)}</span>" if p.note else "") + "</p>")
        parts.append("<p>" + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(counts.items())) + "</p>")
        parts.append("<table class='claims'>" + "".join(f"<col class='c{i}'>" for i in range(1, 11))
                     + "<tr><th>claim</th><th>statement</th><th>status</th><th>verdict</th>"
                     "<th>measured</th><th>theoretical</th><th>margin</th><th>false variant</th>"
                     "<th>printed form</th><th>evidence and notes</th></tr>")
        parts.extend(_claim_row(s) for s in mod_claims)
        parts.append("</table>")
        claim_figs = [(cid, f) for cid, fl in figs.items() for f in fl if cid.startswith(p.slug + ".")]
        if claim_figs:
            parts.append("<h3>Bound vs measurement</h3><div class='figs'>")
            for cid, (fname, caption) in claim_figs:
                parts.append(f"<figure><img src='figures/{_e(fname)}' alt='{_e(cid)}'>"
                             f"<figcaption><a href='#{_e(cid)}'>{_e(cid)}</a> {_e(caption)}</figcaption></figure>")
            parts.append("</div>")
        exps = [x for x in experiments if x["paper"] == p.slug]
        if exps:
            parts.append("<h3>Reproduced experiments</h3><div class='figs'>")
            for x in exps:
                img = f"<img src='figures/{_e(x['_fig'])}' alt='{_e(x['experiment_id'])}'>" if x.get("_fig") else ""
                parts.append(
                    f"<figure>{img}<figcaption><b>{_e(x['experiment_id'])}</b>: {_e(x.get('title'))}<br>"
                    f"<b>Paper:</b> {_e(x.get('expected'))}<br><b>Here:</b> {_e(x.get('observed'))}"
                    f"<br><span class='st'>scale: {_e(x.get('scale'))}; seed {_e(x.get('seed'))}</span>"
                    "</figcaption></figure>")
            parts.append("</div>")
        parts.append(f"<details><summary>BibTeX</summary><pre>{_e(p.bibtex())}</pre></details>")
    parts.append("<h2>Provenance</h2>")
    if prov:
        seeds = sorted({json.dumps(r.get("seed")) for s in summaries.values() for r in s["records"]
                        if r.get("seed") is not None})
        parts.append("<pre>" + _e(json.dumps({k: v for k, v in prov.items() if k not in ("schema", "record")},
                                             indent=1)) + "</pre>")
        parts.append(f"<p>Seeds used: {_e(', '.join(seeds))}</p>")
    else:
        parts.append("<p>The evidence file carries no provenance record.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- output directory safety ----------------------------------------------------------------
def _check_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise ReportError(f"{out} exists and is not a directory; refusing to overwrite it")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise ReportError(f"{out} exists, is not empty and was not written by theorycheck; "
                              "choose another --out")


def _swap_in(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def render(evidence: str | os.PathLike, out: str | os.PathLike) -> dict[str, Any]:
    """Render the report for ``evidence`` into directory ``out``; returns the summary."""
    evidence, out = Path(evidence), Path(out)
    prov, records, experiments = load_evidence(evidence)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / "figures").mkdir()
        claims = theorems.all_claims()
        known = {c.id for c in claims}
        unknown = sorted({r["claim_id"] for r in records} - known)
        if unknown:
            raise ReportError(f"evidence names claims the registry does not know: {unknown[:5]}")
        summaries = aggregate(claims, records)
        figs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for cid, s in summaries.items():
            for i, r in enumerate(s["records"]):
                if r.get("figure"):
                    fname = f"{cid}-{i}.svg"
                    if _plot(r["figure"], tmp / "figures" / fname):
                        figs[cid].append((fname, r["figure"].get("note", "") or _fmt(r.get("params"))))
        for i, x in enumerate(experiments):
            if x.get("figure"):
                fname = f"{x['paper']}.{x['experiment_id']}-{i}.svg"
                if _plot(x["figure"], tmp / "figures" / fname):
                    x["_fig"] = fname
        papers = list(theorems.papers())
        totals = Counter(s["outcome"] for s in summaries.values())
        total_row = {"claims": len(summaries), **{k: totals.get(k, 0) for k in
                     ("holds", "fails", "inconclusive", "not_checked", "not_run")},
                     "false variants rejected": sum(1 for s in summaries.values()
                                                    if s["false_variant_outcome"] == "fails"),
                     "experiments": len(experiments)}
        (tmp / "index.html").write_text(_html(papers, summaries, experiments, figs, prov, total_row))
        shutil.copyfile(evidence, tmp / "evidence.jsonl")
        summary = {
            "schema": SCHEMA,
            "totals": total_row,
            "papers": {
                p.slug: dict(Counter(s["outcome"] for s in summaries.values() if s["claim"].paper == p.slug))
                for p in papers
            },
            "claims": {
                cid: {"outcome": s["outcome"], "false_variant_outcome": s["false_variant_outcome"],
                      "printed_outcome": s["printed_outcome"], "status": s["claim"].status.value,
                      "kind": s["claim"].kind.value, "margin": s["margin"], "points": len(s["records"])}
                for cid, s in summaries.items()
            },
            "experiments": [x["paper"] + "." + x["experiment_id"] for x in experiments],
            "provenance": prov,
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
        (tmp / MARKER).write_text("written by theorycheck; the directory is replaced on each run\n")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary
