"""The house rules of the package layout, checked on the code itself (issue 10).

The folders are the pipeline: audio -> speech -> coach -> sessions, with store beside them.
Imports run one way: a stage may import the stages before it and the shared top level, never a
later one, so the folder listing reads as the data flow and there are no cycles.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "voicecoach"
BASE = {"types", "errors", "config", "text", "background"}
# what each stage may import besides BASE (store knows no speech code)
ALLOWED = {
    "base": set(),
    "audio": set(),
    "speech": {"audio"},
    "coach": {"speech"},
    "store": set(),
    "sessions": {"audio", "speech", "coach", "store"},
    "cli": {"audio", "speech", "coach", "store", "sessions"},
}
HEAVY = ("faster_whisper", "ctranslate2", "sounddevice", "numpy", "openai", "av", "webrtcvad", "pyttsx3",
         "onnxruntime", "tokenizers")


def stage_of(module: str) -> str:
    """'voicecoach.speech.pipeline' -> 'speech'; top-level modules are 'base'."""
    parts = module.split(".")
    if len(parts) == 1:
        return "base"
    head = parts[1]
    if head == "__main__":
        return "cli"
    return "base" if head in BASE or head == "__init__" else head


def modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(module: str, path: Path) -> set[str]:
    """Every voicecoach module this one imports, lazily or not (resolved to absolute names)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("voicecoach"):
                found.add(name)
                found.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("voicecoach"))
    known = modules()
    return {n for n in found if n in known and n != module}


def test_imports_run_one_way():
    wrong = []
    for module, path in modules().items():
        stage = stage_of(module)
        if module == "voicecoach":
            continue  # the public API re-exports lazily from every stage
        for target in imports_of(module, path):
            other = stage_of(target)
            if other in ("base", stage):
                continue
            if other not in ALLOWED[stage]:
                wrong.append(f"{module} ({stage}) imports {target} ({other})")
    assert not wrong, "\n".join(sorted(wrong))


def test_base_modules_import_no_stage():
    for module, path in modules().items():
        if stage_of(module) == "base" and module not in ("voicecoach", "voicecoach.__main__"):
            assert all(stage_of(t) == "base" for t in imports_of(module, path)), module


def test_no_import_cycles():
    graph = {m: imports_of(m, p) for m, p in modules().items() if m != "voicecoach"}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            # a package's __init__ importing its own modules is not a cycle of ours
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack + [node, nxt]))
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_no_module_over_400_lines():
    long = {str(p.relative_to(PKG.parent)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long


@pytest.mark.parametrize("module", ["voicecoach", "voicecoach.cli"])
def test_import_is_light(module):
    """`import voicecoach` and the CLI's start-up (`--help`, `scenarios`) load no heavy library."""
    code = (f"import sys, {module}; import voicecoach; voicecoach.__all__; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import {module} pulled in: {out.stdout.strip()}"


def test_public_api_resolves():
    import voicecoach

    for name in voicecoach.__all__:
        assert getattr(voicecoach, name) is not None, name
    with pytest.raises(AttributeError):
        voicecoach.no_such_thing  # noqa: B018
