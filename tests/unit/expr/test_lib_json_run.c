/* lib_json through the checker and interpreter (compile.h): real policy expressions that
 * parse, navigate, build and print JSON. */
#include "expr/compile.h"
#include "expr/lib_json.h"
#include "expr_outcome.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static arena_t cfg, req;
static char result[1024];

static void setup(void)
{
    arena_init(&cfg, 4096);
    arena_init(&req, 4096);
}

static void teardown(void)
{
    arena_free(&cfg);
    arena_free(&req);
}

TestSuite(lib_json_run, .init = setup, .fini = teardown);

/* The outcome (expr_outcome.h) of `text`, in a runtime of its own. */
static const char *run(const char *text)
{
    expr_compile_options_t o = {0};
    expr_rt_t rt;
    expr_rt_init(&rt, &req, NULL);
    expr_outcome(&cfg, &o, &rt, text, result, sizeof result);
    expr_rt_end(&rt);
    return result;
}

#define EXPECT(text, want) cr_expect_str_eq(run(text), want, "%s\n  got: %s", text, result)

Test(lib_json_run, parse_and_navigate)
{
    EXPECT("@{ var body = JObject.Parse(\"{\\\"a\\\":{\\\"b\\\":[1,2]}}\"); return (int)body[\"a\"][\"b\"][1]; }", "2");
    EXPECT("@{ string s = \"{\\\"a\\\":{\\\"b\\\":\\\"deep\\\"}}\"; return (string)JObject.Parse(s).SelectToken(\"$.a.b\"); }", "deep");
    EXPECT("@((string)JObject.Parse(\"{\\\"a\\\":1}\")[\"missing\"])", "null");
    EXPECT("@(JObject.Parse(\"{\\\"a\\\":1}\")[\"a\"].Type.ToString())", "Integer");
    EXPECT("@(JObject.Parse(\"{\\\"a\\\":1}\")[\"a\"].Type == JTokenType.Integer)", "True");
    EXPECT("@(JObject.Parse(\"{\\\"a\\\":[1,2,3]}\")[\"a\"].Value<int>(2) + 1)", "4");
    EXPECT("@(JObject.Parse(\"{\\\"n\\\":\\\"x\\\"}\").Value<string>(\"n\"))", "x");
    EXPECT("@(JToken.Parse(\"[1,2]\").Children().Count())", "2");
    EXPECT("@(JArray.Parse(\"[1,2,3]\").Count)", "3");
}

Test(lib_json_run, build_and_print)
{
    EXPECT("@{ var o = new JObject(); o[\"x\"] = 1; o[\"s\"] = \"t\"; o[\"b\"] = true; return o.ToString(Formatting.None); }",
           "{\"x\":1,\"s\":\"t\",\"b\":true}");
    EXPECT("@(new JObject(new JProperty(\"status\", \"HTTP 405\"), new JProperty(\"message\", \"Method not allowed\")).ToString())",
           "{\n  \"status\": \"HTTP 405\",\n  \"message\": \"Method not allowed\"\n}");
    EXPECT("@(new JArray(1, \"a\", null).ToString(Newtonsoft.Json.Formatting.None))", "[1,\"a\",null]");
    EXPECT("@(JsonConvert.SerializeObject(JObject.Parse(\"{ \\\"a\\\" : 1.0 }\")))", "{\"a\":1.0}");
    EXPECT("@{ var a = new JArray(); a.Add(new JObject(new JProperty(\"k\", 1))); return a.ToString(Formatting.None); }",
           "[{\"k\":1}]");
    EXPECT("@{ var o = JObject.Parse(\"{\\\"a\\\":{}}\"); o[\"a\"][\"b\"] = \"c\"; return o.ToString(Formatting.None); }",
           "{\"a\":{\"b\":\"c\"}}");
    EXPECT("@(\"body: \" + JObject.Parse(\"{}\"))", "body: {}");
}

Test(lib_json_run, enumerate_and_linq)
{
    EXPECT("@{ var names = \"\"; foreach (var p in JObject.Parse(\"{\\\"a\\\":1,\\\"b\\\":2}\").Properties()) { names += p.Name; } return names; }", "ab");
    EXPECT("@{ var sum = 0; foreach (var t in JArray.Parse(\"[1,2,3]\")) { sum += (int)t; } return sum; }", "6");
    EXPECT("@(JArray.Parse(\"[{\\\"id\\\":1},{\\\"id\\\":2}]\").First()[\"id\"].ToString())", "1");
    EXPECT("@(JArray.Parse(\"[1,2,3]\").Where(t => (int)t > 1).Count())", "2");
}

Test(lib_json_run, parent_and_remove)
{
    EXPECT("@{ var o = JObject.Parse(\"{\\\"a\\\":1,\\\"b\\\":2}\"); o.Property(\"a\").Remove(); return o.ToString(Formatting.None); }",
           "{\"b\":2}");
    EXPECT("@{ var o = JObject.Parse(\"{\\\"x\\\":{\\\"secret\\\":1,\\\"k\\\":2}}\"); o.SelectToken(\"$.x.secret\").Parent.Remove(); return o.ToString(Formatting.None); }",
           "{\"x\":{\"k\":2}}");
    EXPECT("@{ var a = JArray.Parse(\"[1,2,3]\"); a[1].Remove(); return a.ToString(Formatting.None); }", "[1,3]");
    EXPECT("@(((JProperty)JObject.Parse(\"{\\\"a\\\":1}\")[\"a\"].Parent).Name)", "a");
    EXPECT("@(JObject.Parse(\"{\\\"a\\\":1}\")[\"a\"].Parent.Parent.ToString(Formatting.None))", "{\"a\":1}");
    EXPECT("@(JObject.Parse(\"{}\").Parent == null)", "True");
    EXPECT("@{ JObject.Parse(\"{}\").Remove(); return 1; }", "!System.InvalidOperationException: The parent is missing.");
    EXPECT("@{ JObject.Parse(\"{\\\"a\\\":1}\")[\"a\"].Remove(); return 1; }",
           "!System.InvalidOperationException: Cannot add or remove items from Newtonsoft.Json.Linq.JProperty.");
}

Test(lib_json_run, casts_and_errors)
{
    EXPECT("@((JObject)JToken.Parse(\"[]\"))",
           "!System.InvalidCastException: Unable to cast object of type 'Newtonsoft.Json.Linq.JArray' to type 'Newtonsoft.Json.Linq.JObject'.");
    EXPECT("@(JObject.Parse(\"{bad\"))",
           "!Newtonsoft.Json.JsonReaderException: Invalid property identifier character: b. Path '', line 1, position 2.");
    EXPECT("@(JToken.Parse(\"[1,x]\"))",
           "!Newtonsoft.Json.JsonReaderException: Unexpected character encountered while parsing value: x. Path '', line 1, position 4.");
    EXPECT("@((int)JToken.Parse(\"\\\"abc\\\"\"))", "!System.FormatException: Input string was not in a correct format.");
    EXPECT("@(JToken.Parse(\"1\")[\"a\"])", "!System.InvalidOperationException: Cannot access child value on Newtonsoft.Json.Linq.JValue.");
}
