"""User folder and configuration.

The user folder is `$VOICECOACH_HOME` when set, else the platform's app dir. `config.toml` there
is laid over the packaged `defaults.toml` key by key, so a user only writes what they change.
"""

from __future__ import annotations

import copy
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import VoiceCoachError

log = logging.getLogger("voicecoach")

ENV_HOME = "VOICECOACH_HOME"
# Bundled data (seeds/, prompts/, templates/, defaults.toml) ships inside the package, so an
# installed wheel finds it exactly as an editable checkout does.
PACKAGE_DIR = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """A file or folder of the package's bundled data, e.g. data_path("seeds", "scenarios")."""
    return PACKAGE_DIR.joinpath(*parts)


def user_dir() -> Path:
    """The user folder, created on first use."""
    env = os.environ.get(ENV_HOME)
    if env:
        path = Path(env).expanduser()
    else:
        import click

        path = Path(click.get_app_dir("voicecoach"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    return user_dir() / "config.toml"


def defaults_text() -> str:
    return data_path("defaults.toml").read_text(encoding="utf-8")


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Config:
    """Read-only merged configuration; stages build their own option dataclasses from it."""

    data: Mapping[str, Any]
    source: str

    def section(self, name: str) -> Mapping[str, Any]:
        return self.data.get(name, MappingProxyType({}))


def load_config(path: Path | None = None) -> Config:
    defaults = tomllib.loads(defaults_text())
    path = path or config_path()
    if not path.exists():
        return Config(_freeze(defaults), "defaults")
    try:
        user = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise VoiceCoachError(f"config file {path} is not valid TOML ({exc}); fix or delete it") from exc
    if any(k.lower() in {"api_key", "openai_api_key"} for k in _all_keys(user)):
        # keys belong in the environment only; refuse to read one from disk so nobody is tempted
        raise VoiceCoachError(f"config file {path} contains an API key: remove it and set OPENAI_API_KEY instead")
    return Config(_freeze(_merge(defaults, user)), str(path))


def _all_keys(data: Mapping[str, Any]):
    for key, value in data.items():
        yield key
        if isinstance(value, Mapping):
            yield from _all_keys(value)
