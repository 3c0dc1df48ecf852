//! The core allocates nothing (SPEC §12): every operation a host calls per request
//! or per event, the consent cookie's codec and key preparation included, runs here under a counting global allocator, on the kk.dk policy
//! and on a large one, and any heap allocation fails the run.
//!
//! This is a test binary of its own (`harness = false`), so the allocator sees
//! only this file's work, on one thread, with no test harness allocating beside
//! it. It closes with `N passed, M failed` and exits non-zero on any failure.

use std::fmt::Write as _;
use std::hint::black_box;
use std::process::ExitCode;

use samtykke::example::KK_DK;
use samtykke::{
    may_purge, proof_ended_at, CategorySet, ConsentState, Control, CookieKey, Ctx, Event, Kind,
    Policy, Proof, ProviderSet, ValidPolicy, COOKIE_MAX_LEN,
};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Tallies of the checks run so far.
#[derive(Debug, Default)]
struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    /// Runs `f` and records whether it allocated.
    fn none<R>(&mut self, what: &str, f: impl FnOnce() -> R) -> R {
        let region = Region::new(GLOBAL);
        let out = black_box(f());
        let change = region.change();
        let allocated = change.allocations + change.reallocations;
        if allocated == 0 {
            self.passed += 1;
            println!("ok      {what}");
        } else {
            self.failed += 1;
            println!(
                "FAILED  {what}: {} allocations, {} reallocations, {} bytes",
                change.allocations, change.reallocations, change.bytes_allocated
            );
        }
        out
    }
}

/// A `fmt::Write` into a fixed buffer, to render errors without a `String`.
struct Fixed {
    buf: [u8; 256],
    len: usize,
}

