//! The cookie declaration a site publishes, rendered from its policy.
//!
//! It carries the six points the Danish Business Authority's guidance to the cookie
//! order asks for (seed 004): what each item is for, who is behind it (first or
//! third party, named), how to consent, how to decline, how to withdraw, and how
//! long each item lives, grouped by category.

use std::fmt::Write as _;

use samtykke::{Basis, Duration, Kind, Party, ValidPolicy};

samtykke::vocabulary! {
    /// The declaration's language.
    pub enum Lang ("language") {
        /// Danish.
        Da = 0 => "da",
        /// English.
        En = 1 => "en",
    }
}

samtykke::vocabulary! {
    /// The declaration's format.
    pub enum Format ("declaration format") {
        /// Markdown.
        Markdown = 0 => "markdown",
        /// A complete, styled UTF-8 HTML page ([`STYLESHEET`] inline).
        Html = 1 => "html",
        /// The HTML content alone, for a site to put inside its own `<main>`:
        /// no `<html>`, head or stylesheet.
        HtmlFragment = 2 => "html-fragment",
    }
}

/// A duration in its declared unit (`11 hours`, `1000 dage`, `session`): the
/// core's [`Duration::in_lang`].
pub fn duration_text(d: Duration, lang: Lang) -> String {
    let code = match lang {
        Lang::Da => "da",
        Lang::En => "en",
    };
    d.in_lang(code).to_string()
}

fn kind_text(k: Kind, lang: Lang) -> &'static str {
    match (k, lang) {
        (Kind::Cookie, _) => "cookie",
        (Kind::LocalStorage, _) => "localStorage",
        (Kind::SessionStorage, _) => "sessionStorage",
        (Kind::IndexedDb, _) => "IndexedDB",
    }
}

struct Words {
    title: &'static str,
    intro: &'static str,
    controller: &'static str,
    consent_h: &'static str,
    decline_h: &'static str,
    withdraw_h: &'static str,
    name: &'static str,
    purpose: &'static str,
    provider: &'static str,
    duration: &'static str,
    kind: &'static str,
    first: &'static str,
    third: &'static str,
    exempt_note: &'static str,
    /// Said after `exempt_note` unless the category's own text says it.
    not_deselectable: &'static str,
    consent_note: &'static str,
}

const EN: Words = Words {
    title: "Cookie declaration",
    intro: "This page lists every cookie and similar storage item this website uses, what it is for, who is behind it and how long it lives.",
    controller: "Data controller",
    consent_h: "How to consent",
    decline_h: "How to decline",
    withdraw_h: "How to withdraw your consent",
    name: "Name",
    purpose: "Purpose",
    provider: "Provider",
    duration: "Duration",
    kind: "Type",
    first: "first party",
    third: "third party",
    exempt_note: "These are needed for the website to work and are stored without consent.",
    not_deselectable: "They cannot be deselected.",
    consent_note: "Stored only with your consent.",
};

const DA: Words = Words {
    title: "Cookiedeklaration",
    intro: "Denne side viser alle cookies og lignende teknologier, som hjemmesiden bruger, hvad de bruges til, hvem der står bag, og hvor længe de gemmes.",
    controller: "Dataansvarlig",
    consent_h: "Sådan giver du samtykke",
    decline_h: "Sådan afviser du",
    withdraw_h: "Sådan trækker du dit samtykke tilbage",
    name: "Navn",
    purpose: "Formål",
    provider: "Udbyder",
    duration: "Varighed",
    kind: "Type",
    first: "førstepart",
    third: "tredjepart",
    exempt_note: "Disse er nødvendige for, at hjemmesiden virker, og gemmes uden samtykke.",
    not_deselectable: "De kan ikke fravælges.",
    consent_note: "Gemmes kun med dit samtykke.",
};

