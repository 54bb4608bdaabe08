import Crypto
import Foundation
import GRDB

extension CodeStore {
    /// What a collection removed.
    public struct Collected: Sendable, Equatable {
        /// Packages whose zip, unpacked folder and `code_package` row were removed.
        public var packages: Int
        /// Merged `/opt` folders no function's layer list names any more.
        public var layerFolders: Int
        /// Bytes of zips removed (unpacked folders not counted).
        public var zipBytes: Int64
    }

    /// Removes every package that no function, version or layer version refers to, every
    /// merged `/opt` folder no function or version uses, and what an interrupted store,
    /// unpack or merge left behind (names starting with `.`).
    ///
    /// Rules:
    /// 1. Only run while nothing else uses the store: `nimbus serve` calls it at start,
    ///    before it accepts requests or starts environments. Why: a package is written
    ///    before the function that refers to it is committed, and a running environment
    ///    reads its folder; either would lose its files to a collection running meanwhile.
    /// 2. Referenced: `function.code_sha256`, `function_version.code_sha256`,
    ///    `layer_version.code_sha256`, and every layer in the `layers` column of functions and
    ///    versions (a deleted layer version stays usable by the functions that have it).
    public func collectGarbage() throws(StoreError) -> Collected {
        let (packages, layerLists): (Set<String>, [[String]])
        do {
            (packages, layerLists) = try database.pool.read { db in
                var hexes = Set(try String.fetchAll(db, sql: """
                    SELECT code_sha256 FROM function UNION SELECT code_sha256 FROM function_version
                    UNION SELECT code_sha256 FROM layer_version
                    """))
                var lists: [[String]] = []
                let columns = try String.fetchAll(db, sql: "SELECT layers FROM function UNION ALL SELECT layers FROM function_version")
                for column in columns {
                    let layers = (try? JSONDecoder().decode([LayerReference].self, from: Data(column.utf8))) ?? []
                    let list = layers.map(\.codeSha256)
                    hexes.formUnion(list)
                    if !list.isEmpty { lists.append(list) }
                }
                return (hexes, lists)
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
        let layerKeys = Set(layerLists.map(Self.layerFolderKey))

        var collected = Collected(packages: 0, layerFolders: 0, zipBytes: 0)
        let fileManager = FileManager.default
        var removedDigests: [String] = []
        do {
            for name in try fileManager.contentsOfDirectory(atPath: root.path) {
                let path = root.appendingPathComponent(name).path
                if name.hasPrefix(".") {
                    try fileManager.removeItem(atPath: path)
                    continue
                }
                let digest = name.hasSuffix(".zip") ? String(name.dropLast(4)) : name
                guard Self.isDigest(digest), !packages.contains(digest) else { continue }
                if name.hasSuffix(".zip") {
                    collected.zipBytes += Int64((try? fileManager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
                    collected.packages += 1
                    removedDigests.append(digest)
                }
                try fileManager.removeItem(atPath: path)
            }
            let optRoot = root.deletingLastPathComponent().appendingPathComponent("opt", isDirectory: true)
            if fileManager.fileExists(atPath: optRoot.path) {
                for name in try fileManager.contentsOfDirectory(atPath: optRoot.path) where name.hasPrefix(".") || !layerKeys.contains(name) {
                    try fileManager.removeItem(at: optRoot.appendingPathComponent(name))
                    if !name.hasPrefix(".") { collected.layerFolders += 1 }
                }
            }
            try database.pool.write { db in
                for digest in removedDigests {
                    try db.execute(sql: "DELETE FROM code_package WHERE sha256 = ?", arguments: [digest])
                }
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
        return collected
    }

    /// The name of the merged `/opt` folder of a layer list (see ``mergedLayerDirectory(for:)``).
    static func layerFolderKey(_ layerSHA256Hexes: [String]) -> String {
        SHA256.hash(data: Data(layerSHA256Hexes.joined(separator: "\n").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// One entry of the `layers` column, as far as a collection needs it.
    private struct LayerReference: Decodable {
        var codeSha256: String
    }
}
