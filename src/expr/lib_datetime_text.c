/* DateTime text: ToString(format) with .NET's standard and custom format strings, Parse (the
 * forms policies meet: ISO 8601, RFC 1123, en-US M/d/yyyy) and ParseExact (lib_datetime.h).
 * Offsets: a gateway runs in UTC, so the local offset written by z/zz/zzz/K is +00:00. */
#include "expr/lib_datetime.h"
#include "expr/lib_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};

/* ---- output: an expr_text_sink_t (lib_text.h) ---- */

static void put_str(expr_text_sink_t *b, const char *s)
{
    expr_text_sink_put(b, s, strlen(s));
}

/* v zero-padded to `width` digits; a custom format may ask for any width ("yyyyyyyy..."),
 * so the padding is written apart from the digits (found by fuzz_expr_eval: a width past
 * the digit buffer overran it). */
static void put_num(expr_text_sink_t *b, int64_t v, int width)
{
    char tmp[24];
    bool negative = v < 0;
    uint64_t u = negative ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u);
    if (negative) expr_text_sink_put(b, "-", 1);
    static const char zeros[] = "0000000000000000";
    for (int pad = width - n; pad > 0; pad -= (int)(sizeof zeros - 1))
        expr_text_sink_put(b, zeros, (size_t)(pad < (int)(sizeof zeros - 1) ? pad : (int)(sizeof zeros - 1)));
    expr_text_sink_put(b, tmp, (size_t)n);
}

/* ---- standard formats ---- */

#define ROUNDTRIP "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"
#define RFC1123 "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"
#define SORTABLE "yyyy'-'MM'-'dd'T'HH':'mm':'ss"
#define UNIVERSAL "yyyy'-'MM'-'dd HH':'mm':'ss'Z'"

/* The custom pattern of a one-letter standard format, NULL when the letter is not one. */
static const char *standard_pattern(char c, bool invariant)
{
    switch (c) {
    case 'o': case 'O': return ROUNDTRIP;
    case 'r': case 'R': return RFC1123;
    case 's': return SORTABLE;
    case 'u': return UNIVERSAL;
    default: break;
    }
    if (invariant) {
        switch (c) {
        case 'd': return "MM/dd/yyyy";
        case 'D': return "dddd, dd MMMM yyyy";
        case 'f': return "dddd, dd MMMM yyyy HH:mm";
        case 'F': case 'U': return "dddd, dd MMMM yyyy HH:mm:ss";
        case 'g': return "MM/dd/yyyy HH:mm";
        case 'G': return "MM/dd/yyyy HH:mm:ss";
        case 'm': case 'M': return "MMMM dd";
        case 't': return "HH:mm";
        case 'T': return "HH:mm:ss";
        case 'y': case 'Y': return "yyyy MMMM";
        default: return NULL;
        }
    }
    switch (c) {
    case 'd': return "M/d/yyyy";
    case 'D': return "dddd, MMMM d, yyyy";
    case 'f': return "dddd, MMMM d, yyyy h:mm tt";
    case 'F': case 'U': return "dddd, MMMM d, yyyy h:mm:ss tt";
    case 'g': return "M/d/yyyy h:mm tt";
    case 'G': return "M/d/yyyy h:mm:ss tt";
    case 'm': case 'M': return "MMMM d";
    case 't': return "h:mm tt";
    case 'T': return "h:mm:ss tt";
    case 'y': case 'Y': return "MMMM yyyy";
    default: return NULL;
    }
}

/* ---- custom formats ---- */

static size_t run_length(const char *f, size_t n, size_t i)
{
    size_t k = i + 1;
    while (k < n && f[k] == f[i]) k++;
    return k - i;
}

