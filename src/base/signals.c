#include "base/signals.h"

#include <time.h>

int signals_wait(const sigset_t *set, int64_t timeout_ms)
{
    siginfo_t info;
    if (timeout_ms < 0) return sigwaitinfo(set, &info);
    struct timespec ts = {.tv_sec = (time_t)(timeout_ms / 1000),
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    return sigtimedwait(set, &info, &ts);
}
