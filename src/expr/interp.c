/* The interpreter: runs a bound program (bound.h) over tagged values (value.h). A tree
 * walk whose recursion is bounded by the parser's tree height; loops and lambda calls
 * spend rt->budget. Operators and conversions are in interp_ops.c. */
#include "expr/bound.h"

#include <string.h>

/* eval results besides 0 and EXPR_THROWN */
#define R_SHORT 1 /* a ?. / ?[ met null: the chain's value is null. Only a call's receiver
                     returns it (the checker wraps every chain holding ?. in B_NULLCHAIN). */
/* exec results */
#define X_NORMAL 0
#define X_BREAK 2
#define X_CONTINUE 3
#define X_RETURN 4

#define BUDGET_EXCEPTION "Meridian.ExpressionBudgetExceededException"

typedef struct frame {
    expr_value_t *slots;
    const struct frame *up;
    unsigned calls; /* local function and lambda calls below the program's frame (bounds recursion) */
} frame_t;

#define MAX_CALL_DEPTH 200

static int eval(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *out);
static int exec(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *ret);

static inline expr_value_t *slot_ref(const frame_t *f, unsigned depth, unsigned slot)
{
    while (depth--) f = f->up;
    return &f->slots[slot];
}

static int spend(expr_rt_t *rt)
{
    if (rt->budget == 0) {
        expr_throw(rt, BUDGET_EXCEPTION, "the expression ran out of its step budget (endless loop?)");
        return EXPR_THROWN;
    }
    rt->budget--;
    return 0;
}

static int null_ref(expr_rt_t *rt)
{
    return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
}

/* ---- calls ---- */

static int store_outs(const frame_t *f, const bnode_t *n, const expr_value_t *argv)
{
    for (unsigned i = 0; i < n->nargs; i++)
        if (n->outs[i]) *slot_ref(f, n->out_depth[i], n->outs[i] - 1u) = argv[i];
    return 0;
}

static int eval_args(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *argv)
{
    for (unsigned i = 0; i < n->nargs; i++) {
        const bnode_t *a = n->args[i];
        if (a->op == B_LAMBDA) {
            argv[i] = (expr_value_t){.tag = EXPR_V_LAMBDA, .u.fn = {a->u.lambda, (void *)f}};
            continue;
        }
        int rc = eval(rt, f, a, &argv[i]);
        if (rc) return rc;
    }
    return 0;
}

/* The values of n->args in a new arena array: the items of an array initializer, the
 * properties of an anonymous object. An operand cut short by ?. (R_SHORT) stores null. */
static int eval_items(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t **items)
{
    *items = expr_rt_alloc(rt, (n->nargs ? n->nargs : 1) * sizeof **items);
    if (!*items) return EXPR_THROWN;
    for (unsigned i = 0; i < n->nargs; i++) {
        int rc = eval(rt, f, n->args[i], &(*items)[i]);
        if (rc == R_SHORT) (*items)[i] = expr_null(), rc = 0;
        if (rc) return rc;
    }
    return 0;
}

static bool cand_matches(const bdyn_cand_t *cd, const expr_class_t *vc, const expr_value_t *v)
{
    if (cd->cls == &expr_class_enumerable)
        return v->tag == EXPR_V_ARRAY || v->tag == EXPR_V_STRING || v->tag == EXPR_V_BYTES ||
               expr_class_is_enumerable(vc);
    return expr_class_is(vc, cd->cls);
}

