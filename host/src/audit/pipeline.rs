//! Reading and parsing on a thread of their own, the rules on the caller's: the
//! events cross in batches, in order, so the report is the one a single thread
//! gives.
//!
//! Parsing (JSON, fields, timestamps, `Set-Cookie` headers) needs nothing of the
//! visitors and is about half the work; the rules need every visitor's state
//! and keep to one thread. A batch carries its strings in one arena, and empty
//! batches go back to the reader to be filled again.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::mpsc;

use samtykke::ValidPolicy;

use super::event::{Body, CookieSet, Line};
use super::reader::for_each_line;
use super::report::{InputErrorKind, Sink};
use super::rules::{parse_line, too_long, Auditor, Parsed};
use super::scan::Strings;
use super::stamp::LastDay;

/// Lines in a batch.
const BATCH: usize = 4096;
/// Batches in flight: the reader stays this far ahead at most.
const IN_FLIGHT: usize = 4;

/// A line's body with its strings moved to the batch's arena.
#[derive(Debug)]
enum Stored {
    Event {
        at: i64,
        ts: Range<usize>,
        visitor: Range<usize>,
        body: StoredBody,
    },
    Error(InputErrorKind, String),
}

#[derive(Debug)]
enum StoredBody {
    Same(Body<'static>),
    SetCookie(Range<usize>),
    Named {
        name: Range<usize>,
        max_age: Option<i64>,
    },
    CookiePresent(Range<usize>),
}

#[derive(Debug, Default)]
struct Batch {
    arena: String,
    entries: Vec<(u64, Stored)>,
}

impl Batch {
    fn keep(&mut self, s: &str) -> Range<usize> {
        let start = self.arena.len();
        self.arena.push_str(s);
        start..self.arena.len()
    }

    fn push(&mut self, number: u64, parsed: Parsed<'_>) {
        let stored = match parsed {
            Parsed::Blank => return,
            Parsed::Error(kind, message) => Stored::Error(kind, message),
            Parsed::Event(line) => {
                let ts = self.keep(&line.ts);
                let visitor = self.keep(&line.visitor);
                let body = match line.body {
                    Body::Notice(n) => StoredBody::Same(Body::Notice(n)),
                    Body::Decision(d) => StoredBody::Same(Body::Decision(d)),
                    Body::CookieDeleted => StoredBody::Same(Body::CookieDeleted),
                    Body::Signal => StoredBody::Same(Body::Signal),
                    Body::CookieSet(CookieSet::Header(h)) => StoredBody::SetCookie(self.keep(&h)),
                    Body::CookieSet(CookieSet::Named { name, max_age }) => StoredBody::Named {
                        name: self.keep(&name),
                        max_age,
                    },
                    Body::CookiePresent(list) => StoredBody::CookiePresent(self.keep(list.raw())),
                };
                Stored::Event {
                    at: line.at,
                    ts,
                    visitor,
                    body,
                }
            }
        };
        self.entries.push((number, stored));
    }
}

/// The line a stored entry stands for, borrowing the arena.
fn restore(arena: &str, stored: Stored) -> Parsed<'_> {
    match stored {
        Stored::Error(kind, message) => Parsed::Error(kind, message),
        Stored::Event {
            at,
            ts,
            visitor,
            body,
        } => Parsed::Event(Line {
            at,
            ts: arena[ts].into(),
            visitor: arena[visitor].into(),
            body: match body {
                StoredBody::Same(b) => b,
                StoredBody::SetCookie(h) => Body::CookieSet(CookieSet::Header(arena[h].into())),
                StoredBody::Named { name, max_age } => Body::CookieSet(CookieSet::Named {
                    name: arena[name].into(),
                    max_age,
                }),
                StoredBody::CookiePresent(raw) => Body::CookiePresent(Strings::over(&arena[raw])),
            },
        }),
    }
}

/// The reader's side: lines of `reader` parsed into batches.
fn produce<R: Read>(
    policy: ValidPolicy<'_>,
    reader: R,
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
) -> io::Result<()> {
    let mut last_day = LastDay::default();
    let mut batch = Batch::default();
    let mut receiver_gone = false;
    let read = for_each_line(reader, |number, text| {
        if receiver_gone {
            return;
        }
        let parsed = match text {
            Some(text) => parse_line(&policy, &mut last_day, number, text),
            None => too_long(),
        };
        batch.push(number, parsed);
        if batch.entries.len() >= BATCH {
            let next = empty.try_recv().unwrap_or_default();
            receiver_gone = full.send(std::mem::replace(&mut batch, next)).is_err();
        }
    });
    // The lines before a fault are audited, as on one thread.
    if !batch.entries.is_empty() && !receiver_gone {
        let _ = full.send(batch);
    }
    read
}

impl<S: Sink> Auditor<'_, S> {
    /// [`Auditor::read`]'s work with reading and parsing on a second thread.
    pub(crate) fn read_pipelined<R: Read + Send>(&mut self, reader: R) -> io::Result<()> {
        let policy = self.policy();
        std::thread::scope(|scope| {
            let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
            let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
            let producer = scope.spawn(move || produce(policy, reader, full_tx, empty_rx));
            for mut batch in full_rx {
                let Batch { arena, entries } = &mut batch;
                for (number, stored) in entries.drain(..) {
                    self.take(number, restore(arena, stored));
                }
                arena.clear();
                let _ = empty_tx.send(batch);
            }
            producer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the reading thread failed")))
        })
    }
}
