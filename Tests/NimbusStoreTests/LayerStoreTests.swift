import Foundation
import GRDB
import NimbusCore
import Testing
@testable import NimbusStore

@Suite("SQLiteLayerStore")
struct LayerStoreTests {
    func makeStore() throws -> SQLiteLayerStore {
        let dir = try temporaryDirectory()
        return SQLiteLayerStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
    }

    func draft(_ description: String = "", runtimes: [String]? = nil) -> LayerVersionDraft {
        LayerVersionDraft(description: description, compatibleRuntimes: runtimes, codeSHA256Hex: String(repeating: "a", count: 64), codeSize: 10)
    }

    @Test("versions start at 1, grow by one, and are never reused after deletion")
    func numbering() throws {
        let store = try makeStore()
        #expect(try store.publish(name: "lib", draft(), createdDate: Date()).version == 1)
        #expect(try store.publish(name: "lib", draft(), createdDate: Date()).version == 2)
        #expect(try store.publish(name: "other", draft(), createdDate: Date()).version == 1)
        try store.delete(name: "lib", version: 1)
        try store.delete(name: "lib", version: 2)
        #expect(try store.versions(name: "lib").isEmpty)
        #expect(try store.publish(name: "lib", draft(), createdDate: Date()).version == 3)
    }

    @Test("a version round-trips every field; absent lists stay absent, empty stay empty")
    func roundTrip() throws {
        let store = try makeStore()
        let full = LayerVersionDraft(
            description: "d", compatibleRuntimes: ["python3.12"], compatibleArchitectures: [], licenseInfo: "MIT",
            codeSHA256Hex: String(repeating: "b", count: 64), codeSize: 42
        )
        let published = try store.publish(name: "lib", full, createdDate: Date(timeIntervalSince1970: 1_700_000_000.123))
        let got = try #require(try store.get(name: "lib", version: 1))
        #expect(got == published)
        #expect(got.compatibleArchitectures == [])
        #expect(got.createdDate == Date(timeIntervalSince1970: 1_700_000_000.123))
        let bare = try store.publish(name: "bare", draft(), createdDate: Date())
        #expect(try store.get(name: "bare", version: bare.version)?.compatibleArchitectures == nil)
        #expect(try store.get(name: "lib", version: 2) == nil)
    }

    @Test("versions are listed by name, newest first")
    func ordering() throws {
        let store = try makeStore()
        _ = try store.publish(name: "b", draft(), createdDate: Date())
        _ = try store.publish(name: "a", draft(), createdDate: Date())
        _ = try store.publish(name: "a", draft(), createdDate: Date())
        #expect(try store.versions(name: nil).map { "\($0.name):\($0.version)" } == ["a:2", "a:1", "b:1"])
        #expect(try store.versions(name: "a").map(\.version) == [2, 1])
    }

    @Test("deleting what does not exist is not an error")
    func deleteMissing() throws {
        let store = try makeStore()
        try store.delete(name: "nothing", version: 1)
    }

    @Test("policy statements: add, duplicate, revision checks, remove")
    func policy() throws {
        let store = try makeStore()
        _ = try store.publish(name: "lib", draft(), createdDate: Date())
        let initial = try #require(try store.policy(name: "lib", version: 1))
        #expect(initial.statements.isEmpty)

        let s1 = LayerPermissionStatement(statementId: "s1", action: "lambda:GetLayerVersion", principal: "*")
        let r1 = try store.addStatement(s1, name: "lib", version: 1, expectedRevisionId: initial.revisionId)
        #expect(r1 != initial.revisionId)
        #expect(throws: StoreError.self) { try store.addStatement(s1, name: "lib", version: 1, expectedRevisionId: nil) }
        do {
            _ = try store.addStatement(s1, name: "lib", version: 1, expectedRevisionId: nil)
        } catch {
            #expect(error.code == .conflict)
        }
        let s2 = LayerPermissionStatement(statementId: "s2", action: "lambda:GetLayerVersion", principal: "222222222222", organizationId: "o-abcdefghij")
        do {
            _ = try store.addStatement(s2, name: "lib", version: 1, expectedRevisionId: initial.revisionId)
            Issue.record("a stale RevisionId was accepted")
        } catch {
            #expect(error.code == .revisionMismatch)
        }
        let r2 = try store.addStatement(s2, name: "lib", version: 1, expectedRevisionId: r1)
        #expect(try store.policy(name: "lib", version: 1) == LayerPolicy(statements: [s1, s2], revisionId: r2))

        #expect(try store.removeStatement("nope", name: "lib", version: 1, expectedRevisionId: nil) == false)
        #expect(try store.removeStatement("s1", name: "lib", version: 1, expectedRevisionId: r2))
        let after = try #require(try store.policy(name: "lib", version: 1))
        #expect(after.statements == [s2])
        #expect(after.revisionId != r2)

        do {
            _ = try store.addStatement(s1, name: "lib", version: 9, expectedRevisionId: nil)
            Issue.record("a statement was added to a missing version")
        } catch {
            #expect(error.code == .notFound)
        }
        #expect(try store.policy(name: "lib", version: 9) == nil)
        // Deleting the version takes its statements with it.
        try store.delete(name: "lib", version: 1)
        _ = try store.publish(name: "lib", draft(), createdDate: Date())
        #expect(try store.policy(name: "lib", version: 2)?.statements == [])
    }
}

