//! The layer and the consent endpoint, driven as a browser drives a site (SPEC §15).

mod common;

use bytes::Bytes;
use common::*;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, StatusCode};
use http_body_util::Full;
use samtykke::{ConsentState, Ctx};
use samtykke_audit::{audit_lines, AuditOptions};
use samtykke_tower::Config;

fn audit(site: &Site, lines: &[String]) -> Vec<String> {
    let owned = policy(&[]);
    let _ = site;
    let report = audit_lines(owned.view(), lines, AuditOptions::default());
    assert!(report.input_errors.is_empty(), "{:?}", report.input_errors);
    report
        .violations
        .iter()
        .map(|v| {
            format!(
                "{} {} line {}",
                v.id.as_str(),
                v.cookie.as_deref().unwrap_or(""),
                v.line
            )
        })
        .collect()
}

#[tokio::test]
async fn r01_a_new_visitor_gets_only_necessary_cookies_and_no_consent_cookie() {
    let site = site();
    let mut jar = Jar::default();
    let got = site.visit("/", &mut jar).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.set_cookie, ["SESSabc=1; Max-Age=39600; Path=/"]);
    assert!(got.json()["prompt_due_now"].as_bool().unwrap());
    // The banner's notice is logged under the fresh id the page's forms carry.
    let log = site.log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[0].contains("\"event\":\"notice_shown\""));
    assert!(log[0].contains(&form_consent_id(&got.json())));
    assert!(log[1].contains("\"event\":\"cookie_set\""));
}

#[tokio::test]
async fn r03_r16_saving_statistics_lets_nmstat_in_no_longer_than_the_consent() {
    let site = site();
    let mut jar = Jar::default();
    let first = site.visit("/", &mut jar).await;
    let id = form_consent_id(&first.json());
    let got = site
        .decide(
            &format!("action=save&granted=statistics&consent_id={id}&notice=1"),
            &mut jar,
        )
        .await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(got.location.as_deref(), Some("/page?x=1"));
    let consent = got.sets("samtykke").expect("the consent cookie");
    assert_eq!(consent.max_age, Some(100 * 86_400));
    assert_eq!(consent.domain, None, "host-only on 127.0.0.1");
    assert!(!consent.secure);
    assert!(consent.http_only);

    let page = site.visit("/", &mut jar).await;
    assert_eq!(
        page.json()["consent_id"],
        id,
        "the decision is under the form's id"
    );
    let nmstat = page.sets("nmstat").expect("statistics granted");
    // Asked for 1000 days; the grant lapses in 100.
    assert_eq!(nmstat.max_age, Some(100 * 86_400));
    assert!(page.sets("JSESSIONID").is_none(), "functional refused");
    assert!(page.sets("SESSabc").is_some());
    // A day later, the grant has 99 days left, and so has the cookie.
    site.advance_days(1);
    let later = site.visit("/", &mut jar).await;
    assert_eq!(later.sets("nmstat").unwrap().max_age, Some(99 * 86_400));
}

#[tokio::test]
async fn r14_a_refusal_is_stored_and_keeps_nmstat_out_across_visits() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    let got = site.decide("action=reject_all", &mut jar).await;
    assert!(got.sets("samtykke").is_some());
    for _ in 0..3 {
        let page = site.visit("/", &mut jar).await;
        assert!(page.sets("nmstat").is_none());
        assert!(
            !page.json()["prompt_due_now"].as_bool().unwrap(),
            "R15: not asked again"
        );
        assert!(
            page.sets("samtykke").is_none(),
            "unchanged state: not re-issued"
        );
    }
    assert!(!jar.has("nmstat"));
}

#[tokio::test]
async fn r12_withdrawal_deletes_the_cookies_it_no_longer_permits() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=accept_all", &mut jar).await;
    site.visit("/", &mut jar).await;
    assert!(jar.has("nmstat") && jar.has("JSESSIONID"));
    let got = site
        .decide(
            "action=withdraw&categories=statistics&control=link",
            &mut jar,
        )
        .await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(
        got.deletes("nmstat"),
        ["nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"],
        "host-only on 127.0.0.1"
    );
    assert!(
        got.deletes("JSESSIONID").is_empty(),
        "functional still granted"
    );
    assert!(!jar.has("nmstat") && jar.has("JSESSIONID"));
    let page = site.visit("/", &mut jar).await;
    assert!(page.sets("nmstat").is_none());
    // Withdrawing all takes the rest.
    site.decide("action=withdraw", &mut jar).await;
    assert!(!jar.has("JSESSIONID"));
}

