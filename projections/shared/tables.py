"""A read model's tables, each spelt once: its name, its columns (in order, with their
SQL types), its key and its indexes.

Code names a column through its table (`ENTRIES.c.position`, or a list checked against
the table: `ENTRIES.names("position", "category")`), so a renamed or dropped column
fails in Python, at import for module-level lists, wherever it is still named, instead
of being read as missing. `str(ENTRIES)` is the table the API reads (the model's live
schema, `rm_timeline.entries`); a projector writes `ENTRIES.at(self.schema)`, which a
rebuild points elsewhere.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z_]\w*")
_LITERAL = re.compile(r"'[^']*'")


class Columns:
    """A table's columns as attributes: each is its own name, a missing one fails."""

    def __init__(self, table: str, names: tuple[str, ...]) -> None:
        self._table, self._names = table, frozenset(names)

    def __getattr__(self, column: str) -> str:
        if column.startswith("_") or column not in self._names:
            raise AttributeError(f"table {self._table} has no column {column!r}")
        return column


class Table:
    def __init__(
        self, schema: str, name: str, columns: str, *, key: str = "", constraints: tuple = ()
    ) -> None:
        self.schema, self.name = schema, name
        self.definitions = [d.strip() for d in _split(columns) if d.strip()]
        self.columns = tuple(d.split()[0] for d in self.definitions)
        self.c = Columns(name, self.columns)
        self.key = self.names(*(k.strip() for k in key.split(","))) if key else ""
        self.constraints = constraints

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"

    def at(self, schema: str) -> str:
        """The table in `schema` (a projector writes its own, maybe rebuilt, schema)."""
        return f"{schema}.{self.name}"

    def names(self, *columns: str, alias: str = "") -> str:
        """`columns` (default: all, in order) as a SELECT or INSERT list; each is checked."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + getattr(self.c, c) for c in columns or self.columns)

    def create(self, schema: str) -> str:
        parts = [*self.definitions, *self.constraints]
        if self.key:
            parts.append(f"PRIMARY KEY ({self.key})")
        body = ",\n    ".join(parts)
        return f"CREATE TABLE IF NOT EXISTS {self.at(schema)} (\n    {body})"

    def index(self, name: str, columns: str, where: str = "", using: str = "") -> Index:
        """An index on `columns` (expressions allowed; every word that is no SQL keyword or
        function must be a column)."""
        return Index(self, name, columns, where, using)


class Index:
    def __init__(self, table: Table, name: str, columns: str, where: str, using: str) -> None:
        self.table, self.name, self.columns, self.where, self.using = (
            table,
            name,
            columns,
            where,
            using,
        )
        text = _LITERAL.sub("", f"{columns} {where}")
        for word in _WORD.findall(text):
            if word.upper() not in _SQL and not _is_call(word, text):
                getattr(table.c, word)

    def create(self, schema: str) -> str:
        using = f" USING {self.using}" if self.using else ""
        where = f" WHERE {self.where}" if self.where else ""
        return (
            f"CREATE INDEX IF NOT EXISTS {self.name} ON {self.table.at(schema)}{using} "
            f"({self.columns}){where}"
        )


# words of index definitions that are no column (functions are told by their parenthesis)
_SQL = frozenset(
    {"DESC", "ASC", "NOT", "NULL", "IS", "AND", "OR", "TRUE", "FALSE", "NULLS", "LAST"}
    | {"GIN_TRGM_OPS"}
)


def _is_call(word: str, text: str) -> bool:
    return re.search(rf"\b{word}\s*\(", text) is not None


def _split(text: str) -> list[str]:
    """Split column definitions at the commas outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
