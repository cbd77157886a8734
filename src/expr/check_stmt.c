/* The checker, part 3: the statements of @{ } blocks (and of block lambdas), with C#'s
 * reachability rules (C# §8.1) for "not all code paths return a value". */
#include "expr/check_internal.h"

#include <stdio.h>
#include <string.h>

#define T_OF(cls) ((expr_type_t){(cls), NULL})

static bnode_t *chk_stmt(chk_t *c, const expr_node_t *n, bool *completes);

void chk_note_return(chk_t *c, expr_type_t t)
{
    chk_func_t *f = &c->funcs[c->level];
    if (!f->has_return_type) {
        f->has_return_type = true;
        f->return_type = t;
    } else if (f->return_type.cls != t.cls || f->return_type.elem != t.elem) {
        f->return_type = (expr_type_t){NULL, NULL};
    }
}

/* Registers a block's local functions (their signatures) before its statements are bound. */
static bool declare_functions(chk_t *c, const expr_list_t *list)
{
    uint32_t start = c->nfns;
    for (uint32_t i = 0; i < list->count; i++) {
        const expr_node_t *n = list->items[i];
        if (n->kind != EXPR_STMT_FUNCTION) continue;
        for (uint32_t k = 0; k < c->nfns; k++)
            if (k >= start && slice_eq(c->fns[k].name, n->u.function.name)) {
                chk_fail(c, n, EXPR_ERR_SYNTAX, "a local function named '%.*s' is already defined in this scope",
                         (int)n->u.function.name.len, n->u.function.name.ptr);
                return false;
            }
        if (c->nfns == c->cap_fns) {
            uint32_t cap = c->cap_fns ? c->cap_fns * 2 : 8;
            chk_localfn_t *f = arena_alloc(c->arena, cap * sizeof *f);
            if (!f) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory"), false;
            if (c->nfns) memcpy(f, c->fns, c->nfns * sizeof *f);
            c->fns = f;
            c->cap_fns = cap;
        }
        chk_localfn_t *fn = &c->fns[c->nfns];
        memset(fn, 0, sizeof *fn);
        fn->node = n;
        fn->name = n->u.function.name;
        fn->level = (uint8_t)c->level;
        const expr_node_t *rt = n->u.function.type;
        if (rt->kind == EXPR_TYPE_PREDEFINED && rt->op == EXPR_PREDEF_VOID) fn->ret = T_OF(&expr_class_void);
        else if (rt->kind == EXPR_TYPE_VAR)
            return chk_fail(c, rt, EXPR_ERR_SYNTAX, "'var' is not a return type"), false;
        else if (!chk_type(c, rt, &fn->ret)) return false;
        const expr_list_t *ps = &n->u.function.params;
        if (ps->count > CHK_MAX_FN_PARAMS)
            return chk_fail(c, n, EXPR_ERR_LIMIT, "a local function takes at most %d parameters", CHK_MAX_FN_PARAMS), false;
        for (uint32_t k = 0; k < ps->count; k++) {
            const expr_node_t *p = ps->items[k];
            if (!chk_type(c, p->u.typed.type, &fn->params[k])) return false;
            if (p->u.typed.operand) {
                bnode_t *d = chk_expr(c, p->u.typed.operand);
                if (d) d = chk_convert_implicit(c, p->u.typed.operand, d, fn->params[k]);
                if (!d) return false;
                if (d->op != B_CONST)
                    return chk_fail(c, p->u.typed.operand, EXPR_ERR_SYNTAX,
                                    "default parameter value for '%.*s' must be a compile-time constant",
                                    (int)p->u.typed.name.len, p->u.typed.name.ptr), false;
                fn->defaults[k] = d;
            }
        }
        fn->nparams = (uint16_t)ps->count;
        if (!(fn->lambda = arena_alloc(c->arena, sizeof *fn->lambda)))
            return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory"), false;
        memset(fn->lambda, 0, sizeof *fn->lambda);
        fn->lambda->nparams = fn->nparams;
        c->nfns++;
    }
    return true;
}

/* The body of a local function, at its declaration: a new function level whose first
 * slots are the parameters (as a lambda's). */
