"""`/tutor remind`'s times and zones: what a learner may type, the zone Slack gives, and when
a reminder is due in that zone (daylight saving included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tutor.slack.remind_times import due_day, local_date, parse_time, zone_of


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("9:00", "09:00"),
        ("09:00", "09:00"),
        ("9am", "09:00"),
        ("9 AM", "09:00"),
        ("21:30", "21:30"),
        ("9:30pm", "21:30"),
        ("9:30 p.m.", "21:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("0:05", "00:05"),
        ("23:59", "23:59"),
    ],
)
def test_the_times_a_learner_types_are_read_as_24_hour_times(typed: str, kept: str) -> None:
    assert parse_time(typed) == kept


@pytest.mark.parametrize(
    "typed", ["9", "24:00", "9:60", "13pm", "0am", "9:5", "noon", "tomorrow", "9:00:00", ""]
)
def test_anything_else_is_not_a_time(typed: str) -> None:
    assert parse_time(typed) is None


def test_the_zone_is_slacks_name_else_its_offset_else_utc() -> None:
    assert zone_of({"tz": "Asia/Tokyo", "tz_offset": 32400}) == ("Asia/Tokyo", "named")
    assert zone_of({"tz": "Mars/Olympus", "tz_offset": -18000}) == ("UTC-05:00", "offset")
    assert zone_of({"tz_offset": 19800}) == ("UTC+05:30", "offset")
    assert zone_of({}) == ("UTC", "unknown")
    assert zone_of(None) == ("UTC", "unknown")


def test_a_reminder_is_due_once_its_local_time_has_come() -> None:
    # 13:30 UTC is 08:30 in New York (winter) and 22:30 in Tokyo.
    now = datetime(2026, 12, 4, 13, 30, tzinfo=UTC)
    assert due_day("09:00", "America/New_York", now) is None
    assert due_day("09:00", "Asia/Tokyo", now) == "2026-12-04"
    assert due_day("08:30", "UTC-05:00", now) == "2026-12-04"
    # 23:30 UTC is already tomorrow in Tokyo, and its 9:00 has not come there yet.
    late = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    assert local_date("Asia/Tokyo", late) == "2026-12-05"
    assert due_day("09:00", "Asia/Tokyo", late) is None


def test_daylight_saving_moves_the_reminder_with_the_clocks() -> None:
    # 9:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    summer = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert due_day("09:00", "America/New_York", summer) == "2026-07-01"
    assert due_day("09:00", "America/New_York", winter) is None
    # A fixed offset does not follow the clocks.
    assert due_day("09:00", "UTC-05:00", summer) is None


def test_the_manifest_asks_for_what_reminders_use() -> None:
    import yaml

    from tests.conftest import REPO

    manifest = yaml.safe_load((REPO / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"users:read", "im:write", "chat:write"} <= scopes  # users.info, DM, post
    [command] = manifest["features"]["slash_commands"]
    assert "remind" in command["usage_hint"]
