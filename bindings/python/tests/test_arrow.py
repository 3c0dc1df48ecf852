"""SPEC §17: Arrow in and out. ``decode_cookies`` takes Arrow arrays and
Series and its columns export through the PyCapsule interface;
``samtykke.audit`` takes Arrow tables and record-batch streams (state crossing
batches of a few rows) and gives its violations back as Arrow; bad tables are
errors naming the column, bad rows input errors of their row; a ``Policy``
pickles."""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import samtykke

from conftest import KEY, KK_DK, T0
from eventgen import ARROW_EVENT_SCHEMA, write_logs

pa = pytest.importorskip("pyarrow")


def cookies(kk: samtykke.Policy) -> List[Any]:
    a = kk.new_state(1).accept_all(T0)
    b = kk.new_state(2).save(["statistics"], T0 + timedelta(days=1)).withdraw(T0 + timedelta(days=2))
    return [a.to_cookie(KEY), "garbage", b.to_cookie(KEY), kk.new_state(3).to_cookie(KEY), None, a.to_cookie()]


# ---- decode_cookies ---------------------------------------------------------


def test_s17_columns_are_a_read_only_mapping_built_on_first_access(kk: samtykke.Policy) -> None:
    cols = kk.decode_cookies(cookies(kk), KEY)
    assert isinstance(cols, Mapping) and not isinstance(cols, dict)
    assert cols["consent_id"] is cols["consent_id"]
    assert "statistics" in cols and "nope" not in cols and len(cols) == 8
    with pytest.raises(KeyError):
        cols["nope"]
    with pytest.raises(KeyError):
        cols[0]  # type: ignore[index]
    assert cols.get(0) is None  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        cols["error"] = []  # type: ignore[index]
    assert cols.num_rows == 6


def test_s17_columns_export_arrow_through_the_pycapsule_interface(kk: samtykke.Policy) -> None:
    cols = kk.decode_cookies(cookies(kk), KEY)
    table = pa.table(cols)
    assert table.column_names == list(cols)
    assert table.to_pydict() == dict(cols)
    assert table.schema.field("decided_at").type == pa.int64()
    assert table.schema.field("statistics").type == pa.string()
    batch = pa.record_batch(cols)  # __arrow_c_array__
    assert batch.to_pydict() == dict(cols)
    assert pa.schema(cols) == table.schema  # __arrow_c_schema__
    assert cols.to_arrow().equals(table)


def test_s17_dictionary_encoded_strings_read_as_strings(kk: samtykke.Policy) -> None:
    """pandas' ``category`` and polars' ``Categorical`` columns are Arrow
    dictionaries: decoded and audited as the plain strings they stand for."""
    values = cookies(kk)
    plain = dict(kk.decode_cookies(pa.array(values), KEY, now=T0))
    encoded = pa.array(values).dictionary_encode()
    assert dict(kk.decode_cookies(encoded, KEY, now=T0)) == plain
    # A dictionary with no values at all (an empty or all-null category).
    for empty in (pa.array([None, None], pa.dictionary(pa.int8(), pa.string())),
                  pa.array([], pa.dictionary(pa.int8(), pa.string()))):
        cols = kk.decode_cookies(empty, KEY, now=T0)
        assert cols.num_rows == len(empty)
        assert all(e is not None for e in cols["error"])
        assert samtykke.tcf.decode_many(empty).num_rows == len(empty)
    rows = {
        "ts": ["2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z", "2026-03-01T10:00:02Z"],
        "visitor": ["v1", "v1", "v1"],
        "event": ["notice_shown", "decision", "cookie_set"],
        "action": [None, "reject_all", None],
        "cookie": [None, None, "nmstat"],
    }
    want = samtykke.audit(pa.table(rows), kk)
    got = samtykke.audit(pa.table({k: pa.array(v).dictionary_encode() for k, v in rows.items()}), kk)
    assert want.violations and got.violations == want.violations
    assert got.input_errors == want.input_errors


