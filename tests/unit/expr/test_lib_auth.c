/* lib_auth: the JWT and Basic decoders (C API), the Jwt/Claims/BasicAuthCredentials members
 * called directly, and the string extensions through expr_compile/expr_run. Tokens are
 * built here with base64url. */
#include "expr/compile.h"
#include "expr/lib_auth.h"
#include "expr_outcome.h"
#include "lib_rt.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char result[1024];

TestSuite(lib_auth, .init = lib_setup, .fini = lib_teardown);

/* base64 of s into the arena: url = base64url without padding. */
static const char *b64(const char *s, size_t len, bool url)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char web[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *a = url ? web : std;
    char *o = arena_alloc(&lib_arena, len / 3 * 4 + 8), *p = o;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)u[i] << 16 | (i + 1 < len ? (uint32_t)u[i + 1] << 8 : 0) | (i + 2 < len ? u[i + 2] : 0);
        *p++ = a[v >> 18 & 63];
        *p++ = a[v >> 12 & 63];
        if (i + 1 < len) *p++ = a[v >> 6 & 63];
        else if (!url) *p++ = '=';
        if (i + 2 < len) *p++ = a[v & 63];
        else if (!url) *p++ = '=';
    }
    *p = '\0';
    return o;
}

static const char *jwt_of(const char *header, const char *payload, const char *sig)
{
    char *t = arena_alloc(&lib_arena, 4096);
    snprintf(t, 4096, "%s.%s.%s", b64(header, strlen(header), true), b64(payload, strlen(payload), true),
             b64(sig, strlen(sig), true));
    return t;
}

static const char *HEADER = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
static const char *PAYLOAD = "{\"sub\":\"alice\",\"iss\":\"https://issuer.example\",\"aud\":[\"a1\",\"a2\"],"
                             "\"exp\":1700000000,\"iat\":1699990000,\"nbf\":1699990001,\"jti\":\"id-1\","
                             "\"roles\":[\"r1\",\"r2\"],\"n\":5,\"f\":1.5,\"b\":true,\"o\":{\"x\":1},\"z\":null}";

static const expr_class_t *auth_class(const char *name)
{
    for (size_t i = 0; expr_lib_auth_classes[i]; i++)
        if (strcmp(expr_lib_auth_classes[i]->name, name) == 0) return expr_lib_auth_classes[i];
    cr_assert_fail("no class %s", name);
    return NULL;
}

static expr_value_t member(const expr_class_t *cls, const char *name, expr_member_kind_t kind,
                           const expr_value_t *self, expr_value_t *args, unsigned argc)
{
    for (size_t i = 0; i < cls->member_count; i++) {
        const expr_member_t *m = &cls->members[i];
        if (m->kind != kind || strcmp(m->name, name) != 0) continue;
        expr_call_t call = {.member = m};
        expr_value_t out;
        int rc = m->fn(&rt, &call, self, args, argc, &out);
        cr_assert_eq(rc, 0, "%s threw %s: %s", name, rt.exception_type, rt.exception_message);
        return out;
    }
    cr_assert_fail("no member %s", name);
    return expr_null();
}

static expr_value_t prop(const expr_value_t *self, const char *name)
{
    return member(self->u.obj.cls, name, EXPR_M_PROPERTY, self, NULL, 0);
}

static expr_value_t ext(const char *name, const char *receiver, expr_value_t *args, unsigned argc)
{
    expr_value_t self = expr_str_ref(receiver, strlen(receiver));
    return member(auth_class("AuthStringExtensions"), name, EXPR_M_METHOD, &self, args, argc);
}

static const char *cstr(expr_value_t v)
{
    cr_assert_eq(v.tag, EXPR_V_STRING, "not a string (tag %d)", v.tag);
    return arena_strndup(&lib_arena, v.u.s.ptr, v.u.s.len);
}

static expr_value_t S(const char *s)
{
    return expr_str_ref(s, strlen(s));
}

/* ---- decoders ---- */

