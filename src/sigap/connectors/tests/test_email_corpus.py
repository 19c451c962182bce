"""The email corpus (``emails/*.eml``): every message there has its expected outcome here,
and every outcome is asserted exactly: what was filed, what was kept aside, what was
recorded as a bounce, and that nothing else happened."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.models import QuarantinedEmail
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.attachments import check_size
from sigap.tickets.models import EventKind, Message, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "emails"
OUR_REPLY_ID = "<sgp-balasan-1@belanjaku.contoh.id>"  # quoted by the bounces in the corpus
MB = 1024 * 1024


@dataclass(frozen=True)
class Expect:
    status: str
    text: tuple[str, ...] = ()  # in the filed message's body
    subject: str = ""
    attachments: tuple[str, ...] = ()  # exactly these, in any order
    html: tuple[str, ...] = ()  # in the stored (sanitized) HTML; none expected when empty
    not_html: tuple[str, ...] = ()
    reason: str = ""  # the quarantine or bounce reason (a part of it)
    recipient: str = ""  # a bounce's failed recipient


CASES: dict[str, Expect] = {
    # text and charsets
    "01_plain_utf8.eml": Expect(
        "created", ("Harga Rp 250.000 \u2014 tolong dicek \U0001f64f",), "Paket belum sampai"
    ),
    "02_plain_iso8859_1_qp.eml": Expect("created", ("Caf\u00e9 Bandung, pesanan n\u00b0 12",)),
    "03_plain_windows1252_8bit.eml": Expect(
        "created", ("Pesanan \u201cspesial\u201d \u2013 belum datang \u20ac5",)
    ),
    "04_ascii_encoded_word_subject.eml": Expect(
        "created", ("Pesanan saya belum datang.",), "Paket terlambat \u2014 mohon dicek"
    ),
    "05_encoded_words_q_mixed_charsets.eml": Expect(
        "created", ("Kode promo ditolak",), "\u201cPromo\u201d tidak berlaku \u00e0 kasir"
    ),
    "06_plain_base64_utf8.eml": Expect("created", ("rekening BCA, terima kasih \u2713",)),
    "07_format_flowed.eml": Expect("created", ("Jl. Merdeka No. 5", "Bandung.")),
    # HTML: the text stays the body, the sanitized HTML is kept beside it
    "08_alternative_text_and_html.eml": Expect(
        "created",
        ("Voucher saya hilang dari akun.",),
        html=("<p>Voucher saya <b>hilang</b> dari akun.</p>",),
        not_html=("<html", "<body"),
    ),
    "09_html_only.eml": Expect(
        "created",
        ("Barang datang rusak.\nMohon diganti segera.",),
        html=("<i>rusak</i>",),
        not_html=("<style", "color:red"),
    ),
    "10_html_hostile.eml": Expect(
        "created",
        ("Halo admin",),
        html=('<a href="https://contoh.id/resi" rel="noopener noreferrer nofollow">resi</a>',),
        not_html=("<script", "alert", "onclick", "onerror", "<iframe", "javascript:"),
    ),
    "11_html_iso8859_1.eml": Expect(
        "created",
        ("Cr\u00e8me br\u00fbl\u00e9e pesanan saya kurang satu.",),
        html=("<p>Cr\u00e8me br\u00fbl\u00e9e",),
    ),
    "12_related_html_inline_image.eml": Expect(
        "created",
        ("Kemasan penyok, lihat foto.",),
        attachments=("kemasan.png",),
        html=('<img alt="foto">',),
        not_html=("cid:",),
    ),
    # attachments and inline images
    "13_mixed_pdf_attachment.eml": Expect(
        "created", ("Terlampir bukti transfer.",), attachments=("bukti.pdf",)
    ),
    "14_mixed_two_attachments.eml": Expect("created", attachments=("foto.png", "resi.pdf")),
    "15_inline_image_disposition.eml": Expect("created", attachments=("layar.png",)),
    "16_rfc2231_utf8_filename.eml": Expect("created", attachments=("nota pembelian\u2014Mei.pdf",)),
    "17_attachment_only_no_text.eml": Expect(
        "created", ("(pesan tanpa isi)",), attachments=("bukti.png",)
    ),
    "18_encoded_word_filename.eml": Expect("created", attachments=("faktur-\u211612.pdf",)),
    # forwarded and nested message/rfc822
    "19_forwarded_inline_text.eml": Expect(
        "created", ("Kenapa dibatalkan?", "Pesanan #4411 dibatalkan oleh sistem.")
    ),
    "20_forwarded_rfc822.eml": Expect(
        "created",
        (
            "Lihat di bawah",
            "Dari: Kurir <kurir@ekspedisi.contoh.id>",
            "Subjek: Paket dikembalikan",
            "Alamat tidak ditemukan.",
        ),
    ),
    "21_nested_rfc822_twice.eml": Expect(
        "created", ("Diteruskan dari kakak saya.", "Dari: Kakak <kakak@contoh.id>")
    ),
    "22_forwarded_rfc822_html_only.eml": Expect(
        "created", ("Tagihan ini dobel.", "Total tagihan Rp 99.000")
    ),
    # automatic and bulk mail: no ticket, no acknowledgement
    "23_auto_submitted_auto_replied.eml": Expect("automatic"),
    "24_auto_submitted_auto_generated.eml": Expect("automatic"),
    "25_precedence_bulk.eml": Expect("automatic"),
    "26_precedence_list.eml": Expect("automatic"),
    "27_precedence_junk.eml": Expect("automatic"),
    "28_x_autoreply.eml": Expect("automatic"),
    "29_x_autorespond.eml": Expect("automatic"),
    "30_noreply_sender.eml": Expect("automatic"),
    "31_precedence_auto_reply.eml": Expect("automatic"),
    # bounces of our reply OUR_REPLY_ID: recorded on its ticket
    "32_dsn_rfc822_failed.eml": Expect(
        "bounced",
        reason="550 5.1.1 <budi@contoh.id>: Recipient address rejected: User unknown",
        recipient="budi@contoh.id",
    ),
    "33_dsn_headers_only_mailbox_full.eml": Expect(
        "bounced", reason="552 5.2.2 Mailbox full", recipient="budi@contoh.id"
    ),
    "34_mailer_daemon_quoting_message_id.eml": Expect(
        "bounced",
        reason="Sorry, no mailbox here by that name. (#5.1.1)",
        recipient="budi@contoh.id",
    ),
    "35_dsn_delayed_only.eml": Expect("automatic"),  # still being retried: not a failure
    "36_dsn_unknown_message.eml": Expect("automatic"),  # not about one of our mails
    # broken
    "37_unknown_charset.eml": Expect("created", ("Pesanan saya \u00e9 belum datang",)),
    "38_mislabelled_utf8_is_latin1.eml": Expect("created", ("Pesanan caf\u00e9 belum datang",)),
    "39_truncated_mime.eml": Expect(
        "created", ("Bagian pertama saja",), attachments=("potong.pdf",)
    ),
    "40_truncated_base64_body.eml": Expect("created", ("Pesanan saya belum datang",)),
    "41_multipart_without_boundary.eml": Expect("created", ("Pesanan saya belum datang.",)),
    "42_missing_from.eml": Expect("quarantined", reason="tanpa alamat pengirim (From) yang sah"),
    "43_from_without_address.eml": Expect(
        "quarantined", reason="tanpa alamat pengirim (From) yang sah"
    ),
    "44_missing_message_id_and_date.eml": Expect("created", ("Pesanan saya belum datang.",)),
    "45_missing_subject.eml": Expect("created", subject="(tanpa subjek)"),
    "46_empty_body.eml": Expect("created", ("(pesan tanpa isi)",)),
    "47_binary_garbage.eml": Expect("quarantined", reason="tanpa alamat pengirim (From) yang sah"),
    "48_headers_only_no_blank_line.eml": Expect("created", ("(pesan tanpa isi)",), "Hanya header"),
}


def test_the_corpus_is_complete() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert files == sorted(CASES)
    assert len(files) >= 40


@pytest.fixture
def replied(agent: User, customer: Customer) -> Message:
    """An email ticket with one reply we mailed (its Message-ID is what bounces quote)."""
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Paket",
        description="Paket belum sampai.",
    )
    return services.message_add(
        actor=agent,
        ticket=ticket,
        kind="reply",
        body="Sedang kami cek, Kak.",
        external_id=OUR_REPLY_ID,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_message(name: str, request: pytest.FixtureRequest) -> None:
    expect = CASES[name]
    raw = (CORPUS / name).read_bytes()
    reply: Message | None = (
        request.getfixturevalue("replied") if expect.status == "bounced" else None
    )
    tickets, messages = Ticket.objects.count(), Message.objects.count()

    result = ingest(raw)

    assert (result.status, result.reason if expect.status == "created" else "") == (
        expect.status,
        "",
    )
    if expect.status == "created":
        assert result.ticket is not None and Ticket.objects.count() == tickets + 1
        filed = result.ticket.messages.get(kind="inbound")
        for part in expect.text:
            assert part in filed.body
        if expect.subject:
            assert result.ticket.subject == expect.subject
        assert sorted(filed.attachments.values_list("filename", flat=True)) == sorted(
            expect.attachments
        )
        for part in expect.html:
            assert part in filed.body_html
        for part in expect.not_html:
            assert part not in filed.body_html
        if not expect.html:
            assert filed.body_html == ""
        assert not QuarantinedEmail.objects.exists()
    elif expect.status == "quarantined":
        kept = QuarantinedEmail.objects.get()
        assert bytes(kept.raw) == raw and expect.reason in kept.reason
        assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
    elif expect.status == "automatic":
        assert result.ticket is None
        assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
        assert not QuarantinedEmail.objects.exists()
    else:
        assert reply is not None and result.ticket == reply.ticket
        assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
        event = TimelineEvent.objects.get(ticket=reply.ticket, kind=EventKind.AUTOMATION)
        bounce = event.data["bounce"]
        assert (bounce["message_id"], bounce["external_id"]) == (reply.pk, OUR_REPLY_ID)
        assert (bounce["reason"], bounce["recipient"]) == (expect.reason, expect.recipient)
        assert event.public is False
        assert ingest(raw).status == "duplicate"  # a redelivered report is recorded once


def big_mail(size: int) -> bytes:
    m = EmailMessage()
    m["From"] = "Budi <budi@contoh.id>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = "Video unboxing"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content("Video unboxing terlampir.")
    m.add_attachment(b"\x00" * size, maintype="video", subtype="mp4", filename="unboxing.mp4")
    return bytes(m)


def test_a_10_mb_attachment_over_the_limit_is_quarantined_whole(settings: object) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 5 * MB  # type: ignore[attr-defined]
    raw = big_mail(10 * MB)  # generated here: 10 MB are not committed

    result = ingest(raw)

    reason = "Lampiran 'unboxing.mp4' berukuran 10.0 MB, melebihi batas 5 MB."
    assert (result.status, result.reason) == ("quarantined", reason)
    kept = QuarantinedEmail.objects.get()
    assert (kept.reason, kept.subject, kept.sender) == (reason, "Video unboxing", "budi@contoh.id")
    assert bytes(kept.raw) == raw  # nothing lost: the whole mail, retryable
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_a_10_mb_attachment_within_the_default_limit_is_filed_whole() -> None:
    check_size("unboxing.mp4", 10 * MB)  # the default limit (20 MB) allows it

    result = ingest(big_mail(10 * MB))

    assert result.status == "created" and result.ticket is not None
    stored = result.ticket.attachments.get()
    assert (stored.filename, stored.size) == ("unboxing.mp4", 10 * MB)
