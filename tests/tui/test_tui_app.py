"""Pilot tests of the live monitor: every binding, each status's rendering, errors shown without crashing."""

from __future__ import annotations

import asyncio
import signal

import pytest
from textual.widgets import Input, TextArea

from pushwatch.engine.events import ProfileState
from pushwatch.store.watchlist import WatchEntry
from pushwatch.tui.app import pick_theme
from pushwatch.tui.screens.details import DetailsScreen
from pushwatch.tui.screens.dialogs import AddDialog, ConfirmDialog, LabelDialog
from pushwatch.tui.screens.help import HelpScreen
from pushwatch.tui.table_model import Column
from tui_helpers import T0, Clock, make_app, screen_text

SIZE = (120, 40)


def rows(app) -> list[str]:
    """Task IDs in screen order."""
    return [k[1] for k in app.model.visible_keys(0, len(app.model))]


async def settle(pilot, app) -> None:
    await pilot.pause()
    app._frame()
    await pilot.pause()


def feed_every_state(m) -> None:
    m.report("pend", 0)
    m.report("push", 1, 100, 1000, at=T0 - 20)
    m.report("push", 1, 400, 1000, at=T0)
    m.report("done", 1, 10, 1000)
    m.report("done", 2, 1000, 1000)
    m.report("inc", 1, 10, 1000)
    m.report("inc", 2, 750, 1000)
    m.invalid("bad")
    m.fail("err", "HTTP 502 from the server")


EVERY = ["pend", "push", "done", "inc", "bad", "err", "wait"]


async def test_each_status_renders_with_a_word_and_symbol_and_incomplete_is_loud_and_first():
    app = make_app(EVERY, clock=Clock(T0 + 3))
    async with app.run_test(size=SIZE) as pilot:
        feed_every_state(app.monitor)
        await settle(pilot, app)
        text = screen_text(app)
        lines = {tid: app.table.row_text(("default", tid)) for tid in EVERY}
        for line in lines.values():
            assert line in text  # what row_text says is what the screen shows
        assert "○ pending" in lines["pend"]
        assert "▶ pushing" in lines["push"] and "40%" in lines["push"] and "15/s" in lines["push"]
        assert "✔ done" in lines["done"] and "100%" in lines["done"]
        assert "INCOMPLETE -250" in lines["inc"] and lines["inc"].startswith("!")
        assert "⊘ invalid" in lines["bad"] and "invalid or" in lines["bad"]
        assert "⚠ error" in lines["err"] and "HTTP 502" in lines["err"]
        assert "… waiting" in lines["wait"]
        assert rows(app)[0] == "inc"
        # the incomplete row carries its own style (not only the words), seen with the cursor on another row
        await pilot.press("down")
        await settle(pilot, app)
        table = app.table
        strip = table.render_line(1)
        inc_style = table._style("incomplete")
        assert any(seg.style and inc_style.bgcolor and seg.style.bgcolor == inc_style.bgcolor for seg in strip)
        assert "1 INCOMPLETE" in text and "1 invalid" in text


