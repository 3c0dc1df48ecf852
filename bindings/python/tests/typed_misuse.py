"""Code a type checker must reject with the package's stubs: each marked line is
one error (tests/test_stubs.py counts them)."""

from __future__ import annotations

import samtykke


def misuse(policy: samtykke.Policy) -> None:
    state = policy.new_state()
    state.to_cookie("a str key")  # error: key is bytes
    state.accept_all("2026-03-01")  # error: at is a datetime
    policy.decode_cookie(b"v1.AAAA")  # error: value is a str
    state.permits("nmstat", state.decided_at)  # error: decided_at may be None
    samtykke.audit(["log.jsonl"], "policy.json")  # error: policy is a Policy
    samtykke.audit_lines([1], policy)  # error: lines are str, bytes or dicts
