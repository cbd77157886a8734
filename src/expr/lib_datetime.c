/* lib_datetime: DateTime, DateTimeKind, DayOfWeek, DateTimeStyles, CultureInfo (lib_datetime.h).
 * The calendar is .NET's proleptic Gregorian one over ticks; text is in
 * lib_datetime_text.c, TimeSpan and Guid in lib_timespan.c. */
#include "expr/lib_datetime.h"

#include <math.h>
#include <string.h>

/* ---- calendar ---- */

static const int days_to_month_365[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
static const int days_to_month_366[13] = {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366};

bool expr_dt_is_leap(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int expr_dt_days_in_month(int year, int month)
{
    const int *t = expr_dt_is_leap(year) ? days_to_month_366 : days_to_month_365;
    return t[month] - t[month - 1];
}

int64_t expr_dt_ticks(int year, int month, int day, int hour, int minute, int second)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > expr_dt_days_in_month(year, month))
        return -1;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
    const int *t = expr_dt_is_leap(year) ? days_to_month_366 : days_to_month_365;
    int64_t y = year - 1;
    int64_t days = y * 365 + y / 4 - y / 100 + y / 400 + t[month - 1] + day - 1;
    return days * EXPR_TICKS_PER_DAY + hour * EXPR_TICKS_PER_HOUR + minute * EXPR_TICKS_PER_MINUTE +
           second * EXPR_TICKS_PER_SECOND;
}

void expr_dt_split(int64_t ticks, expr_dt_parts_t *p)
{
    int64_t days = ticks / EXPR_TICKS_PER_DAY;
    int64_t rest = ticks % EXPR_TICKS_PER_DAY;
    p->day_of_week = (int)((days + 1) % 7); /* 0001-01-01 was a Monday */
    int64_t n = days;
    int64_t y400 = n / 146097;
    n -= y400 * 146097;
    int64_t y100 = n / 36524;
    if (y100 == 4) y100 = 3;
    n -= y100 * 36524;
    int64_t y4 = n / 1461;
    n -= y4 * 1461;
    int64_t y1 = n / 365;
    if (y1 == 4) y1 = 3;
    n -= y1 * 365;
    p->year = (int)(y400 * 400 + y100 * 100 + y4 * 4 + y1 + 1);
    p->day_of_year = (int)n + 1;
    const int *t = expr_dt_is_leap(p->year) ? days_to_month_366 : days_to_month_365;
    int m = 1;
    while (n >= t[m]) m++;
    p->month = m;
    p->day = (int)(n - t[m - 1]) + 1;
    p->hour = (int)(rest / EXPR_TICKS_PER_HOUR);
    p->minute = (int)(rest / EXPR_TICKS_PER_MINUTE % 60);
    p->second = (int)(rest / EXPR_TICKS_PER_SECOND % 60);
    p->fraction = rest % EXPR_TICKS_PER_SECOND;
}

/* ---- values and operators ---- */

static expr_value_t dt_value(int64_t ticks, int kind)
{
    return (expr_value_t){.tag = EXPR_V_DATETIME, .aux = (uint8_t)kind, .u.i = ticks};
}

int expr_datetime_make(expr_rt_t *rt, int64_t ticks, int kind, expr_value_t *out)
{
    if (ticks < 0 || ticks > EXPR_DATETIME_MAX_TICKS)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Ticks must be between DateTime.MinValue.Ticks and "
                          "DateTime.MaxValue.Ticks. (Parameter 'ticks')");
    *out = dt_value(ticks, kind);
    return 0;
}

int expr_datetime_add_ticks(expr_rt_t *rt, const expr_value_t *dt, int64_t ticks, expr_value_t *out)
{
    int64_t r = 0;
    if (__builtin_add_overflow(dt->u.i, ticks, &r) || r < 0 || r > EXPR_DATETIME_MAX_TICKS)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "The added or subtracted value results in an un-representable "
                          "DateTime. (Parameter 'value')");
    *out = dt_value(r, dt->aux);
    return 0;
}

expr_value_t expr_datetime_diff(const expr_value_t *a, const expr_value_t *b)
{
    return expr_timespan(a->u.i - b->u.i);
}

int expr_datetime_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    /* a DateTimeOffset prints its offset after the "G" pattern */
    if (self->aux == EXPR_KIND_OFFSET)
        return expr_dt_format(rt, self->u.i, self->aux, "M/d/yyyy h:mm:ss tt zzz", 23, false, out);
    return expr_dt_format(rt, self->u.i, self->aux, "G", 1, false, out);
}

/* ---- argument helpers ---- */

