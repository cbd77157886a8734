/* Operators and conversions with C#'s semantics (C# §7.3.6 numeric promotion, §7.8–§7.11,
 * §6.2 explicit conversions), used by the interpreter and by constant folding. Integer
 * arithmetic wraps (unchecked, the C# default); / and % by integer zero throw. Operands
 * that are null (a ?. result, an object) lift: arithmetic gives null, comparisons false. */
#include "expr/bound.h"

#include <math.h>
#include <string.h>

#define TICKS_PER_DAY 864000000000LL
#define MAX_TICKS 3155378975999999999LL

static bool is_num(uint8_t t)
{
    return t == EXPR_V_INT || t == EXPR_V_LONG || t == EXPR_V_DOUBLE || t == EXPR_V_CHAR;
}

static double as_double(const expr_value_t *v)
{
    return v->tag == EXPR_V_DOUBLE ? v->u.d : (double)v->u.i;
}

static int bad_operands(expr_rt_t *rt, expr_op_t op, const expr_value_t *x, const expr_value_t *y)
{
    const expr_class_t *a = expr_value_class(x), *b = y ? expr_value_class(y) : NULL;
    return expr_throw(rt, "InvalidOperationException", "operator '%s' cannot be applied to %s%s%s",
                      expr_op_spelling(op), a ? a->name : "null", y ? " and " : "", y ? (b ? b->name : "null") : "");
}

static int compare_result(expr_op_t op, int cmp, expr_value_t *out)
{
    bool r = false;
    switch (op) {
    case EXPR_OP_LT: r = cmp < 0; break;
    case EXPR_OP_GT: r = cmp > 0; break;
    case EXPR_OP_LE: r = cmp <= 0; break;
    case EXPR_OP_GE: r = cmp >= 0; break;
    default: break;
    }
    *out = expr_bool(r);
    return 0;
}

static bool is_compare(expr_op_t op)
{
    return op == EXPR_OP_LT || op == EXPR_OP_GT || op == EXPR_OP_LE || op == EXPR_OP_GE;
}

static int div_zero(expr_rt_t *rt)
{
    return expr_throw(rt, "DivideByZeroException", "Attempted to divide by zero.");
}

static int overflow(expr_rt_t *rt)
{
    return expr_throw(rt, "OverflowException", "Arithmetic operation resulted in an overflow.");
}

static int int_binary(expr_rt_t *rt, expr_op_t op, int64_t a, int64_t b, bool is_long, expr_value_t *out)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b, r;
    switch (op) {
    case EXPR_OP_ADD: r = ua + ub; break;
    case EXPR_OP_SUB: r = ua - ub; break;
    case EXPR_OP_MUL: r = ua * ub; break;
    case EXPR_OP_DIV:
    case EXPR_OP_MOD:
        if (b == 0) return div_zero(rt);
        if (b == -1) {
            if ((is_long && a == INT64_MIN) || (!is_long && a == INT32_MIN)) return overflow(rt);
            r = op == EXPR_OP_DIV ? (uint64_t)0 - ua : 0;
        } else {
            r = (uint64_t)(op == EXPR_OP_DIV ? a / b : a % b);
        }
        break;
    case EXPR_OP_SHL: r = ua << (b & (is_long ? 63 : 31)); break;
    case EXPR_OP_SHR:
        r = is_long ? (uint64_t)(a >> (b & 63)) : (uint64_t)(int64_t)((int32_t)a >> (b & 31));
        break;
    case EXPR_OP_BIT_AND: r = ua & ub; break;
    case EXPR_OP_BIT_OR: r = ua | ub; break;
    case EXPR_OP_BIT_XOR: r = ua ^ ub; break;
    case EXPR_OP_EQ: *out = expr_bool(a == b); return 0;
    case EXPR_OP_NE: *out = expr_bool(a != b); return 0;
    default:
        if (is_compare(op)) return compare_result(op, a < b ? -1 : a > b, out);
        return expr_throw(rt, "InvalidOperationException", "bad integer operator");
    }
    *out = is_long ? expr_long((int64_t)r) : expr_int((int32_t)(uint32_t)r);
    return 0;
}

static int dbl_binary(expr_rt_t *rt, expr_op_t op, double a, double b, expr_value_t *out)
{
    switch (op) {
    case EXPR_OP_ADD: *out = expr_double(a + b); return 0;
    case EXPR_OP_SUB: *out = expr_double(a - b); return 0;
    case EXPR_OP_MUL: *out = expr_double(a * b); return 0;
    case EXPR_OP_DIV: *out = expr_double(a / b); return 0;
    case EXPR_OP_MOD: *out = expr_double(fmod(a, b)); return 0;
    case EXPR_OP_EQ: *out = expr_bool(a == b); return 0;
    case EXPR_OP_NE: *out = expr_bool(a != b); return 0;
    case EXPR_OP_LT: *out = expr_bool(a < b); return 0;
    case EXPR_OP_GT: *out = expr_bool(a > b); return 0;
    case EXPR_OP_LE: *out = expr_bool(a <= b); return 0;
    case EXPR_OP_GE: *out = expr_bool(a >= b); return 0;
    default: return expr_throw(rt, "InvalidOperationException", "operator '%s' cannot be applied to double", expr_op_spelling(op));
    }
}

