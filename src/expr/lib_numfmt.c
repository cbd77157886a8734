/* lib_numfmt: .NET's invariant-culture numeric formatting (lib_text.h) — standard formats
 * (C D E F G N P R X with a precision) and custom formats ("0.00", "#,##0", "000-00",
 * "0.0E+00", ";"-sections, '%', quotes and '\' escapes), as .NET Core 3.0+ does them:
 * doubles print the shortest round-trip digits by default; a precision rounds the exact
 * binary value (exact ties to even, as Dragon4); custom formats first take a double's 15
 * significant digits, then round those half up (RoundNumber). */
#include "expr/lib_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest precision accepted ("F999"); .NET allows more, nobody writes it. */
#define NUMFMT_MAX_PRECISION 999

/* A decimal number: 0.dig[0]dig[1]... × 10^scale, digits without trailing zeros
 * (n == 0 is zero). */
typedef struct {
    char *dig;
    int n;
    int scale;
    bool neg;
} numfmt_num_t;

static const char FORMAT_INVALID[] = "Format specifier was invalid.";

static void num_strip(numfmt_num_t *x)
{
    while (x->n > 0 && x->dig[x->n - 1] == '0') x->n--;
    if (x->n == 0) x->scale = 0;
}

/* Keeps `keep` significant digits. Digits of a double are cut as .NET's Dragon4 cuts them
 * (half_even: an exact tie — the dropped digits are "5" and nothing after — goes to the even
 * digit, so 2.5.ToString("F0") is "2"); integers and the second rounding of custom formats
 * round half up, as .NET's RoundNumber on digits. */
static void num_round(numfmt_num_t *x, int keep, bool half_even)
{
    if (keep >= x->n) return;
    if (keep < 0) {
        x->n = 0;
        x->scale = 0;
        return;
    }
    bool up = x->dig[keep] >= '5';
    if (half_even && x->dig[keep] == '5' && keep == x->n - 1)
        up = keep > 0 && (x->dig[keep - 1] - '0') % 2 == 1;
    x->n = keep;
    if (up) {
        int k = keep - 1;
        while (k >= 0 && x->dig[k] == '9') k--;
        if (k < 0) {
            x->dig[0] = '1';
            x->n = 1;
            x->scale++;
            return;
        }
        x->dig[k]++;
        x->n = k + 1;
    }
    num_strip(x);
}

static int num_from_int(expr_rt_t *rt, int64_t v, numfmt_num_t *x)
{
    x->dig = expr_rt_alloc(rt, 24);
    if (!x->dig) return EXPR_THROWN;
    x->neg = v < 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, u);
    memcpy(x->dig, tmp, (size_t)n);
    x->n = u ? n : 0;
    x->scale = u ? n : 0;
    num_strip(x);
    return 0;
}

/* Parses snprintf's "%.Ne" output into x. */
static void num_parse_e(const char *s, numfmt_num_t *x)
{
    int n = 0;
    const char *p = s;
    if (*p == '-') p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') x->dig[n++] = *p;
    int e = atoi(p + 1);
    x->n = n;
    x->scale = e + 1;
    if (n == 0 || (n >= 1 && x->dig[0] == '0')) {
        x->n = 0;
        x->scale = 0;
    }
    num_strip(x);
}

/* The exact digits of |d| (at least `sig` significant digits plus a margin, so that the
 * half-away rounding below sees real ties). */
static int num_from_double_exact(expr_rt_t *rt, double d, int sig, numfmt_num_t *x)
{
    if (sig < 1) sig = 1;
    if (sig > NUMFMT_MAX_PRECISION + 400) sig = NUMFMT_MAX_PRECISION + 400;
    int m = sig + 25;
    char *buf = expr_rt_alloc(rt, (size_t)m + 40);
    x->dig = expr_rt_alloc(rt, (size_t)m + 8);
    if (!buf || !x->dig) return EXPR_THROWN;
    x->neg = signbit(d) != 0;
    snprintf(buf, (size_t)m + 40, "%.*e", m - 1, fabs(d));
    num_parse_e(buf, x);
    return 0;
}

static int num_from_double_sig(expr_rt_t *rt, double d, int sig, numfmt_num_t *x)
{
    if (num_from_double_exact(rt, d, sig, x)) return EXPR_THROWN;
    num_round(x, sig, true);
    return 0;
}

