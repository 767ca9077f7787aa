"""Unit tests of numerics.bandits: inspectors, the sequential test, exact computations."""
from __future__ import annotations

import numpy as np
import pytest

from numerics import bandits as bd
from theorems import safe_exposure as se


def _z(a_mean, a_se, b_mean, b_se=0.0):
    return abs(a_mean - b_mean) / np.sqrt(a_se ** 2 + b_se ** 2)


def _ms(x):
    x = np.asarray(x, float)
    return x.mean(), x.std(ddof=1) / np.sqrt(x.size)


# -- the test's constants ------------------------------------------------------------------
def test_increments_match_closed_form():
    for mu, eps in ((0.1, 0.05), (0.5, 0.25), (0.9, 0.01)):
        up, down = bd.sprt_increments(mu, eps)
        assert up == pytest.approx(float(se.llr_increment(1, mu, eps)), rel=1e-15)
        assert down == pytest.approx(float(se.llr_increment(0, mu, eps)), rel=1e-15)
        assert up > 0 > down
    assert np.isinf(bd.sprt_increments(0.2, 0.2)[0])
    assert bd.sprt_threshold(0.1) == pytest.approx(np.log(10))


# -- round-by-round inspector ---------------------------------------------------------------
def test_inspector_rounds_reproducible_and_pathwise_exposure():
    mu = np.array([0.3, 0.6, 0.0, 0.0, 0.0])
    a = bd.inspector_rounds(mu, 100, 50, 7, record_at=[1, 50, 100])
    b = bd.inspector_rounds(mu, 100, 50, 7, record_at=[1, 50, 100])
    assert np.array_equal(a.pulls, b.pulls) and np.array_equal(a.t_detect, b.t_detect)
    assert np.array_equal(a.exposure, (a.pulls * a.unsafe[:, None, :]).sum(-1))
    assert np.all(a.pulls.sum(-1) == np.array([1, 50, 100])[None, :])
    assert np.all(a.conservation == 1.0)                      # safe arms never damage
    done = a.t_detect >= 0
    assert np.all(~a.active[done][:, :2])                     # detected runs discarded both unsafe arms


def test_inspector_rounds_edge_cases():
    # every arm unsafe (M = K): A*_0 is empty, C = 0; once all are discarded nothing is pulled
    r = bd.inspector_rounds(np.array([1.0, 1.0]), 10, 5, 0, record_at=[10])
    assert np.all(r.conservation == 0) and np.all(r.t_detect == 2) and np.all(r.pulls.sum(-1) == 2)
    # the "pull" rule discards without damage (negative control)
    r = bd.inspector_rounds(np.array([0.5, 0.0, 0.0]), 3, 20, 0, rule="pull", record_at=[3])
    assert np.all(r.conservation[:, 0] < 1)
    # adversarial strategy pulls the first safe arm with probability 1 - lambda
    r = bd.inspector_rounds(np.array([0.0, 0.5, 0.0]), 1, 4000, 1, strategy="adversarial", lam=0.2,
                            record_at=[1])
    frac = r.pulls[:, 0, 0].mean()
    assert abs(frac - (0.8 + 0.2 / 3)) < 4 * np.sqrt(0.13 * 0.87 / 4000)


def test_inspector_rounds_validation():
    with pytest.raises(ValueError, match="rule"):
        bd.inspector_rounds([0.1], 5, 2, 0, rule="bogus")
    with pytest.raises(ValueError, match="needs eps and alpha"):
        bd.inspector_rounds([0.1], 5, 2, 0, rule="sprt", mu=0.1)
    with pytest.raises(ValueError, match="lam = 1"):
        bd.inspector_rounds([0.1], 5, 2, 0, lam=0.5)
    with pytest.raises(ValueError, match="mu_arms must lie"):
        bd.inspector_rounds([1.5], 5, 2, 0)
    with pytest.raises(ValueError, match="record_at"):
        bd.inspector_rounds([0.1], 5, 2, 0, record_at=[6])
    with pytest.raises(TypeError, match="n_runs"):
        bd.inspector_rounds([0.1], 5, 2.0, 0)
    with pytest.raises(ValueError, match="seed"):
        bd.inspector_rounds([0.1], 5, 2, None)


# -- event-driven flawless inspector --------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"strategy": "adversarial", "lam": 0.3}])
def test_flawless_events_agree_with_rounds(kw):
    mu = np.array([0.5, 0.2, 0.05, 0.0, 0.0, 0.0, 0.0])
    ev = bd.flawless_events(mu, 20_000, 1, record_at=[10, 100], **kw)
    rr = bd.inspector_rounds(mu, 100, 4000, 2, record_at=[10, 100], **kw)
    for j in range(2):
        m1, s1 = _ms(ev.exposure[:, j])
        m2, s2 = _ms(rr.exposure[:, j])
        assert _z(m1, s1, m2, s2) < 4.5
    m, s = _ms(ev.exposure_inf)
    assert _z(m, s, se.flawless_exposure_bound(mu[:3])) < 4.5
    assert np.array_equal(ev.exposure_inf, ev.pulls_inf[:, :3].sum(1))
    assert np.all(np.sort(ev.order, 1) == np.arange(3))


