"""Catch a script that starts worker processes without a ``__main__`` guard.

Worker processes are started with the ``spawn`` method: each one imports the
user's script again. A script that calls :func:`evaluation.run_batch` at its top
level, without ``if __name__ == "__main__":``, would start every worker's own
batch while it is being imported; Python stops that, each worker dies, and every
report fails with ``BrokenProcessPool``. :func:`check_main_guard` finds that
case before any process is started and says what to add.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from .errors import EvaluationError

GUARD_EXAMPLE = '''if __name__ == "__main__":
    ev.run_batch("data/sample", "reports")'''


class MainGuardError(EvaluationError, RuntimeError):
    """A script starts worker processes outside ``if __name__ == "__main__":``."""


def _is_main_test(node: ast.AST) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)):
        return False
    sides = [node.left, node.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    consts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and consts == ["__main__"]


def _guarded(tree: ast.Module, line: int) -> bool:
    """True when `line` lies inside the body of an ``if __name__ == "__main__":``."""
    for node in ast.walk(tree):
        end = getattr(node, "end_lineno", None)
        if end is None or not node.lineno <= line <= end:
            continue
        if isinstance(node, ast.If) and _is_main_test(node.test) and node.body \
                and node.body[0].lineno <= line:
            return True
    return False


def unguarded_main_line() -> tuple[str, int] | None:
    """Where the running script calls us at its top level without a
    ``__main__`` guard: ``(path, line)``, or None (guarded, interactive, a
    notebook, ``python -c``, or the source cannot be read)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            break
        frame = frame.f_back
    if frame is None:
        return None
    line = frame.f_lineno
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return None if _guarded(tree, line) else (str(path), line)


def check_main_guard(what: str = "run_batch") -> None:
    """Raise :class:`MainGuardError` when called (through `what`) from the top
    level of a script that has no ``if __name__ == "__main__":`` guard.

    Parameters
    ----------
    what : str
        The function the user called, named in the message.

    Raises
    ------
    MainGuardError
        With the script, the line and the guard to add.

    Examples
    --------
    >>> check_main_guard()  # from a test, a notebook or a guarded script: nothing happens
    """
    found = unguarded_main_line()
    if found is None:
        return
    path, line = found
    raise MainGuardError(
        f"{what}() starts worker processes, and each worker imports {Path(path).name} again; "
        f"line {line} of {path} calls it at the top level of the script, so every worker "
        "would start its own batch (Python stops them and every report would fail with "
        "BrokenProcessPool). Put the call under a main guard:\n\n"
        f"{GUARD_EXAMPLE}\n\n"
        "(or pass workers=1 to render in this process).")
