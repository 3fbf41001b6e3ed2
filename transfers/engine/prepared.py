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
from typing import Any, NoReturn

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

Processor = Callable[[Any], Any] | None
_CURSOR = "transfers_engine_cursor"  # in the DB-API connection's `info`


@dataclass(slots=True)
class _Compiled:
    sql: str
    positional: bool
    names: tuple[str, ...]  # bind names, in the order of a positional paramstyle
    binds: tuple[tuple[str, Processor, Any], ...]  # name, processor, value if not given
    returns_rows: bool  # a SELECT, or DML with RETURNING
    row: Any = None  # the row class, once the first result was seen
    loaders: tuple[tuple[int, Callable[[Any], Any]], ...] = ()  # (column, processor)

    def bind(self, params: Mapping[str, Any]) -> Any:
        get = params.get
        values = [get(n, d) if p is None else p(get(n, d)) for n, p, d in self.binds]
        return values if self.positional else dict(zip(self.names, values, strict=True))


class Runner:
    """The caller's connection, readied for Prepared statements: its dialect, its DB-API
    cursor and whether listeners watch it, looked up once (an engine step makes one when
    it reads the case, and its writes reuse it)."""

    __slots__ = ("conn", "dialect", "listeners", "fairy", "cursor")

    def __init__(self, conn: Connection):
        self.conn = conn
        self.dialect = conn.dialect
        self.listeners = listened(conn)
        self.fairy = fairy = conn.connection  # the pooled connection of the caller's transaction
        cursor = fairy.info.get(_CURSOR)
        if cursor is None:
            cursor = fairy.info[_CURSOR] = fairy.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.cursor = cursor


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
    those of the parameters: it is compiled once per dialect and set of keys."""

    def __init__(self, statement: Select[Any] | UpdateBase, name: str = "Row"):
        self.statement = statement
        self.name = name
        self._dml = isinstance(statement, UpdateBase)
        self._compiled: dict[tuple[str, tuple[str, ...] | None], _Compiled] = {}

    def _compile(self, dialect: Dialect, params: Mapping[str, Any]) -> _Compiled:
        keys = tuple(params) if self._dml else None
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
            positional=dialect.positional,
            names=names,
            binds=tuple(by_name[n] for n in names),
            returns_rows=isinstance(self.statement, Select) or bool(compiled.effective_returning),
        )
        self._compiled[(dialect.name, keys)] = made
        return made

    def execute(self, on: Connection | Runner, params: Mapping[str, Any]) -> Any:
        """Run on a connection (or a Runner made of it, which saves looking it over)."""
        run = on if type(on) is Runner else Runner(on)  # type: ignore[arg-type]
        if run.listeners:
            return run.conn.execute(self.statement, dict(params))
        c = self._compile(run.dialect, params)
        return self._run(run, c, c.bind(params), many=False)

    def executemany(self, on: Connection | Runner, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        run = on if type(on) is Runner else Runner(on)  # type: ignore[arg-type]
        if run.listeners:
            run.conn.execute(self.statement, [dict(r) for r in rows])
            return
        c = self._compile(run.dialect, rows[0])
        self._run(run, c, [c.bind(r) for r in rows], many=True)

    def _run(self, run: Runner, c: _Compiled, params: Any, many: bool) -> Done:
        cursor = run.cursor
        try:
            if many:
                cursor.executemany(c.sql, params)
            else:
                cursor.execute(c.sql, params)
            # (not cursor.description: psycopg builds a column object each per call)
            if not c.returns_rows:
                return Done(cursor.rowcount, getattr(cursor, "lastrowid", None), [])
            rows = cursor.fetchall()
        except run.dialect.loaded_dbapi.Error as e:
            self._failed(run, c, e)
        if c.row is None:
            self._describe(c, run.dialect, cursor.description)
        return Done(cursor.rowcount, None, [self._load(c, r) for r in rows])

    @staticmethod
    def _failed(run: Runner, c: _Compiled, e: Exception) -> NoReturn:
        """A driver error, raised as SQLAlchemy would: its exception class, and a lost
        connection invalidated."""
        dialect = run.dialect
        invalidated = dialect.is_disconnect(e, run.fairy.dbapi_connection, run.cursor)
        run.fairy.info.pop(_CURSOR, None)
        if invalidated:
            run.conn.invalidate(e)
        raise exc.DBAPIError.instance(
            c.sql,
            None,
            e,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=invalidated,
            dialect=dialect,
        ) from e

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
