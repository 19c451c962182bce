"""Knowledge base: categories, articles (Indonesian with an optional English translation),
every saved state of an article (``ArticleVersion``), the stemmed search document, the
facts the chatbot must collect before answering some categories, and the index generation.

Rules the services keep (``services.py``): every write of an article adds a version row
with the full content, so the history is complete and a restore is a new version; the
search document is rebuilt in the same transaction; and the ``IndexGeneration`` token
changes, so every process rebuilds its in-memory retrieval index (``index.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Publik (pelanggan dan chatbot)")
    INTERNAL = "internal", _("Internal (hanya petugas)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    PUBLISHED = "published", _("Terbit")
    ARCHIVED = "archived", _("Diarsipkan")


class Category(models.Model):
    name = models.CharField(_("nama"), max_length=100, unique=True)
    slug = models.SlugField(_("kode"), max_length=100, unique=True)
    name_en = models.CharField(_("nama (Inggris)"), max_length=100, blank=True, default="")
    description = models.TextField(_("keterangan"), blank=True, default="")
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("kategori artikel")
        verbose_name_plural = _("kategori artikel")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# The fields an article version copies: the whole content of the article.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "questions",
    "title_en",
    "summary_en",
    "body_en",
    "visibility",
    "status",
)


class Article(models.Model):
    slug = models.SlugField(_("alamat"), max_length=120, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(_("judul"), max_length=200)
    summary = models.TextField(
        _("ringkasan"),
        blank=True,
        default="",
        help_text=_("Jawaban singkat yang dikirim chatbot; kosong = awal isi artikel."),
    )
    body = models.TextField(_("isi"))
    questions = models.TextField(
        _("variasi pertanyaan"),
        blank=True,
        default="",
        help_text=_("Satu pertanyaan per baris, seperti ditulis pelanggan."),
    )
    title_en = models.CharField(_("judul (Inggris)"), max_length=200, blank=True, default="")
    summary_en = models.TextField(_("ringkasan (Inggris)"), blank=True, default="")
    body_en = models.TextField(_("isi (Inggris)"), blank=True, default="")
    visibility = models.CharField(
        _("visibilitas"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("versi"), default=1)
    # The brand whose help centre shows it (issue 17); empty: every brand's.
    brand = models.ForeignKey(
        "accounts.Brand",
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    created_at = models.DateTimeField(_("dibuat"))
    updated_at = models.DateTimeField(_("diperbarui"))
    published_at = models.DateTimeField(_("terbit"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("artikel")
        verbose_name_plural = _("artikel")
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "visibility", "category"], name="kb_article_listing"),
            models.Index(fields=["-updated_at"], name="kb_article_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=[v.value for v in Visibility]),
                name="kb_article_visibility_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ArticleStatus]),
                name="kb_article_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="kb_article_version"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        """Customers, anonymous visitors and the chatbot may see it."""
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC


class ArticleVersion(models.Model):
    """One saved state of an article, the current one included (number = article.version)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("versi"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("judul"), max_length=200)
    summary = models.TextField(_("ringkasan"), blank=True, default="")
    body = models.TextField(_("isi"))
    questions = models.TextField(_("variasi pertanyaan"), blank=True, default="")
    title_en = models.CharField(_("judul (Inggris)"), max_length=200, blank=True, default="")
    summary_en = models.TextField(_("ringkasan (Inggris)"), blank=True, default="")
    body_en = models.TextField(_("isi (Inggris)"), blank=True, default="")
    visibility = models.CharField(_("visibilitas"), max_length=10, choices=Visibility.choices)
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices)
    note = models.CharField(_("catatan perubahan"), max_length=200, blank=True, default="")
    restored_from = models.PositiveIntegerField(_("dipulihkan dari versi"), null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )
    created_at = models.DateTimeField(_("disimpan"))

    class Meta:
        verbose_name = _("versi artikel")
        verbose_name_plural = _("versi artikel")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class ArticleSearchDocument(models.Model):
    """An article's text as indexed: normalised, stemmed tokens without stop words
    (``sigap.text.indonesian.tokens``). ``head`` is the title and the question variants,
    ``body`` the summary and the body, ``english`` the translation. PostgreSQL adds a
    weighted generated ``tsvector`` with a GIN index; SQLite an FTS5 table kept in step by
    triggers (migration 0002). The chatbot's in-memory index is built from these rows."""

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    head = models.TextField(default="")
    body = models.TextField(default="")
    english = models.TextField(default="")

    class Meta:
        verbose_name = _("dokumen pencarian artikel")
        verbose_name_plural = _("dokumen pencarian artikel")

    def __str__(self) -> str:
        return gettext("Dokumen pencarian artikel %(id)s") % {"id": self.article_id}


