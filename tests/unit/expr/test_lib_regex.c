/* Regex natives (lib_regex.h), called from their member tables; expected results are .NET's. */
#include "expr/lib_regex.h"
#include "lib_call.h"

#include <stdio.h>

static void regex_teardown(void)
{
    lib_teardown();
    expr_regex_cache_flush();
}

TestSuite(regex, .init = lib_setup, .fini = regex_teardown);

static const expr_class_t *cls(const char *name)
{
    return lib_class(expr_lib_regex_classes, name);
}

#define REGEX cls("Regex")

static int rx_static(const char *name, expr_value_t *args, unsigned argc, expr_value_t *out)
{
    return lib_call(REGEX, name, EXPR_M_STATIC_METHOD, NULL, args, argc, out);
}

static expr_value_t ok_static(const char *name, expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    cr_assert_eq(rx_static(name, args, argc, &out), 0, "%s: %s: %s", name, rt.exception_type,
                 rt.exception_message);
    return out;
}

static expr_value_t get(expr_value_t obj, const char *name)
{
    expr_value_t out;
    cr_assert_eq(obj.tag, EXPR_V_OBJECT);
    cr_assert_eq(lib_call(obj.u.obj.cls, name, EXPR_M_PROPERTY, &obj, NULL, 0, &out), 0, "%s: %s",
                 name, rt.exception_message);
    return out;
}

static expr_value_t call(expr_value_t obj, const char *name, expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    cr_assert_eq(lib_call(obj.u.obj.cls, name, EXPR_M_METHOD, &obj, args, argc, &out), 0, "%s: %s",
                 name, rt.exception_message);
    return out;
}

static expr_value_t index_of(expr_value_t obj, expr_value_t key)
{
    expr_value_t out;
    cr_assert_eq(lib_call(obj.u.obj.cls, "[]", EXPR_M_INDEXER, &obj, &key, 1, &out), 0, "[]: %s",
                 rt.exception_message);
    return out;
}

static expr_value_t match(const char *input, const char *pattern)
{
    expr_value_t a[2] = {S(input), S(pattern)};
    return ok_static("Match", a, 2);
}

static expr_value_t group(expr_value_t m, expr_value_t key)
{
    return index_of(get(m, "Groups"), key);
}

static int option(const char *name)
{
    expr_value_t out;
    cr_assert_eq(lib_call(cls("RegexOptions"), name, EXPR_M_STATIC_PROPERTY, NULL, NULL, 0, &out), 0);
    return (int)out.u.i;
}

Test(regex, is_match)
{
    expr_value_t a[3] = {S("abc123"), S("\\d+")};
    cr_assert(ok_static("IsMatch", a, 2).u.b);
    a[1] = S("^\\d+$");
    cr_assert_not(ok_static("IsMatch", a, 2).u.b);
    a[0] = S("HELLO"), a[1] = S("^hello$"), a[2] = expr_int(option("IgnoreCase"));
    cr_assert(ok_static("IsMatch", a, 3).u.b);
    cr_assert_not(ok_static("IsMatch", a, 2).u.b);
    /* Multiline / Singleline */
    a[0] = S("a\nb"), a[1] = S("^b$"), a[2] = expr_int(option("Multiline"));
    cr_assert(ok_static("IsMatch", a, 3).u.b);
    a[1] = S("a.b"), a[2] = expr_int(option("Singleline"));
    cr_assert(ok_static("IsMatch", a, 3).u.b);
    cr_assert_not(ok_static("IsMatch", a, 2).u.b);
    /* IgnorePatternWhitespace, \uXXXX, Unicode \d (not with ECMAScript) */
    a[0] = S("ab"), a[1] = S("a  b # comment"), a[2] = expr_int(option("IgnorePatternWhitespace"));
    cr_assert(ok_static("IsMatch", a, 3).u.b);
    a[0] = S("A"), a[1] = S("^\\u0041$");
    cr_assert(ok_static("IsMatch", a, 2).u.b);
    a[0] = S("\xd9\xa3"), a[1] = S("^\\d$"); /* ARABIC-INDIC DIGIT THREE */
    cr_assert(ok_static("IsMatch", a, 2).u.b);
    a[2] = expr_int(option("ECMAScript"));
    cr_assert_not(ok_static("IsMatch", a, 3).u.b);
}

