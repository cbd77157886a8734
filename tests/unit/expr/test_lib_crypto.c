/* Hashing natives (lib_crypto.c) against published vectors: FIPS 180 "abc", RFC 1321,
 * RFC 2202 (HMAC-MD5/SHA1) and RFC 4231 (HMAC-SHA2). */
#include "lib_call.h"

#include <stdio.h>

TestSuite(crypto, .init = lib_setup, .fini = lib_teardown);

static const expr_class_t *cls(const char *name)
{
    return lib_class(expr_lib_crypto_classes, name);
}

static const char *hex(expr_value_t v)
{
    static char buf[2 * 64 + 1];
    cr_assert_eq(v.tag, EXPR_V_BYTES, "tag %d is not byte[]", v.tag);
    cr_assert_leq(v.u.s.len, 64);
    for (uint32_t k = 0; k < v.u.s.len; k++) snprintf(buf + 2 * k, 3, "%02x", (uint8_t)v.u.s.ptr[k]);
    buf[2 * v.u.s.len] = '\0';
    return buf;
}

static expr_value_t create(const char *name)
{
    expr_value_t out;
    cr_assert_eq(lib_call(cls(name), "Create", EXPR_M_STATIC_METHOD, NULL, NULL, 0, &out), 0);
    return out;
}

static expr_value_t compute(expr_value_t alg, expr_value_t data)
{
    expr_value_t out;
    cr_assert_eq(lib_call(alg.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &alg, &data, 1, &out), 0,
                 "%s", rt.exception_message);
    return out;
}

static expr_value_t text(const char *s)
{
    return BYTES(s, strlen(s));
}

