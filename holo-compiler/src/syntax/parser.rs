//! The parser: tokens to position-free items plus per-item source maps, with error recovery.
//!
//! Hand-written recursive descent, with a Pratt loop for binary operators. Four things shape it:
//!
//! - **Node ids and spans.** Every node gets the next [`NodeId`] of its item when it is created
//!   (the item itself is `NodeId(0)`; a node that wraps an already-parsed left operand, such as a
//!   binary expression or a call, is created after that operand). Its span goes into the item's
//!   source map, never into the node, so equal token sequences give equal [`Item`]s.
//! - **Recovery.** Errors never stop the parse. Missing pieces become `Error` placeholder nodes;
//!   unexpected tokens are skipped up to a statement boundary (`;`, `}`) inside blocks or up to
//!   the next item keyword at module level. After an error nothing more is reported until a token
//!   has been consumed normally again, and a list reports one error at most, which keeps one
//!   mistake from producing a cascade. Where a closer is missing, indentation decides where the
//!   construct ends: a list stops at a line back at its opening line's level, and in a file
//!   whose braces do not balance, a block stops at such a line and skips a `}` indented deeper
//!   than its opening line (a `}` whose `{` was lost). Files that parse never depend on layout.
//! - **Bounded depth.** Every level of expression, block, type and pattern nesting counts against
//!   [`MAX_DEPTH`]. Chains are not nesting: an operator or postfix step that pushes an earlier
//!   operand one level down the tree (`a + b + c + …`, `x.f().g()…`) and an `else if` link count
//!   only against the depth of the whole tree, [`MAX_TREE_DEPTH`], and `else if` links also
//!   against [`MAX_ELSE_IF`]. Past a limit the parser reports E0007 once and skips the rest of
//!   the item, so neither the parser nor the passes that walk the tree after it (on deep-stack
//!   threads, `crate::deep`) can overflow the stack.
//! - **Speed.** One token of lookahead (three in two places), no backtracking, no allocation per
//!   token; text is sliced from the source only when a node needs a name or a literal.

use super::lexer::{Lexed, Token, TokenKind as T, shorten, unescape};
use crate::ast::*;
use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::span::Span;
use smol_str::SmolStr;

/// How deeply expressions, blocks, types and patterns may nest inside one item (counted from the
/// item). Deep enough for any hand-written code. Operator chains (`a + b + …`, `x.f().g()…`)
/// and `else if` chains are not nesting and do not count here, though they make deep trees.
pub const MAX_DEPTH: u32 = 200;

/// How deep an item's tree may be, counting every step of an operator, postfix or `else if`
/// chain as a level as well as real nesting: five times the nesting limit. Checking and
/// lowering recurse once per level and run on deep-stack threads (`crate::deep`); parsing,
/// comparing, hashing and dropping trees happen on the caller's thread, which may be an
/// ordinary 2 MiB one: in a debug build that holds about 2,500 levels of a sum.
pub const MAX_TREE_DEPTH: u32 = 1_000;

/// How many `else if` branches one chain may have: a link of such a chain costs about twice the
/// stack of an operator's on the caller's thread.
pub const MAX_ELSE_IF: u32 = 500;

/// Which limit an item went past (for the wording of E0007).
#[derive(Clone, Copy)]
enum Limit {
    Nesting,
    Tree,
    ElseIf,
}

/// How much indentation recovery measures; deeper lines count as indented this much.
const LAYOUT_SCAN: usize = 256;

/// Parses a lexed file.
pub(crate) fn parse_tokens(text: &str, lexed: Lexed) -> ParsedFile {
    parse_tokens_with(text, lexed, false)
}

/// [`parse_tokens`]; with `skip_bodies`, function bodies are skipped (each becomes an empty
/// block with its node id and span, so every other node has the id a full parse gives it).
/// Only for files known to parse without errors: the body's end is its matching `}`.
pub(crate) fn parse_tokens_with(text: &str, lexed: Lexed, skip_bodies: bool) -> ParsedFile {
    let excess = |open: T, close: T| {
        lexed.tokens.iter().fold(0i64, |n, t| match t.kind {
            k if k == open => n - 1,
            k if k == close => n + 1,
            _ => n,
        })
    };
    let brace_excess = excess(T::LBrace, T::RBrace);
    let paren_excess = excess(T::LParen, T::RParen);
    let bracket_excess = excess(T::LBracket, T::RBracket);
    let mut parser = Parser {
        brace_excess,
        paren_excess,
        bracket_excess,
        read_layout: brace_excess != 0
            || paren_excess != 0
            || bracket_excess != 0
            || !lexed.unterminated.is_empty(),
        item_has_error: false,
        muted: 0,
        text,
        tokens: lexed.tokens,
        pos: 0,
        prev_end: 0,
        errors: lexed.errors,
        recovering: false,
        quiet_at_eof: lexed.runs_to_eof,
        unterminated: lexed.unterminated,
        line_starts: std::cell::OnceCell::new(),
        items: Vec::new(),
        source_maps: Vec::new(),
        spans: Vec::new(),
        depth: 0,
        else_links: 0,
        reach: 0,
        bail: false,
        open_delims: 0,
        no_struct: false,
        skip_bodies,
    };
    parser.drop_lexical_errors_before_unclosed_strings();
    parser.file();
    let mut errors = parser.errors;
    // Lexical errors were collected first; present everything in source order (stable, so errors
    // at the same position keep the order in which they were found).
    errors.sort_by_key(|d| match d.primary.loc {
        Loc::Span(span) => span.start,
        _ => 0,
    });
    ParsedFile {
        items: parser.items,
        source_maps: parser.source_maps,
        errors,
        read_layout: parser.read_layout,
    }
}

/// The binding power of prefix `-` and `!`: tighter than every binary operator, looser than the
/// postfix ones (`-x.abs()` is `-(x.abs())`, as in Rust).
const BP_UNARY: u8 = 23;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Infix {
    Assign(Option<BinOp>),
    Bin(BinOp),
    Range,
}

/// Whether the elements of a comma-separated list may start with `{` (expressions and `use`
/// groups) or not (parameters, fields, variants, types, patterns), in which case a `{` ends
/// the list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Elems {
    Any,
    NoBrace,
}

/// Operators that may not be chained without parentheses (`a < b < c`, `a..b..c`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chain {
    Comparison,
    Range,
}

/// A binary operator and its binding powers in the Pratt loop, `(left, right)`, from LANGUAGE.md's
/// precedence table. Left-associative operators have `right = left + 1`; assignment is
/// right-associative (`right < left`); comparisons and `..` are non-associative, which the loop
/// enforces separately (see [`Chain`]).
fn infix_op(kind: T) -> Option<(Infix, u8, u8)> {
    use BinOp::*;
    Some(match kind {
        T::Eq => (Infix::Assign(None), 2, 1),
        T::PlusEq => (Infix::Assign(Some(Add)), 2, 1),
        T::MinusEq => (Infix::Assign(Some(Sub)), 2, 1),
        T::StarEq => (Infix::Assign(Some(Mul)), 2, 1),
        T::SlashEq => (Infix::Assign(Some(Div)), 2, 1),
        T::PercentEq => (Infix::Assign(Some(Rem)), 2, 1),
        T::OrOr => (Infix::Bin(Or), 3, 4),
        T::AndAnd => (Infix::Bin(And), 5, 6),
        T::EqEq => (Infix::Bin(Eq), 7, 8),
        T::Ne => (Infix::Bin(Ne), 7, 8),
        T::Lt => (Infix::Bin(Lt), 7, 8),
        T::Le => (Infix::Bin(Le), 7, 8),
        T::Gt => (Infix::Bin(Gt), 7, 8),
        T::Ge => (Infix::Bin(Ge), 7, 8),
        T::DotDot => (Infix::Range, 9, 10),
        T::Pipe => (Infix::Bin(BitOr), 11, 12),
        T::Caret => (Infix::Bin(BitXor), 13, 14),
        T::Amp => (Infix::Bin(BitAnd), 15, 16),
        // `<<` and `>>` are two adjacent `<`/`>` tokens (so that `Option<Option<i64>>` lexes
        // as a type); [`Parser::infix_at`] joins them.
        T::Plus => (Infix::Bin(Add), 19, 20),
        T::Minus => (Infix::Bin(Sub), 19, 20),
        T::Star => (Infix::Bin(Mul), 21, 22),
        T::Slash => (Infix::Bin(Div), 21, 22),
        T::Percent => (Infix::Bin(Rem), 21, 22),
        _ => return None,
    })
}

/// Tokens that can begin an expression (a lexer-reported `Unknown` token is handled apart).
fn can_start_expr(kind: T) -> bool {
    matches!(
        kind,
        T::Ident
            | T::Int
            | T::Float
            | T::Str
            | T::True
            | T::False
            | T::SelfValue
            | T::LParen
            | T::LBracket
            | T::LBrace
            | T::If
            | T::While
            | T::Loop
            | T::For
            | T::Match
            | T::Break
            | T::Continue
            | T::Return
            | T::Minus
            | T::Bang
            | T::Pipe
            | T::OrOr
    )
}

/// Expressions that end with a block: as statements they need no `;`, and as match arm bodies
/// no `,`.
fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Block(_)
            | ExprKind::If { .. }
            | ExprKind::While { .. }
            | ExprKind::Loop { .. }
            | ExprKind::For { .. }
            | ExprKind::Match { .. }
    )
}

/// The value of an integer literal's text (`1_000`), or `None` if it does not fit in a `u64`.
fn int_value(text: &str) -> Option<u64> {
    let mut value: u64 = 0;
    for b in text.bytes() {
        if b == b'_' {
            continue;
        }
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(b.wrapping_sub(b'0')))?;
    }
    Some(value)
}

struct Parser<'t> {
    /// Function bodies are skipped, not parsed (see [`parse_tokens_with`]).
    skip_bodies: bool,
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    /// End of the last consumed token: where node spans end.
    prev_end: u32,
    errors: Vec<Diagnostic>,
    /// Set by a syntax error, cleared when a token is consumed normally; while set, further
    /// syntax errors are dropped (they would be consequences of the first).
    recovering: bool,
    /// An unterminated string or comment ran to the end of the file; "found end of file" errors
    /// would only repeat that.
    quiet_at_eof: bool,
    /// The file's `}` minus its `{`. Zero in every file that parses; otherwise indentation tells
    /// which block lost its `{` or `}` (see [`Parser::missing_close_here`]). Valid code is never
    /// read by its layout.
    brace_excess: i64,
    /// The same for `)` and `(`, and for `]` and `[`.
    paren_excess: i64,
    bracket_excess: i64,
    /// Recovery may have read the layout (see [`ParsedFile::read_layout`]).
    read_layout: bool,
    /// A syntax error was reported in the current item.
    item_has_error: bool,
    /// While positive, syntax errors are not reported (the rest of a list that already has one).
    muted: u32,
    /// Line starts, computed the first time recovery reads the layout (see
    /// [`Parser::line_starts`]).
    line_starts: std::cell::OnceCell<Vec<u32>>,
    /// Starts of the string literals the lexer found unclosed on their line (sorted). What
    /// follows such a string on the next lines was meant to come after its closing quote, so
    /// the parser recovers silently after consuming one.
    unterminated: Vec<u32>,
    items: Vec<Item>,
    source_maps: Vec<ItemSourceMap>,
    /// Spans of the current item's nodes, indexed by `NodeId`.
    spans: Vec<Span>,
    /// Current level within the item's tree (nesting plus `else if` links).
    depth: u32,
    /// How many of the levels in `depth` are `else if` links (not nesting).
    else_links: u32,
    /// The deepest level reached by the subtree being measured (see [`Parser::expr_bp`]).
    reach: u32,
    /// Nesting went past [`MAX_DEPTH`]: every parse function returns at once (the current
    /// token reads as end of file) and the rest of the item is skipped.
    bail: bool,
    /// Opening minus closing brackets consumed in the current item (to find the end of an item
    /// after `bail`).
    open_delims: i32,
    /// In the head of `if`/`while`/`for`/`match`: `Name {` starts the body, not a struct literal.
    no_struct: bool,
}

