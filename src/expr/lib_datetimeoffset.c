/* DateTimeOffset (lib_datetime.h). A gateway runs in UTC, so every DateTimeOffset here has
 * offset +00:00 and is kept as a DateTime value marked EXPR_KIND_OFFSET: the interpreter's
 * DateTime operators (-, +, comparisons) apply to it unchanged, and its static type is
 * DateTime. DateTime derives from this class, so the DateTimeOffset-only members
 * (ToUnixTimeSeconds, UtcDateTime...) resolve on both, and (DateTimeOffset)dateTime is an
 * identity cast. A constructor's non-zero offset is applied (the instant is kept) and then
 * forgotten: ToString() prints +00:00. */
#include "expr/lib_datetime.h"

#include <math.h>

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

static expr_value_t dto_value(int64_t ticks)
{
    return (expr_value_t){.tag = EXPR_V_DATETIME, .aux = EXPR_KIND_OFFSET, .u.i = ticks};
}

static int out_of_range(expr_rt_t *rt, const char *param)
{
    return expr_throw(rt, "ArgumentOutOfRangeException",
                      "The UTC time represented when the offset is applied must be between year 0 "
                      "and 10,000. (Parameter '%s')", param);
}

/* The UTC ticks of local ticks at `offset` (a TimeSpan argument of whole minutes within ±14 h). */
static int apply_offset(expr_rt_t *rt, int64_t local, const expr_value_t *offset, expr_value_t *out)
{
    if (offset->tag != EXPR_V_TIMESPAN)
        return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type 'System.TimeSpan'.",
                          expr_dt_type_name(offset));
    int64_t off = offset->u.i;
    if (off % EXPR_TICKS_PER_MINUTE != 0)
        return expr_throw(rt, "ArgumentException", "Offset must be specified in whole minutes. (Parameter 'offset')");
    if (off > 14 * EXPR_TICKS_PER_HOUR || off < -14 * EXPR_TICKS_PER_HOUR)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Offset must be within plus or minus 14 hours. (Parameter 'offset')");
    int64_t utc = local - off;
    if (utc < 0 || utc > EXPR_DATETIME_MAX_TICKS) return out_of_range(rt, "offset");
    *out = dto_value(utc);
    return 0;
}

/* new DateTimeOffset(DateTime) | (long ticks, TimeSpan offset) | (DateTime, TimeSpan offset)
 * | (y, M, d, h, m, s, TimeSpan offset) | (y, M, d, h, m, s, ms, TimeSpan offset) */
NATIVE(dto_ctor)
{
    UNUSED_ARGS;
    if (argc == 1) {
        if (args[0].tag != EXPR_V_DATETIME)
            return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type 'System.DateTime'.",
                              expr_dt_type_name(&args[0]));
        *out = dto_value(args[0].u.i);
        return 0;
    }
    if (argc == 2) {
        int64_t local;
        if (args[0].tag == EXPR_V_DATETIME) local = args[0].u.i;
        else if (expr_dt_arg_long(rt, &args[0], "System.Int64", &local)) return EXPR_THROWN;
        if (local < 0 || local > EXPR_DATETIME_MAX_TICKS)
            return expr_throw(rt, "ArgumentOutOfRangeException",
                              "Ticks must be between DateTime.MinValue.Ticks and DateTime.MaxValue.Ticks. (Parameter 'ticks')");
        return apply_offset(rt, local, &args[1], out);
    }
    if (argc != 7 && argc != 8)
        return expr_throw(rt, "ArgumentException", "no DateTimeOffset constructor takes %u arguments", argc);
    int64_t f[7] = {0};
    for (unsigned k = 0; k + 1 < argc; k++)
        if (expr_dt_arg_long(rt, &args[k], "System.Int32", &f[k])) return EXPR_THROWN;
    if (f[0] < 1 || f[0] > 9999 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > expr_dt_days_in_month((int)f[0], (int)f[1]))
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Year, Month, and Day parameters describe an un-representable DateTime.");
    int64_t t = expr_dt_ticks((int)f[0], (int)f[1], (int)f[2], (int)f[3], (int)f[4], (int)f[5]);
    if (t < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Hour, Minute, and Second parameters describe an un-representable DateTime.");
    if (f[6] < 0 || f[6] > 999)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Valid values are between 0 and 999, inclusive. (Parameter 'millisecond')");
    return apply_offset(rt, t + f[6] * EXPR_TICKS_PER_MS, &args[argc - 1], out);
}

NATIVE(dto_utcnow)
{
    UNUSED_ARGS;
    *out = dto_value(expr_rt_now_ticks(rt));
    return 0;
}

NATIVE(dto_min)
{
    UNUSED_ARGS;
    *out = dto_value(0);
    return 0;
}

NATIVE(dto_max)
{
    UNUSED_ARGS;
    *out = dto_value(EXPR_DATETIME_MAX_TICKS);
    return 0;
}

NATIVE(dto_epoch)
{
    UNUSED_ARGS;
    *out = dto_value(EXPR_UNIX_EPOCH_TICKS);
    return 0;
}

