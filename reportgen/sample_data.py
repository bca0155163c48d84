"""Synthetic sample data: realistic, messy CX exports with a story worth reporting.

:func:`generate` writes a complete input set — survey responses, CRM customers,
orders, support tickets, targets and benchmarks — plus a commented ``reportgen.yaml``
that maps it onto the canonical tables (:mod:`reportgen.canonical`). The data covers
15 quarters (2023Q1 … 2026Q3) for six business units and is built so that a report
has something to say:

- overall satisfaction stays high (CSAT ≈ 85–90 %) while loyal *behaviour* slips:
  the repurchase rate drifts down and churn rises over the last year;
- ``hotel`` improves steadily (NPS up clearly year on year);
- ``after_sales`` suffers from slow first responses in 2026Q1–Q3 (2–3× slower), and
  its CSAT and NPS fall;
- self-service channels (AI机器人 / App / 小程序) answer faster but resolve less at
  first contact than 电话 / 在线客服;
- overall satisfaction is driven mainly by problem solving and responsiveness (the
  weights in :data:`DRIVER_WEIGHTS` are planted, so a driver analysis can recover
  them); price fairness is the weakest attribute;
- complaints concentrate in 物流/配送, 价格, 服务态度 and 响应速度;
- one unit × segment cell (telecom × 大客户) has fewer than 30 responses per quarter.

Two layouts exist:

``messy`` (the demo set)
    What real exports look like: a GB18030 survey CSV with Chinese headers, text
    labels, "10分" and full-width digits; a CRM workbook with a notes sheet in front
    and the header on row 3; an orders Parquet file; a UTF-8-with-BOM ticket CSV with
    English headers; targets and benchmarks CSVs. About 0.3 % of survey rows are
    deliberately bad. Every planted problem is listed in :attr:`SampleSet.planted`.

``parquet`` (benchmarks)
    The same content model as clean-typed Parquet with canonical column names and a
    few planted bad values, written in chunks so that ``scale`` ≈ 330 (≈ 10M
    responses, ≈ 50M orders) stays within a few GB of memory.

Row numbers in :class:`PlantedIssue` are what a user sees: in a CSV the physical line
(the header line is 1, so the first data row is 2; no field contains a line break);
in a workbook the Excel row number; in a Parquet file the 1-based index of the data
row (there is no header row). ``duplicate_key`` rows are exact or key duplicates
that a loader filters (not quarantines); ``ragged_row`` issues name no column
(``column == ""``) and give the number of fields found on that line as ``value``.

Output is deterministic: the same seed, scale and layout (and units and volumes) give
byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reportgen.delivery.files import atomic_write_bytes

log = logging.getLogger(__name__)

__all__ = [
    "DRIVER_WEIGHTS",
    "EXTRA_UNITS",
    "FIRST_QUARTER",
    "LAST_QUARTER",
    "MAX_UNITS",
    "PlantedIssue",
    "QUARTERS",
    "SampleSet",
    "generate",
]

Layout = Literal["messy", "parquet"]

# -- calendar ----------------------------------------------------------------------------------

N_QUARTERS = 15
QUARTERS: tuple[str, ...] = tuple(f"{2023 + i // 4}Q{i % 4 + 1}" for i in range(N_QUARTERS))
FIRST_QUARTER = QUARTERS[0]
LAST_QUARTER = QUARTERS[-1]
_DAY_S = 86_400
#: Quarter boundaries in days since 1970-01-01 (16 values: 2023-01-01 … 2026-10-01).
_Q_DAYS = (
    (np.datetime64("2023-01", "M") + np.arange(N_QUARTERS + 1) * 3)
    .astype("datetime64[D]")
    .astype(np.int64)
)
_DATA_END_DAY = int(_Q_DAYS[-1])  # exclusive: data runs through 2026-09-30
#: Quarter grid for the customer history (2016Q1 … 2026Q3); study quarter q is index q + 28.
_HIST_OFFSET = 28
_H_DAYS = (
    (np.datetime64("2016-01", "M") + np.arange(_HIST_OFFSET + N_QUARTERS + 1) * 3)
    .astype("datetime64[D]")
    .astype(np.int64)
)
_NO_DAY = np.iinfo(np.int64).max
#: Fixed timestamp stored in workbook properties (never "now").
_FIXED_TIME = datetime(2026, 10, 1, 8, 0, 0)
_ZIP_TIME = (2026, 10, 1, 8, 0, 0)

# -- business units ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitSpec:
    """One business unit of the synthetic company."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...]  # declared in the config
    data_spellings: tuple[str, ...]  # other spellings written in data files
    owners: tuple[str, ...]
    industries: tuple[str, ...]  # industries of its business customers
    products: tuple[str, ...]
    order_median: float  # CNY, consumer order


UNITS: tuple[_UnitSpec, ...] = (
    _UnitSpec(
        "retail", "零售事业部", "Retail", ("零售", "零售部"), ("零售", "Retail", "零售部"),
        ("chen.jing@example.com", "retail-cx@example.com"),
        ("快消品", "服装", "家居建材", "餐饮"), ("日用百货", "服饰鞋包", "家居家纺", "食品饮料"),
        160.0,
    ),
    _UnitSpec(
        "finance", "金融服务", "Financial Services", ("金融", "金融事业部", "Finance"),
        ("金融", "Finance"), ("li.hua@example.com", "finance-cx@example.com"),
        ("制造业", "贸易", "科技", "房地产"), ("信用卡", "理财产品", "保险", "企业贷款"), 2800.0,
    ),
    _UnitSpec(
        "hotel", "酒店集团", "Hotels", ("酒店", "酒店事业部", "Hotel"), ("酒店", "HOTEL", "Hotels"),
        ("zhou.min@example.com", "hotel-cx@example.com"),
        ("商旅", "会展", "旅行社", "医药"), ("客房", "餐饮宴会", "会议室", "会员卡"), 720.0,
    ),
    _UnitSpec(
        "after_sales", "售后服务", "After-Sales Service", ("售后", "售后部", "After Sales"),
        ("售后", "After Sales"), ("wang.lei@example.com", "service-cx@example.com"),
        ("汽车", "家电", "电子产品", "工业设备"), ("延保服务", "上门维修", "配件更换", "保养套餐"),
        380.0,
    ),
    _UnitSpec(
        "ecommerce", "电商平台", "E-commerce", ("电商", "电商事业部", "ECOM"),
        ("电商", "ECOM", "E-commerce"), ("zhao.xin@example.com", "ecom-cx@example.com"),
        ("服装", "数码", "美妆", "食品"), ("数码家电", "美妆个护", "生鲜食品", "服装"), 140.0,
    ),
    _UnitSpec(
        "telecom", "通信服务", "Telecom", ("通信", "电信", "Telecommunications"),
        ("通信", "Telecom", "TELECOM"), ("sun.yu@example.com", "telecom-cx@example.com"),
        ("政府机构", "教育", "制造业", "互联网"),
        ("移动套餐", "家庭宽带", "流量包", "企业专线"), 98.0,
    ),
)  # fmt: skip
_RETAIL, _FINANCE, _HOTEL, _AFTER_SALES, _ECOMMERCE, _TELECOM = range(6)
_N_UNITS = len(UNITS)
UNIT_ZH: tuple[str, ...] = tuple(u.zh for u in UNITS)

#: Further units for larger synthetic companies (``generate(..., units=7 … 10)``, Parquet
#: layout only). They follow the company-wide trends but carry no story of their own.
EXTRA_UNITS: tuple[_UnitSpec, ...] = (
    _UnitSpec(
        "logistics", "物流服务", "Logistics", ("物流", "物流事业部", "Logistics Services"),
        ("物流", "Logistics"), ("liu.yang@example.com", "logistics-cx@example.com"),
        ("电商", "制造业", "零售", "冷链"), ("快递配送", "仓储服务", "同城急送", "国际物流"),
        65.0,
    ),
    _UnitSpec(
        "insurance", "保险事业部", "Insurance", ("保险", "保险公司", "Insurance Services"),
        ("保险", "Insurance"), ("xu.fang@example.com", "insurance-cx@example.com"),
        ("汽车", "医疗", "地产", "物流"), ("车险", "健康险", "寿险", "财产险"), 1800.0,
    ),
    _UnitSpec(
        "healthcare", "健康医疗", "Healthcare", ("医疗", "健康", "Health"),
        ("医疗", "Healthcare"), ("he.jun@example.com", "health-cx@example.com"),
        ("医院", "保险", "企业福利", "养老"), ("体检套餐", "在线问诊", "药品配送", "齿科服务"),
        450.0,
    ),
    _UnitSpec(
        "education", "教育培训", "Education", ("教育", "培训", "Training"),
        ("教育", "Education"), ("guo.ting@example.com", "edu-cx@example.com"),
        ("教育", "科技", "金融", "政府机构"), ("职业培训", "语言课程", "企业内训", "在线课程"),
        1200.0,
    ),
)  # fmt: skip
MAX_UNITS = len(UNITS) + len(EXTRA_UNITS)

SEGMENTS: tuple[str, ...] = ("大客户", "中小企业", "个人")
_KEY, _SMB, _CONSUMER = range(3)
REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "西南", "海外")
_REGION_P = np.array([0.35, 0.25, 0.20, 0.12, 0.08])
CHANNELS: tuple[str, ...] = ("电话", "在线客服", "AI机器人", "App", "小程序", "邮件")
_PHONE, _CHAT, _BOT, _APP, _MINI, _EMAIL = range(6)
SELF_SERVICE: tuple[str, ...] = ("AI机器人", "App", "小程序")
_SELF = np.array([False, False, True, True, True, False])
_CONSUMER_INDUSTRY = "个人消费"
INDUSTRIES: tuple[str, ...] = (*(i for u in UNITS for i in u.industries), _CONSUMER_INDUSTRY)
PRODUCTS: tuple[str, ...] = tuple(p for u in UNITS for p in u.products)
CATEGORIES: tuple[str, ...] = (
    "物流/配送", "价格", "服务态度", "响应速度", "产品质量", "账单/费用", "其他",
    "咨询", "账户管理", "技术支持", "退换货",
)  # fmt: skip
_N_COMPLAINT_CATS = 7  # the first seven categories are complaint categories
#: English display names of the sample's dimension values (config ``value_labels``).
VALUE_LABELS_EN: dict[str, dict[str, str]] = {
    "segment": {"大客户": "Key accounts", "中小企业": "SMB", "个人": "Consumers"},
    "region": {
        "华东": "East China", "华南": "South China", "华北": "North China",
        "西南": "Southwest China", "海外": "Overseas",
    },
    "channel": {
        "电话": "Phone", "在线客服": "Live chat", "AI机器人": "AI chatbot",
        "小程序": "Mini program", "邮件": "Email",
    },
    "category": {
        "物流/配送": "Delivery & logistics", "价格": "Price", "服务态度": "Staff attitude",
        "响应速度": "Response speed", "产品质量": "Product quality", "账单/费用": "Billing & fees",
        "其他": "Other", "咨询": "Enquiry", "账户管理": "Account management",
        "技术支持": "Technical support", "退换货": "Returns & exchanges",
    },
    "industry": {
        "快消品": "FMCG", "服装": "Apparel", "家居建材": "Home & building materials",
        "餐饮": "Food service", "制造业": "Manufacturing", "贸易": "Trade",
        "科技": "Technology", "房地产": "Real estate", "商旅": "Business travel",
        "会展": "Events & exhibitions", "旅行社": "Travel agencies", "医药": "Pharmaceuticals",
        "汽车": "Automotive", "家电": "Home appliances", "电子产品": "Electronics",
        "工业设备": "Industrial equipment", "数码": "Digital devices", "美妆": "Beauty",
        "食品": "Food", "政府机构": "Government", "教育": "Education", "互联网": "Internet",
        "电商": "E-commerce", "零售": "Retail", "冷链": "Cold chain", "医疗": "Healthcare",
        "地产": "Property", "物流": "Logistics", "医院": "Hospitals", "保险": "Insurance",
        "企业福利": "Employee benefits", "养老": "Elderly care", "金融": "Finance",
        "个人消费": "Personal consumption",
    },
    "product": {
        "日用百货": "Household goods", "服饰鞋包": "Clothing, shoes & bags",
        "家居家纺": "Home textiles", "食品饮料": "Food & beverages", "信用卡": "Credit cards",
        "理财产品": "Wealth management", "保险": "Insurance", "企业贷款": "Business loans",
        "客房": "Rooms", "餐饮宴会": "Dining & banquets", "会议室": "Meeting rooms",
        "会员卡": "Membership cards", "延保服务": "Extended warranty",
        "上门维修": "On-site repair", "配件更换": "Parts replacement",
        "保养套餐": "Maintenance plans", "数码家电": "Electronics & appliances",
        "美妆个护": "Beauty & personal care", "生鲜食品": "Fresh food", "服装": "Apparel",
        "移动套餐": "Mobile plans", "家庭宽带": "Home broadband", "流量包": "Data packs",
        "企业专线": "Business leased lines", "快递配送": "Express delivery",
        "仓储服务": "Warehousing", "同城急送": "Same-city express",
        "国际物流": "International logistics", "车险": "Motor insurance",
        "健康险": "Health insurance", "寿险": "Life insurance", "财产险": "Property insurance",
        "体检套餐": "Health check-ups", "在线问诊": "Online consultations",
        "药品配送": "Medicine delivery", "齿科服务": "Dental care",
        "职业培训": "Vocational training", "语言课程": "Language courses",
        "企业内训": "Corporate training", "在线课程": "Online courses",
    },
}  # fmt: skip
_TAGS = ("VIP", "高价值", "新客", "沉睡唤醒", "线上活跃", "价格敏感", "投诉历史")
TAG_COMBOS: tuple[str, ...] = (
    "",
    *_TAGS,
    *(f"{a};{b}" for i, a in enumerate(_TAGS) for b in _TAGS[i + 1 :]),
)
ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("product_fit", "Product fit", "产品契合度"),
    ("responsiveness", "Responsiveness", "响应速度"),
    ("problem_solving", "Problem solving", "问题解决"),
    ("staff_attitude", "Staff attitude", "服务态度"),
    ("price_fairness", "Price fairness", "价格合理性"),
    ("brand_trust", "Brand trust", "品牌信任"),
)
_ATTR_IDS = tuple(a[0] for a in ATTRIBUTES)
#: Planted weights of the attribute ratings in overall satisfaction (sum to 1).
DRIVER_WEIGHTS: dict[str, float] = {
    "product_fit": 0.11,
    "responsiveness": 0.27,
    "problem_solving": 0.34,
    "staff_attitude": 0.12,
    "price_fairness": 0.07,
    "brand_trust": 0.09,
}
_ATTR_MEAN = np.array([4.15, 4.05, 4.0, 4.25, 3.45, 4.15])
_NA_CODE = 99
#: CSI weights written into the config (the brief's common default, relative weights).
_CSI_DEFAULT_WEIGHTS: dict[str, float] = {
    "product_fit": 0.35,
    "responsiveness": 0.25,
    "brand_trust": 0.20,
    "price_fairness": 0.15,
}
CSAT_LABELS: dict[str, int] = {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1}
_CSAT_LABEL_BY_VALUE = np.array(
    ["", "非常不满意", "不满意", "一般", "满意", "非常满意"], dtype=object
)

