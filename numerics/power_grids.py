"""Power-grid topologies: generator-level Laplacians of real and synthetic grids.

The networked-dynamics papers (Min & Mallada; Min, Pates & Mallada; the coherent-cluster
papers) run their examples on transmission grids reduced to the generator buses. The
linearised power flow around an operating point gives the bus-level Laplacian

    L_ij = -|V_i| |V_j| Im(Y_ij) cos(theta_i - theta_j)   (i != j),   L_ii = -sum_{j != i} L_ij,

(the Jacobian of the active-power injections with respect to the bus angles), and Kron
reduction (a Schur complement) eliminates the load buses.

What this module offers:

* :func:`bundled_grid_laplacian`: the Kron-reduced generator Laplacians of seven grids that
  ``pandapower`` ships (``iceland``, ``case39``, ``case24_ieee_rts``, ``case118``,
  ``case300``, ``case9``, ``case14``), stored in the package as a small ``.npz`` file so
  that nothing needs pandapower (or a network connection) at run time;
* :func:`pandapower_generator_laplacian`: the same matrices computed from pandapower's AC
  power flow (optional dependency, the ``power`` extra); :func:`build_grid_fixture`
  regenerates the bundled file from it, and the test suite compares the two;
* :func:`synthetic_grid_laplacian`: a random sparse grid reduced to random generator buses,
  for sizes no bundled case has;
* :func:`power_grid_laplacian`: one entry point choosing between the three sources;
* :func:`join_areas`: several area Laplacians joined block-diagonally by a few weak tie
  lines, the offline stand-in for multi-area systems (IEEE 68-bus, RTS-96).

Units: per unit on each case's MVA base (100 MVA for all seven), i.e. ``L`` in p.u. power
per radian. pandapower's internal matrices (``net._ppc``) are private API, so the bundled
values are tied to the pandapower version recorded with them (3.5.6).

Rebuild the bundled file (needs ``pip install pandapower``)::

    python -c "from numerics.power_grids import build_grid_fixture; build_grid_fixture()"
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sps

from numerics.network_systems import algebraic_connectivity, kron_reduce, random_tree_laplacian
from numerics.network_systems import _check_weight_range
from numerics._optional import require
from theorems.validate import as_int, as_rng, as_scalar, as_symmetric

__all__ = [
    "GRID_CASES",
    "FIXTURE_RESOURCE",
    "bundled_grid_laplacian",
    "bundled_grid_metadata",
    "pandapower_generator_laplacian",
    "build_grid_fixture",
    "synthetic_grid_laplacian",
    "power_grid_laplacian",
    "join_areas",
]

#: the pandapower cases whose Kron-reduced generator Laplacians are bundled
GRID_CASES: tuple[str, ...] = ("iceland", "case39", "case24_ieee_rts", "case118", "case300", "case9", "case14")
#: package-relative location of the bundled Laplacians
FIXTURE_RESOURCE = "data/grid_laplacians.npz"


def _check_case(case: Any) -> str:
    if not isinstance(case, str):
        raise TypeError(f"case must be a string, got {type(case).__name__}")
    return case


# ---------------------------------------------------------------------------------------
# pandapower (optional) and the bundled fixture
# ---------------------------------------------------------------------------------------
def pandapower_generator_laplacian(case: str = "iceland") -> tuple[np.ndarray, dict[str, Any]]:
    """Kron-reduced generator Laplacian of a grid bundled with ``pandapower``.

    Requires the optional dependency ``pandapower`` (raises ``ImportError`` otherwise).
    Procedure: AC power flow (``runpp(numba=False)``); from the internal bus admittance
    matrix ``Y`` and voltages ``V = |V| e^{j theta}`` form the power-flow Jacobian
    ``L_ij = -|V_i||V_j| Im(Y_ij) cos(theta_i - theta_j)`` (``i != j``), ``L_ii = -sum_j L_ij``;
    Kron-reduce onto the generator buses (in-service ``gen`` and ``ext_grid``); symmetrise.

    Parameters
    ----------
    case : name of a function in ``pandapower.networks`` (``"iceland"``, ``"case39"``,
        ``"case24_ieee_rts"``, ``"case118"``, ``"case300"``, ``"case9"``, ``"case14"`` ...).

    Returns
    -------
    lap, info : the reduced Laplacian (p.u. on the case's MVA base) and a dict with
        ``source``, ``version``, ``n_bus``, ``gen_buses`` (internal bus indices, ascending,
        the order of ``lap``), ``p_mw`` (dispatch per generator bus, NaN for the slack bus).
    """
    case = _check_case(case)
    pp = require("pandapower", "power", "pandapower_generator_laplacian")
    pn = require("pandapower.networks", "power", "pandapower_generator_laplacian")
    if not hasattr(pn, case):
        raise ValueError(f"case: pandapower.networks has no case {case!r}")
    with warnings.catch_warnings():
        # pandapower's own deprecation notes about the bundled case data (tap tables)
        warnings.simplefilter("ignore", DeprecationWarning)
        net = getattr(pn, case)()
        pp.runpp(net, numba=False)
    internal = net._ppc["internal"]
    Y = internal["Ybus"]
    Y = Y.toarray() if sps.issparse(Y) else np.asarray(Y)
    V = np.asarray(internal["V"]).ravel()
    vm, th = np.abs(V), np.angle(V)
    lap = -np.outer(vm, vm) * np.imag(Y) * np.cos(th[:, None] - th[None, :])
    np.fill_diagonal(lap, 0.0)
    lap = lap - np.diag(lap.sum(axis=1))
    lookup = net._pd2ppc_lookups["bus"]
    gen_pd = list(net.gen.bus.values[net.gen.in_service.values]) + list(net.ext_grid.bus.values)
    gen_ppc = np.unique(lookup[np.asarray(gen_pd, dtype=int)])
    red = kron_reduce(0.5 * (lap + lap.T), gen_ppc)
    p = np.full(gen_ppc.size, np.nan)
    for bus, pmw in zip(net.gen.bus.values, net.gen.p_mw.values):
        pos = np.searchsorted(gen_ppc, lookup[int(bus)])
        if pos < gen_ppc.size and gen_ppc[pos] == lookup[int(bus)]:
            p[pos] = pmw if np.isnan(p[pos]) else p[pos] + pmw
    info = {"source": f"pandapower {pp.__version__} networks.{case}()", "version": pp.__version__,
            "n_bus": int(Y.shape[0]), "gen_buses": gen_ppc, "p_mw": p}
    return red, info


def build_grid_fixture(path: str | os.PathLike | None = None,
                       cases: Sequence[str] = GRID_CASES) -> Path:
    """Recompute the bundled Laplacians with pandapower and write them to ``path``.

    ``path`` defaults to the package's own file. The file is written to a temporary
    name beside the target and renamed, so a failed run leaves the old file intact; an
    existing file at ``path`` that is not such a fixture is never overwritten.
    """
    target = Path(path) if path is not None else Path(__file__).with_name("data") / "grid_laplacians.npz"
    if target.exists():
        try:
            with np.load(target, allow_pickle=False) as old:
                if "meta" not in old.files:
                    raise ValueError
        except Exception as exc:
            raise ValueError(f"path: {target} exists and is not a grid-Laplacian fixture; refusing "
                             "to overwrite it") from exc
    arrays: dict[str, np.ndarray] = {}
    versions = set()
    for case in cases:
        lap, info = pandapower_generator_laplacian(case)
        versions.add(info["version"])
        arrays[f"{case}__lap"] = lap
        arrays[f"{case}__gen_buses"] = np.asarray(info["gen_buses"], dtype=np.int64)
        arrays[f"{case}__p_mw"] = np.asarray(info["p_mw"], dtype=float)
        arrays[f"{case}__n_bus"] = np.asarray(info["n_bus"], dtype=np.int64)
    meta = {"pandapower": sorted(versions), "cases": list(cases),
            "units": "p.u. on the case MVA base (100 MVA)",
            "procedure": "runpp(numba=False); L_ij = -|V_i||V_j| Im(Y_ij) cos(theta_i - theta_j); "
                         "Kron reduction onto gen + ext_grid buses; symmetrised"}
    arrays["meta"] = np.asarray(json.dumps(meta, sort_keys=True))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the file is package data
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target


def _fixture_bytes() -> bytes:
    return resources.files("numerics").joinpath(FIXTURE_RESOURCE).read_bytes()


def bundled_grid_metadata() -> dict[str, Any]:
    """How the bundled Laplacians were made (pandapower version, procedure, units)."""
    with np.load(io.BytesIO(_fixture_bytes()), allow_pickle=False) as data:
        return json.loads(str(data["meta"]))


def bundled_grid_laplacian(case: str = "iceland") -> tuple[np.ndarray, dict[str, Any]]:
    """The Kron-reduced generator Laplacian of a pandapower case, as bundled.

    Same return values as :func:`pandapower_generator_laplacian` (``info["source"]`` names
    the bundled file and the pandapower version that made it); no pandapower needed.

    Examples
    --------
    >>> lap, info = bundled_grid_laplacian("iceland")
    >>> lap.shape, round(float(np.linalg.eigvalsh(lap)[1]), 3)
    ((35, 35), 0.391)
    """
    case = _check_case(case)
    if case not in GRID_CASES:
        raise ValueError(f"case: no bundled grid {case!r}; bundled: {list(GRID_CASES)}")
    with np.load(io.BytesIO(_fixture_bytes()), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        lap = np.array(data[f"{case}__lap"])
        info = {"source": f"bundled Kron-reduced {case} (pandapower {', '.join(meta['pandapower'])})",
                "version": meta["pandapower"][0], "n_bus": int(data[f"{case}__n_bus"]),
                "gen_buses": np.array(data[f"{case}__gen_buses"]), "p_mw": np.array(data[f"{case}__p_mw"])}
    return lap, info


# ---------------------------------------------------------------------------------------
# synthetic grids and multi-area systems
# ---------------------------------------------------------------------------------------
def synthetic_grid_laplacian(n_bus: int = 189, n_gen: int = 35, seed: Any = 0, *,
                             extra_edge_fraction: float = 0.09,
                             susceptance_range: tuple[float, float] = (2.0, 40.0),
                             lam2: float | None = None) -> np.ndarray:
    """A synthetic transmission grid reduced to its generator buses.

    A stand-in for the Kron-reduced generator Laplacian of a real grid when its data are
    not available: a random spanning tree on ``n_bus`` buses plus
    ``round(extra_edge_fraction * n_bus)`` random extra branches (mean degree ~2.2, like
    sparse transmission grids), i.i.d. ``U[susceptance_range]`` branch susceptances (p.u.),
    ``n_gen`` generator buses drawn at random, then Kron reduction onto them. If ``lam2``
    is given, the result is scaled so that its algebraic connectivity equals ``lam2``.
    """
    n_bus = as_int(n_bus, "n_bus", low=2)
    n_gen = as_int(n_gen, "n_gen", low=2, high=n_bus)
    frac = as_scalar(extra_edge_fraction, "extra_edge_fraction", low=0)
    sr = _check_weight_range(susceptance_range)
    rng = as_rng(seed)
    lap_bus = random_tree_laplacian(n_bus, rng, weight_range=sr)
    adj = -lap_bus
    np.fill_diagonal(adj, 0.0)
    n_extra = int(round(frac * n_bus))
    added = 0
    while added < n_extra:
        i, j = rng.integers(0, n_bus, 2)
        if i != j and adj[i, j] == 0:
            adj[i, j] = adj[j, i] = rng.uniform(*sr)
            added += 1
    lap_bus = np.diag(adj.sum(axis=1)) - adj
    gens = np.sort(rng.choice(n_bus, size=n_gen, replace=False))
    red = kron_reduce(lap_bus, gens)
    red = red - np.diag(red.sum(axis=1))  # remove round-off in the row sums
    if lam2 is not None:
        lam2 = as_scalar(lam2, "lam2", low=0, low_open=True)
        red = red * (lam2 / algebraic_connectivity(red))
    return red


def power_grid_laplacian(case: str = "iceland", seed: Any = 0, *,
                         source: str = "bundled") -> tuple[np.ndarray, dict[str, Any]]:
    """A generator-level grid Laplacian from one of three sources.

    ``source="bundled"`` (default) reads the packaged Kron-reduced pandapower case;
    ``"pandapower"`` recomputes it (optional dependency); ``"synthetic"`` draws a random
    grid with the case's bus and generator counts, scaled to the case's algebraic
    connectivity (``seed`` is used only here). ``info["source"]`` says which was used.
    """
    case = _check_case(case)
    if source not in ("bundled", "synthetic", "pandapower"):
        raise ValueError(f"source must be 'bundled', 'synthetic' or 'pandapower', got {source!r}")
    if source == "pandapower":
        return pandapower_generator_laplacian(case)
    lap, info = bundled_grid_laplacian(case)
    if source == "bundled":
        return lap, info
    n_bus, n_gen, lam2 = info["n_bus"], lap.shape[0], algebraic_connectivity(lap)
    syn = synthetic_grid_laplacian(n_bus, n_gen, seed, lam2=lam2)
    return syn, {"source": f"synthetic stand-in for {case} ({n_bus} buses, {n_gen} generator buses, "
                           f"lambda_2 scaled to {lam2:.4g})", "version": None, "n_bus": n_bus,
                 "gen_buses": None, "p_mw": None}


def join_areas(laps: Sequence[Any], w_tie: float, seed: Any, *,
               ties_per_pair: int = 2) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Join area Laplacians block-diagonally with a few weak tie lines.

    Every pair of areas gets ``ties_per_pair`` distinct lines of weight ``w_tie`` between
    nodes drawn uniformly at random from the two areas (the card's stand-in for multi-area
    systems such as the IEEE 68-bus and RTS-96 grids, whose tie data are not bundled).

    Returns
    -------
    lap : the joined Laplacian, ``(sum n_a, sum n_a)``.
    labels : area index of every node.
    ties : the tie lines as ``(i, j)`` node pairs of ``lap``.
    """
    if isinstance(laps, np.ndarray) or len(laps) < 2:
        raise ValueError("laps must be a sequence of at least two area Laplacians")
    blocks = [as_symmetric(a, f"laps[{i}]") for i, a in enumerate(laps)]
    w = as_scalar(w_tie, "w_tie", low=0, low_open=True)
    m = as_int(ties_per_pair, "ties_per_pair", low=1)
    rng = as_rng(seed)
    sizes = [b.shape[0] for b in blocks]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    lap = np.zeros((n, n))
    for a, b in enumerate(blocks):
        lap[offsets[a]:offsets[a + 1], offsets[a]:offsets[a + 1]] = b
    labels = np.repeat(np.arange(len(blocks)), sizes)
    ties: list[tuple[int, int]] = []
    for a in range(len(blocks)):
        for b in range(a + 1, len(blocks)):
            if m > sizes[a] * sizes[b]:
                raise ValueError(f"ties_per_pair = {m} exceeds the {sizes[a] * sizes[b]} possible lines "
                                 f"between areas {a} and {b}")
            flat = rng.choice(sizes[a] * sizes[b], size=m, replace=False)
            for f in flat:
                i, j = offsets[a] + f // sizes[b], offsets[b] + f % sizes[b]
                lap[i, j] -= w
                lap[j, i] -= w
                lap[i, i] += w
                lap[j, j] += w
                ties.append((int(i), int(j)))
    return lap, labels, ties
