"""Fusing the held-voice detector (acoustic.py) with Whisper's words: fillers it missed or misheard.

A held stretch becomes a filler only where Whisper loses fillers (measured on AMI and on our own
synthetic dev clips, docs/fillers.md): in a gap no word covers, as a sound-alike word that is
nothing but the held voice ("er" written "are", "Uh mine's" written "And mine's"), or at the
opening of a word that starts the chunk or follows a pause. A filler Whisper wrote near the
stretch IS that stretch, so nothing is counted twice, and word times stay monotonic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from ..types import Word
from .acoustic import DetectorOptions, Features, HeldVoice, HOP_S, features, held_voice, speech_mask
from .lexicon import Lexicon, norm

log = logging.getLogger("voicecoach")

# Sounds Whisper writes for a held voice that are not words: one near a held stretch is that stretch.
NONLEXICAL = frozenset({"mm-hmm", "uh-huh", "mhm", "mm-mm", "uh-uh", "hmm", "hm", "mm"})
# Words that are a neutral vowel, at most with a nasal or an r: what Whisper writes when it
# turns a filler into a word ("Uh mine's" -> "And mine's", "er" -> "are"). A held "yeah" or "so"
# is the word it says, so only these are taken for a filler when nothing else of them is heard.
SOUND_ALIKES = frozenset({"a", "ah", "an", "and", "are", "eh", "er", "erm", "or", "our", "uh", "um"})


@dataclass(frozen=True)
class FusionOptions:
    # the score threshold, seconds of held voice; chosen on one fold of meetings and reported on
    # the other (benchmarks/accuracy.py), see docs/fillers.md
    min_held_s: float = 0.35
    # quieter than this below the chunk's loud speech: another speaker's voice (headset bleed in
    # AMI runs 16-25 dB down), not the speaker's own filler
    min_level_db: float = -15.0
    same_filler_s: float = 0.6  # Whisper times its fillers loosely: one this close IS the stretch
    max_word_overlap: float = 0.3  # a stretch under words for more than this share is no gap
    opening_pause_s: float = 0.25  # a word after this much silence may have swallowed a filler
    onset_voice_s: float = 0.05  # sound allowed in a word before (or after) a held stretch that opens (is) it
    min_word_s: float = 0.08  # what a shifted word keeps at least
    max_lead_s: float = 0.08  # a filler rises out of quiet (only its own onset before the held part),
    # not out of a consonant ("so"); a word that IS a filler also ends in quiet


def confidence(h: HeldVoice) -> float:
    """0.5 at 0.2 s of held voice, rising to ~0.9 at 0.5 s (a crude but monotonic score)."""
    return round(float(1 / (1 + np.exp(-(h.held_s - 0.2) / 0.07))), 3)


def _claimed(h: HeldVoice, words: list[Word], is_filler, opts: "FusionOptions") -> bool:
    """A filler (or "mm-hmm") Whisper wrote close to the stretch is that stretch: Whisper times
    such sounds loosely, so "close" is generous."""
    return any((is_filler(w) or norm(w.text) in NONLEXICAL) and w.start_s - opts.same_filler_s <= h.end_s
               and w.end_s + opts.same_filler_s >= h.start_s for w in words)


def _speech_s(speech: np.ndarray, start_s: float, end_s: float) -> float:
    a, b = max(0, int(round(start_s / HOP_S))), min(len(speech), int(round(end_s / HOP_S)))
    return float(speech[a:b].sum()) * HOP_S if b > a else 0.0


def _lead_s(speech: np.ndarray, at_s: float, direction: int, quiet_s: float = 0.08, limit_s: float = 0.5) -> float:
    """Speech between `at_s` and the nearest quiet stretch of `quiet_s` before it (direction -1)
    or after it (+1): how much sound runs into (or on from) a held stretch. The chunk's edge is quiet."""
    i, need, speech_frames, quiet = int(round(at_s / HOP_S)), int(round(quiet_s / HOP_S)), 0, 0
    for k in range(int(round(limit_s / HOP_S))):
        j = i - 1 - k if direction < 0 else i + k
        if j < 0 or j >= len(speech):
            break
        if speech[j]:
            speech_frames += 1 + quiet
            quiet = 0
        else:
            quiet += 1
            if quiet >= need:
                break
    return speech_frames * HOP_S


