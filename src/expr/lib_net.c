/* lib_net: Uri, UriKind, UriPartial (RFC 3986 parsing with .NET's canonical form: lower-case
 * scheme and host, default port dropped, dot segments removed, spaces and non-ASCII escaped)
 * and WebUtility's URL and HTML encoders (lib_net_web.c).
 * Contract: value.h, lib_text.h. */
#include "expr/lib_net.h"

#include <string.h>

#define T_INT {&expr_class_int, NULL}
#define T_BOOL {&expr_class_bool, NULL}
#define T_STR {&expr_class_string, NULL}
#define T_URI {&expr_class_uri, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define MEMBERS(t) .members = t, .member_count = sizeof t / sizeof t[0]

typedef struct {
    const char *p;
    size_t len;
} span_t;

/* A parsed Uri. Absolute: every part canonical; relative: only `original`. */
typedef struct {
    bool absolute;
    bool has_authority; /* scheme://authority (http, ftp...) versus scheme:path (mailto, urn) */
    bool port_explicit;
    int port;           /* explicit or the scheme's default; -1 when none */
    span_t original;
    span_t scheme;      /* lower case, without ':' */
    span_t user_info;   /* without '@' */
    span_t host;        /* lower case; IPv6 in brackets */
    span_t path;        /* escaped, dot segments removed */
    span_t query;       /* with '?', or empty */
    span_t fragment;    /* with '#', or empty */
} uri_t;

static const char INVALID_FORMAT[] = "Invalid URI: The format of the URI could not be determined.";
static const char RELATIVE_OP[] = "This operation is not supported for a relative URI.";

static int default_port(span_t scheme)
{
    static const struct {
        const char *name;
        int port;
    } ports[] = {{"http", 80}, {"https", 443}, {"ws", 80}, {"wss", 443}, {"ftp", 21},
                 {"gopher", 70}, {"nntp", 119}, {"ldap", 389}, {"telnet", 23}, {"net.tcp", 808},
                 {"net.pipe", -1}, {"mailto", 25}};
    for (size_t k = 0; k < sizeof ports / sizeof ports[0]; k++)
        if (strlen(ports[k].name) == scheme.len && !memcmp(ports[k].name, scheme.p, scheme.len))
            return ports[k].port;
    return -1;
}

static bool is_http_like(span_t scheme)
{
    return (scheme.len == 4 && !memcmp(scheme.p, "http", 4)) || (scheme.len == 5 && !memcmp(scheme.p, "https", 5)) ||
           (scheme.len == 2 && !memcmp(scheme.p, "ws", 2)) || (scheme.len == 3 && !memcmp(scheme.p, "wss", 3)) ||
           (scheme.len == 3 && !memcmp(scheme.p, "ftp", 3)) || (scheme.len == 4 && !memcmp(scheme.p, "file", 4));
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Appends text, %-escaping what .NET escapes in a path or query: space, controls, non-ASCII
 * (as UTF-8), and " < > \ ^ ` { | }; an existing %XX stays, a bare '%' is escaped. */
static int put_escaped_part(expr_text_buf_t *b, const char *p, size_t len, bool is_path)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2])) {
            if (expr_text_put(b, p + i, 3)) return EXPR_THROWN;
            i += 2;
            continue;
        }
        bool esc = c <= 0x20 || c >= 0x7F || c == '%' || c == '"' || c == '<' || c == '>' || c == '^' ||
                   c == '`' || c == '{' || c == '|' || c == '}' || (c == '\\' && !is_path);
        if (esc ? expr_text_printf(b, "%%%02X", c) : expr_text_putc(b, (char)c)) return EXPR_THROWN;
    }
    return 0;
}