/* Rounded to `frac` decimals. */
static int num_from_double_frac(expr_rt_t *rt, double d, int frac, numfmt_num_t *x)
{
    int mag = d == 0 ? 1 : (int)floor(log10(fabs(d))) + 2;
    if (num_from_double_exact(rt, d, mag + frac, x)) return EXPR_THROWN;
    num_round(x, x->scale + frac, true);
    return 0;
}

static int num_from_double_shortest(expr_rt_t *rt, double d, numfmt_num_t *x)
{
    char buf[40];
    x->dig = expr_rt_alloc(rt, 24);
    if (!x->dig) return EXPR_THROWN;
    x->neg = signbit(d) != 0;
    for (int p = 0; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, fabs(d));
        if (strtod(buf, NULL) == fabs(d) || p == 16) break;
    }
    num_parse_e(buf, x);
    return 0;
}

/* ---- output pieces ---- */

static int put_int_part(expr_text_buf_t *b, const numfmt_num_t *x, bool group)
{
    if (x->scale <= 0) return expr_text_putc(b, '0');
    for (int k = 0; k < x->scale; k++) {
        if (expr_text_putc(b, k < x->n ? x->dig[k] : '0')) return EXPR_THROWN;
        int left = x->scale - k - 1;
        if (group && left > 0 && left % 3 == 0 && expr_text_putc(b, ',')) return EXPR_THROWN;
    }
    return 0;
}

static int put_frac_part(expr_text_buf_t *b, const numfmt_num_t *x, int frac)
{
    if (frac <= 0) return 0;
    if (expr_text_putc(b, '.')) return EXPR_THROWN;
    for (int k = 0; k < frac; k++) {
        int i = x->scale + k;
        if (expr_text_putc(b, i >= 0 && i < x->n ? x->dig[i] : '0')) return EXPR_THROWN;
    }
    return 0;
}

static int put_exponent(expr_text_buf_t *b, char e, int exp, int min_digits, bool always_sign)
{
    if (expr_text_putc(b, e)) return EXPR_THROWN;
    if (exp < 0 || always_sign)
        if (expr_text_putc(b, exp < 0 ? '-' : '+')) return EXPR_THROWN;
    return expr_text_printf(b, "%0*d", min_digits, exp < 0 ? -exp : exp);
}

/* "d.dddE+xxx" with `frac` digits after the point (E format) or as many as there are
 * (frac < 0: G format). */
static int put_scientific(expr_text_buf_t *b, const numfmt_num_t *x, int frac, char e,
                          int min_exp_digits)
{
    if (expr_text_putc(b, x->n ? x->dig[0] : '0')) return EXPR_THROWN;
    int shown = frac < 0 ? x->n - 1 : frac;
    if (shown > 0) {
        if (expr_text_putc(b, '.')) return EXPR_THROWN;
        for (int k = 1; k <= shown; k++)
            if (expr_text_putc(b, k < x->n ? x->dig[k] : '0')) return EXPR_THROWN;
    }
    return put_exponent(b, e, x->n ? x->scale - 1 : 0, min_exp_digits, true);
}

/* The G format: fixed unless the exponent is >= max_digits or < -4 (FormatGeneral). The
 * shortest form uses max_digits = max(digits, 17), .NET's DoublePrecision. */
static int put_general(expr_text_buf_t *b, const numfmt_num_t *x, int max_digits, char e)
{
    if (x->n && (x->scale > max_digits || x->scale < -3))
        return put_scientific(b, x, -1, e, 2);
    if (put_int_part(b, x, false)) return EXPR_THROWN;
    int frac = x->n - x->scale;
    return put_frac_part(b, x, frac > 0 ? frac : 0);
}

/* ---- custom formats ---- */

/* The bounds of section `want` (0 positive, 1 negative, 2 zero) of a ';'-separated format;
 * false when it does not exist. */
static bool custom_section(const char *f, size_t len, int want, size_t *start, size_t *end)
{
    int sec = 0;
    size_t s = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? f[i] : ';';
        if (i < len && (c == '\'' || c == '"')) {
            size_t j = i + 1;
            while (j < len && f[j] != c) j++;
            i = j;
            continue;
        }
        if (i < len && c == '\\') {
            i++;
            continue;
        }
        if (c == ';') {
            if (sec == want) {
                *start = s;
                *end = i;
                return true;
            }
            sec++;
            s = i + 1;
        }
    }
    return false;
}

