import Foundation
import GRDB
import NimbusCore

/// A provisioned concurrency configuration as stored: the request and when it was made.
public struct ProvisionedConcurrency: Sendable, Equatable {
    public var requested: Int
    public var lastModified: Date

    public init(requested: Int, lastModified: Date) {
        self.requested = requested
        self.lastModified = FunctionConfiguration.milliseconds(lastModified)
    }
}

/// One function with its published versions, aliases and concurrency settings.
public struct StoredFunction: Sendable {
    public var latest: FunctionConfiguration
    public var versions: [FunctionConfiguration]
    public var latestVersionNumber: Int
    public var aliases: [FunctionAlias]
    public var reservedConcurrency: Int?
    /// By qualifier (a version number or an alias name).
    public var provisioned: [String: ProvisionedConcurrency]
}

extension SQLiteFunctionStore {
    public func loadAll() throws(StoreError) -> [StoredFunction] {
        try read { db in
            var functions: [String: StoredFunction] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM function") {
                let record = try FunctionRow(row: row)
                functions[record.name] = StoredFunction(
                    latest: record.configuration, versions: [], latestVersionNumber: row["latest_version"],
                    aliases: [], reservedConcurrency: row["reserved_concurrency"], provisioned: [:]
                )
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM function_version ORDER BY name, version") {
                let record = try FunctionRow(row: row)
                let number: Int = row["version"]
                functions[record.name]?.versions.append(record.configuration(version: String(number)))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM function_alias ORDER BY name, alias") {
                let name: String = row["name"]
                let routing: String? = row["routing"]
                functions[name]?.aliases.append(FunctionAlias(
                    functionName: name, name: row["alias"], functionVersion: row["function_version"],
                    description: row["description"], additionalVersionWeights: routing.flatMap { FunctionRow.decode($0) },
                    revisionId: row["revision_id"]
                ))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM provisioned_concurrency") {
                let name: String = row["name"]
                let millis: Int64 = row["last_modified"]
                functions[name]?.provisioned[row["qualifier"]] = ProvisionedConcurrency(
                    requested: row["requested"], lastModified: Date(timeIntervalSince1970: Double(millis) / 1000)
                )
            }
            return functions.values.sorted { $0.latest.name < $1.latest.name }
        }
    }

    public func publishVersion(_ name: String, number: Int, description: String?, revisionId: String, lastModified: Date) throws(StoreError) -> FunctionConfiguration {
        try write { db in
            guard var record = try FunctionRow.fetchOne(db, key: name) else { throw StoreError(.notFound) }
            if let description { record.description = description }
            record.revision_id = revisionId
            record.last_modified = FunctionConfiguration.unixMilliseconds(lastModified)
            var values = try record.databaseDictionary
            values["version"] = number.databaseValue
            let columns = values.keys.sorted()
            let sql = "INSERT INTO function_version (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            try db.execute(sql: sql, arguments: StatementArguments(columns.map { values[$0] }))
            try db.execute(sql: "UPDATE function SET latest_version = ? WHERE name = ?", arguments: [number, name])
            return record.configuration(version: String(number))
        }
    }

    public func deleteVersion(_ name: String, number: Int) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM function_version WHERE name = ? AND version = ?", arguments: [name, number])
            try db.execute(sql: "DELETE FROM provisioned_concurrency WHERE name = ? AND qualifier = ?", arguments: [name, String(number)])
        }
    }

    public func saveAlias(_ alias: FunctionAlias) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO function_alias (name, alias, function_version, description, routing, revision_id) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [alias.functionName, alias.name, alias.functionVersion, alias.description,
                            alias.additionalVersionWeights.map { FunctionRow.json($0) }, alias.revisionId]
            )
        }
    }

    public func setRevision(_ name: String, qualifier: String?, revisionId: String) throws(StoreError) {
        try write { db in
            if let qualifier, let number = Int(qualifier) {
                try db.execute(sql: "UPDATE function_version SET revision_id = ? WHERE name = ? AND version = ?", arguments: [revisionId, name, number])
            } else if let qualifier, qualifier != FunctionConfiguration.latest {
                try db.execute(sql: "UPDATE function_alias SET revision_id = ? WHERE name = ? AND alias = ?", arguments: [revisionId, name, qualifier])
            } else {
                try db.execute(sql: "UPDATE function SET revision_id = ? WHERE name = ?", arguments: [revisionId, name])
            }
            guard db.changesCount == 1 else { throw StoreError(.notFound) }
        }
    }

    public func deleteAlias(_ name: String, alias: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM function_alias WHERE name = ? AND alias = ?", arguments: [name, alias])
            try db.execute(sql: "DELETE FROM provisioned_concurrency WHERE name = ? AND qualifier = ?", arguments: [name, alias])
        }
    }

    public func setReservedConcurrency(_ name: String, _ value: Int?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE function SET reserved_concurrency = ? WHERE name = ?", arguments: [value, name])
            guard db.changesCount > 0 else { throw StoreError(.notFound) }
        }
    }

    public func setProvisionedConcurrency(_ name: String, qualifier: String, _ config: ProvisionedConcurrency?) throws(StoreError) {
        try write { db in
            if let config {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO provisioned_concurrency (name, qualifier, requested, last_modified) VALUES (?, ?, ?, ?)",
                    arguments: [name, qualifier, config.requested, FunctionConfiguration.unixMilliseconds(config.lastModified)]
                )
            } else {
                try db.execute(sql: "DELETE FROM provisioned_concurrency WHERE name = ? AND qualifier = ?", arguments: [name, qualifier])
            }
        }
    }
}
