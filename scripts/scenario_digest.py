"""Print what a blind writer of labelled answers may read: each scenario's prompt, snippet,
reference answer and key point ids, and none of the matcher's phrase lists, synonyms or
vocabulary (docs/content-accuracy.md, "Splits"). dev4.toml and holdout.toml were written from
this digest and the labelling rules at the top of holdout.toml.

    .venv/bin/python scripts/scenario_digest.py > /tmp/scenarios_digest.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicecoach.coach.scenarios import load_scenarios  # noqa: E402


def digest() -> str:
    out = ["# Scenario digest for writing a blind answer set (no phrase lists, no vocabulary)\n"]
    for s in load_scenarios():
        out += [f"## {s.id}: {s.title}\nlanguage: {s.language} ({s.framework}); bug class: {s.bug_class}\n",
                f"Prompt (the reported symptom):\n{s.prompt.strip()}\n",
                f"Snippet:\n```\n{s.snippet.strip()}\n```\n",
                f"Reference answer:\n{s.reference_answer.strip()}\n",
                "Key point ids: " + ", ".join(k.name for k in s.key_points) + "\n"]
    return "\n".join(out)


if __name__ == "__main__":
    print(digest())
