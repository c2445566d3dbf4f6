//! Tests of the lexer and parser: every construct's tree shape (as S-expressions), precedence,
//! node ids and spans, and error recovery (several errors per file, no cascades).

use super::debug::{expr_sexp, file_sexp};
use super::lexer::{TokenKind, lex, unescape};
use super::*;
use crate::ast::*;
use crate::span::LineIndex;

// ----- helpers ----------------------------------------------------------------------------------

/// Parses `src`, asserting that it has no errors.
fn parse_ok(src: &str) -> ParsedFile {
    let file = parse(src);
    assert!(
        file.errors.is_empty(),
        "unexpected errors in {src:?}:\n{}",
        render_errors(src, &file).join("\n")
    );
    file
}

/// The items of an error-free file, one S-expression per line.
fn items(src: &str) -> String {
    file_sexp(&parse_ok(src)).trim_end().to_string()
}

/// The S-expression of `src` parsed as the tail expression of a function body.
fn expr(src: &str) -> String {
    let file = parse_ok(&format!("fn t() {{ {src} }}"));
    let ItemKind::Fn(f) = &file.items[0].kind else {
        panic!("not a function")
    };
    assert!(f.body.stmts.is_empty(), "{src:?} parsed as statements");
    expr_sexp(f.body.tail.as_deref().expect("a tail expression"))
}

/// The body of `fn t() { src }` as an S-expression.
fn body(src: &str) -> String {
    let file = parse_ok(&format!("fn t() {{ {src} }}"));
    let ItemKind::Fn(f) = &file.items[0].kind else {
        panic!("not a function")
    };
    debug::block_sexp(&f.body)
}

/// Errors as `code line:col message`, in order.
fn render_errors(src: &str, file: &ParsedFile) -> Vec<String> {
    let index = LineIndex::new(src);
    file.errors
        .iter()
        .map(|d| {
            let crate::diagnostic::Loc::Span(span) = d.primary.loc else {
                panic!("parser errors are located by span")
            };
            let (line, col) = index.line_col(src, span.start);
            format!("{} {line}:{col} {}", d.code, d.message)
        })
        .collect()
}

fn errors(src: &str) -> Vec<String> {
    render_errors(src, &parse(src))
}

fn hints(src: &str) -> Vec<String> {
    parse(src)
        .errors
        .iter()
        .filter_map(|d| d.hint.clone())
        .collect()
}

/// Every `NodeId` that occurs in an item, in tree order.
fn node_ids(item: &Item) -> Vec<NodeId> {
    let mut ids = vec![item.id];
    ids.extend(item.attrs.iter().flat_map(|a| [a.id, a.name.id]));
    match &item.kind {
        ItemKind::Fn(f) => fn_ids(f, &mut ids),
        ItemKind::Method(m) => {
            ids.push(m.self_ty.id);
            fn_ids(&m.func, &mut ids);
        }
        ItemKind::Struct(s) => {
            ids.push(s.name.id);
            for f in &s.fields {
                ids.extend([f.id, f.name.id]);
                type_ids(&f.ty, &mut ids);
            }
        }
        ItemKind::Enum(e) => {
            ids.push(e.name.id);
            for v in &e.variants {
                ids.extend([v.id, v.name.id]);
                v.fields.iter().for_each(|t| type_ids(t, &mut ids));
            }
        }
        ItemKind::Const(c) => {
            ids.push(c.name.id);
            type_ids(&c.ty, &mut ids);
            expr_ids(&c.value, &mut ids);
        }
        ItemKind::Use(u) => use_ids(&u.tree, &mut ids),
    }
    ids
}

fn use_ids(tree: &UseTree, ids: &mut Vec<NodeId>) {
    ids.push(tree.id);
    ids.extend(tree.prefix.iter().map(|s| s.id));
    match &tree.kind {
        UseTreeKind::Single { name, alias } => {
            ids.push(name.id);
            ids.extend(alias.iter().map(|a| a.id));
        }
        UseTreeKind::Group(trees) => trees.iter().for_each(|t| use_ids(t, ids)),
        UseTreeKind::Glob => {}
    }
}

fn fn_ids(f: &FnDef, ids: &mut Vec<NodeId>) {
    ids.push(f.name.id);
    ids.extend(f.self_param.iter().map(|s| s.id));
    for p in &f.params {
        ids.extend([p.id, p.name.id]);
        type_ids(&p.ty, ids);
    }
    if let Some(ret) = &f.ret {
        type_ids(ret, ids);
    }
    block_ids(&f.body, ids);
}

fn path_ids(path: &Path, ids: &mut Vec<NodeId>) {
    ids.push(path.id);
    ids.extend(path.segments.iter().map(|s| s.id));
}

fn type_ids(ty: &TypeRef, ids: &mut Vec<NodeId>) {
    ids.push(ty.id);
    match &ty.kind {
        TypeRefKind::Path(p) => path_ids(p, ids),
        TypeRefKind::Array(inner) => type_ids(inner, ids),
        TypeRefKind::Fn { params, ret } => {
            params.iter().for_each(|p| type_ids(p, ids));
            if let Some(r) = ret {
                type_ids(r, ids);
            }
        }
        TypeRefKind::Tuple(elems) => elems.iter().for_each(|t| type_ids(t, ids)),
        TypeRefKind::Generic { path, args } => {
            path_ids(path, ids);
            args.iter().for_each(|t| type_ids(t, ids));
        }
        TypeRefKind::Unit | TypeRefKind::Error => {}
    }
}

fn pat_ids(pat: &Pat, ids: &mut Vec<NodeId>) {
    ids.push(pat.id);
    match &pat.kind {
        PatKind::Bind { name, .. } => ids.push(name.id),
        PatKind::Path(p) => path_ids(p, ids),
        PatKind::Variant { path, fields } => {
            path_ids(path, ids);
            fields.iter().for_each(|f| pat_ids(f, ids));
        }
        PatKind::Or(alternatives) | PatKind::Tuple(alternatives) => {
            alternatives.iter().for_each(|a| pat_ids(a, ids))
        }
        PatKind::Struct { path, fields, .. } => {
            path_ids(path, ids);
            for f in fields {
                ids.extend([f.id, f.name.id]);
                pat_ids(&f.pat, ids);
            }
        }
        PatKind::Wild | PatKind::Lit(_) | PatKind::Error => {}
    }
}

