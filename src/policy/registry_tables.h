/* registry_tables: private shorthand for the descriptor tables of policies_*.c. Only those
 * files include it; the contract is registry.h. Compound literals at file scope have static
 * storage, so every table below is a constant built by the compiler. */
#ifndef MERIDIAN_POLICY_REGISTRY_TABLES_H
#define MERIDIAN_POLICY_REGISTRY_TABLES_H

#include "policy/registry.h"

#define R POLICY_ATTR_REQUIRED
#define LIT POLICY_ATTR_NO_EXPR
#define EXT POLICY_ATTR_EXTERNAL

#define A_STR(n, fl) {.name = n, .type = POLICY_ATTR_STRING, .flags = (fl)}
#define A_STRD(n, fl, def) {.name = n, .type = POLICY_ATTR_STRING, .flags = (fl), .default_value = def}
#define A_BOOL(n, fl, def) {.name = n, .type = POLICY_ATTR_BOOL, .flags = (fl), .default_value = def}
#define A_INT(n, fl, def, lo, hi)                                                                  \
    {.name = n, .type = POLICY_ATTR_INT, .flags = (fl), .default_value = def, .min = lo, .max = hi}
#define A_DUR(n, fl, def, hi)                                                                      \
    {.name = n, .type = POLICY_ATTR_DURATION, .flags = (fl), .default_value = def, .max = hi}
#define A_NUM(n, fl, def) {.name = n, .type = POLICY_ATTR_NUMBER, .flags = (fl), .default_value = def}
#define A_URL(n, fl) {.name = n, .type = POLICY_ATTR_URL, .flags = (fl)}
#define A_ENUM(n, fl, def, ...)                                                                    \
    {.name = n,                                                                                    \
     .type = POLICY_ATTR_ENUM,                                                                     \
     .flags = (fl),                                                                                \
     .default_value = def,                                                                         \
     .enum_values = (const char *const[]){__VA_ARGS__, NULL}}

#define ATTRS(...)                                                                                 \
    .attrs = (const policy_attr_spec_t[]){__VA_ARGS__},                                            \
    .attr_count = sizeof((const policy_attr_spec_t[]){__VA_ARGS__}) / sizeof(policy_attr_spec_t)

#define CHILDREN(...)                                                                              \
    .content = POLICY_CONTENT_ELEMENTS, .children = (const policy_child_spec_t[]){__VA_ARGS__},    \
    .child_count = sizeof((const policy_child_spec_t[]){__VA_ARGS__}) / sizeof(policy_child_spec_t)

/* A child element checked by its own spec (the designated initialisers of an element spec). */
#define CHILD(n, lo, hi, ...)                                                                      \
    {.name = n, .min_count = lo, .max_count = hi, .element = &(const policy_element_spec_t){__VA_ARGS__}}
/* A child element holding only text (<value>, <set-url>, <origin>). */
#define TEXT_CHILD(n, lo, hi) CHILD(n, lo, hi, .content = POLICY_CONTENT_TEXT)
/* A child element checked as the registered policy of the same name. */
#define POLICY_CHILD(n, lo, hi) {.name = n, .policy = n, .min_count = lo, .max_count = hi}

#define TEXT .content = POLICY_CONTENT_TEXT
#define STATEMENTS .content = POLICY_CONTENT_STATEMENTS
#define ANY_CONTENT .content = POLICY_CONTENT_ANY

/* Helpers for check functions (registry.c). */
/* Number of the attributes named in `names` (NULL-terminated) that `element` carries. */
size_t policy_check_count_present(const policy_doc_node_t *element, const char *const *names);
/* "exactly one of" / "at least one of": 0, or fills *err naming the attributes. */
int policy_check_exactly_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             const char *const *names, policy_doc_error_t *err);
int policy_check_at_least_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                              const char *const *names, policy_doc_error_t *err);
int policy_check_at_most_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             const char *const *names, policy_doc_error_t *err);

#endif