# -- volumes (scale = 1) -----------------------------------------------------------------------

_BASE_CUSTOMERS = 10_000
_BASE_RESPONSES = 30_000
_BASE_TICKETS = 40_000
_VOLUME_TABLES = ("responses", "customers", "orders", "tickets")
_CUSTOMER_UNIT_P = np.array([0.25, 0.12, 0.13, 0.13, 0.22, 0.15])
_CUSTOMER_SEG_P = np.array(
    [
        [0.05, 0.20, 0.75],
        [0.10, 0.30, 0.60],
        [0.10, 0.25, 0.65],
        [0.08, 0.30, 0.62],
        [0.04, 0.20, 0.76],
        [0.03, 0.22, 0.75],
    ]
)
_RESPONSE_UNIT_P = np.array([0.18, 0.15, 0.20, 0.17, 0.15, 0.15])
_RESPONSE_SEG_P = np.array([[0.18, 0.32, 0.50]] * 5 + [[0.045, 0.355, 0.60]])
_TICKET_UNIT_P = np.array([0.18, 0.12, 0.10, 0.25, 0.22, 0.13])
_SEG_ORDER_RATE = np.array([3.2, 2.35, 1.85])
_UNIT_ORDER_RATE = np.array([1.25, 0.7, 0.8, 0.65, 1.35, 1.05])
_SEG_AMOUNT = np.array([6.0, 2.2, 1.0])
#: The same per-unit parameters for EXTRA_UNITS (shares are renormalised with them).
_EXTRA_CUSTOMER_UNIT_P = np.array([0.10, 0.08, 0.08, 0.07])
_EXTRA_CUSTOMER_SEG_P = np.array(
    [[0.06, 0.30, 0.64], [0.05, 0.20, 0.75], [0.04, 0.16, 0.80], [0.06, 0.24, 0.70]]
)
_EXTRA_RESPONSE_UNIT_P = np.array([0.15, 0.15, 0.15, 0.15])
_EXTRA_RESPONSE_SEG_P = np.array([[0.18, 0.32, 0.50]] * 4)
_EXTRA_TICKET_UNIT_P = np.array([0.15, 0.10, 0.08, 0.08])
_EXTRA_UNIT_ORDER_RATE = np.array([1.5, 0.5, 0.9, 0.6])


@dataclass(frozen=True)
class _Company:
    """The business units of one generated data set and their per-unit parameters.

    ``_Company.of(6)`` uses the module-level constants unchanged, so the default data set
    does not depend on whether more units exist.
    """

    units: tuple[_UnitSpec, ...]
    customer_unit_p: np.ndarray
    customer_seg_p: np.ndarray
    response_unit_p: np.ndarray
    response_seg_p: np.ndarray
    ticket_unit_p: np.ndarray
    unit_order_rate: np.ndarray

    @classmethod
    def of(cls, n_units: int) -> _Company:
        if not _N_UNITS <= n_units <= MAX_UNITS:
            raise ValueError(f"units must be between {_N_UNITS} and {MAX_UNITS}, got {n_units!r}")
        if n_units == _N_UNITS:
            return cls(
                UNITS,
                _CUSTOMER_UNIT_P,
                _CUSTOMER_SEG_P,
                _RESPONSE_UNIT_P,
                _RESPONSE_SEG_P,
                _TICKET_UNIT_P,
                _UNIT_ORDER_RATE,
            )
        k = n_units - _N_UNITS

        def share(base: np.ndarray, extra: np.ndarray) -> np.ndarray:
            p = np.concatenate([base, extra[:k]])
            return p / p.sum()

        return cls(
            (*UNITS, *EXTRA_UNITS[:k]),
            share(_CUSTOMER_UNIT_P, _EXTRA_CUSTOMER_UNIT_P),
            np.vstack([_CUSTOMER_SEG_P, _EXTRA_CUSTOMER_SEG_P[:k]]),
            share(_RESPONSE_UNIT_P, _EXTRA_RESPONSE_UNIT_P),
            np.vstack([_RESPONSE_SEG_P, _EXTRA_RESPONSE_SEG_P[:k]]),
            share(_TICKET_UNIT_P, _EXTRA_TICKET_UNIT_P),
            np.concatenate([_UNIT_ORDER_RATE, _EXTRA_UNIT_ORDER_RATE[:k]]),
        )

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def unit_zh(self) -> tuple[str, ...]:
        return tuple(u.zh for u in self.units)

    @property
    def industries(self) -> tuple[str, ...]:
        """Four industries per unit (index unit * 4 + k), then the consumer "industry"."""
        return (*(i for u in self.units for i in u.industries), _CONSUMER_INDUSTRY)

    @property
    def products(self) -> tuple[str, ...]:
        """Four products per unit (index unit * 4 + k)."""
        return tuple(p for u in self.units for p in u.products)

    @property
    def order_median(self) -> np.ndarray:
        return np.array([u.order_median for u in self.units])


# -- comments ----------------------------------------------------------------------------------

_THEMES = ("物流/配送", "价格", "服务态度", "响应速度", "问题解决")
_COMMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "pos_zh": (
        "服务很好，问题一次就解决了", "客服态度很好，很耐心", "响应很快，点赞",
        "整体体验不错，会继续购买", "非常满意，已经推荐给朋友了", "办理流程简单方便",
        "工作人员很专业，解释得很清楚", "比上次体验好多了",
    ),
    "pos_en": (
        "Great service, solved on the first call.", "Very friendly and patient staff.",
        "Quick response, thanks!", "Smooth experience overall.",
    ),
    "mid_zh": (
        "还可以，希望再快一点", "总体不错，就是价格有点高", "一般般，没有特别的印象",
        "服务可以，但是流程有点繁琐", "问题解决了，不过等得有点久",
    ),
    "mid_en": ("OK overall, could be faster.", "Fine, but a bit pricey."),
    "neg_物流/配送_zh": (
        "配送太慢了，等了一周才到", "快递员态度差，包裹还破损了", "物流信息一直不更新",
        "送货时间一改再改",
    ),
    "neg_物流/配送_en": ("Delivery took over a week.", "The parcel arrived damaged."),
    "neg_价格_zh": (
        "价格太贵，性价比不高", "收费不透明，有隐藏费用", "同样的东西别家便宜很多",
        "续费价格涨得太厉害",
    ),
    "neg_价格_en": ("Too expensive for what you get.", "Hidden fees on my bill."),
    "neg_服务态度_zh": (
        "客服态度很差，爱答不理", "工作人员不耐烦，体验很糟", "投诉之后没人跟进",
        "说话很冲，一点都不专业",
    ),
    "neg_服务态度_en": ("Rude staff, nobody cared.", "The agent was impatient and unhelpful."),
    "neg_响应速度_zh": (
        "电话一直打不通，等了很久", "提交工单三天都没人回复", "在线客服排队太久了",
        "预约上门等了一个多星期",
    ),
    "neg_响应速度_en": ("Waited days for a reply.", "Could not get through on the phone."),
    "neg_问题解决_zh": (
        "问题反复出现，一直没解决", "机器人答非所问，转人工太难", "来回沟通好几次还没处理好",
    ),
    "neg_问题解决_en": (
        "Issue still not fixed after three contacts.",
        "The bot could not help and I could not reach a human.",
    ),
    "none": ("无",),
}  # fmt: skip
_LONG_COMMENT = (
    "我想详细说一下这次的经历。"
    + "第一次打电话没人接，第二次排队四十分钟，第三次终于接通但是客服说要转给售后，"
    "售后又说要等工程师回复，工程师三天后才联系我，问题到现在还没有彻底解决。"
    * 16
    + "希望你们认真改进响应速度和问题解决能力。"
)
_SPECIAL_COMMENTS: tuple[str, ...] = (
    "请尽快联系我，电话13812345678，谢谢",
    "售后一直没回电，我的手机是15900001234",
    "Call me back on 18622223333 please, nobody answered my ticket.",
    "发票有问题，请发邮件到 zhang.wei@example.com",
    "Please send the refund confirmation to li.na@example.com",
    "服务不错\x1f下次还来",
    '=HYPERLINK("http://example.com/promo","点击领取优惠券")',
    _LONG_COMMENT,
)


def _build_comment_table() -> tuple[tuple[str, ...], dict[str, tuple[int, int]]]:
    texts: list[str] = []
    ranges: dict[str, tuple[int, int]] = {}
    for name, group in _COMMENT_GROUPS.items():
        ranges[name] = (len(texts), len(group))
        texts.extend(group)
    ranges["special"] = (len(texts), len(_SPECIAL_COMMENTS))
    texts.extend(_SPECIAL_COMMENTS)
    return tuple(texts), ranges


COMMENT_TEXTS, _COMMENT_RANGES = _build_comment_table()

# -- public API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedIssue:
    """A value deliberately made bad, so tests can check quarantine exactly.

    ``row`` is 1-based as a user sees it (CSV physical line with the header as line 1;
    Excel row number; Parquet data-row index). ``column`` is the source header as
    written in the file (``""`` for a ragged row). ``value`` is the text in the file
    (``""`` for an empty cell or a Parquet null; the field count for a ragged row).

    ``reason`` is one of ``bad_score``, ``out_of_range``, ``bad_date``,
    ``ambiguous_date``, ``implausible_date``, ``unknown_unit``, ``missing_required``,
    ``bad_number``, ``bad_bool``, ``ragged_row``, ``negative_duration`` (a ticket
    resolved before it was opened) or ``duplicate_key`` (filtered, not quarantined).
    """

    table: str
    file: str
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class SampleSet:
    """What :func:`generate` wrote."""

    out_dir: Path
    config_path: Path
    files: dict[str, Path]
    rows: dict[str, int]
    planted: tuple[PlantedIssue, ...]
    first_quarter: str
    last_quarter: str