/* RFC 3986 §5.2.4 remove_dot_segments, on an escaped absolute path. */
static int remove_dots(expr_rt_t *rt, const char *p, size_t len, span_t *out)
{
    char *o = expr_rt_alloc(rt, len + 2);
    if (!o) return EXPR_THROWN;
    size_t n = 0, i = 0;
    while (i < len) {
        if (len - i >= 3 && !memcmp(p + i, "../", 3)) i += 3;
        else if (len - i >= 2 && !memcmp(p + i, "./", 2)) i += 2;
        else if (len - i >= 3 && !memcmp(p + i, "/./", 3)) i += 2;
        else if (len - i == 2 && !memcmp(p + i, "/.", 2)) {
            o[n++] = '/';
            i += 2;
        } else if ((len - i >= 4 && !memcmp(p + i, "/../", 4)) || (len - i == 3 && !memcmp(p + i, "/..", 3))) {
            i += 3;
            while (n > 0 && o[n - 1] != '/') n--;
            if (n > 0) n--;
            if (i >= len) o[n++] = '/';
        } else if ((len - i == 1 && p[i] == '.') || (len - i == 2 && !memcmp(p + i, "..", 2))) {
            i = len;
        } else {
            if (p[i] == '/') o[n++] = p[i++];
            while (i < len && p[i] != '/') o[n++] = p[i++];
        }
    }
    out->p = o;
    out->len = n;
    return 0;
}

static int lower_copy(expr_rt_t *rt, const char *p, size_t len, span_t *out)
{
    char *o = expr_rt_alloc(rt, len + 1);
    if (!o) return EXPR_THROWN;
    for (size_t k = 0; k < len; k++) o[k] = (p[k] >= 'A' && p[k] <= 'Z') ? (char)(p[k] + 32) : p[k];
    out->p = o;
    out->len = len;
    return 0;
}

/* Parses an absolute URI. 0, 1 = not absolute (no scheme), or EXPR_THROWN
 * (UriFormatException) when it has a scheme but is malformed. */
