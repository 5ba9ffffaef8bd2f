"""Tests of evaluation.synth: the committed sample program and large programs.

``sample_project`` (the loaded data/sample) comes from tests/conftest.py.
"""

from __future__ import annotations

import filecmp
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation import synth
from evaluation.schema import TABLES
from evaluation.synth import (SynthError, generate_program, national_id_check_digit,
                              sample_program, write_program)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
P01 = SAMPLE / "informal-workers"
P02 = SAMPLE / "community-enterprise"
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")


# ----------------------------------------------------------------- helpers --

def _valid_national_id(text: str) -> bool:
    """Independent check: sum of digit i × (14 − i), i = 1..12; (11 − sum mod 11) mod 10."""
    digits = str(text).translate(TO_ARABIC)
    if not re.fullmatch(r"\d{13}", digits):
        return False
    total = sum(int(digits[i - 1]) * (14 - i) for i in range(1, 13))
    return (11 - total % 11) % 10 == int(digits[12])


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _same_tree(a: Path, b: Path) -> bool:
    files = _files(a)
    if files != _files(b):
        return False
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in files)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def tmhi_totals(sample_project):
    """TMHI-15 totals per person × wave, computed here by hand (q3-q5 reversed: 5 − x)."""
    hap = sample_project.happiness
    t = hap[hap["instrument"] == "tmhi15"].copy()
    t["score"] = np.where(t["item"].isin(["q3", "q4", "q5"]), 5 - t["value"], t["value"])
    complete = t.groupby(["person_id", "wave"], observed=True)["score"].agg(["sum", "count"])
    complete = complete[complete["count"] == 15]["sum"].unstack("wave")
    village = sample_project.participants.set_index("person_id")["village_id"]
    complete["village_id"] = village.reindex(complete.index).to_numpy()
    return complete


# -------------------------------------------------------------- check digit --

def test_national_id_check_digit_hand_computed():
    # 1,1,0,1,7,0,0,2,0,3,4,5 × weights 13..2 = 13+12+0+10+63+0+0+12+0+12+12+10 = 144;
    # 144 mod 11 = 1; (11 − 1) mod 10 = 0
    assert national_id_check_digit("110170020345") == 0
    # 3,1,0,0,1,0,0,3,4,5,6,7 × 13..2 = 39+12+0+0+9+0+0+18+20+20+18+14 = 150;
    # 150 mod 11 = 7; (11 − 7) mod 10 = 4
    assert national_id_check_digit("310010034567") == 4


@pytest.mark.parametrize("bad", ["12345", "1234567890123", ""])
def test_national_id_check_digit_rejects_wrong_length(bad):
    with pytest.raises(SynthError, match="12 digits"):
        national_id_check_digit(bad)


def test_generated_national_ids_have_valid_checksums():
    ids = synth._national_ids(np.random.default_rng(7), 2000)
    assert len(ids) == 2000
    assert all(_valid_national_id(x) for x in ids)
    assert all(x[0] != "0" for x in ids)


def test_generated_phones_look_like_thai_mobiles():
    phones = synth._phones(np.random.default_rng(7), 500)
    assert all(re.fullmatch(r"08[15689]-\d{3}-\d{4}", p) for p in phones)


# ---------------------------------------------------------- the sample: files --

def test_committed_sample_equals_generator_output(tmp_path):
    """data/sample is exactly what `evaluation synth data/sample` writes (seed 2566)."""
    out = write_program(tmp_path / "sample")
    assert _files(out) == _files(SAMPLE)
    different = [f for f in _files(out) if not filecmp.cmp(out / f, SAMPLE / f, shallow=False)]
    assert different == [], f"regenerate data/sample: {different}"


def test_sample_is_byte_identical_for_same_seed(tmp_path):
    a = write_program(tmp_path / "a", seed=11)
    b = write_program(tmp_path / "b", seed=11)
    assert _same_tree(a, b)
    c = write_program(tmp_path / "c", seed=12)
    assert not _same_tree(a, c)


