//! `samtykke-site`: a kk.dk-like site on `samtykke-tower` (SPEC §15).
//!
//! ```text
//! cargo run --release -p samtykke-site -- --addr 127.0.0.1:8080 \
//!     --policy examples/kk.dk.policy.json --log consent.jsonl [--key-file KEY]
//! ```
//!
//! `GET /` always tries to set `SESS<random>` (necessary), `nmstat` (statistics)
//! and `JSESSIONID` (functional); the layer decides what leaves. The page shows
//! the banner while the visitor must be asked, and its footer links to the
//! settings (withdrawal) and the declaration. `GET /cookies` is the declaration.
//! When the policy maps Google Consent Mode types (`consent_mode`), the page's head
//! starts with the `gtag('consent','default',…)` and `…'update'…` scripts.
//! Everything works without JavaScript.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use samtykke_host::declare::{self, Lang};
use samtykke_host::OwnedPolicy;
use samtykke_tower::{html, Config, Consent, ConsentEndpoint, JsonlSink, NoticeShown, Secure};

#[derive(Parser, Debug)]
#[command(version, about = "A kk.dk-like example site on samtykke-tower")]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The site's cookie policy (JSON, schema samtykke/policy/1).
    #[arg(long, default_value = "examples/kk.dk.policy.json")]
    policy: PathBuf,
    /// The site's consent log (JSON lines, appended): audit it with `samtykke audit`.
    #[arg(long, default_value = "consent.jsonl")]
    log: PathBuf,
    /// Keep no log and no proof records (for the benchmark only: a site must keep
    /// proof of consent, GDPR Art. 7(1)).
    #[arg(long)]
    no_log: bool,
    /// The proof records (JSON lines, appended, purged by retention); default: the
    /// log's name with `.proofs` before the extension.
    #[arg(long)]
    proofs: Option<PathBuf>,
    /// A file holding the site keys: one a line, the first signs and the others
    /// still verify (or a file of random bytes, one key); 32 bytes or more
    /// each; default: a random key for this run, so consent cookies do not
    /// survive a restart.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Mark cookies `Secure` (the site is behind HTTPS).
    #[arg(long)]
    secure: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Serve the same handler without the consent layer (for the benchmark only:
    /// every cookie the handler tries then leaves).
    #[arg(long)]
    without_layer: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samtykke-site: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let policy = OwnedPolicy::load(&args.policy)?;
    // One key a line, the first signs (samtykke_host::keys, as the command line
    // and the WordPress plugin read key files), or a file of random bytes.
    let keys: Vec<Vec<u8>> = match &args.key_file {
        Some(path) => samtykke_host::keys::read_site_keys(path)
            .map_err(|e| format!("{}: {e}", path.display()))?,
        None => {
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).map_err(|e| format!("no random key: {e}"))?;
            eprintln!("samtykke-site: no --key-file: a random key for this run");
            vec![key]
        }
    };
    let proofs = args.proofs.clone().unwrap_or_else(|| {
        let stem = args.log.file_stem().unwrap_or_default().to_string_lossy();
        args.log.with_file_name(format!("{stem}.proofs.jsonl"))
    });
    let declaration = Arc::new(Declarations::new(&policy));
    let secure = if args.secure {
        Secure::Always
    } else {
        Secure::Never
    };
    let mut config = Config::new(policy, &keys[0])?.secure(secure);
    for older in &keys[1..] {
        config = config.verify_also(older)?;
    }
    if !args.no_log {
        let sink = JsonlSink::open(&args.log, &proofs)
            .map_err(|e| format!("{} or {}: {e}", args.log.display(), proofs.display()))?;
        config = config.sink(sink);
    }
    let layer = config.layer();

    let decl = declaration.clone();
    let router = Router::new()
        .route("/", get(home))
        .route(
            "/cookies",
            get(move |req: Request| {
                let decl = decl.clone();
                async move { cookies(&decl, &req) }
            }),
        )
        .route_service("/consent", ConsentEndpoint::new());
    let router = if args.without_layer {
        router
    } else {
        router.layer(layer)
    };

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        eprintln!(
            "samtykke-site: http://{} (log: {}, proofs: {})",
            listener.local_addr()?,
            args.log.display(),
            proofs.display()
        );
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })?;
    Ok(())
}

/// The declaration in both languages, rendered once.
struct Declarations {
    da: String,
    en: String,
}

impl Declarations {
    fn new(policy: &OwnedPolicy) -> Declarations {
        let view = policy.view();
        let page = |lang: Lang| {
            let t = texts(lang);
            let body = format!(
                "<header class=\"site-header\"><a href=\"/?lang={l}\">{site}</a></header>\
                 <main>{fragment}</main>\
                 <footer class=\"site-footer\"><a href=\"/consent?lang={l}\">{settings}</a>\
                 <a href=\"/?lang={l}\">{home}</a></footer>",
                l = lang.as_str(),
                site = t.site,
                fragment = declare::render(&view, lang, declare::Format::HtmlFragment),
                settings = html::footer_link_text(lang),
                home = t.home,
            );
            html::page(
                lang,
                t.declaration,
                &format!("<style>{}{SITE_CSS}</style>", declare::STYLESHEET),
                &body,
            )
        };
        Declarations {
            da: page(Lang::Da),
            en: page(Lang::En),
        }
    }
}

