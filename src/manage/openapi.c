/* openapi: documents, references, paths and operations (contract in openapi.h; the field
 * mapping is written down in docs/openapi-import.md). */
#include "manage/openapi_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_CHAIN_MAX 64       /* $ref → $ref → ... hops before we call it a loop */
#define TEMPLATE_MAX_PARAMS 16 /* the gateway's limit (docs/snapshot.md, URL templates) */
#define TEMPLATE_MAX_SEGMENTS 64
#define NAME_MAX_LEN 80      /* operation names, as the vendor's resource names */
#define DISPLAY_NAME_MAX 300 /* bytes: the management API's bound (spec §6.4) */

/* ---- errors and warnings ---- */

int oa_fail(oa_ctx_t *c, const json_t *node, const char *fmt, ...)
{
    if (c->err) return -1;
    va_list ap;
    va_start(ap, fmt);
    c->err = yaml_json_doc_verror(c->doc, node, fmt, ap);
    va_end(ap);
    if (!c->err) c->err = strdup("out of memory");
    return -1;
}

void oa_warn(oa_ctx_t *c, const json_t *node, const char *fmt, ...)
{
    /* Locating a value scans the document, so a document with thousands of losses would
     * cost thousands of scans: past the cap, one last line says so. */
    size_t count = json_array_size(c->warnings);
    if (count > OPENAPI_MAX_WARNINGS) return;
    if (count == OPENAPI_MAX_WARNINGS) {
        json_array_append_new(c->warnings, json_string("more warnings left out"));
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *w = yaml_json_doc_verror(c->doc, node, fmt, ap);
    va_end(ap);
    if (w) json_array_append_new(c->warnings, json_string(w));
    free(w);
}

const char *oa_string(oa_ctx_t *c, json_t *obj, const char *key, bool *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v)) {
        oa_fail(c, json_is_object(v) || json_is_array(v) ? v : obj, "\"%s\" must be a string", key);
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

/* ---- local references (JSON pointers, RFC 6901, in a URI fragment, RFC 3986 §3.5) ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes one reference token (percent-encoding, then ~1 → '/', ~0 → '~') into out. */
static size_t decode_token(const char *s, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            ch = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        }
        out[len++] = ch;
    }
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        if (out[r] == '~' && r + 1 < len && (out[r + 1] == '0' || out[r + 1] == '1')) {
            out[w++] = out[r + 1] == '1' ? '/' : '~';
            r++;
        } else {
            out[w++] = out[r];
        }
    }
    return w;
}

static json_t *resolve_pointer(oa_ctx_t *c, json_t *ref_node)
{
    const char *ref = json_string_value(ref_node);
    if (ref[0] != '#')
        return oa_fail(c, ref_node,
                       "$ref \"%s\" points into another document: only references inside "
                       "this one (\"#/...\") can be imported",
                       ref),
               NULL;
    if (ref[1] == '\0') return c->root;
    if (ref[1] != '/')
        return oa_fail(c, ref_node, "$ref \"%s\" is not a JSON pointer (\"#/...\")", ref), NULL;
    json_t *node = c->root;
    const char *p = ref + 2;
    char *token = malloc(strlen(ref) + 1);
    if (!token) return oa_fail(c, ref_node, "out of memory"), NULL;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        size_t tlen = decode_token(p, n, token);
        json_t *next = NULL;
        if (json_is_object(node)) {
            next = json_object_getn(node, token, tlen);
        } else if (json_is_array(node) && tlen > 0 && strspn(token, "0123456789") >= tlen) {
            next = json_array_get(node, strtoul(token, NULL, 10));
        }
        if (!next) {
            oa_fail(c, ref_node, "$ref \"%s\" does not resolve: nothing at \"%.*s\"", ref, (int)n,
                    p);
            free(token);
            return NULL;
        }
        node = next;
        if (!slash) break;
        p = slash + 1;
    }
    free(token);
    return node;
}