static int eval_call(expr_rt_t *rt, const frame_t *f, const bnode_t *n, const expr_value_t *self_in,
                     expr_value_t *out)
{
    expr_value_t self = expr_null();
    const expr_value_t *selfp = NULL;
    if (self_in) {
        self = *self_in;
        selfp = &self;
    } else if (n->a) {
        int rc = eval(rt, f, n->a, &self);
        if (rc) return rc;
        if (self.tag == EXPR_V_NULL) return (n->flags & BF_COND) ? R_SHORT : null_ref(rt);
        selfp = &self;
    }
    expr_value_t small[8];
    expr_value_t *argv = small;
    if (n->nargs > 8) {
        argv = expr_rt_alloc(rt, n->nargs * sizeof *argv);
        if (!argv) return EXPR_THROWN;
    }
    int rc = eval_args(rt, f, n, argv);
    if (rc) return rc;
    const expr_call_t *call;
    if (n->op == B_DYNCALL) {
        const bdyn_t *d = n->u.dyn;
        const expr_class_t *vc = expr_value_class(&self);
        call = NULL;
        for (uint32_t i = 0; i < d->count; i++)
            if (cand_matches(&d->cands[i], vc, &self)) {
                call = &d->cands[i].call;
                break;
            }
        if (!call)
            return expr_throw(rt, "Microsoft.CSharp.RuntimeBinder.RuntimeBinderException",
                              "'%s' does not contain a definition for '%s'",
                              vc && vc->full_name ? vc->full_name : vc ? vc->name : "null", d->name);
    } else {
        call = &n->u.call;
    }
    *out = expr_null();
    rc = call->member->fn(rt, call, selfp, argv, n->nargs, out);
    if (rc) return rc == EXPR_THROWN ? rc : expr_throw(rt, "InvalidOperationException", "native failed");
    if (n->outs) store_outs(f, n, argv);
    return 0;
}

/* A local function: a new frame over the declaring one (closures see its locals) */
static int call_local(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *out)
{
    const expr_lambda_t *l = n->u.lambda;
    if (spend(rt)) return EXPR_THROWN;
    if (f->calls >= MAX_CALL_DEPTH)
        return expr_throw(rt, "InsufficientExecutionStackException", "Insufficient stack to continue executing the program safely.");
    expr_value_t slots[l->nslots ? l->nslots : 1];
    for (unsigned i = 0; i < l->nslots; i++) slots[i] = expr_null();
    for (unsigned i = 0; i < n->nargs && i < l->nslots; i++) {
        int rc = eval(rt, f, n->args[i], &slots[i]);
        if (rc == R_SHORT) slots[i] = expr_null(), rc = 0;
        if (rc) return rc;
    }
    const frame_t *env = f;
    for (unsigned d = n->depth; d--;) env = env->up;
    frame_t fr = {slots, env, f->calls + 1};
    *out = expr_null();
    if (!l->is_block) {
        int rc = eval(rt, &fr, l->body, out);
        return rc == R_SHORT ? (*out = expr_null(), 0) : rc;
    }
    int rc = exec(rt, &fr, l->body, out);
    return rc == EXPR_THROWN ? rc : 0;
}

/* ---- lambdas and enumeration (value.h) ---- */

int expr_rt_invoke(expr_rt_t *rt, const expr_value_t *lambda, const expr_value_t *args,
                   unsigned argc, expr_value_t *out)
{
    if (lambda->tag != EXPR_V_LAMBDA) return expr_throw(rt, "InvalidCastException", "not a lambda");
    if (spend(rt)) return EXPR_THROWN;
    const expr_lambda_t *l = lambda->u.fn.code;
    expr_value_t slots[l->nslots ? l->nslots : 1];
    for (unsigned i = 0; i < l->nslots; i++) slots[i] = expr_null();
    for (unsigned i = 0; i < l->nparams && i < argc; i++) slots[i] = args[i];
    const frame_t *env = lambda->u.fn.env;
    frame_t fr = {slots, env, env ? env->calls + 1 : 1};
    if (fr.calls > MAX_CALL_DEPTH)
        return expr_throw(rt, "InsufficientExecutionStackException", "Insufficient stack to continue executing the program safely.");
    *out = expr_null();
    if (!l->is_block) {
        int rc = eval(rt, &fr, l->body, out);
        return rc == R_SHORT ? (*out = expr_null(), 0) : rc;
    }
    int rc = exec(rt, &fr, l->body, out);
    return rc == EXPR_THROWN ? rc : 0;
}

