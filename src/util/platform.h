/*
 * platform: this machine as OCI names it (os "linux", architecture "amd64",
 * "arm64", ..., variant "v8" or ""). Pure functions of uname(2).
 */
#ifndef LILIPOD_PLATFORM_H
#define LILIPOD_PLATFORM_H

/* Map a kernel machine name (uname -m) to the OCI/Go architecture name. */
const char *lp_oci_arch_from_machine(const char *machine);
/* The host's architecture and variant (variant may be ""). */
const char *lp_host_arch(void);
const char *lp_host_variant(void);

#endif