def test_sample_layout():
    files = _files(SAMPLE)
    for name in ("projects", "villages", "participants", "happiness", "finance", "ledger",
                 "savings"):
        assert f"informal-workers/{name}.csv" in files
        assert f"community-enterprise/{TABLES[name].th}.csv" in files
    for folder, villages in (("informal-workers", ("V01", "V02", "V03")),
                             ("community-enterprise", ("V04", "V05"))):
        assert f"{folder}/ladder.yaml" in files
        for v in villages:
            for section in synth.SECTIONS:
                assert f"{folder}/lessons/{v}/{section}.txt" in files
    assert "README.md" in files


def test_p02_has_thai_headers_and_bom_p01_english_without_bom():
    for name, table in TABLES.items():
        if name == "lessons":
            continue
        raw = (P02 / f"{table.th}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        header = raw.decode("utf-8-sig").splitlines()[0].split(",")
        assert header == [c.th for c in table.columns]
        raw = (P01 / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8").splitlines()[0].split(",") == [c.name for c in table.columns]


def test_sample_mess_is_present_in_files():
    part = _read(P02 / "ผู้เข้าร่วม.csv")
    hap = _read(P02 / "ความสุข.csv")
    fin = _read(P02 / "การเงินครัวเรือน.csv")
    led = _read(P02 / "บัญชีครัวเรือน.csv")
    proj = _read(P02 / "โครงการ.csv")
    has_thai_digit = lambda s: s.str.contains(f"[{THAI_DIGITS}]", regex=True)  # noqa: E731
    # Thai digits in ids and in numbers
    assert has_thai_digit(part["รหัสครัวเรือน"]).any() or has_thai_digit(part["รหัสบุคคล"]).any()
    assert has_thai_digit(part["อายุ"]).any()
    assert has_thai_digit(led["จำนวนเงิน"]).any()
    # BE dates: "7 ก.ค. 2566" and "07/07/2566" forms, and one full month name
    assert led["วันที่"].str.fullmatch(r"\d{1,2} [ก-๙.]+ 25\d\d").any()
    assert led["วันที่"].str.fullmatch(r"\d\d/\d\d/25\d\d").any()
    assert proj["วันเริ่มโครงการ"].iloc[0] == "1 พฤษภาคม 2566"
    # money with separators and the baht unit, also in Thai digits
    assert fin["รายได้ต่อเดือน"].str.fullmatch(r"\d{1,2},\d{3}").any()
    assert led["จำนวนเงิน"].str.contains("บาท").any()
    assert led["จำนวนเงิน"].str.fullmatch(f"[{THAI_DIGITS},]+ บาท").any()
    # Thai labels
    assert set(hap["ช่วงเวลา"]) == {"ก่อน", "ระหว่าง", "หลัง"}
    assert set(part["เพศ"]) == {"หญิง", "ชาย"}
    assert set(part["บทบาท"]) == {"คณะทำงาน", "กลุ่มเป้าหมาย", "ครูพี่เลี้ยง"}
    assert set(led["ประเภท"]) == {"รายรับ", "รายจ่าย"}
    # blank item responses
    assert (hap["คะแนน"] == "").sum() == 2
    p01_hap = _read(P01 / "happiness.csv")
    assert (p01_hap["value"] == "").sum() == 1
    assert {"baseline", "midline", "endline"} <= set(p01_hap["wave"])
    assert {"pre", "during", "post"} <= set(p01_hap["wave"])
    p01_led = _read(P01 / "ledger.csv")
    assert p01_led["date"].str.fullmatch(r"\d{4}-\d\d-\d\d").mean() > 0.95
    assert p01_led["date"].str.contains("2564").any()


def test_sample_national_ids_valid_and_names_have_titles():
    for path in (P01 / "participants.csv", P02 / "ผู้เข้าร่วม.csv"):
        frame = _read(path)
        ids = frame.iloc[:, [c.name for c in TABLES["participants"].columns].index(
            "national_id")]
        assert all(_valid_national_id(x) for x in ids)
        names = frame.iloc[:, 3]
        assert names.str.match(r"^(นาย|นาง|นางสาว)\S+ \S+$").all()


def test_sample_lessons_contain_pii_and_inline_ladder():
    people = _read(P01 / "participants.csv")
    text = (P01 / "lessons" / "V01" / "ภาคีเครือข่าย.txt").read_text("utf-8")
    named = [n for n in people["name"] if n in text]
    assert len(named) == 1
    phone = people.loc[people["name"] == named[0], "phone"].iloc[0]
    assert phone in text
    work = (P01 / "lessons" / "V01" / "การทำงาน.txt").read_text("utf-8")
    assert re.search(r"บันไดผลลัพธ์ 1\. .+ 2\. .+ 3\. .+ 4\. ", work)
    all_text = "".join(p.read_text("utf-8") for p in SAMPLE.rglob("lessons/*/*.txt"))
    assert len(re.findall(r"0\d{2}-\d{3}-\d{4}", all_text)) == 1
    assert re.search(r"[๐-๙]", all_text)
    for abbr in ("ต.", "รพ.สต.", "ม."):
        assert abbr in all_text


# ------------------------------------------------------- the sample: loaded --

def test_sample_loads_without_errors(sample_project):
    problems = sample_project.problems
    assert (problems["severity"] == "error").sum() == 0
    assert sample_project.village_ids == ["V04", "V05", "V01", "V02", "V03"]
    # P01 has two comparison villages (arm = comparison), never in ladder results
    assert sample_project.comparison_ids == ["C01", "C02"]
    assert sorted(sample_project.ladders) == ["P01", "P02"]


def test_sample_participants(sample_project):
    part = sample_project.participants
    targets = part[part["role"] == "target"].groupby("village_id").size()
    assert targets.to_dict() == {"V01": 30, "V02": 20, "V03": 17, "V04": 20, "V05": 20,
                                 "C01": 18, "C02": 16}
    part = part[~part["village_id"].isin(sample_project.comparison_ids)]
    team = part[part["role"] == "team"].groupby("village_id").size()
    assert team.between(3, 5).all() and len(team) == 5
    assert (part[part["role"] == "mentor"].groupby("village_id").size() == 1).all()
    # one target person per target household
    tg = part[part["role"] == "target"]
    assert tg["household_id"].is_unique
    assert set(part["household_size"].dropna()) <= set(range(2, 7))
    assert set(part.loc[part["village_id"] == "V01", "sex"]) <= {"F", "M"}
    assert part["national_id"].map(_valid_national_id).all()
    # V04 + V05: 40 target households
    assert tg[tg["village_id"].isin(["V04", "V05"])]["household_id"].nunique() == 40


def test_sample_leaver_and_missing_post(sample_project):
    part = sample_project.participants
    left = part[part["left_date"].notna()]
    assert len(left) == 1
    pid, hid = left["person_id"].iloc[0], left["household_id"].iloc[0]
    hap, fin = sample_project.happiness, sample_project.finance
    assert not ((hap["person_id"] == pid) & (hap["wave"] == "post")).any()
    assert not ((fin["household_id"] == hid) & (fin["wave"] == "post")).any()
    led = sample_project.ledger
    assert (led.loc[led["household_id"] == hid, "date"] <= left["left_date"].iloc[0]).all()
    sav = sample_project.savings
    mine = sav[sav["member_id"] == pid]
    # the leaver takes her deposits back on the day she leaves
    assert mine["withdrawal"].sum() == mine["deposit"].sum()
    assert mine["date"].max() == left["left_date"].iloc[0]
    # 3 target people without a post wave in all (2 + the leaver)
    targets = set(part.loc[part["role"] == "target", "person_id"])
    with_post = set(hap.loc[hap["wave"] == "post", "person_id"])
    assert len(targets - with_post) == 3
    assert hap["value"].isna().sum() == 3


def test_sample_happiness_values_in_range(sample_project):
    hap = sample_project.happiness
    tmhi = hap[hap["instrument"] == "tmhi15"]
    assert set(tmhi["item"]) == {f"q{i}" for i in range(1, 16)}
    assert tmhi["value"].dropna().between(1, 4).all()
    h10 = hap[hap["instrument"] == "happy10"]
    assert set(h10["item"]) == {"q1"}
    assert h10["value"].dropna().between(0, 10).all()
    assert set(hap["wave"].astype(str)) == {"pre", "during", "post"}


def test_sample_reverse_items_answered_in_reverse(sample_project):
    """q3-q5 are asked negatively: raw answers run against the positive items."""
    hap = sample_project.happiness
    wide = hap[hap["instrument"] == "tmhi15"].pivot_table(
        index=["person_id", "wave"], columns="item", values="value", observed=True)
    positive = wide[[f"q{i}" for i in (1, 2, 6, 7, 8, 9, 10)]].mean(axis=1)
    reverse = wide[["q3", "q4", "q5"]].mean(axis=1)
    # reference: pandas Series.corr (Pearson); a positive-scored mirror would be > 0
    assert positive.corr(reverse) < -0.2


def test_sample_effects_are_mixed(tmhi_totals):
    pairs = tmhi_totals.dropna(subset=["pre", "post"])
    change = (pairs["post"] - pairs["pre"]).groupby(pairs["village_id"]).mean()
    assert change["V01"] > 3 and change["V04"] > 3       # clear improvement
    assert 0 < change["V03"] < 3                           # slight
    assert abs(change["V02"]) < 1.5                        # flat
    assert change["V05"] < -1                              # worse
    assert tmhi_totals[["pre", "during", "post"]].stack().dropna().between(15, 60).all()


def test_sample_finance(sample_project):
    fin = sample_project.finance
    part = sample_project.participants.drop_duplicates("household_id")
    fin = fin.merge(part[["household_id", "village_id"]], on="household_id")
    pre = fin[fin["wave"] == "pre"]
    assert pre["income"].between(3000, 15000).all()
    assert (pre["debt_informal"] > 0).mean() > 0.2
    waves = fin.groupby("village_id")["wave"].apply(lambda w: set(w.astype(str)))
    assert waves["V01"] == {"pre", "during", "post"} and waves["V04"] == waves["V01"]
    assert waves["V02"] == {"pre", "post"}
    wide = fin.pivot_table(index=["village_id", "household_id"], columns="wave",
                           values="income", observed=True).dropna(subset=["pre", "post"])
    up = (wide["post"] > wide["pre"]).groupby("village_id").mean()
    assert up["V01"] > 0.8 and up["V04"] > 0.8 and up["V05"] < 0.3
    assert fin[["income", "expenses", "debt_formal", "debt_informal", "savings"]].isna(
    ).sum().sum() == 2


def test_sample_ledger_coverage(sample_project):
    led = sample_project.ledger
    part = sample_project.participants
    part = part[~part["village_id"].isin(sample_project.comparison_ids)]   # no account books
    targets = part.loc[part["role"] == "target", "household_id"]
    months = led.groupby("household_id")["date"].apply(lambda d: d.dt.to_period("M").nunique())
    months = months.reindex(targets).fillna(0)
    assert (months >= 6).mean() > 0.75                   # most keep 6+ months
    assert months.between(1, 2).sum() >= 3               # some sparse
    assert 1 <= (months == 0).sum() <= 6                 # a few keep none
    assert set(led["kind"]) == {"income", "expense"}
    assert {"อาหาร", "ค่าเดินทาง", "ค่าน้ำค่าไฟ", "ลงทุนอาชีพ", "ขายสินค้า", "ค่าจ้าง"} <= set(
        led["category"])
    assert (led["amount"] > 0).all()


def test_sample_savings(sample_project):
    sav = sample_project.savings
    assert sorted(sav["group_id"].unique()) == ["G01", "G02", "G03", "G04", "G05"]
    dep = sav.dropna(subset=["deposit"])
    p01 = dep[dep["group_id"].isin(["G01", "G02", "G03"])]
    p02 = dep[dep["group_id"].isin(["G04", "G05"])]
    assert set(p01["deposit"]) <= {30.0, 60.0} and set(p01["date"].dt.day) == {5}
    assert set(p02["deposit"]) <= {10.0, 20.0} and set(p02["date"].dt.day) == {1, 11, 21}
    loans = sav.dropna(subset=["loan"])
    assert 5 <= len(loans) and loans["loan"].between(1000, 3000).all()
    repaid = sav.groupby("member_id")[["loan", "repayment"]].sum()
    assert (repaid["repayment"] <= repaid["loan"]).all() and repaid["repayment"].sum() > 0
    # some members skipped a collection: fewer deposits than the full schedule
    counts = p01.groupby("member_id").size()
    assert (counts < counts.max()).any()


def test_sample_ladders_validate():
    from evaluation.ladder import read_ladder

    for folder, pid in ((P01, "P01"), (P02, "P02")):
        lad = read_ladder(folder / "ladder.yaml")
        assert lad.project_id == pid
        assert [s.number for s in lad.steps] == [1, 2, 3, 4]
        assert all(2 <= len(s.indicators) <= 4 for s in lad.steps)
        assert len(lad.warnings) == 0


def test_sample_program_tables_match_schema():
    tables = sample_program()
    for name, frame in tables.items():
        assert list(frame.columns) == [c.name for c in TABLES[name].columns]


# ----------------------------------------------------------- large programs --

@pytest.mark.parametrize("villages,households", [(1, 1), (3, 5), (12, 8), (25, 30)])
def test_large_program_shapes(villages, households):
    t = generate_program(villages, households, seed=3)
    part = t["participants"]
    assert len(part) == villages * households
    assert part["household_id"].nunique() == villages * households
    assert part["person_id"].is_unique
    assert len(t["villages"]) == villages
    assert len(t["projects"]) == math.ceil(villages / 10)
    assert set(t["villages"]["project_id"]) == set(t["projects"]["project_id"])
    assert (part.groupby("village_id").size() == households).all()
    # 16 item rows per person and wave; post missing for a few people
    hap = t["happiness"]
    per = hap.groupby(["person_id", "wave"], observed=True).size()
    assert (per == 16).all()
    n_post = hap.loc[hap["wave"] == "post", "person_id"].nunique()
    assert len(hap) == 16 * (2 * villages * households + n_post)
    fin = t["finance"]
    assert set(fin.loc[fin["wave"] == "pre", "household_id"]) == set(part["household_id"])
    assert set(t["lessons"]["section"]) == set(synth.SECTIONS)
    assert len(t["lessons"]) == 6 * villages
    assert part["national_id"].map(_valid_national_id).all()


def test_large_program_sizes():
    # 1,000 villages x 30 households (the benchmarks' scale; their scripts time it)
    t = generate_program(1000, 30, seed=5)
    assert len(t["participants"]) == 30_000
    assert t["participants"].groupby("village_id").size().eq(30).all()
    assert len(t["ledger"]) > 500_000


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("messy", [False, True])
def test_large_program_deterministic(tmp_path, fmt, messy):
    a = write_program(tmp_path / "a", villages=4, households=6, seed=9, fmt=fmt, messy=messy)
    b = write_program(tmp_path / "b", villages=4, households=6, seed=9, fmt=fmt, messy=messy)
    assert _same_tree(a, b)
    c = write_program(tmp_path / "c", villages=4, households=6, seed=10, fmt=fmt, messy=messy)
    assert not _same_tree(a, c)


def test_large_program_messy_has_thai_digits_and_be_dates(tmp_path):
    out = write_program(tmp_path / "m", villages=20, households=10, seed=1, messy=True)
    led = _read(out / "ledger.csv")
    assert led["date"].str.fullmatch(r"\d\d/\d\d/25\d\d").any()
    assert led["amount"].str.contains(f"[{THAI_DIGITS}]").any()
    clean = write_program(tmp_path / "c", villages=20, households=10, seed=1, messy=False)
    led = _read(clean / "ledger.csv")
    assert led["date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert led["amount"].str.fullmatch(r"\d+").all()


@pytest.mark.parametrize("fmt,messy", [("csv", True), ("csv", False), ("parquet", True),
                                       ("xlsx", False)])
def test_large_program_loads_without_problems(tmp_path, fmt, messy):
    from evaluation import load_project

    out = write_program(tmp_path / "big", villages=12, households=6, seed=4, fmt=fmt,
                        messy=messy)
    proj = load_project(out)
    assert (proj.problems["severity"] == "error").sum() == 0
    ref = generate_program(12, 6, seed=4)
    for name in ("participants", "happiness", "finance", "ledger", "savings", "lessons"):
        assert len(getattr(proj, name)) == len(ref[name]), name
    assert sorted(proj.ladders) == sorted(ref["projects"]["project_id"])
    # ids and amounts survive the mess
    assert set(proj.participants["person_id"]) == set(ref["participants"]["person_id"])
    assert proj.ledger["amount"].sum() == pytest.approx(ref["ledger"]["amount"].sum())


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_sample_other_formats_load(tmp_path, fmt, sample_project):
    from evaluation import load_project

    out = write_program(tmp_path / "s", fmt=fmt)
    proj = load_project(out)
    assert (proj.problems["severity"] == "error").sum() == 0
    for name in ("participants", "happiness", "finance", "ledger", "savings", "lessons"):
        assert len(getattr(proj, name)) == len(getattr(sample_project, name)), name


def test_sample_clean_variant_loads_identically(tmp_path, sample_project):
    from evaluation import load_project

    out = write_program(tmp_path / "clean", messy=False)
    assert not list(out.rglob("ผู้เข้าร่วม.csv"))
    proj = load_project(out)
    key = ["household_id", "wave"]
    a = proj.finance.sort_values(key).reset_index(drop=True)
    b = sample_project.finance.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[["income", "expenses", "savings"]],
                                  b[["income", "expenses", "savings"]])


# ---------------------------------------------------------- output folder --

def test_rerun_replaces_previous_output(tmp_path):
    out = tmp_path / "p"
    write_program(out, villages=2, households=3, seed=1, fmt="csv")
    assert list(out.glob("*.csv"))
    write_program(out, villages=2, households=3, seed=1, fmt="parquet")
    assert not list(out.glob("*.csv"))
    assert len(list(out.glob("*.parquet"))) == 8


def test_refuses_folder_with_foreign_data(tmp_path):
    (tmp_path / "mine.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SynthError, match="mine.csv"):
        write_program(tmp_path, villages=1, households=2)
    assert (tmp_path / "mine.csv").exists()


def test_xlsx_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "EXCEL_MAX_ROWS", 100)
    with pytest.raises(SynthError, match="Excel"):
        write_program(tmp_path / "x", villages=2, households=5, fmt="xlsx")


@pytest.mark.parametrize("kwargs,param", [
    ({"fmt": "json"}, "fmt"),
    ({"villages": 0}, "villages"),
    ({"villages": 2.5}, "villages"),
    ({"villages": True}, "villages"),
    ({"villages": 2, "households": 0}, "households"),
    ({"villages": 2, "households": "30"}, "households"),
    ({"seed": -1}, "seed"),
    ({"seed": "x"}, "seed"),
    ({"messy": "yes"}, "messy"),
])
def test_bad_arguments(tmp_path, kwargs, param):
    with pytest.raises(SynthError, match=rf"^{param} must"):
        write_program(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_out_dir_that_is_a_file(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(SynthError, match="out_dir"):
        write_program(path, villages=1, households=1)


def test_synth_error_is_an_evaluation_error():
    from evaluation.errors import EvaluationError

    assert issubclass(SynthError, EvaluationError)
