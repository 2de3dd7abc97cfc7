"""Scoring a recorded file end to end: transcript and delivery (speech), then coaching (coach).

`voicecoach score` and the public `voicecoach.score_file` both come through here, so a script
gets exactly the object `voicecoach score --json` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..coach.scenarios import Scenario, get_scenario
from ..config import Config, load_config
from ..speech.pipeline import Scorer, ScoreOptions


def score_options(cfg: Config, scenario: Scenario | None = None, **overrides: Any) -> ScoreOptions:
    """`ScoreOptions` from the config (and `--model`/`--device`... overrides), with recognition
    biased toward the scenario's terms (coach/vocabulary.py) when there is one."""
    import dataclasses

    from ..coach.vocabulary import recognition_terms

    options = ScoreOptions.from_config(cfg, **overrides)
    terms = recognition_terms(scenario, cfg)
    return dataclasses.replace(options, vocabulary=terms) if terms else options


def preload_coaching(cfg: Config, scenario: Scenario | None) -> None:
    """With a scenario, start loading the meaning model and the scenario's point vectors in a
    background thread, so that it overlaps Whisper's load and transcription (coach/meaning.py
    joins it before it matches; the thread is not a daemon, so the process never exits inside it)."""
    if scenario is not None:
        from ..coach.meaning import preload

        preload(cfg, scenario)


def coach_result(data: dict[str, Any], scenario: Scenario | None, cfg: Config, use_llm: bool = False) -> dict[str, Any]:
    """Add the coaching (structure, overall, feedback...) to a `ScoreResult.to_dict()`, in place."""
    if data.get("no_speech"):
        data["message"] = "no speech found in this recording"
        return data
    from ..coach.evaluate import coach

    data.update(coach(data, scenario, cfg, use_llm=use_llm))
    if scenario is not None:
        data["scenario"] = scenario.id
    return data


def score_file(path: str | Path, scenario: str | Scenario | None = None, *, llm: bool = False,
               config: Config | None = None, scorer: Scorer | None = None) -> dict[str, Any]:
    """Score one recording (wav, flac, mp3, m4a, ogg) and coach it; saves nothing.

    `scenario` is a scenario id or object (key points, right-bug check); `llm` also asks the
    configured LLM judge. Returns what `voicecoach score --json` prints for the file. Raises
    `voicecoach.errors.UnusableInput` for a file that cannot be used.
    """
    cfg = config or load_config()
    if isinstance(scenario, str):
        scenario = get_scenario(scenario)
    preload_coaching(cfg, scenario)
    scorer = scorer or Scorer(score_options(cfg, scenario))
    return coach_result(scorer.score_file(path).to_dict(), scenario, cfg, use_llm=llm)
