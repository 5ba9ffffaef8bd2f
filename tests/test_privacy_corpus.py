"""Measured quality of redaction on a labelled corpus.

``tests/data/pii_corpus.jsonl``: Thai sentences written for this test in the
style of field notes (every name, number and handle invented), one JSON
object a line: ``text`` and ``spans`` (``kind``, ``start``, ``end``,
``value``). Sentences without spans are ordinary phrases that must come out
unchanged.

Scoring (per kind):

* a gold span is **found** when one detected span of the same kind covers it
  entirely (one token for title + name + surname);
* a detected span is **correct** when it overlaps a gold span of the same
  kind and everything it covers outside gold spans is spaces or punctuation.

recall = found / gold spans; precision = correct / detected spans.

``python tests/test_privacy_corpus.py`` prints the table quoted in
``docs/lessons.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.privacy import KINDS, pii_report, redact_pii

CORPUS = Path(__file__).parent / "data" / "pii_corpus.jsonl"
#: 48 sentences written after the rules were tuned on CORPUS and scored once
#: before any further change (the first-pass figures are in docs/lessons.md);
#: its misses are the residual risks named there and stay misses on purpose.
HELDOUT = Path(__file__).parent / "data" / "pii_heldout.jsonl"


def load_corpus(path: Path = CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(corpus: list[dict]) -> pd.DataFrame:
    """Per kind: n_gold, n_found, n_detected, n_correct, recall, precision."""
    rows = {k: dict.fromkeys(("n_gold", "n_found", "n_detected", "n_correct"), 0) for k in KINDS}
    for rec in corpus:
        text, gold = rec["text"], rec["spans"]
        found = pii_report(text)
        det = list(zip(found["kind"], found["start"], found["end"]))
        for g in gold:
            rows[g["kind"]]["n_gold"] += 1
            if any(k == g["kind"] and s <= g["start"] and e >= g["end"] for k, s, e in det):
                rows[g["kind"]]["n_found"] += 1
        for k, s, e in det:
            rows[k]["n_detected"] += 1
            overlap = [g for g in gold if g["kind"] == k and s < g["end"] and e > g["start"]]
            outside = "".join(text[i] for i in range(s, e)
                              if not any(g["start"] <= i < g["end"] for g in gold))
            if overlap and not re.search(r"\w", outside):
                rows[k]["n_correct"] += 1
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("kind").reset_index()
    out["recall"] = out["n_found"] / out["n_gold"]
    out["precision"] = out["n_correct"] / out["n_detected"]
    total = out[["n_gold", "n_found", "n_detected", "n_correct"]].sum()
    out.loc[len(out)] = {"kind": "all", **total.to_dict(),
                         "recall": total["n_found"] / total["n_gold"],
                         "precision": total["n_correct"] / total["n_detected"]}
    return out


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def scores(corpus):
    return score(corpus).set_index("kind")


def test_corpus_is_well_formed(corpus):
    assert len(corpus) >= 200
    negatives = [r for r in corpus if not r["spans"]]
    assert len(negatives) >= 60
    for rec in corpus:
        for span in rec["spans"]:
            assert rec["text"][span["start"]:span["end"]] == span["value"], rec
            assert span["kind"] in KINDS
    # every kind appears at least 3 times
    counts = pd.Series([s["kind"] for r in corpus for s in r["spans"]]).value_counts()
    assert set(counts.index) == set(KINDS)
    assert counts.min() >= 3


def test_recall_is_one_for_every_kind(scores):
    missed = scores[scores["recall"] < 1]
    assert missed.empty, missed


def test_precision_per_kind(scores):
    # every kind at least 0.95 on this corpus; over all detections at least 0.98
    assert (scores["precision"] >= 0.95).all(), scores
    assert scores.loc["all", "precision"] >= 0.98


def test_negative_sentences_unchanged(corpus):
    changed = [(r["text"], redact_pii(r["text"])) for r in corpus
               if not r["spans"] and redact_pii(r["text"]) != r["text"]]
    assert changed == []


def test_heldout_sentences():
    # 21 names, 18 found after the fixes (the misses: ตาเหลา, ลุงเสาร์ — a kinship
    # term before a nickname that is an ordinary word — and the surname พรหมมา
    # cut at มา); every other kind found; no false alarm
    s = score(load_corpus(HELDOUT)).set_index("kind")
    assert len(load_corpus(HELDOUT)) == 48
    assert s.loc["name", "n_gold"] == 21 and s.loc["name", "n_found"] >= 18
    assert (s.drop(index=["name", "all"])["recall"] == 1).all()
    assert s.loc["all", "precision"] == 1.0


def test_scoring_counts_misses_and_false_alarms():
    # the scorer itself: a sentence whose name is not detected (recall 0) and a
    # negative sentence with a detection (precision 0), hand-counted
    fake = [{"text": "ข้อความธรรมดา", "spans": [{"kind": "name", "start": 0, "end": 3,
                                                   "value": "ข้อ"}]},
            {"text": "โทร 081-234-5678", "spans": []}]
    s = score(fake).set_index("kind")
    assert s.loc["name", "n_gold"] == 1 and s.loc["name", "n_found"] == 0
    assert s.loc["phone", "n_detected"] == 1 and s.loc["phone", "n_correct"] == 0


if __name__ == "__main__":  # the tables for docs/lessons.md
    for path in (CORPUS, HELDOUT):
        corpus = load_corpus(path)
        print(f"{path.name}: {len(corpus)} sentences, "
              f"{sum(not r['spans'] for r in corpus)} without personal data")
        print(score(corpus).to_string(index=False, float_format="{:.3f}".format))
