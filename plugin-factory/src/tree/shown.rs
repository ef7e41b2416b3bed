//! [`Shown`]: text from a configuration, made safe to print. Keys, values, variable names and
//! paths come from outside the program; written raw into an error or a log line, a control
//! character could clear the terminal, forge a log line or reorder what a reader sees (bidi
//! overrides). Every `Display` of this module's neighbours writes such text through it.

use std::fmt::{self, Write};

/// `text` with every control character, and every Unicode control of text direction, written
/// as an escape (`\u{1b}`, `\n`); the rest as it is.
///
/// ```text
/// "gre\u{1b}[2Jting" -> gre\u{1b}[2Jting (as the eleven characters, not an escape sequence)
/// ```
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(unsafe_char) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            for escaped in c.escape_default() {
                f.write_char(escaped)?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Whether `c` would act on a terminal or on the order of text rather than show as itself:
/// C0 and C1 controls (`is_control`), and the bidirectional embeddings, overrides, isolates and
/// marks.
pub(super) fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        Shown(text).to_string()
    }

    #[test]
    fn controls_and_direction_marks_are_escaped_and_the_rest_kept() {
        assert_eq!(shown("gre\u{1b}[2Jting"), "gre\\u{1b}[2Jting");
        assert_eq!(shown("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(shown("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(shown("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert_eq!(
            shown("héllo `x` \"y\" \\z 日本"),
            "héllo `x` \"y\" \\z 日本"
        );
        assert_eq!(shown(""), "");
    }

    #[test]
    fn escaping_twice_changes_nothing_more() {
        let once = shown("\u{7}\u{0}x\u{2066}");
        assert_eq!(shown(&once), once);
    }
}
