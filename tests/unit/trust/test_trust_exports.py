"""The trust package's public names are a deliberate list."""

import jointzone.trust


def test_exported_members() -> None:
    assert set(jointzone.trust.__all__) == {
        "FORMAT",
        "TABLE_FORMAT",
        "VERIFIER_EXTENSION",
        "BundleError",
        "KeyChange",
        "OpenedBundle",
        "TableError",
        "TablePlace",
        "TrustError",
        "VerifierTable",
        "bundle_json",
        "bundle_key_changes",
        "encode_verifier_table",
        "keys_in_force",
        "open_bundle",
        "verifier_extension",
        "verifier_table",
    }
    for name in jointzone.trust.__all__:
        assert getattr(jointzone.trust, name) is not None
