"""Live chat websockets: the visitor's widget and the agents' console.

Protocol (JSON; every message carries ``type``). Message ids are the ticket ``Message``
primary keys: monotonic per chat (messages of a ticket are written under its row lock).

Visitor, ``/ws/livechat/``. The socket's browser is known by its HttpOnly cookie
``sigap_chat`` (``services.BROWSER_COOKIE``): when the handshake carries none, the
consumer makes a secret and sets the cookie in its handshake answer. A chat resumes only
in the browser that started it (its token alone opens nothing; see ``services``).
  -> ``start`` {name, email, phone, body, cid}     <- ``started`` {token}, then as ``resume``
  -> ``resume`` {token, after}                      <- ``ready`` {state, messages after ``after``}
  -> ``message`` {cid, body}                        <- ``ack`` {cid, id}
  -> ``typing`` {on}  -> ``read`` {up_to}  -> ``end``  -> ``ping`` (<- ``pong``)
  <- ``message`` {message}  <- ``typing`` {on}  <- ``read`` {up_to}  <- ``state`` {state}
  <- ``error`` {code, message, cid?}; a bad token (or another browser's) closes with 4403
  after the error.
The one-time code that proves the typed email goes over HTTP (``views.code_send``,
``views.code_check``: the mail is limited per request), then ``state`` tells the widget.
A client resends unacknowledged messages with the same ``cid`` (stored once), and after a
reconnect sends ``resume`` with the last id it saw; it drops ids it already has.

Agent console, ``/ws/livechat/console/`` (staff only; others are closed with 4403):
  <- ``chats`` {chats} on connect; ``chat`` {chat} on every change
  -> ``open`` {chat, after}  <- ``history`` {chat, messages} (notes included)
  -> ``pickup`` | ``end`` {chat};  -> ``transfer`` {chat, to} (an agent online) or
  {chat, team} (back to the queue, for that team);  -> ``agents`` <- ``agents`` {agents, teams}
  -> ``reply`` | ``note`` {chat, cid, body}  <- ``ack`` {cid, id}
  -> ``typing`` {chat, on};  -> ``read`` {chat, up_to};  -> ``ping``
  -> ``link`` {chat, customer}: file a chat whose email is unverified under that customer
  <- ``message`` {chat, message}  <- ``typing`` {chat, on}  <- ``read`` {chat, up_to}
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation

from sigap.accounts import twofactor
from sigap.accounts.models import User
from sigap.accounts.presence import mark_seen
from sigap.connectors.livechat import db, live, selectors, services
from sigap.connectors.livechat.models import Chat
from sigap.core.errors import NotFound, SigapError

log = logging.getLogger(__name__)
_turns: set[asyncio.Future[None]] = set()

CLOSE_FORBIDDEN = 4403


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _Consumer(AsyncJsonWebsocketConsumer):
    """Database work goes through ``db.run`` (a pool of threads), never the process's one
    thread-sensitive thread."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own ``dispatch`` first runs ``close_old_connections`` on that shared
        # thread before every handler: each frame and each pushed event (a message on its
        # way to a widget) would queue behind every other websocket's database work. The
        # handlers here touch the database only through ``db.run``, which closes the
        # connections around each call on the thread that used them.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


