#include "parser_test_util.h"

TestSuite(parser, .init = setup, .fini = teardown);

/* ---- the two policy forms ---- */

Test(parser, policy_forms)
{
    expr_node_t *e = parse_ok(EXPR_PARSE_POLICY, "@(1 + 2)");
    cr_assert_eq(e->kind, EXPR_BINARY);
    cr_assert_str_eq(printed, "(1 + 2)");
    cr_assert_eq(e->pos.col, 3, "positions count from the '@'");
    e = parse_ok(EXPR_PARSE_POLICY, "@{ return 1; }  \n ");
    cr_assert_eq(e->kind, EXPR_STMT_BLOCK);
    cr_assert_eq(e->pos.offset, 1);
    cr_assert_eq(e->pos.len, 13, "the block spans its braces");
    cr_assert_str_eq(printed, "{ return 1; }");
    parse_ok(EXPR_PARSE_POLICY, "@(x) // trailing comment");
    e = parse_ok(EXPR_PARSE_STATEMENTS, "");
    cr_assert_eq(e->kind, EXPR_STMT_BLOCK);
    cr_assert_eq(e->u.list.count, 0);
    expect_error_mode(EXPR_PARSE_POLICY, "x + 1", EXPR_ERR_SYNTAX, 1, 1,
                      "starts with '@(' or '@{'");
    expect_error_mode(EXPR_PARSE_POLICY, "@x", EXPR_ERR_SYNTAX, 1, 1, "'@(' or '@{'");
    expect_error_mode(EXPR_PARSE_POLICY, "@", EXPR_ERR_SYNTAX, 1, 1, "'@(' or '@{'");
    expect_error_mode(EXPR_PARSE_POLICY, "@()", EXPR_ERR_SYNTAX, 1, 3, "empty expression");
    expect_error_mode(EXPR_PARSE_POLICY, "@(x) y", EXPR_ERR_SYNTAX, 1, 6,
                      "unexpected identifier after the end of the expression");
    expect_error_mode(EXPR_PARSE_POLICY, "@(x))", EXPR_ERR_SYNTAX, 1, 5, "after the end");
    expect_error_mode(EXPR_PARSE_POLICY, "@(x", EXPR_ERR_SYNTAX, 1, 4, "expected ')' closing");
    expect_error_mode(EXPR_PARSE_POLICY, "@{ return 1;", EXPR_ERR_SYNTAX, 1, 13, "expected '}'");
    expect_error_mode(EXPR_PARSE_POLICY, "@(a, b)", EXPR_ERR_UNSUPPORTED, 1, 4, "tuple");
    expect_error_mode(EXPR_PARSE_EXPRESSION, "   ", EXPR_ERR_SYNTAX, 1, 4, "empty expression");
    expect_error_mode(EXPR_PARSE_EXPRESSION, "a b", EXPR_ERR_SYNTAX, 1, 3,
                      "expected end of expression, found 'b'");
}

Test(parser, origin_is_added_to_positions)
{
    expr_parse_options_t opts = {.origin = {.offset = 40, .line = 12, .col = 30}};
    expr_node_t *root;
    const char *text = "@(a +\n  b)";
    cr_assert_eq(expr_parse(&arena, text, strlen(text), &opts, &root, &err), 0);
    cr_assert_eq(root->pos.offset, 42);
    cr_assert_eq(root->pos.line, 12);
    cr_assert_eq(root->pos.col, 32);
    cr_assert_eq(root->u.binary.right->pos.line, 13);
    cr_assert_eq(root->u.binary.right->pos.col, 3);
    text = "@(a +\n  )";
    cr_assert_eq(expr_parse(&arena, text, strlen(text), &opts, &root, &err), EXPR_ERR_SYNTAX);
    cr_assert_eq(err.pos.line, 13);
    cr_assert_eq(err.pos.col, 3);
    cr_assert_eq(err.pos.offset, 48);
    cr_assert_eq(expr_parse(&arena, "x", 1, NULL, &root, NULL), EXPR_ERR_SYNTAX,
                 "default options: policy form; err may be NULL");
}

/* ---- precedence and associativity (C# 7 §7.3.1) ---- */

