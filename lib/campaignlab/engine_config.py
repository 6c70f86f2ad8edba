"""Typed settings of the query engines: DuckDB's memory cap and the Spark session (``duckdb:`` and ``spark:`` in the
params; docs/engines.md). Part of the parameters (:mod:`campaignlab.params` re-exports them), kept apart so that
module stays under 600 lines.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SparkConfig(_Model):
    """Where the analysis queries run when ``engine: spark`` (docs/engines.md); defaults in params/defaults.yaml."""

    master: str = Field(min_length=1, description="Spark master: local[2], spark://host:7077, yarn, k8s://...")
    config: dict[str, str | int | float | bool] = Field(description="Spark settings, merged over the defaults.")
    max_customers_in_memory: int = Field(gt=0, description="More customers than this: a seeded random sample.")
    sample_seed: int = Field(description="Seed of that sample (the same seed draws the same customers).")


class DuckDBConfig(_Model):
    """How the embedded DuckDB engine may use the machine: a memory cap, past which it spills to disk, and the most
    customers whose per-customer tables the statistics hold in memory (more: a seeded random sample)."""

    memory_limit: str | None = Field(default="25%", description="DuckDB's memory cap: a share of the machine's "
                                     "memory ('25%') or a size ('4GB', '512MB'); null = DuckDB's own default (80%).")
    max_customers_in_memory: int = Field(default=2_000_000, gt=0,
                                         description="More customers than this: a seeded random sample.")
    sample_seed: int = Field(default=1729, description="Seed of that sample (the same seed draws the same customers).")
    feature_part_customers: int = Field(default=250_000, gt=0, description="The feature table is computed this many "
                                        "customers at a time (in customer-id ranges): its memory is bounded by the "
                                        "part, for one more scan of the transactions per part.")

    @field_validator("memory_limit")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        text = None if value is None else str(value).replace(" ", "").upper()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(%|[KMGT]I?B)", text or "0%")
        if value is None or (m and 0 < float(m.group(1)) <= (90 if m.group(2) == "%" else math.inf)):
            return text and text.replace("IB", "iB")
        raise ValueError(f"duckdb.memory_limit must be a share of the machine's memory from 1% to 90% (e.g. '30%') "
                         f"or a size such as '4GB' or '512MB', got {value!r}")
