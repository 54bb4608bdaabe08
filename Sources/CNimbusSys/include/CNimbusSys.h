#ifndef CNIMBUSSYS_H
#define CNIMBUSSYS_H

#include <sys/types.h>

/// Starts `path` in a new session (so the whole tree can be signalled as a group)
/// that is SIGKILLed if the calling thread dies (PR_SET_PDEATHSIG): call it from a
/// thread that lives as long as the process.
/// It runs
/// in directory `cwd`, with stdin from /dev/null and stdout and stderr both on
/// `output_fd`. Every other descriptor is closed in the child.
/// Before exec the child writes its pid to each of `cgroup_fds` (open `cgroup.procs`
/// files), so it starts inside its cgroups.
/// Returns 0 and sets *pid_out, or an errno value.
int nimbus_spawn(const char *path, char *const argv[], char *const envp[],
                 const char *cwd, int output_fd, const int *cgroup_fds, int cgroup_fd_count,
                 pid_t *pid_out);

/// pidfd_open(2): a descriptor that becomes readable when the process exits. -1 on error.
int nimbus_pidfd_open(pid_t pid);

#endif
