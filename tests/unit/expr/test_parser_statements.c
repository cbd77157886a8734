#include "parser_test_util.h"

TestSuite(parser_statements, .init = setup, .fini = teardown);

/* ---- statements (§8) ---- */

Test(parser_statements, statements)
{
    static const char *const cases[][2] = {
        {"var x = 1; return x;", "{ var x = 1; return x; }"},
        {"const int n = 60 * 20;", "{ const int n = 60 * 20; }"},
        {"if (a) return 1; else if (b) return 2; else { return 3; }",
         "{ if (a) return 1; else if (b) return 2; else { return 3; } }"},
        {"if (a) if (b) x(); else y();", "{ if (a) if (b) x(); else y(); }"},
        {"foreach (var h in context.Request.Headers) { s += h.Key; }",
         "{ foreach (var h in context.Request.Headers) { s += h.Key; } }"},
        {"foreach (string c in cidrList) ;", "{ foreach (string c in cidrList) ; }"},
        {"for (int i = 0, j = 1; i < n; i++, j--) { }",
         "{ for (int i = 0, j = 1; i < n; i++, j--) { } }"},
        {"for (i = 0; ; ) break;", "{ for (i = 0;;) break; }"},
        {"for (;;) { continue; }", "{ for (;;) { continue; } }"},
        {"while (x > 0) x--;", "{ while (x > 0) x--; }"},
        {"using (var r = X()) { }", "{ using (var r = X()) { } }"},
        {"using (r) using (Foo a = b, c = d) x();", "{ using (r) using (Foo a = b, c = d) x(); }"},
        {"do { x++; } while (x < 10);", "{ do { x++; } while (x < 10); }"},
        {"switch (m) { case \"GET\": case \"HEAD\": return 1; default: break; }",
         "{ switch (m) { case \"GET\": case \"HEAD\": return 1; default: break; } }"},
        {"switch (n) { case 1: { x(); break; } case -1: default: return 0; }",
         "{ switch (n) { case 1: { x(); break; } case -1: default: return 0; } }"},
        {"switch (x) { }", "{ switch (x) { } }"},
        {"return;", "{ return; }"},
        {"throw new Exception(\"x\");", "{ throw new Exception(\"x\"); }"},
        {"try { a(); } catch (Exception e) when (e != null) { throw; } finally { b(); }",
         "{ try { a(); } catch (Exception e) when (e != null) { throw; } finally { b(); } }"},
        {"try { } catch { } catch (E) { }", "{ try { } catch { } catch (E) { } }"},
        {"try { } finally { }", "{ try { } finally { } }"},
        {"unchecked { b[0] = (byte)t; } checked { }",
         "{ unchecked { b[0] = ((byte)t); } checked { } }"},
        {";", "{ ; }"},
        {"{ { } }", "{ { { } } }"},
        {"x++; --y; f(); new Foo(); a.b = c;", "{ x++; --y; f(); new Foo(); a.b = c; }"},
        {"int F(int x) => x + 1; return F(1);", "{ int F(int x) => x + 1; return F(1); }"},
        {"void G(JObject o, string n = \"a\") { o.Add(n, 1); }",
         "{ void G(JObject o, string n = \"a\") { o.Add(n, 1); } }"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_stmts(cases[k][0], cases[k][1]);

    expr_node_t *b =
        parse_ok(EXPR_PARSE_STATEMENTS, "switch (x) { case 1: case 2: f(); break; default: g(); }");
    const expr_node_t *sw = b->u.list.items[0];
    cr_assert_eq(sw->kind, EXPR_STMT_SWITCH);
    cr_assert_eq(sw->u.switch_.sections.count, 2);
    const expr_node_t *s0 = sw->u.switch_.sections.items[0];
    cr_assert_eq(s0->u.section.labels.count, 2);
    cr_assert_eq(s0->u.section.body.count, 2);
    cr_assert_null(sw->u.switch_.sections.items[1]->u.section.labels.items[0]->u.unary.operand);
    b = parse_ok(EXPR_PARSE_STATEMENTS, "for (int i = 0; i < 3; i++) { }");
    const expr_node_t *f = b->u.list.items[0];
    cr_assert_eq(f->u.for_.init.count, 1);
    cr_assert_eq(f->u.for_.init.items[0]->kind, EXPR_STMT_LOCAL);
    cr_assert_eq(f->u.for_.iterators.count, 1);
    b = parse_ok(EXPR_PARSE_STATEMENTS, "try { } catch (Exception ex) { }");
    const expr_node_t *c = b->u.list.items[0]->u.try_.catches.items[0];
    cr_assert_str_eq(c->u.catch_.name.ptr, "ex");
    cr_assert_null(b->u.list.items[0]->u.try_.finally_);
}

Test(parser_statements, statement_errors)
{
    expect_stmt_error("x + 1;", EXPR_ERR_SYNTAX, 1, 1, "only assignment, call, increment");
    expect_stmt_error("x;", EXPR_ERR_SYNTAX, 1, 1, "can be used as a statement");
    expect_stmt_error("\"a\";", EXPR_ERR_SYNTAX, 1, 1, "can be used as a statement");
    expect_stmt_error("x = 1", EXPR_ERR_SYNTAX, 1, 6, "expected ';'");
    expect_stmt_error("return 1 2;", EXPR_ERR_SYNTAX, 1, 10, "expected ';'");
    expect_stmt_error("if (a) var x = 1;", EXPR_ERR_SYNTAX, 1, 8,
                      "a declaration cannot be the body of 'if'");
    expect_stmt_error("while (a) int F() => 1;", EXPR_ERR_SYNTAX, 1, 11, "body of 'while'");
    expect_stmt_error("if a) x();", EXPR_ERR_SYNTAX, 1, 4, "expected '('");
    expect_stmt_error("else x();", EXPR_ERR_SYNTAX, 1, 1, "'else' without 'if'");
    expect_stmt_error("case 1: x();", EXPR_ERR_SYNTAX, 1, 1, "'case' label outside a switch");
    expect_stmt_error("default: x();", EXPR_ERR_SYNTAX, 1, 1, "'default' label outside");
    expect_stmt_error("catch { }", EXPR_ERR_SYNTAX, 1, 1, "'catch' without 'try'");
    expect_stmt_error("finally { }", EXPR_ERR_SYNTAX, 1, 1, "'finally' without 'try'");
    expect_stmt_error("try { }", EXPR_ERR_SYNTAX, 1, 8, "'catch' or 'finally' after the 'try'");
    expect_stmt_error("try x();", EXPR_ERR_SYNTAX, 1, 5, "expected '{'");
    expect_stmt_error("do x(); (a);", EXPR_ERR_SYNTAX, 1, 9, "'while' after the body of 'do'");
    expect_stmt_error("switch (x) { x(); }", EXPR_ERR_SYNTAX, 1, 14,
                      "expected 'case' or 'default'");
    expect_stmt_error("switch (x) { case 1 x(); }", EXPR_ERR_SYNTAX, 1, 21,
                      "':' after the case label");
    expect_stmt_error("foreach (var x of xs) { }", EXPR_ERR_SYNTAX, 1, 16, "expected 'in'");
    expect_stmt_error("foreach (x in xs) { }", EXPR_ERR_SYNTAX, 1, 12,
                      "the name of the foreach variable");
    expect_stmt_error("for (x + 1; ; ) { }", EXPR_ERR_SYNTAX, 1, 6, "can be used as a statement");
    expect_stmt_error("int = 5;", EXPR_ERR_SYNTAX, 1, 1, "'int' is a type");
    expect_stmt_error("{ x();", EXPR_ERR_SYNTAX, 1, 7, "expected '}'");
    expect_stmt_error("}", EXPR_ERR_SYNTAX, 1, 1, "expected an expression");
    expect_stmt_error("int F(int x, ) { }", EXPR_ERR_SYNTAX, 1, 14, "a type");
}

/* ---- refused constructs name themselves ---- */

Test(parser_statements, unsupported_constructs_are_named)
{
    static const struct {
        const char *text;
        unsigned col;
        const char *fragment;
    } stmts[] = {
        {"lock (o) { }", 1, "'lock' statements"},
        {"goto done;", 1, "'goto'"},
        {"yield return 1;", 1, "'yield'"},
        {"done: x();", 1, "labeled statements"},
        {"unsafe { }", 1, "unsafe code"},
        {"fixed (int* p = a) { }", 1, "unsafe code"},
        {"ref int r = ref x;", 1, "ref locals"},
        {"class C { }", 1, "type declarations"},
        {"static int F() => 1;", 1, "member declarations"},
        {"var (a, b) = t;", 1, "deconstruction"},
        {"foreach (var (k, v) in d) { }", 10, "deconstruction in foreach"},
        {"T F<T>(T x) => x;", 3, "generic local functions"},
        {"int F(ref int x) => x;", 7, "'ref' parameters"},
        {"switch (o) { case string s: break; }", 19, "type patterns in 'case' labels"},
        {"switch (o) { case 1 when x: break; }", 21, "'when' clauses"},
        {"await Task.Delay(1);", 1, "'await' is not supported"},
    };
    for (size_t k = 0; k < sizeof stmts / sizeof stmts[0]; k++)
        expect_stmt_error(stmts[k].text, EXPR_ERR_UNSUPPORTED, 1, stmts[k].col, stmts[k].fragment);

    static const struct {
        const char *text;
        unsigned col;
        const char *fragment;
    } exprs[] = {
        {"(a, b)", 3, "tuple expressions"},
        {"this.x", 1, "'this' is not available"},
        {"base.x", 1, "'base' is not available"},
        {"from x in xs select x", 1, "LINQ query expressions"},
        {"await x", 1, "'await' is not supported"},
        {"sizeof(int)", 1, "'sizeof'"},
        {"stackalloc int[1]", 1, "'stackalloc'"},
        {"*p", 1, "pointer operations"},
        {"&x", 1, "pointer operations"},
        {"p->x", 2, "pointer member access"},
        {"ref x", 1, "ref expressions"},
        {"global::System.Math.Abs(1)", 7, "not supported"},
    };
    for (size_t k = 0; k < sizeof exprs / sizeof exprs[0]; k++)
        expect_error(exprs[k].text, EXPR_ERR_UNSUPPORTED, 1, exprs[k].col, exprs[k].fragment);
    expect_error("{{Name}}", EXPR_ERR_SYNTAX, 1, 1, "named value '{{...}}' was not substituted");
}

/* ---- positions ---- */

Test(parser_statements, nodes_carry_their_positions)
{
    expr_node_t *b = parse_ok(EXPR_PARSE_STATEMENTS, "var x =\n  a.b(c)  +  d;\nreturn x;");
    const expr_node_t *local = b->u.list.items[0];
    cr_assert_eq(local->pos.offset, 0);
    cr_assert_eq(local->pos.len, 22, "the declaration spans to its ';'");
    const expr_node_t *sum = local->u.local.declarators.items[0]->u.arg.value;
    cr_assert_eq(sum->kind, EXPR_BINARY);
    cr_assert_eq(sum->pos.line, 2);
    cr_assert_eq(sum->pos.col, 3);
    cr_assert_eq(sum->pos.offset, 10);
    cr_assert_eq(sum->pos.len, 12);
    const expr_node_t *call = sum->u.binary.left;
    cr_assert_eq(call->kind, EXPR_INVOKE);
    cr_assert_eq(call->pos.len, 6);
    cr_assert_eq(call->u.call.args.items[0]->pos.col, 7);
    const expr_node_t *d = sum->u.binary.right;
    cr_assert_eq(d->pos.col, 14);
    const expr_node_t *ret = b->u.list.items[1];
    cr_assert_eq(ret->pos.line, 3);
    cr_assert_eq(ret->pos.col, 1);
    cr_assert_eq(ret->pos.len, 9);
    cr_assert_eq(b->height, 7, "block > local > declarator > + > call > member > name");
}

static void count_children(const expr_node_t *child, void *ctx)
{
    (void)child;
    ++*(int *)ctx;
}

Test(parser_statements, child_walk_visits_every_operand)
{
    int n = 0;
    expr_node_t *e = expr("a ? F<int>(b, c) : d");
    expr_ast_for_each_child(e, count_children, &n);
    cr_assert_eq(n, 3);
    n = 0;
    expr_ast_for_each_child(e->u.cond.then, count_children, &n);
    cr_assert_eq(n, 3, "target and two arguments");
    n = 0;
    expr_ast_for_each_child(e->u.cond.then->u.call.target, count_children, &n);
    cr_assert_eq(n, 1, "the type argument");
    cr_assert_str_eq(expr_ast_kind_name(EXPR_CONDITIONAL), "conditional operator");
    cr_assert_str_eq(expr_op_spelling(EXPR_OP_COALESCE_ASSIGN), "?\?=");
    cr_assert_str_eq(expr_predef_name(EXPR_PREDEF_DECIMAL), "decimal");
}

/* ---- depth limits ---- */

static void expect_limit(expr_parse_mode_t mode, char *text)
{
    expr_node_t *root;
    int rc = parse_mode(mode, text, &root);
    cr_assert_eq(rc, EXPR_ERR_LIMIT, "rc %d (%s)", rc, err.message);
    cr_assert(strstr(err.message, "nested too deeply (limit 256 levels)"), "%s", err.message);
    free(text);
}

Test(parser_statements, deep_nesting_is_an_error_not_a_crash)
{
    /* 100 000 levels would overflow the stack of an unguarded recursive descent. */
    char *open = repeat("", "(", 100000, "x");
    char *text = repeat(open, ")", 100000, "");
    free(open);
    expect_limit(EXPR_PARSE_EXPRESSION, text);
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "- ", 100000, "x"));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "!(", 50000, "x"));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "(int)", 50000, "x"));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "x => ", 50000, "x"));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "a ? b : ", 50000, "x"));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("x", " ?? x", 50000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("x", " = x", 50000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "new[] { ", 50000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("", "f(", 50000, ""));
    expect_limit(EXPR_PARSE_STATEMENTS, repeat("", "{", 100000, ""));
    expect_limit(EXPR_PARSE_STATEMENTS, repeat("", "if (a) ", 50000, "x();"));
    expect_limit(EXPR_PARSE_STATEMENTS, repeat("", "List<", 50000, "int"));
    /* Loops build tall trees without recursing: a + a + ... and a.b.c... count too. */
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("a", " + a", 100000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("a", ".b", 100000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("a", "[0]", 100000, ""));
    expect_limit(EXPR_PARSE_EXPRESSION, repeat("a", "()", 100000, ""));
    expect_limit(EXPR_PARSE_STATEMENTS, repeat("int", "[]", 100000, " a;"));
}

Test(parser_statements, nesting_within_the_limit_parses)
{
    char *open = repeat("", "(", 100, "x");
    char *text = repeat(open, ")", 100, "");
    expr_node_t *e = expr(text);
    cr_assert_eq(e->kind, EXPR_NAME);
    free(open);
    free(text);
    text = repeat("a", " + a", 200, "");
    e = expr(text);
    cr_assert_eq(e->height, 201);
    free(text);
    /* At the limit itself the printed form (one parenthesis per level) still reads back:
     * expr() checks it. */
    text = repeat("a", " + a", EXPR_PARSE_DEFAULT_MAX_DEPTH - 1, "");
    cr_assert_eq(expr(text)->height, EXPR_PARSE_DEFAULT_MAX_DEPTH);
    free(text);
    text = repeat("", "- ", EXPR_PARSE_DEFAULT_MAX_DEPTH - 1, "a");
    cr_assert_eq(expr(text)->height, EXPR_PARSE_DEFAULT_MAX_DEPTH);
    free(text);
    text = repeat("", "x => ", EXPR_PARSE_DEFAULT_MAX_DEPTH / 2 - 1, "x");
    expr(text);
    free(text);
    open = repeat("", "new[] { ", EXPR_PARSE_DEFAULT_MAX_DEPTH / 2 - 1, "1");
    text = repeat(open, " }", EXPR_PARSE_DEFAULT_MAX_DEPTH / 2 - 1, "");
    expr(text);
    free(open);
    free(text);
    open = repeat("", "if (a) { ", EXPR_PARSE_DEFAULT_MAX_DEPTH / 2 - 2, "x();");
    text = repeat(open, " }", EXPR_PARSE_DEFAULT_MAX_DEPTH / 2 - 2, "");
    parse_ok(EXPR_PARSE_STATEMENTS, text);
    free(open);
    free(text);
    /* A block's statements are siblings: a long block is not a deep one. */
    text = repeat("", "x = 1; ", 5000, "");
    e = parse_ok(EXPR_PARSE_STATEMENTS, text);
    cr_assert_eq(e->u.list.count, 5000);
    cr_assert_eq(e->height, 4);
    free(text);
    text = repeat("f(", "a, ", 5000, "a)");
    e = expr(text);
    cr_assert_eq(e->u.call.args.count, 5001);
    free(text);
}

Test(parser_statements, depth_limit_is_configurable)
{
    expr_parse_options_t opts = {.mode = EXPR_PARSE_EXPRESSION, .max_depth = 4};
    expr_node_t *root;
    const char *ok = "a + b";
    cr_assert_eq(expr_parse(&arena, ok, strlen(ok), &opts, &root, &err), 0);
    const char *deep = "a + b + c + d + e";
    cr_assert_eq(expr_parse(&arena, deep, strlen(deep), &opts, &root, &err), EXPR_ERR_LIMIT);
    cr_assert(strstr(err.message, "limit 4 levels"), "%s", err.message);
    cr_assert_eq(err.pos.col, 1);
}
