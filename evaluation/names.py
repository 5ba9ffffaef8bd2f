"""Thai personal names in free text, as people write them in field notes.

Used by :mod:`evaluation.privacy` (redaction) and the output audit. A name is
found in four ways, all on newmm word boundaries (the tokenizer's dictionary
is pythainlp's words plus the name lists, so ``พี่น้อง``, ``แม่บ้าน``,
``พ่อค้า``, ``ครูพี่เลี้ยง`` stay single words and are never a title + name):

1. **Formal titles** (นาย, นาง, นางสาว, น.ส., ด.ช., ดร., ผศ., ...): the Thai
   letters after the title, cut before a verb or function word.
2. **Titles that are also ordinary words** (คุณ, ครู, อาจารย์, อ., ผอ., กำนัน,
   ผู้ใหญ่บ้าน, ผู้ใหญ่, พ่อหลวง, แม่หลวง, อสม., พระ, หลวงพ่อ, ...) and **kinship
   terms used as titles** (ป้า ลุง น้า อา ยาย ตา ปู่ ย่า พี่ น้อง แม่ พ่อ, เจ๊,
   เฮีย): only when the next word is a known given name or nickname (or, after
   a role title, a word the dictionary does not know).
3. **Untitled given names** from pythainlp's ``thai_female_names()`` /
   ``thai_male_names()`` plus a packaged list of village names, when the name
   is not also an ordinary dictionary word; dictionary words that are names
   (ประเสริฐ, วิภา) only after ``ชื่อ``, beside another name (``... กับ``) or
   before a surname.
4. A **surname** after one or two spaces joins the name when it is in
   ``thai_family_names()``, is a participant's surname, or is a word the
   dictionary does not know (อินต๊ะ); after a formal title, any word that does
   not start with a verb or function word.

Everything returned is a span ``(start, end, key, rule)``; ``key`` is the
given name, so that ``ป้าสมศรี`` and later ``สมศรี`` get the same token.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .text import domain_words

__all__ = ["FORMAL_TITLES", "ROLE_TITLES", "KINSHIP_TITLES", "find_names", "name_lists"]

#: Titles after which whatever Thai word follows is a name.
FORMAL_TITLES: tuple[str, ...] = (
    "นางสาว", "น.ส.", "นส.", "นาย", "นาง", "เด็กชาย", "เด็กหญิง", "ด.ช.", "ด.ญ.", "ดช.", "ดญ.",
    "ผญบ.", "ดร.", "นพ.", "พญ.", "ผศ.ดร.", "รศ.ดร.", "ศ.ดร.", "ผศ.", "รศ.", "อ.ดร.",
    "ว่าที่ร้อยตรี", "จ.ส.อ.", "ส.อ.", "พ.ต.", "ร.ต.อ.", "ด.ต.",
)
#: Role and honorific titles that are also ordinary words (คุณภาพ, ครูบัญชี,
#: อ.เมือง): a name must follow.
ROLE_TITLES: tuple[str, ...] = (
    "คุณ", "ครู", "อาจารย์", "อ.", "ผอ.", "กำนัน", "ผู้ใหญ่บ้าน", "ผู้ใหญ่", "ผช.ผญบ.",
    "พ่อหลวง", "แม่หลวง", "อสม.", "พระครู", "พระอธิการ", "พระมหา", "พระ", "หลวงพ่อ",
    "หลวงพี่", "หลวงตา", "หลวงปู่", "สารวัตรกำนัน", "ปลัด", "หมอ", "โต๊ะอิหม่าม", "อิหม่าม",
    "บังบัง", "บัง", "ก๊ะ", "เปาะ", "มะ",
)
#: Kinship terms used as titles (ป้าสมศรี, ลุงบุญมี, น้องแอน).
KINSHIP_TITLES: tuple[str, ...] = (
    "ป้า", "ลุง", "น้า", "อา", "ยาย", "ตา", "ปู่", "ย่า", "พี่", "น้อง", "แม่", "พ่อ", "เจ๊", "เฮีย",
    "อาม่า", "อากง", "แม่เฒ่า", "พ่อเฒ่า", "แม่ใหญ่", "พ่อใหญ่", "อ้าย", "เอื้อย", "ปู้", "อุ๊ย",
)

#: Words that end a name and are never a surname's first word.
STOPPERS = frozenset("""
เล่า กล่าว บอก พูด เป็น ได้ ได้รับ และ กับ ซึ่ง ที่ ว่า จึง ก็ ให้ ทำ ไป จะ ต้อง ไม่ ยัง เคย
คือ หรือ แต่ ของ จาก ใน โดย เพื่อ เมื่อ ถ้า ประธาน เลขา เลขานุการ เหรัญญิก สมาชิก ตัวแทน แกนนำ
อายุ โทร โทรศัพท์ เบอร์ อีเมล ติดต่อ บ้านเลขที่ เลขที่ หมู่ ตำบล อำเภอ จังหวัด
เปิด ปิด ร่วม เข้า นำ ช่วย สอน แนะนำ ประสาน ดูแล ขาย ซื้อ ออม กู้ ยืม ปลูก เลี้ยง ตอบ ถาม
เสนอ แจ้ง อธิบาย สรุป เขียน อ่าน จด ทำหน้าที่ เป็นผู้ มา อยู่ กลับ แล้ว ด้วย อีก ทุก
นี้ นั้น โน้น คน ท่าน เขา เธอ เรา ผม ฉัน หนู มัก ชอบ เห็น รู้ คิด รับ ส่ง เอา มี
ยืนยัน เชื่อ หา เก็บ จ่าย ใช้ ถือ เริ่ม ตั้ง ชวน พา ฝาก เลิก หยุด ลอง เล่น ฟัง ดู ตก ขึ้น ลง
ขอ ยก ก่อน หลัง ตอน ครั้ง
มอบ รับผิดชอบ ขับ สาน ตื่น จัด ทำงาน ถอน ย้าย นั่ง เดิน ผลิต แปรรูป บรรจุ ตรวจ นับ ควบคุม
ประชุม อบรม เรียน ลาออก ทาง ซึ่งเป็น ต่าง ยินดี วันนี้ เมื่อวาน พรุ่งนี้ ทั้ง ก็ได้ เอง ด้วยกัน ทั้งหมด
บ้าน ร้าน กลุ่ม ชุมชน หมู่บ้าน วัด โรงเรียน ตลาด
""".split())

#: Name-list words that follow a kinship or role term in ordinary phrases
#: (พี่ใหญ่, น้องใหม่, ตาดี, แม่น้ำ): never a name right after a title.
NOT_NAME_AFTER_TITLE = frozenset("""
ใหญ่ ใหม่ ดี ขาว บอด ลาย เงิน ดิน ไฟ ลม สาว หนุ่ม แก่ เฒ่า กลาง โต สุข รัก เลี้ยง ค้า พระ หลวง
ครู ธรรม ไม้ ข้าว มัด ที่ หนึ่ง ส่วน อาจ วัน นาย ควร ส่ง ช่วง เริ่ม ผ่าน ชอบ เดือน ยก ราย เสมอ
เหลือ ชาย หญิง
""".split()) - {"ชาย", "หญิง"}
#: Dictionary names that are ordinary words in these texts (never untitled names).
NOT_UNTITLED = frozenset({"ใบเตย", "ชาย", "หญิง", "สัจจะ"})
#: A name-list word counts as a name after a title when the Thai National
#: Corpus has it fewer times than this (the lists hold ที่, หนึ่ง, อาจ, ...);
#: alone, when fewer than RARE (anywhere) or COMMON (standing between spaces).
AFTER_TITLE_MAX_FREQ = 1000
RARE = 100
COMMON = 150
#: A name-list word inside a place name is not a person (จ.ทุ่งศรีทอง, บ้านหนองบัวทอง).
PLACE_PREFIXES = frozenset("""
บ้าน ทุ่ง หนอง ดอน ห้วย นา โคก ท่า บ่อ วัง บึง ลำ คลอง เขา ดอย ป่า วัด โรงเรียน ร้าน ตลาด
ซอย ถนน สะพาน เกาะ แหลม ปาก บาง โนน กุด หาด ศาลา ศูนย์ กลุ่ม เมือง นคร ท่าน้ำ ปากน้ำ
""".split())
_PLACE_BEFORE = re.compile(r"(?:(?:จ|อ|ต|ม)\.|ตำบล|อำเภอ|จังหวัด|หมู่บ้าน|บ้าน)[ \t]?$")

_WORD_RUN = re.compile(r"[\u0e01-\u0e3a\u0e40-\u0e4e]+")
_THAI_LETTERS = re.compile(r"[\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e]+")
_NAME_CUES = frozenset({"ชื่อ", "ชื่อเล่น", "นามว่า", "ชื่อว่า", "ชื่อจริง"})
_AND = frozenset({"กับ", "และ", "หรือ", ","})
# After อ. a place is more common than a teacher: อ.เมือง, "ต.ท่าสบคำ อ.ดอกคำใต้".
_DISTRICT_CONTEXT = re.compile(r"(?:ต\.|ตำบล|ต\. )[\u0e01-\u0e4e]+[ \t]*$")
_PROVINCE_AFTER = re.compile(r"[\u0e01-\u0e4e]+[ \t]*(?:จ\.|จังหวัด)")
# Compounds of a formal title that are not title + name.
_NOT_AFTER = {
    "นาย": re.compile(r"ก(?:$|อบ|เทศ|รัฐ|สมาคม|องค์|สภา|ฯ)|อำเภอ|ทุน|จ้าง|หน้า|ช่าง|ตรวจ|ทะเบียน"
                      r"|ประกัน|ห้าง|พราน|ท้าย|ด่าน|สิบ|ร้อย|พัน$|พล$|แพทย์$|ทหาร|อากร|งาน$"),
    "นาง": re.compile(r"ฟ้า|งาม|แบบ|เอก|พยาบาล$|รำ|ใน|กวัก|สนม|ร้าย|ไม้|รม|เงือก|นวล|พญา"),
}
_NOT_BEFORE = {"นาย": ("ท",), "นาง": ("หอย",)}  # ทนาย (lawyer), หอยนางรม (oyster)


def _read_list(filename: str) -> frozenset[str]:
    text = resources.files("evaluation").joinpath("data", filename).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def name_lists() -> dict[str, frozenset[str]]:
    """The name dictionaries (all offline).

    Returns
    -------
    dict
        ``given`` (pythainlp's female and male names plus
        ``evaluation/data/thai_given_names_extra.txt``), ``nickname``
        (``evaluation/data/thai_nicknames.txt``), ``family``
        (``thai_family_names()``), ``words`` (pythainlp's ``thai_words()``
        plus the domain words: the ordinary vocabulary) and ``freq`` (word
        counts of the Thai National Corpus, ``pythainlp.corpus.tnc``).

    Examples
    --------
    >>> lists = name_lists()
    >>> "อารีย์" in lists["given"], "มีสุข" in lists["family"]
    (True, True)
    """
    from pythainlp.corpus import (thai_family_names, thai_female_names, thai_male_names,
                                  thai_words)

    given = frozenset(thai_female_names()) | frozenset(thai_male_names()) \
        | _read_list("thai_given_names_extra.txt")
    from pythainlp.corpus import tnc

    extra = _read_list("thai_given_names_extra.txt")
    return {"given": given, "nickname": _read_list("thai_nicknames.txt"), "trusted": extra,
            "family": frozenset(thai_family_names()),
            "words": frozenset(thai_words()) | domain_words(),
            "freq": dict(tnc.word_freqs())}


@lru_cache(maxsize=1)
def _name_trie():
    from pythainlp.util import dict_trie

    lists = name_lists()
    titles = {t for t in ROLE_TITLES + KINSHIP_TITLES + FORMAL_TITLES if "." not in t}
    return dict_trie(set(lists["words"] | lists["given"] | lists["nickname"] | lists["trusted"]
                         | titles))


def _tokens(scan: str) -> list[tuple[int, int, str]]:
    from pythainlp.tokenize import word_tokenize

    out, pos = [], 0
    for tok in word_tokenize(scan, custom_dict=_name_trie(), engine="newmm",
                             keep_whitespace=True):
        out.append((pos, pos + len(tok), tok))
        pos += len(tok)
    return out


@lru_cache(maxsize=8)
def _title_regex(extra: tuple[str, ...]) -> re.Pattern:
    titles = set(FORMAL_TITLES + ROLE_TITLES + KINSHIP_TITLES + extra)
    alts = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?P<title>{alts})(?P<sp>[ \t]?)")


class _Text:
    """A text with its tokens indexed by offset."""

    def __init__(self, scan: str):
        self.scan = scan
        self.toks = _tokens(scan)
        self.at = {s: i for i, (s, _, _) in enumerate(self.toks)}
        self.ends = {e for _, e, _ in self.toks}
        self.words = name_lists()["words"]

    def tok(self, start: int):
        i = self.at.get(start)
        return None if i is None else self.toks[i]

    def run(self, start: int) -> list[tuple[int, int, str]]:
        """Tokens from ``start`` to the next space, digit or punctuation."""
        out, i = [], self.at.get(start)
        while i is not None and i < len(self.toks) and _THAI_LETTERS.fullmatch(self.toks[i][2]):
            out.append(self.toks[i])
            i += 1
        return out

    def unknown(self, tok: str) -> bool:
        return tok not in self.words and bool(_THAI_LETTERS.fullmatch(tok))


def _extend_unknown(t: _Text, run, k: int) -> int:
    """Index after the name that starts at run[0]: absorb unknown fragments."""
    while k < len(run) and t.unknown(run[k][2]) and run[k][2] not in STOPPERS:
        k += 1
    return k


def _surname(t: _Text, end: int, *, formal: bool, family: frozenset, extra: frozenset) -> int:
    """End of a surname after ``end`` (1–2 spaces), or ``end`` when none."""
    m = re.compile(r"[ \t]{1,2}").match(t.scan, end)
    if not m:
        return end
    run = t.run(m.end())
    if not run:
        return end
    word = "".join(tok for _, _, tok in run)
    if word in family or word in extra:
        return run[-1][1]
    first = run[0][2]
    kept = [run[0]]
    for tok in run[1:]:
        if tok[2] in STOPPERS:
            break
        kept.append(tok)
    cut = "".join(tok for _, _, tok in kept)
    starts_plain = first not in STOPPERS and first not in domain_words()
    if starts_plain and (cut in family or cut in extra or (formal and len(cut) >= 2)):
        return kept[-1][1]
    for n in range(min(len(word), 30), 2, -1):  # "มีสุขประสานงาน": the surname, then a verb
        if _starts_word(word, n) and (word[:n] in family or word[:n] in extra):
            return m.end() + n
    if not starts_plain:
        return end
    if len(kept) < len(run) and len(kept) >= 2 and cut not in t.words and len(cut) >= 4:
        return kept[-1][1]  # "ศรีวงศ์มอบเงิน": an unknown word that ends before a verb
    if any(t.unknown(tok) for _, _, tok in kept) and len(cut) >= 3:
        return kept[-1][1]
    return end


def find_names(
    scan: str,
    *,
    first_names: frozenset[str] = frozenset(),
    surnames: frozenset[str] = frozenset(),
    extra_titles: tuple[str, ...] = (),
) -> list[tuple[int, int, str, str]]:
    """Spans of personal names in a text.

    Parameters
    ----------
    scan : str
        The text, Thai digits already converted (same length as the original).
    first_names, surnames : frozenset of str
        Participants' given names and surnames (recognised after any title,
        and as surnames).
    extra_titles : tuple of str
        More formal titles (whatever follows is a name).

    Returns
    -------
    list of (start, end, key, rule)
        ``rule`` is ``title`` (formal title), ``role_title``,
        ``kinship_title``, ``name_dictionary`` or ``name_cue``. Spans may
        overlap; the caller keeps the longest.

    Examples
    --------
    >>> [(s, e, k, r) for s, e, k, r in find_names("ป้าสมศรีเล่าว่า")]
    [(0, 8, 'สมศรี', 'kinship_title')]
    >>> find_names("พี่น้องในชุมชนและกลุ่มแม่บ้าน")
    []
    """
    t = _Text(scan)
    lists = name_lists()
    given, nick, family, freq = lists["given"], lists["nickname"], lists["family"], lists["freq"]
    trusted = lists["trusted"] | nick | first_names
    out: list[tuple[int, int, str, str]] = []
    taken: set[int] = set()
    formal_set = set(FORMAL_TITLES) | set(extra_titles)
    kinship_set = set(KINSHIP_TITLES)

    def after_title(p: str, title: str, nxt: str) -> bool:
        if p in NOT_NAME_AFTER_TITLE or p in STOPPERS:
            return False
        if p in trusted or (p in given and freq.get(p, 0) < AFTER_TITLE_MAX_FREQ):
            return True
        # a common word that is also a name, after a role title (ผู้ใหญ่บ้านอำนาจ): a name
        # unless the tagger reads it as a verb (กำนันเชิญ ..., ครูเสริม ...)
        return p in given and title not in kinship_set and not _is_verb(title, p, nxt)

    for m in _title_regex(tuple(extra_titles)).finditer(scan):
        title, start, name_start = m.group("title"), m.start(), m.end()
        if start not in t.at and not (start > 0 and not _THAI_LETTERS.match(scan[start - 1])):
            continue  # the title is the inside of a longer word
        if "." not in title and m.end("title") not in t.ends:
            continue  # "พี่น้อง", "แม่บ้าน": the title is not a word of its own here
        if title in formal_set:
            hit = _after_formal(t, title, start, name_start, first_names)
            if hit:
                end, key = hit
                end = _surname(t, end, formal=True, family=family, extra=surnames)
                out.append((start, end, key, "title"))
                taken.update(range(start, end))
            continue
        word = _THAI_LETTERS.match(scan, name_start)
        if not word:
            continue
        word = word.group(0)
        key = next((word[:n] for n in range(min(len(word), 24), 1, -1)
                    if name_start + n in t.ends
                    and after_title(word[:n], title, (t.tok(name_start + n) or (0, 0, ""))[2])),
                   None)
        if key is None and title not in kinship_set:
            run = t.run(name_start)
            if run and t.unknown(run[0][2]) and len(run[0][2]) >= 2 \
                    and run[0][2] not in STOPPERS:
                k = _extend_unknown(t, run, 1)
                key = "".join(x[2] for x in run[:k])
        if key is None:
            continue
        end = name_start + len(key)
        if title == "อ." and (_DISTRICT_CONTEXT.search(scan[max(0, start - 40):start])
                             or _PROVINCE_AFTER.match(scan, name_start) or key == "เมือง"):
            continue
        end = _surname(t, end, formal=False, family=family, extra=surnames)
        rule = "kinship_title" if title in kinship_set else "role_title"
        out.append((start, end, key, rule))
        taken.update(range(start, end))

    # untitled names from the dictionaries
    name_ends = {e for _, e, _, _ in out}
    for i, (s, e, tok) in enumerate(t.toks):
        if s in taken or not _THAI_LETTERS.fullmatch(tok) or len(tok) < 3:
            continue
        if tok in STOPPERS or tok in NOT_NAME_AFTER_TITLE or tok in NOT_UNTITLED:
            continue
        is_given = tok in given or tok in lists["trusted"] or tok in first_names
        if not is_given and tok not in nick and not t.unknown(tok):
            continue
        if tok in domain_words() or _in_place_name(t, i):
            continue
        before = [x for x in t.toks[max(0, i - 3):i] if x[2].strip()]
        cue = bool(before) and before[-1][2] in _NAME_CUES
        after_name = bool(before) and before[-1][2] in _AND and any(
            0 <= before[-1][0] - e <= 3 for e in name_ends)
        # a list of people: "อ.หญิง แป้น และแหม่ม"
        after = [x for x in t.toks[i + 1:i + 3] if x[2].strip()]
        in_list = (i > 0 and not t.toks[i - 1][2].strip() and t.toks[i - 1][0] in name_ends
                   and bool(after) and after[0][2] in _AND)
        alone = (i == 0 or not _THAI_LETTERS.match(t.toks[i - 1][2])) and (
            i + 1 == len(t.toks) or not _THAI_LETTERS.match(t.toks[i + 1][2]))
        end = _surname(t, e, formal=False, family=family, extra=surnames)
        surname_follows = end > e
        f = freq.get(tok, 0)
        if is_given and f < RARE and tok not in t.words:
            rule = "name_dictionary"
        elif is_given and f < COMMON and (alone or surname_follows):
            rule = "name_dictionary"
        elif (is_given or tok in nick) and (cue or after_name or in_list):
            rule = "name_cue"
        elif cue and t.unknown(tok) and before[-1][1] < s:  # "ชื่อ สมนึก", not "ชื่อตัวชี้วัด"
            rule = "name_cue"
        else:
            continue
        if any(x in taken for x in range(s, end)):
            end = e
        out.append((s, end, tok, rule))
        taken.update(range(s, end))
        name_ends.add(end)
    return out


def _in_place_name(t: _Text, i: int) -> bool:
    """Whether token ``i`` is inside a place name: its word starts with a place
    word (ทุ่ง, หนอง, บ้าน ...) or follows จ./อ./ต./ตำบล ..."""
    j = i
    while j > 0 and _THAI_LETTERS.fullmatch(t.toks[j - 1][2]):
        j -= 1
    if j < i and t.toks[j][2] in PLACE_PREFIXES:
        return True
    return bool(_PLACE_BEFORE.search(t.scan[max(0, t.toks[j][0] - 12):t.toks[j][0]]))


def _is_verb(title: str, word: str, nxt: str) -> bool:
    """Whether pythainlp's part-of-speech tagger (ORCHID, offline) reads
    ``word`` after ``title`` as a verb, auxiliary, adverb or negation."""
    from pythainlp.tag import pos_tag

    toks = [title.rstrip("."), word] + ([nxt] if nxt.strip() else [])
    tag = pos_tag(toks, corpus="orchid")[1][1]
    return tag.startswith(("V", "X", "ADV", "NEG", "J", "RPRE", "JSBR"))


_NOT_WORD_START = re.compile(r"[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")


def _starts_word(word: str, n: int) -> bool:
    """Whether ``word[:n]`` may end a word (the next letter can start one)."""
    return n == len(word) or not _NOT_WORD_START.match(word[n])


def _after_formal(t: _Text, title: str, start: int, name_start: int, first_names):
    scan = t.scan
    before = scan[max(0, start - 4):start]
    if any(before.endswith(b) for b in _NOT_BEFORE.get(title, ())):
        return None
    m = _THAI_LETTERS.match(scan, name_start)
    if not m or not re.match(r"[\u0e01-\u0e2e\u0e40-\u0e44]", m.group(0)):
        return None
    word = m.group(0)
    guard = _NOT_AFTER.get(title)
    if guard is not None and guard.match(word):
        return None
    part = next((p for p in first_names if word.startswith(p)), None)
    if part and (name_start + len(part) in t.ends or len(part) == len(word)):
        return name_start + len(part), part
    run = t.run(name_start)
    if run and run[0][0] == name_start:
        kept = run[:1]
        for tok in run[1:]:
            if tok[2] in STOPPERS:
                break
            kept.append(tok)
        name = "".join(x[2] for x in kept)
    else:  # the title ends inside a token: cut the rest of the letters
        name = word
    if len(name) < 2:
        return None
    return name_start + len(name), name
