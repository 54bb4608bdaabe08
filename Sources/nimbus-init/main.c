// nimbus-init: the first program Nimbus runs inside a bubblewrap sandbox.
//
//   nimbus-init -u UID -g GID [-r PORT:SOCKET] -- COMMAND [ARG...]
//
// bubblewrap starts it as root (in new PID, mount, IPC and UTS namespaces, and a new
// network namespace when the function's network is isolated). It then:
//   1. with -r, listens on 127.0.0.1:PORT inside the sandbox and relays every connection
//      to the Unix socket SOCKET, which Nimbus serves the Runtime API on. An isolated
//      network namespace has nothing but its own loopback, and this is how the runtime
//      still reaches AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT;
//   2. drops to UID/GID for good: no supplementary groups, no capabilities, and
//      no_new_privs, so no setuid program can give them back;
//   3. runs COMMAND (exec without -r; fork and exec with -r, keeping the relay in this
//      process) and exits as COMMAND does: the same code, or the same signal.
//
//   nimbus-init --guard PID DIR...
//
// The server starts one guard, outside every sandbox. When process PID (the server) has
// gone, however it went, the guard thaws and kills whatever is left in the cgroups under
// each DIR (Nimbus's parent groups) and removes them. It is needed because a frozen
// process cannot die: after a `kill -9` of the server, its frozen idle environments
// would otherwise stay behind, frozen, for good.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PAIRS 64

static void fail(const char *what) {
    fprintf(stderr, "nimbus-init: %s: %s\n", what, strerror(errno));
    _exit(126);
}

static void drop_privileges(uid_t uid, gid_t gid) {
    if (setgroups(0, NULL) != 0) fail("setgroups");
    if (setresgid(gid, gid, gid) != 0) fail("setresgid");
    if (setresuid(uid, uid, uid) != 0) fail("setresuid");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("no_new_privs");
}

static int listen_loopback(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("bind 127.0.0.1");
    if (listen(fd, 16) != 0) fail("listen");
    return fd;
}

static int connect_unix(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un address = {0};
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *buffer, ssize_t length) {
    while (length > 0) {
        ssize_t n = write(fd, buffer, (size_t)length);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buffer += n;
        length -= n;
    }
    return 0;
}

// Exits the way the child did.
static void exit_like(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        kill(getpid(), sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

// Relays connections between the loopback listener and the Unix socket until the child exits.
static void relay(int listener, const char *socket_path, pid_t child, int signals) {
    int pairs[MAX_PAIRS][2];
    int count = 0;
    static char buffer[65536];
    for (;;) {
        struct pollfd fds[2 + 2 * MAX_PAIRS];
        fds[0] = (struct pollfd){.fd = signals, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = listener, .events = count < MAX_PAIRS ? POLLIN : 0};
        for (int i = 0; i < count; i++) {
            fds[2 + 2 * i] = (struct pollfd){.fd = pairs[i][0], .events = POLLIN};
            fds[3 + 2 * i] = (struct pollfd){.fd = pairs[i][1], .events = POLLIN};
        }
        if (poll(fds, (nfds_t)(2 + 2 * count), -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll");
        }
        if (fds[0].revents) {
            struct signalfd_siginfo info;
            (void)!read(signals, &info, sizeof info);
            int status;
            if (waitpid(child, &status, WNOHANG) == child) exit_like(status);
        }
        // Service existing pairs before accepting, so indexes stay valid.
        for (int i = count - 1; i >= 0; i--) {
            for (int side = 0; side < 2; side++) {
                if (!fds[2 + 2 * i + side].revents) continue;
                ssize_t n = read(pairs[i][side], buffer, sizeof buffer);
                if (n > 0 && write_all(pairs[i][1 - side], buffer, n) == 0) continue;
                if (n < 0 && errno == EINTR) continue;
                close(pairs[i][0]);
                close(pairs[i][1]);
                pairs[i][0] = pairs[count - 1][0];
                pairs[i][1] = pairs[count - 1][1];
                count--;
                break;
            }
        }
        if (fds[1].revents & POLLIN) {
            int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (client < 0) continue;
            int one = 1;
            setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            int upstream = connect_unix(socket_path);
            if (upstream < 0) {
                close(client);
                continue;
            }
            pairs[count][0] = client;
            pairs[count][1] = upstream;
            count++;
        }
    }
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)!write(fd, text, strlen(text));
    close(fd);
}

// Thaws and kills everything in the group at `path`, then removes it.
static void clear_group(const char *path) {
    char file[4096];
    snprintf(file, sizeof file, "%s/freezer.state", path);
    write_file(file, "THAWED");
    snprintf(file, sizeof file, "%s/cgroup.freeze", path);  // cgroup v2
    write_file(file, "0");
    snprintf(file, sizeof file, "%s/cgroup.kill", path);
    write_file(file, "1");
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(file, sizeof file, "%s/cgroup.procs", path);
        FILE *procs = fopen(file, "re");
        if (procs != NULL) {
            int pid;
            while (fscanf(procs, "%d", &pid) == 1) kill(pid, SIGKILL);
            fclose(procs);
        }
        if (rmdir(path) == 0 || errno == ENOENT) return;
        usleep(10000);
    }
}

static int guard(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: nimbus-init --guard PID DIR...\n");
        return 2;
    }
    pid_t watched = (pid_t)strtol(argv[2], NULL, 10);
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    int pidfd = (int)syscall(SYS_pidfd_open, watched, 0);
    if (pidfd < 0) return 1;
    struct pollfd watch = {.fd = pidfd, .events = POLLIN};
    while (poll(&watch, 1, -1) < 0 && errno == EINTR) {}
    for (int i = 3; i < argc; i++) {
        DIR *parent = opendir(argv[i]);
        if (parent == NULL) continue;
        struct dirent *entry;
        while ((entry = readdir(parent)) != NULL) {
            if (entry->d_type != DT_DIR || strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], entry->d_name);
            clear_group(path);
        }
        closedir(parent);
        rmdir(argv[i]);
    }
    return 0;
}

