import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Resource limits for one execution environment.
public struct CgroupLimits: Sendable, Equatable {
    /// Hard memory limit: the function's MemorySize. No swap beyond it.
    public var memoryBytes: Int
    /// Most processes and threads at once (fork bombs stop here).
    public var pids: Int
    /// CPU weight relative to one vCPU at 1769 MB, as Lambda allocates CPU.
    public var cpuFraction: Double

    public static let pidsLimit = 1024
    /// Lambda gives one full vCPU at 1769 MB and scales linearly below it.
    public static let megabytesPerVCPU = 1769.0

    public init(memoryMegabytes: Int, pids: Int = CgroupLimits.pidsLimit) {
        self.memoryBytes = memoryMegabytes * 1024 * 1024
        self.pids = pids
        self.cpuFraction = Double(memoryMegabytes) / Self.megabytesPerVCPU
    }

    /// cgroup v1 `cpu.shares`: 1024 is one CPU's worth (minimum 2).
    public var cpuShares: Int { max(2, Int((1024 * cpuFraction).rounded())) }
    /// cgroup v2 `cpu.weight`: 100 is the default, one CPU's worth (1...10000).
    public var cpuWeight: Int { min(10_000, max(1, Int((100 * cpuFraction).rounded()))) }
}

/// The machine's cgroup hierarchy, with a group of Nimbus's own to create environments under.
///
/// v1 (one hierarchy per controller, as on this project's CI machines) uses the memory,
/// pids, cpu and freezer hierarchies; v2 uses the unified hierarchy with the memory, pids
/// and cpu controllers and `cgroup.freeze`. Each Nimbus process gets its own parent group,
/// `nimbus/<pid>`, so servers sharing a machine never touch each other's environments;
/// parents left by servers that are gone are removed at start.
public struct CgroupHierarchy: Sendable {
    public enum Version: String, Sendable { case v1, v2 }

    public let version: Version
    /// The parent group's directory in each hierarchy (v1: memory, pids, cpu, freezer; v2: one).
    let parents: [String]

    /// Finds the hierarchy and creates Nimbus's parent group, or explains why it cannot.
    public static func detect(root: String = "/sys/fs/cgroup") -> Result<CgroupHierarchy, CgroupUnavailable> {
        let pid = getpid()
        if isCgroup2(root) {
            let base = root + "/nimbus"
            do {
                try enableControllers(at: root)
                try makeDirectory(base)
                try enableControllers(at: base)
                removeAbandonedParents(in: [base], version: .v2)
                let parent = base + "/\(pid)"
                try makeDirectory(parent)
                try enableControllers(at: parent)
                return .success(CgroupHierarchy(version: .v2, parents: [parent]))
            } catch {
                return .failure(error)
            }
        }
        let controllers = ["memory", "pids", "cpu", "freezer"]
        var parents: [String] = []
        for controller in controllers {
            let mount = root + "/" + controller
            guard FileManager.default.fileExists(atPath: mount + "/cgroup.procs") else {
                return .failure(CgroupUnavailable(reason: "the \(controller) cgroup controller is not mounted at \(mount)"))
            }
            do {
                try makeDirectory(mount + "/nimbus")
                removeAbandonedParents(in: [mount + "/nimbus"], version: .v1)
                try makeDirectory(mount + "/nimbus/\(pid)")
            } catch {
                return .failure(error)
            }
            parents.append(mount + "/nimbus/\(pid)")
        }
        return .success(CgroupHierarchy(version: .v1, parents: parents))
    }

    /// cgroup v1 only: keeps the kernel's `freezer_active` static key switched on.
    ///
    /// Freezing the only frozen group flips that key, and flipping a static key patches
    /// kernel text on every CPU (perf showed `__text_poke` as the top cost of a warm
    /// invoke). An empty group that stays frozen for the server's lifetime keeps the key
    /// on, so freezing and thawing environments costs two plain writes.
    public func holdFreezerActive() {
        guard version == .v1, let freezer = Cgroup.directory("freezer", version: version, in: parents) else { return }
        let anchor = freezer + "/" + Self.anchorName
        guard (try? Self.makeDirectory(anchor)) != nil else { return }
        try? Cgroup.write("FROZEN", to: anchor + "/freezer.state")
    }

