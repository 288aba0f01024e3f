//! The fast path of TOML loading: a compact document built straight from
//! `toml_parser`'s events, and a serde `Deserializer` over it.
//!
//! toml's own spanned document (`DeTable`) is general: an ordered hash map
//! per table, every event collected in a vector first, every token of the
//! file in another. For a model of 20,000 dimensions that was a third of
//! loading it and most of its memory. Model files use a small part of
//! TOML: tables, arrays of tables, key/values with plain keys, strings,
//! integers, floats, booleans, arrays and inline tables. This module reads
//! exactly that part, one top-level section at a time, into vectors.
//!
//! It never decides anything on its own. On anything else — a syntax error,
//! a duplicate or dotted key, a table defined twice or extended from a
//! header, a date-time, an integer beyond `i64`, a value of the wrong type,
//! an unknown key — it gives up, and the loader runs toml's parser and
//! deserializer as before, which report the problem with their messages and
//! spans. So a document this path accepts is one toml accepts, read into the
//! same values with the same spans: [`agrees_with_toml`] checks that, and
//! the tests and the `load_toml` fuzz target run it.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::lexer::{Token, TokenKind};
use toml_parser::parser::{EventReceiver, RecursionGuard, ValidateWhitespace};
use toml_parser::{ErrorSink, ParseError, Source, Span};

/// How deep arrays and inline tables may nest, and how many keys a table
/// header may have: toml's own limit, so both paths refuse the same files.
const DEPTH_LIMIT: u32 = 80;
/// A table with more keys than this is left to toml: duplicate keys are
/// found by a linear scan, which must stay cheap on hostile input.
const MAX_TABLE_KEYS: usize = 256;

/// A value with the byte range it was written at (for a table created by a
/// header, the header; for an implicit table, its key).
#[derive(Debug)]
pub(crate) struct Value<'i> {
    start: u32,
    end: u32,
    kind: Kind<'i>,
}

#[derive(Debug)]
enum Kind<'i> {
    String(Cow<'i, str>),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// The values, and whether it is an array of tables (`[[name]]`).
    Array(Vec<Value<'i>>, bool),
    Table(Vec<Entry<'i>>, Flavor),
}

/// How a table came to be: TOML's rules on extending it differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// `{ ... }`: closed once written.
    Inline,
    /// Created by a header's path (`environments` in `[environments.DEV]`).
    Implicit,
    /// Opened by its own header.
    Header,
}

#[derive(Debug)]
struct Entry<'i> {
    key: Cow<'i, str>,
    key_start: u32,
    key_end: u32,
    value: Value<'i>,
}

impl Value<'_> {
    fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The document, or `None` when it is outside what this path reads (then
/// toml's parser reads it). The root is a table.
pub(crate) fn parse(text: &str) -> Option<Value<'_>> {
    if u32::try_from(text.len()).is_err() {
        return None;
    }
    let source = Source::new(text);
    let mut builder = Builder::new(source);
    let mut sink = Sink(false);
    // One top-level section at a time (a header and its key/values), so the
    // tokens of only one section are held: a section starts at a `[` that
    // opens a line outside any array or inline table.
    let mut tokens: Vec<Token> = Vec::with_capacity(1024);
    let mut depth: i64 = 0;
    let mut line_start = true;
    let mut lexer = source.lex();
    loop {
        let token = lexer.next();
        let kind = token.map(|t| t.kind());
        let section_starts = kind == Some(TokenKind::LeftSquareBracket) && depth == 0 && line_start;
        let at_end = kind.is_none_or(|k| k == TokenKind::Eof);
        if (section_starts || at_end) && !tokens.is_empty() {
            let eof = token.filter(|_| at_end).or_else(|| Source::new("").lex().next())?;
            tokens.push(eof);
            builder.section(&tokens, &mut sink);
            if builder.bail || sink.0 {
                return None;
            }
            tokens.clear();
        }
        let Some(token) = token else { break };
        if at_end {
            break;
        }
        match token.kind() {
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => depth -= 1,
            _ => {}
        }
        line_start = token.kind() == TokenKind::Newline;
        tokens.push(token);
    }
    builder.finish()
}

/// Whether a parse error was reported anywhere (then the path gives up).
struct Sink(bool);

impl ErrorSink for Sink {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

type Key<'i> = (Cow<'i, str>, u32, u32);

