"""A small JSON client for the API tests: bearer token per user, JSON in and out."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from sigap.accounts.models import User
from sigap.accounts.services import token_create


class Api:
    def __init__(self, user: User | None) -> None:
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token_create(user=user)}"
        self.client = Client(**headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            **headers,
        )

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.patch(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
        )

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(f"/api/v1{path}", json.dumps(body), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}")
