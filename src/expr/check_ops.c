/* The checker, part 2: literals, operators with C#'s promotions, conversions, casts,
 * is/as, interpolated strings, lambdas and constant folding. */
#include "expr/check_internal.h"

#include <string.h>

extern const expr_member_t expr_core_set_index_member; /* lib_object.c: T[] and byte[] */

static const expr_type_t T_DYN = {NULL, NULL};
#define T_OF(cls) ((expr_type_t){(cls), NULL})

bool chk_is_numeric(const expr_class_t *cls)
{
    return cls == &expr_class_int || cls == &expr_class_long || cls == &expr_class_double ||
           cls == &expr_class_char;
}

static bool is_reference(const expr_class_t *cls)
{
    return !cls || cls->tag == EXPR_V_OBJECT || cls->tag == EXPR_V_STRING ||
           cls->tag == EXPR_V_ARRAY || cls->tag == EXPR_V_BYTES;
}

bnode_t *chk_literal(chk_t *c, const expr_node_t *n)
{
    switch ((expr_kind_t)n->kind) {
    case EXPR_NULL: return chk_const(c, expr_null(), T_DYN);
    case EXPR_BOOL: return chk_const(c, expr_bool(n->u.boolean), T_OF(&expr_class_bool));
    case EXPR_INT:
        if (n->op == EXPR_NUM_INT) return chk_const(c, expr_int((int32_t)n->u.integer), T_OF(&expr_class_int));
        if (n->op == EXPR_NUM_ULONG && n->u.integer > INT64_MAX)
            return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "ulong values above long.MaxValue are not supported");
        return chk_const(c, expr_long((int64_t)n->u.integer), T_OF(&expr_class_long));
    case EXPR_REAL: return chk_const(c, expr_double(n->u.real.value), T_OF(&expr_class_double));
    case EXPR_CHAR:
        return chk_const(c, (expr_value_t){.tag = EXPR_V_CHAR, .u.i = n->u.ch}, T_OF(&expr_class_char));
    case EXPR_STRING:
        return chk_const(c, expr_str_ref(n->u.text.ptr, n->u.text.len), T_OF(&expr_class_string));
    default: return chk_fail(c, n, EXPR_ERR_SYNTAX, "not a literal");
    }
}

bnode_t *chk_fold(chk_t *c, bnode_t *b)
{
    if (!b) return NULL;
    const bnode_t *kids[3] = {b->a, b->b, b->c};
    for (int i = 0; i < 3; i++)
        if (kids[i] && kids[i]->op != B_CONST) return b;
    if (!b->a) return b;
    expr_value_t v;
    if (expr_interp_eval_const(c->arena, b, &v) != 0) return b; /* throws: at run time */
    bnode_t *k = chk_const(c, v, b->type);
    return k;
}

/* ---- conversions ---- */

static bnode_t *make_cast(chk_t *c, bnode_t *b, const expr_class_t *to, int kind, expr_type_t t)
{
    bnode_t *x = chk_node(c, B_CAST, t);
    if (!x) return NULL;
    x->a = b;
    x->cls = to;
    x->sub = (uint8_t)kind;
    return chk_fold(c, x);
}

bnode_t *chk_convert_implicit(chk_t *c, const expr_node_t *at, bnode_t *b, expr_type_t to)
{
    if (!b) return NULL;
    const expr_class_t *f = b->type.cls, *t = to.cls;
    if (!t || f == t) return b;
    if (b->op == B_LAMBDA) return b;
    if (chk_is_null_literal(b)) {
        if (is_reference(t)) return b;
        return chk_fail(c, at, EXPR_ERR_SYNTAX, "cannot convert null to '%s' because it is a value type",
                        t->name);
    }
    if (!f) {
        /* object → T: C# needs a cast; we check the runtime value instead (dynamic results) */
        if (t == &expr_class_void) return b;
        return make_cast(c, b, t, t->tag == EXPR_V_OBJECT ? CAST_CLASS : CAST_UNBOX, to);
    }
    if (t == &expr_class_enumerable && expr_class_is_enumerable(f)) return b;
    if (expr_class_is(f, t)) return b;
    if ((t == &expr_class_long && (f == &expr_class_int || f == &expr_class_char)) ||
        (t == &expr_class_double &&
         (f == &expr_class_int || f == &expr_class_long || f == &expr_class_char)) ||
        (t == &expr_class_int && f == &expr_class_char))
        return make_cast(c, b, t, CAST_NUMERIC, to);
    /* int constant that fits a char/byte context etc. is not needed here */
    return chk_fail(c, at, EXPR_ERR_SYNTAX, "cannot implicitly convert type '%s' to '%s'",
                    chk_type_name(c, b->type), chk_type_name(c, to));
}

