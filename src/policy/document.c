/* Policy documents: pre-pass, libxml2, Meridian's own tree (spec/apim-gateway.md §0,
 * §1.1). See document.h for the contract. */
#include "policy/document.h"

#include "base/arena.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

struct policy_doc {
    arena_t arena; /* every node, attribute and string */
    policy_doc_type_t type;
    const char *scope;
    const char *src; /* the original text */
    size_t len;
    policy_rawxml_lines_t lines;
    policy_doc_node_t *root;
};

/* ---- errors ---- */

void policy_doc_errorf(policy_doc_error_t *err, const char *scope, policy_doc_pos_t pos,
                       const char *fmt, ...)
{
    if (!scope || !scope[0]) scope = "policy";
    err->line = pos.line;
    err->col = pos.col;
    /* the scope is cut at 120 bytes so that the message always has room */
    int n = pos.line ? snprintf(err->message, sizeof err->message, "%.120s:%u:%u: ", scope,
                                pos.line, pos.col)
                     : snprintf(err->message, sizeof err->message, "%.120s: ", scope);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
}

static const policy_doc_pos_t no_pos = {0, 0};

/* ---- walking a value through the original text ----
 * The XML parser turns the original bytes of a value into the value: an entity becomes
 * its character, CRLF and CR become LF (XML 1.0 §2.11), in attributes a tab or line break
 * becomes a space (§3.3.3), and adjacent CDATA sections are joined. A unit is one such
 * step: `src_len` original bytes giving `out_len` value bytes. */

typedef enum { WALK_ATTR, WALK_TEXT, WALK_CDATA } walk_kind_t;

static const char cdata_joint[] = "]]><![CDATA[";

static size_t utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void walk_unit(const char *src, size_t i, size_t to, walk_kind_t kind, size_t *src_len,
                      size_t *out_len)
{
    uint32_t cp;
    size_t e;
    if (kind == WALK_CDATA && to - i >= sizeof cdata_joint - 1 &&
        memcmp(src + i, cdata_joint, sizeof cdata_joint - 1) == 0) {
        *src_len = sizeof cdata_joint - 1;
        *out_len = 0;
    } else if (src[i] == '\r' && i + 1 < to && src[i + 1] == '\n') {
        *src_len = 2;
        *out_len = 1;
    } else if (kind != WALK_CDATA && (e = policy_rawxml_entity_len(src + i, to - i, &cp))) {
        *src_len = e;
        *out_len = utf8_len(cp);
    } else {
        *src_len = 1;
        *out_len = 1;
    }
}

/* Original offset of value byte `offset` of the value src[from..to). */
static size_t walk_to(const char *src, size_t from, size_t to, walk_kind_t kind, size_t offset)
{
    size_t i = from, produced = 0, sl, ol;
    while (i < to) {
        walk_unit(src, i, to, kind, &sl, &ol);
        if (ol && offset < produced + ol) return i;
        produced += ol;
        i += sl;
    }
    return to;
}

/* true when the value the XML parser gave matches src[from..to) unit by unit. In an
 * expression attribute (restore_ws) the spaces XML made of tabs and line breaks become
 * those characters again (document.h). */
static bool walk_check(const char *src, size_t from, size_t to, walk_kind_t kind, char *value,
                       size_t value_len, bool restore_ws)
{
    size_t i = from, k = 0, sl, ol;
    while (i < to) {
        walk_unit(src, i, to, kind, &sl, &ol);
        if (k + ol > value_len) return false;
        char c = src[i];
        if (sl == 1 || (sl == 2 && c == '\r')) {
            bool is_ws = c == '\t' || c == '\n' || c == '\r';
            char want = c == '\r' ? '\n' : c;
            if (kind == WALK_ATTR && is_ws) {
                if (value[k] != ' ') return false;
                if (restore_ws) value[k] = want;
            } else if (value[k] != want) {
                return false;
            }
        }
        k += ol;
        i += sl;
    }
    return k == value_len;
}

/* ---- building the tree ---- */

typedef struct {
    policy_doc_t *doc;
    const policy_rawxml_t *rx;
    size_t next_mark;
    policy_doc_error_t *err;
} builder_t;

static int out_of_memory(policy_doc_error_t *err, const char *scope)
{
    policy_doc_errorf(err, scope, no_pos, "out of memory");
    return -ENOMEM;
}

