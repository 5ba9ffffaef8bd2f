"""Report content: one function per section of the village and portfolio reports.

The report notebooks stay thin: a parameters cell, then one call per section
with a :class:`~evaluation.report.ReportContext`::

    import evaluation as ev
    from evaluation import sections as S
    proj = ev.report_project(data_dir)
    v = proj.village(village_id)
    ctx = ev.ReportContext(out_dir, lang=lang)
    S.section_cover(v, ctx)
    S.section_key_results(v, ctx)
    ...
    ctx.finalize()

Every section computes with the library, shows titled charts (saved as
files by the context) with a plain-language sentence under each, tables
with Thai (or English) headers, estimates with n and 95% intervals, and
returns a small dict of the numbers it showed. Sections with no data show a
short explanation instead of failing. Text from the data is escaped by the
context; lessons texts are redacted unless ``show_raw_text=True``.
"""

from .comparison import section_comparison, three_waves_block
from .charts import accounts_by_month, forest_plot, keyword_bars, theme_bars, theme_heatmap
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
    section_data_quality,
    section_happiness,
    section_key_results,
    section_ladder,
    section_lessons,
    section_methods,
    section_money,
)

__all__ = [
    "PORTFOLIO_SECTIONS",
    "VILLAGE_SECTIONS",
    "accounts_by_month",
    "forest_plot",
    "keyword_bars",
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
    "theme_bars",
    "theme_heatmap",
    "three_waves_block",
]