typedef struct {
    int int_places, first_zero; /* placeholders before '.', index of the first '0' among them */
    int frac_min, frac_max;
    bool group, has_point;
    int scale_pow10; /* % and ‰ multiply, trailing commas divide */
    bool sci;
    char sci_char;
    bool sci_plus;
    int sci_digits;
} custom_info_t;

static void custom_analyze(const char *f, size_t s, size_t e, custom_info_t *ci)
{
    memset(ci, 0, sizeof *ci);
    ci->first_zero = -1;
    int pending_commas = 0;
    for (size_t i = s; i < e; i++) {
        char c = f[i];
        if (c == '\'' || c == '"') {
            while (i + 1 < e && f[i + 1] != c) i++;
            i++;
            continue;
        }
        if (c == '\\') {
            i++;
            continue;
        }
        if (ci->sci) continue;
        if (c == '0' || c == '#') {
            if (pending_commas && !ci->has_point && ci->int_places) ci->group = true;
            pending_commas = 0;
            if (!ci->has_point) {
                if (c == '0' && ci->first_zero < 0) ci->first_zero = ci->int_places;
                ci->int_places++;
            } else {
                ci->frac_max++;
                if (c == '0') ci->frac_min = ci->frac_max;
            }
        } else if (c == ',') {
            if (!ci->has_point) pending_commas++;
        } else if (c == '.') {
            if (!ci->has_point) {
                ci->scale_pow10 -= 3 * pending_commas;
                pending_commas = 0;
                ci->has_point = true;
            }
        } else if (c == '%') {
            ci->scale_pow10 += 2;
        } else if ((c == 'E' || c == 'e') && i + 1 < e &&
                   (f[i + 1] == '0' || ((f[i + 1] == '+' || f[i + 1] == '-') && i + 2 < e && f[i + 2] == '0'))) {
            ci->sci = true;
            ci->sci_char = c;
            size_t j = i + 1;
            if (f[j] == '+' || f[j] == '-') {
                ci->sci_plus = f[j] == '+';
                j++;
            }
            while (j < e && f[j] == '0') {
                ci->sci_digits++;
                j++;
            }
        }
    }
    if (!ci->has_point) ci->scale_pow10 -= 3 * pending_commas;
    if (ci->first_zero < 0) ci->first_zero = ci->int_places;
}