def generate(
    out_dir: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    layout: Layout = "messy",
    units: int = _N_UNITS,
    volumes: Mapping[str, int] | None = None,
) -> SampleSet:
    """Write a synthetic input set and its ``reportgen.yaml`` into ``out_dir``.

    ``scale`` multiplies the volumes (scale 1 ≈ 30k responses, 10k customers,
    150k orders, 40k tickets). ``layout="messy"`` writes realistic exports (limited to
    about scale 100 by the workbook's 1,048,576-row limit); ``layout="parquet"`` writes
    clean canonical Parquet files in chunks, for benchmarks at large scale.

    For benchmarks (``layout="parquet"`` only): ``units`` (6 … :data:`MAX_UNITS`) adds
    the units of :data:`EXTRA_UNITS`; ``volumes`` sets approximate row counts per table
    (``responses``, ``customers``, ``orders``, ``tickets``) in place of what ``scale``
    gives. Orders follow the customers' buying rates, so an ``orders`` count scales those
    rates. The defaults (6 units, no volumes) give the same files as before they existed.
    """
    if layout not in ("messy", "parquet"):
        raise ValueError(f"layout must be 'messy' or 'parquet', got {layout!r}")
    if not (scale > 0 and np.isfinite(scale)):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    company = _Company.of(units)
    volumes = dict(volumes or {})
    unknown = sorted(set(volumes) - set(_VOLUME_TABLES))
    if unknown:
        raise ValueError(f"volumes: unknown table(s) {unknown}; expected some of {_VOLUME_TABLES}")
    bad = {k: v for k, v in volumes.items() if not (isinstance(v, int | float) and v >= 1)}
    if bad:
        raise ValueError(f"volumes must be row counts >= 1, got {bad}")
    if layout == "messy" and (units != _N_UNITS or volumes):
        raise ValueError("units and volumes are only supported with layout='parquet'")
    n_customers = (
        round(volumes["customers"])
        if "customers" in volumes
        else max(200, round(_BASE_CUSTOMERS * scale))
    )
    if layout == "messy" and n_customers + 3 > 1_048_576:
        raise ValueError(
            f"scale {scale} gives {n_customers} customers, more than an Excel sheet holds; "
            "use layout='parquet' for large scales"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    world = _World(
        seed=seed, scale=scale, n_customers=n_customers, company=company, volumes=volumes
    )
    writer: _MessyWriter | _ParquetWriter
    writer = _MessyWriter(out_dir, world) if layout == "messy" else _ParquetWriter(out_dir, world)
    files, rows, planted = writer.write_all()
    config_path = out_dir / "reportgen.yaml"
    atomic_write_bytes(config_path, _config_yaml(layout, files, company).encode("utf-8"))
    log.info(
        "sample data (%s, seed %d, scale %g) written to %s in %.1f s: %s",
        layout,
        seed,
        scale,
        out_dir,
        time.perf_counter() - started,
        ", ".join(f"{k}={v}" for k, v in rows.items()),
    )
    return SampleSet(
        out_dir=out_dir,
        config_path=config_path,
        files={k: out_dir / v for k, v in files.items()},
        rows=rows,
        planted=tuple(sorted(planted, key=lambda p: (p.table, p.row, p.column, p.reason))),
        first_quarter=FIRST_QUARTER,
        last_quarter=LAST_QUARTER,
    )


# -- the simulated world -----------------------------------------------------------------------


def _draw_rows(rng: np.random.Generator, probs: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Draw one category per row from ``probs[groups[i]]`` (rows of probabilities)."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(groups))
    return (u[:, None] > cum[groups]).sum(axis=1).astype(np.int16)


def _pick_in_groups(
    rng: np.random.Generator, pool_groups: np.ndarray, wanted: np.ndarray, n_groups: int
) -> np.ndarray:
    """For each wanted group, a random pool position in that group (-1 if the group is empty)."""
    order = np.argsort(pool_groups, kind="stable")
    counts = np.bincount(pool_groups, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    c = counts[wanted]
    pos = starts[wanted] + np.floor(rng.random(len(wanted)) * np.maximum(c, 1)).astype(np.int64)
    out = np.where(c > 0, order[np.minimum(pos, len(order) - 1)] if len(order) else -1, -1)
    return out.astype(np.int64)


@dataclass(frozen=True)
class _Customers:
    """The customer base: numpy arrays indexed by customer position (sorted by id)."""

    unit: np.ndarray
    segment: np.ndarray
    region: np.ndarray
    industry: np.ndarray
    join_day: np.ndarray
    churn_day: np.ndarray  # _NO_DAY while active
    z: np.ndarray  # latent propensity (satisfaction / loyalty)
    tags: np.ndarray
    id_width: int

    @property
    def n(self) -> int:
        return len(self.unit)

    def ids(self) -> pa.Array:
        return _ids("", 1, self.n, self.id_width)


class _World:
    """The simulated company: customers, and per-quarter responses, orders, tickets."""

    def __init__(
        self,
        *,
        seed: int,
        scale: float,
        n_customers: int,
        company: _Company | None = None,
        volumes: Mapping[str, int] | None = None,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.company = company or _Company.of(_N_UNITS)
        volumes = volumes or {}
        # per-table scales: the rows per quarter are proportional to them
        self.response_scale = (
            volumes["responses"] / _rows_per_scale(_BASE_RESPONSES, 0.93, 0.01)
            if "responses" in volumes
            else scale
        )
        self.ticket_scale = (
            volumes["tickets"] / _rows_per_scale(_BASE_TICKETS, 0.9, 0.015)
            if "tickets" in volumes
            else scale
        )
        self.customers = self._make_customers(n_customers)
        self.churn_rate = self._churn_rates()
        self.stats: dict[str, dict[int, np.ndarray]] = {}
        self.order_factor = 1.0
        if "orders" in volumes:
            expected = sum(float(self._order_rates(q)[-1].sum()) for q in range(N_QUARTERS))
            self.order_factor = volumes["orders"] / max(expected, 1e-9)

    def rng(self, *key: int) -> np.random.Generator:
        """An independent random stream per (table, quarter, …) so chunks are reproducible."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    # customers ------------------------------------------------------------------
    def _make_customers(self, n: int) -> _Customers:
        rng = self.rng(0)
        co = self.company
        unit = rng.choice(co.n, size=n, p=co.customer_unit_p).astype(np.int16)
        segment = _draw_rows(rng, co.customer_seg_p, unit)
        region = rng.choice(len(REGIONS), size=n, p=_REGION_P).astype(np.int16)
        industry = np.where(
            segment == _CONSUMER,
            len(co.industries) - 1,
            unit * 4 + rng.integers(0, 4, size=n),
        ).astype(np.int16)
        old = rng.random(n) < 0.40
        lo = np.where(old, _H_DAYS[0], _Q_DAYS[0])
        hi = np.where(old, _Q_DAYS[0], _DATA_END_DAY)
        join = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
        z = rng.standard_normal(n)
        # churn: piecewise-constant quarterly hazard per unit, scaled per customer
        hazard = np.full((co.n, len(_H_DAYS) - 1), 0.026)
        q_idx = np.arange(len(_H_DAYS) - 1) - _HIST_OFFSET  # study quarter index
        last_year = np.clip(q_idx - 10, 0, 4)  # 2025Q4 … 2026Q3 → 1 … 4
        hazard *= 1.0 + 0.10 * last_year
        hazard[_HOTEL] *= np.where(q_idx >= 0, 1.0 - 0.025 * np.clip(q_idx, 0, None), 1.0)
        hazard[_AFTER_SALES] *= np.where(q_idx >= 12, 1.35, 1.0)
        mult = np.array([0.5, 0.9, 1.1])[segment] * np.exp(-0.25 * z)
        target = rng.exponential(size=n) / mult
        churn = np.full(n, _NO_DAY, dtype=np.int64)
        for u in range(co.n):
            m = unit == u
            cum = np.concatenate(([0.0], np.cumsum(-np.log1p(-hazard[u]))))
            start = np.interp(join[m], _H_DAYS, cum)
            t = start + target[m]
            day = np.floor(np.interp(t, cum, _H_DAYS)).astype(np.int64)
            day = np.maximum(day, join[m] + 1)
            churn[m] = np.where((t < cum[-1]) & (day < _DATA_END_DAY), day, _NO_DAY)
        tags = np.where(rng.random(n) < 0.45, 0, rng.integers(1, len(TAG_COMBOS), size=n)).astype(
            np.int16
        )
        # ids are handed out in order of joining, like a CRM does
        order = np.lexsort((rng.random(n), join))
        width = max(6, len(str(n)))
        return _Customers(
            unit=unit[order],
            segment=segment[order],
            region=region[order],
            industry=industry[order],
            join_day=join[order],
            churn_day=churn[order],
            z=z[order],
            tags=tags[order],
            id_width=width,
        )

    def _churn_rates(self) -> np.ndarray:
        """True churn rate per quarter (rows) and unit (one column each) / overall (last)."""
        c = self.customers
        k = self.company.n
        out = np.zeros((N_QUARTERS, k + 1))
        for q in range(N_QUARTERS):
            q0, q1 = _Q_DAYS[q], _Q_DAYS[q + 1]
            active = (c.join_day < q0) & (c.churn_day >= q0)
            lost = active & (c.churn_day < q1)
            a = np.bincount(c.unit[active], minlength=k)
            lo = np.bincount(c.unit[lost], minlength=k)
            out[q, :k] = lo / np.maximum(a, 1)
            out[q, k] = lo.sum() / max(a.sum(), 1)
        return out

    def _active_window(self, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customers active at some point of quarter q and their [start, end) days in it."""
        c = self.customers
        q0, q1 = _Q_DAYS[q], _Q_DAYS[q + 1]
        idx = np.flatnonzero((c.join_day < q1) & (c.churn_day > q0))
        start = np.maximum(c.join_day[idx], q0)
        end = np.minimum(c.churn_day[idx], q1)
        return idx, start, end

    def _record(self, name: str, q: int, values: np.ndarray) -> None:
        self.stats.setdefault(name, {})[q] = values

    # responses -----------------------------------------------------------------------
    def responses(self, q: int) -> pd.DataFrame:
        """Survey responses of quarter q, numeric codes, sorted by date and customer."""
        rng = self.rng(1, q)
        c = self.customers
        co = self.company
        n = max(6, round(_BASE_RESPONSES / N_QUARTERS * self.response_scale * (0.93 + 0.01 * q)))
        cell_p = (co.response_unit_p[:, None] * co.response_seg_p).ravel()
        cell = rng.choice(len(cell_p), size=n, p=cell_p / cell_p.sum())
        idx, start, end = self._active_window(q)
        pool_cell = c.unit[idx] * 3 + c.segment[idx]
        pos = _pick_in_groups(rng, pool_cell, cell, co.n * 3)
        anonymous = (rng.random(n) < 0.03) | (pos < 0)
        cust = np.where(anonymous, -1, idx[np.maximum(pos, 0)] if len(idx) else -1)
        w0 = np.where(anonymous, _Q_DAYS[q], start[np.maximum(pos, 0)] if len(idx) else 0)
        w1 = np.where(anonymous, _Q_DAYS[q + 1], end[np.maximum(pos, 0)] if len(idx) else 1)
        day = w0 + np.floor(rng.random(n) * (w1 - w0)).astype(np.int64)
        unit = (cell // 3).astype(np.int16)
        segment = (cell % 3).astype(np.int16)
        region = np.where(
            anonymous,
            rng.choice(len(REGIONS), size=n, p=_REGION_P),
            c.region[np.maximum(cust, 0)],
        ).astype(np.int16)
        channel = _draw_rows(rng, _channel_probs(q, co.n), unit)
        z = np.where(anonymous, rng.standard_normal(n), c.z[np.maximum(cust, 0)])
        person = 0.45 * z + rng.normal(0.0, 0.35, n)

        shift = np.zeros((n, 6))
        t = q / (N_QUARTERS - 1)
        hotel = unit == _HOTEL
        shift[hotel, :4] += -0.33 + 0.66 * t  # steady improvement, all service attributes
        shift[hotel, 5] += -0.18 + 0.36 * t
        if q > 10:  # the renovation programme pays off: the last year accelerates
            shift[hotel, :4] += 0.025 * (q - 10)
        late_as = (unit == _AFTER_SALES) & (q >= 12)
        shift[late_as, 1] -= 0.9 + 0.1 * (q - 12)
        shift[late_as, 2] -= 0.45
        shift[late_as, 3] -= 0.15
        self_serv = _SELF[channel]
        shift[self_serv, 1] += 0.25
        shift[self_serv, 2] -= 0.35
        shift[channel == _EMAIL, 1] -= 0.3
        shift[segment == _KEY] += 0.08
        loading = np.array([0.8, 0.9, 1.0, 0.9, 0.6, 0.8])
        cont = _ATTR_MEAN + shift + person[:, None] * loading + rng.normal(0.0, 0.62, (n, 6))
        attrs = np.clip(np.rint(cont), 1, 5)
        weights = np.array([DRIVER_WEIGHTS[a] for a in _ATTR_IDS])
        sat = 0.42 + attrs @ weights + rng.normal(0.0, 0.42, n)
        csat = np.clip(np.rint(sat), 1, 5)
        loyalty = np.where(hotel, -0.3 + 0.6 * t + 0.04 * max(0, q - 10), 0.0) - 0.25 * t
        ltr_c = 8.05 + 2.1 * (sat - 4.2) + loyalty + 0.3 * z + rng.normal(0.0, 1.05, n)
        ltr = np.clip(np.rint(ltr_c), 0, 10)
        effort_c = (
            2.5
            - 0.55 * (attrs[:, 2] - 4)
            - 0.45 * (attrs[:, 1] - 4)
            + 0.35 * self_serv
            + rng.normal(0.0, 0.9, n)
        )
        effort = np.clip(np.rint(effort_c), 1, 7)  # 1 = very little effort (reversed scale)
        trust = np.clip(
            np.rint(3.95 + 0.5 * (attrs[:, 5] - 4) + 0.3 * (sat - 4.2) - 0.2 * t
                    + rng.normal(0, 0.6, n)), 1, 5
        )  # fmt: skip
        rep = np.clip(
            np.rint(4.0 + 0.45 * (sat - 4.2) - 0.45 * t + 0.2 * z + rng.normal(0, 0.7, n)), 1, 5
        )
        attrs_out = attrs.astype(np.int16)
        na_p = np.array([0.02, 0.0, 0.0, 0.0, 0.04, 0.03])
        attrs_out[rng.random((n, 6)) < na_p] = _NA_CODE
        attrs_out[rng.random((n, 6)) < 0.008] = -1  # skipped question
        trust_out = np.where(rng.random(n) < 0.01, -1, trust).astype(np.int16)
        rep_out = np.where(rng.random(n) < 0.01, -1, rep).astype(np.int16)

        comment = self._comments(rng, n, unit, ltr, attrs, q)
        order = np.lexsort((cust, day))
        self._record_response_stats(q, unit, csat, ltr)
        frame = {
            "day": day,
            "cust": cust,
            "unit": unit,
            "segment": segment,
            "region": region,
            "channel": channel,
            "csat": csat.astype(np.int16),
            "ltr": ltr.astype(np.int16),
            "effort": effort.astype(np.int16),
            **{a: attrs_out[:, i] for i, a in enumerate(_ATTR_IDS)},
            "trust": trust_out,
            "repurchase_intent": rep_out,
            "comment": comment,
        }
        return pd.DataFrame({k: np.asarray(v)[order] for k, v in frame.items()})

    def _comments(
        self,
        rng: np.random.Generator,
        n: int,
        unit: np.ndarray,
        ltr: np.ndarray,
        attrs: np.ndarray,
        q: int,
    ) -> np.ndarray:
        """Index into COMMENT_TEXTS per response (-1 = no comment), consistent with scores."""
        detractor = ltr <= 6
        promoter = ltr >= 9
        has = rng.random(n) < np.where(detractor, 0.6, np.where(promoter, 0.22, 0.3))
        english = rng.random(n) < 0.15
        # complaint theme: the weakest of responsiveness/attitude/price/problem solving
        cand = attrs[:, [4, 3, 1, 2]] + rng.random((n, 4)) * 0.9  # price, staff, resp, solving
        theme = np.argmin(cand, axis=1) + 1  # 1 价格, 2 服务态度, 3 响应速度, 4 问题解决
        logistics = np.isin(unit, (_RETAIL, _ECOMMERCE)) & (rng.random(n) < 0.4)
        theme = np.where(logistics, 0, theme)
        group_start = np.zeros(n, dtype=np.int64)
        group_size = np.ones(n, dtype=np.int64)

        def put(mask: np.ndarray, name: str) -> None:
            s, k = _COMMENT_RANGES[name]
            group_start[mask] = s
            group_size[mask] = k

        for lang in ("zh", "en"):
            in_lang = english if lang == "en" else ~english
            put(promoter & in_lang, f"pos_{lang}")
            put(~promoter & ~detractor & in_lang, f"mid_{lang}")
            for i, th in enumerate(_THEMES):
                put(detractor & in_lang & (theme == i), f"neg_{th}_{lang}")
        out = group_start + np.floor(rng.random(n) * group_size).astype(np.int64)
        none_start = _COMMENT_RANGES["none"][0]
        out = np.where(rng.random(n) < 0.03, none_start, out)
        return np.where(has, out, -1).astype(np.int32)

    def _record_response_stats(
        self, q: int, unit: np.ndarray, csat: np.ndarray, ltr: np.ndarray
    ) -> None:
        k = self.company.n
        n = np.bincount(unit, minlength=k).astype(float)
        top = np.bincount(unit, weights=csat >= 4, minlength=k)
        pro = np.bincount(unit, weights=ltr >= 9, minlength=k)
        det = np.bincount(unit, weights=ltr <= 6, minlength=k)
        tot = max(n.sum(), 1)
        self._record("csat", q, np.append(top / np.maximum(n, 1), top.sum() / tot))
        self._record(
            "nps",
            q,
            np.append((pro - det) / np.maximum(n, 1) * 100, (pro.sum() - det.sum()) / tot * 100),
        )

    # orders ------------------------------------------------------------------------------
    def _order_rates(
        self, q: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Customers active in quarter q (idx, start, end, unit, segment) and their
        expected number of orders in it (before ``order_factor``)."""
        c = self.customers
        idx, start, end = self._active_window(q)
        frac = (end - start) / (_Q_DAYS[q + 1] - _Q_DAYS[q])
        t = q / (N_QUARTERS - 1)
        drift = 1.0 - 0.22 * max(0.0, (t - 0.35) / 0.65)  # buying frequency slips from 2024Q2
        unit = c.unit[idx]
        seg = c.segment[idx]
        rate = self.company.unit_order_rate[unit]
        lam = _SEG_ORDER_RATE[seg] * rate * drift * frac * np.exp(0.15 * c.z[idx])
        return idx, start, end, unit, seg, lam

    def orders(self, q: int) -> pd.DataFrame:
        """Orders of quarter q: seconds, customer, unit, product, amount; sorted by time."""
        rng = self.rng(2, q)
        idx, start, end, unit, seg, lam = self._order_rates(q)
        if self.order_factor != 1.0:
            lam = lam * self.order_factor
        counts = rng.poisson(lam)
        buyers = counts >= 1
        k = self.company.n
        rep = np.bincount(unit, weights=counts >= 2, minlength=k)
        buy = np.bincount(unit, weights=buyers, minlength=k)
        self._record(
            "repurchase_rate", q, np.append(rep / np.maximum(buy, 1), rep.sum() / max(buy.sum(), 1))
        )
        owner = np.repeat(np.arange(len(idx)), counts)
        n = len(owner)
        s0 = start[owner] * _DAY_S
        s1 = end[owner] * _DAY_S
        ts = s0 + np.floor(rng.random(n) * (s1 - s0)).astype(np.int64)
        cust = idx[owner]
        ounit = unit[owner]
        product = (ounit * 4 + rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])).astype(np.int16)
        median = self.company.order_median[ounit] * _SEG_AMOUNT[seg[owner]]
        amount = np.round(median * np.exp(rng.normal(0.0, 0.6, n) + 0.02 * q), 2)
        order = np.lexsort((cust, ts))
        return pd.DataFrame(
            {
                "ts": ts[order],
                "cust": cust[order],
                "unit": ounit[order],
                "product": product[order],
                "amount": amount[order],
            }
        )

    # tickets ------------------------------------------------------------------------------
    def tickets(self, q: int) -> pd.DataFrame:
        """Help-desk tickets opened in quarter q, sorted by opening time."""
        rng = self.rng(3, q)
        c = self.customers
        co = self.company
        n = max(6, round(_BASE_TICKETS / N_QUARTERS * self.ticket_scale * (0.9 + 0.015 * q)))
        unit = rng.choice(co.n, size=n, p=co.ticket_unit_p).astype(np.int16)
        idx, start, end = self._active_window(q)
        pos = _pick_in_groups(rng, c.unit[idx], unit, co.n)
        anonymous = (rng.random(n) < 0.02) | (pos < 0)
        p0 = np.maximum(pos, 0)
        cust = np.where(anonymous, -1, idx[p0] if len(idx) else -1)
        w0 = np.where(anonymous, _Q_DAYS[q], start[p0] if len(idx) else 0)
        w1 = np.where(anonymous, _Q_DAYS[q + 1], end[p0] if len(idx) else 1)
        day = w0 + np.floor(rng.random(n) * (w1 - w0)).astype(np.int64)
        tod = (8 * 3600 + rng.beta(2.0, 2.0, n) * 14 * 3600).astype(np.int64)
        opened = day * _DAY_S + tod
        channel = _draw_rows(rng, _channel_probs(q, co.n), unit)
        # first response: lognormal around a channel median, slower for late after-sales
        frt_median_h = np.array([0.10, 0.25, 0.005, 0.05, 0.05, 6.0])[channel]
        slow = np.where(unit == _AFTER_SALES, 1.15, 1.0)
        if q >= 12:
            slow = np.where(unit == _AFTER_SALES, 1.15 * (2.5 + 0.2 * (q - 12)), slow)
        frt_h = frt_median_h * slow * np.exp(rng.normal(0.0, 0.8, n))
        frt_s = np.maximum(1, np.rint(frt_h * 3600)).astype(np.int64)
        p_fcr = np.array([0.80, 0.76, 0.48, 0.57, 0.54, 0.62])[channel]
        p_fcr = p_fcr - np.where((unit == _AFTER_SALES) & (q >= 12), 0.08, 0.0)
        one = rng.random(n) < p_fcr
        contacts = np.where(one, 1, 1 + rng.geometric(0.55, n)).astype(np.int16)
        handle_h = np.array([0.5, 0.6, 0.2, 1.0, 1.0, 4.0])[channel] * np.exp(
            rng.normal(0.0, 1.0, n)
        ) * contacts**1.6 + (contacts - 1) * 24 * rng.random(n)
        first = opened + frt_s
        resolved = first + np.maximum(60, np.rint(handle_h * 3600)).astype(np.int64)
        end_s = _DATA_END_DAY * _DAY_S
        never = rng.random(n) < 0.004  # a few old tickets nobody closed
        resolved = np.where((resolved >= end_s) | never, -1, resolved)
        first = np.where(first >= end_s, -1, first)
        # tickets of the last days: some still wait for a first response (and are open)
        waiting = (opened >= end_s - 4 * _DAY_S) & (rng.random(n) < 0.35)
        first = np.where(waiting, -1, first)
        resolved = np.where(waiting, -1, resolved)
        late_as = (unit == _AFTER_SALES) & (q >= 12)
        complaint = rng.random(n) < np.where(late_as, 0.26, 0.13)
        cat_complaint = _draw_rows(rng, _complaint_probs(co.n), unit * 2 + late_as)
        cat_other = _N_COMPLAINT_CATS + rng.choice(4, size=n, p=[0.45, 0.2, 0.2, 0.15])
        category = np.where(complaint, cat_complaint, cat_other).astype(np.int16)
        self._record_ticket_stats(q, unit, contacts, resolved, frt_s, first)
        order = np.lexsort((cust, opened))
        frame = {
            "opened": opened,
            "first": first,
            "resolved": resolved,
            "cust": cust,
            "unit": unit,
            "channel": channel,
            "contacts": contacts,
            "complaint": complaint,
            "category": category,
        }
        return pd.DataFrame({k: np.asarray(v)[order] for k, v in frame.items()})

    def _record_ticket_stats(
        self,
        q: int,
        unit: np.ndarray,
        contacts: np.ndarray,
        resolved: np.ndarray,
        frt_s: np.ndarray,
        first: np.ndarray,
    ) -> None:
        done = resolved >= 0
        k = self.company.n
        fcr_n = np.bincount(unit[done], minlength=k)
        fcr_k = np.bincount(unit[done], weights=contacts[done] == 1, minlength=k)
        self._record(
            "fcr", q, np.append(fcr_k / np.maximum(fcr_n, 1), fcr_k.sum() / max(fcr_n.sum(), 1))
        )
        answered = first >= 0
        med = np.array(
            [np.median(frt_s[answered & (unit == u)]) if (answered & (unit == u)).any() else np.nan
             for u in range(k)]
            + [np.median(frt_s[answered]) if answered.any() else np.nan]
        ) / 3600  # fmt: skip
        self._record("first_response_hours_median", q, med)


def _rows_per_scale(base: int, first: float, step: float) -> float:
    """Rows per unit of scale of a table with ``base / N_QUARTERS * (first + step * q)``
    rows (times the scale) in quarter q."""
    return base / N_QUARTERS * sum(first + step * q for q in range(N_QUARTERS))


def _channel_probs(q: int, n_units: int = _N_UNITS) -> np.ndarray:
    """Channel mix per unit (rows) in quarter q: self-service grows over time."""
    base = np.array([0.32, 0.28, 0.10, 0.12, 0.10, 0.08])
    shift = 0.012 * q
    p = base + np.array([-0.5, -0.5, 0.5, 0.25, 0.25, 0.0]) * shift
    probs = np.tile(p, (n_units, 1))
    probs[_FINANCE] += np.array([0.08, 0.0, -0.03, -0.02, -0.03, 0.0])
    probs[_ECOMMERCE] += np.array([-0.10, 0.0, 0.02, 0.04, 0.04, 0.0])
    probs[_HOTEL] += np.array([0.04, 0.0, -0.02, 0.0, -0.02, 0.0])
    return probs / probs.sum(axis=1, keepdims=True)


def _complaint_probs(n_units: int = _N_UNITS) -> np.ndarray:
    """Complaint-category probabilities for groups unit*2 + late_after_sales."""
    base = np.array([0.28, 0.22, 0.18, 0.16, 0.08, 0.05, 0.03])
    per_unit = np.tile(base, (n_units, 1))
    for u in (_FINANCE, _HOTEL, _TELECOM):  # few parcels: complaints about price and speed
        per_unit[u, 1] += (per_unit[u, 0] - 0.04) / 2
        per_unit[u, 3] += (per_unit[u, 0] - 0.04) / 2
        per_unit[u, 0] = 0.04
    per_unit[_AFTER_SALES, 0] = 0.15
    rows = np.repeat(per_unit, 2, axis=0)
    rows[_AFTER_SALES * 2 + 1] = [0.10, 0.10, 0.18, 0.45, 0.08, 0.05, 0.04]
    return rows / rows.sum(axis=1, keepdims=True)


# -- helpers for writing -----------------------------------------------------------------------


def _ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    """Zero-padded text ids ``prefix + 000123`` for start … start+n-1 (vectorised)."""
    nums = pa.array(np.arange(start, start + n, dtype=np.int64)).cast(pa.string())
    padded = pc.utf8_lpad(nums, width=width, padding="0")
    if not prefix:
        return padded
    return pc.binary_join_element_wise(prefix, padded, "")


def _take(values: tuple[str, ...] | pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as an Arrow string array; negative indices become null."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    mask = idx < 0
    return pc.take(arr, pa.array(np.where(mask, 0, idx).astype(np.int64), mask=mask))


def _text(arr: pa.Array) -> np.ndarray:
    """Arrow strings → numpy object array with "" for null (for CSV/XLSX writing)."""
    return np.asarray(pc.fill_null(arr, "").to_numpy(zero_copy_only=False), dtype=object)


def _atomic_path(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary path beside ``path``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}
_ROW_GROUP = 1_000_000


def _prefetch(chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Yield the chunks in order while the next one is generated in a worker thread.

    numpy and the Parquet writer release the GIL, so generating chunk k+1 overlaps with
    writing chunk k (two cores). At most two chunks are in memory at once.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sample-data") as pool:
        future = pool.submit(next, chunks, None)
        while (table := future.result()) is not None:
            future = pool.submit(next, chunks, None)
            yield table


def _write_parquet_chunks(path: Path, schema: pa.Schema, chunks: Iterator[pa.Table]) -> int:
    """Write Arrow tables chunk by chunk with fixed writer settings; return the row count."""
    total = 0

    def write(tmp: Path) -> None:
        nonlocal total
        with pq.ParquetWriter(tmp, schema, **_PARQUET_OPTIONS) as writer:
            for table in _prefetch(iter(chunks)):
                writer.write_table(table.cast(schema), row_group_size=_ROW_GROUP)
                total += table.num_rows

    _atomic_path(path, write)
    return total


def _k(n: int, rate: float, minimum: int = 1) -> int:
    """How many rows to plant for one reason: a rate of the rows, at least ``minimum``."""
    return max(minimum, round(n * rate))


def _fmt_ts(seconds: np.ndarray) -> np.ndarray:
    """Seconds since 1970 → "2025-03-05 14:22:10" ("" for -1)."""
    missing = seconds < 0
    ts = pd.Series(np.where(missing, 0, seconds).astype("datetime64[s]"))
    text = ts.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    return np.where(missing, "", text)


def _place_specials(df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Put the PII / control-character / formula / long comments on last-quarter rows."""
    comment = df["comment"].to_numpy().copy()
    last = np.flatnonzero(df["day"].to_numpy() >= _Q_DAYS[N_QUARTERS - 1])
    rows = np.sort(rng.choice(last, size=min(len(_SPECIAL_COMMENTS), len(last)), replace=False))
    comment[rows] = _COMMENT_RANGES["special"][0] + np.arange(len(rows))
    df["comment"] = comment
    return comment


def _unit_spellings(rng: np.random.Generator, unit: np.ndarray, alias_share: float) -> np.ndarray:
    """Chinese unit names, with a share of other spellings (aliases, English names)."""
    names = np.array(UNIT_ZH, dtype=object)[unit]
    alt = rng.random(len(unit)) < alias_share
    pick = rng.integers(0, 1 << 30, size=len(unit))
    for u, spec in enumerate(UNITS):
        m = alt & (unit == u)
        options = np.array(spec.data_spellings, dtype=object)
        names[m] = options[pick[m] % len(options)]
    return names


# -- messy layout ------------------------------------------------------------------------------

_SURVEY_COLUMNS: dict[str, str] = {
    "response_id": "问卷编号",
    "customer_id": "客户编号",
    "date": "提交日期",
    "unit": "事业部",
    "channel": "渠道",
    "region": "地区",
    "segment": "客户类型",
    "csat": "总体满意度",
    "ltr": "推荐意愿",
    "effort": "费力程度",
    "product_fit": "产品契合度",
    "responsiveness": "响应速度",
    "problem_solving": "问题解决",
    "staff_attitude": "服务态度",
    "price_fairness": "价格合理性",
    "brand_trust": "品牌信任",
    "trust": "信任度",
    "repurchase_intent": "复购意愿",
    "comment": "意见与建议",
}
_CRM_COLUMNS: dict[str, str] = {
    "customer_id": "客户编号",
    "unit": "所属事业部",
    "segment": "客户分层",
    "region": "所在地区",
    "industry": "行业",
    "join_date": "注册日期",
    "churn_date": "流失日期",
    "tags": "标签",
}
_CRM_EXTRA = "客户状态"  # not mapped: loaders must ignore unmapped columns
_ORDER_COLUMNS: dict[str, str] = {
    "order_id": "order_id",
    "customer_id": "customer_id",
    "date": "order_date",
    "unit": "business_unit",
    "amount": "amount_cny",
    "product": "product",
}
_TICKET_COLUMNS: dict[str, str] = {
    "ticket_id": "Ticket ID",
    "customer_id": "Customer",
    "unit": "BU",
    "channel": "Channel",
    "opened_at": "Opened",
    "first_response_at": "First Response",
    "resolved_at": "Resolved",
    "contacts": "Contacts",
    "complaint": "Complaint",
    "category": "Category",
}
_FILES_MESSY = {
    "responses": "survey_responses.csv",
    "customers": "crm_customers.xlsx",
    "orders": "orders.parquet",
    "tickets": "support_tickets.csv",
    "targets": "targets.csv",
    "benchmarks": "benchmarks.csv",
}
_FILES_PARQUET = {
    "responses": "responses.parquet",
    "customers": "customers.parquet",
    "orders": "orders.parquet",
    "tickets": "tickets.parquet",
    "targets": "targets.csv",
    "benchmarks": "benchmarks.csv",
}
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class _Planter:
    """Chooses disjoint rows to spoil and records what was planted."""

    def __init__(self, rng: np.random.Generator, n: int, exclude: np.ndarray | None = None):
        self.rng = rng
        self.free = np.ones(n, dtype=bool)
        if exclude is not None:
            self.free[exclude] = False

    def take(self, k: int, candidates: np.ndarray | None = None) -> np.ndarray:
        """k distinct free rows (from a boolean candidate mask), marked as used."""
        ok = self.free if candidates is None else (self.free & candidates)
        pool = np.flatnonzero(ok)
        if len(pool) == 0:
            return pool
        rows = np.sort(self.rng.choice(pool, size=min(k, len(pool)), replace=False))
        self.free[rows] = False
        return rows


@dataclass(frozen=True)
class _Plant:
    """A planted issue before final row numbers are known (position in the frame)."""

    pos: int
    column: str
    value: str
    reason: str


class _MessyWriter:
    """Writes the realistic export files (layout="messy")."""

    def __init__(self, out_dir: Path, world: _World) -> None:
        self.out = out_dir
        self.world = world
        self.cust_ids = world.customers.ids()

    def write_all(self) -> tuple[dict[str, str], dict[str, int], list[PlantedIssue]]:
        planted: list[PlantedIssue] = []
        rows: dict[str, int] = {}
        t0 = time.perf_counter()
        rows["customers"], p = self._customers()
        planted += p
        rows["responses"], p = self._responses()
        planted += p
        rows["orders"], p = self._orders()
        planted += p
        rows["tickets"], p = self._tickets()
        planted += p
        rows["targets"] = _write_targets(self.out / _FILES_MESSY["targets"], self.world)
        rows["benchmarks"] = _write_benchmarks(self.out / _FILES_MESSY["benchmarks"])
        log.debug("messy files written in %.2f s", time.perf_counter() - t0)
        return dict(_FILES_MESSY), rows, planted

    # survey -----------------------------------------------------------------------------------
    def _responses(self) -> tuple[int, list[PlantedIssue]]:
        w = self.world
        df = pd.concat([w.responses(q) for q in range(N_QUARTERS)], ignore_index=True)
        rng = w.rng(10)
        n = len(df)
        cols = _SURVEY_COLUMNS
        text: dict[str, np.ndarray] = {}
        text[cols["response_id"]] = _text(_ids("SV", 1, n, 8))
        text[cols["customer_id"]] = _text(_take(self.cust_ids, df["cust"].to_numpy()))
        day = df["day"].to_numpy()
        dates = pd.Series(day.astype("datetime64[D]"))
        iso = dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        y = dates.dt.year.astype(str).to_numpy(dtype=object)
        m = dates.dt.month.astype(str).to_numpy(dtype=object)
        d = dates.dt.day.astype(str).to_numpy(dtype=object)
        style = rng.random(n)
        text[cols["date"]] = np.where(
            style < 0.90,
            iso,
            np.where(style < 0.95, y + "年" + m + "月" + d + "日", y + "/" + m + "/" + d),
        )
        text[cols["unit"]] = _unit_spellings(rng, df["unit"].to_numpy(), 0.12)
        channel = np.array(CHANNELS, dtype=object)[df["channel"].to_numpy()]
        text[cols["channel"]] = np.where(rng.random(n) < 0.005, "无", channel)
        region = np.array(REGIONS, dtype=object)[df["region"].to_numpy()]
        text[cols["region"]] = np.where(rng.random(n) < 0.005, "NA", region)
        text[cols["segment"]] = np.array(SEGMENTS, dtype=object)[df["segment"].to_numpy()]
        csat = df["csat"].to_numpy()
        text[cols["csat"]] = np.where(
            rng.random(n) < 0.07, _CSAT_LABEL_BY_VALUE[csat], csat.astype(str).astype(object)
        )
        ltr = df["ltr"].to_numpy().astype(str).astype(object)
        style = rng.random(n)
        fullwidth = np.array([s.translate(_FULLWIDTH) for s in map(str, range(11))], dtype=object)
        text[cols["ltr"]] = np.where(
            style < 0.03,
            ltr + "分",
            np.where(style < 0.05, fullwidth[df["ltr"].to_numpy()], ltr),
        )
        for name in ("effort", *_ATTR_IDS, "trust", "repurchase_intent"):
            v = df[name].to_numpy()
            text[cols[name]] = np.where(v < 0, "", v.astype(str).astype(object))
        comment = _text(_take(COMMENT_TEXTS, _place_specials(df, rng)))
        text[cols["comment"]] = comment
        frame = pd.DataFrame(text, columns=list(cols.values()))

        # plant bad values -------------------------------------------------------------------
        planter = _Planter(
            rng,
            n,
            exclude=np.flatnonzero(df["comment"].to_numpy() >= _COMMENT_RANGES["special"][0]),
        )
        plants: list[_Plant] = []
        k = _k(n, 0.0003)

        def plant(rows: np.ndarray, column: str, values: np.ndarray | str, reason: str) -> None:
            vals = np.broadcast_to(np.asarray(values, dtype=object), rows.shape)
            for r, v in zip(rows.tolist(), vals.tolist(), strict=True):
                frame.iat[r, frame.columns.get_loc(column)] = v
                plants.append(_Plant(r, column, v, reason))

        ambiguous_ok = (dates.dt.day <= 12).to_numpy() & (dates.dt.day != dates.dt.month).to_numpy()
        rows = planter.take(k, ambiguous_ok)
        plant(
            rows,
            cols["date"],
            dates.dt.strftime("%d/%m/%Y").to_numpy(dtype=object)[rows],
            "ambiguous_date",
        )
        rows = planter.take(k)
        plant(rows, cols["date"], y[rows] + np.where(rows % 2 == 0, "-02-30", "-04-31"), "bad_date")
        plant(planter.take(k), cols["date"], "1899-12-31", "implausible_date")
        plant(planter.take(k), cols["csat"], "11", "out_of_range")
        plant(planter.take(k), cols["ltr"], "-1", "out_of_range")
        plant(planter.take(k), cols["csat"], "还行吧", "bad_score")
        plant(planter.take(k), cols["unit"], "测试部门", "unknown_unit")
        plant(planter.take(k), cols["response_id"], "", "missing_required")

        # exact duplicates right after their original; ragged rows --------------------------------
        dup_src = planter.take(_k(n, 0.0001, 3))
        ragged = planter.take(2)
        order = np.argsort(np.concatenate([np.arange(n), dup_src + 0.5]), kind="stable")
        full = pd.concat([frame, frame.iloc[dup_src]], ignore_index=True).iloc[order]
        line_of = np.empty(len(order), dtype=np.int64)
        line_of[order] = np.arange(len(order)) + 2  # header is line 1
        issues = [
            PlantedIssue(
                "responses",
                _FILES_MESSY["responses"],
                int(line_of[p.pos]),
                p.column,
                p.value,
                p.reason,
            )
            for p in plants
        ]
        rid = cols["response_id"]
        for i, src in enumerate(dup_src.tolist()):
            issues.append(
                PlantedIssue(
                    "responses", _FILES_MESSY["responses"], int(line_of[n + i]), rid,
                    str(frame.iat[src, 0]), "duplicate_key",
                )
            )  # fmt: skip
        buf = io.StringIO()
        full.to_csv(buf, index=False, lineterminator="\r\n")
        lines = buf.getvalue().split("\r\n")
        n_fields = len(cols)
        for j, src in enumerate(ragged.tolist()):
            values = [str(v) for v in frame.iloc[src].tolist()]
            values = values[: n_fields - 3] if j == 0 else [*values, "附加列"]
            line_buf = io.StringIO()
            csv.writer(line_buf, lineterminator="").writerow(values)
            line = int(line_of[src])
            lines[line - 1] = line_buf.getvalue()
            issues.append(
                PlantedIssue(
                    "responses", _FILES_MESSY["responses"], line, "", str(len(values)), "ragged_row"
                )
            )
        data = "\r\n".join(lines).encode("gb18030")
        atomic_write_bytes(self.out / _FILES_MESSY["responses"], data)
        return len(full), issues

    # CRM workbook -------------------------------------------------------------------------------
    def _customers(self) -> tuple[int, list[PlantedIssue]]:
        c = self.world.customers
        rng = self.world.rng(11)
        n = c.n
        ids = _text(self.cust_ids)
        units = _unit_spellings(rng, c.unit, 0.05)
        segments = np.array(SEGMENTS, dtype=object)[c.segment]
        regions = np.array(REGIONS, dtype=object)[c.region]
        industries = np.array(INDUSTRIES, dtype=object)[c.industry]
        tags = np.array(TAG_COMBOS, dtype=object)[c.tags]
        join = c.join_day.astype("datetime64[D]").astype("datetime64[s]").astype(object)
        serial = (c.join_day - np.datetime64("1899-12-30", "D").astype(np.int64)).astype(int)
        as_serial = rng.random(n) < 0.4
        churned = c.churn_day != _NO_DAY
        churn = (
            np.where(churned, c.churn_day, 0)
            .astype("datetime64[D]")
            .astype("datetime64[s]")
            .astype(object)
        )
        status = np.where(churned, "已流失", "活跃")
        planter = _Planter(rng, n)
        k = _k(n, 0.0002)
        bad_unit = planter.take(k)
        bad_join = planter.take(k)
        units[bad_unit] = "集团总部"
        join_values = np.where(as_serial, serial.astype(object), join)
        join_values[bad_join] = "not a date"
        crm_file = _FILES_MESSY["customers"]
        issues = [
            PlantedIssue(
                "customers", crm_file, int(i) + 4, _CRM_COLUMNS["unit"], "集团总部", "unknown_unit"
            )
            for i in bad_unit
        ] + [
            PlantedIssue(
                "customers",
                crm_file,
                int(i) + 4,
                _CRM_COLUMNS["join_date"],
                "not a date",
                "bad_date",
            )
            for i in bad_join
        ]

        wb = Workbook(write_only=True)
        wb.properties.creator = "reportgen sample data"
        wb.properties.created = _FIXED_TIME
        wb.properties.modified = _FIXED_TIME
        wb.properties.lastModifiedBy = "reportgen sample data"
        notes = wb.create_sheet("说明")
        for line in (
            [
                "CRM 客户主数据导出（合成示例数据，仅供演示）"
                " / CRM customer export (synthetic demo data)"
            ],
            ["数据截止 Data as of: 2026-09-30"],
            ["客户编号为文本，保留前导零 (customer ids are text; keep the leading zeros)"],
            [
                "注册日期：部分为 Excel 序列号，部分为日期格式"
                " (join dates: some Excel serials, some dates)"
            ],
            ["流失日期为空表示仍为活跃客户 (an empty churn date means the customer is active)"],
        ):
            notes.append(line)
        ws = wb.create_sheet("客户")
        ws.append(["客户主数据 Customer master data"])
        ws.append([f"导出自 CRM v5，共 {n} 条记录 / exported from CRM v5, {n} records"])
        ws.append([*_CRM_COLUMNS.values(), _CRM_EXTRA])

        def date_cell(value: object) -> WriteOnlyCell:
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell

        for i in range(n):
            jv = join_values[i]
            ws.append(
                [
                    ids[i], units[i], segments[i], regions[i], industries[i],
                    date_cell(jv) if isinstance(jv, datetime) else jv,
                    date_cell(churn[i]) if churned[i] else None,
                    tags[i] or None, status[i],
                ]
            )  # fmt: skip
        _atomic_path(self.out / _FILES_MESSY["customers"], lambda p: _save_workbook(wb, p))
        return n, issues

    # orders -------------------------------------------------------------------------------------
    def _orders(self) -> tuple[int, list[PlantedIssue]]:
        w = self.world
        df = pd.concat([w.orders(q) for q in range(N_QUARTERS)], ignore_index=True)
        n = len(df)
        rng = w.rng(12)
        amount = df["amount"].to_numpy()
        bad = _Planter(rng, n).take(_k(n, 0.00005, 3))
        mask = np.zeros(n, dtype=bool)
        mask[bad] = True
        oc = _ORDER_COLUMNS
        table = pa.table(
            {
                oc["order_id"]: _ids("SO", 1, n, 9),
                oc["customer_id"]: _take(self.cust_ids, df["cust"].to_numpy()),
                oc["date"]: _ts_array(df["ts"].to_numpy()),
                oc["unit"]: _take(UNIT_ZH, df["unit"].to_numpy()),
                oc["amount"]: pa.array(amount, mask=mask),
                oc["product"]: _take(PRODUCTS, df["product"].to_numpy()),
            }
        )
        _write_parquet_chunks(self.out / _FILES_MESSY["orders"], table.schema, iter([table]))
        issues = [
            PlantedIssue(
                "orders", _FILES_MESSY["orders"], int(i) + 1, oc["amount"], "", "missing_required"
            )
            for i in bad
        ]
        return n, issues

    # tickets ------------------------------------------------------------------------------------
    def _tickets(self) -> tuple[int, list[PlantedIssue]]:
        w = self.world
        df = pd.concat([w.tickets(q) for q in range(N_QUARTERS)], ignore_index=True)
        n = len(df)
        rng = w.rng(13)
        tc = _TICKET_COLUMNS
        opened = df["opened"].to_numpy()
        resolved = df["resolved"].to_numpy().copy()
        planter = _Planter(rng, n)
        k = _k(n, 0.0001)
        neg = planter.take(k, resolved >= 0)
        resolved[neg] = opened[neg] - rng.integers(3600, 48 * 3600, size=len(neg))
        frame = pd.DataFrame(
            {
                tc["ticket_id"]: _text(_ids("TK", 1, n, 8)),
                tc["customer_id"]: _text(_take(self.cust_ids, df["cust"].to_numpy())),
                tc["unit"]: _unit_spellings(rng, df["unit"].to_numpy(), 0.10),
                tc["channel"]: np.array(CHANNELS, dtype=object)[df["channel"].to_numpy()],
                tc["opened_at"]: _fmt_ts(opened),
                tc["first_response_at"]: _fmt_ts(df["first"].to_numpy()),
                tc["resolved_at"]: _fmt_ts(resolved),
                tc["contacts"]: df["contacts"].to_numpy().astype(str).astype(object),
                tc["complaint"]: np.where(df["complaint"].to_numpy(), "是", "否").astype(object),
                tc["category"]: np.array(CATEGORIES, dtype=object)[df["category"].to_numpy()],
            }
        )
        plants = [
            (int(i), tc["resolved_at"], frame.iat[int(i), 6], "negative_duration") for i in neg
        ]
        for rows, col, value, reason in (
            (planter.take(k), tc["contacts"], "two", "bad_number"),
            (planter.take(k), tc["complaint"], "不确定", "bad_bool"),
            (planter.take(k), tc["opened_at"], None, "bad_date"),
        ):
            for i in rows.tolist():
                v = value if value is not None else frame.iat[i, 4][:4] + "-02-30 10:15:00"
                frame.iat[i, frame.columns.get_loc(col)] = v
                plants.append((i, col, v, reason))
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        atomic_write_bytes(self.out / _FILES_MESSY["tickets"], buf.getvalue().encode("utf-8-sig"))
        issues = [
            PlantedIssue("tickets", _FILES_MESSY["tickets"], r + 2, col, v, reason)
            for r, col, v, reason in plants
        ]
        return n, issues


def _save_workbook(wb: Workbook, path: Path) -> None:
    """Save an openpyxl workbook, then rewrite the zip with fixed entry timestamps."""
    raw = io.BytesIO()
    wb.save(raw)
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with now
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    data,
                )
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


# -- targets & benchmarks (both layouts) -------------------------------------------------------


def _write_targets(path: Path, world: _World) -> int:
    """Targets for 2025Q1 … 2026Q4: last year's actual value plus a modest improvement."""
    stats = dict(world.stats)
    stats["churn_rate"] = {q: world.churn_rate[q] for q in range(N_QUARTERS)}
    kpis = {
        "csat": (lambda v: min(v + 0.01, 0.97), 3),
        "nps": (lambda v: v + 2.0, 1),
        "fcr": (lambda v: min(v + 0.02, 0.95), 3),
        "repurchase_rate": (lambda v: v + 0.01, 3),
        "churn_rate": (lambda v: max(v - 0.002, 0.005), 4),
        "first_response_hours_median": (lambda v: v * 0.9, 3),
    }
    labels = [*world.company.unit_zh, "all"]
    rows: list[tuple[str, str, str, str]] = []
    for period_idx in range(8, 16):  # 2025Q1 … 2026Q4
        period = f"{2023 + period_idx // 4}Q{period_idx % 4 + 1}"
        base_q = period_idx - 4
        for u, label in enumerate(labels):
            for kpi, (improve, digits) in kpis.items():
                value = float(stats[kpi][base_q][u])
                if not np.isfinite(value):
                    continue
                rows.append((label, period, kpi, f"{round(improve(value), digits):.{digits}f}"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["unit", "period", "kpi", "target"])
    writer.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
    return len(rows)


_BENCHMARKS: tuple[tuple[str, str, float], ...] = (
    ("csat", "global", 0.78), ("csat", "China", 0.81), ("csat", "零售业", 0.80),
    ("csat", "金融业", 0.79), ("csat", "酒店业", 0.83), ("csat", "电信业", 0.72),
    ("nps", "global", 32.0), ("nps", "China", 28.0), ("nps", "零售业", 30.0),
    ("nps", "金融业", 24.0), ("nps", "酒店业", 38.0), ("nps", "电信业", 15.0),
    ("fcr", "global", 0.70), ("fcr", "China", 0.72), ("fcr", "电信业", 0.66),
    ("churn_rate", "global", 0.035), ("churn_rate", "China", 0.032),
    ("churn_rate", "电信业", 0.045),
    ("repurchase_rate", "China", 0.55), ("repurchase_rate", "零售业", 0.58),
    ("first_response_hours_median", "global", 0.5),
)  # fmt: skip
_BENCHMARK_SOURCE = "synthetic benchmark for the demo"
#: The industry benchmark each unit is compared with first (config benchmark_scope).
_BENCHMARK_SCOPES = {
    "retail": "零售业",
    "finance": "金融业",
    "hotel": "酒店业",
    "telecom": "电信业",
}


def _write_benchmarks(path: Path) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["kpi", "scope", "value", "source"])
    for kpi, scope, value in _BENCHMARKS:
        writer.writerow([kpi, scope, f"{value:g}", _BENCHMARK_SOURCE])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
    return len(_BENCHMARKS)


# -- parquet layout ----------------------------------------------------------------------------

_SCORE_COLUMNS = ("csat", "ltr", "effort", *_ATTR_IDS, "trust", "repurchase_intent")
_RESPONSES_SCHEMA = pa.schema(
    [
        ("response_id", pa.string()),
        ("customer_id", pa.string()),
        ("date", pa.date32()),
        ("unit", pa.string()),
        ("channel", pa.string()),
        ("region", pa.string()),
        ("segment", pa.string()),
        *((s, pa.int8()) for s in _SCORE_COLUMNS),
        ("comment", pa.string()),
    ]
)
_CUSTOMERS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("unit", pa.string()),
        ("segment", pa.string()),
        ("region", pa.string()),
        ("industry", pa.string()),
        ("join_date", pa.date32()),
        ("churn_date", pa.date32()),
        ("tags", pa.string()),
    ]
)
_ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.string()),
        ("date", pa.timestamp("ms")),
        ("unit", pa.string()),
        ("amount", pa.float64()),
        ("product", pa.string()),
    ]
)
_TICKETS_SCHEMA = pa.schema(
    [
        ("ticket_id", pa.string()),
        ("customer_id", pa.string()),
        ("unit", pa.string()),
        ("channel", pa.string()),
        ("opened_at", pa.timestamp("ms")),
        ("first_response_at", pa.timestamp("ms")),
        ("resolved_at", pa.timestamp("ms")),
        ("contacts", pa.int16()),
        ("complaint", pa.bool_()),
        ("category", pa.string()),
    ]
)


