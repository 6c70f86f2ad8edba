from pathlib import Path

import pytest

from campaignlab.params import ParamsError, load_params, merge_params

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "camp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    (tmp_path / "defaults.yaml").write_text((ROOT / "params" / "defaults.yaml").read_text())
    return path


def test_every_bundled_params_file_validates():
    files = sorted(p for p in (ROOT / "params").glob("cj_campaign_*.yaml"))
    assert len(files) == 27
    ids = {load_params(p).id for p in files}
    assert ids == {f"cj_campaign_{n}" for n in range(1, 28)}


def test_campaign_file_overrides_defaults(tmp_path):
    p = load_params(write(tmp_path, "id: x1\ncampaign: 7\npre_period_days: 30\neconomics:\n  gross_margin: 0.5\n"))
    assert p.campaign == "7" and p.pre_period_days == 30 and p.post_period_days == 90
    assert p.economics.gross_margin == 0.5 and p.economics.count_discount_cost is True


def test_misspelled_key_names_the_closest_valid_one(tmp_path):
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\npre_perod_days: 30\n"))
    msg = str(err.value)
    assert "camp.yaml" in msg and "pre_perod_days" in msg and "did you mean 'pre_period_days'" in msg


def test_misspelled_nested_key(tmp_path):
    with pytest.raises(ParamsError, match=r"economics.gross_margn.*did you mean 'economics.gross_margin'"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\neconomics:\n  gross_margn: 0.2\n"))


def test_impossible_values_are_refused_with_reason(tmp_path):
    with pytest.raises(ParamsError, match="pre_period_days"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\npre_period_days: -3\n"))
    with pytest.raises(ParamsError, match="valid_from .* must be before"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\n"
                                    "cleaning:\n  valid_from: 2024-02-01\n  valid_to: 2024-01-01\n"))
    with pytest.raises(ParamsError, match="'id'"):
        load_params(write(tmp_path, "id: Not A Slug\ncampaign: '7'\n"))


def test_dates_are_parsed_explicitly(tmp_path):
    p = load_params(write(tmp_path, "id: x1\ncampaign: '7'\ncleaning:\n  valid_from: '2024-01-05'\n"))
    assert p.cleaning.valid_from.isoformat() == "2024-01-05"
    with pytest.raises(ParamsError, match="valid_from"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\ncleaning:\n  valid_from: 'next tuesday'\n"))


def test_data_folder_is_resolved_relative_to_the_file(tmp_path):
    p = load_params(write(tmp_path, "id: x1\ncampaign: '7'\ndata: shop\n"))
    assert Path(p.data) == (tmp_path / "shop").resolve()


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ParamsError, match="does not exist"):
        load_params(tmp_path / "nope.yaml")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(write(tmp_path, "id: [unclosed\n"))
    with pytest.raises(ParamsError, match="shared defaults"):
        load_params(ROOT / "params" / "defaults.yaml")


def test_merge_replaces_lists_and_merges_mappings():
    assert merge_params({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": {"d": 2}}) == {"a": [3], "b": {"c": 1, "d": 2}}


def test_engine_defaults_to_duckdb_and_spark_settings_merge_over_the_defaults(tmp_path):
    p = load_params(write(tmp_path, "id: x1\ncampaign: '7'\n"))
    assert p.engine == "duckdb" and p.spark.master == "local[2]"
    assert p.spark.config["spark.sql.execution.arrow.pyspark.enabled"] is True
    p = load_params(write(tmp_path, "id: x1\ncampaign: '7'\nengine: spark\n"
                                    "spark: {master: 'spark://head:7077', config: {spark.executor.memory: 8g}}\n"))
    assert p.engine == "spark" and p.spark.master == "spark://head:7077"
    assert p.spark.config["spark.executor.memory"] == "8g"
    assert p.spark.config["spark.sql.session.timeZone"] == "UTC"  # kept from the defaults


def test_unknown_engine_and_spark_keys_are_refused(tmp_path):
    with pytest.raises(ParamsError, match="engine"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\nengine: polars\n"))
    with pytest.raises(ParamsError, match="did you mean 'spark.master'"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\nspark: {mastr: yarn}\n"))
    with pytest.raises(ParamsError, match="max_customers_in_memory"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\nspark: {max_customers_in_memory: 0}\n"))


# ------------------------------------------------------------------------------------------ duckdb.memory_limit
@pytest.mark.parametrize("given, kept", [("30%", "30%"), ("4GB", "4GB"), ("512 mb", "512MB"), ("2GiB", "2GiB"),
                                         (None, None)])
def test_memory_limit_takes_a_share_or_a_size(given, kept):
    from campaignlab.params import DuckDBConfig

    assert DuckDBConfig(memory_limit=given).memory_limit == kept


@pytest.mark.parametrize("bad", ["0%", "95%", "4 gigs", "-1GB", "0GB", "lots", ""])
def test_memory_limit_refuses_what_duckdb_could_not_use_and_says_what_fits(bad):
    from pydantic import ValidationError

    from campaignlab.params import DuckDBConfig

    with pytest.raises(ValidationError, match="duckdb.memory_limit must be a share .* or a size such as '4GB'"):
        DuckDBConfig(memory_limit=bad)


def test_memory_limit_defaults_to_a_share_of_the_machine_and_names_the_key_when_wrong(tmp_path):
    assert load_params(write(tmp_path, "id: x1\ncampaign: '7'\n")).duckdb.memory_limit.endswith("%")
    with pytest.raises(ParamsError, match="duckdb.memory_limit"):
        load_params(write(tmp_path, "id: x1\ncampaign: '7'\nduckdb: {memory_limit: 200%}\n"))
