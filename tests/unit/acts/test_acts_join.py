"""regime.amend with ``joining``: a third party joins a running log, with its own root of trust."""

from __future__ import annotations

from acts_factory import JOINER, ROOTS, adopted, join, note_verifier, root_key

JOINED = {**ROOTS, JOINER: [f"{JOINER}-root-1"]}


def test_a_joining_party_gets_root_keys_from_the_act_and_a_node_key_from_the_next_size() -> None:
    log = adopted()
    at = log.state.size
    data = join()
    log.apply(data, signers=JOINED)
    state = log.state
    assert state.regime is not None
    assert state.regime.party_ids == ("japan", "russia", JOINER)
    assert state.regime_at(at).version == 1  # the amendment itself is judged under version 1
    third = state.parties[JOINER]
    assert third.threshold == 1
    assert [r.id for r in third.root_keys] == [f"{JOINER}-root-1"]
    assert third.root_keys[0].key.valid_from == at  # it signs the act that declares it
    assert third.node_keys[0].from_size == at + 1
    assert third.node_keys[0].event is not None
    assert third.node_keys[0].event.position == at
    vkey = data["joining"][JOINER]["node_verifier"]
    assert state.node_verifiers_at(at)[JOINER] == ()
    assert state.node_verifiers_at(at + 1)[JOINER] == (vkey,)
    # A verifier is given the genesis parties' keys; the joiner's is learnt from the log.
    assert list(state.genesis_node_verifiers()) == ["japan", "russia"]
    assert state.signer_at(f"{JOINER}-root-1", at + 1) is not None


def test_the_parties_must_be_the_current_ones_then_the_joining_ones() -> None:
    log = adopted()
    undeclared = join()
    del undeclared["joining"]
    log.rejects(undeclared, r"regime.parties: expected \['japan', 'russia'\]", JOINED)
    other = join()
    other["joining"] = {"fourth": other["joining"][JOINER]}
    log.rejects(other, r"expected \['japan', 'russia', 'fourth'\]", JOINED)
    reordered = join()
    parties = reordered["regime"]["parties"]
    reordered["regime"]["parties"] = [parties[1], parties[0], parties[2]]
    log.rejects(reordered, "regime.parties", JOINED)


def test_a_joining_party_brings_keys_new_to_the_log() -> None:
    log = adopted()
    reused = join()
    reused["joining"][JOINER]["root_keys"][0]["id"] = "japan-root-1"
    log.rejects(reused, r"joining.third.root_keys\[0\].id: 'japan-root-1' is already used", JOINED)
    same_key = join()
    same_key["joining"][JOINER]["root_keys"] = [
        {**same_key["joining"][JOINER]["root_keys"][0], "public_key": _public("japan-root-1")}
    ]
    log.rejects(same_key, r"root_keys\[0\].public_key: this key is already used", JOINED)
    node_key = join()
    node_key["joining"][JOINER]["node_verifier"] = note_verifier("japan.jointzone.example")
    log.rejects(node_key, "joining.third.node_verifier: name 'japan.jointzone.example'", JOINED)
    too_many = join()
    too_many["joining"][JOINER]["threshold"] = 2
    log.rejects(too_many, "joining.third.threshold: 2 exceeds the 1 root key", JOINED)


def test_the_joining_node_key_must_show_it_is_held() -> None:
    log = adopted()
    forged = join()
    forged["joining"][JOINER]["possession"] = join(label="2")["joining"][JOINER]["possession"]
    log.rejects(forged, "joining.third.possession: not a signed note by the new key", JOINED)


def test_only_declared_keys_sign_for_the_joining_party() -> None:
    log = adopted()
    log.rejects(
        join(),
        "signers.third: 'third-root-9' is no key that may sign",
        {**ROOTS, JOINER: [f"{JOINER}-root-9"]},
    )
    log.rejects(
        join(),
        "'japan-root-1' is a key of 'japan', not of 'third'",
        {**ROOTS, JOINER: ["japan-root-1"]},
    )
    log.rejects(join(), "signers.fourth: 'fourth' is not a party", {**ROOTS, "fourth": ["x"]})


def test_a_joined_party_stays_through_later_amendments_and_joins_once() -> None:
    log = adopted()
    log.apply(join(), signers=JOINED)
    again = join(version=3)
    again["joining"] = {}
    log.apply(again, signers=JOINED)
    assert log.state.regime is not None
    assert log.state.regime.version == 3
    # Joining twice is refused: the party is in the regime now.
    twice = join(version=4)
    log.rejects(twice, r"expected \['japan', 'russia', 'third', 'third'\]", JOINED)


def _public(key_id: str) -> str:
    return str(root_key(key_id)["public_key"])
