from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sigap.core"
    label = "core"
    verbose_name = "Sigap core"

    def ready(self) -> None:
        from sigap.core import health, outbox, pgtypes

        pgtypes.use_c_timestamptz_loader()

        health.waiting("outbox", outbox.oldest_due)
