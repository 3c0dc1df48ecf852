"""What the native module asks of Python before it reads an object through the
Arrow PyCapsule interface."""

from __future__ import annotations

from typing import Any, Dict, Optional


def without_null_type(obj: Any) -> Any:
    """``obj`` (a polars ``DataFrame`` or ``Series``) with each column of
    polars' ``Null`` type, or of lists of it, cast to strings.

    polars gives such a column as a column with no data at all
    (``pl.read_ndjson`` does, for a field whose every value is ``[]`` or
    ``null``), but exports its ``Null`` arrays with a buffer the Arrow C Data
    Interface gives that type none, and the Rust reader refuses them ("doesn't
    expect buffer at index 0"). Every cell stays what it was (null, or an empty
    list), so the audit and the decoders read the values polars holds.
    """
    import polars as pl

    def fixed(dtype: Any) -> Optional[Any]:
        if dtype == pl.Null:
            return pl.String
        if isinstance(dtype, pl.List):
            inner = fixed(dtype.inner)
            return None if inner is None else pl.List(inner)
        return None

    if isinstance(obj, pl.Series):
        new = fixed(obj.dtype)
        return obj if new is None else obj.cast(new)
    if isinstance(obj, pl.DataFrame):
        casts: Dict[Any, Any] = {
            name: new for name, dtype in obj.schema.items() if (new := fixed(dtype)) is not None
        }
        return obj.cast(casts) if casts else obj
    return obj