static bnode_t *bind_function(chk_t *c, const expr_node_t *n)
{
    chk_localfn_t *fn = NULL;
    for (uint32_t k = c->nfns; k-- > 0;)
        if (c->fns[k].node == n) fn = &c->fns[k];
    if (!fn) return chk_fail(c, n, EXPR_ERR_SYNTAX, "a local function must be declared in a block");
    uint32_t saved_vars;
    chk_func_t *f = chk_enter_function(c, n, "local functions", &saved_vars);
    if (!f) return NULL;
    f->has_declared_return = true;
    f->declared_return = fn->ret;
    bnode_t *ok = NULL;
    const expr_list_t *ps = &n->u.function.params;
    for (uint32_t i = 0; i < ps->count; i++)
        if (!chk_declare(c, ps->items[i], ps->items[i]->u.typed.name, fn->params[i])) goto out;
    const expr_node_t *body = n->u.function.body;
    if (body->kind == EXPR_STMT_BLOCK) {
        bool completes;
        fn->lambda->body = chk_block(c, body, &completes);
        if (!fn->lambda->body) goto out;
        fn->lambda->is_block = true;
        if (completes && fn->ret.cls != &expr_class_void) {
            chk_fail(c, n, EXPR_ERR_SYNTAX, "'%.*s': not all code paths return a value", (int)fn->name.len,
                     fn->name.ptr);
            goto out;
        }
    } else {
        bnode_t *e = chk_expr(c, body);
        if (e && fn->ret.cls != &expr_class_void) e = chk_convert_implicit(c, body, e, fn->ret);
        if (!e) goto out;
        fn->lambda->body = e;
    }
    fn->lambda->nslots = (uint16_t)f->nslots;
    ok = chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
out:
    chk_leave_function(c, saved_vars);
    return c->rc ? NULL : ok;
}

bnode_t *chk_local_call(chk_t *c, const expr_node_t *n, slice_t name)
{
    const chk_localfn_t *fn = NULL;
    for (uint32_t k = c->nfns; k-- > 0 && !fn;)
        if (slice_eq(c->fns[k].name, name)) fn = &c->fns[k];
    if (!fn) return NULL;
    const expr_list_t *args = &n->u.call.args;
    unsigned need = 0;
    while (need < fn->nparams && !fn->defaults[need]) need++;
    if (args->count < need || args->count > fn->nparams)
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "no overload of '%.*s' takes %u arguments", (int)name.len, name.ptr,
                        args->count);
    bnode_t *b = chk_node(c, B_LOCALFN, fn->ret.cls == &expr_class_void ? T_OF(&expr_class_void) : fn->ret);
    if (!b || !(b->args = arena_alloc(c->arena, (fn->nparams ? fn->nparams : 1) * sizeof *b->args)))
        return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < fn->nparams; i++) {
        if (i >= args->count) {
            b->args[i] = fn->defaults[i];
            continue;
        }
        const expr_node_t *a = args->items[i];
        if (a->op != EXPR_ARG_VALUE || a->u.arg.name.len)
            return chk_fail(c, a, EXPR_ERR_UNSUPPORTED, "named, ref and out arguments of local functions are not supported");
        if (a->u.arg.value->kind == EXPR_LAMBDA)
            return chk_fail(c, a, EXPR_ERR_UNSUPPORTED, "a lambda is not accepted by a local function");
        bnode_t *v = chk_expr(c, a->u.arg.value);
        if (v) v = chk_convert_implicit(c, a->u.arg.value, v, fn->params[i]);
        if (!v) return NULL;
        b->args[i] = v;
    }
    b->nargs = fn->nparams;
    b->depth = (uint8_t)(c->level - fn->level);
    b->u.lambda = fn->lambda;
    if (fn->ret.cls == &expr_class_void) b->flags |= BF_VOID;
    return b;
}

