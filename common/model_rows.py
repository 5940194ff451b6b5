"""Model instances from hand-written SQL, for the few statements on every message's path.

Django compiles a queryset anew each time it runs. For a locking read with joins that
is over a millisecond of CPU, more than the database takes to answer it (measured for
the worker in bench/webhook.sh): on the path every message takes, such a statement is
written once as SQL. Its rows still become model instances the way a queryset's do:
every field's converters run (JSON, encrypted tokens, time zones), so an instance
read here is the same as one read through the ORM.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


class ModelColumns(Generic[M]):
    """The concrete columns of ``model`` under a table alias (all, or ``only`` those, as a
    queryset's ``.only()``: the others load if ever read), and how to read them back."""

    def __init__(self, model: type[M], alias: str, only: Sequence[str] = ()) -> None:
        self.model = model
        self.alias = alias
        self.fields = [column_field(model, name) for name in only] if only else list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, list, Any]]] = {}

    @property
    def table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    @property
    def width(self) -> int:
        return len(self.fields)

    def select_list(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def instance(self, values: Sequence[Any]) -> M:
        """A model instance from this model's slice of a row, as the ORM would build it."""
        values = list(values)
        for position, converters, expression in self._converters_for(connection):
            values[position] = _converted(values[position], converters, expression)
        return self.model.from_db(connection.alias, self.attnames, values)

    def value(self, field_name: str, value: Any) -> Any:
        """One column of this model read on its own (``alias.column`` in a select list)."""
        field = self.model._meta.get_field(field_name)
        assert isinstance(field, Field)  # a column's field, never a relation's reverse side
        position = self.attnames.index(field.attname)
        for at, converters, expression in self._converters_for(connection):
            if at == position:
                return _converted(value, converters, expression)
        return value

    def _converters_for(self, db) -> list[tuple[int, list, Any]]:
        # What the compiler would apply (backend's, then the field's), worked out once per database.
        if db.alias not in self._converters:
            found = []
            for position, field in enumerate(self.fields):
                expression = field.get_col(self.alias)
                converters = db.ops.get_db_converters(expression) + expression.get_db_converters(db)
                if converters:
                    found.append((position, converters, expression))
            self._converters[db.alias] = found
        return self._converters[db.alias]


def _converted(value: Any, converters: list, expression: Any) -> Any:
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def row_instances(row: Sequence[Any], *columns: ModelColumns[Any]) -> list[Any]:
    """Split ``row`` (the columns' select lists one after the other) into one instance each,
    of each one's model in turn (``Any``: a list cannot say which position holds which)."""
    instances, start = [], 0
    for model_columns in columns:
        instances.append(model_columns.instance(row[start:start + model_columns.width]))
        start += model_columns.width
    return instances


def lock_clause(sql: str) -> str:
    """``sql`` (e.g. ``FOR UPDATE OF m``) where the database locks rows; nothing where it
    locks the whole database for a write transaction instead (SQLite)."""
    return sql if connection.features.has_select_for_update else ""


class ModelInsert(Generic[M]):
    """One INSERT of ``model`` written once, its values prepared as ``save()`` prepares them.

    ``Model.objects.create`` compiles the statement anew for every row: on the webhook's
    path, where each inbound message is one such row, that compiling cost about as much
    CPU as the database's work. Here the statement is built once per database; each
    field still prepares its own value (``pre_save``: ``auto_now_add``; ``get_db_prep_save``:
    JSON, encryption, time zones), and the new primary key is read back with RETURNING.
    No ``pre_save``/``post_save`` signals are sent: use it only for models nobody listens to.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        pk = model._meta.pk
        assert pk is not None and getattr(pk, "db_returning", False), "for models whose key the database assigns"
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self._sql: dict[str, str] = {}

    def _statement(self, db) -> str:
        if db.alias not in self._sql:
            quote = db.ops.quote_name
            pk = self.model._meta.pk
            assert pk is not None
            columns = ", ".join(quote(field.column) for field in self.fields)
            placeholders = ", ".join(["%s"] * len(self.fields))
            self._sql[db.alias] = (
                # Names from the model's own metadata, quoted; the values go as parameters.
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
                f"RETURNING {quote(pk.column)}"
            )
        return self._sql[db.alias]

    def insert(self, instance: M) -> M:
        """Store ``instance`` (raises ``IntegrityError`` like ``save()``) and give it its primary key."""
        params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection), params)
            instance.pk = cursor.fetchone()[0]
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance


def column_field(model: type[Model], name: str) -> Field:
    """The field of ``model`` named ``name`` that has a column (not a reverse relation)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} has no column"
    return field


def row_update(
    model: type[Model], pk: Any, *, where: dict[str, Any] | None = None, increment: Sequence[str] = (),
    **values: Any,
) -> int:
    """``model.objects.filter(pk=pk, **where).update(**values, **{f: F(f) + 1 for f in increment})``,
    its statement written once per shape; each value prepared by its field as ``update()``
    prepares it (a ``None`` in ``where`` is ``IS NULL``). How many rows changed (0 or 1).
    Sends no signals, as ``update()`` sends none."""
    where = where or {}
    fields = tuple(column_field(model, name) for name in values)
    conditions = tuple(column_field(model, name) for name in where)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    pk_field = model._meta.pk
    assert pk_field is not None
    params.append(pk_field.get_db_prep_save(pk, connection))
    params += [field.get_db_prep_save(value, connection)
               for field, value in zip(conditions, where.values(), strict=True) if value is not None]
    shape = _RowUpdateShape(
        model=model, columns=tuple(field.column for field in fields),
        increments=tuple(column_field(model, name).column for name in increment),
        conditions=tuple((field.column, value is None) for field, value in zip(conditions, where.values(),
                                                                                  strict=True)),
    )
    with connection.cursor() as cursor:
        cursor.execute(_row_update_sql(shape), params)
        return cursor.rowcount


@dataclass(frozen=True)
class _RowUpdateShape:
    model: type[Model]
    columns: tuple[str, ...]
    increments: tuple[str, ...]
    conditions: tuple[tuple[str, bool], ...]  # (column, is null)


@cache
def _row_update_sql(shape: _RowUpdateShape) -> str:
    quote = connection.ops.quote_name
    pk = shape.model._meta.pk
    assert pk is not None
    sets = [f"{quote(column)} = %s" for column in shape.columns]
    sets += [f"{quote(column)} = {quote(column)} + 1" for column in shape.increments]
    where = [f"{quote(pk.column)} = %s"]
    where += [f"{quote(column)} IS NULL" if is_null else f"{quote(column)} = %s"
              for column, is_null in shape.conditions]
    # Names from the model's own metadata, quoted; the values go as parameters.
    return f"UPDATE {quote(shape.model._meta.db_table)} SET {', '.join(sets)} WHERE {' AND '.join(where)}"  # noqa: S608
