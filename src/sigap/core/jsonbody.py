"""Request bodies read as JSON the one way: every way a body can fail to be JSON is an
``InvalidJson`` (400 ``invalid_json``), never a server error.

``json.loads`` raises ``RecursionError``, not ``ValueError``, on a body nested deeper than
the interpreter's recursion limit (``"[" * 2000``), and a body a little less deep parses
but then overflows the stack wherever it is walked again (validated, stored as JSON,
logged). No client of Sigap's nests more than a few levels (Meta's webhooks: about eight),
so a body deeper than ``MAX_DEPTH`` is refused as well.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from sigap.core.errors import InvalidJson

MAX_DEPTH = 64


def parse_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The body's value, or ``InvalidJson`` saying why not."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise InvalidJson(
            _("Badan permintaan bukan JSON yang sah: bersarang terlalu dalam.")
        ) from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise InvalidJson(
            _("Badan permintaan bukan JSON yang sah: %(why)s") % {"why": exc}
        ) from exc
    if _depth_exceeds(value, max_depth):
        raise InvalidJson(
            _("Badan permintaan bukan JSON yang sah: bersarang lebih dari %(n)s tingkat.")
            % {"n": max_depth}
        )
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: no recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False
