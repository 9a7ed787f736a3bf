"""The console script's entry point: ``driftcli --version`` answers before anything heavy is
imported (the CLI framework alone takes a tenth of a second); every other call goes to
:func:`driftcli.cli.main`."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run driftcli with ``argv`` (default: the process arguments)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from driftcli import __version__

        print(f"driftcli {__version__}")
        sys.exit(0)
    # Arrow's jemalloc pool returns freed batch buffers to the system promptly, so the peak
    # memory of a streamed run stays flat as rows grow (measured +6% from 1M to 10M rows,
    # +17% with the default mimalloc pool). Set before pyarrow loads; a user's choice wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    from driftcli.cli import main as run

    run(args)
