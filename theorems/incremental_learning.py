"""Min & Vidal (CDC 2025): closed-form gradient flow on symmetric matrix factorisation.

Gradient flow on ``L(U) = 1/4 ||Y - U U^T||_F^2`` induces the matrix Riccati equation
``dW/dt = W Y + Y W - 2 W^2`` for ``W = U U^T`` (eq. 3), which Prop. 1 solves in closed
form. Card: ``shared/papers/incremental_learning.md``.
"""
from __future__ import annotations

import sympy as sp

from . import judges
from ._claim import Assumption, Claim, Kind, Paper, Status

PAPER = Paper(
    slug="incremental_learning",
    title="Understanding Incremental Learning with Closed-form Solution to Gradient Flow on "
          "Overparamerterized Matrix Factorization",
    authors=("Hancheng Min", "René Vidal"),
    venue="IEEE Conference on Decision and Control (CDC)",
    year=2025,
    arxiv="2508.20344",
    url="https://arxiv.org/abs/2508.20344",
    note='The misspelling "Overparamerterized" is in the original title.',
)

# -- symbols ------------------------------------------------------------------------
n = sp.Symbol("n", integer=True, positive=True)
W = sp.MatrixSymbol("W", n, n)
Y = sp.MatrixSymbol("Y", n, n)
U = sp.MatrixSymbol("U", n, n)
k_W2 = sp.Symbol("k_W2", positive=True)  # the coefficient of W^2 in eq. (3)

#: eq. (3): the induced dynamics of W = U U^T, with the coefficient of W^2 symbolic so
#: that the false variant (coefficient 1) is the same expression with another constant.
W_DOT = W * Y + Y * W - k_W2 * W * W


def _riccati_rhs(W, Y, k_W2, **_):
    """Numeric eq. (3) for arrays (vectorised over a leading batch axis)."""
    return W @ Y + Y @ W - k_W2 * (W @ W)


w_dynamics = Claim(
    id="incremental_learning.w_dynamics",
    paper=PAPER.slug,
    where="eq. (3), Sec. II",
    kind=Kind.IDENTITY,
    status=Status.AS_PRINTED,
    title="W = UU^T obeys the Riccati ODE dW/dt = WY + YW - 2W^2",
    statement=sp.Eq(sp.MatrixSymbol(r"\dot{W}", n, n), W_DOT, evaluate=False),
    theory_fn=_riccati_rhs,
    constants={"k_W2": 2},
    assumptions=(Assumption("Y symmetric"),),
    # The measured dW/dt = dU U^T + U dU^T is exact algebra on the state, so the
    # comparison is at round-off level: 1e-12 relative to the largest entry.
    judge_fn=judges.agree(rtol=1e-12),
    false_variant={"title": "dW/dt = WY + YW - W^2 (coefficient 1)", "constants": {"k_W2": 1}},
)

CLAIMS: tuple[Claim, ...] = (w_dynamics,)
