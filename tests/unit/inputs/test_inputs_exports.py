"""The inputs package's public names are a deliberate, sorted list, and its limits are stated."""

import jointzone.inputs
from jointzone.inputs import ACT, CHECK, IMAGE, NODE_FILE, REGIME, SCENARIO, TRUST_BUNDLE


def test_exported_members() -> None:
    assert jointzone.inputs.__all__ == sorted(jointzone.inputs.__all__, key=_ruff_order)
    assert set(jointzone.inputs.__all__) == {
        "ACT",
        "CHECK",
        "IMAGE",
        "NODE_FILE",
        "REGIME",
        "SCENARIO",
        "STDIN",
        "TRUST_BUNDLE",
        "AliasError",
        "DuplicateKeyError",
        "InputError",
        "InputLimitError",
        "Limits",
        "MalformedInputError",
        "MissingInputError",
        "NotUtf8Error",
        "UnreadableInputError",
        "decode_utf8",
        "inflate",
        "open_regular",
        "parse_json",
        "parse_yaml",
        "read_bytes",
        "read_json",
        "read_yaml",
        "source_name",
    }
    for name in jointzone.inputs.__all__:
        assert getattr(jointzone.inputs, name) is not None


def _ruff_order(name: str) -> tuple[int, str]:
    # Constants, then classes, then functions, as ruff's RUF022 sorts __all__.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_the_presets_documented_are_the_presets_defined() -> None:
    doc = jointzone.inputs.__doc__
    assert doc is not None
    rows = {line.split()[0]: line.split() for line in doc.splitlines() if line[:1].isupper()}
    for name, limits in [
        ("ACT", ACT),
        ("REGIME", REGIME),
        ("SCENARIO", SCENARIO),
        ("TRUST_BUNDLE", TRUST_BUNDLE),
        ("NODE_FILE", NODE_FILE),
    ]:
        stated = (
            f"{name} {limits.max_bytes // 1_000_000} MB {limits.max_depth} "
            f"{limits.max_nodes:,} {limits.int_bits} bits {limits.max_scalar:,}"
        )
        assert rows[name] == stated.split()
    assert rows["CHECK"][1:3] == [str(CHECK.max_bytes // 1_000_000), "MB"]
    assert rows["IMAGE"][1:3] == [str(IMAGE.max_bytes // 1_000_000), "MB"]
    assert rows["IMAGE"][-2:] == [f"{IMAGE.max_pixels:,}", "pixels"]
