"""Draws the demo seal (``default_templates/seal-demo.png``): a red ring, a five-pointed star, an arc of text
and the word 示例 — clearly a sample, never a real organisation's seal.

Regenerate with ``python -m certificates.seal_demo``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (214, 30, 30, 235)
ARC_TEXT = "赛务职业技能竞赛组织委员会"
BOTTOM_TEXT = "示例印章"
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
FONT_INDEX = 2  # SC face


def _star(cx: float, cy: float, r_out: float, r_in: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def make_demo_seal_png(size: int = 480) -> bytes:
    scale = 2  # draw big, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = s / 2
    ring = s * 0.035
    draw.ellipse(
        (ring / 2 + s * 0.01, ring / 2 + s * 0.01, s - ring / 2 - s * 0.01, s - ring / 2 - s * 0.01),
        outline=RED,
        width=int(ring),
    )
    draw.polygon(_star(c, c, s * 0.17, s * 0.068), fill=RED)

    font = ImageFont.truetype(FONT, int(s * 0.095), index=FONT_INDEX)
    radius = s * 0.36
    span = math.radians(230)
    n = len(ARC_TEXT)
    for i, ch in enumerate(ARC_TEXT):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / n  # clockwise from the left
        glyph = Image.new("RGBA", (int(s * 0.13), int(s * 0.13)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=RED, anchor="mm")
        rotated = glyph.rotate(-math.degrees(angle + math.pi / 2), resample=Image.BICUBIC, expand=True)
        x = c + radius * math.cos(angle) - rotated.width / 2
        y = c + radius * math.sin(angle) - rotated.height / 2
        img.alpha_composite(rotated, (int(x), int(y)))

    small = ImageFont.truetype(FONT, int(s * 0.085), index=FONT_INDEX)
    draw.text((c, c + s * 0.28), BOTTOM_TEXT, font=small, fill=RED, anchor="mm")
    img = img.resize((size, size), Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


if __name__ == "__main__":
    target = Path(__file__).with_name("default_templates") / "seal-demo.png"
    target.write_bytes(make_demo_seal_png())
    print(target, target.stat().st_size, "bytes")
