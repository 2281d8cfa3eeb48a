/*
 * Storage and consumption reports: what a domain's data costs (bytes on disk per topic and
 * per product) and who reads it (the consumer groups of each topic, their lag, and the domain
 * and principal each group belongs to). Owns the value types, the attribution of a topic or a
 * group to a domain (pure: from the owners' prefixed ACLs, see report_owner()) and the three
 * renderings (text table, JSON, CSV). No I/O: pkg/kafka/usage.c fills a report from Kafka.
 */
#ifndef PKG_REPORT_REPORT_H
#define PKG_REPORT_REPORT_H

#include <stdint.h>

#include "pkg/base/vec.h"

struct buf;

/* One topic's storage: every replica's log summed over partitions and brokers. */
struct usage_topic {
        char *topic;
        char *domain; /* NULL when no owner is known */
        int32_t partitions;
        int32_t replication;  /* replicas of partition 0, from metadata */
        int32_t logs;         /* replica logs found on the brokers */
        int64_t bytes;        /* every replica */
        int64_t leader_bytes; /* the leader replica of each partition only */
};

/* One consumer group reading one topic. */
struct usage_group {
        char *topic;
        char *topic_domain; /* owner of the topic; NULL when unknown */
        char *group;
        char *domain;       /* the group's domain (its prefix); NULL when unknown */
        char *principal;    /* who may read as this group (the prefix's ACL); NULL when unknown */
        char *state;        /* "Stable", "Empty", ... */
        int32_t partitions; /* partitions with a committed offset */
        int64_t lag;        /* sum over them of high watermark - committed offset */
};

/* A prefixed ALLOW ACL that makes `principal` the owner of names starting with `prefix`. */
struct usage_owner {
        char kind;    /* 'T' topic prefix, 'G' group prefix */
        char *prefix; /* ends with '.' */
        char *principal;
};

struct report {
        struct vec topics; /* struct usage_topic *, sorted by domain then name */
        struct vec groups; /* struct usage_group *, sorted by topic then group */
        struct vec owners; /* struct usage_owner * */
};

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };

void report_init(struct report *r);
void report_release(struct report *r);

/* "text" / "json" / "csv" -> the format; -1 for anything else. */
int report_format_parse(const char *s);

/* Add an owner; copies the strings. -1: no memory. */
int report_add_owner(struct report *r, char kind, const char *prefix, const char *principal);

/* The owner of `name` for `kind`: the longest prefix that matches, or NULL. Borrowed. */
const struct usage_owner *report_owner(const struct report *r, char kind, const char *name);

/*
 * The domain `name` (a topic or a group) belongs to: the longest owner prefix of `kind` it
 * starts with, without its dot; else, for topics, the part before an access-level segment
 * ("a.b._public.x" -> "a.b"); else NULL. Caller frees.
 */
char *report_domain_of(const struct report *r, char kind, const char *name);

/* New rows, zeroed, with copies of the names; appended to the report. NULL: no memory. */
struct usage_topic *report_add_topic(struct report *r, const char *topic);
struct usage_group *report_add_group(struct report *r, const char *topic, const char *group);

/* The row of `topic`, or NULL. */
struct usage_topic *report_topic(const struct report *r, const char *topic);

/* Sort the rows as the renderings list them. */
void report_sort(struct report *r);

/*
 * Render the storage report (topics, then per-domain totals) or the consumption report
 * (one row per topic and group) into `out`. Returns 0, or -1 when `out` hit its cap.
 */
int report_render_storage(const struct report *r, enum report_format f, struct buf *out);
int report_render_consumption(const struct report *r, enum report_format f, struct buf *out);

#endif
