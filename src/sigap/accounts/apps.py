from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sigap.accounts"
    label = "accounts"
    verbose_name = _("Akun dan tim")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.accounts import audit, directory, limits, sessions, twofactor
        from sigap.accounts.models import ApiToken, Team, User
        from sigap.accounts.services import forget_tokens

        audit.connect()
        limits.connect()
        sessions.connect()
        twofactor.connect()

        for model in (User, ApiToken):
            post_save.connect(forget_tokens, sender=model, dispatch_uid=f"tokens-{model.__name__}")
            post_delete.connect(
                forget_tokens, sender=model, dispatch_uid=f"tokens-del-{model.__name__}"
            )
        # the teams and staff by name that every workspace page lists
        for listed in (User, Team):
            name = listed.__name__
            post_save.connect(directory.invalidate, sender=listed, dispatch_uid=f"dir-{name}")
            post_delete.connect(directory.invalidate, sender=listed, dispatch_uid=f"dir-del-{name}")
