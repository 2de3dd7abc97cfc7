"""VoiceCoach: a local voice coach for spoken technical explanations.

The public API, for scripts and notebooks (the CLI is a thin layer over the same calls):

    import voicecoach
    result = voicecoach.score_file("answer.wav", scenario="py-nonidempotent-retry")
    result["overall"], result["delivery"]["wpm"], result["feedback"]

- `score_file(path, scenario=None, llm=False)`: transcribe, measure and coach one recording;
  returns the dict `voicecoach score --json` prints.
- `Scorer`, `ScoreOptions`: the transcription pipeline, model loaded once, for many files.
- `coach(result, scenario, config)`: coaching of an already transcribed take.
- `load_scenarios()`, `get_scenario(id)`: the bundled and user scenarios.
- `load_config()`: defaults merged with `$VOICECOACH_HOME/config.toml`.
- `Word`, `Transcript`, `Delivery`, `ScoreResult`: the dataclasses passed between stages.

Names resolve lazily (PEP 562), so `import voicecoach` loads no model, audio or network library.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "score_file": "voicecoach.sessions.score",
    "Scorer": "voicecoach.speech.pipeline",
    "ScoreOptions": "voicecoach.speech.pipeline",
    "coach": "voicecoach.coach.evaluate",
    "load_scenarios": "voicecoach.coach.scenarios",
    "get_scenario": "voicecoach.coach.scenarios",
    "load_config": "voicecoach.config",
    "Word": "voicecoach.types",
    "Transcript": "voicecoach.types",
    "Delivery": "voicecoach.types",
    "ScoreResult": "voicecoach.types",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolve once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
