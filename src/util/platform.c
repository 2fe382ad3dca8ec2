#include "platform.h"

#include <string.h>
#include <sys/utsname.h>

static const struct
{
  const char *machine, *arch, *variant;
} arch_names[] = {
  { "x86_64", "amd64", "" },   { "amd64", "amd64", "" },   { "aarch64", "arm64", "v8" }, { "arm64", "arm64", "v8" },
  { "armv7l", "arm", "v7" },   { "armv6l", "arm", "v6" },  { "i686", "386", "" },        { "i386", "386", "" },
  { "ppc64le", "ppc64le", "" }, { "s390x", "s390x", "" }, { "riscv64", "riscv64", "" }, { "mips64", "mips64", "" },
};

static int host_index(void)
{
  static int cached = -2;
  if (cached == -2)
    {
      struct utsname u;
      cached = -1;
      if (uname(&u) == 0)
        for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
          if (strcmp(arch_names[i].machine, u.machine) == 0)
            cached = (int) i;
    }
  return cached;
}

const char *lp_oci_arch_from_machine(const char *machine)
{
  for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
    if (strcmp(arch_names[i].machine, machine) == 0)
      return arch_names[i].arch;
  return machine;
}

const char *lp_host_arch(void)
{
  static struct utsname u;
  int i = host_index();
  if (i >= 0)
    return arch_names[i].arch;
  return uname(&u) == 0 ? u.machine : "unknown";
}

const char *lp_host_variant(void)
{
  int i = host_index();
  return i >= 0 ? arch_names[i].variant : "";
}
