/*
 * The inverse of the parser: render the observed state of one domain as an AsyncAPI 2.6
 * document that, parsed and planned against the same cluster, yields no changes. Topics
 * become absolute channels (their full names), configs the SpecMesh `bindings.kafka` form,
 * literal READ grants on _protected topics `grant-access:` tags, value/key subjects the
 * message payload/key with a `schemaFormat`, and a quota the `x-specmesh-quotas` extension.
 * Pure: no I/O.
 */
#ifndef PKG_ASYNCAPI_EXPORT_H
#define PKG_ASYNCAPI_EXPORT_H

struct product;

/*
 * Render `have` (topics, ACLs, subjects and quota of have->domain) as YAML. Returns a string
 * the caller frees with free(), or NULL when memory runs out or the output passes 64 MiB.
 */
char *asyncapi_export(const struct product *have);

#endif
