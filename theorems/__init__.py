"""theorems: WHAT each paper claims.

One module per paper, named by its slug. Each module defines ``PAPER`` (a
:class:`Paper`), its symbols and closed forms, and ``CLAIMS`` (a tuple of
:class:`Claim`). This package never imports :mod:`numerics`.

>>> import theorems
>>> theorems.get("incremental_learning.prop1").kind.value
'closed_form'
"""
from __future__ import annotations

import importlib
from types import ModuleType

from ._claim import Assumption, Claim, Kind, Outcome, Paper, Status, Verdict

__all__ = [
    "Assumption",
    "Claim",
    "Kind",
    "Outcome",
    "Paper",
    "Status",
    "Verdict",
    "SLUGS",
    "all_claims",
    "get",
    "papers",
    "paper_module",
]

#: Every paper slug of the project, in the order the report shows them. A slug whose
#: module does not exist yet is simply absent from the registry.
SLUGS: tuple[str, ...] = (
    "incremental_learning",
    "linear_networks",
    "lora_dynamics",
    "edge_of_stability",
    "early_alignment",
    "prelu_robustness",
    "neural_collapse",
    "dynamics_concentration",
    "coherent_clusters",
    "safety_critic",
    "almost_sure_rl",
    "safe_exposure",
    "ddpm_transformer",
    "concept_lancet",
    "dynamic_voyager",
)


def _modules() -> list[ModuleType]:
    mods = []
    for slug in SLUGS:
        try:
            mods.append(importlib.import_module(f"{__name__}.{slug}"))
        except ModuleNotFoundError as exc:  # paper not implemented yet
            if exc.name != f"{__name__}.{slug}":
                raise
    return mods


def paper_module(slug: str) -> ModuleType:
    """The module of paper ``slug``; ``KeyError`` if no such paper is implemented."""
    if slug not in SLUGS:
        raise KeyError(f"unknown paper slug {slug!r}; known: {', '.join(SLUGS)}")
    try:
        return importlib.import_module(f"{__name__}.{slug}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{slug}":
            raise KeyError(f"paper {slug!r} is not implemented yet") from None
        raise


def papers() -> tuple[Paper, ...]:
    """The implemented papers, in report order."""
    return tuple(m.PAPER for m in _modules())


def all_claims() -> tuple[Claim, ...]:
    """Every registered claim of every implemented paper."""
    out: list[Claim] = []
    seen: set[str] = set()
    for m in _modules():
        for c in m.CLAIMS:
            if c.id in seen:
                raise RuntimeError(f"duplicate claim id {c.id}")
            seen.add(c.id)
            out.append(c)
    return tuple(out)


def get(claim_id: str) -> Claim:
    """The claim with ID ``claim_id`` (``KeyError`` if unknown)."""
    slug = claim_id.split(".", 1)[0]
    try:
        mod = paper_module(slug)
    except KeyError:
        raise KeyError(f"unknown claim {claim_id!r}") from None
    for c in mod.CLAIMS:
        if c.id == claim_id:
            return c
    raise KeyError(f"unknown claim {claim_id!r}")
