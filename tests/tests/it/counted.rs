//! SPEC §13: every decoder is fed at least [`MIN_INPUTS`] random and mutated
//! inputs in the normal test run, and the inputs are counted, not assumed from a
//! configuration: [`Fed`] runs each source's property through a proptest runner,
//! counts every input the check is given, and [`Fed::finish`] fails the test when a
//! decoder got fewer than [`MIN_INPUTS`] in all, or none of a source.

use std::cell::Cell;
use std::fmt::Debug;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

/// Inputs each decoder must be fed per run, random and mutated together.
pub(crate) const MIN_INPUTS: usize = 10_000;

/// What one decoder was fed so far, by source.
pub(crate) struct Fed {
    decoder: &'static str,
    sources: Vec<(&'static str, usize)>,
}

impl Fed {
    /// Counting inputs for `decoder`.
    pub(crate) fn new(decoder: &'static str) -> Fed {
        Fed {
            decoder,
            sources: Vec::new(),
        }
    }

    /// Runs `check` on `cases` inputs drawn from `strategy` (plus any failure seeds
    /// kept for `file`, the calling source file), counting each input as `source`.
    ///
    /// # Panics
    ///
    /// On the first input `check` fails, after shrinking it, naming the decoder.
    pub(crate) fn run<S>(
        &mut self,
        source: &'static str,
        file: &'static str,
        cases: u32,
        strategy: S,
        check: impl Fn(S::Value) -> TestCaseResult,
    ) where
        S: Strategy,
        S::Value: Debug,
    {
        let config = Config {
            cases,
            source_file: Some(file),
            ..Config::default()
        };
        let count = Cell::new(0usize);
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |value| {
            count.set(count.get() + 1);
            check(value)
        });
        if let Err(e) = result {
            panic!("{} ({source} inputs): {e}", self.decoder);
        }
        self.sources.push((source, count.get()));
    }

    /// Fails unless the decoder was fed [`MIN_INPUTS`] inputs in all and some of
    /// every source; prints the counts.
    ///
    /// # Panics
    ///
    /// When it was fed too few.
    pub(crate) fn finish(self) {
        let total: usize = self.sources.iter().map(|&(_, n)| n).sum();
        let each: Vec<String> = self
            .sources
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        eprintln!("{}: {total} inputs ({})", self.decoder, each.join(", "));
        assert!(
            total >= MIN_INPUTS,
            "{} was fed {total} inputs, fewer than {MIN_INPUTS}",
            self.decoder
        );
        for (source, n) in &self.sources {
            assert!(*n > 0, "{} was fed no {source} input", self.decoder);
        }
    }
}
