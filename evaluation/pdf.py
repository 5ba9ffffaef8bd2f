"""Print a rendered report to PDF with headless Chromium (``report.pdf``).

The report's own print stylesheet lays it out for A4 (Thai marks kept with
their line, headings kept with what follows, long tables split between rows
with the header repeated). Chromium prints it without its date/URL header and
footer and without any network access. Chromium is not a Python package: on
Debian ``apt-get install chromium``; :func:`find_chromium` says whether it is
there, and :class:`ChromiumMissingError` says what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import EvaluationError

#: Browser commands tried in order (``EVALUATION_CHROMIUM`` overrides them).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds one page may take to print.
PRINT_TIMEOUT = 300


class PdfError(EvaluationError, RuntimeError):
    """Printing a report to PDF failed."""


class ChromiumMissingError(PdfError):
    """No Chromium (or Chrome) browser to print with."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) command to print with, or None.

    The environment variable ``EVALUATION_CHROMIUM`` names a browser explicitly.

    Examples
    --------
    >>> find_chromium() is None or Path(find_chromium()).name != ""
    True
    """
    explicit = os.environ.get("EVALUATION_CHROMIUM")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The browser command, or :class:`ChromiumMissingError` saying what to install."""
    found = find_chromium()
    if found is None:
        raise ChromiumMissingError(
            "PDF output needs the Chromium browser, which is not installed: on Debian or "
            "Ubuntu run `apt-get install chromium` (or set EVALUATION_CHROMIUM to a Chrome "
            "or Chromium command); the HTML reports are written without it")
    return found


def html_to_pdf(html_path, pdf_path=None, *, chromium: str | None = None,
                timeout: float = PRINT_TIMEOUT) -> Path:
    """Print an HTML file to PDF (A4, no browser header or footer), atomically.

    Parameters
    ----------
    html_path : str or path-like
        A self-contained report page (``report.html``).
    pdf_path : str or path-like, optional
        Where to write (default: next to the page, ``.pdf`` suffix).
    chromium : str, optional
        Browser command (default: :func:`find_chromium`).
    timeout : float
        Seconds allowed.

    Returns
    -------
    pathlib.Path
        The PDF written.

    Raises
    ------
    ChromiumMissingError
        No browser installed (the message says what to install).
    PdfError
        The browser failed or wrote no PDF.
    """
    from .export import atomic_path

    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise PdfError(f"no such page to print: {html_path}")
    pdf_path = Path(pdf_path) if pdf_path is not None else html_path.with_suffix(".pdf")
    binary = chromium or require_chromium()
    with tempfile.TemporaryDirectory(prefix="evaluation-chromium-") as profile, \
            atomic_path(pdf_path, suffix=".pdf") as tmp:
        args = [binary, "--headless", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9",  # the page is self-contained: no network
                "--no-pdf-header-footer", "--print-to-pdf-no-header",  # new and old flag
                f"--user-data-dir={profile}", f"--print-to-pdf={tmp}",
                html_path.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        try:
            run = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish printing {html_path.name} within "
                           f"{timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"cannot run {binary}: {exc}") from exc
        data = tmp.read_bytes() if tmp.exists() else b""
        if run.returncode != 0 or not data.startswith(b"%PDF"):
            tail = (run.stderr or "").strip().splitlines()[-3:]
            raise PdfError(f"Chromium could not print {html_path.name} (exit code "
                           f"{run.returncode}): {' / '.join(tail) or 'no PDF written'}")
    return pdf_path


def print_reports(pages, *, workers: int = 1, chromium: str | None = None) -> list[dict]:
    """Print several report pages, each to a ``.pdf`` next to it.

    Parameters
    ----------
    pages : iterable of path
        ``report.html`` files.
    workers : int, default 1
        Browsers printing at the same time.
    chromium : str, optional
        Browser command (default: :func:`require_chromium`).

    Returns
    -------
    list of dict
        Per page, in order: ``html``, ``pdf`` (None on failure), ``error``
        (None on success).
    """
    from concurrent.futures import ThreadPoolExecutor

    binary = chromium or require_chromium()
    pages = [Path(p) for p in pages]

    def one(page: Path) -> dict:
        try:
            return {"html": page, "pdf": html_to_pdf(page, chromium=binary), "error": None}
        except PdfError as exc:
            return {"html": page, "pdf": None, "error": str(exc)}

    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        return list(pool.map(one, pages))