def _ts_array(seconds: np.ndarray) -> pa.Array:
    missing = seconds < 0
    return pa.array(
        np.where(missing, 0, seconds).astype("datetime64[s]").astype("datetime64[ms]"), mask=missing
    )


class _ParquetWriter:
    """Writes clean canonical Parquet files chunk by chunk (layout="parquet")."""

    def __init__(self, out_dir: Path, world: _World) -> None:
        self.out = out_dir
        self.world = world
        self.cust_ids = world.customers.ids()
        self.planted: list[PlantedIssue] = []
        self.unit_zh = world.company.unit_zh

    def write_all(self) -> tuple[dict[str, str], dict[str, int], list[PlantedIssue]]:
        f = _FILES_PARQUET
        rows = {
            "customers": _write_parquet_chunks(
                self.out / f["customers"], _CUSTOMERS_SCHEMA, iter([self._customers()])
            ),
            "responses": _write_parquet_chunks(
                self.out / f["responses"], _RESPONSES_SCHEMA, self._responses()
            ),
            "orders": _write_parquet_chunks(self.out / f["orders"], _ORDERS_SCHEMA, self._orders()),
            "tickets": _write_parquet_chunks(
                self.out / f["tickets"], _TICKETS_SCHEMA, self._tickets()
            ),
        }  # fmt: skip
        rows["targets"] = _write_targets(self.out / f["targets"], self.world)
        rows["benchmarks"] = _write_benchmarks(self.out / f["benchmarks"])
        return dict(f), rows, self.planted

    def _issue(self, table: str, row: int, column: str, value: str, reason: str) -> None:
        self.planted.append(
            PlantedIssue(table, _FILES_PARQUET[table], row + 1, column, value, reason)
        )

    def _customers(self) -> pa.Table:
        c = self.world.customers
        rng = self.world.rng(21)
        planter = _Planter(rng, c.n)
        unit = _take(self.unit_zh, c.unit)
        bad_unit = planter.take(2)
        no_join = planter.take(2)
        unit_np = _text(unit)
        unit_np[bad_unit] = "集团总部"
        join_mask = np.zeros(c.n, dtype=bool)
        join_mask[no_join] = True
        for i in bad_unit.tolist():
            self._issue("customers", i, "unit", "集团总部", "unknown_unit")
        for i in no_join.tolist():
            self._issue("customers", i, "join_date", "", "missing_required")
        churned = c.churn_day != _NO_DAY
        return pa.table(
            {
                "customer_id": self.cust_ids,
                "unit": pa.array(unit_np, type=pa.string()),
                "segment": _take(SEGMENTS, c.segment),
                "region": _take(REGIONS, c.region),
                "industry": _take(self.world.company.industries, c.industry),
                "join_date": pa.array(c.join_day.astype("datetime64[D]"), mask=join_mask),
                "churn_date": pa.array(
                    np.where(churned, c.churn_day, 0).astype("datetime64[D]"), mask=~churned
                ),
                "tags": _take(TAG_COMBOS, np.where(c.tags == 0, -1, c.tags)),
            }
        )  # fmt: skip

    def _responses(self) -> Iterator[pa.Table]:
        offset = 0
        for q in range(N_QUARTERS):
            df = self.world.responses(q)
            n = len(df)
            if q == N_QUARTERS - 1:
                _place_specials(df, self.world.rng(20, 1))
            cols: dict[str, pa.Array] = {
                "response_id": _ids("SV", offset + 1, n, 8),
                "customer_id": _take(self.cust_ids, df["cust"].to_numpy()),
                "date": pa.array(df["day"].to_numpy().astype("datetime64[D]")),
                "unit": _take(self.unit_zh, df["unit"].to_numpy()),
                "channel": _take(CHANNELS, df["channel"].to_numpy()),
                "region": _take(REGIONS, df["region"].to_numpy()),
                "segment": _take(SEGMENTS, df["segment"].to_numpy()),
            }
            for s in _SCORE_COLUMNS:
                v = df[s].to_numpy()
                cols[s] = pa.array(np.where(v < 0, 0, v).astype(np.int8), mask=v < 0)
            cols["comment"] = _take(COMMENT_TEXTS, df["comment"].to_numpy())
            table = pa.table(cols, schema=_RESPONSES_SCHEMA)
            if q == 0:
                table = self._plant_responses(table)
            offset += table.num_rows
            yield table

    def _plant_responses(self, table: pa.Table) -> pa.Table:
        """Spoil a few rows of the first chunk (typed data: only value-level problems)."""
        rng = self.world.rng(20, 0)
        n = table.num_rows
        planter = _Planter(rng, n)
        cols = {name: table.column(name).combine_chunks() for name in table.column_names}

        def set_values(name: str, rows: np.ndarray, value: object) -> None:
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            kind = _RESPONSES_SCHEMA.field(name).type
            cols[name] = pc.replace_with_mask(
                cols[name], pa.array(mask), pa.array([value] * len(rows), type=kind)
            )

        for name, value, text, reason in (
            ("csat", 11, "11", "out_of_range"),
            ("ltr", -1, "-1", "out_of_range"),
            ("unit", "测试部门", "测试部门", "unknown_unit"),
            ("date", datetime(1899, 12, 31).date(), "1899-12-31", "implausible_date"),
            ("response_id", None, "", "missing_required"),
        ):
            rows = planter.take(3)
            set_values(name, rows, value)
            for r in rows.tolist():
                self._issue("responses", r, name, text, reason)
        # duplicates: the row right after an original gets its id (a key duplicate)
        src = planter.take(3, np.arange(n) < n - 1)
        src = src[~np.isin(src + 1, np.flatnonzero(~planter.free))]
        planter.free[src + 1] = False
        originals = pc.take(cols["response_id"], pa.array(src)).to_pylist()
        mask = np.zeros(n, dtype=bool)
        mask[src + 1] = True
        cols["response_id"] = pc.replace_with_mask(
            cols["response_id"], pa.array(mask), pa.array(originals, type=pa.string())
        )
        for r, rid in zip(src.tolist(), originals, strict=True):
            self._issue("responses", r + 1, "response_id", str(rid), "duplicate_key")
        return pa.table(cols, schema=_RESPONSES_SCHEMA)

    def _orders(self) -> Iterator[pa.Table]:
        offset = 0
        for q in range(N_QUARTERS):
            df = self.world.orders(q)
            n = len(df)
            amount = df["amount"].to_numpy()
            mask = np.zeros(n, dtype=bool)
            if q == 0:
                bad = _Planter(self.world.rng(22), n).take(3)
                mask[bad] = True
                for r in bad.tolist():
                    self._issue("orders", offset + r, "amount", "", "missing_required")
            yield pa.table(
                {
                    "order_id": _ids("SO", offset + 1, n, 9),
                    "customer_id": _take(self.cust_ids, df["cust"].to_numpy()),
                    "date": _ts_array(df["ts"].to_numpy()),
                    "unit": _take(self.unit_zh, df["unit"].to_numpy()),
                    "amount": pa.array(amount, mask=mask),
                    "product": _take(self.world.company.products, df["product"].to_numpy()),
                },
                schema=_ORDERS_SCHEMA,
            )
            offset += n

    def _tickets(self) -> Iterator[pa.Table]:
        offset = 0
        for q in range(N_QUARTERS):
            df = self.world.tickets(q)
            n = len(df)
            opened = df["opened"].to_numpy()
            resolved = df["resolved"].to_numpy().copy()
            unit = _take(self.unit_zh, df["unit"].to_numpy())
            if q == 0:
                rng = self.world.rng(23)
                planter = _Planter(rng, n)
                neg = planter.take(2, resolved >= 0)
                resolved[neg] = opened[neg] - 7200
                for r in neg.tolist():
                    self._issue(
                        "tickets",
                        offset + r,
                        "resolved_at",
                        str(_fmt_ts(resolved[[r]])[0]),
                        "negative_duration",
                    )
                bad = planter.take(2)
                unit_np = _text(unit)
                unit_np[bad] = "测试部门"
                unit = pa.array(unit_np, type=pa.string())
                for r in bad.tolist():
                    self._issue("tickets", offset + r, "unit", "测试部门", "unknown_unit")
            yield pa.table(
                {
                    "ticket_id": _ids("TK", offset + 1, n, 8),
                    "customer_id": _take(self.cust_ids, df["cust"].to_numpy()),
                    "unit": unit,
                    "channel": _take(CHANNELS, df["channel"].to_numpy()),
                    "opened_at": _ts_array(opened),
                    "first_response_at": _ts_array(df["first"].to_numpy()),
                    "resolved_at": _ts_array(resolved),
                    "contacts": pa.array(df["contacts"].to_numpy().astype(np.int16)),
                    "complaint": pa.array(df["complaint"].to_numpy()),
                    "category": _take(CATEGORIES, df["category"].to_numpy()),
                },
                schema=_TICKETS_SCHEMA,
            )  # fmt: skip
            offset += n


