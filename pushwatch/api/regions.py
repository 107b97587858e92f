"""Data centres of Tencent Cloud IM and their REST API domains (spec/API.md, "Domains by data centre").

An app answers only on the domain of the data centre it was created in; each has a backup domain for DNS
failures.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REGION = "china"


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    primary: str
    backup: str

    @property
    def endpoints(self) -> tuple[str, str]:
        return (f"https://{self.primary}", f"https://{self.backup}")


REGIONS: dict[str, Region] = {
    r.name: r
    for r in (
        Region("china", "console.tim.qq.com", "adminapi.my-imcloud.com"),
        Region("singapore", "adminapisgp.im.qcloud.com", "adminapisgp.my-imcloud.com"),
        Region("seoul", "adminapikr.im.qcloud.com", "adminapikr.my-imcloud.com"),
        Region("tokyo", "adminapijpn.im.qcloud.com", "adminapijpn.my-imcloud.com"),
        Region("frankfurt", "adminapiger.im.qcloud.com", "adminapiger.my-imcloud.com"),
        Region("siliconvalley", "adminapiusa.im.qcloud.com", "adminapiusa.my-imcloud.com"),
        Region("jakarta", "adminapiidn.im.qcloud.com", "adminapiidn.my-imcloud.com"),
    )
}


def region(name: str) -> Region:
    """Look a region up by name (case-insensitive); KeyError lists the valid names."""
    try:
        return REGIONS[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown region {name!r}; expected one of: {', '.join(REGIONS)}") from None
