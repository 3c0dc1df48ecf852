//! Reading logs: files, gzip files, standard input, line by line with a bound on
//! the line length, so memory does not grow with the log.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use samtykke::ValidPolicy;

use super::memo::ParseMemo;
use super::pipeline::Input;
use super::report::Sink;
use super::rules::{parse_line, parse_text, too_long, Auditor, Parsed};
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
        let mut parse_memo = ParseMemo::default();
        for_each_line(reader, |number, line| {
            let parsed = line.parse(&policy, &mut parse_memo, number);
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
        self.read_source(Source::open(path)?)
    }

    /// Audits one source: its lines, or its table's rows.
    fn read_source(&mut self, source: Source) -> Result<(), ReadError> {
        let name = source.name;
        #[cfg(feature = "arrow")]
        if let Some(batches) = source.table {
            return self
                .read_table(&name, batches)
                .map_err(|source| ReadError { file: name, source });
        }
        self.read(&name, source.reader)
            .map_err(|source| ReadError { file: name, source })
    }

    /// Audits `sources` as one log: one after the other, or, with
    /// [`AuditOptions::merge`](super::AuditOptions::merge), merged by time. A
    /// source that cannot be read to its end is given to `failed`, and the others
    /// are audited all the same (merged sources stop at the first fault). This is
    /// what `samtykke audit` and Python's `samtykke.audit` run.
    pub fn read_sources(&mut self, sources: Vec<Source>, mut failed: impl FnMut(ReadError)) {
        if self.options().merges() {
            let policy = self.policy();
            let mut named = Vec::new();
            let mut faults = Vec::new();
            for source in sources {
                let (inputs, fault) = source.into_inputs(policy);
                named.extend(inputs);
                faults.extend(fault);
            }
            if let Err(e) = self.read_merged_inputs(named) {
                failed(e);
            }
            faults.into_iter().for_each(failed);
            return;
        }
        for source in sources {
            if let Err(e) = self.read_source(source) {
                failed(e);
            }
        }
    }
}

/// A log to audit: its name in findings and its bytes (gzip or not), or (a
/// Parquet file, an Arrow stream) its rows.
pub struct Source {
    /// The name findings give as their `file`: the path as given, `-` for
    /// standard input.
    pub name: String,
    /// The log's bytes (nothing, for a table).
    pub reader: Box<dyn Read + Send>,
    /// A table's record batches, read as rows rather than lines.
    #[cfg(feature = "arrow")]
    table: Option<super::table::Batches<'static>>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Source {
    /// A log read from `reader`, named `name` in findings.
    pub fn new(name: impl Into<String>, reader: impl Read + Send + 'static) -> Source {
        Source {
            name: name.into(),
            reader: Box::new(reader),
            #[cfg(feature = "arrow")]
            table: None,
        }
    }

    /// A table named `name` in findings: its rows (SPEC §17), row `n` from 1
    /// as line `n`, as [`Auditor::read_table`] reads them.
    #[cfg(feature = "arrow")]
    pub fn table(
        name: impl Into<String>,
        batches: impl Iterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>
            + Send
            + 'static,
    ) -> Source {
        Source {
            name: name.into(),
            reader: Box::new(io::empty()),
            table: Some(Box::new(batches)),
        }
    }

    /// Whether the source is a table, read as rows.
    #[cfg(feature = "arrow")]
    pub fn is_table(&self) -> bool {
        self.table.is_some()
    }

    /// Whether the source is a table, read as rows: never, without the
    /// `arrow` feature.
    #[cfg(not(feature = "arrow"))]
    pub fn is_table(&self) -> bool {
        false
    }