/* ---- unary ---- */

bnode_t *chk_unary(chk_t *c, const expr_node_t *n)
{
    expr_op_t op = (expr_op_t)n->op;
    if (op == EXPR_OP_PRE_INC || op == EXPR_OP_PRE_DEC || op == EXPR_OP_POST_INC ||
        op == EXPR_OP_POST_DEC) {
        const expr_node_t *t = n->u.unary.operand;
        if (t->kind != EXPR_NAME)
            return chk_fail(c, n, EXPR_ERR_UNSUPPORTED, "'%s' is only supported on local variables",
                            expr_op_spelling(op));
        chk_var_t *v = chk_find_var(c, t->u.name.name);
        if (!v) return chk_expr(c, t);
        if (v->is_const || v->is_readonly)
            return chk_fail(c, t, EXPR_ERR_SYNTAX, "'%.*s' cannot be assigned to",
                            (int)t->u.name.name.len, t->u.name.name.ptr);
        if (v->type.cls && !chk_is_numeric(v->type.cls))
            return chk_fail(c, n, EXPR_ERR_SYNTAX, "operator '%s' cannot be applied to an operand of type '%s'",
                            expr_op_spelling(op), chk_type_name(c, v->type));
        bnode_t *b = chk_node(c, B_INCDEC, v->type);
        if (!b) return NULL;
        b->sub = (uint8_t)op;
        b->slot = v->slot;
        b->depth = (uint8_t)(c->level - v->level);
        return b;
    }
    bnode_t *a = chk_expr(c, n->u.unary.operand);
    if (!a) return NULL;
    const expr_class_t *t = a->type.cls;
    expr_type_t rt = T_DYN;
    bool ok = !t;
    switch (op) {
    case EXPR_OP_NOT:
        ok = ok || t == &expr_class_bool;
        rt = T_OF(&expr_class_bool);
        break;
    case EXPR_OP_NEGATE:
    case EXPR_OP_PLUS:
        ok = ok || chk_is_numeric(t) || t == &expr_class_timespan;
        if (t) rt = T_OF(t == &expr_class_char ? &expr_class_int : t);
        break;
    case EXPR_OP_COMPLEMENT:
        ok = ok || t == &expr_class_int || t == &expr_class_long || t == &expr_class_char;
        if (t) rt = T_OF(t == &expr_class_char ? &expr_class_int : t);
        break;
    default: ok = false;
    }
    if (!ok || chk_is_null_literal(a))
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "operator '%s' cannot be applied to an operand of type '%s'",
                        expr_op_spelling(op), chk_is_null_literal(a) ? "<null>" : chk_type_name(c, a->type));
    bnode_t *b = chk_node(c, B_UNARY, rt);
    if (!b) return NULL;
    b->sub = (uint8_t)op;
    b->a = a;
    return chk_fold(c, b);
}

/* ---- binary ---- */

/* The static result type of `l op r` (C# §7.3.6 numeric promotion), or cls == void when
 * the operator does not apply. */