static bnode_t *list_block(chk_t *c, const expr_list_t *list, bool *completes)
{
    bnode_t *b = chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
    if (!b) return NULL;
    uint32_t saved_fns = c->nfns;
    if (!declare_functions(c, list)) return NULL;
    b->args = arena_alloc(c->arena, (list->count ? list->count : 1) * sizeof *b->args);
    if (!b->args) return chk_fail(c, NULL, EXPR_ERR_NOMEM, "out of memory");
    uint32_t saved = c->nvars;
    bool reach = true;
    for (uint32_t i = 0; i < list->count; i++) {
        bool comp = true;
        bnode_t *s = chk_stmt(c, list->items[i], &comp);
        if (!s) return NULL;
        if (s->op != S_BLOCK || s->nargs) b->args[b->nargs++] = s;
        if (!comp) reach = false;
    }
    c->nvars = saved;
    c->nfns = saved_fns;
    *completes = reach;
    return b;
}

bnode_t *chk_block(chk_t *c, const expr_node_t *n, bool *completes)
{
    return list_block(c, &n->u.list, completes);
}

static bnode_t *cond_expr(chk_t *c, const expr_node_t *n)
{
    bnode_t *b = chk_expr(c, n);
    if (!b) return NULL;
    if ((b->type.cls && b->type.cls != &expr_class_bool) || chk_is_null_literal(b))
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "cannot implicitly convert type '%s' to 'bool'",
                        chk_is_null_literal(b) ? "<null>" : chk_type_name(c, b->type));
    return chk_convert_implicit(c, n, b, T_OF(&expr_class_bool));
}

static bool is_const_true(const bnode_t *b)
{
    return !b || (b->op == B_CONST && b->u.k.tag == EXPR_V_BOOL && b->u.k.u.b);
}

static bnode_t *local_decl(chk_t *c, const expr_node_t *n)
{
    const expr_node_t *tn = n->u.local.type;
    bool is_var = tn->kind == EXPR_TYPE_VAR;
    bool is_const = n->flags & EXPR_F_CONST;
    expr_type_t t = {NULL, NULL};
    if (!is_var && !chk_type(c, tn, &t)) return NULL;
    const expr_list_t *ds = &n->u.local.declarators;
    bnode_t *blk = chk_node(c, S_BLOCK, t);
    if (!blk) return NULL;
    blk->args = arena_alloc(c->arena, (ds->count ? ds->count : 1) * sizeof *blk->args);
    if (!blk->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    if (is_var && ds->count > 1)
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "implicitly-typed variables cannot have multiple declarators");
    for (uint32_t i = 0; i < ds->count; i++) {
        const expr_node_t *d = ds->items[i];
        const expr_node_t *vn = d->u.arg.value;
        bnode_t *v = NULL;
        if (vn) {
            if (vn->kind == EXPR_INITIALIZER) {
                if (t.cls != &expr_class_array && t.cls != &expr_class_bytes)
                    return chk_fail(c, vn, EXPR_ERR_SYNTAX, "an array initializer needs an array type");
                expr_node_t fake = {.kind = EXPR_NEW_ARRAY, .pos = vn->pos, .height = vn->height};
                fake.u.create.type = (expr_node_t *)tn;
                fake.u.create.init = (expr_node_t *)vn;
                v = chk_expr(c, &fake);
            } else if (vn->kind == EXPR_LAMBDA) {
                return chk_fail(c, vn, EXPR_ERR_UNSUPPORTED, "lambdas stored in variables are not supported");
            } else {
                v = chk_expr(c, vn);
            }
            if (!v) return NULL;
            if (v->type.cls == &expr_class_void)
                return chk_fail(c, vn, EXPR_ERR_SYNTAX, "cannot assign void to a variable");
            if (is_var) {
                if (chk_is_null_literal(v))
                    return chk_fail(c, vn, EXPR_ERR_SYNTAX, "cannot assign <null> to an implicitly-typed variable");
                t = v->type;
            } else if (!(v = chk_convert_implicit(c, vn, v, t))) {
                return NULL;
            }
        } else if (is_var || is_const) {
            return chk_fail(c, d, EXPR_ERR_SYNTAX, "%s variables must be initialized",
                            is_const ? "const" : "implicitly-typed");
        }
        chk_var_t *var = chk_declare(c, d, d->u.arg.name, t);
        if (!var) return NULL;
        if (is_const) {
            if (v->op != B_CONST) return chk_fail(c, vn, EXPR_ERR_SYNTAX, "the value of a const must be constant");
            var->is_const = true;
            var->k = v->u.k;
            c->funcs[c->level].nslots--; /* no slot needed */
            continue;
        }
        bnode_t *st = chk_node(c, S_STORE, t);
        if (!st) return NULL;
        st->slot = var->slot;
        st->a = v ? v : chk_const(c, expr_null(), t);
        if (!v && t.cls) {
            /* the default value, so a read before assignment is well-defined */
            expr_value_t k = expr_null();
            if (t.cls == &expr_class_int) k = expr_int(0);
            else if (t.cls == &expr_class_long) k = expr_long(0);
            else if (t.cls == &expr_class_double) k = expr_double(0);
            else if (t.cls == &expr_class_bool) k = expr_bool(false);
            st->a = chk_const(c, k, t);
        }
        if (!st->a) return NULL;
        blk->args[blk->nargs++] = st;
    }
    return blk;
}