fn block_ids(block: &Block, ids: &mut Vec<NodeId>) {
    ids.push(block.id);
    for stmt in &block.stmts {
        ids.push(stmt.id);
        match &stmt.kind {
            StmtKind::Let { name, ty, init, .. } => {
                ids.push(name.id);
                if let Some(t) = ty {
                    type_ids(t, ids);
                }
                if let Some(e) = init {
                    expr_ids(e, ids);
                }
            }
            StmtKind::LetPat { pat, ty, init } => {
                pat_ids(pat, ids);
                if let Some(t) = ty {
                    type_ids(t, ids);
                }
                expr_ids(init, ids);
            }
            StmtKind::Expr { expr, .. } => expr_ids(expr, ids),
            StmtKind::Empty => {}
        }
    }
    if let Some(tail) = &block.tail {
        expr_ids(tail, ids);
    }
}

fn expr_ids(expr: &Expr, ids: &mut Vec<NodeId>) {
    ids.push(expr.id);
    match &expr.kind {
        ExprKind::Path(p) => path_ids(p, ids),
        ExprKind::Unary(_, e) => expr_ids(e, ids),
        ExprKind::Binary(_, a, b)
        | ExprKind::Assign {
            target: a,
            value: b,
            ..
        }
        | ExprKind::Index { base: a, index: b }
        | ExprKind::Range { start: a, end: b } => {
            expr_ids(a, ids);
            expr_ids(b, ids);
        }
        ExprKind::Call { callee, args } => {
            expr_ids(callee, ids);
            args.iter().for_each(|a| expr_ids(a, ids));
        }
        ExprKind::MethodCall {
            receiver,
            method,
            args,
        } => {
            expr_ids(receiver, ids);
            ids.push(method.id);
            args.iter().for_each(|a| expr_ids(a, ids));
        }
        ExprKind::Field { base, name } => {
            expr_ids(base, ids);
            ids.push(name.id);
        }
        ExprKind::StructLit { path, fields } => {
            path_ids(path, ids);
            for f in fields {
                ids.extend([f.id, f.name.id]);
                expr_ids(&f.value, ids);
            }
        }
        ExprKind::Array(elements) => elements.iter().for_each(|e| expr_ids(e, ids)),
        ExprKind::Block(b) | ExprKind::Loop { body: b } => block_ids(b, ids),
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => {
            expr_ids(cond, ids);
            block_ids(then_branch, ids);
            if let Some(e) = else_branch {
                expr_ids(e, ids);
            }
        }
        ExprKind::While { cond, body } => {
            expr_ids(cond, ids);
            block_ids(body, ids);
        }
        ExprKind::For {
            pat,
            iterable,
            body,
        } => {
            pat_ids(pat, ids);
            expr_ids(iterable, ids);
            block_ids(body, ids);
        }
        ExprKind::IfLet {
            pat,
            scrutinee,
            then_branch,
            else_branch,
        } => {
            pat_ids(pat, ids);
            expr_ids(scrutinee, ids);
            block_ids(then_branch, ids);
            if let Some(e) = else_branch {
                expr_ids(e, ids);
            }
        }
        ExprKind::WhileLet {
            pat,
            scrutinee,
            body,
        } => {
            pat_ids(pat, ids);
            expr_ids(scrutinee, ids);
            block_ids(body, ids);
        }
        ExprKind::Tuple(elems) => elems.iter().for_each(|e| expr_ids(e, ids)),
        ExprKind::Try(inner) => expr_ids(inner, ids),
        ExprKind::Closure(c) => {
            for p in &c.params {
                ids.extend([p.id, p.name.id]);
                if let Some(t) = &p.ty {
                    type_ids(t, ids);
                }
            }
            if let Some(r) = &c.ret {
                type_ids(r, ids);
            }
            expr_ids(&c.body, ids);
        }
        ExprKind::Return(value) => {
            if let Some(v) = value {
                expr_ids(v, ids);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            expr_ids(scrutinee, ids);
            for arm in arms {
                ids.push(arm.id);
                pat_ids(&arm.pat, ids);
                if let Some(g) = &arm.guard {
                    expr_ids(g, ids);
                }
                expr_ids(&arm.body, ids);
            }
        }
        ExprKind::Lit(_)
        | ExprKind::SelfValue
        | ExprKind::Break
        | ExprKind::Continue
        | ExprKind::Error => {}
    }
}

/// The pinned core example of PRODUCT.md §4, verbatim (shared with the sema and robustness tests).
const CORE: &str = include_str!("../../tests/fixtures/pinned_core.holo");

/// The second pinned core example of PRODUCT.md §4, verbatim.
const SECOND_CORE: &str = include_str!("../../tests/fixtures/second_core.holo");

// ----- lexer --------------------------------------------------------------------------------

#[test]
fn lexer_keywords_agree_with_the_keyword_list() {
    for kw in KEYWORDS {
        let kind = TokenKind::keyword(kw).expect("every keyword lexes as a keyword");
        assert!(kind.is_keyword());
        assert_eq!(kind.fixed_text(), Some(*kw));
    }
    let lexed = lex(&KEYWORDS.join(" "));
    assert_eq!(lexed.tokens.len(), KEYWORDS.len() + 1);
    assert!(
        lexed.tokens[..KEYWORDS.len()]
            .iter()
            .all(|t| t.kind.is_keyword())
    );
    assert_eq!(lex("crate Self main _ _x").tokens[4].kind, TokenKind::Ident);
    assert_eq!(lex("_").tokens[0].kind, TokenKind::Underscore);
}

#[test]
fn lexer_numbers_stop_at_a_dot_without_digit() {
    let kinds = |src: &str| -> Vec<TokenKind> { lex(src).tokens.iter().map(|t| t.kind).collect() };
    use TokenKind::*;
    assert_eq!(kinds("2.5.to_i64"), [Float, Dot, Ident, Eof]);
    assert_eq!(kinds("1.to_str"), [Int, Dot, Ident, Eof]);
    assert_eq!(kinds("0..10"), [Int, DotDot, Int, Eof]);
    assert_eq!(
        kinds("1.5e3 2.0E-2 1e3 1_000 1_000.000_1"),
        [Float, Float, Float, Int, Float, Eof]
    );
    assert_eq!(kinds("x.0"), [Ident, Dot, Int, Eof]);
    assert_eq!(
        kinds("a->b=>c::d"),
        [Ident, Arrow, Ident, FatArrow, Ident, ColonColon, Ident, Eof]
    );
    assert_eq!(
        kinds("+= -= *= /= %= == != <= >= && || | # !"),
        [
            PlusEq, MinusEq, StarEq, SlashEq, PercentEq, EqEq, Ne, Le, Ge, AndAnd, OrOr, Pipe,
            Pound, Bang, Eof
        ]
    );
}

#[test]
fn lexer_skips_comments_including_nested_block_comments() {
    let lexed = lex("a // line\n /* outer /* inner */ still comment */ b /**/ c");
    let kinds: Vec<_> = lexed.tokens.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            TokenKind::Ident,
            TokenKind::Ident,
            TokenKind::Ident,
            TokenKind::Eof
        ]
    );
    assert!(lexed.errors.is_empty());
}

