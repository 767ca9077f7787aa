"""The shared vocabulary: papers, claims, verdicts.

A :class:`Claim` is one statement of one paper, with a stable ID taken from the paper
card. It knows how to *judge* measured evidence: ``claim.judge(evidence, **params)``
returns a :class:`Verdict`. Every checkable claim carries a ``false_variant``, a
plausible wrong version of itself (wrong constant, exponent, sign, dropped term) that is
judged on the same evidence and must fail; a ``corrected`` claim also carries the
``printed`` form from the paper.

Contract of a judge (the callable stored in ``Claim.judge_fn``):

1. It receives the claim being judged (so that a false variant, which differs only in
   its statement or constants, reuses the same judge), the evidence mapping produced by
   a simulation, and keyword parameters.
2. It computes the theoretical value from the claim itself (``claim.theory(...)``), never
   from a number hard-wired in the judge, so that changing the statement changes the
   verdict.
3. It returns a :class:`Verdict` with outcome ``holds``, ``fails`` or ``inconclusive``,
   the theoretical and measured values, a margin (a slack ratio: > 1 means room to
   spare, < 1 means violated) and a one-line reason.
4. It never raises on well-formed evidence; malformed evidence raises ``ValueError``
   naming the missing key.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

__all__ = [
    "Kind",
    "Status",
    "Outcome",
    "Paper",
    "Assumption",
    "Verdict",
    "Claim",
]


class Kind(str, enum.Enum):
    """What sort of statement a claim is."""

    CLOSED_FORM = "closed_form"
    INVARIANT = "invariant"
    IDENTITY = "identity"
    BOUND = "bound"
    RATE = "rate"
    SCALING = "scaling"
    LIMIT = "limit"
    PROBABILISTIC = "probabilistic"
    FIXED_POINT = "fixed_point"
    PHENOMENON = "phenomenon"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


class Status(str, enum.Enum):
    """How the statement relates to the paper as printed.

    ``derived`` marks a statement that the card derived (it sharpens or underpins the
    paper's); the report labels it as ours, not the authors'.
    """

    AS_PRINTED = "as_printed"
    CORRECTED = "corrected"
    RECONSTRUCTED = "reconstructed"
    DERIVED = "derived"
    NOT_CHECKABLE = "not_checkable"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


class Outcome(str, enum.Enum):
    HOLDS = "holds"
    FAILS = "fails"
    INCONCLUSIVE = "inconclusive"
    NOT_CHECKED = "not_checked"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Paper:
    """Bibliographic record of one paper."""

    slug: str
    title: str
    authors: tuple[str, ...]
    venue: str
    year: int
    arxiv: str = ""
    url: str = ""
    note: str = ""

    def bibtex(self) -> str:
        """A BibTeX entry (``@misc`` for preprints, ``@inproceedings`` otherwise)."""
        key = self.authors[0].split()[-1].lower() + str(self.year) + self.slug.split("_")[0]
        fields = {
            "title": "{" + self.title + "}",
            "author": " and ".join(self.authors),
            "year": str(self.year),
        }
        if self.venue:
            fields["booktitle" if self.arxiv == "" or "arXiv" not in self.venue else "howpublished"] = self.venue
        if self.arxiv:
            fields["eprint"] = self.arxiv
            fields["archivePrefix"] = "arXiv"
        if self.url:
            fields["url"] = self.url
        kind = "misc" if "arXiv" in self.venue or not self.venue else "inproceedings"
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        return f"@{kind}{{{key},\n{body}\n}}"


@dataclass(frozen=True)
class Assumption:
    """A hypothesis of a claim, as text and (where possible) as a checkable predicate.

    ``predicate(**params) -> bool``; ``None`` means the assumption is documented but
    checked by construction of the evidence.
    """

    text: str
    predicate: Callable[..., bool] | None = None

    def holds(self, **params: Any) -> bool | None:
        if self.predicate is None:
            return None
        return bool(self.predicate(**params))


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging one piece of evidence against one statement.

    ``margin`` is a slack ratio: for a bound ``value <= bound`` it is ``bound/value``
    (> 1 holds with room, < 1 violated); for an identity it is ``tolerance/error``; for a
    fitted exponent it is ``tolerance/|slope - theory|``. ``window`` records the fitted
    window or the range that was examined; ``worst`` the worst point.
    """

    outcome: Outcome
    theoretical: Any = None
    measured: Any = None
    margin: float | None = None
    reason: str = ""
    window: Any = None
    worst: Any = None
    tolerance: float | None = None

    @property
    def holds(self) -> bool:
        return self.outcome is Outcome.HOLDS

    @property
    def fails(self) -> bool:
        return self.outcome is Outcome.FAILS

    @property
    def inconclusive(self) -> bool:
        return self.outcome is Outcome.INCONCLUSIVE

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["outcome"] = self.outcome.value
        return {k: _jsonable(v) for k, v in d.items()}


def _jsonable(x: Any) -> Any:
    """Convert numpy / sympy scalars and arrays into JSON-friendly values."""
    if isinstance(x, enum.Enum):
        return x.value
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    if isinstance(x, np.ndarray):
        if x.size > 64:
            return {"shape": list(x.shape), "min": float(np.nanmin(x)), "max": float(np.nanmax(x))}
        return x.tolist()
    if isinstance(x, sp.Basic):
        try:
            return float(x)
        except TypeError:
            return str(x)
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, float) and not np.isfinite(x):
        return str(x)
    return x