Test(lib_auth, base64url_decode)
{
    uint8_t *out;
    size_t n;
    cr_assert_eq(expr_base64url_decode(&lib_arena, "AQID", 4, &out, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(out, "\x01\x02\x03", 3), 0);
    cr_assert_eq(expr_base64url_decode(&lib_arena, "-_8", 3, &out, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(out, "\xfb\xff", 2), 0);
    cr_assert_eq(expr_base64url_decode(&lib_arena, "+/8=", 4, &out, &n), 0, "padding and +/ tolerated");
    cr_assert_eq(n, 2);
    cr_assert_eq(expr_base64url_decode(&lib_arena, "QQ", 2, &out, &n), 0);
    cr_assert_str_eq((char *)out, "A");
    cr_assert_eq(expr_base64url_decode(&lib_arena, "A", 1, &out, &n), -EINVAL);
    cr_assert_eq(expr_base64url_decode(&lib_arena, "A*BC", 4, &out, &n), -EINVAL);
    cr_assert_eq(expr_base64url_decode(&lib_arena, "QQ=A", 4, &out, &n), -EINVAL);
}

Test(lib_auth, jwt_decode_parts)
{
    const char *tok = jwt_of(HEADER, PAYLOAD, "\x01\x02sig");
    expr_jwt_t jwt;
    cr_assert_eq(expr_jwt_decode(&lib_arena, tok, strlen(tok), &jwt), 0);
    cr_assert_str_eq(json_string_value(json_object_get(jwt.header, "kid")), "k1");
    cr_assert_eq(json_integer_value(json_object_get(jwt.payload, "exp")), 1700000000);
    cr_assert_eq(jwt.signature_len, 5);
    cr_assert_eq(memcmp(jwt.signature, "\x01\x02sig", 5), 0);
    cr_assert_eq(jwt.signing_input, tok);
    cr_assert_eq(jwt.signing_input_len, (size_t)(strrchr(tok, '.') - tok));
    expr_jwt_release(&jwt);

    char bearer[4200];
    snprintf(bearer, sizeof bearer, "  Bearer  %s ", tok);
    cr_assert_eq(expr_jwt_decode(&lib_arena, bearer, strlen(bearer), &jwt), 0);
    expr_jwt_release(&jwt);
    const char *unsigned_tok = jwt_of("{\"alg\":\"none\"}", "{}", "");
    cr_assert_eq(expr_jwt_decode(&lib_arena, unsigned_tok, strlen(unsigned_tok), &jwt), 0);
    cr_assert_eq(jwt.signature_len, 0);
    expr_jwt_release(&jwt);
}

Test(lib_auth, jwt_decode_refuses_non_jwts)
{
    expr_jwt_t jwt;
    const char *bad[] = {
        "", "abc", "a.b", "a.b.c.d",
        jwt_of("not json", "{}", "s"),
        jwt_of("{}", "[1,2]", "s"),
        jwt_of("{}", "{\"a\":", "s"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(expr_jwt_decode(&lib_arena, bad[i], strlen(bad[i]), &jwt), -EINVAL, "%s", bad[i]);
    char t[4200];
    snprintf(t, sizeof t, "%s.%s.*", b64(HEADER, strlen(HEADER), true), b64("{}", 2, true));
    cr_assert_eq(expr_jwt_decode(&lib_arena, t, strlen(t), &jwt), -EINVAL, "bad signature base64");
    snprintf(t, sizeof t, ".%s.", b64("{}", 2, true));
    cr_assert_eq(expr_jwt_decode(&lib_arena, t, strlen(t), &jwt), -EINVAL, "empty header");
}

/* ---- Jwt members ---- */

Test(lib_auth, as_jwt_members)
{
    expr_value_t jwt = ext("AsJwt", jwt_of(HEADER, PAYLOAD, "sig"), NULL, 0);
    cr_assert_eq(jwt.u.obj.cls, &expr_class_jwt);
    cr_assert_str_eq(cstr(prop(&jwt, "Algorithm")), "RS256");
    cr_assert_str_eq(cstr(prop(&jwt, "Type")), "JWT");
    cr_assert_str_eq(cstr(prop(&jwt, "Subject")), "alice");
    cr_assert_str_eq(cstr(prop(&jwt, "Issuer")), "https://issuer.example");
    cr_assert_str_eq(cstr(prop(&jwt, "Id")), "id-1");
    expr_value_t aud = prop(&jwt, "Audiences");
    cr_assert_eq(aud.tag, EXPR_V_ARRAY);
    cr_assert_eq(aud.u.arr.count, 2);
    cr_assert_str_eq(cstr(aud.u.arr.items[1]), "a2");
    expr_value_t exp = prop(&jwt, "ExpirationTime");
    cr_assert_eq(exp.tag, EXPR_V_DATETIME);
    cr_assert_eq(exp.aux, 1);
    cr_assert_eq(exp.u.i, 621355968000000000LL + 1700000000LL * 10000000LL);
    cr_assert_eq(prop(&jwt, "IssuedAt").u.i, 621355968000000000LL + 1699990000LL * 10000000LL);
    cr_assert_eq(prop(&jwt, "NotBefore").u.i, 621355968000000000LL + 1699990001LL * 10000000LL);

    expr_value_t minimal = ext("AsJwt", jwt_of("{\"alg\":\"HS256\"}", "{\"aud\":\"one\"}", "s"), NULL, 0);
    cr_assert_eq(prop(&minimal, "ExpirationTime").tag, EXPR_V_NULL);
    cr_assert_eq(prop(&minimal, "Subject").tag, EXPR_V_NULL);
    cr_assert_eq(prop(&minimal, "Type").tag, EXPR_V_NULL);
    cr_assert_eq(prop(&minimal, "Audiences").u.arr.count, 1);
    expr_value_t none = ext("AsJwt", jwt_of("{}", "{}", "s"), NULL, 0);
    cr_assert_eq(prop(&none, "Audiences").u.arr.count, 0);
}

Test(lib_auth, claims_dictionary)
{
    expr_value_t jwt = ext("AsJwt", jwt_of(HEADER, PAYLOAD, "sig"), NULL, 0);
    expr_value_t claims = prop(&jwt, "Claims");
    const expr_class_t *cc = claims.u.obj.cls;
    expr_value_t args[2] = {S("roles"), S("")};
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 2)), "r1,r2");
    args[0] = S("sub");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 2)), "alice");
    args[0] = S("missing");
    args[1] = S("dflt");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 2)), "dflt");
    cr_assert_eq(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 1).tag, EXPR_V_NULL);
    args[0] = S("n");
    expr_value_t n = member(cc, "[]", EXPR_M_INDEXER, &claims, args, 1);
    cr_assert_eq(n.u.arr.count, 1);
    cr_assert_str_eq(cstr(n.u.arr.items[0]), "5");
    args[0] = S("f");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 1)), "1.5");
    args[0] = S("b");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 1)), "true");
    args[0] = S("o");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 1)), "{\"x\":1}");
    args[0] = S("z");
    cr_assert_str_eq(cstr(member(cc, "GetValueOrDefault", EXPR_M_METHOD, &claims, args, 1)), "");
    args[0] = S("exp");
    cr_assert(member(cc, "ContainsKey", EXPR_M_METHOD, &claims, args, 1).u.b);
    args[0] = S("Exp");
    cr_assert(!member(cc, "ContainsKey", EXPR_M_METHOD, &claims, args, 1).u.b, "names are case-sensitive");
    args[0] = S("aud");
    args[1] = expr_null();
    cr_assert(member(cc, "TryGetValue", EXPR_M_METHOD, &claims, args, 2).u.b);
    cr_assert_eq(args[1].u.arr.count, 2);
    args[0] = S("nope");
    cr_assert(!member(cc, "TryGetValue", EXPR_M_METHOD, &claims, args, 2).u.b);
    cr_assert_eq(args[1].tag, EXPR_V_NULL);
    expr_value_t keys = prop(&claims, "Keys");
    cr_assert_eq(keys.u.arr.count, 13);
    cr_assert_str_eq(cstr(keys.u.arr.items[0]), "sub");
    cr_assert_eq(prop(&claims, "Count").u.i, 13);
    expr_value_t *items;
    uint32_t count;
    cr_assert_eq(cc->enumerate(&rt, &claims, &items, &count), 0);
    cr_assert_eq(count, 13);
    cr_assert_str_eq(cstr(prop(&items[1], "Key")), "iss");

    expr_value_t out;
    args[0] = S("missing");
    const expr_member_t *idx = NULL;
    for (size_t i = 0; i < cc->member_count; i++)
        if (cc->members[i].kind == EXPR_M_INDEXER) idx = &cc->members[i];
    expr_call_t call = {.member = idx};
    cr_assert_eq(idx->fn(&rt, &call, &claims, args, 1, &out), EXPR_THROWN);
    cr_assert_str_eq(rt.exception_type, "System.Collections.Generic.KeyNotFoundException");
    cr_assert_str_eq(rt.exception_message, "The given key 'missing' was not present in the dictionary.");
}

