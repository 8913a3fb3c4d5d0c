"""Shared pytest configuration: the ``gpu`` marker skips without a usable CUDA device."""

from __future__ import annotations

import pytest

from onstream.gpu import cupy_status


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    usable, reason = cupy_status()
    if usable:
        return
    skip = pytest.mark.skip(reason=f"no GPU: {reason}")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
