"""samtykke.audit against an independent model of SPEC §4 and §8.

The oracle (``oracle/audit_ref.py``) is written from the specification, not
from the Rust code; ``oracle/loggen.py`` writes adversarial multi-visitor logs
spread over several server files. On every generated log both audits must find
the same violations (id, file, line, cookie) and the same input errors (file,
line). Known bug classes have hand-written logs whose expected findings are
written out here, not computed, and hold for both audits.

``SAMTYKKE_ORACLE_SEEDS`` sets how many logs are generated (default 200).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

import samtykke

from conftest import KK_DK, REPO
from oracle import loggen
from oracle.audit_ref import MERGE_MESSAGE, http_date
from oracle.audit_ref import audit as oracle_audit

SEEDS = int(os.environ.get("SAMTYKKE_ORACLE_SEEDS", "200"))
# More lines than the Rust audit reads between two looks for idle visitors to
# forget (65,536): enough for a forgetting that assumed global order to show.
PAD = 66_000
# Seeds also generated with PAD lines of one more visitor in the second file.
PADDED = range(2)
# (file index, line, id, cookie)
Found = Tuple[int, int, str, Optional[str]]
# (file index, line)
Bad = Tuple[int, int]


def native_audit(paths: Sequence[Path], doc: Dict[str, Any], grace_seconds: int = 0, **options: Any) -> samtykke.AuditReport:
    """samtykke.audit over `paths` under the policy `doc`."""
    policy = samtykke.Policy.from_json(json.dumps(doc))
    return samtykke.audit([str(p) for p in paths], policy, grace_seconds=grace_seconds, **options)


def findings(report: Any, paths: Sequence[Path]) -> Tuple[List[Found], List[Bad], Dict[str, int]]:
    """A report's violations in report order, input errors, events and visitors."""
    index = {str(p): i for i, p in enumerate(paths)}
    violations = [(index[v["file"]], v["line"], v["id"], v["cookie"]) for v in report.violations]
    errors = [(index[e["file"]], e["line"]) for e in report.input_errors]
    summary = {k: report.summary[k] for k in ("events", "visitors")}
    return violations, errors, summary


@dataclass
class Tally:
    """What a comparison covered, and how the two audits differed: each
    difference as (its kind, for counting; the details, for reading)."""

    logs: int = 0
    lines: int = 0
    events: int = 0
    problems: List[Tuple[str, str]] = field(default_factory=list)

    def check(self, what: str) -> None:
        kinds = Counter(kind for kind, _ in self.problems)
        print(f"{what}: {self.logs} logs, {self.lines} lines, {self.events} events compared; {len(self.problems)} differences")
        for kind, n in kinds.most_common():
            print(f"  {n:6}  {kind}")
        assert not self.problems, (
            f"{len(self.problems)} differences over {self.logs} logs:\n"
            + "\n".join(f"{n:6}  {kind}" for kind, n in kinds.most_common())
            + "\nthe first:\n"
            + "\n".join(detail for _, detail in self.problems[:30])
        )


