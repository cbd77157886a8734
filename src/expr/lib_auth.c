/* lib_auth: Jwt, its Claims, BasicAuthCredentials and the string extensions AsJwt,
 * TryParseJwt, AsBasic, TryParseBasic (lib_auth.h). */
#include "expr/lib_auth.h"

#include "expr/lib_json_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define UNIX_EPOCH_TICKS 621355968000000000LL
#define MAX_TICKS 3155378975999999999LL /* DateTime.MaxValue */

#define NATIVE(name)                                                                         \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,     \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

extern const expr_class_t expr_class_jwt_claims;
extern const expr_class_t expr_class_jwt_claim_pair;

typedef struct {
    expr_value_t key;    /* string */
    expr_value_t values; /* string[] */
} auth_claim_t;

typedef struct {
    auth_claim_t *items;
    uint32_t count;
} auth_claims_t;

typedef struct {
    expr_value_t algorithm, type, id, issuer, subject; /* string or null */
    expr_value_t audiences;                            /* string[] */
    expr_value_t expiration, issued_at, not_before;    /* DateTime (Utc) or null */
    auth_claims_t claims;
} auth_jwt_t;

typedef struct {
    expr_value_t user_id, password;
} auth_basic_t;

/* ---- base64 ---- */

static int b64_value(unsigned char c, bool url_too)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || (url_too && c == '-')) return 62;
    if (c == '/' || (url_too && c == '_')) return 63;
    return -1;
}

/* strict: .NET's Convert.FromBase64String (standard alphabet, whitespace ignored, length a
 * multiple of 4 with '=' padding); otherwise base64url with optional padding. */
static int base64_decode(arena_t *arena, const char *in, size_t len, bool strict, uint8_t **out,
                         size_t *out_len)
{
    uint8_t *o = arena_alloc(arena, len / 4 * 3 + 4);
    if (!o) return -ENOMEM;
    size_t n = 0, sextets = 0, pad = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (strict && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c, !strict);
        if (v < 0 || pad) return -EINVAL; /* data after padding */
        acc = acc << 6 | (uint32_t)v;
        if (++sextets % 4 == 0) {
            o[n++] = (uint8_t)(acc >> 16);
            o[n++] = (uint8_t)(acc >> 8);
            o[n++] = (uint8_t)acc;
            acc = 0;
        }
    }
    size_t rest = sextets % 4;
    if (rest == 1 || pad > 2) return -EINVAL;
    if (strict && (rest + pad) % 4 != 0) return -EINVAL;
    if (!strict && pad && (rest + pad) % 4 != 0) return -EINVAL;
    if (rest == 2) o[n++] = (uint8_t)(acc >> 4);
    else if (rest == 3) {
        o[n++] = (uint8_t)(acc >> 10);
        o[n++] = (uint8_t)(acc >> 2);
    }
    o[n] = 0;
    *out = o;
    *out_len = n;
    return 0;
}

int expr_base64url_decode(arena_t *arena, const char *in, size_t len, uint8_t **out,
                          size_t *out_len)
{
    return base64_decode(arena, in, len, false, out, out_len);
}

/* ---- JWT decoding (C API) ---- */

static json_t *decode_object(arena_t *arena, const char *seg, size_t len, int *rc)
{
    uint8_t *bytes = NULL;
    size_t n = 0;
    *rc = len ? base64_decode(arena, seg, len, false, &bytes, &n) : -EINVAL;
    if (*rc) return NULL;
    json_t *j = json_loadb((const char *)bytes, n, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        *rc = -EINVAL;
        return NULL;
    }
    return j;
}

int expr_jwt_decode(arena_t *arena, const char *token, size_t len, expr_jwt_t *out)
{
    memset(out, 0, sizeof *out);
    if (!token) return -EINVAL;
    while (len && isspace((unsigned char)*token)) token++, len--;
    while (len && isspace((unsigned char)token[len - 1])) len--;
    /* the Authorization header's value works too: "Bearer <token>" */
    if (len > 7 && strncasecmp(token, "Bearer", 6) == 0 && (token[6] == ' ' || token[6] == '\t')) {
        token += 7;
        len -= 7;
        while (len && isspace((unsigned char)*token)) token++, len--;
    }
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) return -EINVAL;
    int rc;
    out->header = decode_object(arena, token, (size_t)(dot1 - token), &rc);
    if (!out->header) return rc;
    out->payload = decode_object(arena, dot1 + 1, (size_t)(dot2 - dot1 - 1), &rc);
    if (!out->payload) goto fail;
    rc = base64_decode(arena, dot2 + 1, len - (size_t)(dot2 + 1 - token), false, &out->signature,
                       &out->signature_len);
    if (rc) goto fail;
    out->signing_input = token;
    out->signing_input_len = (size_t)(dot2 - token);
    return 0;
