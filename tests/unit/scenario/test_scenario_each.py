"""``each:`` expands one step template over a list, with a nonce per expanded step."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointzone.scenario import Scenario, ScenarioError
from jointzone.scenario._runner import _nonce

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
    nonces = {_nonce(sc, s) for s in sc.steps}
    assert len(nonces) == 3
    assert _nonce(sc, sc.steps[1]) == _nonce(_load(tmp_path, SCENARIO), sc.steps[1])


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