    /// The always-frozen empty group under the freezer parent (see ``holdFreezerActive()``).
    public static let anchorName = ".anchor"

    /// Creates the group for one environment and applies its limits.
    public func create(name: String, limits: CgroupLimits) throws(CgroupUnavailable) -> Cgroup {
        let directories = parents.map { $0 + "/" + name }
        for directory in directories {
            try Self.makeDirectory(directory)
        }
        let group = Cgroup(version: version, directories: directories)
        do {
            try group.apply(limits)
        } catch {
            group.destroy()
            throw error
        }
        return group
    }

    /// Nimbus's parent group directories, freezer first (thawing must come before killing).
    public var parentDirectories: [String] {
        let freezer = Cgroup.directory("freezer", version: version, in: parents)
        return parents.sorted { a, _ in a == freezer }
    }

    /// Removes Nimbus's parent groups (when the server stops).
    public func removeParents() {
        for parent in parents { rmdir(parent) }
    }

    /// Only the root of a unified (v2) hierarchy has `cgroup.controllers`.
    static func isCgroup2(_ path: String) -> Bool {
        access(path + "/cgroup.controllers", F_OK) == 0
    }

    static func enableControllers(at directory: String) throws(CgroupUnavailable) {
        try Cgroup.write("+memory +pids +cpu", to: directory + "/cgroup.subtree_control")
    }

    static func makeDirectory(_ path: String) throws(CgroupUnavailable) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw CgroupUnavailable(reason: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `nimbus/<pid>` parents whose server process no longer exists.
    static func removeAbandonedParents(in bases: [String], version: Version) {
        for base in bases {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { continue }
            for name in names {
                guard let owner = Int32(name), owner != getpid(), kill(owner, 0) != 0, errno == ESRCH else { continue }
                let parent = base + "/" + name
                for child in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
                    let group = Cgroup(version: version, directories: [parent + "/" + child])
                    group.thaw()
                    group.killAll()
                    rmdir(parent + "/" + child)
                }
                rmdir(parent)
            }
        }
    }
}

/// Why cgroups cannot be used.
public struct CgroupUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// One execution environment's cgroup: its limits, freezer, OOM counter and peak memory.
public final class Cgroup: Sendable {
    public let version: CgroupHierarchy.Version
    /// One directory per hierarchy (v1), or the single unified directory (v2).
    let directories: [String]

    /// Files used on every invocation, opened once (a path walk through the cgroup
    /// filesystem per write showed up in profiles). Closed only in deinit: after the group
    /// is removed, writes to them fail harmlessly, and the numbers are never reused.
    private let freezerFile: String
    private let freezeValues: (freeze: [UInt8], thaw: [UInt8])
    private let peakFile: String
    private let freezerFD: Int32
    private let peakFD: Int32

