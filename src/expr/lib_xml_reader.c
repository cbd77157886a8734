/* lib_xml_reader: System.Xml.XmlReader — a forward-only reader over a string (XmlReader.Create
 * (new StringReader(xml))) on libxml2's xmlTextReader — XNode.ReadFrom(reader), and the
 * XmlNodeType enumeration (lib_xml.h, lib_xml_internal.h).
 *
 * How it follows .NET's XmlReader (XmlReaderSettings defaults):
 * - Read() walks the nodes in document order: the XML declaration (NodeType XmlDeclaration,
 *   Name "xml", Value its text), elements, end elements, text, CDATA, comments, processing
 *   instructions and whitespace (Whitespace, or SignificantWhitespace under
 *   xml:space="preserve"); attributes only through GetAttribute/MoveTo*Attribute. Read()
 *   returns false at the end (EOF is then true), and after Close().
 * - Name is the qualified name of elements, end elements, attributes and processing
 *   instructions (the target), "" for text-like nodes; NamespaceURI "" for none.
 * - Malformed XML throws System.Xml.XmlException ("... Line L, position P.") from the read
 *   that meets it. libxml2 parses ahead by chunks, so a fault may surface at an earlier
 *   Read() than in .NET (a document under a few hundred bytes is checked whole at the first
 *   one). A DOCTYPE throws the XmlException .NET throws under DtdProcessing.Prohibit before
 *   libxml2 sees it (the prolog is scanned first): no DTD, no entity expansion, no network.
 *   Input above EXPR_XML_MAX_INPUT bytes is refused at Create.
 * - ReadOuterXml/ReadInnerXml write as XNode.ToString(SaveOptions.DisableFormatting) does
 *   (lib_xml_text.c): an element with no content is written `<a />`, also when the input
 *   spelt it `<a></a>`.
 *
 * Memory: the libxml2 reader holds only the path to the current node; it is freed at Close()
 * /Dispose() (the end of a `using`), or by the cleanup registered with expr_rt_defer at
 * Create when the expression never closes it. XNode.ReadFrom copies the node into a tree of
 * its own (xml_new_doc), so the XElement outlives the reader's position and the reader. */
#include "expr/lib_io.h"
#include "expr/lib_xml_internal.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>

typedef enum { RS_INITIAL, RS_DECLARATION, RS_INTERACTIVE, RS_EOF, RS_ERROR, RS_CLOSED } read_state_t;
typedef enum { PROLOG_OK, PROLOG_DTD, PROLOG_EMPTY } prolog_t;

/* .NET's XmlNodeType numbers, which libxml2's xmlReaderTypes follow one for one. */
enum { NT_NONE = 0, NT_ELEMENT = 1, NT_ATTRIBUTE = 2, NT_TEXT = 3, NT_CDATA = 4, NT_ENTITY_REF = 5, NT_PI = 7,
       NT_COMMENT = 8, NT_DOCUMENT_TYPE = 10, NT_WHITESPACE = 13, NT_SIGNIFICANT_WHITESPACE = 14,
       NT_END_ELEMENT = 15, NT_END_ENTITY = 16, NT_DECLARATION = 17 };

static const char *const node_type_names[] = {
    "None",    "Element", "Attribute",    "Text",         "CDATA",      "EntityReference",
    "Entity",  "ProcessingInstruction",   "Comment",      "Document",   "DocumentType",
    "DocumentFragment", "Notation",       "Whitespace",   "SignificantWhitespace",
    "EndElement", "EndEntity", "XmlDeclaration",
};

typedef struct {
    xmlTextReaderPtr r; /* NULL once closed */
    const char *decl;   /* the XML declaration's text ("version=\"1.0\"..."), or NULL */
    uint32_t decl_len;
    uint8_t state;  /* read_state_t */
    uint8_t prolog; /* prolog_t: what the scan before the first read found */
    int attr_index; /* the attribute the reader is on (NodeType Attribute): libxml2 counts
                       attributes from the element only */
    /* the first error libxml2 reported */
    bool has_error;
    int error_code, error_line, error_col;
    char error_message[200];
} xml_reader_t;

#define DTD_MESSAGE                                                                                                \
    "For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing " \
    "property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method."

/* ---- creation ---- */

static void release_reader(void *ptr)
{
    xml_reader_t *x = ptr;
    if (x->r) xmlFreeTextReader(x->r);
    x->r = NULL;
}

#if LIBXML_VERSION >= 21200
static void on_error(void *arg, const xmlError *e)
#else
static void on_error(void *arg, xmlErrorPtr e)
#endif
{
    xml_reader_t *x = arg;
    if (x->has_error || !e || e->level < XML_ERR_ERROR) return;
    x->has_error = true;
    x->error_code = e->code;
    x->error_line = e->line;
    x->error_col = e->int2;
    snprintf(x->error_message, sizeof x->error_message, "%s", e->message ? e->message : "Invalid XML");
    size_t m = strlen(x->error_message);
    while (m && (x->error_message[m - 1] == '\n' || x->error_message[m - 1] == ' ')) x->error_message[--m] = '\0';
}

