"""`benchmarks/speed.py --scenario`: the time of `score --scenario` against plain faster-whisper
and against `score` without the vocabulary prompt, in one run (see speed.py's docstring).

Each mode does what the CLI does for one file: `Scorer.score_file` (load, VAD, transcription,
filler recovery) and then `sessions.score.coach_result` (structure, key points, meaning model).
The modes are interleaved clip by clip, best of N, so the machine's load hits them alike.
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("plain", "score", "no prompt", "scenario")


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_scenario_mode(args) -> int:
    from voices import clip

    from voicecoach.coach.scenarios import load_scenarios
    from voicecoach.config import load_config
    from voicecoach.sessions.score import coach_result, score_options
    from voicecoach.speech.pipeline import Scorer

    cfg = load_config()
    scenarios = [s for s in load_scenarios() if not args.scenarios or s.id in args.scenarios.split(",")]
    if not scenarios:
        print("no such scenario", file=sys.stderr)
        return 2
    base = Scorer(score_options(cfg, None, device="cpu"))
    model = base.transcriber.model

    def plain(path: Path):
        from voicecoach.audio.load import load_audio

        segments, _ = model.transcribe(load_audio(path).samples, language="en")
        return list(segments)

    def make(scenario, prompt: bool):
        options = score_options(cfg, scenario, device="cpu")
        if not prompt:
            options = dataclasses.replace(options, hint_style="off")
        scorer = Scorer(options, transcriber=base.transcriber)  # one loaded model for every mode

        def run(path: Path):
            return coach_result(scorer.score_file(path).to_dict(), scenario, cfg)
        return run

    rows, totals = [], dict.fromkeys(MODES, 0.0)
    profiler = cProfile.Profile() if args.profile else None
    print(f"{'scenario (espeak en-us reference)':36s} {'audio s':>7s} " + " ".join(f"{m:>9s}" for m in MODES)
          + f" {'scen/plain':>10s} {'scen/score':>10s} {'scen/noprompt':>13s}")
    for s in scenarios:
        path = clip(" ".join(s.reference_parts().values()), "espeak-en-us")
        runs = {"plain": plain, "score": lambda p: coach_result(base.score_file(p).to_dict(), None, cfg),
                "no prompt": make(s, False), "scenario": make(s, True)}
        runs["scenario"](path)  # the meaning model and this scenario's point vectors, loaded once per process
        t = {m: float("inf") for m in MODES}
        for _ in range(args.repeats):  # interleaved: a burst of load from elsewhere hits every mode alike
            for m in MODES:
                dt, _out = _best(lambda: runs[m](path), 1)
                t[m] = min(t[m], dt)
        if profiler is not None:
            for m in ("no prompt", "scenario"):
                profiler.enable()
                runs[m](path)
                profiler.disable()
        import soundfile as sf

        audio_s = sf.info(str(path)).duration
        for m in MODES:
            totals[m] += t[m]
        rows.append((s.id, audio_s, t))
        print(f"{s.id:36s} {audio_s:7.1f} " + " ".join(f"{t[m]:9.2f}" for m in MODES)
              + f" {t['scenario'] / t['plain']:10.2f} {t['scenario'] / t['score']:10.3f}"
              f" {t['scenario'] / t['no prompt']:13.3f}")
    print(f"{'overall':36s} {'':7s} " + " ".join(f"{totals[m]:9.2f}" for m in MODES)
          + f" {totals['scenario'] / totals['plain']:10.2f} {totals['scenario'] / totals['score']:10.3f}"
          f" {totals['scenario'] / totals['no prompt']:13.3f}")
    print(f"score --scenario / score (no scenario): {totals['scenario'] / totals['score']:.3f}x; "
          f"/ score --scenario without the vocabulary prompt: {totals['scenario'] / totals['no prompt']:.3f}x; "
          f"/ plain faster-whisper: {totals['scenario'] / totals['plain']:.2f}x  (best of {args.repeats}, "
          f"{len(scenarios)} clips)")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        Path(args.profile).write_text(out.getvalue())
        print(f"profile of one pass of 'no prompt' + 'scenario' per clip: {args.profile}")
    cold_start(scenarios[0], clip(" ".join(scenarios[0].reference_parts().values()), "espeak-en-us"), args.repeats)
    return 0


def cold_start(scenario, path: Path, repeats: int) -> None:
    """`voicecoach score` and `voicecoach score --scenario` in fresh processes, interleaved."""
    cmd = [sys.executable, "-m", "voicecoach", "score", "--json", "--no-save", str(path)]
    times: dict[str, list[float]] = {"score": [], "score --scenario": []}
    for _ in range(repeats):
        for name, extra in (("score", []), ("score --scenario", ["--scenario", scenario.id])):
            t0 = time.perf_counter()
            subprocess.run(cmd + extra, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    a, b = min(times["score"]), min(times["score --scenario"])
    print(f"cold start on {scenario.id}'s reference clip, fresh process, best of {repeats}: "
          f"score {a:.2f} s, score --scenario {b:.2f} s = {b / a:.3f}x")
