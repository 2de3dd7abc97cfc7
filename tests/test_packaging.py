"""An installed wheel, not only the editable checkout, finds its bundled data (issue 10).

Builds the wheel with the venv's own setuptools (no network), installs it into a fresh venv
without its dependencies, and runs it from outside the source tree. The fresh venv borrows
only the pure-Python CLI libraries (click, rich and theirs) from the test venv through
PYTHONPATH, so what it imports of voicecoach can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI_DISTS = ("click", "rich", "markdown-it-py", "mdurl", "pygments")


def _top_level_dirs(dist_name: str) -> set[Path]:
    dist = metadata.distribution(dist_name)
    tops = set()
    for f in dist.files or ():
        first = f.parts[0]
        if first.endswith((".dist-info", ".egg-info")) or first in ("..", "__pycache__"):
            continue
        tops.add(Path(dist.locate_file(first)))
    return tops


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(work / "dist"), str(ROOT)], check=True, capture_output=True, text=True,
                       timeout=300)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"building the wheel failed:\n{exc.stderr[-2000:]}")
    wheel = next((work / "dist").glob("voicecoach-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    deps = work / "deps"
    deps.mkdir()
    for name in CLI_DISTS:
        for top in _top_level_dirs(name):
            if top.exists():
                (deps / top.name).symlink_to(top)
    env = {**os.environ, "PYTHONPATH": str(deps), "VOICECOACH_HOME": str(work / "home")}
    return wheel, python, env, work


def test_wheel_carries_the_bundled_data(installed):
    wheel, *_ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert sum(n.startswith("voicecoach/seeds/scenarios/") and n.endswith(".toml") for n in names) == 12
    assert any(n.startswith("voicecoach/seeds/drills/") for n in names)
    assert "voicecoach/prompts/judge_system.txt" in names
    assert "voicecoach/templates/report.html" in names
    assert "voicecoach/defaults.toml" in names


def test_installed_wheel_lists_the_12_scenarios(installed):
    _wheel, python, env, work = installed
    where = subprocess.run([str(python), "-c", "import voicecoach; print(voicecoach.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(work / "venv"), where.stdout
    out = subprocess.run([str(python), "-m", "voicecoach", "scenarios", "--json"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if len(rows) == 1 and isinstance(rows[0], list):
        rows = rows[0]
    assert len(rows) == 12
    assert {"js-wrong-status-code", "py-nonidempotent-retry", "go-inventory-race"} <= {r["id"] for r in rows}