static bool starts(const char *p, size_t n, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return i + k <= n && memcmp(p + i, lit, k) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The end of `close` from i on (just past it), or n when missing (libxml2 reports that). */
static size_t past(const char *p, size_t n, size_t i, const char *close)
{
    for (; i < n; i++)
        if (starts(p, n, i, close)) return i + strlen(close);
    return n;
}

/* The prolog (XMLDecl? Misc* before the root, XML 1.0 §2.8): records the declaration's text
 * and tells whether a DOCTYPE or nothing at all follows. */
static void scan_prolog(xml_reader_t *x, const char *p, size_t n)
{
    size_t i = starts(p, n, 0, "\xEF\xBB\xBF") ? 3 : 0;
    if (starts(p, n, i, "<?xml") && i + 5 < n && is_space(p[i + 5])) {
        size_t from = i + 5, end = past(p, n, from, "?>");
        if (end < n || starts(p, n, end - 2, "?>")) {
            size_t to = end - 2;
            while (from < to && is_space(p[from])) from++;
            while (to > from && is_space(p[to - 1])) to--;
            x->decl = p + from;
            x->decl_len = (uint32_t)(to - from);
        }
        i = end;
    }
    for (;;) {
        while (i < n && is_space(p[i])) i++;
        if (starts(p, n, i, "<!--")) i = past(p, n, i + 4, "-->");
        else if (starts(p, n, i, "<?")) i = past(p, n, i + 2, "?>");
        else break;
    }
    x->prolog = i >= n ? PROLOG_EMPTY : starts(p, n, i, "<!DOCTYPE") ? PROLOG_DTD : PROLOG_OK;
}

static int create_reader(expr_rt_t *rt, const char *p, size_t n, expr_value_t *out)
{
    if (n > EXPR_XML_MAX_INPUT || n > INT32_MAX)
        return expr_throw(rt, XML_EXC, "The XML document exceeds the %u-byte limit.", EXPR_XML_MAX_INPUT);
    xml_reader_t *x = expr_rt_alloc(rt, sizeof *x);
    if (!x) return EXPR_THROWN;
    memset(x, 0, sizeof *x);
    scan_prolog(x, p, n);
    /* the text is UTF-8 whatever its declaration says: .NET reads a TextReader's characters */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
    x->r = xmlReaderForMemory(n ? p : " ", n ? (int)n : 1, NULL, "UTF-8", opts);
    if (!x->r) return xml_oom(rt);
    if (expr_rt_defer(rt, release_reader, x)) return EXPR_THROWN;
    xmlTextReaderSetStructuredErrorHandler(x->r, on_error, x);
    *out = expr_object(&expr_class_xml_reader, x);
    return 0;
}

/* XmlReader.Create(TextReader): the reader's remaining text (a StringReader's). */
EXPR_NATIVE(reader_create)
{
    expr_value_t text;
    if (expr_io_reader_take_rest(rt, &args[0], "input", &text)) return EXPR_THROWN;
    return create_reader(rt, text.u.s.ptr, text.u.s.len, out);
}

/* ---- reading ---- */

#define READER ((xml_reader_t *)self->u.obj.ptr)

static xml_reader_t *reader_of(const expr_value_t *v)
{
    if (!v || v->tag != EXPR_V_OBJECT || v->u.obj.cls != &expr_class_xml_reader) return NULL;
    return v->u.obj.ptr;
}

static int throw_at(expr_rt_t *rt, xml_reader_t *x, const char *fmt, const char *what)
{
    int line = x->r ? xmlTextReaderGetParserLineNumber(x->r) : 0;
    int col = x->r ? xmlTextReaderGetParserColumnNumber(x->r) : 0;
    return expr_throw(rt, XML_EXC, fmt, what, line ? line : 1, col ? col : 1);
}

static int fail(expr_rt_t *rt, xml_reader_t *x)
{
    x->state = RS_ERROR;
    if (!x->has_error || x->error_code == XML_ERR_DOCUMENT_EMPTY)
        return expr_throw(rt, XML_EXC, "Root element is missing.");
    return expr_throw(rt, XML_EXC, "%s. Line %d, position %d.", x->error_message, x->error_line ? x->error_line : 1,
                      x->error_col ? x->error_col : 1);
}

/* The state after a libxml2 move that returned rc (1 node, 0 end, -1 error). */
static int settle(expr_rt_t *rt, xml_reader_t *x, int rc, bool *moved)
{
    *moved = false;
    if (rc < 0) return fail(rt, x);
    if (rc == 0) {
        x->state = RS_EOF;
        return 0;
    }
    if (xmlTextReaderNodeType(x->r) == NT_DOCUMENT_TYPE) {
        x->state = RS_ERROR;
        return expr_throw(rt, XML_EXC, DTD_MESSAGE);
    }
    x->state = RS_INTERACTIVE;
    *moved = true;
    return 0;
}

/* Read(): 0 with *moved, or EXPR_THROWN. */
static int advance(expr_rt_t *rt, xml_reader_t *x, bool *moved)
{
    *moved = false;
    switch ((read_state_t)x->state) {
    case RS_EOF:
    case RS_ERROR:
    case RS_CLOSED: return 0;
    case RS_INITIAL:
        if (x->decl) {
            x->state = RS_DECLARATION;
            *moved = true;
            return 0;
        }
        /* fall through */
    case RS_DECLARATION:
        if (x->prolog == PROLOG_DTD) {
            x->state = RS_ERROR;
            return expr_throw(rt, XML_EXC, DTD_MESSAGE);
        }
        if (x->prolog == PROLOG_EMPTY) {
            x->state = RS_ERROR;
            return expr_throw(rt, XML_EXC, "Root element is missing.");
        }
        break;
    case RS_INTERACTIVE: break;
    }
    return settle(rt, x, xmlTextReaderRead(x->r), moved);
}

static int node_type(const xml_reader_t *x)
{
    if (x->state == RS_DECLARATION) return NT_DECLARATION;
    if (x->state != RS_INTERACTIVE) return NT_NONE;
    int t = xmlTextReaderNodeType(x->r);
    if (t == NT_WHITESPACE || t == NT_SIGNIFICANT_WHITESPACE) { /* libxml2 calls all of it significant */
        xmlNodePtr n = xmlTextReaderCurrentNode(x->r);
        return n && n->parent && xmlNodeGetSpacePreserve(n->parent) == 1 ? NT_SIGNIFICANT_WHITESPACE : NT_WHITESPACE;
    }
    return t < 0 ? NT_NONE : t;
}

static bool is_named(int t)
{
    return t == NT_ELEMENT || t == NT_END_ELEMENT || t == NT_ATTRIBUTE || t == NT_PI || t == NT_ENTITY_REF ||
           t == NT_DOCUMENT_TYPE;
}

static bool has_value(int t)
{
    return t == NT_ATTRIBUTE || t == NT_TEXT || t == NT_CDATA || t == NT_PI || t == NT_COMMENT ||
           t == NT_WHITESPACE || t == NT_SIGNIFICANT_WHITESPACE || t == NT_DECLARATION;
}

static int copy_out(expr_rt_t *rt, const xmlChar *s, expr_value_t *out)
{
    const char *c = s ? (const char *)s : "";
    return expr_str_copy(rt, c, strlen(c), out);
}

EXPR_NATIVE(reader_read)
{
    bool moved;
    if (advance(rt, READER, &moved)) return EXPR_THROWN;
    *out = expr_bool(moved);
    return 0;
}

EXPR_NATIVE(reader_node_type)
{
    *out = expr_text_enum(node_type(READER));
    return 0;
}

EXPR_NATIVE(reader_name)
{
    int t = node_type(READER);
    if (t == NT_DECLARATION) return copy_out(rt, (const xmlChar *)"xml", out);
    return copy_out(rt, is_named(t) ? xmlTextReaderConstName(READER->r) : NULL, out);
}

EXPR_NATIVE(reader_local_name)
{
    int t = node_type(READER);
    if (t == NT_DECLARATION) return copy_out(rt, (const xmlChar *)"xml", out);
    return copy_out(rt, is_named(t) ? xmlTextReaderConstLocalName(READER->r) : NULL, out);
}

EXPR_NATIVE(reader_prefix)
{
    int t = node_type(READER);
    return copy_out(rt, is_named(t) && t != NT_DECLARATION ? xmlTextReaderConstPrefix(READER->r) : NULL, out);
}

EXPR_NATIVE(reader_namespace_uri)
{
    int t = node_type(READER);
    bool has_ns = t == NT_ELEMENT || t == NT_END_ELEMENT || t == NT_ATTRIBUTE;
    return copy_out(rt, has_ns ? xmlTextReaderConstNamespaceUri(READER->r) : NULL, out);
}

EXPR_NATIVE(reader_value)
{
    int t = node_type(READER);
    if (t == NT_DECLARATION) return expr_str_copy(rt, READER->decl, READER->decl_len, out);
    return copy_out(rt, has_value(t) ? xmlTextReaderConstValue(READER->r) : NULL, out);
}

EXPR_NATIVE(reader_has_value)
{
    *out = expr_bool(has_value(node_type(READER)));
    return 0;
}

EXPR_NATIVE(reader_depth)
{
    int d = READER->state == RS_INTERACTIVE ? xmlTextReaderDepth(READER->r) : 0;
    *out = expr_int(d < 0 ? 0 : d);
    return 0;
}

EXPR_NATIVE(reader_is_empty_element)
{
    *out = expr_bool(node_type(READER) == NT_ELEMENT && xmlTextReaderIsEmptyElement(READER->r) == 1);
    return 0;
}

EXPR_NATIVE(reader_eof)
{
    *out = expr_bool(READER->state == RS_EOF);
    return 0;
}

/* The attributes of the current element, also from one of its attributes (.NET). */
static int attribute_count(const xml_reader_t *x)
{
    int t = node_type(x);
    if (t != NT_ELEMENT && t != NT_ATTRIBUTE) return 0;
    if (t == NT_ATTRIBUTE) xmlTextReaderMoveToElement(x->r);
    int n = xmlTextReaderAttributeCount(x->r);
    if (t == NT_ATTRIBUTE) xmlTextReaderMoveToAttributeNo(x->r, x->attr_index);
    return n < 0 ? 0 : n;
}

EXPR_NATIVE(reader_attribute_count)
{
    *out = expr_int(attribute_count(READER));
    return 0;
}

EXPR_NATIVE(reader_has_attributes)
{
    *out = expr_bool(attribute_count(READER) > 0);
    return 0;
}

/* A pseudo-attribute of the XML declaration (version, encoding, standalone). */
static int declaration_attribute(expr_rt_t *rt, const xml_reader_t *x, const char *name, size_t len,
                                 expr_value_t *out)
{
    const char *p = x->decl, *end = x->decl + x->decl_len;
    *out = expr_null();
    while (p < end) {
        while (p < end && is_space(*p)) p++;
        const char *key = p;
        while (p < end && *p != '=' && !is_space(*p)) p++;
        size_t key_len = (size_t)(p - key);
        while (p < end && (is_space(*p) || *p == '=')) p++;
        if (p >= end || (*p != '"' && *p != '\'')) return 0;
        char quote = *p++;
        const char *val = p;
        while (p < end && *p != quote) p++;
        if (key_len == len && memcmp(key, name, len) == 0) return expr_str_copy(rt, val, (size_t)(p - val), out);
        p++;
    }
    return 0;
}

/* GetAttribute(name) / GetAttribute(localName, namespaceURI) / GetAttribute(index), from
 * the element or one of its attributes (libxml2 answers from the element only: the reader
 * steps back to it and returns to the attribute). */
EXPR_NATIVE(reader_get_attribute)
{
    xml_reader_t *x = READER;
    int t = node_type(x);
    int32_t index = -1;
    const char *name = NULL, *ns = NULL;
    size_t len = 0, ns_len = 0;
    if (argc == 1 && (args[0].tag == EXPR_V_INT || args[0].tag == EXPR_V_LONG)) {
        if (expr_text_arg_int(rt, &args[0], "i", &index)) return EXPR_THROWN;
        if (index < 0 || index >= attribute_count(x))
            return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'i')");
    } else {
        if (expr_text_arg_str(rt, &args[0], argc == 2 ? "localName" : "name", false, &name, &len)) return EXPR_THROWN;
        if (argc == 2 && expr_text_arg_str(rt, &args[1], "namespaceURI", true, &ns, &ns_len)) return EXPR_THROWN;
        if (t == NT_DECLARATION && argc == 1) return declaration_attribute(rt, x, name, len, out);
    }
    *out = expr_null();
    if (t != NT_ELEMENT && t != NT_ATTRIBUTE) return 0;
    char *n0 = name ? xml_dup(rt, name, len) : NULL, *ns0 = ns && ns_len ? xml_dup(rt, ns, ns_len) : NULL;
    if ((name && !n0) || (ns_len && !ns0)) return EXPR_THROWN;
    if (t == NT_ATTRIBUTE) xmlTextReaderMoveToElement(x->r);
    xmlChar *v = index >= 0 ? xmlTextReaderGetAttributeNo(x->r, index)
                 : argc == 2 ? xmlTextReaderGetAttributeNs(x->r, (const xmlChar *)n0, (const xmlChar *)ns0)
                             : xmlTextReaderGetAttribute(x->r, (const xmlChar *)n0);
    if (t == NT_ATTRIBUTE) xmlTextReaderMoveToAttributeNo(x->r, x->attr_index);
    if (!v) return 0;
    int rc = copy_out(rt, v, out);
    xmlFree(v);
    return rc;
}

