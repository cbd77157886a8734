/* Value conversions (value.h): ToString with .NET's invariant formatting, the policy
 * attribute conversions, and Equals. */
#include "expr/value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICKS_PER_SECOND 10000000LL
#define TICKS_PER_DAY 864000000000LL

/* .NET Core 3.0+ double.ToString(): the shortest text that round-trips; scientific
 * ("1E+15", "1E-05") when the decimal exponent is >= 15 or < -4. */
static size_t format_double(double d, char *buf, size_t cap)
{
    if (isnan(d)) return (size_t)snprintf(buf, cap, "NaN");
    if (isinf(d)) return (size_t)snprintf(buf, cap, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) return (size_t)snprintf(buf, cap, signbit(d) ? "-0" : "0");
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    /* e = [-]D[.DDD]e[+-]XX */
    bool neg = e[0] == '-';
    const char *p = e + neg;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    int exp10 = atoi(p + 1);
    size_t at = 0;
    char out[64];
    if (neg) out[at++] = '-';
    if (exp10 >= 15 || exp10 < -4) {
        out[at++] = digits[0];
        if (nd > 1) {
            out[at++] = '.';
            memcpy(out + at, digits + 1, nd - 1);
            at += nd - 1;
        }
        at += (size_t)snprintf(out + at, sizeof out - at, "E%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        out[at++] = '0';
        out[at++] = '.';
        for (int k = -1; k > exp10; k--) out[at++] = '0';
        memcpy(out + at, digits, nd);
        at += nd;
    } else {
        for (int k = 0; k <= exp10; k++) out[at++] = (size_t)k < nd ? digits[k] : '0';
        if (nd > (size_t)exp10 + 1) {
            out[at++] = '.';
            memcpy(out + at, digits + exp10 + 1, nd - (size_t)exp10 - 1);
            at += nd - (size_t)exp10 - 1;
        }
    }
    out[at] = '\0';
    return (size_t)snprintf(buf, cap, "%s", out);
}

/* Days since 0001-01-01 → civil date (proleptic Gregorian). */
static void civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days - 719162 + 719468; /* shift to days since 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int print_to(expr_rt_t *rt, expr_value_t *out, const char *s)
{
    return expr_str_copy(rt, s, strlen(s), out);
}

static int utf8_of_unit(uint32_t cu, char *b)
{
    if (cu < 0x80) {
        b[0] = (char)cu;
        return 1;
    }
    if (cu < 0x800) {
        b[0] = (char)(0xC0 | (cu >> 6));
        b[1] = (char)(0x80 | (cu & 0x3F));
        return 2;
    }
    b[0] = (char)(0xE0 | (cu >> 12));
    b[1] = (char)(0x80 | ((cu >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cu & 0x3F));
    return 3;
}

int expr_value_to_string(expr_rt_t *rt, const expr_value_t *v, expr_value_t *out)
{
    char buf[96];
    const expr_class_t *cls = expr_value_class(v);
    if (cls && cls->to_string && v->tag != EXPR_V_STRING) return cls->to_string(rt, v, out);
    switch ((expr_vtag_t)v->tag) {
    case EXPR_V_NULL: *out = expr_str_ref("", 0); return 0;
    case EXPR_V_BOOL: *out = v->u.b ? expr_str_ref("True", 4) : expr_str_ref("False", 5); return 0;
    case EXPR_V_INT:
    case EXPR_V_LONG: return expr_str_printf(rt, out, "%lld", (long long)v->u.i);
    case EXPR_V_DOUBLE: format_double(v->u.d, buf, sizeof buf); return print_to(rt, out, buf);
    case EXPR_V_CHAR: {
        int n = utf8_of_unit((uint32_t)v->u.i & 0xFFFF, buf);
        return expr_str_copy(rt, buf, (size_t)n, out);
    }
    case EXPR_V_STRING: *out = *v; return 0;
    case EXPR_V_BYTES: *out = expr_str_ref("System.Byte[]", 13); return 0;
    case EXPR_V_DATETIME: {
        /* invariant "G": M/d/yyyy h:mm:ss tt */
        int64_t t = v->u.i;
        int y, m, d;
        civil_from_days(t / TICKS_PER_DAY, &y, &m, &d);
        int64_t sod = (t % TICKS_PER_DAY) / TICKS_PER_SECOND;
        int h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);
        int h12 = h % 12 == 0 ? 12 : h % 12;
        return expr_str_printf(rt, out, "%d/%d/%04d %d:%02d:%02d %s", m, d, y, h12, mi, s, h < 12 ? "AM" : "PM");
    }
    case EXPR_V_TIMESPAN: {
        /* "c": [-][d.]hh:mm:ss[.fffffff] */
        int64_t t = v->u.i;
        bool neg = t < 0;
        uint64_t u = neg ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
        uint64_t days = u / TICKS_PER_DAY, rem = u % TICKS_PER_DAY;
        uint64_t secs = rem / TICKS_PER_SECOND, frac = rem % TICKS_PER_SECOND;
        int n = snprintf(buf, sizeof buf, "%s", neg ? "-" : "");
        if (days) n += snprintf(buf + n, sizeof buf - (size_t)n, "%llu.", (unsigned long long)days);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%02llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
                      (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
        if (frac) snprintf(buf + n, sizeof buf - (size_t)n, ".%07llu", (unsigned long long)frac);
        return print_to(rt, out, buf);
    }
    case EXPR_V_GUID: {
        const uint8_t *g = v->u.guid;
        return expr_str_printf(rt, out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1],
                               g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    }
    case EXPR_V_ARRAY: {
        const expr_class_t *e = v->u.arr.elem;
        return expr_str_printf(rt, out, "%s[]", e ? (e->full_name ? e->full_name : e->name) : "System.Object");
    }
    case EXPR_V_OBJECT:
        for (const expr_class_t *c = v->u.obj.cls; c; c = c->base)
            if (c->to_string) return c->to_string(rt, v, out);
        *out = expr_str_ref(cls->full_name ? cls->full_name : cls->name, strlen(cls->full_name ? cls->full_name : cls->name));
        return 0;
    case EXPR_V_LAMBDA:
    case EXPR_V_TAG_COUNT: break;
    }
    *out = expr_str_ref("System.Func", 11);
    return 0;
}

