/* The runtime state of one evaluation: exceptions, arena allocation, cleanups, the clock
 * (value.h). */
#include "expr/value.h"

#include "base/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Ticks from 0001-01-01 to the Unix epoch (.NET DateTime.UnixEpoch.Ticks). */
#define UNIX_EPOCH_TICKS 621355968000000000LL

void expr_rt_init(expr_rt_t *rt, arena_t *arena, void *host)
{
    memset(rt, 0, sizeof *rt);
    rt->arena = arena;
    rt->host = host;
}

void expr_rt_end(expr_rt_t *rt)
{
    expr_cleanup_t *c = rt->cleanups;
    rt->cleanups = NULL;
    while (c) {
        expr_cleanup_t *next = c->next;
        c->fn(c->ptr);
        c = next;
    }
}

int expr_throw(expr_rt_t *rt, const char *type, const char *fmt, ...)
{
    rt->has_exception = true;
    if (strchr(type, '.')) snprintf(rt->exception_type, sizeof rt->exception_type, "%s", type);
    else snprintf(rt->exception_type, sizeof rt->exception_type, "System.%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rt->exception_message, sizeof rt->exception_message, fmt, ap);
    va_end(ap);
    return EXPR_THROWN;
}

void *expr_rt_alloc(expr_rt_t *rt, size_t size)
{
    uint64_t limit = rt->memory_limit ? rt->memory_limit : EXPR_DEFAULT_MEMORY;
    if (size > limit || rt->allocated + size > limit) {
        expr_throw(rt, "OutOfMemoryException",
                   "Insufficient memory to continue the execution of the program (the "
                   "expression used more than its %llu bytes).",
                   (unsigned long long)limit);
        return NULL;
    }
    rt->allocated += size;
    void *p = arena_alloc(rt->arena, size ? size : 1);
    if (!p) expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
    return p;
}

int expr_rt_defer(expr_rt_t *rt, expr_cleanup_fn fn, void *ptr)
{
    expr_cleanup_t *c = expr_rt_alloc(rt, sizeof *c);
    if (!c) {
        fn(ptr);
        return EXPR_THROWN;
    }
    c->fn = fn;
    c->ptr = ptr;
    c->next = rt->cleanups;
    rt->cleanups = c;
    return 0;
}

int64_t expr_rt_now_ticks(expr_rt_t *rt)
{
    if (!rt->now_ticks) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rt->now_ticks = UNIX_EPOCH_TICKS + (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
    }
    return rt->now_ticks;
}

int expr_str_copy(expr_rt_t *rt, const char *ptr, size_t len, expr_value_t *out)
{
    if (len > UINT32_MAX) return expr_throw(rt, "OutOfMemoryException", "string too long");
    char *p = expr_rt_alloc(rt, len + 1);
    if (!p) return EXPR_THROWN;
    if (len) memcpy(p, ptr, len);
    p[len] = '\0';
    *out = expr_str_ref(p, len);
    return 0;
}

int expr_str_printf(expr_rt_t *rt, expr_value_t *out, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return expr_throw(rt, "FormatException", "bad format");
    }
    char *p = expr_rt_alloc(rt, (size_t)n + 1);
    if (!p) {
        va_end(ap2);
        return EXPR_THROWN;
    }
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    *out = expr_str_ref(p, (size_t)n);
    return 0;
}
