/* lib_xml: System.Xml.Linq over libxml2 (lib_xml.h) — parsing with .NET's XmlException,
 * navigation (Root, Element, Elements, Descendants, Attribute...), names and namespaces,
 * sequence extensions and the class tables. The writer and conversions are in lib_xml_text.c,
 * the constructors in lib_xml_new.c. */
#include "expr/lib_xml_internal.h"

#include <stdio.h>
#include <string.h>

char xml_holder_mark; /* lib_xml_internal.h */

static const expr_class_t expr_class_xtext, expr_class_xcdata, expr_class_xcomment, expr_class_xpi;

int xml_oom(expr_rt_t *rt)
{
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

static void release_doc(void *doc)
{
    xmlFreeDoc(doc);
}

/* A new empty document whose release is already registered. */
xmlDocPtr xml_new_doc(expr_rt_t *rt, bool holder)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!doc) {
        xml_oom(rt);
        return NULL;
    }
    if (expr_rt_defer(rt, release_doc, doc)) return NULL;
    if (holder) doc->_private = &xml_holder_mark;
    return doc;
}

/* ---- nodes as values ---- */

static bool is_node_class(const expr_class_t *c)
{
    return c == &expr_class_xelement || c == &expr_class_xdocument || c == &expr_class_xattribute ||
           c == &expr_class_xtext || c == &expr_class_xcdata || c == &expr_class_xcomment ||
           c == &expr_class_xpi || c == &expr_class_xnode || c == &expr_class_xcontainer;
}

xmlNodePtr xml_node_of(const expr_value_t *v)
{
    if (v->tag != EXPR_V_OBJECT || !v->u.obj.ptr || !is_node_class(v->u.obj.cls)) return NULL;
    return v->u.obj.ptr;
}

static const expr_class_t *class_of(xmlNodePtr n)
{
    switch (n->type) {
    case XML_ELEMENT_NODE: return &expr_class_xelement;
    case XML_DOCUMENT_NODE: return &expr_class_xdocument;
    case XML_ATTRIBUTE_NODE: return &expr_class_xattribute;
    case XML_TEXT_NODE: return &expr_class_xtext;
    case XML_CDATA_SECTION_NODE: return &expr_class_xcdata;
    case XML_COMMENT_NODE: return &expr_class_xcomment;
    case XML_PI_NODE: return &expr_class_xpi;
    default: return NULL;
    }
}

expr_value_t xml_wrap(xmlNodePtr n)
{
    const expr_class_t *c = n ? class_of(n) : NULL;
    return c ? expr_object(c, n) : expr_null();
}

/* Nodes that are XNodes (LINQ to XML has no DTD or entity nodes). */
static bool is_xnode(xmlNodePtr n)
{
    return n && n->type != XML_ATTRIBUTE_NODE && n->type != XML_DOCUMENT_NODE && class_of(n);
}

int xml_node_value(expr_rt_t *rt, xmlNodePtr n, expr_value_t *out)
{
    xmlChar *c = xmlNodeGetContent(n);
    size_t len = c ? strlen((const char *)c) : 0;
    char *s = expr_rt_alloc(rt, len + 1);
    if (!s) {
        xmlFree(c);
        return EXPR_THROWN;
    }
    if (len) memcpy(s, c, len);
    s[len] = '\0';
    xmlFree(c);
    *out = expr_str_ref(s, len);
    return 0;
}

/* ---- names ---- */

