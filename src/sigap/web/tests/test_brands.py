"""Brands (issue 17): the settings page ``/settings/brands/`` (admins only, every change
through a checked, audited service, nothing saved on a refusal), the public logo, the
portal and help centre in the brand's look, the brand shown to staff only when there are
several, and the API's brand slug."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image
from tests.api_client import Api

from sigap.accounts import brand_settings, brands
from sigap.accounts.models import Brand, SecurityEvent, User
from sigap.connectors import services as channel_services
from sigap.connectors.models import Mailbox
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/settings/brands/"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (122, 62, 18)).save(buf, "PNG")
    return buf.getvalue()


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Kopi Senja",
        "slug": "kopi-senja",
        "colour": "#7a3e12",
        "sender_name": "Kopi Senja CS",
        "sender_email": "halo@kopisenja.contoh.id",
        "signature": "Salam hangat,\nTim Kopi Senja",
        "is_active": "on",
    }
    data.update(changes)
    return data


def changes() -> int:
    return SecurityEvent.objects.filter(kind="settings_changed").count()


def second_brand(admin: User) -> Brand:
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    return brand_settings.brand_save(
        actor=admin,
        brand=None,
        name="Kopi Senja",
        slug="kopi-senja",
        colour="#7A3E12",
        sender_email="halo@kopisenja.contoh.id",
        logo=logo,
    )


# --- the settings page and its services --------------------------------------------------------


def test_an_admin_adds_a_brand_with_its_logo_and_it_is_audited(admin: User) -> None:
    c = logged(admin)
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = c.post(URL, {**form(), "logo": logo})
    assert response.status_code == 302
    b = Brand.objects.get(slug="kopi-senja")
    assert (b.colour, b.sender_email, b.logo_type, b.is_default) == (
        "#7A3E12",
        "halo@kopisenja.contoh.id",
        "image/png",
        False,
    )
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert event.data["what"] == "brand" and event.data["after"]["slug"] == "kopi-senja"
    served = c.get(f"/merek/{b.slug}/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert Client().get(f"/merek/{b.slug}/logo/").status_code == 200  # customers see it
    page = c.get(URL).content.decode()
    assert 'data-brand="kopi-senja"' in page and 'data-brand="utama"' in page


@pytest.mark.parametrize(
    ("changes_", "field", "message"),
    [
        ({"colour": "merah"}, "colour", "#RRGGBB"),
        ({"colour": "#12345"}, "colour", "#RRGGBB"),
        ({"slug": "Kopi Senja"}, "slug", "huruf kecil"),
        ({"slug": "utama"}, "slug", "sudah dipakai"),
        ({"sender_email": "bukan-email"}, "sender_email", "tidak sah"),
        ({"name": " "}, "name", "kosong"),
    ],
)
def test_a_bad_field_is_refused_precisely_and_nothing_is_saved(
    admin: User, changes_: dict[str, str], field: str, message: str, tmp_path: Path
) -> None:
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = logged(admin).post(URL, {**form(**changes_), "logo": logo})
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert Brand.objects.count() == 1 and changes() == 0
    assert not any(tmp_path.rglob("*.*"))  # no logo file left behind


def test_a_bad_logo_is_refused_and_nothing_is_saved(admin: User, tmp_path: Path) -> None:
    svg = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = logged(admin).post(URL, {**form(), "logo": svg})
    assert response.status_code == 422
    assert "PNG, JPEG, GIF atau WebP" in response.content.decode()
    assert Brand.objects.count() == 1 and changes() == 0
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_are_refused_and_nothing_is_saved(
    who: str, request: pytest.FixtureRequest, admin: User
) -> None:
    user: User = request.getfixturevalue(who)
    b = second_brand(admin)
    before = changes()
    c = logged(user)
    assert c.get(URL).status_code == 403
    assert c.post(URL, form(slug="lain", name="Lain")).status_code == 403
    assert c.get(f"{URL}{b.pk}/").status_code == 403
    assert c.post(f"{URL}{b.pk}/", form(name="Diubah")).status_code == 403
    assert c.post(f"{URL}{b.pk}/", {"action": "default"}).status_code == 403
    assert c.post(f"{URL}{b.pk}/", {"action": "channels"}).status_code == 403
    b.refresh_from_db()
    assert (Brand.objects.count(), b.name, b.is_default, changes()) == (
        2,
        "Kopi Senja",
        False,
        before,
    )
    with pytest.raises(PermissionDenied):
        brand_settings.brand_save(actor=user, brand=b, name="X", slug="x")
    assert URL not in logged(user).get("/settings/").content.decode()


def test_the_default_moves_and_the_default_cannot_be_switched_off(admin: User) -> None:
    b = second_brand(admin)
    old = brands.default_brand()
    c = logged(admin)
    refused = c.post(f"{URL}{old.pk}/", form(name=old.name, slug=old.slug, is_active=""))
    assert refused.status_code == 422 and "tidak dapat dinonaktifkan" in refused.content.decode()
    assert c.post(f"{URL}{b.pk}/", {"action": "default"}).status_code == 302
    b.refresh_from_db()
    old.refresh_from_db()
    assert (b.is_default, old.is_default, brands.default_id()) == (True, False, b.pk)
    assert SecurityEvent.objects.filter(data__after__default="kopi-senja").exists()


def test_an_admin_gives_a_brand_its_channels(admin: User) -> None:
    b = second_brand(admin)
    box = Mailbox.objects.create(name="CS", address="cs@x.id", host="h", username="u")
    other = Mailbox.objects.create(name="Lain", address="lain@x.id", host="h", username="u")
    c = logged(admin)
    assert "CS" in c.get(f"{URL}{b.pk}/").content.decode()
    r = c.post(f"{URL}{b.pk}/", {"action": "channels", "mailbox": [str(box.pk)]})
    assert r.status_code == 302
    box.refresh_from_db()
    other.refresh_from_db()
    assert (box.brand_id, other.brand_id) == (b.pk, None)
    # not set up here: refused, nothing changes
    r = c.post(f"{URL}{b.pk}/", {"action": "channels", "channel": ["telegram"]})
    assert r.status_code == 422
    box.refresh_from_db()
    assert box.brand_id == b.pk
    assert (
        channel_services.brand_channels_set(actor=admin, brand=b, mailbox_ids=[], providers=[])
        == []
    )
    box.refresh_from_db()
    assert box.brand_id is None  # back to the default brand


def test_the_brands_page_reads_a_bounded_number_of_statements(admin: User) -> None:
    second_brand(admin)
    c = logged(admin)
    c.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert c.get(URL).status_code == 200
    for i in range(5):
        Brand.objects.create(name=f"Merek {i}", slug=f"merek-{i}")
    with CaptureQueriesContext(connection) as many:
        assert c.get(URL).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) <= 5  # measured: 3


def test_the_service_refuses_what_the_form_would_refuse(admin: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        brand_settings.brand_save(actor=admin, brand=None, name="A", slug="a", colour="#GGGGGG")
    assert "colour" in refused.value.fields
    assert Brand.objects.count() == 1


# --- customers see the brand ------------------------------------------------------------------


def test_the_portal_shows_brand_bs_logo_on_brand_bs_ticket(
    admin: User, agent: User, customer_user: User, customer: Customer, ticket: Ticket
) -> None:
    b = second_brand(admin)
    theirs = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="complaint",
        channel="portal",
        subject="Kopi basi",
        description="Kopinya basi.",
        brand_id=b.pk,
    )
    c = logged(customer_user)
    html = c.get(f"/portal/tiket/{theirs.pk}/").content.decode()
    assert "/merek/kopi-senja/logo/" in html and "Kopi Senja" in html
    assert "--brand: #7A3E12" in html
    default_page = c.get(f"/portal/tiket/{ticket.pk}/").content.decode()
    assert "/merek/kopi-senja/logo/" not in default_page


def test_the_help_centre_and_portal_take_the_brand_from_the_address(
    admin: User, customer_user: User, customer: Customer
) -> None:
    second_brand(admin)
    visitor = Client()
    assert "/merek/kopi-senja/logo/" not in visitor.get("/bantuan/").content.decode()
    assert "/merek/kopi-senja/logo/" in visitor.get("/bantuan/?brand=kopi-senja").content.decode()
    assert "/merek/kopi-senja/logo/" in visitor.get("/bantuan/").content.decode()  # kept
    assert (
        "/merek/kopi-senja/logo/" not in Client().get("/bantuan/?brand=tidak-ada").content.decode()
    )
    c = logged(customer_user)
    c.get("/portal/baru/?brand=kopi-senja")
    c.post("/portal/baru/", {"kind": "complaint", "subject": "Kopi", "description": "Basi."})
    assert Ticket.objects.get(subject="Kopi").brand.slug == "kopi-senja"


def test_a_switched_off_brands_logo_is_not_served(admin: User) -> None:
    b = second_brand(admin)
    Brand.objects.filter(pk=b.pk).update(is_active=False)
    assert Client().get("/merek/kopi-senja/logo/").status_code == 404
    assert Client().get("/merek/utama/logo/").status_code == 404  # no logo


# --- staff see the brand only with several -----------------------------------------------------


def test_staff_see_no_brand_with_one_and_filter_by_it_with_several(
    admin: User, agent: User, ticket: Ticket
) -> None:
    c = logged(agent)
    assert 'name="brand"' not in c.get("/inbox/?view=all").content.decode()
    assert "data-ticket-brand" not in c.get(f"/tickets/{ticket.pk}/").content.decode()
    b = second_brand(admin)
    theirs = services.ticket_create(
        actor=agent,
        customer=ticket.customer,
        kind="complaint",
        channel="phone",
        subject="Kopi basi",
        description="Kopinya basi.",
        team=ticket.team,
        brand_id=b.pk,
    )
    inbox = c.get("/inbox/?view=all").content.decode()
    assert 'name="brand"' in inbox and "Kopi Senja" in inbox
    filtered = c.get("/inbox/?view=all&brand=kopi-senja").content.decode()
    assert f'data-ticket="{theirs.pk}"' in filtered and f'data-ticket="{ticket.pk}"' not in filtered
    page = c.get(f"/tickets/{theirs.pk}/").content.decode()
    assert 'data-ticket-brand="kopi-senja"' in page


def test_the_api_names_the_brand_and_filters_by_it(
    admin: User, agent: User, ticket: Ticket
) -> None:
    b = second_brand(admin)
    api = Api(agent)
    body = {
        "customer_id": ticket.customer_id,
        "subject": "Kopi basi",
        "description": "Basi.",
        "team_id": ticket.team_id,
        "brand": "kopi-senja",
    }
    made = api.post("/tickets", body)
    assert made.status_code == 201, made.content
    assert made.json()["brand"] == "kopi-senja"
    assert Ticket.objects.get(pk=made.json()["id"]).brand_id == b.pk
    listed = api.get("/tickets", brand="kopi-senja").json()["items"]
    assert [t["brand"] for t in listed] == ["kopi-senja"]
    assert api.get(f"/tickets/{ticket.pk}").json()["brand"] == "utama"
    Ticket.objects.filter(pk=ticket.pk).update(brand=None)  # a row written without one
    by_default = api.get("/tickets", brand="utama").json()["items"]
    assert [(t["id"], t["brand"]) for t in by_default] == [(ticket.pk, "utama")]
    assert api.post("/tickets", {**body, "brand": "tidak-ada"}).status_code == 422


def test_staff_opening_a_ticket_choose_the_brand_only_with_several(
    admin: User, agent: User, customer: Customer
) -> None:
    c = logged(agent)
    assert 'name="brand"' not in c.get("/tickets/new/").content.decode()
    b = second_brand(admin)
    assert 'name="brand"' in c.get("/tickets/new/").content.decode()
    data = {
        "channel": "phone",
        "kind": "complaint",
        "subject": "Kopi basi",
        "description": "Pelanggan menelepon: kopinya basi.",
        "customer": str(customer.pk),
        "brand": str(b.pk),
    }
    assert c.post("/tickets/new/", data).status_code == 302
    assert Ticket.objects.get(subject="Kopi basi").brand_id == b.pk
