"""Accuracy measures against reference transcripts: WER and filler recall/precision.

Pure functions used by benchmarks/accuracy.py and the tests. Fillers are scored by aligning the
hypothesis to the verbatim reference word by word, so a filler only counts where one was said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

# Hesitation sounds scored as fillers. Backchannels (mm-hmm, uh-huh) answer someone else and
# are not hesitations, so they are left out on both sides.
VOCAL_FILLERS = frozenset({"um", "uh", "er", "erm", "hmm", "mm", "umm", "uhm", "hm", "mhm", "ah"})
# The issue's own measure: um / uh / hmm (and their spellings), without AMI's "mm", which in
# meetings mostly answers another speaker.
HESITATIONS = frozenset({"um", "uh", "er", "erm", "hmm", "umm", "uhm", "hm", "ah"})
FILLER = "<filler>"
BACKCHANNELS = frozenset({"mm-hmm", "uh-huh", "mm-mm", "uh-uh", "uh-oh"})
_SPLIT = re.compile(r"[^a-z0-9'\-_ ]+")


def tokens(text: str) -> list[str]:
    """Lower-case words without punctuation; AMI spellings folded (X_M_L_ -> xml, 'kay -> okay)."""
    out = []
    for raw in _SPLIT.sub(" ", text.lower().replace("\u2019", "'")).split():
        word = raw.strip("'-")
        if "_" in word:
            word = word.replace("_", "")
        if word == "kay":
            word = "okay"
        if "-" in word and word not in BACKCHANNELS:  # "flour-fattened" is two reference words
            out.extend(part for part in word.split("-") if part)
        elif word:
            out.append(word)
    return out


# "you know" is a filler unless it asks or knows something ("do you know", "you know what"):
# the same context rule as the lexicon's.
_KNOW_NOT_AFTER = frozenset({"do", "did", "don't", "if", "would", "you'd", "as"})
_KNOW_NOT_BEFORE = frozenset({"that", "what", "how", "why", "whether", "where", "when", "who"})


def filler_class(toks: Sequence[str], fillers: frozenset[str] = VOCAL_FILLERS, you_know: bool = False) -> list[str]:
    """Every vocal filler becomes one class, so 'um' heard as 'uh' still counts as found;
    with `you_know`, a filler "you know" is one more token of that class."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        if (you_know and toks[i:i + 2] == ["you", "know"] and (i == 0 or toks[i - 1] not in _KNOW_NOT_AFTER)
                and (i + 2 >= len(toks) or toks[i + 2] not in _KNOW_NOT_BEFORE)):
            out.append(FILLER)
            i += 2
            continue
        out.append(FILLER if toks[i] in fillers else toks[i])
        i += 1
    return out


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """Levenshtein alignment as (ref, hyp) pairs; None marks an insertion or deletion."""
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1])
            cost[i][j] = min(sub, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    pairs: list[tuple[str | None, str | None]] = []
    i, j = n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((ref[i - 1], None))
            i -= 1
        else:
            pairs.append((None, hyp[j - 1]))
            j -= 1
    return pairs[::-1]


def word_errors(ref_text: str, hyp_text: str) -> tuple[int, int]:
    """(edits, reference words) for WER."""
    ref, hyp = tokens(ref_text), tokens(hyp_text)
    edits = sum(1 for r, h in align(ref, hyp) if r != h)
    return edits, len(ref)


def wer(ref_text: str, hyp_text: str) -> float:
    edits, n = word_errors(ref_text, hyp_text)
    return edits / n if n else float(bool(tokens(hyp_text)))


@dataclass(frozen=True)
class FillerCounts:
    found: int  # reference fillers matched by a hypothesis filler at the same place
    reference: int
    hypothesis: int

    def __add__(self, other: "FillerCounts") -> "FillerCounts":
        return FillerCounts(self.found + other.found, self.reference + other.reference,
                            self.hypothesis + other.hypothesis)

    @property
    def recall(self) -> float:
        return self.found / self.reference if self.reference else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.hypothesis if self.hypothesis else 1.0


def filler_counts(ref_text: str, hyp_text: str, fillers: frozenset[str] = VOCAL_FILLERS,
                  you_know: bool = False) -> FillerCounts:
    """Reference fillers found at their place, reference fillers, hypothesis fillers. Issue 13's
    measure is the default set with `you_know=True` (um, uh, er, erm, hmm, mm, ah, "you know")."""
    ref = filler_class(tokens(ref_text), fillers, you_know)
    hyp = filler_class(tokens(hyp_text), fillers, you_know)
    found = sum(1 for r, h in align(ref, hyp) if r == FILLER and h == FILLER)
    return FillerCounts(found, ref.count(FILLER), hyp.count(FILLER))