char *xml_dup(expr_rt_t *rt, const char *p, size_t n)
{
    char *s = expr_rt_alloc(rt, n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int make_name(expr_rt_t *rt, const expr_class_t *cls, const char *ns, size_t ns_len,
                     const char *local, size_t local_len, expr_value_t *out)
{
    xml_name_t *nm = expr_rt_alloc(rt, sizeof *nm);
    if (!nm || !(nm->ns = xml_dup(rt, ns, ns_len))) return EXPR_THROWN;
    nm->local = NULL;
    if (local && !(nm->local = xml_dup(rt, local, local_len))) return EXPR_THROWN;
    *out = expr_object(cls, nm);
    return 0;
}

static int bad_name(expr_rt_t *rt, const char *p, size_t n)
{
    if (!n) return expr_throw(rt, "ArgumentException", "The empty string '' is not a valid local name.");
    return expr_throw(rt, XML_EXC, "The '%c' character, hexadecimal value 0x%02X, cannot be included in a name.",
                      *p, (unsigned char)*p);
}

/* A name argument: an XName, or a string "local" / "{namespace}local" (C#'s implicit
 * conversion string → XName). */
int xml_name_arg(expr_rt_t *rt, const expr_value_t *v, xml_name_t *out)
{
    if (v->tag == EXPR_V_NULL) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'name')");
    if (v->tag == EXPR_V_OBJECT && v->u.obj.cls == &expr_class_xname) {
        *out = *(const xml_name_t *)v->u.obj.ptr;
        return 0;
    }
    if (v->tag != EXPR_V_STRING) return expr_throw(rt, "ArgumentException", "An XName or a string is expected.");
    const char *p = v->u.s.ptr;
    size_t n = v->u.s.len;
    if (n && p[0] == '{') {
        const char *close = memchr(p, '}', n);
        if (!close || close == p + n - 1) return bad_name(rt, p, n);
        size_t ns_len = (size_t)(close - p - 1);
        out->ns = xml_dup(rt, p + 1, ns_len);
        out->local = xml_dup(rt, close + 1, n - ns_len - 2);
    } else {
        if (!n) return bad_name(rt, "", 0);
        for (size_t i = 0; i < n; i++)
            if (strchr("{}<>&\"'=/ \t\r\n!?;,", p[i]) && p[i]) return bad_name(rt, p + i, n);
        out->ns = "";
        out->local = xml_dup(rt, p, n);
    }
    return out->ns && out->local ? 0 : EXPR_THROWN;
}

const char *xml_ns_of(const xmlNs *ns)
{
    return ns && ns->href ? (const char *)ns->href : "";
}

static bool name_is(xmlNodePtr n, const xml_name_t *nm)
{
    return !strcmp((const char *)n->name, nm->local) && !strcmp(xml_ns_of(n->ns), nm->ns);
}

/* ---- sequences: IEnumerable<XElement>... as arrays (what the Enumerable methods use) ---- */

typedef struct {
    expr_rt_t *rt;
    expr_value_t *items;
    uint32_t n, cap;
} seq_t;

static int seq_push(seq_t *s, expr_value_t v)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        expr_value_t *items = expr_rt_alloc(s->rt, cap * sizeof *items);
        if (!items) return EXPR_THROWN;
        if (s->n) memcpy(items, s->items, s->n * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = v;
    return 0;
}

static int seq_finish(seq_t *s, const expr_class_t *elem, expr_value_t *out)
{
    if (!s->items && !(s->items = expr_rt_alloc(s->rt, sizeof *s->items))) return EXPR_THROWN;
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {s->items, s->n, elem}};
    return 0;
}

/* Elements below n in document order (self first when with_self), filtered by name. */
static int collect_descendants(seq_t *s, xmlNodePtr n, const xml_name_t *nm, bool elements_only)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (!is_xnode(c)) continue;
        bool is_el = c->type == XML_ELEMENT_NODE;
        if ((is_el || !elements_only) && (!nm || (is_el && name_is(c, nm))) && seq_push(s, xml_wrap(c)))
            return EXPR_THROWN;
        if (is_el && collect_descendants(s, c, nm, elements_only)) return EXPR_THROWN;
    }
    return 0;
}

/* ---- parsing ---- */

/* SAX hook: a DOCTYPE stops the parse (no DTD processing at all: no entity expansion, no
 * external loads). */
static void reject_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    xmlParserCtxtPtr ctxt = ctx;
    ctxt->_private = &xml_holder_mark;
    xmlStopParser(ctxt);
}

bool xml_space_only(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
    return true;
}

/* LoadOptions.None: whitespace-only text nodes are dropped (XmlReaderSettings.
 * IgnoreWhitespace), except under xml:space="preserve". */
static void drop_whitespace(xmlNodePtr n)
{
    xmlNodePtr c = n->children;
    while (c) {
        xmlNodePtr next = c->next;
        if (c->type == XML_TEXT_NODE && xml_space_only(c->content) && xmlNodeGetSpacePreserve(n) != 1) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            drop_whitespace(c);
        }
        c = next;
    }
}

