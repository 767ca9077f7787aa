"""Checks of Li, Min & Vidal (ICML 2026), card ``ddpm_transformer``.

Conventions: per-entry mean squared errors (no 1/2) unless a claim says otherwise;
``||mu_u||^2 = d`` with ``mu_u = sqrt(d) e_u``; float64 throughout.

Training-based checks use the card's CFG_FAST: ``d = 16``, ``M = 4``, ``K = 2``, ``rho = 0.3``,
uniform prior, ``T = 3`` with the Sec. 5.1 schedule formula, batches of 32 fresh data points
per step with the steps stratified, per-entry MSE, plain GD with ``eta = 1`` from ``W = 0``,
``v ~ N(0, 1/d)``, 400 steps. The default profile halves the card's token grid
(``P in {16, 32, 64}``; the card's ``{32, 64, 128}`` runs under ``--thorough``) and runs the
Lemma 4 imbalance experiment at ``d = 16, P = 32`` (card: ``d = 32, P = 64``, thorough). The
paper-size configuration (CFG_PAPER, Sec. 5.1) runs under ``--thorough`` only: on a GPU when
one is present (torch backend), otherwise on the CPU with fewer iterations, recorded as such.
The MNIST experiment (Sec. 5.2, Fig. 3) runs as the card's offline stand-in on scikit-learn's
8x8 digits (``numerics.digit_diffusion``); it needs the optional extra torch.
"""
from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings, strategies as st

import theorems
from numerics import diffusion as df
from numerics import digit_diffusion as ddf
from theorems import ddpm_transformer as dt

SLUG = "ddpm_transformer"
RHO = 0.3
AB3 = dt.alpha_bar_linear(3)            # CFG_FAST schedule (T = 3, alpha_1 = 0.98, alpha_T = 0.95)
AB50 = dt.alpha_bar_linear(50)          # Sec. 5.1 schedule
UNIFORM4 = (0.25, 0.25, 0.25, 0.25)
N_EVAL = 2000                           # evaluation data points (card: 2,000)
N_ITER = 400                            # CFG_FAST training steps
P_GRID = (16, 32, 64)                   # default token grid (card grid under --thorough)
P_GRID_THOROUGH = (32, 64, 128)


def _claim(name: str):
    return theorems.get(f"{SLUG}.{name}")


# -- shared training runs (cached for the session) ------------------------------------------------------
def _run(P: int, d: int = 16, pi: tuple = UNIFORM4, K: int = 2, seed: int = 11, W0: str = "zero",
         freeze_W: bool = False, n_iter: int = N_ITER) -> df.TrainResult:
    """A CFG_FAST-type training run (cached: each configuration trains once per session)."""
    return _run_cached(int(P), int(d), tuple(pi), int(K), int(seed), W0, bool(freeze_W), int(n_iter))


@functools.lru_cache(maxsize=None)
def _run_cached(P, d, pi, K, seed, W0, freeze_W, n_iter) -> df.TrainResult:
    model = df.MTGM(d, len(pi), K, np.array(pi), RHO)
    W_init = None
    if W0 == "gaussian":
        W_init = np.random.default_rng(seed + 5000).standard_normal((d, d))
    return df.train(model, P, AB3, n_iter=n_iter, seed=seed, W0=W_init, freeze_W=freeze_W, record_every=10)


def _model(d: int = 16, pi: tuple = UNIFORM4, K: int = 2) -> df.MTGM:
    return df.MTGM(d, len(pi), K, np.array(pi), RHO)


@functools.lru_cache(maxsize=None)
def _evaluate(run_key: tuple, test_pi: tuple | None = None, n: int = N_EVAL, seed: int = 901) -> dict:
    """Per-sample excess over the oracle (common random numbers), attention error and the
    mean-denoising floor of a cached run, on fresh data (optionally from another prior)."""
    P, d, pi, K = run_key[:4]
    res = _run(*run_key)
    model = _model(d, pi if test_pi is None else test_pi, K)
    ev = df.eval_batch(model, P, AB3, n, seed)
    AX = df.attention_average(res.W, ev["Xt"])
    F = res.v[ev["t_idx"]][:, None, None] * (ev["Xt"] - AX)
    O = dt.oracle_eps(ev["Xt"], ev["Y"], model.mu, ev["ab"], RHO)
    err_model = (F - ev["E"]) ** 2
    err_oracle = (O - ev["E"]) ** 2
    excess = np.mean(err_model - err_oracle, axis=(1, 2))
    att_err = np.mean((np.sqrt(ev["ab"])[:, None, None] * model.mu[ev["Y"]] - AX) ** 2, axis=(1, 2))
    floor = dt.mean_denoise_floor(AB3, RHO, dt.expected_k_eff(model.pi, K, P), P)
    tok_excess = np.mean(err_model - err_oracle, axis=2)         # (n, P)
    return {"excess": excess, "att_err": att_err, "floor": floor, "ev": ev, "F": F, "tok_excess": tok_excess,
            "model": model, "loss_model": np.mean(err_model, axis=(1, 2))}


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def _smoothed_first_last(loss: np.ndarray, w: int = 50) -> tuple[float, float]:
    return float(loss[:w].mean()), float(loss[-w:].mean())


def _mu_logits(res: df.TrainResult, mu: np.ndarray) -> np.ndarray:
    """Same-pattern logits in mu-coordinates, ``mean(abar) * (U W U^T)_uu`` per checkpoint."""
    U = mu / np.linalg.norm(mu, axis=1, keepdims=True)
    return np.array([np.diag(U @ W @ U.T) for W in res.W_hist]) * AB3.mean()


def _block(W: np.ndarray, mu: np.ndarray) -> np.ndarray:
    U = mu / np.linalg.norm(mu, axis=1, keepdims=True)
    return U @ W @ U.T


def _energy_fraction(W: np.ndarray, mu: np.ndarray) -> float:
    B = _block(W, mu)
    return float(np.sum(B ** 2) / np.sum(W ** 2))


# ====================================================================================================
# nu_closed_form
# ====================================================================================================
PI_SKEW = (0.55, 0.25, 0.15, 0.05)


def _label_freqs(pi, K, N, P, seed):
    Y, _ = df.sample_labels(N, P, len(pi), K, np.array(pi), seed)
    M = len(pi)
    return np.stack([np.mean(Y == u, axis=1) for u in range(M)], axis=1)   # (N, M) per data point


@pytest.mark.claim("ddpm_transformer.nu_closed_form")
def test_nu_closed_form(verify, thorough):
    N = 1_000_000 if thorough else 20_000
    P = 8
    pi6 = np.random.default_rng(3).dirichlet(np.ones(6))
    settings = [(PI_SKEW, 1), (PI_SKEW, 2), (PI_SKEW, 4), (tuple(pi6), 3)]
    freqs = np.concatenate([_label_freqs(p, k, N, P, 100 + i) for i, (p, k) in enumerate(settings)], axis=1)
    pis = [np.array(p) for p, _ in settings]
    Ks = [k for _, k in settings]
    special = np.concatenate([np.concatenate([[1.0], np.full(p.size, 1 / p.size), p]) for p in pis])
    ev = {"mc": {"measured": freqs, "inputs": {"pis": pis, "Ks": Ks, "quantity": "nu"}},
          "special": {"measured": special, "inputs": {"pis": pis, "Ks": Ks, "quantity": "special"}}}
    claim = _claim("nu_closed_form")
    x = np.arange(freqs.shape[1])
    figure = {"title": "Pattern frequencies nu_u(K): sampler vs enumeration", "xlabel": "setting x pattern index",
              "ylabel": "Pr(Y_1 = u)", "logx": False, "logy": False, "x": x,
              "series": [{"label": "sampler (N data points, P = 8)", "role": "measured", "y": freqs.mean(axis=0)},
                         {"label": "enumeration formula", "role": "theory", "y": claim.theory(**ev["mc"]["inputs"])},
                         {"label": "false variant nu = pi", "role": "false_variant",
                          "y": claim.false_variant.theory(**ev["mc"]["inputs"])}],
              "note": "settings: pi = (0.55, 0.25, 0.15, 0.05) with K = 1, 2, 4, then a Dirichlet prior on "
                      "M = 6 with K = 3"}
    verify(claim, ev, seed=[100, 101, 102, 103, 3], figure=figure,
           params={"N": N, "P": P, "settings": [(list(p), k) for p, k in settings]},
           tolerance="5 SE across data points (labels within a data point share Z); special cases 1e-12 "
                     "(exact algebra)", scale="full" if thorough else "full (card's fast tier)")


def _dirichlet_prior(draw, M):
    alpha = draw(st.floats(0.2, 3.0))
    seed = draw(st.integers(0, 2**31 - 1))
    p = np.maximum(np.random.default_rng(seed).dirichlet(np.full(M, alpha)), 1e-4)
    return p / p.sum()


@given(data=st.data())
def test_nu_closed_form_property(verify, data):
    M = data.draw(st.integers(2, 8))
    K = data.draw(st.integers(1, M))
    p = _dirichlet_prior(data.draw, M)
    assume(np.ptp(p) > 1e-3)                 # the false variant (nu = pi) differs only for non-uniform pi
    nu = dt.nu(p, K)
    assert np.all(nu >= 0) and abs(nu.sum() - 1) < 1e-12
    perm = np.random.default_rng(M * 10 + K).permutation(M)
    assert np.allclose(dt.nu(p[perm], K), nu[perm], rtol=0, atol=1e-14)
    special = np.concatenate([[1.0], np.full(M, 1 / M), p])
    ev = {"mc": {"measured": np.tile(nu, (2, 1)), "inputs": {"pis": [p], "Ks": [K], "quantity": "nu"}},
          "special": {"measured": special, "inputs": {"pis": [p], "Ks": [K], "quantity": "special"}}}
    verify(_claim("nu_closed_form"), ev, record=False)


