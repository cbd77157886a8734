/* Test helper for the built-in libraries: calls a native member straight from its class's
 * table (no checker/interpreter), in a runtime over a fresh arena per test. */
#ifndef MERIDIAN_TESTS_EXPR_LIB_CALL_H
#define MERIDIAN_TESTS_EXPR_LIB_CALL_H

#include "expr/compile.h"
#include "expr/value.h"
#include "expr_outcome.h"
#include "lib_rt.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* The class called `name` in a library's NULL-terminated list. */
static const expr_class_t *lib_class(const expr_class_t *const *list, const char *name)
{
    for (size_t k = 0; list[k]; k++)
        if (strcmp(list[k]->name, name) == 0) return list[k];
    cr_assert_fail("no class %s", name);
    return NULL;
}

static const expr_member_t *lib_member(const expr_class_t *cls, const char *name, int kind)
{
    for (const expr_class_t *c = cls; c; c = c->base)
        for (size_t k = 0; k < c->member_count; k++)
            if (strcmp(c->members[k].name, name) == 0 && c->members[k].kind == kind)
                return &c->members[k];
    cr_assert_fail("no member %s.%s (kind %d)", cls->name, name, kind);
    return NULL;
}

/* Calls cls.name with the given receiver (NULL for statics) and arguments; checks argc
 * against the member's declared range, as the checker would. */
static int lib_call(const expr_class_t *cls, const char *name, int kind, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    const expr_member_t *m = lib_member(cls, name, kind);
    if (kind != EXPR_M_PROPERTY && kind != EXPR_M_STATIC_PROPERTY) {
        cr_assert_geq(argc, m->min_args, "%s: %u args < min %u", name, argc, m->min_args);
        cr_assert_leq(argc, m->max_args, "%s: %u args > max %u", name, argc, m->max_args);
    }
    expr_call_t call = {.member = m};
    rt.has_exception = false;
    *out = expr_null();
    int rc = m->fn(&rt, &call, self, args, argc, out);
    if (rc == 0) cr_assert_not(rt.has_exception, "%s returned 0 after throwing", name);
    else cr_assert_eq(rc, EXPR_THROWN, "%s returned %d", name, rc);
    return rc;
}

static inline expr_value_t S(const char *s)
{
    return expr_str_ref(s, strlen(s));
}

static inline expr_value_t BYTES(const void *p, size_t n)
{
    return (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(const char *)p, (uint32_t)n}};
}

#define assert_str(v, expected)                                                                   \
    do {                                                                                          \
        expr_value_t v_ = (v);                                                                    \
        cr_assert_eq(v_.tag, EXPR_V_STRING, "tag %d, not a string", v_.tag);                      \
        cr_assert_eq(v_.u.s.len, strlen(expected), "'%.*s' != '%s'", (int)v_.u.s.len, v_.u.s.ptr, \
                     (expected));                                                                 \
        cr_assert(memcmp(v_.u.s.ptr, (expected), v_.u.s.len) == 0, "'%.*s' != '%s'",              \
                  (int)v_.u.s.len, v_.u.s.ptr, (expected));                                       \
    } while (0)

/* rc is EXPR_THROWN with an exception of `type` whose message contains `msg` (NULL: any). */
#define assert_thrown(rc, type, msg)                                                              \
    do {                                                                                          \
        cr_assert_eq((rc), EXPR_THROWN, "no exception (expected %s)", type);                      \
        cr_assert_str_eq(rt.exception_type, type);                                                \
        if (msg)                                                                                  \
            cr_assert(strstr(rt.exception_message, (msg) ? (msg) : "") != NULL,                   \
                      "message '%s' lacks '%s'", rt.exception_message, (msg) ? (msg) : "");       \
    } while (0)

/* Compiles and runs a whole policy expression ("@(...)" / "@{...}") without `context`, in
 * the test's runtime (rt.now_ticks may be set first): its outcome (expr_outcome.h). The
 * program is compiled into the test's arena, freed with it. */
static char lib_result[1024];

static inline const char *run_expr(const char *text)
{
    expr_compile_options_t o = {0};
    return expr_outcome(&lib_arena, &o, &rt, text, lib_result, sizeof lib_result);
}

#define EXPECT(text, want) cr_expect_str_eq(run_expr(text), want, "%s => %s", text, lib_result)

#endif
