"""Policy.decode_cookies: many cookies into columns, for data teams."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator

import pytest

import samtykke

from conftest import KEY, T0


def cookies(kk: samtykke.Policy) -> list:
    a = kk.new_state(1).accept_all(T0)
    b = kk.new_state(2).save(["statistics"], T0 + timedelta(days=1)).withdraw(T0 + timedelta(days=2))
    c = kk.new_state(3)
    return [a.to_cookie(KEY), "garbage", b.to_cookie(KEY), c.to_cookie(KEY), None, a.to_cookie()]


# A time at which the first cookie's grant stands: the columns hold each
# category's standing at `now`.
AT = T0 + timedelta(days=3)


def test_columns(kk: samtykke.Policy) -> None:
    cols = kk.decode_cookies(cookies(kk), KEY, now=AT)
    assert isinstance(cols, Mapping) and isinstance(cols, samtykke.CookieColumns)
    assert list(cols) == [
        "consent_id", "decided_at", "expires", "revision", "necessary", "functional", "statistics", "error",
    ]
    t0 = int(T0.timestamp())
    assert cols["consent_id"] == [f"{1:032x}", None, f"{2:032x}", f"{3:032x}", None, None]
    assert cols["decided_at"] == [t0, None, t0 + 86400, None, None, None]
    assert cols["expires"] == [t0 + 100 * 86400, None, t0 + 102 * 86400, None, None, None]
    assert cols["revision"] == [1, None, 1, None, None, None]
    assert cols["necessary"] == ["exempt", None, "exempt", "exempt", None, None]
    assert cols["functional"] == ["granted", None, "withdrawn", "undecided", None, None]
    assert cols["statistics"] == ["granted", None, "withdrawn", "undecided", None, None]
    assert cols["error"] == [
        None,
        'consent cookie does not start with the version tag "v1."',
        None,
        None,
        "expected a str or bytes, found NoneType",
        "consent cookie is not signed, but a site key was given",
    ]
    assert repr(cols) == (
        "CookieColumns(6 rows: consent_id, decided_at, expires, revision, necessary, functional, statistics, error)"
    )


def test_now_gives_the_standing_at_that_time(kk: samtykke.Policy) -> None:
    values = cookies(kk)
    at_lapse = kk.decode_cookies(values, KEY, now=T0 + timedelta(days=100))
    assert at_lapse["statistics"] == ["expired", None, "withdrawn", "undecided", None, None]
    assert at_lapse["decided_at"] == kk.decode_cookies(values, KEY, now=AT)["decided_at"]


def test_without_now_the_columns_hold_the_standing_at_the_present(kk: samtykke.Policy) -> None:
    # SPEC §10: `now` defaults to the present. A grant of 200 days ago has
    # lapsed (kk.dk keeps a consent 100 days, R16); one of yesterday stands.
    present = datetime.now(timezone.utc)
    old = kk.new_state(1).accept_all(present - timedelta(days=200)).to_cookie(KEY)
    new = kk.new_state(2).accept_all(present - timedelta(days=1)).to_cookie(KEY)
    cols = kk.decode_cookies([old, new], KEY)
    assert cols["statistics"] == ["expired", "granted"]
    assert cols["functional"] == ["expired", "granted"]


def test_any_iterable_and_bytes(kk: samtykke.Policy) -> None:
    values = cookies(kk)
    as_list = kk.decode_cookies(values, KEY, now=AT)

    def gen() -> Iterator[Any]:
        yield from values

    assert kk.decode_cookies(gen(), KEY, now=AT) == as_list
    assert kk.decode_cookies(tuple(values), KEY, now=AT) == as_list
    as_bytes = [v.encode() if isinstance(v, str) else v for v in values]
    assert kk.decode_cookies(as_bytes, KEY, now=AT) == as_list
    empty = kk.decode_cookies([], KEY)
    assert all(v == [] for v in empty.values()) and len(empty) == 8
    unpaired = kk.decode_cookies(["v1.\ud800"])
    assert unpaired["error"][0].startswith("not UTF-8")
    # A value that is not ASCII (so no cookie) in a batch of good ones.
    mixed = kk.decode_cookies([values[0], "v1.bl\u00e5b\u00e6r", values[2]], KEY)
    assert mixed["consent_id"] == [as_list["consent_id"][0], None, as_list["consent_id"][2]]
    assert "not a base64url character" in mixed["error"][1]
    assert kk.decode_cookies([values[0], values[0].encode()], KEY)["error"] == [None, None]


def test_a_failing_iterator_raises(kk: samtykke.Policy) -> None:
    def boom() -> Iterator[str]:
        yield "v1.AAAA"
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        kk.decode_cookies(boom())


def test_category_named_like_a_column(kk_json: Dict[str, Any]) -> None:
    doc = json.loads(json.dumps(kk_json))
    doc["categories"][1]["id"] = "error"
    for item in doc["storage"]:
        if item["category"] == "functional":
            item["category"] = "error"
    p = samtykke.Policy.from_json(json.dumps(doc))
    cols = p.decode_cookies([p.new_state(1).reject_all(T0).to_cookie()], now=T0)
    assert cols["category:error"] == ["refused"] and cols["error"] == [None]


def test_to_pandas(kk: samtykke.Policy) -> None:
    pd = pytest.importorskip("pandas")
    df = kk.decode_cookies(cookies(kk), KEY, now=AT).to_pandas()
    assert list(df.columns) == [
        "consent_id", "decided_at", "expires", "revision", "necessary", "functional", "statistics", "error",
    ]
    assert str(df["decided_at"].dtype) == "Int64"
    assert df["decided_at"].iloc[0] == int(T0.timestamp()) and df["decided_at"].isna().sum() == 4
    assert df["error"].isna().tolist() == [True, False, True, True, False, False]
    assert (df["statistics"] == "granted").sum() == 1
    assert isinstance(df, pd.DataFrame)


def test_to_arrow(kk: samtykke.Policy) -> None:
    pa = pytest.importorskip("pyarrow")
    table = kk.decode_cookies(cookies(kk), KEY).to_arrow()
    assert table.num_rows == 6
    assert table.schema.field("expires").type == pa.int64()
    assert table.schema.field("statistics").type == pa.string()
    assert table.column("revision").null_count == 4
    assert table.column("consent_id").to_pylist()[0] == f"{1:032x}"
