"""The view's single commit, repeated when two writers raced on a UNIQUE constraint.

Marks are protected by database constraints, not locks (see ``scoring.services``). When two requests store
the same next version at once, the loser's flush or commit raises IntegrityError (PostgreSQL may instead
report a deadlock or serialization failure; SQLite reports SQLITE_BUSY when a transaction that read first
finds another writer committed since its snapshot); the whole transaction is rolled back and the operation
runs again from the start, reading the winner's row. Replays then find their own key and write nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db

T = TypeVar("T")
RETRYABLE_PG = ("40001", "40P01")  # serialization_failure, deadlock_detected


def _retryable(err: Exception) -> bool:
    if isinstance(err, IntegrityError):
        return True
    orig = getattr(err, "orig", None)
    if getattr(orig, "sqlstate", None) in RETRYABLE_PG:
        return True
    return str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY")


def commit_with_retry(operation: Callable[[], T], attempts: int = 8) -> T:
    for attempt in range(attempts):
        try:
            result = operation()
            db.session.commit()
            return result
        except DBAPIError as err:
            db.session.rollback()
            if not _retryable(err) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # let the winner finish; no lockstep retries
    raise AssertionError("unreachable")
