"""One declaration per fact table: the frozen dataclass a gatherer emits and a rule reads *is* the table.

`@fact_table(...)` turns a class with typed fields into
- the snapshot view and the gatherer's record (the same frozen dataclass: what was seen, no verdict);
- the storage model (`storage.models.<model>`), one column per field, typed from the annotation
  (`str` → Text, `int` → Integer, `bool` → Boolean, `float` → Float, `date` → Date, `datetime` →
  DateTime(timezone=True), `dict`/`list`/`tuple` → JSON; `X | None` is nullable; `Annotated[str,
  String(16)]` names another SQL type), plus `id` and the owning `run_id`;
- its registration: the fact family it belongs to (what `Rule.reads` names and `run.stats["facts"]`
  lists) and the `Snapshot` attribute it loads into.

Adding a fact family is one module in `storage/facts/`, its gatherer, and a migration.
"""
from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, NamedTuple, get_args, get_origin, get_type_hints

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeEngine

from storage.base import Base, hash_of

_SQL_TYPES: dict[type, Callable[[], TypeEngine]] = {
    str: Text, int: Integer, bool: Boolean, float: Float, date: Date,
    datetime: lambda: DateTime(timezone=True), dict: JSON, list: JSON, tuple: JSON,
}


class Indexed:
    """`Annotated[str, Indexed()]`: the column gets an index of its own (besides `run_id`'s)."""


@dataclasses.dataclass(frozen=True)
class FactTable:
    """A declared fact table: its fact class, generated model, family and snapshot attribute."""

    fact: type
    model: type
    family: str
    snapshot: str | None
    fields: tuple[str, ...]
    load: Callable[[dict[str, Any]], Any]

    def row(self, run_id: int, fact: Any) -> dict[str, Any]:
        """The table row of one fact of a run (tuples stored as JSON lists)."""
        out: dict[str, Any] = {"run_id": run_id}
        for name in self.fields:
            value = getattr(fact, name)
            out[name] = _to_json(value) if isinstance(value, tuple) else value
        return out


class FactRow(NamedTuple):
    """What a gatherer emits: a declared fact and the run it belongs to."""

    run_id: int
    fact: Any


TABLES: dict[type, FactTable] = {}  # fact class → its table, in declaration order


def fact_table(table: str, *, model: str, family: str, snapshot: str | None = None,
               unique: tuple[str, ...] = (), loaders: dict[str, Callable[[Any], Any]] | None = None
               ) -> Callable[[type], type]:
    """Declare a fact table (see the module docstring); `unique` adds a constraint on run_id + these
    fields, `loaders` convert stored values of a field when a snapshot is read (e.g. a time zone)."""

    def declare(cls: type) -> type:
        if not dataclasses.is_dataclass(cls):
            cls = dataclasses.dataclass(frozen=True)(cls)
        # The module's names, not the class's: a field called `date` must not hide the type `date`.
        module = vars(sys.modules[cls.__module__])
        hints = get_type_hints(cls, include_extras=True, globalns=module, localns=module)
        names = tuple(f.name for f in dataclasses.fields(cls))
        namespace: dict[str, Any] = {
            "__tablename__": table,
            "__doc__": cls.__doc__,
            "__module__": "storage.models",
            "__qualname__": model,
            "id": mapped_column(Integer, primary_key=True, autoincrement=True),
            "run_id": mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True, nullable=False),
        }
        args: list[Any] = []
        keys = list(unique)
        for name in names:
            sql_type, nullable, indexed = _column_type(hints[name])
            namespace[name] = mapped_column(name, sql_type, nullable=nullable)
            # Unbounded text (URLs) may exceed a btree index entry (≈ 2,700 bytes on PostgreSQL): a
            # unique key takes its SHA-256 instead, a plain index is a hash index on PostgreSQL.
            if name in unique and isinstance(sql_type, Text):
                namespace[f"{name}_hash"] = mapped_column(f"{name}_hash", String(64), nullable=nullable,
                                                          default=hash_of(name))
                keys[keys.index(name)] = f"{name}_hash"
            if indexed:
                args.append(Index(f"ix_{table}_{name}", name,
                                  **({"postgresql_using": "hash"} if isinstance(sql_type, Text) else {})))
        if unique:
            args.append(UniqueConstraint("run_id", *keys))
        if args:
            namespace["__table_args__"] = tuple(args)
        orm_model = type(model, (Base,), namespace)
        converters = {name: _loader(hints[name]) for name in names}
        converters.update(loaders or {})

        def load(values: dict[str, Any]) -> Any:
            return cls(**{n: converters[n](values[n]) for n in names})

        TABLES[cls] = FactTable(fact=cls, model=orm_model, family=family, snapshot=snapshot, fields=names,
                                load=load)
        cls.__fact_table__ = TABLES[cls]
        return cls

    return declare


def table_of(fact: Any) -> FactTable:
    """The declared table of a fact instance (or class)."""
    cls = fact if isinstance(fact, type) else type(fact)
    try:
        return TABLES[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a declared fact table (storage/facts/)") from None


def _column_type(hint: Any) -> tuple[TypeEngine, bool, bool]:
    """(SQL type, nullable, indexed) of a field's annotation."""
    sql_type: TypeEngine | None = None
    indexed = False
    if get_origin(hint) is Annotated:
        hint, *extras = get_args(hint)
        for extra in extras:
            if isinstance(extra, TypeEngine):
                sql_type = extra
            elif isinstance(extra, Indexed):
                indexed = True
    base, nullable = _unwrap_optional(hint)
    if sql_type is None:
        origin = get_origin(base) or base
        try:
            sql_type = _SQL_TYPES[origin]()
        except KeyError:
            raise TypeError(f"no SQL type for the annotation {hint!r}") from None
    return sql_type, nullable, indexed


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        return args[0], len(args) < len(get_args(hint))
    return hint, False


def _loader(hint: Any) -> Callable[[Any], Any]:
    """How a stored value becomes the field's value: JSON lists of a tuple field become tuples."""
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    base, _ = _unwrap_optional(hint)
    origin = get_origin(base) or base
    if origin is tuple:
        return lambda v: tuple(tuple(x) if isinstance(x, list) else x for x in (v or ()))
    if origin is dict:
        return lambda v: dict(v or {})
    if origin is list:
        return lambda v: list(v or ())
    return lambda v: v


def _to_json(value: tuple) -> list:
    return [_to_json(v) if isinstance(v, tuple) else v for v in value]
