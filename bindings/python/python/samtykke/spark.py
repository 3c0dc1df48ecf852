"""The consent-log audit on Apache Spark (SPEC §17), past one machine.

``audit(df, policy)`` repartitions a DataFrame of events by visitor, sorts each
partition by (visitor, file, line) where those columns exist, else by the
parsed time, and runs the Rust auditor on each partition through
``mapInArrow``: one auditor a partition, which keeps every visitor's state
across Arrow batches. It returns a DataFrame of violations and one of input
errors, with the columns of ``AuditReport.violations_table()`` and
``input_errors_table()``.

``read_json(spark, paths)`` reads JSON-lines logs (gzip too) with their
``file`` and ``line`` columns, so that findings point at the line of the file.

pyspark is not a dependency of samtykke: importing this module without it
raises ``ImportError`` saying what to install (``pyspark[sql]``, whose Arrow
path needs pandas and pyarrow).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Sequence, Set, Tuple, Union

from ._native import LogError, Policy, audit as _audit, audit_lines as _audit_lines


def _load(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as missing:
        raise ImportError(
            "samtykke.spark needs pyspark with its Arrow support and pyarrow: pip install 'pyspark[sql]' pyarrow"
        ) from missing


pa = _load("pyarrow")
pc = _load("pyarrow.compute")
F = _load("pyspark.sql.functions")
T = _load("pyspark.sql.types")

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession  # type: ignore[import-not-found, unused-ignore]

__all__ = ["audit", "read_json", "EVENT_SCHEMA", "VIOLATIONS_SCHEMA", "INPUT_ERRORS_SCHEMA"]

#: SPEC §8's fields as Spark types: what ``read_json`` parses each line with.
EVENT_SCHEMA = T.StructType(
    [T.StructField("ts", T.StringType())]
    + [
        T.StructField(name, T.StringType())
        for name in ("visitor", "event", "trigger", "action", "control", "set_cookie", "cookie", "signal", "url")
    ]
    + [T.StructField(name, T.LongType()) for name in ("revision", "notice", "layer", "max_age_s")]
    + [T.StructField("gpc", T.BooleanType())]
    + [
        T.StructField(name, T.ArrayType(T.StringType()))
        for name in ("controls", "preselected", "granted", "providers_refused", "categories", "cookies")
    ]
)

_FINDINGS_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("file", T.StringType()),
        T.StructField("line", T.LongType()),
        T.StructField("visitor", T.StringType()),
        T.StructField("ts", T.StringType()),
        T.StructField("cookie", T.StringType()),
        T.StructField("category", T.StringType()),
        T.StructField("message", T.StringType()),
    ]
)

#: The columns of ``audit``'s violations DataFrame.
VIOLATIONS_SCHEMA = _FINDINGS_SCHEMA
#: The columns of ``audit``'s input-errors DataFrame.
INPUT_ERRORS_SCHEMA = T.StructType([_FINDINGS_SCHEMA[n] for n in ("file", "line", "message")])

_INPUT_ERROR = "input-error"
_ARROW_FINDINGS = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("file", pa.string()),
        pa.field("line", pa.int64()),
        pa.field("visitor", pa.string()),
        pa.field("ts", pa.string()),
        pa.field("cookie", pa.string()),
        pa.field("category", pa.string()),
        pa.field("message", pa.string()),
    ]
)


def _audit_partition(policy: Policy, grace_seconds: int) -> Any:
    """The function ``mapInArrow`` runs on each partition: every batch of it
    into one auditor (a visitor's state crosses batches), then the findings."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        first = next(batches, None)
        if first is None:
            return
        stream = pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
        report = _audit(stream, policy, grace_seconds=grace_seconds, threads=1)
        findings = pa.record_batch(report._findings())
        # Spark takes the declared types: line as a signed 64-bit integer.
        yield findings.cast(_ARROW_FINDINGS) if findings.num_rows else pa.RecordBatch.from_pylist([], _ARROW_FINDINGS)

    return run


def _audit_lines_partition(policy: Policy, grace_seconds: int, place: Sequence[str]) -> Any:
    """The function ``mapInArrow`` runs on each partition of lines as written
    (a ``text`` column): every line of it, in order, through one auditor of
    JSON lines, the local audit's parser, then the findings with the ``file``
    and ``line`` of their row, of those of the two columns in ``place`` (else
    null)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        kept: Dict[str, List[Any]] = {name: [] for name in place}

        def texts() -> Iterator[str]:
            # Line 1 is blank (skipped, never applied): no row is the input's
            # first line, where alone a byte-order mark is read (read_json
            # takes each file's own off its first line).
            yield ""
            for batch in batches:
                for name, arrays in kept.items():
                    arrays.append(batch.column(name))
                for text in batch.column("text").to_pylist():
                    # A null cell is no line: JSON's null, not an object.
                    yield "null" if text is None else text

        report = _audit_lines(texts(), policy, grace_seconds=grace_seconds)
        findings = pa.record_batch(report._findings())
        if not findings.num_rows:
            yield pa.RecordBatch.from_pylist([], _ARROW_FINDINGS)
            return
        row = pc.subtract(findings.column("line").cast(pa.int64()), 2)
        columns = {name: findings.column(name) for name in findings.schema.names}
        for name, arrays in (("file", kept.get("file")), ("line", kept.get("line"))):
            t = _ARROW_FINDINGS.field(name).type
            columns[name] = pc.take(pa.concat_arrays(arrays).cast(t), row) if arrays else pa.nulls(findings.num_rows, t)
        yield pa.RecordBatch.from_arrays(
            [columns[f.name].cast(f.type) for f in _ARROW_FINDINGS], schema=_ARROW_FINDINGS
        )

    return run


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def audit(
    df: "DataFrame",
    policy: Policy,
    grace_seconds: int = 0,
    partitions: Union[int, None] = None,
) -> Tuple["DataFrame", "DataFrame"]:
    """Audits a Spark DataFrame of consent-log events (SPEC §8's fields as
    columns) against ``policy``: ``(violations, input_errors)``, two DataFrames.

    The events are repartitioned by ``visitor`` (``partitions``, default
    Spark's ``spark.sql.shuffle.partitions``) and sorted within partitions by
    (visitor, file, line) when the DataFrame has ``file`` and ``line``
    columns (as ``read_json`` gives; give the files names that sort in their
    order), else by the parsed time of ``ts`` and then the input order; each
    partition is audited by one Rust auditor through ``mapInArrow``. With a
    ``text`` column of the lines as written (as ``read_json`` gives), the
    auditor reads those with the local audit's parser, so a bad line is the
    input error it is locally; the typed columns then only partition and sort
    (drop ``text`` to audit the columns themselves). A
    visitor's events out of time order are input errors, as in the local
    audit. Without a ``line`` column, ``line`` in the results is null. Both
    DataFrames come from one pass of the auditor, whose findings are persisted
    (memory and disk) when first computed.

    Raises ``samtykke.LogError`` naming the column when the DataFrame cannot
    be events (no ``visitor`` column, say), before the audit's jobs run. A
    column of another type than its field's (``revision`` as strings) is
    audited as the local audit reads it (SPEC §17): a cell of it with a value
    is its row's input error, with the words the JSON line gets; a column of
    nulls is an absent field.
    """
    if not isinstance(policy, Policy):
        raise TypeError(f"policy: expected a samtykke.Policy, found {type(policy).__name__}")
    if isinstance(grace_seconds, bool) or not isinstance(grace_seconds, int):
        raise TypeError(f"grace_seconds: expected an int, found {type(grace_seconds).__name__}")
    # `file` and `line` of a wrong type, all null, are absent to the auditor:
    # so they are to the ordering too.
    df = df.drop(*_check_schema(df, policy, grace_seconds))
    columns = set(df.columns)
    has_place = "file" in columns and "line" in columns
    if has_place:
        by_visitor = df.repartition(partitions, "visitor") if partitions else df.repartition("visitor")
        ordered = by_visitor.sortWithinPartitions("visitor", "file", "line")
    else:
        # The input order breaks ties within a second (taken before the shuffle).
        seq = "__samtykke_seq"
        with_seq = df.withColumn(seq, F.monotonically_increasing_id())
        by_visitor = with_seq.repartition(partitions, "visitor") if partitions else with_seq.repartition("visitor")
        ts_type = dict(df.dtypes).get("ts", "")
        parsed = F.col("ts") if ts_type.startswith("timestamp") else _parsed_time(F.col("ts"))
        ordered = by_visitor.sortWithinPartitions(F.col("visitor"), _whole_second(parsed), F.col(seq))
    if dict(df.dtypes).get("text") == "string":
        # Lines as written (read_json's `text`): audited by the local audit's
        # parser, so a mistyped field is the input error it is locally.
        place = [c for c in ("file", "line") if c in columns]
        run = _audit_lines_partition(policy, grace_seconds, place)
        findings = ordered.select("text", *place).mapInArrow(run, _FINDINGS_SCHEMA)
    else:
        findings = ordered.mapInArrow(_audit_partition(policy, grace_seconds), _FINDINGS_SCHEMA)
    if not has_place and "line" not in columns:
        findings = findings.withColumn("line", F.lit(None).cast("long"))
    # Both results come from one pass of the auditor: the findings (few, next
    # to the events) are kept, memory first, so that the second is not a
    # second audit.
    findings = findings.persist(_storage_level())
    violations = findings.filter(F.col("id") != _INPUT_ERROR)
    input_errors = findings.filter(F.col("id") == _INPUT_ERROR).select("file", "line", "message")
    return violations, input_errors


def _parsed_time(ts: Any) -> Any:
    """The time of RFC 3339 strings as Spark sorts them: ``t`` and ``z`` read as
    ``T`` and ``Z`` and a leap second as its stand-in, ``:59`` (as the audit
    reads them); null, never an error even under ANSI mode, where Spark cannot
    read the string. Such a line sorts first among its visitor's; the audit
    then judges its ``ts`` (``yesterday`` is an input error)."""
    upper = F.upper(ts)
    leap = upper.rlike(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:60")
    stand_in = F.concat(F.substring(upper, 1, 17), F.lit("59"), F.substring(upper, 20, 1 << 20))
    return F.try_to_timestamp(F.when(leap, stand_in).otherwise(upper))


def _whole_second(t: Any) -> Any:
    """The timestamp ``t`` in microseconds, rounded down to its whole second:
    the audit compares times in whole seconds (SPEC §8), so events within one
    second keep their input order, as in the local audit."""
    micros = F.unix_micros(t)
    return micros - F.pmod(micros, F.lit(1_000_000))


def _storage_level() -> Any:
    return _load("pyspark").StorageLevel.MEMORY_AND_DISK


def _check_schema(df: "DataFrame", policy: Policy, grace_seconds: int = 0) -> Set[str]:
    """Raises ``LogError`` naming the column when ``df``'s schema cannot be
    events (no ``visitor`` column, a ``ts`` of timestamps without a zone): the
    same check the auditor makes, on an empty table of that schema. A column
    of another type than its field's is no error of the table: each of its
    cells with a value is its row's input error, in the executors as in the
    local audit (SPEC §17). Returns the ``file`` and ``line`` columns of the
    wrong type whose cells are all null (one job each asks Spark for a value):
    absent to the auditor, they must not order the rows either. A
    ``grace_seconds`` out of range is the local audit's ``ValueError``, here."""
    schema = _arrow_schema(df)
    _audit(pa.RecordBatch.from_pylist([], schema), policy, grace_seconds=grace_seconds, threads=1)
    fits = {
        "file": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t),
        "line": lambda t: pa.types.is_integer(t) or pa.types.is_null(t),
    }
    return {
        f.name
        for f in schema
        if f.name in fits
        and not fits[f.name](f.type)
        and not df.where(F.col(_quoted(f.name)).isNotNull()).take(1)
    }


def _quoted(column: str) -> str:
    """``column`` as Spark reads a name (dots and backticks taken literally)."""
    return "`" + column.replace("`", "``") + "`"


def _arrow_schema(df: "DataFrame") -> Any:
    """``df``'s schema as Arrow, as ``mapInArrow`` will hand its batches over."""
    try:
        from pyspark.sql.pandas.types import to_arrow_schema  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover
        return pa.schema([])
    try:
        return to_arrow_schema(df.schema, prefers_large_types=False)
    except TypeError:  # older pyspark: no prefers_large_types
        return to_arrow_schema(df.schema)


def read_json(spark: "SparkSession", paths: Union[str, Sequence[str]]) -> "DataFrame":
    """Reads JSON-lines consent logs (``.gz`` too) into a DataFrame of events
    with SPEC §8's fields (``EVENT_SCHEMA``) and ``file`` (the path as Spark
    names it), ``line`` (from 1 in each file) and ``text`` (the line as written,
    a byte-order mark opening a file taken off) columns. Blank lines are
    skipped. The fields are Spark's reading of the line (``from_json``: a
    field of the wrong type is null or converted, a line that is not JSON has
    every field null); ``audit`` reads ``text`` instead, with the local audit's
    parser, so each bad line is the input error it is locally. One exception:
    Spark reads the files as UTF-8 text and puts U+FFFD for a byte that is
    not UTF-8, so such a line is audited as so replaced, where the local audit
    reports it as not UTF-8.

    Each file is read whole by one task (Spark's ``wholetext``), so that lines
    are numbered in file order; split a log into files of a size one task can
    hold.
    """
    if isinstance(paths, str):
        paths = [paths]
    paths = list(paths)
    text = spark.read.text(paths, wholetext=True).select("value", F.col("_metadata.file_path").alias("file"))
    lines = text.select("file", F.posexplode(F.split(F.col("value"), "\n")).alias("pos", "text"))
    lines = lines.withColumn("line", (F.col("pos") + 1).cast("long")).filter(F.trim(F.col("text")) != "")
    # A file's first line may open with a byte-order mark (as the audit reads a file).
    first = F.col("pos") == 0
    lines = lines.withColumn("text", F.when(first, F.regexp_replace("text", "^\ufeff", "")).otherwise(F.col("text")))
    parsed = lines.select("file", "line", "text", F.from_json(F.col("text"), EVENT_SCHEMA).alias("e"))
    fields = [F.col("e." + f.name).alias(f.name) for f in EVENT_SCHEMA.fields]
    return parsed.select(*fields, "file", "line", "text")
