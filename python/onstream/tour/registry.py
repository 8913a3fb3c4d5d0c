"""The tour's sections, their shared context (console, progress, tables, plots) and the runner."""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Section", "TourContext", "discover_sections", "run_tour"]


@dataclass(frozen=True)
class Section:
    """One part of the tour: ``run`` prints and records its results through the context."""

    key: str
    title: str
    order: int
    run: Callable[[TourContext], None]


@dataclass
class TourContext:
    """What a section writes through: the console, the output folder and the markdown summary."""

    console: Console
    out_dir: Path
    summary: list[str] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.console.rule(f"[bold]{text}")
        self.summary += ["", f"## {text}", ""]

    def note(self, text: str) -> None:
        self.console.print(text)
        self.summary += [text, ""]

    def table(self, title: str, frame: pl.DataFrame, floatfmt: str = "{:.4g}") -> None:
        """Print ``frame`` as a rich table and add it to the summary as a markdown table."""
        cells = [[_fmt(v, floatfmt) for v in row] for row in frame.iter_rows()]
        t = Table(title=title, title_justify="left")
        for name in frame.columns:
            t.add_column(name, justify="right")
        for row in cells:
            t.add_row(*row)
        self.console.print(t)
        self.summary += [f"**{title}**", "", "| " + " | ".join(frame.columns) + " |"]
        self.summary.append("|" + "---:|" * len(frame.columns))
        self.summary += ["| " + " | ".join(row) + " |" for row in cells]
        self.summary.append("")

    @contextmanager
    def progress(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        """A progress bar for a step that takes longer than a second; yields ``advance(n)``."""
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance

    def plot(self, filename: str, draw: Callable[[Any], None]) -> Path | None:
        """Draw on a fresh matplotlib Axes with ``draw(ax)`` and save it as a PNG."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            self.note("(matplotlib is not installed: `pip install onstream[plot]` for the plots)")
            return None
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
        draw(ax)
        fig.tight_layout()
        path = self.out_dir / filename
        fig.savefig(path)
        plt.close(fig)
        self.plots.append(path)
        self.console.print(f"[dim]wrote {path}")
        self.summary += [f"![{filename}]({filename})", ""]
        return path


def _fmt(v: object, floatfmt: str) -> str:
    if isinstance(v, float):
        return floatfmt.format(v)
    return str(v)


def discover_sections() -> list[Section]:
    """Every ``SECTION`` defined by a module of :mod:`onstream.tour.sections`, in order."""
    from onstream.tour import sections as pkg

    found = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        section = getattr(module, "SECTION", None)
        if isinstance(section, Section):
            found.append(section)
    return sorted(found, key=lambda s: (s.order, s.key))


def run_tour(
    out_dir: Path | str = "onstream-tour",
    only: Sequence[str] | None = None,
    console: Console | None = None,
) -> Path:
    """Run the tour's sections (all, or those keyed in ``only``); return the summary's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = TourContext(console=console or Console(), out_dir=out)
    ctx.summary += ["# onstream tour", ""]
    chosen = [s for s in discover_sections() if not only or s.key in only]
    started = time.perf_counter()
    for section in chosen:
        ctx.heading(section.title)
        t0 = time.perf_counter()
        section.run(ctx)
        ctx.console.print(f"[dim]{section.key}: {time.perf_counter() - t0:.1f} s")
    total = time.perf_counter() - started
    ctx.summary += [f"_{len(chosen)} sections in {total:.1f} s._", ""]
    path = out / "README.md"
    path.write_text("\n".join(ctx.summary), encoding="utf-8")
    ctx.console.print(f"\n[bold green]Tour done[/] in {total:.1f} s: summary in {path}")
    return path
