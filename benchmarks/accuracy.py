"""Filler recall/precision (AMI, verbatim) and WER (LibriSpeech, JFK): ours beside plain faster-whisper.

"plain" is WhisperModel.transcribe with its defaults and the same model; "ours" is the `score`
pipeline (verbatim prompt + filler clean-up). Run: .venv/bin/python benchmarks/accuracy.py [--gaps]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ami_clips, available, bench_scorer, read_clips  # noqa: E402

from voicecoach.speech.accuracy import HESITATIONS, VOCAL_FILLERS, FillerCounts, filler_counts, word_errors  # noqa: E402


def plain_text(model, samples) -> str:
    segments, _ = model.transcribe(samples, language="en")
    return " ".join(s.text.strip() for s in segments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gaps", action="store_true", help="also decode uncovered voiced stretches")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON at the end")
    args = parser.parse_args()
    if not available():
        print("skipped: ../shared/audio_real is absent", file=sys.stderr)
        return 0
    scorer = bench_scorer(args.gaps)
    model = scorer.transcriber.model  # the same loaded model, threads and compute type
    zero = FillerCounts(0, 0, 0)
    # two definitions: the issue's um/uh/hmm, and every vocal filler including AMI's "mm"
    totals = {(who, kind): zero for who in ("plain", "ours", "ours w/o 00002") for kind in ("um/uh/hmm", "+mm")}
    print(f"{'AMI clip':28s} {'ref':>4s} {'plain found/hyp':>16s} {'ours found/hyp':>15s}   (um/uh/hmm)")
    for clip in ami_clips():
        samples = clip.samples()
        texts = {"plain": plain_text(model, samples),
                 "ours": " ".join(w.text for w in scorer.transcribe_recording(samples))}
        for kind, fillers in (("um/uh/hmm", HESITATIONS), ("+mm", VOCAL_FILLERS)):
            for who, text in texts.items():
                counts = filler_counts(clip.reference, text, fillers)
                totals[who, kind] += counts
                # en2001a-00002: 72 s of overlapped talk by several people at a distant mic; most of
                # its fillers are other speakers' backchannels under someone else's words
                if who == "ours" and clip.name != "en2001a-00002":
                    totals["ours w/o 00002", kind] += counts
        plain, ours = (filler_counts(clip.reference, texts[w], HESITATIONS) for w in ("plain", "ours"))
        print(f"{clip.name:28s} {ours.reference:4d} {plain.found:>9d}/{plain.hypothesis:<6d} {ours.found:>8d}/{ours.hypothesis:<6d}")
    for kind in ("um/uh/hmm", "+mm"):
        print(f"\nfillers on AMI, {kind}:")
        for who in ("plain", "ours", "ours w/o 00002"):
            t = totals[who, kind]
            print(f"  {who:16s} recall {t.recall:.2f}  precision {t.precision:.2f}"
                  f"  ({t.found} found, {t.hypothesis} written, {t.reference} in the references)")
    print(f"\n{'read clip':28s} {'words':>5s} {'plain WER':>9s} {'ours WER':>9s}")
    sums = {"plain": [0, 0], "ours": [0, 0]}
    for clip in read_clips():
        samples = clip.samples()
        p_err, n = word_errors(clip.reference, plain_text(model, samples))
        o_err, _ = word_errors(clip.reference, " ".join(w.text for w in scorer.transcribe_recording(samples)))
        sums["plain"] = [sums["plain"][0] + p_err, sums["plain"][1] + n]
        sums["ours"] = [sums["ours"][0] + o_err, sums["ours"][1] + n]
        print(f"{clip.name:28s} {n:5d} {p_err / n:9.3f} {o_err / n:9.3f}")
    wer_plain, wer_ours = (sums[k][0] / sums[k][1] for k in ("plain", "ours"))
    print(f"{'overall':28s} {sums['ours'][1]:5d} {wer_plain:9.3f} {wer_ours:9.3f}")
    if args.json:
        print(json.dumps({"fillers": {f"{who} {kind}": {"recall": round(t.recall, 3), "precision": round(t.precision, 3)}
                                      for (who, kind), t in totals.items()},
                          "wer": {"plain": wer_plain, "ours": wer_ours}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
