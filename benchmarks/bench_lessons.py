"""Benchmark: lessons-learned analysis vs bare pythainlp word segmentation.

Generates ``--n`` Thai lesson texts of about 1,000 characters each from a
phrase bank written for this benchmark (seeded, reproducible), then times

* bare ``pythainlp.word_tokenize`` (newmm, default dictionary) over the texts;
* ``prepare_lessons`` (normalise, list/line split, newmm with the domain
  dictionary, crfcut sentences) - each text is segmented once here;
* ``code_themes``, ``keywords`` and ``extract_quantities`` on top of that,

and prints seconds, texts per second and the ratio to bare segmentation.

Usage::

    .venv/bin/python benchmarks/bench_lessons.py            # 10,000 texts
    .venv/bin/python benchmarks/bench_lessons.py --n 500    # quick check
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

import pandas as pd  # noqa: E402

# Phrase bank (original sentences in the style of village lessons reports).
PHRASES = [
    "คณะทำงานประชุมทุกเดือนเพื่อทบทวนแผนและแบ่งบทบาทหน้าที่ให้ชัดเจน",
    "แกนนำรุ่นใหม่เข้ามาช่วยจดบันทึกและประสานงานกับสมาชิก",
    "สมาชิกเก็บออมวันละ {n} บาท โดยเหรัญญิกรวบรวมทุกสิ้นเดือน",
    "กลุ่มออมทรัพย์มีสมาชิก {n} คน และมีเงินออมรวม {m},{k}00 บาท",
    "ครัวเรือนเป้าหมาย {n} ครัวเรือนทำบัญชีครัวเรือนต่อเนื่องครบ {s} เดือน",
    "หลังทำบัญชีรับจ่ายทำให้รู้ว่ารายจ่ายที่ไม่จำเป็นมาจากค่าขนมและค่าโทรศัพท์",
    "กลุ่มแปรรูปผักตบชวาผลิตตะกร้าได้เดือนละ {n} ใบ และขายได้เดือนละ {m}00 บาท",
    "การเพาะเห็ดนางฟ้าใช้พื้นที่หลังบ้านไม่เกิน {s} ไร่ แต่สร้างรายได้เสริมให้ครอบครัว",
    "วิสาหกิจชุมชนได้รับการสนับสนุนจาก อบต. และ รพ.สต. ในการตรวจสุขภาพสมาชิก",
    "ภาคีเครือข่ายช่วยหาตลาดใหม่ทำให้สินค้าไปวางขายที่ร้านค้าในอำเภอ",
    "ปัญหาที่พบคือวัตถุดิบขาดแคลนในช่วงหน้าแล้ง และราคาต้นทุนสูงขึ้น",
    "บางครอบครัวยังมีหนี้นอกระบบ ต้องจ่ายดอกเบี้ยร้อยละ {s}0 ต่อเดือน",
    "แนวทางแก้ไขคือรวมกลุ่มซื้อวัตถุดิบและวางแผนการผลิตล่วงหน้า",
    "สมาชิกบอกว่ามีความสุขมากขึ้นเพราะครอบครัวได้ทำงานร่วมกัน",
    "ผลการประเมินความสุขก่อนและหลังเข้าร่วมพบว่าคะแนนเพิ่มขึ้นเกือบทุกคน",
    "การอบรมทำน้ำพริกและไข่เค็มทำให้ได้ความรู้ใหม่และนำไปต่อยอดได้",
    "ได้เรียนรู้ว่าการทำงานต้องเริ่มจากความต้องการของชุมชนจริง ๆ",
    "ความยั่งยืนเกิดจากการถ่ายทอดความรู้ให้คนรุ่นต่อไปและมีกองทุนหมุนเวียน",
    "ทีมงานลงเยี่ยมบ้านสมาชิก {n} หลังคาเรือน เพื่อสำรวจหนี้สินแบบกลุ่มละ ๕ ครัวเรือน",
    "มีการศึกษาดูงานที่ตำบลข้างเคียง จำนวน {s} ครั้ง",
    "จัดตั้งกลุ่มอาชีพใหม่ได้ {s} กลุ่ม ใน {s} หมู่บ้าน",
    "สมาชิกผ่อนชำระคืนเงินกู้ตรงเวลามากขึ้น หนี้สินโดยรวมลดลง",
    "ครูพี่เลี้ยงช่วยให้คำแนะนำเรื่องการเขียนบันไดผลลัพธ์และตัวชี้วัด",
    "เกิดความขัดแย้งเรื่องการแบ่งผลกำไร จึงตั้งกติกากลุ่มร่วมกัน",
    "รายได้เฉลี่ยของสมาชิกเพิ่มจาก {m},{k}00 บาท เป็น {m}{s},000 บาทต่อเดือน",
    "สมาชิกสามสิบคนร่วมปลูกผักปลอดสารพิษไว้กินเองและแบ่งขาย",
]
BULLETS = ["", "", "", "1) ", "- ", "๒. "]


def make_texts(n: int, *, seed: int = 20240601, target_chars: int = 1000) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        parts, size = [], 0
        while size < target_chars:
            p = rng.choice(PHRASES).format(n=rng.randint(5, 60), m=rng.randint(1, 9),
                                           k=rng.randint(0, 9), s=rng.randint(1, 9))
            p = rng.choice(BULLETS) + p
            sep = "\n" if rng.random() < 0.3 else " "
            parts.append(p + sep)
            size += len(p) + 1
        rows.append({"village_id": f"V{i % 200:03d}", "section": "บทเรียน",
                     "text": "".join(parts)[:target_chars + 80].strip()})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of texts (default 10000)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--engine", default="crfcut", choices=["crfcut", "whitespace", "lines"],
                    help="sentence engine for prepare_lessons (default crfcut)")
    args = ap.parse_args(argv)

    from pythainlp.tokenize import word_tokenize

    import evaluation as ev
    from evaluation.lessons import code_themes, keywords, prepare_lessons
    from evaluation.text import _trie_for, extract_quantities

    lessons = make_texts(args.n, seed=args.seed)
    texts = lessons["text"].tolist()
    n_chars = sum(map(len, texts))

    # Warm-up outside the timings: dictionaries, trie, crfcut model.
    word_tokenize("อุ่นเครื่อง")
    _trie_for(None)
    prepare_lessons(lessons.head(2))

    timings = []

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        timings.append((label, time.perf_counter() - t0))
        return out

    timed("bare word_tokenize (newmm)", lambda: [word_tokenize(t) for t in texts])
    if args.engine != "lines":
        timed("  reference: prepare (lines, no CRF)",
              lambda: prepare_lessons(lessons, engine="lines"))
    prepared = timed(f"prepare_lessons ({args.engine})",
                     lambda: prepare_lessons(lessons, engine=args.engine))
    timed("code_themes", lambda: code_themes(prepared))
    timed("keywords (by village)", lambda: keywords(prepared, by="village_id"))
    timed("extract_quantities (table)", lambda: extract_quantities(lessons))

    bare = timings[0][1]
    main_steps = [t for t in timings[1:] if not t[0].startswith("  ")]
    total = sum(s for label, s in main_steps)
    beyond = sum(s for label, s in main_steps[1:])
    print(f"texts: {args.n:,}  characters: {n_chars:,}  (mean {n_chars / args.n:,.0f}/text)  "
          f"sentences: {len(prepared.sentences):,}  evaluation {ev.__version__}")
    print(f"{'step':<34}{'seconds':>10}{'texts/s':>12}{'x bare':>9}")
    for label, s in timings:
        print(f"{label:<34}{s:>10.2f}{args.n / s:>12,.0f}{s / bare:>9.2f}")
    print(f"{'total (prepare+themes+kw+qty)':<34}{total:>10.2f}{args.n / total:>12,.0f}"
          f"{total / bare:>9.2f}")
    print(f"{'beyond prepare (themes+kw+qty)':<34}{beyond:>10.2f}{args.n / beyond:>12,.0f}"
          f"{beyond / bare:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