Test(crypto, digests_of_abc)
{
    cr_assert_str_eq(hex(compute(create("MD5"), text("abc"))), "900150983cd24fb0d6963f7d28e17f72");
    cr_assert_str_eq(hex(compute(create("SHA1"), text("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
    cr_assert_str_eq(hex(compute(create("SHA256"), text("abc"))),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_str_eq(hex(compute(create("SHA384"), text("abc"))),
                     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                     "8086072ba1e7cc2358baeca134c825a7");
    cr_assert_str_eq(hex(compute(create("SHA512"), text("abc"))),
                     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    cr_assert_str_eq(hex(compute(create("SHA256"), BYTES("", 0))),
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* new SHA256Managed() and the static HashData (.NET 5+) agree */
    expr_value_t managed;
    cr_assert_eq(lib_call(cls("SHA256Managed"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, 0, &managed), 0);
    cr_assert_str_eq(hex(compute(managed, text("abc"))),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expr_value_t out, abc = text("abc");
    cr_assert_eq(lib_call(cls("SHA1"), "HashData", EXPR_M_STATIC_METHOD, NULL, &abc, 1, &out), 0);
    cr_assert_str_eq(hex(out), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

Test(crypto, hash_members)
{
    expr_value_t sha = create("SHA384"), out;
    cr_assert_eq(lib_call(sha.u.obj.cls, "HashSize", EXPR_M_PROPERTY, &sha, NULL, 0, &out), 0);
    cr_assert_eq(out.u.i, 384);
    assert_thrown(lib_call(sha.u.obj.cls, "Hash", EXPR_M_PROPERTY, &sha, NULL, 0, &out),
                  "System.Security.Cryptography.CryptographicException", NULL);
    expr_value_t h = compute(sha, text("abc"));
    cr_assert_eq(lib_call(sha.u.obj.cls, "Hash", EXPR_M_PROPERTY, &sha, NULL, 0, &out), 0);
    cr_assert_eq(out.u.s.ptr, h.u.s.ptr);
    /* ComputeHash(buffer, offset, count) */
    expr_value_t sha1 = create("SHA1");
    expr_value_t a[3] = {text("xxabcxx"), expr_int(2), expr_int(3)};
    cr_assert_eq(lib_call(sha1.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &sha1, a, 3, &out), 0);
    cr_assert_str_eq(hex(out), "a9993e364706816aba3e25717850c26c9cd0d89d");
    a[2] = expr_int(6);
    assert_thrown(lib_call(sha1.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &sha1, a, 3, &out),
                  "System.ArgumentException", "out of bounds");
    a[1] = expr_int(-1);
    assert_thrown(lib_call(sha1.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &sha1, a, 3, &out),
                  "System.ArgumentOutOfRangeException", "offset");
    expr_value_t bad = expr_null();
    assert_thrown(lib_call(sha1.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &sha1, &bad, 1, &out),
                  "System.ArgumentNullException", "(Parameter 'buffer')");
    bad = S("abc");
    assert_thrown(lib_call(sha1.u.obj.cls, "ComputeHash", EXPR_M_METHOD, &sha1, &bad, 1, &out),
                  "System.ArgumentException", "byte[]");
    cr_assert_eq(lib_call(sha1.u.obj.cls, "Dispose", EXPR_M_METHOD, &sha1, NULL, 0, &out), 0);
}

static expr_value_t hmac(const char *cname, expr_value_t key)
{
    expr_value_t out;
    cr_assert_eq(lib_call(cls(cname), ".ctor", EXPR_M_CONSTRUCTOR, NULL, &key, 1, &out), 0, "%s",
                 rt.exception_message);
    return out;
}

Test(crypto, hmac_rfc4231_and_rfc2202)
{
    uint8_t k20[20], k16[16], k131[131];
    memset(k20, 0x0b, sizeof k20);
    memset(k16, 0x0b, sizeof k16);
    memset(k131, 0xaa, sizeof k131);
    expr_value_t hi = text("Hi There");
    /* RFC 4231 test case 1 */
    cr_assert_str_eq(hex(compute(hmac("HMACSHA256", BYTES(k20, 20)), hi)),
                     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA384", BYTES(k20, 20)), hi)),
                     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
                     "faea9ea9076ede7f4af152e8b2fa9cb6");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA512", BYTES(k20, 20)), hi)),
                     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                     "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    /* RFC 4231 test case 2 */
    expr_value_t jefe = text("Jefe"), want = text("what do ya want for nothing?");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA256", jefe), want)),
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA512", jefe), want)),
                     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    /* RFC 4231 test case 6: a key longer than the block */
    cr_assert_str_eq(hex(compute(hmac("HMACSHA256", BYTES(k131, 131)),
                                 text("Test Using Larger Than Block-Size Key - Hash Key First"))),
                     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* RFC 2202 */
    cr_assert_str_eq(hex(compute(hmac("HMACMD5", BYTES(k16, 16)), hi)), "9294727a3638bb1c13f48ef8158bfc9d");
    cr_assert_str_eq(hex(compute(hmac("HMACMD5", jefe), want)), "750c783e6ab0b503eaa86e310a5db738");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA1", BYTES(k20, 20)), hi)),
                     "b617318655057264e28bc0b6fb378c8ef146be00");
    cr_assert_str_eq(hex(compute(hmac("HMACSHA1", jefe), want)), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    /* static HashData(key, source) */
    expr_value_t out, a[2] = {jefe, want};
    cr_assert_eq(lib_call(cls("HMACSHA256"), "HashData", EXPR_M_STATIC_METHOD, NULL, a, 2, &out), 0);
    cr_assert_str_eq(hex(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(crypto, hmac_key_and_errors)
{
    uint8_t key[4] = {1, 2, 3, 4};
    expr_value_t h = hmac("HMACSHA256", BYTES(key, 4)), out;
    cr_assert_eq(lib_call(h.u.obj.cls, "Key", EXPR_M_PROPERTY, &h, NULL, 0, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_BYTES);
    cr_assert_eq(out.u.s.len, 4);
    cr_assert_neq(out.u.s.ptr, (const char *)key, "the key is copied");
    key[0] = 9;
    cr_assert_eq(out.u.s.ptr[0], 1);
    cr_assert_eq(lib_call(h.u.obj.cls, "HashSize", EXPR_M_PROPERTY, &h, NULL, 0, &out), 0);
    cr_assert_eq(out.u.i, 256);
    /* no key: a random one of the block size */
    expr_value_t r;
    cr_assert_eq(lib_call(cls("HMACSHA512"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, 0, &r), 0);
    cr_assert_eq(lib_call(r.u.obj.cls, "Key", EXPR_M_PROPERTY, &r, NULL, 0, &out), 0);
    cr_assert_eq(out.u.s.len, 128);
    /* an empty key is allowed */
    cr_assert_eq(hex(compute(hmac("HMACSHA256", BYTES("", 0)), text("")))[0] != '\0', 1);
    expr_value_t bad = expr_null();
    assert_thrown(lib_call(cls("HMACSHA256"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, &bad, 1, &out),
                  "System.ArgumentNullException", "(Parameter 'key')");
    bad = S("secret");
    assert_thrown(lib_call(cls("HMACSHA1"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, &bad, 1, &out),
                  "System.ArgumentException", NULL);
}

Test(crypto, random)
{
    uint8_t buf[32] = {0};
    expr_value_t rng = create("RandomNumberGenerator"), out, arr = BYTES(buf, sizeof buf);
    cr_assert_eq(lib_call(rng.u.obj.cls, "GetBytes", EXPR_M_METHOD, &rng, &arr, 1, &out), 0);
    int zeros = 0;
    for (size_t k = 0; k < sizeof buf; k++) zeros += buf[k] == 0;
    cr_assert_lt(zeros, 8, "32 random bytes, %d zero", zeros);
    expr_value_t n = expr_int(16);
    cr_assert_eq(lib_call(cls("RandomNumberGenerator"), "GetBytes", EXPR_M_STATIC_METHOD, NULL, &n, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_BYTES);
    cr_assert_eq(out.u.s.len, 16);
    expr_value_t range[2] = {expr_int(10), expr_int(13)};
    for (int k = 0; k < 20; k++) {
        cr_assert_eq(lib_call(cls("RandomNumberGenerator"), "GetInt32", EXPR_M_STATIC_METHOD, NULL, range, 2, &out), 0);
        cr_assert(out.u.i >= 10 && out.u.i < 13);
    }
    range[1] = expr_int(10);
    assert_thrown(lib_call(cls("RandomNumberGenerator"), "GetInt32", EXPR_M_STATIC_METHOD, NULL, range, 2, &out),
                  "System.ArgumentException", NULL);
    expr_value_t csp;
    cr_assert_eq(lib_call(cls("RNGCryptoServiceProvider"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, 0, &csp), 0);
    cr_assert_eq(lib_call(csp.u.obj.cls, "GetBytes", EXPR_M_METHOD, &csp, &arr, 1, &out), 0);
}

/* ---- through expr_compile/expr_run ---- */

TestSuite(crypto_expr, .init = lib_setup, .fini = lib_teardown);

Test(crypto_expr, expressions)
{
    EXPECT("@(BitConverter.ToString(SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes(\"abc\"))).Replace(\"-\", \"\").ToLower())",
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT("@(Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(\"Jefe\")).ComputeHash(Encoding.UTF8.GetBytes(\"what do ya want for nothing?\"))))",
           "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    EXPECT("@{ var md5 = MD5.Create(); var h = md5.ComputeHash(Encoding.UTF8.GetBytes(\"abc\")); md5.Dispose(); return Convert.ToBase64String(h); }",
           "kAFQmDzST7DWlj99KOF/cg==");
    EXPECT("@(SHA1.HashData(Encoding.UTF8.GetBytes(\"abc\")).Length)", "20");
    EXPECT("@(new HMACSHA512().Key.Length)", "128");
    EXPECT("@(SHA256.Create().ComputeHash(null))", "!System.ArgumentNullException: Value cannot be null. (Parameter 'buffer')");
}
