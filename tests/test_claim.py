"""The claim vocabulary and the judges, on hand-made evidence."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from numerics.fit import loglog_fit
from theorems import Claim, Kind, Outcome, Paper, Status, judges
from theorems._claim import _jsonable


def make(judge, **kw):
    base = dict(id="toy.c", paper="toy", where="eq. 1", kind=Kind.BOUND, status=Status.AS_PRINTED,
                title="toy", judge_fn=judge, false_variant={"title": "wrong", "constants": {"k": 3.0}},
                constants={"k": 2.0}, theory_fn=lambda k, x: k * x)
    base.update(kw)
    return Claim(**base)


def test_claim_requires_false_variant_and_printed_form():
    with pytest.raises(ValueError, match="false_variant"):
        Claim(id="toy.a", paper="toy", where="", kind="bound", status="as_printed")
    with pytest.raises(ValueError, match="printed"):
        make(judges.agree(1e-9), status=Status.CORRECTED)
    with pytest.raises(ValueError, match="reason_not_checkable"):
        Claim(id="toy.a", paper="toy", where="", kind="bound", status="not_checkable")
    with pytest.raises(ValueError, match="slug"):
        make(judges.agree(1e-9), id="other.c")


def test_not_checkable_claim_is_not_checked():
    c = Claim(id="toy.n", paper="toy", where="", kind="probabilistic", status="not_checkable",
              reason_not_checkable="conditional on an unspecified constant")
    v = c.judge({})
    assert v.outcome is Outcome.NOT_CHECKED and "unspecified" in v.reason
    assert not c.checkable


def test_false_variant_shares_judge_and_changes_constant():
    c = make(judges.agree(1e-12))
    ev = {"measured": 2.0 * np.arange(5.0), "inputs": {"x": np.arange(5.0)}}
    assert c.judge(ev).holds
    assert c.false_variant.judge(ev).fails
    assert c.false_variant.id == "toy.c:false"
    assert c.false_variant.constants == {"k": 3.0}


def test_theory_from_sympy_relation():
    x, k = sp.symbols("x k", positive=True)
    c = Claim(id="toy.s", paper="toy", where="", kind="identity", status="as_printed",
              statement=sp.Eq(sp.Symbol("y"), k * x ** 2), constants={"k": 2.0},
              judge_fn=judges.agree(1e-12), false_variant={"constants": {"k": 2.5}})
    ev = {"measured": 2.0 * np.array([1.0, 4.0, 9.0]), "inputs": {"x": np.array([1.0, 2.0, 3.0])}}
    assert c.judge(ev).holds and c.false_variant.judge(ev).fails
    with pytest.raises(ValueError, match="needs inputs"):
        c.theory()


def test_agree_reports_worst_point_and_margin():
    c = make(judges.agree(1e-3))
    x = np.array([1.0, 2.0, 3.0])
    v = c.judge({"measured": 2 * x + np.array([0, 0, 1e-2]), "inputs": {"x": x}, "x": x})
    assert v.fails and v.worst == 3.0 and v.margin < 1
    v = c.judge({"measured": 2 * x + np.array([0, 0, 1e-4]), "inputs": {"x": x}})
    assert v.holds and v.margin == pytest.approx(6e-3 / 1e-4)


def test_agree_nonfinite_measurement_is_inconclusive():
    c = make(judges.agree(1e-3))
    v = c.judge({"measured": np.array([np.nan]), "inputs": {"x": np.array([1.0])}})
    assert v.inconclusive


def test_upper_and_lower_bounds():
    x = np.linspace(0, 1, 11)
    up = make(judges.upper_bound(rtol=1e-9))
    ev = {"measured": 1.9 * x, "inputs": {"x": x}, "x": x}
    v = up.judge(ev)
    assert v.holds and v.margin == pytest.approx(2 / 1.9)
    assert up.judge({"measured": 2.1 * x, "inputs": {"x": x}}).fails
    lo = make(judges.lower_bound(rtol=1e-9))
    assert lo.judge({"measured": 2.1 * x, "inputs": {"x": x}}).holds
    assert lo.judge({"measured": 1.9 * x, "inputs": {"x": x}}).fails
    # a mask that removes every point leaves nothing to decide
    assert up.judge({**ev, "mask": np.zeros_like(x, dtype=bool)}).inconclusive


def test_exponent_judge_holds_fails_inconclusive():
    rng = np.random.default_rng(0)
    h = np.repeat([100.0, 200, 400, 800], 5)
    y = 3 * h ** -0.5 * np.exp(0.02 * rng.standard_normal(h.size))
    fit = loglog_fit(h, y)
    c = make(judges.exponent(atol=0.02, max_ci_halfwidth=0.2), theory_fn=lambda k: k,
             constants={"k": -0.5}, false_variant={"constants": {"k": -1.0}})
    assert c.judge({"fit": fit}).holds
    assert c.false_variant.judge({"fit": fit}).fails
    y_noisy = 3 * h ** -0.5 * np.exp(2.0 * rng.standard_normal(h.size))
    assert c.judge({"fit": loglog_fit(h, y_noisy)}).inconclusive


def test_frequency_judge_uses_exact_binomial_test():
    c = make(judges.frequency(">", "prob"), theory_fn=lambda k, **_: k, constants={"k": 1.0},
             false_variant={"constants": {"k": 2.5}})
    samples = np.full(300, 2.0)
    samples[:20] = 0.5  # 280/300 successes
    ev = {"measured": samples, "inputs": {"prob": 0.9}}
    assert c.judge(ev).holds
    assert c.false_variant.judge(ev).fails
    ev_strict = {"measured": samples, "inputs": {"prob": 0.99}}
    assert c.judge(ev_strict).fails


def test_clopper_pearson_known_values():
    lo, hi = judges.clopper_pearson(0, 10, 0.95)
    assert lo == 0 and hi == pytest.approx(0.30850, abs=1e-4)
    lo, hi = judges.clopper_pearson(5, 10, 0.95)
    assert lo == pytest.approx(0.18709, abs=1e-4) and hi == pytest.approx(0.81291, abs=1e-4)
    with pytest.raises(ValueError):
        judges.clopper_pearson(11, 10)


def test_all_of_and_part():
    x = np.arange(1.0, 4.0)
    j = judges.all_of(judges.part("a", judges.agree(1e-9)), judges.part("b", judges.upper_bound()))
    c = make(j)
    good = {"a": {"measured": 2 * x, "inputs": {"x": x}}, "b": {"measured": x, "inputs": {"x": x}}}
    assert c.judge(good).holds
    bad = {**good, "b": {"measured": 3 * x, "inputs": {"x": x}}}
    v = c.judge(bad)
    assert v.fails and "[b]" in v.reason
    with pytest.raises(ValueError, match="part 'a'"):
        c.judge({"b": good["b"]})


def test_predicate_judge():
    c = make(judges.predicate(lambda cl, ev: (ev["order"] == sorted(ev["order"], reverse=cl.constants["k"] > 2.5),
                                              "order")))
    assert c.judge({"order": [1, 2, 3]}).holds
    assert c.false_variant.judge({"order": [1, 2, 3]}).fails


def test_verdict_is_json_serialisable():
    c = make(judges.agree(1e-9))
    v = c.judge({"measured": np.arange(3.0), "inputs": {"x": np.arange(3.0) / 2}})
    json.dumps(v.as_dict())
    json.dumps(_jsonable({"a": np.float64(1.0), "b": np.arange(100.0), "c": sp.Rational(1, 2)}))


def test_paper_bibtex():
    p = Paper("toy", "A Title", ("Ada Lovelace", "Alan Turing"), "arXiv preprint", 2024, arxiv="2401.00001")
    b = p.bibtex()
    assert b.startswith("@misc{lovelace2024toy") and "Ada Lovelace and Alan Turing" in b and "2401.00001" in b


def test_evidence_must_be_mapping():
    c = make(judges.agree(1e-9))
    with pytest.raises(TypeError):
        c.judge([1, 2])
    with pytest.raises(ValueError, match="measured"):
        c.judge({"inputs": {"x": 1.0}})


def test_agree_with_subnormal_error_does_not_overflow():
    # allowed / err overflows when err is subnormal and allowed is not: the margin is infinite
    c = make(judges.agree(1e-12, atol=1.0))
    x = np.array([1e-310])
    with np.errstate(over="raise"):
        v = c.judge({"measured": 2 * x + 5e-324, "inputs": {"x": x}})
    assert v.holds and v.margin == np.inf


def test_exact_specs_judge():
    def theory(**_):
        return [{"key": "a", "value": [1, 2, 3], "what": "set sizes"},
                {"key": "b", "value": 0.5, "rel": "<=", "where": [True, False]},
                {"key": "c", "value": 1.0, "rtol": 1e-9}]

    c = make(judges.exact_specs(), theory_fn=theory)
    ok = {"measured": {"a": [1, 2, 3], "b": [0.5, 9.0], "c": 1.0 + 1e-12}, "labels": {"a": ["x", "y", "z"]}}
    v = c.judge(ok)
    assert v.holds and v.theoretical == 5 and v.margin == np.inf  # 3 + 1 + 1 cases examined
    bad = {"measured": {"a": [1, 2, 4], "b": [0.5, 9.0], "c": 1.0}, "labels": {"a": ["x", "y", "z"]}}
    v = c.judge(bad)
    assert v.fails and "a at z" in v.reason and v.measured == 1
    none = make(judges.exact_specs(), theory_fn=lambda **_: [{"key": "a", "value": 1, "where": [False]}])
    assert none.judge({"measured": {"a": [1]}}).inconclusive
    with pytest.raises(ValueError, match="column 'a'"):
        c.judge({"measured": {"b": [0.5, 9.0], "c": 1.0}})
