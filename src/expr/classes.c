/* Class lookup over the libraries' tables (value.h): names, members, derivation, and the
 * walk over every known class that dynamic dispatch needs. Compile time only: nothing here
 * runs per request except expr_class_is (pointer walk). */
#include "expr/bound.h"

#include <stdlib.h>
#include <string.h>

static const expr_class_t *const *const all_lists[] = {
    expr_lib_object_classes, expr_lib_string_classes, expr_lib_number_classes,
    expr_lib_net_classes,    expr_lib_datetime_classes, expr_lib_regex_classes,
    expr_lib_crypto_classes, expr_lib_json_classes,   expr_lib_auth_classes,
    expr_lib_xml_classes, expr_lib_symmetric_classes, expr_lib_io_classes,
};
#define LIST_COUNT (sizeof all_lists / sizeof all_lists[0])

/* `name` spells cls: its C# name, its full name, or a dotted suffix of the full name
 * ("String", "Text.Encoding" for System.Text.Encoding). */
static bool name_matches(const expr_class_t *cls, const char *name, size_t len)
{
    if (cls->name && strlen(cls->name) == len && memcmp(cls->name, name, len) == 0) return true;
    const char *full = cls->full_name;
    if (!full) return false;
    size_t flen = strlen(full);
    if (flen == len && memcmp(full, name, len) == 0) return true;
    return flen > len && full[flen - len - 1] == '.' && memcmp(full + flen - len, name, len) == 0;
}

const expr_class_t *expr_class_by_name(const char *name, size_t len)
{
    for (size_t l = 0; l < LIST_COUNT; l++)
        for (const expr_class_t *const *c = all_lists[l]; *c; c++)
            if ((*c)->is_nameable && name_matches(*c, name, len)) return *c;
    return NULL;
}

const expr_class_t *expr_class_by_name_in(const expr_compile_options_t *opts, const char *name,
                                          size_t len)
{
    for (const expr_class_t *const *c = opts->host_classes; c && *c; c++)
        if (name_matches(*c, name, len)) return *c;
    return expr_class_by_name(name, len);
}

const expr_class_t *expr_value_class(const expr_value_t *v)
{
    switch ((expr_vtag_t)v->tag) {
    case EXPR_V_NULL: return NULL;
    case EXPR_V_BOOL: return &expr_class_bool;
    case EXPR_V_INT: return &expr_class_int;
    case EXPR_V_LONG: return &expr_class_long;
    case EXPR_V_DOUBLE: return &expr_class_double;
    case EXPR_V_CHAR: return &expr_class_char;
    case EXPR_V_STRING: return &expr_class_string;
    case EXPR_V_BYTES: return &expr_class_bytes;
    case EXPR_V_DATETIME: return &expr_class_datetime;
    case EXPR_V_TIMESPAN: return &expr_class_timespan;
    case EXPR_V_GUID: return &expr_class_guid;
    case EXPR_V_ARRAY: return &expr_class_array;
    case EXPR_V_OBJECT: return v->u.obj.cls;
    case EXPR_V_LAMBDA:
    case EXPR_V_TAG_COUNT: break;
    }
    return &expr_class_object;
}

const expr_member_t *expr_class_find(const expr_class_t *cls, const char *name,
                                     expr_member_kind_t kind)
{
    for (const expr_class_t *c = cls; c; c = c->base) {
        for (size_t i = 0; i < c->member_count; i++) {
            const expr_member_t *m = &c->members[i];
            if (m->kind == kind && strcmp(m->name, name) == 0) return m;
        }
        if (c == &expr_class_object) return NULL;
    }
    if (cls == &expr_class_object) return NULL;
    return expr_class_find(&expr_class_object, name, kind);
}

bool expr_class_is(const expr_class_t *cls, const expr_class_t *ancestor)
{
    if (ancestor == &expr_class_object) return cls != NULL;
    for (const expr_class_t *c = cls; c; c = c->base)
        if (c == ancestor) return true;
    return false;
}

bool expr_class_is_enumerable(const expr_class_t *cls)
{
    for (const expr_class_t *c = cls; c; c = c->base)
        if (c->enumerate || c == &expr_class_array || c == &expr_class_string ||
            c == &expr_class_bytes || c == &expr_class_enumerable)
            return true;
    return false;
}

/* ---- the walk over every class ---- */

#define VISIT_MAX 1024

typedef struct {
    const expr_class_t *seen[VISIT_MAX];
    size_t count;
    expr_class_visit_fn fn;
    void *ctx;
} visit_t;

static void visit(visit_t *v, const expr_class_t *cls, unsigned depth)
{
    if (!cls || depth > 32) return;
    for (size_t i = 0; i < v->count; i++)
        if (v->seen[i] == cls) return;
    if (v->count == VISIT_MAX) return;
    v->seen[v->count++] = cls;
    v->fn(cls, v->ctx);
    visit(v, cls->base, depth + 1);
    visit(v, cls->elem, depth + 1);
    visit(v, cls->extends, depth + 1);
    for (size_t i = 0; i < cls->member_count; i++) {
        visit(v, cls->members[i].ret.cls, depth + 1);
        visit(v, cls->members[i].ret.elem, depth + 1);
    }
}

void expr_classes_visit(const expr_compile_options_t *opts, expr_class_visit_fn fn, void *ctx)
{
    visit_t *v = calloc(1, sizeof *v); /* compile time: may abort on no memory (STYLE §4) */
    if (!v) abort();
    v->fn = fn;
    v->ctx = ctx;
    for (size_t l = 0; l < LIST_COUNT; l++)
        for (const expr_class_t *const *c = all_lists[l]; *c; c++) visit(v, *c, 0);
    visit(v, opts->context_class, 0);
    for (const expr_class_t *const *c = opts->host_classes; c && *c; c++) visit(v, *c, 0);
    free(v);
}