#[tokio::test]
async fn r16_a_lapsed_grant_asks_again_and_deletes_what_it_let_in() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=accept_all", &mut jar).await;
    site.visit("/", &mut jar).await;
    // A copy of nmstat that a page script wrote without an expiry.
    jar.set("nmstat", "from-a-script");
    site.advance_days(100);
    let page = site.visit("/", &mut jar).await;
    assert!(page.json()["prompt_due_now"].as_bool().unwrap());
    assert!(!page.deletes("nmstat").is_empty());
    assert!(!jar.has("nmstat"));
}

#[tokio::test]
async fn r16_a_kept_cookie_expires_in_the_browser_when_the_consent_lapses() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=accept_all", &mut jar).await;
    site.visit("/", &mut jar).await;
    site.advance_days(100);
    jar.at(site.clock.load(std::sync::atomic::Ordering::SeqCst));
    assert!(!jar.has("nmstat"), "its Max-Age ended with the grant");
    assert!(!jar.has("JSESSIONID") || jar.0["JSESSIONID"].1.is_none());
}

/// Repeated `Sec-GPC` headers carry the signal when one of them is `1`, and
/// `0` or a word carries none: the host's rule, which the PHP plugin applies
/// to the same headers joined with commas.
#[tokio::test]
async fn r22_the_gpc_signal_is_read_by_the_hosts_rule_over_repeated_headers() {
    let site = site_with(|c| c, &["statistics"]);
    for (values, signal) in [
        (&["0", " 1 "][..], true),
        (&["0"][..], false),
        (&["true", "11"][..], false),
    ] {
        let mut req = site.get("/", &Jar::default());
        for v in values {
            req = req.header("sec-gpc", *v);
        }
        let got = site.send(req.body(Full::default()).unwrap()).await;
        assert_eq!(got.sets("samtykke").is_some(), signal, "{values:?}");
    }
}

#[tokio::test]
async fn r22_a_gpc_signal_is_a_choice_that_refuses_and_sets_the_consent_cookie() {
    let site = site_with(|c| c, &["statistics"]);
    let mut jar = Jar::default();
    let req = site
        .get("/", &jar)
        .header("sec-gpc", "1")
        .body(Full::default())
        .unwrap();
    let got = site.send(req).await;
    jar.at(T0);
    jar.apply(&got);
    assert!(
        got.sets("samtykke").is_some(),
        "the signal's refusal is stored"
    );
    assert!(got.sets("nmstat").is_none());
    assert_eq!(got.json()["decisions"]["statistics"], "signal");
    // Accept all under the signal grants what the visitor chose (R22's flag).
    let mut req = site.post("action=accept_all", &jar);
    req.headers_mut().insert("sec-gpc", "1".parse().unwrap());
    let got = site.send(req).await;
    jar.at(T0);
    jar.apply(&got);
    let mut page = site.get("/", &jar).body(Full::default()).unwrap();
    page.headers_mut().insert("sec-gpc", "1".parse().unwrap());
    let page = site.send(page).await;
    assert!(
        page.sets("nmstat").is_some(),
        "a grant made under the signal stands"
    );
    let log = site.log();
    let decision = log
        .iter()
        .find(|l| l.contains("\"event\":\"decision\""))
        .unwrap();
    assert!(decision.contains("\"gpc\":true"), "{decision}");
}

#[tokio::test]
async fn a_tampered_foreign_or_old_consent_cookie_is_a_new_visitor() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=reject_all", &mut jar).await;
    let good = jar.value("samtykke");
    let owned = policy(&[]);
    let view = owned.view();
    let mut foreign = ConsentState::new(5);
    foreign.accept_all(
        &view,
        Ctx::button(time::OffsetDateTime::from_unix_timestamp(T0).unwrap(), 1),
    );
    let mut buf = [0u8; samtykke::COOKIE_MAX_LEN];
    let n = foreign
        .encode_cookie(&view, Some(b"another site's key"), &mut buf)
        .unwrap();
    let foreign = String::from_utf8(buf[..n].to_vec()).unwrap();
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for value in [
        tampered,
        foreign,
        "v0.AAAA".to_owned(),
        "".to_owned(),
        "%%%".to_owned(),
    ] {
        let mut jar = Jar::default();
        jar.set("samtykke", &value);
        let got = site.visit("/", &mut jar).await;
        assert_eq!(got.status, StatusCode::OK, "{value}");
        assert!(got.json()["prompt_due_now"].as_bool().unwrap(), "{value}");
        assert!(got.sets("nmstat").is_none());
    }
}

