import ArgumentParser
import Foundation
import NimbusCLI

/// `--endpoint`, shared by every command that talks to a running server.
struct EndpointOptions: ParsableArguments {
    @Option(help: "The Nimbus API (env NIMBUS_ENDPOINT; default http://127.0.0.1:9000). Keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else nimbus/nimbus.")
    var endpoint: String?

    var client: NimbusClient { NimbusClient.fromEnvironment(endpoint: endpoint) }
}

/// Prints a line at once, even when stdout is a pipe (progress must not wait for a buffer).
@Sendable func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Prints a line on stderr.
@Sendable func sayError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The function options of `deploy` and `dev`.
struct FunctionOptions: ParsableArguments {
    @Option(help: "Function name (default: the folder's name).") var name: String?
    @Option(help: "Runtime, e.g. python3.12, nodejs20.x, provided.al2023 (default: guessed from the files).") var runtime: String?
    @Option(help: "Handler, e.g. app.handler (default: guessed from the files).") var handler: String?
    @Option(help: "Memory in MB (128 on create; unchanged on update when not given).") var memory: Int?
    @Option(help: "Timeout in seconds (3 on create; unchanged on update when not given).") var timeout: Int?
    @Option(name: .customLong("env"), help: "An environment variable KEY=VALUE (repeatable; replaces all when given).") var env: [String] = []

    /// The spec for the folder, guessing what was not given and saying so.
    func spec(folder: URL) throws -> FunctionSpec {
        let runtime: String
        let handler: String
        if let givenRuntime = self.runtime, let givenHandler = self.handler {
            (runtime, handler) = (givenRuntime, givenHandler)
        } else {
            guard let guess = Packager.guess(in: folder) else {
                throw CLIError("Cannot tell the runtime of \(folder.path): no app.py, index.mjs, index.js or bootstrap. Pass --runtime and --handler.")
            }
            runtime = self.runtime ?? guess.runtime
            handler = self.handler ?? guess.handler
            if self.runtime == nil, self.handler == nil {
                say("Using \(runtime) with handler \(handler) (\(guess.reason)).")
            } else if self.runtime == nil {
                say("Using \(runtime) (\(guess.reason)).")
            } else {
                say("Using handler \(handler) (\(guess.reason)).")
            }
        }
        try Packager.checkHandler(handler, runtime: runtime, in: folder)
        let name = self.name ?? folder.standardizedFileURL.lastPathComponent
        return FunctionSpec(
            name: name, runtime: runtime, handler: handler, memorySize: memory, timeout: timeout,
            environment: env.isEmpty ? nil : try Formatting.environment(env)
        )
    }
}

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a folder as a function, or a SAM template.",
        discussion: "nimbus deploy DIR zips the folder and creates or updates the function; nimbus deploy --template template.yaml deploys a SAM template's functions, layers, queues and events."
    )

    @Argument(help: "The folder holding the function's code.") var folder: String?
    @Option(help: "An AWS SAM template to deploy instead of a folder.") var template: String?
    @Option(name: .customLong("account-id"), help: "AWS::AccountId in templates (env NIMBUS_ACCOUNT_ID; default 000000000000).") var accountId: String?
    @OptionGroup var function: FunctionOptions
    @OptionGroup var endpoint: EndpointOptions

    func validate() throws {
        if (folder == nil) == (template == nil) { throw ValidationError("Give a folder, or --template FILE (not both).") }
    }

    func run() async throws {
        if let template {
            let account = accountId ?? ProcessInfo.processInfo.environment["NIMBUS_ACCOUNT_ID"] ?? "000000000000"
            try await TemplateDeployer(client: endpoint.client, accountId: account, say: say)
                .deploy(file: URL(fileURLWithPath: template))
            return
        }
        guard let folder else { throw ValidationError("Give a folder, or --template FILE.") }
        let url = URL(fileURLWithPath: folder)
        let spec = try function.spec(folder: url)
        let arn = try await FunctionDeployer(client: endpoint.client, say: say).deploy(spec, folder: url)
        say("Done: \(arn)")
    }
}

