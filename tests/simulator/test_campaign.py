"""The time-evolving task model, with a driven clock."""

from __future__ import annotations

import json
import time

import pytest

from pushwatch.simulator import Campaign, ManualClock, Task, generated_ids

T0 = 1_700_000_000.0


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(T0)
    assert clock() == clock.now == T0
    assert clock.advance(2.5) == T0 + 2.5
    clock.set(5.0)
    assert clock() == 5.0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_task_goes_pending_pushing_finished() -> None:
    task = Task("a_b_c", total=1000, start_at=T0 + 10, rate=50)
    assert task.state(T0) == (0, None)
    assert task.state(T0 + 10) == (1, 0)
    assert task.state(T0 + 12) == (1, 100)
    assert task.state(T0 + 29.99) == (1, 999)
    assert task.state(T0 + 30) == (2, 1000)
    assert task.state(T0 + 10_000) == (2, 1000)
    assert not task.incomplete


def test_finished_climbs_monotonically_at_the_rate() -> None:
    task = Task("x", total=10_000, start_at=T0, rate=123.4)
    seen = [task.state(T0 + s / 10)[1] for s in range(0, 1000)]
    assert seen == sorted(seen)
    assert seen[-1] == 10_000
    assert task.state(T0 + 10)[1] == 1234


def test_incomplete_task_ends_short_of_total() -> None:
    task = Task("x", total=1000, start_at=T0, rate=100, stop_at=640)
    assert task.incomplete
    assert task.state(T0 + 6.25) == (1, 625)
    assert task.state(T0 + 6.4) == (2, 640)
    report = task.report(T0 + 100)
    assert report == {"TaskId": "x", "Status": 2, "StartTime": "2023-11-15 06:13:20", "Finished": 640, "Total": 1000}


def test_task_that_never_starts_and_empty_task() -> None:
    assert Task("n", total=10, start_at=None).state(T0 + 1e9) == (0, None)
    assert Task("z", total=0, start_at=T0).state(T0) == (2, 0)


@pytest.mark.parametrize(("total", "stop_at", "rate"), [(-1, None, 1.0), (10, 11, 1.0), (10, -1, 1.0), (10, None, 0.0)])
def test_task_rejects_impossible_numbers(total: int, stop_at: int | None, rate: float) -> None:
    with pytest.raises(ValueError):
        Task("x", total=total, start_at=T0, rate=rate, stop_at=stop_at)


def test_fragment_is_the_documented_json_shape() -> None:
    task = Task('odd "id" ü', total=900, start_at=T0, rate=10)
    assert json.loads(task.fragment(T0 - 1)) == {"TaskId": 'odd "id" ü', "Status": 0}
    pushing = json.loads(task.fragment(T0 + 5))
    assert pushing == {"TaskId": 'odd "id" ü', "Status": 1, "StartTime": "2023-11-15 06:13:20", "Finished": 50, "Total": 900}
    assert list(pushing) == ["TaskId", "Status", "StartTime", "Finished", "Total"]


def _states(campaign: Campaign, now: float) -> set[str]:
    out = set()
    for task in campaign:
        status, finished = task.state(now)
        if status == 2:
            out.add("incomplete" if finished < task.total else "complete")
        else:
            out.add({0: "pending", 1: "pushing"}[status])
    return out


def test_demo_shows_every_state_and_keeps_changing() -> None:
    campaign = Campaign.demo(T0)
    assert _states(campaign, T0) == {"pending", "pushing", "complete", "incomplete"}
    pushing_rates = {t.rate for t in campaign if t.state(T0)[0] == 1}
    assert len(pushing_rates) >= 3, "pushing at different speeds"
    before = {t.task_id: t.state(T0) for t in campaign}
    after = {t.task_id: t.state(T0 + 60) for t in campaign}
    assert any(before[i][0] == 0 and after[i][0] == 1 for i in before), "a pending task starts within a minute"
    assert any(before[i][0] == 1 and after[i][0] == 2 for i in before), "a pushing task finishes within a minute"
    assert any(
        before[i][0] == 1 and after[i][0] == 2 and campaign.get(i).incomplete for i in before  # type: ignore[union-attr]
    ), "one ends incomplete while you watch"
    assert _states(campaign, T0 + 60) == {"pending", "pushing", "complete", "incomplete"}


def test_generate_is_reproducible_distinct_and_mixed() -> None:
    a = Campaign.generate(2000, seed=3, now=T0)
    b = Campaign.generate(2000, seed=3, now=T0)
    assert a.ids() == b.ids() == generated_ids(2000, 3)
    assert len(set(a.ids())) == 2000
    assert [t.fragment(T0) for t in a] == [t.fragment(T0) for t in b]
    assert _states(a, T0) == {"pending", "pushing", "complete", "incomplete"}
    assert Campaign.generate(10, seed=4, now=T0).ids() != a.ids()[:10]


def test_generate_100k_is_quick() -> None:
    started = time.perf_counter()
    campaign = Campaign.generate(100_000, seed=1, now=T0)
    assert len(campaign) == 100_000
    assert time.perf_counter() - started < 10  # generous: a benchmark precondition, not a benchmark


def test_from_ids_serves_exactly_those_ids() -> None:
    ids = ["1_2_3", "not-the-usual-form", "1_2_3", "ünïcode"]
    campaign = Campaign.from_ids(ids, now=T0)
    assert campaign.ids() == ["1_2_3", "not-the-usual-form", "ünïcode"]
    assert "1_2_4" not in campaign


def test_add_remove_and_lookups() -> None:
    campaign = Campaign.demo(T0)
    n = len(campaign)
    task = campaign.add(Task("new", total=5, start_at=T0))
    assert campaign.get("new") is task and len(campaign) == n + 1
    frags = campaign.fragments(["new"], T0 + 1)
    assert frags is not None and json.loads(frags[0])["Status"] == 2
    assert campaign.fragments(["new", "missing"], T0) is None
    assert campaign.unknown(["new", "missing"]) == ["missing"]
    campaign.remove("new", "also-missing")
    assert "new" not in campaign and len(campaign) == n
