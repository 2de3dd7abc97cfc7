"""Numbers and operators in a key-point phrase: "page minus one times page size" is the remedy,
"page times page size" the bug, and "total minus one" neither. Pure functions over lemma
sequences (textmatch.tokens)."""

from __future__ import annotations

import re

from .textmatch import STOPWORDS

OPERATORS = frozenset({"plus", "minus", "times"})
# Numbers and operators carry the meaning of a phrase ("page minus 1", "404"): never optional.
EXACT = re.compile(r"^(\d+|minus|plus|times|not)$")


def operators_fit(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """The phrase's operators stand where it was said as they stand in the phrase."""
    return not operator_after(want, sequence) and not operator_inside(want, sequence) \
        and operands_bound(want, sequence)


def operator_after(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """The phrase's last word is always followed by an operator the phrase lacks: "posts from
    start to end plus one" is the bug, not the remedy "slice start to end"."""
    last = want[-1]
    places = [i for i, t in enumerate(sequence) if t == last]
    # where the phrase was said: its last word right after the word before it ("computes end,
    # clamps it ..., then slices posts from start to end plus one" said it once, at the second "end")
    said = [i for i in places if len(want) > 1 and want[-2] in sequence[max(0, i - 4):i]] or places
    after = [sequence[i + 1] if i + 1 < len(sequence) else "" for i in said]
    return bool(after) and all(a in OPERATORS and a not in want for a in after)


def operator_inside(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """An operator of the phrase always comes right after another operator the phrase lacks:
    "page minus one times page size" is the remedy, not the bug "page times page size"."""
    # ("times" is lemmatised to "tim", as "time" is: it counts as the phrase's operator only here,
    # where another operator must stand right before it)
    ops = [o for o in want if o in OPERATORS or o == "tim"]
    if not ops:
        return False
    before = [sequence[max(0, i - 3):i] for i, t in enumerate(sequence) if t == ops[0]]
    return bool(before) and all(any(b in OPERATORS and b not in want for b in w) for w in before)


def operands_bound(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """An operator of the phrase follows its operand where it was said: "total minus one" is not
    "page minus one", though the sentence also says "page" (Whisper runs sentences together)."""
    said = [t for t in sequence if t not in STOPWORDS]
    for i, op in enumerate(want):
        if i and op in OPERATORS and op in said and want[i - 1] in said:
            if not any(t == op and want[i - 1] in said[max(0, k - 3):k] for k, t in enumerate(said)):
                return False
    return True
