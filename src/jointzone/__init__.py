"""jointzone: the special system for joint economic activities in a disputed zone.

Every act takes effect only with the consent its regime requires, every party's node holds and
verifies the whole record, and the record is an append-only Merkle log whose checkpoints every
party's node signs.
"""

__version__ = "0.1.0"
