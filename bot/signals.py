"""Waiting for SIGTERM or SIGINT, for runtimes that do not handle signals themselves."""

from __future__ import annotations

import asyncio
import signal


async def stop_requested() -> None:
    """Return once the process is asked to stop (SIGTERM from a service manager, or Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
