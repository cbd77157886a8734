/* The checker, part 1: names, types, member access, calls, indexers and object creation
 * (compile.h). Every member is resolved against the class tables here, once, when the
 * configuration is compiled; what cannot be bound is an error naming it. */
#include "expr/check_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern const expr_member_t expr_core_index_member; /* lib_object.c: T[], string, byte[] */

bnode_t *chk_fail(chk_t *c, const expr_node_t *at, int code, const char *fmt, ...)
{
    if (c->rc) return NULL; /* keep the first error */
    c->rc = code;
    if (c->err) {
        c->err->code = code;
        c->err->pos = at ? at->pos : (expr_pos_t){0, 0, 1, 1};
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

bnode_t *chk_node(chk_t *c, bop_t op, expr_type_t type)
{
    bnode_t *b = arena_alloc(c->arena, sizeof *b);
    if (!b) return chk_fail(c, NULL, EXPR_ERR_NOMEM, "out of memory");
    memset(b, 0, sizeof *b);
    b->op = (uint8_t)op;
    b->type = type;
    return b;
}

chk_func_t *chk_enter_function(chk_t *c, const expr_node_t *at, const char *what, uint32_t *saved_vars)
{
    if (c->level + 1 >= CHK_MAX_LEVELS) {
        chk_fail(c, at, EXPR_ERR_LIMIT, "%s nested too deeply", what);
        return NULL;
    }
    *saved_vars = c->nvars;
    c->level++;
    chk_func_t *f = &c->funcs[c->level];
    memset(f, 0, sizeof *f);
    f->breakable_base = c->nbreakables;
    f->catch_slot = -1;
    return f;
}

void chk_leave_function(chk_t *c, uint32_t saved_vars)
{
    c->level--;
    c->nvars = saved_vars;
}

bnode_t *chk_const(chk_t *c, expr_value_t k, expr_type_t type)
{
    bnode_t *b = chk_node(c, B_CONST, type);
    if (b) b->u.k = k;
    return b;
}

bool chk_is_null_literal(const bnode_t *b)
{
    return b->op == B_CONST && b->u.k.tag == EXPR_V_NULL;
}

/* ---- types ---- */

const char *chk_type_name(chk_t *c, expr_type_t t)
{
    if (!t.cls) return "object";
    if (t.cls == &expr_class_array) {
        const char *e = t.elem ? t.elem->name : "object";
        char *s = arena_alloc(c->arena, strlen(e) + 3);
        if (!s) return "array";
        sprintf(s, "%s[]", e);
        return s;
    }
    return t.cls->name;
}

expr_type_t chk_elem_of(expr_type_t t)
{
    if (t.elem) return (expr_type_t){t.elem, NULL};
    if (t.cls == &expr_class_string) return (expr_type_t){&expr_class_char, NULL};
    if (t.cls == &expr_class_bytes) return (expr_type_t){&expr_class_int, NULL};
    for (const expr_class_t *k = t.cls; k; k = k->base)
        if (k->elem) return (expr_type_t){k->elem, NULL};
    return (expr_type_t){NULL, NULL};
}

static const expr_class_t *predef_class(expr_predef_t p)
{
    switch (p) {
    case EXPR_PREDEF_BOOL: return &expr_class_bool;
    case EXPR_PREDEF_BYTE:
    case EXPR_PREDEF_SBYTE:
    case EXPR_PREDEF_SHORT:
    case EXPR_PREDEF_USHORT:
    case EXPR_PREDEF_INT: return &expr_class_int;
    case EXPR_PREDEF_UINT:
    case EXPR_PREDEF_LONG:
    case EXPR_PREDEF_ULONG: return &expr_class_long;
    case EXPR_PREDEF_CHAR: return &expr_class_char;
    case EXPR_PREDEF_DECIMAL:
    case EXPR_PREDEF_FLOAT:
    case EXPR_PREDEF_DOUBLE: return &expr_class_double;
    case EXPR_PREDEF_OBJECT: return NULL;
    case EXPR_PREDEF_STRING: return &expr_class_string;
    case EXPR_PREDEF_VOID: return &expr_class_void;
    case EXPR_PREDEF_COUNT: break;
    }
    return NULL;
}

/* The dotted spelling of a qualified type name or a member chain of plain names
 * (System.Text.Encoding), into buf; false when the node is not such a chain. */
static bool dotted_name(const expr_node_t *n, char *buf, size_t cap, size_t *len)
{
    if (n->kind == EXPR_TYPE_PREDEFINED) {
        const char *s = expr_predef_name((expr_predef_t)n->op);
        size_t l = strlen(s);
        if (l + 1 > cap) return false;
        memcpy(buf, s, l + 1);
        *len = l;
        return true;
    }
    if (n->kind != EXPR_NAME && n->kind != EXPR_MEMBER && n->kind != EXPR_TYPE_NAME) return false;
    if (n->flags & EXPR_F_CONDITIONAL) return false;
    size_t at = 0;
    if (n->u.name.target) {
        if (!dotted_name(n->u.name.target, buf, cap, &at)) return false;
        if (at + 1 >= cap) return false;
        buf[at++] = '.';
    }
    if (at + n->u.name.name.len + 1 > cap) return false;
    memcpy(buf + at, n->u.name.name.ptr, n->u.name.name.len);
    at += n->u.name.name.len;
    buf[at] = '\0';
    *len = at;
    return true;
}

/* The class a name chain spells, when it is not a value (a local or `context` at its
 * root). NULL otherwise. */
static const expr_class_t *chain_class(chk_t *c, const expr_node_t *n)
{
    if (n->kind == EXPR_TYPE_PREDEFINED) return predef_class((expr_predef_t)n->op);
    const expr_node_t *root = n;
    while ((root->kind == EXPR_MEMBER || root->kind == EXPR_TYPE_NAME) && root->u.name.target)
        root = root->u.name.target;
    if (root->kind == EXPR_NAME) {
        if (chk_find_var(c, root->u.name.name)) return NULL;
        if (slice_eq(root->u.name.name, slice_from_cstr("context")) && c->opts->context_class)
            return NULL;
    }
    char buf[256];
    size_t len;
    if (!dotted_name(n, buf, sizeof buf, &len)) return NULL;
    return expr_class_by_name_in(c->opts, buf, len);
}

/* False when `n` is a chain of plain names (a.b.c) whose root is not a local or
 * `context` and no prefix of which names a class: then it can only be a misspelt or
 * unsupported qualified type name. */
static bool unknown_qualified_ok(chk_t *c, const expr_node_t *n)
{
    const expr_node_t *k = n;
    while (k->kind == EXPR_MEMBER && !(k->flags & EXPR_F_CONDITIONAL) && !k->u.name.type_args.count) {
        if (chain_class(c, k)) return true;
        k = k->u.name.target;
    }
    if (k->kind != EXPR_NAME) return true;
    if (chk_find_var(c, k->u.name.name)) return true;
    if (slice_eq(k->u.name.name, slice_from_cstr("context")) && c->opts->context_class) return true;
    return expr_class_by_name_in(c->opts, k->u.name.name.ptr, k->u.name.name.len) != NULL;
}

static bool starts_with_namespace(const expr_node_t *n)
{
    while (n->kind == EXPR_MEMBER) n = n->u.name.target;
    if (n->kind != EXPR_NAME) return false;
    static const char *const roots[] = {"System", "Newtonsoft", "Microsoft"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (slice_eq(n->u.name.name, slice_from_cstr(roots[i]))) return true;
    return false;
}

bool chk_type(chk_t *c, const expr_node_t *n, expr_type_t *out)
{
    switch ((expr_kind_t)n->kind) {
    case EXPR_TYPE_PREDEFINED:
        if (n->op == EXPR_PREDEF_VOID) {
            chk_fail(c, n, EXPR_ERR_SYNTAX, "'void' is not a type of a value");
            return false;
        }
        *out = (expr_type_t){predef_class((expr_predef_t)n->op), NULL};
        return true;
    case EXPR_TYPE_NULLABLE: return chk_type(c, n->u.unary.operand, out);
    case EXPR_TYPE_ARRAY: {
        if (n->u.array.rank != 1) {
            chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "multi-dimensional arrays are not supported");
            return false;
        }
        const expr_node_t *e = n->u.array.element;
        if (e->kind == EXPR_TYPE_PREDEFINED &&
            (e->op == EXPR_PREDEF_BYTE || e->op == EXPR_PREDEF_SBYTE)) {
            *out = (expr_type_t){&expr_class_bytes, &expr_class_int};
            return true;
        }
        expr_type_t et;
        if (!chk_type(c, e, &et)) return false;
        if (et.cls == &expr_class_array) {
            chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "arrays of arrays are not supported");
            return false;
        }
        *out = (expr_type_t){&expr_class_array, et.cls};
        return true;
    }
    case EXPR_TYPE_NAME:
    case EXPR_NAME:
    case EXPR_MEMBER: {
        char buf[256];
        size_t len;
        if (!dotted_name(n, buf, sizeof buf, &len)) {
            chk_fail(c, n, EXPR_ERR_SYNTAX, "not a type name");
            return false;
        }
        const expr_list_t *targs = &n->u.name.type_args;
        if (strcmp(buf, "Nullable") == 0 || strcmp(buf, "System.Nullable") == 0) {
            if (targs->count == 1) return chk_type(c, targs->items[0], out);
        }
        const expr_class_t *cls = expr_class_by_name_in(c->opts, buf, len);
        if (!cls) {
            chk_fail(c, n, EXPR_ERR_SYNTAX, "the type or namespace name '%s' could not be found",
                     buf);
            return false;
        }
        *out = (expr_type_t){cls, NULL};
        /* List<T>, IEnumerable<T>...: the last type argument is the element type. */
        if (targs->count > 0) {
            expr_type_t et;
            if (!chk_type(c, targs->items[targs->count - 1], &et)) return false;
            if (targs->count == 1) out->elem = et.cls;
        }
        return true;
    }
    case EXPR_TYPE_VAR:
        chk_fail(c, n, EXPR_ERR_SYNTAX, "'var' is not allowed here");
        return false;
    default:
        chk_fail(c, n, EXPR_ERR_SYNTAX, "a type was expected");
        return false;
    }
}

/* ---- locals ---- */

chk_var_t *chk_find_var(chk_t *c, slice_t name)
{
    for (uint32_t i = c->nvars; i-- > 0;)
        if (slice_eq(c->vars[i].name, name)) return &c->vars[i];
    return NULL;
}

chk_var_t *chk_declare(chk_t *c, const expr_node_t *at, slice_t name, expr_type_t type)
{
    if ((name.len && name.ptr[0] != ' ' && chk_find_var(c, name)) ||
        (slice_eq(name, slice_from_cstr("context")) && c->opts->context_class)) {
        chk_fail(c, at, EXPR_ERR_SYNTAX,
                 "a local variable named '%.*s' is already defined in this scope",
                 (int)name.len, name.ptr);
        return NULL;
    }
    chk_func_t *f = &c->funcs[c->level];
    if (f->nslots >= CHK_MAX_SLOTS) {
        chk_fail(c, at, EXPR_ERR_LIMIT, "too many local variables");
        return NULL;
    }
    if (c->nvars == c->cap_vars) {
        uint32_t cap = c->cap_vars ? c->cap_vars * 2 : 32;
        chk_var_t *v = arena_alloc(c->arena, cap * sizeof *v);
        if (!v) {
            chk_fail(c, at, EXPR_ERR_NOMEM, "out of memory");
            return NULL;
        }
        if (c->nvars) memcpy(v, c->vars, c->nvars * sizeof *v);
        c->vars = v;
        c->cap_vars = cap;
    }
    chk_var_t *v = &c->vars[c->nvars++];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->type = type;
    v->level = (uint8_t)c->level;
    v->slot = (uint16_t)f->nslots++;
    return v;
}

static bnode_t *local_ref(chk_t *c, const chk_var_t *v)
{
    if (v->is_const) return chk_const(c, v->k, v->type);
    bnode_t *b = chk_node(c, B_LOCAL, v->type);
    if (!b) return NULL;
    b->depth = (uint8_t)(c->level - v->level);
    b->slot = v->slot;
    return b;
}

static bnode_t *bind_name(chk_t *c, const expr_node_t *n)
{
    slice_t name = n->u.name.name;
    chk_var_t *v = chk_find_var(c, name);
    if (v) return local_ref(c, v);
    if (slice_eq(name, slice_from_cstr("context")) && c->opts->context_class)
        return chk_node(c, B_CONTEXT, (expr_type_t){c->opts->context_class, NULL});
    if (expr_class_by_name_in(c->opts, name.ptr, name.len))
        return chk_fail(c, n, EXPR_ERR_SYNTAX,
                        "'%.*s' is a type, which is not valid in the given context",
                        (int)name.len, name.ptr);
    return chk_fail(c, n, EXPR_ERR_SYNTAX, "the name '%.*s' does not exist in the current context",
                    (int)name.len, name.ptr);
}

/* ---- member lookup ---- */

bool chk_args_fit(const expr_member_t *m, unsigned argc)
{
    return argc >= m->min_args && (m->max_args == 255 || argc <= m->max_args);
}

/* Can a value of static type `from` be passed where `to` is declared (overload choice)? */
bool chk_arg_accepts(const expr_type_t *to, const bnode_t *arg)
{
    if (!arg || !to || !to->cls || !arg->type.cls) return true; /* lambdas, out: bound later */
    if (arg->op == B_LAMBDA) return true;
    if (chk_is_null_literal(arg)) return to->cls->tag == EXPR_V_OBJECT ||
                                         to->cls->tag == EXPR_V_STRING ||
                                         to->cls->tag == EXPR_V_ARRAY ||
                                         to->cls->tag == EXPR_V_BYTES;
    const expr_class_t *f = arg->type.cls, *t = to->cls;
    if (f == t || expr_class_is(f, t)) return true;
    if (t == &expr_class_long) return f == &expr_class_int || f == &expr_class_char;
    if (t == &expr_class_double)
        return f == &expr_class_int || f == &expr_class_long || f == &expr_class_char;
    if (t == &expr_class_int) return f == &expr_class_char;
    if (t == &expr_class_enumerable) return expr_class_is_enumerable(f);
    return false;
}


void chk_lookup_in(const expr_class_t *cls, const char *name, expr_member_kind_t kind,
                      bnode_t **args, unsigned argc, chk_lookup_t *lk)
{
    for (const expr_class_t *k = cls; k && !lk->found; k = k->base) {
        for (size_t i = 0; i < k->member_count; i++) {
            const expr_member_t *m = &k->members[i];
            if (m->kind != kind || strcmp(m->name, name) != 0) continue;
            if (!lk->any) lk->any = m;
            if (!chk_args_fit(m, argc)) continue;
            if (!lk->arity) lk->arity = m;
            bool ok = true;
            for (unsigned a = 0; ok && a < argc && m->params; a++)
                if (a < m->max_args || m->max_args != 255) ok = chk_arg_accepts(&m->params[a], args[a]);
            if (ok) {
                lk->found = m;
                return;
            }
        }
        if (k == &expr_class_object) return;
    }
    /* every class derives from object (ToString, Equals, GetHashCode) */
    if (!lk->found && cls != &expr_class_object && kind == EXPR_M_METHOD)
        chk_lookup_in(&expr_class_object, name, kind, args, argc, lk);
    /* no overload takes these types: take the one of that arity, so that the argument
       conversion names the argument that does not fit */
    if (!lk->found && cls != &expr_class_object) lk->found = lk->arity;
}

/* Extension classes whose `extends` the receiver class is. */
typedef struct {
    const expr_class_t *recv;
    const char *name;
    bnode_t **args;
    unsigned argc;
    chk_lookup_t *lk;
} ext_search_t;

static void ext_visit(const expr_class_t *cls, void *ctx)
{
    ext_search_t *s = ctx;
    if (s->lk->found || !cls->extends || !expr_class_is(s->recv, cls->extends)) return;
    const expr_class_t saved = *cls;
    (void)saved;
    for (size_t i = 0; i < cls->member_count && !s->lk->found; i++) {
        const expr_member_t *m = &cls->members[i];
        if (m->kind != EXPR_M_METHOD || strcmp(m->name, s->name) != 0) continue;
        if (!s->lk->any) s->lk->any = m;
        if (chk_args_fit(m, s->argc)) s->lk->found = m;
    }
}

/* ---- dynamic dispatch candidates ---- */

typedef struct {
    chk_t *c;
    const char *name;
    expr_member_kind_t kind;
    unsigned argc;
    bdyn_cand_t *cands;
    uint32_t count, cap;
    bool any_name; /* the name exists with some arity */
} dyn_search_t;

bool chk_cands_room(chk_t *c, bdyn_cand_t **cands, uint32_t count, uint32_t *cap)
{
    if (count < *cap) return true;
    uint32_t grown = *cap ? *cap * 2 : 8;
    bdyn_cand_t *n = arena_alloc(c->arena, grown * sizeof *n);
    if (!n) return false;
    if (count) memcpy(n, *cands, count * sizeof *n);
    *cands = n;
    *cap = grown;
    return true;
}

static void dyn_add(dyn_search_t *s, const expr_class_t *cls, const expr_member_t *m)
{
    if (!chk_cands_room(s->c, &s->cands, s->count, &s->cap)) return;
    /* more derived classes first: a JObject takes JObject's indexer, not JToken's */
    uint32_t at = s->count;
    for (uint32_t i = 0; i < s->count; i++)
        if (s->cands[i].cls != cls && expr_class_is(cls, s->cands[i].cls)) {
            at = i;
            break;
        }
    memmove(&s->cands[at + 1], &s->cands[at], (s->count - at) * sizeof *s->cands);
    s->cands[at] = (bdyn_cand_t){cls, {.member = m}};
    s->count++;
}

static void dyn_visit(const expr_class_t *cls, void *ctx)
{
    dyn_search_t *s = ctx;
    expr_member_kind_t kind = s->kind;
    const expr_class_t *as = cls;
    if (cls->extends) {
        if (kind != EXPR_M_METHOD) return;
        as = cls->extends;
    }
    for (size_t i = 0; i < cls->member_count; i++) {
        const expr_member_t *m = &cls->members[i];
        bool kind_ok = m->kind == kind ||
                       (kind == EXPR_M_METHOD && m->kind == EXPR_M_EXTENSION &&
                        cls == &expr_class_enumerable);
        if (!kind_ok || strcmp(m->name, s->name) != 0) continue;
        s->any_name = true;
        if (!chk_args_fit(m, s->argc)) continue;
        bool dup = false;
        for (uint32_t k = 0; k < s->count; k++)
            if (s->cands[k].cls == as) dup = true; /* first overload per class wins */
        if (!dup) dyn_add(s, as, m);
    }
}

/* ---- arguments ---- */


/* Binds the arguments except lambdas (bound once the member is known) and out
 * declarations; places named arguments after the positional ones in source order (they
 * are re-placed by param_names once the member is known). */
bool chk_bind_args(chk_t *c, const expr_list_t *list, chk_argv_t *av)
{
    if (list->count > 64) {
        chk_fail(c, list->items[64], EXPR_ERR_LIMIT, "too many arguments");
        return false;
    }
    av->argc = list->count;
    for (uint32_t i = 0; i < list->count; i++) {
        const expr_node_t *a = list->items[i];
        av->nodes[i] = a;
        av->args[i] = NULL;
        const expr_node_t *v = a->u.arg.value;
        if (a->op == EXPR_ARG_REF || a->op == EXPR_ARG_IN) {
            chk_fail(c, a, EXPR_ERR_UNSUPPORTED, "'%s' arguments are not supported",
                     a->op == EXPR_ARG_REF ? "ref" : "in");
            return false;
        }
        if (a->op == EXPR_ARG_OUT || v->kind == EXPR_LAMBDA) continue;
        av->args[i] = chk_expr(c, v);
        if (!av->args[i]) return false;
    }
    return true;
}

/* Puts named arguments at their parameter's position. */
bool chk_place_named(chk_t *c, const expr_member_t *m, chk_argv_t *av)
{
    bool any = false;
    for (unsigned i = 0; i < av->argc; i++)
        if (av->nodes[i]->u.arg.name.len) any = true;
    if (!any) return true;
    chk_argv_t out = {.argc = 0};
    for (unsigned i = 0; i < av->argc; i++) {
        slice_t nm = av->nodes[i]->u.arg.name;
        unsigned pos = i;
        if (nm.len) {
            pos = 64;
            for (unsigned p = 0; m->param_names && m->param_names[p] && p < 64; p++)
                if (slice_eq(nm, slice_from_cstr(m->param_names[p]))) pos = p;
            if (pos == 64) {
                chk_fail(c, av->nodes[i], EXPR_ERR_SYNTAX,
                         "'%s' does not have a parameter named '%.*s'", m->name, (int)nm.len,
                         nm.ptr);
                return false;
            }
        }
        if (pos < out.argc && out.nodes[pos]) {
            chk_fail(c, av->nodes[i], EXPR_ERR_SYNTAX, "named argument '%.*s' specifies a parameter already given",
                     (int)nm.len, nm.ptr);
            return false;
        }
        while (out.argc <= pos) {
            out.nodes[out.argc] = NULL;
            out.args[out.argc++] = NULL;
        }
        out.nodes[pos] = av->nodes[i];
        out.args[pos] = av->args[i];
    }
    for (unsigned i = 0; i < out.argc; i++)
        if (!out.nodes[i]) {
            chk_fail(c, av->nodes[0], EXPR_ERR_UNSUPPORTED,
                     "named arguments that skip optional parameter %u of '%s' are not supported",
                     i + 1, m->name);
            return false;
        }
    *av = out;
    return true;
}

/* Binds lambdas and out arguments of `b` (a B_CALL or the candidates' first member),
 * converts arguments to declared parameter types, fills b->args. */
bool chk_finish_args(chk_t *c, bnode_t *b, const expr_member_t *m, chk_argv_t *av,
                        expr_type_t recv_type, bool any_lambda_ok, uint32_t out_any)
{
    b->nargs = (uint16_t)av->argc;
    b->args = arena_alloc(c->arena, (av->argc ? av->argc : 1) * sizeof *b->args);
    if (!b->args) return chk_fail(c, NULL, EXPR_ERR_NOMEM, "out of memory"), false;
    for (unsigned i = 0; i < av->argc; i++) {
        const expr_node_t *a = av->nodes[i];
        const expr_node_t *v = a->u.arg.value;
        if (v->kind == EXPR_LAMBDA) {
            bool ok = any_lambda_ok || (m && i < 32 && (m->lambda_mask >> i) & 1);
            if (!ok)
                return chk_fail(c, v, EXPR_ERR_UNSUPPORTED,
                                "a lambda expression is not accepted as argument %u of '%s'",
                                i + 1, m ? m->name : "?"),
                       false;
            av->args[i] = chk_lambda(c, v, chk_elem_of(recv_type));
            if (!av->args[i]) return false;
        } else if (a->op == EXPR_ARG_OUT) {
            bool ok = (m && i < 32 && (m->out_mask >> i) & 1) || (i < 32 && (out_any >> i) & 1);
            if (!ok)
                return chk_fail(c, a, EXPR_ERR_SYNTAX, "argument %u of '%s' is not an out parameter",
                                i + 1, m ? m->name : "?"),
                       false;
            const chk_var_t *var;
            if (v->kind == EXPR_DECLARATION) {
                expr_type_t t = {NULL, NULL};
                if (v->u.typed.type->kind != EXPR_TYPE_VAR) {
                    if (!chk_type(c, v->u.typed.type, &t)) return false;
                } else if (m && m->params) {
                    t = m->params[i];
                }
                var = chk_declare(c, v, v->u.typed.name, t);
            } else if (v->kind == EXPR_NAME) {
                var = chk_find_var(c, v->u.name.name);
                if (!var)
                    return chk_fail(c, v, EXPR_ERR_SYNTAX,
                                    "the name '%.*s' does not exist in the current context",
                                    (int)v->u.name.name.len, v->u.name.name.ptr),
                           false;
                if (var->is_const || var->is_readonly)
                    return chk_fail(c, v, EXPR_ERR_SYNTAX, "'%.*s' cannot be assigned to",
                                    (int)v->u.name.name.len, v->u.name.name.ptr),
                           false;
            } else {
                return chk_fail(c, v, EXPR_ERR_UNSUPPORTED,
                                "an out argument must be a local variable"),
                       false;
            }
            if (!var) return false;
            if (!b->outs) {
                b->outs = arena_alloc(c->arena, av->argc * sizeof *b->outs);
                b->out_depth = arena_alloc(c->arena, av->argc);
                if (!b->outs || !b->out_depth) return chk_fail(c, NULL, EXPR_ERR_NOMEM, "out of memory"), false;
                memset(b->outs, 0, av->argc * sizeof *b->outs);
                memset(b->out_depth, 0, av->argc);
            }
            b->outs[i] = (uint16_t)(var->slot + 1);
            b->out_depth[i] = (uint8_t)(c->level - var->level);
            av->args[i] = chk_const(c, expr_null(), var->type);
            if (!av->args[i]) return false;
        } else if (m && i < 32 && ((m->out_mask >> i) & 1)) {
            return chk_fail(c, a, EXPR_ERR_SYNTAX, "argument %u of '%s' must be passed with the 'out' keyword",
                            i + 1, m->name),
                   false;
        } else if (m && m->params && (m->max_args != 255 || i < m->min_args) && m->params[i].cls) {
            av->args[i] = chk_convert_implicit(c, v, av->args[i], m->params[i]);
            if (!av->args[i]) return false;
        }
        b->args[i] = av->args[i];
    }
    return true;
}

static expr_type_t ret_type(const expr_member_t *m, expr_type_t recv, const expr_class_t *targ,
                            bnode_t **args, unsigned argc)
{
    switch ((expr_ret_rule_t)m->ret_rule) {
    case EXPR_RET_FIXED: return m->ret;
    case EXPR_RET_ELEM: return chk_elem_of(recv);
    case EXPR_RET_SAME: return recv;
    case EXPR_RET_ARG0: return argc ? args[0]->type : (expr_type_t){NULL, NULL};
    case EXPR_RET_TYPE_ARG: return (expr_type_t){targ, NULL};
    case EXPR_RET_LAMBDA_ENUM: {
        for (unsigned i = 0; i < argc; i++)
            if (args[i]->op == B_LAMBDA)
                return (expr_type_t){&expr_class_enumerable, args[i]->type.cls};
        return (expr_type_t){&expr_class_enumerable, NULL};
    }
    case EXPR_RET_ELEM_ARRAY: return (expr_type_t){&expr_class_array, chk_elem_of(recv).cls};
    }
    return (expr_type_t){NULL, NULL};
}

static bool resolve_type_arg(chk_t *c, const expr_list_t *targs, const expr_class_t **out)
{
    *out = NULL;
    if (targs->count == 0) return true;
    if (targs->count > 1)
        return chk_fail(c, targs->items[1], EXPR_ERR_UNSUPPORTED,
                        "more than one generic type argument is not supported"),
               false;
    expr_type_t t;
    if (!chk_type(c, targs->items[0], &t)) return false;
    *out = t.cls ? t.cls : &expr_class_object;
    return true;
}

/* Binds a member access, call or indexer: `n` is the EXPR_MEMBER (property or the callee
 * of an invocation), or EXPR_INDEX. args NULL for a property. */
static bnode_t *bind_access(chk_t *c, const expr_node_t *at, const expr_node_t *target,
                            slice_t name_s, const expr_list_t *targs, const expr_list_t *args,
                            bool is_index, bool cond)
{
    char name[128];
    if (is_index) strcpy(name, "[]");
    else if (name_s.len >= sizeof name)
        return chk_fail(c, at, EXPR_ERR_SYNTAX, "name too long");
    else {
        memcpy(name, name_s.ptr, name_s.len);
        name[name_s.len] = '\0';
    }
    const expr_class_t *targ;
    if (targs && !resolve_type_arg(c, targs, &targ)) return NULL;
    if (!targs) targ = NULL;

    chk_argv_t av = {.argc = 0};
    if (args && !chk_bind_args(c, args, &av)) return NULL;

    /* Type.Member: a static member */
    const expr_class_t *scls = is_index ? NULL : chain_class(c, target);
    if (scls) {
        expr_member_kind_t kind = args ? EXPR_M_STATIC_METHOD : EXPR_M_STATIC_PROPERTY;
        chk_lookup_t lk = {0};
        chk_lookup_in(scls, name, kind, av.args, av.argc, &lk);
        if (!lk.found && !lk.any && args) {
            /* methods on the class's values called with the class name (string.Equals(a, b)) are
               not the same member; report what exists */
        }
        if (!lk.found) {
            if (lk.any)
                return chk_fail(c, at, EXPR_ERR_SYNTAX, "no overload of '%s.%s' takes %u arguments",
                                scls->name, name, av.argc);
            return chk_fail(c, at, EXPR_ERR_SYNTAX, "'%s' is not a static member of %s", name,
                            scls->name);
        }
        const expr_member_t *m = lk.found;
        if (args && !chk_place_named(c, m, &av)) return NULL;
        bnode_t *b = chk_node(c, B_CALL, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        if (!chk_finish_args(c, b, m, &av, (expr_type_t){NULL, NULL}, false, 0)) return NULL;
        b->u.call = (expr_call_t){.member = m, .type_arg = targ};
        b->type = ret_type(m, (expr_type_t){NULL, NULL}, targ, b->args, b->nargs);
        if (b->type.cls == &expr_class_void) b->flags |= BF_VOID;
        return b;
    }

    /* System.Net.Foo.Bar: a qualified name where no prefix is a class or a value */
    if (target->kind == EXPR_MEMBER && starts_with_namespace(target) && !unknown_qualified_ok(c, target)) {
        char buf[256];
        size_t len;
        if (dotted_name(target, buf, sizeof buf, &len))
            return chk_fail(c, target, EXPR_ERR_SYNTAX,
                            "the type or namespace name '%s' could not be found", buf);
    }

    /* a value's member */
    bnode_t *recv = NULL;
    if (target->kind == EXPR_MEMBER || target->kind == EXPR_INVOKE || target->kind == EXPR_INDEX) {
        extern bnode_t *chk_chain(chk_t * c, const expr_node_t *n);
        recv = chk_chain(c, target);
    } else {
        recv = chk_expr(c, target);
    }
    if (!recv) return NULL;
    if (recv->op == B_LAMBDA) return chk_fail(c, target, EXPR_ERR_SYNTAX, "a lambda has no members");
    if (recv->type.cls == &expr_class_void)
        return chk_fail(c, at, EXPR_ERR_SYNTAX, "a void call has no value to take '%s' of", name);
    if (chk_is_null_literal(recv))
        return chk_fail(c, at, EXPR_ERR_SYNTAX, "'%s' of the null literal", name);
    expr_member_kind_t kind = is_index ? EXPR_M_INDEXER : args ? EXPR_M_METHOD : EXPR_M_PROPERTY;
    expr_type_t rt = recv->type;

    bnode_t *b;
    if (!rt.cls) {
        dyn_search_t s = {.c = c, .name = name, .kind = kind, .argc = av.argc};
        expr_classes_visit(c->opts, dyn_visit, &s);
        if (kind == EXPR_M_INDEXER) {
            const expr_class_t *core[] = {&expr_class_array, &expr_class_string, &expr_class_bytes};
            for (int i = 0; i < 3; i++) {
                bool has = false;
                for (uint32_t k = 0; k < s.count; k++)
                    if (s.cands[k].cls == core[i]) has = true;
                if (!has && av.argc == 1) dyn_add(&s, core[i], &expr_core_index_member);
            }
        }
        if (!s.count) {
            if (s.any_name)
                return chk_fail(c, at, EXPR_ERR_SYNTAX, "no member '%s' of any type takes %u arguments",
                                name, av.argc);
            return chk_fail(c, at, EXPR_ERR_SYNTAX,
                            "'%s' is not a member of object (nor of any known type)",
                            is_index ? "indexer" : name);
        }
        uint32_t lambda_any = 0, out_any = 0;
        for (uint32_t k = 0; k < s.count; k++) {
            lambda_any |= s.cands[k].call.member->lambda_mask;
            out_any |= s.cands[k].call.member->out_mask;
        }
        bdyn_t *d = arena_alloc(c->arena, sizeof *d);
        b = chk_node(c, B_DYNCALL, (expr_type_t){NULL, NULL});
        if (!d || !b) return chk_fail(c, at, EXPR_ERR_NOMEM, "out of memory");
        if (!chk_finish_args(c, b, NULL, &av, rt, lambda_any != 0, out_any)) return NULL;
        for (uint32_t k = 0; k < s.count; k++) {
            s.cands[k].call.type_arg = targ;
            s.cands[k].call.receiver_type = (expr_type_t){s.cands[k].cls, NULL};
        }
        d->cands = s.cands;
        d->count = s.count;
        d->name = arena_strndup(c->arena, name, strlen(name));
        b->u.dyn = d;
        /* one candidate, or all agree: the result type is known */
        expr_type_t t0 = ret_type(s.cands[0].call.member, rt, targ, b->args, b->nargs);
        bool same = true;
        for (uint32_t k = 1; k < s.count; k++) {
            expr_type_t tk = ret_type(s.cands[k].call.member, rt, targ, b->args, b->nargs);
            if (tk.cls != t0.cls || tk.elem != t0.elem) same = false;
        }
        if (same && t0.cls != &expr_class_void) b->type = t0;
    } else {
        chk_lookup_t lk = {0};
        chk_lookup_in(rt.cls, name, kind, av.args, av.argc, &lk);
        if (!lk.found && kind == EXPR_M_INDEXER && av.argc == 1 &&
            (rt.cls == &expr_class_array || rt.cls == &expr_class_string ||
             rt.cls == &expr_class_bytes))
            lk.found = &expr_core_index_member;
        if (!lk.found && kind == EXPR_M_METHOD) {
            ext_search_t es = {rt.cls, name, av.args, av.argc, &lk};
            expr_classes_visit(c->opts, ext_visit, &es);
        }
        if (!lk.found && kind == EXPR_M_METHOD && expr_class_is_enumerable(rt.cls)) {
            for (size_t i = 0; i < expr_class_enumerable.member_count && !lk.found; i++) {
                const expr_member_t *m = &expr_class_enumerable.members[i];
                if (m->kind != EXPR_M_EXTENSION || strcmp(m->name, name) != 0) continue;
                if (!lk.any) lk.any = m;
                if (chk_args_fit(m, av.argc)) lk.found = m;
            }
        }
        if (!lk.found) {
            if (lk.any)
                return chk_fail(c, at, EXPR_ERR_SYNTAX, "no overload of '%s' takes %u arguments",
                                name, av.argc);
            if (kind == EXPR_M_PROPERTY) {
                chk_lookup_t lm = {0};
                chk_lookup_in(rt.cls, name, EXPR_M_METHOD, NULL, 0, &lm);
                if (lm.any)
                    return chk_fail(c, at, EXPR_ERR_SYNTAX,
                                    "'%s' is a method of %s: call it with ()", name,
                                    chk_type_name(c, rt));
            }
            if (kind == EXPR_M_INDEXER)
                return chk_fail(c, at, EXPR_ERR_SYNTAX, "cannot apply indexing with [] to %s",
                                chk_type_name(c, rt));
            return chk_fail(c, at, EXPR_ERR_SYNTAX, "'%s' is not a member of %s", name,
                            chk_type_name(c, rt));
        }
        const expr_member_t *m = lk.found;
        if (args && !chk_place_named(c, m, &av)) return NULL;
        b = chk_node(c, B_CALL, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        if (!chk_finish_args(c, b, m, &av, rt, false, 0)) return NULL;
        b->u.call = (expr_call_t){.member = m, .type_arg = targ, .receiver_type = rt};
        b->type = ret_type(m, rt, targ, b->args, b->nargs);
        if (b->type.cls == &expr_class_void) b->flags |= BF_VOID;
    }
    b->a = recv;
    if (cond) b->flags |= BF_COND;
    return b;
}

static bool chain_has_cond(const expr_node_t *n)
{
    for (;;) {
        if (n->kind == EXPR_MEMBER || n->kind == EXPR_INDEX) {
            if (n->flags & EXPR_F_CONDITIONAL) return true;
            n = n->kind == EXPR_MEMBER ? n->u.name.target : n->u.call.target;
        } else if (n->kind == EXPR_INVOKE) {
            n = n->u.call.target;
        } else {
            return false;
        }
        if (!n) return false;
    }
}

/* A postfix chain without the null-conditional wrapper (the chain's end adds it). */
bnode_t *chk_chain(chk_t *c, const expr_node_t *n)
{
    switch ((expr_kind_t)n->kind) {
    case EXPR_MEMBER: {
        const expr_class_t *cls = chain_class(c, n);
        if (cls)
            return chk_fail(c, n, EXPR_ERR_SYNTAX,
                            "'%s' is a type, which is not valid in the given context", cls->name);
        return bind_access(c, n, n->u.name.target, n->u.name.name,
                           n->u.name.type_args.count ? &n->u.name.type_args : NULL, NULL, false,
                           n->flags & EXPR_F_CONDITIONAL);
    }
    case EXPR_INVOKE: {
        const expr_node_t *callee = n->u.call.target;
        if (callee->kind == EXPR_MEMBER)
            return bind_access(c, n, callee->u.name.target, callee->u.name.name,
                               callee->u.name.type_args.count ? &callee->u.name.type_args : NULL,
                               &n->u.call.args, false, callee->flags & EXPR_F_CONDITIONAL);
        if (callee->kind == EXPR_NAME) {
            bnode_t *lf = chk_local_call(c, n, callee->u.name.name);
            if (lf || c->rc) return lf;
        }
        if (callee->kind == EXPR_NAME)
            return chk_fail(c, callee, EXPR_ERR_SYNTAX,
                            "'%.*s' is not a method (methods are called on a value or a type)",
                            (int)callee->u.name.name.len, callee->u.name.name.ptr);
        return chk_fail(c, callee, EXPR_ERR_UNSUPPORTED, "calling a value is not supported");
    }
    case EXPR_INDEX:
        return bind_access(c, n, n->u.call.target, (slice_t){0}, NULL, &n->u.call.args, true,
                           n->flags & EXPR_F_CONDITIONAL);
    default: return chk_expr(c, n);
    }
}

static bnode_t *bind_postfix(chk_t *c, const expr_node_t *n)
{
    bnode_t *b = chk_chain(c, n);
    if (!b || !chain_has_cond(n)) return b;
    bnode_t *w = chk_node(c, B_NULLCHAIN, b->type);
    if (w) w->a = b;
    return w;
}

/* ---- the expression switch ---- */

bnode_t *chk_expr(chk_t *c, const expr_node_t *n)
{
    if (c->rc) return NULL;
    switch ((expr_kind_t)n->kind) {
    case EXPR_NULL:
    case EXPR_BOOL:
    case EXPR_INT:
    case EXPR_REAL:
    case EXPR_CHAR:
    case EXPR_STRING: return chk_literal(c, n);
    case EXPR_INTERPOLATED: return chk_interpolated(c, n);
    case EXPR_NAME:
        if (n->u.name.type_args.count)
            return chk_fail(c, n, EXPR_ERR_SYNTAX, "generic name '%.*s' is not a value",
                            (int)n->u.name.name.len, n->u.name.name.ptr);
        return bind_name(c, n);
    case EXPR_MEMBER:
    case EXPR_INVOKE:
    case EXPR_INDEX: return bind_postfix(c, n);
    case EXPR_UNARY: return chk_unary(c, n);
    case EXPR_BINARY: return chk_binary(c, n);
    case EXPR_CONDITIONAL: return chk_conditional(c, n);
    case EXPR_ASSIGN: return chk_assign(c, n);
    case EXPR_CAST: return chk_cast(c, n);
    case EXPR_IS:
    case EXPR_AS: return chk_is_as(c, n);
    case EXPR_TYPEOF:
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "'typeof' is not supported");
    case EXPR_DEFAULT: {
        if (!n->u.typed.type)
            return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "the 'default' literal is not supported");
        expr_type_t t;
        if (!chk_type(c, n->u.typed.type, &t)) return NULL;
        expr_value_t k = expr_null();
        if (t.cls == &expr_class_int) k = expr_int(0);
        else if (t.cls == &expr_class_long) k = expr_long(0);
        else if (t.cls == &expr_class_double) k = expr_double(0);
        else if (t.cls == &expr_class_bool) k = expr_bool(false);
        else if (t.cls == &expr_class_char) k = (expr_value_t){.tag = EXPR_V_CHAR};
        else if (t.cls && t.cls->tag != EXPR_V_OBJECT && t.cls->tag != EXPR_V_STRING &&
                 t.cls->tag != EXPR_V_ARRAY && t.cls->tag != EXPR_V_BYTES)
            k = (expr_value_t){.tag = t.cls->tag};
        return chk_const(c, k, t);
    }
    case EXPR_CHECKED:
        /* integer arithmetic wraps: unchecked(e) is e */
        if (n->flags & EXPR_F_UNCHECKED) return chk_expr(c, n->u.typed.operand);
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "'%s' expressions are not supported",
                        (n->flags & EXPR_F_UNCHECKED) ? "unchecked" : "checked");
    case EXPR_THROW: {
        bnode_t *b = chk_node(c, B_THROWX, (expr_type_t){NULL, NULL});
        if (!b || !(b->a = chk_expr(c, n->u.unary.operand))) return NULL;
        return b;
    }
    case EXPR_LAMBDA:
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED,
                        "a lambda expression is only supported as an argument of a method that takes one");
    case EXPR_NEW_OBJECT: return chk_bind_new_object(c, n);
    case EXPR_NEW_ARRAY: return chk_bind_new_array(c, n);
    case EXPR_NEW_ANONYMOUS: return chk_bind_new_anonymous(c, n);
    case EXPR_DECLARATION:
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "a declaration is only allowed as an out argument");
    case EXPR_TYPE_PREDEFINED:
    case EXPR_TYPE_NAME:
    case EXPR_TYPE_ARRAY:
    case EXPR_TYPE_NULLABLE:
    case EXPR_TYPE_VAR:
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "a type is not valid in the given context");
    default:
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "%s is not supported here",
                        expr_ast_kind_name((expr_kind_t)n->kind));
    }
}
