"""The package's shape: a deliberate public API, and no imports from outer layers."""

from __future__ import annotations

import ast
from pathlib import Path

from jointzone import neutrality

PACKAGE = Path(neutrality.__file__).parent


def test_public_api_is_sorted_and_deliberate() -> None:
    assert neutrality.__all__ == sorted(neutrality.__all__)
    assert neutrality.__all__ == [
        "Audience",
        "Checker",
        "Claim",
        "FieldFinding",
        "Finding",
        "FormIndex",
        "Lexicon",
        "LexiconFileError",
        "NameRenderer",
        "NamedPlace",
        "NeutralityError",
        "PartyWords",
        "RenderError",
        "Rule",
        "Term",
        "fold",
        "load_lexicon",
        "render_name",
        "russian_forms",
        "sections",
    ]
    for name in neutrality.__all__:
        assert hasattr(neutrality, name)


def test_pure_package_imports_nothing_from_outer_layers() -> None:
    allowed_third_party = {"yaml", "pymorphy3", "pydantic", "pydantic_core"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "jointzone":
                    assert name.startswith("jointzone.neutrality"), f"{path.name} imports {name}"
                else:
                    import sys

                    assert top in sys.stdlib_module_names or top in allowed_third_party, (
                        f"{path.name} imports {name}"
                    )
