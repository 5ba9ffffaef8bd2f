"""Personal data in free text: find it and mask it before a report leaves
the village (Thailand's PDPA, 2019).

:func:`redact_pii` masks Thai national ID numbers (only when the checksum is
valid), Thai phone numbers, e-mail addresses, personal names after a title
(นาย, นาง, นางสาว, น.ส., ด.ช., ด.ญ., Mr, Mrs, Ms, ...) and the names of the
participants table. Replacements are numbered per text and stable: the same
person gets the same token every time (``[ชื่อ-1]``), so a redacted quote
still reads naturally. :func:`pii_report` lists what was found, for the
evaluator only. :func:`redact_frame` redacts text columns of a table; every
report goes through it.

The rules and what they cannot catch are documented in ``docs/lessons.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from .errors import ArgumentError, require_columns

from .names import FORMAL_TITLES, find_names
from .text import THAI_DIGITS, _segment, _trie_for

__all__ = [
    "thai_id_valid",
    "redact_pii",
    "pii_report",
    "redact_frame",
    "names_from_participants",
    "checked_names",
    "find_pii",
    "DEFAULT_TITLES",
    "PII_REPORT_COLUMNS",
]

PII_REPORT_COLUMNS = ["kind", "value", "start", "end", "replacement", "rule"]

#: Formal titles after which whatever Thai word follows is a name. Role
#: titles (คุณ, ครู, อ., กำนัน, ผู้ใหญ่บ้าน, อสม., พระ, ...) and kinship terms (ป้า,
#: ลุง, พี่, น้อง, แม่, ...) are handled in :mod:`evaluation.names`: they count as
#: titles only when a given name or nickname follows.
DEFAULT_TITLES: tuple[str, ...] = FORMAL_TITLES
_LATIN_TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr)"

#: Kinds of personal data, with their replacement labels.
KINDS: dict[str, dict[str, str]] = {
    "name": {"th": "ชื่อ", "en": "name"},
    "national_id": {"th": "เลขบัตร", "en": "id"},
    "phone": {"th": "โทร", "en": "phone"},
    "email": {"th": "อีเมล", "en": "email"},
    "line_id": {"th": "ไลน์", "en": "line"},
    "social": {"th": "โซเชียล", "en": "social"},
    "address": {"th": "ที่อยู่", "en": "address"},
    "bank_account": {"th": "บัญชี", "en": "account"},
    "plate": {"th": "ทะเบียนรถ", "en": "plate"},
}
_LABELS = {lang: {k: v[lang] for k, v in KINDS.items()} for lang in ("th", "en")}
_PRIORITY = {"email": 0, "line_id": 1, "social": 2, "national_id": 3, "bank_account": 4,
             "phone": 5, "plate": 6, "address": 7, "name": 8}

_THAI_CHAR = "\u0e01-\u0e4e"
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}")
# Digit groups joined by one separator: "1-2345-67890-12-3", "081 234 5678",
# "(02) 123 4567", "+66 81 234 5678".
_SEP = r"(?:[ \t]?[-.][ \t]?|[ \t]{1,2}|\)[ \t]?-?[ \t]?)"
_DIGIT_RUN = re.compile(rf"(?P<plus>\+[ \t]?66[ \t]?-?[ \t]?\(?0?\)?[ \t]?|\(\+66\)[ \t]?)?"
                        rf"\(?\d+(?:{_SEP}\d+)*")
_GROUP = re.compile(r"\d+")


def thai_id_valid(value: str | int) -> bool:
    """Whether a Thai national ID number has a valid check digit.

    Parameters
    ----------
    value : str or int
        13 digits, Arabic or Thai, with or without dashes/spaces.

    Returns
    -------
    bool
        ``False`` for anything that is not 13 digits.

    Notes
    -----
    With digits d1..d13: ``s = sum(d_i * (14 - i) for i = 1..12)`` and the
    ID is valid when ``d13 == (11 - s % 11) % 10``.

    Examples
    --------
    >>> thai_id_valid("1-1037-02298-47-6")   # s = 247, (11 - 247 % 11) % 10 = 6
    True
    >>> thai_id_valid("1103702298477")       # wrong check digit
    False
    """
    digits = re.sub(r"[\s-]", "", str(value).translate(THAI_DIGITS))
    if not re.fullmatch(r"\d{13}", digits):
        return False
    s = sum(int(d) * (14 - i) for i, d in enumerate(digits[:12], start=1))
    return int(digits[12]) == (11 - s % 11) % 10


def names_from_participants(participants: pd.DataFrame | None, *, column: str = "name") -> list:
    """Names to mask from a participants table (empty when there is no name column).

    Parameters
    ----------
    participants : pandas.DataFrame or None
    column : str, default "name"

    Returns
    -------
    list of str
        Non-blank names, in table order, duplicates removed.
    """
    if participants is None or column not in getattr(participants, "columns", ()):
        if participants is not None and not isinstance(participants, pd.DataFrame):
            raise ArgumentError("participants must be a pandas DataFrame (the participants table), "
                                f"got {type(participants).__name__}")
        return []
    values = participants[column].dropna().astype(str).str.strip()
    return list(dict.fromkeys(v for v in values if v))


_LATIN_NAME = re.compile(rf"\b{_LATIN_TITLES}\.?[ \t]+(?P<first>[A-Z][a-zA-Z'-]+)"
                         rf"(?:[ \t](?P<last>[A-Z][a-zA-Z'-]+))?")


def _split_name(name: str, titles: tuple[str, ...]) -> tuple[str, str]:
    name = re.sub(r"\s+", " ", name.translate(THAI_DIGITS)).strip()
    for t in sorted(titles, key=len, reverse=True):
        if name.startswith(t):
            name = name[len(t):].strip()
            break
    m = re.match(rf"(?:{_LATIN_TITLES}\.?\s+)", name)
    if m:
        name = name[m.end():]
    first, _, last = name.partition(" ")
    return first.strip(), last.strip()


def _token_bounds(text: str) -> tuple[set[int], set[int]] | None:
    toks = _segment(text, _trie_for(None))
    if "".join(toks) != text:
        return None
    starts, ends, pos = set(), set(), 0
    for t in toks:
        starts.add(pos)
        pos += len(t)
        ends.add(pos)
    return starts, ends


class _WordBounds:
    """Whether a span of a text starts and ends between words. The text is
    segmented on the first question only: most texts hold no name piece at all,
    and segmenting was a third of a national scan's time."""

    def __init__(self, text: str):
        self.text = text
        self.bounds = None
        self.segmented = False

    def fits(self, start: int, end: int) -> bool:
        if not self.segmented:
            self.bounds = _token_bounds(self.text)
            self.segmented = True
        # text that segmentation does not give back whole: every span fits
        return self.bounds is None or (start in self.bounds[0] and end in self.bounds[1])


