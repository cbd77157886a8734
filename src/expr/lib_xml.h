/* lib_xml: System.Xml.Linq for policy expressions (spec/apim-gateway.md §3.2) — XDocument,
 * XElement, XAttribute, XName, XNamespace, XNode, XContainer, XText, XCData, XComment,
 * LoadOptions, SaveOptions — and System.Xml's XmlNodeType and forward-only XmlReader
 * (lib_xml_reader.c, with XNode.ReadFrom) over libxml2, plus the C API the policy context
 * uses for a body read as XML (context.Request.Body.As<XDocument>()).
 *
 * Model
 * - An XNode/XAttribute value is EXPR_V_OBJECT whose obj.ptr is the libxml2 node itself
 *   (xmlDoc for XDocument, xmlAttr for XAttribute, xmlNode otherwise). Every tree lives in
 *   an xmlDoc freed by a cleanup registered with expr_rt_defer when it is made (parse or
 *   constructor): nodes stay valid until expr_rt_end, and an exception thrown half-way
 *   leaks nothing (the cleanup is registered before anything else can fail).
 * - Trees are read-only: no Add/Remove/SetValue. Constructors copy their content (.NET
 *   attaches a parentless node and copies one that has a parent; without mutation the only
 *   visible difference is the original's Parent).
 * - Parsing: no network, no entity expansion, documents with a DTD are refused (XmlException
 *   "For security reasons DTD is prohibited..."), input above EXPR_XML_MAX_INPUT bytes is
 *   refused. Insignificant whitespace is dropped unless LoadOptions.PreserveWhitespace.
 * - Text is written as .NET's XmlWriter does for ToString(): two-space indentation (none
 *   inside mixed content), `<a />` for empty elements, no XML declaration.
 *
 * Every function returns 0, or EXPR_THROWN with a .NET exception recorded in rt. */
#ifndef MERIDIAN_EXPR_LIB_XML_H
#define MERIDIAN_EXPR_LIB_XML_H

#include "expr/value.h"

#include <stdbool.h>
#include <stddef.h>

#define EXPR_XML_MAX_INPUT (64u * 1024 * 1024)

extern const expr_class_t expr_class_xnode;      /* System.Xml.Linq.XNode (base) */
extern const expr_class_t expr_class_xcontainer; /* System.Xml.Linq.XContainer */
extern const expr_class_t expr_class_xelement;   /* System.Xml.Linq.XElement */
extern const expr_class_t expr_class_xdocument;  /* System.Xml.Linq.XDocument */
extern const expr_class_t expr_class_xattribute; /* System.Xml.Linq.XAttribute */
extern const expr_class_t expr_class_xname;      /* System.Xml.Linq.XName */
extern const expr_class_t expr_class_xnamespace; /* System.Xml.Linq.XNamespace */

/* Parses text as XDocument.Parse(text) (cls = expr_class_xdocument) or XElement.Parse(text)
 * (cls = expr_class_xelement; also for XNode); bad XML throws System.Xml.XmlException with
 * "... Line L, position P." in its message. preserve_whitespace: LoadOptions.PreserveWhitespace. */
int expr_xml_parse(expr_rt_t *rt, const char *text, size_t len, const expr_class_t *cls,
                   bool preserve_whitespace, expr_value_t *out);

/* The text of an XNode value as ToString() (indented) or ToString(SaveOptions.DisableFormatting),
 * as an arena string. A document gives no XML declaration, as XDocument.ToString(). */
int expr_xml_write(expr_rt_t *rt, const expr_value_t *node, bool indented, expr_value_t *out);

#endif
