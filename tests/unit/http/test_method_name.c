/* http_method_from_name (http/parser.h): the method ids of names from a configuration or a
 * policy, the same as the parser gives a request line's method. */
#include "http/parser.h"

#include <criterion/criterion.h>
#include <string.h>

static http_method_t id_of(const char *name)
{
    return http_method_from_name(name, strlen(name));
}

Test(method_name, known_methods)
{
    cr_assert_eq(id_of("GET"), HTTP_METHOD_GET);
    cr_assert_eq(id_of("HEAD"), HTTP_METHOD_HEAD);
    cr_assert_eq(id_of("POST"), HTTP_METHOD_POST);
    cr_assert_eq(id_of("PUT"), HTTP_METHOD_PUT);
    cr_assert_eq(id_of("DELETE"), HTTP_METHOD_DELETE);
    cr_assert_eq(id_of("PATCH"), HTTP_METHOD_PATCH);
    cr_assert_eq(id_of("OPTIONS"), HTTP_METHOD_OPTIONS);
    cr_assert_eq(id_of("TRACE"), HTTP_METHOD_TRACE);
    cr_assert_eq(id_of("CONNECT"), HTTP_METHOD_CONNECT);
}

Test(method_name, others_are_other)
{
    cr_assert_eq(id_of("get"), HTTP_METHOD_OTHER, "case-sensitive (RFC 9110 §9.1)");
    cr_assert_eq(id_of("PURGE"), HTTP_METHOD_OTHER);
    cr_assert_eq(id_of("*"), HTTP_METHOD_OTHER);
    cr_assert_eq(id_of(""), HTTP_METHOD_OTHER);
    cr_assert_eq(id_of("GETS"), HTTP_METHOD_OTHER, "the whole name, not a prefix");
    cr_assert_eq(http_method_from_name("GETS", 3), HTTP_METHOD_GET, "only `len` bytes are read");
}
