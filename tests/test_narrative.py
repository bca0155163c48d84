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
        == "满意度提升至 91.3%（较last year +2.1个百分点），达成目标"
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
    assert "无显著变化" in say(zh, "zh-CN", sig_prev=False)
    assert "持平" not in say(zh, "zh-CN", sig_prev=False)  # not significant is not "flat"


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


# -- titles lead with the significant comparison ---------------------------------------


def quarter_fact(lang, **kw):
    """After-sales 2026Q3: flat vs the previous quarter, −9.9 pp vs a year ago (significant)."""
    r = row(
        value=0.775,
        change_prev=0.029,
        sig_prev=False,
        change_yoy=-0.099,
        sig_yoy=True,
        target=0.884,
        target_gap=-0.109,
        attainment=0.775 / 0.884,
        target_met=False,
    )
    r.update(kw)
    return fact(r, "满意度（CSAT）" if lang == "zh-CN" else "CSAT", lang, "prev", ("prev", "yoy"))


def test_title_states_the_significant_yoy_change(en, zh):
    f = quarter_fact("zh-CN")
    assert f.claim == "yoy"
    s = zh.say("headline", f=f, basis="去年同期")
    assert s == "满意度（CSAT）为 77.5%，比去年同期下降 9.9个百分点，未达目标 88.4%"
    assert "无显著变化" not in s
    s = en.say("headline", f=quarter_fact("en"), basis="the same quarter last year")
    assert s == "CSAT at 77.5%, 9.9 pp below the same quarter last year, below the 88.4% target"


def test_title_prefers_a_significant_previous_quarter(en):
    f = quarter_fact("en", sig_prev=True, change_prev=0.029)
    assert f.claim == "prev" and f.claim_main
    assert en.say("headline", f=f, basis="the previous quarter").startswith(
        "CSAT rose to 77.5% (+2.9 pp vs the previous quarter)"
    )


def test_flat_only_when_neither_is_significant(en, zh):
    f = quarter_fact("en", sig_yoy=False)
    assert f.claim == "prev" and f.claim_verdict == "flat"
    assert "no significant change vs the previous quarter" in en.say(
        "headline", f=f, basis="the previous quarter"
    )
    # low n: no claim at all, even where a test would say "significant"
    f = quarter_fact("zh-CN", low_n=True, test_prev="below_min_n", test_yoy="below_min_n")
    s = zh.say("headline", f=f, basis="上季度")
    assert "样本量不足" in s and "下降" not in s and "无显著变化" not in s


def test_lower_is_better_target_and_benchmark_wording(en):
    f = fact(
        row(
            kpi="churn_rate",
            direction=-1,
            value=0.048,
            sig_prev=False,
            target=0.033,
            target_gap=0.014,
            target_met=False,
            attainment=0.68,
            benchmark=0.035,
            benchmark_gap=0.013,
            benchmark_scope="global",
        ),
        "Churn rate",
        "en",
    )
    assert en.say("headline", f=f, basis="x").endswith("above the 3.3% target")
    assert en.say("benchmark", f=f).startswith(
        "Above the global benchmark of 3.5% (+1.3 pp, worse)"
    )


@pytest.mark.parametrize(
    ("kw", "en_text", "zh_text"),
    [
        # 77.5 % on n = 365: its 95 % interval (73.0–81.5 %) holds the 78 % benchmark
        (
            {"value": 0.775, "ci_low": 0.730, "ci_high": 0.815},
            "Below the global benchmark of 78.0% (−0.5 pp, within the margin of error)",
            "低于全球基准 78.0%（−0.5个百分点，在误差范围内）",
        ),
        ({"value": 0.775, "ci_low": 0.770, "ci_high": 0.779}, "(−0.5 pp, worse)", "，较差）"),
        # the NPS: ± its margin of error
        (
            {"value": 30.8, "moe": 3.2, "benchmark": 32.0, "value_unit": "points"},
            "(−1.2 pts, within the margin of error)",
            "在误差范围内",
        ),
    ],
)
def test_a_benchmark_inside_the_interval_is_not_better_or_worse(en, zh, kw, en_text, zh_text):
    r = row(**{"benchmark": 0.78, "benchmark_scope": "global", **kw})
    r["benchmark_gap"] = r["value"] - r["benchmark"]
    assert en_text in en.say("benchmark", f=fact(r, "CSAT", "en"))
    assert zh_text in zh.say("benchmark", f=fact(r, "满意度", "zh-CN"))


def test_gap_sentences_carry_no_sign(en, zh):
    from reportgen.formatting import format_magnitude

    assert format_magnitude(0.43, "ratio", "en") == "43.0 pp"
    assert format_magnitude(-0.43, "ratio", "zh-CN") == "43.0个百分点"
    assert format_magnitude(-22.34, "points", "en") == "22.3 pts"
    sat, loyal = (
        fact(row(value=0.775), "满意度", "zh-CN"),
        fact(row(value=0.345), "推荐率", "zh-CN"),
    )
    gap = format_magnitude(0.43, "ratio", "zh-CN")
    s = zh.say("loyalty_gap", sat=sat, loyal=loyal, gap=gap, ahead=True)
    assert "高 43.0个百分点" in s and "+" not in s
    sat, loyal = (
        fact(row(value=0.775), "CSAT", "en"),
        fact(row(value=0.345), "Recommend rate", "en"),
    )
    s = en.say(
        "loyalty_gap", sat=sat, loyal=loyal, gap=format_magnitude(0.43, "ratio", "en"), ahead=True
    )
    assert "runs 43.0 pp ahead" in s and "+" not in s


def test_segment_names_are_not_doubled(zh):
    s = zh.say(
        "segment_spread",
        label="满意度",
        best="个人",
        best_value="78.4%",
        worst="大客户",
        worst_value="74.2%",
    )
    assert "客户客户" not in s and "大客户" in s and "个人" in s


def test_benchmark_scope_names_per_language(zh, en):
    r = row(benchmark=0.78, benchmark_gap=-0.005, benchmark_scope="global")
    from reportgen.texts import load_texts

    names = load_texts("data", "zh-CN").raw("scopes")
    s = zh.say("benchmark", f=fact(r, "满意度", "zh-CN", scope_names=names))
    assert s.startswith("低于全球基准 78.0%") and "global" not in s
    # a scope without a label stays as it is
    r["benchmark_scope"] = "Nordics"
    assert "Nordics" in zh.say("benchmark", f=fact(r, "满意度", "zh-CN", scope_names=names))
    en_names = load_texts("data", "en").raw("scopes")
    r["benchmark_scope"] = "零售业"
    assert "retail industry benchmark" in en.say(
        "benchmark", f=fact(r, "CSAT", "en", scope_names=en_names)
    )


@pytest.mark.parametrize(
    ("lang", "above", "expected"),
    [
        ("en", 6, "above all 6 of its market benchmarks"),
        ("en", 4, "above 4 of its 6 market benchmarks"),
        ("zh-CN", 6, "高于该指标全部 6 项市场基准"),
        ("zh-CN", 4, "高于该指标 6 项市场基准中的 4 项"),
    ],
)
def test_standing_says_whose_benchmarks(en, zh, lang, above, expected):
    n = en if lang == "en" else zh
    f = fact(row(), "CSAT", lang)
    text = n.say("standing", f=f, basis="x", benchmark_count=6, above_count=above)
    assert text.endswith(expected), text
