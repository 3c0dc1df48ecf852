//! Reading logs: files, gzip files, standard input, line by line with a bound on
//! the line length, so memory does not grow with the log.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::report::Sink;
use super::rules::{parse_line, too_long, Auditor};
use super::stamp::LastDay;
use super::MAX_LINE;

/// Read buffer: large enough that most lines are audited where they lie.
const BUFFER: usize = 256 * 1024;

/// A file that could not be opened or read to its end.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {source}")]
pub struct ReadError {
    /// The file, as named (`-` for standard input).
    pub file: String,
    /// What went wrong.
    #[source]
    pub source: io::Error,
}

impl<S: Sink> Auditor<'_, S> {
    /// Audits everything `reader` yields as the file `name`: gzip data (by its
    /// magic bytes) is decompressed, lines are split on `\n` and numbered from 1.
    /// A line over 1 MiB is reported and skipped without being held in memory.
    /// With [`AuditOptions::threads`](super::AuditOptions::threads) above 1,
    /// reading runs on a thread of its own and parsing and the rules on that many
    /// workers, visitors sharded among them; the report is the same.
    ///
    /// # Errors
    ///
    /// The reader's (or the decompressor's) error; the lines before it are
    /// audited.
    pub fn read<R: Read + Send>(&mut self, name: &str, reader: R) -> io::Result<()> {
        if self.options().merges() {
            return self
                .read_merged(vec![(name.to_owned(), reader)])
                .map_err(|e| e.source);
        }
        self.file(name);
        if self.threads() > 1 {
            return self.read_sharded(reader);
        }
        let policy = self.policy();
        let mut last_day = LastDay::default();
        for_each_line(reader, |number, text| {
            let parsed = match text {
                Some(text) => parse_line(&policy, &mut last_day, number, text),
                None => too_long(),
            };
            self.take(number, parsed);
        })
    }

    /// Audits the file at `path` (`-`: standard input), gzip or not.
    ///
    /// # Errors
    ///
    /// A file that cannot be opened or read to its end, named as given; the lines
    /// before the fault are audited.
    pub fn read_path(&mut self, path: impl AsRef<Path>) -> Result<(), ReadError> {
        let path = path.as_ref();
        let name = path.to_string_lossy();
        let fail = |source| ReadError {
            file: name.to_string(),
            source,
        };
        if path.as_os_str() == "-" {
            return self.read("-", io::stdin()).map_err(fail);
        }
        let file = File::open(path).map_err(fail)?;
        self.read(&name, file).map_err(fail)
    }
}

/// Calls `f` with each line of `reader` (gzip data decompressed) and its number
/// from 1; `None` for a line over 1 MiB, which is not kept.
pub(crate) fn for_each_line<R: Read>(
    reader: R,
    f: impl FnMut(u64, Option<&[u8]>),
) -> io::Result<()> {
    split_lines(BufReader::with_capacity(BUFFER, decoded(reader)?), f)
}

/// `reader`'s bytes, decompressed when they start with gzip's magic bytes.
pub(crate) fn decoded<R: Read>(mut reader: R) -> io::Result<Decoded<R>> {
    let mut head = [0u8; 2];
    let mut n = 0;
    while n < 2 {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let gzip = head[..n] == [0x1f, 0x8b];
    let whole = io::Cursor::new(head).take(n as u64).chain(reader);
    Ok(if gzip {
        Decoded::Gzip(MultiGzDecoder::new(whole))
    } else {
        Decoded::Plain(whole)
    })
}

/// A reader's bytes, gzip or not.
pub(crate) enum Decoded<R> {
    Plain(io::Chain<io::Take<io::Cursor<[u8; 2]>>, R>),
    Gzip(MultiGzDecoder<io::Chain<io::Take<io::Cursor<[u8; 2]>>, R>>),
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Plain(r) => r.read(buf),
            Decoded::Gzip(r) => r.read(buf),
        }
    }
}

fn split_lines<R: BufRead>(mut r: R, mut f: impl FnMut(u64, Option<&[u8]>)) -> io::Result<()> {
    // A line split across reads is gathered here; one longer than the limit
    // is dropped as it comes.
    let mut partial: Vec<u8> = Vec::new();
    let mut overlong = false;
    let mut number = 0u64;
    // Room for a `\r` before the `\n`.
    let limit = MAX_LINE + 1;
    loop {
        let buf = match r.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let mut start = 0;
        while let Some(pos) = memchr::memchr(b'\n', &buf[start..]) {
            let end = start + pos;
            number += 1;
            if overlong || partial.len() + (end - start) > limit {
                f(number, None);
            } else if partial.is_empty() {
                f(number, Some(&buf[start..end]));
            } else {
                partial.extend_from_slice(&buf[start..end]);
                f(number, Some(&partial));
            }
            partial.clear();
            overlong = false;
            start = end + 1;
        }
        let rest = &buf[start..];
        if !overlong {
            if partial.len() + rest.len() > limit {
                overlong = true;
                partial = Vec::new();
            } else {
                partial.extend_from_slice(rest);
            }
        }
        let n = buf.len();
        r.consume(n);
    }
    if overlong {
        f(number + 1, None);
    } else if !partial.is_empty() {
        f(number + 1, Some(&partial));
    }
    Ok(())
}
