/* The checker (expr_compile): what binds, the static types it infers, constant folding,
 * and the compile errors — each with the user's line:col and a message naming the
 * construct. Uses the test context class of expr_test_context.h. */
#include "expr/bound.h"
#include "expr_test_context.h"

#include <criterion/criterion.h>
#include <stdio.h>

static arena_t cfg;
static char msg[512];
static expr_program_t *prog;

static void setup(void)
{
    arena_init(&cfg, 4096);
}
static void teardown(void)
{
    arena_free(&cfg);
}

/* "ok", or "L:C: message" ("unsupported L:C: message" for EXPR_ERR_UNSUPPORTED). */
static const char *check_with(const char *text, expr_origin_t origin, expr_type_t expected)
{
    expr_compile_options_t o = {.context_class = &tc_context_class, .origin = origin, .expected = expected};
    expr_error_t err;
    int rc = expr_compile(&cfg, text, strlen(text), &o, &prog, &err);
    if (rc == 0) return "ok";
    snprintf(msg, sizeof msg, "%s%u:%u: %s", rc == EXPR_ERR_UNSUPPORTED ? "unsupported " : "", err.pos.line,
             err.pos.col, err.message);
    return msg;
}

static const char *check(const char *text)
{
    return check_with(text, (expr_origin_t){0}, (expr_type_t){NULL, NULL});
}

#define EXPECT(text, want)                                                                         \
    do {                                                                                           \
        const char *got_ = check(text);                                                            \
        cr_expect_str_eq(got_, want, "%s\n  got:  %s\n  want: %s", text, got_, want);              \
    } while (0)

TestSuite(check, .init = setup, .fini = teardown);

Test(check, names_and_members)
{
    EXPECT("@(foo)", "1:3: the name 'foo' does not exist in the current context");
    EXPECT("@(context.Foo)", "1:3: 'Foo' is not a member of IContext");
    EXPECT("@(context.Request.Headers.Foo(1))", "1:3: 'Foo' is not a member of IHeaders");
    EXPECT("@(context.Request.Headers.GetValueOrDefault())", "1:3: no overload of 'GetValueOrDefault' takes 0 arguments");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(nam: \"x\"))",
           "1:45: 'GetValueOrDefault' does not have a parameter named 'nam'");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(1, \"\"))", "1:45: cannot implicitly convert type 'int' to 'string'");
    EXPECT("@(context.Trace)", "1:3: 'Trace' is a method of IContext: call it with ()");
    EXPECT("@(context.Count[0])", "1:3: cannot apply indexing with [] to int");
    EXPECT("@(context.Variables[\"x\"].NoSuchMember)",
           "1:3: 'NoSuchMember' is not a member of object (nor of any known type)");
    EXPECT("@(context.Items.Where(x => x.NoSuchMember))", "1:28: 'NoSuchMember' is not a member of string");
    EXPECT("@(System.Nope.Thing.Do())", "1:3: the type or namespace name 'System.Nope.Thing' could not be found");
    EXPECT("@(Nope.Thing())", "1:3: the name 'Nope' does not exist in the current context");
    EXPECT("@(Exception)", "1:3: 'Exception' is a type, which is not valid in the given context");
    EXPECT("@(context.Variables.TryGetValue(\"s\", \"x\"))", "1:38: argument 2 of 'TryGetValue' must be passed with the 'out' keyword");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(x => x, \"\"))",
           "unsupported 1:45: a lambda expression is not accepted as argument 1 of 'GetValueOrDefault'");
}

Test(check, operators_and_types)
{
    EXPECT("@(1 + true)", "1:3: operator '+' cannot be applied to operands of type 'int' and 'bool'");
    EXPECT("@(!1)", "1:3: operator '!' cannot be applied to an operand of type 'int'");
    EXPECT("@(1 && true)", "1:3: operator '&&' cannot be applied to operands of type 'int' and 'bool'");
    EXPECT("@(\"a\" < \"b\")", "1:3: operator '<' cannot be applied to operands of type 'string' and 'string'");
    EXPECT("@(1.5 << 1)", "1:3: operator '<<' cannot be applied to operands of type 'double' and 'int'");
    EXPECT("@(true ? 1 : \"a\")",
           "1:3: type of conditional expression cannot be determined because there is no implicit conversion "
           "between 'int' and 'string'");
    EXPECT("@(1 ? 2 : 3)", "1:3: cannot implicitly convert type 'int' to 'bool'");
    EXPECT("@((int)\"a\")", "1:3: cannot convert type 'string' to 'int'");
    EXPECT("@((int)null)", "1:3: cannot convert null to 'int' because it is a value type");
    EXPECT("@(context.Trace(\"x\"))", "1:3: the expression has no value (a void method call)");
    EXPECT("@(context.Count + context.Trace(\"x\"))", "1:3: operator '+' cannot be applied to a void call");
}

