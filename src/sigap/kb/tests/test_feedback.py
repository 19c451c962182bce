"""What the help centre learns from its readers and what it offers them: snippets with
the query's terms marked, "was this helpful?" votes and the article's quality, related
articles, the portal's suggestions while a complaint is written, and deflection (a
suggested article opened and no complaint filed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.kb import feedback, selectors
from sigap.kb.models import Article, ArticleVote, SuggestionOpen
from sigap.kb.snippets import highlight, snippet
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db

TOKEN = "0123456789abcdef0123456789abcdef"
OTHER_TOKEN = "fedcba9876543210fedcba9876543210"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- snippets --------------------------------------------------------------------------------


def test_a_snippet_marks_the_words_of_the_query_however_they_were_spelt() -> None:
    body = (
        "Pesanan Anda kami kemas di gudang. " * 12
        + "Jika paket belum sampai melewati estimasi, cek halaman Lacak Paket."
    )
    out = str(snippet(body, "paketku belum nyampe"))
    assert "<mark>paket</mark>" in out and "<mark>sampai</mark>" in out
    assert out.startswith("… ")  # the dense part, not the article's start
    assert len(re.sub(r"<[^>]+>", "", out)) <= 230


def test_a_snippet_escapes_the_articles_text() -> None:
    out = str(snippet("Paket <script>alert(1)</script> belum sampai", "paket"))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert str(highlight("Refund <b>cepat</b>", "refund")) == (
        "<mark>Refund</mark> &lt;b&gt;cepat&lt;/b&gt;"
    )


def test_search_results_show_snippets_with_marked_terms(
    kb: dict[str, Article], django_assert_max_num_queries: object
) -> None:
    c = Client()
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        html = c.get("/bantuan/cari/", {"q": "refund belum masuk"}).content.decode()
    first = re.search(r'<li data-article="([^"]+)">(.*?)</li>', html, re.S)
    assert first is not None and first.group(1) == "refund-belum-masuk"
    assert "<mark>Refund</mark> <mark>belum</mark> <mark>masuk</mark>" in first.group(2)
    assert "data-snippet" in first.group(2) and "<mark>refund</mark>" in first.group(2)
    assert "kompensasi-internal" not in html and "promo-rahasia" not in html


# --- votes and quality -----------------------------------------------------------------------


def test_a_reader_votes_once_and_may_change_their_mind(kb: dict[str, Article], agent: User) -> None:
    article = kb["paket-terlambat"]
    reader = Client()
    url = f"/bantuan/artikel/{article.slug}/nilai/"
    assert reader.post(url, {"helpful": "1"}).status_code == 302
    assert reader.post(url, {"helpful": "0"}, HTTP_HX_REQUEST="true").status_code == 200
    assert ArticleVote.objects.filter(article=article).count() == 1
    assert ArticleVote.objects.get(article=article).helpful is False
    Client().post(url, {"helpful": "1"})  # another reader
    Client().post(url, {"helpful": "1"})
    quality = feedback.article_quality(article.pk)
    assert (quality.helpful, quality.total, quality.percent) == (2, 3, 67)
    page = reader.get(f"/bantuan/artikel/{article.slug}/").content.decode()
    assert 'data-voted="0"' in page and "Apakah artikel ini membantu?" in page
    staff = logged(agent).get(f"/kb/{article.pk}/").content.decode()
    assert "67% membantu (2 dari 3 penilaian)" in staff


def test_a_vote_is_refused_on_bad_input_and_on_unpublished_articles(
    kb: dict[str, Article],
) -> None:
    c = Client()
    bad = c.post("/bantuan/artikel/paket-terlambat/nilai/", {"helpful": "maybe"})
    assert bad.status_code == 400
    for slug in ("promo-rahasia", "kompensasi-internal", "tidak-ada"):
        assert c.post(f"/bantuan/artikel/{slug}/nilai/", {"helpful": "1"}).status_code == 404
    assert c.get("/bantuan/artikel/paket-terlambat/nilai/").status_code == 405
    assert not ArticleVote.objects.exists()


def test_a_signed_in_customer_is_one_reader_across_browsers(
    kb: dict[str, Article], customer_user: User
) -> None:
    for _ in range(2):
        logged(customer_user).post("/bantuan/artikel/lacak-paket/nilai/", {"helpful": "1"})
    assert ArticleVote.objects.get().voter == f"u{customer_user.pk}"


# --- related articles ------------------------------------------------------------------------


def test_related_articles_are_the_nearest_by_subject_first(kb: dict[str, Article]) -> None:
    related = selectors.related_articles(kb["refund-belum-masuk"])
    slugs = [a.slug for a in related]
    assert slugs[0] in ("waktu-refund", "refund-sigappay")
    assert {"waktu-refund", "refund-sigappay"} <= set(slugs[:3])  # ranks differ by database
    assert "refund-belum-masuk" not in slugs
    assert not {"kompensasi-internal", "promo-rahasia", "kebijakan-lama"} & set(slugs)


def test_the_article_page_reads_a_constant_number_of_queries(
    kb: dict[str, Article], django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        html = Client().get("/bantuan/artikel/refund-belum-masuk/").content.decode()
    assert "Artikel terkait" in html and "waktu-refund" in html


# --- suggestions and deflection --------------------------------------------------------------


def test_the_complaint_form_suggests_published_articles_only(
    kb: dict[str, Article],
    customer: Customer,
    customer_user: User,
    django_assert_max_num_queries: object,
) -> None:
    c = logged(customer_user)
    form = c.get("/portal/baru/").content.decode()
    token = re.search(r'name="deflection" value="([0-9a-f]{32})"', form)
    assert token is not None and 'hx-get="/portal/baru/saran/"' in form
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        html = c.get(
            "/portal/baru/saran/",
            {"subject": "Paket belum sampai", "description": "", "deflection": token.group(1)},
        ).content.decode()
    assert f"/portal/baru/artikel/paket-terlambat/?t={token.group(1)}" in html
    assert "<mark>" in html
    for hidden in ("kompensasi-internal", "promo-rahasia", "kebijakan-lama"):
        assert hidden not in html
    assert c.get("/portal/baru/saran/", {"subject": "ok"}).content.decode().strip() == ""
    assert Client().get("/portal/baru/saran/", {"subject": "paket"}).status_code == 302


def test_opening_a_suggestion_and_leaving_is_a_deflection_filing_is_not(
    kb: dict[str, Article],
    customer: Customer,
    customer_user: User,
    supervisor: User,
) -> None:
    c = logged(customer_user)
    # form 1: opens an article (twice), leaves
    for _ in range(2):
        response = c.get(f"/portal/baru/artikel/paket-terlambat/?t={TOKEN}")
        assert response.status_code == 302
        assert response["Location"] == "/bantuan/artikel/paket-terlambat/"
    # form 2: opens one, files the complaint anyway
    c.get(f"/portal/baru/artikel/lacak-paket/?t={OTHER_TOKEN}")
    filed = c.post(
        "/portal/baru/",
        {
            "kind": "complaint",
            "subject": "Paket belum sampai",
            "description": "Sudah 9 hari, resi tidak bergerak.",
            "deflection": OTHER_TOKEN,
        },
    )
    assert filed.status_code == 302
    ticket = Ticket.objects.get(subject="Paket belum sampai")
    assert SuggestionOpen.objects.count() == 2
    opened = SuggestionOpen.objects.get(token=TOKEN)
    assert opened.user == customer_user and opened.filed_at is None
    assert SuggestionOpen.objects.get(token=OTHER_TOKEN).ticket_id == ticket.pk
    # not counted while the customer may still come back to the form
    now = timezone.now()
    assert feedback.deflection(now - timedelta(days=1), now + timedelta(days=1)).opened == 0
    later = now + feedback.DEFLECTION_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        figure = feedback.deflection(now - timedelta(days=1), later)
        home = logged(supervisor).get("/beranda/").content.decode()
        month = f"{timezone.localdate(now):%Y-%m}"  # the month of the opens
        dashboard = logged(supervisor).get("/dasbor/", {"month": month}).content.decode()
    assert (figure.opened, figure.deflected, figure.percent) == (2, 1, 50)
    assert "data-deflection>50%" in home
    card = re.search(r'data-card="deflection">(.*?)</div></div>', dashboard, re.S)
    assert card is not None and '<div class="big">50%</div>' in card.group(1)
    assert "1 dari 2 yang membuka artikel saran" in card.group(1)


def test_a_suggestion_link_records_nothing_without_a_token_or_for_hidden_articles(
    kb: dict[str, Article], customer: Customer, customer_user: User
) -> None:
    c = logged(customer_user)
    assert c.get("/portal/baru/artikel/paket-terlambat/?t=bukan-token").status_code == 302
    assert c.get(f"/portal/baru/artikel/kompensasi-internal/?t={TOKEN}").status_code == 404
    assert c.get(f"/portal/baru/artikel/promo-rahasia/?t={TOKEN}").status_code == 404
    assert not SuggestionOpen.objects.exists()


# --- the live chat widget's suggestions ------------------------------------------------------

BROWSER = "browser-key-of-the-deflection-test-0001"


def test_the_widget_suggests_articles_in_the_pages_language(
    kb: dict[str, Article], settings: object, django_assert_max_num_queries: object
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8202"  # type: ignore[attr-defined]
    c = Client()  # a visitor on the company's own site: no session
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        response = c.get("/bantuan/saran/", {"q": "paket belum sampai", "t": TOKEN})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    first = response.json()["articles"][0]
    assert first["title"] == "Paket belum sampai melewati estimasi" and first["lang"] == "id"
    assert first["url"] == f"http://127.0.0.1:8202/bantuan/saran/paket-terlambat/?t={TOKEN}"
    assert "<" not in first["snippet"] and "estimasi" in first["snippet"]
    slugs = [a["url"].split("/")[-2] for a in response.json()["articles"]]
    for hidden in ("kompensasi-internal", "promo-rahasia", "kebijakan-lama"):
        assert hidden not in slugs
    english = c.get("/bantuan/saran/", {"q": "paket belum sampai", "lang": "en"}).json()
    assert english["articles"][0]["title"] == "Parcel has not arrived after the estimate"
    assert english["articles"][0]["url"].endswith("/bantuan/saran/paket-terlambat/?lang=en")
    opened = c.get("/bantuan/saran/paket-terlambat/?lang=en")  # no token: nothing noted
    assert opened.status_code == 302 and opened.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # type: ignore[attr-defined]
    assert "Parcel has not arrived" in c.get(opened["Location"]).content.decode()
    assert not SuggestionOpen.objects.exists()
    assert c.get("/bantuan/saran/", {"q": "ok"}).json() == {"articles": []}


def test_a_widget_visitor_who_opens_a_suggestion_and_leaves_is_a_deflection(
    kb: dict[str, Article], supervisor: User, django_capture_on_commit_callbacks: object
) -> None:
    """Form 1 opens an article and leaves; form 2 opens one and starts the chat anyway
    (its start id is the form's token): one deflection in two, on the dashboard's card."""
    from sigap.connectors.livechat import services as chats

    c = Client()
    response = c.get(f"/bantuan/saran/paket-terlambat/?t={TOKEN}")
    assert response.status_code == 302
    assert response["Location"] == "/bantuan/artikel/paket-terlambat/"
    c.get(f"/bantuan/saran/paket-terlambat/?t={TOKEN}")  # once per form and article
    c.get(f"/bantuan/saran/lacak-paket/?t={OTHER_TOKEN}")
    assert c.get(f"/bantuan/saran/promo-rahasia/?t={TOKEN}").status_code == 404
    assert SuggestionOpen.objects.filter(user=None).count() == 2
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        chat = chats.chat_start(
            name="Ani Wijaya",
            email="ani@contoh.id",
            phone="",
            body="Paket saya belum sampai, resinya tidak bergerak.",
            cid=OTHER_TOKEN,
            browser_key=BROWSER,
        )
    filed = SuggestionOpen.objects.get(token=OTHER_TOKEN)
    assert filed.filed_at is not None and filed.ticket_id == chat.ticket_id
    assert SuggestionOpen.objects.get(token=TOKEN).filed_at is None
    now = timezone.now()
    later = now + feedback.DEFLECTION_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        figure = feedback.deflection(now - timedelta(days=1), later)
        home = logged(supervisor).get("/beranda/").content.decode()
    assert (figure.opened, figure.deflected, figure.percent) == (2, 1, 50)
    assert "data-deflection>50%" in home


def test_a_chat_started_without_the_forms_token_marks_nothing(
    kb: dict[str, Article], django_capture_on_commit_callbacks: object
) -> None:
    from sigap.connectors.livechat import services as chats

    Client().get(f"/bantuan/saran/paket-terlambat/?t={TOKEN}")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        chats.chat_start(
            name="Ani Wijaya",
            email="ani@contoh.id",
            phone="",
            body="Halo",
            cid="c-not-a-form-token",
            browser_key=BROWSER,
        )
    assert SuggestionOpen.objects.get(token=TOKEN).filed_at is None
