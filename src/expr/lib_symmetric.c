/* lib_symmetric: System.Security.Cryptography's symmetric ciphers for policy expressions
 * (spec §3.2 "Crypto", §3.5): SymmetricAlgorithm, Aes (AesManaged,
 * AesCryptoServiceProvider), Rijndael (RijndaelManaged: 128-bit blocks only, as .NET Core),
 * TripleDES (TripleDESCryptoServiceProvider), ICryptoTransform, the CipherMode and
 * PaddingMode enums, and API Management's byte[] extensions Encrypt/Decrypt(alg-name or
 * SymmetricAlgorithm[, key, iv]). DES and RC2 are left out (OpenSSL 3 keeps them in the
 * legacy provider).
 *
 * Ciphers are OpenSSL 3 EVP one-shots (no context outlives a native) with OpenSSL's padding
 * turned off: padding is applied and checked here so that every .NET PaddingMode behaves as
 * .NET's (PKCS7, Zeros, ANSIX923, ISO10126, None) and errors carry .NET's messages. As in
 * .NET Core, CFB pads to the feedback size (CFB8 + PKCS7 adds one byte), and Mode accepts
 * CBC, ECB and CFB only.
 *
 * Algorithm objects are mutable arena structs (the key, IV and modes change through the
 * set_Key/set_IV/set_Mode/... methods: the names C# compiles property setters to, so that
 * `aes.Key = k` works once the checker maps property assignment to them). */
#include "expr/lib_text.h"
#include "expr/value.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <strings.h>
#include <string.h>

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

#define CRYPTO_EX "System.Security.Cryptography.CryptographicException"
#define MSG_KEY_SIZE "Specified key is not a valid size for this algorithm."
#define MSG_IV_SIZE "Specified initialization vector (IV) does not match the block size for this algorithm."
#define MSG_PADDING "Padding is invalid and cannot be removed."
#define MSG_PARTIAL "The input data is not a complete block."

/* .NET's enum values */
enum { MODE_CBC = 1, MODE_ECB = 2, MODE_OFB = 3, MODE_CFB = 4, MODE_CTS = 5 };
enum { PAD_NONE = 1, PAD_PKCS7 = 2, PAD_ZEROS = 3, PAD_ANSIX923 = 4, PAD_ISO10126 = 5 };

typedef struct {
    unsigned block;            /* bytes */
    unsigned default_key;      /* bytes (KeySize of a new instance) */
    unsigned default_feedback; /* bits */
    bool is_3des;
} sym_kind_t;

static const sym_kind_t kind_aes = {16, 32, 8, false};
static const sym_kind_t kind_rijndael = {16, 32, 128, false};
static const sym_kind_t kind_3des = {8, 24, 64, true};

/* The parameters of one encryption or decryption: an algorithm instance's state, or a
 * transform's snapshot of it. key_len is KeySize/8 even while no key is set. */
typedef struct {
    const sym_kind_t *kind;
    uint8_t key[32];
    unsigned key_len;
    bool has_key;
    uint8_t iv[16];
    bool has_iv;
    int32_t mode, padding, feedback;
} sym_params_t;

/* An ICryptoTransform: the parameters captured by CreateEncryptor/CreateDecryptor. */
typedef struct {
    sym_params_t p;
    bool encrypt;
} sym_transform_t;

static expr_value_t bytes_value(const uint8_t *p, size_t n)
{
    return (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(const char *)p, (uint32_t)n}};
}

static bool key_size_ok(const sym_kind_t *k, size_t n)
{
    if (k->is_3des) return n == 16 || n == 24;
    return n == 16 || n == 24 || n == 32;
}

static int arg_bytes(expr_rt_t *rt, const expr_value_t *v, const char *param, const uint8_t **p, size_t *n)
{
    if (v->tag == EXPR_V_BYTES) {
        *p = (const uint8_t *)v->u.s.ptr;
        *n = v->u.s.len;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "The argument '%s' must be a byte[].", param);
}

static int arg_int(expr_rt_t *rt, const expr_value_t *v, const char *param, int64_t *out)
{
    if (v->tag != EXPR_V_INT && v->tag != EXPR_V_LONG)
        return expr_throw(rt, "ArgumentException", "The argument '%s' must be an int.", param);
    *out = v->u.i;
    return 0;
}

