"""Help centre per brand (issue 17): an article belongs to one brand or to every brand (no
brand). Each brand's help centre (``?brand=<slug>``, remembered), the portal's
suggestions and the live chat widget's (``brand=<slug>``) show the brand's own articles
and the shared ones, never another brand's own. The editor chooses the brand only when
the business has more than one."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import Brand, User
from sigap.customers.models import Customer
from sigap.kb import selectors, services
from sigap.kb.access import public_articles
from sigap.kb.forms import ArticleForm
from sigap.kb.models import Article, ArticleVersion
from sigap.kb.services import ArticleIn

pytestmark = pytest.mark.django_db

KOPI_BODY = "Mesin kopi yang rusak dalam masa garansi kami ganti dengan mesin baru."


@pytest.fixture
def brand_b(db: None) -> Brand:
    return Brand.objects.create(name="Kopi Senja", slug="kopi-senja")


@pytest.fixture
def kopi(kb: dict[str, Article], brand_b: Brand) -> Article:
    """Brand B's own article, alone in its category; the fixture's others are shared."""
    machines = services.category_create(
        actor=None, data=services.CategoryIn(name="Mesin kopi", slug="mesin-kopi", position=9)
    )
    return services.article_create(
        actor=None,
        slug="garansi-mesin-kopi",
        content=ArticleIn(
            category=machines,
            title="Garansi mesin kopi",
            body=KOPI_BODY,
            visibility="public",
            status="published",
            brand=brand_b,
        ),
    )


def test_each_brands_help_centre_shows_its_own_and_the_shared_articles(
    kopi: Article, brand_b: Brand
) -> None:
    shared = set(public_articles().filter(brand__isnull=True).values_list("slug", flat=True))
    assert "paket-terlambat" in shared
    seen_b = set(public_articles(brand_b.pk).values_list("slug", flat=True))
    seen_default = set(
        public_articles(Brand.objects.get(is_default=True).pk).values_list("slug", flat=True)
    )
    assert seen_b == shared | {"garansi-mesin-kopi"}
    assert seen_default == shared

    visitor = Client()
    # the default help centre: B's own article is missing, and so is its category
    home = visitor.get("/bantuan/").content.decode()
    assert "/bantuan/kategori/mesin-kopi/" not in home
    assert visitor.get("/bantuan/artikel/garansi-mesin-kopi/").status_code == 404
    assert visitor.get("/bantuan/kategori/mesin-kopi/").status_code == 404
    found = visitor.get("/bantuan/cari/", {"q": "mesin kopi garansi"}).content.decode()
    assert "garansi-mesin-kopi" not in found

    # brand B's help centre (remembered for the next pages): its own and the shared ones
    home_b = visitor.get("/bantuan/", {"brand": "kopi-senja"}).content.decode()
    assert "/bantuan/kategori/mesin-kopi/" in home_b
    page = visitor.get("/bantuan/artikel/garansi-mesin-kopi/")
    assert page.status_code == 200 and KOPI_BODY in page.content.decode()
    assert visitor.get("/bantuan/artikel/paket-terlambat/").status_code == 200
    found_b = visitor.get("/bantuan/cari/", {"q": "mesin kopi garansi"}).content.decode()
    assert "garansi-mesin-kopi" in found_b


def test_portal_and_widget_suggestions_follow_the_brand(
    kopi: Article, brand_b: Brand, customer: Customer, customer_user: User
) -> None:
    assert [a.slug for a in selectors.portal_suggestions("garansi mesin kopi", 4, brand_b.pk)] == [
        "garansi-mesin-kopi"
    ]
    default_id = Brand.objects.get(is_default=True).pk
    assert selectors.portal_suggestions("garansi mesin kopi", 4, default_id) == []

    c = Client()
    c.force_login(customer_user)
    q = {"subject": "Garansi mesin kopi", "description": ""}
    assert "garansi-mesin-kopi" not in c.get("/portal/baru/saran/", q).content.decode()
    html = c.get("/portal/baru/saran/", {**q, "brand": "kopi-senja"}).content.decode()
    assert "/portal/baru/artikel/garansi-mesin-kopi/" in html
    assert c.get("/portal/baru/artikel/garansi-mesin-kopi/").status_code == 302

    widget = Client()
    assert widget.get("/bantuan/saran/", {"q": "garansi mesin kopi"}).json() == {"articles": []}
    (suggested,) = widget.get(
        "/bantuan/saran/", {"q": "garansi mesin kopi", "brand": "kopi-senja"}
    ).json()["articles"]
    assert suggested["url"].endswith("/bantuan/saran/garansi-mesin-kopi/?brand=kopi-senja")
    opened = widget.get("/bantuan/saran/garansi-mesin-kopi/?brand=kopi-senja")
    assert opened["Location"] == "/bantuan/artikel/garansi-mesin-kopi/?brand=kopi-senja"
    assert widget.get(opened["Location"]).status_code == 200
    assert widget.get("/bantuan/saran/garansi-mesin-kopi/").status_code == 404


def test_changing_only_the_brand_is_a_new_version_and_a_restore_keeps_it(
    kopi: Article, brand_b: Brand, supervisor: User
) -> None:
    content = ArticleIn(
        category=kopi.category,
        title=kopi.title,
        body=kopi.body,
        visibility=kopi.visibility,
        status=kopi.status,
        brand=None,
    )
    shared = services.article_update(actor=supervisor, article=kopi, content=content)
    assert (shared.version, shared.brand_id) == (2, None)
    assert ArticleVersion.objects.filter(article=kopi).count() == 2
    restored = services.article_restore(actor=supervisor, article=shared, number=1)
    # the text of version 1 is the same: nothing new; the brand stays as it is
    assert (restored.version, restored.brand_id) == (2, None)


def test_the_brand_chooser_shows_only_when_there_are_several_brands(
    kb: dict[str, Article], supervisor: User
) -> None:
    c = Client()
    c.force_login(supervisor)
    assert 'name="brand"' not in c.get("/kb/baru/").content.decode()
    article = kb["paket-terlambat"]
    assert "brand" not in ArticleForm(article=article).fields

    brand_b = Brand.objects.create(name="Kopi Senja", slug="kopi-senja")
    page = c.get(f"/kb/{article.pk}/ubah/").content.decode()
    assert 'name="brand"' in page and "Kopi Senja" in page
    data = {
        "category": article.category_id,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "questions": article.questions,
        "title_en": article.title_en,
        "summary_en": article.summary_en,
        "body_en": article.body_en,
        "visibility": article.visibility,
        "status": article.status,
        "version": article.version,
        "brand": brand_b.pk,
    }
    assert c.post(f"/kb/{article.pk}/ubah/", data).status_code == 302
    article.refresh_from_db()
    assert article.brand_id == brand_b.pk

    # back to one brand: the form has no chooser, and saving keeps the brand
    brand_b.is_active = False
    brand_b.save()
    form = ArticleForm(
        {**data, "title": "Paket belum sampai (diperbarui)", "version": article.version},
        article=article,
    )
    assert "brand" not in form.fields and form.is_valid()
    assert form.content().brand == brand_b
