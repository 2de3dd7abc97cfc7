"""Background threads that run native code, and an exit that waits for them.

Why: a daemon thread still inside onnxruntime (Piper loading or rendering), CTranslate2 (a
transcription) or espeak-ng when the main thread returns is not stopped by Python: the process
calls exit(), C++ static destructors tear down the library under the running thread, and the
process dies with SIGABRT ("terminate called without an active exception") or SIGSEGV instead of
its exit code. Measured before this module: `voicecoach practice` on a machine without a
microphone (it fails at once while the voice warms up) ended on a signal in 6 of 30 runs.

So every such thread is started here. At exit (atexit, which runs after the main thread is done
and before the libraries are torn down) each thread's `stop` is called, so it ends after the
native call in progress instead of starting another, and then every thread is joined against one
generous deadline. A thread past the deadline is logged and left (a hung engine must not hang
the exit for ever).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from typing import Callable

log = logging.getLogger("voicecoach")

# Piper loads in about a second and one transcription of a long utterance takes a few on a busy
# 2-core machine; nothing legitimate takes this long
JOIN_DEADLINE_S = 30.0

_lock = threading.Lock()
_running: dict[threading.Thread, Callable[[], None] | None] = {}
_stopping = threading.Event()
_after: list[Callable[[], None]] = []  # run once the threads are joined (closing the engines they used)


def stopping() -> bool:
    """True once the process is exiting: start no new native work (a warm-up skips its render)."""
    return _stopping.is_set()


def start(target: Callable[[], None], *, name: str, stop: Callable[[], None] | None = None) -> threading.Thread:
    """Run `target` in a daemon thread that the exit waits for; `stop` (optional) asks it to end
    soon (called once, at exit, before the join)."""

    def run() -> None:
        try:
            target()
        finally:
            with _lock:
                _running.pop(threading.current_thread(), None)

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _running[thread] = stop
    thread.start()
    return thread


def after_join(fn: Callable[[], None]) -> None:
    """Run `fn` at exit once the threads are joined (an engine is closed only when no thread uses it)."""
    _after.append(fn)


def running() -> list[threading.Thread]:
    with _lock:
        return [t for t in _running if t.is_alive()]


def join_all(deadline_s: float = JOIN_DEADLINE_S) -> list[threading.Thread]:
    """Stop and join every background thread; return those still alive at the deadline."""
    _stopping.set()
    with _lock:
        items = list(_running.items())
    for _thread, stop in items:
        if stop is not None:
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - leaving anyway; the join still runs
                log.debug("background: stopping a thread failed: %s", exc)
    end = time.monotonic() + deadline_s
    left = []
    for thread, _stop in items:
        if thread is threading.current_thread():
            continue
        thread.join(max(0.0, end - time.monotonic()))
        if thread.is_alive():
            left.append(thread)
    if left:
        log.warning("background: %s still running after %.0f s at exit", ", ".join(t.name for t in left), deadline_s)
    return left


def _at_exit() -> None:
    join_all()
    for fn in reversed(_after):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - leaving anyway
            log.debug("background: an exit hook failed: %s", exc)


atexit.register(_at_exit)
