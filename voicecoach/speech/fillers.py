"""Filler recovery: Whisper drops most um/uh/hmm; find them again without inventing any.

Measured on the AMI clips (benchmarks/accuracy.py): plain tiny.en writes almost none of the
reference fillers. The pipeline decodes with a verbatim prompt (pipeline.VERBATIM_PROMPT), which
brings most back, and this module then
1. re-joins backchannels Whisper splits ("Mm" + "-hmm" is one "Mm-hmm", not two fillers), and
2. collapses fillers crammed closer than any speaker can say them (one "um" written four times);
3. optionally (`[fillers] recover_gaps`) finds voiced stretches (webrtcvad) that no word covers
   and decodes them all in ONE extra Whisper call, keeping only pieces that are nothing but a
   vocal filler. It finds a few more fillers at a measured cost in precision and time, so it is
   off by default;
4. (`[fillers] acoustic`) listens for filled pauses in the audio itself, held voice with a flat
   pitch and a steady spectrum, where Whisper loses them (acoustic.py, filled_pauses.py).
The prompt has a price: Whisper now and then ends a segment early under it, so
`recover_missed_speech` decodes (greedily, without the prompt) any long voiced stretch that no
word covers; that is what keeps the WER equal to plain faster-whisper's on read speech.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..audio.load import SAMPLE_RATE
from .lexicon import Lexicon, norm
from ..types import Word
from ..audio.vad import FRAME_S, STRICT, voiced_frames

log = logging.getLogger("voicecoach")



@dataclass(frozen=True)
class RecoveryOptions:
    recover_gaps: bool = False
    # webrtcvad at 2-3 rejects the steady vowels of um/uh (measured on AMI headsets): use 0 here
    vad_aggressiveness: int = 0
    min_gap_s: float = 0.18  # the shortest um/uh people produce is ~0.2 s
    max_gap_s: float = 2.5  # longer uncovered speech is a missed phrase, not a filler
    min_filler_spacing_s: float = 0.1  # two fillers closer than this are one filler written twice
    separator_s: float = 0.5  # silence between concatenated gaps so Whisper hears them apart
    max_gaps: int = 24  # bound the extra decode to one 30 s window
    acoustic: bool = True  # the filled-pause detector (filled_pauses.py)
    acoustic_min_held_s: float = 0.35  # its threshold: seconds of held voice (docs/fillers.md)


def is_vocal(word: Word, lexicon: Lexicon) -> bool:
    """A vocal filler by the user's `[fillers] vocal` list (the same test the metrics use)."""
    return lexicon.is_vocal(norm(word.text))


def join_split_words(words: Sequence[Word]) -> list[Word]:
    """Whisper writes 'Mm-hmm' as 'Mm' + '-hmm': join pieces that start with a hyphen."""
    out: list[Word] = []
    for w in words:
        if out and w.text.startswith("-"):
            prev = out[-1]
            out[-1] = replace(prev, text=prev.text + w.text, end_s=max(prev.end_s, w.end_s),
                              probability=min(prev.probability, w.probability))
        else:
            out.append(w)
    return out


def collapse_crammed_fillers(words: Sequence[Word], lexicon: Lexicon, min_spacing_s: float) -> list[Word]:
    out: list[Word] = []
    for w in words:
        prev = out[-1] if out else None
        if prev is not None and is_vocal(w, lexicon) and is_vocal(prev, lexicon) and w.start_s - prev.end_s < min_spacing_s:
            out[-1] = replace(prev, end_s=max(prev.end_s, w.end_s))
            continue
        out.append(w)
    return out


def uncovered_voiced(voiced: np.ndarray, words: Sequence[Word], opts: RecoveryOptions) -> list[tuple[float, float]]:
    """Voiced stretches of filler length that no word overlaps (times within the chunk)."""
    covered = np.zeros_like(voiced)
    for w in words:
        a, b = int(w.start_s / FRAME_S), int(np.ceil(w.end_s / FRAME_S))
        covered[max(0, a - 1):b + 1] = True  # one frame of slack: word edges are approximate
    free = np.append(voiced & ~covered, False)
    gaps, start = [], None
    for i, flag in enumerate(free):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if opts.min_gap_s <= (i - start) * FRAME_S <= opts.max_gap_s:
                gaps.append((start * FRAME_S, i * FRAME_S))
            start = None
    return gaps[: opts.max_gaps]


