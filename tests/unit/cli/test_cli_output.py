"""The output layer: one table as data, printed as a Rich table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.console import Console

from jointzone.cli._output import Column, Rows, Value, plain_text, to_csv, to_json, to_rich

ACT_ID = "d13c001285200701c518e72cb0ad0579"


def sample() -> Rows:
    columns = [
        Column("act", "act", identifier=True),
        Column("type", "type"),
        Column("position", "position", show=lambda v: f"#{v}"),
        Column("status", "status", term=True, show=lambda v: str(v).upper()),
        Column("signed_by", "signed by"),
        Column("note", "note"),
        Column("figures", "figures"),
    ]
    records: list[dict[str, Value]] = [
        {
            "act": ACT_ID,
            "type": "project.approve",
            "position": 12,
            "status": "committed",
            "signed_by": ["jp-projects", "ru-projects"],
            "note": 'a comma, a "quote"\nand a second line [bold]not markup[/bold]',
            "figures": {"harvest": {"scallop": "12.5"}, "visitors": 44},
        },
        {"act": "0" * 32, "type": "project.close", "status": "open"},
    ]
    return Rows.of(columns, records, title="acts")


def rendered(rows: Rows, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(to_rich(rows, width=width))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text.splitlines()


def test_json_is_a_list_of_objects_with_typed_values() -> None:
    data = json.loads(to_json(sample()))
    assert data[0] == {
        "act": ACT_ID,
        "type": "project.approve",
        "position": 12,
        "status": "committed",
        "signed_by": ["jp-projects", "ru-projects"],
        "note": 'a comma, a "quote"\nand a second line [bold]not markup[/bold]',
        "figures": {"harvest": {"scallop": "12.5"}, "visitors": 44},
    }
    # A key a record lacked is there, as null; values are the data, not the words shown.
    assert data[1]["position"] is None
    assert data[1]["status"] == "open"


def test_json_keeps_every_script_unescaped() -> None:
    rows = Rows((Column("name", "name"),), (("択捉島/Итуруп",),))
    assert '"択捉島/Итуруп"' in to_json(rows)


def test_csv_is_rfc_4180_with_a_header_of_column_keys() -> None:
    text = to_csv(sample())
    assert text.startswith("act,type,position,status,signed_by,note,figures\r\n")
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["act", "type", "position", "status", "signed_by", "note", "figures"]
    row = parsed[1]
    assert row[0] == ACT_ID
    assert row[2] == "12"
    # Quotes, commas and the newline survive; lists and dicts are JSON in their cell.
    assert row[5] == 'a comma, a "quote"\nand a second line [bold]not markup[/bold]'
    assert json.loads(row[4]) == ["jp-projects", "ru-projects"]
    assert json.loads(row[6]) == {"harvest": {"scallop": "12.5"}, "visitors": 44}
    assert parsed[2][2] == ""  # None is an empty cell


def test_csv_writes_booleans_as_words_a_program_reads() -> None:
    rows = Rows((Column("in_zone", "in the zone"),), ((True,), (False,)))
    assert to_csv(rows) == "in_zone\r\ntrue\r\nfalse\r\n"


def test_table_shows_words_and_never_markup() -> None:
    lines = rendered(sample(), 200)
    text = "\n".join(lines)
    assert "COMMITTED" in text  # the column's own words
    assert "#12" in text
    assert "[bold]not markup[/bold]" in text
    assert "…" not in text


def test_a_wide_terminal_shows_one_row_per_line() -> None:
    lines = rendered(sample(), 200)
    (row,) = [line for line in lines if ACT_ID in line]
    assert "project.approve" in row
    assert "COMMITTED" in row


@pytest.mark.parametrize("width", [60, 50])
def test_ids_stay_whole_in_a_narrow_terminal(width: int) -> None:
    lines = rendered(sample(), width)
    assert all(len(line) <= width for line in lines)
    for act in (ACT_ID, "0" * 32):
        assert any(act in line for line in lines), f"{act} is cut at width {width}"
    text = "\n".join(lines)
    assert "…" not in text
    # Nothing else is lost either: folded, every character is still there.
    squeezed = "".join(text.split())
    for word in ("project.approve", "COMMITTED", "secondline"):
        assert word in squeezed


def test_an_id_wider_than_the_terminal_folds_rather_than_being_cut() -> None:
    key = (
        "jointzone.example/seed-regime/japan+d3ee844c+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    )
    rows = Rows((Column("key", "public key", identifier=True),), ((key,),))
    lines = rendered(rows, 40)
    # One block of "header | value" lines: the value's pieces, read down, are the whole key.
    pieces = [line.split("│")[2].strip() for line in lines if line.count("│") == 3]
    assert len(pieces) > 1
    assert "".join(pieces) == key


def test_rows_refuse_a_row_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="expected 2 values"):
        Rows((Column("a", "a"), Column("b", "b")), (("only one",),))


def test_rows_refuse_a_record_key_no_column_has() -> None:
    with pytest.raises(ValueError, match=r"keys no column has: \['typo'\]"):
        Rows.of([Column("a", "a")], [{"a": 1, "typo": 2}])


def test_rows_refuse_two_columns_with_one_key() -> None:
    with pytest.raises(ValueError, match="distinct column keys"):
        Rows((Column("a", "a"), Column("a", "b")))


def test_plain_text_of_values() -> None:
    assert plain_text(None) == ""
    assert plain_text(True) == "✓"
    assert plain_text(False) == ""
    assert plain_text(["a", 1]) == "a, 1"
    assert plain_text({"harvest": "12.5"}) == "harvest: 12.5"
