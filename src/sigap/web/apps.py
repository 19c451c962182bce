from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "sigap.web"
    label = "web"
    verbose_name = _("Ruang kerja petugas")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.web import saved_views
        from sigap.web.models import SavedView

        # the owner's cached list of saved views (web/saved_views.py views_of)
        post_save.connect(saved_views.forget, sender=SavedView, dispatch_uid="saved-views-save")
        post_delete.connect(saved_views.forget, sender=SavedView, dispatch_uid="saved-views-del")
        from sigap.tickets import hooks  # ready(): the apps' models are loaded now

        hooks.subscribe(
            hooks.TagRenamed, saved_views.tag_renamed, phase=hooks.INSIDE, name="web.saved_views"
        )