static int custom_format(expr_text_buf_t *b, numfmt_num_t *x, const char *f, size_t len)
{
    size_t s = 0, e = len;
    custom_section(f, len, 0, &s, &e);
    bool neg_section = false;
    custom_info_t ci;
    if (x->neg && x->n) {
        size_t s2, e2;
        if (custom_section(f, len, 1, &s2, &e2) && e2 > s2) {
            s = s2;
            e = e2;
            neg_section = true;
        }
    }
    custom_analyze(f, s, e, &ci);
    if (x->n) x->scale += ci.scale_pow10;
    int exp = 0;
    if (ci.sci) {
        int lead = ci.int_places ? ci.int_places : 1;
        if (x->n) {
            num_round(x, lead + ci.frac_max, false);
            exp = x->scale - lead;
            x->scale = lead;
        }
    } else {
        num_round(x, x->scale + ci.frac_max, false);
    }
    if (x->n == 0) {
        size_t s3, e3;
        if (custom_section(f, len, 2, &s3, &e3) && e3 > s3) {
            s = s3;
            e = e3;
            custom_analyze(f, s, e, &ci);
        } else if (neg_section) {
            /* rounded to zero: .NET goes back to the first section */
            custom_section(f, len, 0, &s, &e);
            custom_analyze(f, s, e, &ci);
        }
        neg_section = false;
    }
    if (x->neg && x->n && !neg_section && expr_text_putc(b, '-')) return EXPR_THROWN;

    /* integer digits, at least the '0' placeholders' worth */
    int int_len = x->scale > 0 ? x->scale : 0;
    int min_int = ci.int_places - ci.first_zero;
    if (int_len < min_int) int_len = min_int;
    int frac_len = ci.frac_max;
    while (frac_len > ci.frac_min) {
        int i = x->scale + frac_len - 1;
        if (i >= 0 && i < x->n && x->dig[i] != '0') break;
        frac_len--;
    }
    int placeholder = 0, frac_done = 0;
    bool in_frac = false, after_sci = false;
    for (size_t i = s; i < e; i++) {
        char c = f[i];
        if (c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < e && f[j] != c) j++;
            if (expr_text_put(b, f + i + 1, j - i - 1)) return EXPR_THROWN;
            i = j;
            continue;
        }
        if (c == '\\') {
            if (i + 1 < e && expr_text_putc(b, f[++i])) return EXPR_THROWN;
            continue;
        }
        if (after_sci) {
            if (expr_text_putc(b, c)) return EXPR_THROWN;
            continue;
        }
        if ((c == '0' || c == '#') && !in_frac) {
            /* digit position of this placeholder counted from the point (1 = units) */
            int pos = ci.int_places - placeholder;
            int from = pos, to = pos; /* digit positions this placeholder prints */
            if (placeholder == 0) from = int_len > pos ? int_len : pos;
            for (int d = from; d >= to; d--) {
                if (d > int_len) continue;
                int idx = x->scale - d;
                char dc = idx >= 0 && idx < x->n ? x->dig[idx] : '0';
                if (expr_text_putc(b, dc)) return EXPR_THROWN;
                if (ci.group && d > 1 && (d - 1) % 3 == 0 && expr_text_putc(b, ',')) return EXPR_THROWN;
            }
            placeholder++;
        } else if ((c == '0' || c == '#') && in_frac) {
            if (frac_done < frac_len) {
                int idx = x->scale + frac_done;
                if (expr_text_putc(b, idx >= 0 && idx < x->n ? x->dig[idx] : '0')) return EXPR_THROWN;
            }
            frac_done++;
        } else if (c == '.') {
            /* a format without integer placeholders (".00") still shows the integer part */
            if (!in_frac && ci.int_places == 0 && x->scale > 0)
                for (int k = 0; k < x->scale; k++)
                    if (expr_text_putc(b, k < x->n ? x->dig[k] : '0')) return EXPR_THROWN;
            if (!in_frac && frac_len > 0 && expr_text_putc(b, '.')) return EXPR_THROWN;
            in_frac = true;
        } else if (c == ',') {
            continue;
        } else if (ci.sci && (c == 'E' || c == 'e')) {
            if (put_exponent(b, c, exp, ci.sci_digits, ci.sci_plus)) return EXPR_THROWN;
            i++;
            if (f[i] == '+' || f[i] == '-') i++;
            while (i < e && f[i] == '0') i++;
            i--;
            after_sci = true;
        } else if (expr_text_putc(b, c)) {
            return EXPR_THROWN;
        }
    }
    return 0;
}

/* ---- entry points ---- */

int expr_numfmt_double(expr_text_buf_t *b, double d)
{
    if (isnan(d)) return expr_text_puts(b, "NaN");
    if (isinf(d)) return expr_text_puts(b, d < 0 ? "-Infinity" : "Infinity");
    numfmt_num_t x;
    if (num_from_double_shortest(b->rt, d, &x)) return EXPR_THROWN;
    if (x.neg && expr_text_putc(b, '-')) return EXPR_THROWN;
    return put_general(b, &x, x.n > 17 ? x.n : 17, 'E');
}