/// The consent categories' items declared on a domain outside the site's (a
/// third party's), which the site cannot delete (SPEC §6: its deletion plan
/// reports them undeletable): their names and domains, in declaration order.
fn elsewhere<'a>(policy: &ValidPolicy<'a>) -> (Vec<&'a str>, Vec<String>) {
    let p = policy.policy();
    let (mut names, mut domains) = (Vec::new(), Vec::<String>::new());
    for d in p.storage {
        let Some(domain) = d.domain else { continue };
        if crate::http::site_reaches(p.site, domain)
            || policy.category_of(d).basis == samtykke::Basis::Exempt
            || policy.is_consent_cookie(d.kind, d.name)
        {
            continue;
        }
        let domain = crate::http::normalise_domain(domain);
        if !names.contains(&d.name) {
            names.push(d.name);
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    (names, domains)
}

fn how_to(policy: &ValidPolicy<'_>, lang: Lang) -> [String; 3] {
    let p = policy.policy();
    let cookie = p.consent_cookie.name;
    // What withdrawing cannot delete: said, not promised away.
    let (names, domains) = elsewhere(policy);
    let quoted = names
        .iter()
        .map(|n| format!("“{n}”"))
        .collect::<Vec<_>>()
        .join(", ");
    let except = match (names.is_empty(), lang) {
        (true, _) => String::new(),
        (false, Lang::En) => format!(
            ", except {quoted}, set on other sites' domains ({}), which only your browser can delete",
            domains.join(", ")
        ),
        (false, Lang::Da) => format!(
            ", undtagen {quoted}, der er sat på andre websteders domæner ({}) og kun kan slettes i din browser",
            domains.join(", ")
        ),
    };
    match lang {
        Lang::En => [
            "Choose “Accept all” in the cookie banner, or open “Settings”, switch on the categories you want and choose “Save”. No category is switched on in advance, and nothing but necessary cookies is stored before you choose.".into(),
            format!(
                "Choose “Reject all” in the cookie banner, or save your settings with the categories switched off. Rejecting is as easy as accepting. Your choice is stored in the necessary cookie “{cookie}” for {}, so that we do not ask again before then.",
                duration_text(Duration::Days(u32::from(p.refusal_ttl_days)), lang)
            ),
            format!(
                "Follow the “Cookie settings” link at the bottom of every page and withdraw your consent, in full or for single categories, at any time. The cookies of the categories you withdraw are deleted at once{except}. Consent lapses by itself after {}, and we ask again.",
                duration_text(Duration::Days(u32::from(p.consent_ttl_days)), lang)
            ),
        ],
        Lang::Da => [
            "Vælg “Accepter alle” i cookiebanneret, eller åbn “Indstillinger”, slå de kategorier til, du ønsker, og vælg “Gem”. Ingen kategori er slået til på forhånd, og der gemmes kun nødvendige cookies, før du har valgt.".into(),
            format!(
                "Vælg “Afvis alle” i cookiebanneret, eller gem dine indstillinger med kategorierne slået fra. Det er lige så let at afvise som at acceptere. Dit valg gemmes i den nødvendige cookie “{cookie}” i {}, så vi ikke spørger igen før.",
                duration_text(Duration::Days(u32::from(p.refusal_ttl_days)), lang)
            ),
            format!(
                "Følg linket “Cookieindstillinger” nederst på hver side, og træk dit samtykke tilbage, helt eller for enkelte kategorier, når som helst. Cookies fra de kategorier, du trækker tilbage, slettes med det samme{except}. Samtykket udløber af sig selv efter {}, og vi spørger igen.",
                duration_text(Duration::Days(u32::from(p.consent_ttl_days)), lang)
            ),
        ],
    }
}

/// One row of the declaration.
struct Row {
    name: String,
    kind: &'static str,
    purpose: String,
    provider: String,
    duration: String,
}

fn rows(policy: &ValidPolicy<'_>, category: usize, lang: Lang, w: &Words) -> Vec<Row> {
    let p = policy.policy();
    let mut rows: Vec<Row> = p
        .storage
        .iter()
        // The consent cookie is the library's own row below, whatever the
        // policy declares under its name (which `lint` warns of).
        .filter(|d| d.category as usize == category && !policy.is_consent_cookie(d.kind, d.name))
        .map(|d| {
            let provider = policy.provider_of(d);
            let party = match provider.party {
                Party::First => w.first,
                Party::Third => w.third,
            };
            Row {
                name: d.name.to_string(),
                kind: kind_text(d.kind, lang),
                purpose: d.purpose.get(lang.as_str()).to_string(),
                provider: format!("{} ({party})", provider.name),
                duration: duration_text(d.duration, lang),
            }
        })
        .collect();
    if category == policy.necessary() {
        // The consent cookie is declared automatically (SPEC §3).
        let days = policy.consent_cookie_max_age() / 86_400;
        let owner = p
            .providers
            .iter()
            .find(|pr| pr.party == Party::First)
            .map_or(p.controller.name, |pr| pr.name);
        rows.push(Row {
            name: p.consent_cookie.name.to_string(),
            kind: "cookie",
            purpose: match lang {
                Lang::En => "Remembers your cookie choice, including a refusal".into(),
                Lang::Da => "Husker dit cookievalg, også et nej".into(),
            },
            provider: format!("{owner} ({})", w.first),
            duration: duration_text(Duration::Days(days as u32), lang),
        });
    }
    rows
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and attribute
/// values: how the declaration writes policy texts, and how the tower layer's
/// banner does.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The stylesheet of the HTML page: a system font in a reading column; tables
/// that become one card per item below 48rem (768 px), so that a 360 px phone
/// shows each item's name and then its fields under their column's name, with
/// nothing scrolling sideways (an item's name breaks after `_`, `-` or `.` where
/// its column is narrow, and only where the declaration is narrower than 56rem);
/// a visible focus outline; text of ample contrast
/// (#1a1a1a on white, the outline #0b57a4). The full page inlines it in its
/// `<style>`; a site that embeds the fragment ([`Format::HtmlFragment`]) can
/// serve it for its own pages. Its selectors are elements and the fragment's
/// classes (`samtykke-declaration`, `samtykke-items`).
pub const STYLESHEET: &str = r#":root { color-scheme: light; }
body {
  margin: 0;
  color: #1a1a1a;
  background: #fff;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 1rem 0; }
h2 { font-size: 1.3rem; line-height: 1.3; margin: 2.25rem 0 0.5rem; }
p { max-width: 42rem; margin: 0 0 1rem; }
a { color: #0b57a4; text-decoration: underline; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #0b57a4; outline-offset: 2px; }
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.95em;
  overflow-wrap: break-word;
}
.samtykke-declaration { container-type: inline-size; }
.samtykke-items { width: 100%; border-collapse: collapse; margin: 0.75rem 0 1.5rem; }
.samtykke-items th, .samtykke-items td {
  padding: 0.5rem 0.75rem;
  text-align: left;
  vertical-align: top;
  border-bottom: 1px solid #b8b8b8;
}
.samtykke-items thead th { background: #f2f2f2; border-bottom: 2px solid #4d4d4d; }
.samtykke-items tbody th { font-weight: 600; }
.samtykke-items td:last-child { white-space: nowrap; }
@container (min-width: 56rem) {
  .samtykke-items tbody th code { white-space: nowrap; }
  .samtykke-items tbody th wbr { display: none; }
}
@media (max-width: 48rem) {
  .samtykke-items thead {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .samtykke-items, .samtykke-items tbody, .samtykke-items tr,
  .samtykke-items th, .samtykke-items td { display: block; }
  .samtykke-items tr {
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid #b8b8b8;
    border-radius: 0.375rem;
  }
  .samtykke-items th, .samtykke-items td { padding: 0.25rem 0; border: 0; }
  .samtykke-items td:last-child { white-space: normal; }
  .samtykke-items tbody th { font-size: 1.05rem; }
  .samtykke-items td[data-label] {
    display: grid;
    grid-template-columns: 6.5rem 1fr;
    gap: 0.75rem;
  }
  .samtykke-items td[data-label]::before { content: attr(data-label); font-weight: 600; }
}
"#;

/// The declaration of `policy` in `lang` and `format`: Markdown; the HTML
/// content alone, to go inside a site's own `<main>` (its root a
/// `<div class="samtykke-declaration">` carrying `lang`); or a complete HTML
/// page, which is that content in a `<main>` under a head with `lang`, the
/// viewport and the inline [`STYLESHEET`]. The policy's texts are escaped.
pub fn render(policy: &ValidPolicy<'_>, lang: Lang, format: Format) -> String {
    let w = match lang {
        Lang::En => &EN,
        Lang::Da => &DA,
    };
    match format {
        Format::Markdown => markdown(policy, lang, w),
        Format::Html => page(policy, lang, w, &fragment(policy, lang, w)),
        Format::HtmlFragment => fragment(policy, lang, w),
    }
}

fn markdown(policy: &ValidPolicy<'_>, lang: Lang, w: &Words) -> String {
    let p = policy.policy();
    let [consent, decline, withdraw] = how_to(policy, lang);
    let mut out = String::new();
    let _ = writeln!(out, "# {} — {}\n\n{}\n", w.title, p.site, w.intro);
    if !p.controller.name.is_empty() {
        let _ = writeln!(
            out,
            "**{}:** {}{}\n",
            w.controller,
            p.controller.name,
            if p.controller.contact.is_empty() {
                String::new()
            } else {
                format!(", {}", p.controller.contact)
            }
        );
    }
    for (h, t) in [
        (w.consent_h, &consent),
        (w.decline_h, &decline),
        (w.withdraw_h, &withdraw),
    ] {
        let _ = writeln!(out, "## {h}\n\n{t}\n");
    }
    for (i, c) in p.categories.iter().enumerate() {
        let _ = writeln!(out, "## {}\n", c.label.get(lang.as_str()));
        let _ = writeln!(out, "{}\n", category_text(c, lang, w));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |\n|---|---|---|---|---|",
            w.name, w.kind, w.purpose, w.provider, w.duration
        );
        for r in rows(policy, i, lang, w) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                md_cell(&r.name),
                r.kind,
                md_cell(&r.purpose),
                md_cell(&r.provider),
                r.duration
            );
        }
        out.push('\n');
    }
    out
}

/// The category's description, if any, then whether it needs consent (and,
/// for an exempt one, that it cannot be deselected, unless the description
/// already says so in those words, as kk.dk's does).
fn category_text(c: &samtykke::Category<'_>, lang: Lang, w: &Words) -> String {
    let desc = c.description.get(lang.as_str());
    let note = match c.basis {
        Basis::Exempt if desc.contains(w.not_deselectable) => w.exempt_note.to_owned(),
        Basis::Exempt => format!("{} {}", w.exempt_note, w.not_deselectable),
        Basis::Consent => w.consent_note.to_owned(),
    };
    match desc {
        "" => note,
        desc => format!("{desc} {note}"),
    }
}

/// The `id` of category `i`'s heading: `samtykke-` and the category's id where
/// that is made of ASCII letters, digits, `-` and `_` (so `/cookies#samtykke-statistics`
/// links to it), else `samtykke.` and its index; the two never meet, as `.` is
/// in no id of the first kind.
fn heading_id(category_id: &str, i: usize) -> String {
    if !category_id.is_empty()
        && category_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("samtykke-{category_id}")
    } else {
        format!("samtykke.{i}")
    }
}

/// An item's name, escaped, with a `<wbr>` after each `_`, `-` and `.` in it, so
/// that a long name (`Drupal_visitor_votingapi_source`) breaks there when its
/// column is narrow rather than push the table past the screen.
fn name_html(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        out.push_str(&html_escape(c.encode_utf8(&mut [0; 4])));
        if matches!(c, '_' | '-' | '.') && chars.peek().is_some() {
            out.push_str("<wbr>");
        }
    }
    out
}

/// The HTML content: a heading, the how-to sections, then one table per
/// category, each labelled by its heading; the item's name heads its row.
fn fragment(policy: &ValidPolicy<'_>, lang: Lang, w: &Words) -> String {
    let e = html_escape;
    let p = policy.policy();
    let [consent, decline, withdraw] = how_to(policy, lang);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<div class=\"samtykke-declaration\" lang=\"{}\">\n<h1>{} — {}</h1>\n<p>{}</p>",
        lang.as_str(),
        e(w.title),
        e(p.site),
        e(w.intro)
    );
    if !p.controller.name.is_empty() {
        let _ = writeln!(
            out,
            "<p><strong>{}:</strong> {}{}</p>",
            e(w.controller),
            e(p.controller.name),
            if p.controller.contact.is_empty() {
                String::new()
            } else {
                format!(", {}", e(p.controller.contact))
            }
        );
    }
    for (h, t) in [
        (w.consent_h, &consent),
        (w.decline_h, &decline),
        (w.withdraw_h, &withdraw),
    ] {
        let _ = writeln!(out, "<h2>{}</h2>\n<p>{}</p>", e(h), e(t));
    }
    for (i, c) in p.categories.iter().enumerate() {
        let id = e(&heading_id(c.id, i));
        let _ = writeln!(
            out,
            "<h2 id=\"{id}\">{}</h2>\n<p>{}</p>\n<table class=\"samtykke-items\" aria-labelledby=\"{id}\">\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
            e(c.label.get(lang.as_str())),
            e(&category_text(c, lang, w)),
            e(w.name),
            e(w.kind),
            e(w.purpose),
            e(w.provider),
            e(w.duration)
        );
        for r in rows(policy, i, lang, w) {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><code>{}</code></th><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                name_html(&r.name),
                e(w.kind),
                e(r.kind),
                e(w.purpose),
                e(&r.purpose),
                e(w.provider),
                e(&r.provider),
                e(w.duration),
                e(&r.duration)
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>");
    }
    let _ = writeln!(out, "</div>");
    out
}

/// The complete page around `fragment`.
fn page(policy: &ValidPolicy<'_>, lang: Lang, w: &Words, fragment: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — {}</title>\n<style>\n{STYLESHEET}</style>\n</head>\n<body>\n<main>\n{fragment}</main>\n</body>\n</html>\n",
        lang.as_str(),
        html_escape(w.title),
        html_escape(policy.policy().site),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kk() -> String {
        let mut index = [0u16; 7];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        render(&policy, Lang::En, Format::Markdown)
    }

    #[test]
    fn declaration_carries_the_six_points() {
        let md = kk();
        // Purpose, provider (named, with party) and duration per item.
        assert!(md.contains(
            "| `nmstat` | cookie | Allows the gathering of anonymized statistics on visiting behaviour | Siteimprove (third party) | 1000 days |"
        ), "{md}");
        assert!(md.contains("| `SESS*` | cookie | Allows an editor access to secured content | City of Copenhagen (first party) | 11 hours |"));
        assert!(md.contains("| session |"));
        // How to consent, decline and withdraw.
        assert!(md.contains("## How to consent"));
        assert!(md.contains("## How to decline"));
        assert!(md.contains("## How to withdraw your consent"));
        // Grouped by category label, the consent cookie declared as necessary.
        let necessary = md.find("## Necessary cookies").unwrap();
        let functional = md.find("## Functional cookies").unwrap();
        let statistics = md.find("## Statistical cookies").unwrap();
        assert!(necessary < functional && functional < statistics);
        let consent_cookie = md.find("| `samtykke` |").unwrap();
        assert!(necessary < consent_cookie && consent_cookie < functional);
    }

    #[test]
    fn an_exempt_category_is_said_to_be_fixed_once() {
        // kk.dk's own text says it: not said again, in either language.
        let mut index = [0u16; 7];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        for (lang, words) in [
            (Lang::En, "They cannot be deselected."),
            (Lang::Da, "De kan ikke fravælges."),
        ] {
            let md = render(&policy, lang, Format::Markdown);
            assert_eq!(md.matches(words).count(), 1, "{md}");
        }
        // A policy whose text does not: the declaration says it.
        let json = include_str!("../../examples/kk.dk.policy.json").replace(
            "Activate basic functions such as access to secure content and the ability to decline cookies. They cannot be deselected.",
            "Activate basic functions.",
        );
        let owned = crate::OwnedPolicy::from_json(&json).unwrap();
        let md = render(&owned.view(), Lang::En, Format::Markdown);
        assert!(md.contains("Activate basic functions. These are needed for the website to work and are stored without consent. They cannot be deselected."), "{md}");
    }

    fn kk_html(lang: Lang, format: Format) -> String {
        let mut index = [0u16; 7];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        render(&policy, lang, format)
    }

    /// Checks that the elements of `html` nest: every start tag but a void one
    /// (`meta`, `wbr`) is closed, in order. Returns the start tags' names.
    fn nested(html: &str) -> Vec<String> {
        let mut open: Vec<String> = Vec::new();
        let mut seen = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            let end = rest[at..].find('>').expect("a tag ends") + at;
            let tag = &rest[at + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with("!DOCTYPE") {
                continue;
            }
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "a tag without a name: <{tag}>");
            if tag.starts_with('/') {
                assert_eq!(open.pop().as_deref(), Some(name.as_str()), "</{name}>");
            } else {
                seen.push(name.clone());
                if !matches!(name.as_str(), "meta" | "wbr") {
                    open.push(name);
                }
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
        seen
    }

    #[test]
    fn r06_the_html_page_is_a_complete_styled_document() {
        let page = kk_html(Lang::En, Format::Html);
        let fragment = kk_html(Lang::En, Format::HtmlFragment);
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"));
        let tags = nested(&page);
        let count = |t: &str| tags.iter().filter(|x| *x == t).count();
        for one in ["html", "head", "title", "style", "body", "main", "h1"] {
            assert_eq!(count(one), 1, "<{one}>");
        }
        assert_eq!(count("meta"), 2);
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page
            .contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
        assert!(page.contains("<title>Cookie declaration — kk.dk</title>"));
        assert!(page.contains(&format!("<style>\n{STYLESHEET}</style>")));
        // One implementation: the page is the fragment inside its <main>.
        assert!(page.contains(&format!("<main>\n{fragment}</main>\n")));
        // The stylesheet: phone cards, a visible focus, a readable column.
        assert!(STYLESHEET.contains("@media (max-width: 48rem)"));
        assert!(STYLESHEET.contains("attr(data-label)"));
        assert!(STYLESHEET.contains(":focus-visible { outline: 3px solid"));
        assert!(STYLESHEET.contains("main { max-width: 60rem"));
        assert!(!STYLESHEET.contains('<'));
    }

    #[test]
    fn r06_the_fragment_is_the_content_alone_with_accessible_tables() {
        let fragment = kk_html(Lang::Da, Format::HtmlFragment);
        assert!(fragment.starts_with("<div class=\"samtykke-declaration\" lang=\"da\">\n<h1>"));
        assert!(fragment.ends_with("</div>\n"));
        let tags = nested(&fragment);
        for none in ["html", "head", "meta", "title", "style", "body", "main"] {
            assert!(!tags.iter().any(|t| t == none), "<{none}>");
        }
        assert!(!fragment.contains("<!DOCTYPE"));
        // Headings in order: one h1, then h2s only.
        assert_eq!(tags.iter().filter(|t| *t == "h1").count(), 1);
        assert!(!tags.iter().any(|t| matches!(t.as_str(), "h3" | "h4")));
        // Every table is labelled by its category's heading, every header cell
        // has a scope, and every data cell the label a phone shows beside it.
        assert_eq!(tags.iter().filter(|t| *t == "table").count(), 3);
        for id in [
            "samtykke-necessary",
            "samtykke-functional",
            "samtykke-statistics",
        ] {
            assert!(fragment.contains(&format!("<h2 id=\"{id}\">")), "{id}");
            assert!(fragment.contains(&format!(
                "<table class=\"samtykke-items\" aria-labelledby=\"{id}\">"
            )));
        }
        let th = tags.iter().filter(|t| *t == "th").count();
        assert_eq!(
            th,
            fragment.matches("<th scope=\"col\">").count()
                + fragment.matches("<th scope=\"row\">").count()
        );
        assert_eq!(fragment.matches("<th scope=\"col\">").count(), 3 * 5);
        let rows = fragment.matches("<th scope=\"row\">").count();
        assert_eq!(rows, 8, "seven declared items and the consent cookie");
        assert_eq!(tags.iter().filter(|t| *t == "td").count(), 4 * rows);
        assert_eq!(fragment.matches("<td data-label=\"").count(), 4 * rows);
        assert!(fragment.contains("<td data-label=\"Varighed\">1000 dage</td>"));
        assert!(fragment.contains(
            "<th scope=\"row\"><code>Drupal_<wbr>visitor_<wbr>votingapi_<wbr>source</code></th>"
        ));
    }

    #[test]
    fn r06_danish_html_is_utf8_in_danish() {
        let html = kk_html(Lang::Da, Format::Html);
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<html lang=\"da\">"));
        assert!(html.contains("<title>Cookiedeklaration — kk.dk</title>"));
        assert!(html.contains("Nødvendige cookies"));
        assert!(html.contains("<td data-label=\"Varighed\">1000 dage</td>"));
        assert!(html.contains("<td data-label=\"Varighed\">11 timer</td>"));
        assert!(html.contains("Siteimprove (tredjepart)"));
        assert!(html.contains("Sådan trækker du dit samtykke tilbage"));
    }

    #[test]
    fn r06_policy_texts_are_escaped() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let mut doc: serde_json::Value =
            serde_json::from_str(include_str!("../../examples/kk.dk.policy.json")).unwrap();
        let evil = "<script>alert(\"x\")</script>&";
        doc["site"] = evil.into();
        doc["controller"]["name"] = evil.into();
        doc["controller"]["contact"] = evil.into();
        for c in doc["categories"].as_array_mut().unwrap() {
            c["label"]["en"] = evil.into();
            c["description"]["en"] = evil.into();
        }
        for p in doc["providers"].as_array_mut().unwrap() {
            p["name"] = evil.into();
        }
        for d in doc["storage"].as_array_mut().unwrap() {
            d["purpose"]["en"] = evil.into();
        }
        let owned = crate::OwnedPolicy::from_json(&doc.to_string()).unwrap();
        for format in [Format::Html, Format::HtmlFragment] {
            let html = render(&owned.view(), Lang::En, format);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("\"x\""));
            assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
            nested(&html);
        }
        let page = render(&owned.view(), Lang::En, Format::Html);
        assert!(page.contains("<title>Cookie declaration — &lt;script&gt;"));
    }

    #[test]
    fn names_break_at_their_separators_and_headings_have_safe_ids() {
        assert_eq!(name_html("_pk_id.*"), "_<wbr>pk_<wbr>id.<wbr>*");
        assert_eq!(name_html("closed-"), "closed-");
        assert_eq!(name_html("a<b>&"), "a&lt;b&gt;&amp;");
        assert_eq!(heading_id("statistics", 2), "samtykke-statistics");
        assert_eq!(heading_id("Ad_1-x", 0), "samtykke-Ad_1-x");
        // Anything else would need escaping or break the id: the index instead,
        // with a `.` that no id of the first kind has.
        assert_eq!(heading_id("a b", 3), "samtykke.3");
        assert_eq!(heading_id("\"><x", 1), "samtykke.1");
        assert_eq!(heading_id("", 0), "samtykke.0");
        assert_eq!(heading_id("statistik-æøå", 4), "samtykke.4");
    }

    #[test]
    fn durations_keep_their_declared_unit() {
        assert_eq!(duration_text(Duration::Hours(11), Lang::En), "11 hours");
        assert_eq!(duration_text(Duration::Days(1), Lang::En), "1 day");
        assert_eq!(duration_text(Duration::Days(1000), Lang::Da), "1000 dage");
        assert_eq!(duration_text(Duration::Seconds(1), Lang::Da), "1 sekund");
        assert_eq!(duration_text(Duration::Session, Lang::En), "session");
    }
}
