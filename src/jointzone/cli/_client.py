"""The officials' API of a running node, as the CLI uses it: the official's key stays here.

A proposal is made and signed on this machine and only its COSE bytes go to the node, which
checks them as it would its own; to sign an open proposal the CLI fetches its bytes, adds the
signature here, and sends them back.
"""

from __future__ import annotations

import base64
import ssl
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, cast

import httpx

from jointzone import acts
from jointzone.cli.errors import CliError
from jointzone.consent import ConsentError, Proposal, ProposalContent, Rejection, Verdict
from jointzone.cose import CoseSigner
from jointzone.node import ProposalStatus, check_url
from jointzone.regime import Regime, RegimeError

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
MAX_RESPONSE = 16 * 1024 * 1024


class NodeApi:
    """A client of one node's ``/api/v1`` (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        """``verify``: check the node's HTTPS certificate against the system's CAs (True) or
        those of an SSL context (a private CA's)."""
        self.url = check_url(url, "--node")
        self._http = httpx.Client(
            base_url=self.url,
            timeout=TIMEOUT,
            transport=transport,
            follow_redirects=False,
            verify=verify,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NodeApi:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._http.close()

    def _call(
        self, method: str, path: str, *, absent: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """The node's answer; :class:`CliError` saying why if it failed or refused, except for
        a status in ``absent``, answered as it came (what the caller reads as "not there")."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise CliError(f"the node at {self.url} is unreachable: {e}") from e
        if len(response.content) > MAX_RESPONSE:
            raise CliError(f"the node at {self.url} answered {path} with too many bytes")
        if response.status_code >= 400 and response.status_code not in absent:
            detail = response.text[:500]
            try:
                data = response.json()
                if isinstance(data, dict) and isinstance(data.get("detail"), str):
                    detail = data["detail"]
            except ValueError:
                pass
            raise CliError(f"the node at {self.url} refused: {detail}")
        return response

    def _json(self, path: str, **kwargs: Any) -> Any:
        return self._parsed(path, self._call("GET", path, **kwargs))

    def _parsed(self, path: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as e:
            raise CliError(
                f"the node at {self.url} sent {path} as something other than JSON"
            ) from e

    def context(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._json("/api/v1/context"))

    def health(self) -> Any:
        """The node's health report (``/api/v1/health``), as it sent it: unchecked."""
        return self._json("/api/v1/health")

    def genesis(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._json("/api/v1/genesis"))

    def certificate_key(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._json("/api/v1/certificate-key"))

    def node_key_rotation(self, overlap: int) -> dict[str, Any]:
        """The ``party.rotate-node-key`` act for a new key the node makes (or made already)."""
        path = "/api/v1/node-key"
        response = self._call("POST", path, params={"overlap": overlap})
        return cast(dict[str, Any], self._parsed(path, response))

    def proposals(self, status: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} if status else {}
        return cast(list[dict[str, Any]], self._json("/api/v1/proposals", params=params))

    def regime(self) -> Regime:
        try:
            return Regime.from_canonical(self._json("/api/v1/regime"))
        except RegimeError as e:
            raise CliError(f"the node at {self.url} sent a regime this CLI cannot read: {e}") from e

    def resolve(self, act_id: str) -> str:
        """The full id of an act given by a unique prefix of 8 digits or more."""
        if len(act_id) == 32:
            return act_id
        found = [p["id"] for p in self.proposals() if str(p.get("id", "")).startswith(act_id)]
        if len(act_id) < 8 or len(found) != 1:
            raise CliError(
                f"{act_id!r}: {len(found)} proposals at {self.url} have an id starting so "
                "(give 8 hex digits or more, unique)"
            )
        return str(found[0])

    def status(self, act_id: str) -> ProposalStatus:
        """A proposal as the node sees it, from the COSE bytes it holds (checked here)."""
        return self._status(self._json(f"/api/v1/proposals/{act_id}"))

    def statuses(self, status: str | None = None) -> list[ProposalStatus]:
        return [self._status(p) for p in self.proposals(status)]

    def _status(self, data: dict[str, Any]) -> ProposalStatus:
        try:
            proposal = Proposal.from_bytes(base64.b64decode(data["cose"], validate=True))
            rejections = tuple(
                Rejection.from_bytes(base64.b64decode(r["cose"], validate=True))
                for r in data["rejections"]
            )
            verdict = Verdict(bool(data["consent"]), tuple(map(str, data["awaiting"])))
            return ProposalStatus(
                proposal, str(data["status"]), verdict, rejections, data.get("index")
            )
        except (KeyError, TypeError, ValueError, ConsentError) as e:
            raise CliError(f"the node at {self.url} sent a malformed proposal: {e}") from e

    def proposal(self, act_id: str) -> Proposal:
        return self.status(act_id).proposal

    def status_or_none(self, act_id: str) -> ProposalStatus | None:
        """The proposal, or None while this node does not hold it (yet)."""
        try:
            response = self._http.get(f"/api/v1/proposals/{act_id}")
        except httpx.HTTPError as e:
            raise CliError(f"the node at {self.url} is unreachable: {e}") from e
        if response.status_code in (400, 404):
            return None
        if response.status_code != 200:
            raise CliError(f"the node at {self.url} answered {response.status_code}")
        return self._status(response.json())

    def checkpoint(self) -> bytes:
        """The latest final checkpoint (the public ``/checkpoint``)."""
        return self._call("GET", "/checkpoint").content

    def tile(self, path: str) -> bytes:
        """A published tile or entry bundle (``tile/...``)."""
        return self._call("GET", f"/{path}").content

    def node_status(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._json("/status"))

    def trust_bundle(self) -> bytes:
        return self._call("GET", "/api/v1/trust-bundle").content

    def certificate_text(self, certificate: str) -> str:
        return str(self._json(f"/api/v1/certificates/{certificate}")["text"])

    def certificate_text_or_none(self, certificate: str) -> str | None:
        """The certificate's JZ1 text, or None while the node has no document of it (404: the
        log it holds has not issued it; 409: not every party's signature is in yet)."""
        path = f"/api/v1/certificates/{certificate}"
        response = self._call("GET", path, absent=(404, 409))
        if response.status_code in (404, 409):
            return None
        return str(self._parsed(path, response)["text"])

    def reject(self, rejection: Rejection) -> None:
        self._call(
            "POST",
            "/api/v1/rejections",
            content=rejection.to_bytes(),
            headers={"content-type": "application/cose"},
        )

    def submit(self, proposal: Proposal) -> dict[str, Any]:
        response = self._call(
            "POST",
            "/api/v1/proposals",
            content=proposal.to_bytes(),
            headers={"content-type": "application/cose"},
        )
        return cast(dict[str, Any], response.json())

    def propose(
        self,
        act: Mapping[str, Any],
        signers: list[CoseSigner],
        *,
        at: datetime | None = None,
        nonce: bytes | None = None,
    ) -> Proposal:
        """A new proposal of ``act``, made here and signed by every signer, sent to the node.

        ``at`` is when it is made (now, by this machine's clock, unless a demonstration replays
        a date); ``nonce`` makes the same act the same proposal again (a replayed step)."""
        context = self.context()
        now = (at or datetime.now(UTC)).replace(microsecond=0)
        content = ProposalContent.new(
            acts.parse_act(act).to_data(),
            regime_id=context["regime"]["id"],
            regime_version=context["regime"]["version"],
            origin=context["origin"],
            proposed_by=context["party"],
            proposed_at=now,
            expires_at=now + timedelta(seconds=context["proposal_expiry_seconds"]),
        )
        if nonce is not None:
            content = replace(content, nonce=nonce)
        first, *rest = signers
        proposal = Proposal.create(content, first)
        for signer in rest:
            proposal = proposal.cosign(signer)
        self.submit(proposal)
        return proposal

    def sign(self, act_id: str, signers: list[CoseSigner]) -> tuple[Proposal, bool]:
        """Add each signer's signature to an open proposal; whether any was new."""
        proposal = self.proposal(act_id)
        added = False
        for signer in signers:
            if signer.kid not in proposal.kids:
                proposal = proposal.cosign(signer)
                added = True
        # Sent even when nothing is new: the node then sends on what it holds, which a crash
        # between keeping a signature and queueing it for the peers would otherwise leave unsent.
        self.submit(proposal)
        return proposal, added

    def sign_genesis(
        self, signers: list[CoseSigner], *, at: datetime | None = None, wait: float = 60.0
    ) -> str:
        """Sign the regime's adoption: the first party in the regime's order proposes it, and
        every other party waits until that proposal reaches its node, then signs it, so there
        is only ever one genesis to sign."""
        act = self.genesis()
        first = self.regime().party_ids[0]
        if self.context()["party"] == first:
            return self.sign_act(act, "regime.adopt", signers, at=at)
        canonical = acts.parse_act(act).to_data()
        deadline = time.monotonic() + wait
        while True:
            for p in self.proposals():
                if p.get("type") == "regime.adopt" and p.get("act") == canonical:
                    return self.sign_act(act, "regime.adopt", signers, at=at)
            if time.monotonic() > deadline:
                raise CliError(
                    f"the genesis is proposed at the node of {first}, the regime's first party; "
                    f"it has not reached {self.url} after {wait:.0f} s (run this again later)"
                )
            time.sleep(0.2)

    def sign_act(
        self,
        act: dict[str, Any],
        act_type: str,
        signers: list[CoseSigner],
        *,
        at: datetime | None = None,
    ) -> str:
        """Sign the open proposal of exactly ``act`` if there is one, or propose it; says which."""
        if not signers:
            raise CliError("give at least one key to sign with")
        canonical = acts.parse_act(act).to_data()
        for p in self.proposals():
            if p.get("type") != act_type or p.get("act") != canonical:
                continue
            if p.get("status") == "committed":
                return f"committed already: act {p['id']}"
            if p.get("status") == "open":
                try:
                    proposal, added = self.sign(p["id"], signers)
                except CliError:
                    # Committed between the listing and the signature: the round that made
                    # it final was under way as it was listed.
                    if self.status(p["id"]).status == "committed":
                        return f"committed already: act {p['id']}"
                    raise
                return f"{'signed' if added else 'already signed'}: act {proposal.id}"
        proposal = self.propose(canonical, signers, at=at)
        return f"proposed: act {proposal.id}"
