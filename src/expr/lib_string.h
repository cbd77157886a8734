/* lib_string: what lib_string.c (string's instance members, its class) and
 * lib_string_static.c (its static members, StringComparison, StringSplitOptions) share.
 * Internal to the string library; contract of the classes: value.h. */
#ifndef MERIDIAN_EXPR_LIB_STRING_H
#define MERIDIAN_EXPR_LIB_STRING_H

#include "expr/lib_text.h"

/* A StringComparison: CurrentCulture 0, CurrentCultureIgnoreCase 1, InvariantCulture 2,
 * InvariantCultureIgnoreCase 3, Ordinal 4, OrdinalIgnoreCase 5. */
typedef struct {
    bool ignore_case;
    bool culture; /* linguistic order (approximated, see expr_string_compare) */
} expr_string_cmp_t;

#define CMP_ORDINAL ((expr_string_cmp_t){false, false})
#define CMP_CULTURE ((expr_string_cmp_t){false, true})

/* A StringComparison argument; anything else is an ArgumentException. */
int expr_string_arg_comparison(expr_rt_t *rt, const expr_value_t *v, expr_string_cmp_t *cmp);
/* Ordinal: the difference of the first differing UTF-16 units (or of the lengths).
 * Culture: case-insensitive order first, then lower case first; -1, 0 or 1. */
int expr_string_compare(expr_rt_t *rt, const char *a, size_t alen, const char *b, size_t blen,
                        expr_string_cmp_t cmp, int *result);
int expr_string_equal(expr_rt_t *rt, const char *a, size_t alen, const char *b, size_t blen,
                      expr_string_cmp_t cmp, bool *eq);
/* A string or char argument as UTF-8 (a char is encoded into tmp). */
int expr_string_arg_text(expr_rt_t *rt, const expr_value_t *v, const char *param, char tmp[4],
                         const char **p, size_t *len);
/* A char or char[] argument as UTF-16 units (null: none). */
int expr_string_arg_chars(expr_rt_t *rt, const expr_value_t *v, const char *param, uint16_t **chars,
                          size_t *n);
/* UTF-16 units [start, start+count) of a string, validated by the caller. */
int expr_string_sub_units(expr_rt_t *rt, const char *p, size_t len, size_t start, size_t count,
                          expr_value_t *out);

/* Natives of lib_string_static.c listed in lib_string.c's member table. */
EXPR_NATIVE_DECL(expr_string_static_equals);
EXPR_NATIVE_DECL(expr_string_compare_fn);
EXPR_NATIVE_DECL(expr_string_compare_ordinal);
EXPR_NATIVE_DECL(expr_string_is_null_or_empty);
EXPR_NATIVE_DECL(expr_string_is_null_or_white_space);
EXPR_NATIVE_DECL(expr_string_empty);
EXPR_NATIVE_DECL(expr_string_format);
EXPR_NATIVE_DECL(expr_string_join);
EXPR_NATIVE_DECL(expr_string_concat);
EXPR_NATIVE_DECL(expr_string_ctor);

#endif
