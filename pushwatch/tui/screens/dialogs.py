"""Small modal dialogs: add IDs, confirm removal, edit a label.

Each closes with a key that is not `esc` (tmux delays esc) as well as with buttons; `esc` also cancels.
They return plain values via `dismiss`; the app does the writing through the Watchlist store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from pushwatch.store.watchlist import parse_ids

_R = TypeVar("_R")


@dataclass(frozen=True)
class AddRequest:
    ids: list[str]
    label: str
    profile: str


class _FormDialog(ModalScreen[_R]):
    """A form: enter in an input or the OK button submits; Cancel or esc closes with None."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddDialog(_FormDialog[AddRequest | None]):
    """Paste any number of task IDs (separated by spaces, commas or newlines) and give them a label."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Add", id="add.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="add.cancel", show=False),
    ]

    def __init__(self, profiles: list[str], default_profile: str) -> None:
        super().__init__()
        self.profiles = profiles
        self.default_profile = default_profile

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Add task IDs", classes="dialog-title")
            yield Static("Paste IDs separated by spaces, commas or new lines.", classes="dialog-help")
            yield TextArea(id="ids", soft_wrap=True, show_line_numbers=False)
            yield Input(placeholder="label (optional)", id="label")
            if len(self.profiles) > 1:
                yield Select([(p, p) for p in self.profiles], value=self.default_profile, allow_blank=False, id="profile")
            yield Static("", id="count", classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ids", TextArea).focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        n = len(parse_ids(event.text_area.text))
        self.query_one("#count", Static).update(f"{n} ID{'s' if n != 1 else ''}")

    def action_submit(self) -> None:
        ids = parse_ids(self.query_one("#ids", TextArea).text)
        if not ids:
            self.notify("Paste at least one task ID.", severity="warning")
            return
        profile = self.default_profile
        if len(self.profiles) > 1:
            profile = str(self.query_one("#profile", Select).value)
        self.dismiss(AddRequest(ids, self.query_one("#label", Input).value.strip(), profile))


class ConfirmDialog(ModalScreen[bool]):
    """Yes / no, answered with y / n (or enter for the focused button)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", id="confirm.cancel", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class LabelDialog(_FormDialog[str | None]):
    """Edit one task's label; enter saves, an empty label clears it."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="label.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="label.cancel", show=False),
    ]

    def __init__(self, task_id: str, label: str) -> None:
        super().__init__()
        self.task_id = task_id
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Label for {self.task_id}", classes="dialog-title", markup=False)
            yield Input(value=self.label, placeholder="label (empty clears it)", id="label")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (enter)", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#label", Input).focus()

    def action_submit(self) -> None:
        self.dismiss(self.query_one("#label", Input).value.strip())
