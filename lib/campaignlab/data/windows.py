"""Analysis windows of a campaign: pre-period, campaign window and post-period, as half-open date ranges.

A window ``[start, end)`` includes ``start`` and excludes ``end``. Windows that reach outside the data are clipped
to it; the clipping is recorded so reports can say so and analyses that need the missing part can refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

PERIODS = ("pre", "campaign", "post")


@dataclass(frozen=True)
class Window:
    """One half-open date range, as requested and as covered by the data."""

    name: str
    start: dt.date
    end: dt.date
    clipped_start: dt.date | None
    clipped_end: dt.date | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def covered_days(self) -> int:
        if self.clipped_start is None or self.clipped_end is None:
            return 0
        return (self.clipped_end - self.clipped_start).days

    @property
    def complete(self) -> bool:
        return self.covered_days == self.days

    def to_dict(self) -> dict:
        out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()}
        out.update(days=self.days, covered_days=self.covered_days, complete=self.complete)
        return out


def _clip(name: str, start: dt.date, end: dt.date, data_start: dt.date, data_end: dt.date) -> Window:
    lo, hi = max(start, data_start), min(end, data_end)
    if lo >= hi:
        return Window(name, start, end, None, None)
    return Window(name, start, end, lo, hi)


def compute_windows(
    start_date: dt.date,
    end_date: dt.date,
    *,
    pre_days: int,
    post_days: int,
    data_start: dt.date,
    data_end: dt.date,
) -> dict[str, Window]:
    """Pre, campaign and post windows, each clipped to the data's date range ``[data_start, data_end)``.

    Parameters
    ----------
    start_date, end_date
        The campaign window ``[start_date, end_date)``.
    pre_days, post_days
        Lengths of the pre-period before ``start_date`` and the post-period from ``end_date``.
    data_start, data_end
        First day with data and the day after the last one.

    Returns
    -------
    dict of str to Window
        Keys ``pre``, ``campaign``, ``post``.

    Examples
    --------
    >>> w = compute_windows(dt.date(2017, 10, 30), dt.date(2017, 12, 25), pre_days=90, post_days=90,
    ...                     data_start=dt.date(2017, 1, 1), data_end=dt.date(2018, 1, 2))
    >>> w["pre"].start.isoformat(), w["post"].complete, w["post"].covered_days
    ('2017-08-01', False, 8)
    """
    if end_date <= start_date:
        raise ValueError(f"campaign window is empty: end_date {end_date} is not after start_date {start_date}")
    pre_start = start_date - dt.timedelta(days=pre_days)
    post_end = end_date + dt.timedelta(days=post_days)
    return {
        "pre": _clip("pre", pre_start, start_date, data_start, data_end),
        "campaign": _clip("campaign", start_date, end_date, data_start, data_end),
        "post": _clip("post", end_date, post_end, data_start, data_end),
    }


def describe_clipping(windows: dict[str, Window]) -> list[str]:
    """Plain sentences about windows the data does not fully cover (empty when all are complete).

    Examples
    --------
    >>> w = compute_windows(dt.date(2017, 1, 5), dt.date(2017, 2, 1), pre_days=30, post_days=30,
    ...                     data_start=dt.date(2017, 1, 1), data_end=dt.date(2018, 1, 1))
    >>> describe_clipping(w)
    ['The pre-period (2016-12-06 to 2017-01-04) is only partly covered by the data: 4 of 30 days.']
    """
    labels = {"pre": "pre-period", "campaign": "campaign window", "post": "post-period"}
    notes = []
    for name in PERIODS:
        w = windows[name]
        if w.complete:
            continue
        last = (w.end - dt.timedelta(days=1)).isoformat()
        if w.covered_days == 0:
            notes.append(f"The {labels[name]} ({w.start} to {last}) lies entirely outside the data.")
        else:
            notes.append(
                f"The {labels[name]} ({w.start} to {last}) is only partly covered by the data: "
                f"{w.covered_days} of {w.days} days."
            )
    return notes
