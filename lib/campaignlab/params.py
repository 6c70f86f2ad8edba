"""Typed campaign parameters: one YAML file per campaign, merged over shared defaults.

A campaign file holds only what differs from ``defaults.yaml`` (the one beside it, or the project's
``params/defaults.yaml``). The merged mapping is validated by :class:`CampaignParams` before any kernel
starts; papermill itself only *warns* on unknown parameters, so unknown keys are refused here with the
closest valid key named.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from campaignlab.engine_config import DuckDBConfig, SparkConfig  # noqa: F401  (re-exported: params names them)

BUNDLED_DATA = "bundled:completejourney"
#: Segment given to customers without an order in the look-back window.
NO_PURCHASE = "no_purchase"
_SCORES = range(1, 6)
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"


class ParamsError(ValueError):
    """A parameters file is unreadable or invalid; the message names the file and key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Economics(_Model):
    """Money assumptions used for ROI; every figure is stated in the report."""

    gross_margin: float = Field(ge=0, le=1, description="Share of incremental revenue kept as gross margin.")
    cost_per_contact: float | None = Field(
        default=None, ge=0, description="Cost of one contact; null takes the campaigns table's value, else 0."
    )
    fixed_cost: float | None = Field(
        default=None, ge=0, description="Fixed campaign cost; null takes the campaigns table's value, else 0."
    )
    count_discount_cost: bool = Field(description="Count redeemed campaign discounts as a cost of the campaign.")
    currency: str | None = Field(default=None, max_length=8,
                                 description="Currency code or symbol put before every money figure; null = none.")


class Cleaning(_Model):
    """Data-cleaning rules that take a value; the rules themselves are documented in docs/data-model.md."""

    valid_from: dt.date | None = Field(default=None, description="Transactions before this date are out of range.")
    valid_to: dt.date | None = Field(default=None, description="Transactions on or after this date are out of range.")
    csv_encoding: str = Field(default="auto", description="Encoding of the CSV files: auto (UTF-8, with or without "
                                                          "BOM, else Latin-1), or a name such as latin-1.")
    csv_separator: Literal["auto", ",", ";", "\t", "|"] = Field(default="auto",
                                                                description="Column separator of the CSV files.")
    decimal_comma: bool = Field(default=False, description="Numbers in CSV files are written with a decimal comma "
                                                           "(12,50 or 1.234,50): read them as 12.50 and 1234.50.")


class ResponseConfig(_Model):
    """The ``response:`` section of the params (defaults in params/defaults.yaml)."""

    alpha: float = Field(gt=0, lt=0.5, description="1 - confidence level of every interval.")
    min_pre_orders: int = Field(ge=0, description="Eligibility: orders in the pre-period (both groups, matched design).")
    exclude_overlapping: bool = Field(description="Matched design: drop comparison customers assigned to another "
                                                  "campaign overlapping the analysis windows.")
    winsorize_quantile: float | None = Field(default=None, gt=0.5, le=1.0,
                                             description="Cap revenue at this pooled quantile; null = no cap.")
    trim: tuple[float, float] = Field(description="Propensity scores outside are trimmed (matched design).")
    balance_threshold: float = Field(gt=0, description="|standardized mean difference| counted as balanced.")
    min_segment_size: int = Field(ge=2, description="Segments with fewer customers in a group are flagged small.")
    planned_split: dict[str, float] | None = Field(default=None, description="Planned share per arm (holdout SRM); "
                                                                             "null = equal shares.")
    srm_threshold: float = Field(gt=0, lt=1, description="SRM chi-square p-value below which the split fails.")
    power: float = Field(gt=0, lt=1, description="Power for the planning section.")
    use_attributes: bool = Field(description="Use customer attributes as covariates where present.")
    primary_metric: Literal["revenue_per_customer", "conversion_rate"] = Field(
        default="revenue_per_customer", description="The metric of the campaign's one verdict (review, portfolio, index).")


