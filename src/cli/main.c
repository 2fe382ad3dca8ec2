/* lilipod: a small, fast, rootless container manager. */
#include "command.h"

int main(int argc, char **argv)
{
  return lp_cli_main(argc, argv);
}
