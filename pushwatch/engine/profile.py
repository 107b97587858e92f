"""Profile: the resolved settings of one app (one SDKAppID and administrator) that the engine polls with.

Built by `pushwatch.config` from flags, environment and config.toml; the engine only consumes it.
Secrets are kept out of `repr` so a profile can be logged or shown in an error safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pushwatch.api.client import check_endpoint
from pushwatch.api.regions import DEFAULT_REGION, region
from pushwatch.api.usersig import Signer

DEFAULT_MAX_RPS = 20  # well below the API's 100/s: other tools may share the app's quota
DEFAULT_INTERVAL_S = 10.0
DEFAULT_IDENTIFIER = "admin"


@dataclass(frozen=True)
class Profile:
    name: str
    sdkappid: int
    identifier: str = DEFAULT_IDENTIFIER
    secret_key: str | None = field(default=None, repr=False)
    usersig: str | None = field(default=None, repr=False)
    region: str = DEFAULT_REGION
    endpoint: str | None = None
    max_rps: int = DEFAULT_MAX_RPS
    interval: float = DEFAULT_INTERVAL_S
    ca_bundle: str | None = None

    @property
    def endpoints(self) -> list[str]:
        """Base URLs to try: the explicit endpoint, else the region's primary and backup domains."""
        if self.endpoint:
            return [check_endpoint(self.endpoint)]
        return list(region(self.region).endpoints)

    @property
    def host(self) -> str:
        return self.endpoints[0].split("://", 1)[1]

    def signer(self) -> Signer:
        return Signer(self.sdkappid, self.identifier, secret_key=self.secret_key, usersig=self.usersig)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_key, self.usersig) if s)
