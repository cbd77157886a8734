/* TimeSpan and Guid (lib_datetime.h): members, the "c"/"g"/"G"/custom TimeSpan formats and
 * parsing, Guid's D/N/B/P/X text forms and random (version 4) Guids. */
#include "expr/lib_datetime.h"

#include <ctype.h>
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

#define M_PROP(n, f, r) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {r, NULL}, .fn = f}
#define M_SPROP(n, f, r) {.name = n, .kind = EXPR_M_STATIC_PROPERTY, .ret = {r, NULL}, .fn = f}
#define M_METHOD(n, lo, hi, f, r)                                                                 \
    {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}
#define M_SMETHOD(n, lo, hi, f, r)                                                                \
    {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi, .ret = {r, NULL},  \
     .fn = f}

static int overflow(expr_rt_t *rt)
{
    return expr_throw(rt, "OverflowException", "TimeSpan overflowed because the duration is too long.");
}

int expr_timespan_add(expr_rt_t *rt, int64_t a, int64_t b, expr_value_t *out)
{
    int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return overflow(rt);
    *out = expr_timespan(r);
    return 0;
}

int expr_timespan_negate(expr_rt_t *rt, int64_t t, expr_value_t *out)
{
    if (t == INT64_MIN)
        return expr_throw(rt, "OverflowException",
                          "Negating the minimum value of a twos complement number is invalid.");
    *out = expr_timespan(-t);
    return 0;
}

/* ---- TimeSpan text ---- */

static int put_fraction(char *p, int64_t frac, bool trim)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%07lld", (long long)frac);
    int len = 7;
    if (trim)
        while (len > 0 && tmp[len - 1] == '0') len--;
    memcpy(p, tmp, (size_t)len);
    return len;
}

/* "c": [-][d.]hh:mm:ss[.fffffff]; "g": [-][d:]h:mm:ss[.FFFFFFF]; "G": [-]d:hh:mm:ss.fffffff */
static int format_standard(expr_rt_t *rt, int64_t t, char which, expr_value_t *out)
{
    char buf[64];
    int n = 0;
    uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    uint64_t days = u / EXPR_TICKS_PER_DAY, rest = u % EXPR_TICKS_PER_DAY;
    int h = (int)(rest / EXPR_TICKS_PER_HOUR), m = (int)(rest / EXPR_TICKS_PER_MINUTE % 60),
        s = (int)(rest / EXPR_TICKS_PER_SECOND % 60);
    int64_t frac = (int64_t)(rest % EXPR_TICKS_PER_SECOND);
    if (t < 0) buf[n++] = '-';
    if (which == 'c') {
        if (days) n += snprintf(buf + n, sizeof buf - (size_t)n, "%llu.", (unsigned long long)days);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%02d:%02d:%02d", h, m, s);
        if (frac) {
            buf[n++] = '.';
            n += put_fraction(buf + n, frac, false);
        }
    } else if (which == 'g') {
        if (days) n += snprintf(buf + n, sizeof buf - (size_t)n, "%llu:", (unsigned long long)days);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%d:%02d:%02d", h, m, s);
        if (frac) {
            buf[n++] = '.';
            n += put_fraction(buf + n, frac, true);
        }
    } else {
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%llu:%02d:%02d:%02d.",
                      (unsigned long long)days, h, m, s);
        n += put_fraction(buf + n, frac, false);
    }
    return expr_str_copy(rt, buf, (size_t)n, out);
}

static int bad_format(expr_rt_t *rt)
{
    return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
}

/* Custom TimeSpan formats: d..dddddddd, h/hh, m/mm, s/ss, f../F.., quoted or \-escaped
 * literals; any other character is a FormatException (unlike DateTime, .NET requires
 * "hh\:mm"). The sign is never written. */
