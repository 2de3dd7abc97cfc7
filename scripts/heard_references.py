"""Write tests/data/heard_references.json: what tiny.en heard when each scenario's reference
answer was read aloud (espeak-ng en-us and en-gb, Piper), with the vocabulary prompt.

tests/test_content.py re-coaches these transcripts as text on every run, so a matcher change that
loses a key point on real Whisper output fails in a second, without the model. Regenerate after a
change to transcription (the prompt, the model, PIPELINE_TAG) with

    .venv/bin/python scripts/heard_references.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests"), str(ROOT)]

import content as C  # noqa: E402  (benchmarks/content.py: synthesis, cached transcription)
from voices import available_voices, clip  # noqa: E402

from voicecoach.coach.scenarios import load_scenarios  # noqa: E402
from voicecoach.coach.vocabulary import recognition_terms  # noqa: E402
from voicecoach.config import load_config  # noqa: E402

OUT = ROOT / "tests" / "data" / "heard_references.json"


def main() -> int:
    cfg = load_config()
    heard = []
    for s in load_scenarios():
        text = " ".join(s.reference_parts().values())
        for voice in available_voices():
            r = C.transcribe(clip(text, voice), recognition_terms(s, cfg), "glossary")
            heard.append({"scenario": s.id, "voice": voice, "heard": r["transcript"]["text"].strip()})
    OUT.write_text(json.dumps(heard, indent=1) + "\n", encoding="utf-8")
    print(f"{len(heard)} readings -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
