"""The engine's few statements, compiled once and run on the connection's DB-API cursor.

An engine step is one read and one to five writes, always the same statements. Through
`Connection.execute` each costs SQLAlchemy's per-execution work (an execution context,
parameter processing, result metadata built from `cursor.description`, which psycopg
builds anew, a column object each, for the read's ~45 columns): about as much client
CPU as the database's own work on the statement. Here each statement is compiled once
per dialect (and per set of SET columns) by SQLAlchemy itself, its parameters and
result columns converted by SQLAlchemy's own type processors, and it runs on the
DB-API cursor of the caller's connection, in the caller's transaction. Driver errors
come back as SQLAlchemy's exceptions (IntegrityError, OperationalError...), and a lost
connection is invalidated as SQLAlchemy would.

With a `before_cursor_execute`/`after_cursor_execute` listener on the engine (query
counting, tracing) statements go through `Connection.execute`, so such tools see them.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

Processor = Callable[[Any], Any] | None
_CURSOR = "transfers_engine_cursor"  # in the DB-API connection's `info`
_MISSING = object()


@dataclass(slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # bind names, in the order of a positional paramstyle
    positional: bool
    binds: tuple[tuple[str, Processor, Any], ...]  # name, processor, value if not given
    returns_rows: bool  # a SELECT, or DML with RETURNING
    row: Any = None  # the row class, once the first result was seen
    loaders: tuple[tuple[int, Callable[[Any], Any]], ...] = ()  # (column, processor)


class Done:
    """What a statement run here answers: rows processed like SQLAlchemy's."""

    __slots__ = ("rowcount", "lastrowid", "_rows")

    def __init__(self, rowcount: int, lastrowid: int | None, rows: list[Any]):
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise (
                exc.NoResultFound("expected one row")
                if not self._rows
                else exc.MultipleResultsFound()
            )
        return self._rows[0]


class Prepared:
    """One Core statement. For UPDATE/INSERT without values, the SET/VALUES columns are
    those of the parameters: `execute` compiles once per set of keys."""

    def __init__(self, statement: Select[Any] | UpdateBase, name: str = "Row"):
        self.statement = statement
        self.name = name
        self._compiled: dict[tuple[str, frozenset[str] | None], _Compiled] = {}

    def _compile(self, dialect: Dialect, keys: frozenset[str] | None) -> _Compiled:
        found = self._compiled.get((dialect.name, keys))
        if found is not None:
            return found
        compiled = self.statement.compile(
            dialect=dialect, column_keys=sorted(keys) if keys is not None else None
        )
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # Python-side column defaults are evaluated by SQLAlchemy's execution context.
            raise TypeError(f"{self.name}: give every column with a Python default a value")
        by_name = {
            b.key: (b.key, b.type.dialect_impl(dialect).bind_processor(dialect), b.effective_value)
            for b in compiled.binds.values()
        }
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(by_name)
        made = _Compiled(
            sql=compiled.string,
            names=names,
            positional=dialect.positional,
            binds=tuple(by_name[n] for n in names),
            returns_rows=isinstance(self.statement, Select) or bool(compiled.effective_returning),
        )
        self._compiled[(dialect.name, keys)] = made
        return made

    def execute(
        self, conn: Connection, params: Mapping[str, Any], listeners: bool | None = None
    ) -> Any:
        """Run on `conn`. `listeners`: what listened(conn) answered, if the caller asked
        it already in this transaction (an engine step asks once)."""
        keys = frozenset(params) if isinstance(self.statement, UpdateBase) else None
        if listened(conn) if listeners is None else listeners:
            return conn.execute(self.statement, dict(params))
        c = self._compile(conn.dialect, keys)
        return self._run(conn, c, [self._bind(c, params)], many=False)

    def executemany(
        self, conn: Connection, rows: Sequence[Mapping[str, Any]], listeners: bool | None = None
    ) -> None:
        if not rows:
            return
        keys = frozenset(rows[0])
        if listened(conn) if listeners is None else listeners:
            conn.execute(self.statement, [dict(r) for r in rows])
            return
        c = self._compile(conn.dialect, keys)
        self._run(conn, c, [self._bind(c, r) for r in rows], many=True)

    @staticmethod
    def _bind(c: _Compiled, params: Mapping[str, Any]) -> Any:
        values = []
        for name, process, default in c.binds:
            value = params.get(name, _MISSING)
            if value is _MISSING:
                value = default
            values.append(process(value) if process is not None else value)
        return values if c.positional else dict(zip(c.names, values, strict=True))

    def _run(self, conn: Connection, c: _Compiled, params: list[Any], many: bool) -> Done:
        fairy = conn.connection  # the pooled connection of the caller's transaction
        dbapi_connection = fairy.dbapi_connection
        cursor = fairy.info.get(_CURSOR)
        if cursor is None:
            cursor = fairy.info[_CURSOR] = dbapi_connection.cursor()  # type: ignore[union-attr]
        dialect = conn.dialect
        try:
            if many:
                cursor.executemany(c.sql, params)
            else:
                cursor.execute(c.sql, params[0])
            # (not cursor.description: psycopg builds a column object each per call)
            if not c.returns_rows:
                return Done(cursor.rowcount, getattr(cursor, "lastrowid", None), [])
            rows = cursor.fetchall()
        except dialect.loaded_dbapi.Error as e:
            invalidated = dialect.is_disconnect(e, dbapi_connection, cursor)
            fairy.info.pop(_CURSOR, None)
            if invalidated:
                conn.invalidate(e)
            raise exc.DBAPIError.instance(
                c.sql,
                None,
                e,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=invalidated,
                dialect=dialect,
            ) from e
        if c.row is None:
            self._describe(c, dialect, cursor.description)
        return Done(cursor.rowcount, None, [self._load(c, r) for r in rows])

    @staticmethod
    def _load(c: _Compiled, values: Sequence[Any]) -> Any:
        if c.loaders:
            values = list(values)
            for i, process in c.loaders:
                values[i] = process(values[i])
        return c.row._make(values)

    def _describe(self, c: _Compiled, dialect: Dialect, description: Sequence[Any]) -> None:
        """The row class and per-column result processors, from the first result."""
        assert isinstance(self.statement, Select)
        columns = list(self.statement.selected_columns)
        names = [col.key for col in columns]
        processors = (
            col.type.dialect_impl(dialect).result_processor(dialect, d[1])
            for col, d in zip(columns, description, strict=True)
        )
        c.loaders = tuple((i, f) for i, f in enumerate(processors) if f is not None)
        c.row = namedtuple(self.name, names)  # type: ignore[misc]


def listened(conn: Connection) -> bool:
    """Whether something listens to cursor executions on this connection's engine."""
    dispatch = conn.dispatch
    return bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)
