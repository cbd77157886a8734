/* lib_datetime: DateTime, TimeSpan, Guid and their enums (DateTimeKind, DayOfWeek,
 * DateTimeStyles, CultureInfo) for policy expressions (spec/apim-gateway.md §3.2, §3.3).
 *
 * Values follow value.h: a DateTime is ticks (100 ns since 0001-01-01) + DateTimeKind in aux;
 * Local is UTC (gateways run in UTC, so ToLocalTime/ToUniversalTime only change the kind).
 * Text follows the en-US culture the gateway runs in (DateTime.ToString() is
 * "M/d/yyyy h:mm:ss tt"); CultureInfo.InvariantCulture selects the invariant patterns.
 *
 * The functions below are what the interpreter needs for operators on these values
 * (DateTime - DateTime, DateTime ± TimeSpan, TimeSpan ± TimeSpan, -TimeSpan) and what
 * classes.c/value.c may call; each returns 0 with *out or EXPR_THROWN with .NET's
 * exception. Split in files: lib_datetime.c (DateTime members, enums), lib_datetime_text.c
 * (DateTime format/parse), lib_timespan.c (TimeSpan, Guid), lib_datetimeoffset.c. */
#ifndef MERIDIAN_EXPR_LIB_DATETIME_H
#define MERIDIAN_EXPR_LIB_DATETIME_H

#include "expr/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPR_TICKS_PER_MS 10000LL
#define EXPR_TICKS_PER_SECOND 10000000LL
#define EXPR_TICKS_PER_MINUTE 600000000LL
#define EXPR_TICKS_PER_HOUR 36000000000LL
#define EXPR_TICKS_PER_DAY 864000000000LL
#define EXPR_DATETIME_MAX_TICKS 3155378975999999999LL /* 9999-12-31T23:59:59.9999999 */
#define EXPR_UNIX_EPOCH_TICKS 621355968000000000LL

/* DateTimeKind in a DateTime's aux; EXPR_KIND_OFFSET marks a DateTimeOffset (always +00:00,
 * lib_datetimeoffset.c), which is otherwise a DateTime value. */
enum { EXPR_KIND_UNSPECIFIED = 0, EXPR_KIND_UTC = 1, EXPR_KIND_LOCAL = 2, EXPR_KIND_OFFSET = 3 };

/* DateTimeOffset: the base class of DateTime here (lib_datetimeoffset.c). */
extern const expr_class_t expr_class_datetimeoffset;

/* A DateTime value from ticks; ArgumentOutOfRangeException outside MinValue..MaxValue. */
int expr_datetime_make(expr_rt_t *rt, int64_t ticks, int kind, expr_value_t *out);
/* dt + ticks (DateTime + TimeSpan, DateTime - TimeSpan with negated ticks; kind kept):
 * ArgumentOutOfRangeException when the result is not representable. */
int expr_datetime_add_ticks(expr_rt_t *rt, const expr_value_t *dt, int64_t ticks,
                            expr_value_t *out);
/* a - b of two DateTimes (kinds ignored, as .NET): a TimeSpan; never throws. */
expr_value_t expr_datetime_diff(const expr_value_t *a, const expr_value_t *b);
/* A TimeSpan from ticks. */
static inline expr_value_t expr_timespan(int64_t ticks)
{
    return (expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = ticks};
}
/* a + b of two TimeSpans (negate b's ticks first for a - b, see expr_timespan_negate):
 * OverflowException "TimeSpan overflowed because the duration is too long.". */
int expr_timespan_add(expr_rt_t *rt, int64_t a, int64_t b, expr_value_t *out);
/* -t: OverflowException for TimeSpan.MinValue. */
int expr_timespan_negate(expr_rt_t *rt, int64_t t, expr_value_t *out);

/* ToString() of each (also the classes' to_string): "M/d/yyyy h:mm:ss tt", "c"
 * ([-][d.]hh:mm:ss[.fffffff]), "D" (lower-case 8-4-4-4-12). */
int expr_datetime_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);
int expr_timespan_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);
int expr_guid_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);

/* ---- shared by the lib_datetime*.c / lib_timespan.c files (not a public API) ---- */

typedef struct {
    int year, month, day, hour, minute, second;
    int64_t fraction; /* ticks within the second, 0..9999999 */
    int day_of_week;  /* 0 Sunday */
    int day_of_year;  /* 1-based */
} expr_dt_parts_t;

bool expr_dt_is_leap(int year);
int expr_dt_days_in_month(int year, int month);
/* Ticks of a date and time, or -1 when a component is out of range. */
int64_t expr_dt_ticks(int year, int month, int day, int hour, int minute, int second);
void expr_dt_split(int64_t ticks, expr_dt_parts_t *p);

/* Formats with a .NET format string (standard one-letter or custom); `invariant` chooses
 * InvariantCulture's standard patterns instead of en-US. FormatException on a bad format. */
int expr_dt_format(expr_rt_t *rt, int64_t ticks, int kind, const char *fmt, size_t fmt_len,
                   bool invariant, expr_value_t *out);
/* DateTime.Parse (styles: DateTimeStyles bits) and ParseExact. 0 with *ticks and *kind, or 1
 * when the text is not a date (the caller throws FormatException or returns false). */
int expr_dt_parse(const char *s, size_t len, int styles, int64_t now_ticks, int64_t *ticks,
                  int *kind);
int expr_dt_parse_exact(const char *s, size_t len, const char *fmt, size_t fmt_len, int styles,
                        bool invariant, int64_t *ticks, int *kind);

/* Argument helpers: the tag checks every native does (wrong tag → InvalidCastException
 * naming both types, null string → ArgumentNullException naming the parameter). */
const char *expr_dt_type_name(const expr_value_t *v);
int expr_dt_arg_long(expr_rt_t *rt, const expr_value_t *v, const char *to, int64_t *out);
int expr_dt_arg_double(expr_rt_t *rt, const expr_value_t *v, double *out);
int expr_dt_arg_string(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **p,
                       size_t *len);
/* True when v is CultureInfo.InvariantCulture. */
bool expr_dt_is_invariant(const expr_value_t *v);

/* CompareTo(object)'s argument: 1 with *out = 1 for null (everything sorts after null), 0
 * when it has `tag` (the caller compares), or EXPR_THROWN: ArgumentException "Object must be
 * of type <type>." (.NET's IComparable). */
int expr_dt_compare_arg(expr_rt_t *rt, const expr_value_t *arg, int tag, const char *type, expr_value_t *out);

/* CompareTo, Equals and GetHashCode of DateTime and TimeSpan (both ticks in `i`; self's tag
 * tells which): natives listed in both classes' member tables. */
#define EXPR_DT_NATIVE(fn)                                                                       \
    int fn(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,  \
           unsigned argc, expr_value_t *out)
EXPR_DT_NATIVE(expr_dt_ticks_compare_to);
EXPR_DT_NATIVE(expr_dt_ticks_equals);
EXPR_DT_NATIVE(expr_dt_ticks_hash_code);

#endif