static int parse_absolute(expr_rt_t *rt, const char *s, size_t len, uri_t *u)
{
    size_t i = 0;
    if (!len || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) return 1;
    while (i < len && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                       s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i >= len || s[i] != ':' || i == 1) return 1; /* "c:" would be a drive letter */
    if (lower_copy(rt, s, i, &u->scheme)) return EXPR_THROWN;
    i++;
    bool http_like = is_http_like(u->scheme);
    const char *rest = s + i;
    size_t rlen = len - i;
    size_t k = 0;
    if (rlen >= 2 && (rest[0] == '/' || (http_like && rest[0] == '\\')) && (rest[1] == '/' || (http_like && rest[1] == '\\'))) {
        u->has_authority = true;
        k = 2;
        size_t a = k;
        while (k < rlen && rest[k] != '/' && rest[k] != '?' && rest[k] != '#' && !(http_like && rest[k] == '\\')) k++;
        span_t auth = {rest + a, k - a};
        const char *at = memchr(auth.p, '@', auth.len);
        if (at) {
            u->user_info = (span_t){auth.p, (size_t)(at - auth.p)};
            auth.len -= (size_t)(at - auth.p) + 1;
            auth.p = at + 1;
        }
        size_t hl = auth.len;
        const char *colon = NULL;
        if (auth.len && auth.p[0] == '[') {
            const char *close = memchr(auth.p, ']', auth.len);
            if (!close) return expr_throw(rt, "UriFormatException", "Invalid URI: The hostname could not be parsed.");
            hl = (size_t)(close - auth.p) + 1;
            if (hl < auth.len) {
                if (auth.p[hl] != ':') return expr_throw(rt, "UriFormatException", "Invalid URI: The hostname could not be parsed.");
                colon = auth.p + hl;
            }
        } else {
            colon = memchr(auth.p, ':', auth.len);
            if (colon) hl = (size_t)(colon - auth.p);
        }
        if (hl == 0 && !(u->scheme.len == 4 && !memcmp(u->scheme.p, "file", 4)))
            return expr_throw(rt, "UriFormatException", "Invalid URI: The hostname could not be parsed.");
        for (size_t h = 0; h < hl; h++) {
            unsigned char c = (unsigned char)auth.p[h];
            if (c <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' ||
                c == '|' || c == '}' || c == '%')
                return expr_throw(rt, "UriFormatException", "Invalid URI: The hostname could not be parsed.");
        }
        if (lower_copy(rt, auth.p, hl, &u->host)) return EXPR_THROWN;
        u->port = default_port(u->scheme);
        if (colon) {
            const char *pp = colon + 1, *pe = auth.p + auth.len;
            if (pp < pe) {
                long port = 0;
                for (; pp < pe; pp++) {
                    if (*pp < '0' || *pp > '9' || port > 65535)
                        return expr_throw(rt, "UriFormatException", "Invalid URI: Invalid port specified.");
                    port = port * 10 + (*pp - '0');
                }
                if (port > 65535) return expr_throw(rt, "UriFormatException", "Invalid URI: Invalid port specified.");
                u->port = (int)port;
                u->port_explicit = true;
            }
        }
    } else if (http_like) {
        return expr_throw(rt, "UriFormatException", "%s", INVALID_FORMAT);
    } else {
        u->port = -1;
    }
    /* path, query, fragment */
    size_t ps = k;
    while (k < rlen && rest[k] != '?' && rest[k] != '#') k++;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (u->has_authority && (k == ps || (rest[ps] != '/' && rest[ps] != '\\')) && expr_text_putc(&b, '/')) return EXPR_THROWN;
    char *raw = expr_rt_alloc(rt, k - ps + 1);
    if (!raw) return EXPR_THROWN;
    for (size_t j = ps; j < k; j++) raw[j - ps] = rest[j] == '\\' && http_like ? '/' : rest[j];
    if (put_escaped_part(&b, raw, k - ps, true)) return EXPR_THROWN;
    if (u->has_authority) {
        if (remove_dots(rt, b.ptr ? b.ptr : "", b.len, &u->path)) return EXPR_THROWN;
    } else {
        u->path = (span_t){b.ptr ? b.ptr : "", b.len};
    }
    if (k < rlen && rest[k] == '?') {
        size_t qs = k;
        while (k < rlen && rest[k] != '#') k++;
        expr_text_buf_t q;
        expr_text_buf_init(&q, rt);
        if (put_escaped_part(&q, rest + qs, k - qs, false)) return EXPR_THROWN;
        u->query = (span_t){q.ptr, q.len};
    }
    if (k < rlen) {
        expr_text_buf_t f;
        expr_text_buf_init(&f, rt);
        if (put_escaped_part(&f, rest + k, rlen - k, false)) return EXPR_THROWN;
        u->fragment = (span_t){f.ptr, f.len};
    }
    u->absolute = true;
    return 0;
}

