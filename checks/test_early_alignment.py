"""Checks of Min, Mallada & Vidal (ICLR 2024), card ``early_alignment``.

Simulator: the balanced direction / log-norm coordinates of :mod:`numerics.two_layer`
(explicit Euler with renormalisation, the card's R1) and, for limits, the 1/loss schedule
(R2). Default data ``orthosep_dead`` (n = 20, D = 10), h = 50, seed 0, dt = 1e-3
(dt n X_max = 0.035, below the card's 0.05). Several claims share one run (module fixtures).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from numerics import data
from numerics import two_layer as tl
from numerics.fit import loglog_fit
from theorems import early_alignment as ea
from theorems.judges import clopper_pearson

SLUG = "early_alignment"


SEED = 0
DT = 1e-3


# ---------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------
def cone_codes(act: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Cone code of every neuron from the activation pattern ``act`` (n, h)."""
    lab = np.full(act.shape[1], tl.OTHER)
    lab[np.all(act == pos[:, None], axis=0)] = tl.PLUS
    lab[np.all(act == ~pos[:, None], axis=0)] = tl.MINUS
    lab[~np.any(act, axis=0)] = tl.DEAD
    return lab


def dev_residual(loss: str, y: np.ndarray, F: np.ndarray) -> np.ndarray:
    """``-dl/df - y`` without cancellation (``y expm1(m)`` / ``y tanh(m/2)``, ``m = -y f``):
    the part of the vector field that Lemmas 1, 4 and 10 bound."""
    m = -y * F
    return y * np.expm1(m) if loss == "exp" else y * np.tanh(m / 2)


def direction_error(X, y, loss, info, leaky=0.0):
    """Per neuron ``du_j/dt - s_j P_{u_j} x_a(u_j)`` (D, h), exactly from the vector field:
    ``s_j P_{u_j} sum_i sigma'(a_ij) (g_i - y_i) x_i``."""
    dg = dev_residual(loss, y, info.F[:, 0])
    E = X.T @ (info.Dsig * dg[:, None])
    U = info.U
    return (E - U * np.sum(U * E, axis=0)) * info.B[0]


class DefaultRun:
    """orthosep_dead, h = 50, log eps = -60, exp loss; per-step observations."""

    def __init__(self, t_end: float, dt: float = DT, log_eps: float = -60.0, seed: int = SEED, h: int = 50):
        X, y = data.orthosep_dead(seed)
        self.X, self.y, self.dt, self.log_eps = X, y, dt, log_eps
        self.pr = tl.Problem(X, y, "exp")
        self.st0, self.W0 = tl.random_balanced_init(X.shape[1], h, log_eps=log_eps, seed=seed)
        self.sign = self.st0.sign
        self.mu = ea.mu_separation(X, y)
        norms = np.linalg.norm(X, axis=1)
        self.x_max, self.x_min, self.n, self.h = norms.max(), norms.min(), X.shape[0], h
        self.w_max = np.linalg.norm(self.W0, axis=0).max()
        self.T = ea.alignment_phase_length(h=h, n=self.n, x_max=self.x_max, log_eps=log_eps)
        pos = y > 0
        Xn = X / norms[:, None]
        # lemma10 references: y_i x^_i, x^_+, x^_-, 10 random unit vectors
        rng = np.random.default_rng(seed + 1)
        rnd = rng.standard_normal((10, X.shape[1]))
        xp, xm = X[pos].sum(0), X[~pos].sum(0)
        self.refs = np.vstack([Xn * y[:, None], xp / np.linalg.norm(xp), xm / np.linalg.norm(xm),
                               rnd / np.linalg.norm(rnd, axis=1, keepdims=True)])
        self.labels, self.fmax, self.lhs4, self.logr, self.dlogr = [], [], [], [], []
        self.E1, self.E2, self.f_steps, self.lowrank = [], [], [], []

        def obs(info):
            act = info.A > 0
            self.labels.append(cone_codes(act, pos))
            fmax = float(np.max(np.abs(info.F)))
            self.fmax.append(fmax)
            self.logr.append(info.logr.copy())
            self.dlogr.append(info.dlogr.copy())
            if fmax <= 1.0:
                err = direction_error(X, y, "exp", info)
                self.lhs4.append(float(np.max(np.linalg.norm(err, axis=0))))
                if info.step % 10 == 0:
                    xa = X.T @ (act * y[:, None])
                    self.E1.append(self.refs @ err)
                    self.E2.append((self.refs @ info.U) * np.sum(info.U * xa, axis=0) * info.B[0])
                    self.f_steps.append(fmax)
            else:
                self.lhs4.append(np.nan)
            if info.step % 100 == 0:
                Wr = info.U * np.exp(info.logr - info.logr.max())
                sv = np.linalg.svd(Wr, compute_uv=False)
                self.lowrank.append((info.t, float(np.sum(sv ** 2)), float(sv[0] ** 2), float(info.logr.max())))
            return None

        self.run = tl.simulate(self.pr, self.st0, dt=dt, t_end=t_end, record_every=100, observe=obs)
        self.t = np.arange(len(self.labels)) * dt
        self.labels = np.asarray(self.labels)
        self.fmax = np.asarray(self.fmax)
        self.lhs4 = np.asarray(self.lhs4)
        self.logr = np.asarray(self.logr)
        self.dlogr = np.asarray(self.dlogr)
        aligned = ea._aligned_steps(self.labels, self.sign, True)
        self.k1 = int(np.argmax(aligned)) if aligned.any() else None
        self.t1 = self.t[self.k1] if self.k1 is not None else math.nan
        own = np.where(self.sign > 0, (X[pos] @ self.W0 > 0).any(0), (X[~pos] @ self.W0 > 0).any(0))
        self.own_init = own


@pytest.fixture(scope="module")
def default_run(thorough):
    return DefaultRun(t_end=30.0 if thorough else 12.0)


@pytest.fixture(scope="module")
def early_run():
    """The default setting on [0, T] with every state recorded (activation events)."""
    X, y = data.orthosep_dead(SEED)
    pr = tl.Problem(X, y, "exp")
    st0, W0 = tl.random_balanced_init(10, 50, log_eps=-60.0, seed=SEED)
    T = ea.alignment_phase_length(h=50, n=20, x_max=np.linalg.norm(X, axis=1).max(), log_eps=-60.0)
    run = tl.simulate(pr, st0, dt=DT, t_end=T, record_every=1)
    return {"X": X, "y": y, "pr": pr, "st0": st0, "W0": W0, "T": T, "run": run}


def _holds(claim, evidence) -> None:
    """Property tests: the claim holds on a random instance (its false variant need not fail
    on every instance, so only the claim is judged)."""
    v = claim.judge(evidence)
    assert v.holds, f"{claim.id}: {v.reason}"


def _fig(title, xlabel, ylabel, x, series, logx=False, logy=False, note=None):
    fig = {"title": title, "xlabel": xlabel, "ylabel": ylabel, "logx": logx, "logy": logy,
           "x": list(np.asarray(x, dtype=float)), "series": series}
    if note:
        fig["note"] = note
    return fig


# ---------------------------------------------------------------------------------------
# balancedness
# ---------------------------------------------------------------------------------------
def _balancedness_evidence(seed: int, h: int, eta: float, steps: int):
    X, y = data.orthosep_dead(SEED)
    pr = tl.Problem(X, y, "exp")
    rng = np.random.default_rng(seed)
    W, v = 0.1 * rng.standard_normal((10, h)), 0.1 * rng.standard_normal(h)
    gsq = lambda W, v: float(sum(np.sum(g ** 2) for g in tl.gradients(pr, W, v)[:2]))
    run = tl.gradient_descent(pr, W, v, eta, steps, observables={
        "v2": lambda W, v: v ** 2, "w2": lambda W, v: np.sum(W ** 2, axis=0), "gsq": gsq})
    st0, _ = tl.random_balanced_init(10, h, log_eps=math.log(0.1), seed=seed)
    Wb, vb = st0.plain()
    bal = tl.gradient_descent(pr, Wb, vb, eta, steps, record_every=10)
    changes = int(np.sum(np.sign(bal.V) != np.sign(vb)[None, :]))
    ev = {"unbalanced": {"v2": run.observables["v2"], "w2": run.observables["w2"], "eta": eta,
                         "grad_sq_sum": float(np.sum(run.observables["gsq"][:-1]))},
          "balanced": {"sign_changes": changes}}
    return ev, run


@pytest.mark.claim("early_alignment.balancedness")
def test_balancedness(verify, thorough):
    eta, steps = 1e-4, 2000
    ev, run = _balancedness_evidence(SEED, 20, eta, steps)
    q = run.observables["v2"] - run.observables["w2"]
    drift = np.max(np.abs(q - q[0]), axis=1)
    s = run.observables["v2"] + run.observables["w2"]
    verify(ea.balancedness, ev, seed=SEED, params={"h": 20, "eta": eta, "steps": steps, "init": "N(0, 0.1^2)"},
           tolerance="10 eta^2 sum_k ||grad L_k||^2: gradient descent changes v_j^2 - ||w_j||^2 by exactly "
                     "eta^2 (||dL/dv_j||^2 - ||dL/dw_j||^2) per step",
           scale="reduced: 2000 GD steps instead of 5000 (the allowance scales with the step count)",
           figure=_fig("Drift of v_j^2 - ||w_j||^2 under GD (eta = 1e-4)", "GD step", "max_j |drift|",
                       run.t[1:], [{"label": "max_j |Delta (v_j^2 - ||w_j||^2)|", "y": list(drift[1:]), "role": "measured"},
                                   {"label": "max_j |Delta (v_j^2 + ||w_j||^2)| (false variant)",
                                    "y": list(np.max(np.abs(s - s[0]), axis=1)[1:]), "role": "false_variant"}],
                       logy=True))
    if thorough:
        # O(eta^2) per step means O(eta) over a fixed time horizon: halving eta (twice the steps) halves the drift
        ev2, _ = _balancedness_evidence(SEED, 20, eta / 2, 2 * steps)
        d1 = np.max(np.abs(ev["unbalanced"]["v2"] - ev["unbalanced"]["w2"] - (ev["unbalanced"]["v2"] - ev["unbalanced"]["w2"])[0]))
        d2 = np.max(np.abs(ev2["unbalanced"]["v2"] - ev2["unbalanced"]["w2"] - (ev2["unbalanced"]["v2"] - ev2["unbalanced"]["w2"])[0]))
        assert 1.7 < d1 / d2 < 2.3


@settings(max_examples=3)
@given(seed=st.integers(0, 2 ** 20), h=st.integers(2, 30), eta=st.floats(1e-5, 1e-4))
def test_balancedness_property(verify, seed, h, eta):
    ev, _ = _balancedness_evidence(seed, h, eta, 200)
    _holds(ea.balancedness, ev)