int expr_numfmt(expr_text_buf_t *b, const expr_value_t *v, const char *fmt, size_t fmt_len)
{
    bool is_double = v->tag == EXPR_V_DOUBLE;
    if (!is_double && v->tag != EXPR_V_INT && v->tag != EXPR_V_LONG)
        return expr_throw(b->rt, "FormatException", "%s", FORMAT_INVALID);
    if (!fmt) fmt_len = 0;
    char kind = fmt_len ? fmt[0] : 'G';
    int precision = -1;
    bool standard = (kind | 0x20) >= 'a' && (kind | 0x20) <= 'z';
    if (standard && fmt_len > 1) {
        if (fmt_len > 10) standard = false;
        precision = 0;
        for (size_t i = 1; standard && i < fmt_len; i++) {
            if (fmt[i] < '0' || fmt[i] > '9') standard = false;
            else precision = precision * 10 + (fmt[i] - '0');
        }
        if (!standard) precision = -1;
    }
    if (is_double && (isnan(v->u.d) || isinf(v->u.d))) {
        if (isnan(v->u.d)) return expr_text_puts(b, "NaN");
        return expr_text_puts(b, v->u.d < 0 ? "-Infinity" : "Infinity");
    }
    numfmt_num_t x;
    if (!standard) {
        if (is_double) {
            if (num_from_double_sig(b->rt, v->u.d, 15, &x)) return EXPR_THROWN;
        } else if (num_from_int(b->rt, v->u.i, &x)) {
            return EXPR_THROWN;
        }
        return custom_format(b, &x, fmt, fmt_len);
    }
    if (precision > NUMFMT_MAX_PRECISION)
        return expr_throw(b->rt, "FormatException", "%s", FORMAT_INVALID);
    char upper = (char)(kind & ~0x20);
    if (upper == 'D' || upper == 'X') {
        if (is_double) return expr_throw(b->rt, "FormatException", "%s", FORMAT_INVALID);
        if (upper == 'X') {
            uint64_t u = v->tag == EXPR_V_INT ? (uint64_t)(uint32_t)(int32_t)v->u.i : (uint64_t)v->u.i;
            return expr_text_printf(b, kind == 'X' ? "%0*" PRIX64 : "%0*" PRIx64,
                                    precision < 0 ? 1 : precision, u);
        }
        if (v->u.i < 0 && expr_text_putc(b, '-')) return EXPR_THROWN;
        uint64_t u = v->u.i < 0 ? (uint64_t)0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
        return expr_text_printf(b, "%0*" PRIu64, precision < 0 ? 1 : precision, u);
    }
    if (is_double) {
        x.neg = signbit(v->u.d) != 0;
    } else if (num_from_int(b->rt, v->u.i, &x)) {
        return EXPR_THROWN;
    }
    switch (upper) {
    case 'R':
    case 'G': {
        if (upper == 'R' && !is_double) return expr_throw(b->rt, "FormatException", "%s", FORMAT_INVALID);
        int max_digits;
        if (precision <= 0 || upper == 'R') {
            if (is_double && num_from_double_shortest(b->rt, v->u.d, &x)) return EXPR_THROWN;
            max_digits = is_double ? (x.n > 17 ? x.n : 17) : (x.scale > 0 ? x.scale : 1);
        } else {
            if (is_double) {
                if (num_from_double_sig(b->rt, v->u.d, precision, &x)) return EXPR_THROWN;
            } else {
                num_round(&x, precision, false);
            }
            max_digits = precision;
        }
        if (x.neg && (is_double || x.n) && expr_text_putc(b, '-')) return EXPR_THROWN;
        return put_general(b, &x, max_digits, kind == 'g' || kind == 'r' ? 'e' : 'E');
    }
    case 'E': {
        int p = precision < 0 ? 6 : precision;
        if (is_double) {
            if (num_from_double_sig(b->rt, v->u.d, p + 1, &x)) return EXPR_THROWN;
        } else {
            num_round(&x, p + 1, false);
        }
        if (x.neg && expr_text_putc(b, '-')) return EXPR_THROWN;
        return put_scientific(b, &x, p, kind, 3);
    }
    case 'F':
    case 'N':
    case 'P':
    case 'C': {
        int p = precision < 0 ? 2 : precision;
        int shift = upper == 'P' ? 2 : 0;
        if (is_double) {
            if (num_from_double_frac(b->rt, v->u.d, p + shift, &x)) return EXPR_THROWN;
            if (x.n) x.scale += shift;
        } else {
            if (x.n) x.scale += shift;
            num_round(&x, x.scale + p, false);
        }
        if (x.neg && (is_double || x.n) && expr_text_putc(b, '-')) return EXPR_THROWN;
        if (upper == 'C' && expr_text_puts(b, "\xC2\xA4")) return EXPR_THROWN;
        if (put_int_part(b, &x, upper != 'F') || put_frac_part(b, &x, p)) return EXPR_THROWN;
        return upper == 'P' ? expr_text_puts(b, " %") : 0;
    }
    default:
        return expr_throw(b->rt, "FormatException", "%s", FORMAT_INVALID);
    }
}
