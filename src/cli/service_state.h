/* service_state: reads what the management server holds into a service document
 * (service_model.h), the shape `meridian export` writes and `meridian apply` compares
 * against. Every section is present (empty ones as {}), a missing global policy is
 * `"policy": null`, so the document describes the whole service. */
#ifndef MERIDIAN_CLI_SERVICE_STATE_H
#define MERIDIAN_CLI_SERVICE_STATE_H

#include "cli/mgmt_client.h"

#include <stdbool.h>

/* GETs every resource (lists followed page by page, policies in rawxml). With
 * `with_secrets`, secret named values and subscription keys are fetched too (listValue,
 * listSecrets); otherwise they are left out. Returns 0 with *doc, or CLI_EXIT_FAILURE
 * after printing the server's or the transport's error. */
int svc_state_read(mgmt_client_t *client, bool with_secrets, json_t **doc);

/* GETs one resource the way svc_state_read reads it (properties normalized; a policy as
 * {"format":"rawxml","value":TEXT}), for apply's check that nothing changed since the
 * plan. *props is NULL when it does not exist (404). *etag receives the ETag (malloc'd,
 * may be NULL). Returns 0 or CLI_EXIT_FAILURE after printing. */
int svc_state_fetch(mgmt_client_t *client, int kind, const char *path, json_t **props, char **etag);

#endif