# ------------------------------------------------ contact handles and places
_LATIN_HANDLE = r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9_]|[A-Za-z0-9]"
_LINE_LABEL = (r"(?:(?:ID|Id|id|ไอดี)[ \t]*(?:LINE|Line|line|ไลน์)|(?:LINE|Line|line|ไลน์)"
               r"(?:[ \t]*(?:ID|Id|id|ไอดี))?)")
# "line id: somchai123", "ไลน์ @kanya_shop", "ID Line somchai", "แอดไลน์มาที่ @x"
_LINE = re.compile(
    rf"(?<![A-Za-z0-9-]){_LINE_LABEL}(?![A-Za-z])[ \t]*[:：=]?[ \t]*"
    rf"(?P<v>@(?:{_LATIN_HANDLE})|(?=[A-Za-z0-9._-]*[A-Za-z])(?:{_LATIN_HANDLE}))"
    rf"|(?<![A-Za-z0-9-])(?:LINE|Line|line|ไลน์)[{_THAI_CHAR} \t]{{1,15}}?(?P<v2>@(?:{_LATIN_HANDLE}))")
_LINE_URL = re.compile(r"(?:https?://)?line\.me/[^\s<>\"')\]]+")
_SOCIAL_URL = re.compile(r"(?:https?://)?(?:www\.|m\.|web\.)?(?:facebook\.com|fb\.com|fb\.me"
                         r"|instagram\.com|instagr\.am|tiktok\.com|twitter\.com|x\.com)"
                         r"/[^\s<>\"')\]]+")
_AT_HANDLE = re.compile(r"(?<![\w.@])@(?P<v>[A-Za-z0-9][A-Za-z0-9._]{1,})")
_SOCIAL_LABEL = (r"(?:เฟซบุ๊ก|เฟซบุ๊ค|เฟสบุ๊ก|เฟสบุ๊ค|เฟสบุค|เฟซบุค|เฟส|เฟซ|Facebook|facebook|FB|fb"
                 r"|อินสตาแกรม|อินสตา|ไอจี|Instagram|instagram|IG|ig|ติ๊กต็อก|TikTok|tiktok)")
