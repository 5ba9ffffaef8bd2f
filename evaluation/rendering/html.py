"""Self-contained HTML of an executed report notebook (never imported by notebooks).

nbconvert's HTML exporter in process: code, prompts and the parameter cells
hidden, charts inline (SVG), the Sarabun font embedded (WOFF2 subsets), no script and no URL,
an A4 print stylesheet (``templates/report.css``, ``templates/report.html.j2``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .._version import __version__
from ..i18n import check_lang

__all__ = ["HIDDEN_CELL_TAGS", "TEMPLATES_DIR", "export_html", "report_css"]

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
#: Cell tags removed from the HTML (the executed notebook keeps them).
HIDDEN_CELL_TAGS = ("parameters", "injected-parameters", "remove_cell", "hide")


def _font_css() -> str:
    """Sarabun Regular and Bold, subset to Thai, Latin and punctuation, as WOFF2
    (:func:`evaluation.charts.svg.font_face_css`, made once per process)."""
    from ..charts.svg import font_face_css

    return font_face_css()


@functools.lru_cache(maxsize=1)
def report_css() -> str:
    """The stylesheet of every page: embedded Sarabun (WOFF2 subsets), report style, A4 print."""
    return _font_css() + "\n" + (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")


_IMG_WITHOUT_ALT = re.compile(r"<img\s(?![^>]*\balt\s*=)", re.I)


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    class DropStderr(Preprocessor):
        """Warnings printed to stderr stay in report.ipynb, not in the HTML."""

        def preprocess_cell(self, cell, resources, index):
            if cell.get("cell_type") == "code":
                cell.outputs = [o for o in cell.get("outputs", [])
                                if not (o.get("output_type") == "stream"
                                        and o.get("name") == "stderr")]
            return cell, resources

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup pass over the page.

        That pass (~0.1 s for a report) only gives pictures without alternative
        text a placeholder one and makes notebook cells focusable (tabindex)
        for JupyterLab; report pictures carry their title as alternative text,
        and the placeholder is added here with a regular expression instead.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            try:
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
            except ImportError:  # pragma: no cover - other nbconvert layout
                return super().from_notebook_node(nb, resources, **kw)
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            body = _IMG_WITHOUT_ALT.sub(
                '<img alt="No description has been provided for this image" ', body)
            return body, resources

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    c.CSSHTMLHeaderPreprocessor.enabled = False
    # validate the notebook once after the preprocessors, not after each of the 13
    c.HTMLExporter.optimistic_validation = True
    exporter = ReportExporter(config=c, template_name="lab",
                              extra_template_paths=[str(TEMPLATES_DIR)])
    exporter.template_file = "report.html.j2"
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.register_preprocessor(DropStderr(), enabled=True)
    return exporter


def export_html(nb, *, title: str = "", lang: str = "th") -> str:
    """Self-contained HTML of an executed notebook.

    Code, input prompts and the ``parameters`` / ``injected-parameters`` cells
    are hidden; pictures are inline (base64); the Sarabun font is embedded;
    the page contains no script and no link to any other resource, so it
    opens the same offline. Cells tagged ``remove_cell`` or ``hide`` are
    dropped too.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    title : str
        Page title (escaped).
    lang : {"th", "en"}
        Page language (``<html lang>``).

    Returns
    -------
    str
        The HTML document.
    """
    check_lang(lang)
    resources = {"evaluation": {"title": title or "Report", "lang": lang, "css": report_css(),
                                "version": __version__}}
    # no copy here: nbconvert works on its own deep copy and leaves `nb` as it was
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body