/* Writes `ticks` in the custom format f[0, n). -1 on a malformed format. */
static int format_custom(expr_text_sink_t *b, int64_t ticks, int kind, const char *f, size_t n)
{
    expr_dt_parts_t p;
    expr_dt_split(ticks, &p);
    for (size_t i = 0; i < n;) {
        char c = f[i];
        size_t r = run_length(f, n, i);
        switch (c) {
        case 'd':
            if (r == 1) put_num(b, p.day, 1);
            else if (r == 2) put_num(b, p.day, 2);
            else if (r == 3) expr_text_sink_put(b, day_names[p.day_of_week], 3);
            else put_str(b, day_names[p.day_of_week]);
            break;
        case 'M':
            if (r <= 2) put_num(b, p.month, (int)r);
            else if (r == 3) expr_text_sink_put(b, month_names[p.month - 1], 3);
            else put_str(b, month_names[p.month - 1]);
            break;
        case 'y':
            if (r == 1) put_num(b, p.year % 100, 1);
            else if (r == 2) put_num(b, p.year % 100, 2);
            else put_num(b, p.year, (int)r);
            break;
        case 'h': put_num(b, p.hour % 12 == 0 ? 12 : p.hour % 12, r >= 2 ? 2 : 1); break;
        case 'H': put_num(b, p.hour, r >= 2 ? 2 : 1); break;
        case 'm': put_num(b, p.minute, r >= 2 ? 2 : 1); break;
        case 's': put_num(b, p.second, r >= 2 ? 2 : 1); break;
        case 't': expr_text_sink_put(b, p.hour < 12 ? "AM" : "PM", r >= 2 ? 2 : 1); break;
        case 'f':
        case 'F': {
            if (r > 7) return -1;
            int64_t frac = p.fraction;
            for (size_t k = r; k < 7; k++) frac /= 10;
            char tmp[24];
            snprintf(tmp, sizeof tmp, "%0*lld", (int)r, (long long)frac);
            size_t len = r;
            if (c == 'F') {
                while (len > 0 && tmp[len - 1] == '0') len--;
                /* .NET drops the '.' before an all-zero F run ("ss.FFF" → "05") */
                if (len == 0 && b->text.len > 0 && b->text.ptr[b->text.len - 1] == '.') b->text.len--;
            }
            expr_text_sink_put(b, tmp, len);
            break;
        }
        case 'g': put_str(b, "A.D."); break;
        case 'K':
            r = 1;
            if (kind == EXPR_KIND_UTC) put_str(b, "Z");
            else if (kind == EXPR_KIND_LOCAL || kind == EXPR_KIND_OFFSET) put_str(b, "+00:00");
            break;
        case 'z': put_str(b, r == 1 ? "+0" : r == 2 ? "+00" : "+00:00"); break;
        case ':': r = 1; put_str(b, ":"); break;
        case '/': r = 1; put_str(b, "/"); break;
        case '\'':
        case '"': {
            size_t k = i + 1;
            while (k < n && f[k] != c) {
                if (f[k] == '\\' && k + 1 < n) k++;
                expr_text_sink_put(b, &f[k], 1);
                k++;
            }
            if (k >= n) return -1; /* unterminated quote */
            r = k - i + 1;
            break;
        }
        case '%':
            /* "%d": one custom specifier alone; "%" at the end or "%%" is invalid */
            if (i + 1 >= n || f[i + 1] == '%') return -1;
            r = 1;
            break;
        case '\\':
            if (i + 1 >= n) return -1;
            expr_text_sink_put(b, &f[i + 1], 1);
            r = 2;
            break;
        default:
            r = 1;
            expr_text_sink_put(b, &f[i], 1);
            break;
        }
        i += r;
    }
    return 0;
}

int expr_dt_format(expr_rt_t *rt, int64_t ticks, int kind, const char *fmt, size_t fmt_len,
                   bool invariant, expr_value_t *out)
{
    expr_text_sink_t b = {.text = {.rt = rt}};
    const char *pattern = fmt;
    size_t plen = fmt_len;
    if (fmt_len == 1) {
        pattern = standard_pattern(fmt[0], invariant);
        if (!pattern)
            return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
        plen = strlen(pattern);
    }
    if (format_custom(&b, ticks, kind, pattern, plen))
        return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
    return expr_text_sink_finish(&b, out);
}

/* ---- parsing ---- */

typedef struct {
    const char *s;
    size_t n, i;
} scan_t;

static bool at_end(const scan_t *sc)
{
    return sc->i >= sc->n;
}

static void skip_spaces(scan_t *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t')) sc->i++;
}

static bool eat(scan_t *sc, char c)
{
    if (sc->i < sc->n && sc->s[sc->i] == c) {
        sc->i++;
        return true;
    }
    return false;
}

/* min..max digits; false (position kept) if fewer than min. */
static bool digits(scan_t *sc, int min, int max, int *out, int *count)
{
    int v = 0, k = 0;
    size_t i = sc->i;
    while (k < max && i < sc->n && isdigit((unsigned char)sc->s[i])) {
        v = v * 10 + (sc->s[i] - '0');
        i++, k++;
    }
    if (k < min) return false;
    sc->i = i;
    *out = v;
    if (count) *count = k;
    return true;
}