_NOT_HANDLE = frozenset({"live", "page", "fanpage", "marketplace", "group", "groups",
                         "messenger", "story", "reels", "post", "and", "or", "line", "และ"})
# a Latin name after the label, or a Thai name after ชื่อ / ":"
_SOCIAL = re.compile(
    rf"(?<![A-Za-z0-9]){_SOCIAL_LABEL}(?![A-Za-z])[ \t]*(?:(?:ชื่อ(?:ว่า)?|:|：)[ \t]*)?"
    rf"(?P<v>\"[^\"\n]{{2,40}}\"|“[^”\n]{{2,40}}”|[A-Za-z][A-Za-z0-9._]*(?:[ \t][A-Z][A-Za-z0-9._]*){{0,2}})"
    rf"|(?<![A-Za-z0-9]){_SOCIAL_LABEL}(?![A-Za-z])[ \t]*(?:ชื่อ(?:ว่า)?|:|：)[ \t]*(?P<t>[{_THAI_CHAR}]+(?:[ \t][{_THAI_CHAR}]+)?)")
_HOUSE_UNIT = r"\d+(?:/\d+)?(?:[ \t]*(?:หมู่(?:ที่)?|ม\.)[ \t]*\d+)?"
# "บ้านเลขที่ 45/2 หมู่ 3", "ที่อยู่ 12 ม.4", "เลขที่ 7 หมู่ 2", "อยู่ 99/1 ม.5"
_HOUSE = re.compile(
    rf"(?:บ้าน[ \t]?เลขที่|บ้านเลข|ที่อยู่(?:เลขที่)?)[ \t]*[:：]?[ \t]*(?P<v>{_HOUSE_UNIT})(?![\d/])"
    rf"|เลขที่[ \t]*(?P<v2>\d+(?:/\d+)?[ \t]*(?:หมู่(?:ที่)?|ม\.)[ \t]*\d+)(?!\d)"
    rf"|(?<![\d/])(?P<v3>\d+/\d+[ \t]*(?:หมู่(?:ที่)?|ม\.)[ \t]*\d+)(?!\d)")
_BANK_WORDS = (r"(?:ธ\.ก\.ส\.?|ธกส\.?|ธนาคาร|กรุงไทย|กสิกร(?:ไทย)?|ไทยพาณิชย์|ออมสิน|กรุงศรี|กรุงเทพ"
               r"|ทหารไทย|ทีทีบี|ttb|TTB|SCB|KBank|KBANK|BBL|KTB|GSB|BAAC|ธอส\.?|ยูโอบี|ซีไอเอ็มบี"
               r"|บัญชี|บช\.|account|Account|A/C|a/c|พร้อมเพย์|PromptPay|promptpay)")
# a 10–15-digit number shortly after a bank word (not across โทร / เบอร์)
_BANK = re.compile(rf"{_BANK_WORDS}(?:(?!โทร|เบอร์|ติดต่อ|มือถือ)[^\d\n]){{0,30}}?"
                   r"(?<!\d)(?P<v>\d(?:[ \t]?-?[ \t]?\d){9,14})(?![\d/])")
_ID_LABEL = (r"(?:เลข(?:ที่)?(?:บัตร)?(?:ประจำตัว)?(?:ประชาชน)|เลขบัตร|บัตรประชาชน|บัตร[ \t]*ปชช\.?"
             r"|เลข[ \t]*ปชช\.?|เลขประจำตัว|ID[ \t]*[Cc]ard|id[ \t]*card|[Cc]itizen[ \t]*ID)")
# a 12–14-digit number labelled as an ID: masked whatever its check digit
_ID_LABELLED = re.compile(rf"{_ID_LABEL}[^\d\n]{{0,15}}?(?<!\d)"
                          r"(?P<v>\d(?:[ \t]?-?[ \t]?\d){11,13})(?!\d)")


@lru_cache(maxsize=1)
def _plate_regex() -> re.Pattern:
    from pythainlp.corpus import provinces

    names = set(provinces(details=False)) | {"กทม.", "กทม", "กรุงเทพฯ", "กรุงเทพ"}
    alts = "|".join(re.escape(p) for p in sorted(names, key=len, reverse=True))
    plate = r"(?<![\u0e01-\u0e4e\d])(?P<v>\d?[ก-ฮ]{1,2}[ \t]?-?[ \t]?\d{1,4})(?![\d/.])"
    return re.compile(rf"(?:ทะเบียน(?:รถ)?|ป้าย(?:ทะเบียน)?)[ \t]*(?:รถ)?[ \t]*[:：]?[ \t]*"
                      rf"{plate}(?P<p>[ \t]*(?:{alts}))?|{plate.replace('(?P<v>', '(?P<w>')}"
                      rf"(?P<q>[ \t]*(?:จ\.|จังหวัด)?[ \t]*(?:{alts}))")


