/* document: loads one policy document (or policy fragment) as users write it into an
 * immutable tree whose every element, attribute and text knows its line and column in
 * the user's original text (spec/apim-gateway.md §0, §1.1).
 *
 * Loading = size check (§1.1) → the raw-XML pre-pass (rawxml.h) → libxml2, with no DTD,
 * no entity expansion beyond the five predefined entities and character references, no
 * network → root check → the tree below. The libxml2 document is freed before
 * policy_doc_load returns: nothing here refers to libxml2.
 *
 * Tree rules:
 * - element names and attribute names are qualified names as written ("xsl:stylesheet");
 *   namespace declarations (xmlns, xmlns:p) are ordinary attributes, in source order;
 *   a namespace error (an undeclared prefix, xmlns:p="") refuses the document, as a
 *   namespace-aware .NET reader refuses it;
 * - attribute values and text are unescaped: an expression reads as the user meant it,
 *   with real quotes, `<` and `&`. In an expression attribute (value starting with @( or
 *   @{) line breaks and tabs stay what they are, where XML would turn them into spaces
 *   (XML 1.0 §3.3.3), so that `//` comments end where the user ended them; other
 *   attribute values follow XML. Line breaks in text read as LF (XML 1.0 §2.11);
 * - comments and processing instructions are dropped; CDATA sections are nodes of their
 *   own (adjacent sections form one); text that is only whitespace is dropped from an
 *   element that has element children (indentation), kept otherwise;
 * - positions are 1-based; columns count characters (rawxml.h). An element's position is
 *   its '<', an attribute's is its name, a text node's its first character (for CDATA the
 *   first character after "<![CDATA[").
 *
 * Errors name the place in the user's text, after the scope the caller gives:
 *   "api 'orders' policy:12:7: not well-formed XML: Opening and ending tag mismatch: ..."
 * Thread safety: a loaded document is immutable and may be read from any thread;
 * policy_doc_load may run in several threads once libxml2 is initialised (it calls
 * xmlInitParser(), which should first run in the main thread). */
#ifndef MERIDIAN_POLICY_DOCUMENT_H
#define MERIDIAN_POLICY_DOCUMENT_H

#include "policy/rawxml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_DOC_MAX_POLICY_BYTES (256u * 1024)   /* spec §1.1, §4.8 */
#define POLICY_DOC_MAX_FRAGMENT_BYTES (512u * 1024) /* spec §1.1 (fragments) */
#define POLICY_DOC_MAX_DEPTH 64 /* element nesting, root = 1: bounds recursion everywhere */
#define POLICY_DOC_ERROR_MAX 320

typedef policy_rawxml_pos_t policy_doc_pos_t;

typedef enum {
    POLICY_DOC_POLICY,   /* root <policies>, at most 256 KiB */
    POLICY_DOC_FRAGMENT, /* root <fragment>, at most 512 KiB */
} policy_doc_type_t;

typedef enum {
    POLICY_DOC_NODE_ELEMENT = 1,
    POLICY_DOC_NODE_TEXT,
    POLICY_DOC_NODE_CDATA,
} policy_doc_node_kind_t;

typedef struct {
    const char *name;  /* qualified name as written */
    const char *value; /* unescaped, NUL-terminated (XML forbids NUL inside) */
    size_t value_len;
    policy_doc_pos_t pos;       /* the name */
    policy_doc_pos_t value_pos; /* first character after the opening quote */
    bool is_expression;         /* the value starts with @( or @{ */
    uint32_t src_value_offset_; /* private: where the value starts in the original */
} policy_doc_attr_t;

