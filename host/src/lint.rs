//! The policy lint (SPEC §3): what loads but a careful reviewer would question.
//!
//! A lint warning is not an error: the policy is valid and usable, but something in
//! it is likely to be unlawful or unkind to visitors (a tracking cookie passed off as
//! necessary, a cookie that outlives the consent it rests on, a missing Danish
//! text). Each warning has a stable id, the JSON path it points at and a reason.
//! The built-in knowledge base ([`KNOWN_TRACKERS`]) names well-known analytics and
//! advertising cookies.

use std::fmt;

use samtykke::{
    Basis, ConsentModeType, Declaration, Duration, Kind, Location, Party, Provider, Text,
    ValidPolicy,
};

use crate::json::OwnedPolicy;

/// Necessary storage that lives longer than this many days is questioned.
pub const MAX_NECESSARY_DAYS: u32 = 365;

/// Consent older than this many days (13 months) is questioned: the CNIL and the
/// Danish Business Authority expect a renewed choice at least that often.
pub const MAX_CONSENT_TTL_DAYS: u16 = 395;

samtykke::vocabulary! {
    /// The rule a [`LintWarning`] comes from; its [`LintId::as_str`] is stable.
    #[non_exhaustive]
    pub enum LintId ("lint rule") {
        /// `tracking-cookie-necessary`: a known analytics or advertising cookie is
        /// declared necessary.
        TrackingCookieNecessary = 0 => "tracking-cookie-necessary",
        /// `third-party-necessary`: a third party's item is declared necessary.
        ThirdPartyNecessary = 1 => "third-party-necessary",
        /// `necessary-long-lived`: a necessary item lives longer than a year.
        NecessaryLongLived = 2 => "necessary-long-lived",
        /// `necessary-unjustified`: a necessary item gives no justification.
        NecessaryUnjustified = 3 => "necessary-unjustified",
        /// `outlives-consent`: a consent category's item lives longer than the
        /// consent.
        OutlivesConsent = 4 => "outlives-consent",
        /// `consent-ttl-too-long`: consent lasts longer than 13 months.
        ConsentTtlTooLong = 5 => "consent-ttl-too-long",
        /// `missing-text`: a label, description or purpose lacks its Danish or
        /// English text.
        MissingText = 6 => "missing-text",
        /// `google-without-consent-mode`: a Google provider (Analytics, Ads, Tag
        /// Manager) is declared but the policy maps no Google Consent Mode type
        /// (SPEC §16).
        GoogleWithoutConsentMode = 7 => "google-without-consent-mode",
        /// `security-storage-not-exempt`: `consent_mode` maps `security_storage` to
        /// a consent category, so Google's tags are told security storage is denied
        /// until the visitor consents (SPEC §16).
        SecurityStorageNotExempt = 8 => "security-storage-not-exempt",
        /// `consent-cookie-declared`: the policy declares a cookie of the consent
        /// cookie's name, which the library declares itself (necessary, first
        /// party, SPEC §3) and judges so whatever the policy says: the
        /// declaration is never used, and the cookie declaration leaves it out.
        ConsentCookieDeclared = 9 => "consent-cookie-declared",
    }
}

/// What marks a provider as Google's tags for [`LintId::GoogleWithoutConsentMode`]:
/// a product name in the provider's name or one of Google's tag domains among its
/// domains (compared without regard to case).
pub static GOOGLE_TAG_MARKERS: &[&str] = &[
    "google analytics",
    "google ads",
    "google tag manager",
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
];

/// The marker of [`GOOGLE_TAG_MARKERS`] the provider's name or domains mention,
/// if any.
pub fn google_tag_marker(provider: &Provider<'_>) -> Option<&'static str> {
    let name = provider.name.to_ascii_lowercase();
    let domains: Vec<String> = provider.domains().map(str::to_ascii_lowercase).collect();
    GOOGLE_TAG_MARKERS.iter().copied().find(|m| {
        name.contains(m)
            || domains
                .iter()
                .any(|d| d == m || d.ends_with(&format!(".{m}")))
    })
}

/// One lint finding: which rule, where in the document, and why.
///
/// Displays as `storage[6].duration: "nmstat" lives 1000 days, … [outlives-consent]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LintWarning {
    /// The rule.
    pub id: LintId,
    /// The JSON path it points at (`storage[6].duration`, `categories[1].label.da`).
    pub path: String,
    /// The reason, in words.
    pub message: String,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.id)
    }
}

samtykke::vocabulary! {
    /// What a known tracking cookie does.
    pub enum TrackerPurpose ("tracker purpose") {
        /// Measures visits and visitors.
        Analytics = 0 => "analytics",
        /// Targets or measures advertising.
        Advertising = 1 => "advertising",
        /// Records sessions, heatmaps or behaviour.
        SessionRecording = 2 => "session-recording",
    }
}

