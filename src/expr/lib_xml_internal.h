/* lib_xml internals shared by lib_xml.c (model, parsing, classes) and lib_xml_text.c (the
 * writer and value conversions). */
#ifndef MERIDIAN_EXPR_LIB_XML_INTERNAL_H
#define MERIDIAN_EXPR_LIB_XML_INTERNAL_H

#include "expr/lib_text.h"
#include "expr/lib_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#define XML_EXC "System.Xml.XmlException"

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
