/* The interpreter over the checker's bound programs (compile.h), with a test `context`
 * class (expr_test_context.h) so that the core is tested apart from the libraries. */
#include "expr/compile.h"
#include "expr_outcome.h"
#include "expr_test_context.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <time.h>

static arena_t cfg, req;
static char result[512];

static void setup(void)
{
    arena_init(&cfg, 4096);
    arena_init(&req, 4096);
}
static void teardown(void)
{
    arena_free(&cfg);
    arena_free(&req);
}

/* The outcome (expr_outcome.h) of `text` with the test context, in a runtime of its own. */
static const char *run(const char *text)
{
    expr_compile_options_t o = {.context_class = &tc_context_class};
    expr_rt_t rt;
    expr_rt_init(&rt, &req, NULL);
    rt.context = expr_object(&tc_context_class, (void *)0);
    expr_outcome(&cfg, &o, &rt, text, result, sizeof result);
    expr_rt_end(&rt);
    return result;
}

#define EXPECT(text, want) cr_expect_str_eq(run(text), want, "%s\n  got: %s", text, result)

TestSuite(interp, .init = setup, .fini = teardown);

Test(interp, literals)
{
    EXPECT("@(1)", "1");
    EXPECT("@(true)", "True");
    EXPECT("@(false)", "False");
    EXPECT("@(\"hi\")", "hi");
    EXPECT("@(@\"a\\b\")", "a\\b");
    EXPECT("@('x')", "x");
    EXPECT("@(1.5)", "1.5");
    EXPECT("@(10L)", "10");
    EXPECT("@(null)", "null");
    EXPECT("@(1e20)", "1E+20");
    EXPECT("@(0.1 + 0.2)", "0.30000000000000004");
}

Test(interp, arithmetic_and_precedence)
{
    EXPECT("@(1 + 2 * 3)", "7");
    EXPECT("@((1 + 2) * 3)", "9");
    EXPECT("@(7 / 2)", "3");
    EXPECT("@(-7 / 2)", "-3");
    EXPECT("@(-7 % 3)", "-1");
    EXPECT("@(7 / 2.0)", "3.5");
    EXPECT("@(2147483647 + 1)", "-2147483648");
    EXPECT("@(2147483647L + 1)", "2147483648");
    EXPECT("@(1 << 33)", "2");
    EXPECT("@(-16 >> 2)", "-4");
    EXPECT("@(5 & 3 | 8 ^ 1)", "9");
    EXPECT("@(~0)", "-1");
    EXPECT("@('a' + 1)", "98");
    EXPECT("@(1 / 0.0)", "Infinity");
    EXPECT("@(0.0 / 0.0)", "NaN");
    EXPECT("@(context.Count / (context.Count - 42))", "!System.DivideByZeroException: Attempted to divide by zero.");
}

Test(interp, comparison_logic)
{
    EXPECT("@(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3)", "True");
    EXPECT("@(1 == 1.0)", "True");
    EXPECT("@(\"a\" == \"a\")", "True");
    EXPECT("@(\"a\" != \"b\")", "True");
    EXPECT("@(!true || false)", "False");
    EXPECT("@(true ^ true)", "False");
    EXPECT("@(null == null)", "True");
    EXPECT("@(context.Name == null)", "False");
    EXPECT("@(context.Count > 40 ? \"big\" : \"small\")", "big");
}

Test(interp, strings)
{
    EXPECT("@(\"a\" + 1 + 2)", "a12");
    EXPECT("@(1 + 2 + \"a\")", "3a");
    EXPECT("@(\"x\" + null)", "x");
    EXPECT("@(\"b\" + true)", "bTrue");
    EXPECT("@(\"n=\" + 1.5)", "n=1.5");
    EXPECT("@($\"{context.Name}-{context.Count}\")", "meridian-42");
    EXPECT("@($\"[{context.Count,5}]\")", "[   42]");
    EXPECT("@($\"[{context.Count,-5}]\")", "[42   ]");
    EXPECT("@($@\"{1 + 1}\\\")", "2\\");
}

