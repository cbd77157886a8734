/* lib_net_web: WebUtility (UrlEncode/UrlDecode, HtmlEncode/HtmlDecode) and the
 * percent-encoding shared with Uri (lib_net.h). */
#include "expr/lib_net.h"

#include <string.h>

#define T_STR {&expr_class_string, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int hex_value(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

int expr_net_escape(expr_rt_t *rt, const char *p, size_t len, const char *keep, bool space_plus,
                    expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, len)) return EXPR_THROWN;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     (c && c < 0x80 && strchr(keep, c));
        int r;
        if (plain) r = expr_text_putc(&b, (char)c);
        else if (c == ' ' && space_plus) r = expr_text_putc(&b, '+');
        else r = expr_text_printf(&b, "%%%02X", c);
        if (r) return EXPR_THROWN;
    }
    return expr_text_finish(&b, out);
}

/* The length of a valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) need = 1;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 2;
        if (s[0] == 0xE0) lo = 0xA0;
        if (s[0] == 0xED) hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 3;
        if (s[0] == 0xF0) lo = 0x90;
        if (s[0] == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need + 1) return 0;
    for (size_t k = 1; k <= need; k++)
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xBF)) return 0;
    return need + 1;
}

int expr_net_unescape(expr_rt_t *rt, const char *p, size_t len, bool display, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, len)) return EXPR_THROWN;
    unsigned char *bytes = expr_rt_alloc(rt, len / 3 + 1);
    if (!bytes) return EXPR_THROWN;
    size_t i = 0;
    while (i < len) {
        if (!(p[i] == '%' && i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2]))) {
            if (expr_text_putc(&b, p[i++])) return EXPR_THROWN;
            continue;
        }
        /* a run of escapes, decoded together so that multi-byte UTF-8 comes out whole */
        size_t n = 0, start = i;
        while (i + 2 < len && p[i] == '%' && is_hex(p[i + 1]) && is_hex(p[i + 2])) {
            bytes[n++] = (unsigned char)(hex_value(p[i + 1]) << 4 | hex_value(p[i + 2]));
            i += 3;
        }
        for (size_t k = 0; k < n;) {
            size_t v = utf8_valid(bytes + k, n - k);
            bool keep_escaped = v == 0 ||
                                (v == 1 && (bytes[k] < 0x20 || bytes[k] == 0x7F ||
                                            (display && strchr(":/?#[]@!$&'()*+,;=%", bytes[k]))));
            if (keep_escaped) {
                if (expr_text_put(&b, p + start + 3 * k, 3)) return EXPR_THROWN;
                k++;
            } else {
                if (expr_text_put(&b, (const char *)bytes + k, v)) return EXPR_THROWN;
                k += v;
            }
        }
    }
    return expr_text_finish(&b, out);
}

/* ---- WebUtility ---- */

/* The string argument of every WebUtility method: 0 with its text, 1 for null (*out is then
 * null: .NET returns null for null), or EXPR_THROWN for another type. */
static int web_arg(expr_rt_t *rt, const expr_value_t *arg, const char *param, const char **p, size_t *len,
                   expr_value_t *out)
{
    if (expr_text_arg_str(rt, arg, param, true, p, len)) return EXPR_THROWN;
    if (*p) return 0;
    *out = expr_null();
    return 1;
}

/* UrlEncode: letters, digits and "-_.!*()" stay, space is '+', the rest %XX of UTF-8. */
EXPR_NATIVE(web_url_encode)
{
    const char *p;
    size_t len;
    int rc = web_arg(rt, &args[0], "value", &p, &len, out);
    if (rc) return rc < 0 ? rc : 0;
    return expr_net_escape(rt, p, len, "-_.!*()", true, out);
}

/* UrlDecode: '+' is a space, %XX bytes are UTF-8 (bad sequences become U+FFFD), a '%'
 * without two hex digits stays. */
EXPR_NATIVE(web_url_decode)
{
    const char *p;
    size_t len;
    int rc = web_arg(rt, &args[0], "encodedValue", &p, &len, out);
    if (rc) return rc < 0 ? rc : 0;
    unsigned char *raw = expr_rt_alloc(rt, len + 1);
    if (!raw) return EXPR_THROWN;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '+') raw[n++] = ' ';
        else if (p[i] == '%' && i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2])) {
            raw[n++] = (unsigned char)(hex_value(p[i + 1]) << 4 | hex_value(p[i + 2]));
            i += 2;
        } else {
            raw[n++] = (unsigned char)p[i];
        }
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, n)) return EXPR_THROWN;
    for (size_t i = 0; i < n;) {
        size_t v = utf8_valid(raw + i, n - i);
        if (v) {
            if (expr_text_put(&b, (const char *)raw + i, v)) return EXPR_THROWN;
            i += v;
        } else {
            if (expr_text_put_cp(&b, 0xFFFD)) return EXPR_THROWN;
            i++;
        }
    }
    return expr_text_finish(&b, out);
}

/* HtmlEncode: < > & " ' as entities, U+00A0..U+00FF and characters outside the BMP as
 * decimal character references (what WebUtility does). */
EXPR_NATIVE(web_html_encode)
{
    const char *p;
    size_t len;
    int rc = web_arg(rt, &args[0], "value", &p, &len, out);
    if (rc) return rc < 0 ? rc : 0;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, len)) return EXPR_THROWN;
    for (size_t i = 0; i < len;) {
        size_t start = i;
        uint32_t c = expr_text_next_cp(p, len, &i);
        int r;
        switch (c) {
        case '<': r = expr_text_puts(&b, "&lt;"); break;
        case '>': r = expr_text_puts(&b, "&gt;"); break;
        case '&': r = expr_text_puts(&b, "&amp;"); break;
        case '"': r = expr_text_puts(&b, "&quot;"); break;
        case '\'': r = expr_text_puts(&b, "&#39;"); break;
        default:
            if ((c >= 0xA0 && c <= 0xFF) || c >= 0x10000) r = expr_text_printf(&b, "&#%u;", c);
            else r = expr_text_put(&b, p + start, i - start);
        }
        if (r) return EXPR_THROWN;
    }
    return expr_text_finish(&b, out);
}