def compare(tally: Tally, label: str, case: loggen.Case, paths: List[Path], merge: bool, **options: Any) -> None:
    """Adds how samtykke.audit and the oracle differ on a case to `tally`."""
    extra = dict(options, merge=True) if merge else options
    oracle_report = oracle_audit(paths, case.policy, case.grace_seconds, merge=merge)
    ov, oe, osum = findings(oracle_report, paths)
    nv, ne, nsum = findings(native_audit(paths, case.policy, case.grace_seconds, **extra), paths)
    tally.logs += 1
    tally.lines += case.lines
    tally.events += oracle_report.summary["events"]
    problems = tally.problems
    if nv != sorted(nv, key=lambda f: f[:2]):
        problems.append(("violations not in (file, line) order", f"{label}: samtykke.audit's violations are not in (file, line) order"))
    only_native = Counter(nv) - Counter(ov)
    only_oracle = Counter(ov) - Counter(nv)
    # A violation of another id on the same line and cookie is one difference.
    oracle_by_place = {(f, n, c): vid for f, n, vid, c in only_oracle.elements()}
    for f, n, vid, c in sorted(only_native.elements()):
        theirs = oracle_by_place.pop((f, n, c), None)
        if theirs is not None:
            only_oracle[(f, n, theirs, c)] -= 1
            kind = f"samtykke.audit {vid}, oracle {theirs}"
        else:
            kind = f"only samtykke.audit: {vid}"
        problems.append((kind, f"{label}: {kind} at file {f} line {n} cookie {c} | {line_of(case, f, n)}"))
    for f, n, vid, c in sorted((+only_oracle).elements()):
        kind = f"only the oracle: {vid}"
        problems.append((kind, f"{label}: {kind} at file {f} line {n} cookie {c} | {line_of(case, f, n)}"))
    for f, n in sorted((Counter(ne) - Counter(oe)).elements()):
        problems.append(("input error only in samtykke.audit", f"{label}: input error only in samtykke.audit at file {f} line {n} | {line_of(case, f, n)}"))
    for f, n in sorted((Counter(oe) - Counter(ne)).elements()):
        problems.append(("input error only in the oracle", f"{label}: input error only in the oracle at file {f} line {n} | {line_of(case, f, n)}"))
    for key in osum:
        if nsum[key] != osum[key]:
            problems.append((f"summary.{key}", f"{label}: summary.{key}: samtykke.audit {nsum[key]}, oracle {osum[key]}"))


def line_of(case: loggen.Case, file: int, line: int) -> str:
    lines = case.files[file]
    return lines[line - 1] if line - 1 < len(lines) else "?"


def compare_generated(tmp_path: Path, merge: bool, seeds: range, padded: range = range(0), **options: Any) -> Tally:
    """Compares the audits on the seeds' cases, and on the padded seeds'."""
    tally = Tally()
    for seed, pad in [(s, 0) for s in seeds] + [(s, PAD) for s in padded]:
        case = loggen.case(seed, pad)
        folder = tmp_path / f"seed{seed}-pad{pad}"
        folder.mkdir()
        label = f"seed {seed}" + (f" pad {pad}" if pad else "")
        compare(tally, label, case, case.write(folder), merge, **options)
    return tally


def test_oracle_and_audit_agree_on_generated_logs(tmp_path: Path, record_property: Any) -> None:
    tally = compare_generated(tmp_path, False, range(SEEDS), PADDED)
    record_property("logs", tally.logs)
    record_property("events", tally.events)
    tally.check("files read one after the other")


def test_oracle_and_audit_agree_on_generated_logs_merged(tmp_path: Path, record_property: Any) -> None:
    tally = compare_generated(tmp_path, True, range(SEEDS), PADDED)
    record_property("logs", tally.logs)
    record_property("events", tally.events)
    tally.check("--merge")


@pytest.mark.parametrize("threads", [1, 3])
def test_threads_change_nothing(tmp_path: Path, threads: int) -> None:
    compare_generated(tmp_path, False, range(0, SEEDS, 4), PADDED, threads=threads).check(f"threads={threads}")


# --- hand-written logs: the expected findings are written out, not computed

Ev = Dict[str, Any]
# A log line and the violations (id, cookie) expected on it.
Line = Tuple[Ev, List[Tuple[str, Optional[str]]]]


