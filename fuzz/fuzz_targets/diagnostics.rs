//! Diagnostic rendering on any source with any labels (spans past the end,
//! inside multi-byte characters, on huge lines, reversed): never a panic,
//! never a raw control character.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use model_core::{Diagnostics, Loc, Problem, SourceMap};

#[derive(Arbitrary, Debug)]
struct Input {
    source: String,
    /// A long line of this character is appended when set.
    long_line: Option<(char, u16)>,
    message: String,
    labels: Vec<(u32, u32, String)>,
    help: Option<String>,
    width: u8,
}

fuzz_target!(|input: Input| {
    let mut text = input.source;
    if let Some((c, n)) = input.long_line {
        text.extend(std::iter::repeat_n(c, usize::from(n) * 2));
    }
    let len = text.len() as u32 + 2;
    let mut problem: Option<Problem> = None;
    for (start, end, label) in input.labels.into_iter().take(6) {
        let (start, end) = ((start % len) as usize, (end % len) as usize);
        let at = Loc::Span(start..end);
        problem = Some(match problem {
            None => Problem::new(model_core::Code::InvalidName, input.message.clone(), at, label),
            Some(p) => p.also(at, label),
        });
    }
    let Some(mut problem) = problem else { return };
    if let Some(help) = input.help {
        problem = problem.help(help);
    }
    let diagnostics = Diagnostics {
        problems: vec![problem],
        source: Box::new(SourceMap::new("fuzz.toml", text)),
    };
    let shown = diagnostics.render(usize::from(input.width.max(20)));
    if let Some(c) = shown.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("raw control character {c:?} in a diagnostic:\n{shown}");
    }
});