def _handles(scan: str) -> list[tuple[int, int, str, str, str]]:
    """LINE ids, social names and URLs, house numbers, bank accounts, plates,
    labelled ID numbers: (start, end, kind, key, rule)."""
    out = []
    for m in _LINE_URL.finditer(scan):
        out.append((m.start(), m.end(), "line_id", m.group(0).lower(), "line_url"))
    for m in _LINE.finditer(scan):
        g = "v" if m.group("v") else "v2"
        out.append((m.start(g), m.end(g), "line_id", m.group(g).lower().lstrip("@"), "line"))
    for m in _SOCIAL_URL.finditer(scan):
        out.append((m.start(), m.end(), "social", m.group(0).lower(), "social_url"))
    for m in _SOCIAL.finditer(scan):
        g = "v" if m.group("v") else "t"
        value = m.group(g)
        if g == "t":
            value = _cut_thai(value)
        if value.strip("\"“”").lower() in _NOT_HANDLE or len(value) < 2:
            continue
        out.append((m.start(g), m.start(g) + len(value), "social", value.lower(), "social_name"))
    for m in _AT_HANDLE.finditer(scan):
        out.append((m.start(), m.end(), "social", m.group("v").lower(), "at_handle"))
    for m in _HOUSE.finditer(scan):
        g = next(k for k in ("v", "v2", "v3") if m.group(k))
        out.append((m.start(g), m.end(g), "address", re.sub(r"\s", "", m.group(g)), "house_number"))
    for m in _BANK.finditer(scan):
        out.append((m.start("v"), m.end("v"), "bank_account", re.sub(r"\D", "", m.group("v")),
                    "bank_account"))
    for m in _ID_LABELLED.finditer(scan):
        out.append((m.start("v"), m.end("v"), "national_id", re.sub(r"\D", "", m.group("v")),
                    "id_labelled"))
    for m in _plate_regex().finditer(scan):
        g, p = ("v", "p") if m.group("v") else ("w", "q")
        end = m.end(p) if m.group(p) else m.end(g)
        out.append((m.start(g), end, "plate", re.sub(r"[\s-]", "", m.group(g)), "plate"))
    return out


def _cut_thai(value: str) -> str:
    """A Thai social-media name: up to two words, cut before a verb or function word."""
    from .names import STOPPERS

    words = value.split()
    kept = []
    for w in words[:2]:
        toks = [t for t in _segment(w, _trie_for(None)) if t.strip()]
        cut = []
        for t in toks:
            if t in STOPPERS and (cut or kept):
                break
            cut.append(t)
        if not cut or (kept and toks[0] in STOPPERS):
            break
        kept.append("".join(cut))
        if len(cut) < len(toks):
            break
    return " ".join(kept)


def _glued(scan: str, pos: int, *, before: bool) -> bool:
    """Whether a digit group at ``pos`` is part of something else: a decimal
    ("2733.333"), a fraction or a date ("1/2"), a hexadecimal hash or a word."""
    if before:
        prev = scan[pos - 1] if pos > 0 else ""
        prev2 = scan[pos - 2] if pos > 1 else ""
        return bool(re.match(r"[A-Za-z_]", prev)) or (prev in ".,/:" and prev2.isdigit())
    nxt = scan[pos] if pos < len(scan) else ""
    nxt2 = scan[pos + 1] if pos + 1 < len(scan) else ""
    return bool(re.match(r"[A-Za-z_]", nxt)) or (nxt in ".,/:" and nxt2.isdigit())


