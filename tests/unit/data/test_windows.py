import datetime as dt

import pytest

from campaignlab.data.windows import compute_windows, describe_clipping

D = dt.date


def test_windows_are_half_open_and_adjacent():
    w = compute_windows(D(2024, 3, 1), D(2024, 3, 15), pre_days=10, post_days=5,
                        data_start=D(2024, 1, 1), data_end=D(2025, 1, 1))
    assert (w["pre"].start, w["pre"].end) == (D(2024, 2, 20), D(2024, 3, 1))
    assert w["campaign"].days == 14 and w["post"].end == D(2024, 3, 20)
    assert all(x.complete for x in w.values()) and describe_clipping(w) == []


def test_window_starting_before_the_data_is_clipped_and_said():
    # like bundled campaign 24, which starts before the first transaction
    w = compute_windows(D(2016, 11, 14), D(2017, 1, 17), pre_days=90, post_days=90,
                        data_start=D(2017, 1, 1), data_end=D(2018, 1, 2))
    assert w["pre"].covered_days == 0 and w["pre"].clipped_start is None
    assert w["campaign"].clipped_start == D(2017, 1, 1) and w["campaign"].covered_days == 16
    notes = describe_clipping(w)
    assert any("entirely outside" in n for n in notes) and any("16 of 64 days" in n for n in notes)


def test_empty_campaign_window_is_refused():
    with pytest.raises(ValueError, match="not after"):
        compute_windows(D(2024, 3, 1), D(2024, 3, 1), pre_days=1, post_days=1,
                        data_start=D(2024, 1, 1), data_end=D(2025, 1, 1))