Test(lib_auth, not_a_jwt_is_null)
{
    cr_assert_eq(ext("AsJwt", "abc", NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsJwt", "Bearer", NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsJwt", jwt_of("{}", "\"str\"", "s"), NULL, 0).tag, EXPR_V_NULL);
    expr_value_t out = S("untouched");
    cr_assert(!ext("TryParseJwt", "x.y.z", &out, 1).u.b);
    cr_assert_eq(out.tag, EXPR_V_NULL);
    cr_assert(ext("TryParseJwt", jwt_of(HEADER, PAYLOAD, "s"), &out, 1).u.b);
    cr_assert_eq(out.u.obj.cls, &expr_class_jwt);
}

Test(lib_auth, jwt_value_for_validate_jwt)
{
    const char *tok = jwt_of(HEADER, PAYLOAD, "sig");
    expr_jwt_t jwt;
    cr_assert_eq(expr_jwt_decode(&lib_arena, tok, strlen(tok), &jwt), 0);
    expr_value_t v;
    cr_assert_eq(expr_jwt_to_value(&lib_arena, &jwt, &v), 0);
    expr_jwt_release(&jwt); /* the value keeps no reference */
    cr_assert_str_eq(cstr(prop(&v, "Subject")), "alice");
}

/* ---- Basic ---- */

