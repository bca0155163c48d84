"""The KPI registry: every KPI is defined here, once.

A :class:`KpiDef` says which *stage* it aggregates over (a canonical table joined
to the periods, see :mod:`reportgen.engine.stages`), its *kind* and the aggregate
*components* it needs, as ibis expressions. The kind fixes how the value, its
uncertainty and its significance test are derived from the components:

============  ==============================  ======================================
kind          components                      value / interval / change test
============  ==============================  ======================================
proportion    x (successes), n                x/n; Wilson; two-proportion z (Fisher
                                              exact when expected counts < 5)
nps           promoters, passives, detractors %P − %D (points); multinomial MoE; z
mean          n, sum, sumsq                   mean; t interval; Welch t from sums
median        n, median                       median; no interval; not tested
============  ==============================  ======================================

Scorecards, tables, the workbook and the deck read KPIs from :func:`kpi_registry`,
so a new KPI added here reaches every output without further edits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import ibis
import ibis.expr.types as ir

from reportgen.config import ReportConfig, Scale

Kind = Literal["proportion", "nps", "mean", "median"]
Stage = Literal["responses", "tickets", "orders", "buyers", "customers"]
ValueUnit = Literal["ratio", "points", "score", "index", "hours", "currency", "count"]

COMPONENTS: dict[str, tuple[str, ...]] = {
    "proportion": ("x", "n"),
    "nps": ("promoters", "passives", "detractors"),
    "mean": ("n", "sum", "sumsq"),
    "median": ("n", "median"),
}


@dataclass(frozen=True)
class KpiParams:
    """Everything a KPI formula may depend on, taken from the config."""

    scales: Mapping[str, Scale]
    top_box: int
    csi_weights: Mapping[str, float]
    attributes: tuple[str, ...]
    repurchase_window_days: int | None
    clv_relationship_years: float

    @classmethod
    def from_config(cls, config: ReportConfig) -> KpiParams:
        score_cols = ("csat", "ltr", "effort", "trust", "repurchase_intent", *config.attribute_ids)
        return cls(
            scales={c: config.scale_for("responses", c) for c in score_cols},
            top_box=config.kpis.top_box,
            csi_weights=dict(config.kpis.csi_weights),
            attributes=config.attribute_ids,
            repurchase_window_days=config.kpis.repurchase_window_days,
            clv_relationship_years=config.kpis.clv_relationship_years,
        )

    def top_box_threshold(self, column: str) -> float:
        """Lowest value counted in the top box (top 2 of 1–5 → 4)."""
        return self.scales[column].max - (self.top_box - 1)

    def normalised(self, t: ir.Table, column: str) -> ir.FloatingValue:
        """A score mapped onto 0–100 using its scale."""
        s = self.scales[column]
        return (t[column] - s.min) / (s.max - s.min) * 100.0


Components = Callable[[ir.Table, KpiParams], dict[str, ir.Scalar]]


@dataclass(frozen=True)
class KpiDef:
    """One KPI: identity, meaning, and how to compute it."""

    id: str
    stage: Stage
    kind: Kind
    unit: ValueUnit
    direction: Literal[1, -1]  # +1: higher is better
    labels: Mapping[str, str]
    definitions: Mapping[str, str]
    components: Components
    level: Literal["headline", "process", "touchpoint"] = "process"
    #: multiply the value by this (period years fraction, params) → factor; CLV annualises
    scale: Callable[[float, KpiParams], float] | None = field(default=None)

    def label(self, lang: str) -> str:
        return self.labels.get(lang, self.labels["en"])

    def definition(self, lang: str) -> str:
        return self.definitions.get(lang, self.definitions["en"])


# -- component helpers ---------------------------------------------------------


def _count(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet ``condition``, NULL (unknown) counting as not met: 0, never
    NULL, for a group whose rows all leave it unknown (SQL's SUM over NULLs is NULL)."""
    return condition.fill_null(False).cast("int64").sum()