# -- the config --------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _config_yaml(layout: Layout, files: dict[str, str], company: _Company | None = None) -> str:
    """The commented ``reportgen.yaml`` describing the generated files."""
    messy = layout == "messy"
    out: list[str] = []
    add = out.append
    add("# reportgen configuration, written by reportgen.sample_data for SYNTHETIC demo data.")
    add("# 报告配置文件（由示例数据生成器生成）：可以复制后改成你自己的数据。")
    add("#")
    add("# Relative paths are resolved against the folder of this file, so the config and its")
    add("# data can be moved together. Unknown keys are errors, so typos are caught early.")
    add("# 相对路径以本文件所在目录为准；未知的键会直接报错。")
    add("")
    add("version: 1")
    add("")
    add("# -- report: the cover of every deck / 报告封面 ----------------------------------")
    add("report:")
    add("  title:")
    add(f"    en: {_q('Customer Satisfaction & Loyalty Report')}")
    add(f"    zh-CN: {_q('客户满意度与忠诚度报告')}")
    add("  presenter:               # shown on the cover, per language / 汇报人（按语言）")
    add(f"    en: {_q('Customer Experience · CX Insights')}")
    add(f"    zh-CN: {_q('客户体验部')}")
    add("  language: zh-CN          # zh-CN (简体中文) or en")
    add("  output_dir: out          # decks, workbooks and the run manifest go here / 输出目录")
    add("")
    add("# -- periods: how dates become quarters / 报告期 -----------------------------------")
    add("periods:")
    add("  fiscal_year_start_month: 1   # 1 = calendar year / 财年从 1 月开始")
    add("  default: latest              # 'latest' = last quarter with data (here 2026Q3)")
    add("  trend_periods: 8             # quarters shown in trend charts / 趋势图季度数")
    add('  plausible_from: "2010-01-01" # dates outside this window are quarantined')
    add('  plausible_to: "2030-12-31"   # 超出该范围的日期视为不合理并隔离')
    add("")
    add("# -- statistics: significance and small samples / 显著性检验与最小样本量 ------------")
    add("statistics:")
    add("  confidence: 0.95   # for margins of error / 置信水平")
    add("  alpha: 0.05        # a change is 'significant' when p < alpha / 显著性水平")
    add("  min_n: 30          # cells with fewer responses are flagged, not tested / 最小样本量")
    add("  flat_threshold: 0.0")
    add("")
    add("# -- units: business units / 事业部 -------------------------------------------------")
    add("# id is the stable key used on the command line (--unit hotel). names are the display")
    add("# names; aliases are other spellings found in the data (matched ignoring case).")
    add("# owners receive their unit's summary by e-mail (`reportgen send`). benchmark_scope:")
    add("# the benchmark scope compared with first (else each KPI's first listed benchmark).")
    add("# id 为命令行使用的固定标识；aliases 为数据中出现的其他写法；owners 为邮件收件人；")
    add("# benchmark_scope 为优先对比的基准范围（如所属行业），否则用各指标列出的第一个基准。")
    add("units:")
    for u in (company or _Company.of(_N_UNITS)).units:
        add(f"  - id: {u.id}")
        add(f"    names: {{en: {_q(u.en)}, zh-CN: {_q(u.zh)}}}")
        add(f"    aliases: {_flow(u.aliases)}")
        add(f"    owners: {_flow(u.owners)}")
        if u.id in _BENCHMARK_SCOPES:
            add(f"    benchmark_scope: {_BENCHMARK_SCOPES[u.id]}")
    add("")
    add("# -- attributes: touchpoint ratings of the survey / 服务要素评分 ----------------------")
    add("# Their ids are the canonical column names used under sources.responses.columns.")
    add("attributes:")
    for aid, en, zh in ATTRIBUTES:
        add(f"  - id: {aid}")
        add(f"    names: {{en: {_q(en)}, zh-CN: {_q(zh)}}}")
    add("")
    add("# -- dimensions: what KPIs can be broken down by / 分析维度 --------------------------")
    add("dimensions: [segment, region, channel, industry, product, category]")
    add("# how dimension values are shown per language in decks and workbooks; a value not")
    add("# listed is shown as the data spell it (results files keep the data's values)")
    add("# 维度取值在报告中的显示名（按语言）；未列出的取值按数据原样显示")
    add("value_labels:")
    for dim, labels in VALUE_LABELS_EN.items():
        add(f"  {dim}:")
        for value, en in labels.items():
            add(f"    {_q(value)}: {{en: {_q(en)}}}")
    add("")
    add("# -- kpis: which KPIs and their parameters / 指标设置 --------------------------------")
    add("kpis:")
    add("  select: all       # or a list such as [csat, nps, fcr]")
    add("  top_box: 2        # CSAT = share of the top 2 boxes (4-5 on 1-5) / 满意度取前两档")
    add("  # Composite satisfaction index (CSI): weighted mean of attribute scores. The weights")
    add("  # are relative (divided by their sum); these are the common defaults, which add up")
    add("  # to 95 %. 综合满意度指数权重（相对权重，按总和归一化）。")
    weights = ", ".join(f"{k}: {v:.2f}" for k, v in _CSI_DEFAULT_WEIGHTS.items())
    add(f"  csi_weights: {{{weights}}}")
    add("  # repurchase_window_days: 90   # unset = 'bought more than once within the period'")
    add("  clv_relationship_years: 3.0   # simple CLV = annual revenue per customer x years")
    add("")
    add("# -- email: `reportgen send` mails each unit's owners their workbook / 邮件发送 -----")
    add("# Credentials are never written here: they are read from the environment variables")
    add("# named below. Certificates are verified (ca_bundle: for an internal CA).")
    add("# 账号密码只从环境变量读取；证书始终校验。`send --dry-run DIR` 只写出 .eml 文件。")
    add("email:")
    add('  from: "CX Insights <cx-insights@example.com>"')
    add("  smtp:")
    add("    host: smtp.example.com")
    add("    port: 587")
    add("    security: starttls      # starttls | ssl")
    add("    username_env: REPORTGEN_SMTP_USER")
    add("    password_env: REPORTGEN_SMTP_PASSWORD")
    add("  kpis: [csat, nps, csi, churn_rate, repurchase_rate, fcr]")
    add("  max_attachment_mb: 10")
    add("")
    add("# -- sources: where each canonical table comes from / 数据来源 -----------------------")
    add("# columns maps CANONICAL name -> column header AS WRITTEN in the file (字段映射：")
    add("# 左边为标准字段名，右边为文件中的列名). scales declare how each score is coded.")
    add("sources:")
    _source_responses(add, files["responses"], messy)
    _source_customers(add, files["customers"], messy)
    _source_orders(add, files["orders"], messy)
    _source_tickets(add, files["tickets"], messy)
    add("  # Planning sheet: one target per unit (Chinese name, or 'all') x quarter x KPI.")
    add("  # Ratios are fractions (0.85 = 85 %), NPS in points, first response in hours.")
    add("  targets:")
    add(f"    path: {files['targets']}")
    add("    format: csv")
    add("    encoding: utf-8")
    add("    columns: {unit: unit, period: period, kpi: kpi, target: target}")
    add("  # Market benchmarks per KPI and scope (global, China, an industry) / 行业基准")
    add("  benchmarks:")
    add(f"    path: {files['benchmarks']}")
    add("    format: csv")
    add("    encoding: utf-8")
    add("    columns: {kpi: kpi, scope: scope, value: value, source: source}")
    return "\n".join(out) + "\n"


