"""The pyttsx3 render worker: run as a script by pyttsx3_engine.py, one process per engine.

Protocol: argv[1] is JSON {rate, volume, voice, driver}; then one JSON request per stdin line
{"text", "path", "timeout_s"}, one JSON reply per line on the original stdout: {"ready": true}
once, then {"ok": true} or {"error": "..."} per request.

Why it waits for "finished-utterance": with pyttsx3 2.99's espeak driver, `save_to_file` does
not mark the driver busy, so `runAndWait()` pumps its own end-of-loop command before synthesis
starts and returns at once (~10 ms). espeak-ng was initialised in AUDIO_OUTPUT_RETRIEVAL mode,
which synthesises in espeak-ng's own thread, and the driver writes the WAV from that thread's
callback when the message ends. So the file appears some time AFTER runAndWait returns (or
never, when the process exits first). The event fires after the WAV is closed.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def main() -> int:
    reply_fh = os.fdopen(os.dup(1), "w", buffering=1)
    # pyttsx3's espeak driver prints "Audio saved to ..." on stdout: keep the reply channel clean
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process

    def reply(obj: dict) -> None:
        reply_fh.write(json.dumps(obj) + "\n")
        reply_fh.flush()

    args = json.loads(sys.argv[1])
    try:
        import pyttsx3

        engine = pyttsx3.init(args.get("driver") or None)
        engine.setProperty("rate", int(args["rate"]))
        engine.setProperty("volume", float(args["volume"]))
        if args.get("voice"):
            engine.setProperty("voice", args["voice"])
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which turns it into one line
        reply({"error": f"{type(exc).__name__}: {exc}"})
        return 1
    module = getattr(getattr(engine, "proxy", None), "_module", None)
    asynchronous = getattr(module, "__name__", "").endswith(".espeak")  # sapi5/nsss write before returning
    done = threading.Event()
    state: dict = {}

    def finished(name=None, completed=True) -> None:
        state["completed"] = completed
        done.set()

    engine.connect("finished-utterance", finished)
    reply({"ready": True})
    for line in sys.stdin:
        req = json.loads(line)
        done.clear()
        state.clear()
        try:
            engine.save_to_file(req["text"], req["path"])
            engine.runAndWait()
        except Exception as exc:  # noqa: BLE001
            reply({"error": f"{type(exc).__name__}: {exc}"})
            continue
        if asynchronous and not done.wait(float(req.get("timeout_s", 30.0))):
            reply({"error": "espeak-ng never finished the utterance"})
            continue
        if state.get("completed") is False:
            reply({"error": "the utterance was cancelled"})
            continue
        reply({"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