Test(check, statements)
{
    EXPECT("@{ if (context.Count > 1) { return 1; } }", "1:2: not all code paths return a value");
    EXPECT("@{ return; }", "1:4: a policy expression block must return a value");
    EXPECT("@{ break; }", "1:4: no enclosing loop out of which to break or continue");
    EXPECT("@{ var x = 1; var x = 2; return x; }", "1:19: a local variable named 'x' is already defined in this scope");
    EXPECT("@{ var context = 1; return context; }", "1:8: a local variable named 'context' is already defined in this scope");
    EXPECT("@{ int x = \"a\"; return x; }", "1:12: cannot implicitly convert type 'string' to 'int'");
    EXPECT("@{ var x = null; return x; }", "1:12: cannot assign <null> to an implicitly-typed variable");
    EXPECT("@{ var x; return 1; }", "1:8: implicitly-typed variables must be initialized");
    EXPECT("@{ const int k = context.Count; return k; }", "1:18: the value of a const must be constant");
    EXPECT("@{ foreach (var c in 5) { } return 1; }", "1:22: foreach statement cannot operate on variables of type 'int'");
    EXPECT("@{ foreach (var c in context.Items) { c = \"x\"; } return 1; }", "1:39: 'c' cannot be assigned to");
    EXPECT("@{ if (1) return 1; return 2; }", "1:8: cannot implicitly convert type 'int' to 'bool'");
    EXPECT("@{ switch (context.Count) { case 1: context.Trace(\"x\"); default: return 2; } }",
           "1:29: control cannot fall through from one case label to another");
    EXPECT("@{ switch (context.Count) { case context.Count: return 1; } return 2; }",
           "unsupported 1:29: a case label must be a constant (patterns are not supported)");
    EXPECT("@{ try { return 1; } finally { return 2; } }", "1:32: control cannot leave the body of a finally clause");
    EXPECT("@{ throw; }", "1:4: a throw statement with no arguments is not allowed outside of a catch clause");
    EXPECT("@{ throw 1; }", "1:10: the type thrown must be an Exception, not 'int'");
    EXPECT("@{ try { return 1; } catch (string e) { return 2; } }", "1:29: 'string' is not an exception type");
    EXPECT("@{ context.Foo = 1; return 1; }",
           "1:4: property 'Foo' cannot be assigned to (it is read only, or unknown)");
    EXPECT("@{ context.Count = 1; return 1; }",
           "1:4: property 'Count' cannot be assigned to (it is read only, or unknown)");
    EXPECT("@{ var a = System.Security.Cryptography.Aes.Create(); a.KeySize = 128; return a.KeySize; }", "ok");
    EXPECT("@{ (1 + 2).Foo += 1; return 1; }",
           "unsupported 1:5: compound assignment to a property of a computed value is not supported");
    EXPECT("@{ object o = null; o.Key = new byte[16]; return 1; }", "ok");
    EXPECT("@{ var i = 0; i++; context.Count++; return i; }", "unsupported 1:20: '++' is only supported on local variables");
    /* reachability: these are complete */
    EXPECT("@{ while (true) { } }", "ok");
    EXPECT("@{ if (context.Count > 1) { return 1; } else { return 2; } }", "ok");
    EXPECT("@{ throw new Exception(\"x\"); }", "ok");
    EXPECT("@{ switch (context.Count) { case 1: return 1; default: return 2; } }", "ok");
    EXPECT("@{ try { return 1; } catch { return 2; } }", "ok");
    EXPECT("@{ for (;;) { } }", "ok");
    EXPECT("@{ while (true) { break; } }", "1:2: not all code paths return a value");
}

Test(check, refused_constructs_are_named)
{
    EXPECT("@(new { a = 1 })", "ok");
    EXPECT("@(typeof(string))", "unsupported 1:3: 'typeof' is not supported");
    EXPECT("@(checked(1 + 2))", "unsupported 1:3: 'checked' expressions are not supported");
    EXPECT("@{ checked { return 1; } }", "unsupported 1:4: 'checked' blocks are not supported");
    EXPECT("@{ unchecked { return unchecked(1 + 2); } }", "ok");
    EXPECT("@(x => x)", "unsupported 1:3: a lambda expression is only supported as an argument of a method that takes one");
    EXPECT("@(new int[2, 2])", "unsupported 1:7: multi-dimensional arrays are not supported");
    EXPECT("@(context.Items.Any(ref x))", "unsupported 1:21: 'ref' arguments are not supported");
    EXPECT("@(new Exception(\"x\") { })", "ok");
    EXPECT("@(new Exception(\"x\") { Message = \"y\" })",
           "1:24: property 'Message' of Exception cannot be assigned to (it is read only, or unknown)");
    EXPECT("@(default)", "unsupported 1:3: the 'default' literal is not supported");
    EXPECT("@{ goto x; }", "unsupported 1:4: 'goto' is not supported");
}