static int format_custom(expr_rt_t *rt, int64_t t, const char *f, size_t n, expr_value_t *out)
{
    size_t cap = n * 8 + 32;
    char *buf = expr_rt_alloc(rt, cap);
    if (!buf) return EXPR_THROWN;
    size_t len = 0;
    uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    uint64_t days = u / EXPR_TICKS_PER_DAY, rest = u % EXPR_TICKS_PER_DAY;
    int h = (int)(rest / EXPR_TICKS_PER_HOUR), m = (int)(rest / EXPR_TICKS_PER_MINUTE % 60),
        s = (int)(rest / EXPR_TICKS_PER_SECOND % 60);
    int64_t frac = (int64_t)(rest % EXPR_TICKS_PER_SECOND);
    for (size_t i = 0; i < n;) {
        char c = f[i];
        size_t r = 1;
        while (i + r < n && f[i + r] == c) r++;
        switch (c) {
        case 'd':
            if (r > 8) return bad_format(rt);
            len += (size_t)snprintf(buf + len, cap - len, "%0*llu", (int)r, (unsigned long long)days);
            break;
        case 'h':
        case 'm':
        case 's':
            if (r > 2) return bad_format(rt);
            len += (size_t)snprintf(buf + len, cap - len, "%0*d", (int)r,
                                    c == 'h' ? h : c == 'm' ? m : s);
            break;
        case 'f':
        case 'F': {
            if (r > 7) return bad_format(rt);
            int64_t v = frac;
            for (size_t k = r; k < 7; k++) v /= 10;
            char tmp[24];
            snprintf(tmp, sizeof tmp, "%0*lld", (int)r, (long long)v);
            size_t l = r;
            if (c == 'F')
                while (l > 0 && tmp[l - 1] == '0') l--;
            memcpy(buf + len, tmp, l);
            len += l;
            break;
        }
        case '\'':
        case '"': {
            size_t k = i + 1;
            while (k < n && f[k] != c) buf[len++] = f[k++];
            if (k >= n) return bad_format(rt);
            r = k - i + 1;
            break;
        }
        case '\\':
            if (i + 1 >= n) return bad_format(rt);
            buf[len++] = f[i + 1];
            r = 2;
            break;
        case '%':
            if (i + 1 >= n || f[i + 1] == '%') return bad_format(rt);
            r = 1;
            break;
        default:
            return bad_format(rt);
        }
        i += r;
    }
    *out = expr_str_ref(buf, len);
    return 0;
}

int expr_timespan_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return format_standard(rt, self->u.i, 'c', out);
}

/* [ws][-]{ d | [d.]hh:mm[:ss[.fffffff]] | d:hh:mm[:ss[.fffffff]] }[ws]
 * 0 ok, 1 format error, 2 a component out of range (OverflowException in .NET). */
static int parse_timespan(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    while (n > i && isspace((unsigned char)s[n - 1])) n--;
    bool neg = i < n && s[i] == '-';
    if (neg) i++;
    uint64_t nums[5];
    char seps[5];
    int count = 0;
    int64_t frac = 0;
    while (count < 5) {
        if (i >= n || !isdigit((unsigned char)s[i])) return 1;
        uint64_t v = 0;
        int nd = 0;
        while (i < n && isdigit((unsigned char)s[i])) {
            v = v * 10 + (uint64_t)(s[i++] - '0');
            if (++nd > 10) return 2;
        }
        nums[count] = v;
        seps[count] = i < n ? s[i] : 0;
        count++;
        if (i >= n) break;
        if (s[i] != ':' && s[i] != '.') return 1;
        i++;
        /* a '.' after the seconds (third or fourth colon-part) starts the fraction */
        int colons = 0;
        for (int k = 0; k < count; k++) colons += seps[k] == ':';
        if (s[i - 1] == '.' && colons >= 2) {
            int nf = 0;
            while (i < n && isdigit((unsigned char)s[i])) {
                if (++nf > 7) return 2;
                frac = frac * 10 + (s[i++] - '0');
            }
            if (nf == 0 || i != n) return 1;
            for (int k = nf; k < 7; k++) frac *= 10;
            break;
        }
    }
    if (i != n) return 1;
    uint64_t d = 0, h = 0, m = 0, sec = 0;
    if (count == 1) {
        d = nums[0];
    } else if (seps[0] == '.') { /* d.hh:mm[:ss] */
        if (count < 3 || count > 4 || seps[1] != ':') return 1;
        d = nums[0], h = nums[1], m = nums[2], sec = count == 4 ? nums[3] : 0;
    } else if (count == 2) {
        h = nums[0], m = nums[1];
    } else if (count == 3) {
        h = nums[0], m = nums[1], sec = nums[2];
    } else if (count == 4) { /* d:hh:mm:ss ("g") */
        d = nums[0], h = nums[1], m = nums[2], sec = nums[3];
    } else {
        return 1;
    }
    if (h > 23 || m > 59 || sec > 59 || d > 10675199) return 2;
    uint64_t ticks = d * (uint64_t)EXPR_TICKS_PER_DAY + h * (uint64_t)EXPR_TICKS_PER_HOUR +
                     m * (uint64_t)EXPR_TICKS_PER_MINUTE + sec * (uint64_t)EXPR_TICKS_PER_SECOND +
                     (uint64_t)frac;
    if (ticks > (uint64_t)INT64_MAX) return 2;
    *out = neg ? -(int64_t)ticks : (int64_t)ticks;
    return 0;
}

