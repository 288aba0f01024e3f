"""Run SQL statements in the Snowflake emulator (fakesnow) for dimgen's tests.

Reads JSON from stdin: {"steps": [{"sql": "...", "fetch": false}, ...]}
Writes JSON to stdout: {"results": [{"ok": true, "error": null,
"warnings": [...], "rows": [[...], ...] or null}, ...]}

Every step runs in one session, in order, even after a failure, so the test
sees every problem at once. Warnings are what the `sqlglot` logger (through
which fakesnow reports what it drops, e.g. "Unsupported property
clusterproperty") and the `fakesnow` logger emitted while the step ran; the
Rust side fails on any that is not on its allow-list.
"""

import datetime
import decimal
import json
import logging
import sys
import warnings

warnings.filterwarnings("ignore")

import fakesnow  # noqa: E402
import fakesnow.info_schema  # noqa: E402
import snowflake.connector  # noqa: E402

# fakesnow 0.12.1 bug: it records table comments and VARCHAR lengths in its
# own information_schema by pasting the comment text and column names into
# SQL without escaping, so a table comment like "a patient's team" or a
# column named `it's` makes a valid CREATE TABLE fail. Our SQL is correct
# (the comment reaches fakesnow already unescaped by its parser); repair the
# bookkeeping, not the statement.
_insert_table_comment_sql = fakesnow.info_schema.insert_table_comment_sql
_insert_text_lengths_sql = fakesnow.info_schema.insert_text_lengths_sql


def _q(text):
    return str(text).replace("'", "''")


fakesnow.info_schema.insert_table_comment_sql = lambda catalog, schema, table, comment: _insert_table_comment_sql(
    _q(catalog), _q(schema), _q(table), _q(comment)
)
fakesnow.info_schema.insert_text_lengths_sql = lambda catalog, schema, table, text_lengths: _insert_text_lengths_sql(
    _q(catalog), _q(schema), _q(table), [(_q(name), size) for name, size in text_lengths]
)


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}")


def plain(value):
    """JSON form of a result value: exact decimals and dates as strings."""
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return {"temporal": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"binary": value.hex()}
    return value


def main():
    request = json.load(sys.stdin)
    capture = Capture()
    for name in ("sqlglot", "fakesnow"):
        logger = logging.getLogger(name)
        logger.addHandler(capture)
        logger.setLevel(logging.WARNING)
    results = []
    with fakesnow.patch():
        conn = snowflake.connector.connect()
        cur = conn.cursor()
        for step in request["steps"]:
            capture.messages = []
            result = {"ok": True, "error": None, "warnings": [], "rows": None}
            try:
                cur.execute(step["sql"])
                if step.get("fetch"):
                    result["rows"] = [[plain(v) for v in row] for row in cur.fetchall()]
            except Exception as exc:  # every failure is reported, none stops the run
                result["ok"] = False
                result["error"] = f"{type(exc).__name__}: {exc}"
            result["warnings"] = capture.messages
            results.append(result)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