def at(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def ev(when: datetime, visitor: str, event: str, expect: Sequence[Tuple[str, Optional[str]]] = (), **fields: Any) -> Line:
    return {"ts": at(when), "visitor": visitor, "event": event, **fields}, list(expect)


def notice(when: datetime, visitor: str, expect: Sequence[Tuple[str, Optional[str]]] = (), **fields: Any) -> Line:
    return ev(when, visitor, "notice_shown", expect, controls=["accept_all", "reject_all", "settings"], **fields)


def decision(when: datetime, visitor: str, action: str, **fields: Any) -> Line:
    return ev(when, visitor, "decision", action=action, **fields)


def present(when: datetime, visitor: str, expect: Sequence[Tuple[str, Optional[str]]] = (), cookies: Sequence[str] = ("nmstat",)) -> Line:
    return ev(when, visitor, "cookie_present", expect, cookies=list(cookies))


def signal(when: datetime, visitor: str) -> Line:
    return ev(when, visitor, "signal", signal="gpc")


@dataclass
class Logs:
    """Hand-written server files and the violations written beside their lines."""

    paths: List[Path]
    expected: List[Found]


def write_logs(tmp_path: Path, files: List[List[Line]]) -> Logs:
    paths: List[Path] = []
    expected: List[Found] = []
    for i, lines in enumerate(files):
        path = tmp_path / f"server{'ABC'[i]}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e, _ in lines), encoding="utf-8")
        paths.append(path)
        expected += [(i, n, vid, cookie) for n, (_, expect) in enumerate(lines, 1) for vid, cookie in expect]
    return Logs(paths, sorted(expected))


def audits(logs: Logs, doc: Dict[str, Any], merge: bool = False) -> Iterator[Tuple[str, Any]]:
    """The oracle's report, then samtykke.audit's."""
    yield "oracle", oracle_audit(logs.paths, doc, merge=merge)
    yield "samtykke.audit", native_audit(logs.paths, doc, **({"merge": True} if merge else {}))


def violations(report: Any, logs: Logs) -> List[Found]:
    return sorted(findings(report, logs.paths)[0])


def kk_doc(gpc_refuses: Optional[List[str]] = None) -> Dict[str, Any]:
    doc: Dict[str, Any] = json.loads(KK_DK.read_text(encoding="utf-8"))
    if gpc_refuses is not None:
        doc["gpc_refuses"] = gpc_refuses
    return doc


EXPIRED = [("cookie-on-expired-consent", "nmstat")]
IGNORED = [("signal-ignored", "nmstat")]
REPROMPT = [("reprompt-too-soon", None)]
D0 = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
S = timedelta(seconds=1)
DAYS = timedelta(days=1)


def test_r16_returning_visitor_lapsed_grant_is_expired_not_before_consent(tmp_path: Path) -> None:
    # kk.dk: consent_ttl_days 100, so the grant at 2026-03-01T10:00:01Z lapses
    # at 2026-06-09T10:00:01Z; the visitor comes back a second after.
    logs = write_logs(tmp_path, [[
        notice(D0, "v1"),
        decision(D0 + S, "v1", "accept_all"),
        present(datetime(2026, 6, 9, 10, 0, 2, tzinfo=timezone.utc), "v1", EXPIRED),
    ]])  # fmt: skip
    assert logs.expected == [(0, 3, "cookie-on-expired-consent", "nmstat")]
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert report.summary["visitors"] == 1, who
        assert not report.input_errors, who


def test_r16_lapse_edges_and_a_five_year_absence(tmp_path: Path) -> None:
    lapse = datetime(2026, 6, 9, 10, 0, 1, tzinfo=timezone.utc)  # the grant's lapse
    logs = write_logs(tmp_path, [[
        notice(D0, "v1"),
        decision(D0 + S, "v1", "accept_all"),
        present(lapse - S, "v1"),
        present(lapse, "v1", EXPIRED),
        present(lapse + 5 * 365 * DAYS, "v1", EXPIRED),
    ]])  # fmt: skip
    assert logs.expected == [(0, 4, *EXPIRED[0]), (0, 5, *EXPIRED[0])]
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert report.summary["visitors"] == 1, who


def test_per_visitor_order_across_server_files_gives_no_false_violation(tmp_path: Path) -> None:
    # Server A's file runs to September; server B's, read after it, starts in
    # March again: global order is broken, each visitor's is not. Server B's
    # busy day (PAD requests of a visitor with a necessary cookie) gives an
    # audit time to forget visitors it wrongly takes for gone.
    sept = datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc)
    a = [
        notice(D0, "v1"),
        decision(D0 + S, "v1", "accept_all"),
        notice(D0 + 2 * S, "v3"),
        decision(D0 + 3 * S, "v3", "accept_all"),
        present(sept, "v1", EXPIRED),  # v1's grant lapsed on 2026-06-09
        notice(sept + 5 * S, "v1"),
        decision(sept + 6 * S, "v1", "accept_all"),
        present(sept + 7 * S, "v1"),
    ]
    b = [
        notice(D0, "v2"),
        decision(D0 + S, "v2", "accept_all"),
        *[present(D0 + DAYS, "pad", cookies=["SESSpad"])] * PAD,
        present(D0 + 2 * DAYS, "v3"),  # v3 moved to server B: still in v3's order
        present(D0 + 2 * DAYS, "v2"),
    ]
    logs = write_logs(tmp_path, [a, b])
    assert logs.expected == [(0, 5, *EXPIRED[0])]
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert not report.input_errors, who
        assert report.summary["visitors"] == 4, who


