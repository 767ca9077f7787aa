"""Checks of Min & Vidal (CDC 2025), card ``incremental_learning``."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import theorems
from theorems import incremental_learning as il


def _random_state(rng: np.random.Generator, n: int, r: int):
    A = rng.standard_normal((n, n))
    Y = A @ A.T
    U = rng.standard_normal((n, r))
    return Y, U


def _w_dynamics_evidence(Y, U):
    dU = (Y - U @ U.T) @ U  # the gradient flow of 1/4 ||Y - UU^T||_F^2
    W = U @ U.T
    return {"measured": dU @ U.T + U @ dU.T, "inputs": {"W": W, "Y": Y}}


@pytest.mark.claim("incremental_learning.w_dynamics")
def test_w_dynamics(verify):
    seed = 0
    rng = np.random.default_rng(seed)
    Y, U = _random_state(rng, 5, 7)
    verify(theorems.get("incremental_learning.w_dynamics"), _w_dynamics_evidence(Y, U), seed=seed,
           params={"n": 5, "r": 7},
           tolerance="1e-12 relative to max|dW/dt|: exact algebra, round-off only")


@given(n=st.integers(2, 6), r=st.integers(1, 8), seed=st.integers(0, 2**31 - 1))
def test_w_dynamics_property(verify, n, r, seed):
    Y, U = _random_state(np.random.default_rng(seed), n, r)
    verify(il.w_dynamics, _w_dynamics_evidence(Y, U), seed=seed, record=False)