static const EVP_CIPHER *cipher_of(const sym_params_t *p, unsigned key_len)
{
    if (p->kind->is_3des) {
        switch (p->mode) {
        case MODE_CBC: return EVP_des_ede3_cbc();
        case MODE_ECB: return EVP_des_ede3_ecb();
        case MODE_CFB: return p->feedback == 8 ? EVP_des_ede3_cfb8() : p->feedback == 64 ? EVP_des_ede3_cfb64() : NULL;
        default: return NULL;
        }
    }
    unsigned size = key_len == 16 ? 0 : key_len == 24 ? 1 : 2;
    switch (p->mode) {
    case MODE_CBC: return (const EVP_CIPHER *[]){EVP_aes_128_cbc(), EVP_aes_192_cbc(), EVP_aes_256_cbc()}[size];
    case MODE_ECB: return (const EVP_CIPHER *[]){EVP_aes_128_ecb(), EVP_aes_192_ecb(), EVP_aes_256_ecb()}[size];
    case MODE_CFB:
        if (p->feedback == 8)
            return (const EVP_CIPHER *[]){EVP_aes_128_cfb8(), EVP_aes_192_cfb8(), EVP_aes_256_cfb8()}[size];
        if (p->feedback == 128)
            return (const EVP_CIPHER *[]){EVP_aes_128_cfb128(), EVP_aes_192_cfb128(), EVP_aes_256_cfb128()}[size];
        return NULL;
    default: return NULL;
    }
}

/* Runs EVP over in[0, n) into out (no padding: callers pass whole blocks or a stream mode). */
static int evp_run(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t n, uint8_t *out, size_t *done)
{
    int len = 0;
    if (n && !EVP_CipherUpdate(ctx, out + *done, &len, in, (int)n)) return -1;
    *done += (size_t)len;
    return 0;
}

/* Encrypts or decrypts in[0, n) with p (key and IV given: key_len bytes of key, iv or NULL),
 * into a byte[] in the arena. */
static int sym_transform(expr_rt_t *rt, const sym_params_t *p, const uint8_t *key, size_t key_len,
                         const uint8_t *iv, size_t iv_len, bool encrypt, const uint8_t *in, size_t n,
                         expr_value_t *out)
{
    const sym_kind_t *k = p->kind;
    if (!key_size_ok(k, key_len)) return expr_throw(rt, CRYPTO_EX, MSG_KEY_SIZE);
    if (iv && iv_len != k->block) return expr_throw(rt, CRYPTO_EX, MSG_IV_SIZE);
    if (!iv && p->mode != MODE_ECB)
        return expr_throw(rt, CRYPTO_EX, "The cipher mode specified requires that an initialization vector (IV) be used.");
    const EVP_CIPHER *cipher = cipher_of(p, (unsigned)key_len);
    if (!cipher) {
        if (p->mode == MODE_CFB)
            return expr_throw(rt, CRYPTO_EX, "The specified feedback size '%d' for CipherMode 'CFB' is not supported.",
                              (int)p->feedback);
        return expr_throw(rt, CRYPTO_EX, "Specified cipher mode is not valid for this algorithm.");
    }
    if (n > INT32_MAX - 64) return expr_throw(rt, "OutOfMemoryException", "The input is too large.");
    /* two-key 3DES is three-key with K3 = K1 */
    uint8_t key3[24];
    if (k->is_3des && key_len == 16) {
        memcpy(key3, key, 16);
        memcpy(key3 + 16, key, 8);
        key = key3;
    }
    unsigned padsize = p->mode == MODE_CFB ? (unsigned)p->feedback / 8 : k->block;
    size_t tail = n % padsize, pad = 0;
    if (encrypt) {
        switch (p->padding) {
        case PAD_NONE:
            if (tail) return expr_throw(rt, CRYPTO_EX, MSG_PARTIAL);
            break;
        case PAD_ZEROS: pad = tail ? padsize - tail : 0; break;
        default: pad = padsize - tail; break;
        }
    } else if (tail) {
        return expr_throw(rt, CRYPTO_EX, MSG_PARTIAL);
    }
    uint8_t *buf = expr_rt_alloc(rt, n + pad + 2 * EVP_MAX_BLOCK_LENGTH);
    if (!buf) return EXPR_THROWN;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    size_t done = 0;
    int ok = ctx && EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt ? 1 : 0) &&
             EVP_CIPHER_CTX_set_padding(ctx, 0);
    if (ok && encrypt) {
        /* the whole blocks, then the last partial block with its padding */
        uint8_t last[2 * EVP_MAX_BLOCK_LENGTH];
        memcpy(last, in + (n - tail), tail);
        uint8_t fill = p->padding == PAD_PKCS7 ? (uint8_t)pad : 0;
        memset(last + tail, fill, pad);
        if (pad && p->padding == PAD_ISO10126 && pad > 1 && RAND_bytes(last + tail, (int)pad - 1) != 1) ok = 0;
        if (pad && (p->padding == PAD_ANSIX923 || p->padding == PAD_ISO10126)) last[tail + pad - 1] = (uint8_t)pad;
        ok = ok && !evp_run(ctx, in, n - tail, buf, &done) && !evp_run(ctx, last, tail + pad, buf, &done);
        OPENSSL_cleanse(last, sizeof last);
    } else if (ok) {
        ok = !evp_run(ctx, in, n, buf, &done);
    }
    int fin = 0;
    ok = ok && EVP_CipherFinal_ex(ctx, buf + done, &fin);
    EVP_CIPHER_CTX_free(ctx);
    if (k->is_3des) OPENSSL_cleanse(key3, sizeof key3);
    if (!ok) return expr_throw(rt, CRYPTO_EX, "The cryptographic operation failed.");
    done += (size_t)fin;
    if (!encrypt && p->padding != PAD_NONE && p->padding != PAD_ZEROS) {
        /* the last byte counts the padding; PKCS7 repeats it, ANSI X9.23 zero-fills */
        if (done == 0) return expr_throw(rt, CRYPTO_EX, MSG_PADDING);
        uint8_t count = buf[done - 1];
        if (count == 0 || count > padsize) return expr_throw(rt, CRYPTO_EX, MSG_PADDING);
        for (size_t i = done - count; i < done - 1; i++) {
            if (p->padding == PAD_PKCS7 && buf[i] != count) return expr_throw(rt, CRYPTO_EX, MSG_PADDING);
            if (p->padding == PAD_ANSIX923 && buf[i] != 0) return expr_throw(rt, CRYPTO_EX, MSG_PADDING);
        }
        done -= count;
    }
    *out = bytes_value(buf, done);
    return 0;
}

