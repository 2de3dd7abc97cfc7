"""Pacing against a words-per-minute band: pure functions over timed words, no I/O.

Speaking time is the speech span (first word to last), as the delivery WPM counts it, cut into
windows of `window_s` (10 s: long enough to hold ~25 words at a calm pace, so one pause does
not swing the rate). A short last piece is merged into the window before it: a rate over 2 s
of speech is noise. A word belongs to the window holding its midpoint.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..text import plain_tokens as tokens
from ..types import Word

BANDS = ("below", "in", "above")


@dataclass(frozen=True)
class Band:
    low: float
    high: float

    def classify(self, wpm: float) -> str:
        if wpm < self.low:
            return "below"
        if wpm > self.high:
            return "above"
        return "in"

    @property
    def width(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


def parse_band(text: str) -> Band:
    """'130-160' -> Band(130, 160); ValueError with the reason otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[-–:]\s*(\d+(?:\.\d+)?)\s*", text or "")
    if not m:
        raise ValueError(f"target must look like LOW-HIGH in words per minute (e.g. 130-160), not {text!r}")
    low, high = float(m.group(1)), float(m.group(2))
    if not 0 < low < high:
        raise ValueError(f"target {text!r}: LOW must be above 0 and below HIGH")
    return Band(low, high)


@dataclass(frozen=True)
class Preset:
    name: str
    seconds: float
    prompt: str


# The two time boxes the interview advice recommends practising.
PRESETS: Mapping[str, Preset] = {
    "elevator": Preset("elevator", 60.0, "In one minute: what is the bug, what is the fix, and why does it matter?"),
    "deep-dive": Preset("deep-dive", 120.0, "In two minutes: walk through the bug, its root cause, the fix, "
                                            "how you would test it, and its impact."),
}


@dataclass(frozen=True)
class PaceWindow:
    start_s: float
    end_s: float
    words: int
    wpm: float
    band: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, float | int | str]:
        return {"start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2), "wpm": self.wpm,
                "band": self.band, "words": self.words}


@dataclass(frozen=True)
class Stretch:
    """A run of consecutive windows on the same side of the band."""

    band: str  # "above" (too fast) or "below" (too slow)
    start_s: float
    end_s: float
    wpm: float
    text: str  # the words spoken in it

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, float | str]:
        return {"band": self.band, "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2),
                "duration_s": round(self.duration_s, 2), "wpm": self.wpm, "words": self.text}


def _mid(w: Word) -> float:
    return (w.start_s + w.end_s) / 2


def window_bounds(start_s: float, end_s: float, window_s: float = 10.0,
                  min_last_s: float | None = None) -> list[tuple[float, float]]:
    """[start, end) cut every `window_s`; a last piece under `min_last_s` (default half a window) merges back."""
    if end_s <= start_s:
        return []
    min_last = window_s / 2 if min_last_s is None else min_last_s
    bounds = []
    t = start_s
    while t < end_s:
        bounds.append((t, min(t + window_s, end_s)))
        t += window_s
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_last:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


def pace_windows(words: Sequence[Word], band: Band, window_s: float = 10.0,
                 min_last_s: float | None = None) -> list[PaceWindow]:
    """The pace of each window of the speech span, classified against `band`."""
    words = sorted(words, key=lambda w: w.start_s)
    if not words:
        return []
    bounds = window_bounds(words[0].start_s, max(w.end_s for w in words), window_s, min_last_s)
    out = []
    for i, (a, b) in enumerate(bounds):
        last = i == len(bounds) - 1
        n = sum(1 for w in words if a <= _mid(w) < b or (last and _mid(w) >= b))
        rate = round(n / (b - a) * 60.0, 1)
        out.append(PaceWindow(a, b, n, rate, band.classify(rate)))
    return out


def time_in_band_pct(windows: Sequence[PaceWindow]) -> float | None:
    """Share of speaking time (window time) spent inside the band, 0-100; None without speech."""
    total = sum(w.duration_s for w in windows)
    if total <= 0:
        return None
    return round(100.0 * sum(w.duration_s for w in windows if w.band == "in") / total, 1)