def test_merge_puts_a_load_balanced_visitor_in_order(tmp_path: Path) -> None:
    # v4's decision went to server B, its next request to server A: read one
    # after the other, A's cookie comes before the grant (a violation) and B's
    # lines are behind v4's previous event (input errors); merged, all is well.
    logs = write_logs(tmp_path, [[present(D0 + DAYS, "v4")], [notice(D0, "v4"), decision(D0 + S, "v4", "accept_all")]])
    for who, report in audits(logs, kk_doc(), merge=True):
        assert violations(report, logs) == [], who
        assert not report.input_errors, who
    # A line behind the merged clock is an input error, and the clock is not
    # set back: v6's line after it, at the clock, is applied.
    late = tmp_path / "late"
    late.mkdir()
    logs = write_logs(late, [[present(D0 + 2 * DAYS, "v5", cookies=["SESSa"]), present(D0 + DAYS, "v5", cookies=["SESSa"])],
                             [present(D0 + 2 * DAYS, "v6", cookies=["SESSa"])]])  # fmt: skip
    for who, report in audits(logs, kk_doc(), merge=True):
        assert [(e["file"], e["line"]) for e in report.input_errors] == [(str(logs.paths[0]), 2)], who
        assert MERGE_MESSAGE in report.input_errors[0]["message"], who
        assert report.summary["events"] == 2, who


def test_r22_signal_over_refused_category_and_repeated_signals(tmp_path: Path) -> None:
    log = [
        # A signal turns reject_all's refusal of statistics into the signal's.
        notice(D0, "a"),
        decision(D0 + S, "a", "reject_all"),
        signal(D0 + DAYS, "a"),
        present(D0 + DAYS + S, "a", IGNORED),
        # A grant made under the signal stands against later signals; one made
        # without it does not. The `signal` before `c2`'s decision implies the flag.
        notice(D0, "c1"),
        decision(D0 + S, "c1", "accept_all", gpc=True),
        signal(D0 + DAYS, "c1"),
        present(D0 + DAYS + S, "c1"),
        signal(D0, "c2"),
        notice(D0, "c2"),
        decision(D0 + S, "c2", "accept_all"),
        signal(D0 + 2 * DAYS, "c2"),
        present(D0 + 2 * DAYS + S, "c2"),
        notice(D0, "d"),
        decision(D0 + S, "d", "accept_all"),
        signal(D0 + DAYS, "d"),
        present(D0 + DAYS + S, "d", IGNORED),
        # A signal within 24 hours of the last that would change nothing but
        # the time records nothing: the refusal lapses 100 days after the first
        # (a lapsed refusal: cookie-before-consent). At exactly 86,400 s it re-times.
        signal(D0, "e"),
        present(D0 + S, "e", IGNORED),
        signal(D0 + DAYS - S, "e"),
        present(D0 + 100 * DAYS + 10 * S, "e", [("cookie-before-consent", "nmstat")]),
        signal(D0, "f"),
        signal(D0 + DAYS, "f"),
        present(D0 + 100 * DAYS + 10 * S, "f", IGNORED),
    ]
    # A visitor who rejects all, then sends GPC every 30 days for a year with
    # nmstat present each time: signal-ignored each time, never before-consent.
    # An auto notice between signals re-asks too soon while reject_all's refusal
    # of `functional` stands (to day 100); after it lapses the prompt is due.
    log += [notice(D0, "g"), decision(D0 + S, "g", "reject_all")]
    for k in range(12):
        if k:
            log += [signal(D0 + 30 * k * DAYS, "g"), present(D0 + 30 * k * DAYS + S, "g", IGNORED)]
        log.append(ev(D0 + (30 * k + 15) * DAYS, "g", "notice_shown", REPROMPT if 30 * k + 15 < 100 else [], trigger="auto"))
    logs = write_logs(tmp_path, [log])
    assert Counter(f[2] for f in logs.expected) == {"signal-ignored": 15, "reprompt-too-soon": 3, "cookie-before-consent": 1}
    for who, report in audits(logs, kk_doc(["statistics"])):
        assert violations(report, logs) == logs.expected, who
        assert not report.input_errors, who


