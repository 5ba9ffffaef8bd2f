"""Charts with Thai text (Sarabun), one submodule per indicator family.

``evaluation.charts.base`` sets up the font and shared styling; family
modules (``happiness``, ``finance``, ``ladder``, ``lessons``) build figures.
Every chart function returns a :class:`matplotlib.figure.Figure` and takes
``lang="th"`` (default) or ``lang="en"``.
"""

from .base import FONT_FAMILY, new_figure, use_thai_font  # noqa: F401