int expr_interp_binary(expr_rt_t *rt, expr_op_t op, const expr_value_t *x, const expr_value_t *y,
                       expr_value_t *out)
{
    if (op == EXPR_OP_EQ || op == EXPR_OP_NE) {
        bool eq = expr_value_equals(x, y);
        *out = expr_bool(op == EXPR_OP_EQ ? eq : !eq);
        return 0;
    }
    uint8_t a = x->tag, b = y->tag;
    if (op == EXPR_OP_ADD && (a == EXPR_V_STRING || b == EXPR_V_STRING)) {
        expr_value_t s1 = *x, s2 = *y;
        if (a != EXPR_V_STRING && a != EXPR_V_NULL && expr_value_to_string(rt, x, &s1)) return EXPR_THROWN;
        if (b != EXPR_V_STRING && b != EXPR_V_NULL && expr_value_to_string(rt, y, &s2)) return EXPR_THROWN;
        uint32_t l1 = s1.tag == EXPR_V_STRING ? s1.u.s.len : 0, l2 = s2.tag == EXPR_V_STRING ? s2.u.s.len : 0;
        char *p = expr_rt_alloc(rt, (size_t)l1 + l2 + 1);
        if (!p) return EXPR_THROWN;
        if (l1) memcpy(p, s1.u.s.ptr, l1);
        if (l2) memcpy(p + l1, s2.u.s.ptr, l2);
        p[l1 + l2] = '\0';
        *out = expr_str_ref(p, (size_t)l1 + l2);
        return 0;
    }
    if (a == EXPR_V_NULL || b == EXPR_V_NULL) {
        /* lifted operators (C# §7.3.7) */
        if (is_compare(op)) *out = expr_bool(false);
        else *out = expr_null();
        return 0;
    }
    if (is_num(a) && is_num(b)) {
        if (a == EXPR_V_DOUBLE || b == EXPR_V_DOUBLE) {
            if (op == EXPR_OP_SHL || op == EXPR_OP_SHR || op == EXPR_OP_BIT_AND || op == EXPR_OP_BIT_OR ||
                op == EXPR_OP_BIT_XOR)
                return bad_operands(rt, op, x, y);
            return dbl_binary(rt, op, as_double(x), as_double(y), out);
        }
        bool is_long = a == EXPR_V_LONG || (b == EXPR_V_LONG && op != EXPR_OP_SHL && op != EXPR_OP_SHR);
        return int_binary(rt, op, x->u.i, y->u.i, is_long, out);
    }
    if (a == EXPR_V_BOOL && b == EXPR_V_BOOL) {
        switch (op) {
        case EXPR_OP_BIT_AND: *out = expr_bool(x->u.b && y->u.b); return 0;
        case EXPR_OP_BIT_OR: *out = expr_bool(x->u.b || y->u.b); return 0;
        case EXPR_OP_BIT_XOR: *out = expr_bool(x->u.b != y->u.b); return 0;
        default: return bad_operands(rt, op, x, y);
        }
    }
    if ((a == EXPR_V_DATETIME || a == EXPR_V_TIMESPAN) && (b == EXPR_V_DATETIME || b == EXPR_V_TIMESPAN)) {
        int64_t p = x->u.i, q = y->u.i;
        if (a == b && is_compare(op)) return compare_result(op, p < q ? -1 : p > q, out);
        int64_t r;
        bool ovf;
        if (op == EXPR_OP_ADD && b == EXPR_V_TIMESPAN) ovf = __builtin_add_overflow(p, q, &r);
        else if (op == EXPR_OP_SUB && (b == EXPR_V_TIMESPAN || a == EXPR_V_DATETIME)) ovf = __builtin_sub_overflow(p, q, &r);
        else return bad_operands(rt, op, x, y);
        if (a == EXPR_V_TIMESPAN && b == EXPR_V_DATETIME) return bad_operands(rt, op, x, y);
        if (a == EXPR_V_DATETIME && b == EXPR_V_TIMESPAN) {
            if (ovf || r < 0 || r > MAX_TICKS)
                return expr_throw(rt, "ArgumentOutOfRangeException", "The added or subtracted value results in an un-representable DateTime.");
            *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = x->aux, .u.i = r};
            return 0;
        }
        if (ovf) return overflow(rt);
        *out = (expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = r};
        return 0;
    }
    return bad_operands(rt, op, x, y);
}