#[tokio::test]
async fn a_cookie_signed_with_an_older_key_verifies_and_is_re_signed() {
    let old = site_with(|c| c, &[]);
    let mut jar = Jar::default();
    old.visit("/", &mut jar).await;
    old.decide("action=accept_all", &mut jar).await;
    let rotated = site_keyed(
        b"the new key, 32 bytes or longer!",
        |c| c.verify_also(KEY).unwrap(),
        &[],
    );
    let got = rotated.visit("/", &mut jar).await;
    assert!(
        !got.json()["prompt_due_now"].as_bool().unwrap(),
        "still decided"
    );
    assert!(got.sets("nmstat").is_some());
    assert!(
        got.sets("samtykke").is_some(),
        "re-issued under the new key"
    );
    let again = rotated.visit("/", &mut jar).await;
    assert!(
        again.sets("samtykke").is_none(),
        "now signed with the signing key"
    );
}

#[tokio::test]
async fn the_consent_cookie_names_the_policy_domain_only_on_hosts_under_it() {
    // Each case: the Host, the request target, a proxy's header, and the
    // cookie's expected Domain and Secure under the default `Secure::Auto`.
    // HTTP/1.1 carries no scheme: Secure only where a proxy says HTTPS.
    for (host, target, proxy, domain, secure) in [
        ("www.kk.dk", "/consent", None, Some("kk.dk"), false),
        (
            "kk.dk:443",
            "https://kk.dk:443/consent",
            None,
            Some("kk.dk"),
            true,
        ),
        (
            "www.kk.dk",
            "http://www.kk.dk/consent",
            None,
            Some("kk.dk"),
            false,
        ),
        (
            "www.kk.dk",
            "/consent",
            Some(("x-forwarded-proto", "http")),
            Some("kk.dk"),
            false,
        ),
        (
            "www.kk.dk",
            "/consent",
            Some(("x-forwarded-proto", "https, http")),
            Some("kk.dk"),
            true,
        ),
        (
            "www.kk.dk",
            "/consent",
            Some((
                "forwarded",
                "for=192.0.2.60;Proto=\"http\";by=203.0.113.43, proto=https",
            )),
            Some("kk.dk"),
            false,
        ),
        ("127.0.0.1:8080", "/consent", None, None, false),
        ("localhost", "/consent", None, None, false),
        ("[::1]:8080", "/consent", None, None, false),
        (
            "localhost",
            "/consent",
            Some(("forwarded", "proto=https")),
            None,
            true,
        ),
        ("kk.dk.example.net", "/consent", None, None, false),
    ] {
        let mut site = site_with(|c| c.secure(samtykke_tower::Secure::Auto), &[]);
        site.host = host.into();
        let mut req = Request::post(target)
            .header("host", host)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some((name, value)) = proxy {
            req = req.header(name, value);
        }
        let req = req
            .body(Full::new(Bytes::from_static(b"action=reject_all")))
            .unwrap();
        let got = site.send(req).await;
        let c = got.sets("samtykke").unwrap();
        assert_eq!(c.domain.as_deref(), domain, "{host} {target} {proxy:?}");
        assert_eq!(c.secure, secure, "{host} {target} {proxy:?}");
        assert_eq!(c.same_site, Some(samtykke_host::http::SameSite::Lax));
        assert_eq!(c.path, Some("/"));
    }
}

#[test]
fn s13_a_site_key_under_32_bytes_is_refused() {
    use samtykke_tower::ConfigError;
    let short = [7u8; 31];
    for key in [&b""[..], &short[..]] {
        let got = Config::new(policy(&[]), key).map(|_| ());
        assert_eq!(got, Err(ConfigError::KeyTooShort { len: key.len() }));
    }
    let err = Config::new(policy(&[]), KEY)
        .and_then(|c| c.verify_also(&short))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err, ConfigError::KeyTooShort { len: 31 });
    assert_eq!(
        err.to_string(),
        "a key of 31 bytes; a site key needs 32 or more"
    );
    assert!(Config::new(policy(&[]), &[7u8; 32]).is_ok());
}

#[tokio::test]
async fn a_cross_origin_decision_is_refused() {
    let site = site();
    let jar = Jar::default();
    // Each case: the form's headers changed (None: removed), and whether the
    // decision is taken.
    for (origin, fetch_site, taken) in [
        (Some("https://evil.example"), Some("same-origin"), false),
        (Some("https://evil.example"), None, false),
        (Some("null"), None, false),
        (None, Some("cross-site"), false),
        (None, Some("same-site"), false),
        // A page under `Referrer-Policy: no-referrer` sends `Origin: null`
        // for its own form; Sec-Fetch-Site vouches for it.
        (Some("null"), Some("same-origin"), true),
        (None, None, true),
    ] {
        let mut req = site.post("action=accept_all", &jar);
        for (name, value) in [("origin", origin), ("sec-fetch-site", fetch_site)] {
            match value {
                Some(v) => req.headers_mut().insert(name, v.parse().unwrap()),
                None => req.headers_mut().remove(name),
            };
        }
        let got = site.send(req).await;
        let case = format!("Origin {origin:?}, Sec-Fetch-Site {fetch_site:?}");
        if taken {
            assert_eq!(got.status, StatusCode::SEE_OTHER, "{case}");
            assert!(got.sets("samtykke").is_some(), "{case}");
        } else {
            assert_eq!(got.status, StatusCode::FORBIDDEN, "{case}");
            assert!(got.body.contains("cross-origin"), "{}", got.body);
            assert!(got.sets("samtykke").is_none(), "{case}");
        }
    }
}