/* ---- algorithm instances ---- */

static const expr_class_t cls_symmetric;
static const expr_class_t cls_transform;

static int new_alg(expr_rt_t *rt, const expr_class_t *cls, const sym_kind_t *k, expr_value_t *out)
{
    sym_params_t *p = expr_rt_alloc(rt, sizeof *p);
    if (!p) return EXPR_THROWN;
    memset(p, 0, sizeof *p);
    p->kind = k;
    p->key_len = k->default_key;
    p->mode = MODE_CBC;
    p->padding = PAD_PKCS7;
    p->feedback = (int32_t)k->default_feedback;
    *out = expr_object(cls, p);
    return 0;
}

static sym_params_t *alg_of(const expr_value_t *v)
{
    if (v->tag != EXPR_V_OBJECT || !expr_class_is(v->u.obj.cls, &cls_symmetric)) return NULL;
    return v->u.obj.ptr;
}

/* .NET generates a missing key or IV on first use */
static int ensure_key(expr_rt_t *rt, sym_params_t *p)
{
    if (!p->has_key) {
        if (RAND_bytes(p->key, (int)p->key_len) != 1)
            return expr_throw(rt, CRYPTO_EX, "The cryptographic operation failed.");
        p->has_key = true;
    }
    return 0;
}

static int ensure_iv(expr_rt_t *rt, sym_params_t *p)
{
    if (!p->has_iv) {
        if (RAND_bytes(p->iv, (int)p->kind->block) != 1)
            return expr_throw(rt, CRYPTO_EX, "The cryptographic operation failed.");
        p->has_iv = true;
    }
    return 0;
}

/* A copy into the arena: .NET's Key and IV getters return clones. */
static int copy_bytes(expr_rt_t *rt, const uint8_t *src, size_t n, expr_value_t *out)
{
    uint8_t *d = expr_rt_alloc(rt, n ? n : 1);
    if (!d) return EXPR_THROWN;
    memcpy(d, src, n);
    *out = bytes_value(d, n);
    return 0;
}

NATIVE(alg_get_key)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    if (ensure_key(rt, p)) return EXPR_THROWN;
    return copy_bytes(rt, p->key, p->key_len, out);
}

NATIVE(alg_set_key)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    const uint8_t *k = NULL;
    size_t n = 0;
    if (arg_bytes(rt, &args[0], "value", &k, &n)) return EXPR_THROWN;
    if (!key_size_ok(p->kind, n)) return expr_throw(rt, CRYPTO_EX, MSG_KEY_SIZE);
    memcpy(p->key, k, n);
    p->key_len = (unsigned)n;
    p->has_key = true;
    *out = expr_null();
    return 0;
}

NATIVE(alg_get_iv)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    if (ensure_iv(rt, p)) return EXPR_THROWN;
    return copy_bytes(rt, p->iv, p->kind->block, out);
}

NATIVE(alg_set_iv)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    const uint8_t *v = NULL;
    size_t n = 0;
    if (arg_bytes(rt, &args[0], "value", &v, &n)) return EXPR_THROWN;
    if (n != p->kind->block) return expr_throw(rt, CRYPTO_EX, MSG_IV_SIZE);
    memcpy(p->iv, v, n);
    p->has_iv = true;
    *out = expr_null();
    return 0;
}

/* What the int settings accept (.NET Core: Mode CBC, ECB or CFB; a padding of the enum;
 * a feedback size of whole bytes up to the block). */
static bool mode_ok(const sym_params_t *p, int64_t m)
{
    (void)p;
    return m == MODE_CBC || m == MODE_ECB || m == MODE_CFB;
}

static bool padding_ok(const sym_params_t *p, int64_t m)
{
    (void)p;
    return m >= PAD_NONE && m <= PAD_ISO10126;
}

