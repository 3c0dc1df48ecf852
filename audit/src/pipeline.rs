//! Parsed lines in batches that cross threads: a batch shares the text its
//! lines were parsed from and keeps only escaped strings in an arena of its own. [`produce`] reads and parses a file on a thread of its own (for
//! `--merge`); the sharded reader fills one batch per shard.

use std::cell::RefCell;
use std::io::{self, Read};
use std::sync::{mpsc, Arc};

use samtykke::ValidPolicy;

use super::event::{Body, CookieSet, Line};
use super::memo::ParseMemo;
use super::reader::for_each_line;
use super::report::InputErrorKind;
use super::rules::{parse_routed, Parsed};
use super::scan::{Leading, Strings};

/// Lines in a batch.
pub(crate) const BATCH: usize = 1024;

/// Where a stored string lies: in the batch's text (the chunk of the file its
/// lines came from, shared, not copied) or, with [`IN_ARENA`] set in the start,
/// in its arena (a string the JSON had escaped, or lines read one by one).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span(u32, u32);

const IN_ARENA: u32 = 1 << 31;

/// A line's body with its strings as spans of the batch.
#[derive(Debug)]
pub(crate) enum Stored {
    Event {
        at: i64,
        place: Option<u64>,
        ts: Span,
        visitor: Span,
        body: StoredBody,
    },
    Error(InputErrorKind, String),
}

#[derive(Debug)]
pub(crate) enum StoredBody {
    Same(Body<'static>),
    SetCookie(Span),
    Named { name: Span, max_age: Option<i64> },
    CookiePresent(Span),
}

/// Parsed lines and the strings they need.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// The text the lines were parsed from, when it is whole UTF-8 and shared.
    pub(crate) text: Option<Arc<String>>,
    pub(crate) arena: String,
    pub(crate) entries: Vec<(u64, Stored)>,
    /// The lines of the block the batch was cut from, when its lines are
    /// numbered from the block's start (the sharded readers'): the sharded run
    /// gives every shard's batch of a block the count, so that each shard can
    /// number the lines of the blocks after.
    pub(crate) lines: u64,
    /// Lines routed by the visitor id at their start
    /// ([`scan::Leading`](super::scan::Leading)) and not yet
    /// parsed, in order: the shard that applies them parses them. Kept apart
    /// from `entries`, in 32 bytes a line.
    routed: Vec<Routed>,
}

/// A line of the batch's text not yet parsed: its number, its bytes in the
/// text, the keyed hash of its visitor id, and where its first two strings end.
#[derive(Clone, Copy, Debug)]
struct Routed {
    number: u64,
    text: Span,
    place: u64,
    leading: Leading,
}

thread_local! {
    /// This thread's emptied batches, for [`Batch::over`] to fill again. A
    /// sharded worker empties about as many batches as it fills, so its blocks
    /// reuse that memory instead of asking the allocator, and the kernel, for
    /// fresh pages each time.
    static SPARE: RefCell<Vec<Batch>> = const { RefCell::new(Vec::new()) };
}

/// Emptied batches a thread keeps at most.
const SPARES: usize = 4;

impl Batch {
    /// A batch of lines parsed from `text`, room for `lines` made: an emptied
    /// one of this thread's, if [`Batch::recycle`] kept one.
    pub(crate) fn over(text: Option<Arc<String>>, lines: usize) -> Batch {
        let mut batch = SPARE
            .with(|spare| spare.borrow_mut().pop())
            .unwrap_or_default();
        batch.text = text;
        if batch.text.is_some() {
            // The sharded reader's: mostly lines routed unparsed.
            batch.routed.reserve(lines);
        } else {
            batch.entries.reserve(lines);
        }
        batch
    }

