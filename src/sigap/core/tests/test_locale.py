"""``core.locale.per_language``: fixed words made text once per process and language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy

from sigap.core.locale import per_language

STATUS = gettext_lazy("Menunggu pelanggan")


def test_it_builds_once_per_language_and_answers_in_the_active_one() -> None:
    built: list[str | None] = []

    def build() -> str:
        built.append(translation.get_language())
        return str(STATUS)

    label = per_language(build)
    answers = []
    for language in ["id", "en", "id", "en"]:
        with translation.override(language):
            answers.append(label())

    assert answers == ["Menunggu pelanggan", "Waiting on customer"] * 2
    assert built == ["id", "en"]
