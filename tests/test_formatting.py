"""Number formatting per language: one place, checked with exact strings."""

from __future__ import annotations

import math

import pytest

from reportgen.formatting import format_change, format_n, format_value, significance_mark


def test_values_per_unit_and_language():
    assert format_value(0.8734, "ratio") == "87.3%"
    assert format_value(32.14, "points") == "32.1"
    assert format_value(4.2149, "score") == "4.21"
    assert format_value(1234.6, "currency") == "1,235"
    assert format_value(0.13, "hours", "en") == "7.8 min"  # not 0.13 h
    assert format_value(0.5, "hours", "zh-CN") == "30分钟"
    assert format_value(1.0, "hours", "en") == "1.00 h"
    assert format_value(15.26, "hours", "zh-CN") == "15.3小时"
    assert format_value(math.nan, "ratio") == "–" and format_value(None, "score") == "–"


def test_changes_are_signed_in_the_kpis_terms():
    assert format_change(0.012, "ratio", "en") == "+1.2 pp"
    assert format_change(-0.012, "ratio", "zh-CN") == "−1.2个百分点"
    assert format_change(-3.44, "points", "en") == "−3.4 pts"
    assert format_change(0.0, "score") == "±0.00"
    assert format_change(-0.004, "hours") == "−0.2 min"
    assert format_change(-0.0004, "hours") == "±0.0 min"  # rounds to zero: no sign
    assert format_change(-0.00004, "ratio") == "±0.0 pp"
    assert format_change(0.004, "score") == "±0.00"
    assert format_change(-2.5, "hours", "zh-CN") == "−2.50小时"
    assert format_change(math.nan, "ratio") == "–"


def test_significance_marks_follow_direction():
    assert significance_mark(True, 0.02, 1) == "▲"
    assert significance_mark(True, 0.02, -1) == "▼"  # churn up is bad
    assert significance_mark(False, 0.02, 1) == "·"
    assert significance_mark(None, 0.02, 1) == ""  # no claim below min n


def test_counts():
    assert format_n(12345) == "12,345" and format_n(None) == "–"


@pytest.mark.parametrize(
    ("met", "attainment", "status"),
    [
        (None, float("nan"), None),
        (True, 1.02, "met"),
        (False, 0.97, "near"),
        (False, 0.95, "near"),
        (False, 0.80, "missed"),
        (False, float("nan"), "missed"),  # e.g. an NPS target <= 0: no ratio, still missed
    ],
)
def test_attainment_status(met, attainment, status):
    from reportgen.formatting import attainment_status

    assert attainment_status(met, attainment) == status


def test_change_number_formats_are_signed():
    from reportgen.model.charts import change_number_format

    # a rate's change is held in percent points: never "+1.2%", read as a relative change
    assert change_number_format("ratio") == '+0.0" pp";-0.0" pp";0.0" pp"'
    assert change_number_format("ratio", "zh-CN") == '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'
    from reportgen.model.charts import change_value

    assert change_value(-0.012, "ratio") == pytest.approx(-1.2)
    assert change_value(-0.35, "score") == -0.35 and change_value(None, "ratio") is None
    # what the format would show as "-0.0" is stored as 0 (Excel's zero section is for
    # an exact 0): −0.0124 pp, −0.0012 on a 0.00 scale, −0.4 on a whole-number one
    assert change_value(-0.000124, "ratio") == 0.0
    assert change_value(-0.0012, "score") == 0.0 and change_value(-0.0012, "hours") == 0.0
    assert change_value(-0.4, "currency") == 0.0 and change_value(-0.6, "currency") == -0.6
    assert change_value(-0.0006, "ratio") == pytest.approx(-0.06)  # shown −0.1 pp
    assert change_number_format("currency") == "+#,##0;-#,##0;#,##0"


def test_time_kpis_carry_their_unit_in_the_value_not_the_label():
    # the deck writes 4.8 min or 1.49 h: a label "(median, h)" beside "4.8 min" misread
    from reportgen.engine.registry import kpi_registry
    from reportgen.model.charts import NUMBER_FORMATS, change_number_format

    labels = [k.label(lang) for k in _registry_times(kpi_registry) for lang in ("en", "zh-CN")]
    assert labels and not any("h)" in x or "小时" in x for x in labels), labels
    assert NUMBER_FORMATS["hours"] == '0.00" h"'  # a workbook cell says its unit
    assert change_number_format("hours") == '+0.00" h";-0.00" h";0.00" h"'


def _registry_times(kpi_registry):
    from reportgen.config import ReportConfig

    config = ReportConfig.model_validate(
        {"units": [{"id": "a", "names": {"en": "A", "zh-CN": "甲"}}], "sources": {}}
    )
    return [k for k in kpi_registry(config).values() if k.unit == "hours"]


