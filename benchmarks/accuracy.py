"""Filler recall/precision (AMI, verbatim, per fold) and WER (LibriSpeech, JFK): ours beside plain faster-whisper.

"plain" is WhisperModel.transcribe with its defaults and the same model; "whisper" is the `score`
pipeline without the filled-pause detector (verbatim prompt + filler clean-up); "ours" is the
`score` pipeline as shipped (with the detector at `[fillers] acoustic_min_held_s`).

The detector's threshold is chosen on one fold of meetings and reported on the other, both ways
(corpus.FOLDS): the sweep below gives each fold's precision-recall curve, the pick on the tuning
fold (best F1, ties to the lower threshold) and the held-out result at that pick. Read speech
(LibriSpeech + JFK) is never tuned on: it reports false fillers and WER.

Our own synthetic dev clips (scripts/make_filler_clips.py: a voice with inserted "uh"/"um"/"er",
known times) were used to build the detector; `--dev DIR` reports on them too.

Run: .venv/bin/python benchmarks/accuracy.py [--gaps] [--json] [--dev DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import FOLDS, ami_clips, available, bench_scorer, fold, read_clips  # noqa: E402

from voicecoach.audio.load import SAMPLE_RATE  # noqa: E402
from voicecoach.audio.vad import STRICT, cut_points, frame_index, has_speech, voiced_frames  # noqa: E402
from voicecoach.speech.accuracy import HESITATIONS, FillerCounts, filler_counts, word_errors  # noqa: E402
from voicecoach.speech.filled_pauses import FusionOptions, add_acoustic_fillers  # noqa: E402

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, None)  # seconds of held voice; None = detector off
ZERO = FillerCounts(0, 0, 0)


def plain_text(model, samples) -> str:
    segments, _ = model.transcribe(samples, language="en")
    return " ".join(s.text.strip() for s in segments)


def issue_counts(reference: str, text: str) -> FillerCounts:
    """Issue 13's measure: um, uh, er, erm, hmm, mm, ah and "you know"; not mm-hmm / uh-huh."""
    return filler_counts(reference, text, you_know=True)


def whisper_chunks(scorer, samples):
    """(offset_s, chunk samples, words in chunk seconds) as `Scorer.transcribe_recording` cuts and
    decodes them, without the detector, so the sweep can run it at any threshold afterwards."""
    voiced = voiced_frames(samples, STRICT)
    if not has_speech(voiced):
        return []
    cuts = cut_points(len(samples) / SAMPLE_RATE, voiced)
    out, text = [], []
    for start_s, end_s in zip(cuts, cuts[1:]):
        chunk = samples[int(start_s * SAMPLE_RATE):int(end_s * SAMPLE_RATE)]
        words = scorer.transcribe_chunk(chunk, context=" ".join(text),
                                        voiced=voiced[frame_index(start_s):frame_index(end_s)])
        out.append((start_s, chunk, words))
        text += [w.text for w in words]
    return out


def with_detector(chunks, lexicon, min_held_s: float | None) -> str:
    if min_held_s is None:
        return " ".join(w.text for _, _, words in chunks for w in words)
    options = FusionOptions(min_held_s=min_held_s)
    return " ".join(w.text for _, chunk, words in chunks for w in add_acoustic_fillers(chunk, words, lexicon, options))


def f1(c: FillerCounts) -> float:
    return 2 * c.found / (c.reference + c.hypothesis) if c.reference + c.hypothesis else 1.0


def pick(curve: dict) -> float | None:
    """The tuning fold's best F1; a tie goes to the lower threshold (the detector is there to add
    fillers: of settings equally good on the tuning fold, the one that adds most)."""
    return max(curve, key=lambda t: (f1(curve[t]), -(99.0 if t is None else t)))


def label(t: float | None) -> str:
    return "off" if t is None else f"{t:.2f} s"


