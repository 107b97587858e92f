"""`pushwatch label ID TEXT`."""

from __future__ import annotations

from pathlib import Path

from pushwatch.store.watchlist import Watchlist


def test_label_set_and_clear(run, watchlist_path: Path) -> None:
    run("add", "a", "b")
    r = run("label", "a", "spring", "sale")
    assert r.code == 0 and r.out == "labelled a: 'spring sale'\n"
    assert [e.label for e in Watchlist(watchlist_path).load()] == ["spring sale", ""]
    assert run("label", "a", "").out == "cleared the label of a\n"
    assert Watchlist(watchlist_path).load()[0].label == ""


def test_label_unknown_task(run) -> None:
    r = run("label", "zz", "x")
    assert r.code == 2
    assert r.err == "pushwatch: task 'zz' is not in the watchlist; add it first with `pushwatch add`\n"