fn lang_of(req: &Request) -> (Option<&Consent>, Lang) {
    let consent = req.extensions().get::<Consent>();
    let lang = consent.map_or(Lang::Da, Consent::lang);
    (consent, lang)
}

fn html_response(page: String) -> Response {
    let mut r = Body::from(page).into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page depends on the visitor's consent: never from a shared cache.
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r
}

fn cookies(decl: &Declarations, req: &Request) -> Response {
    let (_, lang) = lang_of(req);
    html_response(match lang {
        Lang::Da => decl.da.clone(),
        Lang::En => decl.en.clone(),
    })
}

struct Texts {
    site: &'static str,
    home: &'static str,
    heading: &'static str,
    body: &'static str,
    declaration: &'static str,
    other_lang: (&'static str, &'static str),
}

const DA: Texts = Texts {
    site: "Københavns Kommune",
    home: "Forside",
    heading: "Velkommen til kk.dk (eksempel)",
    body: "Dette er et eksempel på en kommunal hjemmeside, der kun sætter de cookies, du har sagt ja til. Siden forsøger hver gang at sætte en sessionscookie, en statistikcookie og en funktionscookie; samtykke-laget på serveren afgør, hvilke der sendes.",
    declaration: "Cookies på siden",
    other_lang: ("en", "English"),
};

const EN: Texts = Texts {
    site: "City of Copenhagen",
    home: "Home",
    heading: "Welcome to kk.dk (example)",
    body: "This is an example of a municipal website that sets only the cookies you said yes to. Each time, the page tries to set a session cookie, a statistics cookie and a functional cookie; the consent layer on the server decides which are sent.",
    declaration: "Cookies on this site",
    other_lang: ("da", "Dansk"),
};

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

const SITE_CSS: &str = "\
.site-header{background:#1a4f8b;color:#fff;padding:.8rem 1.25rem;font-weight:700;font-size:1.1rem}\
.site-header a{color:#fff;text-decoration:none}\
.site-footer{border-top:1px solid #ccc;margin-top:2rem;padding:1rem 1.25rem;display:flex;flex-wrap:wrap;gap:1.25rem}\
.site-footer a{color:#1a4f8b}";

/// Google Consent Mode v2 (SPEC §16), for a policy that maps its types: the
/// `gtag` default (all denied but the exempt) first in the head, before any tag
/// could load, then the update from the visitor's state at this request.
fn consent_mode(consent: Option<&Consent>) -> String {
    let Some(c) = consent else {
        return String::new();
    };
    // (No nonce: the site sends no Content Security Policy.)
    samtykke_host::consent_mode::head_scripts(&c.policy(), c.state(), c.now(), None)
        .unwrap_or_default()
}

async fn home(req: Request) -> Response {
    let (consent, lang) = lang_of(&req);
    let t = texts(lang);
    let due = consent.is_some_and(Consent::prompt_due);
    let (skip, banner) = match consent {
        Some(c) if due => (html::skip_to_banner(lang), html::banner(c)),
        _ => (String::new(), String::new()),
    };
    let (state, script) = consent.map_or_else(Default::default, Consent::page_data);
    let endpoint = consent.map_or("/consent", Consent::endpoint);
    let body = format!(
        "{skip}<header class=\"site-header\"><a href=\"/?lang={l}\">{site}</a></header>\
         <main><h1>{heading}</h1><p>{text}</p></main>\
         <footer class=\"site-footer\">\
         <a href=\"{endpoint}?lang={l}\">{settings}</a>\
         <a href=\"/cookies?lang={l}\">{declaration}</a>\
         <a href=\"/?lang={other}\" lang=\"{other}\">{other_name}</a>\
         </footer>{banner}\
         <script type=\"application/json\" id=\"samtykke-state\">{state}</script>{script}",
        l = lang.as_str(),
        site = t.site,
        heading = t.heading,
        text = t.body,
        settings = html::footer_link_text(lang),
        declaration = t.declaration,
        other = t.other_lang.0,
        other_name = t.other_lang.1,
    );
    let page = html::page(
        lang,
        t.heading,
        &format!("<style>{SITE_CSS}</style>{}", consent_mode(consent)),
        &body,
    );
    let mut r = html_response(page);
    // The handler tries every cookie; the layer lets through what is permitted.
    let mut sess = [0u8; 16];
    let _ = getrandom::fill(&mut sess);
    let sess: String = sess
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .map(|d| char::from_digit(u32::from(d), 16).unwrap_or('0'))
        .collect();
    for h in [
        format!("SESS{sess}={sess}; Max-Age=39600; Path=/; HttpOnly; SameSite=Lax"),
        "nmstat=1a2b3c4d; Max-Age=86400000; Path=/; SameSite=Lax".to_owned(),
        "JSESSIONID=9f8e7d; Path=/; HttpOnly; SameSite=Lax".to_owned(),
    ] {
        if let Ok(v) = HeaderValue::from_str(&h) {
            r.headers_mut().append(SET_COOKIE, v);
        }
    }
    if due {
        r.extensions_mut().insert(NoticeShown::BANNER);
    }
    r
}