/// An array or inline table being read: its items so far are
/// `Builder::values[first..]` or `Builder::entries[first..]`, moved into a
/// vector of exactly their number when it closes (vectors grown item by
/// item were half empty: a third of the document's memory).
enum Frame<'i> {
    Array {
        start: u32,
        first: usize,
    },
    Inline {
        start: u32,
        first: usize,
        key: Option<Key<'i>>,
    },
}

struct Header<'i> {
    keys: Vec<Key<'i>>,
    start: u32,
    end: u32,
    is_array: bool,
}

struct Builder<'i> {
    source: Source<'i>,
    bail: bool,
    root: Vec<Entry<'i>>,
    /// The key/values of the section being read.
    current: Vec<Entry<'i>>,
    /// The header they go under; `None` for the keys before the first one.
    header: Option<Header<'i>>,
    /// A header being read.
    opening: Option<Header<'i>>,
    /// A document-level key waiting for its value.
    key: Option<Key<'i>>,
    stack: Vec<Frame<'i>>,
    /// The items of the open arrays, innermost last.
    values: Vec<Value<'i>>,
    /// The entries of the open inline tables, innermost last.
    entries: Vec<Entry<'i>>,
}

impl<'i> Builder<'i> {
    fn new(source: Source<'i>) -> Self {
        Self {
            source,
            bail: false,
            root: Vec::new(),
            current: Vec::new(),
            header: None,
            opening: None,
            key: None,
            stack: Vec::new(),
            values: Vec::new(),
            entries: Vec::new(),
        }
    }

    fn section(&mut self, tokens: &[Token], sink: &mut Sink) {
        let source = self.source;
        let mut whitespace = ValidateWhitespace::new(self, source);
        let mut guarded = RecursionGuard::new(&mut whitespace, DEPTH_LIMIT);
        toml_parser::parser::parse_document(tokens, &mut guarded, sink);
    }

    fn finish(mut self) -> Option<Value<'i>> {
        self.finish_table();
        if self.bail || !self.stack.is_empty() || self.key.is_some() || self.opening.is_some() {
            return None;
        }
        Some(Value {
            start: 0,
            end: 0,
            kind: Kind::Table(self.root, Flavor::Header),
        })
    }

    /// Put the section just read where its header says.
    fn finish_table(&mut self) {
        let entries: Vec<Entry<'i>> = self.current.drain(..).collect();
        let Some(header) = self.header.take() else {
            if !entries.is_empty() {
                self.root = entries;
            }
            return;
        };
        let Some(((name, key_start, key_end), path)) = header.keys.split_last() else {
            self.bail = true;
            return;
        };
        let mut table = &mut self.root;
        for (key, start, end) in path {
            let at = table.iter().position(|e| e.key == *key);
            let at = if let Some(at) = at {
                at
            } else {
                table.push(Entry {
                    key: key.clone(),
                    key_start: *start,
                    key_end: *end,
                    value: Value {
                        start: *start,
                        end: *end,
                        kind: Kind::Table(Vec::new(), Flavor::Implicit),
                    },
                });
                table.len() - 1
            };
            let Kind::Table(entries, Flavor::Implicit | Flavor::Header) = &mut table[at].value.kind else {
                self.bail = true;
                return;
            };
            table = entries;
        }
        let value = Value {
            start: header.start,
            end: header.end,
            kind: Kind::Table(entries, Flavor::Header),
        };
        match (table.iter_mut().find(|e| e.key == *name), header.is_array) {
            (None, is_array) => {
                if table.len() >= MAX_TABLE_KEYS {
                    self.bail = true;
                    return;
                }
                let value = if is_array {
                    Value {
                        start: header.start,
                        end: header.end,
                        kind: Kind::Array(vec![value], true),
                    }
                } else {
                    value
                };
                table.push(Entry {
                    key: name.clone(),
                    key_start: *key_start,
                    key_end: *key_end,
                    value,
                });
            }
            (Some(existing), true) => match &mut existing.value.kind {
                Kind::Array(items, true) => items.push(value),
                _ => self.bail = true,
            },
            (Some(_), false) => self.bail = true,
        }
    }

    fn decode_key(&mut self, span: Span, kind: Option<Encoding>, error: &mut dyn ErrorSink) -> Option<Key<'i>> {
        let raw = toml_parser::Raw::new_unchecked(self.source.input().get(span.start()..span.end())?, kind, span);
        let mut decoded = Cow::Borrowed("");
        raw.decode_key(&mut decoded, error);
        Some((
            decoded,
            u32::try_from(span.start()).ok()?,
            u32::try_from(span.end()).ok()?,
        ))
    }

    /// A complete value: into the array or inline table around it, or under
    /// the pending document-level key.
    fn deliver(&mut self, value: Value<'i>) {
        match self.stack.last_mut() {
            Some(Frame::Array { .. }) => self.values.push(value),
            Some(Frame::Inline { key, first, .. }) => match key.take() {
                Some(key) => self.bail |= !insert(&mut self.entries, *first, key, value),
                None => self.bail = true,
            },
            None => match self.key.take() {
                Some(key) => self.bail |= !insert(&mut self.current, 0, key, value),
                None => self.bail = true,
            },
        }
    }
}

