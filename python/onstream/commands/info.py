"""``onstream info``: version, build profile, threads and GPU availability."""

from __future__ import annotations

import argparse

from onstream.commands.registry import Command


def _add(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from onstream.info import build_info

    table = Table(title="onstream", title_justify="left", show_header=False)
    for key, value in build_info().items():
        table.add_row(key, str(value))
    Console().print(table)
    return 0


COMMAND = Command("info", "version, build profile, threads and GPU availability", _add, _run)
