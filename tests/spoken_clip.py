"""Speech with known text for tests: espeak-ng through scripts/make_fixtures.py (one voice, one rate)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def espeak(text: str, target: Path, rate_wpm: int = 160) -> Path:
    """Write `text` spoken at `rate_wpm` to `target`; skips the test without espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.synthesise(text, rate_wpm, target)
    return target
