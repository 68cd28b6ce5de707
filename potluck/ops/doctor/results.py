"""What a doctor check answers, and small helpers to word it."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

GIB = 1024**3
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Result:
    status: Status
    name: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class Problem:
    status: Status
    message: str
    fix: str


def combine(name: str, problems: list[Problem], fine: str) -> Result:
    """One result for a check that can find several problems: the worst one decides."""
    if not problems:
        return Result(Status.OK, name, fine)
    worst = Status.FAIL if any(p.status == Status.FAIL for p in problems) else Status.WARN
    return Result(
        worst,
        name,
        "; ".join(p.message for p in problems),
        " ".join(p.fix for p in problems if p.fix),
    )


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def top(counts: Counter[str]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in counts.most_common(3))
