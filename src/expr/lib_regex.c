/* lib_regex: Regex, RegexOptions, Match, Group, Capture, MatchCollection (PCRE2).
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t *const expr_lib_regex_classes[] = {NULL};
