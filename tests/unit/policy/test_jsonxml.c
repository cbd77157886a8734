/* JSON ↔ XML body conversions of json-to-xml and xml-to-json (src/policy/jsonxml.h). */
#include "policy/jsonxml.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const jsonxml_to_xml_options_t defaults = {.namespace_separator = '_', .parse_date = true};

static char *to_xml(const char *json, const jsonxml_to_xml_options_t *o)
{
    buf_t out;
    buf_init(&out);
    char why[200] = "";
    int rc = jsonxml_json_to_xml(json, strlen(json), o ? o : &defaults, &out, why, sizeof why);
    cr_assert_eq(rc, 0, "json-to-xml of %s: %d %s", json, rc, why);
    char *s = strndup(out.data ? out.data : "", out.len);
    buf_free(&out);
    return s;
}

static char *to_json(const char *xml, jsonxml_kind_t kind, bool always_array)
{
    jsonxml_to_json_options_t o = {.kind = kind, .always_array = always_array,
                                   .nil = kind == JSONXML_DIRECT ? JSONXML_NIL_KEEP : JSONXML_NIL_NULL};
    buf_t out;
    buf_init(&out);
    char why[200] = "";
    int rc = jsonxml_xml_to_json(xml, strlen(xml), &o, &out, why, sizeof why);
    cr_assert_eq(rc, 0, "xml-to-json of %s: %d %s", xml, rc, why);
    char *s = strndup(out.data ? out.data : "", out.len);
    buf_free(&out);
    return s;
}

#define EXPECT_XML(json, opts, want)                                                               \
    do {                                                                                           \
        char *got_ = to_xml(json, opts);                                                           \
        cr_expect_str_eq(got_, want, "json %s\ngot  %s", json, got_);                                             \
        free(got_);                                                                                \
    } while (0)

#define EXPECT_JSON(xml, kind, arr, want)                                                          \
    do {                                                                                           \
        char *got_ = to_json(xml, kind, arr);                                                      \
        cr_expect_str_eq(got_, want, "xml %s\ngot %s", xml, got_);                                               \
        free(got_);                                                                                \
    } while (0)

Test(json_to_xml, shapes)
{
    EXPECT_XML("{\"order\": {\"id\": 17, \"price\": 9.5, \"paid\": true, \"note\": null, "
               "\"tags\": [\"a\", \"b\"], \"empty\": {}}}",
               NULL,
               "<order><id>17</id><price>9.5</price><paid>true</paid><note /><tags>a</tags>"
               "<tags>b</tags><empty /></order>");
    EXPECT_XML("{\"a\": 1, \"b\": \"x\"}", NULL, "<Document><a>1</a><b>x</b></Document>");
    EXPECT_XML("{\"items\": [1, 2]}", NULL, "<Document><items>1</items><items>2</items></Document>");
    EXPECT_XML("[1, {\"k\": \"v\"}]", NULL,
               "<Document><Array>1</Array><Array><k>v</k></Array></Document>");
    EXPECT_XML("\"just text\"", NULL, "<Document>just text</Document>");
    EXPECT_XML("{}", NULL, "<Document />");
}

Test(json_to_xml, escaping_and_names)
{
    EXPECT_XML("{\"t\": \"a < b & c > d \\\"q\\\"\"}", NULL,
               "<t>a &lt; b &amp; c &gt; d \"q\"</t>");
    EXPECT_XML("{\"first name\": \"x\", \"1st\": \"y\", \"ok-name.2\": \"z\", \"\": 1}", NULL,
               "<Document><first_x0020_name>x</first_x0020_name><_x0031_st>y</_x0031_st>"
               "<ok-name.2>z</ok-name.2><_>1</_></Document>");
    EXPECT_XML("{\"a\": \"caf\xC3\xA9\"}", NULL, "<a>caf\xC3\xA9</a>");
}