def _proportion(success: ir.BooleanValue, eligible: ir.BooleanValue) -> dict[str, ir.Scalar]:
    return {"x": _count(eligible & success), "n": _count(eligible)}


#: Sums are exact fixed-point: a parallel engine adds floats in varying order, so
#: float sums differ in the last bits between runs; per-value rounding to 1e-9
#: then exact addition makes identical inputs give identical numbers.
_EXACT = "decimal(38, 9)"


def _mean(value: ir.NumericValue) -> dict[str, ir.Scalar]:
    v = value.cast("float64")
    return {"n": v.count(), "sum": v.cast(_EXACT).sum(), "sumsq": (v * v).cast(_EXACT).sum()}


def _median(value: ir.NumericValue) -> dict[str, ir.Scalar]:
    v = value.cast("float64")
    return {"n": v.count(), "median": v.median()}


def _top_box(column: str) -> Components:
    def comp(t: ir.Table, p: KpiParams) -> dict[str, ir.Scalar]:
        return _proportion(t[column] >= p.top_box_threshold(column), t[column].notnull())

    return comp


def _nps(t: ir.Table, p: KpiParams) -> dict[str, ir.Scalar]:
    ltr = t.ltr
    return {
        # every answer in one group, a fractional one (6.5) included
        "promoters": _count(ltr >= 9),
        "passives": _count((ltr >= 7) & (ltr < 9)),
        "detractors": _count(ltr < 7),
    }


def _csi_per_response(t: ir.Table, p: KpiParams) -> ir.FloatingValue:
    """Weighted mean of the available attribute scores (0–100), re-weighted when a
    respondent skipped an attribute; NULL when none of the weighted ones is answered."""
    num = ibis.literal(0.0)
    den = ibis.literal(0.0)
    for attr, weight in sorted(p.csi_weights.items()):
        answered = t[attr].notnull()
        num = num + ibis.cases((answered, p.normalised(t, attr) * weight), else_=0.0)
        den = den + ibis.cases((answered, ibis.literal(weight)), else_=0.0)
    return ibis.cases((den > 0, num / den), else_=ibis.null("float64"))