static void trim_spaces(const char **p, size_t *len)
{
    while (*len && expr_text_is_white((unsigned char)**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && expr_text_is_white((unsigned char)(*p)[*len - 1])) (*len)--;
}

/* UriKind: RelativeOrAbsolute 0, Absolute 1, Relative 2. */
static int uri_create(expr_rt_t *rt, const char *s, size_t len, int kind, uri_t **out)
{
    uri_t *u = expr_rt_alloc(rt, sizeof *u);
    if (!u) return EXPR_THROWN;
    memset(u, 0, sizeof *u);
    u->original = (span_t){s, len};
    u->port = -1;
    trim_spaces(&s, &len);
    int r = 1;
    if (kind != 2) {
        r = parse_absolute(rt, s, len, u);
        if (r == EXPR_THROWN) return EXPR_THROWN;
        if (r == 1 && kind == 1) {
            if (!len) return expr_throw(rt, "UriFormatException", "Invalid URI: The URI is empty.");
            return expr_throw(rt, "UriFormatException", "%s", INVALID_FORMAT);
        }
    } else {
        /* a relative reference must not start with a scheme */
        uri_t probe;
        memset(&probe, 0, sizeof probe);
        int pr = parse_absolute(rt, s, len, &probe);
        if (pr == 0 || pr == EXPR_THROWN) {
            rt->has_exception = false;
            return expr_throw(rt, "UriFormatException", "Invalid URI: The format of the URI could not be determined.");
        }
    }
    *out = u;
    return 0;
}

static int put_authority(expr_text_buf_t *b, const uri_t *u, bool user_info)
{
    if (user_info && u->user_info.len &&
        (expr_text_put(b, u->user_info.p, u->user_info.len) || expr_text_putc(b, '@')))
        return EXPR_THROWN;
    if (expr_text_put(b, u->host.p, u->host.len)) return EXPR_THROWN;
    if (u->port_explicit && u->port != default_port(u->scheme) && expr_text_printf(b, ":%d", u->port)) return EXPR_THROWN;
    return 0;
}

/* The canonical text up to `part` (UriPartial: 0 scheme, 1 authority, 2 path, 3 query, 4 all). */
static int uri_left(expr_rt_t *rt, const uri_t *u, int part, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put(&b, u->scheme.p, u->scheme.len) || expr_text_puts(&b, u->has_authority ? "://" : ":"))
        return EXPR_THROWN;
    if (part >= 1 && u->has_authority && put_authority(&b, u, true)) return EXPR_THROWN;
    if (part == 1 && !u->has_authority) return expr_text_finish(&b, out);
    if (part >= 2 && expr_text_put(&b, u->path.p, u->path.len)) return EXPR_THROWN;
    if (part >= 3 && expr_text_put(&b, u->query.p, u->query.len)) return EXPR_THROWN;
    if (part >= 4 && expr_text_put(&b, u->fragment.p, u->fragment.len)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

/* ---- natives ---- */

static int self_uri(expr_rt_t *rt, const expr_value_t *self, bool need_absolute, const uri_t **u)
{
    *u = NULL;
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_uri)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *u = self->u.obj.ptr;
    if (need_absolute && !(*u)->absolute) return expr_throw(rt, "InvalidOperationException", "%s", RELATIVE_OP);
    return 0;
}

static int arg_kind(expr_rt_t *rt, const expr_value_t *v, int *kind)
{
    *kind = 1;
    if (v->tag != EXPR_V_INT || v->u.i < 0 || v->u.i > 2)
        return expr_throw(rt, "ArgumentException", "The value '%lld' is not valid for this usage of the type UriKind. (Parameter 'uriKind')",
                          (long long)(v->tag == EXPR_V_INT ? v->u.i : -1));
    *kind = (int)v->u.i;
    return 0;
}

/* RFC 3986 §5.2.2: the target of `ref` against the absolute base. */
static int uri_resolve(expr_rt_t *rt, const uri_t *base, const char *ref, size_t rlen, uri_t **out)
{
    trim_spaces(&ref, &rlen);
    uri_t probe;
    memset(&probe, 0, sizeof probe);
    int r = parse_absolute(rt, ref, rlen, &probe);
    if (r == EXPR_THROWN) return EXPR_THROWN;
    if (r == 0) return uri_create(rt, ref, rlen, 1, out);
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put(&b, base->scheme.p, base->scheme.len) || expr_text_puts(&b, base->has_authority ? "://" : ":"))
        return EXPR_THROWN;
    if (rlen >= 2 && ref[0] == '/' && ref[1] == '/') {
        if (expr_text_put(&b, ref + 2, rlen - 2)) return EXPR_THROWN;
    } else {
        if (base->has_authority && put_authority(&b, base, true)) return EXPR_THROWN;
        if (rlen == 0) {
            if (expr_text_put(&b, base->path.p, base->path.len) || expr_text_put(&b, base->query.p, base->query.len))
                return EXPR_THROWN;
        } else if (ref[0] == '/') {
            if (expr_text_put(&b, ref, rlen)) return EXPR_THROWN;
        } else if (ref[0] == '?') {
            if (expr_text_put(&b, base->path.p, base->path.len) || expr_text_put(&b, ref, rlen)) return EXPR_THROWN;
        } else if (ref[0] == '#') {
            if (expr_text_put(&b, base->path.p, base->path.len) || expr_text_put(&b, base->query.p, base->query.len) ||
                expr_text_put(&b, ref, rlen))
                return EXPR_THROWN;
        } else {
            /* merge: the base path up to its last '/' */
            size_t keep = base->path.len;
            while (keep > 0 && base->path.p[keep - 1] != '/') keep--;
            if (!keep && expr_text_putc(&b, '/')) return EXPR_THROWN;
            if (expr_text_put(&b, base->path.p, keep) || expr_text_put(&b, ref, rlen)) return EXPR_THROWN;
        }
    }
    return uri_create(rt, b.ptr, b.len, 1, out);
}