const char *expr_dt_type_name(const expr_value_t *v)
{
    switch (v->tag) {
    case EXPR_V_NULL: return "null";
    case EXPR_V_BOOL: return "System.Boolean";
    case EXPR_V_INT: return "System.Int32";
    case EXPR_V_LONG: return "System.Int64";
    case EXPR_V_DOUBLE: return "System.Double";
    case EXPR_V_CHAR: return "System.Char";
    case EXPR_V_STRING: return "System.String";
    case EXPR_V_BYTES: return "System.Byte[]";
    case EXPR_V_DATETIME: return "System.DateTime";
    case EXPR_V_TIMESPAN: return "System.TimeSpan";
    case EXPR_V_GUID: return "System.Guid";
    case EXPR_V_ARRAY: return "System.Object[]";
    case EXPR_V_OBJECT:
        if (v->u.obj.cls && v->u.obj.cls->full_name) return v->u.obj.cls->full_name;
        return v->u.obj.cls ? v->u.obj.cls->name : "System.Object";
    default: return "System.Object";
    }
}

static int cast_error(expr_rt_t *rt, const expr_value_t *v, const char *to)
{
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "NullReferenceException",
                          "Object reference not set to an instance of an object.");
    return expr_throw(rt, "InvalidCastException",
                      "Unable to cast object of type '%s' to type '%s'.", expr_dt_type_name(v), to);
}

int expr_dt_arg_long(expr_rt_t *rt, const expr_value_t *v, const char *to, int64_t *out)
{
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG || v->tag == EXPR_V_CHAR) {
        *out = v->u.i;
        return 0;
    }
    return cast_error(rt, v, to ? to : "System.Int32");
}

int expr_dt_arg_double(expr_rt_t *rt, const expr_value_t *v, double *out)
{
    if (v->tag == EXPR_V_DOUBLE) *out = v->u.d;
    else if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG || v->tag == EXPR_V_CHAR)
        *out = (double)v->u.i;
    else return cast_error(rt, v, "System.Double");
    return 0;
}

int expr_dt_arg_string(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **p,
                       size_t *len)
{
    if (v->tag == EXPR_V_STRING) {
        *p = v->u.s.ptr;
        *len = v->u.s.len;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')",
                          param);
    return cast_error(rt, v, "System.String");
}

static int arg_datetime(expr_rt_t *rt, const expr_value_t *v, int64_t *ticks)
{
    if (v->tag == EXPR_V_DATETIME) {
        *ticks = v->u.i;
        return 0;
    }
    return cast_error(rt, v, "System.DateTime");
}

/* An int argument that must fit an int (C# would not convert a long implicitly). */
static int arg_int(expr_rt_t *rt, const expr_value_t *v, int *out)
{
    int64_t x = 0;
    if (expr_dt_arg_long(rt, v, "System.Int32", &x)) return EXPR_THROWN;
    if (x < INT32_MIN || x > INT32_MAX) return cast_error(rt, v, "System.Int32");
    *out = (int)x;
    return 0;
}

/* ---- CultureInfo: only what DateTime/number parsing needs to be told apart ---- */

typedef struct {
    const char *name;
} culture_t;

static const culture_t culture_invariant = {""};
static const culture_t culture_en_us = {"en-US"};
static const expr_class_t cls_culture;

bool expr_dt_is_invariant(const expr_value_t *v)
{
    return v->tag == EXPR_V_OBJECT && v->u.obj.cls == &cls_culture &&
           v->u.obj.ptr == &culture_invariant;
}

static int culture_invariant_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                                 expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)self, (void)args, (void)argc;
    *out = expr_object(&cls_culture, (void *)&culture_invariant);
    return 0;
}

static int culture_current_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                               expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)self, (void)args, (void)argc;
    *out = expr_object(&cls_culture, (void *)&culture_en_us);
    return 0;
}

static int culture_name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)args, (void)argc;
    const culture_t *c = self->u.obj.ptr;
    *out = expr_str_ref(c->name, strlen(c->name));
    return 0;
}

static int culture_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return culture_name(rt, NULL, self, NULL, 0, out);
}

#define M_PROP(n, f, r) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {r, NULL}, .fn = f}
#define M_SPROP(n, f, r) {.name = n, .kind = EXPR_M_STATIC_PROPERTY, .ret = {r, NULL}, .fn = f}
#define M_METHOD(n, lo, hi, f, r)                                                                 \
    {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}
#define M_SMETHOD(n, lo, hi, f, r)                                                                \
    {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi, .ret = {r, NULL},  \
     .fn = f}

static const expr_member_t culture_members[] = {
    M_SPROP("InvariantCulture", culture_invariant_get, &cls_culture),
    M_SPROP("CurrentCulture", culture_current_get, &cls_culture),
    M_SPROP("CurrentUICulture", culture_current_get, &cls_culture),
    M_PROP("Name", culture_name, &expr_class_string),
};

