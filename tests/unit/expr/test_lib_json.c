/* lib_json natives called directly (member tables looked up by name), as the interpreter
 * will call them: Parse, indexers, conversions, writer output, SelectToken, constructors,
 * JsonConvert, and the C API. */
#include "expr/lib_json.h"
#include "lib_rt.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite(lib_json, .init = lib_setup, .fini = lib_teardown);

static const expr_class_t *json_class(const char *name)
{
    for (size_t i = 0; expr_lib_json_classes[i]; i++)
        if (strcmp(expr_lib_json_classes[i]->name, name) == 0) return expr_lib_json_classes[i];
    cr_assert_fail("no class %s", name);
    return NULL;
}

static const expr_member_t *find(const expr_class_t *cls, const char *name, expr_member_kind_t kind)
{
    for (const expr_class_t *c = cls; c; c = c->base)
        for (size_t i = 0; i < c->member_count; i++)
            if (c->members[i].kind == kind && strcmp(c->members[i].name, name) == 0) return &c->members[i];
    cr_assert_fail("no member %s.%s", cls->name, name);
    return NULL;
}

/* Calls cls.name (of kind) and returns the native's result. */
static int call_t(const expr_class_t *cls, const char *name, expr_member_kind_t kind,
                  const expr_class_t *type_arg, const expr_value_t *self, expr_value_t *args,
                  unsigned argc, expr_value_t *out)
{
    const expr_member_t *m = find(cls, name, kind);
    /* an indexer assignment passes the key and the value: one more than the key count */
    unsigned max = m->max_args + (kind == EXPR_M_INDEXER);
    cr_assert(argc >= m->min_args && argc <= max, "%s takes %u..%u args, not %u", name,
              m->min_args, max, argc);
    expr_call_t call = {.member = m, .type_arg = type_arg};
    rt.has_exception = false;
    return m->fn(&rt, &call, self, args, argc, out);
}

/* A method/property call on a token that must succeed. */
static expr_value_t ok(const expr_value_t *self, const char *name, expr_member_kind_t kind,
                       expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    int rc = call_t(self->u.obj.cls, name, kind, NULL, self, args, argc, &out);
    cr_assert_eq(rc, 0, "%s threw %s: %s", name, rt.exception_type, rt.exception_message);
    return out;
}

static expr_value_t S(const char *s)
{
    return expr_str_ref(s, strlen(s));
}

