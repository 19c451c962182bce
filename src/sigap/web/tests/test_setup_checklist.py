"""The first-run setup checklist (``/settings/setup/``, issue 17): the sign-in after
``createadmin`` lands on it, each step's state follows the data, skipping and dismissing
are kept, the test complaint reaches the inbox once, the business's name and logo (a bad
logo is refused precisely, nothing saved), and who may open it."""

from __future__ import annotations

import io
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from sigap.accounts import business
from sigap.accounts.invitations import staff_invite
from sigap.accounts.models import Business, Role, SecurityEvent, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.connectors.models import ChannelAccount, Mailbox
from sigap.kb.models import Article, ArticleStatus
from sigap.kb.models import Category as KbCategory
from sigap.sla.models import BusinessCalendar
from sigap.sla.services import PeriodIn, calendar_save
from sigap.tickets.models import Ticket
from sigap.web import setup_checklist

pytestmark = pytest.mark.django_db

URL = "/settings/setup/"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def first_admin() -> User:
    call_command(
        "createadmin", username="pemilik", password="rahasia-pemilik", stdout=io.StringIO()
    )
    return User.objects.get(username="pemilik")


def states(c: Client) -> dict[str, str]:
    response = c.get(URL)
    assert response.status_code == 200
    steps = response.context["steps"]
    return {s.key: s.state for s in steps}


def png(size: tuple[int, int] = (40, 20), fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (11, 92, 173)).save(buf, fmt)
    return buf.getvalue()


# --- the sign-in after createadmin -------------------------------------------------------


