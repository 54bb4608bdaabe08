#define _GNU_SOURCE
#include "CNimbusSys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// vfork + exec rather than posix_spawn, for one reason: the child must ask for
// PR_SET_PDEATHSIG, so a runtime never outlives a Nimbus that was killed with -9.
// Between vfork and exec the child only makes async-signal-safe system calls.
int nimbus_spawn(const char *path, char *const argv[], char *const envp[],
                 const char *cwd, int output_fd, const int *cgroup_fds, int cgroup_fd_count,
                 pid_t *pid_out) {
    sigset_t all, previous;
    sigfillset(&all);
    // No signal handler of the parent may run in the child while memory is shared.
    pthread_sigmask(SIG_SETMASK, &all, &previous);

    pid_t parent = getpid();
    volatile int child_errno = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) {
                struct sigaction dfl = {0};
                dfl.sa_handler = SIG_DFL;
                sigaction(sig, &dfl, NULL);
            }
        }
        setsid();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);  // the parent died before prctl took effect

        // Join the environment's cgroups before exec, so every process it ever starts
        // is counted and limited from the first instruction.
        if (cgroup_fd_count > 0) {
            char digits[16];
            int length = 0;
            for (pid_t self = getpid(); self > 0 && length < 15; self /= 10) digits[length++] = (char)('0' + self % 10);
            char text[16];
            for (int i = 0; i < length; i++) text[i] = digits[length - 1 - i];
            for (int i = 0; i < cgroup_fd_count; i++) {
                if (write(cgroup_fds[i], text, (size_t)length) != length) {
                    child_errno = errno;
                    _exit(127);
                }
            }
        }

        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(output_fd, 1) < 0 || dup2(output_fd, 2) < 0) {
            child_errno = errno;
            _exit(127);
        }
        syscall(SYS_close_range, 3, ~0U, 0);
        if (cwd != NULL && chdir(cwd) != 0) {
            child_errno = errno;
            _exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        child_errno = errno;
        _exit(127);
    }

    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) return saved;
    if (child_errno != 0) {
        int status;
        waitpid(pid, &status, 0);
        return child_errno;
    }
    *pid_out = pid;
    return 0;
}

int nimbus_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
