/* Build-time facts about this lilipod binary. */
#ifndef LILIPOD_VERSION_H
#define LILIPOD_VERSION_H

#ifndef LILIPOD_VERSION
#define LILIPOD_VERSION "0.0.0-dev"
#endif
#ifndef LILIPOD_GIT_COMMIT
#define LILIPOD_GIT_COMMIT ""
#endif

#endif
