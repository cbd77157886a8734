/* lib_auth: Jwt, BasicAuthCredentials and the string extensions AsJwt, TryParseJwt, AsBasic, TryParseBasic.
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t *const expr_lib_auth_classes[] = {NULL};