/* FromUnixTimeSeconds/Milliseconds: .NET's bounds are 0001-01-01..9999-12-31T23:59:59(.999). */
static int from_unix(expr_rt_t *rt, const expr_value_t *arg, int64_t unit, int64_t min, int64_t max,
                     const char *param, expr_value_t *out)
{
    int64_t v;
    if (expr_dt_arg_long(rt, arg, "System.Int64", &v)) return EXPR_THROWN;
    if (v < min || v > max)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Valid values are between %lld and %lld, inclusive. (Parameter '%s')",
                          (long long)min, (long long)max, param);
    *out = dto_value(EXPR_UNIX_EPOCH_TICKS + v * unit);
    return 0;
}

NATIVE(dto_from_unix_seconds)
{
    UNUSED_ARGS;
    return from_unix(rt, &args[0], EXPR_TICKS_PER_SECOND, -62135596800LL, 253402300799LL, "seconds", out);
}

NATIVE(dto_from_unix_ms)
{
    UNUSED_ARGS;
    return from_unix(rt, &args[0], EXPR_TICKS_PER_MS, -62135596800000LL, 253402300799999LL, "milliseconds", out);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

NATIVE(dto_to_unix_seconds)
{
    UNUSED_ARGS;
    *out = expr_long(floor_div(self->u.i - EXPR_UNIX_EPOCH_TICKS, EXPR_TICKS_PER_SECOND));
    return 0;
}

NATIVE(dto_to_unix_ms)
{
    UNUSED_ARGS;
    *out = expr_long(floor_div(self->u.i - EXPR_UNIX_EPOCH_TICKS, EXPR_TICKS_PER_MS));
    return 0;
}

NATIVE(dto_utc_datetime)
{
    UNUSED_ARGS;
    *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = EXPR_KIND_UTC, .u.i = self->u.i};
    return 0;
}

NATIVE(dto_datetime)
{
    UNUSED_ARGS;
    *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = EXPR_KIND_UNSPECIFIED, .u.i = self->u.i};
    return 0;
}

NATIVE(dto_local_datetime)
{
    UNUSED_ARGS;
    *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = EXPR_KIND_LOCAL, .u.i = self->u.i};
    return 0;
}

NATIVE(dto_offset)
{
    UNUSED_ARGS;
    *out = expr_timespan(0);
    return 0;
}

NATIVE(dto_utc_ticks)
{
    UNUSED_ARGS;
    *out = expr_long(self->u.i);
    return 0;
}

NATIVE(dto_parse)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0;
    int64_t ticks = 0;
    int kind = 0;
    if (expr_dt_arg_string(rt, &args[0], "input", &s, &n)) return EXPR_THROWN;
    if (expr_dt_parse(s, n, 0, expr_rt_now_ticks(rt), &ticks, &kind))
        return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid DateTime.",
                          (int)(n > 120 ? 120 : n), s);
    *out = dto_value(ticks);
    return 0;
}

#define T_DT (&expr_class_datetime)
#define M(n, k, lo, hi, f, r) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}

static const expr_member_t dto_members[] = {
    M(".ctor", EXPR_M_CONSTRUCTOR, 1, 8, dto_ctor, T_DT),
    M("UtcNow", EXPR_M_STATIC_PROPERTY, 0, 0, dto_utcnow, T_DT),
    M("Now", EXPR_M_STATIC_PROPERTY, 0, 0, dto_utcnow, T_DT),
    M("MinValue", EXPR_M_STATIC_PROPERTY, 0, 0, dto_min, T_DT),
    M("MaxValue", EXPR_M_STATIC_PROPERTY, 0, 0, dto_max, T_DT),
    M("UnixEpoch", EXPR_M_STATIC_PROPERTY, 0, 0, dto_epoch, T_DT),
    M("FromUnixTimeSeconds", EXPR_M_STATIC_METHOD, 1, 1, dto_from_unix_seconds, T_DT),
    M("FromUnixTimeMilliseconds", EXPR_M_STATIC_METHOD, 1, 1, dto_from_unix_ms, T_DT),
    M("Parse", EXPR_M_STATIC_METHOD, 1, 3, dto_parse, T_DT),
    M("ToUnixTimeSeconds", EXPR_M_METHOD, 0, 0, dto_to_unix_seconds, &expr_class_long),
    M("ToUnixTimeMilliseconds", EXPR_M_METHOD, 0, 0, dto_to_unix_ms, &expr_class_long),
    M("UtcDateTime", EXPR_M_PROPERTY, 0, 0, dto_utc_datetime, T_DT),
    M("DateTime", EXPR_M_PROPERTY, 0, 0, dto_datetime, T_DT),
    M("LocalDateTime", EXPR_M_PROPERTY, 0, 0, dto_local_datetime, T_DT),
    M("Offset", EXPR_M_PROPERTY, 0, 0, dto_offset, &expr_class_timespan),
    M("UtcTicks", EXPR_M_PROPERTY, 0, 0, dto_utc_ticks, &expr_class_long),
};

const expr_class_t expr_class_datetimeoffset = {
    .name = "DateTimeOffset",
    .full_name = "System.DateTimeOffset",
    .tag = EXPR_V_DATETIME,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = dto_members,
    .member_count = sizeof dto_members / sizeof dto_members[0],
    .to_string = expr_datetime_to_string,
};