def decode_gaps(samples: np.ndarray, gaps: list[tuple[float, float]], transcriber, lexicon: Lexicon,
                opts: RecoveryOptions) -> list[Word]:
    """Decode every gap in one call; return the vocal fillers, timed in chunk seconds."""
    pad = int(0.05 * SAMPLE_RATE)
    silence = np.zeros(int(opts.separator_s * SAMPLE_RATE), dtype=np.float32)
    pieces, spans, cursor = [], [], 0.0  # spans: (start in concatenation, end, start in chunk)
    for start_s, end_s in gaps:
        a, b = max(0, int(start_s * SAMPLE_RATE) - pad), min(len(samples), int(end_s * SAMPLE_RATE) + pad)
        spans.append((cursor, cursor + (b - a) / SAMPLE_RATE, a / SAMPLE_RATE))
        pieces += [samples[a:b], silence]
        cursor += (b - a + len(silence)) / SAMPLE_RATE
    by_piece: dict[int, list[Word]] = {}
    for w in transcriber.transcribe(np.concatenate(pieces)):
        mid = (w.start_s + w.end_s) / 2
        k = next((k for k, (c0, c1, _) in enumerate(spans) if c0 - 0.1 <= mid <= c1 + 0.1), None)
        if k is not None:
            by_piece.setdefault(k, []).append(w)
    recovered = []
    for k, piece_words in by_piece.items():
        # a piece holding any real word is speech Whisper mistimed, not a filler
        if not all(is_vocal(w, lexicon) for w in piece_words):
            continue
        c0, c1, origin = spans[k]
        for w in piece_words:
            start = origin + max(0.0, w.start_s - c0)
            end = origin + max(0.0, min(c1, w.end_s) - c0)
            recovered.append(Word(norm(w.text), round(start, 3), round(max(end, start), 3),
                                  round(w.probability, 3), True, "recovered"))
    return recovered


def recover_missed_speech(samples: np.ndarray, words: list[Word], transcriber, *,
                          min_missed_s: float = 1.0, voiced: np.ndarray | None = None) -> list[Word]:
    """Whisper sometimes stops a segment early (more often with a prompt): decode any long voiced
    stretch that no word covers, without a prompt, and add its words. Times are chunk seconds.
    `voiced`: the chunk's STRICT frames when the caller has them already."""
    opts = RecoveryOptions(min_gap_s=min_missed_s, max_gap_s=30.0, max_gaps=4)
    if voiced is None:
        voiced = voiced_frames(samples, STRICT)
    missed = uncovered_voiced(voiced, words, opts)
    added: list[Word] = []
    for start_s, end_s in missed:
        a, b = int(max(0.0, start_s - 0.1) * SAMPLE_RATE), int(min(len(samples) / SAMPLE_RATE, end_s + 0.1) * SAMPLE_RATE)
        # greedy: a short stretch of plain speech, and this pass must stay cheap, so no sampled
        # re-decodes either (up to five at each of five temperatures: measured 2 s on one clip)
        found = transcriber.transcribe(samples[a:b], offset_s=a / SAMPLE_RATE, beam_size=1, greedy_only=True)
        log.info("re-decoded %.1f s of speech no word covered: %d word(s)", end_s - start_s, len(found))
        added += found
    return sorted(words + added, key=lambda w: w.start_s) if added else words


def recover_fillers(samples: np.ndarray, words: list[Word], transcriber, lexicon: Lexicon, *,
                    options: RecoveryOptions = RecoveryOptions()) -> list[Word]:
    """`words` (chunk seconds) with Whisper's fillers cleaned and, optionally, missed ones added."""
    words = collapse_crammed_fillers(join_split_words(words), lexicon, options.min_filler_spacing_s)
    if samples is None or not len(samples):
        return words
    if options.recover_gaps:
        gaps = uncovered_voiced(voiced_frames(samples, options.vad_aggressiveness), words, options)
        recovered = decode_gaps(samples, gaps, transcriber, lexicon, options) if gaps else []
        if recovered:
            log.info("recovered %d filler(s) from %d uncovered voiced stretch(es)", len(recovered), len(gaps))
        words = sorted(words + recovered, key=lambda w: w.start_s)
    if options.acoustic:
        from .filled_pauses import FusionOptions, add_acoustic_fillers

        words = add_acoustic_fillers(samples, words, lexicon, FusionOptions(min_held_s=options.acoustic_min_held_s))
    return words
