"""One error shape for every error the API answers: RFC 9457 problem details
(`application/problem+json`), whatever raised it (a route, a parameter FastAPI refused, a
cursor, a value PostgreSQL cannot take, a bug), and the OpenAPI document says so for
every error response.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "contact 'c_9' not found", "instance": "/v1/contacts/c_9/timeline",
     "request_id": "3f2a..."}

`detail` is always one sentence for people; `type` is `about:blank` (the status says it
all) or one of Chronicle's own URNs below; a refused request lists each parameter in
`errors` (`in`, `field`, `problem`); `request_id` is the access log's (X-Request-ID).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from projections.shared.cursor import BadCursor

MEDIA_TYPE = "application/problem+json"
INVALID_REQUEST = "urn:chronicle:problem:invalid-request"
BAD_CURSOR = "urn:chronicle:problem:bad-cursor"
INVALID_VALUE = "urn:chronicle:problem:invalid-value"
log = structlog.get_logger()


class InvalidParam(BaseModel):
    in_: str = Field(alias="in", description="path, query, header or body")
    field: str = Field(description="The parameter (a dotted path inside a body)")
    problem: str = Field(description="What was wrong with it")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", description="What kind of problem (a URI)")
    title: str = Field(description="The kind, in words (the HTTP status's for about:blank)")
    status: int = Field(description="The HTTP status")
    detail: str = Field(description="What was wrong this time, for people")
    instance: str | None = Field(None, description="The request's path")
    request_id: str | None = Field(None, description="As in the access log and X-Request-ID")
    errors: list[InvalidParam] | None = Field(None, description="Each parameter refused")


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _param(error: dict) -> dict:
    where, *path = [str(p) for p in error["loc"]] or ["request"]
    return {"in": where, "field": ".".join(path) or where, "problem": error["msg"]}


def install(app: FastAPI) -> None:
    """Every error handler, and the OpenAPI document's error responses, as problems."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        return problem(request, error.status_code, detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def refused(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_param(e) for e in error.errors()]
        named = ", ".join(dict.fromkeys(e["field"] for e in errors))
        return problem(
            request,
            422,
            f"invalid {named}: {errors[0]['problem']}" if errors else "invalid request",
            type_=INVALID_REQUEST,
            title="Invalid request",
            errors=errors,
        )

    @app.exception_handler(BadCursor)
    async def bad_cursor(request: Request, error: BadCursor) -> JSONResponse:
        return problem(request, 400, str(error), type_=BAD_CURSOR, title="Bad cursor")

    @app.exception_handler(psycopg.DataError)
    async def bad_input(request: Request, error: psycopg.DataError) -> JSONResponse:
        # A value PostgreSQL cannot take: the caller's input, not our failure.
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return problem(
            request, 400, f"invalid input: {first}", type_=INVALID_VALUE, title="Invalid value"
        )

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("api.unexpected_error", path=request.url.path)
        return problem(request, 500, "an unexpected error: quote the request_id when you report it")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = as_problems(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def as_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx response of the document as a problem (FastAPI would say
    `{"detail": ...}` and its own validation error shape)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ErrorOut"):
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas["Problem"].pop("$defs", {}))
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                shown = response.get("content", {}).get("application/json", {})
                said = shown.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                # the health routes answer their own status shape with 503, not a problem
                if status[0] in "45" and said in ("", "Problem", "HTTPValidationError"):
                    response["content"] = {MEDIA_TYPE: {"schema": ref}}
                    if status == "422":
                        response["description"] = "A parameter was refused: `errors` says which"
    return document