def band_shares(windows: Sequence[PaceWindow]) -> dict[str, float]:
    """Percent of speaking time below, in and above the band."""
    total = sum(w.duration_s for w in windows)
    if total <= 0:
        return {b: 0.0 for b in BANDS}
    return {b: round(100.0 * sum(w.duration_s for w in windows if w.band == b) / total, 1) for b in BANDS}


def longest_stretch(windows: Sequence[PaceWindow], words: Sequence[Word], side: str) -> Stretch | None:
    """The longest run of consecutive windows with band `side` ("above" or "below"), with its words.

    Ties go to the run furthest from the band (the one most worth hearing again).
    """
    if side not in ("above", "below"):
        raise ValueError(f"side must be 'above' or 'below', not {side!r}")
    runs: list[list[PaceWindow]] = []
    current: list[PaceWindow] = []
    for w in windows:
        if w.band == side:
            current.append(w)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    if not runs:
        return None

    def rate(run: list[PaceWindow]) -> float:
        return sum(w.words for w in run) / sum(w.duration_s for w in run) * 60.0

    def key(run: list[PaceWindow]) -> tuple[float, float]:
        return (round(run[-1].end_s - run[0].start_s, 6), rate(run) if side == "above" else -rate(run))

    best = max(runs, key=key)
    a, b = best[0].start_s, best[-1].end_s
    is_last = best[-1] is windows[-1]
    text = " ".join(w.text.strip() for w in sorted(words, key=lambda w: w.start_s)
                    if a <= _mid(w) < b or (is_last and _mid(w) >= b))
    return Stretch(side, a, b, round(rate(best), 1), text)


def overall_wpm(words: Sequence[Word]) -> float | None:
    """Words over the speech span, per minute; None for under 2 s of speech."""
    if not words:
        return None
    span = max(w.end_s for w in words) - min(w.start_s for w in words)
    return round(len(words) / span * 60.0, 1) if span >= 2.0 else None


def _round_to(value: float, step: float) -> float:
    return float(round(value / step) * step)


def suggest_band(natural_wpm: float, reference: Band, *, max_shift: float | None = None, step: float = 5.0) -> Band:
    """A band as wide as `reference` around a measured natural pace, nudged toward the reference.

    A drill band you cannot reach teaches nothing, so the band is centred on your own pace and
    moved at most `max_shift` (default half the band width) toward the reference centre: your
    natural pace stays inside it (at an edge when it is far off), and each calibration moves it
    closer to the recommended range. Rounded to `step` WPM.
    """
    if natural_wpm <= 0:
        raise ValueError("natural pace must be above 0")
    shift_limit = reference.width / 2 if max_shift is None else max_shift
    centre_ref = (reference.low + reference.high) / 2
    centre = natural_wpm + max(-shift_limit, min(shift_limit, centre_ref - natural_wpm))
    low = _round_to(centre - reference.width / 2, step)
    high = low + _round_to(reference.width, step)
    # rounding must not push the measured pace out of the band
    while natural_wpm < low:
        low, high = low - step, high - step
    while natural_wpm > high:
        low, high = low + step, high + step
    return Band(max(step, low), high)


# ---- read-aloud: the passage's words carry the pace ---------------------------------------

# Words too common to show, alone or in a pair, that the speaker is following the passage.
# Up to this many words between two runs of matches are taken as misheard, not as skipped or ad-libbed.
_MISHEARD_MAX = 8
_COMMON = frozenset("a an the of to in on at and or is it that this be as by for with so then we i".split())


@dataclass(frozen=True)
class Alignment:
    """How a take follows a read-aloud passage."""

    words: list[Word]  # the passage's words, timed by the transcript ([] when off the text)
    read_share: float  # share of the passage read: matched words plus misheard ones in between
    followed_share: float  # share of the words heard that follow the passage
    off_text: bool  # the speaker said something else: pace must come from the transcript

    def to_dict(self) -> dict[str, float | bool]:
        return {"read_share": self.read_share, "followed_share": self.followed_share, "off_text": self.off_text}