static int moved_to(int rc, expr_value_t *out)
{
    *out = expr_bool(rc == 1);
    return 0;
}

/* MoveToAttribute(name): the attribute of that qualified name; its index is found by
 * walking the attributes in order (libxml2 does not tell it). */
EXPR_NATIVE(reader_move_to_attribute)
{
    const char *name;
    size_t len;
    xml_reader_t *x = READER;
    if (expr_text_arg_str(rt, &args[0], "name", false, &name, &len)) return EXPR_THROWN;
    int t = node_type(x);
    if (t != NT_ELEMENT && t != NT_ATTRIBUTE) return moved_to(0, out);
    int n = attribute_count(x);
    for (int i = 0; i < n; i++) {
        if (xmlTextReaderMoveToAttributeNo(x->r, i) != 1) continue;
        const char *an = (const char *)xmlTextReaderConstName(x->r);
        if (an && strlen(an) == len && memcmp(an, name, len) == 0) {
            x->attr_index = i;
            return moved_to(1, out);
        }
    }
    /* not found: .NET stays where it was */
    if (t == NT_ATTRIBUTE) xmlTextReaderMoveToAttributeNo(x->r, x->attr_index);
    else xmlTextReaderMoveToElement(x->r);
    return moved_to(0, out);
}

EXPR_NATIVE(reader_move_to_first_attribute)
{
    int t = node_type(READER);
    int rc = t == NT_ELEMENT || t == NT_ATTRIBUTE ? xmlTextReaderMoveToFirstAttribute(READER->r) : 0;
    if (rc == 1) READER->attr_index = 0;
    return moved_to(rc, out);
}

