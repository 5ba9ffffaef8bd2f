"""Reference renderings of a Thai test string, for the shaping regression tests.

The reference shaper is HarfBuzz, independent of matplotlib: through
``uharfbuzz`` (glyph ids and positions) and through Pillow's ``raqm`` layout
(libraqm drives HarfBuzz; the glyphs are drawn with FreeType). An output is
compared with the Pillow reference by its ink: both are cropped to the ink,
aligned (±3 px) and compared window by window (intersection over union of the
dark pixels), so one misplaced tone mark, upper vowel or sara am in any part
of the string fails the comparison, not only a wholesale difference.
Unshaped text (Pillow's basic layout: every mark at its own advance) scores
about 0.25 overall and 0.12 in its worst window; matplotlib's PNG about 0.86
and 0.73, poppler's drawing of the PDF about 0.78 and 0.63.
"""

from __future__ import annotations

import io

import numpy as np

#: Tone marks over upper vowels (ผู้ เข้า), sara am after a consonant and before another
#: letter (ทำบัญชี, น้ำใส), a lower vowel (ผู้), Thai digits.
THAI_TEXT = "ผู้เข้าร่วมทำบัญชีครัวเรือน น้ำใส ๒๕๖๖"
#: Text size of every rendering, in pixels (48 pt at 96 dpi: CSS pixels in a browser).
SIZE_PX = 64
FONT_PT = SIZE_PX * 72 / 96


def sarabun(stem: str = "Sarabun-Regular") -> str:
    from evaluation.charts.base import font_files

    return str(next(p for p in font_files() if p.stem == stem))


def harfbuzz_glyphs(text: str = THAI_TEXT, stem: str = "Sarabun-Regular"):
    """[(glyph id, x, y)] in font units, HarfBuzz's shaping of `text`."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(sarabun(stem)))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb.Font(face), buf)
    x = y = 0
    out = []
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
        out.append((info.codepoint, x + pos.x_offset, y + pos.y_offset))
        x += pos.x_advance
        y += pos.y_advance
    return out, face.upem


def reference_image(text: str = THAI_TEXT, *, engine=None):
    """Pillow rendering (raqm layout: HarfBuzz) of `text` at :data:`SIZE_PX`, grey."""
    from PIL import Image, ImageDraw, ImageFont

    layout = ImageFont.Layout.RAQM if engine is None else engine
    font = ImageFont.truetype(sarabun(), SIZE_PX, layout_engine=layout)
    image = Image.new("L", (SIZE_PX * len(text), SIZE_PX * 3), 255)
    ImageDraw.Draw(image).text((SIZE_PX, SIZE_PX), text, font=font, fill=0)
    return image


def text_figure(text: str = THAI_TEXT):
    """A figure with nothing but `text` (Sarabun, :data:`FONT_PT`), 12 x 1.6 in."""
    from evaluation.charts.base import new_figure

    fig, ax = new_figure(12, 1.6)
    ax.set_axis_off()
    fig.text(0.02, 0.35, text, fontsize=FONT_PT)
    return fig


def ink(image, *, threshold: int = 128) -> np.ndarray:
    """Dark pixels of an image, cropped to their bounding box."""
    dark = np.asarray(image.convert("L")) < threshold
    ys, xs = np.nonzero(dark)
    assert len(ys), "no ink at all"
    return dark[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def compare_ink(a: np.ndarray, b: np.ndarray, *, window: int = SIZE_PX,
                shift: int = 3) -> tuple[float, float]:
    """(overall IoU, worst IoU over windows of `window` columns), best alignment."""
    h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    pad = shift
    big_a = np.zeros((h + 2 * pad, w + 2 * pad), bool)
    big_a[pad:pad + a.shape[0], pad:pad + a.shape[1]] = a
    best = (-1.0, -1.0)
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            big_b = np.zeros_like(big_a)
            big_b[pad + dy:pad + dy + b.shape[0], pad + dx:pad + dx + b.shape[1]] = b
            union = (big_a | big_b).sum()
            overall = (big_a & big_b).sum() / union
            worst = 1.0
            for x0 in range(0, big_a.shape[1], window // 2):
                sa, sb = big_a[:, x0:x0 + window], big_b[:, x0:x0 + window]
                u = (sa | sb).sum()
                if u > 50:
                    worst = min(worst, (sa & sb).sum() / u)
            if overall > best[0]:
                best = (overall, worst)
    return best


def png_of(fig, dpi: int = 96):
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return Image.open(buf)