class TargetingConfig(_Model):
    """The ``targeting:`` section: the uplift model of randomized campaigns (defaults in params/defaults.yaml)."""

    folds: int = Field(default=5, ge=2, le=20, description="K of the K-fold cross-fitting of the uplift model.")
    bootstrap: int = Field(default=200, ge=50, le=5000, description="Bootstrap draws behind the Qini and policy "
                                                                   "intervals and each fold's standard error in "
                                                                   "the test of a targetable difference.")
    min_per_arm: int = Field(default=200, ge=10, description="Fewest customers per arm (treated, control) for an "
                                                            "uplift model; smaller tests say targeting is not available.")
    seed: int = Field(default=1, description="Seed of the folds, the boosted trees and the bootstrap.")
    max_training_per_arm: int = Field(default=100_000, ge=1000, description="Most customers of an arm each uplift "
                                      "model is fitted on (a seeded sample past it); every customer is scored.")


class RetentionConfig(_Model):
    """The ``retention:`` section of the params (defaults in params/defaults.yaml)."""

    windows_days: list[int] = Field(min_length=1, description="Repurchase windows after the campaign, in days.")
    segment_window_days: int = Field(gt=0, description="Window used for retention by segment.")
    segment_dimensions: list[str] = Field(description="Dimensions of 02_segment shown by retention.")


# --------------------------------------------------------------------------------------
# Segmentation parameters
# --------------------------------------------------------------------------------------


class RfmRule(BaseModel):
    """One named cell range of the recency x frequency score grid.

    Parameters
    ----------
    name : str
        Segment name (a slug such as ``"champions"``).
    r, f : tuple of int
        Inclusive ``[min, max]`` range of the recency and frequency scores (1-5).

    Examples
    --------
    >>> RfmRule(name="champions", r=[5, 5], f=[4, 5]).f
    (4, 5)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    r: tuple[int, int]
    f: tuple[int, int]

    @field_validator("name")
    @classmethod
    def _name_is_usable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("RFM rule name must not be empty")
        if value == NO_PURCHASE:
            raise ValueError(f"RFM rule name {NO_PURCHASE!r} is reserved for customers without orders")
        return value

    @field_validator("r", "f")
    @classmethod
    def _range_is_valid(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if not (1 <= low <= high <= 5):
            raise ValueError(f"score range must satisfy 1 <= min <= max <= 5, got [{low}, {high}]")
        return value


class ValueTier(BaseModel):
    """One value tier: a share of customers (``method="share"``) or a spend floor (``"threshold"``).

    Examples
    --------
    >>> ValueTier(name="high", share=0.2).share
    0.2
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    share: float | None = None
    min_spend: float | None = None


