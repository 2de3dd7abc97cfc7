"""Pure helpers over saved takes: trends per metric, retake series, and comparing two takes.

Nothing here touches the disk; the CLI reads takes from the store and hands them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..text import plain_tokens as words_of
from .db import Take


@dataclass(frozen=True)
class HistoryOptions:
    reuse_ngram: int = 5
    reuse_warn_ratio: float = 0.35
    attempts: int = 3
    target_wpm_low: float = 130.0
    target_wpm_high: float = 160.0

    @classmethod
    def from_config(cls, section: Mapping[str, Any], coaching: Mapping[str, Any] | None = None) -> "HistoryOptions":
        """From [history]; the target band comes from [coaching] so coaching and charts agree."""
        d, coaching = cls(), coaching or {}
        return cls(
            reuse_ngram=int(section.get("reuse_ngram", d.reuse_ngram)),
            reuse_warn_ratio=float(section.get("reuse_warn_ratio", d.reuse_warn_ratio)),
            attempts=int(section.get("attempts", d.attempts)),
            target_wpm_low=float(coaching.get("target_wpm_min", d.target_wpm_low)),
            target_wpm_high=float(coaching.get("target_wpm_max", d.target_wpm_high)),
        )


@dataclass(frozen=True)
class Metric:
    key: str  # Take attribute
    label: str
    better: str  # "higher" | "lower" | "band" (WPM: inside the target band is best)
    fmt: str = "{:.1f}"


METRICS: tuple[Metric, ...] = (
    Metric("wpm", "WPM", "band", "{:.0f}"),
    Metric("fillers_per_100_words", "fillers /100 words", "lower"),
    Metric("structure_score", "structure score", "higher", "{:.0f}"),
    Metric("overall", "overall", "higher", "{:.0f}"),
)


# ---- trends ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    metric: Metric
    points: tuple[tuple[int, str, float], ...]  # (take id, created_at, value), oldest first

    @property
    def values(self) -> list[float]:
        return [v for _, _, v in self.points]

    @property
    def first(self) -> float | None:
        return self.points[0][2] if self.points else None

    @property
    def last(self) -> float | None:
        return self.points[-1][2] if self.points else None

    @property
    def slope(self) -> float | None:
        """Least-squares change per take: less swayed by one odd take than last - first."""
        ys = self.values
        n = len(ys)
        if n < 2:
            return None
        mx, my = (n - 1) / 2, sum(ys) / n
        den = sum((i - mx) ** 2 for i in range(n))
        return sum((i - mx) * (y - my) for i, y in enumerate(ys)) / den

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric.key, "label": self.metric.label, "better": self.metric.better,
                "count": len(self.points), "first": self.first, "last": self.last, "slope_per_take": self.slope,
                "points": [{"id": i, "created_at": c, "value": v} for i, c, v in self.points]}


def trend(takes: Iterable[Take], metric: Metric) -> Trend:
    ordered = sorted(takes, key=lambda t: (t.created_at, t.id))
    return Trend(metric, tuple((t.id, t.created_at, float(getattr(t, metric.key)))
                               for t in ordered if getattr(t, metric.key) is not None))


def progress(takes: Sequence[Take]) -> list[Trend]:
    return [trend(takes, m) for m in METRICS]


def verdict(metric: Metric, before: float | None, after: float | None, options: HistoryOptions) -> str:
    """'better' | 'worse' | 'same' | 'n/a' for a change of one metric."""
    if before is None or after is None:
        return "n/a"
    if metric.better == "band":
        def distance(v: float) -> float:
            return max(options.target_wpm_low - v, 0.0, v - options.target_wpm_high)
        a, b = distance(before), distance(after)
    elif metric.better == "lower":
        a, b = before, after
    else:
        a, b = -before, -after
    if abs(a - b) < 1e-9:
        return "same"
    return "better" if b < a else "worse"


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        return _BARS[3] * len(values)
    return "".join(_BARS[round((v - lo) / (hi - lo) * (len(_BARS) - 1))] for v in values)


# ---- retake series --------------------------------------------------------------------------

def series(takes: Iterable[Take]) -> dict[str, list[Take]]:
    """Takes grouped by scenario, each group oldest first (attempt 1, 2, ...); no-scenario takes left out."""
    out: dict[str, list[Take]] = {}
    for t in sorted(takes, key=lambda t: (t.created_at, t.id)):
        if t.scenario_id:
            out.setdefault(t.scenario_id, []).append(t)
    return out


def attempt_numbers(takes: Iterable[Take]) -> dict[int, int]:
    """take id -> its attempt number within its scenario's series."""
    return {t.id: i for group in series(takes).values() for i, t in enumerate(group, 1)}