Test(json_to_xml, vendor_example_namespaces_and_attribute_block)
{
    jsonxml_to_xml_options_t o = {.namespace_separator = ':',
                                  .namespace_prefix = "xmlns",
                                  .attribute_block = "#attrs",
                                  .parse_date = false};
    EXPECT_XML("{\"soapenv:Envelope\": {\"xmlns:soapenv\": "
               "\"http://schemas.xmlsoap.org/soap/envelope/\", \"xmlns:v1\": "
               "\"http://localdomain.com/core/v1\", \"soapenv:Header\": {}, \"soapenv:Body\": "
               "{\"v1:QueryList\": {\"#attrs\": {\"queryName\": \"test\"}, \"v1:QueryItem\": "
               "{\"name\": \"dummy text\"}}}}}",
               &o,
               "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
               "xmlns:v1=\"http://localdomain.com/core/v1\"><soapenv:Header /><soapenv:Body>"
               "<v1:QueryList queryName=\"test\"><v1:QueryItem><name>dummy text</name>"
               "</v1:QueryItem></v1:QueryList></soapenv:Body></soapenv:Envelope>");
}

Test(json_to_xml, default_separator_only_for_declared_prefixes)
{
    jsonxml_to_xml_options_t o = {.namespace_separator = '_', .namespace_prefix = "xmlns"};
    EXPECT_XML("{\"s_Env\": {\"xmlns_s\": \"urn:s\", \"xmlns\": \"urn:d\", \"first_name\": "
               "\"x\", \"s_Body\": \"y\"}}",
               &o,
               "<s:Env xmlns:s=\"urn:s\" xmlns=\"urn:d\"><first_name>x</first_name>"
               "<s:Body>y</s:Body></s:Env>");
    /* Without namespace-prefix nothing is a declaration. */
    EXPECT_XML("{\"s_Env\": {\"xmlns_s\": \"urn:s\"}}", NULL,
               "<s_Env><xmlns_s>urn:s</xmlns_s></s_Env>");
    /* Attribute values are escaped for attributes. */
    jsonxml_to_xml_options_t a = {.namespace_separator = '_', .attribute_block = "$"};
    EXPECT_XML("{\"e\": {\"$\": {\"q\": \"a\\\"<&\\n\", \"n\": 3}, \"c\": 1}}", &a,
               "<e q=\"a&quot;&lt;&amp;&#xA;\" n=\"3\"><c>1</c></e>");
    EXPECT_XML("{\"e\": {\"$\": {\"only\": \"attr\"}}}", &a, "<e only=\"attr\" />");
}

Test(json_to_xml, parse_date)
{
    EXPECT_XML("{\"d\": {\"a\": \"2012-03-21T05:40Z\", \"b\": \"/Date(1198908717056)/\", "
               "\"c\": \"2012-03-21T05:40:09.1200000+02:00\", \"n\": \"2012-03-21\"}}",
               NULL,
               "<d><a>2012-03-21T05:40:00Z</a><b>2007-12-29T06:11:57.056Z</b>"
               "<c>2012-03-21T05:40:09.12+02:00</c><n>2012-03-21</n></d>");
    jsonxml_to_xml_options_t o = defaults;
    o.parse_date = false;
    EXPECT_XML("{\"a\": \"2012-03-21T05:40Z\"}", &o, "<a>2012-03-21T05:40Z</a>");
}

Test(json_to_xml, errors)
{
    buf_t out;
    buf_init(&out);
    char why[200];
    cr_expect_eq(jsonxml_json_to_xml("{\"a\": ", 6, &defaults, &out, why, sizeof why), -EINVAL);
    cr_expect(strstr(why, "the body is not JSON") != NULL, "%s", why);
    cr_expect_eq(out.len, 0);
    char deep[2000];
    size_t n = 0;
    for (int i = 0; i < 300; i++) n += (size_t)sprintf(deep + n, "{\"a\":");
    deep[n++] = '1';
    for (int i = 0; i < 300; i++) deep[n++] = '}';
    cr_expect_eq(jsonxml_json_to_xml(deep, n, &defaults, &out, why, sizeof why), -EINVAL);
    cr_expect(strstr(why, "deep") != NULL, "%s", why);
    cr_expect_eq(out.len, 0, "nothing is left behind by a failed conversion");
    buf_free(&out);
}

