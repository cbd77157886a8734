/* Fuzz driver for the policy loader: the raw-XML pre-pass (src/policy/rawxml.h) and the
 * document loader (src/policy/document.h). Every input is escaped, then loaded as a policy
 * document and as a policy fragment. abort() on any broken invariant:
 * - policy_rawxml_escape returns 0 or -EINVAL; an error has a message and a place inside
 *   the input (its offset ≤ size, line:col the line index's position of that offset);
 * - an escaped text is NUL-terminated, no shorter than the input, has the same number of
 *   LF and CR bytes (line numbers agree), and maps back monotonically onto the input: each
 *   byte is the input byte it maps to, or part of an escape of `"`, `'`, `<`, `>`, `&` or
 *   a space inserted after a '-' in a comment; the end maps to the end;
 * - marks lie inside the input, in document order, values between their quotes;
 * - escaping a complete escaped text again changes nothing (the pre-pass is idempotent);
 * - policy_doc_load returns 0, -EINVAL or -EFBIG — never -EPROTO (the pre-pass and libxml2
 *   disagree about the markup) or -ENOMEM; an error message starts with "SCOPE:LINE:COL: "
 *   at a place inside the input (only a size error is "SCOPE: " at 0:0);
 * - a loaded tree has the type's root, depth ≤ POLICY_DOC_MAX_DEPTH, consistent parents and
 *   lengths, navigation (first/next element, count) that visits the element children in
 *   order, and every element, attribute, value and text position (also those computed for
 *   offsets inside values) lies inside the input, in order inside each value;
 * - a document loads as exactly one type, the other one refusing its root;
 * - the escaped text, loaded in turn, gives the same tree (raw and escaped forms agree).
 * Leak-free by construction: every result is freed, so LeakSanitizer checks error paths. */
#include "policy/document.h"
#include "policy/rawxml.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_policy_loader: invariant failed: %s (line %d)\n", #cond,         \
                    __LINE__);                                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define SCOPE "fuzz policy"

static bool pos_inside(const policy_rawxml_lines_t *lines, policy_rawxml_pos_t p)
{
    return p.line >= 1 && p.line <= lines->line_count && p.col >= 1 &&
           p.col <= policy_rawxml_lines_width(lines, p.line) + 1;
}

static bool pos_le(policy_rawxml_pos_t a, policy_rawxml_pos_t b)
{
    return a.line < b.line || (a.line == b.line && a.col <= b.col);
}