/* UTF-8 → UTF-16 code units (C# string enumeration yields chars). */
static int string_chars(expr_rt_t *rt, const expr_value_t *v, expr_value_t **items, uint32_t *count)
{
    const unsigned char *s = (const unsigned char *)v->u.s.ptr;
    uint32_t len = v->u.s.len;
    expr_value_t *out = expr_rt_alloc(rt, ((size_t)len * 2 + 1) * sizeof *out);
    if (!out) return EXPR_THROWN;
    uint32_t n = 0;
    for (uint32_t i = 0; i < len;) {
        uint32_t cp = s[i], extra = 0;
        if (cp >= 0xF0 && cp < 0xF8) cp &= 0x07, extra = 3;
        else if (cp >= 0xE0) cp &= 0x0F, extra = 2;
        else if (cp >= 0xC0) cp &= 0x1F, extra = 1;
        i++;
        for (uint32_t k = 0; k < extra && i < len; k++, i++) cp = (cp << 6) | (s[i] & 0x3F);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[n++] = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0xD800 + (cp >> 10)};
            out[n++] = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0xDC00 + (cp & 0x3FF)};
        } else {
            out[n++] = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = cp};
        }
    }
    *items = out;
    *count = n;
    return 0;
}

int expr_rt_enumerate(expr_rt_t *rt, const expr_value_t *v, expr_value_t **items, uint32_t *count)
{
    switch (v->tag) {
    case EXPR_V_NULL: return null_ref(rt);
    case EXPR_V_ARRAY:
        *items = v->u.arr.items;
        *count = v->u.arr.count;
        return 0;
    case EXPR_V_STRING: return string_chars(rt, v, items, count);
    case EXPR_V_BYTES: {
        expr_value_t *out = expr_rt_alloc(rt, (v->u.s.len ? v->u.s.len : 1) * sizeof *out);
        if (!out) return EXPR_THROWN;
        for (uint32_t i = 0; i < v->u.s.len; i++) out[i] = expr_int((unsigned char)v->u.s.ptr[i]);
        *items = out;
        *count = v->u.s.len;
        return 0;
    }
    case EXPR_V_OBJECT:
        for (const expr_class_t *c = v->u.obj.cls; c; c = c->base)
            if (c->enumerate) return c->enumerate(rt, v, items, count);
        break;
    default: break;
    }
    const expr_class_t *c = expr_value_class(v);
    return expr_throw(rt, "InvalidCastException", "'%s' is not enumerable", c && c->full_name ? c->full_name : "value");
}

/* ---- strings ---- */

static int concat2(expr_rt_t *rt, const expr_value_t *x, const expr_value_t *y, expr_value_t *out)
{
    expr_value_t a, b;
    if (x->tag == EXPR_V_STRING) a = *x;
    else if (x->tag == EXPR_V_NULL) a = expr_str_ref("", 0);
    else if (expr_value_to_string(rt, x, &a)) return EXPR_THROWN;
    if (y->tag == EXPR_V_STRING) b = *y;
    else if (y->tag == EXPR_V_NULL) b = expr_str_ref("", 0);
    else if (expr_value_to_string(rt, y, &b)) return EXPR_THROWN;
    if (!a.u.s.len) {
        *out = b;
        return 0;
    }
    if (!b.u.s.len) {
        *out = a;
        return 0;
    }
    size_t len = (size_t)a.u.s.len + b.u.s.len;
    if (len > UINT32_MAX) return expr_throw(rt, "OutOfMemoryException", "string too long");
    char *p = expr_rt_alloc(rt, len + 1);
    if (!p) return EXPR_THROWN;
    memcpy(p, a.u.s.ptr, a.u.s.len);
    memcpy(p + a.u.s.len, b.u.s.ptr, b.u.s.len);
    p[len] = '\0';
    *out = expr_str_ref(p, len);
    return 0;
}

static uint32_t utf16_len(const expr_value_t *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->u.s.len; i++) {
        unsigned char ch = (unsigned char)s->u.s.ptr[i];
        if ((ch & 0xC0) != 0x80) n += ch >= 0xF0 ? 2 : 1;
    }
    return n;
}

