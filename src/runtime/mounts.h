/*
 * mounts: build the container's root file system tree and pivot into it.
 *
 * Contract: runs in the container's init, in its own fresh mount namespace,
 * as container root, before anything of the container runs. Every target
 * inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), so symlinks
 * in an image can never point a mount outside the rootfs; missing mount
 * points are created. Order: / made rslave, the rootfs bound onto itself
 * (so `/` is a mount point and `mount --make-rshared /` works inside),
 * proc, /dev (tmpfs, host device nodes, devpts, shm, mqueue, console), sys,
 * Podman's masked and read-only paths (unless privileged), the generated
 * files, the volumes in command-line order, then pivot_root(".", ".") and a
 * lazy unmount of the old root. Read-only is set with mount_setattr, which
 * keeps the flags the kernel locked, so even container root cannot write.
 */
#ifndef LILIPOD_RUNTIME_MOUNTS_H
#define LILIPOD_RUNTIME_MOUNTS_H

#include <stdbool.h>

#include "../util/error.h"
#include "spec.h"

extern const char *const lp_masked_paths[];
extern const char *const lp_readonly_paths[];

struct lp_mount_env
{
  bool pid_private; /* fresh proc, else the host's bound */
  bool net_private; /* a fresh sysfs is allowed */
  bool console;     /* create /dev/console for a pty to be bound on */
};

int lp_mounts_setup(const struct lp_runtime_spec *spec, const struct lp_mount_env *env, lp_error_t *err);
/* pivot_root into the rootfs prepared by lp_mounts_setup(). */
int lp_mounts_pivot(const char *rootfs, lp_error_t *err);

#endif
