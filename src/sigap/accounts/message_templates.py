"""The messages Sigap writes to customers by itself (the acknowledgement, the reminder,
survey invitations, portal sign-in mails, proposal messages, the chat widget's greeting),
editable per brand and language on the settings page (``/settings/templates/``).

``KEYS`` is the registry: for each message its default subject and body in Indonesian and
English and the placeholders it accepts. A placeholder is written ``{nama_depan}`` or
with its English name, ``{first_name}``. ``render_message`` is the one way a sender gets
a text: the first of (the brand, the language) → (every brand, the language) → the code's
default in the language, and for a language without a default in code the same chain in
Indonesian. Rendering substitutes the given values only (no attribute or index access, no
format specifications), and in the HTML part escapes every value but those the sender
marks safe (its own markup, such as the survey's buttons).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import Brand, MessageTemplate, User
from sigap.core.errors import ValidationFailed
from sigap.core.memo import SharedMemo

SUBJECT_MAX = 200
BODY_MAX = 5000
DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True)
class Placeholder:
    name: str  # Indonesian, as the defaults in Indonesian write it
    alias: str  # English
    description: str | Promise  # what it stands for, in the reader's language
    sample: str | Promise  # the value the settings page's preview shows (in its language)

    def written(self, language: str) -> tuple[str, str]:
        """(the name a text in ``language`` writes, the other name): the defaults in
        Indonesian write ``{nama_depan}``, the others ``{first_name}``."""
        return (self.name, self.alias) if language == DEFAULT_LANGUAGE else (self.alias, self.name)


P = {
    p.name: p
    for p in (
        Placeholder(
            "nama_depan",
            "first_name",
            gettext_lazy("Nama depan pelanggan (kosong bila tidak diketahui)."),
            "Budi",
        ),
        Placeholder(
            "sapaan",
            "greeting",
            gettext_lazy("Salam pembuka, dengan nama depan pelanggan bila diketahui."),
            "Halo Budi,",
        ),
        Placeholder("nomor_tiket", "ticket_number", gettext_lazy("Nomor tiket."), "SGP-000042"),
        Placeholder(
            "subjek",
            "ticket_subject",
            gettext_lazy("Subjek tiket."),
            gettext_lazy("Saldo terpotong dua kali"),
        ),
        Placeholder(
            "tenggat_balasan",
            "reply_by",
            gettext_lazy("Batas waktu balasan pertama."),
            gettext_lazy("Senin, 7 Desember 2026 pukul 10.00 WIB"),
        ),
        Placeholder(
            "tenggat",
            "resolve_by",
            gettext_lazy("Batas waktu penyelesaian."),
            gettext_lazy("Rabu, 9 Desember 2026 pukul 17.00 WIB"),
        ),
        Placeholder(
            "tautan", "link", gettext_lazy("Tautan untuk pelanggan."), "https://contoh.id/t/abc"
        ),
        Placeholder(
            "tautan_masuk",
            "sign_in_link",
            gettext_lazy("Alamat halaman masuk portal."),
            "https://contoh.id/portal/masuk/",
        ),
        Placeholder("menit", "minutes", gettext_lazy("Masa berlaku tautan, dalam menit."), "30"),
        Placeholder(
            "pilihan",
            "choices",
            gettext_lazy("Angka-angka pilihan survei dengan tautannya (tombol di email HTML)."),
            "1: https://contoh.id/s/1\n2: https://contoh.id/s/2\n3: https://contoh.id/s/3",
        ),
        Placeholder(
            "usulan",
            "proposal",
            gettext_lazy("Ringkasan usulan penyelesaian, dengan kompensasinya bila ada."),
            gettext_lazy(
                "Kami mengembalikan potongan ganda ke saldo Anda.\n\nKompensasi: Rp 50.000"
            ),
        ),
        Placeholder(
            "status_usulan",
            "proposal_status",
            gettext_lazy("Jawaban yang sudah tercatat atas usulan (diterima atau ditolak)."),
            gettext_lazy("diterima"),
        ),
        Placeholder(
            "keadaan_kini",
            "current_state",
            gettext_lazy(
                "Apa yang berlaku sekarang, ditulis Sigap (tiket sudah selesai, usulan "
                "pengganti, atau petugas menyiapkan usulan baru)."
            ),
            gettext_lazy(
                "Petugas kami menggantinya dengan usulan baru: “Voucher Rp 50.000”. Silakan "
                "jawab usulan yang baru."
            ),
        ),
        Placeholder("kode", "code", gettext_lazy("Kode verifikasi enam angka."), "482913"),
        Placeholder("nama", "name", gettext_lazy("Nama orang yang diundang."), "Rina"),
        Placeholder(
            "pengundang", "inviter", gettext_lazy("Nama yang mengirim undangan."), "Andi Admin"
        ),
        Placeholder("nama_pengguna", "username", gettext_lazy("Nama pengguna akun staf."), "rina"),
        Placeholder(
            "berlaku_sampai",
            "valid_until",
            gettext_lazy("Saat tautan berhenti berlaku."),
            gettext_lazy("14 Desember 2026 10.00"),
        ),
        Placeholder(
            "masuk_sso",
            "sso_sign_in",
            gettext_lazy(
                "Kalimat masuk dengan single sign-on, dengan baris kosong sesudahnya "
                "(kosong bila SSO tidak diatur)."
            ),
            gettext_lazy(
                "Atau masuk dengan Google memakai alamat ini: https://contoh.id/masuk/\n\n"
            ),
        ),
        Placeholder(
            "merek", "brand", gettext_lazy("Nama merek (dari pengaturan merek)."), "Toko Contoh"
        ),
        Placeholder(
            "usaha", "business", gettext_lazy("Nama usaha (SIGAP_BUSINESS_NAME)."), "Toko Contoh"
        ),
    )
}
ALIASES = {p.alias: p.name for p in P.values()}
COMMON = ("merek", "usaha")  # every message may use these


@dataclass(frozen=True)
class TemplateKey:
    key: str
    label: str | Promise
    description: str | Promise  # when it is sent
    placeholders: tuple[str, ...]
    body: Mapping[str, str]  # language → default
    subject: Mapping[str, str] = field(default_factory=dict)  # empty: no subject (a chat)

    @property
    def has_subject(self) -> bool:
        return bool(self.subject)

    @property
    def accepted(self) -> tuple[str, ...]:
        return (*self.placeholders, *COMMON)


_PORTAL_VALID = {
    "id": (
        "Tautan ini berlaku {menit} menit dan hanya dapat dipakai sekali. Bila Anda tidak "
        "memintanya, abaikan email ini.\n\nLain kali, masuk dengan email Anda di {tautan_masuk} "
        "(dengan kata sandi, atau minta tautan masuk baru di sana)."
    ),
    "en": (
        "This link is valid for {minutes} minutes and can be used only once. If you did not "
        "ask for it, ignore this email.\n\nNext time, sign in with your email at {sign_in_link} "
        "(with your password, or ask for a new sign-in link there)."
    ),
}
_PORTAL = ("sapaan", "nama_depan", "tautan", "tautan_masuk", "menit")

KEYS: dict[str, TemplateKey] = {
    k.key: k
    for k in (
        TemplateKey(
            "acknowledgement",
            gettext_lazy("Tanda terima tiket"),
            gettext_lazy(
                "Dikirim otomatis saat pelanggan membuka tiket (email, portal, WhatsApp, "
                "Telegram…), dengan nomor tiket dan tenggatnya."
            ),
            ("nama_depan", "nomor_tiket", "subjek", "tenggat_balasan", "tenggat"),
            body={
                "id": (
                    "Halo Kak {nama_depan},\n\n"
                    "Terima kasih, pesan Anda sudah kami terima dengan nomor tiket {nomor_tiket}. "
                    "Kami akan membalas paling lambat {tenggat_balasan}, dan menargetkan masalah "
                    "ini selesai paling lambat {tenggat}.\n\n"
                    "Salam,\nTim layanan pelanggan"
                ),
                "en": (
                    "Hello {first_name},\n\n"
                    "Thank you, we have received your message as ticket number {ticket_number}. "
                    "We will reply by {reply_by} at the latest, and we aim to resolve this "
                    "issue by {resolve_by} at the latest.\n\n"
                    "Kind regards,\nCustomer service team"
                ),
            },
        ),
        TemplateKey(
            "reminder",
            gettext_lazy("Pengingat menunggu pelanggan"),
            gettext_lazy(
                "Dikirim sekali bila tiket menunggu jawaban pelanggan selama waktu yang diatur "
                "di Aturan waktu."
            ),
            ("nama_depan", "nomor_tiket", "subjek"),
            body={
                "id": (
                    "Halo Kak {nama_depan},\n\nKami masih menunggu kabar dari Kakak untuk "
                    "tiket {nomor_tiket}. Cukup balas pesan ini agar kami dapat melanjutkan "
                    "penanganannya.\n\nSalam,\nTim layanan pelanggan"
                ),
                "en": (
                    "Hello {first_name},\n\nWe are still waiting to hear from you about "
                    "ticket {ticket_number}. Just reply to this message so that we can carry "
                    "on.\n\nKind regards,\nCustomer service team"
                ),
            },
        ),
        TemplateKey(
            "survey_resolution",
            gettext_lazy("Undangan survei kepuasan (CSAT)"),
            gettext_lazy("Dikirim lewat email setelah tiket selesai."),
            ("sapaan", "nama_depan", "nomor_tiket", "subjek", "pilihan", "tautan"),
            subject={
                "id": "[{nomor_tiket}] Bagaimana layanan kami?",
                "en": "[{ticket_number}] How did we do?",
            },
            body={
                "id": (
                    "{sapaan}\n\nKeluhan Anda dengan nomor tiket {nomor_tiket} sudah kami "
                    "selesaikan. Seberapa puas Anda dengan penanganannya? Pilih satu angka "
                    "(1 = sangat tidak puas, 5 = sangat puas):\n{pilihan}\n\n"
                    "Satu klik sudah cukup; setelahnya Anda boleh menambahkan komentar.\n\n"
                    "Salam,\n{usaha}"
                ),
                "en": (
                    "{greeting}\n\nWe have resolved your complaint, ticket number "
                    "{ticket_number}. How satisfied are you with how we handled it? Choose one "
                    "number (1 = very dissatisfied, 5 = very satisfied):\n{choices}\n\n"
                    "One click is enough; afterwards you may add a comment.\n\n"
                    "Kind regards,\n{business}"
                ),
            },
        ),
        TemplateKey(
            "survey_nps",
            gettext_lazy("Undangan survei rekomendasi (NPS)"),
            gettext_lazy("Dikirim berkala lewat email kepada pelanggan yang pernah dilayani."),
            ("sapaan", "nama_depan", "pilihan", "tautan"),
            subject={
                "id": "Seberapa besar kemungkinan Anda merekomendasikan {usaha}?",
                "en": "How likely are you to recommend {business}?",
            },
            body={
                "id": (
                    "{sapaan}\n\nSeberapa besar kemungkinan Anda merekomendasikan {usaha} kepada "
                    "teman atau keluarga? Pilih satu angka (0 = sangat tidak mungkin, "
                    "10 = sangat mungkin):\n{pilihan}\n\n"
                    "Satu klik sudah cukup; setelahnya Anda boleh menambahkan komentar.\n\n"
                    "Salam,\n{usaha}"
                ),
                "en": (
                    "{greeting}\n\nHow likely are you to recommend {business} to a friend or "
                    "family member? Choose one number (0 = not at all likely, 10 = extremely "
                    "likely):\n{choices}\n\n"
                    "One click is enough; afterwards you may add a comment.\n\n"
                    "Kind regards,\n{business}"
                ),
            },
        ),
        TemplateKey(
            "portal_sign_in",
            gettext_lazy("Tautan masuk portal"),
            gettext_lazy("Dikirim saat pelanggan meminta tautan masuk ke portal."),
            _PORTAL,
            subject={
                "id": "Tautan masuk ke portal pelanggan",
                "en": "Your sign-in link to the customer portal",
            },
            body={
                "id": (
                    "{sapaan}\n\nKlik tautan berikut untuk masuk ke portal pelanggan:\n\n"
                    "{tautan}\n\n" + _PORTAL_VALID["id"]
                ),
                "en": (
                    "{greeting}\n\nClick the following link to sign in to the customer "
                    "portal:\n\n{link}\n\n" + _PORTAL_VALID["en"]
                ),
            },
        ),
        TemplateKey(
            "portal_activation",
            gettext_lazy("Aktivasi akun portal"),
            gettext_lazy("Dikirim saat seseorang mendaftar di portal pelanggan."),
            _PORTAL,
            subject={
                "id": "Aktifkan akun portal pelanggan Anda",
                "en": "Activate your customer portal account",
            },
            body={
                "id": (
                    "{sapaan}\n\nSeseorang mendaftarkan alamat email ini di portal pelanggan "
                    "kami. Bila itu Anda, klik tautan berikut untuk mengaktifkan akun:\n\n"
                    "{tautan}\n\n" + _PORTAL_VALID["id"]
                ),
                "en": (
                    "{greeting}\n\nSomeone signed up with this email address on our customer "
                    "portal. If that was you, click the following link to activate the "
                    "account:\n\n{link}\n\n" + _PORTAL_VALID["en"]
                ),
            },
        ),
        TemplateKey(
            "portal_exists",
            gettext_lazy("Pendaftaran ulang portal"),
            gettext_lazy(
                "Dikirim saat seseorang mendaftar lagi dengan alamat yang sudah punya akun."
            ),
            _PORTAL,
            subject={
                "id": "Anda sudah punya akun portal pelanggan",
                "en": "You already have a customer portal account",
            },
            body={
                "id": (
                    "{sapaan}\n\nSeseorang mencoba mendaftar lagi dengan alamat email ini, "
                    "padahal akunnya sudah ada. Bila itu Anda, klik tautan berikut untuk masuk "
                    "(kata sandi Anda tidak berubah):\n\n{tautan}\n\n" + _PORTAL_VALID["id"]
                ),
                "en": (
                    "{greeting}\n\nSomeone tried to sign up again with this email address, "
                    "but its account already exists. If that was you, click the following "
                    "link to sign in (your password has not changed):\n\n{link}\n\n"
                    + _PORTAL_VALID["en"]
                ),
            },
        ),
        TemplateKey(
            "proposal_offer",
            gettext_lazy("Usulan penyelesaian"),
            gettext_lazy(
                "Pesan yang membawa usulan penyelesaian kepada pelanggan (tombol atau tautan "
                "jawabannya ditambahkan Sigap)."
            ),
            ("sapaan", "nama_depan", "nomor_tiket", "subjek", "usulan"),
            body={
                "id": (
                    "{sapaan} berikut usulan penyelesaian kami untuk tiket {nomor_tiket} "
                    "({subjek}):\n\n{usulan}\n\nApakah Anda menerima usulan ini?"
                ),
                "en": (
                    "{greeting} here is our proposed resolution for ticket {ticket_number} "
                    "({ticket_subject}):\n\n{proposal}\n\nDo you accept this proposal?"
                ),
            },
        ),
        TemplateKey(
            "proposal_accepted",
            gettext_lazy("Usulan diterima"),
            gettext_lazy("Jawaban setelah pelanggan menekan tombol “terima” pada usulan."),
            ("nomor_tiket",),
            body={
                "id": (
                    "Terima kasih, Anda menerima usulan penyelesaian untuk tiket {nomor_tiket}. "
                    "Kami segera menjalankannya dan akan mengabari Anda."
                ),
                "en": (
                    "Thank you, you accepted the proposed resolution for ticket "
                    "{ticket_number}. We will carry it out right away and keep you posted."
                ),
            },
        ),
        TemplateKey(
            "proposal_rejected",
            gettext_lazy("Usulan ditolak"),
            gettext_lazy(
                "Jawaban setelah pelanggan menekan tombol “tolak” pada usulan: menanyakan "
                "alasannya (balasan berikutnya dicatat sebagai alasan)."
            ),
            ("nomor_tiket",),
            body={
                "id": (
                    "Terima kasih atas jawaban Anda. Boleh kami tahu alasannya? Balas pesan ini "
                    "dengan alasan Anda; kami akan menyiapkan solusi alternatif."
                ),
                "en": (
                    "Thank you for your answer. May we know why? Reply to this message with "
                    "your reason; we will prepare an alternative solution."
                ),
            },
        ),
        TemplateKey(
            "proposal_answered",
            gettext_lazy("Usulan sudah dijawab"),
            gettext_lazy("Jawaban bila pelanggan menekan tombol usulan yang sudah dijawab."),
            ("nomor_tiket", "status_usulan"),
            body={
                "id": "Jawaban Anda atas usulan ini sudah kami catat sebelumnya ({status_usulan}).",
                "en": ("We had already recorded your answer to this proposal ({proposal_status})."),
            },
        ),
        TemplateKey(
            "proposal_stale",
            gettext_lazy("Usulan sudah tidak berlaku"),
            gettext_lazy(
                "Jawaban bila pelanggan menjawab usulan yang ditarik atau diganti (tombol "
                "atau tautan), dengan apa yang berlaku sekarang."
            ),
            ("nomor_tiket", "keadaan_kini"),
            body={
                "id": "Usulan ini sudah tidak berlaku. {keadaan_kini}",
                "en": "This proposal is no longer valid. {current_state}",
            },
        ),
        TemplateKey(
            "livechat_code",
            gettext_lazy("Kode verifikasi live chat"),
            gettext_lazy(
                "Dikirim lewat email saat pengunjung live chat meminta kode untuk membuktikan "
                "alamat emailnya (tanpa apa pun yang diketik pengunjung)."
            ),
            ("kode", "menit"),
            subject={"id": "Kode verifikasi live chat", "en": "Live chat verification code"},
            body={
                "id": (
                    "Halo,\n\n"
                    "Kode verifikasi live chat Anda: {kode}\n\n"
                    "Masukkan kode ini di jendela chat. Kode berlaku {menit} menit dan hanya "
                    "dapat dipakai sekali. Jangan berikan kode ini kepada siapa pun, termasuk "
                    "petugas kami.\n\n"
                    "Bila Anda tidak sedang mengobrol dengan kami, abaikan email ini: percakapan "
                    "itu tidak akan dihubungkan dengan data Anda."
                ),
                "en": (
                    "Hello,\n\n"
                    "Your live chat verification code: {code}\n\n"
                    "Enter this code in the chat window. It is valid for {minutes} minutes "
                    "and can be used once. Do not give this code to anyone, including our "
                    "staff.\n\n"
                    "If you are not chatting with us, ignore this email: that conversation will "
                    "not be linked to your details."
                ),
            },
        ),
        TemplateKey(
            "staff_invitation",
            gettext_lazy("Undangan staf"),
            gettext_lazy(
                "Dikirim lewat email saat admin atau supervisor mengundang staf (Orang → "
                "Undang), dalam bahasa usaha."
            ),
            (
                "sapaan",
                "nama",
                "pengundang",
                "tautan",
                "masuk_sso",
                "nama_pengguna",
                "berlaku_sampai",
            ),
            subject={"id": "Undangan ke Sigap {usaha}", "en": "Invitation to Sigap {business}"},
            body={
                "id": (
                    "{sapaan}\n\n"
                    "{pengundang} mengundang Anda ke Sigap, layanan pelanggan {usaha}.\n"
                    "Buka tautan berikut untuk membuat kata sandi dan mengaktifkan akun Anda:"
                    "\n\n{tautan}\n\n{masuk_sso}"
                    "Nama pengguna Anda: {nama_pengguna}\n"
                    "Tautan ini hanya dapat dipakai sekali dan berlaku sampai "
                    "{berlaku_sampai}.\n"
                    "Bila Anda tidak mengenal undangan ini, abaikan email ini."
                ),
                "en": (
                    "{greeting}\n\n"
                    "{inviter} invited you to Sigap, the customer service of {business}.\n"
                    "Open the following link to choose a password and activate your account:"
                    "\n\n{link}\n\n{sso_sign_in}"
                    "Your username: {username}\n"
                    "This link can be used only once and is valid until {valid_until}.\n"
                    "If you do not recognise this invitation, ignore this email."
                ),
            },
        ),
        TemplateKey(
            "widget_greeting",
            gettext_lazy("Sapaan widget live chat"),
            gettext_lazy("Kata-kata pertama asisten virtual saat pengunjung membuka percakapan."),
            ("sapaan", "nama_depan"),
            body={
                "id": (
                    "{sapaan} Saya asisten virtual {usaha}. Saya bantu jawab dari pusat bantuan "
                    'kami; tekan "Bicara dengan petugas" kapan saja bila Anda ingin dilayani '
                    "petugas."
                ),
                "en": (
                    "{greeting} I am the virtual assistant of {business}. I answer from our "
                    'help centre; press "Talk to a person" at any time to be served by our '
                    "staff."
                ),
            },
        ),
        TemplateKey(
            "widget_form_greeting",
            gettext_lazy("Sapaan formulir widget live chat"),
            gettext_lazy(
                "Kalimat di atas formulir widget live chat, sebelum percakapan dimulai (per "
                "merek: widget dengan data-brand merek itu)."
            ),
            (),
            body={
                "id": "Halo! Isi data berikut agar kami dapat membalas Anda.",
                "en": "Hello! Fill in the details below so that we can reply to you.",
            },
        ),
    )
}


# --- rendering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: SafeString  # the body as HTML paragraphs, every value escaped unless marked safe
    customized: bool  # an edited text (not the code's default)


def _parse(text: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) pieces; ``ValueError`` on a stray brace."""
    return [(literal, name) for literal, name, _spec, _conv in string.Formatter().parse(text)]


