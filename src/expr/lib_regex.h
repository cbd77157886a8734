/* lib_regex: System.Text.RegularExpressions for policy expressions (spec/apim-gateway.md §3.2:
 * Regex, Match, Group, Capture, their collections, RegexOptions) over PCRE2.
 *
 * .NET patterns mostly are PCRE2 patterns; what differs is handled where it shows:
 * - group numbers follow .NET (unnamed groups first, then named groups in order of first
 *   appearance), in Groups[n], $n and GetGroupNumbers();
 * - \w \d \s \b are Unicode-aware (PCRE2_UCP) unless RegexOptions.ECMAScript;
 *   \uXXXX and \xXX escapes are .NET's (PCRE2_ALT_BSUX);
 * - positions (Index, Length, startat) count UTF-16 code units, as C# strings do;
 * - a match that backtracks too much throws RegexMatchTimeoutException (PCRE2 match, depth
 *   and heap limits) instead of running for ever.
 * Compiled patterns are cached per thread, keyed by (pattern, options): a constant pattern
 * is compiled once per worker thread, not per request. */
#ifndef MERIDIAN_EXPR_LIB_REGEX_H
#define MERIDIAN_EXPR_LIB_REGEX_H

/* Frees this thread's compiled-pattern cache (patterns still referenced by a live runtime are
 * freed when that runtime ends). For worker threads that exit, and tests. */
void expr_regex_cache_flush(void);

#endif
