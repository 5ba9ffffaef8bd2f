"""Charts with Thai text (Sarabun), one submodule per indicator family.

``evaluation.charts.base`` sets up the font and shared styling; the family
modules build figures: ``happiness`` (waves, slope, change distribution, band
transitions), ``finance`` (before/after, change, savings balance, account
books, poverty share), ``ladder`` (staircase, heat map) and ``lessons``
(keywords, themes heat map, word cloud). Every chart function returns a
:class:`matplotlib.figure.Figure` and takes ``lang="th"`` (default) or
``lang="en"``. Submodules are imported on first use, so ``import
evaluation.charts`` stays light.
"""

from importlib import import_module

from .base import FONT_FAMILY, new_figure, use_thai_font  # noqa: F401

_FAMILIES = ("happiness", "finance", "ladder", "lessons", "participants", "sections")


def __getattr__(name):
    if name in _FAMILIES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