Test(regex, match_named_group_apim_example)
{
    /* spec §3.1: Regex.Match(..., @"max-age=(?<maxAge>\d+)").Groups["maxAge"]?.Value */
    expr_value_t m = match("public, max-age=3600", "max-age=(?<maxAge>\\d+)");
    cr_assert(get(m, "Success").u.b);
    assert_str(get(m, "Value"), "max-age=3600");
    cr_assert_eq(get(m, "Index").u.i, 8);
    cr_assert_eq(get(m, "Length").u.i, 12);
    expr_value_t g = group(m, S("maxAge"));
    assert_str(get(g, "Value"), "3600");
    assert_str(get(g, "Name"), "maxAge");
    cr_assert_eq(get(g, "Index").u.i, 16);
    cr_assert_eq(get(get(m, "Groups"), "Count").u.i, 2);
    assert_str(get(group(m, expr_int(1)), "Value"), "3600");
    /* an unknown group is an unsuccessful, empty one (not an exception) */
    expr_value_t none = group(m, S("nope"));
    cr_assert_not(get(none, "Success").u.b);
    assert_str(get(none, "Value"), "");
    cr_assert_not(get(group(m, expr_int(7)), "Success").u.b);
    expr_value_t out;
    cr_assert_eq(m.u.obj.cls->to_string(&rt, &m, &out), 0);
    assert_str(out, "max-age=3600");
    /* no match */
    m = match("no-cache", "max-age=(?<maxAge>\\d+)");
    cr_assert_not(get(m, "Success").u.b);
    assert_str(get(group(m, S("maxAge")), "Value"), "");
    cr_assert_eq(get(get(m, "Groups"), "Count").u.i, 1, "a failed match is Match.Empty, as .NET");
    expr_value_t empty;
    cr_assert_eq(lib_call(cls("Match"), "Empty", EXPR_M_STATIC_PROPERTY, NULL, NULL, 0, &empty), 0);
    cr_assert_eq(m.u.obj.ptr, empty.u.obj.ptr);
}

Test(regex, dotnet_group_numbering)
{
    /* .NET numbers unnamed groups first, then named ones */
    expr_value_t m = match("abc", "(?<x>a)(b)(?<y>c)");
    assert_str(get(group(m, expr_int(1)), "Value"), "b");
    assert_str(get(group(m, expr_int(2)), "Value"), "a");
    assert_str(get(group(m, expr_int(3)), "Value"), "c");
    assert_str(get(group(m, expr_int(1)), "Name"), "1");
    assert_str(get(group(m, expr_int(2)), "Name"), "x");
    assert_str(get(group(m, S("2")), "Value"), "a");
    expr_value_t a[3] = {S("(?<x>a)(b)(?<y>c)")}, re;
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, a, 1, &re), 0);
    expr_value_t names = call(re, "GetGroupNames", NULL, 0);
    cr_assert_eq(names.tag, EXPR_V_ARRAY);
    cr_assert_eq(names.u.arr.count, 4);
    assert_str(names.u.arr.items[0], "0");
    assert_str(names.u.arr.items[1], "1");
    assert_str(names.u.arr.items[2], "x");
    assert_str(names.u.arr.items[3], "y");
    expr_value_t y = S("y");
    cr_assert_eq(call(re, "GroupNumberFromName", &y, 1).u.i, 3);
    expr_value_t two = expr_int(2);
    assert_str(call(re, "GroupNameFromNumber", &two, 1), "x");
    /* the substitution uses the same numbers */
    expr_value_t r[3] = {S("abc"), S("$1$2$3|${x}")};
    assert_str(call(re, "Replace", r, 2), "bac|a");
    /* ExplicitCapture: only named groups capture */
    a[0] = S("ab"), a[1] = S("(a)(?<n>b)"), a[2] = expr_int(option("ExplicitCapture"));
    expr_value_t mm = ok_static("Match", a, 3);
    cr_assert_eq(get(get(mm, "Groups"), "Count").u.i, 2);
    assert_str(get(group(mm, expr_int(1)), "Value"), "b");
}

