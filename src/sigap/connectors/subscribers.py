"""The messaging connectors listen to the ticket core (``tickets.hooks``): a public reply is
checked against its channel's rules before it is stored (WhatsApp's 24-hour window, Meta's
7 days); its delivery row is written with it when its connector sends through the
shared loop (``delivery``: email, WhatsApp, Telegram, Facebook, Instagram), and
it leaves on its channel once it is committed. An offered proposal goes out on the
ticket's channel (a phone or walk-in ticket's: the customer's follow-up channel) with its
answer buttons or links, and a tapped answer decides it (``proposals``). A channel that
writes to nobody answers ``hooks.ChannelWrites`` with False (the merge notice skips it)."""

from __future__ import annotations

from sigap.connectors import messaging, outbound, proposals, registry
from sigap.core import outbox
from sigap.tickets import hooks


def connect() -> None:
    hooks.subscribe(
        hooks.ReplyPosting,
        lambda e: outbound.check_reply(
            ticket=e.ticket, channel=e.channel, attachments=e.attachments
        ),
        phase=hooks.INSIDE,
        name="channels.reply_window",
    )
    hooks.subscribe(
        hooks.ReplyPosted,
        lambda e: outbound.record(e.message_id, e.channel),
        phase=hooks.INSIDE,
        name="channels.delivery_row",
        when=lambda e: registry.records(e.channel),
    )
    hooks.subscribe(
        hooks.ReplyPosted,
        lambda e: outbound.deliver(e.message_id, e.channel),
        phase=hooks.AFTER,
        name="channels.delivery",
        when=lambda e: registry.delivers(e.channel),
    )
    hooks.subscribe(
        hooks.ProposalOffered,
        proposals.offer,
        phase=hooks.INSIDE,
        name="channels.proposal_offer",
        when=proposals.wants_offer,
    )
    hooks.subscribe(
        hooks.MessageAdded,
        proposals.take_reason,
        phase=hooks.INSIDE,
        name="channels.proposal_reason",
        when=proposals.wants_reason,
    )
    hooks.subscribe(
        hooks.ChannelWrites,
        lambda e: not registry.follows_up(e.channel),  # phone, walk-in: nobody reads it
        phase=hooks.INSIDE,
        name="channels.writes",
    )
    messaging.on_tap(messaging.PROPOSAL_REPLY_PREFIX, proposals.record_tap)
    outbox.handler(proposals.FOLLOW_UP)(proposals.follow_up)