/* ---- TimeSpan members ---- */

static int arg_timespan(expr_rt_t *rt, const expr_value_t *v, int64_t *out)
{
    if (v->tag == EXPR_V_TIMESPAN) {
        *out = v->u.i;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "NullReferenceException",
                          "Object reference not set to an instance of an object.");
    return expr_throw(rt, "InvalidCastException",
                      "Unable to cast object of type '%s' to type 'System.TimeSpan'.",
                      expr_dt_type_name(v));
}

/* new TimeSpan(ticks) | (h, m, s) | (d, h, m, s[, ms]) */
NATIVE(ts_ctor)
{
    UNUSED_ARGS;
    int64_t f[5] = {0};
    for (unsigned k = 0; k < argc; k++)
        if (expr_dt_arg_long(rt, &args[k], k == 0 && argc == 1 ? "System.Int64" : "System.Int32",
                             &f[k]))
            return EXPR_THROWN;
    if (argc == 1) {
        *out = expr_timespan(f[0]);
        return 0;
    }
    if (argc == 2) return expr_throw(rt, "ArgumentException", "no TimeSpan constructor takes 2 arguments");
    int64_t d = 0, h, m, s, ms = 0;
    if (argc == 3) h = f[0], m = f[1], s = f[2];
    else d = f[0], h = f[1], m = f[2], s = f[3], ms = argc == 5 ? f[4] : 0;
    /* .NET sums in milliseconds (components may be negative or exceed their range) */
    __int128 total = ((((__int128)d * 24 + h) * 60 + m) * 60 + s) * 1000 + ms;
    total *= EXPR_TICKS_PER_MS;
    if (total > INT64_MAX || total < INT64_MIN)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "TimeSpan overflowed because the duration is too long.");
    *out = expr_timespan((int64_t)total);
    return 0;
}

static int from_units(expr_rt_t *rt, const expr_value_t *arg, double ticks_per_unit, expr_value_t *out)
{
    double v = 0;
    if (expr_dt_arg_double(rt, arg, &v)) return EXPR_THROWN;
    if (isnan(v))
        return expr_throw(rt, "ArgumentException",
                          "TimeSpan does not accept floating point Not-a-Number values.");
    double ticks = v * ticks_per_unit;
    if (ticks >= 9223372036854775807.0 || ticks < -9223372036854775808.0) return overflow(rt);
    *out = expr_timespan((int64_t)ticks);
    return 0;
}

