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
        /// A UTF-8 HTML document.
        Html = 1 => "html",
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
    exempt_note: "These are needed for the website to work and are stored without consent. They cannot be deselected.",
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
    exempt_note: "Disse er nødvendige for, at hjemmesiden virker, og gemmes uden samtykke. De kan ikke fravælges.",
    consent_note: "Gemmes kun med dit samtykke.",
};

fn how_to(policy: &ValidPolicy<'_>, lang: Lang) -> [String; 3] {
    let p = policy.policy();
    let cookie = p.consent_cookie.name;
    match lang {
        Lang::En => [
            "Choose “Accept all” in the cookie banner, or open “Settings”, switch on the categories you want and choose “Save”. No category is switched on in advance, and nothing but necessary cookies is stored before you choose.".into(),
            format!(
                "Choose “Reject all” in the cookie banner, or save your settings with the categories switched off. Rejecting is as easy as accepting. Your choice is stored in the necessary cookie “{cookie}” for {} days, so that we do not ask again before then.",
                p.refusal_ttl_days
            ),
            format!(
                "Follow the “Cookie settings” link at the bottom of every page and withdraw your consent, in full or for single categories, at any time. The cookies of the categories you withdraw are deleted at once. Consent lapses by itself after {} days, and we ask again.",
                p.consent_ttl_days
            ),
        ],
        Lang::Da => [
            "Vælg “Accepter alle” i cookiebanneret, eller åbn “Indstillinger”, slå de kategorier til, du ønsker, og vælg “Gem”. Ingen kategori er slået til på forhånd, og der gemmes kun nødvendige cookies, før du har valgt.".into(),
            format!(
                "Vælg “Afvis alle” i cookiebanneret, eller gem dine indstillinger med kategorierne slået fra. Det er lige så let at afvise som at acceptere. Dit valg gemmes i den nødvendige cookie “{cookie}” i {} dage, så vi ikke spørger igen før.",
                p.refusal_ttl_days
            ),
            format!(
                "Følg linket “Cookieindstillinger” nederst på hver side, og træk dit samtykke tilbage, helt eller for enkelte kategorier, når som helst. Cookies fra de kategorier, du trækker tilbage, slettes med det samme. Samtykket udløber af sig selv efter {} dage, og vi spørger igen.",
                p.consent_ttl_days
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
        .filter(|d| d.category as usize == category)
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

fn html_escape(s: &str) -> String {
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

/// The declaration of `policy` in `lang` and `format`.
pub fn render(policy: &ValidPolicy<'_>, lang: Lang, format: Format) -> String {
    let w = match lang {
        Lang::En => &EN,
        Lang::Da => &DA,
    };
    let p = policy.policy();
    let [consent, decline, withdraw] = how_to(policy, lang);
    let mut out = String::new();
    match format {
        Format::Markdown => {
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
                let desc = c.description.get(lang.as_str());
                let note = match c.basis {
                    Basis::Exempt => w.exempt_note,
                    Basis::Consent => w.consent_note,
                };
                let _ = writeln!(
                    out,
                    "{}{note}\n",
                    if desc.is_empty() {
                        String::new()
                    } else {
                        format!("{desc} ")
                    }
                );
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
        }
        Format::Html => {
            let e = html_escape;
            let _ = writeln!(
                out,
                "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — {}</title>\n</head>\n<body>\n<h1>{} — {}</h1>\n<p>{}</p>",
                lang.as_str(),
                e(w.title),
                e(p.site),
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
                let note = match c.basis {
                    Basis::Exempt => w.exempt_note,
                    Basis::Consent => w.consent_note,
                };
                let _ = writeln!(
                    out,
                    "<h2>{}</h2>\n<p>{} {}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
                    e(c.label.get(lang.as_str())),
                    e(c.description.get(lang.as_str())),
                    e(note),
                    e(w.name),
                    e(w.kind),
                    e(w.purpose),
                    e(w.provider),
                    e(w.duration)
                );
                for r in rows(policy, i, lang, w) {
                    let _ = writeln!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        e(&r.name),
                        e(r.kind),
                        e(&r.purpose),
                        e(&r.provider),
                        e(&r.duration)
                    );
                }
                let _ = writeln!(out, "</tbody>\n</table>");
            }
            let _ = writeln!(out, "</body>\n</html>");
        }
    }
    out
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
    fn danish_html_is_utf8_and_escaped() {
        let mut index = [0u16; 7];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        let html = render(&policy, Lang::Da, Format::Html);
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<html lang=\"da\">"));
        assert!(html.contains("Nødvendige cookies"));
        assert!(html.contains("<td>1000 dage</td>"));
        assert!(html.contains("<td>11 timer</td>"));
        assert!(html.contains("Siteimprove (tredjepart)"));
        assert!(html.contains("Sådan trækker du dit samtykke tilbage"));
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
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
