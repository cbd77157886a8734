/* lib_object: object, void, arrays and the Enumerable extension methods (owner: interpreter core).
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t expr_class_object = {
    .name = "object",
    .full_name = "System.Object",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
};

const expr_class_t expr_class_void = {
    .name = "void",
    .full_name = "System.Void",
    .tag = EXPR_V_NULL,
    .is_nameable = false,
};

const expr_class_t expr_class_array = {
    .name = "Array",
    .full_name = "System.Array",
    .tag = EXPR_V_ARRAY,
    .is_nameable = true,
};

const expr_class_t expr_class_enumerable = {
    .name = "Enumerable",
    .full_name = "System.Linq.Enumerable",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
};

const expr_class_t *const expr_lib_object_classes[] = {&expr_class_object, &expr_class_void, &expr_class_array, &expr_class_enumerable, NULL};
