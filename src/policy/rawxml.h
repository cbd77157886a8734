/* rawxml: the pre-pass that turns a policy document as users write it (the vendor's
 * "rawxml" format: expressions with unescaped `"`, `<`, `>`, `&`) into well-formed XML,
 * spec/apim-gateway.md §0.
 *
 * Wherever an attribute value starts with `@(` or `@{`, or an element's text starts with
 * them after optional whitespace, the pre-pass scans C# to the matching `)` or `}` and
 * escapes that span: `"` → &quot;, `'` → &apos;, `<` → &lt;, `>` → &gt;, `&` → &amp;
 * unless it already starts a valid entity (&amp; &lt; &gt; &quot; &apos; &#N; &#xH; naming
 * an XML character). The scan honours C# string literals ("..." with `\` escapes, verbatim
 * @"..." with "", interpolated $"..." and $@"..." / @$"..." with {holes} holding code,
 * nested strings and format specifiers), character literals, comments (// to the end of
 * the line, and block comments) and nested (), [], {}.
 *
 * The scan only looks for the span; the expression compiler checks the C# later. A closing
 * bracket that does not match the innermost open one closes the nearest one it matches
 * (and everything opened after it); one that matches nothing open is skipped.
 *
 * Entities already present are read as the character they stand for, so a document that
 * is well-formed already comes out meaning the same. An expression attribute ends where
 * the expression's closing bracket says (a `"` inside the expression does not end a
 * "-delimited attribute), then at the next delimiter.
 *
 * Everything else is copied unchanged: markup, literal text and attribute values, CDATA
 * sections, processing instructions, `{{named-value}}` references. Two more rules:
 * - a comment may contain "--" (XML forbids it; public policies do it): each '-' followed by
 *   '-' or by the comment's end gets a space after it. Comments carry no meaning.
 * - a DOCTYPE (or any other <!...> declaration) is refused: no DTD, so no entity expansion
 *   and no external entities (XXE) can ever reach the XML parser.
 *
 * Lines and columns are 1-based. Columns count characters (UTF-8 code points, a tab is
 * one); a line ends at LF, CRLF or a lone CR, as in XML (XML 1.0 §2.11). A UTF-8 byte-order
 * mark at the start is not counted. The escaped text keeps every line break of the
 * original in place (escapes only widen a line), so line numbers agree between the two.
 *
 * While scanning, the pre-pass records the markup it saw (elements, attributes, text runs,
 * CDATA sections) with their places in the original text: document.c pairs them with the
 * XML parser's tree to give every node its original line and column. */
#ifndef MERIDIAN_POLICY_RAWXML_H
#define MERIDIAN_POLICY_RAWXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Brackets, strings and interpolation holes an expression may nest (a guard for the
 * scanner, far above anything a person writes). */
#define POLICY_RAWXML_MAX_NESTING 256
/* Largest input accepted (offsets are kept in 32 bits); policy documents are far smaller
 * (spec §1.1), this only bounds direct callers. */
#define POLICY_RAWXML_MAX_INPUT (64u * 1024 * 1024)

typedef struct {
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based, in characters */
} policy_rawxml_pos_t;

/* Line index of a text: byte offset → line:col. Borrows `src`. */
typedef struct {
    const char *src;
    size_t len;
    size_t *line_starts; /* offset of each line's first byte */
    size_t line_count;   /* >= 1 */
    size_t bom_len;      /* 3 when the text starts with a UTF-8 BOM, else 0 */
} policy_rawxml_lines_t;

/* 0 or -ENOMEM. */
int policy_rawxml_lines_init(policy_rawxml_lines_t *lines, const char *src, size_t len);
void policy_rawxml_lines_free(policy_rawxml_lines_t *lines);
/* Position of byte `offset` (clamped to len; len itself is just past the last character;
 * the LF of a CRLF is where its CR is). */
policy_rawxml_pos_t policy_rawxml_lines_position(const policy_rawxml_lines_t *lines, size_t offset);
/* Number of characters on line `line` (1-based), line break excluded; 0 for a line that
 * does not exist. A position is inside the text when its col <= this + 1. */
size_t policy_rawxml_lines_width(const policy_rawxml_lines_t *lines, unsigned line);

typedef enum {
    POLICY_RAWXML_ELEMENT = 1, /* a start tag or empty-element tag */
    POLICY_RAWXML_ATTRIBUTE,   /* an attribute of the element marked just before */
    POLICY_RAWXML_TEXT,        /* a run of character data inside the root element */
    POLICY_RAWXML_CDATA,       /* a CDATA section inside the root element */
} policy_rawxml_mark_kind_t;

/* One piece of markup, in document order. Offsets are into the original text. */
typedef struct {
    policy_rawxml_mark_kind_t kind;
    bool is_expression;    /* attribute value or text that starts with @( or @{ */
    bool continues_cdata;  /* CDATA section right after another one (XML parsers join them) */
    uint32_t offset;       /* element: its '<'; attribute: its name; text, CDATA: value_offset */
    uint32_t name_len;     /* element: name at offset + 1; attribute: name at offset */
    uint32_t value_offset; /* attribute: after the opening quote; text, CDATA: first byte;
                              element: = offset */
    uint32_t value_end;    /* attribute: the closing quote; text: the next '<'; CDATA: "]]>";
                              element: = offset */
} policy_rawxml_mark_t;

typedef struct policy_rawxml_anchor policy_rawxml_anchor_t;

/* Result of the pre-pass. Owns everything but `src`, which must outlive it. */
typedef struct {
    char *text; /* the escaped document, NUL-terminated */
    size_t len;
    const policy_rawxml_mark_t *marks;
    size_t mark_count;
    /* false when the pre-pass met markup it does not understand (a '<' that starts no
     * tag, an unclosed tag...): from there on the text is copied as it is and nothing is
     * marked. The XML parser then refuses the document at that place. */
    bool is_complete;
    policy_rawxml_lines_t lines; /* of the original text */
    /* private */
    policy_rawxml_anchor_t *anchors_;
    size_t anchor_count_;
} policy_rawxml_t;

typedef struct {
    size_t offset; /* in the original text */
    policy_rawxml_pos_t pos;
    char message[192]; /* without position */
} policy_rawxml_error_t;

/* Runs the pre-pass over `src` (UTF-8). `max_depth` bounds element nesting (the root is
 * depth 1; 0 = no bound). Returns 0 and sets *out (free with policy_rawxml_free), or:
 * -EINVAL with *err set: an expression, string, character literal, comment in code,
 *         XML comment, CDATA section or processing instruction is not closed; nesting
 *         passes max_depth or POLICY_RAWXML_MAX_NESTING; a DOCTYPE or other declaration;
 * -EFBIG  input over POLICY_RAWXML_MAX_INPUT (err->message set, err->pos 0:0);
 * -ENOMEM (err->message set). */
int policy_rawxml_escape(const char *src, size_t len, unsigned max_depth, policy_rawxml_t **out,
                         policy_rawxml_error_t *err);
void policy_rawxml_free(policy_rawxml_t *rx);

/* Offset in the original text of the byte at `escaped_offset` in rx->text (a byte inside an
 * inserted escape maps to the character it replaced; offsets past the end map past the end). */
size_t policy_rawxml_source_offset(const policy_rawxml_t *rx, size_t escaped_offset);

/* Length of the valid XML entity reference at s[0..n) — &amp; &lt; &gt; &quot; &apos;
 * &#N; &#xH; where N/H name a character XML allows — or 0. Sets *codepoint when non-zero. */
size_t policy_rawxml_entity_len(const char *s, size_t n, uint32_t *codepoint);

#endif
