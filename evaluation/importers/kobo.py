"""KoboToolbox exports: metadata columns, validation status and repeat-group sheets.

A Kobo XLSX export has one sheet for the submissions and one per repeat
group; each repeat row carries ``_parent_table_name`` and ``_parent_index``
(the ``_index`` of its parent row) plus copies of the submission's metadata
(``_submission__uuid`` ...). A CSV export (``;`` by default) holds the
submissions only. Headers are XML names or labels, with group paths joined by
``/`` (or ``.``) when "include groups in headers" is chosen.
"""

from __future__ import annotations

import numpy as np

from .sheets import Sheet

#: Columns that identify a Kobo export (any one of them).
SIGNATURE = ("_uuid", "_submission_time", "_parent_index", "_validation_status")

#: Metadata a role is taken from (header -> role).
ROLES = {"_uuid": "uuid", "_submission_time": "submitted", "_validation_status": "status",
         "_index": "index", "_parent_index": "parent_index",
         "_parent_table_name": "parent_table"}

#: Metadata deliberately not imported, with the reason printed by ``evaluation import``.
IGNORED = {
    "_id": "Kobo record number (the submission is identified by _uuid)",
    "_submitted_by": "account of the enumerator (not participant data)",
    "__version__": "form version",
    "_version_": "form version",
    "_notes": "Kobo review notes",
    "_tags": "Kobo review tags",
    "_status": "Kobo storage status",
    "_geolocation": "GPS point (not used by the workbench)",
    "_attachments": "media file list",
    "_xform_id_string": "form id",
    "_duration": "time spent filling the form",
    "start": "form opened at (device clock)",
    "end": "form closed at (device clock)",
    "today": "device date",
    "deviceid": "device id",
    "username": "device user name",
    "audit": "audit log",
    "meta/instanceID": "submission id (same as _uuid)",
    "meta/rootUuid": "submission id of the first version",
    "meta/deprecatedID": "id of the replaced version",
    "formhub/uuid": "form id",
}

NOT_APPROVED = {"validation_status_not_approved", "not approved", "ไม่อนุมัติ"}


def is_kobo(sheet: Sheet) -> bool:
    return any(h in sheet.frame.columns for h in SIGNATURE)


def ignored_reason(header: str) -> str | None:
    """Why a Kobo metadata column is not imported (None: not metadata)."""
    if header in IGNORED:
        return IGNORED[header]
    if header.startswith("_submission_"):
        return "copy of the submission's metadata in a repeat sheet"
    leaf = header.replace(".", "/").split("/")[-1]
    if leaf in ("instanceID", "instanceName", "rootUuid", "deprecatedID") or header.startswith(
            ("meta/", "meta.", "formhub/")):
        return "form metadata"
    return None


def link(sheets: list[Sheet], problems: list[dict]) -> None:
    """Attach repeat sheets to their parent through _parent_table_name/_parent_index."""
    by_name = {s.sheet: s for s in sheets if s.sheet}
    mains = [s for s in sheets if "_parent_index" not in s.frame.columns]
    for s in sheets:
        if "_parent_index" not in s.frame.columns:
            continue
        names = s.frame.get("_parent_table_name")
        name = next((n for n in (names if names is not None else []) if n), None)
        parent = by_name.get(name)
        if parent is None or parent is s:
            parent = mains[0] if len(mains) == 1 else None
        if parent is None or "_index" not in parent.frame.columns:
            problems.append(dict(file=s.file, sheet=s.sheet, row=None, column="_parent_index",
                                 value=name, severity="error",
                                 problem="repeat-group sheet whose parent sheet (with an "
                                         "_index column) is not in the export"))
            continue
        index = {v: i for i, v in enumerate(parent.frame["_index"]) if v is not None}
        pos = np.array([index.get(v, -1) for v in s.frame["_parent_index"]], dtype=int)
        for i in np.flatnonzero(pos < 0):
            problems.append(dict(file=s.file, sheet=s.sheet, row=int(s.rows[i]),
                                 column="_parent_index", value=s.frame["_parent_index"].iloc[i],
                                 severity="error",
                                 problem=f"no row with this _index in the parent sheet "
                                         f"{parent.sheet!r}: the repeat row cannot be joined"))
        s.parent, s.parent_pos = parent, pos
        parent.children.append(s)
