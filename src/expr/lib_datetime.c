/* lib_datetime: DateTime, TimeSpan, DateTimeKind, Guid.
 * Contract: value.h. Members are added here, one table per class. */
#include "expr/value.h"

const expr_class_t expr_class_datetime = {
    .name = "DateTime",
    .full_name = "System.DateTime",
    .tag = EXPR_V_DATETIME,
    .is_nameable = true,
};

const expr_class_t expr_class_timespan = {
    .name = "TimeSpan",
    .full_name = "System.TimeSpan",
    .tag = EXPR_V_TIMESPAN,
    .is_nameable = true,
};

const expr_class_t expr_class_guid = {
    .name = "Guid",
    .full_name = "System.Guid",
    .tag = EXPR_V_GUID,
    .is_nameable = true,
};

const expr_class_t *const expr_lib_datetime_classes[] = {&expr_class_datetime, &expr_class_timespan, &expr_class_guid, NULL};
