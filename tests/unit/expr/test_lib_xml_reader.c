/* lib_xml_reader through compiled expressions: XmlReader over a StringReader (every member),
 * XNode.ReadFrom, XmlNodeType, malformed input and DTDs, and the loop of the conformance
 * document policy-snippets/Extract-value-from-XML.xml. */
#include "expr/lib_xml.h"
#include "lib_test_util.h"

TestSuite(lib_xml_reader, .init = lib_setup, .fini = lib_teardown);

/* `@{ var r = XmlReader.Create(new StringReader("<xml>")); <body> }` */
#define READER(xml, body) "@{ var r = XmlReader.Create(new StringReader(\"" xml "\")); " body " }"

/* Each node as NodeType:Name=Value@Depth (E when IsEmptyElement), then EOF. */
#define WALK "var s = \"\"; while (r.Read()) s += r.NodeType + \":\" + r.Name + \"=\" + r.Value + \"@\" + r.Depth + " \
             "(r.IsEmptyElement ? \"E\" : \"\") + \";\"; return s + r.EOF;"

Test(lib_xml_reader, conformance_extract_value_from_xml)
{
    /* the expression of policy-snippets/Extract-value-from-XML.xml, as published */
    EXPECT("@{\n"
           "    var xml = \"<?xml version=\\\"1.0\\\" encoding=\\\"utf-8\\\"?><soap:Envelope "
           "xmlns:soap=\\\"http://schemas.xmlsoap.org/soap/envelope/\\\" "
           "xmlns:xsi=\\\"http://www.w3.org/2001/XMLSchema-instance\\\" "
           "xmlns:xsd=\\\"http://www.w3.org/2001/XMLSchema\\\"><soap:Body><SomeCustomElement>"
           "<SomeCustomNestedElement>ABCDEF123456789</SomeCustomNestedElement></SomeCustomElement>"
           "</soap:Body></soap:Envelope>\";\n"
           "    var ret = \"\";\n"
           "    using (XmlReader reader = XmlReader.Create(new StringReader(xml)))\n"
           "    {\n"
           "        reader.MoveToContent();\n"
           "        reader.Read();\n"
           "        while (!reader.EOF && ret == \"\")\n"
           "        {\n"
           "            if (reader.Name == \"SomeCustomNestedElement\")\n"
           "            {\n"
           "                var el = XNode.ReadFrom(reader) as XElement;\n"
           "                ret = el == null ? \"\" : el.Value;\n"
           "            } else {\n"
           "                reader.Read();\n"
           "            }\n"
           "        }\n"
           "    }\n"
           "    return ret;\n"
           "}",
           "ABCDEF123456789");
    /* the same loop over a document without the element ends at EOF with "" */
    EXPECT(READER("<a><b>x</b></a>", "var ret = \"\"; r.MoveToContent(); r.Read(); "
                                     "while (!r.EOF && ret == \"\") { if (r.Name == \"c\") ret = \"found\"; "
                                     "else r.Read(); } return ret + r.EOF;"),
           "True");
}

Test(lib_xml_reader, docs_example_returns_from_inside_using)
{
    /* the example of docs/expressions.md */
    EXPECT("@{ var xml = \"<order><Amount>12.50</Amount></order>\";\n"
           "using (XmlReader reader = XmlReader.Create(new StringReader(xml))) {\n"
           "    reader.MoveToContent();\n"
           "    while (reader.Read())\n"
           "        if (reader.NodeType == XmlNodeType.Element && reader.Name == \"Amount\")\n"
           "            return reader.ReadElementContentAsString();\n"
           "}\n"
           "return \"none\"; }",
           "12.50");
}

