"""How the background passes retry what failed for now (an SMTP server down, an IMAP
login refused): a delay that grows with each attempt, never more than six hours; and how
long a claim on work holds before another pass may take the work over."""

from __future__ import annotations

import datetime as dt

# A pass that dies after claiming work gives it back when this runs out.
CLAIM_LEASE = dt.timedelta(minutes=10)
MAX_DELAY = dt.timedelta(hours=6)


def growing_delay(attempts: int, *, first_minutes: int, factor: int) -> dt.timedelta:
    """first, first*factor, first*factor**2 ... minutes, at most MAX_DELAY."""
    return min(dt.timedelta(minutes=first_minutes * factor ** max(0, attempts - 1)), MAX_DELAY)
