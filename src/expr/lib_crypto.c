/* lib_crypto: System.Security.Cryptography's hashing for policy expressions (spec §3.2
 * "Crypto"): MD5, SHA1, SHA256, SHA384, SHA512 (and their *Managed twins), HMACMD5,
 * HMACSHA1/256/384/512, RandomNumberGenerator, RNGCryptoServiceProvider, over OpenSSL 3
 * (EVP_Digest, EVP_Q_mac, RAND_bytes). Results are byte[] in the runtime's arena.
 * One-shot OpenSSL calls: no context outlives a native. */
#include "expr/lib_text.h"
#include "expr/value.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

typedef struct {
    const char *name;     /* OpenSSL digest name */
    unsigned size;        /* bytes */
    unsigned block;       /* HMAC block size: the length of a generated key */
} hash_kind_t;

static const hash_kind_t kind_md5 = {"MD5", 16, 64};
static const hash_kind_t kind_sha1 = {"SHA1", 20, 64};
static const hash_kind_t kind_sha256 = {"SHA256", 32, 64};
static const hash_kind_t kind_sha384 = {"SHA384", 48, 128};
static const hash_kind_t kind_sha512 = {"SHA512", 64, 128};

/* An instance: a hash algorithm, or an HMAC with its key. `hash` is the last result (the
 * .NET Hash property). */
typedef struct {
    const hash_kind_t *kind;
    bool is_hmac;
    expr_value_t key;  /* byte[] */
    expr_value_t hash; /* byte[] or null */
} hash_obj_t;

static const EVP_MD *digest_of(const hash_kind_t *k)
{
    if (k == &kind_md5) return EVP_md5();
    if (k == &kind_sha1) return EVP_sha1();
    if (k == &kind_sha256) return EVP_sha256();
    if (k == &kind_sha384) return EVP_sha384();
    return EVP_sha512();
}

static expr_value_t bytes_value(const uint8_t *p, size_t n)
{
    return (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(const char *)p, (uint32_t)n}};
}

static int crypto_error(expr_rt_t *rt)
{
    return expr_throw(rt, "System.Security.Cryptography.CryptographicException",
                      "The cryptographic operation failed.");
}

/* A byte[] argument; null → ArgumentNullException naming the parameter. */
static int arg_bytes(expr_rt_t *rt, const expr_value_t *v, const char *param, const uint8_t **p, size_t *n)
{
    if (v->tag == EXPR_V_BYTES) {
        *p = (const uint8_t *)v->u.s.ptr;
        *n = v->u.s.len;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "The argument '%s' must be a byte[] (it is not: "
                      "hash strings through Encoding.UTF8.GetBytes).", param);
}

/* Digest or HMAC of data[0, n) into the arena. */
static int compute(expr_rt_t *rt, const hash_kind_t *k, const expr_value_t *key, const uint8_t *data,
                   size_t n, expr_value_t *out)
{
    uint8_t *md = expr_rt_alloc(rt, EVP_MAX_MD_SIZE);
    if (!md) return EXPR_THROWN;
    static const uint8_t empty[1];
    if (!data) data = empty;
    if (key) {
        size_t outlen = 0;
        const void *kp = key->u.s.len ? (const void *)key->u.s.ptr : empty;
        if (!EVP_Q_mac(NULL, "HMAC", NULL, k->name, NULL, kp, key->u.s.len, data, n, md,
                       EVP_MAX_MD_SIZE, &outlen) ||
            outlen != k->size)
            return crypto_error(rt);
    } else {
        unsigned int len = 0;
        if (!EVP_Digest(data, n, md, &len, digest_of(k), NULL) || len != k->size) return crypto_error(rt);
    }
    *out = bytes_value(md, k->size);
    return 0;
}

static int new_hash_obj(expr_rt_t *rt, const expr_class_t *cls, const hash_kind_t *k, bool is_hmac,
                        expr_value_t *out, hash_obj_t **obj)
{
    hash_obj_t *h = expr_rt_alloc(rt, sizeof *h);
    if (!h) return EXPR_THROWN;
    h->kind = k;
    h->is_hmac = is_hmac;
    h->key = expr_null();
    h->hash = expr_null();
    *out = expr_object(cls, h);
    if (obj) *obj = h;
    return 0;
}

/* ---- HashAlgorithm (base of hashes and HMACs) ---- */