# ---------------------------------------------------------------------------------------
# Lemma 2
# ---------------------------------------------------------------------------------------
def _lemma2_evidence(yh: np.ndarray, losses=("exp", "logistic", "square")):
    meas, xs = [], []
    for loss in losses:
        for lab in (-1.0, 1.0):
            T = np.full((yh.size, 1), lab)
            R, _ = tl.residual(loss, T, yh[:, None])
            meas.append(np.abs(R[:, 0] - lab))
            xs.append(yh)
    return {"measured": np.concatenate(meas), "inputs": {"yhat": np.concatenate(xs)}}


@pytest.mark.claim("early_alignment.lemma2")
def test_lemma2(verify):
    yh = np.linspace(-1, 1, 10001)
    ev = _lemma2_evidence(yh)
    verify(ea.lemma2, ev, params={"grid": "10^4 points in [-1, 1]", "losses": "exp, 2 log(1+e^-z), (y-f)^2/2"},
           tolerance="1e-12 absolute: round-off of exp/sigmoid",
           figure=_fig("Lemma 2: |-dl/dyhat - y| against 2|yhat| (y = -1, exp loss)", "yhat", "value", yh,
                       [{"label": "exp loss", "y": list(ev["measured"][:yh.size]), "role": "measured"},
                        {"label": "2|yhat|", "y": list(2 * np.abs(yh)), "role": "bound"},
                        {"label": "1.5|yhat| (false variant)", "y": list(1.5 * np.abs(yh)), "role": "false_variant"}]))
    # Erratum 3: the main-text normalisation log(1 + e^{-z}) violates the lemma (1/2 at yhat = 0).
    bad = ea.lemma2.judge(_lemma2_evidence(yh, ("logistic1",)))
    assert bad.fails
    # the sharp constant for the exponential loss is e - 1, attained at y yhat = -1
    assert np.max(ev["measured"][:2 * yh.size] / np.maximum(np.abs(ev["inputs"]["yhat"][:2 * yh.size]), 1e-300)) \
        == pytest.approx(math.e - 1, rel=1e-9)


@given(y=st.sampled_from([-1.0, 1.0]), yh=st.floats(-1, 1))
def test_lemma2_property(verify, y, yh):
    for loss in ("exp", "logistic"):
        R, _ = tl.residual(loss, np.array([[y]]), np.array([[yh]]))
        _holds(ea.lemma2, {"measured": [abs(R[0, 0] - y)], "inputs": {"yhat": np.array([yh])}})


# ---------------------------------------------------------------------------------------
# Lemmas 3 and 1 (log eps = -5), eps_condition (eps = eps_1)
# ---------------------------------------------------------------------------------------
def _small_eps_run(log_eps: float, t_end: float, seed: int = SEED, h: int = 50, leaky: float = 0.0,
                   loss: str = "exp", n: int = 20, a: float = 0.4, dt: float = DT, stop_fmax: float | None = None):
    X, y = data.orthosep(n, 10, seed=seed, offset=0.5, noise=a)
    pr = tl.Problem(X, y, loss, leaky=leaky)
    st0, W0 = tl.random_balanced_init(10, h, log_eps=log_eps, seed=seed)
    x_max = np.linalg.norm(X, axis=1).max()
    w_max = np.linalg.norm(W0, axis=0).max()
    T = ea.alignment_phase_length(h=h, n=n, x_max=x_max, log_eps=log_eps)
    rec = {"t": [], "w2": [], "fmax": [], "lhs": []}

    def obs(info):
        rec["t"].append(info.t)
        rec["w2"].append(float(np.exp(2 * info.logr.max())))
        rec["fmax"].append(float(np.max(np.abs(info.F))))
        err = direction_error(X, y, loss, info, leaky)
        rec["lhs"].append(float(np.max(np.linalg.norm(err, axis=0))))

    stop = None if stop_fmax is None else (lambda info: rec["fmax"][-1] > stop_fmax)
    tl.simulate(pr, st0, dt=dt, t_end=t_end, observe=obs, log_events=False, stop=stop, record_every=10 ** 7)
    inputs = {"T": T, "eps": math.exp(log_eps), "h": h, "w_max": w_max, "x_max": x_max, "n": n}
    return {k: np.asarray(v) for k, v in rec.items()}, inputs


@pytest.fixture(scope="module")
def eps5_run():
    # log eps = -10 (the card's thorough value; at -5 the Lemma-1 bound, 27, exceeds the late-time error, ~4, so the
    # negative control "for all t" could not discriminate). To t = 3: the norms are O(1) by then.
    return _small_eps_run(-10.0, 3.0)


@pytest.mark.claim("early_alignment.lemma3")
def test_lemma3(verify, eps5_run):
    rec, inp = eps5_run
    ev = {"norm": {"measured": rec["w2"], "inputs": {**inp, "t": rec["t"]}},
          "output": {"measured": rec["fmax"], "inputs": {**inp, "t": rec["t"]}}}
    assert inp["eps"] <= 1 / (4 * math.sqrt(inp["h"]) * inp["x_max"] * inp["w_max"] ** 2)  # the eps condition
    inside = rec["t"] <= inp["T"]
    nb, ob = ea.lemma3_bounds(inp["eps"], inp["h"], inp["w_max"], inp["x_max"])
    verify(ea.lemma3, ev, seed=SEED, params={"log_eps": -10, "h": 50, "T": inp["T"], "t_end": 3.0},
           tolerance="1e-9 relative: Euler states, round-off only (the bound is loose)",
           scale="reduced: log eps = -10 (card: -5, kept in the thorough sweep), run to t = 3 (norms are O(1) already)",
           figure=_fig("Lemma 3: max ||w_j||^2 on [0, T] (log eps = -10)", "t", "max_j ||w_j||^2", rec["t"][inside],
                       [{"label": "measured", "y": list(rec["w2"][inside]), "role": "measured"},
                        {"label": "2 eps W_max^2/sqrt(h)", "y": [nb] * int(inside.sum()), "role": "bound"},
                        {"label": "eps W_max^2/sqrt(h) (sharper, DERIVED)", "y": [nb / 2] * int(inside.sum()), "role": "bound"}],
                       logy=True))
    # the DERIVED sharper form (factor 1) holds as well
    nb1, ob1 = ea.lemma3_bounds(inp["eps"], inp["h"], inp["w_max"], inp["x_max"], sharp=True)
    assert np.all(rec["w2"][inside] <= nb1 * (1 + 1e-9)) and np.all(rec["fmax"][inside] <= ob1 * (1 + 1e-9))
    # wrong exponent eps^2 fails already at t = 0 (h > 4)
    assert rec["w2"][0] > 2 * inp["eps"] ** 2 * inp["w_max"] ** 2 / math.sqrt(inp["h"])


@pytest.mark.claim("early_alignment.lemma1")
def test_lemma1(verify, eps5_run):
    rec, inp = eps5_run
    ev = {"measured": rec["lhs"], "inputs": {**inp, "t": rec["t"]}}
    bound = ea.lemma1_bound(inp["eps"], inp["n"], inp["h"], inp["x_max"], inp["w_max"])
    verify(ea.lemma1, ev, seed=SEED, params={"log_eps": -10, "h": 50, "T": inp["T"]},
           tolerance="1e-9 relative: left side from the exact vector field",
           scale="reduced: log eps = -10 (card: -5; see the fixture)",
           figure=_fig("Lemma 1: direction error vs its bound (log eps = -10)", "t", "max_j error", rec["t"],
                       [{"label": "max_j ||du_j/dt - s_j P x_a||", "y": list(rec["lhs"]), "role": "measured"},
                        {"label": "4 eps n sqrt(h) X_max^2 W_max^2 (t <= T)",
                         "y": list(np.where(rec["t"] <= inp["T"], bound, np.nan)), "role": "bound"}], logy=True))


@pytest.mark.thorough
@pytest.mark.parametrize("log_eps", [-5.0, -10.0, -20.0])
@pytest.mark.parametrize("leaky", [0.0, 0.1, 0.5, 1.0])
def test_lemma1_lemma3_thorough(verify, log_eps, leaky):
    for seed in range(3):
        rec, inp = _small_eps_run(log_eps, 0.5, seed=seed, leaky=leaky)
        assert ea.lemma1.judge({"measured": rec["lhs"], "inputs": {**inp, "t": rec["t"]}}).holds
        ev3 = {"norm": {"measured": rec["w2"], "inputs": {**inp, "t": rec["t"]}},
               "output": {"measured": rec["fmax"], "inputs": {**inp, "t": rec["t"]}}}
        assert ea.lemma3.judge(ev3).holds


@settings(max_examples=5)
@given(seed=st.integers(0, 1000), n=st.integers(6, 30), h=st.integers(5, 60), log_eps=st.floats(-60, -5),
       leaky=st.floats(0, 1))
def test_lemma1_lemma3_property(verify, seed, n, h, log_eps, leaky):
    X, y = data.orthosep(n, 10, seed=seed, offset=0.5, noise=0.4)
    assume(ea.mu_separation(X, y) > 0)
    st0, W0 = tl.random_balanced_init(10, h, log_eps=log_eps, seed=seed)
    x_max, w_max = np.linalg.norm(X, axis=1).max(), np.linalg.norm(W0, axis=0).max()
    assume(log_eps <= -math.log(4 * math.sqrt(h) * x_max * w_max ** 2))
    T = ea.alignment_phase_length(h=h, n=n, x_max=x_max, log_eps=log_eps)
    rec, inp = _small_eps_run(log_eps, T, seed=seed, h=h, leaky=leaky, n=n, dt=0.03 / (n * x_max))
    _holds(ea.lemma3, {"norm": {"measured": rec["w2"], "inputs": {**inp, "t": rec["t"]}},
                       "output": {"measured": rec["fmax"], "inputs": {**inp, "t": rec["t"]}}})
    assert ea.lemma1.judge({"measured": rec["lhs"], "inputs": {**inp, "t": rec["t"]}}).holds