static uint32_t push_breakable(chk_t *c, bool is_loop)
{
    uint32_t i = c->nbreakables++;
    c->breakables[i] = (chk_breakable_t){is_loop, false};
    return i;
}

static bnode_t *loop_body(chk_t *c, const expr_node_t *n, uint32_t *idx)
{
    if (c->nbreakables >= 255) return chk_fail(c, n, EXPR_ERR_LIMIT, "loops nested too deeply");
    *idx = push_breakable(c, true);
    bool comp;
    uint32_t saved = c->nvars;
    bnode_t *b = chk_stmt(c, n, &comp);
    c->nvars = saved;
    return b;
}

static bnode_t *chk_switch(chk_t *c, const expr_node_t *n, bool *completes)
{
    bnode_t *v = chk_expr(c, n->u.switch_.value);
    if (!v) return NULL;
    const expr_class_t *vt = v->type.cls;
    if (vt && vt != &expr_class_string && vt != &expr_class_int && vt != &expr_class_long &&
        vt != &expr_class_char && vt != &expr_class_bool && vt->tag != EXPR_V_OBJECT)
        return chk_fail(c, n->u.switch_.value, EXPR_ERR_UNSUPPORTED, "switch on %s values is not supported",
                        vt->name);
    bnode_t *b = chk_node(c, S_SWITCH, v->type);
    bswitch_t *sw = arena_alloc(c->arena, sizeof *sw);
    if (!b || !sw) return NULL;
    memset(sw, 0, sizeof *sw);
    b->a = v;
    const expr_list_t *secs = &n->u.switch_.sections;
    uint32_t nl = 0;
    for (uint32_t i = 0; i < secs->count; i++) nl += secs->items[i]->u.section.labels.count;
    sw->labels = arena_alloc(c->arena, (nl ? nl : 1) * sizeof *sw->labels);
    sw->bodies = arena_alloc(c->arena, (secs->count ? secs->count : 1) * sizeof *sw->bodies);
    if (!sw->labels || !sw->bodies) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    if (c->nbreakables >= 255) return chk_fail(c, n, EXPR_ERR_LIMIT, "nested too deeply");
    uint32_t idx = push_breakable(c, false);
    bool has_default = false, any_completes = false;
    uint32_t saved = c->nvars;
    for (uint32_t i = 0; i < secs->count; i++) {
        const expr_node_t *s = secs->items[i];
        for (uint32_t k = 0; k < s->u.section.labels.count; k++) {
            const expr_node_t *lab = s->u.section.labels.items[k];
            bswitch_label_t *L = &sw->labels[sw->nlabels++];
            L->section = i;
            L->is_default = lab->u.unary.operand == NULL;
            if (L->is_default) {
                has_default = true;
                continue;
            }
            bnode_t *kb = chk_expr(c, lab->u.unary.operand);
            if (!kb) return NULL;
            if (kb->op != B_CONST)
                return chk_fail(c, lab, EXPR_ERR_UNSUPPORTED, "a case label must be a constant (patterns are not supported)");
            if (vt && kb->type.cls && !chk_is_null_literal(kb)) {
                kb = chk_convert_implicit(c, lab, kb, v->type);
                if (!kb) return NULL;
            }
            L->value = kb->u.k;
        }
        bool comp;
        bnode_t *body = list_block(c, &s->u.section.body, &comp);
        if (!body) return NULL;
        if (comp)
            return chk_fail(c, s, EXPR_ERR_SYNTAX, "control cannot fall through from one case label to another");
        sw->bodies[sw->nbodies++] = body;
    }
    c->nvars = saved;
    any_completes = c->breakables[idx].broken;
    c->nbreakables = idx;
    *completes = !has_default || any_completes;
    b->u.sw = sw;
    return b;
}

