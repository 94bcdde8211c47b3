//! A conservative minifier for the hand-written loader (`widget/loader.js`).
//!
//! It removes comments, indentation, trailing spaces and blank lines, and
//! nothing else: it keeps every line break (so automatic semicolon insertion
//! behaves exactly as in the source) and never renames or reorders code.
//! Gzip then does the rest. To avoid touching string contents it tracks
//! string, template and regular-expression literals, and it refuses input it
//! does not understand (an unterminated literal) instead of guessing.

use anyhow::{bail, Result};

/// Where the scanner is: in code, or in the text part of a template literal.
enum Frame {
    /// `braces` counts open `{` so that, inside a template's `${ ... }`,
    /// the closing `}` can be told apart from the end of an inner block.
    Code {
        braces: usize,
        in_template: bool,
    },
    Template,
}

/// Keywords after which a `/` starts a regular expression, not a division.
const REGEX_KEYWORDS: &[&str] = &["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"];

pub fn minify(source: &str) -> Result<String> {
    let chars: Vec<char> = source.chars().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).copied();
    let line_of = |i: usize| chars[..i.min(n)].iter().filter(|&&c| c == '\n').count() + 1;
    let mut out = String::with_capacity(source.len());
    let mut stack = vec![Frame::Code { braces: 0, in_template: false }];
    let mut line_start = true;
    let mut i = 0;
    while i < n {
        let c = chars[i];
        match stack.last_mut().expect("the outermost frame is never popped") {
            Frame::Template => {
                match (c, at(i + 1)) {
                    ('\\', Some(escaped)) => {
                        out.push(c);
                        out.push(escaped);
                        i += 2;
                        continue;
                    }
                    ('`', _) => {
                        stack.pop();
                    }
                    ('$', Some('{')) => {
                        out.push_str("${");
                        i += 2;
                        stack.push(Frame::Code { braces: 0, in_template: true });
                        continue;
                    }
                    _ => {}
                }
                out.push(c);
                i += 1;
            }
            Frame::Code { braces, in_template } => {
                if line_start {
                    // Indentation and blank lines go; so does a line that
                    // holds only a `//` comment.
                    while matches!(at(i), Some(' ' | '\t' | '\r')) {
                        i += 1;
                    }
                    if at(i) == Some('/') && at(i + 1) == Some('/') {
                        while at(i).is_some_and(|c| c != '\n') {
                            i += 1;
                        }
                        i += 1;
                    } else if at(i) == Some('\n') {
                        i += 1;
                    } else {
                        line_start = false;
                    }
                    continue;
                }
                match (c, at(i + 1)) {
                    ('\n', _) => {
                        end_line(&mut out);
                        line_start = true;
                        i += 1;
                    }
                    ('\'' | '"', _) => {
                        let end = string_end(&chars, i).ok_or_else(|| anyhow::anyhow!("unterminated string literal on line {}", line_of(i)))?;
                        out.extend(&chars[i..end]);
                        i = end;
                    }
                    ('`', _) => {
                        out.push(c);
                        i += 1;
                        stack.push(Frame::Template);
                    }
                    ('/', Some('/')) => {
                        // A comment after code: drop it, keep the line break.
                        while at(i).is_some_and(|c| c != '\n') {
                            i += 1;
                        }
                    }
                    ('/', Some('*')) => {
                        let Some(close) = find(&chars, i + 2, "*/") else {
                            bail!("unterminated block comment on line {}", line_of(i));
                        };
                        // A comment spanning lines counts as a line break for
                        // semicolon insertion, so it becomes one; otherwise a
                        // space keeps the tokens on either side apart.
                        if chars[i..close].contains(&'\n') {
                            end_line(&mut out);
                            line_start = true;
                        } else if !out.is_empty() && !out.ends_with(char::is_whitespace) {
                            out.push(' ');
                        }
                        i = close + 2;
                    }
                    ('/', _) if regex_allowed(&out) => match regex_end(&chars, i) {
                        Some(end) => {
                            out.extend(&chars[i..end]);
                            i = end;
                        }
                        None => {
                            out.push(c);
                            i += 1;
                        }
                    },
                    ('{', _) => {
                        *braces += 1;
                        out.push(c);
                        i += 1;
                    }
                    ('}', _) => {
                        if *in_template && *braces == 0 {
                            stack.pop();
                        } else {
                            *braces = braces.saturating_sub(1);
                        }
                        out.push(c);
                        i += 1;
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
        }
    }
    if stack.len() != 1 {
        bail!("unterminated template literal at the end of the input");
    }
    end_line(&mut out);
    Ok(out)
}

/// Ends a line of code: trailing spaces go, and an empty line is not kept.
fn end_line(out: &mut String) {
    let trimmed = out.trim_end_matches([' ', '\t', '\r']).len();
    out.truncate(trimmed);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// The index just past the quote that closes the string opening at `start`.
fn string_end(chars: &[char], start: usize) -> Option<usize> {
    let quote = chars[start];
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            // An escape may be a line continuation, so it skips any character.
            '\\' => i += 2,
            '\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the `/` closing a regular expression that opens at
/// `start`, or `None` when there is none on the line (then it is a division).
fn regex_end(chars: &[char], start: usize) -> Option<usize> {
    let mut in_class = false;
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '\n' => return None,
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => return Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether a `/` after the code emitted so far starts a regular expression:
/// yes after an operator, punctuation or a keyword like `return`; no after
/// a value (a name, a number, a literal or a closing bracket).
fn regex_allowed(out: &str) -> bool {
    let code = out.trim_end();
    let Some(last) = code.chars().last() else { return true };
    if last.is_alphanumeric() || last == '_' || last == '$' {
        let word_start = code.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).map_or(0, |p| p + 1);
        return REGEX_KEYWORDS.contains(&&code[word_start..]);
    }
    !matches!(last, ')' | ']' | '\'' | '"' | '`')
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len().saturating_sub(needle.len() - 1)).find(|&i| chars[i..].starts_with(&needle))
}

#[cfg(test)]
mod tests {
    use super::minify;

    #[test]
    fn removes_comments_indentation_and_blank_lines() {
        let source = "// header\n(function () {\n  /* block\n     comment */\n  var a = 1; // trailing\n\n    return a;\n})();\n";
        assert_eq!(minify(source).unwrap(), "(function () {\nvar a = 1;\nreturn a;\n})();\n");
    }

    #[test]
    fn keeps_string_and_template_contents() {
        let source = concat!(
            "var u = \"http://x/*y*/\"; var s = '  // not a comment';\n",
            "var t = `line one\n    indented // kept\n\n/* kept */ ${ a ? `x` : { b: 1 }.b } end`;\n",
            "var e = 'it\\'s // here';\n",
        );
        let expected = concat!(
            "var u = \"http://x/*y*/\"; var s = '  // not a comment';\n",
            "var t = `line one\n    indented // kept\n\n/* kept */ ${ a ? `x` : { b: 1 }.b } end`;\n",
            "var e = 'it\\'s // here';\n",
        );
        assert_eq!(minify(source).unwrap(), expected);
    }

    #[test]
    fn tells_regular_expressions_from_division() {
        let source = "x = s.replace(/'\\/*[/]/g, \"\"); // it's\ny = a / b / 2; // don't\nreturn /\"/.test(z);\n";
        assert_eq!(minify(source).unwrap(), "x = s.replace(/'\\/*[/]/g, \"\");\ny = a / b / 2;\nreturn /\"/.test(z);\n");
    }

    #[test]
    fn block_comments_never_join_tokens() {
        assert_eq!(minify("return/* c */x\n").unwrap(), "return x\n");
        assert_eq!(minify("return /* a\n b */ x\n").unwrap(), "return\nx\n");
    }

    #[test]
    fn refuses_what_it_cannot_parse() {
        assert!(minify("var s = 'open\n").is_err());
        assert!(minify("var t = `open\n").is_err());
        assert!(minify("/* open\n").is_err());
    }
}