def test_flawless_survival_exact():
    K, M, mu = 10, 3, 0.5
    S = bd.flawless_time_survival(K, M, mu, 400)
    # brute force: convolution of the truncated geometric pmfs
    x = np.arange(401)
    f = np.zeros(401)
    f[0] = 1.0
    for i in range(M):
        p = (M - i) * mu / (K - i)
        g = np.where(x >= 1, p * (1 - p) ** np.maximum(x - 1, 0), 0.0)
        f = np.convolve(f, g)[:401]
    assert np.allclose(S, 1 - np.cumsum(f), atol=1e-13)
    # E[T] = sum_x P(T > x); the tail beyond x = 400 is below 1e-10
    assert S.sum() == pytest.approx(float(se.flawless_time_exact_uniform(K, M, mu)), rel=1e-9)
    T = bd.flawless_events(np.r_[np.full(M, mu), np.zeros(K - M)], 20_000, 3).T
    for xx in (10, 30, 60):
        p = S[xx]
        assert abs((T > xx).mean() - p) < 4.5 * np.sqrt(p * (1 - p) / T.size)
    # the card's Corollary 1 counterexamples, exactly
    S40 = bd.flawless_time_survival(40, 1, 0.2, 800)
    assert S40[785] == pytest.approx((1 - 0.005) ** 785, rel=1e-10)
    assert S40[785] > 0.01


# -- sequential test ------------------------------------------------------------------------
def test_sprt_exact_card_values():
    assert bd.sprt_exact(0.1, 0.1, 0.09, 0.1)["expected_time"] == pytest.approx(22.82, abs=0.01)
    assert bd.sprt_exact(0.1, 0.1, 0.05, 0.5)["expected_time"] == pytest.approx(45.86, abs=0.01)
    r = bd.sprt_exact(0.05, 0.1, 0.05, 0.1, ville=25.0)
    assert r["converged"] and r["p_cross"] + r["p_low"] == pytest.approx(1.0, abs=1e-12)
    assert r["p_cross"] <= 0.1


@pytest.mark.parametrize("args", [(0.1 + 1e-9, 0.1, 0.09, 0.5), (0.1, 0.1, 0.09, 0.1), (0.3, 0.1, 0.05, 0.2)])
def test_sprt_runs_match_exact_mean(args):
    r = bd.sprt_runs(args[0], *args[1:], 8000, 5)
    assert not r.censored.any() and r.crossed.all()
    m, s = _ms(r.T)
    assert _z(m, s, bd.sprt_exact(*args)["expected_time"]) < 4.5


@pytest.mark.parametrize("args", [(0.05, 0.1, 0.05, 0.1), (0.01, 0.1, 0.09, 0.1), (0.25, 0.5, 0.25, 0.05)])
def test_sprt_runs_match_exact_crossing(args):
    r = bd.sprt_runs(args[0], *args[1:], 8000, 9, ville=25.0)
    p = bd.sprt_exact(*args, ville=25.0)["p_cross"]
    assert abs(r.crossed.mean() - p) < 4.5 * np.sqrt(p * (1 - p) / 8000)
    assert np.all(r.crossed ^ r.stopped_low)


def test_sprt_threshold_tie_counts():
    """(0.1, 0.09, 0.1): one damage lands exactly on log(1/alpha); it must discard."""
    r = bd.sprt_runs(1.0, 0.1, 0.09, 0.1, 10, 0)
    assert np.all(r.T == 1)
    r = bd.sprt_runs(1.0, 0.1, 0.1, 0.1, 10, 0)  # eps = mu: the flawless limit
    assert np.all(r.T == 1)


def test_sprt_runs_cap_reports_censoring():
    star = float(se.zero_drift_mu(0.1, 0.05))
    r = bd.sprt_runs(star, 0.1, 0.05, 0.1, 200, 0, max_pulls=300)
    assert r.censored.any() and np.all(r.pulls[r.censored] == 300)
    r = bd.sprt_runs(0.0, 0.1, 0.05, 0.1, 5, 0, max_pulls=1000)  # never damages
    assert r.censored.all()


def test_sprt_runs_reproducible_and_validated():
    a = bd.sprt_runs(np.array([0.2, 0.3, 0.05]), 0.1, 0.05, 0.1, None, 3, ville=25)
    b = bd.sprt_runs(np.array([0.2, 0.3, 0.05]), 0.1, 0.05, 0.1, None, 3, ville=25)
    assert np.array_equal(a.T, b.T) and np.array_equal(a.pulls, b.pulls)
    with pytest.raises(ValueError, match="eps"):
        bd.sprt_runs(0.2, 0.1, 0.2, 0.1, 5, 0)
    with pytest.raises(ValueError, match="n_runs is required"):
        bd.sprt_runs(0.2, 0.1, 0.05, 0.1, None, 0)
    with pytest.raises(ValueError, match="does not match"):
        bd.sprt_runs([0.2, 0.3], 0.1, 0.05, 0.1, 3, 0)
    with pytest.raises(ValueError, match="alpha"):
        bd.sprt_exact(0.2, 0.1, 0.05, 1.0)


def test_relaxed_population_consistency():
    pop = bd.relaxed_population(200, 0.1, 0.05, 0.1, 3, 4)
    pop2 = bd.relaxed_population(200, 0.1, 0.05, 0.1, 3, 4)
    assert np.array_equal(pop.exposure, pop2.exposure)
    unsafe = pop.mu_arms > 0.1
    assert np.array_equal(pop.n_unsafe, unsafe.sum(1))
    assert np.array_equal(pop.exposure, np.where(unsafe, pop.T_unsafe, 0).sum(1))
    assert np.all(pop.T_unsafe[unsafe] > 0)
    assert np.all((pop.conservation >= 0) & (pop.conservation <= 1))
    assert np.array_equal(pop.n_good, (pop.mu_arms <= 0.05).sum(1))
    empty = bd.relaxed_population(3, 0.1, 0.05, 0.1, 2, 0, mu_arms=np.array([0.2, 0.3, 0.4]))
    assert np.all(empty.conservation == 0) and np.all(empty.n_good == 0)
    with pytest.raises(ValueError, match="columns"):
        bd.relaxed_population(3, 0.1, 0.05, 0.1, 2, 0, mu_arms=np.array([0.2, 0.3]))