int expr_xml_parse(expr_rt_t *rt, const char *text, size_t len, const expr_class_t *cls,
                   bool preserve_whitespace, expr_value_t *out)
{
    if (len > EXPR_XML_MAX_INPUT || len > INT32_MAX)
        return expr_throw(rt, XML_EXC, "The XML document exceeds the %u-byte limit.", EXPR_XML_MAX_INPUT);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return xml_oom(rt);
    ctxt->sax->internalSubset = reject_dtd;
    ctxt->_private = NULL;
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, len ? text : "", (int)len, NULL, "UTF-8", opts);
    bool dtd = ctxt->_private == &xml_holder_mark;
    char msg[200] = "";
    int line = 0, col = 0, code = 0;
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    if (e && e->code) {
        code = e->code;
        snprintf(msg, sizeof msg, "%s", e->message ? e->message : "Invalid XML.");
        size_t m = strlen(msg);
        while (m && (msg[m - 1] == '\n' || msg[m - 1] == ' ')) msg[--m] = '\0';
        line = e->line;
        col = e->int2;
    }
    bool failed = !doc || !ctxt->wellFormed || dtd;
    xmlFreeParserCtxt(ctxt);
    if (failed) {
        if (doc) xmlFreeDoc(doc);
        if (dtd)
            return expr_throw(rt, XML_EXC, "For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.");
        if (code == XML_ERR_DOCUMENT_EMPTY || len == 0)
            return expr_throw(rt, XML_EXC, "Root element is missing.");
        return expr_throw(rt, XML_EXC, "%s. Line %d, position %d.", msg[0] ? msg : "Invalid XML", line ? line : 1,
                          col ? col : 1);
    }
    if (expr_rt_defer(rt, release_doc, doc)) return EXPR_THROWN;
    if (!preserve_whitespace) drop_whitespace((xmlNodePtr)doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) return expr_throw(rt, XML_EXC, "Root element is missing.");
    if (cls == &expr_class_xdocument) {
        *out = expr_object(&expr_class_xdocument, doc);
    } else {
        doc->_private = &xml_holder_mark; /* XElement.Parse: the element has no document */
        *out = expr_object(&expr_class_xelement, root);
    }
    return 0;
}

static bool load_preserve(const expr_value_t *args, unsigned argc)
{
    return argc > 1 && (args[1].tag == EXPR_V_INT || args[1].tag == EXPR_V_LONG) && (args[1].u.i & 1);
}

static int parse_common(expr_rt_t *rt, const expr_value_t *args, unsigned argc, const expr_class_t *cls,
                        expr_value_t *out)
{
    const char *p;
    size_t n;
    if (expr_text_arg_str(rt, &args[0], "text", false, &p, &n)) return EXPR_THROWN;
    return expr_xml_parse(rt, p, n, cls, load_preserve(args, argc), out);
}

EXPR_NATIVE(xdocument_parse)
{
    return parse_common(rt, args, argc, &expr_class_xdocument, out);
}

EXPR_NATIVE(xelement_parse)
{
    return parse_common(rt, args, argc, &expr_class_xelement, out);
}

/* ---- XNode, XContainer ---- */

#define SELF ((xmlNodePtr)self->u.obj.ptr)

EXPR_NATIVE(node_parent)
{
    xmlNodePtr p = SELF->parent;
    *out = p && p->type == XML_ELEMENT_NODE && p->_private != &xml_holder_mark ? xml_wrap(p) : expr_null();
    return 0;
}

EXPR_NATIVE(node_document)
{
    xmlDocPtr d = SELF->doc;
    *out = d && d->_private != &xml_holder_mark ? expr_object(&expr_class_xdocument, d) : expr_null();
    return 0;
}

static xmlNodePtr skip_to_xnode(xmlNodePtr n, bool forward)
{
    while (n && !is_xnode(n)) n = forward ? n->next : n->prev;
    return n;
}

EXPR_NATIVE(node_next)
{
    *out = SELF->type == XML_ATTRIBUTE_NODE ? expr_null() : xml_wrap(skip_to_xnode(SELF->next, true));
    return 0;
}

EXPR_NATIVE(node_prev)
{
    *out = SELF->type == XML_ATTRIBUTE_NODE ? expr_null() : xml_wrap(skip_to_xnode(SELF->prev, false));
    return 0;
}

EXPR_NATIVE(node_type)
{
    int t = SELF->type == XML_DOCUMENT_NODE ? 9 : (int)SELF->type; /* libxml2 follows the DOM numbers */
    *out = expr_text_enum(t);
    return 0;
}

EXPR_NATIVE(node_to_string)
{
    bool indented = !(argc > 0 && (args[0].tag == EXPR_V_INT || args[0].tag == EXPR_V_LONG) && (args[0].u.i & 1));
    return xml_write_node(rt, SELF, indented, out);
}

static int node_to_string_default(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return xml_write_node(rt, SELF, true, out);
}

EXPR_NATIVE(container_first)
{
    *out = xml_wrap(skip_to_xnode(SELF->children, true));
    return 0;
}