NATIVE(ts_from_days) { UNUSED_ARGS; return from_units(rt, &args[0], (double)EXPR_TICKS_PER_DAY, out); }
NATIVE(ts_from_hours) { UNUSED_ARGS; return from_units(rt, &args[0], (double)EXPR_TICKS_PER_HOUR, out); }
NATIVE(ts_from_minutes) { UNUSED_ARGS; return from_units(rt, &args[0], (double)EXPR_TICKS_PER_MINUTE, out); }
NATIVE(ts_from_seconds) { UNUSED_ARGS; return from_units(rt, &args[0], (double)EXPR_TICKS_PER_SECOND, out); }
NATIVE(ts_from_ms) { UNUSED_ARGS; return from_units(rt, &args[0], (double)EXPR_TICKS_PER_MS, out); }

NATIVE(ts_from_ticks)
{
    UNUSED_ARGS;
    int64_t t = 0;
    if (expr_dt_arg_long(rt, &args[0], "System.Int64", &t)) return EXPR_THROWN;
    *out = expr_timespan(t);
    return 0;
}

NATIVE(ts_zero) { UNUSED_ARGS; *out = expr_timespan(0); return 0; }
NATIVE(ts_max) { UNUSED_ARGS; *out = expr_timespan(INT64_MAX); return 0; }
NATIVE(ts_min) { UNUSED_ARGS; *out = expr_timespan(INT64_MIN); return 0; }

#define TICKS_CONSTANT(fname, v)                                                                  \
    NATIVE(fname)                                                                                 \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        *out = expr_long(v);                                                                      \
        return 0;                                                                                 \
    }
TICKS_CONSTANT(ts_per_day, EXPR_TICKS_PER_DAY)
TICKS_CONSTANT(ts_per_hour, EXPR_TICKS_PER_HOUR)
TICKS_CONSTANT(ts_per_minute, EXPR_TICKS_PER_MINUTE)
TICKS_CONSTANT(ts_per_second, EXPR_TICKS_PER_SECOND)
TICKS_CONSTANT(ts_per_ms, EXPR_TICKS_PER_MS)

NATIVE(ts_days) { UNUSED_ARGS; *out = expr_int((int32_t)(self->u.i / EXPR_TICKS_PER_DAY)); return 0; }
NATIVE(ts_hours) { UNUSED_ARGS; *out = expr_int((int32_t)(self->u.i / EXPR_TICKS_PER_HOUR % 24)); return 0; }
NATIVE(ts_minutes) { UNUSED_ARGS; *out = expr_int((int32_t)(self->u.i / EXPR_TICKS_PER_MINUTE % 60)); return 0; }
NATIVE(ts_seconds) { UNUSED_ARGS; *out = expr_int((int32_t)(self->u.i / EXPR_TICKS_PER_SECOND % 60)); return 0; }
NATIVE(ts_milliseconds) { UNUSED_ARGS; *out = expr_int((int32_t)(self->u.i / EXPR_TICKS_PER_MS % 1000)); return 0; }
NATIVE(ts_ticks) { UNUSED_ARGS; *out = expr_long(self->u.i); return 0; }
NATIVE(ts_total_days) { UNUSED_ARGS; *out = expr_double((double)self->u.i / (double)EXPR_TICKS_PER_DAY); return 0; }
NATIVE(ts_total_hours) { UNUSED_ARGS; *out = expr_double((double)self->u.i / (double)EXPR_TICKS_PER_HOUR); return 0; }
NATIVE(ts_total_minutes) { UNUSED_ARGS; *out = expr_double((double)self->u.i / (double)EXPR_TICKS_PER_MINUTE); return 0; }
NATIVE(ts_total_seconds) { UNUSED_ARGS; *out = expr_double((double)self->u.i / (double)EXPR_TICKS_PER_SECOND); return 0; }
NATIVE(ts_total_ms) { UNUSED_ARGS; *out = expr_double((double)self->u.i / (double)EXPR_TICKS_PER_MS); return 0; }

NATIVE(ts_add)
{
    UNUSED_ARGS;
    int64_t b = 0;
    if (arg_timespan(rt, &args[0], &b)) return EXPR_THROWN;
    return expr_timespan_add(rt, self->u.i, b, out);
}

