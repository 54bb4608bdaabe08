import Foundation

/// Builds the bubblewrap command line for one sandboxed execution environment.
///
/// The sandbox sees:
/// - a read-only root of system directories (`/usr` and its `/bin`, `/lib`... links, and
///   a short list of files from `/etc`), nothing else of the host's filesystem;
/// - the function's code read-only at `/var/task`, its merged layers at `/opt`, the
///   runtime clients at `/var/runtime`;
/// - a private `/tmp` (tmpfs, EphemeralStorage in size), fresh `/proc` and `/dev`;
/// - its own PID, mount, IPC, UTS and cgroup namespaces, and with `isolatedNetwork`
///   a network namespace with only loopback (the Runtime API arrives over a Unix socket
///   at `/run/nimbus/runtime.sock`, relayed by nimbus-init).
///
/// The command runs under `nimbus-init`, which drops to an unprivileged user. bubblewrap
/// itself gets an empty environment, so nothing of the function's configuration
/// (LD_PRELOAD, say) can reach a process that runs as root outside the sandbox.
public struct Bubblewrap: Sendable {
    /// Lambda's sandbox user: `sbx_user1051`.
    public static let uid = 993
    public static let gid = 990
    /// The Runtime API address the function sees in an isolated network.
    public static let isolatedRuntimeAPI = "127.0.0.1:9001"
    /// Where the Unix socket directory appears inside the sandbox.
    public static let socketMount = "/run/nimbus"

    public var executable: String
    /// nimbus-init on the host. The server copies it to `<runtime directory>/init`,
    /// which the sandbox sees as `/var/runtime/init`.
    public var initProgram: String
    /// `/etc` entries the sandbox gets, read-only, when the host has them.
    static let etcEntries = [
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates", "ca-certificates.conf",
        "resolv.conf", "hosts", "nsswitch.conf", "localtime", "alternatives", "mime.types", "os-release",
        "gai.conf", "host.conf", "protocols", "services", "debian_version",
    ]

    public init(executable: String, initProgram: String) {
        self.executable = executable
        self.initProgram = initProgram
    }

    /// What one environment mounts and runs.
    public struct Environment: Sendable {
        public var codeDirectory: String
        public var layersDirectory: String?
        public var runtimeDirectory: String
        /// Directory with this environment's `passwd` and `group` files.
        public var identityDirectory: String
        /// Host directory holding `runtime.sock` (isolated network only).
        public var socketDirectory: String?
        public var tmpBytes: Int
        /// The runtime's command as seen inside the sandbox.
        public var command: [String]
        public var variables: [String: String]

        public init(codeDirectory: String, layersDirectory: String?, runtimeDirectory: String, identityDirectory: String, socketDirectory: String?, tmpBytes: Int, command: [String], variables: [String: String]) {
            self.codeDirectory = codeDirectory
            self.layersDirectory = layersDirectory
            self.runtimeDirectory = runtimeDirectory
            self.identityDirectory = identityDirectory
            self.socketDirectory = socketDirectory
            self.tmpBytes = tmpBytes
            self.command = command
            self.variables = variables
        }
    }

    /// bubblewrap's arguments for `environment`.
    public func arguments(for environment: Environment) -> [String] {
        var args = [
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "localhost",
            "--ro-bind", "/usr", "/usr",
            // Parents bubblewrap would otherwise create 0700, unreadable to the sandbox user.
            "--dir", "/etc", "--dir", "/var", "--dir", "/run",
        ]
        // Merged-/usr systems link /bin, /lib... into /usr; older ones have real directories.
        for top in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            let path = "/" + top
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                args += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                args += ["--ro-bind", path, path]
            }
        }
        for entry in Self.etcEntries where FileManager.default.fileExists(atPath: "/etc/" + entry) {
            args += ["--ro-bind", "/etc/" + entry, "/etc/" + entry]
        }
        args += [
            "--ro-bind", environment.identityDirectory + "/passwd", "/etc/passwd",
            "--ro-bind", environment.identityDirectory + "/group", "/etc/group",
            "--proc", "/proc",
            "--dev", "/dev",
            "--perms", "1777", "--size", String(environment.tmpBytes), "--tmpfs", "/tmp",
            "--ro-bind", environment.codeDirectory, "/var/task",
            "--ro-bind", environment.runtimeDirectory, "/var/runtime",
        ]
        if let layers = environment.layersDirectory {
            args += ["--ro-bind", layers, "/opt"]
        } else {
            args += ["--dir", "/opt"]
        }
        if let sockets = environment.socketDirectory {
            args += ["--unshare-net", "--bind", sockets, Self.socketMount]
        }
        args += ["--chdir", "/var/task", "--clearenv"]
        for (key, value) in environment.variables.sorted(by: { $0.key < $1.key }) {
            args += ["--setenv", key, value]
        }
        args += ["/var/runtime/init", "-u", String(Self.uid), "-g", String(Self.gid)]
        if environment.socketDirectory != nil {
            let port = Self.isolatedRuntimeAPI.split(separator: ":").last.map(String.init) ?? "9001"
            args += ["-r", "\(port):\(Self.socketMount)/runtime.sock"]
        }
        args += ["--"] + environment.command
        return args
    }

    /// Lambda's view of the sandbox user, for `/etc/passwd` and `/etc/group`.
    public static let passwd = """
        root:x:0:0:root:/root:/sbin/nologin
        sbx_user1051:x:\(uid):\(gid)::/tmp:/sbin/nologin
        nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin

        """
    public static let group = """
        root:x:0:
        sbx_user1051:x:\(gid):
        nogroup:x:65534:

        """

    /// Checks that bubblewrap can create a sandbox here, or says why not.
    public static func probe(executable: String = "/usr/bin/bwrap") -> String? {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return "bubblewrap is not installed (\(executable) is missing; apt-get install bubblewrap)"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--die-with-parent",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "true",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "bubblewrap could not start: \(error)"
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return "bubblewrap cannot create namespaces here: \(text)"
        }
        return nil
    }
}
