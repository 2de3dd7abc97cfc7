"""Spoken forms of code: how identifiers, numbers and flags sound, and near misses by sound.

People say "pbkdf2 sync" for pbkdf2Sync, "four oh four" or "four hundred and four" for 404, "go
test dash race" for `go test -race`, "p ninety nine" for p99; Whisper writes any of those, or
"readfilesync", or "read file sync". Both sides (the scenario's phrases and what was heard) go
through `spoken_words`, so they meet on one canonical form:
- identifiers split at case and letter/digit boundaries and at . / _ - (readFileSync -> read file sync);
- number words become digits, read as a quantity ("four hundred and four" -> 404, "six hundred
  thousand" -> 600000) or digit by digit ("four oh four" -> 404, "four twenty two" -> 422);
- the names of punctuation ("dash", "slash", "dot") are dropped, as the symbols are.
`joined` gives the concatenations of neighbouring words, so "read file sync" meets "readfilesync".
`sound_key` / `sounds_like` catch near misses by sound (Whisper's "BBKDF to sync" for pbkdf2Sync,
"mute x" for mutex); a match by sound is reported with a lower confidence. Pure functions.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000,
          "hundreds": 100, "thousands": 1000}  # "the five hundreds stop": HTTP 500s
# "oh" is a zero only between other digits ("four oh four"); on its own it is a word
ZERO_WORDS = {"oh", "o"}
# the names of symbols people read aloud in code: the symbol itself is dropped too
SYMBOL_WORDS = frozenset({"dash", "hyphen", "slash", "backslash", "dot", "underscore", "colon", "semicolon",
                          "paren", "parens", "parenthesis", "parentheses"})  # ("open paren, page minus one, close paren")
# Whisper's homophones in front of a number: "to 100" is "two hundred", "for 22" is "four twenty two"
HOMOPHONES = {"to": "2", "too": "2", "for": "4"}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_PLURAL_CAPS = re.compile(r"[A-Z]{2,}s")
_WORD = re.compile(r"[A-Za-z0-9']+|%")
_DIGITS = re.compile(r"\d+")


def split_identifier(token: str) -> list[str]:
    """readFileSync -> read File Sync; pbkdf2Sync -> pbkdf 2 Sync; HTTPServer -> HTTP Server;
    SELECTs, URLs, IDs stay one word (a plural, not "SELEC" + "Ts")."""
    if _PLURAL_CAPS.fullmatch(token):
        return [token]
    return [p for p in _CAMEL.split(token) if p]


_SPELLED = re.compile(r"\b[A-Z](?:(?:\. ?| |-)[A-Z]\b)+")


def _spelled(m: re.Match) -> str:
    letters = re.findall("[A-Z]", m.group())
    return m.group() if len(letters) < 3 and letters[0] in "AI" else "".join(letters)


def raw_words(text: str) -> list[str]:
    """Lower-case words with identifiers split; "600,000" stays one number."""
    text = text.replace("\u2019", "'")
    text = re.sub(r"(?<=\d)\s?,\s?(?=\d{3}\b)", "", text)  # 600,000 and Whisper's "600 ,000"
    text = re.sub(r"(?<=\w)\s+-\s+(?=\w)", " minus ", text).replace("+", " plus ")  # page - 1, n+1
    # "page minus one" written "page-1" (but UTF-8, SHA-256 and go-2 stay names)
    text = re.sub(r"(?<=[a-z])-(?=1\b)", " minus ", text)
    # letters spelled out ("P B K D F two", "J W T") are one name, as Whisper writes them when it
    # knows them ("PBKDF2", "JWT"); a lone "I" or "A" before one more letter is a word
    text = _SPELLED.sub(_spelled, text)
    # "four xx" is the Roman numeral XX to Whisper: "four Roman 20", "five-rowman 20" are 4xx, 5xx
    text = re.sub(r"\b(?:roman|rowman)[\s-]*(?:20|twenty)\b", " xx", text, flags=re.IGNORECASE)
    out: list[str] = []
    for token in _WORD.findall(text):
        if token == "%":
            out.append("percent")
            continue
        for part in split_identifier(token.strip("'")):
            part = part.lower().strip("'")
            if part:
                out.append(part)
    return out


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TENS or word in SCALES or _DIGITS.fullmatch(word) is not None


def _quantity(run: list[str]) -> str:
    """'four hundred and four' -> '404', 'six hundred thousand' -> '600000', 'a hundred' -> '100'."""
    total, current = 0, 0
    for w in run:
        if w in ("and", "a"):
            current = current or (1 if w == "a" else 0)
            continue
        if w in SCALES:
            scale = SCALES[w]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        elif w in TENS:
            current += TENS[w]
        elif w in UNITS:
            current += UNITS[w]
        elif w in ZERO_WORDS:  # "one oh one thousand": a zero between digits moves them up a place
            current *= 10
        else:
            current += int(w)
    return str(total + current)


def _digit_groups(run: list[str]) -> str:
    """'four oh four' -> '404', 'four twenty two' -> '422', 'ninety nine' -> '99', 'two 100' -> '2100'."""
    groups: list[str] = []
    i = 0
    while i < len(run):
        w = run[i]
        if w in TENS:
            value = TENS[w]
            if i + 1 < len(run) and run[i + 1] in UNITS and UNITS[run[i + 1]] < 10:
                value += UNITS[run[i + 1]]
                i += 1
            groups.append(str(value))
        elif w in UNITS:
            groups.append(str(UNITS[w]))
        elif w in ZERO_WORDS:
            groups.append("0")
        else:
            groups.append(w)
        i += 1
    return "".join(groups)


def _number_run(words: list[str], i: int) -> int:
    """Length of the run of number words starting at i (0 when none starts there)."""
    j = i
    while j < len(words):
        w = words[j]
        if _is_number_word(w):
            j += 1
        elif w in ZERO_WORDS and j > i and j + 1 < len(words) and _is_number_word(words[j + 1]):
            j += 1
        elif w == "and" and j > i and words[j - 1] in SCALES and j + 1 < len(words) and (
                words[j + 1] in UNITS or words[j + 1] in TENS):
            j += 1
        elif w == "a" and j == i and j + 1 < len(words) and words[j + 1] in SCALES:
            j += 1
        else:
            break
    return j - i


def numbers_to_digits(words: list[str]) -> list[str]:
    """Runs of number words (and digits) become one number token."""
    out: list[str] = []
    i = 0
    while i < len(words):
        n = _number_run(words, i)
        if n == 0:
            out.append(words[i])
            i += 1
            continue
        run = words[i:i + n]
        if run == ["a"]:
            out.append("a")
        elif any(w in SCALES for w in run):
            out.append(_quantity(run))
        elif len(run) == 1:
            w = run[0]
            out.append(str(UNITS[w]) if w in UNITS else str(TENS[w]) if w in TENS else w)
        else:
            out.append(_digit_groups(run))
        i += n
    return out


@lru_cache(maxsize=8192)
def spoken_words(text: str) -> tuple[str, ...]:
    """The canonical words of `text`: identifiers split, numbers as digits, symbol names dropped."""
    words = _unbracketed([w for w in raw_words(text) if w not in SYMBOL_WORDS])
    return tuple(numbers_to_digits(words))


_ARITHMETIC = frozenset({"plus", "minus", "times"})


def _unbracketed(words: list[str]) -> list[str]:
    """Brackets around arithmetic said aloud, whatever Whisper made of their name ("open the end,
    page minus one, close the end" for "open paren ... close paren"): the same one or two words
    after "open" and after "close", a few words apart, with an operator between, are dropped."""
    if "open" not in words or "close" not in words:
        return words
    drop: set[int] = set()
    for i, w in enumerate(words):
        if w != "open":
            continue
        for j in range(i + 2, min(len(words), i + 10)):
            if words[j] != "close":
                continue
            for n in (2, 1):
                name = words[i + 1:i + 1 + n]
                if len(name) == n and words[j + 1:j + 1 + n] == name and _ARITHMETIC & set(words[i + 1 + n:j]):
                    drop |= set(range(i + 1, i + 1 + n)) | set(range(j + 1, j + 1 + n))
                    break
            break
    return [w for k, w in enumerate(words) if k not in drop]


def homophone_numbers(words: tuple[str, ...]) -> tuple[str, ...]:
    """Numbers a homophone may have hidden: ("to", "100") -> "200", ("for", "22") -> "422"."""
    out = []
    for a, b in zip(words, words[1:]):
        if a in HOMOPHONES and b.isdigit():
            digit = HOMOPHONES[a]
            if b.startswith("1") and b.strip("0") == "1" and len(b) >= 3:  # "to 100": two hundred
                out.append(str(int(digit) * int(b)))
            elif len(b) <= 2:  # "for 22": four twenty two, "to 01": two oh one
                out.append(digit + b.zfill(2))
    return tuple(out)


def joined(words: tuple[str, ...], max_n: int = 4) -> frozenset[str]:
    """Concatenations of 2..max_n neighbouring words: "read file sync" -> "readfilesync"."""
    return frozenset("".join(words[i:i + n]) for n in range(2, max_n + 1) for i in range(len(words) - n + 1))


# ---- sound ---------------------------------------------------------------------------------

_DIGIT_NAMES = {str(i): w for w, i in UNITS.items() if i < 10}


def _spell_digits(text: str) -> str:
    return "".join(_DIGIT_NAMES.get(c, c) for c in text)


@lru_cache(maxsize=8192)
def sound_key(text: str) -> str:
    """A phonetic key (Metaphone) of a word or of joined words, digits read out as words."""
    import jellyfish

    key = jellyfish.metaphone(_spell_digits(text.replace(" ", "").lower())).replace(" ", "")
    # Metaphone keeps an opening vowel as written, and "eye" as EY: "eye potency" (EYPTNS) opens
    # on the sound of "idempotency" (ITMPTNS), so an opening vowel gliding into Y is the I it sounds
    return re.sub(r"^[AEIOU]Y", "I", key)


def edit_distance(a: str, b: str) -> int:
    import jellyfish

    return jellyfish.levenshtein_distance(a, b)


def sounds_like(target: str, heard: str) -> float:
    """Confidence (0 = no) that `heard` (joined words) is `target` misheard: same phonetic key
    0.7; keys one edit apart (two for long keys) 0.5. Short keys never match by sound: too many
    plain words share them. A number never matches by sound: Whisper writes a number it heard as
    digits or words (both are read as numbers), so "20c" is not 201."""
    if target.replace(" ", "").isdigit():
        return 0.0
    a, b = sound_key(target), sound_key(heard)
    if len(a) < 4 or not b or abs(len(a) - len(b)) > 2:
        return 0.0
    if a == b:
        return 0.7
    d = edit_distance(a, b)
    if d <= 1 or (d <= 2 and len(a) >= 8):
        return 0.5
    return 0.0


def shares_only_an_end(target: str, j: str, shared: int = 4) -> bool:
    """A run whose sounds share a long end or start with the term's is near it only if the rest
    sounds near too: "sort parameter" is not "bound parameter", though two sounds apart."""
    a, b = sound_key(target), sound_key(j)
    n = len(os.path.commonprefix([a[::-1], b[::-1]]))
    if n >= shared:
        a, b = a[:-n], b[:-n]
    n = len(os.path.commonprefix([a, b]))
    if n >= shared:
        a, b = a[n:], b[n:]
    if (a, b) == (sound_key(target), sound_key(j)) or not a or not b:
        return False
    return edit_distance(a, b) > max(1, max(len(a), len(b)) // 2)


# ---- "dot" heard as "not" --------------------------------------------------------------------

# one-letter receivers as Whisper writes them said aloud: "are not context" is r.Context()
LETTER_NAMES = {"are": "r", "see": "c", "why": "y", "you": "u", "tea": "t", "pea": "p", "bee": "b", "queue": "q"}
_SUBJECTS = frozenset("we they you these those who which that there i".split())  # "we are not ..." is English
_DOTTED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")
_NOT_BETWEEN = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)(,? not )([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=64)
def dotted_pairs(texts: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """The member accesses of code and terms, as the words either side of the dot: sync.Mutex ->
    ("sync", "mutex"), crypto.pbkdf2Sync -> ("crypto", "pbkdf"), order.status -> ("order", "status")."""
    out = set()
    for text in texts:
        for a, b in _DOTTED.findall(text):
            left, right = raw_words(a), raw_words(b)
            if left and right:
                out.add((left[-1], right[0]))
    return frozenset(out)


def _lisped(left: str, right: str, pairs: frozenset[tuple[str, str]]) -> bool:
    """The receiver heard with "th" for its "s" ("I think, not mutex" for "a sync.Mutex"): a
    voice's s and th are one sound apart, and the member after the "not" is the scenario's."""
    key = sound_key(left).replace("0", "S")
    return "0" in sound_key(left) and any(b == right and sound_key(a) == key for a, b in pairs)


def restore_dots(text: str, pairs: frozenset[tuple[str, str]]) -> str:
    """Whisper often writes the "dot" of a member said aloud as "not" ("put a sync, not mutex on
    the store", "use crypto, not pbkdf2"): read as a negation it cancels the very remedy named.
    Where the words either side are a member access of the scenario (`dotted_pairs`), the "not"
    is a dot ("passes are not context through": r.Context); "use the client, not the server" and
    "we are not context aware" are left alone."""
    if not pairs or " not " not in text:
        return text

    def put_dot(m: re.Match) -> str:
        left, right = raw_words(m.group(1)), raw_words(m.group(3))
        if not left or not right:
            return m.group(0)
        before = m.string[:m.start()].split()[-1:]
        letter = LETTER_NAMES.get(left[-1]) if not (before and before[0].lower() in _SUBJECTS) else None
        if (left[-1], right[0]) in pairs or (letter, right[0]) in pairs or _lisped(left[-1], right[0], pairs):
            return f"{m.group(1)} dot {m.group(3)}"
        return m.group(0)

    return _NOT_BETWEEN.sub(put_dot, text)
