//! Where proof records (SPEC §7) and the site's own consent log (SPEC §8) go.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use samtykke::{Proof, ValidPolicy};
use samtykke_host::proof_json::retain_proofs;
use time::OffsetDateTime;

/// Receives what the layer did, one JSON line at a time (no trailing newline).
///
/// The layer calls it from the response future, in SPEC §15's order for each
/// request: `cookie_present`, `signal`, `notice_shown`, `decision`, `cookie_set`,
/// with each signal's and decision's proof record beside its event. A sink must
/// not block for long (it runs on the server's executor); one that can fail
/// reports its errors itself, since a response cannot wait for a log.
pub trait Sink: Send + Sync + 'static {
    /// Whether the sink takes consent-log events: when not, the layer does not
    /// write them (default: it does).
    fn takes_events(&self) -> bool {
        true
    }
    /// A consent-log event (SPEC §8).
    fn event(&self, line: &str);
    /// A request's events, each line ending in `\n`, in order (default: each to
    /// [`Sink::event`]). A sink that writes a file overrides it to write them at
    /// once.
    fn events(&self, lines: &str) {
        for line in lines.lines() {
            self.event(line);
        }
    }
    /// Whether the sink takes proof records: when not, the layer does not write
    /// them (default: it does).
    fn takes_proofs(&self) -> bool {
        true
    }
    /// A proof record (SPEC §7) of `proof`, under `policy`, at the request's time
    /// `now`.
    fn proof(&self, policy: &ValidPolicy<'_>, proof: &Proof, line: &str, now: OffsetDateTime);
}

/// A sink that drops everything (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSink;

impl Sink for NoSink {
    fn takes_events(&self) -> bool {
        false
    }
    fn takes_proofs(&self) -> bool {
        false
    }
    fn event(&self, _line: &str) {}
    fn proof(&self, _: &ValidPolicy<'_>, _: &Proof, _: &str, _: OffsetDateTime) {}
}

/// A sink that keeps every line in memory: for tests, and for hosts that ship
/// lines elsewhere in batches.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<String>>,
    proofs: Mutex<Vec<String>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// The events so far, and empties the list.
    pub fn take_events(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.events))
    }

    /// The proof records so far, and empties the list.
    pub fn take_proofs(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.proofs))
    }
}

impl Sink for MemorySink {
    fn event(&self, line: &str) {
        lock(&self.events).push(line.to_owned());
    }
    fn proof(&self, _: &ValidPolicy<'_>, _: &Proof, line: &str, _: OffsetDateTime) {
        lock(&self.proofs).push(line.to_owned());
    }
}

impl<S: Sink> Sink for std::sync::Arc<S> {
    fn takes_events(&self) -> bool {
        (**self).takes_events()
    }
    fn takes_proofs(&self) -> bool {
        (**self).takes_proofs()
    }
    fn event(&self, line: &str) {
        (**self).event(line);
    }
    fn events(&self, lines: &str) {
        (**self).events(lines);
    }
    fn proof(&self, policy: &ValidPolicy<'_>, proof: &Proof, line: &str, now: OffsetDateTime) {
        (**self).proof(policy, proof, line, now);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A writer that panicked left whole lines behind: the data stays usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Appends the consent log and the proof records to two JSON-lines files (each
/// opened for appending), and applies proof-record retention (R19): once a day,
/// at the first record written after the day has passed, and at
/// [`JsonlSink::purge`], the proof file is rewritten without the records that
/// [`samtykke::may_purge`] allows to go.
///
/// A request's events are written with one `write` to the log, opened with
/// `O_APPEND`: the kernel appends each write whole, so requests on several
/// threads (or several processes sharing the file) neither wait for each other
/// nor interleave within a request's lines. Proof records, one per decision, are
/// written in the request, so a decision's proof has been handed to the
/// operating system before its response leaves ([`JsonlSink::sync`] and a
/// purge's rewrite put what they cover on the disk).
///
/// Several processes may share the files. On Unix, a proof record is appended,
/// and the proof file purged, under an exclusive `flock` of the file; a writer
/// that finds the path holding another file than its own (another process's
/// purge replaced it) opens it again before writing, so no record goes to a
/// file that is gone. (Elsewhere, only one process may write the proof file.)
///
/// The daily purge reads and rewrites the whole proof file in the request that
/// writes the first record after the day has passed: that request waits for it.
///
/// Write errors cannot fail a response that has already been produced: they are
/// printed to standard error and counted ([`JsonlSink::errors`]).
#[derive(Debug)]
pub struct JsonlSink {
    log: File,
    proofs: Mutex<ProofFile>,
    errors: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct ProofFile {
    path: PathBuf,
    file: File,
    last_purge: Option<OffsetDateTime>,
}

/// What a purge did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Records kept.
    pub kept: usize,
    /// Records removed.
    pub removed: usize,
    /// Lines kept because they could not be read as records (never dropped).
    pub unreadable: usize,
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Locks `file` with an exclusive `flock` (on Unix; elsewhere nothing is
/// locked) once it is the file at `path`: a file a purge has replaced is closed
/// (which releases its lock) and the one now at the path opened with `reopen`.
/// The guard releases the lock.
fn lock_current<'f>(
    file: &'f mut File,
    path: &Path,
    reopen: fn(&Path) -> io::Result<File>,
) -> io::Result<Locked<'f>> {
    loop {
        #[cfg(unix)]
        rustix::fs::flock(&*file, rustix::fs::FlockOperation::LockExclusive)?;
        if still_at(file, path)? {
            break;
        }
        *file = reopen(path)?;
    }
    Ok(Locked(file))
}

/// A locked file; the lock is released when dropped.
struct Locked<'f>(&'f File);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = rustix::fs::flock(self.0, rustix::fs::FlockOperation::Unlock);
    }
}

