/* lib_xml_new: the constructors new XElement(name, content...), new XDocument(content...),
 * new XAttribute(name, value) (lib_xml.h: content is copied). */
#include "expr/lib_xml_internal.h"

#include <stdio.h>
#include <string.h>

/* The namespace for `uri` in scope at el, declared on el when missing (attributes need a
 * prefix: p1, p2... as .NET's writer generates them). */
static xmlNsPtr ns_for(xmlNodePtr el, const char *uri, bool attr)
{
    if (!*uri) return NULL;
    if (!strcmp(uri, "http://www.w3.org/XML/1998/namespace")) return xmlSearchNs(el->doc, el, (const xmlChar *)"xml");
    xmlNsPtr ns = xmlSearchNsByHref(el->doc, el, (const xmlChar *)uri);
    if (ns && (!attr || ns->prefix)) return ns;
    if (!attr) return xmlNewNs(el, (const xmlChar *)uri, NULL);
    for (int i = 1;; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "p%d", i);
        if (!xmlSearchNs(el->doc, el, (const xmlChar *)prefix)) return xmlNewNs(el, (const xmlChar *)uri, (const xmlChar *)prefix);
    }
}

/* The depth of the tree under root, walked without recursion: constructors refuse content
 * that would make a tree deeper than the parser allows (libxml2's 256 levels), so that the
 * recursive walks here (Descendants, ToString) stay bounded. */
static int tree_depth(xmlNodePtr root)
{
    int d = 0, max = 0;
    xmlNodePtr n = root;
    for (;;) {
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            if (++d > max) max = d;
            continue;
        }
        while (n != root && !n->next) {
            n = n->parent;
            d--;
        }
        if (n == root) return max;
        n = n->next;
    }
}

#define XML_MAX_DEPTH 256

static int add_content(expr_rt_t *rt, xmlNodePtr el, const expr_value_t *v, int depth)
{
    if (depth > 64) return expr_throw(rt, "InvalidOperationException", "Content nested too deeply.");
    if (v->tag == EXPR_V_NULL) return 0;
    xmlNodePtr n = xml_node_of(v);
    if (n) {
        if (n->type == XML_DOCUMENT_NODE)
            return expr_throw(rt, "ArgumentException", "An XObject cannot be used as a value.");
        if (n->type == XML_ATTRIBUTE_NODE) {
            xmlAttrPtr a = (xmlAttrPtr)n;
            for (xmlAttrPtr x = el->properties; x; x = x->next)
                if (xmlStrEqual(x->name, a->name) && !strcmp(xml_ns_of(x->ns), xml_ns_of(a->ns)))
                    return expr_throw(rt, "InvalidOperationException", "Duplicate attribute.");
            xmlChar *val = xmlNodeGetContent(n);
            xmlAttrPtr copy = xmlNewNsProp(el, ns_for(el, xml_ns_of(a->ns), true), a->name, val);
            xmlFree(val);
            return copy ? 0 : xml_oom(rt);
        }
        if (el->type == XML_DOCUMENT_NODE && n->type == XML_ELEMENT_NODE && xmlDocGetRootElement((xmlDocPtr)el))
            return expr_throw(rt, "InvalidOperationException", "This operation would create an incorrectly structured document.");
        if (n->type == XML_ELEMENT_NODE && tree_depth(n) + 2 > XML_MAX_DEPTH)
            return expr_throw(rt, "InvalidOperationException", "The XML tree would be more than %d levels deep.", XML_MAX_DEPTH);
        xmlNodePtr copy = xmlDocCopyNode(n, el->doc ? el->doc : (xmlDocPtr)el, 1);
        if (!copy) return xml_oom(rt);
        if (!xmlAddChild(el, copy)) {
            xmlFreeNode(copy);
            return xml_oom(rt);
        }
        return 0;
    }
    if (v->tag == EXPR_V_ARRAY || (v->tag == EXPR_V_OBJECT && v->u.obj.cls && v->u.obj.cls->enumerate)) {
        expr_value_t *items;
        uint32_t count;
        if (expr_rt_enumerate(rt, v, &items, &count)) return EXPR_THROWN;
        for (uint32_t i = 0; i < count; i++)
            if (add_content(rt, el, &items[i], depth + 1)) return EXPR_THROWN;
        return 0;
    }
    expr_value_t s;
    if (v->tag == EXPR_V_BOOL) s = v->u.b ? expr_str_ref("true", 4) : expr_str_ref("false", 5);
    else if (expr_value_to_string(rt, v, &s)) return EXPR_THROWN;
    if (el->type == XML_DOCUMENT_NODE) {
        char *text = xml_dup(rt, s.u.s.ptr, s.u.s.len);
        if (!text) return EXPR_THROWN;
        if (xml_space_only((const xmlChar *)text)) return 0;
        return expr_throw(rt, "ArgumentException", "Non-whitespace characters cannot be added to content.");
    }
    xmlNodePtr t = xmlNewDocTextLen(el->doc, (const xmlChar *)s.u.s.ptr, (int)s.u.s.len);
    if (!t) return xml_oom(rt);
    /* xmlAddChild merges text into a preceding text node (and frees t) */
    if (!xmlAddChild(el, t)) {
        xmlFreeNode(t);
        return xml_oom(rt);
    }
    return 0;
}

