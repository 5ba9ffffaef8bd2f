"""What the report notebooks import: the context, the formatters and one
function per report section.

The notebooks stay thin: a parameters cell, then one call per section::

    from evaluation import reporting as R
    ctx = R.ReportContext(out_dir, lang=lang, formats=chart_formats)
    project = R.report_project(data_dir)
    v = project.village(village_id)
    R.section_cover(v, ctx)
    R.section_key_results(v, ctx)
    ...
    ctx.finalize()

Modules: :mod:`~evaluation.reporting.context` (:class:`ReportContext`,
:func:`report_project`), :mod:`~evaluation.reporting.fmt` (every number,
date, interval and p-value format), :mod:`~evaluation.reporting.headline`
(``headline.json``), :mod:`~evaluation.reporting.village`,
:mod:`~evaluation.reporting.money`,
:mod:`~evaluation.reporting.methods`, :mod:`~evaluation.reporting.portfolio`
and :mod:`~evaluation.reporting.card` (the sections). Nothing here starts a
kernel or writes HTML: that is :mod:`evaluation.rendering`.

Every section computes with the library, shows titled charts (inline SVG
in the page; files on request) with a plain-language sentence under each,
tables with Thai (or English) headers, estimates with n and 95% intervals,
and returns a small dict of the numbers it showed. Sections with no data
show a short explanation instead of failing.
:mod:`~evaluation.reporting.chart_files` writes one village's chart files
without a report (``evaluation charts``). Text from the data is escaped by the
context; lessons texts are redacted unless ``show_raw_text=True``.
"""

from .card import CARD_SECTIONS, run_card_sections
from .comparison import section_comparison, three_waves_block
from .context import ReportContext, SectionArgumentError, report_project
from .methods import section_data_quality, section_methods
from .portfolio import (
    PORTFOLIO_SECTIONS,
    run_portfolio_sections,
    section_finance_by_village,
    section_happiness_forest,
    section_ladder_disaggregation,
    section_ladder_heatmap,
    section_model_households,
    section_portfolio_cover,
    section_portfolio_data_quality,
    section_themes_across,
    section_village_table,
)
from .sroi import section_sroi
from .village import (
    VILLAGE_SECTIONS,
    run_village_sections,
    section_accounts,
    section_cover,
    section_happiness,
    section_key_results,
    section_ladder,
    section_lessons,
    section_money,
)

__all__ = [
    "CARD_SECTIONS",
    "PORTFOLIO_SECTIONS",
    "ReportContext",
    "SectionArgumentError",
    "VILLAGE_SECTIONS",
    "report_project",
    "run_card_sections",
    "run_portfolio_sections",
    "run_village_sections",
    "section_accounts",
    "section_comparison",
    "section_cover",
    "section_data_quality",
    "section_finance_by_village",
    "section_happiness",
    "section_happiness_forest",
    "section_key_results",
    "section_ladder",
    "section_ladder_disaggregation",
    "section_ladder_heatmap",
    "section_sroi",
    "section_lessons",
    "section_methods",
    "section_model_households",
    "section_money",
    "section_portfolio_cover",
    "section_portfolio_data_quality",
    "section_themes_across",
    "section_village_table",
    "three_waves_block",
]
