/* liquid_internal: what the parser (liquid.c), the renderer (liquid_render.c) and the filters
 * (liquid_filters.c) share: the compiled template and the value helpers. Private to the
 * liquid module; the contract is liquid.h. */
#ifndef MERIDIAN_POLICY_LIQUID_INTERNAL_H
#define MERIDIAN_POLICY_LIQUID_INTERNAL_H

#include "policy/liquid.h"

#include "base/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct liquid__render liquid__render_t;

/* A filter: `in` and args are borrowed; *out is a new reference. 0, or a negative code
 * with the render error set through liquid__fail. */
typedef int (*liquid__filter_fn)(liquid__render_t *r, json_t *in, json_t *const *args, size_t argc,
                                 json_t **out);

typedef struct {
    const char *name; /* PascalCase, as the vendor documents it */
    unsigned min_args, max_args;
    liquid__filter_fn fn;
} liquid__filter_def_t;

/* The filter written `name` (PascalCase, all lower case, or snake_case), or NULL. */
const liquid__filter_def_t *liquid__filter_find(const char *name, size_t len);

struct liquid__render {
    json_t *model;
    json_t *locals; /* assign, capture, for variables, forloop */
    liquid_error_t *err;
    const char *text; /* the template text, for error positions */
    long long now;
    uint64_t steps;
    size_t offset; /* where the construct being evaluated starts, for errors */
    int interrupt; /* 0, or a break/continue unwinding to its loop */
};

/* Fills the render error at r->offset; returns -EINVAL. */
int liquid__fail(liquid__render_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a value's text: strings as they are, numbers as .NET prints them, true/false,
 * nil as nothing, arrays as their items' texts one after the other, objects as JSON. */
int liquid__text(const json_t *v, buf_t *out);
/* A value as text in a new JSON string (strings: a new reference to the same). NULL: memory. */
json_t *liquid__to_string(json_t *v);
/* Liquid's ==: numbers by value (integer and decimal alike), strings ordinally, arrays and
 * objects structurally, nil equals only nil. */
bool liquid__equal(const json_t *a, const json_t *b);
/* Ordering of two numbers or two strings: true with *cmp (<0, 0, >0); false when the two
 * cannot be ordered (Liquid then says the comparison is false). */
bool liquid__compare(const json_t *a, const json_t *b, int *cmp);
/* A new JSON string with b's bytes; b is freed. NULL: memory. */
json_t *liquid__buf_to_string(buf_t *b);
/* The end of a filter that built its result in b: rc non-zero (an append failed) frees b and
 * returns -ENOMEM; else *out = liquid__buf_to_string(b) and 0. */
int liquid__buf_result(buf_t *b, int rc, json_t **out);
/* The number of characters of UTF-8 text (Liquid's Size and the string filters count
 * characters, not bytes): every byte that is not a continuation byte. */
size_t liquid__utf8_count(const char *s, size_t len);
/* The Date filter (liquid_dates.c). */
int liquid__filter_date(liquid__render_t *r, json_t *in, json_t *const *args, size_t argc,
                        json_t **out);
/* true when v is a number; *d its value. */
bool liquid__number(const json_t *v, double *d);

/* ---- the compiled template, shared by the parser (liquid.c) and the renderer
 * (liquid_render.c) ---- */

typedef struct lq_expr lq_expr_t;

enum { E_LIT, E_VAR, E_RANGE, E_EMPTY, E_BLANK };
enum { L_NIL, L_TRUE, L_FALSE, L_STRING, L_INT, L_REAL };

typedef struct {
    const char *name; /* .name; NULL: [index] */
    size_t len;
    lq_expr_t *index;
} lq_seg_t;

struct lq_expr {
    int kind;
    size_t offset;
    int lit;             /* E_LIT: L_* */
    const char *str;     /* L_STRING (in the template text) */
    size_t str_len;
    long long ival;      /* L_INT */
    double dval;         /* L_REAL */
    const char *root;
    size_t root_len;
    lq_seg_t *segs;
    size_t seg_count;
    lq_expr_t *from, *to; /* E_RANGE */
};

typedef struct {
    const liquid__filter_def_t *def;
    lq_expr_t **args;
    size_t argc;
    size_t offset;
} lq_call_t;

typedef struct {
    lq_expr_t *expr;
    lq_call_t *calls;
    size_t call_count;
} lq_filtered_t;

enum { C_TRUTHY, C_EQ, C_NE, C_LT, C_GT, C_LE, C_GE, C_CONTAINS, C_AND, C_OR };

typedef struct lq_cond lq_cond_t;
struct lq_cond {
    int op;
    lq_expr_t *lhs, *rhs; /* comparisons */
    lq_cond_t *left, *right; /* C_AND, C_OR */
};

typedef struct lq_node lq_node_t;

/* One branch of if/unless (cond) or case (whens). */
typedef struct lq_branch lq_branch_t;
struct lq_branch {
    lq_cond_t *cond;
    bool negate; /* unless */
    lq_expr_t **whens;
    size_t when_count;
    lq_node_t *body;
    lq_branch_t *next;
};

enum { N_TEXT, N_OUTPUT, N_IF, N_CASE, N_FOR, N_ASSIGN, N_CAPTURE, N_BREAK, N_CONTINUE };

struct lq_node {
    int kind;
    size_t offset;
    lq_node_t *next;
    const char *text; /* N_TEXT */
    size_t len;
    lq_filtered_t value; /* N_OUTPUT, N_ASSIGN */
    const char *name;    /* N_ASSIGN, N_CAPTURE, N_FOR */
    size_t name_len;
    lq_branch_t *branches; /* N_IF, N_CASE */
    lq_node_t *else_body;  /* N_IF, N_CASE, N_FOR */
    lq_expr_t *subject;    /* N_CASE */
    lq_expr_t *collection, *limit, *skip; /* N_FOR */
    bool reversed;
    lq_node_t *body; /* N_FOR, N_CAPTURE */
};

struct liquid_template {
    arena_t own_arena; /* liquid_compile: everything lives here */
    arena_t *arena;    /* own_arena, or the caller's (liquid_compile_in) */
    char *text;
    size_t len;
    lq_node_t *root;
};

#endif