Test(lib_xml_reader, read_walks_every_node_in_document_order)
{
    EXPECT(READER("<?xml version='1.0'?><a x='1'> <b>t</b><c/><![CDATA[cd]]><!--n--><?pi data?></a>", WALK),
           "17:xml=version='1.0'@0;1:a=@0;13:= @1;1:b=@1;3:=t@2;15:b=@1;1:c=@1E;4:=cd@1;8:=n@1;"
           "7:pi=data@1;15:a=@0;True");
    /* whitespace under xml:space="preserve" is significant */
    EXPECT(READER("<a xml:space='preserve'> <b/></a>", "r.Read(); r.Read(); return r.NodeType;"), "14");
    /* before the first Read and after the last: None, empty names, EOF only at the end */
    EXPECT(READER("<a/>", "return r.NodeType + \"|\" + r.Name + \"|\" + r.Depth + \"|\" + r.EOF;"), "0||0|False");
    EXPECT(READER("<a/>", "r.Read(); var more = r.Read(); return more + \"|\" + r.NodeType + \"|\" + r.Name + "
                          "\"|\" + r.EOF + \"|\" + r.Read();"),
           "False|0||True|False");
    EXPECT(READER("<a>1</a>", "r.Read(); r.Read(); return r.HasValue + \"|\" + r.Value;"), "True|1");
    EXPECT(READER("<a>1</a>", "r.Read(); return r.HasValue + \"|\" + r.Value + \"|\";"), "False||");
    EXPECT(READER("<a/>", "r.Read(); return r.NodeType == XmlNodeType.Element && XmlNodeType.EndElement == 15 && "
                          "XmlNodeType.XmlDeclaration == 17 && XmlNodeType.Whitespace == 13;"),
           "True");
}

Test(lib_xml_reader, names_and_namespaces)
{
    EXPECT(READER("<s:a xmlns:s='urn:s'><b xmlns='urn:d'/></s:a>",
                  "r.Read(); var s = r.Name + \"|\" + r.LocalName + \"|\" + r.Prefix + \"|\" + r.NamespaceURI; "
                  "r.Read(); return s + \"/\" + r.Name + \"|\" + r.LocalName + \"|\" + r.Prefix + \"|\" + r.NamespaceURI;"),
           "s:a|a|s|urn:s/b|b||urn:d");
    EXPECT(READER("<a>t</a>", "r.Read(); r.Read(); return \"[\" + r.Name + r.LocalName + r.NamespaceURI + \"]\";"), "[]");
    EXPECT(READER("<?xml version='1.0'?><a/>", "r.Read(); return r.Name + \"|\" + r.LocalName + \"|\" + r.NodeType;"),
           "xml|xml|17");
}

