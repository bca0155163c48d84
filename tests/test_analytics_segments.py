"""Tests for reportgen.analytics.segments against hand-computed answers."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from reportgen import stats
from reportgen.analytics import segments as seg

AS_OF = date(2024, 12, 31)  # window of 365 days: (2024-01-01, 2024-12-31]


def _orders(rows: list[tuple[str, date, float]], *, as_datetime64: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["unit"] = "alpha"
    if as_datetime64:
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame


SIX = [
    ("a", date(2024, 12, 1), 100.0),
    ("a", date(2024, 6, 1), 50.0),
    ("b", date(2024, 11, 1), 20.0),
    ("c", date(2024, 12, 20), 300.0),
    ("c", date(2024, 10, 1), 200.0),
    ("c", date(2024, 3, 1), 100.0),
    ("d", date(2023, 5, 1), 500.0),  # before the window: recency only
    ("e", date(2024, 12, 30), 10.0),
    ("f", date(2024, 9, 1), 40.0),
    ("f", date(2024, 8, 1), 40.0),
    ("f", date(2025, 1, 5), 999.0),  # after as_of: ignored
]


# --- RFM ---------------------------------------------------------------------------------


@pytest.mark.parametrize("as_datetime64", [False, True])
def test_rfm_scores_on_six_customers_by_hand(as_datetime64: bool) -> None:
    # recency: e 1, c 11, a 30, b 60, f 121, d 610 (2023-05-01 -> 2024-12-31)
    # frequency in window: d 0, b 1, e 1, a 2, f 2, c 3
    # monetary in window:  d 0, e 10, b 20, f 80, a 150, c 600
    # score = ceil(5 * (midrank - 0.5) / 6):
    #   midranks 1..6 -> 0.42, 1.25, 2.08, 2.92, 3.75, 4.58 -> 1, 2, 3, 3, 4, 5
    #   F ties: b, e midrank 2.5 -> 1.67 -> 2; a, f midrank 4.5 -> 3.33 -> 4
    # segments (FM = round_half_up((F + M) / 2)):
    #   a R3 F4 M4 FM4 loyal; b R3 F2 M3 FM3 need_attention; c R4 F5 M5 FM5 loyal
    #   d R1 F1 M1 lost; e R5 F2 M2 FM2 potential_loyalist; f R2 F4 M3 FM4 at_risk
    out = seg.rfm_scores(_orders(SIX, as_datetime64=as_datetime64), AS_OF)
    expected = pd.DataFrame(
        {
            "recency_days": [30, 60, 11, 610, 1, 121],
            "frequency": [2, 1, 3, 0, 1, 2],
            "monetary": [150.0, 20.0, 600.0, 0.0, 10.0, 80.0],
            "r_score": [3, 3, 4, 1, 5, 2],
            "f_score": [4, 2, 5, 1, 2, 4],
            "m_score": [4, 3, 5, 1, 2, 3],
            "rfm_segment": [
                "loyal",
                "need_attention",
                "loyal",
                "lost",
                "potential_loyalist",
                "at_risk",
            ],
        },
        index=pd.Index(list("abcdef"), name="customer_id"),
    )
    assert out.index.tolist() == list("abcdef")
    for col in expected.columns:
        assert out[col].tolist() == expected[col].tolist(), col


def test_rfm_without_window_uses_all_history() -> None:
    out = seg.rfm_scores(_orders(SIX), AS_OF, window_days=None)
    assert out.loc["d", "frequency"] == 1
    assert out.loc["d", "monetary"] == 500.0
    assert out.loc["f", "frequency"] == 2  # the 2025 order is still after as_of


def test_rfm_heavy_ties_do_not_crash_and_share_scores() -> None:
    # 70 customers with 1 order, 20 with 2, 10 with 3 (pd.qcut would fail on duplicate edges).
    # F midranks: 35.5, 80.5, 95.5 -> 5 * (r - 0.5) / 100 = 1.75, 4.0, 4.75 -> 2, 4, 5
    rows = []
    for i in range(100):
        n = 1 if i < 70 else 2 if i < 90 else 3
        rows += [(f"c{i:03d}", date(2024, 12, 1), 10.0)] * n
    out = seg.rfm_scores(_orders(rows), AS_OF)
    f_by_frequency = out.groupby("frequency")["f_score"].unique().to_dict()
    assert {k: list(v) for k, v in f_by_frequency.items()} == {1: [2], 2: [4], 3: [5]}
    # every customer ordered on the same day: one tie group -> middle score
    assert set(out["r_score"]) == {3}


def test_rank_scores_exact_quintiles_and_symmetry() -> None:
    values = pd.Series(range(10))
    assert seg.rank_scores(values, 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    reversed_scores = seg.rank_scores(values, 5, higher_is_better=False)
    assert reversed_scores.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert seg.rank_scores(pd.Series([7.0]), 5).tolist() == [3]
    assert seg.rank_scores(pd.Series([1.0, None, 3.0]), 4).tolist()[1] is pd.NA


def test_rfm_bins_are_configurable() -> None:
    out = seg.rfm_scores(_orders(SIX), AS_OF, bins=3)
    # M: ceil(3 * (r - 0.5) / 6) for r = 1..6 -> 1, 1, 2, 2, 3, 3 (d, e, b, f, a, c)
    assert out["m_score"].to_dict() == {"a": 3, "b": 2, "c": 3, "d": 1, "e": 1, "f": 2}
    assert set(out["rfm_segment"]) <= set(seg.RFM_SEGMENTS)


def test_rfm_rejects_bad_bins() -> None:
    with pytest.raises(ValueError, match="bins must be an integer >= 2, got 1"):
        seg.rfm_scores(_orders(SIX), AS_OF, bins=1)


# --- RFM segment table -------------------------------------------------------------------


def test_rule_table_tiles_the_grid_exactly_once() -> None:
    for r in range(1, 6):
        for fm in range(1, 6):
            hits = [
                name
                for name, (r0, r1), (f0, f1) in seg.RFM_RULES
                if r0 <= r <= r1 and f0 <= fm <= f1
            ]
            assert len(hits) == 1, (r, fm, hits)
    assert {name for name, _, _ in seg.RFM_RULES} == set(seg.RFM_SEGMENTS)


@pytest.mark.parametrize(
    ("r", "f", "m", "expected"),
    [
        (5, 5, 5, "champions"),
        (5, 4, 3, "champions"),  # FM = round_half_up(3.5) = 4
        (5, 1, 1, "new"),
        (5, 1, 2, "potential_loyalist"),  # FM 1.5 -> 2
        (4, 1, 1, "promising"),
        (4, 3, 2, "potential_loyalist"),
        (4, 5, 4, "loyal"),
        (3, 4, 4, "loyal"),
        (3, 3, 3, "need_attention"),
        (3, 2, 1, "about_to_sleep"),
        (2, 5, 5, "cant_lose"),
        (1, 5, 4, "cant_lose"),  # FM 4.5 -> 5
        (2, 4, 3, "at_risk"),
        (1, 3, 3, "at_risk"),
        (2, 1, 1, "hibernating"),
        (1, 2, 2, "hibernating"),
        (1, 1, 1, "lost"),
    ],
)
def test_rfm_segment_table(r: int, f: int, m: int, expected: str) -> None:
    assert seg.rfm_segment(r, f, m) == expected


def test_rfm_segment_rescales_other_bins() -> None:
    # bins 3: 1 -> 1, 2 -> 3, 3 -> 5
    assert seg.rfm_segment(3, 3, 3, bins=3) == "champions"
    assert seg.rfm_segment(2, 2, 2, bins=3) == "need_attention"
    assert seg.rfm_segment(1, 1, 1, bins=3) == "lost"
    assert seg.rfm_segment(10, 1, 1, bins=10) == "new"


def test_rfm_segment_rejects_out_of_range_scores() -> None:
    with pytest.raises(ValueError, match=r"f score must be an integer in 1\.\.5, got 6"):
        seg.rfm_segment(1, 6, 1)


# --- lifecycle ---------------------------------------------------------------------------

Q4 = (date(2024, 10, 1), date(2024, 12, 31))  # 92 days; previous: 2024-07-01 .. 2024-09-30


def _customers(rows: list[tuple[str, date, date | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "join_date", "churn_date"])
    frame["unit"] = "alpha"
    return frame


def test_lifecycle_every_stage_by_hand() -> None:
    old = date(2020, 1, 1)
    customers = _customers(
        [
            ("churn_flag", old, date(2024, 11, 15)),
            ("lapsed", old, None),
            ("new_join", date(2024, 11, 1), None),
            ("new_order", date(2022, 1, 1), None),
            ("grow", old, None),
            ("decline", old, None),
            ("steady", old, None),
            ("edge", old, None),
            ("quiet", old, None),
            ("young", date(2024, 6, 1), None),
            ("multi", old, date(2024, 12, 1)),  # churned in one unit only
            ("multi", old, None),
            ("future", date(2025, 2, 1), None),
        ]
    )
    orders = _orders(
        [
            ("churn_flag", date(2024, 10, 5), 500.0),
            ("lapsed", date(2023, 10, 1), 80.0),  # <= 2024-01-01 = end - 365 days
            ("new_order", date(2024, 10, 10), 50.0),
            ("grow", date(2024, 8, 1), 100.0),
            ("grow", date(2024, 11, 1), 130.0),  # +30%
            ("decline", date(2024, 8, 1), 100.0),
            ("decline", date(2024, 11, 1), 70.0),  # -30%
            ("steady", date(2024, 7, 1), 100.0),
            ("steady", date(2024, 12, 31), 110.0),  # +10%
            ("edge", date(2024, 9, 30), 100.0),
            ("edge", date(2024, 10, 1), 120.0),  # exactly +20%: not above the threshold
            ("edge", date(2025, 1, 2), 900.0),  # after the period: ignored
            ("quiet", date(2024, 3, 1), 40.0),  # active, no spend in either period
            ("multi", date(2024, 8, 1), 100.0),
            ("multi", date(2024, 11, 1), 100.0),
            ("stranger", date(2024, 11, 1), 100.0),  # not in customers: ignored
        ]
    )
    out = seg.lifecycle_stage(orders, customers, *Q4)
    assert out.name == "lifecycle_stage"
    assert out.to_dict() == {
        "churn_flag": "churned",
        "lapsed": "churned",
        "new_join": "new",
        "new_order": "new",
        "grow": "growing",
        "decline": "declining",
        "steady": "mature",
        "edge": "mature",
        "quiet": "mature",
        "young": "mature",  # joined 7 months ago, no orders yet: not lapsed
        "multi": "mature",
    }
    assert set(out) <= set(seg.LIFECYCLE_STAGES)


def test_lifecycle_threshold_and_inactivity_are_parameters() -> None:
    customers = _customers([("x", date(2020, 1, 1), None)])
    orders = _orders([("x", date(2024, 8, 1), 100.0), ("x", date(2024, 11, 1), 115.0)])
    assert seg.lifecycle_stage(orders, customers, *Q4)["x"] == "mature"
    assert seg.lifecycle_stage(orders, customers, *Q4, change_threshold=0.1)["x"] == "growing"
    assert seg.lifecycle_stage(orders, customers, *Q4, inactive_days=30)["x"] == "churned"


def test_lifecycle_rejects_reversed_period() -> None:
    with pytest.raises(ValueError, match="before period_start"):
        seg.lifecycle_stage(_orders(SIX), _customers([]), Q4[1], Q4[0])


# --- segment profile ---------------------------------------------------------------------


def _profile_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", "E"],
            "rfm_segment": ["champions", "champions", "lost", "lost", None],
            "churn_date": [None, None, date(2024, 11, 1), date(2024, 5, 1), None],
        }
    )
    responses = pd.DataFrame(
        [
            ("A", date(2024, 10, 2), 5, 10),
            ("A", date(2024, 12, 2), 4, 9),
            ("B", date(2024, 11, 2), 3, 6),
            ("C", date(2024, 10, 9), 2, 7),
            ("D", date(2024, 10, 9), None, 0),
            ("A", date(2024, 9, 30), 1, 0),  # before the period
            ("Z", date(2024, 10, 9), 1, 0),  # not a profiled customer
        ],
        columns=["customer_id", "date", "csat", "ltr"],
    )
    orders = _orders(
        [
            ("A", date(2024, 10, 1), 100.0),
            ("B", date(2024, 12, 31), 300.0),
            ("C", date(2024, 10, 15), 50.0),
            ("E", date(2024, 11, 15), 50.0),
            ("B", date(2025, 1, 1), 1000.0),  # after the period
            ("Z", date(2024, 11, 1), 1000.0),  # not profiled
        ]
    )
    return frame, responses, orders


def test_segment_profile_by_hand() -> None:
    frame, responses, orders = _profile_inputs()
    out = seg.segment_profile(
        frame, responses, orders, period_start=Q4[0], period_end=Q4[1]
    ).set_index("rfm_segment")
    assert out.index.tolist() == ["champions", "lost", seg.UNASSIGNED]
    assert out["customers"].tolist() == [2, 2, 1]
    assert out["share"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert out["revenue"].tolist() == [400.0, 50.0, 50.0]
    assert out["revenue_share"].tolist() == pytest.approx([0.8, 0.1, 0.1])
    # champions: csat 5, 4, 3 -> 4.0; ltr 10, 9, 6 -> 2 promoters, 1 detractor of 3 -> +33.3
    # lost: csat 2 (n 1); ltr 7, 0 -> 0 promoters, 1 detractor of 2 -> -50
    assert out["csat_mean"].tolist()[:2] == pytest.approx([4.0, 2.0])
    assert out["csat_n"].tolist() == [3, 1, 0]
    assert out["nps"].tolist()[:2] == pytest.approx([100 / 3, -50.0])
    assert out["nps_n"].tolist() == [3, 2, 0]
    assert out.loc["champions", "nps_moe"] == pytest.approx(
        stats.nps_estimate(2, 0, 1).margin_of_error
    )
    assert math.isnan(out.loc[seg.UNASSIGNED, "nps"])
    # churn: C lost in the period (1 of 1 active at start); D had left before it
    assert out["churned"].tolist() == [0, 1, 0]
    assert out["churn_n"].tolist() == [2, 1, 1]
    assert out["churn_rate"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert list(out.columns) == list(seg.PROFILE_COLUMNS)


def test_segment_profile_accepts_index_ids_and_other_dimensions() -> None:
    frame, responses, orders = _profile_inputs()
    frame = frame.assign(region=["north", "south", "south", "south", "north"])
    out = seg.segment_profile(
        frame.set_index("customer_id"), responses, orders, by="region"
    ).set_index("region")
    assert out.index.tolist() == ["south", "north"]  # larger first
    assert out["revenue"].to_dict() == {"south": 1350.0, "north": 150.0}


def test_segment_profile_errors_quote_the_problem() -> None:
    frame, responses, orders = _profile_inputs()
    with pytest.raises(ValueError, match="segment column 'tier' is not in customers_frame"):
        seg.segment_profile(frame, responses, orders, by="tier")
    doubled = pd.concat([frame, frame.head(1)])
    with pytest.raises(ValueError, match=r"repeated customer_id: \['A'\]"):
        seg.segment_profile(doubled, responses, orders)


def test_profile_of_rfm_output_end_to_end() -> None:
    scores = seg.rfm_scores(_orders(SIX), AS_OF)
    responses = pd.DataFrame(
        {"customer_id": ["a", "c"], "date": [AS_OF, AS_OF], "csat": [5, 4], "ltr": [10, 3]}
    )
    out = seg.segment_profile(scores, responses, _orders(SIX), period_end=AS_OF)
    expected = ["loyal", "potential_loyalist", "need_attention", "at_risk", "lost"]
    assert out["rfm_segment"].tolist() == expected
    assert out.set_index("rfm_segment").loc["loyal", "nps"] == pytest.approx(0.0)
    assert math.isnan(out["churn_rate"].iloc[0])  # no churn_date column


# --- k-means -----------------------------------------------------------------------------


def _planted_clusters(per_cluster: int = 150, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = [(10.0, 20.0, 5000.0), (200.0, 2.0, 100.0), (500.0, 8.0, 800.0)]
    parts, truth = [], []
    for i, (recency, frequency, monetary) in enumerate(centres):
        parts.append(
            pd.DataFrame(
                {
                    "recency_days": rng.normal(recency, recency * 0.05, per_cluster),
                    "frequency": rng.normal(frequency, frequency * 0.05, per_cluster).clip(1),
                    "monetary": rng.normal(monetary, monetary * 0.05, per_cluster),
                }
            )
        )
        truth += [i] * per_cluster
    frame = pd.concat(parts, ignore_index=True)
    frame.index = pd.Index([f"c{i:04d}" for i in range(len(frame))], name="customer_id")
    return frame, np.array(truth)


def test_kmeans_recovers_three_planted_clusters() -> None:
    features, truth = _planted_clusters()
    result = seg.kmeans_segments(features)
    assert result.reason is None
    assert result.k == 3
    assert result.silhouette == max(result.silhouette_by_k.values())
    assert sorted(result.silhouette_by_k) == [2, 3, 4, 5, 6]
    assert result.sizes.tolist() == [150, 150, 150]
    labels = result.labels.to_numpy(dtype=int)
    for group in range(3):
        assert len(set(labels[truth == group])) == 1  # each planted group is one cluster
    assert len(set(labels)) == 3
    # centres in original units: recency ~ 10 / 200 / 500 days
    assert sorted(result.centres["recency_days"].round(-1)) == [10.0, 200.0, 500.0]
    assert sorted(result.centres["monetary"].round(-2)) == [100.0, 800.0, 5000.0]
    assert result.n_fit == result.n_silhouette == 450


def test_kmeans_samples_deterministically_for_silhouette() -> None:
    features, _ = _planted_clusters()
    first = seg.kmeans_segments(features, max_silhouette_rows=120, random_state=3)
    again = seg.kmeans_segments(features, max_silhouette_rows=120, random_state=3)
    assert first.n_silhouette == 120
    assert first.k == 3
    assert first.silhouette_by_k == again.silhouette_by_k
    assert first.labels.equals(again.labels)


def test_kmeans_rows_with_missing_values_are_excluded() -> None:
    features, _ = _planted_clusters(per_cluster=30)
    features.iloc[0, 1] = np.nan
    result = seg.kmeans_segments(features.reset_index())
    assert result.n_excluded == 1
    assert result.labels.isna().sum() == 1
    assert result.sizes.sum() == 89


def test_kmeans_too_few_rows_gives_a_reason() -> None:
    features, _ = _planted_clusters(per_cluster=1)
    result = seg.kmeans_segments(features, k_range=range(3, 5))
    assert result.k == 0
    assert result.reason is not None and "too few" in result.reason


def test_silhouettes_match_rousseeuw_by_hand_and_sklearn() -> None:
    # Hand-computed (Rousseeuw 1987) on the line 0, 1, 4, 5 with clusters {0,1}, {4,5}:
    # point 0: a = 1, b = mean(4, 5) = 4.5, s = 3.5/4.5; point 1: a = 1, b = 3.5,
    # s = 2.5/3.5; symmetric for the other two. A singleton scores 0.
    x = np.array([[0.0], [1.0], [4.0], [5.0]])
    want = (3.5 / 4.5 + 2.5 / 3.5) / 2
    got = seg.silhouettes(x, {2: np.array([0, 0, 1, 1]), 3: np.array([0, 0, 1, 2])})
    assert got[2] == pytest.approx(want, rel=1e-12)
    # {0,1}, {4}, {5}: point 0: a 1, b min(4, 5) = 4 → 3/4; point 1: a 1, b 3 → 2/3
    assert got[3] == pytest.approx((3 / 4 + 2 / 3) / 4, rel=1e-12)
    assert math.isnan(seg.silhouettes(x, {1: np.zeros(4, int)})[1])

    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(5)
    pts = rng.normal(size=(1_250, 3)) + np.repeat(np.eye(3) * 4, [400, 450, 400], axis=0)
    labelings = {k: rng.integers(0, k, len(pts)) for k in (2, 3, 5)}
    labelings[3] = np.repeat([0, 1, 2], [400, 450, 400])
    mine = seg.silhouettes(pts, labelings, chunk=300)  # blocks that do not divide n
    for k, labels in labelings.items():
        assert mine[k] == pytest.approx(silhouette_score(pts, labels), abs=1e-9)
