/* Transformation policies (spec/apim-gateway.md §2.3): headers, query, URL, method, status,
 * body and format conversions. */
#include "policy/exec_policies.h"
#include "policy/registry_tables.h"
#include "policy/transform.h"
#include "policy/transform_misc.h"

#define EXISTS_ACTION A_ENUM("exists-action", 0, "override", "override", "skip", "append", "delete")

static const policy_descriptor_t set_header = {
    .name = "set-header",
    .family = "transform",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R), EXISTS_ACTION), CHILDREN(TEXT_CHILD("value", 0, 0))},
    .compile = policy_set_header_compile,
    .run = policy_set_header_run,
};

static const policy_descriptor_t set_query_parameter = {
    .name = "set-query-parameter",
    .family = "transform",
    .sections = POLICY_IN | POLICY_BACK,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R), EXISTS_ACTION), CHILDREN(TEXT_CHILD("value", 0, 0))},
    .compile = policy_set_query_parameter_compile,
    .run = policy_set_query_parameter_run,
};

static const policy_descriptor_t rewrite_uri = {
    .name = "rewrite-uri",
    .family = "transform",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("template", R), A_BOOL("copy-unmatched-params", 0, "true"))},
    .compile = policy_rewrite_uri_compile,
    .run = policy_rewrite_uri_run,
};

static const policy_descriptor_t set_method = {
    .name = "set-method",
    .family = "transform",
    .sections = POLICY_IN | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {TEXT},
    .compile = policy_set_method_compile,
    .run = policy_set_method_run,
};

/* reason is marked required in §2.3; public documents omit it and the vendor accepts that
 * (the standard reason phrase of the code is used) [I]. */
static const policy_descriptor_t set_status = {
    .name = "set-status",
    .family = "transform",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("code", R, NULL, 100, 599), A_STR("reason", 0))},
    .compile = policy_set_status_compile,
    .run = policy_set_status_run,
};

static const policy_descriptor_t set_body = {
    .name = "set-body",
    .family = "transform",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("template", LIT, NULL, "liquid", "none"),
                      A_ENUM("xsi-nil", LIT, "blank", "blank", "null"),
                      A_BOOL("parse-date", LIT, "true")),
                ANY_CONTENT},
    .compile = policy_set_body_compile,
    .run = policy_set_body_run,
};

static const policy_descriptor_t find_and_replace = {
    .name = "find-and-replace",
    .family = "transform",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("from", R), A_STR("to", R))},
    .compile = policy_find_and_replace_compile,
    .run = policy_find_and_replace_run,
};

static const policy_descriptor_t json_to_xml = {
    .name = "json-to-xml",
    .family = "transform",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("apply", R, NULL, "always", "content-type-json"),
                      A_BOOL("consider-accept-header", 0, "true"), A_BOOL("parse-date", LIT, "true"),
                      A_STRD("namespace-separator", 0, "_"), A_STR("namespace-prefix", 0),
                      A_STR("attribute-block-name", 0))},
    .compile = policy_json_to_xml_compile,
    .run = policy_json_to_xml_run,
};

static const policy_descriptor_t xml_to_json = {
    .name = "xml-to-json",
    .family = "transform",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("kind", R, NULL, "javascript-friendly", "direct"),
                      A_ENUM("apply", R, NULL, "always", "content-type-xml"),
                      A_BOOL("consider-accept-header", 0, "true"),
                      A_BOOL("always-array-child-elements", 0, "false"))},
    .compile = policy_xml_to_json_compile,
    .run = policy_xml_to_json_run,
};

/* Once per section: the vendor's usage note. */
static const policy_descriptor_t redirect_content_urls = {
    .name = "redirect-content-urls",
    .family = "transform",
    .sections = POLICY_IN | POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {.content = POLICY_CONTENT_EMPTY},
    .compile = policy_redirect_content_urls_compile,
    .run = policy_redirect_content_urls_run,
};

/* <parameters> and the stylesheet itself: read by the policy, not checked here. Accepted,
 * but every run fails: there is no XSLT processor (transform.h, docs/policies.md). */
static const policy_descriptor_t xsl_transform = {
    .name = "xsl-transform",
    .family = "transform",
    .sections = POLICY_IN | POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ANY_CONTENT},
    .compile = policy_xsl_transform_compile,
    .run = policy_xsl_transform_run,
};

static const policy_descriptor_t jsonp = {
    .name = "jsonp",
    .family = "transform",
    .sections = POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("callback-parameter-name", R))},
    .compile = policy_jsonp_compile,
    .run = policy_jsonp_run,
};

/* Flash/Silverlight cross-domain policy: the body of crossdomain.xml (and/or
 * clientaccesspolicy.xml), kept as written (transform_misc.h). The vendor allows it at global
 * scope only; other scopes are accepted (§1.3's example places it in an API policy). */
static const policy_descriptor_t cross_domain = {
    .name = "cross-domain",
    .family = "transform",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ANY_CONTENT},
    .compile = policy_cross_domain_compile,
    .run = policy_cross_domain_run,
};

const policy_descriptor_t *const policy_family_transform[] = {
    &set_header,       &set_query_parameter, &rewrite_uri,           &set_method,
    &set_status,       &set_body,            &find_and_replace,      &json_to_xml,
    &xml_to_json,      &redirect_content_urls, &xsl_transform,       &jsonp,
    &cross_domain,     NULL,
};