/* A day or month name (full or three-letter, any case); index or -1. */
static int name_index(scan_t *sc, const char *const *names, int count, bool full_only, bool abbr_only)
{
    for (int k = 0; k < count; k++) {
        size_t len = strlen(names[k]);
        if (!abbr_only && sc->n - sc->i >= len && strncasecmp(sc->s + sc->i, names[k], len) == 0) {
            sc->i += len;
            return k;
        }
    }
    if (full_only) return -1;
    for (int k = 0; k < count; k++)
        if (sc->n - sc->i >= 3 && strncasecmp(sc->s + sc->i, names[k], 3) == 0) {
            sc->i += 3;
            return k;
        }
    return -1;
}

typedef struct {
    int year, month, day, hour, minute, second;
    int64_t fraction;
    int ampm;         /* -1 none, 0 AM, 1 PM */
    bool has_date;
    bool has_tz;
    bool tz_is_z;     /* 'Z' / GMT (RoundtripKind keeps Utc) */
    int tz_minutes;
    int day_of_week;  /* -1 none */
} fields_t;

/* Z | GMT | UTC | +hh[:mm] | +hhmm */
static bool parse_tz(scan_t *sc, fields_t *f)
{
    if (eat(sc, 'Z') || eat(sc, 'z')) {
        f->has_tz = f->tz_is_z = true;
        return true;
    }
    if (sc->n - sc->i >= 3 && (strncmp(sc->s + sc->i, "GMT", 3) == 0 ||
                               strncmp(sc->s + sc->i, "UTC", 3) == 0)) {
        sc->i += 3;
        f->has_tz = f->tz_is_z = true;
        return true;
    }
    if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-')) {
        int sign = sc->s[sc->i] == '-' ? -1 : 1;
        size_t save = sc->i++;
        int hh, mm = 0, nd;
        if (!digits(sc, 1, 2, &hh, &nd)) {
            sc->i = save;
            return false;
        }
        if (eat(sc, ':')) {
            if (!digits(sc, 2, 2, &mm, NULL)) return false;
        } else if (nd == 2) {
            digits(sc, 2, 2, &mm, NULL);
        }
        if (hh > 14 || mm > 59) return false;
        f->has_tz = true;
        f->tz_minutes = sign * (hh * 60 + mm);
        return true;
    }
    return false;
}

static bool parse_fraction(scan_t *sc, int max, int64_t *out)
{
    int64_t v = 0;
    int k = 0;
    while (sc->i < sc->n && isdigit((unsigned char)sc->s[sc->i])) {
        if (k < 7) v = v * 10 + (sc->s[sc->i] - '0');
        k++, sc->i++;
        if (k > max) return false;
    }
    if (k == 0) return false;
    for (int j = k < 7 ? k : 7; j < 7; j++) v *= 10;
    *out = v;
    return true;
}

/* h:mm[:ss[.fffffff]][ AM|PM] */
static bool parse_time(scan_t *sc, fields_t *f)
{
    if (!digits(sc, 1, 2, &f->hour, NULL) || !eat(sc, ':') || !digits(sc, 1, 2, &f->minute, NULL))
        return false;
    if (eat(sc, ':')) {
        if (!digits(sc, 1, 2, &f->second, NULL)) return false;
        if (eat(sc, '.') && !parse_fraction(sc, 64, &f->fraction)) return false;
    }
    size_t save = sc->i;
    skip_spaces(sc);
    if (sc->n - sc->i >= 2 && (strncasecmp(sc->s + sc->i, "AM", 2) == 0 ||
                               strncasecmp(sc->s + sc->i, "PM", 2) == 0)) {
        f->ampm = toupper((unsigned char)sc->s[sc->i]) == 'P';
        sc->i += 2;
    } else {
        sc->i = save;
    }
    return true;
}

