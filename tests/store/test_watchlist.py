"""Watchlist: ID parsing, add/remove/label, the file format, corrupt files, write failures, change detection."""

from __future__ import annotations

import errno
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pushwatch.store import watchlist as wl
from pushwatch.store.watchlist import WatchEntry, Watchlist, WatchlistError, parse_ids


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "watchlist.toml"


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# --- parse_ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", []),
        ("   \n\n\t ", []),
        ("a", ["a"]),
        ("a b  c", ["a", "b", "c"]),
        ("a,b,,c,", ["a", "b", "c"]),
        (" , a , ,b ,", ["a", "b"]),
        ("a\r\nb\r\n\r\nc\r\n", ["a", "b", "c"]),
        ("a\rb", ["a", "b"]),
        ("\n\na\n\n\nb\n", ["a", "b"]),
        ("a\u00a0b\u3000c\u2003d\u202fe", ["a", "b", "c", "d", "e"]),  # NBSP, ideographic, em, narrow NBSP
        ("\ufeffa\u200bb\u2060c", ["a", "b", "c"]),  # BOM and zero-width characters from web pages
        ("a\x0bb\x0cc\x1cd\u2028e\u0085f", ["a", "b", "c", "d", "e", "f"]),
        ("b a b c a", ["b", "a", "c"]),  # duplicates dropped, first order kept
        ("144115197002484901_2016053001_2016053001,144115197002484901_2016053001_2016053002",
         ["144115197002484901_2016053001_2016053001", "144115197002484901_2016053001_2016053002"]),
        ("任务-1 任务-2", ["任务-1", "任务-2"]),  # IDs are opaque: never rejected for their form
    ],
)
def test_parse_ids(text: str, ids: list[str]) -> None:
    assert parse_ids(text) == ids


def test_parse_ten_thousand_pasted_ids() -> None:
    ids = [f"144115197002484901_2016053001_{n:010d}" for n in range(10_000)]
    pasted = "\r\n".join(ids[:5000]) + "\n\n, " + ",".join(ids[5000:]) + "\n" + "\n".join(ids[:100])
    assert parse_ids(pasted) == ids


_id = st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cf")), min_size=1, max_size=12).filter(
    lambda s: "," not in s and not any(c.isspace() for c in s)
)
_sep = st.lists(st.sampled_from([" ", ",", "\n", "\r\n", "\t", "\u00a0", "\u3000", ", "]), min_size=1, max_size=3).map("".join)


@given(st.lists(_id, max_size=30), st.data())
def test_parse_ids_property(ids: list[str], data: st.DataObject) -> None:
    text = data.draw(_sep)
    for i in ids:
        text += i + data.draw(_sep)
    assert parse_ids(text) == list(dict.fromkeys(ids))


# --- add / remove / label -------------------------------------------------------------------------------


def test_missing_file_is_an_empty_watchlist(path: Path) -> None:
    assert Watchlist(path).load() == []
    assert not path.parent.exists()  # reading leaves no trace


def test_add_remove_label_roundtrip(path: Path) -> None:
    clock = Clock()
    w = Watchlist(path, clock=clock)
    assert w.add(["a", "b", "a", " c ", ""], profile="prod", label="spring  sale") == 3
    clock.t += 10
    assert w.add(["b", "d"], profile="prod") == 1  # b already watched: left as it is
    assert w.add(["b"], profile="staging") == 1  # the same ID in another profile is another task
    entries = Watchlist(path).load()
    assert [(e.task_id, e.profile, e.label, e.added_at) for e in entries] == [
        ("a", "prod", "spring sale", 1_700_000_000.0),
        ("b", "prod", "spring sale", 1_700_000_000.0),
        ("c", "prod", "spring sale", 1_700_000_000.0),
        ("d", "prod", "", 1_700_000_010.0),
        ("b", "staging", "", 1_700_000_010.0),
    ]
    assert w.set_label("d", "late one") is True
    assert w.set_label("zz", "x") is False
    assert w.remove(["b"], profile="staging") == 1
    assert w.remove(["a", "nope"]) == 1
    assert [(e.task_id, e.label) for e in Watchlist(path).load()] == [("b", "spring sale"), ("c", "spring sale"), ("d", "late one")]
    assert w.set_label("c", "") is True
    assert Watchlist(path).load()[1].label == ""


def test_nothing_changed_writes_nothing(path: Path) -> None:
    w = Watchlist(path)
    w.add(["a"], profile="p")
    before = os.stat(path)
    assert w.add(["a"], profile="p") == 0
    assert w.remove(["zz"]) == 0
    assert os.stat(path).st_ino == before.st_ino


@pytest.mark.parametrize(
    ("bad", "message"),
    [("x" * 600, "is 600 characters; expected at most 512"), ("a\x00b", "contains control characters")],
)
def test_impossible_ids_refused(path: Path, bad: str, message: str) -> None:
    with pytest.raises(WatchlistError, match=message):
        Watchlist(path).add([bad], profile="p")
    assert not path.exists()


