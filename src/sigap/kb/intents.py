"""What a chat message asks of the bot besides a question: a person ("mau bicara dengan
agen", "minta CS", "sambungkan ke manusia"), small talk ("halo", "makasih"), a pick among
the offered choices ("2", "kb:lacak-paket", the title itself) or "none of those".

Words are compared after the triage normaliser (``gak`` -> ``tidak``, ``cs`` -> ``layanan
pelanggan``) and, for verbs, after stemming ("sambungkan" -> ``sambung``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sigap.text import indonesian as text

# Someone who is a person of the company, in any case.
STRONG_TARGETS = frozenset(
    [
        "agen",
        "agent",
        "operator",
        "petugas",
        "manusia",
        "human",
        "supervisor",
        "spv",
        "atasan",
        "manajer",
        "manager",
        "staf",
        "staff",
        "cso",
    ]
)
# Someone, when the message also says "talk to" (not "mau kirim ke orang lain").
WEAK_TARGETS = frozenset(["orang", "admin", "karyawan", "pegawai", "person"])
TARGET_PHRASES = ("layanan pelanggan", "customer service", "customer care", "call center")
# Stems of "talk to / connect me / hand me over".
STRONG_VERBS = frozenset(
    [
        "bicara",
        "omong",
        "ngomong",
        "obrol",
        "ngobrol",
        "sambung",
        "hubung",
        "alih",
        "oper",
        "transfer",
        "panggil",
        "chat",
        "talk",
        "speak",
        "connect",
    ]
)
WEAK_VERBS = frozenset(
    ["mau", "ingin", "minta", "tolong", "butuh", "perlu", "langsung", "want", "need"]
)
# Asking *about* customer service ("nomor CS berapa", "CS buka jam berapa") is a question.
QUESTION_MARKERS = frozenset(
    [
        "nomor",
        "email",
        "alamat",
        "berapa",
        "bagaimana",
        "cara",
        "whatsapp",
        "buka",
        "libur",
        "operasional",
    ]
)
NOT_A_BOT = frozenset(["bukan", "jangan", "tidak"])

GREETINGS = frozenset(
    [
        "halo",
        "hai",
        "hi",
        "hello",
        "hallo",
        "helo",
        "pagi",
        "siang",
        "sore",
        "malam",
        "selamat",
        "assalamualaikum",
        "assalamu'alaikum",
        "salam",
        "permisi",
        "p",
        "punten",
        "min",
        "kak",
        "gan",
        "sis",
    ]
)
THANKS = frozenset(
    [
        "terima",
        "kasih",
        "banyak",
        "sekali",
        "thanks",
        "thank",
        "thx",
        "ok",
        "oke",
        "okay",
        "sip",
        "siap",
        "mantap",
        "baik",
        "makasih",
        "noted",
    ]
)
DECLINES = frozenset(
    {
        "bukan",
        "tidak",
        "bukan itu",
        "bukan semua",
        "tidak ada",
        "tidak ada yang cocok",
        "tidak ada yang sesuai",
        "tidak membantu",
        "belum menjawab",
        "belum terjawab",
        "not answered",
        "not answered yet",
        "none of these",
        "no",
        "salah",
        "salah semua",
        "bukan semuanya",
        "tidak semua",
        "lain",
    }
)
FILLER = frozenset(
    [
        "saya",
        "kak",
        "min",
        "ya",
        "sih",
        "dong",
        "deh",
        "nih",
        "kok",
        "yang",
        "nya",
        "aja",
        "ini",
        "itu",
    ]
)
IDENTITY = frozenset(
    ["bot", "robot", "chatbot", "mesin", "asli", "kamu", "anda", "siapa", "apa", "apakah"]
)


def _words(message: str) -> list[str]:
    return text.normalise(message).split()


def wants_human(message: str) -> bool:
    """The customer asks for a person, rather than asking about customer service."""
    normalised = text.normalise(message)
    words = normalised.split()
    if not words:
        return False
    stems = {text.stem(w) for w in words} | set(words)
    if stems & QUESTION_MARKERS:
        return False
    if "bot" in stems and stems & NOT_A_BOT:
        return True  # "bukan bot", "jangan sama bot"
    strong = bool(stems & STRONG_TARGETS) or any(p in normalised for p in TARGET_PHRASES)
    weak = bool(stems & WEAK_TARGETS)
    verb = bool(stems & STRONG_VERBS)
    asks = verb or bool(stems & WEAK_VERBS)
    content = [w for w in words if w not in FILLER]
    if strong and (asks or len(content) <= 3):
        return True
    return weak and verb


def small_talk(message: str) -> str:
    """ "greeting", "thanks", "identity" ("kamu robot ya?") or "" for anything else."""
    words = [w for w in _words(message) if w not in FILLER and not w.startswith("emoji_")]
    if not words:
        return ""
    if all(w in GREETINGS for w in words):
        return "greeting"
    if all(w in THANKS or w in GREETINGS for w in words):
        return "thanks"
    if {"bot", "robot", "chatbot"} & set(words) and all(
        w in IDENTITY or w in GREETINGS for w in words
    ):
        return "identity"
    return ""


def _content(message: str) -> str:
    return " ".join(w for w in _words(message) if w not in FILLER)


_DECLINES = frozenset(_content(d) for d in DECLINES)


def declines(message: str) -> bool:
    """ "Bukan itu", "tidak ada yang cocok": none of what the bot offered."""
    return _content(message) in _DECLINES


def picked(message: str, offered: Sequence[tuple[str, str]]) -> str:
    """The slug the customer picked among ``offered`` (slug, title) pairs: by number
    ("2"), by the quick-reply payload ("kb:<slug>") or by the title; else ""."""
    raw = message.strip()
    if raw.startswith("kb:"):
        slug = raw[3:].strip()
        return slug if any(slug == s for s, _ in offered) else ""
    stripped = raw.rstrip(".)").strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(offered):
        return offered[int(stripped) - 1][0]
    said = text.normalise(raw)
    for slug, title in offered:
        if said and said == text.normalise(title):
            return slug
    return ""
