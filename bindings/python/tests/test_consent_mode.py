"""Google Consent Mode v2 from Python (SPEC §16): `ConsentState.consent_mode(now)`
gives the seven types as "granted"/"denied", against hand-written cases on kk.dk
and, over random policies, mappings and event sequences, against the reference
model (``oracle/state_ref.py``)."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import samtykke

from conftest import KK_DK, T0
from oracle.state_ref import EXEMPT, GRANTED, PolicyRef, at_time
from test_state_oracle import Ev, World, boundaries, drive, events_for, long_run, worlds

TYPES = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
]


def kk_mapped(kk_json: Dict[str, Any], mapping: Dict[str, str]) -> samtykke.Policy:
    doc = dict(kk_json, consent_mode=mapping)
    return samtykke.Policy.from_json(json.dumps(doc))


def test_s16_consent_mode_on_kk_dk(kk_json: Dict[str, Any]) -> None:
    policy = kk_mapped(
        kk_json,
        {
            "ad_storage": "statistics",
            "analytics_storage": "statistics",
            "functionality_storage": "functional",
            "security_storage": "necessary",
        },
    )
    state = policy.new_state(1)
    denied = {t: "denied" for t in TYPES}
    assert state.consent_mode(T0) == dict(denied, security_storage="granted")
    assert list(state.consent_mode(T0)) == TYPES
    saved = state.save(["statistics"], T0)
    assert saved.consent_mode(T0) == dict(
        denied, ad_storage="granted", analytics_storage="granted", security_storage="granted"
    )
    lapse = T0 + timedelta(days=100)
    assert saved.consent_mode(lapse - timedelta(seconds=1))["analytics_storage"] == "granted"
    assert saved.consent_mode(lapse) == dict(denied, security_storage="granted")
    accepted = state.accept_all(T0)
    assert accepted.consent_mode(T0) == dict(
        denied,
        ad_storage="granted",
        analytics_storage="granted",
        functionality_storage="granted",
        security_storage="granted",
    )


def test_s16_consent_mode_without_a_mapping_denies_everything(kk: samtykke.Policy) -> None:
    assert kk.new_state(1).accept_all(T0).consent_mode(T0) == {t: "denied" for t in TYPES}


def test_s16_consent_mode_exempt_mapping_is_a_policy_error(kk_json: Dict[str, Any]) -> None:
    with pytest.raises(samtykke.PolicyError) as e:
        kk_mapped(kk_json, {"ad_user_data": "necessary"})
    assert e.value.path == "consent_mode.ad_user_data"
    with pytest.raises(samtykke.PolicyError) as e:
        kk_mapped(kk_json, {"ad_storage": "marketing"})
    assert e.value.path == "consent_mode.ad_storage"


def test_s16_consent_mode_rejects_a_naive_time(kk: samtykke.Policy) -> None:
    with pytest.raises((TypeError, ValueError)):
        kk.new_state(1).consent_mode(T0.replace(tzinfo=None))


@st.composite
def mapped(draw: Callable[..., Any]) -> Tuple[World, List[Ev], Dict[str, str]]:
    w = draw(worlds())
    consent = w.ref.consent
    mapping: Dict[str, str] = {}
    for t in TYPES:
        choices = consent + (["necessary"] if t == "security_storage" else [])
        c = draw(st.one_of(st.none(), st.sampled_from(choices)))
        if c is not None:
            mapping[t] = c
    doc = dict(w.doc, consent_mode=mapping)
    w = World(doc, samtykke.Policy.from_json(json.dumps(doc)), PolicyRef(doc), w.names)
    return w, draw(events_for(w, 30)), mapping


@long_run
@given(mapped(), st.integers(0, 3 * 86_400))
def test_s16_consent_mode_grants_exactly_the_types_whose_category_the_model_permits(
    sc: Tuple[World, List[Ev], Dict[str, str]], extra: int
) -> None:
    w, evs, mapping = sc
    for step in drive(w, evs):
        for now in boundaries(step.model, step.at, extra):
            want = {
                t: "granted" if t in mapping and step.model.status(mapping[t], now) in (GRANTED, EXEMPT) else "denied"
                for t in TYPES
            }
            assert step.state.consent_mode(at_time(now)) == want, now


# ---- the audit's consent-mode-mismatch against the oracle (SPEC §8, §16)

GCS_VALUES = ["G100", "G101", "G110", "G111", "G1-1", "G10x", "G2 11", "G11", "g111", "", "G1%31%31"]
GCD_CHARS = "lpqrtuvmnA_-*é"


@st.composite
def tag_logs(draw: Callable[..., Any]) -> Tuple[Dict[str, Any], List[str]]:
    """kk.dk with a random valid mapping, and a log of two visitors' notices,
    decisions and tag hits with random `gcs`/`gcd` values (junk among them) at
    random times, in time order per visitor."""
    doc: Dict[str, Any] = json.loads(KK_DK.read_text(encoding="utf-8"))
    mapping: Dict[str, str] = {}
    for t in TYPES:
        choices = ["functional", "statistics"] + (["necessary"] if t == "security_storage" else [])
        c = draw(st.one_of(st.none(), st.sampled_from(choices)))
        if c is not None:
            mapping[t] = c
    doc["consent_mode"] = mapping
    lines: List[str] = []
    for visitor in ("a", "b"):
        at = int(T0.timestamp())
        for _ in range(draw(st.integers(1, 12))):
            at += draw(st.sampled_from([0, 1, 3600, 50 * 86_400, 100 * 86_400]))
            ts = datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            kind = draw(st.sampled_from(["notice", "accept_all", "reject_all", "save", "withdraw", "tag", "tag", "tag"]))
            rec: Dict[str, Any] = {"ts": ts, "visitor": visitor}
            if kind == "notice":
                rec.update(event="notice_shown", controls=["accept_all", "reject_all"])
            elif kind == "tag":
                gcs = draw(st.sampled_from(GCS_VALUES))
                gcd = "".join(draw(st.lists(st.sampled_from(GCD_CHARS), max_size=10)))
                query = draw(st.sampled_from([f"gcs={gcs}&gcd={gcd}", f"gcd={gcd}", f"gcs={gcs}", f"x=1#gcs={gcs}"]))
                rec.update(event="tag_request", url=f"https://www.google-analytics.com/g/collect?v=2&{query}")
            elif kind == "save":
                rec.update(event="decision", action="save", granted=draw(st.sampled_from([[], ["statistics"], ["functional"]])))
            elif kind == "withdraw":
                rec.update(event="decision", action="withdraw", categories=["statistics"])
            else:
                rec.update(event="decision", action=kind)
            lines.append(json.dumps(rec, ensure_ascii=False))
    return doc, lines


@long_run
@given(tag_logs())
def test_s16_audit_consent_mode_mismatch_agrees_with_the_oracle(case: Tuple[Dict[str, Any], List[str]]) -> None:
    """samtykke.audit and the pure-Python oracle (``oracle/audit_ref.py``,
    written from SPEC §8 and §16) find the same violations (line, id, category)
    and input errors on logs of tag hits."""
    from oracle.audit_ref import audit as oracle_audit

    doc, lines = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tags.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        native = samtykke.audit(str(path), samtykke.Policy.from_json(json.dumps(doc)))
        oracle = oracle_audit([str(path)], doc)
        found = sorted((v["line"], v["id"], v["category"] or "") for v in native.violations)
        want = sorted((v["line"], v["id"], v["category"] or "") for v in oracle.violations)
        assert found == want, lines
        assert [e["line"] for e in native.input_errors] == [e["line"] for e in oracle.input_errors]


def test_s16_audit_hand_written_hits(kk_json: Dict[str, Any], tmp_path: Path) -> None:
    """A refused visitor's hits, by hand: a granted claim by gcs and by gcd (the
    update over the default) is a mismatch; a denied claim is not."""
    doc = dict(kk_json, consent_mode={"ad_storage": "statistics", "analytics_storage": "statistics", "ad_user_data": "statistics"})
    base = "https://www.google-analytics.com/g/collect?v=2"
    lines = [
        {"event": "notice_shown", "controls": ["accept_all", "reject_all"]},
        {"event": "decision", "action": "reject_all"},
        {"event": "tag_request", "url": f"{base}&gcs=G101"},  # 3: analytics granted
        {"event": "tag_request", "url": f"{base}&gcs=G100&gcd=11q1q1r1l5"},  # 4: ad_user_data (update granted)
        {"event": "tag_request", "url": f"{base}&gcd=11u1u1u1u5"},  # 5: updates deny over granted defaults
        {"event": "tag_request", "url": f"{base}&gcd=11t1l1l1l5"},  # 6: ad_storage by default
    ]
    path = tmp_path / "hits.jsonl"
    path.write_text(
        "".join(json.dumps({"ts": f"2026-03-01T10:00:0{i}Z", "visitor": "v", **rec}) + "\n" for i, rec in enumerate(lines)),
        encoding="utf-8",
    )
    report = samtykke.audit(str(path), samtykke.Policy.from_json(json.dumps(doc)))
    assert [(v["line"], v["id"], v["category"], v["cookie"]) for v in report.violations] == [
        (3, "consent-mode-mismatch", "statistics", None),
        (4, "consent-mode-mismatch", "statistics", None),
        (6, "consent-mode-mismatch", "statistics", None),
    ]
    assert report.summary["violations_by_id"]["consent-mode-mismatch"] == 3
