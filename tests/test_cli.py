"""The ``awscontainers`` command as a person meets it: its help, what ``compare`` prints,
and how it refuses a broken file (exit code 2, the file named, what to do)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from awscontainers.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "workload.yaml"


def test_help_is_plain_text_and_names_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "``" not in out
    for command in ("compare", "modes", "diagrams", "room"):
        assert f"awscontainers {command}" in out
    assert "examples/workload.yaml" in out


def test_compare_prints_the_fleet_beside_its_lower_bound_and_the_naive_plan(capsys):
    assert main(["compare", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    notes = out.split("Notes per mode:", 1)[1].split("Recommended:", 1)[0]
    ecs_ec2 = notes.split("ECS on EC2:", 1)[1].split("\n", 3)[:3]
    assert "lower bound of" in ecs_ec2[1] and "no packing can cost less" in ecs_ec2[1]
    assert ecs_ec2[2].strip().startswith("- Naive plan for comparison")
    # Fargate has no fleet to plan: no such note under it.
    assert "ECS on Fargate:" not in notes
    # The price table is named once, in the table's title, not again per mode.
    assert "Prices:" not in notes


def test_compare_text_notes_are_the_json_notes(capsys):
    import json

    assert main(["compare", str(EXAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["compare", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    for estimate in data["estimates"]:
        for note in estimate["notes"]:
            if not note.startswith("Prices:"):
                assert f"  - {note}" in out


@pytest.mark.parametrize("option", ["workload", "prices"])
def test_a_yaml_syntax_error_names_the_file_and_exits_2(tmp_path, option):
    bad = tmp_path / "broken.yaml"
    bad.write_text("services:\n  - name: web\n\tvcpu: 1\n")
    args = (
        ["compare", str(bad)]
        if option == "workload"
        else ["compare", str(EXAMPLE), "--prices", str(bad)]
    )
    # The installed command's own process: its real exit code and stderr.
    done = subprocess.run(
        [sys.executable, "-m", "awscontainers.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2
    assert f'in "{bad}", line 3' in done.stderr
    assert "<unicode string>" not in done.stderr
    assert "Traceback" not in done.stderr and "What to do" in done.stderr


def _not_yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return True
    return False


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet="[]{}:,-'\"\t\n #&*!|>a1", max_size=40))
def test_any_yaml_syntax_error_exits_2_naming_the_file(tmp_path, capsys, text):
    assume(_not_yaml(text))
    path = tmp_path / "workload.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["compare", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "<unicode string>" not in err
    assert "not valid YAML or JSON" in err