def test_an_arrow_array_of_strings_is_no_table_and_the_error_says_so(kk: samtykke.Policy) -> None:
    with pytest.raises(TypeError, match=r"^paths: expected a path, a list of paths or an Arrow table"):
        samtykke.audit(pa.array(["x"]), kk)


def test_s17_polars_and_pandas_take_the_columns(kk: samtykke.Policy) -> None:
    pl = pytest.importorskip("polars")
    cols = kk.decode_cookies(cookies(kk), KEY, now=T0)
    df = pl.DataFrame(cols)
    assert df.columns == list(cols)
    assert df["consent_id"].to_list() == cols["consent_id"]
    assert cols.to_polars()["revision"].to_list() == cols["revision"]
    # to_polars types its columns as Arrow does, whatever the rows hold: every
    # row decoding leaves `error` all None, still a string column.
    good = kk.decode_cookies([c for c in cookies(kk)[:1]], KEY, now=T0).to_polars()
    assert good.schema["error"] == pl.String and good["error"].to_list() == [None]
    assert good.schema["decided_at"] == pl.Int64
    # TC strings with publisher restrictions (a list of structs) too.
    tc = samtykke.tcf.decode_many(["COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA"])
    assert tc.to_polars().height == 1
    pdf = cols.to_pandas()
    assert str(pdf["expires"].dtype) == "Int64"
    # pandas 3 reads the Arrow columns themselves (its constructor would read a
    # mapping that is not a dict as its keys: the docs say to use this).
    pd = pytest.importorskip("pandas")
    if hasattr(pd.DataFrame, "from_arrow"):
        frame = pd.DataFrame.from_arrow(cols)
        assert list(frame.columns) == list(cols) and len(frame) == cols.num_rows
        assert [None if pd.isna(v) else v for v in frame["consent_id"]] == cols["consent_id"]
    assert pdf["statistics"].tolist()[0] == "granted"


def arrow_inputs(values: List[Any]) -> List[Tuple[str, Any]]:
    out: List[Tuple[str, Any]] = [
        ("string", pa.array(values, pa.string())),
        ("large_string", pa.array(values, pa.large_string())),
        ("string_view", pa.array(values, pa.string_view())),
        ("binary", pa.array([None if v is None else v.encode() for v in values], pa.binary())),
        ("chunked", pa.chunked_array([values[:2], values[2:]], pa.string())),
    ]
    try:
        import polars as pl

        out.append(("polars", pl.Series("c", values, dtype=pl.String)))
    except ImportError:
        pass
    import pandas as pd

    series = pd.Series(values, dtype="string[pyarrow]")
    if hasattr(series, "__arrow_c_stream__"):
        out.append(("pandas", series))
    return out


def test_s17_arrow_inputs_decode_as_the_list(kk: samtykke.Policy) -> None:
    values = cookies(kk)
    expected = kk.decode_cookies(values, KEY, now=T0)
    for name, arrow in arrow_inputs(values):
        got = kk.decode_cookies(arrow, KEY, now=T0)
        assert dict(got) == dict(expected), name
    later = T0 + timedelta(days=100)
    assert dict(kk.decode_cookies(pa.array(values), KEY, now=later)) == dict(
        kk.decode_cookies(values, KEY, now=later)
    )
    assert dict(kk.decode_cookies(pa.array([], pa.string()))) == dict(kk.decode_cookies([]))


def test_s17_an_arrow_array_of_another_type_is_a_type_error(kk: samtykke.Policy) -> None:
    with pytest.raises(TypeError, match=r"values: expected an Arrow array of strings or binaries, not of Int64"):
        kk.decode_cookies(pa.array([1, 2]))


# ---- audit ------------------------------------------------------------------


def key_of(v: Dict[str, Any]) -> Tuple[Any, ...]:
    return (v["id"], v["line"], v["visitor"], v["cookie"], v["category"])


