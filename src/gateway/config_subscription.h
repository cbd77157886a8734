/* The snapshot's products, users and subscriptions (docs/snapshot.md, docs/subscriptions.md)
 * compiled into the configuration: gw_product_t (and each API's list of the products that
 * hold it), gw_user_t, gw_subscription_t, and the key table (subscription.h). Internal to the
 * snapshot compiler: gateway_config_compile runs it after the APIs, config_free frees it. */
#ifndef MERIDIAN_GATEWAY_CONFIG_SUBSCRIPTION_H
#define MERIDIAN_GATEWAY_CONFIG_SUBSCRIPTION_H

#include "gateway/config_internal.h"

/* 0, or -1 with the error reported through `c` ("source:line:col: message (at path)"). */
int gateway_subscriptions_compile(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg);
void gateway_subscriptions_free(gateway_config_t *cfg);

#endif
