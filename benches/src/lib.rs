//! Helpers of samtykke's benchmarks alone: a median-of-batches timer and
//! generated policies.
//!
//! Benchmarks here run with `harness = false` and report medians, so a noisy
//! machine moves the figures less than a mean would.

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