/* The date part of Parse's forms; false if none matches. */
static bool parse_date(scan_t *sc, fields_t *f)
{
    size_t start = sc->i;
    int a = 0, b = 0, c = 0, na = 0;
    /* yyyy-MM-dd (ISO 8601) and yyyy/MM/dd */
    if (digits(sc, 4, 4, &a, NULL) && (eat(sc, '-') || eat(sc, '/'))) {
        char sep = sc->s[sc->i - 1];
        if (!digits(sc, 1, 2, &b, NULL) || !eat(sc, sep) || !digits(sc, 1, 2, &c, NULL)) return false;
        f->year = a, f->month = b, f->day = c;
        return true;
    }
    sc->i = start;
    /* M/d/yyyy (en-US) */
    if (digits(sc, 1, 2, &a, &na) && eat(sc, '/')) {
        if (!digits(sc, 1, 2, &b, NULL) || !eat(sc, '/') || !digits(sc, 4, 4, &c, NULL)) return false;
        f->month = a, f->day = b, f->year = c;
        return true;
    }
    sc->i = start;
    /* [ddd[d], ]d MMM yyyy (RFC 1123) or MMMM d, yyyy (en-US long date) */
    int dow = name_index(sc, day_names, 7, false, false);
    if (dow >= 0) {
        f->day_of_week = dow;
        eat(sc, ',');
        skip_spaces(sc);
    }
    if (digits(sc, 1, 2, &a, NULL)) {
        skip_spaces(sc);
        int m = name_index(sc, month_names, 12, false, false);
        skip_spaces(sc);
        if (m < 0 || !digits(sc, 4, 4, &c, NULL)) return false;
        f->day = a, f->month = m + 1, f->year = c;
        return true;
    }
    int m = name_index(sc, month_names, 12, false, false);
    if (m >= 0) {
        skip_spaces(sc);
        if (!digits(sc, 1, 2, &a, NULL)) return false;
        eat(sc, ',');
        skip_spaces(sc);
        if (!digits(sc, 4, 4, &c, NULL)) return false;
        f->day = a, f->month = m + 1, f->year = c;
        return true;
    }
    return false;
}

/* Fields → ticks and kind, with DateTimeStyles (16 AdjustToUniversal, 32 AssumeLocal,
 * 64 AssumeUniversal, 128 RoundtripKind). 1 when out of range. */
static int resolve(const fields_t *f, int styles, int64_t *ticks, int *kind)
{
    int hour = f->hour;
    if (f->ampm >= 0) {
        if (hour < 1 || hour > 12) return 1;
        hour = hour % 12 + (f->ampm ? 12 : 0);
    }
    int64_t t = expr_dt_ticks(f->year, f->month, f->day, hour, f->minute, f->second);
    if (t < 0) return 1;
    if (f->day_of_week >= 0) {
        expr_dt_parts_t p;
        expr_dt_split(t, &p);
        if (p.day_of_week != f->day_of_week) return 1;
    }
    t += f->fraction;
    bool adjust = styles & 16;
    if (f->has_tz) {
        t -= (int64_t)f->tz_minutes * EXPR_TICKS_PER_MINUTE;
        if (t < 0 || t > EXPR_DATETIME_MAX_TICKS) return 1;
        *kind = adjust || ((styles & 128) && f->tz_is_z) ? EXPR_KIND_UTC : EXPR_KIND_LOCAL;
    } else if (styles & (32 | 64)) {
        *kind = adjust ? EXPR_KIND_UTC : EXPR_KIND_LOCAL;
    } else {
        *kind = EXPR_KIND_UNSPECIFIED;
    }
    *ticks = t;
    return 0;
}

static void fields_init(fields_t *f)
{
    memset(f, 0, sizeof *f);
    f->ampm = -1;
    f->day_of_week = -1;
}

int expr_dt_parse(const char *s, size_t len, int styles, int64_t now_ticks, int64_t *ticks,
                  int *kind)
{
    scan_t sc = {s, len, 0};
    fields_t f;
    fields_init(&f);
    skip_spaces(&sc);
    size_t start = sc.i;
    int tmp = 0;
    /* a time alone ("10:30") is today's date */
    if (digits(&sc, 1, 2, &tmp, NULL) && eat(&sc, ':')) {
        sc.i = start;
        expr_dt_parts_t p;
        expr_dt_split(now_ticks, &p);
        f.year = p.year, f.month = p.month, f.day = p.day;
        if (!parse_time(&sc, &f)) return 1;
    } else {
        sc.i = start;
        if (!parse_date(&sc, &f)) return 1;
        if (eat(&sc, 'T')) {
            if (!parse_time(&sc, &f)) return 1;
        } else {
            skip_spaces(&sc);
            if (!at_end(&sc) && isdigit((unsigned char)s[sc.i]) && !parse_time(&sc, &f)) return 1;
        }
    }
    skip_spaces(&sc);
    if (!at_end(&sc) && !parse_tz(&sc, &f)) return 1;
    skip_spaces(&sc);
    if (!at_end(&sc)) return 1;
    return resolve(&f, styles, ticks, kind);
}

