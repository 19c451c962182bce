"""Every main page, staff and customer, reads in English once English is chosen: rendered
with realistic data (a complaint awaiting a voucher's approval, a phone call, a report, a
help-centre article), their visible text carries none of a list of common Indonesian
words. Seeded data (names, subjects, message bodies) is taken out of the text first: it
is the customer's words, not Sigap's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from tests import world as parts

from sigap.accounts.models import Team, User
from sigap.connectors.phone import services as calls
from sigap.core.errors import SigapError
from sigap.customers.models import Customer
from sigap.kb.models import Category
from sigap.kb.services import ArticleIn, CategoryIn, article_create, category_create
from sigap.metrics import compute as m
from sigap.metrics import delivery, export
from sigap.sla.models import BusinessCalendar, Holiday, SlaPolicy
from sigap.tickets.models import CannedResponse, Ticket
from sigap.tickets.tests.steps import awaiting_approval
from sigap.triage.models import TicketTriage

# Common Indonesian words of Sigap's own labels and sentences, none of them English or a
# name: found as whole words, case-insensitive.
INDONESIAN = [
    "Tiket",
    "Pelanggan",
    "Simpan",
    "Batal",
    "Balas",
    "Tenggat",
    "Belum",
    "Sudah",
    "Masuk",
    "Keluar",
    "tidak",
    "dengan",
    "untuk",
    "yang",
    "Kirim",
    "Cari",
    "Tutup",
    "Hapus",
    "Semua",
    "atau",
    "Baru",
    "Selesai",
    "Menunggu",
    "Laporan",
    "Pengaturan",
    "Catatan",
    "Pesan",
    "Kategori",
    "Keluhan",
    "hari",
    "menit",
    "jam",
    "oleh",
    "pada",
    "dari",
    "Anda",
    "Saya",
    "Bantuan",
    "Artikel",
    "Lihat",
]

# What this test seeds: the customer's and the staff's own words, shown as typed.
SEEDED = [
    "Budi Santoso",
    "Kardus penyok, isi pecah.",
    "Paket rusak saat diterima",
    "Voucher belanja Rp 500.000",
    "Paket belum sampai sejak seminggu",
    "Halo min, paket saya BLJ-2026-104233 gak sampai-sampai, udah 7 hari.",
    "Pengiriman",
    "Layanan",
    "rusak",
    "penyok",
    "Pembayaran",
    "Cara melacak paket",
    "Buka Pesanan Saya, pilih pesanan, lalu tekan Lacak Paket.",
    "Paket BLJ-2026-104233 belum diterima setelah 7 hari.",  # tickets.tests.steps
    "Paket BLJ-2026-104233, 7 hari.",
    "Kami mengakui paket Anda terlambat tujuh hari.",
]


def data_values() -> list[str]:
    """What an administrator named (the shipped canned responses, SLA policies and
    calendars are data, editable, in the language the business writes them in), longest
    first so that no shorter one cuts a longer one."""
    values = [
        *CannedResponse.objects.values_list("title", flat=True),
        *SlaPolicy.objects.values_list("name", flat=True),
        *BusinessCalendar.objects.values_list("name", flat=True),
        *Holiday.objects.values_list("name", flat=True),  # the holidays' own names
    ]
    return sorted(SEEDED + values, key=len, reverse=True)


def english(user: User) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def visible(html: str) -> str:
    """The text a reader sees: no scripts, styles, templates or tags; attributes a screen
    reader says or a pointer shows (aria-label, title, placeholder, alt) kept."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    said = " ".join(
        re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', html, flags=re.I)
    )
    text = re.sub(r"<[^>]+>", " ", html) + " " + said
    # A canned response's placeholders ({nama}, {tenggat}) are what a writer types, in
    # every language: syntax, not prose.
    text = re.sub(r"\{\w+\}", " ", text)
    for value in data_values():
        text = text.replace(value, " ")
    return " ".join(text.split())


def indonesian_in(text: str) -> list[str]:
    found = []
    for word in INDONESIAN:
        for hit in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.I):
            found.append(f"{word!r} in …{text[max(0, hit.start() - 60) : hit.end() + 60]}…")
    return found