def _scales(add: Callable[[str], None], messy: bool) -> None:
    add("    # Scales / 量表: min-max of the answers as coded in this file.")
    add("    scales:")
    add("      csat:   # 总体满意度 1-5; text labels are mapped onto the numbers")
    add("        min: 1")
    add("        max: 5")
    if messy:
        labels = ", ".join(f"{_q(k)}: {v}" for k, v in CSAT_LABELS.items())
        add(f"        labels: {{{labels}}}")
    add(
        "      ltr: {min: 0, max: 10}    # 推荐意愿 0-10; '9分' and full-width digits"
        " are normalised"
    )
    add("      effort:                   # 费力程度 1-7, REVERSED: 1 = very little effort = best")
    add("        min: 1")
    add("        max: 7")
    add("        reversed: true")
    add("      # attribute ratings 1-5; 99 means 不适用 (not applicable): missing, never averaged")
    for aid, _en, _zh in ATTRIBUTES:
        add(f"      {aid}: {{min: 1, max: 5, na_codes: [{_NA_CODE}]}}")
    add("      trust: {min: 1, max: 5}")
    add("      repurchase_intent: {min: 1, max: 5}")


def _source_responses(add: Callable[[str], None], path: str, messy: bool) -> None:
    add("  # Survey platform export / 问卷平台导出")
    add("  responses:")
    add(f"    path: {path}")
    if messy:
        add("    format: csv")
        add("    encoding: gb18030      # Chinese Windows export; NOT UTF-8")
        add('    delimiter: ","')
    else:
        add("    format: parquet")
    add("    columns:")
    for canonical, source in _SURVEY_COLUMNS.items():
        add(f"      {canonical}: {_q(source if messy else canonical)}")
    _scales(add, messy)
    add("    dates:")
    add("      # dayfirst is deliberately NOT set: a date such as 05/03/2025 is ambiguous")
    add(
        "      # (5 March or 3 May?) and is quarantined instead of guessed."
        " 日/月顺序不明确的日期将被隔离。"
    )
    add("      excel_epoch: 1900")
    if messy:
        add(
            "    # '无' (none) and 'NA' mean missing in non-text columns;"
            " in comments they stay text."
        )
        na = ("", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "None", "-", "无")
        add(f"    na_values: {_flow(na)}")


