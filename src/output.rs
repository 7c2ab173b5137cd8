//! Everything that shapes what is printed: JSON with 4-space indentation,
//! AWS timestamps, and the rows of list commands in each output mode.
//!
//! Rows are written as they arrive, so a listing of any length uses the memory
//! of one page.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

/// Where a command writes: `out` for data, `err` for messages and progress.
pub struct Console<'a> {
    /// Standard output: data only.
    pub out: &'a mut dyn Write,
    /// Standard error: log lines, warnings, per-item errors.
    pub err: &'a mut dyn Write,
}

impl Console<'_> {
    /// Write one message line to stderr.
    pub fn log(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.err, "{line}")
    }
}

/// `text` with its control characters escaped (`\u{1b}`, `\n`), for lines
/// read on a terminal: a key may hold any character, and a raw escape
/// sequence in a message would be obeyed by the terminal, not shown.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Standard error as commands write messages to it: a write that fails (a
/// closed pipe, as with `2>&1 | head -1`, or a full disk) is dropped, so that
/// where messages go never changes what a command does or its exit code.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

/// JSON with 4-space indentation, as every JSON document of the tool is printed.
pub fn to_pretty_json(value: &impl Serialize) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    // Serializing a `Value` or plain data into memory cannot fail.
    if value.serialize(&mut serializer).is_err() {
        return "null".to_owned();
    }
    String::from_utf8(buffer).unwrap_or_default()
}

/// An AWS timestamp as `2021-11-03 01:38:24+00:00`, the form the original tool printed.
pub fn timestamp(date: &aws_smithy_types::DateTime) -> Value {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]+00:00");
    time::OffsetDateTime::from_unix_timestamp(date.secs())
        .ok()
        .and_then(|t| t.format(&format).ok())
        .map_or(Value::Null, Value::String)
}

/// A JSON object built field by field, skipping fields that are absent, as
/// the AWS APIs omit them.
#[derive(Debug, Default)]
pub struct Object(Map<String, Value>);

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `key` with `value`.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// Add `key` when `value` is present.
    #[must_use]
    pub fn with_opt<T: Into<Value>>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object.0)
    }
}

/// The output modes of list commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON objects one after another.
    Pretty,
    /// One compact JSON object per line.
    Nl,
    /// One pretty-printed JSON array.
    Array,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
}

/// Writes rows in one output mode as they arrive.
///
/// `columns` names the CSV/TSV header and which fields go in it; JSON modes
/// print each row whole.
pub struct RowWriter<'a> {
    out: &'a mut dyn Write,
    format: Format,
    columns: &'a [&'a str],
    rows: usize,
}

