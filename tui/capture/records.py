"""Records for ``tui.capture.schema``: lists of JSON objects or of positional rows, checked a column
at a time and then built into the model's dataclasses (pure, no I/O).

A record is a table ``name -> Field``; adding an optional field to a capture is one line in
that table (see ``tui.capture.tables``).  Fields that hold records (a route's next hops, a
namespace's processes, a link's IPv4 settings) are fields too, so nesting is checked the same
way, to the depth the format has and no deeper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.capture.schema import MISSING, Ctx, Field, SchemaError, place, show

# A check across a record's fields: (columns by name, context) -> (index, field, what) or None.
CrossCheck = Callable[[Mapping[str, Sequence[Any]], Ctx], "tuple[int, str, str] | None"]


class _Nested(Exception):
    """A fault inside a nested record: the outer record adds where that record is."""

    def __init__(self, index: int, where: str, what: str) -> None:
        super().__init__(where)
        self.index, self.where, self.what = index, where, what


@dataclass
class Record:
    """JSON objects with these keys (``required`` ones present), built into ``cls``."""

    cls: Callable[..., Any]
    fields: dict[str, Field]
    required: tuple[str, ...] = ()
    cross: tuple[CrossCheck, ...] = ()

    def check(self, records: Sequence[Any], where: str, ctx: Ctx) -> None:
        """SchemaError naming the first fault of any record."""
        if not set(map(type, records)) <= {dict}:
            i = next(i for i, r in enumerate(records) if type(r) is not dict)
            raise SchemaError(f"{where}[{i}]", f"{show(records[i])} is not an object")
        keys: set[str] = set().union(*records) if records else set()
        if not keys <= self.fields.keys():
            key = sorted(keys - self.fields.keys())[0]
            i = next(i for i, r in enumerate(records) if key in r)
            raise SchemaError(f"{where}[{i}]", f"unknown field {show(key)}")
        for key in self.required:
            for i, r in enumerate(records):
                if key not in r:
                    raise SchemaError(f"{where}[{i}]", f"the field {key!r} is missing")
        # A field no record has is all absent, which every field allows: only the columns
        # of keys present are checked (most records leave most optional fields out).
        columns = {
            key: [r.get(key, MISSING) for r in records] for key in self.fields if key in keys
        }
        check_columns(self.fields, columns, self.cross, where, ctx)

    def build(self, data: dict[str, Any]) -> Any:
        """The model object of one checked record."""
        fields = self.fields
        return self.cls(
            **{
                k: (v if (conv := fields[k].convert) is None or v is None else conv(v))
                for k, v in data.items()
            }
        )


@dataclass
class Rows:
    """Positional rows (a list per record, its fields in ``names``' order), built into ``cls``
    by position: the compact form of the biggest collections."""

    cls: Callable[..., Any]
    fields: dict[str, Field]
    names: tuple[str, ...] = ()
    cross: tuple[CrossCheck, ...] = ()
    shortest: int | None = None  # rows may leave out trailing fields down to this many

    def check(self, rows: Sequence[Any], where: str, ctx: Ctx) -> None:
        """SchemaError naming the first fault of any row."""
        if not set(map(type, rows)) <= {list, tuple}:
            i = next(i for i, r in enumerate(rows) if type(r) not in (list, tuple))
            raise SchemaError(f"{where}[{i}]", f"{show(rows[i])} is not a list")
        width = len(self.names)
        widths = {width} if self.shortest is None else {self.shortest, width}
        lengths = set(map(len, rows))
        if not lengths <= widths:
            i = next(i for i, r in enumerate(rows) if len(r) not in widths)
            wanted = " or ".join(map(str, sorted(widths)))
            raise SchemaError(f"{where}[{i}]", f"a row of {len(rows[i])} values, not {wanted}")
        if len(lengths) > 1:  # short rows: their missing fields keep the defaults
            cols: list[Sequence[Any]] = [
                [r[k] if k < len(r) else MISSING for r in rows] for k in range(width)
            ]
        else:
            cols = list(zip(*rows, strict=True)) if rows else [() for _ in self.names]
            if rows and len(rows[0]) < width:
                cols += [[MISSING] * len(rows) for _ in range(width - len(rows[0]))]
        columns = dict(zip(self.names, cols, strict=True))
        check_columns(self.fields, columns, self.cross, where, ctx)

    def build_row(self, row: Sequence[Any]) -> Any:
        """The model object of one checked row (fields with a conversion converted)."""
        converts = [self.fields[name].convert for name in self.names]
        return self.cls(
            *[v if c is None or v is None else c(v) for c, v in zip(converts, row, strict=False)]
        )


def check_columns(
    fields: Mapping[str, Field],
    columns: Mapping[str, Sequence[Any]],
    cross: Sequence[CrossCheck],
    where: str,
    ctx: Ctx,
) -> None:
    """Every column against its field (the ``family`` column first: others depend on it),
    then the cross-field checks."""
    family = columns.get("family")
    inner = Ctx(family=family, links=ctx.links)
    order = ["family", *(k for k in columns if k != "family")] if family is not None else columns
    for key in order:
        try:
            bad = fields[key].check(columns[key], inner)
        except _Nested as exc:
            raise SchemaError(f"{where}[{exc.index}].{key}{exc.where}", exc.what) from None
        if bad is not None:
            raise SchemaError(f"{where}[{bad[0]}].{key}", bad[1])
    for check in cross:
        found = check(columns, inner)
        if found is not None:
            raise SchemaError(f"{where}[{found[0]}].{found[1]}", found[2])


@dataclass
class Nested(Field):
    """A field holding a list of records (``many``) or one record."""

    record: Record | Rows | None = None
    many: bool = True
    max_items: int = 2**24
    kinds: tuple[type, ...] = field(default=(list,))

    def __post_init__(self) -> None:
        record = self.record
        assert record is not None
        self.kinds = (list,) if self.many or isinstance(record, Rows) else (dict,)
        if isinstance(record, Rows):
            if any(f.convert is not None for f in record.fields.values()):
                build_row = record.build_row
                self.convert = lambda rows: tuple(map(build_row, rows))
            else:
                cls = record.cls
                self.convert = lambda rows: tuple(cls(*r) for r in rows)
            if not self.many:
                self.convert = record.build_row
        elif self.many:
            build = record.build
            self.convert = lambda objs: tuple(build(o) for o in objs)
        else:
            self.convert = record.build

    def noun(self) -> str:
        kind = "a list" if self.kinds == (list,) else "an object"
        return kind + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        assert self.record is not None
        items = values if self.many else [[v] for v in values]
        owner = [i for i, v in enumerate(items) if v for _ in v]
        flat = [x for v in items if v for x in v]
        if self.many:
            for i, v in enumerate(values):
                if len(v) > self.max_items:
                    return i, f"a list of {len(v)} items (at most {self.max_items})"
        try:
            self.record.check(flat, "", ctx)
        except SchemaError as exc:
            # exc.where is "[k].field...": k counts in ``flat``; say which item of which owner
            k = int(exc.where[1 : exc.where.index("]")])
            rest = exc.where[exc.where.index("]") + 1 :]
            i = owner[k]
            n = k - owner.index(i)
            inner = f"[{n}]{rest}" if self.many else rest
            raise _Nested(i if full is None else place(full, i), inner, exc.what) from None
        return None


def as_tuple(*values: Any) -> tuple[Any, ...]:
    """A positional row built as the plain tuple the model keeps ([type, data] pairs)."""
    return values
