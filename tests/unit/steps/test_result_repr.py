"""A bare ``result`` in a notebook prints a short summary of each step's result, and no customer id.

The results are the real ones of the fixture shop's campaign (01 to 04 run in order, as the notebooks do); the
portfolio result is built from that run's summary.json.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.run import session
from campaignlab.stats import portfolio as portfolio_stats
from campaignlab.steps import portfolio, response, retention, segment, targeting

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"
CUSTOMER_IDS = set(pd.read_csv(FIXTURE / "customers.csv", dtype=str)["customer_id"])


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("repr") / "shop"
    shutil.copytree(FIXTURE, folder)
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    seg = segment.analyse(run)
    segment.write(run, seg)
    resp = response.analyse(run, response.build_customer_table(run), response.read_segments(run))
    response.write(run, resp)
    ret = retention.analyse(run)
    summaries = [iorw.read_summary(run.run_dir)]
    table = portfolio_stats.compute_campaign_table(summaries)
    port = portfolio.PortfolioResult([{"summary": summaries[0]}], table,
                                     portfolio_stats.compute_type_comparison(table),
                                     portfolio_stats.compute_highlights(summaries),
                                     portfolio_stats.compute_pooled_effects(table))
    return {"segment": seg, "response": resp, "retention": ret, "portfolio": port,
            "targeting": targeting.analyse(run, resp)}


@pytest.mark.parametrize("step", ["segment", "response", "retention", "portfolio", "targeting"])
def test_repr_is_short_and_shows_no_customer_id(results, step):
    text = repr(results[step])
    assert len(text) < 2000, text
    leaked = {c for c in CUSTOMER_IDS if c in text}
    assert not leaked, f"{step} result shows customer ids {sorted(leaked)[:5]}"
    assert text.startswith(type(results[step]).__name__) and "tables:" in text


def test_the_default_repr_would_have_leaked_ids(results):
    # The check above can fail: the dataclass repr this replaces printed the frames, ids included.
    from dataclasses import fields

    r = results["response"]
    default = ", ".join(f"{f.name}={getattr(r, f.name)!r}" for f in fields(r))
    assert any(c in default for c in CUSTOMER_IDS)


def test_response_repr_says_design_arms_verdict_and_tables(results):
    r = results["response"]
    text = repr(r)
    assert "design: holdout, compared with control" in text
    sizes = r.frame["group"].value_counts()
    assert f"control {sizes['control']:,}" in text and f"treatment {sizes['treatment']:,}" in text
    assert r.verdict["sentence"][:60] in text
    assert f"frame {len(r.frame):,}x{r.frame.shape[1]}" in text and "effects " in text


def test_segment_and_retention_reprs_list_their_tables(results):
    s, t = repr(results["segment"]), repr(results["retention"])
    assert f"customers: {len(results['segment'].segments):,}" in s and "profiles {rfm_segment: " in s
    assert "groups: " in t and "repurchase " in t and "km " in t


@pytest.mark.parametrize("step", ["segment", "response", "retention"])
def test_html_repr_names_the_campaign_describes_every_field_and_shows_no_customer_id(results, step):
    from dataclasses import fields

    from campaignlab.steps.display import field_descriptions

    r = results[step]
    html = r._repr_html_()
    assert "fixture_sim1" in html and len(html) < 30_000
    leaked = {c for c in CUSTOMER_IDS if c in html}
    assert not leaked, f"{step} HTML shows customer ids {sorted(leaked)[:5]}"
    described = field_descriptions(type(r))
    undocumented = [f.name for f in fields(r) if not described.get(f.name)]
    assert not undocumented, f"{type(r).__name__} fields without a description: {undocumented}"
    unlisted = [f.name for f in fields(r) if f"<code>{f.name}</code>" not in html]
    assert unlisted == ["campaign"]  # the campaign is the header's first line


def test_response_html_repr_shows_design_verdict_and_the_arms_table(results):
    r = results["response"]
    html = r._repr_html_()
    assert "holdout, compared with control" in html and "<b>arms</b>" in html
    import html as html_lib

    assert html_lib.escape(r.verdict["sentence"][:40]) in html


@pytest.mark.parametrize("module", [segment, response, retention])
def test_every_view_has_a_docstring(module):
    import inspect

    names = [n for n in dir(module) if n.startswith(("show_", "write", "analyse"))]
    missing = [n for n in names if inspect.isfunction(getattr(module, n)) and not inspect.getdoc(getattr(module, n))]
    assert names and not missing, f"{module.__name__}: no docstring on {missing}"