Test(interp, context_chains)
{
    EXPECT("@(context.Request.Method)", "GET");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"Host\", \"\"))", "example.com");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"Nope\", \"dflt\"))", "dflt");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(defaultValue: \"d\", name: \"Nope\"))", "d");
    EXPECT("@(context.Request.Headers[\"Host\"])", "example.com");
    EXPECT("@(context.Request.Headers[\"Nope\"])",
           "!System.KeyNotFoundException: The given key was not present in the dictionary.");
    EXPECT("@(context.Variables.ContainsKey(\"s\"))", "True");
    EXPECT("@((string)context.Variables[\"s\"])", "text");
    EXPECT("@((int)context.Variables[\"n\"] + 1)", "6");
    EXPECT("@((int)context.Variables[\"l\"])",
           "!System.InvalidCastException: Unable to cast object of type 'System.Int64' to type 'System.Int32'.");
    EXPECT("@(context.Variables.GetValueOrDefault<string>(\"s\"))", "text");
    EXPECT("@(context.Variables.GetValueOrDefault<int>(\"n\") * 2)", "10");
    EXPECT("@(context.Variables.GetValueOrDefault<string>(\"zz\", \"none\"))", "none");
}

Test(interp, null_handling)
{
    EXPECT("@(context.Nothing?.Method)", "null");
    EXPECT("@(context.Nothing?.Headers.GetValueOrDefault(\"Host\"))", "null");
    EXPECT("@(context.Nothing?.Method ?? \"none\")", "none");
    EXPECT("@(context.Request?.Method ?? \"none\")", "GET");
    EXPECT("@(context.Nothing.Method)",
           "!System.NullReferenceException: Object reference not set to an instance of an object.");
    EXPECT("@(context.Nothing == null)", "True");
}

Test(interp, dynamic_dispatch)
{
    EXPECT("@(context.Variables[\"s\"].ToString())", "text");
    EXPECT("@(context.Variables[\"n\"].ToString())", "5");
    EXPECT("@(context.Variables[\"arr\"].Length)", "3");
    EXPECT("@(context.Variables[\"n\"] is int)", "True");
    EXPECT("@(context.Variables[\"n\"] is string)", "False");
    EXPECT("@(context.Variables[\"s\"] as string)", "text");
    EXPECT("@((context.Variables[\"n\"] as string) ?? \"no\")", "no");
}

Test(interp, arrays_and_linq)
{
    EXPECT("@(context.Items.Length)", "3");
    EXPECT("@(context.Items[2])", "cc");
    EXPECT("@(context.Items[3])", "!System.IndexOutOfRangeException: Index was outside the bounds of the array.");
    EXPECT("@(context.Items.First())", "b");
    EXPECT("@(context.Items.Last())", "cc");
    EXPECT("@(context.Items.Where(x => x != \"a\").Count())", "2");
    EXPECT("@(context.Items.Any(x => x == \"a\"))", "True");
    EXPECT("@(context.Items.All(x => x != \"cc\"))", "False");
    EXPECT("@(context.Items.FirstOrDefault(x => x == \"zz\") ?? \"none\")", "none");
    EXPECT("@(context.Items.Select(x => x + \"!\").First())", "b!");
    EXPECT("@(context.Items.OrderBy(x => x).First())", "a");
    EXPECT("@(context.Items.OrderByDescending(x => x).First())", "cc");
    EXPECT("@(new[] { 1, 2, 3 }.Sum())", "6");
    EXPECT("@(new int[] { 4, 2, 9 }.Max())", "9");
    EXPECT("@(new int[] { 4, 2, 9 }.Min())", "2");
    EXPECT("@(new[] { 1, 2, 2, 3 }.Distinct().Count())", "3");
    EXPECT("@(new[] { 1, 2, 3 }.Skip(1).Take(1).First())", "2");
    EXPECT("@(new[] { 1, 2, 3 }.Contains(2))", "True");
    EXPECT("@(new[] { 1, 2, 3 }.Aggregate((a, b) => a * b))", "6");
    EXPECT("@(new string[0].First())", "!System.InvalidOperationException: Sequence contains no elements");
    EXPECT("@(\"abc\".Count(c => c != 'b'))", "2");
}

Test(interp, closures)
{
    EXPECT("@{ var n = \"a\"; return context.Items.Where(x => x != n).Count(); }", "2");
    EXPECT("@{ var k = \"a\"; return context.Items.Any(x => context.Items.Any(y => y == x + k)); }", "False");
    EXPECT("@{ var total = \"\"; foreach (var s in context.Items) { total += s; } return total; }", "bacc");
}