/// Whether `path` still names `file` (not another file that replaced it, nor
/// nothing); elsewhere than on Unix, always.
fn still_at(file: &File, path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (open, named) = match (file.metadata(), fs::metadata(path)) {
            (Ok(open), Ok(named)) => (open, named),
            (Err(e), _) => return Err(e),
            (_, Err(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            (_, Err(e)) => return Err(e),
        };
        Ok((open.dev(), open.ino()) == (named.dev(), named.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

impl ProofFile {
    /// Appends `bytes` to the file now at the path, under its lock.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let locked = lock_current(&mut self.file, &self.path, append)?;
        let mut file = locked.0;
        file.write_all(bytes)
    }
}

impl JsonlSink {
    /// Opens (creating) the consent log at `log` and the proof records at
    /// `proofs`.
    ///
    /// # Errors
    ///
    /// When either file cannot be opened for appending.
    pub fn open(log: impl AsRef<Path>, proofs: impl AsRef<Path>) -> io::Result<JsonlSink> {
        let proofs = proofs.as_ref().to_path_buf();
        Ok(JsonlSink {
            log: append(log.as_ref())?,
            proofs: Mutex::new(ProofFile {
                file: append(&proofs)?,
                path: proofs,
                last_purge: None,
            }),
            errors: Default::default(),
        })
    }

    /// Writes what the operating system holds of the log to the disk.
    ///
    /// # Errors
    ///
    /// When the operating system reports one.
    pub fn sync(&self) -> io::Result<()> {
        self.log.sync_data()
    }

    /// Write errors so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn failed(&self, what: &str, e: &io::Error) {
        self.errors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        eprintln!("samtykke-tower: could not write the {what}: {e}");
    }

    /// Rewrites the proof file without the records that may be purged at `now`
    /// (R19: a record stays until the decision it proves has ended and
    /// `proof_retention_days` have passed since). Records are grouped by consent
    /// id in file order; lines that do not read as records under `policy` are
    /// kept as they are. The new file replaces the old one by a rename, so a crash
    /// leaves one or the other whole.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, written or renamed; it is then left as it was.
    pub fn purge(&self, policy: &ValidPolicy<'_>, now: OffsetDateTime) -> io::Result<Purged> {
        let mut file = lock(&self.proofs);
        file.last_purge = Some(now);
        // (The next append finds the new file at the path, and opens it.)
        purge_file(policy, &file.path, now)
    }
}

fn purge_file(policy: &ValidPolicy<'_>, path: &Path, now: OffsetDateTime) -> io::Result<Purged> {
    // The file now at the path, locked: writers wait, and one that held the file
    // a purge replaces opens the new one (see `ProofFile::append`).
    let mut file = File::open(path)?;
    let locked = lock_current(&mut file, path, |p| File::open(p))?;
    let mut file = locked.0;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let retained = retain_proofs(policy, &bytes, now);
    if retained.removed > 0 {
        // Beside the file, named after it whole (`proofs.jsonl.purge.tmp`): two
        // proof files in one directory never share it.
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".purge.tmp");
        let tmp = path.with_file_name(tmp_name);
        let new = File::create(&tmp)?;
        // The file keeps its mode (and, where this process may set it, its
        // owner), so the other processes that write it still can.
        let old = file.metadata()?;
        new.set_permissions(old.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = std::os::unix::fs::fchown(&new, Some(old.uid()), Some(old.gid()));
        }
        (&new).write_all(&retained.kept)?;
        new.sync_all()?;
        // Replaced while still locked: a writer waiting for the lock finds the
        // path holding the new file, and opens it.
        fs::rename(&tmp, path)?;
    }
    Ok(Purged {
        kept: retained.records,
        removed: retained.removed,
        unreadable: retained.unreadable,
    })
}

impl Sink for JsonlSink {
    fn event(&self, line: &str) {
        self.events(&format!("{line}\n"));
    }

    fn events(&self, lines: &str) {
        // One write with O_APPEND: appended whole, without a lock.
        if let Err(e) = (&self.log).write_all(lines.as_bytes()) {
            self.failed("consent log", &e);
        }
    }

    fn proof(&self, policy: &ValidPolicy<'_>, _proof: &Proof, line: &str, now: OffsetDateTime) {
        let due = {
            let mut file = lock(&self.proofs);
            if let Err(e) = file.append(format!("{line}\n").as_bytes()) {
                drop(file);
                self.failed("proof record", &e);
                return;
            }
            match file.last_purge {
                None => true,
                Some(t) => now - t >= time::Duration::days(1),
            }
        };
        if due {
            if let Err(e) = self.purge(policy, now) {
                self.failed("proof file's purge", &e);
            }
        }
    }
}