/// Add a key/value to the table that is `entries[first..]`; `false` on a
/// duplicate key (or a table too large to check cheaply).
fn insert<'i>(
    entries: &mut Vec<Entry<'i>>,
    first: usize,
    (key, key_start, key_end): Key<'i>,
    value: Value<'i>,
) -> bool {
    let table = &entries[first..];
    if table.len() >= MAX_TABLE_KEYS || table.iter().any(|e| e.key == key) {
        return false;
    }
    entries.push(Entry {
        key,
        key_start,
        key_end,
        value,
    });
    true
}

fn span32(span: Span) -> Option<(u32, u32)> {
    Some((u32::try_from(span.start()).ok()?, u32::try_from(span.end()).ok()?))
}

impl EventReceiver for Builder<'_> {
    fn std_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, false);
    }
    fn array_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, true);
    }
    fn std_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(span);
    }
    fn array_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(span);
    }
    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        match span32(span) {
            Some((start, _)) => self.stack.push(Frame::Inline {
                start,
                first: self.entries.len(),
                key: None,
            }),
            None => self.bail = true,
        }
        true
    }
    fn inline_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        match (self.stack.pop(), span32(span)) {
            (
                Some(Frame::Inline {
                    start,
                    first,
                    key: None,
                }),
                Some((_, end)),
            ) => {
                let entries = self.entries.drain(first..).collect();
                self.deliver(Value {
                    start,
                    end,
                    kind: Kind::Table(entries, Flavor::Inline),
                });
            }
            _ => self.bail = true,
        }
    }
    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        match span32(span) {
            Some((start, _)) => self.stack.push(Frame::Array {
                start,
                first: self.values.len(),
            }),
            None => self.bail = true,
        }
        true
    }
    fn array_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        match (self.stack.pop(), span32(span)) {
            (Some(Frame::Array { start, first }), Some((_, end))) => {
                let items = self.values.drain(first..).collect();
                self.deliver(Value {
                    start,
                    end,
                    kind: Kind::Array(items, false),
                });
            }
            _ => self.bail = true,
        }
    }
    fn simple_key(&mut self, span: Span, kind: Option<Encoding>, error: &mut dyn ErrorSink) {
        let Some(key) = self.decode_key(span, kind, error) else {
            self.bail = true;
            return;
        };
        let slot = if let Some(header) = &mut self.opening {
            header.keys.push(key);
            return;
        } else if let Some(Frame::Inline { key, .. }) = self.stack.last_mut() {
            key
        } else if self.stack.is_empty() {
            &mut self.key
        } else {
            self.bail = true;
            return;
        };
        // A second key before a value is a dotted key (or an error).
        self.bail |= slot.replace(key).is_some();
    }
    fn key_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        // Dotted keys are left to toml, except in a header.
        if self.opening.is_none() {
            self.bail = true;
        }
    }
    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, error: &mut dyn ErrorSink) {
        let (Some((start, end)), Some(text)) = (span32(span), self.source.input().get(span.start()..span.end())) else {
            self.bail = true;
            return;
        };
        let raw = toml_parser::Raw::new_unchecked(text, encoding, span);
        let mut decoded = Cow::Borrowed("");
        let kind = match raw.decode_scalar(&mut decoded, error) {
            ScalarKind::String => Kind::String(decoded),
            ScalarKind::Boolean(b) => Kind::Boolean(b),
            ScalarKind::Integer(radix) => {
                let Ok(i) = i64::from_str_radix(&decoded, radix.value()) else {
                    self.bail = true;
                    return;
                };
                Kind::Integer(i)
            }
            // As toml reads a float: an infinity only when written as one.
            ScalarKind::Float => match decoded.parse::<f64>() {
                Ok(f) if !f.is_infinite() || decoded.contains("inf") => Kind::Float(f),
                _ => {
                    self.bail = true;
                    return;
                }
            },
            ScalarKind::DateTime => {
                self.bail = true;
                return;
            }
        };
        self.deliver(Value { start, end, kind });
    }
    fn error(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.bail = true;
    }
}