impl<'t> Parser<'t> {
    // ----- tokens -------------------------------------------------------------------------

    fn tok(&self) -> Token {
        self.tokens[self.pos]
    }

    /// The current token's kind; reads as end of file while bailing out of an item.
    fn kind(&self) -> T {
        if self.bail {
            T::Eof
        } else {
            self.tokens[self.pos].kind
        }
    }

    fn nth(&self, n: usize) -> T {
        if self.bail {
            return T::Eof;
        }
        self.tokens.get(self.pos + n).map_or(T::Eof, |t| t.kind)
    }

    fn at(&self, kind: T) -> bool {
        self.kind() == kind
    }

    fn start(&self) -> u32 {
        self.tokens[self.pos].span.start
    }

    fn slice(&self, span: Span) -> &'t str {
        self.text.get(span.range()).unwrap_or("")
    }

    fn advance(&mut self) {
        let t = self.tokens[self.pos];
        match t.kind {
            T::Eof => return,
            T::LParen | T::LBracket | T::LBrace => self.open_delims += 1,
            T::RParen | T::RBracket | T::RBrace => self.open_delims -= 1,
            _ => {}
        }
        self.pos += 1;
        self.prev_end = t.span.end;
    }

    /// Consumes the current token as part of a successful parse.
    fn bump(&mut self) {
        let t = self.tokens[self.pos];
        self.advance();
        self.recovering =
            t.kind == T::Str && self.unterminated.binary_search(&t.span.start).is_ok();
    }

    /// Consumes the current token while recovering from an error.
    fn skip(&mut self) {
        self.advance();
    }

    /// Steps over characters the lexer has already reported; what follows them is likely to
    /// look wrong too, so the parser stays quiet until it is back on track.
    fn skip_unknown(&mut self) {
        self.advance();
        self.recovering = true;
    }

    fn eat(&mut self, kind: T) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `kind` or reports "expected `kind`".
    fn expect(&mut self, kind: T) -> bool {
        if self.eat(kind) {
            return true;
        }
        let what = format!("`{}`", kind.fixed_text().unwrap_or("?"));
        self.error_expected(&what, None);
        false
    }

    /// Whether the token at `pos` starts an item for recovery purposes: `fn name` (not the
    /// function type `fn(`), `struct`, `enum`, `impl`, `const`, `use`, `#`, and `pub` before
    /// one of those (a `pub` field is not an item).
    fn item_start_at(&self, pos: usize) -> bool {
        let kind_at = |p: usize| self.tokens.get(p).map_or(T::Eof, |t| t.kind);
        match kind_at(pos) {
            T::Fn => kind_at(pos + 1) != T::LParen,
            T::Struct | T::Enum | T::Impl | T::Const | T::Use | T::Pound => true,
            T::Pub => matches!(
                kind_at(pos + 1),
                T::Fn | T::Struct | T::Enum | T::Impl | T::Const | T::Use
            ),
            _ => false,
        }
    }

    fn at_item_start(&self) -> bool {
        !self.bail && self.item_start_at(self.pos)
    }

    // ----- layout (for recovery only) ---------------------------------------------------------

    /// The start of every line after the first, found once, when recovery first needs them.
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            self.text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1)
                .collect()
        })
    }

    /// The start of the line holding `offset`, and the start of the next line (or the end of
    /// the text).
    fn line_of(&self, offset: u32) -> (usize, usize) {
        let starts = self.line_starts();
        let i = starts.partition_point(|&s| s <= offset);
        let start = if i == 0 { 0 } else { starts[i - 1] as usize };
        let next = starts.get(i).map_or(self.text.len(), |&s| s as usize);
        (start, next)
    }

    /// The column of the current token if it is the first token on its line.
    fn line_first_column(&self) -> Option<usize> {
        let start = self.tokens[self.pos].span.start;
        let (line, _) = self.line_of(start);
        let first = self.pos == 0 || self.tokens[self.pos - 1].span.end as usize <= line;
        let before = self.text.as_bytes().get(line..start as usize)?;
        // A block comment before the token on its line makes it no line's first token.
        (first && before.iter().all(|b| matches!(b, b' ' | b'\t'))).then_some(before.len())
    }

    /// The indentation of the line holding `offset` (up to [`LAYOUT_SCAN`] columns).
    fn indent_of(&self, offset: u32) -> Option<usize> {
        let (line, _) = self.line_of(offset);
        let rest = self.text.as_bytes().get(line..)?;
        Some(
            rest.iter()
                .take(LAYOUT_SCAN)
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count(),
        )
    }

    /// Drops the lexical errors that come before an unclosed string on its line: after a lost
    /// quote, the text of a string up to the next quote is read as code, and its odd characters
    /// (`\t` read as `\` and `t`, say) are no mistakes of their own. The unclosed string is the
    /// one error there.
    fn drop_lexical_errors_before_unclosed_strings(&mut self) {
        if self.unterminated.is_empty() {
            return;
        }
        let errors = std::mem::take(&mut self.errors);
        self.errors = errors
            .into_iter()
            .filter(|d| {
                let Loc::Span(span) = d.primary.loc else {
                    return true;
                };
                if d.code == codes::UNTERMINATED_STRING {
                    return true;
                }
                let (_, next_line) = self.line_of(span.start);
                let later = self.unterminated.partition_point(|&u| u <= span.start);
                self.unterminated
                    .get(later)
                    .is_none_or(|&u| (u as usize) >= next_line)
            })
            .collect();
    }

    /// Whether the current token is on a line that ends in an unclosed string: the tokens of
    /// such a line are the code and the text of strings read the wrong way round after a lost
    /// quote, and the unclosed string (E0002) is the one error to report there.
    fn on_unterminated_line(&self) -> bool {
        if self.unterminated.is_empty() {
            return false;
        }
        let (line, next_line) = self.line_of(self.tokens[self.pos].span.start);
        let first = self.unterminated.partition_point(|&u| (u as usize) < line);
        self.unterminated
            .get(first)
            .is_some_and(|&u| (u as usize) < next_line)
    }

    /// Whether the current token starts a line indented no deeper than the line holding
    /// `open`: code that is back at the level of the construct `open` began, so the construct
    /// must have ended before it.
    fn outdented_from(&self, open: Span) -> bool {
        match (self.line_first_column(), self.indent_of(open.start)) {
            (Some(column), Some(indent)) => column <= indent,
            _ => false,
        }
    }

    /// Whether the current token starts a line indented less deeply than the line holding
    /// `open`.
    fn outdented_past(&self, open: Span) -> bool {
        match (self.line_first_column(), self.indent_of(open.start)) {
            (Some(column), Some(indent)) => column < indent,
            _ => false,
        }
    }

    /// Whether the current token, the first of a braced body opened at `open`, starts a line
    /// indented deeper than the opening line: then the body's layout can be trusted.
    fn body_indented(&self, open: Span) -> bool {
        match (self.line_first_column(), self.indent_of(open.start)) {
            (Some(column), Some(indent)) => column > indent,
            _ => false,
        }
    }

    /// In a file with a `}` too few, whether the braced body opened at `open` (whose layout was
    /// found trustworthy, `indented`) ends before the current token: it starts a line back at
    /// the level of the opening line, so the body's `}` is the one that is missing.
    fn missing_close_here(&self, open: Span, indented: bool) -> bool {
        self.brace_excess < 0 && indented && !self.at(T::RBrace) && self.outdented_from(open)
    }

    /// In a file with a `)` (or `]`) too few, whether the list opened at `open` ends before the
    /// current token, where an element would start: the token starts a line back at the level
    /// of the opening line, or it is a `{` that ends its line (the body of the `if`, `while` or
    /// `fn` whose head lost its `)`).
    fn list_lost_its_close(&self, close: T, open: Span, elems: Elems) -> bool {
        let excess = match close {
            T::RParen => self.paren_excess,
            T::RBracket => self.bracket_excess,
            _ => 0,
        };
        if excess >= 0 {
            return false;
        }
        if self.outdented_from(open) {
            return true;
        }
        elems == Elems::Any && self.at(T::LBrace) && {
            let end = self.tokens[self.pos].span.end as usize;
            let next = self
                .tokens
                .get(self.pos + 1)
                .map_or(end, |t| t.span.start as usize);
            self.text.as_bytes()[end..next].contains(&b'\n')
        }
    }

    /// In a file with a `}` too many, whether the current `}` belongs to no brace of the body
    /// opened at `open`: it starts a line indented deeper than the opening line, so its `{` is
    /// the one that is missing.
    fn stray_close_here(&self, open: Span) -> bool {
        self.brace_excess > 0
            && self.at(T::RBrace)
            && match (self.line_first_column(), self.indent_of(open.start)) {
                (Some(column), Some(indent)) => column > indent,
                _ => false,
            }
    }

    // ----- nodes --------------------------------------------------------------------------

    /// Creates a node starting at `start`; [`Parser::finish`] sets its end.
    fn alloc(&mut self, start: u32) -> NodeId {
        self.alloc_span(Span::new(start, start))
    }

    fn alloc_span(&mut self, span: Span) -> NodeId {
        let id = NodeId(self.spans.len() as u32);
        self.spans.push(span);
        id
    }

    /// Ends the node's span at the last consumed token.
    fn finish(&mut self, id: NodeId) {
        let span = &mut self.spans[id.0 as usize];
        span.end = self.prev_end.max(span.start);
    }

    fn node_start(&self, id: NodeId) -> u32 {
        self.spans[id.0 as usize].start
    }

    fn ident(&mut self) -> Option<Ident> {
        if !self.at(T::Ident) {
            return None;
        }
        let t = self.tok();
        let id = self.alloc_span(t.span);
        let name = SmolStr::new(self.slice(t.span));
        self.bump();
        Some(Ident { id, name })
    }

    /// An identifier or `_` (for `let _`, `for _ in`, `_: i64` parameters).
    fn ident_or_underscore(&mut self) -> Option<Ident> {
        if self.at(T::Underscore) {
            let id = self.alloc_span(self.tok().span);
            self.bump();
            return Some(Ident {
                id,
                name: SmolStr::new_static("_"),
            });
        }
        self.ident()
    }

    fn error_expr(&mut self) -> Expr {
        let id = self.alloc_span(self.tok().span);
        Expr {
            id,
            kind: ExprKind::Error,
        }
    }

    fn error_type(&mut self) -> TypeRef {
        let id = self.alloc_span(self.tok().span);
        TypeRef {
            id,
            kind: TypeRefKind::Error,
        }
    }

    fn error_pat(&mut self) -> Pat {
        let id = self.alloc_span(self.tok().span);
        Pat {
            id,
            kind: PatKind::Error,
        }
    }

    // ----- nesting ------------------------------------------------------------------------

    /// Enters one level of nesting; `false` (and the item is abandoned) past [`MAX_DEPTH`].
    fn enter(&mut self) -> bool {
        if self.bail {
            return false;
        }
        if self.depth.saturating_sub(self.else_links) >= MAX_DEPTH {
            self.too_deep(Limit::Nesting);
            return false;
        }
        if self.depth >= MAX_TREE_DEPTH {
            self.too_deep(Limit::Tree);
            return false;
        }
        self.depth += 1;
        self.reach = self.reach.max(self.depth);
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn too_deep(&mut self, limit: Limit) {
        let span = self.tok().span;
        self.too_deep_at(limit, span);
    }

    /// [`Parser::too_deep`] at `span` (the token that went past the limit, when it is behind).
    fn too_deep_at(&mut self, limit: Limit, span: Span) {
        if self.bail {
            return;
        }
        self.bail = true;
        let (message, hint) = match limit {
            Limit::Nesting => (
                format!(
                    "this item nests expressions, blocks, types or patterns more than {MAX_DEPTH} levels deep"
                ),
                "Split the nesting up with `let` bindings or helper functions. The rest of this item was not checked.",
            ),
            Limit::Tree => (
                format!(
                    "this item's expressions are more than {MAX_TREE_DEPTH} levels deep, counting every operator and method call of long chains"
                ),
                "Split long chains up with `let` bindings or helper functions. The rest of this item was not checked.",
            ),
            Limit::ElseIf => (
                format!("this `else if` chain has more than {MAX_ELSE_IF} branches"),
                "Use a `match`, or split the chain across helper functions. The rest of this item was not checked.",
            ),
        };
        self.errors.push(
            Diagnostic::error(codes::TOO_DEEP, message, Loc::Span(span))
                .with_label("the limit is reached here")
                .with_hint(hint),
        );
    }

    // ----- errors -------------------------------------------------------------------------

    /// Reports a syntax error unless it is a consequence of the previous one (see
    /// [`Parser::recovering`]) or of a lexical error at the current token.
    fn report(&mut self, diag: Diagnostic) {
        if self.recovering || self.bail || self.muted > 0 || self.on_unterminated_line() {
            self.recovering = true;
            return;
        }
        self.recovering = true;
        let t = self.tok();
        if t.kind == T::Unknown || (t.kind == T::Eof && self.quiet_at_eof) {
            return;
        }
        self.item_has_error = true;
        self.errors.push(diag);
    }

    /// A description of a token for "found …" in messages.
    fn describe(&self, t: Token) -> String {
        match t.kind {
            T::Eof => "end of file".to_string(),
            T::Str => "a string literal".to_string(),
            T::Ident | T::Int | T::Float | T::Unknown => {
                format!("`{}`", shorten(self.slice(t.span)))
            }
            k if k.is_keyword() => format!("keyword `{}`", k.fixed_text().unwrap_or("?")),
            k => format!("`{}`", k.fixed_text().unwrap_or("?")),
        }
    }

    /// "expected {what}, found {current token}", at the current token.
    fn error_expected(&mut self, what: &str, hint: Option<&str>) {
        let t = self.tok();
        let mut diag = Diagnostic::error(
            codes::SYNTAX,
            format!("expected {what}, found {}", self.describe(t)),
            Loc::Span(t.span),
        );
        if let Some(hint) = hint {
            diag = diag.with_hint(hint);
        }
        self.report(diag);
    }

    /// "expected {what}" where a name is needed; explains that keywords are reserved.
    fn expected_name(&mut self, what: &str) {
        let t = self.tok();
        let hint = t.kind.is_keyword().then(|| {
            format!(
                "`{}` is a reserved word and cannot be used as a name; choose another one.",
                self.slice(t.span)
            )
        });
        self.error_expected(what, hint.as_deref());
    }

    /// A missing `;`: points just after the previous token, where the `;` belongs.
    fn missing_semi(&mut self) {
        let t = self.tok();
        let at = Span::new(self.prev_end, self.prev_end);
        let diag = Diagnostic::error(
            codes::SYNTAX,
            format!("expected `;`, found {}", self.describe(t)),
            Loc::Span(at),
        )
        .with_label("`;` missing here")
        .with_secondary(Loc::Span(t.span), "unexpected token");
        self.report(diag);
    }

    /// A block, list or body opened at `open` is not closed before the current token.
    fn unclosed(&mut self, close: T, open: Span) {
        let t = self.tok();
        let close_text = close.fixed_text().unwrap_or("?");
        let open_text = self.slice(open).to_string();
        let mut diag = Diagnostic::error(
            codes::SYNTAX,
            format!("expected `{close_text}`, found {}", self.describe(t)),
            Loc::Span(t.span),
        )
        .with_secondary(
            Loc::Span(open),
            format!("this `{open_text}` is never closed"),
        );
        if self.at_item_start() {
            diag = diag.with_hint(format!(
                "Items cannot be declared inside other items; if the `{open_text}` should have been closed earlier, add the missing `{close_text}` there."
            ));
        }
        self.report(diag);
    }

    /// A block opened at `open` that runs into the next item or the end of the file: its `}`
    /// belongs right after its last token, which is where the error points (the next item may
    /// be many lines further down).
    fn unclosed_block(&mut self, open: Span) {
        let t = self.tok();
        let at = Span::new(self.prev_end, self.prev_end);
        let mut diag = Diagnostic::error(
            codes::SYNTAX,
            format!("expected `}}`, found {}", self.describe(t)),
            Loc::Span(at),
        )
        .with_label("`}` missing here")
        .with_secondary(Loc::Span(open), "this `{` is never closed");
        if t.kind != T::Eof {
            diag = diag
                .with_secondary(Loc::Span(t.span), "the next item starts here")
                .with_hint(
                    "Items cannot be declared inside other items; add the missing `}` where the block should end.",
                );
        }
        self.report(diag);
    }

    // ----- recovery -----------------------------------------------------------------------

    /// Skips to the next item keyword (module-level recovery).
    fn skip_to_item_start(&mut self) {
        while self.tokens[self.pos].kind != T::Eof && !self.item_start_at(self.pos) {
            self.skip();
        }
    }

    /// Skips the rest of a statement: up to and including `;`, or up to `}`, an item keyword or
    /// the end of file. Braced groups are skipped whole; parentheses and brackets are not counted,
    /// because a `;` can only be inside them within a block, and an unbalanced `(` is a likely
    /// part of the very mistake being recovered from.
    fn recover_stmt(&mut self) {
        let mut depth = 0u32;
        loop {
            match self.kind() {
                T::Eof => return,
                _ if self.at_item_start() => return,
                T::Semi if depth == 0 => {
                    self.skip();
                    return;
                }
                T::RBrace if depth == 0 => return,
                T::LBrace => depth += 1,
                T::RBrace => depth -= 1,
                _ => {}
            }
            self.skip();
        }
    }

    /// Skips to just after `close` (brackets in between are skipped whole), stopping early at a
    /// `;`, an unmatched closing bracket, an item keyword or the end of file.
    fn skip_past(&mut self, close: T) {
        let mut depth = 0u32;
        loop {
            let kind = self.kind();
            match kind {
                T::Eof => return,
                _ if depth == 0 && kind == close => {
                    self.skip();
                    return;
                }
                _ if self.at_item_start() => return,
                T::Semi if depth == 0 => return,
                T::LParen | T::LBracket | T::LBrace => depth += 1,
                T::RParen | T::RBracket | T::RBrace => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.skip();
        }
    }

    /// Skips a broken member of an `impl` block: up to the next item keyword or the `}` that
    /// closes the block (not consumed), skipping bracketed groups whole.
    fn skip_member(&mut self) {
        let mut depth = 0u32;
        loop {
            match self.kind() {
                T::Eof => return,
                _ if depth == 0 && self.at_item_start() => return,
                T::RBrace if depth == 0 => return,
                T::LParen | T::LBracket | T::LBrace => depth += 1,
                T::RParen | T::RBracket | T::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.skip();
        }
    }

    /// After E0007: skips the rest of the item and resumes normal parsing. An item ends with the
    /// `}` that closes its outermost brace or with a `;` outside all brackets; an item keyword or
    /// the end of the file also stops the skip.
    fn skip_after_bail(&mut self) {
        loop {
            let kind = self.tokens[self.pos].kind;
            if kind == T::Eof || self.item_start_at(self.pos) {
                break;
            }
            let ends_item = (kind == T::RBrace && self.open_delims <= 1)
                || (kind == T::Semi && self.open_delims <= 0);
            self.skip();
            if ends_item {
                break;
            }
        }
        self.bail = false;
        self.recovering = true;
    }

    /// `open elem, elem, … close` (trailing comma allowed), starting at `open`. Stops without
    /// consuming at a token that cannot belong to the list (`;`, another closing bracket, an
    /// item keyword, and `{` in lists whose elements cannot start with one), so that the
    /// enclosing construct can recover: `fn f( {` goes on with the body.
    fn comma_list(&mut self, close: T, elems: Elems, elem: impl FnMut(&mut Self)) {
        let muted = self.muted;
        self.list_items(close, elems, elem);
        self.muted = muted;
    }

    /// The body of [`Parser::comma_list`]; after its first error, the rest of the list is muted
    /// (one list, one complaint: what follows a bad element is seldom a good one).
    fn list_items(&mut self, close: T, elems: Elems, mut elem: impl FnMut(&mut Self)) {
        let open = self.tok().span;
        self.bump();
        let mut reported = false;
        loop {
            if self.eat(close) {
                return;
            }
            if self.at_list_stop(close, elems) || self.list_lost_its_close(close, open, elems) {
                self.unclosed(close, open);
                return;
            }
            let before = self.pos;
            elem(self);
            if self.eat(T::Comma) || self.at(close) {
                continue;
            }
            self.read_layout = true;
            if self.outdented_from(open) {
                // `f(a` and a next line back at the statement's level: the closer was left out.
                self.unclosed(close, open);
                return;
            }
            if !reported {
                let close_text = close.fixed_text().unwrap_or("?");
                let hint = (close == T::RBracket && self.at(T::Semi)).then_some(
                    "holo has no `[value; count]` arrays; start from `[]` and `push` in a loop.",
                );
                self.error_expected(&format!("`,` or `{close_text}`"), hint);
                reported = true;
                self.muted += 1;
            }
            if self.at_list_stop(close, elems) {
                return;
            }
            if self.pos == before {
                self.skip();
            }
        }
    }

    fn at_list_stop(&self, close: T, elems: Elems) -> bool {
        match self.kind() {
            // `let` starts no element of any list: the list's closer is missing before it.
            T::Eof | T::Semi | T::Let => true,
            T::LBrace => elems == Elems::NoBrace,
            k @ (T::RParen | T::RBracket | T::RBrace) => k != close,
            _ => self.at_item_start(),
        }
    }

    // ----- items --------------------------------------------------------------------------

    fn file(&mut self) {
        loop {
            let kind = self.tokens[self.pos].kind;
            match kind {
                T::Eof => break,
                T::Fn | T::Struct | T::Enum | T::Impl | T::Const | T::Use | T::Pound => {
                    self.item();
                }
                // `pub x: i64,` after a struct that lost its `{` is a field, not an item.
                T::Pub if self.item_start_at(self.pos) => self.item(),
                _ => {
                    let hint = match kind {
                        T::Let => Some(
                            "`let` is only allowed inside function bodies; at module level declare a constant: `const NAME: i64 = 1;`.",
                        ),
                        T::RBrace => Some("This `}` has no matching `{`."),
                        T::Semi => Some("Items are not followed by `;`; remove it."),
                        _ => None,
                    };
                    self.error_expected(
                        "an item (`fn`, `struct`, `enum`, `impl`, `const` or `use`)",
                        hint,
                    );
                    self.skip();
                    self.skip_to_item_start();
                }
            }
        }
    }

    fn begin_item(&mut self) {
        self.spans.clear();
        self.depth = 0;
        self.else_links = 0;
        self.reach = 0;
        self.bail = false;
        self.open_delims = 0;
        self.no_struct = false;
        self.item_has_error = false;
    }

    /// Pushes the item (if its header was good enough to make one) with its source map.
    fn end_item(&mut self, start: u32, attrs: Vec<Attr>, vis: Visibility, kind: Option<ItemKind>) {
        if self.bail {
            self.skip_after_bail();
        }
        let Some(kind) = kind else {
            return;
        };
        let item_span = Span::new(start, self.prev_end.max(start));
        self.spans[0] = item_span;
        self.items.push(Item {
            id: NodeId(0),
            attrs,
            vis,
            kind,
        });
        self.source_maps.push(ItemSourceMap {
            spans: std::mem::take(&mut self.spans),
            item_span,
        });
    }

    fn item(&mut self) {
        let start = self.start();
        self.begin_item();
        self.alloc(start); // The item itself: NodeId(0).
        let attrs = self.attrs();
        let pub_span = self.tok().span;
        let vis = self.visibility();
        let kind = match self.kind() {
            T::Fn => {
                self.bump();
                self.fn_def().map(ItemKind::Fn)
            }
            T::Struct => self.struct_def().map(ItemKind::Struct),
            T::Enum => self.enum_def().map(ItemKind::Enum),
            T::Const => self.const_def().map(ItemKind::Const),
            T::Use => Some(ItemKind::Use(self.use_decl())),
            T::Impl => {
                if vis == Visibility::Public {
                    self.report(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "`impl` blocks cannot be marked `pub`",
                            Loc::Span(pub_span),
                        )
                        .with_hint("Mark the methods inside the block `pub` instead."),
                    );
                }
                if let Some(first) = attrs.first() {
                    let span = Span::new(self.node_start(first.id), pub_span.start);
                    self.report(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "attributes cannot be put on `impl` blocks",
                            Loc::Span(span),
                        )
                        .with_hint("Put the attribute on a method inside the block instead."),
                    );
                }
                self.impl_block();
                return;
            }
            _ => {
                self.error_expected("`fn`, `struct`, `enum`, `impl`, `const` or `use`", None);
                None
            }
        };
        if kind.is_none() && !self.bail {
            self.skip_to_item_start();
        }
        self.end_item(start, attrs, vis, kind);
    }

    /// `#[name]*`
    fn attrs(&mut self) -> Vec<Attr> {
        let mut attrs = Vec::new();
        while self.at(T::Pound) {
            let id = self.alloc(self.start());
            self.bump();
            if !self.expect(T::LBracket) {
                continue;
            }
            let Some(name) = self.ident() else {
                self.error_expected("an attribute name such as `test`", None);
                self.skip_past(T::RBracket);
                continue;
            };
            if !self.expect(T::RBracket) {
                self.skip_past(T::RBracket);
                continue;
            }
            self.finish(id);
            attrs.push(Attr { id, name });
        }
        attrs
    }

    fn visibility(&mut self) -> Visibility {
        if self.eat(T::Pub) {
            Visibility::Public
        } else {
            Visibility::Private
        }
    }

    /// `name(params) [-> T] { body }`, after `fn`. `None` if there is no name.
    fn fn_def(&mut self) -> Option<FnDef> {
        let Some(name) = self.ident() else {
            self.expected_name("a function name");
            return None;
        };
        let mut self_param = None;
        let mut params = Vec::new();
        if self.at(T::LParen) {
            self.comma_list(T::RParen, Elems::NoBrace, |p| {
                p.param(&mut self_param, &mut params)
            });
        } else {
            let hint = self
                .at(T::Lt)
                .then_some("holo has no generic functions (yet); write one function per type.");
            self.error_expected("`(` and the parameter list", hint);
        }
        let ret = if self.eat(T::Arrow) {
            Some(self.ty())
        } else {
            None
        };
        let body = if self.skip_bodies && self.at(T::LBrace) {
            self.skipped_block()
        } else {
            self.block()
        };
        Some(FnDef {
            name,
            self_param,
            params,
            ret,
            body,
        })
    }

    /// One parameter: `self`, `mut self`, or `[mut] name: T`.
    fn param(&mut self, self_param: &mut Option<SelfParam>, params: &mut Vec<Param>) {
        let start = self.start();
        if self.at(T::SelfValue) || (self.at(T::Mut) && self.nth(1) == T::SelfValue) {
            let id = self.alloc(start);
            let mutable = self.eat(T::Mut);
            self.bump();
            self.finish(id);
            if self_param.is_some() || !params.is_empty() {
                self.report(
                    Diagnostic::error(
                        codes::SYNTAX,
                        "`self` must be the first parameter",
                        Loc::Span(self.spans[id.0 as usize]),
                    )
                    .with_hint("Move `self` to the front of the parameter list."),
                );
            } else {
                *self_param = Some(SelfParam { id, mutable });
            }
            if self.at(T::Colon) {
                self.report(
                    Diagnostic::error(
                        codes::SYNTAX,
                        "`self` takes no type annotation",
                        Loc::Span(self.tok().span),
                    )
                    .with_hint("Write just `self` or `mut self`; its type is the type of the `impl` block."),
                );
                self.skip();
                let _ = self.ty();
            }
            return;
        }
        let id = self.alloc(start);
        let mutable = self.eat(T::Mut);
        let Some(name) = self.ident_or_underscore() else {
            self.expected_name("a parameter name");
            return;
        };
        let ty = if self.eat(T::Colon) {
            self.ty()
        } else {
            self.error_expected(
                "`:` and the parameter's type",
                Some("Every parameter needs a type, as in `count: i64`."),
            );
            self.error_type()
        };
        self.finish(id);
        params.push(Param {
            id,
            mutable,
            name,
            ty,
        });
    }

    /// `struct Name { [pub] field: T, … }`
    fn struct_def(&mut self) -> Option<StructDef> {
        self.bump();
        let Some(name) = self.ident() else {
            self.expected_name("a struct name");
            return None;
        };
        let mut fields = Vec::new();
        if self.at(T::LBrace) {
            self.comma_list(T::RBrace, Elems::NoBrace, |p| {
                let id = p.alloc(p.start());
                let vis = p.visibility();
                let Some(name) = p.ident() else {
                    p.expected_name("a field name");
                    return;
                };
                let ty = if p.expect(T::Colon) {
                    p.ty()
                } else {
                    p.error_type()
                };
                p.finish(id);
                fields.push(FieldDef { id, vis, name, ty });
            });
        } else {
            self.error_expected(
                "`{` and the struct's fields",
                Some("Declare the fields in braces: `struct Point { x: i64, y: i64 }`."),
            );
        }
        Some(StructDef { name, fields })
    }

    /// `enum Name { A, B(T, U), … }`
    fn enum_def(&mut self) -> Option<EnumDef> {
        self.bump();
        let Some(name) = self.ident() else {
            self.expected_name("an enum name");
            return None;
        };
        let mut variants = Vec::new();
        if self.at(T::LBrace) {
            self.comma_list(T::RBrace, Elems::NoBrace, |p| {
                let id = p.alloc(p.start());
                let Some(name) = p.ident() else {
                    p.expected_name("a variant name");
                    return;
                };
                let mut fields = Vec::new();
                if p.at(T::LParen) {
                    p.comma_list(T::RParen, Elems::NoBrace, |p| fields.push(p.ty()));
                } else if p.at(T::LBrace) {
                    p.report(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "enum variants with named fields are not supported",
                            Loc::Span(p.tok().span),
                        )
                        .with_hint("Use a tuple variant such as `Move(i64, i64)`, or a struct as its payload."),
                    );
                    p.skip();
                    p.skip_past(T::RBrace);
                }
                p.finish(id);
                variants.push(VariantDef { id, name, fields });
            });
        } else {
            self.error_expected(
                "`{` and the enum's variants",
                Some("Declare the variants in braces: `enum Shape { Circle(f64), Empty }`."),
            );
        }
        Some(EnumDef { name, variants })
    }

    /// `const NAME: T = value;`
    fn const_def(&mut self) -> Option<ConstDef> {
        self.bump();
        let Some(name) = self.ident() else {
            self.expected_name("a constant name");
            return None;
        };
        let ty = if self.eat(T::Colon) {
            self.ty()
        } else {
            self.error_expected(
                "`:` and the constant's type",
                Some("A `const` needs its type written out, as in `const LIMIT: i64 = 1_000;`."),
            );
            self.error_type()
        };
        let value = if self.eat(T::Eq) {
            self.expr()
        } else {
            self.error_expected("`=` and the constant's value", None);
            self.error_expr()
        };
        if !self.eat(T::Semi) {
            self.missing_semi();
        }
        Some(ConstDef { name, ty, value })
    }

    /// `use tree;`
    fn use_decl(&mut self) -> UseDecl {
        self.bump();
        let tree = self.use_tree();
        if !self.eat(T::Semi) {
            self.missing_semi();
        }
        UseDecl { tree }
    }

    /// `a::b::c [as d]`, `a::b::*`, `a::b::{tree, …}`. A tree too broken to mean anything becomes
    /// an empty group (which imports nothing) after its error is reported.
    fn use_tree(&mut self) -> UseTree {
        let id = self.alloc(self.start());
        let empty = UseTreeKind::Group(Vec::new());
        if !self.enter() {
            return UseTree {
                id,
                prefix: Vec::new(),
                kind: empty,
            };
        }
        let mut prefix = Vec::new();
        let kind = loop {
            match self.kind() {
                T::Ident => {
                    let Some(ident) = self.ident() else {
                        break empty;
                    };
                    if self.eat(T::ColonColon) {
                        prefix.push(ident);
                        continue;
                    }
                    let alias = if self.eat(T::As) {
                        let alias = self.ident_or_underscore();
                        if alias.is_none() {
                            self.error_expected("a name after `as`", None);
                        }
                        alias
                    } else {
                        None
                    };
                    break UseTreeKind::Single { name: ident, alias };
                }
                T::Star => {
                    self.bump();
                    break UseTreeKind::Glob;
                }
                T::LBrace => {
                    let mut trees = Vec::new();
                    self.comma_list(T::RBrace, Elems::Any, |p| trees.push(p.use_tree()));
                    break UseTreeKind::Group(trees);
                }
                _ => {
                    let what = if prefix.is_empty() {
                        "a module or item name"
                    } else {
                        "a name, `{` or `*` after `::`"
                    };
                    self.error_expected(what, None);
                    break empty;
                }
            }
        };
        self.leave();
        self.finish(id);
        UseTree { id, prefix, kind }
    }

    /// `impl Type { methods }`: every method becomes its own item.
    fn impl_block(&mut self) {
        self.bump();
        if !self.at(T::Ident) {
            self.error_expected("the name of the type whose methods follow", None);
            self.skip_to_item_start();
            return;
        }
        let ty_span = self.tok().span;
        let ty_name = SmolStr::new(self.slice(ty_span));
        self.bump();
        if !self.at(T::LBrace) {
            let hint = self
                .at(T::For)
                .then_some("holo has no traits; write the methods in `impl Type { … }`.");
            self.error_expected("`{` and the methods", hint);
            self.skip_to_item_start();
            return;
        }
        let open = self.tok().span;
        self.bump();
        loop {
            match self.tokens[self.pos].kind {
                T::RBrace => {
                    self.bump();
                    return;
                }
                T::Eof => {
                    self.unclosed(T::RBrace, open);
                    return;
                }
                T::Fn | T::Pub | T::Pound => self.method(&ty_name, ty_span),
                _ if self.item_start_at(self.pos) => {
                    self.unclosed(T::RBrace, open);
                    return;
                }
                _ => {
                    self.error_expected("`fn` or `}`", None);
                    self.skip();
                    self.skip_member();
                }
            }
        }
    }

    fn method(&mut self, ty_name: &SmolStr, ty_span: Span) {
        let start = self.start();
        self.begin_item();
        self.alloc(start); // The item itself: NodeId(0).
        let self_ty = Ident {
            id: self.alloc_span(ty_span),
            name: ty_name.clone(),
        };
        let attrs = self.attrs();
        let vis = self.visibility();
        let kind = if self.eat(T::Fn) {
            self.fn_def()
                .map(|func| ItemKind::Method(MethodDef { self_ty, func }))
        } else {
            self.error_expected(
                "`fn`",
                Some("An `impl` block contains only methods (`fn name(self, …)`) and associated functions."),
            );
            None
        };
        if kind.is_none() && !self.bail {
            self.skip_member();
        }
        self.end_item(start, attrs, vis, kind);
    }

    // ----- types --------------------------------------------------------------------------

    /// `i64`, `a::B`, `[T]`, `()`, `fn(T, U) -> R`.
    fn ty(&mut self) -> TypeRef {
        if !self.enter() {
            return self.error_type();
        }
        if self.at(T::LParen) && self.nth(1) != T::RParen && !self.paren_is_tuple() {
            // `(T)` is `T`.
            self.bump();
            let inner = self.ty();
            self.expect(T::RParen);
            self.leave();
            return inner;
        }
        let id = self.alloc(self.start());
        let kind = match self.kind() {
            T::Ident => {
                let path = self.path();
                if self.at(T::Lt) {
                    let mut args = Vec::new();
                    self.bump();
                    loop {
                        args.push(self.ty());
                        if !self.eat(T::Comma) || self.at(T::Gt) {
                            break;
                        }
                    }
                    if !self.eat(T::Gt) {
                        self.error_expected("`>` after the type arguments", None);
                    }
                    TypeRefKind::Generic { path, args }
                } else {
                    TypeRefKind::Path(path)
                }
            }
            T::LBracket => {
                self.bump();
                let inner = self.ty();
                if self.at(T::Semi) {
                    self.report(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "fixed-size array types are not supported",
                            Loc::Span(self.tok().span),
                        )
                        .with_hint("holo arrays grow as needed; write the type as `[T]`."),
                    );
                    self.skip_past(T::RBracket);
                } else {
                    self.expect(T::RBracket);
                }
                TypeRefKind::Array(Box::new(inner))
            }
            T::LParen => {
                self.bump();
                if self.eat(T::RParen) {
                    TypeRefKind::Unit
                } else {
                    let mut elems = vec![self.ty()];
                    while self.eat(T::Comma) && !self.at(T::RParen) {
                        elems.push(self.ty());
                    }
                    if !self.eat(T::RParen) {
                        self.error_expected("`,` or `)` in the tuple type", None);
                        self.skip_past(T::RParen);
                    }
                    TypeRefKind::Tuple(elems)
                }
            }
            T::Fn => {
                self.bump();
                let mut params = Vec::new();
                if self.at(T::LParen) {
                    self.comma_list(T::RParen, Elems::NoBrace, |p| params.push(p.ty()));
                } else {
                    self.error_expected("`(` and the parameter types", None);
                }
                let ret = if self.eat(T::Arrow) {
                    Some(Box::new(self.ty()))
                } else {
                    None
                };
                TypeRefKind::Fn { params, ret }
            }
            _ => {
                self.error_expected("a type", None);
                self.spans[id.0 as usize] = self.tok().span;
                self.leave();
                return TypeRef {
                    id,
                    kind: TypeRefKind::Error,
                };
            }
        };
        self.finish(id);
        self.leave();
        TypeRef { id, kind }
    }

    /// `a::b::c` (at an identifier).
    fn path(&mut self) -> Path {
        let id = self.alloc(self.start());
        let mut segments = Vec::new();
        if let Some(first) = self.ident() {
            segments.push(first);
        }
        while self.at(T::ColonColon) {
            self.bump();
            match self.ident() {
                Some(segment) => segments.push(segment),
                None => {
                    let hint = self.at(T::Lt).then_some(
                        "Type arguments follow the type's name without `::`: `Option<i64>`.",
                    );
                    self.error_expected("a name after `::`", hint);
                    break;
                }
            }
        }
        self.finish(id);
        Path { id, segments }
    }

    // ----- patterns -----------------------------------------------------------------------

    /// `p | q | …`
    fn pat(&mut self) -> Pat {
        if !self.enter() {
            return self.error_pat();
        }
        let start = self.start();
        let first = self.pat_single();
        let pat = if self.at(T::Pipe) {
            let id = self.alloc(start);
            let mut alternatives = vec![first];
            while self.eat(T::Pipe) {
                alternatives.push(self.pat_single());
            }
            self.finish(id);
            Pat {
                id,
                kind: PatKind::Or(alternatives),
            }
        } else {
            first
        };
        self.leave();
        pat
    }

    fn pat_single(&mut self) -> Pat {
        if self.at(T::LParen) && self.nth(1) != T::RParen && !self.paren_is_tuple() {
            // `(p)` is `p`.
            self.bump();
            let inner = self.pat();
            if !self.eat(T::RParen) {
                self.error_expected("`)` after the pattern", None);
            }
            return inner;
        }
        let start = self.start();
        let kind = self.kind();
        if matches!(
            kind,
            T::Int | T::Float | T::Str | T::True | T::False | T::Minus
        ) {
            return self.literal_pat();
        }
        let id = self.alloc(start);
        let kind = match kind {
            T::Underscore => {
                self.bump();
                PatKind::Wild
            }
            T::Mut => {
                self.bump();
                match self.ident() {
                    Some(name) => PatKind::Bind {
                        mutable: true,
                        name,
                    },
                    None => {
                        self.error_expected("a name after `mut`", None);
                        PatKind::Error
                    }
                }
            }
            // The prelude's variants are not new bindings (as in Rust, where they resolve to
            // the variants in scope): `None` matches `None`, and a bare `Some` is reported as
            // a variant missing its payload rather than silently binding a variable.
            T::Ident
                if !matches!(self.nth(1), T::ColonColon | T::LParen | T::LBrace)
                    && !matches!(self.slice(self.tok().span), "None" | "Some" | "Ok" | "Err") =>
            {
                match self.ident() {
                    Some(name) => PatKind::Bind {
                        mutable: false,
                        name,
                    },
                    None => PatKind::Error,
                }
            }
            T::Ident => {
                let path = self.path();
                if self.at(T::LParen) {
                    let mut fields = Vec::new();
                    self.comma_list(T::RParen, Elems::NoBrace, |p| fields.push(p.pat()));
                    PatKind::Variant { path, fields }
                } else if self.at(T::LBrace) {
                    self.struct_pat(path)
                } else {
                    PatKind::Path(path)
                }
            }
            T::LParen => {
                let mut elems = Vec::new();
                self.bump();
                while !matches!(self.kind(), T::RParen | T::Eof) {
                    elems.push(self.pat());
                    if !self.eat(T::Comma) {
                        break;
                    }
                }
                if !self.eat(T::RParen) {
                    self.error_expected("`,` or `)` in the tuple pattern", None);
                    self.skip_past(T::RParen);
                }
                PatKind::Tuple(elems)
            }
            _ => {
                self.error_expected("a pattern", None);
                self.spans[id.0 as usize] = self.tok().span;
                return Pat {
                    id,
                    kind: PatKind::Error,
                };
            }
        };
        self.finish(id);
        Pat { id, kind }
    }

    /// `{ x, y: pat, .. }` after a struct pattern's path.
    fn struct_pat(&mut self, path: Path) -> PatKind {
        let mut fields = Vec::new();
        let mut rest = false;
        self.comma_list(T::RBrace, Elems::NoBrace, |p| {
            if p.at(T::DotDot) {
                p.bump();
                rest = true;
                return;
            }
            let id = p.alloc(p.start());
            let mutable = p.eat(T::Mut);
            let Some(name) = p.ident() else {
                p.expected_name("a field name");
                return;
            };
            let pat = if !mutable && p.eat(T::Colon) {
                p.pat()
            } else {
                // Shorthand `x` binds the field to a variable of the same name.
                let span = p.spans[name.id.0 as usize];
                let pat_id = p.alloc_span(span);
                let bind = Ident {
                    id: p.alloc_span(span),
                    name: name.name.clone(),
                };
                Pat {
                    id: pat_id,
                    kind: PatKind::Bind {
                        mutable,
                        name: bind,
                    },
                }
            };
            p.finish(id);
            fields.push(FieldPat { id, name, pat });
        });
        PatKind::Struct { path, fields, rest }
    }

    /// `1`, `-1`, `2.5`, `-2.5`, `"s"`, `true`.
    fn literal_pat(&mut self) -> Pat {
        let start = self.start();
        let id = self.alloc(start);
        let negative = self.eat(T::Minus);
        let kind = if negative && !matches!(self.kind(), T::Int | T::Float) {
            self.error_expected("a number after `-`", None);
            PatKind::Error
        } else {
            match self.literal(negative) {
                Some(lit) => PatKind::Lit(lit),
                None => PatKind::Error,
            }
        };
        self.finish(id);
        Pat { id, kind }
    }

    /// The literal at the current token, consumed (negated for `-` literals in patterns and
    /// `-9223372036854775808`). `None` if its value is out of range, which is reported here.
    fn literal(&mut self, negative: bool) -> Option<Literal> {
        let t = self.tok();
        self.bump();
        let text = self.slice(t.span);
        match t.kind {
            T::Int => {
                let limit = if negative {
                    1u64 << 63
                } else {
                    i64::MAX as u64
                };
                match int_value(text) {
                    Some(value) if value <= limit => Some(Literal::Int(if negative {
                        0i64.wrapping_sub(value as i64)
                    } else {
                        value as i64
                    })),
                    _ => {
                        let message =
                            format!("integer literal `{}` does not fit in `i64`", shorten(text));
                        self.errors.push(
                            Diagnostic::error(codes::INT_TOO_LARGE, message, Loc::Span(t.span)).with_hint(
                                "An `i64` lies between -9223372036854775808 and 9223372036854775807; for larger numbers use an `f64` literal such as `1.0e20`.",
                            ),
                        );
                        None
                    }
                }
            }
            T::Float => {
                let value = if text.contains('_') {
                    text.replace('_', "").parse::<f64>()
                } else {
                    text.parse::<f64>()
                };
                match value {
                    Ok(v) if v.is_finite() => {
                        Some(Literal::Float(if negative { -v } else { v }.to_bits()))
                    }
                    _ => {
                        let message = format!(
                            "float literal `{}` is out of range for `f64`",
                            shorten(text)
                        );
                        self.errors.push(
                            Diagnostic::error(codes::SYNTAX, message, Loc::Span(t.span))
                                .with_hint("The largest `f64` is about 1.8e308."),
                        );
                        None
                    }
                }
            }
            T::Str => {
                let value = if text.contains('\\') {
                    SmolStr::from(unescape(text))
                } else {
                    let body = text.strip_prefix('"').unwrap_or(text);
                    SmolStr::new(body.strip_suffix('"').unwrap_or(body))
                };
                Some(Literal::Str(value))
            }
            T::True => Some(Literal::Bool(true)),
            T::False => Some(Literal::Bool(false)),
            _ => None,
        }
    }

    // ----- expressions --------------------------------------------------------------------

    /// A full expression; struct literals allowed.
    fn expr(&mut self) -> Expr {
        let saved = std::mem::replace(&mut self.no_struct, false);
        let expr = self.expr_bp(0);
        self.no_struct = saved;
        expr
    }

    /// The head of `if`, `while`, `for` or `match`, where `Name {` opens the body.
    fn head_expr(&mut self) -> Expr {
        let saved = std::mem::replace(&mut self.no_struct, true);
        let expr = self.expr_bp(0);
        self.no_struct = saved;
        expr
    }

    /// The Pratt loop: an operand, then operators binding at least as tightly as `min_bp`.
    ///
    /// Depth accounting: this expression sits at level `depth` (after `enter`); `reach` ends up
    /// at the deepest level of its tree. Each operator node built here pushes the left operand
    /// one level down, so the left operand's deepest level grows by one per operator, and the
    /// whole tree's deepest level is checked against [`MAX_TREE_DEPTH`] as it grows.
    fn expr_bp(&mut self, min_bp: u8) -> Expr {
        if !self.enter() {
            return self.error_expr();
        }
        let outer_reach = self.reach;
        self.reach = self.depth;
        let lhs = self.unary();
        let expr = self.infix(lhs, min_bp);
        self.reach = self.reach.max(outer_reach);
        self.leave();
        expr
    }

    fn infix(&mut self, mut lhs: Expr, min_bp: u8) -> Expr {
        let level = self.depth;
        let mut deepest = self.reach;
        let mut chain: Option<Chain> = None;
        let mut chain_reported = false;
        loop {
            if self.at(T::As) {
                self.cast();
                continue;
            }
            let Some((op, left_bp, right_bp, tokens)) = self.infix_at() else {
                break;
            };
            if left_bp < min_bp {
                break;
            }
            let this_chain = match op {
                Infix::Bin(
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge,
                ) => Some(Chain::Comparison),
                Infix::Range => Some(Chain::Range),
                _ => None,
            };
            let chained = this_chain.is_some() && this_chain == chain;
            if chained && !chain_reported {
                chain_reported = true;
                let (message, hint) = if this_chain == Some(Chain::Range) {
                    ("ranges cannot be chained", "Write a single range `a..b`.")
                } else {
                    (
                        "comparison operators cannot be chained",
                        "Use `&&` to combine comparisons: `a < b && b < c`.",
                    )
                };
                self.report(
                    Diagnostic::error(codes::SYNTAX, message, Loc::Span(self.tok().span))
                        .with_hint(hint),
                );
            }
            let start = self.node_start(lhs.id);
            let op_span = self.tok().span;
            for _ in 0..tokens {
                self.bump();
            }
            if op == Infix::Range && self.at(T::Eq) {
                self.inclusive_range(op_span);
            }
            let id = self.alloc(start);
            self.reach = level;
            let rhs = self.expr_bp(right_bp);
            deepest = (deepest + 1).max(self.reach);
            let kind = match op {
                // `a < b < c` is read as `a < b && <error> < c`: both comparisons are kept (so
                // their operands are still checked) and the whole is a `bool`, so the checker has
                // nothing more to say; the placeholder stands for the operand the user meant to
                // repeat.
                Infix::Bin(op) if chained && this_chain == Some(Chain::Comparison) => {
                    let missing = self.alloc_span(op_span);
                    let second = self.alloc(op_span.start);
                    self.finish(second);
                    deepest = deepest.max(self.reach + 1);
                    let second = Expr {
                        id: second,
                        kind: ExprKind::Binary(
                            op,
                            Box::new(Expr {
                                id: missing,
                                kind: ExprKind::Error,
                            }),
                            Box::new(rhs),
                        ),
                    };
                    ExprKind::Binary(BinOp::And, Box::new(lhs), Box::new(second))
                }
                Infix::Bin(op) => ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                Infix::Assign(op) => ExprKind::Assign {
                    op,
                    target: Box::new(lhs),
                    value: Box::new(rhs),
                },
                Infix::Range => ExprKind::Range {
                    start: Box::new(lhs),
                    end: Box::new(rhs),
                },
            };
            self.finish(id);
            lhs = Expr { id, kind };
            chain = this_chain;
            if deepest > MAX_TREE_DEPTH {
                self.too_deep(Limit::Tree);
                break;
            }
        }
        self.reach = deepest;
        lhs
    }

    /// The binary operator at the current token, its binding powers and how many tokens it
    /// spans: `<<` and `>>` are two adjacent `<`/`>` tokens.
    fn infix_at(&self) -> Option<(Infix, u8, u8, usize)> {
        let kind = self.kind();
        if matches!(kind, T::Lt | T::Gt) && self.nth(1) == kind {
            let next = self.tokens[self.pos + 1].span;
            if next.start == self.tok().span.end {
                let op = if kind == T::Lt {
                    BinOp::Shl
                } else {
                    BinOp::Shr
                };
                return Some((Infix::Bin(op), 17, 18, 2));
            }
        }
        infix_op(kind).map(|(op, l, r)| (op, l, r, 1))
    }

    /// `expr as T`: holo has no casts; report and skip the type.
    fn cast(&mut self) {
        self.report(
            Diagnostic::error(
                codes::SYNTAX,
                "holo has no `as` casts",
                Loc::Span(self.tok().span),
            )
            .with_hint("Convert with a method instead: `.to_f64()`, `.to_i64()` or `.to_str()`."),
        );
        self.skip();
        let _ = self.ty();
    }

    /// Prefix operators, then an operand with its postfix operators.
    fn unary(&mut self) -> Expr {
        let start = self.start();
        let op = match self.kind() {
            T::Minus => {
                // `-9223372036854775808` is i64::MIN, whose magnitude alone does not fit in i64:
                // a minus directly before that literal (with no postfix after it) is one literal.
                if self.nth(1) == T::Int
                    && !matches!(self.nth(2), T::Dot | T::LParen | T::LBracket)
                    && int_value(self.slice(self.tokens[self.pos + 1].span)) == Some(1 << 63)
                {
                    let id = self.alloc(start);
                    self.bump();
                    let lit = self.literal(true);
                    self.finish(id);
                    let kind = lit.map_or(ExprKind::Error, ExprKind::Lit);
                    return Expr { id, kind };
                }
                UnOp::Neg
            }
            T::Bang => UnOp::Not,
            _ => {
                let primary = self.primary();
                return self.postfix(primary);
            }
        };
        let id = self.alloc(start);
        self.bump();
        let operand = self.expr_bp(BP_UNARY);
        self.finish(id);
        Expr {
            id,
            kind: ExprKind::Unary(op, Box::new(operand)),
        }
    }

    /// `.field`, `.method(args)`, `(args)`, `[index]` after an operand.
    /// `a..=b`, Rust's inclusive range, which holo does not have: one precise error, and the
    /// `=` is skipped so that the loop around it is still checked as `a..b`.
    fn inclusive_range(&mut self, dots: Span) {
        let span = Span::new(dots.start, self.tok().span.end);
        self.report(
            Diagnostic::error(
                codes::SYNTAX,
                "holo has no inclusive ranges `a..=b`",
                Loc::Span(span),
            )
            .with_label("write `..` here")
            .with_hint("A range `a..b` stops before `b`; to include `b`, write `a..b + 1` (`for i in 0..=5` is `for i in 0..6`)."),
        );
        self.bump();
    }

    /// A macro call such as `println!` with arguments, out of Rust habit: holo's built-ins are
    /// functions. One error, and the `!` is skipped so that the call is still checked.
    fn macro_call(&mut self, path: &Path) {
        let name = path.display();
        self.report(
            Diagnostic::error(
                codes::SYNTAX,
                format!("holo has no macros: `{name}!` is written `{name}`"),
                Loc::Span(self.tok().span),
            )
            .with_label("remove this `!`")
            .with_hint(format!(
                "Built-ins such as `println` are ordinary functions in holo: write `{name}(…)`; `+` joins strings, as in `println(\"n = \" + n.to_str())`."
            )),
        );
        self.bump();
    }

    fn postfix(&mut self, mut expr: Expr) -> Expr {
        let level = self.depth;
        let mut deepest = self.reach;
        loop {
            let start = self.node_start(expr.id);
            let (id, kind) = match self.kind() {
                T::Question => {
                    let id = self.alloc(start);
                    self.bump();
                    deepest += 1;
                    (id, ExprKind::Try(Box::new(expr)))
                }
                T::Dot if matches!(self.nth(1), T::Int | T::Float) => {
                    self.bump();
                    // `t.0.1` lexes as one float token but nests two field accesses.
                    let fields = self.tok().span;
                    deepest += 1 + self.slice(fields).matches('.').count() as u32;
                    expr = self.tuple_fields(expr, start);
                    if deepest > MAX_TREE_DEPTH {
                        self.too_deep_at(Limit::Tree, fields);
                        break;
                    }
                    continue;
                }
                T::Dot => {
                    self.bump();
                    let Some(name) = self.ident() else {
                        self.error_expected("a field or method name after `.`", None);
                        break;
                    };
                    if self.at(T::ColonColon) && self.nth(1) == T::Lt {
                        self.turbofish(&name);
                    }
                    let id = self.alloc(start);
                    if self.at(T::LParen) {
                        self.reach = level;
                        let args = self.call_args();
                        deepest = (deepest + 1).max(self.reach);
                        let kind = ExprKind::MethodCall {
                            receiver: Box::new(expr),
                            method: name,
                            args,
                        };
                        (id, kind)
                    } else {
                        deepest += 1;
                        let kind = ExprKind::Field {
                            base: Box::new(expr),
                            name,
                        };
                        (id, kind)
                    }
                }
                T::LParen => {
                    let id = self.alloc(start);
                    self.reach = level;
                    let args = self.call_args();
                    deepest = (deepest + 1).max(self.reach);
                    let kind = ExprKind::Call {
                        callee: Box::new(expr),
                        args,
                    };
                    (id, kind)
                }
                T::LBracket => {
                    let id = self.alloc(start);
                    let open = self.tok().span;
                    self.bump();
                    self.reach = level;
                    let index = self.expr();
                    deepest = (deepest + 1).max(self.reach);
                    if !self.eat(T::RBracket) {
                        self.unclosed(T::RBracket, open);
                    }
                    let kind = ExprKind::Index {
                        base: Box::new(expr),
                        index: Box::new(index),
                    };
                    (id, kind)
                }
                _ => break,
            };
            self.finish(id);
            expr = Expr { id, kind };
            if deepest > MAX_TREE_DEPTH {
                self.too_deep(Limit::Tree);
                break;
            }
        }
        self.reach = deepest;
        expr
    }

    /// Whether the `(` at the current token opens a tuple: a `,` directly inside it (so that
    /// the tuple's node can be made before its elements, in source order).
    fn paren_is_tuple(&self) -> bool {
        let mut depth = 0usize;
        for t in &self.tokens[self.pos..] {
            match t.kind {
                T::LParen | T::LBracket | T::LBrace => depth += 1,
                T::RParen | T::RBracket | T::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return false;
                    }
                }
                T::Comma if depth == 1 => return true,
                T::Eof | T::Semi => return false,
                _ => {}
            }
        }
        false
    }

    /// `.method::<T>(…)`: holo's methods take no type arguments. Reported once, with the
    /// method holo has for the common case, and skipped so that the call is read as
    /// `.method(…)`.
    fn turbofish(&mut self, method: &Ident) {
        let start = self.tok().span.start;
        self.bump();
        let mut depth = 0usize;
        while !matches!(self.kind(), T::Eof | T::Semi | T::LBrace | T::RBrace) {
            match self.kind() {
                T::Lt => depth += 1,
                T::Gt => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump();
                        break;
                    }
                }
                _ => {}
            }
            self.bump();
        }
        let hint = if method.name == "parse" {
            "Parse with `.parse_i64()` or `.parse_f64()`; both return a `Result` with a message as the error."
        } else {
            "holo's methods take no type arguments; the types come from the values."
        };
        let span = Span::new(start, self.prev_end.max(start));
        self.report(
            Diagnostic::error(
                codes::SYNTAX,
                "methods take no type arguments (`::<…>`)",
                Loc::Span(span),
            )
            .with_hint(hint),
        );
    }

    /// `.0` or `.0.1` (which lexes as the float `0.1`) after a tuple: field accesses named
    /// by the element's index.
    fn tuple_fields(&mut self, mut expr: Expr, start: u32) -> Expr {
        let t = self.tok();
        self.bump();
        let text = self.slice(t.span);
        let mut offset = t.span.start;
        for part in text.split('.') {
            let valid = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            if !valid {
                self.report(
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("`{text}` is not a tuple field"),
                        Loc::Span(t.span),
                    )
                    .with_hint("Tuple fields are numbered from 0: `pair.0`, `pair.1`."),
                );
                return expr;
            }
            let span = Span::new(offset, offset + part.len() as u32);
            offset += part.len() as u32 + 1;
            let name = Ident {
                id: self.alloc_span(span),
                name: SmolStr::new(part),
            };
            let id = self.alloc(start);
            self.spans[id.0 as usize] = Span::new(start, span.end);
            expr = Expr {
                id,
                kind: ExprKind::Field {
                    base: Box::new(expr),
                    name,
                },
            };
        }
        expr
    }

    /// `|a, b: T| body` or `|x| -> T { … }`; `||` is a closure without parameters.
    fn closure(&mut self) -> Expr {
        let id = self.alloc(self.start());
        let mut params = Vec::new();
        if !self.eat(T::OrOr) {
            self.bump();
            while !self.at(T::Pipe) {
                let param_id = self.alloc(self.start());
                let Some(name) = self.ident_or_underscore() else {
                    self.expected_name("a closure parameter name");
                    while !matches!(self.kind(), T::Pipe | T::Eof | T::LBrace | T::Semi) {
                        self.skip();
                    }
                    break;
                };
                let ty = if self.eat(T::Colon) {
                    Some(self.ty())
                } else {
                    None
                };
                self.finish(param_id);
                params.push(ClosureParam {
                    id: param_id,
                    name,
                    ty,
                });
                if !self.eat(T::Comma) {
                    break;
                }
            }
            if !self.eat(T::Pipe) {
                self.error_expected("`|` after the closure's parameters", None);
            }
        }
        let ret = if self.eat(T::Arrow) {
            Some(self.ty())
        } else {
            None
        };
        let body = if ret.is_some() {
            let block_id = self.alloc(self.start());
            let block = self.block();
            self.finish(block_id);
            Expr {
                id: block_id,
                kind: ExprKind::Block(block),
            }
        } else {
            self.expr()
        };
        self.finish(id);
        Expr {
            id,
            kind: ExprKind::Closure(Box::new(Closure { params, ret, body })),
        }
    }

    fn call_args(&mut self) -> Vec<Expr> {
        let mut args = Vec::new();
        let saved = std::mem::replace(&mut self.no_struct, false);
        self.comma_list(T::RParen, Elems::Any, |p| args.push(p.expr()));
        self.no_struct = saved;
        args
    }

    fn primary(&mut self) -> Expr {
        let start = self.start();
        match self.kind() {
            T::Int | T::Float | T::Str | T::True | T::False => {
                let id = self.alloc(start);
                let kind = self.literal(false).map_or(ExprKind::Error, ExprKind::Lit);
                self.finish(id);
                Expr { id, kind }
            }
            T::Ident => self.path_expr(),
            T::SelfValue => self.simple(ExprKind::SelfValue),
            T::LParen => self.paren_expr(),
            T::LBracket => {
                let id = self.alloc(start);
                let mut elements = Vec::new();
                let saved = std::mem::replace(&mut self.no_struct, false);
                self.comma_list(T::RBracket, Elems::Any, |p| elements.push(p.expr()));
                self.no_struct = saved;
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::Array(elements),
                }
            }
            T::LBrace => {
                let id = self.alloc(start);
                let block = self.block();
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::Block(block),
                }
            }
            T::If => self.if_expr(),
            T::Pipe | T::OrOr => self.closure(),
            T::While if self.nth(1) == T::Let => {
                let id = self.alloc(start);
                self.bump();
                self.bump();
                let (pat, scrutinee) = self.let_head();
                let body = self.block();
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::WhileLet {
                        pat: Box::new(pat),
                        scrutinee,
                        body,
                    },
                }
            }
            T::While => {
                let id = self.alloc(start);
                self.bump();
                let cond = Box::new(self.head_expr());
                let body = self.block();
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::While { cond, body },
                }
            }
            T::Loop => {
                let id = self.alloc(start);
                self.bump();
                let body = self.block();
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::Loop { body },
                }
            }
            T::For => self.for_expr(),
            T::Match => self.match_expr(),
            T::Break => {
                let expr = self.simple(ExprKind::Break);
                if can_start_expr(self.kind()) {
                    self.report(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "`break` does not take a value",
                            Loc::Span(self.tok().span),
                        )
                        .with_hint("Loops do not produce values in holo; assign the result to a `let mut` variable before `break`."),
                    );
                    let _ = self.expr();
                }
                expr
            }
            T::Continue => self.simple(ExprKind::Continue),
            T::Return => {
                let id = self.alloc(start);
                self.bump();
                let value = can_start_expr(self.kind()).then(|| Box::new(self.expr()));
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::Return(value),
                }
            }
            T::Unknown => {
                // Already reported by the lexer; stand in for the operand it was meant to be.
                let id = self.alloc_span(self.tok().span);
                self.skip_unknown();
                Expr {
                    id,
                    kind: ExprKind::Error,
                }
            }
            _ => {
                let hint = match self.kind() {
                    T::DotDot => Some("A range needs a start: `0..n`."),
                    T::Plus => Some("holo has no `++` or unary `+`; write `x += 1`."),
                    T::Let => Some(
                        "`let` starts a statement, not an expression; to test a pattern write `if let Some(x) = value { … }`.",
                    ),
                    _ => None,
                };
                self.error_expected("an expression", hint);
                self.error_expr()
            }
        }
    }

    /// A one-token expression.
    fn simple(&mut self, kind: ExprKind) -> Expr {
        let id = self.alloc_span(self.tok().span);
        self.bump();
        Expr { id, kind }
    }

    /// A path, or a struct literal `Path { … }`.
    fn path_expr(&mut self) -> Expr {
        let id = self.alloc(self.start());
        let path = self.path();
        if self.at(T::Bang) && self.nth(1) == T::LParen {
            self.macro_call(&path);
        }
        let struct_body_follows =
            self.at(T::LBrace) && self.nth(1) == T::Ident && self.nth(2) == T::Colon;
        let kind = if self.at(T::LBrace) && (!self.no_struct || struct_body_follows) {
            if self.no_struct {
                let span = Span::new(self.node_start(id), self.tok().span.end);
                self.report(
                    Diagnostic::error(
                        codes::SYNTAX,
                        "struct literals are not allowed here",
                        Loc::Span(span),
                    )
                    .with_hint(
                        "After `if`, `while`, `for` and `match` a `{` starts the body; wrap the struct literal in parentheses: `(Point { x: 1, y: 2 })`.",
                    ),
                );
            }
            self.struct_lit(path)
        } else {
            ExprKind::Path(path)
        };
        self.finish(id);
        Expr { id, kind }
    }

    /// `{ field: value, shorthand, … }` after the path.
    fn struct_lit(&mut self, path: Path) -> ExprKind {
        let mut fields = Vec::new();
        let saved = std::mem::replace(&mut self.no_struct, false);
        self.comma_list(T::RBrace, Elems::NoBrace, |p| {
            if p.at(T::DotDot) {
                p.report(
                    Diagnostic::error(
                        codes::SYNTAX,
                        "struct update syntax `..base` is not supported",
                        Loc::Span(p.tok().span),
                    )
                    .with_hint(
                        "List every field; copy the others from the base explicitly: `y: base.y`.",
                    ),
                );
                p.skip();
                let _ = p.expr();
                return;
            }
            let id = p.alloc(p.start());
            let Some(name) = p.ident() else {
                p.expected_name("a field name");
                return;
            };
            let value = if p.eat(T::Colon) {
                p.expr()
            } else {
                // Shorthand `y` means `y: y`.
                let span = p.spans[name.id.0 as usize];
                let expr_id = p.alloc_span(span);
                let path_id = p.alloc_span(span);
                let segment = Ident {
                    id: p.alloc_span(span),
                    name: name.name.clone(),
                };
                Expr {
                    id: expr_id,
                    kind: ExprKind::Path(Path {
                        id: path_id,
                        segments: vec![segment],
                    }),
                }
            };
            p.finish(id);
            fields.push(FieldInit { id, name, value });
        });
        self.no_struct = saved;
        ExprKind::StructLit { path, fields }
    }

    /// `(e)` is `e` itself (its span widened to the parentheses); `()` is the unit value,
    /// represented as an empty block.
    fn paren_expr(&mut self) -> Expr {
        let start = self.start();
        let open = self.tok().span;
        if self.nth(1) == T::RParen {
            let id = self.alloc(start);
            let block_id = self.alloc(start);
            self.bump();
            self.bump();
            self.finish(id);
            self.finish(block_id);
            return Expr {
                id,
                kind: ExprKind::Block(Block {
                    id: block_id,
                    stmts: Vec::new(),
                    tail: None,
                }),
            };
        }
        if self.paren_is_tuple() {
            let id = self.alloc(start);
            self.bump();
            let mut elems = Vec::new();
            let saved = std::mem::replace(&mut self.no_struct, false);
            while !matches!(self.kind(), T::RParen | T::Eof) && can_start_expr(self.kind()) {
                elems.push(self.expr());
                if !self.eat(T::Comma) {
                    break;
                }
            }
            self.no_struct = saved;
            if !self.eat(T::RParen) {
                self.unclosed(T::RParen, open);
            }
            self.finish(id);
            return Expr {
                id,
                kind: ExprKind::Tuple(elems),
            };
        }
        self.bump();
        let saved = std::mem::replace(&mut self.no_struct, false);
        let inner = self.expr();
        self.no_struct = saved;
        if !self.eat(T::RParen) {
            self.unclosed(T::RParen, open);
        }
        self.spans[inner.id.0 as usize] = Span::new(start, self.prev_end.max(start));
        inner
    }

    /// `pat = scrutinee` after `if let` / `while let`.
    fn let_head(&mut self) -> (Pat, Box<Expr>) {
        let pat = self.pat();
        let scrutinee = if self.eat(T::Eq) {
            self.head_expr()
        } else {
            self.error_expected("`=` after the pattern", None);
            if self.at(T::LBrace) {
                self.error_expr()
            } else {
                self.head_expr()
            }
        };
        (pat, Box::new(scrutinee))
    }

    fn if_expr(&mut self) -> Expr {
        let id = self.alloc(self.start());
        self.bump();
        let head = if self.eat(T::Let) {
            Err(self.let_head())
        } else {
            Ok(Box::new(self.head_expr()))
        };
        let then_branch = self.block();
        let else_branch = if self.eat(T::Else) {
            match self.kind() {
                T::If => {
                    // A link of the chain, not a level of nesting (but a level of the tree).
                    self.else_links += 1;
                    let nested = if self.else_links > MAX_ELSE_IF {
                        self.too_deep(Limit::ElseIf);
                        self.error_expr()
                    } else if self.enter() {
                        let nested = self.if_expr();
                        self.leave();
                        nested
                    } else {
                        self.error_expr()
                    };
                    self.else_links -= 1;
                    Some(Box::new(nested))
                }
                T::LBrace => {
                    let else_id = self.alloc(self.start());
                    let block = self.block();
                    self.finish(else_id);
                    Some(Box::new(Expr {
                        id: else_id,
                        kind: ExprKind::Block(block),
                    }))
                }
                _ => {
                    self.error_expected("`{` or `if` after `else`", None);
                    None
                }
            }
        } else {
            None
        };
        self.finish(id);
        let kind = match head {
            Ok(cond) => ExprKind::If {
                cond,
                then_branch,
                else_branch,
            },
            Err((pat, scrutinee)) => ExprKind::IfLet {
                pat: Box::new(pat),
                scrutinee,
                then_branch,
                else_branch,
            },
        };
        Expr { id, kind }
    }

    /// `for x in iterable { … }`
    fn for_expr(&mut self) -> Expr {
        let id = self.alloc(self.start());
        self.bump();
        if self.at(T::Mut) {
            self.report(
                Diagnostic::error(
                    codes::SYNTAX,
                    "a `for` loop variable cannot be `mut`",
                    Loc::Span(self.tok().span),
                )
                .with_hint("Make a mutable copy inside the loop: `let mut x = x;`."),
            );
            self.skip();
        }
        let pat = if matches!(self.kind(), T::Ident | T::Underscore | T::LParen) {
            self.pat_single()
        } else {
            self.expected_name("a loop variable name");
            let id = self.alloc_span(self.tok().span);
            Pat {
                id,
                kind: PatKind::Wild,
            }
        };
        let iterable = if self.eat(T::In) {
            self.head_expr()
        } else {
            self.error_expected("`in`", None);
            if self.at(T::LBrace) {
                self.error_expr()
            } else {
                self.head_expr()
            }
        };
        let body = self.block();
        self.finish(id);
        Expr {
            id,
            kind: ExprKind::For {
                pat: Box::new(pat),
                iterable: Box::new(iterable),
                body,
            },
        }
    }

    /// `match scrutinee { pat [if guard] => body, … }`
    fn match_expr(&mut self) -> Expr {
        let id = self.alloc(self.start());
        self.bump();
        let scrutinee = Box::new(self.head_expr());
        let mut arms = Vec::new();
        if self.at(T::LBrace) {
            let open = self.tok().span;
            self.bump();
            let saved = std::mem::replace(&mut self.no_struct, false);
            let indented = self.brace_excess < 0 && self.body_indented(open);
            loop {
                match self.kind() {
                    T::RBrace => {
                        self.bump();
                        break;
                    }
                    T::Eof => {
                        self.unclosed(T::RBrace, open);
                        break;
                    }
                    _ if self.at_item_start() || self.missing_close_here(open, indented) => {
                        self.unclosed(T::RBrace, open);
                        break;
                    }
                    _ => {
                        let before = self.pos;
                        let arm = self.arm();
                        if self.pos == before {
                            // Nothing could be parsed (the error is reported): skip a token.
                            self.skip();
                            continue;
                        }
                        let block_like = is_block_like(&arm.body);
                        arms.push(arm);
                        if self.eat(T::Comma) || self.at(T::RBrace) || block_like {
                            continue;
                        }
                        self.error_expected("`,` or `}` after the match arm", None);
                    }
                }
            }
            self.no_struct = saved;
        } else {
            self.error_expected("`{` and the match arms", None);
        }
        self.finish(id);
        Expr {
            id,
            kind: ExprKind::Match { scrutinee, arms },
        }
    }

    fn arm(&mut self) -> MatchArm {
        let id = self.alloc(self.start());
        let pat = self.pat();
        let guard = if self.eat(T::If) {
            Some(self.expr())
        } else {
            None
        };
        let body = if self.eat(T::FatArrow) {
            let arrow = Span::new(self.prev_end, self.prev_end);
            if self.brace_excess > 0 && self.body_indented(arrow) && !self.at(T::LBrace) {
                // `=>` ending its line, a `}` too many in the file and an indented body: the
                // arm's block lost its `{` (reported by `block`).
                let id = self.alloc(self.start());
                let block = self.block();
                self.finish(id);
                Expr {
                    id,
                    kind: ExprKind::Block(block),
                }
            } else {
                self.expr()
            }
        } else {
            let near_miss = matches!(self.kind(), T::Arrow | T::Eq | T::Colon | T::Ge);
            let hint = near_miss.then_some("A match arm is written `pattern => value`.");
            self.error_expected("`=>`", hint);
            if near_miss {
                self.skip();
            }
            if can_start_expr(self.kind()) {
                self.expr()
            } else {
                self.error_expr()
            }
        };
        self.finish(id);
        MatchArm {
            id,
            pat,
            guard,
            body,
        }
    }

    // ----- blocks and statements ----------------------------------------------------------

    /// `{ stmt* [tail] }`. A missing block becomes an empty block whose value is an error
    /// placeholder, so that the checker does not also complain about its type.
    /// A body skipped to its matching `}`: an empty block with the id and span of the real one.
    fn skipped_block(&mut self) -> Block {
        let id = self.alloc(self.start());
        let mut depth = 0usize;
        loop {
            match self.kind() {
                T::LBrace => depth += 1,
                T::RBrace => depth -= 1,
                T::Eof => break,
                _ => {}
            }
            self.bump();
            if depth == 0 {
                break;
            }
        }
        self.finish(id);
        Block {
            id,
            stmts: Vec::new(),
            tail: None,
        }
    }

    fn block(&mut self) -> Block {
        if !self.enter() {
            let id = self.alloc_span(self.tok().span);
            let tail = self.error_expr();
            return Block {
                id,
                stmts: Vec::new(),
                tail: Some(Box::new(tail)),
            };
        }
        let id = self.alloc(self.start());
        let open = if self.at(T::LBrace) {
            let open = self.tok().span;
            self.bump();
            open
        } else {
            // In a file with a `}` too many, a body on the next lines, indented deeper than the
            // line that should have ended in `{`, is the block whose `{` was lost.
            let header = Span::new(self.prev_end, self.prev_end);
            let lost_open = self.brace_excess > 0 && self.body_indented(header);
            self.error_expected("`{`", None);
            if !lost_open {
                self.spans[id.0 as usize] = self.tok().span;
                let tail = self.error_expr();
                self.leave();
                return Block {
                    id,
                    stmts: Vec::new(),
                    tail: Some(Box::new(tail)),
                };
            }
            header
        };
        let saved = std::mem::replace(&mut self.no_struct, false);
        let mut stmts = Vec::new();
        let mut tail = None;
        let indented = self.brace_excess < 0 && self.body_indented(open);
        loop {
            match self.kind() {
                T::RBrace if self.stray_close_here(open) => {
                    if !self.item_has_error {
                        let diag = Diagnostic::error(
                            codes::SYNTAX,
                            "unexpected `}`",
                            Loc::Span(self.tok().span),
                        )
                        .with_label("this `}` closes no block at its indentation")
                        .with_hint("The `{` it should close seems to be missing above; add it, or remove this `}`.");
                        self.report(diag);
                    }
                    self.skip();
                }
                T::RBrace if self.brace_excess < 0 && self.outdented_past(open) => {
                    // A `}` less indented than this block's first line closes an outer block:
                    // this block's own `}` is the one missing.
                    let diag = Diagnostic::error(
                        codes::SYNTAX,
                        "expected `}`, found a `}` indented less than the block it would close",
                        Loc::Span(self.tok().span),
                    )
                    .with_label("this `}` seems to close an outer block")
                    .with_secondary(Loc::Span(open), "this `{` is never closed")
                    .with_hint("Add the missing `}` where the inner block ends, at the indentation of its first line.");
                    self.report(diag);
                    break;
                }
                T::RBrace => {
                    self.bump();
                    break;
                }
                T::Eof => {
                    self.unclosed_block(open);
                    break;
                }
                _ if self.at_item_start() => {
                    self.unclosed_block(open);
                    break;
                }
                _ if self.missing_close_here(open, indented) => {
                    self.unclosed(T::RBrace, open);
                    break;
                }
                T::Semi => {
                    let stmt_id = self.alloc_span(self.tok().span);
                    self.bump();
                    stmts.push(Stmt {
                        id: stmt_id,
                        kind: StmtKind::Empty,
                    });
                }
                T::Let => stmts.push(self.let_stmt()),
                T::Unknown => self.skip_unknown(),
                kind if can_start_expr(kind) => {
                    let start = self.start();
                    let (expr, block_like) = self.stmt_expr();
                    let semi = match self.kind() {
                        T::Semi => {
                            self.bump();
                            true
                        }
                        T::RBrace | T::Eof => {
                            tail = Some(Box::new(expr));
                            continue;
                        }
                        _ if self.at_item_start() => {
                            tail = Some(Box::new(expr));
                            continue;
                        }
                        _ if block_like => false,
                        _ => {
                            self.missing_semi();
                            true
                        }
                    };
                    let stmt_id = self.alloc(start);
                    self.finish(stmt_id);
                    stmts.push(Stmt {
                        id: stmt_id,
                        kind: StmtKind::Expr { expr, semi },
                    });
                }
                _ => {
                    self.error_expected("a statement or `}`", None);
                    self.recover_stmt();
                }
            }
        }
        self.no_struct = saved;
        self.finish(id);
        self.leave();
        Block { id, stmts, tail }
    }

    /// An expression in statement position. A statement that starts with a block-like
    /// expression (`if`, `match`, `{`, loops) ends after its block unless a `.` continues it, as
    /// in Rust: `if a { b } - 1` is two statements. Returns whether the result is block-like.
    fn stmt_expr(&mut self) -> (Expr, bool) {
        if !matches!(
            self.kind(),
            T::If | T::While | T::Loop | T::For | T::Match | T::LBrace
        ) {
            return (self.expr(), false);
        }
        if !self.enter() {
            return (self.error_expr(), false);
        }
        let outer_reach = self.reach;
        self.reach = self.depth;
        let expr = self.primary();
        let result = if self.at(T::Dot) {
            let expr = self.postfix(expr);
            (self.infix(expr, 0), false)
        } else {
            (expr, true)
        };
        self.reach = self.reach.max(outer_reach);
        self.leave();
        result
    }

    /// `let [mut] name [: T] = init;`
    fn let_stmt(&mut self) -> Stmt {
        let id = self.alloc(self.start());
        self.bump();
        let destructures = self.at(T::LParen)
            || (self.at(T::Ident) && matches!(self.nth(1), T::LBrace | T::ColonColon | T::LParen));
        if destructures {
            return self.let_pat_stmt(id);
        }
        let mutable = self.eat(T::Mut);
        let Some(name) = self.ident_or_underscore() else {
            if self.tok().kind.is_keyword() {
                self.expected_name("a variable name");
            } else {
                self.error_expected("a variable name", None);
            }
            let expr = self.error_expr();
            self.recover_stmt();
            self.finish(id);
            return Stmt {
                id,
                kind: StmtKind::Expr { expr, semi: true },
            };
        };
        let ty = if self.eat(T::Colon) {
            Some(self.ty())
        } else {
            None
        };
        let init = if self.eat(T::Eq) {
            Some(self.expr())
        } else if matches!(self.kind(), T::Semi | T::RBrace | T::Let | T::Eof) {
            let span = Span::new(self.node_start(id), self.prev_end);
            let name_text = name.name.clone();
            self.report(
                Diagnostic::error(codes::SYNTAX, "`let` needs an initializer", Loc::Span(span))
                    .with_label(format!("`{name_text}` is declared without a value"))
                    .with_hint(format!(
                        "Give `{name_text}` its first value where it is declared, as in `let {name_text} = 0;`; holo has no uninitialized variables."
                    )),
            );
            None
        } else {
            self.error_expected("`=`", None);
            self.recover_stmt();
            self.finish(id);
            return Stmt {
                id,
                kind: StmtKind::Let {
                    mutable,
                    name,
                    ty,
                    init: None,
                },
            };
        };
        if !self.eat(T::Semi) {
            self.missing_semi();
        }
        self.finish(id);
        Stmt {
            id,
            kind: StmtKind::Let {
                mutable,
                name,
                ty,
                init,
            },
        }
    }

    /// `let (a, b) = init;` / `let Point { x, y } = init;` (after `let`).
    fn let_pat_stmt(&mut self, id: NodeId) -> Stmt {
        let pat = self.pat_single();
        let ty = if self.eat(T::Colon) {
            Some(self.ty())
        } else {
            None
        };
        let init = if self.eat(T::Eq) {
            self.expr()
        } else {
            self.error_expected("`=` and the value to destructure", None);
            self.error_expr()
        };
        if !self.eat(T::Semi) {
            self.missing_semi();
        }
        self.finish(id);
        Stmt {
            id,
            kind: StmtKind::LetPat {
                pat: Box::new(pat),
                ty,
                init,
            },
        }
    }
}
