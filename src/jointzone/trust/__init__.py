"""Trust bundles: the parties' certificate keys and revocations, and the names a certificate's
codes stand for, as of a final checkpoint every party's node signed and vouched for.

The nodes commit to a verifier table in every checkpoint they sign (:func:`encode_verifier_table`,
:func:`verifier_extension`); a bundle carries the checkpoint and the table, and an offline
verifier checks one against the other with nothing but the parties' node keys. Pure: data in,
data out, no I/O. Exporting a bundle from a node is the node's
(:func:`jointzone.node.export_trust_bundle`); opening one needs only the file and the node keys.
"""

from jointzone.trust._bundle import (
    FORMAT,
    KeyChange,
    OpenedBundle,
    bundle_json,
    bundle_key_changes,
    keys_in_force,
    open_bundle,
)
from jointzone.trust._table import (
    TABLE_FORMAT,
    VERIFIER_EXTENSION,
    TablePlace,
    VerifierTable,
    encode_verifier_table,
    verifier_extension,
    verifier_table,
)
from jointzone.trust.errors import BundleError, TableError, TrustError

__all__ = [
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
]
