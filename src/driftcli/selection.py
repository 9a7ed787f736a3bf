"""How the rows of each side are chosen (``--table``, ``--query``, the time windows).

Every ``compare`` builds a :class:`Selection` and checks it; the windows themselves
(:mod:`driftcli.windows`) are imported only when a database input or a time column uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from driftcli.errors import UsageError


@dataclass
class Selection:
    """How the rows of each side are chosen: table or query of a database URL, and windows."""

    table: str | None = None
    query: str | None = None
    reference_query: str | None = None
    current_query: str | None = None
    time_column: str | None = None
    current_window: str | None = None
    reference_window: str | None = None
    as_of: str | None = None

    def check(self) -> None:
        """Options that cannot go together, and windows without a time column."""
        if self.table is not None and self.query is not None:
            raise UsageError("--table and --query cannot be combined: give one")
        windows = self.current_window or self.reference_window or self.as_of
        if windows and not self.time_column:
            raise UsageError("--current-window, --reference-window and --as-of need --time-column")

    def side_query(self, role: str) -> tuple[str | None, str | None]:
        """(table, query) for one side: the per-side query wins over --table/--query."""
        q = self.reference_query if role == "reference" else self.current_query
        if q is not None:
            return None, q
        return self.table, self.query
