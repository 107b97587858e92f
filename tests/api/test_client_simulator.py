"""The client against the simulator over a real loopback socket: answers, every error code, every fault."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from pushwatch.api.client import API_PATH, ReportClient
from pushwatch.api.models import (
    ERROR_CODES,
    ApiError,
    EndpointError,
    ErrorKind,
    HttpStatusError,
    ResponseFormatError,
    ServiceError,
    Status,
    TransportError,
)
from pushwatch.api.usersig import Signer, generate
from pushwatch.simulator import QUERY_PARAMS, REDACTED, Campaign, Fault, ManualClock, Simulator, Task

ClientFactory = Callable[..., ReportClient]  # the `make_client` fixture of tests/conftest.py
SIM_KEY = "sim-test-secret-key-7d1c0e5a9b3f"  # the same as tests/conftest.py; checked below
SIM_ADMIN = "administrator"
SIM_SDKAPPID = 1400000123


def test_constants_match_the_fixture(simulator: Simulator) -> None:
    assert (simulator.sdkappid, simulator.admin) == (SIM_SDKAPPID, SIM_ADMIN)
    assert simulator.signer().secrets()[0] == SIM_KEY


async def test_happy_path_reports_match_the_campaign(
    simulator: Simulator, campaign: Campaign, clock: ManualClock, make_client: ClientFactory
) -> None:
    ids = campaign.ids()
    reports = await make_client().fetch(ids)
    assert [r.task_id for r in reports] == ids
    assert [r.to_api() for r in reports] == [campaign.report(i, clock()) for i in ids]
    states = {(r.status, r.incomplete) for r in reports}
    assert states == {
        (Status.NOT_STARTED, False),
        (Status.PUSHING, False),
        (Status.FINISHED, False),
        (Status.FINISHED, True),
    }
    assert simulator.requests.last.code == 0 and simulator.requests.last.count == len(ids)


async def test_reports_follow_the_driven_clock(campaign: Campaign, clock: ManualClock, make_client: ClientFactory) -> None:
    client = make_client()
    task = campaign.add(Task("7_7_7", total=1000, start_at=clock() + 10, rate=100))
    (before,) = await client.fetch([task.task_id])
    clock.advance(15)
    (during,) = await client.fetch([task.task_id])
    clock.advance(10)
    (after,) = await client.fetch([task.task_id])
    assert before.status is Status.NOT_STARTED and before.finished is None and before.start_time is None
    assert during.status is Status.PUSHING and during.finished == 500 and during.total == 1000
    assert after.status is Status.FINISHED and after.finished == 1000 and not after.incomplete
    assert during.start_time == after.start_time is not None


async def test_query_parameters_are_exactly_the_documented_ones(
    simulator: Simulator, make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client()
    ids = campaign.ids()[:2]
    for _ in range(6):
        await client.fetch(ids)
    records = simulator.requests.snapshot()
    assert len(records) == 6
    for record in records:
        assert record.method == "POST" and record.path == API_PATH
        assert set(record.params) == set(QUERY_PARAMS) == {"usersig", "identifier", "sdkappid", "random", "contenttype"}
        assert record.params["usersig"] == REDACTED
        assert record.params["contenttype"] == "json"
        assert record.params["identifier"] == SIM_ADMIN
        assert record.params["sdkappid"] == str(SIM_SDKAPPID)
        assert 0 <= int(record.params["random"]) <= 0xFFFFFFFF
        assert record.ids == tuple(ids) and record.code == 0
    randoms = [r.params["random"] for r in records]
    assert len(set(randoms)) == len(randoms), "random must be fresh for every request"


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
async def test_every_spec_error_code_arrives_typed(
    code: int, simulator: Simulator, campaign: Campaign, make_client: ClientFactory
) -> None:
    client = make_client()
    ids = campaign.ids()[:3]
    simulator.faults.once(Fault.error(code))
    with pytest.raises(ServiceError) as info:
        await client.fetch(ids)
    assert info.value.code == code
    assert info.value.kind is ERROR_CODES[code].kind
    assert str(code) in str(info.value)
    assert simulator.requests.last.code == code
    assert len(await client.fetch(ids)) == 3  # the fault was used up; the same client goes on


# --- codes the simulator reaches by itself, from real mistakes ---


async def test_non_administrator_is_90009(campaign: Campaign, make_client: ClientFactory) -> None:
    with pytest.raises(ServiceError) as info:
        await make_client(identifier="someone").fetch(campaign.ids()[:1])
    assert info.value.code == 90009 and info.value.kind is ErrorKind.FATAL


async def test_unknown_and_expired_ids_are_90016(campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client()
    known = campaign.ids()[:2]
    with pytest.raises(ServiceError) as info:
        await client.fetch([*known, "no_such_task"])
    assert info.value.code == 90016 and info.value.kind is ErrorKind.INVALID_IDS
    campaign.remove(known[0])  # a report that expired
    with pytest.raises(ServiceError, match="90016"):
        await client.fetch(known)
    assert len(await client.fetch(known[1:])) == 1


async def test_wrong_secret_key_is_rejected(campaign: Campaign, make_client: ClientFactory) -> None:
    with pytest.raises(ServiceError) as info:
        await make_client(secret_key="not-the-simulator-key-000").fetch(campaign.ids()[:1])
    assert info.value.code == 70009 and info.value.kind is ErrorKind.AUTH_REJECTED


async def test_garbled_usersig_is_malformed(campaign: Campaign, make_client: ClientFactory) -> None:
    with pytest.raises(ServiceError) as info:
        await make_client(usersig="eJyrVkrOz0nVUVJSsgaF").fetch(campaign.ids()[:1])
    assert info.value.code == 70003 and info.value.kind is ErrorKind.AUTH_REJECTED


async def test_expired_usersig_is_70001(campaign: Campaign, clock: ManualClock, make_client: ClientFactory) -> None:
    old = generate(SIM_KEY, SIM_ADMIN, SIM_SDKAPPID, expire=60, now=int(clock()) - 61)
    with pytest.raises(ServiceError) as info:
        await make_client(usersig=old).fetch(campaign.ids()[:1])
    assert info.value.code == 70001 and info.value.kind is ErrorKind.AUTH_EXPIRED


async def test_usersig_of_another_identifier_is_70013(campaign: Campaign, clock: ManualClock, make_client: ClientFactory) -> None:
    other = generate(SIM_KEY, "someone", SIM_SDKAPPID, now=int(clock()))
    with pytest.raises(ServiceError) as info:
        await make_client(usersig=other).fetch(campaign.ids()[:1])
    assert info.value.code == 70013 and info.value.kind is ErrorKind.FATAL


async def test_usersig_of_another_app_is_70014(campaign: Campaign, clock: ManualClock, make_client: ClientFactory) -> None:
    other = generate(SIM_KEY, SIM_ADMIN, SIM_SDKAPPID + 1, now=int(clock()))
    with pytest.raises(ServiceError) as info:
        await make_client(usersig=other).fetch(campaign.ids()[:1])
    assert info.value.code == 70014 and info.value.kind is ErrorKind.FATAL


async def test_unknown_sdkappid_is_fatal(campaign: Campaign, make_client: ClientFactory) -> None:
    with pytest.raises(ServiceError) as info:
        await make_client(sdkappid=1400999999).fetch(campaign.ids()[:1])
    assert info.value.code == 70020 and info.value.kind is ErrorKind.FATAL


@pytest.mark.parametrize("sim_options", [{"max_rps": 4}])
async def test_over_the_rate_limit_is_a_rate_signal(
    simulator: Simulator, campaign: Campaign, clock: ManualClock, make_client: ClientFactory
) -> None:
    client = make_client()
    ids = campaign.ids()[:1]
    for _ in range(4):
        await client.fetch(ids)
    with pytest.raises(ServiceError) as info:
        await client.fetch(ids)
    assert info.value.kind is ErrorKind.RATE_LIMITED and info.value.code == simulator.rate_code
    clock.advance(1)
    assert len(await client.fetch(ids)) == 1


# --- faults ---

FAILING_FAULTS = [
    (Fault.http(502), HttpStatusError),
    (Fault.http(503), HttpStatusError),
    (Fault.truncated(), ResponseFormatError),
    (Fault.cut(), TransportError),
    (Fault.html(), ResponseFormatError),
    (Fault.wrong_types(), ResponseFormatError),
    (Fault.missing_fields(), ResponseFormatError),
    (Fault.huge(), ResponseFormatError),  # 10 MB of JSON that never closes
    (Fault.huge(17 * 1024 * 1024), ResponseFormatError),  # beyond the client's body cap
    (Fault.reset(), TransportError),
    (Fault.stall(5.0), TransportError),  # past the client's 0.3 s timeout
]


@pytest.mark.parametrize(("fault", "error"), FAILING_FAULTS, ids=[f.label + str(f.size or "") for f, _ in FAILING_FAULTS])
async def test_each_fault_arrives_as_its_typed_error(
    fault: Fault, error: type[ApiError], simulator: Simulator, campaign: Campaign, make_client: ClientFactory
) -> None:
    client = make_client(timeout=0.3)
    ids = campaign.ids()[:3]
    simulator.faults.once(fault)
    started = time.monotonic()
    with pytest.raises(error) as info:
        await client.fetch(ids)
    assert time.monotonic() - started < 3.0
    assert info.value.kind is ErrorKind.RETRYABLE
    if isinstance(info.value, HttpStatusError):
        assert info.value.status == fault.code
    assert simulator.requests.snapshot()[-1].fault == fault.label
    assert len(await client.fetch(ids)) == 3  # the same client recovers on the next request


async def test_extra_fields_are_accepted(simulator: Simulator, campaign: Campaign, clock: ManualClock, make_client: ClientFactory) -> None:
    ids = campaign.ids()
    simulator.faults.once(Fault.extra_fields())
    reports = await make_client().fetch(ids)
    assert [r.to_api() for r in reports] == [campaign.report(i, clock()) for i in ids]
    assert simulator.requests.last.fault == "extra-fields"


async def test_fault_for_one_id_spares_batches_without_it(
    simulator: Simulator, campaign: Campaign, make_client: ClientFactory
) -> None:
    client = make_client()
    bad, *good = campaign.ids()
    simulator.faults.add(Fault.error(91000), ids={bad})
    with pytest.raises(ServiceError, match="91000"):
        await client.fetch([good[0], bad])
    assert len(await client.fetch(good)) == len(good)
    with pytest.raises(ServiceError, match="91000"):
        await client.fetch([bad])


async def test_fault_by_probability(simulator: Simulator, campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client()
    simulator.faults.add(Fault.error(90017), probability=0.5)
    outcomes = []
    for _ in range(40):
        try:
            await client.fetch(campaign.ids()[:1])
            outcomes.append(True)
        except ServiceError as exc:
            assert exc.code == 90017
            outcomes.append(False)
    assert 5 <= outcomes.count(False) <= 35


async def test_latency_is_added(simulator: Simulator, campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client()
    await client.fetch(campaign.ids()[:1])  # connect first
    simulator.latency = 0.2
    started = time.monotonic()
    await client.fetch(campaign.ids()[:1])
    assert time.monotonic() - started >= 0.2


async def test_concurrent_requests_share_the_server(simulator: Simulator, campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client()
    ids = campaign.ids()
    results = await asyncio.gather(*(client.fetch(ids[i : i + 2]) for i in range(0, len(ids), 2)))
    assert [r.task_id for batch in results for r in batch] == ids
    assert simulator.requests.total == len(results)


async def test_restart_on_the_same_port(simulator: Simulator, campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client(timeout=1.0)
    ids = campaign.ids()[:2]
    await client.fetch(ids)
    port = simulator.port
    simulator.stop()
    with pytest.raises(TransportError):
        await client.fetch(ids)
    assert simulator.start().endswith(f":{port}")
    assert len(await client.fetch(ids)) == 2


@pytest.mark.parametrize("endpoint", ["http://example.com", "http://10.1.2.3:8080", "http://127.0.0.1.example.com"])
async def test_plain_http_to_a_non_loopback_host_is_refused(endpoint: str, simulator: Simulator) -> None:
    signer = Signer(SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY)
    with pytest.raises(EndpointError) as info:
        ReportClient(endpoint, signer)
    assert info.value.kind is ErrorKind.FATAL
    assert simulator.requests.total == 0


async def test_plain_http_to_loopback_by_name_is_allowed(simulator: Simulator, campaign: Campaign, make_client: ClientFactory) -> None:
    client = make_client(endpoint=simulator.url.replace("127.0.0.1", "localhost"))
    try:
        assert len(await client.fetch(campaign.ids()[:1])) == 1
    except TransportError:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