def _find_candidates(text: str, names: Iterable[str] | None, titles: tuple[str, ...]):
    """(start, end, kind, key, rule) candidates, overlapping allowed."""
    scan = text.translate(THAI_DIGITS)
    cands = []
    # e-mail
    for m in _EMAIL.finditer(text):
        cands.append((m.start(), m.end(), "email", m.group(0).lower(), "email"))
    # national IDs and phones: walk digit runs group by group
    for run in _DIGIT_RUN.finditer(scan):
        plus = run.group("plus") or ""
        base = run.start() + len(plus)
        groups = [(g.start() + base, g.end() + base, g.group(0))
                  for g in _GROUP.finditer(run.group(0)[len(plus):])]
        if plus:  # +66: 9 digits for a mobile (6/8/9...), 8 for a landline (2-7...)
            digits = ""
            for k, g in enumerate(groups):
                digits += g[2]
                want = 9 if digits[0] in "689" else 8
                if len(digits) >= want:
                    if len(digits) == want and digits[0] != "0":
                        cands.append((run.start(), g[1], "phone", "0" + digits, "phone_+66"))
                        groups = groups[k + 1:]
                    break
        for i in range(len(groups)):
            if _glued(scan, groups[i][0], before=True):
                continue
            digits, lengths = "", []
            for j in range(i, len(groups)):
                digits += groups[j][2]
                lengths.append(len(groups[j][2]))
                glued = _glued(scan, groups[j][1], before=False)
                if (len(digits) == 13 and thai_id_valid(digits) and not glued
                        and lengths in ([13], [1, 4, 5, 2, 1])):
                    cands.append((groups[i][0], groups[j][1], "national_id", digits,
                                  "id_checksum"))
                if digits[0] == "0" and len(digits) in (9, 10) and not glued \
                        and lengths.count(1) <= 1:
                    kind = ("phone_mobile" if len(digits) == 10 and digits[1] in "689"
                            else "phone_landline" if len(digits) == 9 and digits[1] in "234567"
                            else None)
                    if kind:
                        start = groups[i][0]
                        if start > 0 and scan[start - 1] == "(":
                            start -= 1
                        cands.append((start, groups[j][1], "phone", digits, kind))
                if len(digits) >= 13:
                    break
    # participants' names (split, filtered and compiled once per name list)
    names_key = (tuple(names) if isinstance(names, _CheckedNames)
                 else tuple(n for n in (names or ()) if isinstance(n, str)), tuple(titles))
    first_names, patterns = _prepare_names(*names_key)
    bounds = _WordBounds(scan)
    if len(patterns) > _INDEXED_NAMES:
        cands.extend(_indexed_name_candidates(scan, names_key, patterns, bounds))
    for full, pieces, key in (patterns if len(patterns) <= _INDEXED_NAMES else ()):
        # the full pattern needs both names literally: skip its regex (slow: optional
        # titles are tried at every position) when either is absent
        if full is not None and all(p in scan for p in key.split(" ")):
            for m in _compiled(full).finditer(scan):
                cands.append((m.start(), m.end(), "name", key, "participant_name"))
        for piece, rule in pieces:
            i = scan.find(piece)
            while i >= 0:
                j = i + len(piece)
                if bounds.fits(i, j):
                    cands.append((i, j, "name", key, rule))
                i = scan.find(piece, i + 1)
    # names after titles and kinship terms, and untitled names from the dictionaries
    firsts = frozenset(first_names)
    lasts = frozenset(k.partition(" ")[2] for k in first_names.values() if " " in k)
    extra = tuple(t for t in titles if t not in FORMAL_TITLES)
    for start, end, first, rule in find_names(scan, first_names=firsts, surnames=lasts,
                                              extra_titles=extra):
        key = first_names.get(first) or next(
            (v for k, v in first_names.items() if first.endswith(k)), first)
        cands.append((start, end, "name", key, rule))
    cands.extend(_handles(scan))
    for m in _LATIN_NAME.finditer(text):
        key = first_names.get(m.group("first"), m.group("first"))
        cands.append((m.start(), m.end(), "name", key, "title"))
    return cands


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern:
    """``re.compile(pattern)``, kept per process (a participant's full-name pattern)."""
    return re.compile(pattern)