static const char *basic(const char *scheme, const char *creds)
{
    char *t = arena_alloc(&lib_arena, 512);
    snprintf(t, 512, "%s %s", scheme, b64(creds, strlen(creds), false));
    return t;
}

Test(lib_auth, as_basic)
{
    expr_value_t c = ext("AsBasic", basic("Basic", "user:pa:ss"), NULL, 0);
    cr_assert_eq(c.u.obj.cls, &expr_class_basic_credentials);
    cr_assert_str_eq(cstr(prop(&c, "UserId")), "user");
    cr_assert_str_eq(cstr(prop(&c, "Password")), "pa:ss");
    c = ext("AsBasic", basic("basic", ":"), NULL, 0);
    cr_assert_str_eq(cstr(prop(&c, "UserId")), "");
    cr_assert_str_eq(cstr(prop(&c, "Password")), "");
    cr_assert_eq(ext("AsBasic", basic("Basic", "no-colon"), NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsBasic", basic("Bearer", "user:pass"), NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsBasic", "Basic !!!!", NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsBasic", "Basic dXNlcjpwYXNz=", NULL, 0).tag, EXPR_V_NULL, "bad padding");
    cr_assert_eq(ext("AsBasic", "Basic dXNlcjpwYXM", NULL, 0).tag, EXPR_V_NULL, "missing padding");
    cr_assert_eq(ext("AsBasic", "Basic ", NULL, 0).tag, EXPR_V_NULL);
    cr_assert_eq(ext("AsBasic", "", NULL, 0).tag, EXPR_V_NULL);
    expr_value_t out;
    cr_assert(ext("TryParseBasic", basic("Basic", "a:b"), &out, 1).u.b);
    cr_assert_str_eq(cstr(prop(&out, "Password")), "b");
    cr_assert(!ext("TryParseBasic", "Basic x", &out, 1).u.b);
    cr_assert_eq(out.tag, EXPR_V_NULL);
}

Test(lib_auth, wrong_receivers)
{
    expr_value_t not_string = expr_int(3), out;
    const expr_class_t *e = auth_class("AuthStringExtensions");
    expr_call_t call = {.member = &e->members[0]};
    cr_assert_eq(e->members[0].fn(&rt, &call, &not_string, NULL, 0, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_NULL);
    expr_value_t s = S("x");
    call.member = &expr_class_jwt.members[0];
    cr_assert_eq(expr_class_jwt.members[0].fn(&rt, &call, &s, NULL, 0, &out), EXPR_THROWN);
    cr_assert_str_eq(rt.exception_type, "System.NullReferenceException");
}

/* ---- through the interpreter ---- */

static const char *run(const char *fmt, const char *arg)
{
    char text[8192];
    snprintf(text, sizeof text, fmt, arg);
    arena_t cfg;
    arena_init(&cfg, 4096);
    expr_compile_options_t o = {0};
    expr_outcome(&cfg, &o, &rt, text, result, sizeof result);
    arena_free(&cfg);
    return result;
}

Test(lib_auth, expressions)
{
    const char *tok = jwt_of(HEADER, PAYLOAD, "sig");
    cr_expect_str_eq(run("@(\"%s\".AsJwt()?.Subject)", tok), "alice");
    cr_expect_str_eq(run("@(\"Bearer %s\".AsJwt().Claims.GetValueOrDefault(\"roles\", \"\"))", tok), "r1,r2");
    cr_expect_str_eq(run("@(\"%s\".AsJwt().Claims[\"aud\"][1])", tok), "a2");
    cr_expect_str_eq(run("@(\"%s\".AsJwt().Claims.ContainsKey(\"jti\"))", tok), "True");
    cr_expect_str_eq(run("@(\"%s\".AsJwt().Audiences.Count())", tok), "2");
    cr_expect_str_eq(run("@(\"%s\".AsJwt().ExpirationTime.ToString())", tok), "11/14/2023 10:13:20 PM");
    cr_expect_str_eq(run("@{ Jwt jwt; if (\"%s\".TryParseJwt(out jwt)) { return jwt.Issuer; } return \"none\"; }", tok),
                     "https://issuer.example");
    cr_expect_str_eq(run("@(\"%s\".AsJwt()?.Subject ?? \"anonymous\")", "not-a-jwt"), "anonymous");
    cr_expect_str_eq(run("@(\"%s\".AsBasic().UserId)", basic("Basic", "bob:secret")), "bob");
    cr_expect_str_eq(run("@(\"%s\".AsBasic() == null)", "Basic ???"), "True");
    cr_expect_str_eq(run("@{ BasicAuthCredentials c; return \"%s\".TryParseBasic(out c) ? c.Password : \"-\"; }",
                         basic("Basic", "bob:secret")), "secret");
}
