"""Uploaded photos and proofs: the type is decided by the content, never by the file name.

Images are decoded and re-encoded as JPEG, which drops metadata (EXIF location, camera) and anything
smuggled behind the pixels; PDFs are accepted for proofs only when they look like PDFs from the first byte.
Files are stored under the upload folder with random names.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.text import Msg

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PROOF_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MIN = (260, 320)  # pixels, width × height: enough to print on an admission card
PHOTO_RATIO = (1.15, 1.6)  # height / width: one-inch and two-inch ID photos are about 1.4
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class UploadRefused(ValueError):
    """``err.message`` is the message shown next to the field (a :class:`~app.text.Msg`; ``str(err)`` is its
    Chinese text only)."""

    @property
    def message(self) -> str:
        return self.args[0]


def _read(file, limit: int, what: str) -> bytes:
    data = file.read(limit + 1)
    if not data:
        raise UploadRefused(Msg("{what}是空文件，请重新选择", what=what))
    if len(data) > limit:
        raise UploadRefused(Msg("{what}不能超过{mb}MB，请压缩后再上传", what=what, mb=limit // (1024 * 1024)))
    return data


def _open_image(data: bytes, what: str) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise UploadRefused(Msg("{what}只接受 JPG、PNG 或 WebP 格式的图片", what=what))
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadRefused(Msg("{what}的像素太多，请缩小后再上传", what=what))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(Msg("{what}不是有效的图片文件（只接受 JPG、PNG 或 WebP）", what=what)) from None
    return ImageOps.exif_transpose(image)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)  # no exif= : metadata is dropped
    return out.getvalue()


def clean_photo(file) -> bytes:
    data = _read(file, PHOTO_MAX_BYTES, Msg("照片"))
    image = _open_image(data, Msg("照片"))
    w, h = image.size
    if w < PHOTO_MIN[0] or h < PHOTO_MIN[1]:
        raise UploadRefused(Msg("照片太小（{w}×{h}像素），至少需要{min_w}×{min_h}像素",
                                 w=w, h=h, min_w=PHOTO_MIN[0], min_h=PHOTO_MIN[1]))
    ratio = h / w
    if not PHOTO_RATIO[0] <= ratio <= PHOTO_RATIO[1]:
        raise UploadRefused(Msg("照片应为竖版证件照（宽高比约为 3:4 或 5:7），请裁剪后再上传"))
    if w > 1200:
        image = image.resize((1200, round(1200 * ratio)))
    return _jpeg(image)


def clean_proof(file) -> tuple[bytes, str]:
    """A proof may be a PDF or a photo of the paper; returns (bytes, extension)."""
    data = _read(file, PROOF_MAX_BYTES, Msg("证明材料"))
    if data[:5] == b"%PDF-":
        if b"%%EOF" not in data[-2048:]:
            raise UploadRefused(Msg("证明材料PDF文件不完整，请重新导出后上传"))
        if b"/JavaScript" in data or b"/JS" in data or b"/Launch" in data:
            raise UploadRefused(Msg("证明材料PDF中含有脚本，不能接受，请重新导出或拍照上传"))
        return data, "pdf"
    image = _open_image(data, Msg("证明材料"))
    if max(image.size) > 2400:
        image.thumbnail((2400, 2400))
    return _jpeg(image), "jpg"


def store(folder: str | Path, kind: str, data: bytes, ext: str) -> str:
    """Write under <folder>/<kind>/ with a random name; returns the name relative to the folder."""
    directory = Path(folder) / kind
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{kind}/{secrets.token_hex(16)}.{ext}"
    (Path(folder) / name).write_bytes(data)
    return name


def resolve(folder: str | Path, name: str) -> Path | None:
    """The stored file for a name from the database, refusing anything outside the folder."""
    base = Path(folder).resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path