    /// What `--merge` merges of this source: its lines or its table's rows;
    /// a table with `file` and `line` columns is read first, each of its
    /// files an input of its own (`table::placed_inputs`), and the
    /// error that ended its reading, if one did, comes beside them.
    #[allow(clippy::type_complexity)]
    pub(crate) fn into_inputs(
        self,
        #[allow(unused_variables)] policy: ValidPolicy<'_>,
    ) -> (
        Vec<(String, Input<'static, Box<dyn Read + Send>>)>,
        Option<ReadError>,
    ) {
        #[cfg(feature = "arrow")]
        if let Some(batches) = self.table {
            let (placed, batches) = super::table::peek_placed(batches);
            if !placed {
                return (vec![(self.name, Input::Table(batches))], None);
            }
            let (inputs, fault) = super::table::placed_inputs(policy, &self.name, batches);
            let fault = fault.map(|source| ReadError {
                file: self.name,
                source,
            });
            return (inputs, fault);
        }
        (vec![(self.name, Input::Lines(self.reader))], None)
    }

    /// Opens the log at `path`; `-` is standard input (SPEC §9), the one place
    /// that convention lives. With the `parquet` feature, a file whose name ends
    /// in `.parquet` is read as a Parquet file (SPEC §17), a row group at a time,
    /// each row a line numbered from 1.
    ///
    /// # Errors
    ///
    /// The file cannot be opened, or (Parquet) its footer or schema cannot be
    /// read or its columns cannot be events; the error names the file, and the
    /// column where one is at fault.
    pub fn open(path: impl AsRef<Path>) -> Result<Source, ReadError> {
        let path = path.as_ref();
        let name = path.to_string_lossy().into_owned();
        if path.as_os_str() == "-" {
            return stdin().map_or_else(
                |source| {
                    Err(ReadError {
                        file: name.clone(),
                        source,
                    })
                },
                |input| Ok(Source::new(name.clone(), input)),
            );
        }
        let file = match File::open(path) {
            Ok(file) => file,
            Err(source) => return Err(ReadError { file: name, source }),
        };
        // A directory opens, but is no log: refused here with the error reading
        // it gives (EISDIR), as a file that cannot be opened is, so neither is
        // counted as a file read.
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            let source = match (&file).read(&mut [0u8; 1]) {
                Err(e) => e,
                Ok(_) => io::Error::other("a directory, not a log"),
            };
            return Err(ReadError { file: name, source });
        }
        #[cfg(feature = "parquet")]
        if is_parquet(path) {
            return match parquet_rows(file) {
                Ok(rows) => Ok(Source::table(name, rows)),
                Err(source) => Err(ReadError { file: name, source }),
            };
        }
        Ok(Source::new(name, file))
    }
}

/// Two of `paths` that name one stream, which only one reader can read:
/// standard input (`-`) twice, a pipe or a socket twice, or standard input
/// by its name and by another (`-` and `/dev/stdin`). Merged, their readers
/// would share the stream, each taking lines at random; one after the
/// other, the second would find it read. The two names, first and second;
/// `None` when there are no such two (a regular file, or a device such as
/// `/dev/null`, may be given twice: each opening reads it whole).
pub fn one_stream_twice<P: AsRef<Path>>(paths: &[P]) -> Option<(String, String)> {
    let mut dash: Option<(String, Option<(u64, u64)>)> = None;
    let mut streams: Vec<((u64, u64), String)> = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let name = path.to_string_lossy().into_owned();
        if path.as_os_str() == "-" {
            if let Some((first, _)) = &dash {
                return Some((first.clone(), name));
            }
            // Standard input as whatever it is, a terminal too.
            let id = stdin().ok().and_then(|f| stdin_id(&f));
            dash = Some((name, id));
            continue;
        }
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        let Some(id) = file_id(&meta) else {
            continue;
        };
        if let Some((first, _)) = dash.as_ref().filter(|(_, d)| *d == Some(id)) {
            return Some((first.clone(), name));
        }
        if !is_stream(&meta) {
            continue;
        }
        if let Some((_, first)) = streams.iter().find(|(seen, _)| *seen == id) {
            return Some((first.clone(), name));
        }
        streams.push((id, name));
    }
    None
}