/* new Uri(string [, UriKind]) / new Uri(Uri baseUri, string|Uri relativeUri). */
EXPR_NATIVE(uri_ctor)
{
    uri_t *u;
    if (args[0].tag == EXPR_V_OBJECT && args[0].u.obj.cls == &expr_class_uri) {
        const uri_t *base = args[0].u.obj.ptr;
        if (!base->absolute)
            return expr_throw(rt, "ArgumentOutOfRangeException", "This operation is not supported for a relative URI. (Parameter 'baseUri')");
        const char *rp = "";
        size_t rl = 0;
        if (argc > 1) {
            if (args[1].tag == EXPR_V_OBJECT && args[1].u.obj.cls == &expr_class_uri) {
                const uri_t *rel = args[1].u.obj.ptr;
                rp = rel->original.p;
                rl = rel->original.len;
            } else if (expr_text_arg_str(rt, &args[1], "relativeUri", false, &rp, &rl)) {
                return EXPR_THROWN;
            }
        }
        if (uri_resolve(rt, base, rp, rl, &u)) return EXPR_THROWN;
    } else {
        const char *s;
        size_t len;
        int kind = 1;
        if (expr_text_arg_str(rt, &args[0], "uriString", false, &s, &len)) return EXPR_THROWN;
        if (argc > 1 && arg_kind(rt, &args[1], &kind)) return EXPR_THROWN;
        if (uri_create(rt, s, len, kind, &u)) return EXPR_THROWN;
    }
    *out = expr_object(&expr_class_uri, u);
    return 0;
}

/* Uri.TryCreate(string, UriKind, out Uri) / TryCreate(Uri baseUri, string relative, out Uri). */
EXPR_NATIVE(uri_try_create)
{
    uri_t *u = NULL;
    int rc;
    if (args[0].tag == EXPR_V_OBJECT && args[0].u.obj.cls == &expr_class_uri) {
        const uri_t *base = args[0].u.obj.ptr;
        rc = !base->absolute || args[1].tag != EXPR_V_STRING
                 ? EXPR_THROWN
                 : uri_resolve(rt, base, args[1].u.s.ptr, args[1].u.s.len, &u);
    } else {
        int kind;
        if (arg_kind(rt, &args[1], &kind)) return EXPR_THROWN;
        rc = args[0].tag != EXPR_V_STRING ? EXPR_THROWN : uri_create(rt, args[0].u.s.ptr, args[0].u.s.len, kind, &u);
    }
    if (rc) {
        /* a parse failure is an answer here, not an exception */
        rt->has_exception = false;
        args[2] = expr_null();
        *out = expr_bool(false);
        return 0;
    }
    args[2] = expr_object(&expr_class_uri, u);
    *out = expr_bool(true);
    return 0;
}

static bool needs_escape_well_formed(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c)) return true;
        if (c == '%' && !(i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2]))) return true;
    }
    return false;
}

EXPR_NATIVE(uri_is_well_formed)
{
    int kind;
    uri_t *u;
    if (arg_kind(rt, &args[1], &kind)) return EXPR_THROWN;
    bool ok = args[0].tag == EXPR_V_STRING && !needs_escape_well_formed(args[0].u.s.ptr, args[0].u.s.len);
    if (ok && uri_create(rt, args[0].u.s.ptr, args[0].u.s.len, kind, &u)) {
        rt->has_exception = false;
        ok = false;
    }
    *out = expr_bool(ok);
    return 0;
}

