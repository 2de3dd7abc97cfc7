"""The mock stage and the history: keeping each answer as a take, comparing two attempts.

Each answered question is an ordinary take whose scenario id is the question's key (the
scenario for the code review, `mock-cv:<template>` for a CV question...), so the same question
across attempts forms a retake series that `history`, `compare` and `report` already handle.
"""

from __future__ import annotations

import logging
from typing import Any

from ..store.db import Store
from ..store.history import HistoryOptions, compare
from ..store.mocks import answers, get_session, link_answer
from .mock import Outcome

log = logging.getLogger("voicecoach")


def save_outcome(store: Store, session_id: int, outcome: Outcome, *, live: bool) -> int | None:
    """Keep one answer (live: the recording is moved under takes/; --answers: copied) and link it."""
    s = outcome.section
    take_id = None
    if outcome.data is not None and outcome.path is not None:
        data = dict(outcome.data)
        settings = {"mock_session": session_id, "position": s.index, "kind": s.kind, "question": outcome.question,
                    "budget_s": round(outcome.budget_s, 1)}
        take_id = store.save_take(data, kind="practice" if live else "score", audio_path=outcome.path,
                                  scenario_id=s.key, settings=settings, move_audio=live)
        outcome.take_id = take_id
        outcome.path = store.audio_file(store.get_take(take_id))  # the kept copy under takes/
    link_answer(store, session_id, s.index, s.kind, take_id)
    return take_id


def compare_sessions(store: Store, first: int, second: int, options: HistoryOptions) -> dict[str, Any]:
    """Question by question: scores before/after, and the re-used wording warning of `compare`."""
    a, b = get_session(store, first), get_session(store, second)
    takes_a = {pos: (kind, tid) for pos, kind, tid in answers(store, first)}
    takes_b = {pos: (kind, tid) for pos, kind, tid in answers(store, second)}
    sections_a = {s["index"]: s for s in a.result.get("sections") or []}
    sections_b = {s["index"]: s for s in b.result.get("sections") or []}
    rows, warnings = [], []
    for index in sorted(set(sections_a) | set(sections_b)):
        sa, sb = sections_a.get(index) or {}, sections_b.get(index) or {}
        before, after = sa.get("overall"), sb.get("overall")
        row: dict[str, Any] = {"index": index, "kind": sb.get("kind") or sa.get("kind"),
                               "question_before": sa.get("question"), "question_after": sb.get("question"),
                               "same_question": sa.get("key") == sb.get("key") and sa.get("key") is not None,
                               "before": before, "after": after,
                               "delta": None if before is None or after is None else int(after) - int(before),
                               "reuse": None, "reuse_warning": None}
        ta, tb = takes_a.get(index, (None, None))[1], takes_b.get(index, (None, None))[1]
        # the English check reads the same passage every time: re-used wording is the task there
        if ta is not None and tb is not None and row["kind"] != "english":
            cmp = compare(store.get_take(ta), store.get_take(tb), options)
            row["reuse"], row["reuse_warning"] = cmp.reuse, cmp.reuse_warning
            row["takes"] = [ta, tb]
            if cmp.reuse_warning:
                warnings.append(f"Q{index} ({row['kind']}): {cmp.reuse_warning}")
        rows.append(row)
    ob, oa = a.overall, b.overall
    return {"a": first, "b": second, "round": [a.round, b.round], "attempt": [a.attempt, b.attempt],
            "overall": {"before": None if ob is None else int(ob), "after": None if oa is None else int(oa),
                        "delta": 0 if ob is None or oa is None else int(oa) - int(ob)},
            "sections": rows, "warnings": warnings}