@lru_cache(maxsize=64)
def _prepare_names(names: tuple[str, ...], titles: tuple[str, ...]):
    """Per name list: first-name lookup and, per person, the full-name pattern (its
    source; :func:`_compiled` compiles it once both names occur in a text) and the
    single pieces (first name, distinctive surname) to look for.

    Cached so that redacting many texts against the same participants costs one
    compilation, not one per text.
    """
    first_names: dict[str, str] = {}
    patterns = []
    title_alt = "|".join(re.escape(t) for t in sorted(set(titles), key=len, reverse=True))
    dictionary = None
    for name in names:
        first, last = _split_name(name, titles)
        if len(first) < 2:
            continue
        key = f"{first} {last}".strip()
        first_names.setdefault(first, key)
        full = None
        if last:
            # compiled on first use (_compiled): most names never occur in a given text
            full = (rf"(?:(?:{title_alt}|{_LATIN_TITLES}\.?)[ \t]?)?{re.escape(first)}"
                    rf"[ \t]*{re.escape(last)}")
        pieces = []
        for piece, rule in ((first, "participant_first_name"), (last, "participant_surname")):
            if len(piece) < 2:
                continue
            if rule == "participant_surname":
                if dictionary is None:
                    from pythainlp.corpus import thai_words
                    dictionary = thai_words()
                if len(piece) < 3 or piece in dictionary:
                    continue  # ordinary words (ใจดี) are masked only in the full name
            pieces.append((piece, rule))
        patterns.append((full, tuple(pieces), key))
    return first_names, tuple(patterns)


#: Above this many participants, names are looked up through an index of the text's
#: substrings (:func:`_indexed_name_candidates`) instead of one search per name: a
#: national program's 30,000 names took 0.3 s per text the other way.
_INDEXED_NAMES = 500


@lru_cache(maxsize=8)
def _name_index(names: tuple[str, ...], titles: tuple[str, ...]):
    """For :func:`_indexed_name_candidates`: every name part and piece of
    :func:`_prepare_names`' patterns, keyed by its text.

    Returns ``(lookup, lengths, starts)``: ``lookup[text]`` lists ``(person,
    slot, rule)`` (``slot`` 0 = a part of the full name, 1.. = the person's
    pieces in order); ``lengths`` are the distinct text lengths, longest first;
    ``starts`` the texts' first letters, first two letters and one-letter texts.
    """
    _, patterns = _prepare_names(names, titles)
    lookup: dict[str, list] = {}
    for person, (full, pieces, key) in enumerate(patterns):
        if full is not None:
            for part in dict.fromkeys(key.split(" ")):
                lookup.setdefault(part, []).append((person, 0, None))
        for slot, (piece, rule) in enumerate(pieces, start=1):
            lookup.setdefault(piece, []).append((person, slot, rule))
    lengths = tuple(sorted({len(k) for k in lookup}, reverse=True))
    # where a name can start: its first letter, and its first two letters (most
    # positions of a text fail these and are not looked up at every length)
    starts = (frozenset(k[0] for k in lookup), frozenset(k[:2] for k in lookup if len(k) > 1),
              frozenset(k for k in lookup if len(k) == 1))
    return lookup, lengths, starts


def _indexed_name_candidates(scan: str, names_key, patterns, bounds) -> list:
    """The participant-name candidates of :func:`_find_candidates`' per-name search,
    found by looking every substring of the name lengths up in an index.

    Same candidates in the same order as searching name by name: per person,
    the full-name matches, then each piece's occurrences left to right (the
    order decides which of two equal spans :func:`_resolve` keeps).
    """
    lookup, lengths, (first_letters, first_pairs, singles) = _name_index(*names_key)
    found: dict[str, list[int]] = {}
    n = len(scan)
    for i in range(n):
        if scan[i] not in first_letters:
            continue
        if scan[i:i + 2] not in first_pairs:
            if scan[i] in singles:
                found.setdefault(scan[i], []).append(i)
            continue
        for length in lengths:
            if i + length <= n:
                piece = scan[i:i + length]
                if piece in lookup:
                    found.setdefault(piece, []).append(i)
    parts_seen: dict[int, set] = {}
    keyed = []
    for piece, starts in found.items():
        for person, slot, rule in lookup[piece]:
            if slot == 0:
                parts_seen.setdefault(person, set()).add(piece)
                continue
            key = patterns[person][2]
            for i in starts:
                j = i + len(piece)
                if bounds.fits(i, j):
                    keyed.append(((person, slot, i), (i, j, "name", key, rule)))
    for person, seen in parts_seen.items():
        full, _, key = patterns[person]
        if all(p in seen for p in key.split(" ")):
            for m in _compiled(full).finditer(scan):
                keyed.append(((person, 0, m.start()),
                              (m.start(), m.end(), "name", key, "participant_name")))
    keyed.sort(key=lambda item: item[0])
    return [cand for _, cand in keyed]


def _resolve(cands):
    cands = sorted(cands, key=lambda c: (c[0], -(c[1] - c[0]), _PRIORITY[c[2]]))
    kept, last_end = [], -1
    for c in cands:
        if c[0] >= last_end:
            kept.append(c)
            last_end = c[1]
    return kept


