"""The result of ``Policy.decode_cookies``: a read-only mapping of column name
to list, over Arrow columns built in Rust (SPEC §10, §17)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional

__all__ = ["CookieColumns"]


class CookieColumns(Mapping[str, List[Any]]):
    """Decoded consent cookies as columns: a read-only mapping of column name to
    an equally long list, each list built on first access.

    Keys: ``consent_id`` (32 hex digits), ``decided_at`` and ``expires`` (UTC
    epoch seconds), ``revision``, one column per category, and
    ``error`` (``None`` where the row decoded).

    The columns are Arrow arrays built in Rust and exported through the Arrow
    PyCapsule interface (``__arrow_c_stream__``, ``__arrow_c_array__``):
    ``pyarrow.table(cols)``, ``polars.DataFrame(cols)`` and
    ``pandas.DataFrame.from_arrow(cols)`` (pandas 3) take them without a
    Python object per row, and so do ``to_arrow()``, ``to_pandas()`` and
    ``to_polars()``. ``pandas.DataFrame(cols)`` does not: pandas reads a
    mapping that is not a ``dict`` as a list of its keys, a frame of the column
    names (``pandas.DataFrame(dict(cols))`` reads the lists).
    """

    __slots__ = ("_native", "_lists")

    def __init__(self, native: Any) -> None:
        self._native = native
        self._lists: Dict[str, List[Any]] = {}

    def __getitem__(self, name: str) -> List[Any]:
        if not isinstance(name, str):
            # A Mapping's missing key, whatever its type (cols[0] too).
            raise KeyError(name)
        got = self._lists.get(name)
        if got is None:
            got = self._native.column(name)
            self._lists[name] = got
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self._native.names())

    def __len__(self) -> int:
        return len(self._native.names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._native.names()

    @property
    def num_rows(self) -> int:
        """Rows (decoded cookie values)."""
        return int(self._native.num_rows)

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """The columns as an Arrow C stream (one struct array of the columns)."""
        return self._native.__arrow_c_stream__(requested_schema)

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> object:
        """The columns as an Arrow C struct array and its schema."""
        return self._native.__arrow_c_array__(requested_schema)

    def __arrow_c_schema__(self) -> object:
        """The columns' Arrow C schema (a struct)."""
        return self._native.__arrow_c_schema__()

    def to_arrow(self) -> Any:
        """The columns as a ``pyarrow.Table`` (integers as ``int64``, the rest as
        strings, ``None`` as null), without a copy. Raises ``ImportError``
        without pyarrow."""
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        return pa.table(self)

    def to_pandas(self) -> Any:
        """The columns as a ``pandas.DataFrame``; the times and the revision as
        nullable integers (``Int64``), the rest as pandas' default for strings.
        Raises ``ImportError`` without pandas and pyarrow."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        return self.to_arrow().to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)

    def to_polars(self) -> Any:
        """The columns as a ``polars.DataFrame``, from the Arrow columns (typed
        as in ``to_arrow()`` whatever the rows hold). Raises ``ImportError``
        without polars and pyarrow."""
        import polars as pl  # type: ignore[import-not-found, unused-ignore]

        return pl.from_arrow(self.to_arrow())

    def __repr__(self) -> str:
        return f"CookieColumns({self.num_rows} rows: {', '.join(self)})"
