"""deploy/: the files a service manager or a container engine reads refer to what the project has."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest

from tests.live import ROOT

DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_file_parses():
    done = subprocess.run(["systemd-analyze", "verify", str(DEPLOY / "branchbot.service")],
                          capture_output=True, text=True, timeout=60)
    # Only the program itself may be missing here: it is where the installation puts it.
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if line.strip() and "/opt/branchbot/.venv/bin/branchbot is not executable" not in line]
    assert complaints == []


def test_the_unit_runs_the_bot_and_restarts_it():
    unit = (DEPLOY / "branchbot.service").read_text()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert re.search(r"^ExecStart=/opt/branchbot/\.venv/bin/branchbot run$", unit, re.M) and "branchbot" in scripts
    assert "Restart=on-failure" in unit and "WorkingDirectory=/opt/branchbot" in unit


def test_the_dockerfile_copies_what_exists_and_runs_the_bot():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in packages:  # every package the wheel takes is copied in
        assert f"COPY {package.rstrip('*')} " in dockerfile
    assert 'ENTRYPOINT ["branchbot"]' in dockerfile and 'CMD ["run"]' in dockerfile


def test_compose_builds_that_dockerfile_beside_postgresql():
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "dockerfile: deploy/Dockerfile" in compose and "context: .." in compose
    assert "image: postgres:" in compose and "condition: service_healthy" in compose
    assert "DATABASE_URL: postgresql+asyncpg://" in compose and compose.count("restart: unless-stopped") == 2