static const expr_class_t cls_culture = {
    .base = &expr_class_object,
    .name = "CultureInfo",
    .full_name = "System.Globalization.CultureInfo",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = culture_members,
    .member_count = sizeof culture_members / sizeof culture_members[0],
    .to_string = culture_to_string,
};

/* ---- enums: static-only classes of int constants (an enum value is its int) ---- */

static const int kind_values[] = {0, 1, 2};
static int kind_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out);
static const expr_member_t kind_members[] = {
    M_SPROP("Unspecified", kind_get, &expr_class_int),
    M_SPROP("Utc", kind_get, &expr_class_int),
    M_SPROP("Local", kind_get, &expr_class_int),
};

/* DateTimeKind constants carry a mark in aux so that new DateTime(y, M, d, h, m, s,
 * DateTimeKind.Utc) is told apart from the milliseconds overload (enums are ints here). */
#define KIND_MARK 0x4b

static int kind_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)self, (void)args, (void)argc;
    *out = expr_int(kind_values[call->member - kind_members]);
    out->aux = KIND_MARK;
    return 0;
}

static const expr_class_t cls_kind = {
    .name = "DateTimeKind",
    .full_name = "System.DateTimeKind",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = kind_members,
    .member_count = 3,
};

static const int dow_values[] = {0, 1, 2, 3, 4, 5, 6};
static int dow_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out);
static const expr_member_t dow_members[] = {
    M_SPROP("Sunday", dow_get, &expr_class_int),   M_SPROP("Monday", dow_get, &expr_class_int),
    M_SPROP("Tuesday", dow_get, &expr_class_int),  M_SPROP("Wednesday", dow_get, &expr_class_int),
    M_SPROP("Thursday", dow_get, &expr_class_int), M_SPROP("Friday", dow_get, &expr_class_int),
    M_SPROP("Saturday", dow_get, &expr_class_int),
};

static int dow_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)self, (void)args, (void)argc;
    *out = expr_int(dow_values[call->member - dow_members]);
    return 0;
}

static const expr_class_t cls_dow = {
    .name = "DayOfWeek",
    .full_name = "System.DayOfWeek",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = dow_members,
    .member_count = 7,
};

static const int styles_values[] = {0, 1, 2, 4, 7, 8, 16, 32, 64, 128};
static int styles_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out);
static const expr_member_t styles_members[] = {
    M_SPROP("None", styles_get, &expr_class_int),
    M_SPROP("AllowLeadingWhite", styles_get, &expr_class_int),
    M_SPROP("AllowTrailingWhite", styles_get, &expr_class_int),
    M_SPROP("AllowInnerWhite", styles_get, &expr_class_int),
    M_SPROP("AllowWhiteSpaces", styles_get, &expr_class_int),
    M_SPROP("NoCurrentDateDefault", styles_get, &expr_class_int),
    M_SPROP("AdjustToUniversal", styles_get, &expr_class_int),
    M_SPROP("AssumeLocal", styles_get, &expr_class_int),
    M_SPROP("AssumeUniversal", styles_get, &expr_class_int),
    M_SPROP("RoundtripKind", styles_get, &expr_class_int),
};

static int styles_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)self, (void)args, (void)argc;
    *out = expr_int(styles_values[call->member - styles_members]);
    return 0;
}

static const expr_class_t cls_styles = {
    .name = "DateTimeStyles",
    .full_name = "System.Globalization.DateTimeStyles",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = styles_members,
    .member_count = sizeof styles_members / sizeof styles_members[0],
};

/* ---- DateTime members ---- */

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

static int bad_date(expr_rt_t *rt)
{
    return expr_throw(rt, "ArgumentOutOfRangeException",
                      "Year, Month, and Day parameters describe an un-representable DateTime.");
}

static int time_error(expr_rt_t *rt)
{
    return expr_throw(rt, "ArgumentOutOfRangeException",
                      "Hour, Minute, and Second parameters describe an un-representable DateTime.");
}

static int arg_kind(expr_rt_t *rt, const expr_value_t *v, int *kind)
{
    if (arg_int(rt, v, kind)) return EXPR_THROWN;
    if (*kind < 0 || *kind > 2)
        return expr_throw(rt, "ArgumentException",
                          "Invalid DateTimeKind value. (Parameter 'kind')");
    return 0;
}

