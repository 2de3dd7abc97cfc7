"""Shared CLI plumbing: one-line errors with exit codes, JSON output, the console."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import sys
from typing import Any, Callable

import click

from ..errors import VoiceCoachError


def console():
    from rich.console import Console

    return Console(highlight=False)


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> None:
    """Print one actionable line on stderr and exit with `code`."""
    click.echo(f"voicecoach: {message}", err=True)
    sys.exit(code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line and an exit code instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _setup_logging()
        try:
            return fn(*args, **kwargs)
        except VoiceCoachError as exc:
            fail(str(exc), exc.exit_code)
        except sqlite3.Error as exc:  # the store heals damage itself; anything left is one line too
            fail(f"history database error: {exc} (`voicecoach repair` checks and rebuilds it)", 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _setup_logging() -> None:
    import os

    level = os.environ.get("VOICECOACH_LOG", "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING), format="%(levelname)s %(name)s: %(message)s")
    # notices (e.g. "the history database was damaged ... rebuilt") are one plain line for the user
    notice = logging.getLogger("voicecoach.notice")
    if not notice.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("voicecoach: %(message)s"))
        notice.addHandler(handler)
        notice.propagate = False
