//! `--merge` (SPEC §8): several files, each in time order, merged by time into
//! one clock. Each file is read and parsed on a thread of its own into batches
//! (as [`super::pipeline`] does for one file); the rules take the earliest head
//! of all files, ties in the order the files were given. Findings are held and
//! reach the sink in file and line order when the files are read.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{mpsc, Arc};

use super::event::AttributeMemo;
use super::pipeline::{Batch, Input, Stored, StoredBody};
use super::reader::{self, ReadError};
use super::report::Sink;
use super::rules::Auditor;

/// Batches in flight per file.
const IN_FLIGHT: usize = 2;

/// One file being merged: its batches as they come, and where in the current one
/// the merge stands.
struct Source {
    name: Arc<str>,
    full: mpsc::Receiver<Batch>,
    empty: mpsc::Sender<Batch>,
    batch: Batch,
    next: usize,
    /// `Set-Cookie` headers read to place their lines ([`Source::head`]).
    headers: AttributeMemo,
}

impl Source {
    /// The head's place in the merge: its time, or "now" for a line that did not
    /// parse (it has none, and is reported where the merge has got to). `None`
    /// once the file is done.
    fn head(&mut self) -> Option<i64> {
        while self.next >= self.batch.entries.len() {
            let mut used = std::mem::take(&mut self.batch);
            used.entries.clear();
            used.arena.clear();
            let _ = self.empty.send(used);
            self.batch = self.full.recv().ok()?;
            self.next = 0;
        }
        Some(match &self.batch.entries[self.next].1 {
            // A `Set-Cookie` header that does not parse makes its line an
            // input error when it is applied, which never moves the clock:
            // placed at its time, a time ahead of the lines after it in its
            // file would hold them back. Such a line is taken at once, as a
            // line that is not an event is; the header is read only where
            // the file's next line is earlier (or not yet at hand), so a
            // file in time order pays nothing for it.
            Stored::Event {
                at,
                body: StoredBody::SetCookie(header),
                ..
            } if self.next_is_earlier(*at)
                && self
                    .headers
                    .parse(self.batch.get(*header), None, None)
                    .is_err() =>
            {
                i64::MIN
            }
            Stored::Event { at, .. } => *at,
            Stored::Error(..) => i64::MIN,
        })
    }

    /// Whether the line after the head in this file may be earlier than
    /// `at`: it is, or it is not an event, or it is in a batch still to come.
    fn next_is_earlier(&self, at: i64) -> bool {
        match self.batch.entries.get(self.next + 1) {
            Some((_, Stored::Event { at: next, .. })) => *next < at,
            _ => true,
        }
    }
}

impl<S: Sink> Auditor<'_, S> {
    /// Audits `sources` (each a name and a reader of a file in time order, gzip
    /// read transparently) merged by time into one clock, as
    /// [`AuditOptions::merge`](super::AuditOptions::merge) describes; findings
    /// reach the sink in file and line order at the end.
    ///
    /// # Errors
    ///
    /// The first source, in the order given, whose reader failed; every other
    /// source is audited to its end, and that one up to its fault.
    pub fn read_merged<R: Read + Send>(
        &mut self,
        sources: Vec<(String, R)>,
    ) -> Result<(), ReadError> {
        let inputs = sources
            .into_iter()
            .map(|(name, reader)| (name, Input::Lines(reader)))
            .collect();
        self.read_merged_inputs(inputs)
    }

    /// [`Auditor::read_merged`] of logs that may be tables.
    pub(crate) fn read_merged_inputs<R: Read + Send>(
        &mut self,
        sources: Vec<(String, Input<'_, R>)>,
    ) -> Result<(), ReadError> {
        let policy = self.policy();
        let first = self.summary().files as u32;
        for (name, _) in &sources {
            self.file(name);
        }
        let held = self.held.replace(Vec::new());
        let result = std::thread::scope(|scope| {
            let mut producers = Vec::new();
            let mut merging = Vec::new();
            for (name, reader) in sources {
                let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
                let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
                let producer = scope.spawn(move || reader.produce(policy, full_tx, empty_rx));
                producers.push((name.clone(), producer));
                merging.push(Source {
                    name: Arc::from(name.as_str()),
                    full: full_rx,
                    empty: empty_tx,
                    batch: Batch::default(),
                    next: 0,
                    headers: AttributeMemo::default(),
                });
            }
            let mut heap = BinaryHeap::new();
            for (i, source) in merging.iter_mut().enumerate() {
                if let Some(at) = source.head() {
                    heap.push(Reverse((at, i)));
                }
            }
            while let Some(Reverse((_, i))) = heap.pop() {
                let source = &mut merging[i];
                let (number, stored) = std::mem::replace(
                    &mut source.batch.entries[source.next],
                    (
                        0,
                        Stored::Error(super::InputErrorKind::NotJson, String::new()),
                    ),
                );
                source.next += 1;
                self.switch_file(first + i as u32, &source.name);
                self.take(number, source.batch.restore(stored));
                if let Some(at) = source.head() {
                    heap.push(Reverse((at, i)));
                }
            }
            drop(merging);
            let mut first_fault = None;
            for (name, producer) in producers {
                let outcome = producer
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the reading thread failed")));
                if let (Err(source), None) = (outcome, &first_fault) {
                    first_fault = Some(ReadError { file: name, source });
                }
            }
            first_fault.map_or(Ok(()), Err)
        });
        self.release();
        self.held = held;
        result
    }

    /// Audits the files at `paths` (`-`: standard input) merged by time.
    ///
    /// # Errors
    ///
    /// The first file that cannot be opened, before anything is read; or the
    /// first read fault, as [`Auditor::read_merged`].
    pub fn read_paths_merged<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<(), ReadError> {
        let sources = paths
            .iter()
            .map(reader::Source::open)
            .collect::<Result<Vec<_>, _>>()?;
        let policy = self.policy();
        let mut inputs = Vec::new();
        let mut first_fault = None;
        for source in sources {
            let (read, fault) = source.into_inputs(policy);
            inputs.extend(read);
            first_fault = first_fault.or(fault);
        }
        self.read_merged_inputs(inputs)?;
        first_fault.map_or(Ok(()), Err)
    }
}