NATIVE(ts_subtract)
{
    UNUSED_ARGS;
    int64_t b = 0, r = 0;
    if (arg_timespan(rt, &args[0], &b)) return EXPR_THROWN;
    if (__builtin_sub_overflow(self->u.i, b, &r)) return overflow(rt);
    *out = expr_timespan(r);
    return 0;
}

NATIVE(ts_negate) { UNUSED_ARGS; return expr_timespan_negate(rt, self->u.i, out); }

NATIVE(ts_duration)
{
    UNUSED_ARGS;
    if (self->u.i == INT64_MIN)
        return expr_throw(rt, "OverflowException",
                          "The duration cannot be returned for TimeSpan.MinValue because the "
                          "absolute value of TimeSpan.MinValue exceeds the value of TimeSpan.MaxValue.");
    *out = expr_timespan(self->u.i < 0 ? -self->u.i : self->u.i);
    return 0;
}

NATIVE(ts_to_string)
{
    UNUSED_ARGS;
    if (argc == 0 || args[0].tag == EXPR_V_NULL) return format_standard(rt, self->u.i, 'c', out);
    const char *f = NULL;
    size_t n = 0;
    if (expr_dt_arg_string(rt, &args[0], "format", &f, &n)) return EXPR_THROWN;
    if (n == 0) return format_standard(rt, self->u.i, 'c', out);
    if (n == 1) {
        switch (f[0]) {
        case 'c': case 't': case 'T': return format_standard(rt, self->u.i, 'c', out);
        case 'g': return format_standard(rt, self->u.i, 'g', out);
        case 'G': return format_standard(rt, self->u.i, 'G', out);
        default: break;
        }
        if (f[0] != '%') return bad_format(rt);
    }
    return format_custom(rt, self->u.i, f, n, out);
}

static int timespan_parse_error(expr_rt_t *rt, int rc, const char *s, size_t n)
{
    if (rc == 2)
        return expr_throw(rt, "OverflowException",
                          "The TimeSpan string '%.*s' could not be parsed because at least one of "
                          "the numeric components is out of range or contains too many digits.",
                          (int)(n > 64 ? 64 : n), s);
    return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid TimeSpan.",
                      (int)(n > 64 ? 64 : n), s);
}

NATIVE(ts_parse)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0;
    int64_t t = 0;
    if (expr_dt_arg_string(rt, &args[0], "input", &s, &n)) return EXPR_THROWN;
    int rc = parse_timespan(s, n, &t);
    if (rc) return timespan_parse_error(rt, rc, s, n);
    *out = expr_timespan(t);
    return 0;
}

NATIVE(ts_tryparse)
{
    UNUSED_ARGS;
    int64_t t = 0;
    bool ok = args[0].tag == EXPR_V_STRING && parse_timespan(args[0].u.s.ptr, args[0].u.s.len, &t) == 0;
    args[argc - 1] = expr_timespan(ok ? t : 0);
    *out = expr_bool(ok);
    return 0;
}

#define T_TS (&expr_class_timespan)
#define T_INT (&expr_class_int)
#define T_LONG (&expr_class_long)
#define T_DBL (&expr_class_double)
#define T_STR (&expr_class_string)
#define T_BOOL (&expr_class_bool)

