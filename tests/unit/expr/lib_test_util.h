/* Helpers for the built-in library tests (test_lib_*.c): a runtime over an arena, member
 * lookup in a class's own table, and calls that assert success or the exception thrown. */
#ifndef MERIDIAN_TESTS_LIB_TEST_UTIL_H
#define MERIDIAN_TESTS_LIB_TEST_UTIL_H

#include "expr/compile.h"
#include "expr/lib_text.h"
#include "expr/value.h"
#include "expr_outcome.h"
#include "lib_rt.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define S(text) expr_str_ref((text), sizeof(text) - 1)
#define CH(c) ((expr_value_t){.tag = EXPR_V_CHAR, .u.i = (c)})
#define I(n) expr_int(n)
#define L(n) expr_long(n)
#define D(x) expr_double(x)
#define B(b) expr_bool(b)
#define NUL expr_null()
#define ENUMV(n) expr_text_enum(n)
#define BYTES(text) ((expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(text), sizeof(text) - 1}})

static inline expr_value_t char_array(const char *ascii)
{
    size_t n = strlen(ascii);
    expr_value_t *items = arena_alloc(&lib_arena, (n + 1) * sizeof *items);
    for (size_t k = 0; k < n; k++) items[k] = CH((unsigned char)ascii[k]);
    return (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, (uint32_t)n, &expr_class_char}};
}

static inline expr_value_t string_array(unsigned n, const char *const *texts)
{
    expr_value_t *items = arena_alloc(&lib_arena, (n + 1) * sizeof *items);
    for (unsigned k = 0; k < n; k++)
        items[k] = texts[k] ? expr_str_ref(texts[k], strlen(texts[k])) : expr_null();
    return (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, n, &expr_class_string}};
}

static inline const expr_member_t *lib_member(const expr_class_t *cls, const char *name, int kind)
{
    for (size_t k = 0; k < cls->member_count; k++)
        if (cls->members[k].kind == kind && !strcmp(cls->members[k].name, name)) return &cls->members[k];
    cr_assert_fail("%s has no member %s of kind %d", cls->name, name, kind);
    return NULL;
}

static inline int lib_call(const expr_class_t *cls, const char *name, int kind, const expr_value_t *self,
                           expr_value_t *args, unsigned argc, expr_value_t *out)
{
    const expr_member_t *m = lib_member(cls, name, kind);
    cr_assert(argc >= m->min_args && argc <= m->max_args, "%s.%s: %u arguments out of [%u, %u]", cls->name,
              name, argc, m->min_args, m->max_args);
    expr_call_t call = {.member = m, .receiver_type = {cls, NULL}};
    rt.has_exception = false;
    *out = expr_null();
    int rc = m->fn(&rt, &call, self, args, argc, out);
    if (rc) cr_assert_eq(rc, EXPR_THROWN);
    cr_assert_eq(rc != 0, rt.has_exception, "%s.%s: rc %d but has_exception %d", cls->name, name, rc, rt.has_exception);
    return rc;
}

static inline expr_value_t lib_ok(const expr_class_t *cls, const char *name, int kind, const expr_value_t *self,
                                  expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    int rc = lib_call(cls, name, kind, self, args, argc, &out);
    cr_assert_eq(rc, 0, "%s.%s threw %s: %s", cls->name, name, rt.exception_type, rt.exception_message);
    return out;
}

static inline void lib_throws(const char *type, const char *msg, const expr_class_t *cls, const char *name,
                              int kind, const expr_value_t *self, expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    int rc = lib_call(cls, name, kind, self, args, argc, &out);
    cr_assert_eq(rc, EXPR_THROWN, "%s.%s did not throw %s", cls->name, name, type);
    cr_assert_str_eq(rt.exception_type, type);
    if (msg) cr_assert(strstr(rt.exception_message, msg), "message '%s' lacks '%s'", rt.exception_message, msg);
}

#define NARGS(...) (sizeof((expr_value_t[]){__VA_ARGS__}) / sizeof(expr_value_t))
#define ARGV(...) ((expr_value_t[]){__VA_ARGS__})

