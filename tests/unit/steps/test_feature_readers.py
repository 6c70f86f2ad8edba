"""02, 03 and 04 read the run's feature table: what they read equals what the transaction queries it replaced give."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from campaignlab import iorw
from campaignlab.data import outcomes
from campaignlab.run import session
from campaignlab.stats import retention
from campaignlab.stats import segmentation as seg
from campaignlab.steps import segment
from campaignlab.steps.response import analysis

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    r = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    r.prepare_data(folder / "cache")
    r.prepare_features()
    return r


@pytest.fixture(scope="module")
def frame(run):
    table = analysis.build_customer_table(run)
    return table.assign(group=np.where(table["arm"] == outcomes.NOT_ASSIGNED, "comparison", table["arm"]))


def test_the_feature_table_is_written_once_and_rebuilt_for_other_parameters(run):
    path = run.path(iorw.RunFiles.FEATURES)
    stamp = path.stat().st_mtime_ns
    run.features(["customer_id"])
    assert path.stat().st_mtime_ns == stamp  # current: read, not rebuilt
    iorw.write_features(run.run_dir, [pa.Table.from_pandas(iorw.read_features(run.run_dir))], key="stale")
    assert iorw.features_key(run.run_dir) == "stale"
    run.features(["customer_id"])
    assert iorw.features_key(run.run_dir) == run.feature_plan()[2]


@pytest.mark.parametrize("when", ["start", "after"])
def test_snapshots_equal_the_snapshot_queries(run, when):
    lo, hi = run.data_range
    as_of = run.windows["campaign"].start if when == "start" else min(run.windows["post"].end, hi)
    keys = segment.CustomerKeys.of(run.tables["customers"].to_pandas()["customer_id"])
    full, recent = (keys.decode(s) for s in segment._snapshots_at(run, as_of, keys))
    tx = run.tables["transactions"]
    old_full = seg.compute_customer_snapshot(tx, as_of=as_of, lookback_days=max((as_of - lo).days, 1))
    old_recent = seg.compute_customer_snapshot(tx, as_of=as_of, lookback_days=run.params.segmentation.lookback_days)
    columns = list(old_full.columns) if when == "start" else list(old_full.columns[:6])
    for new, old in ((full, old_full), (recent, old_recent)):
        cols = columns if new is full else list(old.columns[:6])
        pd.testing.assert_frame_equal(new[cols].astype({c: "datetime64[us]" for c in cols if c.endswith("_ts")}),
                                      old[cols].astype({c: "datetime64[us]" for c in cols if c.endswith("_ts")}),
                                      check_dtype=False)
    assert len(full) > 50


def test_customer_tables_equal_the_outcome_queries(run):
    p = run.params
    new = outcomes.compute_outcomes_from_features(run.features(prefixes=analysis.OUTCOME_WINDOWS), windows=run.windows,
                                                  response_event=p.response_event, funnel=p.funnel)
    old = outcomes.compute_customer_outcomes(run.tables, campaign_id=p.campaign, windows=run.windows,
                                             response_event=p.response_event, funnel=p.funnel)
    pd.testing.assert_frame_equal(new, old, check_dtype=False)
    from campaignlab.data import windows as wins

    start, days = run.windows["campaign"].start, p.pre_period_days
    lo, hi = run.data_range
    shifted = wins.compute_windows(start - dt.timedelta(days=days), start, pre_days=days, post_days=days,
                                   data_start=lo, data_end=hi)
    placebo = analysis.build_customer_table(run, shifted, placebo=True)
    queried = analysis.build_customer_table(run, shifted)
    pd.testing.assert_frame_equal(placebo, queried, check_dtype=False)


def test_period_table_equals_the_retention_definitions(run, frame):
    table = analysis.compute_period_table(run, frame)
    tx = run.tables["transactions"]
    data_end = run.data_range[1]
    checked = 0
    for row in table.itertuples(index=False):
        w = run.windows[row.period]
        if not w.covered_days:
            continue
        ids = frame.loc[frame["group"] == row.group, "customer_id"].tolist()
        rep = retention.compute_repurchase_rate(tx, ids, start=w.clipped_start, end=w.clipped_end, data_end=data_end)
        churn = retention.compute_period_churn(tx, ids, start=w.clipped_start, end=w.clipped_end, data_end=data_end)
        np.testing.assert_equal([row.repurchase_rate, row.churn_rate], [rep["rate"], churn["rate"]])
        first = outcomes.compute_first_orders(tx).set_index("customer_id")["first_ts"].reindex(ids)
        lo_ts, hi_ts = pd.Timestamp(w.clipped_start), pd.Timestamp(w.clipped_end)
        assert row.new_customers == int(((first >= lo_ts) & (first < hi_ts)).sum())
        checked += 1
    assert checked >= 4


def test_retention_reads_equal_the_retention_queries(run, frame):
    groups = frame[["customer_id", "group"]]
    tx = run.tables["transactions"]
    anchor, data_end = run.windows["campaign"].end, run.data_range[1]
    feats = run.features(["customer_id", "after_end_first_ts", "churn_before_orders", "churn_after_orders"])
    first = feats[["customer_id", "after_end_first_ts"]].rename(columns={"after_end_first_ts": "first_order_ts"})
    new = retention.compute_next_purchase_table(groups, first, anchor=anchor, data_end=data_end)
    old = retention.compute_next_purchase(tx, groups, anchor=anchor, data_end=data_end)
    pd.testing.assert_frame_equal(new.astype({"first_order_ts": "datetime64[us]"}),
                                  old.astype({"first_order_ts": "datetime64[us]"}))
    activity = groups.merge(feats, on="customer_id").assign(
        active_before=lambda d: (d["churn_before_orders"] > 0).astype("int64"),
        active_after=lambda d: (d["churn_after_orders"] > 0).astype("int64"))
    before, after = run.windows["campaign"].start, run.windows["post"].end
    churned_days = run.params.segmentation.lifecycle.churned_days
    pd.testing.assert_frame_equal(
        retention.compute_churn_table(activity, as_of_before=before, as_of_after=after, data_end=data_end),
        retention.compute_churn_rates(tx, groups, as_of_before=before, as_of_after=after, churned_days=churned_days,
                                      data_end=data_end))