fail:
    expr_jwt_release(out);
    return rc;
}

void expr_jwt_release(expr_jwt_t *jwt)
{
    json_decref(jwt->header);
    json_decref(jwt->payload);
    jwt->header = jwt->payload = NULL;
}

/* ---- the Jwt value ---- */

static bool arena_string(arena_t *arena, const char *s, size_t len, expr_value_t *out)
{
    char *p = arena_strndup(arena, s ? s : "", len);
    if (!p) return false;
    *out = expr_str_ref(p, len);
    return true;
}

/* A claim value as text: strings as they are, anything else as compact JSON. */
static bool claim_text(arena_t *arena, const json_t *j, expr_value_t *out)
{
    if (json_is_string(j)) return arena_string(arena, json_string_value(j), json_string_length(j), out);
    if (json_is_null(j)) return arena_string(arena, "", 0, out);
    buf_t b;
    buf_init(&b);
    bool ok = json_write_buf(&b, j, NULL, 0, false) == 0 && arena_string(arena, b.data, b.len, out);
    buf_free(&b);
    return ok;
}

/* string[] of a claim: an array's items one by one, any other value as one item. */
static bool claim_values(arena_t *arena, const json_t *j, expr_value_t *out)
{
    size_t n = json_is_array(j) ? json_array_size(j) : 1;
    expr_value_t *items = arena_alloc(arena, (n ? n : 1) * sizeof *items);
    if (!items) return false;
    for (size_t i = 0; i < n; i++)
        if (!claim_text(arena, json_is_array(j) ? json_array_get(j, i) : j, &items[i])) return false;
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, (uint32_t)n, &expr_class_string}};
    return true;
}

static bool string_member(arena_t *arena, const json_t *obj, const char *key, expr_value_t *out)
{
    const json_t *j = json_object_get(obj, key);
    if (!j) {
        *out = expr_null();
        return true;
    }
    return claim_text(arena, j, out);
}

/* exp/iat/nbf: NumericDate seconds (RFC 7519 §2) → a UTC DateTime, clamped to the
 * DateTime range as .NET's EpochTime.DateTime does. */
static void numeric_date(const json_t *obj, const char *key, expr_value_t *out)
{
    const json_t *j = json_object_get(obj, key);
    if (!json_is_number(j)) {
        *out = expr_null();
        return;
    }
    double secs = floor(json_number_value(j));
    double ticks = (double)UNIX_EPOCH_TICKS + secs * 1e7;
    int64_t t = ticks <= 0 ? 0 : ticks >= (double)MAX_TICKS ? MAX_TICKS : (int64_t)ticks;
    if (json_is_integer(j) && json_integer_value(j) >= -62135596800LL && json_integer_value(j) <= 253402300799LL)
        t = UNIX_EPOCH_TICKS + json_integer_value(j) * 10000000LL; /* exact for integers */
    *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = 1, .u.i = t};
}

int expr_jwt_to_value(arena_t *arena, const expr_jwt_t *jwt, expr_value_t *out)
{
    auth_jwt_t *v = arena_alloc(arena, sizeof *v);
    if (!v) return -ENOMEM;
    memset(v, 0, sizeof *v);
    const json_t *h = jwt->header, *p = jwt->payload;
    if (!string_member(arena, h, "alg", &v->algorithm) || !string_member(arena, h, "typ", &v->type) ||
        !string_member(arena, p, "jti", &v->id) || !string_member(arena, p, "iss", &v->issuer) ||
        !string_member(arena, p, "sub", &v->subject))
        return -ENOMEM;
    const json_t *aud = json_object_get(p, "aud");
    if (aud) {
        if (!claim_values(arena, aud, &v->audiences)) return -ENOMEM;
    } else {
        v->audiences = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {NULL, 0, &expr_class_string}};
    }
    numeric_date(p, "exp", &v->expiration);
    numeric_date(p, "iat", &v->issued_at);
    numeric_date(p, "nbf", &v->not_before);
    size_t n = json_object_size(p);
    v->claims.items = arena_alloc(arena, (n ? n : 1) * sizeof *v->claims.items);
    if (!v->claims.items) return -ENOMEM;
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)p, key, key_len, value) {
        auth_claim_t *c = &v->claims.items[v->claims.count++];
        if (!arena_string(arena, key, key_len, &c->key) || !claim_values(arena, value, &c->values))
            return -ENOMEM;
    }
    *out = expr_object(&expr_class_jwt, v);
    return 0;
}