def dev_report(folder: Path, base, lexicon) -> None:
    """The detector's curve on our synthetic dev clips (the set it was built on, not a test)."""
    from voicecoach.audio.load import load_audio

    curve = {t: ZERO for t in THRESHOLDS}
    manifest = json.loads((folder / "clips.json").read_text())
    for item in manifest:
        chunks = whisper_chunks(base, load_audio(folder / item["file"]).samples)
        for t in THRESHOLDS:
            curve[t] += issue_counts(item["text"], with_detector(chunks, lexicon, t))
    print(f"\ndev clips ({folder}, {len(manifest)} clips, {curve[None].reference} fillers), recall/precision:")
    print("  " + "  ".join(f"{label(t)} {c.recall:.2f}/{c.precision:.2f}" for t, c in curve.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gaps", action="store_true", help="also decode uncovered voiced stretches")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON at the end")
    parser.add_argument("--dev", type=Path, help="also report on dev clips from scripts/make_filler_clips.py")
    args = parser.parse_args()
    if not available():
        print("skipped: ../shared/audio_real is absent", file=sys.stderr)
        return 0
    scorer = bench_scorer(args.gaps)  # as shipped
    base = bench_scorer(args.gaps, acoustic=False)
    base._transcriber = scorer.transcriber  # one model in memory
    model = scorer.transcriber.model  # the same loaded model, threads and compute type
    lexicon = scorer.options.lexicon
    shipped = scorer.options.recovery.acoustic_min_held_s if scorer.options.recovery.acoustic else None

    totals = {(who, f): ZERO for who in ("plain", "whisper", "ours") for f in FOLDS}
    old = {(who, kind): ZERO for who in ("plain", "ours") for kind in ("um/uh/hmm", "+mm")}
    curve = {(f, t): ZERO for f in FOLDS for t in THRESHOLDS}
    mismatch = []
    print(f"{'AMI clip':28s} {'fold':8s} {'ref':>4s} {'plain':>7s} {'whisper':>8s} {'ours':>6s}   "
          "(found/written, issue 13's measure)")
    for clip in ami_clips():
        samples = clip.samples()
        chunks = whisper_chunks(base, samples)
        texts = {"plain": plain_text(model, samples), "whisper": with_detector(chunks, lexicon, None),
                 "ours": " ".join(w.text for w in scorer.transcribe_recording(samples))}
        if texts["ours"] != with_detector(chunks, lexicon, shipped):
            mismatch.append(clip.name)  # see the note printed at the end
        f = fold(clip)
        counts = {who: issue_counts(clip.reference, text) for who, text in texts.items()}
        for who, c in counts.items():
            totals[who, f] += c
        for t in THRESHOLDS:
            curve[f, t] += issue_counts(clip.reference, with_detector(chunks, lexicon, t))
        for kind, fillers in (("um/uh/hmm", HESITATIONS), ("+mm", None)):
            for who in ("plain", "ours"):
                old[who, kind] += (filler_counts(clip.reference, texts[who], fillers) if fillers
                                   else filler_counts(clip.reference, texts[who]))
        print(f"{clip.name:28s} {f:8s} {counts['ours'].reference:4d} "
              + " ".join(f"{counts[w].found:>{n - 3}d}/{counts[w].hypothesis:<2d}"
                         for w, n in (("plain", 7), ("whisper", 8), ("ours", 6))))
    print("\nfillers per fold (um, uh, er, erm, hmm, mm, ah, 'you know'; not mm-hmm/uh-huh):")
    for f, what in FOLDS.items():
        print(f"  {f}: {what}")
        for who in ("plain", "whisper", "ours"):
            t = totals[who, f]
            print(f"    {who:8s} recall {t.recall:.2f}  precision {t.precision:.2f}  "
                  f"({t.found} found, {t.hypothesis} written, {t.reference} in the references)")
    both = {who: sum((totals[who, f] for f in FOLDS), ZERO) for who in ("plain", "whisper", "ours")}
    print("  both folds: " + ", ".join(f"{w} {c.recall:.2f}/{c.precision:.2f}" for w, c in both.items())
          + "  (recall/precision)")

    # read speech: WER and false fillers (any vocal filler or "you know" in the output), per threshold
    print(f"\n{'read clip':28s} {'words':>5s} {'plain WER':>9s} {'ours WER':>9s} {'fillers':>7s}")
    sums = {"plain": [0, 0], "ours": [0, 0]}
    read_fillers = {t: 0 for t in THRESHOLDS}
    ours_read_fillers = 0
    for clip in read_clips():
        samples = clip.samples()
        chunks = whisper_chunks(base, samples)
        ours = " ".join(w.text for w in scorer.transcribe_recording(samples))
        p_err, n = word_errors(clip.reference, plain_text(model, samples))
        o_err, _ = word_errors(clip.reference, ours)
        for t in THRESHOLDS:
            read_fillers[t] += issue_counts(clip.reference, with_detector(chunks, lexicon, t)).hypothesis
        false = issue_counts(clip.reference, ours).hypothesis
        ours_read_fillers += false
        sums["plain"] = [sums["plain"][0] + p_err, sums["plain"][1] + n]
        sums["ours"] = [sums["ours"][0] + o_err, sums["ours"][1] + n]
        print(f"{clip.name:28s} {n:5d} {p_err / n:9.3f} {o_err / n:9.3f} {false:7d}")
    wer_plain, wer_ours = (sums[k][0] / sums[k][1] for k in ("plain", "ours"))
    print(f"{'overall':28s} {sums['ours'][1]:5d} {wer_plain:9.3f} {wer_ours:9.3f} {ours_read_fillers:7d}")

    print("\nprecision-recall curve of the detector's threshold (seconds of held voice), per fold:")
    print(f"  {'threshold':>9s} " + " ".join(f"{f + ' R/P (found/written)':>30s}" for f in FOLDS)
          + f" {'read: fillers':>14s}")
    for t in THRESHOLDS:
        print(f"  {label(t):>9s} " + " ".join(
            f"{curve[f, t].recall:10.2f}/{curve[f, t].precision:.2f} ({curve[f, t].found:2d}/{curve[f, t].hypothesis:2d})"
            + " " * 8 for f in FOLDS) + f" {read_fillers[t]:14d}")
    print("\ntuned on one fold, reported on the other:")
    held_out = {}
    for tune in FOLDS:
        report = next(f for f in FOLDS if f != tune)
        t = pick({x: curve[tune, x] for x in THRESHOLDS})
        c = curve[report, t]
        held_out[report] = {"tuned_on": tune, "threshold_s": t, "recall": round(c.recall, 3),
                            "precision": round(c.precision, 3), "found": c.found, "written": c.hypothesis,
                            "reference": c.reference}
        print(f"  tuned on {tune:8s} -> threshold {label(t)}; held-out {report}: recall {c.recall:.2f} "
              f"precision {c.precision:.2f} ({c.found} found, {c.hypothesis} written, {c.reference} refs)")
    print(f"  shipped threshold ([fillers] acoustic_min_held_s): {label(shipped)}")
    if args.dev:
        dev_report(args.dev, base, lexicon)
    print(f"\nthe sweep replayed `score` word for word on {len(ami_clips()) - len(mismatch)} of {len(ami_clips())} "
          f"clips{' (not: ' + ', '.join(mismatch) + ')' if mismatch else ''}: the sweep decodes each clip once more, "
          "and tiny.en int8 on several CPU threads does not always write the same words twice "
          "(a filler more or less per fold between runs)")
    for kind in ("um/uh/hmm", "+mm"):
        o, p = old["ours", kind], old["plain", kind]
        print(f"\nearlier measure, {kind}, both folds: plain {p.recall:.2f}/{p.precision:.2f}, "
              f"ours {o.recall:.2f}/{o.precision:.2f} (recall/precision; {o.found} found, {o.hypothesis} written, "
              f"{o.reference} refs)")
    if args.json:
        print(json.dumps({
            "folds": {f"{who} {f}": dataclasses.asdict(c) | {"recall": round(c.recall, 3),
                                                            "precision": round(c.precision, 3)}
                      for (who, f), c in totals.items()},
            "curve": {f"{f} {label(t)}": [round(c.recall, 3), round(c.precision, 3)] for (f, t), c in curve.items()},
            "held_out": held_out, "read_false_fillers": ours_read_fillers,
            "wer": {"plain": wer_plain, "ours": wer_ours}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
