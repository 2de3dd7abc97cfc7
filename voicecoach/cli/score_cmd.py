"""`voicecoach score`, `models` and `config`: offline scoring of recordings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import config_path, defaults_text, load_config
from ..errors import UnusableInput
from . import main
from .common import err_console, guarded, print_json


@main.command()
@click.argument("audio", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line (JSON Lines).")
@click.option("--model", default=None, help="Model: 'default' (bundled tiny.en), a CTranslate2 folder, or a name.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None, help="Where to run Whisper.")
@click.option("--scenario", default=None, help="Score against this scenario's key points (see `voicecoach scenarios`).")
@click.option("--llm", is_flag=True, help="Also ask the configured LLM judge (network call to your endpoint).")
@click.option("--no-save", is_flag=True, help="Do not keep the take in history.")
@click.option("--no-recover", is_flag=True, help="Skip filler recovery (plain Whisper words only).")
@guarded
def score(audio, as_json, model, device, scenario, llm, no_save, no_recover):
    """Score one or more recordings (wav, flac, mp3, m4a, ogg): transcript and delivery metrics.

    Never opens an audio device and never speaks. Exit code 0 when every file was scored,
    2 when some file was unusable (the others are still scored).

    Example: voicecoach score answer.wav --json
    """
    from ..sessions.score import coach_result, preload_coaching, score_options
    from ..speech.pipeline import Scorer
    from .render import render_result

    cfg = load_config()
    scenario_obj = _scenario(scenario)
    preload_coaching(cfg, scenario_obj)  # the meaning model loads while Whisper loads and listens
    options = score_options(cfg, scenario_obj, model=model, device=device,
                            recover_fillers=False if no_recover else None)
    scorer = Scorer(options)
    progress = err_console()
    with progress.status("loading the Whisper model…", spinner="dots"):
        scorer.transcriber  # load once, before the files
    failed = 0
    for index, path in enumerate(audio, 1):
        try:
            with progress.status(f"scoring {path} ({index}/{len(audio)})…", spinner="dots"):
                result = scorer.score_file(path)
                data = coach_result(result.to_dict(), scenario_obj, cfg, llm)
                if not no_save:
                    data["take_id"] = _save(data, Path(path), scenario_obj, options)
        except UnusableInput as exc:
            failed += 1
            click.echo(f"voicecoach: {exc}", err=True)
            continue
        if as_json:
            print_json(data)
        else:
            render_result(data)
    if failed:
        sys.exit(2)


def _scenario(scenario_id):
    if not scenario_id:
        return None
    from ..coach.scenarios import get_scenario

    return get_scenario(scenario_id)


def _save(data: dict, audio_path: Path, scenario, options) -> int:
    from ..store.db import open_store

    settings = {"model": options.model.name, "device": options.model.device,
                "recover_fillers": options.recover_fillers}
    with open_store() as store:
        return store.save_take(data, kind="score", audio_path=audio_path,
                               scenario_id=scenario.id if scenario else None, settings=settings)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--model", default=None, help="Model to describe instead of the configured one.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None)
@guarded
def models(as_json, model, device):
    """Say which Whisper model will be used, from where, and on which device (loads nothing)."""
    from ..speech.transcribe import cuda_available, pick_device, resolve_model

    section = load_config().section("model")
    source = resolve_model(model or section.get("name", "default"))
    chosen_device, compute_type = pick_device(device or section.get("device", "auto"), None)
    info = {"name": source.display_name, "location": source.location, "offline": source.offline,
            "device": chosen_device, "compute_type": compute_type, "cuda_available": cuda_available()}
    if as_json:
        print_json(info)
        return
    click.echo(f"model:    {info['name']}\nfrom:     {info['location']}"
               f"{'' if source.offline else ' (downloaded on first use)'}\n"
               f"device:   {chosen_device} ({compute_type}); CUDA GPU seen: {'yes' if info['cuda_available'] else 'no'}")


@main.command("config")
@click.option("--path", "show_path", is_flag=True, help="Only print where the config file lives.")
@click.option("--defaults", is_flag=True, help="Print the commented defaults (a starting config.toml).")
@guarded
def config_cmd(show_path, defaults):
    """Show the merged configuration; edit $VOICECOACH_HOME/config.toml to change it."""
    if show_path:
        click.echo(str(config_path()))
        return
    if defaults:
        click.echo(defaults_text())
        return
    cfg = load_config()
    click.echo(f"# source: {cfg.source}")
    print_json(_thaw(cfg.data))


def _thaw(value):
    if hasattr(value, "items"):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value
