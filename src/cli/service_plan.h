/* service_plan: what `meridian apply` must do to make the server hold a service document.
 *
 * Rules (docs/service-file.md "How apply decides"):
 * - a resource in the file and not on the server is created;
 * - one on both is updated when a property the file gives differs from the server's
 *   (properties the file leaves out are not managed; a policy compares its text; links
 *   have nothing to update). Secret values (a secret named value's value, subscription
 *   keys) are compared only when both sides have them;
 * - one on the server and not in the file is deleted, but only in sections the file has
 *   (a file without `users` leaves users alone) — within a resource that the file has,
 *   inline children (operations, policies, product APIs, group members) are all managed;
 *   the operations and policies of an API that is deleted go with it (the server cascades);
 * - creates and updates run in dependency order (service_model.h), deletes after them in
 *   reverse order, so a named value is created before the policy that uses it and deleted
 *   after the policy that stopped using it.
 *
 * Pure: no I/O. */
#ifndef MERIDIAN_CLI_SERVICE_PLAN_H
#define MERIDIAN_CLI_SERVICE_PLAN_H

#include "cli/service_model.h"

#include <stdio.h>

typedef enum { PLAN_CREATE, PLAN_UPDATE, PLAN_DELETE } plan_action_t;

typedef struct {
    plan_action_t action;
    svc_kind_t kind;
    char *path;      /* REST path under {svc} */
    char *label;     /* "api echo" */
    json_t *body;    /* create: the properties; update: the properties that change (a policy:
                        {format, value}); delete and links: NULL */
    json_t *before;  /* update and delete: the server's properties the plan was made from
                        (NULL for links), to detect a change made since */
    json_t *changed; /* update: array of the changed property names, for display */
    size_t cascaded; /* delete of an API: how many children go with it */
} plan_step_t;

typedef struct {
    plan_step_t *steps;
    size_t count;
    size_t creates, updates, deletes;
} plan_t;

/* Computes the plan from the desired and the current document. Returns 0, or -1 when out
 * of memory. */
int plan_compute(const json_t *desired, const json_t *current, plan_t *plan);
void plan_free(plan_t *plan);

/* Prints "Plan: N to create, N to update, N to delete." and one line per step:
 *   create  api echo
 *   update  api orders (serviceUrl, description)
 *   delete  product old
 * Secret values are never printed (only the names of what changes). */
void plan_print(const plan_t *plan, FILE *out);

/* "create", "update", "delete". */
const char *plan_action_name(plan_action_t action);

#endif
