use super::domains::{normalise_domain, Host};
use super::*;

// ---- deletion headers -----------------------------------------------------------

samtykke::vocabulary! {
    /// Why a present item cannot be deleted by the request's host.
    #[non_exhaustive]
    pub enum UndeletableReason ("undeletable reason") {
        /// It is declared on a domain outside the host's reach: the host is neither
        /// that domain nor a subdomain of it.
        OutsideReach = 0 => "outside-reach",
        /// Its name cannot be written in a `Set-Cookie` header (empty, or holding
        /// `;`, `=`, a control character or surrounding whitespace).
        InvalidName = 1 => "invalid-name",
        /// Its declared path cannot be written in a `Set-Cookie` header (it holds
        /// `;` or a control character; that it starts with `/` is a policy rule).
        InvalidPath = 2 => "invalid-path",
    }
}

/// A present item that must go but that this host cannot delete.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Undeletable {
    /// The cookie's name as present.
    pub name: String,
    /// The id of its category.
    pub category: String,
    /// Its domain: the declared one, else the request host (normalised).
    pub domain: String,
    /// Why it cannot be deleted here.
    pub reason: UndeletableReason,
}

/// What must go at a request, for the response and the page script (SPEC §6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletionPlan {
    /// `Set-Cookie` header values (without the `Set-Cookie:` prefix) deleting
    /// every present cookie that must go, on every domain the host reaches.
    pub set_cookie: Vec<String>,
    /// The declared non-cookie items (local and session storage, IndexedDB) of
    /// denied categories, for the page script to clear, in declaration order. A
    /// pattern declaration is given as its pattern.
    pub storage_keys: Vec<(Kind, String)>,
    /// The present cookies that must go but that this host cannot delete.
    pub undeletable: Vec<Undeletable>,
}

impl DeletionPlan {
    /// Whether nothing needs deleting and nothing is reported.
    pub fn is_empty(&self) -> bool {
        self.set_cookie.is_empty() && self.storage_keys.is_empty() && self.undeletable.is_empty()
    }
}

/// An `Expires` in the past for deletion headers, for browsers that ignore
/// `Max-Age`.
pub const EXPIRED: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

pub(crate) fn has_prefix_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn writable(s: &str) -> bool {
    !s.is_empty()
        && trim_wsp(s).len() == s.len()
        && !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == b';')
}

fn deletion_header(name: &str, path: &str, domain: Option<&str>, secure: bool) -> String {
    let mut h = format!("{name}=; Max-Age=0; Expires={EXPIRED}; Path={path}");
    if let Some(d) = domain {
        h.push_str("; Domain=");
        h.push_str(d);
    }
    if secure {
        h.push_str("; Secure");
    }
    h
}

/// The deletion plan for a request to `host` carrying the cookies `present_names`
/// (from its `Cookie` header), at `now` (SPEC §6).
///
/// For each present declared cookie the state denies
/// ([`ConsentState::deletion_plan`]), in the order first present: one header
/// host-only (no `Domain`), then one per `Domain` the host reaches, from the host
/// itself up to, not including, the public suffix ([`cookie_domains`]); each with
/// `Max-Age=0`, `Expires` [`EXPIRED`] and the declared path or `/`. A `__Host-`
/// cookie gets exactly one header, `Secure; Path=/`, no `Domain`; a `__Secure-`
/// one gets `Secure` on each. An item whose declared domain the host does not reach
/// is reported in `undeletable` instead. An IP-address host deletes host-only.
/// `host` may carry a port and any case. Undeclared names and the consent cookie
/// are left alone. Also lists the non-cookie storage of denied categories
/// ([`ConsentState::storage_to_clear`]).
pub fn deletion_plan<I>(
    state: &ConsentState,
    policy: &ValidPolicy<'_>,
    host: &str,
    present_names: I,
    now: OffsetDateTime,
) -> DeletionPlan
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let host = Host::parse(host);
    let domains = host.domains();
    let present: Vec<I::Item> = present_names.into_iter().collect();
    let mut seen = HashSet::new();
    let unique = present
        .iter()
        .map(AsRef::as_ref)
        .filter(|name| seen.insert(*name));
    let mut plan = DeletionPlan::default();
    for d in state.deletion_plan(policy, now, unique) {
        let declared = d
            .declaration
            .domain
            .map(normalise_domain)
            .filter(|d| !d.is_empty());
        let undeletable = |reason, domain: Option<String>| Undeletable {
            name: d.name.to_owned(),
            category: d.category.id.to_owned(),
            domain: domain.unwrap_or_else(|| host.as_str().to_owned()),
            reason,
        };
        let path = d.declaration.path.unwrap_or("/");
        if !writable(d.name) || d.name.contains('=') {
            plan.undeletable
                .push(undeletable(UndeletableReason::InvalidName, declared));
        } else if declared.as_deref().is_some_and(|dom| !host.reaches(dom)) {
            plan.undeletable
                .push(undeletable(UndeletableReason::OutsideReach, declared));
        } else if has_prefix_ignore_case(d.name, "__Host-") {
            plan.set_cookie
                .push(deletion_header(d.name, "/", None, true));
        } else if !writable(path) {
            plan.undeletable
                .push(undeletable(UndeletableReason::InvalidPath, declared));
        } else {
            let secure = has_prefix_ignore_case(d.name, "__Secure-");
            plan.set_cookie
                .push(deletion_header(d.name, path, None, secure));
            for domain in &domains {
                plan.set_cookie
                    .push(deletion_header(d.name, path, Some(domain), secure));
            }
        }
    }
    plan.storage_keys = storage_keys(state, policy, now);
    plan
}

