#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_apply(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh apply: not implemented yet\n");
        return EXIT_ERROR;
}
