"""English is complete: every string of the English catalogs is translated (no empty
msgstr, no fuzzy entry), the compiled catalogs match their sources, and the newer pages
(the ticket workbench, a new ticket, the approvals queue, the supervisor's home, the 404
page) read in English, without their Indonesian labels, once English is chosen."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from sigap.accounts.models import Team, User
from sigap.customers.matching import new_customer_check
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket
from sigap.tickets.tests import steps

CATALOGS = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str = ""
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ones, ``#~``, left out; the header included,
    with an empty msgid). Enough of the format for a check: flags, msgctxt, msgid, msgid_plural,
    msgstr and msgstr[n], each possibly continued over several quoted lines."""
    entries: list[Entry] = []
    current: Entry | None = None
    key: tuple[str, int] = ("", 0)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            current = None if not line else current
            continue
        if current is None:
            current = Entry(number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if line.startswith('"'):
            word, rest = "", line
        elif word.startswith("msgstr["):
            key = ("msgstr", int(word[7:-1]))
        else:
            key = (word, 0)
        text = ast.literal_eval(rest)
        if key[0] == "msgctxt":
            current.msgctxt += text
        elif key[0] == "msgid":
            current.msgid += text
        elif key[0] == "msgid_plural":
            current.msgid_plural += text
        elif key[0] == "msgstr":
            current.msgstr[key[1]] = current.msgstr.get(key[1], "") + text
    return entries


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_english_string_is_translated_and_none_is_fuzzy(domain: str) -> None:
    entries = parse_po(CATALOGS / f"{domain}.po")
    assert len(entries) > (100 if domain == "django" else 10)  # the parser read them
    header = entries[0]
    assert header.msgid == "" and "Language: en" in header.msgstr[0]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries[1:]
        if not e.msgstr or any(not s for s in e.msgstr.values())
    ]
    plural_short = [
        f"line {e.line}: {e.msgid!r}" for e in entries[1:] if e.msgid_plural and len(e.msgstr) != 2
    ]
    assert fuzzy == [], "fuzzy entries (check the translation, then drop the flag)"
    assert untranslated == [], "entries without English"
    assert plural_short == [], "plural entries need both forms"
    msgids = [(e.msgctxt, e.msgid, e.msgid_plural) for e in entries]
    assert len(msgids) == len(set(msgids)), "duplicate msgids"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalog_is_the_current_one(domain: str) -> None:
    """The .mo carries every translation of the .po (``msgfmt --check -o X.mo X.po``)."""
    with (CATALOGS / f"{domain}.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in parse_po(CATALOGS / f"{domain}.po")[1:]:
        if e.msgid_plural and e.msgctxt:
            got = [compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgid_plural:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgctxt:
            got, want = [compiled.pgettext(e.msgctxt, e.msgid)], [e.msgstr[0]]
        else:
            got, want = [compiled.gettext(e.msgid)], [e.msgstr[0]]
        if got != want:
            stale.append(e.msgid)
    assert stale == [], "regenerate the .mo: msgfmt --check -o django.mo django.po"


# --- the pages in English ------------------------------------------------------------------


def english(user: User) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def text_of(html: str) -> str:
    """What a reader sees (and screen readers hear): the text, without tags and scripts."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def shows(c: Client, url: str, status: int = 200) -> str:
    response = c.get(url)
    assert response.status_code == status, url
    assert response["Content-Language"] == "en"
    return text_of(response.content.decode())


def assert_english(text: str, english_words: list[str], indonesian: list[str]) -> None:
    missing = [w for w in english_words if w not in text]
    left = [w for w in indonesian if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert missing == [], f"English missing: {missing}"
    assert left == [], f"Indonesian left: {left}"


@pytest.fixture
def awaiting_approval(agent: User, team: Team, customer: Customer) -> Ticket:
    """A confirmed complaint whose voucher needs the supervisor's approval."""
    return steps.awaiting_approval(agent, team, customer)


@pytest.mark.django_db
def test_the_workbench_and_its_timeline_in_english(agent: User, awaiting_approval: Ticket) -> None:
    c = english(agent)
    url = f"/tickets/{awaiting_approval.pk}/"
    text = shows(c, url) + " " + shows(c, f"{url}?part=side")  # the side column loads after
    assert_english(
        text,
        [
            "Listen",  # the stepper
            "Record",
            "Confirm",
            "Assignment",
            "Classification",
            "Save classification",
            "Related tickets",
            "The customer confirmed.",  # the timeline
            "Compensation: Shopping voucher IDR 500,000",
        ],
        [
            "Simak",
            "Penugasan",
            "Klasifikasi",
            "Simpan klasifikasi",
            "Tiket terkait",
            "Pelanggan membenarkan.",
            "Kompensasi:",
            "Butuh persetujuan:",
            "Tindakan lain",
        ],
    )


@pytest.mark.django_db
def test_a_new_ticket_in_english(agent: User, team: Team) -> None:
    assert_english(
        shows(english(agent), "/tickets/new/"),
        ["New ticket", "New customer", "What the customer said", "Create ticket", "Walk-in"],
        ["Tiket baru", "Pelanggan baru", "Buat tiket", "Subjek", "Saluran", "Lampiran"],
    )


@pytest.mark.django_db
def test_the_approvals_queue_in_english(supervisor: User, awaiting_approval: Ticket) -> None:
    assert_english(
        shows(english(supervisor), "/approvals/"),
        [
            "Awaiting my decision",
            "Returned to agents",
            "Compensation not yet given",
            "Case summary",
            "0 earlier tickets",
            "Note for the agent",
            "Ask for changes",
            "Decline",
        ],
        [
            "Menunggu keputusan saya",
            "Dikembalikan ke agen",
            "Ringkasan kasus",
            "Catatan untuk agen",
            "Minta perubahan",
            "Tolak",
        ],
    )
    assert_english(
        shows(english(supervisor), "/approvals/?tab=unfulfilled"),
        ["Every compensation that customers accepted has been given."],
        ["Semua kompensasi yang diterima pelanggan sudah diberikan."],
    )


@pytest.mark.django_db
def test_the_supervisors_home_in_english(supervisor: User, awaiting_approval: Ticket) -> None:
    assert_english(
        shows(english(supervisor), "/beranda/"),
        ["Supervisor's home", "1 proposal waits for your approval", "All escalated tickets"],
        ["Beranda supervisor", "menunggu persetujuan Anda", "Semua tiket yang dieskalasi"],
    )


@pytest.mark.django_db
def test_the_404_page_in_english(supervisor: User) -> None:
    assert_english(
        shows(english(supervisor), "/no-such-page/", status=404),
        ["Page not found", "Back to the inbox"],
        ["Halaman tidak ditemukan", "Kembali ke kotak masuk"],
    )


@pytest.mark.django_db
def test_a_refused_merge_says_why_in_english(
    agent: User, ticket: Ticket, awaiting_approval: Ticket
) -> None:
    """A service's refusal reaches the page in the reader's language (and, the default,
    in Indonesian for everyone else)."""
    url = f"/tickets/{ticket.pk}/merge/?other={ticket.pk}"
    english_text = shows(english(agent), url, status=422)
    assert "A ticket cannot be merged with itself." in english_text
    c = Client()
    c.force_login(agent)
    assert "Tiket tidak dapat digabung dengan dirinya sendiri." in text_of(
        c.get(url).content.decode()
    )


@pytest.mark.django_db
def test_the_new_customer_checks_speak_the_readers_language(customer: Customer) -> None:
    with translation.override("en"):
        english_errors = new_customer_check(name="", phone="08x", email="").errors
    indonesian_errors = new_customer_check(name="", phone="08x", email="").errors
    assert english_errors == {
        "name": ["The customer's name is required."],
        "phone": [
            "The phone number '08x' is not valid. Write it like 0812-3456-7890 or "
            "+62 812-3456-7890."
        ],
    }
    assert indonesian_errors["name"] == ["Nama pelanggan wajib diisi."]


# --- every main page, scanned for Indonesian words --------------------------------------------

STAFF_PAGES = [
    "/inbox/",
    "/beranda/",
    "/tickets/new/",
    "/approvals/",
    "/customers/",
    "/customers/new/",
    "/organizations/",
    "/loyalty/",
    "/dasbor/",
    "/laporan/",
    "/kb/",
    "/kb/baru/",
    "/kb/kategori/",
    "/chat/",
    "/campaigns/",
    "/campaigns/new/",
    "/incidents/",
    "/notifikasi/",
    "/notifikasi/pengaturan/",
    "/akun/2fa/",
    "/akun/sesi/",
    "/keamanan/log/",
    "/keamanan/2fa/",
    "/settings/",
    "/settings/setup/",
    "/settings/brands/",
    "/settings/people/",
    "/settings/people/invitations/",
    "/settings/teams/",
    "/settings/canned/",
    "/settings/categories/",
    "/settings/sla/",
    "/settings/sla/new/",
    "/settings/sla/calendars/",
    "/settings/sla/holidays/",
    "/settings/sla/escalation/",
    "/settings/priority/",
    "/settings/targets/",
    "/settings/automations/",
    "/settings/automations/new/",
    "/settings/automations/time/",
    "/settings/routing/",
    "/settings/routing/new/",
    "/settings/channels/",
    "/settings/channels/whatsapp/",
    "/settings/templates/",
]
CUSTOMER_PAGES = ["/portal/", "/portal/baru/", "/bantuan/", "/portal/baru/saran/?subject=paket"]
PUBLIC_PAGES = ["/masuk/", "/portal/masuk/", "/portal/daftar/", "/portal/tautan/", "/bantuan/"]


def business_data() -> list[str]:
    """The business's own words on the pages (names of its teams, SLA policies, calendars,
    holidays, canned responses; tickets' subjects and messages): data, not Sigap's."""
    from sigap.sla.models import BusinessCalendar, Holiday, SlaPolicy
    from sigap.tickets.models import CannedResponse, Message

    texts: list[str] = [
        *Team.objects.values_list("name", flat=True),
        *SlaPolicy.objects.values_list("name", flat=True),
        *BusinessCalendar.objects.values_list("name", flat=True),
        *Holiday.objects.values_list("name", flat=True),
        *CannedResponse.objects.values_list("title", flat=True),
        *Ticket.objects.values_list("subject", flat=True),
        *Message.objects.values_list("body", flat=True),
        "Pelanggan Uji",  # the setup checklist's test customer, a name
    ]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def indonesian_words(text: str, data: list[str]) -> list[str]:
    from sigap.web.tests.test_translatable import WORDS

    for item in data:
        text = text.replace(item, " ")
    # a placeholder (``{tenggat}``) is the templates' syntax, listed with what it means
    text = re.sub(r"\{\w+\}", " ", text)
    return sorted({m.group(0) for m in WORDS.finditer(text)})


@pytest.mark.django_db
def test_the_main_pages_read_in_english(
    admin: User, customer_user: User, ticket: Ticket, customer: Customer
) -> None:
    """Staff's pages (inbox, ticket, dashboard, reports, settings…), the customer's portal and
    help centre, and the public pages: no Indonesian word of Sigap's own left in English."""
    staff = english(admin)
    pages = [
        *STAFF_PAGES,
        f"/tickets/{ticket.pk}/",
        f"/tickets/{ticket.pk}/?part=side",
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/edit/",
    ]
    found = {url: indonesian_words(shows(staff, url), business_data()) for url in pages}
    portal = english(customer_user)
    for url in [*CUSTOMER_PAGES, f"/portal/tiket/{ticket.pk}/"]:
        found[f"customer {url}"] = indonesian_words(shows(portal, url), business_data())
    visitor = Client(raise_request_exception=False)
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in PUBLIC_PAGES:
        found[f"visitor {url}"] = indonesian_words(shows(visitor, url), business_data())
    assert {url: words for url, words in found.items() if words} == {}


def test_the_widgets_strings_in_english(client: Client, db: None) -> None:
    """The live-chat widget's strings (its JSON configuration for ``lang=en``) and the
    scripts' catalog (``/jsi18n/``) have no Indonesian word left. (The widget reads its
    brand from the database.)"""
    from sigap.web.tests.test_translatable import WORDS

    config = client.get("/chat/widget/?lang=en").json()
    assert config["lang"] == "en"
    said = [config["name"], config["greeting"], *config["strings"].values()]
    assert [s for s in said if WORDS.search(s)] == []
    assert config["strings"]["Bicara dengan petugas"] == "Talk to a person"
    js = parse_po(CATALOGS / "djangojs.po")[1:]
    assert [e.msgid for e in js if any(WORDS.search(s) for s in e.msgstr.values())] == []