static size_t count_bytes(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

/* ---- the pre-pass ---- */

static void check_marks(const policy_rawxml_t *rx, size_t size)
{
    size_t prev = 0;
    for (size_t i = 0; i < rx->mark_count; i++) {
        const policy_rawxml_mark_t *m = &rx->marks[i];
        CHECK(m->kind >= POLICY_RAWXML_ELEMENT && m->kind <= POLICY_RAWXML_CDATA);
        CHECK(m->offset >= prev && m->offset <= size);
        CHECK(m->value_offset <= m->value_end && m->value_end <= size);
        if (m->kind == POLICY_RAWXML_ELEMENT) CHECK(m->offset + 1 + m->name_len <= size);
        if (m->kind == POLICY_RAWXML_ATTRIBUTE) {
            CHECK(i > 0 && m->name_len > 0 && m->offset + m->name_len < m->value_offset);
            char quote = rx->lines.src[m->value_offset - 1];
            CHECK(quote == '"' || quote == '\'');
            CHECK(rx->lines.src[m->value_end] == quote);
        }
        CHECK(!m->continues_cdata || m->kind == POLICY_RAWXML_CDATA);
        prev = m->kind == POLICY_RAWXML_ATTRIBUTE ? m->value_end : m->offset;
    }
}

static policy_rawxml_t *check_escape(const char *src, size_t size)
{
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    int rc = policy_rawxml_escape(src, size, POLICY_DOC_MAX_DEPTH, &rx, &err);
    CHECK(rc == 0 || rc == -EINVAL);
    if (rc) {
        CHECK(!rx && err.message[0] && err.offset <= size);
        policy_rawxml_lines_t lines;
        CHECK(policy_rawxml_lines_init(&lines, src, size) == 0);
        policy_rawxml_pos_t p = policy_rawxml_lines_position(&lines, err.offset);
        CHECK(p.line == err.pos.line && p.col == err.pos.col && pos_inside(&lines, p));
        policy_rawxml_lines_free(&lines);
        return NULL;
    }
    CHECK(rx && rx->text[rx->len] == '\0' && rx->len >= size);
    CHECK(count_bytes(rx->text, rx->len, '\n') == count_bytes(src, size, '\n'));
    CHECK(count_bytes(rx->text, rx->len, '\r') == count_bytes(src, size, '\r'));
    size_t prev = 0;
    for (size_t o = 0; o < rx->len; o++) {
        size_t in = policy_rawxml_source_offset(rx, o);
        CHECK(in >= prev && in < size);
        CHECK(rx->text[o] == src[in] || strchr("\"'<>&-", src[in]));
        prev = in;
    }
    CHECK(policy_rawxml_source_offset(rx, rx->len) == size);
    check_marks(rx, size);
    if (rx->is_complete) {
        policy_rawxml_t *again = NULL;
        CHECK(policy_rawxml_escape(rx->text, rx->len, POLICY_DOC_MAX_DEPTH, &again, &err) == 0);
        CHECK(again->is_complete && again->len == rx->len);
        CHECK(memcmp(again->text, rx->text, rx->len) == 0);
        CHECK(again->mark_count == rx->mark_count);
        policy_rawxml_free(again);
    }
    return rx;
}

/* ---- the document ---- */

static void check_value_positions(const policy_doc_t *doc, const policy_rawxml_lines_t *lines,
                                  const policy_doc_attr_t *a, const policy_doc_node_t *n)
{
    size_t len = a ? a->value_len : n->text_len;
    policy_rawxml_pos_t prev = {0, 0};
    for (size_t off = 0; off <= len; off += 1 + len / 64) {
        policy_rawxml_pos_t p =
            a ? policy_doc_attr_value_pos(doc, a, off) : policy_doc_text_pos(doc, n, off);
        CHECK(pos_inside(lines, p));
        CHECK(pos_le(prev, p));
        prev = p;
    }
}

static size_t check_node(const policy_doc_t *doc, const policy_rawxml_lines_t *lines,
                         const policy_doc_node_t *n, const policy_doc_node_t *parent,
                         unsigned depth)
{
    CHECK(n->parent == parent && pos_inside(lines, n->pos));
    if (n->kind != POLICY_DOC_NODE_ELEMENT) {
        CHECK(n->kind == POLICY_DOC_NODE_TEXT || n->kind == POLICY_DOC_NODE_CDATA);
        CHECK(n->text && strlen(n->text) == n->text_len && !n->name && !n->child_count);
        check_value_positions(doc, lines, NULL, n);
        return 0;
    }
    CHECK(depth <= POLICY_DOC_MAX_DEPTH && n->name && n->name[0]);
    CHECK(n->text ? strlen(n->text) == n->text_len : n->text_len == 0);
    for (size_t i = 0; i < n->attr_count; i++) {
        const policy_doc_attr_t *a = &n->attrs[i];
        CHECK(a->name[0] && strlen(a->value) == a->value_len);
        CHECK(pos_inside(lines, a->pos) && pos_inside(lines, a->value_pos));
        CHECK(pos_le(n->pos, a->pos) && pos_le(a->pos, a->value_pos));
        CHECK(policy_doc_attr(n, a->name) == a); /* XML refuses repeated attributes */
        check_value_positions(doc, lines, a, NULL);
    }
    size_t total = 1, text = 0, elements = 0;
    const policy_doc_node_t *next = policy_doc_first_element(n, NULL);
    for (size_t i = 0; i < n->child_count; i++) {
        const policy_doc_node_t *c = &n->children[i];
        CHECK(pos_le(n->pos, c->pos));
        if (c->kind != POLICY_DOC_NODE_ELEMENT) {
            text += c->text_len;
        } else { /* navigation visits the element children in order */
            CHECK(next == c && policy_doc_is_element(c, c->name));
            CHECK(policy_doc_first_element(n, c->name) <= c);
            next = policy_doc_next_element(c, NULL);
            elements++;
        }
        total += check_node(doc, lines, c, n, depth + 1);
    }
    CHECK(next == NULL && policy_doc_element_count(n, NULL) == elements);
    CHECK(text == n->text_len);
    if (n->text_len) check_value_positions(doc, lines, NULL, n);
    return total;
}

static bool same_tree(const policy_doc_node_t *a, const policy_doc_node_t *b)
{
    if (a->kind != b->kind || a->text_len != b->text_len || a->child_count != b->child_count ||
        a->attr_count != b->attr_count)
        return false;
    if (a->text_len && memcmp(a->text, b->text, a->text_len) != 0) return false;
    if (a->kind != POLICY_DOC_NODE_ELEMENT) return a->is_expression == b->is_expression;
    if (strcmp(a->name, b->name) != 0) return false;
    for (size_t i = 0; i < a->attr_count; i++)
        if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
            a->attrs[i].value_len != b->attrs[i].value_len ||
            memcmp(a->attrs[i].value, b->attrs[i].value, a->attrs[i].value_len) != 0 ||
            a->attrs[i].is_expression != b->attrs[i].is_expression)
            return false;
    for (size_t i = 0; i < a->child_count; i++)
        if (!same_tree(&a->children[i], &b->children[i])) return false;
    return true;
}

