#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_plan(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh plan: not implemented yet\n");
        return EXIT_ERROR;
}
