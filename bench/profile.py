"""Reading py-spy's raw output (``frame;frame;... count`` per line) into a short list of hot spots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

# The first match (by file path of a frame) names where the time went.
AREAS = (
    ("handlers/", "branchbot handlers"),
    ("storage/", "branchbot storage"),
    ("bot/", "branchbot runtime"),
    ("bench/", "baseline bot"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("aiosqlite/", "aiosqlite (SQLite calls)"),
    ("asyncpg/", "asyncpg"),
    ("aiogram/", "aiogram"),
    ("pydantic", "pydantic"),
    ("aiohttp/", "aiohttp"),
    ("yarl/", "aiohttp"),
    ("multidict/", "aiohttp"),
    ("asyncio/", "asyncio"),
    ("logging/", "logging"),
    ("json/", "json"),
    ("babel/", "babel"),
)
OWN = ("handlers/", "storage/", "bot/")
# Leaf frames that are a thread waiting, not working (py-spy counts a blocked syscall as active).
IDLE = {
    "EpollSelector.select (selectors.py)": "idle: event loop waiting for I/O",
    "_connection_worker_thread (aiosqlite/core.py)": "idle: SQLite thread waiting for work",
    "Condition.wait (threading.py)": "idle: thread waiting",
}


def _file(frame: str) -> str:
    """``func (path/to/file.py)`` → ``path/to/file.py``."""
    return frame.rpartition(" (")[2].rstrip(")")


def area(frame: str) -> str:
    path = _file(frame)
    for prefix, name in AREAS:
        if path.startswith(prefix) or f"/{prefix}" in path:
            return name
    return "other"


def summarize(path: Path, top: int = 12) -> str:
    """Self time by area and by function, and the inclusive time of branchbot's own functions."""
    if not path.exists():
        return f"(no profile at {path})"
    leaf: Counter[str] = Counter()
    by_area: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        frames = stack.split(";")
        total += count
        leaf[frames[-1]] += count
        # The deepest frame in a known library or our code says whose time it is.
        by_area[IDLE.get(frames[-1]) or next((area(f) for f in reversed(frames) if area(f) != "other"),
                                             "other")] += count
        for frame in set(frames):
            if _file(frame).startswith(OWN):
                inclusive[frame] += count
        threads["worker threads" if "threading.py" in frames[0] else "event loop thread"] += count
    if total == 0:
        return f"(empty profile at {path})"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    lines = [f"{total} samples ({', '.join(f'{k} {pct(v).strip()}' for k, v in threads.most_common())})",
             "  by area (deepest known frame):"]
    lines += [f"    {pct(n)}  {name}" for name, n in by_area.most_common(top)]
    lines.append("  hottest functions (self):")
    lines += [f"    {pct(n)}  {frame}" for frame, n in leaf.most_common(top)]
    if inclusive:
        lines.append("  branchbot's own functions (inclusive):")
        lines += [f"    {pct(n)}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)
