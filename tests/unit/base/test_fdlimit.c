/* fdlimit: the soft open-file limit is raised to the hard one, capped, never lowered.
 * (Criterion runs each test in its own process, so the limits set here do not leak.) */
#include "base/fdlimit.h"

#include <criterion/criterion.h>
#include <sys/resource.h>

static void set_limits(rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static rlim_t soft_limit(void)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    return rl.rlim_cur;
}

Test(fdlimit, soft_is_raised_to_hard)
{
    set_limits(64, 256);
    cr_assert_eq(fdlimit_raise(1 << 20), 256);
    cr_assert_eq(soft_limit(), 256);
}

Test(fdlimit, cap_applies)
{
    set_limits(64, 256);
    cr_assert_eq(fdlimit_raise(128), 128);
    cr_assert_eq(soft_limit(), 128);
}

Test(fdlimit, never_lowers)
{
    set_limits(200, 256);
    cr_assert_eq(fdlimit_raise(100), 200);
    cr_assert_eq(soft_limit(), 200);
}
