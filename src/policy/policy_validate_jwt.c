/* validate-jwt (spec/apim-gateway.md §2.4, errors §1.5, default responses §4.6): compiled
 * once into a key set, rules and OpenID configuration caches; per request the token is found,
 * keys of <openid-config> documents are fetched through the host's send when the cache is
 * empty or older than an hour (again at most every 5 minutes when a kid is unknown), and
 * jwt_verify decides. */
#include "expr/lib_auth.h"
#include "policy/jwt_verify.h"
#include "policy/policies_access_impl.h"
#include "policy/policies_support.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OIDC_MAX_AGE 3600   /* metadata and keys are cached an hour (§2.4) */
#define OIDC_RETRY_AFTER 300 /* refetch on an unknown kid or a failure at most every 5 min */
#define OIDC_FETCH_TIMEOUT_MS 10000

/* One <openid-config>: shared by every request of the configuration, hence the lock. */
typedef struct {
    pthread_mutex_t lock;
    const char *url;
    jwt_keyset_t *keys; /* NULL until a fetch succeeded */
    int64_t fetched_at, attempted_at;
    char last_error[160];
} oidc_t;

typedef struct {
    policy_value_t header_name, query_name, token_value;
    policy_value_t code, message, require_exp, require_signed, skew, scheme;
    const char *output_var; /* NULL: none */
    jwt_keyset_t *keys;     /* <issuer-signing-keys>; NULL when none */
    size_t certificate_keys; /* keys given by certificate-id: no certificate store yet */
    oidc_t *oidc;
    size_t oidc_count;
    jwt_rules_t rules; /* lists compiled; the booleans and skew are per request */
} vjwt_t;

/* Per request, across fetches: in the step's policy_exec_step_state slot. */
typedef struct {
    const char *token;
    size_t len;
    size_t fetching;   /* index of the oidc being fetched */
    bool *attempted;   /* oidc_count flags: fetched (or tried) during this request */
    bool refetched;    /* the unknown-kid refetch happened */
} vjwt_state_t;

/* ---- compile ---- */

static void keyset_release(void *p)
{
    jwt_keyset_unref(p);
}

/* The caches are malloc'd (their keys are replaced while requests run, which arena memory
 * cannot do); they are released with the program (policy_compile_defer). */
typedef struct {
    size_t count;
    oidc_t items[];
} oidc_array_t;

static void oidc_release(void *p)
{
    oidc_array_t *a = p;
    for (size_t i = 0; i < a->count; i++) {
        jwt_keyset_unref(a->items[i].keys);
        pthread_mutex_destroy(&a->items[i].lock);
    }
    free(a);
}

static int compile_keys(policy_compile_ctx_t *cc, const policy_doc_node_t *list, vjwt_t *v,
                        policy_doc_error_t *err)
{
    if (!v->keys) {
        if (!(v->keys = jwt_keyset_new())) return -ENOMEM;
        if (policy_compile_defer(cc, keyset_release, v->keys) < 0) return -ENOMEM;
    }
    for (const policy_doc_node_t *k = policy_doc_first_element(list, "key"); k;
         k = policy_doc_next_element(k, "key")) {
        const char *id, *cert, *n, *e, *text;
        int rc;
        if ((rc = policy_support_literal_attr(cc, k, "id", &id, err)) < 0 ||
            (rc = policy_support_literal_attr(cc, k, "certificate-id", &cert, err)) < 0 ||
            (rc = policy_support_literal_attr(cc, k, "n", &n, err)) < 0 ||
            (rc = policy_support_literal_attr(cc, k, "e", &e, err)) < 0 ||
            (rc = policy_support_literal_text(cc, k, "a <key>", &text, err)) < 0)
            return rc;
        char why[200] = "";
        if (cert) {
            v->certificate_keys++;
            continue;
        }
        if (n || e)
            rc = jwt_keyset_add_rsa_components(v->keys, id, n, e, why, sizeof why);
        else if (*text)
            rc = jwt_keyset_add_symmetric_base64(v->keys, id, text, strlen(text), why, sizeof why);
        else
            return policy_support_error(cc, k->pos, err,
                                        "<key> needs a Base64 key, n and e, or certificate-id");
        if (rc == -EINVAL) return policy_support_error(cc, k->pos, err, "<key>: %s", why);
        if (rc < 0) return rc;
    }
    return 0;
}

