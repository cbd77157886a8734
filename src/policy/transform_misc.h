/* policy_transform_misc: compile and run functions of two transformation policies
 * (spec/apim-gateway.md §2.3) whose descriptors are in policies_transform.c:
 *
 * cross-domain (inbound): its content is one or two policy documents written as markup — a
 * Flash <cross-domain-policy> (served at /crossdomain.xml) and/or a Silverlight
 * <access-policy> (served at /clientaccesspolicy.xml). A GET or HEAD for one of those files
 * (at the root, or directly under the API path) is answered by the gateway: 200, Content-Type
 * text/xml, the document; the backend is not called and the rest of the pipeline is skipped
 * (as return-response). Any other request passes through. The documents are written back as
 * XML text once, at compile time.
 *
 * redirect-content-urls (inbound, outbound): rewrites URLs in the body of the edited message.
 * Outbound: occurrences of the backend base URL (exec->request.url without the operation path
 * and query) become the gateway's URL for the API (the original request's scheme://host[:port]
 * + "/" + API path). Inbound: the reverse, in the request body. Headers (Location...) are not
 * touched (vendor doc, §2.3 [D]). A match must end at a URL boundary ("https://b.example/api"
 * does not rewrite "https://b.example/apix" or "https://b.example.evil"); scheme and host
 * compare case-insensitively. Bodies that are encoded (Content-Encoding other than identity)
 * or not text (by Content-Type) are left alone. Sets POLICY_NEEDS_*_BODY at compile time. */
#ifndef MERIDIAN_POLICY_TRANSFORM_MISC_H
#define MERIDIAN_POLICY_TRANSFORM_MISC_H

#include "policy/exec.h"

int policy_cross_domain_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err);
int policy_cross_domain_run(policy_exec_t *exec, const policy_step_t *step);

int policy_redirect_content_urls_compile(policy_compile_ctx_t *cc,
                                         const policy_doc_node_t *element, const void **data,
                                         policy_doc_error_t *err);
int policy_redirect_content_urls_run(policy_exec_t *exec, const policy_step_t *step);

/* Replaces every occurrence of `from` in text[0, len) that ends at a URL boundary (the next
 * byte cannot continue a host or path segment) by `to`; the first `ci_len` bytes of `from`
 * (scheme://authority) compare case-insensitively. *out in `arena` (NUL-terminated), *out_len;
 * returns the number of replacements, or -ENOMEM. Exposed for tests. */
long policy_redirect_urls_replace(arena_t *arena, const char *text, size_t len, const char *from,
                                  size_t from_len, size_t ci_len, const char *to, size_t to_len,
                                  const char **out, size_t *out_len);

#endif
