/* fdlimit (fdlimit.h). */
#include "base/fdlimit.h"

#include <errno.h>
#include <sys/resource.h>

long fdlimit_raise(long cap)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -errno;
    rlim_t want = rl.rlim_max;
    if (want == RLIM_INFINITY || (cap > 0 && want > (rlim_t)cap)) want = (rlim_t)cap;
    if (want > rl.rlim_cur) {
        struct rlimit raised = {.rlim_cur = want, .rlim_max = rl.rlim_max};
        /* Refused (e.g. above fs.nr_open): the old limit stays, which is what we report. */
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = want;
    }
    return rl.rlim_cur == RLIM_INFINITY ? cap : (long)rl.rlim_cur;
}
