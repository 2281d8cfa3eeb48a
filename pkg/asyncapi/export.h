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
struct strmap;
struct subject;

/* The most schema files one export writes (the cap of the `files` map below). */
#define EXPORT_FILES_MAX 65536

/*
 * Render `have` (topics, ACLs, subjects and quota of have->domain) as YAML. Returns a string
 * the caller frees with free(), or NULL when memory runs out or the output passes 64 MiB.
 */
char *asyncapi_export(const struct product *have);

/*
 * The schema files the exported document $refs: every value/key subject with references and,
 * recursively, the subjects it references, into `files` (an empty map the caller made with
 * strmap_init(files, EXPORT_FILES_MAX); key: the path relative to the document,
 * "schema/<name>"; value: the schema text), each once. A subject with references is
 * exported as `{$ref: schema/<subject>.<avsc|json|proto>}`; a referenced one under the name
 * the reference gives it (an Avro type as "<full name>.avsc"), so that reading the export back
 * yields the same subjects and references. Refuses (-1, `*why` set) a reference name that
 * could leave the directory (registry content is not trusted), more files than the map's cap,
 * or out of memory.
 */
int asyncapi_export_files(const struct product *have, struct strmap *files, const char **why);

/* "schema/<subject name>.<ext>" for a subject exported as a file. Caller frees. */
char *export_file_name(const struct subject *s);

#endif
