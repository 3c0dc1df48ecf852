//! Every core: visitors sharded by hash across worker threads.
//!
//! The workers read the input themselves: whichever needs work reads the next
//! block of whole lines (about 256 KiB, numbered in the order taken) under a
//! lock, and then, the lock released, routes every event of it to the shard of
//! its visitor (a keyed hash of the visitor id, scaled to the workers), and a
//! line that is not an event to any shard (by its number: it needs no visitor),
//! depositing one batch per shard that shares the block's text; then it
//! applies, in block order, the batches deposited for its own shard. A line
//! that starts as the log writers write it is routed by the id at its start
//! and parsed by its shard ([`Leading`]), which is handed where the line's
//! first two strings end, so as not to read them again; any other line is parsed
//! where it is routed, and its batch carries it parsed. Before a worker applies
//! a batch it loads the visitors of the batch's unparsed lines from its table
//! all at once (their hashes came with the routing), so that their cache misses
//! overlap instead of stalling one event at a time. Every visitor lives in
//! one shard and sees their events in input order, so each shard's results are
//! those of one thread; findings are held with their file and line and reach
//! the sink in input order when the file is read.
//!
//! Locks are taken per block (to take one, and to deposit a batch), never per
//! line. There is no reading thread: the block a worker reads is in its own
//! core's cache when it routes the lines, and no third thread shares the cores.

use std::any::Any;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError};

use samtykke::ValidPolicy;

use super::hash::Keyed;
use super::memo::ParseMemo;
use super::pipeline::Batch;
use super::reader::decoded;
use super::report::{Report, Sink, Summary};
use super::rules::{parse_line, parse_text, shard_of_place, too_long, Auditor};
use super::scan::Leading;
use super::MAX_LINE;

/// What one read asks for.
const READ_BYTES: usize = 256 * 1024;
/// Bytes of lines in a block, about: one read's from a file. Smaller blocks
/// leave a block's lines more likely still cached (in the routing core's L2 or
/// a cache both cores share) when the other shard applies them: 1 MiB blocks
/// took 3.9% more CPU on two threads of a machine with 2 MiB of L2 a core
/// (docs/performance.md, sixteenth sitting).
const BLOCK_BYTES: usize = READ_BYTES;
/// Batches waiting for a shard before its worker stops reading new blocks.
const BACKLOG: usize = 8;

/// Whole lines of the input. Their numbers are counted from the block's
/// start: a shard applying its batches in block order adds the lines of the
/// blocks before, so no line is counted under the input's lock.
struct Block {
    /// The input's first block (its line 1 may open with a byte-order mark).
    first: bool,
    text: Vec<u8>,
    /// The block is one line over 1 MiB, not kept.
    overlong: bool,
}

