"""The verifiable log: RFC 6962 Merkle tree, proofs, C2SP signed notes, checkpoints and tiles.

Pure: data in, data out, no I/O. Storage lives in :mod:`jointzone.store`.
"""

from jointzone.tlog._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, leaf_hashes, node_hash
from jointzone.tlog._proof import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from jointzone.tlog._tiles import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileHashReader,
    TileKey,
    TilePath,
    bundles_for_size,
    decode_bundle,
    decode_hash_tile,
    encode_bundle,
    entries_path,
    expand_tile,
    grow_tiles,
    tile_path,
    tile_root,
    tiles_for_size,
)
from jointzone.tlog._tree import CompactRange, HashReader, MemoryTree, Node, tree_root
from jointzone.tlog.errors import MalformedError, ProofError, SignatureError, TlogError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "CompactRange",
    "HashReader",
    "MalformedError",
    "MemoryTree",
    "Node",
    "ProofError",
    "SignatureError",
    "TileHashReader",
    "TileKey",
    "TilePath",
    "TlogError",
    "bundles_for_size",
    "consistency_proof",
    "decode_bundle",
    "decode_hash_tile",
    "encode_bundle",
    "entries_path",
    "expand_tile",
    "grow_tiles",
    "inclusion_proof",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "tile_path",
    "tile_root",
    "tiles_for_size",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
