"""The command line's tables, driven as a user would: every registry of a seeded deployment as a
table, JSON and CSV; ids whole in a narrow terminal; every header and status in the reader's
language; the gazetteer; and the act types, templates and schemas."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from jointzone.acts import ACT_TYPES, State
from jointzone.cli import app as jointzone_app
from jointzone.cli._acttypes import template
from jointzone.cli._output import FormatOpt, Rows, emit
from jointzone.cli._places import places_rows
from jointzone.cli._registries import REGISTRIES, keys_rows, proposals_rows, registry_rows
from jointzone.inputs import ACT, parse_yaml
from jointzone.node import EmbeddedDeployment, ProposalStatus, fingerprint
from jointzone.regime import Regime
from jointzone.tlog import Verifier

from .conftest import KEYS, REGIME

LATIN = re.compile("[A-Za-z]")
Lang = Annotated[str, typer.Option("--lang")]


@pytest.fixture(scope="module")
def zone(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded deployment for this module's commands to open as often as they like."""
    return Path(shutil.copytree(seeded_dir, tmp_path_factory.mktemp("tables") / "zone"))


@pytest.fixture(scope="module")
def seen(zone: Path) -> tuple[State, list[ProposalStatus]]:
    """The state and the proposals as japan's node holds them (read, and the deployment closed,
    so that the commands can open it)."""
    with EmbeddedDeployment.open(zone, passphrases=KEYS, recover=False) as d:
        node = d.nodes["japan"]
        return node.replica.state, node.proposals()