EXPR_NATIVE(reader_move_to_next_attribute)
{
    int t = node_type(READER);
    int rc = t == NT_ELEMENT || t == NT_ATTRIBUTE ? xmlTextReaderMoveToNextAttribute(READER->r) : 0;
    if (rc == 1) READER->attr_index = t == NT_ELEMENT ? 0 : READER->attr_index + 1;
    return moved_to(rc, out);
}

EXPR_NATIVE(reader_move_to_element)
{
    return moved_to(node_type(READER) == NT_ATTRIBUTE ? xmlTextReaderMoveToElement(READER->r) : 0, out);
}

/* MoveToContent(): skips what is not content (declaration, whitespace, comments, processing
 * instructions); from an attribute, back to its element. Returns the node type. */
static int move_to_content(expr_rt_t *rt, xml_reader_t *x, int *type)
{
    for (;;) {
        int t = node_type(x);
        if (t == NT_ATTRIBUTE) {
            xmlTextReaderMoveToElement(x->r);
            t = NT_ELEMENT;
        }
        if (t == NT_ELEMENT || t == NT_END_ELEMENT || t == NT_TEXT || t == NT_CDATA || t == NT_ENTITY_REF ||
            t == NT_END_ENTITY) {
            *type = t;
            return 0;
        }
        bool moved;
        if (advance(rt, x, &moved)) return EXPR_THROWN;
        if (!moved) {
            *type = node_type(x);
            return 0;
        }
    }
}