static int disagree(builder_t *b, const char *what)
{
    size_t at = b->next_mark < b->rx->mark_count ? b->rx->marks[b->next_mark].offset : 0;
    policy_doc_errorf(b->err, b->doc->scope, policy_rawxml_lines_position(&b->doc->lines, at),
                      "internal error: the raw-XML pre-pass and the XML parser disagree (%s)",
                      what);
    return -EPROTO;
}

static const policy_rawxml_mark_t *take(builder_t *b, policy_rawxml_mark_kind_t kind)
{
    if (b->next_mark >= b->rx->mark_count) return NULL;
    const policy_rawxml_mark_t *m = &b->rx->marks[b->next_mark];
    if (m->kind != kind) return NULL;
    b->next_mark++;
    return m;
}

static policy_doc_pos_t position(const builder_t *b, size_t offset)
{
    return policy_rawxml_lines_position(&b->doc->lines, offset);
}

static bool qname_is(const xmlChar *prefix, const xmlChar *name, const char *s, size_t len)
{
    size_t pl = prefix ? strlen((const char *)prefix) : 0, nl = strlen((const char *)name);
    if (prefix) {
        if (len != pl + 1 + nl || memcmp(s, prefix, pl) != 0 || s[pl] != ':') return false;
        s += pl + 1;
    } else if (len != nl) {
        return false;
    }
    return memcmp(s, name, nl) == 0;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

static int build_attrs(builder_t *b, xmlNodePtr x, policy_doc_node_t *out)
{
    size_t first = b->next_mark, count = 0;
    while (first + count < b->rx->mark_count &&
           b->rx->marks[first + count].kind == POLICY_RAWXML_ATTRIBUTE)
        count++;
    policy_doc_attr_t *attrs = count ? arena_alloc(&b->doc->arena, count * sizeof *attrs) : NULL;
    if (count && !attrs) return out_of_memory(b->err, b->doc->scope);
    xmlAttrPtr xa = x->properties;
    xmlNsPtr ns = x->nsDef;
    for (size_t k = 0; k < count; k++) {
        const policy_rawxml_mark_t *m = take(b, POLICY_RAWXML_ATTRIBUTE);
        const char *name = b->doc->src + m->offset;
        bool is_ns = (m->name_len == 5 || (m->name_len > 6 && name[5] == ':')) &&
                     memcmp(name, "xmlns", 5) == 0;
        const char *value;
        xmlChar *owned = NULL;
        if (is_ns) {
            if (!ns ||
                !qname_is(ns->prefix ? (const xmlChar *)"xmlns" : NULL,
                          ns->prefix ? ns->prefix : (const xmlChar *)"xmlns", name, m->name_len))
                return disagree(b, "namespace declaration");
            value = ns->href ? (const char *)ns->href : "";
            ns = ns->next;
        } else {
            if (!xa || !qname_is(xa->ns ? xa->ns->prefix : NULL, xa->name, name, m->name_len))
                return disagree(b, "attribute");
            value = (const char *)(owned = xmlNodeGetContent((xmlNodePtr)xa));
            xa = xa->next;
            if (!owned) return out_of_memory(b->err, b->doc->scope);
        }
        policy_doc_attr_t *a = &attrs[k];
        a->name = arena_strndup(&b->doc->arena, name, m->name_len);
        a->value_len = strlen(value);
        char *v = arena_strndup(&b->doc->arena, value, a->value_len);
        xmlFree(owned);
        if (!a->name || !v) return out_of_memory(b->err, b->doc->scope);
        if (!walk_check(b->doc->src, m->value_offset, m->value_end, WALK_ATTR, v, a->value_len,
                        m->is_expression))
            return disagree(b, "attribute value");
        a->value = v;
        a->pos = position(b, m->offset);
        a->value_pos = position(b, m->value_offset);
        a->is_expression = m->is_expression;
        a->src_value_offset_ = m->value_offset;
    }
    if (xa || ns) return disagree(b, "attribute count");
    out->attrs = attrs;
    out->attr_count = count;
    return 0;
}

/* Text or CDATA node `x` against the next mark(s); fills *out (when keep). */
static int build_text(builder_t *b, xmlNodePtr x, policy_doc_node_t *out, bool keep)
{
    bool is_cdata = x->type == XML_CDATA_SECTION_NODE;
    const policy_rawxml_mark_t *m = take(b, is_cdata ? POLICY_RAWXML_CDATA : POLICY_RAWXML_TEXT);
    if (!m || m->continues_cdata) return disagree(b, is_cdata ? "CDATA section" : "text");
    size_t to = m->value_end;
    if (is_cdata)
        for (const policy_rawxml_mark_t *next; (next = take(b, POLICY_RAWXML_CDATA));) {
            if (!next->continues_cdata) {
                b->next_mark--;
                break;
            }
            to = next->value_end;
        }
    const char *content = x->content ? (const char *)x->content : "";
    size_t len = strlen(content);
    char *text = arena_strndup(&b->doc->arena, content, len);
    if (!text) return out_of_memory(b->err, b->doc->scope);
    if (!walk_check(b->doc->src, m->value_offset, to, is_cdata ? WALK_CDATA : WALK_TEXT, text, len,
                    false))
        return disagree(b, is_cdata ? "CDATA content" : "text content");
    if (!keep) return 0;
    *out = (policy_doc_node_t){
        .kind = is_cdata ? POLICY_DOC_NODE_CDATA : POLICY_DOC_NODE_TEXT,
        .text = text,
        .text_len = len,
        .pos = position(b, m->value_offset),
        .is_expression = m->is_expression,
        .src_offset_ = m->value_offset,
    };
    return 0;
}

static bool is_text_node(xmlNodePtr c)
{
    return c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE;
}

static bool keeps(xmlNodePtr c, bool has_elements)
{
    if (c->type == XML_ELEMENT_NODE || c->type == XML_CDATA_SECTION_NODE) return true;
    if (c->type != XML_TEXT_NODE) return false;
    const char *s = c->content ? (const char *)c->content : "";
    return !has_elements || !is_blank(s, strlen(s));
}

static int join_text(builder_t *b, policy_doc_node_t *el)
{
    size_t total = 0, parts = 0;
    const policy_doc_node_t *only = NULL;
    for (size_t i = 0; i < el->child_count; i++)
        if (el->children[i].kind != POLICY_DOC_NODE_ELEMENT) {
            total += el->children[i].text_len;
            parts++;
            only = &el->children[i];
        }
    if (parts <= 1) {
        el->text = only ? only->text : NULL;
        el->text_len = only ? only->text_len : 0;
        return 0;
    }
    char *t = arena_alloc(&b->doc->arena, total + 1);
    if (!t) return out_of_memory(b->err, b->doc->scope);
    size_t at = 0;
    for (size_t i = 0; i < el->child_count; i++)
        if (el->children[i].kind != POLICY_DOC_NODE_ELEMENT) {
            memcpy(t + at, el->children[i].text, el->children[i].text_len);
            at += el->children[i].text_len;
        }
    t[at] = '\0';
    el->text = t;
    el->text_len = total;
    return 0;
}

static int build_element(builder_t *b, xmlNodePtr x, policy_doc_node_t *out,
                         const policy_doc_node_t *parent, unsigned depth)
{
    const policy_rawxml_mark_t *m = take(b, POLICY_RAWXML_ELEMENT);
    if (!m || depth > POLICY_DOC_MAX_DEPTH ||
        !qname_is(x->ns ? x->ns->prefix : NULL, x->name, b->doc->src + m->offset + 1, m->name_len))
        return disagree(b, "element");
    *out = (policy_doc_node_t){
        .kind = POLICY_DOC_NODE_ELEMENT,
        .name = arena_strndup(&b->doc->arena, b->doc->src + m->offset + 1, m->name_len),
        .parent = parent,
        .pos = position(b, m->offset),
    };
    if (!out->name) return out_of_memory(b->err, b->doc->scope);
    int rc = build_attrs(b, x, out);
    if (rc) return rc;
    bool has_elements = false;
    size_t kept = 0;
    for (xmlNodePtr c = x->children; c; c = c->next)
        has_elements |= c->type == XML_ELEMENT_NODE;
    for (xmlNodePtr c = x->children; c; c = c->next)
        kept += keeps(c, has_elements);
    policy_doc_node_t *children =
        kept ? arena_alloc(&b->doc->arena, kept * sizeof *children) : NULL;
    if (kept && !children) return out_of_memory(b->err, b->doc->scope);
    size_t n = 0;
    for (xmlNodePtr c = x->children; c; c = c->next) {
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) continue;
        bool keep = keeps(c, has_elements);
        if (c->type == XML_ELEMENT_NODE)
            rc = build_element(b, c, &children[n], out, depth + 1);
        else if (is_text_node(c))
            rc = build_text(b, c, keep ? &children[n] : NULL, keep);
        else
            rc = disagree(b, "unexpected node type");
        if (rc) return rc;
        if (keep) children[n++].parent = out;
    }
    out->children = children;
    out->child_count = n;
    return join_text(b, out);
}

