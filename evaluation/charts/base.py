"""Shared chart set-up: the Sarabun font (from the ``fontpkg-sarabun`` package),
a quiet style, and helpers used by every chart module."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from ..errors import ArgumentError  # noqa: E402

FONT_FAMILY = "Sarabun"
_registered = False

#: Colours used consistently across charts (colour-blind safe, Okabe-Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
WAVE_COLOURS = {"pre": "#999999", "during": "#56B4E9", "post": "#0072B2"}
STATUS_COLOURS = {"achieved": "#009E73", "partial": "#E69F00", "not_achieved": "#D55E00",
                  "no_data": "#BBBBBB"}


def font_files() -> list[Path]:
    """Paths of the packaged Sarabun TTF files (installed from PyPI, never downloaded)."""
    import fontpkg_sarabun

    return sorted((Path(fontpkg_sarabun.__file__).parent / "files").glob("*.ttf"))


def use_thai_font() -> str:
    """Register Sarabun with matplotlib and make it the default family.

    Safe to call many times. Returns the family name.
    """
    global _registered
    if not _registered:
        for path in font_files():
            font_manager.fontManager.addfont(str(path))
        _registered = True
    plt.rcParams["font.family"] = [FONT_FAMILY, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["axes.spines.top"] = False
    plt.rcParams["axes.spines.right"] = False
    plt.rcParams["axes.titleweight"] = "bold"
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.dpi"] = 200
    plt.rcParams["svg.fonttype"] = "path"  # SVGs render the same without the font installed
    plt.rcParams["pdf.fonttype"] = 42      # embed TrueType in PDFs
    return FONT_FAMILY


def new_figure(width: float = 7.0, height: float = 4.0, **kwargs):
    """A figure and axes with the Thai font active (use instead of ``plt.subplots``).

    The figure is created with :class:`matplotlib.figure.Figure` directly, not
    through pyplot, so batch runs never accumulate open figures. Inside
    :func:`evaluation.charts.lite.lite_figures` (the report page) it is a
    light stand-in drawn straight to SVG (:mod:`evaluation.charts.lite`).
    """
    from .lite import lite_active

    if lite_active():
        from .lite import new_lite_figure

        return new_lite_figure(width, height, **kwargs)
    return _matplotlib_figure(width, height, **kwargs)


def _matplotlib_figure(width: float, height: float, **kwargs):
    """:func:`new_figure` outside the light path: a constrained-layout matplotlib figure."""
    from matplotlib.figure import Figure

    use_thai_font()
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(**kwargs)
    return fig, axes


def pick(lang: str, th: str, en: str) -> str:
    """Choose the Thai or English label; raise a clear error for other languages."""
    if lang == "th":
        return th
    if lang == "en":
        return en
    raise ArgumentError(f"lang must be 'th' or 'en', got {lang!r}")
