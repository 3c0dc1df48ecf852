//! The City of Copenhagen's cookie policy (seed 000) as a `static` policy.
//!
//! This is `examples/kk.dk.policy.json` written as Rust data, the way a host that
//! needs no JSON can declare its policy. It is used by the examples, the tests and
//! `samtykke demo`.

use crate::consent_mode::ConsentModeMap;
use crate::policy::{
    Basis, Category, ConsentCookie, Controller, Declaration, Duration, Kind, Party, Policy,
    Provider, Text,
};

const fn text<'a>(en: &'a str, da: &'a str) -> Text<'a> {
    Text { en, da }
}

static CATEGORIES: [Category<'static>; 3] = [
    Category {
        id: "necessary",
        basis: Basis::Exempt,
        slot: 0,
        changed_in_revision: 1,
        gpc_refuses: false,
        label: text("Necessary cookies", "Nødvendige cookies"),
        description: text(
            "Activate basic functions such as access to secure content and the ability to decline cookies. They cannot be deselected.",
            "Aktiverer grundlæggende funktioner som adgang til sikret indhold og muligheden for at fravælge cookies. De kan ikke fravælges.",
        ),
    },
    Category {
        id: "functional",
        basis: Basis::Consent,
        slot: 1,
        changed_in_revision: 1,
        gpc_refuses: false,
        label: text("Functional cookies", "Funktionelle cookies"),
        description: text(
            "Enable other functions such as the display of video and interactive maps.",
            "Gør det muligt at bruge andre funktioner som visning af video og interaktive kort.",
        ),
    },
    Category {
        id: "statistics",
        basis: Basis::Consent,
        slot: 2,
        changed_in_revision: 1,
        gpc_refuses: false,
        label: text("Statistical cookies", "Statistiske cookies"),
        description: text(
            "Give the City of Copenhagen insight into the use of the website through web statistics.",
            "Giver Københavns Kommune indsigt i brugen af hjemmesiden gennem webstatistik.",
        ),
    },
];

static PROVIDERS: [Provider<'static>; 4] = [
    Provider {
        id: "kk",
        name: "City of Copenhagen",
        party: Party::First,
        slot: 0,
        domains: "kk.dk",
        privacy_policy: "",
    },
    Provider {
        id: "twentythree",
        name: "Twentythree",
        party: Party::Third,
        slot: 1,
        domains: "video.kk.dk",
        privacy_policy: "",
    },
    Provider {
        id: "septima",
        name: "Septima",
        party: Party::Third,
        slot: 2,
        domains: "septima.dk",
        privacy_policy: "",
    },
    Provider {
        id: "siteimprove",
        name: "Siteimprove",
        party: Party::Third,
        slot: 3,
        domains: "siteimprove.com",
        privacy_policy: "",
    },
];

const fn cookie<'a>(
    name: &'a str,
    provider: u8,
    category: u8,
    purpose: Text<'a>,
    duration: Duration,
    justification: &'a str,
) -> Declaration<'a> {
    Declaration {
        name,
        kind: Kind::Cookie,
        provider,
        category,
        purpose,
        duration,
        domain: None,
        path: None,
        justification,
    }
}

static STORAGE: [Declaration<'static>; 7] = [
    cookie(
        "SESS*",
        0,
        0,
        text(
            "Allows an editor access to secured content",
            "Giver en redaktør adgang til sikret indhold",
        ),
        Duration::Hours(11),
        "authentication of editors",
    ),
    cookie(
        "closed-emergency-banner-*",
        0,
        0,
        text(
            "Allows the closing of a banner for the duration of your visit",
            "Gør det muligt at lukke et banner, så længe dit besøg varer",
        ),
        Duration::Session,
        "user-interface state for the visit",
    ),
    cookie(
        "Drupal_visitor_votingapi_source",
        0,
        0,
        text(
            "Allows you to vote for idea submission",
            "Gør det muligt at stemme på idéforslag",
        ),
        Duration::Days(365),
        "a service the visitor asked for (voting)",
    ),
    cookie(
        "ad_session_id",
        1,
        1,
        text(
            "Allows you to view video on our video platform video.kk.dk",
            "Gør det muligt at se video på vores videoplatform video.kk.dk",
        ),
        Duration::Session,
        "",
    ),
    cookie(
        "JSESSIONID",
        2,
        1,
        text(
            "Allows you to view and use our city maps",
            "Gør det muligt at se og bruge vores bykort",
        ),
        Duration::Session,
        "",
    ),
    cookie(
        "AWSELBCORS",
        3,
        2,
        text(
            "Allows the gathering of statistics on the general use of this website",
            "Gør det muligt at indsamle statistik om den generelle brug af hjemmesiden",
        ),
        Duration::Session,
        "",
    ),
    cookie(
        "nmstat",
        3,
        2,
        text(
            "Allows the gathering of anonymized statistics on visiting behaviour",
            "Gør det muligt at indsamle anonymiseret statistik om besøgsadfærd",
        ),
        Duration::Days(1000),
        "",
    ),
];

/// Seed 000, the City of Copenhagen's cookie policy, as a static policy.
pub static KK_DK: Policy<'static> = Policy {
    site: "kk.dk",
    revision: 1,
    notice_version: 1,
    controller: Controller {
        name: "City of Copenhagen",
        contact: "KK Web, Borups Allé 177, 2400 København NV",
    },
    consent_cookie: ConsentCookie {
        name: "samtykke",
        domain: Some("kk.dk"),
    },
    consent_ttl_days: 100,
    refusal_ttl_days: 100,
    proof_retention_days: 1095,
    categories: &CATEGORIES,
    providers: &PROVIDERS,
    storage: &STORAGE,
    consent_mode: ConsentModeMap::NONE,
};
