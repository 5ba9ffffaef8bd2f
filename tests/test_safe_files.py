"""evaluation.safe_files: file and sheet names safe for any input, atomic writes
(moved from tests/test_export.py with the module)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from evaluation.safe_files import (atomic_path, atomic_write_text, safe_name, safe_sheet_name,
                                   unique_names)

HOSTILE = [
    "../../etc/passwd", "..", ".", "/", "\\\\server\\share", "a/../../b", "C:\\Windows\\x",
    "CON", "nul.txt", "com1", "LPT9.csv", "bad\x00name", "tab\tand\nnewline", "\u200bzero\u200d",
    "x" * 500, "ก" * 200, "<script>alert(1)</script>", "a:b*c?d\"e|f", "%2e%2e%2f", "#frag",
    "   ", "", "...hidden", "-dash-", "ม.๔ บ้าน/หนองบัว", "emoji 😀 name",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_name_is_safe_for_hostile_input(value):
    name = safe_name(value)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name)
    assert not any(ch in name for ch in '<>:"|?*%#') and not any(ch.isspace() for ch in name)
    assert not name.startswith((".", "-")) and not name.endswith((".", " "))
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}
    assert len(name.encode("utf-8")) <= 80
    # a name is a single path component that stays inside its folder
    root = Path("/tmp/reports")
    assert (root / name).resolve().parent == root


def test_safe_name_keeps_thai_readable():
    assert safe_name("บ้านหนองบัว ม.3") == "บ้านหนองบัว_ม.3"
    assert safe_name("V01") == "V01"


def test_safe_name_never_cuts_a_thai_mark_from_its_letter():
    # "ที่" = consonant + 2 combining marks (9 bytes); any cut keeps whole clusters
    assert safe_name("ที่" * 20, max_bytes=8) == "unnamed"  # not even one whole cluster fits
    for limit in range(9, 40):
        name = safe_name("ที่" * 20, max_bytes=limit)
        assert len(name.encode("utf-8")) <= limit
        assert unicodedata.category(name[0]) == "Lo"
        assert len(name) % 3 == 0  # whole clusters only


@pytest.mark.parametrize("bad", [0, 7, "80", None])
def test_safe_name_rejects_bad_max_bytes(bad):
    with pytest.raises(ValueError, match="max_bytes"):
        safe_name("x", max_bytes=bad)


def test_unique_names_resolve_collisions_and_reserved_names():
    names = unique_names(["a/b", "a_b", "A_B", "V01", "portfolio", "V01"],
                         reserved=["portfolio", "index.html"])
    assert names["V01"] == "V01"
    distinct = {v.casefold() for v in names.values()}
    assert len(distinct) == 5  # five distinct inputs, five names, case-insensitively
    assert names["portfolio"] != "portfolio"
    # deterministic: the same inputs give the same names
    assert unique_names(["a/b", "a_b", "A_B", "V01", "portfolio"],
                        reserved=["portfolio"]) == {k: v for k, v in names.items()}


@pytest.mark.parametrize(("name", "taken", "expected"), [
    ("รายได้/รายจ่าย", (), "รายได้-รายจ่าย"),
    ("History", (), "History_"),
    ("'quoted'", (), "quoted"),
    ("", (), "table"),
    ("a" * 40, (), "a" * 30 + "…"),
    ("Sheet", ("sheet",), "Sheet (2)"),
    ("Sheet", ("sheet", "Sheet (2)"), "Sheet (3)"),
    ("x" * 31, ("x" * 31,), "x" * 26 + "… (2)"),
    ("a[b]:c*?", (), "a(b) -c"),
    # Long titles: asides dropped first, then cut between words; never mid-bracket.
    ("Happiness: change before and after (TMHI-15)", (), "Happiness - change before and…"),
    ("ผู้เข้าร่วมแยกตามบทบาทและเพศ (ตารางยาวมากเกินสามสิบเอ็ดตัวอักษร)", (),
     "ผู้เข้าร่วมแยกตามบทบาทและเพศ"),
    ("การเปลี่ยนแปลงคะแนนความสุข ดัชนีชี้วัดสุขภาพจิตคนไทยฉบับสั้น 15 ข้อ (TMHI-15)", (),
     "การเปลี่ยนแปลงคะแนนความสุข…"),
    ("abcdefghij (klmnopqrst uvwxyz abcdefgh ijk", (), "abcdefghij…"),
    ("(unclosed bracket", (), "unclosed bracket"),
])
def test_safe_sheet_name(name, taken, expected):
    result = safe_sheet_name(name, taken)
    assert result == expected
    assert len(result) <= 31


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "report.html"
    atomic_write_text(target, "old")
    atomic_write_text(target, "ใหม่")
    assert target.read_text(encoding="utf-8") == "ใหม่"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    mode = target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_atomic_path_leaves_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"complete")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"complete"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]


def test_names_still_importable_from_export():
    from evaluation import export, safe_files

    assert export.safe_name is safe_files.safe_name and export.atomic_path is atomic_path


# --------------------------------------------------------------------------- flushing to disk
def test_atomic_write_flushes_unless_deferred(tmp_path, monkeypatch):
    """Each file is flushed (fsync) where it is written; with DEFER_FSYNC_ENV (the
    report kernels) not, and the folder is flushed at once by sync_folder."""
    import os

    import evaluation.safe_files as sf

    calls = []
    real = os.fsync
    monkeypatch.setattr(sf.os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    monkeypatch.delenv(sf.DEFER_FSYNC_ENV, raising=False)
    sf.atomic_write_bytes(tmp_path / "a.csv", b"1")
    assert len(calls) == 1
    monkeypatch.setenv(sf.DEFER_FSYNC_ENV, "1")
    sf.atomic_write_bytes(tmp_path / "b.csv", b"2")
    assert len(calls) == 1 and (tmp_path / "b.csv").read_bytes() == b"2"


@pytest.mark.parametrize("has_syncfs", [True, False])
def test_sync_folder_flushes_the_file_system_or_every_file(tmp_path, monkeypatch, has_syncfs):
    import os

    import evaluation.safe_files as sf

    (tmp_path / "tables").mkdir()
    for name in ("report.html", "tables/a.csv", "tables/b.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    flushed, syncfs = [], []
    real = os.fsync
    monkeypatch.setattr(sf.os, "fsync", lambda fd: (flushed.append(fd), real(fd))[1])
    monkeypatch.setattr(sf, "_syncfs", lambda fd: (syncfs.append(fd), has_syncfs)[1])
    sf.sync_folder(tmp_path)
    assert len(syncfs) == 1
    # without syncfs: the three files, the tables folder and the folder itself
    assert len(flushed) == (0 if has_syncfs else 5)


def test_syncfs_runs_here():
    import os

    import evaluation.safe_files as sf

    fd = os.open(".", os.O_RDONLY)
    try:
        assert sf._syncfs(fd) is (os.uname().sysname == "Linux")
    finally:
        os.close(fd)
