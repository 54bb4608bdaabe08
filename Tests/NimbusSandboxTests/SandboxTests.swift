import Foundation
import Testing

@testable import NimbusSandbox

@Suite("CgroupLimits")
struct CgroupLimitsTests {
    @Test("CPU follows memory: 1769 MB is one CPU's share", arguments: [
        (128, 74, 7), (1769, 1024, 100), (3538, 2048, 200), (10240, 5928, 579),
    ])
    func cpu(memory: Int, shares: Int, weight: Int) {
        let limits = CgroupLimits(memoryMegabytes: memory)
        #expect(limits.cpuShares == shares)
        #expect(limits.cpuWeight == weight)
        #expect(limits.memoryBytes == memory * 1_048_576)
        #expect(limits.pids == 1024)
    }
}

@Suite("Bubblewrap")
struct BubblewrapTests {
    let bubblewrap = Bubblewrap(executable: "/usr/bin/bwrap", initProgram: "/x/nimbus-init")

    func environment(socket: String? = nil, layers: String? = nil) -> Bubblewrap.Environment {
        Bubblewrap.Environment(
            codeDirectory: "/data/code/abc", layersDirectory: layers, runtimeDirectory: "/data/runtime",
            identityDirectory: "/data/sandbox", socketDirectory: socket, tmpBytes: 512 * 1_048_576,
            command: ["/usr/bin/python3", "-u", "/var/runtime/python/bootstrap.py"],
            variables: ["SECRET": "v", "LD_PRELOAD": "/evil.so"]
        )
    }

    /// The value that follows `flag` when it binds `destination`.
    func source(of destination: String, in args: [String]) -> String? {
        for index in args.indices.dropLast(2) where args[index] == "--ro-bind" && args[index + 2] == destination {
            return args[index + 1]
        }
        return nil
    }

    @Test("code, runtime and layers are mounted read-only where Lambda has them")
    func mounts() {
        let args = bubblewrap.arguments(for: environment(layers: "/data/opt/123"))
        #expect(source(of: "/var/task", in: args) == "/data/code/abc")
        #expect(source(of: "/var/runtime", in: args) == "/data/runtime")
        #expect(source(of: "/opt", in: args) == "/data/opt/123")
        #expect(source(of: "/etc/passwd", in: args) == "/data/sandbox/passwd")
        #expect(!args.contains("/data"))
        #expect(!args.contains { $0 == "--bind" })  // nothing writable from the host
        let tmp = args.firstIndex(of: "/tmp").map { Array(args[(args.index($0, offsetBy: -5))...$0]) }
        #expect(tmp == ["--perms", "1777", "--size", String(512 * 1_048_576), "--tmpfs", "/tmp"])
        #expect(bubblewrap.arguments(for: environment()).contains(where: { $0 == "--dir" }))
    }

    @Test("variables reach the runtime through --setenv after --clearenv, and the runtime runs under nimbus-init")
    func variablesAndInit() {
        let args = bubblewrap.arguments(for: environment())
        let clear = args.firstIndex(of: "--clearenv")
        let setenv = args.firstIndex(of: "--setenv")
        #expect(clear != nil && setenv != nil && clear! < setenv!)
        let tail = Array(args.suffix(9))
        #expect(tail == ["/var/runtime/init", "-u", "993", "-g", "990", "--", "/usr/bin/python3", "-u", "/var/runtime/python/bootstrap.py"])
        #expect(!args.contains("--unshare-net"))
        for namespace in ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"] {
            #expect(args.contains(namespace))
        }
    }

    @Test("an isolated network gets its own namespace, the socket directory and the relay")
    func isolated() {
        let args = bubblewrap.arguments(for: environment(socket: "/tmp/nimbus-rapi/e1"))
        #expect(args.contains("--unshare-net"))
        let bind = args.firstIndex(of: "--bind")
        #expect(bind.map { Array(args[$0...($0 + 2)]) } == ["--bind", "/tmp/nimbus-rapi/e1", "/run/nimbus"])
        #expect(args.contains("9001:/run/nimbus/runtime.sock"))
    }
}

@Suite("Isolation")
struct IsolationTests {
    @Test("without bubblewrap: a warning and plain processes, or an error when the sandbox was asked for")
    func fallback() throws {
        switch Isolation.resolve(requested: nil, initProgram: "/nonexistent/nimbus-init", bubblewrapPath: "/nonexistent/bwrap") {
        case .success(let (isolation, warning)):
            #expect(isolation.mode == .process)
            #expect(isolation.bubblewrap == nil)
            #expect(warning?.contains("bubblewrap is not installed") == true)
        case .failure(let error):
            Issue.record("unexpected failure: \(error)")
        }
        switch Isolation.resolve(requested: .sandbox, initProgram: "/nonexistent/nimbus-init", bubblewrapPath: "/nonexistent/bwrap") {
        case .success:
            Issue.record("--isolation sandbox must fail without bubblewrap")
        case .failure(let error):
            #expect(error.description.hasPrefix("--isolation sandbox cannot work on this machine"))
        }
    }

    @Test("a missing cgroup hierarchy is reported, not fatal")
    func noCgroups() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("no-cgroups-\(UUID().uuidString)").path
        guard case .failure(let error) = CgroupHierarchy.detect(root: root) else {
            Issue.record("an empty directory is not a cgroup hierarchy")
            return
        }
        #expect(error.reason.contains("is not mounted"))
    }
}

@Suite("Cgroup on this machine")
struct CgroupTests {
    @Test("limits are written, the freezer works, and the group is removed",
          .enabled(if: FileManager.default.isWritableFile(atPath: "/sys/fs/cgroup/memory") || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")))
    func lifecycle() throws {
        let hierarchy = try CgroupHierarchy.detect().get()
        let group = try hierarchy.create(name: "unit-\(UUID().uuidString.prefix(8))", limits: CgroupLimits(memoryMegabytes: 256))
        defer { group.destroy() }
        let limit: String
        if hierarchy.version == .v1 {
            limit = try String(contentsOfFile: group.directories.first { $0.contains("/memory/") }! + "/memory.limit_in_bytes", encoding: .utf8)
        } else {
            limit = try String(contentsOfFile: group.directories[0] + "/memory.max", encoding: .utf8)
        }
        #expect(limit.trimmingCharacters(in: .whitespacesAndNewlines) == String(256 * 1_048_576))
        #expect(group.oomKills == 0)
        #expect(group.processes.isEmpty)
        group.freeze()
        group.thaw()
        group.destroy()
        #expect(group.directories.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }
}
