"""The real-speech clips in ../shared/audio_real with their reference transcripts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "audio_real"


@dataclass(frozen=True)
class Clip:
    name: str
    group: str  # "ami" (verbatim, fillers) or "read" (LibriSpeech/JFK, for WER)
    path: Path
    channel: int | None  # for stereo AMI pairs: which headset
    reference: str

    def samples(self) -> np.ndarray:
        """16 kHz mono float32 (one channel of a stereo pair, else the decoded file)."""
        if self.channel is None:
            from voicecoach.audio.load import load_audio

            return load_audio(self.path).samples
        data, rate = sf.read(self.path, dtype="float32", always_2d=True)
        assert rate == 16000, rate
        return np.ascontiguousarray(data[:, self.channel])


def ami_clips() -> list[Clip]:
    clips = []
    for wav in sorted((SHARED / "ami_en2001a_sure-tagger").glob("*.wav")):
        clips.append(Clip(wav.stem.replace("ami_EN2001a_utterance_", "en2001a-"), "ami", wav, None,
                          wav.with_suffix(".txt").read_text().strip()))
    for wav in sorted((SHARED / "ami_headset_pairs_hotato").glob("*.example.wav")):
        stem = wav.name.removesuffix(".example.wav")
        for channel in (0, 1):
            ref = wav.with_name(f"{stem}.example.ch{channel}.txt").read_text().strip()
            clips.append(Clip(f"{stem.removeprefix('ami-')}.ch{channel}", "ami", wav, channel, ref))
    return clips


# Folds for the filled-pause detector: one group of meetings against the other. Its threshold is
# chosen on one fold and reported on the other, both ways (benchmarks/accuracy.py, docs/fillers.md).
FOLDS = {
    "headset": "AMI ES2002a + EN2002b individual headsets (hotato pairs): 13 windows x 2 channels, 9 s each",
    "en2001a": "AMI EN2001a mixed multi-speaker windows (sure-tagger): 6 windows, 172 s",
}


def fold(clip: Clip) -> str:
    """The AMI fold a clip belongs to (read clips have none)."""
    if clip.group != "ami":
        raise ValueError(f"{clip.name}: only AMI clips are in a fold")
    return "en2001a" if clip.name.startswith("en2001a-") else "headset"


def read_clips() -> list[Clip]:
    clips = []
    for folder in ("librispeech_sure-tagger", "librispeech_wenet", "librispeech_lhotse", "jfk_faster-whisper"):
        for audio in sorted((SHARED / folder).glob("*")):
            if audio.suffix in (".wav", ".flac") and audio.with_suffix(".txt").exists():
                clips.append(Clip(audio.stem, "read", audio, None, audio.with_suffix(".txt").read_text().strip()))
    return clips


def bench_scorer(gaps: bool = False, acoustic: bool | None = None):
    """The `score` pipeline as the benchmarks run it: the user's config, on CPU, `--gaps` on
    request, the filled-pause detector on or off when `acoustic` says so."""
    import dataclasses

    from voicecoach.config import load_config
    from voicecoach.speech.pipeline import Scorer, ScoreOptions

    options = ScoreOptions.from_config(load_config(), device="cpu")
    recovery = options.recovery
    if gaps:
        recovery = dataclasses.replace(recovery, recover_gaps=True)
    if acoustic is not None:
        recovery = dataclasses.replace(recovery, acoustic=acoustic)
    return Scorer(dataclasses.replace(options, recovery=recovery))


def available() -> bool:
    return SHARED.exists()