def _substitute(text: str, values: Mapping[str, Any], *, html: bool = False) -> str:
    out: list[str] = []
    for literal, name in _parse(text):
        out.append(str(escape(literal)) if html else literal)
        if name is not None:
            value = values.get(ALIASES.get(name, name), "")
            out.append(str(conditional_escape(value)) if html else str(value))
    return "".join(out)


@dataclass(frozen=True)
class _Row:
    brand_id: int | None
    brand_default: bool
    subject: str
    body: str


def _load() -> dict[tuple[str, str], list[_Row]]:
    rows: dict[tuple[str, str], list[_Row]] = {}
    for key, language, brand_id, is_default, subject, body in MessageTemplate.objects.values_list(
        "key", "language", "brand_id", "brand__is_default", "subject", "body"
    ):
        rows.setdefault((key, language), []).append(_Row(brand_id, bool(is_default), subject, body))
    return rows


NONE: dict[tuple[str, str], list[_Row]] = {}
memo: SharedMemo[dict[tuple[str, str], list[_Row]]] = SharedMemo("message-templates", _load)
for _sender in (MessageTemplate, Brand):  # a brand made the default changes the resolution
    post_save.connect(memo.invalidate, sender=_sender, dispatch_uid=f"msgtpl-save-{_sender}")
    post_delete.connect(memo.invalidate, sender=_sender, dispatch_uid=f"msgtpl-del-{_sender}")


