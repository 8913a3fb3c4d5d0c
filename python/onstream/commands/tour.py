"""``onstream tour``: every core on bundled real data."""

from __future__ import annotations

import argparse

from onstream.commands.registry import Command


def _add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default="onstream-tour", help="output folder (default: %(default)s)"
    )
    parser.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections")


def _run(args: argparse.Namespace) -> int:
    from onstream.exceptions import InvalidParameterError
    from onstream.tour import discover_sections, run_tour

    keys = [s.key for s in discover_sections()]
    unknown = [k for k in args.only or [] if k not in keys]
    if unknown:
        raise InvalidParameterError(f"invalid --only: got {unknown}, expected some of {keys}")
    run_tour(args.out, only=args.only)
    return 0


COMMAND = Command("tour", "run every core on bundled real data", _add, _run)
