"""The console script's entry point: ``driftcli --version`` answers before anything heavy is
imported (the CLI framework alone takes a tenth of a second); every other call goes to
:func:`driftcli.cli.main`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run driftcli with ``argv`` (default: the process arguments)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from driftcli import __version__

        print(f"driftcli {__version__}")
        sys.exit(0)
    from driftcli.cli import main as run

    run(args)
