"""The village summary card: one page per village, for thousands of villages.

The card is the village report without charts and without the long
sections: the cover (titled as a summary card), the key results with n and
95% intervals, the ladder indicators as a table, data quality and methods.
``notebooks/village_card.ipynb`` calls these sections cell by cell;
:func:`run_card_sections` does the same in one call.
"""

from __future__ import annotations

from .. import results as R
from .methods import section_data_quality, section_methods
from .village import section_cover, section_key_results, section_ladder

__all__ = ["CARD_SECTIONS", "run_card_sections"]

#: Sections of the card, in order.
CARD_SECTIONS = ("cover", "key_results", "ladder", "data_quality", "methods")


def run_card_sections(project, ctx, *, village_id: str | None = None, lang: str | None = None,
                      parameters: dict | None = None) -> dict:
    """Run the card's sections in order (what ``village_card.ipynb`` does cell by cell).

    Parameters
    ----------
    project : Project
        A village view (``proj.village("V01")``) or a project with `village_id`.
    ctx : ReportContext
    village_id, lang : str, optional
    parameters : dict, optional
        Report parameters listed by the methods section.

    Returns
    -------
    dict
        ``{section_name: returned dict}`` for :data:`CARD_SECTIONS`.

    Examples
    --------
    >>> import tempfile, evaluation as ev
    >>> from evaluation.reporting import ReportContext, report_project
    >>> ctx = ReportContext(tempfile.mkdtemp(), lang="th", formats="png", display=False)
    >>> out = run_card_sections(report_project("data/sample").village("V01"), ctx)
    >>> list(out), out["key_results"]["status"]
    (['cover', 'key_results', 'ladder', 'data_quality', 'methods'], 'on_track')
    """
    v = R.one_village(project, village_id)
    return {"cover": section_cover(v, ctx, lang=lang, kind="card"),
            "key_results": section_key_results(v, ctx, lang=lang),
            "ladder": section_ladder(v, ctx, lang=lang, chart=False),
            "data_quality": section_data_quality(v, ctx, lang=lang),
            "methods": section_methods(v, ctx, lang=lang, parameters=parameters)}
