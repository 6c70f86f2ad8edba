"""Typed campaign parameters: one YAML file per campaign, merged over shared defaults.

A campaign file holds only what differs from ``defaults.yaml`` (the one beside it, or the project's
``params/defaults.yaml``). The merged mapping is validated by :class:`CampaignParams` before any kernel
starts; papermill itself only *warns* on unknown parameters, so unknown keys are refused here with the
closest valid key named.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUNDLED_DATA = "bundled:completejourney"
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


class Cleaning(_Model):
    """Data-cleaning rules that take a value; the rules themselves are documented in docs/data-model.md."""

    valid_from: dt.date | None = Field(default=None, description="Transactions before this date are out of range.")
    valid_to: dt.date | None = Field(default=None, description="Transactions on or after this date are out of range.")


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


class RetentionConfig(_Model):
    """The ``retention:`` section of the params (defaults in params/defaults.yaml)."""

    windows_days: list[int] = Field(min_length=1, description="Repurchase windows after the campaign, in days.")
    segment_window_days: int = Field(gt=0, description="Window used for retention by segment.")
    segment_dimensions: list[str] = Field(description="Dimensions of 02_segment shown by retention.")


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
    segmentation: "SegmentationConfig"
    response: "ResponseConfig"
    retention: "RetentionConfig"

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
from .segmentation import SegmentationConfig  # noqa: E402

CampaignParams.model_rebuild()


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