@pytest.mark.claim("early_alignment.eps_condition")
def test_eps_condition(verify):
    X, y = data.orthosep_dead(SEED)
    st0, W0 = tl.random_balanced_init(10, 50, log_eps=0.0, seed=SEED)
    mu = ea.mu_separation(X, y)
    norms = np.linalg.norm(X, axis=1)
    zeta = min(ea.zeta1_max(X, y), ea.zeta2_max(W0, st0.sign, X, y))
    xi = ea.xi_max(X, y)
    w_max = np.linalg.norm(W0, axis=0).max()
    eb = ea.eps_bound(mu, zeta, xi, 50, 20, norms.max(), norms.min(), w_max)
    rec, inp = _small_eps_run(eb["log_eps1"], None or ea.alignment_phase_length(
        h=50, n=20, x_max=norms.max(), log_eps=eb["log_eps1"]))
    mzx = min(mu, zeta, xi)
    ev = {"symbolic": {},
          "numeric": {"measured": rec["fmax"], "inputs": {"mzx": mzx, "mu": mu, "x_min": norms.min(),
                                                          "n": 20, "x_max": norms.max()}}}
    rhs = mzx * math.sqrt(mu) * norms.min() / (4 * 20 * norms.max())
    verify(ea.eps_condition, ev, seed=SEED, params={"eps1": eb["eps1"], "log_eps2": eb["log_eps2"], "h": 50},
           tolerance="symbolic identity (sympy) + 1e-9 relative on the simulated max|f|",
           figure=_fig("(29): max |f| on [0, T] at eps = eps_1", "t", "max_i |f(x_i)|", rec["t"],
                       [{"label": "measured", "y": list(rec["fmax"]), "role": "measured"},
                        {"label": "RHS (29)", "y": [rhs] * len(rec["t"]), "role": "bound"},
                        {"label": "Lemma 3 as stated at eps_1 (= 2 x RHS)", "y": [2 * rhs] * len(rec["t"]),
                         "role": "false_variant"}], logy=True))


# ---------------------------------------------------------------------------------------
# Lemma 4 and Lemma 10 (default run)
# ---------------------------------------------------------------------------------------
@pytest.mark.claim("early_alignment.lemma4")
def test_lemma4(verify, default_run, thorough):
    r = default_run
    mask = r.fmax <= 1.0
    ev = {"measured": np.where(mask, r.lhs4, 0.0), "mask": mask,
          "inputs": {"n": r.n, "x_max": r.x_max, "fmax": r.fmax}}
    parts = [ev]
    # the logistic loss (appendix normalisation): the same bound
    # stop once max|f| > 1.5: beyond that the lemma has no content
    rec, inp = _small_eps_run(-30.0 if not thorough else -60.0, 30.0, loss="logistic", stop_fmax=1.5)
    m2 = rec["fmax"] <= 1.0
    parts.append({"measured": np.where(m2, rec["lhs"], 0.0), "mask": m2,
                  "inputs": {"n": inp["n"], "x_max": inp["x_max"], "fmax": rec["fmax"]}})
    ev_all = {"measured": np.concatenate([p["measured"] for p in parts]),
              "mask": np.concatenate([p["mask"] for p in parts]),
              "inputs": {"n": r.n, "x_max": r.x_max, "fmax": np.concatenate([p["inputs"]["fmax"] for p in parts])}}
    ratio = np.where(mask, r.lhs4 / np.maximum(2 * r.n * r.x_max * r.fmax, 1e-300), np.nan)
    verify(ea.lemma4, ev_all, seed=SEED, params={"log_eps": -60, "h": 50, "losses": "exp, logistic (2 log)"},
           tolerance="1e-9 relative: exact vector field, deviation g_i - y_i computed with expm1/tanh",
           scale="full" if thorough else "reduced: exp run to t = 12; logistic run at log eps = -30 until max|f| > 1.5",
           figure=_fig("Lemma 4: direction error / (2 n X_max max|f|), exp loss", "t", "ratio", r.t[mask],
                       [{"label": "measured ratio (<= 1 claimed)", "y": list(ratio[mask]), "role": "measured"},
                        {"label": "bound", "y": [1.0] * int(mask.sum()), "role": "bound"}]))
    assert np.nanmax(ratio) < 1


@settings(max_examples=10)
@given(seed=st.integers(0, 10 ** 6), leaky=st.floats(0, 1), sym=st.booleans(), scale=st.floats(-40, -0.5))
def test_lemma4_property(verify, seed, leaky, sym, scale):
    X, y = (data.orthosep(12, 6, seed=seed, offset=0.0, noise=0.6) if sym
            else data.orthosep(12, 6, seed=seed, offset=0.5, noise=0.4))
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((6, 8))
    U /= np.linalg.norm(U, axis=0)
    st0 = tl.BalancedState(U, np.where(rng.random(8) < 0.5, 1.0, -1.0), scale + 0.3 * rng.standard_normal(8))
    for loss in ("exp", "logistic"):
        pr = tl.Problem(X, y, loss, leaky=leaky)
        vf = tl.vector_field(pr, st0)
        fmax = float(np.max(np.abs(vf["F"])))
        assume(fmax <= 1)
        info = type("I", (), {"F": vf["F"], "Dsig": vf["Dsig"], "U": st0.U, "B": st0.B})
        err = direction_error(X, y, loss, info, leaky)
        _holds(ea.lemma4, {"measured": np.linalg.norm(err, axis=0),
                           "inputs": {"n": 12, "x_max": np.linalg.norm(X, axis=1).max(), "fmax": fmax}})


@pytest.mark.claim("early_alignment.lemma10")
def test_lemma10(verify, default_run):
    r = default_run
    ev = {"E1": np.asarray(r.E1), "E2": np.asarray(r.E2),
          "inputs": {"n": r.n, "x_max": r.x_max, "fmax": np.asarray(r.f_steps)}}
    lhs = ea._lemma10_measure({"k_proj": 1}, ev)
    verify(ea.lemma10, ev, seed=SEED, params={"refs": "y_i x^_i, x^_+, x^_-, 10 random unit vectors",
                                              "every": "10th step while max|f| <= 1"},
           tolerance="1e-9 relative: exact vector field",
           scale="reduced: every 10th Euler step of the plateau instead of every step",
           figure=_fig("Lemma 10: reference-direction error / bound", "state index (every 10th step)", "ratio",
                       np.arange(lhs.size), [{"label": "max_{r,j} error / (2 n X_max max|f|)",
                                              "y": list(lhs / (2 * r.n * r.x_max * np.asarray(r.f_steps))),
                                              "role": "measured"}]))


# ---------------------------------------------------------------------------------------
# Geometry: Lemmas 5, 7, 8, 11
# ---------------------------------------------------------------------------------------
def _conic_samples(X, y, rng, n_pairs):
    n = X.shape[0]
    Z = X * y[:, None]
    dense = rng.exponential(size=(n_pairs, n))
    # sparse combinations: one or two generators
    sparse = np.zeros((n_pairs, n))
    rows = np.arange(n_pairs)
    sparse[rows, rng.integers(0, n, n_pairs)] = rng.exponential(size=n_pairs)
    two = rng.random(n_pairs) < 0.5
    sparse[rows[two], rng.integers(0, n, int(two.sum()))] += rng.exponential(size=int(two.sum()))
    A = np.vstack([dense, sparse])
    return A, A @ Z


@pytest.mark.claim("early_alignment.lemma5")
def test_lemma5(verify):
    X, y = data.orthosep_dead(SEED)
    mu = ea.mu_separation(X, y)
    rng = np.random.default_rng(SEED)
    A, Zc = _conic_samples(X, y, rng, 25000)
    Zn = Zc / np.linalg.norm(Zc, axis=1, keepdims=True)
    perm = rng.permutation(len(Zn))
    cos = np.sum(Zn * Zn[perm], axis=1)
    Zg = X * y[:, None] / np.linalg.norm(X, axis=1)[:, None]
    cos = np.concatenate([cos, (Zg @ Zg.T).ravel()])  # generator pairs (the extreme pair attains mu)
    verify(ea.lemma5, {"measured": cos, "inputs": {"mu": mu}}, seed=SEED,
           params={"pairs": cos.size, "data": "orthosep_dead"}, tolerance="1e-12 absolute: float64 cosines",
           scale="reduced: 5e4 random conic pairs (+ all generator pairs) instead of 1e5",
           figure=_fig("Lemma 5: cosines within the cone K", "sorted pair index", "cos", np.arange(200),
                       [{"label": "200 smallest cosines", "y": list(np.sort(cos)[:200]), "role": "measured"},
                        {"label": "mu", "y": [mu] * 200, "role": "bound"},
                        {"label": "sqrt(mu) (false variant)", "y": [math.sqrt(mu)] * 200, "role": "false_variant"}]))


@given(seed=st.integers(0, 10 ** 6), a=st.floats(0.1, 0.9))
@settings(max_examples=10)
def test_lemma5_property(verify, seed, a):
    X, y = data.orthosep(12, 6, seed=seed, offset=0.0, noise=a)
    mu = ea.mu_separation(X, y)
    rng = np.random.default_rng(seed)
    _, Zc = _conic_samples(X, y, rng, 200)
    Zn = Zc / np.linalg.norm(Zc, axis=1, keepdims=True)
    _holds(ea.lemma5, {"measured": (Zn @ Zn.T).ravel(), "inputs": {"mu": mu}})
    assert ea.lemma5.judge({"measured": (Zn @ Zn.T).ravel(), "inputs": {"mu": mu}}).holds


def _lemma7_evidence(X, y, rng, n_samples):
    mu = ea.mu_separation(X, y)
    norms = np.linalg.norm(X, axis=1)
    A, Xc = _conic_samples(X, y, rng, n_samples)
    lhs = (Xc @ X.T) * y[None, :]  # y_i <x_c, x_i>, (samples, n)
    suma = A @ norms  # sum_j a_j ||x_j||
    pos = y > 0
    act = Xc @ X.T > 0
    return {"chain1": {"measured": lhs.ravel(), "inputs": {"mu": mu, "xnorm_suma": np.outer(suma, norms).ravel()}},
            "chain2": {"measured": mu * np.outer(suma, norms).ravel(),
                       "inputs": {"mu": mu, "x_min": norms.min(),
                                  "xc_norm": np.repeat(np.linalg.norm(Xc, axis=1), X.shape[0])}},
            "membership": {"in_plus": np.all(act == pos[None, :], axis=1),
                           "neg_in_minus": np.all((-Xc @ X.T > 0) == ~pos[None, :], axis=1)}}


@pytest.mark.claim("early_alignment.lemma7")
def test_lemma7(verify):
    X, y = data.orthosep_dead(SEED)
    ev = _lemma7_evidence(X, y, np.random.default_rng(SEED), 10000)
    verify(ea.lemma7, ev, seed=SEED, params={"samples": 20000, "data": "orthosep_dead"},
           tolerance="1e-12 absolute: float64 inner products",
           scale="reduced: 2e4 conic combinations")


@given(seed=st.integers(0, 10 ** 6), a=st.floats(0.1, 0.9))
@settings(max_examples=10)
def test_lemma7_property(verify, seed, a):
    X, y = data.orthosep(12, 6, seed=seed, offset=0.0, noise=a)
    _holds(ea.lemma7, _lemma7_evidence(X, y, np.random.default_rng(seed), 200))