static const expr_member_t timespan_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 1, .max_args = 5, .ret = {T_TS, NULL}, .fn = ts_ctor},
    M_SPROP("Zero", ts_zero, T_TS),
    M_SPROP("MaxValue", ts_max, T_TS),
    M_SPROP("MinValue", ts_min, T_TS),
    M_SMETHOD("FromDays", 1, 1, ts_from_days, T_TS),
    M_SMETHOD("FromHours", 1, 1, ts_from_hours, T_TS),
    M_SMETHOD("FromMinutes", 1, 1, ts_from_minutes, T_TS),
    M_SMETHOD("FromSeconds", 1, 1, ts_from_seconds, T_TS),
    M_SMETHOD("FromMilliseconds", 1, 1, ts_from_ms, T_TS),
    M_SPROP("TicksPerDay", ts_per_day, T_LONG),
    M_SPROP("TicksPerHour", ts_per_hour, T_LONG),
    M_SPROP("TicksPerMinute", ts_per_minute, T_LONG),
    M_SPROP("TicksPerSecond", ts_per_second, T_LONG),
    M_SPROP("TicksPerMillisecond", ts_per_ms, T_LONG),
    M_SMETHOD("FromTicks", 1, 1, ts_from_ticks, T_TS),
    M_SMETHOD("Parse", 1, 2, ts_parse, T_TS),
    {.name = "TryParse", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = {T_BOOL, NULL}, .out_mask = 1u << 1, .fn = ts_tryparse},
    M_PROP("Days", ts_days, T_INT),
    M_PROP("Hours", ts_hours, T_INT),
    M_PROP("Minutes", ts_minutes, T_INT),
    M_PROP("Seconds", ts_seconds, T_INT),
    M_PROP("Milliseconds", ts_milliseconds, T_INT),
    M_PROP("Ticks", ts_ticks, T_LONG),
    M_PROP("TotalDays", ts_total_days, T_DBL),
    M_PROP("TotalHours", ts_total_hours, T_DBL),
    M_PROP("TotalMinutes", ts_total_minutes, T_DBL),
    M_PROP("TotalSeconds", ts_total_seconds, T_DBL),
    M_PROP("TotalMilliseconds", ts_total_ms, T_DBL),
    M_METHOD("Add", 1, 1, ts_add, T_TS),
    M_METHOD("Subtract", 1, 1, ts_subtract, T_TS),
    M_METHOD("Negate", 0, 0, ts_negate, T_TS),
    M_METHOD("Duration", 0, 0, ts_duration, T_TS),
    M_METHOD("CompareTo", 1, 1, expr_dt_ticks_compare_to, T_INT),
    M_METHOD("Equals", 1, 1, expr_dt_ticks_equals, T_BOOL),
    M_METHOD("ToString", 0, 2, ts_to_string, T_STR),
    M_METHOD("GetHashCode", 0, 0, expr_dt_ticks_hash_code, T_INT),
};

static bool timespan_equals(const expr_value_t *a, const expr_value_t *b)
{
    return a->tag == b->tag && a->u.i == b->u.i;
}

const expr_class_t expr_class_timespan = {
    .base = &expr_class_object,
    .name = "TimeSpan",
    .full_name = "System.TimeSpan",
    .tag = EXPR_V_TIMESPAN,
    .is_nameable = true,
    .members = timespan_members,
    .member_count = sizeof timespan_members / sizeof timespan_members[0],
    .to_string = expr_timespan_to_string,
    .equals = timespan_equals,
};

/* ---- Guid ---- */

static expr_value_t guid_value(const uint8_t b[16])
{
    expr_value_t v = {.tag = EXPR_V_GUID};
    memcpy(v.u.guid, b, 16);
    return v;
}