/* ParseExact: the input must follow the custom pattern f[0, n) exactly. */
static int parse_custom(scan_t *sc, const char *fmt, size_t n, fields_t *f)
{
    for (size_t i = 0; i < n;) {
        char c = fmt[i];
        size_t r = run_length(fmt, n, i);
        int v = 0;
        switch (c) {
        case 'd':
            if (r <= 2) {
                if (!digits(sc, (int)r, 2, &f->day, NULL)) return 1;
            } else {
                f->day_of_week = name_index(sc, day_names, 7, r >= 4, r == 3);
                if (f->day_of_week < 0) return 1;
            }
            break;
        case 'M':
            if (r <= 2) {
                if (!digits(sc, (int)r, 2, &f->month, NULL)) return 1;
            } else {
                int m = name_index(sc, month_names, 12, r >= 4, r == 3);
                if (m < 0) return 1;
                f->month = m + 1;
            }
            break;
        case 'y':
            if (r <= 2) {
                if (!digits(sc, (int)r, 2, &v, NULL)) return 1;
                f->year = v + (v <= 29 ? 2000 : 1900); /* .NET's TwoDigitYearMax 2029 */
            } else if (!digits(sc, (int)r, (int)r > 4 ? (int)r : 4, &f->year, NULL)) {
                return 1;
            }
            break;
        case 'h':
        case 'H':
            if (!digits(sc, r >= 2 ? 2 : 1, 2, &f->hour, NULL)) return 1;
            if (c == 'h' && f->ampm < 0) f->ampm = 2; /* 12-hour clock, AM unless tt says PM */
            break;
        case 'm':
            if (!digits(sc, r >= 2 ? 2 : 1, 2, &f->minute, NULL)) return 1;
            break;
        case 's':
            if (!digits(sc, r >= 2 ? 2 : 1, 2, &f->second, NULL)) return 1;
            break;
        case 'f':
        case 'F': {
            if (r > 7) return 1;
            int64_t frac = 0;
            size_t k = 0;
            while (k < r && !at_end(sc) && isdigit((unsigned char)sc->s[sc->i])) {
                frac = frac * 10 + (sc->s[sc->i++] - '0');
                k++;
            }
            if (c == 'f' && k < r) return 1;
            for (size_t j = k; j < 7; j++) frac *= 10;
            f->fraction = frac;
            break;
        }
        case 't':
            if (at_end(sc)) return 1;
            if (toupper((unsigned char)sc->s[sc->i]) == 'A') f->ampm = 0;
            else if (toupper((unsigned char)sc->s[sc->i]) == 'P') f->ampm = 1;
            else return 1;
            sc->i++;
            if (r >= 2 && !(eat(sc, 'M') || eat(sc, 'm'))) return 1;
            break;
        case 'K':
            r = 1;
            if (!at_end(sc) && (sc->s[sc->i] == 'Z' || sc->s[sc->i] == '+' || sc->s[sc->i] == '-') &&
                !parse_tz(sc, f))
                return 1;
            break;
        case 'z':
            if (!parse_tz(sc, f) || f->tz_is_z) return 1;
            break;
        case '\'':
        case '"': {
            size_t k = i + 1;
            const char *lit = fmt + k;
            while (k < n && fmt[k] != c) k++;
            if (k >= n) return 1;
            size_t ll = k - (i + 1);
            /* quoted text, even 'GMT' of "r" and 'Z' of "u", is a literal: .NET's DateTime
             * ParseExact treats them as zones only for DateTimeOffset */
            if (sc->n - sc->i < ll || memcmp(sc->s + sc->i, lit, ll) != 0) return 1;
            sc->i += ll;
            r = k - i + 1;
            break;
        }
        case '%':
            r = 1;
            break;
        case '\\':
            if (i + 1 >= n || !eat(sc, fmt[i + 1])) return 1;
            r = 2;
            break;
        case ' ':
            r = 1;
            if (!eat(sc, ' ')) return 1;
            break;
        default:
            r = 1;
            if (!eat(sc, c)) return 1;
            break;
        }
        i += r;
    }
    return 0;
}

int expr_dt_parse_exact(const char *s, size_t len, const char *fmt, size_t fmt_len, int styles,
                        bool invariant, int64_t *ticks, int *kind)
{
    if (fmt_len == 1) {
        const char *p = standard_pattern(fmt[0], invariant);
        if (!p) return 1;
        fmt = p;
        fmt_len = strlen(p);
    }
    scan_t sc = {s, len, 0};
    if (styles & 1) skip_spaces(&sc);
    if (styles & 2)
        while (sc.n > sc.i && (s[sc.n - 1] == ' ' || s[sc.n - 1] == '\t')) sc.n--;
    fields_t f;
    fields_init(&f);
    f.year = 1, f.month = 1, f.day = 1;
    if (parse_custom(&sc, fmt, fmt_len, &f) || !at_end(&sc)) return 1;
    if (f.ampm == 2) f.ampm = 0;
    return resolve(&f, styles, ticks, kind);
}