static int eval_interp(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *out)
{
    expr_value_t small[16];
    expr_value_t *parts = small;
    if (n->nargs > 16 && !(parts = expr_rt_alloc(rt, n->nargs * sizeof *parts))) return EXPR_THROWN;
    size_t total = 0;
    for (unsigned i = 0; i < n->nargs; i++) {
        const bnode_t *p = n->args[i];
        if (p->op == B_CONST) {
            parts[i] = p->u.k;
            total += parts[i].u.s.len;
            continue;
        }
        expr_value_t v;
        int rc = eval(rt, f, p->a, &v);
        if (rc == R_SHORT) v = expr_null(), rc = 0;
        if (rc) return rc;
        expr_value_t s = expr_str_ref("", 0);
        if (v.tag == EXPR_V_NULL) {
        } else if (p->hole_dyn) {
            const expr_class_t *vc = expr_value_class(&v);
            const expr_call_t *call = NULL;
            for (uint32_t k = 0; k < p->hole_dyn->count && !call; k++)
                if (expr_class_is(vc, p->hole_dyn->cands[k].cls)) call = &p->hole_dyn->cands[k].call;
            if (call) {
                expr_value_t arg = p->u.k;
                if ((rc = call->member->fn(rt, call, &v, &arg, 1, &s))) return rc;
                if (s.tag != EXPR_V_STRING && expr_value_to_string(rt, &s, &s)) return EXPR_THROWN;
            } else if (expr_value_to_string(rt, &v, &s)) {
                return EXPR_THROWN;
            }
        } else if (v.tag == EXPR_V_STRING) {
            s = v;
        } else if (expr_value_to_string(rt, &v, &s)) {
            return EXPR_THROWN;
        }
        if (p->b) {
            expr_value_t al;
            if ((rc = eval(rt, f, p->b, &al))) return rc == R_SHORT ? 0 : rc;
            int64_t w = al.u.i;
            uint32_t have = utf16_len(&s);
            int64_t pad = (w < 0 ? -w : w) - have;
            if (pad > 0 && pad < (1 << 20)) {
                char *q = expr_rt_alloc(rt, s.u.s.len + (size_t)pad + 1);
                if (!q) return EXPR_THROWN;
                if (w > 0) {
                    memset(q, ' ', (size_t)pad);
                    memcpy(q + pad, s.u.s.ptr, s.u.s.len);
                } else {
                    memcpy(q, s.u.s.ptr, s.u.s.len);
                    memset(q + s.u.s.len, ' ', (size_t)pad);
                }
                s = expr_str_ref(q, s.u.s.len + (size_t)pad);
            }
        }
        parts[i] = s;
        total += s.u.s.len;
    }
    if (total > UINT32_MAX) return expr_throw(rt, "OutOfMemoryException", "string too long");
    char *q = expr_rt_alloc(rt, total + 1);
    if (!q) return EXPR_THROWN;
    size_t at = 0;
    for (unsigned i = 0; i < n->nargs; i++) {
        memcpy(q + at, parts[i].u.s.ptr, parts[i].u.s.len);
        at += parts[i].u.s.len;
    }
    q[at] = '\0';
    *out = expr_str_ref(q, at);
    return 0;
}

/* ---- is / as ---- */

static bool value_is(const expr_value_t *v, const expr_class_t *cls)
{
    if (v->tag == EXPR_V_NULL) return false;
    if (cls == &expr_class_object) return true;
    if (cls->tag != EXPR_V_OBJECT) {
        if (cls == &expr_class_array) return v->tag == EXPR_V_ARRAY;
        return v->tag == cls->tag;
    }
    return v->tag == EXPR_V_OBJECT && expr_class_is(v->u.obj.cls, cls);
}

/* ---- exceptions as values ---- */

extern int expr_exception_from_rt(expr_rt_t *rt, expr_value_t *out);   /* lib_object.c */
extern int expr_exception_throw(expr_rt_t *rt, const expr_value_t *ex); /* lib_object.c */
extern bool expr_exception_matches(const expr_rt_t *rt, const expr_class_t *cls);

/* ---- eval ---- */