json_t *oa_deref(oa_ctx_t *c, json_t *node)
{
    const json_t *seen[REF_CHAIN_MAX];
    size_t hops = 0;
    json_t *ref;
    while (json_is_object(node) && (ref = json_object_get(node, "$ref"))) {
        if (!json_is_string(ref)) return oa_fail(c, node, "$ref must be a string"), NULL;
        for (size_t i = 0; i < hops; i++)
            if (seen[i] == node)
                return oa_fail(c, ref, "$ref \"%s\" is part of a cycle of references",
                               json_string_value(ref)),
                       NULL;
        if (hops == REF_CHAIN_MAX)
            return oa_fail(c, ref, "more than %d $ref hops", REF_CHAIN_MAX), NULL;
        seen[hops++] = node;
        node = resolve_pointer(c, ref);
        if (!node) return NULL;
    }
    return node;
}

/* Checks every reference in the document once, so that a broken one is reported where it
 * is written even when no operation reaches it. Literal values (examples, defaults,
 * enums, extensions) are data, not references. */
static int check_references(oa_ctx_t *c, json_t *node)
{
    if (json_is_object(node)) {
        if (json_object_get(node, "$ref") && !oa_deref(c, node)) return -1;
        const char *key;
        json_t *child;
        json_object_foreach(node, key, child)
        {
            if (!strcmp(key, "example") || !strcmp(key, "default") || !strcmp(key, "enum") ||
                !strcmp(key, "const") || !strncmp(key, "x-", 2))
                continue;
            if (check_references(c, child) < 0) return -1;
        }
    } else if (json_is_array(node)) {
        for (size_t i = 0; i < json_array_size(node); i++)
            if (check_references(c, json_array_get(node, i)) < 0) return -1;
    }
    return 0;
}

static json_t *string_at_most(const char *s, size_t max);

/* ---- the API ---- */

static bool is_url_scheme_start(const char *s)
{
    const char *p = strstr(s, "://");
    if (!p || p == s) return false;
    for (const char *q = s; q < p; q++)
        if (!isalnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.') return false;
    return true;
}

/* "scheme://host/a/b/" → "a/b"; "/v1/" → "v1". */
static char *path_of_url(const char *url)
{
    const char *p = url;
    if (is_url_scheme_start(url)) {
        p = strstr(url, "://") + 3;
        p += strcspn(p, "/?#");
    }
    size_t n = strcspn(p, "?#");
    while (n && *p == '/')
        p++, n--;
    while (n && p[n - 1] == '/')
        n--;
    return strndup(p, n);
}

/* Lower-case letters and digits joined by '-'; what an API path or operation name made
 * from free text looks like. */
static void slug_append(char *out, size_t *len, size_t max, const char *s)
{
    bool dash = *len > 0;
    for (; *s && *len < max; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch)) {
            if (dash && *len > 0 && out[*len - 1] != '-') out[(*len)++] = '-';
            if (*len < max) out[(*len)++] = (char)tolower(ch);
            dash = false;
        } else {
            dash = true;
        }
    }
    out[*len] = '\0';
}

/* OpenAPI 3: servers[0].url with its {variables} replaced by their defaults (§4.8.5). */
static char *server_url_v3(oa_ctx_t *c, json_t *servers)
{
    json_t *server = json_array_get(servers, 0);
    if (!json_is_object(server)) return NULL;
    bool bad = false;
    const char *url = oa_string(c, server, "url", &bad);
    if (!url) return NULL;
    json_t *vars = json_object_get(server, "variables");
    size_t cap = strlen(url) + 1, len = 0;
    char *out = malloc(cap);
    for (const char *p = url; out && *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *value = NULL;
        if (close) {
            char *name = strndup(p + 1, (size_t)(close - p - 1));
            json_t *var = json_object_get(vars, name ? name : "");
            value = json_string_value(json_object_get(var, "default"));
            if (!value) oa_warn(c, server, "server variable {%s} has no default", name);
            free(name);
            if (!value) {
                free(out);
                return NULL;
            }
        }
        size_t add = value ? strlen(value) : 1;
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) break;
            out = grown;
        }
        memcpy(out + len, value ? value : p, add);
        len += add;
        p = close ? close + 1 : p + 1;
    }
    if (out) out[len] = '\0';
    return out;
}