def _cap_critical(X, y, xhat, sign, E):
    """For unit directions ``E`` (rows) orthogonal to ``xhat``: sin^2 of the largest angle
    theta such that cos(theta) xhat + sin(theta) e stays in S_sign (exact, per direction)."""
    a = sign * y * (X @ xhat)  # > 0 by Lemma 7
    b = sign * y[None, :] * (E @ X.T)  # (m, n)
    s2 = np.where(b < 0, a[None, :] ** 2 / (a[None, :] ** 2 + b ** 2), 1.0)
    return s2.min(axis=1)


def _lemma8_evidence(X, y, rng, m):
    out = []
    for sign, xs in ((1.0, X[y > 0].sum(0)), (-1.0, X[y < 0].sum(0))):
        xhat = xs / np.linalg.norm(xs)
        E = rng.standard_normal((m, X.shape[1]))
        # the exact worst directions: away from each signed data point (sharpness witnesses)
        E = np.vstack([E, -(sign * y[:, None] * X)])
        E -= np.outer(E @ xhat, xhat)
        E /= np.linalg.norm(E, axis=1, keepdims=True)
        out.append(_cap_critical(X, y, xhat, sign, E))
    return {"measured": np.concatenate(out), "inputs": {"zeta1": ea.zeta1_max(X, y)}}


@pytest.mark.claim("early_alignment.lemma8")
def test_lemma8(verify):
    X, y = data.orthosep_dead(SEED)
    ev = _lemma8_evidence(X, y, np.random.default_rng(SEED), 20000)
    z1 = ev["inputs"]["zeta1"]
    assert z1 >= ea.mu_separation(X, y) ** 2
    verify(ea.lemma8, ev, seed=SEED, params={"zeta1_star": z1, "directions": ev["measured"].size},
           tolerance="1e-9 relative (round-off); sharpness: some direction within 1e-3 of zeta_1^*",
           figure=_fig("Lemma 8: critical sin^2 of cap directions", "sorted direction index", "sin^2 theta_crit",
                       np.arange(100), [{"label": "100 smallest", "y": list(np.sort(ev["measured"])[:100]), "role": "measured"},
                                        {"label": "zeta_1^*", "y": [z1] * 100, "role": "bound"},
                                        {"label": "2 zeta_1^* (false variant)", "y": [2 * z1] * 100, "role": "false_variant"}]))
    # Monte-Carlo boundary points of the cap at zeta_1^*(1 - 1e-9) all lie in S_+
    rng = np.random.default_rng(1)
    xp = X[y > 0].sum(0)
    xp /= np.linalg.norm(xp)
    E = rng.standard_normal((20000, 10))
    E -= np.outer(E @ xp, xp)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    s = math.sqrt(z1 * (1 - 1e-9))
    Z = math.sqrt(1 - s * s) * xp + s * E
    assert np.all(tl.cone_labels(X, y, Z.T) == tl.PLUS)


@given(seed=st.integers(0, 10 ** 6), a=st.floats(0.1, 0.9), c=st.floats(0, 0.6))
@settings(max_examples=10)
def test_lemma8_property(verify, seed, a, c):
    X, y = data.orthosep(12, 6, seed=seed, offset=c, noise=a)
    assume(ea.mu_separation(X, y) > 1e-3)
    ev = _lemma8_evidence(X, y, np.random.default_rng(seed), 500)
    assert ev["inputs"]["zeta1"] >= ea.mu_separation(X, y) ** 2 - 1e-12
    _holds(ea.lemma8, ev)


def _lemma11_evidence(datasets, rng, m):
    meas, na_all, mu_all, xmin_all = [], [], [], []
    for X, y in datasets:
        mu = ea.mu_separation(X, y)
        Wr = rng.standard_normal((X.shape[1], m))
        # include the all-positive and all-negative patterns (largest n_a)
        Wr = np.hstack([Wr, X[y > 0].sum(0)[:, None], X[y < 0].sum(0)[:, None]])
        xa, na = ea.signed_active_sum(X, y, Wr)
        keep = na > 0
        meas.append(np.linalg.norm(xa, axis=0)[keep])
        na_all.append(na[keep])
        mu_all.append(np.full(keep.sum(), mu))
        xmin_all.append(np.full(keep.sum(), np.linalg.norm(X, axis=1).min()))
    inp = {"n_a": np.concatenate(na_all), "mu": np.concatenate(mu_all), "x_min": np.concatenate(xmin_all)}
    m_all = np.concatenate(meas)
    return {"sharp": {"measured": m_all, "inputs": inp}, "simple": {"measured": m_all, "inputs": inp}}


@pytest.mark.claim("early_alignment.lemma11")
def test_lemma11(verify):
    rng = np.random.default_rng(SEED)
    # orthosep_dead, and equal-norm data with a wide spread (where dropping sqrt(mu) is visibly wrong)
    datasets = [data.orthosep_dead(SEED), data.orthosep(20, 10, seed=SEED, offset=0.0, noise=0.9, scale=(1.0, 1.0))]
    ev = _lemma11_evidence(datasets, rng, 25000)
    verify(ea.lemma11, ev, seed=SEED, params={"w": "5e4 Gaussian directions + the class sums",
                                              "data": "orthosep_dead; equal-norm orthosep (noise 0.9)"},
           tolerance="1e-12 absolute", scale="reduced: 5e4 directions instead of 1e5")


@given(seed=st.integers(0, 10 ** 6), a=st.floats(0.1, 0.95))
@settings(max_examples=10)
def test_lemma11_property(verify, seed, a):
    X, y = data.orthosep(14, 6, seed=seed, offset=0.0, noise=a)
    _holds(ea.lemma11, _lemma11_evidence([(X, y)], np.random.default_rng(seed), 300))


# ---------------------------------------------------------------------------------------
# activation monotonicity, dwell time, t1
# ---------------------------------------------------------------------------------------
def _events_and_boundary(X, y, pr, run, dt):
    """Events of a run recorded at every step, re-examined at dt/2 when close to the
    hyperplane, and the crossing rate y_i s_j <x^_i, du_j/dt> at the exact crossing state."""
    ev = run.events
    s = run.sign
    keep = np.ones(ev["i"].size, dtype=bool)
    rate = []
    Xn = X / np.linalg.norm(X, axis=1)[:, None]
    for e, (k, i, j, on) in enumerate(zip(ev["step"], ev["i"], ev["j"], ev["on"])):
        forbidden = s[j] * y[i] * (1 if on else -1) < 0
        if forbidden:
            # discretisation guard: redo the step from the previous state with dt/2
            half = tl.simulate(pr, run.state(k - 1), dt=dt / 2, steps=2)
            keep[e] = ((X[i] @ half.final.U[:, j]) > 0) == bool(on)
        u0, u1 = run.U[k - 1][:, j], run.U[k][:, j]
        a0, a1 = X[i] @ u0, X[i] @ u1
        lam = a0 / (a0 - a1)
        ub = (1 - lam) * u0 + lam * u1
        ub = ub - (X[i] @ ub + 1e-12 * np.linalg.norm(X[i])) * X[i] / (X[i] @ X[i])  # just inactive: sigma'(0) = 0
        ub /= np.linalg.norm(ub)
        U = run.U[k - 1].copy()
        U[:, j] = ub
        if not np.any(X @ ub > 0):
            continue  # the neuron is dead at the crossing state: the rate bound is for live neurons
        vf = tl.vector_field(pr, tl.BalancedState(U, run.B[k - 1], run.logr[k - 1]))
        rate.append(y[i] * s[j] * Xn[i] @ vf["dU"][:, j])
    return {"sign": s[ev["j"][keep]], "label": y[ev["i"][keep]], "on": ev["on"][keep]}, np.asarray(rate), keep


@pytest.mark.claim("early_alignment.activation_monotonicity")
def test_activation_monotonicity(verify, early_run):
    X, y, run = early_run["X"], early_run["y"], early_run["run"]
    events, rate, keep = _events_and_boundary(X, y, early_run["pr"], run, DT)
    mu = ea.mu_separation(X, y)
    x_min = np.linalg.norm(X, axis=1).min()
    ev = {"events": events, "boundary": {"measured": rate, "inputs": {"mu": mu, "x_min": x_min}}}
    gains = int(np.sum(events["sign"] * events["label"] * np.where(events["on"], 1, -1) > 0))
    verify(ea.activation_monotonicity, ev, seed=SEED,
           params={"log_eps": -60, "h": 50, "T": early_run["T"], "events": int(events["on"].size),
                   "events_discarded_at_dt/2": int((~keep).sum())},
           tolerance="zero forbidden events; crossing rate >= mu^{3/2} X_min/2 - 1e-6 at the exact crossing states",
           figure=_fig("Crossing rates y_i s_j d/dt <w^_j, x^_i> at activation changes", "event", "rate",
                       np.arange(rate.size), [{"label": "measured", "y": list(np.sort(rate)), "role": "measured"},
                                              {"label": "mu^{3/2} X_min / 2", "y": [0.5 * mu ** 1.5 * x_min] * rate.size,
                                               "role": "bound"}],
                       note=f"{gains} allowed (gain own class / lose other class) events, 0 forbidden"))


@settings(max_examples=4)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(6, 24), a=st.floats(0.1, 0.6), h=st.integers(5, 40))
def test_activation_monotonicity_property(verify, seed, n, a, h):
    X, y = data.orthosep(n, 10, seed=seed, offset=0.5, noise=a)
    assume(ea.mu_separation(X, y) > 0.05)
    pr = tl.Problem(X, y)
    st0, _ = tl.random_balanced_init(10, h, log_eps=-60.0, seed=seed)
    x_max = np.linalg.norm(X, axis=1).max()
    dt = 0.03 / (n * x_max)
    T = ea.alignment_phase_length(h=h, n=n, x_max=x_max, log_eps=-60.0)
    run = tl.simulate(pr, st0, dt=dt, t_end=T, record_every=1)
    events, _, _ = _events_and_boundary(X, y, pr, run, dt)
    ok, reason = ea._monotone_events(ea.activation_monotonicity, events)
    assert ok, reason


@pytest.fixture(scope="module")
def two_point_runs():
    """two_point_cx at eps = 1.2e-39 for theta_0 in {1e-2, 1e-4, 1e-6, 1e-10}: first
    pattern change (dt = 4e-3; the closed-form comparison at dt = 1e-3 is in tests/)."""
    out = {}
    eb = ea.eps_bound(1.0, 0.99, 0.99, 1, 2, 1.0, 1.0, 1.0)  # printed reading: zeta = max{zeta_1, zeta_2} = 0.99
    for th in (1e-2, 1e-4, 1e-6, 1e-10):
        X, y, W0, s = data.two_point_counterexample(th)
        pr = tl.Problem(X, y)
        st0 = tl.balanced_init(W0, s, eb["log_eps2"])
        # horizon: 10 % past the DERIVED escape time (the measurement is the logged event, not the closed form)
        horizon = 1.1 * float(ea.escape_time_two_point(th)) + 0.5
        run = tl.simulate(pr, st0, dt=4e-3, t_end=horizon, record_every=10 ** 7)
        assert run.events["t"].size > 0
        out[th] = {"t_esc": float(run.events["t"][0]), "final": run.final, "X": X, "y": y}
    out["log_eps"] = eb["log_eps2"]
    return out