def _browser_cookie(key: str) -> bytes:
    """The ``Set-Cookie`` value that gives a browser its secret: HttpOnly (the page's
    scripts never see it); ``SameSite=None; Secure`` behind HTTPS (``SIGAP_SECURE_COOKIES``),
    so a widget on the company's own site (another site) still sends it, else ``Lax``."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[services.BROWSER_COOKIE] = key
    morsel = cookie[services.BROWSER_COOKIE]
    morsel["path"] = "/"
    morsel["max-age"] = str(services.TOKEN_MAX_AGE)
    morsel["httponly"] = True
    morsel["samesite"] = "None" if settings.SESSION_COOKIE_SECURE else "Lax"
    if settings.SESSION_COOKIE_SECURE:
        morsel["secure"] = True
    return morsel.OutputString().encode()


class VisitorConsumer(_Consumer):
    """One widget. It sees its own chat only: the one its signed token names, started in
    this browser (``browser_key``, from its cookie)."""

    chat: Chat | None = None
    browser_key: str = ""
    language: str = ""  # the page's (``lang`` on start and resume): errors are said in it
    _answers: asyncio.Future[None] | None = None

    def _answer_later(self, answer: Callable[[], object]) -> None:
        """The chatbot's turn, after the ack and without holding up this socket's other
        events (its own message pushed back, typing): turns of one chat run in order."""
        previous = self._answers

        async def turn() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await db.run(answer)()
            except Exception:  # the message is stored and acked; a person will answer
                log.exception("chatbot turn failed")

        task = asyncio.ensure_future(turn())
        self._answers = task
        _turns.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(_turns.discard)

    async def connect(self) -> None:
        self.chat = None
        raw = b"; ".join(v for k, v in self.scope.get("headers", []) if k == b"cookie")
        key = parse_cookie(raw.decode("latin-1")).get(services.BROWSER_COOKIE, "")
        if services.browser_key_valid(key):
            self.browser_key = key
            await self.accept()
            return
        self.browser_key = services.browser_key_new()
        # ASGI headers are byte strings; the channels stubs say ``str``.
        headers: Any = [(b"set-cookie", _browser_cookie(self.browser_key))]
        await self.accept(headers=headers)

    async def disconnect(self, code: int) -> None:
        if self.chat is not None:
            await self.channel_layer.group_discard(
                live.visitor_group(self.chat.pk), self.channel_name
            )
            await self._typing_to_agents(on=False)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("lang"):
            self.language = services.language_of(_str(content.get("lang")))
        with translation.override(self.language or None):
            await self._receive(content)

    async def _receive(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        cid = _str(content.get("cid"))
        try:
            if kind == "ping":
                await self.send_json({"type": "pong"})
            elif kind == "start":
                await self._start(content)
            elif kind == "resume":
                await self._resume(_str(content.get("token")), _int(content.get("after")))
            elif self.chat is None:
                await self.send_json({"type": "error", "code": "no_chat", "cid": cid})
            elif kind == "message":
                message, answer = await db.run(services.chat_visitor_message_acked_first)(
                    chat=self.chat, cid=cid, body=_str(content.get("body"))
                )
                await self.send_json({"type": "ack", "cid": cid, "id": message.pk})
                if answer is not None:
                    self._answer_later(answer)
            elif kind == "typing":
                await self._typing_to_agents(on=bool(content.get("on")))
            elif kind == "read":
                await db.run(services.chat_read)(
                    chat=self.chat, by_visitor=True, up_to=_int(content.get("up_to"))
                )
            elif kind == "end":
                await db.run(services.chat_end)(chat=self.chat, actor=None)
        except NotFound as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})
            await self.close(code=CLOSE_FORBIDDEN)
        except SigapError as exc:
            await self.send_json(
                {"type": "error", "code": exc.code, "message": exc.message, "cid": cid}
            )

    async def _start(self, content: dict[str, Any]) -> None:
        chat = await db.run(services.chat_start)(
            name=_str(content.get("name")),
            email=_str(content.get("email")),
            phone=_str(content.get("phone")),
            body=_str(content.get("body")),
            cid=_str(content.get("cid")),
            browser_key=self.browser_key,
            language=self.language,
            brand=_str(content.get("brand")),
        )
        token = services.token_for(chat)
        await self.send_json({"type": "started", "token": token})
        await self._resume(token, 0)

    async def _resume(self, token: str, after: int) -> None:
        chat, state, messages = await db.run(self._load)(token, self.browser_key, after)
        if self.chat is not None and self.chat.pk != chat.pk:
            await self.channel_layer.group_discard(
                live.visitor_group(self.chat.pk), self.channel_name
            )
        self.chat = chat
        # Join first, then read the backlog: nothing falls between the two (the client
        # drops an id it gets twice).
        await self.channel_layer.group_add(live.visitor_group(chat.pk), self.channel_name)
        await self.send_json({"type": "ready", "state": state, "messages": messages})

    @staticmethod
    def _load(
        token: str, browser_key: str, after: int
    ) -> tuple[Chat, dict[str, Any], list[dict[str, Any]]]:
        chat = services.chat_from_token(token, browser_key)
        return (
            chat,
            selectors.visitor_state(chat),
            selectors.messages_after(chat, after, staff=False),
        )

    async def _typing_to_agents(self, *, on: bool) -> None:
        assert self.chat is not None
        await self.channel_layer.group_send(
            live.AGENTS_GROUP,
            {"type": "lc.typing", "chat": self.chat.pk, "agent": self.chat.agent_id, "on": on},
        )

    # Group events -----------------------------------------------------------------------

    async def lc_message(self, event: dict[str, Any]) -> None:
        if event["message"]["kind"] != "note":  # never, but notes must never leak
            await self.send_json({"type": "message", "message": event["message"]})

    async def lc_typing(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "typing", "on": event["on"]})

    async def lc_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "up_to": event["up_to"]})

    async def lc_survey(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "survey", "survey": event["survey"]})

    async def lc_state(self, event: dict[str, Any]) -> None:
        if self.chat is not None:
            self.chat = await db.run(services.chat_from_pk)(self.chat.pk)
        await self.send_json({"type": "state", "state": event["state"]})


class ConsoleConsumer(_Consumer):
    """One agent console: the waiting chats and the agent's own, several at once."""

    user: User

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, User) or not user.is_active or not user.is_agent_or_above:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if await db.run(self._owes_code)(user):  # a 2FA code, or its setup, is still due
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        await self.channel_layer.group_add(live.AGENTS_GROUP, self.channel_name)
        await self.accept()
        chats = await db.run(self._hello)()
        await self.send_json({"type": "chats", "chats": chats})

    def _owes_code(self, user: User) -> bool:
        session: Any = self.scope.get("session") or {}
        return twofactor.needs_code(user, session) or twofactor.needs_setup(user)

    def _hello(self) -> list[dict[str, Any]]:
        mark_seen(self.user.pk)
        return selectors.console_chats(self.user)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(live.AGENTS_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = _str(content.get("type"))
        cid = _str(content.get("cid"))
        try:
            await self._dispatch(kind, content, cid)
        except SigapError as exc:
            await self.send_json(
                {
                    "type": "error",
                    "code": exc.code,
                    "message": exc.message,
                    "cid": cid,
                    "chat": _int(content.get("chat")),
                }
            )

    async def _dispatch(self, kind: str, content: dict[str, Any], cid: str) -> None:
        if kind == "ping":
            await db.run(mark_seen)(self.user.pk)
            await self.send_json({"type": "pong"})
            return
        if kind == "agents":
            agents = await db.run(selectors.online_agents)(exclude=self.user.pk)
            teams = await db.run(selectors.teams)()
            await self.send_json({"type": "agents", "agents": agents, "teams": teams})
            return
        chat = await db.run(services.chat_for_staff)(self.user, _int(content.get("chat")))
        if kind == "open":
            messages = await db.run(selectors.messages_after)(
                chat, _int(content.get("after")), staff=True
            )
            await self.send_json({"type": "history", "chat": chat.pk, "messages": messages})
        elif kind == "pickup":
            await db.run(services.chat_pickup)(actor=self.user, chat=chat)
        elif kind in ("reply", "note"):
            message = await db.run(services.chat_agent_message)(
                actor=self.user,
                chat=chat,
                cid=cid,
                body=_str(content.get("body")),
                note=kind == "note",
            )
            await self.send_json({"type": "ack", "cid": cid, "id": message.pk, "chat": chat.pk})
        elif kind == "typing" and chat.agent_id == self.user.pk:
            await self.channel_layer.group_send(
                live.visitor_group(chat.pk),
                {"type": "lc.typing", "chat": chat.pk, "on": bool(content.get("on"))},
            )
        elif kind == "read":
            await db.run(services.chat_read)(
                chat=chat, by_visitor=False, up_to=_int(content.get("up_to"))
            )
        elif kind == "transfer" and content.get("team"):
            team = await db.run(services.team_for_transfer)(_int(content.get("team")))
            await db.run(services.chat_transfer_team)(actor=self.user, chat=chat, team=team)
        elif kind == "transfer":
            to = await db.run(services.staff_user)(_int(content.get("to")))
            await db.run(services.chat_transfer)(actor=self.user, chat=chat, to=to)
        elif kind == "end":
            await db.run(services.chat_end)(chat=chat, actor=self.user)
        elif kind == "link":
            customer = await db.run(services.customer_for_staff)(
                self.user, _int(content.get("customer"))
            )
            await db.run(services.chat_link_customer)(actor=self.user, chat=chat, customer=customer)

    # Group events: forwarded when this console follows the chat -------------------------

    async def _forward(self, event: dict[str, Any], out: dict[str, Any]) -> None:
        if selectors.may_follow(self.user, event.get("agent")):
            await self.send_json(out)

    async def lc_chat(self, event: dict[str, Any]) -> None:
        # Every console learns of every change, so a chat taken by someone else leaves
        # the others' queues; the page keeps the waiting ones and its own.
        await self.send_json({"type": "chat", "chat": event["chat"]})

    async def lc_message(self, event: dict[str, Any]) -> None:
        await self._forward(
            event, {"type": "message", "chat": event["chat"], "message": event["message"]}
        )

    async def lc_typing(self, event: dict[str, Any]) -> None:
        await self._forward(event, {"type": "typing", "chat": event["chat"], "on": event["on"]})

    async def lc_read(self, event: dict[str, Any]) -> None:
        await self._forward(event, {"type": "read", "chat": event["chat"], "up_to": event["up_to"]})