/* Calls that must succeed: the result value. */
#define METHOD(cls, selfv, name, ...) \
    lib_ok(cls, name, EXPR_M_METHOD, ARGV(selfv), ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define STATIC(cls, name, ...) \
    lib_ok(cls, name, EXPR_M_STATIC_METHOD, NULL, ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define PROP(cls, selfv, name) lib_ok(cls, name, EXPR_M_PROPERTY, ARGV(selfv), NULL, 0)
#define SPROP(cls, name) lib_ok(cls, name, EXPR_M_STATIC_PROPERTY, NULL, NULL, 0)
#define INDEX(cls, selfv, ...) \
    lib_ok(cls, "[]", EXPR_M_INDEXER, ARGV(selfv), ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define NEW(cls, ...) \
    lib_ok(cls, ".ctor", EXPR_M_CONSTRUCTOR, NULL, ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))

/* Calls that must throw `type` with a message containing `msg` (NULL: any). */
#define METHOD_THROWS(type, msg, cls, selfv, name, ...) \
    lib_throws(type, msg, cls, name, EXPR_M_METHOD, ARGV(selfv), ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define STATIC_THROWS(type, msg, cls, name, ...) \
    lib_throws(type, msg, cls, name, EXPR_M_STATIC_METHOD, NULL, ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define INDEX_THROWS(type, msg, cls, selfv, ...) \
    lib_throws(type, msg, cls, "[]", EXPR_M_INDEXER, ARGV(selfv), ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))
#define NEW_THROWS(type, msg, cls, ...) \
    lib_throws(type, msg, cls, ".ctor", EXPR_M_CONSTRUCTOR, NULL, ARGV(__VA_ARGS__), NARGS(__VA_ARGS__))

static inline void assert_str(expr_value_t v, const char *want)
{
    cr_assert_eq(v.tag, EXPR_V_STRING, "not a string (tag %d), wanted '%s'", v.tag, want);
    size_t n = strlen(want);
    cr_assert(v.u.s.len == n && memcmp(v.u.s.ptr, want, n) == 0, "got '%.*s', wanted '%s'", (int)v.u.s.len,
              v.u.s.ptr, want);
}

static inline void assert_int(expr_value_t v, int64_t want)
{
    cr_assert(v.tag == EXPR_V_INT || v.tag == EXPR_V_LONG, "not an integer (tag %d)", v.tag);
    cr_assert_eq(v.u.i, want, "got %lld, wanted %lld", (long long)v.u.i, (long long)want);
}

static inline void assert_bool(expr_value_t v, bool want)
{
    cr_assert_eq(v.tag, EXPR_V_BOOL, "not a bool (tag %d)", v.tag);
    cr_assert_eq(v.u.b, want);
}

static inline void assert_double(expr_value_t v, double want)
{
    cr_assert_eq(v.tag, EXPR_V_DOUBLE, "not a double (tag %d)", v.tag);
    if (isnan(want)) cr_assert(isnan(v.u.d), "got %.17g, wanted NaN", v.u.d);
    else cr_assert(v.u.d == want, "got %.17g, wanted %.17g", v.u.d, want);
}

static inline void assert_bytes(expr_value_t v, const char *want, size_t n)
{
    cr_assert_eq(v.tag, EXPR_V_BYTES, "not a byte[] (tag %d)", v.tag);
    cr_assert(v.u.s.len == n && (n == 0 || memcmp(v.u.s.ptr, want, n) == 0), "bytes differ (len %u vs %zu)",
              v.u.s.len, n);
}

/* The string items of a string[] joined with '|', for compact assertions. */
static inline void assert_strings(expr_value_t v, const char *want)
{
    cr_assert_eq(v.tag, EXPR_V_ARRAY);
    char buf[512];
    size_t n = 0;
    for (uint32_t k = 0; k < v.u.arr.count; k++) {
        const expr_value_t *it = &v.u.arr.items[k];
        cr_assert_eq(it->tag, EXPR_V_STRING);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", k ? "|" : "", (int)it->u.s.len, it->u.s.ptr);
    }
    buf[n] = '\0';
    cr_assert_str_eq(buf, want);
}

/* Compiles and runs a policy expression in the test's runtime: its outcome
 * (expr_outcome.h). */
static char run_result[1024];

static inline const char *run(const char *text)
{
    expr_compile_options_t o = {0};
    return expr_outcome(&lib_arena, &o, &rt, text, run_result, sizeof run_result);
}

/* The outcome of `text` is `want`; a failure shows what it was. */
#define EXPECT(text, want)                                                                     \
    do {                                                                                       \
        const char *got_ = run(text);                                                          \
        cr_expect_str_eq(got_, want, "%s\n  got: %s", text, got_);                             \
    } while (0)

#endif
