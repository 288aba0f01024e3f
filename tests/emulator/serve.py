"""Run fakesnow 0.12.1's HTTP server (for the Snowflake CLI / any connector) with fixes.

    python serve.py -p PORT [--host 127.0.0.1]

Stops on SIGINT or SIGTERM. Patches, smallest first:

1. An error that fakesnow does not map to a Snowflake error (eg: a raw duckdb
   TransactionException, an AssertionError) makes server.query_request answer
   HTTP 500, which the connector treats as retryable and retries with backoff
   until network_timeout (unset = forever): the client hangs. Map duckdb
   errors to ProgrammingError in the cursor, and turn any remaining 500 / escaped
   exception into a normal Snowflake error response (HTTP 200, success: false).
2. IDENTITY/AUTOINCREMENT: transforms.ddl.create_table_autoincrement creates its
   helper sequence unqualified, ie: in the session's *current* database, so a
   CREATE TABLE X.S.T(...IDENTITY...) from a session whose current database is
   not X fails in duckdb (a statement may write to one attached database only),
   which is the unmapped error of 1. Create the sequence in the table's own
   database.schema, with a quoted name (quoted table names broke it too).
3. seq.NEXTVAL: transforms.sequence_nextval drops the database and schema
   (D.S.SEQ.NEXTVAL -> nextval('SEQ')) and adds "AS NEXTVAL" everywhere, which
   is a syntax error in a column DEFAULT or in VALUES. Keep the full name and
   alias only in a SELECT list.
4. CREATE SEQUENCE ... ORDER | NOORDER: passed through to duckdb, which has no
   such option. Drop it.
5. COMMENT ON COLUMN through the server: executed, but then answered with an
   error, because the server describes the result by running
   "DESCRIBE COMMENT ON ..." (cursor._describe_last_sql). Answer it with the
   usual status row.
6. Column comments inline in CREATE TABLE (col ... COMMENT 'x') and in
   ALTER TABLE ... ALTER COLUMN c COMMENT 'x' are dropped (sqlglot:
   "CommentColumnConstraint unsupported"); record them with duckdb's
   COMMENT ON COLUMN so INFORMATION_SCHEMA.COLUMNS.COMMENT shows them.
7. Table comments / column names with a quote (') break fakesnow's bookkeeping
   SQL (info_schema.insert_table_comment_sql / insert_text_lengths_sql): escape.
8. An object name with a quote (') breaks the status row fakesnow answers with
   (cursor.SQL_CREATED_TABLE etc: "SELECT 'Table it's successfully created.'"),
   an unmapped duckdb error, ie: a hang through the unpatched server: escape.
9. A session with no current database (a connection without database=) finds
   none of fakesnow's macros, which live in each database: every
   '...'::TIMESTAMP_NTZ fails with "Scalar Function with name _fs_to_timestamp
   does not exist!". Create them in duckdb's default catalog too.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import secrets
from string import Template

import duckdb
import snowflake.connector.errors
import sqlglot
from sqlglot import exp

import fakesnow.cursor as fs_cursor
import fakesnow.info_schema as fs_info_schema
import fakesnow.macros as fs_macros
import fakesnow.server as fs_server
import fakesnow.transforms as fs_transforms
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

Cursor = fs_cursor.FakeSnowflakeCursor


def _q_ident(ident: exp.Identifier | str) -> str:
    """A duckdb identifier for a Snowflake one: unquoted ones are upper case."""
    if isinstance(ident, exp.Identifier):
        name = ident.this if ident.quoted else ident.this.upper()
    else:
        name = ident
    return '"' + name.replace('"', '""') + '"'


def _q_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# --- 1. no HTTP 500 (the connector retries those forever) ------------------------------------

_orig_execute = Cursor.execute


def _execute_public(self, *args, **kwargs):
    try:
        return _orig_execute(self, *args, **kwargs)
    except duckdb.Error as e:
        raise snowflake.connector.errors.ProgrammingError(
            msg=f"{type(e).__name__}: {e}", errno=9998, sqlstate="XX000"
        ) from e


Cursor.execute = _execute_public

_orig_query_request = fs_server.query_request
_last_error: dict[str, BaseException] = {}


class _RememberError(logging.Filter):
    """Keeps the exception server.query_request logs before answering 500 without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            _last_error["e"] = record.exc_info[1]
        return True