Test(xml_to_json, direct)
{
    EXPECT_JSON("<a x=\"1\"><b>t</b><b>u</b><c/><d>  </d></a>", JSONXML_DIRECT, false,
                "{\"a\":{\"@x\":\"1\",\"b\":[\"t\",\"u\"],\"c\":null,\"d\":\"  \"}}");
    EXPECT_JSON("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<r>1</r>", JSONXML_DIRECT, false,
                "{\"?xml\":{\"@version\":\"1.0\",\"@encoding\":\"utf-8\"},\"r\":\"1\"}");
    EXPECT_JSON("<s:Env xmlns:s=\"urn:s\" xmlns=\"urn:d\"><s:Body id=\"7\">x<i>1</i></s:Body>"
                "</s:Env>",
                JSONXML_DIRECT, false,
                "{\"s:Env\":{\"@xmlns:s\":\"urn:s\",\"@xmlns\":\"urn:d\",\"s:Body\":{\"@id\":\"7\","
                "\"i\":\"1\",\"#text\":\"x\"}}}");
    EXPECT_JSON("<r><![CDATA[<raw> & ]]></r>", JSONXML_DIRECT, false, "{\"r\":\"<raw> & \"}");
    EXPECT_JSON("<r><!-- dropped --><a>&amp;&lt;</a></r>", JSONXML_DIRECT, false,
                "{\"r\":{\"a\":\"&<\"}}");
}

Test(xml_to_json, javascript_friendly)
{
    EXPECT_JSON("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>"
                "<Price currency=\"EUR\">12</Price><Gone xsi:nil=\"true\"/></soap:Body>"
                "</soap:Envelope>",
                JSONXML_JAVASCRIPT_FRIENDLY, false,
                "{\"Envelope\":{\"Body\":{\"Price\":{\"currency\":\"EUR\",\"#text\":\"12\"},"
                "\"Gone\":null}}}");
}

Test(xml_to_json, always_array_child_elements)
{
    EXPECT_JSON("<r><a>1</a><b><c>2</c></b></r>", JSONXML_DIRECT, true,
                "{\"r\":{\"a\":[\"1\"],\"b\":[{\"c\":[\"2\"]}]}}");
}

Test(xml_to_json, liquid_model_nil_blank)
{
    jsonxml_to_json_options_t o = {.kind = JSONXML_JAVASCRIPT_FRIENDLY, .nil = JSONXML_NIL_BLANK};
    const char *xml = "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><n "
                      "xsi:nil=\"true\"/></r>";
    json_t *v;
    cr_assert_eq(jsonxml_xml_to_value(xml, strlen(xml), &o, &v, NULL, 0), 0);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(v, "r"), "n")), "");
    json_decref(v);
}

Test(xml_to_json, errors)
{
    jsonxml_to_json_options_t o = {.kind = JSONXML_DIRECT};
    buf_t out;
    buf_init(&out);
    char why[200];
    cr_expect_eq(jsonxml_xml_to_json("<a><b></a>", 10, &o, &out, why, sizeof why), -EINVAL);
    cr_expect(strstr(why, "not well-formed XML") != NULL, "%s", why);
    const char *dtd = "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
    cr_expect_eq(jsonxml_xml_to_json(dtd, strlen(dtd), &o, &out, why, sizeof why), -EINVAL);
    cr_expect(strstr(why, "DOCTYPE") != NULL, "%s", why);
    cr_expect_eq(out.len, 0);
    buf_free(&out);
}

Test(media_types, json_xml_accept)
{
    cr_expect(jsonxml_is_json_type("application/json; charset=utf-8", 31));
    cr_expect(jsonxml_is_json_type("Text/JSON", 9));
    cr_expect(jsonxml_is_json_type("application/problem+json", 24));
    cr_expect(!jsonxml_is_json_type("application/jsonx", 17));
    cr_expect(!jsonxml_is_json_type("+json", 5));
    cr_expect(jsonxml_is_xml_type("application/soap+xml;q=1", 24));
    cr_expect(jsonxml_is_xml_type("text/xml", 8));
    cr_expect(!jsonxml_is_xml_type("text/html", 9));
    const char *accept = "text/html, application/xml;q=0.9, */*;q=0.8";
    cr_expect(jsonxml_accept_asks_for(accept, strlen(accept), false));
    cr_expect(!jsonxml_accept_asks_for(accept, strlen(accept), true));
    cr_expect(!jsonxml_accept_asks_for(NULL, 0, true));
}