/* new DateTime(ticks[, kind]) | (y, M, d[, h, m, s[, ms]][, kind]) */
NATIVE(dt_ctor)
{
    UNUSED_ARGS;
    int kind = EXPR_KIND_UNSPECIFIED;
    if (argc <= 2) {
        int64_t ticks = 0;
        if (expr_dt_arg_long(rt, &args[0], "System.Int64", &ticks)) return EXPR_THROWN;
        if (argc == 2 && arg_kind(rt, &args[1], &kind)) return EXPR_THROWN;
        return expr_datetime_make(rt, ticks, kind, out);
    }
    if (argc == 4 || argc == 5) return expr_throw(rt, "ArgumentException", "no DateTime constructor takes %u arguments", argc);
    int f[7] = {0};
    unsigned nf = argc >= 6 ? 6 : 3;
    for (unsigned k = 0; k < nf; k++)
        if (arg_int(rt, &args[k], &f[k])) return EXPR_THROWN;
    if (argc == 7) {
        /* (…, ms) or (…, kind): a marked DateTimeKind constant, else milliseconds. */
        if (args[6].aux == KIND_MARK) {
            if (arg_kind(rt, &args[6], &kind)) return EXPR_THROWN;
        } else if (arg_int(rt, &args[6], &f[6])) return EXPR_THROWN;
    } else if (argc == 8) {
        if (arg_int(rt, &args[6], &f[6]) || arg_kind(rt, &args[7], &kind)) return EXPR_THROWN;
    }
    if (f[0] < 1 || f[0] > 9999 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
        f[2] > expr_dt_days_in_month(f[0], f[1]))
        return bad_date(rt);
    int64_t ticks = expr_dt_ticks(f[0], f[1], f[2], f[3], f[4], f[5]);
    if (ticks < 0) return time_error(rt);
    if (f[6] < 0 || f[6] > 999)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Valid values are between 0 and 999, inclusive. (Parameter 'millisecond')");
    *out = dt_value(ticks + f[6] * EXPR_TICKS_PER_MS, kind);
    return 0;
}

NATIVE(dt_now)
{
    UNUSED_ARGS;
    *out = dt_value(expr_rt_now_ticks(rt), EXPR_KIND_LOCAL);
    return 0;
}

NATIVE(dt_utcnow)
{
    UNUSED_ARGS;
    *out = dt_value(expr_rt_now_ticks(rt), EXPR_KIND_UTC);
    return 0;
}

NATIVE(dt_today)
{
    UNUSED_ARGS;
    int64_t t = expr_rt_now_ticks(rt);
    *out = dt_value(t - t % EXPR_TICKS_PER_DAY, EXPR_KIND_LOCAL);
    return 0;
}

NATIVE(dt_min)
{
    UNUSED_ARGS;
    *out = dt_value(0, EXPR_KIND_UNSPECIFIED);
    return 0;
}

NATIVE(dt_max)
{
    UNUSED_ARGS;
    *out = dt_value(EXPR_DATETIME_MAX_TICKS, EXPR_KIND_UNSPECIFIED);
    return 0;
}

NATIVE(dt_epoch)
{
    UNUSED_ARGS;
    *out = dt_value(EXPR_UNIX_EPOCH_TICKS, EXPR_KIND_UTC);
    return 0;
}

/* The (provider, styles) tail shared by Parse/ParseExact. */
static int parse_tail(expr_rt_t *rt, expr_value_t *args, unsigned argc, unsigned first,
                      bool *invariant, int *styles)
{
    *invariant = argc > first && expr_dt_is_invariant(&args[first]);
    *styles = 0;
    if (argc > first + 1 && arg_int(rt, &args[first + 1], styles)) return EXPR_THROWN;
    return 0;
}

static int not_a_date(expr_rt_t *rt, const char *s, size_t len)
{
    return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid DateTime.",
                      (int)(len > 120 ? 120 : len), s);
}

NATIVE(dt_parse)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t len = 0;
    bool invariant = false;
    int styles = 0, kind = 0;
    int64_t ticks = 0;
    if (expr_dt_arg_string(rt, &args[0], "s", &s, &len) ||
        parse_tail(rt, args, argc, 1, &invariant, &styles))
        return EXPR_THROWN;
    if (expr_dt_parse(s, len, styles, expr_rt_now_ticks(rt), &ticks, &kind))
        return not_a_date(rt, s, len);
    *out = dt_value(ticks, kind);
    return 0;
}

/* TryParse(s, out DateTime result) */
NATIVE(dt_tryparse)
{
    UNUSED_ARGS;
    int64_t ticks = 0;
    int kind = 0;
    bool ok = args[0].tag == EXPR_V_STRING &&
              expr_dt_parse(args[0].u.s.ptr, args[0].u.s.len, 0, expr_rt_now_ticks(rt), &ticks,
                            &kind) == 0;
    args[argc - 1] = ok ? dt_value(ticks, kind) : dt_value(0, 0);
    *out = expr_bool(ok);
    return 0;
}

