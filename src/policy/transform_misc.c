/* cross-domain and redirect-content-urls (transform_misc.h, spec/apim-gateway.md §2.3). */
#include "policy/transform_misc.h"

#include "base/buf.h"
#include "policy/transform.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- cross-domain ---- */

/* The files a cross-domain statement can answer, by the root element of its document. */
typedef struct {
    const char *root;   /* root element of the document */
    const char *file;   /* the file clients ask for */
} cross_domain_kind_t;

static const cross_domain_kind_t cross_domain_kinds[] = {
    {"cross-domain-policy", "crossdomain.xml"},  /* Adobe Flash (crossdomain.xml spec) */
    {"access-policy", "clientaccesspolicy.xml"}, /* Silverlight; it also reads crossdomain.xml */
};
#define CROSS_DOMAIN_KINDS (sizeof cross_domain_kinds / sizeof cross_domain_kinds[0])

typedef struct {
    /* The document served for cross_domain_kinds[i].file, or NULL when the statement has none. */
    const char *documents[CROSS_DOMAIN_KINDS];
    size_t lengths[CROSS_DOMAIN_KINDS];
} cross_domain_data_t;

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return false;
    return true;
}

/* `root` written back as a standalone XML document (declaration + markup) in the program's
 * arena; NULL when out of memory. */
static const char *document_text(policy_compile_ctx_t *cc, const policy_doc_node_t *parent,
                                 const policy_doc_node_t *root, size_t *len)
{
    /* policy_transform_inner_markup writes all children of an element: give it a parent
     * holding this root only. */
    policy_doc_node_t only = *parent;
    only.children = root;
    only.child_count = 1;
    size_t markup_len = 0;
    const char *markup = policy_transform_inner_markup(cc, &only, &markup_len);
    if (!markup) return NULL;
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    char *text = arena_alloc(cc->arena, sizeof decl - 1 + markup_len + 1);
    if (!text) return NULL;
    memcpy(text, decl, sizeof decl - 1);
    memcpy(text + sizeof decl - 1, markup, markup_len);
    text[sizeof decl - 1 + markup_len] = 0;
    *len = sizeof decl - 1 + markup_len;
    return text;
}

int policy_cross_domain_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    cross_domain_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < element->child_count; i++) {
        const policy_doc_node_t *n = &element->children[i];
        if (n->kind != POLICY_DOC_NODE_ELEMENT) {
            if (is_blank(n->text, n->text_len)) continue;
            policy_doc_errorf(err, cc->scope_name, n->pos,
                              "<cross-domain> holds text; its content is a <cross-domain-policy> "
                              "or <access-policy> document written as markup");
            return -EINVAL;
        }
        size_t k = 0;
        while (k < CROSS_DOMAIN_KINDS && strcmp(n->name, cross_domain_kinds[k].root) != 0) k++;
        if (k == CROSS_DOMAIN_KINDS) {
            policy_doc_errorf(err, cc->scope_name, n->pos,
                              "<%s> is not a cross-domain policy document: expected "
                              "<cross-domain-policy> (Flash) or <access-policy> (Silverlight)",
                              n->name);
            return -EINVAL;
        }
        if (d->documents[k]) {
            policy_doc_errorf(err, cc->scope_name, n->pos,
                              "<cross-domain> holds a second <%s>: %s would be ambiguous",
                              n->name, cross_domain_kinds[k].file);
            return -EINVAL;
        }
        d->documents[k] = document_text(cc, element, n, &d->lengths[k]);
        if (!d->documents[k]) return -ENOMEM;
    }
    bool has_document = false;
    for (size_t k = 0; k < CROSS_DOMAIN_KINDS; k++) has_document |= d->documents[k] != NULL;
    if (!has_document) {
        policy_doc_errorf(err, cc->scope_name, element->pos,
                          "<cross-domain> holds no <cross-domain-policy> or <access-policy> "
                          "document");
        return -EINVAL;
    }
    *data = d;
    return 0;
}

/* The file name the request asks for when its path is "/NAME" or "/API-PATH/NAME" (the
 * original URL: what the client asked), else NULL. */
