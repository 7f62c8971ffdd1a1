"""Times of day and time zones for `/tutor remind`: what a learner may type, the zone Slack
gives for them, and whether their reminder is due (no Slack import: pure functions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?$|^(\d{1,2}):(\d{2})$", re.I)
OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
ZoneSource = Literal["named", "offset", "unknown"]
"""Where a zone came from: Slack's IANA name, only its offset from UTC, or nothing (UTC)."""


def parse_time(text: str) -> str | None:
    """`9:00`, `09:00`, `9am`, `21:30`, `9:30pm` as `HH:MM` (24-hour); None for anything else
    (a bare `9` too: morning or evening?)."""
    match = TIME.match(text.strip())
    if match is None:
        return None
    if match.group(4) is not None:
        hour, minute = int(match.group(4)), int(match.group(5))
        return f"{hour:02d}:{minute:02d}" if hour <= 23 and minute <= 59 else None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    return f"{hour:02d}:{minute:02d}"


def offset_zone(seconds: int) -> str:
    """A fixed offset as a zone name: `UTC+05:30`, `UTC-05:00`, or `UTC` for none."""
    if not seconds:
        return "UTC"
    sign = "+" if seconds > 0 else "-"
    hours, rest = divmod(abs(int(seconds)) // 60, 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone(name: str) -> tzinfo:
    """The tzinfo of a stored zone name (IANA, `UTC±HH:MM`, `UTC`); UTC if unknown here."""
    if match := OFFSET.match(name):
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_of(user: dict[str, Any] | None) -> tuple[str, ZoneSource]:
    """The zone of a Slack user (the `user` of users.info): its IANA name `tz` when this
    machine knows it, else its `tz_offset`, else UTC."""
    user = user or {}
    name = str(user.get("tz") or "")
    if name and not OFFSET.match(name):
        try:
            ZoneInfo(name)
            return name, "named"
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = user.get("tz_offset")
    if isinstance(offset, int | float) and not isinstance(offset, bool):
        return offset_zone(int(offset)), "offset"
    return "UTC", "unknown"


def local_date(tz: str, now: datetime) -> str:
    """The date (ISO) in zone `tz` at `now`, with daylight saving as it is that day."""
    return now.astimezone(zone(tz)).date().isoformat()


def due_day(at: str, tz: str, now: datetime) -> str | None:
    """The local date whose reminder at `at` (`HH:MM`) has come by `now`, else None."""
    local = now.astimezone(zone(tz))
    return local.date().isoformat() if local.strftime("%H:%M") >= at else None
