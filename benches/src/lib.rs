//! Helpers of samtykke's benchmarks alone: median-of-batches timers, a seeded
//! random number generator for inputs in random order, and generated policies.
//!
//! Benchmarks here run with `harness = false` and report medians, so a noisy
//! machine moves the figures less than a mean would. Figures that are compared
//! are measured batch by batch, interleaved ([`interleaved_medians`]), so a load
//! that comes and goes moves both sides of a ratio alike.

use std::hint::black_box;
use std::time::Instant;

/// Times `f` over `batches` batches of `per_batch` calls and returns the median
/// nanoseconds per call.
pub fn median_ns<F: FnMut(usize)>(batches: usize, per_batch: usize, mut f: F) -> f64 {
    // Warm caches and branch predictors first.
    for i in 0..per_batch {
        f(i);
    }
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for i in 0..per_batch {
                f(black_box(i));
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// Times several workloads in the same run, one batch of each in turn, and
/// returns each one's median nanoseconds per call, in the order given.
///
/// Interleaving the batches keeps a ratio of two of these figures fair on a
/// machine whose load changes during the run: both sides see the same load.
/// Each workload is called with a running count (batch × `per_batch` + call),
/// so one that indexes a sequence with it walks the whole sequence across
/// batches. Keep batches short (well under a scheduler time slice, ~100 µs):
/// on a busy machine a long batch is nearly always preempted, and the median
/// then measures the other processes too.
pub fn interleaved_medians(
    batches: usize,
    per_batch: usize,
    workloads: &mut [&mut dyn FnMut(usize)],
) -> Vec<f64> {
    // Warm caches and branch predictors first.
    for f in workloads.iter_mut() {
        for i in 0..per_batch {
            f(i);
        }
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(batches); workloads.len()];
    for b in 0..batches {
        for (f, times) in workloads.iter_mut().zip(&mut samples) {
            let start = Instant::now();
            for i in b * per_batch..(b + 1) * per_batch {
                f(black_box(i));
            }
            times.push(start.elapsed().as_nanos() as f64 / per_batch as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        })
        .collect()
}

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`), or
/// `None` where that clock is not available.
///
/// On a shared machine a long measurement is preempted; CPU time leaves out the
/// time spent waiting for a core, which wall time counts.
pub fn thread_cpu_ns() -> Option<u64> {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        u64::try_from(t.tv_sec)
            .ok()?
            .checked_mul(1_000_000_000)?
            .checked_add(u64::try_from(t.tv_nsec).ok()?)
    }
    #[cfg(not(unix))]
    None
}

/// A small seeded generator (PCG-style LCG with an xorshift output), so that
/// inputs in random order are the same on every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        (x ^ (x >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd) ^ (x >> 29)
    }

    /// A number in `0..n` (`n` > 0; the slight bias of a modulus is harmless here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A sequence of `len` names in random order, drawn in equal parts from each of
/// `pools` (each pool walked in a shuffled order of its own, so every name of a
/// pool is used), then shuffled as a whole with `seed`. Deterministic.
pub fn shuffled_names<'a>(pools: &[&[&'a str]], len: usize, seed: u64) -> Vec<&'a str> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len);
    let mut orders: Vec<Vec<usize>> = pools
        .iter()
        .map(|p| {
            let mut o: Vec<usize> = (0..p.len()).collect();
            rng.shuffle(&mut o);
            o
        })
        .collect();
    for k in 0..len {
        let pool = k % pools.len();
        let order = &mut orders[pool];
        let at = (k / pools.len()) % order.len();
        out.push(pools[pool][order[at]]);
    }
    rng.shuffle(&mut out);
    out
}

/// Owned data of a generated policy; [`Generated::declarations`] borrows it.
#[derive(Debug)]
pub struct Generated {
    /// Storage names, exact and patterns.
    pub names: Vec<String>,
    /// Names that hit exact declarations.
    pub exact_hits: Vec<String>,
    /// Names that hit only patterns.
    pub glob_hits: Vec<String>,
    /// Names no declaration covers.
    pub misses: Vec<String>,
}

impl Generated {
    /// A policy of `total` declarations of which `globs` are patterns, spread over
    /// the kk.dk categories and providers.
    pub fn new(total: usize, globs: usize) -> Generated {
        let mut names = Vec::with_capacity(total);
        let mut exact_hits = Vec::new();
        let mut glob_hits = Vec::new();
        let mut misses = Vec::new();
        for i in 0..total - globs {
            let name = format!("cookie_{i:04}_{}", ["sid", "pref", "stat", "ab"][i % 4]);
            exact_hits.push(name.clone());
            names.push(name);
        }
        for i in 0..globs {
            names.push(format!("_tracker{i:02}_*"));
            glob_hits.push(format!("_tracker{i:02}_{}", 1000 + i * 7));
        }
        for i in 0..total.max(1) {
            misses.push(format!("unknown_{i:04}"));
        }
        Generated {
            names,
            exact_hits,
            glob_hits,
            misses,
        }
    }

    /// A policy of `total` declarations of which `globs` are patterns of mixed
    /// shapes, the harder cases beside [`Generated::new`]'s one shape:
    ///
    /// - a leading `*` or `?` (no literal prefix, so every lookup that finds
    ///   nothing longer tries each of them against the whole name);
    /// - short literal prefixes (1–3 bytes), shared by many names;
    /// - medium and long literal prefixes (5–52 bytes) of many different
    ///   lengths, since a lookup searches once per prefix length the policy has;
    /// - a `*` or `?` inside the name, and more than one `*`.
    ///
    /// Exact names vary in length and shape too. Hits and misses are built for
    /// each shape, including near misses (a pattern's prefix with the wrong
    /// rest); a caller checks them against the validated policy
    /// ([`Generated::classified`]), since two shapes may overlap.
    pub fn mixed(total: usize, globs: usize) -> Generated {
        let mut names = Vec::with_capacity(total);
        let mut exact_hits = Vec::new();
        let mut glob_hits = Vec::new();
        let mut misses = Vec::new();
        let stems = [
            "_ga_",
            "sess",
            "pref_",
            "__Host-id",
            "AMCV_",
            "x",
            "consent_banner_state_for_visitor_",
            "uid",
            "Drupal.visitor.",
        ];
        for i in 0..total - globs {
            let name = format!("{}{i}", stems[i % stems.len()]);
            exact_hits.push(name.clone());
            names.push(name);
        }
        let short = ["Q", "Zq", "Vx_", "W", "Yk", "Jp_"];
        for i in 0..globs {
            let k = i / 5;
            let (pattern, hits, near): (String, Vec<String>, Vec<String>) = match i % 5 {
                // No literal prefix.
                0 if k % 2 == 0 => (
                    format!("*_px{i:02}"),
                    vec![
                        format!("seg{}_px{i:02}", i * 37),
                        format!("a_b_c_d_e_f_g_h_px{i:02}"),
                    ],
                    vec![
                        format!("seg_px{i:02}x"),
                        format!("a_b_c_d_e_f_g_h_qx{i:02}"),
                    ],
                ),
                0 => (
                    format!("?_v{i:02}_*"),
                    vec![format!("a_v{i:02}_1"), format!("b_v{i:02}_long_tail_{i}")],
                    vec![format!("ab_v{i:02}_1"), format!("a_w{i:02}_1")],
                ),
                // Short literal prefixes.
                1 => {
                    let p = short[k % short.len()];
                    (
                        format!("{p}*_{i:02}"),
                        vec![format!("{p}abc_{i:02}"), format!("{p}{i}xyz_q_{i:02}")],
                        vec![format!("{p}abc_{i:02}z"), format!("{p}_")],
                    )
                }
                // Medium prefixes, one length each.
                2 => {
                    let p = format!("_trk{}_", "x".repeat(k));
                    (
                        format!("{p}*"),
                        vec![format!("{p}{}", 1000 + i * 7), format!("{p}id_{i}")],
                        vec![format!("_trk{}y", "x".repeat(k)), format!("_tr{i}")],
                    )
                }
                // Long prefixes, one length each.
                3 => {
                    let p = format!("_vendor_analytics_{}_{i:02}_", "segment".repeat(k / 2 + 1));
                    (
                        format!("{p}*"),
                        vec![format!("{p}{}", i * 91), format!("{p}a")],
                        vec![
                            format!("_vendor_analytics_{}_{i:02}", "segment".repeat(k / 2 + 1)),
                            format!("_vendor_analytics_{}_99_1", "segment".repeat(k / 2 + 1)),
                        ],
                    )
                }
                // A wildcard inside, or two stars.
                _ if k % 2 == 0 => (
                    format!("ab{i:02}_*_id*"),
                    vec![format!("ab{i:02}_x_id"), format!("ab{i:02}_x_y_z_id_9")],
                    vec![format!("ab{i:02}_x_ix"), format!("ab{i:02}x_id")],
                ),
                _ => (
                    format!("mv{i:02}_??_*"),
                    vec![format!("mv{i:02}_de_1"), format!("mv{i:02}_en_long_{i}")],
                    vec![format!("mv{i:02}_d"), format!("mv{i:02}_x1")],
                ),
            };
            names.push(pattern);
            glob_hits.extend(hits);
            misses.extend(near);
        }
        for i in 0..total.max(1) {
            misses.push(format!("unknown_{i:04}"));
            if i % 4 == 0 {
                misses.push(format!("__utm_long_unrelated_cookie_name_{i:04}_px"));
            }
        }
        Generated {
            names,
            exact_hits,
            glob_hits,
            misses,
        }
    }

    /// The hits and misses that are what their list says on the validated
    /// `policy`: exact hits found as exact declarations, glob hits found through
    /// a pattern, misses not found, in that order. Panics if a list keeps fewer
    /// than half its names, which would mean a broken generator.
    pub fn classified<'s>(&'s self, policy: &samtykke::ValidPolicy<'_>) -> [Vec<&'s str>; 3] {
        let kind = samtykke::Kind::Cookie;
        let found = |n: &str| policy.lookup(kind, n).map(|d| d.is_pattern());
        [
            (&self.exact_hits, Some(false)),
            (&self.glob_hits, Some(true)),
            (&self.misses, None),
        ]
        .map(|(list, want)| {
            let kept: Vec<&str> = list
                .iter()
                .map(String::as_str)
                .filter(|n| found(n) == want)
                .collect();
            assert!(
                kept.len() * 2 >= list.len(),
                "{} of {} generated names kept",
                kept.len(),
                list.len()
            );
            kept
        })
    }

    /// The declarations, borrowing the names.
    pub fn declarations(&self) -> Vec<samtykke::Declaration<'_>> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, name)| samtykke::Declaration {
                name,
                kind: samtykke::Kind::Cookie,
                provider: (i % 4) as u8,
                category: (i % 3) as u8,
                purpose: samtykke::Text {
                    en: "generated",
                    da: "genereret",
                },
                duration: samtykke::Duration::Days(30),
                domain: None,
                path: None,
                justification: "generated",
            })
            .collect()
    }
}
