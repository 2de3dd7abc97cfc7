"""Speed of the `score` pipeline against plain WhisperModel.transcribe, same model and threads.

Prints per clip and overall: time ratio ours/plain (plain with and without word timestamps;
ours needs them), the cost of the filled-pause detector (ours against ours with
`[fillers] acoustic` off, timed in turn in this process), peak memory of this process, and the
cold-start wall time of `voicecoach score` on a 20 s clip in a fresh process.
Run: .venv/bin/python benchmarks/speed.py [--gaps]   (--gaps: with `[fillers] recover_gaps` on)
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
    args = parser.parse_args()
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
