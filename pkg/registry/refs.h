/*
 * Inside pkg/registry: the references of a schema being registered, each pinned to the version
 * its subject has now. The plan registers referenced subjects first (plan_build orders them),
 * so by the time a referencing subject is sent, what it references is the latest version. A
 * concrete version is sent, not Confluent's -1 ("latest"), which Apicurio does not resolve
 * (README.md). Not for use outside pkg/registry.
 */
#ifndef PKG_REGISTRY_REFS_H
#define PKG_REGISTRY_REFS_H

#include <stdbool.h>

struct err;
struct plan;
struct registry;
struct subject;
struct vec;

/*
 * Copy s->refs into `out` (struct schema_ref *) with each version set to the latest version of
 * its subject (GET /subjects/<ref>/versions/latest). Fails with ERR_INVALID naming the subject
 * when a referenced subject's op in `p` failed or was skipped, or the subject does not exist.
 * On a dry run a referenced subject the plan would create does not exist yet: then *pending is
 * set and `out` is left incomplete (the schema cannot be checked before its references are
 * registered). Returns 0, or -1 with `err` set.
 */
int refs_resolve(struct registry *r, const struct plan *p, const struct subject *s, bool dry_run,
                 struct vec *out, bool *pending, struct err *err);

#endif
