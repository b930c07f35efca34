#!/usr/bin/env python3
"""Everyday commands, on a machine with nothing but Python 3.11+.

    python3 dev.py bot           run the bot (SQLite under ./data unless DATABASE_URL says otherwise)
    python3 dev.py console       try the bot in this terminal, without Telegram
    python3 dev.py test [ARGS]   layer check, then the whole suite as CI runs it (ARGS go to pytest)
    python3 dev.py test --quick  the same without the end-to-end tier (pytest -m "not e2e"), a few minutes
    python3 dev.py bench         the benchmarks under bench/
    python3 dev.py translations  refresh the message catalogs after changing texts

The first call makes a virtual environment in .venv and installs the project into it;
later calls reinstall only when pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"branchbot needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing branchbot and its dependencies ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(*command: str) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    what, args = (argv[0], argv[1:]) if argv else ("help", [])
    if what not in ("bot", "console", "test", "bench", "translations"):
        print(__doc__)
        return 0 if what in ("help", "-h", "--help") else 2
    ensure_environment()
    python = str(BIN / "python")
    if what == "bot":
        return run(python, "-m", "bot", "run", *args)
    if what == "console":
        return run(python, "-m", "bot", "console", *args)
    if what == "test":
        if "--quick" in args:
            args = [a for a in args if a != "--quick"] + ["-m", "not e2e"]
        return run(str(BIN / "lint-imports")) or run(python, "-m", "pytest", *args)
    if what == "bench":
        return run(python, "-m", "bench", *args)
    pot = "bot/locales/branchbot.pot"
    babel = str(BIN / "pybabel")
    return run(babel, "extract", "-F", "babel.cfg", "-k", "N_", "--no-default-keywords", "--add-location=file",
               "--no-wrap", "--project=branchbot", "-o", pot, "handlers", "bot", "storage/rules") or run(
        babel, "update", "-i", pot, "-d", "bot/locales", "-D", "branchbot", "-l", "zh_CN", "--init-missing",
        "--no-wrap", "--no-fuzzy-matching", "--ignore-obsolete")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