Test(parser, precedence_table)
{
    static const char *const cases[][2] = {
        /* each level binds tighter than the next one down */
        {"a + b * c", "(a + (b * c))"},
        {"a * b + c", "((a * b) + c)"},
        {"a / b - c % d", "((a / b) - (c % d))"},
        {"a << b + c", "(a << (b + c))"},
        {"a >> b - c", "(a >> (b - c))"},
        {"a < b << c", "(a < (b << c))"},
        {"a >= b >> c", "(a >= (b >> c))"},
        {"a == b < c", "(a == (b < c))"},
        {"a != b > c", "(a != (b > c))"},
        {"a & b == c", "(a & (b == c))"},
        {"a ^ b & c", "(a ^ (b & c))"},
        {"a | b ^ c", "(a | (b ^ c))"},
        {"a && b | c", "(a && (b | c))"},
        {"a || b && c", "(a || (b && c))"},
        {"a ?? b || c", "(a ?? (b || c))"},
        {"a ? b ?? c : d ?? e", "(a ? (b ?? c) : (d ?? e))"},
        {"a || b ? c : d", "((a || b) ? c : d)"},
        {"a = b ? c : d", "(a = (b ? c : d))"},
        {"a += b || c", "(a += (b || c))"},
        /* is and as sit with the relational operators */
        {"a is T == b", "((a is T) == b)"},
        {"a + b is T", "((a + b) is T)"},
        {"a as T ?? b", "((a as T) ?? b)"},
        {"a < b as T", "((a < b) as T)"},
        /* unary binds tighter than any binary operator */
        {"-a * b", "((-a) * b)"},
        {"!a && b", "((!a) && b)"},
        {"~a | b", "((~a) | b)"},
        {"-a.b", "(-a.b)"},
        {"!a.b()", "(!a.b())"},
        {"a++ + ++b", "((a++) + (++b))"},
        {"a-- - --b", "((a--) - (--b))"},
        {"- -a", "(-(-a))"},
        {"!!a", "(!(!a))"},
        {"+a", "(+a)"},
        {"-(a + b)", "(-(a + b))"},
        {"(a + b) * c", "((a + b) * c)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_expr(cases[k][0], cases[k][1]);
}

Test(parser, associativity)
{
    expect_expr("a - b - c", "((a - b) - c)");
    expect_expr("a / b * c", "((a / b) * c)");
    expect_expr("a << b >> c", "((a << b) >> c)");
    expect_expr("a < b < c", "((a < b) < c)");
    expect_expr("a == b != c", "((a == b) != c)");
    expect_expr("a && b && c", "((a && b) && c)");
    expect_expr("a || b || c", "((a || b) || c)");
    expect_expr("a & b & c", "((a & b) & c)");
    /* right-associative */
    expect_expr("a ?? b ?? c", "(a ?? (b ?? c))");
    expect_expr("a ? b : c ? d : e", "(a ? b : (c ? d : e))");
    expect_expr("a ? b ? c : d : e", "(a ? (b ? c : d) : e)");
    expect_expr("a = b = c", "(a = (b = c))");
    expect_expr("a += b -= c", "(a += (b -= c))");
    expect_expr("x => y => x + y", "((x) => ((y) => (x + y)))");
}

Test(parser, shift_right_is_two_touching_greater_thans)
{
    expr_node_t *e = expr("a >> b");
    cr_assert_eq(e->op, EXPR_OP_SHR);
    expect_expr("a<b>>c", "(a < (b >> c))");
    expect_error("a > > b", EXPR_ERR_SYNTAX, 1, 5, "expected an expression, found '>'");
    expect_stmts("x >>= 2; y <<= 1;", "{ x >>= 2; y <<= 1; }");
    expect_stmt_error("x > >= 2;", EXPR_ERR_SYNTAX, 1, 5, "expected an expression");
}

Test(parser, every_assignment_operator)
{
    expect_stmts("a = 1; a += 1; a -= 1; a *= 1; a /= 1; a %= 1; a &= 1; a |= 1; a ^= 1; "
                 "a <<= 1; a >>= 1; a ?\?= b;",
                 "{ a = 1; a += 1; a -= 1; a *= 1; a /= 1; a %= 1; a &= 1; a |= 1; a ^= 1; "
                 "a <<= 1; a >>= 1; a ?\?= b; }");
    expect_stmts("a.b = 1; a[0] = 2; a.b[c].d = 3;", "{ a.b = 1; a[0] = 2; a.b[c].d = 3; }");
    expect_error("1 = 2", EXPR_ERR_SYNTAX, 1, 1, "left-hand side of an assignment");
    expect_error("f() = 2", EXPR_ERR_SYNTAX, 1, 1, "left-hand side");
    expect_error("a?.b = 2", EXPR_ERR_SYNTAX, 1, 1, "left-hand side");
    expect_error("a?[0].b = 2", EXPR_ERR_SYNTAX, 1, 1, "left-hand side");
    expect_error("(a + b) = 2", EXPR_ERR_SYNTAX, 1, 2, "left-hand side");
    expect_error("f()++", EXPR_ERR_SYNTAX, 1, 1, "operand of '++'");
    expect_error("--1", EXPR_ERR_SYNTAX, 1, 3, "operand of '--'");
}

/* ---- literals ---- */

Test(parser, literal_forms)
{
    expect_expr("42", "42");
    expect_expr("0x2A", "42");
    expect_expr("0b101", "5");
    expect_expr("1_000", "1000");
    expect_expr("7u", "7U");
    expect_expr("7L", "7L");
    expect_expr("7UL", "7UL");
    expect_expr("4294967295", "4294967295U");
    expect_expr("4294967296", "4294967296L");
    expect_expr("18446744073709551615", "18446744073709551615UL");
    expect_expr("1.5", "1.5");
    expect_expr("0.1", "0.1");
    expect_expr("1e3", "1e+03");
    expect_expr("2d", "2.0");
    expect_expr("1.5f", "1.5f");
    expect_expr("0.1f", "0.1f");
    expect_expr("1.50m", "1.50m");
    expect_expr("1e3m", "1e3m");
    expect_expr("'a'", "'a'");
    expect_expr("'\\''", "'\\''");
    expect_expr("'\\x41'", "'A'");
    expect_expr("'\\0'", "'\\0'");
    expect_expr("'\\u00e9'", "'\xc3\xa9'");
    expect_expr("'\\uD800'", "'\\uD800'");
    expect_expr("\"a\\\"b\\\\c\\n\\u0001\"", "\"a\\\"b\\\\c\\n\\u0001\"");
    expect_expr("@\"C:\\x\"\"y\"\"\"", "\"C:\\\\x\\\"y\\\"\"");
    expect_expr("\"\\uD83D\\uDE00\"", "\"\xf0\x9f\x98\x80\"");
    expect_expr("\"\\uDE00\"", "\"\\uDE00\"");
    expect_expr("null", "null");
    expect_expr("true", "true");
    expect_expr("false", "false");
    expect_expr("default", "default");

    expr_node_t *e = expr("4294967295");
    cr_assert_eq(e->kind, EXPR_INT);
    cr_assert_eq(e->op, EXPR_NUM_UINT);
    cr_assert_eq(e->u.integer, 4294967295u);
    e = expr("1.25f");
    cr_assert_eq(e->kind, EXPR_REAL);
    cr_assert_eq(e->op, EXPR_NUM_FLOAT);
    cr_assert_eq(e->u.real.value, 1.25);
    e = expr("@\"a\"");
    cr_assert_eq(e->kind, EXPR_STRING);
    cr_assert(e->flags & EXPR_F_VERBATIM);
    cr_assert_str_eq(e->u.text.ptr, "a");
    e = expr("'\\n'");
    cr_assert_eq(e->u.ch, '\n');
}

Test(parser, negative_literals_at_the_type_limits_fold)
{
    /* C# 7 §7.7.2: these two are int and long, though the literals alone are not. */
    expr_node_t *e = expr("-2147483648");
    cr_assert_eq(e->kind, EXPR_INT);
    cr_assert_eq(e->op, EXPR_NUM_INT);
    cr_assert_eq((int64_t)e->u.integer, INT64_C(-2147483648));
    cr_assert_eq(e->pos.offset, 0);
    cr_assert_eq(e->pos.len, 11);
    cr_assert_str_eq(printed, "(-2147483648)");
    e = expr("- 9223372036854775808");
    cr_assert_eq(e->kind, EXPR_INT);
    cr_assert_eq(e->op, EXPR_NUM_LONG);
    cr_assert_eq((int64_t)e->u.integer, INT64_MIN);
    cr_assert_str_eq(printed, "(-9223372036854775808L)");
    e = expr("-9223372036854775808L");
    cr_assert_eq(e->kind, EXPR_INT);
    /* everything else stays a unary minus */
    cr_assert_eq(expr("-2147483648L")->kind, EXPR_UNARY);
    cr_assert_eq(expr("-2147483648u")->kind, EXPR_UNARY);
    cr_assert_eq(expr("-0x80000000")->kind, EXPR_UNARY);
    cr_assert_eq(expr("-1")->kind, EXPR_UNARY);
    expect_expr("-2147483648.ToString()", "(-2147483648U.ToString())");
    expect_expr("(int)-2147483648", "((int)(-2147483648))");
}

Test(parser, interpolated_strings)
{
    expect_expr("$\"a{b}c\"", "$\"a{b}c\"");
    expect_expr("$\"{a,-5:N2}|{b,3}|{c:yyyy-MM-dd}\"", "$\"{a,(-5):N2}|{b,3}|{c:yyyy-MM-dd}\"");
    expect_expr("$\"{{x}} {x}\"", "$\"{{x}} {x}\"");
    expect_expr("$\"{$\"<{a + $\"{b}\"}>\"}\"", "$\"{$\"<{(a + $\"{b}\")}>\"}\"");
    expect_expr("$\"{(a ? b : c)}\"", "$\"{(a ? b : c)}\"");
    expect_expr("$\"{d[\"k\"]}\"", "$\"{d[\"k\"]}\"");
    expect_expr("$\"{xs.Select(x => x + 1)}\"", "$\"{xs.Select(((x) => (x + 1)))}\"");
    expect_expr("$@\"a\\b\"\"{c}\n\"", "$\"a\\\\b\\\"{c}\\n\"");
    expect_expr("@$\"{x:a\\b}\"", "$\"{x:a\\\\b}\"");
    expect_expr("$\"\"", "$\"\"");
    expect_expr("$\"{F<int>()}\"", "$\"{F<int>()}\"");

    expr_node_t *e = expr("$\"a{b,5:N2}c\"");
    cr_assert_eq(e->kind, EXPR_INTERPOLATED);
    cr_assert_eq(e->u.list.count, 3);
    cr_assert_eq(e->u.list.items[0]->kind, EXPR_STRING);
    const expr_node_t *hole = e->u.list.items[1];
    cr_assert_eq(hole->kind, EXPR_INTERP_HOLE);
    cr_assert_eq(hole->u.hole.value->kind, EXPR_NAME);
    cr_assert_eq(hole->u.hole.alignment->u.integer, 5);
    cr_assert_str_eq(hole->u.hole.format.ptr, "N2");
    cr_assert_eq(hole->pos.offset, 3);
    cr_assert_null(expr("$\"{b}\"")->u.list.items[0]->u.hole.format.ptr);
    cr_assert(expr("$@\"x\"")->flags & EXPR_F_VERBATIM);

    expect_error("$\"{a ? b : c}\"", EXPR_ERR_SYNTAX, 1, 10, "must be parenthesised");
    expect_error("$\"{}\"", EXPR_ERR_SYNTAX, 1, 4, "empty interpolation");
    expect_error("$\"{:N2}\"", EXPR_ERR_SYNTAX, 1, 4, "empty interpolation");
    expect_error("$\"{a b}\"", EXPR_ERR_SYNTAX, 1, 6, "expected '}' closing the interpolation");
    expect_error("$\"{a,}\"", EXPR_ERR_SYNTAX, 1, 6, "expected an expression");
}

/* ---- casts and parenthesised expressions (§7.7.6) ---- */

Test(parser, casts_versus_parentheses)
{
    static const char *const cases[][2] = {
        {"(string)x", "((string)x)"},
        {"(x)", "x"},
        {"((x))", "x"},
        {"(x) + y", "(x + y)"},
        {"(x) - 1", "(x - 1)"},
        {"(int)-1", "((int)(-1))"},
        {"(int)+x", "((int)(+x))"},
        {"(T)-1", "(T - 1)"},
        {"(T)(x)", "((T)x)"},
        {"(T)x.y", "((T)x.y)"},
        {"(a.b)c", "((a.b)c)"},
        {"(x)y", "((x)y)"},
        {"(T)!x", "((T)(!x))"},
        {"(T)~x", "((T)(~x))"},
        {"(T)1", "((T)1)"},
        {"(T)\"s\"", "((T)\"s\")"},
        {"(T)$\"s\"", "((T)$\"s\")"},
        {"(T)null", "((T)null)"},
        {"(T)new U()", "((T)new U())"},
        {"(T)typeof(U)", "((T)typeof(U))"},
        {"(T)int.MaxValue", "((T)int.MaxValue)"},
        {"(x) is T", "(x is T)"},
        {"(x) as T", "(x as T)"},
        {"(x)[0]", "x[0]"},
        {"(x).y", "x.y"},
        {"(int?)x", "((int?)x)"},
        {"(string[])x", "((string[])x)"},
        {"(int[,])x", "((int[,])x)"},
        {"(List<int>)x", "((List<int>)x)"},
        {"(Dictionary<string, object>)x", "((Dictionary<string, object>)x)"},
        {"(System.Text.Encoding)x", "((System.Text.Encoding)x)"},
        {"(int)(long)x", "((int)((long)x))"},
        {"(object)null", "((object)null)"},
        {"((IResponse)context.Variables[\"r\"]).Body",
         "((IResponse)context.Variables[\"r\"]).Body"},
        {"(JObject)JObject.Parse(s)", "((JObject)JObject.Parse(s))"},
        {"(byte)(time >> 40)", "((byte)(time >> 40))"},
        {"(F<int>) + 1", "((F<int>) + 1)"},
        {"(a < b)", "(a < b)"},
        {"(a ? b : c)", "(a ? b : c)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_expr(cases[k][0], cases[k][1]);
    expr_node_t *e = expr("(string)x");
    cr_assert_eq(e->kind, EXPR_CAST);
    cr_assert_eq(e->u.typed.type->kind, EXPR_TYPE_PREDEFINED);
    cr_assert_eq(e->u.typed.type->op, EXPR_PREDEF_STRING);
    cr_assert_eq(e->u.typed.operand->kind, EXPR_NAME);
    expect_error("(int)", EXPR_ERR_SYNTAX, 1, 6, "expected an expression");
    expect_error("(int) + ", EXPR_ERR_SYNTAX, 1, 9, "expected an expression");
    expect_error("(x", EXPR_ERR_SYNTAX, 1, 3, "expected ')'");
}

/* ---- generic arguments versus less-than (§7.6.5.2) ---- */

Test(parser, generics_versus_less_than)
{
    static const char *const cases[][2] = {
        {"a < b > c", "((a < b) > c)"},
        {"a < b > (c)", "a<b>(c)"},
        {"F(a < b, c > d)", "F((a < b), (c > d))"},
        {"F(G<A, B>(7))", "F(G<A, B>(7))"},
        {"F(G<A, B>7)", "F((G < A), (B > 7))"},
        {"context.Variables.GetValueOrDefault<string>(\"a\", \"b\")",
         "context.Variables.GetValueOrDefault<string>(\"a\", \"b\")"},
        {"x.As<JObject>(preserveContent: true)", "x.As<JObject>(preserveContent: true)"},
        {"List<int>.Count", "List<int>.Count"},
        {"F<Dictionary<string, List<int>>>()", "F<Dictionary<string, List<int>>>()"},
        {"F<int?, string[], List<int[]>>()", "F<int?, string[], List<int[]>>()"},
        {"a < b", "(a < b)"},
        {"a < b && c > d", "((a < b) && (c > d))"},
        {"x = F<T>", "(x = (F<T>))"},
        {"F<T> == G<U>", "((F<T>) == (G<U>))"},
        {"F<T>[0]", "F<T>[0]"},
        {"F<T>?.x", "F<T>?.x"},
        {"a.F<T> + 1", "((a.F < T) > (+1))"},
        {"typeof(Dictionary<string, List<int>>)", "typeof(Dictionary<string, List<int>>)"},
        {"new Dictionary<string, List<int>>()", "new Dictionary<string, List<int>>()"},
        {"(a < b) > c", "((a < b) > c)"},
        {"a < (b > c)", "(a < (b > c))"},
        {"i < n && j > 0", "((i < n) && (j > 0))"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_expr(cases[k][0], cases[k][1]);
    expr_node_t *e = expr("x.GetValueOrDefault<string>(\"a\")");
    cr_assert_eq(e->kind, EXPR_INVOKE);
    const expr_node_t *m = e->u.call.target;
    cr_assert_eq(m->kind, EXPR_MEMBER);
    cr_assert_str_eq(m->u.name.name.ptr, "GetValueOrDefault");
    cr_assert_eq(m->u.name.type_args.count, 1);
    cr_assert_eq(m->u.name.type_args.items[0]->op, EXPR_PREDEF_STRING);
}

/* ---- names, members, calls, arguments ---- */

Test(parser, member_access_calls_and_elements)
{
    expect_expr("a.b.c(d)[e]?.f?[g].h()", "a.b.c(d)[e]?.f?[g].h()");
    expect_expr("a[1, 2]", "a[1, 2]");
    expect_expr("f()", "f()");
    expect_expr("int.Parse(s)", "int.Parse(s)");
    expect_expr("string.Empty", "string.Empty");
    expect_expr("System.Text.Encoding.UTF8.GetBytes(s)", "System.Text.Encoding.UTF8.GetBytes(s)");
    expect_expr("@if.@class", "@if.@class");
    expect_expr("@var + @await", "(@var + @await)");
    expect_expr("1.ToString()", "1.ToString()");
    expect_expr("1.5.ToString()", "1.5.ToString()");
    expect_expr("\"a\".Length", "\"a\".Length");
    expect_expr("nameof(x)", "nameof(x)");

    expr_node_t *e = expr("a?.b.c");
    cr_assert_eq(e->kind, EXPR_MEMBER);
    cr_assert(!(e->flags & EXPR_F_CONDITIONAL));
    cr_assert(e->u.name.target->flags & EXPR_F_CONDITIONAL);
    e = expr("a?[0]");
    cr_assert_eq(e->kind, EXPR_INDEX);
    cr_assert(e->flags & EXPR_F_CONDITIONAL);

    expect_error("a.", EXPR_ERR_SYNTAX, 1, 3, "expected a member name");
    expect_error("a.(b)", EXPR_ERR_SYNTAX, 1, 3, "expected a member name");
    expect_error("a[]", EXPR_ERR_SYNTAX, 1, 1, "element access without an index");
    expect_error("f(a,)", EXPR_ERR_SYNTAX, 1, 5, "expected an expression");
    expect_error("f(a b)", EXPR_ERR_SYNTAX, 1, 5, "expected ',' or ')'");
    expect_error("int", EXPR_ERR_SYNTAX, 1, 1, "'int' is a type, not an expression");
    expect_error("a + string", EXPR_ERR_SYNTAX, 1, 5, "'string' is a type");
}

Test(parser, arguments_named_out_ref)
{
    expect_expr("int.TryParse(s, out var n)", "int.TryParse(s, out var n)");
    expect_expr("int.TryParse(s, out int n)", "int.TryParse(s, out int n)");
    expect_expr("F(out x, ref y, in z, out _)", "F(out x, ref y, in z, out _)");
    expect_expr("F(out List<int> l)", "F(out List<int> l)");
    expect_expr("F(a: 1, b: x + 1)", "F(a: 1, b: (x + 1))");
    expect_expr("s.TryParseJwt(out Jwt jwt)", "s.TryParseJwt(out Jwt jwt)");

    expr_node_t *e = expr("F(name: out var x)");
    const expr_node_t *arg = e->u.call.args.items[0];
    cr_assert_eq(arg->kind, EXPR_ARG);
    cr_assert_eq(arg->op, EXPR_ARG_OUT);
    cr_assert_str_eq(arg->u.arg.name.ptr, "name");
    cr_assert_eq(arg->u.arg.value->kind, EXPR_DECLARATION);
    cr_assert_eq(arg->u.arg.value->u.typed.type->kind, EXPR_TYPE_VAR);
    cr_assert_str_eq(arg->u.arg.value->u.typed.name.ptr, "x");
    e = expr("F(out x)");
    cr_assert_eq(e->u.call.args.items[0]->u.arg.value->kind, EXPR_NAME);
}

/* ---- lambdas (§7.15) ---- */

Test(parser, lambdas)
{
    expect_expr("x => x + 1", "((x) => (x + 1))");
    expect_expr("(x) => x", "((x) => x)");
    expect_expr("(x, y) => x * y", "((x, y) => (x * y))");
    expect_expr("() => 1", "(() => 1)");
    expect_expr("(int x) => x", "((int x) => x)");
    expect_expr("(int x, string y) => y", "((int x, string y) => y)");
    expect_expr("x => { return x; }", "((x) => { return x; })");
    expect_expr("x => throw new E()", "((x) => throw new E())");
    expect_expr("xs.Where(x => x.Length > 0).Select(x => x.Trim()).FirstOrDefault()",
                "xs.Where(((x) => (x.Length > 0))).Select(((x) => x.Trim())).FirstOrDefault()");
    expect_expr("Array.Exists(p, element => element == \"sendEmail\")",
                "Array.Exists(p, ((element) => (element == \"sendEmail\")))");
    expect_expr("f = x => x", "(f = ((x) => x))");
    expect_expr("((x) => x)", "((x) => x)");

    expr_node_t *e = expr("(int a, List<int> b) => a");
    cr_assert_eq(e->kind, EXPR_LAMBDA);
    cr_assert_eq(e->u.lambda.params.count, 2);
    cr_assert_eq(e->u.lambda.params.items[1]->u.typed.type->kind, EXPR_TYPE_NAME);
    cr_assert_str_eq(e->u.lambda.params.items[1]->u.typed.name.ptr, "b");
    e = expr("x => { }");
    cr_assert_eq(e->u.lambda.body->kind, EXPR_STMT_BLOCK);
    cr_assert_null(e->u.lambda.params.items[0]->u.typed.type);

    expect_error("(x, int y) => 1", EXPR_ERR_SYNTAX, 1, 5, "all typed or all untyped");
    expect_error("(ref int x) => x", EXPR_ERR_UNSUPPORTED, 1, 2, "'ref' lambda parameters");
    expect_error("(x) => ", EXPR_ERR_SYNTAX, 1, 8, "expected an expression");
    expect_error("async x => x", EXPR_ERR_UNSUPPORTED, 1, 1, "async lambdas");
    expect_error("delegate (int x) { return x; }", EXPR_ERR_UNSUPPORTED, 1, 1, "anonymous methods");
}

/* ---- is, as, typeof, default, checked, throw ---- */

Test(parser, type_tests_and_type_operators)
{
    expect_expr("x is string", "(x is string)");
    expect_expr("x is string s && s.Length > 0", "((x is string s) && (s.Length > 0))");
    expect_expr("x is var v", "(x is var v)");
    expect_expr("x is null", "(x is (null))");
    expect_expr("x is 5", "(x is (5))");
    expect_expr("x is -1", "(x is ((-1)))");
    expect_expr("x is (a)", "(x is (a))");
    expect_expr("x is int? ", "(x is int?)");
    expect_expr("x is int ? 1 : 2", "((x is int) ? 1 : 2)");
    expect_expr("x is int? ? 1 : 2", "((x is int?) ? 1 : 2)");
    /* T?? is no type (found by fuzz_expr_parser: it printed as "int???") */
    expect_error("x is int? ? ?", EXPR_ERR_SYNTAX, 1, 13, "expected an expression, found '?'");
    expect_expr("x as int?", "(x as int?)");
    expect_expr("x as string ?? \"\"", "((x as string) ?? \"\")");
    expect_expr("x as JObject[]", "(x as JObject[])");
    expect_expr("x is Foo.Bar", "(x is Foo.Bar)");
    expect_expr("typeof(int[])", "typeof(int[])");
    expect_expr("typeof(void)", "typeof(void)");
    expect_expr("default(string)", "default(string)");
    expect_expr("checked(a + b)", "checked(a + b)");
    expect_expr("unchecked((int)x)", "unchecked((int)x)");
    expect_expr("a ?? throw new ArgumentException(\"x\")",
                "(a ?? throw new ArgumentException(\"x\"))");
    expect_expr("c ? throw e : 1", "(c ? throw e : 1)");

    expr_node_t *e = expr("x is JObject o");
    cr_assert_eq(e->kind, EXPR_IS);
    cr_assert_str_eq(e->u.is.name.ptr, "o");
    cr_assert_null(e->u.is.constant);
    e = expr("x is null");
    cr_assert_null(e->u.is.type);
    cr_assert_eq(e->u.is.constant->kind, EXPR_NULL);
    cr_assert(expr("unchecked(x)")->flags & EXPR_F_UNCHECKED);
    cr_assert_null(expr("default")->u.typed.type);

    expect_error("throw e", EXPR_ERR_SYNTAX, 1, 1, "a throw expression is only allowed");
    expect_error("a + throw e", EXPR_ERR_SYNTAX, 1, 5, "throw expression");
    expect_error("typeof(x + 1)", EXPR_ERR_SYNTAX, 1, 10, "expected ')'");
}

/* ---- object and array creation (§7.6.10) ---- */

Test(parser, object_and_array_creation)
{
    static const char *const cases[][2] = {
        {"new JObject(new JProperty(\"a\", 1))", "new JObject(new JProperty(\"a\", 1))"},
        {"new System.Random().Next(1, 100)", "new System.Random().Next(1, 100)"},
        {"new Guid(bytes).ToString()", "new Guid(bytes).ToString()"},
        {"new List<string>() { \"a\", \"b\" }", "new List<string>() { \"a\", \"b\" }"},
        {"new List<string> { \"a\", }", "new List<string> { \"a\" }"},
        {"new Dictionary<string, int> { { \"a\", 1 }, { \"b\", 2 } }",
         "new Dictionary<string, int> { { \"a\", 1 }, { \"b\", 2 } }"},
        {"new Foo { A = 1, B = { 2, 3 }, C = { D = 4 }, [5] = 6 }",
         "new Foo { A = 1, B = { 2, 3 }, C = { D = 4 }, [5] = 6 }"},
        {"new Foo { }", "new Foo { }"},
        {"new Foo() { }", "new Foo() { }"},
        {"new byte[16]", "new byte[16]"},
        {"new int[2, 3]", "new int[2, 3]"},
        {"new int[n][]", "new int[n][]"},
        {"new int[2][,]", "new int[2][,]"},
        {"new int?[5]", "new int?[5]"},
        {"new int?()", "new int?()"},
        {"new byte[] { 1, 2, }", "new byte[] { 1, 2 }"},
        {"new int[,] { { 1 }, { 2 } }", "new int[,] { { 1 }, { 2 } }"},
        {"new string[0]", "new string[0]"},
        {"new[] { \"a\", \"b\" }", "new[] { \"a\", \"b\" }"},
        {"new [] { 1 }.Contains(x)", "new[] { 1 }.Contains(x)"},
        {"new[,] { { 1 } }", "new[,] { { 1 } }"},
        {"new { typ = \"JWT\", alg = \"HS256\" }", "new { typ = \"JWT\", alg = \"HS256\" }"},
        {"new { x.y, z }", "new { x.y, z }"},
        {"new { }", "new { }"},
        {"new int[3] { 1, 2, 3 }[0]", "new int[3] { 1, 2, 3 }[0]"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_expr(cases[k][0], cases[k][1]);

    expr_node_t *e = expr("new int[2][,]");
    cr_assert_eq(e->kind, EXPR_NEW_ARRAY);
    cr_assert_eq(e->u.create.args.count, 1);
    const expr_node_t *t = e->u.create.type;
    cr_assert_eq(t->kind, EXPR_TYPE_ARRAY);
    cr_assert_eq(t->u.array.rank, 1);
    cr_assert_eq(t->u.array.element->kind, EXPR_TYPE_ARRAY);
    cr_assert_eq(t->u.array.element->u.array.rank, 2);
    cr_assert_eq(t->u.array.element->u.array.element->op, EXPR_PREDEF_INT);
    e = expr("new Foo { A = 1 }");
    cr_assert_eq(e->kind, EXPR_NEW_OBJECT);
    cr_assert(!(e->flags & EXPR_F_HAS_PARENS));
    cr_assert_eq(e->u.create.init->op, EXPR_INIT_OBJECT);
    cr_assert(expr("new Foo()")->flags & EXPR_F_HAS_PARENS);
    e = expr("new List<int> { 1 }");
    cr_assert_eq(e->u.create.init->op, EXPR_INIT_COLLECTION);
    e = expr("new[] { 1 }");
    cr_assert_null(e->u.create.type);
    cr_assert_eq(e->op, 1);
    cr_assert_eq(e->u.create.init->op, EXPR_INIT_ARRAY);

    expect_error("new Foo", EXPR_ERR_SYNTAX, 1, 8, "expected '(', '[' or '{' after the type");
    expect_error("new int[]", EXPR_ERR_SYNTAX, 1, 10, "an array size or an initializer");
    expect_error("new[] 1", EXPR_ERR_SYNTAX, 1, 7, "expected '{' after 'new[]'");
    expect_error("new Foo { A = 1, 2 }", EXPR_ERR_SYNTAX, 1, 18, "member initializer");
    expect_error("new int[1", EXPR_ERR_SYNTAX, 1, 10, "expected ',' or ']'");
    expect_error("new { a = 1 ", EXPR_ERR_SYNTAX, 1, 13, "expected ',' or '}'");
}

/* ---- types ---- */

Test(parser, type_syntax)
{
    expect_stmts("Dictionary<string, object> d = null;",
                 "{ Dictionary<string, object> d = null; }");
    expect_stmts("IEnumerable<JToken> t;", "{ IEnumerable<JToken> t; }");
    expect_stmts("Newtonsoft.Json.Linq.JObject o;", "{ Newtonsoft.Json.Linq.JObject o; }");
    expect_stmts("int[] a = { 1, 2 };", "{ int[] a = { 1, 2 }; }");
    expect_stmts("int[][,] a;", "{ int[][,] a; }");
    expect_stmts("int?[] a;", "{ int?[] a; }");
    expect_stmts("int? a = null;", "{ int? a = null; }");
    expect_stmts("string a = \"x\", b = a + \"y\";", "{ string a = \"x\", b = a + \"y\"; }");
    expect_stmts("bool a; char b; byte c; sbyte d; short e; ushort f; uint g; ulong h; "
                 "decimal i; float j; double k; object l; long m;",
                 "{ bool a; char b; byte c; sbyte d; short e; ushort f; uint g; ulong h; "
                 "decimal i; float j; double k; object l; long m; }");
    expect_stmts("@var x = 1;", "{ @var x = 1; }");

    expr_node_t *b = parse_ok(EXPR_PARSE_STATEMENTS, "var x = 1;");
    const expr_node_t *local = b->u.list.items[0];
    cr_assert_eq(local->kind, EXPR_STMT_LOCAL);
    cr_assert_eq(local->u.local.type->kind, EXPR_TYPE_VAR);
    b = parse_ok(EXPR_PARSE_STATEMENTS, "@var x = 1;");
    cr_assert_eq(b->u.list.items[0]->u.local.type->kind, EXPR_TYPE_NAME,
                 "@var is a type named var");
    b = parse_ok(EXPR_PARSE_STATEMENTS, "System.Text.Encoding e;");
    const expr_node_t *t = b->u.list.items[0]->u.local.type;
    cr_assert_eq(t->kind, EXPR_TYPE_NAME);
    cr_assert_str_eq(t->u.name.name.ptr, "Encoding");
    cr_assert_str_eq(t->u.name.target->u.name.name.ptr, "Text");
    cr_assert_str_eq(t->u.name.target->u.name.target->u.name.name.ptr, "System");
    cr_assert_null(t->u.name.target->u.name.target->u.name.target);
    b = parse_ok(EXPR_PARSE_STATEMENTS, "int? x;");
    cr_assert_eq(b->u.list.items[0]->u.local.type->kind, EXPR_TYPE_NULLABLE);
    expect_stmt_error("global::System.String s;", EXPR_ERR_UNSUPPORTED, 1, 7, "alias qualifier");
}
