"""party.rotate-node-key: a party's node gets a new note key, and checkpoints of the overlap
carry both."""

from __future__ import annotations

import pytest
from acts_factory import Log, adopted, enterprise, note_verifier, rotate_node_key, seed_regime

from jointzone.acts import ActSchemaError, parse_act, possession_text
from jointzone.tlog import Signer, sign_note

ROOT = {"japan": ["japan-root-1"]}
GENESIS = note_verifier("japan.jointzone.example")


def rotated(overlap: int = 3) -> tuple[Log, int, str]:
    """The seed log with japan's node key rotated; the rotation's position and the new key."""
    log = adopted()
    at = log.state.size
    data = rotate_node_key(overlap=overlap)
    log.apply(data, signers=ROOT)
    return log, at, str(data["node_verifier"])


def test_the_overlap_sizes_carry_both_keys_then_the_new_one_alone() -> None:
    log, at, new = rotated(overlap=3)
    japan = log.state.parties["japan"]
    assert japan.node_verifiers_at(at) == (GENESIS,)  # before the rotation is in a checkpoint
    for size in range(at + 1, at + 4):
        assert japan.node_verifiers_at(size) == (GENESIS, new)
    assert japan.node_verifiers_at(at + 4) == (new,)
    assert japan.node_verifier == new
    assert japan.node_keys[0].until_size == at + 4
    assert japan.node_keys[1].event is not None
    assert japan.node_keys[1].event.position == at
    # The other party's key is untouched, and every size names each party's keys.
    assert log.state.node_verifiers_at(at + 1) == {
        "japan": (GENESIS, new),
        "russia": (note_verifier("russia.jointzone.example"),),
    }


def test_a_second_rotation_waits_for_the_first_overlap_to_end() -> None:
    log, at, _ = rotated(overlap=3)
    log.rejects(
        rotate_node_key(label="3"),
        f"the overlap of its last node-key rotation runs until size {at + 4}",
        ROOT,
    )
    log.apply(enterprise("jp-one"))  # at + 1
    log.rejects(rotate_node_key(label="3"), "runs until size", ROOT)  # at + 2: size at + 3
    log.apply(enterprise("jp-two"))  # at + 2
    log.apply(rotate_node_key(label="4", overlap=1), signers=ROOT)  # at + 3: size at + 4
    japan = log.state.parties["japan"]
    assert japan.node_verifiers_at(at + 3) == (GENESIS, japan.node_keys[1].verifier)
    assert japan.node_verifiers_at(at + 4) == (japan.node_keys[1].verifier, japan.node_verifier)
    assert japan.node_verifiers_at(at + 5) == (japan.node_verifier,)


def test_the_new_key_must_show_it_is_held() -> None:
    log = adopted()
    other = rotate_node_key(label="other")
    log.rejects(
        rotate_node_key(possession=other["possession"]),
        "possession: not a signed note by the new key",
        ROOT,
    )
    name = "japan.jointzone.example"
    wrong = sign_note(
        "jointzone node key\nanother log\njapan\n", [Signer.from_seed(name, b"\x07" * 32)]
    )
    log.rejects(
        rotate_node_key(
            node_verifier=Signer.from_seed(name, b"\x07" * 32).verifier.vkey,
            possession=wrong.to_bytes().decode(),
        ),
        "possession: the note must read",
        ROOT,
    )
    log.rejects(rotate_node_key(possession="not a note"), "possession: not a signed note", ROOT)


def test_the_new_key_keeps_the_name_and_is_never_a_used_key() -> None:
    log = adopted()
    signer = Signer.from_seed("someone.else", b"\x05" * 32)
    possession = sign_note(possession_text(seed_regime().origin, "japan"), [signer])
    log.rejects(
        rotate_node_key(
            node_verifier=signer.verifier.vkey, possession=possession.to_bytes().decode()
        ),
        "node_verifier: named 'someone.else'; the node key of 'japan' is named",
        ROOT,
    )
    log.rejects(
        rotate_node_key(node_verifier=GENESIS),
        "this key is already a node key of 'japan'",
        ROOT,
    )


@pytest.mark.parametrize("overlap", [0, -1, 1_000_001])
def test_the_overlap_is_bounded(overlap: int) -> None:
    with pytest.raises(ActSchemaError, match="overlap"):
        parse_act(rotate_node_key(overlap=overlap))
