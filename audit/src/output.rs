//! The report written as the audit goes (SPEC §9): text, one line a finding and a
//! summary, or one JSON document `{"violations":[…],"input_errors":[…],
//! "summary":{…}}` whose violations stream out as they are found, with
//! `"read_errors":[{"file","message"}]` before the summary when a file could not
//! be opened or read to its end.

use std::io::{self, Write};

use super::report::{
    write_text_summary, InputError, Sink, Summary, TextInputError, TextViolation, Violation,
};

/// How a [`ReportWriter`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line a finding (`FILE:LINE: ID: MESSAGE …`), then the summary.
    Text,
    /// SPEC §9's JSON document, on one line.
    Json,
}

/// A [`Sink`] that writes each finding to `W` as it comes, each finding in one
/// `write_all` (so a writer that redraws a progress bar around its writes sees
/// whole lines). The JSON document holds input errors until the end, where their
/// list belongs. A write error is kept, later findings are dropped, and
/// [`ReportWriter::finish`] returns it, unless it is a closed pipe (`| head`),
/// which ends the output quietly.
#[derive(Debug)]
pub struct ReportWriter<W: Write> {
    w: W,
    format: Format,
    errors: Vec<InputError>,
    read_errors: Vec<ReadErrorEntry>,
    started: bool,
    any: bool,
    line: Vec<u8>,
    failed: Option<io::Error>,
}

impl<W: Write> ReportWriter<W> {
    /// A writer of `format` to `w`.
    pub fn new(w: W, format: Format) -> Self {
        ReportWriter {
            w,
            format,
            errors: Vec::new(),
            read_errors: Vec::new(),
            started: false,
            any: false,
            line: Vec::with_capacity(256),
            failed: None,
        }
    }

    /// Writes what `f` puts in the line buffer, in one write.
    fn emit(&mut self, f: impl FnOnce(&mut Vec<u8>, bool) -> io::Result<()>) {
        if self.failed.is_some() {
            return;
        }
        self.line.clear();
        if self.format == Format::Json && !self.started {
            self.line.extend_from_slice(b"{\"violations\":[");
        }
        self.started = true;
        let result = f(&mut self.line, self.any).and_then(|()| self.w.write_all(&self.line));
        if let Err(e) = result {
            self.failed = Some(e);
        }
    }

    /// Records that `file` could not be opened or read to its end, and why
    /// (the JSON document's `read_errors`). The text report leaves it to the
    /// caller, which says it on standard error.
    pub fn read_error(&mut self, file: &str, message: &str) {
        if self.format == Format::Json {
            self.read_errors.push(ReadErrorEntry {
                file: file.to_owned(),
                message: message.to_owned(),
            });
        }
    }

    /// Ends the report with the input errors and read errors (JSON) and the
    /// summary, flushes, and gives the writer back.
    ///
    /// # Errors
    ///
    /// The first write error, unless the reader of a pipe went away.
    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        let errors = std::mem::take(&mut self.errors);
        let read_errors = std::mem::take(&mut self.read_errors);
        let format = self.format;
        self.emit(|buf, _| match format {
            Format::Text => write_text_summary(buf, summary),
            Format::Json => {
                buf.extend_from_slice(b"],\"input_errors\":");
                serde_json::to_writer(&mut *buf, &errors)?;
                if !read_errors.is_empty() {
                    buf.extend_from_slice(b",\"read_errors\":");
                    serde_json::to_writer(&mut *buf, &read_errors)?;
                }
                buf.extend_from_slice(b",\"summary\":");
                serde_json::to_writer(&mut *buf, summary)?;
                buf.extend_from_slice(b"}\n");
                Ok(())
            }
        });
        if self.failed.is_none() {
            if let Err(e) = self.w.flush() {
                self.failed = Some(e);
            }
        }
        match self.failed {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(self.w),
        }
    }
}

/// A file that could not be read, as the JSON document lists it.
#[derive(Debug, serde::Serialize)]
struct ReadErrorEntry {
    file: String,
    message: String,
}

impl<W: Write> Sink for ReportWriter<W> {
    fn violation(&mut self, v: Violation) {
        let format = self.format;
        self.emit(|buf, any| match format {
            Format::Text => writeln!(buf, "{}", TextViolation(&v)),
            Format::Json => {
                if any {
                    buf.push(b',');
                }
                serde_json::to_writer(&mut *buf, &v).map_err(io::Error::from)
            }
        });
        self.any = true;
    }

    fn input_error(&mut self, e: InputError) {
        match self.format {
            Format::Text => self.emit(|buf, _| writeln!(buf, "{}", TextInputError(&e))),
            Format::Json => self.errors.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{InputErrorKind, ViolationId};

    fn violation(line: u64) -> Violation {
        Violation {
            id: ViolationId::CookieBeforeConsent,
            file: "log".into(),
            line,
            visitor: "v".into(),
            ts: "2026-03-01T10:00:00Z".into(),
            cookie: Some("nmstat".into()),
            category: Some("statistics".into()),
            message: "m".into(),
        }
    }

    #[test]
    fn the_json_document_is_the_reports_json() {
        let mut report = crate::Report::default();
        let mut w = ReportWriter::new(Vec::new(), Format::Json);
        for line in [1, 2] {
            w.violation(violation(line));
            report.violation(violation(line));
        }
        let e = InputError {
            file: "log".into(),
            line: 3,
            kind: InputErrorKind::NotJson,
            message: "bad".into(),
        };
        w.input_error(e.clone());
        report.input_error(e);
        report.summary.events = 2;
        let out = w.finish(&report.summary).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(written["violations"].as_array().unwrap().len(), 2);
        assert_eq!(written["input_errors"][0]["line"], 3);
        assert_eq!(written["summary"]["events"], 2);
        assert_eq!(written, report.to_json());
    }

    #[test]
    fn an_empty_json_report_is_a_whole_document() {
        let out = ReportWriter::new(Vec::new(), Format::Json)
            .finish(&Summary::default())
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["violations"], serde_json::json!([]));
        assert_eq!(doc["input_errors"], serde_json::json!([]));
        assert_eq!(doc.get("read_errors"), None);
    }

    #[test]
    fn s09_a_file_not_read_is_listed_in_the_json_document() {
        let mut w = ReportWriter::new(Vec::new(), Format::Json);
        w.violation(violation(1));
        w.read_error("gone.jsonl", "No such file or directory (os error 2)");
        w.read_error("cut.jsonl.gz", "incomplete deflate stream");
        let doc: serde_json::Value =
            serde_json::from_slice(&w.finish(&Summary::default()).unwrap()).unwrap();
        assert_eq!(
            doc["read_errors"],
            serde_json::json!([
                {"file": "gone.jsonl", "message": "No such file or directory (os error 2)"},
                {"file": "cut.jsonl.gz", "message": "incomplete deflate stream"},
            ])
        );
        assert_eq!(doc["violations"][0]["line"], 1);
        // The text report leaves it to the caller's standard error.
        let mut t = ReportWriter::new(Vec::new(), Format::Text);
        t.read_error("gone.jsonl", "gone");
        let text = String::from_utf8(t.finish(&Summary::default()).unwrap()).unwrap();
        assert!(!text.contains("gone"), "{text}");
    }
}
