//! The lexer: source text to a flat vector of tokens (a kind and a byte span each) plus the
//! lexical errors.
//!
//! Tokens carry no text and no values, so lexing allocates nothing per token; the parser slices
//! identifiers and literals out of the source when it builds nodes. Comments and whitespace are
//! dropped here. Every lexical error is reported exactly once and lexing always continues, so
//! the parser sees a token stream it can work with whatever the input:
//!
//! - a run of characters that cannot start a token becomes one [`TokenKind::Unknown`] token
//!   (reported once as E0003; the parser stays silent about it);
//! - an identifier containing non-ASCII letters stays one identifier token (reported once);
//! - a number with a suffix (`12px`) is a number token; the suffix is reported and skipped;
//! - a string literal ends at the end of its line: a string without its closing quote is one
//!   error on its own line, and the parser keeps quiet about the rest of that statement (a
//!   string that could span lines would swallow code up to the next quote and turn the rest of
//!   the file inside out);
//! - an unterminated block comment runs to the end of the file (reported once, and the parser
//!   does not add "unexpected end of file" errors on top).

use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::span::Span;

/// What a token is. Keywords and punctuation are distinguished here; identifiers and literals
/// keep their text in the source, at the token's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Ident,
    /// `_` on its own (the wildcard); `_x` is an [`TokenKind::Ident`].
    Underscore,
    Int,
    Float,
    /// A string literal including its quotes (possibly unterminated; see the module docs).
    Str,

    As,
    Break,
    Const,
    Continue,
    Else,
    Enum,
    False,
    Fn,
    For,
    If,
    Impl,
    In,
    Let,
    Loop,
    Match,
    Mut,
    Pub,
    Return,
    SelfValue,
    Struct,
    True,
    Use,
    While,

    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Colon,
    ColonColon,
    Dot,
    DotDot,
    Arrow,
    FatArrow,
    Eq,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    AndAnd,
    OrOr,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    Pound,
    Pipe,
    /// `&` (bitwise and; `&&` is one token)
    Amp,
    /// `^`
    Caret,
    /// `?` (early return of `None`/`Err`)
    Question,

    /// A run of characters that cannot start any token (already reported by the lexer).
    Unknown,
    /// The end of the input; the token vector always ends with exactly one.
    Eof,
}

impl TokenKind {
    /// The keyword spelled `s`, if it is one. Must agree with [`super::KEYWORDS`].
    pub fn keyword(s: &str) -> Option<TokenKind> {
        use TokenKind::*;
        Some(match s {
            "as" => As,
            "break" => Break,
            "const" => Const,
            "continue" => Continue,
            "else" => Else,
            "enum" => Enum,
            "false" => False,
            "fn" => Fn,
            "for" => For,
            "if" => If,
            "impl" => Impl,
            "in" => In,
            "let" => Let,
            "loop" => Loop,
            "match" => Match,
            "mut" => Mut,
            "pub" => Pub,
            "return" => Return,
            "self" => SelfValue,
            "struct" => Struct,
            "true" => True,
            "use" => Use,
            "while" => While,
            _ => return None,
        })
    }

    pub fn is_keyword(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            As | Break
                | Const
                | Continue
                | Else
                | Enum
                | False
                | Fn
                | For
                | If
                | Impl
                | In
                | Let
                | Loop
                | Match
                | Mut
                | Pub
                | Return
                | SelfValue
                | Struct
                | True
                | Use
                | While
        )
    }

    /// The fixed spelling of a keyword or punctuation token; `None` for tokens whose text varies.
    pub fn fixed_text(self) -> Option<&'static str> {
        use TokenKind::*;
        Some(match self {
            Ident | Int | Float | Str | Unknown | Eof => return None,
            Underscore => "_",
            As => "as",
            Break => "break",
            Const => "const",
            Continue => "continue",
            Else => "else",
            Enum => "enum",
            False => "false",
            Fn => "fn",
            For => "for",
            If => "if",
            Impl => "impl",
            In => "in",
            Let => "let",
            Loop => "loop",
            Match => "match",
            Mut => "mut",
            Pub => "pub",
            Return => "return",
            SelfValue => "self",
            Struct => "struct",
            True => "true",
            Use => "use",
            While => "while",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Comma => ",",
            Semi => ";",
            Colon => ":",
            ColonColon => "::",
            Dot => ".",
            DotDot => "..",
            Arrow => "->",
            FatArrow => "=>",
            Eq => "=",
            EqEq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Bang => "!",
            AndAnd => "&&",
            OrOr => "||",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            PercentEq => "%=",
            Pound => "#",
            Pipe => "|",
            Amp => "&",
            Caret => "^",
            Question => "?",
        })
    }
}

