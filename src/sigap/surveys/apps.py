from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "sigap.surveys"
    label = "surveys"
    verbose_name = _("Survei kepuasan")

    def ready(self) -> None:
        from sigap.surveys import subscribers

        subscribers.connect()