static expr_type_t binary_type(expr_op_t op, const bnode_t *l, const bnode_t *r, bool *is_concat)
{
    const expr_class_t *a = l->type.cls, *b = r->type.cls;
    bool an = chk_is_null_literal(l), bn = chk_is_null_literal(r);
    const expr_type_t BAD = T_OF(&expr_class_void);
    *is_concat = false;
    if (op == EXPR_OP_ADD && ((a == &expr_class_string && !an) || (b == &expr_class_string && !bn))) {
        *is_concat = true;
        return T_OF(&expr_class_string);
    }
    if (op == EXPR_OP_EQ || op == EXPR_OP_NE) return T_OF(&expr_class_bool);
    bool cmp = op == EXPR_OP_LT || op == EXPR_OP_GT || op == EXPR_OP_LE || op == EXPR_OP_GE;
    if (an || bn) {
        if (cmp) return T_OF(&expr_class_bool);
        return (an && bn) ? BAD : T_DYN;
    }
    if (!a || !b) {
        if (cmp) return T_OF(&expr_class_bool);
        if (op == EXPR_OP_BIT_AND || op == EXPR_OP_BIT_OR || op == EXPR_OP_BIT_XOR) {
            if (a == &expr_class_bool || b == &expr_class_bool) return T_OF(&expr_class_bool);
        }
        return T_DYN;
    }
    if (chk_is_numeric(a) && chk_is_numeric(b)) {
        const expr_class_t *p = (a == &expr_class_double || b == &expr_class_double) ? &expr_class_double
                                : (a == &expr_class_long || b == &expr_class_long) ? &expr_class_long
                                                                                    : &expr_class_int;
        if (cmp) return T_OF(&expr_class_bool);
        if (op == EXPR_OP_SHL || op == EXPR_OP_SHR) {
            if (a == &expr_class_double || b == &expr_class_double || b == &expr_class_long) return BAD;
            return T_OF(a == &expr_class_long ? &expr_class_long : &expr_class_int);
        }
        if ((op == EXPR_OP_BIT_AND || op == EXPR_OP_BIT_OR || op == EXPR_OP_BIT_XOR) &&
            p == &expr_class_double)
            return BAD;
        return T_OF(p);
    }
    if (a == &expr_class_bool && b == &expr_class_bool &&
        (op == EXPR_OP_BIT_AND || op == EXPR_OP_BIT_OR || op == EXPR_OP_BIT_XOR))
        return T_OF(&expr_class_bool);
    const expr_class_t *dt = &expr_class_datetime, *ts = &expr_class_timespan;
    if (a == dt && b == dt) {
        if (cmp) return T_OF(&expr_class_bool);
        if (op == EXPR_OP_SUB) return T_OF(ts);
    }
    if (a == dt && b == ts && (op == EXPR_OP_ADD || op == EXPR_OP_SUB)) return T_OF(dt);
    if (a == ts && b == ts) {
        if (cmp) return T_OF(&expr_class_bool);
        if (op == EXPR_OP_ADD || op == EXPR_OP_SUB) return T_OF(ts);
    }
    return BAD;
}

bnode_t *chk_binary(chk_t *c, const expr_node_t *n)
{
    expr_op_t op = (expr_op_t)n->op;
    bnode_t *l = chk_expr(c, n->u.binary.left);
    if (!l) return NULL;
    bnode_t *r = chk_expr(c, n->u.binary.right);
    if (!r) return NULL;
    if (l->op == B_LAMBDA || r->op == B_LAMBDA)
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "operator '%s' cannot be applied to a lambda", expr_op_spelling(op));
    if (l->type.cls == &expr_class_void || r->type.cls == &expr_class_void)
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "operator '%s' cannot be applied to a void call", expr_op_spelling(op));
    if (op == EXPR_OP_AND || op == EXPR_OP_OR) {
        expr_type_t tb = T_OF(&expr_class_bool);
        if ((l->type.cls && l->type.cls != &expr_class_bool) || chk_is_null_literal(l) ||
            (r->type.cls && r->type.cls != &expr_class_bool) || chk_is_null_literal(r))
            return chk_fail(c, n, EXPR_ERR_SYNTAX,
                            "operator '%s' cannot be applied to operands of type '%s' and '%s'",
                            expr_op_spelling(op), chk_type_name(c, l->type), chk_type_name(c, r->type));
        l = chk_convert_implicit(c, n, l, tb);
        r = chk_convert_implicit(c, n, r, tb);
        bnode_t *b = chk_node(c, op == EXPR_OP_AND ? B_AND : B_OR, tb);
        if (!b || !l || !r) return NULL;
        b->a = l;
        b->b = r;
        return chk_fold(c, b);
    }
    if (op == EXPR_OP_COALESCE) {
        bnode_t *b = chk_node(c, B_COALESCE, chk_is_null_literal(l) ? r->type : l->type);
        if (!b) return NULL;
        if (l->type.cls && r->type.cls && l->type.cls != r->type.cls && !chk_is_null_literal(r) &&
            !expr_class_is(r->type.cls, l->type.cls)) {
            if (chk_is_numeric(l->type.cls) && chk_is_numeric(r->type.cls)) {
                bool dbl = l->type.cls == &expr_class_double || r->type.cls == &expr_class_double;
                bool lng = l->type.cls == &expr_class_long || r->type.cls == &expr_class_long;
                b->type = T_OF(dbl ? &expr_class_double : lng ? &expr_class_long : &expr_class_int);
            } else if (r->op != B_THROWX) {
                return chk_fail(c, n, EXPR_ERR_SYNTAX,
                                "operator '?\?' cannot be applied to operands of type '%s' and '%s'",
                                chk_type_name(c, l->type), chk_type_name(c, r->type));
            }
        }
        b->a = l;
        b->b = r;
        return b;
    }
    bool concat;
    expr_type_t t = binary_type(op, l, r, &concat);
    if (t.cls == &expr_class_void)
        return chk_fail(c, n, EXPR_ERR_SYNTAX,
                        "operator '%s' cannot be applied to operands of type '%s' and '%s'",
                        expr_op_spelling(op), chk_is_null_literal(l) ? "<null>" : chk_type_name(c, l->type),
                        chk_is_null_literal(r) ? "<null>" : chk_type_name(c, r->type));
    bnode_t *b = chk_node(c, B_BINARY, t);
    if (!b) return NULL;
    b->sub = (uint8_t)op;
    if (concat) b->flags |= BF_STRING;
    b->a = l;
    b->b = r;
    return chk_fold(c, b);
}

