"""The README.md that :func:`evaluation.synth.write_program` writes beside a
synthetic program: what it holds, how it was made and its deliberate mess."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


_FORMAT_MESS = """- P02 files have Thai file names and Thai headers (`Column.th`), UTF-8 with BOM;
  values in Thai (หญิง/ชาย, คณะทำงาน/กลุ่มเป้าหมาย/ครูพี่เลี้ยง, ก่อน/ระหว่าง/หลัง,
  รายรับ/รายจ่าย).
- Buddhist-era dates in P02 (`7 ก.ค. 2566`, `07/07/2566`, `1 พฤษภาคม 2566`),
  some in Thai digits; a few P01 ledger dates typed as `5 ส.ค. 2564`; V02's
  assessment dates day-first (`13/11/2021`).
- Thai digits in P02 numbers and ids (`๔๕`, `V04-๐๑๒`), money as `1,500`,
  `1,500 บาท`, `๑,๒๐๐ บาท`; three P01 incomes with a thousands separator.
- V03 labels its waves baseline/midline/endline."""
_NO_FORMAT_MESS = """- Written with `messy=False`: both projects have English headers and clean ISO
  values; the mess below is in the content."""

def _write_readme(out_dir: Path, t: dict[str, pd.DataFrame], *, seed: int, fmt: str,
                  messy: bool) -> Path:
    part = t["participants"]
    per_village = part.groupby(["village_id", "role"]).size().unstack(fill_value=0)
    rows = []
    for v in t["villages"].itertuples(index=False):
        counts = per_village.loc[v.village_id]
        occ = part.loc[(part["village_id"] == v.village_id) & (part["role"] == "target"),
                       "occupation_group"].iloc[0]
        rows.append(f"| {v.project_id} | {v.village_id} | {v.name} | {occ} | "
                    f"{counts.get('target', 0)} | {counts.get('team', 0)} | "
                    f"{counts.get('mentor', 0)} |")
    hap = t["happiness"]
    missing_post = sorted(set(hap["person_id"]) - set(hap.loc[hap["wave"] == "post",
                                                              "person_id"]))
    leaver = part.loc[part["left_date"].notna(), ["person_id", "left_date"]].iloc[0]
    blanks = hap.loc[hap["value"].isna(), ["person_id", "wave", "instrument", "item"]]
    blank_list = "; ".join(f"{r.person_id} {r.wave} {r.instrument} {r.item}"
                           for r in blanks.itertuples(index=False))
    n_rows = {name: len(f) for name, f in t.items()}
    table_counts = ", ".join(f"{name} {n:,}" for name, n in n_rows.items())
    ext = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"}[fmt]
    text = f"""# The sample program · โครงการตัวอย่าง

Synthetic data (seed {seed}) written by `evaluation synth data/sample`
(`evaluation.synth.write_program`). Rerunning the command rewrites these files
byte for byte. Nothing here is real: names, places, national IDs (valid
checksums) and phone numbers are invented. This file is generated too.

ข้อมูลสังเคราะห์ (seed {seed}) สร้างด้วยคำสั่ง `evaluation synth data/sample`
รันซ้ำได้ไฟล์เดิมทุกไบต์ ชื่อคน สถานที่ เลขประจำตัวประชาชน และเบอร์โทรศัพท์เป็นข้อมูลสมมติทั้งหมด

## Projects · โครงการ

| folder | project | headers | dates |
|---|---|---|---|
| `informal-workers/` | P01 occupation and income recovery of informal workers after COVID-19 (2021-06 to 2022-03) | English (`participants.{ext}` …) | ISO CE, mostly |
| `community-enterprise/` | P02 community enterprise of 40 households in 2 villages (2023-05 to 2024-04) | Thai (`ผู้เข้าร่วม.{ext}` …, `ชื่อ-สกุล`, `รหัสครัวเรือน` …) | Thai Buddhist era (`7 ก.ค. 2566`, `07/07/2566`) |

| project | village | name | occupation group | target | team | mentor |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

C01 and C02 are comparison villages of P01 (`arm` = `comparison`, กลุ่มเปรียบเทียบ):
surveyed at the same three waves (happiness and finance) without the program, so no
team, account books, savings group, lessons or ladder. Incomes there rise a little
(recovery everywhere), which `evaluation.did` separates from the program's effect.

Rows: {table_counts}.

Each project folder holds one file per table, `ladder.yaml` (4-step outcome
ladder), for P01 `value_map.yaml` (the SROI value map, docs/sroi.md) and
`lessons/<village_id>/<section>.txt` (Thai lessons learned:
การสร้างทีม, การทำงาน, ภาคีเครือข่าย, ความยั่งยืน, ปัญหาอุปสรรค, แนวทางแก้ไข).

## Effects built in · ผลที่ออกแบบไว้

Mixed on purpose: V01 and V04 improve clearly (happiness, income, informal
debt), V03 slightly, V02 is flat, V05 gets worse (happiness and income down,
informal debt up). Happiness: TMHI-15 (`tmhi15`, items q1–q15 scored 1–4,
q3–q5 answered in reverse) and a 0–10 self-rating (`happy10`, item q1), at
pre, during and post. Finance at pre and post (V01 and V04 also during).

ผลลัพธ์คละกัน: V01 และ V04 ดีขึ้นชัดเจน V03 ดีขึ้นเล็กน้อย V02 ทรงตัว V05 แย่ลง

## Deliberate mess · ความไม่เรียบร้อยที่ใส่ไว้โดยตั้งใจ

{_FORMAT_MESS if messy else _NO_FORMAT_MESS}
- One household left the program: {leaver.person_id} (left {leaver.left_date.date()}),
  no post data, its savings withdrawn on leaving.
- Participants without a post assessment: {", ".join(missing_post)}.
- Blank item responses: {blank_list}. Blank finance cells: V02-H004 post
  expenses, V04-H008 during informal debt. One blank age, two blank phones.
- Households that kept no accounts or only 1–2 months; savings members who
  skipped collections.
- Names with titles in a few lessons texts (V01, V04, V05) and one phone number (V01),
  to exercise redaction. Reports must never show participants' names, national
  IDs or phones.

None of this is invalid: the sample loads with zero errors (warnings allowed).
ข้อมูลทั้งหมดโหลดได้โดยไม่มีข้อผิดพลาด
"""
    path = out_dir / "README.md"
    path.write_text(text, encoding="utf-8")
    return path