def test_r22_a_one_day_refusal_never_lapses_under_a_visitor_who_keeps_signalling(tmp_path: Path) -> None:
    # With refusal_ttl_days 1 a quiet day would be the refusal's whole life:
    # the quiet window is half the day, so requests that each carry GPC keep
    # the refusal however they fall (SPEC §4's first promise).
    doc = kk_doc(["statistics"])
    doc["refusal_ttl_days"] = 1
    for hours in (1, 11, 12, 13, 23):
        lines: List[Line] = []
        t = D0
        while t < D0 + 6 * DAYS:
            first = not lines
            lines.append(present(t, "v", [("cookie-before-consent", "nmstat")] if first else IGNORED))
            lines.append(signal(t, "v"))
            t += hours * 3600 * S
        folder = tmp_path / f"every-{hours}h"
        folder.mkdir()
        logs = write_logs(folder, [lines])
        for who, report in audits(logs, doc):
            assert violations(report, logs) == logs.expected, (who, hours)


def test_r16_a_lapsed_withdrawal_stays_undecided_when_another_is_made(tmp_path: Path) -> None:
    # SPEC §4: only refusals still in force are kept and re-timed. statistics'
    # withdrawal (2026-03-02) lapses on 2026-06-10; withdrawing functional on
    # 2026-07-29 leaves statistics undecided, not withdrawn again.
    logs = write_logs(tmp_path, [[
        notice(D0, "v"),
        decision(D0 + S, "v", "accept_all"),
        decision(D0 + DAYS, "v", "withdraw", categories=["statistics"]),
        present(D0 + 80 * DAYS, "v", cookies=["SESSa"]),
        decision(D0 + 150 * DAYS, "v", "withdraw", categories=["functional"]),
        present(D0 + 150 * DAYS + S, "v", [("cookie-before-consent", "nmstat")]),
    ]])  # fmt: skip
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who


def test_r12_withdrawal_grace_counts_from_the_withdrawal_itself(tmp_path: Path) -> None:
    # Grace 5 s: functional withdrawn at 10:00:00; withdrawing statistics at
    # 10:00:10 re-times the shared partial refusal, not functional's grace.
    logs = write_logs(tmp_path, [[
        notice(D0, "v"),
        decision(D0 + S, "v", "accept_all"),
        decision(D0 + DAYS, "v", "withdraw", categories=["functional"]),
        present(D0 + DAYS + 5 * S, "v", cookies=["JSESSIONID"]),
        decision(D0 + DAYS + 10 * S, "v", "withdraw", categories=["statistics"]),
        present(D0 + DAYS + 12 * S, "v", [("cookie-after-withdrawal", "JSESSIONID")], cookies=["JSESSIONID"]),
    ]])  # fmt: skip
    policy = samtykke.Policy.from_json(json.dumps(kk_doc()))
    oracle = oracle_audit(logs.paths, kk_doc(), grace_seconds=5)
    native = samtykke.audit([str(p) for p in logs.paths], policy, grace_seconds=5)
    for who, report in (("oracle", oracle), ("samtykke.audit", native)):
        assert violations(report, logs) == logs.expected, who