static int eval(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *out)
{
    int rc;
    switch ((bop_t)n->op) {
    case B_CONST:
    case B_DEFAULT: *out = n->u.k; return 0;
    case B_LOCAL: *out = *slot_ref(f, n->depth, n->slot); return 0;
    case B_CONTEXT: *out = rt->context; return 0;
    case B_CALL:
    case B_DYNCALL: return eval_call(rt, f, n, NULL, out);
    case B_LOCALFN: return call_local(rt, f, n, out);
    case B_NULLCHAIN:
        rc = eval(rt, f, n->a, out);
        if (rc == R_SHORT) {
            *out = expr_null();
            return 0;
        }
        return rc;
    case B_UNARY: {
        expr_value_t x;
        if ((rc = eval(rt, f, n->a, &x))) return rc;
        return expr_interp_unary(rt, (expr_op_t)n->sub, &x, out);
    }
    case B_BINARY: {
        expr_value_t x, y;
        if ((rc = eval(rt, f, n->a, &x))) return rc;
        if ((rc = eval(rt, f, n->b, &y))) return rc;
        if (n->flags & BF_STRING) return concat2(rt, &x, &y, out);
        return expr_interp_binary(rt, (expr_op_t)n->sub, &x, &y, out);
    }
    case B_AND:
    case B_OR: {
        expr_value_t x;
        if ((rc = eval(rt, f, n->a, &x))) return rc;
        if (x.tag != EXPR_V_BOOL) return expr_throw(rt, "InvalidCastException", "a bool was expected");
        if (x.u.b == (n->op == B_OR)) {
            *out = x;
            return 0;
        }
        if ((rc = eval(rt, f, n->b, out))) return rc;
        if (out->tag != EXPR_V_BOOL) return expr_throw(rt, "InvalidCastException", "a bool was expected");
        return 0;
    }
    case B_COALESCE:
        rc = eval(rt, f, n->a, out);
        if (rc == R_SHORT) *out = expr_null(), rc = 0;
        if (rc || out->tag != EXPR_V_NULL) return rc;
        rc = eval(rt, f, n->b, out);
        return rc == R_SHORT ? (*out = expr_null(), 0) : rc;
    case B_COND: {
        expr_value_t x;
        if ((rc = eval(rt, f, n->a, &x))) return rc;
        if (x.tag != EXPR_V_BOOL) return expr_throw(rt, "InvalidCastException", "a bool was expected");
        rc = eval(rt, f, x.u.b ? n->b : n->c, out);
        return rc == R_SHORT ? (*out = expr_null(), 0) : rc;
    }
    case B_ASSIGN: {
        rc = eval(rt, f, n->a, out);
        if (rc == R_SHORT) *out = expr_null(), rc = 0;
        if (rc) return rc;
        *slot_ref(f, n->depth, n->slot) = *out;
        return 0;
    }
    case B_INCDEC: {
        expr_value_t *s = slot_ref(f, n->depth, n->slot);
        expr_value_t one = expr_int(1), nv;
        bool inc = n->sub == EXPR_OP_PRE_INC || n->sub == EXPR_OP_POST_INC;
        expr_value_t old = *s;
        if (old.tag == EXPR_V_NULL) {
            *out = old;
            return 0;
        }
        if ((rc = expr_interp_binary(rt, inc ? EXPR_OP_ADD : EXPR_OP_SUB, &old, &one, &nv))) return rc;
        if (old.tag == EXPR_V_CHAR) nv = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = (uint16_t)nv.u.i};
        *s = nv;
        *out = (n->sub == EXPR_OP_PRE_INC || n->sub == EXPR_OP_PRE_DEC) ? nv : old;
        return 0;
    }
    case B_CAST: {
        expr_value_t x;
        rc = eval(rt, f, n->a, &x);
        if (rc == R_SHORT) x = expr_null(), rc = 0;
        if (rc) return rc;
        return expr_interp_cast(rt, n, &x, out);
    }
    case B_IS: {
        expr_value_t x;
        rc = eval(rt, f, n->a, &x);
        if (rc == R_SHORT) x = expr_null(), rc = 0;
        if (rc) return rc;
        bool r;
        if (!n->cls && n->b) r = expr_value_equals(&x, &n->b->u.k);
        else r = n->cls ? value_is(&x, n->cls) : x.tag != EXPR_V_NULL;
        if (r && (n->flags & BF_BINDS)) *slot_ref(f, 0, n->slot) = x;
        *out = expr_bool(r);
        return 0;
    }
    case B_AS: {
        rc = eval(rt, f, n->a, out);
        if (rc == R_SHORT) *out = expr_null(), rc = 0;
        if (rc) return rc;
        if (!value_is(out, n->cls)) *out = expr_null();
        return 0;
    }
    case B_LAMBDA:
        *out = (expr_value_t){.tag = EXPR_V_LAMBDA, .u.fn = {n->u.lambda, (void *)f}};
        return 0;
    case B_INTERP: return eval_interp(rt, f, n, out);
    case B_NEW_ARRAY: {
        if (n->flags & BF_SIZED) {
            expr_value_t sz;
            if ((rc = eval(rt, f, n->a, &sz))) return rc;
            if (sz.u.i < 0) return expr_throw(rt, "OverflowException", "Arithmetic operation resulted in an overflow.");
            if (sz.u.i > (1 << 24)) return expr_throw(rt, "OutOfMemoryException", "array too large");
            if (n->type.cls == &expr_class_bytes) {
                char *p = expr_rt_alloc(rt, (size_t)sz.u.i + 1);
                if (!p) return EXPR_THROWN;
                memset(p, 0, (size_t)sz.u.i + 1);
                *out = (expr_value_t){.tag = EXPR_V_BYTES, .aux = EXPR_AUX_WRITABLE, .u.s = {p, (uint32_t)sz.u.i}};
                return 0;
            }
            expr_value_t *items = expr_rt_alloc(rt, ((size_t)sz.u.i + 1) * sizeof *items);
            if (!items) return EXPR_THROWN;
            expr_value_t d = expr_null();
            if (n->cls == &expr_class_int) d = expr_int(0);
            else if (n->cls == &expr_class_long) d = expr_long(0);
            else if (n->cls == &expr_class_double) d = expr_double(0);
            else if (n->cls == &expr_class_bool) d = expr_bool(false);
            else if (n->cls == &expr_class_char) d = (expr_value_t){.tag = EXPR_V_CHAR};
            for (int64_t i = 0; i < sz.u.i; i++) items[i] = d;
            *out = (expr_value_t){.tag = EXPR_V_ARRAY, .aux = EXPR_AUX_WRITABLE, .u.arr = {items, (uint32_t)sz.u.i, n->cls}};
            return 0;
        }
        if (n->type.cls == &expr_class_bytes) {
            char *p = expr_rt_alloc(rt, (size_t)n->nargs + 1);
            if (!p) return EXPR_THROWN;
            for (unsigned i = 0; i < n->nargs; i++) {
                expr_value_t v;
                if ((rc = eval(rt, f, n->args[i], &v))) return rc == R_SHORT ? 0 : rc;
                p[i] = (char)v.u.i;
            }
            *out = (expr_value_t){.tag = EXPR_V_BYTES, .aux = EXPR_AUX_WRITABLE, .u.s = {p, n->nargs}};
            return 0;
        }
        expr_value_t *items;
        if ((rc = eval_items(rt, f, n, &items))) return rc;
        *out = (expr_value_t){.tag = EXPR_V_ARRAY, .aux = EXPR_AUX_WRITABLE, .u.arr = {items, n->nargs, n->type.elem}};
        return 0;
    }
    case B_THROWX: {
        expr_value_t ex;
        if ((rc = eval(rt, f, n->a, &ex))) return rc == R_SHORT ? null_ref(rt) : rc;
        return expr_exception_throw(rt, &ex);
    }
    case B_NEW_ANON: {
        expr_value_t *vals;
        if ((rc = eval_items(rt, f, n, &vals))) return rc;
        *out = expr_object(n->cls, vals);
        return 0;
    }
    case B_COLLINIT: {
        if ((rc = eval(rt, f, n->a, out))) return rc;
        for (unsigned i = 0; i < n->nargs; i++) {
            expr_value_t ignored;
            if ((rc = eval_call(rt, f, n->args[i], out, &ignored))) return rc;
        }
        return 0;
    }
    default: break;
    }
    return expr_throw(rt, "InvalidOperationException", "unexpected node %d", n->op);
}

