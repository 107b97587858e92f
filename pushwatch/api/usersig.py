"""TLSSigAPIv2 UserSig: generate, decode and verify (spec/API.md, "UserSig").

The secret key is used as its UTF-8 bytes. Verification says *why* a UserSig fails, so the simulator can
answer with the matching error code and tests can assert on the reason.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import time as _time
import zlib
from dataclasses import dataclass, field
from typing import Any

DEFAULT_EXPIRE_S = 7 * 24 * 3600
_TO_URL = bytes.maketrans(b"+/=", b"*-_")
_FROM_URL = bytes.maketrans(b"*-_", b"+/=")


def _content(identifier: str, sdkappid: int, issued: int, expire: int) -> str:
    return (
        f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\n"
        f"TLS.time:{issued}\nTLS.expire:{expire}\n"
    )


def sign(secret_key: str, identifier: str, sdkappid: int, issued: int, expire: int) -> str:
    """`TLS.sig`: standard base64 of HMAC-SHA256(key, content)."""
    digest = hmac.new(
        secret_key.encode("utf-8"), _content(identifier, sdkappid, issued, expire).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def generate(
    secret_key: str,
    identifier: str,
    sdkappid: int,
    expire: int = DEFAULT_EXPIRE_S,
    now: int | None = None,
) -> str:
    issued = int(_time.time()) if now is None else int(now)
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": int(sdkappid),
        "TLS.expire": int(expire),
        "TLS.time": issued,
        "TLS.sig": sign(secret_key, identifier, int(sdkappid), issued, int(expire)),
    }
    raw = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw)).translate(_TO_URL).decode("ascii")


@dataclass(frozen=True, slots=True)
class DecodedSig:
    version: str
    identifier: str
    sdkappid: int
    issued: int
    expire: int
    sig: str = field(repr=False)

    @property
    def expires_at(self) -> int:
        return self.issued + self.expire


class SigProblem(enum.Enum):
    """Why a UserSig is refused; the simulator maps each to the real service's code."""

    BAD_ENCODING = "bad encoding"
    BAD_SIGNATURE = "bad signature"
    EXPIRED = "expired"
    IDENTIFIER_MISMATCH = "identifier mismatch"
    SDKAPPID_MISMATCH = "SDKAppID mismatch"


class UserSigError(ValueError):
    def __init__(self, problem: SigProblem, detail: str = "") -> None:
        self.problem = problem
        super().__init__(f"UserSig {problem.value}" + (f": {detail}" if detail else ""))


def decode(usersig: str) -> DecodedSig:
    """Parse a UserSig into its fields. Raises UserSigError(BAD_ENCODING) for anything malformed."""
    try:
        packed = base64.b64decode(usersig.encode("ascii").translate(_FROM_URL), validate=True)
        doc: Any = json.loads(zlib.decompress(packed))
    except (UnicodeError, binascii.Error, zlib.error, ValueError) as exc:
        raise UserSigError(SigProblem.BAD_ENCODING, type(exc).__name__) from None
    if not isinstance(doc, dict):
        raise UserSigError(SigProblem.BAD_ENCODING, "not a JSON object")
    try:
        decoded = DecodedSig(
            version=_typed(doc, "TLS.ver", str),
            identifier=_typed(doc, "TLS.identifier", str),
            sdkappid=_typed(doc, "TLS.sdkappid", int),
            issued=_typed(doc, "TLS.time", int),
            expire=_typed(doc, "TLS.expire", int),
            sig=_typed(doc, "TLS.sig", str),
        )
    except (KeyError, TypeError) as exc:
        raise UserSigError(SigProblem.BAD_ENCODING, str(exc.args[0]) if exc.args else "") from None
    return decoded


def _typed(doc: dict[str, Any], key: str, kind: type) -> Any:
    if key not in doc:
        raise KeyError(f"missing {key}")
    value = doc[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{key} is not {kind.__name__}")
    return value


def verify(
    usersig: str,
    secret_key: str,
    *,
    identifier: str | None = None,
    sdkappid: int | None = None,
    now: float | None = None,
) -> DecodedSig:
    """Check a UserSig as the service would; raise UserSigError naming the first problem found."""
    decoded = decode(usersig)
    if sdkappid is not None and decoded.sdkappid != int(sdkappid):
        raise UserSigError(SigProblem.SDKAPPID_MISMATCH)
    if identifier is not None and decoded.identifier != identifier:
        raise UserSigError(SigProblem.IDENTIFIER_MISMATCH)
    expected = sign(secret_key, decoded.identifier, decoded.sdkappid, decoded.issued, decoded.expire)
    if not hmac.compare_digest(expected, decoded.sig):
        raise UserSigError(SigProblem.BAD_SIGNATURE)
    current = _time.time() if now is None else now
    if current > decoded.expires_at:
        raise UserSigError(SigProblem.EXPIRED)
    return decoded


class Signer:
    """Holds the credentials for one profile and hands out a cached UserSig, renewed well before expiry.

    With only a ready-made UserSig (no secret key) it cannot renew; `can_renew` tells the engine so.
    """

    def __init__(
        self,
        sdkappid: int,
        identifier: str,
        *,
        secret_key: str | None = None,
        usersig: str | None = None,
        expire: int = DEFAULT_EXPIRE_S,
        renew_margin: float = 0.2,
        clock: Any = _time.time,
    ) -> None:
        if not secret_key and not usersig:
            raise ValueError("a secret key or a UserSig is needed")
        self.sdkappid = int(sdkappid)
        self.identifier = identifier
        self._secret_key = secret_key or None
        self._expire = int(expire)
        self._margin = renew_margin
        self._clock = clock
        self._usersig = usersig or None
        self._renew_at = float("inf")
        if self._usersig:
            try:
                d = decode(self._usersig)
                self._renew_at = d.expires_at - d.expire * renew_margin
            except UserSigError:
                pass
        self.generated = 0

    def __repr__(self) -> str:
        return f"Signer(sdkappid={self.sdkappid}, identifier={self.identifier!r}, can_renew={self.can_renew})"

    @property
    def can_renew(self) -> bool:
        return self._secret_key is not None

    def current(self) -> str:
        """The UserSig to send now, regenerated when it is within the renewal margin of expiry."""
        if self._usersig is None or (self.can_renew and self._clock() >= self._renew_at):
            self.renew()
        assert self._usersig is not None
        return self._usersig

    def renew(self) -> bool:
        """Make a fresh UserSig; False when there is no secret key to make one with."""
        if self._secret_key is None:
            return False
        issued = int(self._clock())
        self._usersig = generate(self._secret_key, self.identifier, self.sdkappid, self._expire, now=issued)
        self._renew_at = issued + self._expire * (1 - self._margin)
        self.generated += 1
        return True

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be shown (for redaction)."""
        return tuple(s for s in (self._secret_key, self._usersig) if s)
