/*
 * PEM text given as a string in a properties file (ssl.ca.pem, ssl.certificate.pem, ...) is
 * often written on one line, or with literal "\n"s, because properties values are single
 * lines; OpenSSL reads only real PEM. This turns the one into the other.
 */
#ifndef PKG_BASE_PEM_H
#define PKG_BASE_PEM_H

/*
 * Rewrite the PEM text `in` (certificates or keys, one or several blocks) with real newlines:
 * "\n" escapes become newlines and each block's base64 body is re-wrapped at 64 columns.
 * Returns a new string (caller frees) or NULL when `in` has no complete PEM block or memory
 * runs out.
 */
char *pem_normalize(const char *in);

#endif
