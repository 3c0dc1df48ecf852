//! Reading logs: files, gzip files, standard input, line by line with a bound on
//! the line length, so memory does not grow with the log.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::report::Sink;
use super::rules::Auditor;
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
    ///
    /// # Errors
    ///
    /// The reader's (or the decompressor's) error; the lines before it are
    /// audited.
    pub fn read<R: Read>(&mut self, name: &str, mut reader: R) -> io::Result<()> {
        self.file(name);
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
        let whole = (&head[..n]).chain(reader);
        if head[..n] == [0x1f, 0x8b] {
            self.lines(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(whole)))
        } else {
            self.lines(BufReader::with_capacity(BUFFER, whole))
        }
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
            return self.read("-", io::stdin().lock()).map_err(fail);
        }
        let file = File::open(path).map_err(fail)?;
        self.read(&name, file).map_err(fail)
    }

    fn lines<R: BufRead>(&mut self, mut r: R) -> io::Result<()> {
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
                    self.too_long(number);
                } else if partial.is_empty() {
                    self.line(number, &buf[start..end]);
                } else {
                    partial.extend_from_slice(&buf[start..end]);
                    self.line(number, &partial);
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
            self.too_long(number + 1);
        } else if !partial.is_empty() {
            self.line(number + 1, &partial);
        }
        Ok(())
    }
}
