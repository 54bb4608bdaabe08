import Foundation
import GRDB
import NimbusCore

/// What PublishLayerVersion stores; the store assigns the version number.
public struct LayerVersionDraft: Sendable, Equatable {
    public var description: String
    public var compatibleRuntimes: [String]?
    public var compatibleArchitectures: [String]?
    public var licenseInfo: String?
    public var codeSHA256Hex: String
    public var codeSize: Int64

    public init(
        description: String = "", compatibleRuntimes: [String]? = nil, compatibleArchitectures: [String]? = nil,
        licenseInfo: String? = nil, codeSHA256Hex: String, codeSize: Int64
    ) {
        self.description = description
        self.compatibleRuntimes = compatibleRuntimes
        self.compatibleArchitectures = compatibleArchitectures
        self.licenseInfo = licenseInfo
        self.codeSHA256Hex = codeSHA256Hex
        self.codeSize = codeSize
    }
}

/// A layer version's resource policy: its statements in the order they were added,
/// and the RevisionId that changes with every add or remove.
public struct LayerPolicy: Sendable, Equatable {
    public var statements: [LayerPermissionStatement]
    public var revisionId: String
}

/// Durable layer versions and their permission statements.
///
/// Rules:
/// 1. Version numbers per layer start at 1 and grow by one per publish, and are never
///    reused, even after deletion. Why: a function keeps a reference to `NAME:N`; reusing
///    N would silently point it at different content.
/// 2. Deleting a layer version that does not exist is not an error (AWS answers 204).
/// 3. The layer's zip stays in the code store after deletion: functions that use the
///    version keep working, as on AWS.
public protocol LayerStore: Sendable {
    /// Stores a new version of `name`, numbered one past the highest ever published.
    func publish(name: String, _ draft: LayerVersionDraft, createdDate: Date) throws(StoreError) -> LayerVersion
    func get(name: String, version: Int) throws(StoreError) -> LayerVersion?
    /// Versions of one layer (or of every layer when `name` is nil), ordered by name,
    /// then newest version first.
    func versions(name: String?) throws(StoreError) -> [LayerVersion]
    /// Deletes a version and its policy; does nothing if it does not exist.
    func delete(name: String, version: Int) throws(StoreError)
    /// The version's policy (possibly without statements), or nil if the version does not exist.
    func policy(name: String, version: Int) throws(StoreError) -> LayerPolicy?
    /// Adds a statement and returns the policy's new RevisionId.
    ///
    /// Throws `.notFound` if the version does not exist, `.revisionMismatch` if
    /// `expectedRevisionId` is given and differs, `.conflict` if the statement id is taken.
    func addStatement(_ statement: LayerPermissionStatement, name: String, version: Int, expectedRevisionId: String?) throws(StoreError) -> String
    /// Removes a statement; returns false if the policy has no statement with that id.
    ///
    /// Throws `.notFound` if the version does not exist and `.revisionMismatch` as above.
    func removeStatement(_ statementId: String, name: String, version: Int, expectedRevisionId: String?) throws(StoreError) -> Bool
}

/// The SQLite implementation of ``LayerStore``.
public struct SQLiteLayerStore: LayerStore {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    public func publish(name: String, _ draft: LayerVersionDraft, createdDate: Date) throws(StoreError) -> LayerVersion {
        try write { db in
            let latest = try Int.fetchOne(db, sql: "SELECT latest_version FROM layer WHERE name = ?", arguments: [name]) ?? 0
            let version = latest + 1
            try db.execute(
                sql: "INSERT INTO layer (name, latest_version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET latest_version = excluded.latest_version",
                arguments: [name, version]
            )
            let layerVersion = LayerVersion(
                name: name, version: version, description: draft.description,
                compatibleRuntimes: draft.compatibleRuntimes, compatibleArchitectures: draft.compatibleArchitectures,
                licenseInfo: draft.licenseInfo, codeSHA256Hex: draft.codeSHA256Hex, codeSize: draft.codeSize,
                createdDate: createdDate
            )
            try LayerVersionRow(layerVersion, policyRevisionId: Self.newRevision()).insert(db)
            return layerVersion
        }
    }

    public func get(name: String, version: Int) throws(StoreError) -> LayerVersion? {
        try read { db in try LayerVersionRow.fetchOne(db, key: ["name": name, "version": version])?.layerVersion }
    }

    public func versions(name: String?) throws(StoreError) -> [LayerVersion] {
        try read { db in
            var request = LayerVersionRow.order(Column("name"), Column("version").desc)
            if let name { request = request.filter(Column("name") == name) }
            return try request.fetchAll(db).map(\.layerVersion)
        }
    }

