/*
 * Access requests, decided from the catalogue (pure; no I/O). A consumer team asks for read
 * access to another product's protected topic with an AccessRequest in its own namespace
 * (crds/accessrequests.specmesh.io.yaml); the owner answers the spec-driven way, in its
 * AsyncAPI document through Git: a `grant-access:<domain>` tag on the channel grants (and the
 * operator writes the ACLs), a `deny-access:<domain>` tag refuses, removing the grant revokes.
 * A tag, like the grant, keeps the whole answer in the owner's reviewed spec; no field of the
 * DataProduct changes.
 *
 * operator/access_ctl.c applies it (`specmesh operator --access-requests`).
 */
#ifndef PKG_CATALOG_ACCESS_H
#define PKG_CATALOG_ACCESS_H

#include <stddef.h>

#include <json-c/json.h>

struct catalog;
struct cat_product;
struct cat_topic;

enum access_phase {
        ACCESS_INVALID = 0, /* cannot be granted as asked (message says why) */
        ACCESS_PENDING,     /* waiting for the owner */
        ACCESS_GRANTED,     /* the owner's spec grants it */
        ACCESS_DENIED,      /* the owner's spec refuses it */
        ACCESS_REVOKED,     /* was granted; the grant is gone */
};

struct access_request {
        const char *ns;             /* the request's namespace */
        const char *topic;          /* the full topic name */
        const char *domain;         /* the requesting domain */
        enum access_phase previous; /* the phase on the status so far (PENDING when new) */
};

/* "Invalid", "Pending", "Granted", "Denied", "Revoked". */
const char *access_phase_str(enum access_phase p);

/*
 * Decide a request against the catalogue (built with namespaces, as the operator builds it).
 * Writes a one-line reason to `why` (at most `n` bytes).
 */
enum access_phase access_decide(const struct catalog *c, const struct access_request *r, char *why,
                                size_t n);

/*
 * The listed topic `name` as its owner declares it, with the owner in `owner`: products whose
 * claim the operator refused (a domain another DataProduct owns, a namespace that may not
 * claim it) own nothing, so their tags never grant. NULL when no accepted product lists it.
 */
const struct cat_topic *access_topic(const struct catalog *c, const char *name,
                                     const struct cat_product **owner);

/* A request as the operator's cache holds it, for the owner's list. */
struct access_entry {
        const char *ns, *name;      /* the AccessRequest's */
        const char *topic, *domain; /* spec.topic, spec.domain */
        const char *purpose;        /* spec.purpose; may be NULL */
        enum access_phase phase;    /* as decided (status.phase) */
};

/*
 * The owner's `status.accessRequests`: the Pending requests for topics of `owner` (a product of
 * `c`), as
 * [{namespace, name, topic, domain, purpose}] sorted by namespace, then name. NULL when there
 * are none (the field is then absent). The caller owns the array.
 */
json_object *access_pending_list(const struct catalog *c, const struct cat_product *owner,
                                 const struct access_entry *e, size_t n);

#endif