static const expr_class_t *exception_class(chk_t *c, const expr_node_t *tn)
{
    expr_type_t t;
    if (!chk_type(c, tn, &t)) return NULL;
    const expr_class_t *exc = expr_class_by_name_in(c->opts, "Exception", 9);
    if (!t.cls || !exc || !expr_class_is(t.cls, exc)) {
        chk_fail(c, tn, EXPR_ERR_SYNTAX, "'%s' is not an exception type", t.cls ? t.cls->name : "object");
        return NULL;
    }
    return t.cls;
}

static bnode_t *chk_try(chk_t *c, const expr_node_t *n, bool *completes)
{
    bnode_t *b = chk_node(c, S_TRY, (expr_type_t){NULL, NULL});
    if (!b) return NULL;
    bool comp_body;
    if (!(b->a = chk_block(c, n->u.try_.body, &comp_body))) return NULL;
    bool any = comp_body;
    const expr_list_t *cs = &n->u.try_.catches;
    b->nargs = (uint16_t)cs->count;
    b->args = arena_alloc(c->arena, (cs->count ? cs->count : 1) * sizeof *b->args);
    if (!b->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < cs->count; i++) {
        const expr_node_t *k = cs->items[i];
        bnode_t *cb = chk_node(c, S_CATCH, (expr_type_t){NULL, NULL});
        if (!cb) return NULL;
        uint32_t saved = c->nvars;
        expr_type_t et = {NULL, NULL};
        if (k->u.catch_.type) {
            if (!(cb->cls = exception_class(c, k->u.catch_.type))) return NULL;
            et.cls = cb->cls;
        } else {
            et.cls = expr_class_by_name_in(c->opts, "Exception", 9);
        }
        chk_var_t *v = chk_declare(c, k, k->u.catch_.name.len ? k->u.catch_.name : slice_from_cstr(" exception"), et);
        if (!v) return NULL;
        v->is_readonly = true;
        cb->slot = v->slot;
        cb->flags |= BF_BINDS;
        if (k->u.catch_.filter && !(cb->c = cond_expr(c, k->u.catch_.filter))) return NULL;
        chk_func_t *f = &c->funcs[c->level];
        int saved_catch = f->catch_slot;
        f->catch_slot = v->slot;
        bool comp;
        cb->a = chk_block(c, k->u.catch_.body, &comp);
        f->catch_slot = saved_catch;
        c->nvars = saved;
        if (!cb->a) return NULL;
        any = any || comp;
        b->args[i] = cb;
    }
    if (n->u.try_.finally_) {
        chk_func_t *f = &c->funcs[c->level];
        f->finally_depth++;
        uint32_t saved_base = f->breakable_base;
        f->breakable_base = c->nbreakables; /* break/continue cannot leave a finally */
        bool comp;
        b->b = chk_block(c, n->u.try_.finally_, &comp);
        f->breakable_base = saved_base;
        f->finally_depth--;
        if (!b->b) return NULL;
        if (!comp) any = false;
    }
    *completes = any;
    return b;
}

/* S_EXPR: `local?.Dispose()` when the local's static class has Dispose(); NULL when it has
 * none (nothing to call: C# requires IDisposable, Meridian ignores it). */
static bnode_t *dispose_of(chk_t *c, const chk_var_t *v)
{
    if (!v->type.cls || v->type.cls->tag != EXPR_V_OBJECT) return NULL;
    const expr_member_t *m = NULL;
    for (const expr_class_t *k = v->type.cls; k && !m; k = k->base) m = expr_class_find(k, "Dispose", EXPR_M_METHOD);
    if (!m || m->min_args != 0) return NULL;
    bnode_t *l = chk_node(c, B_LOCAL, v->type);
    bnode_t *call = chk_node(c, B_CALL, T_OF(&expr_class_void));
    bnode_t *s = chk_node(c, S_EXPR, (expr_type_t){NULL, NULL});
    if (!l || !call || !s || !(call->args = arena_alloc(c->arena, sizeof *call->args))) return NULL;
    l->slot = v->slot;
    l->depth = (uint8_t)(c->level - v->level);
    call->a = l;
    call->flags = BF_COND | BF_VOID;
    call->u.call = (expr_call_t){.member = m, .receiver_type = v->type};
    s->a = call;
    return s;
}

