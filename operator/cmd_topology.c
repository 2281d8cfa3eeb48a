#include "operator/cli.h"

int cmd_topology(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        return EXIT_ERROR;
}
