"""Human time spans for the CLI: ``"1s,1h,1d,1y"`` -> seconds."""

from __future__ import annotations

import re

UNIT_SECONDS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0,
                "y": 365.25 * 86400.0}


def parse_time_s(text: str) -> float:
    """``"1h"`` -> 3600.0; a bare number is seconds. Raises ValueError naming the bad token."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*", text)
    if not m or (m.group(2) and m.group(2) not in UNIT_SECONDS):
        raise ValueError(f"bad time span {text!r}: use a number with unit s, m, h, d, w or y (e.g. 1d)")
    value = float(m.group(1)) * UNIT_SECONDS.get(m.group(2) or "s", 1.0)
    if value <= 0:
        raise ValueError(f"time span {text!r} must be > 0")
    return value


def parse_time_list(text: str) -> list[tuple[str, float]]:
    """``"1h,1d"`` -> ``[("1h", 3600.0), ("1d", 86400.0)]``."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError("empty list of time spans")
    return [(t, parse_time_s(t)) for t in items]