/* ---- libxml2 ---- */

typedef struct {
    bool have;
    int code;
    int domain;
    size_t offset; /* in the escaped text */
    char message[200];
} xml_failure_t;

/* The first error (warnings aside) and where the parser was in the escaped text. Errors
 * that libxml2 recovers from (namespace errors: an undeclared prefix, an empty
 * xmlns:p="") refuse the document too, as a namespace-aware .NET reader does. */
static void on_xml_error(void *data, xmlErrorPtr e)
{
    (void)data;
    xmlParserCtxtPtr ctxt = e ? e->ctxt : NULL;
    xml_failure_t *f = ctxt ? ctxt->_private : NULL;
    if (!f || f->have || e->level < XML_ERR_ERROR) return;
    f->have = true;
    f->code = e->code;
    f->domain = e->domain;
    xmlParserInputPtr in = ctxt->inputNr > 0 ? ctxt->inputTab[0] : ctxt->input;
    f->offset = in && in->cur && in->base ? in->consumed + (size_t)(in->cur - in->base) : 0;
    snprintf(f->message, sizeof f->message, "%s", e->message ? e->message : "parse error");
    size_t l = strlen(f->message);
    while (l && (f->message[l - 1] == '\n' || f->message[l - 1] == ' '))
        f->message[--l] = '\0';
}