def test_r11_withdrawing_again_never_shortens_a_refusal(tmp_path: Path) -> None:
    # kk.dk at revision 2 with `functional` changed in 2. A refusal in force
    # under revision 2, withdrawn again from a page of revision 1, keeps
    # revision 2 (SPEC §4: the highest revision, never shorter): it is not
    # outdated, so JSESSIONID is a cookie after withdrawal, not before consent.
    doc = kk_doc(["functional"])
    doc["revision"] = 2
    for c in doc["categories"]:
        if c["id"] == "functional":
            c["changed_in_revision"] = 2
    after = [("cookie-after-withdrawal", "JSESSIONID")]
    logs = write_logs(tmp_path, [[
        decision(D0, "w", "withdraw", categories=["functional"]),
        decision(D0 + DAYS, "w", "withdraw", categories=["functional"], revision=1),
        present(D0 + 2 * DAYS, "w", after, cookies=["JSESSIONID"]),
        signal(D0, "s"),
        decision(D0 + DAYS, "s", "withdraw", categories=["functional"], revision=1),
        present(D0 + 2 * DAYS, "s", after, cookies=["JSESSIONID"]),
    ]])  # fmt: skip
    for who, report in audits(logs, doc):
        assert violations(report, logs) == logs.expected, who


def test_r07_a_decision_with_the_signal_control_is_an_input_error(tmp_path: Path) -> None:
    # `signal` is the core's control for a GPC signal, no visitor's (SPEC §4):
    # the decision is an input error and grants nothing.
    logs = write_logs(tmp_path, [[
        notice(D0, "v"),
        decision(D0 + S, "v", "accept_all", control="signal"),
        present(D0 + 2 * S, "v", [("cookie-before-consent", "nmstat")]),
    ]])  # fmt: skip
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert [e["line"] for e in report.input_errors] == [2], who


def test_a_field_given_twice_is_an_input_error_and_other_keys_may_repeat(tmp_path: Path) -> None:
    ts = at(D0)
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join([
        f'{{"ts":"{ts}","visitor":"a","event":"cookie_present","cookies":["nmstat"],"cookies":[]}}',
        f'{{"ts":"{ts}","visitor":"b","t\\u0073":"{ts}","event":"cookie_present","cookies":["nmstat"]}}',
        f'{{"ts":"{ts}","visitor":"c","x":1,"x":2,"o":{{"ts":1,"ts":2}},"event":"cookie_present","cookies":["nmstat"]}}',
    ]) + "\n", encoding="utf-8")  # fmt: skip
    logs = Logs([path], [(0, 3, "cookie-before-consent", "nmstat")])
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert [e["line"] for e in report.input_errors] == [1, 2], (who, report.input_errors)
        assert all("given twice" in e["message"] for e in report.input_errors), (who, report.input_errors)