EXPR_NATIVE(reader_move_to_content)
{
    int t;
    if (move_to_content(rt, READER, &t)) return EXPR_THROWN;
    *out = expr_text_enum(t);
    return 0;
}

static bool name_equals(const xml_reader_t *x, const char *name, size_t len)
{
    const char *n = (const char *)xmlTextReaderConstName(x->r);
    return n && strlen(n) == len && memcmp(n, name, len) == 0;
}

/* IsStartElement([name]): MoveToContent() is an element (of that qualified name). */
EXPR_NATIVE(reader_is_start_element)
{
    const char *name = NULL;
    size_t len = 0;
    int t;
    if (argc && expr_text_arg_str(rt, &args[0], "name", false, &name, &len)) return EXPR_THROWN;
    if (move_to_content(rt, READER, &t)) return EXPR_THROWN;
    *out = expr_bool(t == NT_ELEMENT && (!argc || name_equals(READER, name, len)));
    return 0;
}

/* Skip(): past the current element's subtree (to the node after its end tag); elsewhere Read(). */
static int skip(expr_rt_t *rt, xml_reader_t *x, bool *moved)
{
    int t = node_type(x);
    if (t == NT_ATTRIBUTE) {
        xmlTextReaderMoveToElement(x->r);
        t = NT_ELEMENT;
    }
    if (t != NT_ELEMENT) return advance(rt, x, moved);
    return settle(rt, x, xmlTextReaderNext(x->r), moved);
}

EXPR_NATIVE(reader_skip)
{
    bool moved;
    if (skip(rt, READER, &moved)) return EXPR_THROWN;
    *out = expr_null();
    return 0;
}

/* ReadToFollowing(name): the next element of that qualified name in document order. */
EXPR_NATIVE(reader_read_to_following)
{
    const char *name;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "name", false, &name, &len)) return EXPR_THROWN;
    for (;;) {
        bool moved;
        if (advance(rt, READER, &moved)) return EXPR_THROWN;
        if (!moved) break;
        if (node_type(READER) == NT_ELEMENT && name_equals(READER, name, len)) {
            *out = expr_bool(true);
            return 0;
        }
    }
    *out = expr_bool(false);
    return 0;
}

/* ReadToDescendant(name): the first element of that name inside the current one (from the
 * start of the document before the first Read); false, on the current element's end tag,
 * when there is none. */
