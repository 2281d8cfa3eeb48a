#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_operator(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh operator: not implemented yet\n");
        return EXIT_ERROR;
}