def test_the_first_sign_in_after_createadmin_lands_on_the_checklist() -> None:
    first_admin()
    c = Client()
    response = c.post(
        "/masuk/", {"username": "pemilik", "password": "rahasia-pemilik"}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    html = response.content.decode()
    assert "Daftar persiapan" in html
    assert "0 dari 8 langkah selesai." in html


def test_an_admin_of_an_installation_in_use_goes_home(admin: User) -> None:
    # made without createadmin on an empty database: no checklist pushed
    assert logged(admin).get("/")["Location"] == "/beranda/"


def test_createadmin_on_a_database_with_staff_does_not_open_the_checklist(agent: User) -> None:
    user_create(username="kedua", password="rahasia-kedua", role=Role.AGENT)
    admin = first_admin()
    assert logged(admin).get("/")["Location"] == "/beranda/"
    assert not Business.objects.filter(setup_open=True).exists()


def test_supervisors_are_not_sent_to_the_checklist(supervisor: User) -> None:
    first_admin()
    assert logged(supervisor).get("/")["Location"] == "/beranda/"


def test_dismissing_stops_the_redirect_and_the_hub_reopens_it() -> None:
    admin = first_admin()
    c = logged(admin)
    assert c.get("/")["Location"] == URL
    response = c.post("/settings/setup/dismiss/", {"dismiss": "1"})
    assert response["Location"] == "/settings/"
    assert c.get("/")["Location"] == "/beranda/"
    assert f'href="{URL}"' in c.get("/settings/").content.decode()
    assert c.get(URL).status_code == 200  # still open from the hub
    c.post("/settings/setup/dismiss/", {"dismiss": "0"})
    assert c.get("/")["Location"] == URL
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 2


# --- each step from the data ------------------------------------------------------------


def test_each_step_follows_the_data() -> None:
    admin = first_admin()
    c = logged(admin)
    assert set(states(c).values()) == {"todo"}

    c.post(URL, {"name": "Toko Maju", "time_zone": "Asia/Makassar"})
    s = states(c)
    assert s["business"] == s["time_zone"] == "done"

    # the installed default calendars have hours, but nobody looked at them yet
    assert BusinessCalendar.objects.filter(periods__isnull=False).exists()
    assert states(c)["hours"] == "todo"
    calendar = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    calendar_save(
        actor=admin,
        calendar=calendar,
        name=calendar.name,
        time_zone="Asia/Makassar",
        around_the_clock=False,
        national_holidays=True,
        periods=[PeriodIn(d, time(9), time(18)) for d in range(6)],
    )
    assert states(c)["hours"] == "done"

    team_create(name="Layanan", slug="layanan", supervisor=None, members=[])
    assert states(c)["team"] == "done"

    staff_invite(actor=admin, email="rina@example.com", role=Role.AGENT)
    assert states(c)["agents"] == "done"

    Mailbox.objects.create(name="CS", host="127.0.0.1", username="cs", active=False)
    assert states(c)["channel"] == "todo"  # a switched-off mailbox does not count
    Mailbox.objects.update(active=True)
    assert states(c)["channel"] == "done"

    kb = KbCategory.objects.create(name="Umum", slug="umum")
    now = timezone.now()
    art = Article.objects.create(
        slug="retur", category=kb, title="Retur", body="Cara retur.", created_at=now, updated_at=now
    )
    assert states(c)["articles"] == "todo"  # a draft
    Article.objects.filter(pk=art.pk).update(status=ArticleStatus.PUBLISHED, published_at=now)
    assert states(c)["articles"] == "done"

    assert states(c)["test_complaint"] == "todo"
    c.post("/settings/setup/test-complaint/")
    assert set(states(c).values()) == {"done"}
    assert "8 dari 8 langkah selesai." in c.get(URL).content.decode()
    # finished: the sign-in goes home and stops computing the checklist
    assert c.get("/")["Location"] == "/beranda/"
    assert Business.objects.get().setup_completed_at is not None


def test_a_channel_account_counts_as_a_channel() -> None:
    admin = first_admin()
    ChannelAccount.objects.create(provider="telegram", values={"x": "y"})
    assert states(logged(admin))["channel"] == "done"


def test_another_staff_member_counts_as_invited() -> None:
    admin = first_admin()
    c = logged(admin)
    assert states(c)["agents"] == "todo"
    user_create(username="budi", password="rahasia-budi", role=Role.AGENT)
    assert states(c)["agents"] == "done"


def test_a_skipped_step_is_kept_and_can_be_taken_back() -> None:
    admin = first_admin()
    c = logged(admin)
    response = c.post("/settings/setup/skip/channel/", {"skip": "1"})
    assert response["Location"] == URL + "#step-channel"
    assert states(c)["channel"] == "skipped"
    assert Business.objects.get().setup_skipped == ["channel"]
    c.post("/settings/setup/skip/channel/", {"skip": "0"})
    assert states(c)["channel"] == "todo"
    assert c.post("/settings/setup/skip/nonsense/", {"skip": "1"}).status_code == 404


def test_skipping_every_step_finishes_the_checklist() -> None:
    admin = first_admin()
    c = logged(admin)
    for key in setup_checklist.STEP_KEYS:
        c.post(f"/settings/setup/skip/{key}/", {"skip": "1"})
    assert c.get("/")["Location"] == "/beranda/"


# --- the test complaint -----------------------------------------------------------------


def test_the_test_complaint_appears_in_the_inbox_once() -> None:
    admin = first_admin()
    team = team_create(name="Layanan", slug="layanan", supervisor=admin, members=[])
    c = logged(admin)
    response = c.post("/settings/setup/test-complaint/", follow=True)
    assert response.redirect_chain[-1][0] == "/inbox/?view=all"
    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.customer.name == "Pelanggan Uji"
    assert ticket.kind == "complaint"
    assert ticket.team_id == team.pk
    assert "Keluhan uji: pesanan belum sampai" in html
    assert f"Keluhan uji #{ticket.pk} dari Pelanggan Uji ada di kotak masuk." in html
    assert ticket.messages.count() == 1  # made through the services: its first message
    # sending again (a double click, a reload) makes no second ticket
    c.post("/settings/setup/test-complaint/")
    assert Ticket.objects.count() == 1


def test_the_test_complaint_is_made_again_after_it_was_deleted() -> None:
    admin = first_admin()
    c = logged(admin)
    c.post("/settings/setup/test-complaint/")
    Ticket.objects.all().delete()
    c.post("/settings/setup/test-complaint/")
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().customer.name == "Pelanggan Uji"


# --- the business: name, time zone, logo ------------------------------------------------


def test_the_business_name_shows_in_the_top_bar_and_title(agent: User) -> None:
    admin = first_admin()
    logged(admin).post(URL, {"name": "Toko <Maju>", "time_zone": "Asia/Jayapura"})
    html = logged(agent).get("/inbox/").content.decode()
    assert "· Toko &lt;Maju&gt;</title>" in html
    assert 'class="brand" href="/">Toko &lt;Maju&gt;</a>' in html
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert "Asia/Jakarta → Asia/Jayapura" in event.detail


def test_pages_show_times_in_the_business_time_zone_once_chosen() -> None:
    admin = first_admin()
    c = logged(admin)
    seen: list[str] = []

    def page(request: Any) -> Any:
        seen.append(timezone.get_current_timezone_name())
        return None

    middleware = business.TimeZoneMiddleware(page)
    middleware(None)  # type: ignore[arg-type]
    assert seen[-1] == "Asia/Jakarta"  # the setting's, before anyone chose
    c.post(URL, {"name": "Toko Timur", "time_zone": "Asia/Jayapura"})
    middleware(None)  # type: ignore[arg-type]
    assert seen[-1] == "Asia/Jayapura"
    assert timezone.get_current_timezone_name() == "Asia/Jakarta"  # only for the request


def test_a_logo_is_saved_and_served_as_an_image(agent: User) -> None:
    admin = first_admin()
    c = logged(admin)
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = c.post(URL, {"name": "Toko Maju", "time_zone": "Asia/Jakarta", "logo": logo})
    assert response.status_code == 302
    served = logged(agent).get("/business/logo/")
    assert served["Content-Type"] == "image/png"
    assert served.content == png()
    assert 'class="brand-logo"' in logged(agent).get("/inbox/").content.decode()
    c.post(URL, {"name": "Toko Maju", "time_zone": "Asia/Jakarta", "remove_logo": "on"})
    assert logged(agent).get("/business/logo/").status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"),
            "Logo harus berupa gambar PNG, JPEG, GIF atau WebP.",
        ),
        (
            SimpleUploadedFile("logo.bmp", png(fmt="BMP"), content_type="image/bmp"),
            "Logo harus berupa gambar PNG, JPEG, GIF atau WebP.",
        ),
        (
            SimpleUploadedFile("logo.png", png() + b"\0" * (1024 * 1024), content_type="image/png"),
            "Logo terlalu besar: 1025 KB, paling besar 1024 KB.",
        ),
        (
            SimpleUploadedFile("logo.png", png((5000, 10)), content_type="image/png"),
            "Logo terlalu lebar: 5000×10 piksel, paling besar 4000 piksel.",
        ),
    ],
)
def test_a_bad_logo_is_refused_precisely_and_nothing_is_saved(
    upload: SimpleUploadedFile, message: str, tmp_path: Path
) -> None:
    admin = first_admin()
    c = logged(admin)
    response = c.post(URL, {"name": "Toko Maju", "time_zone": "Asia/Makassar", "logo": upload})
    assert response.status_code == 422
    assert message in response.content.decode()
    b = Business.objects.get()
    assert (b.name, b.time_zone, b.logo.name, b.time_zone_chosen) == (
        "",
        "Asia/Jakarta",
        "",
        False,
    )
    assert not any(tmp_path.rglob("*.*"))  # no file left behind
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_a_change_that_fails_half_way_leaves_no_logo_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = first_admin()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(business.audit, "settings_changed", broken)
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    with pytest.raises(RuntimeError):
        business.business_update(actor=admin, name="Toko", time_zone="Asia/Jakarta", logo=logo)
    assert not any(tmp_path.rglob("*.*"))
    assert Business.objects.get().name == ""


