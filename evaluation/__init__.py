"""Program-evaluation workbench for Thai community livelihood programs.

The public surface is re-exported here; see the README for a tour and
``docs/`` for the data model and methods.
"""

from __future__ import annotations

import os as _os

# Offline by policy: pythainlp must never download at run time.
_os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
_os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

__version__ = "0.1.0"

from .errors import DataValidationError, EvaluationError  # noqa: E402

# --- project / loading (issue 2) ---
# [block:project]
from .project import Project, load_project, village_summary  # noqa: E402
from .template import write_template, write_workbook  # noqa: E402
from . import charts, schema  # noqa: E402
# --- thai normalisers (issue 2) ---
# [block:thai]
from .thai import (  # noqa: E402
    format_baht,
    format_thai_date,
    parse_date,
    parse_money,
    parse_number,
    parse_wave,
)
# --- instruments & happiness (issue 3) ---
# [block:happiness]
from . import instruments  # noqa: E402
from .instruments import (  # noqa: E402
    Instrument,
    InstrumentError,
    get_instrument,
    load_instrument,
    registry,
    score_instrument,
)
# --- statistics (issue 3) ---
# [block:stats]
from .stats import bootstrap_change, mcnemar_test, paired_test  # noqa: E402
from .happiness import attrition, band_transitions, happiness_change  # noqa: E402
# --- repeated measures, multiplicity, difference-in-differences (issue 13) ---
from .repeated import (  # noqa: E402
    cochran_q, friedman_test, p_adjust, pairwise_paired, rm_anova, symmetry_test,
)
from .did import FewClustersWarning, did  # noqa: E402
# --- finance, ledger, savings (issue 4) ---
# [block:finance]
from .finance import (  # noqa: E402
    FinanceArgumentError, cpi_table, deflate, finance_change, household_finance,
    poverty_change, poverty_lines, poverty_status,
)
from .ledger import account_keeping, ledger_categories, ledger_monthly  # noqa: E402
from .savings import savings_balances, savings_monthly, savings_summary  # noqa: E402
# --- ladder & model households (issue 4) ---
# [block:ladder]
from .metrics import MetricResult, metric, metrics_registry  # noqa: E402
from .ladder import (  # noqa: E402
    Ladder, LadderError, evaluate_ladder, indicator_status, ladder_table, parse_ladder,
    read_ladder,
)
from .households import rank_households, select_model_households  # noqa: E402
# --- indicator tracking & SROI (issue 14) ---
# [block:sroi]
from .ladder import age_groups, pct_progress  # noqa: E402
from .ladder_export import tracking_table, write_ladder_excel  # noqa: E402
from .value_map import (  # noqa: E402
    ValueMap, ValueMapError, check_value_map, parse_value_map, read_value_map,
)
from .sroi import present_value, sroi, sroi_sensitivity  # noqa: E402
# --- lessons & privacy (issue 5) ---
# [block:lessons]
from .lessons import (  # noqa: E402
    PreparedLessons,
    ThemeResult,
    code_themes,
    keywords,
    load_codebook,
    prepare_lessons,
    quotes,
)
from .privacy import (  # noqa: E402
    names_from_participants,
    pii_report,
    redact_frame,
    redact_pii,
    thai_id_valid,
)
from .text import (  # noqa: E402
    domain_words,
    extract_ladder_steps,
    extract_quantities,
    normalize_text,
    split_sentences,
    tokenize,
)
# --- charts & export (issues 3-6) ---
# [block:export]
from .export import (  # noqa: E402
    html_escape, html_table, md_escape, safe_name, save_figure, unique_names, write_csv,
    write_tables,
)
# --- reports & batch (issues 6-7) ---
# [block:report]
from .report import (  # noqa: E402
    ReportContext, ReportError, WarmKernel, participants_by_role, participants_by_village,
    participants_chart, render_portfolio_report, render_village_report, report_project,
)
from .batch import BatchResult, run_batch  # noqa: E402


# The public surface (re-exported above).
__all__ = [
    "__version__",
    "DataValidationError",
    "EvaluationError",
    "Project",
    "load_project",
    "village_summary",
    "write_template",
    "write_workbook",
    "charts",
    "schema",
    "format_baht",
    "format_thai_date",
    "parse_date",
    "parse_money",
    "parse_number",
    "parse_wave",
    "instruments",
    "Instrument",
    "InstrumentError",
    "get_instrument",
    "load_instrument",
    "registry",
    "score_instrument",
    "bootstrap_change",
    "mcnemar_test",
    "paired_test",
    "attrition",
    "band_transitions",
    "happiness_change",
    "cochran_q",
    "friedman_test",
    "p_adjust",
    "pairwise_paired",
    "rm_anova",
    "symmetry_test",
    "FewClustersWarning",
    "did",
    "FinanceArgumentError",
    "cpi_table",
    "deflate",
    "finance_change",
    "household_finance",
    "poverty_change",
    "poverty_lines",
    "poverty_status",
    "account_keeping",
    "ledger_categories",
    "ledger_monthly",
    "savings_balances",
    "savings_monthly",
    "savings_summary",
    "MetricResult",
    "metric",
    "metrics_registry",
    "Ladder",
    "LadderError",
    "evaluate_ladder",
    "indicator_status",
    "ladder_table",
    "parse_ladder",
    "read_ladder",
    "age_groups",
    "pct_progress",
    "tracking_table",
    "write_ladder_excel",
    "ValueMap",
    "ValueMapError",
    "check_value_map",
    "parse_value_map",
    "read_value_map",
    "present_value",
    "sroi",
    "sroi_sensitivity",
    "rank_households",
    "select_model_households",
    "PreparedLessons",
    "ThemeResult",
    "code_themes",
    "keywords",
    "load_codebook",
    "prepare_lessons",
    "quotes",
    "names_from_participants",
    "pii_report",
    "redact_frame",
    "redact_pii",
    "thai_id_valid",
    "domain_words",
    "extract_ladder_steps",
    "extract_quantities",
    "normalize_text",
    "split_sentences",
    "tokenize",
    "html_escape",
    "html_table",
    "md_escape",
    "safe_name",
    "save_figure",
    "unique_names",
    "write_csv",
    "write_tables",
    "ReportContext",
    "ReportError",
    "WarmKernel",
    "participants_by_role",
    "participants_by_village",
    "participants_chart",
    "render_portfolio_report",
    "render_village_report",
    "report_project",
    "BatchResult",
    "run_batch",
]