/* Text of every <item> child of `list` (audiences, issuers, claim values) into the arena. */
static int literal_list(policy_compile_ctx_t *cc, const policy_doc_node_t *list, const char *item,
                        const char *const **out, size_t *count, policy_doc_error_t *err)
{
    size_t n = policy_doc_element_count(list, item);
    const char **values = arena_alloc(cc->arena, (n ? n : 1) * sizeof *values);
    if (!values) return -ENOMEM;
    size_t i = 0;
    for (const policy_doc_node_t *c = policy_doc_first_element(list, item); c;
         c = policy_doc_next_element(c, item)) {
        char what[64];
        snprintf(what, sizeof what, "<%s>", item);
        int rc = policy_support_literal_text(cc, c, what, &values[i++], err);
        if (rc < 0) return rc;
    }
    *out = values;
    *count = n;
    return 0;
}

static int compile_claims(policy_compile_ctx_t *cc, const policy_doc_node_t *list, vjwt_t *v,
                          policy_doc_error_t *err)
{
    size_t n = policy_doc_element_count(list, "claim");
    jwt_required_claim_t *claims = arena_alloc(cc->arena, (n ? n : 1) * sizeof *claims);
    if (!claims) return -ENOMEM;
    size_t i = 0;
    for (const policy_doc_node_t *c = policy_doc_first_element(list, "claim"); c;
         c = policy_doc_next_element(c, "claim"), i++) {
        const char *name, *match, *separator;
        int rc;
        if ((rc = policy_support_literal_attr(cc, c, "name", &name, err)) < 0 ||
            (rc = policy_support_literal_attr(cc, c, "match", &match, err)) < 0 ||
            (rc = policy_support_literal_attr(cc, c, "separator", &separator, err)) < 0)
            return rc;
        claims[i] = (jwt_required_claim_t){
            .name = name,
            .match_any = match && strcasecmp(match, "any") == 0,
            .separator = separator && *separator ? separator : NULL,
        };
        if ((rc = literal_list(cc, c, "value", &claims[i].values, &claims[i].value_count, err)) < 0)
            return rc;
    }
    v->rules.claims = claims;
    v->rules.claim_count = n;
    return 0;
}