EXPR_NATIVE(reader_read_to_descendant)
{
    const char *name;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "name", false, &name, &len)) return EXPR_THROWN;
    xml_reader_t *x = READER;
    *out = expr_bool(false);
    int t = node_type(x);
    if (t == NT_ATTRIBUTE) {
        xmlTextReaderMoveToElement(x->r);
        t = NT_ELEMENT;
    }
    if (x->state == RS_INITIAL || x->state == RS_DECLARATION) {
        if (move_to_content(rt, x, &t)) return EXPR_THROWN;
        if (t == NT_ELEMENT && name_equals(x, name, len)) {
            *out = expr_bool(true);
            return 0;
        }
    }
    if (t != NT_ELEMENT || xmlTextReaderIsEmptyElement(x->r) == 1) return 0;
    int depth = xmlTextReaderDepth(x->r);
    for (;;) {
        bool moved;
        if (advance(rt, x, &moved)) return EXPR_THROWN;
        if (!moved || xmlTextReaderDepth(x->r) <= depth) return 0;
        if (node_type(x) == NT_ELEMENT && name_equals(x, name, len)) {
            *out = expr_bool(true);
            return 0;
        }
    }
}

/* ReadToNextSibling(name): the next sibling element of that name; false, on the parent's
 * end tag, when there is none. */
EXPR_NATIVE(reader_read_to_next_sibling)
{
    const char *name;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "name", false, &name, &len)) return EXPR_THROWN;
    xml_reader_t *x = READER;
    *out = expr_bool(false);
    if (node_type(x) == NT_ATTRIBUTE) xmlTextReaderMoveToElement(x->r);
    if (x->state != RS_INTERACTIVE) return 0;
    int depth = xmlTextReaderDepth(x->r);
    for (;;) {
        bool moved;
        if (skip(rt, x, &moved)) return EXPR_THROWN;
        if (!moved || xmlTextReaderDepth(x->r) < depth) return 0;
        if (node_type(x) == NT_ELEMENT && name_equals(x, name, len)) {
            *out = expr_bool(true);
            return 0;
        }
    }
}

/* ReadElementContentAsString(): the text of a simple element (comments and processing
 * instructions skipped), the reader then past its end tag. */
EXPR_NATIVE(reader_read_element_content_as_string)
{
    xml_reader_t *x = READER;
    int t = node_type(x);
    if (t != NT_ELEMENT)
        return throw_at(rt, x, "The ReadElementContentAsString method is not supported on node type %s. Line %d, position %d.",
                        node_type_names[t]);
    bool moved, is_empty = xmlTextReaderIsEmptyElement(x->r) == 1;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (advance(rt, x, &moved)) return EXPR_THROWN;
    while (!is_empty && moved && (t = node_type(x)) != NT_END_ELEMENT) {
        if (t == NT_ELEMENT)
            return throw_at(rt, x, "ReadElementContentAsString method is not supported on node type %s. Line %d, position %d.",
                            node_type_names[t]);
        if (t == NT_TEXT || t == NT_CDATA || t == NT_WHITESPACE || t == NT_SIGNIFICANT_WHITESPACE) {
            const xmlChar *v = xmlTextReaderConstValue(x->r);
            if (v && expr_text_puts(&b, (const char *)v)) return EXPR_THROWN;
        }
        if (advance(rt, x, &moved)) return EXPR_THROWN;
    }
    if (!is_empty && moved && advance(rt, x, &moved)) return EXPR_THROWN; /* past the end tag */
    return expr_text_finish(&b, out);
}

/* The current element with its subtree read in (valid until the reader moves), or NULL with
 * the exception thrown. */
static xmlNodePtr expand(expr_rt_t *rt, xml_reader_t *x)
{
    xmlNodePtr n = xmlTextReaderExpand(x->r);
    if (!n) fail(rt, x);
    return n;
}

static int read_xml(expr_rt_t *rt, xml_reader_t *x, bool outer, expr_value_t *out)
{
    int t = node_type(x);
    if (t == NT_ATTRIBUTE) {
        const xmlChar *name = xmlTextReaderConstName(x->r), *value = xmlTextReaderConstValue(x->r);
        if (!outer) return copy_out(rt, value, out);
        expr_text_buf_t b;
        expr_text_buf_init(&b, rt);
        /* name="value", escaped as .NET's writer escapes an attribute value */
        if (expr_text_puts(&b, (const char *)name) || expr_text_puts(&b, "=\"")) return EXPR_THROWN;
        for (const char *v = value ? (const char *)value : ""; *v; v++) {
            const char *rep = *v == '&'    ? "&amp;"
                              : *v == '<'  ? "&lt;"
                              : *v == '>'  ? "&gt;"
                              : *v == '"'  ? "&quot;"
                              : *v == '\t' ? "&#x9;"
                              : *v == '\n' ? "&#xA;"
                              : *v == '\r' ? "&#xD;"
                                           : NULL;
            if (rep ? expr_text_puts(&b, rep) : expr_text_putc(&b, *v)) return EXPR_THROWN;
        }
        if (expr_text_putc(&b, '"')) return EXPR_THROWN;
        return expr_text_finish(&b, out);
    }
    if (t != NT_ELEMENT) return expr_str_copy(rt, "", 0, out);
    xmlNodePtr n = expand(rt, x);
    if (!n) return EXPR_THROWN;
    if (outer) {
        if (xml_write_node(rt, n, false, out)) return EXPR_THROWN;
    } else {
        expr_text_buf_t b;
        expr_text_buf_init(&b, rt);
        for (xmlNodePtr c = n->children; c; c = c->next) {
            expr_value_t part;
            if (xml_write_node(rt, c, false, &part) || expr_text_put(&b, part.u.s.ptr, part.u.s.len))
                return EXPR_THROWN;
        }
        if (expr_text_finish(&b, out)) return EXPR_THROWN;
    }
    bool moved;
    return settle(rt, x, xmlTextReaderNext(x->r), &moved);
}