static int span_value(expr_rt_t *rt, span_t s, expr_value_t *out)
{
    (void)rt;
    *out = expr_str_ref(s.p ? s.p : "", s.len);
    return 0;
}

EXPR_NATIVE(uri_absolute_uri)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return uri_left(rt, u, 4, out);
}

EXPR_NATIVE(uri_scheme)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->scheme, out);
}

EXPR_NATIVE(uri_host)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->host, out);
}

EXPR_NATIVE(uri_dns_safe_host)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    span_t h = u->host;
    if (h.len >= 2 && h.p[0] == '[') h = (span_t){h.p + 1, h.len - 2};
    return span_value(rt, h, out);
}

EXPR_NATIVE(uri_port)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    *out = expr_int(u->port);
    return 0;
}

EXPR_NATIVE(uri_is_default_port)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    *out = expr_bool(u->port == default_port(u->scheme));
    return 0;
}

EXPR_NATIVE(uri_authority)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (put_authority(&b, u, false)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(uri_user_info)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->user_info, out);
}

EXPR_NATIVE(uri_absolute_path)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->path, out);
}

EXPR_NATIVE(uri_path_and_query)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put(&b, u->path.p, u->path.len) || expr_text_put(&b, u->query.p, u->query.len)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(uri_query)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->query, out);
}

EXPR_NATIVE(uri_fragment)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return span_value(rt, u->fragment, out);
}

EXPR_NATIVE(uri_original_string)
{
    const uri_t *u;
    if (self_uri(rt, self, false, &u)) return EXPR_THROWN;
    return span_value(rt, u->original, out);
}

EXPR_NATIVE(uri_is_absolute)
{
    const uri_t *u;
    if (self_uri(rt, self, false, &u)) return EXPR_THROWN;
    *out = expr_bool(u->absolute);
    return 0;
}

EXPR_NATIVE(uri_is_loopback)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    span_t h = u->host;
    bool r = (h.len == 9 && !memcmp(h.p, "localhost", 9)) || (h.len >= 4 && !memcmp(h.p, "127.", 4)) ||
             (h.len == 5 && !memcmp(h.p, "[::1]", 5));
    *out = expr_bool(r);
    return 0;
}

/* Segments: "/a/b/c" → {"/", "a/", "b/", "c"}. */
EXPR_NATIVE(uri_segments)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    size_t n = 0;
    for (size_t k = 0; k < u->path.len; k++)
        if (u->path.p[k] == '/') n++;
    expr_value_t *items = expr_rt_alloc(rt, (n + 2) * sizeof *items);
    if (!items) return EXPR_THROWN;
    uint32_t count = 0;
    size_t start = 0;
    for (size_t k = 0; k < u->path.len; k++)
        if (u->path.p[k] == '/') {
            items[count++] = expr_str_ref(u->path.p + start, k + 1 - start);
            start = k + 1;
        }
    if (start < u->path.len) items[count++] = expr_str_ref(u->path.p + start, u->path.len - start);
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, count, &expr_class_string}};
    return 0;
}

EXPR_NATIVE(uri_local_path)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    return expr_net_unescape(rt, u->path.p, u->path.len, false, out);
}

EXPR_NATIVE(uri_get_left_part)
{
    const uri_t *u;
    if (self_uri(rt, self, true, &u)) return EXPR_THROWN;
    if (args[0].tag != EXPR_V_INT || args[0].u.i < 0 || args[0].u.i > 3)
        return expr_throw(rt, "ArgumentException", "The value '%lld' passed for the 'part' parameter is not valid. (Parameter 'part')",
                          (long long)(args[0].tag == EXPR_V_INT ? args[0].u.i : -1));
    return uri_left(rt, u, (int)args[0].u.i, out);
}

/* ToString(): the canonical form with escapes of "safe" characters decoded (.NET shows
 * spaces and non-ASCII unescaped); relative: the original string. */
