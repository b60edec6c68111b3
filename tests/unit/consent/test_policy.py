"""Consent policies as pure functions: each kind satisfied and unsatisfied."""

from __future__ import annotations

from jointzone.consent import Requirement, RootRotation, ValidSigner, evaluate, party_consent

PARTIES = ["japan", "russia"]


def official(party: str, name: str, *roles: str) -> ValidSigner:
    return ValidSigner(party=party, kind="official", signer=name, roles=frozenset(roles))


def root(party: str, name: str) -> ValidSigner:
    return ValidSigner(party=party, kind="root", signer=name)


def test_every_party_needs_each_party() -> None:
    req = Requirement("every-party", roles=frozenset({"registrar"}))
    both = [official("japan", "j", "registrar"), official("russia", "r", "registrar")]
    assert evaluate(req, both, parties=PARTIES).satisfied
    verdict = evaluate(req, both[:1], parties=PARTIES)
    assert not verdict.satisfied
    assert verdict.missing == ("russia: 0 of 1 signatures of its officials with role registrar",)


def test_role_outside_the_policy_does_not_count() -> None:
    req = Requirement("every-party", roles=frozenset({"registrar"}))
    signers = [official("japan", "j", "registrar"), official("russia", "r", "inspector")]
    assert not evaluate(req, signers, parties=PARTIES).satisfied


def test_threshold_counts_distinct_signers() -> None:
    req = Requirement("every-party", thresholds={"japan": 2}, roles=frozenset({"registrar"}))
    once = [official("japan", "j1", "registrar"), official("russia", "r", "registrar")]
    twice_same = [*once, official("japan", "j1", "registrar")]
    two = [*once, official("japan", "j2", "registrar")]
    assert not evaluate(req, once, parties=PARTIES).satisfied
    assert not evaluate(req, twice_same, parties=PARTIES).satisfied
    assert evaluate(req, two, parties=PARTIES).satisfied


def test_any_party_is_one_party_alone() -> None:
    req = Requirement("any-party", roles=frozenset({"inspector"}))
    assert evaluate(req, [official("russia", "r", "inspector")], parties=PARTIES).satisfied
    verdict = evaluate(req, [official("russia", "r", "registrar")], parties=PARTIES)
    assert not verdict.satisfied
    assert verdict.missing[0].startswith("any one party:")


def test_own_party_root_needs_that_partys_root_threshold() -> None:
    req = Requirement("own-party-root")
    roots = {"japan": 2, "russia": 2}
    one = [root("japan", "japan-root-1")]
    two = [*one, root("japan", "japan-root-2")]
    assert not evaluate(
        req, one, parties=PARTIES, subject_party="japan", root_thresholds=roots
    ).satisfied
    assert evaluate(
        req, two, parties=PARTIES, subject_party="japan", root_thresholds=roots
    ).satisfied
    # Another party's roots never count for this party.
    other = [root("russia", "russia-root-1"), root("russia", "russia-root-2")]
    assert not evaluate(
        req, other, parties=PARTIES, subject_party="japan", root_thresholds=roots
    ).satisfied
    assert not evaluate(req, two, parties=PARTIES, root_thresholds=roots).satisfied


def test_every_party_root() -> None:
    req = Requirement("every-party-root")
    roots = {"japan": 1, "russia": 1}
    assert evaluate(
        req, [root("japan", "j"), root("russia", "r")], parties=PARTIES, root_thresholds=roots
    ).satisfied
    # Officials are not root keys.
    signers = [root("japan", "j"), official("russia", "r", "registrar")]
    assert not evaluate(req, signers, parties=PARTIES, root_thresholds=roots).satisfied


# -- a root rotation: the old keys' threshold and the new keys' -----------------------------------


def new_root(party: str, name: str) -> ValidSigner:
    return ValidSigner(party=party, kind="new-root", signer=name)


ROTATION = Requirement(
    "own-party-root",
    rotation=RootRotation(
        "japan",
        keys=frozenset({"japan-root-2", "japan-root-4", "japan-root-5"}),
        threshold=2,
        compromised=frozenset({"japan-root-3"}),
    ),
)
ROOTS = {"japan": 2, "russia": 2}