static expr_value_t parse_as(const char *cls, const char *json)
{
    expr_value_t arg = S(json), out;
    int rc = call_t(json_class(cls), "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out);
    cr_assert_eq(rc, 0, "Parse(%s) threw %s: %s", json, rt.exception_type, rt.exception_message);
    return out;
}

static expr_value_t parse(const char *json)
{
    return parse_as("JToken", json);
}

/* A string value as a NUL-terminated C string (arena copy). */
static const char *cstr(expr_value_t v)
{
    cr_assert_eq(v.tag, EXPR_V_STRING, "not a string (tag %d)", v.tag);
    expr_value_t c;
    cr_assert_eq(expr_str_copy(&rt, v.u.s.ptr, v.u.s.len, &c), 0);
    return c.u.s.ptr;
}

/* The class's ToString (what concatenation and ToString() give). */
static const char *to_string(expr_value_t v)
{
    expr_value_t s;
    cr_assert_eq(v.tag, EXPR_V_OBJECT);
    int rc = v.u.obj.cls->to_string(&rt, &v, &s);
    cr_assert_eq(rc, 0, "%s", rt.exception_message);
    return cstr(s);
}

static expr_value_t formatting(const char *name)
{
    expr_value_t out;
    cr_assert_eq(call_t(json_class("Formatting"), name, EXPR_M_STATIC_PROPERTY, NULL, NULL, NULL, 0, &out), 0);
    return out;
}

static const char *compact(expr_value_t v)
{
    expr_value_t f = formatting("None");
    return cstr(ok(&v, "ToString", EXPR_M_METHOD, &f, 1));
}

static expr_value_t index_get(expr_value_t self, expr_value_t key)
{
    return ok(&self, "[]", EXPR_M_INDEXER, &key, 1);
}

static void index_set(expr_value_t self, expr_value_t key, expr_value_t value)
{
    expr_value_t args[2] = {key, value};
    ok(&self, "[]", EXPR_M_INDEXER, args, 2);
}

static void assert_thrown(int rc, const char *type, const char *message_part)
{
    cr_assert_eq(rc, EXPR_THROWN);
    cr_assert(rt.has_exception);
    cr_assert_str_eq(rt.exception_type, type);
    cr_assert(strstr(rt.exception_message, message_part), "message '%s' lacks '%s'",
              rt.exception_message, message_part);
}

static int convert(expr_value_t v, const expr_class_t *to, expr_value_t *out)
{
    rt.has_exception = false;
    return v.u.obj.cls->convert(&rt, &v, to, out);
}

static expr_value_t construct(const char *cls, expr_value_t *args, unsigned argc);

/* ---- Parse, classes, nested access ---- */

Test(lib_json, parse_gives_class_by_json_type)
{
    cr_assert_eq(parse("{}").u.obj.cls, json_class("JObject"));
    cr_assert_eq(parse("[1]").u.obj.cls, json_class("JArray"));
    cr_assert_eq(parse("\"s\"").u.obj.cls, json_class("JValue"));
    cr_assert_eq(parse("null").u.obj.cls, json_class("JValue"));
    cr_assert_eq(parse_as("JObject", " {\"a\":1} ").u.obj.cls, json_class("JObject"));
}

Test(lib_json, nested_indexers_and_casts)
{
    expr_value_t body = parse_as("JObject", "{\"a\":{\"b\":[1,2]},\"s\":\"x\"}");
    expr_value_t b = index_get(index_get(body, S("a")), S("b"));
    expr_value_t one = index_get(b, expr_int(1));
    expr_value_t v;
    cr_assert_eq(convert(one, &expr_class_int, &v), 0);
    cr_assert_eq(v.tag, EXPR_V_INT);
    cr_assert_eq(v.u.i, 2);
    cr_assert_eq(index_get(body, S("missing")).tag, EXPR_V_NULL);
    cr_assert_eq(convert(index_get(body, S("s")), &expr_class_string, &v), 0);
    cr_assert_str_eq(cstr(v), "x");
}

Test(lib_json, indexer_errors)
{
    expr_value_t arr = parse("[1,2]"), obj = parse("{\"a\":1}"), val = parse("3"), out;
    expr_value_t key = S("a");
    assert_thrown(call_t(arr.u.obj.cls, "[]", EXPR_M_INDEXER, NULL, &arr, &key, 1, &out),
                  "System.ArgumentException", "Accessed JArray values with invalid key value: \"a\". Int32 array index expected.");
    key = expr_int(0);
    assert_thrown(call_t(obj.u.obj.cls, "[]", EXPR_M_INDEXER, NULL, &obj, &key, 1, &out),
                  "System.ArgumentException", "Accessed JObject values with invalid key value");
    key = expr_int(2);
    assert_thrown(call_t(arr.u.obj.cls, "[]", EXPR_M_INDEXER, NULL, &arr, &key, 1, &out),
                  "System.ArgumentOutOfRangeException", "Index was out of range");
    assert_thrown(call_t(val.u.obj.cls, "[]", EXPR_M_INDEXER, NULL, &val, &key, 1, &out),
                  "System.InvalidOperationException", "Cannot access child value on Newtonsoft.Json.Linq.JValue.");
}

Test(lib_json, parse_errors_are_json_reader_exceptions)
{
    expr_value_t out, arg = S("{\"a\":");
    const expr_class_t *jobject = json_class("JObject");
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "Unexpected end of content");
    arg = S("{\"a\" 1}");
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "line 1, position");
    arg = S("[1]");
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException",
                  "Error reading JObject from JsonReader. Current JsonReader item is not an object: StartArray.");
    arg = S("{}");
    assert_thrown(call_t(json_class("JArray"), "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "is not an array: StartObject");
    arg = S("  ");
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "Path '', line 0, position 0.");
    arg = S("{} x");
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "Additional text encountered after finished reading JSON content");
    arg = expr_null();
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "System.ArgumentNullException", "Value cannot be null");
    arg = expr_int(1);
    assert_thrown(call_t(jobject, "Parse", EXPR_M_STATIC_METHOD, NULL, NULL, &arg, 1, &out),
                  "System.ArgumentException", "must be a string");
}

/* ---- writer ---- */

Test(lib_json, to_string_indented_like_newtonsoft)
{
    expr_value_t v = parse("{\"a\":1,\"b\":[1,{\"c\":null}],\"e\":{},\"f\":[],\"g\":\"x\",\"h\":true}");
    cr_assert_str_eq(to_string(v), "{\n"
                                   "  \"a\": 1,\n"
                                   "  \"b\": [\n"
                                   "    1,\n"
                                   "    {\n"
                                   "      \"c\": null\n"
                                   "    }\n"
                                   "  ],\n"
                                   "  \"e\": {},\n"
                                   "  \"f\": [],\n"
                                   "  \"g\": \"x\",\n"
                                   "  \"h\": true\n"
                                   "}");
    cr_assert_str_eq(cstr(ok(&v, "ToString", EXPR_M_METHOD, NULL, 0)), to_string(v));
    cr_assert_str_eq(compact(v), "{\"a\":1,\"b\":[1,{\"c\":null}],\"e\":{},\"f\":[],\"g\":\"x\",\"h\":true}");
    expr_value_t f = formatting("Indented");
    cr_assert_str_eq(cstr(ok(&v, "ToString", EXPR_M_METHOD, &f, 1)), to_string(v));
}

Test(lib_json, key_order_is_kept)
{
    cr_assert_str_eq(compact(parse("{\"z\":1,\"a\":2,\"m\":3}")), "{\"z\":1,\"a\":2,\"m\":3}");
}

Test(lib_json, string_escaping)
{
    expr_value_t v = parse("[\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f<>&'\\u00e9\\u0085\\u2028\\u2029\\ud83d\\ude00\"]");
    cr_assert_str_eq(compact(v), "[\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f<>&'\xc3\xa9\\u0085\\u2028\\u2029\xf0\x9f\x98\x80\"]");
}

Test(lib_json, numbers_as_newtonsoft_writes_them)
{
    cr_assert_str_eq(compact(parse("[1.0,1.5,-0.0,100,1e2,1E20,1e17,1e16,1e15,0.0001,0.00001,1.2345678901234567,-9223372036854775808,3.14159e-10,123456789012345678e3]")),
                     "[1.0,1.5,-0.0,100,100.0,1E+20,1E+17,10000000000000000.0,1000000000000000.0,0.0001,1E-05,1.2345678901234567,-9223372036854775808,3.14159E-10,1.2345678901234568E+20]");
}