def test_an_unknown_time_zone_is_refused() -> None:
    admin = first_admin()
    response = logged(admin).post(URL, {"name": "Toko", "time_zone": "Europe/Paris"})
    assert response.status_code == 422
    assert Business.objects.get().name == ""


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", URL),
        ("post", URL),
        ("post", "/settings/setup/skip/team/"),
        ("post", "/settings/setup/dismiss/"),
        ("post", "/settings/setup/test-complaint/"),
    ],
)
def test_agents_and_supervisors_get_403(
    method: str, url: str, agent: User, supervisor: User, team: Team
) -> None:
    first_admin()
    for user in (agent, supervisor):
        response = getattr(logged(user), method)(url, {"name": "X", "time_zone": "Asia/Jakarta"})
        assert response.status_code == 403
    b = business.get()
    assert (b.name, b.setup_skipped, b.setup_dismissed_at) == ("", [], None)
    assert not Ticket.objects.exists()


def test_the_hub_does_not_list_the_checklist_for_supervisors(supervisor: User, team: Team) -> None:
    assert URL not in logged(supervisor).get("/settings/").content.decode()


def test_customers_cannot_see_the_logo(customer_user: User) -> None:
    assert logged(customer_user).get("/business/logo/").status_code == 302


# --- cost and language -------------------------------------------------------------------


def test_the_checklist_reads_a_fixed_number_of_statements(
    django_assert_max_num_queries: Any,
) -> None:
    admin = first_admin()
    c = logged(admin)
    for i in range(5):
        team_create(name=f"Tim {i}", slug=f"tim-{i}", supervisor=admin, members=[])
        user_create(username=f"agen{i}", password="rahasia-agen", role=Role.AGENT)
    c.get(URL)
    with django_assert_max_num_queries(14):
        assert c.get(URL).status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get("/")["Location"] == URL


def test_the_checklist_in_english() -> None:
    admin = first_admin()
    c = logged(admin)
    c.cookies["django_language"] = "en"
    html = c.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Setup checklist" in html
    assert "Send a test complaint" in html
    assert "0 of 8 steps done." in html
