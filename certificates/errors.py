"""Exceptions of the certificate layer.

Every message is Chinese and meant to be shown to the organiser as is. All classes take a single
message argument so that they pickle cleanly across worker processes.
"""

from __future__ import annotations


class CertificateError(Exception):
    """Base class; ``str(exc)`` is a Chinese message fit for the organiser."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


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