def _hours(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / 3600.0


def _names(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


# -- the registry --------------------------------------------------------------


def _static_kpis() -> list[KpiDef]:
    return [
        KpiDef(
            "csat",
            "responses",
            "proportion",
            "ratio",
            1,
            _names("CSAT", "满意度（CSAT）"),
            _names(
                "Share of answers in the top two boxes of the satisfaction scale (4–5 on 1–5).",
                "满意度量表前两档（1–5 分中的 4–5 分）的回答占比。",
            ),
            _top_box("csat"),
            level="headline",
        ),
        KpiDef(
            "nps",
            "responses",
            "nps",
            "points",
            1,
            _names("NPS", "净推荐值（NPS）"),
            _names(
                "% promoters (9–10) − % detractors (0–6) on likelihood to recommend (0–10), "
                "in points from −100 to 100.",
                "推荐者（9–10 分）占比减去贬损者（0–6 分）占比，取值 −100 到 100。",
            ),
            _nps,
            level="headline",
        ),
        KpiDef(
            "ces",
            "responses",
            "mean",
            "score",
            1,
            _names("Ease (CES)", "省力度（CES）"),
            _names(
                "Mean customer-effort score on 1–7, oriented so that higher means less effort "
                "(reversed source scales are flipped on load).",
                "客户费力度 1–7 分的平均值，分值越高表示越省力（反向量表在加载时已翻转）。",
            ),
            lambda t, p: _mean(t.effort),
            level="process",
        ),
        KpiDef(
            "csi",
            "responses",
            "mean",
            "index",
            1,
            _names("Satisfaction index (CSI)", "综合满意度指数（CSI）"),
            _names(
                "Weighted mean of attribute scores rescaled to 0–100 per response, "
                "weights from kpis.csi_weights (default: product fit 35%, responsiveness 25%, "
                "brand trust 20%, price fairness 15%); skipped attributes are re-weighted.",
                "各维度得分换算为 0–100 后按权重加权平均（默认：产品契合 35%、响应速度 25%、"
                "品牌认同 20%、价格合理 15%），缺答维度按其余权重重新归一。",
            ),
            lambda t, p: _mean(_csi_per_response(t, p)),
            level="headline",
        ),
        KpiDef(
            "trust_rate",
            "responses",
            "proportion",
            "ratio",
            1,
            _names("Trust rate", "信任率"),
            _names("Share of top-two-box answers to the trust question.", "信任题前两档回答占比。"),
            _top_box("trust"),
        ),
        KpiDef(
            "recommend_rate",
            "responses",
            "proportion",
            "ratio",
            1,
            _names("Recommend rate", "推荐率"),
            _names("Share of promoters: likelihood to recommend 9–10.", "推荐意愿 9–10 分的占比。"),
            lambda t, p: _proportion(t.ltr >= 9, t.ltr.notnull()),
        ),
        KpiDef(
            "repurchase_intent_rate",
            "responses",
            "proportion",
            "ratio",
            1,
            _names("Repurchase intent", "复购意愿率"),
            _names(
                "Share of top-two-box answers to the repurchase-intent question.",
                "复购意愿题前两档回答占比。",
            ),
            _top_box("repurchase_intent"),
        ),
        KpiDef(
            "churn_rate",
            "customers",
            "proportion",
            "ratio",
            -1,
            _names("Churn rate", "流失率"),
            _names(
                "Customers whose churn date falls in the period / customers active at its start "
                "(joined before the start, not churned before it).",
                "期内流失客户数 / 期初活跃客户数（期初前加入且期初前未流失）。",
            ),
            lambda t, p: _proportion(_lost(t), _active_at_start(t)),
            level="headline",
        ),
        KpiDef(
            "retention_rate",
            "customers",
            "proportion",
            "ratio",
            1,
            _names("Retention rate", "留存率"),
            _names(
                "1 − churn rate: customers active at the start still active at the end.",
                "1 − 流失率：期初活跃客户到期末仍活跃的比例。",
            ),
            lambda t, p: _proportion(~_lost(t), _active_at_start(t)),
        ),
        KpiDef(
            "repurchase_rate",
            "buyers",
            "proportion",
            "ratio",
            1,
            _names("Repurchase rate", "复购率"),
            _names(
                "Share of the period's buying customers who ordered more than once in the period "
                "(or again within kpis.repurchase_window_days of their first order, when set; "
                "then only buyers whose window ends within the order data count).",
                "期内下单客户中多次下单的比例（若设置 kpis.repurchase_window_days，"
                "则为首单后该天数内再次下单的比例，且仅计入观察窗口在订单数据范围内结束的客户）。",
            ),
            lambda t, p: _proportion(t.repeat_buyer, (t.orders_n > 0) & t.observed),
            level="headline",
        ),
        KpiDef(
            "arpu",
            "buyers",
            "mean",
            "currency",
            1,
            _names("Revenue per customer (ARPU)", "客均收入（ARPU）"),
            _names(
                "Revenue in the period / customers who bought in the period.",
                "期内收入 / 期内下单客户数。",
            ),
            lambda t, p: _mean(t.revenue),
        ),
        KpiDef(
            "purchase_frequency",
            "buyers",
            "mean",
            "count",
            1,
            _names("Purchase frequency", "购买频次"),
            _names("Orders per buying customer in the period.", "期内每位下单客户的平均订单数。"),
            lambda t, p: _mean(t.orders_n),
        ),
        KpiDef(
            "aov",
            "orders",
            "mean",
            "currency",
            1,
            _names("Average order value", "客单价"),
            _names("Revenue / orders in the period.", "期内收入 / 订单数。"),
            lambda t, p: _mean(t.amount),
        ),
        KpiDef(
            "clv_simple",
            "buyers",
            "mean",
            "currency",
            1,
            _names("Customer lifetime value (simple)", "客户终身价值（简易）"),
            _names(
                "Annualised revenue per buying customer × expected relationship years "
                "(kpis.clv_relationship_years, default 3).",
                "年化客均收入 × 预期合作年限（kpis.clv_relationship_years，默认 3 年）。",
            ),
            lambda t, p: _mean(t.revenue),
            scale=lambda years, p: p.clv_relationship_years / years,
        ),
        KpiDef(
            "fcr",
            "tickets",
            "proportion",
            "ratio",
            1,
            _names("First-contact resolution", "首次解决率（FCR）"),
            _names(
                "Tickets resolved with a single contact / all tickets opened in the period.",
                "一次接触即解决的工单数 / 期内新建工单总数。",
            ),
            lambda t, p: _proportion(
                t.resolved_at.notnull() & (t.contacts == 1), t.ticket_id.notnull()
            ),
            level="process",
        ),
        KpiDef(
            "first_response_hours_median",
            "tickets",
            "median",
            "hours",
            -1,
            _names("First response (median)", "首次响应时长中位数"),
            _names(
                "Median hours from ticket opened to first response.",
                "工单创建到首次响应的小时数中位数。",
            ),
            lambda t, p: _median(_hours(t.first_response_at, t.opened_at)),
        ),
        KpiDef(
            "first_response_hours_mean",
            "tickets",
            "mean",
            "hours",
            -1,
            _names("First response (mean)", "首次响应时长均值"),
            _names(
                "Mean hours from ticket opened to first response.",
                "工单创建到首次响应的平均小时数。",
            ),
            lambda t, p: _mean(_hours(t.first_response_at, t.opened_at)),
        ),
        KpiDef(
            "resolution_hours_median",
            "tickets",
            "median",
            "hours",
            -1,
            _names("Resolution time (median)", "解决时长中位数"),
            _names(
                "Median hours from ticket opened to resolved (resolved tickets).",
                "已解决工单从创建到解决的小时数中位数。",
            ),
            lambda t, p: _median(_hours(t.resolved_at, t.opened_at)),
        ),
        KpiDef(
            "resolution_hours_mean",
            "tickets",
            "mean",
            "hours",
            -1,
            _names("Resolution time (mean)", "解决时长均值"),
            _names(
                "Mean hours from ticket opened to resolved (resolved tickets).",
                "已解决工单从创建到解决的平均小时数。",
            ),
            lambda t, p: _mean(_hours(t.resolved_at, t.opened_at)),
        ),
        KpiDef(
            "complaint_rate",
            "tickets",
            "proportion",
            "ratio",
            -1,
            _names("Complaint rate", "投诉率"),
            _names(
                "Tickets flagged as complaints / tickets with the flag filled in.",
                "标记为投诉的工单 / 填写了投诉标记的工单。",
            ),
            lambda t, p: _proportion(t.complaint, t.complaint.notnull()),
        ),
        KpiDef(
            "complaint_resolution_rate",
            "tickets",
            "proportion",
            "ratio",
            1,
            _names("Complaint resolution rate", "投诉解决率"),
            _names(
                "Complaint tickets resolved / complaint tickets opened in the period.",
                "期内投诉工单中已解决的比例。",
            ),
            lambda t, p: _proportion(t.resolved_at.notnull(), t.complaint.fill_null(False)),
        ),
    ]


def _active_at_start(t: ir.Table) -> ir.BooleanValue:
    return (t.join_date < t.p_start) & (t.churn_date.isnull() | (t.churn_date >= t.p_start))


def _lost(t: ir.Table) -> ir.BooleanValue:
    return t.churn_date.notnull() & (t.churn_date >= t.p_start) & (t.churn_date < t.p_end)


def _attribute_kpi(attr: str, names: Mapping[str, str]) -> KpiDef:
    return KpiDef(
        f"attr_{attr}",
        "responses",
        "mean",
        "score",
        1,
        dict(names),
        _names(
            f"Mean rating of '{names['en']}' on its scale.", f"“{names['zh-CN']}”评分的平均值。"
        ),
        lambda t, p: _mean(t[attr]),
        level="touchpoint",
    )


_DEFAULT_ATTRIBUTE_NAMES = {
    "product_fit": _names("Product fit", "产品契合度"),
    "responsiveness": _names("Responsiveness", "响应速度"),
    "problem_solving": _names("Problem solving", "问题解决"),
    "staff_attitude": _names("Staff attitude", "服务态度"),
    "price_fairness": _names("Price fairness", "价格合理性"),
    "brand_trust": _names("Brand trust", "品牌信任"),
}


def kpi_registry(config: ReportConfig) -> dict[str, KpiDef]:
    """All KPIs known for this config (static ones + one per attribute), in report order."""
    kpis = _static_kpis()
    declared = {a.id: {"en": a.names.en, "zh-CN": a.names.zh_CN} for a in config.attributes}

    def names(attr: str) -> dict[str, str]:
        return declared.get(attr) or _DEFAULT_ATTRIBUTE_NAMES.get(attr) or _names(attr, attr)

    for attr in config.attribute_ids:
        kpis.append(_attribute_kpi(attr, names(attr)))
    kpis = [_with_configured_definition(k, config, names) for k in kpis]
    return {k.id: k for k in kpis}


def _with_configured_definition(
    k: KpiDef, config: ReportConfig, names: Callable[[str], dict[str, str]]
) -> KpiDef:
    """The CSI and simple-CLV definitions with the weights and years this config uses
    (the reader of the appendix sees what was computed, not the defaults)."""
    if k.id == "csi":
        # the weights as applied: shares of their sum (35/25/20/15 add up to 95)
        weights = config.kpis.csi_weights
        total = sum(weights.values())
        parts = {
            lang: sep.join(f"{names(a)[lang]} {_share(w / total)}" for a, w in weights.items())
            for lang, sep in (("en", ", "), ("zh-CN", "、"))
        }
        given = ", ".join(f"{w:g}" for w in weights.values())
        return replace(
            k,
            definitions=_names(
                "Weighted mean of attribute scores rescaled to 0–100 per response, weights "
                f"(kpis.csi_weights {given}, as shares of their sum): {parts['en']}; "
                "skipped attributes are re-weighted.",
                "各维度得分换算为 0–100 后按权重加权平均（kpis.csi_weights "
                f"{given}，按权重之和归一：{parts['zh-CN']}），缺答维度按其余权重重新归一。",
            ),
        )
    if k.id == "clv_simple":
        years = f"{config.kpis.clv_relationship_years:g}"
        return replace(
            k,
            definitions=_names(
                "Annualised revenue per buying customer × expected relationship years "
                f"(kpis.clv_relationship_years: {years}).",
                f"年化客均收入 × 预期合作年限（kpis.clv_relationship_years：{years} 年）。",
            ),
        )
    return k


def _share(x: float) -> str:
    """A weight's share: 40%, 36.8% (one decimal where it is not whole)."""
    text = f"{x:.1%}"
    return text.replace(".0%", "%")


def selected_kpis(config: ReportConfig) -> dict[str, KpiDef]:
    """The registry filtered by ``kpis.select``; unknown ids are a ConfigError."""
    from reportgen.errors import ConfigError

    registry = kpi_registry(config)
    select = config.kpis.select
    if select == "all":
        return registry
    unknown = [k for k in select if k not in registry]
    if unknown:
        raise ConfigError(
            f"kpis.select: unknown KPI id(s) {unknown}; expected some of {list(registry)}"
        )
    return {k: registry[k] for k in select}
