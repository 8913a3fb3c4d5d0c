"""``onstream cachesim TRACE``: simulate eviction policies over a trace file."""

from __future__ import annotations

import argparse
from pathlib import Path

from onstream.commands.registry import Command


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "trace",
        help="trace file: libCacheSim oracleGeneral (.bin), or one integer id per line (.gz ok); "
        "'sprite' for the bundled LIRS sprite trace",
    )
    parser.add_argument("--policies", default="lru,fifo,arc,lfd", help="comma-separated names")
    parser.add_argument("--sizes", default="100,1000,10000", type=_ints, help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="seed of randomized policies")
    parser.add_argument("--mrc", metavar="PNG", help="also write LRU's miss-ratio curve here")


def _load(spec: str) -> object:
    from onstream.datasets import sprite_trace
    from onstream.paging import read_oracle_general, read_text_trace

    if spec == "sprite":
        return sprite_trace()
    path = Path(spec)
    if path.suffix == ".bin" or path.name.endswith(".oracleGeneral.bin"):
        return read_oracle_general(path)["id"]
    return read_text_trace(path)


def _run(args: argparse.Namespace) -> int:
    import time

    from rich.console import Console
    from rich.table import Table

    from onstream.paging import mrc, simulate

    console = Console()
    trace = _load(args.trace)
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    t0 = time.perf_counter()
    frame = simulate(trace, policies, args.sizes, seed=args.seed)
    elapsed = time.perf_counter() - t0
    table = Table(title=f"{args.trace}: {frame['requests'][0]:,} requests", title_justify="left")
    for col in ("policy", "size", "hits", "misses", "miss_ratio"):
        table.add_column(col, justify="right")
    for row in frame.iter_rows(named=True):
        table.add_row(
            row["policy"],
            f"{row['size']:,}",
            f"{row['hits']:,}",
            f"{row['misses']:,}",
            f"{row['miss_ratio']:.4f}",
        )
    console.print(table)
    total = int(frame["requests"].sum())
    console.print(f"[dim]{len(frame)} cells, {total / elapsed / 1e6:.1f} M requests/s overall")
    if args.mrc:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        curve = mrc(trace)
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
        ax.plot(curve["size"], curve["miss_ratio"])
        ax.set_xscale("log")
        ax.set_xlabel("cache size (objects)")
        ax.set_ylabel("LRU miss ratio")
        ax.set_title(f"Miss-ratio curve: {args.trace}")
        fig.tight_layout()
        fig.savefig(args.mrc)
        console.print(f"[dim]wrote {args.mrc}")
    return 0


COMMAND = Command("cachesim", "simulate cache eviction policies over a trace", _add, _run)