class ValueTierConfig(BaseModel):
    """Value-tier method and tiers, listed from the highest tier to the lowest.

    With ``method="share"`` every tier has a ``share`` and the shares add up to 1.
    With ``method="threshold"`` every tier has a ``min_spend``, strictly decreasing,
    and the last (lowest) tier has ``min_spend: 0``: it takes everyone below the others.

    Examples
    --------
    >>> cfg = ValueTierConfig(method="threshold", tiers=[
    ...     {"name": "high", "min_spend": 5000}, {"name": "low", "min_spend": 0}])
    >>> [t.name for t in cfg.tiers]
    ['high', 'low']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["share", "threshold"]
    tiers: list[ValueTier]

    @model_validator(mode="after")
    def _tiers_match_method(self) -> ValueTierConfig:
        if not self.tiers:
            raise ValueError("value tiers: at least one tier is required")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"value tiers: duplicate tier names in {names}")
        if self.method == "share":
            bad = [t.name for t in self.tiers if t.share is None or t.min_spend is not None]
            if bad:
                raise ValueError(f"value tiers (method=share): tiers {bad} need 'share' and no 'min_spend'")
            if any(t.share <= 0 for t in self.tiers):
                raise ValueError("value tiers (method=share): every share must be > 0")
            total = sum(t.share for t in self.tiers)
            if not math.isclose(total, 1.0, abs_tol=1e-9):
                raise ValueError(f"value tiers (method=share): shares must add up to 1, got {total:g}")
        else:
            bad = [t.name for t in self.tiers if t.min_spend is None or t.share is not None]
            if bad:
                raise ValueError(f"value tiers (method=threshold): tiers {bad} need 'min_spend' and no 'share'")
            floors = [t.min_spend for t in self.tiers]
            if any(a <= b for a, b in zip(floors, floors[1:])):
                raise ValueError(
                    "value tiers (method=threshold): min_spend must strictly decrease from the first tier, "
                    f"got {floors}"
                )
            if floors[-1] != 0:
                raise ValueError(
                    "value tiers (method=threshold): the lowest tier must have min_spend 0 "
                    f"(it takes every customer below the others), got {floors[-1]:g}"
                )
        return self


class LifecycleConfig(BaseModel):
    """Lifecycle thresholds in days before ``as_of`` (see :func:`compute_lifecycle`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    new_days: int
    sleeping_days: int
    churned_days: int

    @model_validator(mode="after")
    def _ordered(self) -> LifecycleConfig:
        if not (0 < self.new_days and 0 < self.sleeping_days < self.churned_days):
            raise ValueError(
                "lifecycle: need 0 < new_days and 0 < sleeping_days < churned_days, got "
                f"new_days={self.new_days}, sleeping_days={self.sleeping_days}, churned_days={self.churned_days}"
            )
        return self


class ClvConfig(BaseModel):
    """Lifetime-value settings (see :class:`campaignlab.stats.clv.LifetimeValueModel`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int
    priors: Literal["flat", "default"]
    discount_rate: float
    min_history_days: int

    @field_validator("horizon_days")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"clv.horizon_days must be > 0, got {value}")
        return value

    @field_validator("discount_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError(f"clv.discount_rate is an annual rate in [0, 1), got {value}")
        return value

    @field_validator("min_history_days")
    @classmethod
    def _history(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"clv.min_history_days must be >= 0, got {value}")
        return value


class SegmentationConfig(BaseModel):
    """Validated segmentation parameters (the ``segmentation:`` block of the params YAML).

    No field has a default in code: the defaults are data, in
    the ``segmentation:`` section of ``params/defaults.yaml``.

    Examples
    --------
    >>> import yaml
    >>> text = '''
    ... lookback_days: 365
    ... rfm_rules:
    ...   - {name: recent, r: [3, 5], f: [1, 5]}
    ...   - {name: lapsed, r: [1, 2], f: [1, 5]}
    ... value_tiers: {method: share, tiers: [{name: top, share: 0.2}, {name: rest, share: 0.8}]}
    ... lifecycle: {new_days: 30, sleeping_days: 90, churned_days: 180}
    ... clv: {horizon_days: 365, priors: flat, discount_rate: 0.1, min_history_days: 90}
    ... holdout_share: 0.1
    ... seed: 1
    ... '''
    >>> SegmentationConfig.model_validate(yaml.safe_load(text)).lifecycle.sleeping_days
    90
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: int
    rfm_rules: list[RfmRule]
    value_tiers: ValueTierConfig
    lifecycle: LifecycleConfig
    clv: ClvConfig
    holdout_share: float
    seed: int

    @field_validator("lookback_days")
    @classmethod
    def _lookback_positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"lookback_days must be > 0, got {value}")
        return value

    @field_validator("rfm_rules")
    @classmethod
    def _rules_tile_the_grid(cls, value: list[RfmRule]) -> list[RfmRule]:
        return validate_rfm_rules(value)

    @field_validator("holdout_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError(f"holdout_share must be in [0, 1), got {value}")
        return value


def validate_rfm_rules(rules: Sequence[RfmRule | dict]) -> list[RfmRule]:
    """Check that the rules give every (recency, frequency) score cell exactly one segment.

    Parameters
    ----------
    rules : sequence of RfmRule or dict
        Rules with ``name``, ``r: [min, max]`` and ``f: [min, max]`` (inclusive).

    Returns
    -------
    list of RfmRule
        The parsed rules, in the given order.

    Raises
    ------
    ValueError
        Naming every overlapping cell and the rules that claim it, every cell left
        uncovered, and duplicate rule names. Overlaps and gaps are errors: there is
        no catch-all "other" segment.

    Examples
    --------
    >>> validate_rfm_rules([{"name": "all", "r": [1, 5], "f": [1, 5]}])[0].name
    'all'
    >>> validate_rfm_rules([{"name": "top", "r": [2, 5], "f": [1, 5]}])
    Traceback (most recent call last):
    ...
    ValueError: RFM rules leave 5 (r, f) cells uncovered: (r=1, f=1), (r=1, f=2), (r=1, f=3), (r=1, f=4), (r=1, f=5)
    """
    parsed = [rule if isinstance(rule, RfmRule) else RfmRule.model_validate(rule) for rule in rules]
    problems: list[str] = []
    names = [rule.name for rule in parsed]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        problems.append(f"RFM rule names are duplicated: {', '.join(repr(n) for n in dupes)}")
    overlaps: list[str] = []
    gaps: list[str] = []
    for r in _SCORES:
        for f in _SCORES:
            claimed = [rule.name for rule in parsed if rule.r[0] <= r <= rule.r[1] and rule.f[0] <= f <= rule.f[1]]
            if len(claimed) > 1:
                overlaps.append(f"(r={r}, f={f}) by {' and '.join(repr(n) for n in claimed)}")
            elif not claimed:
                gaps.append(f"(r={r}, f={f})")
    if overlaps:
        problems.append(f"RFM rules overlap in {len(overlaps)} (r, f) cells: {'; '.join(overlaps)}")
    if gaps:
        problems.append(f"RFM rules leave {len(gaps)} (r, f) cells uncovered: {', '.join(gaps)}")
    if problems:
        raise ValueError(". ".join(problems))
    return parsed


class CampaignParams(_Model):
    """Everything one campaign run needs, validated before a kernel starts."""

    id: str = Field(pattern=SLUG_PATTERN, description="Slug naming the run folder outputs/<id>/.")
    campaign: str = Field(min_length=1, description="campaign_id in the data's campaigns table.")
    data: str = Field(description=f"'{BUNDLED_DATA}' or a folder of the canonical model (relative to the file).")
    title: str | None = None
    pre_period_days: int = Field(gt=0, le=3650)
    post_period_days: int = Field(gt=0, le=3650)
    response_event: str = Field(min_length=1, description="Event name that counts as a response (e.g. redeemed).")
    control_arm: str | None = Field(default=None, description="Arm name of the holdout, if the campaign has one.")
    funnel: list[str] = Field(description="Event order for the funnel; missing events are skipped.")
    economics: Economics
    cleaning: Cleaning
    segmentation: SegmentationConfig
    response: ResponseConfig
    targeting: TargetingConfig = TargetingConfig()
    retention: RetentionConfig
    engine: Literal["duckdb", "spark"] = Field(description="Engine of the analysis queries (cleaning is DuckDB).")
    spark: SparkConfig
    duckdb: DuckDBConfig = Field(default_factory=DuckDBConfig)

    @field_validator("campaign", mode="before")
    @classmethod
    def _campaign_as_text(cls, value: Any) -> Any:
        # YAML reads `campaign: 18` as an int; campaign ids are text in the data model.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _check_cleaning_range(self) -> CampaignParams:
        c = self.cleaning
        if c.valid_from and c.valid_to and c.valid_from >= c.valid_to:
            raise ValueError(
                f"cleaning.valid_from ({c.valid_from}) must be before cleaning.valid_to ({c.valid_to})"
            )
        return self


# The segmentation section's model lives beside its rules.


def find_project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` that holds ``params/defaults.yaml``.

    Notebooks run with the notebook folder as working directory in JupyterLab and with the project
    folder under papermill; resolving paths from the project root makes both work.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params" / "defaults.yaml").is_file():
            return folder
    raise ParamsError(
        f"No params/defaults.yaml found in {here} or any parent folder: run from inside the campaignlab project."
    )


def resolve_path(path: str | Path, *, start: Path | None = None) -> Path:
    """Resolve ``path`` against the working directory, else against the project root."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    here = (start or Path.cwd()).resolve()
    if (here / p).exists():
        return here / p
    try:
        return find_project_root(here) / p
    except ParamsError:
        return here / p


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(f"Parameters file {path} does not exist.") from None
    try:
        # BaseLoader would keep everything as text; safe_load parses numbers and dates, which the model checks.
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path} is not valid YAML: {exc}") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ParamsError(f"{path} must hold a mapping of keys to values, found {type(content).__name__}.")
    return content


def merge_params(defaults: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` over ``defaults`` (mappings merge, everything else replaces).

    Examples
    --------
    >>> merge_params({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": 3}})
    {'a': {'x': 1, 'y': 3}, 'b': 1}
    """
    merged = dict(defaults)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_params(merged[key], value)
        else:
            merged[key] = value
    return merged


def _model_keys(model: type[BaseModel]) -> dict[str, Any]:
    return {name: field.annotation for name, field in model.model_fields.items()}


def _friendly_errors(exc: ValidationError, path: Path, raw: dict[str, Any]) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        if err["type"] == "extra_forbidden":
            parent_loc = err["loc"][:-1]
            valid = _valid_keys_at(parent_loc)
            close = difflib.get_close_matches(str(err["loc"][-1]), valid, n=1, cutoff=0.5)
            hint = f"; did you mean '{'.'.join([*map(str, parent_loc), close[0]])}'?" if close else ""
            lines.append(f"unknown key '{loc}'{hint} (valid here: {', '.join(sorted(valid))})")
        elif err["type"] == "missing":
            lines.append(f"missing key '{loc}': add it to {path.name} or to defaults.yaml")
        else:
            lines.append(f"'{loc}': {err['msg']} (got {err.get('input')!r})")
    return f"Invalid parameters in {path}:\n  - " + "\n  - ".join(lines)


def _valid_keys_at(loc: tuple[Any, ...]) -> list[str]:
    model: Any = CampaignParams
    for part in loc:
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return list(model.model_fields)


def defaults_path_for(path: Path) -> Path:
    """The defaults file a campaign file extends.

    ``defaults.yaml`` beside it; else the project's ``params/defaults.yaml``, the project being found from the
    file's folder, then the working directory, then this package's own checkout (so a params file kept with the
    user's data folder, outside the project, still works).
    """
    sibling = path.parent / "defaults.yaml"
    if sibling.is_file():
        return sibling
    for start in (path.parent, Path.cwd(), Path(__file__).resolve().parent):
        try:
            return find_project_root(start) / "params" / "defaults.yaml"
        except ParamsError:
            continue
    raise ParamsError(f"No defaults.yaml beside {path} and no campaignlab project found to take defaults from.")


def load_params(path: str | Path) -> CampaignParams:
    """Read, merge over defaults and validate one campaign's parameters.

    Parameters
    ----------
    path
        The campaign's YAML file. Relative paths are tried from the working directory, then the project root.

    Returns
    -------
    CampaignParams
        Validated parameters; ``data`` is made absolute unless it names the bundled data set.

    Raises
    ------
    ParamsError
        When the file is missing, not YAML, or a key is unknown, missing or out of range.
    """
    path = resolve_path(path)
    raw = _read_yaml(path)
    if path.name == "defaults.yaml":
        raise ParamsError(f"{path} holds shared defaults; pass a campaign's file such as params/cj_campaign_18.yaml.")
    defaults_file = defaults_path_for(path)
    merged = merge_params(_read_yaml(defaults_file), raw)
    data = merged.get("data")
    if isinstance(data, str) and data != BUNDLED_DATA and not data.startswith("bundled:"):
        base = path.parent if "data" in raw else defaults_file.parent
        merged["data"] = str((base / data).resolve())
    try:
        params = CampaignParams.model_validate(merged)
    except ValidationError as exc:
        raise ParamsError(_friendly_errors(exc, path, raw)) from None
    if params.data.startswith("bundled:") and params.data != BUNDLED_DATA:
        raise ParamsError(f"Invalid parameters in {path}: 'data' names unknown bundled data {params.data!r}; "
                          f"use '{BUNDLED_DATA}' or a folder path.")
    return params


def params_to_dict(params: CampaignParams) -> dict[str, Any]:
    """JSON-ready resolved parameters (dates as ISO text)."""
    return params.model_dump(mode="json")


def slugify(text: str) -> str:
    """Make a run-folder slug from free text.

    Examples
    --------
    >>> slugify("Spring Sale 2024!")
    'spring_sale_2024'
    """
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        raise ParamsError(f"Cannot make a campaign slug from {text!r}: use letters or digits.")
    return slug