EXPR_NATIVE(container_last)
{
    *out = xml_wrap(skip_to_xnode(SELF->last, false));
    return 0;
}

EXPR_NATIVE(container_element)
{
    xml_name_t nm;
    if (xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    *out = expr_null();
    for (xmlNodePtr c = SELF->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && name_is(c, &nm)) {
            *out = xml_wrap(c);
            break;
        }
    return 0;
}

EXPR_NATIVE(container_elements)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    for (xmlNodePtr c = SELF->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && (argc == 0 || name_is(c, &nm)) && seq_push(&s, xml_wrap(c)))
            return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xelement, out);
}

EXPR_NATIVE(container_nodes)
{
    seq_t s = {.rt = rt};
    for (xmlNodePtr c = SELF->children; c; c = c->next)
        if (is_xnode(c) && seq_push(&s, xml_wrap(c))) return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xnode, out);
}

EXPR_NATIVE(container_descendants)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    if (collect_descendants(&s, SELF, argc > 0 ? &nm : NULL, true)) return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xelement, out);
}

EXPR_NATIVE(container_descendant_nodes)
{
    seq_t s = {.rt = rt};
    if (collect_descendants(&s, SELF, NULL, false)) return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xnode, out);
}

/* ---- XElement ---- */

EXPR_NATIVE(element_name)
{
    return make_name(rt, &expr_class_xname, xml_ns_of(SELF->ns), strlen(xml_ns_of(SELF->ns)), (const char *)SELF->name,
                     strlen((const char *)SELF->name), out);
}

EXPR_NATIVE(node_value)
{
    if (SELF->type == XML_ELEMENT_NODE || SELF->type == XML_ATTRIBUTE_NODE) return xml_node_value(rt, SELF, out);
    const char *c = SELF->content ? (const char *)SELF->content : "";
    return expr_str_copy(rt, c, strlen(c), out);
}

EXPR_NATIVE(element_has_elements)
{
    bool has = false;
    for (xmlNodePtr c = SELF->children; c && !has; c = c->next) has = c->type == XML_ELEMENT_NODE;
    *out = expr_bool(has);
    return 0;
}

EXPR_NATIVE(element_has_attributes)
{
    *out = expr_bool(SELF->properties != NULL);
    return 0;
}

EXPR_NATIVE(element_is_empty)
{
    *out = expr_bool(SELF->children == NULL);
    return 0;
}

EXPR_NATIVE(element_first_attribute)
{
    *out = SELF->properties ? expr_object(&expr_class_xattribute, SELF->properties) : expr_null();
    return 0;
}

EXPR_NATIVE(element_attribute)
{
    xml_name_t nm;
    if (xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    *out = expr_null();
    for (xmlAttrPtr a = SELF->properties; a; a = a->next)
        if (name_is((xmlNodePtr)a, &nm)) {
            *out = expr_object(&expr_class_xattribute, a);
            break;
        }
    return 0;
}

EXPR_NATIVE(element_attributes)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    for (xmlAttrPtr a = SELF->properties; a; a = a->next)
        if ((argc == 0 || name_is((xmlNodePtr)a, &nm)) && seq_push(&s, expr_object(&expr_class_xattribute, a)))
            return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xattribute, out);
}

static int ancestors(expr_rt_t *rt, xmlNodePtr from, const expr_value_t *args, unsigned argc, expr_value_t *out)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    for (xmlNodePtr p = from; p && p->type == XML_ELEMENT_NODE && p->_private != &xml_holder_mark; p = p->parent)
        if ((argc == 0 || name_is(p, &nm)) && seq_push(&s, xml_wrap(p))) return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xelement, out);
}

EXPR_NATIVE(element_ancestors)
{
    return ancestors(rt, SELF->parent, args, argc, out);
}

EXPR_NATIVE(element_ancestors_and_self)
{
    return ancestors(rt, SELF, args, argc, out);
}

EXPR_NATIVE(element_descendants_and_self)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    if ((argc == 0 || name_is(SELF, &nm)) && seq_push(&s, xml_wrap(SELF))) return EXPR_THROWN;
    if (collect_descendants(&s, SELF, argc > 0 ? &nm : NULL, true)) return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xelement, out);
}

EXPR_NATIVE(element_elements_after_self)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    for (xmlNodePtr c = SELF->next; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && (argc == 0 || name_is(c, &nm)) && seq_push(&s, xml_wrap(c)))
            return EXPR_THROWN;
    return seq_finish(&s, &expr_class_xelement, out);
}