/* The HTML 4 entities of U+00A0..U+00FF, in code point order. */
static const char *const latin1_entities[96] = {
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave",
    "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
    "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml",
    "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig",
    "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth",
    "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
    "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml"};

static const struct {
    const char *name;
    uint32_t cp;
} other_entities[] = {
    {"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"apos", '\''}, {"OElig", 0x152},
    {"oelig", 0x153}, {"Scaron", 0x160}, {"scaron", 0x161}, {"Yuml", 0x178}, {"fnof", 0x192},
    {"circ", 0x2C6}, {"tilde", 0x2DC}, {"Alpha", 0x391}, {"Beta", 0x392}, {"Gamma", 0x393},
    {"Delta", 0x394}, {"Omega", 0x3A9}, {"alpha", 0x3B1}, {"beta", 0x3B2}, {"gamma", 0x3B3},
    {"delta", 0x3B4}, {"epsilon", 0x3B5}, {"lambda", 0x3BB}, {"mu", 0x3BC}, {"pi", 0x3C0},
    {"sigma", 0x3C3}, {"omega", 0x3C9}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009},
    {"zwnj", 0x200C}, {"zwj", 0x200D}, {"lrm", 0x200E}, {"rlm", 0x200F}, {"ndash", 0x2013},
    {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"dagger", 0x2020},
    {"Dagger", 0x2021}, {"bull", 0x2022}, {"hellip", 0x2026}, {"permil", 0x2030},
    {"prime", 0x2032}, {"Prime", 0x2033}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A},
    {"euro", 0x20AC}, {"trade", 0x2122}, {"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192},
    {"darr", 0x2193}, {"harr", 0x2194}, {"minus", 0x2212}, {"infin", 0x221E}, {"ne", 0x2260},
    {"le", 0x2264}, {"ge", 0x2265}, {"loz", 0x25CA}, {"spades", 0x2660}, {"clubs", 0x2663},
    {"hearts", 0x2665}, {"diams", 0x2666}};

static bool entity_lookup(const char *name, size_t len, uint32_t *cp)
{
    for (size_t k = 0; k < 96; k++)
        if (strlen(latin1_entities[k]) == len && !memcmp(latin1_entities[k], name, len)) {
            *cp = 0xA0 + (uint32_t)k;
            return true;
        }
    for (size_t k = 0; k < sizeof other_entities / sizeof other_entities[0]; k++)
        if (strlen(other_entities[k].name) == len && !memcmp(other_entities[k].name, name, len)) {
            *cp = other_entities[k].cp;
            return true;
        }
    return false;
}

/* HtmlDecode: named entities (HTML 4), &#NNN; and &#xHHH;; anything else stays as written. */
EXPR_NATIVE(web_html_decode)
{
    const char *p;
    size_t len;
    int rc = web_arg(rt, &args[0], "value", &p, &len, out);
    if (rc) return rc < 0 ? rc : 0;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, len)) return EXPR_THROWN;
    for (size_t i = 0; i < len;) {
        const char *semi = p[i] == '&' ? memchr(p + i, ';', len - i) : NULL;
        if (!semi || semi - (p + i) > 12 || semi == p + i + 1) {
            if (expr_text_putc(&b, p[i++])) return EXPR_THROWN;
            continue;
        }
        const char *name = p + i + 1;
        size_t nlen = (size_t)(semi - name);
        uint32_t cp = 0;
        bool ok = false;
        if (name[0] == '#') {
            bool hex = nlen > 1 && (name[1] | 0x20) == 'x';
            size_t k = hex ? 2 : 1;
            ok = k < nlen;
            for (; ok && k < nlen; k++) {
                char c = name[k];
                if (hex ? !is_hex(c) : !(c >= '0' && c <= '9')) ok = false;
                else cp = cp * (hex ? 16 : 10) + (uint32_t)hex_value(c);
                if (cp > 0x10FFFF) ok = false;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) ok = false;
        } else {
            ok = entity_lookup(name, nlen, &cp);
        }
        if (!ok) {
            if (expr_text_putc(&b, p[i++])) return EXPR_THROWN;
            continue;
        }
        if (expr_text_put_cp(&b, cp)) return EXPR_THROWN;
        i = (size_t)(semi - p) + 1;
    }
    return expr_text_finish(&b, out);
}

static const expr_member_t web_utility_members[] = {
    MEMBER("UrlEncode", EXPR_M_STATIC_METHOD, 1, 1, T_STR, web_url_encode),
    MEMBER("UrlDecode", EXPR_M_STATIC_METHOD, 1, 1, T_STR, web_url_decode),
    MEMBER("HtmlEncode", EXPR_M_STATIC_METHOD, 1, 1, T_STR, web_html_encode),
    MEMBER("HtmlDecode", EXPR_M_STATIC_METHOD, 1, 1, T_STR, web_html_decode),
};

const expr_class_t expr_class_web_utility = {
    .name = "WebUtility",
    .full_name = "System.Net.WebUtility",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .is_nameable = true,
    .members = web_utility_members,
    .member_count = sizeof web_utility_members / sizeof web_utility_members[0],
};