class RequiredFact(models.Model):
    """A fact the chatbot asks for before it answers a question in some categories,
    e.g. the order number (``BLJ-\\d{4}-\\d{6}``) before anything about shipping."""

    name = models.SlugField(_("kode"), max_length=50, unique=True)
    label = models.CharField(_("nama fakta"), max_length=100)
    pattern = models.CharField(
        _("pola (regex)"), max_length=200, help_text=_("Contoh: BLJ-\\d{4}-\\d{6}")
    )
    example = models.CharField(_("contoh"), max_length=100, blank=True, default="")
    prompt = models.TextField(
        _("pertanyaan chatbot"),
        blank=True,
        default="",
        help_text=_("Kosong = 'Boleh kami minta <nama fakta> Anda? Contoh: <contoh>'."),
    )
    categories = models.ManyToManyField(
        Category, verbose_name=_("kategori"), related_name="required_facts", blank=True
    )
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("fakta wajib chatbot")
        verbose_name_plural = _("fakta wajib chatbot")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label


class IndexGeneration(models.Model):
    """One row: a token every knowledge-base write changes (in its transaction). A process
    whose in-memory index was built for another token rebuilds it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("generasi indeks")
        verbose_name_plural = _("generasi indeks")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="kb_generation_one")]

    def __str__(self) -> str:
        return self.token


class BotConversation(models.Model):
    """The chatbot's side of a ticket's conversation on a messaging channel (live chat,
    WhatsApp, Telegram): its state, and whether it still answers (it stops at the
    hand-over and once a person has taken the ticket)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="bot"
    )
    state = models.JSONField(default=dict)
    active = models.BooleanField(default=True)
    handover_reason = models.CharField(max_length=24, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"bot {self.ticket_id}"


class ArticleVote(models.Model):
    """A reader's answer to "was this helpful?" on a help-centre article: one per reader
    (``voter``: ``u<user id>`` signed in, else ``s<hash of the session>``); answering
    again changes it. The article's quality figure is the helpful share of its votes."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    helpful = models.BooleanField(_("membantu"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("penilaian artikel")
        verbose_name_plural = _("penilaian artikel")
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="kb_vote_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class SuggestionOpen(models.Model):
    """A customer opened an article the portal (or the live chat widget) suggested while
    they wrote a new complaint (``token``: that one form's visit). Filing the complaint
    from the same form marks it (``filed_at``); one still unmarked after
    ``feedback.DEFLECTION_WINDOW`` is a deflection: the article answered them and they left
    without filing."""

    token = models.CharField(max_length=32)
    # None: a visitor of the live chat widget (its start form; ``token`` is the chat's
    # start id, so the chat started from that form marks it filed)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)
    ticket_id = models.IntegerField(null=True, blank=True)  # the complaint filed after all

    class Meta:
        verbose_name = _("artikel saran dibuka")
        verbose_name_plural = _("artikel saran dibuka")
        constraints = [
            models.UniqueConstraint(
                fields=["token", "article"], name="kb_suggestion_open_once_per_form"
            )
        ]
        indexes = [models.Index(fields=["opened_at"], name="kb_suggestion_open_time")]

    def __str__(self) -> str:
        return f"{self.token}: {self.article_id}"
