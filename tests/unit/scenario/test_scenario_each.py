"""``each:`` expands one step template over a list, with a nonce per expanded step."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointzone.scenario import Scenario, ScenarioError, step_nonce

SCENARIO = """
name: t
lists:
  people:
    - {n: "01", names: {ja: 甲}}
    - {n: "02", names: {ja: 乙}}
steps:
  - {at: 2019-01-01T00:00:00Z, party: japan, by: a, act: {type: x}}
  - each: people
    step:
      at: "2019-01-02T00:{n}:00Z"
      party: japan
      by: a
      act: {type: participant.enrol, participant: "p-{n}", names: "{names}"}
"""


def _load(tmp_path: Path, text: str) -> Scenario:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return Scenario.from_file(path)


def test_each_expands_the_template(tmp_path: Path) -> None:
    sc = _load(tmp_path, SCENARIO)
    assert [s.label for s in sc.steps] == ["0", "1.0", "1.1"]
    assert sc.steps[2].act == {
        "type": "participant.enrol",
        "participant": "p-02",
        "names": {"ja": "乙"},
    }
    assert sc.steps[2].at.minute == 2
    nonces = {step_nonce(sc, s) for s in sc.steps}
    assert len(nonces) == 3
    assert step_nonce(sc, sc.steps[1]) == step_nonce(_load(tmp_path, SCENARIO), sc.steps[1])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (SCENARIO.replace("each: people", "each: nobody"), "each: expected the name of a list"),
        (SCENARIO.replace('"p-{n}"', '"p-{m}"'), r"the template names \{m\}"),
    ],
)
def test_bad_expansions_are_named(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        _load(tmp_path, text)


# -- bounded input: scenario files are read with the SCENARIO limits, and never a traceback ----


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "name: t\nname: u\nsteps: []\n",
            r"^cannot read scenario .*s\.yaml: line 2, column 1: duplicate key 'name'",
        ),
        (
            "base: &b {party: japan}\nsteps: [*b]\n",
            r"s\.yaml: line 1, column 7: YAML anchors and aliases are not accepted",
        ),
        ("steps: [" * 40 + "]" * 40, r"nesting deeper than 32 levels, the limit for a scenario"),
        ("steps: [!!python/object:os.system x]\n", r"tag !!python/object:os.system is not"),
        ("steps:\n  - 1\n", r"steps\[0\]: expected a map \(at, party, by, act...\), found 1"),
        (
            "steps:\n  - {at: 2019-01-01, party: j, by: a, act: {}, reject: [j, a]}\n",
            r"steps\[0\]: reject: expected \[party, official, reason\]",
        ),
        (
            "steps:\n  - {at: 2019-01-01, party: j, by: a, act: {}, sign: [j]}\n",
            r"steps\[0\]: AttributeError",
        ),
        ("steps:\n  - {each: [a], step: {}}\n", r"each: expected the name of a list"),
    ],
)
def test_bad_scenario_files_are_scenario_errors(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        _load(tmp_path, text)


def test_a_scenario_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="expected a scenario file, a regular file; found a"):
        Scenario.from_file(tmp_path)
