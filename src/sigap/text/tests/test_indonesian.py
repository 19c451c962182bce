"""The Indonesian text pipeline, rule by rule and word by word."""

from __future__ import annotations

import pytest

from sigap.text.indonesian import (
    EMAIL_TOKEN,
    ORDER_TOKEN,
    PHONE_TOKEN,
    URL_TOKEN,
    normalise,
    slang,
    stem,
    stopwords,
    tokens,
)

NORMALISED = [
    # negations
    ("gak", "tidak"),
    ("nggak", "tidak"),
    ("ga", "tidak"),
    ("tdk", "tidak"),
    ("enggak", "tidak"),
    ("Gak bisa login", "tidak bisa login"),
    # chat abbreviations and slang (IndoCollex and the supplement)
    ("yg", "yang"),
    ("bgt", "banget"),
    ("sy", "saya"),
    ("dgn", "dengan"),
    ("udh", "sudah"),
    ("udah", "sudah"),
    ("sdh", "sudah"),
    ("blm", "belum"),
    ("krn", "karena"),
    ("gimana", "bagaimana"),
    ("tp", "tetapi"),
    ("jg", "juga"),
    ("aja", "saja"),
    ("kalo", "kalau"),
    ("dr", "dari"),
    ("utk", "untuk"),
    ("gw", "saya"),
    ("makasih", "terima kasih"),
    ("tlg", "tolong"),
    ("knp", "kenapa"),
    ("skrg", "sekarang"),
    ("org", "orang"),
    ("pengen", "ingin"),
    ("kmrn", "kemarin"),
    ("ok", "oke"),
    ("tf ke rekening", "transfer ke rekening"),
    ("anak sy kesetrum", "anak saya kesetrum"),
    ("nyetrum", "menyetrum"),
    ("kebakar", "terbakar"),
    ("keselek", "tersedak"),
    ("korslet", "korsleting"),
    ("konsleting", "korsleting"),
    # case and punctuation
    ("HP SAYA MATI!!!", "hp saya mati"),
    ("Sudah   dikirim, kak?", "sudah dikirim kak"),
    # repeated letters: runs of 3+ collapse, real double letters stay
    ("bangeeettt", "banget"),
    ("mantapppp", "mantap"),
    ("maaaaf", "maaf"),
    ("saaaat", "saat"),
    ("tinggiiii", "tinggi"),
    ("okeeee", "oke"),
    ("gaaaak", "tidak"),
    ("tolongg", "tolong"),
    ("maaf saat tinggi", "maaf saat tinggi"),
    # reduplication with a digit
    ("kata2", "kata-kata"),
    ("anak2nya", "anak-anaknya"),
    ("mual2", "mual-mual"),
    ("org2", "orang-orang"),
    # numbers in words and money shorthands
    ("dua ratus ribu", "200000"),
    ("lima belas", "15"),
    ("seratus", "100"),
    ("sejuta", "1000000"),
    ("sebelas", "11"),
    ("dua puluh lima", "25"),
    ("tiga ratus dua puluh satu", "321"),
    ("seribu lima ratus", "1500"),
    ("satu juta lima ratus ribu", "1500000"),
    ("sepuluh ribu rupiah", "10000 rupiah"),
    ("dua ribu tiga ribu", "2000 3000"),
    ("10 ribu", "10000"),
    ("2,5 juta", "2500000"),
    ("150rb", "150000"),
    ("1,5jt", "1500000"),
    ("100k", "100000"),
    ("Rp 2.500.000", "rp 2500000"),
    ("Rp250.000", "rp 250000"),
    ("2x gagal", "2 kali gagal"),
    ("pukul 09.00", "pukul 09.00"),
    # emoji and emoticons
    ("😡", "emoji_marah"),
    ("🙏", "emoji_mohon"),
    ("😊", "emoji_senang"),
    ("😡😡😡 kok gini", "emoji_marah kok begini"),
    ("👍🏻", "emoji_jempol"),
    ("❤️", "emoji_suka"),
    ("makasih 🦄", "terima kasih"),
    ("oke :)", "oke emoji_senang"),
    ("kecewa :(", "kecewa emoji_sedih"),
    # placeholders
    ("cek https://tokopedia.com/abc", f"cek {URL_TOKEN}"),
    ("di www.contoh.co.id ya", f"di {URL_TOKEN} ya"),
    ("email budi.santoso@gmail.com", f"email {EMAIL_TOKEN}"),
    ("WA 0812-3456-7890", f"whatsapp {PHONE_TOKEN}"),
    ("+62 812 3456 7890", PHONE_TOKEN),
    ("(021) 555-1234", PHONE_TOKEN),
    ("INV/20240512/MPL/3881920", ORDER_TOKEN),
    ("resi JP1234567890", f"resi {ORDER_TOKEN}"),
    ("tiket #458921", f"tiket {ORDER_TOKEN}"),
    ("PO 4500123987", f"po {ORDER_TOKEN}"),
    ("HP 256GB", "hp 256gb"),
    ("powerbank 10000mAh", "powerbank 10000mah"),
    ("Rp 620.000.000", "rp 620000000"),
    # clitics, prefixes and apostrophes written with a hyphen or quote
    ("CCTV-nya", "cctv nya"),
    ("di-hold", "di hold"),
    ("jum'at", "jumat"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISED)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_the_table_covers_at_least_sixty_pairs() -> None:
    assert len(NORMALISED) >= 60


def test_empty_text_gives_nothing() -> None:
    assert normalise("") == ""
    assert tokens("") == []
    assert normalise("  \n\t ") == ""


def test_only_emoji_keeps_the_known_ones_once_each() -> None:
    assert normalise("😡😡🙏🦄🦄") == "emoji_marah emoji_mohon"
    assert normalise("🦄🐉") == ""


def test_mixed_english_is_kept_lower_cased() -> None:
    assert normalise("Dear CS, my order belum sampai, please check ASAP") == (
        "dear layanan pelanggan my order belum sampai please check asap"
    )


def test_very_long_input_is_handled_word_by_word() -> None:
    message = "paket sy gak nyampe2 udh 2 minggu 😡 " * 5_000
    result = normalise(message)
    assert result.split()[:7] == ["paket", "saya", "tidak", "sampai-sampai", "sudah", "2", "minggu"]
    assert len(result.split()) == 8 * 5_000


def test_tokens_stem_with_sastrawi() -> None:
    assert tokens("Pengirimannya terlambat, anak saya terluka") == [
        "kirim",
        "lambat",
        "anak",
        "saya",
        "luka",
    ]


def test_tokens_without_stemming_are_the_normalised_words() -> None:
    assert tokens("Pengirimannya gak nyampe", stem=False) == ["pengirimannya", "tidak", "sampai"]


def test_tokens_drop_stop_words_but_keep_negations() -> None:
    assert tokens(
        "Saya sudah bayar tapi paketnya belum dikirim dan tidak ada kabar", drop_stopwords=True
    ) == [
        "bayar",
        "paket",
        "belum",
        "kirim",
        "tidak",
        "ada",
        "kabar",
    ]


def test_negations_are_not_stop_words() -> None:
    assert {"tidak", "belum", "bukan", "jangan", "tanpa"}.isdisjoint(stopwords())


def test_placeholders_emoji_and_numbers_are_not_stemmed() -> None:
    assert tokens("😡 bayar 200rb ke https://contoh.com") == [
        "emoji_marah",
        "bayar",
        "200000",
        "ke",
        URL_TOKEN,
    ]
    assert stem("token_pesanan") == "token_pesanan"


def test_stems_are_memoised() -> None:
    stem.cache_clear()
    stem("keracunan")
    stem("keracunan")
    assert stem.cache_info().hits == 1


def test_the_supplement_overrides_indocollex() -> None:
    # IndoCollex glosses "bgt" as "sekali" and "tf" as "tensorflow"
    assert slang()["bgt"] == "banget"
    assert slang()["tf"] == "transfer"