static const char *requested_file(const policy_exec_t *exec, size_t *len)
{
    const char *path = exec->info.original_url.path ? exec->info.original_url.path : "";
    while (*path == '/') path++;
    const char *api = exec->info.api_path ? exec->info.api_path : "";
    while (*api == '/') api++;
    size_t api_len = strlen(api);
    while (api_len && api[api_len - 1] == '/') api_len--;
    if (api_len && strncasecmp(path, api, api_len) == 0 && path[api_len] == '/') {
        const char *rest = path + api_len;
        while (*rest == '/') rest++;
        if (!strchr(rest, '/')) path = rest;
    }
    if (strchr(path, '/')) return NULL;
    *len = strlen(path);
    return path;
}

int policy_cross_domain_run(policy_exec_t *exec, const policy_step_t *step)
{
    const cross_domain_data_t *d = step->data;
    const char *method = exec->info.original_method ? exec->info.original_method : "GET";
    /* Flash and Silverlight fetch policy files with GET; HEAD asks for the same headers. */
    if (strcasecmp(method, "GET") != 0 && strcasecmp(method, "HEAD") != 0) return POLICY_RUN_NEXT;
    size_t len = 0;
    const char *file = requested_file(exec, &len);
    if (!file) return POLICY_RUN_NEXT;
    size_t k = 0;
    while (k < CROSS_DOMAIN_KINDS && !(strlen(cross_domain_kinds[k].file) == len &&
                                       strncasecmp(file, cross_domain_kinds[k].file, len) == 0))
        k++;
    if (k == CROSS_DOMAIN_KINDS || !d->documents[k]) return POLICY_RUN_NEXT;
    policy_response_t r = {.status = 200, .headers.is_case_insensitive = true};
    r.body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = d->documents[k], .len = d->lengths[k]};
    char length[24];
    int n = snprintf(length, sizeof length, "%zu", d->lengths[k]);
    /* text/xml: what the vendor serves both files as; Flash accepts it for the master policy
     * file at the root (Adobe's meta-policy "master-only" default). */
    if (policy_fields_add(&r.headers, exec->arena, "Content-Type", 12, "text/xml", 8) < 0 ||
        policy_fields_add(&r.headers, exec->arena, "Content-Length", 14, length, (size_t)n) < 0)
        return policy_exec_raise_oom(exec, step);
    exec->response = r;
    return POLICY_RUN_END;
}

/* ---- redirect-content-urls ---- */

int policy_redirect_content_urls_compile(policy_compile_ctx_t *cc,
                                         const policy_doc_node_t *element, const void **data,
                                         policy_doc_error_t *err)
{
    (void)element;
    (void)err;
    policy_transform_needs_body(cc);
    *data = NULL;
    return 0;
}

/* Bytes that continue a host name, port or path segment: a match followed by one of them is
 * a different URL ("https://b.example" in "https://b.example.evil/" or ":8443"). */
static bool continues_url(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == ':' ||
           c == '@';
}

static bool matches_at(const char *p, const char *from, size_t from_len, size_t ci_len)
{
    return strncasecmp(p, from, ci_len) == 0 &&
           memcmp(p + ci_len, from + ci_len, from_len - ci_len) == 0;
}

long policy_redirect_urls_replace(arena_t *arena, const char *text, size_t len, const char *from,
                                  size_t from_len, size_t ci_len, const char *to, size_t to_len,
                                  const char **out, size_t *out_len)
{
    if (ci_len > from_len) ci_len = from_len;
    buf_t b;
    buf_init(&b);
    long count = 0;
    size_t copied = 0, i = 0;
    while (from_len && i + from_len <= len) {
        /* strncasecmp stops at a NUL: compare only where the text has from_len bytes left,
         * and check the first byte cheaply before the full comparison. */
        if (tolower((unsigned char)text[i]) != tolower((unsigned char)from[0]) ||
            memchr(text + i, 0, from_len) || !matches_at(text + i, from, from_len, ci_len) ||
            (i + from_len < len && continues_url((unsigned char)text[i + from_len]))) {
            i++;
            continue;
        }
        if (buf_append(&b, text + copied, i - copied) || buf_append(&b, to, to_len)) goto oom;
        count++;
        i += from_len;
        copied = i;
    }
    if (count == 0) {
        buf_free(&b);
        *out = text;
        *out_len = len;
        return 0;
    }
    if (buf_append(&b, text + copied, len - copied)) goto oom;
    char *copy = arena_strndup(arena, b.data, b.len);
    if (!copy) goto oom;
    *out = copy;
    *out_len = b.len;
    buf_free(&b);
    return count;
oom:
    buf_free(&b);
    return -ENOMEM;
}

