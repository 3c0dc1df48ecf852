"""Code a type checker must accept with the package's stubs (tests/test_stubs.py
runs mypy --strict on it)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import samtykke


def visit(policy: samtykke.Policy, key: bytes) -> List[Optional[str]]:
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    state: samtykke.ConsentState = policy.new_state().save(["statistics"], now)
    decision: samtykke.Decision = state.permits("nmstat", now, kind="cookie")
    reason: str = decision.reason
    plan: samtykke.DeletionPlan = state.withdraw(now).deletion_plan("kk.dk", ["nmstat"], now)
    headers: List[str] = plan.set_cookie + [reason]
    columns: samtykke.CookieColumns = policy.decode_cookies([state.to_cookie(key)], key)
    errors: List[Optional[str]] = columns["error"]
    try:
        samtykke.Policy.from_json("{}")
    except samtykke.PolicyError as e:
        errors.append(e.path)
    return errors + list(headers)


def audit(policy: samtykke.Policy, log: Path) -> int:
    report: samtykke.AuditReport = samtykke.audit([log, "more.jsonl.gz"], policy, grace_seconds=5)
    ids: List[str] = [v["id"] for v in report.violations]
    lines: List[int] = [e["line"] for e in report.input_errors]
    event: Dict[str, Any] = {"ts": "2026-03-01T10:00:00Z", "visitor": "v", "event": "signal", "signal": "gpc"}
    again = samtykke.audit_lines(["{}", b"{}", event], policy)
    cookies: List[Optional[str]] = [row["cookie"] for row in again.to_dicts()]
    return report.summary["events"] + len(ids) + len(lines) + len(cookies) + report.exit_code
