//! Credentials blanked out of a model's text before any diagnostic can
//! quote it.
//!
//! A model must never hold credentials (stages read through storage
//! integrations), but when one does, its diagnostics must not print them: CI
//! logs keep what they are shown. The parse of the document cannot be relied
//! on to find them (a syntax error or a duplicate key stops it before any
//! value is known), so this pass reads the text itself, as a tolerant TOML
//! lexer: every value under a credential key, in any table, a sub-table
//! (`[stage.credentials]`), a dotted key (`credentials.aws_key_id`) or an
//! inline table, is overwritten with `*` byte for byte (so every span stays
//! valid), line breaks kept. The secrets found are also returned, so any
//! message that repeats one (a serde error quoting a value) can be scrubbed.

/// Keys that would put credentials into a stage (`CREATE STAGE ...
/// CREDENTIALS = (...)`, `ENCRYPTION = (...)`): the loader refuses them.
pub const CREDENTIAL_KEYS: &[&str] = &[
    "credentials",
    "aws_key_id",
    "aws_secret_key",
    "aws_token",
    "aws_role",
    "azure_sas_token",
    "master_key",
    "encryption",
];

/// Keys whose values are blanked: the credential keys, and the generic
/// names of secrets wherever they are written. Compared in ASCII lower case.
const OTHER_SECRET_KEYS: &[&str] = &["password", "private_key", "private_key_passphrase", "token", "secret"];

/// Deeper nesting than this is not TOML anyone writes; the rest of the line
/// is taken as one value (and blanked when secret) instead of recursing.
const MAX_DEPTH: usize = 64;

/// The text with every credential value blanked, and the secrets found.
pub(crate) struct Redacted {
    /// Same length as the input, byte for byte.
    pub text: String,
    /// The secret values (string contents, or the raw value), longest first.
    pub secrets: Vec<String>,
}

impl Redacted {
    /// `text` with every occurrence of a secret replaced by `*`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), &"*".repeat(secret.chars().count()));
            }
        }
        out
    }
}

