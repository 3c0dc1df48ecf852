#!/usr/bin/env python3
"""Turns the conformance table (the JSON files of tests/conformance, SPEC §18) into a C data
file for tests/c/conformance.c, at test time (nothing generated is committed).

    tests/c/conformance.py OUT.h        (run from the repository root)

The rows stay data: each becomes one `cf_row` initialiser. Names the C API takes as
numbers (controls, actions) become the header's own constants, and the names of
`samtykke_why` values are read from the header's comments, so nothing here repeats
a table of the core.
"""
import json
import re
import sys

ROOT_FILES = ["events", "policies", "cookies", "headers", "iab"]
HEADER = "include/samtykke.h"
DEFAULT_POLICY = "examples/kk.dk.policy.json"
DEFAULT_ID = "0123456789abcdef0123456789abcdef"


def enum_names(header, enum):
    """{name in the core: C constant} of one enum, from `/** name */ CONST = n,`."""
    prefix = f"SAMTYKKE_{enum.upper()}_"
    pairs = re.findall(r"/\*\* (\S+) \*/\s*(" + prefix + r"\w+) = \d+,", header)
    return dict(pairs)


def c_str(b):
    """A C string literal of bytes (octal escapes for anything but plain ASCII)."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    out = []
    for x in b:
        ch = chr(x)
        if 0x20 <= x < 0x7F and ch not in '"\\?':
            out.append(ch)
        else:
            out.append("\\%03o" % x)
    return '"' + "".join(out) + '"'


def lit(b):
    """`"…", len` for a (pointer, length) pair."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    return f"{c_str(b)}, {len(b)}"


def policy_text(row):
    p = row.get("policy") or DEFAULT_POLICY
    if isinstance(p, str):
        return open(p, "rb").read()
    return json.dumps(p).encode("utf-8")