/* Writes the guid in format D, N, B, P or X (lower-case hex, as .NET). */
static int guid_format(expr_rt_t *rt, const uint8_t g[16], char fmt, expr_value_t *out)
{
    char hex[33];
    for (int k = 0; k < 16; k++) snprintf(hex + 2 * k, 3, "%02x", g[k]);
    char buf[80];
    int n = 0;
    switch (fmt) {
    case 'N': case 'n': n = snprintf(buf, sizeof buf, "%s", hex); break;
    case 'D': case 'd':
    case 'B': case 'b':
    case 'P': case 'p': {
        const char *open = (fmt | 32) == 'b' ? "{" : (fmt | 32) == 'p' ? "(" : "";
        const char *close = (fmt | 32) == 'b' ? "}" : (fmt | 32) == 'p' ? ")" : "";
        n = snprintf(buf, sizeof buf, "%s%.8s-%.4s-%.4s-%.4s-%.12s%s", open, hex, hex + 8, hex + 12,
                     hex + 16, hex + 20, close);
        break;
    }
    case 'X': case 'x':
        n = snprintf(buf, sizeof buf, "{0x%.8s,0x%.4s,0x%.4s,{0x%.2s,0x%.2s,0x%.2s,0x%.2s,0x%.2s,0x%.2s,0x%.2s,0x%.2s}}",
                     hex, hex + 8, hex + 12, hex + 16, hex + 18, hex + 20, hex + 22, hex + 24,
                     hex + 26, hex + 28, hex + 30);
        break;
    default:
        return expr_throw(rt, "FormatException",
                          "Format string can be only \"D\", \"d\", \"N\", \"n\", \"P\", \"p\", "
                          "\"B\", \"b\", \"X\" or \"x\".");
    }
    return expr_str_copy(rt, buf, (size_t)n, out);
}

int expr_guid_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return guid_format(rt, self->u.guid, 'D', out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* 32 hex digits, with dashes at 8-4-4-4-12 when `dashed`. */
static bool parse_hex_groups(const char *s, size_t n, bool dashed, uint8_t g[16])
{
    size_t need = dashed ? 36 : 32;
    if (n != need) return false;
    int nib = 0;
    for (size_t i = 0; i < n; i++) {
        if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-') return false;
            continue;
        }
        int v = hexval(s[i]);
        if (v < 0) return false;
        if (nib % 2 == 0) g[nib / 2] = (uint8_t)(v << 4);
        else g[nib / 2] |= (uint8_t)v;
        nib++;
    }
    return nib == 32;
}

/* Guid.Parse: D, N, B ({D}) and P ((D)) forms, surrounding white space allowed. */
static bool parse_guid(const char *s, size_t n, uint8_t g[16])
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n == 38 && ((s[0] == '{' && s[37] == '}') || (s[0] == '(' && s[37] == ')')))
        return parse_hex_groups(s + 1, 36, true, g);
    if (n == 36) return parse_hex_groups(s, n, true, g);
    if (n == 32) return parse_hex_groups(s, n, false, g);
    return false;
}

static int guid_bad(expr_rt_t *rt)
{
    return expr_throw(rt, "FormatException",
                      "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).");
}

NATIVE(guid_new)
{
    UNUSED_ARGS;
    uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return expr_throw(rt, "CryptographicException", "random number generator failed");
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 (RFC 9562 §5.4) */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
    *out = guid_value(b);
    return 0;
}

NATIVE(guid_empty)
{
    UNUSED_ARGS;
    static const uint8_t zero[16];
    *out = guid_value(zero);
    return 0;
}

NATIVE(guid_parse)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0;
    uint8_t g[16];
    if (expr_dt_arg_string(rt, &args[0], "input", &s, &n)) return EXPR_THROWN;
    if (!parse_guid(s, n, g)) return guid_bad(rt);
    *out = guid_value(g);
    return 0;
}

NATIVE(guid_tryparse)
{
    UNUSED_ARGS;
    uint8_t g[16] = {0};
    bool ok = args[0].tag == EXPR_V_STRING && parse_guid(args[0].u.s.ptr, args[0].u.s.len, g);
    if (!ok) memset(g, 0, sizeof g);
    args[argc - 1] = guid_value(g);
    *out = expr_bool(ok);
    return 0;
}

/* new Guid(string) | new Guid(byte[16]): the byte form stores the first three fields
 * little-endian, as .NET (ToByteArray is its inverse). */
static void swap_fields(const uint8_t in[16], uint8_t out[16])
{
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int k = 0; k < 16; k++) out[k] = in[order[k]];
}

