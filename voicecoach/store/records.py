"""Pure helpers of the take store: what a row keeps of a result (key figures, no secrets) and
how it is serialised. No I/O except `fsync_dir`."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

_SECRET_PARTS = {"key", "apikey", "token", "secret", "password", "passwd", "credential", "credentials"}


def _is_secret_name(name: str) -> bool:
    # "api_key", "OPENAI_API_KEY", "apiKey", "access_token", "client_secret" go; "key_points",
    # "max_tokens" stay: judge by the last word of the name, plus any name containing secret/password
    low = name.lower()
    if "secret" in low or "password" in low or "apikey" in low.replace("_", "").replace("-", ""):
        return True
    parts = [p for p in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()) if p]
    return bool(parts) and parts[-1] in _SECRET_PARTS


def _looks_like_key(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"(sk|pk|rk)-[A-Za-z0-9_\-]{16,}", value.strip()))


def strip_secrets(value: Any) -> Any:
    """`value` with every key named like a credential (and any sk-... string) removed, recursively."""
    if isinstance(value, Mapping):
        return {str(k): strip_secrets(v) for k, v in value.items()
                if not _is_secret_name(str(k)) and not _looks_like_key(v)}
    if isinstance(value, (list, tuple)):
        return [strip_secrets(v) for v in value if not _looks_like_key(v)]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):  # tolerate {"score": 72} where a bare number was expected
        value = value.get("score")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def key_figures(result: Mapping[str, Any]) -> dict[str, float | None]:
    """The columns listed by `history`; every optional part of the result may be absent."""
    delivery = result.get("delivery") or {}
    structure = result.get("structure") or {}
    return {
        "duration_s": _number(result.get("duration_s")),
        "wpm": _number(delivery.get("wpm")),
        "fillers_per_100_words": _number(delivery.get("fillers_per_100_words")),
        "structure_score": _number(structure.get("score")) if isinstance(structure, Mapping) else None,
        "overall": _number(result.get("overall")),
    }


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN/inf are not JSON; a metric that could not be computed is "absent"
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, default=_json_default, allow_nan=False)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
