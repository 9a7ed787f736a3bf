"""Allow ``python -m driftcli``."""

from driftcli._entry import main

if __name__ == "__main__":
    main()
