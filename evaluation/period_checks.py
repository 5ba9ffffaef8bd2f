"""Warnings for participants' dates far outside their project's period.

The loader already warns about assessment, survey, account-book and savings
dates more than a month outside the project period. :func:`participant_date_warnings`
does the same for ``participants.joined_date`` and ``left_date`` (a joined date
years away is usually a Buddhist-era/CE slip or a typed year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Days of grace before the start and after the end of the project.
GRACE_DAYS = 31
_COLUMNS = ("joined_date", "left_date")


def participant_date_warnings(tables: dict, provs: dict) -> list[dict]:
    """Problems-table rows (warnings) for joined/left dates outside the project period.

    Examples
    --------
    >>> import pandas as pd
    >>> tables = {
    ...     "projects": pd.DataFrame({"project_id": ["P1"],
    ...                               "start_date": [pd.Timestamp("2023-01-01")],
    ...                               "end_date": [pd.Timestamp("2023-12-31")]}),
    ...     "villages": pd.DataFrame({"village_id": ["V1"], "project_id": ["P1"]}),
    ...     "participants": pd.DataFrame({"village_id": ["V1", "V1"],
    ...         "joined_date": [pd.Timestamp("2023-02-01"), pd.Timestamp("1980-02-01")],
    ...         "left_date": [pd.NaT, pd.NaT]})}
    >>> prov = pd.DataFrame({"file": "p.csv", "sheet": None, "row": [2, 3], "headers": [{}] * 2})
    >>> [(w["row"], w["column"]) for w in participant_date_warnings(tables, {"participants": prov})]
    [(3, 'joined_date')]
    """
    people, prov = tables.get("participants"), provs.get("participants")
    if people is None or prov is None or people.empty or len(prov) != len(people):
        return []
    projects = tables["projects"]
    if not {"start_date", "end_date"} <= set(projects.columns):
        return []
    # duplicate ids are reported elsewhere; the first row of each id gives the period here
    periods = projects.drop_duplicates("project_id").set_index("project_id")[
        ["start_date", "end_date"]]
    villages = tables["villages"].drop_duplicates("village_id").set_index("village_id")
    project = people["village_id"].map(villages["project_id"])
    start = project.map(periods["start_date"]) - pd.Timedelta(days=GRACE_DAYS)
    end = project.map(periods["end_date"]) + pd.Timedelta(days=GRACE_DAYS)
    out = []
    for column in _COLUMNS:
        if column not in people.columns:
            continue
        dates = pd.to_datetime(people[column], errors="coerce")
        flag = ((dates < start) | (dates > end)).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(flag):
            headers = prov["headers"].iloc[i]
            header = headers.get(column, column) if isinstance(headers, dict) else column
            out.append(dict(file=prov["file"].iloc[i], sheet=prov["sheet"].iloc[i],
                            row=int(prov["row"].iloc[i]), column=header,
                            value=str(dates.iloc[i].date()),
                            problem="date outside the project period (more than a month "
                                    "before its start or after its end)",
                            problem_code="date_outside_project", severity="warning"))
    return out