/// One token: what it is and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// The result of lexing one file.
#[derive(Clone, Debug)]
pub struct Lexed {
    /// Every token in order, ending with one [`TokenKind::Eof`].
    pub tokens: Vec<Token>,
    /// Lexical errors in source order.
    pub errors: Vec<Diagnostic>,
    /// Whether an unterminated comment swallowed the rest of the file (the parser then keeps
    /// quiet about the missing end of whatever was open).
    pub runs_to_eof: bool,
    /// The start of every string literal that has no closing quote on its line, in order.
    pub unterminated: Vec<u32>,
}

/// Splits `text` into tokens. Never fails and never panics; see the module docs for how bad
/// input is represented. `text` must be shorter than 4 GiB (spans are `u32`); the caller
/// ([`super::parse`]) guarantees it.
pub fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        // About one token per five bytes in typical code; a good first guess avoids regrowth.
        tokens: Vec::with_capacity(text.len() / 5 + 1),
        errors: Vec::new(),
        runs_to_eof: false,
        unterminated: Vec::new(),
    };
    lexer.run();
    Lexed {
        tokens: lexer.tokens,
        errors: lexer.errors,
        runs_to_eof: lexer.runs_to_eof,
        unterminated: lexer.unterminated,
    }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<Diagnostic>,
    runs_to_eof: bool,
    unterminated: Vec<u32>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn span(start: usize, end: usize) -> Span {
    Span::new(start as u32, end as u32)
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    /// The (possibly multi-byte) character at `pos`, which is always on a char boundary.
    fn char_at(&self, pos: usize) -> char {
        self.text
            .get(pos..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\0')
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: span(start, self.pos),
        });
    }

    fn run(&mut self) {
        use TokenKind::*;
        // A byte order mark, which some editors put at the start of UTF-8 files, is not code.
        if self.text.starts_with('\u{feff}') {
            self.pos = '\u{feff}'.len_utf8();
        }
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let b = self.bytes[start];
            let (kind, len) = match b {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                    self.pos += 1;
                    continue;
                }
                b'/' if self.peek(1) == b'/' => {
                    self.line_comment();
                    continue;
                }
                b'/' if self.peek(1) == b'*' => {
                    self.block_comment();
                    continue;
                }
                b'0'..=b'9' => {
                    self.number();
                    continue;
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    let kind = self.ident();
                    self.push(kind, start);
                    continue;
                }
                b'"' => {
                    self.string();
                    self.push(Str, start);
                    continue;
                }
                b'(' => (LParen, 1),
                b')' => (RParen, 1),
                b'[' => (LBracket, 1),
                b']' => (RBracket, 1),
                b'{' => (LBrace, 1),
                b'}' => (RBrace, 1),
                b',' => (Comma, 1),
                b';' => (Semi, 1),
                b'#' => (Pound, 1),
                b':' if self.peek(1) == b':' => (ColonColon, 2),
                b':' => (Colon, 1),
                b'.' if self.peek(1) == b'.' => (DotDot, 2),
                b'.' => (Dot, 1),
                b'-' if self.peek(1) == b'>' => (Arrow, 2),
                b'-' if self.peek(1) == b'=' => (MinusEq, 2),
                b'-' => (Minus, 1),
                b'=' if self.peek(1) == b'=' => (EqEq, 2),
                b'=' if self.peek(1) == b'>' => (FatArrow, 2),
                b'=' => (Eq, 1),
                b'!' if self.peek(1) == b'=' => (Ne, 2),
                b'!' => (Bang, 1),
                b'<' if self.peek(1) == b'=' => (Le, 2),
                b'<' => (Lt, 1),
                b'>' if self.peek(1) == b'=' => (Ge, 2),
                b'>' => (Gt, 1),
                b'+' if self.peek(1) == b'=' => (PlusEq, 2),
                b'+' => (Plus, 1),
                b'*' if self.peek(1) == b'=' => (StarEq, 2),
                b'*' => (Star, 1),
                b'/' if self.peek(1) == b'=' => (SlashEq, 2),
                b'/' => (Slash, 1),
                b'%' if self.peek(1) == b'=' => (PercentEq, 2),
                b'%' => (Percent, 1),
                b'&' if self.peek(1) == b'&' => (AndAnd, 2),
                b'|' if self.peek(1) == b'|' => (OrOr, 2),
                b'|' => (Pipe, 1),
                b'&' => (Amp, 1),
                b'^' => (Caret, 1),
                b'?' => (Question, 1),
                _ if b >= 0x80 && self.char_at(start).is_alphanumeric() => {
                    let kind = self.ident();
                    self.push(kind, start);
                    continue;
                }
                _ => {
                    self.unknown_run();
                    self.push(Unknown, start);
                    continue;
                }
            };
            self.pos += len;
            self.push(kind, start);
        }
        let end = self.bytes.len();
        self.tokens.push(Token {
            kind: Eof,
            span: span(end, end),
        });
    }

    fn line_comment(&mut self) {
        self.pos = match self.bytes[self.pos..].iter().position(|&b| b == b'\n') {
            Some(offset) => self.pos + offset,
            None => self.bytes.len(),
        };
    }

    /// `/* … */`, nesting like Rust's so that commenting out code containing comments works.
    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1u32;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.runs_to_eof = true;
        self.errors.push(
            Diagnostic::error(
                codes::UNTERMINATED_COMMENT,
                "unterminated block comment",
                Loc::Span(span(start, start + 2)),
            )
            .with_label("this comment is never closed")
            .with_hint(
                "Close it with `*/`. Block comments nest, so every `/*` inside it needs its own `*/`.",
            ),
        );
    }

    /// An identifier or keyword. Non-ASCII letters are kept in the token (so that the parser sees
    /// one name, not fragments) but reported, since holo identifiers are ASCII.
    fn ident(&mut self) -> TokenKind {
        let start = self.pos;
        let mut ascii = true;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if is_ident_continue(b) {
                self.pos += 1;
            } else if b >= 0x80 && self.char_at(self.pos).is_alphanumeric() {
                ascii = false;
                self.pos += self.char_at(self.pos).len_utf8();
            } else {
                break;
            }
        }
        let text = &self.text[start..self.pos];
        if !ascii {
            self.errors.push(
                Diagnostic::error(
                    codes::UNKNOWN_CHAR,
                    format!("identifier `{text}` contains non-ASCII characters"),
                    Loc::Span(span(start, self.pos)),
                )
                .with_hint("holo identifiers use only ASCII letters, digits and `_`; rename it."),
            );
            return TokenKind::Ident;
        }
        if text == "_" {
            return TokenKind::Underscore;
        }
        TokenKind::keyword(text).unwrap_or(TokenKind::Ident)
    }

    fn digits(&mut self) {
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
            self.pos += 1;
        }
    }

    /// An integer or float literal. A `.` belongs to the number only if a digit follows it, so
    /// `1.to_str()` and `1..n` lex as an integer followed by `.`/`..`, and `2.5.to_i64()` as a
    /// float followed by `.`. The value is computed by the parser from the token text.
    fn number(&mut self) {
        let start = self.pos;
        self.digits();
        let mut kind = TokenKind::Int;
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            self.pos += 1;
            self.digits();
            kind = TokenKind::Float;
        }
        if matches!(self.peek(0), b'e' | b'E') {
            let sign = usize::from(matches!(self.peek(1), b'+' | b'-'));
            if self.peek(1 + sign).is_ascii_digit() {
                self.pos += 1 + sign;
                self.digits();
                kind = TokenKind::Float;
            }
        }
        self.push(kind, start);
        // Letters glued to a number (`12px`, `0x1F`, `1.5f`) are an error; skip them so that the
        // parser sees just the number and does not complain a second time.
        let suffix_start = self.pos;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if is_ident_continue(b) {
                self.pos += 1;
            } else if b >= 0x80 && self.char_at(self.pos).is_alphanumeric() {
                self.pos += self.char_at(self.pos).len_utf8();
            } else {
                break;
            }
        }
        if self.pos > suffix_start {
            let number = &self.text[start..suffix_start];
            let suffix = &self.text[suffix_start..self.pos];
            let hint = if number == "0" && suffix.starts_with(['x', 'o', 'b']) {
                "holo integer literals are decimal only (`255`, `1_000`)."
            } else {
                "Put a space or an operator between the number and the name."
            };
            self.errors.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("invalid suffix `{}` on number `{number}`", shorten(suffix)),
                    Loc::Span(span(suffix_start, self.pos)),
                )
                .with_hint(hint),
            );
        }
    }

    /// A string literal; `pos` is at the opening quote. Escapes are checked here (and reported
    /// once); the parser decodes them with [`unescape`]. A line break (or the end of the file)
    /// before the closing quote ends the literal there, as an error.
    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return;
                }
                Some(b'\\') if !matches!(self.peek(1), b'\n' | b'\r') => self.escape(),
                Some(b'\n') | None => break,
                Some(b'\r') if matches!(self.peek(1), b'\n') => break,
                Some(_) => self.pos += 1,
            }
        }
        self.unterminated.push(start as u32);
        self.errors.push(
            Diagnostic::error(
                codes::UNTERMINATED_STRING,
                "unterminated string literal",
                Loc::Span(span(start, start + 1)),
            )
            .with_label("this string is not closed on its line")
            .with_hint(
                "Add the closing `\"` on this line. A string literal cannot span lines; write `\\n` for a line break inside it.",
            ),
        );
    }

    /// Checks one escape sequence at `pos` (the backslash) and moves past it.
    fn escape(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let Some(&b) = self.bytes.get(self.pos) else {
            return; // The string is unterminated; that is reported by the caller.
        };
        match b {
            b'n' | b'r' | b't' | b'\\' | b'"' | b'0' | b'\'' => self.pos += 1,
            b'u' => {
                self.pos += 1;
                let ok = self.unicode_escape();
                if !ok {
                    let end = self.pos.max(start + 2);
                    self.errors.push(
                        Diagnostic::error(
                            codes::BAD_ESCAPE,
                            format!(
                                "invalid unicode escape `{}`",
                                shorten(&self.text[start..end])
                            ),
                            Loc::Span(span(start, end)),
                        )
                        .with_hint(
                            "Write a unicode escape as `\\u{` followed by 1 to 6 hex digits of a valid code point and `}`, e.g. `\\u{1F600}`.",
                        ),
                    );
                }
            }
            _ => {
                let c = self.char_at(self.pos);
                self.pos += c.len_utf8();
                self.errors.push(
                    Diagnostic::error(
                        codes::BAD_ESCAPE,
                        format!("unknown escape sequence `\\{}`", c.escape_debug()),
                        Loc::Span(span(start, self.pos)),
                    )
                    .with_hint(
                        "The escapes are `\\n`, `\\r`, `\\t`, `\\\\`, `\\\"`, `\\'`, `\\0` and `\\u{…}`; write `\\\\` for a backslash.",
                    ),
                );
            }
        }
    }

    /// The `{XXXX}` part of `\u{XXXX}`; `pos` is just after the `u`. Stops at the first character
    /// that does not fit, so a broken escape never swallows the string's closing quote.
    fn unicode_escape(&mut self) -> bool {
        if self.peek(0) != b'{' {
            return false;
        }
        self.pos += 1;
        let digits_start = self.pos;
        while self.peek(0).is_ascii_hexdigit() {
            self.pos += 1;
        }
        let digits = &self.text[digits_start..self.pos];
        if self.peek(0) != b'}' {
            return false;
        }
        self.pos += 1;
        (1..=6).contains(&digits.len())
            && u32::from_str_radix(digits, 16)
                .ok()
                .and_then(char::from_u32)
                .is_some()
    }

    /// A run of characters that cannot start a token, reported once.
    fn unknown_run(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len() && self.is_bad_at(self.pos) {
            self.pos += self.char_at(self.pos).len_utf8();
        }
        if self.pos == start {
            // Cannot happen (the caller saw a bad character), but never loop without progress.
            self.pos += self.char_at(start).len_utf8().max(1);
        }
        let run = &self.text[start..self.pos];
        let first = self.char_at(start);
        let count = run.chars().count();
        let shown: String = run
            .chars()
            .take(16)
            .map(|c| {
                // Show invisible characters as escapes, everything else as itself.
                if c.is_control() || (c.is_whitespace() && c != ' ') {
                    c.escape_unicode().to_string()
                } else if c.is_ascii() {
                    c.to_string()
                } else {
                    c.escape_debug().to_string()
                }
            })
            .collect();
        let message = if count == 1 {
            format!("unknown character `{shown}`")
        } else if count <= 16 {
            format!("unknown characters `{shown}`")
        } else {
            format!("{count} unknown characters starting with `{shown}`")
        };
        let mut diag = Diagnostic::error(
            codes::UNKNOWN_CHAR,
            message,
            Loc::Span(span(start, self.pos)),
        );
        let hint = match first {
            '\'' => {
                Some("holo has no character literals; use a one-character string such as \"a\".")
            }
            '~' => Some("holo has no `~`; flip the bits of `x` with `x ^ -1`."),
            c if c.is_whitespace() => {
                Some("This is a non-ASCII space character; replace it with an ordinary space.")
            }
            c if !c.is_ascii() => Some(
                "Outside strings and comments holo source is ASCII; remove the character or move it into a string.",
            ),
            _ => None,
        };
        if let Some(hint) = hint {
            diag = diag.with_hint(hint);
        }
        self.errors.push(diag);
    }

    /// Whether the character at `pos` can start no token (and is not whitespace).
    fn is_bad_at(&self, pos: usize) -> bool {
        let b = self.bytes[pos];
        if b >= 0x80 {
            return !self.char_at(pos).is_alphanumeric();
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => false,
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b';' | b':' | b'.' | b'-' | b'='
            | b'!' | b'<' | b'>' | b'+' | b'*' | b'/' | b'%' | b'|' | b'#' | b'"' | b'&' | b'^'
            | b'?' => false,
            _ => !is_ident_start(b) && !b.is_ascii_digit(),
        }
    }
}

/// Shortens text quoted in a message to a readable length (on a char boundary).
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Decodes the body of a string literal token (with its quotes) into its value. Invalid escapes
/// have already been reported by the lexer; here they are kept literally so that decoding never
/// fails.
pub fn unescape(token_text: &str) -> String {
    let body = token_text.strip_prefix('"').unwrap_or(token_text);
    let body = body.strip_suffix('"').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = chars.as_str();
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('0') => out.push('\0'),
            Some('u') => {
                let decoded = rest
                    .strip_prefix("u{")
                    .and_then(|r| r.split_once('}'))
                    .filter(|(hex, _)| (1..=6).contains(&hex.len()))
                    .and_then(|(hex, after)| {
                        let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                        Some((c, after))
                    });
                match decoded {
                    Some((c, after)) => {
                        out.push(c);
                        chars = after.chars();
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
