//! Small text helpers shared by the writers of headers and log lines.

/// `n` in decimal, written into `buf` (20 bytes hold every `i64`), without the
/// formatting machinery: the writers of `Set-Cookie` headers and of the audit's
/// rows call it for every number they write.
///
/// ```
/// let mut buf = [0u8; 20];
/// assert_eq!(samtykke_host::text::decimal(-86_400, &mut buf), "-86400");
/// assert_eq!(samtykke_host::text::decimal(i64::MIN, &mut buf), "-9223372036854775808");
/// ```
pub fn decimal(n: i64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    // Only ASCII digits and a sign were written.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// `s` as a JSON string, quotes included, appended to `out`: `"` and `\` and
/// control characters escaped as JSON requires (`\n`, `\t`, … or `\u00XX`), and
/// with `script` also `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`, so the
/// JSON can sit inside an HTML `<script>` element. A string that needs no
/// escape (the ids, status words and times of a state) is copied whole.
///
/// ```
/// let mut out = String::new();
/// samtykke_host::text::push_json_string(&mut out, "a\"b</script>\u{1}", true);
/// assert_eq!(out, r#""a\"b\u003c/script\u003e\u0001""#);
/// ```
pub fn push_json_string(out: &mut String, s: &str, script: bool) {
    if script {
        push_escaped::<true>(out, s);
    } else {
        push_escaped::<false>(out, s);
    }
}

fn push_escaped<const SCRIPT: bool>(out: &mut String, s: &str) {
    // Every byte that needs an escape is ASCII, and no byte of a longer UTF-8
    // character is ASCII, so the scan reads bytes and every cut below falls on
    // a character boundary.
    let special =
        |b: u8| b < 0x20 || b == b'"' || b == b'\\' || (SCRIPT && matches!(b, b'<' | b'>' | b'&'));
    let bytes = s.as_bytes();
    out.reserve(s.len() + 2);
    out.push('"');
    // Most strings need no escape: one pass without an early exit (which the
    // compiler makes a few wide compares), then the whole string.
    if !bytes.iter().fold(false, |seen, &b| seen | special(b)) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !special(b) {
            continue;
        }
        out.push_str(&s[from..i]);
        from = i + 1;
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out.push_str(&s[from..]);
    out.push('"');
}