int policy_validate_jwt_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    vjwt_t *v = arena_alloc(cc->arena, sizeof *v);
    if (!v) return -ENOMEM;
    memset(v, 0, sizeof *v);
    int rc;
    if ((rc = policy_compile_attr(cc, element, "header-name", POLICY_VALUE_STRING, &v->header_name, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "query-parameter-name", POLICY_VALUE_STRING, &v->query_name, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "token-value", POLICY_VALUE_STRING, &v->token_value, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "failed-validation-httpcode", POLICY_VALUE_INT, &v->code, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "failed-validation-error-message", POLICY_VALUE_STRING, &v->message, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "require-expiration-time", POLICY_VALUE_BOOL, &v->require_exp, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "require-signed-tokens", POLICY_VALUE_BOOL, &v->require_signed, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "clock-skew", POLICY_VALUE_INT, &v->skew, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "require-scheme", POLICY_VALUE_STRING, &v->scheme, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "output-token-variable-name", &v->output_var, err)) < 0)
        return rc;

    const policy_doc_node_t *list;
    if ((list = policy_doc_first_element(element, "issuer-signing-keys")) &&
        (rc = compile_keys(cc, list, v, err)) < 0)
        return rc;
    /* <decryption-keys> are read (their Base64 must be valid) but JWE tokens are refused at run
     * time with a message that says so: decryption is not implemented. */
    if ((list = policy_doc_first_element(element, "decryption-keys"))) {
        for (const policy_doc_node_t *k = policy_doc_first_element(list, "key"); k;
             k = policy_doc_next_element(k, "key")) {
            const char *text;
            if ((rc = policy_support_literal_text(cc, k, "a <key>", &text, err)) < 0) return rc;
            unsigned char scratch[512];
            if (*text && (strlen(text) > 600 || jwt_base64_decode(text, strlen(text), scratch) < 0))
                return policy_support_error(cc, k->pos, err, "<key>: the key is not valid Base64");
        }
    }
    if ((list = policy_doc_first_element(element, "audiences")) &&
        (rc = literal_list(cc, list, "audience", &v->rules.audiences, &v->rules.audience_count, err)) < 0)
        return rc;
    if ((list = policy_doc_first_element(element, "issuers")) &&
        (rc = literal_list(cc, list, "issuer", &v->rules.issuers, &v->rules.issuer_count, err)) < 0)
        return rc;
    if ((list = policy_doc_first_element(element, "required-claims")) &&
        (rc = compile_claims(cc, list, v, err)) < 0)
        return rc;

    v->oidc_count = policy_doc_element_count(element, "openid-config");
    if (v->oidc_count) {
        oidc_array_t *a = calloc(1, sizeof *a + v->oidc_count * sizeof *a->items);
        if (!a) return -ENOMEM;
        for (size_t i = 0; i < v->oidc_count; i++) pthread_mutex_init(&a->items[i].lock, NULL);
        a->count = v->oidc_count;
        if (policy_compile_defer(cc, oidc_release, a) < 0) return -ENOMEM;
        v->oidc = a->items;
        size_t i = 0;
        for (const policy_doc_node_t *c = policy_doc_first_element(element, "openid-config"); c;
             c = policy_doc_next_element(c, "openid-config"), i++) {
            if ((rc = policy_support_literal_attr(cc, c, "url", &v->oidc[i].url, err)) < 0)
                return rc;
        }
    }
    *data = v;
    return 0;
}

/* ---- run ---- */

static int raise_failure(policy_exec_t *exec, const policy_step_t *step, const vjwt_t *v,
                         const char *reason, const char *default_public, const char *message)
{
    int64_t code = 401;
    if (v->code.is_present && policy_value_long(exec, step, &v->code, &code) < 0) return -1;
    const char *pub = default_public;
    size_t len;
    if (v->message.is_present && policy_value_string(exec, step, &v->message, &pub, &len) < 0)
        return -1;
    return policy_exec_raise(exec, step, NULL, (int)code, reason, pub, "%s", message);
}

/* The token as §2.4 says where to find it; 0 with *token (NULL/len 0 when absent), or a
 * negative code after a raise. */
static int find_token(policy_exec_t *exec, const policy_step_t *step, const vjwt_t *v,
                      const char **token, size_t *len)
{
    *token = NULL;
    *len = 0;
    const char *name;
    size_t name_len;
    int rc;
    if (v->token_value.is_present)
        return policy_value_string(exec, step, &v->token_value, token, len);
    if (v->query_name.is_present) {
        if ((rc = policy_value_string(exec, step, &v->query_name, &name, &name_len)) < 0) return rc;
        long i = policy_fields_find(&exec->request.url.query, name, name_len, 0);
        if (i >= 0) {
            *token = exec->request.url.query.items[i].value;
            *len = exec->request.url.query.items[i].value_len;
        }
        return 0;
    }
    if ((rc = policy_value_string(exec, step, &v->header_name, &name, &name_len)) < 0) return rc;
    const char *value = policy_fields_join(&exec->request.headers, exec->arena, name, name_len, len);
    if (!value) return 0;
    /* The scheme of the Authorization header (RFC 9110 §11.6.2): require-scheme is enforced
     * only there (§2.4); a Bearer prefix is removed when no scheme is required. */
    if (strcasecmp(name, "Authorization") == 0) {
        const char *scheme = NULL;
        size_t scheme_len = 0;
        if (v->scheme.is_present &&
            (rc = policy_value_string(exec, step, &v->scheme, &scheme, &scheme_len)) < 0)
            return rc;
        if (!scheme || !scheme_len) scheme = "Bearer", scheme_len = 6;
        bool has_scheme = *len > scheme_len && strncasecmp(value, scheme, scheme_len) == 0 &&
                          value[scheme_len] == ' ';
        if (has_scheme) {
            value += scheme_len;
            *len -= scheme_len;
            while (*len && *value == ' ') value++, (*len)--;
        } else if (v->scheme.is_present) {
            return 0; /* the required scheme is missing: no token */
        }
    }
    *token = value;
    return 0;
}

