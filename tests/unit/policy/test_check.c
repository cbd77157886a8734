/* Unit tests for src/policy/check.c: one document or fragment checked on its own. */
#include "policy/check.h"

#include <criterion/criterion.h>
#include <string.h>

static int check(const char *text, policy_check_result_t *res, policy_doc_error_t *err)
{
    return policy_check_text(text, strlen(text), "t.xml", res, err);
}

Test(policy_check, policy_composes_under_the_default_global)
{
    policy_check_result_t res;
    policy_doc_error_t err;
    int rc = check("<policies><inbound><base/><set-header name=\"a\" exists-action=\"delete\"/>"
                   "</inbound><backend><base/></backend><outbound/></policies>",
                   &res, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert_not(res.is_fragment);
    cr_assert_eq(res.statements[POLICY_SECTION_INBOUND], 1);
    cr_assert_eq(res.statements[POLICY_SECTION_BACKEND], 1); /* forward-request from global */
    cr_assert_eq(res.statements[POLICY_SECTION_OUTBOUND], 0);
}

Test(policy_check, errors_carry_the_file_name_and_position)
{
    policy_check_result_t res;
    policy_doc_error_t err;
    int rc = check("<policies>\n<inbound>\n  <rewrite-uri/>\n</inbound>\n</policies>", &res, &err);
    cr_assert_lt(rc, 0);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 3);
    cr_assert(strncmp(err.message, "t.xml:3:3: ", 11) == 0, "%s", err.message);
}

Test(policy_check, named_values_and_fragments_become_placeholders)
{
    policy_check_result_t res;
    policy_doc_error_t err;
    int rc = check("<policies><inbound><include-fragment fragment-id=\"auth\"/>"
                   "<set-backend-service base-url=\"{{backend-url}}\"/>"
                   "<set-header name=\"x\" exists-action=\"override\"><value>{{secret}}</value>"
                   "</set-header></inbound></policies>",
                   &res, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert_eq(res.named_value_refs, 2);
    cr_assert_eq(res.fragment_refs, 1);
}

Test(policy_check, a_fragment_is_checked_where_it_fits)
{
    policy_check_result_t res;
    policy_doc_error_t err;
    /* cache-store is outbound only: the fragment fits the outbound section. */
    int rc = check("<fragment><cache-store duration=\"10\"/></fragment>", &res, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert(res.is_fragment);
    cr_assert_eq(res.fragment_section, POLICY_SECTION_OUTBOUND);
    cr_assert_eq(res.statements[POLICY_SECTION_OUTBOUND], 1);

    rc = check("<fragment><no-such-policy/></fragment>", &res, &err);
    cr_assert_lt(rc, 0);
    cr_assert_not_null(strstr(err.message, "no-such-policy"), "%s", err.message);
}
