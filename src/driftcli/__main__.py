"""Allow ``python -m driftcli``."""

from driftcli.cli import main

if __name__ == "__main__":
    main()
