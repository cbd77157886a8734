/* liquid_dates: the Date filter (liquid.h): dates read from ISO 8601 text, /Date(ms)/, Unix
 * seconds, "now" or "today", written with .NET format strings (DotLiquid's semantics). */
#include "policy/liquid_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    long long days;  /* since 1970-01-01 */
    long long secs;  /* of the day */
    long frac;       /* 100 ns units, 0..9999999 */
    int offset_min;  /* UTC offset */
    int kind;        /* 0 unspecified, 1 UTC (Z), 2 with an offset */
} lq_date_t;

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static bool read_digits(const char **p, const char *end, int count, long *out)
{
    long v = 0;
    for (int i = 0; i < count; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

static void set_unix(lq_date_t *d, long long secs)
{
    d->days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    d->secs = secs - d->days * 86400;
}

/* ISO 8601 (2012-03-21, 2012-03-21T05:40Z, ...:ss.fffffff+02:00), /Date(ms)/, now, today,
 * or a number of Unix seconds. */
static bool parse_date(json_t *in, long long now, lq_date_t *d)
{
    memset(d, 0, sizeof *d);
    if (json_is_integer(in)) {
        set_unix(d, json_integer_value(in));
        return true;
    }
    if (!json_is_string(in)) return false;
    const char *p = json_string_value(in), *end = p + json_string_length(in);
    while (p < end && isspace((unsigned char)*p)) p++;
    while (end > p && isspace((unsigned char)end[-1])) end--;
    size_t len = (size_t)(end - p);
    if ((len == 3 && strncasecmp(p, "now", 3) == 0) || (len == 5 && strncasecmp(p, "today", 5) == 0)) {
        set_unix(d, now);
        if (len == 5) d->secs = 0;
        d->kind = 1;
        return true;
    }
    if (len > 8 && memcmp(p, "/Date(", 6) == 0) {
        char *stop;
        long long ms = strtoll(p + 6, &stop, 10);
        if (stop == p + 6) return false;
        set_unix(d, ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
        d->frac = (long)((ms - (ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)) * 1000) * 10000);
        d->kind = 1;
        return true;
    }
    long y, mo, day, h = 0, mi = 0, s = 0;
    if (!read_digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !read_digits(&p, end, 2, &mo) ||
        p >= end || *p++ != '-' || !read_digits(&p, end, 2, &day))
        return false;
    if (mo < 1 || mo > 12 || day < 1 || day > 31) return false;
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (!read_digits(&p, end, 2, &h) || p >= end || *p++ != ':' || !read_digits(&p, end, 2, &mi))
            return false;
        if (p < end && *p == ':') {
            p++;
            if (!read_digits(&p, end, 2, &s)) return false;
            if (p < end && *p == '.') {
                p++;
                long frac = 0;
                int digits = 0;
                while (p < end && isdigit((unsigned char)*p)) {
                    if (digits < 7) frac = frac * 10 + (*p - '0'), digits++;
                    p++;
                }
                while (digits++ < 7) frac *= 10;
                d->frac = frac;
            }
        }
        if (h > 23 || mi > 59 || s > 59) return false;
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
        d->kind = 1;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        long oh, om = 0;
        if (!read_digits(&p, end, 2, &oh)) return false;
        if (p < end && *p == ':') p++;
        if (p < end && !read_digits(&p, end, 2, &om)) return false;
        d->offset_min = sign * (int)(oh * 60 + om);
        d->kind = 2;
    }
    if (p != end) return false;
    d->days = days_from_civil(y, (unsigned)mo, (unsigned)day);
    d->secs = h * 3600 + mi * 60 + s;
    return true;
}

static const char *const month_names[] = {"January", "February", "March",     "April",
                                          "May",     "June",     "July",      "August",
                                          "September", "October", "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

/* .NET's standard formats in the invariant culture, as custom patterns. */
static const char *standard_pattern(char c)
{
    switch (c) {
    case 'd': return "MM/dd/yyyy";
    case 'D': return "dddd, dd MMMM yyyy";
    case 'f': return "dddd, dd MMMM yyyy HH:mm";
    case 'F': return "dddd, dd MMMM yyyy HH:mm:ss";
    case 'g': return "MM/dd/yyyy HH:mm";
    case 'G': return "MM/dd/yyyy HH:mm:ss";
    case 'm': case 'M': return "MMMM dd";
    case 'o': case 'O': return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";
    case 'r': case 'R': return "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'";
    case 's': return "yyyy'-'MM'-'dd'T'HH':'mm':'ss";
    case 't': return "HH:mm";
    case 'T': return "HH:mm:ss";
    case 'u': return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";
    case 'y': case 'Y': return "yyyy MMMM";
    }
    return NULL;
}

static int format_date(const lq_date_t *d, const char *fmt, size_t flen, buf_t *b)
{
    char one[2] = {0};
    if (flen == 1 && standard_pattern(fmt[0])) {
        one[0] = fmt[0];
        fmt = standard_pattern(one[0]);
        flen = strlen(fmt);
    }
    long long y;
    unsigned mo, day;
    civil_from_days(d->days, &y, &mo, &day);
    int wday = (int)(((d->days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int h = (int)(d->secs / 3600), mi = (int)(d->secs / 60 % 60), s = (int)(d->secs % 60);
    int rc = 0;
    for (size_t i = 0; i < flen && rc == 0;) {
        char c = fmt[i];
        size_t run = 1;
        while (i + run < flen && fmt[i + run] == c) run++;
        switch (c) {
        case 'y':
            if (run == 1) rc = buf_printf(b, "%lld", y % 100);
            else if (run == 2) rc = buf_printf(b, "%02lld", y % 100);
            else rc = buf_printf(b, "%0*lld", (int)run, y);
            break;
        case 'M':
            if (run <= 2) rc = buf_printf(b, run == 1 ? "%u" : "%02u", mo);
            else if (run == 3) rc = buf_printf(b, "%.3s", month_names[mo - 1]);
            else rc = buf_append_cstr(b, month_names[mo - 1]);
            break;
        case 'd':
            if (run <= 2) rc = buf_printf(b, run == 1 ? "%u" : "%02u", day);
            else if (run == 3) rc = buf_printf(b, "%.3s", day_names[wday]);
            else rc = buf_append_cstr(b, day_names[wday]);
            break;
        case 'H':
            rc = buf_printf(b, run == 1 ? "%d" : "%02d", h);
            break;
        case 'h':
            rc = buf_printf(b, run == 1 ? "%d" : "%02d", h % 12 ? h % 12 : 12);
            break;
        case 'm':
            rc = buf_printf(b, run == 1 ? "%d" : "%02d", mi);
            break;
        case 's':
            rc = buf_printf(b, run == 1 ? "%d" : "%02d", s);
            break;
        case 'f':
        case 'F': {
            char frac[8];
            snprintf(frac, sizeof frac, "%07ld", d->frac);
            size_t keep = run > 7 ? 7 : run;
            if (c == 'F')
                while (keep > 0 && frac[keep - 1] == '0') keep--;
            rc = buf_append(b, frac, keep);
            break;
        }
        case 't':
            rc = buf_append(b, h < 12 ? "AM" : "PM", run == 1 ? 1 : 2);
            break;
        case 'z': {
            int off = d->offset_min;
            char sign = off < 0 ? '-' : '+';
            if (off < 0) off = -off;
            if (run == 1) rc = buf_printf(b, "%c%d", sign, off / 60);
            else if (run == 2) rc = buf_printf(b, "%c%02d", sign, off / 60);
            else rc = buf_printf(b, "%c%02d:%02d", sign, off / 60, off % 60);
            break;
        }
        case 'K':
            if (d->kind == 1) rc = buf_append(b, "Z", 1);
            else if (d->kind == 2)
                rc = buf_printf(b, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+',
                                abs(d->offset_min) / 60, abs(d->offset_min) % 60);
            run = 1;
            break;
        case '\'':
        case '"': {
            size_t j = i + 1;
            while (j < flen && fmt[j] != c) j++;
            rc = buf_append(b, fmt + i + 1, j - i - 1);
            run = (j < flen ? j + 1 : j) - i;
            break;
        }
        case '\\':
            if (i + 1 < flen) rc = buf_append(b, fmt + i + 1, 1);
            run = i + 1 < flen ? 2 : 1;
            break;
        case '%':
            run = 1;
            break;
        default:
            rc = buf_append(b, fmt + i, run);
        }
        i += run;
    }
    return rc;
}

int liquid__filter_date(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    lq_date_t d;
    /* Liquid gives back what it cannot read as a date, and the date itself without format. */
    if (!n || !json_is_string(a[0]) || json_string_length(a[0]) == 0 || !parse_date(in, r->now, &d)) {
        *out = json_incref(in);
        return 0;
    }
    buf_t b;
    buf_init(&b);
    int rc = format_date(&d, json_string_value(a[0]), json_string_length(a[0]), &b);
    return liquid__buf_result(&b, rc, out);
}