/// The device and inode of a file.
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Whether a file is a stream two openings share: a pipe or a socket.
#[cfg(unix)]
fn is_stream(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    t.is_fifo() || t.is_socket()
}

#[cfg(not(unix))]
fn is_stream(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Standard input's device and inode, where it is not a regular file (a
/// regular file's second opening reads it anew).
#[cfg(unix)]
fn stdin_id(f: &File) -> Option<(u64, u64)> {
    let meta = f.metadata().ok()?;
    if meta.is_file() {
        return None;
    }
    file_id(&meta)
}

#[cfg(not(unix))]
fn stdin_id(_f: &io::Stdin) -> Option<(u64, u64)> {
    None
}

/// Standard input as a file of its own (a duplicate of its descriptor), so
/// that a read that fails is an error: `std`'s `Stdin` reads a descriptor that
/// is not open for reading (`EBADF`) as an empty input, and an audit of it
/// would pass as clean.
///
/// # Errors
///
/// Standard input is closed (no descriptor to duplicate).
#[cfg(unix)]
fn stdin() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdin().as_fd().try_clone_to_owned()?))
}

/// Standard input, where descriptors are not duplicated so.
#[cfg(not(unix))]
fn stdin() -> io::Result<io::Stdin> {
    Ok(io::stdin())
}

/// Whether `path` names a Parquet file (by its extension, in any case).
#[cfg(feature = "parquet")]
fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// A Parquet file's rows, read a row group at a time (batches of up to 8,192
/// rows within it): a row group that cannot be read ends the rows with an
/// error naming it and its rows, and the row groups before it are audited.
#[cfg(feature = "parquet")]
fn parquet_rows(
    file: File,
) -> io::Result<
    impl Iterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>> + Send,
> {
    use arrow_schema::ArrowError;
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    let invalid = |e: parquet::errors::ParquetError| io::Error::new(io::ErrorKind::InvalidData, e);
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()).map_err(invalid)?;
    // The schema is checked before any row is read, and only the columns
    // the audit reads are decoded.
    let layout = super::table::TableLayout::new(meta.schema())?;
    let mask = parquet::arrow::ProjectionMask::roots(meta.parquet_schema(), layout.fields());
    let groups = meta.metadata().num_row_groups();
    let mut first = 1u64;
    let rows = (0..groups).flat_map(move |g| {
        let n = u64::try_from(meta.metadata().row_group(g).num_rows()).unwrap_or(0);
        let (from, to) = (first, first + n.saturating_sub(1));
        first += n;
        let at = move |e: &dyn std::fmt::Display| {
            ArrowError::ExternalError(Box::new(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("row group {g} (counted from 0; rows {from} to {to}): {e}"),
            )))
        };
        let reader = file.try_clone().map_err(|e| at(&e)).and_then(|file| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![g])
                .with_batch_size(8192)
                .build()
                .map_err(|e| at(&e))
        });
        let batches: Box<dyn Iterator<Item = _> + Send> = match reader {
            Ok(mut reader) => Box::new(std::iter::from_fn(move || {
                // The reader panics on some malformed files (a dictionary of
                // booleans in its Arrow schema hint): an error of the row
                // group, and its last.
                let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.next()))
                    .unwrap_or_else(|_| {
                        Some(Err(ArrowError::ComputeError(
                            "its data does not match its schema".to_owned(),
                        )))
                    })?;
                Some(next.map_err(|e| match e {
                    // The `parquet` crate's own words, without arrow's
                    // "Parquet argument error" before them.
                    ArrowError::ParquetError(words) => at(&words),
                    ArrowError::ComputeError(words) => at(&words),
                    e => at(&e),
                }))
            })),
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        batches
    });
    // Nothing is read after a row group's error; a panic elsewhere in the
    // reader is an error of the file.
    Ok(super::table::Checked::new(rows, false))
}

