/* lib_xml through compiled expressions: parsing, navigation, names and namespaces,
 * conversions, ToString output, constructors, Enumerable methods, errors; and the C API. */
#include "expr/lib_xml.h"
#include "lib_test_util.h"

TestSuite(lib_xml, .init = lib_setup, .fini = lib_teardown);

#define DOC "XDocument.Parse(\"<root a=\\\"1\\\"><item id=\\\"x\\\">one</item><item id=\\\"y\\\">two</item><empty/></root>\")"

Test(lib_xml, parse_and_navigate)
{
    EXPECT("@(" DOC ".Root.Name.LocalName)", "root");
    EXPECT("@(" DOC ".Root.Element(\"item\").Value)", "one");
    EXPECT("@(" DOC ".Root.Elements(\"item\").Count())", "2");
    EXPECT("@(" DOC ".Root.Elements().Count())", "3");
    EXPECT("@(" DOC ".Root.Elements(\"item\").Last().Attribute(\"id\").Value)", "y");
    EXPECT("@(" DOC ".Root.Element(\"missing\") == null)", "True");
    EXPECT("@(" DOC ".Root.Attribute(\"nope\") == null)", "True");
    EXPECT("@(" DOC ".Root.Value)", "onetwo");
    EXPECT("@(" DOC ".Root.HasElements)", "True");
    EXPECT("@(" DOC ".Root.Element(\"empty\").HasElements)", "False");
    EXPECT("@(" DOC ".Root.Element(\"empty\").IsEmpty)", "True");
    EXPECT("@(" DOC ".Root.Element(\"item\").Parent.Name.LocalName)", "root");
    EXPECT("@(" DOC ".Root.Parent == null)", "True");
    EXPECT("@(" DOC ".Root.Attributes().Count())", "1");
    EXPECT("@(" DOC ".Descendants(\"item\").Select(e => e.Attribute(\"id\").Value).Last())", "y");
    EXPECT("@(" DOC ".Descendants().Count())", "4");
    EXPECT("@(((XText)" DOC ".Root.Element(\"item\").FirstNode).Value)", "one");
    EXPECT("@(" DOC ".Root.Element(\"item\").NextNode is XElement)", "True");
    EXPECT("@(" DOC ".Root.Element(\"item\").Name.ToString())", "item");
}

Test(lib_xml, policy_snippet_extract_values)
{
    EXPECT("@{ var doc = XDocument.Parse(\"<message1><conditionValue>true</conditionValue>"
           "<value1>MESSAGE1_TEST1</value1><value3>MESSAGE1_TEST3</value3></message1>\");\n"
           "var obj = new JObject();\n"
           "obj[\"conditionValue\"] = doc.Descendants().Where(r=>r.Name.LocalName == \"conditionValue\").First().Value;\n"
           "obj[\"value1\"] = doc.Descendants().Where(r=>r.Name.LocalName == \"value1\").First().Value;\n"
           "return obj.ToString(Newtonsoft.Json.Formatting.None); }",
           "{\"conditionValue\":\"true\",\"value1\":\"MESSAGE1_TEST1\"}");
    EXPECT("@{ var n = 0; foreach (var e in XElement.Parse(\"<a><b/><b/><c/></a>\").Elements(\"b\")) n++; return n; }", "2");
    EXPECT("@(XElement.Parse(\"<a><b>1</b><b>2</b></a>\").Elements().FirstOrDefault(e => e.Value == \"3\") == null)",
           "True");
}

Test(lib_xml, sequence_extensions)
{
    EXPECT("@(XElement.Parse(\"<r><a><b>1</b><b>2</b></a><a><b>3</b></a></r>\").Elements(\"a\").Elements(\"b\").Count())", "3");
    EXPECT("@(XElement.Parse(\"<r><a><c><b>1</b></c></a><a><b>3</b></a></r>\").Elements().Descendants(\"b\").Last().Value)", "3");
    EXPECT("@(XElement.Parse(\"<r><a k='1'/><a k='2'/></r>\").Elements().Attributes(\"k\").Select(x => x.Value).Last())", "2");
}

Test(lib_xml, null_handling_and_linq)
{
    EXPECT("@(XElement.Parse(\"<a/>\").Element(\"x\")?.Value ?? \"none\")", "none");
    EXPECT("@((string)XElement.Parse(\"<a/>\").Element(\"x\") == null)", "True");
    EXPECT("@(string.Join(\",\", XElement.Parse(\"<a><b/><c/></a>\").Elements().Select(e => e.Name.LocalName)))", "b,c");
    EXPECT("@($\"{XElement.Parse(\"<a><b/></a>\")}\")", "<a>\n  <b />\n</a>");
    EXPECT("@(XElement.Parse(\"<a><b/></a>\").Element(\"b\").Ancestors().Count())", "1");
    EXPECT("@(XDocument.Parse(\"<a><b/></a>\").Root.Element(\"b\").Document.Root.Name.LocalName)", "a");
    EXPECT("@(XElement.Parse(\"<a/>\").Document == null)", "True");
    EXPECT("@(XElement.Parse(\"<a><!--c--><b/></a>\").FirstNode.NodeType == XmlNodeType.Comment)", "True");
}

