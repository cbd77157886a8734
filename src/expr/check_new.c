/* check_new: binding object creation — new T[] (arrays), new T(...) with initializers,
 * and anonymous types (check_internal.h). */
#include "expr/check_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- object creation ---- */

bnode_t *chk_bind_new_array(chk_t *c, const expr_node_t *n)
{
    expr_type_t t = {&expr_class_array, NULL};
    if (n->u.create.type && !chk_type(c, n->u.create.type, &t)) return NULL;
    bnode_t *b = chk_node(c, B_NEW_ARRAY, t);
    if (!b) return NULL;
    b->cls = t.elem;
    if (n->u.create.args.count > 1)
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "multi-dimensional arrays are not supported");
    if (n->u.create.args.count == 1) {
        if (n->u.create.init)
            return chk_fail(c, n, EXPR_ERR_UNSUPPORTED,
                            "an array size together with an initializer is not supported");
        b->flags |= BF_SIZED;
        b->a = chk_convert_implicit(c, n->u.create.args.items[0], chk_expr(c, n->u.create.args.items[0]),
                                    (expr_type_t){&expr_class_int, NULL});
        return b->a ? b : NULL;
    }
    const expr_node_t *init = n->u.create.init;
    if (!init) return chk_fail(c, n, EXPR_ERR_SYNTAX, "an array creation needs a size or an initializer");
    b->nargs = (uint16_t)init->u.list.count;
    b->args = arena_alloc(c->arena, (b->nargs ? b->nargs : 1) * sizeof *b->args);
    if (!b->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    bool infer = !n->u.create.type;
    for (uint32_t i = 0; i < init->u.list.count; i++) {
        const expr_node_t *it = init->u.list.items[i];
        if (it->kind == EXPR_INITIALIZER)
            return chk_fail(c, it, EXPR_ERR_UNSUPPORTED, "nested array initializers are not supported");
        bnode_t *v = chk_expr(c, it);
        if (!v) return NULL;
        if (infer) {
            if (i == 0) b->cls = v->type.cls;
            else if (b->cls != v->type.cls && !chk_is_null_literal(v)) {
                if (chk_is_numeric(b->cls) && chk_is_numeric(v->type.cls)) {
                    if (b->cls == &expr_class_double || v->type.cls == &expr_class_double) b->cls = &expr_class_double;
                    else b->cls = &expr_class_long;
                } else {
                    b->cls = NULL;
                }
            }
        } else if (!(v = chk_convert_implicit(c, it, v, (expr_type_t){b->cls, NULL}))) {
            return NULL;
        }
        b->args[i] = v;
    }
    if (infer) {
        for (uint32_t i = 0; i < b->nargs && b->cls; i++)
            if (!(b->args[i] = chk_convert_implicit(c, init->u.list.items[i], b->args[i],
                                                    (expr_type_t){b->cls, NULL})))
                return NULL;
        b->type.elem = b->cls;
    }
    if (t.cls == &expr_class_bytes) b->cls = &expr_class_int;
    return b;
}

/* The call of member m on the object being initialised (B_SELF), its arguments converted to
 * the parameter types: what each item of an object or collection initializer runs. */
static bnode_t *bind_init_call(chk_t *c, const expr_node_t *at, bnode_t *self, expr_type_t t,
                               const expr_member_t *m, bnode_t **argsb, unsigned argc)
{
    bnode_t *call = chk_node(c, B_CALL, m->ret);
    if (!call || !(call->args = arena_alloc(c->arena, argc * sizeof *call->args)))
        return chk_fail(c, at, EXPR_ERR_NOMEM, "out of memory");
    call->a = self;
    call->nargs = (uint16_t)argc;
    for (unsigned k = 0; k < argc; k++) {
        call->args[k] = argsb[k];
        if (m->params && m->params[k].cls && !(call->args[k] = chk_convert_implicit(c, at, argsb[k], m->params[k])))
            return NULL;
    }
    call->u.call = (expr_call_t){.member = m, .receiver_type = t};
    return call;
}

/* The B_COLLINIT node of an initializer: `created` runs first, then one call per item (the
 * caller fills args[i]) on the object, which the calls reach through *self (B_SELF). */
