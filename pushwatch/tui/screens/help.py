"""The `?` screen: every key binding with its description, plus how to read the table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from pushwatch.tui import format as fmt
from pushwatch.tui.table_model import Category

LEGEND = "\n".join(
    [
        "Status (symbol and word; colour only repeats them):",
        *(f"  {fmt.SYMBOLS[c]} {c.word:<11} {text}" for c, text in (
            (Category.INCOMPLETE, "Status 2 with Finished < Total: shortfall shown, sorted first, marked !"),
            (Category.ERROR, "no report yet and the last request failed"),
            (Category.INVALID, "the server rejected the ID (90016: invalid, unknown or expired)"),
            (Category.PUSHING, "Status 1"),
            (Category.PENDING, "Status 0: not started"),
            (Category.WAITING, "no answer yet"),
            (Category.DONE, "Status 2, everyone reached"),
        )),
        f"  Age {fmt.STALE_MARK}5m: stale, the last refresh failed; the value shown is the last known one.",
    ]
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("question_mark", "close", "Close help", id="help.close"),
        Binding("q", "close", "Close help", id="help.quit", show=False),
        Binding("enter", "close", "Close help", id="help.enter", show=False),
        Binding("escape", "close", "Close help", id="help.escape", show=False),
    ]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        keys = "\n".join(f"  {b.key_display or b.key:<10} {b.tooltip or b.description}" for b in self.bindings)
        with VerticalScroll(id="help", classes="dialog"):
            yield Static("pushwatch keys  (? / q / enter closes)", classes="dialog-title")
            yield Static(keys, id="help-keys", markup=False)
            yield Static("  up/down, j/k, pgup/pgdn, home/end move the cursor; ctrl+p opens the command palette", markup=False)
            yield Static(LEGEND, id="help-legend", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