def _check_labels(labels: str) -> None:
    if labels not in _LABELS:
        raise ArgumentError(f"labels must be 'th' or 'en', got {labels!r}")


def _check_text(text) -> str:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    if not isinstance(text, str):
        raise ArgumentError(f"text must be a string, got {type(text).__name__}: {text!r}")
    return text


class _CheckedNames(tuple):
    """Names already checked by :func:`_check_names`: text values only. Passed to
    thousands of texts (a national scan, a lessons table), a list of 30,000 names
    is checked once instead of once per text."""


def checked_names(names) -> tuple[str, ...] | None:
    """`names` as :func:`pii_report` and :func:`redact_pii` take them, checked once.

    Pass the result to many calls instead of the raw names: each call then
    skips the check (a list of 30,000 names costs milliseconds per text).

    Examples
    --------
    >>> checked_names(["นางมะลิ หอมดี", None, " "])
    ('นางมะลิ หอมดี',)
    """
    return _check_names(names)


def _check_names(names):
    if isinstance(names, _CheckedNames):
        return names
    if isinstance(names, str):
        raise ArgumentError("names must be a collection of names (e.g. participants['name']), "
                            f"not a single string: {names!r}")
    if isinstance(names, pd.DataFrame):
        return _CheckedNames(names_from_participants(names))
    if names is None:
        return None
    # Any iterable (list, pandas Series, numpy array): keep the text values only.
    return _CheckedNames(n for n in names if isinstance(n, str) and n.strip())


def _spans(text, names, labels, titles) -> tuple[str, list]:
    """The checked text and its masked spans ``(start, end, kind, token, rule)`` in
    text order: what :func:`pii_report` lists and :func:`redact_pii` replaces."""
    _check_labels(labels)
    text = _check_text(text)
    names = _check_names(names)
    kept = _resolve(_find_candidates(text, names, tuple(titles)))
    numbers: dict[tuple[str, str], int] = {}
    per_kind: dict[str, int] = {}
    spans = []
    for start, end, kind, key, rule in kept:
        if (kind, key) not in numbers:
            per_kind[kind] = per_kind.get(kind, 0) + 1
            numbers[(kind, key)] = per_kind[kind]
        spans.append((start, end, kind, f"[{_LABELS[labels][kind]}-{numbers[(kind, key)]}]",
                      rule))
    return text, spans


def find_pii(text: str, *, names: Iterable[str] | None = None,
             titles: Iterable[str] = DEFAULT_TITLES) -> list[tuple[int, int, str, str]]:
    """The spans :func:`pii_report` lists, as plain ``(start, end, kind, rule)`` tuples.

    For scanning many texts: no DataFrame is built per text. Pass `names`
    through :func:`checked_names` once.

    Examples
    --------
    >>> find_pii("โทร 081-234-5678")
    [(4, 16, 'phone', 'phone_mobile')]
    """
    _, spans = _spans(text, names, "th", tuple(titles))
    return [(start, end, kind, rule) for start, end, kind, _, rule in spans]


def pii_report(
    text: str,
    *,
    names: Iterable[str] | None = None,
    labels: str = "th",
    titles: Iterable[str] = DEFAULT_TITLES,
) -> pd.DataFrame:
    """List the personal data found in a text (for the evaluator, never a report).

    Parameters
    ----------
    text : str
    names : collection of str, optional
        Participants' names (``participants["name"]``); a participants
        DataFrame is also accepted.
    labels : {"th", "en"}, default "th"
        Language of the replacement tokens.
    titles : collection of str
        Titles before a name (default :data:`DEFAULT_TITLES`).

    Returns
    -------
    pandas.DataFrame
        One row per masked span, in text order:

        ``kind`` (str)
            ``name``, ``national_id``, ``phone`` or ``email``.
        ``value`` (str)
            The text as written.
        ``start``, ``end`` (int)
            Offsets in ``text``.
        ``replacement`` (str)
            The token :func:`redact_pii` puts there (``[ชื่อ-1]``, ...).
        ``rule`` (str)
            Which rule found it: ``title``, ``participant_name``,
            ``participant_first_name``, ``participant_surname``,
            ``id_checksum``, ``phone_mobile``, ``phone_landline``,
            ``phone_+66``, ``email``.

    Examples
    --------
    >>> pii_report("โทร 081-234-5678 หรือ 0812345678")["replacement"].tolist()
    ['[โทร-1]', '[โทร-1]']
    """
    text, spans = _spans(text, names, labels, titles)
    rows = [{"kind": kind, "value": text[start:end], "start": start, "end": end,
             "replacement": token, "rule": rule} for start, end, kind, token, rule in spans]
    out = pd.DataFrame(rows, columns=PII_REPORT_COLUMNS)
    return out.astype({"kind": "str", "value": "str", "start": "int64", "end": "int64",
                       "replacement": "str", "rule": "str"})