/* ParseExact(s, format, provider[, styles]) */
NATIVE(dt_parse_exact)
{
    UNUSED_ARGS;
    const char *s = NULL, *fmt = NULL;
    size_t len = 0, flen = 0;
    bool invariant = false;
    int styles = 0, kind = 0;
    int64_t ticks = 0;
    if (expr_dt_arg_string(rt, &args[0], "s", &s, &len) ||
        expr_dt_arg_string(rt, &args[1], "format", &fmt, &flen) ||
        parse_tail(rt, args, argc, 2, &invariant, &styles))
        return EXPR_THROWN;
    if (flen == 0)
        return expr_throw(rt, "FormatException", "Format specifier was invalid.");
    if (expr_dt_parse_exact(s, len, fmt, flen, styles, invariant, &ticks, &kind))
        return not_a_date(rt, s, len);
    *out = dt_value(ticks, kind);
    return 0;
}

/* TryParseExact(s, format, provider, styles, out DateTime result) */
NATIVE(dt_tryparse_exact)
{
    UNUSED_ARGS;
    int64_t ticks = 0;
    int kind = 0;
    int styles = 0;
    if (args[3].tag == EXPR_V_INT) styles = (int)args[3].u.i;
    bool ok = args[0].tag == EXPR_V_STRING && args[1].tag == EXPR_V_STRING &&
              args[1].u.s.len > 0 &&
              expr_dt_parse_exact(args[0].u.s.ptr, args[0].u.s.len, args[1].u.s.ptr,
                                  args[1].u.s.len, styles, expr_dt_is_invariant(&args[2]), &ticks,
                                  &kind) == 0;
    args[4] = ok ? dt_value(ticks, kind) : dt_value(0, 0);
    *out = expr_bool(ok);
    return 0;
}

NATIVE(dt_days_in_month)
{
    UNUSED_ARGS;
    int y = 0, m = 0;
    if (arg_int(rt, &args[0], &y) || arg_int(rt, &args[1], &m)) return EXPR_THROWN;
    if (m < 1 || m > 12)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Month must be between one and twelve. (Parameter 'month')");
    if (y < 1 || y > 9999)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Year must be between 1 and 9999. (Parameter 'year')");
    *out = expr_int(expr_dt_days_in_month(y, m));
    return 0;
}

NATIVE(dt_is_leap_year)
{
    UNUSED_ARGS;
    int y = 0;
    if (arg_int(rt, &args[0], &y)) return EXPR_THROWN;
    if (y < 1 || y > 9999)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Year must be between 1 and 9999. (Parameter 'year')");
    *out = expr_bool(expr_dt_is_leap(y));
    return 0;
}

static int compare_ticks(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

NATIVE(dt_compare)
{
    UNUSED_ARGS;
    int64_t a = 0, b = 0;
    if (arg_datetime(rt, &args[0], &a) || arg_datetime(rt, &args[1], &b)) return EXPR_THROWN;
    *out = expr_int(compare_ticks(a, b));
    return 0;
}

NATIVE(dt_static_equals)
{
    UNUSED_ARGS;
    int64_t a = 0, b = 0;
    if (arg_datetime(rt, &args[0], &a) || arg_datetime(rt, &args[1], &b)) return EXPR_THROWN;
    *out = expr_bool(a == b);
    return 0;
}

NATIVE(dt_specify_kind)
{
    UNUSED_ARGS;
    int64_t t = 0;
    int kind = 0;
    if (arg_datetime(rt, &args[0], &t) || arg_kind(rt, &args[1], &kind)) return EXPR_THROWN;
    *out = dt_value(t, kind);
    return 0;
}

/* Properties. */
static void parts_of(const expr_value_t *self, expr_dt_parts_t *p)
{
    expr_dt_split(self->u.i, p);
}

NATIVE(dt_date)
{
    UNUSED_ARGS;
    *out = dt_value(self->u.i - self->u.i % EXPR_TICKS_PER_DAY, self->aux);
    return 0;
}

#define DT_PART(fname, field)                                                                     \
    NATIVE(fname)                                                                                 \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        expr_dt_parts_t p;                                                                        \
        parts_of(self, &p);                                                                       \
        *out = expr_int((int32_t)(field));                                                        \
        return 0;                                                                                 \
    }

DT_PART(dt_day, p.day)
DT_PART(dt_day_of_week, p.day_of_week)
DT_PART(dt_day_of_year, p.day_of_year)
DT_PART(dt_hour, p.hour)
DT_PART(dt_minute, p.minute)
DT_PART(dt_second, p.second)
DT_PART(dt_millisecond, p.fraction / EXPR_TICKS_PER_MS)
DT_PART(dt_microsecond, p.fraction / 10 % 1000)
DT_PART(dt_nanosecond, p.fraction % 10 * 100)
DT_PART(dt_month, p.month)
DT_PART(dt_year, p.year)

NATIVE(dt_ticks)
{
    UNUSED_ARGS;
    *out = expr_long(self->u.i);
    return 0;
}

