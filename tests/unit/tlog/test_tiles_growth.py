"""Growing tiles: what an append touches, expanded, matches the tree built whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jointzone.tlog import (
    TILE_HEIGHT,
    TILE_WIDTH,
    MemoryTree,
    expand_tile,
    grow_expanded_tiles,
    grow_tiles,
    leaf_hash,
    tile_root,
)


def _bottom(tree: MemoryTree, level: int, index: int, size: int) -> list[bytes]:
    """A tile's bottom hashes, read from a whole tree of ``size`` leaves."""
    count = size >> (TILE_HEIGHT * level)
    start = index * TILE_WIDTH
    width = min(TILE_WIDTH, count - start)
    nodes = [(TILE_HEIGHT * level, start + i) for i in range(width)]
    return tree.read_hashes(nodes)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 70_000), st.integers(1, 600))
def test_grown_tiles_are_the_whole_trees_tiles(size: int, added: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size + added)]
    tree = MemoryTree()
    for h in leaves:
        tree.append_hash(h)

    def right_edge(level: int) -> list[bytes]:
        count = size >> (TILE_HEIGHT * level)
        return _bottom(tree, level, count >> TILE_HEIGHT, size)

    grown = grow_expanded_tiles(size, leaves[size:], right_edge)
    bottoms = grow_tiles(size, leaves[size:], right_edge)
    assert set(grown) == set(bottoms)
    for (level, index), expanded in grown.items():
        want = _bottom(tree, level, index, size + added)
        assert bottoms[(level, index)] == want
        assert expanded == expand_tile(want)
        if len(want) == TILE_WIDTH:
            assert tile_root(want) == tree.read_hashes([(TILE_HEIGHT * (level + 1), index)])[0]