def redact_pii(
    text: str,
    *,
    names: Iterable[str] | None = None,
    labels: str = "th",
    titles: Iterable[str] = DEFAULT_TITLES,
) -> str:
    """Mask personal data in a text.

    Parameters
    ----------
    text : str
        Raw text; ``None``/NaN give ``""``.
    names : collection of str, optional
        Participants' names to mask wherever they appear (pass
        ``participants["name"]``, or the participants DataFrame).
    labels : {"th", "en"}, default "th"
        ``[ชื่อ-1] [เลขบัตร-1] [โทร-1] [อีเมล-1]`` or
        ``[name-1] [id-1] [phone-1] [email-1]``.
    titles : collection of str
        Titles before a name (default :data:`DEFAULT_TITLES`).

    Returns
    -------
    str
        The text with every span of :func:`pii_report` replaced by its token.
        Tokens are numbered per kind in order of first appearance; the same
        person, number or address always gets the same token within the text.

    Notes
    -----
    National ID: 13 digits (Arabic or Thai; dashes or spaces allowed between
    groups) masked only when the check digit is valid: with digits d1..d13,
    ``s = sum(d_i * (14 - i), i = 1..12)`` and ``d13 = (11 - s mod 11) mod 10``.
    Phones: 10-digit mobiles 06/08/09, 9-digit landlines 02-07, ``+66``
    forms. Names: after a title, the Thai letters that follow (one optional
    space after the title), cut before a common verb or function word
    (เล่า, เป็น, ได้, ...), plus a surname after one space unless that word
    is a common word; participants' full names with or without title and
    spacing; their first names alone when they stand as a word; their
    surnames alone when they are not ordinary dictionary words.

    Examples
    --------
    >>> redact_pii("นางสาวมะลิ หอมดี โทร 089 765 4321 ต่อมามะลิเล่าว่า")
    '[ชื่อ-1] โทร [โทร-1] ต่อมามะลิเล่าว่า'
    >>> redact_pii("ต่อมามะลิเล่าว่า", names=["นางสาวมะลิ หอมดี"])
    'ต่อมา[ชื่อ-1]เล่าว่า'
    """
    text, spans = _spans(text, names, labels, titles)   # pii_report's rows, no table
    if not spans:
        return text
    pieces, last = [], 0
    for start, end, _, token, _ in spans:
        pieces.append(text[last:start])
        pieces.append(token)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def redact_frame(
    frame: pd.DataFrame,
    *,
    names: Iterable[str] | None = None,
    participants: pd.DataFrame | None = None,
    columns: Iterable[str] = ("text",),
    labels: str = "th",
) -> pd.DataFrame:
    """Redact text columns of a table (what every report does by default).

    Parameters
    ----------
    frame : pandas.DataFrame
        E.g. the lessons table.
    names : collection of str, optional
        Names to mask.
    participants : pandas.DataFrame, optional
        Participants table; its ``name`` column is added to ``names``.
    columns : collection of str, default ("text",)
        Columns to redact; each cell is redacted on its own (tokens are
        numbered per cell).
    labels : {"th", "en"}, default "th"

    Returns
    -------
    pandas.DataFrame
        A copy with the same columns and index, the given columns redacted.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"village_id": ["V1"], "section": ["x"],
    ...                    "text": ["ติดต่อ somjai@example.org"]})
    >>> redact_frame(df)["text"].tolist()
    ['ติดต่อ [อีเมล-1]']
    """
    if isinstance(columns, str):
        columns = (columns,)
    columns = list(columns)
    require_columns(frame, {"columns": columns}, what="frame")
    _check_labels(labels)
    all_names = list(names_from_participants(participants))
    names = _check_names(names)
    if names is not None:
        all_names.extend(n for n in names if isinstance(n, str))
    all_names = _check_names(all_names)
    out = frame.copy()
    for col in columns:
        out[col] = [redact_pii(v, names=all_names, labels=labels)
                    if isinstance(v, str) else v for v in frame[col].tolist()]
    return out