/* ---- Extensions: Elements/Descendants/Attributes/Nodes of a sequence of elements ---- */

typedef enum { SEQ_ELEMENTS, SEQ_DESCENDANTS, SEQ_ATTRIBUTES, SEQ_NODES } seq_op_t;

static int seq_apply(expr_rt_t *rt, const expr_value_t *self, const expr_value_t *args, unsigned argc,
                     seq_op_t op, expr_value_t *out)
{
    xml_name_t nm;
    if (argc > 0 && xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    expr_value_t *items;
    uint32_t count;
    if (expr_rt_enumerate(rt, self, &items, &count)) return EXPR_THROWN;
    seq_t s = {.rt = rt};
    const xml_name_t *want = argc > 0 ? &nm : NULL;
    for (uint32_t i = 0; i < count; i++) {
        xmlNodePtr n = xml_node_of(&items[i]);
        if (!n) continue; /* .NET skips null items */
        if (op == SEQ_ATTRIBUTES) {
            if (n->type != XML_ELEMENT_NODE) continue;
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                if ((!want || name_is((xmlNodePtr)a, want)) && seq_push(&s, expr_object(&expr_class_xattribute, a)))
                    return EXPR_THROWN;
            continue;
        }
        if (n->type != XML_ELEMENT_NODE && n->type != XML_DOCUMENT_NODE) continue;
        if (op == SEQ_DESCENDANTS) {
            if (collect_descendants(&s, n, want, true)) return EXPR_THROWN;
            continue;
        }
        for (xmlNodePtr c = n->children; c; c = c->next) {
            bool keep = op == SEQ_NODES ? is_xnode(c) : c->type == XML_ELEMENT_NODE && (!want || name_is(c, want));
            if (keep && seq_push(&s, xml_wrap(c))) return EXPR_THROWN;
        }
    }
    const expr_class_t *elem = op == SEQ_ATTRIBUTES ? &expr_class_xattribute
                               : op == SEQ_NODES    ? &expr_class_xnode
                                                    : &expr_class_xelement;
    return seq_finish(&s, elem, out);
}

EXPR_NATIVE(ext_elements)
{
    return seq_apply(rt, self, args, argc, SEQ_ELEMENTS, out);
}

EXPR_NATIVE(ext_descendants)
{
    return seq_apply(rt, self, args, argc, SEQ_DESCENDANTS, out);
}

EXPR_NATIVE(ext_attributes)
{
    return seq_apply(rt, self, args, argc, SEQ_ATTRIBUTES, out);
}

EXPR_NATIVE(ext_nodes)
{
    return seq_apply(rt, self, args, argc, SEQ_NODES, out);
}

/* ---- XDocument ---- */

EXPR_NATIVE(document_root)
{
    *out = xml_wrap(xmlDocGetRootElement((xmlDocPtr)SELF));
    return 0;
}

/* ---- XAttribute ---- */

EXPR_NATIVE(attribute_next)
{
    xmlAttrPtr a = ((xmlAttrPtr)SELF)->next;
    *out = a ? expr_object(&expr_class_xattribute, a) : expr_null();
    return 0;
}

EXPR_NATIVE(attribute_prev)
{
    xmlAttrPtr a = ((xmlAttrPtr)SELF)->prev;
    *out = a ? expr_object(&expr_class_xattribute, a) : expr_null();
    return 0;
}

static int attribute_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return xml_write_node(rt, SELF, false, out);
}

/* ---- XName, XNamespace ---- */

#define NAME ((const xml_name_t *)self->u.obj.ptr)

EXPR_NATIVE(name_local)
{
    *out = expr_str_ref(NAME->local, strlen(NAME->local));
    return 0;
}

EXPR_NATIVE(name_namespace_name)
{
    *out = expr_str_ref(NAME->ns, strlen(NAME->ns));
    return 0;
}

EXPR_NATIVE(name_namespace)
{
    return make_name(rt, &expr_class_xnamespace, NAME->ns, strlen(NAME->ns), NULL, 0, out);
}

EXPR_NATIVE(name_get)
{
    if (argc == 2) {
        const char *l, *ns;
        size_t ll, nl;
        if (expr_text_arg_str(rt, &args[0], "localName", false, &l, &ll) ||
            expr_text_arg_str(rt, &args[1], "namespaceName", false, &ns, &nl))
            return EXPR_THROWN;
        if (!ll) return bad_name(rt, l, ll);
        return make_name(rt, &expr_class_xname, ns, nl, l, ll, out);
    }
    xml_name_t nm;
    if (xml_name_arg(rt, &args[0], &nm)) return EXPR_THROWN;
    return make_name(rt, &expr_class_xname, nm.ns, strlen(nm.ns), nm.local, strlen(nm.local), out);
}