def rows_of(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def event_table(rows: List[Dict[str, Any]]) -> Any:
    return pa.Table.from_pylist(rows, ARROW_EVENT_SCHEMA)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("arrow-log")
    paths = write_logs(folder, visitors=600, files=1)
    return paths[0]


def test_s17_a_table_audits_as_its_json_lines(kk: samtykke.Policy, log: Path) -> None:
    expected = samtykke.audit(log, kk, threads=1)
    assert len(expected.violations) > 100 and len(expected.input_errors) > 5
    want = [key_of(v) for v in expected.violations]
    want_errors = [(e["line"], e["message"]) for e in expected.input_errors]
    table = event_table(rows_of(log))
    # A few rows a batch: every visitor's state crosses batch boundaries.
    small = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=3))
    for name, source, threads in [
        ("table", table, 1),
        ("table, 2 threads", table, 2),
        ("reader", small, None),
        ("batch", table.combine_chunks().to_batches()[0], 1),
    ]:
        got = samtykke.audit(source, kk, threads=threads)
        assert [key_of(v) for v in got.violations] == want, name
        assert [(e["line"], e["message"]) for e in got.input_errors] == want_errors, name
        assert {v["file"] for v in got.violations} == {""}
        assert got.summary["visitors"] == expected.summary["visitors"]
    pl = pytest.importorskip("polars")
    got = samtykke.audit(pl.from_arrow(table), kk)
    assert [key_of(v) for v in got.violations] == want


def test_s17_polars_columns_of_its_null_type_are_read(kk: samtykke.Policy, tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    # polars reads a field whose every value is `[]` as a list of its `Null`
    # type, and one that is always null as `Null`; it exports that type with a
    # buffer the C Data Interface gives it none.
    log = tmp_path / "nulls.jsonl"
    log.write_text(
        '{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"notice_shown","controls":["accept_all","reject_all"],"preselected":[],"layer":null}\n'
        '{"ts":"2026-03-01T10:00:04Z","visitor":"v1","event":"decision","action":"save","granted":[],"layer":null}\n'
        '{"ts":"2026-03-01T10:00:05Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"],"layer":null}\n'
        '{"ts":"2026-03-01T10:00:06Z","visitor":"v2","event":"cookie_present","cookies":[],"layer":null}\n'
    )
    frame = pl.read_ndjson(log)
    assert frame.schema["preselected"] == pl.List(pl.Null) and frame.schema["layer"] == pl.Null
    expected = samtykke.audit(str(log), kk, threads=1)
    assert [v["id"] for v in expected.violations] == ["cookie-after-refusal"]
    got = samtykke.audit(frame, kk, threads=1)
    assert got.violations == [{**v, "file": ""} for v in expected.violations]
    assert got.summary["events"] == 4 and got.input_errors == []
    # A Series of nulls alone, to the decoders: a row for each, as `None`s give.
    nulls = pl.Series("c", [None, None])
    assert nulls.dtype == pl.Null
    assert kk.decode_cookies(nulls, KEY)["error"] == kk.decode_cookies([None, None], KEY)["error"]
    assert samtykke.tcf.decode_many(nulls)["error"] == samtykke.tcf.decode_many([None, None])["error"]


def test_s17_a_timestamp_column_audits_as_the_strings(kk: samtykke.Policy, log: Path) -> None:
    expected = samtykke.audit(log, kk, threads=1)
    table = event_table(rows_of(log))
    from datetime import datetime

    # The same instants as UTC timestamps, read with Python's own parser.
    utc = pa.array(
        [int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()) for s in table["ts"].to_pylist()],
        pa.timestamp("s", tz="UTC"),
    )
    got = samtykke.audit(table.set_column(0, "ts", utc), kk, threads=1)
    assert [key_of(v) for v in got.violations] == [key_of(v) for v in expected.violations]


