"""System packages some tests need. Without them a test skips with the apt-get line, except under CI=true,
where a missing package fails the run: CI must run the browser and PDF tests, never skip them."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess

import pytest

CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        _missing("Chromium is missing: apt-get install -y chromium")


def require_pdf_stack() -> None:
    missing = []
    if not _has_cjk_font():
        missing.append("fonts-noto-cjk")
    if not ctypes.util.find_library("harfbuzz-subset"):
        missing.append("libharfbuzz-subset0")
    if not shutil.which("pdftotext"):
        missing.append("poppler-utils")
    if not shutil.which("zbarimg"):
        missing.append("zbar-tools")
    if missing:
        _missing(f"PDF tools are missing: apt-get install -y {' '.join(missing)}")


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout  # noqa: S603,S607
    return "CJK" in out