def language_of(language: str | None) -> str:
    """``en-us`` → ``en``; empty → the business's language."""
    return (language or settings.LANGUAGE_CODE).split("-")[0].lower() or DEFAULT_LANGUAGE


def resolve(key: str, language: str, brand_id: int | None) -> tuple[str, str, bool]:
    """(subject, body, customized) of ``key``: (brand, language) → (every brand, language)
    → the default in ``language`` → the same in Indonesian. ``brand_id`` None: the default
    brand (a ticket that has no brand)."""
    spec = KEYS[key]
    rows = memo.get().get((key, language), [])
    for row in rows:
        if row.brand_id is not None and (
            row.brand_id == brand_id or (brand_id is None and row.brand_default)
        ):
            return row.subject, row.body, True
    for row in rows:
        if row.brand_id is None:
            return row.subject, row.body, True
    if language in spec.body:
        return spec.subject.get(language, ""), spec.body[language], False
    if language != DEFAULT_LANGUAGE:
        return resolve(key, DEFAULT_LANGUAGE, brand_id)
    raise KeyError(f"{key} has no default in {DEFAULT_LANGUAGE}")


def brand_name(brand_id: int | None) -> str:
    """The brand's name; None: the default brand's (the business's name without one)."""
    brands = (
        Brand.objects.filter(pk=brand_id) if brand_id else Brand.objects.filter(is_default=True)
    )
    name = brands.values_list("name", flat=True).first()
    return name or settings.SIGAP_BUSINESS_NAME


