"""``onstream tour``: every available core run on bundled real data, with tables, plots and a
markdown summary written to ``./onstream-tour/``.

The tour is a registry. A domain adds a section by adding a module to
:mod:`onstream.tour.sections` that defines ``SECTION = Section(...)``; nothing else changes.
"""

from onstream.tour.registry import Section, TourContext, discover_sections, run_tour

__all__ = ["Section", "TourContext", "discover_sections", "run_tour"]