Test(lib_xml_reader, attributes)
{
#define ATTRS "<a x='1' p:y='2' xmlns:p='urn:p'><b/></a>"
    EXPECT(READER(ATTRS, "r.Read(); return r.GetAttribute(\"x\") + r.GetAttribute(\"p:y\") + "
                         "r.GetAttribute(\"y\", \"urn:p\") + (r.GetAttribute(\"zz\") == null);"),
           "122True");
    /* by index in the order MoveToNextAttribute visits: namespace declarations first */
    EXPECT(READER(ATTRS, "r.Read(); return r.AttributeCount + \"|\" + r.HasAttributes + \"|\" + r.GetAttribute(0) + "
                         "\"|\" + r.GetAttribute(1) + \"|\" + r.GetAttribute(\"xmlns:p\");"),
           "3|True|urn:p|1|urn:p");
    EXPECT(READER(ATTRS, "r.Read(); return r.GetAttribute(3);"),
           "!System.ArgumentOutOfRangeException: Index was out of range. Must be non-negative and less than the size of "
           "the collection. (Parameter 'i')");
    EXPECT(READER(ATTRS, "r.Read(); r.Read(); return r.AttributeCount + \"|\" + r.HasAttributes + \"|\" + "
                         "(r.GetAttribute(\"x\") == null);"),
           "0|False|True");
    EXPECT(READER(ATTRS, "r.Read(); var s = \"\"; if (r.MoveToFirstAttribute()) do { s += r.NodeType + \":\" + "
                         "r.Name + \"=\" + r.Value + \"@\" + r.Depth + \";\"; } while (r.MoveToNextAttribute()); "
                         "r.MoveToElement(); return s + r.Name;"),
           "2:xmlns:p=urn:p@1;2:x=1@1;2:p:y=2@1;a");
    EXPECT(READER(ATTRS, "r.Read(); var found = r.MoveToAttribute(\"p:y\"); var v = r.Value; "
                         "return found + v + r.MoveToAttribute(\"nope\") + r.MoveToElement() + r.MoveToElement();"),
           "True2FalseTrueFalse");
    /* on an attribute: the element's attributes still count, and the position is kept */
    EXPECT(READER(ATTRS, "r.Read(); r.MoveToFirstAttribute(); r.MoveToNextAttribute(); return r.AttributeCount + "
                         "\"|\" + r.HasAttributes + \"|\" + r.GetAttribute(2) + r.GetAttribute(\"x\") + \"|\" + r.Name + \"|\" + "
                         "r.MoveToNextAttribute() + r.Name + r.MoveToNextAttribute() + r.Name;"),
           "3|True|21|x|Truep:yFalsep:y");
    EXPECT(READER(ATTRS, "r.Read(); r.MoveToAttribute(\"x\"); var c = r.AttributeCount; var n = r.MoveToNextAttribute(); "
                         "return c + \"|\" + n + r.Name + \"|\" + r.MoveToAttribute(\"zz\") + r.Name;"),
           "3|Truep:y|Falsep:y");
    /* from an attribute, Read() goes on after its element */
    EXPECT(READER(ATTRS, "r.Read(); r.MoveToFirstAttribute(); r.Read(); return r.Name;"), "b");
    /* the declaration's pseudo-attributes */
    EXPECT(READER("<?xml version=\\\"1.0\\\" encoding='utf-8'?><a/>",
                  "r.Read(); return r.GetAttribute(\"version\") + \"|\" + r.GetAttribute(\"encoding\") + \"|\" + "
                  "(r.GetAttribute(\"standalone\") == null) + \"|\" + r.Value;"),
           "1.0|utf-8|True|version=\"1.0\" encoding='utf-8'");
#undef ATTRS
}

Test(lib_xml_reader, move_to_content_and_is_start_element)
{
    EXPECT(READER("<?xml version='1.0'?><!--c--> <?p x?><a/>", "var t = r.MoveToContent(); return t + r.Name;"), "1a");
    /* on content already: stays */
    EXPECT(READER("<a>t</a>", "r.Read(); r.Read(); return r.MoveToContent() + r.Value;"), "3t");
    /* from an attribute: its element */
    EXPECT(READER("<a x='1'/>", "r.Read(); r.MoveToFirstAttribute(); return r.MoveToContent() + r.Name;"), "1a");
    /* at the end: None */
    EXPECT(READER("<a/> <!--z-->", "r.Read(); r.Read(); return r.MoveToContent() + \"|\" + r.EOF;"), "0|True");
    EXPECT(READER("<!--c--><a/>", "return r.IsStartElement() + \"|\" + r.IsStartElement(\"a\") + \"|\" + "
                                  "r.IsStartElement(\"b\");"),
           "True|True|False");
}

Test(lib_xml_reader, read_element_content_as_string)
{
    EXPECT(READER("<r><a>x<!--c-->y<![CDATA[<z>]]></a><b/></r>",
                  "r.MoveToContent(); r.Read(); var s = r.ReadElementContentAsString(); var n = r.Name; "
                  "var e = r.ReadElementContentAsString(); return s + \"|\" + n + \"|\" + e + \"|\" + r.NodeType + r.Name;"),
           "xy<z>|b||15r");
    EXPECT(READER("<r>t</r>", "r.Read(); r.Read(); return r.ReadElementContentAsString();"),
           "!System.Xml.XmlException: The ReadElementContentAsString method is not supported on node type Text. "
           "Line 1, position 9.");
    EXPECT(READER("<r><a/></r>", "r.Read(); return r.ReadElementContentAsString();"),
           "!System.Xml.XmlException: ReadElementContentAsString method is not supported on node type Element. "
           "Line 1, position 12.");
}