/// A line as [`for_each_line`] hands it over.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LineText<'a> {
    /// A line of a read whose complete lines were checked as UTF-8 at once.
    Text(&'a str),
    /// A line not yet checked (joined across reads, or of a read that is not
    /// UTF-8 throughout).
    Bytes(&'a [u8]),
    /// A line over the limit, not held.
    TooLong,
}

impl<'a> LineText<'a> {
    /// Line `number` read as an event.
    #[inline]
    pub(crate) fn parse(
        self,
        policy: &ValidPolicy<'_>,
        parse_memo: &mut ParseMemo,
        number: u64,
    ) -> Parsed<'a> {
        match self {
            LineText::Text(text) => parse_text(policy, parse_memo, number == 1, text),
            LineText::Bytes(bytes) => parse_line(policy, parse_memo, number == 1, bytes),
            LineText::TooLong => too_long(),
        }
    }
}

/// Calls `f` with each line of `reader` (gzip data decompressed) and its number
/// from 1: as text when its read was UTF-8 throughout, as bytes otherwise, and
/// [`LineText::TooLong`] for a line over 1 MiB, which is not kept.
pub(crate) fn for_each_line<R: Read>(
    reader: R,
    f: impl FnMut(u64, LineText<'_>),
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

fn split_lines<R: BufRead>(mut r: R, mut f: impl FnMut(u64, LineText<'_>)) -> io::Result<()> {
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
        // The read's complete lines, checked as UTF-8 in one go: a line then
        // needs no check of its own (a read that is not UTF-8 throughout has its
        // lines checked one by one, so each error names its own line).
        let whole = memchr::memrchr(b'\n', buf)
            .and_then(|last| simdutf8::basic::from_utf8(&buf[..last]).ok());
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            number += 1;
            if overlong || partial.len() + (end - start) > limit {
                f(number, LineText::TooLong);
            } else if partial.is_empty() {
                match whole.and_then(|text| text.get(start..end)) {
                    Some(text) => f(number, LineText::Text(text)),
                    None => f(number, LineText::Bytes(&buf[start..end])),
                }
            } else {
                partial.extend_from_slice(&buf[start..end]);
                f(number, LineText::Bytes(&partial));
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
        f(number + 1, LineText::TooLong);
    } else if !partial.is_empty() {
        f(number + 1, LineText::Bytes(&partial));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the read size (a character cut by a read included), every line
    /// comes out whole, numbered, with its own bytes.
    #[test]
    fn lines_come_whole_and_numbered_at_every_read_size() {
        let input: &[u8] = b"{\"a\":\"\xc3\xb8\xc3\xa6\"}\n\xff\xfe bad\r\nplain\n\nl\xc3\xb8st\n\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\nlast";
        let expected: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        for capacity in 1..=input.len() + 1 {
            let mut got: Vec<(u64, Vec<u8>)> = Vec::new();
            split_lines(BufReader::with_capacity(capacity, input), |number, line| {
                let bytes = match line {
                    LineText::Text(text) => text.as_bytes().to_vec(),
                    LineText::Bytes(bytes) => bytes.to_vec(),
                    LineText::TooLong => panic!("no line is over the limit"),
                };
                got.push((number, bytes));
            })
            .unwrap();
            let want: Vec<(u64, Vec<u8>)> =
                (1..).zip(expected.iter().map(|l| l.to_vec())).collect();
            assert_eq!(got, want, "read size {capacity}");
        }
    }

    /// A read of UTF-8 lines hands each complete line over as text, checked once.
    #[test]
    fn a_utf8_read_hands_its_complete_lines_over_as_text() {
        let input = "{\"a\":\"øæ\"}\nplain\n\nløst\nlast";
        let mut kinds = Vec::new();
        split_lines(
            BufReader::with_capacity(1024, input.as_bytes()),
            |_, line| {
                kinds.push(match line {
                    LineText::Text(_) => "text",
                    LineText::Bytes(_) => "bytes",
                    LineText::TooLong => "too long",
                });
            },
        )
        .unwrap();
        // The last line, without `\n`, is gathered after the read.
        assert_eq!(kinds, ["text", "text", "text", "text", "bytes"]);
    }
}