static bool feedback_ok(const sym_params_t *p, int64_t bits)
{
    return bits > 0 && bits % 8 == 0 && bits <= (int64_t)p->kind->block * 8;
}

/* set_Mode/set_Padding/set_FeedbackSize: the int argument into *field when is_ok, else
 * CryptographicException `msg`. */
static int set_setting(expr_rt_t *rt, const sym_params_t *p, const expr_value_t *arg,
                       bool (*is_ok)(const sym_params_t *, int64_t), int32_t *field, const char *msg,
                       expr_value_t *out)
{
    int64_t v = 0;
    if (arg_int(rt, arg, "value", &v)) return EXPR_THROWN;
    if (!is_ok(p, v)) return expr_throw(rt, CRYPTO_EX, "%s", msg);
    *field = (int32_t)v;
    *out = expr_null();
    return 0;
}

NATIVE(alg_get_mode)
{
    UNUSED_ARGS;
    *out = expr_text_enum(((const sym_params_t *)self->u.obj.ptr)->mode);
    return 0;
}

NATIVE(alg_set_mode)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    return set_setting(rt, p, &args[0], mode_ok, &p->mode, "Specified cipher mode is not valid for this algorithm.", out);
}

NATIVE(alg_get_padding)
{
    UNUSED_ARGS;
    *out = expr_text_enum(((const sym_params_t *)self->u.obj.ptr)->padding);
    return 0;
}

NATIVE(alg_set_padding)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    return set_setting(rt, p, &args[0], padding_ok, &p->padding, "Specified padding mode is not valid for this algorithm.",
                       out);
}

NATIVE(alg_get_key_size)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)((const sym_params_t *)self->u.obj.ptr)->key_len * 8);
    return 0;
}

/* KeySize = bits: a new size drops the key (a new one is generated on use), as .NET */
NATIVE(alg_set_key_size)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    int64_t bits = 0;
    if (arg_int(rt, &args[0], "value", &bits)) return EXPR_THROWN;
    if (bits % 8 || bits < 0 || !key_size_ok(p->kind, (size_t)bits / 8))
        return expr_throw(rt, CRYPTO_EX, MSG_KEY_SIZE);
    if ((unsigned)bits / 8 != p->key_len) p->has_key = false;
    p->key_len = (unsigned)bits / 8;
    *out = expr_null();
    return 0;
}

NATIVE(alg_get_block_size)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)((const sym_params_t *)self->u.obj.ptr)->kind->block * 8);
    return 0;
}

NATIVE(alg_get_feedback)
{
    UNUSED_ARGS;
    *out = expr_int(((const sym_params_t *)self->u.obj.ptr)->feedback);
    return 0;
}

NATIVE(alg_set_feedback)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    return set_setting(rt, p, &args[0], feedback_ok, &p->feedback, "Specified feedback size is invalid.", out);
}

NATIVE(alg_generate_key)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    p->has_key = false;
    *out = expr_null();
    return ensure_key(rt, p);
}

NATIVE(alg_generate_iv)
{
    UNUSED_ARGS;
    sym_params_t *p = self->u.obj.ptr;
    p->has_iv = false;
    *out = expr_null();
    return ensure_iv(rt, p);
}

NATIVE(alg_dispose)
{
    UNUSED_ARGS;
    *out = expr_null();
    return 0;
}

/* CreateEncryptor() / CreateEncryptor(byte[] rgbKey, byte[] rgbIV), and the decryptors:
 * the key, IV and modes are captured now (later changes to the algorithm do not apply). */
static int create_transform(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                            bool encrypt, expr_value_t *out)
{
    sym_params_t *p = self->u.obj.ptr;
    sym_transform_t *t = expr_rt_alloc(rt, sizeof *t);
    if (!t) return EXPR_THROWN;
    t->encrypt = encrypt;
    t->p = *p;
    if (argc == 0) {
        if (ensure_key(rt, p) || ensure_iv(rt, p)) return EXPR_THROWN;
        t->p = *p;
    } else {
        if (argc != 2) return expr_throw(rt, "ArgumentException", "CreateEncryptor takes no arguments, or a key and an IV.");
        const uint8_t *k = NULL, *iv = NULL;
        size_t kn = 0, ivn = 0;
        if (arg_bytes(rt, &args[0], "rgbKey", &k, &kn)) return EXPR_THROWN;
        if (args[1].tag != EXPR_V_NULL && arg_bytes(rt, &args[1], "rgbIV", &iv, &ivn)) return EXPR_THROWN;
        if (!key_size_ok(p->kind, kn)) return expr_throw(rt, CRYPTO_EX, MSG_KEY_SIZE);
        if (iv && ivn != p->kind->block) return expr_throw(rt, CRYPTO_EX, MSG_IV_SIZE);
        if (!iv && p->mode != MODE_ECB)
            return expr_throw(rt, CRYPTO_EX, "The cipher mode specified requires that an initialization vector (IV) be used.");
        memcpy(t->p.key, k, kn);
        t->p.key_len = (unsigned)kn;
        t->p.has_key = true;
        t->p.has_iv = iv != NULL;
        if (iv) memcpy(t->p.iv, iv, ivn);
    }
    *out = expr_object(&cls_transform, t);
    return 0;
}

