"""The trust package's public names are a deliberate list."""

import jointzone.trust


def test_exported_members() -> None:
    assert set(jointzone.trust.__all__) == {
        "FORMAT",
        "TRUST_EXTENSION",
        "BundleError",
        "OpenedBundle",
        "ProvedEntry",
        "TrustError",
        "bundle_json",
        "open_bundle",
        "trust_extension",
    }
    for name in jointzone.trust.__all__:
        assert getattr(jointzone.trust, name) is not None