static int name_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    if (!*NAME->ns) return expr_str_copy(rt, NAME->local, strlen(NAME->local), out);
    return expr_str_printf(rt, out, "{%s}%s", NAME->ns, NAME->local);
}

static bool name_equals(const expr_value_t *a, const expr_value_t *b)
{
    if (b->tag != EXPR_V_OBJECT || b->u.obj.cls != a->u.obj.cls) return false;
    const xml_name_t *x = a->u.obj.ptr, *y = b->u.obj.ptr;
    return !strcmp(x->ns, y->ns) && (x->local == y->local || (x->local && y->local && !strcmp(x->local, y->local)));
}

EXPR_NATIVE(namespace_get)
{
    const char *p;
    size_t n;
    if (expr_text_arg_str(rt, &args[0], "namespaceName", false, &p, &n)) return EXPR_THROWN;
    return make_name(rt, &expr_class_xnamespace, p, n, NULL, 0, out);
}

EXPR_NATIVE(namespace_get_name)
{
    const char *p;
    size_t n;
    if (expr_text_arg_str(rt, &args[0], "localName", false, &p, &n)) return EXPR_THROWN;
    if (!n) return bad_name(rt, p, n);
    return make_name(rt, &expr_class_xname, NAME->ns, strlen(NAME->ns), p, n, out);
}

#define NS_CONST(fn, uri)                                                                      \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        return make_name(rt, &expr_class_xnamespace, uri, sizeof(uri) - 1, NULL, 0, out);       \
    }
NS_CONST(namespace_none, "")
NS_CONST(namespace_xml, "http://www.w3.org/XML/1998/namespace")
NS_CONST(namespace_xmlns, "http://www.w3.org/2000/xmlns/")

/* "{uri}": so that C#'s `ns + "local"`, which the interpreter runs as string concatenation,
 * gives the expanded name "{uri}local" that Element(), Attribute()... accept (.NET's
 * XNamespace.ToString() is the bare URI and its + operator builds an XName). */
static int namespace_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    if (!*NAME->ns) return expr_str_copy(rt, "", 0, out);
    return expr_str_printf(rt, out, "{%s}", NAME->ns);
}

/* ---- enums ---- */

#define ENUM_CONST(fn, v)                                                                      \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        *out = expr_text_enum(v);                                                              \
        return 0;                                                                              \
    }
ENUM_CONST(enum_0, 0)
ENUM_CONST(enum_1, 1)
ENUM_CONST(enum_2, 2)
ENUM_CONST(enum_4, 4)

/* ---- class tables ---- */

#define T(c) {(c), NULL}
#define SEQ(c) {&expr_class_enumerable, (c)}
#define PROP(n, t, f) {.name = n, .kind = EXPR_M_PROPERTY, .ret = t, .fn = f}
#define METHOD(n, lo, hi, t, f) {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define STATIC(n, lo, hi, t, f) {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define SPROP(n, t, f) {.name = n, .kind = EXPR_M_STATIC_PROPERTY, .ret = t, .fn = f}
#define CTOR(lo, hi, f) {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = lo, .max_args = hi, .fn = f}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const expr_type_t read_from_params[] = {T(&expr_class_xml_reader)};

static const expr_member_t xnode_members[] = {
    PROP("Parent", T(&expr_class_xelement), node_parent),
    PROP("Document", T(&expr_class_xdocument), node_document),
    PROP("NextNode", T(&expr_class_xnode), node_next),
    PROP("PreviousNode", T(&expr_class_xnode), node_prev),
    PROP("NodeType", T(&expr_class_int), node_type),
    METHOD("ToString", 0, 1, T(&expr_class_string), node_to_string),
    METHOD("Ancestors", 0, 1, SEQ(&expr_class_xelement), element_ancestors),
    METHOD("ElementsAfterSelf", 0, 1, SEQ(&expr_class_xelement), element_elements_after_self),
    {.name = "ReadFrom", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 1,
     .ret = T(&expr_class_xnode), .params = read_from_params, .fn = xml_xnode_read_from},
};

const expr_class_t expr_class_xnode = {
    .name = "XNode",
    .full_name = "System.Xml.Linq.XNode",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = xnode_members,
    .member_count = COUNT(xnode_members),
    .to_string = node_to_string_default,
};