    init(version: CgroupHierarchy.Version, directories: [String]) {
        self.version = version
        self.directories = directories
        freezerFile = Self.file("freezer", version == .v1 ? "freezer.state" : "cgroup.freeze", version: version, in: directories)
        freezeValues = version == .v1 ? (Array("FROZEN".utf8), Array("THAWED".utf8)) : (Array("1".utf8), Array("0".utf8))
        peakFile = Self.file("memory", version == .v1 ? "memory.max_usage_in_bytes" : "memory.peak", version: version, in: directories)
        freezerFD = open(freezerFile, O_WRONLY | O_CLOEXEC)
        peakFD = open(peakFile, O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if freezerFD >= 0 { close(freezerFD) }
        if peakFD >= 0 { close(peakFD) }
    }

    private func writeFreezer(_ value: [UInt8]) {
        if freezerFD >= 0 {
            _ = value.withUnsafeBytes { pwrite(freezerFD, $0.baseAddress, $0.count, 0) }
        } else {
            try? Self.write(String(decoding: value, as: UTF8.self), to: freezerFile)
        }
    }

    /// The `cgroup.procs` files a new process writes itself into.
    public var procsFiles: [String] { directories.map { $0 + "/cgroup.procs" } }

    private func file(_ controller: String, _ name: String) -> String {
        Self.file(controller, name, version: version, in: directories)
    }

    /// The directory of `controller` among per-hierarchy `directories` (v1), or the one
    /// unified directory (v2); nil when that v1 controller is not among them.
    static func directory(_ controller: String, version: CgroupHierarchy.Version, in directories: [String]) -> String? {
        version == .v2 ? directories.first : directories.first { $0.contains("/\(controller)/") }
    }

    static func file(_ controller: String, _ name: String, version: CgroupHierarchy.Version, in directories: [String]) -> String {
        directory(controller, version: version, in: directories).map { $0 + "/" + name } ?? ""
    }

    /// Applies (or changes) the group's limits.
    public func apply(_ limits: CgroupLimits) throws(CgroupUnavailable) {
        switch version {
        case .v1:
            try Self.write(String(limits.memoryBytes), to: file("memory", "memory.limit_in_bytes"))
            // With swap accounting on, also cap memory+swap so the limit is not escaped by swapping.
            let memsw = file("memory", "memory.memsw.limit_in_bytes")
            if access(memsw, F_OK) == 0 { try Self.write(String(limits.memoryBytes), to: memsw) }
            try Self.write(String(limits.pids), to: file("pids", "pids.max"))
            try Self.write(String(limits.cpuShares), to: file("cpu", "cpu.shares"))
        case .v2:
            try Self.write(String(limits.memoryBytes), to: file("memory", "memory.max"))
            let swap = file("memory", "memory.swap.max")
            if access(swap, F_OK) == 0 { try Self.write("0", to: swap) }
            try Self.write(String(limits.pids), to: file("pids", "pids.max"))
            try Self.write(String(limits.cpuWeight), to: file("cpu", "cpu.weight"))
        }
    }

    /// Stops every process in the group (Lambda freezes idle environments).
    public func freeze() {
        writeFreezer(freezeValues.freeze)
    }

    /// Lets the group's processes run again.
    public func thaw() {
        writeFreezer(freezeValues.thaw)
    }

    /// How many processes the kernel's OOM killer has ended in this group.
    public var oomKills: Int {
        let path = version == .v1 ? file("memory", "memory.oom_control") : file("memory", "memory.events")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst(9)) ?? 0
        }
        return 0
    }

    /// The group's peak memory use in bytes, or nil if the kernel does not report it.
    public var peakMemoryBytes: Int? {
        guard peakFD >= 0 else { return nil }
        var digits = [UInt8](repeating: 0, count: 32)
        let count = digits.withUnsafeMutableBytes { pread(peakFD, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        var value = 0
        for digit in digits[0..<count] {
            guard digit >= 48, digit <= 57 else { break }
            value = value * 10 + Int(digit - 48)
        }
        return value
    }

    /// The processes in the group.
    public var processes: [pid_t] {
        guard let text = try? String(contentsOfFile: directories[0] + "/cgroup.procs", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// SIGKILLs every process in the group. Thaw first: a frozen process cannot die.
    public func killAll() {
        if version == .v2, (try? Self.write("1", to: directories[0] + "/cgroup.kill")) != nil { return }
        for pid in processes { kill(pid, SIGKILL) }
    }

    /// Removes the group once its processes are gone; retries briefly while they exit.
    public func destroy() {
        thaw()
        for directory in directories {
            var attempts = 0
            while rmdir(directory) != 0 && errno == EBUSY && attempts < 50 {
                killAll()
                attempts += 1
                usleep(2_000)
            }
        }
    }

    static func write(_ value: String, to path: String) throws(CgroupUnavailable) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CgroupUnavailable(reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw CgroupUnavailable(reason: "cannot write \(value) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