/// The input, cut into blocks of whole lines.
struct Blocks<R> {
    reader: R,
    /// The start of a line the last block did not end.
    carry: Vec<u8>,
    /// Blocks handed out so far.
    blocks: u64,
    eof: bool,
    error: Option<io::Error>,
    /// Blocks' buffers given back once every shard is done with them.
    spare: mpsc::Receiver<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R, spare: mpsc::Receiver<Vec<u8>>) -> Self {
        Blocks {
            reader,
            carry: Vec::new(),
            blocks: 0,
            eof: false,
            error: None,
            spare,
        }
    }

    /// Reads more into `buf` after its first `len` bytes, and counts them in
    /// `len`; false at the end of the input or on a fault. The bytes of `buf`
    /// past `len` are kept initialized from the buffer's earlier use, so only
    /// room it never had is zeroed before a read.
    fn fill(&mut self, buf: &mut Vec<u8>, len: &mut usize) -> bool {
        if buf.len() < *len + READ_BYTES {
            buf.resize(*len + READ_BYTES, 0);
        }
        loop {
            match self.reader.read(&mut buf[*len..*len + READ_BYTES]) {
                Ok(n) => {
                    *len += n;
                    if n == 0 {
                        self.eof = true;
                    }
                    return n > 0;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                    return false;
                }
            }
        }
    }

    fn block(&mut self, text: Vec<u8>, overlong: bool) -> Block {
        self.blocks += 1;
        Block {
            first: self.blocks == 1,
            text,
            overlong,
        }
    }

    /// The next block of whole lines, cut as the single-threaded reader cuts
    /// lines: on `\n`, a last line without one kept, a line over 1 MiB (and
    /// its `\r`) a block of its own that keeps no text, and after a fault only
    /// the whole lines before it. The lines are numbered where they are routed.
    fn next(&mut self) -> Option<Block> {
        // `buf[..len]` is the block so far; a buffer given back keeps its
        // bytes, to be read over.
        let mut buf = self.spare.try_recv().unwrap_or_default();
        let mut len = self.carry.len();
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        loop {
            let last = memchr::memrchr(b'\n', &buf[..len]);
            match last {
                Some(p) if len >= BLOCK_BYTES || self.eof => {
                    self.carry.extend_from_slice(&buf[p + 1..len]);
                    buf.truncate(p + 1);
                    return Some(self.block(buf, false));
                }
                None if len > MAX_LINE + 1 => {
                    // One line over the limit: skipped up to its end.
                    let rest = loop {
                        len = 0;
                        if !self.fill(&mut buf, &mut len) {
                            if self.error.is_some() {
                                // As on one thread: a line a fault cut short
                                // is lost, however long.
                                return None;
                            }
                            break Vec::new();
                        }
                        if let Some(p) = memchr::memchr(b'\n', &buf[..len]) {
                            break buf[p + 1..len].to_vec();
                        }
                    };
                    self.carry = rest;
                    return Some(self.block(Vec::new(), true));
                }
                _ => {}
            }
            if self.eof {
                if len == 0 || self.error.is_some() {
                    // The end, or a fault: a line the fault cut short is lost.
                    return None;
                }
                buf.truncate(len);
                return Some(self.block(buf, false));
            }
            self.fill(&mut buf, &mut len);
        }
    }
}

/// What the sharded workers take their blocks from: whichever worker needs work
/// takes the next block, under a lock, so blocks are numbered in the order taken.
pub(crate) trait Pull: Send {
    type Block: Send;
    /// The next block: `None` at the end of the input, or after a fault. Once
    /// it has said `None` it is not asked again.
    fn pull(&mut self) -> Option<Self::Block>;
    /// The fault that ended the input, if one did.
    fn fault(&mut self) -> Option<io::Error>;
}

impl<R: Read + Send> Pull for Blocks<R> {
    type Block = Block;

    fn pull(&mut self) -> Option<Block> {
        self.next()
    }