def test_s17_file_and_line_columns_are_carried_through(kk: samtykke.Policy, tmp_path: Path) -> None:
    paths = write_logs(tmp_path, visitors=300, files=3)
    expected = samtykke.audit(paths, kk, threads=1)
    rows = []
    for p in paths:
        for i, r in enumerate(rows_of(p), 1):
            rows.append({**r, "file": str(p), "line": i})
    table = event_table([{k: v for k, v in r.items() if k not in ("file", "line")} for r in rows])
    table = table.append_column("file", pa.array([r["file"] for r in rows])).append_column(
        "line", pa.array([r["line"] for r in rows], pa.int64())
    )
    got = samtykke.audit(table.to_reader(max_chunksize=5), kk)
    assert [(v["file"], *key_of(v)) for v in got.violations] == [
        (v["file"], *key_of(v)) for v in expected.violations
    ]
    assert got.summary["files"] == 3


def test_s17_violations_come_back_as_arrow(kk: samtykke.Policy, log: Path) -> None:
    report = samtykke.audit(log, kk, threads=1)
    table = report.violations_table()
    assert table.column_names == ["id", "file", "line", "visitor", "ts", "cookie", "category", "message"]
    assert table.to_pylist() == report.violations
    errors = report.input_errors_table()
    assert errors.column_names == ["file", "line", "message"]
    assert errors.to_pylist() == report.input_errors
    pl = pytest.importorskip("polars")
    assert report.to_polars().to_dicts() == report.violations


def test_s17_a_table_that_cannot_be_events_names_the_column(kk: samtykke.Policy) -> None:
    good = {"ts": ["2026-03-01T10:00:00Z"], "visitor": ["v1"], "event": ["signal"], "signal": ["gpc"]}
    cases = [
        ({k: v for k, v in good.items() if k != "visitor"}, "visitor", "missing"),
        ({**good, "ts": pa.array([0], pa.timestamp("s"))}, "ts", "a timestamp without a time zone"),
    ]
    for columns, column, says in cases:
        with pytest.raises(samtykke.LogError, match=f"column `{column}`: {says}") as raised:
            samtykke.audit(pa.table(columns), kk)
        assert raised.value.path == column
    # A field's column twice: which holds the field? Refused, as a key twice in a JSON line.
    twice = pa.Table.from_arrays([pa.array(v) for v in good.values()] + [pa.array(["v2"])], names=[*good, "visitor"])
    with pytest.raises(samtykke.LogError, match="column `visitor`: given twice") as raised:
        samtykke.audit(twice, kk)
    assert raised.value.path == "visitor"


def test_s17_a_cell_of_the_wrong_type_is_its_rows_input_error(kk: samtykke.Policy, tmp_path: Path) -> None:
    # Each row as a JSON line and as a table whose column has another type than
    # its field's: the same input error, with the same words, and the rows
    # around it audited (a mistyped column used to fail the whole table).
    rows = [
        {"ts": "2026-03-01T10:00:00Z", "visitor": "v1", "event": "decision", "action": "reject_all"},
        {"ts": "2026-03-01T10:00:01Z", "visitor": "v1", "event": "decision", "action": "accept_all"},
        {"ts": "2026-03-01T10:00:02Z", "visitor": "v1", "event": "cookie_present", "cookies": ["nmstat"]},
    ]
    cases = [
        ("revision", 1, "1", "`revision` must be an integer, not a string"),
        ("gpc", 1, 1, "`gpc` must be true or false, not a number"),
        ("cookies", 2, "nmstat", "`cookies` must be an array of strings, not a string"),
    ]
    for column, at, value, says in cases:
        lines = [dict(r) for r in rows]
        lines[at][column] = value
        path = tmp_path / f"{column}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in lines))
        want = samtykke.audit(str(path), kk, threads=1)
        assert [(e["line"], e["message"]) for e in want.input_errors] == [(at + 1, says)]
        # pyarrow types each column by its values: `column` gets the type of
        # `value`, which is not its field's.
        names = ["ts", "visitor", "event", "action", "cookies", column]
        table = pa.table({n: [r.get(n) for r in lines] for n in names})
        assert table.schema.field(column).type in (pa.string(), pa.int64())
        for threads in (1, 2):
            got = samtykke.audit(table, kk, threads=threads)
            assert [(e["line"], e["message"]) for e in got.input_errors] == [(at + 1, says)]
            assert [(v["id"], v["line"]) for v in got.violations] == [(v["id"], v["line"]) for v in want.violations]
            assert got.summary["lines"] == 3