# ---- comparing two takes --------------------------------------------------------------------

def content_words(result: Mapping[str, Any]) -> list[str]:
    """Lower-case words of the transcript without fillers (an 'um' more or less is not rewording)."""
    transcript = result.get("transcript") or {}
    words = transcript.get("words") or []
    if words:
        tokens = [w.get("text", "") for w in words if not w.get("filler")]
    else:
        tokens = [transcript.get("text", "")]
    return [m for tok in tokens for m in words_of(str(tok))]


def ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def reuse_ratio(earlier: Mapping[str, Any], later: Mapping[str, Any], n: int = 5) -> float | None:
    """Share of the later take's word n-grams already said in the earlier take (Broder's containment).

    None when the later take is shorter than n words, where the ratio would mean nothing.
    """
    new = ngrams(content_words(later), n)
    if not new:
        return None
    return len(new & ngrams(content_words(earlier), n)) / len(new)


def coverage(result: Mapping[str, Any]) -> dict[str, bool]:
    structure = result.get("structure") or {}
    cov = structure.get("coverage") if isinstance(structure, Mapping) else None
    return {str(k): bool(v) for k, v in (cov or {}).items()}


@dataclass(frozen=True)
class MetricChange:
    metric: Metric
    before: float | None
    after: float | None
    verdict: str

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Comparison:
    a: Take
    b: Take
    changes: tuple[MetricChange, ...]
    newly_covered: tuple[str, ...]
    lost: tuple[str, ...]
    reuse: float | None
    reuse_warning: str | None
    same_scenario: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.id, "b": self.b.id, "same_scenario": self.same_scenario,
            "metrics": [{"metric": c.metric.key, "before": c.before, "after": c.after, "delta": c.delta,
                         "verdict": c.verdict} for c in self.changes],
            "newly_covered": list(self.newly_covered), "lost": list(self.lost),
            "wording_reuse": self.reuse, "reuse_warning": self.reuse_warning,
        }


def compare(a: Take, b: Take, options: HistoryOptions = HistoryOptions()) -> Comparison:
    """What changed from take `a` to take `b` (b is treated as the retake, whatever the ids)."""
    changes = tuple(MetricChange(m, getattr(a, m.key), getattr(b, m.key),
                                 verdict(m, getattr(a, m.key), getattr(b, m.key), options)) for m in METRICS)
    ca, cb = coverage(a.result), coverage(b.result)
    newly = tuple(sorted(p for p, ok in cb.items() if ok and not ca.get(p, False)))
    lost = tuple(sorted(p for p, ok in ca.items() if ok and not cb.get(p, False)))
    ratio = reuse_ratio(a.result, b.result, options.reuse_ngram)
    warning = None
    if ratio is not None and ratio >= options.reuse_warn_ratio:
        warning = (f"take #{b.id} repeats {ratio:.0%} of its {options.reuse_ngram}-word phrases from take #{a.id}: "
                   "rework the structure (problem, solution, impact) in fresh words instead of reciting "
                   "the earlier answer")
    return Comparison(a, b, changes, newly, lost, ratio, warning,
                      same_scenario=a.scenario_id is not None and a.scenario_id == b.scenario_id)
