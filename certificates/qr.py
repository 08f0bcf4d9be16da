"""QR codes for certificate verification / admission check-in, as data: URIs for ``<img src>``.

Data URIs keep the template free of inline markup (everything stays auto-escaped) and need no file access.
The SVG form is vector (sharp at any size) but costs WeasyPrint ~5 ms more per page; the PNG form (2 pixels
per module, printed with ``image-rendering: pixelated`` so printers do not blur it) is ~400 bytes, cheap to
place, and scans from renderings at 72–300 dpi (1 pixel per module does not: poppler smears it below 200 dpi).
"""

from __future__ import annotations

from functools import lru_cache

import segno

from app.text import Msg
from certificates.errors import CertificateError

MAX_URL_LENGTH = 500


def _make(data: str, error: str, mask: int | None = None) -> segno.QRCode:
    """``mask=None`` chooses the data mask with the lowest penalty, as ISO/IEC 18004 §7.8.3 asks; that search
    is most of the cost (≈6 ms of ≈7 ms for a version-4 code). A fixed mask (0–7) is ≈4× faster and still
    decodes everywhere, but may print patterns that are harder for cheap scanners."""
    if not isinstance(data, str) or not data:
        raise CertificateError(Msg("二维码内容不能为空。"))
    if len(data) > MAX_URL_LENGTH:
        raise CertificateError(Msg("二维码内容太长（{n} 个字符），最多 {max} 个。", n=len(data), max=MAX_URL_LENGTH))
    return segno.make(data, error=error, micro=False, boost_error=True, mask=mask)


@lru_cache(maxsize=4096)
def qr_svg_data_uri(data: str, error: str = "m", border: int = 2, dark: str = "#000", mask: int | None = None) -> str:
    """Scalable SVG (``viewBox`` only; size it with CSS) as a ``data:image/svg+xml`` URI."""
    return _make(data, error, mask).svg_data_uri(border=border, omitsize=True, dark=dark, xmldecl=False, svgns=True)


@lru_cache(maxsize=4096)
def qr_png_data_uri(data: str, error: str = "m", border: int = 2, scale: int = 2, mask: int | None = None) -> str:
    """PNG (``scale`` px per module) as a ``data:image/png;base64`` URI; size it with CSS and use
    ``image-rendering: pixelated``."""
    return _make(data, error, mask).png_data_uri(scale=scale, border=border)


def qr_svg(data: str, error: str = "m", border: int = 2) -> str:
    """Inline ``<svg>`` markup (for previews in the web app; templates should use the data URI)."""
    import io

    buf = io.BytesIO()
    _make(data, error).save(buf, kind="svg", border=border, omitsize=True, xmldecl=False)
    return buf.getvalue().decode("utf-8")