NATIVE(alg_create_encryptor)
{
    UNUSED_ARGS;
    return create_transform(rt, self, args, argc, true, out);
}

NATIVE(alg_create_decryptor)
{
    UNUSED_ARGS;
    return create_transform(rt, self, args, argc, false, out);
}

/* .NET 6 one-shots on the algorithm's key: EncryptCbc(data, iv[, padding]),
 * EncryptEcb(data, padding), and their Decrypt twins. Mode and Padding properties are not
 * used (nor changed). */
static int one_shot(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc, int mode,
                    bool encrypt, expr_value_t *out)
{
    sym_params_t *p = self->u.obj.ptr;
    sym_params_t q = *p;
    const uint8_t *in = NULL, *iv = NULL;
    size_t n = 0, ivn = 0;
    unsigned pad_at = mode == MODE_ECB ? 1 : 2;
    if (arg_bytes(rt, &args[0], encrypt ? "plaintext" : "ciphertext", &in, &n)) return EXPR_THROWN;
    if (mode != MODE_ECB && arg_bytes(rt, &args[1], "iv", &iv, &ivn)) return EXPR_THROWN;
    int64_t padding = PAD_PKCS7;
    if (argc > pad_at && arg_int(rt, &args[pad_at], "paddingMode", &padding)) return EXPR_THROWN;
    if (!padding_ok(p, padding))
        return expr_throw(rt, "ArgumentOutOfRangeException", "Specified padding mode is not valid for this algorithm. (Parameter 'paddingMode')");
    if (ensure_key(rt, p)) return EXPR_THROWN;
    q.mode = mode;
    q.padding = (int32_t)padding;
    return sym_transform(rt, &q, p->key, p->key_len, iv, ivn, encrypt, in, n, out);
}

NATIVE(alg_encrypt_cbc)
{
    UNUSED_ARGS;
    return one_shot(rt, self, args, argc, MODE_CBC, true, out);
}

NATIVE(alg_decrypt_cbc)
{
    UNUSED_ARGS;
    return one_shot(rt, self, args, argc, MODE_CBC, false, out);
}

NATIVE(alg_encrypt_ecb)
{
    UNUSED_ARGS;
    return one_shot(rt, self, args, argc, MODE_ECB, true, out);
}

NATIVE(alg_decrypt_ecb)
{
    UNUSED_ARGS;
    return one_shot(rt, self, args, argc, MODE_ECB, false, out);
}

/* ---- ICryptoTransform ---- */

/* TransformFinalBlock(byte[] inputBuffer, int inputOffset, int inputCount): the whole
 * encryption or decryption of that range (the transform then starts over, as .NET's). */
NATIVE(tr_final_block)
{
    UNUSED_ARGS;
    const sym_transform_t *t = self->u.obj.ptr;
    const uint8_t *in = NULL;
    size_t n = 0;
    int64_t off = 0, cnt = 0;
    if (arg_bytes(rt, &args[0], "inputBuffer", &in, &n) || arg_int(rt, &args[1], "inputOffset", &off) ||
        arg_int(rt, &args[2], "inputCount", &cnt))
        return EXPR_THROWN;
    if (expr_text_check_block(rt, off, cnt, n, "inputOffset")) return EXPR_THROWN;
    return sym_transform(rt, &t->p, t->p.key, t->p.key_len, t->p.has_iv ? t->p.iv : NULL, t->p.kind->block,
                         t->encrypt, in + off, (size_t)cnt, out);
}

NATIVE(tr_block_size)
{
    UNUSED_ARGS;
    const sym_transform_t *t = self->u.obj.ptr;
    unsigned size = t->p.mode == MODE_CFB ? (unsigned)t->p.feedback / 8 : t->p.kind->block;
    *out = expr_int((int32_t)size);
    return 0;
}

NATIVE(tr_true)
{
    UNUSED_ARGS;
    *out = expr_bool(true);
    return 0;
}

/* ---- Create / constructors ---- */

static const expr_class_t cls_aes, cls_aes_managed, cls_aes_csp, cls_rijndael, cls_rijndael_managed, cls_3des,
    cls_3des_csp;

NATIVE(aes_create)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_aes, &kind_aes, out);
}
NATIVE(aes_managed_new)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_aes_managed, &kind_aes, out);
}
NATIVE(aes_csp_new)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_aes_csp, &kind_aes, out);
}
NATIVE(rijndael_create)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_rijndael_managed, &kind_rijndael, out);
}
NATIVE(tdes_create)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_3des, &kind_3des, out);
}
NATIVE(tdes_csp_new)
{
    UNUSED_ARGS;
    return new_alg(rt, &cls_3des_csp, &kind_3des, out);
}