def _solid(block_tokens: Sequence[str]) -> bool:
    """A run of matches that shows reading, not coincidence: three words, or two not both common."""
    return len(block_tokens) >= 3 or (len(block_tokens) == 2 and not set(block_tokens) <= _COMMON)


def align_passage(passage: str, words: Sequence[Word], *, min_followed: float = 0.5) -> Alignment:
    """The passage's words, timed from the transcript, and how closely the take followed it.

    Whisper may write a word differently, split or merge it, or add words in the silence
    ("thank you"); the passage is the truth about what was read, so its words are counted and
    the transcript only gives them times. Only runs of matches count (a lone "the" matches any
    talk); passage words between two runs are read when about as many words were heard there
    (misheard), skipped when nothing was. Matched words take their transcript times, the words
    between runs are spread over the gap. When under `min_followed` of the words heard follow
    the passage, the take is off the text: no passage words, and the read share says how little.
    """
    ref = tokens(passage)
    # one transcript Word may hold several tokens ("clean." / "follow-up")
    hyp: list[tuple[str, Word]] = [(t, w) for w in sorted(words, key=lambda w: w.start_s) for t in tokens(w.text)]
    if not ref or not hyp:
        return Alignment([], 0.0, 0.0, bool(hyp))
    matcher = difflib.SequenceMatcher(a=ref, b=[t for t, _ in hyp], autojunk=False)
    every = [b for b in matcher.get_matching_blocks() if b.size]
    solid = [b for b in every if _solid(ref[b.a:b.a + b.size])]

    def near(b) -> bool:  # a lone match beside a run is reading too ("start to clean" for "starts clean")
        return any(0 <= b.a - (s.a + s.size) <= 2 and 0 <= b.b - (s.b + s.size) <= 2
                   or 0 <= s.a - (b.a + b.size) <= 2 and 0 <= s.b - (b.b + b.size) <= 2 for s in solid)

    blocks = [b for b in every if b in solid or near(b)]
    if not blocks:
        return Alignment([], 0.0, 0.0, True)
    times: list[tuple[float, float] | None] = [None] * len(ref)
    matched = sum(b.size for b in blocks)
    read = followed = matched
    for block, nxt in zip(blocks, blocks[1:]):
        ref_gap, hyp_gap = nxt.a - (block.a + block.size), nxt.b - (block.b + block.size)
        if max(ref_gap, hyp_gap) <= _MISHEARD_MAX:  # a few misheard words were read; a long gap was not
            # "clearer" for "clear error" was read; so was a word or two Whisper dropped ("so [that the]
            # next"); more words with nothing heard were skipped
            read += ref_gap if hyp_gap or ref_gap <= 2 else 0
            followed += min(ref_gap, hyp_gap)
    for block in blocks:
        for k in range(block.size):
            w = hyp[block.b + k][1]
            times[block.a + k] = (w.start_s, w.end_s)
    read_share = round(read / len(ref), 3)
    followed_share = round(min(1.0, followed / len(hyp)), 3)
    if followed_share < min_followed:
        return Alignment([], read_share, followed_share, True)
    first, last = blocks[0].a, blocks[-1].a + blocks[-1].size - 1
    out: list[Word] = []
    i = first
    while i <= last:
        if times[i] is not None:
            a, b = times[i]
            out.append(Word(ref[i], a, b, 1.0))
            i += 1
            continue
        j = i
        while times[j] is None:
            j += 1
        gap_start, gap_end = times[i - 1][1], times[j][0]
        n = j - i
        step = max(gap_end - gap_start, 0.0) / n
        for k in range(n):
            out.append(Word(ref[i + k], gap_start + k * step, gap_start + (k + 1) * step, 0.0))
        i = j
    return Alignment(out, read_share, followed_share, False)


def align_to_passage(passage: str, words: Sequence[Word]) -> tuple[list[Word], float]:
    """The passage's words timed from the transcript, and the share of the passage read
    (`align_passage` has the details; [] when the take does not follow the passage)."""
    aligned = align_passage(passage, words)
    return aligned.words, aligned.read_share
