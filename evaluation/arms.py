"""Program and comparison villages (the optional ``villages.arm`` column).

A comparison village (กลุ่มเปรียบเทียบ) is surveyed like a program village
(participants, happiness, finance) but receives no program: it has no outcome
ladder, account books or savings groups, never appears in ladder results, and
serves :func:`evaluation.did` as the counterfactual trend.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ARMS", "arm_of_villages", "comparison_mask", "comparison_village_ids",
           "program_village_ids"]

#: Canonical arm values (a blank arm means a program village).
ARMS = ("program", "comparison")


def comparison_mask(villages: pd.DataFrame) -> pd.Series:
    """True for the comparison villages of a villages table (False when there is no ``arm``)."""
    if villages is None or "arm" not in getattr(villages, "columns", ()):
        return pd.Series(False, index=getattr(villages, "index", None), dtype=bool)
    return villages["arm"].astype(object).eq("comparison").fillna(False).astype(bool)


def arm_of_villages(villages: pd.DataFrame) -> pd.Series:
    """``"program"`` or ``"comparison"`` per village (blank or absent ``arm``: program).

    Examples
    --------
    >>> import pandas as pd
    >>> arm_of_villages(pd.DataFrame({"village_id": ["V1", "C1"], "arm": [None, "comparison"]})).tolist()
    ['program', 'comparison']
    """
    mask = comparison_mask(villages)
    return pd.Series(["comparison" if m else "program" for m in mask], index=villages.index,
                     dtype=object)


def program_village_ids(villages: pd.DataFrame, project_id=None) -> list:
    """Village ids of the program villages (of one project when ``project_id`` is given)."""
    keep = ~comparison_mask(villages)
    if project_id is not None:
        keep &= villages["project_id"].eq(project_id)
    return villages.loc[keep, "village_id"].tolist()


def comparison_village_ids(villages: pd.DataFrame, project_id=None) -> list:
    """Village ids of the comparison villages (of one project when ``project_id`` is given)."""
    keep = comparison_mask(villages)
    if project_id is not None:
        keep &= villages["project_id"].eq(project_id)
    return villages.loc[keep, "village_id"].tolist()