static int verify_now(policy_exec_t *exec, const policy_step_t *step, const vjwt_t *v,
                      vjwt_state_t *st);

static int fetch(policy_exec_t *exec, const policy_step_t *step, const char *url,
                 policy_resume_fn resume)
{
    if (!exec->host || !exec->host->send) return -ENOTSUP;
    policy_send_t *req = arena_alloc(exec->arena, sizeof *req);
    if (!req) return -ENOMEM;
    memset(req, 0, sizeof *req);
    req->url = url;
    req->method = "GET";
    req->timeout_ms = OIDC_FETCH_TIMEOUT_MS;
    if (policy_fields_add(&req->headers, exec->arena, "Accept", 6, "application/json", 16) < 0)
        return -ENOMEM;
    int rc = exec->host->send(exec, req);
    if (rc < 0) return rc;
    return policy_exec_suspend(exec, step, resume);
}

static void fetch_failed(oidc_t *o, int64_t now, const char *why)
{
    pthread_mutex_lock(&o->lock);
    o->attempted_at = now;
    snprintf(o->last_error, sizeof o->last_error, "%s", why);
    pthread_mutex_unlock(&o->lock);
}

static const policy_response_t *ok_response(int status, void *result, char *why, size_t size)
{
    const policy_response_t *r = result;
    if (status < 0 || !r) {
        snprintf(why, size, "the request failed (%s)", status == POLICY_E_TIMEOUT ? "timeout" : "no connection");
        return NULL;
    }
    if (r->status != 200 || r->body.kind != POLICY_BODY_BYTES) {
        snprintf(why, size, "the response status was %d", r->status);
        return NULL;
    }
    return r;
}

static int resume_jwks(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    const vjwt_t *v = step->data;
    void **slot = policy_exec_step_state(exec, step);
    vjwt_state_t *st = slot ? *slot : NULL;
    if (!st) return policy_exec_raise_oom(exec, step);
    oidc_t *o = &v->oidc[st->fetching];
    int64_t now = policy_support_now(exec);
    char why[160] = "";
    const policy_response_t *r = ok_response(status, result, why, sizeof why);
    jwt_keyset_t *keys = NULL;
    if (r) {
        char detail[160] = "";
        if (!(keys = jwt_keyset_new())) return policy_exec_raise_oom(exec, step);
        int rc = jwt_keyset_add_jwks(keys, r->body.bytes, r->body.len, detail, sizeof detail);
        if (rc == -ENOMEM) {
            jwt_keyset_unref(keys);
            return policy_exec_raise_oom(exec, step);
        }
        if (rc < 0) {
            snprintf(why, sizeof why, "%s", detail);
            jwt_keyset_unref(keys);
            keys = NULL;
        }
    }
    if (!keys) {
        fetch_failed(o, now, why);
    } else {
        pthread_mutex_lock(&o->lock);
        jwt_keyset_t *old = o->keys;
        o->keys = keys;
        o->fetched_at = o->attempted_at = now;
        o->last_error[0] = '\0';
        pthread_mutex_unlock(&o->lock);
        jwt_keyset_unref(old);
    }
    return verify_now(exec, step, v, st);
}