/* using (T x = e) body / using (e) body: { x = e; try { body } finally { x?.Dispose(); } }
 * (C# §8.13), the resource in a hidden local for the expression form. */
static bnode_t *chk_using(chk_t *c, const expr_node_t *n, bool *completes)
{
    const expr_node_t *res = n->u.loop.cond;
    uint32_t saved = c->nvars;
    bnode_t *blk = chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
    bnode_t *fin = chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
    bnode_t *tr = chk_node(c, S_TRY, (expr_type_t){NULL, NULL});
    if (!blk || !fin || !tr || !(blk->args = arena_alloc(c->arena, 2 * sizeof *blk->args)))
        return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    const chk_var_t *vars[16];
    unsigned nv = 0;
    if (res->kind == EXPR_STMT_LOCAL) {
        if (res->flags & EXPR_F_CONST) return chk_fail(c, res, EXPR_ERR_SYNTAX, "a using resource cannot be const");
        if (res->u.local.declarators.count > 16)
            return chk_fail(c, res, EXPR_ERR_LIMIT, "too many resources in one using statement");
        if (!(blk->args[0] = local_decl(c, res))) return NULL;
        for (uint32_t i = 0; i < res->u.local.declarators.count; i++) {
            const expr_node_t *d = res->u.local.declarators.items[i];
            chk_var_t *v = chk_find_var(c, d->u.arg.name);
            if (!v) return NULL;
            v->is_readonly = true; /* C#: a using variable is read-only */
            vars[nv++] = v;
        }
    } else {
        bnode_t *e = chk_expr(c, res);
        if (!e) return NULL;
        char *name = arena_alloc(c->arena, 32);
        if (!name) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
        int len = snprintf(name, 32, " using %u:%u", n->pos.line, n->pos.col);
        chk_var_t *v = chk_declare(c, res, (slice_t){name, (size_t)len}, e->type);
        bnode_t *st = chk_node(c, S_STORE, (expr_type_t){NULL, NULL});
        if (!v || !st) return NULL;
        st->slot = v->slot;
        st->a = e;
        blk->args[0] = st;
        vars[nv++] = v;
    }
    if (!(tr->a = chk_stmt(c, n->u.loop.body, completes))) return NULL;
    if (!(fin->args = arena_alloc(c->arena, nv * sizeof *fin->args)))
        return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    for (unsigned i = nv; i-- > 0;) { /* disposed in reverse order of acquisition */
        bnode_t *d = dispose_of(c, vars[i]);
        if (c->rc) return NULL;
        if (d) fin->args[fin->nargs++] = d;
    }
    c->nvars = saved;
    tr->b = fin;
    blk->args[1] = fin->nargs ? tr : tr->a;
    blk->nargs = 2;
    return blk;
}