static int check_load(const char *src, size_t size, policy_doc_type_t type, policy_doc_t **out)
{
    policy_doc_error_t err;
    int rc = policy_doc_load(src, size, type, SCOPE, out, &err);
    CHECK(rc == 0 || rc == -EINVAL || rc == -EFBIG);
    if (rc) {
        CHECK(!*out);
        policy_rawxml_lines_t lines;
        CHECK(policy_rawxml_lines_init(&lines, src, size) == 0);
        char prefix[64];
        if (rc == -EFBIG || err.line == 0) {
            CHECK(rc == -EFBIG && err.line == 0 && err.col == 0);
            snprintf(prefix, sizeof prefix, SCOPE ": ");
        } else {
            CHECK(pos_inside(&lines, (policy_rawxml_pos_t){err.line, err.col}));
            snprintf(prefix, sizeof prefix, SCOPE ":%u:%u: ", err.line, err.col);
        }
        CHECK(strncmp(err.message, prefix, strlen(prefix)) == 0);
        CHECK(err.message[strlen(prefix)] != '\0');
        policy_rawxml_lines_free(&lines);
        return rc;
    }
    const policy_doc_node_t *root = policy_doc_root(*out);
    CHECK(root && root->kind == POLICY_DOC_NODE_ELEMENT);
    CHECK(strcmp(root->name, type == POLICY_DOC_POLICY ? "policies" : "fragment") == 0);
    policy_rawxml_lines_t lines;
    CHECK(policy_rawxml_lines_init(&lines, src, size) == 0);
    check_node(*out, &lines, root, NULL, 1);
    policy_rawxml_lines_free(&lines);
    size_t len;
    CHECK(policy_doc_source(*out, &len) && len == size);
    CHECK(strcmp(policy_doc_scope(*out), SCOPE) == 0 && policy_doc_type(*out) == type);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    policy_rawxml_t *rx = check_escape(src, size);

    policy_doc_t *as_policy = NULL, *as_fragment = NULL;
    int rc_policy = check_load(src, size, POLICY_DOC_POLICY, &as_policy);
    int rc_fragment = check_load(src, size, POLICY_DOC_FRAGMENT, &as_fragment);
    CHECK(!(rc_policy == 0 && rc_fragment == 0));
    if (!rx) CHECK(rc_policy != 0 && rc_fragment != 0); /* a pre-pass error refuses both */

    policy_doc_t *loaded = as_policy ? as_policy : as_fragment;
    if (loaded && rx->len <= POLICY_DOC_MAX_POLICY_BYTES) {
        policy_doc_t *escaped = NULL;
        CHECK(check_load(rx->text, rx->len, policy_doc_type(loaded), &escaped) == 0);
        CHECK(same_tree(policy_doc_root(loaded), policy_doc_root(escaped)));
        policy_doc_free(escaped);
    }
    policy_doc_free(as_policy);
    policy_doc_free(as_fragment);
    policy_rawxml_free(rx);
    return 0;
}