/* ---- Jwt members ---- */

static int self_jwt(expr_rt_t *rt, const expr_value_t *self, const auth_jwt_t **jwt)
{
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_jwt || !self->u.obj.ptr)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *jwt = self->u.obj.ptr;
    return 0;
}

/* One native for the Jwt properties: the member's name picks the field. */
NATIVE(jwt_property)
{
    (void)args, (void)argc;
    const auth_jwt_t *j = NULL;
    if (self_jwt(rt, self, &j)) return EXPR_THROWN;
    const char *name = call->member->name;
    if (strcmp(name, "Algorithm") == 0) *out = j->algorithm;
    else if (strcmp(name, "Type") == 0) *out = j->type;
    else if (strcmp(name, "Id") == 0) *out = j->id;
    else if (strcmp(name, "Issuer") == 0) *out = j->issuer;
    else if (strcmp(name, "Subject") == 0) *out = j->subject;
    else if (strcmp(name, "Audiences") == 0) *out = j->audiences;
    else if (strcmp(name, "ExpirationTime") == 0) *out = j->expiration;
    else if (strcmp(name, "IssuedAt") == 0) *out = j->issued_at;
    else if (strcmp(name, "NotBefore") == 0) *out = j->not_before;
    else *out = expr_object(&expr_class_jwt_claims, (void *)&j->claims);
    return 0;
}

#define JWT_PROP(n, cls, elem) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {cls, elem}, .fn = jwt_property}

static const expr_member_t jwt_members[] = {
    JWT_PROP("Algorithm", &expr_class_string, NULL),
    JWT_PROP("Audiences", &expr_class_array, &expr_class_string),
    JWT_PROP("Claims", &expr_class_jwt_claims, NULL),
    JWT_PROP("ExpirationTime", &expr_class_datetime, NULL),
    JWT_PROP("Id", &expr_class_string, NULL),
    JWT_PROP("Issuer", &expr_class_string, NULL),
    JWT_PROP("IssuedAt", &expr_class_datetime, NULL),
    JWT_PROP("NotBefore", &expr_class_datetime, NULL),
    JWT_PROP("Subject", &expr_class_string, NULL),
    JWT_PROP("Type", &expr_class_string, NULL),
};

const expr_class_t expr_class_jwt = {
    .name = "Jwt",
    .full_name = "Microsoft.Azure.ApiManagement.Policies.Jwt",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = jwt_members,
    .member_count = sizeof jwt_members / sizeof jwt_members[0],
};

/* ---- Claims: IReadOnlyDictionary<string, string[]> ---- */

static int self_claims(expr_rt_t *rt, const expr_value_t *self, const auth_claims_t **c)
{
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_jwt_claims || !self->u.obj.ptr)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *c = self->u.obj.ptr;
    return 0;
}

static int claim_name_arg(expr_rt_t *rt, const expr_value_t *v)
{
    if (v->tag == EXPR_V_STRING) return 0;
    if (v->tag == EXPR_V_NULL) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'key')");
    return expr_throw(rt, "InvalidCastException", "The claim name must be a string.");
}

/* Claim names are case-sensitive, as the JSON they come from. */
static const auth_claim_t *claim_find(const auth_claims_t *c, const expr_value_t *name)
{
    for (uint32_t i = 0; i < c->count; i++)
        if (c->items[i].key.u.s.len == name->u.s.len &&
            memcmp(c->items[i].key.u.s.ptr, name->u.s.ptr, name->u.s.len) == 0)
            return &c->items[i];
    return NULL;
}

NATIVE(claims_index)
{
    (void)call, (void)argc;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c) || claim_name_arg(rt, &args[0])) return EXPR_THROWN;
    const auth_claim_t *found = claim_find(c, &args[0]);
    if (!found)
        return expr_throw(rt, "System.Collections.Generic.KeyNotFoundException", "The given key '%.*s' was not present in the dictionary.",
                          (int)args[0].u.s.len, args[0].u.s.ptr);
    *out = found->values;
    return 0;
}

/* GetValueOrDefault(name[, default]): the values comma-joined (§3.5), or default. */
NATIVE(claims_get_or_default)
{
    (void)call;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c) || claim_name_arg(rt, &args[0])) return EXPR_THROWN;
    const auth_claim_t *found = claim_find(c, &args[0]);
    if (!found) {
        *out = argc > 1 ? args[1] : expr_null();
        return 0;
    }
    const expr_value_t *items = found->values.u.arr.items;
    uint32_t n = found->values.u.arr.count;
    if (n == 1) {
        *out = items[0];
        return 0;
    }
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) len += items[i].u.s.len + (i ? 1 : 0);
    char *p = expr_rt_alloc(rt, len + 1);
    if (!p) return EXPR_THROWN;
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i) p[at++] = ',';
        memcpy(p + at, items[i].u.s.ptr, items[i].u.s.len);
        at += items[i].u.s.len;
    }
    p[at] = '\0';
    *out = expr_str_ref(p, len);
    return 0;
}