def notice_default(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return 1
    return doc.get("notice_version", 1) if isinstance(doc, dict) else 1


def u32(n):
    """A JSON integer as C takes it in a uint32_t (SPEC: -1 passes as 4294967295)."""
    return f"UINT32_C({n & 0xFFFFFFFF})" if -(2**31) <= n < 2**32 else "UINT32_MAX"


def i64(n):
    if n == -(2**63):
        return "INT64_MIN"
    return f"INT64_C({n})"


def strings(xs, cap, what):
    assert len(xs) <= cap, f"{what}: {len(xs)} > {cap}"
    return "{" + ", ".join(c_str(x) for x in xs) + "}" if xs else "{0}"


def event(e, controls, default_notice):
    control = e.get("control")
    if control is None:
        control_c = controls["button"]
    else:
        control_c = controls.get(control, "UINT32_MAX")  # not a control: out of range
    notice = e.get("notice")
    notice = default_notice if notice is None else notice
    cats = e.get("categories")
    provs = e.get("refused_providers") or []
    return (
        "{"
        f".action = {c_str(e['action'])}, .at = {i64(e['at'])}, .notice = {u32(notice)}, "
        f".control = {control_c}, .gpc = {'true' if e.get('gpc') else 'false'}, "
        f".ncat = {-1 if cats is None else len(cats)}, .cat = {strings(cats or [], 16, 'categories')}, "
        f".nprov = {len(provs)}, .prov = {strings(provs, 16, 'providers')}"
        "}"
    )


def kvs(d, cap):
    assert len(d) <= cap
    if not d:
        return 0, "{{0, 0}}"
    return len(d), "{" + ", ".join("{" + c_str(k) + ", " + c_str(v) + "}" for k, v in d.items()) + "}"


def row_c(file, row, controls):
    ex = row["expect"]
    fields = [
        f".name = {c_str(row['name'])}",
        f".file = {c_str(file)}",
        f".type = {c_str(row.get('type', file))}",
        f".code = {ex['code']}",
    ]
    if "policy_text" in row:
        text = row["policy_text"].encode("utf-8")
    else:
        text = policy_text(row)
    p = row.get("policy", DEFAULT_POLICY) if "policy_text" not in row else None
    if isinstance(p, str):
        # C guarantees string literals of 4095 bytes only: a file is read at run time.
        fields.append(f".policy_path = {c_str(p)}")
    else:
        fields.append(f".policy = {c_str(text)}, .policy_len = {len(text)}")
    fields.append(f".consent_id = {c_str(bytes.fromhex(row.get('consent_id', DEFAULT_ID)))}")
    default_notice = notice_default(text)
    given = row.get("given", [])
    assert len(given) <= 8
    fields.append(f".ngiven = {len(given)}")
    if given:
        fields.append(".given = {" + ", ".join(event(e, controls, default_notice) for e in given) + "}")
    if "event" in row:
        fields.append(".has_event = true, .event = " + event(row["event"], controls, default_notice))
    if "now" in row:
        fields.append(f".now = {i64(row['now'])}")
    for k in ["recorded", "prompt_due"]:
        fields.append(f".{k} = {-1 if k not in ex else int(ex[k])}")
    fields.append(f".notice_version = {ex.get('notice_version', -1)}")
    n, init = kvs(ex.get("status", {}), 16)
    fields.append(f".nstatus = {n}, .status = {init}")
    n, init = kvs(ex.get("permits", {}), 16)
    fields.append(f".npermits = {n}, .permits = {init}")
    if "path" in ex:
        fields.append(f".path = {c_str(ex['path'])}")
    cats = ex.get("categories")
    if cats is not None:
        fields.append(f".ncats = {len(cats)}, .cats = {strings(cats, 16, 'categories')}")
    if "value" in row:
        fields.append(f".value = {lit(row['value'])}")
    fields.append(f".signal = {-1 if 'signal' not in ex else int(ex['signal'])}")
    if row.get("type") == "request_lang":
        fields.append(f".query = {lit(row['query'])}")
        fields.append(f".accept_language = {lit(row['accept_language'])}")
        fields.append(f".lang = {'NULL' if ex['lang'] is None else c_str(ex['lang'])}")
    fields.append(f".same = {-1 if 'same' not in ex else int(ex['same'])}")
    if row.get("type") == "same_origin":
        fields.append(f".origin_host = {lit(row['host'])}")
        # Absent: NULL with length 0, a request without the header.
        for key, field in [("origin", "origin"), ("sec_fetch_site", "fetch_site")]:
            fields.append(f".{field} = {lit(row[key]) if key in row else 'NULL, 0'}")
    if row.get("type") == "decision_form":
        # Absent: a form's; null: NULL with length 0, a post without the header.
        content_type = row.get("content_type", "application/x-www-form-urlencoded")
        fields.append(f".content_type = {'NULL, 0' if content_type is None else lit(content_type)}")
        fields.append(f".body = {lit(row['body'])}")
        fields.append(f".action_field = {lit(row.get('action_field', 'action'))}")
        if ex["code"] == 0:
            keys = ["action", "notice", "control", "granted", "categories", "consent_id"]
            decision = json.dumps({k: ex[k] for k in keys}, separators=(",", ":"))
            fields.append(f".decision = {c_str(decision)}")
        else:
            fields.append(f".fault_field = {c_str(ex['field'])}")
            fields.append(f".fault_status = {ex['http_status']}")
    if "cmp_id" in ex:
        fields.append(f".cmp_id = {ex['cmp_id']}")
    else:
        fields.append(".cmp_id = -1")
    if "ids" in ex:
        ids = ex["ids"]
        assert len(ids) <= 64
        fields.append(f".nids = {len(ids)}, .ids = {{" + ", ".join(str(i) for i in ids) + "}" if ids else f".nids = 0")
    if "key_hex" in row:
        fields.append(f".key = {lit(bytes.fromhex(row['key_hex']))}")
    if "header" in row:
        fields.append(f".header = {lit(row['header'])}")
    if "header_hex" in row:
        fields.append(f".header = {lit(bytes.fromhex(row['header_hex']))}")
    site_keys = [bytes.fromhex(k) for k in row.get("keys_hex", [])]
    assert len(site_keys) <= 4
    # Absent: no keys (NULL arrays), read unverified; a list, even empty: those keys.
    fields.append(f".has_site_keys = {'true' if 'keys_hex' in row else 'false'}")
    if site_keys:
        fields.append(
            f".nsite_keys = {len(site_keys)}, .site_keys = {{"
            + ", ".join(c_str(k) for k in site_keys)
            + "}, .site_key_lens = {"
            + ", ".join(str(len(k)) for k in site_keys)
            + "}"
        )
    # What a decoded state records (samtykke_state_describe): asked where given.
    if "consent_id" in ex and row.get("type") != "decision_form":
        fields.append(f".want_id = {c_str(ex['consent_id'])}")
    if "decided_at" in ex:
        at = ex["decided_at"]
        fields.append(f".want_decided = {0 if at is None else 1}, .want_decided_at = {i64(at or 0)}")
    else:
        fields.append(".want_decided = -1")
    # A partial refusal kept and the first lapse (samtykke_state_describe), asked where given.
    for k, field in [("partial_refusal_at", "partial"), ("expires", "expires")]:
        if k in ex:
            at = ex[k]
            fields.append(f".want_{field} = {0 if at is None else 1}, .want_{field}_at = {i64(at or 0)}")
        else:
            fields.append(f".want_{field} = -1")
    # Python's null (no full decision) is C's 0.
    fields.append(f".want_revision = {-1 if 'revision' not in ex else ex['revision'] or 0}")
    for k in ["action", "control"]:
        if k in ex and row.get("type") != "decision_form":
            fields.append(f".want_{k} = {'NULL' if ex[k] is None else c_str(ex[k])}, .ask_{k} = true")
    fields.append(f".want_gpc = {-1 if 'gpc' not in ex else int(ex['gpc'])}")
    fields.append(f".found = {-1 if 'found' not in ex else int(ex['found'])}")
    fields.append(f".key_index = {ex.get('key_index', -1)}")
    pairs = ex.get("pairs", [])
    assert len(pairs) <= 16
    if pairs:
        fields.append(
            f".npairs = {len(pairs)}, .pairs = {{"
            + ", ".join("{" + c_str(n) + ", " + c_str(v) + "}" for n, v in pairs)
            + "}"
        )
    if "set_cookie" in row:
        joined = "\n".join(row["set_cookie"])
        fields.append(f".set_cookie = {lit(joined)}")
    if "kept" in ex:
        fields.append(f".kept = {lit(''.join(k + chr(10) for k in ex['kept']))}")
    if "dropped" in ex:
        # What samtykke_state_filter_set_cookie_dropped lists: "INDEX REASON\n" each.
        assert "" not in row["set_cookie"], "an empty line is not counted by the C API"
        listed = "".join(f"{d['index']} {d['reason']}\n" for d in ex["dropped"])
        fields.append(f".dropped = {c_str(listed)}")
    if "sent" in ex:
        fields.append(f".sent = {lit(''.join(k + chr(10) for k in ex['sent']))}")
    if row.get("type") == "deletion":
        fields.append(f".host = {lit(row['host'])}")
        fields.append(f".cookie_header = {lit(row['cookie_header'])}")
    if "set_cookie" in ex:
        fields.append(f".ndel = {len(ex['set_cookie'])}, .del = {strings(ex['set_cookie'], 32, 'deletions')}")
        sk = ex["storage_keys"]
        assert len(sk) <= 8
        if sk:
            fields.append(
                f".nkeys = {len(sk)}, .keys = {{"
                + ", ".join("{" + c_str(k) + ", " + c_str(n) + "}" for k, n in sk)
                + "}"
            )
        und = ex["undeletable"]
        assert len(und) <= 8
        if und:
            fields.append(
            f".nund = {len(und)}, .und = {{"
            + ", ".join(
                "{" + ", ".join(c_str(u[k]) for k in ["name", "category", "domain", "reason"]) + "}"
                for u in und
            )
            + "}"
        )
    return "    {" + ",\n     ".join(fields) + "},\n"


def main():
    header = open(HEADER, encoding="utf-8").read()
    controls = enum_names(header, "control")
    out = [
        "/* Generated by tests/c/conformance.py from tests/conformance; not committed. */\n",
        "/* Some rows hold texts past C's 4095-byte minimum (an overlong header); GCC and\n"
        " * Clang take them. */\n",
        '#pragma GCC diagnostic ignored "-Woverlength-strings"\n',
    ]
    why = enum_names(header, "why")
    out.append("static const struct { uint32_t value; const char *name; } CF_WHY[] = {\n")
    out.extend(f"    {{{const}, {c_str(name)}}},\n" for name, const in why.items())
    out.append("};\n")
    kinds = enum_names(header, "kind")
    out.append("static const struct { uint32_t value; const char *name; } CF_KIND[] = {\n")
    out.extend(f"    {{{const}, {c_str(name)}}},\n" for name, const in kinds.items())
    out.append("};\n")
    for enum in ["action", "control"]:
        out.append(f"static const struct {{ uint32_t value; const char *name; }} CF_{enum.upper()}[] = {{\n")
        out.extend(f"    {{{const}, {c_str(name)}}},\n" for name, const in enum_names(header, enum).items())
        out.append("};\n")
    out.append("static const cf_row CF_ROWS[] = {\n")
    for f in ROOT_FILES:
        for row in json.load(open(f"tests/conformance/{f}.json", encoding="utf-8")):
            out.append(row_c(f, row, controls))
    out.append("};\n")
    open(sys.argv[1], "w", encoding="utf-8").write("".join(out))


if __name__ == "__main__":
    main()
