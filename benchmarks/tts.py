"""TTS benchmark (issue 12): reliability, speed and intelligibility of each engine, and how soon
the spoken feedback starts in `practice`.

    python benchmarks/tts.py renders [--n 1000] [--engines piper,espeak-ng,pyttsx3] [--old 200]
    python benchmarks/tts.py latency [--runs 5] [--code DIR] [--engine piper] [--label NAME]

renders: N consecutive renders of a multi-sentence feedback per engine, through the same
render_sentence path `speak` uses, with fallback off (so an engine's failure is counted, not
hidden). A render fails when it is empty or its length is off by more than 20 % from the text's
expected duration for that engine: the median length of 5 reference renders of the text made
first in the same run (words-at-the-rate cannot be that reference: at 165 WPM the engines' real
length for these texts spans about 0.8-1.24x of it, so a word count would flag natural pace, not a
cut). The pace against words-at-the-rate is reported too (pace_ratio_min/max).
Render time per second of speech is measured in the same run for every engine. Whisper (the
project's own tiny.en transcriber) transcribes 5 renders in every 50 (each text once) back: WER
against the text.
`--old N` also runs N feedbacks through the code this issue replaced (a fresh pyttsx3 process
per sentence that trusts runAndWait, one retry), to show the failure rate it had.

Texts: DEV_TEXT calibrated Piper's natural pace (piper.NATURAL_WPM); the TEXTS rendered and
reported were not used to tune anything.

latency: `voicecoach practice` through a private PulseAudio null sink: the answer is played into
the sink, practice records its monitor, and its spoken feedback goes back into the same sink, all
recorded by this script. The take WAV is located in that recording by cross-correlation, so the
end of the take (when the end-silence stops it) and the first sound of the feedback are read from
one clock. `--code DIR` runs another checkout (e.g. the code before this issue).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV_TEXT = ("When a request arrives, the server opens a connection, reads the body, and validates the "
            "input before it writes anything to the database.")
TEXTS = [
    "You spoke at 182 words a minute; slow down to about 160. Seven hedges like 'I think'. "
    "State the diagnosis as a fact.",
    "Four fillers in the first 15 seconds. Open with your one-line diagnosis. Then say what the fix prevents.",
    "The answer never names the real bug. Say that the page offset starts at one, not zero. "
    "Then give the fix in one sentence.",
    "Several long pauses mid-sentence. Finish the sentence, then pause. Add the impact at the end.",
    "Clear answer. Nothing major to fix: keep that shape.",
]
RATE_WPM = 165
SENTENCE_BREAK_S = 0.3
TOLERANCE = 0.20
WER_EVERY = 50  # the first len(TEXTS) renders of every 50 are transcribed: every text, 10 % of renders


def _number_words(n: int) -> int:
    if n < 20:
        return 1
    if n < 100:
        return 1 + (n % 10 > 0)
    return 2 + (_number_words(n % 100) if n % 100 else 0)


def spoken_words(text: str) -> int:
    return sum(_number_words(int(w)) if w.isdigit() else 1 for w in re.findall(r"[A-Za-z'-]+|\d+", text))


def expected_s(text: str, rate_wpm: int = RATE_WPM) -> float:
    from voicecoach.audio.tts import sentences

    return spoken_words(text) / rate_wpm * 60 + SENTENCE_BREAK_S * (len(sentences(text)) - 1)


def _wer(transcriber, samples: np.ndarray, rate: int, text: str) -> float:
    import jiwer

    from voicecoach.audio.tts.base import Speech
    from voicecoach.audio.tts.render import resample

    audio = resample(Speech(samples, rate), 16000)
    heard = " ".join(w.text for w in transcriber.transcribe(audio))

    def norm(s: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9' ]", " ", s.lower().replace("-", " ")).split())

    return jiwer.wer(norm(text), norm(heard))


def bench_engine(engine: str, n: int, transcriber, checkpoint=None) -> dict:
    from voicecoach.audio.tts import TTSOptions, TTSUnavailable, sentences
    from voicecoach.audio.tts.render import PAUSE_S, render_sentence, resample

    options = TTSOptions(engine=engine, voice="" if engine == "piper" else "en-us", rate_wpm=RATE_WPM, fallback=())
    render_sentence("Ready.", options)  # load the engine (Piper's voice, the pyttsx3 worker) outside the timing

    def one(text: str) -> np.ndarray:
        parts: list[np.ndarray] = []
        for j, sentence in enumerate(sentences(text)):
            if j:
                parts.append(np.zeros(int(22050 * PAUSE_S), np.float32))
            parts.append(resample(render_sentence(sentence, options)))
        return np.concatenate(parts)

    reference = {t: statistics.median(len(one(t)) / 22050 for _ in range(5)) for t in TEXTS}
    failures: list[dict] = []
    render_s = speech_s = 0.0
    wers: list[float] = []
    ratios: list[float] = []
    paces: list[float] = []

    def summary(done: int) -> dict:
        return {"engine": engine, "renders": done, "failed": len(failures), "failures": failures[:20],
                "render_s_per_speech_s": round(render_s / speech_s, 4) if speech_s else None,
                "length_ratio_min": round(min(ratios), 3) if ratios else None,
                "length_ratio_max": round(max(ratios), 3) if ratios else None,
                "pace_ratio_min": round(min(paces), 3) if paces else None,
                "pace_ratio_max": round(max(paces), 3) if paces else None,
                "wer": round(statistics.mean(wers), 4) if wers else None, "wer_clips": len(wers)}

    for i in range(n):
        text = TEXTS[i % len(TEXTS)]
        started = time.perf_counter()
        try:
            samples = one(text)
        except TTSUnavailable as exc:
            failures.append({"i": i, "why": str(exc)})
            continue
        render_s += time.perf_counter() - started
        duration = len(samples) / 22050
        speech_s += duration
        ratios.append(duration / reference[text])
        paces.append(duration / expected_s(text))
        if abs(ratios[-1] - 1) > TOLERANCE:
            failures.append({"i": i, "why": f"{duration:.2f} s for {reference[text]:.2f} s expected"})
        if transcriber is not None and i % WER_EVERY < len(TEXTS):
            wers.append(_wer(transcriber, samples, 22050, text))
        if (i + 1) % 100 == 0:
            print(f"  {engine}: {i + 1}/{n} renders, {len(failures)} failed", file=sys.stderr, flush=True)
            if checkpoint is not None:  # a long run cut short still leaves its figures so far
                checkpoint(summary(i + 1))
    return summary(n)


OLD_RENDER = r"""
import json, sys
args = json.loads(sys.argv[1])
import pyttsx3
engine = pyttsx3.init("espeak")
engine.setProperty("rate", args["rate"])
engine.setProperty("volume", args["volume"])
engine.setProperty("voice", args["voice"])
engine.save_to_file(args["text"], args["path"])
engine.runAndWait()
"""


def bench_old(n: int) -> dict:
    """The replaced code path: per sentence a fresh process that trusts runAndWait, one retry."""
    from voicecoach.audio.tts import sentences

    empty = renders = failed_feedbacks = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            text = TEXTS[i % len(TEXTS)]
            ok = True
            for sentence in sentences(text):
                got = False
                for attempt in range(2):
                    path = Path(tmp) / f"{i}-{attempt}.wav"
                    args = {"text": sentence, "path": str(path), "rate": RATE_WPM, "volume": 0.9, "voice": "en-us"}
                    subprocess.run([sys.executable, "-c", OLD_RENDER, json.dumps(args)], capture_output=True,
                                   timeout=60)
                    renders += 1
                    if path.exists() and path.stat().st_size > 44:
                        got = True
                        path.unlink()
                        break
                    empty += 1
                ok = ok and got
            failed_feedbacks += not ok
    return {"engine": "pyttsx3, code before issue 12", "feedbacks": n, "failed_feedbacks": failed_feedbacks,
            "single_renders": renders, "empty_single_renders": empty}


# ---- latency in practice ----------------------------------------------------------------------

def _pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10, check=True).stdout


def _first_take(home: Path, timeout_s: float) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = sorted((home / "takes").glob("practice-*.wav")) if (home / "takes").is_dir() else []
        if found:
            return found[0]
        time.sleep(0.05)
    raise RuntimeError("practice never started recording")


def _offset(recording: np.ndarray, take: np.ndarray) -> int:
    """Where `take` starts inside `recording` (cross-correlation through the FFT)."""
    n = 1 << int(np.ceil(np.log2(len(recording) + len(take))))
    corr = np.fft.irfft(np.fft.rfft(recording, n) * np.conj(np.fft.rfft(take, n)), n)
    return int(np.argmax(corr[: len(recording)]))


def practice_latency(answer: Path, code: Path, engine: str, sink: str) -> dict:
    import sounddevice as sd
    import soundfile as sf

    frames: list[np.ndarray] = []
    stream = sd.InputStream(samplerate=16000, channels=1, dtype="float32", device="pulse", blocksize=480,
                            callback=lambda indata, *_: frames.append(indata[:, 0].copy()))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "config.toml").write_text(f'[practice]\ncountdown_s = 0\n\n[tts]\nengine = "{engine}"\n')
        env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(code),
               "VOICECOACH_LOG": os.environ.get("VOICECOACH_LOG", "WARNING")}
        with stream:
            proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "practice", "--json"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            _first_take(home, 180)
            subprocess.run(["paplay", f"--device={sink}", str(answer)], check=True, timeout=300)
            out, err = proc.communicate(timeout=300)
            time.sleep(0.5)  # the recorder's own buffer
        if proc.returncode != 0:
            raise RuntimeError(f"practice failed: {err.strip()[-300:]}")
        for line in err.splitlines():
            if "tts:" in line or "store:" in line:
                print("   ", line, file=sys.stderr)
        data = json.loads(out)
        take, _ = sf.read(sorted((home / "takes").glob("practice-*.wav"))[0], dtype="float32")
    recording = np.concatenate(frames)
    start = _offset(recording, take)
    take_end = start + len(take)
    loud = np.abs(recording) > 0.02
    after = np.flatnonzero(loud[take_end:])
    before = np.flatnonzero(loud[:take_end])
    if after.size == 0:
        return {"engine": engine, "spoken": False, "stderr": err.strip()[-300:]}
    first = take_end + int(after[0])
    return {"engine": engine, "spoken": True, "spoken_text": data.get("spoken"),
            "take_end_to_first_sound_s": round((first - take_end) / 16000, 3),
            "last_answer_sound_to_first_sound_s": round((first - int(before[-1])) / 16000, 3),
            "finalize_s": data.get("timing", {}).get("finalize_s")}


def run_latency(args) -> list[dict]:
    sink = f"vcbench_{os.getpid()}"
    module = _pactl("load-module", "module-null-sink", f"sink_name={sink}").strip()
    os.environ["PULSE_SINK"], os.environ["PULSE_SOURCE"] = sink, f"{sink}.monitor"
    rows = []
    try:
        for i in range(args.runs):
            row = practice_latency(Path(args.answer), Path(args.code), args.engine, sink)
            row["label"] = args.label
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    finally:
        _pactl("unload-module", module)
    spoken = [r["take_end_to_first_sound_s"] for r in rows if r.get("spoken")]
    if spoken:
        print(f"{args.label}: take end -> first sound: median {statistics.median(spoken):.2f} s, "
              f"max {max(spoken):.2f} s over {len(spoken)}/{len(rows)} runs with speech")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("renders")
    r.add_argument("--n", type=int, default=1000)
    r.add_argument("--engines", default="piper,espeak-ng,pyttsx3")
    r.add_argument("--old", type=int, default=0, help="feedbacks through the replaced code path")
    r.add_argument("--no-wer", action="store_true")
    r.add_argument("--json", type=Path, help="also write the results here")
    lat = sub.add_parser("latency")
    lat.add_argument("--runs", type=int, default=5)
    lat.add_argument("--code", default=str(ROOT), help="checkout whose voicecoach runs")
    lat.add_argument("--engine", default="piper")
    lat.add_argument("--label", default="this branch")
    lat.add_argument("--answer", default=str(ROOT / "audio_fixtures" / "hedgy_answer.wav"))
    lat.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.mode == "latency":
        rows = run_latency(args)
    else:
        transcriber = None
        if not args.no_wer:
            from voicecoach.speech.transcribe import ModelOptions, load_transcriber

            transcriber = load_transcriber(ModelOptions(device="cpu"))
        rows = []
        print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared machine)", file=sys.stderr)
        engines = [e.strip() for e in args.engines.split(",")]
        for engine in engines[:1] + (["old"] if args.old else []) + engines[1:]:
            def checkpoint(row: dict) -> None:
                if args.json:
                    args.json.write_text(json.dumps(rows + [row], indent=1))

            rows.append(bench_old(args.old) if engine == "old" else
                        bench_engine(engine, args.n, transcriber, checkpoint))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "failures"}), flush=True)
            if args.json:  # after each engine: a long run cut short still leaves its figures
                args.json.write_text(json.dumps(rows, indent=1))
        base = next((r for r in rows if r.get("engine") == "espeak-ng"), None)
        for row in rows:
            if base and row.get("render_s_per_speech_s"):
                row["render_time_vs_espeak_ng"] = round(row["render_s_per_speech_s"] / base["render_s_per_speech_s"], 2)
        print(f"load average at end: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
