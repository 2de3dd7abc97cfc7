"""Speed of the `score` pipeline against plain WhisperModel.transcribe, same model and threads.

Prints per clip and overall: time ratio ours/plain (plain with and without word timestamps;
ours needs them), the cost of the filled-pause detector (ours against ours with
`[fillers] acoustic` off, timed in turn in this process), peak memory of this process, and the
cold-start wall time of `voicecoach score` on a 20 s clip in a fresh process.
Run: .venv/bin/python benchmarks/speed.py [--gaps]   (--gaps: with `[fillers] recover_gaps` on)

`--scenario` times `score --scenario` instead, on each scenario's reference answer read by
espeak-ng (benchmarks/voices.py): the whole of what the command does per file (transcription,
then coaching with key points and the meaning model), interleaved in one run, best of 3:
  plain      faster-whisper's model.transcribe, no word timestamps, no prompt
  score      `score` without a scenario (today's path: no vocabulary prompt, no key points)
  no prompt  `score --scenario` with `[vocabulary] hint_style = "off"`
  scenario   `score --scenario` as shipped (vocabulary prompt, key points, meaning model)
and the cold start of `voicecoach score --scenario` against `voicecoach score` in fresh
processes (model loads included), best of 3.
Run: .venv/bin/python benchmarks/speed.py --scenario [--scenarios ID,ID] [--profile OUT.txt]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ami_clips, available, bench_scorer, read_clips  # noqa: E402


ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gaps", action="store_true", help="also decode uncovered voiced stretches")
    parser.add_argument("--scenario", action="store_true", help="time `score --scenario` (see above)")
    parser.add_argument("--scenarios", default="", help="with --scenario: only these scenario ids")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="best of N (default 3)")
    parser.add_argument("--profile", default="", help="with --scenario: cProfile one pass of each mode to this file")
    args = parser.parse_args()
    if args.scenario:
        from speed_scenario import run_scenario_mode

        return run_scenario_mode(args)
    if not available():
        print("skipped: ../shared/audio_real is absent", file=sys.stderr)
        return 0
    scorer = bench_scorer(args.gaps)
    model = scorer.transcriber.model
    no_detector = bench_scorer(args.gaps, acoustic=False)
    no_detector._transcriber = scorer.transcriber  # the same loaded model

    def plain(samples, words):
        segments, _ = model.transcribe(samples, language="en", word_timestamps=words)
        list(segments)  # the generator does the work

    clips = [c for c in ami_clips() if c.channel in (None, 1)][:8] + read_clips()[:4]
    totals = np.zeros(4)
    print(f"{'clip':28s} {'audio s':>7s} {'plain s':>8s} {'plain+wt s':>10s} {'ours s':>7s} {'ratio':>6s} "
          f"{'ratio wt':>8s} {'no detector s':>13s}")
    for clip in clips:
        samples = clip.samples()
        t = np.array([best_of(lambda: plain(samples, False)), best_of(lambda: plain(samples, True)),
                      best_of(lambda: scorer.transcribe_recording(samples)),
                      best_of(lambda: no_detector.transcribe_recording(samples))])
        totals += t
        print(f"{clip.name:28s} {len(samples) / 16000:7.1f} {t[0]:8.2f} {t[1]:10.2f} {t[2]:7.2f} "
              f"{t[2] / t[0]:6.2f} {t[2] / t[1]:8.2f} {t[3]:13.2f}")
    print(f"{'overall':28s} {'':7s} {totals[0]:8.2f} {totals[1]:10.2f} {totals[2]:7.2f} "
          f"{totals[2] / totals[0]:6.2f} {totals[2] / totals[1]:8.2f} {totals[3]:13.2f}")
    print(f"filled-pause detector: ours / ours without it = {totals[2] / totals[3]:.3f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process, model loaded): {peak_mb:.0f} MB")
    clip = next(c for c in ami_clips() if c.name == "en2001a-00001")  # 20 s of real speech
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "voicecoach", "score", "--json", "--no-save", str(clip.path)],
                   check=True, capture_output=True)
    print(f"cold start, `voicecoach score` on a {clip.name} (20 s) in a fresh process: "
          f"{time.perf_counter() - start:.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
