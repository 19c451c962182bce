"""The admin's lists of articles and WhatsApp templates show and filter by brand when the
business has several brands (issue 17); with one brand they are as before."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import Brand, User
from sigap.connectors.models import WhatsAppTemplate
from sigap.kb import services
from sigap.kb.models import Category
from sigap.kb.services import ArticleIn

pytestmark = pytest.mark.django_db

ARTICLES = "/admin/kb/article/"
TEMPLATES = "/admin/sigap_channels/whatsapptemplate/"


@pytest.fixture
def admin_client(admin: User) -> Client:
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    return client


def article(slug: str, title: str, brand: Brand | None) -> None:
    category, _ = Category.objects.get_or_create(
        slug="umum", defaults={"name": "Umum", "position": 0}
    )
    services.article_create(
        actor=None,
        slug=slug,
        content=ArticleIn(
            category=category,
            title=title,
            body="Isi artikel.",
            visibility="public",
            status="published",
            brand=brand,
        ),
    )


def rows(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_one_brand_lists_have_no_brand_column_nor_filter(admin_client: Client) -> None:
    article("ongkir", "Ongkos kirim", None)
    WhatsAppTemplate.objects.create(name="promo_umum", language="id", body="Halo {{1}}")
    for url in (ARTICLES, TEMPLATES):
        html = rows(admin_client, url)
        assert "column-brand_" not in html and "?brand=" not in html


def test_several_brands_lists_show_and_filter_by_brand(admin_client: Client) -> None:
    brand_b = Brand.objects.create(name="Kopi Senja", slug="kopi-senja")
    article("ongkir", "Ongkos kirim", None)
    article("garansi-mesin-kopi", "Garansi mesin kopi", brand_b)
    WhatsAppTemplate.objects.create(name="promo_umum", language="id", body="Halo {{1}}")
    WhatsAppTemplate.objects.create(
        name="promo_kopi", language="id", body="Halo {{1}}", brand=brand_b
    )

    html = rows(admin_client, ARTICLES)
    assert "column-brand_or_all" in html and "Semua merek" in html and "Kopi Senja" in html
    own = rows(admin_client, ARTICLES, brand=str(brand_b.pk))
    assert "Garansi mesin kopi" in own and "Ongkos kirim" not in own
    shared = rows(admin_client, ARTICLES, brand="none")
    assert "Ongkos kirim" in shared and "Garansi mesin kopi" not in shared

    html = rows(admin_client, TEMPLATES)
    assert "column-brand_or_default" in html and "Koneksi bawaan" in html
    own = rows(admin_client, TEMPLATES, brand=str(brand_b.pk))
    assert "promo_kopi" in own and "promo_umum" not in own
    default = rows(admin_client, TEMPLATES, brand="none")
    assert "promo_umum" in default and "promo_kopi" not in default