def _app() -> typer.Typer:
    """Commands that print the tables as the real ones will, for one node of a deployment."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """tables"""

    @app.command("registry")
    def registry(
        directory: Path, kinds: list[str], lang: Lang = "en", output_format: FormatOpt = "table"
    ) -> None:
        with EmbeddedDeployment.open(directory, passphrases=KEYS, recover=False) as d:
            state = d.nodes["japan"].replica.state
            for kind in kinds:
                emit(registry_rows(state, kind, lang), output_format)

    @app.command("proposals")
    def proposals(directory: Path, lang: Lang = "en", output_format: FormatOpt = "table") -> None:
        with EmbeddedDeployment.open(directory, passphrases=KEYS, recover=False) as d:
            node = d.nodes["japan"]
            regime = node.replica.state.regime
            assert regime is not None
            emit(proposals_rows(node.proposals(), regime, lang), output_format)

    return app


def invoke(app: typer.Typer, *args: str, columns: int = 200) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    # The bytes written: Click's ``output`` would turn CSV's CRLF into LF.
    return result.stdout_bytes.decode("utf-8")


def every_table(state: State, proposals: list[ProposalStatus], language: str) -> list[Rows]:
    assert state.regime is not None
    return [
        *(registry_rows(state, kind, language) for kind in REGISTRIES),
        keys_rows(state, language),
        proposals_rows(proposals, state.regime, language),
        places_rows(state.regime, language),
    ]


# -- formats --------------------------------------------------------------------------------------


def test_a_registry_as_json_csv_and_table(zone: Path) -> None:
    app = _app()
    records = json.loads(invoke(app, "registry", str(zone), "certificates", "--format", "json"))
    assert len(records) == 44
    revoked = [r for r in records if r["status"] == "revoked"]
    assert len(revoked) == 1
    assert isinstance(revoked[0]["revoked_at"], int)  # a position, a number
    assert all(isinstance(r["places"], list) for r in records)
    assert all(r["revoked_at"] is None for r in records if r["status"] == "valid")

    text = invoke(app, "registry", str(zone), "certificates", "--format", "csv")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["certificate"] for r in rows] == [r["certificate"] for r in records]
    assert list(rows[0]) == list(records[0])
    assert json.loads(rows[0]["places"]) == records[0]["places"]

    table = invoke(app, "registry", str(zone), "certificates")
    assert "certificates (regime seed, version 1)" in table
    assert all(r["certificate"] in table for r in records)


def test_json_carries_values_and_the_table_words(zone: Path) -> None:
    app = _app()
    records = json.loads(
        invoke(app, "registry", str(zone), "projects", "--lang", "ru", "--format", "json")
    )
    statuses = {r["project"]: r["status"] for r in records}
    assert statuses["waste-pilot-2019"] == "closed"
    table = invoke(app, "registry", str(zone), "projects", "--lang", "ru")
    assert "завершён" in table
    assert "closed" not in table


# -- narrow terminals -----------------------------------------------------------------------------


def test_ids_stay_whole_in_a_narrow_terminal(
    zone: Path, seen: tuple[State, list[ProposalStatus]]
) -> None:
    state, proposals = seen
    app = _app()
    for language in ("en", "ru"):
        text = invoke(app, "registry", str(zone), *REGISTRIES, "--lang", language, columns=60)
        text += invoke(app, "proposals", str(zone), "--lang", language, columns=60)
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 60
        ids = {
            str(v)
            for rows in every_table(state, proposals, language)[: len(REGISTRIES)]
            for c in rows.columns
            if c.identifier
            for v in rows.values(c.key)
            if isinstance(v, str)
        }
        ids |= {s.proposal.id for s in proposals}
        assert any(len(i) == 32 for i in ids)  # the act ids, whole
        cut = [i for i in ids if not any(i in line for line in lines)]
        assert not cut, f"ids not whole on a line at 60 columns ({language}): {cut}"


def test_keys_with_their_fingerprints(seen: tuple[State, list[ProposalStatus]]) -> None:
    state, _ = seen
    records = keys_rows(state).records()
    node = [r for r in records if r["kind"] == "node"]
    assert [r["party"] for r in node] == ["japan", "russia"]
    for r in node:
        assert r["key"] == state.parties[str(r["party"])].node_verifier
        raw = Verifier.from_vkey(str(r["key"])).public_key_bytes
        assert r["fingerprint"] == fingerprint(raw)
    roots = [r for r in records if r["kind"] == "root"]
    assert {r["id"] for r in roots} == {
        k.id for keys in state.parties.values() for k in keys.root_keys
    }
    for r in roots:
        assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){7}", str(r["fingerprint"]))
        assert r["valid_from"] == 0


# -- languages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "ru"])
def test_no_header_or_status_is_left_in_english(
    seen: tuple[State, list[ProposalStatus]], language: str
) -> None:
    state, proposals = seen
    english = every_table(state, proposals, "en")
    tables = every_table(state, proposals, language)
    left: list[str] = []
    for en, rows in zip(english, tables, strict=True):
        assert rows.rows, f"{en.title}: empty, so this walk would prove nothing"
        assert en.title is None or rows.title != en.title
        for en_column, column in zip(en.columns, rows.columns, strict=True):
            if LATIN.search(column.header) or column.header == en_column.header:
                left.append(f"{en.title}: header {column.header!r}")
            if column.term:
                for value in rows.values(column.key):
                    shown = column.text(value)
                    if LATIN.search(shown):
                        left.append(f"{en.title}: {column.key} {value!r} shown as {shown!r}")
    assert not left, "\n".join(sorted(set(left)))


def test_a_table_in_japanese_through_the_command(zone: Path) -> None:
    table = invoke(_app(), "registry", str(zone), "incidents", "--lang", "ja")
    assert "事案一覧（制度 seed、第1版）" in table
    assert "状態" in table
    assert "解決済み" in table
    assert "status" not in table
    assert "resolved" not in table


# -- places ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "order", "header"),
    [
        ("ja", ["japan", "russia"], "日本の名称"),
        ("ru", ["russia", "japan"], "названия (Россия)"),
        ("en", ["japan", "russia"], "names used by Japan"),
    ],
)
def test_places_in_three_languages(language: str, order: list[str], header: str) -> None:
    regime = Regime.from_dir(REGIME)
    out = invoke(
        jointzone_app, "places", "--regime", str(REGIME), "--lang", language, "--format", "json"
    )
    records = json.loads(out)
    assert [r["ref"] for r in records] == [p.ref for p in regime.places]
    for record, place in zip(records, regime.places, strict=True):
        assert [k for k in record if k.startswith("names.")] == [f"names.{p}" for p in order]
        for party in order:
            assert record[f"names.{party}"] == place.names[party]
        assert isinstance(record["in_zone"], bool)
        assert record["code"] is None or isinstance(record["code"], int)
    crossings = {r["ref"]: r["crossing_point"] for r in records if r["crossing_point"]}
    assert crossings == {c.place: c.kind for c in regime.crossing_points}
    etorofu = next(r for r in records if r["ref"] == "etorofu-iturup")
    assert (
        etorofu["name"]
        == {
            "ja": "択捉島/イトゥルップ島",
            "ru": "Итуруп/Эторофу",
            "en": "Etorofu/Iturup",
        }[language]
    )

    table = invoke(jointzone_app, "places", "--regime", str(REGIME), "--lang", language)
    assert header in table
    assert etorofu["name"].split("/")[0] in table


def test_places_as_csv() -> None:
    out = invoke(jointzone_app, "places", "--regime", str(REGIME), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert list(rows[0])[:7] == [
        "ref",
        "name",
        "kind",
        "in_zone",
        "parent",
        "code",
        "crossing_point",
    ]
    nemuro = next(r for r in rows if r["ref"] == "nemuro-port")
    assert (nemuro["in_zone"], nemuro["crossing_point"]) == ("false", "sea")


def test_places_in_a_language_the_regime_lacks() -> None:
    result = CliRunner().invoke(jointzone_app, ["places", "--regime", str(REGIME), "--lang", "ko"])
    assert result.exit_code == 1
    assert "'ko' is not one of the regime's" in result.output


# -- act types, templates, schemas ----------------------------------------------------------------


def test_act_types_as_json() -> None:
    out = invoke(jointzone_app, "act", "types", "--format", "json")
    types = json.loads(out)
    assert [t["type"] for t in types] == list(ACT_TYPES)
    assert all(t["description"] for t in types)


def test_act_template_is_what_act_propose_reads() -> None:
    out = invoke(jointzone_app, "act", "template", "movement.manifest")
    assert out == template("movement.manifest")
    data = parse_yaml(out, "template", limits=ACT)
    assert data["type"] == "movement.manifest"
    assert set(data) >= {"manifest", "certificates", "crossing_point", "direction", "time"}


def test_act_schema() -> None:
    schema = json.loads(invoke(jointzone_app, "act", "schema", "certificate.issue"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"]["const"] == "certificate.issue"


def test_an_unknown_act_type_is_an_error() -> None:
    result = CliRunner().invoke(jointzone_app, ["act", "template", "project.aprove"])
    assert result.exit_code == 1
    assert "no act type 'project.aprove'" in result.output