def render_message(
    key: str,
    *,
    language: str | None = None,
    brand: Brand | int | None = None,
    context: Mapping[str, Any],
    html_context: Mapping[str, Any] | None = None,
) -> Rendered:
    """The text of message ``key`` for a customer speaking ``language`` (None: the
    business's) of ``brand`` (None: the default brand), with ``context``'s values (by the
    placeholders' Indonesian names; a missing one is empty). ``html_context``: values
    used in the HTML part instead (mark them safe to keep markup)."""
    brand_id = brand.pk if isinstance(brand, Brand) else brand
    subject, body, customized = resolve(key, language_of(language), brand_id)
    values: dict[str, Any] = {"usaha": settings.SIGAP_BUSINESS_NAME}
    if "{merek}" in subject + body or "{brand}" in subject + body:  # a query only when used
        values["merek"] = brand.name if isinstance(brand, Brand) else brand_name(brand_id)
    values.update(context)
    return fill(subject, body, values, html_context, customized=customized)


def fill(
    subject: str,
    body: str,
    values: Mapping[str, Any],
    html_context: Mapping[str, Any] | None = None,
    *,
    customized: bool = False,
) -> Rendered:
    """``subject`` and ``body`` (checked texts) with ``values`` put in."""
    return Rendered(
        subject=" ".join(_substitute(subject, values).split()),
        body=_substitute(body, values),
        html=mark_safe(  # every piece escaped by _substitute
            linebreaks(_substitute(body, {**values, **(html_context or {})}, html=True))
        ),
        customized=customized,
    )


