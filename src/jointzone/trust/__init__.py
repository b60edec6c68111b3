"""Trust bundles: the parties' certificate keys and revocations as of a final checkpoint,
carried with the inclusion proofs an offline verifier checks against the parties' node keys.

Pure: data in, data out, no I/O. Exporting a bundle from a node is the node's
(:func:`jointzone.node.export_trust_bundle`); opening one needs only the file and the node keys.
"""

from jointzone.trust._bundle import (
    FORMAT,
    TRUST_EXTENSION,
    OpenedBundle,
    ProvedEntry,
    bundle_json,
    open_bundle,
    trust_extension,
)
from jointzone.trust.errors import BundleError, TrustError

__all__ = [
    "FORMAT",
    "TRUST_EXTENSION",
    "BundleError",
    "OpenedBundle",
    "ProvedEntry",
    "TrustError",
    "bundle_json",
    "open_bundle",
    "trust_extension",
]
