"""The workspace's own tables: an agent's saved inbox views. (Canned responses live with
the tickets: ``tickets.models.CannedResponse``.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """Filters and sort of the inbox that one agent named and keeps; only they see it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("nama"), max_length=60)
    # The inbox's query string without its page cursor (``web.saved_views.clean_query``).
    query = models.CharField(_("saringan"), max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tampilan tersimpan")
        verbose_name_plural = _("tampilan tersimpan")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name")
        ]

    def __str__(self) -> str:
        return self.name