Test(lib_xml, namespaces)
{
    const char *soap = "@{ var doc = XDocument.Parse(\"<soap:Envelope xmlns:soap=\\\"http://s/\\\"><soap:Body>"
                       "<x xmlns=\\\"urn:x\\\"><v>42</v></x></soap:Body></soap:Envelope>\");\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", soap, "XNamespace s = XNamespace.Get(\"http://s/\"); return doc.Root.Element(s + \"Body\").Name.NamespaceName; }");
    EXPECT(buf, "http://s/");
    snprintf(buf, sizeof buf, "%s%s", soap, "return doc.Root.Element(\"{http://s/}Body\").Element(\"{urn:x}x\").Element(XName.Get(\"v\", \"urn:x\")).Value; }");
    EXPECT(buf, "42");
    snprintf(buf, sizeof buf, "%s%s", soap, "return doc.Root.Element(\"Body\") == null; }");
    EXPECT(buf, "True");
    snprintf(buf, sizeof buf, "%s%s", soap, "return doc.Descendants(XNamespace.Get(\"urn:x\").GetName(\"v\")).First().Value; }");
    EXPECT(buf, "42");
    snprintf(buf, sizeof buf, "%s%s", soap, "return doc.Root.Name.ToString(); }");
    EXPECT(buf, "{http://s/}Envelope");
    /* a subtree written alone declares the namespaces it uses */
    snprintf(buf, sizeof buf, "%s%s", soap, "return doc.Root.Element(\"{http://s/}Body\").ToString(SaveOptions.DisableFormatting); }");
    EXPECT(buf, "<soap:Body xmlns:soap=\"http://s/\"><x xmlns=\"urn:x\"><v>42</v></x></soap:Body>");
    EXPECT("@(XNamespace.Get(\"urn:a\").NamespaceName)", "urn:a");
    EXPECT("@(XName.Get(\"{urn:a}b\").LocalName + XName.Get(\"{urn:a}b\").Namespace.NamespaceName)", "burn:a");
    EXPECT("@(XName.Get(\"{urn:a}b\") == XNamespace.Get(\"urn:a\").GetName(\"b\"))", "True");
}

Test(lib_xml, conversions)
{
    EXPECT("@((int)XElement.Parse(\"<n> 42 </n>\") + 1)", "43");
    EXPECT("@((long)XElement.Parse(\"<n>-9000000000</n>\"))", "-9000000000");
    EXPECT("@((bool)XElement.Parse(\"<n>true</n>\"))", "True");
    EXPECT("@((bool)XElement.Parse(\"<n>0</n>\"))", "False");
    EXPECT("@((double)XElement.Parse(\"<n>1.5</n>\"))", "1.5");
    EXPECT("@((string)XElement.Parse(\"<n>a<b>c</b></n>\"))", "ac");
    EXPECT("@((int)XElement.Parse(\"<n v='7'/>\").Attribute(\"v\"))", "7");
    EXPECT("@((string)XElement.Parse(\"<n/>\").Attribute(\"v\") == null)", "True");
    EXPECT("@((int)XElement.Parse(\"<n>x</n>\"))", "!System.FormatException: The input string 'x' was not in a correct format.");
    EXPECT("@((int)XElement.Parse(\"<n>3000000000</n>\"))",
           "!System.OverflowException: Value was either too large or too small for an Int32.");
    EXPECT("@((bool)XElement.Parse(\"<n>yes</n>\"))", "!System.FormatException: The string 'yes' is not a valid Boolean value.");
}

Test(lib_xml, to_string)
{
    EXPECT("@(XElement.Parse(\"<a><b x='1'>t</b><c/></a>\").ToString())", "<a>\n  <b x=\"1\">t</b>\n  <c />\n</a>");
    EXPECT("@(XElement.Parse(\"<a><b x='1'>t</b><c/></a>\").ToString(SaveOptions.DisableFormatting))",
           "<a><b x=\"1\">t</b><c /></a>");
    EXPECT("@(XDocument.Parse(\"<?xml version='1.0'?><!--c--><a><b><c/></b></a>\").ToString())",
           "<!--c-->\n<a>\n  <b>\n    <c />\n  </b>\n</a>");
    /* mixed content is written as is */
    EXPECT("@(XElement.Parse(\"<p>x <i>y</i> z</p>\").ToString())", "<p>x <i>y</i> z</p>");
    EXPECT("@(XElement.Parse(\"<p>&lt;&amp;&gt;<![CDATA[<raw>]]></p>\").ToString())", "<p>&lt;&amp;&gt;<![CDATA[<raw>]]></p>");
    EXPECT("@(XElement.Parse(\"<p a='&quot;&lt;'/>\").Attribute(\"a\").ToString())", "a=\"&quot;&lt;\"");
    EXPECT("@(XElement.Parse(\"<p>&lt;x&gt;</p>\").Value)", "<x>");
    /* whitespace: dropped by default, kept with PreserveWhitespace */
    EXPECT("@(XElement.Parse(\"<a>\\n  <b/>\\n</a>\").ToString(SaveOptions.DisableFormatting))", "<a><b /></a>");
    EXPECT("@(XElement.Parse(\"<a> <b/></a>\", LoadOptions.PreserveWhitespace).ToString(SaveOptions.DisableFormatting))",
           "<a> <b /></a>");
    EXPECT("@(\"\" + XElement.Parse(\"<a/>\"))", "<a />");
}

