"""The ``onstream`` command. Subcommands live in :mod:`onstream.commands`, one file each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``onstream`` console script."""
    from onstream import __version__
    from onstream.commands.registry import discover_commands
    from onstream.exceptions import OnstreamError

    parser = argparse.ArgumentParser(prog="onstream", description=__doc__)
    parser.add_argument("--version", action="version", version=f"onstream {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {c.name: c for c in discover_commands()}
    for command in commands.values():
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    args = parser.parse_args(argv)
    try:
        return commands[args.command].run(args)
    except (OnstreamError, OSError) as e:
        print(f"onstream: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
