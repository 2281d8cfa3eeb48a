/*
 * The AccessRequest controller of `specmesh operator --access-requests` (access_ctl.c).
 */
#ifndef OPERATOR_ACCESS_H
#define OPERATOR_ACCESS_H

#include <stdbool.h>

#include "operator/operator.h"

struct ar_ctl {
        struct controller ctl;
        struct operator* op;
        struct kube *kube; /* the one worker's client */
        bool running;
        char path[512];
        char owner_ns[256], owner_name[256]; /* of the request being decided */
};

/* Start watching AccessRequests (all namespaces, or `ns`). 0, or -1 with `err` set. */
int ar_start(struct ar_ctl *a, struct operator* op, const char *ns, struct err *err);
void ar_stop(struct ar_ctl *a);

#endif
