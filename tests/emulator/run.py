"""Run SQL statements in the Snowflake emulator (fakesnow) for dimgen's tests.

Reads JSON from stdin: {"steps": [{"sql": "...", "fetch": false}, ...]}
A step may instead carry "write_parquet": {"path": "/abs/file.parquet",
"columns": [{"name": "...", "type": "...", "values": [...]}, ...]}: it writes
that Parquet file (with pyarrow, a dependency of fakesnow) for a later PUT,
and runs no SQL. Types: int32, int64, float64, string, bool, date32 (values
"YYYY-MM-DD"), timestamp (values ISO "YYYY-MM-DDTHH:MM:SS", no zone) and
decimal(p,s) (values as strings); null values are nulls.
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
import importlib
import json
import logging
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")

import fakesnow  # noqa: E402
import fakesnow.info_schema  # noqa: E402
import sqlglot  # noqa: E402
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


# fakesnow 0.12.1 bug: it runs a MERGE as a table of candidates (each pair of
# a target row and a source row, with the WHEN clause the pair takes), then
# UPDATEs and DELETEs the target rows that join a candidate on the ON
# condition alone. When one source row matches several target rows (the
# versions of an SCD2 member, all with the member's natural key), the clause
# one of them took is applied to all of them: a type-2 change expires the
# older versions again (their VALID_TO moves). Snowflake applies each WHEN
# clause to the pair that matched it. Keep the target row's rowid with each
# candidate and update or delete exactly that row.
# (`fakesnow.transforms.merge` is the function; the module is imported by name.)
_fs_merge = importlib.import_module("fakesnow.transforms.merge")
_create_merge_candidates = _fs_merge._create_merge_candidates
_merge_mutations = _fs_merge._mutations


def _merge_target(merge_expr):
    target = merge_expr.this
    return target.alias or target.name


def _merge_candidates_with_rowid(merge_expr):
    create = _create_merge_candidates(merge_expr)
    create.expression.select(f"{_merge_target(merge_expr)}.rowid AS _fs_target_rowid", copy=False)
    return create


def _merge_mutations_by_rowid(merge_expr):
    source = merge_expr.args["using"].alias_or_name
    statements = _merge_mutations(merge_expr)
    for statement in statements:
        if isinstance(statement, (sqlglot.exp.Update, sqlglot.exp.Delete)):
            # WHERE <ON condition> AND <source>.merge_op = <clause>
            condition = statement.args["where"].this
            assert isinstance(condition, sqlglot.exp.And), condition
            statement.set(
                "where",
                sqlglot.exp.Where(
                    this=sqlglot.exp.and_(
                        f"{_merge_target(merge_expr)}.rowid = {source}._fs_target_rowid", condition.expression
                    )
                ),
            )
    return statements


_fs_merge._create_merge_candidates = _merge_candidates_with_rowid
_fs_merge._mutations = _merge_mutations_by_rowid


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


def write_parquet(spec):
    """Write the Parquet file of a `write_parquet` step."""
    import pyarrow  # noqa: PLC0415 (only the steps that write files need it)
    import pyarrow.parquet  # noqa: PLC0415

    simple = {
        "int32": pyarrow.int32(),
        "int64": pyarrow.int64(),
        "float64": pyarrow.float64(),
        "string": pyarrow.string(),
        "bool": pyarrow.bool_(),
    }
    arrays = []
    names = []
    for column in spec["columns"]:
        kind = column["type"]
        values = column["values"]
        if kind in simple:
            arrow_type = simple[kind]
        elif kind == "date32":
            arrow_type = pyarrow.date32()
            values = [None if v is None else datetime.date.fromisoformat(v) for v in values]
        elif kind == "timestamp":
            arrow_type = pyarrow.timestamp("us")
            values = [None if v is None else datetime.datetime.fromisoformat(v) for v in values]
        elif kind.startswith("decimal(") and kind.endswith(")"):
            precision, scale = (int(x) for x in kind[len("decimal(") : -1].split(","))
            arrow_type = pyarrow.decimal128(precision, scale)
            values = [None if v is None else decimal.Decimal(v) for v in values]
        else:
            raise ValueError(f"write_parquet: unknown column type {kind!r}")
        arrays.append(pyarrow.array(values, type=arrow_type))
        names.append(column["name"])
    pyarrow.parquet.write_table(pyarrow.Table.from_arrays(arrays, names=names), spec["path"])


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
                if "write_parquet" in step:
                    write_parquet(step["write_parquet"])
                else:
                    cur.execute(step["sql"])
                    if step.get("fetch"):
                        result["rows"] = [[plain(v) for v in row] for row in cur.fetchall()]
            except Exception as exc:  # every failure is reported, none stops the run
                result["ok"] = False
                result["error"] = f"{type(exc).__name__}: {exc}"
            result["warnings"] = capture.messages
            results.append(result)
    # fakesnow keeps internal stages (files PUT by the tests) in a temporary
    # folder of its own that it never removes.
    shutil.rmtree(importlib.import_module("fakesnow.transforms.stage").LOCAL_BUCKET_PATH, ignore_errors=True)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
