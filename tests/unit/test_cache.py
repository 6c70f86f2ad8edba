"""Tests for campaignlab.cache: cached lifetime-value fits are byte-equal to fresh ones; pymc-marketing is
imported only when a fit is needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab import cache
from campaignlab.params import ClvConfig
from campaignlab.stats import clv

LIB = Path(__file__).resolve().parents[2] / "lib"
CFG = ClvConfig(horizon_days=365, priors="flat", discount_rate=0.1, min_history_days=90)


def _summary(n: int, seed: int) -> pd.DataFrame:
    """A BG/NBD-like history in days with dropout (so the fit is not degenerate)."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(100, 400, n).round()
    alive = rng.random(n) < 0.5
    frequency = rng.poisson(np.where(alive, 6, 2)).astype(float)
    recency = np.where(frequency > 0, np.where(alive, T * rng.uniform(0.8, 1, n), T * rng.uniform(0, 0.4, n)), 0)
    spend = np.where(frequency > 0, rng.gamma(6, 5, n), np.nan)
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": frequency,
                         "recency": recency.round(), "T": T, "monetary_value": spend})


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CAMPAIGNLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cached_fit_is_byte_equal_to_a_fresh_one(cache_dir, monkeypatch):
    from campaignlab.steps import segment

    summary = _summary(400, seed=sum(map(ord, "cached fit")))
    fresh = segment.fit_lifetime_value(summary, CFG, history_days=300)
    assert fresh["estimated"], fresh["reason"]
    files = list((cache_dir / cache.CLV_FOLDER).glob("*.json"))
    assert len(files) == 1

    def no_fit(self, summary):
        raise AssertionError("a cached fit must not be fitted again")

    monkeypatch.setattr(clv.LifetimeValueModel, "fit", no_fit)
    cached = segment.fit_lifetime_value(summary, CFG, history_days=300)
    fresh_pred, cached_pred = fresh.pop("predictions"), cached.pop("predictions")
    assert json.dumps(cached) == json.dumps(fresh)
    pd.testing.assert_frame_equal(cached_pred, fresh_pred, check_exact=True)
    for col in ["expected_orders", "expected_value"]:
        assert cached_pred[col].to_numpy().tobytes() == fresh_pred[col].to_numpy().tobytes()


def test_damaged_or_foreign_cache_file_is_ignored(cache_dir):
    key = "0" * 32
    path = cache.write_clv_fit(key, {"r": 1.0, "alpha": 2.0, "a": 0.5, "b": 2.0}, {})
    assert cache.read_clv_fit(key) == {"bgnbd": {"r": 1.0, "alpha": 2.0, "a": 0.5, "b": 2.0}, "gamma_gamma": {}}
    path.write_text("{not json")
    assert cache.read_clv_fit(key) is None
    path.write_text(json.dumps({"key": "1" * 32, "bgnbd": {}}))
    assert cache.read_clv_fit(key) is None
    with pytest.raises(ValueError, match="hex digits"):
        cache.read_clv_fit("../escape")


def _run_python(code: str, env_cache: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(LIB), "CAMPAIGNLAB_CACHE": str(env_cache)}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_pymc_marketing_is_imported_only_when_a_fit_is_needed(tmp_path):
    short_history = """
        import sys
        import pandas as pd
        import campaignlab.steps.segment, campaignlab.steps.response, campaignlab.steps.retention
        import campaignlab.steps.review, campaignlab.run.session, campaignlab.stats.clv
        from campaignlab.params import ClvConfig
        cfg = ClvConfig(horizon_days=365, priors="flat", discount_rate=0.1, min_history_days=90)
        summary = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [1.0, 0.0], "recency": [5.0, 0.0],
                                "T": [30.0, 20.0], "monetary_value": [3.0, float("nan")]})
        section = campaignlab.steps.segment.fit_lifetime_value(summary, cfg, history_days=30)
        print(section["estimated"], "pymc_marketing" in sys.modules, "pymc" in sys.modules)
    """
    assert _run_python(short_history, tmp_path / "cache") == "False False False"
    # A cached fit predicts without pymc-marketing too.
    summary = _summary(300, seed=sum(map(ord, "subprocess cache")))
    summary.to_parquet(tmp_path / "summary.parquet")
    cached = f"""
        import sys
        import pandas as pd
        from campaignlab.params import ClvConfig
        from campaignlab.steps import segment
        cfg = ClvConfig(horizon_days=365, priors="flat", discount_rate=0.1, min_history_days=90)
        section = segment.fit_lifetime_value(pd.read_parquet({str(tmp_path / "summary.parquet")!r}), cfg,
                                             history_days=300)
        print(section["estimated"], "pymc_marketing" in sys.modules)
    """
    assert _run_python(cached, tmp_path / "cache") == "True False"  # flat priors: fitted in scipy
    default = cached.replace('priors="flat"', 'priors="default"')
    assert _run_python(default, tmp_path / "cache") == "True True"  # default priors: fitted by pymc-marketing
    assert _run_python(default, tmp_path / "cache") == "True False"  # then: from the cache
