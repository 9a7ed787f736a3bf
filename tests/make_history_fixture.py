"""Write tests/fixtures/history_v1.sqlite: a history made by schema version 1.

Run once per schema version (``python tests/make_history_fixture.py``); the file is
committed and ``test_history.py`` checks that later code still opens and migrates it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from driftcli import compare
from driftcli.history import open_history
from driftcli.history.store import SCHEMA_VERSION

OUT = Path(__file__).parent / "fixtures" / f"history_v{SCHEMA_VERSION}.sqlite"


def main() -> None:
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a": rng.normal(0, 1, 300), "b": rng.choice(["x", "y"], 300)})
    cur = pd.DataFrame({"a": rng.normal(1, 1, 300), "b": rng.choice(["x", "y"], 300)})
    OUT.unlink(missing_ok=True)
    hist = open_history(str(OUT))
    for day, side in enumerate([ref, cur, cur]):
        result = compare(ref, side)
        result = replace(result, generated_at=f"2026-01-0{day + 1}T06:00:00.000000+00:00")
        hist.record(result, monitor="fixture")
    hist.record_error("current file not found: missing.csv", monitor="fixture", current="x.csv")
    hist.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hist.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