impl std::fmt::Write for Fixed {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn ctx(at: OffsetDateTime, gpc: bool) -> Ctx {
    Ctx {
        at,
        notice: 1,
        control: Control::Toggle,
        gpc,
    }
}

/// Every event, query and replay the core offers, on `policy`; `present` are names
/// a request may carry (exact hits, pattern hits and misses).
fn exercise(checks: &mut Checks, label: &str, policy: &ValidPolicy<'_>, present: &[&str]) {
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let all = policy.consent_slots();
    let first = all
        .slots()
        .next()
        .map_or(CategorySet::EMPTY, |s| CategorySet::EMPTY.with(s));
    let refused_providers = policy.provider_slots();
    let events = [
        Event::Dismiss(t0),
        Event::Scroll(t0),
        Event::Navigate(t0),
        Event::Idle(t0),
        Event::SignalGpc(t0),
        Event::AcceptAll(ctx(t0 + Duration::seconds(1), false)),
        Event::SignalGpc(t0 + Duration::seconds(2)),
        Event::Save {
            chosen: all,
            refused_providers,
            ctx: ctx(t0 + Duration::seconds(3), true),
        },
        Event::SignalGpc(t0 + Duration::seconds(4)),
        Event::Withdraw {
            categories: Some(first),
            ctx: ctx(t0 + Duration::days(1), false),
        },
        Event::Withdraw {
            categories: None,
            ctx: ctx(t0 + Duration::days(2), false),
        },
        Event::RejectAll(ctx(t0 + Duration::days(3), false)),
        Event::Save {
            chosen: first,
            refused_providers: ProviderSet::EMPTY,
            ctx: ctx(t0 + Duration::days(4), false),
        },
    ];
    let mut state = ConsentState::new(7);
    let mut proofs = [None::<Proof>; 13];
    for (i, event) in events.iter().enumerate() {
        let what = format!("{label}: apply {:?}", event.action());
        proofs[i] = checks.none(&what, || state.apply(policy, event));
    }

    let mut s = ConsentState::new(8);
    let at = t0 + Duration::days(5);
    checks.none(&format!("{label}: accept_all"), || {
        s.accept_all(policy, ctx(at, false))
    });
    checks.none(&format!("{label}: reject_all"), || {
        s.reject_all(policy, ctx(at, false))
    });
    checks.none(&format!("{label}: save"), || {
        s.save(policy, first, refused_providers, ctx(at, false))
    });
    checks.none(&format!("{label}: withdraw"), || {
        s.withdraw(policy, None, ctx(at, false))
    });
    checks.none(&format!("{label}: signal_gpc"), || s.signal_gpc(policy, at));
    checks.none(&format!("{label}: dismiss, scroll, navigate, idle"), || {
        (
            s.apply(policy, &Event::Dismiss(at)),
            s.apply(policy, &Event::Scroll(at)),
            s.apply(policy, &Event::Navigate(at)),
            s.apply(policy, &Event::Idle(at)),
        )
    });

    let later = t0 + Duration::days(200);
    for now in [t0 + Duration::days(4), later] {
        checks.none(&format!("{label}: permits every present name"), || {
            present
                .iter()
                .filter(|n| state.permits(policy, n, now).is_allowed())
                .count()
        });
        checks.none(&format!("{label}: permits_kind for other kinds"), || {
            let mut allowed = 0;
            for kind in Kind::ALL {
                for n in present {
                    allowed += usize::from(state.permits_kind(policy, kind, n, now).is_allowed());
                }
            }
            allowed
        });
        checks.none(&format!("{label}: prompt_due"), || {
            state.prompt_due(policy, now)
        });
        checks.none(
            &format!("{label}: category_status of each category"),
            || {
                policy
                    .policy()
                    .categories
                    .iter()
                    .map(|c| state.category_status(policy, c, now))
                    .filter(|s| s.is_permitted())
                    .count()
            },
        );
        checks.none(&format!("{label}: consent_mode (SPEC §16)"), || {
            state.consent_mode(policy, now).bits()
        });
        checks.none(
            &format!("{label}: Consent Mode claims of gcs and gcd"),
            || {
                samtykke::ConsentModeClaims::from_gcs("G111")
                    .union_granted(samtykke::ConsentModeClaims::from_gcd("13r3r3r3r5"))
                    .bits()
            },
        );
        checks.none(&format!("{label}: toggles and expires"), || {
            (state.toggles(policy, now), state.expires(policy))
        });
        checks.none(&format!("{label}: deletion_plan iteration"), || {
            state
                .deletion_plan(policy, now, present.iter().copied())
                .map(|d| d.name.len() + d.category.id.len())
                .sum::<usize>()
        });
        checks.none(&format!("{label}: storage_to_clear iteration"), || {
            state.storage_to_clear(policy, now).count()
        });
    }

    let records = proofs.iter().flatten();
    let records: Vec<Proof> = records.copied().collect();
    checks.none(&format!("{label}: replay"), || {
        ConsentState::replay(policy, 7, &records)
    });
    checks.none(&format!("{label}: apply_proof"), || {
        let mut r = ConsentState::new(7);
        for p in &records {
            r.apply_proof(policy, p);
        }
        r
    });
    checks.none(&format!("{label}: proof_ended_at and may_purge"), || {
        (0..records.len())
            .filter(|&i| {
                proof_ended_at(policy, &records, i).is_some()
                    && may_purge(policy, &records, i, later)
            })
            .count()
    });
    cookie_codec(checks, label, policy, &state);
    checks.none(&format!("{label}: to_parts and from_parts"), || {
        ConsentState::from_parts(&state.to_parts())
    });
    let (categories, providers, _) = checks.none(&format!("{label}: lookups and sets"), || {
        let ids = [policy.policy().categories[0].id];
        (
            policy.category_set(&ids),
            policy.provider_set(&[policy.policy().providers[0].id]),
            present
                .iter()
                .filter(|n| policy.lookup(Kind::Cookie, n).is_some())
                .count(),
        )
    });
    assert!(categories.is_ok() && providers.is_ok(), "declared ids");
    checks.none(&format!("{label}: fingerprint and facts"), || {
        (
            policy.fingerprint(),
            policy.consent_cookie_max_age(),
            policy.gpc_slots(),
            policy.necessary(),
        )
    });
}

/// The consent cookie (SPEC §5): preparing a key, encoding and decoding with and
/// without one, the prepared-key fast paths, and the error paths (a buffer too
/// small, a value that is not a cookie, a tag that does not verify).
fn cookie_codec(checks: &mut Checks, label: &str, policy: &ValidPolicy<'_>, state: &ConsentState) {
    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    let key = checks.none(&format!("{label}: CookieKey::new"), || {
        CookieKey::new(SECRET)
    });
    checks.none(
        &format!("{label}: CookieKey::new, a key over a block"),
        || CookieKey::new(&[7u8; 100]),
    );
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let mut other = [0u8; COOKIE_MAX_LEN];
    let unsigned = checks.none(&format!("{label}: encode_cookie, unsigned"), || {
        state.encode_cookie(policy, None, &mut buf)
    });
    let signed = checks.none(&format!("{label}: encode_cookie, signed"), || {
        state.encode_cookie(policy, Some(SECRET), &mut other)
    });
    let (Ok(unsigned), Ok(signed)) = (unsigned, signed) else {
        println!("FAILED  {label}: the state does not encode");
        checks.failed += 1;
        return;
    };
    checks.none(
        &format!("{label}: encode_cookie_with a prepared key"),
        || {
            let mut out = [0u8; COOKIE_MAX_LEN];
            state
                .encode_cookie_with(policy, Some(&key), &mut out)
                .is_ok()
        },
    );
    checks.none(
        &format!("{label}: encode_cookie into a short buffer"),
        || {
            state
                .encode_cookie(policy, Some(SECRET), &mut [0u8; 4])
                .is_err()
        },
    );
    let decoded = checks.none(&format!("{label}: decode_cookie, unsigned"), || {
        ConsentState::decode_cookie(policy, &buf[..unsigned], None)
    });
    let verified = checks.none(&format!("{label}: decode_cookie, signed"), || {
        ConsentState::decode_cookie(policy, &other[..signed], Some(SECRET))
    });
    checks.none(
        &format!("{label}: decode_cookie_with a prepared key"),
        || ConsentState::decode_cookie_with(policy, &other[..signed], Some(&key)) == Ok(*state),
    );
    checks.none(&format!("{label}: decode_cookie errors"), || {
        let wrong = CookieKey::new(b"another key");
        (
            ConsentState::decode_cookie_with(policy, &other[..signed], Some(&wrong)).is_err(),
            ConsentState::decode_cookie(policy, b"v1.!!", None).is_err(),
            ConsentState::decode_cookie(policy, &buf[..unsigned], Some(SECRET)).is_err(),
        )
    });
    if decoded != Ok(*state) || verified != Ok(*state) {
        println!("FAILED  {label}: the cookie does not read back");
        checks.failed += 1;
    }
}

/// Validation with a caller's slice index, and its error path.
fn validation<'a>(checks: &mut Checks, label: &str, policy: Policy<'a>, index: &'a mut [u16]) {
    let broken = Policy {
        consent_ttl_days: 0,
        ..policy
    };
    let mut spare = [0u16; 0];
    let err = checks.none(&format!("{label}: validate, an error"), || {
        broken.validate(&mut spare).map(|_| ())
    });
    checks.none(
        &format!("{label}: render the error into a fixed buffer"),
        || {
            let mut out = Fixed {
                buf: [0; 256],
                len: 0,
            };
            if let Err(e) = err {
                let _ = write!(out, "{e}");
            }
            out.len
        },
    );
    let valid = checks.none(&format!("{label}: validate with a slice index"), || {
        policy.validate(index)
    });
    if let Err(e) = valid {
        println!("FAILED  {label}: does not validate: {e}");
        checks.failed += 1;
    }
}

