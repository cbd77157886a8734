/* base/errtext: formatting into an optional caller buffer. */
#include "base/errtext.h"

#include <criterion/criterion.h>
#include <string.h>

Test(errtext, formats_into_the_buffer)
{
    char why[64] = "old";
    errtext_set(why, sizeof why, "'%s' is not an IP address (%d)", "10.0.0", 3);
    cr_assert_str_eq(why, "'10.0.0' is not an IP address (3)");
}

Test(errtext, cuts_to_fit_and_terminates)
{
    char why[8];
    memset(why, 'x', sizeof why);
    errtext_set(why, sizeof why, "%s", "a message longer than the buffer");
    cr_assert_str_eq(why, "a messa");
}

Test(errtext, no_buffer_is_left_alone)
{
    errtext_set(NULL, 64, "%s", "ignored");
    char why[4] = "abc";
    errtext_set(why, 0, "%s", "ignored");
    cr_assert_str_eq(why, "abc");
}
