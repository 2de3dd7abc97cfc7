"""Turn the labelled answers into the result dicts the real pipeline produces.

Word times are synthetic: a steady rate (`wpm` per answer, 150 by default), a short pause after
each sentence and a 1.5 s pause wherever the text has "...". Fillers, hedges and every delivery
figure come from the real metrics code, so the coaching sees what it would see after Whisper.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from voicecoach.speech.lexicon import Lexicon
from voicecoach.speech.metrics import DeliveryOptions, analyze, mark_fillers
from voicecoach.types import ModelInfo, ScoreResult, Timing, Transcript, Word

HERE = Path(__file__).parent
KINDS = ("crisp", "rambling", "diagnosis_no_fix", "fix_no_impact", "wrong_bug")


@dataclass(frozen=True)
class Labelled:
    scenario: str
    kind: str
    text: str
    wpm: float


def load_labelled() -> list[Labelled]:
    out = []
    for path in sorted(HERE.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for answer in data["answers"]:
            assert answer["kind"] in KINDS, f"{path}: unknown kind {answer['kind']}"
            out.append(Labelled(data["scenario"], answer["kind"], " ".join(answer["text"].split()),
                                float(answer.get("wpm", 150))))
    return out


def timed_words(text: str, wpm: float = 150.0, start_s: float = 0.5) -> list[Word]:
    per_word = 60.0 / wpm
    t = start_s
    words = []
    for token in text.split():
        if token == "...":
            t += 1.5
            continue
        words.append(Word(token, round(t, 3), round(t + 0.85 * per_word, 3), 0.95))
        t += per_word + (0.35 if token.endswith((".", "?", "!")) else 0.0)
    return words


def result_for(text: str, wpm: float = 150.0, lexicon: Lexicon | None = None) -> dict:
    """A `ScoreResult.to_dict()` for `text` spoken at `wpm`, as the scorer would build it."""
    lexicon = lexicon or Lexicon.default()
    words = mark_fillers(timed_words(text, wpm), lexicon)
    delivery = analyze(words, lexicon, DeliveryOptions())
    end_s = words[-1].end_s + 0.5 if words else 1.0
    return ScoreResult(
        path="labelled.wav", duration_s=end_s, model=ModelInfo("synthetic", "cpu", "none"),
        transcript=Transcript(" ".join(w.text for w in words), tuple(words)), delivery=delivery,
        timing=Timing(0.0, 0.0, 0.0), no_speech=not words,
    ).to_dict()
