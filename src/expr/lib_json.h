/* lib_json: Newtonsoft.Json.Linq for policy expressions (spec/apim-gateway.md §3.2, §3.3) —
 * JToken, JObject, JArray, JValue, JProperty, JTokenType, JsonConvert, Formatting — over
 * jansson, plus the C API other modules use to hand JSON to expressions and take it back
 * (context.Request.Body.As<JObject>(), set-body, set-variable).
 *
 * Model
 * - A JToken value is EXPR_V_OBJECT whose obj.ptr is an expr_json_token_t in the runtime's
 *   arena. The token holds one reference to its json_t, released by a cleanup registered
 *   with expr_rt_defer: a token (and anything read from it) stays valid until expr_rt_end.
 *   A host that keeps JSON values across evaluations (context.Variables) must therefore
 *   end the runtime only when the request ends.
 * - The runtime class follows the JSON type: object → JObject, array → JArray, any scalar
 *   (string, number, true/false, null) → JValue; a JProperty is a name plus its value.
 * - Containers are shared, not copied, like Newtonsoft's tokens: obj["a"]["b"] = 1 changes
 *   obj. Adding a container that already has a parent adds a deep copy, as Newtonsoft
 *   clones it (see has_parent); a container is never added into itself.
 * - Text is written exactly as Newtonsoft's JsonTextWriter does (2-space indentation,
 *   "name": value, doubles in .NET's shortest round-trip form with ".0" added to integral
 *   values, \u escapes for control characters, U+0085, U+2028, U+2029).
 *
 * Every function returns 0, or EXPR_THROWN with a .NET exception recorded in rt. */
#ifndef MERIDIAN_EXPR_LIB_JSON_H
#define MERIDIAN_EXPR_LIB_JSON_H

#include "expr/value.h"

#include <jansson.h>
#include <stdbool.h>

extern const expr_class_t expr_class_jtoken;    /* Newtonsoft.Json.Linq.JToken (base) */
extern const expr_class_t expr_class_jobject;   /* Newtonsoft.Json.Linq.JObject */
extern const expr_class_t expr_class_jarray;    /* Newtonsoft.Json.Linq.JArray */
extern const expr_class_t expr_class_jvalue;    /* Newtonsoft.Json.Linq.JValue */
extern const expr_class_t expr_class_jproperty; /* Newtonsoft.Json.Linq.JProperty */

/* What obj.ptr of a JToken value points to. */
typedef struct expr_json_token {
    json_t *json;     /* the token; for a JProperty, its value (one reference held) */
    const char *name; /* JProperty: its name (arena, NUL-terminated); NULL otherwise */
    uint32_t name_len;
    /* False for a token made by a constructor, Parse, DeepClone or expr_json_wrap until it is
     * added to a container: such a token is added itself (later changes show in the
     * container); a token that already has a parent is added as a deep copy, as Newtonsoft
     * clones it. */
    bool has_parent;
    /* The token of the container it was read from (obj["a"], Properties(), items...), for
     * Parent and Remove(); NULL when unknown. parent_is_ancestor: the container is somewhere
     * below `parent` (a SelectToken result) and is found by a search when needed. */
    bool parent_is_ancestor;
    const struct expr_json_token *parent;
} expr_json_token_t;

/* Wraps `json` (a new reference is taken; the caller keeps its own) as a JObject, JArray or
 * JValue value without a parent. */
int expr_json_wrap(expr_rt_t *rt, json_t *json, expr_value_t *out);

/* The json_t of a JToken value (a JProperty gives its value), borrowed: valid until
 * expr_rt_end unless the caller increfs it. NULL when v is not a JToken (null, a string...). */
json_t *expr_json_borrow(const expr_value_t *v);

/* Any value as JSON, a new reference the caller releases: JTokens give their json_t (a deep
 * copy when a container already has another owner), null → null, bool, int/long → integer,
 * double → real, string/char → string, DateTime → ISO 8601 string as Newtonsoft writes it,
 * TimeSpan → "d.hh:mm:ss", Guid → "d" string, byte[] → base64, arrays and enumerable
 * objects → array, other objects → their ToString() (ArgumentException when they have
 * none). A JProperty is refused (ArgumentException) — it is not a value. */
int expr_json_from_value(expr_rt_t *rt, const expr_value_t *v, json_t **out);

/* Parses text as JToken.Parse does (any JSON value); bad JSON throws
 * Newtonsoft.Json.JsonReaderException with a "... Path '', line L, position P." message. */
int expr_json_parse(expr_rt_t *rt, const char *text, size_t len, expr_value_t *out);

/* Parses text as T.Parse does for T = expr_class_jtoken, _jobject or _jarray (the body's
 * As<JObject>()): a JSON value of another kind throws JsonReaderException "Error reading
 * JObject from JsonReader. Current JsonReader item is not an object: StartArray. ...". */
int expr_json_parse_as(expr_rt_t *rt, const char *text, size_t len, const expr_class_t *cls,
                       expr_value_t *out);

/* The JSON text of `json` as Newtonsoft writes it (Formatting.Indented or None), as an
 * arena string in *out. */
int expr_json_write(expr_rt_t *rt, const json_t *json, bool indented, expr_value_t *out);

#endif
