"""ODK Central CSV/ZIP exports: metadata columns and repeat CSVs.

The submissions file has ``SubmissionDate``, the questions with group paths
joined by ``-`` (``ident-village_id``), ``meta-instanceID``, ``KEY`` and the
review columns; each repeat group is another CSV (``<form>-<repeat>.csv`` in
the ZIP) whose rows carry ``PARENT_KEY`` (the ``KEY`` of the parent row) and
their own ``KEY`` (``uuid:…/member[1]``).
"""

from __future__ import annotations

import numpy as np

from .sheets import Sheet

SIGNATURE = ("KEY", "SubmissionDate", "meta-instanceID", "PARENT_KEY")

ROLES = {"KEY": "key", "PARENT_KEY": "parent_key", "SubmissionDate": "submitted",
         "ReviewState": "status", "meta-instanceID": "uuid"}

IGNORED = {
    "SubmitterID": "Central account number of the enumerator",
    "SubmitterName": "Central account name of the enumerator",
    "AttachmentsPresent": "media count",
    "AttachmentsExpected": "media count",
    "Status": "upload status",
    "DeviceID": "device id",
    "Edits": "number of edits in Central",
    "FormVersion": "form version",
    "meta-instanceName": "instance name",
    "meta-audit": "audit log",
    "meta-deprecatedID": "id of the replaced version",
    "start": "form opened at (device clock)",
    "end": "form closed at (device clock)",
    "today": "device date",
    "deviceid": "device id",
}

#: Review states excluded by default (like Kobo's "not approved").
REJECTED = {"rejected"}


def is_odk(sheet: Sheet) -> bool:
    cols = set(sheet.frame.columns)
    return "KEY" in cols and ("SubmissionDate" in cols or "PARENT_KEY" in cols
                              or "meta-instanceID" in cols)


def ignored_reason(header: str) -> str | None:
    if header in IGNORED:
        return IGNORED[header]
    if header.startswith("meta-"):
        return "form metadata"
    if header.endswith("@odata.navigationLink") or header.endswith("_count"):
        return "repeat bookkeeping column"
    return None


def link(sheets: list[Sheet], problems: list[dict]) -> None:
    """Attach repeat CSVs to the sheet holding their PARENT_KEY values as KEY."""
    keyed = {}
    for s in sheets:
        if "KEY" in s.frame.columns:
            for i, k in enumerate(s.frame["KEY"]):
                if k is not None:
                    keyed[k] = (s, i)
    for s in sheets:
        if "PARENT_KEY" not in s.frame.columns:
            continue
        parents = {keyed[k][0].where: keyed[k][0] for k in s.frame["PARENT_KEY"] if k in keyed}
        if len(parents) != 1:
            problems.append(dict(file=s.file, sheet=s.sheet, row=None, column="PARENT_KEY",
                                 value=None, severity="error",
                                 problem="repeat CSV whose parent file (rows with these KEY "
                                         "values) is not among the exports given"
                                 if not parents else "PARENT_KEY points into several files"))
            continue
        parent = next(iter(parents.values()))
        pos = np.array([keyed[k][1] if k in keyed and keyed[k][0] is parent else -1
                        for k in s.frame["PARENT_KEY"]], dtype=int)
        for i in np.flatnonzero(pos < 0):
            problems.append(dict(file=s.file, sheet=s.sheet, row=int(s.rows[i]),
                                 column="PARENT_KEY", value=s.frame["PARENT_KEY"].iloc[i],
                                 severity="error",
                                 problem="no row with this KEY in the parent file: the repeat "
                                         "row cannot be joined"))
        s.parent, s.parent_pos = parent, pos
        parent.children.append(s)