int expr_value_to_bool(expr_rt_t *rt, const expr_value_t *v, bool *out)
{
    if (v->tag == EXPR_V_BOOL) {
        *out = v->u.b;
        return 0;
    }
    const expr_class_t *c = expr_value_class(v);
    return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type 'System.Boolean'.",
                      c ? (c->full_name ? c->full_name : c->name) : "null");
}

int expr_value_to_long(expr_rt_t *rt, const expr_value_t *v, int64_t *out)
{
    switch (v->tag) {
    case EXPR_V_INT:
    case EXPR_V_LONG:
        *out = v->u.i;
        return 0;
    case EXPR_V_DOUBLE:
        if (v->u.d != floor(v->u.d) || !(fabs(v->u.d) < 9.2e18))
            return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
        *out = (int64_t)v->u.d;
        return 0;
    case EXPR_V_STRING: {
        char buf[32];
        size_t n = v->u.s.len;
        const char *s = v->u.s.ptr;
        while (n && (*s == ' ' || *s == '\t')) s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        if (n == 0 || n >= sizeof buf) return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *end;
        errno = 0;
        long long r = strtoll(buf, &end, 10);
        if (*end || errno || !((buf[0] >= '0' && buf[0] <= '9') || buf[0] == '-' || buf[0] == '+'))
            return expr_throw(rt, errno ? "OverflowException" : "FormatException",
                              errno ? "Value was either too large or too small." : "Input string was not in a correct format.");
        *out = r;
        return 0;
    }
    default: break;
    }
    const expr_class_t *c = expr_value_class(v);
    return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type 'System.Int64'.",
                      c ? (c->full_name ? c->full_name : c->name) : "null");
}

static bool is_num(uint8_t t)
{
    return t == EXPR_V_INT || t == EXPR_V_LONG || t == EXPR_V_DOUBLE || t == EXPR_V_CHAR;
}

bool expr_value_equals(const expr_value_t *a, const expr_value_t *b)
{
    if (a->tag == EXPR_V_NULL || b->tag == EXPR_V_NULL) return a->tag == b->tag;
    if (is_num(a->tag) && is_num(b->tag)) {
        if (a->tag == EXPR_V_DOUBLE || b->tag == EXPR_V_DOUBLE) {
            double x = a->tag == EXPR_V_DOUBLE ? a->u.d : (double)a->u.i;
            double y = b->tag == EXPR_V_DOUBLE ? b->u.d : (double)b->u.i;
            return x == y;
        }
        return a->u.i == b->u.i;
    }
    if (a->tag != b->tag) return false;
    switch ((expr_vtag_t)a->tag) {
    case EXPR_V_BOOL: return a->u.b == b->u.b;
    case EXPR_V_STRING:
        return a->u.s.len == b->u.s.len && (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
    case EXPR_V_BYTES: return a->u.s.ptr == b->u.s.ptr && a->u.s.len == b->u.s.len;
    case EXPR_V_DATETIME:
    case EXPR_V_TIMESPAN: return a->u.i == b->u.i;
    case EXPR_V_GUID: return memcmp(a->u.guid, b->u.guid, 16) == 0;
    case EXPR_V_ARRAY: return a->u.arr.items == b->u.arr.items && a->u.arr.count == b->u.arr.count;
    case EXPR_V_OBJECT:
        for (const expr_class_t *c = a->u.obj.cls; c; c = c->base)
            if (c->equals) return c->equals(a, b);
        return a->u.obj.ptr == b->u.obj.ptr && a->u.obj.cls == b->u.obj.cls;
    case EXPR_V_LAMBDA: return a->u.fn.code == b->u.fn.code && a->u.fn.env == b->u.fn.env;
    default: return false;
    }
}
