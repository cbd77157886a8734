/* lib_crypto: MD5, SHA1/256/384/512, HMAC* (OpenSSL).
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t *const expr_lib_crypto_classes[] = {NULL};
