/* liquid_internal: what liquid.c (parser, renderer) and liquid_filters.c (filters, dates)
 * share. Private to the liquid module; the contract is liquid.h. */
#ifndef MERIDIAN_POLICY_LIQUID_INTERNAL_H
#define MERIDIAN_POLICY_LIQUID_INTERNAL_H

#include "policy/liquid.h"

#include <stdbool.h>
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
/* true when v is a number; *d its value. */
bool liquid__number(const json_t *v, double *d);

#endif