def test_csi_and_clv_definitions_quote_the_configured_weights_and_years():
    # the appendix read "default: product fit 35% …" whatever the config said
    from pathlib import Path

    from reportgen.config import load_config
    from reportgen.engine.registry import kpi_registry

    config = load_config(Path(__file__).parent.parent / "sample_inputs" / "reportgen.yaml")
    kpis = config.kpis.model_copy(
        update={
            "csi_weights": {"product_fit": 0.6, "price_fairness": 0.4},
            "clv_relationship_years": 2,
        }
    )
    registry = kpi_registry(config.model_copy(update={"kpis": kpis}))
    assert "as shares of their sum): Product fit 60%, Price fairness 40%;" in registry[
        "csi"
    ].definition("en")
    assert "产品契合度 60%、价格合理性 40%" in registry["csi"].definition("zh-CN")
    # the sample's 0.35/0.25/0.20/0.15 add up to 0.95: stated as applied, not as given
    csi = kpi_registry(config)["csi"].definition("en")
    assert "(kpis.csi_weights 0.35, 0.25, 0.2, 0.15, as shares of their sum): " in csi
    assert "Product fit 36.8%, Responsiveness 26.3%, Brand trust 21.1%, Price fairness 15.8%" in (
        csi
    )
    assert "(kpis.clv_relationship_years: 2)." in registry["clv_simple"].definition("en")
    assert "default" not in registry["csi"].definition("en")


def test_text_files_hold_no_key_twice():
    # YAML keeps the last of two equal keys silently: a new label shadowed by an old one
    from pathlib import Path

    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        assert not twice, f"{node.start_mark}: {twice}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    root = Path(__file__).parent.parent / "templates"
    files = sorted(root.rglob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)


def test_analysis_reasons_are_worded_in_every_language_with_the_same_values():
    import pickle
    import string

    from reportgen.texts import Reason, analysis_reason, data_texts

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    en, zh = data_texts("en").raw("analyses"), data_texts("zh-CN").raw("analyses")
    assert set(en) == set(zh)
    for code in en:
        assert fields(en[code]) == fields(zh[code]), code
    reason = Reason(
        "joined",
        parts=[
            Reason(
                "driver_outcome",
                outcome=Reason("outcome_csat"),
                reason=Reason("too_few_responses", min_n=30),
            ),
            Reason(
                "driver_outcome", outcome=Reason("outcome_ltr"), reason=Reason("outcome_constant")
            ),
        ],
    )
    # the reason is its English text (logs, results) and words itself in each language
    assert reason == (
        "satisfaction (CSAT): too few complete responses (at least 30 needed); "
        "likelihood to recommend: every response gives the same outcome score"
    )
    zh_text = "满意度（CSAT）：完整答卷太少（至少需要 30 份）；推荐意愿：所有答卷的结果评分相同"
    assert analysis_reason(reason, "zh-CN") == zh_text
    # it crosses the build's process boundary intact
    assert analysis_reason(pickle.loads(pickle.dumps(reason)), "zh-CN") == zh_text
    assert analysis_reason("plain text", "zh-CN") == "plain text"


def test_p_values_never_read_zero():
    from reportgen.formatting import format_p

    assert format_p(0.0193) == "0.019" and format_p(0.0193, stated=True) == "p = 0.019"
    assert format_p(3e-7) == "< 0.001" and format_p(3e-7, stated=True) == "p < 0.001"
    assert format_p(None) == "–" and format_p(float("nan"), stated=True) == "–"


def test_a_gap_whose_side_matters_keeps_its_sign():
    # retail churn 3.155% against a 3.14% target: missed, coloured so, and shown "±0.0 pp"
    assert format_change(0.03155 - 0.0314, "ratio") == "±0.0 pp"
    assert format_change(0.03155 - 0.0314, "ratio", side=True) == "+0.02 pp"
    assert format_change(-0.000023, "ratio", "zh-CN", side=True) == "−0.002个百分点"
    assert format_change(0.04, "points", side=True) == "+0.04 pts"
    assert format_change(0.012, "ratio", side=True) == "+1.2 pp"  # shown as usual
    assert format_change(0.0, "ratio", side=True) == "±0.0 pp"
    assert format_change(1e-9, "ratio", side=True) == "±0.0 pp"  # beyond two more decimals


def test_a_negative_value_has_a_true_minus_and_never_a_negative_zero():
    # the RFM tables showed "-25.0" beside changes written "−3.6 pts"
    assert format_value(-25.0, "points") == "−25.0"
    assert format_value(-0.01, "ratio") == "−1.0%"
    assert format_value(-0.0001, "points") == "0.0"
    assert format_value(25.0, "points") == "25.0"