static bnode_t *chk_stmt(chk_t *c, const expr_node_t *n, bool *completes)
{
    *completes = true;
    if (c->rc) return NULL;
    chk_func_t *f = &c->funcs[c->level];
    switch ((expr_kind_t)n->kind) {
    case EXPR_STMT_BLOCK: return chk_block(c, n, completes);
    case EXPR_STMT_EMPTY: return chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
    case EXPR_STMT_EXPR: {
        bnode_t *b = chk_node(c, S_EXPR, (expr_type_t){NULL, NULL});
        if (!b || !(b->a = chk_expr(c, n->u.unary.operand))) return NULL;
        return b;
    }
    case EXPR_STMT_LOCAL: return local_decl(c, n);
    case EXPR_STMT_IF: {
        bnode_t *b = chk_node(c, S_IF, (expr_type_t){NULL, NULL});
        if (!b || !(b->a = cond_expr(c, n->u.cond.cond))) return NULL;
        bool ct = true, ce = true;
        uint32_t saved = c->nvars;
        b->b = chk_stmt(c, n->u.cond.then, &ct);
        c->nvars = saved;
        if (!b->b) return NULL;
        if (n->u.cond.otherwise) {
            b->c = chk_stmt(c, n->u.cond.otherwise, &ce);
            c->nvars = saved;
            if (!b->c) return NULL;
        }
        if (b->a->op == B_CONST) {
            /* if (true) / if (false): only one branch is reachable (C# §8.7.1) */
            *completes = b->a->u.k.u.b ? ct : ce;
        } else {
            *completes = ct || ce;
        }
        return b;
    }
    case EXPR_STMT_FOREACH: {
        bnode_t *b = chk_node(c, S_FOREACH, (expr_type_t){NULL, NULL});
        if (!b || !(b->a = chk_expr(c, n->u.foreach.collection))) return NULL;
        expr_type_t ct = b->a->type;
        if (ct.cls && !expr_class_is_enumerable(ct.cls))
            return chk_fail(c, n->u.foreach.collection, EXPR_ERR_SYNTAX,
                            "foreach statement cannot operate on variables of type '%s'", chk_type_name(c, ct));
        expr_type_t et = chk_elem_of(ct);
        uint32_t saved = c->nvars;
        if (n->u.foreach.type->kind != EXPR_TYPE_VAR) {
            expr_type_t decl;
            if (!chk_type(c, n->u.foreach.type, &decl)) return NULL;
            et = decl;
        }
        chk_var_t *v = chk_declare(c, n, n->u.foreach.name, et);
        if (!v) return NULL;
        v->is_readonly = true;
        b->slot = v->slot;
        b->cls = et.cls;
        uint32_t idx;
        b->b = loop_body(c, n->u.foreach.body, &idx);
        c->nbreakables = idx;
        c->nvars = saved;
        return b->b ? b : NULL;
    }
    case EXPR_STMT_FOR: {
        bnode_t *b = chk_node(c, S_FOR, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        uint32_t saved = c->nvars;
        const expr_list_t *init = &n->u.for_.init;
        b->nargs = (uint16_t)init->count;
        b->args = arena_alloc(c->arena, (init->count ? init->count : 1) * sizeof *b->args);
        if (!b->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < init->count; i++) {
            const expr_node_t *s = init->items[i];
            bool comp;
            if (s->kind == EXPR_STMT_LOCAL || s->kind == EXPR_STMT_EXPR) b->args[i] = chk_stmt(c, s, &comp);
            else {
                bnode_t *e = chk_node(c, S_EXPR, (expr_type_t){NULL, NULL});
                if (e && (e->a = chk_expr(c, s))) b->args[i] = e;
                else b->args[i] = NULL;
            }
            if (!b->args[i]) return NULL;
        }
        if (n->u.for_.cond && !(b->a = cond_expr(c, n->u.for_.cond))) return NULL;
        const expr_list_t *its = &n->u.for_.iterators;
        bnode_t *itb = chk_node(c, S_BLOCK, (expr_type_t){NULL, NULL});
        if (!itb) return NULL;
        itb->args = arena_alloc(c->arena, (its->count ? its->count : 1) * sizeof *itb->args);
        if (!itb->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < its->count; i++) {
            const expr_node_t *s = its->items[i];
            bnode_t *e = chk_node(c, S_EXPR, (expr_type_t){NULL, NULL});
            if (!e || !(e->a = chk_expr(c, s->kind == EXPR_STMT_EXPR ? s->u.unary.operand : s))) return NULL;
            itb->args[itb->nargs++] = e;
        }
        b->c = itb;
        uint32_t idx;
        b->b = loop_body(c, n->u.for_.body, &idx);
        bool broken = c->breakables[idx].broken;
        c->nbreakables = idx;
        c->nvars = saved;
        if (!b->b) return NULL;
        *completes = !is_const_true(b->a) || broken;
        return b;
    }
    case EXPR_STMT_WHILE:
    case EXPR_STMT_DO: {
        bool is_do = n->kind == EXPR_STMT_DO;
        bnode_t *b = chk_node(c, is_do ? S_DO : S_WHILE, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        if (!is_do && !(b->a = cond_expr(c, n->u.loop.cond))) return NULL;
        uint32_t idx;
        b->b = loop_body(c, n->u.loop.body, &idx);
        bool broken = c->breakables[idx].broken;
        c->nbreakables = idx;
        if (!b->b) return NULL;
        if (is_do && !(b->a = cond_expr(c, n->u.loop.cond))) return NULL;
        *completes = !is_const_true(b->a) || broken;
        return b;
    }
    case EXPR_STMT_SWITCH: return chk_switch(c, n, completes);
    case EXPR_STMT_RETURN: {
        *completes = false;
        if (f->finally_depth) return chk_fail(c, n, EXPR_ERR_SYNTAX, "control cannot leave the body of a finally clause");
        bnode_t *b = chk_node(c, S_RETURN, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        if (!n->u.unary.operand) {
            if (c->level == 0)
                return chk_fail(c, n, EXPR_ERR_SYNTAX, "a policy expression block must return a value");
            chk_note_return(c, T_OF(&expr_class_void));
            return b;
        }
        if (f->has_declared_return && f->declared_return.cls == &expr_class_void)
            return chk_fail(c, n, EXPR_ERR_SYNTAX, "a void local function cannot return a value");
        if (!(b->a = chk_expr(c, n->u.unary.operand))) return NULL;
        if (b->a->type.cls == &expr_class_void || b->a->op == B_LAMBDA)
            return chk_fail(c, n->u.unary.operand, EXPR_ERR_SYNTAX, "the returned expression has no value");
        if (f->has_declared_return && !(b->a = chk_convert_implicit(c, n->u.unary.operand, b->a, f->declared_return)))
            return NULL;
        chk_note_return(c, b->a->type);
        return b;
    }
    case EXPR_STMT_BREAK:
    case EXPR_STMT_CONTINUE: {
        *completes = false;
        bool brk = n->kind == EXPR_STMT_BREAK;
        int target = -1;
        for (uint32_t i = c->nbreakables; i-- > f->breakable_base;)
            if (brk || c->breakables[i].is_loop) {
                target = (int)i;
                break;
            }
        if (target < 0)
            return chk_fail(c, n, EXPR_ERR_SYNTAX, f->finally_depth ? "control cannot leave the body of a finally clause"
                                                                    : "no enclosing loop out of which to break or continue");
        if (brk) c->breakables[target].broken = true;
        return chk_node(c, brk ? S_BREAK : S_CONTINUE, (expr_type_t){NULL, NULL});
    }
    case EXPR_STMT_THROW: {
        *completes = false;
        bnode_t *b = chk_node(c, S_THROW, (expr_type_t){NULL, NULL});
        if (!b) return NULL;
        if (!n->u.unary.operand) {
            if (f->catch_slot < 0) return chk_fail(c, n, EXPR_ERR_SYNTAX, "a throw statement with no arguments is not allowed outside of a catch clause");
            bnode_t *l = chk_node(c, B_LOCAL, (expr_type_t){NULL, NULL});
            if (!l) return NULL;
            l->slot = (uint16_t)f->catch_slot;
            b->a = l;
            return b;
        }
        if (!(b->a = chk_expr(c, n->u.unary.operand))) return NULL;
        const expr_class_t *exc = expr_class_by_name_in(c->opts, "Exception", 9);
        if (b->a->type.cls && !(exc && expr_class_is(b->a->type.cls, exc)))
            return chk_fail(c, n->u.unary.operand, EXPR_ERR_SYNTAX, "the type thrown must be an Exception, not '%s'",
                            chk_type_name(c, b->a->type));
        return b;
    }
    case EXPR_STMT_TRY: return chk_try(c, n, completes);
    case EXPR_STMT_USING: return chk_using(c, n, completes);
    case EXPR_STMT_CHECKED:
        /* integer arithmetic wraps: unchecked { } is the default, a plain block */
        if (n->flags & EXPR_F_UNCHECKED) return chk_stmt(c, n->u.unary.operand, completes);
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "'%s' blocks are not supported",
                        (n->flags & EXPR_F_UNCHECKED) ? "unchecked" : "checked");
    case EXPR_STMT_FUNCTION: return bind_function(c, n);
    default:
        return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "%s is not supported as a statement",
                        expr_ast_kind_name((expr_kind_t)n->kind));
    }
}
