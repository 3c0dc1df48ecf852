"""samtykke.audit and samtykke.audit_lines: the consent-log audit from Python
(SPEC §8, §9, §10), against the command line on the same log."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

import samtykke

from conftest import KK_DK, REPO

EXAMPLE_LOG = REPO / "examples" / "kk.dk.log.jsonl"

# The example log (ten violation kinds and a timestamp without a zone) and more:
# an expired grant, a cookie after a GPC signal, an out-of-order event, an
# unknown event and action, missing fields, a blank line, text that is not JSON,
# JSON that is not an object.
EXTRA = [
    '{"ts":"2026-03-05T08:00:00Z","visitor":"f6a0","event":"notice_shown","controls":["accept_all","reject_all"]}',
    '{"ts":"2026-03-05T08:00:02Z","visitor":"f6a0","event":"decision","action":"accept_all"}',
    '{"ts":"2026-04-20T08:00:00Z","visitor":"f6a0","event":"cookie_present","cookies":["nmstat"]}',
    '{"ts":"2026-06-20T08:00:00Z","visitor":"f6a0","event":"cookie_present","cookies":["nmstat"]}',
    '{"ts":"2026-03-05T09:00:00Z","visitor":"g7b1","event":"signal","signal":"gpc"}',
    '{"ts":"2026-03-05T09:00:01Z","visitor":"g7b1","event":"cookie_set","set_cookie":"nmstat=1; Max-Age=3600"}',
    '{"ts":"2026-03-05T08:59:00Z","visitor":"g7b1","event":"cookie_present","cookies":["nmstat"]}',
    "",
    '{"ts":"2026-03-05T09:10:00Z","visitor":"g7b1","event":"page_view"}',
    '{"ts":"2026-03-05T09:11:00Z","visitor":"g7b1","event":"decision"}',
    '{"ts":"2026-03-05T09:12:00Z","visitor":"g7b1","event":"decision","action":"shrug"}',
    '{"ts":"2026-03-05T09:13:00Z","event":"cookie_present","cookies":["nmstat"]}',
    "not json at all",
    "[1,2,3]",
]
LOG_LINES = EXAMPLE_LOG.read_text(encoding="utf-8").splitlines() + EXTRA
# Input errors by line, the message's start (the example's line 18, then EXTRA's).
BAD_LINES = {
    18: "`ts` \"2026-03-01 12:10:00\" has no time zone",
    32: "2026-03-05T08:59:00Z is earlier than visitor",
    34: 'unknown event "page_view"',
    35: "missing `action`",
    36: 'unknown action "shrug"',
    37: "missing `visitor`",
    38: "not JSON",
    39: "not a JSON object",
}


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "kk.log.jsonl"
    path.write_text("\n".join(LOG_LINES) + "\n", encoding="utf-8")
    return path


def as_dicts(lines: List[str]) -> List[Union[str, Dict[str, Any]]]:
    """Each line that is a JSON object as a dict, the others as they are."""
    out: List[Union[str, Dict[str, Any]]] = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        out.append(value if isinstance(value, dict) else line)
    return out


def renamed(items: List[Dict[str, Any]], file: str) -> List[Dict[str, Any]]:
    return [{**item, "file": file} for item in items]


def cli() -> Optional[Path]:
    """The command line's binary: $SAMTYKKE_CLI, or the one cargo built in this
    checkout (scripts/test-python builds the debug one)."""
    if os.environ.get("SAMTYKKE_CLI"):
        return Path(os.environ["SAMTYKKE_CLI"])
    for profile in ("debug", "release"):
        path = REPO / "target" / profile / "samtykke"
        if path.is_file():
            return path
    return None


# --- the same report from Python, from lines and dicts, and from the command line


def test_audit_finds_every_kind_and_every_bad_line(kk: samtykke.Policy, log_file: Path) -> None:
    report = samtykke.audit(log_file, kk)
    found = {(v["line"], v["id"]) for v in report.violations}
    assert found == {
        (7, "cookie-before-consent"),
        (8, "preselected-consent"),
        (10, "no-reject-option"),
        (14, "implied-consent"),
        (15, "undeclared-cookie"),
        (16, "duration-exceeds-declaration"),
        (17, "consent-without-notice"),
        (20, "cookie-after-refusal"),
        (24, "cookie-after-withdrawal"),
        (25, "reprompt-too-soon"),
        (29, "cookie-on-expired-consent"),
        (31, "cookie-before-consent"),
    }
    assert len(report.violations) == len(found)
    assert [e["line"] for e in report.input_errors] == sorted(BAD_LINES)
    for e in report.input_errors:
        assert e["message"].startswith(BAD_LINES[e["line"]])
        assert set(e) == {"file", "line", "message"}
        assert e["file"] == str(log_file)
    for v in report.violations:
        assert list(v) == ["id", "file", "line", "visitor", "ts", "cookie", "category", "message"]
    summary = report.summary
    assert summary["violations"] == len(report.violations)
    assert summary["input_errors"] == len(report.input_errors) == len(BAD_LINES)
    assert sum(summary["violations_by_id"].values()) == len(report.violations)
    assert len(summary["violations_by_id"]) == 14
    assert summary["files"] == 1 and summary["lines"] == len(LOG_LINES) - 1  # the blank line
    assert report.exit_code == 2
    assert len(report) == len(report.violations) + len(report.input_errors) and report


def test_same_report_from_python_lines_dicts_and_the_command_line(
    kk: samtykke.Policy, log_file: Path
) -> None:
    from_file = samtykke.audit(str(log_file), kk)
    from_lines = samtykke.audit_lines(LOG_LINES, kk)
    from_dicts = samtykke.audit_lines(as_dicts(LOG_LINES), kk)
    with open(log_file, encoding="utf-8") as f:
        from_file_object = samtykke.audit_lines(f, kk)
    name = str(log_file)
    for other in (from_lines, from_dicts, from_file_object):
        assert renamed(other.violations, name) == from_file.violations
        assert renamed(other.input_errors, name) == from_file.input_errors
        assert other.summary == from_file.summary

    binary = cli()
    if binary is None:
        pytest.skip("no samtykke binary: build it with `cargo build -p samtykke-cli` or set SAMTYKKE_CLI")
    done = subprocess.run(
        [str(binary), "audit", name, "--policy", str(KK_DK), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == from_file.exit_code == 2, done.stderr
    document = json.loads(done.stdout)
    assert document["violations"] == from_file.violations
    assert document["input_errors"] == from_file.input_errors
    assert document["summary"] == from_file.summary
    assert json.loads(from_file.to_json()) == document
    assert from_file.to_json() + "\n" == done.stdout


def test_files_in_order_gzip_pathlike_and_stdin(kk: samtykke.Policy, log_file: Path, tmp_path: Path) -> None:
    gz = tmp_path / "kk.log.jsonl.gz"
    gz.write_bytes(gzip.compress(log_file.read_bytes()))
    plain = samtykke.audit(log_file, kk)
    packed = samtykke.audit(gz, kk)
    assert renamed(packed.violations, str(log_file)) == plain.violations
    # Two files are one log: the second's visitors continue the first's, and its
    # events are all out of order now.
    both = samtykke.audit([log_file, gz], kk)
    assert both.summary["files"] == 2
    assert both.violations[: len(plain.violations)] == plain.violations
    assert {e["file"] for e in both.input_errors} == {str(log_file), str(gz)}
    assert samtykke.audit([], kk).summary["files"] == 0
    assert samtykke.audit((str(log_file),), kk).violations == plain.violations
    assert samtykke.audit(os.fsencode(log_file), kk).violations == plain.violations
    # `-` is standard input, read in a process of its own.
    code = (
        "import sys, samtykke; r = samtykke.audit('-', samtykke.Policy.load(sys.argv[1]));"
        "print(len(r.violations), len(r.input_errors), r.violations[0]['file'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(KK_DK)],
        input=log_file.read_bytes(),
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode().split() == [str(len(plain.violations)), str(len(plain.input_errors)), "-"]


def test_grace_seconds(kk: samtykke.Policy) -> None:
    lines = EXAMPLE_LOG.read_text(encoding="utf-8").splitlines()
    late = [v for v in samtykke.audit_lines(lines, kk).violations if v["id"] == "cookie-after-withdrawal"]
    assert [v["line"] for v in late] == [24]
    # 594 s late: a grace of 594 s lets it through, 593 s does not.
    assert not [
        v for v in samtykke.audit_lines(lines, kk, grace_seconds=594).violations if v["id"] == "cookie-after-withdrawal"
    ]
    assert samtykke.audit(EXAMPLE_LOG, kk, 593).summary["violations_by_id"]["cookie-after-withdrawal"] == 1


# --- bad input: a log's bad lines are input errors, the caller's mistakes exceptions


def test_bad_lines_are_input_errors_with_their_numbers(kk: samtykke.Policy) -> None:
    lines: List[Any] = [
        "not JSON",
        b'{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"teleport"}',
        {"ts": "2026-03-01T10:00:00Z", "visitor": "v"},
        {"ts": "2026-03-01T10:00:00Z", "visitor": "v", "event": "cookie_present", "cookies": "nmstat"},
        "",
        b"\xff\xfe",
        "\ud800",
        {"ts": object(), "visitor": "v", "event": "signal", "signal": "gpc"},
        {"ts": "2026-03-01T10:00:00Z", "visitor": "v", "event": "signal", "signal": float("nan")},
        {1: "x"},
        {"ts": "2026-03-01T10:00:00Z", "visitor": "v", "event": "signal", "signal": "gpc"},
    ]
    report = samtykke.audit_lines(iter(lines), kk)
    errors = {e["line"]: e["message"] for e in report.input_errors}
    assert sorted(errors) == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert errors[1].startswith("not JSON")
    assert "unknown event" in errors[2] and "teleport" in errors[2]
    assert "missing `event`" in errors[3]
    assert "cookies" in errors[4]
    assert "UTF-8" in errors[6] and "UTF-8" in errors[7]
    assert "`ts`" in errors[8] and "object" in errors[8]
    assert "`signal`" in errors[9] and "NaN" in errors[9]
    assert "key" in errors[10]
    assert all(e["file"] == "<lines>" for e in report.input_errors)
    assert report.summary["events"] == 1 and report.summary["lines"] == 10


def test_wrong_types_raise_type_error(kk: samtykke.Policy, log_file: Path) -> None:
    for lines in ("a line", b"a line", {"ts": "x"}, 42, None):
        with pytest.raises(TypeError, match="lines must be an iterable of str, bytes or dict"):
            samtykke.audit_lines(lines, kk)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="item 2 of lines must be a str, bytes or dict, not int"):
        samtykke.audit_lines(["", 7], kk)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="policy must be a samtykke.Policy"):
        samtykke.audit_lines([], "kk.dk")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="policy must be a samtykke.Policy"):
        samtykke.audit(log_file, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="paths must be"):
        samtykke.audit(3, kk)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="each path"):
        samtykke.audit([log_file, 3], kk)  # type: ignore[list-item]
    # A file object's lines are not paths: told where they go, not a
    # FileNotFoundError naming the log's first line.
    with open(log_file) as text, open(log_file, "rb") as binary:
        for f in (text, binary, io.StringIO(log_file.read_text()), io.BytesIO(log_file.read_bytes())):
            with pytest.raises(TypeError, match=r"paths must be .*samtykke.audit_lines.*, not (TextIOWrapper|BufferedReader|StringIO|BytesIO)"):
                samtykke.audit(f, kk)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        samtykke.audit(log_file, kk, grace_seconds="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grace_seconds must be 0 to"):
        samtykke.audit_lines([], kk, grace_seconds=-1)
    # The conversion's error, with the argument it was for in a note.
    with pytest.raises(TypeError, match="(?s)integer.*'threads'"):
        samtykke.audit(log_file, kk, threads=2.0)  # type: ignore[arg-type]


def test_an_int_out_of_range_however_large_names_the_argument(kk: samtykke.Policy, log_file: Path) -> None:
    for huge in (2**70, -(2**70), 2**32, -1):
        text = f"grace_seconds must be 0 to 4294967295, not {huge}"
        with pytest.raises(ValueError, match=text):
            samtykke.audit(log_file, kk, grace_seconds=huge)
        with pytest.raises(ValueError, match=text):
            samtykke.audit_lines([], kk, grace_seconds=huge)
    for bad in (2**70, -(2**70), 0, -1):
        with pytest.raises(ValueError, match=f"threads must be 1 to [0-9]+, not {bad}"):
            samtykke.audit(log_file, kk, threads=bad)
    # The ends of the ranges are taken.
    assert samtykke.audit(log_file, kk, grace_seconds=2**32 - 1, threads=1).summary["lines"] > 0
    assert samtykke.audit(log_file, kk, threads=None).summary["lines"] > 0


def test_a_missing_file_raises_os_error_before_anything_is_audited(kk: samtykke.Policy, log_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(FileNotFoundError) as info:
        samtykke.audit([log_file, missing], kk)
    assert info.value.filename == str(missing)
    assert isinstance(info.value, OSError)
    with pytest.raises(OSError):
        samtykke.audit(tmp_path, kk)  # a folder
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(log_file.read_bytes())[:200])
    with pytest.raises(OSError, match="broken.gz"):
        samtykke.audit(broken, kk)


def test_standard_input_given_twice_is_a_value_error(kk: samtykke.Policy) -> None:
    # Merged, two readers of one stream would each take lines at random.
    for merge in (False, True):
        with pytest.raises(ValueError, match="`-` and `-` are one stream"):
            samtykke.audit(["-", "-"], kk, merge=merge)


def test_files_are_opened_in_turn_so_many_fit_the_open_file_limit(kk: samtykke.Policy, tmp_path: Path) -> None:
    import resource

    paths = []
    for i in range(200):
        p = tmp_path / f"f{i:03}.jsonl"
        p.write_text(json.dumps({"ts": "2026-03-01T10:00:00Z", "visitor": f"v{i}", "event": "notice_shown"}) + "\n")
        paths.append(p)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 32, hard))
    try:
        report = samtykke.audit(paths, kk, threads=1)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert report.summary["events"] == 200 and report.summary["files"] == 200


def test_a_file_cut_short_raises_os_error_carrying_the_report_of_what_was_read(
    kk: samtykke.Policy, log_file: Path, tmp_path: Path
) -> None:
    # The gzip trailer cut off: every line decompresses, then the read fails.
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(log_file.read_bytes())[:-4])
    # The same lines, whole, under a name of the same length.
    whole = tmp_path / "all.gz"
    whole.write_bytes(log_file.read_bytes())
    expected = samtykke.audit([log_file, whole, log_file], kk)
    with pytest.raises(OSError, match="cut.gz") as info:
        samtykke.audit([log_file, cut, log_file], kk)
    report = info.value.report  # type: ignore[attr-defined]
    assert isinstance(report, samtykke.AuditReport)
    got = [{**row, "file": str(whole) if row["file"] == str(cut) else row["file"]} for row in report.to_dicts()]
    assert got == expected.to_dicts()
    assert report.summary == expected.summary
    # The file not read to its end is named, as the command line names it.
    assert [e["file"] for e in report.read_errors] == [str(cut)]
    assert report.exit_code == 2 and expected.read_errors == []
    document = json.loads(report.to_json())
    assert list(document) == ["violations", "input_errors", "read_errors", "summary"]
    assert document["read_errors"] == report.read_errors
    assert "read_errors" not in json.loads(expected.to_json())
    # Merged, every other file is audited to its end as well.
    with pytest.raises(OSError, match="cut.gz") as info:
        samtykke.audit([log_file, cut, log_file], kk, merge=True)
    merged = info.value.report  # type: ignore[attr-defined]
    assert merged.summary == samtykke.audit([log_file, whole, log_file], kk, merge=True).summary
    # Two files cut short: the first raises, and both are in the report.
    with pytest.raises(OSError, match="cut.gz") as info:
        samtykke.audit([cut, log_file, cut], kk)
    assert [e["file"] for e in info.value.report.read_errors] == [str(cut), str(cut)]  # type: ignore[attr-defined]
    # A file that cannot be opened still fails before anything is audited.
    with pytest.raises(FileNotFoundError) as missing:
        samtykke.audit([log_file, tmp_path / "nope.jsonl"], kk)
    assert not hasattr(missing.value, "report")


def test_generators_errors_propagate(kk: samtykke.Policy) -> None:
    def lines() -> Iterator[str]:
        yield "{}"
        raise RuntimeError("the source failed")

    with pytest.raises(RuntimeError, match="the source failed"):
        samtykke.audit_lines(lines(), kk)


# --- the report's other forms


def test_to_dicts_and_to_pandas_give_every_finding_in_input_order(kk: samtykke.Policy) -> None:
    report = samtykke.audit_lines(LOG_LINES, kk)
    rows = report.to_dicts()
    assert len(rows) == len(report)
    assert [r["line"] for r in rows] == sorted(r["line"] for r in rows)
    assert [r for r in rows if r["id"] != "input-error"] == report.violations
    errors = [r for r in rows if r["id"] == "input-error"]
    assert [{k: r[k] for k in ("file", "line", "message")} for r in errors] == report.input_errors
    assert all(r["visitor"] is None and r["cookie"] is None for r in errors)
    frame = report.to_pandas()
    assert list(frame.columns) == ["id", "file", "line", "visitor", "ts", "cookie", "category", "message"]
    for column in ("id", "file", "line", "message"):
        assert list(frame[column]) == [r[column] for r in rows]
    assert str(frame["line"].dtype) == "int64"
    empty = samtykke.audit_lines([], kk)
    assert not empty and len(empty) == 0 and empty.exit_code == 0
    assert list(empty.to_pandas().columns) == list(frame.columns) and len(empty.to_pandas()) == 0
    assert repr(report).startswith("AuditReport(events=")
    assert report.violations is report.violations  # made once


def test_to_pandas_without_pandas_says_what_to_install(kk: samtykke.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas"):
        samtykke.audit_lines([], kk).to_pandas()


# --- random logs: str and dict input agree, and nothing raises

VISITORS = ["v1", "v2", "v3"]
COOKIES = ["nmstat", "JSESSIONID", "SESS1", "_ga", "samtykke", "AWSELBCORS", "closed-emergency-banner-1"]
CATEGORIES = ["necessary", "functional", "statistics", "marketing"]
ACTIONS = ["accept_all", "reject_all", "save", "withdraw", "dismiss", "scroll", "implied", "shrug"]
CONTROLS = ["accept_all", "reject_all", "settings", "save"]


@st.composite
def log_events(draw: Any) -> List[Dict[str, Any]]:
    t = 1_772_359_200  # 2026-03-01T10:00:00Z
    out = []
    for _ in range(draw(st.integers(0, 30))):
        t += draw(st.sampled_from([0, 1, 5, 600, 86_400, 50 * 86_400, -3]))
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        e: Dict[str, Any] = {"ts": draw(st.sampled_from([stamp, stamp, stamp, stamp.rstrip("Z"), 17])), "visitor": draw(st.sampled_from(VISITORS))}
        kind = draw(st.sampled_from(["notice_shown", "decision", "cookie_set", "cookie_present", "cookie_deleted", "signal", "page_view"]))
        e["event"] = kind
        if kind == "notice_shown":
            e["controls"] = draw(st.lists(st.sampled_from(CONTROLS), unique=True))
            if draw(st.booleans()):
                e["preselected"] = draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2))
            if draw(st.booleans()):
                e["trigger"] = draw(st.sampled_from(["auto", "user"]))
            if draw(st.booleans()):
                e["revision"] = draw(st.integers(0, 2))
        elif kind == "decision":
            if draw(st.integers(0, 9)):
                e["action"] = draw(st.sampled_from(ACTIONS))
            if draw(st.booleans()):
                e["granted"] = draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=3))
            if draw(st.booleans()):
                e["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2))
            if draw(st.booleans()):
                e["gpc"] = draw(st.booleans())
        elif kind == "cookie_set":
            name = draw(st.sampled_from(COOKIES))
            if draw(st.booleans()):
                e["set_cookie"] = f"{name}=1; Max-Age={draw(st.sampled_from([-1, 0, 60, 86_400, 10**9]))}; Path=/"
            else:
                e["cookie"] = name
                if draw(st.booleans()):
                    e["max_age_s"] = draw(st.sampled_from([0, 60, 10**9, 1.5, None]))
        elif kind == "cookie_present":
            e["cookies"] = draw(st.lists(st.sampled_from(COOKIES), max_size=4))
        elif kind == "cookie_deleted":
            e["cookie"] = draw(st.sampled_from(COOKIES))
        elif kind == "signal":
            e["signal"] = draw(st.sampled_from(["gpc", "gpc", "dnt"]))
        out.append(e)
    return out


@given(log_events())
def test_audit_lines_str_and_dict_input_agree_and_never_raise(events: List[Dict[str, Any]]) -> None:
    kk = samtykke.Policy.load(KK_DK)
    from_dicts = samtykke.audit_lines(events, kk)
    texts = [json.dumps(e) for e in events]
    from_str = samtykke.audit_lines(texts, kk)
    from_bytes = samtykke.audit_lines([t.encode() for t in texts], kk)
    assert from_dicts.to_dicts() == from_str.to_dicts() == from_bytes.to_dicts()
    assert from_dicts.summary == from_str.summary
    assert from_dicts.summary["lines"] == len(events)
    assert from_dicts.summary["events"] + from_dicts.summary["input_errors"] == len(events)
    assert len(from_dicts) == len(from_dicts.violations) + len(from_dicts.input_errors)


# --- the GIL is released while a log is read and checked


def big_log(path: Path, events: int) -> None:
    lines = EXAMPLE_LOG.read_text(encoding="utf-8").splitlines()
    with open(path, "w", encoding="utf-8") as f:
        for i in range(events // len(lines) + 1):
            for line in lines:
                f.write(line.replace('"visitor":"', f'"visitor":"{i}-') + "\n")


def progress_of_another_thread(work: Any) -> int:
    """How often a second Python thread ran while `work()` ran. The switch
    interval is raised so far that the thread runs only where `work` gives up
    the GIL itself."""
    count = 0
    stop = threading.Event()
    started = threading.Event()

    def other() -> None:
        nonlocal count
        started.set()
        while not stop.is_set():
            count += 1
            time.sleep(0.0005)

    interval = sys.getswitchinterval()
    thread = threading.Thread(target=other)
    thread.start()
    started.wait()
    sys.setswitchinterval(100.0)
    try:
        before = count
        work()
        after = count
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        thread.join()
    return after - before


def test_the_gil_is_released_while_a_log_is_audited(kk: samtykke.Policy, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    big_log(path, 200_000)

    def busy() -> None:
        n = 0
        deadline = time.perf_counter() + 0.05
        while time.perf_counter() < deadline:
            n += 1

    # The measure can fail: Python code that keeps the GIL lets the other thread
    # run at most once (a switch it asked for before the interval was raised).
    assert progress_of_another_thread(busy) <= 1
    assert progress_of_another_thread(lambda: samtykke.audit(path, kk)) > 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert progress_of_another_thread(lambda: samtykke.audit_lines(lines, kk)) > 1