async def test_stale_values_are_marked_in_the_age_column():
    clock = Clock(T0 + 120)
    app = make_app(["t1"], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.report("t1", 1, 5, 10, at=T0)
        app.monitor.fail("t1", "timeout", at=T0 + 100)
        await settle(pilot, app)
        line = app.table.row_text(("default", "t1"))
        assert line in screen_text(app)
        assert "⚠2m" in line and "timeout" in line


async def test_cursor_stays_on_its_task_across_refreshes_and_resorts():
    ids = [f"task{i:04d}" for i in range(300)]
    app = make_app(ids)
    async with app.run_test(size=SIZE) as pilot:
        m = app.monitor
        for i, tid in enumerate(ids):
            m.report(tid, 1, i, 1000)
        app.model.set_sort(Column.FINISHED, False)
        await settle(pilot, app)
        for _ in range(5):
            await pilot.press("down")
        key = app.model.cursor_key
        assert key == ("default", "task0005")
        for i, tid in enumerate(ids):  # reverse the order by the sort column
            m.report(tid, 1, 1000 - i, 1000, at=T0 + 10)
        await settle(pilot, app)
        assert app.model.cursor_key == key
        index = app.model.cursor_index
        assert index == 294
        top = int(app.table.scroll_offset.y)
        assert top <= index < top + app.table.rows_visible  # scrolled to follow it
        await pilot.press("s")
        await settle(pilot, app)
        assert app.model.cursor_key == key


async def test_sort_keys_cycle_column_and_direction():
    app = make_app(["b", "a", "c"])
    async with app.run_test(size=SIZE) as pilot:
        assert app.model.sort_column is Column.STATUS
        await pilot.press("s")
        assert app.model.sort_column is Column.LABEL
        await pilot.press("s")
        assert app.model.sort_column is Column.TASK_ID
        await settle(pilot, app)
        assert rows(app) == ["a", "b", "c"]
        assert "Task ID ▲" in screen_text(app)
        await pilot.press("S")
        await settle(pilot, app)
        assert rows(app) == ["c", "b", "a"]
        assert "Task ID ▼" in screen_text(app)


async def test_filter_by_id_label_and_status_and_enter_keeps_it():
    app = make_app([WatchEntry("abc1", "default", "spring"), WatchEntry("xyz2", "default", ""), "abc3"])
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.report("xyz2", 1, 1, 2)
        await pilot.press("slash")
        assert app.focused is app.query_one("#filter", Input)
        await pilot.press(*"abc")
        assert sorted(rows(app)) == ["abc1", "abc3"]
        await pilot.press("enter")
        assert app.focused is app.table and app.model.filter_text == "abc"
        await settle(pilot, app)
        assert "filter “abc”: 2 of " in screen_text(app).split("\n")[1][:40]  # first on the summary line
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"spring", "enter")
        assert rows(app) == ["abc1"]
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"pushing", "enter")
        assert rows(app) == ["xyz2"]
        await pilot.press("slash", "ctrl+a", "ctrl+k", "enter")
        assert len(rows(app)) == 3


async def test_add_dialog_accepts_pasted_ids_and_a_label():
    app = make_app(["old"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AddDialog)
        app.screen.query_one("#ids", TextArea).insert("id1, id2\nid3\u00a0id4\n\nid2 old\n")
        await pilot.pause()
        assert "5 IDs" in screen_text(app)
        app.screen.query_one("#label", Input).value = "campaign"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, AddDialog)
        assert sorted(rows(app)) == ["id1", "id2", "id3", "id4", "old"]
        assert app.model.state(("default", "id3")).label == "campaign"
        assert sorted(app.watched_tasks()) == [("default", i) for i in ("id1", "id2", "id3", "id4", "old")]
        assert any("Added 4 tasks (1 already watched); polled now" in str(n.message) for n in app._notifications)
        assert "poll_soon" in app.monitor.calls  # new tasks are asked for at once, not after the interval


async def test_add_dialog_cancel_button_and_empty_input():
    app = make_app([])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.press("ctrl+s")  # nothing pasted: stays open with a hint
        assert isinstance(app.screen, AddDialog)
        await pilot.click("#cancel")
        await pilot.pause()
        assert not isinstance(app.screen, AddDialog) and len(app.model) == 0


async def test_remove_asks_first_and_removes_the_cursor_task():
    app = make_app(["keep", "gone"])
    async with app.run_test(size=SIZE) as pilot:
        app.model.set_sort(Column.TASK_ID)
        await settle(pilot, app)
        await pilot.press("home")  # the cursor is on "gone", first by task ID
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert len(app.model) == 2
        await pilot.press("d", "y")
        await settle(pilot, app)
        assert rows(app) == ["keep"] and app.watched_tasks() == [("default", "keep")]