int expr_interp_unary(expr_rt_t *rt, expr_op_t op, const expr_value_t *x, expr_value_t *out)
{
    if (x->tag == EXPR_V_NULL) {
        *out = expr_null();
        return 0;
    }
    switch (op) {
    case EXPR_OP_NOT:
        if (x->tag != EXPR_V_BOOL) break;
        *out = expr_bool(!x->u.b);
        return 0;
    case EXPR_OP_PLUS:
        if (!is_num(x->tag) && x->tag != EXPR_V_TIMESPAN) break;
        *out = x->tag == EXPR_V_CHAR ? expr_int((int32_t)x->u.i) : *x;
        return 0;
    case EXPR_OP_NEGATE:
        switch (x->tag) {
        case EXPR_V_DOUBLE: *out = expr_double(-x->u.d); return 0;
        case EXPR_V_LONG: *out = expr_long((int64_t)(0 - (uint64_t)x->u.i)); return 0;
        case EXPR_V_INT:
        case EXPR_V_CHAR: *out = expr_int((int32_t)(0 - (uint32_t)x->u.i)); return 0;
        case EXPR_V_TIMESPAN:
            if (x->u.i == INT64_MIN) return overflow(rt);
            *out = (expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = -x->u.i};
            return 0;
        default: break;
        }
        break;
    case EXPR_OP_COMPLEMENT:
        if (x->tag == EXPR_V_LONG) *out = expr_long(~x->u.i);
        else if (x->tag == EXPR_V_INT || x->tag == EXPR_V_CHAR) *out = expr_int(~(int32_t)x->u.i);
        else break;
        return 0;
    default: break;
    }
    return bad_operands(rt, op, x, NULL);
}

/* ---- conversions ---- */

static const char *class_full(const expr_class_t *c)
{
    return c ? (c->full_name ? c->full_name : c->name) : "null";
}

static int invalid_cast(expr_rt_t *rt, const expr_value_t *v, const expr_class_t *to)
{
    return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type '%s'.",
                      class_full(expr_value_class(v)), class_full(to));
}

/* double → integer as .NET does on x64 (unchecked): NaN and out of range give MinValue */
static int64_t dbl_to_long(double d)
{
    if (isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

static int numeric(expr_rt_t *rt, const expr_value_t *v, const expr_class_t *to, expr_value_t *out)
{
    if (!is_num(v->tag)) return invalid_cast(rt, v, to);
    if (to == &expr_class_double) {
        *out = expr_double(as_double(v));
        return 0;
    }
    int64_t i;
    if (v->tag == EXPR_V_DOUBLE) {
        double d = v->u.d;
        if (to == &expr_class_long) i = dbl_to_long(d);
        else i = (isnan(d) || d >= 2147483648.0 || d <= -2147483649.0) ? INT32_MIN : (int64_t)d;
    } else {
        i = v->u.i;
    }
    if (to == &expr_class_long) *out = expr_long(i);
    else if (to == &expr_class_int) *out = expr_int((int32_t)(uint32_t)(uint64_t)i);
    else if (to == &expr_class_char) *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = (uint16_t)i};
    else return invalid_cast(rt, v, to);
    return 0;
}

static int class_convert(expr_rt_t *rt, const expr_value_t *v, const expr_class_t *to, expr_value_t *out)
{
    for (const expr_class_t *c = v->tag == EXPR_V_OBJECT ? v->u.obj.cls : NULL; c; c = c->base)
        if (c->convert) {
            int rc = c->convert(rt, v, to, out);
            if (rc != 1) return rc;
            break;
        }
    return invalid_cast(rt, v, to);
}

int expr_interp_cast(expr_rt_t *rt, const bnode_t *n, const expr_value_t *v, expr_value_t *out)
{
    const expr_class_t *to = n->cls;
    switch (n->sub) {
    case CAST_NOOP: *out = *v; return 0;
    case CAST_NUMERIC:
        if (v->tag == EXPR_V_NULL)
            return expr_throw(rt, "InvalidOperationException", "Nullable object must have a value.");
        return numeric(rt, v, to, out);
    case CAST_UNBOX:
        if (v->tag == EXPR_V_NULL) {
            if (to->tag == EXPR_V_STRING || to->tag == EXPR_V_ARRAY || to->tag == EXPR_V_BYTES) {
                *out = *v;
                return 0;
            }
            return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
        }
        if (v->tag == to->tag && (to != &expr_class_array || v->tag == EXPR_V_ARRAY)) {
            *out = *v;
            return 0;
        }
        if (v->tag == EXPR_V_OBJECT) return class_convert(rt, v, to, out);
        return invalid_cast(rt, v, to);
    case CAST_CLASS:
        if (v->tag == EXPR_V_NULL || to == &expr_class_object) {
            *out = *v;
            return 0;
        }
        if (expr_class_is(expr_value_class(v), to)) {
            *out = *v;
            return 0;
        }
        if (v->tag == EXPR_V_OBJECT) return class_convert(rt, v, to, out);
        return invalid_cast(rt, v, to);
    }
    return invalid_cast(rt, v, to);
}