NATIVE(claims_contains_key)
{
    (void)call, (void)argc;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c) || claim_name_arg(rt, &args[0])) return EXPR_THROWN;
    *out = expr_bool(claim_find(c, &args[0]) != NULL);
    return 0;
}

/* TryGetValue(name, out string[] values) */
NATIVE(claims_try_get_value)
{
    (void)call, (void)argc;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c) || claim_name_arg(rt, &args[0])) return EXPR_THROWN;
    const auth_claim_t *found = claim_find(c, &args[0]);
    args[1] = found ? found->values : expr_null();
    *out = expr_bool(found != NULL);
    return 0;
}

NATIVE(claims_keys)
{
    (void)args, (void)argc;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c)) return EXPR_THROWN;
    bool keys = call->member->name[0] == 'K';
    expr_value_t *items = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    for (uint32_t i = 0; i < c->count; i++) items[i] = keys ? c->items[i].key : c->items[i].values;
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, c->count, keys ? &expr_class_string : &expr_class_array}};
    return 0;
}

NATIVE(claims_count)
{
    (void)call, (void)args, (void)argc;
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c)) return EXPR_THROWN;
    *out = expr_int((int32_t)c->count);
    return 0;
}

/* foreach over the claims: KeyValuePair<string, string[]> items. */
static int claims_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,
                            uint32_t *count)
{
    const auth_claims_t *c = NULL;
    if (self_claims(rt, self, &c)) return EXPR_THROWN;
    expr_value_t *v = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *v);
    if (!v) return EXPR_THROWN;
    for (uint32_t i = 0; i < c->count; i++)
        v[i] = expr_object(&expr_class_jwt_claim_pair, (void *)&c->items[i]);
    *items = v;
    *count = c->count;
    return 0;
}

static const expr_type_t claims_try_params[] = {{&expr_class_string, NULL}, {&expr_class_array, &expr_class_string}};

static const expr_member_t claims_members[] = {
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_array, &expr_class_string}, .fn = claims_index},
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2,
     .ret = {&expr_class_string, NULL}, .fn = claims_get_or_default},
    {.name = "ContainsKey", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_bool, NULL}, .fn = claims_contains_key},
    {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2,
     .ret = {&expr_class_bool, NULL}, .out_mask = 1u << 1, .params = claims_try_params,
     .fn = claims_try_get_value},
    {.name = "Keys", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, &expr_class_string}, .fn = claims_keys},
    {.name = "Values", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, &expr_class_array}, .fn = claims_keys},
    {.name = "Count", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_int, NULL}, .fn = claims_count},
};

const expr_class_t expr_class_jwt_claims = {
    .name = "IReadOnlyDictionary<string, string[]>",
    .full_name = "System.Collections.Generic.IReadOnlyDictionary`2[System.String,System.String[]]",
    .tag = EXPR_V_OBJECT,
    .base = &expr_class_object,
    .members = claims_members,
    .member_count = sizeof claims_members / sizeof claims_members[0],
    .elem = &expr_class_jwt_claim_pair,
    .enumerate = claims_enumerate,
};

NATIVE(pair_member)
{
    (void)rt, (void)args, (void)argc;
    const auth_claim_t *c = self->u.obj.ptr;
    *out = call->member->name[0] == 'K' ? c->key : c->values;
    return 0;
}

static const expr_member_t pair_members[] = {
    {.name = "Key", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_string, NULL}, .fn = pair_member},
    {.name = "Value", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, &expr_class_string}, .fn = pair_member},
};

const expr_class_t expr_class_jwt_claim_pair = {
    .name = "KeyValuePair<string, string[]>",
    .full_name = "System.Collections.Generic.KeyValuePair`2[System.String,System.String[]]",
    .tag = EXPR_V_OBJECT,
    .base = &expr_class_object,
    .members = pair_members,
    .member_count = 2,
};

/* ---- BasicAuthCredentials ---- */

NATIVE(basic_member)
{
    (void)args, (void)argc;
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_basic_credentials || !self->u.obj.ptr)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    const auth_basic_t *b = self->u.obj.ptr;
    *out = call->member->name[0] == 'U' ? b->user_id : b->password;
    return 0;
}