impl Builder<'_> {
    fn open_header(&mut self, span: Span, is_array: bool) {
        if !self.stack.is_empty() || self.key.is_some() || self.opening.is_some() {
            self.bail = true;
            return;
        }
        self.finish_table();
        let Some((start, end)) = span32(span) else {
            self.bail = true;
            return;
        };
        self.opening = Some(Header {
            keys: Vec::new(),
            start,
            end,
            is_array,
        });
    }

    fn close_header(&mut self, span: Span) {
        match (self.opening.take(), span32(span)) {
            (Some(mut header), Some((_, end)))
                if !header.keys.is_empty() && header.keys.len() < DEPTH_LIMIT as usize =>
            {
                header.end = end;
                self.header = Some(header);
            }
            _ => self.bail = true,
        }
    }
}

/// The fast path's deserialization error. Its text is never shown: on any
/// error the loader runs toml's deserializer, which words it.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside the fast path")
    }
}

impl std::error::Error for Unsupported {}

impl de::Error for Unsupported {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

impl<'de> IntoDeserializer<'de, Unsupported> for Value<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// The same calls on the visitor as toml's `ValueDeserializer` makes.
impl<'de> Deserializer<'de> for Value<'de> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.kind {
            Kind::String(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Kind::String(Cow::Owned(s)) => visitor.visit_string(s),
            Kind::Integer(i) => visitor.visit_i64(i),
            Kind::Float(f) => visitor.visit_f64(f),
            Kind::Boolean(b) => visitor.visit_bool(b),
            Kind::Array(items, _) => visitor.visit_seq(Seq(items.into_iter())),
            Kind::Table(entries, _) => visitor.visit_map(Map {
                entries: entries.into_iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        if serde_spanned::de::is_spanned(name) {
            let span = self.span();
            return visitor.visit_map(serde_spanned::de::SpannedDeserializer::new(self, span));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        match self.kind {
            Kind::String(Cow::Borrowed(s)) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            Kind::String(Cow::Owned(s)) => visitor.visit_enum(StringDeserializer::new(s)),
            _ => Err(Unsupported),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 char str string seq
        bytes byte_buf map unit ignored_any unit_struct tuple_struct tuple identifier
    }
}

struct Seq<'de>(std::vec::IntoIter<Value<'de>>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Unsupported;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Unsupported> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map<'de> {
    entries: std::vec::IntoIter<Entry<'de>>,
    value: Option<Value<'de>>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Unsupported;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Unsupported> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry.value);
        match entry.key {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
            Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
        }
        .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Unsupported> {
        seed.deserialize(self.value.take().ok_or(Unsupported)?)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

impl Value<'_> {
    /// Whether any key of this value, at any depth, satisfies `test`.
    pub(crate) fn any_key(&self, test: impl Fn(&str) -> bool + Copy) -> bool {
        match &self.kind {
            Kind::Table(entries, _) => entries.iter().any(|e| test(&e.key) || e.value.any_key(test)),
            Kind::Array(items, _) => items.iter().any(|v| v.any_key(test)),
            _ => false,
        }
    }

    /// The keys of the table at `key` in this table, with their spans
    /// (environment names: map keys cannot be spanned through serde).
    pub(crate) fn keys_of(&self, key: &str) -> Vec<(String, Range<usize>)> {
        let Kind::Table(entries, _) = &self.kind else {
            return Vec::new();
        };
        match entries.iter().find(|e| e.key == key).map(|e| &e.value.kind) {
            Some(Kind::Table(inner, _)) => inner
                .iter()
                .map(|e| (e.key.to_string(), e.key_start as usize..e.key_end as usize))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Whether this path and toml agree on `text`: if this path reads it, toml
/// must read it too, into the same keys, values and spans. `Err` says where
/// they differ. Used by the tests and the `load_toml` fuzz target.
#[doc(hidden)]
pub fn agrees_with_toml(text: &str) -> Result<bool, String> {
    let Some(fast) = parse(text) else {
        return Ok(false);
    };
    let toml =
        toml::de::DeTable::parse(text).map_err(|e| format!("the fast path read a document toml refuses: {e}"))?;
    let mut ours = String::new();
    dump(&fast, &mut ours);
    let mut theirs = String::new();
    dump_toml(
        &toml::Spanned::new(0..0, toml::de::DeValue::Table(toml.into_inner())),
        &mut theirs,
    );
    if ours == theirs {
        Ok(true)
    } else {
        Err(format!("the paths differ:\n--- fast\n{ours}\n--- toml\n{theirs}"))
    }
}

fn dump(value: &Value<'_>, out: &mut String) {
    use fmt::Write as _;
    let _ = write!(out, "@{:?} ", value.span());
    match &value.kind {
        Kind::String(s) => {
            let _ = write!(out, "string {s:?}");
        }
        Kind::Integer(i) => {
            let _ = write!(out, "integer {i}");
        }
        Kind::Float(f) => {
            let _ = write!(out, "float {f:?}");
        }
        Kind::Boolean(b) => {
            let _ = write!(out, "boolean {b}");
        }
        Kind::Array(items, _) => {
            out.push_str("array [");
            for item in items {
                dump(item, out);
                out.push_str(", ");
            }
            out.push(']');
        }
        Kind::Table(entries, _) => {
            out.push_str("table {");
            for entry in entries {
                let _ = write!(out, "{:?}@{}..{} = ", entry.key, entry.key_start, entry.key_end);
                dump(&entry.value, out);
                out.push_str(", ");
            }
            out.push('}');
        }
    }
}

fn dump_toml(value: &toml::Spanned<toml::de::DeValue<'_>>, out: &mut String) {
    use fmt::Write as _;
    use toml::de::DeValue;
    let _ = write!(out, "@{:?} ", value.span());
    match value.get_ref() {
        DeValue::String(s) => {
            let _ = write!(out, "string {s:?}");
        }
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(i) => {
                let _ = write!(out, "integer {i}");
            }
            Err(_) => {
                let _ = write!(out, "integer beyond i64 {}", i.as_str());
            }
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(f) => {
                let _ = write!(out, "float {f:?}");
            }
            Err(_) => {
                let _ = write!(out, "float unread {}", f.as_str());
            }
        },
        DeValue::Boolean(b) => {
            let _ = write!(out, "boolean {b}");
        }
        DeValue::Datetime(d) => {
            let _ = write!(out, "datetime {d}");
        }
        DeValue::Array(items) => {
            out.push_str("array [");
            for item in items {
                dump_toml(item, out);
                out.push_str(", ");
            }
            out.push(']');
        }
        DeValue::Table(entries) => {
            out.push_str("table {");
            for (key, value) in entries {
                let span = key.span();
                let _ = write!(out, "{:?}@{}..{} = ", key.get_ref(), span.start, span.end);
                dump_toml(value, out);
                out.push_str(", ");
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::*;

    /// Every TOML file of the repository: the models, the test fixtures
    /// (valid and invalid) and the fuzz regressions.
    pub(crate) fn repository_toml() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in [
            "schemas",
            "tests/fixtures/valid",
            "tests/fixtures/invalid",
            "tests/fixtures/emulator",
            "fuzz/regressions/toml",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).expect("a folder of the repository") {
                let path = entry.expect("a directory entry").path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn the_repository_models_read_as_toml_reads_them() {
        let mut fast = 0;
        let files = repository_toml();
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            match agrees_with_toml(&text) {
                Ok(true) => fast += 1,
                Ok(false) => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        // The models and most fixtures (whose problems are in the model, not
        // in its TOML) take the fast path: the test would pass vacuously if
        // none did.
        assert!(
            fast * 2 > files.len(),
            "only {fast} of {} files took the fast path",
            files.len()
        );
    }

    /// TOML the fast path reads, each next to what it must read it as.
    #[test]
    fn reads_the_toml_models_are_written_in() {
        for text in [
            "a = \"x\"\nb = 'y'\nc = \"\"\"\nmulti\nline\"\"\"\nd = '''raw\\n'''",
            "s = \"tab\\there \\u00e9 \\\"q\\\"\"",
            "i = 1_000\nh = 0xff\no = 0o17\nb = 0b101\nn = -5\nf = 1.5e3\ng = -inf\nt = true\nu = false",
            "a = [1, [2, 3], { x = 1, y = [] }, ]\nb = {}\n",
            "# comment\n[x] # trailing\nk = 1\n[\"quoted key\".'lit']\nv = 2\n",
            "[[t]]\nname = \"a\"\n[[t]]\nname = \"b\"\n[e.DEV]\ns = 1\n[e.PROD]\ns = 2\n",
            "\u{feff}a = 1\r\n[b]\r\nc = 2\r\n",
            "[a]\n[a.b]\nc = 1\n",
            "columns = [\n  { name = \"A\", type = \"int\" },\n  # between\n  { name = \"B\" },\n]\n",
        ] {
            assert_eq!(agrees_with_toml(text), Ok(true), "{text:?}");
        }
        let Some(root) = parse("[[dimension]]\nname = \"D\"\ncolumns = [{ name = \"A\\u0042\" }]\n") else {
            panic!("the fast path refused a plain model");
        };
        let mut shown = String::new();
        dump(&root, &mut shown);
        assert_eq!(
            shown,
            "@0..0 table {\"dimension\"@2..11 = @0..13 array [@0..13 table {\"name\"@14..18 = @21..24 string \"D\", \
             \"columns\"@25..32 = @35..57 array [@36..56 table {\"name\"@38..42 = @45..54 string \"AB\", }, ], }, ], }"
        );
    }

    /// What the fast path leaves to toml: its errors, and the parts of TOML
    /// whose rules it does not implement.
    #[test]
    fn leaves_everything_else_to_toml() {
        for text in [
            "a = ",
            "a = 1\na = 2",
            "a.b = 1",
            "t = { a.b = 1 }",
            "t = { a = 1, a = 2 }",
            "[a]\n[a]",
            "[a.b]\n[a]",
            "a = 1\n[a]",
            "a = []\n[[a]]",
            "[[a]]\n[a.b]",
            "t = { x = 1 }\n[t.y]",
            "d = 1979-05-27",
            "big = 9223372036854775808",
            "f = 1e999",
            "s = \"\\q\"",
            "a = [1,",
            "[a]]\n",
            "k = 1 2",
        ] {
            assert_eq!(agrees_with_toml(text), Ok(false), "{text:?}");
        }
        let wide = (0..=MAX_TABLE_KEYS).fold(String::new(), |mut t, i| {
            use fmt::Write as _;
            let _ = writeln!(t, "k{i} = {i}");
            t
        });
        assert_eq!(agrees_with_toml(&wide), Ok(false));
        let deep = format!("a = {}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(agrees_with_toml(&deep), Ok(false));
    }

    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["a", "b", "name", "\"q k\"", "'l'", "a.b", "x . y"]);
        let value = prop::sample::select(vec![
            "1",
            "-0x1f",
            "1.5",
            "nan",
            "true",
            "\"s\\u00e9\"",
            "'lit'",
            "\"\"\"m\nl\"\"\"",
            "[1, 'a']",
            "[\n1,\n]",
            "{}",
            "{ a = 1, b = [2] }",
            "{ a = 1, a = 2 }",
            "1979-05-27",
            "[",
            "}",
        ]);
        prop_oneof![
            (key.clone(), value).prop_map(|(k, v)| format!("{k} = {v}")),
            key.clone().prop_map(|k| format!("[{k}]")),
            key.prop_map(|k| format!("[[{k}]]")),
            Just("# c".to_owned()),
            Just(String::new()),
        ]
    }

    proptest! {
        /// Whatever the fast path reads, toml reads the same: keys, values
        /// and spans (documents made of model-like lines, legal or not).
        #[test]
        fn never_reads_a_document_otherwise_than_toml(lines in prop::collection::vec(line(), 0..12)) {
            let text = lines.join("\n");
            prop_assert!(agrees_with_toml(&text).is_ok(), "{text:?}: {:?}", agrees_with_toml(&text));
        }
    }
}
