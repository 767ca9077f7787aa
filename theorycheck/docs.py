"""Generated documentation: the claim table ``docs/claims.md``."""
from __future__ import annotations

from collections import Counter

import theorems


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def claims_table() -> str:
    """Markdown table of every registered claim, grouped by paper (deterministic)."""
    lines = [
        "# Claims",
        "",
        "Generated from the registry by `theorycheck docs`; a test keeps it current.",
        "Status: `as_printed` (the paper's statement), `corrected` (an erratum fixed; the printed form is",
        "checked too and fails on a counterexample), `reconstructed` (constants rebuilt from the proofs),",
        "`derived` (our statement, sharpening or underpinning the paper's), `not_checkable` (with the reason).",
        "",
    ]
    claims = theorems.all_claims()
    total = Counter(c.status.value for c in claims)
    lines.append(f"{len(claims)} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(total.items())) + ".")
    lines.append("")
    for paper in theorems.papers():
        pc = [c for c in claims if c.paper == paper.slug]
        lines += [f"## {paper.title}", "", f"`{paper.slug}` — {', '.join(paper.authors)}, {paper.venue} "
                  f"{paper.year}" + (f", arXiv {paper.arxiv}" if paper.arxiv else "") + ".", "",
                  "| ID | kind | status | where | statement | false variant |", "|---|---|---|---|---|---|"]
        for c in pc:
            fv = c.false_variant.title if c.false_variant is not None else (c.reason_not_checkable or "")
            title = c.title + (" **UNCERTAIN**" if c.uncertain else "")
            lines.append(f"| `{c.id}` | {c.kind.value} | {c.status.value} | {_cell(c.where)} | {_cell(title)} "
                         f"| {_cell(fv)} |")
        lines.append("")
    return "\n".join(lines)