EXPR_NATIVE_EXTERN(xml_xelement_new)
{
    xml_name_t nm;
    xmlNodePtr src = xml_node_of(&args[0]);
    if (argc == 1 && src && src->type == XML_ELEMENT_NODE) { /* new XElement(other): a copy */
        xmlDocPtr doc = xml_new_doc(rt, true);
        if (!doc) return EXPR_THROWN;
        xmlNodePtr copy = xmlDocCopyNode(src, doc, 1);
        if (!copy) return xml_oom(rt);
        xmlDocSetRootElement(doc, copy);
        *out = xml_wrap(copy);
        return 0;
    }
    if (xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    xmlDocPtr doc = xml_new_doc(rt, true);
    if (!doc) return EXPR_THROWN;
    xmlNodePtr el = xmlNewDocNode(doc, NULL, (const xmlChar *)nm.local, NULL);
    if (!el) return xml_oom(rt);
    xmlDocSetRootElement(doc, el);
    if (*nm.ns) xmlSetNs(el, ns_for(el, nm.ns, false));
    for (unsigned i = 1; i < argc; i++)
        if (add_content(rt, el, &args[i], 0)) return EXPR_THROWN;
    *out = xml_wrap(el);
    return 0;
}

EXPR_NATIVE_EXTERN(xml_xdocument_new)
{
    xmlDocPtr doc = xml_new_doc(rt, false);
    if (!doc) return EXPR_THROWN;
    for (unsigned i = 0; i < argc; i++)
        if (add_content(rt, (xmlNodePtr)doc, &args[i], 0)) return EXPR_THROWN;
    *out = expr_object(&expr_class_xdocument, doc);
    return 0;
}

xmlNodePtr xml_new_holder(expr_rt_t *rt)
{
    xmlDocPtr doc = xml_new_doc(rt, true);
    if (!doc) return NULL;
    xmlNodePtr holder = xmlNewDocNode(doc, NULL, (const xmlChar *)"holder", NULL);
    if (!holder) {
        xml_oom(rt);
        return NULL;
    }
    xmlDocSetRootElement(doc, holder);
    holder->_private = &xml_holder_mark;
    return holder;
}

EXPR_NATIVE_EXTERN(xml_xattribute_new)
{
    xml_name_t nm;
    if (xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    if (args[1].tag == EXPR_V_NULL) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'value')");
    expr_value_t s;
    if (args[1].tag == EXPR_V_BOOL) s = args[1].u.b ? expr_str_ref("true", 4) : expr_str_ref("false", 5);
    else if (expr_value_to_string(rt, &args[1], &s)) return EXPR_THROWN;
    char *val = xml_dup(rt, s.u.s.ptr, s.u.s.len);
    if (!val) return EXPR_THROWN;
    xmlNodePtr holder = xml_new_holder(rt);
    if (!holder) return EXPR_THROWN;
    xmlAttrPtr a = xmlNewNsProp(holder, ns_for(holder, nm.ns, true), (const xmlChar *)nm.local, (const xmlChar *)val);
    if (!a) return xml_oom(rt);
    *out = expr_object(&expr_class_xattribute, a);
    return 0;
}