#[tokio::test]
async fn a_decision_redirects_only_to_its_own_host() {
    let site = site();
    let jar = Jar::default();
    for (referer, want) in [
        (Some("http://127.0.0.1:8080/news?lang=en"), "/news?lang=en"),
        (Some("http://evil.example/phish"), "/"),
        (Some("//evil.example/phish"), "/"),
        (Some("/relative"), "/"),
        (Some("javascript:alert(1)"), "/"),
        (None, "/"),
    ] {
        let mut req = site.post("action=reject_all", &jar);
        req.headers_mut().remove("referer");
        if let Some(r) = referer {
            req.headers_mut().insert("referer", r.parse().unwrap());
        }
        let got = site.send(req).await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        assert_eq!(got.location.as_deref(), Some(want), "{referer:?}");
    }
}

#[tokio::test]
async fn a_bad_form_is_a_400_naming_the_field() {
    let site = site();
    let jar = Jar::default();
    for (form, says) in [
        (
            "action=save&granted=marketing",
            "unknown category \"marketing\" in `granted`",
        ),
        (
            "action=withdraw&categories=ads",
            "unknown category \"ads\" in `categories`",
        ),
        ("action=dismiss", "unknown `action` \"dismiss\""),
        ("action=bogus", "unknown `action`"),
        ("granted=statistics", "no `action`"),
        ("action=accept_all&notice=x", "`notice`"),
        ("action=accept_all&notice=0", "notice"),
        ("action=accept_all&control=signal", "signal"),
        ("action=accept_all&control=lever", "unknown `control`"),
        ("action=accept_all&consent_id=xyz", "`consent_id`"),
    ] {
        let got = site.send(site.post(form, &jar)).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(got.body.contains(says), "{form}: {}", got.body);
        assert!(got.set_cookie.is_empty(), "{form}");
    }
    let big = format!(
        "action=accept_all&pad={}",
        "x".repeat(samtykke_tower::MAX_FORM)
    );
    assert_eq!(
        site.send(site.post(&big, &jar)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let mut json = site.post("{\"action\":\"accept_all\"}", &jar);
    json.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    assert_eq!(
        site.send(json).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let put = Request::put("/consent")
        .header("host", &site.host)
        .body(Full::default())
        .unwrap();
    assert_eq!(site.send(put).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn malformed_and_oversized_cookie_headers_make_a_new_visitor() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=accept_all", &mut jar).await;
    let consent = jar.header().unwrap();
    let cases: Vec<Vec<u8>> = vec![
        format!(
            "{consent}; pad={}",
            "x".repeat(samtykke_tower::MAX_COOKIE_HEADER)
        )
        .into_bytes(),
        b"samtykke=\xff\xfe; nmstat=1".to_vec(),
        b";;;===;".to_vec(),
    ];
    // A page request whose Cookie header is `raw`, bytes as given.
    let with_cookie = |raw: &[u8]| {
        Request::get("/")
            .header("host", &site.host)
            .header(COOKIE, http::HeaderValue::from_bytes(raw).unwrap())
            .body(Full::default())
            .unwrap()
    };
    for raw in cases {
        let got = site.send(with_cookie(&raw)).await;
        assert_eq!(got.status, StatusCode::OK);
        assert!(got.json()["prompt_due_now"].as_bool().unwrap());
        assert!(got.sets("nmstat").is_none());
    }
    // Several Cookie headers (HTTP/2 sends one per cookie) are read together.
    let mut req = Request::get("/").header("host", &site.host);
    for pair in consent.split("; ") {
        req = req.header(COOKIE, pair);
    }
    let got = site.send(req.body(Full::default()).unwrap()).await;
    assert!(got.sets("nmstat").is_some());
    // Another application's cookie that is not UTF-8 is skipped alone: the
    // visitor is still the one who accepted.
    for odd in [&b"legacy=\xe6\xf8"[..], b"\xff"] {
        let mut raw = odd.to_vec();
        raw.extend_from_slice(b"; ");
        raw.extend_from_slice(consent.as_bytes());
        let got = site.send(with_cookie(&raw)).await;
        assert!(!got.json()["prompt_due_now"].as_bool().unwrap(), "{raw:?}");
        assert!(got.sets("nmstat").is_some(), "{raw:?}");
    }
}

#[tokio::test]
async fn many_set_cookie_headers_are_each_judged_once() {
    use http::Response;
    use tower::{Layer, ServiceExt};
    let sink = std::sync::Arc::new(samtykke_tower::MemorySink::new());
    let layer = Config::new(policy(&[]), KEY)
        .unwrap()
        .sink(sink.clone())
        .layer();
    let svc = layer.layer(tower::service_fn(|_req: Request<Full<Bytes>>| async {
        let mut r = Response::new(Full::<Bytes>::default());
        for i in 0..2000 {
            let h = match i % 4 {
                0 => format!("SESS{i}=1; Max-Age=600"),
                1 => format!("nmstat{i}=1"),
                2 => "no equals sign".to_owned(),
                _ => format!("nmstat=; Max-Age=0; Path=/{i}"),
            };
            r.headers_mut().append(
                SET_COOKIE,
                http::HeaderValue::from_bytes(h.as_bytes()).unwrap(),
            );
        }
        r.headers_mut().append(
            SET_COOKIE,
            http::HeaderValue::from_bytes(b"x=\xff").unwrap(),
        );
        Ok::<_, std::convert::Infallible>(r)
    }));
    let res = svc
        .oneshot(
            Request::get("/")
                .header("host", "kk.dk")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    let left: Vec<_> = res.headers().get_all(SET_COOKIE).iter().collect();
    // 500 SESS… (necessary) and 500 deletions; undeclared, unparsable and
    // non-UTF-8 ones are dropped.
    assert_eq!(left.len(), 1000);
    assert_eq!(sink.take_events().len(), 1000, "one cookie_set each");
}

#[tokio::test]
async fn r07_the_log_of_a_visit_audits_clean_and_in_the_spec_order() {
    let site = site_with(|c| c, &[]);
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await; // banner under the fresh id
    let mut log = site.log();
    let first = site.visit("/", &mut jar).await; // another fresh id
    log.extend(site.log());
    let id = form_consent_id(&first.json());
    site.decide(
        &format!("action=save&granted=statistics&consent_id={id}"),
        &mut jar,
    )
    .await;
    log.extend(site.log());
    site.visit("/", &mut jar).await;
    site.advance_days(2);
    site.visit("/consent", &mut jar).await; // the footer's settings
    site.decide(
        "action=withdraw&categories=statistics&control=link",
        &mut jar,
    )
    .await;
    site.visit("/", &mut jar).await;
    log.extend(site.log());
    assert_eq!(audit(&site, &log), Vec::<String>::new(), "{log:#?}");

    // The withdrawal request: what it sent, then the decision, then what left.
    let withdrawal: Vec<&String> = log
        .iter()
        .filter(|l| l.contains(&format!("\"visitor\":\"{id}\"")))
        .skip_while(|l| !l.contains("\"trigger\":\"user\""))
        .collect();
    let events: Vec<&str> = withdrawal
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            match v["event"].as_str().unwrap() {
                "notice_shown" => "notice_shown",
                "cookie_present" => "cookie_present",
                "decision" => "decision",
                "cookie_set" => "cookie_set",
                other => panic!("{other}"),
            }
        })
        .collect();
    let decision = events.iter().position(|e| *e == "decision").unwrap();
    assert_eq!(events[decision - 1], "cookie_present");
    assert!(events[decision + 1..]
        .iter()
        .take(2)
        .all(|e| *e == "cookie_set"));
    // Proof records: one per decision, replaying to the state.
    assert_eq!(site.sink.take_proofs().len(), 2);
}

#[tokio::test]
async fn the_settings_page_offers_the_choices_and_counts_as_a_notice_the_visitor_opened() {
    let site = site();
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await;
    site.decide("action=accept_all", &mut jar).await;
    site.log();
    let req = site
        .get("/consent?lang=en", &jar)
        .body(Full::default())
        .unwrap();
    let got = site.send(req).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with("<!doctype html>"));
    assert!(got.body.contains("<html lang=\"en\">"));
    assert!(!got.body.contains("checked"), "R1: nothing preselected");
    for action in ["save", "accept_all", "reject_all", "withdraw"] {
        assert!(
            got.body.contains(&format!("value=\"{action}\"")),
            "{action}"
        );
    }
    assert!(got.body.contains("Withdraw: Statistical cookies"));
    let log = site.log();
    assert!(log
        .iter()
        .any(|l| l.contains("\"trigger\":\"user\"") && l.contains("\"layer\":2")));
    let da = site
        .send(
            site.get("/consent", &jar)
                .header("accept-language", "en;q=0.5, da")
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert!(da.body.contains("<html lang=\"da\">"));
    // A HEAD request shows no one anything: no notice is logged.
    site.log();
    let head = site
        .send(
            http::Request::head("/consent")
                .header("host", &site.host)
                .header(COOKIE, jar.header().unwrap())
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
    let log = site.log();
    assert!(
        !log.iter().any(|l| l.contains("\"notice_shown\"")),
        "{log:?}"
    );
}

/// SPEC §6, §15: storage other than cookies reaches the page as the state
/// JSON's `clear` (and the site's script): what a refusal or a withdrawal
/// denies, nothing of what a grant permits.
#[tokio::test]
async fn r12_the_page_learns_the_storage_a_refusal_or_withdrawal_denies() {
    let site = site_of(policy_with_storage(), KEY, |c| c);
    let clear = |got: &Got| -> Vec<(String, String)> {
        let json = got.json();
        let mut out = Vec::new();
        for kind in ["local_storage", "session_storage", "indexed_db"] {
            for name in json["clear"][kind].as_array().unwrap() {
                out.push((kind.to_owned(), name.as_str().unwrap().to_owned()));
            }
        }
        out
    };
    let pair = |k: &str, n: &str| (k.to_owned(), n.to_owned());
    let mut jar = Jar::default();
    // Undecided: no consent category's storage is permitted.
    let first = site.visit("/", &mut jar).await;
    assert_eq!(
        clear(&first),
        [
            pair("local_storage", "_pk_*"),
            pair("session_storage", "tab"),
            pair("indexed_db", "pk-db"),
        ]
    );
    site.decide("action=accept_all", &mut jar).await;
    assert_eq!(clear(&site.visit("/", &mut jar).await), []);
    site.decide("action=withdraw&categories=statistics", &mut jar)
        .await;
    assert_eq!(
        clear(&site.visit("/", &mut jar).await),
        [pair("local_storage", "_pk_*"), pair("indexed_db", "pk-db")]
    );
}

#[tokio::test]
async fn the_page_script_learns_what_to_clear() {
    let site = site();
    let mut jar = Jar::default();
    let got = site.visit("/", &mut jar).await;
    let clear = &got.json()["clear"];
    for kind in ["local_storage", "session_storage", "indexed_db"] {
        assert!(clear[kind].is_array(), "{kind}");
    }
}

/// Each `cookie_set` line of the site's log names the cookie of a `Set-Cookie`
/// header that left and how long that header lets it live (`max_age_s`, none for
/// a session cookie, 0 for a deletion), and never its value (a login's token, in
/// a log handed to auditors): a kept header and a shortened one whose value is
/// UTF-8 beyond ASCII, and the layer's own: a consent cookie signed again under
/// the current key, and the deletions of a refused cookie the browser still
/// holds.
#[tokio::test]
async fn s15_each_cookie_set_line_names_the_cookie_that_left_and_not_its_value() {
    use http::Response;
    use tower::{Layer, ServiceExt};
    const OLD_KEY: &[u8] = b"last year's key, still verifying";
    let now = time::macros::datetime!(2026-03-10 12:00 UTC);
    let t0 = time::macros::datetime!(2026-03-01 10:00 UTC);
    let owned = policy(&[]);
    let view = owned.view();
    let cookie_of = |state: &ConsentState, key: &[u8]| {
        let mut buf = [0u8; samtykke::COOKIE_MAX_LEN];
        let n = state.encode_cookie(&view, Some(key), &mut buf).unwrap();
        format!(
            "{}={}",
            view.policy().consent_cookie.name,
            std::str::from_utf8(&buf[..n]).unwrap()
        )
    };
    let mut accepted = ConsentState::new(9);
    accepted.accept_all(&view, Ctx::button(t0, 1));
    let mut refused = ConsentState::new(10);
    refused.reject_all(&view, Ctx::button(t0, 1));
    let sink = std::sync::Arc::new(samtykke_tower::MemorySink::new());
    let layer = Config::new(policy(&[]), KEY)
        .and_then(|c| c.verify_also(OLD_KEY))
        .unwrap()
        .sink(sink.clone())
        .clock(move || now)
        .layer();
    let svc = layer.layer(tower::service_fn(|_req: Request<Full<Bytes>>| async {
        let mut r = Response::new(Full::<Bytes>::default());
        for h in [
            "nmstat=æø; Max-Age=86400000; Path=/",
            "JSESSIONID=s3cr3t-t0ken; Path=/",
        ] {
            r.headers_mut().append(
                SET_COOKIE,
                http::HeaderValue::from_bytes(h.as_bytes()).unwrap(),
            );
        }
        Ok::<_, std::convert::Infallible>(r)
    }));
    let send = |cookie: String| {
        let (svc, sink) = (svc.clone(), sink.clone());
        async move {
            let res = svc
                .oneshot(
                    Request::get("/")
                        .header("host", "kk.dk")
                        .header(COOKIE, cookie)
                        .body(Full::default())
                        .unwrap(),
                )
                .await
                .unwrap();
            let left: Vec<String> = res
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| String::from_utf8(v.as_bytes().to_vec()).unwrap())
                .collect();
            let lines: Vec<String> = sink
                .take_events()
                .into_iter()
                .filter(|l| l.contains(r#""event":"cookie_set""#))
                .collect();
            for (line, header) in lines.iter().zip(&left) {
                let value = header.split(';').next().unwrap().split_once('=').unwrap().1;
                if !value.is_empty() {
                    assert!(!line.contains(value), "the value is logged: {line}");
                }
            }
            let logged: Vec<(String, Option<i64>)> = lines
                .iter()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .map(|v| {
                    assert!(v.get("set_cookie").is_none(), "{v}");
                    (
                        v["cookie"].as_str().unwrap().to_owned(),
                        v["max_age_s"].as_i64(),
                    )
                })
                .collect();
            // What each header that left says, read here by hand: its name, and
            // its Max-Age (the layer writes one on every cookie that is not a
            // session cookie), never below 0.
            let said: Vec<(String, Option<i64>)> = left
                .iter()
                .map(|h| {
                    let name = h.split('=').next().unwrap().trim().to_owned();
                    let max_age = h.split(';').skip(1).find_map(|a| {
                        let (k, v) = a.trim().split_once('=')?;
                        k.eq_ignore_ascii_case("max-age")
                            .then(|| v.parse::<i64>().unwrap().max(0))
                    });
                    (name, max_age)
                })
                .collect();
            (left, logged, said)
        }
    };

    // Accepted all: both kept, nmstat shortened to the consent's lapse.
    let (left, logged, said) = send(cookie_of(&accepted, KEY)).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].starts_with("nmstat=æø; Max-Age="), "{left:?}");
    assert!(!left[0].contains("86400000"), "shortened: {left:?}");
    assert_eq!(logged, said);
    assert_eq!(
        logged[1],
        ("JSESSIONID".to_owned(), None),
        "a session cookie"
    );

    // Refused all, under last year's key, still holding nmstat: the consent
    // cookie signed again and nmstat's deletions are the layer's own headers.
    let (left, logged, said) = send(format!("{}; nmstat=1", cookie_of(&refused, OLD_KEY))).await;
    let consent = format!("{}=", view.policy().consent_cookie.name);
    assert!(left.iter().any(|h| h.starts_with(&consent)), "{left:?}");
    assert!(
        left.iter()
            .any(|h| h.starts_with("nmstat=;") && h.contains("Max-Age=0")),
        "{left:?}"
    );
    assert!(!left.iter().any(|h| h.starts_with("nmstat=æø")), "{left:?}");
    assert_eq!(logged, said);
    assert!(
        logged.contains(&("nmstat".to_owned(), Some(0))),
        "{logged:?}"
    );
}

/// `Consent` as an axum extractor: a handler under the layer gets the request's
/// state (a new visitor's, then the one the consent cookie carries); a route
/// without the layer answers 500 with a message naming what is missing.
#[tokio::test]
async fn s15_the_axum_extractor_hands_a_handler_the_visitors_state() {
    use axum::routing::get;
    use samtykke_tower::Consent;
    use tower::ServiceExt;
    async fn page(consent: Consent) -> String {
        format!(
            "{} {} {}",
            consent.consent_id(),
            consent.is_new_visitor(),
            consent.permits("nmstat")
        )
    }
    let layer = Config::new(policy(&[]), KEY).unwrap().layer();
    let app = axum::Router::new().route("/", get(page)).layer(layer);
    let body = |res: http::Response<axum::body::Body>| async move {
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    let req = |cookie: Option<String>| {
        let mut r = Request::get("/").header("host", "kk.dk");
        if let Some(c) = cookie {
            r = r.header(COOKIE, c);
        }
        r.body(axum::body::Body::empty()).unwrap()
    };
    let first = body(app.clone().oneshot(req(None)).await.unwrap()).await;
    let [id, new, nmstat] = first.split(' ').collect::<Vec<_>>()[..] else {
        panic!("{first}")
    };
    assert_eq!((new, nmstat), ("true", "false"), "{first}");
    assert_eq!(id.len(), 32, "{first}");

    // A returning visitor who accepted all: the state their cookie carries.
    let owned = policy(&[]);
    let view = owned.view();
    let mut s = ConsentState::new(0xabc);
    s.accept_all(&view, Ctx::button(time::OffsetDateTime::now_utc(), 1));
    let mut buf = [0u8; samtykke::COOKIE_MAX_LEN];
    let n = s.encode_cookie(&view, Some(KEY), &mut buf).unwrap();
    let cookie = format!(
        "{}={}",
        view.policy().consent_cookie.name,
        std::str::from_utf8(&buf[..n]).unwrap()
    );
    let back = body(app.oneshot(req(Some(cookie))).await.unwrap()).await;
    assert_eq!(
        back,
        format!("{:032x} false true", s.consent_id()),
        "{back}"
    );

    // Without the layer.
    let bare = axum::Router::new().route("/", get(page));
    let res = bare.oneshot(req(None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body(res).await.contains("needs ConsentLayer"));
}

/// Within a request, the log's events come in SPEC §15's order: a page with
/// `Sec-GPC: 1` that shows the banner (`cookie_present`, `signal`,
/// `notice_shown`, `cookie_set`), and a decision posted with `Sec-GPC: 1`
/// (`cookie_present`, `decision`, `cookie_set`).
#[tokio::test]
async fn r07_each_requests_events_come_in_the_spec_order() {
    const ORDER: [&str; 5] = [
        "cookie_present",
        "signal",
        "notice_shown",
        "decision",
        "cookie_set",
    ];
    let site = site_with(|c| c, &["statistics"]);
    let mut jar = Jar::default();
    site.visit("/", &mut jar).await; // SESSabc set, banner shown
    site.log();
    let events = |log: Vec<String>| -> Vec<String> {
        log.iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["event"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    let ranked = |events: &[String]| {
        let ranks: Vec<usize> = events
            .iter()
            .map(|e| ORDER.iter().position(|o| o == e).unwrap())
            .collect();
        ranks.windows(2).all(|w| w[0] <= w[1])
    };

    let mut page = site.get("/", &jar).body(Full::default()).unwrap();
    page.headers_mut().insert("sec-gpc", "1".parse().unwrap());
    let got = site.send(page).await;
    jar.apply(&got);
    let page = events(site.log());
    assert!(ranked(&page), "{page:?}");
    for e in ["cookie_present", "signal", "notice_shown", "cookie_set"] {
        assert!(page.iter().any(|p| p == e), "{e} missing: {page:?}");
    }

    let mut post = site.post("action=accept_all", &jar);
    post.headers_mut().insert("sec-gpc", "1".parse().unwrap());
    let got = site.send(post).await;
    jar.apply(&got);
    let post = events(site.log());
    assert!(ranked(&post), "{post:?}");
    for e in ["cookie_present", "decision", "cookie_set"] {
        assert!(post.iter().any(|p| p == e), "{e} missing: {post:?}");
    }
}

/// A new revision of the policy that changed statistics outdates a grant given
/// under the old one: the layer deletes nmstat (with `Secure` on an HTTPS-only
/// site), keeps JSESSIONID (functional did not change) and asks again.
#[tokio::test]
async fn r17_a_grant_outdated_by_a_new_revision_has_its_cookies_deleted() {
    use samtykke_tower::Secure;
    let old = site_with(|c| c.secure(Secure::Always), &[]);
    let mut jar = Jar::default();
    old.visit("/", &mut jar).await;
    old.decide("action=accept_all", &mut jar).await;
    old.visit("/", &mut jar).await;
    assert!(jar.has("nmstat") && jar.has("JSESSIONID"));
    assert!(!old.visit("/", &mut jar).await.json()["prompt_due_now"]
        .as_bool()
        .unwrap());

    let new = site_of(policy_revised(), KEY, |c| c.secure(Secure::Always));
    let got = new.visit("/", &mut jar).await;
    let deletions = got.deletes("nmstat");
    assert!(!deletions.is_empty(), "{:?}", got.set_cookie);
    for d in &deletions {
        assert!(d.ends_with("; Secure"), "{d}");
    }
    assert!(got.deletes("JSESSIONID").is_empty(), "{:?}", got.set_cookie);
    assert!(!jar.has("nmstat") && jar.has("JSESSIONID"));
    assert!(
        got.json()["prompt_due_now"].as_bool().unwrap(),
        "asked again"
    );
}
