"""A matplotlib method replaced while a block runs, re-entrantly (the memos' switch).

The chart memos (:mod:`evaluation.charts.textlayout`,
:mod:`evaluation.charts.ticks`) each put a memoised version of one
matplotlib method in place for the time a chart is laid out and drawn, and
put matplotlib's own back afterwards, also when blocks nest.
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["MethodSwitch"]


class MethodSwitch:
    """Replace ``owner.name`` by `replacement` inside :meth:`active` blocks.

    Parameters
    ----------
    owner : type
        The class whose method is replaced (e.g. ``matplotlib.text.Text``).
    name : str
        The method's name.
    replacement : callable
        Used instead; it calls :attr:`original` for matplotlib's own.
    on_exit : callable, optional
        Called when the outermost block ends (e.g. to empty a memo).

    Examples
    --------
    >>> class Box:
    ...     def size(self):
    ...         return 1
    >>> switch = MethodSwitch(Box, "size", lambda self: 10 * switch.original(self))
    >>> with switch.active():
    ...     with switch.active():
    ...         inner = Box().size()
    ...     outer = Box().size()
    >>> inner, outer, Box().size()
    (10, 10, 1)
    """

    def __init__(self, owner: type, name: str, replacement, on_exit=None):
        self.owner, self.name, self.replacement, self.on_exit = owner, name, replacement, on_exit
        #: matplotlib's own method while a block is active
        self.original = None
        self._lock = threading.RLock()
        self._depth = 0

    @contextlib.contextmanager
    def active(self):
        """The replacement is in place until the outermost block ends."""
        with self._lock:
            if self._depth == 0:
                self.original = getattr(self.owner, self.name)
                setattr(self.owner, self.name, self.replacement)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    setattr(self.owner, self.name, self.original)
                    if self.on_exit is not None:
                        self.on_exit()
