import Foundation

/// How execution environments are isolated on this machine.
///
/// `sandbox` (the default wherever it works): bubblewrap namespaces, an unprivileged user
/// and cgroup limits. `process`: plain child processes, with cgroup limits when the machine
/// allows them; for machines without bubblewrap or cgroups, and for debugging.
public struct Isolation: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case process, sandbox
    }

    public let mode: Mode
    /// Set in `sandbox` mode.
    public let bubblewrap: Bubblewrap?
    /// Set when cgroups can be used (always in `sandbox` mode).
    public let cgroups: CgroupHierarchy?

    public init(mode: Mode, bubblewrap: Bubblewrap?, cgroups: CgroupHierarchy?) {
        self.mode = mode
        self.bubblewrap = bubblewrap
        self.cgroups = cgroups
    }

    /// Plain processes with no limits (unit tests, and machines with nothing better).
    public static let plain = Isolation(mode: .process, bubblewrap: nil, cgroups: nil)

    /// Why the requested isolation is impossible here.
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Picks the isolation: `requested` when given (failing if `sandbox` cannot work),
    /// otherwise `sandbox` when bubblewrap and cgroups both work, else `process`, with a
    /// warning that says why.
    public static func resolve(
        requested: Mode?,
        initProgram: String?,
        bubblewrapPath: String = "/usr/bin/bwrap",
        cgroupRoot: String = "/sys/fs/cgroup"
    ) -> Result<(Isolation, warning: String?), Unavailable> {
        let cgroups: CgroupHierarchy?
        var problems: [String] = []
        switch CgroupHierarchy.detect(root: cgroupRoot) {
        case .success(let hierarchy):
            cgroups = hierarchy
        case .failure(let error):
            cgroups = nil
            problems.append("cgroups are unavailable (\(error.reason))")
        }
        if requested == .process {
            return .success((Isolation(mode: .process, bubblewrap: nil, cgroups: cgroups), nil))
        }
        if let problem = Bubblewrap.probe(executable: bubblewrapPath) {
            problems.append(problem)
        }
        if initProgram.map({ FileManager.default.isExecutableFile(atPath: $0) }) != true {
            problems.append("nimbus-init was not found next to the nimbus executable (\(initProgram ?? "?"))")
        }
        if problems.isEmpty, let initProgram {
            let bubblewrap = Bubblewrap(executable: bubblewrapPath, initProgram: initProgram)
            return .success((Isolation(mode: .sandbox, bubblewrap: bubblewrap, cgroups: cgroups), nil))
        }
        let reasons = problems.joined(separator: "; ")
        if requested == .sandbox {
            return .failure(Unavailable(description: "--isolation sandbox cannot work on this machine: \(reasons)"))
        }
        let limits = cgroups == nil ? "without memory, CPU or process limits" : "with cgroup limits but no namespaces"
        let warning = "functions run as plain processes, \(limits), because \(reasons). Use --isolation process to choose this explicitly."
        return .success((Isolation(mode: .process, bubblewrap: nil, cgroups: cgroups), warning))
    }
}

/// A function's network: `host` (outbound access, as Lambda has) or `isolated` (its own
/// network namespace with only loopback). Chosen per function with the environment
/// variable `NIMBUS_NETWORK_MODE`, defaulting to the server's `--network`. Only the
/// sandbox can isolate the network; plain processes always share the host's.
public enum NetworkMode: String, Sendable, CaseIterable {
    case host, isolated
    public static let variable = "NIMBUS_NETWORK_MODE"
}