Test(lib_json, jvalue_to_string_is_the_value)
{
    cr_assert_str_eq(to_string(parse("\"abc\"")), "abc");
    cr_assert_str_eq(to_string(parse("1.0")), "1");
    cr_assert_str_eq(to_string(parse("2.5")), "2.5");
    cr_assert_str_eq(to_string(parse("true")), "True");
    cr_assert_str_eq(to_string(parse("null")), "");
    cr_assert_str_eq(compact(parse("\"abc\"")), "\"abc\"");
    cr_assert_str_eq(compact(parse("true")), "true");
}

/* ---- conversions ---- */

Test(lib_json, explicit_conversions)
{
    expr_value_t v;
    cr_assert_eq(convert(parse("\"42\""), &expr_class_int, &v), 0);
    cr_assert_eq(v.u.i, 42);
    cr_assert_eq(convert(parse("2.5"), &expr_class_int, &v), 0);
    cr_assert_eq(v.u.i, 2, "banker's rounding like Convert.ToInt32");
    cr_assert_eq(convert(parse("3.5"), &expr_class_int, &v), 0);
    cr_assert_eq(v.u.i, 4);
    cr_assert_eq(convert(parse("9007199254740993"), &expr_class_long, &v), 0);
    cr_assert_eq(v.tag, EXPR_V_LONG);
    cr_assert_eq(v.u.i, 9007199254740993LL);
    cr_assert_eq(convert(parse("\"1,000.5\""), &expr_class_double, &v), 0);
    cr_assert_float_eq(v.u.d, 1000.5, 1e-9);
    cr_assert_eq(convert(parse("\"True\""), &expr_class_bool, &v), 0);
    cr_assert(v.u.b);
    cr_assert_eq(convert(parse("0"), &expr_class_bool, &v), 0);
    cr_assert(!v.u.b);
    cr_assert_eq(convert(parse("12"), &expr_class_string, &v), 0);
    cr_assert_str_eq(cstr(v), "12");
    cr_assert_eq(convert(parse("false"), &expr_class_string, &v), 0);
    cr_assert_str_eq(cstr(v), "False");
    cr_assert_eq(convert(parse("null"), &expr_class_string, &v), 0);
    cr_assert_eq(v.tag, EXPR_V_NULL);
    cr_assert_eq(convert(parse("\"2024-02-29T12:30:15.5Z\""), &expr_class_datetime, &v), 0);
    cr_assert_eq(v.tag, EXPR_V_DATETIME);
    cr_assert_eq(v.aux, 1);
    cr_assert_eq(v.u.i, 621355968000000000LL + 1709209815LL * 10000000 + 5000000);
}

Test(lib_json, conversion_errors)
{
    expr_value_t v;
    assert_thrown(convert(parse("{}"), &expr_class_string, &v), "System.ArgumentException", "Can not convert Object to String.");
    assert_thrown(convert(parse("[]"), &expr_class_int, &v), "System.ArgumentException", "Can not convert Array to Int32.");
    assert_thrown(convert(parse("null"), &expr_class_int, &v), "System.ArgumentException", "Can not convert Null to Int32.");
    assert_thrown(convert(parse("\"abc\""), &expr_class_int, &v), "System.FormatException", "Input string was not in a correct format.");
    assert_thrown(convert(parse("\"1.5\""), &expr_class_long, &v), "System.FormatException", "Input string was not in a correct format.");
    assert_thrown(convert(parse("3000000000"), &expr_class_int, &v), "System.OverflowException", "Int32");
    assert_thrown(convert(parse("\"yes\""), &expr_class_bool, &v), "System.FormatException", "String 'yes' was not recognized as a valid Boolean.");
    assert_thrown(convert(parse("\"x\""), &expr_class_double, &v), "System.FormatException", "Input string was not in a correct format.");
    assert_thrown(convert(parse("1"), &expr_class_datetime, &v), "System.ArgumentException", "Can not convert Integer to DateTime.");
    assert_thrown(convert(parse("[]"), json_class("JObject"), &v), "System.InvalidCastException",
                  "Unable to cast object of type 'Newtonsoft.Json.Linq.JArray' to type 'Newtonsoft.Json.Linq.JObject'.");
    cr_assert_eq(convert(parse("{}"), json_class("JObject"), &v), 0);
    cr_assert_eq(convert(parse("{}"), json_class("JToken"), &v), 0);
    cr_assert_eq(convert(parse("{}"), &expr_class_guid, &v), 1, "no such conversion: the interpreter throws");
}