#[test]
fn string_escapes_decode() {
    assert_eq!(
        unescape(r#""a\nb\t\"q\" \\ \0 \' \u{1F600} \u{e9}""#),
        "a\nb\t\"q\" \\ \0 ' 😀 é"
    );
    assert_eq!(unescape("\"multi\nline\""), "multi\nline");
    assert_eq!(expr(r#""x\u{41}y""#), r#""xAy""#);
    assert_eq!(expr(r#""""#), r#""""#);
}

#[test]
fn lexical_errors_are_reported_once_each() {
    assert_eq!(
        errors("fn f() { let s = \"a\\qb\\u{110000}c\\u{}\"; }"),
        [
            "E0006 1:20 unknown escape sequence `\\q`",
            "E0006 1:23 invalid unicode escape `\\u{110000}`",
            "E0006 1:34 invalid unicode escape `\\u{}`",
        ]
    );
    assert_eq!(
        errors("fn f() { let x = 1 § 2; }"),
        ["E0003 1:20 unknown character `§`"]
    );
    assert_eq!(
        errors("fn f() { let x = @@$; }"),
        ["E0003 1:18 unknown characters `@@$`"]
    );
    assert_eq!(
        errors("fn f() { let café = 1; }"),
        ["E0003 1:14 identifier `café` contains non-ASCII characters"]
    );
    assert_eq!(
        errors("fn f() { let x = 12px; }"),
        ["E0001 1:20 invalid suffix `px` on number `12`"]
    );
    assert_eq!(
        errors("fn f() { let x = 'a'; }"),
        [
            "E0003 1:18 unknown character `'`",
            "E0003 1:20 unknown character `'`"
        ]
    );
    assert_eq!(
        errors("fn f() {\u{0}}"),
        ["E0003 1:9 unknown character `\\u{0}`"]
    );
    assert_eq!(
        hints("fn f() { a ~ b }"),
        ["holo has no `~`; flip the bits of `x` with `x ^ -1`."]
    );
}

#[test]
fn a_leading_byte_order_mark_is_ignored() {
    let file = parse_ok("\u{feff}fn main() {}");
    assert_eq!(file.source_maps[0].item_span.start, 3);
    assert_eq!(
        errors("fn main() {}\u{feff}"),
        ["E0003 1:13 unknown character `\\u{feff}`"]
    );
}

#[test]
fn unterminated_string_and_comment_report_once_without_follow_up_errors() {
    assert_eq!(
        errors("fn main() {\n    println(\"hello);\n}\n"),
        ["E0002 2:13 unterminated string literal"]
    );
    assert_eq!(
        errors("fn main() {\n    /* open /* nested */\n    x();\n}\n"),
        ["E0008 2:5 unterminated block comment"]
    );
}

// ----- items --------------------------------------------------------------------------------

#[test]
fn the_pinned_core_example_parses() {
    assert_eq!(
        items(CORE),
        r#"(use geometry::{Point, area})
(const LIMIT i64 1000)
pub (struct Counter (name str) (hits i64))
pub (enum Token (Num i64) Plus (Word str))
pub (method Counter (fn new ((name str)) -> Counter (block (struct Counter (name name) (hits 0)))))
pub (method Counter (fn describe (self) -> str (block (+ (+ (. self name) ": ") (.to_str (. self hits))))))
(fn value ((t Token)) -> i64 (block (match t (Token::Num(n) => n) (Token::Plus => 0) (Token::Word(w) => (.len w)))))
(fn sum_below ((n i64)) -> i64 (block (let mut total 0) (for i (.. 0 n) (block (if (== (% i 2) 0) (block continue;)) (= total (+ total i));)) total))
(fn main () (block (let mut c (call Counter::new "clicks")) (= (. c hits) (+ (. c hits) 1)); (let mut xs : [i64] []) (.push xs 3); (.push xs 4); (let biggest (if (> (index xs 0) (index xs 1)) (block (index xs 0)) (block (index xs 1)))) (call println (.describe c)); (call println (+ (+ (+ "biggest = " (.to_str biggest)) ", count = ") (.to_str (.len xs)))); (call println (.to_i64 2.5));))
#[test] (fn sums_odd_numbers () (block (call assert_eq (call sum_below 6) 9); (call assert (== (call value (call Token::Word "abc")) 3));))"#
    );
}

#[test]
fn functions_params_and_types() {
    assert_eq!(items("fn f() {}"), "(fn f () (block))");
    assert_eq!(
        items("pub fn f(a: i64, mut b: [str], _: f64,) -> [[bool]] { a }"),
        "pub (fn f ((a i64) (mut b [str]) (_ f64)) -> [[bool]] (block a))"
    );
    assert_eq!(
        items("fn h(f: fn(i64, str) -> bool, g: fn(), u: ()) -> geometry::Point {}"),
        "(fn h ((f fn(i64, str) -> bool) (g fn()) (u ())) -> geometry::Point (block))"
    );
    assert_eq!(
        items("fn f() -> fn(i64) -> fn() -> () { g }"),
        "(fn f () -> fn(i64) -> fn() -> () (block g))"
    );
}

#[test]
fn structs_enums_consts_and_attributes() {
    assert_eq!(
        items("struct P { x: i64, pub y: str }\nstruct E {}\nstruct T { a: [P], }"),
        "(struct P (x i64) (pub y str))\n(struct E)\n(struct T (a [P]))"
    );
    assert_eq!(
        items("pub enum T { A, B(i64, str), C(), }\nenum Empty {}"),
        "pub (enum T A (B i64 str) C)\n(enum Empty)"
    );
    assert_eq!(
        items("const A: i64 = -1;\npub const B: [str] = [\"a\", \"b\"];"),
        "(const A i64 (neg 1))\npub (const B [str] [\"a\" \"b\"])"
    );
    assert_eq!(
        items("#[test]\nfn t() {}\n#[test] #[other] pub fn u() {}"),
        "#[test] (fn t () (block))\n#[test] #[other] pub (fn u () (block))"
    );
    let file = parse_ok("#[test] fn t() {}");
    assert!(file.items[0].is_test());
}

#[test]
fn use_declarations() {
    assert_eq!(items("use geometry;"), "(use geometry)");
    assert_eq!(items("use a::b::C;"), "(use a::b::C)");
    assert_eq!(items("use a::b::*;"), "(use a::b::*)");
    assert_eq!(
        items("pub use a::b::{C, d, e as f,};"),
        "pub (use a::b::{C, d, e as f})"
    );
    assert_eq!(
        items("use a::{b::{c, d}, e::*, f};"),
        "(use a::{b::{c, d}, e::*, f})"
    );
    let file = parse_ok("use a::b::{C, d as e};");
    let ItemKind::Use(u) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(
        u.tree
            .prefix
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    let UseTreeKind::Group(trees) = &u.tree.kind else {
        panic!()
    };
    assert!(trees.iter().all(|t| t.prefix.is_empty()));
    assert!(
        matches!(&trees[1].kind, UseTreeKind::Single { name, alias: Some(alias) } if name.name == "d" && alias.name == "e")
    );
}

#[test]
fn impl_blocks_are_flattened_into_one_item_per_method() {
    let src = "impl Counter {\n    pub fn new() -> Counter { Counter { hits: 0 } }\n    fn bump(mut self) { self.hits += 1; }\n    #[test] fn weird(self, x: i64) {}\n}\nfn after() {}";
    let file = parse_ok(src);
    assert_eq!(
        file_sexp(&file).trim_end(),
        "pub (method Counter (fn new () -> Counter (block (struct Counter (hits 0)))))\n(method Counter (fn bump (mut self) (block (+= (. self hits) 1);)))\n#[test] (method Counter (fn weird (self (x i64)) (block)))\n(fn after () (block))"
    );
    for (item, map) in file.items.iter().zip(&file.source_maps) {
        assert_eq!(item.id, NodeId(0));
        assert_eq!(map.spans[0], map.item_span);
        if let ItemKind::Method(m) = &item.kind {
            // Each method has its own id space; the type name is its node 1, pointing into the
            // `impl` header.
            assert_eq!(m.self_ty.id, NodeId(1));
            assert_eq!(&src[map.span(m.self_ty.id).range()], "Counter");
            assert_eq!(map.span(m.self_ty.id).start, 5);
        }
    }
    // A method's span is the method, without the `impl` around it.
    assert_eq!(
        &src[file.source_maps[0].item_span.range()],
        "pub fn new() -> Counter { Counter { hits: 0 } }"
    );
    assert_eq!(
        &src[file.source_maps[2].item_span.range()],
        "#[test] fn weird(self, x: i64) {}"
    );
    // An empty impl produces no items.
    assert!(parse_ok("impl A {}").items.is_empty());
}

#[test]
fn editing_one_method_leaves_the_other_methods_equal() {
    let a = parse_ok("impl C { fn a(self) -> i64 { 1 } fn b(self) -> i64 { 2 } }");
    let b = parse_ok("impl C { fn a(self) -> i64 { 1 + 1 + 1 } fn b(self) -> i64 { 2 } }");
    assert_ne!(a.items[0], b.items[0]);
    assert_eq!(a.items[1], b.items[1]);
}

// ----- expressions --------------------------------------------------------------------------

#[test]
fn literals() {
    assert_eq!(expr("1_000"), "1000");
    assert_eq!(expr("2.5"), "2.5");
    assert_eq!(expr("1.5e3"), "1500.0");
    assert_eq!(expr("2.0E-2"), "0.02");
    assert_eq!(expr("true"), "true");
    assert_eq!(expr("false"), "false");
    assert_eq!(expr("\"hi\""), "\"hi\"");
    assert_eq!(expr("9223372036854775807"), "9223372036854775807");
    assert_eq!(expr("()"), "(block)");
}

#[test]
fn method_calls_on_number_literals() {
    assert_eq!(expr("2.5.to_i64()"), "(.to_i64 2.5)");
    assert_eq!(expr("1.to_str()"), "(.to_str 1)");
    assert_eq!(expr("1.5e3.to_i64()"), "(.to_i64 1500.0)");
    assert_eq!(expr("-1.abs()"), "(neg (.abs 1))");
}

#[test]
fn negative_literals() {
    assert_eq!(expr("-1"), "(neg 1)");
    assert_eq!(expr("-2.5"), "(neg 2.5)");
    assert_eq!(expr("- -1"), "(neg (neg 1))");
    // i64::MIN can only be written negated; it is folded into one literal.
    assert_eq!(expr("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(expr("- 9223372036854775808"), "-9223372036854775808");
    assert_eq!(
        expr("1 - -9223372036854775808"),
        "(- 1 -9223372036854775808)"
    );
    assert_eq!(expr("--9223372036854775808"), "(neg -9223372036854775808)");
    assert_eq!(
        errors("fn f() { 9223372036854775808 }"),
        ["E0005 1:10 integer literal `9223372036854775808` does not fit in `i64`"]
    );
    assert_eq!(
        errors("fn f() { -9223372036854775809 }"),
        ["E0005 1:11 integer literal `9223372036854775809` does not fit in `i64`"]
    );
    assert_eq!(
        errors("fn f() { -9223372036854775808.abs() }"),
        ["E0005 1:11 integer literal `9223372036854775808` does not fit in `i64`"]
    );
    assert_eq!(errors("fn f() { 99999999999999999999999 }").len(), 1);
    assert_eq!(
        errors("fn f() { 1e999 }"),
        ["E0001 1:10 float literal `1e999` is out of range for `f64`"]
    );
}

#[test]
fn precedence() {
    assert_eq!(expr("a + b * c"), "(+ a (* b c))");
    assert_eq!(expr("a * b + c"), "(+ (* a b) c)");
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a / b % c * d"), "(* (% (/ a b) c) d)");
    assert_eq!(expr("a || b && c"), "(|| a (&& b c))");
    assert_eq!(expr("a && b || c && d"), "(|| (&& a b) (&& c d))");
    assert_eq!(expr("a == b && c < d"), "(&& (== a b) (< c d))");
    assert_eq!(expr("a + 1 < b * 2"), "(< (+ a 1) (* b 2))");
    assert_eq!(expr("!a == b"), "(== (not a) b)");
    assert_eq!(expr("-a * b"), "(* (neg a) b)");
    assert_eq!(expr("!!a"), "(not (not a))");
    assert_eq!(expr("-x.y.z()[0]"), "(neg (index (.z (. x y)) 0))");
    assert_eq!(expr("a..b + 1"), "(.. a (+ b 1))");
    assert_eq!(expr("0..n == x"), "(== (.. 0 n) x)");
    assert_eq!(expr("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(expr("f(a)(b)[c].d"), "(. (index (call (call f a) b) c) d)");
    assert_eq!(expr("a != b"), "(!= a b)");
    assert_eq!(expr("a >= b"), "(>= a b)");
    assert_eq!(expr("a <= b"), "(<= a b)");
}

#[test]
fn assignment_is_right_associative_and_lowest() {
    assert_eq!(expr("a = b = c"), "(= a (= b c))");
    assert_eq!(expr("a = b || c"), "(= a (|| b c))");
    assert_eq!(expr("xs[i].f = 1 + 2"), "(= (. (index xs i) f) (+ 1 2))");
    assert_eq!(expr("a += 1"), "(+= a 1)");
    assert_eq!(expr("a -= 1"), "(-= a 1)");
    assert_eq!(expr("a *= 2"), "(*= a 2)");
    assert_eq!(expr("a /= 2"), "(/= a 2)");
    assert_eq!(expr("a %= 2"), "(%= a 2)");
}

#[test]
fn postfix_and_primary_expressions() {
    assert_eq!(expr("self"), "self");
    assert_eq!(expr("self.x"), "(. self x)");
    assert_eq!(expr("a::b::c"), "a::b::c");
    assert_eq!(expr("Token::Word(\"a\")"), "(call Token::Word \"a\")");
    assert_eq!(expr("f()"), "(call f)");
    assert_eq!(expr("f(1, 2,)"), "(call f 1 2)");
    assert_eq!(expr("xs.push(1)"), "(.push xs 1)");
    assert_eq!(expr("[]"), "[]");
    assert_eq!(expr("[1, 2, 3,]"), "[1 2 3]");
    assert_eq!(expr("[[1], []]"), "[[1] []]");
    assert_eq!(expr("P { x: 1, y }"), "(struct P (x 1) (y y))");
    assert_eq!(expr("geo::P { }"), "(struct geo::P)");
    assert_eq!(
        expr("P { x: Q { y: 1 }, }"),
        "(struct P (x (struct Q (y 1))))"
    );
    assert_eq!(expr("{ 1 }"), "(block 1)");
    assert_eq!(expr("{ let x = 1; x }"), "(block (let x 1) x)");
}

#[test]
fn control_flow_expressions() {
    assert_eq!(expr("if a { 1 } else { 2 }"), "(if a (block 1) (block 2))");
    assert_eq!(
        expr("if a { 1 } else if b { 2 } else { 3 }"),
        "(if a (block 1) (if b (block 2) (block 3)))"
    );
    assert_eq!(expr("if a { f(); }"), "(if a (block (call f);))");
    assert_eq!(
        expr("while i < n { i += 1; }"),
        "(while (< i n) (block (+= i 1);))"
    );
    assert_eq!(expr("loop { break; }"), "(loop (block break;))");
    assert_eq!(
        expr("for x in xs { continue }"),
        "(for x xs (block continue))"
    );
    assert_eq!(expr("for _ in 0..10 {}"), "(for _ (.. 0 10) (block))");
    assert_eq!(expr("return"), "return");
    assert_eq!(expr("return 1 + 2"), "(return (+ 1 2))");
    assert_eq!(body("return;"), "(block return;)");
    assert_eq!(expr("let_it_be"), "let_it_be");
}

#[test]
fn match_arms_patterns_and_guards() {
    assert_eq!(
        expr(
            "match t { Token::Num(n) if n > 0 => n, Token::Plus | Token::Minus => 0, _ => { -1 } x => x }"
        ),
        "(match t (Token::Num(n) if (> n 0) => n) (Token::Plus | Token::Minus => 0) (_ => (block (neg 1))) (x => x))"
    );
    assert_eq!(
        expr(
            "match x { 1 => a, -1 => b, -2.5 => c, \"s\" => d, true => e, mut y => y, m::LIMIT => f, }"
        ),
        "(match x (1 => a) (-1 => b) (-2.5 => c) (\"s\" => d) (true => e) (mut y => y) (m::LIMIT => f))"
    );
    assert_eq!(
        expr("match s { Shape::Rect(Size::Big(w, _), h) => w, Some(x) => x }"),
        "(match s (Shape::Rect(Size::Big(w, _), h) => w) (Some(x) => x))"
    );
    assert_eq!(
        expr("match x { -9223372036854775808 => 0 }"),
        "(match x (-9223372036854775808 => 0))"
    );
    assert_eq!(expr("match x {}"), "(match x)");
    assert_eq!(
        expr("match x { A => if c { 1 } else { 2 } B => loop {} }"),
        "(match x (A => (if c (block 1) (block 2))) (B => (loop (block))))"
    );
}

#[test]
fn statements_let_and_block_like_statements() {
    assert_eq!(
        body("let x = 1; let mut y: i64 = 2; let _ = f(); ;"),
        "(block (let x 1) (let mut y : i64 2) (let _ (call f)) ;)"
    );
    // A block-like statement needs no `;` and ends the statement: `- 1` is a new statement.
    assert_eq!(
        body("if a { b() } - 1"),
        "(block (if a (block (call b))) (neg 1))"
    );
    assert_eq!(body("match x { _ => 1 } y"), "(block (match x (_ => 1)) y)");
    assert_eq!(
        body("while a {} loop {} for i in xs {} { }"),
        "(block (while a (block)) (loop (block)) (for i xs (block)) (block))"
    );
    // ...unless a `.` continues it.
    assert_eq!(
        body("match x { _ => s }.len() + 1"),
        "(block (+ (.len (match x (_ => s))) 1))"
    );
    assert_eq!(
        body("if a { 1 } else { 2 };"),
        "(block (if a (block 1) (block 2));)"
    );
    // In expression position, operators continue after a block-like expression.
    assert_eq!(
        expr("x + if a { 1 } else { 2 } * 3"),
        "(+ x (* (if a (block 1) (block 2)) 3))"
    );
}

#[test]
fn struct_literals_are_not_parsed_in_condition_heads() {
    assert_eq!(expr("if x == y { a }"), "(if (== x y) (block a))");
    assert_eq!(expr("while p { }"), "(while p (block))");
    assert_eq!(expr("for x in xs { x; }"), "(for x xs (block x;))");
    assert_eq!(expr("match p { _ => 1 }"), "(match p (_ => 1))");
    assert_eq!(
        expr("if x == (P { a: 1 }) { }"),
        "(if (== x (struct P (a 1))) (block))"
    );
    assert_eq!(
        expr("if f(P { a: 1 }) { }"),
        "(if (call f (struct P (a 1))) (block))"
    );
    assert_eq!(
        expr("if [P { a: 1 }] == xs { }"),
        "(if (== [(struct P (a 1))] xs) (block))"
    );
    assert_eq!(
        expr("if { P { a: 1 } } == p { }"),
        "(if (== (block (struct P (a 1))) p) (block))"
    );
}

#[test]
fn struct_literal_in_a_condition_head_is_an_error_with_a_hint() {
    let src = "fn f() { if p == P { x: 1 } { g(); } }";
    let file = parse(src);
    assert_eq!(
        render_errors(src, &file),
        ["E0001 1:18 struct literals are not allowed here"]
    );
    assert!(
        file.errors[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("wrap the struct literal in parentheses")
    );
    // It is still parsed as the struct literal the user meant, and the body after it as the body.
    assert_eq!(
        file_sexp(&file).trim_end(),
        "(fn f () (block (if (== p (struct P (x 1))) (block (call g);))))"
    );
}

// ----- node ids and spans -------------------------------------------------------------------

#[test]
fn node_ids_are_dense_unique_and_in_creation_order() {
    for (source, name) in [(CORE, "core"), (SECOND_CORE, "second core")] {
        let file = parse_ok(source);
        for (item, map) in file.items.iter().zip(&file.source_maps) {
            let mut ids = node_ids(item);
            assert_eq!(ids[0], NodeId(0));
            ids.sort();
            let expected: Vec<NodeId> = (0..map.spans.len() as u32).map(NodeId).collect();
            assert_eq!(
                ids,
                expected,
                "ids of {:?} are not exactly 0..{}",
                item.name(),
                map.spans.len()
            );
            for span in &map.spans {
                assert!(
                    span.start < span.end,
                    "empty span in a valid program ({name})"
                );
                assert!(span.end as usize <= source.len());
            }
        }
    }
    // Creation order: a node's children that come before it in the source (a binary
    // expression's left operand) have smaller ids; everything else is numbered in source order.
    let file = parse_ok("fn f(a: i64) { a + 1 }");
    let ItemKind::Fn(f) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(f.name.id, NodeId(1));
    assert_eq!(f.params[0].id, NodeId(2));
    let tail = f.body.tail.as_deref().expect("tail");
    let ExprKind::Binary(_, lhs, rhs) = &tail.kind else {
        panic!()
    };
    assert!(lhs.id < tail.id && tail.id < rhs.id);
}

#[test]
fn spans_cover_their_nodes() {
    let src = "fn f(x: i64) -> i64 {\n    let y = (x + 1) * 2;\n    y.max(3)\n}";
    let file = parse_ok(src);
    let map = &file.source_maps[0];
    let text = |id: NodeId| &src[map.span(id).range()];
    let ItemKind::Fn(f) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(text(NodeId(0)), src);
    assert_eq!(text(f.name.id), "f");
    assert_eq!(text(f.params[0].id), "x: i64");
    assert_eq!(text(f.params[0].ty.id), "i64");
    assert_eq!(text(f.body.id), &src[20..]);
    let StmtKind::Let {
        init: Some(init), ..
    } = &f.body.stmts[0].kind
    else {
        panic!()
    };
    assert_eq!(text(f.body.stmts[0].id), "let y = (x + 1) * 2;");
    // Parentheses are not a node, but the operand's span includes them.
    assert_eq!(text(init.id), "(x + 1) * 2");
    let ExprKind::Binary(_, lhs, _) = &init.kind else {
        panic!()
    };
    assert_eq!(text(lhs.id), "(x + 1)");
    let tail = f.body.tail.as_deref().expect("tail");
    assert_eq!(text(tail.id), "y.max(3)");
}

#[test]
fn whitespace_and_comment_edits_change_spans_but_not_items() {
    let before = CORE;
    let after = CORE
        .replace(
            "fn value(t: Token)",
            "/* moved */\n\nfn   value( t :Token )",
        )
        .replace("    total\n", "    // the sum\n    total\n")
        .replace("\"biggest = \"", "\"biggest =  \"")
        .replace("let biggest", "let\n\tbiggest");
    let a = parse_ok(before);
    let b = parse_ok(&after);
    // The string literal changed: only `main` differs.
    let differing: Vec<_> = a
        .items
        .iter()
        .zip(&b.items)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.name().map(|n| n.name.to_string()))
        .collect();
    assert_eq!(differing, [Some("main".to_string())]);
    assert_ne!(a.source_maps, b.source_maps);
    let only_whitespace = CORE.replace(
        "fn value(t: Token)",
        "/* moved */\n\nfn   value( t :Token )",
    );
    let c = parse_ok(&only_whitespace);
    assert_eq!(a.items, c.items);
    assert_ne!(a.source_maps, c.source_maps);
}

// ----- errors and recovery ------------------------------------------------------------------

#[test]
fn missing_semicolon_points_just_after_the_previous_expression() {
    let src = "fn main() {\n    let x = 1\n    let y = 2;\n    f(x)\n    g(y);\n}";
    assert_eq!(
        errors(src),
        [
            "E0001 2:14 expected `;`, found keyword `let`",
            "E0001 4:9 expected `;`, found `g`"
        ]
    );
    // Both statements are still there.
    assert_eq!(
        file_sexp(&parse(src)).trim_end(),
        "(fn main () (block (let x 1) (let y 2) (call f x); (call g y);))"
    );
}

#[test]
fn let_without_initializer_is_an_error_with_a_hint() {
    let src = "fn f() { let x: i64; x = 1; }";
    assert_eq!(errors(src), ["E0001 1:10 `let` needs an initializer"]);
    assert_eq!(
        hints(src),
        [
            "Give `x` its first value where it is declared, as in `let x = 0;`; holo has no uninitialized variables."
        ]
    );
    assert_eq!(
        file_sexp(&parse(src)).trim_end(),
        "(fn f () (block (let x : i64) (= x 1);))"
    );
}

#[test]
fn chained_comparisons_are_an_error() {
    let src = "fn f() { a < b < c }";
    assert_eq!(
        errors(src),
        ["E0001 1:16 comparison operators cannot be chained"]
    );
    assert_eq!(
        hints(src),
        ["Use `&&` to combine comparisons: `a < b && b < c`."]
    );
    // Recovery reads it as `a < b && <error> < c`, which type-checks without a second error.
    assert_eq!(
        file_sexp(&parse(src)).trim_end(),
        "(fn f () (block (&& (< a b) (< <error> c))))"
    );
    assert_eq!(
        file_sexp(&parse("fn f() { a < b < c < d }")).trim_end(),
        "(fn f () (block (&& (&& (< a b) (< <error> c)) (< <error> d))))"
    );
    assert_eq!(
        errors("fn f() { a == b != c < d }"),
        ["E0001 1:17 comparison operators cannot be chained"]
    );
    assert_eq!(
        errors("fn f() { a..b..c }"),
        ["E0001 1:14 ranges cannot be chained"]
    );
    assert!(errors("fn f() { (a < b) == c }").is_empty());
    assert!(errors("fn f() { a < b && b < c }").is_empty());
}

#[test]
fn several_errors_in_one_file_without_cascades() {
    let src = "\
fn one() {
    let x = ;
    let y = 2;
}

struct S { a: i64 b: str }

fn two( {
    foo(1 2);
}

enum E { A(, B }

fn three() -> i64 { 1 + }

fn fine() -> i64 { 42 }
";
    assert_eq!(
        errors(src),
        [
            "E0001 2:13 expected an expression, found `;`",
            "E0001 6:19 expected `,` or `}`, found `b`",
            "E0001 8:9 expected `)`, found `{`",
            "E0001 9:11 expected `,` or `)`, found `2`",
            "E0001 12:12 expected a type, found `,`",
            "E0001 12:16 expected `,` or `)`, found `}`",
            "E0001 14:25 expected an expression, found `}`",
        ]
    );
    let file = parse(src);
    let names: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| i.name())
        .map(|n| n.name.to_string())
        .collect();
    assert_eq!(names, ["one", "S", "two", "E", "three", "fine"]);
    assert_eq!(
        file_sexp(&file).lines().nth(1),
        Some("(struct S (a i64) (b str))")
    );
    assert_eq!(
        file_sexp(&file).lines().last(),
        Some("(fn fine () -> i64 (block 42))")
    );
}

#[test]
fn unclosed_block_stops_at_the_next_item() {
    // The `}` of `fn a` is missing: the error points where it belongs, after the block's last
    // token, not at the next item lines further down.
    let src = "fn a() {\n    if x {\n        y();\n    }\n\nfn b() {}\n";
    let file = parse(src);
    assert_eq!(
        render_errors(src, &file),
        ["E0001 4:6 expected `}`, found keyword `fn`"]
    );
    assert_eq!(
        file.errors[0].secondary.len(),
        2,
        "points at the unclosed `{{` and the next item"
    );
    assert_eq!(file.items.len(), 2);
    // The `}` of the `if` is missing: the `}` indented like `fn a` closes `fn a`.
    let src = "fn a() {\n    if x {\n        y();\n}\n\nfn b() {}\n";
    let file = parse(src);
    assert_eq!(
        render_errors(src, &file),
        ["E0001 4:1 expected `}`, found a `}` indented less than the block it would close"]
    );
    assert_eq!(file.items.len(), 2);
    assert_eq!(
        errors("fn a() {"),
        ["E0001 1:9 expected `}`, found end of file"]
    );
    assert_eq!(
        errors("fn a() { f(1, 2"),
        ["E0001 1:16 expected `,` or `)`, found end of file"]
    );
}

#[test]
fn garbage_between_items_is_reported_once_and_skipped() {
    let src = "let x = 1;\nx = 2;\nfn ok() {}\n}\nstruct S {}\n";
    assert_eq!(
        errors(src),
        [
            "E0001 1:1 expected an item (`fn`, `struct`, `enum`, `impl`, `const` or `use`), found keyword `let`",
            "E0001 4:1 expected an item (`fn`, `struct`, `enum`, `impl`, `const` or `use`), found `}`",
        ]
    );
    assert_eq!(parse(src).items.len(), 2);
}

#[test]
fn statement_level_recovery_resumes_after_the_semicolon() {
    let src = "fn f() {\n    let a = 1;\n    ) junk (;\n    let b = 2;\n    b\n}";
    assert_eq!(
        errors(src),
        ["E0001 3:5 expected a statement or `}`, found `)`"]
    );
    assert_eq!(
        file_sexp(&parse(src)).trim_end(),
        "(fn f () (block (let a 1) (let b 2) b))"
    );
}

#[test]
fn placeholders_keep_the_rest_of_the_item() {
    let src = "fn f(x: ) -> i64 { let y = x + ; match y { => 1, _ => 2 } }";
    let file = parse(src);
    assert_eq!(
        file_sexp(&file).trim_end(),
        "(fn f ((x <error>)) -> i64 (block (let y (+ x <error>)) (match y (<error> => 1) (_ => 2))))"
    );
    assert_eq!(file.errors.len(), 3);
    // A function without a body keeps its signature; the body's value is a placeholder.
    let file = parse("fn f() -> i64\nfn g() {}");
    assert_eq!(
        file_sexp(&file).trim_end(),
        "(fn f () -> i64 (block <error>))\n(fn g () (block))"
    );
}

#[test]
fn items_with_unusable_headers_are_dropped() {
    let src = "fn (x: i64) { x }\nstruct { a: i64 }\nfn ok() {}";
    let file = parse(src);
    assert_eq!(
        render_errors(src, &file),
        [
            "E0001 1:4 expected a function name, found `(`",
            "E0001 2:8 expected a struct name, found `{`"
        ]
    );
    assert_eq!(file_sexp(&file).trim_end(), "(fn ok () (block))");
}

#[test]
fn helpful_messages_for_features_holo_does_not_have() {
    let first_hint = |src: &str| hints(src).into_iter().next().unwrap_or_default();
    assert!(first_hint("fn f() { let x = y as f64; }").contains("`.to_f64()`"));
    assert!(first_hint("fn f() { let a = [0; 10]; }").contains("`[value; count]`"));
    assert!(first_hint("fn f() { loop { break 5; } }").contains("Loops do not produce values"));
    assert!(first_hint("fn f() { for mut x in xs {} }").contains("let mut x = x;"));
    assert!(first_hint("let x = 1;").contains("const"));
    assert!(first_hint("fn f<T>(x: T) {}").contains("generic"));
    assert!(first_hint("impl Show for P {}").contains("traits"));
    assert!(first_hint("pub impl P {}").contains("methods"));
    assert!(first_hint("fn f() { match x { A -> 1 } }").contains("=>"));
    assert!(first_hint("fn f() { let p = P { ..q }; }").contains("List every field"));
    assert!(first_hint("enum E { A { x: i64 } }").contains("tuple variant"));
    assert!(first_hint("fn f(self: P) {}").contains("`self` or `mut self`"));
    assert_eq!(
        errors("fn f(x: i64, self) {}"),
        ["E0001 1:14 `self` must be the first parameter"]
    );
    assert!(first_hint("fn f() { let match = 1; }").contains("`match` is a reserved word"));
    assert!(first_hint("fn loop() {}").contains("`loop` is a reserved word"));
    assert!(first_hint("fn f() { let x = let y = 1; }").contains("if let Some(x)"));
    assert!(first_hint("fn f() { x++; }").contains("x += 1"));
    assert!(first_hint("struct S {};").contains("remove it"));
}

#[test]
fn deep_nesting_gives_one_error_and_skips_the_item() {
    let cases = [
        "(".repeat(100_000),
        "[".repeat(100_000),
        "{".repeat(100_000),
        "-".repeat(100_000),
        "!".repeat(100_000),
        "if a {".repeat(100_000),
        "f(".repeat(100_000),
        "match x { _ => ".repeat(50_000),
        format!("1{}", " + 1".repeat(100_000)),
        format!("x{}", ".f()".repeat(100_000)),
        format!("x{}", "[0]".repeat(100_000)),
        format!("a{}", " = a".repeat(100_000)),
        format!("if a {{}}{}", " else if a {}".repeat(100_000)),
    ];
    let mut sources: Vec<String> = cases
        .iter()
        .map(|c| format!("fn main() {{ let x = {c}; }}\nfn next() {{}}"))
        .collect();
    sources.push(format!(
        "fn f(x: {}) {{}}\nfn next() {{}}",
        "[".repeat(100_000)
    ));
    sources.push(format!(
        "fn f() -> {} {{}}\nfn next() {{}}",
        "fn() -> ".repeat(100_000)
    ));
    sources.push(format!(
        "fn f() {{ match x {{ {} => 1 }} }}\nfn next() {{}}",
        "A::B(".repeat(100_000)
    ));
    sources.push(format!("use {};\nfn next() {{}}", "a::{".repeat(100_000)));
    sources.push(format!(
        "const C: i64 = {}1;\nfn next() {{}}",
        "-".repeat(100_000)
    ));
    // A nested tree that is well-formed but too deep: only its own item is lost.
    sources.push(format!(
        "fn f() {{ {}1{} }}\nfn next() {{}}",
        "(".repeat(300),
        ")".repeat(300)
    ));
    // Run on a thread with a small stack: the limit, not the stack size, must stop the parser.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            sources
                .iter()
                .map(|src| {
                    let file = parse(src);
                    let codes: Vec<&str> = file.errors.iter().map(|e| e.code).collect();
                    let names: Vec<String> = file
                        .items
                        .iter()
                        .filter_map(|i| i.name())
                        .map(|n| n.name.to_string())
                        .collect();
                    (src.chars().take(30).collect::<String>(), codes, names)
                })
                .collect::<Vec<_>>()
        })
        .expect("spawn");
    for (start, codes, names) in handle.join().expect("no panic, no overflow") {
        assert_eq!(codes, ["E0007"], "for input starting {start:?}");
        if start.starts_with("use") {
            assert_eq!(names, ["next"], "for input starting {start:?}");
        } else if !start.contains("{{{{")
            && !start.contains("if a {if")
            && !start.contains("match x { _ => match")
        {
            // Inputs whose brackets never close swallow the rest of the file; the others
            // resume at the next item.
            assert_eq!(
                names.last().map(String::as_str),
                Some("next"),
                "for input starting {start:?}"
            );
        }
    }
}

#[test]
fn nesting_just_below_the_limit_is_fine() {
    // Body block (1) + tail expression (2) + 197 parenthesized levels = 199 < 200.
    let src = format!("fn f() {{ {}1{} }}", "(".repeat(197), ")".repeat(197));
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(&src).errors.len())
        .expect("spawn");
    assert_eq!(handle.join().expect("no overflow"), 0);
}

#[test]
fn chains_are_not_nesting() {
    let codes = |src: String| {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                parse(&src)
                    .errors
                    .iter()
                    .map(|e| e.code)
                    .collect::<Vec<_>>()
            })
            .expect("spawn")
            .join()
            .expect("no overflow")
    };
    let none: Vec<&str> = Vec::new();
    // Operator and method chains count against the depth of the tree, not the nesting limit.
    assert_eq!(codes(format!("fn f() {{ 1{} }}", " + 1".repeat(900))), none);
    assert_eq!(codes(format!("fn f() {{ x{} }}", ".g()".repeat(900))), none);
    assert_eq!(
        codes(format!(
            "fn f() {{ 1{} }}",
            " + 1".repeat(MAX_TREE_DEPTH as usize)
        )),
        ["E0007"]
    );
    // `else if` chains neither, up to their own limit.
    let chain = |n: usize| format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(n));
    assert_eq!(codes(chain(MAX_ELSE_IF as usize)), none);
    assert_eq!(codes(chain(MAX_ELSE_IF as usize + 1)), ["E0007"]);
    // Nesting inside the links of a chain still counts as nesting.
    let nested = format!(
        "fn f() {{ if a {{}} else if a {{ {}1{} }} }}",
        "(".repeat(250),
        ")".repeat(250)
    );
    assert_eq!(codes(nested), ["E0007"]);
}

#[test]
fn parse_never_panics_on_odd_inputs() {
    for src in [
        "",
        " ",
        "\n",
        "fn",
        "fn f",
        "fn f(",
        "fn f()",
        "fn f() ->",
        "fn f() {",
        "}",
        "{",
        "#",
        "#[",
        "#[test",
        "#[test]",
        "pub",
        "pub pub fn f() {}",
        "impl",
        "impl A",
        "impl A {",
        "impl A { fn",
        "use",
        "use a::",
        "use a::{",
        "const",
        "const X",
        "const X:",
        "const X: i64 =",
        "struct",
        "struct S {",
        "enum E { A(",
        "\"",
        "\"\\",
        "\"\\u{",
        "/*",
        "/* /*",
        "'",
        "\u{0}",
        "\u{feff}fn main() {}",
        "fn f() { x. }",
        "fn f() { match }",
        "fn f() { match x { A( => } }",
        "fn f() { let }",
        "fn f() { let mut }",
        "fn f() { for }",
        "fn f() { for x }",
        "fn f() { for x in }",
        "fn f() { if }",
        "fn f() { else }",
        "fn f() { -9223372036854775808",
        "fn f() { - }",
        "fn f() { a = }",
        "fn f() { |x| x }",
        "\u{feff}",
        "\u{feff}\u{feff}",
        "é",
        "1é",
        "\"\\u{",
    ] {
        let file = parse(src);
        assert_eq!(file.items.len(), file.source_maps.len());
        for map in &file.source_maps {
            assert!(map.item_span.end as usize <= src.len());
        }
    }
}

/// Not a benchmark: a quick look at the cost of parsing a large file (run with `--nocapture`).
#[test]
fn parses_a_20k_line_file() {
    let mut src = String::new();
    let mut i = 0;
    // About 20 bytes per line.
    while src.len() < 20_000 * 20 {
        src.push_str(
            &CORE
                .replace("Counter", &format!("Counter{i}"))
                .replace("fn value", &format!("fn value{i}")),
        );
        src.push_str(&format!(
            "fn work{i}(xs: [i64], p: Point) -> i64 {{\n    let mut total = 0;\n    for x in xs {{\n        if x % 3 == 0 && p.x > 0 {{\n            total += x * 2 - p.y;\n        }} else {{\n            total = total - 1;\n        }}\n    }}\n    match total {{\n        0 => 1,\n        n if n < 0 => -n,\n        _ => total.max(LIMIT),\n    }}\n}}\n"
        ));
        i += 1;
    }
    let lines = src.lines().count();
    let start = std::time::Instant::now();
    let file = parse(&src);
    let elapsed = start.elapsed();
    assert!(file.errors.is_empty());
    println!(
        "parsed {lines} lines ({} KiB, {} items) in {elapsed:?}",
        src.len() / 1024,
        file.items.len()
    );
}