int expr_interp_eval_const(arena_t *arena, const bnode_t *n, expr_value_t *out)
{
    expr_rt_t rt;
    expr_rt_init(&rt, arena, NULL);
    rt.budget = 1000;
    frame_t f = {NULL, NULL, 0};
    int rc = eval(&rt, &f, n, out);
    expr_rt_end(&rt);
    return rc;
}

/* ---- statements ---- */

static int exec_loop_body(expr_rt_t *rt, const frame_t *f, const bnode_t *body, expr_value_t *ret, bool *stop)
{
    *stop = false;
    int rc = exec(rt, f, body, ret);
    if (rc == X_BREAK) {
        *stop = true;
        return X_NORMAL;
    }
    if (rc == X_CONTINUE || rc == X_NORMAL) return X_NORMAL;
    *stop = true;
    return rc;
}

static int eval_bool(expr_rt_t *rt, const frame_t *f, const bnode_t *n, bool *out)
{
    expr_value_t v;
    int rc = eval(rt, f, n, &v);
    if (rc == R_SHORT) v = expr_null(), rc = 0;
    if (rc) return rc;
    if (v.tag != EXPR_V_BOOL) return expr_throw(rt, v.tag == EXPR_V_NULL ? "InvalidOperationException" : "InvalidCastException",
                                                v.tag == EXPR_V_NULL ? "Nullable object must have a value." : "a bool was expected");
    *out = v.u.b;
    return 0;
}

