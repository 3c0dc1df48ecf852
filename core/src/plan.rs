//! Deletion plans: what must go after a withdrawal, a refusal or a lapse (SPEC §6).

use time::OffsetDateTime;

use crate::policy::{Category, Declaration, Kind, ValidPolicy};
use crate::state::{ConsentState, Permit, Why};

/// A present item that must be deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deletion<'p, 'a> {
    /// The name as present (a pattern's declaration covers many names).
    pub name: &'p str,
    /// The declaration that covers it.
    pub declaration: &'a Declaration<'a>,
    /// Its category.
    pub category: &'a Category<'a>,
    /// Why it may no longer be stored.
    pub why: Why,
}

/// Iterator over the present cookies that must be deleted; see
/// [`ConsentState::deletion_plan`]. Allocates nothing.
#[derive(Debug)]
pub struct Deletions<'s, 'a, I> {
    state: &'s ConsentState,
    policy: &'s ValidPolicy<'a>,
    now: OffsetDateTime,
    present: I,
}

impl<'s, 'a, I> Deletions<'s, 'a, I> {
    pub(crate) fn new(
        state: &'s ConsentState,
        policy: &'s ValidPolicy<'a>,
        now: OffsetDateTime,
        present: I,
    ) -> Self {
        Deletions {
            state,
            policy,
            now,
            present,
        }
    }
}

impl<'s, 'a, 'p, I> Iterator for Deletions<'s, 'a, I>
where
    I: Iterator<Item = &'p str>,
{
    type Item = Deletion<'p, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        for name in self.present.by_ref() {
            if let Permit::Denied {
                category,
                declaration,
                why,
            } = self
                .state
                .permits_kind(self.policy, Kind::Cookie, name, self.now)
            {
                return Some(Deletion {
                    name,
                    declaration,
                    category,
                    why,
                });
            }
        }
        None
    }
}

/// Iterator over the declared non-cookie items the page script must clear; see
/// [`ConsentState::storage_to_clear`]. Allocates nothing.
#[derive(Debug)]
pub struct StorageToClear<'s, 'a> {
    state: &'s ConsentState,
    policy: &'s ValidPolicy<'a>,
    now: OffsetDateTime,
    next: usize,
}

impl<'s, 'a> StorageToClear<'s, 'a> {
    pub(crate) fn new(
        state: &'s ConsentState,
        policy: &'s ValidPolicy<'a>,
        now: OffsetDateTime,
    ) -> Self {
        StorageToClear {
            state,
            policy,
            now,
            next: 0,
        }
    }
}

impl<'a> Iterator for StorageToClear<'_, 'a> {
    type Item = &'a Declaration<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let storage = self.policy.policy().storage;
        while let Some(d) = storage.get(self.next) {
            self.next += 1;
            if d.kind != Kind::Cookie
                && !self
                    .state
                    .permits_declaration(self.policy, d, self.now)
                    .is_allowed()
            {
                return Some(d);
            }
        }
        None
    }
}
