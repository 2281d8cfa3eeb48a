#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_manifest(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh manifest: not implemented yet\n");
        return EXIT_ERROR;
}
