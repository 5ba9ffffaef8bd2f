"""Real-browser check of a rendered report: headless Chromium, networking off.

The page must load with no failed request and no request leaving the
machine, and the Thai heading must be laid out with the embedded Sarabun
font (asked from Chromium through the DevTools protocol:
``CSS.getPlatformFontsForNode``). A screenshot is taken and checked.

Chromium is driven over ``--remote-debugging-pipe`` (file descriptors 3 and
4, NUL-terminated JSON), so no extra Python package and no TCP port are
needed. The test is skipped, with the reason shown, where no Chromium is
installed (``.ci/run`` installs the Debian package ``chromium``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import evaluation as ev

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "informal-workers"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (install the Debian package 'chromium'; .ci/run does)")


class Chromium:
    """Minimal DevTools-protocol client over --remote-debugging-pipe."""

    def __init__(self, binary: str, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
            import fcntl

            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)  # out of the way of 3/4
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # dup2 makes them inheritable: they survive exec
            os.dup2(high_w, 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
                "--remote-debugging-pipe", f"--user-data-dir={profile}",
                "--window-size=1200,1600", "about:blank"]
        # close_fds=False: the fds made in preexec_fn must not be closed after it runs
        # (the pipe ends themselves are close-on-exec, so nothing else leaks)
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=wire_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float = 30) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return ev.render_village_report(SAMPLE, "V01", out)  # default: charts inline, no files


@needs_chromium
def test_report_loads_offline_with_the_embedded_thai_font(report_html, tmp_path):
    browser = Chromium(CHROMIUM, tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "DOM", "CSS", "Runtime"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": report_html.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=60)
        # fonts finished loading (data: URLs, so nothing to wait for over the network)
        status = browser.send("Runtime.evaluate", {
            "expression": "document.fonts.ready.then(() => document.fonts.status)",
            "awaitPromise": True, "returnByValue": True}, session=session)
        assert status["result"]["value"] == "loaded"

        events = browser.events
        requests = [e["params"]["request"]["url"] for e in events
                    if e.get("method") == "Network.requestWillBeSent"]
        failed = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]
        assert requests and requests[0] == report_html.as_uri()
        assert all(url.startswith(("file:", "data:")) for url in requests), requests
        assert failed == []

        # the Thai heading is laid out with Sarabun only (no fallback font for any glyph)
        root = browser.send("DOM.getDocument", session=session)["root"]["nodeId"]
        heading = browser.send("DOM.querySelector", {"nodeId": root, "selector": "h1"},
                               session=session)["nodeId"]
        assert heading
        text = browser.send("Runtime.evaluate", {
            "expression": "document.querySelector('h1').textContent",
            "returnByValue": True}, session=session)["result"]["value"]
        assert "รายงาน" in text and "บ้านดอนมะไฟ" in text
        fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": heading},
                             session=session)["fonts"]
        assert fonts, "no font information for the heading"
        assert {f["familyName"] for f in fonts} == {"Sarabun"}, fonts
        assert all(f["isCustomFont"] for f in fonts)  # the embedded @font-face, not a system font
        body_fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": browser.send(
            "DOM.querySelector", {"nodeId": root, "selector": "dl.ev-facts dd"},
            session=session)["nodeId"]}, session=session)["fonts"]
        assert {f["familyName"] for f in body_fonts} == {"Sarabun"}

        # every table fits the page width (none needs sideways scrolling); every chart
        # (inline SVG) is drawn: a box of its own, inside the column, with its text
        layout = browser.send("Runtime.evaluate", {"expression": """(() => {
            const wraps = [...document.querySelectorAll('.ev-table-wrap')];
            const charts = [...document.querySelectorAll('figure.ev-figure svg.ev-chart')];
            const main = document.querySelector('main').getBoundingClientRect().width;
            const boxes = charts.map(c => c.getBoundingClientRect());
            return {tables: wraps.length,
                    overflowing: wraps.filter(w => w.scrollWidth > w.clientWidth + 1)
                                      .map(w => w.querySelector('caption')?.textContent),
                    charts: charts.length,
                    empty: boxes.filter(b => b.width < 100 || b.height < 60).length,
                    tooWide: boxes.filter(b => b.width > main + 1).length,
                    noText: charts.filter(c => {
                        const t = [...c.querySelectorAll('text')];
                        return !t.length || t.every(e => e.getBBox().width === 0);
                    }).length,
                    images: document.querySelectorAll('img').length,
                    ids: [...document.querySelectorAll('[id]')].map(e => e.id)};
        })()""", "returnByValue": True}, session=session)["result"]["value"]
        assert layout["tables"] >= 10 and layout["charts"] >= 10, layout["charts"]
        assert layout["overflowing"] == [], layout["overflowing"]
        assert layout["empty"] == 0 and layout["tooWide"] == 0 and layout["noText"] == 0
        assert layout["images"] == 0  # no picture files and no base64 pictures
        assert len(layout["ids"]) == len(set(layout["ids"]))  # valid HTML: ids unique

        # chart text is laid out by Chromium with the embedded Sarabun, Thai included
        title = browser.send("DOM.querySelector", {
            "nodeId": root, "selector": "figure.ev-figure svg.ev-chart text"},
            session=session)["nodeId"]
        chart_fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": title},
                                   session=session)["fonts"]
        assert {f["familyName"] for f in chart_fonts} == {"Sarabun"}, chart_fonts
        assert all(f["isCustomFont"] for f in chart_fonts)

        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        png = base64.b64decode(shot["data"])
        (tmp_path / "report.png").write_bytes(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a page, not a blank

        # print layout: A4 pages (210 x 297 mm = 8.27 x 11.69 in)
        pdf = browser.send("Page.printToPDF", {"preferCSSPageSize": True}, session=session,
                           timeout=60)
        data = base64.b64decode(pdf["data"])
        assert data[:5] == b"%PDF-"
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
        assert boxes, "no page size in the printed PDF"
        for width, height in boxes:  # A4 = 595.3 x 841.9 points (72 per inch)
            assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5
        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(data)).pages)
        # a sane page count: the sample village's report is about 15 pages of A4; every
        # chart printed whole (no chart cut over pages, none blown up to a page each)
        assert layout["charts"] // 3 <= pages <= layout["charts"] + 15, pages
    finally:
        browser.close()


@needs_chromium
def _light_text_svg():
    from evaluation.charts.base import new_figure
    from evaluation.charts.lite import is_lite, lite_figures
    from thai_shaping import FONT_PT, THAI_TEXT

    with lite_figures():
        fig, ax = new_figure(12, 1.6)
        ax.set_axis_off()
        ax.text(0.02, 0.35, THAI_TEXT, fontsize=FONT_PT, transform=ax.transAxes)
    assert is_lite(fig)
    return fig.to_svg(prefix="t-")


@needs_chromium
@pytest.mark.parametrize("drawn_by", ["matplotlib", "light"])
def test_inline_chart_text_is_shaped_like_harfbuzz_in_chromium(tmp_path, drawn_by):
    """The page's charts keep their text as text, drawn by Chromium with the embedded
    Sarabun subset: the Thai test string must look like HarfBuzz's rendering of it
    (tone marks, upper and lower vowels, sara am; see tests/thai_shaping.py), whether
    matplotlib wrote the SVG or the light path (evaluation.charts.litesvg) did."""
    import io

    from PIL import Image

    from evaluation.charts.svg import figure_svg
    from evaluation.rendering.html import report_css
    from thai_shaping import compare_ink, ink, reference_image, text_figure

    svg = figure_svg(text_figure(), prefix="t-") if drawn_by == "matplotlib" \
        else _light_text_svg()
    # the chart at its own size (1 CSS px per SVG px: 64 px text), like in a report
    page = tmp_path / "chart.html"
    page.write_text(f"<!DOCTYPE html><html lang=\"th\"><head><meta charset=\"utf-8\">"
                    f"<style>{report_css()} body{{max-width:none;margin:0;padding:0}} "
                    f"figure.ev-figure{{margin:0}} "
                    f"figure.ev-figure svg.ev-chart{{max-width:none}}</style></head>"
                    f"<body><main><figure class=\"ev-figure\">{svg}</figure></main></body></html>",
                    encoding="utf-8")
    browser = Chromium(CHROMIUM, tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=60)
        box = browser.send("Runtime.evaluate", {
            "expression": "document.fonts.ready.then(() => { const r = document.querySelector("
                          "'svg.ev-chart').getBoundingClientRect(); return [r.x, r.y, r.width, "
                          "r.height]; })",
            "awaitPromise": True, "returnByValue": True}, session=session)["result"]["value"]
        shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": {
            "x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}},
            session=session)
    finally:
        browser.close()
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"])))
    image.save(tmp_path / "chart.png")
    overall, worst = compare_ink(ink(image), ink(reference_image()))
    assert overall > 0.7 and worst > 0.5, (overall, worst)