static char *server_url_v2(oa_ctx_t *c)
{
    bool bad = false;
    const char *host = oa_string(c, c->root, "host", &bad);
    const char *base = oa_string(c, c->root, "basePath", &bad);
    if (bad) return NULL;
    const char *scheme = json_string_value(json_array_get(json_object_get(c->root, "schemes"), 0));
    char *url = NULL;
    if (host) {
        if (asprintf(&url, "%s://%s%s", scheme ? scheme : "http", host,
                     base && strcmp(base, "/") ? base : "") < 0)
            url = NULL;
    } else if (base) {
        url = strdup(base); /* relative: only good for the path suggestion */
    }
    return url;
}

static int import_api(oa_ctx_t *c, json_t *api)
{
    json_t *info = json_object_get(c->root, "info");
    if (!json_is_object(info)) return oa_fail(c, c->root, "required field \"info\" is missing");
    bool bad = false;
    const char *title = oa_string(c, info, "title", &bad);
    const char *description = oa_string(c, info, "description", &bad);
    if (bad) return -1;
    if (!title || !*title) return oa_fail(c, info, "required field \"title\" is missing");
    json_object_set_new(api, "displayName", string_at_most(title, DISPLAY_NAME_MAX));
    if (description && *description)
        json_object_set_new(api, "description", json_string(description));

    char *url = NULL;
    if (c->is_v2) {
        url = server_url_v2(c);
    } else {
        json_t *servers = json_object_get(c->root, "servers");
        if (servers && !json_is_array(servers))
            return oa_fail(c, c->root, "\"servers\" must be a list");
        url = server_url_v3(c, servers);
    }
    if (c->err) {
        free(url);
        return -1;
    }
    char path[401] = "";
    if (url) {
        json_t *where = c->is_v2 ? json_object_get(c->root, "basePath")
                                 : json_array_get(json_object_get(c->root, "servers"), 0);
        if (is_url_scheme_start(url))
            json_object_set_new(api, "serviceUrl", json_string(url));
        else
            oa_warn(c, where ? where : c->root, "the server URL \"%s\" is relative: no serviceUrl",
                    url);
        char *p = path_of_url(url);
        if (p) snprintf(path, sizeof path, "%s", p);
        free(p);
    }
    free(url);
    if (!path[0]) {
        size_t len = 0;
        slug_append(path, &len, sizeof path - 1, title);
    }
    json_object_set_new(api, "path", json_string(path));
    return 0;
}

/* ---- URL templates ---- */

static bool is_pchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("-._~!$&'()+,;=:@", ch));
}

static bool is_template_param_name(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_-.$~", s[i])) return false;
    return true;
}

static int buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = (*len + n + 1) * 2;
        char *b = realloc(*buf, want);
        if (!b) return -1;
        *buf = b;
        *cap = want;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* OpenAPI path → gateway template path part; appends the parameter names, in order, to
 * `names`. Literal characters outside RFC 3986 pchar are percent-encoded (so is '*', which
 * the gateway reads as a wildcard); a stray '%' becomes "%25". */