Test(check, positions_follow_the_origin)
{
    cr_expect_str_eq(check_with("@{\n  var x = 1;\n  return y;\n}", (expr_origin_t){.line = 10, .col = 5},
                                (expr_type_t){NULL, NULL}),
                     "12:10: the name 'y' does not exist in the current context");
    cr_expect_str_eq(check_with("@(1)", (expr_origin_t){0}, (expr_type_t){&expr_class_bool, NULL}),
                     "1:3: the expression is of type 'int' where 'bool' is expected");
    cr_expect_str_eq(check_with("@(context.Variables[\"b\"])", (expr_origin_t){0}, (expr_type_t){&expr_class_bool, NULL}),
                     "ok");
}

static expr_type_t type_of(const char *text)
{
    cr_assert_str_eq(check(text), "ok", "%s", text);
    return expr_program_type(prog);
}

Test(check, static_types)
{
    cr_expect_eq(type_of("@(1 + 2L)").cls, &expr_class_long);
    cr_expect_eq(type_of("@(1 + 2.0)").cls, &expr_class_double);
    cr_expect_eq(type_of("@('a' + 1)").cls, &expr_class_int);
    cr_expect_eq(type_of("@(\"a\" + 1)").cls, &expr_class_string);
    cr_expect_eq(type_of("@(context.Request.Headers)").cls, &tc_headers_class);
    cr_expect_eq(type_of("@(context.Variables[\"x\"])").cls, NULL);
    cr_expect_eq(type_of("@(context.Variables.GetValueOrDefault<int>(\"x\"))").cls, &expr_class_int);
    cr_expect_eq(type_of("@(context.Items)").elem, &expr_class_string);
    cr_expect_eq(type_of("@(context.Items.First())").cls, &expr_class_string);
    cr_expect_eq(type_of("@(context.Items.Where(x => true))").elem, &expr_class_string);
    cr_expect_eq(type_of("@(context.Items.Select(x => 1))").elem, &expr_class_int);
    cr_expect_eq(type_of("@(context.Items.Select(x => 1).ToArray())").cls, &expr_class_array);
    cr_expect_eq(type_of("@(new[] { 1, 2L })").elem, &expr_class_long);
    cr_expect_eq(type_of("@{ if (context.Count > 1) return \"a\"; return \"b\"; }").cls, &expr_class_string);
    cr_expect_eq(type_of("@{ if (context.Count > 1) return \"a\"; return 1; }").cls, NULL);
    cr_expect_eq(type_of("@(context.Count > 1 ? 1 : 2.5)").cls, &expr_class_double);
    cr_expect_eq(type_of("@((string)context.Variables[\"s\"])").cls, &expr_class_string);
}

Test(check, constants_are_folded)
{
    cr_assert_str_eq(check("@(1 + 2 * 3)"), "ok");
    cr_expect_eq(prog->body->op, B_CONST);
    cr_expect_eq(prog->body->u.k.u.i, 7);
    cr_assert_str_eq(check("@(\"a\" + 1 + true)"), "ok");
    cr_expect_eq(prog->body->op, B_CONST);
    cr_expect_eq(prog->body->u.k.u.s.len, 6);
    cr_assert_str_eq(check("@(true ? context.Count : 0)"), "ok");
    cr_expect_eq(prog->body->op, B_CALL);
    cr_assert_str_eq(check("@(1 / 0)"), "ok"); /* throws at run time, not folded */
    cr_expect_eq(prog->body->op, B_BINARY);
    cr_assert_str_eq(check("@{ const int k = 2 + 3; return k * 2; }"), "ok");
}

Test(check, members_bind_to_natives)
{
    cr_assert_str_eq(check("@(context.Request.Headers.GetValueOrDefault(\"X\", \"\"))"), "ok");
    const bnode_t *b = prog->body;
    cr_assert_eq(b->op, B_CALL);
    cr_expect_str_eq(b->u.call.member->name, "GetValueOrDefault");
    cr_expect_eq(b->a->op, B_CALL);
    cr_expect_str_eq(b->a->u.call.member->name, "Headers");
    cr_expect_eq(b->a->a->a->op, B_CONTEXT);
    cr_assert_str_eq(check("@(context.Variables[\"x\"].ToString())"), "ok");
    cr_expect_eq(prog->body->op, B_DYNCALL);
    cr_assert_str_eq(check("@(context.Variables.GetValueOrDefault<string>(\"x\"))"), "ok");
    cr_expect_eq(prog->body->u.call.type_arg, &expr_class_string);
    cr_assert_str_eq(check("@{ if (context.Variables.TryGetValue(\"s\", out var v)) { return v; } return null; }"), "ok");
}
