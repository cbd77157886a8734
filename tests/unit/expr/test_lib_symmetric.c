/* Symmetric ciphers (lib_symmetric.c) through expr_compile / expr_run: NIST SP 800-38A
 * AES vectors (F.1.1 ECB, F.2.1 CBC, F.3.7 CFB8, F.3.13 CFB128), their PKCS7 forms and
 * a 3DES value computed with `openssl enc` on this machine, round trips, and the .NET
 * exceptions for bad keys, IVs and padding. */
#include "lib_test_util.h"

TestSuite(lib_symmetric, .init = lib_setup, .fini = lib_teardown);

#define NIST_KEY "Convert.FromHexString(\"2b7e151628aed2a6abf7158809cf4f3c\")"
#define NIST_IV "Convert.FromHexString(\"000102030405060708090a0b0c0d0e0f\")"
#define NIST_PLAIN                                                                                 \
    "Convert.FromHexString(\"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"   \
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710\")"
#define NIST_CBC                                                                                   \
    "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2"                             \
    "73BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7"
/* the PKCS7 block `openssl enc -aes-128-cbc` appends to the four NIST blocks */
#define NIST_CBC_PAD "8CB82807230E1321D3FAE00D18CC2012"

Test(lib_symmetric, aes_cbc_nist_vector_by_name)
{
    EXPECT("@(Convert.ToHexString(" NIST_PLAIN ".Encrypt(\"Aes\", " NIST_KEY ", " NIST_IV ")))",
           NIST_CBC NIST_CBC_PAD);
    EXPECT("@(Convert.ToHexString(Convert.FromHexString(\"" NIST_CBC NIST_CBC_PAD "\").Decrypt(\"Aes\", " NIST_KEY
           ", " NIST_IV ")))",
           "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
           "30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710");
    /* Rijndael and the full names are AES too; names are case-insensitive (CryptoConfig) */
    EXPECT("@(Convert.ToHexString(" NIST_PLAIN ".Encrypt(\"System.Security.Cryptography.RijndaelManaged\", " NIST_KEY
           ", " NIST_IV ")))",
           NIST_CBC NIST_CBC_PAD);
    EXPECT("@(Convert.ToHexString(" NIST_PLAIN ".Encrypt(\"aes\", " NIST_KEY ", " NIST_IV ")).Length)", "160");
}

Test(lib_symmetric, aes_256_text_as_the_conformance_snippets_use_it)
{
    /* printf 'Hello, Meridian!' | openssl enc -aes-256-cbc -K 603deb...dff4 -iv 0001..0f | base64 */
    EXPECT("@{ byte[] key = Convert.FromHexString(\"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\");"
           " byte[] IV = " NIST_IV ";"
           " byte[] enc = Encoding.UTF8.GetBytes(\"Hello, Meridian!\").Encrypt(\"Aes\", key, IV);"
           " return Convert.ToBase64String(enc); }",
           "XDrLfOExJ3/AX5CdPc4CjI0rvLthnIWV1hrkSnaMfVE=");
    EXPECT("@{ byte[] key = Convert.FromHexString(\"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\");"
           " byte[] IV = " NIST_IV ";"
           " byte[] inBytes = Convert.FromBase64String(\"XDrLfOExJ3/AX5CdPc4CjI0rvLthnIWV1hrkSnaMfVE=\");"
           " return Encoding.UTF8.GetString(inBytes.Decrypt(\"Aes\", key, IV)); }",
           "Hello, Meridian!");
}

