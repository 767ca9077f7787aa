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


START, END = "<!-- papers:start -->", "<!-- papers:end -->"


def papers_table() -> str:
    """Markdown table of the implemented papers with their claim counts and pages."""
    claims = theorems.all_claims()
    rows = ["| slug | paper | claims | page |", "|---|---|---|---|"]
    for p in theorems.papers():
        n = sum(1 for c in claims if c.paper == p.slug)
        authors = ", ".join(a.split()[-1] for a in p.authors)
        rows.append(f"| `{p.slug}` | {authors}, *{_cell(p.title)}*, {_cell(p.venue)} {p.year} | {n} "
                    f"| [papers/{p.slug}.md](papers/{p.slug}.md) |")
    return "\n".join(rows)


def with_papers_table(index_text: str) -> str:
    """``index_text`` with the block between the paper-table markers regenerated."""
    if START not in index_text or END not in index_text:
        raise ValueError("docs/index.md lacks the paper-table markers")
    head, rest = index_text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{papers_table()}\n{END}{tail}"