@Suite("Function layers in the store")
struct FunctionLayerStoreTests {
    @Test("a function's layers round-trip in order")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
        var function = sampleFunction("f")
        function.layers = [
            FunctionLayer(arn: "arn:aws:lambda:us-east-1:000000000000:layer:b:2", codeSize: 5, codeSHA256Hex: String(repeating: "b", count: 64), unzippedSize: 50),
            FunctionLayer(arn: "arn:aws:lambda:us-east-1:000000000000:layer:a:1", codeSize: 6, codeSHA256Hex: String(repeating: "c", count: 64), unzippedSize: 60),
        ]
        try store.create(function)
        #expect(try store.get("f") == function)
        function.layers = []
        try store.update(function)
        #expect(try store.get("f")?.layers == [])
    }

    @Test("migration v2 keeps functions written before it, with no layers")
    func upgradeFromV1() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("db.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try NimbusDatabase.migrator.migrate(pool, upTo: "v1: functions, code, logs")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO function (name, runtime, role, handler, description, timeout, memory_size, ephemeral_storage,
                        environment, architectures, code_sha256, code_size, revision_id, last_modified, package_type,
                        log_format, log_group, tracing_mode)
                    VALUES ('old', 'provided.al2023', 'arn:aws:iam::000000000000:role/r', 'x', '', 3, 128, 512, '{}',
                        '["x86_64"]', 'abc', 10, 'rev', 0, 'Zip', 'Text', '/aws/lambda/old', 'PassThrough')
                    """)
            }
        }
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: path))
        let old = try #require(try store.get("old"))
        #expect(old.layers == [])
        #expect(old.revisionId == "rev")
    }
}

@Suite("CodeStore merged layer directory")
struct MergedLayerDirectoryTests {
    func makeStore() throws -> (CodeStore, URL) {
        let dir = try temporaryDirectory()
        let database = try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        return (try CodeStore(root: dir.appendingPathComponent("code"), database: database), dir)
    }

    func read(_ url: URL, _ path: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("no layers, no directory")
    func empty() throws {
        let (store, _) = try makeStore()
        #expect(try store.mergedLayerDirectory(for: []) == nil)
    }

    @Test("layers are laid out in order, later ones overwriting earlier files, under <data>/opt")
    func order() throws {
        let (store, dir) = try makeStore()
        let first = try store.store(zip: makeZip([.file("python/a.py", "first-a"), .file("shared.txt", "first"), .file("bin/tool", "#!/bin/sh\n", permissions: 0o755)]))
        let second = try store.store(zip: makeZip([.file("python/b.py", "second-b"), .file("shared.txt", "second")]))

        let merged = try #require(try store.mergedLayerDirectory(for: [first.sha256Hex, second.sha256Hex]))
        #expect(merged.deletingLastPathComponent().path == dir.appendingPathComponent("opt").path)
        #expect(merged.lastPathComponent.count == 64)
        #expect(try read(merged, "python/a.py") == "first-a")
        #expect(try read(merged, "python/b.py") == "second-b")
        #expect(try read(merged, "shared.txt") == "second")
        #expect(FileManager.default.isExecutableFile(atPath: merged.appendingPathComponent("bin/tool").path))

        let reversed = try #require(try store.mergedLayerDirectory(for: [second.sha256Hex, first.sha256Hex]))
        #expect(reversed != merged)
        #expect(try read(reversed, "shared.txt") == "first")
        // The layers' own folders are untouched.
        #expect(try read(try store.directory(for: first.sha256Hex), "shared.txt") == "first")
    }

    @Test("the same list reuses the same folder; nothing temporary is left behind")
    func reuse() throws {
        let (store, dir) = try makeStore()
        let layer = try store.store(zip: makeZip([.file("x.txt", "x")]))
        let once = try #require(try store.mergedLayerDirectory(for: [layer.sha256Hex]))
        try "marker".write(to: once.appendingPathComponent("marker"), atomically: false, encoding: .utf8)
        let twice = try #require(try store.mergedLayerDirectory(for: [layer.sha256Hex]))
        #expect(once == twice)
        #expect(FileManager.default.fileExists(atPath: twice.appendingPathComponent("marker").path))
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("opt").path)
        #expect(entries == [once.lastPathComponent])
    }

    @Test("a later layer never writes through an earlier layer's symlink")
    func symlinkChain() throws {
        let (store, dir) = try makeStore()
        // Each layer is safe on its own; together, `a/l -> ..` followed by a write to
        // `a/l/m/...` would land outside the merged folder if links were followed.
        let first = try store.store(zip: makeZip([.symlink("a/l", target: ".."), .file("a/keep", "k")]))
        let second = try store.store(zip: makeZip([.file("a/l/escaped.txt", "second")]))
        let merged = try #require(try store.mergedLayerDirectory(for: [first.sha256Hex, second.sha256Hex]))
        #expect(CodeStore.fileType(merged.appendingPathComponent("a/l").path) == S_IFDIR)
        #expect(try read(merged, "a/l/escaped.txt") == "second")
        #expect(!FileManager.default.fileExists(atPath: merged.appendingPathComponent("escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("opt/escaped.txt").path))
        // A link in a later layer replaces a file of an earlier one, and stays a link.
        let third = try store.store(zip: makeZip([.symlink("a/keep", target: "l/escaped.txt")]))
        let relinked = try #require(try store.mergedLayerDirectory(for: [second.sha256Hex, first.sha256Hex, third.sha256Hex]))
        #expect(CodeStore.fileType(relinked.appendingPathComponent("a/keep").path) == S_IFLNK)
    }

    @Test("an unknown or malformed digest is not found")
    func notFound() throws {
        let (store, _) = try makeStore()
        for digest in [String(repeating: "0", count: 64), "../../etc", String(repeating: "A", count: 64)] {
            do {
                _ = try store.mergedLayerDirectory(for: [digest])
                Issue.record("\(digest) was accepted")
            } catch {
                #expect(error.code == .notFound)
            }
        }
    }
}