static const expr_member_t basic_members[] = {
    {.name = "UserId", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_string, NULL}, .fn = basic_member},
    {.name = "Password", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_string, NULL}, .fn = basic_member},
};

const expr_class_t expr_class_basic_credentials = {
    .name = "BasicAuthCredentials",
    .full_name = "Microsoft.Azure.ApiManagement.Policies.BasicAuthCredentials",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = basic_members,
    .member_count = 2,
};

/* ---- the string extensions ---- */

static int oom(expr_rt_t *rt)
{
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

/* The Jwt of the receiver string, or null when it is not a JWT. */
static int parse_jwt(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    *out = expr_null();
    if (!self || self->tag != EXPR_V_STRING) return 0;
    expr_jwt_t jwt;
    int rc = expr_jwt_decode(rt->arena, self->u.s.ptr, self->u.s.len, &jwt);
    if (rc == -EINVAL) return 0;
    if (rc) return oom(rt);
    rc = expr_jwt_to_value(rt->arena, &jwt, out);
    expr_jwt_release(&jwt);
    return rc ? oom(rt) : 0;
}

/* "Basic base64(user:password)" (RFC 7617 §2) → credentials, or null when the scheme is
 * not Basic, the base64 is invalid or there is no ':'. */
static int parse_basic(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    *out = expr_null();
    if (!self || self->tag != EXPR_V_STRING) return 0;
    const char *s = self->u.s.ptr;
    size_t len = self->u.s.len;
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len < 6 || strncasecmp(s, "Basic", 5) != 0 || (s[5] != ' ' && s[5] != '\t')) return 0;
    s += 6;
    len -= 6;
    while (len && isspace((unsigned char)*s)) s++, len--;
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = len ? base64_decode(rt->arena, s, len, true, &bytes, &n) : -EINVAL;
    if (rc == -EINVAL) return 0;
    if (rc) return oom(rt);
    const uint8_t *colon = memchr(bytes, ':', n);
    if (!colon) return 0;
    auth_basic_t *b = expr_rt_alloc(rt, sizeof *b);
    if (!b) return EXPR_THROWN;
    size_t user_len = (size_t)(colon - bytes);
    b->user_id = expr_str_ref((const char *)bytes, user_len);
    b->password = expr_str_ref((const char *)colon + 1, n - user_len - 1);
    *out = expr_object(&expr_class_basic_credentials, b);
    return 0;
}

NATIVE(ext_as_jwt)
{
    UNUSED_ARGS;
    return parse_jwt(rt, self, out);
}

NATIVE(ext_try_parse_jwt)
{
    (void)call, (void)argc;
    if (parse_jwt(rt, self, &args[0])) return EXPR_THROWN;
    *out = expr_bool(args[0].tag != EXPR_V_NULL);
    return 0;
}

NATIVE(ext_as_basic)
{
    UNUSED_ARGS;
    return parse_basic(rt, self, out);
}

NATIVE(ext_try_parse_basic)
{
    (void)call, (void)argc;
    if (parse_basic(rt, self, &args[0])) return EXPR_THROWN;
    *out = expr_bool(args[0].tag != EXPR_V_NULL);
    return 0;
}

static const expr_type_t try_jwt_params[] = {{&expr_class_jwt, NULL}};
static const expr_type_t try_basic_params[] = {{&expr_class_basic_credentials, NULL}};

static const expr_member_t string_ext_members[] = {
    {.name = "AsJwt", .kind = EXPR_M_METHOD, .ret = {&expr_class_jwt, NULL}, .fn = ext_as_jwt},
    {.name = "TryParseJwt", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_bool, NULL}, .out_mask = 1u, .params = try_jwt_params, .fn = ext_try_parse_jwt},
    {.name = "AsBasic", .kind = EXPR_M_METHOD, .ret = {&expr_class_basic_credentials, NULL}, .fn = ext_as_basic},
    {.name = "TryParseBasic", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_bool, NULL}, .out_mask = 1u, .params = try_basic_params, .fn = ext_try_parse_basic},
};

/* An extension class: found through `extends`, never written in code. */
const expr_class_t expr_class_auth_string_extensions = {
    .name = "AuthStringExtensions",
    .full_name = "Microsoft.Azure.ApiManagement.Policies.Extensions",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .members = string_ext_members,
    .member_count = sizeof string_ext_members / sizeof string_ext_members[0],
    .extends = &expr_class_string,
};

const expr_class_t *const expr_lib_auth_classes[] = {
    &expr_class_jwt, &expr_class_jwt_claims, &expr_class_jwt_claim_pair,
    &expr_class_basic_credentials, &expr_class_auth_string_extensions, NULL,
};