/* libxml2 reports some errors after reading the whole tag: point at the tag instead. For
 * an end tag that does not match, its "</"; for a repeated attribute or a namespace error,
 * the start tag's '<' (no '<' can be inside its attribute values once escaped). */
static size_t error_offset(const policy_rawxml_t *rx, const xml_failure_t *f)
{
    size_t at = f->offset < rx->len ? f->offset : rx->len;
    bool end_tag = f->code == XML_ERR_TAG_NAME_MISMATCH;
    bool start_tag = f->domain == XML_FROM_NAMESPACE || f->code == XML_ERR_ATTRIBUTE_REDEFINED;
    if (end_tag || start_tag)
        for (size_t i = at; i-- > 0;)
            if (rx->text[i] == '<' && (start_tag || rx->text[i + 1] == '/')) return i;
    return at;
}

/* Parses the escaped text. No DTD is loaded, no entity is substituted beyond the
 * predefined ones, nothing goes to the network; the declared encoding is ignored (the
 * text is UTF-8 whatever it says: it came to us as a string). */
static int parse_xml(const policy_rawxml_t *rx, const char *scope, xmlDocPtr *out,
                     policy_doc_error_t *err)
{
    *out = NULL;
    if (rx->len > INT_MAX) return out_of_memory(err, scope);
    if (rx->len == 0) {
        policy_doc_errorf(err, scope, (policy_doc_pos_t){1, 1}, "the document is empty");
        return -EINVAL;
    }
    xml_failure_t failure = {0};
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(rx->text, (int)rx->len);
    if (!ctxt) return out_of_memory(err, scope);
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
    ctxt->_private = &failure;
    ctxt->sax->serror = on_xml_error;
    xmlParseDocument(ctxt);
    xmlDocPtr xdoc = ctxt->myDoc;
    bool ok = ctxt->wellFormed && xdoc && !failure.have;
    bool oom = ctxt->errNo == XML_ERR_NO_MEMORY;
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    if (ok && !oom) {
        *out = xdoc;
        return 0;
    }
    xmlFreeDoc(xdoc);
    if (oom) return out_of_memory(err, scope);
    size_t at = policy_rawxml_source_offset(rx, error_offset(rx, &failure));
    policy_doc_errorf(err, scope, policy_rawxml_lines_position(&rx->lines, at),
                      "not well-formed XML: %s", failure.have ? failure.message : "parse error");
    return -EINVAL;
}