EXPR_NATIVE(reader_read_outer_xml)
{
    return read_xml(rt, READER, true, out);
}

EXPR_NATIVE(reader_read_inner_xml)
{
    return read_xml(rt, READER, false, out);
}

EXPR_NATIVE(reader_close)
{
    xml_reader_t *x = READER;
    release_reader(x); /* the memory goes back now; the deferred cleanup then finds nothing */
    x->state = RS_CLOSED;
    *out = expr_null();
    return 0;
}

/* ---- XNode.ReadFrom(reader) ---- */

/* A parentless leaf node (text, CDATA, comment, PI) for XNode.ReadFrom: it lives under a
 * holder element of a tree of its own (its Parent reads null), so that the tree's release
 * frees it. */
static int new_leaf(expr_rt_t *rt, int t, xml_reader_t *x, expr_value_t *out)
{
    xmlNodePtr holder = xml_new_holder(rt);
    if (!holder) return EXPR_THROWN;
    xmlDocPtr doc = holder->doc;
    const xmlChar *value = xmlTextReaderConstValue(x->r);
    xmlNodePtr n = t == NT_CDATA ? xmlNewCDataBlock(doc, value, value ? xmlStrlen(value) : 0)
                   : t == NT_COMMENT ? xmlNewDocComment(doc, value)
                   : t == NT_PI ? xmlNewDocPI(doc, xmlTextReaderConstName(x->r), value)
                                : xmlNewDocText(doc, value);
    if (!n) return xml_oom(rt);
    xmlAddChild(holder, n);
    *out = xml_wrap(n);
    return 0;
}

/* The current node as an XNode (an element with its subtree, as an XElement without parent),
 * the reader then past it; InvalidOperationException on any other node (end tags,
 * attributes, the declaration) or before the first Read(). */
EXPR_NATIVE_EXTERN(xml_xnode_read_from)
{
    xml_reader_t *x = reader_of(&args[0]);
    if (!x) {
        if (args[0].tag == EXPR_V_NULL) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'reader')");
        return expr_throw(rt, "ArgumentException", "An XmlReader is expected. (Parameter 'reader')");
    }
    if (x->state != RS_INTERACTIVE && x->state != RS_DECLARATION)
        return expr_throw(rt, "InvalidOperationException", "The XmlReader state should be Interactive.");
    int t = node_type(x);
    bool moved;
    switch (t) {
    case NT_ELEMENT: {
        xmlNodePtr n = expand(rt, x);
        if (!n) return EXPR_THROWN;
        xmlDocPtr doc = xml_new_doc(rt, true);
        if (!doc) return EXPR_THROWN;
        /* copied out of the reader's tree; namespaces declared on ancestors are declared on
         * the copy (libxml2 reconciles them) */
        xmlNodePtr copy = xmlDocCopyNode(n, doc, 1);
        if (!copy) return xml_oom(rt);
        xmlDocSetRootElement(doc, copy);
        *out = xml_wrap(copy);
        return settle(rt, x, xmlTextReaderNext(x->r), &moved);
    }
    case NT_TEXT:
    case NT_CDATA:
    case NT_COMMENT:
    case NT_PI:
    case NT_WHITESPACE:
    case NT_SIGNIFICANT_WHITESPACE:
        if (new_leaf(rt, t, x, out)) return EXPR_THROWN;
        return advance(rt, x, &moved);
    default:
        return expr_throw(rt, "InvalidOperationException", "The XmlReader should not be on a node of type %s.",
                          node_type_names[t]);
    }
}

/* ---- class tables ---- */

#define T(c) {(c), NULL}
#define PROP(n, t, f) {.name = n, .kind = EXPR_M_PROPERTY, .ret = T(t), .fn = f}
#define METHOD(n, lo, hi, t, f) {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = T(t), .fn = f}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const expr_type_t create_params[] = {T(&expr_class_text_reader)};

