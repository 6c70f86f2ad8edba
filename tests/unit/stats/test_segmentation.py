"""Unit tests for campaignlab.stats.segmentation (and the figures in campaignlab.plots.segments)."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from pathlib import Path

import ibis
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pydantic  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from campaignlab.params import SegmentationConfig, validate_rfm_rules  # noqa: E402
from campaignlab.plots import segments as plotting  # noqa: E402
from campaignlab.plots import theme  # noqa: E402
from campaignlab.stats import segmentation as seg  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
DEFAULTS_YAML = ROOT / "params" / "defaults.yaml"
AS_OF = pd.Timestamp("2024-07-01")


def _tx(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_id": [r[1] for r in rows],
            "ts": pd.to_datetime([r[2] for r in rows], format="ISO8601"),
            "amount": [r[3] for r in rows],
        }
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load(DEFAULTS_YAML.read_text())["segmentation"]


@pytest.fixture(scope="module")
def config(defaults) -> SegmentationConfig:
    return SegmentationConfig.model_validate(defaults)


@pytest.fixture
def random_transactions() -> pd.DataFrame:
    rng = np.random.default_rng(sum(map(ord, "random_transactions")))
    rows = []
    for i in range(200):
        for j in range(int(rng.poisson(2.5))):
            day = pd.Timestamp("2023-07-01") + pd.Timedelta(minutes=int(rng.integers(0, 366 * 24 * 60)))
            rows.append((f"c{i:03d}", f"o{i:03d}-{j}", str(day), round(float(rng.gamma(2.0, 25.0)), 2)))
    return _tx(rows)


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def test_defaults_yaml_loads_into_config(config):
    assert config.lookback_days == 365
    assert config.lifecycle.sleeping_days == 90
    assert [r.name for r in config.rfm_rules][:2] == ["champions", "loyal_customers"]
    assert config.value_tiers.method == "share"
    assert config.clv.priors == "flat"


def test_config_rejects_unknown_keys(defaults):
    with pytest.raises(pydantic.ValidationError, match="extra"):
        SegmentationConfig.model_validate({**defaults, "lookback_dayz": 30})
    with pytest.raises(pydantic.ValidationError, match="extra"):
        SegmentationConfig.model_validate({**defaults, "lifecycle": {**defaults["lifecycle"], "dormant_days": 1}})


@pytest.mark.parametrize(
    "field", ["lookback_days", "rfm_rules", "value_tiers", "lifecycle", "clv", "holdout_share", "seed"]
)
def test_config_has_no_code_defaults_for_business_rules(defaults, field):
    data = {k: v for k, v in defaults.items() if k != field}
    with pytest.raises(pydantic.ValidationError, match=field):
        SegmentationConfig.model_validate(data)


def test_config_rejects_overlapping_rules(defaults):
    rules = [*defaults["rfm_rules"], {"name": "extra", "r": [5, 5], "f": [5, 5]}]
    with pytest.raises(pydantic.ValidationError, match=r"\(r=5, f=5\) by 'champions' and 'extra'"):
        SegmentationConfig.model_validate({**defaults, "rfm_rules": rules})


def test_config_rejects_bad_lifecycle_order(defaults):
    with pytest.raises(pydantic.ValidationError, match="sleeping_days < churned_days"):
        SegmentationConfig.model_validate(
            {**defaults, "lifecycle": {"new_days": 30, "sleeping_days": 200, "churned_days": 180}}
        )


# --------------------------------------------------------------------------------------
# Snapshot
# --------------------------------------------------------------------------------------


def test_snapshot_counts_orders_not_lines_and_sums_money_exactly():
    tx = _tx(
        [
            ("a", "o1", "2024-06-01 10:00", 0.1),
            ("a", "o1", "2024-06-01 10:00", 0.2),  # second line of the same order
            ("a", "o2", "2024-06-10 10:00", 0.7),
            ("a", "o2", "2024-06-10 10:00", 2.0000000001),  # float noise from an upstream computation
        ]
    )
    snap = seg.compute_customer_snapshot(tx, as_of=AS_OF, lookback_days=90)
    row = snap.iloc[0]
    assert row["frequency"] == 2
    # Each amount becomes decimal(18, 2) before summing: cents, exactly, with no float residue.
    assert row["monetary"] == 3.0
    assert list(snap.columns) == list(seg.SNAPSHOT_COLUMNS)


def test_snapshot_window_is_half_open():
    tx = _tx(
        [
            ("in_first_instant", "o1", "2024-04-02 00:00", 1.0),  # as_of - 90 days: included
            ("before_window", "o2", "2024-04-01 23:59", 1.0),
            ("at_as_of", "o3", "2024-07-01 00:00", 1.0),  # as_of itself: excluded
            ("last_instant", "o4", "2024-06-30 23:59", 1.0),
        ]
    )
    snap = seg.compute_customer_snapshot(tx, as_of=AS_OF, lookback_days=90)
    assert snap["customer_id"].tolist() == ["in_first_instant", "last_instant"]


def test_snapshot_day_arithmetic_and_btyd_columns():
    tx = _tx(
        [
            ("a", "o1", "2024-06-01 09:00", 10.0),
            ("a", "o2", "2024-06-01 18:00", 5.0),  # same day: same purchase occasion
            ("a", "o3", "2024-06-11 12:00", 20.0),
            ("a", "o4", "2024-06-21 12:00", 40.0),
        ]
    )
    row = seg.compute_customer_snapshot(tx, as_of=AS_OF, lookback_days=365).iloc[0]
    assert row["frequency"] == 4  # distinct orders
    assert row["frequency_repeat"] == 2  # distinct days minus the first
    assert row["recency_bgnbd"] == 20
    assert row["T"] == 30
    assert row["recency_days"] == 10
    assert row["monetary_repeat_mean"] == pytest.approx(30.0)  # (20 + 40) / 2, first day excluded
    assert row["first_order_ts"] == pd.Timestamp("2024-06-01 09:00")
    assert row["last_order_ts"] == pd.Timestamp("2024-06-21 12:00")


def test_snapshot_one_customer_one_order():
    snap = seg.compute_customer_snapshot(_tx([("solo", "o1", "2024-06-26 15:00", 12.5)]), as_of=AS_OF, lookback_days=30)
    assert len(snap) == 1
    row = snap.iloc[0]
    assert (row["frequency"], row["frequency_repeat"], row["recency_bgnbd"]) == (1, 0, 0)
    assert row["T"] == row["recency_days"] == 5
    assert np.isnan(row["monetary_repeat_mean"])


def test_snapshot_invariant_recency_equals_t_minus_recency(random_transactions):
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=365)
    assert len(snap) > 100
    assert (snap["recency_days"] == snap["T"] - snap["recency_bgnbd"]).all()
    assert (snap["frequency_repeat"] <= snap["frequency"] - 1).all()
    assert snap["customer_id"].is_monotonic_increasing


def test_snapshot_ibis_and_pandas_inputs_agree(random_transactions):
    from_pandas = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=180)
    from_ibis = seg.compute_customer_snapshot(ibis.memtable(random_transactions), as_of=AS_OF, lookback_days=180)
    pd.testing.assert_frame_equal(from_pandas, from_ibis)
    manual = random_transactions[random_transactions["ts"] >= AS_OF - pd.Timedelta(days=180)]
    assert from_pandas["monetary"].sum() == pytest.approx(manual["amount"].sum())


def test_snapshot_empty_lookback():
    tx = _tx([("a", "o1", "2020-01-01", 5.0)])
    snap = seg.compute_customer_snapshot(tx, as_of=AS_OF, lookback_days=30)
    assert snap.empty
    assert list(snap.columns) == list(seg.SNAPSHOT_COLUMNS)


def test_snapshot_names_missing_column():
    tx = _tx([("a", "o1", "2024-06-01", 5.0)]).drop(columns="order_id")
    message = r"Required column 'order_id' missing from transactions \(found: customer_id, ts, amount\)"
    with pytest.raises(ValueError, match=message):
        seg.compute_customer_snapshot(tx, as_of=AS_OF, lookback_days=30)


def test_snapshot_rejects_zoned_as_of():
    tx = _tx([("a", "o1", "2024-06-01", 5.0)])
    with pytest.raises(ValueError, match="without time zone"):
        seg.compute_customer_snapshot(tx, as_of=pd.Timestamp("2024-07-01", tz="UTC"), lookback_days=30)


# --------------------------------------------------------------------------------------
# RFM scores and segments
# --------------------------------------------------------------------------------------


def _snap(values: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": list(values),
            "recency_days": [v[0] for v in values.values()],
            "frequency": [v[1] for v in values.values()],
            "monetary": [v[2] for v in values.values()],
        }
    )


def test_rfm_scores_quintiles_and_direction():
    snap = _snap({f"c{i}": (i, 10 - i, 100.0 * (10 - i)) for i in range(10)})
    scores = seg.compute_rfm_scores(snap, snap["customer_id"])
    # c0 is the most recent, most frequent and biggest spender.
    assert scores["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["f_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["m_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["rfm_cell"].iloc[0] == "555"


def test_rfm_scores_all_tied_share_one_score():
    snap = _snap({f"c{i}": (7, 2, 50.0) for i in (9, 3, 0, 5, 1, 8, 2, 7, 4, 6)})
    scores = seg.compute_rfm_scores(snap, snap["customer_id"])
    assert scores["customer_id"].tolist() == [f"c{i}" for i in range(10)]
    for col in ("r_score", "f_score", "m_score"):
        # Everyone ties at the lowest rank: one score for all, whatever their ids.
        assert scores[col].tolist() == [1] * 10


def test_rfm_scores_ties_share_a_score(random_transactions):
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=365)
    scores = seg.compute_rfm_scores(snap, snap["customer_id"])
    assert snap["frequency"].duplicated().any() and snap["recency_days"].duplicated().any()  # the sample has ties
    for value, score in (("recency_days", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        assert (scores.groupby(value)[score].nunique() == 1).all(), f"tied {value} split over several {score}s"


def test_rfm_single_purchase_customers_share_the_lowest_frequency_score(random_transactions, config):
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=365)
    scores = seg.compute_rfm_segments(seg.compute_rfm_scores(snap, snap["customer_id"]), config.rfm_rules)
    once = scores[scores["frequency"] == 1]
    assert len(once) >= 20 and once["f_score"].unique().tolist() == [1]
    assert not once["segment"].isin(["champions", "loyal_customers", "cant_lose_them"]).any()


def test_rfm_scores_without_ties_are_quintiles():
    rng = np.random.default_rng(sum(map(ord, "no ties")))
    n = 200
    snap = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n)],
                         "recency_days": rng.permutation(n) + 1,
                         "frequency": rng.permutation(n) + 1,
                         "monetary": rng.permutation(n) * 1.5 + 0.25})
    scores = seg.compute_rfm_scores(snap, snap["customer_id"]).set_index("customer_id").loc[snap["customer_id"]]

    def quintile(values):
        return pd.qcut(values, 5, labels=False).to_numpy() + 1

    np.testing.assert_array_equal(scores["f_score"].to_numpy(int), quintile(snap["frequency"]))
    np.testing.assert_array_equal(scores["m_score"].to_numpy(int), quintile(snap["monetary"]))
    # Recency is reversed: the most recent fifth (fewest days) scores 5.
    np.testing.assert_array_equal(scores["r_score"].to_numpy(int), 6 - quintile(snap["recency_days"]))
    assert scores["f_score"].value_counts().tolist() == [40] * 5


def test_rfm_scores_by_hand_with_ties():
    # n = 8; score = 1 + floor(5 * (min_rank - 1) / 8), ranked worst to best.
    # frequency 1,1,1,2,2,3,5,8 -> min ranks 1,1,1,4,4,6,7,8 -> 1 + floor(0, 15/8, 25/8, 30/8, 35/8) = 1,2,4,4,5
    # recency (days) 3,3,10,10,10,40,90,90 -> worst first: 90,90 rank 1; 40 rank 3; 10 rank 4; 3 rank 7
    #   -> scores 1 + floor(0, 10/8, 15/8, 30/8) = 1, 2, 2, 4
    snap = _snap({
        "a": (3, 1, 10.0), "b": (3, 1, 20.0), "c": (10, 1, 30.0), "d": (10, 2, 40.0),
        "e": (10, 2, 50.0), "f": (40, 3, 60.0), "g": (90, 5, 70.0), "h": (90, 8, 80.0),
    })
    scores = seg.compute_rfm_scores(snap, snap["customer_id"])
    assert scores["f_score"].tolist() == [1, 1, 1, 2, 2, 4, 4, 5]
    assert scores["r_score"].tolist() == [4, 4, 2, 2, 2, 2, 1, 1]
    assert scores["m_score"].tolist() == [1, 1, 2, 2, 3, 4, 4, 5]  # no ties: 1 + floor(5 * (rank - 1) / 8)
    assert scores["rfm_cell"].tolist() == ["411", "411", "212", "222", "223", "244", "144", "155"]


def test_rfm_scores_do_not_depend_on_row_order(random_transactions):
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=365)
    ids = snap["customer_id"]
    shuffled = snap.sample(frac=1.0, random_state=sum(map(ord, "shuffle")))
    pd.testing.assert_frame_equal(seg.compute_rfm_scores(snap, ids), seg.compute_rfm_scores(shuffled, ids[::-1]))


def test_rfm_scores_single_customer():
    # A lone customer ties with itself at rank 1 of 1: 1 + floor(5 * 0 / 1) = 1.
    scores = seg.compute_rfm_scores(_snap({"solo": (3, 1, 9.0)}), ["solo"])
    assert scores[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [1, 1, 1]


def test_rfm_scores_no_purchase_customers_have_missing_scores(config):
    snap = _snap({"a": (1, 3, 30.0), "b": (40, 1, 5.0)})
    scores = seg.compute_rfm_scores(snap, pd.DataFrame({"customer_id": ["a", "b", "z"]}))
    assert scores["customer_id"].tolist() == ["a", "b", "z"]
    z = scores.set_index("customer_id").loc["z"]
    assert pd.isna(z["r_score"]) and pd.isna(z["f_score"]) and pd.isna(z["m_score"]) and pd.isna(z["rfm_cell"])
    segments = seg.compute_rfm_segments(scores, config.rfm_rules)
    assert segments.set_index("customer_id").loc["z", "segment"] == seg.NO_PURCHASE
    assert (segments["segment"] == seg.NO_PURCHASE).sum() == 1


def test_rfm_scores_keep_buyers_missing_from_customer_list():
    scores = seg.compute_rfm_scores(_snap({"a": (1, 3, 30.0), "guest": (2, 1, 5.0)}), ["a"])
    assert scores["customer_id"].tolist() == ["a", "guest"]
    assert scores["r_score"].notna().all()


def test_rfm_scores_empty_snapshot():
    scores = seg.compute_rfm_scores(_snap({}), ["a", "b"])
    assert scores["r_score"].isna().all() and len(scores) == 2


def test_default_rules_tile_the_grid(config):
    rules = validate_rfm_rules(config.rfm_rules)
    cells = [(r, f) for rule in rules for r in range(rule.r[0], rule.r[1] + 1) for f in range(rule.f[0], rule.f[1] + 1)]
    assert len(cells) == 25 and len(set(cells)) == 25
    assert len(rules) == 10


# The classic recency x frequency map, cell by cell (recency score, frequency score) -> segment.
CLASSIC_GRID = {
    (5, 5): "champions", (5, 4): "champions",
    (4, 5): "loyal_customers", (4, 4): "loyal_customers", (3, 5): "loyal_customers", (3, 4): "loyal_customers",
    (5, 3): "potential_loyalists", (5, 2): "potential_loyalists",
    (4, 3): "potential_loyalists", (4, 2): "potential_loyalists",
    (5, 1): "new_customers",
    (4, 1): "promising",
    (3, 3): "need_attention",
    (3, 2): "about_to_sleep", (3, 1): "about_to_sleep",
    (2, 4): "at_risk", (2, 3): "at_risk", (1, 4): "at_risk", (1, 3): "at_risk",
    (2, 5): "cant_lose_them", (1, 5): "cant_lose_them",
    (2, 2): "hibernating", (2, 1): "hibernating", (1, 2): "hibernating", (1, 1): "hibernating",
}  # fmt: skip


@pytest.mark.parametrize("segment", sorted(set(CLASSIC_GRID.values())))
def test_each_default_rule_names_its_cells(config, segment):
    cells = [cell for cell, name in CLASSIC_GRID.items() if name == segment]
    scores = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(cells))],
            "r_score": pd.array([c[0] for c in cells], dtype="Int64"),
            "f_score": pd.array([c[1] for c in cells], dtype="Int64"),
        }
    )
    assert seg.compute_rfm_segments(scores, config.rfm_rules)["segment"].tolist() == [segment] * len(cells)


def test_overlapping_rules_rejected_with_named_cells():
    rules = [
        {"name": "recent", "r": [3, 5], "f": [1, 5]},
        {"name": "lapsed", "r": [1, 3], "f": [1, 5]},
    ]
    with pytest.raises(ValueError, match=r"overlap in 5 \(r, f\) cells: \(r=3, f=1\) by 'recent' and 'lapsed'"):
        validate_rfm_rules(rules)


def test_gap_rejected_with_named_cell():
    rules = [
        {"name": "top", "r": [2, 5], "f": [1, 5]},
        {"name": "bottom", "r": [1, 1], "f": [1, 4]},
    ]
    with pytest.raises(ValueError, match=r"leave 1 \(r, f\) cells uncovered: \(r=1, f=5\)$"):
        validate_rfm_rules(rules)


def test_segments_refuse_invalid_rules():
    scores = pd.DataFrame({"r_score": pd.array([1], dtype="Int64"), "f_score": pd.array([1], dtype="Int64")})
    with pytest.raises(ValueError, match="uncovered"):
        seg.compute_rfm_segments(scores, [{"name": "top", "r": [2, 5], "f": [1, 5]}])


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"name": "x", "r": [0, 5], "f": [1, 5]}, "1 <= min <= max <= 5"),
        ({"name": "x", "r": [4, 2], "f": [1, 5]}, "1 <= min <= max <= 5"),
        ({"name": "no_purchase", "r": [1, 5], "f": [1, 5]}, "reserved"),
        ({"name": "x", "r": [1, 5], "f": [1, 5], "m": [1, 5]}, "extra"),
    ],
)
def test_rule_fields_validated(rule, message):
    with pytest.raises(ValueError, match=message):
        validate_rfm_rules([rule])


def test_duplicate_rule_names_rejected():
    rules = [{"name": "x", "r": [1, 2], "f": [1, 5]}, {"name": "x", "r": [3, 5], "f": [1, 5]}]
    with pytest.raises(ValueError, match="duplicated: 'x'"):
        validate_rfm_rules(rules)


# --------------------------------------------------------------------------------------
# Value tiers
# --------------------------------------------------------------------------------------

SHARE_TIERS = [{"name": "high", "share": 0.2}, {"name": "medium", "share": 0.3}, {"name": "low", "share": 0.5}]
THRESHOLD_TIERS = [
    {"name": "high", "min_spend": 5000},
    {"name": "medium", "min_spend": 1000},
    {"name": "low", "min_spend": 0},
]


def test_value_tiers_by_share():
    spend = pd.Series([100.0 * (i + 1) for i in range(10)], index=[f"c{i}" for i in range(10)])
    tiers = seg.compute_value_tiers(spend, method="share", tiers=SHARE_TIERS).set_index("customer_id")["value_tier"]
    assert tiers[["c9", "c8"]].tolist() == ["high", "high"]
    assert tiers[["c7", "c6", "c5"]].tolist() == ["medium"] * 3
    assert (tiers[[f"c{i}" for i in range(5)]] == "low").all()


def test_value_tiers_share_ties_split_by_id():
    spend = pd.Series(50.0, index=[f"c{i}" for i in (4, 0, 3, 1, 2, 9, 5, 8, 6, 7)])
    tiers = seg.compute_value_tiers(spend, method="share", tiers=SHARE_TIERS)
    assert tiers["value_tier"].tolist() == ["high"] * 2 + ["medium"] * 3 + ["low"] * 5


def test_value_tiers_zero_spend_is_lowest_even_in_top_share():
    spend = pd.Series([0.0] * 9 + [10.0], index=[f"c{i}" for i in range(10)])
    tiers = seg.compute_value_tiers(spend, method="share", tiers=SHARE_TIERS).set_index("customer_id")["value_tier"]
    assert tiers["c9"] == "high"
    assert (tiers.drop("c9") == "low").all()


def test_value_tiers_by_threshold_boundaries():
    spend = pd.Series(
        {"exactly_high": 5000.0, "just_below": 4999.99, "exactly_medium": 1000.0, "small": 1.0,
         "zero": 0.0, "refund": -20.0, "missing": np.nan}
    )  # fmt: skip
    tiers = seg.compute_value_tiers(spend, method="threshold", tiers=THRESHOLD_TIERS).set_index("customer_id")
    assert tiers.loc["exactly_high", "value_tier"] == "high"
    assert tiers.loc["just_below", "value_tier"] == "medium"
    assert tiers.loc["exactly_medium", "value_tier"] == "medium"
    assert (tiers.loc[["small", "zero", "refund", "missing"], "value_tier"] == "low").all()


@pytest.mark.parametrize(
    "method, tiers, message",
    [
        ("share", [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.4}], "add up to 1"),
        ("share", [{"name": "a", "min_spend": 1}], "need 'share'"),
        ("threshold", [{"name": "a", "min_spend": 10}, {"name": "b", "min_spend": 20}, {"name": "c", "min_spend": 0}],
         "strictly decrease"),
        ("threshold", [{"name": "a", "min_spend": 10}, {"name": "b", "min_spend": 5}], "must have min_spend 0"),
        ("quantile", [{"name": "a", "share": 1.0}], "method"),
    ],
)  # fmt: skip
def test_value_tier_config_validated(method, tiers, message):
    with pytest.raises(ValueError, match=message):
        seg.compute_value_tiers(pd.Series([1.0], index=["a"]), method=method, tiers=tiers)


# --------------------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------------------

LIFECYCLE_DAYS = {"new_days": 30, "sleeping_days": 90, "churned_days": 180}


def _life_snap(rows: dict[str, tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": list(rows),
            "first_order_ts": pd.to_datetime([v[0] for v in rows.values()], format="ISO8601"),
            "last_order_ts": pd.to_datetime([v[1] for v in rows.values()], format="ISO8601"),
        }
    )


def test_lifecycle_states_and_boundaries():
    snap = _life_snap(
        {
            "new": ("2024-06-01 00:00", "2024-06-20"),  # first order exactly as_of - 30 days
            "active": ("2024-05-31 23:59", "2024-06-20"),  # first order just before the new window
            "active_edge": ("2023-01-01", "2024-04-02 00:00"),  # last order exactly as_of - 90 days
            "sleeping": ("2023-01-01", "2024-04-01 23:59"),
            "sleeping_edge": ("2023-01-01", "2024-01-03 00:00"),  # exactly as_of - 180 days
            "churned": ("2023-01-01", "2024-01-02 23:59"),
        }
    )
    life = seg.compute_lifecycle(snap, snap["customer_id"], as_of=AS_OF, **LIFECYCLE_DAYS).set_index("customer_id")
    assert life["lifecycle"].to_dict() == {
        "active": "active",
        "active_edge": "active",
        "churned": "churned",
        "new": "new",
        "sleeping": "sleeping",
        "sleeping_edge": "sleeping",
    }
    assert life.loc["churned", "days_since_last_order"] == 181


def test_lifecycle_precedence_inactivity_beats_new():
    # First and only order 100 days ago: new by new_days=120 but also sleeping: sleeping wins.
    snap = _life_snap({"a": ("2024-03-23", "2024-03-23")})
    life = seg.compute_lifecycle(snap, ["a"], as_of=AS_OF, new_days=120, sleeping_days=90, churned_days=180)
    assert life["lifecycle"].tolist() == ["sleeping"]
    life = seg.compute_lifecycle(snap, ["a"], as_of=AS_OF, new_days=120, sleeping_days=30, churned_days=60)
    assert life["lifecycle"].tolist() == ["churned"]


def test_lifecycle_registration_states():
    snap = _life_snap({"buyer_late_signup": ("2024-06-20", "2024-06-20")})
    customers = pd.DataFrame(
        {
            "customer_id": ["buyer_late_signup", "registered", "future", "unknown_signup"],
            "signup_date": pd.to_datetime(["2024-08-01", "2024-07-01", "2024-07-02", None]),
        }
    )
    life = seg.compute_lifecycle(snap, customers, as_of=AS_OF, **LIFECYCLE_DAYS).set_index("customer_id")
    assert life["lifecycle"].to_dict() == {
        "buyer_late_signup": "new",
        "future": "not_yet_registered",
        "registered": "registered_never_purchased",  # signup == as_of counts as registered
        "unknown_signup": "never_purchased",
    }
    assert pd.isna(life.loc["registered", "days_since_last_order"])


def test_lifecycle_without_signup_column_never_says_registered():
    life = seg.compute_lifecycle(_life_snap({}), ["a", "b"], as_of=AS_OF, **LIFECYCLE_DAYS)
    assert life["lifecycle"].tolist() == ["never_purchased", "never_purchased"]


def test_lifecycle_rejects_bad_thresholds():
    with pytest.raises(ValueError, match="sleeping_days < churned_days"):
        seg.compute_lifecycle(_life_snap({}), ["a"], as_of=AS_OF, new_days=30, sleeping_days=90, churned_days=90)


def test_lifecycle_from_real_snapshot(random_transactions, config):
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=3650)
    customers = [f"c{i:03d}" for i in range(210)]
    life = seg.compute_lifecycle(snap, customers, as_of=AS_OF, **config.lifecycle.model_dump())
    assert len(life) == 210
    assert set(life["lifecycle"]) <= set(seg.LIFECYCLE_STATES)
    buyers = life[life["customer_id"].isin(snap["customer_id"])]
    merged = buyers.merge(snap, on="customer_id")
    assert (merged["days_since_last_order"] == merged["recency_days"]).all()
    assert (life.loc[~life["customer_id"].isin(snap["customer_id"]), "lifecycle"] == "never_purchased").all()


# --------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------


def test_tag_dimensions_text_columns_and_unknown():
    customers = pd.DataFrame(
        {
            "customer_id": ["b", "a", "c", "d"],
            "signup_date": pd.to_datetime(["2024-01-01"] * 4),
            "region": [" north", None, "south", "   "],
            "channel": pd.Categorical(["web", "web", "store", "web"]),
            "age": [30, 40, 50, 60],
            "vip": [True, False, False, True],
        }
    )
    dims = seg.compute_tag_dimensions(customers)
    assert list(dims.wide.columns) == ["customer_id", "region", "channel"]
    assert dims.wide["region"].tolist() == ["unknown", "north", "south", "unknown"]  # sorted by id: a, b, c, d
    counts = dims.counts.set_index(["dimension", "value"])["customers"].to_dict()
    assert counts == {
        ("channel", "web"): 3,
        ("channel", "store"): 1,
        ("channel", "unknown"): 0,
        ("region", "unknown"): 2,
        ("region", "north"): 1,
        ("region", "south"): 1,
    }
    assert dims.counts.groupby("dimension")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_tag_dimensions_customers_without_attributes():
    dims = seg.compute_tag_dimensions(pd.DataFrame({"customer_id": ["a", "b"], "signup_date": [None, None]}))
    assert list(dims.wide.columns) == ["customer_id"]
    assert dims.counts.empty and list(dims.counts.columns) == ["dimension", "value", "customers", "share"]


def test_tag_dimensions_all_missing_attribute():
    dims = seg.compute_tag_dimensions(pd.DataFrame({"customer_id": ["a", "b"], "segment_tag": [None, None]}))
    assert dims.wide["segment_tag"].tolist() == ["unknown", "unknown"]
    assert dims.counts[["value", "customers"]].values.tolist() == [["unknown", 2]]


# --------------------------------------------------------------------------------------
# Response history
# --------------------------------------------------------------------------------------


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": ["c1", "c1", "c2", "c1", "c2", "c3", "c3", "c1"],
            "customer_id": ["a", "a", "a", "b", "b", "d", "d", "stranger"],
            "event": ["sent", "redeemed", "sent", "sent", "opened", "sent", "redeemed", "redeemed"],
            "ts": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-02-01", "2024-01-01", "2024-02-02",
                 "2024-06-30 23:59", "2024-07-01 00:00", "2024-01-01"],
                format="ISO8601",
            ),
        }
    )  # fmt: skip


@pytest.mark.parametrize("as_table", [False, True])
def test_response_history_states(as_table):
    events = ibis.memtable(_events()) if as_table else _events()
    out = seg.compute_response_history(events, ["a", "b", "c", "d"], as_of=AS_OF).set_index("customer_id")
    assert out["response_history"].to_dict() == {
        "a": "responded_before",
        "b": "contacted_not_responded",
        "c": "never_contacted",
        "d": "contacted_not_responded",  # the redemption at as_of itself does not count
    }
    assert out.loc["a", ["campaigns_contacted", "campaigns_responded"]].tolist() == [2, 1]
    assert "stranger" not in out.index


def test_response_history_custom_response_events():
    out = seg.compute_response_history(_events(), ["b"], as_of=AS_OF, response_events=("opened", "redeemed"))
    assert out["response_history"].tolist() == ["responded_before"]


# --------------------------------------------------------------------------------------
# Migration and profile
# --------------------------------------------------------------------------------------


def test_migration_matrix_has_all_categories():
    before = pd.Series({"a": "champions", "b": "at_risk", "c": "at_risk", "gone": "hibernating"})
    after = pd.Series({"a": "at_risk", "b": "at_risk", "c": "champions", "fresh": "champions"})
    order = ["champions", "loyal_customers", "at_risk", "hibernating"]
    m = seg.compute_migration(before, after, order=order)
    assert list(m.index) == [*order, "absent"] and list(m.columns) == [*order, "absent"]
    assert m.loc["champions", "at_risk"] == 1
    assert m.loc["at_risk", "at_risk"] == 1
    assert m.loc["at_risk", "champions"] == 1
    assert m.loc["hibernating", "absent"] == 1
    assert m.loc["absent", "champions"] == 1
    assert m.loc["loyal_customers"].sum() == 0 and m["loyal_customers"].sum() == 0
    assert m.to_numpy().sum() == 5


def test_migration_counts_equal_pandas_crosstab():
    # compute_migration counts pairs with one bincount; pandas' crosstab of the aligned labels is the reference
    rng = np.random.default_rng(5)
    labels = np.array(["high", "mid", "low"], dtype=object)
    before = pd.Series(rng.choice(labels, 500), index=pd.Index([f"c{i}" for i in range(500)], dtype="str"))
    after = pd.Series(rng.choice(labels, 450), index=pd.Index([f"c{i}" for i in range(50, 500)], dtype="str"))
    after.iloc[:30] = None  # a customer without a segment later counts as absent too
    m = seg.compute_migration(before, after, order=["high", "mid", "low"])
    ids = before.index.union(after.index)
    b = before.reindex(ids).astype(object).fillna("absent")
    a = after.reindex(ids).astype(object).fillna("absent")
    cats = ["high", "mid", "low", "absent"]
    ref = pd.crosstab(pd.Categorical(b, categories=cats), pd.Categorical(a, categories=cats), dropna=False)
    assert m.to_numpy().tolist() == ref.reindex(index=cats, columns=cats, fill_value=0).to_numpy().tolist()
    same = seg.compute_migration(before, before.rename(None), order=["high", "mid", "low"])
    assert np.trace(same.to_numpy()) == 500 and "absent" not in same.index


def test_migration_rejects_labels_outside_order():
    with pytest.raises(ValueError, match=r"\['typo'\] are not in order"):
        seg.compute_migration(pd.Series({"a": "typo"}), pd.Series({"a": "x"}), order=["x"])


def test_segment_profile_numbers():
    df = pd.DataFrame(
        {
            "customer_id": list("abcde"),
            "segment": ["champions", "champions", "at_risk", seg.NO_PURCHASE, "at_risk"],
            "monetary": [300.0, 100.0, 50.0, np.nan, 50.0],
            "recency_days": [2, 4, 100, np.nan, 200],
            "frequency": [6, 2, 1, np.nan, 1],
            "expected_value": [500.0, 100.0, 10.0, 0.0, 20.0],
        }
    )
    order = ["champions", "loyal_customers", "at_risk", seg.NO_PURCHASE]
    profile = seg.compute_segment_profile(df, "segment", order=order).set_index("segment")
    assert profile.index.tolist() == order
    assert profile["customers"].tolist() == [2, 0, 2, 1]
    assert profile.loc["champions", "revenue_share"] == pytest.approx(0.8)
    assert profile.loc["champions", "mean_recency_days"] == pytest.approx(3.0)
    assert profile.loc["at_risk", "mean_spend"] == pytest.approx(50.0)
    assert profile.loc[seg.NO_PURCHASE, "mean_spend"] == 0.0
    assert profile.loc["champions", "mean_expected_value"] == pytest.approx(300.0)
    assert profile["share"].sum() == pytest.approx(1.0)
    without_value = seg.compute_segment_profile(df.drop(columns="expected_value"), "segment")
    assert "mean_expected_value" not in without_value.columns


# --------------------------------------------------------------------------------------
# Holdout and pseudonyms
# --------------------------------------------------------------------------------------


def test_holdout_split_exact_size_and_deterministic():
    ids = [f"c{i:04d}" for i in range(1000)]
    split = seg.compute_holdout_split(ids, holdout_share=0.1, seed=42)
    assert (split["group"] == "holdout").sum() == 100
    again = seg.compute_holdout_split(list(reversed(ids)) + ids[:10], holdout_share=0.1, seed=42)
    pd.testing.assert_frame_equal(split, again)
    other = seg.compute_holdout_split(ids, holdout_share=0.1, seed=43)
    assert not split["group"].equals(other["group"])
    holdout = split.loc[split["group"] == "holdout", "customer_id"]
    assert holdout.tolist() != ids[:100]  # shuffled, not the first ids
    assert 0.05 < holdout.str[1:].astype(int).lt(500).mean() < 0.95


def test_holdout_split_edges():
    assert (seg.compute_holdout_split(["a", "b"], holdout_share=0.0, seed=1)["group"] == "send").all()
    assert len(seg.compute_holdout_split([], holdout_share=0.1, seed=1)) == 0
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        seg.compute_holdout_split(["a"], holdout_share=1.0, seed=1)


def test_pseudonymize_ids_is_keyed_hmac():
    ids = pd.Series(["c1", "c2", "c1"], index=[10, 11, 12])
    out = pseudo = seg.pseudonymize_ids(ids, key=b"k1", length=16)
    expected = hmac.new(b"k1", b"c1", hashlib.sha256).hexdigest()[:16]
    assert out.loc[10] == expected and out.loc[12] == expected
    assert list(out.index) == [10, 11, 12]
    assert out.loc[11] != expected
    assert not seg.pseudonymize_ids(ids, key=b"k2").equals(pseudo)
    assert not any("c1" in p for p in out)
    with pytest.raises(TypeError, match="bytes"):
        seg.pseudonymize_ids(ids, key="k1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        seg.pseudonymize_ids(ids, key=b"")


# --------------------------------------------------------------------------------------
# Figures (checked by what was drawn)
# --------------------------------------------------------------------------------------


def _segments(random_transactions, config) -> pd.DataFrame:
    snap = seg.compute_customer_snapshot(random_transactions, as_of=AS_OF, lookback_days=365)
    scores = seg.compute_rfm_scores(snap, [f"c{i:03d}" for i in range(210)])
    return seg.compute_rfm_segments(scores, config.rfm_rules)


def test_plot_rfm_heatmap_draws_25_cells(random_transactions, config):
    segments = _segments(random_transactions, config)
    ax = plotting.plot_rfm_heatmap(segments)
    assert ax.collections[0].get_array().size == 25
    assert len(ax.texts) == 25
    assert sum(int(t.get_text().split("\n")[-1]) for t in ax.texts) == segments["r_score"].notna().sum()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]
    assert any(t.get_text().startswith("champions") for t in ax.texts)
    assert "Recency" in ax.get_ylabel()


def test_plot_segment_sizes_two_bars_per_segment(random_transactions, config):
    profile = seg.compute_segment_profile(_segments(random_transactions, config), "segment")
    ax = plotting.plot_segment_sizes(profile)
    assert sum(len(c) for c in ax.containers) == 2 * len(profile)
    assert [t.get_text() for t in ax.get_yticklabels()] == [s.replace("_", " ") for s in profile["segment"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["customers", "revenue"]
    widths = [bar.get_width() for bar in ax.containers[0]]
    assert widths == pytest.approx(profile["share"].tolist())


def test_plot_lifecycle_bars_match_counts():
    life = pd.DataFrame({"lifecycle": ["active"] * 3 + ["new"] + ["churned"] * 2})
    ax = plotting.plot_lifecycle(life)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["new", "active", "churned"]
    assert [bar.get_width() for bar in ax.containers[0]] == [1, 3, 2]


def test_plot_clv_distribution_bins_and_lines():
    rng = np.random.default_rng(sum(map(ord, "clv_distribution")))
    ax = plotting.plot_clv_distribution(pd.DataFrame({"expected_value": rng.gamma(1.0, 50.0, 300)}), bins=20)
    assert len(ax.patches) == 20
    assert len(ax.lines) == 2
    assert ax.get_xlabel() == "expected value"


def test_plot_migration_cells():
    m = seg.compute_migration(pd.Series({"a": "x", "b": "y"}), pd.Series({"a": "y", "b": "y"}), order=["x", "y", "z"])
    ax = plotting.plot_migration(m)
    assert ax.collections[0].get_array().size == 9
    # row percentages: x moved to y (100%), y stayed (100%), z is empty (0% everywhere)
    assert sorted(t.get_text() for t in ax.texts) == ["0%"] * 7 + ["100%", "100%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x (n=1)", "y (n=1)", "z (n=0)"]


def test_plots_draw_on_given_axes():
    fig, ax = plt.subplots()
    assert plotting.plot_lifecycle(pd.DataFrame({"lifecycle": ["new"]}), ax=ax) is ax


def test_house_theme_sets_palette():
    with matplotlib.rc_context():
        theme.set_house_theme()
        colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert matplotlib.colors.to_hex(colours[0]) == theme.HOUSE_PALETTE[0]


def test_import_has_no_side_effects():
    code = (
        "import sys, matplotlib as mpl; before = dict(mpl.rcParams); "
        "import campaignlab.stats.segmentation, campaignlab.plots.segments, campaignlab.stats.clv; "
        "print('pytensor' in sys.modules, 'pymc' in sys.modules, dict(mpl.rcParams) == before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "lib"), "MPLBACKEND": "Agg"})  # fmt: skip
    assert out.stdout.split() == ["False", "False", "True"]


def test_segmentation_import_does_not_load_matplotlib():
    code = "import sys, campaignlab.stats.segmentation; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "lib")})  # fmt: skip
    assert out.stdout.strip() == "False"