/* ComputeHash(byte[] buffer[, int offset, int count]) */
NATIVE(hash_compute)
{
    UNUSED_ARGS;
    hash_obj_t *h = self->u.obj.ptr;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (arg_bytes(rt, &args[0], "buffer", &p, &n)) return EXPR_THROWN;
    if (argc == 3) {
        if ((args[1].tag != EXPR_V_INT && args[1].tag != EXPR_V_LONG) ||
            (args[2].tag != EXPR_V_INT && args[2].tag != EXPR_V_LONG))
            return expr_throw(rt, "ArgumentException", "offset and count must be int.");
        int64_t off = args[1].u.i, cnt = args[2].u.i;
        if (expr_text_check_block(rt, off, cnt, n, "offset")) return EXPR_THROWN;
        p += off;
        n = (size_t)cnt;
    } else if (argc == 2) {
        return expr_throw(rt, "ArgumentException", "ComputeHash takes a buffer, or a buffer, offset and count.");
    }
    if (compute(rt, h->kind, h->is_hmac ? &h->key : NULL, p, n, out)) return EXPR_THROWN;
    h->hash = *out;
    return 0;
}

NATIVE(hash_get_hash)
{
    UNUSED_ARGS;
    const hash_obj_t *h = self->u.obj.ptr;
    if (h->hash.tag == EXPR_V_NULL)
        return expr_throw(rt, "System.Security.Cryptography.CryptographicException",
                          "Hash must be finalized before the hash value is retrieved.");
    *out = h->hash;
    return 0;
}

NATIVE(hash_size)
{
    UNUSED_ARGS;
    const hash_obj_t *h = self->u.obj.ptr;
    *out = expr_int((int32_t)h->kind->size * 8);
    return 0;
}

NATIVE(hash_dispose)
{
    UNUSED_ARGS;
    *out = expr_null();
    return 0;
}

NATIVE(hmac_key)
{
    UNUSED_ARGS;
    const hash_obj_t *h = self->u.obj.ptr;
    *out = h->key;
    return 0;
}

/* hmac.Key = k (set_Key: the setter's name, value.h): a copy, as .NET clones it */
NATIVE(hmac_set_key)
{
    UNUSED_ARGS;
    hash_obj_t *h = self->u.obj.ptr;
    const uint8_t *kp = NULL;
    size_t kn = 0;
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "System.ArgumentNullException", "Value cannot be null. (Parameter 'value')");
    if (arg_bytes(rt, &args[0], "value", &kp, &kn)) return EXPR_THROWN;
    uint8_t *key = expr_rt_alloc(rt, kn ? kn : 1);
    if (!key) return EXPR_THROWN;
    if (kn) memcpy(key, kp, kn);
    h->key = bytes_value(key, kn);
    *out = expr_null();
    return 0;
}

#define T_BYTES (&expr_class_bytes)
#define T_INT (&expr_class_int)
#define T_VOID (&expr_class_void)
#define M(n, k, lo, hi, f, r) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}

static const expr_member_t hash_algorithm_members[] = {
    M("ComputeHash", EXPR_M_METHOD, 1, 3, hash_compute, T_BYTES),
    M("Hash", EXPR_M_PROPERTY, 0, 0, hash_get_hash, T_BYTES),
    M("HashSize", EXPR_M_PROPERTY, 0, 0, hash_size, T_INT),
    M("Dispose", EXPR_M_METHOD, 0, 0, hash_dispose, T_VOID),
    M("Clear", EXPR_M_METHOD, 0, 0, hash_dispose, T_VOID),
};

static const expr_class_t cls_hash_algorithm = {
    .name = "HashAlgorithm",
    .full_name = "System.Security.Cryptography.HashAlgorithm",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = hash_algorithm_members,
    .member_count = sizeof hash_algorithm_members / sizeof hash_algorithm_members[0],
};

static const expr_member_t hmac_members[] = {
    M("Key", EXPR_M_PROPERTY, 0, 0, hmac_key, T_BYTES),
    M("set_Key", EXPR_M_METHOD, 1, 1, hmac_set_key, T_VOID),
};

static const expr_class_t cls_hmac = {
    .name = "HMAC",
    .full_name = "System.Security.Cryptography.HMAC",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &cls_hash_algorithm,
    .members = hmac_members,
    .member_count = sizeof hmac_members / sizeof hmac_members[0],
};

/* ---- one class per algorithm: Create()/new, static HashData ---- */