Test(lib_symmetric, algorithm_objects)
{
    EXPECT("@{ var aes = Aes.Create(); return aes.KeySize + \" \" + aes.Key.Length + \" \" + aes.IV.Length + \" \""
           " + aes.BlockSize + \" \" + aes.Mode + \" \" + aes.Padding + \" \" + aes.FeedbackSize; }",
           "256 32 16 128 1 2 8");
    EXPECT("@(CipherMode.CBC + \" \" + CipherMode.ECB + \" \" + CipherMode.CFB + \" \" + PaddingMode.None + \" \""
           " + PaddingMode.PKCS7 + \" \" + PaddingMode.Zeros)",
           "1 2 4 1 2 3");
    /* the generated key and IV are kept: Encrypt(alg) and Decrypt(alg) agree */
    EXPECT("@{ var aes = Aes.Create(); var k = Convert.ToHexString(aes.Key);"
           " var c = Encoding.UTF8.GetBytes(\"round trip\").Encrypt(aes);"
           " return c.Length + \" \" + Encoding.UTF8.GetString(c.Decrypt(aes)) + \" \""
           " + (Convert.ToHexString(aes.Key) == k); }",
           "16 round trip True");
    /* set_Key / set_IV (what `aes.Key = ...` compiles to): the NIST vector again */
    EXPECT("@{ Aes aes = Aes.Create(); aes.set_Key(" NIST_KEY "); aes.set_IV(" NIST_IV ");"
           " aes.set_Padding(PaddingMode.None);"
           " return Convert.ToHexString(" NIST_PLAIN ".Encrypt(aes)) + \" \" + aes.KeySize; }",
           NIST_CBC " 128");
    /* an algorithm with an explicit key and IV: its own key is left alone */
    EXPECT("@{ var aes = new AesManaged(); aes.set_Padding(PaddingMode.None);"
           " return Convert.ToHexString(" NIST_PLAIN ".Encrypt(aes, " NIST_KEY ", " NIST_IV ")) + \" \" + aes.KeySize; }",
           NIST_CBC " 256");
    /* KeySize = 192 discards the key and makes a new one of that size */
    EXPECT("@{ var aes = Aes.Create(); aes.set_KeySize(192); return aes.Key.Length; }", "24");
    EXPECT("@{ var aes = Aes.Create(); var k = aes.Key; aes.GenerateKey(); aes.GenerateIV();"
           " return Convert.ToHexString(k) == Convert.ToHexString(aes.Key); }",
           "False");
    /* SymmetricAlgorithm.Create: by name, null when unknown */
    EXPECT("@(SymmetricAlgorithm.Create(\"TripleDES\").BlockSize)", "64");
    EXPECT("@(SymmetricAlgorithm.Create(\"Blowfish\") == null)", "True");
}

Test(lib_symmetric, modes_ecb_and_cfb)
{
    EXPECT("@{ var aes = Aes.Create(); aes.set_Key(" NIST_KEY "); aes.set_Mode(CipherMode.ECB);"
           " aes.set_Padding(PaddingMode.None);"
           " return Convert.ToHexString(Convert.FromHexString(\"6bc1bee22e409f96e93d7e117393172a\").Encrypt(aes)); }",
           "3AD77BB40D7A3660A89ECAF32466EF97");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Key(" NIST_KEY ");"
           " return Convert.ToHexString(aes.EncryptEcb(Convert.FromHexString(\"6bc1bee22e409f96e93d7e117393172a\"),"
           " PaddingMode.None)); }",
           "3AD77BB40D7A3660A89ECAF32466EF97");
    /* CFB8 (Aes's default feedback size) pads PKCS7 to one byte, as .NET Core */
    EXPECT("@{ var aes = Aes.Create(); aes.set_Mode(CipherMode.CFB);"
           " return Convert.ToHexString(Convert.FromHexString(\"6bc1bee22e409f96e93d7e117393172aae2d\")"
           ".Encrypt(aes, " NIST_KEY ", " NIST_IV ")); }",
           "3B79424C9C0DD436BACE9E0ED4586A4F32B955");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Mode(CipherMode.CFB); aes.set_FeedbackSize(128);"
           " aes.set_Padding(PaddingMode.None);"
           " return Convert.ToHexString(Convert.FromHexString(\"6bc1bee22e409f96e93d7e117393172a\")"
           ".Encrypt(aes, " NIST_KEY ", " NIST_IV ")); }",
           "3B3FD92EB72DAD20333449F8E83CFB4A");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Mode(CipherMode.CFB); aes.set_FeedbackSize(64);"
           " return new byte[] {1}.Encrypt(aes).Length; }",
           "!System.Security.Cryptography.CryptographicException: The specified feedback size '64' for CipherMode "
           "'CFB' is not supported.");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Mode(CipherMode.OFB); return 1; }",
           "!System.Security.Cryptography.CryptographicException: Specified cipher mode is not valid for this "
           "algorithm.");
}

Test(lib_symmetric, paddings)
{
    /* Zeros: none added to a whole block, and never removed */
    EXPECT("@{ var aes = Aes.Create(); aes.set_Padding(PaddingMode.Zeros);"
           " var c = new byte[] {1, 2, 3}.Encrypt(aes); var d = c.Decrypt(aes);"
           " return c.Length + \" \" + d.Length + \" \" + d[2] + d[3] + \" \" + new byte[16].Encrypt(aes).Length; }",
           "16 16 30 16");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Padding(PaddingMode.ANSIX923);"
           " return new byte[] {1, 2, 3}.Encrypt(aes).Decrypt(aes).Length; }",
           "3");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Padding(PaddingMode.ISO10126);"
           " return new byte[20].Encrypt(aes).Decrypt(aes).Length; }",
           "20");
    /* None: whole blocks only */
    EXPECT("@{ var aes = Aes.Create(); aes.set_Padding(PaddingMode.None); return new byte[5].Encrypt(aes).Length; }",
           "!System.Security.Cryptography.CryptographicException: The input data is not a complete block.");
    /* empty input: one full PKCS7 block */
    EXPECT("@(new byte[0].Encrypt(\"Aes\", " NIST_KEY ", " NIST_IV ").Decrypt(\"Aes\", " NIST_KEY ", " NIST_IV
           ").Length)",
           "0");
}

