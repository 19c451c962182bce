"""Fixtures of the cross-cutting suites (the shared test world is in the root conftest.py)."""

from tests.sso_provider import oidc_provider, sso_config

__all__ = ["oidc_provider", "sso_config"]