/* ---- load ---- */

static int check_root(policy_doc_t *doc, policy_doc_error_t *err)
{
    const char *want = doc->type == POLICY_DOC_POLICY ? "policies" : "fragment";
    if (strcmp(doc->root->name, want) == 0) return 0;
    policy_doc_errorf(err, doc->scope, doc->root->pos,
                      "the root element is <%.60s>; a policy %s has <%s> as its root",
                      doc->root->name, doc->type == POLICY_DOC_POLICY ? "document" : "fragment",
                      want);
    return -EINVAL;
}

static int build(policy_doc_t *doc, const policy_rawxml_t *rx, xmlDocPtr xdoc,
                 policy_doc_error_t *err)
{
    builder_t b = {.doc = doc, .rx = rx, .err = err};
    if (xdoc->intSubset || xdoc->extSubset) {
        policy_doc_errorf(err, doc->scope, (policy_doc_pos_t){1, 1}, "DOCTYPE is not allowed");
        return -EINVAL;
    }
    xmlNodePtr xroot = xmlDocGetRootElement(xdoc);
    if (!rx->is_complete || !xroot) return disagree(&b, "document");
    doc->root = arena_alloc(&doc->arena, sizeof *doc->root);
    if (!doc->root) return out_of_memory(err, doc->scope);
    int rc = build_element(&b, xroot, doc->root, NULL, 1);
    if (rc == 0 && b.next_mark != rx->mark_count) rc = disagree(&b, "markup after the root");
    return rc ? rc : check_root(doc, err);
}

int policy_doc_load(const char *text, size_t len, policy_doc_type_t type, const char *scope,
                    policy_doc_t **out, policy_doc_error_t *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    if (!scope || !scope[0]) scope = "policy";
    if (!text) len = 0;
    size_t limit =
        type == POLICY_DOC_POLICY ? POLICY_DOC_MAX_POLICY_BYTES : POLICY_DOC_MAX_FRAGMENT_BYTES;
    if (len > limit) { /* spec §1.1 */
        policy_doc_errorf(err, scope, no_pos, "the %s is %zu bytes; at most %zu KiB are allowed",
                          type == POLICY_DOC_POLICY ? "policy document" : "policy fragment", len,
                          limit / 1024);
        return -EFBIG;
    }
    xmlInitParser();
    policy_doc_t *doc = calloc(1, sizeof *doc);
    if (!doc) return out_of_memory(err, scope);
    arena_init(&doc->arena, 16384);
    doc->type = type;
    doc->len = len;
    doc->scope = arena_strndup(&doc->arena, scope, strlen(scope));
    doc->src = arena_strndup(&doc->arena, text ? text : "", text ? len : 0);
    policy_rawxml_t *rx = NULL;
    xmlDocPtr xdoc = NULL;
    int rc;
    if (!doc->scope || !doc->src || policy_rawxml_lines_init(&doc->lines, doc->src, len)) {
        rc = out_of_memory(err, scope);
        goto fail_copy;
    }
    /* XML 1.0 §2.2 forbids U+0000, and libxml2 would take one for the end of the text */
    const char *nul = memchr(doc->src, '\0', len);
    if (nul) {
        policy_doc_errorf(err, scope,
                          policy_rawxml_lines_position(&doc->lines, (size_t)(nul - doc->src)),
                          "a NUL character is not allowed in XML");
        rc = -EINVAL;
        goto fail_copy;
    }
    policy_rawxml_error_t rxerr;
    rc = policy_rawxml_escape(doc->src, len, POLICY_DOC_MAX_DEPTH, &rx, &rxerr);
    if (rc) {
        policy_doc_errorf(err, scope, rxerr.pos, "%s", rxerr.message);
        goto fail_prepass;
    }
    rc = parse_xml(rx, scope, &xdoc, err);
    if (rc) goto fail_parse;
    rc = build(doc, rx, xdoc, err);
    xmlFreeDoc(xdoc);
    if (rc) goto fail_parse;
    policy_rawxml_free(rx);
    *out = doc;
    return 0;

fail_parse:
    policy_rawxml_free(rx);
fail_prepass:
fail_copy:
    policy_doc_free(doc);
    return rc;
}