// A detached, read-only copy of the host directory `source`, to be attached elsewhere.
static int clone_tree(const char *source) {
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) fail(source);
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) fail("mount_setattr");
    return fd;
}

//   nimbus-init --specialize PID TASK [OPT] TMPBYTES
//
// Turns a pre-started generic sandbox (the one process PID lives in) into one function's:
// its code read-only over /var/task, its layers read-only over /opt ("-" for none), and
// /tmp resized to the function's EphemeralStorage. The trees are cloned in the host's
// mount namespace and attached inside the sandbox's, so the sandbox never sees a host path.
static int specialize(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: nimbus-init --specialize PID TASK OPT|- TMPBYTES\n");
        return 2;
    }
    int task = clone_tree(argv[3]);
    int opt = strcmp(argv[4], "-") == 0 ? -1 : clone_tree(argv[4]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/mnt", argv[2]);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNS) != 0) fail("setns");
    if (syscall(SYS_move_mount, task, "", AT_FDCWD, "/var/task", MOVE_MOUNT_F_EMPTY_PATH) != 0) fail("move_mount /var/task");
    if (opt >= 0 && syscall(SYS_move_mount, opt, "", AT_FDCWD, "/opt", MOVE_MOUNT_F_EMPTY_PATH) != 0) fail("move_mount /opt");
    char options[64];
    snprintf(options, sizeof options, "size=%s,mode=1777", argv[5]);
    if (mount(NULL, "/tmp", NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, options) != 0) fail("remount /tmp");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--guard") == 0) return guard(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--specialize") == 0) return specialize(argc, argv);
    long uid = -1, gid = -1;
    int port = 0;
    const char *socket_path = NULL;
    int option;
    while ((option = getopt(argc, argv, "+u:g:r:")) != -1) {
        switch (option) {
        case 'u': uid = strtol(optarg, NULL, 10); break;
        case 'g': gid = strtol(optarg, NULL, 10); break;
        case 'r': {
            char *colon = strchr(optarg, ':');
            if (colon == NULL) {
                fprintf(stderr, "nimbus-init: -r needs PORT:SOCKET\n");
                return 2;
            }
            *colon = '\0';
            port = atoi(optarg);
            socket_path = colon + 1;
            break;
        }
        default:
            return 2;
        }
    }
    if (uid <= 0 || gid <= 0 || optind >= argc) {
        fprintf(stderr, "usage: nimbus-init -u UID -g GID [-r PORT:SOCKET] -- COMMAND [ARG...]\n");
        return 2;
    }
    char **command = argv + optind;

    if (socket_path == NULL) {
        drop_privileges((uid_t)uid, (gid_t)gid);
        execvp(command[0], command);
        fprintf(stderr, "nimbus-init: exec %s: %s\n", command[0], strerror(errno));
        return errno == ENOENT ? 127 : 126;
    }

    int listener = listen_loopback(port);
    drop_privileges((uid_t)uid, (gid_t)gid);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int signals = signalfd(-1, &chld, SFD_CLOEXEC);
    if (signals < 0) fail("signalfd");
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        execvp(command[0], command);
        fprintf(stderr, "nimbus-init: exec %s: %s\n", command[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    relay(listener, socket_path, child, signals);
    return 0;
}
