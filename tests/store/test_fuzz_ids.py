"""Fuzzing the task-ID input parser (`parse_ids`): whatever is pasted, it returns clean, unique IDs in order,
never raises, and what it returns survives a round trip through the watchlist file unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pushwatch.store.watchlist import Watchlist, WatchlistError, check_id, parse_ids

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
SEPARATOR_CHARS = " \t\n\r\f\v,\u00a0\u2000\u2003\u3000\u202f\u205f\u1680\x1c\x1d\x1e\x1f\x85\u2028\u2029" + ZERO_WIDTH


def is_separator(ch: str) -> bool:
    return ch.isspace() or ch == "," or ch in ZERO_WIDTH


# IDs as people paste them: the documented shape, other opaque strings, unicode; never a separator inside.
token = st.one_of(
    st.builds("{}_{}_{}".format, st.integers(0, 10**18), st.integers(0, 10**10), st.integers(0, 10**10)),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="," + ZERO_WIDTH),
        min_size=1,
        max_size=30,
    ).filter(
        lambda t: not any(is_separator(c) for c in t)
    ),
)
separator = st.text(st.sampled_from(SEPARATOR_CHARS), min_size=1, max_size=4)


def reference(text: str) -> list[str]:
    """An independent, character-by-character reading of the rule: separators split, duplicates go."""
    out: list[str] = []
    word: list[str] = []
    for ch in text + " ":
        if is_separator(ch):
            if word:
                out.append("".join(word))
            word = []
        else:
            word.append(ch)
    return list(dict.fromkeys(out))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_clean_unique_ids_in_order(text: str) -> None:
    ids = parse_ids(text)
    assert ids == reference(text)
    for tid in ids:
        assert tid and not any(is_separator(c) for c in tid)
    assert parse_ids(" ".join(ids)) == ids  # idempotent


@settings(max_examples=300, deadline=None)
@given(st.lists(token, max_size=20), st.lists(separator, min_size=21, max_size=21), st.booleans())
def test_tokens_joined_by_any_separators_come_back(tokens: list[str], seps: list[str], edges: bool) -> None:
    text = "".join(sep + tok for sep, tok in zip(seps, tokens))
    if edges:
        text += seps[-1]
    assert parse_ids(text) == list(dict.fromkeys(tokens))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_parsed_ids_round_trip_through_the_watchlist_file(text: str) -> None:
    ids = parse_ids(text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "watchlist.toml"
        acceptable = []
        for tid in ids:
            try:
                acceptable.append(check_id(tid))
            except WatchlistError as exc:
                assert "\n" not in str(exc)
        try:
            added = Watchlist(path).add(ids, profile="default", label="fuzz")
        except WatchlistError as exc:  # refused as a whole (control characters, too long): one clear line
            assert len(acceptable) < len(ids) and "\n" not in str(exc)
            assert not path.exists()
            return
        assert added == len(ids)
        assert [e.task_id for e in Watchlist(path).load()] == (ids if ids else [])


def test_known_paste_forms() -> None:
    pasted = "1_2_3,\u00a04_5_6\r\n\u200b7_8_9\u3000,, 1_2_3\ufeff"
    assert parse_ids(pasted) == ["1_2_3", "4_5_6", "7_8_9"]
    assert parse_ids("") == [] and parse_ids(" ,\n\t") == []
    assert parse_ids("a\x1fb\u2028c") == ["a", "b", "c"]  # str.isspace() separators that paste can bring