/// The declared non-cookie items (local and session storage, IndexedDB) the page
/// script must clear at `now`, as (kind, name or pattern), in declaration order:
/// the deletion plan's `storage_keys`, without a host ([`ConsentState::storage_to_clear`]).
pub fn storage_keys(
    state: &ConsentState,
    policy: &ValidPolicy<'_>,
    now: OffsetDateTime,
) -> Vec<(Kind, String)> {
    state
        .storage_to_clear(policy, now)
        .map(|d| (d.kind, d.name.to_owned()))
        .collect()
}

/// A `<script>` element that clears the declared storage `keys` (the
/// `storage_keys` of a deletion plan, or of [`storage_keys`]): local and session
/// storage keys and IndexedDB databases, `*` and `?` patterns matched against the
/// keys present; an empty string when there is nothing to clear. Storage other
/// than cookies never reaches the server, so only the page can remove it; every
/// host embeds this one script (the tower layer's pages, the C library's
/// `samtykke_state_respond` for PHP plugins). A site with a Content Security
/// Policy allows it by hash or serves it from a file.
pub fn storage_script(keys: &[(Kind, String)]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let list: Vec<serde_json::Value> = keys
        .iter()
        .map(|(k, n)| serde_json::json!([k.as_str(), n]))
        .collect();
    let data = script_safe(serde_json::Value::Array(list).to_string());
    format!("<script>{CLEAR_SCRIPT_HEAD}{data}{CLEAR_SCRIPT_TAIL}</script>")
}

/// JSON made safe inside an HTML `<script>` element: `<`, `>` and `&` (which
/// JSON holds only inside strings) as `\u` escapes.
pub fn script_safe(json: String) -> String {
    // The three are ASCII, and no byte of a longer UTF-8 character is ASCII, so
    // the scan reads bytes. Each chunk is read whole (no early exit inside it),
    // which the compiler turns into a few wide compares: the state JSON a page
    // embeds is some 600 bytes, and read one character at a time this check
    // took about 0.45 µs of a request.
    let special = |b: u8| matches!(b, b'<' | b'>' | b'&');
    let bytes = json.as_bytes();
    if !bytes
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |seen, &b| seen | special(b)))
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            b'&' => "\\u0026",
            _ => continue,
        };
        // `i` is an ASCII byte's index, so both slices end on a character
        // boundary.
        out.push_str(&json[from..i]);
        out.push_str(escape);
        from = i + 1;
    }
    out.push_str(&json[from..]);
    out
}

const CLEAR_SCRIPT_HEAD: &str = "(function(items){\
function re(p){return new RegExp('^'+p.replace(/[.+^${}()|[\\]\\\\]/g,'\\\\$&').replace(/\\*/g,'.*').replace(/\\?/g,'.')+'$');}\
function clear(s,p){try{var r=re(p);for(var i=s.length-1;i>=0;i--){var k=s.key(i);if(r.test(k))s.removeItem(k);}}catch(e){}}\
items.forEach(function(it){var k=it[0],p=it[1];\
if(k==='local_storage')clear(window.localStorage,p);\
else if(k==='session_storage')clear(window.sessionStorage,p);\
else if(k==='indexed_db'&&window.indexedDB){var r=re(p);\
if(indexedDB.databases){indexedDB.databases().then(function(d){d.forEach(function(x){if(r.test(x.name))indexedDB.deleteDatabase(x.name);});});}\
else if(p.indexOf('*')<0&&p.indexOf('?')<0){indexedDB.deleteDatabase(p);}}});\
})(";
const CLEAR_SCRIPT_TAIL: &str = ");";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_the_script_element() {
        let json = r#"{"k":"</script><script>alert(1)</script>&amp;"}"#.to_owned();
        let safe = script_safe(json);
        assert!(!safe.contains(['<', '>', '&']), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["k"], "</script><script>alert(1)</script>&amp;");
        assert_eq!(script_safe("{\"a\":1}".to_owned()), "{\"a\":1}");
    }

    #[test]
    fn storage_script_carries_each_key_with_its_kind_and_nothing_when_empty() {
        assert_eq!(storage_script(&[]), "");
        let s = storage_script(&[
            (Kind::LocalStorage, "siteimprove_*".to_owned()),
            (Kind::IndexedDb, "</script>".to_owned()),
        ]);
        assert!(s.starts_with("<script>(function(items){") && s.ends_with(");</script>"));
        let data = &s[s.rfind("})(").unwrap() + 3..s.len() - ");</script>".len()];
        let back: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(
            back,
            serde_json::json!([
                ["local_storage", "siteimprove_*"],
                ["indexed_db", "</script>"]
            ])
        );
        assert_eq!(s.matches("</script>").count(), 1, "{s}");
    }
}
