"""Synthesise the project's own test clips with espeak-ng from audio_fixtures/fixtures.json.

Writes audio_fixtures/<name>.wav (16 kHz mono PCM16) and audio_fixtures/manifest.json with the
known text, espeak rate and measured duration of each clip. Run: python scripts/make_fixtures.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "audio_fixtures" / "fixtures.json"
OUT = ROOT / "audio_fixtures"
VOICE = "en-us"


def synthesise(text: str, rate_wpm: int, target: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(rate_wpm), "-w", str(raw), text], check=True)
        samples, rate = sf.read(raw, dtype="float32")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if rate != 16000:  # linear interpolation is plenty for synthetic speech
        n = int(round(len(samples) * 16000 / rate))
        samples = np.interp(np.linspace(0, len(samples) - 1, n), np.arange(len(samples)), samples).astype("float32")
    sf.write(target, samples, 16000, subtype="PCM_16")
    return round(len(samples) / 16000, 3)


def main() -> int:
    if not shutil.which("espeak-ng"):
        print("espeak-ng is missing: sudo apt-get install espeak-ng", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    manifest = []
    for clip in json.loads(SPEC.read_text())["clips"]:
        target = OUT / f"{clip['name']}.wav"
        duration = synthesise(clip["text"], clip["rate_wpm"], target)
        manifest.append({"file": target.name, "text": clip["text"], "rate_wpm": clip["rate_wpm"],
                         "duration_s": duration, "purpose": clip["purpose"], "voice": VOICE})
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(manifest)} clips to {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
