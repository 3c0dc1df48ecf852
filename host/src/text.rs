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
