/* Shared by lib_json*.c (and lib_auth.c, for the writer) only: token helpers, conversions
 * and the text writer/path engine.
 * The public contract is lib_json.h. */
#ifndef MERIDIAN_EXPR_LIB_JSON_INTERNAL_H
#define MERIDIAN_EXPR_LIB_JSON_INTERNAL_H

#include "base/buf.h"
#include "expr/lib_json.h"

extern const expr_class_t expr_class_jtokentype;
extern const expr_class_t expr_class_jsonformatting;
extern const expr_class_t expr_class_jsonconvert;

#define JSON_EXC_READER "Newtonsoft.Json.JsonReaderException"
#define JSON_EXC "Newtonsoft.Json.JsonException"

/* Newtonsoft's JTokenType numbering. */
enum {
    JTT_NONE = 0, JTT_OBJECT = 1, JTT_ARRAY = 2, JTT_PROPERTY = 4, JTT_INTEGER = 6,
    JTT_FLOAT = 7, JTT_STRING = 8, JTT_BOOLEAN = 9, JTT_NULL = 10, JTT_COUNT = 18
};

/* A JTokenType or Formatting constant: values are unique static objects (so == is
 * reference equality) that print their name. */
typedef struct {
    int value;
    const char *name;
} json_enum_t;

/* The token behind a JToken value, or NULL when v is not one. */
const expr_json_token_t *json_tok(const expr_value_t *v);
/* A new token value for a child read from a container (has_parent set): takes a reference
 * to json. name != NULL makes a JProperty. */
int json_tok_new(expr_rt_t *rt, json_t *json, const char *name, size_t name_len,
                 expr_value_t *out);
/* A new token without a parent, consuming the caller's reference (released on failure
 * too). NULL json → OutOfMemoryException. */
int json_tok_steal(expr_rt_t *rt, json_t *json, expr_value_t *out);
/* The JTokenType of a token (JProperty → Property). */
int json_token_type(const expr_json_token_t *t);
const char *json_token_type_name(int type);
int json_enum_value(expr_rt_t *rt, const expr_class_t *cls, int value, expr_value_t *out);
/* The int of a JTokenType/Formatting value (an int is accepted too), or -1. */
int json_enum_of(const expr_value_t *v);

/* JSON for a value being added into container `into` (NULL: a new JProperty): a new
 * reference. A token without a parent is taken itself (and now has one); one with a parent,
 * or one that contains `into`, is deep-copied. A JProperty's value follows the same rule
 * through its property. */
int json_for_add(expr_rt_t *rt, const expr_value_t *v, const json_t *into, json_t **out);
/* The scalar token converted to class `to` (string, int, long, double, bool, DateTime, or a
 * JToken class): 0, 1 when `to` is not a conversion target, or EXPR_THROWN. */
int json_convert_to(expr_rt_t *rt, const expr_json_token_t *t, const expr_class_t *to,
                    expr_value_t *out);

/* .NET's double.ToString() (shortest round trip, "E+XX" past 17 digits) into buf[32]. */
void json_format_double(double d, char buf[32]);
/* Newtonsoft's writer: appends the JSON text of json (or of a property when name != NULL).
 * 0 or -ENOMEM. */
int json_write_buf(buf_t *b, const json_t *json, const char *name, size_t name_len,
                   bool indented);
/* The text of a token as a string value (JProperty included). */
int json_write_token(expr_rt_t *rt, const expr_json_token_t *t, bool indented,
                     expr_value_t *out);

/* Shared by the JToken family's members (lib_json_members.c, lib_json_array.c). */
const char *json_full_name_of(const expr_json_token_t *t);
/* The token of self; NullReferenceException when it is not one. */
int json_self_token(expr_rt_t *rt, const expr_value_t *self, const expr_json_token_t **t);
/* InvalidCastException "Unable to cast object of type 'X' to type 'Y'." */
int json_cast_error(expr_rt_t *rt, const expr_json_token_t *t, const expr_class_t *to);
/* Adds v to array arr; flatten: an enumerable that is not a token adds its items. */
int json_array_add(expr_rt_t *rt, json_t *arr, const expr_value_t *v, bool flatten, int depth);
int json_arr_ctor(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                  expr_value_t *args, unsigned argc, expr_value_t *out);
int json_arr_add(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                 expr_value_t *args, unsigned argc, expr_value_t *out);
int json_arr_insert(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out);
int json_arr_remove_at(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out);
int json_arr_clear(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out);
/* IndexOf / Contains / Remove(item), told apart by the member's name. */
int json_arr_find(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                  expr_value_t *args, unsigned argc, expr_value_t *out);

/* JToken.Parent and JToken.Remove() */
int json_tok_parent(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out);
int json_tok_remove(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out);

/* JSONPath (SelectToken): the matches of path on root, as borrowed json_t* in an arena
 * array. errorWhenNoMatch makes a missing property/index a JsonException. */
int json_path_select(expr_rt_t *rt, json_t *root, const char *path, size_t len,
                     bool error_when_no_match, json_t ***matches, size_t *count);


/* Shared by lib_json_members.c and lib_json_value.c. */
int json_member_oom(expr_rt_t *rt); /* OutOfMemoryException */
/* A token read from container `parent` (search: somewhere below it, as SelectToken finds
 * it), so that Parent and Remove() can reach the container. */
int json_tok_child(expr_rt_t *rt, const expr_json_token_t *parent, bool search, json_t *json,
                   const char *name, size_t name_len, expr_value_t *out);
/* A string argument (null → ArgumentNullException, other tags → ArgumentException). */
int json_need_string(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **s,
                     size_t *len);
/* Value<T>() / ToObject<T>(): the token converted to class `to`. */
int json_convert_generic(expr_rt_t *rt, const expr_value_t *token, const expr_class_t *to,
                         expr_value_t *out);

/* The JToken class hooks (value.h expr_class_t) and Count, shared by every JToken class
 * table (lib_json_members.c, lib_json_value.c). */
int json_tok_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,
                       uint32_t *count);
int json_tok_convert(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to,
                     expr_value_t *out);
int json_tok_class_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);
bool json_tok_equals(const expr_value_t *a, const expr_value_t *b);
int json_tok_count(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out);

#endif