Test(lib_symmetric, bad_padding_on_decrypt)
{
    /* the right ciphertext with the wrong key: the last block does not end in valid PKCS7 */
    EXPECT("@(Convert.FromHexString(\"" NIST_CBC NIST_CBC_PAD "\").Decrypt(\"Aes\","
           " Convert.FromHexString(\"2b7e151628aed2a6abf7158809cf4f3d\"), " NIST_IV ").Length)",
           "!System.Security.Cryptography.CryptographicException: Padding is invalid and cannot be removed.");
    /* NIST blocks without the padding block: last byte 0xA7 > 16 */
    EXPECT("@(Convert.FromHexString(\"" NIST_CBC "\").Decrypt(\"Aes\", " NIST_KEY ", " NIST_IV ").Length)",
           "!System.Security.Cryptography.CryptographicException: Padding is invalid and cannot be removed.");
    /* ... which PaddingMode.None accepts */
    EXPECT("@{ var aes = Aes.Create(); aes.set_Padding(PaddingMode.None);"
           " return Convert.FromHexString(\"" NIST_CBC "\").Decrypt(aes, " NIST_KEY ", " NIST_IV ").Length; }",
           "64");
    EXPECT("@(new byte[17].Decrypt(\"Aes\", " NIST_KEY ", " NIST_IV ").Length)",
           "!System.Security.Cryptography.CryptographicException: The input data is not a complete block.");
}

Test(lib_symmetric, bad_keys_and_ivs)
{
    EXPECT("@(new byte[3].Encrypt(\"Aes\", new byte[15], " NIST_IV "))",
           "!System.Security.Cryptography.CryptographicException: Specified key is not a valid size for this "
           "algorithm.");
    EXPECT("@(new byte[3].Decrypt(\"TripleDES\", new byte[32], new byte[8]))",
           "!System.Security.Cryptography.CryptographicException: Specified key is not a valid size for this "
           "algorithm.");
    EXPECT("@{ var aes = Aes.Create(); aes.set_Key(new byte[20]); return 1; }",
           "!System.Security.Cryptography.CryptographicException: Specified key is not a valid size for this "
           "algorithm.");
    EXPECT("@{ var aes = Aes.Create(); aes.set_KeySize(100); return 1; }",
           "!System.Security.Cryptography.CryptographicException: Specified key is not a valid size for this "
           "algorithm.");
    EXPECT("@(new byte[3].Encrypt(\"Aes\", " NIST_KEY ", new byte[8]))",
           "!System.Security.Cryptography.CryptographicException: Specified initialization vector (IV) does not "
           "match the block size for this algorithm.");
    EXPECT("@(new byte[3].Encrypt(\"Aes\", " NIST_KEY ", null))",
           "!System.Security.Cryptography.CryptographicException: The cipher mode specified requires that an "
           "initialization vector (IV) be used.");
    EXPECT("@(new byte[3].Encrypt(\"Aes\", null, " NIST_IV "))",
           "!System.ArgumentNullException: Value cannot be null. (Parameter 'key')");
    EXPECT("@(new byte[3].Encrypt(\"Blowfish\", " NIST_KEY ", " NIST_IV "))",
           "!System.ArgumentException: 'Blowfish' is not a supported symmetric algorithm (Aes, Rijndael, TripleDES). "
           "(Parameter 'alg')");
    EXPECT("@(new byte[3].Encrypt(\"Aes\"))",
           "!System.ArgumentException: Encrypt(string) needs a key and an IV: Encrypt(name, key, iv).");
}

Test(lib_symmetric, triple_des)
{
    /* printf abc | openssl enc -des-ede3-cbc -K 0123456789abcdef23456789abcdef010123456789abcdef
     * -iv 1234567890abcdef; the two-key form (K3 = K1) gives the same */
    EXPECT("@(Convert.ToHexString(Encoding.UTF8.GetBytes(\"abc\").Encrypt(\"TripleDES\","
           " Convert.FromHexString(\"0123456789abcdef23456789abcdef010123456789abcdef\"),"
           " Convert.FromHexString(\"1234567890abcdef\"))))",
           "F6C22FE3BC9674CF");
    EXPECT("@(Convert.ToHexString(Encoding.UTF8.GetBytes(\"abc\").Encrypt(\"3DES\","
           " Convert.FromHexString(\"0123456789abcdef23456789abcdef01\"), Convert.FromHexString(\"1234567890abcdef\"))))",
           "F6C22FE3BC9674CF");
    EXPECT("@{ var t = TripleDES.Create(); var c = Encoding.UTF8.GetBytes(\"triple\").Encrypt(t);"
           " return t.KeySize + \" \" + Encoding.UTF8.GetString(c.Decrypt(t)); }",
           "192 triple");
}

