#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_export(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh export: not implemented yet\n");
        return EXIT_ERROR;
}
