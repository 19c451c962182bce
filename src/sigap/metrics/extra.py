"""Figures an app above ``metrics`` adds to the dashboard (the layers let it import
metrics, never the other way): it registers a provider at start-up (its AppConfig's
``ready``), and the dashboard draws one small card per provider for the period shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    note: str = ""


Provider = Callable[[datetime, datetime], Card]
_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    """``provider(since, until)`` gives the card for the period [since, until)."""
    _providers[key] = provider


def cards(since: datetime, until: datetime) -> list[Card]:
    return [provider(since, until) for provider in _providers.values()]