/* "scheme://host[:port]" + path (trailing slashes dropped) in the arena; *authority_len is
 * the length of the scheme://host[:port] part. NULL when out of memory. */
static char *base_url(arena_t *arena, const policy_url_t *url, const char *path, size_t *len,
                      size_t *authority_len)
{
    policy_url_t origin = {.scheme = url->scheme, .host = url->host, .port = url->port,
                           .base_path = "", .path = ""};
    size_t n = 0;
    char *auth = policy_url_format(arena, &origin, &n);
    if (!auth) return NULL;
    while (n && auth[n - 1] == '/') n--;
    *authority_len = n;
    buf_t b;
    buf_init(&b);
    int rc = buf_append(&b, auth, n);
    const char *p = path ? path : "";
    while (*p == '/') p++;
    size_t plen = strlen(p);
    while (plen && p[plen - 1] == '/') plen--;
    if (!rc && plen) rc = buf_append(&b, "/", 1) || buf_append(&b, p, plen);
    char *out = rc ? NULL : arena_strndup(arena, b.data, b.len);
    *len = b.len;
    buf_free(&b);
    return out;
}

/* Whether a body of this Content-Type / Content-Encoding is text the policy may edit. */
static bool is_rewritable(policy_exec_t *exec, const policy_fields_t *headers)
{
    size_t len = 0;
    const char *enc = policy_fields_join(headers, exec->arena, "Content-Encoding", 16, &len);
    if (enc && len && strcasecmp(enc, "identity") != 0) return false; /* compressed bytes */
    const char *ct = policy_fields_join(headers, exec->arena, "Content-Type", 12, &len);
    if (!ct || !len) return true;
    static const char *const textual[] = {"text/", "json", "xml", "javascript", "html",
                                          "x-www-form-urlencoded"};
    for (size_t i = 0; i < sizeof textual / sizeof textual[0]; i++)
        if (strcasestr(ct, textual[i])) return true;
    return false;
}

int policy_redirect_content_urls_run(policy_exec_t *exec, const policy_step_t *step)
{
    policy_transform_target_t t = policy_transform_target(exec);
    if (t.body->kind == POLICY_BODY_STREAM)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "the %s body was not buffered for redirect-content-urls",
                                 t.is_request ? "request" : "response");
    if (t.body->kind != POLICY_BODY_BYTES || t.body->len == 0 || !is_rewritable(exec, t.headers))
        return POLICY_RUN_NEXT;
    size_t backend_len = 0, backend_auth = 0, gateway_len = 0, gateway_auth = 0;
    /* The backend base: where the request went (or goes), without the operation's path. */
    const char *backend = base_url(exec->arena, &exec->request.url, exec->request.url.base_path,
                                   &backend_len, &backend_auth);
    /* The gateway's URL for the API: the client's scheme and host + the API path. */
    const char *gateway = base_url(exec->arena, &exec->info.original_url, exec->info.api_path,
                                   &gateway_len, &gateway_auth);
    if (!backend || !gateway) return policy_exec_raise_oom(exec, step);
    const char *from = t.is_request ? gateway : backend, *to = t.is_request ? backend : gateway;
    size_t from_len = t.is_request ? gateway_len : backend_len;
    size_t from_auth = t.is_request ? gateway_auth : backend_auth;
    size_t to_len = t.is_request ? backend_len : gateway_len;
    if (from_len == to_len && memcmp(from, to, from_len) == 0) return POLICY_RUN_NEXT;
    const char *out = NULL;
    size_t out_len = 0;
    long n = policy_redirect_urls_replace(exec->arena, t.body->bytes, t.body->len, from, from_len,
                                          from_auth, to, to_len, &out, &out_len);
    if (n < 0) return policy_exec_raise_oom(exec, step);
    if (n == 0) return POLICY_RUN_NEXT;
    int rc = policy_transform_set_body(exec, step, out, out_len, NULL);
    return rc ? rc : POLICY_RUN_NEXT;
}