static char *template_path(oa_ctx_t *c, const char *path, json_t *where, json_t *names)
{
    size_t len = 0, cap = 0, segments = 0;
    char *out = NULL;
    if (buf_add(&out, &len, &cap, "/", 1) < 0) goto oom;
    const char *p = path + 1;
    while (*p) {
        size_t n = strcspn(p, "/");
        const char *seg = p;
        p += n;
        if (*p == '/') p++;
        if (n == 0) {
            oa_fail(c, where, "path \"%s\" has an empty segment (\"//\")", path);
            goto fail;
        }
        if (++segments > TEMPLATE_MAX_SEGMENTS) {
            oa_fail(c, where, "path \"%s\" has more than %d segments", path, TEMPLATE_MAX_SEGMENTS);
            goto fail;
        }
        if (len > 1 && buf_add(&out, &len, &cap, "/", 1) < 0) goto oom;
        bool braces = memchr(seg, '{', n) || memchr(seg, '}', n);
        if (braces) {
            if (seg[0] != '{' || seg[n - 1] != '}' || memchr(seg + 1, '{', n - 2) ||
                memchr(seg + 1, '}', n - 2)) {
                oa_fail(c, where,
                        "path \"%s\": a parameter must be a whole segment, as in /{name} "
                        "(the gateway cannot match \"%.*s\")",
                        path, (int)n, seg);
                goto fail;
            }
            if (!is_template_param_name(seg + 1, n - 2)) {
                oa_fail(c, where,
                        "path \"%s\": parameter \"%.*s\" must use letters, digits and _ - . $ ~",
                        path, (int)(n - 2), seg + 1);
                goto fail;
            }
            for (size_t i = 0; i < json_array_size(names); i++) {
                const char *seen = json_string_value(json_array_get(names, i));
                if (strlen(seen) == n - 2 && !memcmp(seen, seg + 1, n - 2)) {
                    oa_fail(c, where, "path \"%s\" names parameter \"%s\" twice", path, seen);
                    goto fail;
                }
            }
            json_array_append_new(names, json_stringn(seg + 1, n - 2));
            if (buf_add(&out, &len, &cap, seg, n) < 0) goto oom;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)seg[i];
            bool escape_ok =
                ch == '%' && i + 2 < n && hex_value(seg[i + 1]) >= 0 && hex_value(seg[i + 2]) >= 0;
            if (is_pchar(ch) || escape_ok) {
                if (buf_add(&out, &len, &cap, seg + i, 1) < 0) goto oom;
            } else {
                char enc[4];
                snprintf(enc, sizeof enc, "%%%02X", ch);
                if (buf_add(&out, &len, &cap, enc, 3) < 0) goto oom;
            }
        }
    }
    /* One trailing '/' is kept as written; the gateway ignores it. */
    if (len > 1 && path[strlen(path) - 1] == '/' && buf_add(&out, &len, &cap, "/", 1) < 0) goto oom;
    if (json_array_size(names) > TEMPLATE_MAX_PARAMS) {
        oa_fail(c, where, "path \"%s\" has more than %d parameters (the gateway's limit)", path,
                TEMPLATE_MAX_PARAMS);
        goto fail;
    }
    return out;
oom:
    oa_fail(c, where, "out of memory");
fail:
    free(out);
    return NULL;
}

/* ---- operations ---- */

static const char *const methods[] = {"get",  "put",   "post",  "delete", "options",
                                      "head", "patch", "trace", NULL};

static bool is_method(const char *key)
{
    for (const char *const *m = methods; *m; m++)
        if (!strcmp(key, *m)) return true;
    return false;
}

/* The operationId with anything but letters, digits and -_.~ turned into '-'; "" when
 * nothing is left. */
static void sanitize_operation_id(const char *operation_id, char out[NAME_MAX_LEN + 1])
{
    size_t len = 0;
    bool dash = false;
    for (const char *s = operation_id; s && *s && len < NAME_MAX_LEN; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("_.~", ch)) {
            if (dash && len > 0) out[len++] = '-';
            if (len < NAME_MAX_LEN) out[len++] = (char)ch;
            dash = false;
        } else {
            dash = true;
        }
    }
    out[len] = '\0';
}