static const expr_member_t xcontainer_members[] = {
    PROP("FirstNode", T(&expr_class_xnode), container_first),
    PROP("LastNode", T(&expr_class_xnode), container_last),
    METHOD("Element", 1, 1, T(&expr_class_xelement), container_element),
    METHOD("Elements", 0, 1, SEQ(&expr_class_xelement), container_elements),
    METHOD("Descendants", 0, 1, SEQ(&expr_class_xelement), container_descendants),
    METHOD("Nodes", 0, 0, SEQ(&expr_class_xnode), container_nodes),
    METHOD("DescendantNodes", 0, 0, SEQ(&expr_class_xnode), container_descendant_nodes),
};

const expr_class_t expr_class_xcontainer = {
    .name = "XContainer",
    .full_name = "System.Xml.Linq.XContainer",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_xnode,
    .members = xcontainer_members,
    .member_count = COUNT(xcontainer_members),
    .to_string = node_to_string_default,
};

static const expr_member_t xelement_members[] = {
    PROP("Name", T(&expr_class_xname), element_name),
    PROP("Value", T(&expr_class_string), node_value),
    PROP("HasElements", T(&expr_class_bool), element_has_elements),
    PROP("HasAttributes", T(&expr_class_bool), element_has_attributes),
    PROP("IsEmpty", T(&expr_class_bool), element_is_empty),
    PROP("FirstAttribute", T(&expr_class_xattribute), element_first_attribute),
    METHOD("Attribute", 1, 1, T(&expr_class_xattribute), element_attribute),
    METHOD("Attributes", 0, 1, SEQ(&expr_class_xattribute), element_attributes),
    METHOD("AncestorsAndSelf", 0, 1, SEQ(&expr_class_xelement), element_ancestors_and_self),
    METHOD("DescendantsAndSelf", 0, 1, SEQ(&expr_class_xelement), element_descendants_and_self),
    STATIC("Parse", 1, 2, T(&expr_class_xelement), xelement_parse),
    CTOR(1, 255, xml_xelement_new),
};

const expr_class_t expr_class_xelement = {
    .name = "XElement",
    .full_name = "System.Xml.Linq.XElement",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_xcontainer,
    .members = xelement_members,
    .member_count = COUNT(xelement_members),
    .convert = xml_convert,
    .to_string = node_to_string_default,
};

static const expr_member_t xdocument_members[] = {
    PROP("Root", T(&expr_class_xelement), document_root),
    STATIC("Parse", 1, 2, T(&expr_class_xdocument), xdocument_parse),
    CTOR(0, 255, xml_xdocument_new),
};

const expr_class_t expr_class_xdocument = {
    .name = "XDocument",
    .full_name = "System.Xml.Linq.XDocument",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_xcontainer,
    .members = xdocument_members,
    .member_count = COUNT(xdocument_members),
    .to_string = node_to_string_default,
};

static const expr_member_t xattribute_members[] = {
    PROP("Name", T(&expr_class_xname), element_name),
    PROP("Value", T(&expr_class_string), node_value),
    PROP("Parent", T(&expr_class_xelement), node_parent),
    PROP("Document", T(&expr_class_xdocument), node_document),
    PROP("NextAttribute", T(&expr_class_xattribute), attribute_next),
    PROP("PreviousAttribute", T(&expr_class_xattribute), attribute_prev),
    PROP("NodeType", T(&expr_class_int), node_type),
    CTOR(2, 2, xml_xattribute_new),
};

const expr_class_t expr_class_xattribute = {
    .name = "XAttribute",
    .full_name = "System.Xml.Linq.XAttribute",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = xattribute_members,
    .member_count = COUNT(xattribute_members),
    .convert = xml_convert,
    .to_string = attribute_to_string,
};

static const expr_member_t xtext_members[] = {
    PROP("Value", T(&expr_class_string), node_value),
};

#define LEAF_CLASS(var, nm, base_cls)                                                          \
    static const expr_class_t var = {                                                          \
        .name = nm,                                                                            \
        .full_name = "System.Xml.Linq." nm,                                                    \
        .tag = EXPR_V_OBJECT,                                                                  \
        .is_nameable = true,                                                                   \
        .base = base_cls,                                                                      \
        .members = xtext_members,                                                              \
        .member_count = COUNT(xtext_members),                                                  \
        .to_string = node_to_string_default,                                                   \
    }