    /// Empties the batch and keeps it for this thread's next [`Batch::over`];
    /// returns the text's buffer when this was the last batch to share it.
    pub(crate) fn recycle(mut self) -> Option<Vec<u8>> {
        let text = self
            .text
            .take()
            .and_then(|text| Arc::try_unwrap(text).ok())
            .map(String::into_bytes);
        self.entries.clear();
        self.routed.clear();
        self.arena.clear();
        self.lines = 0;
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARES {
                spare.push(self);
            }
        });
        text
    }

    fn keep(&mut self, s: &str) -> Span {
        if let Some(text) = &self.text {
            // A string borrowed from the text is kept as its place in it.
            let base = text.as_ptr() as usize;
            let at = s.as_ptr() as usize;
            if at >= base && at + s.len() <= base + text.len() {
                let start = (at - base) as u32;
                return Span(start, start + s.len() as u32);
            }
        }
        let start = self.arena.len() as u32;
        self.arena.push_str(s);
        Span(start | IN_ARENA, self.arena.len() as u32)
    }

    /// A list of strings, kept as the JSON array it is or (a table's list
    /// cell) is written as.
    fn keep_list(&mut self, list: Strings<'_>) -> Span {
        match list {
            Strings::Json { .. } => self.keep(list.raw().unwrap_or("[]")),
            #[cfg(feature = "arrow")]
            Strings::Column(cells) => {
                let start = self.arena.len() as u32;
                super::table::write_json_list(&mut self.arena, cells);
                Span(start | IN_ARENA, self.arena.len() as u32)
            }
        }
    }

    pub(crate) fn push(&mut self, number: u64, parsed: Parsed<'_>) {
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
                    Body::TagRequest(f) => StoredBody::Same(Body::TagRequest(f)),
                    Body::CookieSet(CookieSet::Header(h, ..)) => {
                        StoredBody::SetCookie(self.keep(&h))
                    }
                    Body::CookieSet(CookieSet::Named { name, max_age }) => StoredBody::Named {
                        name: self.keep(&name),
                        max_age,
                    },
                    Body::CookiePresent(list, _) => StoredBody::CookiePresent(self.keep_list(list)),
                };
                Stored::Event {
                    at: line.at,
                    place: line.place,
                    ts,
                    visitor,
                    body,
                }
            }
        };
        self.entries.push((number, stored));
    }

    /// Keeps line `number`, the block's bytes `start..end`, to be parsed where
    /// it is applied; `place` is the keyed hash of its visitor id.
    pub(crate) fn push_line(
        &mut self,
        number: u64,
        start: usize,
        end: usize,
        place: u64,
        leading: Leading,
    ) {
        self.routed.push(Routed {
            number,
            text: Span(start as u32, end as u32),
            place,
            leading,
        });
    }

    pub(crate) fn get(&self, span: Span) -> &str {
        let Span(start, end) = span;
        let (from, start) = if start & IN_ARENA != 0 {
            (self.arena.as_str(), start & !IN_ARENA)
        } else {
            (self.text.as_deref().map_or("", String::as_str), start)
        };
        from.get(start as usize..end as usize).unwrap_or("")
    }

    /// The line a stored entry stands for, borrowing the batch.
    pub(crate) fn restore(&self, stored: Stored) -> Parsed<'_> {
        match stored {
            Stored::Error(kind, message) => Parsed::Error(kind, message),
            Stored::Event {
                at,
                place,
                ts,
                visitor,
                body,
            } => Parsed::Event(Line {
                at,
                place,
                ts: self.get(ts).into(),
                visitor: self.get(visitor).into(),
                body: match body {
                    StoredBody::Same(b) => b,
                    StoredBody::SetCookie(h) => {
                        Body::CookieSet(CookieSet::Header(self.get(h).into(), None, None))
                    }
                    StoredBody::Named { name, max_age } => Body::CookieSet(CookieSet::Named {
                        name: self.get(name).into(),
                        max_age,
                    }),
                    StoredBody::CookiePresent(raw) => {
                        Body::CookiePresent(Strings::over(self.get(raw)), None)
                    }
                },
            }),
        }
    }

    /// The visitors' keyed hashes of the lines routed unparsed, in order.
    pub(crate) fn places(&self) -> impl Iterator<Item = u64> + '_ {
        self.routed.iter().map(|r| r.place)
    }

    /// Parses a routed line and feeds it to `f`.
    #[inline]
    fn parse_routed(
        &self,
        r: Routed,
        before: u64,
        policy: &ValidPolicy<'_>,
        parse_memo: &mut ParseMemo,
        f: &mut impl FnMut(u64, &mut Parsed<'_>),
    ) {
        let number = before + r.number;
        // A routed line starts with `{`: line 1 has no byte-order mark to cut.
        let mut parsed = parse_routed(policy, parse_memo, self.get(r.text), r.leading);
        if let Parsed::Event(line) = &mut parsed {
            line.place = Some(r.place);
        }
        f(number, &mut parsed);
    }

    /// Feeds every entry to `f`, in order, with its number `before` added, and
    /// empties the batch's entries (keeping their room; its count of the
    /// block's lines stays, for [`Batch::recycle`] to clear); lines not yet
    /// parsed are parsed under `policy`.
    pub(crate) fn drain(
        &mut self,
        policy: &ValidPolicy<'_>,
        parse_memo: &mut ParseMemo,
        before: u64,
        mut f: impl FnMut(u64, &mut Parsed<'_>),
    ) {
        let mut entries = std::mem::take(&mut self.entries);
        let mut lines = std::mem::take(&mut self.routed);
        // The two lists, each in line order, taken in line order.
        let mut routed = lines.iter().peekable();
        for (number, stored) in entries.drain(..) {
            while let Some(r) = routed.next_if(|r| r.number < number) {
                self.parse_routed(*r, before, policy, parse_memo, &mut f);
            }
            f(before + number, &mut self.restore(stored));
        }
        for r in routed {
            self.parse_routed(*r, before, policy, parse_memo, &mut f);
        }
        lines.clear();
        self.routed = lines;
        self.entries = entries;
        self.arena.clear();
    }
}

/// A log to merge: lines to read, or (with the `arrow` feature) a table's
/// record batches, or a file's rows read from a table already.
pub(crate) enum Input<'s, R> {
    Lines(R),
    #[cfg(feature = "arrow")]
    Table(super::table::Batches<'s>),
    /// Rows read already: one file of a table with `file` and `line` columns.
    #[cfg(feature = "arrow")]
    Parsed(Batch),
    #[cfg(not(feature = "arrow"))]
    #[allow(dead_code)]
    Never(std::marker::PhantomData<&'s ()>),
}

impl<R: Read> Input<'_, R> {
    /// Reads and parses the log into batches on the caller's thread.
    pub(crate) fn produce(
        self,
        policy: ValidPolicy<'_>,
        full: mpsc::SyncSender<Batch>,
        empty: mpsc::Receiver<Batch>,
    ) -> io::Result<()> {
        match self {
            Input::Lines(reader) => produce(policy, reader, full, empty),
            #[cfg(feature = "arrow")]
            Input::Table(batches) => super::table::produce(policy, batches, full, empty),
            #[cfg(feature = "arrow")]
            Input::Parsed(batch) => {
                let _ = full.send(batch);
                Ok(())
            }
            #[cfg(not(feature = "arrow"))]
            Input::Never(_) => Ok(()),
        }
    }
}

/// The reader's side: lines of `reader` parsed into batches.
pub(crate) fn produce<R: Read>(
    policy: ValidPolicy<'_>,
    reader: R,
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
) -> io::Result<()> {
    let mut parse_memo = ParseMemo::default();
    let mut batch = Batch::default();
    let mut receiver_gone = false;
    let read = for_each_line(reader, |number, text| {
        if receiver_gone {
            return;
        }
        let parsed = text.parse(&policy, &mut parse_memo, number);
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