static void lower_key(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

/* An operation name: the sanitized operationId, or "<method>-<path words>" without one;
 * "-2", "-3"... when taken (case-insensitively). Generated names also stay clear of every
 * operationId in the document (`reserved`), so an explicit id keeps its name wherever its
 * operation comes in the document. */
static char *operation_name(const char *operation_id, const char *method, const char *path,
                            json_t *taken, json_t *reserved)
{
    char base[NAME_MAX_LEN + 1];
    sanitize_operation_id(operation_id, base);
    size_t len = strlen(base);
    bool generated = len == 0;
    if (generated) {
        slug_append(base, &len, NAME_MAX_LEN, method);
        slug_append(base, &len, NAME_MAX_LEN, path);
    }
    for (unsigned n = 1;; n++) {
        char name[NAME_MAX_LEN + 16], lower[NAME_MAX_LEN + 16];
        if (n == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%.*s-%u", NAME_MAX_LEN - 11, base, n);
        lower_key(name, lower, sizeof lower);
        if (json_object_get(taken, lower) || (generated && json_object_get(reserved, lower)))
            continue;
        json_object_set_new(taken, lower, json_true());
        return strdup(name);
    }
}

/* Every operationId's name, before any operation is named (see operation_name). */
static json_t *reserved_names(json_t *paths)
{
    json_t *reserved = json_object();
    const char *path, *method;
    json_t *item, *op;
    json_object_foreach(paths, path, item)
    {
        json_object_foreach(item, method, op)
        {
            const char *id = json_string_value(json_object_get(op, "operationId"));
            if (!is_method(method) || !id) continue;
            char name[NAME_MAX_LEN + 1], lower[NAME_MAX_LEN + 1];
            sanitize_operation_id(id, name);
            lower_key(name, lower, sizeof lower);
            if (lower[0]) json_object_set_new(reserved, lower, json_true());
        }
    }
    return reserved;
}

/* Cuts a UTF-8 string to at most `max` bytes without splitting a character: the
 * management API bounds displayName in bytes (300, spec §6.4). */
static json_t *string_at_most(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return json_stringn(s, n);
}

static bool same_parameter(json_t *a, json_t *b)
{
    const char *an = json_string_value(json_object_get(a, "name"));
    const char *bn = json_string_value(json_object_get(b, "name"));
    const char *ai = json_string_value(json_object_get(a, "in"));
    const char *bi = json_string_value(json_object_get(b, "in"));
    return an && bn && ai && bi && !strcmp(an, bn) && !strcmp(ai, bi);
}

/* Path-level parameters, then the operation's, which replace a path-level one with the
 * same name and location (OpenAPI 3 §4.8.9.1, Swagger 2.0 "Path Item Object"). Returns a
 * new array of dereferenced parameter objects. */
static json_t *merged_parameters(oa_ctx_t *c, json_t *item, json_t *op)
{
    json_t *out = json_array();
    json_t *lists[2] = {json_object_get(item, "parameters"), json_object_get(op, "parameters")};
    json_t *owners[2] = {item, op};
    for (int l = 0; l < 2; l++) {
        if (!lists[l] || json_is_null(lists[l])) continue;
        if (!json_is_array(lists[l])) {
            oa_fail(c, owners[l], "\"parameters\" must be a list");
            goto fail;
        }
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            json_t *raw = json_array_get(lists[l], i);
            json_t *param = oa_deref(c, raw);
            if (!param) goto fail;
            if (!json_is_object(param) || !json_is_string(json_object_get(param, "name")) ||
                !json_is_string(json_object_get(param, "in"))) {
                oa_fail(c, json_is_object(raw) || json_is_array(raw) ? raw : lists[l],
                        "a parameter needs a string \"name\" and \"in\"");
                goto fail;
            }
            size_t j = 0;
            for (; j < json_array_size(out); j++)
                if (same_parameter(json_array_get(out, j), param)) break;
            if (j < json_array_size(out)) {
                if (l == 0) {
                    oa_fail(c, raw, "parameter \"%s\" is listed twice",
                            json_string_value(json_object_get(param, "name")));
                    goto fail;
                }
                json_array_set(out, j, param);
            } else {
                json_array_append(out, param);
            }
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static json_t *find_parameter(json_t *params, const char *in, const char *name)
{
    for (size_t i = 0; i < json_array_size(params); i++) {
        json_t *p = json_array_get(params, i);
        if (!strcmp(json_string_value(json_object_get(p, "in")), in) &&
            !strcmp(json_string_value(json_object_get(p, "name")), name))
            return p;
    }
    return NULL;
}

static bool contract_named(json_t *contracts, const char *name)
{
    for (size_t i = 0; i < json_array_size(contracts); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(contracts, i), "name")), name))
            return true;
    return false;
}

static bool name_in(json_t *names, const char *name)
{
    for (size_t i = 0; i < json_array_size(names); i++)
        if (!strcmp(json_string_value(json_array_get(names, i)), name)) return true;
    return false;
}

typedef struct {
    const char *path;     /* the OpenAPI path key */
    json_t *item;         /* its Path Item */
    const char *tpl_path; /* converted (template_path) */
    json_t *path_names;   /* parameter names in the path, in order */
} path_info_t;

static json_t *build_operation(oa_ctx_t *c, const path_info_t *pi, const char *method, json_t *op,
                               json_t *taken, json_t *reserved, json_t *seen_ids)
{
    json_t *props = json_object(), *params = NULL, *tpl_params = json_array();
    json_t *queries = json_array(), *headers = json_array(), *request = json_object();
    json_t *entry = NULL, *body_param = NULL, *form_params = json_array();
    char *name = NULL, *tpl = NULL;
    size_t tpl_len = 0, tpl_cap = 0;
    bool bad = false;
    const char *operation_id = oa_string(c, op, "operationId", &bad);
    const char *summary = oa_string(c, op, "summary", &bad);
    const char *description = oa_string(c, op, "description", &bad);
    if (bad) goto done;
    if (operation_id) {
        json_t *first = json_object_get(seen_ids, operation_id);
        if (first) {
            yaml_json_pos_t pos;
            yaml_json_doc_locate(c->doc, json_object_get(first, "at"), &pos, NULL, 0);
            oa_fail(c, json_object_get(op, "operationId"),
                    "duplicate operationId \"%s\" (first used at line %u)", operation_id, pos.line);
            goto done;
        }
        json_object_set_new(seen_ids, operation_id,
                            json_pack("{sO}", "at", json_object_get(op, "operationId")));
    }
    params = merged_parameters(c, pi->item, op);
    if (!params) goto done;

    char upper[16];
    size_t m = 0;
    for (; method[m] && m < sizeof upper - 1; m++)
        upper[m] = (char)toupper((unsigned char)method[m]);
    upper[m] = '\0';
    name = operation_name(operation_id, method, pi->path, taken, reserved);
    char fallback[600];
    snprintf(fallback, sizeof fallback, "%s %s", upper, pi->path);
    const char *display = summary && *summary             ? summary
                          : operation_id && *operation_id ? operation_id
                                                          : fallback;
    json_object_set_new(props, "displayName", string_at_most(display, DISPLAY_NAME_MAX));
    json_object_set_new(props, "method", json_string(upper));
    if (description && *description)
        json_object_set_new(props, "description", json_string(description));

    /* Path parameters, in the template's order. */
    if (buf_add(&tpl, &tpl_len, &tpl_cap, pi->tpl_path, strlen(pi->tpl_path)) < 0) goto oom;
    for (size_t i = 0; i < json_array_size(pi->path_names); i++) {
        const char *pname = json_string_value(json_array_get(pi->path_names, i));
        json_t *p = find_parameter(params, "path", pname);
        json_t *contract;
        if (p) {
            contract = oa_parameter_contract(c, p, true);
        } else {
            oa_warn(c, op, "path parameter {%s} is not declared: imported as a string", pname);
            contract = json_pack("{sssssb}", "name", pname, "type", "string", "required", 1);
        }
        if (!contract) goto done;
        json_array_append_new(tpl_params, contract);
    }
    size_t query_in_template = 0;
    for (size_t i = 0; i < json_array_size(params); i++) {
        json_t *p = json_array_get(params, i);
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *pname = json_string_value(json_object_get(p, "name"));
        bool required = json_is_true(json_object_get(p, "required"));
        if (!strcmp(in, "path")) {
            if (!name_in(pi->path_names, pname))
                oa_warn(c, p, "path parameter \"%s\" does not appear in \"%s\": left out", pname,
                        pi->path);
            continue;
        }
        if (c->is_v2 && !strcmp(in, "body")) {
            body_param = p;
            continue;
        }
        if (c->is_v2 && !strcmp(in, "formData")) {
            json_array_append(form_params, p);
            continue;
        }
        if (!strcmp(in, "cookie")) continue; /* no place for it in the contract */
        bool is_query = !strcmp(in, "query");
        if (!is_query && strcmp(in, "header")) {
            oa_fail(c, p, "parameter \"%s\": unknown location \"%s\"", pname, in);
            goto done;
        }
        json_t *contract = oa_parameter_contract(c, p, required);
        if (!contract) goto done;
        if (is_query && required && !c->opts.required_query_as_query) {
            /* Azure's translateRequiredQueryParameters=template (the default): the
             * operation only matches when the parameter is present. */
            const char *why = NULL;
            if (!is_template_param_name(pname, strlen(pname)))
                why = "its name is not a template parameter name (letters, digits, _ - . $ ~)";
            else if (contract_named(tpl_params, pname))
                why = "a path parameter has the same name";
            else if (json_array_size(tpl_params) >= TEMPLATE_MAX_PARAMS)
                why = "the template already has 16 parameters (the gateway's limit)";
            if (!why) {
                char piece[300];
                int n = snprintf(piece, sizeof piece, "%c%s={%s}", query_in_template ? '&' : '?',
                                 pname, pname);
                if (n < 0 || (size_t)n >= sizeof piece) {
                    why = "its name is too long";
                } else {
                    if (buf_add(&tpl, &tpl_len, &tpl_cap, piece, (size_t)n) < 0) goto oom;
                    query_in_template++;
                    json_array_append_new(tpl_params, contract);
                    continue;
                }
            }
            oa_warn(c, p, "required query parameter \"%s\" stays out of the urlTemplate: %s", pname,
                    why);
        }
        json_array_append_new(is_query ? queries : headers, contract);
    }
    json_object_set_new(props, "urlTemplate", json_string(tpl));
    json_object_set_new(props, "templateParameters", json_incref(tpl_params));

    /* The request. */
    json_t *reps;
    if (c->is_v2) {
        reps = oa_request_representations_v2(c, op, body_param, form_params);
        const char *bd =
            body_param ? json_string_value(json_object_get(body_param, "description")) : NULL;
        if (bd && *bd) json_object_set_new(request, "description", json_string(bd));
    } else {
        json_t *body = json_object_get(op, "requestBody");
        json_t *resolved = body ? oa_deref(c, body) : NULL;
        if (body && !resolved) goto done;
        reps = oa_request_representations_v3(c, resolved);
        const char *bd = json_string_value(json_object_get(resolved, "description"));
        if (bd && *bd) json_object_set_new(request, "description", json_string(bd));
    }
    if (!reps) goto done;
    json_object_set_new(request, "queryParameters", json_incref(queries));
    json_object_set_new(request, "headers", json_incref(headers));
    json_object_set_new(request, "representations", reps);
    json_object_set_new(props, "request", json_incref(request));
    json_t *responses = oa_responses(c, op);
    if (!responses) goto done;
    json_object_set_new(props, "responses", responses);
    entry = json_pack("{sssO}", "name", name, "properties", props);
    goto done;
oom:
    oa_fail(c, op, "out of memory");
done:
    free(name);
    free(tpl);
    json_decref(props);
    json_decref(params);
    json_decref(tpl_params);
    json_decref(queries);
    json_decref(headers);
    json_decref(request);
    json_decref(form_params);
    return entry;
}

static int import_paths(oa_ctx_t *c, json_t *operations)
{
    json_t *paths = json_object_get(c->root, "paths");
    if (!paths || json_is_null(paths)) {
        /* OpenAPI 3.1 §4.8.1: paths is optional (a document may describe only webhooks,
         * which the gateway does not serve). Before 3.1 it is required. */
        const char *v = json_string_value(json_object_get(c->root, "openapi"));
        if (v && !strncmp(v, "3.1", 3)) return 0;
        return oa_fail(c, c->root, "required field \"paths\" is missing");
    }
    if (!json_is_object(paths)) return oa_fail(c, paths, "\"paths\" must be a mapping");
    json_t *taken = json_object(), *seen_ids = json_object(), *reserved = reserved_names(paths);
    int rc = 0;
    const char *path;
    json_t *raw_item;
    json_object_foreach(paths, path, raw_item)
    {
        if (!strncmp(path, "x-", 2)) continue;
        json_t *item = oa_deref(c, raw_item);
        if (!item) goto fail;
        if (!json_is_object(item)) {
            oa_fail(c, json_is_array(item) ? item : paths, "path \"%s\" must be a mapping", path);
            goto fail;
        }
        if (path[0] != '/') {
            oa_fail(c, item, "path \"%s\" must start with '/'", path);
            goto fail;
        }
        path_info_t pi = {path, item, NULL, json_array()};
        char *tpl_path = template_path(c, path, item, pi.path_names);
        pi.tpl_path = tpl_path;
        const char *method;
        json_t *op;
        if (tpl_path) {
            json_object_foreach(item, method, op)
            {
                if (!is_method(method)) continue;
                if (!json_is_object(op)) {
                    oa_fail(c, item, "\"%s\" must be a mapping", method);
                    break;
                }
                if (json_array_size(operations) == OPENAPI_MAX_OPERATIONS) {
                    oa_fail(c, op, "more than %d operations", OPENAPI_MAX_OPERATIONS);
                    break;
                }
                json_t *entry = build_operation(c, &pi, method, op, taken, reserved, seen_ids);
                if (!entry) {
                    if (!c->err) oa_fail(c, op, "out of memory");
                    break;
                }
                json_array_append_new(operations, entry);
            }
        }
        free(tpl_path);
        json_decref(pi.path_names);
        if (c->err) goto fail;
    }
    goto done;
fail:
    rc = -1;
done:
    json_decref(taken);
    json_decref(reserved);
    json_decref(seen_ids);
    return rc;
}

/* ---- the document ---- */

static char *version_text(json_t *v)
{
    if (json_is_string(v)) return strdup(json_string_value(v));
    /* `swagger: 2.0` unquoted in YAML is a number. */
    if (json_is_number(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.1f", json_number_value(v));
        return strdup(buf);
    }
    return NULL;
}

int openapi_import(const char *text, size_t len, const char *source_name,
                   const openapi_options_t *opts, openapi_result_t *out, char **err)
{
    memset(out, 0, sizeof *out);
    *err = NULL;
    oa_ctx_t c = {0};
    if (opts) c.opts = *opts;
    c.doc = yaml_json_doc_parse(text, len, source_name, err);
    if (!c.doc) return OPENAPI_ESYNTAX;
    c.root = yaml_json_doc_root(c.doc);
    c.warnings = json_array();
    out->api = json_object();
    out->operations = json_array();
    if (!c.warnings || !out->api || !out->operations) {
        oa_fail(&c, c.root, "out of memory");
        goto fail;
    }
    if (!json_is_object(c.root)) {
        oa_fail(&c, c.root, "not an OpenAPI document: the top level must be a mapping");
        goto fail;
    }
    json_t *v3 = json_object_get(c.root, "openapi"), *v2 = json_object_get(c.root, "swagger");
    out->spec_version = version_text(v3 ? v3 : v2);
    if (!v3 && !v2) {
        oa_fail(&c, c.root, "not an OpenAPI document: no \"openapi\" or \"swagger\" field");
        goto fail;
    }
    if (!out->spec_version ||
        (v3 ? strncmp(out->spec_version, "3.0", 3) && strncmp(out->spec_version, "3.1", 3)
            : strcmp(out->spec_version, "2.0"))) {
        oa_fail(&c, c.root, "unsupported version \"%s\": OpenAPI 3.0, 3.1 or Swagger 2.0",
                out->spec_version ? out->spec_version : "?");
        goto fail;
    }
    c.is_v2 = !v3;
    if (c.is_v2) {
        c.global_consumes = json_object_get(c.root, "consumes");
        c.global_produces = json_object_get(c.root, "produces");
    }
    if (check_references(&c, c.root) < 0) goto fail;
    if (import_api(&c, out->api) < 0) goto fail;
    const char *doc_version =
        json_string_value(json_object_get(json_object_get(c.root, "info"), "version"));
    if (doc_version) out->doc_version = strdup(doc_version);
    if (import_paths(&c, out->operations) < 0) goto fail;
    out->warnings = c.warnings;
    yaml_json_doc_free(c.doc);
    return 0;
fail:
    *err = c.err ? c.err : strdup("out of memory");
    json_decref(c.warnings);
    yaml_json_doc_free(c.doc);
    openapi_result_free(out);
    return c.err && !strstr(c.err, "out of memory") ? OPENAPI_EINVALID : OPENAPI_ENOMEM;
}

void openapi_result_free(openapi_result_t *r)
{
    if (!r) return;
    free(r->spec_version);
    free(r->doc_version);
    json_decref(r->api);
    json_decref(r->operations);
    json_decref(r->warnings);
    memset(r, 0, sizeof *r);
}
