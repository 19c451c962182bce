"""Indonesian first: the language is Indonesian unless the user chose another with the
language switch (a cookie). The browser's Accept-Language is deliberately ignored, so a
laptop set up in English still shows Sigap in Indonesian."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise

P = ParamSpec("P")
R = TypeVar("R")


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # for this request only: the thread goes back to the language it had, so an English
        # request leaves nothing behind for what the thread serves or runs next
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def said_in_default_language(text: str | Promise, /, **values: object) -> str:
    """``text`` (a ``gettext_lazy`` string) with its ``%(name)s`` values, in the business's
    default language whatever the reader's: for what Sigap stores once and shows to
    everyone later (an audit log's detail, a stand-in text), not for a page."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % values if values else str(text)


def in_default_language(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in the business's default language (what it writes is stored)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


def per_language(build: Callable[[], R]) -> Callable[[], R]:
    """``build()``'s answer kept per process and active language: for fixed words (choice
    labels, month names) that a hot page or API answer would otherwise turn into text on
    every request; a lazily translated string costs ~4 µs each time it does. Translations
    do not change while a process runs."""
    made: dict[str, R] = {}

    @functools.wraps(build)
    def get() -> R:
        language = translation.get_language() or ""
        if language not in made:
            made[language] = build()
        return made[language]

    return get
