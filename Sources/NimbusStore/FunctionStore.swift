import Foundation
import GRDB
import NimbusCore

/// Durable function configurations.
public protocol FunctionStore: Sendable {
    /// Inserts a new function; `.conflict` if the name is taken.
    func create(_ function: FunctionConfiguration) throws(StoreError)
    func get(_ name: String) throws(StoreError) -> FunctionConfiguration?
    /// Functions ordered by name, strictly after `marker`.
    func list(after marker: String?, limit: Int) throws(StoreError) -> [FunctionConfiguration]
    func all() throws(StoreError) -> [FunctionConfiguration]
    /// Replaces a function; `.notFound` if missing.
    func update(_ function: FunctionConfiguration) throws(StoreError)
    /// Deletes a function; `.notFound` if missing.
    func delete(_ name: String) throws(StoreError)
    /// Total zipped code size and function count, for GetAccountSettings.
    func usage() throws(StoreError) -> (totalCodeSize: Int64, functionCount: Int)

    // Versions, aliases and concurrency (FunctionReleaseStore.swift).

    /// Everything about every function, for loading the registry at start.
    func loadAll() throws(StoreError) -> [StoredFunction]
    /// Copies `$LATEST` into version `number`, with its own description and revision.
    func publishVersion(_ name: String, number: Int, description: String?, revisionId: String, lastModified: Date) throws(StoreError) -> FunctionConfiguration
    func deleteVersion(_ name: String, number: Int) throws(StoreError)
    /// Inserts or replaces an alias.
    func saveAlias(_ alias: FunctionAlias) throws(StoreError)
    /// Sets the RevisionId of `$LATEST` (nil), a version (its number) or an alias, and
    /// nothing else: what a policy change does to the resource it changes.
    func setRevision(_ name: String, qualifier: String?, revisionId: String) throws(StoreError)
    func deleteAlias(_ name: String, alias: String) throws(StoreError)
    func setReservedConcurrency(_ name: String, _ value: Int?) throws(StoreError)
    /// Inserts or replaces a provisioned concurrency configuration; nil deletes it.
    func setProvisionedConcurrency(_ name: String, qualifier: String, _ config: ProvisionedConcurrency?) throws(StoreError)
}

/// The SQLite implementation of ``FunctionStore``.
public struct SQLiteFunctionStore: FunctionStore {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    public func create(_ function: FunctionConfiguration) throws(StoreError) {
        try write { db in
            if try FunctionRow.fetchOne(db, key: function.name) != nil {
                throw StoreError(.conflict)
            }
            try FunctionRow(function).insert(db)
        }
    }

    public func get(_ name: String) throws(StoreError) -> FunctionConfiguration? {
        try read { db in try FunctionRow.fetchOne(db, key: name)?.configuration }
    }

    public func list(after marker: String?, limit: Int) throws(StoreError) -> [FunctionConfiguration] {
        try read { db in
            var request = FunctionRow.order(Column("name"))
            if let marker { request = request.filter(Column("name") > marker) }
            return try request.limit(limit).fetchAll(db).map(\.configuration)
        }
    }

    public func all() throws(StoreError) -> [FunctionConfiguration] {
        try read { db in try FunctionRow.order(Column("name")).fetchAll(db).map(\.configuration) }
    }

    public func update(_ function: FunctionConfiguration) throws(StoreError) {
        try write { db in
            guard try FunctionRow.fetchOne(db, key: function.name) != nil else { throw StoreError(.notFound) }
            try FunctionRow(function).update(db)
        }
    }

    public func delete(_ name: String) throws(StoreError) {
        try write { db in
            guard try FunctionRow.deleteOne(db, key: name) else { throw StoreError(.notFound) }
            for table in ["function_version", "function_alias", "provisioned_concurrency"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE name = ?", arguments: [name])
            }
        }
    }

    public func usage() throws(StoreError) -> (totalCodeSize: Int64, functionCount: Int) {
        try read { db in
            let count = try FunctionRow.fetchCount(db)
            let size = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM code_package WHERE sha256 IN (SELECT code_sha256 FROM function UNION SELECT code_sha256 FROM function_version)") ?? 0
            return (size, count)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError.wrap(error) }
    }
}

extension StoreError {
    /// Passes StoreErrors through and wraps anything else as `.io`.
    static func wrap(_ error: any Error) -> StoreError {
        (error as? StoreError) ?? StoreError(.io, underlying: error)
    }
}

/// A `function` table row. Private to the store: the rest of Nimbus sees
/// ``FunctionConfiguration``.
struct FunctionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "function"

    var name: String
    var runtime: String
    var role: String
    var handler: String
    var description: String
    var timeout: Int
    var memory_size: Int
    var ephemeral_storage: Int
    var environment: String
    var architectures: String
    var code_sha256: String
    var code_size: Int64
    var revision_id: String
    var last_modified: Int64
    var package_type: String
    var log_format: String
    var log_group: String
    var tracing_mode: String
    var layers: String
    var dead_letter_target: String?

    /// The JSON form of one entry of the `layers` column.
    struct LayerColumn: Codable {
        var arn: String
        var codeSize: Int64
        var codeSha256: String
        var unzippedSize: Int64
    }

    init(_ f: FunctionConfiguration) {
        name = f.name
        runtime = f.runtime.rawValue
        role = f.role
        handler = f.handler
        description = f.description
        timeout = f.timeout
        memory_size = f.memorySize
        ephemeral_storage = f.ephemeralStorageSize
        environment = Self.json(f.environment)
        architectures = Self.json(f.architectures)
        code_sha256 = f.codeSHA256Hex
        code_size = f.codeSize
        revision_id = f.revisionId
        last_modified = FunctionConfiguration.unixMilliseconds(f.lastModified)
        package_type = f.packageType
        log_format = f.logFormat
        log_group = f.logGroup
        tracing_mode = f.tracingMode
        layers = Self.json(f.layers.map { LayerColumn(arn: $0.arn, codeSize: $0.codeSize, codeSha256: $0.codeSHA256Hex, unzippedSize: $0.unzippedSize) })
        dead_letter_target = f.deadLetterTargetArn
    }

    var configuration: FunctionConfiguration { configuration(version: FunctionConfiguration.latest) }

    func configuration(version: String) -> FunctionConfiguration {
        FunctionConfiguration(
            name: name,
            version: version,
            runtime: Runtime(rawValue: runtime),
            role: role,
            handler: handler,
            description: description,
            timeout: timeout,
            memorySize: memory_size,
            ephemeralStorageSize: ephemeral_storage,
            environment: Self.decode(environment) ?? [:],
            architectures: Self.decode(architectures) ?? ["x86_64"],
            codeSHA256Hex: code_sha256,
            codeSize: code_size,
            revisionId: revision_id,
            lastModified: Date(timeIntervalSince1970: Double(last_modified) / 1000),
            packageType: package_type,
            logFormat: log_format,
            logGroup: log_group,
            tracingMode: tracing_mode,
            layers: (Self.decode(layers) as [LayerColumn]?)?.map {
                FunctionLayer(arn: $0.arn, codeSize: $0.codeSize, codeSHA256Hex: $0.codeSha256, unzippedSize: $0.unzippedSize)
            } ?? [],
            deadLetterTargetArn: dead_letter_target
        )
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func decode<T: Decodable>(_ text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
