/*
 * What `specmesh catalogue` and `specmesh topology` share: where the specs come from (files
 * and directories, or the DataProducts in the API server) and its flags.
 */
#ifndef OPERATOR_CATALOGUE_H
#define OPERATOR_CATALOGUE_H

#include <stdbool.h>

struct catalog;

struct cat_source {
        bool cluster;
        const char *kubeconfig, *ns; /* with cluster; NULL: defaults, all namespaces */
        char **paths;                /* without cluster */
        int npaths;
};

/* getopt_long values of the source flags, and the option entries for them. */
enum { CAT_OPT_CLUSTER = 0x300, CAT_OPT_KUBECONFIG, CAT_OPT_NAMESPACE };
#define CAT_SOURCE_OPTIONS                                               \
        {"cluster", no_argument, NULL, CAT_OPT_CLUSTER},                 \
            {"kubeconfig", required_argument, NULL, CAT_OPT_KUBECONFIG}, \
        {                                                                \
                "namespace", required_argument, NULL, CAT_OPT_NAMESPACE  \
        }

/* Take a source flag; 1 when `opt` was one, else 0. */
int cat_source_flag(struct cat_source *s, int opt, const char *arg);

/* Take the positional arguments and check the source; prints why not and returns -1. */
int cat_source_args(struct cat_source *s, const char *cmd, int argc, char **argv, int optind_);

/* Read the specs into `c`, sorted; problems go to stderr. 0, or -1 when any is invalid. */
int cat_source_load(const struct cat_source *s, struct catalog *c);

/* The two sources (cmd_catalogue.c, catalogue_cluster.c). */
int cli_load_catalog(char **paths, int n, struct catalog *c);
int cli_load_cluster(const char *kubeconfig, const char *ns, struct catalog *c);

/* The operator's catalogue: every cached DataProduct that reads as a product
 * (catalogue_http.c). */
struct controller;
void op_catalogue_build(struct controller *ctl, struct catalog *c);

#endif