Test(regex, matches_and_next_match)
{
    expr_value_t a[2] = {S("a1b22c333"), S("\\d+")};
    expr_value_t ms = ok_static("Matches", a, 2);
    cr_assert_eq(get(ms, "Count").u.i, 3);
    assert_str(get(index_of(ms, expr_int(1)), "Value"), "22");
    cr_assert_eq(get(index_of(ms, expr_int(2)), "Index").u.i, 6);
    expr_value_t *items;
    uint32_t n;
    cr_assert_eq(ms.u.obj.cls->enumerate(&rt, &ms, &items, &n), 0);
    cr_assert_eq(n, 3);
    assert_str(get(items[2], "Value"), "333");
    expr_value_t out, bad = expr_int(3);
    assert_thrown(lib_call(ms.u.obj.cls, "[]", EXPR_M_INDEXER, &ms, &bad, 1, &out),
                  "System.ArgumentOutOfRangeException", NULL);
    /* empty matches advance one character, as .NET: "", "b", "", "" */
    a[0] = S("abc"), a[1] = S("b*");
    ms = ok_static("Matches", a, 2);
    cr_assert_eq(get(ms, "Count").u.i, 4);
    assert_str(get(index_of(ms, expr_int(1)), "Value"), "b");
    cr_assert_eq(get(index_of(ms, expr_int(3)), "Index").u.i, 3);
    /* NextMatch walks the same sequence */
    expr_value_t m = match("a1b22c333", "\\d+");
    m = call(m, "NextMatch", NULL, 0);
    assert_str(get(m, "Value"), "22");
    m = call(call(m, "NextMatch", NULL, 0), "NextMatch", NULL, 0);
    cr_assert_not(get(m, "Success").u.b);
    m = call(m, "NextMatch", NULL, 0);
    cr_assert_not(get(m, "Success").u.b);
    /* Match.Empty */
    cr_assert_eq(lib_call(cls("Match"), "Empty", EXPR_M_STATIC_PROPERTY, NULL, NULL, 0, &m), 0);
    cr_assert_not(get(m, "Success").u.b);
    assert_str(get(m, "Value"), "");
    cr_assert_eq(get(get(m, "Groups"), "Count").u.i, 1);
}

Test(regex, instance_members)
{
    expr_value_t a[2] = {S("(\\w+)@(\\w+)\\.com")}, re;
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, a, 1, &re), 0);
    expr_value_t in = S("joe@contoso.com, ann@fabrikam.com");
    expr_value_t m = call(re, "Match", &in, 1);
    expr_value_t r = S("$2:$1");
    assert_str(call(m, "Result", &r, 1), "contoso:joe");
    cr_assert(call(re, "IsMatch", &in, 1).u.b);
    expr_value_t at[2] = {in, expr_int(5)};
    assert_str(get(call(re, "Match", at, 2), "Value"), "ann@fabrikam.com");
    cr_assert_eq(get(call(re, "Matches", at, 2), "Count").u.i, 1);
    expr_value_t range[3] = {in, expr_int(17), expr_int(5)};
    cr_assert_not(get(call(re, "Match", range, 3), "Success").u.b);
    range[2] = expr_int(16);
    assert_str(get(call(re, "Match", range, 3), "Value"), "ann@fabrikam.com");
    assert_str(call(re, "ToString", NULL, 0), "(\\w+)@(\\w+)\\.com");
    cr_assert_eq(get(re, "Options").u.i, 0);
    expr_value_t rep[4] = {in, S("<$0>"), expr_int(1)};
    assert_str(call(re, "Replace", rep, 3), "<joe@contoso.com>, ann@fabrikam.com");
    expr_value_t out, big[2] = {in, expr_int(99)};
    assert_thrown(lib_call(re.u.obj.cls, "Match", EXPR_M_METHOD, &re, big, 2, &out),
                  "System.ArgumentOutOfRangeException", "startat");
    /* the same pattern is compiled once: both Regex objects share the cached code */
    expr_value_t re2;
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, a, 1, &re2), 0);
    cr_assert_eq(re.u.obj.ptr, re2.u.obj.ptr);
    a[1] = expr_int(option("IgnoreCase"));
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, a, 2, &re2), 0);
    cr_assert_neq(re.u.obj.ptr, re2.u.obj.ptr, "options are part of the cache key");
}

