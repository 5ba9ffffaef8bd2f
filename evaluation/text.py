"""Thai text basics for lessons-learned analysis: normalisation, words,
sentences, quantities and inline outcome-ladder steps.

Everything here runs offline on pythainlp's bundled data (newmm word
segmentation, the crfcut sentence model, Thai stopwords, Thai number words).
Nothing in this module downloads.

The custom dictionary (pythainlp's word list plus the packaged
``data/domain_words.txt``) is turned into a trie once per process and cached;
building it costs about half a second, segmenting a 1,000-character text
well under a millisecond.
"""

from __future__ import annotations

import os as _os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
_os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .errors import ArgumentError, require_columns  # noqa: E402

__all__ = [
    "normalize_text",
    "domain_words",
    "default_stopwords",
    "tokenize",
    "split_sentences",
    "extract_quantities",
    "extract_ladder_steps",
    "QUANTITY_COLUMNS",
    "LADDER_STEP_COLUMNS",
]

#: Thai digits ๐-๙ to Arabic 0-9 (one character for one, so offsets stay valid).
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
#: Zero-width and invisible characters removed before analysis.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

_THAI_LETTER = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e"  # consonants, vowels, marks
_WORD_CHAR = re.compile(rf"[{_THAI_LETTER}A-Za-z]")
_SPACE = re.compile(r"[ \t\u00a0\u3000]+")
# Typing errors pythainlp's normalize repairs: เเ, ํา, doubled vowels or tone
# marks, tone mark before an upper/lower vowel, follow vowel before a tone
# mark, a mark after a space or at a line start.
_NEEDS_THAI_FIX = re.compile(
    "เเ|\u0e4d\u0e32|([\u0e30-\u0e3a\u0e45\u0e47-\u0e4e])\\1|[\u0e48-\u0e4b]{2}"
    "|[\u0e48-\u0e4b][\u0e31\u0e34-\u0e3a]|[\u0e30\u0e32\u0e33\u0e45][\u0e48-\u0e4b]"
    "|(?:^|\\s)[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]", re.M)

QUANTITY_COLUMNS = ["value", "unit", "phrase", "start", "end"]
LADDER_STEP_COLUMNS = ["step", "marker", "statement", "quantities", "start", "end"]


# ---------------------------------------------------------------- resources
def _read_word_list(name: str) -> frozenset[str]:
    text = resources.files("evaluation").joinpath("data", name).read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(unicodedata.normalize("NFC", line))
    return frozenset(words)


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """Packaged domain vocabulary kept whole by :func:`tokenize`.

    Returns
    -------
    frozenset of str
        The words in ``evaluation/data/domain_words.txt`` (สัมมาชีพ,
        บัญชีครัวเรือน, กลุ่มออมทรัพย์, ผักตบชวา, วิสาหกิจชุมชน, รพ.สต., ...).
        Extend with ``domain_words() | {"คำใหม่"}`` and pass the result as
        ``custom_words``.

    Examples
    --------
    >>> "บัญชีครัวเรือน" in domain_words()
    True
    """
    return _read_word_list("domain_words.txt")


@lru_cache(maxsize=1)
def default_stopwords() -> frozenset[str]:
    """pythainlp's Thai stopwords plus the packaged domain stopwords.

    Returns
    -------
    frozenset of str
        ``pythainlp.corpus.thai_stopwords()`` united with
        ``evaluation/data/domain_stopwords.txt`` (โครงการ, ดำเนินงาน, ฯลฯ, ...).

    Examples
    --------
    >>> {"การ", "โครงการ"} <= default_stopwords()
    True
    """
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | _read_word_list("domain_stopwords.txt")


@lru_cache(maxsize=8)
def _trie(extra: frozenset[str]):
    """Trie of pythainlp's words plus ``extra`` (built once per word set)."""
    from pythainlp.corpus import thai_words
    from pythainlp.util import dict_trie

    return dict_trie(set(thai_words()) | set(extra))