Test(lib_xml, constructors)
{
    EXPECT("@(new XElement(\"a\", new XAttribute(\"x\", 1), new XElement(\"b\", \"t\"), \"u\").ToString(SaveOptions.DisableFormatting))",
           "<a x=\"1\"><b>t</b>u</a>");
    EXPECT("@(new XElement(\"{urn:n}a\", new XElement(\"{urn:n}b\", true)).ToString())",
           "<a xmlns=\"urn:n\">\n  <b>true</b>\n</a>");
    EXPECT("@(new XDocument(new XElement(\"r\", new XElement(\"c\"))).Root.Element(\"c\").Parent.Name.LocalName)", "r");
    EXPECT("@(new XElement(\"a\").Parent == null)", "True");
    EXPECT("@(new XAttribute(\"k\", \"v\").Parent == null)", "True");
    EXPECT("@(new XElement(\"list\", new [] { \"a\", \"b\" }).Value)", "ab");
    EXPECT("@{ var src = XElement.Parse(\"<r><i>1</i><i>2</i></r>\");"
           " return new XElement(\"out\", src.Elements(\"i\")).ToString(SaveOptions.DisableFormatting); }",
           "<out><i>1</i><i>2</i></out>");
    EXPECT("@{ var e = new XElement(\"a\"); for (var i = 0; i < 1000; i++) e = new XElement(\"a\", e); return 1; }",
           "!System.InvalidOperationException: The XML tree would be more than 256 levels deep.");
    EXPECT("@{ var e = new XElement(\"a\"); for (var i = 0; i < 100; i++) e = new XElement(\"a\", e); return e.Descendants().Count(); }",
           "100");
    EXPECT("@(new XElement(\"a b\"))", "!System.Xml.XmlException: The ' ' character, hexadecimal value 0x20, cannot be included in a name.");
}

Test(lib_xml, errors)
{
    EXPECT("@(XDocument.Parse(\"\"))", "!System.Xml.XmlException: Root element is missing.");
    const char *r = run("@(XDocument.Parse(\"<a><b></a>\"))");
    cr_assert(strstr(r, "!System.Xml.XmlException: ") == r, "%s", r);
    cr_assert(strstr(r, "Line 1, position"), "%s", r);
    r = run("@(XDocument.Parse(\"<a>\\n<b>\\n</c></a>\"))");
    cr_assert(strstr(r, "Line 3, position"), "%s", r);
    EXPECT("@(XDocument.Parse(\"<!DOCTYPE a [<!ENTITY e \\\"x\\\">]><a>&e;</a>\"))",
           "!System.Xml.XmlException: For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.");
    EXPECT("@(XDocument.Parse(null))", "!System.ArgumentNullException: Value cannot be null. (Parameter 'text')");
    EXPECT("@(XElement.Parse(\"<a/>\").Element(null))", "!System.ArgumentNullException: Value cannot be null. (Parameter 'name')");
    EXPECT("@{ try { XDocument.Parse(\"<a>\"); return \"no\"; } catch (Exception e) { return \"caught\"; } }", "caught");
}

Test(lib_xml, c_api)
{
    expr_value_t v, s;
    cr_assert_eq(expr_xml_parse(&rt, "<a><b/></a>", 11, &expr_class_xdocument, false, &v), 0);
    cr_assert_eq(v.u.obj.cls, &expr_class_xdocument);
    cr_assert_eq(expr_xml_write(&rt, &v, false, &s), 0);
    assert_str(s, "<a><b /></a>");
    cr_assert_eq(expr_xml_parse(&rt, "<a><b/></a>", 11, &expr_class_xelement, false, &v), 0);
    cr_assert_eq(v.u.obj.cls, &expr_class_xelement);
    cr_assert_eq(expr_xml_parse(&rt, "<a>", 3, &expr_class_xelement, false, &v), EXPR_THROWN);
    cr_assert_str_eq(rt.exception_type, "System.Xml.XmlException");
}