Test(regex, replace)
{
    expr_value_t a[3] = {S("2024-02-29"), S("(\\d+)-(\\d+)-(\\d+)"), S("$3/$2/$1")};
    assert_str(ok_static("Replace", a, 3), "29/02/2024");
    a[2] = S("$$1 costs $0 [$&] $12 ${2} ${nope} $");
    assert_str(ok_static("Replace", a, 3), "$1 costs 2024-02-29 [2024-02-29] $12 02 ${nope} $");
    a[0] = S("x=1;y=2"), a[1] = S("(?<k>\\w)=(?<v>\\d)"), a[2] = S("${v}=${k}");
    assert_str(ok_static("Replace", a, 3), "1=x;2=y");
    a[0] = S("abc"), a[1] = S("b"), a[2] = S("[$`|$'|$_]");
    assert_str(ok_static("Replace", a, 3), "a[a|c|abc]c");
    a[0] = S("aaa"), a[1] = S("x*"), a[2] = S("-");
    assert_str(ok_static("Replace", a, 3), "-a-a-a-");
    /* no match: the very same input */
    a[0] = S("unchanged"), a[1] = S("\\d");
    expr_value_t out = ok_static("Replace", a, 3);
    cr_assert_eq(out.u.s.ptr, a[0].u.s.ptr);
    a[2] = expr_null();
    assert_thrown(rx_static("Replace", a, 3, &out), "System.ArgumentNullException", "replacement");
}

static void assert_split(expr_value_t v, const char *const *parts, uint32_t n)
{
    cr_assert_eq(v.tag, EXPR_V_ARRAY);
    cr_assert_eq(v.u.arr.count, n, "%u parts, expected %u", v.u.arr.count, n);
    for (uint32_t k = 0; k < n; k++) assert_str(v.u.arr.items[k], parts[k]);
}

Test(regex, split)
{
    expr_value_t a[2] = {S("a1b2c"), S("\\d")};
    assert_split(ok_static("Split", a, 2), (const char *const[]){"a", "b", "c"}, 3);
    a[0] = S("a-b"), a[1] = S("(-)");
    assert_split(ok_static("Split", a, 2), (const char *const[]){"a", "-", "b"}, 3);
    a[0] = S("abc"), a[1] = S("");
    assert_split(ok_static("Split", a, 2), (const char *const[]){"", "a", "b", "c", ""}, 5);
    a[0] = S(""), a[1] = S(",");
    assert_split(ok_static("Split", a, 2), (const char *const[]){""}, 1);
    expr_value_t c[1] = {S(",")}, re;
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, c, 1, &re), 0);
    expr_value_t s[2] = {S("a,b,c,d"), expr_int(2)};
    assert_split(call(re, "Split", s, 2), (const char *const[]){"a", "b,c,d"}, 2);
}

Test(regex, escape_unescape)
{
    expr_value_t a = S("a.b*c d[e]{f}\t#");
    assert_str(ok_static("Escape", &a, 1), "a\\.b\\*c\\ d\\[e]\\{f}\\t\\#");
    a = S("a\\.b\\n\\u0041\\x42\\101\\\\\\cA");
    assert_str(ok_static("Unescape", &a, 1), "a.b\nABA\\\x01");
    expr_value_t out;
    a = S("\\q");
    assert_thrown(rx_static("Unescape", &a, 1, &out), "System.ArgumentException", "Unrecognized escape sequence \\q");
    a = S("abc\\");
    assert_thrown(rx_static("Unescape", &a, 1, &out), "System.ArgumentException", "Illegal \\ at end of pattern");
    /* Escape makes any text match itself */
    a = S("1+1=2 (really?) $5");
    expr_value_t m[2] = {S("it is 1+1=2 (really?) $5!"), ok_static("Escape", &a, 1)};
    cr_assert(ok_static("IsMatch", m, 2).u.b);
}