def first_name(name: str) -> str:
    parts = name.strip().split()
    return parts[0] if parts else ""


# --- editing -----------------------------------------------------------------------------------


def check(key: str, *, subject: str, body: str) -> dict[str, list[str]]:
    """The form's errors, by field (empty: acceptable)."""
    spec = KEYS[key]
    errors: dict[str, list[str]] = {}
    texts = {"body": body}
    if spec.has_subject:
        texts["subject"] = subject
        if not subject.strip():
            errors.setdefault("subject", []).append(_("Subjek wajib diisi."))
        elif len(subject) > SUBJECT_MAX:
            errors.setdefault("subject", []).append(
                _("Subjek terlalu panjang: %(n)d karakter, paling banyak %(max)d.")
                % {"n": len(subject), "max": SUBJECT_MAX}
            )
        elif "\n" in subject or "\r" in subject:
            errors.setdefault("subject", []).append(_("Subjek harus satu baris."))
    if not body.strip():
        errors.setdefault("body", []).append(_("Isi pesan wajib diisi."))
    elif len(body) > BODY_MAX:
        errors.setdefault("body", []).append(
            _("Isi pesan terlalu panjang: %(n)d karakter, paling banyak %(max)d.")
            % {"n": len(body), "max": BODY_MAX}
        )
    accepted = set(spec.accepted) | {P[n].alias for n in spec.accepted}
    for name, text in texts.items():
        try:
            pieces = list(string.Formatter().parse(text))
        except ValueError:
            errors.setdefault(name, []).append(
                _(
                    "Ada kurung kurawal tanpa pasangan. Placeholder ditulis seperti "
                    "%(example)s; untuk tanda kurung itu sendiri tulis %(braces)s."
                )
                % {"example": "{nomor_tiket}", "braces": "{{ / }}"}
            )
            continue
        for _literal, field_name, spec_, conversion in pieces:
            if field_name is None:
                continue
            if field_name not in accepted or spec_ or conversion:
                shown = "{" + field_name + ("!" + conversion if conversion else "")
                shown += (":" + spec_ if spec_ else "") + "}"
                errors.setdefault(name, []).append(
                    _(
                        "Placeholder %(name)s tidak dikenal untuk pesan ini. Yang dapat "
                        "dipakai: %(ok)s."
                    )
                    % {"name": shown, "ok": ", ".join("{" + n + "}" for n in spec.accepted)}
                )
    return errors


