/* demo: the default configuration that `meridian run` serves, embedded in the binary.
 *
 * The Makefile generates the definitions from examples/demo/snapshot.json with
 * scripts/embed, so the demo works from the binary alone, with no file to find at run
 * time. The array holds the file's bytes followed by a NUL; the length excludes the NUL. */
#ifndef MERIDIAN_DEPLOY_DEMO_H
#define MERIDIAN_DEPLOY_DEMO_H

#include <stddef.h>

extern const char demo_snapshot_json[];
extern const size_t demo_snapshot_json_len;

#endif