static int uri_to_string_fn(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const uri_t *u;
    if (self_uri(rt, self, false, &u)) return EXPR_THROWN;
    if (!u->absolute) return span_value(rt, u->original, out);
    expr_value_t full;
    if (uri_left(rt, u, 4, &full)) return EXPR_THROWN;
    return expr_net_unescape(rt, full.u.s.ptr, full.u.s.len, true, out);
}

EXPR_NATIVE(uri_to_string)
{
    return uri_to_string_fn(rt, self, out);
}

EXPR_NATIVE(uri_equals)
{
    const uri_t *u;
    if (self_uri(rt, self, false, &u)) return EXPR_THROWN;
    *out = expr_bool(expr_class_uri.equals(self, &args[0]));
    return 0;
}

/* .NET's Uri equality ignores the fragment and user info. */
static bool uri_value_equals(const expr_value_t *a, const expr_value_t *b)
{
    if (a->tag != EXPR_V_OBJECT || b->tag != EXPR_V_OBJECT || a->u.obj.cls != &expr_class_uri ||
        b->u.obj.cls != &expr_class_uri)
        return false;
    const uri_t *x = a->u.obj.ptr, *y = b->u.obj.ptr;
    if (x == y) return true;
    if (x->absolute != y->absolute) return false;
#define SPAN_EQ(f) (x->f.len == y->f.len && (!x->f.len || !memcmp(x->f.p, y->f.p, x->f.len)))
    if (!x->absolute) return SPAN_EQ(original);
    return SPAN_EQ(scheme) && SPAN_EQ(host) && SPAN_EQ(path) && SPAN_EQ(query) && x->port == y->port;
#undef SPAN_EQ
}

/* Uri.EscapeDataString / UnescapeDataString / EscapeUriString. */
EXPR_NATIVE(uri_escape_data)
{
    const char *p;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "stringToEscape", false, &p, &len)) return EXPR_THROWN;
    return expr_net_escape(rt, p, len, "-._~", false, out);
}

EXPR_NATIVE(uri_escape_uri)
{
    const char *p;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "stringToEscape", false, &p, &len)) return EXPR_THROWN;
    return expr_net_escape(rt, p, len, "-._~:/?#[]@!$&'()*+,;=", false, out);
}

EXPR_NATIVE(uri_unescape_data)
{
    const char *p;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "stringToUnescape", false, &p, &len)) return EXPR_THROWN;
    return expr_net_unescape(rt, p, len, false, out);
}

EXPR_NATIVE(uri_scheme_http)
{
    *out = expr_str_ref("http", 4);
    return 0;
}

EXPR_NATIVE(uri_scheme_https)
{
    *out = expr_str_ref("https", 5);
    return 0;
}

