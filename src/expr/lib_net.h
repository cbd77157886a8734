/* lib_net: what lib_net.c (Uri, UriKind, UriPartial) and lib_net_web.c (WebUtility,
 * percent-encoding) share. Internal to the net library; contract of the classes: value.h. */
#ifndef MERIDIAN_EXPR_LIB_NET_H
#define MERIDIAN_EXPR_LIB_NET_H

#include "expr/lib_text.h"

extern const expr_class_t expr_class_uri;
extern const expr_class_t expr_class_uri_kind;
extern const expr_class_t expr_class_uri_partial;
extern const expr_class_t expr_class_web_utility;

/* Percent-encodes UTF-8 text: ASCII letters, digits and the bytes in `keep` stay, a space
 * becomes '+' when space_plus, anything else %XX (upper-case hex). */
int expr_net_escape(expr_rt_t *rt, const char *p, size_t len, const char *keep, bool space_plus,
                    expr_value_t *out);
/* Decodes %XX escapes whose bytes form valid UTF-8 (others stay escaped, as .NET's
 * Uri.UnescapeDataString). display: keep reserved characters (": / ? # [ ] @ ! $ & ' ( ) * +
 * , ; = %") and controls escaped, as Uri.ToString() does. */
int expr_net_unescape(expr_rt_t *rt, const char *p, size_t len, bool display, expr_value_t *out);

#endif
