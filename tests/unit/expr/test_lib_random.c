/* System.Random (lib_random.c), through expr_compile / expr_run. */
#include "lib_test_util.h"

#include <criterion/criterion.h>
#include <stdlib.h>

TestSuite(lib_random, .init = lib_setup, .fini = lib_teardown);

Test(lib_random, next_stays_in_its_range)
{
    /* 200 draws, each checked inside the expression: a value out of range fails it. */
    EXPECT("@{ var r = new Random(); for (var i = 0; i < 200; i++) { var n = r.Next(3, 7);"
           " if (n < 3 || n >= 7) return \"out: \" + n; } return \"ok\"; }",
           "ok");
    EXPECT("@{ var r = new Random(); for (var i = 0; i < 200; i++) { var d = r.NextDouble();"
           " if (d < 0 || d >= 1) return \"out\"; } return \"ok\"; }",
           "ok");
    EXPECT("@(new Random().Next(5, 5))", "5");
    EXPECT("@(new Random().Next(0) == 0)", "True");
    EXPECT("@(new Random().Next() >= 0)", "True");
    EXPECT("@(new System.Random().NextInt64(10L) < 10L)", "True");
}

Test(lib_random, covers_every_value_of_a_small_range)
{
    EXPECT("@{ var r = new Random(); int a = 0, b = 0, c = 0; for (var i = 0; i < 300; i++)"
           " { var n = r.Next(0, 3); if (n == 0) a++; else if (n == 1) b++; else c++; }"
           " return a > 0 && b > 0 && c > 0; }",
           "True");
}

Test(lib_random, a_seed_repeats_its_sequence)
{
    EXPECT("@{ var a = new Random(42); var b = new Random(42); for (var i = 0; i < 20; i++)"
           " if (a.Next() != b.Next()) return false; return true; }",
           "True");
    EXPECT("@(new Random(1).Next() != new Random(2).Next())", "True");
}

Test(lib_random, bad_ranges_throw_like_dotnet)
{
    EXPECT("@(new Random().Next(7, 3))",
           "!System.ArgumentOutOfRangeException: 'minValue' cannot be greater than maxValue. "
           "(Parameter 'minValue')");
    EXPECT("@(new Random().Next(-1))",
           "!System.ArgumentOutOfRangeException: 'maxValue' must be greater than or equal to "
           "zero. (Parameter 'maxValue')");
}