fs_server.logger.addFilter(_RememberError())


def _error_response(message: str) -> JSONResponse:
    code = "261000"
    return JSONResponse(
        {"data": {"errorCode": code, "sqlState": "XX000"}, "code": code, "message": message, "success": False}
    )


async def _query_request(request):
    try:
        response = await _orig_query_request(request)
    except Exception as e:  # noqa: BLE001 - escaped the handler (eg: building the arrow result)
        fs_server.logger.error("Unhandled exception (answered as an error)", exc_info=e)
        return _error_response(f"fakesnow: {type(e).__name__}: {e}")
    if response.status_code == 500:
        message = json.loads(response.body).get("message") or "unhandled exception"
        if e := _last_error.pop("e", None):
            message = f"fakesnow cannot run this: {type(e).__name__}: {e} ({message})"
        return _error_response(message)
    _last_error.pop("e", None)
    return response


fs_server.app = Starlette(
    debug=True,
    routes=[
        Route(r.path, _query_request, methods=["POST"]) if r.path == "/queries/v1/query-request" else r
        for r in fs_server.routes
    ],
)

# --- 2. IDENTITY / AUTOINCREMENT sequence in the table's own schema --------------------------


def create_table_autoincrement(expression: exp.Expr) -> list[exp.Expr]:
    if not (
        isinstance(expression, exp.Create)
        and expression.kind == "TABLE"
        and isinstance(schema := expression.this, exp.Schema)
        and isinstance(table := schema.this, exp.Table)
    ):
        return [expression]
    auto_cols = [
        cd
        for cd in schema.expressions or []
        if isinstance(cd, exp.ColumnDef)
        and (cd.find(exp.AutoIncrementColumnConstraint) or cd.find(exp.GeneratedAsIdentityColumnConstraint))
    ]
    if not auto_cols:
        return [expression]
    if len(auto_cols) > 1:
        raise NotImplementedError("Multiple AUTOINCREMENT columns")

    col_name = auto_cols[0].this.name
    seq = re.sub(r"\W", "_", f"_fs_seq_{table.name}_{col_name}") + "_" + secrets.token_hex(4)
    prefix = [_q_ident(p) for p in (table.args.get("catalog"), table.args.get("db")) if p]
    seq_name = ".".join([*prefix, _q_ident(seq)])

    start, increment = "1", "1"
    if identity := auto_cols[0].find(exp.GeneratedAsIdentityColumnConstraint):
        if s := identity.args.get("start"):
            start = s.sql()
        if i := identity.args.get("increment"):
            increment = i.sql()
    seq_stmt = sqlglot.parse_one(f"CREATE SEQUENCE {seq_name} START WITH {start} INCREMENT BY {increment}", read="duckdb")

    new_create = expression.copy()
    target = next(cd for cd in new_create.this.expressions if isinstance(cd, exp.ColumnDef) and cd.this.name == col_name)
    for c in target.args.get("constraints") or []:
        if isinstance(c, exp.ColumnConstraint) and isinstance(
            c.args.get("kind"), (exp.AutoIncrementColumnConstraint, exp.GeneratedAsIdentityColumnConstraint)
        ):
            c.set(
                "kind",
                exp.DefaultColumnConstraint(this=exp.Anonymous(this="NEXTVAL", expressions=[exp.Literal.string(seq_name)])),
            )
            break
    return [seq_stmt, new_create]


fs_transforms.create_table_autoincrement = create_table_autoincrement

# --- 3. seq.NEXTVAL keeps its database and schema; alias only in a SELECT list --------------


def sequence_nextval(expression: exp.Expr) -> exp.Expr:
    if (
        isinstance(expression, exp.Column)
        and isinstance(expression.this, exp.Identifier)
        and expression.this.this.upper() == "NEXTVAL"
        and expression.table
    ):
        name = ".".join(_q_ident(p) for p in expression.parts[:-1])
        nextval = exp.Anonymous(this="nextval", expressions=[exp.Literal.string(name)])
        if isinstance(expression.parent, exp.Select) and expression.arg_key == "expressions":
            return exp.Alias(this=nextval, alias=exp.Identifier(this="NEXTVAL", quoted=False))
        return nextval
    return expression


fs_transforms.sequence_nextval = sequence_nextval

# --- 4, 6: per statement, before fakesnow's transforms ---------------------------------------