static int resume_config(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    const vjwt_t *v = step->data;
    void **slot = policy_exec_step_state(exec, step);
    vjwt_state_t *st = slot ? *slot : NULL;
    if (!st) return policy_exec_raise_oom(exec, step);
    oidc_t *o = &v->oidc[st->fetching];
    char why[160] = "";
    const policy_response_t *r = ok_response(status, result, why, sizeof why);
    char *jwks_uri = NULL, *issuer = NULL;
    if (r) {
        int rc = jwt_openid_config_parse(r->body.bytes, r->body.len, &jwks_uri, &issuer, why, sizeof why);
        if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
    }
    free(issuer);
    if (!jwks_uri) {
        fetch_failed(o, policy_support_now(exec), why);
        return verify_now(exec, step, v, st);
    }
    char *uri = arena_strndup(exec->arena, jwks_uri, strlen(jwks_uri));
    free(jwks_uri);
    if (!uri) return policy_exec_raise_oom(exec, step);
    int rc = fetch(exec, step, uri, resume_jwks);
    if (rc == POLICY_RUN_PENDING) return rc;
    fetch_failed(o, policy_support_now(exec), "the JWKS request could not be sent");
    return verify_now(exec, step, v, st);
}

/* Starts fetching an openid-config that needs it; POLICY_RUN_PENDING, or 0 when none does. */
static int maybe_fetch(policy_exec_t *exec, const policy_step_t *step, const vjwt_t *v,
                       vjwt_state_t *st, bool force)
{
    int64_t now = policy_support_now(exec);
    for (size_t i = 0; i < v->oidc_count; i++) {
        if (st->attempted[i]) continue;
        oidc_t *o = &v->oidc[i];
        pthread_mutex_lock(&o->lock);
        bool is_stale = !o->keys || now - o->fetched_at >= OIDC_MAX_AGE;
        /* After any attempt (success or failure) wait 5 minutes: don't hammer the issuer. */
        bool may_retry = o->attempted_at == 0 || now - o->attempted_at >= OIDC_RETRY_AFTER;
        bool need = may_retry && (is_stale || force);
        pthread_mutex_unlock(&o->lock);
        if (!need) continue;
        st->attempted[i] = true;
        st->fetching = i;
        int rc = fetch(exec, step, o->url, resume_config);
        if (rc == POLICY_RUN_PENDING) return rc;
        if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
        fetch_failed(o, now, "the gateway cannot send requests here");
    }
    return 0;
}