Test(lib_xml_reader, read_outer_and_inner_xml)
{
#define TREE "<r><a k='v&amp;'><b>1</b><c></c></a><d/></r>"
    EXPECT(READER(TREE, "r.Read(); r.Read(); var x = r.ReadOuterXml(); return x + \"|\" + r.Name;"),
           "<a k=\"v&amp;\"><b>1</b><c /></a>|d");
    EXPECT(READER(TREE, "r.Read(); r.Read(); var x = r.ReadInnerXml(); return x + \"|\" + r.Name;"), "<b>1</b><c />|d");
    /* an attribute: its markup, or its value; the reader stays */
    EXPECT(READER(TREE, "r.Read(); r.Read(); r.MoveToFirstAttribute(); return r.ReadOuterXml() + \"|\" + "
                        "r.ReadInnerXml() + \"|\" + r.Name;"),
           "k=\"v&amp;\"|v&|k");
    /* text: nothing, and the reader stays */
    EXPECT(READER("<a>t</a>", "r.Read(); r.Read(); return \"[\" + r.ReadOuterXml() + r.ReadInnerXml() + \"]\" + r.Value;"),
           "[]t");
    /* namespaces bound on ancestors are declared on what is written */
    EXPECT(READER("<r xmlns:s='urn:s'><s:a><s:b/></s:a></r>", "r.Read(); r.Read(); return r.ReadOuterXml();"),
           "<s:a xmlns:s=\"urn:s\"><s:b /></s:a>");
    /* the last element: the reader ends */
    EXPECT(READER("<a><b/></a>", "r.Read(); var x = r.ReadOuterXml(); return x + r.EOF;"), "<a><b /></a>True");
#undef TREE
}

Test(lib_xml_reader, read_to_and_skip)
{
#define TREE "<r><a><x/><c id='1'/></a><c id='2'/><d/></r>"
    EXPECT(READER(TREE, "var f = r.ReadToFollowing(\"c\"); var id = r.GetAttribute(\"id\"); "
                        "var g = r.ReadToFollowing(\"c\"); return f + id + g + r.GetAttribute(\"id\") + "
                        "r.ReadToFollowing(\"c\") + r.EOF;"),
           "True1True2FalseTrue");
    EXPECT(READER(TREE, "r.Read(); var d = r.ReadToDescendant(\"c\"); return d + r.GetAttribute(\"id\") + r.Depth;"),
           "True12");
    /* none inside: false, on the element's end tag */
    EXPECT(READER(TREE, "r.Read(); r.Read(); var d = r.ReadToDescendant(\"d\"); return d + \"|\" + r.NodeType + r.Name;"),
           "False|15a");
    /* before the first Read: from the document */
    EXPECT(READER(TREE, "return r.ReadToDescendant(\"r\") + r.Name;"), "Truer");
    EXPECT(READER(TREE, "r.Read(); r.Read(); var s = r.ReadToNextSibling(\"c\"); var id = r.GetAttribute(\"id\"); "
                        "var t = r.ReadToNextSibling(\"c\"); return s + id + t + \"|\" + r.NodeType + r.Name;"),
           "True2False|15r");
    /* Skip: past the subtree of an element; elsewhere one Read */
    EXPECT(READER(TREE, "r.Read(); r.Read(); r.Skip(); var n = r.Name + r.GetAttribute(\"id\"); r.Skip(); "
                        "return n + \"|\" + r.Name;"),
           "c2|d");
    EXPECT(READER("<a>t<b/></a>", "r.Read(); r.Read(); r.Skip(); return r.Name;"), "b");
#undef TREE
}

