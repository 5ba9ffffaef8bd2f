"""Safe file and sheet names, and atomic writes: what every writer of the
workbench uses so a name from the data never breaks a path and a crash never
leaves half a file. Re-exported by :mod:`evaluation.export`.

Examples
--------
>>> safe_name("บ้าน/สวน: 2566"), safe_sheet_name("ตาราง: รายได้ [บาท]")
('บ้าน_สวน_2566', 'ตาราง - รายได้ (บาท)')
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .errors import ArgumentError

__all__ = ["SHEET_NAME_MAX", "atomic_path", "atomic_write_bytes", "atomic_write_text",
           "safe_name", "safe_sheet_name", "unique_names"]

# Names Windows refuses for files and folders (with or without an extension).
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                     *(f"LPT{i}" for i in range(10))}
# Characters not allowed in file names on Windows/macOS/Linux, plus '%' and '#'
# (they break links in a browser) and whitespace (replaced by '_').
_BAD_CHARS = re.compile(r'[<>:"/\\|?*%#\s]')


# --------------------------------------------------------------------------- names
def safe_name(value: object, *, max_bytes: int = 80, fallback: str = "unnamed") -> str:
    """A file or folder name made from any value (a village id, a Thai name).

    Thai (and other) letters, digits, ``-``, ``_`` and ``.`` are kept, so
    ``"บ้านหนองบัว ม.3"`` becomes ``"บ้านหนองบัว_ม.3"``. Removed or replaced:
    path separators, ``..``, control and invisible characters (zero-width
    spaces), characters Windows forbids (``<>:"|?*``), ``%`` and ``#``;
    whitespace becomes ``_``; leading and trailing dots, dashes and
    underscores are dropped; Windows device names (``CON``, ``NUL``, ``COM1``
    ...) get a leading ``_``. The result is at most `max_bytes` bytes of UTF-8
    (never cutting a Thai vowel or tone mark off its consonant).

    Parameters
    ----------
    value : object
        Anything; converted with ``str()`` and Unicode-normalised (NFC).
    max_bytes : int, default 80
        Longest result in UTF-8 bytes (file systems allow 255; Thai letters
        take 3 bytes each). At least 8.
    fallback : str, default "unnamed"
        Returned when nothing usable is left (an empty or all-symbol value).

    Returns
    -------
    str
        A non-empty name safe on Linux, macOS and Windows and in a URL path
        segment once percent-encoded. Different values can give the same
        name: use :func:`unique_names` to name several things in one folder.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("บ้านหนองบัว ม.3")
    'บ้านหนองบัว_ม.3'
    >>> safe_name("CON")
    '_CON'
    """
    if not isinstance(max_bytes, int) or max_bytes < 8:
        raise ArgumentError(f"max_bytes must be an integer >= 8, got {max_bytes!r}")
    text = unicodedata.normalize("NFC", str(value))
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            # control, format (zero-width), surrogates, private use, unassigned
            out.append(" " if cat in ("Cc", "Zl", "Zp") else "")
        else:
            out.append(ch)
    text = "".join(out)
    text = _BAD_CHARS.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)          # no '..' anywhere
    text = re.sub(r"_{2,}", "_", text)
    text = text.strip("._- ")
    text = _truncate_utf8(text, max_bytes).rstrip("._- ")
    if not text:
        return fallback
    stem = text.split(".", 1)[0].upper()
    if stem in _WINDOWS_RESERVED:
        text = _truncate_utf8("_" + text, max_bytes)
    return text


def _truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut `text` to at most `max_bytes` UTF-8 bytes at a grapheme-safe point."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    size, cut = 0, 0
    for i, ch in enumerate(text):
        size += len(ch.encode("utf-8"))
        if size > max_bytes:
            break
        cut = i + 1
    # do not leave a combining mark (Thai vowel/tone mark) without its base
    # letter, nor end right before a mark that belonged to the last letter
    while cut > 0 and cut < len(text) and unicodedata.category(text[cut]) in ("Mn", "Mc"):
        cut -= 1
    return text[:cut]


def unique_names(values: Iterable[object], *, reserved: Iterable[str] = (),
                 max_bytes: int = 80) -> dict[object, str]:
    """Safe, distinct names for several values (e.g. every village id).

    Each value gets :func:`safe_name`; when two values would get the same name
    (compared case-insensitively, as on macOS and Windows) or a name in
    `reserved`, each of them gets a short suffix made from a hash of the
    original value, so the same value always gets the same name.

    Parameters
    ----------
    values : iterable
        The values to name; duplicates are allowed and get the same name.
    reserved : iterable of str
        Names already in use in the folder (compared case-insensitively).
    max_bytes : int, default 80
        Longest name in UTF-8 bytes, suffix included.

    Returns
    -------
    dict
        ``{value: name}`` for every distinct value.

    Examples
    --------
    >>> unique_names(["a/b", "a_b", "V01"])
    {'a/b': 'a_b-3ec69c85', 'a_b': 'a_b-eb2980a5', 'V01': 'V01'}
    """
    distinct = list(dict.fromkeys(values))
    base = {v: safe_name(v, max_bytes=max_bytes) for v in distinct}
    taken = {r.casefold() for r in reserved}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    result: dict[object, str] = {}
    for v in distinct:
        name = base[v]
        if counts[name.casefold()] > 1 or name.casefold() in taken:
            digest = hashlib.sha1(str(v).encode("utf-8")).hexdigest()[:8]
            name = _truncate_utf8(name, max_bytes - 9).rstrip("._- ") + "-" + digest
        result[v] = name
    return result




#: Characters Excel forbids in sheet names and the readable stand-ins used instead.
_SHEET_REPLACE = {":": " -", "/": "-", "\\": "-", "[": "(", "]": ")", "*": "", "?": ""}
#: Longest sheet name Excel accepts.
SHEET_NAME_MAX = 31


def _balanced(text: str, *, cut: bool = False) -> str:
    """`text` without a closing bracket that was never opened, nor an opening one
    that is never closed (with `cut`, what follows that one goes too: an aside
    cut short)."""
    out, depth, last_open = [], 0, []
    for ch in text:
        if ch == "(":
            last_open.append(len(out))
            depth += 1
        elif ch == ")":
            if not depth:
                continue
            depth -= 1
            last_open.pop()
        out.append(ch)
    if last_open and cut and "".join(out[: last_open[0]]).strip():
        out = out[: last_open[0]]
    elif last_open:
        for i in reversed(last_open):
            del out[i]
    return "".join(out).strip(" -_,;")


def _words(text: str) -> list[str]:
    """Words and the spaces between them (Thai cut with PyThaiNLP's dictionary)."""
    pieces = re.split(r"(\s+)", text)
    if not any("\u0e00" <= ch <= "\u0e7f" for ch in text):
        return pieces
    from pythainlp.tokenize import word_tokenize

    out = []
    for piece in pieces:
        out.extend(word_tokenize(piece, engine="newmm", keep_whitespace=True)
                   if piece and not piece.isspace() else [piece])
    return out


def _short_title(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut between words, brackets balanced."""
    if len(text) <= limit:
        return _balanced(text) if text.count("(") != text.count(")") else text
    # Drop bracketed asides first: "การเปลี่ยนแปลงคะแนนความสุข (TMHI-15, คะแนน)" -> the words.
    plain = re.sub(r"\s*\([^()]*\)", "", text).strip()
    if plain and len(plain) <= limit:
        return plain
    words, out = _words(plain or text), ""
    for word in words:
        if len(out) + len(word) > limit - 1:
            break
        out += word
    out = _balanced(out.rstrip(), cut=True)
    return (out + "…") if out else _balanced(text[: limit - 1], cut=True) + "…"


def safe_sheet_name(name: object, taken: Iterable[str] = ()) -> str:
    """A valid, readable, unused Excel sheet name (at most 31 characters).

    Excel forbids ``[ ] : * ? / \\``, a leading or trailing apostrophe, the
    name ``History`` and names longer than 31 characters; names are compared
    case-insensitively. Forbidden characters get readable stand-ins (``:``
    becomes `` -``, ``/`` becomes ``-``, square brackets round ones). A long
    name loses its bracketed asides first, then is cut between words (Thai
    words found with PyThaiNLP) and ends in ``…``; brackets stay balanced.
    Clashes get `` (2)``, `` (3)`` ... at the end. :func:`write_tables` keeps
    the full titles on a contents sheet.

    Parameters
    ----------
    name : object
        The wanted name (a table title, Thai allowed).
    taken : iterable of str
        Sheet names already used in the workbook.

    Returns
    -------
    str
        The sheet name to use.

    Examples
    --------
    >>> safe_sheet_name("รายได้/รายจ่าย")
    'รายได้-รายจ่าย'
    >>> safe_sheet_name("Sheet", taken=["sheet"])
    'Sheet (2)'
    >>> safe_sheet_name("Happiness: change before and after (TMHI-15)")
    'Happiness - change before and…'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = "".join(_SHEET_REPLACE.get(ch, ch) for ch in text)
    text = re.sub(r"\s+", " ", text).strip().strip("'").strip()
    if not text or text.casefold() == "history":
        text = (text + "_") if text else "table"
    text = _short_title(text, SHEET_NAME_MAX) or "table"
    used = {t.casefold() for t in taken}
    candidate, i = text, 1
    while candidate.casefold() in used:
        i += 1
        suffix = f" ({i})"
        candidate = _short_title(text, SHEET_NAME_MAX - len(suffix)) + suffix
    return candidate


# --------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str | None = None):
    """Context manager giving a temporary path next to `path`; on success the
    temporary file is renamed over `path`, on error it is removed.

    Use it with writers that want a file name (``fig.savefig``,
    ``DataFrame.to_excel``)::

        with atomic_path("out/table.xlsx") as tmp:
            frame.to_excel(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp",
                               dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; use the usual mode
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Set to "1" in a process whose files are flushed to disk by someone else, a whole
#: folder at once (:func:`sync_folder`): the report kernels, whose report folders the
#: renderer syncs before moving them into place. One flush per report instead of one
#: per file (about 25).
DEFER_FSYNC_ENV = "EVALUATION_DEFER_FSYNC"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically (temporary file, then rename) and durably
    (flushed to disk, unless :data:`DEFER_FSYNC_ENV` defers that to :func:`sync_folder`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            if os.environ.get(DEFER_FSYNC_ENV) != "1":
                os.fsync(fh.fileno())
    return Path(path)


def sync_folder(folder: str | os.PathLike) -> None:
    """Flush every file under `folder` to disk before it is moved into place.

    On Linux one ``syncfs`` call flushes the folder's file system; elsewhere
    each file and folder is flushed with ``fsync``.
    """
    folder = Path(folder)
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _syncfs(fd):
            return
    finally:
        os.close(fd)
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
        try:
            handle = os.open(path, flags)
        except OSError:
            continue
        try:
            os.fsync(handle)
        except OSError:
            pass
        finally:
            os.close(handle)


def _syncfs(fd: int) -> bool:
    """``syncfs(fd)`` where the C library has it (Linux); False when it cannot run."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    return syncfs(fd) == 0


def atomic_write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically (temporary file, then rename)."""
    return atomic_write_bytes(path, text.encode(encoding))
