"""Range and choice checks for settings: each failure names the key, the value and what is valid.

Used by every settings dataclass (``__post_init__``), so a bad value fails when a config is
composed or a settings object is built, with a message such as
``optimizer.gamma = -2 is out of range: expected 0 < gamma <= 1 (the factor ...)``.
"""

from __future__ import annotations

import math
import typing
from typing import Any


class SettingError(ValueError):
    """A setting outside its valid range: ``key`` names it, the message says what is valid and how to fix it."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def check_range(
    key: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    meaning: str = "",
) -> None:
    """Raise :class:`SettingError` unless ``value`` is finite and in the stated interval.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``; ``integer`` also requires a whole number.
    ``meaning`` (what the key does) goes into the message, so a user sees why the range is what it is.
    """
    lo = "" if low is None else f"{low:g} {'<' if low_open else '<='} "
    hi = "" if high is None else f" {'<' if high_open else '<='} {high:g}"
    expected = f"{lo}{key}{hi}" + (" (an integer)" if integer else "")
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    if not bad and integer and float(value) != int(value):
        bad = True
    if not bad and low is not None:
        bad = value <= low if low_open else value < low
    if not bad and high is not None:
        bad = value >= high if high_open else value > high
    if bad:
        why = f" ({meaning})" if meaning else ""
        raise SettingError(key, f"{key} = {value!r} is out of range: expected {expected}{why}.")


def check_choice(key: str, value: Any, choices: typing.Iterable[str]) -> None:
    """Raise :class:`SettingError` unless ``value`` is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise SettingError(key, f"{key} = {value!r} is not one of {choices}.")


__all__ = ["SettingError", "check_range", "check_choice"]
