"""The ``onstream`` command: ``onstream info`` and ``onstream tour``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _info() -> int:
    from rich.console import Console
    from rich.table import Table

    from onstream.info import build_info

    table = Table(title="onstream", title_justify="left", show_header=False)
    for key, value in build_info().items():
        table.add_row(key, str(value))
    Console().print(table)
    return 0


def _tour(out: str, only: Sequence[str] | None) -> int:
    from onstream.exceptions import InvalidParameterError
    from onstream.tour import discover_sections, run_tour

    keys = [s.key for s in discover_sections()]
    unknown = [k for k in only or [] if k not in keys]
    if unknown:
        raise InvalidParameterError(f"invalid --only: got {unknown}, expected some of {keys}")
    run_tour(out, only=only)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``onstream`` console script."""
    from onstream import __version__

    parser = argparse.ArgumentParser(prog="onstream", description=__doc__)
    parser.add_argument("--version", action="version", version=f"onstream {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, build profile, threads and GPU availability")
    tour = sub.add_parser("tour", help="run every core on bundled real data")
    tour.add_argument("--out", default="onstream-tour", help="output folder (default: %(default)s)")
    tour.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections")
    args = parser.parse_args(argv)
    from onstream.exceptions import OnstreamError

    try:
        if args.command == "info":
            return _info()
        return _tour(args.out, args.only)
    except OnstreamError as e:
        print(f"onstream: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
