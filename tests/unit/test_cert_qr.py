import base64
import shutil
import subprocess
import urllib.parse

import pytest
import segno

from certificates.errors import CertificateError
from certificates.qr import qr_png_data_uri, qr_svg, qr_svg_data_uri

URL = "https://saiwu.example.cn/v/2020-FP-DG-0001?c=8f3a1b2c"


def test_svg_data_uri():
    uri = qr_svg_data_uri(URL)
    assert uri.startswith("data:image/svg+xml")
    svg = urllib.parse.unquote(uri.split(",", 1)[1])
    assert "viewBox" in svg and 'width="' not in svg  # sized by CSS


def test_inline_svg():
    assert qr_svg(URL).startswith("<svg")


def test_png_is_two_pixels_per_module():
    uri = qr_png_data_uri(URL)
    assert uri.startswith("data:image/png;base64,")
    from io import BytesIO

    from PIL import Image

    img = Image.open(BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    version_size = segno.make(URL, error="m", micro=False, boost_error=True).symbol_size(border=2)
    assert img.size == (version_size[0] * 2, version_size[1] * 2)


@pytest.mark.parametrize("bad", ["", "x" * 600, None])
def test_bad_content(bad):
    with pytest.raises(CertificateError):
        qr_png_data_uri(bad)


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")
def test_decodes_with_zbar(tmp_path):
    path = tmp_path / "qr.png"
    segno.make(URL, error="m", micro=False, boost_error=True).save(path, scale=6, border=4)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == URL


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")
@pytest.mark.parametrize("mask", [None, 0, 5])
def test_png_data_uri_decodes_with_any_mask(tmp_path, mask):
    from io import BytesIO

    from PIL import Image

    uri = qr_png_data_uri(URL, mask=mask)
    img = Image.open(BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    img.resize((img.width * 4, img.height * 4), Image.NEAREST).save(tmp_path / "qr.png")
    out = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True, text=True)
    assert out.stdout.strip() == URL
