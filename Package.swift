// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "nimbus",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nimbus", targets: ["nimbus"]),
        .executable(name: "nimbus-init", targets: ["nimbus-init"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP/HTTP only: the gRPC exporter's packages are resolved but not built.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Domain values and rules. No HTTP, NIO or SQL.
        .target(
            name: "NimbusCore",
            dependencies: []
        ),
        // Persistence: SQLite through GRDB, and content-addressed code packages.
        .target(
            name: "NimbusStore",
            dependencies: [
                "NimbusCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The server side of the Lambda Runtime API (2018-06-01).
        .target(
            name: "NimbusRuntimeAPI",
            dependencies: [
                "NimbusCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // AWS Signature Version 4 verification.
        .target(
            name: "NimbusAuth",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The sandbox's first process (C, no Swift runtime): drops privileges and relays
        // the Runtime API into an isolated network namespace.
        // Linked without the Swift runtime, which the sandbox does not contain.
        .executableTarget(name: "nimbus-init", linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        // Small C shims for process spawning (posix_spawn with setsid/chdir, pidfd).
        .target(name: "CNimbusSys"),
        // Execution environments: process supervision, log capture.
        .target(
            name: "NimbusSandbox",
            dependencies: [
                "NimbusCore",
                "CNimbusSys",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Invoke routing, environment pools, timeouts, log framing.
        .target(
            name: "NimbusInvoke",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                "NimbusRuntimeAPI",
                "NimbusSandbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // The built-in runtime interface clients (Python, JavaScript).
            resources: [.copy("Resources/runtimes")]
        ),
        // The SQS-compatible queue service (AWS JSON 1.0 protocol), durable in SQLite.
        .target(
            name: "NimbusQueues",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // EventBridge-compatible schedule rules (AWS JSON 1.1) that invoke functions, durable in SQLite.
        .target(
            name: "NimbusSchedules",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Kinesis Data Streams-compatible stream service (AWS JSON 1.1), durable in SQLite.
        .target(
            name: "NimbusStreams",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // CloudWatch Logs-compatible read API (AWS JSON 1.1) and retention over the stored function logs.
        .target(
            name: "NimbusLogs",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Lambda REST API: routing, SigV4, AWS-shaped JSON and errors.
        .target(
            name: "NimbusControlAPI",
            dependencies: [
                "NimbusCore",
                "NimbusQueues",
                "NimbusSchedules",
                "NimbusStreams",
                "NimbusLogs",
                "NimbusStore",
                "NimbusInvoke",
                "NimbusSandbox",
                "NimbusAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The web console under /console/: static pages and a small JSON API behind a login.
        .target(
            name: "NimbusConsole",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                "NimbusControlAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // The console's own HTML, JavaScript and CSS (no build step).
            resources: [.copy("Resources/console")]
        ),
        // Composition root.
        .target(
            name: "NimbusServer",
            dependencies: [
                "NimbusCore",
                "NimbusStore",
                "NimbusRuntimeAPI",
                "NimbusSandbox",
                "NimbusInvoke",
                "NimbusControlAPI",
                "NimbusQueues",
                "NimbusSchedules",
                "NimbusStreams",
                "NimbusLogs",
                "NimbusConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),
        // The people-facing CLI's logic: a SigV4-signing API client, SAM templates, deploy/dev.
        .target(
            name: "NimbusCLI",
            dependencies: [
                "NimbusAuth",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "nimbus",
            dependencies: [
                "NimbusCLI",
                "NimbusServer",
                "NimbusSandbox",
                "NimbusStore",
                "NimbusCore",
                "NimbusAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NimbusCoreTests", dependencies: ["NimbusCore"]),
        .testTarget(
            name: "NimbusStoreTests",
            dependencies: [
                "NimbusStore", "NimbusCore", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "NimbusRuntimeAPITests",
            dependencies: ["NimbusRuntimeAPI", "NimbusCore", .product(name: "NIOHTTP1", package: "swift-nio")]
        ),
        .testTarget(name: "NimbusQueuesTests", dependencies: ["NimbusQueues", "NimbusStore"]),
        .testTarget(
            name: "NimbusSchedulesTests",
            dependencies: ["NimbusSchedules", "NimbusStore", "NimbusCore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "NimbusStreamsTests", dependencies: ["NimbusStreams", "NimbusStore", "NimbusCore"]),
        .testTarget(
            name: "NimbusLogsTests",
            dependencies: ["NimbusLogs", "NimbusStore", "NimbusCore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "NimbusSandboxTests", dependencies: ["NimbusSandbox"]),
        .testTarget(name: "NimbusInvokeTests", dependencies: ["NimbusInvoke"]),
        .testTarget(name: "NimbusCLITests", dependencies: ["NimbusCLI", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "NimbusAuthTests", dependencies: ["NimbusAuth"], exclude: ["make_vectors.py"]),
        .testTarget(
            name: "NimbusConsoleTests",
            dependencies: [
                "NimbusConsole", "NimbusControlAPI", "NimbusCore", "NimbusStore", "NimbusInvoke",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "NimbusControlAPITests",
            dependencies: [
                "NimbusControlAPI", "NimbusCore", "NimbusQueues", "NimbusStreams",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