    public func delete(name: String, version: Int) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM layer_version_statement WHERE name = ? AND version = ?", arguments: [name, version])
            try db.execute(sql: "DELETE FROM layer_version WHERE name = ? AND version = ?", arguments: [name, version])
        }
    }

    public func policy(name: String, version: Int) throws(StoreError) -> LayerPolicy? {
        try read { db in
            guard let row = try LayerVersionRow.fetchOne(db, key: ["name": name, "version": version]) else { return nil }
            return LayerPolicy(statements: try Self.statements(db, name: name, version: version), revisionId: row.policy_revision_id)
        }
    }

    public func addStatement(_ statement: LayerPermissionStatement, name: String, version: Int, expectedRevisionId: String?) throws(StoreError) -> String {
        try write { db in
            guard let row = try LayerVersionRow.fetchOne(db, key: ["name": name, "version": version]) else { throw StoreError(.notFound) }
            if let expectedRevisionId, expectedRevisionId != row.policy_revision_id { throw StoreError(.revisionMismatch) }
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM layer_version_statement WHERE name = ? AND version = ? AND statement_id = ?)",
                arguments: [name, version, statement.statementId]
            ) ?? false
            if taken { throw StoreError(.conflict) }
            try db.execute(
                sql: "INSERT INTO layer_version_statement (name, version, statement_id, action, principal, organization_id) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, version, statement.statementId, statement.action, statement.principal, statement.organizationId]
            )
            return try Self.advanceRevision(db, name: name, version: version)
        }
    }

    public func removeStatement(_ statementId: String, name: String, version: Int, expectedRevisionId: String?) throws(StoreError) -> Bool {
        try write { db in
            guard let row = try LayerVersionRow.fetchOne(db, key: ["name": name, "version": version]) else { throw StoreError(.notFound) }
            if let expectedRevisionId, expectedRevisionId != row.policy_revision_id { throw StoreError(.revisionMismatch) }
            try db.execute(
                sql: "DELETE FROM layer_version_statement WHERE name = ? AND version = ? AND statement_id = ?",
                arguments: [name, version, statementId]
            )
            guard db.changesCount > 0 else { return false }
            _ = try Self.advanceRevision(db, name: name, version: version)
            return true
        }
    }

    private static func statements(_ db: Database, name: String, version: Int) throws -> [LayerPermissionStatement] {
        try Row.fetchAll(
            db,
            sql: "SELECT statement_id, action, principal, organization_id FROM layer_version_statement WHERE name = ? AND version = ? ORDER BY id",
            arguments: [name, version]
        ).map { row in
            LayerPermissionStatement(statementId: row[0], action: row[1], principal: row[2], organizationId: row[3])
        }
    }

    private static func advanceRevision(_ db: Database, name: String, version: Int) throws -> String {
        let revision = newRevision()
        try db.execute(
            sql: "UPDATE layer_version SET policy_revision_id = ? WHERE name = ? AND version = ?",
            arguments: [revision, name, version]
        )
        return revision
    }

    private static func newRevision() -> String { UUID().uuidString.lowercased() }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError.wrap(error) }
    }
}

/// A `layer_version` row. Private to the store: the rest of Nimbus sees ``LayerVersion``.
struct LayerVersionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "layer_version"

    var name: String
    var version: Int
    var description: String
    var compatible_runtimes: String?
    var compatible_architectures: String?
    var license_info: String?
    var code_sha256: String
    var code_size: Int64
    var created_date: Int64
    var policy_revision_id: String

    init(_ v: LayerVersion, policyRevisionId: String) {
        name = v.name
        version = v.version
        description = v.description
        compatible_runtimes = v.compatibleRuntimes.map(FunctionRow.json)
        compatible_architectures = v.compatibleArchitectures.map(FunctionRow.json)
        license_info = v.licenseInfo
        code_sha256 = v.codeSHA256Hex
        code_size = v.codeSize
        created_date = FunctionConfiguration.unixMilliseconds(v.createdDate)
        policy_revision_id = policyRevisionId
    }

    var layerVersion: LayerVersion {
        LayerVersion(
            name: name, version: version, description: description,
            compatibleRuntimes: compatible_runtimes.flatMap(FunctionRow.decode),
            compatibleArchitectures: compatible_architectures.flatMap(FunctionRow.decode),
            licenseInfo: license_info, codeSHA256Hex: code_sha256, codeSize: code_size,
            createdDate: Date(timeIntervalSince1970: Double(created_date) / 1000)
        )
    }
}