/// The TC string and GPP decoders (SPEC §16): decoding, every vendor set's
/// iterator, lookups, restrictions, warnings, sections and their errors.
fn iab_strings(checks: &mut Checks) {
    use samtykke::gpp::{GppString, Section};
    use samtykke::tcf::TcString;
    // IABTechLab/iabgpp-java's TcfEuV2Test testDecode3 (allowed, disclosed and
    // publisher segments) and testDecode7 (ranges and a restriction).
    const FOUR: &str = "CPcqBNJPcqBNJNwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.YAAAAAAAAAA.QGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g.IGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g";
    const RANGES: &str = "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA";
    const GPP: &str = "DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN";
    const USNAT: &str = "DBABLA~BVVVVVVVVWA.YA";
    for (label, s) in [("four segments", FOUR), ("ranges", RANGES)] {
        let total = checks.none(
            &format!("tcf: decode and walk, {label} (SPEC §16)"),
            || {
                let t = TcString::decode(s.as_bytes()).ok()?;
                let mut n = t.vendor_consents.iter().count() + t.vendor_li.iter().count();
                n += usize::from(t.vendor_consents.contains(755));
                for r in t.publisher_restrictions.iter() {
                    n += r.vendors.iter().count();
                }
                for set in [t.disclosed_vendors, t.allowed_vendors]
                    .into_iter()
                    .flatten()
                {
                    n += set.iter().count() + usize::from(set.contains(12));
                }
                n += t.purposes_consent.iter().count() + t.warnings().count();
                n += t.created_at().year() as usize;
                Some(n)
            },
        );
        assert!(total.is_some());
    }
    checks.none("tcf: an error and its message (SPEC §16)", || {
        let e = TcString::decode(b"CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA").err()?;
        let mut out = Fixed {
            buf: [0; 256],
            len: 0,
        };
        write!(out, "{e}").ok()?;
        Some(out.len)
    });
    for (label, s) in [("tcfeuv2 and uspv1", GPP), ("usnat", USNAT)] {
        checks.none(
            &format!("gpp: decode and walk, {label} (SPEC §16)"),
            || {
                let g = GppString::decode(s.as_bytes()).ok()?;
                let mut n = g.section_ids().count();
                for section in g.sections() {
                    n += section.raw.len();
                    n += match section.section {
                        Section::TcfEuV2(t) => t.vendor_consents.iter().count(),
                        Section::UsNat(u) => u.sensitive_data_processing().len(),
                        _ => 1,
                    };
                }
                Some(n)
            },
        );
    }
    checks.none("gpp: a count mismatch and its message (SPEC §16)", || {
        let e = GppString::decode(b"DBABTA~1YNN~1YNN").err()?;
        let mut out = Fixed {
            buf: [0; 256],
            len: 0,
        };
        write!(out, "{e}").ok()?;
        Some(out.len)
    });
}

