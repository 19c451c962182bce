"""A small knowledge base for the kb tests: public, internal, draft and archived articles
in three categories (created as the system, like an import)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sigap.kb import bot, index
from sigap.kb.models import Article, Category
from sigap.kb.services import ArticleIn, CategoryIn, article_create, category_create

ARTICLES = [
    # slug, category, visibility, status, title, body, title_en, body_en
    (
        "paket-terlambat",
        "pengiriman",
        "public",
        "published",
        "Paket belum sampai melewati estimasi",
        "Jika paket belum sampai melewati estimasi, cek halaman Lacak Paket untuk melihat "
        "posisi terakhir paket. Estimasi dihitung dalam hari kerja sejak paket dikirim. "
        "Jika paket terlambat lebih dari 2 hari kerja, Anda mendapat voucher ongkos kirim.",
        "Parcel has not arrived after the estimate",
        "If your parcel has not arrived after the estimate, check the Track Parcel page.",
    ),
    (
        "lacak-paket",
        "pengiriman",
        "public",
        "published",
        "Cara melacak paket",
        "Buka Pesanan Saya, pilih pesanan, lalu tekan Lacak Paket untuk melihat riwayat "
        "perjalanan paket dan nomor resi.",
        "How to track a parcel",
        "Open My Orders, choose the order and tap Track Parcel to follow its journey.",
    ),
    (
        "waktu-refund",
        "pembayaran",
        "public",
        "published",
        "Berapa lama proses refund",
        "Setelah pengembalian disetujui, dana refund dikirim ke metode pembayaran asal "
        "dalam 3 sampai 7 hari kerja.",
        "",
        "",
    ),
    (
        "refund-belum-masuk",
        "pembayaran",
        "public",
        "published",
        "Refund belum masuk",
        "Cek status refund di menu Pengembalian. Jika sudah lewat 7 hari kerja dan dana "
        "refund belum masuk, kirim bukti mutasi rekening kepada kami.",
        "",
        "",
    ),
    (
        "refund-sigappay",
        "pembayaran",
        "public",
        "published",
        "Refund ke saldo SigapPay",
        "Refund ke saldo SigapPay masuk dalam 1 hari kerja setelah pengembalian disetujui.",
        "",
        "",
    ),
    (
        "lupa-kata-sandi",
        "akun",
        "public",
        "published",
        "Lupa kata sandi",
        "Di halaman masuk, tekan Lupa Kata Sandi lalu masukkan nomor HP atau email yang "
        "terdaftar. Kode OTP berlaku 15 menit.",
        "Forgot your password",
        "On the sign-in page, tap Forgot Password and enter your phone number or email.",
    ),
    (
        "hubungi-cs",
        "akun",
        "public",
        "published",
        "Cara menghubungi layanan pelanggan",
        "Layanan pelanggan buka setiap hari pukul 08.00 sampai 20.00 WIB lewat live chat, "
        "WhatsApp 0811-1500-747 dan email halo@tokosigap.id.",
        "",
        "",
    ),
    (
        "kompensasi-internal",
        "pengiriman",
        "internal",
        "published",
        "Panduan kompensasi paket terlambat (internal)",
        "Untuk agen: paket terlambat lebih dari 5 hari boleh diberi voucher Rp50.000 "
        "tanpa persetujuan supervisor. Paket belum sampai dicek dulu ke gudang.",
        "",
        "",
    ),
    (
        "promo-rahasia",
        "pembayaran",
        "public",
        "draft",
        "Promo gratis ongkir akhir tahun",
        "Draf: paket belum sampai dapat gratis ongkir akhir tahun untuk semua pelanggan.",
        "",
        "",
    ),
    (
        "kebijakan-lama",
        "pengiriman",
        "public",
        "archived",
        "Kebijakan pengiriman lama",
        "Arsip: paket belum sampai dulu diganti dengan uang tunai.",
        "",
        "",
    ),
]


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    """The in-memory index and bot configuration must not leak between tests."""
    index.invalidate()
    bot.invalidate()
    yield
    index.invalidate()
    bot.invalidate()


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    return {
        slug: category_create(actor=None, data=CategoryIn(name=name, slug=slug, position=i))
        for i, (slug, name) in enumerate(
            [("pengiriman", "Pengiriman"), ("pembayaran", "Pembayaran"), ("akun", "Akun")]
        )
    }


@pytest.fixture
def kb(categories: dict[str, Category]) -> dict[str, Article]:
    out = {}
    for slug, cat, visibility, status, title, body, title_en, body_en in ARTICLES:
        out[slug] = article_create(
            actor=None,
            slug=slug,
            content=ArticleIn(
                category=categories[cat],
                title=title,
                body=body,
                title_en=title_en,
                body_en=body_en,
                visibility=visibility,
                status=status,
            ),
        )
    return out