# ====================================================================================================
# nu_bounds
# ====================================================================================================
def _random_priors(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        M = int(rng.integers(2, 9))
        p = np.maximum(rng.dirichlet(np.full(M, rng.uniform(0.2, 3.0))), 1e-4)
        out.append(p / p.sum())
    return out


def _nu_table(p: np.ndarray) -> np.ndarray:
    return np.stack([dt.nu(p, k) for k in range(1, p.size + 1)])


@pytest.mark.claim("ddpm_transformer.nu_bounds")
def test_nu_bounds(verify, thorough):
    n = 3000 if thorough else 300
    pis = _random_priors(n, 7)
    # At least one non-uniform prior with M >= 3 (where the reversed monotonicity must fail).
    pis.append(np.array(PI_SKEW))
    flat = np.concatenate([_nu_table(p).ravel() for p in pis])
    ev = {"measured": flat, "inputs": {"pis": pis}}
    claim = _claim("nu_bounds")
    # The card's second control (1/(M delta) in place of 1/(K delta)) is a true statement
    # (see the claim's note), so it cannot serve as a negative control; it is reported only.
    mdelta = claim.variant(suffix="Mdelta:false", constants={"upper_factor": "M"}).judge(ev)
    ex = [np.array(PI_SKEW), pis[0], pis[1], pis[2]]
    x = np.arange(1, 9)
    series = []
    for i, p in enumerate(ex):
        mins = _nu_table(p).min(axis=1)
        series.append({"label": f"nu_min(K), prior {i} (M = {p.size})", "role": "measured",
                       "x": np.arange(1, p.size + 1), "y": mins})
        series.append({"label": f"pi_min, prior {i}", "role": "bound", "x": [1, p.size], "y": [p.min(), p.min()]})
    figure = {"title": "nu_min(K) is non-increasing in K (between pi_min and 1/M)", "xlabel": "K",
              "ylabel": "nu_min(K)", "logx": False, "logy": True, "x": x, "series": series}
    verify(claim, ev, seed=7, figure=figure, params={"n_priors": len(pis), "M_range": [2, 8],
                                                     "Mdelta_variant_outcome": mdelta.outcome.value},
           tolerance="1e-12: exact enumeration, round-off only")


@given(data=st.data())
def test_nu_bounds_property(verify, data):
    M = data.draw(st.integers(3, 8))
    p = _dirichlet_prior(data.draw, M)
    assume(np.ptp(p) > 1e-3)
    verify(_claim("nu_bounds"), {"measured": _nu_table(p).ravel(), "inputs": {"pis": [p]}}, record=False)


# ====================================================================================================
# oracle_estimator
# ====================================================================================================
def _oracle_regression(ab_list, rho, d, P, N, seed, M=4, K=2, chunk=5000):
    """Entry-wise least squares of E on r = X^t - a M_Y (no intercept), from moments
    accumulated over chunks of data points (the thorough tier uses 10^5 of them). Returns the
    slopes, their standard errors, the z-scores of corr(residual, r^3) and, for the property
    test, the (r, E) entries of the first chunk."""
    model = df.MTGM(d, M, K, np.full(M, 1 / M), rho)
    slopes, ses, zs, first = [], [], [], []
    for i, a2 in enumerate(ab_list):
        rng = np.random.default_rng(seed + i)
        mom = np.zeros(10)                  # n, re, rr, ee, r3e, r4, r6, sum r3, sum e, sum r
        for j in range(0, N, chunk):
            X0, Y, _ = model.sample(min(chunk, N - j), P, rng)
            Xt, E = df.forward_process(X0, a2, rng)
            r = (Xt - np.sqrt(a2) * model.mu[Y]).ravel()
            e = E.ravel()
            r3 = r ** 3
            mom += [r.size, r @ e, r @ r, e @ e, r3 @ e, r3 @ r, r3 @ r3, r3.sum(), e.sum(), r.sum()]
            if j == 0:
                first.append((r, e))
        n, re, rr, ee, r3e, r4, r6, s_r3, s_e, s_r = mom
        slope = re / rr
        rss = ee - 2 * slope * re + slope ** 2 * rr           # sum of squared residuals
        se = math.sqrt(rss / (n - 1) / rr)
        # corr(resid, r^3) with resid = e - slope r
        s_res = s_e - slope * s_r
        cov = (r3e - slope * r4) / n - (s_r3 / n) * (s_res / n)
        var_res = rss / n - (s_res / n) ** 2
        var_r3 = r6 / n - (s_r3 / n) ** 2
        zs.append(cov / math.sqrt(var_res * var_r3) * math.sqrt(n))
        slopes.append(slope)
        ses.append(se)
    return np.array(slopes), np.array(ses), np.array(zs), first


@pytest.mark.claim("ddpm_transformer.oracle_estimator")
def test_oracle_estimator(verify, thorough):
    N = 100_000 if thorough else 2000
    abs_ = [0.9, 0.5, 0.17]
    slopes, ses, zs, _ = _oracle_regression(abs_, RHO, 16, 32, N, 40)
    ev = {"measured": slopes, "se": ses, "resid_z": zs, "inputs": {"alpha_bar": np.array(abs_), "rho": RHO}}
    claim = _claim("oracle_estimator")
    # The card's second wrong coefficient, b_t, must be rejected too.
    assert claim.variant(suffix="b:false", constants={"coef": "b"}).judge(ev).fails
    grid = np.linspace(0.1, 0.95, 60)
    figure = {"title": "Oracle estimator: least-squares slope of E on X^t - a M_Y", "xlabel": "abar_t",
              "ylabel": "coefficient", "logx": False, "logy": True, "x": grid,
              "series": [{"label": "c_t = b/s^2 (eq. 13)", "role": "theory", "y": dt.oracle_coef(grid, RHO)},
                         {"label": "measured slope", "role": "measured", "x": abs_, "y": slopes},
                         {"label": "1/b_t (point masses)", "role": "false_variant", "y": 1 / np.sqrt(1 - grid)},
                         {"label": "b_t", "role": "false_variant", "y": np.sqrt(1 - grid)}]}
    verify(claim, ev, seed=40, figure=figure, params={"d": 16, "P": 32, "N": N, "rho": RHO, "alpha_bar": abs_},
           tolerance="5 SE of the OLS slope (entries i.i.d. given the labels); |z| <= 5 for corr(residual, r^3)")


@given(a2=st.floats(0.05, 0.99), rho=st.floats(0.1, 2.0), seed=st.integers(0, 2**31 - 1))
def test_oracle_estimator_property(verify, a2, rho, seed):
    slopes, ses, zs, risks = _oracle_regression([a2], rho, 8, 16, 300, seed % 10_000)
    ev = {"measured": slopes, "se": ses, "resid_z": zs, "inputs": {"alpha_bar": np.array([a2]), "rho": rho}}
    c_t = float(dt.oracle_coef(a2, rho))
    assume(abs(1 / math.sqrt(1 - a2) - c_t) > 50 * ses[0])   # the false variant must be separable
    verify(_claim("oracle_estimator"), ev, record=False)
    # Any other coefficient has a higher risk, by (c - c_t)^2 s^2 per entry (within 5 SE).
    r, e = risks[0]
    s2 = 1 - a2 + rho ** 2 * a2
    c = c_t * 1.3
    gap = (c * r - e) ** 2 - (c_t * r - e) ** 2
    m, se = _mean_se(gap)
    assert m > 0 and abs(m - (c - c_t) ** 2 * s2) <= 5 * se


# ====================================================================================================
# oracle_risk
# ====================================================================================================
def _oracle_losses(ab_per_sample, rho, d, P, N, seed, M=4, K=2):
    model = df.MTGM(d, M, K, np.full(M, 1 / M), rho)
    X0, Y, _ = model.sample(N, P, seed)
    Xt, E = df.forward_process(X0, ab_per_sample, seed + 1)
    O = dt.oracle_eps(Xt, Y, model.mu, ab_per_sample, rho)
    return np.mean((O - E) ** 2, axis=(1, 2))


@pytest.mark.claim("ddpm_transformer.oracle_risk")
def test_oracle_risk(verify, thorough):
    N = 20_000 if thorough else 2000
    d, P = 16, 32
    abs_ = np.array([0.9, 0.5, 0.17])
    per_t = np.stack([_oracle_losses(a2, RHO, d, P, N, 60 + 2 * i) for i, a2 in enumerate(abs_)], axis=1)
    t_idx = df.stratified_steps(N, AB50.size)
    sched = _oracle_losses(AB50[t_idx], RHO, d, P, N, 70)
    ev = {"per_t": {"measured": per_t, "inputs": {"alpha_bar": abs_, "rho": RHO, "d": d}},
          "schedule": {"measured": sched, "inputs": {"alpha_bar": AB50[t_idx], "rho": RHO, "d": d}}}
    claim = _claim("oracle_risk")
    # The card's second wrong form, rho^2/(rho^2 + 1) (schedule ignored), must be rejected too.
    assert claim.variant(suffix="noschedule:false", constants={"schedule": False}).judge(ev).fails
    grid = np.linspace(0.02, 0.98, 60)
    figure = {"title": "Oracle risk per step (per entry, no 1/2)", "xlabel": "abar_t", "ylabel": "risk",
              "logx": False, "logy": False, "x": grid,
              "series": [{"label": "rho^2 abar/(rho^2 abar + 1 - abar) (eq. 33)", "role": "theory",
                          "y": dt.oracle_risk_t(grid, RHO)},
                         {"label": "Monte Carlo", "role": "measured", "x": abs_, "y": per_t.mean(axis=0)},
                         {"label": "printed (14): with 1/2", "role": "false_variant",
                          "y": dt.oracle_risk_t(grid, RHO, half=True)}],
              "note": f"time average over the Sec. 5.1 schedule: MC {sched.mean():.5f} vs "
                      f"{dt.oracle_risk(AB50, RHO):.5f} (card: 0.15572)"}
    verify(claim, ev, seed=[60, 62, 64, 70], figure=figure, params={"d": d, "P": P, "N": N, "rho": RHO},
           tolerance="5 SE of the per-sample differences")


@given(a2=st.floats(0.01, 0.99), rho=st.floats(0.05, 3.0), seed=st.integers(0, 10_000))
def test_oracle_risk_property(verify, a2, rho, seed):
    losses = _oracle_losses(a2, rho, 8, 16, 400, seed)[:, None]
    R = float(dt.oracle_risk_t(a2, rho))
    assert 0.0 <= R <= 1.0
    ev = {"per_t": {"measured": losses, "inputs": {"alpha_bar": np.array([a2]), "rho": rho, "d": 8}},
          "schedule": {"measured": losses[:, 0], "inputs": {"alpha_bar": np.full(400, a2), "rho": rho, "d": 8}}}
    v = _claim("oracle_risk").judge(ev)
    assert v.holds, v.reason


# ====================================================================================================
# tweedie_score
# ====================================================================================================
def _fd_score(X, mu, pi, K, a2, rho, h=1e-5):
    """Central differences of log p_t (brute-force mixture) at one data point X (P, d)."""
    flat = X.ravel()
    E = np.eye(flat.size) * h
    plus = (flat[None] + E).reshape(-1, *X.shape)
    minus = (flat[None] - E).reshape(-1, *X.shape)
    lp = df.log_density_bruteforce(np.concatenate([plus, minus]), mu, pi, K, a2, rho)
    return ((lp[:flat.size] - lp[flat.size:]) / (2 * h)).reshape(X.shape)


def _tweedie_evidence(d, M, K, P, pi, abs_, rho, n_per, seed):
    model = df.MTGM(d, M, K, np.array(pi), rho)
    Xs, Ys, ab_pt, fd = [], [], [], []
    for i, a2 in enumerate(abs_):
        X0, Y, _ = model.sample(n_per, P, seed + i)
        Xt, _ = df.forward_process(X0, a2, seed + 50 + i)
        for j in range(n_per):
            Xs.append(Xt[j])
            Ys.append(Y[j])
            ab_pt.append(a2)
            fd.append(_fd_score(Xt[j], model.mu, model.pi, K, a2, rho))
    return {"measured": np.array(fd),
            "inputs": {"X": np.array(Xs), "Y": np.array(Ys), "mu": model.mu, "pi": model.pi, "K": K,
                       "alpha_bar": np.array(ab_pt), "rho": rho}}


@pytest.mark.claim("ddpm_transformer.tweedie_score")
def test_tweedie_score(verify, thorough):
    cfg = dict(d=4, M=3, K=2, P=3) if thorough else dict(d=3, M=3, K=2, P=2)
    pi = (0.5, 0.3, 0.2)
    abs_ = [0.9, 0.5, 0.17]
    ev = _tweedie_evidence(cfg["d"], cfg["M"], cfg["K"], cfg["P"], pi, abs_, RHO, 4, 80)
    claim = _claim("tweedie_score")
    th = claim.theory(**ev["inputs"])
    fv = claim.false_variant.theory(**ev["inputs"])
    err = np.max(np.abs(ev["measured"] - th), axis=(1, 2))
    err_fv = np.max(np.abs(ev["measured"] - fv), axis=(1, 2))
    figure = {"title": "Tweedie: finite-difference score vs -E[E|X]/b", "xlabel": "evaluation point",
              "ylabel": "max |error|", "logx": False, "logy": True, "x": np.arange(err.size),
              "series": [{"label": "Bayes estimator (enumeration)", "role": "measured", "y": np.maximum(err, 1e-16)},
                         {"label": "tolerance 1e-6", "role": "bound", "y": np.full(err.size, 1e-6)},
                         {"label": "oracle estimator (labels known)", "role": "false_variant",
                          "y": np.maximum(err_fv, 1e-16)}],
              "note": "4 points at each abar in (0.9, 0.5, 0.17)"}
    verify(claim, ev, seed=80, figure=figure, params={**cfg, "pi": pi, "alpha_bar": abs_, "h": 1e-5},
           tolerance="1e-6 absolute: central differences, h = 1e-5 (truncation and round-off ~1e-10)",
           scale="full")


@given(M=st.integers(2, 3), extra_d=st.integers(0, 1), K=st.integers(1, 3), P=st.integers(1, 3),
       a2=st.floats(0.05, 0.95), rho=st.floats(0.1, 1.5), seed=st.integers(0, 10_000))
def test_tweedie_score_property(verify, M, extra_d, K, P, a2, rho, seed):
    assume(K <= M)
    pi = np.random.default_rng(seed).dirichlet(np.ones(M)) * 0.9 + 0.1 / M
    ev = _tweedie_evidence(M + extra_d, M, K, P, pi, [a2], rho, 1, seed)
    claim = _claim("tweedie_score")
    gap = np.max(np.abs(claim.theory(**ev["inputs"]) - claim.false_variant.theory(**ev["inputs"])))
    assume(gap > 1e-4)                        # labels must be ambiguous for the oracle to differ
    verify(claim, ev, record=False)


# ====================================================================================================
# bayes_oracle_pythagoras
# ====================================================================================================
def _pyth_evidence(d, M, K, P, a2, rho, N, seed):
    model = df.MTGM(d, M, K, np.full(M, 1 / M), rho)
    X0, Y, _ = model.sample(N, P, seed)
    Xt, E = df.forward_process(X0, a2, seed + 1)
    B = dt.bayes_eps(Xt, model.mu, model.pi, K, a2, rho)
    O = dt.oracle_eps(Xt, Y, model.mu, a2, rho)
    ms = lambda A: np.mean(A ** 2, axis=(1, 2))  # noqa: E731
    rng = np.random.default_rng(seed + 2)
    ests = {"Bayes + N(0, 0.1^2)": B + 0.1 * rng.standard_normal(B.shape),
            "b_t X^t": math.sqrt(1 - a2) * Xt,
            "Bayes - 0.1 (Bayes - E) (uses E)": B - 0.1 * (B - E)}
    names = list(ests)
    return {"oracle": {"measured": ms(E - B), "inputs": {"oracle_mse": ms(E - O), "gap": ms(B - O)}},
            "estimators": {"measured": np.stack([ms(ests[k] - E) for k in names], axis=1),
                           "inputs": {"bayes_mse": ms(E - B),
                                      "dist": np.stack([ms(ests[k] - B) for k in names], axis=1),
                                      "uses_noise": [False, False, True], "names": names}}}


@pytest.mark.claim("ddpm_transformer.bayes_oracle_pythagoras")
def test_bayes_oracle_pythagoras(verify, thorough):
    cfg = dict(d=64, M=8, K=4, P=256, N=400) if thorough else dict(d=16, M=4, K=2, P=64, N=2000)
    a2 = 0.17
    ev = _pyth_evidence(cfg["d"], cfg["M"], cfg["K"], cfg["P"], a2, RHO, cfg["N"], 90)
    o, e = ev["oracle"], ev["estimators"]
    labels = ["R_oracle", "R_Bayes"] + list(e["inputs"]["names"])
    vals = [o["inputs"]["oracle_mse"].mean(), o["measured"].mean()] + list(e["measured"].mean(axis=0))
    pred = [np.nan, o["inputs"]["oracle_mse"].mean() + o["inputs"]["gap"].mean()] + list(
        e["inputs"]["bayes_mse"].mean() + e["inputs"]["dist"].mean(axis=0))
    figure = {"title": "Pythagorean decompositions at abar = 0.17", "xlabel": "estimator", "ylabel": "MSE per entry",
              "logx": False, "logy": False, "x": np.arange(len(labels)),
              "series": [{"label": "measured MSE", "role": "measured", "y": vals},
                         {"label": "R_oracle + gap / R_Bayes + |f - E[E|X]|^2", "role": "theory", "y": pred}],
              "note": "x: " + ", ".join(f"{i} = {s}" for i, s in enumerate(labels))
                      + ". The last estimator uses the true noise: it beats R_Bayes, so the decomposition "
                        "(and the bound MSE >= R_Bayes) does not apply to it."}
    verify(_claim("bayes_oracle_pythagoras"), ev, seed=90, figure=figure, params={**cfg, "alpha_bar": a2, "rho": RHO},
           tolerance="5 SE of the per-sample differences (zero-mean cross terms); common random numbers",
           scale="full" if not thorough else "full (CFG_PAPER sizes)")


@given(a2=st.floats(0.05, 0.95), rho=st.floats(0.1, 1.0), K=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_bayes_oracle_pythagoras_property(verify, a2, rho, K, seed):
    ev = _pyth_evidence(8, 4, K, 16, a2, rho, 300, seed)
    # The noise-using estimator deviates by -0.2 |E[E|X] - E|^2 per sample; where the Bayes
    # error is heavy-tailed (rare label confusions at small rho) 300 samples may not resolve
    # that at 5 SE. The identity is asserted on every draw, its false variant where powered.
    dev = ev["estimators"]["measured"][:, 2] - ev["estimators"]["inputs"]["bayes_mse"] \
        - ev["estimators"]["inputs"]["dist"][:, 2]
    assume(abs(dev.mean()) > 6 * dev.std(ddof=1) / math.sqrt(dev.size))
    verify(_claim("bayes_oracle_pythagoras"), ev, record=False)


# ====================================================================================================
# prop2
# ====================================================================================================
def _bayes_gap(d, P, a2, rho, N, seed, M=4, K=2, pi=None):
    """Per-sample R_Bayes - R_oracle = E|E[E|X] - E[E|X,Y]|^2/(dP), simulated in the M
    coordinates along the patterns only (the two estimators agree elsewhere): with
    mu_u = sqrt(d) e_u the projections are exact and the gap is
    (a b/s^2)^2 (|mu|^2/d) sum_p sum_u (1[Y_p = u] - Pr(Y_p = u | X))^2 / P."""
    pi = np.full(M, 1 / M) if pi is None else np.asarray(pi)
    rng = np.random.default_rng(seed)
    Y, _ = df.sample_labels(N, P, M, K, pi, rng)
    s2 = 1 - a2 + rho ** 2 * a2
    mu_red = math.sqrt(d) * np.eye(M)                     # the patterns in their own coordinates
    X = math.sqrt(a2) * mu_red[Y] + math.sqrt(s2) * rng.standard_normal((N, P, M))
    rbar, _ = dt.bayes_label_posterior(X, mu_red, pi, K, a2, rho)
    onehot = np.eye(M)[Y]
    coef = (math.sqrt(a2) * math.sqrt(1 - a2) / s2) ** 2
    return coef * np.sum((onehot - rbar) ** 2, axis=(1, 2)) / P


@pytest.mark.claim("ddpm_transformer.prop2")
def test_prop2(verify, thorough):
    ds, Ps, a2, N = (16, 64), (16, 64, 256), 0.17, 2000
    g = np.zeros((2, 3))
    se = np.zeros((2, 3))
    for i, dv in enumerate(ds):
        for j, Pv in enumerate(Ps):
            g[i, j], se[i, j] = _mean_se(_bayes_gap(dv, Pv, a2, RHO, N, 200 + 10 * i + j))
    ev = {"measured": g, "se": se, "inputs": {"d": list(ds), "P": list(Ps)}}
    claim = _claim("prop2")
    series = []
    for i, dv in enumerate(ds):
        series.append({"label": f"gap, d = {dv}", "role": "measured", "x": list(Ps), "y": g[i]})
        series.append({"label": f"printed: ~1/P from P = 16, d = {dv}", "role": "false_variant", "x": list(Ps),
                       "y": g[i, 0] * Ps[0] / np.array(Ps)})
    figure = {"title": "R_Bayes - R_oracle at abar = 0.17 (M = 4, K = 2)", "xlabel": "P", "ylabel": "gap",
              "logx": True, "logy": True, "x": list(Ps), "series": series}
    verify(claim, ev, seed=[200 + 10 * i + j for i in range(2) for j in range(3)], figure=figure,
           params={"d": list(ds), "P": list(Ps), "alpha_bar": a2, "N": N, "M": 4, "K": 2},
           tolerance="across P: 15 % or 3 combined MC-SE, whichever is larger; across d: a drop >= 5x (card)")


@settings(max_examples=10)
@given(P=st.sampled_from([16, 32, 64, 128, 256]), seed=st.integers(0, 10_000))
def test_prop2_property(P, seed):
    gaps = []
    for i, dv in enumerate((8, 16, 32, 64)):
        gaps.append(_mean_se(_bayes_gap(dv, P, 0.17, RHO, 200, seed + i)))
    for (g1, s1), (g2, s2) in zip(gaps, gaps[1:]):
        assert g1 >= 0 and g2 <= g1 + 5 * math.hypot(s1, s2)


@pytest.mark.thorough
def test_prop2_paper_size(verify):
    """CFG_PAPER: the time-averaged gap over the Sec. 5.1 schedule (card: ~5e-4, so
    R_Bayes ~ 0.1562 against R_oracle = 0.1557)."""
    per_t = np.array([_bayes_gap(64, 256, float(a2), RHO, 100, 500 + t, M=8, K=4).mean()
                      for t, a2 in enumerate(AB50)])
    R_or = dt.oracle_risk(AB50, RHO)
    verify.experiment(SLUG, "fig2A_bayes_level", title="R_Bayes vs R_oracle at CFG_PAPER (Sec. 5.1 schedule)",
                      expected="R_Bayes ~ 0.1562, R_oracle = 0.1557 (no 1/2, rho = 0.3); largest per-step gap "
                               "~4.5e-3 at the noisiest steps",
                      observed=f"R_oracle = {R_or:.5f}, gap = {per_t.mean():.2e}, R_Bayes = {R_or + per_t.mean():.5f}, "
                               f"largest per-step gap {per_t.max():.2e}",
                      figure={"title": "Per-step R_Bayes - R_oracle (CFG_PAPER)", "xlabel": "t", "ylabel": "gap",
                              "logx": False, "logy": True, "x": np.arange(1, 51),
                              "series": [{"label": "gap", "role": "measured", "y": per_t}]},
                      seed=500, params={"d": 64, "M": 8, "K": 4, "P": 256, "samples_per_step": 100})
    assert 0 < per_t.mean() < 2e-3


# ====================================================================================================
# mean_denoising_floor
# ====================================================================================================
def _label_counts(Y: np.ndarray) -> np.ndarray:
    return np.sum(Y[:, :, None] == Y[:, None, :], axis=-1)


def _md_sim(d, M, K, P, rho, N, seed):
    """Labels, clean tokens and the two noise sources of N data points (uniform prior)."""
    model = df.MTGM(d, M, K, np.full(M, 1 / M), rho)
    rng = np.random.default_rng(seed)
    Y, _ = df.sample_labels(N, P, M, K, model.pi, rng)
    xi = rng.standard_normal((N, P, d))
    E = rng.standard_normal((N, P, d))
    return model, Y, xi, E


def _md_token_errors(Y, xi, E, a2, rho, self_weight=True):
    """Per-token squared error (mean over d) of c_t (x_p - same-label mean) with the true
    labels. The means cancel inside a label group, so only the noise a rho xi + b eps enters."""
    noise = math.sqrt(a2) * rho * xi + math.sqrt(1 - a2) * E       # X^t - a M_Y
    F = df.mean_denoiser(noise, Y, float(dt.oracle_coef(a2, rho)), self_weight=self_weight)
    return np.mean((F - E) ** 2, axis=2)


def _md_risks(d, M, K, P, abs_, rho, N, seed, self_weight=True):
    _, Y, xi, E = _md_sim(d, M, K, P, rho, N, seed)
    tok = [_md_token_errors(Y, xi, E, a2, rho, self_weight) for a2 in abs_]
    return np.stack([t.mean(axis=1) for t in tok], axis=1), _label_counts(Y), tok


def _uniform_attention_risk(model, Y, xi, E, a2):
    """Best-v risk of W = 0 by Monte Carlo: 1 - B^2/A with A = E|a|^2/(dP), B = E<a, E>/(dP),
    a = X^t - mean over all tokens; SE by the delta method."""
    Xt = math.sqrt(a2) * (model.mu[Y] + model.rho * xi) + math.sqrt(1 - a2) * E
    a = Xt - Xt.mean(axis=1, keepdims=True)
    A = np.mean(a * a, axis=(1, 2))
    B = np.mean(a * E, axis=(1, 2))
    C = np.mean(E * E, axis=(1, 2))
    mA, mB = A.mean(), B.mean()
    risk = C.mean() - mB ** 2 / mA
    g = np.array([1.0, -2 * mB / mA, mB ** 2 / mA ** 2])          # gradient of c - b^2/a in (c, b, a)
    cov = np.cov(np.stack([C, B, A]))
    return risk, math.sqrt(g @ cov @ g / A.size)


@pytest.mark.claim("ddpm_transformer.mean_denoising_floor")
def test_mean_denoising_floor(verify, thorough):
    abs_ = np.array([0.5, 0.17])
    N1 = 400   # card: 400 samples (2.6e7 noise entries per array; larger runs only cost memory)
    # Self-inclusive averaging and the W = 0 control on the same data (card: d = 64, P = 256,
    # K = 4, 400 samples; M = 8 as in CFG_PAPER).
    model, Y1, xi1, E1 = _md_sim(64, 8, 4, 256, RHO, N1, 300)
    tok1 = [_md_token_errors(Y1, xi1, E1, a2, RHO) for a2 in abs_]
    risk_self = np.stack([t.mean(axis=1) for t in tok1], axis=1)
    u_risk, u_se = _uniform_attention_risk(model, Y1, xi1, E1, 0.5)
    D = dt.uniform_attention_D(model.pi, 4, 256)
    # Leave-one-out at v = c_t against the self-inclusive form: P = 16, K = 2, 4,000 samples.
    _, Y2, xi2, E2 = _md_sim(64, 4, 2, 16, RHO, 4000, 301)
    tok_loo = [_md_token_errors(Y2, xi2, E2, a2, RHO, self_weight=False) for a2 in abs_]
    risk_loo, n_loo = np.stack([t.mean(axis=1) for t in tok_loo], axis=1), _label_counts(Y2)
    ev = {"self": {"measured": risk_self,
                   "inputs": {"quantity": "mean_denoise", "alpha_bar": abs_, "rho": RHO, "n_tok": _label_counts(Y1)}},
          "loo": {"measured": risk_loo,
                  "inputs": {"quantity": "mean_denoise", "alpha_bar": abs_, "rho": RHO, "n_tok": n_loo, "loo": True}},
          "uniform": {"measured": u_risk, "se": u_se,
                      "inputs": {"quantity": "uniform", "alpha_bar": 0.5, "rho": RHO, "P": 256, "D": D}}}
    claim = _claim("mean_denoising_floor")
    # The card's second wrong form, excess (b^2/s^2)/n^2, must be rejected too.
    assert claim.variant(suffix="n2:false", constants={"n_power": 2}).judge(ev).fails
    # Per-token excess against n (P = 16, K = 2, abar = 0.17).
    a2 = 0.17
    ratio = (1 - a2) / (1 - a2 + RHO ** 2 * a2)
    R_or = float(dt.oracle_risk_t(a2, RHO))
    tok_self2 = _md_token_errors(Y2, xi2, E2, a2, RHO) - R_or
    tok_loo2 = tok_loo[1] - R_or
    ns = np.arange(4, 14)
    mean_at = lambda v: np.array([v[n_loo == k].mean() for k in ns])  # noqa: E731
    figure = {"title": "Per-token excess of label-aware mean denoising (abar = 0.17, v = c_t)",
              "xlabel": "n (tokens sharing the label)", "ylabel": "excess over R_oracle", "logx": True, "logy": True,
              "x": ns, "series": [{"label": "self included (MC)", "role": "measured", "y": mean_at(tok_self2)},
                                  {"label": "leave-one-out (MC)", "role": "measured", "y": mean_at(tok_loo2)},
                                  {"label": "(b^2/s^2)/n", "role": "theory", "y": ratio / ns},
                                  {"label": "(b^2/s^2)/(n-1)", "role": "theory", "y": ratio / (ns - 1)},
                                  {"label": "(b^2/s^2)/n^2 (wrong)", "role": "false_variant", "y": ratio / ns ** 2}],
              "note": f"W = 0 with the best v at d = 64, P = 256, K = 4, abar = 0.5: MC {u_risk:.4f} vs closed "
                      f"form {float(dt.uniform_attention_risk_t(0.5, RHO, 256, D)):.4f} (card 0.4587)"}
    verify(claim, ev, seed=[300, 301], figure=figure,
           params={"self": {"d": 64, "M": 8, "K": 4, "P": 256, "N": N1},
                   "loo": {"d": 64, "M": 4, "K": 2, "P": 16, "N": 4000}},
           tolerance="5 SE of the per-sample differences (theory conditional on the label counts); "
                     "delta-method SE for the W = 0 ratio estimator")


@given(a2=st.floats(0.05, 0.95), rho=st.floats(0.1, 1.5), P=st.integers(8, 64), K=st.integers(1, 4),
       seed=st.integers(0, 10_000))
def test_mean_denoising_floor_property(a2, rho, P, K, seed):
    risk, n_tok, _ = _md_risks(8, 4, K, P, np.array([a2]), rho, 300, seed)
    th = _claim("mean_denoising_floor").theory(quantity="mean_denoise", alpha_bar=np.array([a2]), rho=rho,
                                               n_tok=n_tok)
    m, se = _mean_se(risk[:, 0] - th[:, 0])
    assert abs(m) <= 5 * se + 1e-10


# ====================================================================================================
# Training: thm1, prop1, cor2 (shared runs)
# ====================================================================================================
def _p_grid(thorough: bool) -> tuple:
    return P_GRID_THOROUGH if thorough else P_GRID


def _scale(thorough: bool) -> str:
    return "full (card's CFG_FAST grid P = 32, 64, 128)" if thorough else \
        "reduced: P = 16, 32, 64 (the card's CFG_FAST grid 32, 64, 128 runs under --thorough)"


def _frozen_runs(Ps):
    """The 'attention never learns' control: W = 0 frozen, v trained (it converges in a few
    tens of steps: contraction 1 - 2 A_t / T ~ 0.6 per step)."""
    return {P: _run(P, freeze_W=True, n_iter=100) for P in Ps}


@pytest.mark.claim("ddpm_transformer.thm1")
def test_thm1(verify, thorough):
    Ps = _p_grid(thorough)
    ex, se, floors, first, last = [], [], [], [], []
    for P in Ps:
        e = _evaluate((P, 16, UNIFORM4, 2))
        m, s = _mean_se(e["excess"])
        ex.append(m)
        se.append(s)
        floors.append(e["floor"])
        f, l_ = _smoothed_first_last(_run(P).loss)
        first.append(f)
        last.append(l_)
    ev = {"measured": np.array(ex), "se": np.array(se),
          "inputs": {"P": list(Ps), "floor": floors, "loss_first": first, "loss_last": last}}
    claim = _claim("thm1")
    # Also rejected: excess ~ 1/P^2.
    assert claim.variant(suffix="p2:false", constants={"p_exponent": -2.0}).judge(ev).fails
    # Negative control: with W frozen at 0 the claim must fail (the excess stays at the W = 0 level).
    fz = _frozen_runs(Ps)
    fex = []
    for P in Ps:
        e = _evaluate((P, 16, UNIFORM4, 2, 11, "zero", True, 100), n=500)
        fex.append(_mean_se(e["excess"])[0])
    f_first_last = [_smoothed_first_last(fz[P].loss, 20) for P in Ps]
    ev_frozen = {"measured": np.array(fex), "se": np.zeros(len(Ps)),
                 "inputs": {"P": list(Ps), "floor": floors, "loss_first": [a for a, _ in f_first_last],
                            "loss_last": [b for _, b in f_first_last]}}
    assert claim.judge(ev_frozen).fails, "the check cannot tell a model whose attention never learns"
    Pa = np.array(Ps, dtype=float)
    figure = {"title": "Thm 1: final excess L - R_oracle after 400 GD steps (CFG_FAST)", "xlabel": "P",
              "ylabel": "excess (per entry, no 1/2)", "logx": True, "logy": True, "x": Pa,
              "series": [{"label": "trained (2,000 eval samples)", "role": "measured", "y": ex},
                         {"label": "mean-denoising floor", "role": "theory", "y": floors},
                         {"label": "2 floor + 0.01", "role": "bound", "y": 2 * np.array(floors) + 0.01},
                         {"label": "~1/P through the first point", "role": "theory", "y": ex[0] * Pa[0] / Pa},
                         {"label": "W frozen at 0 (control)", "role": "false_variant", "y": fex}]}
    verify(claim, ev, seed=11, figure=figure,
           params={"d": 16, "M": 4, "K": 2, "rho": RHO, "T": 3, "batch": 32, "eta": 1.0, "n_iter": N_ITER,
                   "P": list(Ps), "n_eval": N_EVAL, "frozen_W_excess": fex},
           tolerance="card criteria: >= 20 % drop per P step, slope within [-1.3, -0.5], excess <= 2 floor + "
                     "0.01; MC-SE of the excess ~1e-4 (common random numbers with the oracle)",
           scale=_scale(thorough))


@pytest.mark.claim("ddpm_transformer.prop1")
def test_prop1(verify, thorough):
    Ps = _p_grid(thorough)
    s2_mean = float(np.mean(1 - AB3 + RHO ** 2 * AB3))
    err, ideal, vs = [], [], []
    for P in Ps:
        e = _evaluate((P, 16, UNIFORM4, 2), n=600, seed=902)
        err.append(e["att_err"].mean())
        ideal.append(s2_mean * dt.expected_k_eff(np.full(4, 0.25), 2, P) / P)
        vs.append(_run(P).v)
    ev = {"measured": np.array(err),
          "inputs": {"P": list(Ps), "ideal": ideal, "v": np.array(vs), "alpha_bar": AB3, "rho": RHO}}
    claim = _claim("prop1")
    # Negative control: W = 0 (attention never learns): error ~ abar D, flat in P.
    ferr = [_evaluate((P, 16, UNIFORM4, 2, 11, "zero", True, 100), n=600, seed=902)["att_err"].mean() for P in Ps]
    ev_frozen = {"measured": np.array(ferr), "inputs": {**ev["inputs"], "v": np.array([_run(P, freeze_W=True,
                                                                                          n_iter=100).v
                                                                                     for P in Ps])}}
    assert claim.judge(ev_frozen).fails
    Pa = np.array(Ps, dtype=float)
    figure = {"title": "Prop. 1: |sqrt(abar) M_Y - X softmax(.)|^2/(dP) of the trained attention", "xlabel": "P",
              "ylabel": "attention error", "logx": True, "logy": True, "x": Pa,
              "series": [{"label": "trained", "role": "measured", "y": err},
                         {"label": "ideal same-label average s^2 E[K_eff]/P", "role": "theory", "y": ideal},
                         {"label": "2.5 x ideal", "role": "bound", "y": 2.5 * np.array(ideal)},
                         {"label": "W = 0 (control)", "role": "false_variant", "y": ferr}],
              "note": f"v_t = {np.round(vs[-1], 4).tolist()} vs c_t = {np.round(dt.oracle_coef(AB3, RHO), 4).tolist()}"
                      f" vs b_t = {np.round(np.sqrt(1 - AB3), 4).tolist()}"}
    verify(claim, ev, seed=11, figure=figure, params={"P": list(Ps), "n_eval": 600, "n_iter": N_ITER},
           tolerance="card criteria: slope in [-1.2, -0.6], error/ideal in [1, 2.5], max_t |v_t - c_t| <= 0.05",
           scale=_scale(thorough))


@pytest.mark.claim("ddpm_transformer.cor2")
def test_cor2(verify, thorough):
    Ps = _p_grid(thorough)
    ex, se, floors = [], [], []
    for P in Ps:
        e = _evaluate((P, 16, UNIFORM4, 2))
        m, s = _mean_se(e["excess"])
        ex.append(m)
        se.append(s)
        floors.append(e["floor"])
    ev = {"measured": np.array(ex), "se": np.array(se), "inputs": {"floor": floors}}
    Pa = np.array(Ps, dtype=float)
    figure = {"title": "Cor. 2: L - R_oracle vs the mean-denoising floor", "xlabel": "P", "ylabel": "excess",
              "logx": True, "logy": True, "x": Pa,
              "series": [{"label": "trained", "role": "measured", "y": ex},
                         {"label": "2 floor + 0.01", "role": "bound", "y": 2 * np.array(floors) + 0.01},
                         {"label": "0.8 floor", "role": "bound", "y": 0.8 * np.array(floors)},
                         {"label": "floor", "role": "theory", "y": floors}]}
    verify(_claim("cor2"), ev, seed=11, figure=figure, params={"P": list(Ps), "n_eval": N_EVAL},
           tolerance="card: 0.8 floor <= excess <= 2 floor + 0.01, plus 5 MC-SE", scale=_scale(thorough))


# ====================================================================================================
# cor1
# ====================================================================================================
@pytest.mark.claim("ddpm_transformer.cor1")
def test_cor1(verify, thorough):
    sym = [sp.simplify(dt.THM1_ITERS_MAIN.subs(dt.nu_s, 1 / dt.M) - dt.COR1_A) == 0,
           sp.simplify(dt.THM1_ITERS_MAIN.subs(dt.nu_s, dt.pimin) - dt.COR1_B) == 0,
           # eq. (9) minus its log term is what (a), (b) keep
           sp.simplify(dt.THM1_ITERS - dt.THM1_ITERS_MAIN - sp.log(dt.rho ** 2 + 1) / dt.eps) == 0]
    f = sp.lambdify((dt.eps, dt.nu_s, dt.eta, dt.snr), dt.THM1_ITERS_MAIN, "numpy")
    eps_, eta_, snr_ = 0.1, 1.0, dt.snr_avg(AB50)
    pis = _random_priors(3000 if thorough else 300, 17) + [np.full(5, 0.2)]   # include a uniform prior
    ratio = np.array([f(eps_, p.min(), eta_, snr_) / f(eps_, 1 / p.size, eta_, snr_) for p in pis])
    steps = []
    for p in pis:
        S = np.array([f(eps_, dt.nu_min(p, k), eta_, snr_) for k in range(1, p.size + 1)])
        steps.append(np.min(np.diff(S) / S[:-1], initial=0.0))
    ev = {"symbolic": {"measured": sym},
          "numeric": {"measured": ratio, "inputs": {"pi_min": [p.min() for p in pis], "M": [p.size for p in pis]}},
          "monotone": {"measured": np.array(steps)}}
    series = []
    for i, p in enumerate([np.array(PI_SKEW)] + pis[:3]):
        S = np.array([f(eps_, dt.nu_min(p, k), eta_, snr_) for k in range(1, p.size + 1)])
        series.append({"label": f"prior {i} (M = {p.size}, pi_min = {p.min():.3f})", "role": "measured",
                       "x": np.arange(1, p.size + 1), "y": S / S[0]})
    figure = {"title": "Cor. 1: iteration count S(nu_min(K)) / S(nu_min(1)) of eq. (9)", "xlabel": "K",
              "ylabel": "relative iteration count", "logx": False, "logy": True, "x": np.arange(1, 9),
              "series": series, "note": f"eps = {eps_}, eta = 1, SNR = {snr_:.3f} (Sec. 5.1 schedule)"}
    verify(_claim("cor1"), ev, seed=17, figure=figure, params={"n_priors": len(pis), "eps": eps_, "SNR": snr_},
           tolerance="sympy simplification to 0 (exact); ratios 1e-12 relative (float64 rational expressions)")


@given(data=st.data())
def test_cor1_property(data):
    M = data.draw(st.integers(2, 8))
    p = _dirichlet_prior(data.draw, M)
    f = sp.lambdify((dt.eps, dt.nu_s, dt.eta, dt.snr), dt.THM1_ITERS_MAIN, "numpy")
    S = np.array([f(0.1, dt.nu_min(p, k), 1.0, 3.5) for k in range(1, M + 1)])
    assert np.all(np.diff(S) >= -1e-12 * S[:-1])


# ====================================================================================================
# thm2
# ====================================================================================================
@pytest.mark.claim("ddpm_transformer.thm2")
def test_thm2(verify):
    e = _evaluate((32, 16, UNIFORM4, 2))
    ev_data, model = e["ev"], e["model"]
    ab_s = ev_data["ab"]
    B = dt.bayes_eps(ev_data["Xt"], model.mu, model.pi, 2, ab_s, RHO)
    E = ev_data["E"]
    ms = lambda A: np.mean(A ** 2, axis=(1, 2))  # noqa: E731

    def part(F, exc_t=None):
        direct = ms(F - B) / (1 - ab_s)                       # |s_theta - s|^2/(dP) (Tweedie)
        exc = ms(F - E) - ms(B - E)
        if exc_t is None:
            exc_t = np.array([exc[ev_data["t_idx"] == t].mean() for t in range(AB3.size)])
        return {"measured": direct, "inputs": {"via_loss": exc / (1 - ab_s), "alpha_bar": AB3, "excess_t": exc_t,
                                               "t_idx": ev_data["t_idx"]}}

    # Control with a constant per-step excess: the Bayes estimator plus independent noise of
    # per-entry variance eps has L_t - R_Bayes,t = eps exactly, hence E = eps (1 + SNR) > eps SNR.
    eps_noise = 0.05
    noisy = B + math.sqrt(eps_noise) * np.random.default_rng(910).standard_normal(B.shape)
    ev = {"trained": part(e["F"]), "noisy_bayes": part(noisy, np.full(AB3.size, eps_noise))}
    tr = ev["trained"]
    per_t = [tr["measured"][ev_data["t_idx"] == t].mean() for t in range(3)]
    via_t = [tr["inputs"]["via_loss"][ev_data["t_idx"] == t].mean() for t in range(3)]
    figure = {"title": "Thm 2: score error per step, direct vs (L_t - R_Bayes,t)/(1 - abar_t)", "xlabel": "t",
              "ylabel": "score-matching error (per entry)", "logx": False, "logy": True, "x": [1, 2, 3],
              "series": [{"label": "direct |s_theta - s|^2 (exact MTGM score)", "role": "measured", "y": per_t},
                         {"label": "(L_t - R_Bayes,t)/(1 - abar_t)", "role": "theory", "y": via_t},
                         {"label": "(1 + SNR) max_t excess (time-averaged bound)", "role": "bound",
                          "y": [(1 + dt.snr_avg(AB3)) * tr["inputs"]["excess_t"].max()] * 3}],
              "note": f"time average: {tr['measured'].mean():.4f}; control: Bayes + N(0, {eps_noise}) noise gives "
                      f"{ev['noisy_bayes']['measured'].mean():.4f} = eps (1 + SNR) = "
                      f"{eps_noise * (1 + dt.snr_avg(AB3)):.4f} > eps SNR"}
    verify(_claim("thm2"), ev, seed=[11, 901, 910], figure=figure,
           params={"P": 32, "n_eval": N_EVAL, "SNR": dt.snr_avg(AB3), "noise_eps": eps_noise},
           tolerance="5 SE of the per-sample differences (zero-mean cross term 2<f - eps*, eps* - E>); SNR "
                     "identity 1e-12 relative", scale="full (CFG_FAST, P = 32)")
    # Fig. 2(A) at CFG_FAST scale: the training loss against the Bayes and oracle levels.
    loss = _run(32).loss
    smooth = np.convolve(loss, np.ones(20) / 20, mode="valid")
    steps = np.arange(smooth.size) + 20
    # R_Bayes = R_oracle + E|E[E|X] - E[E|X,Y]|^2/(dP) (Pythagoras): lower variance than the raw MSE
    O = dt.oracle_eps(ev_data["Xt"], ev_data["Y"], model.mu, ab_s, RHO)
    R_or = dt.oracle_risk(AB3, RHO)
    R_B = R_or + float(np.mean(ms(B - O)))
    fig2a = {"title": "Fig. 2(A) at CFG_FAST scale: training loss vs Bayes and oracle risks (T = 3, P = 32)",
             "xlabel": "GD step", "ylabel": "per-entry MSE", "logx": False, "logy": False, "x": steps,
             "series": [{"label": "batch loss (20-step average)", "role": "measured", "y": smooth},
                        {"label": "R_Bayes (MC)", "role": "theory", "y": np.full(steps.size, R_B)},
                        {"label": "R_oracle", "role": "theory", "y": np.full(steps.size, R_or)}],
             "note": f"final test loss {e['loss_model'].mean():.4f}; score-matching error {tr['measured'].mean():.4f}"}
    verify.experiment(SLUG, "fig2A_reduced", title="Fig. 2(A): DDPM loss approaches the Bayes risk",
                      expected="loss falls from ~0.65 towards Bayes ~ oracle ~ 0.16 (paper, T = 50 schedule); the "
                               "score error decreases towards ~0",
                      observed=f"loss falls from {smooth[0]:.3f} to {smooth[-1]:.3f}; R_Bayes = {R_B:.4f}, "
                               f"R_oracle = {R_or:.4f} (T = 3 schedule: higher SNR, so higher risks)",
                      figure=fig2a, seed=11, params={"P": 32, "d": 16, "T": 3, "n_iter": N_ITER},
                      scale="reduced: CFG_FAST (T = 3, d = 16, M = 4, K = 2, P = 32, 400 steps)")


@given(data=st.data())
def test_thm2_property(data):
    T = data.draw(st.integers(1, 20))
    seed = data.draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    a2 = np.sort(rng.uniform(0.01, 0.999, T))[::-1]
    eps_ = 0.1
    e_t = rng.uniform(0, eps_, T)
    assert np.mean(e_t / (1 - a2)) <= eps_ * (1 + dt.snr_avg(a2)) * (1 + 1e-12)
    assert abs(np.mean(1 / (1 - a2)) - 1 - dt.snr_avg(a2)) <= 1e-12 * np.mean(1 / (1 - a2))


# ====================================================================================================
# prop3, cor3, w_structure (d = 16 and d = 64 runs at P = 32)
# ====================================================================================================
@pytest.mark.claim("ddpm_transformer.prop3")
def test_prop3(verify, thorough):
    ds = (16, 64, 1024) if thorough else (16, 64)
    od, hist, ef, same, cross = [], [], [], [], []
    for d in ds:
        res = _run(32, d=d)
        model = _model(d)
        B = _block(res.W, model.mu)
        off = B[~np.eye(4, dtype=bool)]
        od.append(off.mean() / np.diag(B).mean())
        hist.append(_mu_logits(res, model.mu).mean(axis=1))
        ef.append(_energy_fraction(res.W, model.mu))
        ev_d = df.eval_batch(model, 32, AB3, 200, 950)
        stt = df.attention_stats(res.W, ev_d["Xt"], ev_d["Y"], model.mu)
        same.append(stt["same_logit"].mean())
        cross.append(stt["cross_logit"].mean())
    ev = {"measured": np.array(od),
          "inputs": {"d": list(ds), "M": 4, "same_hist": hist, "energy_fraction": ef, "same": same, "cross": cross}}
    steps = _run(32).steps
    series = []
    for i, d in enumerate(ds):
        series.append({"label": f"same-pattern logit, d = {d}", "role": "measured", "y": hist[i]})
        series.append({"label": f"-same/(M-1), d = {d}", "role": "theory", "y": -hist[i] / 3})
    figure = {"title": "Prop. 3: same-pattern logit (mu-coordinates) during training, M = 4", "xlabel": "GD step",
              "ylabel": "logit", "logx": False, "logy": False, "x": steps, "series": series,
              "note": f"block off/diag ratios {np.round(od, 4).tolist()} (corrected: -1/(M-1) = -0.333; "
                      f"printed (19) bound log d/sqrt d = {np.round(np.log(ds) / np.sqrt(ds), 3).tolist()}); "
                      f"data logits same {np.round(same, 3).tolist()}, cross {np.round(cross, 3).tolist()}"}
    verify(_claim("prop3"), ev, seed=11, figure=figure, params={"d": list(ds), "P": 32, "n_iter": N_ITER},
           tolerance="card: off/diag within -1/(M-1) +- 0.05; energy fraction >= 0.99",
           # The printed (19) with constant 1 can be rejected only where log d/sqrt d < 1/(M-1),
           # i.e. at d = 1024 (thorough); at d = 16, 64 the bound is looser than the measured 1/3.
           printed_expected="fails" if thorough else "any",
           scale="full (d = 16, 64, 1024)" if thorough else "reduced: d = 16, 64 (d = 1024 under --thorough)")


def _mass_history(res: df.TrainResult, model: df.MTGM, P: int, n: int = 100, seed: int = 960) -> np.ndarray:
    ev = df.eval_batch(model, P, AB3, n, seed)
    return np.array([df.attention_stats(W, ev["Xt"], ev["Y"], model.mu)["same_mass"].mean() for W in res.W_hist])


@pytest.mark.claim("ddpm_transformer.cor3")
def test_cor3(verify):
    ds = (16, 64)
    mass, init, init_se, cv, frac, hist = [], [], [], [], [], []
    for d in ds:
        res = _run(32, d=d)
        model = _model(d)
        ev_d = df.eval_batch(model, 32, AB3, 300, 970)
        stt = df.attention_stats(res.W, ev_d["Xt"], ev_d["Y"], model.mu)
        st0 = df.attention_stats(np.zeros((d, d)), ev_d["Xt"], ev_d["Y"], model.mu)
        mass.append(stt["same_mass"].mean())
        m0, s0 = _mean_se(st0["same_mass"])
        init.append(m0)
        init_se.append(s0)
        cv.append(stt["cv"].mean())
        frac.append(1 / 32 + (1 - 1 / 32) * dt.expected_sum_pi_sq(model.pi, 2))
        hist.append(_mass_history(res, model, 32))
    ev = {"measured": np.array(mass),
          "inputs": {"d": list(ds), "init_mass": init, "init_mass_se": init_se, "same_fraction": frac, "cv": cv}}
    steps = _run(32).steps
    figure = {"title": "Cor. 3 / Fig. 2(E): attention mass on same-pattern keys during training (P = 32)",
              "xlabel": "GD step", "ylabel": "same-pattern mass", "logx": False, "logy": False, "x": steps,
              "series": [{"label": f"d = {d}", "role": "measured", "y": hist[i]} for i, d in enumerate(ds)]
              + [{"label": "0.9", "role": "bound", "y": np.full(steps.size, 0.9)},
                 {"label": "W = 0 level 1/P + (1-1/P) E sum pi^2", "role": "theory",
                  "y": np.full(steps.size, frac[0])}],
              "note": f"within-pattern CV of the weights: {np.round(cv, 3).tolist()} at d = {list(ds)}"}
    verify(_claim("cor3"), ev, seed=[11, 970], figure=figure, params={"d": list(ds), "P": 32, "n_iter": N_ITER},
           tolerance="card: mass >= 0.9 (measured 0.97); W = 0 mass at 5 SE; CV(64) <= 0.7 CV(16)")
    verify.experiment(SLUG, "fig2E_reduced", title="Fig. 2(E): attention mass on same-pattern keys (CFG_FAST)",
                      expected="rises from ~1/K to ~0.85-0.9 (paper: K = 4, d = 64, P = 256, 20K iterations)",
                      observed=f"rises from {hist[0][0]:.3f} to {hist[0][-1]:.3f} (d = 16) and {hist[1][-1]:.3f} "
                               f"(d = 64) within 400 steps at K = 2",
                      figure=figure, seed=11, params={"d": list(ds), "P": 32, "K": 2, "n_iter": N_ITER},
                      scale="reduced: CFG_FAST (d = 16/64, M = 4, K = 2, P = 32, T = 3, 400 steps)")


@pytest.mark.claim("ddpm_transformer.w_structure")
def test_w_structure(verify):
    res = _run(32)
    model = _model()
    ev = {"measured": _block(res.W, model.mu), "inputs": {"energy_fraction": _energy_fraction(res.W, model.mu)}}
    claim = _claim("w_structure")
    # Negative control: i.i.d. N(0, 1) initialisation; the out-of-span part persists.
    res_g = _run(32, W0="gaussian")
    ev_g = {"measured": _block(res_g.W, model.mu), "inputs": {"energy_fraction": _energy_fraction(res_g.W, model.mu)}}
    assert claim.judge(ev_g).fails, "the check does not depend on W(0) = 0"
    efs = [_energy_fraction(W, model.mu) if np.any(W) else np.nan for W in res.W_hist]
    efs_g = [_energy_fraction(W, model.mu) for W in res_g.W_hist]
    figure = {"title": "W structure: fraction of |W|_F^2 in the mu-block during training", "xlabel": "GD step",
              "ylabel": "energy fraction", "logx": False, "logy": False, "x": res.steps,
              "series": [{"label": "W(0) = 0", "role": "measured", "y": efs},
                         {"label": "W(0) i.i.d. N(0, 1) (control)", "role": "false_variant", "y": efs_g},
                         {"label": "0.99", "role": "bound", "y": np.full(res.steps.size, 0.99)}],
              "note": f"final block (mu-coordinates): {np.round(ev['measured'], 3).tolist()}"}
    verify(claim, ev, seed=11, figure=figure, params={"d": 16, "P": 32, "n_iter": N_ITER,
                                                      "control_energy_fraction": ev_g["inputs"]["energy_fraction"]},
           tolerance="card: energy >= 0.99, diagonal within 5 %, off/diag within -1/(M-1) +- 0.05")


# ====================================================================================================
# cor4
# ====================================================================================================
PI_TRAIN4 = (0.55, 0.25, 0.15, 0.05)
PI_ABSENT = (0.55 / 0.95, 0.25 / 0.95, 0.15 / 0.95, 0.0)


def _cor4_part(run_key, test_pi, n=N_EVAL):
    e = _evaluate(run_key, test_pi, n=n)
    m, s = _mean_se(e["excess"])
    return {"measured": m, "se": s, "inputs": {"floor": e["floor"]}}, e


@pytest.mark.claim("ddpm_transformer.cor4")
def test_cor4(verify, thorough):
    key = (32, 16, PI_TRAIN4, 2, 11, "zero", False, N_ITER)
    priors = {"train": PI_TRAIN4, "uniform": UNIFORM4, "reversed": PI_TRAIN4[::-1]}
    ev = {name: _cor4_part(key, p)[0] for name, p in priors.items()}
    claim = _claim("cor4")
    # Negative control: a model trained without pattern 4 (violating pi > 0), evaluated on
    # data that contain it (reversed prior: pattern 4 is the most frequent).
    key_abs = (32, 16, PI_ABSENT, 2, 12, "zero", False, N_ITER)
    ev_abs = {"train": _cor4_part(key_abs, PI_ABSENT, n=1000)[0]}
    ev_abs.update({name: _cor4_part(key_abs, p, n=1000)[0] for name, p in priors.items() if name != "train"})
    e_abs = _evaluate(key_abs, UNIFORM4, n=1000)
    lab, tok = e_abs["ev"]["Y"], e_abs["tok_excess"]
    per_pattern = np.array([tok[lab == u].mean() for u in range(4)])
    assert per_pattern[3] >= 3 * per_pattern[:3].max(), f"unlearned pattern not detected: {per_pattern}"
    assert claim.judge(ev_abs).fails, "the check cannot detect an unlearned pattern"
    longer = {}
    if thorough:
        # Card, thorough tier: at 1,600 steps the reversed excess is >= 10 % lower than at 400
        # and <= 3 floor; the uniform one stays <= 2 floor + 0.015.
        key_long = key[:-1] + (1600,)
        longer = {name: _cor4_part(key_long, p)[0] for name, p in priors.items()}
        r4, r16 = ev["reversed"]["measured"], longer["reversed"]["measured"]
        assert r16 <= 0.9 * r4 and r16 <= 3 * longer["reversed"]["inputs"]["floor"]
        assert longer["uniform"]["measured"] <= 2 * longer["uniform"]["inputs"]["floor"] + 0.015
        assert claim.judge(longer).holds
    names = list(priors)
    series = [{"label": "trained model (400 steps)", "role": "measured", "y": [ev[k]["measured"] for k in names]},
              {"label": "mean-denoising floor", "role": "theory", "y": [ev[k]["inputs"]["floor"] for k in names]},
              {"label": "model trained without pattern 4 (control)", "role": "false_variant",
               "y": [ev_abs[k]["measured"] for k in names]}]
    if longer:
        series.insert(1, {"label": "trained model (1,600 steps)", "role": "measured",
                          "y": [longer[k]["measured"] for k in names]})
    figure = {"title": "Cor. 4: excess over R_oracle under shifted priors (trained on (0.55, 0.25, 0.15, 0.05))",
              "xlabel": "test prior (0 train, 1 uniform, 2 reversed)", "ylabel": "excess", "logx": False,
              "logy": False, "x": [0, 1, 2], "series": series,
              "note": f"control, per-pattern excess on uniform test data: {np.round(per_pattern, 4).tolist()}"}
    verify(claim, ev, seed=[11, 12, 901], figure=figure,
           params={"train_prior": PI_TRAIN4, "n_iter": N_ITER, "P": 32, "d": 16,
                   "control_per_pattern_excess": per_pattern,
                   "excess_1600": {k: v["measured"] for k, v in longer.items()}},
           tolerance="card: train and uniform <= 2 floor + 0.01 / 0.015, reversed <= 4 floor, plus 5 MC-SE")


# ====================================================================================================
# lemma4_log_growth
# ====================================================================================================
PI_RARE8 = (0.01,) + (0.99 / 7,) * 7


@pytest.mark.claim("ddpm_transformer.lemma4_log_growth")
def test_lemma4_log_growth(verify, thorough):
    d, P, n_iter = (32, 64, 1600) if thorough else (16, 32, 800)
    res = _run(P, d=d, pi=PI_RARE8, K=4, seed=13, n_iter=n_iter)
    model = _model(d, PI_RARE8, 4)
    L = _mu_logits(res, model.mu)
    ev = {"measured": L, "inputs": {"steps": res.steps, "rare": 0}}
    figure = {"title": "Lemma 4 / Fig. 4: same-pattern logits, rare (pi = 0.01) vs frequent patterns",
              "xlabel": "GD step", "ylabel": "mean(abar) W_uu (mu-coordinates)", "logx": False, "logy": False,
              "x": res.steps,
              "series": [{"label": "rare pattern", "role": "measured", "y": L[:, 0]},
                         {"label": "frequent patterns (mean)", "role": "measured", "y": L[:, 1:].mean(axis=1)},
                         {"label": "level 1.0 (onset)", "role": "bound", "y": np.ones(res.steps.size)}]}
    verify(_claim("lemma4_log_growth"), ev, seed=13, figure=figure,
           params={"d": d, "M": 8, "K": 4, "P": P, "T": 3, "batch": 32, "eta": 1.0, "n_iter": n_iter,
                   "pi": PI_RARE8},
           tolerance="card: onset ratio >= 2, saturation, increment ratio <= 1.3 at s = 200 (linear: 2 +- 0.3)",
           scale="full (card: d = 32, P = 64)" if thorough else
           "reduced: d = 16, P = 32 (card: d = 32, P = 64, under --thorough); same eta, batch and steps")
    Lf = L[:, 1:].mean(axis=1)
    verify.experiment(SLUG, "fig4_reduced", title="Fig. 4: same-pattern logits of the most and least frequent "
                                                  "patterns (min pi = 0.01)",
                      expected="frequent pattern saturates ~3.7 by ~1K iterations; the rare one rises later, "
                               "to ~4-4.5 by ~6K (paper: d = 64, P = 256, T = 50)",
                      observed=f"frequent {Lf[np.searchsorted(res.steps, 200)]:.2f} at 200, {Lf[-1]:.2f} at "
                               f"{n_iter}; rare {L[np.searchsorted(res.steps, 200), 0]:.3f} at 200, {L[-1, 0]:.2f} at "
                               f"{n_iter}", figure=figure, seed=13,
                      params={"d": d, "P": P, "n_iter": n_iter},
                      scale=f"reduced: d = {d}, P = {P}, T = 3, {n_iter} steps")


# ====================================================================================================
# lemma5
# ====================================================================================================
def _lemma5_part(a2, rho, eta, d=32, M=4, P=64, K=2, N=400, seed=0, n_steps=30):
    model = df.MTGM(d, M, K, np.full(M, 1 / M), rho)
    X0, Y, _ = model.sample(N, P, seed)
    Xt, E = df.forward_process(X0, a2, seed + 1)
    a = df.mean_denoiser(Xt, Y, 1.0)                     # X - (perfect same-label attention) X
    A_i = np.mean(a * a, axis=(1, 2))
    B_i = np.mean(a * E, axis=(1, 2))
    A_hat, B_hat = A_i.mean(), B_i.mean()
    v_star = B_hat / A_hat
    v = 0.0
    errs = [v - v_star]
    for _ in range(n_steps):                               # GD on the per-step loss mean |v a - E|^2/(dP)
        grad = np.mean(np.sum(2 * (v * a - E) * a, axis=(1, 2))) / (d * P)
        v -= eta * grad
        errs.append(v - v_star)
    errs = np.array(errs)
    keep = np.abs(errs[:-1]) > 1e-6 * abs(errs[0])          # above the round-off floor of v
    ratios = errs[1:][keep] / errs[:-1][keep]
    return {"measured": ratios,
            "inputs": {"ab": a2, "rho": rho, "eta": eta, "A_hat": A_hat, "A_se": A_i.std(ddof=1) / math.sqrt(N),
                       "v_star": v_star, "k_eff": dt.expected_k_eff(model.pi, K, P), "P": P}}, errs


@pytest.mark.claim("ddpm_transformer.lemma5")
def test_lemma5(verify):
    eta = 0.3
    ev, curves = {"parts": []}, {}
    for i, a2 in enumerate((0.9, 0.5, 0.2)):
        name = f"abar={a2}"
        ev[name], curves[a2] = _lemma5_part(a2, RHO, eta, seed=400 + 2 * i)
        ev["parts"].append(name)
    s = np.arange(31)
    series = []
    for a2, e in curves.items():
        A_hat = ev[f"abar={a2}"]["inputs"]["A_hat"]
        series.append({"label": f"|v_s - v*|, abar = {a2}", "role": "measured", "y": np.abs(e)})
        series.append({"label": f"(1 - 2 eta A_t)^s, abar = {a2}", "role": "theory",
                       "y": abs(e[0]) * np.abs(1 - 2 * eta * A_hat) ** s})
        series.append({"label": f"printed rate, abar = {a2}", "role": "false_variant",
                       "y": abs(e[0]) * np.abs(1 - 2 * eta * (RHO * math.sqrt(a2) + math.sqrt(1 - a2))) ** s})
    figure = {"title": "Lemma 5: GD on v_t with perfect same-label attention (eta = 0.3)", "xlabel": "GD step s",
              "ylabel": "|v_s - v*|", "logx": False, "logy": True, "x": s, "series": series}
    verify(_claim("lemma5"), ev, seed=[400, 402, 404], figure=figure,
           params={"d": 32, "M": 4, "P": 64, "K": 2, "N": 400, "eta": eta},
           tolerance="contraction 1e-9 (exact quadratic, round-off only); curvature 5 SE; |v* - c_t| <= 0.005 (card)")


@given(a2=st.floats(0.05, 0.99), rho=st.floats(0.1, 2.0), frac=st.floats(0.05, 0.95), seed=st.integers(0, 10_000))
def test_lemma5_property(a2, rho, frac, seed):
    s2 = 1 - a2 + rho ** 2 * a2
    A_guess = s2 * (1 - 2 / 32)
    part, errs = _lemma5_part(a2, rho, frac / A_guess, d=8, P=32, N=100, seed=seed, n_steps=20)
    A_hat = part["inputs"]["A_hat"]
    eta = frac / A_guess
    assert np.allclose(part["measured"], float(dt.v_contraction(eta, A_hat)), rtol=0, atol=1e-8)
    # Divergence beyond the stable range eta < 1/A_t.
    _, errs_big = _lemma5_part(a2, rho, 1.05 / A_hat, d=8, P=32, N=100, seed=seed, n_steps=20)
    assert abs(errs_big[-1]) > abs(errs_big[0])


# ====================================================================================================
# Paper-size experiments (Sec. 5.1, Fig. 2 and Fig. 4): thorough tier only
# ====================================================================================================
def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


#: CFG_PAPER: d = 64, M = 8, P = 256, K = 4, rho = 0.3, T = 50. The paper trains ~20K
#: iterations; on a GPU this runs as printed, on the CPU (~0.15 s per step) the run is cut to
#: 1,000 iterations and the evidence says so. The step size is not stated in the paper; with
#: the per-step losses averaged over T = 50 steps each v_t sees a gradient scaled by 1/T, so a
#: large eta (10) is needed for v_t to converge within the budget (stable: eta < T / A_t ~ 60).
CFG_PAPER = dict(d=64, M=8, P=256, K=4, T=50, batch=100, eta=10.0)
PAPER_ITERS_GPU, PAPER_ITERS_CPU = 20_000, 1_000
#: The panel sweeps (Fig. 2(B)-(D), Fig. 4: seven more runs) are cut further on the CPU.
PAPER_ITERS_CPU_PANELS = 400


def _paper_iters(panel: bool = False) -> int:
    if _cuda():
        return PAPER_ITERS_GPU
    return PAPER_ITERS_CPU_PANELS if panel else PAPER_ITERS_CPU


def _paper_scale(n_iter: int) -> str:
    where = "GPU (torch, float64)" if _cuda() else "CPU (numpy, float64)"
    return ("full" if n_iter >= PAPER_ITERS_GPU else f"reduced: {n_iter} of ~20,000 iterations") + \
        f"; d = 64, M = 8, P = 256, K as stated, T = 50, batch {CFG_PAPER['batch']}, " \
        f"eta = {CFG_PAPER['eta']} on {where}"


@functools.lru_cache(maxsize=None)
def _paper_run(K: int = 4, pi: tuple | None = None, steps: str = "all", seed: int = 31,
               panel: bool = False) -> df.TrainResult:
    M = CFG_PAPER["M"]
    pi = (1 / M,) * M if pi is None else pi
    model = df.MTGM(CFG_PAPER["d"], M, K, np.array(pi), RHO)
    train_steps = None if _STEP_SETS[steps] is None else np.array(_STEP_SETS[steps])
    n_iter = _paper_iters(panel)
    kw = dict(backend="torch", device="cuda") if _cuda() else {}
    return df.train(model, CFG_PAPER["P"], AB50, n_iter=n_iter, seed=seed, eta=CFG_PAPER["eta"],
                    batch=CFG_PAPER["batch"],
                    train_steps=train_steps, record_every=max(1, n_iter // 20), **kw)


_STEP_SETS = {"all": None, "first40": tuple(range(0, 20)), "last40": tuple(range(30, 50))}


@functools.lru_cache(maxsize=None)
def _paper_eval(K: int = 4, test_pi: tuple | None = None, n: int = 200, seed: int = 990, steps: str = "all"):
    M = CFG_PAPER["M"]
    model = df.MTGM(CFG_PAPER["d"], M, K, np.full(M, 1 / M) if test_pi is None else np.array(test_pi), RHO)
    sel = _STEP_SETS[steps]
    ev = df.eval_batch(model, CFG_PAPER["P"], AB50, n, seed, steps=None if sel is None else np.array(sel))
    O = dt.oracle_eps(ev["Xt"], ev["Y"], model.mu, ev["ab"], RHO)
    return model, ev, np.mean((O - ev["E"]) ** 2, axis=(1, 2))


def _paper_curve(res: df.TrainResult, K: int = 4, test_pi: tuple | None = None, steps: str = "all"):
    """Excess over the oracle (common random numbers), test loss and same-pattern mass at every
    recorded iterate, on fresh test data (uniform prior unless given; on the diffusion steps
    the model was trained on)."""
    model, ev, lo = _paper_eval(K, test_pi, steps=steps)
    ex, loss, mass = [], [], []
    for W, v in zip(res.W_hist, res.v_hist):
        AX = df.attention_average(W, ev["Xt"])
        F = v[ev["t_idx"]][:, None, None] * (ev["Xt"] - AX)
        lm = np.mean((F - ev["E"]) ** 2, axis=(1, 2))
        ex.append(np.mean(lm - lo))
        loss.append(lm.mean())
        mass.append(df.attention_stats(W, ev["Xt"][:40], ev["Y"][:40], model.mu)["same_mass"].mean())
    return np.array(ex), np.array(loss), np.array(mass)


@pytest.mark.thorough
def test_fig2_paper_size_loss_and_attention(verify):
    """Fig. 2(A) and 2(E) at CFG_PAPER (K = 4, uniform prior)."""
    res = _paper_run()
    ex, loss, mass = _paper_curve(res)
    n_iter = int(res.steps[-1])
    R_or = dt.oracle_risk(AB50, RHO)
    model, ev, _ = _paper_eval()
    # Bayes level: R_oracle + E|E[E|X] - E[E|X,Y]|^2/(dP) on the test data
    B = dt.bayes_eps(ev["Xt"], model.mu, model.pi, 4, ev["ab"], RHO)
    O = dt.oracle_eps(ev["Xt"], ev["Y"], model.mu, ev["ab"], RHO)
    R_B = R_or + float(np.mean(np.mean((B - O) ** 2, axis=(1, 2))))
    W, v = res.W, res.v
    F = v[ev["t_idx"]][:, None, None] * (ev["Xt"] - df.attention_average(W, ev["Xt"]))
    score_err = float(np.mean(np.mean((F - B) ** 2, axis=(1, 2)) / (1 - ev["ab"])))
    figA = {"title": "Fig. 2(A) at paper size: test loss vs R_Bayes and R_oracle", "xlabel": "iteration",
            "ylabel": "per-entry MSE", "logx": False, "logy": True, "x": res.steps,
            "series": [{"label": "test loss", "role": "measured", "y": loss},
                       {"label": "R_Bayes", "role": "theory", "y": np.full(res.steps.size, R_B)},
                       {"label": "R_oracle", "role": "theory", "y": np.full(res.steps.size, R_or)}],
            "note": f"final score-matching error {score_err:.4f}"}
    verify.experiment(SLUG, "fig2A", title="Fig. 2(A): test DDPM loss, Bayes and oracle risks",
                      expected="loss ~0.65 -> ~0.23 by 2K -> ~0.19 at 20K; Bayes ~ oracle ~ 0.156; score error -> ~0",
                      observed=f"loss {loss[0]:.3f} -> {loss[-1]:.3f} at {n_iter}; R_Bayes {R_B:.4f}, R_oracle "
                               f"{R_or:.4f}; score error {score_err:.4f}",
                      figure=figA, seed=31, params=CFG_PAPER, scale=_paper_scale(n_iter))
    figE = {"title": "Fig. 2(E) at paper size: attention mass on same-pattern keys", "xlabel": "iteration",
            "ylabel": "mass", "logx": False, "logy": False, "x": res.steps,
            "series": [{"label": "same-pattern mass", "role": "measured", "y": mass},
                       {"label": "1/K", "role": "theory", "y": np.full(res.steps.size, 0.25)}]}
    verify.experiment(SLUG, "fig2E", title="Fig. 2(E): attention concentrates on same-pattern keys",
                      expected="from ~0.25 (= 1/K) to ~0.85 within ~1-2K iterations, ~0.87-0.9 at 20K",
                      observed=f"{mass[0]:.3f} -> {mass[-1]:.3f} at {n_iter}", figure=figE, seed=31, params=CFG_PAPER,
                      scale=_paper_scale(n_iter))
    assert loss[-1] < loss[0] and loss[-1] < R_or + 0.1
    assert mass[-1] > 0.8


@pytest.mark.thorough
def test_fig2_paper_size_panel_B(verify):
    """Fig. 2(B) (K = 1, 4, 8) and the empirical part of Cor. 1."""
    curves_B = {K: _paper_curve(_paper_run(K=K, panel=True), K=K)[0] for K in (1, 4, 8)}
    steps = _paper_run(panel=True).steps
    n_iter = int(steps[-1])
    floors = {K: dt.mean_denoise_floor(AB50, RHO, dt.expected_k_eff(np.full(8, 1 / 8), K, 256), 256) for K in (1, 4, 8)}
    figB = {"title": "Fig. 2(B): excess over R_oracle for K = 1, 4, 8", "xlabel": "iteration", "ylabel": "excess",
            "logx": False, "logy": True, "x": steps,
            "series": [{"label": f"K = {K}", "role": "measured", "y": c} for K, c in curves_B.items()]
            + [{"label": f"floor K = {K}", "role": "theory", "y": np.full(steps.size, f)} for K, f in floors.items()]}
    verify.experiment(SLUG, "fig2B", title="Fig. 2(B): more patterns per data point learn more slowly",
                      expected="final ~0.014 (K = 1), ~0.037 (K = 4), ~0.055 (K = 8); K = 1 < 4 < 8 at all times; "
                               "floors 0.0033, 0.0132, 0.0264",
                      observed="final " + ", ".join(f"K = {K}: {c[-1]:.4f}" for K, c in curves_B.items()),
                      figure=figB, seed=31, params=CFG_PAPER, scale=_paper_scale(n_iter))
    assert curves_B[1][-1] < curves_B[4][-1] < curves_B[8][-1]
    # Cor. 1, empirical part (card, thorough): the iterations needed to reach excess 0.06 grow with K.
    reach = {K: float(steps[np.argmax(c <= 0.06)]) if np.any(c <= 0.06) else float("inf") for K, c in curves_B.items()}
    verify.experiment(SLUG, "cor1_empirical", title="Cor. 1: iterations to reach excess 0.06 for K = 1, 4, 8",
                      expected="non-decreasing in K (K = 1 fastest, K = M slowest)",
                      observed=", ".join(f"K = {K}: {r:g}" for K, r in reach.items()), figure=figB, seed=31,
                      params=CFG_PAPER, scale=_paper_scale(n_iter))
    assert reach[1] <= reach[4] <= reach[8]


@pytest.mark.thorough
def test_fig2_paper_size_panel_C_and_fig4(verify):
    """Fig. 2(C) (min pi = 0.1, 0.05, 0.01; uniform test prior) and Fig. 4 (logits of the
    most and least frequent patterns at min pi = 0.01). Recorded, not asserted: the paper's
    curves are close together and its priors are not stated."""
    mins = (0.1, 0.05, 0.01)
    pis = {m: (m,) + ((1 - m) / 7,) * 7 for m in mins}
    curves_C = {m: _paper_curve(_paper_run(pi=pis[m], panel=True))[0] for m in mins}
    steps = _paper_run(pi=pis[0.01], panel=True).steps
    n_iter = int(steps[-1])
    figC = {"title": "Fig. 2(C): excess (uniform test prior) for min pi = 0.1, 0.05, 0.01", "xlabel": "iteration",
            "ylabel": "excess", "logx": False, "logy": True, "x": steps,
            "series": [{"label": f"min pi = {m}", "role": "measured", "y": c} for m, c in curves_C.items()]}
    verify.experiment(SLUG, "fig2C", title="Fig. 2(C): rarer patterns, slightly higher excess",
                      expected="curves close together; smaller min pi gives higher excess (~0.035, 0.040, 0.045 at "
                               "20K); the prior is min pi followed by equal entries (UNCERTAIN in the paper)",
                      observed="final " + ", ".join(f"{m}: {c[-1]:.4f}" for m, c in curves_C.items()),
                      figure=figC, seed=31, params=CFG_PAPER, scale=_paper_scale(n_iter))
    res4 = _paper_run(pi=pis[0.01], panel=True)
    model4 = df.MTGM(64, 8, 4, np.array(pis[0.01]), RHO)
    blocks = [_block(W, model4.mu) for W in res4.W_hist]
    L = np.array([np.diag(B) for B in blocks]) * AB50.mean()
    off = np.array([(B.sum(axis=1) - np.diag(B))[1:].mean() / 7 for B in blocks]) * AB50.mean()
    fig4 = {"title": "Fig. 4: same-pattern logits, most vs least frequent pattern (min pi = 0.01)",
            "xlabel": "iteration", "ylabel": "mean(abar) W_uu (mu-coordinates)", "logx": False, "logy": False,
            "x": res4.steps, "series": [{"label": "least frequent (pi = 0.01)", "role": "measured", "y": L[:, 0]},
                                        {"label": "most frequent (mean)", "role": "measured",
                                         "y": L[:, 1:].mean(axis=1)},
                                        {"label": "different-pattern logit (mean)", "role": "measured", "y": off}]}
    verify.experiment(SLUG, "fig4", title="Fig. 4: logits of the most and least frequent patterns",
                      expected="frequent saturates ~3.7 by ~1K; rare rises more slowly to ~4-4.5 by ~6K; "
                               "different-pattern logits settle ~-0.7",
                      observed=f"frequent {L[-1, 1:].mean():.2f}, rare {L[-1, 0]:.2f}, cross {off[-1]:.2f} at {n_iter}",
                      figure=fig4, seed=31, params=CFG_PAPER, scale=_paper_scale(n_iter))


@pytest.mark.thorough
def test_fig2_paper_size_panel_D(verify):
    """Fig. 2(D): training on all steps, the first 40 % (high SNR) or the last 40 %, each
    evaluated on the steps it was trained on (the others keep v_t at its initial value).
    Recorded."""
    curves_D = {s: _paper_curve(_paper_run(steps=s, panel=True), steps=s)[0] for s in ("all", "first40", "last40")}
    steps = _paper_run(panel=True).steps
    n_iter = int(steps[-1])
    figD = {"title": "Fig. 2(D): excess for training on all steps / first 40 % / last 40 %", "xlabel": "iteration",
            "ylabel": "excess on the trained steps", "logx": False, "logy": True, "x": steps,
            "series": [{"label": s, "role": "measured", "y": c} for s, c in curves_D.items()]}
    verify.experiment(SLUG, "fig2D", title="Fig. 2(D): which diffusion steps the model is trained on",
                      expected="first 40 % (high SNR) ends lowest (~0.019); all steps ~0.033; last 40 % drops fastest "
                               "at first, then plateaus ~0.035",
                      observed="final " + ", ".join(f"{s}: {c[-1]:.4f}" for s, c in curves_D.items()),
                      figure=figD, seed=31, params=CFG_PAPER, scale=_paper_scale(n_iter))


# ====================================================================================================
# Sec. 5.2, Fig. 3: per-class Fréchet distance under class imbalance (offline digits stand-in)
# ====================================================================================================
#: Diffusion schedule of the stand-in: the paper's linear schedule formula (Sec. 5.1), with
#: alpha from 0.9999 to 0.8 over T = 50 steps so that abar_T = 0.0046 and sampling can start
#: from N(0, I) (the Sec. 5.1 values 0.98 -> 0.95 end at abar_T = 0.17).
DIGITS_AB = dt.alpha_bar_linear(50, 0.9999, 0.8)
#: Default profile (~15 s on one core). Measured over seeds 0-11 at exactly this size (and
#: seeds 0-7 with 600 samples and evaluations every 25 epochs), see _fig3_shape.
DIGITS_DEFAULT = dict(epochs=150, eval_epochs=(30, 60, 90, 120, 150), n_samples=500, lr=8e-3, batch=64,
                      hidden=32, config=ddf.DenoiserConfig(patch=2, width=32, depth=2, heads=4, mlp_ratio=2))
DIGITS_SEEDS_DEFAULT = (0,)
#: Thorough: the paper's 400 epochs and three times as many samples per evaluation, three seeds.
DIGITS_THOROUGH = dict(DIGITS_DEFAULT, epochs=400, eval_epochs=tuple(range(50, 401, 50)), n_samples=1500)
DIGITS_SEEDS_THOROUGH = (0, 1, 2)
#: Fig. 3 as the card reads it (FID, paper epochs): all classes ~300-370 up to epoch ~80, then
#: falling; class 2 ~130 vs ~100 at epoch 240 and ~70-80 vs ~50-60 at epoch 400 (midpoints).
PAPER_FIG3 = {"epoch": (0, 80, 240, 400), "class 2": (335, 335, 130, 75), "classes 0, 1, 3": (335, 335, 100, 55)}


class _torch_threads:
    """One intra-op torch thread (a 16-token transformer only waits on a thread pool), restored
    afterwards; reruns are bit-for-bit identical at a fixed thread count."""

    def __init__(self, torch, n: int = 1):
        self.torch, self.n = torch, n

    def __enter__(self):
        self.old = self.torch.get_num_threads()
        self.torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        self.torch.set_num_threads(self.old)


def _fig3_shape(r: ddf.DigitDiffusionResult, minority: int = 2) -> dict:
    """The Fig. 3 shape on one run. Single evaluations scatter by ~0.5-1 (the minority class
    is scored on ~30-90 generated samples per evaluation), so the "late" level is the mean
    over the evaluations in the second half of training."""
    late = r.epochs >= r.epochs[-1] / 2
    late_fd = r.fd[late].mean(axis=0)
    j = r.classes.index(minority)
    others = [i for i in range(len(r.classes)) if i != j]
    remaining = late_fd / r.fd[0]
    return {"late_fd": late_fd, "remaining": remaining, "j": j, "others": others,
            "falls": bool(np.all(remaining < 1)),
            "minority_worst_late": bool(late_fd[j] > late_fd[others].max()),
            "minority_lags": bool(remaining[j] > remaining[others].max()),
            "minority_worst_last": bool(r.fd[-1, j] > r.fd[-1, others].max()),
            "worst_late_ratio": float(late_fd[j] / late_fd[others].max())}


@pytest.mark.experiment("ddpm_transformer.fig3_digits")
def test_fig3_digits(verify, thorough):
    """Fig. 3 stand-in: a patch-transformer DDPM on digits 0-3 with digit 2 cut to 30 %, and
    the per-class Fréchet distance in a small classifier's features over training."""
    torch = pytest.importorskip("torch")
    cfg = DIGITS_THOROUGH if thorough else DIGITS_DEFAULT
    seeds = DIGITS_SEEDS_THOROUGH if thorough else DIGITS_SEEDS_DEFAULT
    with _torch_threads(torch, 1):
        runs = [ddf.run_digit_diffusion(DIGITS_AB, seed=s, **cfg) for s in seeds]
    shapes = [_fig3_shape(r) for r in runs]
    r0 = runs[0]
    E = int(r0.epochs[-1])
    c = float(r0.fd[0].mean()) / 335.0                  # paper FID -> our scale at the first evaluation
    series = [{"label": f"class {k}" + (" (30 % of its data)" if k == 2 else ""),
               "role": "measured", "y": r0.fd[:, i]} for i, k in enumerate(r0.classes)]
    series += [{"label": f"paper, {name} (rescaled)", "role": "theory", "marker": mk,
                "x": [e * E / 400 for e in PAPER_FIG3["epoch"]], "y": [v * c for v in PAPER_FIG3[name]]}
               for name, mk in (("class 2", "o"), ("classes 0, 1, 3", "s"))]
    series.append({"label": "real-vs-real floor (same sample size)", "role": "bound",
                   "y": np.full(r0.epochs.size, float(r0.floor.mean()))})
    figure = {"title": "Fig. 3 stand-in: per-class Fréchet distance, digit 2 at 30 %",
              "xlabel": "epoch", "ylabel": "Fréchet distance (MLP hidden features)", "logx": False,
              "logy": False, "x": r0.epochs, "series": series,
              "note": f"Paper points (card's read-off of Fig. 3) rescaled onto this run's axes: FID x {c:.3f}, "
                      f"epoch x {E}/400; only the shape is comparable."}

    def _obs(r, sh, s):
        return (f"seed {s}: FD first -> mean of second half: "
                + ", ".join(f"class {k} {r.fd[0, i]:.2f} -> {sh['late_fd'][i]:.2f}" for i, k in enumerate(r.classes))
                + f"; class 2 worst in the second half {sh['worst_late_ratio']:.2f}x the next, worst at the last "
                  f"evaluation: {sh['minority_worst_last']}; generated class counts at the end "
                  f"{r.counts[-1].tolist()} of {r.params['n_samples']}")

    scale = ("reduced: 8x8 digits instead of MNIST; a 2-block, 4-head, width-32 patch transformer (2x2 patches) "
             "instead of a 6-layer DiT; the paper's 400 epochs, 1,500 samples per evaluation, three seeds; "
             "Fréchet distance in a 32-unit MLP's features instead of Inception FID") if thorough else \
        ("reduced: 8x8 digits instead of MNIST; a 2-block, 4-head, width-32 patch transformer (2x2 patches) "
         "instead of a 6-layer DiT; 150 of the paper's 400 epochs, 500 samples per evaluation, one seed "
         "(400 epochs, 1,500 samples, three seeds under --thorough); Fréchet distance in a 32-unit MLP's "
         "features instead of Inception FID")
    verify.experiment(
        SLUG, "fig3_digits",
        title="Fig. 3 (offline stand-in): per-class Fréchet distance over training, digit 2 at 30 %",
        expected="all classes fall; the minority class 2 lags (falls least) and ends worst (paper, FID: ~300-370 "
                 "to epoch ~80, then class 2 ~130 vs ~100 at epoch 240 and ~70-80 vs ~50-60 at epoch 400)",
        observed="; ".join(_obs(r, sh, s) for r, sh, s in zip(runs, shapes, seeds))
                 + f"; classifier training accuracy {r0.classifier_accuracy:.3f}; training images per class "
                   f"{r0.n_train.tolist()}",
        figure=figure, seed=list(seeds),
        params={k: (dataclasses.asdict(v) if k == "config" else v) for k, v in cfg.items()}
        | {"T": int(DIGITS_AB.size)},
        scale=scale)
    # Asserted: the three properties that held on every seed measured at the default size
    # (12 of 12 seeds, 0-11, and 8 of 8 with 600 samples every 25 epochs): every class's
    # late level is below its first evaluation (largest ratio 0.88), class 2 keeps the
    # largest fraction of its first value (it falls least: it lags) and has the largest late
    # level (ends worst; smallest margin 1.13x the next class). "Worst at the very last
    # evaluation" held on all 20 too, but with a margin down to 1.06x, within the scatter of
    # one evaluation: recorded in `observed`, not asserted. Under --thorough the same three
    # held on seeds 0-2 with class 2 at 1.9-2.5x the next class.
    for sh, s in zip(shapes, seeds):
        assert sh["falls"], f"seed {s}: some class did not fall: {sh['remaining']}"
        assert sh["minority_lags"], f"seed {s}: class 2 does not fall least: {sh['remaining']}"
        assert sh["minority_worst_late"], f"seed {s}: class 2 is not the worst late: {sh['late_fd']}"
