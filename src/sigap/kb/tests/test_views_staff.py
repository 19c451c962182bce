"""Staff pages: who reads what, who edits, history and restore, and the composer's
suggestions fragment."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.kb.models import Article, ArticleVersion, Category
from sigap.kb.selectors import suggest_for_ticket
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_data(article: Article, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
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
        "note": "",
        "version": article.version,
    }
    data.update(changes)
    return data


def listed(response: object) -> set[str]:
    import re

    return set(re.findall(r'data-article="([^"]+)"', response.content.decode()))  # type: ignore[attr-defined]


def test_agents_read_published_articles_including_internal(
    agent: User, kb: dict[str, Article]
) -> None:
    response = client_for(agent).get("/kb/")
    assert response.status_code == 200
    assert listed(response) == {
        "paket-terlambat",
        "lacak-paket",
        "waktu-refund",
        "refund-belum-masuk",
        "refund-sigappay",
        "lupa-kata-sandi",
        "hubungi-cs",
        "kompensasi-internal",
    }
    page = client_for(agent).get(f"/kb/{kb['kompensasi-internal'].pk}/")
    assert page.status_code == 200 and b"Rp50.000" in page.content
    assert client_for(agent).get(f"/kb/{kb['promo-rahasia'].pk}/").status_code == 404


def test_supervisors_see_drafts_and_archived_too(supervisor: User, kb: dict[str, Article]) -> None:
    assert listed(client_for(supervisor).get("/kb/")) == set(kb)
    found = listed(client_for(supervisor).get("/kb/", {"q": "paketku belum nyampe"}))
    assert {"paket-terlambat", "kompensasi-internal", "promo-rahasia"} <= found


def test_customers_and_visitors_are_kept_out(customer_user: User, kb: dict[str, Article]) -> None:
    assert client_for(customer_user).get("/kb/").url == "/portal/"  # type: ignore[attr-defined]
    response = Client().get(f"/kb/{kb['kompensasi-internal'].pk}/")
    assert response.status_code == 302 and response.url.startswith("/masuk/")  # type: ignore[attr-defined]


def test_an_agent_cannot_edit_restore_or_create(agent: User, kb: dict[str, Article]) -> None:
    article = kb["lupa-kata-sandi"]
    client = client_for(agent)
    assert client.get(f"/kb/{article.pk}/ubah/").status_code == 403
    response = client.post(f"/kb/{article.pk}/ubah/", edit_data(article, body="Diubah agen."))
    assert response.status_code == 403
    assert client.post(f"/kb/{article.pk}/riwayat/1/pulihkan/").status_code == 403
    assert client.post("/kb/baru/", edit_data(article, slug="baru")).status_code == 403
    assert client.post("/kb/kategori/", {"name": "Baru", "position": 0}).status_code == 403
    article.refresh_from_db()
    assert (article.version, article.body) == (1, kb["lupa-kata-sandi"].body)
    assert ArticleVersion.objects.count() == len(kb) and Category.objects.count() == 3
    history = client.get(f"/kb/{article.pk}/riwayat/")
    assert history.status_code == 200 and b"Pulihkan" not in history.content


def test_a_supervisor_edits_sees_the_history_and_restores(
    supervisor: User, kb: dict[str, Article]
) -> None:
    article = kb["lupa-kata-sandi"]
    client = client_for(supervisor)
    response = client.post(
        f"/kb/{article.pk}/ubah/",
        edit_data(article, body="OTP sekarang berlaku 10 menit.", note="OTP 10 menit"),
    )
    assert response.status_code == 302 and response.url == f"/kb/{article.pk}/"  # type: ignore[attr-defined]
    article.refresh_from_db()
    assert (article.version, article.body) == (2, "OTP sekarang berlaku 10 menit.")

    history = client.get(f"/kb/{article.pk}/riwayat/").content.decode()
    assert 'data-version="2"' in history and 'data-version="1"' in history
    assert "OTP 10 menit" in history and "Pulihkan versi 1" in history
    diff = client.get(f"/kb/{article.pk}/riwayat/2/").content.decode()
    assert "<ins>+ OTP sekarang berlaku 10 menit.</ins>" in diff

    response = client.post(f"/kb/{article.pk}/riwayat/1/pulihkan/", {"version": "2"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.body) == (3, kb["lupa-kata-sandi"].body)


def test_a_stale_edit_is_shown_on_the_form_and_not_saved(
    supervisor: User, kb: dict[str, Article]
) -> None:
    article = kb["lupa-kata-sandi"]
    client = client_for(supervisor)
    client.post(f"/kb/{article.pk}/ubah/", edit_data(article, body="Pertama."))
    response = client.post(f"/kb/{article.pk}/ubah/", edit_data(article, body="Kedua."))
    assert response.status_code == 200 and "sudah diubah orang lain" in response.content.decode()
    article.refresh_from_db()
    assert (article.version, article.body) == (2, "Pertama.")


def test_a_supervisor_creates_an_article_and_a_category(
    supervisor: User, kb: dict[str, Article], categories: dict[str, Category]
) -> None:
    client = client_for(supervisor)
    response = client.post("/kb/kategori/", {"name": "Garansi", "position": 5})
    assert response.status_code == 302
    garansi = Category.objects.get(slug="garansi")
    response = client.post(
        "/kb/baru/",
        {
            "category": garansi.pk,
            "slug": "",
            "title": "Cara klaim garansi",
            "body": "Buka Pesanan Saya lalu Klaim Garansi.",
            "visibility": "public",
            "status": "published",
        },
    )
    article = Article.objects.get(slug="cara-klaim-garansi")
    assert response.url == f"/kb/{article.pk}/"  # type: ignore[attr-defined]
    assert (article.version, article.created_by) == (1, supervisor)
    duplicate = client.post(
        "/kb/baru/",
        {
            "category": garansi.pk,
            "slug": "cara-klaim-garansi",
            "title": "X",
            "body": "Y",
            "visibility": "public",
            "status": "draft",
        },
    )
    assert (
        duplicate.status_code == 200 and "Alamat ini sudah dipakai." in duplicate.content.decode()
    )


def test_suggestions_for_a_ticket(agent: User, ticket: Ticket, kb: dict[str, Article]) -> None:
    found = suggest_for_ticket(ticket)
    slugs = [s.article.slug for s in found]
    assert slugs[0] == "paket-terlambat"
    assert "kompensasi-internal" in slugs  # agents get internal guidance too
    assert not {"promo-rahasia", "kebijakan-lama"} & set(slugs)
    assert len(found) <= 5
    internal = next(s for s in found if s.article.slug == "kompensasi-internal")
    assert internal.public_url == "" and not internal.public

    response = client_for(agent).get(f"/kb/saran/{ticket.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # a fragment
    assert html.index('data-article="paket-terlambat"') < html.index("data-kb-insert")
    assert "/bantuan/artikel/paket-terlambat/" in html
    assert "Panduan internal: jangan kirim ke pelanggan." in html


def test_the_agents_draft_steers_the_suggestions(
    agent: User, ticket: Ticket, kb: dict[str, Article]
) -> None:
    response = client_for(agent).get(f"/kb/saran/{ticket.pk}/", {"q": "lupa kata sandi"})
    assert 'data-article="lupa-kata-sandi"' in response.content.decode()


def test_suggestions_use_a_constant_number_of_queries(
    ticket: Ticket, kb: dict[str, Article], django_assert_num_queries: object
) -> None:
    suggest_for_ticket(ticket)  # builds the index
    with django_assert_num_queries(3):  # type: ignore[operator]
        suggest_for_ticket(ticket)  # generation, the ticket's messages, the articles


def test_suggestions_follow_ticket_access(
    outsider_agent: User, customer_user: User, ticket: Ticket, kb: dict[str, Article]
) -> None:
    assert client_for(outsider_agent).get(f"/kb/saran/{ticket.pk}/").status_code == 404
    assert client_for(customer_user).get(f"/kb/saran/{ticket.pk}/").status_code == 302


def test_every_staff_page_renders(supervisor: User, kb: dict[str, Article]) -> None:
    client = client_for(supervisor)
    article = kb["lupa-kata-sandi"]
    category = article.category
    for url in [
        "/kb/",
        "/kb/?halaman=2",
        "/kb/?kategori=akun&visibilitas=public&status=published",
        "/kb/baru/",
        f"/kb/{article.pk}/",
        f"/kb/{article.pk}/ubah/",
        f"/kb/{article.pk}/riwayat/",
        f"/kb/{article.pk}/riwayat/1/",
        "/kb/kategori/",
        f"/kb/kategori/{category.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(f"/kb/{article.pk}/riwayat/9/").status_code == 404
    assert client.get("/kb/999999/").status_code == 404
