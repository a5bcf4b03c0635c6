"""SQL the store's modules share: insert-or-skip, rows present or not, IN lists in chunks, rows
as the models' dataclasses, and the time rows are stamped with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, delete
from sqlalchemy.dialects import postgresql, sqlite

# SQLite allows 32,766 bound parameters per statement; stay far below for IN lists.
IN_CHUNK = 900
# The largest key an Integer column holds on every backend (PostgreSQL's integer): a number a
# request names beyond it is no row's, and SQLite's driver cannot even bind one past 2**63.
MAX_KEY = 2**31 - 1
T = TypeVar("T")


def utc_now() -> datetime:
    """The time a row is stamped with: now, in UTC."""
    return datetime.now(UTC)


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def from_row(cls: type[T], row: Any, **given: Any) -> T:
    """The dataclass ``cls`` from the columns of ``row`` that bear its fields' names, but for
    the fields ``given`` (a value a column holds in another type)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(field.name for field in fields(cls))  # type: ignore[arg-type]
    values = {name: getattr(row, name) for name in names if name not in given}
    return cls(**values, **given)


def is_key(value: int) -> bool:
    """Whether ``value`` could be the key of a row (1 to MAX_KEY)."""
    return 1 <= value <= MAX_KEY


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT that skips rows whose key is already there, on either backend."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert_row(conn: Connection, table: Table, row: Mapping[str, Any], key: Sequence[str]) -> Any:
    """INSERT of ``row`` that updates the other columns of the row already holding its
    ``key``, on either backend."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {name: value for name, value in row.items() if name not in key}
    statement = dialect.insert(table).values(**row)
    return statement.on_conflict_do_update(index_elements=key, set_=values)


def set_present(
    conn: Connection, table: Table, key: Mapping[str, Any], on: bool, **values: Any
) -> bool:
    """Make the row of primary key ``key`` exist (with ``values``) or not; whether it changed.

    Idempotent under races: the key holds one row however many requests ask at once.
    """
    if on:
        statement = insert_ignore(conn, table).values(**key, **values)
    else:
        statement = delete(table).where(*(table.c[name] == value for name, value in key.items()))
    return bool(conn.execute(statement).rowcount)