Test(lib_json, value_of_t)
{
    expr_value_t obj = parse("{\"s\":\"x\",\"n\":\"7\",\"i\":5,\"o\":{},\"z\":null}"), key, out;
    key = S("s");
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_string, &obj, &key, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "x");
    key = S("n");
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_int, &obj, &key, 1, &out), 0);
    cr_assert_eq(out.u.i, 7);
    key = S("i");
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_string, &obj, &key, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "5");
    key = S("missing");
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_int, &obj, &key, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_INT);
    cr_assert_eq(out.u.i, 0);
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_string, &obj, &key, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_NULL);
    key = S("z");
    assert_thrown(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_int, &obj, &key, 1, &out),
                  "System.InvalidCastException", "Null object cannot be converted to a value type.");
    key = S("o");
    assert_thrown(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_string, &obj, &key, 1, &out),
                  "System.InvalidCastException", "Cannot cast Newtonsoft.Json.Linq.JObject to Newtonsoft.Json.Linq.JToken.");
    cr_assert_eq(call_t(obj.u.obj.cls, "Value", EXPR_M_METHOD, json_class("JObject"), &obj, &key, 1, &out), 0);
    cr_assert_eq(out.u.obj.cls, json_class("JObject"));
    expr_value_t val = parse("2.5");
    cr_assert_eq(call_t(val.u.obj.cls, "Value", EXPR_M_METHOD, &expr_class_double, &val, NULL, 0, &out), 0);
    cr_assert_float_eq(out.u.d, 2.5, 1e-12);
    cr_assert_eq(call_t(val.u.obj.cls, "ToObject", EXPR_M_METHOD, &expr_class_string, &val, NULL, 0, &out), 0);
    cr_assert_str_eq(cstr(out), "2.5");
    out = ok(&val, "Value", EXPR_M_PROPERTY, NULL, 0);
    cr_assert_eq(out.tag, EXPR_V_DOUBLE);
}

/* ---- members ---- */

Test(lib_json, type_has_values_count_first_last)
{
    expr_value_t obj = parse("{\"a\":1,\"b\":[true,\"x\"]}");
    expr_value_t type = ok(&obj, "Type", EXPR_M_PROPERTY, NULL, 0);
    cr_assert_str_eq(to_string(type), "Object");
    expr_value_t as_int;
    cr_assert_eq(type.u.obj.cls->convert(&rt, &type, &expr_class_int, &as_int), 0);
    cr_assert_eq(as_int.u.i, 1);
    expr_value_t object_const;
    cr_assert_eq(call_t(json_class("JTokenType"), "Object", EXPR_M_STATIC_PROPERTY, NULL, NULL, NULL, 0, &object_const), 0);
    cr_assert_eq(object_const.u.obj.ptr, type.u.obj.ptr, "enum constants compare by reference");
    expr_value_t b = index_get(obj, S("b"));
    cr_assert_str_eq(to_string(ok(&b, "Type", EXPR_M_PROPERTY, NULL, 0)), "Array");
    cr_assert_str_eq(to_string(ok((expr_value_t[]){index_get(b, expr_int(0))}, "Type", EXPR_M_PROPERTY, NULL, 0)), "Boolean");
    cr_assert_str_eq(to_string(ok((expr_value_t[]){parse("1.5")}, "Type", EXPR_M_PROPERTY, NULL, 0)), "Float");
    cr_assert_str_eq(to_string(ok((expr_value_t[]){parse("null")}, "Type", EXPR_M_PROPERTY, NULL, 0)), "Null");
    cr_assert(ok(&obj, "HasValues", EXPR_M_PROPERTY, NULL, 0).u.b);
    cr_assert(!ok((expr_value_t[]){parse("{}")}, "HasValues", EXPR_M_PROPERTY, NULL, 0).u.b);
    cr_assert_eq(ok(&obj, "Count", EXPR_M_PROPERTY, NULL, 0).u.i, 2);
    cr_assert_eq(ok(&b, "Count", EXPR_M_PROPERTY, NULL, 0).u.i, 2);
    expr_value_t first = ok(&obj, "First", EXPR_M_PROPERTY, NULL, 0);
    cr_assert_eq(first.u.obj.cls, json_class("JProperty"));
    cr_assert_str_eq(cstr(ok(&first, "Name", EXPR_M_PROPERTY, NULL, 0)), "a");
    cr_assert_str_eq(to_string(first), "\"a\": 1");
    expr_value_t last = ok(&b, "Last", EXPR_M_PROPERTY, NULL, 0);
    cr_assert_str_eq(to_string(last), "x");
    cr_assert_eq(ok((expr_value_t[]){parse("[]")}, "First", EXPR_M_PROPERTY, NULL, 0).tag, EXPR_V_NULL);
}

Test(lib_json, properties_children_and_enumeration)
{
    expr_value_t obj = parse("{\"a\":1,\"b\":\"two\"}");
    expr_value_t props = ok(&obj, "Properties", EXPR_M_METHOD, NULL, 0);
    cr_assert_eq(props.tag, EXPR_V_ARRAY);
    cr_assert_eq(props.u.arr.count, 2);
    cr_assert_str_eq(cstr(ok(&props.u.arr.items[1], "Name", EXPR_M_PROPERTY, NULL, 0)), "b");
    cr_assert_str_eq(cstr(ok(&props.u.arr.items[1], "Key", EXPR_M_PROPERTY, NULL, 0)), "b");
    expr_value_t value = ok(&props.u.arr.items[1], "Value", EXPR_M_PROPERTY, NULL, 0);
    cr_assert_str_eq(to_string(value), "two");
    expr_value_t *items;
    uint32_t count;
    cr_assert_eq(obj.u.obj.cls->enumerate(&rt, &obj, &items, &count), 0);
    cr_assert_eq(count, 2);
    cr_assert_eq(items[0].u.obj.cls, json_class("JProperty"));
    expr_value_t arr = parse("[1,[2],{}]");
    cr_assert_eq(arr.u.obj.cls->enumerate(&rt, &arr, &items, &count), 0);
    cr_assert_eq(count, 3);
    cr_assert_eq(items[1].u.obj.cls, json_class("JArray"));
    expr_value_t children = ok(&arr, "Children", EXPR_M_METHOD, NULL, 0);
    cr_assert_eq(children.u.arr.count, 3);
    cr_assert_eq(ok((expr_value_t[]){parse("5")}, "Children", EXPR_M_METHOD, NULL, 0).u.arr.count, 0);
    expr_value_t name = S("a");
    expr_value_t prop = ok(&obj, "Property", EXPR_M_METHOD, &name, 1);
    cr_assert_str_eq(compact(prop), "\"a\":1");
    name = S("zz");
    cr_assert_eq(ok(&obj, "Property", EXPR_M_METHOD, &name, 1).tag, EXPR_V_NULL);
}

