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
    /* Every id but OTHER, from its name: the enum's order is the names' order here. */
    static const char *const names[] = {"GET",   "HEAD",    "POST",  "PUT",    "DELETE",
                                        "PATCH", "OPTIONS", "TRACE", "CONNECT"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_eq(id_of(names[i]), (http_method_t)(HTTP_METHOD_GET + i), "%s", names[i]);
    cr_assert_eq(HTTP_METHOD_CONNECT, HTTP_METHOD_GET + 8, "a new method needs a name here");
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
