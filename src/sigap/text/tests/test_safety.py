"""The safety detector: recall and precision on the held-out evaluation set, and the cases
the issue names. No database needed."""

from __future__ import annotations

import dataclasses
from importlib import resources

import pytest

from sigap.text.safety import SafetyResult, detect, parse_lexicon

# Measured on safety_eval.tsv (held out; the lexicon was tuned on safety_dev.tsv only):
# recall 171/174 = 0.983, precision 171/177 = 0.966. See bench/safety.py.
MIN_RECALL = 0.98
MIN_PRECISION = 0.95


def load(name: str) -> list[tuple[str, str]]:
    text = (resources.files("sigap.triage") / "data" / name).read_text(encoding="utf-8")
    header, *lines = text.splitlines()
    assert header == "text\tlabel"
    rows = [tuple(line.split("\t")) for line in lines]
    assert all(len(row) == 2 and row[1] in {"safety", "ordinary"} for row in rows)
    return rows  # type: ignore[return-value]


def scores(rows: list[tuple[str, str]]) -> tuple[float, float, list[str], list[str]]:
    missed = [text for text, label in rows if label == "safety" and not detect(text).is_safety]
    false_alarms = [text for text, label in rows if label == "ordinary" and detect(text).is_safety]
    positives = sum(label == "safety" for _, label in rows)
    found = positives - len(missed)
    return found / positives, found / (found + len(false_alarms)), missed, false_alarms


def test_the_evaluation_sets_are_big_enough_and_disjoint() -> None:
    evaluation, development = load("safety_eval.tsv"), load("safety_dev.tsv")
    assert sum(label == "safety" for _, label in evaluation) >= 160
    assert sum(label == "ordinary" for _, label in evaluation) >= 320
    assert sum(label == "safety" for _, label in development) >= 60
    assert sum(label == "ordinary" for _, label in development) >= 100
    assert len({text for text, _ in evaluation}) == len(evaluation)
    assert not {text for text, _ in evaluation} & {text for text, _ in development}


def test_recall_and_precision_on_the_held_out_set() -> None:
    recall, precision, missed, false_alarms = scores(load("safety_eval.tsv"))
    assert recall >= MIN_RECALL, missed
    assert precision >= MIN_PRECISION, false_alarms


def test_recall_and_precision_on_the_development_set() -> None:
    recall, precision, missed, false_alarms = scores(load("safety_dev.tsv"))
    assert recall >= MIN_RECALL, missed
    assert precision >= MIN_PRECISION, false_alarms


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("anak sy luka kena pinggiran meja kaca", "cedera"),
        ("Suami saya patah tulang setelah kursinya ambruk", "cedera"),
        ("tangannya berdarah kena pisau blender", "cedera"),
        ("ibu saya dirawat di rumah sakit setelah terpeleset di toko", "cedera"),
        ("Rumah saya kebakaran gara-gara charger kalian", "kebakaran"),
        ("powerbanknya meledak pas dicas", "kebakaran"),
        ("colokan korslet, ada percikan api", "kebakaran"),
        ("kipas anginnya berasap, bau hangus", "kebakaran"),
        ("hp sy kebakar", "kebakaran"),
        ("sekeluarga keracunan setelah makan nasi kotak", "racun"),
        ("anak saya muntah-muntah setelah minum susu dari toko ini", "racun"),
        ("satu kantor diare massal setelah makan katering", "racun"),
        ("anak sy kesetrum mesin cuci", "listrik"),
        ("kulkasnya nyetrum kalau dipegang", "listrik"),
        ("saya tersengat listrik dari dispenser", "listrik"),
        ("bau gas menyengat dari regulator yang baru dipasang", "gas"),
        ("tabung elpiji bocor", "gas"),
        ("bayi saya tersedak tutup botol", "tersedak"),
        ("kurir kalian memukul saya", "kekerasan"),
        ("saya ditampar satpam toko", "kekerasan"),
        ("debt collector mengancam akan membunuh saya", "ancaman"),
        ("saya ingin bunuh diri", "bunuh_diri"),
        ("capek, pengen mati aja", "bunuh_diri"),
        ("rasanya mau mengakhiri hidup", "bunuh_diri"),
        ("pekerja kalian tewas tertimpa crane", "nyawa"),
        ("anak saya hampir tenggelam di kolam hotel", "nyawa"),
    ],
)
def test_it_flags_danger_to_people(text: str, signal: str) -> None:
    result = detect(text)
    assert result.is_safety
    assert signal in result.signals


@pytest.mark.parametrize(
    "text",
    [
        "mati lampu dari jam 6 sore",
        "HP saya mati total setelah update",
        "paket hancur waktu sampai",
        "kecewa berat dengan pelayanannya",
        "pengiriman parah banget lambatnya",
        "API tidak bisa diakses sejak pagi",
        "Dokumentasi API key ada di mana?",
        "harga panas akhir pekan ini",
        "promo panas 12.12",
        "di ranked saya kebunuh terus",
        "cara bunuh boss level 30 gimana?",
        "produk ini racun banget, pengen borong",
        "bos saya kebakaran jenggot",
        "pesan ayam bakar dua porsi",
        "kompor tidak keluar api padahal gas penuh",
        "rapat pukul 10 pagi",
        "tagihan jatuh tempo besok",
        "kartu ATM saya tertelan mesin",
        "gas terus min promonya",
        "vape ini asapnya tebal",
        "tagihan saya terpotong dua kali",
        "poin saya hangus",
    ],
)
def test_it_lets_ordinary_messages_through(text: str) -> None:
    assert detect(text) == SafetyResult(is_safety=False)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("rumah sy kebakran", "kebakran"),
        ("saya keracunaan", "keracunaan"),
        ("anak sy kesetrm", "kesetrm"),
    ],
)
def test_it_reads_through_one_typing_slip(text: str, word: str) -> None:
    assert detect(text).words == (word,)


def test_it_reports_signals_and_words_in_order() -> None:
    result = detect("Charger nyetrum lalu terbakar, tangan anak sy luka 😭")
    assert result == SafetyResult(
        is_safety=True,
        signals=("listrik", "kebakaran", "cedera"),
        words=("menyetrum", "terbakar", "luka"),
    )


def test_the_result_is_frozen() -> None:
    result = detect("anak saya terluka")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.is_safety = False  # type: ignore[misc]


def test_it_prefers_recall_on_figurative_fire() -> None:
    # "membakar semangat" is figurative, but flagging it is the accepted price of recall
    assert detect("harga yang membakar semangat").signals == ("kebakaran",)


def test_empty_and_emoji_only_messages_are_ordinary() -> None:
    assert detect("") == SafetyResult(is_safety=False)
    assert detect("😡😡😡") == SafetyResult(is_safety=False)


def test_the_lexicon_rejects_unknown_sets_and_bad_lines() -> None:
    with pytest.raises(ValueError, match=r"unknown set \$NOPE"):
        parse_lexicon("rule\tcedera\t$NOPE\t\t\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_lexicon("rul\tcedera\tluka\n")