fn main() -> ExitCode {
    let mut checks = Checks::default();

    // The counter must see allocations, or every check below would pass vacuously.
    let region = Region::new(GLOBAL);
    drop(black_box(Vec::<u8>::with_capacity(16)));
    if region.change().allocations == 0 {
        println!("FAILED  the counting allocator saw no allocation");
        checks.failed += 1;
    } else {
        checks.passed += 1;
        println!("ok      the counting allocator sees allocations");
    }

    // kk.dk with a Google Consent Mode mapping, so validation checks it and
    // `consent_mode` reads categories (SPEC §16).
    use samtykke::{ConsentModeMap, ConsentModeType as T};
    let kk_dk = Policy {
        consent_mode: ConsentModeMap::NONE
            .with(T::AnalyticsStorage, 2)
            .with(T::FunctionalityStorage, 1)
            .with(T::SecurityStorage, 0),
        ..KK_DK
    };
    let mut kk_index = [0u16; 7];
    validation(&mut checks, "kk.dk", kk_dk, &mut kk_index);
    let mut kk_index = [0u16; 7];
    let kk = kk_dk.validate(&mut kk_index).expect("kk.dk is valid");
    let kk_present = [
        "nmstat",
        "SESS1a2b",
        "JSESSIONID",
        "closed-emergency-banner-3",
        "samtykke",
        "ad_session_id",
        "foo",
        "_ga",
    ];
    exercise(&mut checks, "kk.dk", &kk, &kk_present);

    let large = samtykke_testkit::large_policy(500, 50);
    let mut large_index = vec![0u16; large.storage.len()];
    validation(&mut checks, "large", large.policy(), &mut large_index);
    let mut large_index = vec![0u16; large.storage.len()];
    let large_valid = large
        .policy()
        .validate(&mut large_index)
        .expect("the large policy is valid");
    let large_present = [
        "cookie77",
        "cookie499",
        "glob3_x",
        "glob49_",
        "samtykke",
        "cookie500",
        "glob3",
        "unknown",
    ];
    exercise(&mut checks, "large", &large_valid, &large_present);
    iab_strings(&mut checks);

    println!("{} passed, {} failed", checks.passed, checks.failed);
    if checks.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