Test(lib_xml_reader, close_and_dispose)
{
    EXPECT(READER("<a><b/></a>", "r.Read(); r.Close(); return r.Read() + \"|\" + r.EOF + \"|\" + r.NodeType + \"|\" + "
                                 "r.Name + \"|\" + r.Depth;"),
           "False|False|0||0");
    /* using disposes; disposing twice is harmless */
    EXPECT("@{ XmlReader kept; using (var r = XmlReader.Create(new StringReader(\"<a/>\"))) { kept = r; r.Read(); } "
           "kept.Dispose(); return kept.Read(); }",
           "False");
    /* a reader never closed is released with the runtime (the sanitizer build checks it) */
    EXPECT(READER("<a><b/></a>", "r.Read(); return r.Name;"), "a");
}

Test(lib_xml_reader, xnode_read_from)
{
    EXPECT(READER("<r xmlns:s='urn:s'><s:a x='1'><b>v</b></s:a>tail</r>",
                  "r.Read(); r.Read(); var e = (XElement)XNode.ReadFrom(r); "
                  "return e.ToString(SaveOptions.DisableFormatting) + \"|\" + e.Name + \"|\" + (e.Parent == null) + "
                  "\"|\" + r.NodeType + \":\" + r.Value;"),
           "<s:a xmlns:s=\"urn:s\" x=\"1\"><b>v</b></s:a>|{urn:s}a|True|3:tail");
    /* leaf nodes become XText, XCData, XComment; the reader moves on */
    EXPECT(READER("<r>t<![CDATA[c]]><!--m--></r>",
                  "r.Read(); r.Read(); var t = XNode.ReadFrom(r); var c = XNode.ReadFrom(r); var m = XNode.ReadFrom(r); "
                  "return (t is XText) + \"|\" + ((XText)t).Value + \"|\" + (c is XCData) + \"|\" + c + \"|\" + "
                  "(m is XComment) + \"|\" + m + \"|\" + r.NodeType + \"|\" + (t.Parent == null);"),
           "True|t|True|<![CDATA[c]]>|True|<!--m-->|15|True");
    /* the element is a copy: it outlives the reader */
    EXPECT(READER("<r><a>1</a></r>", "XElement e; r.Read(); r.Read(); e = XNode.ReadFrom(r) as XElement; r.Dispose(); "
                                     "return e.Value;"),
           "1");
    EXPECT(READER("<r/>", "return XNode.ReadFrom(r);"),
           "!System.InvalidOperationException: The XmlReader state should be Interactive.");
    EXPECT(READER("<r><a/></r>", "r.Read(); r.Read(); r.Read(); return XNode.ReadFrom(r);"),
           "!System.InvalidOperationException: The XmlReader should not be on a node of type EndElement.");
    EXPECT(READER("<?xml version='1.0'?><r/>", "r.Read(); return XNode.ReadFrom(r);"),
           "!System.InvalidOperationException: The XmlReader should not be on a node of type XmlDeclaration.");
    EXPECT("@{ XmlReader r = null; return XNode.ReadFrom(r); }",
           "!System.ArgumentNullException: Value cannot be null. (Parameter 'reader')");
}

