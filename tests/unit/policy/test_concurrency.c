/* The limit-concurrency counter table (src/policy/concurrency.h). */
#include "policy/concurrency.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>

Test(concurrency, slots_are_taken_up_to_max_count_and_given_back)
{
    cr_assert_eq(policy_concurrency_acquire("k", 1, 2), 0);
    cr_assert_eq(policy_concurrency_acquire("k", 1, 2), 0);
    cr_assert_eq(policy_concurrency_acquire("k", 1, 2), -EBUSY);
    cr_assert_eq(policy_concurrency_count("k", 1), 2);
    cr_assert_eq(policy_concurrency_acquire("other", 5, 1), 0, "keys count apart");
    policy_concurrency_release("k", 1);
    cr_assert_eq(policy_concurrency_count("k", 1), 1);
    cr_assert_eq(policy_concurrency_acquire("k", 1, 2), 0);
    policy_concurrency_release("k", 1);
    policy_concurrency_release("k", 1);
    cr_assert_eq(policy_concurrency_count("k", 1), 0);
    policy_concurrency_release("k", 1); /* nothing held: ignored */
    cr_assert_eq(policy_concurrency_count("k", 1), 0);
    cr_assert_eq(policy_concurrency_acquire("k", 1, 1), 0, "no slot was lost or invented");
    policy_concurrency_release("k", 1);
    policy_concurrency_release("other", 5);
    cr_assert_eq(policy_concurrency_acquire("zero", 4, 0), -EBUSY);
    cr_assert_eq(policy_concurrency_count("zero", 4), 0);
}

static void *churn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++)
        if (policy_concurrency_acquire("shared", 6, 1000000) == 0) policy_concurrency_release("shared", 6);
    return NULL;
}

Test(concurrency, threads_leave_the_count_at_zero)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    cr_assert_eq(policy_concurrency_count("shared", 6), 0);
}