NATIVE(dt_kind)
{
    UNUSED_ARGS;
    *out = expr_int(self->aux == EXPR_KIND_OFFSET ? EXPR_KIND_UTC : self->aux);
    out->aux = KIND_MARK;
    return 0;
}

NATIVE(dt_time_of_day)
{
    UNUSED_ARGS;
    *out = expr_timespan(self->u.i % EXPR_TICKS_PER_DAY);
    return 0;
}

/* Methods. */
NATIVE(dt_add)
{
    UNUSED_ARGS;
    if (args[0].tag != EXPR_V_TIMESPAN) return cast_error(rt, &args[0], "System.TimeSpan");
    return expr_datetime_add_ticks(rt, self, args[0].u.i, out);
}

NATIVE(dt_add_ticks)
{
    UNUSED_ARGS;
    int64_t t = 0;
    if (expr_dt_arg_long(rt, &args[0], "System.Int64", &t)) return EXPR_THROWN;
    return expr_datetime_add_ticks(rt, self, t, out);
}

/* AddDays/Hours/Minutes/Seconds/Milliseconds(double): .NET (7+) keeps whole units exact and
 * truncates the fraction to ticks. */
static int add_units(expr_rt_t *rt, const expr_value_t *self, const expr_value_t *arg,
                     int64_t ticks_per_unit, expr_value_t *out)
{
    double v = 0;
    if (expr_dt_arg_double(rt, arg, &v)) return EXPR_THROWN;
    double limit = (double)EXPR_DATETIME_MAX_TICKS / (double)ticks_per_unit;
    if (isnan(v) || v > limit || v < -limit)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Value to add was out of range. (Parameter 'value')");
    double whole = trunc(v);
    int64_t ticks = (int64_t)whole * ticks_per_unit + (int64_t)((v - whole) * (double)ticks_per_unit);
    return expr_datetime_add_ticks(rt, self, ticks, out);
}

NATIVE(dt_add_days) { UNUSED_ARGS; return add_units(rt, self, &args[0], EXPR_TICKS_PER_DAY, out); }
NATIVE(dt_add_hours) { UNUSED_ARGS; return add_units(rt, self, &args[0], EXPR_TICKS_PER_HOUR, out); }
NATIVE(dt_add_minutes) { UNUSED_ARGS; return add_units(rt, self, &args[0], EXPR_TICKS_PER_MINUTE, out); }
NATIVE(dt_add_seconds) { UNUSED_ARGS; return add_units(rt, self, &args[0], EXPR_TICKS_PER_SECOND, out); }
NATIVE(dt_add_ms) { UNUSED_ARGS; return add_units(rt, self, &args[0], EXPR_TICKS_PER_MS, out); }

/* AddMonths: the day is clamped to the target month's length (Jan 31 + 1 month = Feb 28/29). */
static int add_months(expr_rt_t *rt, const expr_value_t *self, int64_t months, expr_value_t *out)
{
    if (months < -120000 || months > 120000)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Months value must be between +/-120000. (Parameter 'months')");
    expr_dt_parts_t p;
    parts_of(self, &p);
    int64_t m = (int64_t)p.year * 12 + (p.month - 1) + months;
    int64_t y = m / 12;
    int mo = (int)(m % 12) + 1;
    if (y < 1 || y > 9999)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "The added or subtracted value results in an un-representable "
                          "DateTime. (Parameter 'months')");
    int dim = expr_dt_days_in_month((int)y, mo);
    int d = p.day > dim ? dim : p.day;
    int64_t ticks = expr_dt_ticks((int)y, mo, d, 0, 0, 0) + self->u.i % EXPR_TICKS_PER_DAY;
    *out = dt_value(ticks, self->aux);
    return 0;
}

NATIVE(dt_add_months)
{
    UNUSED_ARGS;
    int n = 0;
    if (arg_int(rt, &args[0], &n)) return EXPR_THROWN;
    return add_months(rt, self, n, out);
}

NATIVE(dt_add_years)
{
    UNUSED_ARGS;
    int n = 0;
    if (arg_int(rt, &args[0], &n)) return EXPR_THROWN;
    if (n < -10000 || n > 10000)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Years value must be between +/-10000. (Parameter 'years')");
    return add_months(rt, self, (int64_t)n * 12, out);
}

/* Subtract(DateTime) → TimeSpan; Subtract(TimeSpan) → DateTime. The checker types the
 * result as dynamic (one member, two overloads). */