Test(lib_xml_reader, malformed_xml_throws_xml_exception)
{
    EXPECT(READER("<a><b></a>", "return r.Read();"),
           "!System.Xml.XmlException: Opening and ending tag mismatch: b line 1 and a. Line 1, position 11.");
    EXPECT(READER("", "return r.Read();"), "!System.Xml.XmlException: Root element is missing.");
    EXPECT(READER(" <!-- only --> ", "return r.Read();"), "!System.Xml.XmlException: Root element is missing.");
    /* the declaration is read, then the missing root is reported */
    EXPECT(READER("<?xml version='1.0'?>", "var first = r.Read(); try { r.Read(); } catch (Exception e) "
                                           "{ return first + \"|\" + e.Message + \"|\" + r.EOF + r.Read(); } return \"\";"),
           "True|Root element is missing.|FalseFalse");
    EXPECT(READER("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "return r.Read();"),
           "!System.Xml.XmlException: For security reasons DTD is prohibited in this XML document. To enable DTD "
           "processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into "
           "XmlReader.Create method.");
    EXPECT(READER("<a>&foo;</a>", "return r.Read();"),
           "!System.Xml.XmlException: Entity 'foo' not defined. Line 1, position 9.");
    /* catchable like any exception; the reader is then done */
    EXPECT(READER("<a></b>", "try { while (r.Read()) { } } catch (Exception e) { return \"caught \" + "
                             "e.Message.StartsWith(\"Opening and ending tag mismatch\") + r.Read(); } return \"no\";"),
           "caught TrueFalse");
}

/* A document far larger than libxml2's parse chunks: the reader streams it, and a fault near
 * its end surfaces only when the reader gets there. */
#define BIG(tail) "var sb = new StringBuilder(\"<r>\"); for (int i = 0; i < 3000; i++) sb.Append(\"<item id='\" + i + " \
                  "\"'><v>\" + i + \"</v></item>\"); sb.Append(\"" tail "\"); " \
                  "var r = XmlReader.Create(new StringReader(sb.ToString())); "

Test(lib_xml_reader, large_documents_stream)
{
    EXPECT("@{ " BIG("</r>") "var n = 0; var sum = 0; r.ReadToFollowing(\"item\"); while (r.Name == \"item\") { n++; "
           "var e = (XElement)XNode.ReadFrom(r); sum += (int)e.Element(\"v\"); } return n + \"|\" + sum + \"|\" + "
           "r.NodeType + r.Name; }",
           "3000|4498500|15r");
    /* as in .NET: ReadFrom leaves the reader on the next item, which ReadToFollowing then
     * reads past (it starts with Read), so this loop takes every other item */
    EXPECT("@{ " BIG("</r>") "var n = 0; while (r.ReadToFollowing(\"item\")) { n++; XNode.ReadFrom(r); } "
           "return n + \"|\" + r.EOF; }",
           "1500|True");
    EXPECT("@{ " BIG("</r>") "r.ReadToFollowing(\"item\"); var d = r.Depth; var x = r.ReadOuterXml(); r.Skip(); r.Skip(); "
           "return d + x + r.GetAttribute(\"id\"); }",
           "1<item id=\"0\"><v>0</v></item>3");
    EXPECT("@{ " BIG("</oops>") "var n = 0; try { while (r.Read()) n++; } catch (Exception e) { return (n > 1000) + \"|\" + "
           "e.Message.StartsWith(\"Opening and ending tag mismatch: r line 1 and oops\"); } return \"no error\"; }",
           "True|True");
}

Test(lib_xml_reader, create_reads_the_rest_of_a_text_reader)
{
    EXPECT("@{ var sr = new StringReader(\"header\\n<a>1</a>\"); var h = sr.ReadLine(); "
           "var r = XmlReader.Create(sr); r.MoveToContent(); return h + \"|\" + r.ReadElementContentAsString() + \"|\" + "
           "sr.Peek(); }",
           "header|1|-1");
    EXPECT("@{ TextReader tr = new StringReader(\"<a/>\"); var r = XmlReader.Create(tr); r.Read(); return r.Name; }", "a");
    EXPECT("@{ var sr = new StringReader(\"<a/>\"); sr.Close(); return XmlReader.Create(sr); }",
           "!System.ObjectDisposedException: Cannot read from a closed TextReader.");
    EXPECT("@{ StringReader sr = null; return XmlReader.Create(sr); }",
           "!System.ArgumentNullException: Value cannot be null. (Parameter 'input')");
    /* XmlReader.Create(string) reads a URI in .NET: nothing is loaded from files or the network */
    EXPECT("@(XmlReader.Create(\"<a/>\"))", "error 1:20: cannot implicitly convert type 'string' to 'TextReader'");
}