LEAF_CLASS(expr_class_xtext, "XText", &expr_class_xnode);
LEAF_CLASS(expr_class_xcdata, "XCData", &expr_class_xtext);
LEAF_CLASS(expr_class_xcomment, "XComment", &expr_class_xnode);
LEAF_CLASS(expr_class_xpi, "XProcessingInstruction", &expr_class_xnode);

static const expr_member_t xname_members[] = {
    PROP("LocalName", T(&expr_class_string), name_local),
    PROP("NamespaceName", T(&expr_class_string), name_namespace_name),
    PROP("Namespace", T(&expr_class_xnamespace), name_namespace),
    STATIC("Get", 1, 2, T(&expr_class_xname), name_get),
};

const expr_class_t expr_class_xname = {
    .name = "XName",
    .full_name = "System.Xml.Linq.XName",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = xname_members,
    .member_count = COUNT(xname_members),
    .to_string = name_to_string,
    .equals = name_equals,
};

static const expr_member_t xnamespace_members[] = {
    PROP("NamespaceName", T(&expr_class_string), name_namespace_name),
    METHOD("GetName", 1, 1, T(&expr_class_xname), namespace_get_name),
    STATIC("Get", 1, 1, T(&expr_class_xnamespace), namespace_get),
    SPROP("None", T(&expr_class_xnamespace), namespace_none),
    SPROP("Xml", T(&expr_class_xnamespace), namespace_xml),
    SPROP("Xmlns", T(&expr_class_xnamespace), namespace_xmlns),
};

const expr_class_t expr_class_xnamespace = {
    .name = "XNamespace",
    .full_name = "System.Xml.Linq.XNamespace",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = xnamespace_members,
    .member_count = COUNT(xnamespace_members),
    .to_string = namespace_to_string,
    .equals = name_equals,
};

static const expr_member_t extensions_members[] = {
    METHOD("Elements", 0, 1, SEQ(&expr_class_xelement), ext_elements),
    METHOD("Descendants", 0, 1, SEQ(&expr_class_xelement), ext_descendants),
    METHOD("Attributes", 0, 1, SEQ(&expr_class_xattribute), ext_attributes),
    METHOD("Nodes", 0, 0, SEQ(&expr_class_xnode), ext_nodes),
};

/* System.Xml.Linq.Extensions, for IEnumerable<XElement> (C# constrains T to XContainer;
 * here the items are checked at run time and others are skipped). */
static const expr_class_t expr_class_xml_extensions = {
    .name = "Extensions",
    .full_name = "System.Xml.Linq.Extensions",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .members = extensions_members,
    .member_count = COUNT(extensions_members),
    .extends = &expr_class_enumerable,
};

#define ENUM_CLASS(var, nm, full, table)                                                       \
    static const expr_class_t var = {                                                          \
        .name = nm,                                                                            \
        .full_name = full,                                                                     \
        .tag = EXPR_V_INT,                                                                     \
        .is_static_only = true,                                                                \
        .is_nameable = true,                                                                   \
        .members = table,                                                                      \
        .member_count = COUNT(table),                                                          \
    }

static const expr_member_t load_options_members[] = {
    SPROP("None", T(&expr_class_int), enum_0),
    SPROP("PreserveWhitespace", T(&expr_class_int), enum_1),
    SPROP("SetBaseUri", T(&expr_class_int), enum_2),
    SPROP("SetLineInfo", T(&expr_class_int), enum_4),
};
ENUM_CLASS(expr_class_load_options, "LoadOptions", "System.Xml.Linq.LoadOptions", load_options_members);

static const expr_member_t save_options_members[] = {
    SPROP("None", T(&expr_class_int), enum_0),
    SPROP("DisableFormatting", T(&expr_class_int), enum_1),
    SPROP("OmitDuplicateNamespaces", T(&expr_class_int), enum_2),
};
ENUM_CLASS(expr_class_save_options, "SaveOptions", "System.Xml.Linq.SaveOptions", save_options_members);

const expr_class_t *const expr_lib_xml_classes[] = {
    &expr_class_xnode,          &expr_class_xcontainer,   &expr_class_xelement,
    &expr_class_xdocument,      &expr_class_xattribute,   &expr_class_xtext,
    &expr_class_xcdata,         &expr_class_xcomment,     &expr_class_xpi,
    &expr_class_xname,          &expr_class_xnamespace,   &expr_class_load_options,
    &expr_class_save_options,   &expr_class_xml_node_type, &expr_class_xml_extensions,
    &expr_class_xml_reader,     NULL,
};
