"""The connectors Sigap knows: one ``Connector`` per channel, registered once at start.

A provider is one folder under ``connectors/`` that builds a ``Connector`` and one line in
``connectors/apps.py`` (or its own app's ``ready()``) that registers it. Everything that
used to be an if-chain per channel asks the registry instead:

* **receive**: the connector's webhook URLs (``urls``) are mounted under ``/hooks/<channel>/``
  (or ``/hooks/<hook>/``);
  its view verifies the request, parses it into ``messaging.Inbound`` items and hands them to
  ``messaging.accept`` (stored once per external id, filed by a job);
* **send**: ``sender`` plugs the provider into the one claim/send/backoff loop of
  ``delivery`` (a reply's row is written with the reply); a connector that delivers another
  way (live chat pushes to the open widget) gives ``deliver`` instead;
* **window rules**: ``check_reply`` refuses a reply the provider would not take now, and
  ``window_notice`` says so on the ticket page (rendered by ``window_template``);
* **quick replies**: ``quick_replies`` turns (label, id) choices into the provider's payload;
* **direct messages**: ``direct`` sends what is not a ticket reply (a survey question with
  its choices, a thank-you) at once to the ticket's conversation, and says why it cannot;
* **offers by template**: ``offer_template`` sends a proposal's offer as an approved
  template with two quick-reply buttons where the channel takes no free text now (WhatsApp
  outside its 24-hour window);
* **follow-up**: ``follow_up`` marks a channel whose replies reach nobody in writing (a
  call, a visit): what must reach the customer in writing (a proposal's offer) goes on
  their written follow-up channel instead (``proposals.follow_up_route``);
* **labels**: ``label`` names the channel to people; ``chatbot`` says whether the chatbot
  answers customers there.

See CONTRIBUTING.md, "Adding a channel connector".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from sigap.accounts.models import User
    from sigap.connectors.delivery import Adapter
    from sigap.connectors.models import OutboundDelivery
    from sigap.connectors.quickreply import Option
    from sigap.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Layout:
    """How a question's choices are shown where the provider lets us choose: a list's menu
    label, section title and footer (WhatsApp). ``scale``: the choices are a rating scale,
    lowest first; buttons show it as one row of their short labels (Telegram), a list
    shows it highest first."""

    button: str = ""
    section: str = ""
    footer: str = ""
    scale: bool = False


@dataclass(frozen=True)
class Direct:
    """Messages that are not a ticket's replies (a survey question, a thank-you), sent at
    once to the ticket's conversation: not stored on the ticket, not in the send loop (the
    caller retries on a retryable ``SendError``)."""

    unavailable: Callable[[Ticket], str]  # why nothing can go now ("" when it can)
    address: Callable[[Ticket], str]  # where the conversation is ("" when unknown)
    ask: Callable[[str, str, Sequence[Option], Layout], str]  # address, question, choices
    say: Callable[[str, str], str]  # address, text; returns the provider's message id
    # a tap the provider waits to see acknowledged (Telegram's callback query): its id, text
    acknowledge: Callable[[str, str], None] | None = None
    contact_kinds: tuple[str, ...] = ()  # the customer contacts that identify a tapper
    surveys: bool = True  # the resolution survey may be asked here (``surveys.quickreply``)


@dataclass(frozen=True)
class OfferTemplate:
    """A proposal's offer as a template the provider lets a business send when it takes no
    free text (WhatsApp's approved template outside the 24-hour window): the template's
    body gets four values (customer's name, ticket reference, proposal, compensation) and
    its two quick-reply buttons the signed answer ids (accept, reject)."""

    ready: Callable[[], bool]  # one is configured (and approved)
    # actor, ticket, values, button ids → the reply's delivery row (its recipient)
    send: Callable[[User | None, Ticket, list[str], list[str]], OutboundDelivery]


@dataclass(frozen=True)
class Connector:
    channel: str  # the ``Ticket.channel`` value of its tickets
    label: str | Promise  # a name, or a gettext_lazy text (shown in the reader's language)
    sender: Adapter | None = None
    deliver: Callable[[int], None] | None = None  # message id, after the reply commits
    # message id, in the reply's transaction: the rows that make a ``deliver`` durable
    record: Callable[[int], None] | None = None
    check_reply: Callable[[Ticket, int], None] | None = None  # ticket, attachments
    window_notice: Callable[[Ticket], Any] | None = None
    window_template: str = ""  # renders the notice (as ``notice``) above the composer
    quick_replies: Callable[[str, Sequence[Option]], dict[str, Any]] | None = None
    chatbot: bool = False
    # The chatbot on a channel that shows links and buttons (live chat): its greeting
    # opens the conversation, and each of its replies gets a card (``kb.conversation``:
    # the short text, the article's link, the quick replies), stored by this callable in
    # the reply's transaction.
    bot_card: Callable[[Message, dict[str, Any]], None] | None = None
    # The language (a ``LANGUAGES`` code) the customer is spoken to in on a ticket, when
    # the channel knows it (live chat: the page's); None: the default.
    language: Callable[[Ticket], str] | None = None
    direct: Direct | None = None
    urls: str = ""  # the module of its webhook URL patterns, mounted at /hooks/<hook>/
    hook: str = ""  # that path when it is not the channel (one webhook for two channels)
    # replies here reach nobody in writing (a call, a visit): offers use a follow-up channel
    follow_up: bool = False
    offer_template: OfferTemplate | None = None


_connectors: dict[str, Connector] = {}


def register(connector: Connector) -> None:
    """Register (or replace) the connector of ``connector.channel``."""
    _connectors[connector.channel] = connector


def unregister(channel: str) -> None:
    _connectors.pop(channel, None)


def get(channel: str) -> Connector | None:
    return _connectors.get(channel)


def connectors() -> list[Connector]:
    return list(_connectors.values())


def sends_by_loop(channel: str) -> bool:
    """Does a reply on ``channel`` go through the shared send loop (``delivery``)?"""
    connector = _connectors.get(channel)
    return connector is not None and connector.sender is not None


def records(channel: str) -> bool:
    """Is a row written with a reply on ``channel`` (its send loop's, or its own)?"""
    connector = _connectors.get(channel)
    return connector is not None and (connector.sender is not None or connector.record is not None)


def delivers(channel: str) -> bool:
    connector = _connectors.get(channel)
    return connector is not None and (connector.sender is not None or connector.deliver is not None)


def follows_up(channel: str) -> bool:
    """Do offers on ``channel`` go to the customer's written follow-up channel?"""
    connector = _connectors.get(channel)
    return connector is not None and connector.follow_up and not delivers(channel)


def chatbot_answers(channel: str) -> bool:
    connector = _connectors.get(channel)
    return connector is not None and connector.chatbot


def label(channel: str) -> str:
    connector = _connectors.get(channel)
    return str(connector.label) if connector is not None else channel