static const expr_member_t xml_reader_members[] = {
    {.name = "Create", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_xml_reader),
     .params = create_params, .fn = reader_create},
    METHOD("Read", 0, 0, &expr_class_bool, reader_read),
    METHOD("MoveToContent", 0, 0, &expr_class_int, reader_move_to_content),
    METHOD("IsStartElement", 0, 1, &expr_class_bool, reader_is_start_element),
    METHOD("Skip", 0, 0, &expr_class_void, reader_skip),
    METHOD("ReadToFollowing", 1, 1, &expr_class_bool, reader_read_to_following),
    METHOD("ReadToDescendant", 1, 1, &expr_class_bool, reader_read_to_descendant),
    METHOD("ReadToNextSibling", 1, 1, &expr_class_bool, reader_read_to_next_sibling),
    METHOD("ReadElementContentAsString", 0, 0, &expr_class_string, reader_read_element_content_as_string),
    METHOD("ReadInnerXml", 0, 0, &expr_class_string, reader_read_inner_xml),
    METHOD("ReadOuterXml", 0, 0, &expr_class_string, reader_read_outer_xml),
    METHOD("GetAttribute", 1, 2, &expr_class_string, reader_get_attribute),
    METHOD("MoveToAttribute", 1, 1, &expr_class_bool, reader_move_to_attribute),
    METHOD("MoveToFirstAttribute", 0, 0, &expr_class_bool, reader_move_to_first_attribute),
    METHOD("MoveToNextAttribute", 0, 0, &expr_class_bool, reader_move_to_next_attribute),
    METHOD("MoveToElement", 0, 0, &expr_class_bool, reader_move_to_element),
    METHOD("Close", 0, 0, &expr_class_void, reader_close),
    METHOD("Dispose", 0, 0, &expr_class_void, reader_close),
    PROP("NodeType", &expr_class_int, reader_node_type),
    PROP("Name", &expr_class_string, reader_name),
    PROP("LocalName", &expr_class_string, reader_local_name),
    PROP("Prefix", &expr_class_string, reader_prefix),
    PROP("NamespaceURI", &expr_class_string, reader_namespace_uri),
    PROP("Value", &expr_class_string, reader_value),
    PROP("HasValue", &expr_class_bool, reader_has_value),
    PROP("Depth", &expr_class_int, reader_depth),
    PROP("IsEmptyElement", &expr_class_bool, reader_is_empty_element),
    PROP("EOF", &expr_class_bool, reader_eof),
    PROP("AttributeCount", &expr_class_int, reader_attribute_count),
    PROP("HasAttributes", &expr_class_bool, reader_has_attributes),
};

const expr_class_t expr_class_xml_reader = {
    .name = "XmlReader",
    .full_name = "System.Xml.XmlReader",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = xml_reader_members,
    .member_count = COUNT(xml_reader_members),
};

/* XmlNodeType: the constants are ints (EXPR_TEXT_ENUM_AUX), the numbers .NET gives them. */
#define NODE_TYPE(fn, v)                                                                       \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        *out = expr_text_enum(v);                                                              \
        return 0;                                                                              \
    }
NODE_TYPE(nt_0, 0)
NODE_TYPE(nt_1, 1)
NODE_TYPE(nt_2, 2)
NODE_TYPE(nt_3, 3)
NODE_TYPE(nt_4, 4)
NODE_TYPE(nt_5, 5)
NODE_TYPE(nt_6, 6)
NODE_TYPE(nt_7, 7)
NODE_TYPE(nt_8, 8)
NODE_TYPE(nt_9, 9)
NODE_TYPE(nt_10, 10)
NODE_TYPE(nt_11, 11)
NODE_TYPE(nt_12, 12)
NODE_TYPE(nt_13, 13)
NODE_TYPE(nt_14, 14)
NODE_TYPE(nt_15, 15)
NODE_TYPE(nt_16, 16)
NODE_TYPE(nt_17, 17)

static const expr_member_t node_type_members[] = {
#define SP(n, f) {.name = n, .kind = EXPR_M_STATIC_PROPERTY, .ret = T(&expr_class_int), .fn = f}
    SP("None", nt_0),       SP("Element", nt_1),     SP("Attribute", nt_2),       SP("Text", nt_3),
    SP("CDATA", nt_4),      SP("EntityReference", nt_5), SP("Entity", nt_6),      SP("ProcessingInstruction", nt_7),
    SP("Comment", nt_8),    SP("Document", nt_9),    SP("DocumentType", nt_10),   SP("DocumentFragment", nt_11),
    SP("Notation", nt_12),  SP("Whitespace", nt_13), SP("SignificantWhitespace", nt_14), SP("EndElement", nt_15),
    SP("EndEntity", nt_16), SP("XmlDeclaration", nt_17),
#undef SP
};

const expr_class_t expr_class_xml_node_type = {
    .name = "XmlNodeType",
    .full_name = "System.Xml.XmlNodeType",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = node_type_members,
    .member_count = COUNT(node_type_members),
};