/// A well-known analytics or advertising cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KnownTracker {
    /// The cookie's name, or a prefix ending in `*`.
    pub pattern: &'static str,
    /// Who sets it.
    pub vendor: &'static str,
    /// What it is for.
    pub purpose: TrackerPurpose,
    /// What it does, in a few words.
    pub what: &'static str,
}

impl KnownTracker {
    /// Whether the cookie `name` is this tracker.
    pub fn matches(&self, name: &str) -> bool {
        match self.pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == self.pattern,
        }
    }

    /// A name this tracker sets, for checking whether a declared pattern covers it.
    fn example(&self) -> String {
        self.pattern.replace('*', "x")
    }
}

const fn t(
    pattern: &'static str,
    vendor: &'static str,
    purpose: TrackerPurpose,
    what: &'static str,
) -> KnownTracker {
    KnownTracker {
        pattern,
        vendor,
        purpose,
        what,
    }
}

use TrackerPurpose::{Advertising as Ads, Analytics, SessionRecording as Recording};

/// The built-in knowledge base of analytics and advertising cookies, from the
/// vendors' own cookie documentation.
pub static KNOWN_TRACKERS: &[KnownTracker] = &[
    t(
        "_ga",
        "Google Analytics",
        Analytics,
        "distinguishes visitors",
    ),
    t(
        "_ga_*",
        "Google Analytics 4",
        Analytics,
        "keeps the session state of a visitor",
    ),
    t(
        "_gid",
        "Google Analytics",
        Analytics,
        "distinguishes visitors for 24 hours",
    ),
    t(
        "_gat*",
        "Google Analytics",
        Analytics,
        "throttles the request rate",
    ),
    t(
        "_dc_gtm_*",
        "Google Tag Manager",
        Analytics,
        "throttles the request rate of Google Analytics",
    ),
    t(
        "__utm*",
        "Google Analytics (urchin.js)",
        Analytics,
        "tracks visitors and sessions",
    ),
    t(
        "_gcl_*",
        "Google Ads",
        Ads,
        "links ad clicks to conversions",
    ),
    t(
        "IDE",
        "Google DoubleClick",
        Ads,
        "targets and measures ads across sites",
    ),
    t(
        "DSID",
        "Google DoubleClick",
        Ads,
        "links a visitor's ad activity across devices",
    ),
    t(
        "test_cookie",
        "Google DoubleClick",
        Ads,
        "checks whether the browser accepts ad cookies",
    ),
    t(
        "NID",
        "Google",
        Ads,
        "remembers preferences for personalised ads",
    ),
    t(
        "_fbp",
        "Meta Pixel",
        Ads,
        "identifies browsers for Facebook advertising",
    ),
    t(
        "_fbc",
        "Meta Pixel",
        Ads,
        "stores the last Facebook ad click",
    ),
    t(
        "fr",
        "Meta (Facebook)",
        Ads,
        "delivers and measures Facebook ads",
    ),
    t("_pk_id*", "Matomo", Analytics, "stores a visitor id"),
    t("_pk_ses*", "Matomo", Analytics, "marks a visit in progress"),
    t("_pk_ref*", "Matomo", Analytics, "stores the referring site"),
    t("_pk_cvar*", "Matomo", Analytics, "stores custom visit data"),
    t(
        "nmstat",
        "Siteimprove Analytics",
        Analytics,
        "records visiting behaviour",
    ),
    t(
        "siteimprove*",
        "Siteimprove",
        Analytics,
        "records visiting behaviour",
    ),
    t("_hj*", "Hotjar", Recording, "records sessions and heatmaps"),
    t(
        "_clck",
        "Microsoft Clarity",
        Recording,
        "keeps a visitor id for session recording",
    ),
    t(
        "_clsk",
        "Microsoft Clarity",
        Recording,
        "joins page views into a recorded session",
    ),
    t(
        "MUID",
        "Microsoft Advertising",
        Ads,
        "identifies browsers across Microsoft sites",
    ),
    t(
        "_uet*",
        "Microsoft Advertising",
        Ads,
        "tracks conversions from Bing ads",
    ),
    t(
        "_ttp",
        "TikTok Pixel",
        Ads,
        "measures and targets TikTok ads",
    ),
    t(
        "_pin_unauth",
        "Pinterest Tag",
        Ads,
        "measures and targets Pinterest ads",
    ),
    t(
        "_scid",
        "Snap Pixel",
        Ads,
        "measures and targets Snapchat ads",
    ),
    t(
        "li_sugr",
        "LinkedIn",
        Ads,
        "identifies browsers for LinkedIn ads",
    ),
    t(
        "bcookie",
        "LinkedIn",
        Ads,
        "identifies browsers for LinkedIn",
    ),
    t("UserMatchHistory", "LinkedIn", Ads, "syncs LinkedIn ad ids"),
    t(
        "AnalyticsSyncHistory",
        "LinkedIn",
        Analytics,
        "syncs LinkedIn analytics ids",
    ),
    t("YSC", "YouTube", Analytics, "counts video views"),
    t(
        "VISITOR_INFO1_LIVE",
        "YouTube",
        Ads,
        "estimates bandwidth and profiles viewers",
    ),
    t("__hstc", "HubSpot", Analytics, "tracks visitors"),
    t("hubspotutk", "HubSpot", Analytics, "keeps a visitor id"),
    t("mp_*", "Mixpanel", Analytics, "tracks visitors and events"),
    t(
        "ajs_anonymous_id",
        "Segment",
        Analytics,
        "keeps an anonymous visitor id",
    ),
    t("ajs_user_id", "Segment", Analytics, "keeps a visitor id"),
    t("AMCV_*", "Adobe Analytics", Analytics, "keeps a visitor id"),
    t(
        "s_cc",
        "Adobe Analytics",
        Analytics,
        "checks whether cookies are enabled for analytics",
    ),
    t(
        "s_sq",
        "Adobe Analytics",
        Analytics,
        "records the previous link clicked",
    ),
];