Test(interp, statements)
{
    EXPECT("@{ return 1; }", "1");
    EXPECT("@{ int x = 2; x = x * 3; return x; }", "6");
    EXPECT("@{ var s = \"\"; for (var i = 0; i < 3; i++) { s += i; } return s; }", "012");
    EXPECT("@{ var i = 0; while (true) { if (++i >= 5) break; } return i; }", "5");
    EXPECT("@{ var i = 0; do { i += 2; } while (i < 7); return i; }", "8");
    EXPECT("@{ var n = 0; foreach (var c in \"hello\") { if (c == 'l') continue; n++; } return n; }", "3");
    EXPECT("@{ if (context.Count > 100) { return \"a\"; } else if (context.Count > 10) { return \"b\"; } return \"c\"; }",
           "b");
    EXPECT("@{ switch (context.Name) { case \"x\": return 1; case \"meridian\": return 2; default: return 3; } }", "2");
    EXPECT("@{ switch (context.Count) { case 1: case 42: return \"yes\"; } return \"no\"; }", "yes");
    EXPECT("@{ const int k = 3; return k * k; }", "9");
    EXPECT("@{ string s = null; return s ?? \"dflt\"; }", "dflt");
    EXPECT("@{ int a = 1, b = 2; a += b; a *= 10; a -= 1; a /= 2; a %= 8; return a; }", "6");
    EXPECT("@{ var x = 5; var y = x++; var z = --x; return $\"{x} {y} {z}\"; }", "5 5 5");
    EXPECT("@{ string s = null; s ?\?= \"v\"; return s; }", "v");
}

Test(interp, exceptions)
{
    EXPECT("@{ try { throw new FormatException(\"bad\"); } catch (FormatException e) { return e.Message; } }", "bad");
    EXPECT("@{ try { return 1 / (context.Count - 42); } catch (ArithmeticException) { return -1; } }", "-1");
    EXPECT("@{ try { return 1 / (context.Count - 42); } catch (FormatException) { return -1; } catch (Exception ex) { return -2; } }",
           "-2");
    EXPECT("@{ var s = \"\"; try { s += \"a\"; } finally { s += \"b\"; } return s; }", "ab");
    EXPECT("@{ try { throw new Exception(\"x\"); } catch (Exception e) when (e.Message == \"y\") { return 1; } catch { return 2; } }",
           "2");
    EXPECT("@{ try { try { throw new InvalidOperationException(\"in\"); } catch { throw; } } catch (Exception e) { return e.Message; } }",
           "in");
    EXPECT("@{ throw new ArgumentException(\"boom\"); }", "!System.ArgumentException: boom");
    EXPECT("@(context.Name ?? throw new Exception(\"n\"))", "meridian");
    EXPECT("@{ try { while (true) { } } catch { return 1; } }",
           "!Meridian.ExpressionBudgetExceededException: the expression ran out of its step budget (endless loop?)");
    /* A string doubled in a loop takes few steps but unbounded memory: the memory budget
     * (value.h, EXPR_DEFAULT_MEMORY) stops it (found by fuzz_expr_eval as an OOM). */
    EXPECT("@{ var s = \"ab\"; for (var i = 0; i < 60; i++) s += s; return s.Length; }",
           "!System.OutOfMemoryException: Insufficient memory to continue the execution of the "
           "program (the expression used more than its 67108864 bytes).");
}

Test(interp, casts)
{
    EXPECT("@((int)3.9)", "3");
    EXPECT("@((int)-3.9)", "-3");
    EXPECT("@((long)2147483648.0)", "2147483648");
    EXPECT("@((double)1 / 4)", "0.25");
    EXPECT("@((char)65)", "A");
    EXPECT("@((int)'A')", "65");
    EXPECT("@((string)null)", "null");
    EXPECT("@((bool)context.Variables[\"b\"])", "True");
    EXPECT("@((string)context.Variables[\"n\"])",
           "!System.InvalidCastException: Unable to cast object of type 'System.Int32' to type 'System.String'.");
}

Test(interp, collections)
{
    EXPECT("@{ var l = new List<string>(); l.Add(\"a\"); l.Add(\"b\"); return l.Count + l[1]; }", "2b");
    EXPECT("@{ var l = new List<int> { 3, 1, 2 }; l.Sort(); l.RemoveAt(0); return l[0] * 10 + l.Count; }", "22");
    EXPECT("@{ var l = new List<string>(context.Items); return l.Where(x => x != \"a\").Count(); }", "2");
    EXPECT("@{ var l = new List<int>(); return l[0]; }",
           "!System.ArgumentOutOfRangeException: Index was out of range. Must be non-negative and less than the size of the collection.");
    EXPECT("@{ var d = new Dictionary<string, string> { { \"a\", \"1\" } }; d[\"b\"] = \"2\"; d.Add(\"c\", \"3\"); "
           "var s = \"\"; foreach (var kv in d) { s += kv.Key + \"=\" + kv.Value + \";\"; } return s; }",
           "a=1;b=2;c=3;");
    EXPECT("@{ var d = new Dictionary<string, int>(); d[\"x\"] = 5; if (d.TryGetValue(\"x\", out var v)) { return v; } return 0; }",
           "5");
    EXPECT("@{ var d = new Dictionary<string, string>(); return d[\"nope\"]; }",
           "!System.KeyNotFoundException: The given key 'nope' was not present in the dictionary.");
    EXPECT("@{ var d = new Dictionary<string, string>(); d.Add(\"k\", \"1\"); d.Add(\"k\", \"2\"); return 1; }",
           "!System.ArgumentException: An item with the same key has already been added.");
    EXPECT("@{ var h = new HashSet<string>(); h.Add(\"a\"); h.Add(\"a\"); return h.Count; }", "1");
}