def test_label_too_long(path: Path) -> None:
    with pytest.raises(WatchlistError, match="label is 201 characters; expected at most 200"):
        Watchlist(path).add(["a"], profile="p", label="x" * 201)


# --- file format ----------------------------------------------------------------------------------------


def test_file_format(path: Path) -> None:
    Watchlist(path, clock=Clock(1_764_780_910.0)).add(["t1"], profile="prod", label="hello")
    doc = tomllib.loads(path.read_text())
    assert doc["version"] == 1
    (task,) = doc["tasks"]
    assert (task["id"], task["profile"], task["label"]) == ("t1", "prod", "hello")
    assert task["added"].timestamp() == 1_764_780_910.0  # a TOML (RFC 3339) date-time


def test_hand_written_file(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(
        "# my tasks\nversion = 1\n"
        '[[tasks]]\nid = "a"\nprofile = "prod"\nadded = 1700000000\n'
        "[[tasks]]\nid = 'b'\nadded = \"2023-11-14T22:13:20Z\"\nextra = 1\n"
        '[[tasks]]\nid = "c"\nadded = 2023-11-14T22:13:20\n'
        '[[tasks]]\nid = "a"\nprofile = "prod"\n'  # duplicate: kept once
        '[[tasks]]\nid = "q\\"uote"\nlabel = "tab\\there"\n'
    )
    entries = Watchlist(path).load()
    assert entries == [
        WatchEntry("a", "prod", "", 1_700_000_000.0),
        WatchEntry("b", "default", "", 1_700_000_000.0),
        WatchEntry("c", "default", "", 1_700_000_000.0),
        WatchEntry('q"uote', "default", "tab\there", 0.0),
    ]


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(
            _text.map(str.strip).filter(bool), st.sampled_from(["default", "prod", 'we"ird\\']), _text,
            st.integers(0, 4_000_000_000),
        ),
        max_size=8,
    )
)
def test_encoding_roundtrips_through_tomllib(items: list[tuple[str, str, str, int]]) -> None:
    entries = list({(i, p): WatchEntry(i, p, lab, float(t)) for i, p, lab, t in items}.values())
    data = wl._encode(entries)
    assert wl._decode(data) == entries
    # Whatever path wrote it, the standard TOML reader agrees with our fast reader.
    assert wl._from_doc(tomllib.loads(data.decode())) == entries


def test_fast_reader_agrees_with_tomllib_on_a_large_file(path: Path) -> None:
    ids = [f"144115197002484901_2016053001_{n:010d}" for n in range(3000)]
    Watchlist(path).add(ids, profile="prod", label="big")
    text = path.read_text()
    assert wl._decode_canonical(text) is not None
    assert wl._decode_canonical(text) == wl._from_doc(tomllib.loads(text))