/// The known tracker the cookie `name` is, if any.
pub fn known_tracker(name: &str) -> Option<&'static KnownTracker> {
    KNOWN_TRACKERS.iter().find(|k| k.matches(name))
}

/// Lints a loaded policy; warnings come in document order.
pub fn lint(policy: &OwnedPolicy) -> Vec<LintWarning> {
    lint_view(&policy.view())
}

/// Lints any validated policy (a static one too). Paths index the policy's lists,
/// which for a loaded policy are the document's.
pub fn lint_view(policy: &ValidPolicy<'_>) -> Vec<LintWarning> {
    let p = policy.policy();
    let mut out = Vec::new();
    let mut warn = |id, path: String, message: String| out.push(LintWarning { id, path, message });

    if p.consent_ttl_days > MAX_CONSENT_TTL_DAYS {
        warn(
            LintId::ConsentTtlTooLong,
            "consent_ttl_days".into(),
            format!(
                "consent lasts {} days, over 13 months ({MAX_CONSENT_TTL_DAYS} days); ask again at least every 13 months",
                p.consent_ttl_days
            ),
        );
    }

    for (i, c) in p.categories.iter().enumerate() {
        for (field, text) in [("label", c.label), ("description", c.description)] {
            for (lang, path) in missing(text) {
                warn(
                    LintId::MissingText,
                    format!("categories[{i}].{field}.{path}"),
                    format!("category \"{}\" has no {lang} {field}", c.id),
                );
            }
        }
    }

    if p.consent_mode.is_empty() {
        for (i, provider) in p.providers.iter().enumerate() {
            // Its name or domains, else, for a third party, a cookie of it the
            // knowledge base says is Google's (a provider named just "Google"
            // declaring `_ga`; a site that declares `_ga` as its own is not a tag).
            let third = provider.party == samtykke::Party::Third;
            let marker = google_tag_marker(provider).map(str::to_owned).or_else(|| {
                p.storage
                    .iter()
                    .filter(|d| third && usize::from(d.provider) == i && d.kind == Kind::Cookie)
                    .find_map(|d| {
                        // A name, or a pattern (`_ga*`) covering one.
                        known_tracker(d.name)
                            .or_else(|| covered_tracker(d))
                            .filter(|k| k.vendor.starts_with("Google"))
                            .map(|k| format!("it sets \"{}\", a {} cookie", d.name, k.vendor))
                    })
            });
            if let Some(marker) = marker {
                warn(
                    LintId::GoogleWithoutConsentMode,
                    format!("providers[{i}].name"),
                    format!(
                        "\"{}\" is a Google tag ({marker}), but the policy has no consent_mode: map each Consent Mode type to a category so Google's tags are told the visitor's choice",
                        provider.name
                    ),
                );
            }
        }
    }

    let consent_secs = i64::from(p.consent_ttl_days) * 86_400;
    for (i, d) in p.storage.iter().enumerate() {
        if policy.is_consent_cookie(d.kind, d.name) {
            warn(
                LintId::ConsentCookieDeclared,
                format!("storage[{i}].name"),
                format!(
                    "\"{}\" is the consent cookie, which is declared automatically (necessary, first party) and always judged so: this declaration is not used",
                    d.name
                ),
            );
        }
        let category = policy.category_of(d);
        let provider = policy.provider_of(d);
        if category.basis == Basis::Exempt {
            if let Some(message) = tracker(d) {
                warn(
                    LintId::TrackingCookieNecessary,
                    format!("storage[{i}].category"),
                    message,
                );
            }
            if provider.party == Party::Third {
                warn(
                    LintId::ThirdPartyNecessary,
                    format!("storage[{i}].provider"),
                    format!(
                        "\"{}\" is declared necessary but is set by the third party \"{}\"; a third party's storage is rarely strictly necessary for the service the visitor asked for",
                        d.name, provider.name
                    ),
                );
            }
            if d.duration
                .as_seconds()
                .is_some_and(|s| s > i64::from(MAX_NECESSARY_DAYS) * 86_400)
            {
                warn(
                    LintId::NecessaryLongLived,
                    format!("storage[{i}].duration"),
                    format!(
                        "necessary \"{}\" lives {}, over one year; storage exempt from consent should last no longer than the service needs",
                        d.name,
                        lifetime(d.duration)
                    ),
                );
            }
            if d.justification.trim().is_empty() {
                warn(
                    LintId::NecessaryUnjustified,
                    format!("storage[{i}].justification"),
                    format!(
                        "necessary \"{}\" gives no justification: say why the service the visitor asked for cannot work without it",
                        d.name
                    ),
                );
            }
        } else if d.duration.as_seconds().is_some_and(|s| s > consent_secs) {
            warn(
                LintId::OutlivesConsent,
                format!("storage[{i}].duration"),
                format!(
                    "\"{}\" lives {}, longer than the {}-day consent to \"{}\" it depends on; shorten it to at most {} days",
                    d.name,
                    lifetime(d.duration),
                    p.consent_ttl_days,
                    category.id,
                    p.consent_ttl_days
                ),
            );
        }
        for (lang, path) in missing(d.purpose) {
            warn(
                LintId::MissingText,
                format!("storage[{i}].purpose.{path}"),
                format!("\"{}\" has no {lang} purpose", d.name),
            );
        }
    }

    let security = ConsentModeType::SecurityStorage;
    if let Some(c) = p
        .consent_mode
        .get(security)
        .and_then(|c| p.categories.get(usize::from(c)))
        .filter(|c| c.basis != Basis::Exempt)
    {
        warn(
            LintId::SecurityStorageNotExempt,
            Location::ConsentMode(security).to_string(),
            format!(
                "{security} follows the consent category \"{}\"; security storage (authentication, fraud prevention) is strictly necessary: map it to \"{}\"",
                c.id,
                samtykke::NECESSARY
            ),
        );
    }
    out
}