@pytest.fixture(scope="module")
def _pages_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """conftest.py's users, team, customer and ticket, plus a complaint awaiting the
    supervisor's approval, a phone call, a report in English and a published help-centre
    article: made once per test process in a transaction rolled back after the module, and
    each test runs in a savepoint inside it, rolled back after the test as ever (as
    tests/test_api_contract.py's world). The pages only read it; made for each of the
    module's 47 tests that use it, it was most of the module's time."""
    with parts.made_once(django_db_blocker):
        made: dict[str, Any] = {
            name: parts.make_user(name)
            for name in ("admin", "supervisor", "agent", "customer_user")
        }
        agent, supervisor = made["agent"], made["supervisor"]
        made["team"] = team = parts.make_team(supervisor, agent)
        made["customer"] = customer = parts.make_customer(made["customer_user"])
        made["ticket"] = parts.make_ticket(agent, team, customer)
        waiting = awaiting_approval(agent, team, customer)
        TicketTriage.objects.create(  # what the triage model concluded, for the side panel
            ticket=waiting,
            predictions={
                task: {"label": label, "confidence": 0.8, "words": ["rusak", "penyok"]}
                for task, label in [
                    ("sentiment", "negatif"),
                    ("category", "mechanical"),
                    ("severity", "sederhana"),
                    ("root_cause", "product"),
                ]
            },
        )
        with translation.override("en"):
            report = delivery.create("kpi", m.month(2026, 3), user_id=supervisor.pk)
        shipping: Category = category_create(
            actor=None, data=CategoryIn(name="Pengiriman", slug="pengiriman", position=0)
        )
        article_create(
            actor=None,
            slug="lacak-paket",
            content=ArticleIn(
                category=shipping,
                title="Cara melacak paket",
                body="Buka Pesanan Saya, pilih pesanan, lalu tekan Lacak Paket.",
                title_en="How to track a parcel",
                body_en="Open My Orders, choose the order and tap Track Parcel.",
                visibility="public",
                status="published",
            ),
        )
        made["world"] = {"ticket": made["ticket"].pk, "waiting": waiting.pk, "report": report.pk}
        yield made


# The module's world in place of conftest.py's per-test parts (the test's own savepoint
# comes from ``db``).
@pytest.fixture
def admin(_pages_world: dict[str, Any], db: None) -> User:
    return _pages_world["admin"]


@pytest.fixture
def supervisor(_pages_world: dict[str, Any], db: None) -> User:
    return _pages_world["supervisor"]


@pytest.fixture
def agent(_pages_world: dict[str, Any], db: None) -> User:
    return _pages_world["agent"]


@pytest.fixture
def customer_user(_pages_world: dict[str, Any], db: None) -> User:
    return _pages_world["customer_user"]


@pytest.fixture
def team(_pages_world: dict[str, Any], db: None) -> Team:
    return _pages_world["team"]


@pytest.fixture
def customer(_pages_world: dict[str, Any], db: None) -> Customer:
    return _pages_world["customer"]


@pytest.fixture
def ticket(_pages_world: dict[str, Any], db: None) -> Ticket:
    return _pages_world["ticket"]


@pytest.fixture
def world(_pages_world: dict[str, Any], db: None) -> dict[str, int]:
    """The complaint awaiting approval, the report, conftest.py's ticket: their ids."""
    return _pages_world["world"]


STAFF_PAGES = [
    "/inbox/",
    "/tickets/{waiting}/",
    "/tickets/{waiting}/?part=side",
    "/tickets/{ticket}/",
    "/tickets/{ticket}/?part=side",
    "/customers/{customer}/",
    "/customers/{customer}/erase/",
    "/dasbor/",
    "/laporan/",
    "/laporan/{report}/",
    "/settings/",
    "/settings/people/",
    "/settings/teams/",
    "/settings/canned/",
    "/settings/categories/",
    "/settings/sla/",
    "/settings/automations/",
    "/settings/routing/",
    "/settings/channels/",
    "/settings/sla/calendars/",
    "/settings/sla/holidays/",
    "/approvals/",
    "/tickets/new/",
    "/customers/",
    "/organizations/",
    "/loyalty/",
    "/kb/",
    "/chat/",
    "/notifikasi/",
]

CUSTOMER_PAGES = [
    "/portal/",
    "/portal/tiket/{ticket}/",
    "/portal/tiket/{waiting}/",
    "/portal/baru/",
]

PUBLIC_PAGES = [
    "/bantuan/",
    "/bantuan/artikel/lacak-paket/",
    "/bantuan/cari/?q=track",
    "/bantuan/kategori/pengiriman/",
    "/masuk/",
    "/portal/masuk/",
    "/portal/daftar/",
    "/portal/tautan/",
    "/chat/contoh/?lang=en",  # a company's own page: its language is its own
]


