"""Messages that the pure modules build, shown later in the reader's language.

The rules core (ID numbers, names, eligibility, marks, awards, certificate templates) has no Flask, so it
cannot call ``gettext``. It builds a :class:`Msg` instead: a plain ``str`` holding the Chinese text, so
tests, logs and command-line output read as before, which also remembers its template and values. The web
layer (``app.i18n.translate``, applied to everything a template prints, every flash and every JSON error)
looks the template up in the catalogue and fills the values in. ``pybabel extract -k Msg`` collects them.

This module must stay importable without Flask.
"""

from __future__ import annotations


class Msg(str):
    """A Chinese message with ``{name}`` placeholders, formatted now and translatable later."""

    __slots__ = ("params", "template")

    def __new__(cls, template: str, /, **params: object) -> Msg:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params
        return self

    def __reduce__(self):
        # Messages travel inside exceptions across the certificate renderer's process pool.
        return _rebuild, (self.template, self.params)


def _rebuild(template: str, params: dict) -> Msg:
    return Msg(template, **params)


def joined(items, *, sentences: bool = False) -> str:
    """``甲、乙、丙`` (or ``句一；句二`` with ``sentences``) that stays translatable item by item.

    Joining translatable items with ``"、".join`` would freeze them in Chinese; this nests them in
    ``{first}、{rest}`` messages instead, which the catalogue renders as ``A, B, C`` (``A; B``).
    """
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    rest = joined(items[1:], sentences=sentences)
    if sentences:
        return Msg("{first}；{rest}", first=items[0], rest=rest)
    return Msg("{first}、{rest}", first=items[0], rest=rest)