NATIVE(guid_ctor)
{
    UNUSED_ARGS;
    uint8_t g[16];
    if (args[0].tag == EXPR_V_BYTES) {
        if (args[0].u.s.len != 16)
            return expr_throw(rt, "ArgumentException", "Byte array for Guid must be exactly 16 bytes long. (Parameter 'b')");
        swap_fields((const uint8_t *)args[0].u.s.ptr, g);
        *out = guid_value(g);
        return 0;
    }
    return guid_parse(rt, call, self, args, argc, out);
}

NATIVE(guid_to_byte_array)
{
    UNUSED_ARGS;
    uint8_t *b = expr_rt_alloc(rt, 16);
    if (!b) return EXPR_THROWN;
    swap_fields(self->u.guid, b);
    *out = (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(const char *)b, 16}};
    return 0;
}

NATIVE(guid_to_string)
{
    UNUSED_ARGS;
    if (argc == 0 || args[0].tag == EXPR_V_NULL) return guid_format(rt, self->u.guid, 'D', out);
    const char *f = NULL;
    size_t n = 0;
    if (expr_dt_arg_string(rt, &args[0], "format", &f, &n)) return EXPR_THROWN;
    if (n == 0) return guid_format(rt, self->u.guid, 'D', out);
    if (n != 1) return guid_format(rt, self->u.guid, '?', out);
    return guid_format(rt, self->u.guid, f[0], out);
}

NATIVE(guid_equals)
{
    UNUSED_ARGS;
    *out = expr_bool(args[0].tag == EXPR_V_GUID && memcmp(args[0].u.guid, self->u.guid, 16) == 0);
    return 0;
}

NATIVE(guid_compare_to)
{
    UNUSED_ARGS;
    int rc = expr_dt_compare_arg(rt, &args[0], EXPR_V_GUID, "Guid", out);
    if (rc) return rc < 0 ? rc : 0;
    int c = memcmp(self->u.guid, args[0].u.guid, 16);
    *out = expr_int(c < 0 ? -1 : c > 0);
    return 0;
}

/* .NET: the XOR of the four 32-bit words of the in-memory layout (ToByteArray's order). */
NATIVE(guid_hash_code)
{
    UNUSED_ARGS;
    uint8_t b[16];
    swap_fields(self->u.guid, b);
    uint32_t h = 0;
    for (int k = 0; k < 16; k += 4)
        h ^= (uint32_t)b[k] | (uint32_t)b[k + 1] << 8 | (uint32_t)b[k + 2] << 16 | (uint32_t)b[k + 3] << 24;
    *out = expr_int((int32_t)h);
    return 0;
}

static const expr_member_t guid_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 1, .max_args = 1, .ret = {&expr_class_guid, NULL}, .fn = guid_ctor},
    M_SMETHOD("NewGuid", 0, 0, guid_new, &expr_class_guid),
    M_SPROP("Empty", guid_empty, &expr_class_guid),
    M_SMETHOD("Parse", 1, 1, guid_parse, &expr_class_guid),
    {.name = "TryParse", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = {T_BOOL, NULL}, .out_mask = 1u << 1, .fn = guid_tryparse},
    M_METHOD("ToString", 0, 2, guid_to_string, T_STR),
    M_METHOD("ToByteArray", 0, 0, guid_to_byte_array, &expr_class_bytes),
    M_METHOD("Equals", 1, 1, guid_equals, T_BOOL),
    M_METHOD("CompareTo", 1, 1, guid_compare_to, T_INT),
    M_METHOD("GetHashCode", 0, 0, guid_hash_code, T_INT),
};

static bool guid_equals_fn(const expr_value_t *a, const expr_value_t *b)
{
    return a->tag == b->tag && memcmp(a->u.guid, b->u.guid, 16) == 0;
}

const expr_class_t expr_class_guid = {
    .base = &expr_class_object,
    .name = "Guid",
    .full_name = "System.Guid",
    .tag = EXPR_V_GUID,
    .is_nameable = true,
    .members = guid_members,
    .member_count = sizeof guid_members / sizeof guid_members[0],
    .to_string = expr_guid_to_string,
    .equals = guid_equals_fn,
};
