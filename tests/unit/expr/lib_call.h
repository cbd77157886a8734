/* Test helper for the built-in libraries: calls a native member straight from its class's
 * table (no checker/interpreter), in a runtime over a fresh arena per test. */
#ifndef MERIDIAN_TESTS_EXPR_LIB_CALL_H
#define MERIDIAN_TESTS_EXPR_LIB_CALL_H

#include "expr/compile.h"
#include "expr/value.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static arena_t lib_arena;
static arena_t lib_cfg_arena; /* compiled programs of run_expr */
static expr_rt_t rt;

static void lib_setup(void)
{
    arena_init(&lib_arena, 4096);
    expr_rt_init(&rt, &lib_arena, NULL);
}

static void lib_teardown(void)
{
    expr_rt_end(&rt);
    arena_free(&lib_arena);
    if (lib_cfg_arena.chunk_size) arena_free(&lib_cfg_arena);
    memset(&lib_cfg_arena, 0, sizeof lib_cfg_arena);
}

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
 * the test's runtime (rt.now_ticks may be set first). Returns the result's ToString(),
 * "null", "!Type: message" for an exception, or "error L:C: message". */
static char lib_result[1024];

static inline const char *run_expr(const char *text)
{
    if (!lib_cfg_arena.chunk_size) arena_init(&lib_cfg_arena, 4096);
    expr_compile_options_t o = {0};
    expr_program_t *p;
    expr_error_t err;
    if (expr_compile(&lib_cfg_arena, text, strlen(text), &o, &p, &err)) {
        snprintf(lib_result, sizeof lib_result, "error %u:%u: %s", err.pos.line, err.pos.col, err.message);
        return lib_result;
    }
    expr_value_t v, s;
    rt.has_exception = false;
    if (expr_run(p, &rt, &v))
        snprintf(lib_result, sizeof lib_result, "!%s: %s", rt.exception_type, rt.exception_message);
    else if (v.tag == EXPR_V_NULL) snprintf(lib_result, sizeof lib_result, "null");
    else if (expr_value_to_string(&rt, &v, &s)) snprintf(lib_result, sizeof lib_result, "!tostring");
    else snprintf(lib_result, sizeof lib_result, "%.*s", (int)s.u.s.len, s.u.s.ptr);
    return lib_result;
}

#define EXPECT(text, want) cr_expect_str_eq(run_expr(text), want, "%s => %s", text, lib_result)

#endif