def _text(c: Client, url: str) -> str:
    response = c.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "en"
    return visible(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_staff_page_reads_in_english(
    url: str, admin: User, world: dict[str, int], customer: Customer
) -> None:
    left = indonesian_in(_text(english(admin), url.format(**world, customer=customer.pk)))
    assert left == [], "\n".join(left)


@pytest.mark.django_db
@pytest.mark.parametrize("url", CUSTOMER_PAGES)
def test_a_customers_page_reads_in_english(
    url: str, customer_user: User, world: dict[str, int]
) -> None:
    left = indonesian_in(_text(english(customer_user), url.format(**world)))
    assert left == [], "\n".join(left)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_public_page_reads_in_english(url: str, world: dict[str, int]) -> None:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    left = indonesian_in(_text(c, url.format(**world)))
    assert left == [], "\n".join(left)


@pytest.mark.django_db
def test_the_word_list_finds_indonesian() -> None:
    """The check itself: it finds the words of an untranslated page and lets data pass."""
    assert indonesian_in(visible("<p>Simpan tiket <b>yang</b> baru</p>")) != []
    assert indonesian_in(visible('<button aria-label="Tutup">x</button>')) != []
    assert indonesian_in(visible("<p>Budi Santoso: Kardus penyok, isi pecah.</p>")) == []
    assert indonesian_in(visible("<p>Save the ticket-tiket</p>")) == []


@pytest.mark.django_db  # the widget reads its brand's name and greeting
def test_the_widgets_strings_are_english() -> None:
    """The widget's strings endpoint: keys are the Indonesian originals, values what the
    visitor reads."""
    response = Client().get("/chat/widget/?lang=en")
    config = response.json()
    shown = [*config["strings"].values(), config["name"], config["greeting"]]
    assert "Send" in shown
    left = indonesian_in(" | ".join(shown))
    assert left == [], "\n".join(left)


@pytest.mark.django_db
def test_a_wrong_password_is_said_once_in_either_language(agent: User) -> None:
    """Django's Indonesian catalog doubles the field's name ("Masukkan nama pengguna nama
    pengguna…"); the sign-in form says it in its own words."""
    form = {"username": agent.username, "password": "salah-sekali"}
    indonesian = visible(Client().post("/masuk/", form).content.decode())
    assert "Nama pengguna atau kata sandi salah." in indonesian
    assert "nama pengguna nama pengguna" not in indonesian.lower()
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "The username or password is wrong." in visible(c.post("/masuk/", form).content.decode())


@pytest.mark.django_db
def test_the_call_direction_is_not_the_sign_in_button(admin: User, ticket: Ticket) -> None:
    """ "Masuk" is both the sign-in button and an inbound call: told apart by context."""
    text = visible(english(admin).get(f"/tickets/{ticket.pk}/?part=side").content.decode())
    assert "Inbound" in text and "Outbound" in text
    assert "Direction: Sign in" not in text


@pytest.mark.django_db
def test_a_services_refusal_reaches_the_reader_in_english(
    agent: User, outsider_agent: User, other_ticket: Ticket
) -> None:
    """Errors raised in services (tickets.access, phone calls) go through gettext: an English
    reader gets them in English, everyone else in Indonesian."""
    with translation.override("en"), pytest.raises(SigapError) as refused:
        calls.call_start(actor=outsider_agent, direction="sideways", customer=other_ticket.customer)
    assert refused.value.message == "Unknown call direction."
    assert refused.value.fields == {"direction": ["Choose inbound or outbound."]}
    url = f"/api/v1/tickets/{other_ticket.pk}/timeline"
    refusal = english(agent).get(url, headers={"accept-language": "en"})
    assert refusal.status_code == 404
    assert refusal.json()["error"]["message"] == "Ticket not found."
    indonesian = Client()
    indonesian.force_login(agent)
    assert indonesian.get(url).json()["error"]["message"] == "Tiket tidak ditemukan."


@pytest.mark.django_db
def test_the_triage_panel_speaks_english(admin: User, world: dict[str, int]) -> None:
    """The panel's labels were computed once, at import, in Indonesian; now per reader."""
    text = visible(english(admin).get(f"/tickets/{world['waiting']}/?part=side").content.decode())
    assert "Automatic triage" in text
    assert "Complaint cause" in text and "Category" in text and "Negative" in text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["kpi", "trend", "root_cause", "incident"])
def test_a_reports_pdf_and_spreadsheet_read_in_english(
    supervisor: User, world: dict[str, int], kind: str
) -> None:
    """A report built and exported by an English reader: the PDF's page (the HTML WeasyPrint
    prints, with its page footer) and the CSV (the spreadsheet's table) carry no Indonesian."""
    with translation.override("en"):
        report = delivery.create(kind, m.month(2026, 3), user_id=supervisor.pk)
        html = render_to_string(
            "metrics/report_pdf.html", export.context(report.content, report.title)
        )
        table = export.csv_bytes(report.content).decode("utf-8-sig")
    assert '<html lang="en">' in html
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
    left = indonesian_in(visible(html)) + indonesian_in(table)
    assert left == [], "\n".join(left)


@pytest.mark.django_db
def test_a_page_for_supervisors_refuses_an_agent_in_english(agent: User) -> None:
    refused = english(agent).get("/dasbor/")
    assert refused.status_code == 403
    assert "This page is for supervisors and admins only." in visible(refused.content.decode())
