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
    event_id = [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    mark = {"type": "object", "properties": {
        "status": {"type": "string", "enum": ["saved", "replayed"]}, "key": {"type": "string"},
        "code": {"type": "string"}, "aspect_id": {"type": "integer"}, "value": {"type": "string"},
        "version": {"type": "integer"}, "conflict": {"type": "boolean"}}}
    paths["/results/{code}"] = {"get": {
        "summary": "Published results of a contest (no ID or phone numbers)", "operationId": "contestResults",
        "security": [],
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "contest": {"type": "object"}, "events": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "state": {"type": "string"},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "rank": {"type": "integer"}, "name": {"type": "string"}, "delegation": {"type": "string"},
                    "group": {"type": "string"}, "total": {"type": "string"}, "scale": {"type": "string"},
                    "award": {"type": "string"}, "title": {"type": "string"}}}}}}}}}),
            **_errors(404)}}}
    paths["/events/{event_id}/sheet"] = {"get": {
        "summary": "The judge's own score sheet: assigned aspects and contestant codes", "operationId": "sheet",
        "parameters": event_id,
        "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404)}}}
    paths["/events/{event_id}/marks"] = {"post": {
        "summary": "Save one mark exactly once (idempotency key)", "operationId": "saveMark",
        "parameters": event_id,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["key", "aspect_id", "code", "value"],
            "properties": {"key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                           "aspect_id": {"type": "integer"}, "code": {"type": "string"},
                           "value": {"oneOf": [{"type": "number"}, {"type": "string"}]},
                           "base_version": {"type": "integer"}, "device": {"type": "string"},
                           "queued_ms": {"type": "integer"}}}}}},
        "responses": {"201": _json(mark, "stored"), "200": _json(mark, "replayed: already stored"),
                      **_errors(400, 401, 403, 404, 409, 422)}}}
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
