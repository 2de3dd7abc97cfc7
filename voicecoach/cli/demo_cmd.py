"""`voicecoach demo`: a practice round with no microphone (what `make demo` runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import main
from .common import guarded

FIXTURES = Path(__file__).resolve().parents[2] / "audio_fixtures"
DEMO_CLIP = "demo_answer.wav"


def demo_clip(folder: Path = FIXTURES) -> Path:
    """The demo answer named in audio_fixtures/manifest.json."""
    from ..errors import UnusableInput

    manifest = folder / "manifest.json"
    if not manifest.exists():
        raise UnusableInput(f"{manifest} is missing: run `make fixtures` (scripts/make_fixtures.py) first")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    names = [e["file"] for e in entries]
    name = DEMO_CLIP if DEMO_CLIP in names else next((n for n in names if "demo" in n), None)
    if name is None or not (folder / name).exists():
        raise UnusableInput(f"no demo clip in {manifest}: run `make fixtures` again")
    return folder / name


def demo_scenario() -> str | None:
    """The pagination scenario the demo clip answers, when the scenario bank has it."""
    try:
        from ..coach.scenarios import load_scenarios

        items = load_scenarios()
    except Exception:  # noqa: BLE001 - the generic prompt is a fine fallback for a demo
        return None
    for s in items:
        if "pagination" in s.id.lower():
            return s.id
    return None


@main.command()
@click.option("--no-speak", is_flag=True, help="Do not speak the feedback aloud.")
@click.option("--json", "as_json", is_flag=True, help="Print the score JSON on stdout.")
@guarded
def demo(no_speak, as_json):
    """Run a practice round without a microphone: a recorded answer replayed in real time.

    The answer from audio_fixtures/ goes through the same live path as a microphone (voice
    detection, transcription while it plays, end-of-speech stop), then it is scored and the
    feedback is spoken when an audio output works (otherwise printed with the reason).
    """
    from .practice_cmd import practice_round

    clip = demo_clip()
    click.echo(f"Demo: replaying {clip.name} as if you were speaking it (about a minute).", err=True)
    sys.exit(practice_round(scenario_id=demo_scenario(), input_spec=str(clip), max_seconds=None, end_silence=None,
                            speak=not no_speak, as_json=as_json))
