"""The ``theorycheck`` command.

    theorycheck run [--thorough] [--out DIR] [--paper SLUG ...] [-- PYTEST_ARGS]
    theorycheck report EVIDENCE --out DIR
    theorycheck list [--paper SLUG] [--status STATUS]
    theorycheck show CLAIM_ID
    theorycheck docs [--out docs/claims.md] [--check]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import theorems

from . import __version__
from .report import ReportError, render

ROOT = Path(__file__).resolve().parent.parent


def _checks_dir(explicit: str | None) -> Path:
    for cand in ([Path(explicit)] if explicit else [Path.cwd() / "checks", ROOT / "checks"]):
        if (cand / "conftest.py").is_file():
            return cand
    raise SystemExit("cannot find the checks/ directory; run from the theorycheck source tree or pass --checks")


def cmd_run(args: argparse.Namespace) -> int:
    checks = _checks_dir(args.checks)
    out = Path(args.out)
    targets = [str(checks)] if not args.paper else [str(checks / f"test_{slug}.py") for slug in args.paper]
    for t in targets:
        if not Path(t).exists():
            raise SystemExit(f"no checks for {t}")
    with tempfile.TemporaryDirectory(prefix="theorycheck-") as tmp:
        ev = Path(tmp) / "evidence.jsonl"
        cmd = [sys.executable, "-m", "pytest", *targets, f"--evidence={ev}", "-p", "no:cacheprovider",
               f"--rootdir={checks.parent}", "-q" if not args.verbose else "-v"]
        if args.thorough:
            cmd.append("--thorough")
        cmd.extend(args.pytest_args or [])
        print("running:", " ".join(cmd), flush=True)
        rc = subprocess.call(cmd, cwd=checks.parent)
        if not ev.exists():
            print("the checks wrote no evidence (pytest exit code %d)" % rc, file=sys.stderr)
            return rc or 1
        try:
            summary = render(ev, out)
        except ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    t = summary["totals"]
    print(f"{t['claims']} claims: {t['holds']} hold, {t['fails']} fail, {t['inconclusive']} inconclusive, "
          f"{t['not_checked']} not checkable, {t['not_run']} not run; "
          f"{t['false variants rejected']} false variants rejected")
    print(f"Report: {(out / 'index.html').resolve()}")
    return rc


def cmd_report(args: argparse.Namespace) -> int:
    try:
        summary = render(args.evidence, args.out)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{summary['totals']['claims']} claims rendered")
    print(f"Report: {(Path(args.out) / 'index.html').resolve()}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = [c for c in theorems.all_claims()
            if (not args.paper or c.paper in args.paper) and (not args.status or c.status.value == args.status)]
    width = max((len(c.id) for c in rows), default=10)
    for c in rows:
        print(f"{c.id:<{width}}  {c.kind.value:<13} {c.status.value:<13} {c.title}")
    print(f"{len(rows)} claims", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        claim = theorems.get(args.claim_id)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    print(claim.describe())
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from .docs import claims_table, with_papers_table

    out = Path(args.out)
    index = out.parent / "index.md"
    targets = {out: claims_table()}
    if index.exists():
        targets[index] = with_papers_table(index.read_text())
    stale = [p for p, text in targets.items() if (p.read_text() if p.exists() else "") != text]
    if args.check:
        for p in stale:
            print(f"{p} is out of date: run `theorycheck docs`", file=sys.stderr)
        if not stale:
            print("docs are current")
        return 1 if stale else 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(targets[p])
        print(f"wrote {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="theorycheck", description="Executable checks of research papers' claims.")
    p.add_argument("--version", action="version", version=f"theorycheck {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run every check, record evidence, render the report")
    r.add_argument("--out", default="report", help="report directory (default: report/)")
    r.add_argument("--thorough", action="store_true", help="run the larger sweeps too")
    r.add_argument("--paper", action="append", metavar="SLUG", help="only this paper (repeatable)")
    r.add_argument("--checks", help="the checks/ directory (default: ./checks)")
    r.add_argument("-v", "--verbose", action="store_true")
    r.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    r.set_defaults(func=cmd_run)

    rep = sub.add_parser("report", help="render the report from an evidence file")
    rep.add_argument("evidence")
    rep.add_argument("--out", default="report")
    rep.set_defaults(func=cmd_report)

    ls = sub.add_parser("list", help="list registered claims")
    ls.add_argument("--paper", action="append", metavar="SLUG")
    ls.add_argument("--status", choices=[s.value for s in theorems.Status])
    ls.set_defaults(func=cmd_list)

    sh = sub.add_parser("show", help="show one claim")
    sh.add_argument("claim_id")
    sh.set_defaults(func=cmd_show)

    d = sub.add_parser("docs", help="regenerate docs/claims.md and the paper table of docs/index.md")
    d.add_argument("--out", default=str(ROOT / "docs" / "claims.md"))
    d.add_argument("--check", action="store_true", help="only check that the file is current")
    d.set_defaults(func=cmd_docs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