static int exec_try(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *ret)
{
    int rc = exec(rt, f, n->a, ret);
    if (rc == EXPR_THROWN && strcmp(rt->exception_type, BUDGET_EXCEPTION) != 0) {
        for (unsigned i = 0; i < n->nargs; i++) {
            const bnode_t *k = n->args[i];
            if (k->cls && !expr_exception_matches(rt, k->cls)) continue;
            expr_value_t ex;
            if (expr_exception_from_rt(rt, &ex)) break;
            expr_value_t *slot = slot_ref(f, 0, k->slot);
            expr_value_t saved = *slot;
            *slot = ex;
            if (k->c) {
                bool pass;
                char t[64], m[256];
                memcpy(t, rt->exception_type, sizeof t);
                memcpy(m, rt->exception_message, sizeof m);
                int frc = eval_bool(rt, f, k->c, &pass);
                if (frc) pass = false; /* an exception in a filter means "not this catch" */
                memcpy(rt->exception_type, t, sizeof t);
                memcpy(rt->exception_message, m, sizeof m);
                rt->has_exception = true;
                if (!pass) {
                    *slot = saved;
                    continue;
                }
            }
            rt->has_exception = false;
            rc = exec(rt, f, k->a, ret);
            break;
        }
    }
    if (n->b) {
        bool had = rt->has_exception && rc == EXPR_THROWN;
        char t[64], m[256];
        if (had) {
            memcpy(t, rt->exception_type, sizeof t);
            memcpy(m, rt->exception_message, sizeof m);
            rt->has_exception = false;
        }
        expr_value_t saved_ret = *ret;
        int frc = exec(rt, f, n->b, ret);
        if (frc == EXPR_THROWN) return frc;
        *ret = saved_ret;
        if (had) {
            memcpy(rt->exception_type, t, sizeof t);
            memcpy(rt->exception_message, m, sizeof m);
            rt->has_exception = true;
        }
    }
    return rc;
}

