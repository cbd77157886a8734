/* lib_net: Uri, UriPartial, WebUtility.
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t *const expr_lib_net_classes[] = {NULL};
