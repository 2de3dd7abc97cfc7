"""Plausible scored-take dicts (the shape of ScoreResult.to_dict()) and small WAVs for history tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

FILLERS = {"um", "uh", "er", "hmm"}


def make_result(text: str, *, wpm_words_per_s: float = 2.5, long_pause_after: int | None = None,
                scenario: str | None = None, coverage: dict[str, bool] | None = None,
                structure_score: float | None = None, overall: float | None = None,
                feedback: list | None = None, path: str = "answer.wav") -> dict:
    """A result dict whose words, fillers, pauses and figures agree with each other."""
    tokens = text.split()
    step = 1.0 / wpm_words_per_s
    t = 0.3
    words, pauses, fillers = [], [], []
    for i, tok in enumerate(tokens):
        start, end = t, t + step * 0.8
        is_filler = tok.lower().strip(",.") in FILLERS
        words.append({"text": tok, "start_s": round(start, 3), "end_s": round(end, 3), "probability": 0.9,
                      "filler": is_filler, "source": "transcript"})
        if is_filler:
            fillers.append({"text": tok, "start_s": round(start, 3), "end_s": round(end, 3),
                            "source": "transcript", "confidence": 0.9})
        t += step
        if long_pause_after is not None and i == long_pause_after:
            pauses.append({"start_s": round(end, 3), "end_s": round(end + 1.5, 3), "duration_s": 1.5,
                           "long": True, "at_boundary": False})
            t = end + 1.5
    span = words[-1]["end_s"] - words[0]["start_s"] if words else 0.0
    result = {
        "path": path, "duration_s": round(t + 0.3, 3),
        "model": {"name": "tiny.en", "device": "cpu", "compute_type": "int8"},
        "transcript": {"text": text, "words": words},
        "delivery": {"word_count": len(words), "speech_span_s": round(span, 3),
                     "wpm": round(len(words) / span * 60, 1) if span else 0.0,
                     "articulation_wpm": round(len(words) / span * 60, 1) if span else 0.0,
                     "pauses": pauses, "fillers": fillers,
                     "fillers_per_100_words": round(100 * len(fillers) / len(words), 2) if words else 0.0,
                     "hedges": []},
        "timing": {"load_s": 0.1, "transcribe_s": 0.2, "total_s": 0.3},
        "no_speech": not words,
    }
    if scenario is not None:
        result["scenario"] = scenario
    if coverage is not None or structure_score is not None:
        result["structure"] = {
            "problem": {"present": True, "text": " ".join(tokens[:4]), "start_s": words[0]["start_s"],
                        "end_s": words[min(3, len(words) - 1)]["end_s"], "score": 80, "notes": ["names the bug"]},
            "solution": {"present": True, "text": " ".join(tokens[4:8]), "start_s": words[min(4, len(words) - 1)]["start_s"],
                         "end_s": words[min(7, len(words) - 1)]["end_s"], "score": 70, "notes": []},
            "impact": {"present": False, "text": "", "start_s": None, "end_s": None, "score": 0,
                       "notes": ["say what breaks for users"]},
            "order_ok": True, "coverage": coverage or {}, "score": structure_score,
        }
    if overall is not None:
        result["overall"] = overall
    if feedback is not None:
        result["feedback"] = feedback
    return result


def write_wav(path: Path, seconds: float = 2.0, freq: float = 220.0) -> Path:
    sr = 16000
    t = np.arange(int(seconds * sr)) / sr
    sf.write(str(path), (0.2 * np.sin(2 * np.pi * freq * t)).astype("float32"), sr)
    return path
