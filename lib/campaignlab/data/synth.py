"""A canonical data set of any size with a planted campaign effect, generated block by block.

:func:`synth_blocks` yields the tables of ``block_customers`` customers at a time (Arrow tables in the canonical
types), so a writer can stream millions of customers to Parquet in bounded memory: nothing here grows with the
number of customers except the running order count. Each block is one call of
:func:`campaignlab.data.simulate.simulate_block`, the same generative story as the test fixtures' simulator
(latent order rates with weekday and seasonal profile, line items from a shared catalog, targeting on pre-period
spend, a randomized holdout, funnel events and coupon redemptions), with its own random generator
``numpy.random.default_rng([seed, 1, block])``: the same seed and sizes give the same data on every machine.

The number of lines is a target: every customer's order rate is scaled so that the expected number of
transaction lines is ``lines``; the realized count differs by sampling noise (a fraction of a percent at scale).
The planted effect is a proportional increase of the treatment arms' order rate during the campaign window; the
expected incremental orders and gross revenue per treated customer (given the simulated customers) are in
:func:`combine_truth`'s result.

Examples
--------
>>> spec = SynthSpec(customers=1_000, lines=10_000, seed=1, block_customers=400)
>>> blocks = list(synth_blocks(spec))
>>> len(blocks), blocks[0]["customers"].num_rows, blocks[-1]["customers"].num_rows
(3, 400, 200)
>>> sorted(blocks[0])
['assignments', 'customers', 'events', 'transactions', 'truth']
>>> synth_params(spec)["control_arm"]
'control'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from campaignlab.data.simulate import BASE_DAILY_RATE, LINES_PER_ORDER, day_profile, draw_catalog, simulate_block

__all__ = ["SynthSpec", "TABLE_SCHEMAS", "synth_blocks", "synth_campaigns", "synth_params", "combine_truth"]

_MONEY = pa.decimal128(18, 2)
_TS = pa.timestamp("us")

#: Parquet schema of every generated table: the canonical types of docs/data-model.md.
TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema([("customer_id", pa.string()), ("signup_date", pa.date32()), ("age_band", pa.string()),
                            ("income_band", pa.string()), ("region", pa.string())]),
    "transactions": pa.schema([("customer_id", pa.string()), ("order_id", pa.string()), ("ts", _TS),
                               ("amount", _MONEY), ("quantity", pa.float64()), ("product_id", pa.string()),
                               ("discount", _MONEY)]),
    "assignments": pa.schema([("campaign_id", pa.string()), ("customer_id", pa.string()), ("arm", pa.string())]),
    "events": pa.schema([("campaign_id", pa.string()), ("customer_id", pa.string()), ("event", pa.string()),
                         ("ts", _TS), ("value", pa.float64())]),
}
CAMPAIGNS_SCHEMA = pa.schema([("campaign_id", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
                              ("name", pa.string()), ("type", pa.string()), ("cost_per_contact", pa.float64()),
                              ("fixed_cost", pa.float64())])

CAMPAIGN_ID = "SIM1"
POST_DAYS = 90


@dataclass(frozen=True)
class SynthSpec:
    """What to generate. ``effects`` holds one lift per treatment arm, or one lift shared by all ``arms``.

    With ``history`` the data start a year before the campaign (a full 365-day RFM look-back and lifetime-value
    history); without it they start ``pre_period_days`` (90) before it. The post-period is 90 days.
    """

    customers: int
    lines: int
    seed: int = 0
    arms: int = 1
    holdout_share: float = 0.2
    history: bool = True
    effects: tuple[float, ...] = (0.1,)
    confounding: float = 1.0
    target_share: float = 0.4
    campaign_days: int = 28
    start_date: dt.date = dt.date(2024, 1, 1)
    block_customers: int = 50_000

    def __post_init__(self) -> None:
        checks = [
            (self.customers >= 1, f"--customers must be at least 1, got {self.customers}"),
            (self.lines >= self.customers, f"--lines ({self.lines}) must be at least --customers ({self.customers})"),
            (self.arms >= 1, f"--arms must be at least 1, got {self.arms}"),
            (0 <= self.holdout_share < 1, f"--holdout-share must be in [0, 1), got {self.holdout_share}"),
            (len(self.effects) in (1, self.arms),
             f"--effect takes one lift, or one per arm ({self.arms}); got {len(self.effects)}"),
            (all(e > -1 for e in self.effects), f"--effect lifts must be above -1 (-100%), got {list(self.effects)}"),
            (self.block_customers >= 1, "block_customers must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def campaign_start_day(self) -> int:
        return 365 if self.history else 90

    @property
    def n_days(self) -> int:
        return self.campaign_start_day + self.campaign_days + POST_DAYS

    @property
    def arm_lifts(self) -> dict[str, float]:
        names = ["treatment"] if self.arms == 1 else [f"treatment_{i}" for i in range(1, self.arms + 1)]
        lifts = self.effects if len(self.effects) == self.arms else self.effects * self.arms
        return dict(zip(names, (float(x) for x in lifts)))

    @property
    def rate_scale(self) -> float:
        """Order-rate multiplier that makes the expected lines per customer ``lines / customers``."""
        base_lines = BASE_DAILY_RATE * day_profile(self.start_date, self.n_days).sum() * LINES_PER_ORDER
        return (self.lines / self.customers) / base_lines


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """A block's frame in the canonical Arrow types (NaN floats become nulls; money exact to the cent)."""
    columns = []
    for f in schema:
        values = frame[f.name]
        if pa.types.is_decimal(f.type):
            columns.append(pa.array(values.to_numpy(dtype=float)).cast(f.type))
        elif pa.types.is_date(f.type):
            columns.append(pa.array(list(values), type=f.type))
        else:
            columns.append(pa.array(values, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(columns, schema=schema)


def synth_blocks(spec: SynthSpec) -> Iterator[dict[str, pa.Table]]:
    """Yield the customers, transactions, assignments and events of one block of customers at a time.

    Each yielded dict also holds ``"truth"``: a one-row table of the block's planted-effect sums (see
    :func:`combine_truth`).
    """
    catalog = draw_catalog(np.random.default_rng([spec.seed, 0]))
    id_width = max(5, len(str(spec.customers)))
    order_width = max(8, len(str(2 * spec.lines)))
    next_order = 1
    for block, first in enumerate(range(1, spec.customers + 1, spec.block_customers)):
        size = min(spec.block_customers, spec.customers + 1 - first)
        frames = simulate_block(
            np.random.default_rng([spec.seed, 1, block]), first_id=first, n_customers=size, id_width=id_width,
            start_date=spec.start_date, n_days=spec.n_days, campaign_start_day=spec.campaign_start_day,
            campaign_days=spec.campaign_days, arm_lifts=spec.arm_lifts, confounding=spec.confounding,
            holdout_share=spec.holdout_share, target_share=spec.target_share, rate_scale=spec.rate_scale,
            catalog=catalog, first_order=next_order, order_width=order_width,
        )
        next_order += frames["transactions"].attrs["n_orders"]
        out = {name: _to_arrow(frames[name], schema) for name, schema in TABLE_SCHEMAS.items()}
        arms = frames["campaigns"].attrs["truth"]["arms"]
        out["truth"] = pa.Table.from_pylist([{"arm": name, **values} for name, values in arms.items()])
        yield out


def synth_campaigns(spec: SynthSpec) -> pa.Table:
    """The campaigns table: one campaign, ``SIM1``, in the window the blocks plant their effect in."""
    start = spec.start_date + dt.timedelta(days=spec.campaign_start_day)
    frame = pd.DataFrame({"campaign_id": [CAMPAIGN_ID], "start_date": [start],
                          "end_date": [start + dt.timedelta(days=spec.campaign_days)],
                          "name": ["Simulated coupon campaign"], "type": ["email"],
                          "cost_per_contact": [0.05], "fixed_cost": [500.0]})
    return _to_arrow(frame, CAMPAIGNS_SCHEMA)


def combine_truth(block_truths: list[pa.Table]) -> dict[str, dict[str, float]]:
    """Per arm: the planted lift, customers, and expected incremental orders and gross revenue per treated customer.

    "Expected" means given the simulated customers' latent rates: the difference of means between an arm and the
    control in window orders estimates ``incremental_orders_per_customer`` without bias (randomized holdout).
    """
    rows = pa.concat_tables(block_truths).to_pandas().groupby("arm", sort=False).agg(
        lift=("lift", "first"), n=("n", "sum"), orders=("incremental_orders", "sum"),
        revenue=("incremental_gross_revenue", "sum"))
    return {arm: {"lift": float(r.lift), "customers": int(r.n),
                  "incremental_orders_per_customer": float(r.orders / r.n) if r.n else float("nan"),
                  "incremental_gross_revenue_per_customer": float(r.revenue / r.n) if r.n else float("nan")}
            for arm, r in rows.iterrows()}


def synth_params(spec: SynthSpec, campaign_id: str | None = None) -> dict:
    """The params file's fields for the generated data (it sits in the data folder: ``data: .``)."""
    params: dict = {"id": campaign_id or f"synth_{spec.customers}_{spec.lines}", "campaign": CAMPAIGN_ID,
                    "data": ".", "response_event": "redeemed", "pre_period_days": 90, "post_period_days": POST_DAYS}
    if spec.holdout_share > 0:
        params["control_arm"] = "control"
        share = round((1 - spec.holdout_share) / spec.arms, 6)
        params["response"] = {"planned_split": {**{arm: share for arm in spec.arm_lifts},
                                                "control": round(spec.holdout_share, 6)}}
    return params
