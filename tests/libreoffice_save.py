"""Open a workbook in LibreOffice Calc as a user would, type into cells, save as .xlsx.

Run with a Python that has LibreOffice's ``uno`` module (Debian: ``python3-uno``,
i.e. ``/usr/bin/python3``), not the project's virtualenv::

    /usr/bin/python3 tests/libreoffice_save.py IN.xlsx OUT.xlsx PROFILE_DIR \
        'ผู้เข้าร่วม!A2=007' ...

Unlike ``soffice --convert-to``, the document is opened with a view (headless, but
not hidden), so view settings such as frozen panes are written back the way the
LibreOffice application writes them. Each ``SHEET!CELL=TEXT`` argument is typed
into the cell the way a user types (the ``.uno:EnterString`` command, which honours
the cell's format: a General cell turns ``007`` into the number 7, a text cell keeps
``007``; the API's ``setFormula`` would ignore the text format).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    import uno  # LibreOffice's Python bridge: only in the system Python
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    src, dst, profile = (os.path.abspath(a) for a in argv[:3])
    typed = [a.partition("=") for a in argv[3:]]
    pipe = f"evaluation-test-{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--norestore", "--nologo", "--nodefault",
         f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
         f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 120
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 (not up yet)
                if time.monotonic() > deadline or office.poll() is not None:
                    print("LibreOffice did not start", file=sys.stderr)
                    return 3
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0,
                                           (prop("Hidden", False),))
        controller = doc.CurrentController
        dispatcher = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", ctx)
        for where, _, text in typed:
            sheet, _, cell = where.partition("!")
            controller.setActiveSheet(doc.Sheets.getByName(sheet))
            controller.select(doc.Sheets.getByName(sheet).getCellRangeByName(cell))
            dispatcher.executeDispatch(controller.Frame, ".uno:EnterString", "", 0,
                                       (prop("StringName", text),))
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc Office Open XML"),))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 (the bridge closes as the office quits)
            pass
    finally:
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
