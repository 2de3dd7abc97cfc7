"""The scenario bank, user scenarios, clear errors for malformed files, and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from voicecoach.errors import VoiceCoachError
from voicecoach.coach.scenarios import BANK_DIR, ROLES, get_scenario, load_scenarios

REQUIRED_CLASSES = ["off-by-one", "async rejection", "resource leak", "race condition", "status code",
                    "event loop", "idempotent", "n+1", "timeout", "unvalidated input"]


def test_bank_has_twelve_realistic_scenarios_in_three_languages():
    bank = [s for s in load_scenarios() if s.source.startswith(str(BANK_DIR))]
    assert len(bank) >= 12
    assert len({s.language for s in bank}) >= 3
    classes = " | ".join(s.bug_class.lower() for s in bank)
    for needle in REQUIRED_CLASSES:
        assert needle in classes, needle
    for s in bank:
        assert 15 <= len(s.snippet.splitlines()) <= 40, s.id
        assert {p.name for p in s.key_points} == set(ROLES), s.id
        assert set(s.reference_parts()) == {"problem", "solution", "impact"}, s.id
        assert s.time_box_s >= 30 and s.prompt


def test_every_reference_answer_is_coached_as_a_complete_answer():
    # the bank's own reference answers must cover their key points: a check on the phrasings
    from labelled.loader import result_for
    from voicecoach.coach.evaluate import coach
    from voicecoach.config import load_config

    cfg = load_config()
    for s in load_scenarios():
        text = " ".join(s.reference_parts().values())
        out = coach(result_for(text), s, cfg)
        assert out["structure"]["fix_matches"] is True, s.id
        assert out["structure"]["content_score"] >= 70, (s.id, out["structure"]["missing"])
        assert out["structure"]["solution"]["present"], s.id


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


GOOD = '''
id = "my-own"
title = "Mine"
language = "python"
bug_class = "custom"
time_box_s = 60
prompt = "Review it."
snippet = "print(1)"
reference_answer = "Problem: x. Solution: y. Impact: z."
[[key_points]]
name = "fix"
phrases = ["do y"]
'''


def test_user_scenarios_are_added_and_can_replace_a_bundled_one(voicecoach_home):
    folder = voicecoach_home / "scenarios"
    _write(folder, "mine.toml", GOOD)
    _write(folder, "override.json", json.dumps({
        "id": "go-slice-off-by-one", "title": "My version", "language": "go", "bug_class": "x", "time_box_s": 30,
        "prompt": "p", "snippet": "package x", "reference_answer": "Problem: a",
        "key_points": [{"name": "fix", "phrases": ["slice start to end"]}]}))
    ids = [s.id for s in load_scenarios()]
    assert "my-own" in ids and ids.count("go-slice-off-by-one") == 1
    assert get_scenario("go-slice-off-by-one").title == "My version"


@pytest.mark.parametrize("broken,field", [
    (GOOD.replace("time_box_s = 60", "time_box_s = \"soon\""), "time_box_s"),
    (GOOD.replace('title = "Mine"\n', ""), "title"),
    (GOOD.replace('phrases = ["do y"]', "phrases = []"), "key_points[0].phrases"),
    (GOOD.replace('name = "fix"', "name = 3"), "key_points[0].name"),
    (GOOD.split("[[key_points]]")[0], "key_points"),
    (GOOD.replace('id = "my-own"', 'id = "has space"'), "id"),
])
def test_malformed_file_names_the_file_and_the_field(voicecoach_home, broken, field):
    path = _write(voicecoach_home / "scenarios", "bad.toml", broken)
    with pytest.raises(VoiceCoachError) as err:
        load_scenarios()
    assert str(path) in str(err.value) and f"'{field}'" in str(err.value)


def test_invalid_toml_names_the_file(voicecoach_home):
    path = _write(voicecoach_home / "scenarios", "bad.toml", "id = [unclosed")
    with pytest.raises(VoiceCoachError, match="bad.toml"):
        load_scenarios()
    assert path.exists()


def test_missing_bank_is_not_an_error(monkeypatch, voicecoach_home, tmp_path):
    import voicecoach.coach.scenarios as mod

    monkeypatch.setattr(mod, "BANK_DIR", tmp_path / "nowhere")
    assert load_scenarios() == []
    _write(voicecoach_home / "scenarios", "mine.toml", GOOD)
    assert [s.id for s in load_scenarios()] == ["my-own"]


def test_unknown_id_says_how_to_list():
    with pytest.raises(VoiceCoachError, match="voicecoach scenarios"):
        get_scenario("no-such-thing")


def test_cli_lists_and_shows(voicecoach_home):
    from voicecoach.cli import main

    runner = CliRunner()
    listed = runner.invoke(main, ["scenarios", "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == len(load_scenarios())
    table = runner.invoke(main, ["scenarios"])
    assert table.exit_code == 0 and "py-pagination-off-by-one" in table.output
    shown = runner.invoke(main, ["scenarios", "show", "java-jpa-n-plus-one", "--json"])
    assert json.loads(shown.output)["language"] == "java"
    pretty = runner.invoke(main, ["scenarios", "show", "java-jpa-n-plus-one"])
    assert pretty.exit_code == 0 and "findTop500ByOrderByCreatedAtDesc" in pretty.output
    missing = runner.invoke(main, ["scenarios", "show", "nope"])
    assert missing.exit_code == 1 and "voicecoach scenarios" in missing.output
