"""Article writes: every edit keeps the previous version, restore is a new version, stale
edits and non-editors are refused with nothing changed, imports are idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from sigap.accounts.models import User
from sigap.core.errors import PermissionDenied, StaleVersion, ValidationFailed
from sigap.kb import index
from sigap.kb.models import Article, ArticleSearchDocument, ArticleVersion, Category
from sigap.kb.search import document_texts
from sigap.kb.services import (
    ArticleIn,
    article_create,
    article_restore,
    article_update,
    content_of,
    load_articles,
)

pytestmark = pytest.mark.django_db


def content(article: Article, **changes: str) -> ArticleIn:
    return ArticleIn(category=article.category, **{**content_of(article), **changes})


def test_creating_an_article_stores_version_one_and_its_search_document(
    supervisor: User, categories: dict[str, Category]
) -> None:
    article = article_create(
        actor=supervisor,
        content=ArticleIn(
            category=categories["akun"], title="  Ganti nomor HP ", body="Buka Pengaturan."
        ),
    )
    assert (article.slug, article.title, article.version, article.status) == (
        "ganti-nomor-hp",
        "Ganti nomor HP",
        1,
        "draft",
    )
    (v1,) = article.versions.all()
    assert (v1.number, v1.title, v1.body, v1.edited_by, v1.note) == (
        1,
        "Ganti nomor HP",
        "Buka Pengaturan.",
        supervisor,
        "Dibuat",
    )
    doc = ArticleSearchDocument.objects.get(article=article)
    assert doc.head == "ganti nomor hp" and doc.body == "buka atur"


def test_every_edit_keeps_the_previous_version(
    supervisor: User, admin: User, kb: dict[str, Article]
) -> None:
    article = kb["lupa-kata-sandi"]
    original = article.body
    saved = article_update(
        actor=supervisor,
        article=article,
        content=content(article, body="Tekan Lupa Kata Sandi. OTP berlaku 10 menit."),
        expected_version=1,
        note="OTP jadi 10 menit",
    )
    saved = article_update(
        actor=admin, article=saved, content=content(saved, title="Lupa atau ganti kata sandi")
    )
    assert saved.version == 3
    versions = list(saved.versions.order_by("number").values_list("number", "title", "body"))
    assert versions == [
        (1, "Lupa kata sandi", original),
        (2, "Lupa kata sandi", "Tekan Lupa Kata Sandi. OTP berlaku 10 menit."),
        (3, "Lupa atau ganti kata sandi", "Tekan Lupa Kata Sandi. OTP berlaku 10 menit."),
    ]
    assert saved.versions.get(number=2).note == "OTP jadi 10 menit"
    assert saved.versions.get(number=3).edited_by == admin


def test_an_edit_that_changes_nothing_is_not_a_version(
    supervisor: User, kb: dict[str, Article]
) -> None:
    article = kb["lupa-kata-sandi"]
    token = index.generation()
    saved = article_update(actor=supervisor, article=article, content=content(article))
    assert saved.version == 1 and article.versions.count() == 1
    assert index.generation() == token


def test_an_edit_from_an_old_version_is_refused(supervisor: User, kb: dict[str, Article]) -> None:
    article = kb["lupa-kata-sandi"]
    article_update(actor=supervisor, article=article, content=content(article, body="Baru."))
    with pytest.raises(StaleVersion):
        article_update(
            actor=supervisor,
            article=article,
            content=content(article, body="Tabrakan."),
            expected_version=1,
        )
    article.refresh_from_db()
    assert (article.version, article.body) == (2, "Baru.")


def test_restoring_a_version_makes_a_new_version_with_its_content(
    supervisor: User, kb: dict[str, Article]
) -> None:
    article = kb["waktu-refund"]
    original = article.body
    article = article_update(
        actor=supervisor, article=article, content=content(article, body="Salah ketik.")
    )
    article = article_update(
        actor=supervisor, article=article, content=content(article, visibility="internal")
    )
    restored = article_restore(actor=supervisor, article=article, number=1, expected_version=3)
    assert (restored.version, restored.body, restored.visibility) == (4, original, "public")
    v4 = restored.versions.get(number=4)
    assert (v4.restored_from, v4.note, v4.edited_by) == (1, "Dipulihkan dari versi 1", supervisor)
    assert restored.versions.count() == 4  # nothing was deleted
    doc = ArticleSearchDocument.objects.get(article=restored)
    assert (doc.head, doc.body, doc.english) == document_texts(restored)
    assert "salah" not in doc.body


def test_restoring_the_current_content_or_a_missing_version_changes_nothing(
    supervisor: User, kb: dict[str, Article]
) -> None:
    article = kb["waktu-refund"]
    assert article_restore(actor=supervisor, article=article, number=1).version == 1
    with pytest.raises(ValidationFailed):
        article_restore(actor=supervisor, article=article, number=9)
    assert ArticleVersion.objects.filter(article=article).count() == 1


@pytest.mark.parametrize("who", ["agent", "customer_user"])
def test_agents_and_customers_cannot_write(
    request: pytest.FixtureRequest,
    who: str,
    kb: dict[str, Article],
    categories: dict[str, Category],
) -> None:
    user: User = request.getfixturevalue(who)
    article = kb["waktu-refund"]
    token = index.generation()
    with pytest.raises(PermissionDenied):
        article_update(actor=user, article=article, content=content(article, body="Diubah."))
    with pytest.raises(PermissionDenied):
        article_restore(actor=user, article=article, number=1)
    with pytest.raises(PermissionDenied):
        article_create(
            actor=user, content=ArticleIn(category=categories["akun"], title="X", body="Y")
        )
    article.refresh_from_db()
    assert (article.version, ArticleVersion.objects.count()) == (1, len(kb))
    assert Article.objects.count() == len(kb) and index.generation() == token


def test_invalid_content_is_refused_with_field_errors(
    supervisor: User, categories: dict[str, Category], kb: dict[str, Article]
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        article_create(
            actor=supervisor,
            content=ArticleIn(category=categories["akun"], title=" ", body="", status="x"),
        )
    assert set(exc.value.fields) == {"title", "body", "status"}
    with pytest.raises(ValidationFailed) as exc:
        article_create(
            actor=supervisor,
            slug="lacak-paket",
            content=ArticleIn(category=categories["akun"], title="Lagi", body="Isi"),
        )
    assert exc.value.fields == {"slug": ["Alamat ini sudah dipakai."]}


ROWS = [
    {
        "slug": "cara-memesan",
        "title": "Cara berbelanja",
        "category": "Pemesanan",
        "body": "Pilih produk, lalu checkout.",
        "title_en": "How to shop",
        "body_en": "Choose a product, then check out.",
    },
    {
        "slug": "lacak-paket",
        "title": "Cara melacak paket",
        "category": "Pengiriman",
        "body": "Buka Pesanan Saya lalu Lacak Paket.",
        "title_en": "",
        "body_en": "",
    },
]


def test_load_articles_creates_updates_and_skips_unchanged(
    tmp_path: Path, categories: dict[str, Category]
) -> None:
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    assert str(load_articles(path)) == "2 dibuat, 0 diperbarui, 0 tetap"
    article = Article.objects.get(slug="cara-memesan")
    assert (article.status, article.visibility, article.category.name, article.title_en) == (
        "published",
        "public",
        "Pemesanan",
        "How to shop",
    )
    assert str(load_articles(path)) == "0 dibuat, 0 diperbarui, 2 tetap"
    path.write_text(json.dumps([{**ROWS[0], "body": "Pilih produk."}]), encoding="utf-8")
    assert str(load_articles(path)) == "0 dibuat, 1 diperbarui, 0 tetap"
    article.refresh_from_db()
    assert (article.version, article.body) == (2, "Pilih produk.")


def test_load_articles_refuses_a_bad_file_and_writes_nothing(
    tmp_path: Path, categories: dict[str, Category]
) -> None:
    path = tmp_path / "kb.json"
    path.write_text(json.dumps([ROWS[0], {"slug": "x", "title": "Tanpa isi"}]), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="Baris 2"):
        load_articles(path)
    assert not Article.objects.exists()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        load_articles(path)


def test_kb_import_command(tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    call_command("kb_import", str(path))
    assert "2 dibuat" in capsys.readouterr().out
    assert Article.objects.filter(status="published").count() == 2