/* The names SymmetricAlgorithm.Create(name) (CryptoConfig) knows, case-insensitive. */
static const struct {
    const char *name;
    const expr_class_t *cls;
    const sym_kind_t *kind;
} alg_names[] = {
    {"Aes", &cls_aes, &kind_aes},
    {"AesManaged", &cls_aes_managed, &kind_aes},
    {"AesCryptoServiceProvider", &cls_aes_csp, &kind_aes},
    {"Rijndael", &cls_rijndael_managed, &kind_rijndael},
    {"RijndaelManaged", &cls_rijndael_managed, &kind_rijndael},
    {"TripleDES", &cls_3des, &kind_3des},
    {"3DES", &cls_3des, &kind_3des},
    {"Triple DES", &cls_3des, &kind_3des},
    {"TripleDESCryptoServiceProvider", &cls_3des_csp, &kind_3des},
};

/* 0 with the algorithm called `name` (with or without "System.Security.Cryptography."),
 * or 1 when unknown. */
static int create_by_name(expr_rt_t *rt, const expr_value_t *name, expr_value_t *out)
{
    static const char ns[] = "System.Security.Cryptography.";
    const char *s = name->u.s.ptr;
    size_t n = name->u.s.len;
    if (n > sizeof ns - 1 && strncasecmp(s, ns, sizeof ns - 1) == 0) {
        s += sizeof ns - 1;
        n -= sizeof ns - 1;
    }
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++)
        if (strlen(alg_names[i].name) == n && strncasecmp(alg_names[i].name, s, n) == 0)
            return new_alg(rt, alg_names[i].cls, alg_names[i].kind, out);
    return 1;
}

/* SymmetricAlgorithm.Create(string algName): null for an unknown name, as .NET */
NATIVE(sym_create)
{
    UNUSED_ARGS;
    if (args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'algName')");
    int rc = create_by_name(rt, &args[0], out);
    if (rc == 1) *out = expr_null();
    return rc == 1 ? 0 : rc;
}

/* ---- byte[] extensions: Encrypt/Decrypt(alg) and (alg-name or alg, key, iv) ---- */

static int ext_crypt(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc, bool encrypt,
                     expr_value_t *out)
{
    const uint8_t *in = NULL;
    size_t n = 0;
    if (arg_bytes(rt, self, "input", &in, &n)) return EXPR_THROWN;
    if (argc == 2)
        return expr_throw(rt, "ArgumentException", "%s takes an algorithm, or an algorithm, a key and an IV.",
                          encrypt ? "Encrypt" : "Decrypt");
    expr_value_t alg = args[0];
    if (alg.tag == EXPR_V_STRING) {
        if (argc == 1)
            return expr_throw(rt, "ArgumentException", "%s(string) needs a key and an IV: %s(name, key, iv).",
                              encrypt ? "Encrypt" : "Decrypt", encrypt ? "Encrypt" : "Decrypt");
        int rc = create_by_name(rt, &args[0], &alg);
        if (rc == 1)
            return expr_throw(rt, "ArgumentException",
                              "'%.*s' is not a supported symmetric algorithm (Aes, Rijndael, TripleDES). (Parameter 'alg')",
                              (int)args[0].u.s.len, args[0].u.s.ptr);
        if (rc) return rc;
    }
    if (alg.tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'alg')");
    sym_params_t *p = alg_of(&alg);
    if (!p)
        return expr_throw(rt, "ArgumentException", "The argument 'alg' must be an algorithm name or a SymmetricAlgorithm.");
    if (argc == 1) {
        if (ensure_key(rt, p) || ensure_iv(rt, p)) return EXPR_THROWN;
        return sym_transform(rt, p, p->key, p->key_len, p->iv, p->kind->block, encrypt, in, n, out);
    }
    const uint8_t *key = NULL, *iv = NULL;
    size_t kn = 0, ivn = 0;
    if (arg_bytes(rt, &args[1], "key", &key, &kn)) return EXPR_THROWN;
    if (args[2].tag != EXPR_V_NULL && arg_bytes(rt, &args[2], "iv", &iv, &ivn)) return EXPR_THROWN;
    return sym_transform(rt, p, key, kn, iv, ivn, encrypt, in, n, out);
}

NATIVE(ext_encrypt)
{
    UNUSED_ARGS;
    return ext_crypt(rt, self, args, argc, true, out);
}

NATIVE(ext_decrypt)
{
    UNUSED_ARGS;
    return ext_crypt(rt, self, args, argc, false, out);
}

/* ---- enums ---- */

#define CONST_NATIVE(fn, v)                                                                       \
    NATIVE(fn)                                                                                    \
    {                                                                                             \
        UNUSED_ARGS;                                                                              \
        *out = expr_text_enum(v);                                                                 \
        return 0;                                                                                 \
    }

