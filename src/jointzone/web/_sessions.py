"""Who is signed in: login by a signed challenge, sessions with an idle timeout, CSRF tokens and a
limit on failed logins.

There are no passwords on the node. An official's browser holds their Ed25519 key (made by
WebCrypto, not extractable); to sign in, it asks for a challenge and signs it, and the node checks
the signature against the key the log gives that official now. The challenge is text that begins
``jointzone web login``, bound to the node's origin, the official and a single-use nonce: a COSE
Sig_structure (what an act's signature covers) begins with the byte 0x85, so a login signature can
never be replayed as consent to an act, nor the other way round.

Sessions live in the node's memory: a restart signs everyone out, which is the safe direction. The
cookie carries a random token; the node keeps only its SHA-256, so a memory dump holds no usable
token. Each session has its own CSRF token, which every state-changing request must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: A session ends after this long without a request.
IDLE_TIMEOUT_S = 15 * 60
#: A challenge must be signed and returned within this.
CHALLENGE_TTL_S = 120
#: At most this many failed logins per client address, and per official, in :data:`FAIL_WINDOW_S`.
MAX_FAILURES = 5
FAIL_WINDOW_S = 300
#: Bounds on what is held in memory, whatever a client sends.
MAX_CHALLENGES = 10_000
MAX_SESSIONS = 10_000

CHALLENGE_PREFIX = b"jointzone web login\n"


def challenge_bytes(origin: str, official: str, nonce: str) -> bytes:
    """The exact bytes an official's browser signs to sign in (see the module docstring)."""
    return CHALLENGE_PREFIX + f"{origin}\n{official}\n{nonce}\n".encode()


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: str
    origin: str
    official: str
    expires: float

    @property
    def data(self) -> bytes:
        return challenge_bytes(self.origin, self.official, self.nonce)


@dataclass(slots=True)
class Session:
    """A signed-in official. ``csrf`` is echoed by every request that changes anything."""

    official: str
    party: str
    csrf: str
    last_seen: float
    opened: float = field(default=0.0)

    def csrf_matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())


class Sessions:
    """The node's sessions, challenges and failed-login counts; safe to share between threads."""

    def __init__(
        self, *, idle_timeout_s: float = IDLE_TIMEOUT_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._challenges: dict[str, Challenge] = {}
        self._sessions: dict[bytes, Session] = {}
        self._failures: dict[str, deque[float]] = {}

    # -- challenges -----------------------------------------------------------------------------

    def challenge(self, origin: str, official: str) -> Challenge:
        now = self._clock()
        with self._lock:
            self._expire(now)
            if len(self._challenges) >= MAX_CHALLENGES:
                oldest = min(self._challenges.values(), key=lambda c: c.expires)
                del self._challenges[oldest.nonce]
            c = Challenge(secrets.token_hex(16), origin, official, now + CHALLENGE_TTL_S)
            self._challenges[c.nonce] = c
            return c

    def take_challenge(self, nonce: str) -> Challenge | None:
        """The challenge with ``nonce`` if it is still open; it can be taken once only."""
        now = self._clock()
        with self._lock:
            c = self._challenges.pop(nonce, None)
        return c if c is not None and c.expires > now else None

    # -- sessions -------------------------------------------------------------------------------

    def open(self, official: str, party: str) -> tuple[str, Session]:
        """A new session: the cookie's token and the session it names."""
        now = self._clock()
        token = secrets.token_urlsafe(32)
        session = Session(official, party, secrets.token_urlsafe(24), now, now)
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
                del self._sessions[oldest]
            self._sessions[_digest(token)] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, its idle clock restarted; None if there is none."""
        if not token:
            return None
        now = self._clock()
        key = _digest(token)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if now - session.last_seen > self.idle_timeout_s:
                del self._sessions[key]
                return None
            session.last_seen = now
            return session

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_digest(token), None)

    def close_official(self, official: str) -> None:
        """End every session of ``official`` (their key was rotated or they were removed)."""
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.official == official]:
                del self._sessions[key]

    # -- failed logins --------------------------------------------------------------------------

    def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` (a client address, an official) failed too often lately."""
        now = self._clock()
        with self._lock:
            return any(len(self._recent(k, now)) >= MAX_FAILURES for k in keys)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > MAX_SESSIONS:
                self._failures = {k: q for k, q in self._failures.items() if q}

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque(maxlen=MAX_FAILURES))
        while q and now - q[0] > FAIL_WINDOW_S:
            q.popleft()
        return q

    def _expire(self, now: float) -> None:
        for nonce in [n for n, c in self._challenges.items() if c.expires <= now]:
            del self._challenges[nonce]
        stale = [k for k, s in self._sessions.items() if now - s.last_seen > self.idle_timeout_s]
        for key in stale:
            del self._sessions[key]
