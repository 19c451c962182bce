"""What the live chat widget says, per language: its strings (``widget.js`` says each
through ``t(...)``; a test checks the two lists agree) and its defaults from the settings.

The widget runs on the company's own pages, not Sigap's, so it cannot load Django's
JavaScript catalog with the visitor's session; it asks ``/chat/widget/?lang=<code>`` for
this (``views.widget_config``), rendered by gettext in that language.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.accounts import brands, message_templates

COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_COLOR = "#0b6e4f"

STRINGS = (
    gettext_noop("Chat dengan kami"),
    gettext_noop("Live chat"),
    gettext_noop("Kami siap membantu"),
    gettext_noop("Tutup"),
    gettext_noop("Halo! Isi data berikut agar kami dapat membalas Anda."),
    gettext_noop("Nama"),
    gettext_noop("Email"),
    gettext_noop("Nomor HP"),
    gettext_noop("Apa yang bisa kami bantu?"),
    gettext_noop("Mulai chat"),
    gettext_noop("Kirim kode"),
    gettext_noop("Kirim ulang kode"),
    gettext_noop("Kode verifikasi"),
    gettext_noop("Verifikasi"),
    gettext_noop("Pesan"),
    gettext_noop("Petugas sedang mengetik…"),
    gettext_noop("Percakapan telah berakhir. Terima kasih!"),
    gettext_noop("Mulai percakapan baru"),
    gettext_noop("Tulis pesan…"),
    gettext_noop("Lampirkan berkas"),
    gettext_noop("Berkas"),
    gettext_noop("Berkas lampiran"),
    gettext_noop("Kirim"),
    gettext_noop("Akhiri percakapan"),
    gettext_noop("Gagal terkirim"),
    gettext_noop("Mengirim…"),
    gettext_noop("Dibaca"),
    gettext_noop("Terkirim"),
    gettext_noop("Lampiran: %s (%s KB)"),
    gettext_noop("Terima usulan"),
    gettext_noop("Tolak"),
    gettext_noop("Usulan: %s"),
    gettext_noop("Anda dilayani oleh %s"),
    gettext_noop("Percakapan berakhir · %s"),
    gettext_noop("Menunggu petugas… · %s"),
    gettext_noop("Email %s terverifikasi."),
    gettext_noop("Kode sudah kami kirim ke %s. Masukkan 6 angka kodenya."),
    gettext_noop(
        "Email %s belum diverifikasi. Kirim kode ke email itu agar percakapan ini terhubung "
        "dengan data Anda."
    ),
    gettext_noop("Terjadi kesalahan."),
    gettext_noop("Kode terdiri dari 6 angka."),
    gettext_noop("Nama wajib diisi."),
    gettext_noop("Isi email atau nomor HP agar kami dapat membalas."),
    gettext_noop("Tulis pesan Anda."),
    gettext_noop("Mengunggah %s…"),
    gettext_noop("Gagal mengunggah."),
    gettext_noop("Bicara dengan petugas"),
    gettext_noop("Baca selengkapnya"),
    gettext_noop("Asisten Sigap"),
    gettext_noop("Pilihan jawaban"),
    gettext_noop("Beri nilai %s"),
    gettext_noop("Mungkin ini menjawab pertanyaan Anda"),
    gettext_noop("Artikel yang mungkin menjawab pertanyaan Anda: %s"),
    gettext_noop(
        "Artikel terbuka di tab baru. Bila belum terjawab, lanjutkan mengisi formulir ini."
    ),
)


def color_or_default(value: str) -> str:
    return value if COLOR.match(value or "") else DEFAULT_COLOR


def config(language: str, brand_slug: str = "") -> dict[str, Any]:
    """The widget's strings and defaults in ``language`` (a supported code), for the brand
    it is embedded for (``data-brand``; unknown or empty: the default brand). A brand other
    than the default one gives its name (the title) and colour; the greeting above the
    form is the settings page's "Sapaan formulir widget live chat" when edited (for the
    brand, or every brand), else ``SIGAP_CHAT_GREETING``. The page's own ``data-``
    attributes still win (``widget.js``)."""
    brand = brands.by_slug(brand_slug) or brands.default()
    with translation.override(language):
        name = settings.SIGAP_CHAT_NAME or _("Live chat")
        color = color_or_default(settings.SIGAP_CHAT_COLOR)
        if not brand.is_default:
            name = brand.name
            color = brand.colour if COLOR.match(brand.colour) else color
        edited = message_templates.render_message(
            "widget_form_greeting", language=language, brand=brand.id, context={}
        )
        greeting = (
            edited.body
            if edited.customized
            else settings.SIGAP_CHAT_GREETING
            or _("Halo! Isi data berikut agar kami dapat membalas Anda.")
        )
        return {
            "lang": language,
            "brand": brand.slug,
            "strings": {s: _(s) for s in STRINGS},
            "name": name,
            "color": color,
            "greeting": greeting,
        }
