"""The registry against the paper cards, the checks and the generated docs."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import theorems
from theorems import Status
from theorycheck.docs import claims_table, with_papers_table

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "card_claims.json"
CARD_TOOL = ROOT.parent / "shared" / "tools" / "card_claims.py"


def _card_claims() -> dict[str, dict[str, str]]:
    return json.loads(SNAPSHOT.read_text())


def test_ids_unique_and_prefixed():
    ids = [c.id for c in theorems.all_claims()]
    assert len(ids) == len(set(ids))
    slugs = {p.slug for p in theorems.papers()}
    assert all(c.paper in slugs and c.id.startswith(c.paper + ".") for c in theorems.all_claims())


@pytest.mark.parametrize("paper", [p.slug for p in theorems.papers()])
def test_every_card_claim_is_registered_with_its_status(paper):
    card = _card_claims()[paper]
    reg = {c.id: c.status.value for c in theorems.all_claims() if c.paper == paper}
    assert reg == card


def test_snapshot_matches_the_cards_when_present():
    if not CARD_TOOL.exists():
        pytest.skip("paper cards are not beside this checkout")
    fresh = json.loads(subprocess.run([sys.executable, str(CARD_TOOL), "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    assert fresh == _card_claims(), "tests/data/card_claims.json is stale: regenerate it from the cards"


def test_every_claim_has_exactly_one_marked_check():
    marked: dict[str, int] = {}
    for f in (ROOT / "checks").glob("test_*.py"):
        for cid in re.findall(r"""@pytest\.mark\.claim\(\s*["']([^"']+)["']""", f.read_text()):
            marked[cid] = marked.get(cid, 0) + 1
    ids = {c.id for c in theorems.all_claims()}
    assert set(marked) - ids == set(), "checks name claims that the registry lacks"
    assert ids - set(marked) == set(), "claims without a check"
    assert all(v == 1 for v in marked.values())


def test_checkable_claims_have_false_variants_and_corrected_have_printed():
    for c in theorems.all_claims():
        if c.status is Status.NOT_CHECKABLE:
            assert c.reason_not_checkable
        else:
            assert c.false_variant is not None and c.judge_fn is not None, c.id
        if c.status is Status.CORRECTED:
            assert c.printed is not None, c.id


def test_docs_claim_table_is_current():
    assert (ROOT / "docs" / "claims.md").read_text() == claims_table(), \
        "docs/claims.md is stale: run `theorycheck docs`"


def test_docs_page_per_paper_and_index_current():
    for p in theorems.papers():
        assert (ROOT / "docs" / "papers" / f"{p.slug}.md").is_file(), p.slug
    index = (ROOT / "docs" / "index.md").read_text()
    assert index == with_papers_table(index), "docs/index.md paper table is stale: run `theorycheck docs`"