def sample_context(key: str, language: str) -> dict[str, str]:
    """The settings page's preview values (the greeting in ``language``)."""
    with translation.override(language):
        values = {name: str(P[name].sample) for name in KEYS[key].accepted}
        if "sapaan" in values:
            values["sapaan"] = _("Halo %(name)s,") % {"name": P["nama_depan"].sample}
    return values


def _label(key: str, language: str, brand: Brand | None) -> str:
    return f"{key} · {language} · {brand.slug if brand else '*'}"


def _require(actor: User, key: str, language: str) -> None:
    access.require_global_settings(actor)
    if key not in KEYS:
        raise ValidationFailed(_("Pesan tidak dikenal."), fields={"key": [_("Tidak dikenal.")]})
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(
            _("Bahasa tidak dikenal."), fields={"language": [_("Tidak dikenal.")]}
        )


def _locked(key: str, language: str, brand: Brand | None) -> MessageTemplate | None:
    return (
        MessageTemplate.objects.select_for_update()
        .filter(key=key, language=language, brand=brand)
        .first()
    )


@transaction.atomic
def message_template_save(
    *, actor: User, key: str, language: str, brand: Brand | None, subject: str, body: str
) -> MessageTemplate:
    """Keep an edited text of ``key`` in ``language`` for ``brand`` (None: every brand).
    Refused with the form's errors and nothing saved when a placeholder is unknown, the
    body empty or the subject too long. Two admins saving the same text at once: the
    insert that loses the race updates the winner's row instead (the later save wins, and
    its audit row shows the winner's text as before)."""
    _require(actor, key, language)
    if not KEYS[key].has_subject:
        subject = ""
    errors = check(key, subject=subject, body=body)
    if errors:
        raise ValidationFailed(_("Templat belum dapat disimpan."), fields=errors)
    row = _locked(key, language, brand)
    before = {"subject": row.subject, "body": row.body} if row else None
    if row is None:
        try:  # in a savepoint: another admin may insert the same row meanwhile
            with transaction.atomic():
                row = MessageTemplate.objects.create(
                    key=key,
                    language=language,
                    brand=brand,
                    subject=subject.strip(),
                    body=body,
                    updated_by=actor,
                )
        except IntegrityError:  # they did (and committed): ours replaces theirs
            row = _locked(key, language, brand)
            if row is None:  # theirs was reset at once; nothing to race with now
                raise
            before = {"subject": row.subject, "body": row.body}
    if before is not None:
        row.subject, row.body, row.updated_by = subject.strip(), body, actor
        row.save()
    audit.settings_changed(
        actor=actor,
        what="message_template",
        name=_label(key, language, brand),
        object_id=row.pk,
        before=before,
        after={"subject": row.subject, "body": row.body},
    )
    return row


@transaction.atomic
def message_template_reset(*, actor: User, key: str, language: str, brand: Brand | None) -> bool:
    """Back to the default (deletes the edited text); False when there was none."""
    _require(actor, key, language)
    row = _locked(key, language, brand)
    if row is None:
        return False
    audit.settings_changed(
        actor=actor,
        what="message_template",
        name=_label(key, language, brand),
        object_id=row.pk,
        before={"subject": row.subject, "body": row.body},
        after=None,
    )
    row.delete()
    return True