def fuse(words: list[Word], held: list[HeldVoice], is_filler, feats: Features,
         detector: DetectorOptions = DetectorOptions(), opts: FusionOptions = FusionOptions()) -> list[Word]:
    """`words` (chunk seconds) with a filler for each held stretch Whisper left out or misheard,
    `is_filler(word)` telling which words are fillers already. Where Whisper loses fillers:
    - a gap no word covers: the filler is added;
    - a word whose whole sound is the held stretch ("Uh mine's" written "And mine's", "er"
      written "are"): the word becomes the filler;
    - the opening of a word that starts the chunk or follows a pause, Whisper having moved its
      start back over the filler: the filler is added and the word starts where it ends.
    A transcript filler near a stretch is that stretch, so nothing is counted twice; a held
    vowel inside a word (a lengthened "so", "the") is left alone. Times stay monotonic."""
    words = list(words)
    speech = speech_mask(feats, detector)
    for h in held:
        if h.held_s < opts.min_held_s or h.level_db < opts.min_level_db or _claimed(h, words, is_filler, opts):
            continue
        filler = Word("uh", h.start_s, h.end_s, confidence(h), True, "acoustic")
        overlaps = [(min(w.end_s, h.end_s) - max(w.start_s, h.start_s), i) for i, w in enumerate(words)
                    if not is_filler(w) and w.end_s > h.start_s and w.start_s < h.end_s]
        if sum(o for o, _ in overlaps) <= opts.max_word_overlap * (h.end_s - h.start_s):
            words.insert(next((i for i, w in enumerate(words) if w.start_s >= h.start_s), len(words)), filler)
            continue
        i = max(overlaps)[1]
        w = words[i]
        if (_lead_s(speech, h.start_s, -1) > opts.max_lead_s  # a consonant runs into it: "so", "the"
                or _speech_s(speech, w.start_s, h.start_s) > opts.onset_voice_s):  # inside the word
            continue
        if (_lead_s(speech, h.end_s, +1) <= opts.max_lead_s and norm(w.text) in SOUND_ALIKES
                and _speech_s(speech, h.end_s, w.end_s) <= opts.onset_voice_s):
            words[i] = filler  # nothing of the word but an isolated held vowel: the word is the filler
        elif i == 0 or w.start_s - words[i - 1].end_s >= opts.opening_pause_s:
            words[i] = replace(w, start_s=h.end_s, end_s=max(w.end_s, h.end_s + opts.min_word_s))
            words.insert(i, filler)  # Whisper moved the word's start back over the filler
    return _monotonic(words)


def _monotonic(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    for w in words:
        if out and w.start_s < out[-1].start_s:
            w = replace(w, start_s=out[-1].start_s, end_s=max(w.end_s, out[-1].start_s))
        out.append(w)
    return out


def add_acoustic_fillers(samples: np.ndarray, words: list[Word], lexicon: Lexicon,
                         options: FusionOptions = FusionOptions(),
                         detector: DetectorOptions = DetectorOptions()) -> list[Word]:
    """`words` of one chunk (a file's window or a live utterance; chunk seconds) with the fillers
    heard in its audio added as words with source "acoustic" and a confidence."""
    if not len(samples):
        return words

    def is_filler(w: Word) -> bool:  # written by Whisper as a filler, or added by a recovery step
        return w.source != "transcript" or lexicon.is_vocal(norm(w.text))

    feats = features(samples)
    out = fuse(words, held_voice(feats, detector), is_filler, feats, detector, options)
    added = sum(1 for w in out if w.source == "acoustic")
    if added:
        log.info("heard %d filled pause(s) Whisper did not write", added)
    return out