/// The languages `text` lacks, as (name, JSON key).
fn missing<'a>(text: Text<'a>) -> impl Iterator<Item = (&'static str, &'static str)> + 'a {
    [("English", "en", text.en), ("Danish", "da", text.da)]
        .into_iter()
        .filter(|(_, _, s)| s.trim().is_empty())
        .map(|(lang, key, _)| (lang, key))
}

/// Why a necessary declaration looks like a known tracker, if it does.
fn tracker(d: &Declaration<'_>) -> Option<String> {
    if d.kind != Kind::Cookie {
        return None;
    }
    let describe = |k: &KnownTracker| {
        format!(
            "a known {} cookie ({}: {}); {} storage needs consent",
            k.purpose.as_str(),
            k.vendor,
            k.what,
            k.purpose.as_str()
        )
    };
    if let Some(k) = known_tracker(d.name) {
        return Some(format!(
            "\"{}\" is declared necessary, but it is {}",
            d.name,
            describe(k)
        ));
    }
    // A pattern such as `_g*` hides the trackers it covers.
    covered_tracker(d).map(|k| {
        format!(
            "\"{}\" is declared necessary, but it covers \"{}\", {}",
            d.name,
            k.pattern,
            describe(k)
        )
    })
}

/// The first known tracker a pattern declaration covers (`_g*` covers `_ga`).
fn covered_tracker(d: &Declaration<'_>) -> Option<&'static KnownTracker> {
    if !d.is_pattern() {
        return None;
    }
    KNOWN_TRACKERS.iter().find(|k| d.covers(&k.example()))
}

/// A lifetime in its declared unit (`1000 days`, `11 hours`; the core's words),
/// or `for the session`.
fn lifetime(d: Duration) -> String {
    match d {
        Duration::Session => "for the session".into(),
        d => d.to_string(),
    }
}