#define HASH_CLASS(var, cname, kind)                                                              \
    static const expr_class_t var;                                                                \
    NATIVE(var##_create)                                                                          \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        return new_hash_obj(rt, &var, &kind, false, out, NULL);                                   \
    }                                                                                             \
    NATIVE(var##_hash_data)                                                                       \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        const uint8_t *p = NULL;                                                                         \
        size_t n = 0;                                                                                 \
        if (arg_bytes(rt, &args[0], "source", &p, &n)) return EXPR_THROWN;                       \
        return compute(rt, &kind, NULL, p, n, out);                                               \
    }                                                                                             \
    static const expr_member_t var##_members[] = {                                                \
        M("Create", EXPR_M_STATIC_METHOD, 0, 0, var##_create, &var),                              \
        M("HashData", EXPR_M_STATIC_METHOD, 1, 1, var##_hash_data, T_BYTES),                      \
        M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, var##_create, &var),                                 \
    };                                                                                            \
    static const expr_class_t var = {                                                             \
        .name = cname,                                                                            \
        .full_name = "System.Security.Cryptography." cname,                                       \
        .tag = EXPR_V_OBJECT,                                                                     \
        .is_nameable = true,                                                                      \
        .base = &cls_hash_algorithm,                                                              \
        .members = var##_members,                                                                 \
        .member_count = 3,                                                                        \
    };

HASH_CLASS(cls_md5, "MD5", kind_md5)
HASH_CLASS(cls_sha1, "SHA1", kind_sha1)
HASH_CLASS(cls_sha256, "SHA256", kind_sha256)
HASH_CLASS(cls_sha384, "SHA384", kind_sha384)
HASH_CLASS(cls_sha512, "SHA512", kind_sha512)
HASH_CLASS(cls_sha1_managed, "SHA1Managed", kind_sha1)
HASH_CLASS(cls_sha256_managed, "SHA256Managed", kind_sha256)
HASH_CLASS(cls_sha384_managed, "SHA384Managed", kind_sha384)
HASH_CLASS(cls_sha512_managed, "SHA512Managed", kind_sha512)
HASH_CLASS(cls_md5_csp, "MD5CryptoServiceProvider", kind_md5)
HASH_CLASS(cls_sha1_csp, "SHA1CryptoServiceProvider", kind_sha1)

/* new HMACxxx() (a random key of the block size, as .NET) | new HMACxxx(byte[] key) */
static int hmac_new(expr_rt_t *rt, const expr_class_t *cls, const hash_kind_t *k, expr_value_t *args,
                    unsigned argc, expr_value_t *out)
{
    hash_obj_t *h;
    const uint8_t *kp = NULL;
    size_t kn = 0;
    if (argc > 0 && arg_bytes(rt, &args[0], "key", &kp, &kn)) return EXPR_THROWN;
    if (new_hash_obj(rt, cls, k, true, out, &h)) return EXPR_THROWN;
    size_t len = argc > 0 ? kn : k->block;
    uint8_t *key = expr_rt_alloc(rt, len);
    if (!key) return EXPR_THROWN;
    /* the key is copied: later writes to the caller's array do not change it (.NET clones) */
    if (argc > 0) memcpy(key, kp, len);
    else if (RAND_bytes(key, (int)len) != 1) return crypto_error(rt);
    h->key = bytes_value(key, len);
    return 0;
}

#define HMAC_CLASS(var, cname, kind)                                                              \
    static const expr_class_t var;                                                                \
    NATIVE(var##_ctor)                                                                            \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        return hmac_new(rt, &var, &kind, args, argc, out);                                        \
    }                                                                                             \
    NATIVE(var##_hash_data)                                                                       \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        const uint8_t *k = NULL, *p = NULL;                                                                     \
        size_t kn = 0, n = 0;                                                                             \
        if (arg_bytes(rt, &args[0], "key", &k, &kn) || arg_bytes(rt, &args[1], "source", &p, &n)) \
            return EXPR_THROWN;                                                                   \
        return compute(rt, &kind, &args[0], p, n, out);                                           \
    }                                                                                             \
    static const expr_member_t var##_members[] = {                                                \
        M(".ctor", EXPR_M_CONSTRUCTOR, 0, 1, var##_ctor, &var),                                   \
        M("HashData", EXPR_M_STATIC_METHOD, 2, 2, var##_hash_data, T_BYTES),                      \
    };                                                                                            \
    static const expr_class_t var = {                                                             \
        .name = cname,                                                                            \
        .full_name = "System.Security.Cryptography." cname,                                       \
        .tag = EXPR_V_OBJECT,                                                                     \
        .is_nameable = true,                                                                      \
        .base = &cls_hmac,                                                                        \
        .members = var##_members,                                                                 \
        .member_count = 2,                                                                        \
    };

HMAC_CLASS(cls_hmac_md5, "HMACMD5", kind_md5)
HMAC_CLASS(cls_hmac_sha1, "HMACSHA1", kind_sha1)
HMAC_CLASS(cls_hmac_sha256, "HMACSHA256", kind_sha256)
HMAC_CLASS(cls_hmac_sha384, "HMACSHA384", kind_sha384)
HMAC_CLASS(cls_hmac_sha512, "HMACSHA512", kind_sha512)

/* ---- RandomNumberGenerator / RNGCryptoServiceProvider ---- */

static const expr_class_t cls_rng;
static const expr_class_t cls_rng_csp;
static const int rng_instance;

NATIVE(rng_create)
{
    UNUSED_ARGS;
    *out = expr_object(&cls_rng, (void *)&rng_instance);
    return 0;
}

NATIVE(rng_csp_new)
{
    UNUSED_ARGS;
    *out = expr_object(&cls_rng_csp, (void *)&rng_instance);
    return 0;
}

/* GetBytes(byte[] data): fills the caller's array (arena memory of `new byte[n]`). */
NATIVE(rng_fill)
{
    UNUSED_ARGS;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (arg_bytes(rt, &args[0], "data", &p, &n)) return EXPR_THROWN;
    if (n && RAND_bytes((uint8_t *)p, (int)n) != 1) return crypto_error(rt);
    *out = expr_null();
    return 0;
}

/* static GetBytes(int count) (.NET 6) → byte[] */
NATIVE(rng_get_bytes)
{
    UNUSED_ARGS;
    if (args[0].tag != EXPR_V_INT && args[0].tag != EXPR_V_LONG)
        return expr_throw(rt, "ArgumentException", "count must be an int.");
    int64_t n = args[0].u.i;
    if (n < 0 || n > INT32_MAX)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'count')");
    uint8_t *p = expr_rt_alloc(rt, (size_t)n);
    if (!p) return EXPR_THROWN;
    if (n && RAND_bytes(p, (int)n) != 1) return crypto_error(rt);
    *out = bytes_value(p, (size_t)n);
    return 0;
}

/* static GetInt32([fromInclusive,] toExclusive): uniform, by rejection sampling */
NATIVE(rng_get_int32)
{
    UNUSED_ARGS;
    for (unsigned k = 0; k < argc; k++)
        if (args[k].tag != EXPR_V_INT)
            return expr_throw(rt, "ArgumentException", "GetInt32 takes int arguments.");
    int64_t lo = argc == 2 ? args[0].u.i : 0, hi = args[argc - 1].u.i;
    if (lo >= hi)
        return expr_throw(rt, "ArgumentException", "Range of random number does not contain at least one possibility.");
    uint64_t range = (uint64_t)(hi - lo);
    uint64_t limit = UINT32_MAX - (((uint64_t)UINT32_MAX + 1) % range);
    uint32_t r;
    do {
        if (RAND_bytes((uint8_t *)&r, sizeof r) != 1) return crypto_error(rt);
    } while (r > limit);
    *out = expr_int((int32_t)(lo + (int64_t)(r % range)));
    return 0;
}

static const expr_member_t rng_members[] = {
    M("Create", EXPR_M_STATIC_METHOD, 0, 0, rng_create, &cls_rng),
    M("GetBytes", EXPR_M_METHOD, 1, 1, rng_fill, T_VOID),
    M("GetNonZeroBytes", EXPR_M_METHOD, 1, 1, rng_fill, T_VOID),
    M("GetBytes", EXPR_M_STATIC_METHOD, 1, 1, rng_get_bytes, T_BYTES),
    M("GetInt32", EXPR_M_STATIC_METHOD, 1, 2, rng_get_int32, T_INT),
    M("Dispose", EXPR_M_METHOD, 0, 0, hash_dispose, T_VOID),
};

static const expr_class_t cls_rng = {
    .name = "RandomNumberGenerator",
    .full_name = "System.Security.Cryptography.RandomNumberGenerator",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = rng_members,
    .member_count = sizeof rng_members / sizeof rng_members[0],
};

static const expr_member_t rng_csp_members[] = {
    M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, rng_csp_new, &cls_rng_csp),
};

static const expr_class_t cls_rng_csp = {
    .name = "RNGCryptoServiceProvider",
    .full_name = "System.Security.Cryptography.RNGCryptoServiceProvider",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &cls_rng,
    .members = rng_csp_members,
    .member_count = 1,
};

const expr_class_t *const expr_lib_crypto_classes[] = {
    &cls_hash_algorithm, &cls_hmac,        &cls_md5,           &cls_sha1,
    &cls_sha256,         &cls_sha384,      &cls_sha512,        &cls_sha1_managed,
    &cls_sha256_managed, &cls_sha384_managed, &cls_sha512_managed, &cls_md5_csp,
    &cls_sha1_csp,       &cls_hmac_md5,    &cls_hmac_sha1,     &cls_hmac_sha256,
    &cls_hmac_sha384,    &cls_hmac_sha512, &cls_rng,           &cls_rng_csp,
    NULL,
};