    fn fault(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

/// The batches waiting for one shard, by block number.
#[derive(Default)]
struct Inbox {
    waiting: Mutex<BTreeMap<u64, Batch>>,
    arrived: Condvar,
}

/// Routes a block's lines into one batch per shard: a line that starts as the
/// log writers write it unparsed, by the id at its start; any other parsed.
/// With the block's count of lines.
fn parse_block(
    policy: ValidPolicy<'_>,
    route: &Keyed,
    shards: usize,
    parse_memo: &mut ParseMemo,
    block: Block,
) -> (Vec<Batch>, u64) {
    let Block {
        first,
        text,
        overlong,
    } = block;
    if overlong {
        let mut batches: Vec<Batch> = (0..shards).map(|_| Batch::default()).collect();
        batches[0].push(1, too_long());
        return (batches, 1);
    }
    // The lines' strings are kept as places in the block, shared by the
    // shards' batches, when the block is UTF-8 throughout (else copied).
    let (shared, bytes) = match String::from_utf8(text) {
        Ok(t) => (Some(Arc::new(t)), Vec::new()),
        Err(e) => (None, e.into_bytes()),
    };
    let bytes = shared.as_deref().map_or(&bytes[..], String::as_bytes);
    // Room for a shard's share of the lines (of some 150 bytes) and some, so
    // that batches rarely grow while they are filled.
    let share = bytes.len() / 128 / shards + 64;
    let mut batches: Vec<Batch> = (0..shards)
        .map(|_| Batch::over(shared.clone(), share))
        .collect();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(
        // A last line without `\n`.
        (bytes.last().is_some_and(|&b| b != b'\n')).then_some(bytes.len()),
    );
    // `number` counts from the block's start.
    let mut lines = 0;
    for (number, end) in (1..).zip(ends) {
        lines = number;
        // The input's first line may open with a byte-order mark.
        let first_line = first && number == 1;
        let range = start..end;
        start = end + 1;
        let line = &bytes[range.clone()];
        // As the one-thread reader: a line over the limit is not parsed.
        let mut parsed = if line.len() > MAX_LINE + 1 {
            too_long()
        } else {
            match shared.as_deref() {
                // A line of a block that is UTF-8 throughout needs no check;
                // one that starts as the log writers write it goes to its
                // visitor's shard, which parses it.
                Some(text) => {
                    if let Some(leading) = Leading::of(line) {
                        let place = route.hash(leading.visitor(line));
                        let j = shard_of_place(place, shards);
                        batches[j].push_line(number, range.start, range.end, place, leading);
                        continue;
                    }
                    parse_text(&policy, parse_memo, first_line, &text[range.clone()])
                }
                None => parse_line(&policy, parse_memo, first_line, line),
            }
        };
        // (A batch keeps no blank line.)
        let j = super::rules::route(&mut parsed, number, route, shards);
        batches[j].push(number, parsed);
    }
    (batches, lines)
}

impl<'p, S: Sink> Auditor<'p, S> {
    /// The shard of visitor `id`.
    #[inline]
    pub(crate) fn shard_of(&self, id: &str) -> usize {
        shard_of_place(self.route.hash(id.as_bytes()), self.shards.len())
    }

    /// Makes the shards, once: an auditor each, holding its findings.
    pub(crate) fn ensure_shards(&mut self) {
        if self.shards.is_empty() {
            let options = self.options().clone().threads(1);
            self.shards = (0..self.threads())
                .map(|_| {
                    let mut shard = Auditor::new(self.policy(), options.clone());
                    shard.held = Some(Vec::new());
                    shard.visitors.place = self.route.clone();
                    shard
                })
                .collect();
        }
    }

    /// Sends the shards' findings to the sink in input order.
    pub(crate) fn gather(&mut self) {
        let mut all = Vec::new();
        for shard in &mut self.shards {
            if let Some(held) = &mut shard.held {
                all.append(held);
            }
        }
        let held = self.held.replace(all);
        self.release();
        self.held = held;
    }

    /// The summary with the shards' counts added.
    pub(crate) fn total_summary(&self) -> Summary {
        let mut s = self.summary().clone();
        for shard in &self.shards {
            let t = shard.summary();
            s.lines += t.lines;
            s.events += t.events;
            s.visitors += t.visitors;
            s.input_errors += t.input_errors;
            for (a, b) in s.violations_by_id.iter_mut().zip(t.violations_by_id) {
                *a += b;
            }
        }
        s
    }

    /// [`Auditor::read`]'s work on every shard's thread.
    pub(crate) fn read_sharded<R: Read + Send>(&mut self, reader: R) -> io::Result<()> {
        let policy = self.policy();
        let n = self.threads();
        let route = self.route.clone();
        let decoded = decoded(reader)?;
        self.run_sharded(
            move |spare| Blocks::new(decoded, spare),
            move |block: Block, parse_memo: &mut ParseMemo| {
                parse_block(policy, &route, n, parse_memo, block)
            },
        )
    }

    /// Runs the sharded workers over the blocks of the input `open` makes, each
    /// read by `parse` into one batch per shard and the block's count of lines
    /// (numbered from its start in the batches). `open` gets the buffers of
    /// blocks done with, for reuse. The input's fault, if one stopped it, is
    /// the run's error once the blocks before it are audited.
    pub(crate) fn run_sharded<P: Pull>(
        &mut self,
        open: impl FnOnce(mpsc::Receiver<Vec<u8>>) -> P,
        parse: impl Fn(P::Block, &mut ParseMemo) -> (Vec<Batch>, u64) + Sync,
    ) -> io::Result<()> {
        if let Some(why) = &self.halted {
            return Err(io::Error::other(why.clone()));
        }
        self.ensure_shards();
        let (index, name) = self.current_file();
        let n = self.shards.len();
        let inboxes: Vec<Inbox> = (0..n).map(|_| Inbox::default()).collect();
        let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
        let input = Mutex::new(Input {
            source: open(spare_rx),
            taken: 0,
            ended: false,
        });
        let halt = Halt::default();
        let parse = &parse;
        std::thread::scope(|scope| {
            let (input, halt, inboxes) = (&input, &halt, &inboxes);
            for (me, shard) in self.shards.iter_mut().enumerate() {
                let (name, spare_tx) = (name.clone(), spare_tx.clone());
                scope.spawn(move || {
                    let work = panic::catch_unwind(AssertUnwindSafe(|| {
                        shard.switch_file(index, &name);
                        let mut parse_memo = ParseMemo::default();
                        // For the lines this shard parses itself.
                        let mut own_memo = ParseMemo::default();
                        let policy = shard.policy();
                        let mut applied = 0u64;
                        // Lines of the blocks applied so far.
                        let mut before = 0u64;
                        // Blocks in all, once the input is read.
                        let mut all = None;
                        while !halt.stopped() {
                            // Apply what is ready for this shard, in order.
                            loop {
                                let batch = inboxes[me]
                                    .waiting
                                    .lock()
                                    .map(|mut w| w.remove(&applied))
                                    .unwrap_or(None);
                                let Some(mut batch) = batch else { break };
                                let lines = batch.lines;
                                shard.visitors.warm(batch.places());
                                batch.drain(&policy, &mut own_memo, before, |number, parsed| {
                                    shard.take_in_place(number, parsed)
                                });
                                before += lines;
                                if let Some(buf) = batch.recycle() {
                                    let _ = spare_tx.send(buf);
                                }
                                applied += 1;
                            }
                            let backlog = inboxes[me].waiting.lock().map_or(0, |w| w.len());
                            if all.is_none() && backlog < BACKLOG {
                                match take(input, halt, inboxes) {
                                    Ok((k, block)) => {
                                        let (batches, lines) = parse(block, &mut parse_memo);
                                        for (j, mut batch) in batches.into_iter().enumerate() {
                                            batch.lines = lines;
                                            let inbox = &inboxes[j];
                                            if let Ok(mut w) = inbox.waiting.lock() {
                                                w.insert(k, batch);
                                            }
                                            inbox.arrived.notify_one();
                                        }
                                        continue;
                                    }
                                    // The input is read: this many blocks.
                                    Err(taken) => all = Some(taken),
                                }
                            }
                            if all.is_some_and(|all| applied >= all) {
                                break;
                            }
                            // Wait for this shard's next batch.
                            let inbox = &inboxes[me];
                            let waiting = inbox.waiting.lock().unwrap_or_else(|e| e.into_inner());
                            // It is on its way: its block was taken before any block
                            // this shard holds a batch of, and whoever took it
                            // deposits it and wakes this worker (or, if that
                            // worker failed, stops every worker and wakes them).
                            if !waiting.contains_key(&applied) && !halt.stopped() {
                                drop(inbox.arrived.wait(waiting));
                            }
                        }
                    }));
                    if let Err(payload) = work {
                        halt.stop("a worker thread", &*payload, inboxes);
                    }
                });
            }
        });
        drop(spare_tx);
        self.gather();
        if let Some(why) = halt.why() {
            // What the shards found before the failure is reported, as the
            // lines before a read fault are; but each shard stopped at a
            // different block, so no later input is audited on that state.
            self.halted = Some(why.clone());
            return Err(io::Error::other(why));
        }
        let fault = input
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .source
            .fault();
        fault.map_or(Ok(()), Err)
    }
}

/// The input of a sharded run, behind its lock.
struct Input<P> {
    source: P,
    /// Blocks taken so far.
    taken: u64,
    /// The source has said `None`: every worker then sees the same count.
    ended: bool,
}

/// The next block of `input` and its number; once the input is read (or the
/// run stopped), the number of blocks taken in all. A defect in reading stops
/// the run as a worker's does.
fn take<P: Pull>(
    input: &Mutex<Input<P>>,
    halt: &Halt,
    inboxes: &[Inbox],
) -> Result<(u64, P::Block), u64> {
    let mut input = input.lock().unwrap_or_else(PoisonError::into_inner);
    if input.ended || halt.stopped() {
        return Err(input.taken);
    }
    match panic::catch_unwind(AssertUnwindSafe(|| input.source.pull())) {
        Ok(Some(block)) => {
            input.taken += 1;
            Ok((input.taken - 1, block))
        }
        Ok(None) => {
            input.ended = true;
            Err(input.taken)
        }
        Err(payload) => {
            // Stopped with the lock held, so that no worker reads on from
            // where the defect left the source.
            input.ended = true;
            halt.stop("reading the input", &*payload, inboxes);
            Err(input.taken)
        }
    }
}

/// Set when a worker of a sharded run panicked, or reading the input did (a
/// defect, never bad input): every worker stops instead of waiting for a batch
/// that will not come, and the run ends with an error that says which and why.
#[derive(Default)]
struct Halt {
    stopped: AtomicBool,
    why: Mutex<Option<String>>,
}

impl Halt {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Records the first failure and wakes every waiting worker.
    fn stop(&self, what: &str, payload: &(dyn Any + Send), inboxes: &[Inbox]) {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        let mut why = self.why.lock().unwrap_or_else(|e| e.into_inner());
        why.get_or_insert_with(|| {
            format!("the audit stopped: {what} failed ({message}); this is a defect of samtykke, please report it")
        });
        drop(why);
        self.stopped.store(true, Ordering::Release);
        for inbox in inboxes {
            // Taking the lock orders this after any worker's check of the flag
            // made under it, so no worker goes to sleep having missed the wake.
            drop(inbox.waiting.lock().unwrap_or_else(|e| e.into_inner()));
            inbox.arrived.notify_all();
        }
    }

    fn why(&self) -> Option<String> {
        self.why.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An auditor whose findings are held for [`Auditor::gather`].
pub(crate) type Shard<'p> = Auditor<'p, Report>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditOptions;
    use std::time::Duration;

    const KK: &str = include_str!("../../examples/kk.dk.policy.json");

    /// `f`'s result, or a failed test (not a hung one) when it takes over a minute.
    fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the sharded run stalled")
    }

    /// Blocks numbered `0..end`; taking block `bad` panics when `in_input`.
    struct Numbers {
        next: u64,
        end: u64,
        bad: u64,
        in_input: bool,
    }

    impl Pull for Numbers {
        type Block = u64;

        fn pull(&mut self) -> Option<u64> {
            if self.next == self.end {
                return None;
            }
            assert!(
                !self.in_input || self.next != self.bad,
                "the input's defect"
            );
            self.next += 1;
            Some(self.next - 1)
        }

        fn fault(&mut self) -> Option<io::Error> {
            None
        }
    }

    /// A sharded run over 40 blocks whose parse panics on block `bad` (when the
    /// worker fails) or whose input panics when block `bad` is taken.
    fn run(threads: usize, bad: u64, in_worker: bool) -> io::Result<()> {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let mut audit = Auditor::new(policy.view(), AuditOptions::new().threads(threads));
        audit.run_sharded(
            move |_spare| Numbers {
                next: 0,
                end: 40,
                bad,
                in_input: !in_worker,
            },
            move |k: u64, _: &mut ParseMemo| {
                assert!(!in_worker || k != bad, "the worker's defect");
                ((0..threads).map(|_| Batch::default()).collect(), 0)
            },
        )
    }

    #[test]
    fn s13_a_panicking_worker_ends_the_audit_with_an_error_instead_of_stalling() {
        for threads in [2, 3, 8] {
            for bad in [0, 1, 7, 39] {
                let result = within_a_minute(move || run(threads, bad, true));
                let e = result.expect_err("a worker failed");
                let text = e.to_string();
                assert!(text.contains("a worker thread failed"), "{text}");
                assert!(text.contains("the worker's defect"), "{text}");
            }
        }
    }

    #[test]
    fn s13_a_panic_in_reading_ends_the_audit_with_an_error_instead_of_stalling() {
        for threads in [2, 5] {
            for bad in [0, 3, 39] {
                let e = within_a_minute(move || run(threads, bad, false)).unwrap_err();
                let text = e.to_string();
                assert!(text.contains("reading the input failed"), "{text}");
                assert!(text.contains("the input's defect"), "{text}");
            }
        }
    }

    #[test]
    fn s13_after_a_failed_thread_no_later_input_is_audited() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let mut audit = Auditor::new(policy.view(), AuditOptions::new().threads(2));
        let line = br#"{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"cookie_present","cookies":["nmstat"]}"#;
        let first = audit.run_sharded(
            |_spare| Numbers {
                next: 0,
                end: 2,
                bad: u64::MAX,
                in_input: false,
            },
            |k: u64, _: &mut ParseMemo| {
                assert!(k == 0, "the worker's defect");
                ((0..2).map(|_| Batch::default()).collect(), 0)
            },
        );
        assert!(first.is_err());
        let again = audit.read("next.jsonl", &line[..]).unwrap_err().to_string();
        assert!(again.contains("a worker thread failed"), "{again}");
        assert_eq!(audit.finish().summary.events, 0);
    }

    /// Ends after five blocks, then (asked again) hands out five more.
    struct Relapsing {
        next: u64,
        ended: bool,
    }

    impl Pull for Relapsing {
        type Block = u64;

        fn pull(&mut self) -> Option<u64> {
            if self.next == 5 && !self.ended || self.next == 10 {
                self.ended = true;
                return None;
            }
            self.next += 1;
            Some(self.next - 1)
        }

        fn fault(&mut self) -> Option<io::Error> {
            None
        }
    }

    #[test]
    fn s13_an_input_that_has_ended_is_not_asked_again() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        for threads in [2, 3] {
            for _ in 0..20 {
                let mut audit = Auditor::new(policy.view(), AuditOptions::new().threads(threads));
                audit
                    .run_sharded(
                        |_spare| Relapsing {
                            next: 0,
                            ended: false,
                        },
                        |k: u64, _: &mut ParseMemo| {
                            let mut batches: Vec<Batch> =
                                (0..threads).map(|_| Batch::default()).collect();
                            // One line a block, in the shard of its number
                            // (numbered in the input: no count of lines).
                            batches[k as usize % threads].push(k + 1, too_long());
                            (batches, 0)
                        },
                    )
                    .unwrap();
                let lines: Vec<u64> = audit.finish().input_errors.iter().map(|e| e.line).collect();
                assert_eq!(lines, [1, 2, 3, 4, 5]);
            }
        }
    }

    #[test]
    fn s13_a_sharded_run_without_a_failure_ends_well() {
        for threads in [2, 3, 8] {
            within_a_minute(move || run(threads, u64::MAX, true)).unwrap();
        }
    }
}
