"""`make run PORT=8001` serves on that port, and every address it prints names it."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args: str) -> list[str]:
    # -n prints the recipe without running it (nothing is installed, migrated or served).
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize(("args", "port"), [(("run",), "8000"), (("run", "PORT=8001"), "8001")])
def test_make_run_serves_and_prints_the_chosen_port(args, port):
    lines = _dry_run(*args)
    (runserver,) = [line for line in lines if "manage.py runserver" in line]
    assert runserver.split()[-1] == f"127.0.0.1:{port}"
    printed = [line for line in lines if line.startswith("echo") and "http" in line]
    assert len(printed) == 3
    assert {m for line in printed for m in re.findall(r"127\.0\.0\.1:(\d+)", line)} == {port}


def test_make_onboard_prints_links_for_the_same_port():
    lines = _dry_run("onboard", "FILE=docs/examples/salon.yaml", "EMAIL=owner@example.com", "PORT=8001")
    (onboard,) = [line for line in lines if "manage.py onboard_tenant" in line]
    assert onboard.split()[-2:] == ["--base-url", "http://127.0.0.1:8001"]
    assert '--staff-email "owner@example.com"' in onboard