async def test_label_key_edits_the_label():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert isinstance(app.screen, LabelDialog)
        await pilot.press(*"flash sale", "enter")
        await settle(pilot, app)
        assert app.model.state(("default", "t1")).label == "flash sale"
        assert "flash sale" in screen_text(app)
        assert app.watchlist.entries[0].label == "flash sale"


async def test_pause_resume_and_refresh_reach_the_engine():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot, app)
        assert "‖ paused" in screen_text(app) and app.title.startswith("pushwatch: paused")
        await pilot.press("r")  # while paused: says when the refresh will happen
        await settle(pilot, app)
        assert any("as soon as you resume" in str(n.message) for n in app._notifications)
        await pilot.press("p", "r")
        assert app.monitor.calls[-2:] == ["resume", "refresh_now"]
        assert "pause" in app.monitor.calls


async def test_details_screen_shows_history_start_time_raw_report_and_errors():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE) as pilot:
        m = app.monitor
        for n, f in enumerate((10, 30, 60)):
            m.report("t1", 1, f, 100, at=T0 + n * 10)
        m.fail("t1", "HTTP 503 from the server", at=T0 + 40)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailsScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "3 samples over 20s: 10 → 60" in text
        assert "2023-11-15 06:00:00" in text
        assert '"Finished": 60' in text and '"TaskId": "t1"' in text
        assert "HTTP 503 from the server" in text
        assert list(app.screen.query_one("#sparkline").data) == [10, 30, 60]
        await pilot.press("enter")
        assert not isinstance(app.screen, DetailsScreen)