CONST_NATIVE(cm_cbc, MODE_CBC)
CONST_NATIVE(cm_ecb, MODE_ECB)
CONST_NATIVE(cm_ofb, MODE_OFB)
CONST_NATIVE(cm_cfb, MODE_CFB)
CONST_NATIVE(cm_cts, MODE_CTS)
CONST_NATIVE(pm_none, PAD_NONE)
CONST_NATIVE(pm_pkcs7, PAD_PKCS7)
CONST_NATIVE(pm_zeros, PAD_ZEROS)
CONST_NATIVE(pm_ansix923, PAD_ANSIX923)
CONST_NATIVE(pm_iso10126, PAD_ISO10126)

/* ---- tables ---- */

#define T_BYTES (&expr_class_bytes)
#define T_INT (&expr_class_int)
#define T_BOOL (&expr_class_bool)
#define T_VOID (&expr_class_void)
#define M(n, k, lo, hi, f, r) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}
#define COUNT(a) (sizeof a / sizeof a[0])

static const expr_member_t cipher_mode_members[] = {
    M("CBC", EXPR_M_STATIC_PROPERTY, 0, 0, cm_cbc, T_INT), M("ECB", EXPR_M_STATIC_PROPERTY, 0, 0, cm_ecb, T_INT),
    M("OFB", EXPR_M_STATIC_PROPERTY, 0, 0, cm_ofb, T_INT), M("CFB", EXPR_M_STATIC_PROPERTY, 0, 0, cm_cfb, T_INT),
    M("CTS", EXPR_M_STATIC_PROPERTY, 0, 0, cm_cts, T_INT),
};

static const expr_class_t cls_cipher_mode = {
    .name = "CipherMode",
    .full_name = "System.Security.Cryptography.CipherMode",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = cipher_mode_members,
    .member_count = COUNT(cipher_mode_members),
};

static const expr_member_t padding_mode_members[] = {
    M("None", EXPR_M_STATIC_PROPERTY, 0, 0, pm_none, T_INT),
    M("PKCS7", EXPR_M_STATIC_PROPERTY, 0, 0, pm_pkcs7, T_INT),
    M("Zeros", EXPR_M_STATIC_PROPERTY, 0, 0, pm_zeros, T_INT),
    M("ANSIX923", EXPR_M_STATIC_PROPERTY, 0, 0, pm_ansix923, T_INT),
    M("ISO10126", EXPR_M_STATIC_PROPERTY, 0, 0, pm_iso10126, T_INT),
};

static const expr_class_t cls_padding_mode = {
    .name = "PaddingMode",
    .full_name = "System.Security.Cryptography.PaddingMode",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = padding_mode_members,
    .member_count = COUNT(padding_mode_members),
};

static const expr_member_t symmetric_members[] = {
    M("Key", EXPR_M_PROPERTY, 0, 0, alg_get_key, T_BYTES),
    M("set_Key", EXPR_M_METHOD, 1, 1, alg_set_key, T_VOID),
    M("IV", EXPR_M_PROPERTY, 0, 0, alg_get_iv, T_BYTES),
    M("set_IV", EXPR_M_METHOD, 1, 1, alg_set_iv, T_VOID),
    M("Mode", EXPR_M_PROPERTY, 0, 0, alg_get_mode, T_INT),
    M("set_Mode", EXPR_M_METHOD, 1, 1, alg_set_mode, T_VOID),
    M("Padding", EXPR_M_PROPERTY, 0, 0, alg_get_padding, T_INT),
    M("set_Padding", EXPR_M_METHOD, 1, 1, alg_set_padding, T_VOID),
    M("KeySize", EXPR_M_PROPERTY, 0, 0, alg_get_key_size, T_INT),
    M("set_KeySize", EXPR_M_METHOD, 1, 1, alg_set_key_size, T_VOID),
    M("BlockSize", EXPR_M_PROPERTY, 0, 0, alg_get_block_size, T_INT),
    M("FeedbackSize", EXPR_M_PROPERTY, 0, 0, alg_get_feedback, T_INT),
    M("set_FeedbackSize", EXPR_M_METHOD, 1, 1, alg_set_feedback, T_VOID),
    M("GenerateKey", EXPR_M_METHOD, 0, 0, alg_generate_key, T_VOID),
    M("GenerateIV", EXPR_M_METHOD, 0, 0, alg_generate_iv, T_VOID),
    M("CreateEncryptor", EXPR_M_METHOD, 0, 2, alg_create_encryptor, &cls_transform),
    M("CreateDecryptor", EXPR_M_METHOD, 0, 2, alg_create_decryptor, &cls_transform),
    M("EncryptCbc", EXPR_M_METHOD, 2, 3, alg_encrypt_cbc, T_BYTES),
    M("DecryptCbc", EXPR_M_METHOD, 2, 3, alg_decrypt_cbc, T_BYTES),
    M("EncryptEcb", EXPR_M_METHOD, 2, 2, alg_encrypt_ecb, T_BYTES),
    M("DecryptEcb", EXPR_M_METHOD, 2, 2, alg_decrypt_ecb, T_BYTES),
    M("Dispose", EXPR_M_METHOD, 0, 0, alg_dispose, T_VOID),
    M("Clear", EXPR_M_METHOD, 0, 0, alg_dispose, T_VOID),
    M("Create", EXPR_M_STATIC_METHOD, 1, 1, sym_create, &cls_symmetric),
};

