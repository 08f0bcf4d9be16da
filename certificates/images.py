"""Validation of uploaded images (seal, background, contestant photo) with Pillow before rendering.

WeasyPrint silently leaves a broken image out, so a "seal" that is not an image would print a certificate
without a seal. Everything is checked here first and refused with a Chinese message.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from app.text import Msg
from certificates.errors import InvalidImageError

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 16


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime: str
    width: int
    height: int
    mode: str


def validate_image(data: bytes, what: str | None = None, filename: str | None = None) -> ImageInfo:
    """Check that ``data`` is a real PNG/JPEG/WebP/GIF image of reasonable size; raise
    :class:`InvalidImageError` with a message (Msg) otherwise. ``what``: the image's name in it (图片)."""
    what = Msg("图片") if what is None else what
    label = Msg("{what}“{filename}”", what=what, filename=filename) if filename else what
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidImageError(Msg("{image}必须是图片文件的内容（bytes）。", image=label))
    data = bytes(data)
    if not data:
        raise InvalidImageError(Msg("{image}是空文件。", image=label))
    if len(data) > MAX_BYTES:
        raise InvalidImageError(Msg("{image}太大（{kb} KB），最大 {mb} MB。", image=label, kb=len(data) // 1024,
                                    mb=MAX_BYTES // 1024 // 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise InvalidImageError(
                        Msg("{image}的像素太多（{width}×{height}）。", image=label, width=img.width, height=img.height)
                    )
                img.load()
                info = ImageInfo(fmt or "", ALLOWED_FORMATS.get(fmt or "", ""), img.width, img.height, img.mode)
    except InvalidImageError:
        raise
    except UnidentifiedImageError:
        raise InvalidImageError(
            Msg("{image}不是有效的图片文件（无法识别的格式）。请上传 PNG 或 JPEG 图片。", image=label)
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImageError(Msg("{image}的像素太多，已拒绝。", image=label)) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageError(
            Msg("{image}已损坏或不完整，无法读取（{error}）。请重新上传。", image=label, error=str(exc))
        ) from None
    if info.format not in ALLOWED_FORMATS:
        raise InvalidImageError(
            Msg("{image}的格式 {format} 不支持，请上传 PNG 或 JPEG 图片。", image=label, format=info.format)
        )
    if min(info.width, info.height) < MIN_SIDE:
        raise InvalidImageError(
            Msg("{image}太小（{width}×{height} 像素）。", image=label, width=info.width, height=info.height)
        )
    return info


def image_data_uri(data: bytes, what: str | None = None, filename: str | None = None) -> str:
    """Validate and return a ``data:`` URI for use in a template."""
    info = validate_image(data, what, filename)
    return f"data:{info.mime};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
