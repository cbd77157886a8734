/* lib_json: JToken, JObject, JArray, JValue, JProperty, JTokenType, JsonConvert, Formatting (jansson).
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t *const expr_lib_json_classes[] = {NULL};
