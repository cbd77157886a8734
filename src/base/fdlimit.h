/* fdlimit: the process's open-file limit. Every client connection of a gateway unit or of
 * the router's edge is a file descriptor, and so is every backend connection; distributions
 * start services with a soft RLIMIT_NOFILE of 1024 under a far higher hard limit, which
 * would cap a unit at about a thousand connections (docs/reliability.md, "Exhaustion"). */
#ifndef MERIDIAN_BASE_FDLIMIT_H
#define MERIDIAN_BASE_FDLIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard limit (capped at `cap` when the hard limit is
 * unlimited or higher than the kernel's nr_open would accept). Returns the soft limit in
 * force afterwards, or a negative errno when it cannot be read. Never lowers it. */
long fdlimit_raise(long cap);

#endif
