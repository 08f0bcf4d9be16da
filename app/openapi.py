"""The OpenAPI 3 description of ``/api/v1``. Written out by hand: the API is small and this is its contract."""

from __future__ import annotations

ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                          "status": {"type": "integer"}}, "required": ["error", "message", "status"]}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(c): _json({"$ref": "#/components/schemas/Error"}, "error") for c in codes}


def spec() -> dict:
    registration = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "event": {"type": "string"},
        "group": {"type": "string"}, "status": {"type": "string"}, "status_reason": {"type": "string"},
        "id_number": {"type": "string", "description": "masked: 110105********002X"},
        "mobile": {"type": "string", "description": "masked: 138****5678"}}}
    paths = {
        "/tokens": {"post": {
            "summary": "Issue a bearer token", "operationId": "createToken", "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                               "scopes": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"201": _json({"type": "object", "properties": {
                "token": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}},
                "expires_in": {"type": "integer"}, "role": {"type": "string"}}}, "issued"),
                **_errors(400, 401, 429)}}},
        "/me": {"get": {"summary": "The token's user", "operationId": "me",
                        "responses": {"200": _json({"type": "object", "properties": {
                            "username": {"type": "string"}, "role": {"type": "string"},
                            "scopes": {"type": "array", "items": {"type": "string"}}}}), **_errors(401)}}},
        "/registrations": {"get": {
            "summary": "Registrations of the caller's own delegation", "operationId": "listRegistrations",
            "responses": {"200": _json({"type": "object", "properties": {
                "registrations": {"type": "array", "items": registration}}}), **_errors(401, 403)}}},
    }
    for path, operations in _extra_paths().items():
        paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Saiwu API", "version": "1",
                 "description": "赛务 JSON API：公开成绩、代表团报名、评分、证书查验"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "paths": paths,
    }


EXTRA: list = []  # feature packages append callables returning {path: {method: operation}}


def _extra_paths() -> dict:
    merged: dict = {}
    for provider in EXTRA:
        for path, operations in provider().items():
            merged.setdefault(path, {}).update(operations)
    return merged
