"""``python -m bench.statements ARGS``: ``python -m bot ARGS`` with every SQL statement counted.

The count lives in the first 8 bytes of the file named by ``BENCH_STATEMENTS`` (a little-endian
unsigned integer in a shared memory map), so the benchmark reads it at any moment without asking
the bot. A SQLAlchemy ``before_cursor_execute`` listener on every engine counts each statement
sent to the database (an executemany counts once, as one round trip).
"""

from __future__ import annotations

import mmap
import os
import runpy
import struct
import sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

ENV = "BENCH_STATEMENTS"
_FORMAT = "<Q"


def prepare(path: Path) -> None:
    """An empty counter for a bot about to start."""
    path.write_bytes(bytes(struct.calcsize(_FORMAT)))


def read(path: Path) -> int:
    return struct.unpack_from(_FORMAT, path.read_bytes())[0]


def main() -> None:
    fd = os.open(os.environ[ENV], os.O_RDWR)
    counter = mmap.mmap(fd, struct.calcsize(_FORMAT))
    count = 0

    @event.listens_for(Engine, "before_cursor_execute")
    def _counted(*_args) -> None:
        nonlocal count
        count += 1
        struct.pack_into(_FORMAT, counter, 0, count)

    sys.argv = ["bot", *sys.argv[1:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
