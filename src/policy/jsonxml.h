/* jsonxml: the body conversions of json-to-xml and xml-to-json (spec/apim-gateway.md §2.3),
 * and the XML → model step of set-body template="liquid". Pure functions over bytes: no
 * policy state, safe from any thread once libxml2 is initialised (xmlInitParser).
 *
 * JSON → XML (json-to-xml) [I where the vendor is silent; docs/policies.md lists them]:
 * - an object with exactly one property whose value is not an array becomes that element;
 *   anything else is wrapped in <Document> (a top-level array's items are <Array> elements);
 * - a property is an element of its name; an array value repeats the element once per item;
 *   null and {} are empty elements; true/false/numbers are their JSON text;
 * - names that are not XML names are encoded as .NET's XmlConvert does (_xHHHH_);
 * - namespace-prefix (usually "xmlns"): a property named that prefix declares the default
 *   namespace, one named prefix + separator + p declares p; a name p + separator + local
 *   whose p is declared in scope becomes the qualified name p:local (so the default
 *   separator '_' leaves "first_name" alone unless "first" is a declared prefix);
 * - attribute-block-name: the properties of that object become attributes of the element;
 * - parse-date: strings holding an ISO 8601 date or /Date(ms)/ are written in the round-trip
 *   form yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±hh:mm] (as Newtonsoft's DateTime); false: verbatim.
 * Output: UTF-8, no XML declaration, no indentation.
 *
 * XML → JSON (xml-to-json), Newtonsoft's SerializeXmlNode conventions:
 * - direct: {"root": ...}; attributes (namespace declarations too) are "@name"; an element
 *   with only text is its text; an empty element is null; text beside attributes or child
 *   elements is "#text"; repeated children form an array; names as written (p:local); a
 *   leading XML declaration becomes "?xml": {"@version", "@encoding", "@standalone"};
 * - javascript-friendly: local names without prefixes, attributes as plain properties,
 *   namespace declarations and xsi:nil dropped, xsi:nil="true" elements null;
 * - always-array-child-elements: every child element becomes an array, even a single one.
 * All values are strings (XML has no types). Comments and processing instructions are dropped.
 * The XML parser reads no DTD, expands no entity and opens no network resource. */
#ifndef MERIDIAN_POLICY_JSONXML_H
#define MERIDIAN_POLICY_JSONXML_H

#include "base/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JSONXML_MAX_DEPTH 256 /* nesting of either input: deeper is refused */

typedef struct {
    char namespace_separator;     /* '_' by default */
    const char *namespace_prefix; /* NULL: no namespace declarations */
    const char *attribute_block;  /* NULL: no attribute block */
    bool parse_date;
} jsonxml_to_xml_options_t;

typedef enum {
    JSONXML_DIRECT,
    JSONXML_JAVASCRIPT_FRIENDLY,
} jsonxml_kind_t;

typedef enum {
    JSONXML_NIL_KEEP,  /* xml-to-json direct: xsi:nil is an ordinary attribute */
    JSONXML_NIL_NULL,  /* xsi:nil="true" elements are null */
    JSONXML_NIL_BLANK, /* ... are "" (set-body xsi-nil="blank") */
} jsonxml_nil_t;

typedef struct {
    jsonxml_kind_t kind;
    bool always_array;
    jsonxml_nil_t nil; /* javascript-friendly: NULL unless BLANK is asked for */
} jsonxml_to_json_options_t;

/* Converts a JSON text to XML appended to `out`. 0; -EINVAL when the input is not JSON or
 * nests deeper than JSONXML_MAX_DEPTH (a reason in why[why_size]); -ENOMEM. */
int jsonxml_json_to_xml(const char *json, size_t len, const jsonxml_to_xml_options_t *opts,
                        buf_t *out, char *why, size_t why_size);

/* Converts an XML document to a JSON value (a new reference in *out). 0, -EINVAL (not
 * well-formed XML, too deep; why filled) or -ENOMEM. */
int jsonxml_xml_to_value(const char *xml, size_t len, const jsonxml_to_json_options_t *opts,
                         json_t **out, char *why, size_t why_size);
/* Same, serialized as compact JSON appended to `out`. */
int jsonxml_xml_to_json(const char *xml, size_t len, const jsonxml_to_json_options_t *opts,
                        buf_t *out, char *why, size_t why_size);

/* Media types (the type/subtype of a Content-Type or an Accept item, parameters ignored,
 * case-insensitive): application/json, text/json, anything +json; application/xml,
 * text/xml, anything +xml (spec §2.3 set-body). */
bool jsonxml_is_json_type(const char *media_type, size_t len);
bool jsonxml_is_xml_type(const char *media_type, size_t len);
/* true when an Accept header value lists a JSON (is_json) or XML media type. */
bool jsonxml_accept_asks_for(const char *accept, size_t len, bool is_json);

#endif