static const expr_class_t cls_symmetric = {
    .name = "SymmetricAlgorithm",
    .full_name = "System.Security.Cryptography.SymmetricAlgorithm",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = symmetric_members,
    .member_count = COUNT(symmetric_members),
};

static const expr_member_t transform_members[] = {
    M("TransformFinalBlock", EXPR_M_METHOD, 3, 3, tr_final_block, T_BYTES),
    M("InputBlockSize", EXPR_M_PROPERTY, 0, 0, tr_block_size, T_INT),
    M("OutputBlockSize", EXPR_M_PROPERTY, 0, 0, tr_block_size, T_INT),
    M("CanTransformMultipleBlocks", EXPR_M_PROPERTY, 0, 0, tr_true, T_BOOL),
    M("CanReuseTransform", EXPR_M_PROPERTY, 0, 0, tr_true, T_BOOL),
    M("Dispose", EXPR_M_METHOD, 0, 0, alg_dispose, T_VOID),
};

static const expr_class_t cls_transform = {
    .name = "ICryptoTransform",
    .full_name = "System.Security.Cryptography.ICryptoTransform",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = transform_members,
    .member_count = COUNT(transform_members),
};

static const expr_member_t aes_members[] = {M("Create", EXPR_M_STATIC_METHOD, 0, 0, aes_create, &cls_aes)};
static const expr_member_t aes_managed_members[] = {
    M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, aes_managed_new, &cls_aes_managed)};
static const expr_member_t aes_csp_members[] = {M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, aes_csp_new, &cls_aes_csp)};
static const expr_member_t rijndael_members[] = {
    M("Create", EXPR_M_STATIC_METHOD, 0, 0, rijndael_create, &cls_rijndael)};
static const expr_member_t rijndael_managed_members[] = {
    M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, rijndael_create, &cls_rijndael_managed)};
static const expr_member_t tdes_members[] = {M("Create", EXPR_M_STATIC_METHOD, 0, 0, tdes_create, &cls_3des)};
static const expr_member_t tdes_csp_members[] = {M(".ctor", EXPR_M_CONSTRUCTOR, 0, 0, tdes_csp_new, &cls_3des_csp)};

#define ALG_CLASS(var, cname, basecls, mem)                                                       \
    static const expr_class_t var = {                                                             \
        .name = cname,                                                                            \
        .full_name = "System.Security.Cryptography." cname,                                       \
        .tag = EXPR_V_OBJECT,                                                                     \
        .is_nameable = true,                                                                      \
        .base = basecls,                                                                          \
        .members = mem,                                                                           \
        .member_count = COUNT(mem),                                                               \
    };

ALG_CLASS(cls_aes, "Aes", &cls_symmetric, aes_members)
ALG_CLASS(cls_aes_managed, "AesManaged", &cls_aes, aes_managed_members)
ALG_CLASS(cls_aes_csp, "AesCryptoServiceProvider", &cls_aes, aes_csp_members)
ALG_CLASS(cls_rijndael, "Rijndael", &cls_symmetric, rijndael_members)
ALG_CLASS(cls_rijndael_managed, "RijndaelManaged", &cls_rijndael, rijndael_managed_members)
ALG_CLASS(cls_3des, "TripleDES", &cls_symmetric, tdes_members)
ALG_CLASS(cls_3des_csp, "TripleDESCryptoServiceProvider", &cls_3des, tdes_csp_members)

static const expr_member_t bytes_ext_members[] = {
    M("Encrypt", EXPR_M_METHOD, 1, 3, ext_encrypt, T_BYTES),
    M("Decrypt", EXPR_M_METHOD, 1, 3, ext_decrypt, T_BYTES),
};

/* An extension class: found through `extends`, never written in code. */
static const expr_class_t cls_bytes_ext = {
    .name = "SymmetricByteExtensions",
    .full_name = "Microsoft.Azure.ApiManagement.Policies.Extensions",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .members = bytes_ext_members,
    .member_count = COUNT(bytes_ext_members),
    .extends = &expr_class_bytes,
};

const expr_class_t *const expr_lib_symmetric_classes[] = {
    &cls_symmetric, &cls_aes,          &cls_aes_managed,      &cls_aes_csp,      &cls_rijndael,
    &cls_rijndael_managed, &cls_3des, &cls_3des_csp,         &cls_transform,    &cls_cipher_mode,
    &cls_padding_mode,     &cls_bytes_ext, NULL,
};
