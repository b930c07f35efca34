"""Benchmarks: run with ``python -m bench`` (or ``python3 dev.py bench``); see bench/README.md."""