impl<'a> RowWriter<'a> {
    /// Start writing rows with the given columns.
    pub fn new(out: &'a mut dyn Write, format: Format, columns: &'a [&'a str]) -> Self {
        Self {
            out,
            format,
            columns,
            rows: 0,
        }
    }

    /// Write one row.
    pub fn row(&mut self, row: &Value) -> io::Result<()> {
        match self.format {
            Format::Pretty => writeln!(self.out, "{}", to_pretty_json(row))?,
            Format::Nl => writeln!(self.out, "{row}")?,
            Format::Array => {
                let separator = if self.rows == 0 { "[\n" } else { ",\n" };
                let indented = to_pretty_json(row).replace('\n', "\n    ");
                write!(self.out, "{separator}    {indented}")?;
            }
            Format::Csv | Format::Tsv => {
                if self.rows == 0 {
                    self.record(self.columns.iter().map(|c| (*c).to_owned()))?;
                }
                let cells = self.columns.iter().map(|column| cell(row.get(*column)));
                self.record(cells)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Push what has been written so far to the reader: called after each page.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Close the output: ends a JSON array, writes the header of an empty CSV.
    pub fn finish(mut self) -> io::Result<()> {
        match (self.format, self.rows) {
            (Format::Array, 0) => writeln!(self.out, "[]")?,
            (Format::Array, _) => writeln!(self.out, "\n]")?,
            (Format::Csv | Format::Tsv, 0) => {
                self.record(self.columns.iter().map(|c| (*c).to_owned()))?;
            }
            _ => {}
        }
        self.out.flush()
    }

    fn record(&mut self, cells: impl Iterator<Item = String>) -> io::Result<()> {
        let delimiter = if self.format == Format::Tsv {
            b'\t'
        } else {
            b','
        };
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut *self.out);
        writer
            .write_record(cells.collect::<Vec<_>>())
            .map_err(io::Error::other)?;
        writer.flush()
    }
}

/// One CSV/TSV cell: strings as they are, nothing for absent values, and
/// anything nested as compact JSON text.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format, rows: &[Value]) -> String {
        let mut out = Vec::new();
        let mut writer = RowWriter::new(&mut out, format, &["Name", "Tags"]);
        for row in rows {
            writer.row(row).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    fn rows() -> Vec<Value> {
        vec![
            json!({"Name": "a", "Tags": [{"Key": "k", "Value": "v"}]}),
            json!({"Name": "b,\"c\"", "Extra": 1}),
        ]
    }

    #[test]
    fn pretty_prints_objects_one_after_another() {
        assert_eq!(
            render(Format::Pretty, &rows()[1..]),
            "{\n    \"Name\": \"b,\\\"c\\\"\",\n    \"Extra\": 1\n}\n"
        );
    }

    #[test]
    fn newline_delimited_json_is_one_object_per_line() {
        assert_eq!(
            render(Format::Nl, &rows()),
            "{\"Name\":\"a\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}\n{\"Name\":\"b,\\\"c\\\"\",\"Extra\":1}\n"
        );
    }

    #[test]
    fn array_is_one_valid_json_document() {
        let text = render(Format::Array, &rows());
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, Value::Array(rows()));
        assert_eq!(text, format!("{}\n", to_pretty_json(&rows())));
        assert_eq!(render(Format::Array, &[]), "[]\n");
    }

    #[test]
    fn csv_and_tsv_quote_and_nest() {
        assert_eq!(
            render(Format::Csv, &rows()),
            "Name,Tags\r\na,\"[{\"\"Key\"\":\"\"k\"\",\"\"Value\"\":\"\"v\"\"}]\"\r\n\"b,\"\"c\"\"\",\r\n"
        );
        assert_eq!(
            render(Format::Tsv, &rows()),
            "Name\tTags\r\na\t\"[{\"\"Key\"\":\"\"k\"\",\"\"Value\"\":\"\"v\"\"}]\"\r\n\"b,\"\"c\"\"\"\t\r\n"
        );
        assert_eq!(render(Format::Csv, &[]), "Name,Tags\r\n");
    }

    #[test]
    fn csv_and_tsv_round_trip_line_breaks_and_control_characters() {
        let names = ["line\nbreak", "cr\r\nlf", "tab\t,\"q\"", "ctrl\u{1b}x"];
        let rows: Vec<Value> = names.iter().map(|name| json!({ "Name": name })).collect();
        for (format, delimiter) in [(Format::Csv, b','), (Format::Tsv, b'\t')] {
            let text = render(format, &rows);
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .from_reader(text.as_bytes());
            let read: Vec<String> = reader
                .records()
                .map(|record| record.unwrap()[0].to_owned())
                .collect();
            assert_eq!(read, names, "{format:?}");
        }
    }

    #[test]
    fn control_characters_print_escaped() {
        assert_eq!(printable("plain/ü.txt"), "plain/ü.txt");
        assert_eq!(printable("ctrl\u{1b}[31mx\ny\t"), "ctrl\\u{1b}[31mx\\ny\\t");
    }

    #[test]
    fn timestamps_print_like_the_original_tool() {
        let date = aws_smithy_types::DateTime::from_secs(1_635_903_504);
        assert_eq!(timestamp(&date), json!("2021-11-03 01:38:24+00:00"));
    }

    #[test]
    fn objects_skip_absent_fields_and_keep_order() {
        let value: Value = Object::new()
            .with("b", 1)
            .with_opt("skipped", None::<String>)
            .with_opt("a", Some("x"))
            .into();
        assert_eq!(value.to_string(), "{\"b\":1,\"a\":\"x\"}");
    }
}