Test(lib_json, contains_try_get_remove_get_value)
{
    expr_value_t obj = parse("{\"Name\":\"n\",\"a\":1}");
    expr_value_t args[2] = {S("a"), expr_null()};
    cr_assert(ok(&obj, "ContainsKey", EXPR_M_METHOD, args, 1).u.b);
    cr_assert(ok(&obj, "TryGetValue", EXPR_M_METHOD, args, 2).u.b);
    cr_assert_str_eq(to_string(args[1]), "1");
    args[0] = S("b");
    cr_assert(!ok(&obj, "TryGetValue", EXPR_M_METHOD, args, 2).u.b);
    cr_assert_eq(args[1].tag, EXPR_V_NULL);
    args[0] = S("name");
    cr_assert_eq(ok(&obj, "GetValue", EXPR_M_METHOD, args, 1).tag, EXPR_V_NULL);
    args[1] = expr_int(5); /* StringComparison.OrdinalIgnoreCase */
    cr_assert_str_eq(to_string(ok(&obj, "GetValue", EXPR_M_METHOD, args, 2)), "n");
    args[0] = S("a");
    cr_assert(ok(&obj, "Remove", EXPR_M_METHOD, args, 1).u.b);
    cr_assert(!ok(&obj, "Remove", EXPR_M_METHOD, args, 1).u.b);
    cr_assert_str_eq(compact(obj), "{\"Name\":\"n\"}");
}

Test(lib_json, indexer_set_converts_and_shares)
{
    expr_value_t obj = parse("{\"a\":{\"b\":1}}");
    index_set(obj, S("s"), S("str"));
    index_set(obj, S("i"), expr_int(3));
    index_set(obj, S("d"), expr_double(0.5));
    index_set(obj, S("t"), expr_bool(true));
    index_set(obj, S("n"), expr_null());
    /* obj["a"]["b"] = 2 changes obj: tokens share their container */
    index_set(index_get(obj, S("a")), S("b"), expr_int(2));
    cr_assert_str_eq(compact(obj), "{\"a\":{\"b\":2},\"s\":\"str\",\"i\":3,\"d\":0.5,\"t\":true,\"n\":null}");
    expr_value_t arr = parse("[0,1]");
    index_set(arr, expr_int(1), parse("{\"x\":[]}"));
    cr_assert_str_eq(compact(arr), "[0,{\"x\":[]}]");
    expr_value_t out, args[2] = {expr_int(2), expr_int(0)};
    assert_thrown(call_t(arr.u.obj.cls, "[]", EXPR_M_INDEXER, NULL, &arr, args, 2, &out),
                  "System.ArgumentOutOfRangeException", "Index was out of range");
}

Test(lib_json, adding_a_token_with_a_parent_copies_it)
{
    expr_value_t a = parse("{\"inner\":{\"v\":1}}"), b = parse("{}");
    expr_value_t inner = index_get(a, S("inner"));
    index_set(b, S("copy"), inner);
    index_set(inner, S("v"), expr_int(2));
    cr_assert_str_eq(compact(b), "{\"copy\":{\"v\":1}}");
    cr_assert_str_eq(compact(a), "{\"inner\":{\"v\":2}}");
    /* a fresh token is added itself: later changes show */
    expr_value_t fresh = construct("JObject", NULL, 0);
    index_set(b, S("fresh"), fresh);
    index_set(fresh, S("late"), expr_bool(true));
    cr_assert_str_eq(compact(b), "{\"copy\":{\"v\":1},\"fresh\":{\"late\":true}}");
    /* never into itself */
    index_set(b, S("self"), b);
    cr_assert_str_eq(compact(b), "{\"copy\":{\"v\":1},\"fresh\":{\"late\":true},\"self\":{\"copy\":{\"v\":1},\"fresh\":{\"late\":true}}}");
}

static expr_value_t construct(const char *cls, expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    int rc = call_t(json_class(cls), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, args, argc, &out);
    cr_assert_eq(rc, 0, "new %s threw %s: %s", cls, rt.exception_type, rt.exception_message);
    return out;
}

