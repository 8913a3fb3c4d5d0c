"""General-purpose streaming summaries."""

from onstream.stream.reservoir import Reservoir

__all__ = ["Reservoir"]