def test_the_oracle_reads_json_as_the_audit_does_at_its_edges(tmp_path: Path) -> None:
    # Where Python's json reader and the grammar part: NaN and Infinity, a
    # lone surrogate, nesting past 128 are not JSON; a byte-order mark opens
    # the first line; a line of a form feed is no blank line.
    ts = at(D0)
    head = f'"ts":"{ts}","event":"cookie_present","cookies":["nmstat"]'
    path = tmp_path / "edges.jsonl"
    lines = [
        "\ufeff{" + head + ',"visitor":"bom"}',
        "\x0c",
        "{" + head + ',"visitor":"nan","x":NaN}',
        "{" + head + ',"visitor":"inf","x":-Infinity}',
        "{" + head + ',"visitor":"lone","x":"\\ud800"}',
        "{" + head + ',"visitor":"key","x":{"\\udc00":1}}',
        "{" + head + ',"visitor":"pair","x":"\\ud83d\\ude00"}',
        "{" + head + ',"visitor":"d127","x":' + "[" * 127 + "]" * 127 + "}",
        "{" + head + ',"visitor":"d128","x":' + "[" * 128 + "]" * 128 + "}",
        " \t ",
        # A key given again replaces its value, which is still JSON to check.
        "{" + head + ',"visitor":"again","x":"\\ud800","x":1}',
        "{" + head + ',"visitor":"again2","x":' + "[" * 128 + "]" * 128 + ',"x":1}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logs = Logs([path], [(0, n, "cookie-before-consent", "nmstat") for n in (1, 7, 8)])
    for who, report in audits(logs, kk_doc()):
        assert violations(report, logs) == logs.expected, who
        assert [e["line"] for e in report.input_errors] == [2, 3, 4, 5, 6, 9, 11, 12], (who, report.input_errors)


def test_a_policy_that_declares_the_consent_cookie_gets_it_declared_necessary(tmp_path: Path) -> None:
    # SPEC §3: the consent cookie is declared automatically, necessary; a
    # storage entry of its name (a lint warning) does not make it another.
    doc = kk_doc()
    name = doc["consent_cookie"]["name"]
    doc["storage"].append(dict(doc["storage"][-1], name=name, category="statistics", duration={"days": 1}))
    logs = write_logs(tmp_path, [[present(D0, "v", cookies=(name,))]])
    for who, report in audits(logs, doc):
        assert violations(report, logs) == [], (who, report.violations)


def tag(when: datetime, visitor: str, url: str, expect: Sequence[Tuple[str, Optional[str]]] = ()) -> Line:
    return ev(when, visitor, "tag_request", expect, url=url)


def test_s16_gcs_counts_characters_and_a_query_ends_at_the_fragment(tmp_path: Path) -> None:
    # analytics_storage follows statistics; ad_storage is unmapped, so a claim
    # of it is always a mismatch. An undecided visitor.
    doc = kk_doc()
    doc["consent_mode"] = {"analytics_storage": "statistics"}
    base = "https://www.google-analytics.com/g/collect"
    analytics = [("consent-mode-mismatch", None)]
    logs = write_logs(tmp_path, [[
        # Four characters, the third not ASCII: y claims analytics_storage.
        tag(D0, "v", f"{base}?v=2&gcs=G1%C3%A91", analytics),
        tag(D0, "v", f"{base}?v=2&gcs=G1é1", analytics),
        tag(D0, "v", f"{base}?v=2&gcs=G1%FF1", analytics),
        # Five characters: nothing.
        tag(D0, "v", f"{base}?v=2&gcs=G1é11"),
        # A "?" in the fragment starts no query.
        tag(D0, "v", f"{base}#?gcs=G101"),
        tag(D0, "v", f"{base}?v=2#&gcs=G101"),
        tag(D0, "v", f"{base}?gcs=G101#?gcs=G100", analytics),
    ]])  # fmt: skip
    for who, report in audits(logs, doc):
        assert violations(report, logs) == logs.expected, who


# The oracle's own reading of HTTP dates, written out (not computed).
HTTP_DATES: List[Tuple[str, Optional[str]]] = [
    ("Sun, 06 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z"),
    ("Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"),
    ("Sun, 06-Nov-1994 08:49:37 GMT", "1994-11-06T08:49:37Z"),
    ("Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"),
    (" sun, 6 november 1994 8:49:37 utc\t", "1994-11-06T08:49:37Z"),
    ("06 Nov 1994 08:49:37", "1994-11-06T08:49:37Z"),
    ("Thu, 01 Jan 0050 00:00:00 GMT", "2050-01-01T00:00:00Z"),
    ("Thu, 01-Jan-70 00:00:00 GMT", "1970-01-01T00:00:00Z"),
    ("Fri, 01-Jan-38 00:00:00 GMT", "2038-01-01T00:00:00Z"),
    ("Mon, 01 Jan 1601 00:00:00 GMT", "1601-01-01T00:00:00Z"),
    ("Fri, 31 Dec 9999 23:59:59 -0000", "9999-12-31T23:59:59Z"),
    ("Thu, 01 Jan 1600 23:59:59 GMT", None),
    ("Dec, 01 Jan 2026 00:00:00 GMT", None),
    ("Pst, 01 Mar 2026 10:00:00 GMT", None),
    ("Sun, 06 Nov 1994 08:49:37 PST", None),
    ("Sun, 06 Nov 1994 08:49:37GMT", None),
    ("Sun, 06 Nov 199408:49:37 GMT", None),
    ("Sun, 06 Nov 19945:49:37 GMT", None),
    ("Sun Nov  6 08:49:371994", None),
    ("Sun Nov6 08:49:37 1994", None),
    ("Sun, 06 Nov 19945 08:49:37 GMT", None),
    ("Sun, 06 Nov -994 08:49:37 GMT", None),
    ("Sun, 31 Feb 1994 08:49:37 GMT", None),
    ("Sun, 06 Nov 1994 24:00:00 GMT", None),
    ("Sun, 06 Nov 1994 23:59:60 GMT", None),
    ("Sun, 06/Nov/1994 08:49:37 GMT", None),
    ("never", None),
    ("", None),
]


@pytest.mark.parametrize("text,expected", HTTP_DATES)
def test_r6_oracle_reads_http_dates_as_written(text: str, expected: Optional[str]) -> None:
    got = http_date(text)
    assert (None if got is None else at(datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=got))) == expected


