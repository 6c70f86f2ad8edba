"""A seeded random sample of customers, for a customer base too large to bring back to one process.

The per-customer tables are computed by the engine (DuckDB, or a Spark cluster) but the statistics run in this
process, on one row per customer; past ``duckdb.max_customers_in_memory`` (or ``spark.max_customers_in_memory``)
customers the run analyses a simple random sample of that many customers instead (docs/engines.md). Cleaning and
its quality table always cover every row. The sample is drawn in the engine, by ranking customers on a hash of
the seed and their id: the same seed and data give the same customers however the data is partitioned, and every
table with a ``customer_id`` is restricted to them, so all analyses of a run see the same customers.
"""

from __future__ import annotations

from typing import Any

import ibis

#: Tables of the canonical model that hold one customer's rows (docs/data-model.md).
CUSTOMER_TABLES = ("customers", "transactions", "assignments", "events", "feedback")


def compute_customer_sample(
    tables: dict[str, ibis.Table], *, max_customers: int, seed: int, cache: bool = False,
    setting: str = "spark.max_customers_in_memory",
) -> tuple[dict[str, ibis.Table], dict[str, Any] | None]:
    """Restrict every customer table to a seeded random sample of ``max_customers`` customers, if there are more.

    Parameters
    ----------
    tables
        Cleaned canonical tables (lazy Ibis tables of one connection).
    max_customers
        The most customers the run brings back to this process.
    seed
        The sample's seed: the same seed draws the same customers from the same data.
    cache
        Keep the chosen ids in the engine's memory (Spark: ``persist``; DuckDB: a temporary table) instead of
        ranking the customers again in every later query (runs do: at 10M customers, ranking them again took about
        5 s in each of the feature table's eight parts, 64 s in all against 25 s with the ids kept, and again in
        every query of 02-04).
    setting
        The parameter that set ``max_customers``, named in the report's sentence.

    Returns
    -------
    (dict of Ibis tables, dict or None)
        The tables (unchanged when the customers fit) and what was done: ``population``, ``sample_size``,
        ``seed``, ``method`` and ``setting``; None when no sample was needed.

    Examples
    --------
    >>> t = {"customers": ibis.memtable({"customer_id": [f"c{i}" for i in range(10)]}),
    ...      "transactions": ibis.memtable({"customer_id": ["c1", "c2", "c3"], "amount": [1.0, 2.0, 3.0]})}
    >>> out, info = compute_customer_sample(t, max_customers=4, seed=7)
    >>> info["population"], info["sample_size"], int(out["customers"].count().to_pyarrow().as_py())
    (10, 4, 4)
    >>> compute_customer_sample(t, max_customers=10, seed=7)[1] is None
    True
    """
    customers = tables["customers"]
    population = int(customers.count().to_pyarrow().as_py())
    if population <= max_customers:
        return tables, None
    cid = customers.customer_id.cast("string")
    # A hash of the seed and the id ranks customers in a random order that does not depend on partitions or row
    # order (the id breaks the rare ties); the first max_customers are a simple random sample without replacement.
    key = (ibis.literal(f"{seed}:") + cid).hash()
    chosen = customers.select(customer_id=cid, _key=key).order_by(["_key", "customer_id"]).limit(max_customers)
    chosen = chosen.select("customer_id")
    if cache:
        chosen = _kept(chosen)
    out = dict(tables)
    for name in CUSTOMER_TABLES:
        if name in out:
            out[name] = out[name].semi_join(chosen, "customer_id")
    info = {
        "population": population,
        "sample_size": int(max_customers),
        "seed": int(seed),
        "method": "simple random sample of customers without replacement (ranked by a seeded hash of customer_id); "
                  "every customer's rows in every table are kept or left out together",
        "setting": setting,
    }
    return out, info


def _kept(chosen: ibis.Table) -> ibis.Table:
    """The chosen ids computed once and kept by the engine for the connection's life.

    Spark: ``cache()`` (persist). DuckDB: a temporary table of the connection, not Ibis's ``cache()``, which drops
    its table when the expression is collected with a ``DROP`` statement that Ibis 12 with this sqlglot writes
    wrongly (a parser error printed when the kernel ends).
    """
    backend = chosen._find_backend()
    if backend.name != "duckdb":
        return chosen.cache()
    import uuid

    return backend.create_table(f"_customer_sample_{uuid.uuid4().hex}", chosen, temp=True)


def describe_sample(info: dict[str, Any] | None) -> str:
    """One sentence saying which customers a run analysed.

    Examples
    --------
    >>> describe_sample({"population": 12000000, "sample_size": 2000000, "seed": 1729,
    ...                  "setting": "duckdb.max_customers_in_memory"})
    'This run analysed a random sample of 2,000,000 of the 12,000,000 customers (seed 1729, duckdb.max_customers_in_memory): per-customer rates and effects estimate those of all customers, with intervals that account for the sample size; counts and totals are of the sample.'
    """
    if not info:
        return "This run analysed every customer."
    return (
        f"This run analysed a random sample of {info['sample_size']:,} of the {info['population']:,} customers "
        f"(seed {info['seed']}, {info.get('setting', 'spark.max_customers_in_memory')}): per-customer rates and "
        "effects estimate those of all customers, with intervals that account for the sample size; counts and totals are of the sample."
    )