def test_s17_a_parquet_file_that_cannot_be_events_is_the_tables_log_error(
    kk: samtykke.Policy, log: Path, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    naive = pa.table({"ts": pa.array([0], pa.timestamp("s")), "visitor": ["v1"], "event": ["signal"]})
    path = tmp_path / "naive.parquet"
    pq.write_table(naive, path)
    with pytest.raises(samtykke.LogError) as as_table:
        samtykke.audit(naive, kk)
    # The same columns in a file, beside a good log: the same error, naming the file.
    with pytest.raises(samtykke.LogError) as as_file:
        samtykke.audit([str(log), str(path)], kk)
    assert as_file.value.path == as_table.value.path == "ts"
    assert str(as_file.value) == f"{path}: {as_table.value}"


def test_s17_null_cells_are_absent_and_bad_rows_are_input_errors(kk: samtykke.Policy) -> None:
    table = pa.table(
        {
            "ts": ["2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z", None, "2026-03-01T10:00:03"],
            "visitor": ["v1", "v1", "v1", "v1"],
            "event": ["decision", "decision", "signal", "signal"],
            "action": ["reject_all", None, None, None],
            "signal": [None, None, "gpc", "gpc"],
            "revision": pa.array([None, None, None, None], pa.int64()),
            "granted": pa.array([None, None, None, None], pa.list_(pa.string())),
            "url": pa.nulls(4),
        }
    )
    report = samtykke.audit(table, kk)
    assert [(e["line"], e["message"]) for e in report.input_errors] == [
        (2, "missing `action`"),
        (3, "missing `ts`"),
        (4, '`ts` "2026-03-01T10:00:03" has no time zone (RFC 3339 needs `Z` or an offset)'),
    ]
    assert report.summary["events"] == 1


def test_s17_a_failing_stream_is_an_exception_not_a_crash(kk: samtykke.Policy) -> None:
    schema = pa.schema([("ts", pa.string()), ("visitor", pa.string()), ("event", pa.string())])

    def batches() -> Any:
        yield pa.record_batch([["2026-03-01T10:00:00Z"], ["v1"], ["signal"]], schema=schema)
        raise RuntimeError("the source broke")

    for threads in (1, 2):
        with pytest.raises(samtykke.LogError, match="the Arrow stream failed") as raised:
            samtykke.audit(pa.RecordBatchReader.from_batches(schema, batches()), kk, threads=threads)
        # The rows before the fault are audited, and travel with the error.
        report = raised.value.report
        assert report.summary["lines"] == 1 and report.exit_code == 2
        assert len(report.read_errors) == 1


def test_s13_a_batch_unlike_its_streams_schema_is_an_error_not_a_panic(kk: samtykke.Policy) -> None:
    # A producer's defect: the second batch lacks a column the stream's schema
    # has. arrow-rs asserts against it; the audit answers with LogError.
    for placed in (False, True):
        names = ["ts", "visitor", "event"] + (["file", "line"] if placed else [])
        schema = pa.schema([(n, pa.int64() if n == "line" else pa.string()) for n in names])
        first = pa.record_batch([["2026-03-01T10:00:00Z"], ["v"], ["notice_shown"], ["f"], [1]][: len(names)], schema=schema)
        rest = [n for n in names if n != "visitor"]
        second = pa.record_batch(
            [{"ts": ["2026-03-01T10:00:01Z"], "event": ["notice_shown"], "file": ["f"], "line": [2]}[n] for n in rest],
            names=rest,
        )
        for merge in (False, True):
            for threads in (1, 2):
                stream = pa.RecordBatchReader.from_batches(schema, iter([first, second]))
                with pytest.raises(samtykke.LogError):
                    samtykke.audit(stream, kk, merge=merge, threads=threads)


def test_s13_a_batch_of_another_layout_than_its_schema_is_an_error_not_a_crash(kk: samtykke.Policy) -> None:
    # `large_string` buffers where the stream's schema says `string`: read
    # unchecked, their offsets point out of bounds. Every batch is checked.
    ts = ["2026-03-01T10:00:0%dZ" % i for i in range(3)]
    good = pa.record_batch({"ts": ts, "visitor": ["v"] * 3, "event": ["notice_shown"] * 3})
    bad = pa.record_batch({"ts": ts, "visitor": pa.array(["v" * 100] * 3, pa.large_string()), "event": ["notice_shown"] * 3})
    for merge in (False, True):
        for threads in (1, 2):
            stream = pa.RecordBatchReader.from_batches(good.schema, iter([good, bad]))
            with pytest.raises(samtykke.LogError) as raised:
                samtykke.audit(stream, kk, merge=merge, threads=threads)
            assert raised.value.report.summary["lines"] == 3


def test_s13_string_buffers_that_are_not_what_their_type_says_are_an_error_not_a_crash(kk: samtykke.Policy) -> None:
    # `from_buffers` checks sizes, not contents: offsets out of order, an
    # offset inside a character and bytes that are not UTF-8 reach the audit
    # unchecked, and are read unchecked by arrow-rs unless the audit checks.
    def strings(offsets: List[int], data: bytes) -> Any:
        return pa.Array.from_buffers(
            pa.string(), len(offsets) - 1, [None, pa.py_buffer(bytes(pa.array(offsets, pa.int32()).buffers()[1])), pa.py_buffer(data)]
        )

    ts = pa.array(["2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z"])
    event = pa.array(["cookie_present"] * 2)
    good_cookies = pa.array([["nmstat"], ["nmstat"]])
    bad = {
        "offsets out of order": strings([0, 40, 2], b"v1"),
        "an offset inside a character": strings([0, 1, 2], "\u00e6\u00f8".encode()[:2]),
        "bytes that are not UTF-8": strings([0, 1, 2], b"v\xff"),
    }
    for what, visitor in bad.items():
        for threads in (1, 2):
            table = pa.table({"ts": ts, "visitor": visitor, "event": event, "cookies": good_cookies})
            with pytest.raises(samtykke.LogError, match="Arrow stream failed"):
                samtykke.audit(table, kk, threads=threads)
            # The same strings as a list column's elements.
            cookies = pa.ListArray.from_arrays(pa.array([0, 1, 2], pa.int32()), visitor)
            table = pa.table({"ts": ts, "visitor": ["a", "b"], "event": event, "cookies": cookies})
            with pytest.raises(samtykke.LogError, match="Arrow stream failed"):
                samtykke.audit(table, kk, threads=threads)
    # A list's own offsets out of order.
    cookies = pa.ListArray.from_buffers(
        pa.list_(pa.string()), 2, [None, pa.py_buffer(bytes(pa.array([0, 5, 2], pa.int32()).buffers()[1]))], children=[pa.array(["nmstat", "x"])]
    )
    with pytest.raises(samtykke.LogError, match="Arrow stream failed"):
        samtykke.audit(pa.table({"ts": ts, "visitor": ["a", "b"], "event": event, "cookies": cookies}), kk)
    # Bytes no value spans need not be text: such a column is read as its
    # values are.
    visitor = strings([1, 2, 3], b"\xffab")
    assert visitor.to_pylist() == ["a", "b"]
    read = samtykke.audit(pa.table({"ts": ts, "visitor": visitor, "event": event, "cookies": good_cookies}), kk)
    plain = samtykke.audit(pa.table({"ts": ts, "visitor": ["a", "b"], "event": event, "cookies": good_cookies}), kk)
    assert [v["visitor"] for v in read.violations] == ["a", "b"]
    assert read.violations == plain.violations and read.exit_code == plain.exit_code == 1


def test_s13_a_readers_batch_not_of_its_schema_is_refused_not_misread(kk: samtykke.Policy) -> None:
    # Batches of the same layout as the schema's but another type would be
    # read as the schema's type (other visitors, other times): a pyarrow
    # reader's batches are each compared with its schema.
    ts = pa.array([1772359200, 1772359201, 1772359202], pa.timestamp("s", "UTC"))
    visitors = pa.array(["alice", "bob", "carol"])
    base = {"event": pa.array(["cookie_present"] * 3), "cookies": pa.array([["nmstat"]] * 3)}
    cases = [
        (
            {**base, "ts": ts, "visitor": visitors.dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string()))},
            {**base, "ts": ts, "visitor": visitors.dictionary_encode()},
        ),
        ({**base, "ts": ts, "visitor": visitors}, {**base, "ts": ts.cast(pa.timestamp("ms", "UTC")), "visitor": visitors}),
        (
            {**base, "ts": ts, "visitor": pa.array(["v"] * 3, pa.large_string())},
            {**base, "ts": ts, "visitor": pa.array(["v"] * 3)},
        ),
    ]
    for first, second in cases:
        good, bad = pa.record_batch(first), pa.record_batch(second)
        for threads in (1, 2):
            stream = pa.RecordBatchReader.from_batches(good.schema, iter([good, bad]))
            with pytest.raises(samtykke.LogError, match="not of the stream's schema") as raised:
                samtykke.audit(stream, kk, threads=threads)
            assert raised.value.report.summary["lines"] == 3


