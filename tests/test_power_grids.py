"""Power-grid topologies: the bundled Kron-reduced pandapower cases, their re-derivation,
the synthetic stand-in and multi-area joins."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from numerics import network_systems as ns
from numerics import power_grids as pg

# (generator buses, bus count, lambda_2) of the Kron-reduced cases in pandapower 3.5.6, as the
# dynamics_concentration and coherent_clusters cards list them (3 significant digits there).
CARD_REFERENCE = {"iceland": (35, 189, 0.391), "case39": (10, 39, 12.09), "case24_ieee_rts": (11, 24, 5.05),
                  "case118": (54, 118, 0.579), "case300": (69, 300, 0.844), "case9": (3, 9, None),
                  "case14": (5, 14, None)}


def _assert_laplacian(L: np.ndarray, rtol: float = 1e-10) -> None:
    scale = np.max(np.abs(L))
    assert np.allclose(L, L.T, atol=rtol * scale)
    assert np.max(np.abs(L.sum(axis=1))) <= rtol * scale
    off = L - np.diag(np.diag(L))
    assert off.max() <= rtol * scale  # all couplings are non-negative weights


@pytest.mark.parametrize("case", pg.GRID_CASES)
def test_bundled_cases_match_card_reference(case):
    L, info = pg.bundled_grid_laplacian(case)
    n_gen, n_bus, lam2 = CARD_REFERENCE[case]
    assert L.shape == (n_gen, n_gen) and info["n_bus"] == n_bus
    # Kron reduction by solve and symmetrisation leave row sums at round-off
    _assert_laplacian(L, 1e-12)
    assert ns.is_connected(L)
    if lam2 is not None:  # the cards quote 3 significant digits
        assert ns.algebraic_connectivity(L) == pytest.approx(lam2, rel=2e-3)
    assert info["gen_buses"].shape == (n_gen,) and info["p_mw"].shape == (n_gen,)
    assert "3.5.6" in info["source"]


def test_iceland_spectrum_card_values():
    lam = np.linalg.eigvalsh(pg.bundled_grid_laplacian("iceland")[0])
    # dynamics_concentration card, E2: lambda_2 ~ 0.391, lambda_3 ~ 0.863, lambda_max ~ 47.0
    assert lam[1:3] == pytest.approx([0.391, 0.863], rel=2e-3) and lam[-1] == pytest.approx(47.0, rel=2e-3)
    # only the slack bus has no dispatch; the others are the 3-90 MW of the case data
    p = pg.bundled_grid_laplacian("iceland")[1]["p_mw"]
    assert np.sum(np.isnan(p)) == 1 and 3.0 <= np.nanmin(p) and np.nanmax(p) <= 90.0


def test_bundled_equals_pandapower_power_flow():
    pytest.importorskip("pandapower")
    for case in ("case39", "iceland"):
        L_b, info_b = pg.bundled_grid_laplacian(case)
        L_p, info_p = pg.pandapower_generator_laplacian(case)
        # The power flow converges to pandapower's default 1e-8 MVA mismatch, so the
        # voltages (and L) agree to about 1e-8 relative between versions; 1e-6 leaves room.
        assert np.max(np.abs(L_b - L_p)) <= 1e-6 * np.max(np.abs(L_p))
        assert np.array_equal(info_b["gen_buses"], info_p["gen_buses"])
        assert np.allclose(info_b["p_mw"], info_p["p_mw"], equal_nan=True)


def test_build_fixture_roundtrip_and_refuses_foreign_file(tmp_path, monkeypatch):
    pytest.importorskip("pandapower")
    out = pg.build_grid_fixture(tmp_path / "g.npz", cases=("case9",))
    with np.load(out) as data:
        assert set(data.files) == {"case9__lap", "case9__gen_buses", "case9__p_mw", "case9__n_bus", "meta"}
        assert np.allclose(data["case9__lap"], pg.bundled_grid_laplacian("case9")[0], rtol=1e-6)
    foreign = tmp_path / "mine.npz"
    foreign.write_bytes(b"user data")
    with pytest.raises(ValueError, match="path"):
        pg.build_grid_fixture(foreign, cases=("case9",))
    assert foreign.read_bytes() == b"user data"


def test_pandapower_missing_raises_importerror(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandapower", None)  # import of pandapower now fails
    with pytest.raises(ImportError, match="pandapower"):
        pg.pandapower_generator_laplacian("iceland")
    with pytest.raises(ImportError):
        pg.power_grid_laplacian("iceland", source="pandapower")
    L, info = pg.power_grid_laplacian("iceland")  # the bundled data need no pandapower
    assert L.shape == (35, 35) and "bundled" in info["source"]


def test_synthetic_stand_in():
    L = pg.synthetic_grid_laplacian(189, 35, 0, lam2=0.391)
    _assert_laplacian(L, 1e-9)
    assert ns.is_connected(L) and ns.algebraic_connectivity(L) == pytest.approx(0.391, rel=1e-10)
    assert np.array_equal(L, pg.synthetic_grid_laplacian(189, 35, 0, lam2=0.391))
    S, info = pg.power_grid_laplacian("case39", 1, source="synthetic")
    assert S.shape == (10, 10) and "synthetic" in info["source"]
    assert ns.algebraic_connectivity(S) == pytest.approx(ns.algebraic_connectivity(pg.bundled_grid_laplacian("case39")[0]))


def test_validation():
    with pytest.raises(ValueError, match="source"):
        pg.power_grid_laplacian("iceland", 0, source="web")
    with pytest.raises(ValueError, match="case"):
        pg.bundled_grid_laplacian("case2869pegase")
    with pytest.raises(TypeError, match="case"):
        pg.bundled_grid_laplacian(39)
    A = pg.bundled_grid_laplacian("case9")[0]
    with pytest.raises(ValueError, match="laps"):
        pg.join_areas([A], 1.0, 0)
    with pytest.raises(ValueError, match="w_tie"):
        pg.join_areas([A, A], -1.0, 0)
    with pytest.raises(ValueError, match="w_tie"):
        pg.join_areas([A, A], float("nan"), 0)
    with pytest.raises(ValueError, match="ties_per_pair"):
        pg.join_areas([A, A], 1.0, 0, ties_per_pair=10)
    with pytest.raises(ValueError, match=r"laps\[1\]"):
        pg.join_areas([A, A + np.triu(np.ones((3, 3)), 1)], 1.0, 0)


def test_join_areas_structure():
    A, B = pg.bundled_grid_laplacian("case39")[0], pg.bundled_grid_laplacian("case9")[0]
    L, labels, ties = pg.join_areas([A, B, A], 0.5, 3, ties_per_pair=2)
    _assert_laplacian(L, 1e-12)
    assert L.shape == (23, 23) and np.array_equal(np.bincount(labels), [10, 3, 10])
    assert len(ties) == 6 and len(set(ties)) == 6
    assert all(labels[i] != labels[j] for i, j in ties)
    # removing the ties restores the blocks exactly
    T = np.zeros_like(L)
    for i, j in ties:
        T[i, j] = T[j, i] = -0.5
    T -= np.diag(T.sum(axis=1))
    assert np.allclose((L - T)[:10, :10], A, atol=0) and np.all((L - T)[:10, 10:] == 0)
    assert ns.is_connected(L)
    L2, _, ties2 = pg.join_areas([A, B, A], 0.5, 3, ties_per_pair=2)
    assert np.array_equal(L, L2) and ties == ties2


def test_join_areas_weak_ties_bound_lambda2():
    # Cheeger-type fact used by the E3/E4 experiments: with m ties of weight w between two
    # areas, lambda_2 <= m w n / (n_a n_b) (Rayleigh quotient of the area indicator).
    A = pg.bundled_grid_laplacian("case39")[0]
    for w in (0.5, 2.0):
        L, labels, _ = pg.join_areas([A, A], w, 0)
        x = np.where(labels == 0, 1.0 / 10, -1.0 / 10)
        assert ns.algebraic_connectivity(L) <= (x @ L @ x) / (x @ x) * (1 + 1e-12)
        assert (x @ L @ x) / (x @ x) == pytest.approx(2 * w * 20 / 100)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(pg, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0
