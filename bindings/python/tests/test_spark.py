"""SPEC §17: the audit on Spark, in local mode. Generated logs of thousands of
visitors over several files, each visitor's events continuing from file to
file, read by Spark as JSON lines and as Parquet: the violations (id, file,
line, cookie) and input errors equal the local audit's exactly, with Arrow
batches of a few rows so that visitors' state crosses batch boundaries. A
DataFrame that cannot be events is an exception naming the column, before the
audit runs, and a column of a wrong type is taken while all its cells are null,
as by the local audit; bad rows are input errors, never a worker's crash, and
read as written (read_json's `text`) they are the local audit's input errors.

Skipped without pyspark or java (scripts/test-python installs both)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

import samtykke

from conftest import KK_DK
from eventgen import write_logs

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs java (scripts/test-python installs openjdk-17-jre-headless)", allow_module_level=True)

import samtykke.spark  # noqa: E402

# pyspark checks the pandas it finds; its Arrow path (mapInArrow) used here does
# not go through pandas, and the test venv pins pandas 3 for the other tests.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

VISITORS = 3000
FILES = 4


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    # The workers run this interpreter, which has the wheel under test.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("samtykke-tests")
        .config("spark.sql.shuffle.partitions", "4")
        # A few rows a batch: each visitor's state crosses batch boundaries.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "7")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    return write_logs(tmp_path_factory.mktemp("spark-logs"), visitors=VISITORS, files=FILES)


@pytest.fixture(scope="module")
def policy() -> samtykke.Policy:
    return samtykke.Policy.load(KK_DK)


def local(paths: List[Path], policy: samtykke.Policy) -> Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]:
    report = samtykke.audit(paths, policy, threads=1)
    return (
        sorted((v["id"], Path(v["file"]).name, v["line"], v["cookie"]) for v in report.violations),
        sorted((Path(e["file"]).name, e["line"], e["message"]) for e in report.input_errors),
    )


def on_spark(df: Any, policy: samtykke.Policy) -> Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]:
    violations, errors = samtykke.spark.audit(df, policy)
    return (
        sorted((r["id"], Path(r["file"]).name, r["line"], r["cookie"]) for r in violations.collect()),
        sorted((Path(r["file"]).name, r["line"], r["message"]) for r in errors.collect()),
    )


def test_s17_spark_finds_what_the_local_audit_finds_from_json(spark: Any, logs: List[Path], policy: samtykke.Policy) -> None:
    want = local(logs, policy)
    assert len(want[0]) > 1000 and len(want[1]) > 50
    df = samtykke.spark.read_json(spark, [str(p) for p in logs])
    assert df.count() == sum(len(p.read_text().splitlines()) for p in logs)
    # The lines as written (read_json's `text`), and the typed columns alone:
    # the generated logs' bad lines are ones Spark's own JSON reading types as
    # the audit does.
    assert on_spark(df, policy) == want
    assert on_spark(df.drop("text"), policy) == want


def test_s17_spark_finds_what_the_local_audit_finds_from_parquet(
    spark: Any, logs: List[Path], policy: samtykke.Policy, tmp_path: Path
) -> None:
    out = str(tmp_path / "events.parquet")
    samtykke.spark.read_json(spark, [str(p) for p in logs]).write.parquet(out)
    df = spark.read.parquet(out)
    assert on_spark(df, policy) == local(logs, policy)


def test_s17_without_file_and_line_spark_sorts_by_the_parsed_time(spark: Any, tmp_path: Path, policy: samtykke.Policy) -> None:
    # One file in time order: sorting by time within a visitor keeps its order.
    paths = write_logs(tmp_path, visitors=500, files=1, seed=11)
    report = samtykke.audit(paths, policy, threads=1)
    df = samtykke.spark.read_json(spark, [str(paths[0])]).drop("file", "line")
    violations, errors = samtykke.spark.audit(df, policy, grace_seconds=0)
    got = sorted((r["id"], r["visitor"], r["ts"], r["cookie"]) for r in violations.collect())
    assert got == sorted((v["id"], v["visitor"], v["ts"], v["cookie"]) for v in report.violations)
    assert all(r["line"] is None for r in violations.limit(5).collect())
    assert errors.count() == len(report.input_errors)


def test_s17_without_file_and_line_events_within_one_second_keep_their_order(
    spark: Any, tmp_path: Path, policy: samtykke.Policy
) -> None:
    # The audit compares times in whole seconds (SPEC §8): a refusal at .900
    # and a cookie at .100 of the same second, in that order, are a cookie
    # after the refusal. Sorting by the time's fraction put the cookie first.
    log = tmp_path / "fractions.jsonl"
    log.write_text(
        '{"ts":"2026-03-01T10:00:00.900Z","visitor":"v1","event":"decision","action":"reject_all"}\n'
        '{"ts":"2026-03-01T10:00:00.100Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n'
        '{"ts":"2026-03-01T11:00:00.5+01:00","visitor":"v2","event":"decision","action":"reject_all"}\n'
        '{"ts":"2026-03-01T10:00:00.25Z","visitor":"v2","event":"cookie_present","cookies":["nmstat"]}\n'
    )
    report = samtykke.audit(str(log), policy, threads=1)
    want = sorted((v["id"], v["visitor"], v["cookie"]) for v in report.violations)
    assert want == [("cookie-after-refusal", "v1", "nmstat"), ("cookie-after-refusal", "v2", "nmstat")]
    df = samtykke.spark.read_json(spark, [str(log)]).drop("file", "line")
    for frame in (df, df.drop("text")):
        violations, errors = samtykke.spark.audit(frame, policy)
        assert sorted((r["id"], r["visitor"], r["cookie"]) for r in violations.collect()) == want
        assert errors.count() == 0


def test_s13_spark_reads_each_line_as_the_local_audit_does(spark: Any, tmp_path: Path, policy: samtykke.Policy) -> None:
    # Lines Spark's own JSON reading would take (a field of the wrong type null
    # or converted, trailing text, a key twice) and files opening with a
    # byte-order mark: read_json keeps each line as written, and the audit
    # reads that with the local audit's parser.
    bom = "\ufeff"
    first = tmp_path / "part-0.jsonl"
    first.write_text(
        bom + '{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"decision","action":"reject_all"}\n'
        '{"ts":"2026-03-01T10:00:01Z","visitor":"v2","event":"notice_shown","revision":2,"notice":"1","controls":["accept_all","reject_all"]}\n'
        '{"ts":"2026-03-01T10:00:02Z","visitor":"v2","event":"decision","action":"save","granted":"statistics","notice":1}\n'
        '{"ts":"2026-03-01T10:00:03Z","visitor":"v1","event":"cookie_present","cookies":["nmstat",5]}\n'
        '{"ts":"2026-03-01T10:00:04Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]} and more\n'
        '{"ts":"2026-03-01T10:00:05Z","ts":"2026-03-01T10:00:06Z","visitor":"v1","event":"signal","signal":"gpc"}\n'
        '{"ts":"2026-03-01T10:00:07Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n'
        '{"ts":"2026-03-01T10:00:08Z","visitor":"v2","event":"cookie_present","cookies":["nmstat"],"revision":1.0}\n',
        encoding="utf-8",
    )
    second = tmp_path / "part-1.jsonl"
    second.write_text(
        bom + '{"ts":"2026-03-01T10:00:09Z","visitor":"v2","event":"cookie_present","cookies":["nmstat"]}\n'
        + bom + '{"ts":"2026-03-01T10:00:10Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n',
        encoding="utf-8",
    )
    want = local([first, second], policy)
    assert len(want[0]) >= 3 and len(want[1]) >= 6
    df = samtykke.spark.read_json(spark, [str(first), str(second)])
    assert on_spark(df, policy) == want


def test_s13_without_file_and_line_spark_reads_every_time_the_audit_reads(
    spark: Any, tmp_path: Path, policy: samtykke.Policy
) -> None:
    # Spark's ANSI mode (on by default since 4.0) fails a job on a cast it cannot
    # make: a `ts` the audit refuses, or reads where Spark does not, must not.
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"
    log = tmp_path / "times.jsonl"
    log.write_text(
        '{"ts":"2026-06-30T23:59:58Z","visitor":"v1","event":"decision","action":"reject_all"}\n'
        '{"ts":"yesterday","visitor":"v1","event":"signal","signal":"gpc"}\n'
        '{"ts":"2026-06-30T23:59:60Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n'
        '{"ts":"2026-07-01t00:00:05z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n'
    )
    report = samtykke.audit(str(log), policy, threads=1)
    want = sorted((v["id"], v["ts"], v["cookie"]) for v in report.violations)
    assert want == [
        ("cookie-after-refusal", "2026-06-30T23:59:60Z", "nmstat"),
        ("cookie-after-refusal", "2026-07-01t00:00:05z", "nmstat"),
    ]
    violations, errors = samtykke.spark.audit(samtykke.spark.read_json(spark, [str(log)]).drop("file", "line"), policy)
    assert sorted((r["id"], r["ts"], r["cookie"]) for r in violations.collect()) == want
    assert [r["message"] for r in errors.collect()] == [e["message"] for e in report.input_errors]


def test_s13_spark_refuses_a_grace_out_of_range_as_the_local_audit_does(
    spark: Any, logs: List[Path], policy: samtykke.Policy
) -> None:
    df = samtykke.spark.read_json(spark, [str(logs[0])])
    for grace in (-1, 2**32):
        with pytest.raises(ValueError) as local:
            samtykke.audit(str(logs[0]), policy, grace_seconds=grace)
        # Raised by the call itself, not by the first action on its results.
        with pytest.raises(ValueError) as remote:
            samtykke.spark.audit(df, policy, grace_seconds=grace)
        assert str(remote.value) == str(local.value)


def test_s17_a_dataframe_without_visitor_names_the_column(spark: Any, logs: List[Path], policy: samtykke.Policy) -> None:
    df = samtykke.spark.read_json(spark, [str(logs[0])]).drop("visitor")
    with pytest.raises(samtykke.LogError, match="column `visitor`") as raised:
        samtykke.spark.audit(df, policy)
    assert raised.value.path == "visitor"


def test_s17_a_column_of_the_wrong_type_is_taken_while_all_its_cells_are_null(
    spark: Any, logs: List[Path], policy: samtykke.Policy
) -> None:
    from pyspark.sql import functions as F

    # The columns, not the lines as written, are what is audited here.
    df = samtykke.spark.read_json(spark, [str(p) for p in logs]).drop("text")
    # The same rows: `layer` and `url` null throughout, `line` too in the second
    # pair, as columns of the fields' own types and as columns of types their
    # fields cannot have. The auditor takes the latter as absent (SPEC §17).
    typed = df.withColumn("layer", F.lit(None).cast("long")).withColumn("url", F.lit(None).cast("string"))
    odd = df.withColumn("layer", F.lit(None).cast("boolean")).withColumn("url", F.lit(None).cast("array<long>"))
    want = on_spark(typed, policy)
    assert len(want[0]) > 1000
    assert on_spark(odd, policy) == want
    # `line` of the wrong type, all null, is absent: findings sorted by time, no line.
    no_line = on_spark(typed.drop("line"), policy)
    assert on_spark(typed.withColumn("line", F.lit(None).cast("string")), policy) == no_line
    assert all(line is None for _, _, line, _ in no_line[0])
    # A value in such a column: its row's input error, with the words the
    # JSON line `"layer":true` gets on a notice, as in the local audit; the
    # other rows are audited.
    marked = (F.col("event") == "notice_shown") & (F.col("line") <= 40)
    at = sorted((Path(r["file"]).name, r["line"]) for r in odd.where(marked).select("file", "line").collect())
    assert at
    one = odd.withColumn("layer", F.when(marked, F.lit(True)).otherwise(F.lit(None)))
    violations, errors = on_spark(one, policy)
    added = sorted(set(errors) - set(want[1]))
    assert added == [(f, n, "`layer` must be an integer, not a boolean") for f, n in at]
    assert len(violations) > 1000


def test_s17_bad_rows_are_input_errors_not_a_crash(spark: Any, tmp_path: Path, policy: samtykke.Policy) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(
        '{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"decision","action":"reject_all"}\n'
        "not json at all\n"
        '{"ts":"2026-03-01T10:00:02","visitor":"v1","event":"signal","signal":"gpc"}\n'
        '{"ts":"2026-03-01T10:00:03Z","visitor":"v1","event":"decision"}\n'
        '{"ts":"2026-03-01T10:00:04Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}\n'
    )
    violations, errors = samtykke.spark.audit(samtykke.spark.read_json(spark, [str(log)]), policy)
    assert [(r["line"], r["message"]) for r in errors.orderBy("line").collect()] == [
        (2, "not JSON: expected a value at column 1"),
        (3, '`ts` "2026-03-01T10:00:02" has no time zone (RFC 3339 needs `Z` or an offset)'),
        (4, "missing `action`"),
    ]
    assert [(r["id"], r["line"]) for r in violations.collect()] == [("cookie-after-refusal", 5)]