def _rotation(signers: list[ValidSigner]) -> tuple[bool, tuple[str, ...]]:
    verdict = evaluate(
        ROTATION, signers, parties=PARTIES, subject_party="japan", root_thresholds=ROOTS
    )
    return verdict.satisfied, verdict.missing


def test_a_rotation_needs_the_old_threshold_and_the_new() -> None:
    old = [root("japan", "japan-root-1"), root("japan", "japan-root-2")]
    new = [new_root("japan", "japan-root-4"), new_root("japan", "japan-root-5")]
    assert _rotation([*old, *new]) == (True, ())
    assert _rotation(old) == (False, ("japan: 1 of 2 signatures of its new root keys",))
    # A kept key (japan-root-2) counts for both sets; the new keys alone are no old threshold.
    assert _rotation([*old, new[0]])[0]
    assert _rotation(new) == (False, ("japan: 0 of 2 signatures of its root keys",))


def test_a_key_the_rotation_declares_compromised_counts_for_nothing() -> None:
    signers = [
        root("japan", "japan-root-1"),
        root("japan", "japan-root-3"),
        new_root("japan", "japan-root-4"),
        new_root("japan", "japan-root-5"),
    ]
    assert _rotation(signers) == (False, ("japan: 1 of 2 signatures of its root keys",))
    assert _rotation([*signers, root("japan", "japan-root-2")])[0]


def test_a_rotations_standing_shows_both_counts_and_only_for_its_party() -> None:
    signers = [root("japan", "japan-root-1"), new_root("japan", "japan-root-4")]
    japan, russia = party_consent(
        ROTATION, signers, parties=PARTIES, subject_party="japan", root_thresholds=ROOTS
    )
    assert (japan.have, japan.need, japan.new_have, japan.new_need) == (1, 2, 1, 2)
    assert not japan.done
    assert (russia.need, russia.new_need) == (0, 0)
    assert russia.done
    # A signature claiming one of japan's new keys for another party counts for neither.
    both_old = [*signers, root("japan", "japan-root-6")]
    assert not _rotation([*both_old, new_root("russia", "japan-root-5")])[0]
    assert _rotation([*both_old, new_root("japan", "japan-root-5")])[0]


def test_a_joining_party_signs_with_the_root_keys_it_declares() -> None:
    joining = RootRotation("third", frozenset({"third-root-1", "third-root-2"}), 2)
    req = Requirement("every-party-root", joining=(joining,))
    roots = {"japan": 1, "russia": 1}
    current = [root("japan", "japan-root-1"), root("russia", "russia-root-1")]

    def new_root(name: str) -> ValidSigner:
        return ValidSigner(party="third", kind="new-root", signer=name)

    one = [*current, new_root("third-root-1")]
    verdict = evaluate(req, one, parties=PARTIES, root_thresholds=roots)
    assert verdict.missing == ("third: 1 of 2 signatures of the root keys it joins with",)
    # A key it did not declare, or a root key of another party, counts for nothing.
    stray = [*one, new_root("third-root-9"), ValidSigner("third", "root", "third-root-2")]
    assert not evaluate(req, stray, parties=PARTIES, root_thresholds=roots).satisfied
    both = [*one, new_root("third-root-2")]
    assert evaluate(req, both, parties=PARTIES, root_thresholds=roots).satisfied
    # Its standing comes after the parties in force; the current parties still count as before.
    standing = party_consent(req, both, parties=PARTIES, root_thresholds=roots)
    assert [p.party for p in standing] == ["japan", "russia", "third"]
    assert (standing[2].new_have, standing[2].new_need, standing[2].done) == (2, 2, True)
    assert not evaluate(req, both[1:], parties=PARTIES, root_thresholds=roots).satisfied
    # Whatever the policy's kind: one party's consent under any-party leaves the joiner's due.
    anyone = Requirement("any-party", roles=frozenset({"registrar"}), joining=(joining,))
    registrar = official("japan", "j", "registrar")
    verdict = evaluate(anyone, [registrar], parties=PARTIES)
    assert verdict.missing == ("third: 0 of 2 signatures of the root keys it joins with",)
    assert evaluate(anyone, [registrar, *both[2:]], parties=PARTIES).satisfied
