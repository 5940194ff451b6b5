"""Every app of the project is in pytest's testpaths: an app left out would have its tests silently skipped."""

import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def test_every_project_app_with_tests_is_collected():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    project_apps = {
        app.name for app in apps.get_app_configs() if Path(app.path).resolve().parent == ROOT
    }
    with_tests = {name for name in project_apps if any((ROOT / name).rglob("test_*.py"))}
    assert with_tests - testpaths == set()
