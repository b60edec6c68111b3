"""Consent policies as pure functions: each kind satisfied and unsatisfied."""

from __future__ import annotations

from jointzone.consent import Requirement, ValidSigner, evaluate

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
