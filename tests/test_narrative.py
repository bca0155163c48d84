"""The wording logic on its own, with hand-made result rows."""

from __future__ import annotations

import math

import pytest

from reportgen.model.narrative import Narrator, fact, verdict


def row(**kw):
    base = {
        "kpi": "csat",
        "value_unit": "ratio",
        "direction": 1,
        "n": 500,
        "value": 0.913,
        "low_n": False,
        "prev_n": 480,
        "change_prev": 0.021,
        "test_prev": "two_proportion_z",
        "sig_prev": True,
        "yoy_n": 470,
        "change_yoy": 0.01,
        "test_yoy": "two_proportion_z",
        "sig_yoy": False,
        "target": 0.9,
        "target_gap": 0.013,
        "attainment": 0.913 / 0.9,
        "target_met": True,
        "benchmark": math.nan,
        "benchmark_gap": math.nan,
        "benchmark_scope": None,
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, "improved"),
        ({"change_prev": -0.02}, "worsened"),
        ({"sig_prev": False}, "flat"),
        ({"low_n": True, "sig_prev": None, "test_prev": "below_min_n"}, "low_n"),
        ({"prev_n": 0, "change_prev": math.nan, "sig_prev": None}, "no_comparison"),
        ({"sig_prev": None, "test_prev": "not_tested"}, "untested"),
        ({"n": 0, "value": math.nan}, "no_data"),
        # lower is better: churn falling significantly is an improvement
        ({"direction": -1, "change_prev": -0.01}, "improved"),
        ({"direction": -1, "change_prev": 0.01}, "worsened"),
    ],
)
def test_verdict(kw, expected):
    assert verdict(row(**kw), "prev") == expected


@pytest.fixture(scope="module")
def en():
    return Narrator("en")


@pytest.fixture(scope="module")
def zh():
    return Narrator("zh-CN")


def say(n, lang, label="Satisfaction", **kw):
    return n.say("headline", f=fact(row(**kw), label, lang), basis="last year")


def test_rose_ahead_of_target(en, zh):
    assert (
        say(en, "en") == "Satisfaction rose to 91.3% (+2.1 pp vs last year), on or ahead of target"
    )
    assert (
        say(
            zh,
            "zh-CN",
            label="满意度",
        )
        == "满意度提升至 91.3%(较last year +2.1个百分点),达成目标"
    )


def test_fell_and_missed(en, zh):
    s = say(
        en, "en", value=0.85, change_prev=-0.03, target_met=False, target_gap=-0.05, attainment=0.94
    )
    assert s == "Satisfaction fell to 85.0% (−3.0 pp vs last year), below the 90.0% target"
    assert "下降至 85.0%" in say(zh, "zh-CN", value=0.85, change_prev=-0.03)


def test_not_significant_is_flat(en, zh):
    s = say(en, "en", sig_prev=False, target_met=None, target=math.nan)
    assert s == "Satisfaction at 91.3%, no significant change vs last year"
    assert "rose" not in s and "fell" not in s
    assert "持平" in say(zh, "zh-CN", sig_prev=False)


def test_low_n_makes_no_claim(en, zh):
    s = say(
        en,
        "en",
        low_n=True,
        sig_prev=None,
        test_prev="below_min_n",
        target_met=None,
        target=math.nan,
    )
    assert s == "Satisfaction at 91.3% (sample too small to compare)"
    assert "样本量不足" in say(zh, "zh-CN", low_n=True, sig_prev=None, test_prev="below_min_n")


def test_no_previous(en):
    f = fact(
        row(prev_n=0, change_prev=math.nan, sig_prev=None, target_met=None, target=math.nan),
        "CSAT",
        "en",
    )
    assert en.say("headline", f=f, basis="x") == "CSAT at 91.3%"
    assert en.say("comparison", f=f, basis="x", which="prev") == "vs x: no earlier figure"


def test_lower_is_better(en, zh):
    kw = dict(
        kpi="churn_rate",
        direction=-1,
        value=0.029,
        change_prev=-0.006,
        target=0.03,
        target_gap=-0.001,
        target_met=True,
    )
    assert say(en, "en", "Churn rate", **kw).startswith("Churn rate improved to 2.9% (−0.6 pp")
    kw.update(change_prev=0.006, target_met=False, target_gap=0.004, attainment=0.88)
    assert say(en, "en", "Churn rate", **kw).startswith("Churn rate worsened to 2.9% (+0.6 pp")
    assert "恶化至" in say(zh, "zh-CN", "流失率", **kw)


def test_near_target(en):
    s = say(en, "en", sig_prev=False, target_met=False, attainment=0.97, target=0.94)
    assert s.endswith("just short of the 94.0% target")


def test_unknown_name_is_an_error(en):
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        en.say("headline", f=fact(row(), "x", "en"))
