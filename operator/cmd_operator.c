#include "operator/cli.h"

#include "pkg/base/banned.h"

int cmd_operator(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fprintf(stderr, "specmesh operator: the controller is not implemented yet; "
                        "use specmesh apply (the CLI) meanwhile\n");
        return EXIT_ERROR;
}
