"""Exceptions of the certificate layer, and helpers for their messages.

Every message is a :class:`~app.text.Msg`: Chinese text (so logs, the CLI and the tests read Chinese) that the
web layer shows in the reader's language (``app.i18n``). All classes take a single message argument so that
they pickle cleanly across worker processes (a Msg pickles with its template).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.text import Msg


def message_of(exc: BaseException) -> str:
    """The message an exception was raised with: a Msg stays one (``str(exc)`` would make it plain text)."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Msg) else str(exc)


def listing(items: Iterable[str], sep: str | None = None) -> str:
    """Messages (or plain names) joined into one message, each translated on its own: a Msg whose template
    is only placeholders and the separator (“、” by default, “；” between whole messages)."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    params: dict[str, object] = {f"p{i}": item for i, item in enumerate(items)}
    params["sep"] = Msg("、") if sep is None else sep
    template = "{sep}".join(f"{{p{i}}}" for i in range(len(items)))  # not a catalogue entry: nothing to translate
    return Msg(template, **params)


SEMICOLON = Msg("；")  # between whole messages in one refusal


class CertificateError(Exception):
    """Base class; ``message`` is a Chinese :class:`~app.text.Msg` fit for the organiser."""

    @property
    def message(self) -> str:
        if not self.args:
            return ""
        first = self.args[0]
        return first if isinstance(first, Msg) else str(first)


class CertificateTemplateError(CertificateError):
    """The template (HTML/CSS/Jinja) is wrong or does something not allowed."""


class ResourceRefusedError(CertificateTemplateError):
    """The template referenced a file or URL it may not use (file://, http://, path traversal ...)."""


class InvalidImageError(CertificateError, ValueError):
    """An uploaded image (seal, photo, background) is not a usable image."""


class SerialPatternError(CertificateError, ValueError):
    """The organiser's serial-number pattern is invalid."""


class ContextValueError(CertificateError, TypeError):
    """A render context contained something other than plain values."""


class FontProblem(CertificateError):
    """The machine lacks a CJK font or the HarfBuzz subsetter."""


# ------------------------------------------------------------------ messages kept in the database
# A failed batch keeps its messages in a text column. They are stored as their Chinese text (what anyone reading
# the row sees) followed, after ``_STORED``, by the messages' templates and values as JSON, so that the batch
# page can show them in the reader's language later. Plain text (older rows) reads back as it is.

_STORED = "\n\x1f"
_MAX_STORED_JSON = 20_000


def store_messages(messages: Iterable[str], limit: int = 4000) -> str:
    messages = list(messages)
    text = "；".join(str(m) for m in messages)[:limit]
    if not any(isinstance(m, Msg) for m in messages):
        return text
    import json

    data = json.dumps([_encode(m) for m in messages], ensure_ascii=False)
    return text if len(data) > _MAX_STORED_JSON else text + _STORED + data


def read_messages(stored: str) -> str:
    """What ``store_messages`` stored, as one message (a Msg when it can be translated)."""
    text, _sep, data = (stored or "").partition(_STORED)
    if not data:
        return text
    import json

    try:
        return listing([_decode(m) for m in json.loads(data)], SEMICOLON)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return text


def _encode(value: object) -> object:
    if isinstance(value, Msg):
        return {"$msg": value.template, "params": {k: _encode(v) for k, v in value.params.items()}}
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _decode(value: object) -> object:
    if isinstance(value, dict):
        return Msg(value["$msg"], **{k: _decode(v) for k, v in value["params"].items()})
    return value