void policy_doc_free(policy_doc_t *doc)
{
    if (!doc) return;
    policy_rawxml_lines_free(&doc->lines);
    arena_free(&doc->arena);
    free(doc);
}

const policy_doc_node_t *policy_doc_root(const policy_doc_t *doc)
{
    return doc ? doc->root : NULL;
}

policy_doc_type_t policy_doc_type(const policy_doc_t *doc)
{
    return doc->type;
}

const char *policy_doc_scope(const policy_doc_t *doc)
{
    return doc->scope;
}

const char *policy_doc_source(const policy_doc_t *doc, size_t *len)
{
    if (len) *len = doc->len;
    return doc->src;
}

/* ---- navigation ---- */

bool policy_doc_is_element(const policy_doc_node_t *node, const char *name)
{
    return node && node->kind == POLICY_DOC_NODE_ELEMENT &&
           (!name || strcmp(node->name, name) == 0);
}

const policy_doc_attr_t *policy_doc_attr(const policy_doc_node_t *element, const char *name)
{
    if (!element) return NULL;
    for (size_t i = 0; i < element->attr_count; i++)
        if (strcmp(element->attrs[i].name, name) == 0) return &element->attrs[i];
    return NULL;
}

const char *policy_doc_attr_value(const policy_doc_node_t *element, const char *name)
{
    const policy_doc_attr_t *a = policy_doc_attr(element, name);
    return a ? a->value : NULL;
}

static const policy_doc_node_t *element_from(const policy_doc_node_t *from,
                                             const policy_doc_node_t *end, const char *name)
{
    for (; from < end; from++)
        if (policy_doc_is_element(from, name)) return from;
    return NULL;
}

const policy_doc_node_t *policy_doc_first_element(const policy_doc_node_t *element,
                                                  const char *name)
{
    if (!element || !element->child_count) return NULL;
    return element_from(element->children, element->children + element->child_count, name);
}

const policy_doc_node_t *policy_doc_next_element(const policy_doc_node_t *node, const char *name)
{
    if (!node || !node->parent) return NULL;
    const policy_doc_node_t *p = node->parent;
    return element_from(node + 1, p->children + p->child_count, name);
}

size_t policy_doc_element_count(const policy_doc_node_t *element, const char *name)
{
    size_t n = 0;
    for (const policy_doc_node_t *c = policy_doc_first_element(element, name); c;
         c = policy_doc_next_element(c, name))
        n++;
    return n;
}

/* ---- places inside values ---- */

static size_t value_end(const policy_doc_t *doc, size_t from, walk_kind_t kind, size_t value_len)
{
    /* the end of a value in the original: walk it whole (values are short) */
    size_t i = from, produced = 0, sl, ol;
    while (i < doc->len && produced < value_len) {
        walk_unit(doc->src, i, doc->len, kind, &sl, &ol);
        produced += ol;
        i += sl;
    }
    return i;
}

policy_doc_pos_t policy_doc_attr_value_pos(const policy_doc_t *doc, const policy_doc_attr_t *attr,
                                           size_t offset)
{
    size_t from = attr->src_value_offset_;
    size_t to = value_end(doc, from, WALK_ATTR, attr->value_len);
    return policy_rawxml_lines_position(&doc->lines,
                                        walk_to(doc->src, from, to, WALK_ATTR, offset));
}

policy_doc_pos_t policy_doc_text_pos(const policy_doc_t *doc, const policy_doc_node_t *node,
                                     size_t offset)
{
    if (node->kind == POLICY_DOC_NODE_ELEMENT) {
        const policy_doc_node_t *last = NULL;
        for (size_t i = 0; i < node->child_count; i++) {
            const policy_doc_node_t *c = &node->children[i];
            if (c->kind == POLICY_DOC_NODE_ELEMENT) continue;
            if (offset < c->text_len) return policy_doc_text_pos(doc, c, offset);
            offset -= c->text_len;
            last = c;
        }
        if (!last) return node->pos;
        return policy_doc_text_pos(doc, last, last->text_len + offset);
    }
    walk_kind_t kind = node->kind == POLICY_DOC_NODE_CDATA ? WALK_CDATA : WALK_TEXT;
    size_t from = node->src_offset_, to = value_end(doc, from, kind, node->text_len);
    return policy_rawxml_lines_position(&doc->lines, walk_to(doc->src, from, to, kind, offset));
}