static bnode_t *new_init_list(chk_t *c, const expr_node_t *n, bnode_t *created, expr_type_t t, bnode_t **self)
{
    bnode_t *ci = chk_node(c, B_COLLINIT, t);
    *self = chk_node(c, B_SELF, t);
    if (!ci || !*self) return NULL;
    ci->a = created;
    ci->nargs = (uint16_t)n->u.create.init->u.list.count;
    ci->args = arena_alloc(c->arena, (ci->nargs ? ci->nargs : 1) * sizeof *ci->args);
    if (!ci->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    return ci;
}

/* One setter call on the object being initialised (B_SELF): set_Name(v) or set_Item(k, v). */
static bnode_t *bind_setter_call(chk_t *c, const expr_node_t *at, bnode_t *self, expr_type_t t,
                                 const char *setter, const char *shown, bnode_t **argsb, unsigned argc)
{
    chk_lookup_t lk = {0};
    chk_lookup_in(t.cls, setter, EXPR_M_METHOD, argsb, argc, &lk);
    if (!lk.found || !chk_args_fit(lk.found, argc))
        return chk_fail(c, at, EXPR_ERR_SYNTAX, "%s of %s cannot be assigned to (it is read only, or unknown)",
                        shown, t.cls->name);
    bnode_t *call = bind_init_call(c, at, self, t, lk.found, argsb, argc);
    if (call && call->type.cls == &expr_class_void) call->flags |= BF_VOID;
    return call;
}

/* new T(...) { A = 1, [k] = v }: the object, then one setter call per member (set_A(1),
 * set_Item(k, v)) in source order, as C# compiles it (B_COLLINIT runs them). */
static bnode_t *bind_object_init(chk_t *c, const expr_node_t *n, bnode_t *created, expr_type_t t)
{
    const expr_node_t *init = n->u.create.init;
    bnode_t *self;
    bnode_t *ci = new_init_list(c, n, created, t, &self);
    if (!ci) return NULL;
    for (uint32_t i = 0; i < init->u.list.count; i++) {
        const expr_node_t *it = init->u.list.items[i];
        bnode_t *argsb[2];
        const expr_node_t *value;
        char setter[136], shown[136];
        unsigned argc = 0;
        if (it->kind == EXPR_INIT_MEMBER) {
            slice_t nm = it->u.arg.name;
            if (nm.len > 120) return chk_fail(c, it, EXPR_ERR_SYNTAX, "name too long");
            snprintf(setter, sizeof setter, "set_%.*s", (int)nm.len, nm.ptr);
            snprintf(shown, sizeof shown, "property '%.*s'", (int)nm.len, nm.ptr);
            value = it->u.arg.value;
        } else if (it->kind == EXPR_INIT_INDEX) {
            if (it->u.init_index.args.count != 1)
                return chk_fail(c, it, EXPR_ERR_UNSUPPORTED, "an indexer initializer takes one index");
            const expr_node_t *k = it->u.init_index.args.items[0];
            if (k->kind == EXPR_ARG) k = k->u.arg.value;
            if (!(argsb[argc++] = chk_expr(c, k))) return NULL;
            strcpy(setter, "set_Item");
            strcpy(shown, "the indexer");
            value = it->u.init_index.value;
        } else {
            return chk_fail(c, it, EXPR_ERR_SYNTAX,
                            "an object initializer holds member assignments (Name = value) or [key] = value");
        }
        if (value->kind == EXPR_INITIALIZER)
            return chk_fail(c, value, EXPR_ERR_UNSUPPORTED, "nested object or collection initializers are not supported");
        if (!(argsb[argc++] = chk_expr(c, value))) return NULL;
        if (!(ci->args[i] = bind_setter_call(c, it, self, t, setter, shown, argsb, argc))) return NULL;
    }
    return ci;
}

bnode_t *chk_bind_new_object(chk_t *c, const expr_node_t *n)
{
    expr_type_t t;
    if (!chk_type(c, n->u.create.type, &t)) return NULL;
    if (!t.cls || t.cls->is_static_only)
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "cannot create an instance of %s", chk_type_name(c, t));
    chk_argv_t av = {.argc = 0};
    if (!chk_bind_args(c, &n->u.create.args, &av)) return NULL;
    chk_lookup_t lk = {0};
    for (size_t i = 0; i < t.cls->member_count && !lk.found; i++) {
        const expr_member_t *m = &t.cls->members[i];
        if (m->kind != EXPR_M_CONSTRUCTOR) continue;
        if (!lk.any) lk.any = m;
        if (!chk_args_fit(m, av.argc)) continue;
        bool ok = true;
        for (unsigned a = 0; ok && a < av.argc && m->params && m->max_args != 255; a++)
            ok = chk_arg_accepts(&m->params[a], av.args[a]);
        if (ok) lk.found = m;
    }
    if (!lk.found) {
        if (lk.any)
            return chk_fail(c, n, EXPR_ERR_SYNTAX, "no constructor of %s takes %u arguments",
                            t.cls->name, av.argc);
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "%s has no constructor", t.cls->name);
    }
    if (!chk_place_named(c, lk.found, &av)) return NULL;
    bnode_t *b = chk_node(c, B_CALL, t);
    if (!b || !chk_finish_args(c, b, lk.found, &av, t, false, 0)) return NULL;
    b->u.call = (expr_call_t){.member = lk.found, .receiver_type = t};
    const expr_node_t *init = n->u.create.init;
    if (!init) return b;
    if (init->op == EXPR_INIT_OBJECT) return bind_object_init(c, n, b, t);
    /* a collection initializer: one Add(...) call per item on the new object */
    bnode_t *self;
    bnode_t *ci = new_init_list(c, n, b, t, &self);
    if (!ci) return NULL;
    for (uint32_t i = 0; i < init->u.list.count; i++) {
        const expr_node_t *it = init->u.list.items[i];
        bnode_t *argsb[2];
        unsigned argc = 0;
        if (it->kind == EXPR_INITIALIZER) {
            if (it->u.list.count > 2)
                return chk_fail(c, it, EXPR_ERR_UNSUPPORTED, "Add with more than two arguments");
            for (uint32_t k = 0; k < it->u.list.count; k++)
                if (!(argsb[argc++] = chk_expr(c, it->u.list.items[k]))) return NULL;
        } else if (it->kind == EXPR_INIT_INDEX || it->kind == EXPR_INIT_MEMBER) {
            return chk_fail(c, it, EXPR_ERR_UNSUPPORTED, "object initializers are not supported");
        } else {
            if (!(argsb[argc++] = chk_expr(c, it))) return NULL;
        }
        chk_lookup_t lk2 = {0};
        chk_lookup_in(t.cls, "Add", EXPR_M_METHOD, argsb, argc, &lk2);
        if (!lk2.found)
            return chk_fail(c, it, EXPR_ERR_SYNTAX, "%s has no Add method taking %u arguments",
                            t.cls->name, argc);
        if (!(ci->args[i] = bind_init_call(c, it, self, t, lk2.found, argsb, argc))) return NULL;
    }
    return ci;
}

