"""party.rotate-root: a party's root keys replaced, each key judged by its log position."""

from __future__ import annotations

from typing import Any

import pytest
from acts_factory import Log, adopted, amend, appoint, b64url, public_key, root_key, rotate_root

from jointzone.acts import ActSchemaError, parse_act

ROOT_ONE = {"japan": ["japan-root-1"]}


def rotated(**changes: Any) -> tuple[Log, int]:
    """The seed log with japan's one root key replaced by japan-root-2 and japan-root-3 (2 of
    2), signed by the old key and both new ones; and the rotation's position."""
    log = adopted()
    at = log.state.size
    data = rotate_root(keys=("japan-root-2", "japan-root-3"), threshold=2, **changes)
    log.apply(data, signers={"japan": ["japan-root-1", "japan-root-2", "japan-root-3"]})
    return log, at


def test_the_old_keys_sign_up_to_the_rotation_and_the_new_ones_from_it() -> None:
    log, at = rotated()
    state = log.state
    old = state.root_keys_at("japan", at)
    assert list(old) == ["japan-root-1", "japan-root-2", "japan-root-3"]
    assert list(state.root_keys_at("japan", at + 1)) == ["japan-root-2", "japan-root-3"]
    assert list(state.root_keys_at("japan", at - 1)) == ["japan-root-1"]
    assert state.root_threshold("japan") == 2
    assert state.signer_at("japan-root-1", at + 1) is None
    assert state.signer_at("japan-root-1", at - 1) is not None
    assert state.public_keys[public_key("japan root 2")] == "japan-root-2"
    # The other party's keys are untouched.
    assert list(state.root_keys_at("russia", at + 1)) == ["russia-root-1"]
    assert state.root_threshold("russia") == 1


def test_a_removed_root_key_signs_nothing_after_the_rotation() -> None:
    log, _ = rotated()
    log.rejects(appoint(), "'japan-root-1' is no key that may sign at position", ROOT_ONE)
    log.apply(appoint(), signers={"japan": ["japan-root-2", "japan-root-3"]})


def test_a_kept_key_stays_and_a_compromised_one_is_recorded() -> None:
    log, at = rotated()
    log.apply(
        rotate_root(
            keys=("japan-root-2", "japan-root-4"), threshold=1, compromised=["japan-root-3"]
        ),
        signers={"japan": ["japan-root-2", "japan-root-4"]},
    )
    state = log.state
    second = at + 1
    keys = {k.id: k for k in state.parties["japan"].root_keys}
    assert keys["japan-root-2"].key.valid_from == at
    assert keys["japan-root-2"].key.valid_until is None
    assert keys["japan-root-3"].key.valid_until == second + 1
    assert keys["japan-root-3"].compromised is not None
    assert keys["japan-root-3"].compromised.position == second
    assert keys["japan-root-1"].compromised is None
    assert state.signer_refusal("japan-root-3", second + 1) == (
        f"root key 'japan-root-3' was declared compromised at position {second}"
    )
    assert state.signer_refusal("japan-root-1", second + 1) == (
        f"root key 'japan-root-1' was removed at position {at}"
    )
    assert state.signer_refusal("nobody", 0) == "unknown"


def test_the_threshold_alone_may_change() -> None:
    log, _ = rotated()
    log.apply(
        rotate_root(keys=("japan-root-2", "japan-root-3"), threshold=1),
        signers={"japan": ["japan-root-2", "japan-root-3"]},
    )
    assert log.state.root_threshold("japan") == 1


def _keys(*specs: dict[str, Any]) -> dict[str, Any]:
    return {"root_keys": [root_key("japan-root-2"), *specs]}


OTHER = b64url(public_key("someone else's key"))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"threshold": 3}, "threshold: 3 exceeds the 2 root key"),
        ({"party": "france"}, "not a party"),
        ({"compromised": ["japan-root-9"]}, r"compromised\[0\]: 'japan-root-9' is not a root key"),
        (
            {
                "compromised": ["japan-root-1"],
                "root_keys": [root_key("japan-root-1")],
                "threshold": 1,
            },
            r"compromised\[0\]: 'japan-root-1' is among the new",
        ),
        (
            _keys(root_key("japan-root-2")),
            r"root_keys\[1\].id: 'japan-root-2' is already root_keys\[0\]",
        ),
        (
            _keys({**root_key("japan-root-2"), "id": "japan-root-3"}),
            r"root_keys\[1\].public_key: the same key is already root_keys\[0\]",
        ),
        (
            _keys({"id": "japan-officer", "public_key": OTHER}),
            r"root_keys\[1\].id: 'japan-officer' is already used",
        ),
        (
            _keys({"id": "russia-root-1", "public_key": OTHER}),
            r"root_keys\[1\].id: 'russia-root-1' is already used",
        ),
        (
            _keys({**root_key("russia-root-1"), "id": "japan-root-3"}),
            r"root_keys\[1\].public_key: this key is already used by 'russia-root-1'",
        ),
        (
            {"root_keys": [{"id": "japan-root-1", "public_key": OTHER}], "threshold": 1},
            "'japan-root-1' is a root key of 'japan' with another public key",
        ),
        (
            {"root_keys": [root_key("japan-root-1")], "threshold": 1},
            "the act would change nothing",
        ),
    ],
)
def test_rotation_rejections(changes: dict[str, Any], match: str) -> None:
    data = {**rotate_root(keys=("japan-root-2", "japan-root-3"), threshold=2), **changes}
    adopted().rejects(data, match, {"japan": ["japan-root-1"]})


def test_a_root_key_id_of_the_past_is_never_reused() -> None:
    log, _ = rotated()
    data = rotate_root(
        keys=("japan-root-2",), root_keys=[{"id": "japan-root-1", "public_key": OTHER}]
    )
    log.rejects(data, "'japan-root-1' is already used", {"japan": ["japan-root-2"]})


def test_a_rotation_needs_a_root_policy() -> None:
    log = adopted()
    log.apply(
        amend(
            act_types={
                **log.state.regime.canonical()["act_types"],  # type: ignore[union-attr]
                "party.rotate-root": {
                    "consent": "every-party",
                    "roles": ["registrar"],
                    "threshold": {"japan": 1, "russia": 1},
                },
            }
        )
    )
    log.rejects(rotate_root(), "only root keys may replace root keys", {"japan": ["japan-officer"]})


def test_a_signer_the_rotation_does_not_declare_is_refused() -> None:
    log = adopted()
    data = rotate_root(keys=("japan-root-2",))
    log.rejects(data, "'japan-root-3' is no key that may sign", {"japan": ["japan-root-3"]})
    log.rejects(
        data, "'japan-root-2' is a key of 'japan', not of 'russia'", {"russia": ["japan-root-2"]}
    )


def test_a_malformed_rotation_names_the_field() -> None:
    with pytest.raises(ActSchemaError, match=r"root_keys\[0\]\.public_key"):
        parse_act(rotate_root(root_keys=[{"id": "japan-root-2", "public_key": None}]))
    with pytest.raises(ActSchemaError, match="root_keys"):
        parse_act(rotate_root(root_keys=[]))