Test(regex, utf16_positions)
{
    expr_value_t m = match("h\xc3\xa9llo w\xc3\xb6rld", "w\\w+");
    cr_assert_eq(get(m, "Index").u.i, 6);
    cr_assert_eq(get(m, "Length").u.i, 5);
    assert_str(get(m, "Value"), "w\xc3\xb6rld");
    m = match("\xf0\x9f\x98\x80x", "x"); /* U+1F600 is a surrogate pair */
    cr_assert_eq(get(m, "Index").u.i, 2);
    m = match("\xf0\x9f\x98\x80x", ".");
    cr_assert_eq(get(m, "Length").u.i, 2);
    expr_value_t a[2] = {S("\xc3\xa9\xc3\xa9x\xc3\xa9x"), S("x")}, re;
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, &a[1], 1, &re), 0);
    expr_value_t at[2] = {a[0], expr_int(3)};
    cr_assert_eq(get(call(re, "Match", at, 2), "Index").u.i, 4);
    /* invalid UTF-8 in the input does not stop matching */
    m = match("a\xff" "b", "b");
    cr_assert(get(m, "Success").u.b);
}

Test(regex, errors)
{
    expr_value_t out, a[3] = {S("x"), S("(")};
    assert_thrown(rx_static("IsMatch", a, 2, &out), "System.ArgumentException", "Invalid pattern '(' at offset 1.");
    a[1] = S("a"), a[2] = expr_int(option("RightToLeft"));
    assert_thrown(rx_static("IsMatch", a, 3, &out), "System.NotSupportedException", NULL);
    a[2] = expr_int(option("ECMAScript") | option("Singleline"));
    assert_thrown(rx_static("IsMatch", a, 3, &out), "System.ArgumentOutOfRangeException", "options");
    a[2] = expr_int(4096);
    assert_thrown(rx_static("IsMatch", a, 3, &out), "System.ArgumentOutOfRangeException", "options");
    a[2] = S("i");
    assert_thrown(rx_static("IsMatch", a, 3, &out), "System.ArgumentException", NULL);
    a[0] = expr_null();
    assert_thrown(rx_static("IsMatch", a, 2, &out), "System.ArgumentNullException", "(Parameter 'input')");
    a[0] = S("x"), a[1] = expr_null();
    assert_thrown(rx_static("Match", a, 2, &out), "System.ArgumentNullException", "(Parameter 'pattern')");
    a[1] = expr_int(1);
    assert_thrown(rx_static("Matches", a, 2, &out), "System.ArgumentException", NULL);
    a[0] = S("b"), a[1] = S("[a-z-[aeiou]]");
    assert_thrown(rx_static("IsMatch", a, 2, &out), "System.NotSupportedException", "subtraction");
    a[1] = S("[\\[-]x|[a\\-[]|b");
    cr_assert_eq(rx_static("IsMatch", a, 2, &out), 0, "no subtraction here: %s", rt.exception_message);
    /* Compiled / CultureInvariant / a match timeout are accepted */
    expr_value_t b[4] = {S("x"), S("X"), expr_int(option("Compiled") | option("CultureInvariant") | option("IgnoreCase")),
                         (expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = 10000000}};
    cr_assert(ok_static("IsMatch", b, 4).u.b);
}

Test(regex, catastrophic_backtracking_throws)
{
    char input[64];
    memset(input, 'a', 40);
    strcpy(input + 40, "!");
    expr_value_t out, a[2] = {S(input), S("^(a+)+$")};
    assert_thrown(rx_static("IsMatch", a, 2, &out),
                  "System.Text.RegularExpressions.RegexMatchTimeoutException", "timed out");
    assert_thrown(rx_static("Matches", a, 2, &out),
                  "System.Text.RegularExpressions.RegexMatchTimeoutException", NULL);
}