NATIVE(dt_subtract)
{
    UNUSED_ARGS;
    if (args[0].tag == EXPR_V_DATETIME) {
        *out = expr_datetime_diff(self, &args[0]);
        return 0;
    }
    if (args[0].tag == EXPR_V_TIMESPAN) {
        if (args[0].u.i == INT64_MIN) return expr_datetime_add_ticks(rt, self, INT64_MAX, out);
        return expr_datetime_add_ticks(rt, self, -args[0].u.i, out);
    }
    return cast_error(rt, &args[0], "System.TimeSpan");
}

/* ToString([format][, provider]) | ToString(provider) */
NATIVE(dt_to_string)
{
    UNUSED_ARGS;
    const char *fmt = "G";
    size_t flen = 1;
    bool invariant = false;
    if (argc == 0) return expr_datetime_to_string(rt, self, out);
    for (unsigned k = 0; k < argc; k++) {
        if (args[k].tag == EXPR_V_STRING && k == 0) {
            fmt = args[k].u.s.ptr;
            flen = args[k].u.s.len;
            if (flen == 0) fmt = "G", flen = 1;
        } else if (args[k].tag == EXPR_V_OBJECT && args[k].u.obj.cls == &cls_culture) {
            invariant = expr_dt_is_invariant(&args[k]);
        } else if (args[k].tag != EXPR_V_NULL) {
            return cast_error(rt, &args[k], "System.String");
        }
    }
    return expr_dt_format(rt, self->u.i, self->aux, fmt, flen, invariant, out);
}

#define DT_FIXED_FORMAT(fname, f)                                                                 \
    NATIVE(fname)                                                                                 \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        return expr_dt_format(rt, self->u.i, self->aux, f, 1, false, out);                        \
    }

DT_FIXED_FORMAT(dt_short_date, "d")
DT_FIXED_FORMAT(dt_long_date, "D")
DT_FIXED_FORMAT(dt_short_time, "t")
DT_FIXED_FORMAT(dt_long_time, "T")

NATIVE(dt_to_universal)
{
    UNUSED_ARGS;
    *out = dt_value(self->u.i, EXPR_KIND_UTC);
    return 0;
}

NATIVE(dt_to_local)
{
    UNUSED_ARGS;
    *out = dt_value(self->u.i, EXPR_KIND_LOCAL);
    return 0;
}

/* CompareTo(object) as .NET's IComparable: null sorts first (1); any other type is an
 * ArgumentException. Guid compares its own way after this check. */
int expr_dt_compare_arg(expr_rt_t *rt, const expr_value_t *arg, int tag, const char *type, expr_value_t *out)
{
    if (arg->tag == EXPR_V_NULL) {
        *out = expr_int(1);
        return 1;
    }
    if (arg->tag != tag) return expr_throw(rt, "ArgumentException", "Object must be of type %s.", type);
    return 0;
}

/* DateTime and TimeSpan are both ticks in `i`: one CompareTo, Equals and GetHashCode serve
 * both, self's tag telling which (a DateTime's kind is not compared, as .NET). */
EXPR_DT_NATIVE(expr_dt_ticks_compare_to)
{
    UNUSED_ARGS;
    int rc = expr_dt_compare_arg(rt, &args[0], self->tag, self->tag == EXPR_V_DATETIME ? "DateTime" : "TimeSpan", out);
    if (rc == 0) *out = expr_int(compare_ticks(self->u.i, args[0].u.i));
    return rc < 0 ? rc : 0;
}

EXPR_DT_NATIVE(expr_dt_ticks_equals)
{
    UNUSED_ARGS;
    *out = expr_bool(args[0].tag == self->tag && args[0].u.i == self->u.i);
    return 0;
}

/* .NET (DateTime and TimeSpan): (int)ticks ^ (int)(ticks >> 32) (a DateTime's kind bits are
 * not hashed) */
EXPR_DT_NATIVE(expr_dt_ticks_hash_code)
{
    UNUSED_ARGS;
    uint64_t t = (uint64_t)self->u.i;
    *out = expr_int((int32_t)((uint32_t)t ^ (uint32_t)(t >> 32)));
    return 0;
}

NATIVE(dt_is_dst)
{
    UNUSED_ARGS;
    *out = expr_bool(false); /* UTC has no daylight saving time */
    return 0;
}

#define T_DT (&expr_class_datetime)
#define T_TS (&expr_class_timespan)
#define T_INT (&expr_class_int)
#define T_STR (&expr_class_string)
#define T_BOOL (&expr_class_bool)

