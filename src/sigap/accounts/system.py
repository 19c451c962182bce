"""The system user: what Sigap does by itself (automation rules, triage, routing, the SLA
sweep) is done as "Otomasi Sigap", through the ordinary services and their checks. Its
name is stored once in the business's language and shown in the reader's
(``User.get_full_name``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sigap.accounts.models import SYSTEM_USERNAME, Role, User
from sigap.core.locale import said_in_default_language

__all__ = ["SYSTEM_USERNAME", "is_system", "system_user"]


def system_user() -> User:
    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "role": Role.ADMIN,
            # stored once, in the business's default language
            "first_name": said_in_default_language(gettext_lazy("Otomasi")),
            "last_name": "Sigap",
        },
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system(user: User | None) -> bool:
    return user is not None and user.username == SYSTEM_USERNAME
