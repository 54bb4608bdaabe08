/// A Lambda runtime identifier, such as `provided.al2023` or `python3.12`.
public struct Runtime: RawRepresentable, Hashable, Sendable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// AWS's runtime enum as it prints it in validation messages, in AWS's order.
    public static let awsEnumValues: [String] = [
        "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x",
        "nodejs22.x", "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2",
        "python3.8", "python3.9", "java17", "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6",
        "nodejs18.x", "provided.al2", "java8.al2",
    ]

    /// Runtimes Nimbus can run today: OS-only runtimes that start the package's `bootstrap`.
    ///
    /// `provided` is retired on AWS for new functions; Nimbus still accepts it so that old
    /// templates keep working locally.
    public static let custom: Set<String> = ["provided", "provided.al2", "provided.al2023"]

    /// Whether the name is one AWS accepts (or `provided`).
    public var isKnown: Bool { Self.awsEnumValues.contains(rawValue) || rawValue == "provided" }

    /// Whether this runtime starts the package's own `bootstrap`.
    public var isCustom: Bool { Self.custom.contains(rawValue) }

    /// How Nimbus runs a runtime.
    public enum Family: Sendable, Equatable {
        /// The package's `bootstrap` (`provided*`).
        case custom
        /// Nimbus's Python runtime client on the machine's Python 3 (`python3.9`…`python3.13`).
        case python
        /// Nimbus's Node.js runtime client on the machine's `node`, which must be this major version.
        case node(major: Int)
        /// A runtime AWS has that Nimbus does not run (Java, .NET, Ruby, ...).
        case unsupported
    }

    public var family: Family {
        if isCustom { return .custom }
        if ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"].contains(rawValue) { return .python }
        if rawValue.hasPrefix("nodejs"), rawValue.hasSuffix(".x"),
           let major = Int(rawValue.dropFirst("nodejs".count).dropLast(2)), [18, 20, 22].contains(major) {
            return .node(major: major)
        }
        return .unsupported
    }
}