def test_s13_a_parquet_file_the_reader_cannot_read_is_an_error_not_a_panic(kk: samtykke.Policy, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "dict_bool.parquet"
    table = pa.table(
        {
            "ts": ["2026-03-01T10:00:00Z"] * 3,
            "visitor": ["v"] * 3,
            "event": ["notice_shown"] * 3,
            "revision": pa.array([True, False, None]).dictionary_encode(),
        }
    )
    pq.write_table(table, path)
    with pytest.raises((OSError, samtykke.LogError)) as raised:
        samtykke.audit(str(path), kk)
    assert "dict_bool.parquet" in str(raised.value)
    # The row group the reader failed in, and its rows.
    assert "row group 0 (counted from 0; rows 1 to 3)" in str(raised.value)


# ---- pickling ---------------------------------------------------------------


def test_s17_a_policy_pickles_through_its_json(kk: samtykke.Policy, kk_json: Dict[str, Any]) -> None:
    for policy in (kk, samtykke.Policy.from_json(json.dumps(kk_json)), samtykke.Policy.load(KK_DK)):
        back = pickle.loads(pickle.dumps(policy))
        assert isinstance(back, samtykke.Policy)
        assert back.site == policy.site and back.categories == policy.categories
        values = cookies(policy)
        assert dict(back.decode_cookies(values, KEY, now=T0)) == dict(policy.decode_cookies(values, KEY, now=T0))


def test_s17_samtykke_spark_without_pyspark_says_what_to_install() -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['pyspark'] = None; import samtykke; import samtykke.spark"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "samtykke.spark needs pyspark with its Arrow support and pyarrow: pip install 'pyspark[sql]'" in done.stderr
    # The package itself does not need pyspark.
    ok = subprocess.run([sys.executable, "-c", "import sys; sys.modules['pyspark'] = None; import samtykke"])
    assert ok.returncode == 0


def test_s17_a_pandas_dataframe_is_audited_through_its_capsule(kk: samtykke.Policy) -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "ts": ["2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z"],
            "visitor": ["v1", "v1"],
            "event": ["decision", "cookie_present"],
            "action": ["reject_all", None],
            "cookies": [None, ["nmstat"]],
        }
    )
    if not hasattr(df, "__arrow_c_stream__"):
        pytest.skip("this pandas has no Arrow PyCapsule export")
    report = samtykke.audit(df, kk)
    assert [(v["id"], v["line"], v["cookie"]) for v in report.violations] == [("cookie-after-refusal", 2, "nmstat")]
    assert report.input_errors == []
