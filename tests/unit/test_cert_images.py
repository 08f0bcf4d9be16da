import io

import pytest
from PIL import Image

from certificates.errors import InvalidImageError
from certificates.images import image_data_uri, validate_image


def png(w=64, h=64, mode="RGBA", fmt="PNG"):
    buf = io.BytesIO()
    Image.new(mode, (w, h), (200, 20, 20) if mode == "RGB" else (200, 20, 20, 255)).save(buf, format=fmt)
    return buf.getvalue()


def test_real_png_and_jpeg():
    assert validate_image(png()).format == "PNG"
    assert validate_image(png(mode="RGB", fmt="JPEG")).mime == "image/jpeg"
    assert image_data_uri(png()).startswith("data:image/png;base64,iVBOR")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"this is not an image, just text renamed to seal.png", "不是有效的图片文件"),
        (b"", "空文件"),
        (png()[:60], "损坏"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><image href='file:///etc/passwd'/></svg>", "不是有效的图片文件"),
    ],
)
def test_not_images_refused_in_chinese(data, needle):
    with pytest.raises(InvalidImageError, match=needle) as info:
        validate_image(data, "印章图片", "seal.png")
    assert "印章图片“seal.png”" in str(info.value)


def test_unsupported_format():
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, format="BMP")
    with pytest.raises(InvalidImageError, match="格式 BMP 不支持"):
        validate_image(buf.getvalue())


def test_too_small_and_too_big():
    with pytest.raises(InvalidImageError, match="太小"):
        validate_image(png(4, 4))
    with pytest.raises(InvalidImageError, match="太大"):
        validate_image(b"\x89PNG" + b"0" * (6 * 1024 * 1024))


def test_decompression_bomb_refused():
    buf = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buf, format="PNG")  # 100 megapixels, a few KB
    with pytest.raises(InvalidImageError, match="像素太多"):
        validate_image(buf.getvalue())


def test_not_bytes():
    with pytest.raises(InvalidImageError):
        validate_image("seal.png")