/// Blank every credential value of `text`.
pub(crate) fn credentials(text: &str) -> Redacted {
    let mut lexer = Lexer {
        src: text.as_bytes(),
        pos: 0,
        blank: Vec::new(),
        secrets: Vec::new(),
    };
    lexer.document();
    let mut bytes = text.as_bytes().to_vec();
    for range in &lexer.blank {
        for b in &mut bytes[range.clone()] {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    // Blanking whole values replaces whole UTF-8 sequences (a value starts and
    // ends at ASCII delimiters or the end of a line), so this cannot fail; if
    // it ever did, blank everything rather than risk printing a secret.
    let text = String::from_utf8(bytes).unwrap_or_else(|e| "*".repeat(e.as_bytes().len()));
    let mut secrets: Vec<String> = lexer.secrets.into_iter().filter(|s| s.chars().count() >= 4).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    Redacted { text, secrets }
}

pub(crate) fn is_secret(key: &str) -> bool {
    // Every key of the model passes here: compare without allocating.
    CREDENTIAL_KEYS
        .iter()
        .chain(OTHER_SECRET_KEYS)
        .any(|secret| secret.eq_ignore_ascii_case(key))
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    blank: Vec<std::ops::Range<usize>>,
    secrets: Vec<String>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.src[self.pos..].starts_with(s)
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Spaces, line breaks and comments (inside arrays and inline tables).
    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'#') => self.skip_line(),
                _ => return,
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                return;
            }
            self.pos += 1;
        }
    }

    fn document(&mut self) {
        let mut table_is_secret = false;
        while self.pos < self.src.len() {
            self.skip_space();
            let Some(b) = self.peek() else { break };
            let line_start = self.pos;
            if b == b'[' {
                self.pos += 1;
                if self.peek() == Some(b'[') {
                    self.pos += 1;
                }
                self.skip_blanks();
                let keys = self.key_path();
                table_is_secret = keys.iter().any(|k| is_secret(k));
                self.skip_line();
                continue;
            }
            let keys = self.key_path();
            let secret = table_is_secret || keys.iter().any(|k| is_secret(k));
            self.skip_blanks();
            if self.peek() == Some(b'=') {
                self.pos += 1;
                self.value(secret, 0);
            } else if secret {
                // A credential key without `=`: blank the rest of its line.
                let start = self.pos;
                self.skip_line();
                self.mark(start, self.pos);
            }
            self.skip_blanks();
            // Whatever is left of the line (a comment, or garbage after a syntax error).
            if self.pos == line_start || !matches!(self.peek(), None | Some(b'\n' | b'\r' | b'#')) {
                let start = self.pos;
                self.skip_line();
                if table_is_secret {
                    self.mark(start, self.pos);
                }
            }
        }
    }

    /// A dotted key; its segments, unquoted.
    fn key_path(&mut self) -> Vec<String> {
        let mut keys = Vec::new();
        loop {
            self.skip_blanks();
            let key = match self.peek() {
                Some(b'"' | b'\'') => self.string(),
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                    let start = self.pos;
                    while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                        self.pos += 1;
                    }
                    String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
                }
                _ => return keys,
            };
            keys.push(key);
            self.skip_blanks();
            if self.peek() == Some(b'.') {
                self.pos += 1;
            } else {
                return keys;
            }
        }
    }

    fn mark(&mut self, start: usize, end: usize) {
        if start < end {
            self.blank.push(start..end);
        }
    }

    /// One value; blanked (with all it holds) when `secret`.
    fn value(&mut self, secret: bool, depth: usize) {
        self.skip_blanks();
        let start = self.pos;
        match self.peek() {
            _ if depth > MAX_DEPTH => self.skip_line(),
            Some(b'"' | b'\'') => {
                let content = self.string();
                if secret {
                    self.secrets.push(content);
                }
            }
            Some(b'[') => {
                self.pos += 1;
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => break,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        Some(_) => {
                            let before = self.pos;
                            self.value(secret, depth + 1);
                            if self.pos == before {
                                break;
                            }
                        }
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => break,
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        Some(_) => {
                            let before = self.pos;
                            let keys = self.key_path();
                            let inner = secret || keys.iter().any(|k| is_secret(k));
                            self.skip_blanks();
                            if self.peek() == Some(b'=') {
                                self.pos += 1;
                                self.value(inner, depth + 1);
                            }
                            if self.pos == before {
                                break;
                            }
                        }
                    }
                }
            }
            _ => {
                while !matches!(self.peek(), None | Some(b',' | b']' | b'}' | b'#' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                if secret {
                    let raw = String::from_utf8_lossy(&self.src[start..self.pos]).trim().to_owned();
                    self.secrets.push(raw);
                }
            }
        }
        if secret {
            self.mark(start, self.pos);
        }
    }

    /// The string at `pos` (`"…"`, `"""…"""`, `'…'` or `'''…'''`, with
    /// backslash escapes in the `"` forms): its content. An unterminated
    /// one ends at its line's end (one-line forms) or the text's.
    fn string(&mut self) -> String {
        let Some(quote) = self.peek() else { return String::new() };
        let delimiter = [quote; 3];
        let multi = self.starts_with(&delimiter);
        self.pos += if multi { 3 } else { 1 };
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'\\' && quote == b'"' {
                self.pos = (self.pos + 2).min(self.src.len());
                continue;
            }
            if multi && self.starts_with(&delimiter) {
                let mut end = self.pos;
                self.pos += 3;
                // Up to two more quotes belong to the content.
                for _ in 0..2 {
                    if self.peek() == Some(quote) {
                        self.pos += 1;
                        end += 1;
                    }
                }
                return self.content(start, end);
            }
            if !multi && (b == quote || b == b'\n') {
                let end = self.pos;
                if b == quote {
                    self.pos += 1;
                }
                return self.content(start, end);
            }
            self.pos += 1;
        }
        self.content(start, self.pos)
    }

    fn content(&self, start: usize, end: usize) -> String {
        String::from_utf8_lossy(&self.src[start..end.max(start)])
            .trim()
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn blanked(text: &str) -> String {
        let r = credentials(text);
        assert_eq!(r.text.len(), text.len(), "same length");
        assert_eq!(r.text.matches('\n').count(), text.matches('\n').count(), "same lines");
        assert!(!r.text.contains("EXAMPLEKEY"), "secret left in:\n{}", r.text);
        r.text
    }

    #[test]
    fn every_form_of_a_credential_is_blanked() {
        let forms = [
            format!("aws_secret_key = \"{SECRET}\"\n"),
            format!("AWS_SECRET_KEY='{SECRET}'\n"),
            format!("credentials.aws_secret_key = \"{SECRET}\"\n"),
            format!("\"aws_secret_key\" = \"{SECRET}\"\n"),
            format!("credentials = {{ aws_key_id = \"AKIA\", aws_secret_key = \"{SECRET}\" }}\n"),
            format!("[stage.credentials]\naws_key_id = \"AKIAIOSFODNN7EXAMPLE\"\naws_secret_key = \"{SECRET}\"\n"),
            format!("[[stage]]\nname = \"S\"\naws_secret_key = \"\"\"\n{SECRET}\n\"\"\"\n"),
            format!("aws_secret_key = '''{SECRET}'''\n"),
            format!("aws_secret_key = \"{SECRET}\naws_key_id = 1\n"),
            format!("aws_secret_key \"{SECRET}\"\n"),
            format!("stage = [{{ name = \"S\", aws_secret_key = \"{SECRET}\" }}]\n"),
            format!("encryption = {{ type = \"AWS_SSE_KMS\", master_key = [\"{SECRET}\"] }}\n"),
            format!("aws_secret_key = {SECRET}\n"),
            format!("aws_secret_key = \"{SECRET}\"\naws_secret_key = \"{SECRET}\"\n"),
        ];
        for form in &forms {
            blanked(form);
        }
    }

    #[test]
    fn other_values_stay_readable() {
        let text = "[[stage]]\nname = \"SALES_STAGE\" # the stage\nurl = \"s3://b/\"\n[stage.credentials]\naws_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n[[load]]\ntable = \"FACT_SALES\"\n";
        let out = blanked(text);
        assert!(out.contains("name = \"SALES_STAGE\" # the stage"));
        assert!(out.contains("url = \"s3://b/\""));
        assert!(out.contains(&format!("aws_key_id = {}\n", "*".repeat(22))), "{out}");
        assert!(
            out.contains("table = \"FACT_SALES\""),
            "the next table is not secret: {out}"
        );
    }

    #[test]
    fn messages_that_repeat_a_secret_are_scrubbed() {
        let r = credentials(&format!("aws_secret_key = \"{SECRET}\"\n"));
        assert_eq!(
            r.scrub(&format!("invalid type: string \"{SECRET}\"")),
            format!("invalid type: string \"{}\"", "*".repeat(SECRET.len()))
        );
    }

    #[test]
    fn hostile_text_neither_panics_nor_loops() {
        for text in [
            "[",
            "\"",
            "a = [[[[",
            "a = {",
            "a.\"b",
            "'''",
            "x = \"\\",
            &"[".repeat(10_000),
            "é = \"ü\"\naws_token = \"ééééé\"",
        ] {
            let r = credentials(text);
            assert_eq!(r.text.len(), text.len());
        }
    }
}