def _strip_sequence_order(e: exp.Expr) -> exp.Expr:
    if isinstance(e, exp.SequenceProperties) and (opts := e.args.get("options")):
        kept = [o for o in opts if not (isinstance(o, exp.Var) and o.name.upper() in {"ORDER", "NOORDER"})]
        e.set("options", kept or None)
    return e


def _column_comments(expression: exp.Expr) -> tuple[exp.Table, list[tuple[exp.Identifier, str]]] | None:
    if (
        isinstance(expression, exp.Create)
        and expression.kind == "TABLE"
        and isinstance(schema := expression.this, exp.Schema)
        and isinstance(schema.this, exp.Table)
    ):
        comments = [
            (cd.this, c.args["kind"].this.this)
            for cd in schema.expressions or []
            if isinstance(cd, exp.ColumnDef)
            for c in cd.args.get("constraints") or []
            if isinstance(c.args.get("kind"), exp.CommentColumnConstraint)
        ]
        return (schema.this.copy(), comments) if comments else None
    if isinstance(expression, exp.Alter) and isinstance(expression.this, exp.Table):
        comments = [
            (a.this, a.args["comment"].this)
            for a in expression.args.get("actions") or []
            if isinstance(a, exp.AlterColumn) and a.args.get("comment")
        ]
        return (expression.this.copy(), comments) if comments else None
    return None


_orig_transform = Cursor._transform


def _transform(self, expression, params):
    expression = expression.transform(_strip_sequence_order, copy=False)
    comments = _column_comments(expression)  # before fakesnow drops ALTER ... COMMENT
    transformed = _orig_transform(self, expression, params)
    if comments:
        transformed.args["lab_col_comments"] = comments
    return transformed


Cursor._transform = _transform

# --- 5, 6: after execution -------------------------------------------------------------------

_orig_private_execute = Cursor._execute


def _execute(self, transformed, params=None):
    _orig_private_execute(self, transformed, params)
    if comments := transformed.args.get("lab_col_comments"):
        table, cols = comments
        catalog = _q_ident(table.args["catalog"]) if table.args.get("catalog") else _q_ident(self._conn.database)
        schema = _q_ident(table.args["db"]) if table.args.get("db") else _q_ident(self._conn._schema)
        for col, text in cols:
            try:
                self._duck_conn.execute(
                    f"COMMENT ON COLUMN {catalog}.{schema}.{_q_ident(table.this)}.{_q_ident(col)} IS {_q_str(text)}"
                )
            except duckdb.Error:
                pass  # eg: CREATE TABLE IF NOT EXISTS over an existing table without that column
    if isinstance(transformed, exp.Comment):
        # answer with a status row, so the server can describe the result
        _orig_private_execute(self, sqlglot.parse_one(fs_cursor.SQL_SUCCESS, read="duckdb"))


Cursor._execute = _execute

# --- 7. quotes in table comments and column names --------------------------------------------

_insert_table_comment_sql = fs_info_schema.insert_table_comment_sql
_insert_text_lengths_sql = fs_info_schema.insert_text_lengths_sql


def _esc(text) -> str:
    return str(text).replace("'", "''")


fs_info_schema.insert_table_comment_sql = lambda catalog, schema, table, comment: _insert_table_comment_sql(
    _esc(catalog), _esc(schema), _esc(table), _esc(comment)
)
fs_info_schema.insert_text_lengths_sql = lambda catalog, schema, table, text_lengths: _insert_text_lengths_sql(
    _esc(catalog), _esc(schema), _esc(table), [(_esc(n), size) for n, size in text_lengths]
)


# --- 8. quotes in the names of the status rows -----------------------------------------------


class _QuotedTemplate(Template):
    def substitute(self, mapping=None, /, **kws):
        values = {**(mapping or {}), **kws}
        return super().substitute({k: str(v).replace("'", "''") for k, v in values.items()})


for _name, _value in list(vars(fs_cursor).items()):
    if _name.startswith("SQL_") and isinstance(_value, Template):
        setattr(fs_cursor, _name, _QuotedTemplate(_value.template))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    import uvicorn

    # 9. macros for sessions without a current database (duckdb's default catalog is "memory")
    fs_server.shared_fs.duck_conn.execute(fs_macros.creation_sql("memory"))
    uvicorn.run(fs_server.app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