Test(regex, captures)
{
    expr_value_t m = match("abc", "(\\w)+");
    expr_value_t g = group(m, expr_int(1));
    assert_str(get(g, "Value"), "c");
    expr_value_t caps = get(g, "Captures");
    cr_assert_eq(get(caps, "Count").u.i, 1);
    assert_str(get(index_of(caps, expr_int(0)), "Value"), "c");
    cr_assert_eq(get(index_of(caps, expr_int(0)), "Index").u.i, 2);
    expr_value_t *items;
    uint32_t n;
    expr_value_t groups = get(m, "Groups");
    cr_assert_eq(groups.u.obj.cls->enumerate(&rt, &groups, &items, &n), 0);
    cr_assert_eq(n, 2);
    assert_str(get(items[0], "Value"), "abc");
    expr_value_t k = S("1");
    cr_assert(call(groups, "ContainsKey", &k, 1).u.b);
}

/* More patterns than the cache holds, while the first Regex is still in use: evicted
 * entries stay alive until the runtime ends (ASan checks the use below). */
Test(regex, cache_eviction_keeps_live_patterns)
{
    expr_value_t first, p = S("first(\\d)");
    cr_assert_eq(lib_call(REGEX, ".ctor", EXPR_M_CONSTRUCTOR, NULL, &p, 1, &first), 0);
    char pat[32];
    for (int k = 0; k < 100; k++) {
        snprintf(pat, sizeof pat, "p%d", k);
        expr_value_t a[2] = {S("p1"), S(pat)};
        ok_static("IsMatch", a, 2);
    }
    expr_value_t in = S("first7");
    assert_str(get(group(call(first, "Match", &in, 1), expr_int(1)), "Value"), "7");
}

/* ---- through expr_compile/expr_run ---- */

TestSuite(regex_expr, .init = lib_setup, .fini = regex_teardown);

Test(regex_expr, expressions)
{
    EXPECT("@{ var s = \"public, max-age=3600\"; return Regex.Match(s, @\"max-age=(?<maxAge>\\d+)\").Groups[\"maxAge\"]?.Value; }", "3600");
    EXPECT("@(Regex.IsMatch(\"ABC\", \"^abc$\", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))", "True");
    EXPECT("@(Regex.Replace(\"2024-02-29\", @\"(\\d+)-(\\d+)-(\\d+)\", \"$3.$2.$1\"))", "29.02.2024");
    EXPECT("@(Regex.Replace(\"a1b22\", @\"\\d+\", m => \"<\" + m.Value + \">\"))", "a<1>b<22>");
    EXPECT("@(new Regex(@\"\\d\").Replace(\"a1b2\", m => (int.Parse(m.Value) * 2).ToString()))", "a2b4");
    EXPECT("@(Regex.Matches(\"a1b22c333\", @\"\\d+\").Count)", "3");
    EXPECT("@(Regex.Split(\"a,b;c\", \"[,;]\").Length)", "3");
    EXPECT("@(string.Join(\"|\", Regex.Split(\"a,b;c\", \"[,;]\")))", "a|b|c");
    EXPECT("@{ var r = \"\"; foreach (Match m in Regex.Matches(\"k1=v1;k2=v2\", @\"(\\w+)=(\\w+)\")) { r += m.Groups[2].Value; } return r; }", "v1v2");
    EXPECT("@(Regex.Match(\"x\", \"y\").Success)", "False");
    EXPECT("@(Regex.Match(\"x\", \"y\") == Match.Empty)", "True");
    EXPECT("@(Regex.Match(\"x\", \"(?<a>y)\").Groups[\"a\"]?.Value)", "");
    EXPECT("@(Regex.Match(\"abc\", \"b\").Index)", "1");
    EXPECT("@(Regex.Escape(\"a.b\"))", "a\\.b");
    EXPECT("@(Regex.Match(\"joe@contoso.com\", @\"(\\w+)@(\\w+)\").Result(\"$2/$1\"))", "contoso/joe");
    EXPECT("@(Regex.IsMatch(\"x\", \"(\"))", "!System.ArgumentException: Invalid pattern '(' at offset 1. missing closing parenthesis");
}