/* new { a = 1, x.b }: a read-only class made here, one property per member (value.h) */
bnode_t *chk_bind_new_anonymous(chk_t *c, const expr_node_t *n)
{
    const expr_node_t *init = n->u.create.init;
    uint32_t count = init ? init->u.list.count : 0;
    expr_member_t *ms = arena_alloc(c->arena, (count ? count : 1) * sizeof *ms);
    expr_class_t *cls = arena_alloc(c->arena, sizeof *cls);
    bnode_t *b = chk_node(c, B_NEW_ANON, (expr_type_t){NULL, NULL});
    if (!ms || !cls || !b || !(b->args = arena_alloc(c->arena, (count ? count : 1) * sizeof *b->args)))
        return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    memset(ms, 0, (count ? count : 1) * sizeof *ms);
    for (uint32_t i = 0; i < count; i++) {
        const expr_node_t *it = init->u.list.items[i];
        slice_t name;
        const expr_node_t *value = it;
        if (it->kind == EXPR_INIT_MEMBER) {
            name = it->u.arg.name;
            value = it->u.arg.value;
        } else if (it->kind == EXPR_NAME || it->kind == EXPR_MEMBER) {
            name = it->u.name.name; /* a projection: new { x, y.z } names them x and z */
        } else {
            return chk_fail(c, it, EXPR_ERR_SYNTAX, "invalid anonymous type member declarator");
        }
        for (uint32_t k = 0; k < i; k++)
            if (strlen(ms[k].name) == name.len && memcmp(ms[k].name, name.ptr, name.len) == 0)
                return chk_fail(c, it, EXPR_ERR_SYNTAX, "an anonymous type cannot have multiple properties with the same name");
        if (value->kind == EXPR_INITIALIZER || value->kind == EXPR_LAMBDA)
            return chk_fail(c, value, EXPR_ERR_SYNTAX, "cannot assign this to an anonymous type property");
        bnode_t *v = chk_expr(c, value);
        if (!v) return NULL;
        bool untyped_null = chk_is_null_literal(v) && !v->type.cls;
        if (v->type.cls == &expr_class_void || untyped_null)
            return chk_fail(c, value, EXPR_ERR_SYNTAX, "cannot assign %s to an anonymous type property",
                            untyped_null ? "<null>" : "void");
        b->args[i] = v;
        ms[i].name = arena_strndup(c->arena, name.ptr, name.len);
        if (!ms[i].name) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
        ms[i].kind = EXPR_M_PROPERTY;
        ms[i].ret = v->type;
        ms[i].fn = expr_anonymous_get;
    }
    memset(cls, 0, sizeof *cls);
    cls->name = "<anonymous type>";
    cls->full_name = "<>f__AnonymousType";
    cls->tag = EXPR_V_OBJECT;
    cls->base = &expr_class_object;
    cls->members = ms;
    cls->member_count = count;
    cls->to_string = expr_anonymous_to_string;
    b->nargs = (uint16_t)count;
    b->cls = cls;
    b->type = (expr_type_t){cls, NULL};
    return b;
}

