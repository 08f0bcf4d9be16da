"""Time helpers: stored times are naive UTC; shown times are Beijing time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
