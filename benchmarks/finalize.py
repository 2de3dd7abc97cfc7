"""Live practice: finalize_s (end of capture to result ready) and streamed vs whole-file WER.

Each "answer" is 60-120 s of real speech (clips from ../shared/audio_real joined with short
gaps, or the espeak-ng fixtures) followed by silence, so the take ends the way a real one does:
on the end-of-speech silence. It goes through the practice path (`FileSource` paced in real
time -> `record_take` -> `LiveSession` -> `Scorer.build_result`) and, in the same run, through
a whole-file pass (`Scorer.transcribe_chunk` on the full audio after it ends), so both WERs and
both waits come from the same model on the same machine.

    .venv/bin/python benchmarks/finalize.py [--speed 1.0] [--threads 2] [--repeat 1]

--speed > 1 replays faster than real time (a quicker but pessimistic run: the worker gets
less time per utterance than a speaker gives it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "audio_real"
FIXTURES = ROOT / "audio_fixtures"
sys.path.insert(0, str(ROOT))

GAP_S = 0.8  # between joined clips: a breath between sentences
TAIL_S = 3.0  # silence after the answer, longer than the end-of-speech silence (--tail-s 0: stop on the last word)


def answers() -> list[tuple[str, list[Path], list[str]]]:
    """(name, audio files, reference texts) for each 60-120 s answer that is available here."""
    out = []
    ami = SHARED / "ami_en2001a_sure-tagger"
    libri = SHARED / "librispeech_sure-tagger"
    if ami.is_dir():
        out.append(("ami-72s (one speaker, spontaneous)", [ami / "ami_EN2001a_utterance_00002.wav"], None))
        # 00005 is left out: it holds a 6 s silence (another speaker's turn), which ends a take
        out.append(("ami-64s (3 turns joined)", [ami / f"ami_EN2001a_utterance_0000{i}.wav" for i in (6, 3, 1)],
                    None))
    manifest = FIXTURES / "manifest.json"
    if manifest.exists() and libri.is_dir():
        texts = {m["file"]: m["text"] for m in json.loads(manifest.read_text())}
        files = [FIXTURES / "demo_answer.wav", FIXTURES / "hedgy_answer.wav"] + sorted(libri.glob("*.wav"))
        refs = [texts["demo_answer.wav"], texts["hedgy_answer.wav"]]
        out.append(("tts+libri-95s (espeak answer + read speech)", files, refs))
    resolved = []
    for name, files, refs in out:
        if refs is None:
            refs = [f.with_suffix(".txt").read_text() for f in files]
        elif len(refs) < len(files):
            refs = refs + [f.with_suffix(".txt").read_text() for f in files[len(refs):]]
        resolved.append((name, files, refs))
    return resolved


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ").replace("_", "")
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text).split())


def wer(ref: str, hyp: str) -> float:
    import jiwer

    return jiwer.wer(normalise(ref), normalise(hyp)) * 100


def build_answer(files: list[Path], folder: Path, tail_s: float = TAIL_S) -> tuple[Path, float]:
    from voicecoach.audio.load import load_audio

    gap = np.zeros(int(16000 * GAP_S), np.float32)
    parts = []
    for f in files:
        parts += [load_audio(f).samples, gap]
    speech = np.concatenate(parts[:-1])
    samples = np.concatenate([speech, np.zeros(int(16000 * tail_s), np.float32)])
    path = folder / "answer.wav"
    sf.write(path, samples, 16000, subtype="PCM_16")
    return path, len(speech) / 16000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2, help="CTranslate2 CPU threads (the goal is 2 cores)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tail-s", type=float, default=TAIL_S,
                    help="silence after the answer; 0 ends the take on the last word, like Enter pressed mid-breath")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each utterance's wait and transcription time")
    args = ap.parse_args()
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)8.0f ms %(message)s")
        logging.getLogger("voicecoach").setLevel(logging.DEBUG)

    from voicecoach.audio.capture import FileSource
    from voicecoach.config import load_config
    from voicecoach.speech.pipeline import ScoreOptions, Scorer
    from voicecoach.sessions.practice import PracticeOptions, record_take

    cfg = load_config()
    base = ScoreOptions.from_config(cfg, device="cpu")
    scorer = Scorer(dataclasses.replace(base, model=dataclasses.replace(base.model, cpu_threads=args.threads)))
    scorer.transcriber  # loaded once, outside every timing
    options = PracticeOptions.from_config(cfg, countdown_s=0)
    todo = answers()
    if not todo:
        print("no audio: needs ../shared/audio_real (and audio_fixtures/ from scripts/make_fixtures.py)")
        return 1
    rows, finals, deltas = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, files, refs in todo:
            path, speech_s = build_answer(files, Path(tmp), args.tail_s)
            reference = " ".join(refs)
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                whole = scorer.transcribe_chunk(sf.read(path, dtype="float32")[0])
                whole_s = time.perf_counter() - t0
                source = FileSource(path, speed=args.speed)
                source.open()
                take = record_take(source, scorer, options, max_seconds=600,
                                   path=Path(tmp) / "take.wav")
                w_whole = wer(reference, " ".join(w.text for w in whole))
                w_stream = wer(reference, take.result.transcript.text)
                finals.append(take.finalize_s)
                deltas.append(w_stream - w_whole)
                rows.append((name, speech_s, take.stop_reason, take.stream.utterances, take.finalize_s, whole_s,
                             w_whole, w_stream))
                print(f"  {name}: finalize {take.finalize_s:.3f} s, whole-file {whole_s:.2f} s, "
                      f"WER whole {w_whole:.1f} stream {w_stream:.1f}", file=sys.stderr, flush=True)
    print(f"\nfinalize benchmark: tiny.en int8 on CPU, {args.threads} threads, replay speed {args.speed}x, "
          f"{args.tail_s:.1f} s of silence after the answer\n")
    print(f"{'answer':44} {'speech':>7} {'stop':>11} {'utts':>4} {'finalize':>9} {'whole-file':>10} "
          f"{'WER whole':>9} {'WER stream':>10}")
    for name, speech_s, stop, utts, fin, whole_s, ww, ws in rows:
        print(f"{name:44} {speech_s:6.1f}s {stop:>11} {utts:4d} {fin:8.3f}s {whole_s:9.2f}s {ww:8.1f}% {ws:9.1f}%")
    print(f"\nfinalize_s median {statistics.median(finals):.3f} s (goal <= 0.5 s); "
          f"streamed - whole WER: mean {statistics.mean(deltas):+.1f} points, worst {max(deltas):+.1f} "
          f"(goal <= +2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