typedef struct policy_doc_node policy_doc_node_t;
struct policy_doc_node {
    policy_doc_node_kind_t kind;
    const char *name; /* element: qualified name as written; NULL otherwise */
    /* TEXT, CDATA: the content. ELEMENT: its text and CDATA children joined in order, or
     * NULL (text_len 0) when it has none. Unescaped, NUL-terminated. */
    const char *text;
    size_t text_len;
    const policy_doc_attr_t *attrs; /* element: in source order */
    size_t attr_count;
    const policy_doc_node_t *children; /* element: elements, text and CDATA in order */
    size_t child_count;
    const policy_doc_node_t *parent; /* NULL for the root */
    policy_doc_pos_t pos;
    bool is_expression;   /* TEXT: starts with @( or @{ after whitespace */
    uint32_t src_offset_; /* private: TEXT, CDATA: where the content starts in the original */
};

typedef struct policy_doc policy_doc_t;

typedef struct {
    unsigned line, col; /* in the original text; 0, 0 when the error is about the whole text */
    char message[POLICY_DOC_ERROR_MAX]; /* "SCOPE:LINE:COL: what" ("SCOPE: what" at 0, 0) */
} policy_doc_error_t;

/* Loads `text` (UTF-8, `len` bytes, need not be NUL-terminated; copied). `scope` names the
 * document in errors ("api 'orders' policy"; NULL = "policy"). Returns 0 and sets *out, or
 * fills *err and returns:
 * -EFBIG  larger than the type's limit (spec §1.1);
 * -EINVAL the document is refused: pre-pass errors (rawxml.h), not well-formed XML, a
 *         DOCTYPE, nesting deeper than POLICY_DOC_MAX_DEPTH, the wrong root element;
 * -ENOMEM out of memory;
 * -EPROTO the pre-pass and the XML parser disagree about the markup (a bug: never
 *         expected, checked by tests/fuzz/fuzz_policy_loader.c). */
int policy_doc_load(const char *text, size_t len, policy_doc_type_t type, const char *scope,
                    policy_doc_t **out, policy_doc_error_t *err);
void policy_doc_free(policy_doc_t *doc);

const policy_doc_node_t *policy_doc_root(const policy_doc_t *doc);
policy_doc_type_t policy_doc_type(const policy_doc_t *doc);
/* The scope given to policy_doc_load (a copy). */
const char *policy_doc_scope(const policy_doc_t *doc);
/* The original text, as given (a NUL-terminated copy). */
const char *policy_doc_source(const policy_doc_t *doc, size_t *len);

/* ---- navigation (NULL-safe: a NULL node gives NULL / 0 / false) ---- */

bool policy_doc_is_element(const policy_doc_node_t *node, const char *name);
/* The attribute named `name` (exact, case-sensitive as XML), or NULL. */
const policy_doc_attr_t *policy_doc_attr(const policy_doc_node_t *element, const char *name);
/* Its value, or NULL when absent. */
const char *policy_doc_attr_value(const policy_doc_node_t *element, const char *name);
/* First child element named `name` (any element when NULL), or NULL. */
const policy_doc_node_t *policy_doc_first_element(const policy_doc_node_t *element,
                                                  const char *name);
/* Next sibling element after `node` named `name` (any when NULL), or NULL. */
const policy_doc_node_t *policy_doc_next_element(const policy_doc_node_t *node, const char *name);
/* Child elements named `name` (all when NULL). */
size_t policy_doc_element_count(const policy_doc_node_t *element, const char *name);

/* ---- places inside values (for errors inside expressions) ---- */

/* Position in the original text of byte `offset` of attr->value (attr->value_len and past
 * map to the closing quote). */
policy_doc_pos_t policy_doc_attr_value_pos(const policy_doc_t *doc, const policy_doc_attr_t *attr,
                                           size_t offset);
/* Same for node->text of a TEXT or CDATA node, or of an element (its joined text). */
policy_doc_pos_t policy_doc_text_pos(const policy_doc_t *doc, const policy_doc_node_t *node,
                                     size_t offset);

/* Fills *err: "SCOPE:LINE:COL: message" (scope NULL = "policy"; pos 0:0 = "SCOPE: message").
 * For compile steps that report on a loaded tree in the same form. */
void policy_doc_errorf(policy_doc_error_t *err, const char *scope, policy_doc_pos_t pos,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
