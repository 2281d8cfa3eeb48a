#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_validate(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh validate: not implemented yet\n");
        return EXIT_ERROR;
}
