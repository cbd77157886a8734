/* http_cookie_value: one cookie out of a Cookie header (RFC 6265 §5.4). */
#include "http/cookie.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *get(const char *header, const char *name, size_t size)
{
    static char out[64];
    memset(out, 'x', sizeof out);
    if (!http_cookie_value(slice_make(header, strlen(header)), name, out, size)) {
        cr_assert_str_eq(out, "", "a miss leaves \"\"");
        return NULL;
    }
    return out;
}

Test(http_cookie, finds_the_named_cookie)
{
    cr_assert_str_eq(get("a=1; sid=abc; b=2", "sid", 64), "abc");
    cr_assert_str_eq(get("sid=first;sid=second", "sid", 64), "first");
    cr_assert_str_eq(get("sid=abc  ", "sid", 64), "abc"); /* trailing spaces dropped */
    cr_assert_str_eq(get(";; sid=v", "sid", 64), "v");
}

Test(http_cookie, misses)
{
    cr_assert_null(get("", "sid", 64));
    cr_assert_null(get("xsid=1; sidx=2", "sid", 64)); /* whole names only */
    cr_assert_null(get("sid=", "sid", 64));            /* empty */
    cr_assert_null(get("sid", "sid", 64));             /* no value at all */
    cr_assert_null(get("sid=0123456789", "sid", 10));  /* does not fit */
    cr_assert_str_eq(get("sid=012345678", "sid", 10), "012345678");
}