def _trie_for(custom_words: Iterable[str] | None):
    if custom_words is None:
        return _trie(domain_words())
    if isinstance(custom_words, str):
        raise ArgumentError("custom_words must be a collection of words, not a single string; "
                            f"got {custom_words!r}")
    return _trie(frozenset(normalize_text(w) for w in custom_words if w and w.strip()))


def _resolve_stopwords(stopwords: Iterable[str] | None) -> frozenset[str]:
    if stopwords is None:
        return default_stopwords()
    if isinstance(stopwords, str):
        raise ArgumentError(f"stopwords must be a collection of words, not a string; got {stopwords!r}")
    return frozenset(stopwords)


# ------------------------------------------------------------ normalisation
def normalize_text(text: str) -> str:
    """Normalise Thai text for analysis.

    Thai digits become Arabic digits, zero-width characters are removed, the
    text is put in Unicode NFC, pythainlp's ``normalize`` fixes common typing
    errors (เเ → แ, ํา → ำ, repeated tone marks and vowels), and runs of
    spaces and tabs become one space. Line breaks are kept (they separate
    list items).

    Parameters
    ----------
    text : str
        Any text; ``None`` and NaN give ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_text("ออม\u200bเงิน ๓๐  บาท")
    'ออมเงิน 30 บาท'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    if not isinstance(text, str):
        raise ArgumentError(f"text must be a string, got {type(text).__name__}: {text!r}")
    from pythainlp.util import normalize as _pythainlp_normalize

    text = unicodedata.normalize("NFC", text.translate(_ZERO_WIDTH)).translate(THAI_DIGITS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _NEEDS_THAI_FIX.search(text):  # pythainlp's normalize is slow: only when needed
        text = "\n".join(_pythainlp_normalize(line) for line in text.split("\n"))
    return _SPACE.sub(" ", text)


# ------------------------------------------------------------------- words
def _segment(text: str, trie) -> list[str]:
    """newmm tokens of already-normalised text, whitespace kept."""
    from pythainlp.tokenize import word_tokenize

    return word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=True)


def _is_word(token: str) -> bool:
    return bool(_WORD_CHAR.search(token))


def _content_words(tokens: Iterable[str], stopwords: frozenset[str]) -> list[str]:
    """Tokens that are words (Thai or Latin letters), lower-cased, not stopwords."""
    out = []
    for tok in tokens:
        tok = tok.strip()
        if len(tok) > 1 and _is_word(tok):
            tok = tok.lower()
            if tok not in stopwords:
                out.append(tok)
    return out


def tokenize(
    text: str,
    *,
    custom_words: Iterable[str] | None = None,
    keep_stopwords: bool = False,
    stopwords: Iterable[str] | None = None,
    keep_punctuation: bool = False,
) -> list[str]:
    """Split Thai text into words (pythainlp newmm with the domain dictionary).

    Parameters
    ----------
    text : str
        Text to segment; it is normalised first (:func:`normalize_text`).
    custom_words : collection of str, optional
        Words added to pythainlp's dictionary. Default: :func:`domain_words`
        (so สัมมาชีพ, บัญชีครัวเรือน, รพ.สต. ... stay whole). Passing a
        collection *replaces* the domain list; extend it with
        ``domain_words() | {...}``.
    keep_stopwords : bool, default False
        Keep stopwords (and one-character tokens). With ``False`` the result
        holds content words only: at least two characters, containing a Thai
        or Latin letter, not in ``stopwords``.
    stopwords : collection of str, optional
        Words dropped when ``keep_stopwords`` is False. Default:
        :func:`default_stopwords` (pythainlp's list + domain list).
    keep_punctuation : bool, default False
        With ``keep_stopwords=True``, also keep punctuation and number tokens.

    Returns
    -------
    list of str
        Tokens in text order, whitespace removed, Latin letters lower-cased
        when stopwords are removed.

    Examples
    --------
    >>> tokenize("สมาชิกทำบัญชีครัวเรือนทุกวัน")
    ['สมาชิก', 'ทำ', 'บัญชีครัวเรือน']
    >>> tokenize("สมาชิกทำบัญชีครัวเรือนทุกวัน", keep_stopwords=True)
    ['สมาชิก', 'ทำ', 'บัญชีครัวเรือน', 'ทุกวัน']
    """
    trie = _trie_for(custom_words)
    tokens = _segment(normalize_text(text), trie)
    if keep_stopwords:
        tokens = [t for t in tokens if t.strip()]
        if not keep_punctuation:
            tokens = [t for t in tokens if _is_word(t)]
        return tokens
    return _content_words(tokens, _resolve_stopwords(stopwords))


# --------------------------------------------------------------- sentences
# List markers the reports use: "1)", "1.", "(1)", "๑.", "-", "•" at a line
# start; numbered markers also inline after whitespace ("1) ... 2) ...").
_LINE_BULLET = re.compile(r"^\s*(?:[-–—•●▪○◦*]+\s*|\(?\d{1,2}\s*[.)](?!\d)\s*)")
_INLINE_NUMBER = re.compile(r"(?<=\s)\(?\d{1,2}[.)](?!\d)(?=\s*\S)")
_SENTENCE_END_PUNCT = ("!", "?", "…")


@dataclass(frozen=True)
class _Sentence:
    text: str
    tokens: tuple[str, ...]


def _list_segments(line: str) -> list[str]:
    """Cut one normalised line at list markers; markers are dropped."""
    line = _LINE_BULLET.sub("", line, count=1)
    if not line.strip():
        return []
    pieces, last = [], 0
    for m in _INLINE_NUMBER.finditer(line):
        pieces.append(line[last:m.start()])
        last = m.end()
    pieces.append(line[last:])
    return [p.strip() for p in pieces if p.strip()]


_CRF_WINDOW = 2
_CRF_SPANS = [(g, off) for g in (1, 2, 3) for off in range(-_CRF_WINDOW, _CRF_WINDOW + 2 - g)]


@lru_cache(maxsize=2)
def _flag_feature_table(kind: str, yes: str) -> tuple[tuple[str, ...], ...]:
    """All ender/starter features of a position, indexed by the 5-bit code of
    the flags at offsets -2..2 (the features only depend on those flags)."""
    table = []
    for code in range(32):
        flags = [yes if (code >> (4 - k)) & 1 else "normal" for k in range(5)]
        table.append(tuple(
            f"{kind}_{g}_{off}_{off + g}=" + "|".join(flags[off + 2:off + 2 + g])
            for g, off in _CRF_SPANS))
    return tuple(table)


def _crf_features(doc: list[str]) -> list[list[str]]:
    """The features of ``pythainlp.tokenize.crfcut._extract_features``
    (window 2, n-grams up to 3; same set, different order, which a CRF
    ignores), built about 3x faster: ender/starter features come from a
    lookup table, word n-grams are built column by column."""
    from pythainlp.tokenize.crfcut import _ENDERS, _STARTERS

    w = ["xxpad", "xxpad", *doc, "xxpad", "xxpad"]
    n = len(w)
    m = n - 4
    ef = [t in _ENDERS for t in w]
    sf = [t in _STARTERS for t in w]
    ce = [ef[i - 2] << 4 | ef[i - 1] << 3 | ef[i] << 2 | ef[i + 1] << 1 | ef[i + 2]
          for i in range(2, n - 2)]
    cs = [sf[i - 2] << 4 | sf[i - 1] << 3 | sf[i] << 2 | sf[i + 1] << 1 | sf[i + 2]
          for i in range(2, n - 2)]
    bi = [a + "|" + b for a, b in zip(w, w[1:])]
    tri = [a + "|" + b for a, b in zip(bi, w[2:])]
    seqs = {1: w, 2: bi, 3: tri}
    columns = []
    for g, off in _CRF_SPANS:
        prefix = f"word_{g}_{off}_{off + g}="
        lo = 2 + off
        columns.append([prefix + x for x in seqs[g][lo:lo + m]])
    et = _flag_feature_table("ender", "ender")
    st = _flag_feature_table("starter", "starter")
    return [["bias", *words, *et[a], *st[b]] for words, a, b in zip(zip(*columns), ce, cs)]


@lru_cache(maxsize=1)
def _crf_tagger():
    from pythainlp.tokenize import crfcut

    return crfcut._tagger


def _crf_split(tokens: list[str]) -> list[list[str]]:
    """Group tokens into sentences with the crfcut model.

    Follows pythainlp's ``crfcut.segment`` except for full stops: Thai
    reports use "." in abbreviations (ต. อ. จ. ม. รพ.สต. พอช.), so "." ends
    a sentence only as a token of its own; "!", "?" and "…" always do.
    """
    labels = _crf_tagger().tag(_crf_features(tokens))
    labels[-1] = "E"
    for idx, tok in enumerate(tokens):
        stripped = tok.strip()
        if stripped.endswith(_SENTENCE_END_PUNCT) or stripped == ".":
            labels[idx] = "E"
        elif labels[idx] == "E" and (idx == 0 or labels[idx - 1] == "E") and not stripped:
            labels[idx] = "I"
    out, current = [], []
    for tok, lab in zip(tokens, labels):
        current.append(tok)
        if lab == "E":
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _sentences(text: str, trie, engine: str = "crfcut") -> list[_Sentence]:
    """Sentences of ``text`` with their tokens (each text segmented once)."""
    result = []
    for line in normalize_text(text).split("\n"):
        for segment in _list_segments(line):
            tokens = _segment(segment, trie)
            if engine == "crfcut" and any(not t.strip() for t in tokens):
                groups = _crf_split(tokens)
            elif engine == "whitespace":
                groups, cur = [], []
                for t in tokens:
                    cur.append(t)
                    if not t.strip():
                        groups.append(cur)
                        cur = []
                groups.append(cur)
            else:
                groups = [tokens]
            for group in groups:
                sent = "".join(group).strip()
                if sent and _is_word(sent):
                    result.append(_Sentence(sent, tuple(t for t in group if t.strip())))
    return result


_SENTENCE_ENGINES = ("crfcut", "whitespace", "lines")


def _check_engine(engine: str) -> None:
    if engine not in _SENTENCE_ENGINES:
        raise ArgumentError(f"engine must be one of {_SENTENCE_ENGINES}, got {engine!r}")


def split_sentences(
    text: str, *, custom_words: Iterable[str] | None = None, engine: str = "crfcut"
) -> list[str]:
    """Split a lessons text into sentences.

    The text is first cut at line breaks and list markers (``1)``, ``1.``,
    ``(1)``, ``-``, ``•`` at a line start; ``1)`` / ``1.`` also inline after a
    space, as in "1) ... 2) ..."), markers removed; each piece is then cut by
    pythainlp's crfcut model run on the same newmm tokens used for analysis.

    Parameters
    ----------
    text : str
    custom_words : collection of str, optional
        Dictionary words, as in :func:`tokenize`.
    engine : {"crfcut", "whitespace", "lines"}, default "crfcut"
        How pieces are cut after the line/list step: the crfcut model, at
        every space (fast, clause-sized "sentences"), or not at all.

    Returns
    -------
    list of str
        Normalised sentences, stripped, in text order.

    Notes
    -----
    Unlike pythainlp's own ``crfcut.segment``, a token ending in "." does not
    end a sentence (Thai abbreviations such as ต. อ. รพ.สต. would cut every
    address); a lone "." token, "!", "?" and "…" do.

    Examples
    --------
    >>> split_sentences("บทเรียน\\n1) ทีมต้องชัดเจน 2) ทำบัญชีทุกวัน")
    ['บทเรียน', 'ทีมต้องชัดเจน', 'ทำบัญชีทุกวัน']
    """
    _check_engine(engine)
    return [s.text for s in _sentences(text, _trie_for(custom_words), engine)]


# -------------------------------------------------------------- quantities
_NUM_WORD_PARTS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า",
                   "สิบ", "ยี่", "เอ็ด", "ร้อย", "พัน", "หมื่น", "แสน", "ล้าน")
_MULTIPLIERS = {"สิบ": 10, "ร้อย": 100, "พัน": 1_000, "หมื่น": 10_000, "แสน": 100_000,
                "ล้าน": 1_000_000}
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDS = "(?:" + "|".join(_NUM_WORD_PARTS) + ")+"
_MULT = "(?:" + "|".join(_MULTIPLIERS) + ")"
_NUMBER = (rf"(?:(?<![\d.,])(?P<@d>{_DIGITS})(?![\d])(?:\s?(?P<@m>{_MULT}))?"
           rf"|(?<!หลาย)(?<!นับ)(?<!หลัก)(?P<@w>{_WORDS}))")


def _number(prefix: str) -> str:
    return _NUMBER.replace("@", prefix)

#: Canonical unit -> alternatives as written (longest first where it matters).
UNITS: dict[str, str] = {
    "ครัวเรือน": "ครัวเรือน|หลังคาเรือน",
    "ครอบครัว": "ครอบครัว",
    "หมู่บ้าน": "หมู่บ้าน",
    "กลุ่ม": "กลุ่ม",
    "คน": "คน(?!ละ)",
    "ราย": "ราย(?!ได้|จ่าย|รับ|การ|งาน|ละ)",
    "บาท": "บาท",
    "ครั้ง": "ครั้ง(?!ละ)",
    "วัน": "วัน(?!ละ|ที่)",
    "สัปดาห์": "สัปดาห์(?!ละ)",
    "เดือน": "เดือน(?!ละ)",
    "ปี": "ปี(?!ละ)",
    "ไร่": "ไร่",
    "กิโลกรัม": r"กิโลกรัม|กก\.|กิโล",
    "%": "%|เปอร์เซ็นต์|เปอร์เซนต์",
}
_PER = {"วัน": "วัน", "เดือน": "เดือน", "ปี": "ปี", "ครั้ง": "ครั้ง", "คน": "คน",
        "สัปดาห์": "สัปดาห์", "ครัวเรือน": "ครัวเรือน", "กิโลกรัม": "กิโลกรัม",
        "กิโล": "กิโลกรัม", "ไร่": "ไร่"}
_PER_ALT = "|".join(_PER)
_UNIT_ALT = "|".join(f"(?P<u_{i}>{alt})" for i, alt in enumerate(UNITS.values()))
_UNIT_NAMES = list(UNITS)

_QUANTITY = re.compile(
    # วันละ 1 บาท / เดือนละ 30 บาท / คนละ 100 บาท
    rf"(?P<pre>{_PER_ALT})ละ\s?{_number('a')}\s?บาท"
    # ร้อยละ 80
    rf"|ร้อยละ\s?{_number('b')}"
    # 1,500 บาท, 30 คน, 1 บาท/วัน, 300 บาทต่อเดือน, สามสิบคน
    rf"|{_number('c')}\s?(?:{_UNIT_ALT})(?:\s?(?:/|ต่อ)\s?(?P<per>{_PER_ALT}))?"
)


def _number_value(digits: str | None, mult: str | None, words: str | None) -> float | None:
    if digits is not None:
        value = float(digits.replace(",", ""))
        return value * _MULTIPLIERS[mult] if mult else value
    from pythainlp.util import thaiword_to_num

    try:
        return float(thaiword_to_num(words))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _quantity_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "value": np.array([r["value"] for r in rows], dtype="float64"),
        "unit": pd.array([r["unit"] for r in rows], dtype="str"),
        "phrase": pd.array([r["phrase"] for r in rows], dtype="str"),
        "start": np.array([r["start"] for r in rows], dtype="int64"),
        "end": np.array([r["end"] for r in rows], dtype="int64"),
    })


def _quantity_rows(text: str, offset: int = 0) -> list[dict]:
    if not isinstance(text, str):
        raise ArgumentError(f"text must be a string, got {type(text).__name__}: {text!r}")
    scan = text.translate(THAI_DIGITS)  # one character for one: offsets stay valid
    rows = []
    for m in _QUANTITY.finditer(scan):
        g = m.groupdict()
        if g["pre"] is not None:
            value = _number_value(g["ad"], g["am"], g["aw"])
            unit = f"บาท/{_PER[g['pre']]}"
        elif m.group(0).startswith("ร้อยละ"):
            value = _number_value(g["bd"], g["bm"], g["bw"])
            unit = "%"
        else:
            value = _number_value(g["cd"], g["cm"], g["cw"])
            unit = next(_UNIT_NAMES[i] for i in range(len(_UNIT_NAMES))
                        if g[f"u_{i}"] is not None)
            if g["per"] is not None:
                unit = f"{unit}/{_PER[g['per']]}"
        if value is None:
            continue
        rows.append({"value": value, "unit": unit, "phrase": text[m.start():m.end()],
                     "start": m.start() + offset, "end": m.end() + offset})
    return rows


def extract_quantities(text: str | pd.DataFrame, *, column: str = "text") -> pd.DataFrame:
    """Find numbers with their units in Thai text.

    Parameters
    ----------
    text : str or pandas.DataFrame
        Raw text (Thai or Arabic digits; no normalisation needed), or a table
        such as the lessons table, whose ``column`` is searched row by row.
    column : str, default "text"
        Text column when ``text`` is a DataFrame.

    Returns
    -------
    pandas.DataFrame
        One row per quantity, in text order:

        ``value`` (float)
            The number; thousands separators removed, Thai number words
            converted (สามสิบ → 30), digit + multiplier word multiplied
            (1.5 แสน → 150000).
        ``unit`` (str)
            Canonical unit: ``คน, ราย, ครัวเรือน, ครอบครัว, หมู่บ้าน, กลุ่ม,
            บาท, ครั้ง, วัน, สัปดาห์, เดือน, ปี, ไร่, กิโลกรัม, %``; a rate is
            written ``บาท/วัน``, ``บาท/เดือน``, ``บาท/คน`` ... from either
            "1 บาท/วัน", "1 บาทต่อวัน" or "วันละ 1 บาท".
        ``phrase`` (str)
            The matched text as written (e.g. ``"วันละ ๑ บาท"``).
        ``start``, ``end`` (int)
            Character offsets in the text (``text[start:end] == phrase``).

        For a DataFrame input the rows are preceded by ``text_id`` (row
        position in the table) and the table's other columns
        (``village_id, section`` for the lessons table).

    Notes
    -----
    Only numbers followed (or, for rates and ร้อยละ, preceded) by a known
    unit are returned: dates, village numbers (ม.11) and list markers are
    not quantities. Thai number words are only read when a unit follows, so
    สามารถ ("can") is not 3. "หลายล้านบาท" (many millions) is skipped.

    Examples
    --------
    >>> extract_quantities("สมาชิก ๓๐ คน เก็บออมวันละ 1 บาท รวม 1,500 บาท")[["value", "unit"]]
        value     unit
    0    30.0       คน
    1     1.0  บาท/วัน
    2  1500.0      บาท
    """
    if isinstance(text, pd.DataFrame):
        require_columns(text, {"column": column}, what="text")
        frame = text.reset_index(drop=True)
        other = [c for c in frame.columns if c != column]
        rows, meta = [], frame[other].to_dict("records")
        for text_id, value in enumerate(frame[column].tolist()):
            if isinstance(value, str):
                for r in _quantity_rows(value):
                    rows.append({"text_id": text_id, **meta[text_id], **r})
        out = _quantity_frame(rows)
        ids = np.array([r["text_id"] for r in rows], dtype="int64")
        lead = frame[other].iloc[ids].reset_index(drop=True) if rows else frame[other].iloc[:0]
        return pd.concat([pd.DataFrame({"text_id": ids}), lead.reset_index(drop=True), out],
                         axis=1)
    return _quantity_frame(_quantity_rows(text))


# ----------------------------------------------------------- ladder steps
_LADDER_KEY = (r"(?:บันไดผลลัพธ์|บันได)\s*(?:ขั้น)?\s*(?:ที่)?\s*"
               r"|ผลลัพธ์\s*(?:ขั้น)?\s*ที่\s*")
_LADDER_MARKER = re.compile(
    rf"(?P<lead>[-–•*]\s*)?(?:{_LADDER_KEY})(?P<n>\d{{1,2}})(?!\d|,\d)\s*(?:[.):](?!\d))?")
_BARE_MARKER = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[-–•]))(?P<n>\d{1,2})\s*[.)](?!\d)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_STRIP = " \t\n-–•*.:;,)"


def extract_ladder_steps(text: str) -> pd.DataFrame:
    """Find outcome-ladder steps written inline in a narrative report.

    Recognises "บันไดผลลัพธ์ 1. …", "บันไดผลลัพธ์ขั้นที่ 1 …",
    "บันไดขั้นที่ 2 …", "ผลลัพธ์ที่ 2. …", "-ผลลัพธ์ที่3 .…" (Thai or Arabic
    digits). After a keyword marker, plain numbers continuing the sequence
    ("บันไดผลลัพธ์ 1. … 2. … 3. …") also start steps. A step's statement
    runs to the next step or to the end of its paragraph (blank line).

    Parameters
    ----------
    text : str

    Returns
    -------
    pandas.DataFrame
        One row per step found, in text order:

        ``step`` (int)
            The step number as written.
        ``marker`` (str)
            The marker text (e.g. ``"ผลลัพธ์ที่ 2."``).
        ``statement`` (str)
            The outcome statement, marker and surrounding punctuation removed.
        ``quantities`` (list of dict)
            Quantities found in the statement, each ``{"value", "unit",
            "phrase"}`` as in :func:`extract_quantities`; ``[]`` if none.
            ``steps.explode("quantities")`` gives a draft indicator table.
        ``start``, ``end`` (int)
            Offsets of the whole step (marker + statement) in ``text``.

    Examples
    --------
    >>> s = extract_ladder_steps("บันไดผลลัพธ์ 1. ครัวเรือนทำบัญชี 30 ครัวเรือน "
    ...                          "2. สมาชิกออมวันละ 1 บาท")
    >>> s["statement"].tolist()
    ['ครัวเรือนทำบัญชี 30 ครัวเรือน', 'สมาชิกออมวันละ 1 บาท']
    >>> s.loc[1, "quantities"]
    [{'value': 1.0, 'unit': 'บาท/วัน', 'phrase': 'วันละ 1 บาท'}]
    """
    if not isinstance(text, str):
        raise ArgumentError(f"text must be a string, got {type(text).__name__}: {text!r}")
    scan = text.translate(THAI_DIGITS)
    keyed = list(_LADDER_MARKER.finditer(scan))
    markers: list[tuple[int, int, int]] = []  # (start, end of marker, step)
    for k, m in enumerate(keyed):
        markers.append((m.start(), m.end(), int(m.group("n"))))
        region_end = keyed[k + 1].start() if k + 1 < len(keyed) else len(scan)
        para = _PARAGRAPH_BREAK.search(scan, m.end(), region_end)
        if para:
            region_end = para.start()
        expected, pos = int(m.group("n")) + 1, m.end()
        for b in _BARE_MARKER.finditer(scan, pos, region_end):
            if int(b.group("n")) == expected:
                markers.append((b.start(), b.end(), expected))
                expected += 1
    markers.sort()
    rows = []
    for k, (start, mend, step) in enumerate(markers):
        end = markers[k + 1][0] if k + 1 < len(markers) else len(scan)
        para = _PARAGRAPH_BREAK.search(scan, mend, end)
        if para:
            end = para.start()
        raw = text[mend:end]
        lead = len(raw) - len(raw.lstrip(_STRIP))
        statement = raw.strip(_STRIP)
        stmt_start = mend + lead
        quantities = [{"value": q["value"], "unit": q["unit"], "phrase": q["phrase"]}
                      for q in _quantity_rows(text[stmt_start:stmt_start + len(statement)])]
        rows.append({"step": step, "marker": text[start:mend].strip(), "statement": statement,
                     "quantities": quantities, "start": start,
                     "end": stmt_start + len(statement)})
    out = pd.DataFrame(rows, columns=LADDER_STEP_COLUMNS)
    return out.astype({"step": "int64", "start": "int64", "end": "int64"})