JudgeFn = Callable[["Claim", Mapping[str, Any]], Verdict]


@dataclass(frozen=True)
class Claim:
    """One claim of one paper.

    Parameters
    ----------
    id
        Stable ID from the paper card, ``"<slug>.<name>"``.
    paper
        The paper's slug.
    where
        Provenance in the paper, e.g. ``"Theorem 3, p. 5"``.
    kind, status
        See :class:`Kind`, :class:`Status`.
    title
        A short human title.
    statement
        The statement as a sympy expression or relation (``sympy.Eq``, ``sympy.Le`` ...)
        where it can be written so; otherwise a LaTeX/plain string.
    theory_fn
        ``theory_fn(**inputs)`` evaluates the theoretical value the evidence is compared
        with (a bound, a predicted value, an exponent). When omitted and ``statement`` is
        a sympy relation, the right-hand side is lambdified over ``inputs``.
    judge_fn
        ``judge_fn(claim, evidence, **params) -> Verdict``; see the module contract.
    constants
        Named constants of the statement (factor, exponent ...). A false variant is
        usually this claim with one constant changed; ``theory_fn`` receives them.
    assumptions
        The hypotheses, as :class:`Assumption` objects.
    note
        Errata, caveats, reconstruction notes.
    uncertain
        Text of an UNCERTAIN remark in the card; kept visible in the report.
    false_variant
        The plausible wrong statement that must fail on the same evidence: a
        :class:`Claim`, or a mapping of the fields that differ from this claim
        (``{"title": ..., "constants": {...}}`` or a different ``theory_fn``).
    printed
        For ``corrected`` claims: the statement as printed in the paper (a claim or a
        mapping of changes, as for ``false_variant``).
    reason_not_checkable
        Why a ``not_checkable`` claim cannot be checked (shown in the report).
    """

    id: str
    paper: str
    where: str
    kind: Kind
    status: Status
    title: str = ""
    statement: Any = ""
    theory_fn: Callable[..., Any] | None = None
    judge_fn: JudgeFn | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    note: str = ""
    uncertain: str = ""
    false_variant: Claim | Mapping[str, Any] | None = None
    printed: Claim | Mapping[str, Any] | None = None
    reason_not_checkable: str = ""

    def __post_init__(self) -> None:
        # A false variant or printed form may be given as a mapping of changes to this
        # claim (e.g. ``{"title": ..., "constants": {"k": 1}}``): build it here.
        for name, suffix in (("false_variant", "false"), ("printed", "printed")):
            spec = getattr(self, name)
            if isinstance(spec, Mapping):
                object.__setattr__(self, name, self.variant(suffix=suffix, **spec))
        if not isinstance(self.kind, Kind):
            object.__setattr__(self, "kind", Kind(self.kind))
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))
        if "." not in self.id or not self.id.startswith(self.paper + "."):
            raise ValueError(f"claim id {self.id!r} must start with its paper slug {self.paper!r}.")
        if self.status is Status.NOT_CHECKABLE:
            if not self.reason_not_checkable:
                raise ValueError(f"{self.id}: a not_checkable claim needs reason_not_checkable")
        elif self.false_variant is None and not self.id.endswith((":false", ":printed")):
            raise ValueError(f"{self.id}: a checkable claim needs a false_variant")
        if self.status is Status.CORRECTED and self.printed is None and not self.id.endswith(
            (":false", ":printed")
        ):
            raise ValueError(f"{self.id}: a corrected claim needs its printed form")

    # -- evaluation -------------------------------------------------------------
    @property
    def checkable(self) -> bool:
        return self.status is not Status.NOT_CHECKABLE

    def theory(self, **inputs: Any) -> Any:
        """The theoretical value for ``inputs`` (constants are passed too)."""
        kwargs = {**self.constants, **inputs}
        if self.theory_fn is not None:
            return self.theory_fn(**kwargs)
        if isinstance(self.statement, sp.core.relational.Relational):
            rhs = self.statement.rhs
            syms = sorted(rhs.free_symbols, key=lambda s: s.name)
            f = sp.lambdify(syms, rhs, modules="numpy")
            missing = [s.name for s in syms if s.name not in kwargs]
            if missing:
                raise ValueError(f"{self.id}: theory needs inputs {missing}")
            return f(*[kwargs[s.name] for s in syms])
        raise ValueError(f"{self.id}: no theory_fn and the statement is not a sympy relation")

    def judge(self, evidence: Mapping[str, Any], **params: Any) -> Verdict:
        """Judge measured ``evidence`` against this statement."""
        if not self.checkable:
            return Verdict(Outcome.NOT_CHECKED, reason=self.reason_not_checkable)
        if self.judge_fn is None:
            raise ValueError(f"{self.id}: no judge_fn")
        if not isinstance(evidence, Mapping):
            raise TypeError(f"evidence must be a mapping, got {type(evidence).__name__}")
        return self.judge_fn(self, evidence, **params)

    def variant(self, *, suffix: str = "false", **changes: Any) -> Claim:
        """A copy of this claim with some fields changed (used to build false variants
        and printed forms). The copy has no false variant or printed form of its own."""
        fields = {
            "id": f"{self.id}:{suffix}",
            "false_variant": None,
            "printed": None,
        }
        fields.update(changes)
        if "constants" in changes:
            fields["constants"] = {**self.constants, **changes["constants"]}
        return dataclasses.replace(self, **fields)

    def statement_text(self) -> str:
        """The statement as LaTeX where it is a sympy object, else the string."""
        if isinstance(self.statement, sp.Basic):
            return sp.latex(self.statement)
        return str(self.statement)

    def describe(self) -> str:
        """A multi-line human description (``theorycheck show``)."""
        lines = [
            f"{self.id}  [{self.kind.value}, {self.status.value}]",
            f"  {self.title}" if self.title else "",
            f"  where: {self.where}",
            f"  statement: {self.statement_text()}",
        ]
        if self.constants:
            lines.append("  constants: " + ", ".join(f"{k}={v}" for k, v in self.constants.items()))
        for a in self.assumptions:
            lines.append(f"  assumes: {a.text}")
        if self.false_variant is not None:
            fv = self.false_variant
            lines.append(f"  false variant: {fv.title or fv.statement_text()}")
        if self.printed is not None:
            lines.append(f"  as printed: {self.printed.title or self.printed.statement_text()}")
        if self.note:
            lines.append(f"  note: {self.note}")
        if self.uncertain:
            lines.append(f"  UNCERTAIN: {self.uncertain}")
        if self.reason_not_checkable:
            lines.append(f"  not checkable: {self.reason_not_checkable}")
        return "\n".join(x for x in lines if x)
