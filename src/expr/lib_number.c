/* lib_number: bool, int, long, double, Math, Convert, BitConverter, Encoding, byte[].
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t expr_class_bool = {
    .name = "bool",
    .full_name = "System.Boolean",
    .tag = EXPR_V_BOOL,
    .is_nameable = true,
};

const expr_class_t expr_class_int = {
    .name = "int",
    .full_name = "System.Int32",
    .tag = EXPR_V_INT,
    .is_nameable = true,
};

const expr_class_t expr_class_long = {
    .name = "long",
    .full_name = "System.Int64",
    .tag = EXPR_V_LONG,
    .is_nameable = true,
};

const expr_class_t expr_class_double = {
    .name = "double",
    .full_name = "System.Double",
    .tag = EXPR_V_DOUBLE,
    .is_nameable = true,
};

const expr_class_t expr_class_bytes = {
    .name = "byte[]",
    .full_name = "System.Byte[]",
    .tag = EXPR_V_BYTES,
    .is_nameable = true,
};

const expr_class_t *const expr_lib_number_classes[] = {&expr_class_bool, &expr_class_int, &expr_class_long, &expr_class_double, &expr_class_bytes, NULL};