/* new T { A = 1, [k] = v }: setter calls (set_A, set_Item) on the new object, in order */
Test(interp, object_initializers)
{
    EXPECT("@{ var d = new Dictionary<string, int> { [\"a\"] = 1, [\"b\"] = 2, [\"a\"] = 3 }; return d[\"a\"] * 10 + d.Count; }",
           "32");
    EXPECT("@(new List<string> { \"x\" } { Foo = 1 })", "error 1:28: expected ')' closing the expression, found '{'");
    EXPECT("@(new List<int>(2) { Count = 1 })",
           "error 1:22: property 'Count' of List cannot be assigned to (it is read only, or unknown)");
    EXPECT("@(new Dictionary<string, int> { [\"a\"] = { 1 } })",
           "error 1:41: nested object or collection initializers are not supported");
}

/* a[i] = v on arrays and byte[] created with new (EXPR_AUX_WRITABLE); others are read-only */
Test(interp, array_element_assignment)
{
    EXPECT("@{ var a = new int[3]; a[0] = 5; a[2] = a[0] * 2; return a[0] + a[1] + a[2]; }", "15");
    EXPECT("@{ var a = new string[] { \"x\", \"y\" }; a[1] = \"z\"; return string.Join(\",\", a); }", "x,z");
    EXPECT("@{ var b = new byte[2]; b[0] = 255; b[1] = (byte)(b[0] + 2); return b[0] * 1000 + b[1]; }", "255001");
    EXPECT("@{ var a = new long[1]; a[0] = 3000000; return a[0] * 1000000; }", "3000000000000");
    EXPECT("@{ var a = new int[1]; a[1] = 1; return 1; }",
           "!System.IndexOutOfRangeException: Index was outside the bounds of the array.");
    EXPECT("@{ var a = new int[1]; a[0] = \"s\"; return 1; }", "error 1:31: cannot implicitly convert type 'string' to 'int'");
    EXPECT("@{ var a = \"a,b\".Split(','); a[0] = \"c\"; return a[0]; }",
           "!System.NotSupportedException: this array is read-only in policy expressions: only arrays created with 'new' can be written");
}

/* using: the body runs, then Dispose() (when the class has it) also when the body returns,
   breaks or throws; a null resource is not disposed */
Test(interp, using_statements)
{
    tc_disposed = 0;
    EXPECT("@{ var n = 0; using (var c = context) { n = c.Disposed; } return n * 10 + context.Disposed; }", "1");
    EXPECT("@{ using (context) return context.Disposed; }", "1");
    cr_expect_eq(tc_disposed, 2);
    EXPECT("@{ try { using (var c = context) { throw new Exception(\"x\"); } } catch (Exception e) { return e.Message + context.Disposed; } }",
           "x3");
    EXPECT("@{ for (var i = 0; i < 3; i++) { using (context) { if (i == 1) break; } } return context.Disposed; }", "5");
    EXPECT("@{ using (var s = \"text\") { return s.Length; } }", "4");
    EXPECT("@{ using (var c = context.Nothing) { } using (System.Security.Cryptography.Aes a = null, b = null) { } return 1; }", "1");
    EXPECT("@{ using (var c = context) { c = null; } return 1; }", "error 1:30: 'c' cannot be assigned to");
    EXPECT("@{ using (var c = context) var d = 1; return 1; }",
           "error 1:28: a declaration cannot be the body of 'using'; use a block { }");
}

