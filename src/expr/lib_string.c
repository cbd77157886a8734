/* lib_string: string, char, StringComparison, StringSplitOptions, StringBuilder.
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t expr_class_string = {
    .name = "string",
    .full_name = "System.String",
    .tag = EXPR_V_STRING,
    .is_nameable = true,
};

const expr_class_t expr_class_char = {
    .name = "char",
    .full_name = "System.Char",
    .tag = EXPR_V_CHAR,
    .is_nameable = true,
};

const expr_class_t *const expr_lib_string_classes[] = {&expr_class_string, &expr_class_char, NULL};
