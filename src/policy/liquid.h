/* liquid: the Liquid template engine of `set-body template="liquid"` (spec/apim-gateway.md
 * §2.3). A template is compiled once, when the configuration is compiled, into a node list
 * (STYLE.md habit 6); liquid_render runs it per request against a model.
 *
 * The model is a jansson object whose members are the template's root names: "context"
 * (Request.{Url, Method, OriginalUrl, Headers, ...}, Response..., Variables) and "body" (the
 * JSON body, or an XML body converted by jsonxml_xml_to_liquid). Member lookup is exact, then
 * ASCII case-insensitive (header names, "context.request.url" in Ruby-style templates). An
 * object with a string member "ToString" renders as that text (IUrl: the URL); other
 * objects render as compact JSON, arrays as their items one after the other.
 *
 * Language (the vendor's "C# mode" of DotLiquid):
 * - {{ expr | Filter: arg, arg | ... }} output; {%- -%} / {{- -}} trim white space;
 * - expressions: 'str', "str", integers, decimals, true, false, nil/null, empty, blank,
 *   ranges (a..b), paths a.b[0]["c"] with the special members size, first, last;
 * - tags: if/elsif/else/endif, unless/else/endunless, case/when (a, b or c)/else/endcase,
 *   for x in coll [limit: n] [offset: n] [reversed] / else / endfor with forloop.index,
 *   index0, rindex, rindex0, first, last, length; break, continue; assign; capture;
 *   comment; raw;
 * - conditions: == != <> < > <= >= contains, and/or (right to left, as Liquid: no
 *   parentheses);
 * - filters, PascalCase as the vendor requires, and their lower-case/snake_case forms
 *   ("UrlEncode", "urlencode", "url_encode"): Abs Append AtLeast AtMost Capitalize Compact
 *   Currency Date Default DividedBy Downcase Escape First H Join Last Lstrip Map Minus Modulo
 *   NewlineToBr Plus Prepend Remove RemoveFirst Replace ReplaceFirst Round Rstrip Size
 *   Slice Sort Split Strip StripHtml StripNewlines Times Truncate TruncateWords Uniq Upcase
 *   UrlDecode UrlEncode. Date takes a .NET custom or standard format ("yyyyMMddTHH:mm:ssZ").
 *
 * Errors: an unknown tag or filter, a wrong argument count, an unclosed block or markup are
 * compile errors with the byte offset and line:col in the template text. Rendering is
 * lenient as Liquid is (an unknown name renders empty); its only errors are a division by
 * zero, the step budget (LIQUID_MAX_STEPS: no runaway loop), the output limit and memory.
 *
 * Threads: a compiled template is immutable and may be rendered by any number of threads. */
#ifndef MERIDIAN_POLICY_LIQUID_H
#define MERIDIAN_POLICY_LIQUID_H

#include "base/arena.h"
#include "base/buf.h"

#include <jansson.h>
#include <stddef.h>

#define LIQUID_MAX_STEPS 1000000u              /* node visits and loop iterations per render */
#define LIQUID_MAX_OUTPUT (16u * 1024 * 1024) /* bytes one render may produce */
#define LIQUID_MAX_DEPTH 64                    /* block nesting at compile time */

typedef struct liquid_template liquid_template_t;

typedef struct {
    size_t offset;      /* byte offset in the template text */
    unsigned line, col; /* 1-based, in the template text; col counts bytes */
    char message[256];  /* "unknown filter 'Foo'" (no position prefix) */
} liquid_error_t;

/* Compiles text[0, len) (need not be NUL-terminated; the template keeps its own copy).
 * 0 with *out, -EINVAL with *err, or -ENOMEM. */
int liquid_compile(const char *text, size_t len, liquid_template_t **out, liquid_error_t *err);
/* Same, with the template and everything it holds allocated in `arena` (a compiled
 * configuration's): it lives as long as the arena and is not freed with liquid_free. */
int liquid_compile_in(arena_t *arena, const char *text, size_t len, liquid_template_t **out,
                      liquid_error_t *err);
/* Frees a template of liquid_compile (NULL and arena templates: nothing to do). */
void liquid_free(liquid_template_t *tpl);

/* Renders against `model` (a JSON object, borrowed; not modified), appending to `out`.
 * 0, -EINVAL (a render error, *err filled: division by zero, step budget), -E2BIG (output
 * limit) or -ENOMEM. `now` is the time "now"/"today" mean to the Date filter (Unix seconds). */
int liquid_render(const liquid_template_t *tpl, json_t *model, long long now, buf_t *out,
                  liquid_error_t *err);

#endif
