/* gateway_policies: the snapshot's policy documents, fragments and named values compiled
 * into one executable program per operation (config_policy.c). Internal to the snapshot
 * compiler: gateway_config_compile calls it, config_free frees what it made. */
#ifndef MERIDIAN_GATEWAY_CONFIG_POLICY_H
#define MERIDIAN_GATEWAY_CONFIG_POLICY_H

#include "gateway/config_internal.h"

/* Loads and compiles the policies of `root` into cfg->policies, setting each operation's
 * `policy` (NULL when no document applies to it). 0, or -1 with the error reported through
 * `c` ("source:line:col: api 'orders' policy:3:5: message (at policies.apis.orders)"). */
int gateway_policies_compile(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg);
void gateway_policies_free(gw_policies_t *p);
/* The URL configured in the snapshot's `endpoints` for a §2.7 service and name, or NULL. */
const char *gateway_policies_endpoint(const gw_policies_t *p, const char *service, const char *name);

#endif
