/* The runtime the expression tests call natives and run programs in: `rt` over `lib_arena`,
 * fresh for every test (TestSuite(..., .init = lib_setup, .fini = lib_teardown)). Shared by
 * lib_call.h, lib_test_util.h and the tests that call a library's C API or natives
 * directly. Header-only: every test is one translation unit. */
#ifndef MERIDIAN_TESTS_EXPR_LIB_RT_H
#define MERIDIAN_TESTS_EXPR_LIB_RT_H

#include "base/arena.h"
#include "expr/value.h"

static arena_t lib_arena;
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
}

#endif