/* The common type of the branches of ?: (C# §7.14), or void when there is none. */
static expr_type_t common_type(const bnode_t *x, const bnode_t *y)
{
    const expr_class_t *a = x->type.cls, *b = y->type.cls;
    if (chk_is_null_literal(x)) return y->type;
    if (chk_is_null_literal(y)) return x->type;
    if (y->op == B_THROWX) return x->type;
    if (x->op == B_THROWX) return y->type;
    if (a == b) return x->type.elem == y->type.elem ? x->type : T_OF(a);
    if (!a || !b) return T_DYN;
    if (chk_is_numeric(a) && chk_is_numeric(b)) {
        if (a == &expr_class_double || b == &expr_class_double) return T_OF(&expr_class_double);
        if (a == &expr_class_long || b == &expr_class_long) return T_OF(&expr_class_long);
        return T_OF(&expr_class_int);
    }
    if (expr_class_is(a, b)) return y->type;
    if (expr_class_is(b, a)) return x->type;
    return T_OF(&expr_class_void);
}

bnode_t *chk_conditional(chk_t *c, const expr_node_t *n)
{
    bnode_t *cond = chk_expr(c, n->u.cond.cond);
    if (!cond) return NULL;
    if (cond->type.cls && cond->type.cls != &expr_class_bool)
        return chk_fail(c, n->u.cond.cond, EXPR_ERR_SYNTAX, "cannot implicitly convert type '%s' to 'bool'",
                        chk_type_name(c, cond->type));
    cond = chk_convert_implicit(c, n, cond, T_OF(&expr_class_bool));
    bnode_t *x = chk_expr(c, n->u.cond.then);
    bnode_t *y = x ? chk_expr(c, n->u.cond.otherwise) : NULL;
    if (!cond || !x || !y) return NULL;
    expr_type_t t = common_type(x, y);
    if (t.cls == &expr_class_void)
        return chk_fail(c, n, EXPR_ERR_SYNTAX,
                        "type of conditional expression cannot be determined because there is no implicit conversion between '%s' and '%s'",
                        chk_type_name(c, x->type), chk_type_name(c, y->type));
    if (t.cls && chk_is_numeric(t.cls)) {
        x = chk_convert_implicit(c, n->u.cond.then, x, t);
        y = chk_convert_implicit(c, n->u.cond.otherwise, y, t);
        if (!x || !y) return NULL;
    }
    if (cond->op == B_CONST) return cond->u.k.u.b ? x : y;
    bnode_t *b = chk_node(c, B_COND, t);
    if (!b) return NULL;
    b->a = cond;
    b->b = x;
    b->c = y;
    return b;
}

static expr_op_t compound_base(expr_op_t op)
{
    switch (op) {
    case EXPR_OP_ADD_ASSIGN: return EXPR_OP_ADD;
    case EXPR_OP_SUB_ASSIGN: return EXPR_OP_SUB;
    case EXPR_OP_MUL_ASSIGN: return EXPR_OP_MUL;
    case EXPR_OP_DIV_ASSIGN: return EXPR_OP_DIV;
    case EXPR_OP_MOD_ASSIGN: return EXPR_OP_MOD;
    case EXPR_OP_AND_ASSIGN: return EXPR_OP_BIT_AND;
    case EXPR_OP_OR_ASSIGN: return EXPR_OP_BIT_OR;
    case EXPR_OP_XOR_ASSIGN: return EXPR_OP_BIT_XOR;
    case EXPR_OP_SHL_ASSIGN: return EXPR_OP_SHL;
    case EXPR_OP_SHR_ASSIGN: return EXPR_OP_SHR;
    case EXPR_OP_COALESCE_ASSIGN: return EXPR_OP_COALESCE;
    default: return EXPR_OP_NONE;
    }
}

