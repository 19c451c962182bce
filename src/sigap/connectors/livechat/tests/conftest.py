from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _nobody_online() -> Iterator[None]:
    """Presence lives in the cache: every test starts with no agent online."""
    cache.clear()
    yield
    cache.clear()
