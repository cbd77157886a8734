/* lib_xml internals shared by lib_xml.c (model, parsing, classes), lib_xml_text.c (the
 * writer and value conversions), lib_xml_new.c (constructors) and lib_xml_reader.c
 * (XmlReader). */
#ifndef MERIDIAN_EXPR_LIB_XML_INTERNAL_H
#define MERIDIAN_EXPR_LIB_XML_INTERNAL_H

#include "expr/lib_text.h"
#include "expr/lib_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#define XML_EXC "System.Xml.XmlException"

/* Marks (in _private) a document that only holds a parentless element (XElement.Parse, new
 * XElement) — its Document is null — and the element that holds a parentless attribute. */
extern char xml_holder_mark;

/* An expanded name: XName, or XNamespace (local NULL). Strings are NUL-terminated. */
typedef struct {
    const char *ns;    /* "" for no namespace */
    const char *local; /* NULL in an XNamespace */
} xml_name_t;

int xml_oom(expr_rt_t *rt);
/* A new empty document whose release is already registered (holder: see xml_holder_mark);
 * NULL with the exception recorded. */
xmlDocPtr xml_new_doc(expr_rt_t *rt, bool holder);
/* The holder element (xml_holder_mark) of a new holder document: where a parentless
 * attribute or leaf node lives so that the document's release frees it (lib_xml_new.c).
 * NULL with the exception recorded. */
xmlNodePtr xml_new_holder(expr_rt_t *rt);
/* The value of a node (its class from its type), null for NULL. */
expr_value_t xml_wrap(xmlNodePtr n);
/* An arena copy, NUL-terminated; NULL with OutOfMemoryException. */
char *xml_dup(expr_rt_t *rt, const char *p, size_t n);
/* A name argument: an XName, or a string "local" / "{namespace}local". */
int xml_name_arg(expr_rt_t *rt, const expr_value_t *v, xml_name_t *out);
/* A namespace's URI, "" for none. */
const char *xml_ns_of(const xmlNs *ns);
bool xml_space_only(const xmlChar *s);

/* lib_xml_reader.c: System.Xml.XmlReader, XmlNodeType, and XNode.ReadFrom(reader). */
extern const expr_class_t expr_class_xml_reader;
extern const expr_class_t expr_class_xml_node_type;
EXPR_NATIVE_DECL(xml_xnode_read_from);

EXPR_NATIVE_DECL(xml_xelement_new);
EXPR_NATIVE_DECL(xml_xdocument_new);
EXPR_NATIVE_DECL(xml_xattribute_new);

/* The libxml2 node of an XNode/XAttribute value (xmlDoc and xmlAttr cast), or NULL. */
xmlNodePtr xml_node_of(const expr_value_t *v);

/* The text of a node (element: its descendant text; attribute, text, comment: its value)
 * as an arena string. */
int xml_node_value(expr_rt_t *rt, xmlNodePtr n, expr_value_t *out);

/* Writes a node's text (lib_xml_text.c). */
int xml_write_node(expr_rt_t *rt, xmlNodePtr n, bool indented, expr_value_t *out);

/* The explicit conversions (string)x, (int)x, (bool)x... of an element or attribute. */
int xml_convert(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to, expr_value_t *out);

#endif