static expr_node_t *syn_node(chk_t *c, const expr_node_t *like, expr_kind_t kind)
{
    expr_node_t *x = arena_alloc(c->arena, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind;
    x->pos = like->pos;
    x->height = like->height;
    return x;
}

/* obj.Name = v: a call of the method set_Name(v) on obj (C# compiles a property setter to
 * that name; the libraries define their setters so, value.h). The call is bound as if
 * written, so a dynamic receiver dispatches at run time over the classes that have the
 * setter. obj.Name op= v is obj.set_Name(obj.Name op v): the receiver is evaluated twice,
 * so it must be a plain name or a chain of properties (no call, no indexer). */
static bnode_t *assign_property(chk_t *c, const expr_node_t *n, const expr_node_t *target, expr_op_t op)
{
    if (target->flags & EXPR_F_CONDITIONAL)
        return chk_fail(c, target, EXPR_ERR_SYNTAX,
                        "the left-hand side of an assignment must be a variable, property or indexer");
    slice_t nm = target->u.name.name;
    char *setter = arena_alloc(c->arena, nm.len + 5);
    if (!setter) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    memcpy(setter, "set_", 4);
    memcpy(setter + 4, nm.ptr, nm.len);
    setter[nm.len + 4] = '\0';
    const expr_node_t *value = n->u.binary.right;
    if (op != EXPR_OP_ASSIGN) {
        for (const expr_node_t *r = target->u.name.target; r && r->kind != EXPR_NAME; r = r->u.name.target)
            if (r->kind != EXPR_MEMBER || (r->flags & EXPR_F_CONDITIONAL))
                return chk_fail(c, n, EXPR_ERR_UNSUPPORTED,
                                "compound assignment to a property of a computed value is not supported");
        expr_node_t *bin = syn_node(c, n, EXPR_BINARY);
        if (!bin) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
        bin->op = (uint8_t)compound_base(op);
        bin->u.binary.left = (expr_node_t *)target;
        bin->u.binary.right = (expr_node_t *)value;
        value = bin;
    }
    expr_node_t *callee = syn_node(c, target, EXPR_MEMBER);
    expr_node_t *arg = syn_node(c, value, EXPR_ARG);
    expr_node_t *inv = syn_node(c, n, EXPR_INVOKE);
    expr_node_t **items = arena_alloc(c->arena, sizeof *items);
    if (!callee || !arg || !inv || !items) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    callee->u.name.target = target->u.name.target;
    callee->u.name.name = (slice_t){setter, nm.len + 4};
    arg->u.arg.value = (expr_node_t *)value;
    items[0] = arg;
    inv->u.call.target = callee;
    inv->u.call.args = (expr_list_t){items, 1};
    /* a property without a setter reads as C# says it */
    bnode_t *b = chk_expr(c, inv);
    if (!b && c->rc && c->err && strstr(c->err->message, setter)) {
        c->rc = 0;
        return chk_fail(c, target, EXPR_ERR_SYNTAX,
                        "property '%.*s' cannot be assigned to (it is read only, or unknown)",
                        (int)nm.len, nm.ptr);
    }
    return b;
}

bnode_t *chk_assign(chk_t *c, const expr_node_t *n)
{
    const expr_node_t *target = n->u.binary.left;
    expr_op_t op = (expr_op_t)n->op;
    if (target->kind == EXPR_INDEX && op == EXPR_OP_ASSIGN) {
        /* x[k] = v: the class's set_Item(k, v) method (value.h) */
        bnode_t *recv = chk_expr(c, target->u.call.target);
        if (!recv) return NULL;
        const expr_member_t *m = recv->type.cls ? expr_class_find(recv->type.cls, "set_Item", EXPR_M_METHOD) : NULL;
        bool core = false;
        if (!m && (recv->type.cls == &expr_class_array || recv->type.cls == &expr_class_bytes)) {
            /* T[] and byte[]: the core's element store (lib_object.c) */
            m = &expr_core_set_index_member;
            core = true;
        }
        if (!m || target->u.call.args.count != 1)
            return chk_fail(c, target, EXPR_ERR_UNSUPPORTED, "assigning to an element of %s is not supported",
                            chk_type_name(c, recv->type));
        bnode_t *k = chk_expr(c, target->u.call.args.items[0]->u.arg.value);
        bnode_t *v = k ? chk_expr(c, n->u.binary.right) : NULL;
        if (!v) return NULL;
        if (core) {
            expr_type_t et = recv->type.cls == &expr_class_bytes ? T_OF(&expr_class_int)
                                                                  : (expr_type_t){recv->type.elem, NULL};
            k = chk_convert_implicit(c, target, k, T_OF(&expr_class_int));
            if (k && et.cls) v = chk_convert_implicit(c, n->u.binary.right, v, et);
            if (!k || !v) return NULL;
        } else if (m->params) {
            k = chk_convert_implicit(c, target, k, m->params[0]);
            v = chk_convert_implicit(c, n->u.binary.right, v, m->params[1]);
            if (!k || !v) return NULL;
        }
        bnode_t *b = chk_node(c, B_CALL, v->type);
        if (!b || !(b->args = arena_alloc(c->arena, 2 * sizeof *b->args))) return NULL;
        b->a = recv;
        b->nargs = 2;
        b->args[0] = k;
        b->args[1] = v;
        b->u.call = (expr_call_t){.member = m, .receiver_type = recv->type};
        return b;
    }
    if (target->kind == EXPR_MEMBER) return assign_property(c, n, target, op);
    if (target->kind != EXPR_NAME)
        return chk_fail(c, target, EXPR_ERR_UNSUPPORTED,
                        "assigning to %s is not supported (only local variables, properties and indexers with a setter)",
                        "this target");
    chk_var_t *v = chk_find_var(c, target->u.name.name);
    if (!v) {
        chk_expr(c, target);
        return NULL;
    }
    if (v->is_const || v->is_readonly)
        return chk_fail(c, target, EXPR_ERR_SYNTAX, "'%.*s' cannot be assigned to",
                        (int)target->u.name.name.len, target->u.name.name.ptr);
    bnode_t *b = chk_node(c, B_ASSIGN, v->type);
    if (!b) return NULL;
    b->slot = v->slot;
    b->depth = (uint8_t)(c->level - v->level);
    b->sub = (uint8_t)op;
    bnode_t *r = chk_expr(c, n->u.binary.right);
    if (!r) return NULL;
    if (op == EXPR_OP_ASSIGN) {
        b->a = chk_convert_implicit(c, n->u.binary.right, r, v->type);
        return b->a ? b : NULL;
    }
    /* x op= y is x = (T)(x op y) */
    bnode_t *cur = chk_node(c, B_LOCAL, v->type);
    if (!cur) return NULL;
    cur->slot = b->slot;
    cur->depth = b->depth;
    expr_op_t bop = compound_base(op);
    bnode_t *val;
    if (bop == EXPR_OP_COALESCE) {
        val = chk_node(c, B_COALESCE, v->type);
        if (!val) return NULL;
        val->a = cur;
        val->b = r;
    } else {
        bool concat;
        expr_type_t t = binary_type(bop, cur, r, &concat);
        if (t.cls == &expr_class_void)
            return chk_fail(c, n, EXPR_ERR_SYNTAX,
                            "operator '%s' cannot be applied to operands of type '%s' and '%s'",
                            expr_op_spelling(op), chk_type_name(c, v->type), chk_type_name(c, r->type));
        val = chk_node(c, B_BINARY, t);
        if (!val) return NULL;
        val->sub = (uint8_t)bop;
        if (concat) val->flags |= BF_STRING;
        val->a = cur;
        val->b = r;
        if (v->type.cls && t.cls != v->type.cls && chk_is_numeric(v->type.cls) && chk_is_numeric(t.cls))
            val = make_cast(c, val, v->type.cls, CAST_NUMERIC, v->type);
        else val = chk_convert_implicit(c, n, val, v->type);
        if (!val) return NULL;
    }
    b->a = val;
    return b;
}

/* ---- casts, is, as ---- */

bnode_t *chk_cast(chk_t *c, const expr_node_t *n)
{
    expr_type_t to;
    if (!chk_type(c, n->u.typed.type, &to)) return NULL;
    bnode_t *a = chk_expr(c, n->u.typed.operand);
    if (!a) return NULL;
    const expr_class_t *f = a->type.cls, *t = to.cls;
    if (!t) return a->op == B_CONST ? chk_const(c, a->u.k, T_DYN) : (a->type = T_DYN, a);
    if (chk_is_null_literal(a)) {
        if (is_reference(t)) return chk_const(c, expr_null(), to);
        return chk_fail(c, n, EXPR_ERR_SYNTAX, "cannot convert null to '%s' because it is a value type", t->name);
    }
    if (f == t) {
        if (a->op == B_CONST) return chk_const(c, a->u.k, to);
        bnode_t *x = make_cast(c, a, t, CAST_NOOP, to);
        return x;
    }
    if (!f) return make_cast(c, a, t, t->tag == EXPR_V_OBJECT ? CAST_CLASS : CAST_UNBOX, to);
    if (chk_is_numeric(f) && chk_is_numeric(t)) return make_cast(c, a, t, CAST_NUMERIC, to);
    if (f->tag == EXPR_V_OBJECT) {
        /* a class's own conversions ((string)jtoken, (int)jvalue) or a downcast */
        return make_cast(c, a, t, t->tag == EXPR_V_OBJECT ? CAST_CLASS : CAST_UNBOX, to);
    }
    if (expr_class_is(f, t)) return make_cast(c, a, t, CAST_NOOP, to);
    return chk_fail(c, n, EXPR_ERR_SYNTAX, "cannot convert type '%s' to '%s'", chk_type_name(c, a->type),
                    chk_type_name(c, to));
}

bnode_t *chk_is_as(chk_t *c, const expr_node_t *n)
{
    bool is = n->kind == EXPR_IS;
    const expr_node_t *opnd = is ? n->u.is.operand : n->u.typed.operand;
    const expr_node_t *tn = is ? n->u.is.type : n->u.typed.type;
    bnode_t *a = chk_expr(c, opnd);
    if (!a) return NULL;
    if (is && !tn) {
        /* x is constant */
        bnode_t *k = chk_expr(c, n->u.is.constant);
        if (!k) return NULL;
        if (k->op != B_CONST) return chk_fail(c, n->u.is.constant, EXPR_ERR_SYNTAX, "a constant value is expected");
        bnode_t *b = chk_node(c, B_IS, T_OF(&expr_class_bool));
        if (!b) return NULL;
        b->a = a;
        b->b = k;
        return b;
    }
    expr_type_t t = T_DYN;
    bool is_var = tn->kind == EXPR_TYPE_VAR;
    if (!is_var && !chk_type(c, tn, &t)) return NULL;
    bnode_t *b = chk_node(c, is ? B_IS : B_AS, is ? T_OF(&expr_class_bool) : t);
    if (!b) return NULL;
    b->a = a;
    b->cls = is_var ? NULL : (t.cls ? t.cls : &expr_class_object);
    if (is && n->u.is.name.len) {
        if (is_var) return chk_fail(c, tn, EXPR_ERR_UNSUPPORTED, "'is var' patterns are not supported");
        chk_var_t *v = chk_declare(c, n, n->u.is.name, t);
        if (!v) return NULL;
        b->flags |= BF_BINDS;
        b->slot = v->slot;
    }
    return b;
}

/* ---- interpolated strings ---- */

bnode_t *chk_interpolated(chk_t *c, const expr_node_t *n)
{
    bnode_t *b = chk_node(c, B_INTERP, T_OF(&expr_class_string));
    if (!b) return NULL;
    b->nargs = (uint16_t)n->u.list.count;
    b->args = arena_alloc(c->arena, (b->nargs ? b->nargs : 1) * sizeof *b->args);
    if (!b->args) return chk_fail(c, n, EXPR_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n->u.list.count; i++) {
        const expr_node_t *p = n->u.list.items[i];
        if (p->kind == EXPR_STRING) {
            if (!(b->args[i] = chk_literal(c, p))) return NULL;
            continue;
        }
        bnode_t *h = chk_node(c, B_HOLE, T_OF(&expr_class_string));
        if (!h || !(h->a = chk_expr(c, p->u.hole.value))) return NULL;
        if (h->a->type.cls == &expr_class_void || h->a->op == B_LAMBDA)
            return chk_fail(c, p, EXPR_ERR_SYNTAX, "an interpolation hole needs a value");
        if (p->u.hole.alignment) {
            h->b = chk_convert_implicit(c, p->u.hole.alignment, chk_expr(c, p->u.hole.alignment),
                                        T_OF(&expr_class_int));
            if (!h->b) return NULL;
        }
        if (p->u.hole.format.ptr) {
            h->u.k = expr_str_ref(p->u.hole.format.ptr, p->u.hole.format.len);
            const expr_class_t *vc = h->a->type.cls;
            if (vc) {
                const expr_member_t *m = NULL;
                for (const expr_class_t *k = vc; k && !m; k = k->base)
                    for (size_t j = 0; j < k->member_count; j++)
                        if (k->members[j].kind == EXPR_M_METHOD && strcmp(k->members[j].name, "ToString") == 0 &&
                            k->members[j].min_args <= 1 && (k->members[j].max_args >= 1)) {
                            m = &k->members[j];
                            break;
                        }
                if (!m)
                    return chk_fail(c, p, EXPR_ERR_UNSUPPORTED, "format strings are not supported for %s values",
                                    vc->name);
                h->flags |= BF_VOID; /* marks: call u_fmt member */
                h->cls = vc;
                h->c = (bnode_t *)(uintptr_t)0;
                h->hole_dyn = NULL;
                bdyn_t *d = arena_alloc(c->arena, sizeof *d);
                bdyn_cand_t *cd = arena_alloc(c->arena, sizeof *cd);
                if (!d || !cd) return chk_fail(c, p, EXPR_ERR_NOMEM, "out of memory");
                cd->cls = vc;
                cd->call = (expr_call_t){.member = m, .receiver_type = h->a->type};
                d->cands = cd;
                d->count = 1;
                d->name = "ToString";
                h->hole_dyn = d;
            } else {
                extern void chk_tostring_cands(chk_t * c, bdyn_t * *out);
                bdyn_t *d = NULL;
                chk_tostring_cands(c, &d);
                if (!d) return NULL;
                h->hole_dyn = d;
            }
        }
        b->args[i] = h;
    }
    return b;
}

typedef struct {
    chk_t *c;
    bdyn_cand_t *cands;
    uint32_t count, cap;
} ts_search_t;

static void ts_visit(const expr_class_t *cls, void *ctx)
{
    ts_search_t *s = ctx;
    for (size_t j = 0; j < cls->member_count; j++) {
        const expr_member_t *m = &cls->members[j];
        if (m->kind != EXPR_M_METHOD || strcmp(m->name, "ToString") != 0 || m->min_args > 1 || m->max_args < 1)
            continue;
        if (!chk_cands_room(s->c, &s->cands, s->count, &s->cap)) return;
        s->cands[s->count++] = (bdyn_cand_t){cls, {.member = m, .receiver_type = {cls, NULL}}};
        return;
    }
}

void chk_tostring_cands(chk_t *c, bdyn_t **out)
{
    ts_search_t s = {.c = c};
    expr_classes_visit(c->opts, ts_visit, &s);
    bdyn_t *d = arena_alloc(c->arena, sizeof *d);
    if (!d) {
        chk_fail(c, NULL, EXPR_ERR_NOMEM, "out of memory");
        return;
    }
    d->cands = s.cands;
    d->count = s.count;
    d->name = "ToString";
    *out = d;
}

/* ---- lambdas ---- */

bnode_t *chk_lambda(chk_t *c, const expr_node_t *n, expr_type_t param0)
{
    uint32_t saved_vars;
    chk_func_t *f = chk_enter_function(c, n, "lambdas", &saved_vars);
    if (!f) return NULL;
    const expr_list_t *ps = &n->u.lambda.params;
    for (uint32_t i = 0; i < ps->count; i++) {
        const expr_node_t *p = ps->items[i];
        expr_type_t t = i == 0 ? param0 : T_DYN;
        if (p->u.typed.type && !chk_type(c, p->u.typed.type, &t)) goto fail;
        if (!chk_declare(c, p, p->u.typed.name, t)) goto fail;
    }
    expr_lambda_t *l = arena_alloc(c->arena, sizeof *l);
    bnode_t *b = chk_node(c, B_LAMBDA, T_DYN);
    if (!l || !b) goto fail;
    memset(l, 0, sizeof *l);
    l->nparams = (uint16_t)ps->count;
    if (n->u.lambda.body->kind == EXPR_STMT_BLOCK) {
        bool completes;
        l->body = chk_block(c, n->u.lambda.body, &completes);
        if (!l->body) goto fail;
        l->is_block = true;
        if (completes && f->has_return_type)
            chk_fail(c, n, EXPR_ERR_SYNTAX, "lambda expression: not all code paths return a value");
        b->type = f->has_return_type ? f->return_type : T_OF(&expr_class_void);
    } else {
        l->body = chk_expr(c, n->u.lambda.body);
        if (!l->body) goto fail;
        b->type = l->body->type;
    }
    if (c->rc) goto fail;
    l->nslots = (uint16_t)f->nslots;
    b->u.lambda = l;
    chk_leave_function(c, saved_vars);
    return b;
fail:
    chk_leave_function(c, saved_vars);
    return NULL;
}