/* Array.Copy / Exists / IndexOf / Reverse / Sort (lib_object.c); unchecked wraps as usual */
Test(interp, array_statics)
{
    EXPECT("@{ var d = new byte[6]; Array.Copy(new byte[] { 1, 2, 3 }, d, 3); Array.Copy(d, 0, d, 3, 3);"
           " return Convert.ToHexString(d); }", "010203010203");
    EXPECT("@{ var d = new string[3]; Array.Copy(context.Items, 1, d, 0, 2); return string.Join(\"|\", d); }", "a|cc|");
    EXPECT("@{ var d = new int[2]; Array.Copy(new int[] { 1, 2, 3 }, d, 3); return 1; }",
           "!System.ArgumentException: Destination array was not long enough. Check the destination index, length, and the array's lower bounds. (Parameter 'destinationArray')");
    EXPECT("@{ var d = new int[2]; Array.Copy(new int[1], 0, d, 0, -1); return 1; }",
           "!System.ArgumentOutOfRangeException: Non-negative number required. (Parameter 'length')");
    EXPECT("@{ Array.Copy(new string[1], context.Items, 1); return 1; }",
           "!System.NotSupportedException: this array is read-only in policy expressions: only arrays created with 'new' can be written");
    EXPECT("@{ Array.Copy(new byte[1], new int[1], 1); return 1; }",
           "!System.ArrayTypeMismatchException: Source array type cannot be assigned to destination array type.");
    EXPECT("@(Array.Exists(context.Items, e => e == \"cc\") + \" \" + Array.Exists(context.Items, e => e == \"z\"))", "True False");
    EXPECT("@(Array.IndexOf(context.Items, \"a\") * 10 + Array.IndexOf(context.Items, \"q\"))", "9");
    EXPECT("@{ var a = new[] { \"b\", \"C\", \"a\" }; Array.Sort(a); var n = new[] { 3, -1, 2 }; Array.Sort(n); Array.Reverse(n);"
           " return string.Join(\",\", a) + \" \" + string.Join(\",\", n); }", "C,a,b 3,2,-1");
    EXPECT("@(Array.Exists(null, e => true))", "!System.ArgumentNullException: Value cannot be null. (Parameter 'array')");
    EXPECT("@{ unchecked { var b = new byte[1]; b[0] = (byte)(0x1234567L >> 8); return b[0] + unchecked(2147483647 + 1); } }",
           "-2147483579");
}

/* local functions: called before or after their declaration, recursion (bounded), closures
   over the enclosing locals, defaults, void functions, expression bodies */
Test(interp, local_functions)
{
    EXPECT("@{ int Twice(int x) => x * 2; return Twice(21); }", "42");
    EXPECT("@{ var n = 0; void Add(int k = 5) { n += k; } Add(); Add(2); return n; }", "7");
    EXPECT("@{ return Fact(10); long Fact(int k) { if (k <= 1) return 1; return k * Fact(k - 1); } }", "3628800");
    EXPECT("@{ bool Even(int k) => k == 0 ? true : Odd(k - 1); bool Odd(int k) => k == 0 ? false : Even(k - 1); return Even(10); }",
           "True");
    EXPECT("@{ string Name() => context.Name; return context.Items.Select(x => x + Name()).Last(); }", "ccmeridian");
    EXPECT("@{ double Half(int x) => x / 2; return Half(3); }", "1");
    EXPECT("@{ int Loop(int k) => Loop(k + 1); return Loop(0); }",
           "!System.InsufficientExecutionStackException: Insufficient stack to continue executing the program safely.");
    EXPECT("@{ int F(int x) { if (x > 0) return 1; } return F(1); }", "error 1:4: 'F': not all code paths return a value");
    EXPECT("@{ int F(int x) => x; return F(); }", "error 1:30: no overload of 'F' takes 0 arguments");
    EXPECT("@{ void F() { return 1; } return 1; }", "error 1:15: a void local function cannot return a value");
    EXPECT("@{ int F() => 1; int F() => 2; return F(); }",
           "error 1:18: a local function named 'F' is already defined in this scope");
    EXPECT("@{ int F(int x) => x; return F(\"s\"); }", "error 1:32: cannot implicitly convert type 'string' to 'int'");
}

Test(interp, out_variables_and_void)
{
    EXPECT("@{ context.Trace(\"x\"); return 1; }", "1");
}

Test(interp, bench_chain)
{
    const char *text = "@(context.Request.Headers.GetValueOrDefault(\"Host\", \"\"))";
    expr_compile_options_t o = {.context_class = &tc_context_class};
    expr_program_t *p;
    expr_error_t err;
    cr_assert_eq(expr_compile(&cfg, text, strlen(text), &o, &p, &err), 0);
    expr_rt_t rt;
    expr_value_t v;
    enum { N = 200000 };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        expr_rt_init(&rt, &req, NULL);
        rt.context = expr_object(&tc_context_class, NULL);
        cr_assert_eq(expr_run(p, &rt, &v), 0);
        expr_rt_end(&rt);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / N;
    printf("expr bench: %s: %.1f ns/eval\n", text, ns);
    cr_expect_str_eq(run(text), "example.com");
}