Test(lib_symmetric, crypto_transforms)
{
    EXPECT("@{ var aes = Aes.Create(); var e = aes.CreateEncryptor(" NIST_KEY ", " NIST_IV ");"
           " var p = " NIST_PLAIN "; var c = e.TransformFinalBlock(p, 0, p.Length);"
           " var d = aes.CreateDecryptor(" NIST_KEY ", " NIST_IV ");"
           " return Convert.ToHexString(c) + \" \" + d.TransformFinalBlock(c, 0, c.Length).Length"
           " + \" \" + e.InputBlockSize; }",
           NIST_CBC NIST_CBC_PAD " 64 16");
    EXPECT("@{ var aes = Aes.Create(); var c = aes.CreateEncryptor().TransformFinalBlock(new byte[40], 8, 20);"
           " return aes.CreateDecryptor().TransformFinalBlock(c, 0, c.Length).Length; }",
           "20");
    EXPECT("@(Aes.Create().CreateEncryptor().TransformFinalBlock(new byte[4], 2, 3))",
           "!System.ArgumentException: Offset and length were out of bounds for the array or count is greater than the "
           "number of elements from index to the end of the source collection.");
}

/* Property assignment: aes.Key = k calls set_Key (check_ops.c); compound assignment reads
   the property and calls the setter */
Test(lib_symmetric, property_assignment)
{
    EXPECT("@{ var aes = Aes.Create(); aes.Key = " NIST_KEY "; aes.IV = " NIST_IV "; aes.Mode = CipherMode.CBC;"
           " aes.Padding = PaddingMode.PKCS7;"
           " return Convert.ToHexString(" NIST_PLAIN ".Encrypt(aes)); }",
           NIST_CBC NIST_CBC_PAD);
    EXPECT("@{ var aes = Aes.Create(); aes.KeySize = 128; aes.KeySize += 64; return aes.KeySize + \" \" + aes.Key.Length; }",
           "192 24");
    EXPECT("@{ object o = Aes.Create(); o.KeySize = 256; return ((Aes)o).KeySize; }", "256");
    EXPECT("@{ object o = \"s\"; o.KeySize = 256; return 1; }",
           "!Microsoft.CSharp.RuntimeBinder.RuntimeBinderException: 'System.String' does not contain a definition for 'set_KeySize'");
    EXPECT("@{ var aes = Aes.Create(); aes.Key = new byte[3]; return 1; }",
           "!System.Security.Cryptography.CryptographicException: Specified key is not a valid size for this algorithm.");
}

/* anonymous objects: properties, ToString as C#, JSON as Newtonsoft (Create-HMAC-SHA256-Signed-JWT) */
Test(lib_symmetric, anonymous_objects)
{
    EXPECT("@{ var header = new { typ = \"JWT\", alg = \"HS256\" }; return JsonConvert.SerializeObject(header); }",
           "{\"typ\":\"JWT\",\"alg\":\"HS256\"}");
    EXPECT("@{ var exp = 10L; var username = \"john\"; var p = new { exp, username, n = new { a = 1.5 } };"
           " return p.ToString() + \" \" + p.exp * 2 + \" \" + JObject.FromObject(p)[\"n\"][\"a\"]; }",
           "{ exp = 10, username = john, n = { a = 1.5 } } 20 1.5");
    EXPECT("@{ var s = \"x\"; var p = new { s.Length, t = (string)null }; return p + \"|\" + JsonConvert.SerializeObject(p); }",
           "{ Length = 1, t =  }|{\"Length\":1,\"t\":null}");
    EXPECT("@(new { a = 1, a = 2 })", "error 1:16: an anonymous type cannot have multiple properties with the same name");
    EXPECT("@(new { a = null })", "error 1:13: cannot assign <null> to an anonymous type property");
    EXPECT("@(new { a = 1 }.b)", "error 1:3: 'b' is not a member of <anonymous type>");
    EXPECT("@{ var p = new { a = 1 }; p.a = 2; return 1; }",
           "error 1:27: property 'a' cannot be assigned to (it is read only, or unknown)");
}

/* hmac.Key = k and new HMACSHA256 { Key = k } (object initializer through set_Key) */
Test(lib_symmetric, hmac_key_setter_and_initializer)
{
    EXPECT("@{ var h = new System.Security.Cryptography.HMACSHA256 { Key = Encoding.UTF8.GetBytes(\"key\") };"
           " return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(\"The quick brown fox jumps over the lazy dog\"))); }",
           "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    EXPECT("@{ var h = new HMACSHA256(); h.Key = new byte[] { 1, 2 }; return h.Key.Length; }", "2");
    EXPECT("@{ var h = new HMACSHA256(); h.Key = null; return 1; }",
           "!System.ArgumentNullException: Value cannot be null. (Parameter 'value')");
}