static int exec(expr_rt_t *rt, const frame_t *f, const bnode_t *n, expr_value_t *ret)
{
    int rc;
    expr_value_t v;
    switch ((bop_t)n->op) {
    case S_BLOCK:
        for (unsigned i = 0; i < n->nargs; i++)
            if ((rc = exec(rt, f, n->args[i], ret))) return rc;
        return X_NORMAL;
    case S_EXPR:
        rc = eval(rt, f, n->a, &v);
        return rc == R_SHORT ? X_NORMAL : rc;
    case S_STORE:
        rc = eval(rt, f, n->a, &v);
        if (rc == R_SHORT) v = expr_null(), rc = 0;
        if (rc) return rc;
        f->slots[n->slot] = v;
        return X_NORMAL;
    case S_IF: {
        bool c;
        if ((rc = eval_bool(rt, f, n->a, &c))) return rc;
        if (c) return exec(rt, f, n->b, ret);
        return n->c ? exec(rt, f, n->c, ret) : X_NORMAL;
    }
    case S_FOREACH: {
        expr_value_t coll, *items;
        uint32_t count;
        rc = eval(rt, f, n->a, &coll);
        if (rc == R_SHORT) coll = expr_null(), rc = 0;
        if (rc) return rc;
        if ((rc = expr_rt_enumerate(rt, &coll, &items, &count))) return rc;
        for (uint32_t i = 0; i < count; i++) {
            if (spend(rt)) return EXPR_THROWN;
            expr_value_t it = items[i];
            if (n->cls && it.tag != EXPR_V_NULL && !value_is(&it, n->cls) && n->cls != &expr_class_object) {
                bnode_t cast = {.op = B_CAST, .sub = n->cls->tag == EXPR_V_OBJECT ? CAST_CLASS : CAST_UNBOX, .cls = n->cls};
                if (it.tag != EXPR_V_OBJECT && n->cls->tag != EXPR_V_OBJECT &&
                    (n->cls == &expr_class_int || n->cls == &expr_class_long || n->cls == &expr_class_double ||
                     n->cls == &expr_class_char))
                    cast.sub = CAST_NUMERIC;
                if ((rc = expr_interp_cast(rt, &cast, &it, &it))) return rc;
            }
            f->slots[n->slot] = it;
            bool stop;
            rc = exec_loop_body(rt, f, n->b, ret, &stop);
            if (stop) return rc;
        }
        return X_NORMAL;
    }
    case S_FOR:
        for (unsigned i = 0; i < n->nargs; i++)
            if ((rc = exec(rt, f, n->args[i], ret))) return rc;
        for (;;) {
            if (spend(rt)) return EXPR_THROWN;
            if (n->a) {
                bool c;
                if ((rc = eval_bool(rt, f, n->a, &c))) return rc;
                if (!c) return X_NORMAL;
            }
            bool stop;
            rc = exec_loop_body(rt, f, n->b, ret, &stop);
            if (stop) return rc;
            if ((rc = exec(rt, f, n->c, ret))) return rc;
        }
    case S_WHILE:
    case S_DO:
        for (bool first = true;; first = false) {
            if (spend(rt)) return EXPR_THROWN;
            if (n->op == S_WHILE || !first) {
                bool c;
                if ((rc = eval_bool(rt, f, n->a, &c))) return rc;
                if (!c) return X_NORMAL;
            }
            bool stop;
            rc = exec_loop_body(rt, f, n->b, ret, &stop);
            if (stop) return rc;
        }
    case S_SWITCH: {
        rc = eval(rt, f, n->a, &v);
        if (rc == R_SHORT) v = expr_null(), rc = 0;
        if (rc) return rc;
        const bswitch_t *sw = n->u.sw;
        int target = -1;
        for (uint32_t i = 0; i < sw->nlabels && target < 0; i++)
            if (!sw->labels[i].is_default && expr_value_equals(&v, &sw->labels[i].value)) target = (int)sw->labels[i].section;
        for (uint32_t i = 0; i < sw->nlabels && target < 0; i++)
            if (sw->labels[i].is_default) target = (int)sw->labels[i].section;
        if (target < 0) return X_NORMAL;
        rc = exec(rt, f, sw->bodies[target], ret);
        return rc == X_BREAK ? X_NORMAL : rc;
    }
    case S_RETURN:
        if (n->a) {
            rc = eval(rt, f, n->a, ret);
            if (rc == R_SHORT) *ret = expr_null(), rc = 0;
            if (rc) return rc;
        } else {
            *ret = expr_null();
        }
        return X_RETURN;
    case S_BREAK: return X_BREAK;
    case S_CONTINUE: return X_CONTINUE;
    case S_THROW:
        rc = eval(rt, f, n->a, &v);
        if (rc == R_SHORT) return null_ref(rt);
        if (rc) return rc;
        return expr_exception_throw(rt, &v);
    case S_TRY: return exec_try(rt, f, n, ret);
    default: break;
    }
    rc = eval(rt, f, n, &v);
    return rc == R_SHORT ? 0 : rc;
}

int expr_run(const expr_program_t *program, expr_rt_t *rt, expr_value_t *out)
{
    if (rt->budget == 0) rt->budget = EXPR_DEFAULT_BUDGET;
    rt->has_exception = false;
    expr_value_t small[8];
    expr_value_t *slots = small;
    if (program->nslots > 8 && !(slots = expr_rt_alloc(rt, program->nslots * sizeof *slots))) return EXPR_THROWN;
    for (uint32_t i = 0; i < program->nslots; i++) slots[i] = expr_null();
    frame_t f = {slots, NULL, 0};
    *out = expr_null();
    int rc;
    if (program->is_block) {
        rc = exec(rt, &f, program->body, out);
        if (rc == EXPR_THROWN) return rc;
        return 0;
    }
    rc = eval(rt, &f, program->body, out);
    if (rc == R_SHORT) {
        *out = expr_null();
        return 0;
    }
    return rc;
}