static const expr_member_t uri_members[] = {
    MEMBER(".ctor", EXPR_M_CONSTRUCTOR, 1, 2, T_URI, uri_ctor),
    {.name = "TryCreate", .kind = EXPR_M_STATIC_METHOD, .min_args = 3, .max_args = 3, .ret = T_BOOL,
     .out_mask = 4, .fn = uri_try_create},
    MEMBER("IsWellFormedUriString", EXPR_M_STATIC_METHOD, 2, 2, T_BOOL, uri_is_well_formed),
    MEMBER("EscapeDataString", EXPR_M_STATIC_METHOD, 1, 1, T_STR, uri_escape_data),
    MEMBER("UnescapeDataString", EXPR_M_STATIC_METHOD, 1, 1, T_STR, uri_unescape_data),
    MEMBER("EscapeUriString", EXPR_M_STATIC_METHOD, 1, 1, T_STR, uri_escape_uri),
    MEMBER("UriSchemeHttp", EXPR_M_STATIC_PROPERTY, 0, 0, T_STR, uri_scheme_http),
    MEMBER("UriSchemeHttps", EXPR_M_STATIC_PROPERTY, 0, 0, T_STR, uri_scheme_https),
    MEMBER("AbsoluteUri", EXPR_M_PROPERTY, 0, 0, T_STR, uri_absolute_uri),
    MEMBER("Scheme", EXPR_M_PROPERTY, 0, 0, T_STR, uri_scheme),
    MEMBER("Host", EXPR_M_PROPERTY, 0, 0, T_STR, uri_host),
    MEMBER("DnsSafeHost", EXPR_M_PROPERTY, 0, 0, T_STR, uri_dns_safe_host),
    MEMBER("IdnHost", EXPR_M_PROPERTY, 0, 0, T_STR, uri_dns_safe_host),
    MEMBER("Port", EXPR_M_PROPERTY, 0, 0, T_INT, uri_port),
    MEMBER("IsDefaultPort", EXPR_M_PROPERTY, 0, 0, T_BOOL, uri_is_default_port),
    MEMBER("Authority", EXPR_M_PROPERTY, 0, 0, T_STR, uri_authority),
    MEMBER("UserInfo", EXPR_M_PROPERTY, 0, 0, T_STR, uri_user_info),
    MEMBER("AbsolutePath", EXPR_M_PROPERTY, 0, 0, T_STR, uri_absolute_path),
    MEMBER("LocalPath", EXPR_M_PROPERTY, 0, 0, T_STR, uri_local_path),
    MEMBER("PathAndQuery", EXPR_M_PROPERTY, 0, 0, T_STR, uri_path_and_query),
    MEMBER("Query", EXPR_M_PROPERTY, 0, 0, T_STR, uri_query),
    MEMBER("Fragment", EXPR_M_PROPERTY, 0, 0, T_STR, uri_fragment),
    MEMBER("Segments", EXPR_M_PROPERTY, 0, 0, ((expr_type_t){&expr_class_array, &expr_class_string}), uri_segments),
    MEMBER("OriginalString", EXPR_M_PROPERTY, 0, 0, T_STR, uri_original_string),
    MEMBER("IsAbsoluteUri", EXPR_M_PROPERTY, 0, 0, T_BOOL, uri_is_absolute),
    MEMBER("IsLoopback", EXPR_M_PROPERTY, 0, 0, T_BOOL, uri_is_loopback),
    MEMBER("GetLeftPart", EXPR_M_METHOD, 1, 1, T_STR, uri_get_left_part),
    MEMBER("ToString", EXPR_M_METHOD, 0, 0, T_STR, uri_to_string),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, uri_equals),
};

const expr_class_t expr_class_uri = {
    .name = "Uri",
    .full_name = "System.Uri",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    MEMBERS(uri_members),
    .to_string = uri_to_string_fn,
    .equals = uri_value_equals,
};

#define ENUM_CONST(fn, v)                                                                      \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        *out = expr_text_enum(v);                                                              \
        return 0;                                                                              \
    }

ENUM_CONST(kind_relative_or_absolute, 0)
ENUM_CONST(kind_absolute, 1)
ENUM_CONST(kind_relative, 2)
ENUM_CONST(partial_scheme, 0)
ENUM_CONST(partial_authority, 1)
ENUM_CONST(partial_path, 2)
ENUM_CONST(partial_query, 3)

static const expr_member_t uri_kind_members[] = {
    MEMBER("RelativeOrAbsolute", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, kind_relative_or_absolute),
    MEMBER("Absolute", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, kind_absolute),
    MEMBER("Relative", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, kind_relative),
};

const expr_class_t expr_class_uri_kind = {
    .name = "UriKind",
    .full_name = "System.UriKind",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(uri_kind_members),
};

static const expr_member_t uri_partial_members[] = {
    MEMBER("Scheme", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, partial_scheme),
    MEMBER("Authority", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, partial_authority),
    MEMBER("Path", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, partial_path),
    MEMBER("Query", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, partial_query),
};

const expr_class_t expr_class_uri_partial = {
    .name = "UriPartial",
    .full_name = "System.UriPartial",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(uri_partial_members),
};

const expr_class_t *const expr_lib_net_classes[] = {&expr_class_uri, &expr_class_uri_kind, &expr_class_uri_partial,
                                                    &expr_class_web_utility, NULL};