static int verify_now(policy_exec_t *exec, const policy_step_t *step, const vjwt_t *v,
                      vjwt_state_t *st)
{
    int rc = maybe_fetch(exec, step, v, st, false);
    if (rc != 0) return rc;

    jwt_rules_t rules = v->rules;
    bool flag;
    int64_t skew = 0;
    if ((rc = policy_value_bool(exec, step, &v->require_exp, &flag)) < 0) return rc;
    rules.require_expiration_time = v->require_exp.is_present ? flag : true;
    if ((rc = policy_value_bool(exec, step, &v->require_signed, &flag)) < 0) return rc;
    rules.require_signed_tokens = v->require_signed.is_present ? flag : true;
    if (v->skew.is_present && (rc = policy_value_long(exec, step, &v->skew, &skew)) < 0) return rc;
    rules.clock_skew_seconds = skew;

    size_t count = 1 + v->oidc_count;
    const jwt_keyset_t **sets = arena_alloc(exec->arena, count * sizeof *sets);
    if (!sets) return policy_exec_raise_oom(exec, step);
    sets[0] = v->keys;
    char fetch_error[420] = "";
    for (size_t i = 0; i < v->oidc_count; i++) {
        pthread_mutex_lock(&v->oidc[i].lock);
        sets[1 + i] = jwt_keyset_ref(v->oidc[i].keys);
        if (!v->oidc[i].keys && v->oidc[i].last_error[0] && !fetch_error[0])
            snprintf(fetch_error, sizeof fetch_error, " Signing keys could not be obtained from %.200s: %s.",
                     v->oidc[i].url, v->oidc[i].last_error);
        pthread_mutex_unlock(&v->oidc[i].lock);
    }
    jwt_result_t result;
    rc = jwt_verify(st->token, st->len, sets, count, &rules, policy_support_now(exec), &result);
    for (size_t i = 0; i < v->oidc_count; i++) jwt_keyset_unref((jwt_keyset_t *)sets[1 + i]);
    if (rc < 0) {
        jwt_result_clear(&result);
        return policy_exec_raise_oom(exec, step);
    }
    jwt_status_t verdict = result.status;
    char message[JWT_MESSAGE_MAX + 600];
    snprintf(message, sizeof message, "%s", result.message);
    jwt_result_clear(&result);

    /* An unknown kid may mean the issuer rotated its keys: refetch once (§2.4). */
    if (verdict == JWT_SIGNATURE_KEY_NOT_FOUND && v->oidc_count && !st->refetched) {
        st->refetched = true;
        memset(st->attempted, 0, v->oidc_count * sizeof *st->attempted);
        if ((rc = maybe_fetch(exec, step, v, st, true)) != 0) return rc;
    }
    if (verdict == JWT_VALID) {
        if (!v->output_var) return POLICY_RUN_NEXT;
        /* The validated token as a Jwt object (§2.4 output-token-variable-name, §3.4). */
        expr_jwt_t jwt;
        expr_value_t value;
        int drc = expr_jwt_decode(exec->arena, st->token, st->len, &jwt);
        if (drc == -ENOMEM) return policy_exec_raise_oom(exec, step);
        if (drc == 0) {
            drc = expr_jwt_to_value(exec->arena, &jwt, &value);
            expr_jwt_release(&jwt);
            if (drc < 0) return policy_exec_raise_oom(exec, step);
        } else if (expr_str_copy(&exec->rt, st->token, st->len, &value) < 0) {
            return policy_exec_raise_oom(exec, step); /* verified, yet not a JWS text */
        }
        if (policy_exec_var_set(exec, v->output_var, strlen(v->output_var), value) < 0)
            return policy_exec_raise_oom(exec, step);
        return POLICY_RUN_NEXT;
    }
    /* Say why no key could match: keys that need a certificate store, keys not fetched. */
    if (verdict == JWT_SIGNATURE_KEY_NOT_FOUND || verdict == JWT_SIGNATURE_INVALID) {
        size_t used = strlen(message);
        if (fetch_error[0]) snprintf(message + used, sizeof message - used, "%s", fetch_error);
        used = strlen(message);
        if (v->certificate_keys)
            snprintf(message + used, sizeof message - used,
                     " Keys given by certificate-id are not loaded: this gateway has no "
                     "certificate store yet.");
    }
    return raise_failure(exec, step, v, jwt_status_reason(verdict), "Invalid JWT.", message);
}

int policy_validate_jwt_run(policy_exec_t *exec, const policy_step_t *step)
{
    const vjwt_t *v = step->data;
    const char *token;
    size_t len;
    int rc = find_token(exec, step, v, &token, &len);
    if (rc < 0) return rc;
    if (!token) len = 0;
    while (len && (*token == ' ' || *token == '\t')) token++, len--;
    while (len && (token[len - 1] == ' ' || token[len - 1] == '\t')) len--;
    if (!token || len == 0)
        return raise_failure(exec, step, v, "TokenNotPresent", "JWT not present.", "JWT not present.");
    vjwt_state_t *st = arena_alloc(exec->arena, sizeof *st);
    if (!st) return policy_exec_raise_oom(exec, step);
    *st = (vjwt_state_t){.token = token, .len = len};
    if (v->oidc_count) {
        /* only <openid-config> fetches suspend the step: the resume functions find st here */
        void **slot = policy_exec_step_state(exec, step);
        if (!slot || !(st->attempted = arena_alloc(exec->arena, v->oidc_count * sizeof *st->attempted)))
            return policy_exec_raise_oom(exec, step);
        memset(st->attempted, 0, v->oidc_count * sizeof *st->attempted);
        *slot = st;
    }
    return verify_now(exec, step, v, st);
}