Test(lib_json, constructors)
{
    expr_value_t items[3] = {S("x"), expr_int(1), expr_null()};
    expr_value_t arr = construct("JArray", items, 3);
    cr_assert_str_eq(compact(arr), "[\"x\",1,null]");
    expr_value_t p1[2] = {S("status"), S("HTTP 405")};
    expr_value_t p2[2] = {S("list"), arr};
    expr_value_t props[2] = {construct("JProperty", p1, 2), construct("JProperty", p2, 2)};
    expr_value_t obj = construct("JObject", props, 2);
    /* the array was added itself (it had no parent): changes after show */
    expr_value_t more = expr_int(2);
    ok(&arr, "Add", EXPR_M_METHOD, &more, 1);
    cr_assert_str_eq(compact(obj), "{\"status\":\"HTTP 405\",\"list\":[\"x\",1,null,2]}");
    cr_assert_str_eq(compact(construct("JObject", NULL, 0)), "{}");
    /* an array argument is params content */
    expr_value_t list = {.tag = EXPR_V_ARRAY, .u.arr = {props, 2, NULL}};
    cr_assert_str_eq(compact(construct("JObject", &list, 1)), "{\"status\":\"HTTP 405\",\"list\":[\"x\",1,null,2]}");
    expr_value_t copy = construct("JObject", &obj, 1);
    index_set(copy, S("status"), S("changed"));
    cr_assert_str_eq(cstr(ok((expr_value_t[]){index_get(obj, S("status"))}, "ToString", EXPR_M_METHOD, NULL, 0)), "HTTP 405");
    expr_value_t several[3] = {S("multi"), expr_int(1), S("b")};
    cr_assert_str_eq(compact(construct("JProperty", several, 3)), "\"multi\":[1,\"b\"]");
    expr_value_t jv = construct("JValue", (expr_value_t[]){expr_long(7)}, 1);
    cr_assert_eq(jv.u.obj.cls, json_class("JValue"));
    cr_assert_str_eq(compact(jv), "7");
    expr_value_t out, bad = S("x");
    assert_thrown(call_t(json_class("JObject"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, &bad, 1, &out),
                  "System.ArgumentException", "Can not add Newtonsoft.Json.Linq.JValue to Newtonsoft.Json.Linq.JObject.");
    expr_value_t dup[2] = {props[0], props[0]};
    assert_thrown(call_t(json_class("JObject"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, dup, 2, &out),
                  "System.ArgumentException", "Can not add property status to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.");
    assert_thrown(call_t(json_class("JArray"), ".ctor", EXPR_M_CONSTRUCTOR, NULL, NULL, props, 1, &out),
                  "System.ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to Newtonsoft.Json.Linq.JArray.");
}

Test(lib_json, object_add_and_array_methods)
{
    expr_value_t obj = construct("JObject", NULL, 0);
    expr_value_t args[2] = {S("a"), expr_int(1)};
    ok(&obj, "Add", EXPR_M_METHOD, args, 2);
    expr_value_t out;
    assert_thrown(call_t(obj.u.obj.cls, "Add", EXPR_M_METHOD, NULL, &obj, args, 2, &out),
                  "System.ArgumentException", "Property with the same name already exists on object.");
    expr_value_t pargs[2] = {S("p"), S("v")};
    expr_value_t prop = construct("JProperty", pargs, 2);
    ok(&obj, "Add", EXPR_M_METHOD, &prop, 1);
    cr_assert_str_eq(compact(obj), "{\"a\":1,\"p\":\"v\"}");

    expr_value_t arr = parse("[1,2,3]");
    expr_value_t two = index_get(arr, expr_int(1));
    cr_assert_eq(ok(&arr, "IndexOf", EXPR_M_METHOD, &two, 1).u.i, 1);
    cr_assert(ok(&arr, "Contains", EXPR_M_METHOD, &two, 1).u.b);
    cr_assert(ok(&arr, "Remove", EXPR_M_METHOD, &two, 1).u.b);
    cr_assert_str_eq(compact(arr), "[1,3]");
    expr_value_t ins[2] = {expr_int(0), S("first")};
    ok(&arr, "Insert", EXPR_M_METHOD, ins, 2);
    expr_value_t zero = expr_int(2);
    ok(&arr, "RemoveAt", EXPR_M_METHOD, &zero, 1);
    cr_assert_str_eq(compact(arr), "[\"first\",1]");
    assert_thrown(call_t(arr.u.obj.cls, "RemoveAt", EXPR_M_METHOD, NULL, &arr, &zero, 1, &out),
                  "System.ArgumentOutOfRangeException", "Index was out of range");
    ok(&arr, "Clear", EXPR_M_METHOD, NULL, 0);
    cr_assert_str_eq(compact(arr), "[]");
}

Test(lib_json, deep_clone_merge_deep_equals)
{
    expr_value_t a = parse("{\"x\":{\"y\":1},\"l\":[1]}");
    expr_value_t c = ok(&a, "DeepClone", EXPR_M_METHOD, NULL, 0);
    index_set(index_get(c, S("x")), S("y"), expr_int(5));
    cr_assert_str_eq(compact(a), "{\"x\":{\"y\":1},\"l\":[1]}");
    expr_value_t m = parse("{\"x\":{\"z\":2},\"l\":[2],\"n\":null,\"x2\":null}");
    index_set(a, S("n"), S("keep"));
    ok(&a, "Merge", EXPR_M_METHOD, &m, 1);
    cr_assert_str_eq(compact(a), "{\"x\":{\"y\":1,\"z\":2},\"l\":[1,2],\"n\":\"keep\",\"x2\":null}");
    expr_value_t args[2] = {parse("{\"a\":[1,2.0]}"), parse("{\"a\":[1,2]}")};
    expr_value_t out;
    cr_assert_eq(call_t(json_class("JToken"), "DeepEquals", EXPR_M_STATIC_METHOD, NULL, NULL, args, 2, &out), 0);
    cr_assert(out.u.b);
    args[1] = parse("{\"a\":[2,1]}");
    cr_assert_eq(call_t(json_class("JToken"), "DeepEquals", EXPR_M_STATIC_METHOD, NULL, NULL, args, 2, &out), 0);
    cr_assert(!out.u.b);
}

Test(lib_json, equality_is_by_token)
{
    expr_value_t obj = parse("{\"a\":{}}");
    expr_value_t x = index_get(obj, S("a")), y = index_get(obj, S("a"));
    cr_assert(obj.u.obj.cls->equals(&x, &y));
    cr_assert(!obj.u.obj.cls->equals(&x, &obj));
}

/* ---- SelectToken ---- */

static expr_value_t select1(expr_value_t root, const char *path)
{
    expr_value_t arg = S(path);
    return ok(&root, "SelectToken", EXPR_M_METHOD, &arg, 1);
}

Test(lib_json, select_token_paths)
{
    expr_value_t doc = parse("{\"a\":{\"b\":\"x\",\"list\":[{\"id\":1},{\"id\":2}]},\"odd key\":{\"c.d\":3},\"status\":200}");
    cr_assert_str_eq(to_string(select1(doc, "$.a.b")), "x");
    cr_assert_str_eq(to_string(select1(doc, "a.b")), "x");
    cr_assert_str_eq(to_string(select1(doc, "status")), "200");
    cr_assert_str_eq(to_string(select1(doc, "$['a']['b']")), "x");
    cr_assert_str_eq(to_string(select1(doc, "$[\"odd key\"]['c.d']")), "3");
    cr_assert_str_eq(to_string(select1(doc, "$.a.list[1].id")), "2");
    cr_assert_str_eq(compact(select1(doc, "$")), compact(doc));
    cr_assert_eq(select1(doc, "$.a.nope").tag, EXPR_V_NULL);
    cr_assert_eq(select1(doc, "$.a.list[9]").tag, EXPR_V_NULL);
    cr_assert_eq(select1(doc, "$.status.x").tag, EXPR_V_NULL);
    expr_value_t arg = S("$.a.list[*].id"), out;
    out = ok(&doc, "SelectTokens", EXPR_M_METHOD, &arg, 1);
    cr_assert_eq(out.u.arr.count, 2);
    cr_assert_str_eq(to_string(out.u.arr.items[1]), "2");
    arg = S("$..id");
    cr_assert_eq(ok(&doc, "SelectTokens", EXPR_M_METHOD, &arg, 1).u.arr.count, 2);
    arg = S("$.a.list[0,1]");
    cr_assert_eq(ok(&doc, "SelectTokens", EXPR_M_METHOD, &arg, 1).u.arr.count, 2);
    arg = S("$.a.list[-1:]");
    out = ok(&doc, "SelectTokens", EXPR_M_METHOD, &arg, 1);
    cr_assert_eq(out.u.arr.count, 1);
    cr_assert_str_eq(compact(out.u.arr.items[0]), "{\"id\":2}");
    arg = S("$.a.*");
    cr_assert_eq(ok(&doc, "SelectTokens", EXPR_M_METHOD, &arg, 1).u.arr.count, 2);
}

Test(lib_json, select_token_errors)
{
    expr_value_t doc = parse("{\"a\":[1,2]}"), out;
    expr_value_t arg = S("$.a[*]");
    assert_thrown(call_t(doc.u.obj.cls, "SelectToken", EXPR_M_METHOD, NULL, &doc, &arg, 1, &out),
                  "Newtonsoft.Json.JsonException", "Path returned multiple tokens.");
    arg = S("$.a[0");
    assert_thrown(call_t(doc.u.obj.cls, "SelectToken", EXPR_M_METHOD, NULL, &doc, &arg, 1, &out),
                  "Newtonsoft.Json.JsonException", "Path ended with open indexer.");
    arg = S("$.a[?(@ > 1)]");
    assert_thrown(call_t(doc.u.obj.cls, "SelectToken", EXPR_M_METHOD, NULL, &doc, &arg, 1, &out),
                  "Newtonsoft.Json.JsonException", "not supported");
    expr_value_t strict[2] = {S("$.b"), expr_bool(true)};
    assert_thrown(call_t(doc.u.obj.cls, "SelectToken", EXPR_M_METHOD, NULL, &doc, strict, 2, &out),
                  "Newtonsoft.Json.JsonException", "Property 'b' does not exist on JObject.");
    arg = S("$.a[0]x");
    assert_thrown(call_t(doc.u.obj.cls, "SelectToken", EXPR_M_METHOD, NULL, &doc, &arg, 1, &out),
                  "Newtonsoft.Json.JsonException", "Unexpected character while parsing path: x");
}

/* ---- JsonConvert, FromObject ---- */

Test(lib_json, json_convert)
{
    const expr_class_t *jc = json_class("JsonConvert");
    expr_value_t out, args[2] = {parse("{\"a\":[1]}"), formatting("Indented")};
    cr_assert_eq(call_t(jc, "SerializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "{\"a\":[1]}");
    cr_assert_eq(call_t(jc, "SerializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 2, &out), 0);
    cr_assert_str_eq(cstr(out), "{\n  \"a\": [\n    1\n  ]\n}");
    expr_value_t items[3] = {S("q\""), expr_double(2), expr_bool(false)};
    args[0] = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, 3, NULL}};
    cr_assert_eq(call_t(jc, "SerializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "[\"q\\\"\",2.0,false]");
    args[0] = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = 1, .u.i = 621355968000000000LL + 10000000LL * 86400 + 1234567};
    cr_assert_eq(call_t(jc, "SerializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "\"1970-01-02T00:00:00.1234567Z\"");
    args[0] = expr_null();
    cr_assert_eq(call_t(jc, "SerializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "null");

    args[0] = S("{\"a\":1}");
    cr_assert_eq(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_eq(out.u.obj.cls, json_class("JObject"));
    cr_assert_eq(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, json_class("JObject"), NULL, args, 1, &out), 0);
    cr_assert_eq(out.u.obj.cls, json_class("JObject"));
    assert_thrown(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, json_class("JArray"), NULL, args, 1, &out),
                  "Newtonsoft.Json.JsonReaderException", "Current JsonReader item is not an array: StartObject");
    args[0] = S("12");
    cr_assert_eq(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_LONG);
    cr_assert_eq(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, &expr_class_int, NULL, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_INT);
    args[0] = S("\"s\"");
    cr_assert_eq(call_t(jc, "DeserializeObject", EXPR_M_STATIC_METHOD, NULL, NULL, args, 1, &out), 0);
    cr_assert_str_eq(cstr(out), "s");
}

Test(lib_json, from_object)
{
    expr_value_t items[2] = {S("internal-a"), S("internal-b")};
    expr_value_t arr = {.tag = EXPR_V_ARRAY, .u.arr = {items, 2, &expr_class_string}}, out;
    cr_assert_eq(call_t(json_class("JArray"), "FromObject", EXPR_M_STATIC_METHOD, NULL, NULL, &arr, 1, &out), 0);
    cr_assert_str_eq(compact(out), "[\"internal-a\",\"internal-b\"]");
    assert_thrown(call_t(json_class("JObject"), "FromObject", EXPR_M_STATIC_METHOD, NULL, NULL, &arr, 1, &out),
                  "System.ArgumentException", "Object serialized to Array. Newtonsoft.Json.Linq.JObject instance expected.");
    expr_value_t g = {.tag = EXPR_V_GUID, .u.guid = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}};
    cr_assert_eq(call_t(json_class("JToken"), "FromObject", EXPR_M_STATIC_METHOD, NULL, NULL, &g, 1, &out), 0);
    cr_assert_str_eq(to_string(out), "12345678-9abc-def0-0102-030405060708");
}

/* ---- C API ---- */

Test(lib_json, c_api_round_trip)
{
    json_t *body = json_pack("{s:s, s:[i,i]}", "name", "n", "ids", 1, 2);
    expr_value_t v;
    cr_assert_eq(expr_json_wrap(&rt, body, &v), 0);
    json_decref(body); /* the token holds its own reference */
    cr_assert_eq(v.u.obj.cls, &expr_class_jobject);
    cr_assert_str_eq(to_string(index_get(v, S("name"))), "n");
    json_t *back = expr_json_borrow(&v);
    cr_assert_eq(json_array_size(json_object_get(back, "ids")), 2);
    cr_assert_null(expr_json_borrow((expr_value_t[]){S("x")}));

    json_t *j;
    expr_value_t items[2] = {expr_int(1), S("two")};
    expr_value_t arr = {.tag = EXPR_V_ARRAY, .u.arr = {items, 2, NULL}};
    cr_assert_eq(expr_json_from_value(&rt, &arr, &j), 0);
    expr_value_t text;
    cr_assert_eq(expr_json_write(&rt, j, false, &text), 0);
    cr_assert_str_eq(cstr(text), "[1,\"two\"]");
    json_decref(j);
    cr_assert_eq(expr_json_parse(&rt, "[true]", 6, &v), 0);
    cr_assert_eq(v.u.obj.cls, &expr_class_jarray);
    cr_assert_eq(expr_json_parse_as(&rt, "{}", 2, &expr_class_jobject, &v), 0);
    assert_thrown(expr_json_parse_as(&rt, "[]", 2, &expr_class_jobject, &v), "Newtonsoft.Json.JsonReaderException",
                  "Current JsonReader item is not an object: StartArray");
}

Test(lib_json, wrong_receivers_throw_not_crash)
{
    expr_value_t not_token = S("x"), out, key = S("a");
    assert_thrown(call_t(json_class("JObject"), "[]", EXPR_M_INDEXER, NULL, &not_token, &key, 1, &out),
                  "System.NullReferenceException", "Object reference not set");
    expr_value_t arr = parse("[]");
    assert_thrown(call_t(json_class("JObject"), "Properties", EXPR_M_METHOD, NULL, &arr, NULL, 0, &out),
                  "System.InvalidCastException", "JArray");
    expr_value_t lambda = {.tag = EXPR_V_LAMBDA};
    expr_value_t args[2] = {S("a"), lambda};
    expr_value_t obj = parse("{}");
    assert_thrown(call_t(obj.u.obj.cls, "Add", EXPR_M_METHOD, NULL, &obj, args, 2, &out),
                  "System.ArgumentException", "Could not determine JSON object type");
}