def test_newer_format_is_left_alone(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("version = 2\n")
    with pytest.raises(WatchlistError, match="newer pushwatch .format version 2, this one reads 1.; upgrade"):
        Watchlist(path).load()
    with pytest.raises(WatchlistError):
        Watchlist(path).add(["a"], profile="p")
    assert path.read_text() == "version = 2\n"


# --- corrupt files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'version = 1\n[[tasks]\nid = "a"\n', "not valid TOML"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text at byte 0"),
        (b'version = 1\ntasks = "a"\n', "`tasks` is not an array of tables"),
        (b'version = 1\n[[tasks]]\nlabel = "x"\n', "task 1 has no `id` string"),
        (b'version = "one"\n', "version = 'one', expected 1"),
        (b'[[tasks]]\nid = "a"\nadded = "yesterday"\n', "bad `added` time"),
        (b'version = 1\n[[tasks]]\nid = "a"\nprofile = 3\n', "task 1 (a) has a bad `profile`"),
    ],
)
def test_corrupt_file_is_moved_aside_never_overwritten(path: Path, content: bytes, why: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    w = Watchlist(path)
    with pytest.raises(WatchlistError) as info:
        w.load()
    aside = w.recovered
    assert aside is not None and aside.parent == path.parent
    assert aside.name.startswith("watchlist.toml.corrupt-")
    assert aside.read_bytes() == content  # kept byte for byte
    msg = str(info.value)
    assert str(path) in msg and str(aside) in msg and why in msg and "empty watchlist" in msg
    assert not path.exists()
    assert w.load() == []  # continues with an empty list


def test_add_on_a_corrupt_file_writes_nothing(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("not [toml")
    w = Watchlist(path)
    with pytest.raises(WatchlistError, match="kept unchanged as"):
        w.add(["a"], profile="p")
    assert not path.exists() and w.recovered is not None and w.recovered.read_text() == "not [toml"
    assert w.add(["a"], profile="p") == 1  # the next change starts a new file; the old one stays aside
    assert w.recovered.read_text() == "not [toml"


def test_two_corrupt_files_in_one_second_get_distinct_names(path: Path) -> None:
    path.parent.mkdir(parents=True)
    kept = []
    for n in range(3):
        path.write_text(f"broken {n} [")
        w = Watchlist(path)
        with pytest.raises(WatchlistError):
            w.load()
        kept.append(w.recovered)
    assert len(set(kept)) == 3 and [p.read_text() for p in kept] == ["broken 0 [", "broken 1 [", "broken 2 ["]


def test_check_reports_without_moving(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("x = [")
    assert "could not be read (not valid TOML" in Watchlist(path).check()
    assert path.exists()
    path.write_text("version = 1\n")
    assert Watchlist(path).check() == ""


# --- write failures -------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("target", "err", "words"),
    [
        ("write", errno.ENOSPC, "no space left on the disk"),
        ("fsync", errno.ENOSPC, "no space left on the disk"),
        ("fsync", errno.EDQUOT, "disk quota exceeded"),
        ("replace", errno.EACCES, "permission denied"),
        ("replace", errno.EROFS, "read-only file system"),
    ],
)
def test_full_disk_or_failed_rename_keeps_the_previous_file(
    path: Path, monkeypatch: pytest.MonkeyPatch, target: str, err: int, words: str
) -> None:
    w = Watchlist(path)
    w.add(["a", "b"], profile="p")
    before = path.read_bytes()
    real = getattr(os, target)

    def failing(*args: object, **kwargs: object) -> object:
        if target == "fsync" and isinstance(args[0], int) and not _is_temp_fd(args[0]):
            return real(*args, **kwargs)
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, target, failing)
    with pytest.raises(WatchlistError) as info:
        w.add(["c"], profile="p")
    monkeypatch.setattr(os, target, real)
    assert str(info.value) == f"cannot save {path}: {words}; the previous file is unchanged"
    assert path.read_bytes() == before
    assert _leftovers(path.parent) == []
    assert [e.task_id for e in Watchlist(path).load()] == ["a", "b"]


def _is_temp_fd(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp")
    except OSError:
        return True


def test_partial_writes_are_completed(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))  # short writes
    Watchlist(path).add([f"id{n}" for n in range(50)], profile="p")
    monkeypatch.setattr(os, "write", real)
    assert len(Watchlist(path).load()) == 50


def test_data_dir_under_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    w = Watchlist(blocker / "data" / "watchlist.toml")
    with pytest.raises(WatchlistError) as info:
        w.add(["a"], profile="p")
    assert str(info.value) == f"cannot create the folder {blocker / 'data'}: a path component is not a folder"
    assert blocker.read_text() == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder(path: Path) -> None:
    w = Watchlist(path)
    w.add(["a"], profile="p")
    before = path.read_bytes()
    path.parent.chmod(0o500)
    try:
        with pytest.raises(WatchlistError, match="permission denied"):
            w.add(["b"], profile="p")
    finally:
        path.parent.chmod(0o700)
    assert path.read_bytes() == before


def test_temp_files_of_a_killed_writer_are_cleaned(path: Path) -> None:
    w = Watchlist(path)
    w.add(["a"], profile="p")
    stale = path.parent / ".watchlist.toml.abc123.tmp"
    stale.write_text("half a file")
    w.add(["b"], profile="p")
    assert not stale.exists()


def test_mode_of_the_file_is_kept(path: Path) -> None:
    w = Watchlist(path)
    w.add(["a"], profile="p")
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    w.add(["b"], profile="p")
    assert path.stat().st_mode & 0o777 == 0o640


# --- noticing other writers -------------------------------------------------------------------------------


def test_changed_notices_another_writer(path: Path) -> None:
    mine, other = Watchlist(path), Watchlist(path)
    assert mine.changed() is False  # no file, none seen
    mine.load()
    other.add(["a"], profile="p")
    assert mine.changed() is True
    mine.load()
    assert mine.changed() is False
    mine.add(["b"], profile="p")
    assert mine.changed() is False  # our own save is not someone else's change
    assert other.changed() is True
    path.unlink()
    assert mine.changed() is True


def test_current_reloads_only_on_change_and_survives_corruption(path: Path) -> None:
    mine, other = Watchlist(path), Watchlist(path)
    other.add(["a"], profile="p")
    assert [e.task_id for e in mine.current()] == ["a"]
    other.add(["b"], profile="p")
    assert [e.task_id for e in mine.current()] == ["a", "b"]
    path.write_text("garbage [")
    assert mine.current() == [] and "kept unchanged as" in mine.problem
    other.add(["c"], profile="p")
    assert [e.task_id for e in mine.current()] == ["c"] and mine.problem == ""
