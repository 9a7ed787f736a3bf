"""The JSON contract of ../shared/DESIGN.md, written once for every test that checks it."""

#: Top-level keys every result carries.
TOP_KEYS = frozenset(
    {
        "schema_version",
        "driftcli_version",
        "generated_at",
        "reference",
        "current",
        "verdict",
        "dataset_drift",
        "columns",
        "schema_changes",
        "performance",
        "prediction_drift",
    }
)

#: Keys every entry of ``columns`` starts with, in this order.
COLUMN_KEYS = (
    "name",
    "kind",
    "test",
    "statistic",
    "p_value",
    "threshold",
    "drift",
    "severity",
    "skipped_reason",
    "reference",
    "current",
)
