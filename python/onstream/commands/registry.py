"""The shape of a subcommand and its discovery."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Command", "discover_commands"]


@dataclass(frozen=True)
class Command:
    """``add_arguments`` fills the subparser; ``run`` takes the parsed arguments, returns the exit
    code."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def discover_commands() -> list[Command]:
    """Every ``COMMAND`` defined by a module of :mod:`onstream.commands`, sorted by name."""
    from onstream import commands as pkg

    found = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        command = getattr(module, "COMMAND", None)
        if isinstance(command, Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name)