struct Invoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Invoke a function and show its result, status and log tail.")

    @Argument(help: "The function's name or ARN.") var name: String
    @Option(help: "The event, as JSON.") var payload: String?
    @Option(help: "A file holding the event.") var file: String?
    @Option(help: "A version or alias.") var qualifier: String?
    @OptionGroup var endpoint: EndpointOptions

    func validate() throws {
        if payload != nil && file != nil { throw ValidationError("Give --payload or --file, not both.") }
    }

    func run() async throws {
        var body = Data((payload ?? "{}").utf8)
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("Cannot read \(file). Pass --file with a readable file, or --payload JSON.")
            }
            body = data
        }
        let response = try await endpoint.client.lambda(
            "POST", "/2015-03-31/functions/\(NimbusClient.segment(name))/invocations",
            query: qualifier.map { "Qualifier=\(NimbusClient.segment($0))" }, body: body,
            headers: [(name: "X-Amz-Log-Type", value: "Tail")]
        )
        say(Formatting.pretty(response.body))
        let functionError = response.header("X-Amz-Function-Error")
        var status = "Status: \(response.status)"
        if let version = response.header("X-Amz-Executed-Version") { status += ", version \(version)" }
        if let functionError { status += ", function error: \(functionError)" }
        sayError(status)
        if let tail = Formatting.logTail(response.header("X-Amz-Log-Result")), !tail.isEmpty {
            sayError("--- log tail ---")
            sayError(tail.hasSuffix("\n") ? String(tail.dropLast()) : tail)
        }
        if functionError != nil { throw ExitCode(1) }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List functions: name, runtime, memory, last modified.")
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        let client = endpoint.client
        var rows: [[String]] = []
        var marker: String?
        repeat {
            let response = try await client.lambda(
                "GET", "/2015-03-31/functions/", query: marker.map { "Marker=\(NimbusClient.segment($0))" }
            )
            let json = response.json
            for function in json["Functions"] as? [[String: Any]] ?? [] {
                rows.append([
                    function["FunctionName"] as? String ?? "",
                    function["Runtime"] as? String ?? "-",
                    (function["MemorySize"] as? Int).map { "\($0) MB" } ?? "-",
                    Formatting.shortDate(function["LastModified"] as? String ?? ""),
                ])
            }
            marker = json["NextMarker"] as? String
        } while marker != nil
        if rows.isEmpty {
            say("No functions. Deploy one with `nimbus deploy DIR`.")
        } else {
            say(Formatting.table(header: ["NAME", "RUNTIME", "MEMORY", "LAST MODIFIED"], rows: rows))
        }
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a function.")
    @Argument(help: "The function's name or ARN.") var name: String
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        _ = try await endpoint.client.lambda("DELETE", "/2015-03-31/functions/\(NimbusClient.segment(name))")
        say("Deleted \(name).")
    }
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a folder, then redeploy its code on every change (hot reload). Ctrl-C stops.",
        discussion: "Watches by polling the folder's files every 200 ms."
    )

    @Argument(help: "The folder holding the function's code.") var folder: String
    @OptionGroup var function: FunctionOptions
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        let url = URL(fileURLWithPath: folder)
        let spec = try function.spec(folder: url)
        let deployer = FunctionDeployer(client: endpoint.client, say: say)
        let watcher = DirectoryWatcher(folder: url)
        var fingerprint = watcher.fingerprint()
        let arn = try await deployer.deploy(spec, folder: url)
        say("Done: \(arn)")
        say("Watching \(url.path) for changes (polling every 200 ms). Ctrl-C to stop.")
        while true {
            fingerprint = try await watcher.nextChange(after: fingerprint)
            let started = ContinuousClock.now
            do {
                let package = try Packager.package(url)
                try await deployer.updateCode(name: spec.name, zip: package.zip)
                let elapsed = ContinuousClock.now - started
                let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                say("Reloaded \(spec.name): \(Packager.describe(files: package.fileCount, bytes: package.byteCount)) in \(milliseconds) ms")
            } catch {
                sayError("Reload failed: \(error.message)\(error.message.hasSuffix(".") ? "" : ".") Still watching.")
            }
        }
    }
}
