"""Code a type checker must accept with the package's stubs (tests/test_stubs.py
runs mypy --strict on it)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

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
