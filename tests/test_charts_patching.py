"""The method switch behind the chart memos (evaluation.charts.patching)."""

from __future__ import annotations

import pytest

from evaluation.charts.patching import MethodSwitch


class _Box:
    def size(self):
        return 1


def test_original_method_is_back_after_nested_blocks_and_errors():
    exits = []
    switch = MethodSwitch(_Box, "size", lambda self: 10 * switch.original(self),
                          on_exit=lambda: exits.append(1))
    original = _Box.size
    with pytest.raises(ValueError):
        with switch.active():
            with switch.active():
                assert _Box().size() == 10
            assert _Box().size() == 10 and exits == []   # inner end: still switched
            raise ValueError("a chart failed")
    assert _Box.size is original and _Box().size() == 1
    assert exits == [1]                                   # once, at the outermost end
