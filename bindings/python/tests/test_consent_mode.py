"""Google Consent Mode v2 from Python (SPEC §16): `ConsentState.consent_mode(now)`
gives the seven types as "granted"/"denied", against hand-written cases on kk.dk
and, over random policies, mappings and event sequences, against the reference
model (``oracle/state_ref.py``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import samtykke

from conftest import T0
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
