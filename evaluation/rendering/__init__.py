"""Turning report notebooks into report folders (never imported by the notebooks).

* :mod:`~evaluation.rendering.kernel` — :class:`WarmKernel` (started once,
  reset between reports) and the in-kernel reset;
* :mod:`~evaluation.rendering.engine` — the papermill engine
  ``evaluation-warm`` (registered through the ``papermill.engine`` entry point);
* :mod:`~evaluation.rendering.notebook` — :func:`render_notebook`,
  :func:`render_village_report`, :func:`render_portfolio_report`, the typed
  failure record :class:`ReportFailure` and :class:`ReportError`;
* :mod:`~evaluation.rendering.html` — the self-contained HTML export;
* :mod:`~evaluation.rendering.batch` — :func:`run_batch` over every village;
* :mod:`~evaluation.rendering.index` — ``index.html`` from a Jinja template.
"""

import sys

# jsonschema (imported by nbformat, so by papermill and nbconvert) imports the
# optional IRI checker rfc3987_syntax, which builds a Lark parser at import: 2.8 s
# of every batch, worker and report process. Notebooks never hold IRI-format
# fields, so the rendering processes do without it (jsonschema skips a checker
# whose import fails); a process that already imported jsonschema is left alone.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

# papermill loads its engines' entry points while it is imported, ours included
# (evaluation.rendering.engine): import it before any submodule so that importing
# evaluation.rendering.engine first does not meet itself half-initialised.
import papermill  # noqa: F401

from .batch import BatchResult, run_batch
from .index import write_index
from .kernel import WarmKernel
from .notebook import (RenderResult, ReportError, ReportFailure, default_notebook,
                       describe_error, render_notebook, render_portfolio_report,
                       render_village_report)

__all__ = ["BatchResult", "RenderResult", "ReportError", "ReportFailure", "WarmKernel",
           "default_notebook", "describe_error", "render_notebook", "render_portfolio_report",
           "render_village_report", "run_batch", "write_index"]
