"""Officials: appointed by their party's roots; keys valid by log position; removal and rotation."""

from __future__ import annotations

from acts_factory import adopted, appoint, b64url, enterprise, public_key

from jointzone.acts import Signer


def rotate(
    official: str = "japan-inspector-2", party: str = "japan", key: str = "new"
) -> dict[str, object]:
    return {
        "type": "official.rotate-key",
        "party": party,
        "official": official,
        "public_key": b64url(public_key(key)),
    }


def remove(official: str = "japan-inspector-2", party: str = "japan") -> dict[str, object]:
    return {"type": "official.remove", "party": party, "official": official}


def test_appointed_key_is_valid_from_the_next_position() -> None:
    log = adopted()
    at = log.state.size
    log.apply(appoint())
    state = log.state
    key = public_key("japan-inspector-2")
    assert not state.key_valid("japan-inspector-2", key, at)
    assert state.key_valid("japan-inspector-2", key, at + 1)
    assert state.signer_at("japan-inspector-2", at + 1) == Signer(
        "japan-inspector-2", "japan", ("inspector",), key, root=False
    )
    assert "japan-inspector-2" not in state.officials_at(at)
    assert "japan-inspector-2" in state.officials_at(at + 1)
    assert state.signer_for_key(key, at + 1) == state.signer_at("japan-inspector-2", at + 1)
    assert state.public_keys[key] == "japan-inspector-2"
    official = state.officials["japan-inspector-2"]
    assert official.active
    assert official.appointed_at == at
    assert official.roles == ("inspector",)


def test_rotation_splits_validity_at_its_position() -> None:
    log = adopted()
    log.apply(appoint())
    at = log.state.size
    log.apply(rotate())
    state = log.state
    old, new = public_key("japan-inspector-2"), public_key("new")
    assert state.key_valid("japan-inspector-2", old, at)
    assert not state.key_valid("japan-inspector-2", old, at + 1)
    assert not state.key_valid("japan-inspector-2", new, at)
    assert state.key_valid("japan-inspector-2", new, at + 1)
    assert [k.valid_until for k in state.officials["japan-inspector-2"].keys] == [at + 1, None]
    assert state.signer_for_key(old, at + 1) is None


def test_removal_ends_the_key_after_its_position() -> None:
    log = adopted()
    log.apply(appoint())
    at = log.state.size
    log.apply(remove())
    state = log.state
    key = public_key("japan-inspector-2")
    assert state.key_valid("japan-inspector-2", key, at)
    assert not state.key_valid("japan-inspector-2", key, at + 1)
    assert state.officials["japan-inspector-2"].removed_at == at
    assert not state.officials["japan-inspector-2"].active
    assert "japan-inspector-2" not in state.officials_at(at + 1)


def test_a_removed_officials_signature_is_rejected() -> None:
    log = adopted()
    log.apply(remove("japan-officer"))
    log.rejects(enterprise(), "signers.japan: 'japan-officer' is no key that may sign at position")


def test_appointing_an_official_id_twice_is_rejected() -> None:
    log = adopted()
    log.apply(appoint())
    log.rejects(
        appoint(public_key=b64url(public_key("other"))),
        "official: 'japan-inspector-2' was already appointed",
    )
    log.apply(remove())
    log.rejects(
        appoint(public_key=b64url(public_key("other"))),
        "'japan-inspector-2' was already appointed \\(ids are never reused\\)",
    )


def test_an_official_id_cannot_be_a_root_key_id() -> None:
    adopted().rejects(appoint(official="japan-root-1"), "official: 'japan-root-1' is a root key id")


def test_appointing_with_an_unknown_role_is_rejected() -> None:
    adopted().rejects(
        appoint(roles=["inspector", "governor"]), r"roles\[1\]: .*has no role 'governor'"
    )


def test_appointing_for_an_unknown_party_is_rejected() -> None:
    adopted().rejects(
        appoint(party="china"), "party: 'china' is not a party", {"japan": ["japan-root-1"]}
    )


def test_a_key_is_never_used_twice() -> None:
    log = adopted()
    log.apply(appoint())
    log.rejects(
        appoint(official="japan-inspector-3", public_key=b64url(public_key("japan-inspector-2"))),
        "public_key: this key is already used by 'japan-inspector-2'",
    )
    log.rejects(
        appoint(official="japan-inspector-3", public_key=b64url(public_key("japan root 1"))),
        "public_key: this key is already used by 'japan-root-1'",
    )
    log.rejects(rotate(key="japan-inspector-2"), "this key is already used by 'japan-inspector-2'")


def test_removing_an_unknown_official_is_rejected() -> None:
    adopted().rejects(remove("nobody"), "official: no official 'nobody' has been appointed")


def test_removing_twice_is_rejected() -> None:
    log = adopted()
    log.apply(appoint())
    log.apply(remove())
    log.rejects(remove(), r"official: 'japan-inspector-2' was removed at position \d+")


def test_rotating_a_removed_officials_key_is_rejected() -> None:
    log = adopted()
    log.apply(appoint())
    log.apply(remove())
    log.rejects(rotate(), "was removed at position")


def test_one_party_cannot_act_on_anothers_official() -> None:
    log = adopted()
    log.apply(appoint())
    log.rejects(
        rotate(party="russia"),
        "official: 'japan-inspector-2' is an official of 'japan', not of 'russia'",
    )
    log.rejects(remove(party="russia"), "is an official of 'japan', not of 'russia'")