def _dwell_orthosep(early_run):
    """Maximal constant-pattern intervals before T of neurons outside their own cone u S_dead."""
    X, y, run = early_run["X"], early_run["y"], early_run["run"]
    s = run.sign
    pos = y > 0
    acts = np.einsum("nd,tdh->tnh", X, run.U) > 0  # (steps, n, h)
    lengths, na = [], []
    for j in range(run.U.shape[2]):
        pat = acts[:, :, j]
        change = np.nonzero(np.any(pat[1:] != pat[:-1], axis=1))[0] + 1
        bounds = np.concatenate([[0], change, [pat.shape[0] - 1]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            code = cone_codes(pat[a][:, None], pos)[0]
            own = tl.PLUS if s[j] > 0 else tl.MINUS
            if code in (own, tl.DEAD):
                continue
            lengths.append(run.t[b] - run.t[a])
            na.append(int(pat[a].sum()))
    return np.asarray(lengths), np.asarray(na)


@pytest.mark.claim("early_alignment.dwell_time")
def test_dwell_time(verify, two_point_runs, early_run):
    ths = np.array([1e-2, 1e-4, 1e-6, 1e-10])
    t_esc = np.array([two_point_runs[th]["t_esc"] for th in ths])
    cx = {"measured": t_esc, "inputs": {"zeta1": 0.99, "zeta2": np.sin(ths) ** 2, "xi": 0.99, "mu": 1.0,
                                        "x_min": 1.0, "n_a": 1}}
    X, y = early_run["X"], early_run["y"]
    lengths, na = _dwell_orthosep(early_run)
    z2 = ea.zeta2_max(early_run["W0"], early_run["st0"].sign, X, y)
    orth = {"measured": lengths, "inputs": {"zeta1": ea.zeta1_max(X, y), "zeta2": z2, "xi": ea.xi_max(X, y),
                                            "mu": ea.mu_separation(X, y), "x_min": np.linalg.norm(X, axis=1).min(),
                                            "n_a": na}}
    verify(ea.dwell_time_claim, {"cx": cx, "orthosep": orth}, seed=SEED,
           params={"theta0": list(ths), "dt": 4e-3, "log_eps": two_point_runs["log_eps"],
                   "orthosep_intervals": int(lengths.size)},
           tolerance="1e-9 relative; escape times carry an O(dt) Euler error (< 0.3 %), far below the gaps",
           figure=_fig("two_point_cx: time in S_- vs theta_0", "theta_0", "time", ths,
                       [{"label": "measured escape time", "y": list(t_esc), "role": "measured"},
                        {"label": "-log tan(theta_0/2) (DERIVED)", "y": list(ea.escape_time_two_point(ths)), "role": "theory"},
                        {"label": "printed dwell bound 4/0.99", "y": [4 / 0.99] * 4, "role": "false_variant"}],
                       logx=True))
    assert np.allclose(t_esc, ea.escape_time_two_point(ths), rtol=3e-3)  # Euler at dt = 4e-3


@pytest.mark.claim("early_alignment.thm1_alignment")
def test_thm1_alignment(verify, default_run):
    r = default_run
    ev = {"labels": r.labels, "t": r.t, "sign": r.sign, "own_init": r.own_init, "T": r.T}
    final = r.labels[-1]
    n_dead = (int(np.sum((final == tl.DEAD) & (r.sign > 0))), int(np.sum((final == tl.DEAD) & (r.sign < 0))))
    verify(ea.thm1_alignment, ev, seed=SEED,
           params={"log_eps": -60, "h": 50, "T": r.T, "t1_emp": r.t1, "dead_V+/V-": n_dead,
                   "own_init": int(r.own_init.sum())},
           tolerance="exact cone membership (strict mask) at every Euler step",
           figure=_fig("Neurons in their cones", "t", "fraction of neurons in own cone or S_dead", r.t[::10][:1000],
                       [{"label": "measured", "y": [float(np.mean(np.where(r.sign > 0, np.isin(l, [1, 0]), np.isin(l, [-1, 0]))))
                                                    for l in r.labels[::10][:1000]], "role": "measured"}],
                       note=f"t1_emp = {r.t1:.3f}, T = {r.T:.3f}"))
    # negative control of the checker: orthogonal data (mu = 0, App. A.3) must make it fail
    Xo, yo = data.orthogonal_pair()
    st0 = tl.balanced_init(np.array([[1.0], [-0.5]]), np.array([1.0]), -60.0)  # activates x_1 only
    run = tl.simulate(tl.Problem(Xo, yo), st0, dt=1e-2, t_end=20.0, record_every=1)
    labs = np.array([cone_codes(Xo @ U > 0, yo > 0) for U in run.U])
    v = ea.thm1_alignment.judge({"labels": labs, "t": run.t, "sign": np.array([1.0]), "own_init": np.array([True]),
                                 "T": 1e9})
    assert v.fails and abs(run.final.U[:, 0] @ np.array([1.0, 0.0])) > 0.999


@settings(max_examples=3)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(6, 30), a=st.floats(0.1, 0.5), c=st.floats(0, 0.7),
       h=st.integers(5, 60))
def test_thm1_alignment_property(verify, seed, n, a, c, h):
    X, y = data.orthosep(n, 10, seed=seed, offset=c, noise=a)
    assume(ea.mu_separation(X, y) > 0.05)
    st0, W0 = tl.random_balanced_init(10, h, log_eps=-60.0, seed=seed)
    x_max = np.linalg.norm(X, axis=1).max()
    T = ea.alignment_phase_length(h=h, n=n, x_max=x_max, log_eps=-60.0)
    labels = []
    pos = y > 0
    tl.simulate(tl.Problem(X, y), st0, dt=0.03 / (n * x_max), t_end=1.5 * T,
                observe=lambda i: labels.append(cone_codes(i.A > 0, pos)))
    t = np.arange(len(labels)) * 0.03 / (n * x_max)
    own = np.where(st0.sign > 0, (X[pos] @ W0 > 0).any(0), (X[~pos] @ W0 > 0).any(0))
    _holds(ea.thm1_alignment, {"labels": np.asarray(labels), "t": t, "sign": st0.sign, "own_init": own, "T": T})


@pytest.mark.claim("early_alignment.t1_explicit")
def test_t1_explicit(verify, two_point_runs, default_run):
    r = default_run
    cx_run = two_point_runs[1e-6]
    cx = {"measured": [cx_run["t_esc"]], "inputs": {"n": 2, "zeta1": 0.99, "zeta2": math.sin(1e-6) ** 2, "xi": 0.99,
                                                    "mu": 1.0, "x_min": 1.0}}
    z2 = ea.zeta2_max(r.W0, r.sign, r.X, r.y)
    orth = {"measured": [r.t1], "inputs": {"n": r.n, "zeta1": ea.zeta1_max(r.X, r.y), "zeta2": z2,
                                           "xi": ea.xi_max(r.X, r.y), "mu": r.mu, "x_min": r.x_min}}
    T_cx = ea.alignment_phase_length(h=1, n=2, x_max=1.0, log_eps=two_point_runs["log_eps"])
    printed_t1 = 16 * math.log(2) / 0.99
    assert T_cx == pytest.approx(printed_t1, rel=1e-12)  # (28) with the printed zeta makes T = t_1
    verify(ea.t1_explicit, {"cx": cx, "orthosep": orth}, seed=SEED,
           params={"theta0": 1e-6, "eps": "1.2e-39 (from (28), printed reading)", "T_cx": T_cx,
                   "orthosep_t1_emp": r.t1, "orthosep_t1_bound": float(ea.t1_bound(r.n, min(ea.zeta1_max(r.X, r.y), z2),
                                                                                    ea.xi_max(r.X, r.y), r.mu, r.x_min))},
           tolerance="1e-9 relative",
           figure=_fig("two_point_cx: angle from x_- (theta_0 = 1e-6)", "t", "printed t_1 vs escape",
                       [0.0, printed_t1, cx_run["t_esc"]],
                       [{"label": "neuron still in S_- (1) / left (0)", "y": [1, 1, 0], "role": "measured"}],
                       note=f"printed t_1 = {printed_t1:.2f} = T; the neuron leaves S_- at {cx_run['t_esc']:.2f}"))


@pytest.mark.claim("early_alignment.t1_scaling")
def test_t1_scaling(verify, thorough):
    ns = [10, 20, 40, 80, 160]
    series = {}
    rows = []
    for a in (0.6, 1.0):
        nn, t1s, mus = [], [], []
        for n in ns:
            for seed in range(3 if thorough else 2):
                X, y = data.orthosep_sym(seed, n=n, noise=a)
                mu = ea.mu_separation(X, y)
                st0, _ = tl.random_balanced_init(10, 40, log_eps=-60.0, seed=seed)
                x_max = np.linalg.norm(X, axis=1).max()
                dt = 0.01 / (n * x_max)
                pos = y > 0
                s = st0.sign
                # alignment checked every 4th step: a resolution of 0.04/(n X_max), ~1 % of t1
                run = tl.simulate(tl.Problem(X, y), st0, dt=dt, t_end=40.0 / n, record_every=10 ** 7, log_events=False,
                                  observe_every=4,
                                  stop=lambda i: bool(ea._aligned_steps(cone_codes(i.A > 0, pos)[None, :], s, True)[0]))
                assert run.stopped
                nn.append(n)
                t1s.append(float(run.t[-1]))
                mus.append(mu)
                rows.append((a, n, seed, run.t[-1], mu))
        series[f"a={a}"] = {"n": nn, "t1": t1s, "mu": mus}
    fig_series = []
    for name, s in series.items():
        fig_series.append({"label": f"t1_emp ({name})", "x": s["n"], "y": s["t1"], "role": "measured"})
    fit = loglog_fit(np.asarray(series["a=0.6"]["n"], float), np.asarray(series["a=0.6"]["t1"]))
    verify(ea.t1_scaling, {"series": series}, params={"n": ns, "seeds": 3 if thorough else 2, "h": 40, "log_eps": -60,
                                                     "fitted_exponent_a0.6": fit.slope},
           tolerance="95 % CI of the fitted log-log slope of t1_emp sqrt(mu) vs n below the slope of log n + 0.1",
           scale="full" if thorough else "reduced: 2 seeds per point instead of 3",
           figure=_fig("t1_emp against n (orthosep_sym)", "n", "t1_emp", ns, fig_series, logx=True, logy=True,
                       note="measured t1 ~ 1/n: far below the O(log n / sqrt(mu)) bound"))


# ---------------------------------------------------------------------------------------
# after alignment: Lemmas 12-15, rate, t2, low rank
# ---------------------------------------------------------------------------------------
@pytest.mark.claim("early_alignment.lemma12_trapping")
def test_lemma12_trapping(verify, default_run):
    r = default_run
    ev = {"labels": r.labels, "sign": r.sign}
    start_minus = (r.labels[0] == tl.MINUS) & (r.sign > 0)
    verify(ea.lemma12_trapping, ev, seed=SEED,
           params={"t_end": float(r.t[-1]), "V+_starting_in_S-": int(start_minus.sum())},
           tolerance="exact membership at every Euler step",
           scale="full" if r.t[-1] >= 29 else "reduced: run to t = 12 (loss already fitted)",
           figure=_fig("Cone occupation over time", "t", "number of neurons", r.t[::50],
                       [{"label": code, "y": [int(np.sum(l == c)) for l in r.labels[::50]], "role": "measured"}
                        for code, c in (("S_+", tl.PLUS), ("S_-", tl.MINUS), ("S_dead", tl.DEAD), ("other", tl.OTHER))]))


@pytest.mark.claim("early_alignment.lemma13")
def test_lemma13(verify, default_run):
    r = default_run
    lab1 = r.labels[r.k1]
    groups = [np.nonzero(lab1 == tl.PLUS)[0], np.nonzero(lab1 == tl.MINUS)[0]]
    lse = lambda v: float(np.max(v) + np.log(np.sum(np.exp(v - np.max(v)))))
    meas = [lse(2 * r.logr[r.k1, g]) for g in groups]
    base = [lse(2 * r.logr[0, g]) for g in groups]
    ev = {"measured": meas, "inputs": {"log_sum0": base, "n": r.n, "x_max": r.x_max, "t1": r.t1}}
    verify(ea.lemma13, ev, seed=SEED, params={"t1_emp": r.t1, "growth_factors": list(np.exp(np.subtract(meas, base)))},
           tolerance="1e-9 absolute in log scale")


@pytest.mark.claim("early_alignment.lemma14")
def test_lemma14(verify, default_run):
    r = default_run
    lab1 = r.labels[r.k1]
    groups = [np.nonzero(lab1 == tl.PLUS)[0], np.nonzero(lab1 == tl.MINUS)[0]]
    ev = {"logr": r.logr, "dlogr": r.dlogr, "k1": r.k1, "groups": groups}
    lse = lambda M: np.max(M, axis=1) + np.log(np.sum(np.exp(M - np.max(M, axis=1, keepdims=True)), axis=1))
    verify(ea.lemma14, ev, seed=SEED, params={"t1_emp": r.t1},
           tolerance="derivative from the exact vector field must be >= 0; recorded sums non-decreasing to 1e-12 relative",
           figure=_fig("Class-wise log sum ||w_j||^2", "t", "log sum", r.t[::20],
                       [{"label": "V~_+", "y": list(lse(2 * r.logr[::20][:, groups[0]])), "role": "measured"},
                        {"label": "V~_-", "y": list(lse(2 * r.logr[::20][:, groups[1]])), "role": "measured"}],
                       note=f"t1_emp = {r.t1:.3f}"))


def _lemma15_evidence(seed: int, draws: int, losses=("exp", "logistic")):
    X, y = data.orthosep_dead(SEED)
    Xk = X[y > 0]
    gamma, _ = tl.one_class_max_margin(Xk)
    rng = np.random.default_rng(seed)
    meas, vn, Ls = [], [], []
    for loss in losses:
        pr = tl.Problem(Xk, np.ones(len(Xk)), loss, leaky=1.0)  # leaky slope 1: the linear network
        k = 0
        while k < draws:
            W = rng.standard_normal((10, 8)) * 10 ** rng.uniform(-3, 1)
            v = rng.standard_normal(8) * 10 ** rng.uniform(-3, 1)
            if np.min(Xk @ W @ v) < 0:
                continue
            gW, gv, L = tl.gradients(pr, W, v)
            meas.append(np.sum(gW ** 2) + np.sum(gv ** 2))  # -dL/dt along gradient flow
            vn.append(np.linalg.norm(v))
            Ls.append(L)
            k += 1
    return {"measured": np.asarray(meas), "inputs": {"vnorm": np.asarray(vn), "L": np.asarray(Ls), "gamma": gamma}}


@pytest.mark.claim("early_alignment.lemma15")
def test_lemma15(verify):
    ev = _lemma15_evidence(SEED, 1000)
    verify(ea.lemma15, ev, seed=SEED, params={"draws_per_loss": 1000, "D": 10, "h": 8, "gamma": ev["inputs"]["gamma"]},
           tolerance="1e-12 relative: analytic gradients", scale="reduced: 1000 draws per loss instead of 1e4")


@given(seed=st.integers(0, 10 ** 6))
@settings(max_examples=5)
def test_lemma15_property(verify, seed):
    _holds(ea.lemma15, _lemma15_evidence(seed, 20))


class SymRun:
    """orthosep_sym, h = 50: t1_emp, t2 (first time both max_{I_pm} |f_pm| > 1/4) and the loss.

    Up to t_2 + 2 the step is ``0.035/(n X_max)``; afterwards the loss is small, the
    directions hardly move and the step is 4x larger (the thorough test halves both)."""

    def __init__(self, log_eps, t_end, n=20, seed=SEED, h=50, dt=None, until_t2=False, loss="exp", late_factor=4.0):
        X, y = data.orthosep_sym(seed, n=n)
        self.X, self.y, self.n, self.h, self.log_eps = X, y, n, h, log_eps
        norms = np.linalg.norm(X, axis=1)
        self.x_max, self.x_min, self.mu = norms.max(), norms.min(), ea.mu_separation(X, y)
        self.dt = dt if dt is not None else 0.035 / (n * self.x_max)
        st0, W0 = tl.random_balanced_init(10, h, log_eps=log_eps, seed=seed)
        self.w_min = np.linalg.norm(W0, axis=0).min()
        self.T = ea.alignment_phase_length(h=h, n=n, x_max=self.x_max, log_eps=log_eps)
        s = st0.sign
        pos = y > 0
        pr = tl.Problem(X, y, loss)
        state = {"k1": None, "groups": None, "t2": None}

        def obs(info):
            if state["k1"] is None:
                lab = cone_codes(info.A > 0, pos)
                if ea._aligned_steps(lab[None, :], s, True)[0]:
                    state["k1"] = info.step
                    state["t1"] = info.t
                    state["groups"] = (lab == tl.PLUS, lab == tl.MINUS)
            elif state["t2"] is None:
                r2 = np.exp(2 * info.logr)
                gp, gm = state["groups"]
                fp = (np.maximum(info.A[:, gp], 0) * r2[gp] * s[gp]).sum(1)
                fm = (np.maximum(info.A[:, gm], 0) * r2[gm] * s[gm]).sum(1)
                if np.max(np.abs(fp[pos])) > 0.25 and np.max(np.abs(fm[~pos])) > 0.25:
                    state["t2"] = info.t
                    state["L2"] = math.exp(info.logL)

        # t1 and t2 are read every second step (resolution 2 dt, far below every tolerance used)
        run = tl.simulate(pr, st0, dt=self.dt, t_end=t_end, record_every=10, observe=obs, observe_every=2,
                          log_events=False, stop=lambda i: state["t2"] is not None)
        ts, logL = [run.t], [run.logL]
        self.t1, self.t2, self.L2 = state.get("t1"), state["t2"], state.get("L2")
        if not until_t2 and self.t2 is not None and self.t2 < t_end:
            t0, cur = self.t2, run.final
            for seg_end, seg_dt in ((min(self.t2 + 2.0, t_end), self.dt), (t_end, late_factor * self.dt)):
                if seg_end <= t0:
                    continue
                nxt = tl.simulate(pr, cur, dt=seg_dt, t_end=seg_end - t0, record_every=10, log_events=False)
                ts.append(t0 + nxt.t[1:])
                logL.append(nxt.logL[1:])
                t0, cur = t0 + nxt.t[-1], nxt.final
        self.t, self.logL = np.concatenate(ts), np.concatenate(logL)
        self.xp, self.xm = X[pos].sum(0), X[~pos].sum(0)


@pytest.fixture(scope="module")
def sym_runs(thorough):
    runs = {-40.0: SymRun(-40.0, 30.0)}
    for le in (-20.0, -80.0):
        runs[le] = SymRun(le, 30.0, until_t2=True)
    return runs


@pytest.mark.claim("early_alignment.thm1_rate")
def test_thm1_rate(verify, sym_runs, thorough):
    r = sym_runs[-40.0]
    assert r.t1 is not None and r.t2 is not None
    alpha = ea.alpha_rate(r.mu, r.x_min, r.x_max)
    after = r.t >= r.t2
    L = np.exp(r.logL)
    win = r.t >= r.t2 + 10
    fit = loglog_fit(r.t[win][::50], L[win][::50])
    ev = {"envelope": {"measured": L[after], "inputs": {"t": r.t[after], "t2": r.t2, "L2": r.L2, "alpha": alpha}},
          "slope": {"fit": fit.as_dict()}}
    env = ea.loss_envelope(r.t[after], r.t2, r.L2, alpha)
    verify(ea.thm1_rate, ev, params={"data": "orthosep_sym", "log_eps": -40, "h": 50, "t2": r.t2, "alpha_rate": alpha,
                                     "t*L(t) at t=30": float(r.t[-1] * L[-1])},
           seed=SEED, tolerance="envelope: 1e-9 relative; rate: fitted slope CI must reach -1 + 0.05",
           figure=_fig("Loss after t_2 and the O(1/t) envelope", "t", "L(t)", r.t[after][::20],
                       [{"label": "measured L(t)", "y": list(L[after][::20]), "role": "measured"},
                        {"label": "L2/(L2 alpha (t - t2) + 1)", "y": list(env[::20]), "role": "bound"}],
                       logx=True, logy=True))
    # the reversed inequality ("the loss does not go below the envelope") is rejected by a wide margin
    assert L[-1] < env[-1] / 100


@pytest.mark.thorough
def test_thm1_rate_thorough(verify):
    for loss in ("exp", "logistic"):
        finals = []
        for dt in (1e-3, 5e-4):
            r = SymRun(-40.0, 30.0, dt=dt, loss=loss)
            finals.append((r.t2, r.logL[-1]))
            alpha = ea.alpha_rate(r.mu, r.x_min, r.x_max)
            after = r.t >= r.t2
            L = np.exp(r.logL)
            win = r.t >= r.t2 + 10
            fit = loglog_fit(r.t[win][::50], L[win][::50])
            ev = {"envelope": {"measured": L[after], "inputs": {"t": r.t[after], "t2": r.t2, "L2": r.L2, "alpha": alpha}},
                  "slope": {"fit": fit.as_dict()}}
            _holds(ea.thm1_rate, ev)
        # the two step sizes agree: t2 to 1 % and the final loss to 2 % (Euler is first order)
        assert finals[0][0] == pytest.approx(finals[1][0], rel=1e-2)
        assert math.exp(finals[0][1] - finals[1][1]) == pytest.approx(1.0, abs=2e-2)


@pytest.mark.claim("early_alignment.t2")
def test_t2(verify, sym_runs, thorough):
    les = sorted(sym_runs)
    t2s = np.array([sym_runs[le].t2 for le in les])
    bounds, Ts = [], []
    for le in les:
        r = sym_runs[le]
        n_min = min(np.sum(r.y > 0), np.sum(r.y < 0))
        bounds.append(ea.t2_bound(r.t1, r.mu, n_min, r.x_min, le, r.w_min, r.n, r.x_max))
        Ts.append(r.T)
    # n sweep for the Theta(1/n) scaling: slope of t2 in log(1/eps) from log eps = -20 and -40
    ns, slopes = [], []
    for n in ((10, 20, 40) if not thorough else (10, 20, 40, 80)):
        if n == 20:
            a, b = sym_runs[-20.0], sym_runs[-40.0]
        else:
            a, b = SymRun(-20.0, 200.0 / n, n=n, until_t2=True), SymRun(-40.0, 200.0 / n, n=n, until_t2=True)
        ns.append(n)
        slopes.append((b.t2 - a.t2) / 20.0)
    r20 = sym_runs[-40.0]
    pred = ea.t2_slope(r20.xp, r20.xm)
    ev = {"bound": {"measured": t2s, "inputs": {"bound39": np.asarray(bounds)}},
          "lower": {"measured": t2s, "inputs": {"T": np.asarray(Ts)}},
          "scaling": {"n": ns, "slope": slopes}}
    fit = np.polyfit(-np.asarray(les), t2s, 1)
    verify(ea.t2_claim, ev, seed=SEED, params={"log_eps": les, "t2": list(t2s), "bound39": bounds, "n": ns,
                                               "slopes": slopes, "fitted_slope_n20": fit[0], "derived_slope": pred},
           tolerance="(39) and T: 1e-9 relative; scaling: slope x n constant within 25 %",
           figure=_fig("t_2 against log(1/eps) (n = 20)", "log(1/eps)", "t_2", -np.asarray(les),
                       [{"label": "measured t_2", "y": list(t2s), "role": "measured"},
                        {"label": "(39)", "y": bounds, "role": "bound"},
                        {"label": "T", "y": Ts, "role": "bound"}]))
    # DERIVED slope prediction 1/min ||x_pm|| within 10 %, and below the slope of (39)
    assert fit[0] == pytest.approx(pred, rel=0.10)
    n_min = min(np.sum(r20.y > 0), np.sum(r20.y < 0))
    assert fit[0] <= 8 / (math.sqrt(r20.mu) * n_min * r20.x_min)


@settings(max_examples=2)
@given(log_eps=st.floats(-80, -15))
def test_t2_property(verify, log_eps):
    r = SymRun(log_eps, 30.0, until_t2=True)
    n_min = min(np.sum(r.y > 0), np.sum(r.y < 0))
    assert r.T <= r.t2 <= ea.t2_bound(r.t1, r.mu, n_min, r.x_min, log_eps, r.w_min, r.n, r.x_max)


@pytest.fixture(scope="module")
def lowrank_limit(thorough):
    """angled_classes (cos(x_+, x_-) ~ -0.33), h = 30: plain phase then the 1/loss schedule."""
    X, y = data.angled_classes(20, 10, seed=SEED, angle=1.2)
    pr = tl.Problem(X, y)
    st0, _ = tl.random_balanced_init(10, 30, log_eps=-20.0, seed=SEED)
    plain = tl.simulate(pr, st0, dt=1e-3, t_end=4.0, record_every=10 ** 7, log_events=False)
    steps = 30000 if thorough else 6000
    r2 = tl.simulate(pr, plain.final, dt=1e-2, steps=steps, schedule="inverse_loss", record_every=steps // 20,
                     log_events=False)
    gp, up = tl.one_class_max_margin(X[y > 0])
    gm, um = tl.one_class_max_margin(-X[y < 0])
    return {"X": X, "y": y, "plain": plain, "r2": r2, "pred": ea.limit_stable_rank(gp, gm, up @ um), "steps": steps}


@pytest.mark.claim("early_alignment.thm1_lowrank")
def test_thm1_lowrank(verify, default_run, lowrank_limit):
    r = default_run
    lr = np.asarray(r.lowrank)  # (t, ||W~||_F^2, ||W~||_2^2, max rho), W~ = W / max ||w_j||
    after = lr[:, 0] >= r.t1
    extra = 4 * math.sqrt(r.h) * r.w_max ** 2 * np.exp(r.log_eps - 2 * lr[:, 3])
    L = lowrank_limit
    srs = np.array([tl.stable_rank(L["r2"].state(k)) for k in range(len(L["r2"].t))])
    log_norm = np.array([0.5 * np.log(np.sum(np.exp(2 * lg))) for lg in L["r2"].logr])
    ev = {"bound": {"measured": lr[after, 1], "inputs": {"spec": lr[after, 2], "extra": extra[after]}},
          "limit": {"measured": [srs[-1]], "inputs": {}},
          "growth": {"log_norm": log_norm}}
    verify(ea.thm1_lowrank, ev, seed=SEED,
           params={"bound_run": "orthosep_dead, log eps = -60", "limit_run": f"angled_classes, 1/loss schedule c = 1e-2, "
                   f"{L['steps']} steps", "stable_rank_end": srs[-1], "derived_limit": L["pred"]},
           tolerance="bound: 1e-9 relative (both sides scaled by max ||w_j||^2); limit <= 2",
           scale="full" if L["steps"] >= 30000 else "reduced: 6e3 steps of the 1/loss schedule (3e4 thorough)",
           figure=_fig("Stable rank under the 1/loss schedule (angled classes)", "tau", "||W||_F^2/||W||_2^2",
                       L["r2"].tau, [{"label": "measured", "y": list(srs), "role": "measured"},
                                     {"label": "DERIVED limit", "y": [L["pred"]] * len(srs), "role": "theory"},
                                     {"label": "bound 2", "y": [2.0] * len(srs), "role": "bound"},
                                     {"label": "1 + O(eps) (false variant)", "y": [1.0] * len(srs), "role": "false_variant"}]))
    # DERIVED limit (sequel's Theorem 1): within 1 %
    assert srs[-1] == pytest.approx(L["pred"], rel=0.01)


@pytest.mark.thorough
def test_lowrank_invariance_thorough():
    """W_+^T W_+ - v_+ v_+^T is constant after t1 (checked with the RK integrator from t1)."""
    r = DefaultRun(t_end=1.0)
    st1 = tl.BalancedState(r.run.final.U, r.run.final.B, r.run.final.logr + 55.0)  # rescale: same directions
    X, y = r.X, r.y
    pr = tl.Problem(X, y)
    tt = np.linspace(0, 3, 7)
    fl = tl.balanced_flow(pr, st1, tt, rtol=1e-12, atol=1e-14)
    g = cone_codes(X @ st1.U > 0, y > 0) == tl.PLUS
    vals = []
    for k in range(len(tt)):
        W = fl.U[k][:, g] * np.exp(fl.logr[k][g])
        v = fl.B[k][0, g] * np.exp(fl.logr[k][g])
        vals.append(W.T @ W - np.outer(v, v))
    ref = np.linalg.norm(vals[0])
    assert max(np.linalg.norm(V - vals[0]) for V in vals) < 1e-8 * max(ref, 1e-300) + 1e-8 * np.linalg.norm(vals[-1])


# ---------------------------------------------------------------------------------------
# random initialisation
# ---------------------------------------------------------------------------------------
@pytest.mark.claim("early_alignment.random_init")
def test_random_init(verify):
    X, y = data.orthosep_dead(SEED)
    Xid = X.copy()
    Xid[y > 0] = X[y > 0][0]  # all positive points identical: P = 1/2 exactly
    rng = np.random.default_rng(SEED)
    N = 100000
    W = rng.standard_normal((10, N)) / math.sqrt(10)
    singles, m_list, uppers = [], [], []
    for Xd in (X, Xid):
        hit = np.any(Xd[y > 0] @ W > 0, axis=0)
        singles.append(hit.astype(float))
        for m in (1, 2, 4):
            grp = hit[: (N // m) * m].reshape(-1, m).any(axis=1)
            m_list.append(m)
            uppers.append(clopper_pearson(int(grp.sum()), grp.size, level=0.98)[1])  # one-sided 99 %
    ev = {"single": {"measured": np.concatenate(singles), "inputs": {}},
          "groups": {"upper_cp": uppers, "inputs": {"m": np.asarray(m_list)}}}
    p_hat = [float(s.mean()) for s in singles]
    verify(ea.random_init, ev, seed=SEED, params={"draws": N, "p_hat": p_hat, "m": [1, 2, 4]},
           tolerance="exact binomial test: 99 % Clopper-Pearson upper limit must reach the claimed probability")


# ---------------------------------------------------------------------------------------
# digits: two phases (and experiment E1)
# ---------------------------------------------------------------------------------------
def _digits_run(pos, neg, iters, eta=0.05, train="both", seed=SEED, record_every=50):
    X, y = data.digits_binary(pos, neg)
    pr = tl.Problem(X, y, "logistic1", loss_scale=1 / len(y))  # the paper's mean logistic loss
    rng = np.random.default_rng(seed)
    W0 = 1e-6 * rng.standard_normal((64, 50))
    v0 = 1e-6 * rng.standard_normal(50) if train == "both" else np.where(rng.random(50) < 0.5, 1.0, -1.0)
    xp = X[y > 0].sum(0)

    def diag(W, v):
        gW, _, _ = tl.gradients(pr, W, v)
        nw = np.linalg.norm(W, axis=0)
        norm_change = float(np.sum(2 * np.sum(-gW * W, axis=0)))
        Pg = -gW - W * (np.sum(-gW * W, axis=0) / nw ** 2)
        return np.array([abs(norm_change), float(np.sum(np.linalg.norm(Pg, axis=0) / nw))])

    def align(W, v):
        Vp = W[:, v > 0].mean(axis=1)
        cos = (xp @ W[:, v > 0]) / (np.linalg.norm(xp) * np.linalg.norm(W[:, v > 0], axis=0))
        return np.array([xp @ Vp / (np.linalg.norm(xp) * np.linalg.norm(Vp)), cos.min(), cos.mean(), cos.max()])

    run = tl.gradient_descent(pr, W0, v0, eta, iters, train=train, record_every=record_every, observables={
        "diag": diag, "align": align, "sr": lambda W, v: tl.stable_rank(W),
        "spec": lambda W, v: tl.singular_values(W)[0] ** 2,
        "acc": lambda W, v: float(np.mean(np.sign(tl.forward(X, W, v)) == y))})
    return X, y, run


@pytest.fixture(scope="module")
def digits_both():
    return _digits_run(1, 0, 1200)


@pytest.mark.claim("early_alignment.two_phase")
def test_two_phase(verify, digits_both):
    X, y, both = digits_both
    _, _, first = _digits_run(1, 0, 300, train="first", record_every=150)
    ratio_both = both.observables["diag"][:, 0] / both.observables["diag"][:, 1]
    ratio_first = first.observables["diag"][:, 0] / first.observables["diag"][:, 1]
    early = (both.t >= 150) & (both.t <= 450)
    ev = {"both_ratio_early": ratio_both[early], "first_ratio_150": ratio_first[first.t == 150][0],
          "first_loss_300": first.loss[first.t == 300][0]}
    verify(ea.two_phase, ev, seed=SEED, params={"data": "digits 1 vs 0 (n = 360), centred", "h": 50, "eta": 0.05,
                                                "init_std": 1e-6, "loss": "mean log(1+e^-z)"},
           tolerance="ratio threshold 1e-3 (the card's); measured ratios are 1e-10..1e-4 vs 0.2",
           scale="reduced: digits instead of MNIST, full batch",
           figure=_fig("Norm change / direction change (digits 1 vs 0)", "iteration", "ratio", both.t,
                       [{"label": "both layers", "y": list(ratio_both), "role": "measured"},
                        {"label": "first layer only", "x": list(first.t), "y": list(ratio_first), "role": "measured"},
                        {"label": "threshold", "y": [1e-3] * len(both.t), "role": "bound"}], logy=True))


@pytest.mark.experiment("E1")
def test_experiment_digits_1_vs_0(verify, digits_both):
    X, y, run = digits_both
    st_ = data.separation_stats(X, y)
    al = run.observables["align"]
    verify.experiment(
        SLUG, "E1", title="Two-phase training on centred digits 1 vs 0 (offline stand-in for MNIST, Fig. 5)",
        expected="cos(w_+, x_+) ~ 0.86 (it. 100), 0.9999 (400-800); stable rank 15.7 -> 1.000; ||W||_2^2 grows from "
                 "~2e-10 after it. ~550 when the loss leaves 0.693; final loss ~0.02, accuracy 1.0",
        observed=(f"violations {st_['same_nonpos']:.3f}/{st_['cross_nonneg']:.3f}; cos(w_+, x_+) = "
                  f"{al[2, 0]:.3f} (it. 100), {al[8, 0]:.4f} (it. 400); stable rank {run.observables['sr'][0]:.1f} -> "
                  f"{run.observables['sr'][12]:.3f} (it. 600) -> {run.observables['sr'][-1]:.3f}; final loss "
                  f"{run.loss[-1]:.3g}, accuracy {run.observables['acc'][-1]:.3f}"),
        figure=_fig("Digits 1 vs 0: alignment, loss, stable rank", "iteration", "value", run.t,
                    [{"label": "cos(mean V_+ neuron, x_+)", "y": list(al[:, 0]), "role": "measured"},
                     {"label": "min_j cos(w_j, x_+), V_+", "y": list(al[:, 1]), "role": "measured"},
                     {"label": "loss", "y": list(run.loss), "role": "measured"},
                     {"label": "stable rank / 16", "y": list(run.observables["sr"] / 16), "role": "measured"}]),
        seed=SEED, params={"eta": 0.05, "iterations": 1200, "h": 50}, scale="reduced: digits (8x8) instead of MNIST")
    assert al[8, 0] > 0.99 and run.observables["sr"][12] < 1.05 and run.observables["acc"][-1] == 1.0


@pytest.mark.thorough
@pytest.mark.experiment("E2")
@pytest.mark.parametrize("pair", [(3, 8), (1, 7)])
def test_experiment_digits_other_pairs(verify, pair):
    X, y, run = _digits_run(*pair, 1500)
    al = run.observables["align"]
    verify.experiment(SLUG, f"E2-{pair[0]}v{pair[1]}", title=f"Digits {pair[0]} vs {pair[1]} (App. A.4)",
                      expected="mean-neuron cosine >= 0.98 by it. 300; stable rank 1.00-1.02",
                      observed=f"cos {al[6, 0]:.3f} (it. 300); stable rank {run.observables['sr'][-1]:.3f}; "
                               f"loss {run.loss[-1]:.3g}; acc {run.observables['acc'][-1]:.3f}",
                      figure=_fig(f"Digits {pair[0]} vs {pair[1]}", "iteration", "value", run.t,
                                  [{"label": "cos(mean V_+ neuron, x_+)", "y": list(al[:, 0]), "role": "measured"},
                                   {"label": "loss", "y": list(run.loss), "role": "measured"}]),
                      seed=SEED, scale="reduced: digits instead of MNIST")


# ---------------------------------------------------------------------------------------
# effect of mu (and experiments E5, E6)
# ---------------------------------------------------------------------------------------
def _mu_entry(s_val, log_eps, seed=SEED, h=50, dt=5e-3):
    X, y = data.two_point_mu(s_val)
    st0, _ = tl.random_balanced_init(2, h, log_eps=log_eps, seed=seed)
    sgn = st0.sign

    def done(info):
        act = info.A > 0
        live = act.any(axis=0)
        return bool(np.all(act.all(axis=0)[(sgn > 0) & live]))

    run = tl.simulate(tl.Problem(X, y), st0, dt=dt, t_end=40.0, record_every=10 ** 7, stop=done, log_events=False)
    assert run.stopped
    return float(run.t[-1])


@pytest.mark.claim("early_alignment.mu_effect")
def test_mu_effect(verify):
    ss = np.array([0.1, 0.001])
    les = (-14.0, -60.0)
    tt = np.array([[_mu_entry(s, le) for le in les] for s in ss])
    verify(ea.mu_effect, {"s": ss, "t_entry": tt}, seed=SEED, params={"h": 50, "log_eps": les, "dt": 5e-3},
           tolerance="3 %: the worst-case neuron is only approximately present among 50 Gaussian neurons; Euler O(dt)",
           figure=_fig("Entry time into S_+ vs s (mu = sin s)", "s", "time", ss,
                       [{"label": f"measured (log eps = {le})", "y": list(tt[:, k]), "role": "measured"}
                        for k, le in enumerate(les)] +
                       [{"label": "log cot(s/2) (DERIVED)", "y": list(ea.two_point_alignment_time(ss)), "role": "theory"}],
                       logx=True))


@settings(max_examples=3)
@given(s=st.floats(1e-4, 0.5))
def test_mu_effect_property(verify, s):
    assert _mu_entry(s, -60.0, dt=1e-2) <= float(ea.two_point_alignment_time(s)) + 0.05


@pytest.mark.experiment("E6")
def test_experiment_orthogonal_data(verify):
    X, y = data.orthogonal_pair()
    st0, _ = tl.random_balanced_init(2, 50, log_eps=-30.0, seed=SEED)
    run = tl.simulate(tl.Problem(X, y), st0, dt=1e-2, t_end=15.0, record_every=100, log_events=False)
    U, s = run.final.U, run.final.sign
    live = (X @ U > 0).any(0) & (s > 0)
    xp = np.array([1.0, 1.0]) / math.sqrt(2)
    cos = np.abs(np.stack([U.T @ X[0], U.T @ X[1], U.T @ xp]))[:, live]
    groups = np.argmax(cos, axis=0)
    counts = [int(np.sum(groups == g)) for g in range(3)]
    verify.experiment(SLUG, "E6", title="Orthogonal data (mu = 0, App. A.3, Fig. 9)",
                      expected="live V_+ neurons end aligned with x_1, x_2 or x_+; only those in S_+ grow",
                      observed=f"live V_+ neurons nearest to x_1 / x_2 / x_+: {counts}",
                      figure=_fig("Orthogonal data: neuron directions at t = 15", "neuron", "cos with x_1, x_2, x_+",
                                  np.arange(cos.shape[1]), [{"label": lab, "y": list(cos[k]), "role": "measured"}
                                                            for k, lab in enumerate(("x_1", "x_2", "x_+"))]),
                      seed=SEED, params={"h": 50, "log_eps": -30})
    assert counts[0] + counts[1] > 0  # some neurons never enter S_+ (no alignment with x_+)


# ---------------------------------------------------------------------------------------
# not checkable
# ---------------------------------------------------------------------------------------
@pytest.mark.claim("early_alignment.caratheodory")
def test_caratheodory(verify):
    X = np.array([[1.0, 0.0]])
    W = np.array([[0.0], [1.0]])
    fixed = []
    for label in (-1.0, 1.0):
        vf = tl.vector_field(tl.Problem(X, [label]), tl.BalancedState.from_plain(W, np.array([1.0])))
        fixed.append(bool(np.all(vf["dU"] == 0) and np.all(vf["dlogr"] == 0)))
    # (46) on random small-norm states of orthosep_dead: y_i s_j <x_i, -grad_{w_j} L> >= 0 (> 0 outside S_dead)
    Xd, yd = data.orthosep_dead(SEED)
    pr = tl.Problem(Xd, yd)
    rng = np.random.default_rng(SEED)
    worst = np.inf
    for _ in range(200):
        U = rng.standard_normal((10, 20))
        U /= np.linalg.norm(U, axis=0)
        stt = tl.BalancedState(U, np.where(rng.random(20) < 0.5, 1.0, -1.0), np.full(20, -10.0))
        W, v = stt.plain()
        gW, _, _ = tl.gradients(pr, W, v)
        val = yd[:, None] * stt.sign[None, :] * (Xd @ (-gW))
        live = (Xd @ U > 0).any(0)
        worst = min(worst, float(np.min(val[:, live] / np.exp(stt.logr[live]))))
    verify.not_checkable(ea.caratheodory, phenomenon=f"E.3 / E.4 states are fixed points: {fixed}; (46) minimum over "
                                                     f"200 random small-norm states: {worst:.3g} (> 0)",
                         evidence={"measured": [worst]})
    assert all(fixed) and worst > 0


@pytest.mark.claim("early_alignment.filippov")
def test_filippov(verify):
    verify.not_checkable(ea.filippov)
