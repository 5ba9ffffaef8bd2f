"""Program-evaluation workbench for Thai community livelihood programs.

The public surface is re-exported here lazily: ``import evaluation`` loads
nothing but this file and pandas-free helpers, and ``evaluation.<name>``
imports the module that defines `name` on first use (PEP 562). See the
README for a tour, ``docs/api.md`` for the conventions and the list of
public functions, and ``docs/`` for the data model and methods.

Layout (imports only go downward):

* io — :mod:`~evaluation.project`, :mod:`~evaluation.schema`,
  :mod:`~evaluation.thai`, :mod:`~evaluation.template`, :mod:`~evaluation.export`;
* analysis (no language, no I/O) — :mod:`~evaluation.stats`,
  :mod:`~evaluation.instruments`, :mod:`~evaluation.happiness`,
  :mod:`~evaluation.finance`, :mod:`~evaluation.ledger`,
  :mod:`~evaluation.savings`, :mod:`~evaluation.households`,
  :mod:`~evaluation.metrics`, :mod:`~evaluation.ladder`,
  :mod:`~evaluation.lessons`, :mod:`~evaluation.text`, :mod:`~evaluation.privacy`;
* :mod:`~evaluation.results` (figures derived once per village view),
  :mod:`~evaluation.i18n` (every label), :mod:`~evaluation.charts`;
* :mod:`~evaluation.reporting` (imported by the report notebooks) and
  :mod:`~evaluation.rendering` (kernels, HTML, batch, index).
"""

from __future__ import annotations

import os as _os
import sys as _sys
import types as _types
from importlib import import_module as _import_module

# Offline by policy: pythainlp must never download at run time.
_os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
_os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from ._version import __version__  # noqa: E402
from .errors import DataValidationError, EvaluationError  # noqa: E402

#: Public name -> module that defines it (imported on first use).
_EXPORTS = {
    # io
    "Project": "project", "load_project": "project", "village_summary": "project",
    "write_template": "template", "write_workbook": "template",
    "format_baht": "formatting", "format_thai_date": "formatting", "parse_date": "thai",
    "parse_money": "thai", "parse_number": "thai", "parse_wave": "thai",
    # instruments and happiness
    "Instrument": "instruments", "InstrumentError": "instruments",
    "get_instrument": "instruments", "load_instrument": "instruments",
    "registry": "instruments", "score_instrument": "instruments",
    "bootstrap_change": "stats", "mcnemar_test": "stats", "paired_test": "stats",
    "attrition": "happiness", "band_transitions": "happiness", "happiness_change": "happiness",
    # finance, ledger, savings
    "FinanceArgumentError": "finance", "cpi_table": "cpi", "deflate": "cpi",
    "finance_change": "finance", "household_finance": "finance", "poverty_change": "finance",
    "poverty_lines": "finance", "poverty_status": "finance",
    "account_keeping": "ledger", "ledger_categories": "ledger", "ledger_monthly": "ledger",
    "savings_balances": "savings", "savings_monthly": "savings", "savings_summary": "savings",
    # ladder and model households
    "MetricResult": "metrics", "metric": "metrics", "metrics_registry": "metrics",
    "Ladder": "ladder", "LadderError": "ladder", "evaluate_ladder": "ladder",
    "indicator_status": "ladder", "ladder_table": "ladder", "parse_ladder": "ladder",
    "read_ladder": "ladder",
    "rank_households": "households", "select_model_households": "households",
    # lessons and privacy
    "PreparedLessons": "lessons", "ThemeResult": "lessons", "code_themes": "lessons",
    "keywords": "lessons", "load_codebook": "lessons", "prepare_lessons": "lessons",
    "quotes": "lessons",
    "names_from_participants": "privacy", "pii_report": "privacy", "redact_frame": "privacy",
    "redact_pii": "privacy", "thai_id_valid": "privacy",
    "domain_words": "text", "extract_ladder_steps": "text", "extract_quantities": "text",
    "normalize_text": "text", "split_sentences": "text", "tokenize": "text",
    # repeated measures, multiplicity, difference-in-differences; indicator tracking, SROI
    "cochran_q": "repeated", "friedman_test": "repeated", "p_adjust": "repeated",
    "pairwise_paired": "repeated", "rm_anova": "repeated", "symmetry_test": "repeated",
    "FewClustersWarning": "did", "did": "did", "age_groups": "ladder",
    "pct_progress": "ladder", "tracking_table": "ladder_export",
    "write_ladder_excel": "ladder_export", "ValueMap": "value_map",
    "ValueMapError": "value_map", "check_value_map": "value_map",
    "parse_value_map": "value_map", "read_value_map": "value_map", "present_value": "sroi",
    "sroi": "sroi", "sroi_sensitivity": "sroi",
    # export
    "html_escape": "export", "html_table": "export", "md_escape": "export",
    "safe_name": "export", "save_figure": "export", "unique_names": "export",
    "write_csv": "export", "write_tables": "export",
    # results, reports and batch
    "headline_figures": "results", "participants_by_role": "results",
    "participants_by_village": "results",
    "participants_chart": "charts.participants",
    "ReportContext": "reporting.context", "report_project": "reporting.context",
    "ReportError": "rendering.notebook", "ReportFailure": "rendering.notebook",
    "render_portfolio_report": "rendering.notebook",
    "render_village_report": "rendering.notebook",
    "WarmKernel": "rendering.kernel",
    "BatchResult": "rendering.batch", "run_batch": "rendering.batch",
}
#: Subpackages and modules reachable as attributes (``ev.charts``, ``ev.schema`` …).
_MODULES = ("charts", "schema", "instruments", "stats", "happiness", "finance", "ledger",
            "savings", "households", "metrics", "ladder", "lessons", "privacy", "text",
            "export", "project", "template", "thai", "results", "i18n", "reporting",
            "rendering", "errors", "synth", "cpi", "formatting")

__all__ = ["__version__", "DataValidationError", "EvaluationError", *_EXPORTS,
           "charts", "instruments", "registry", "schema"]
__all__ = list(dict.fromkeys(__all__))


class _Package(_types.ModuleType):
    """The package module: a submodule named like a public function (``sroi``,
    ``did``) does not replace the function when it is imported."""

    def __setattr__(self, name, value):
        if (isinstance(value, _types.ModuleType) and name in _EXPORTS
                and value.__name__ == f"{__name__}.{name}"):
            return  # the import system binding evaluation.sroi (module) to the package
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(_import_module(f"{__name__}.{module}"), name)
    elif name in _MODULES:
        value = _import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_MODULES))
