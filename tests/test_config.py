"""Config validation: errors name the file, the key path, the bad value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reportgen.config import load_config
from reportgen.errors import ConfigError

BASE = {
    "units": [
        {"id": "retail", "names": {"en": "Retail", "zh-CN": "零售"}, "aliases": ["零售事业部"]}
    ],
    "sources": {"responses": {"path": "r.csv", "columns": {"csat": "总体满意度"}}},
}


def _write(tmp_path: Path, cfg: dict) -> Path:
    (tmp_path / "r.csv").write_text("x\n1\n", encoding="utf-8")
    p = tmp_path / "cfg.yaml"
    p.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return p


def _error(tmp_path: Path, cfg: dict) -> str:
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, cfg))
    return str(exc.value)


def test_valid_config_and_defaults(tmp_path):
    cfg = load_config(_write(tmp_path, BASE))
    assert cfg.unit_ids == ("retail",)
    assert cfg.resolve_unit("零售事业部") == "retail"
    assert cfg.scale_for("responses", "ltr").max == 10
    assert cfg.kpis.csi_weights["product_fit"] == 0.35
    assert cfg.path(Path("r.csv")) == tmp_path / "r.csv"


def test_unknown_key_names_path_and_suggests(tmp_path):
    msg = _error(tmp_path, {**BASE, "kpis": {"csi_weigths": {"product_fit": 1}}})
    assert "cfg.yaml" in msg and "kpis.csi_weigths: unknown key" in msg
    assert "Did you mean 'csi_weights'" in msg


def test_wrong_type_quotes_value(tmp_path):
    cfg = {**BASE, "statistics": {"min_n": "thirty"}}
    msg = _error(tmp_path, cfg)
    assert "statistics.min_n" in msg and "'thirty'" in msg and "integer" in msg


def test_missing_file_names_key_and_path(tmp_path):
    cfg = {**BASE, "sources": {"responses": {"path": "nope.csv"}}}
    msg = _error(tmp_path, cfg)
    assert "sources.responses.path" in msg and "nope.csv" in msg and "not found" in msg


def test_unknown_canonical_column(tmp_path):
    cfg = {**BASE, "sources": {"responses": {"path": "r.csv", "columns": {"cstat": "x"}}}}
    msg = _error(tmp_path, cfg)
    assert "sources.responses.columns.cstat" in msg and "Did you mean 'csat'" in msg


def test_scale_with_na_code_inside_range(tmp_path):
    cfg = {
        **BASE,
        "sources": {
            "responses": {
                "path": "r.csv",
                "scales": {"csat": {"min": 1, "max": 5, "na_codes": [3]}},
            }
        },
    }
    msg = _error(tmp_path, cfg)
    assert "sources.responses.scales.csat" in msg and "na_code 3" in msg


@pytest.mark.parametrize(("low", "high"), [(1, 5), (1, 10), (0, 5)])
def test_the_recommend_question_must_be_on_0_to_10(tmp_path, low, high):
    # the NPS groups (9–10, 7–8, 0–6) mean nothing on another scale: a 1–5 answer of 5
    # would count as a detractor
    scales = {"ltr": {"min": low, "max": high}}
    cfg = {**BASE, "sources": {"responses": {"path": "r.csv", "scales": scales}}}
    msg = _error(tmp_path, cfg)
    assert f"sources.responses.scales.ltr: min {low}, max {high}; expected min 0, max 10" in msg
    reversed_ok = {"ltr": {"min": 0, "max": 10, "reversed": True}}
    cfg = {**BASE, "sources": {"responses": {"path": "r.csv", "scales": reversed_ok}}}
    assert load_config(_write(tmp_path, cfg)).scale_for("responses", "ltr").reversed


def test_weights_must_be_non_negative_and_not_all_zero(tmp_path):
    msg = _error(tmp_path, {**BASE, "kpis": {"csi_weights": {"product_fit": -0.5}}})
    assert "kpis.csi_weights" in msg and ">= 0" in msg
    msg = _error(tmp_path, {**BASE, "kpis": {"csi_weights": {"product_fit": 0.0}}})
    assert "kpis.csi_weights" in msg and "positive" in msg


def test_weights_must_name_attributes(tmp_path):
    msg = _error(tmp_path, {**BASE, "kpis": {"csi_weights": {"price": 1.0}}})
    assert "['price']" in msg and "not attributes" in msg
    # own attributes, no weights given: the defaults' names do not fit, and the message
    # says the weights are the defaults (the user never wrote them) and what to set
    own = {"attributes": [{"id": "app", "names": {"en": "App", "zh-CN": "应用"}}]}
    msg = _error(tmp_path, {**BASE, **own})
    assert "kpis.csi_weights is not set" in msg and "'price_fairness'" in msg
    assert "declared attributes ['app']" in msg and "e.g. {app: 1}" in msg
    cfg = load_config(_write(tmp_path, {**BASE, **own, "kpis": {"csi_weights": {"app": 1}}}))
    assert cfg.kpis.csi_weights == {"app": 1.0}


def test_duplicate_unit_spelling(tmp_path):
    units = BASE["units"] + [{"id": "hotel", "names": {"en": "Hotel", "zh-CN": "零售"}}]
    msg = _error(tmp_path, {**BASE, "units": units})
    assert "'零售'" in msg and "retail" in msg and "hotel" in msg


def test_unknown_unit_on_command_line(tmp_path):
    cfg = load_config(_write(tmp_path, BASE))
    with pytest.raises(ConfigError, match="unknown business unit 'retial'.*Did you mean 'retail'"):
        cfg.resolve_unit("retial")


def test_not_yaml_and_not_mapping(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("units: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)
    p.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(p)


def test_source_needs_exactly_one_location(tmp_path):
    cfg = {**BASE, "sources": {"responses": {"columns": {}}}}
    msg = _error(tmp_path, cfg)
    assert "sources.responses" in msg and "exactly one of 'path'" in msg


def test_value_labels_per_language_fall_back_to_the_data(tmp_path):
    labels = {"channel": {"电话": {"en": "Phone"}, "App": {"zh-CN": "应用"}}}
    cfg = load_config(_write(tmp_path, {**BASE, "value_labels": labels}))
    assert cfg.value_label("channel", "电话", "en") == "Phone"
    assert cfg.value_label("channel", "电话", "zh-CN") == "电话"  # no zh-CN name: as spelt
    assert cfg.value_label("channel", "App", "zh-CN") == "应用"
    assert cfg.value_label("channel", "邮件", "en") == "邮件"  # not listed
    assert cfg.value_label("segment", "电话", "en") == "电话"  # another dimension
    # a value spelt like a leaked missing value (not in the source's na_values) is
    # shown as the data's own word, never as a bare "None" a reader takes for a bug
    assert cfg.value_label("channel", "None", "en") == "[None]"
    assert cfg.value_label("segment", " nan", "zh-CN") == "[ nan]"
    assert cfg.value_label("segment", "NaN%", "en") == "[NaN%]"  # reads like a leaked ratio
    # control characters (which break slide and chart XML, or show as _x001F_) left out
    assert cfg.value_label("channel", "微信\x01客服", "en") == "微信客服"
    assert cfg.value_label("category", "类别\x1f坏", "zh-CN") == "类别坏"
    labelled = {"channel": {"None": {"en": "No channel", "zh-CN": "无渠道"}}}
    cfg = load_config(_write(tmp_path, {**BASE, "value_labels": labelled}))
    assert cfg.value_label("channel", "None", "zh-CN") == "无渠道"


def test_value_labels_errors_name_the_key_the_value_and_what_was_expected(tmp_path):
    msg = _error(tmp_path, {**BASE, "value_labels": {"chanel": {"电话": {"en": "Phone"}}}})
    assert "value_labels" in msg and "'chanel'" in msg and "expected one of" in msg
    same = {"channel": {"电话": {"en": "Phone"}, "座机": {"en": "phone"}}}
    msg = _error(tmp_path, {**BASE, "value_labels": same})
    assert "value_labels" in msg and "'电话'" in msg and "'座机'" in msg
    assert "both be shown as" in msg and "in en" in msg
    msg = _error(tmp_path, {**BASE, "value_labels": {"channel": {"电话": {"fr": "Téléphone"}}}})
    assert "value_labels.channel.电话.fr" in msg and "unknown key" in msg


def test_presenter_is_one_text_or_one_per_language(tmp_path):
    def presenter(value):
        report = {**BASE.get("report", {}), "presenter": value}
        return load_config(_write(tmp_path, {**BASE, "report": report})).report

    same = presenter("CX Insights")
    assert same.presenter_in("en") == same.presenter_in("zh-CN") == "CX Insights"
    both = presenter({"en": "Customer Experience", "zh-CN": "客户体验部"})
    assert both.presenter_in("en") == "Customer Experience"
    assert both.presenter_in("zh-CN") == "客户体验部"
    only_zh = presenter({"zh-CN": "客户体验部"})
    assert only_zh.presenter_in("en") == "客户体验部"  # a language left out shows the other
    assert presenter(None).presenter_in("en") == ""


def test_presenter_errors_name_the_key_and_what_was_expected(tmp_path):
    def error(value):
        return _error(tmp_path, {**BASE, "report": {**BASE.get("report", {}), "presenter": value}})

    msg = error({})
    assert "report.presenter" in msg and "give en, zh-CN or both" in msg
    msg = error({"fr": "Service client"})
    assert "report.presenter" in msg and "fr" in msg
    msg = error(" ")
    assert "report.presenter" in msg and "is empty" in msg
    msg = error(["CX"])
    assert "report.presenter" in msg and "expected a text, or one per language" in msg


def test_unit_names_with_control_characters_are_a_config_error(tmp_path):
    units = [{**BASE["units"][0], "names": {"en": "Bad\x01name", "zh-CN": "好"}}]
    msg = _error(tmp_path, {**BASE, "units": units})
    assert "units[0].names.en" in msg and "control characters" in msg
    # a line break in a name (it reached the e-mail chart as a missing glyph) is refused
    units = [{**BASE["units"][0], "names": {"en": "Hotels\r\nBcc: x@evil.example", "zh-CN": "好"}}]
    assert "control characters" in _error(tmp_path, {**BASE, "units": units})
    # an id with CR/LF (a header injection in the e-mail's X-Reportgen-Unit) is refused
    units = [{**BASE["units"][0], "id": "hotel\r\nBcc: attacker@evil.example"}]
    msg = _error(tmp_path, {**BASE, "units": units})
    assert "units[0].id" in msg and "control characters" in msg


def test_a_check_across_keys_names_the_key_not_the_whole_config(tmp_path):
    cfg = {
        **BASE,
        "attributes": [
            {"id": "product_fit", "names": {"en": "Product fit", "zh-CN": "产品"}},
            {"id": "responsiveness", "names": {"en": "Responsiveness", "zh-CN": "响应"}},
        ],
        "kpis": {"csi_weights": {"product_fit": 0.6, "responsivness": 0.4}},
    }
    msg = _error(tmp_path, cfg)
    assert msg.endswith(
        "cfg.yaml: kpis.csi_weights names ['responsivness'], which are not attributes; "
        "expected some of ['product_fit', 'responsiveness']. "
        "Did you mean 'responsiveness' for 'responsivness'?"
    ), msg
    assert "'units'" not in msg and "bad value" not in msg


@pytest.mark.parametrize("second", ["a_b", "a b", "A:B"])
def test_units_that_would_share_an_output_folder_are_refused(tmp_path, second):
    units = [
        {"id": "a/b", "names": {"en": "One", "zh-CN": "一"}},
        {"id": second, "names": {"en": "Two", "zh-CN": "二"}},
    ]
    msg = _error(tmp_path, {**BASE, "units": units})
    assert f"units[1].id: {second!r} and 'a/b' would share the output folder" in msg
