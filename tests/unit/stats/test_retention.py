import datetime as dt
import math

import ibis
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from campaignlab.plots import retention as rplots  # noqa: E402
from campaignlab.stats import retention as r  # noqa: E402

Z = 1.959963984540054
ANCHOR = dt.date(2024, 3, 1)
DATA_END = dt.date(2024, 4, 15)  # 45 days after the anchor


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def tx(rows):
    """Transactions from (customer_id, 'YYYY-MM-DD HH:MM') pairs; one order per row."""
    return pd.DataFrame({
        "customer_id": [c for c, _ in rows],
        "order_id": [str(i) for i in range(len(rows))],
        "ts": pd.to_datetime([t for _, t in rows], format="%Y-%m-%d %H:%M"),
        "amount": [10.0] * len(rows),
    })


def wilson(k, n, z=Z):
    """Wilson (1927) score interval, written out by hand as an outside reference."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --------------------------------------------------------------------------------------------- next purchase
def next_purchase_fixture():
    rows = [
        ("a", "2024-02-20 10:00"),  # before the anchor: ignored
        ("a", "2024-03-04 23:30"),  # a later order
        ("a", "2024-03-02 08:00"),  # a's first order on/after the anchor: day 1 (time of day ignored)
        ("b", "2024-03-01 00:00"),  # on the anchor day: day 0
        ("c", "2024-04-15 09:00"),  # on data_end: not observed
        ("d", "2024-04-14 23:59"),  # last observed day: 44
    ]
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                              "group": ["resp", "resp", "comp", "comp", "comp"]})
    return tx(rows), customers


def test_next_purchase_days_and_censoring_by_hand():
    transactions, customers = next_purchase_fixture()
    out = r.compute_next_purchase(ibis.memtable(transactions), customers, anchor=ANCHOR, data_end=DATA_END)
    assert list(out.columns) == list(r.NEXT_PURCHASE_COLUMNS)
    assert out["customer_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["observed"].tolist() == [True, True, False, True, False]
    # censored customers (c: order only on data_end; e: never) get data_end - anchor = 45 days
    assert out["duration"].tolist() == [1, 0, 45, 44, 45]
    assert out.loc[0, "first_order_ts"] == pd.Timestamp("2024-03-02 08:00")


def test_next_purchase_on_duckdb_table(tmp_path):
    # The way the notebooks open the cleaned data: a Parquet file read lazily by DuckDB.
    transactions, customers = next_purchase_fixture()
    transactions.to_parquet(tmp_path / "transactions.parquet")
    table = ibis.duckdb.connect().read_parquet(tmp_path / "transactions.parquet")
    out = r.compute_next_purchase(table, customers, anchor=ANCHOR, data_end=DATA_END)
    assert out["duration"].tolist() == [1, 0, 45, 44, 45]


def test_campaign_ending_after_the_data_gives_incomplete_windows_not_an_error():
    transactions, customers = next_purchase_fixture()
    late = dt.date(2024, 4, 20)  # the data end on 2024-04-15
    nxt = r.compute_next_purchase(transactions, customers, anchor=late, data_end=DATA_END)
    assert not nxt["observed"].any() and (nxt["duration"] == 0).all()
    rep = r.compute_repurchase(nxt, windows_days=(30,), anchor=late, data_end=DATA_END)
    assert not rep["complete"].any() and rep["rate"].isna().all()
    assert r.compute_km_curves(nxt)["survival"].eq(1.0).all()


def test_next_purchase_refuses_bad_input():
    transactions, customers = next_purchase_fixture()
    with pytest.raises(ValueError, match="must be a date"):
        r.compute_next_purchase(transactions, customers, anchor="soon", data_end=DATA_END)
    twice = pd.concat([customers, customers.iloc[[0]]])
    with pytest.raises(ValueError, match="repeated: \\['a'\\]"):
        r.compute_next_purchase(transactions, twice, anchor=ANCHOR, data_end=DATA_END)
    with pytest.raises(ValueError, match="Required column 'group' missing from customers"):
        r.compute_next_purchase(transactions, customers[["customer_id"]], anchor=ANCHOR, data_end=DATA_END)


# --------------------------------------------------------------------------------------------- repurchase
def test_repurchase_rates_windows_and_incomplete_flag():
    transactions, customers = next_purchase_fixture()
    nxt = r.compute_next_purchase(transactions, customers, anchor=ANCHOR, data_end=DATA_END)
    out = r.compute_repurchase(nxt, windows_days=(30, 45, 60), anchor=ANCHOR, data_end=DATA_END)
    assert list(out.columns) == list(r.REPURCHASE_COLUMNS)
    assert out[["group", "window_days"]].values.tolist() == [
        ["comp", 30], ["resp", 30], ["comp", 45], ["resp", 45], ["comp", 60], ["resp", 60]]
    by = out.set_index(["group", "window_days"])
    # resp: a (day 1) and b (day 0) both within 30 days; comp: only d (day 44), within 45 but not 30
    assert by.loc[("resp", 30), "repurchased"] == 2 and by.loc[("resp", 30), "rate"] == 1.0
    assert by.loc[("comp", 30), "repurchased"] == 0
    assert by.loc[("comp", 45), "repurchased"] == 1 and by.loc[("comp", 45), "rate"] == pytest.approx(1 / 3)
    lo, hi = wilson(1, 3)
    assert by.loc[("comp", 45), "ci_low"] == pytest.approx(lo) and by.loc[("comp", 45), "ci_high"] == pytest.approx(hi)
    # a 45-day window ends exactly on data_end: complete; 60 days does not fit in the data
    assert by.loc[("comp", 45), "complete"] and not by.loc[("comp", 60), "complete"]
    assert math.isnan(by.loc[("resp", 60), "rate"]) and pd.isna(by.loc[("resp", 60), "repurchased"])
    assert "45 days into this 60-day window" in by.loc[("resp", 60), "note"]


def test_repurchase_refuses_next_purchase_from_other_dates():
    transactions, customers = next_purchase_fixture()
    nxt = r.compute_next_purchase(transactions, customers, anchor=ANCHOR, data_end=DATA_END)
    with pytest.raises(ValueError, match="censored at 45 days"):
        r.compute_repurchase(nxt, anchor=ANCHOR, data_end=dt.date(2024, 5, 1))


def test_repurchase_agrees_with_km_when_nobody_is_censored_early():
    rng = np.random.default_rng(sum(map(ord, "repurchase_vs_km")))
    n = 300
    duration = rng.integers(0, 120, n)
    nxt = pd.DataFrame({"group": rng.choice(["x", "y"], n), "observed": duration < 90,
                        "duration": np.where(duration < 90, duration, 90)})
    anchor, data_end = dt.date(2024, 1, 1), dt.date(2024, 3, 31)  # 90 days
    rep = r.compute_repurchase(nxt, windows_days=(30, 60), anchor=anchor, data_end=data_end)
    km = r.compute_km_curves(nxt)
    for row in rep.itertuples():
        curve = km[(km["group"] == row.group) & (km["day"] < row.window_days)]
        # everyone is followed to day 90, so KM is the plain share: S(w - 1) = 1 - rate
        assert 1 - curve["survival"].iloc[-1] == pytest.approx(row.rate)


def test_retention_by_segment_counts_unknown_segment():
    nxt = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "group": ["t", "t", "c", "t"],
                        "observed": [True, False, True, True], "duration": [3, 45, 10, 40]})
    seg = pd.DataFrame({"customer_id": ["a", "b", "c"], "tier": ["high", "high", None]})
    out = r.compute_retention_by_segment(nxt, seg, "tier", 30, anchor=ANCHOR, data_end=DATA_END)
    got = out.set_index(["segment", "group"])
    assert got.loc[("high", "t"), ["customers", "repurchased"]].tolist() == [2, 1]
    assert got.loc[("unknown", "t"), ["customers", "repurchased"]].tolist() == [1, 0]  # d: day 40 > 30
    assert got.loc[("unknown", "c"), "rate"] == 1.0
    assert (out["dimension"] == "tier").all() and out["complete"].all()



def test_retention_by_several_segment_dimensions_is_each_dimension_in_turn():
    nxt = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "group": ["t", "t", "c", "t"],
                        "observed": [True, False, True, True], "duration": [3, 45, 10, 40]})
    seg = pd.DataFrame({"customer_id": ["d", "a", "b", "c"], "tier": ["low", "high", "high", None],
                        "region": ["N", "S", "N", "S"]})
    both = r.compute_retention_by_segment(nxt, seg, ["tier", "region"], 30, anchor=ANCHOR, data_end=DATA_END)
    each = pd.concat([r.compute_retention_by_segment(nxt, seg, d, 30, anchor=ANCHOR, data_end=DATA_END)
                      for d in ("tier", "region")], ignore_index=True)
    pd.testing.assert_frame_equal(both, each)
    assert list(dict.fromkeys(both["dimension"])) == ["tier", "region"]

# --------------------------------------------------------------------------------------------- Kaplan-Meier
def six_customers():
    return pd.DataFrame({"group": ["g"] * 6, "observed": [True, True, False, True, False, True],
                         "duration": [2, 3, 3, 5, 8, 10]})


def test_km_six_customers_by_hand():
    km = r.compute_km_curves(six_customers())
    assert list(km.columns) == list(r.KM_COLUMNS)
    assert km["day"].tolist() == [0, 2, 3, 5, 10]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 1]
    assert km["events"].tolist() == [0, 1, 1, 1, 1]
    # S(2) = 5/6, S(3) = 5/6 * 4/5, S(5) = ... * 2/3 (the censored 3 and 8 leave the risk set), S(10) = 0
    expected = [1, 5 / 6, 4 / 6, 4 / 6 * 2 / 3, 0]
    assert km["survival"].tolist() == pytest.approx(expected)
    # Greenwood at day 2: var = S^2 * 1 / (6 * 5); log(-log) interval by hand
    s = 5 / 6
    se = s * math.sqrt(1 / 30)
    sd = se / (s * abs(math.log(s)))
    assert km.loc[1, "ci_low"] == pytest.approx(s ** math.exp(Z * sd))
    assert km.loc[1, "ci_high"] == pytest.approx(s ** math.exp(-Z * sd))
    assert km.loc[1, "ci_low"] == pytest.approx(0.2731, abs=1e-3) and km.loc[1, "ci_high"] == pytest.approx(0.9747,
                                                                                                           abs=1e-3)
    assert (km.loc[1:3, "ci_low"] < km.loc[1:3, "survival"]).all()
    assert np.isnan(km.loc[4, "ci_low"])  # undefined where S = 0


def test_km_extends_to_end_of_follow_up_and_handles_no_events():
    nxt = pd.DataFrame({"group": ["a", "a", "b", "b"], "observed": [True, False, False, False],
                        "duration": [4, 30, 30, 30]})
    km = r.compute_km_curves(nxt)
    a = km[km["group"] == "a"]
    assert a["day"].tolist() == [0, 4, 30] and a["survival"].tolist() == [1.0, 0.5, 0.5]
    assert a["at_risk"].tolist() == [2, 2, 1]
    b = km[km["group"] == "b"]
    assert b["day"].tolist() == [0, 30] and b["survival"].tolist() == [1.0, 1.0]


def test_logrank_by_hand():
    nxt = pd.DataFrame({"group": list("aaaabbbb"), "observed": [True] * 8, "duration": [1, 2, 3, 4, 5, 6, 7, 8]})
    # O - E for group a and its hypergeometric variance, one term per event time with a at risk
    at_risk_a, at_risk = [4, 3, 2, 1], [8, 7, 6, 5]
    expected = sum(na / n for na, n in zip(at_risk_a, at_risk, strict=True))
    var = sum(na * (n - na) * (n - 1) / (n * n * (n - 1)) for na, n in zip(at_risk_a, at_risk, strict=True))
    chi2 = (4 - expected) ** 2 / var
    res = r.compute_logrank(nxt)
    assert res["statistic"] == pytest.approx(chi2) and res["df"] == 1
    assert res["p_value"] == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))


def test_logrank_undefined_for_one_group():
    res = r.compute_logrank(six_customers())
    assert math.isnan(res["p_value"]) and res["groups"] == 1


# --------------------------------------------------------------------------------------------- churn
def test_churn_rates_before_after_and_incomplete():
    transactions = tx([
        ("a", "2024-01-20 10:00"), ("a", "2024-03-20 10:00"),  # active both times
        ("b", "2024-01-25 10:00"),                             # active before, churned after
        ("c", "2023-11-01 10:00"),                             # churned both times
    ])
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "group": ["t", "t", "t", "u"]})
    out = r.compute_churn_rates(transactions, customers, as_of_before=dt.date(2024, 2, 1),
                                as_of_after=dt.date(2024, 4, 1), churned_days=30, data_end=dt.date(2024, 4, 1))
    got = out.set_index(["group", "period"])
    assert got.loc[("t", "before"), ["customers", "churned"]].tolist() == [3, 1]
    assert got.loc[("t", "after"), ["customers", "churned"]].tolist() == [3, 2]
    assert got.loc[("u", "before"), "rate"] == 1.0  # d never bought
    lo, hi = wilson(2, 3)
    assert got.loc[("t", "after"), ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi])
    assert out["complete"].all()
    late = r.compute_churn_rates(transactions, customers, as_of_before=dt.date(2024, 2, 1),
                                 as_of_after=dt.date(2024, 4, 2), churned_days=30, data_end=dt.date(2024, 4, 1))
    after = late[late["period"] == "after"]
    assert not after["complete"].any() and after["rate"].isna().all() and after["churned"].isna().all()
    assert late[late["period"] == "before"]["complete"].all()


# --------------------------------------------------------------------------------------------- single definitions
def period_fixture():
    return tx([
        ("a", "2024-01-05 10:00"), ("a", "2024-02-03 10:00"),  # bought in Jan window and again in the next
        ("b", "2024-01-10 10:00"),                             # bought in Jan window only
        ("c", "2024-02-05 10:00"),                             # only in the following window
        ("d", "2024-01-15 10:00"), ("d", "2024-02-20 10:00"),  # like a
        ("x", "2024-01-12 10:00"), ("x", "2024-02-12 10:00"),  # not in customer_ids
    ])


def test_repurchase_rate_single_definition():
    res = r.compute_repurchase_rate(period_fixture(), ["a", "b", "c"], start=dt.date(2024, 1, 1),
                                    end=dt.date(2024, 2, 1), data_end=dt.date(2024, 4, 1))
    assert (res["numerator"], res["denominator"], res["rate"]) == (1, 2, 0.5)
    assert res["next_end"] == dt.date(2024, 3, 3) and res["complete"]
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(wilson(1, 2))
    everyone = r.compute_repurchase_rate(ibis.memtable(period_fixture()), None, start=dt.date(2024, 1, 1),
                                         end=dt.date(2024, 2, 1))
    assert (everyone["numerator"], everyone["denominator"]) == (3, 4)  # a, d and x of a, b, d, x
    short = r.compute_repurchase_rate(period_fixture(), None, start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 1),
                                      data_end=dt.date(2024, 3, 1))
    assert not short["complete"] and math.isnan(short["rate"]) and short["numerator"] is None


def test_period_churn_single_definition():
    res = r.compute_period_churn(period_fixture(), ["a", "b", "c", "d"], start=dt.date(2024, 2, 1),
                                 end=dt.date(2024, 3, 2), data_end=dt.date(2024, 4, 1))
    # previous window [2024-01-02, 2024-02-01): a, b and d active; only b has no order in [Feb 1, Mar 2)
    assert res["previous_start"] == dt.date(2024, 1, 2)
    assert (res["numerator"], res["denominator"]) == (1, 3) and res["rate"] == pytest.approx(1 / 3)
    late = r.compute_period_churn(period_fixture(), None, start=dt.date(2024, 2, 1), end=dt.date(2024, 3, 2),
                                  data_end=dt.date(2024, 3, 1))
    assert not late["complete"] and math.isnan(late["rate"])
    with pytest.raises(ValueError, match="must be after start"):
        r.compute_period_churn(period_fixture(), None, start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 1))


# --------------------------------------------------------------------------------------------- cohorts
def test_cohort_matrix_first_month_by_hand():
    transactions = tx([
        ("a", "2024-01-05 10:00"), ("a", "2024-02-10 10:00"), ("a", "2024-03-10 10:00"),
        ("b", "2024-01-20 10:00"), ("b", "2024-03-01 10:00"),
        ("c", "2024-02-02 10:00"), ("c", "2024-02-25 10:00"),
        ("d", "2024-03-05 10:00"), ("d", "2024-04-03 10:00"),  # April is only partly observed
    ])
    m = r.compute_cohort_retention(transactions, data_end=dt.date(2024, 4, 10))
    assert m.index.tolist() == ["2024-01", "2024-02", "2024-03"]
    assert m["customers"].tolist() == [2, 1, 1]
    assert list(m.columns) == ["customers", "left_censored", "month_0", "month_1", "month_2"]
    expected = pd.DataFrame({"month_0": [1.0, 1.0, 1.0], "month_1": [0.5, 0.0, np.nan],
                             "month_2": [1.0, np.nan, np.nan]}, index=m.index)
    pd.testing.assert_frame_equal(m.drop(columns=["customers", "left_censored"]), expected)
    # The data start on Jan 5: January's customers may have bought before, so its cohort is left-censored.
    assert m["left_censored"].tolist() == [True, False, False]


def test_first_cohorts_without_enough_history_are_left_censored():
    transactions = tx([("a", "2024-01-05 10:00"), ("b", "2024-02-10 10:00"), ("c", "2024-03-10 10:00"),
                       ("d", "2024-04-02 10:00")])
    # Feb 1 is 27 days and Mar 1 56 days after the first day of data (Jan 5): with 40 days of history required,
    # January and February are left-censored, March is not.
    m = r.compute_cohort_retention(transactions, data_end=dt.date(2024, 5, 1), history_days=40)
    assert m["left_censored"].to_dict() == {"2024-01": True, "2024-02": True, "2024-03": False, "2024-04": False}
    # An explicit data start that is a month's first day: that month's cohort is still censored (bought before?).
    m = r.compute_cohort_retention(transactions, data_end=dt.date(2024, 5, 1), data_start=dt.date(2024, 1, 1))
    assert m["left_censored"].tolist() == [True, False, False, False]


def test_cohort_matrix_labelled_with_origin():
    transactions = tx([
        ("a", "2024-01-20 10:00"), ("a", "2024-02-16 10:00"),  # month 0 = [Jan 15, Feb 15), month 1 from Feb 15
        ("b", "2024-03-20 10:00"),                             # month 2 ends Apr 15 > data_end: not shown
        ("c", "2024-01-10 10:00"),                             # before the origin: ignored
    ])
    labels = pd.Series(["resp", "resp", "comp", "comp"], index=["a", "b", "c", "z"])
    m = r.compute_cohort_retention(transactions, cohort=labels, origin=dt.date(2024, 1, 15),
                                   data_end=dt.date(2024, 4, 1))
    assert m.index.tolist() == ["comp", "resp"]
    assert m["customers"].tolist() == [2, 2]  # z never bought but is in the cohort
    assert list(m.columns) == ["customers", "left_censored", "month_0", "month_1"]
    assert m.loc["resp"].tolist() == [2, False, 0.5, 0.5]
    assert m.loc["comp"].tolist() == [2, False, 0.0, 0.0]
    with pytest.raises(ValueError, match="needs origin"):
        r.compute_cohort_retention(transactions, cohort=labels, data_end=dt.date(2024, 4, 1))


def test_labelled_cohort_starting_before_the_data_is_left_censored():
    transactions = tx([("a", "2024-01-20 10:00"), ("a", "2024-02-16 10:00"), ("b", "2024-03-20 10:00")])
    labels = pd.Series(["resp", "comp"], index=["a", "b"])
    # The campaign starts Jan 15, the data on Jan 18: month 0 [Jan 15, Feb 15) is not observed from its start.
    m = r.compute_cohort_retention(transactions, cohort=labels, origin=dt.date(2024, 1, 15),
                                   data_start=dt.date(2024, 1, 18), data_end=dt.date(2024, 4, 16))
    assert m["left_censored"].tolist() == [True, True]
    assert m["month_0"].isna().all()  # unknown, not the 0% or 100% a partial month would show
    assert m.loc["resp", ["month_1", "month_2"]].tolist() == [1.0, 0.0]
    assert m.loc["comp", ["month_1", "month_2"]].tolist() == [0.0, 1.0]


# --------------------------------------------------------------------------------------------- NPS
def test_nps_known_sample():
    fb = pd.DataFrame({"arm": ["t"] * 10 + ["c"] * 4,
                       "score": [10, 10, 9, 9, 9, 8, 7, 6, 3, 0] + [10, 6, 6, None]})
    out = r.compute_nps(fb, ["arm"]).set_index("arm")
    assert list(out.reset_index().columns) == ["arm", *r.NPS_COLUMNS]
    t = out.loc["t"]
    assert (t["responses"], t["promoters"], t["passives"], t["detractors"]) == (10, 5, 2, 3)
    assert t["nps"] == pytest.approx(20.0)
    # multinomial variance: (0.5 + 0.3 - 0.2^2) / 10 = 0.076
    assert t["nps_ci_low"] == pytest.approx(20 - Z * 100 * math.sqrt(0.076))
    assert t["nps_ci_high"] == pytest.approx(20 + Z * 100 * math.sqrt(0.076))
    assert t["mean_score"] == pytest.approx(7.1)
    sd = float(np.std([10, 10, 9, 9, 9, 8, 7, 6, 3, 0], ddof=1))
    assert t["mean_ci_low"] == pytest.approx(7.1 - 2.2621571628 * sd / math.sqrt(10))
    c = out.loc["c"]  # the missing score is ignored
    assert c["responses"] == 3 and c["nps"] == pytest.approx(100 * (1 / 3 - 2 / 3))


def test_nps_degenerate_and_empty():
    all_promoters = r.compute_nps(pd.DataFrame({"score": [9, 10, 10]}))
    assert all_promoters["nps"].iloc[0] == 100 and math.isnan(all_promoters["nps_ci_low"].iloc[0])
    empty = r.compute_nps(pd.DataFrame({"arm": [], "score": []}), ["arm"])
    assert empty.empty and list(empty.columns) == ["arm", *r.NPS_COLUMNS]
    with pytest.raises(ValueError, match="between 0 and 10"):
        r.compute_nps(pd.DataFrame({"score": [11]}))


# --------------------------------------------------------------------------------------------- plots
def test_plot_km_curves_draws_one_line_and_band_per_group():
    nxt = pd.DataFrame({"group": list("aaabbbccc"), "observed": [True, True, False] * 3,
                        "duration": [1, 2, 9, 3, 4, 9, 5, 6, 9]})
    ax = rplots.plot_km_curves(r.compute_km_curves(nxt))
    assert len(ax.get_lines()) == 3
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]


def test_plot_cohort_heatmap_cells_and_labels():
    m = pd.DataFrame({"customers": [10, 4, 2], "month_0": [1.0, 1.0, 1.0], "month_1": [0.4, 0.5, np.nan]},
                     index=pd.Index(["2024-01", "2024-02", "2024-03"], name="cohort"))
    ax = rplots.plot_cohort_heatmap(m)
    assert ax.collections[0].get_array().size == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    assert [t.get_text() for t in ax.get_yticklabels()][2] == "2024-03 (n=2)"
    # annotations: 5 observed cells, percentages
    assert sorted(t.get_text() for t in ax.texts) == ["100", "100", "100", "40", "50"]


def test_plot_cohort_heatmap_labels_left_censored_cohorts():
    transactions = tx([("a", "2024-01-05 10:00"), ("a", "2024-02-03 10:00"), ("b", "2024-02-10 10:00"),
                       ("b", "2024-03-11 10:00"), ("c", "2024-03-10 10:00")])
    m = r.compute_cohort_retention(transactions, data_end=dt.date(2024, 4, 1), history_days=30)
    ax = rplots.plot_cohort_heatmap(m)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "2024-01 (n=1, left-censored)", "2024-02 (n=1, left-censored)", "2024-03 (n=1)"]
    assert ax.collections[0].get_array().size == 9  # 3 cohorts x 3 months: the flag is not drawn as a month


def test_plot_repurchase_bars_error_bars_and_incomplete_labels():
    nxt = pd.DataFrame({"group": ["r", "r", "c", "c"], "observed": [True, False, True, False],
                        "duration": [5, 45, 20, 45]})
    rep = r.compute_repurchase(nxt, windows_days=(10, 30, 60), anchor=ANCHOR, data_end=DATA_END)
    ax = rplots.plot_repurchase(rep)
    # 2 complete windows x 2 groups; the 60-day window has no bars
    assert len(ax.patches) == 4
    errorbars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert sum(len(c.lines[2][0].get_segments()) for c in errorbars) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10 days", "30 days", "60 days\n(incomplete)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["c", "r"]
