"""Every data centre of the spec, with its primary and backup domain."""

from __future__ import annotations

import pytest

from pushwatch.api.regions import DEFAULT_REGION, REGIONS, region
from pushwatch.engine.profile import Profile

SPEC = {  # spec/API.md, "Domains by data centre"
    "china": ("console.tim.qq.com", "adminapi.my-imcloud.com"),
    "singapore": ("adminapisgp.im.qcloud.com", "adminapisgp.my-imcloud.com"),
    "seoul": ("adminapikr.im.qcloud.com", "adminapikr.my-imcloud.com"),
    "tokyo": ("adminapijpn.im.qcloud.com", "adminapijpn.my-imcloud.com"),
    "frankfurt": ("adminapiger.im.qcloud.com", "adminapiger.my-imcloud.com"),
    "siliconvalley": ("adminapiusa.im.qcloud.com", "adminapiusa.my-imcloud.com"),
    "jakarta": ("adminapiidn.im.qcloud.com", "adminapiidn.my-imcloud.com"),
}


def test_every_data_centre_of_the_spec_and_no_other() -> None:
    assert {name: (r.primary, r.backup) for name, r in REGIONS.items()} == SPEC
    assert DEFAULT_REGION == "china"


@pytest.mark.parametrize("name", ["Singapore", " tokyo ", "JAKARTA"])
def test_lookup_is_forgiving_about_case_and_spaces(name: str) -> None:
    assert region(name).name == name.strip().lower()


def test_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="unknown region 'mars'.*singapore"):
        region("mars")


def test_a_profile_tries_the_primary_then_the_backup_domain_over_https() -> None:
    p = Profile("p", 1400000000, region="frankfurt")
    assert p.endpoints == ["https://adminapiger.im.qcloud.com", "https://adminapiger.my-imcloud.com"]
    assert Profile("p", 1, region="seoul", endpoint="http://127.0.0.1:9").endpoints == ["http://127.0.0.1:9"]