def _source_customers(add: Callable[[str], None], path: str, messy: bool) -> None:
    add("  # CRM export / 客户关系管理系统导出")
    add("  customers:")
    add(f"    path: {path}")
    if messy:
        add("    format: xlsx")
        add("    sheet: 客户          # the first sheet (说明) only holds notes")
        add("    header_row: 3        # two title lines above the header / 表头在第 3 行")
    else:
        add("    format: parquet")
    add("    columns:")
    for canonical, source in _CRM_COLUMNS.items():
        add(f"      {canonical}: {_q(source if messy else canonical)}")
    if messy:
        add("    # join dates are partly Excel serial numbers in a plain numeric column")


def _source_orders(add: Callable[[str], None], path: str, messy: bool) -> None:
    add("  # Order system / 订单系统 (amounts in CNY; no refunds in this demo set)")
    add("  orders:")
    add(f"    path: {path}")
    add("    format: parquet")
    add("    columns:")
    for canonical, source in _ORDER_COLUMNS.items():
        add(f"      {canonical}: {_q(source if messy else canonical)}")


def _source_tickets(add: Callable[[str], None], path: str, messy: bool) -> None:
    add("  # Help desk / 客服工单系统")
    add("  tickets:")
    add(f"    path: {path}")
    if messy:
        add("    format: csv")
        add("    encoding: utf-8-sig    # UTF-8 with a byte-order mark")
    else:
        add("    format: parquet")
    add("    columns:")
    for canonical, source in _TICKET_COLUMNS.items():
        add(f"      {canonical}: {_q(source if messy else canonical)}")
    if messy:
        add("    # Complaint is written as 是/否 (yes/no)")
        add(f"    true_values: {_flow(('是', 'Y', 'yes', 'true', '1'))}")
        add(f"    false_values: {_flow(('否', 'N', 'no', 'false', '0'))}")
