"""The API of SPEC §10 on the kk.dk policy: loading, events, queries, deletion,
filtering, proof records and cookies."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict

import pytest

import samtykke

from conftest import KEY, KK_DK, T0

CPH = timezone(timedelta(hours=1), "CET")


def test_policy_loads_from_file_text_and_bytes(kk: samtykke.Policy) -> None:
    text = KK_DK.read_text(encoding="utf-8")
    for p in (samtykke.Policy.load(str(KK_DK)), samtykke.Policy.from_json(text), samtykke.Policy.from_json(text.encode())):
        assert p.site == "kk.dk"
        assert p.categories == ["necessary", "functional", "statistics"]
        assert p.consent_categories == ["functional", "statistics"]
        assert p.providers == ["kk", "twentythree", "septima", "siteimprove"]
        assert p.consent_cookie == kk.consent_cookie
    assert repr(kk) == "Policy(site='kk.dk', revision=1)"
    assert (kk.revision, kk.notice_version) == (1, 1)
    assert (kk.consent_ttl_days, kk.refusal_ttl_days, kk.proof_retention_days) == (100, 100, 1095)


def test_r06_the_declaration_in_every_language_and_format(kk: samtykke.Policy) -> None:
    md = kk.declaration("en", "markdown")
    assert md.startswith("# Cookie declaration — kk.dk")
    assert "| `nmstat` | cookie |" in md and "Siteimprove (third party) | 1000 days |" in md
    page = kk.declaration()  # Danish, a complete page
    assert page.startswith('<!DOCTYPE html>\n<html lang="da">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<td data-label="Varighed">1000 dage</td>' in page
    fragment = kk.declaration("da", format="html-fragment")
    assert fragment.startswith('<div class="samtykke-declaration" lang="da">')
    assert "<html" not in fragment and "<style" not in fragment
    assert f"<main>\n{fragment}</main>" in page
    with pytest.raises(ValueError, match="lang must be one of \"da\", \"en\", not 'fr'"):
        kk.declaration("fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be one of .*\"html-fragment\", not 'pdf'"):
        kk.declaration("da", "pdf")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kk.declaration(1)  # type: ignore[arg-type]


def test_lint_reports_nmstat_outliving_its_consent(kk: samtykke.Policy) -> None:
    warnings = kk.lint()
    assert [(w.id, w.path) for w in warnings] == [("outlives-consent", "storage[6].duration")]
    w = warnings[0]
    assert "1000 days" in w.message
    assert str(w) == f"storage[6].duration: {w.message} [outlives-consent]"
    assert repr(w).startswith("LintWarning(id='outlives-consent', path='storage[6].duration'")


def test_states_are_immutable_values(kk: samtykke.Policy) -> None:
    new = kk.new_state("0123456789abcdef0123456789abcdef")
    assert new.consent_id == "0123456789abcdef0123456789abcdef"
    assert kk.new_state(0x1234).consent_id == "00000000000000000000000000001234"
    accepted = new.accept_all(T0)
    assert new.decisions == {"functional": "undecided", "statistics": "undecided"}
    assert accepted.decisions == {"functional": "granted", "statistics": "granted"}
    assert accepted is not new and accepted != new
    assert accepted == new.accept_all(T0) and hash(accepted) == hash(new.accept_all(T0))
    assert accepted.policy is kk
    with pytest.raises(AttributeError):
        accepted.decided_at = T0  # type: ignore[misc]
    assert len({kk.new_state() .consent_id for _ in range(20)}) == 20, "random ids"
    assert repr(accepted) == (
        "ConsentState(consent_id='0123456789abcdef0123456789abcdef', "
        "decisions={'functional': 'granted', 'statistics': 'granted'})"
    )


def test_a_visit(kk: samtykke.Policy) -> None:
    state = kk.new_state(0x1234)
    assert state.prompt_due(T0)
    assert state.decided_at is None and state.expires is None and state.action is None
    assert state.proof_record() is None

    denied = state.permits("nmstat", T0)
    assert not denied and (denied.category, denied.reason, denied.declaration) == ("statistics", "undecided", "nmstat")
    assert repr(denied) == "Decision(allowed=False, category='statistics', reason='undecided')"
    assert state.permits("SESSabc", T0) == state.permits("SESSxyz", T0)
    assert state.permits("SESSabc", T0).declaration == "SESS*"
    undeclared = state.permits("_ga", T0)
    assert not undeclared and undeclared.category is None and undeclared.reason == "undeclared"
    assert state.permits(kk.consent_cookie, T0).reason == "exempt"

    saved = state.save(["statistics"], T0, notice=1, control="toggle")
    assert saved.permits("nmstat", T0).reason == "granted"
    assert saved.category_status("functional", T0) == "refused"
    assert saved.category_status("necessary", T0) == "exempt"
    assert not saved.prompt_due(T0)
    assert saved.toggles(T0) == ["statistics"]
    assert (saved.action, saved.control, saved.notice_version, saved.revision) == ("save", "toggle", 1, 1)
    assert saved.decided_at == T0 and saved.expires == T0 + timedelta(days=100)
    assert saved.decided_at.tzinfo is timezone.utc

    later = T0 + timedelta(days=10)
    withdrawn = saved.withdraw(later, ["statistics"], control="link")
    assert withdrawn.partial_refusal_at == later
    assert withdrawn.permits("nmstat", later).reason == "withdrawn"
    assert withdrawn.category_status("statistics", later) == "withdrawn"
    plan = withdrawn.deletion_plan("www.kk.dk", "nmstat=abc; SESS1=x; _ga=1", later)
    assert plan
    assert plan.set_cookie == [
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=www.kk.dk",
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=kk.dk",
    ]
    assert plan.storage_keys == [] and plan.undeletable == []
    assert withdrawn.deletion_plan("www.kk.dk", ["nmstat", "SESS1"], later).set_cookie == plan.set_cookie
    assert not withdrawn.deletion_plan("kk.dk", [], later)

    # Lapse: 100 days after the decision the prompt is due again (R16).
    lapse = T0 + timedelta(days=100)
    assert not withdrawn.prompt_due(lapse - timedelta(seconds=1))
    assert withdrawn.prompt_due(lapse)


def test_times_with_any_offset_are_the_same_instant(kk: samtykke.Policy) -> None:
    state = kk.new_state(1)
    local = T0.astimezone(CPH)
    assert state.accept_all(local) == state.accept_all(T0)
    assert state.accept_all(local).decided_at == T0
    # Fractions of a second are floored, as the core counts whole seconds.
    assert state.accept_all(T0 + timedelta(microseconds=999_999)).decided_at == T0
    assert state.accept_all(T0 - timedelta(microseconds=1)).decided_at == T0 - timedelta(seconds=1)


def test_gpc(kk_json: Dict[str, Any]) -> None:
    doc = dict(kk_json, gpc_refuses=["statistics"])
    p = samtykke.Policy.from_json(json.dumps(doc))
    accepted = p.new_state(1).accept_all(T0)
    signalled = accepted.signal_gpc(T0 + timedelta(hours=1))
    assert signalled.category_status("statistics", T0 + timedelta(hours=1)) == "signal"
    assert signalled.category_status("functional", T0 + timedelta(hours=1)) == "granted"
    assert signalled.proof_record()["action"] == "signal_gpc"
    under_signal = p.new_state(1).accept_all(T0, gpc=True)
    assert under_signal.gpc
    assert under_signal.signal_gpc(T0 + timedelta(hours=1)).category_status("statistics", T0) == "granted"


def test_provider_refusal(kk: samtykke.Policy) -> None:
    state = kk.new_state(1).save(["functional", "statistics"], T0, refused_providers=["septima"])
    assert state.providers_refused == ["septima"]
    refused = state.permits("JSESSIONID", T0)
    assert not refused and refused.reason == "provider-refused"
    assert state.permits("ad_session_id", T0)


def test_filter_set_cookie(kk: samtykke.Policy) -> None:
    state = kk.new_state(1).save(["functional"], T0)
    filtered = state.filter_set_cookie(
        [
            "nmstat=1; Max-Age=100",
            "JSESSIONID=abc; Path=/",
            "nmstat=; Max-Age=0",
            "_ga=GA1; Max-Age=100",
            "=broken",
        ],
        T0,
    )
    assert filtered.kept == ["JSESSIONID=abc; Path=/", "nmstat=; Max-Age=0"]
    assert [(d.index, d.name, d.category, d.reason) for d in filtered.dropped] == [
        (0, "nmstat", "statistics", "refused"),
        (3, "_ga", None, "undeclared"),
        (4, None, None, "unparsable"),
    ]
    assert filtered.dropped[0].message == "statistics refused"
    assert filtered.dropped[2].header == "=broken"
    assert "unparsable" in filtered.dropped[2].message


def test_proof_records(kk: samtykke.Policy) -> None:
    state = kk.new_state(0x1234).save(["statistics"], T0, control="toggle")
    record = state.proof_record()
    assert record == {
        "ts": "2026-03-01T10:00:00Z",
        "consent_id": "00000000000000000000000000001234",
        "site": "kk.dk",
        "revision": 1,
        "notice_version": 1,
        "action": "save",
        "control": "toggle",
        "decisions": {"functional": "refused", "statistics": "granted"},
        "providers_refused": [],
        "gpc": False,
        "expires": "2026-06-09T10:00:00Z",
    }
    assert json.loads(state.proof_json() or "") == record
    # Events that decide nothing keep the latest record.
    assert state.dismiss(T0 + timedelta(hours=1)).proof_record() == record
    assert kk.decode_cookie(state.to_cookie()).proof_record() is None


def test_cookies(kk: samtykke.Policy) -> None:
    state = kk.new_state(0x1234).reject_all(T0)
    signed = state.to_cookie(KEY)
    assert signed.startswith("v1.") and len(signed) <= 120
    assert kk.decode_cookie(signed, KEY) == state
    assert kk.decode_cookie(state.to_cookie()) == state
    assert state.to_cookie(key=None) == state.to_cookie()


def test_deletion_of_storage_and_undeletable_items(kk_json: Dict[str, Any]) -> None:
    doc = json.loads(json.dumps(kk_json))
    doc["storage"].append(
        {"name": "stats_*", "kind": "local_storage", "provider": "siteimprove", "category": "statistics",
         "purpose": {"en": "x", "da": "x"}, "duration": "session"}
    )
    doc["storage"].append(
        {"name": "far", "kind": "cookie", "provider": "siteimprove", "category": "statistics",
         "purpose": {"en": "x", "da": "x"}, "duration": "session", "domain": "siteimprove.com"}
    )
    p = samtykke.Policy.from_json(json.dumps(doc))
    plan = p.new_state(1).reject_all(T0).deletion_plan("kk.dk", ["far", "nmstat"], T0)
    assert plan.storage_keys == [("local_storage", "stats_*")]
    [u] = plan.undeletable
    assert (u.name, u.category, u.domain, u.reason) == ("far", "statistics", "siteimprove.com", "outside-reach")
    assert "outside-reach" in repr(plan)


def test_states_are_shared_across_threads(kk: samtykke.Policy) -> None:
    state = kk.new_state(1).save(["statistics"], T0)
    errors = []

    def work() -> None:
        for i in range(200):
            s = state.withdraw(T0 + timedelta(seconds=i))
            if s.permits("nmstat", T0 + timedelta(seconds=i)):
                errors.append(i)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_load_takes_path_like(tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    f.write_bytes(KK_DK.read_bytes())
    assert samtykke.Policy.load(f).site == "kk.dk"


def test_s15_site_keys_reads_a_key_file_as_the_other_front_ends_do(kk: samtykke.Policy) -> None:
    hex_key = "a1" * 32  # what `openssl rand -hex 32` writes, before its newline
    assert samtykke.site_keys(f"{hex_key}\n".encode()) == [hex_key.encode()]
    # Rotation: the first line signs; comments, blank lines and CRLF are left out.
    older = "b2" * 32
    file = f"\ufeff# site keys\r\n\r\n  {hex_key}\t\r\n{older}\r".encode()
    assert samtykke.site_keys(file) == [hex_key.encode(), older.encode()]
    # A file that is not text is one key, byte for byte.
    raw = bytes(range(40))
    assert samtykke.site_keys(raw) == [raw]
    # A cookie signed with the key read from the file verifies with the same key
    # as the command line reads it; the newline would have made another key.
    [key] = samtykke.site_keys(f"{hex_key}\n".encode())
    cookie = kk.new_state(1).accept_all(T0).to_cookie(key)
    assert kk.decode_cookie(cookie, key).consent_id == f"{1:032x}"
    with pytest.raises(samtykke.CookieError):
        kk.decode_cookie(cookie, f"{hex_key}\n".encode())


def test_s15_site_keys_refuses_short_keys_naming_the_line() -> None:
    with pytest.raises(samtykke.SamtykkeError) as e:
        samtykke.site_keys(b"# keys\n" + b"k" * 40 + b"\nshort\n")
    assert e.value.code == 504 and str(e.value) == "line 3: a key of 5 bytes; a site key needs 32 or more"
    assert (e.value.path, e.value.message) == ("line 3", "a key of 5 bytes; a site key needs 32 or more")
    with pytest.raises(samtykke.SamtykkeError) as e:
        samtykke.site_keys(b"\n# nothing\n")
    assert e.value.code == 504 and "holds no key" in str(e.value)
    with pytest.raises(samtykke.SamtykkeError):
        samtykke.site_keys(b"k" * (64 * 1024 + 1))
    with pytest.raises(TypeError):
        samtykke.site_keys("a" * 64)  # type: ignore[arg-type]


def test_s15_judge_set_cookies_keeps_what_is_permitted_shortened_to_the_lapse(kk: samtykke.Policy) -> None:
    from email.utils import format_datetime

    state = kk.new_state(1).save(["statistics"], T0)
    now = T0 + timedelta(days=10)
    lapse = T0 + timedelta(days=100)  # kk.dk keeps a consent 100 days (R16)
    sent = state.judge_set_cookies(
        [
            "nmstat=1; Max-Age=86400000; Path=/",  # 1000 days asked
            "nmstat=2; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Path=/",
            "nmstat=3; Max-Age=60",  # shorter than the lapse: unchanged
            "JSESSIONID=1; Path=/",  # functional: refused
            "_ga=1",  # undeclared
            "JSESSIONID=; Max-Age=0",  # a deletion always passes
            "SESS1=x; Path=/; HttpOnly",  # necessary
        ],
        now,
    )
    assert sent == [
        f"nmstat=1; Max-Age={90 * 86400}; Path=/",
        f"nmstat=2; Expires={format_datetime(lapse, usegmt=True)}; Path=/",
        "nmstat=3; Max-Age=60",
        "JSESSIONID=; Max-Age=0",
        "SESS1=x; Path=/; HttpOnly",
    ]
    # filter_set_cookie keeps the same headers, unshortened, and says why the rest left.
    filtered = state.filter_set_cookie(["nmstat=1; Max-Age=86400000; Path=/", "_ga=1"], now)
    assert filtered.kept == ["nmstat=1; Max-Age=86400000; Path=/"]
    assert [d.header for d in filtered.dropped] == ["_ga=1"]
