import Foundation

/// What one function should look like after a deploy.
public struct FunctionSpec: Sendable {
    public var name: String
    public var runtime: String
    public var handler: String
    /// nil: AWS's default on create (128), unchanged on update.
    public var memorySize: Int?
    /// nil: AWS's default on create (3), unchanged on update.
    public var timeout: Int?
    /// nil: none on create, unchanged on update.
    public var environment: [String: String]?
    /// Layer version ARNs; nil: none on create, unchanged on update.
    public var layers: [String]?
    public var description: String?
    public var role: String

    public init(
        name: String, runtime: String, handler: String, memorySize: Int? = nil, timeout: Int? = nil,
        environment: [String: String]? = nil, layers: [String]? = nil, description: String? = nil,
        role: String = FunctionSpec.defaultRole
    ) {
        self.name = name
        self.runtime = runtime
        self.handler = handler
        self.memorySize = memorySize
        self.timeout = timeout
        self.environment = environment
        self.layers = layers
        self.description = description
        self.role = role
    }

    /// Nimbus does not assume roles; CreateFunction still requires one, so the CLI sends a placeholder.
    public static let defaultRole = "arn:aws:iam::000000000000:role/nimbus-cli"

    /// The configuration fields of CreateFunction / UpdateFunctionConfiguration that are set.
    var configuration: [String: Any] {
        var body: [String: Any] = ["Runtime": runtime, "Handler": handler]
        if let memorySize { body["MemorySize"] = memorySize }
        if let timeout { body["Timeout"] = timeout }
        if let environment { body["Environment"] = ["Variables": environment] }
        if let layers { body["Layers"] = layers }
        if let description { body["Description"] = description }
        return body
    }
}

/// Creates or updates functions through the Lambda API, waiting until each change is live.
public struct FunctionDeployer: Sendable {
    public var client: NimbusClient
    /// Where progress lines go.
    public var say: @Sendable (String) -> Void

    public init(client: NimbusClient, say: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.say = say
    }

    /// Zips `folder` and makes `spec` the function's code and configuration; returns its ARN.
    @discardableResult
    public func deploy(_ spec: FunctionSpec, folder: URL) async throws(CLIError) -> String {
        let package = try Packager.package(folder)
        say("Packaging… \(Packager.describe(files: package.fileCount, bytes: package.byteCount))")
        return try await deploy(spec, zip: package.zip)
    }

    /// Makes `spec` and `zip` the function's configuration and code; returns its ARN.
    public func deploy(_ spec: FunctionSpec, zip: Data) async throws(CLIError) -> String {
        let path = "/2015-03-31/functions/\(NimbusClient.segment(spec.name))"
        let existing = try await client.lambda("GET", path, allowErrors: true)
        if existing.status == 404 {
            say("Creating function \(spec.name)…")
            var body = spec.configuration
            body["FunctionName"] = spec.name
            body["Role"] = spec.role
            body["Code"] = ["ZipFile": zip.base64EncodedString()]
            _ = try await client.lambda("POST", "/2015-03-31/functions", json: body)
        } else if existing.status >= 400 {
            throw NimbusClient.error(existing)
        } else {
            say("Updating function \(spec.name)…")
            _ = try await client.lambda("PUT", "\(path)/code", json: ["ZipFile": zip.base64EncodedString()])
            try await waitUntilReady(spec.name)
            _ = try await client.lambda("PUT", "\(path)/configuration", json: spec.configuration)
        }
        return try await waitUntilReady(spec.name)
    }

    /// Only the code: UpdateFunctionCode, then wait. What `nimbus dev` does on each change.
    public func updateCode(name: String, zip: Data) async throws(CLIError) {
        _ = try await client.lambda(
            "PUT", "/2015-03-31/functions/\(NimbusClient.segment(name))/code", json: ["ZipFile": zip.base64EncodedString()]
        )
        try await waitUntilReady(name)
    }

    /// Polls GetFunction until State is Active and LastUpdateStatus Successful; returns the ARN.
    @discardableResult
    public func waitUntilReady(_ name: String, seconds: Double = 120) async throws(CLIError) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let response = try await client.lambda("GET", "/2015-03-31/functions/\(NimbusClient.segment(name))")
            let configuration = response.json["Configuration"] as? [String: Any] ?? [:]
            let state = configuration["State"] as? String ?? "Active"
            let update = configuration["LastUpdateStatus"] as? String ?? "Successful"
            if state == "Failed" || update == "Failed" {
                let reason = configuration["StateReason"] as? String ?? configuration["LastUpdateStatusReason"] as? String ?? ""
                throw CLIError("Function \(name) failed to become ready: \(reason)")
            }
            if state == "Active" && update == "Successful" {
                return configuration["FunctionArn"] as? String ?? name
            }
            if Date() > deadline { throw CLIError("Function \(name) is still \(state)/\(update) after \(Int(seconds)) s.") }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