def test_r6_oracle_and_audit_read_the_same_expires_dates(tmp_path: Path) -> None:
    """Each line a new visitor's `AWSELBCORS` (statistics, a session cookie)
    set before consent with `Expires=` an HTTP date, odd or not: a date that
    does not read leaves a cookie set (`cookie-before-consent`), one at or
    before the line's time deletes it (nothing), a later one also outlives
    its session declaration (`duration-exceeds-declaration`). The line's time
    is the oracle's reading, one second before or after, so an instant read a
    second apart shows. Both audits must agree line by line."""
    rng = random.Random(20261202)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    last = 253_402_300_799  # 9999-12-31T23:59:59Z
    forms = [text for text, _ in HTTP_DATES]
    near = int(D0.timestamp())
    for _ in range(6000):
        t = rng.choice([rng.randint(-11_644_473_600, last), near + rng.randint(-80 * 365 * 86_400, 80 * 365 * 86_400)])
        forms.append(loggen.http_date_form(rng, t))
    lines = []
    outcomes: Counter[str] = Counter()
    for i, form in enumerate(forms):
        read = http_date(form)
        outcomes["read" if read is not None else "not read"] += 1
        when = near if read is None else min(read + rng.choice([-1, 0, 1]), last)
        header = f"AWSELBCORS={i}; Path=/; Expires={form}"
        lines.append(json.dumps({"ts": at(epoch + timedelta(seconds=when)), "visitor": f"v{i}", "event": "cookie_set", "set_cookie": header}))
    path = tmp_path / "dates.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    doc = kk_doc()
    reports = dict(audits(Logs([path], []), doc))
    oracle, native = (findings(reports[k], [path]) for k in ("oracle", "samtykke.audit"))
    per_line = Counter(tuple(sorted(v[2] for v in oracle[0] if v[1] == n)) for n in range(1, len(lines) + 1))
    print(f"{len(lines)} dates: {dict(outcomes)}; the oracle's findings a line: {dict(per_line)}")
    assert not oracle[1] and not native[1], "input errors"
    differ = [(n, lines[n - 1]) for n in range(1, len(lines) + 1) if [v for v in oracle[0] if v[1] == n] != [v for v in native[0] if v[1] == n]]
    assert not differ, f"{len(differ)} lines differ, the first: {differ[:10]}"
    # Every outcome is there to compare.
    assert min(outcomes.values()) > 1000 and len(per_line) == 3, per_line


def test_oracle_finds_the_examples_violations() -> None:
    """The oracle itself on the example log (SPEC §8's ten kinds there)."""
    report = oracle_audit(REPO / "examples" / "kk.dk.log.jsonl", KK_DK)
    assert {(v["line"], v["id"]) for v in report.violations} == {
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
    }
    assert [e["line"] for e in report.input_errors] == [18]
