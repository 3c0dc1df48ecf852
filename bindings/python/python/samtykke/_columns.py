"""The result of ``Policy.decode_cookies``: a dict of equally long lists."""

from __future__ import annotations

from typing import Any, Dict, List

__all__ = ["CookieColumns"]

# Columns of whole numbers that may hold None (a row that did not decode, or a
# state without a decision): pandas reads such a list as floats unless told.
_INTEGER_COLUMNS = ("decided_at", "expires", "revision")


class CookieColumns(Dict[str, List[Any]]):
    """Decoded consent cookies as columns: a ``dict`` of equally long lists.

    Keys: ``consent_id`` (32 hex digits), ``decided_at`` and ``expires`` (UTC
    epoch seconds), ``revision``, one column per consent category, and
    ``error`` (``None`` where the row decoded). Build a table with
    ``to_pandas()`` or ``to_arrow()`` when pandas or pyarrow is installed.
    """

    __slots__ = ()

    def to_pandas(self) -> Any:
        """The columns as a ``pandas.DataFrame``; the times and the revision as
        nullable integers (``Int64``), the rest as pandas' default for strings.
        Raises ``ImportError`` without pandas."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(
            {
                name: pd.array(values, dtype="Int64") if name in _INTEGER_COLUMNS else values
                for name, values in self.items()
            }
        )

    def to_arrow(self) -> Any:
        """The columns as a ``pyarrow.Table`` (integers as ``int64``, the rest as
        strings, ``None`` as null). Raises ``ImportError`` without pyarrow."""
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        return pa.table(
            {
                name: pa.array(values, type=pa.int64() if name in _INTEGER_COLUMNS else pa.string())
                for name, values in self.items()
            }
        )

    def __repr__(self) -> str:
        rows = len(next(iter(self.values()), []))
        return f"CookieColumns({rows} rows: {', '.join(self)})"
