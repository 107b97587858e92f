"""TLSSigAPIv2: the spec's vectors, decoding, every reason verify() gives, and the Signer's renewal."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from pushwatch.api.usersig import (
    DecodedSig,
    SigProblem,
    Signer,
    UserSigError,
    decode,
    generate,
    sign,
    verify,
)

VECTOR_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
VECTORS = [
    (1400000000, "xiaojun", 1600000000, 86400, "F7rhX8gUOlwhSaoxU1nT9fNB9LShQdL1ReCJfHY1Ffo="),
    (88888888, "administrator", 1700000000, 604800, "lNa/d/1TD4ksJfO3bE4G21AW+gzim/9VZBvKQZfoHSY="),
]
KEY = "usersig-unit-test-key-3f9a0c"


def _pack(doc: dict) -> str:
    """Encode a TLS document the way TLSSigAPIv2 does, with whatever key order `doc` has."""
    raw = json.dumps(doc).encode()
    return base64.b64encode(zlib.compress(raw)).decode().replace("+", "*").replace("/", "-").replace("=", "_")


@pytest.mark.parametrize(("sdkappid", "identifier", "issued", "expire", "tls_sig"), VECTORS)
def test_spec_vectors(sdkappid: int, identifier: str, issued: int, expire: int, tls_sig: str) -> None:
    assert sign(VECTOR_KEY, identifier, sdkappid, issued, expire) == tls_sig
    decoded = decode(generate(VECTOR_KEY, identifier, sdkappid, expire, now=issued))
    assert decoded == DecodedSig("2.0", identifier, sdkappid, issued, expire, tls_sig)
    assert decoded.sig == tls_sig
    assert decoded.expires_at == issued + expire
    assert verify(
        generate(VECTOR_KEY, identifier, sdkappid, expire, now=issued),
        VECTOR_KEY,
        identifier=identifier,
        sdkappid=sdkappid,
        now=issued + expire,
    ).sig == tls_sig


def test_generated_usersig_uses_the_url_safe_alphabet() -> None:
    for n in range(30):
        sig = generate(KEY, f"user{n}", 1400000000 + n, now=1_700_000_000 + n)
        assert not set(sig) & set("+/="), sig


def test_decode_accepts_other_key_orders() -> None:
    issued, expire = 1_700_000_000, 3600
    tls_sig = sign(KEY, "admin", 1400000000, issued, expire)
    doc = {
        "TLS.sig": tls_sig,
        "TLS.time": issued,
        "TLS.expire": expire,
        "TLS.sdkappid": 1400000000,
        "TLS.identifier": "admin",
        "TLS.ver": "2.0",
    }
    sig = _pack(doc)
    assert verify(sig, KEY, identifier="admin", sdkappid=1400000000, now=issued).sig == tls_sig


@pytest.mark.parametrize(
    "usersig",
    [
        "",
        "not base64 at all!",
        base64.b64encode(b"not zlib").decode(),
        base64.b64encode(zlib.compress(b"not json")).decode().replace("=", "_"),
        _pack([1, 2]),  # type: ignore[arg-type]
        _pack({"TLS.ver": "2.0", "TLS.identifier": "a", "TLS.sdkappid": 1, "TLS.time": 1, "TLS.expire": 1}),
        _pack({"TLS.ver": "2.0", "TLS.identifier": "a", "TLS.sdkappid": "1", "TLS.time": 1, "TLS.expire": 1, "TLS.sig": "x"}),
        _pack({"TLS.ver": "2.0", "TLS.identifier": "a", "TLS.sdkappid": True, "TLS.time": 1, "TLS.expire": 1, "TLS.sig": "x"}),
        _pack({"TLS.ver": 2, "TLS.identifier": "a", "TLS.sdkappid": 1, "TLS.time": 1, "TLS.expire": 1, "TLS.sig": "x"}),
        "ünïcode",
    ],
)
def test_bad_encoding(usersig: str) -> None:
    with pytest.raises(UserSigError) as info:
        verify(usersig, KEY)
    assert info.value.problem is SigProblem.BAD_ENCODING
    with pytest.raises(UserSigError):
        decode(usersig)


def test_bad_signature_wrong_key() -> None:
    sig = generate("some-other-key-entirely", "admin", 1400000000, now=1_700_000_000)
    with pytest.raises(UserSigError) as info:
        verify(sig, KEY, identifier="admin", sdkappid=1400000000, now=1_700_000_000)
    assert info.value.problem is SigProblem.BAD_SIGNATURE


def test_bad_signature_tampered_field() -> None:
    """Lengthening the expiry of a genuine UserSig must break its signature."""
    d = decode(generate(KEY, "admin", 1400000000, expire=60, now=1_700_000_000))
    forged = _pack(
        {"TLS.ver": "2.0", "TLS.identifier": d.identifier, "TLS.sdkappid": d.sdkappid,
         "TLS.expire": 10**9, "TLS.time": d.issued, "TLS.sig": d.sig}
    )
    with pytest.raises(UserSigError) as info:
        verify(forged, KEY, now=1_700_000_000)
    assert info.value.problem is SigProblem.BAD_SIGNATURE


def test_expiry_boundary() -> None:
    sig = generate(KEY, "admin", 1400000000, expire=100, now=1_700_000_000)
    assert verify(sig, KEY, now=1_700_000_100).expires_at == 1_700_000_100  # valid while now <= time + expire
    with pytest.raises(UserSigError) as info:
        verify(sig, KEY, now=1_700_000_100.5)
    assert info.value.problem is SigProblem.EXPIRED


def test_identifier_and_sdkappid_mismatch() -> None:
    sig = generate(KEY, "admin", 1400000000, now=1_700_000_000)
    with pytest.raises(UserSigError) as info:
        verify(sig, KEY, identifier="Admin", now=1_700_000_000)
    assert info.value.problem is SigProblem.IDENTIFIER_MISMATCH
    with pytest.raises(UserSigError) as info:
        verify(sig, KEY, sdkappid=1400000001, now=1_700_000_000)
    assert info.value.problem is SigProblem.SDKAPPID_MISMATCH


def test_every_problem_is_covered() -> None:
    tested = {SigProblem.BAD_ENCODING, SigProblem.BAD_SIGNATURE, SigProblem.EXPIRED,
              SigProblem.IDENTIFIER_MISMATCH, SigProblem.SDKAPPID_MISMATCH}
    assert tested == set(SigProblem)


def test_errors_and_reprs_hold_no_secret() -> None:
    sig = generate(KEY, "admin", 1400000000, now=1_700_000_000)
    with pytest.raises(UserSigError) as info:
        verify(sig, "wrong-key-wrong-key", now=1_700_000_000)
    assert sig not in str(info.value) and KEY not in str(info.value)
    decoded = decode(sig)
    assert decoded.sig not in repr(decoded)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_signer_caches_and_renews_before_expiry() -> None:
    clock = FakeClock(1_700_000_000)
    signer = Signer(1400000000, "admin", secret_key=KEY, expire=1000, renew_margin=0.2, clock=clock)
    first = signer.current()
    assert signer.current() == first and signer.generated == 1
    clock.now += 799
    assert signer.current() == first
    clock.now += 1  # 80% of the lifetime: renew
    second = signer.current()
    assert second != first and signer.generated == 2
    assert decode(second).issued == int(clock.now)
    assert verify(second, KEY, identifier="admin", sdkappid=1400000000, now=clock.now)


def test_signer_with_a_ready_made_usersig_cannot_renew() -> None:
    sig = generate(KEY, "admin", 1400000000, expire=10, now=1_700_000_000)
    clock = FakeClock(1_800_000_000)
    signer = Signer(1400000000, "admin", usersig=sig, clock=clock)
    assert not signer.can_renew and signer.renew() is False
    assert signer.current() == sig  # kept, even expired: the server's 70001 tells the engine
    assert signer.secrets() == (sig,)


def test_signer_repr_and_secrets() -> None:
    signer = Signer(1400000000, "admin", secret_key=KEY)
    sig = signer.current()
    assert KEY not in repr(signer) and sig not in repr(signer)
    assert set(signer.secrets()) == {KEY, sig}
    with pytest.raises(ValueError):
        Signer(1400000000, "admin")
