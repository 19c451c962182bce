"""The REST API (``/api/v1/``): authentication, the one error format, the routers.

Every error has the shape ``{"error": {"code": str, "message": str, "fields": {...}}}``.
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext, gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.parser import Parser
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import HttpBearer, SessionAuth
from pydantic import BaseModel

from sigap.accounts.idempotency import TOKEN_USER_ATTR
from sigap.accounts.models import User
from sigap.accounts.services import token_authenticate
from sigap.core.apiutil import ErrorOut, field_errors, unstorable_fields
from sigap.core.errors import InvalidJson, SigapError, ValidationFailed
from sigap.core.jsonbody import parse_json


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if hasattr(request, TOKEN_USER_ATTR):  # already looked up by the idempotency layer
            user: User | None = getattr(request, TOKEN_USER_ATTR)
        else:
            user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    """Session cookie auth (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class JsonParser(Parser):
    """Bodies read by ``core.jsonbody``: too deep a nesting is refused like broken JSON
    (``json.loads`` alone raises ``RecursionError`` there). ninja turns whatever the parser
    raises into ``HttpError(400)``, with the ``InvalidJson`` as its cause. Text no database
    can store, in the body or the query, is a 422 (``refuse_unstorable``)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return refuse_unstorable(parse_json(request.body))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        query: dict[str, Any] = super().parse_querydict(data, list_fields, request)
        refuse_unstorable(query)
        return query


def refuse_unstorable(value: Any) -> Any:
    """Text with a NUL or a lone surrogate is a 422 naming the field, not a server error
    when the database refuses it."""
    fields = unstorable_fields(value)
    if fields:
        raise ValidationFailed(
            gettext("Data yang dikirim tidak valid: %(fields)s.") % {"fields": ", ".join(fields)},
            fields=fields,
        )
    return value


# The errors an operation can answer, by what it has; each is documented once, here, with
# the one error shape (``ErrorOut``).
# (marked with gettext_noop, like every summary and description of the operations and
# schemas: ``translated_docs`` says them in the reader's language when the document is made)
ERRORS = {
    400: gettext_noop("Badan permintaan bukan JSON yang sah (`invalid_json`)."),
    401: gettext_noop("Belum masuk atau token API tidak sah (`not_authenticated`)."),
    403: gettext_noop("Peran Anda tidak boleh melakukan ini (`permission_denied`)."),
    404: gettext_noop("Data tidak ditemukan, atau tidak boleh Anda lihat (`not_found`)."),
    409: gettext_noop(
        "Bertentangan dengan keadaan data: versi usang, transisi tidak diizinkan, atau "
        "Idempotency-Key yang sudah dipakai (`stale_version`, `transition_not_allowed`, "
        "`conflict`, `idempotency_conflict`, `idempotency_in_progress`)."
    ),
    413: gettext_noop("Permintaan atau lampiran terlalu besar (`payload_too_large`)."),
    422: gettext_noop("Data tidak valid; `fields` menyebut kolomnya (`validation_failed`)."),
}
DOC_KEYS = frozenset({"summary", "description"})


def translate_docs(node: Any) -> None:
    """Say the OpenAPI document's summaries, descriptions and tags in the active language
    (the request's: ``/api/docs`` in English once English is chosen), in place."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str) and value and key in DOC_KEYS:
            node[key] = gettext(value)
        elif key == "tags" and isinstance(value, list):
            node[key] = [gettext(v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, dict | list):
            translate_docs(value)


def errors_for(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses ``operation`` can answer, from what it has."""
    codes = []
    has_body = "requestBody" in operation
    writes = method in ("post", "put", "patch", "delete")
    if has_body:
        codes += [400, 413]
    if operation.get("security"):
        codes.append(401)
    if writes:  # require_staff and the rules of who may change what
        codes.append(403)
    if "{" in path:
        codes.append(404)
    if writes:  # Idempotency-Key on every POST; versions and transitions
        codes.append(409)
    if has_body or operation.get("parameters") or writes:
        codes.append(422)
    return codes


class SigapApi(NinjaAPI):
    """The API, with its OpenAPI document completed in one place: the error responses of
    every operation (``errors_for``, or declared by the operation itself) and the schemas
    no operation parses but the document names (``documented_schemas``)."""

    documented_schemas: list[type[BaseModel]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.documented_schemas = []
        self._schemas: dict[tuple[str, str | None, str], OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, built once per process and language: building it costs about half a
        CPU-second, which the docs page paid on every visit (and, on a loaded machine, took
        longer than a browser test waited for it). The routes are fixed at start."""
        key = (get_language() or "", path_prefix, repr(sorted((path_params or {}).items())))
        if key not in self._schemas:
            self._schemas[key] = self._build_openapi_schema(path_prefix, path_params)
        return copy.deepcopy(self._schemas[key])

    def _build_openapi_schema(
        self, path_prefix: str | None, path_params: dict[str, Any] | None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        for model in self.documented_schemas:
            doc = model.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
            )
            components.update(doc.pop("$defs", {}))
            components[model.__name__] = doc
        error = {"$ref": REF_TEMPLATE.format(model="ErrorOut")}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in errors_for(path, method, operation):  # ninja's keys are ints
                    responses.setdefault(code, {"description": ERRORS[code]})
                for code, response in responses.items():
                    if int(code) >= 400:  # every error has the one shape
                        response["content"] = {"application/json": {"schema": error}}
        translate_docs(schema)
        return schema


api = SigapApi(
    title="Sigap API",
    version="1",
    description=gettext_noop("Tiket, pelanggan, prosedur penanganan keluhan dan kronologi."),
    urls_namespace="api",
    auth=[BearerToken(), ActiveSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonParser(),
)


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> Any:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


@api.exception_handler(SigapError)
def on_domain_error(request: HttpRequest, exc: SigapError) -> HttpResponse:
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.http_status
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = field_errors(exc.errors)
    message = gettext("Data yang dikirim tidak valid: %(fields)s.") % {"fields": ", ".join(fields)}
    return api.create_response(
        request,
        error_body("validation_failed", message, fields),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("not_authenticated", gettext("Masuk dulu atau sertakan token API yang valid.")),
        status=401,
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, error_body("not_found", gettext("Data tidak ditemukan.")), status=404
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja could not parse the body (``JsonParser``)
        cause = exc.__cause__
        bad = cause if isinstance(cause, SigapError) else InvalidJson(str(exc.message))
        return on_domain_error(request, bad)
    return api.create_response(
        request, error_body("http_error", str(exc.message)), status=exc.status_code
    )


def _register() -> None:
    from sigap.accounts.api import router as accounts_router
    from sigap.customers.api import router as customers_router
    from sigap.relations.api import router as relations_router
    from sigap.relations.api_campaigns import router as campaigns_router
    from sigap.relations.api_incidents import router as incidents_router
    from sigap.tickets.api import DOCUMENTED_SCHEMAS as ticket_schemas
    from sigap.tickets.api import router as tickets_router

    api.add_router("/", accounts_router)
    api.add_router("/customers", customers_router)
    api.add_router("/", tickets_router)
    api.add_router("/", relations_router)
    api.add_router("/", incidents_router)
    api.add_router("/", campaigns_router)
    api.documented_schemas.extend([ErrorOut, *ticket_schemas])


_register()