static const expr_member_t datetime_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 1, .max_args = 8, .ret = {T_DT, NULL}, .fn = dt_ctor},
    M_SPROP("Now", dt_now, T_DT),
    M_SPROP("UtcNow", dt_utcnow, T_DT),
    M_SPROP("Today", dt_today, T_DT),
    M_SPROP("MinValue", dt_min, T_DT),
    M_SPROP("MaxValue", dt_max, T_DT),
    M_SPROP("UnixEpoch", dt_epoch, T_DT),
    M_SMETHOD("Parse", 1, 3, dt_parse, T_DT),
    {.name = "TryParse", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = {T_BOOL, NULL}, .out_mask = 1u << 1, .fn = dt_tryparse},
    M_SMETHOD("ParseExact", 3, 4, dt_parse_exact, T_DT),
    {.name = "TryParseExact", .kind = EXPR_M_STATIC_METHOD, .min_args = 5, .max_args = 5, .ret = {T_BOOL, NULL}, .out_mask = 1u << 4, .fn = dt_tryparse_exact},
    M_SMETHOD("DaysInMonth", 2, 2, dt_days_in_month, T_INT),
    M_SMETHOD("IsLeapYear", 1, 1, dt_is_leap_year, T_BOOL),
    M_SMETHOD("Compare", 2, 2, dt_compare, T_INT),
    M_SMETHOD("Equals", 2, 2, dt_static_equals, T_BOOL),
    M_SMETHOD("SpecifyKind", 2, 2, dt_specify_kind, T_DT),
    M_PROP("Date", dt_date, T_DT),
    M_PROP("Day", dt_day, T_INT),
    M_PROP("DayOfWeek", dt_day_of_week, T_INT),
    M_PROP("DayOfYear", dt_day_of_year, T_INT),
    M_PROP("Hour", dt_hour, T_INT),
    M_PROP("Kind", dt_kind, T_INT),
    M_PROP("Millisecond", dt_millisecond, T_INT),
    M_PROP("Microsecond", dt_microsecond, T_INT),
    M_PROP("Nanosecond", dt_nanosecond, T_INT),
    M_PROP("Minute", dt_minute, T_INT),
    M_PROP("Month", dt_month, T_INT),
    M_PROP("Second", dt_second, T_INT),
    M_PROP("Ticks", dt_ticks, &expr_class_long),
    M_PROP("TimeOfDay", dt_time_of_day, T_TS),
    M_PROP("Year", dt_year, T_INT),
    M_METHOD("Add", 1, 1, dt_add, T_DT),
    M_METHOD("AddYears", 1, 1, dt_add_years, T_DT),
    M_METHOD("AddMonths", 1, 1, dt_add_months, T_DT),
    M_METHOD("AddDays", 1, 1, dt_add_days, T_DT),
    M_METHOD("AddHours", 1, 1, dt_add_hours, T_DT),
    M_METHOD("AddMinutes", 1, 1, dt_add_minutes, T_DT),
    M_METHOD("AddSeconds", 1, 1, dt_add_seconds, T_DT),
    M_METHOD("AddMilliseconds", 1, 1, dt_add_ms, T_DT),
    M_METHOD("AddTicks", 1, 1, dt_add_ticks, T_DT),
    M_METHOD("Subtract", 1, 1, dt_subtract, NULL),
    M_METHOD("ToString", 0, 2, dt_to_string, T_STR),
    M_METHOD("ToShortDateString", 0, 0, dt_short_date, T_STR),
    M_METHOD("ToLongDateString", 0, 0, dt_long_date, T_STR),
    M_METHOD("ToShortTimeString", 0, 0, dt_short_time, T_STR),
    M_METHOD("ToLongTimeString", 0, 0, dt_long_time, T_STR),
    M_METHOD("ToUniversalTime", 0, 0, dt_to_universal, T_DT),
    M_METHOD("ToLocalTime", 0, 0, dt_to_local, T_DT),
    M_METHOD("CompareTo", 1, 1, expr_dt_ticks_compare_to, T_INT),
    M_METHOD("Equals", 1, 1, expr_dt_ticks_equals, T_BOOL),
    M_METHOD("IsDaylightSavingTime", 0, 0, dt_is_dst, T_BOOL),
    M_METHOD("GetHashCode", 0, 0, expr_dt_ticks_hash_code, T_INT),
};

static bool datetime_equals(const expr_value_t *a, const expr_value_t *b)
{
    return a->tag == b->tag && a->u.i == b->u.i;
}

const expr_class_t expr_class_datetime = {
    .name = "DateTime",
    .full_name = "System.DateTime",
    .tag = EXPR_V_DATETIME,
    .is_nameable = true,
    .base = &expr_class_datetimeoffset, /* lib_datetimeoffset.c: why */
    .members = datetime_members,
    .member_count = sizeof datetime_members / sizeof datetime_members[0],
    .to_string = expr_datetime_to_string,
    .equals = datetime_equals,
};

const expr_class_t *const expr_lib_datetime_classes[] = {
    &expr_class_datetime, &expr_class_datetimeoffset, &expr_class_timespan, &expr_class_guid,
    &cls_kind,            &cls_dow,                   &cls_styles,          &cls_culture,
    NULL};