async def test_copy_puts_the_task_id_on_the_clipboard():
    app = make_app(["144115197002484901_2016053001_2016053001"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert app.clipboard == "144115197002484901_2016053001_2016053001"


async def test_help_lists_every_binding_and_closes_without_esc():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for b in app.BINDINGS:
            assert b.tooltip in text
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_binding_has_id_and_description_and_is_in_the_command_palette():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for b in app.BINDINGS:
            assert b.id and b.description and b.tooltip
            assert any(t.startswith(b.tooltip) for t in titles)
            assert b.key != "escape"


async def test_quit_saves_state_and_closes_the_engine():
    saved = []

    class Store:
        def load(self):
            return {}

        def save(self, states, *, force=False):
            saved.append((force, [s.task_id for s in states]))
            return True

        def due(self):
            return False

    app = make_app(["t1"], state_store=Store())
    async with app.run_test(size=SIZE) as pilot:
        monitor = app.monitor
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert (True, ["t1"]) in saved
    assert "stop" in monitor.calls and "aclose" in monitor.calls


async def test_a_failing_periodic_state_save_is_shown_and_the_app_keeps_running():
    class Store:
        def load(self):
            return {}

        def save(self, states, *, force=False):
            if not force:
                raise OSError("No space left on device: state.json")
            return True

        def due(self):
            return True

    app = make_app(["t1"], state_store=Store())
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if any(n.title == "Saving state" for n in app._notifications):
                break
        assert any(n.title == "Saving state" and "No space left" in str(n.message) for n in app._notifications)
        assert app.is_running
        await pilot.press("q")
    assert app.return_code == 0


async def test_periodic_state_saves_run_off_the_event_loop():
    import threading

    threads = []

    class Store:
        def load(self):
            return {}

        def save(self, states, *, force=False):
            threads.append((force, threading.get_ident()))
            return True

        def due(self):
            return True

    app = make_app(["t1"], state_store=Store())
    async with app.run_test(size=SIZE) as pilot:
        loop_thread = threading.get_ident()
        for _ in range(100):
            await asyncio.sleep(0.05)
            if threads:
                break
        await pilot.press("q")
    periodic = [t for force, t in threads if not force]
    assert periodic and all(t != loop_thread for t in periodic)
    assert any(force for force, _ in threads)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
async def test_sigterm_and_sighup_save_state_and_exit_cleanly(sig):
    saved = []

    class Store:
        def load(self):
            return {}

        def save(self, states, *, force=False):
            saved.append(force)
            return True

        def due(self):
            return False

    app = make_app(["t1"], state_store=Store(), handle_signals=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        signal.raise_signal(sig)
        for _ in range(50):  # not pilot.pause(): it waits for an app that is leaving
            await asyncio.sleep(0.02)
            if app.return_code is not None:
                break
    assert app.return_code == 0 and True in saved
    assert "aclose" in app.monitor.calls
    assert not asyncio.get_running_loop()._signal_handlers  # handed back on the way out


async def test_engine_crash_is_shown_not_fatal():
    def factory(tasks, on_event):
        from tui_helpers import FakeMonitor

        m = FakeMonitor(tasks, on_event)
        m.fail_with = RuntimeError("socket exploded")
        return m

    from pushwatch.tui.app import build_app
    from tui_helpers import profile

    app = build_app(factory, profiles={"default": profile()}, entries=[WatchEntry("t1", "default")],
                    theme="textual-dark", handle_signals=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await settle(pilot, app)
        assert app.is_running
        assert "polling stopped: socket exploded" in screen_text(app)
        assert app.has_class("-error") and app.title.startswith("pushwatch: ERROR")
        await pilot.press("r")  # still responsive
        assert app.is_running


async def test_fatal_profile_error_and_failing_watchlist_are_notified():
    class BrokenWatchlist:
        entries = [WatchEntry("t1", "default")]

        def load(self):
            return list(self.entries)

        def changed(self):
            raise OSError("disk on fire")

        def add(self, ids, *, profile, label=""):
            raise OSError("read-only file system")

    app = make_app(watchlist=BrokenWatchlist())
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.state(ProfileState.STOPPED, "20002 UserSig verification failed; check the secret key")
        app._slow_tick()
        await pilot.press("a")
        app.screen.query_one("#ids", TextArea).insert("x1")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        messages = [(n.title, str(n.message), n.severity) for n in app._notifications]
        assert ("Profile default stopped", "20002 UserSig verification failed; check the secret key", "error") in messages
        assert any("disk on fire" in m for _, m, _ in messages)
        assert any("read-only file system" in m for _, m, _ in messages)
        assert "✘ ERROR" in screen_text(app) and app.is_running


async def test_finishing_rings_the_bell_and_incomplete_is_louder(monkeypatch):
    app = make_app(["ok", "short"])
    bells = []
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "bell", lambda: bells.append(1))
        m = app.monitor
        m.report("ok", 1, 1, 10)
        m.report("short", 1, 1, 10)
        await settle(pilot, app)
        m.report("ok", 2, 10, 10)
        m.report("short", 2, 7, 10)
        await settle(pilot, app)
        notes = {str(n.message): n.severity for n in app._notifications}
        assert notes.get("ok finished") == "information"
        assert notes.get("short ended INCOMPLETE: 3 users not reached") == "error"
        assert bells


async def test_many_finishes_collapse_into_one_toast():
    ids = [f"t{i}" for i in range(20)]
    app = make_app(ids)
    async with app.run_test(size=SIZE) as pilot:
        for tid in ids:
            app.monitor.report(tid, 1, 1, 10)
        await settle(pilot, app)
        for i, tid in enumerate(ids):
            app.monitor.report(tid, 2, 10 if i % 2 else 9, 10)
        await settle(pilot, app)
        assert [str(n.message) for n in app._notifications] == ["20 tasks finished, 10 INCOMPLETE"]


async def test_terminal_title_summarises_and_changes_only_when_needed(monkeypatch):
    app = make_app(["a", "b", "c"])
    writes = []
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "_write_terminal", writes.append)
        m = app.monitor
        m.report("a", 1, 1, 10)
        m.report("b", 1, 1, 10)
        m.report("c", 1, 1, 10)
        await settle(pilot, app)
        m.report("c", 2, 5, 10)
        await settle(pilot, app)
        assert app.terminal_title == "pushwatch: 2 pushing, 1 incomplete"
        assert writes[-1] == "\x1b]2;pushwatch: 2 pushing, 1 incomplete\x07"
        n = len(writes)
        m.report("a", 1, 2, 10)
        await settle(pilot, app)
        assert len(writes) == n  # same summary: nothing written


async def test_usable_at_80x24_with_the_key_columns():
    app = make_app(EVERY + ["144115197002484901_2016053001_2016053001"], clock=Clock(T0 + 3))
    async with app.run_test(size=(80, 24)) as pilot:
        feed_every_state(app.monitor)
        await settle(pilot, app)
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        header = next(line for line in lines if "Status" in line)
        for title in ("Status", "Task ID", "Progress", "ETA", "Age"):
            assert title in header
        assert "INCOMPLETE -250" in text
        assert "_2016053001 " in text  # long IDs keep their distinctive end
        for b in app.BINDINGS:  # every key fits in the footer at 80 columns
            assert f"{b.key_display or b.key} {b.description}".replace("enter", "⏎") in lines[-1]


async def test_multi_profile_shows_the_profile_column():
    entries = [WatchEntry("t1", "eu"), WatchEntry("t2", "cn")]
    app = make_app(entries, profiles=("eu", "cn"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "Profile" in text and " eu " in text and " cn " in text


def test_theme_choice_for_16_colours_no_color_and_explicit():
    assert pick_theme({}, "256") == "textual-dark"
    assert pick_theme({}, "truecolor") == "textual-dark"
    assert pick_theme({}, "standard") == "ansi-dark"
    assert pick_theme({"NO_COLOR": "1"}, "truecolor") == "ansi-dark"
    assert pick_theme({"PUSHWATCH_THEME": "nord"}, "standard") == "nord"


async def test_16_colour_theme_renders_with_ansi_colours(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    app = make_app(EVERY, theme=None)
    async with app.run_test(size=SIZE) as pilot:
        feed_every_state(app.monitor)
        await settle(pilot, app)
        assert app.theme == "ansi-dark"
        strip = app.table.render_line(1)  # the incomplete row
        colors = {seg.style.color for seg in strip if seg.style and seg.style.color}
        assert colors and all(c.is_system_defined or c.type.name in ("DEFAULT", "STANDARD") for c in colors)
        assert "INCOMPLETE" in strip.text


async def test_no_color_keeps_every_signal_in_text(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(EVERY, theme=None)
    async with app.run_test(size=SIZE) as pilot:
        feed_every_state(app.monitor)
        await settle(pilot, app)
        assert app.theme == "ansi-dark"
        text = screen_text(app)
        for word in ("INCOMPLETE", "invalid", "pushing", "pending", "done", "error", "waiting"):
            assert word in text


async def test_ten_thousand_rows_render_only_the_visible_lines():
    ids = [f"t{i:05d}" for i in range(10_000)]
    app = make_app(ids)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        calls = []
        original = app.table._row_strip
        monkey = lambda *a, **k: calls.append(1) or original(*a, **k)  # noqa: E731
        app.table._row_strip = monkey
        for i in range(0, 10_000, 2):
            app.monitor.report(ids[i], 1, i, 10_000)
        await settle(pilot, app)
        assert 0 < len(calls) <= 3 * app.table.rows_visible
        await pilot.press("end")
        await settle(pilot, app)
        assert app.model.cursor_index == 9_999


async def test_ctrl_c_quits_the_monitor():
    app = make_app(["t1"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        for _ in range(100):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.02)
    assert app.return_code == 0


async def test_tune_gc_freezes_start_up_objects_and_spaces_full_collections():
    import gc

    before = gc.get_threshold()
    try:
        app = make_app(["t1"])
        app._tune_gc = True
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold()[2] >= 100 * before[2] or gc.get_threshold()[2] >= 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
