import Foundation
import NimbusCore
import Testing
@testable import NimbusStore

@Suite("CodeStore")
struct CodeStoreTests {
    func makeStore() throws -> (CodeStore, URL) {
        let dir = try temporaryDirectory()
        let database = try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        return (try CodeStore(root: dir.appendingPathComponent("code"), database: database), dir)
    }

    @Test("a zip is stored by its SHA-256 and unpacked with its permissions")
    func stores() throws {
        let (store, _) = try makeStore()
        let zip = try makeZip([.file("bootstrap", "#!/bin/sh\necho hi\n", permissions: 0o755), .file("lib/data.txt", "x")])
        let stored = try store.store(zip: zip)
        #expect(stored.sha256Hex.count == 64)
        #expect(Data(base64Encoded: stored.sha256Base64)?.count == 32)
        #expect(stored.size == Int64(zip.count))
        let dir = try store.directory(for: stored.sha256Hex)
        #expect(dir.lastPathComponent == stored.sha256Hex)
        #expect(FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("bootstrap").path))
        #expect(try String(contentsOf: dir.appendingPathComponent("lib/data.txt"), encoding: .utf8) == "x")
        // Storing the same bytes again is idempotent.
        #expect(try store.store(zip: zip) == stored)
    }

    @Test("bytes that are not a zip are refused")
    func notAZip() throws {
        let (store, _) = try makeStore()
        #expect { try store.store(zip: Data("definitely not a zip".utf8)) } throws: { ($0 as? StoreError)?.code == .notAZip }
    }

    @Test("entries that escape the folder are refused and nothing is written outside", arguments: [
        [ZipEntry.file("../escaped.txt", "x")],
        [ZipEntry.file("a/../../escaped.txt", "x")],
        [ZipEntry.file("/tmp/nimbus-absolute-escape.txt", "x")],
        [ZipEntry.symlink("link", target: "/etc/passwd")],
        [ZipEntry.symlink("dir/link", target: "../../escaped.txt")],
        // Each link alone stays inside; chained, they climb out of the package.
        [ZipEntry.symlink("x/l", target: ".."), ZipEntry.symlink("x/l/m", target: ".."),
         ZipEntry.symlink("x/l/m/n", target: ".."), ZipEntry.file("x/l/m/n/escaped.txt", "x")],
        // A file written through a symlink that points at a folder inside.
        [ZipEntry.file("real/a.txt", "x"), ZipEntry.symlink("alias", target: "real"), ZipEntry.file("alias/b.txt", "y")],
        // The same path twice.
        [ZipEntry.file("bootstrap", "a"), ZipEntry.file("bootstrap", "b")],
    ])
    func unsafe(entries: [ZipEntry]) throws {
        let (store, dir) = try makeStore()
        let zip = try makeZip(entries)
        #expect { try store.store(zip: zip) } throws: { ($0 as? StoreError)?.code == .unsafeEntry }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/nimbus-absolute-escape.txt"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.root.path)
        #expect(leftovers.isEmpty)
    }

    @Test("a symlink that stays inside the package is kept")
    func insideSymlink() throws {
        let (store, _) = try makeStore()
        let zip = try makeZip([.file("lib/real.txt", "ok"), .symlink("lib/alias.txt", target: "real.txt")])
        let dir = try store.directory(for: try store.store(zip: zip).sha256Hex)
        #expect(try String(contentsOf: dir.appendingPathComponent("lib/alias.txt"), encoding: .utf8) == "ok")
    }

    @Test("declared sizes that would overflow are refused, not trapped on")
    func overflowingSizes() throws {
        let (store, _) = try makeStore()
        // ZIPFoundation writes the declared size it is given; a 64-bit size near UInt64.max
        // is what a hostile uploader can put in a ZIP64 extra field.
        let a = try ZIPFoundationArchiveBuilder.zeros(path: "a", size: 10)
        #expect(try store.store(zip: a).unzippedSize == 10)
        #expect(CodeStore.exceedsUnzippedLimit(total: 10, adding: UInt64.max - 5))
        #expect(CodeStore.exceedsUnzippedLimit(total: UInt64(Limits.unzippedCodeSize), adding: 1))
        #expect(!CodeStore.exceedsUnzippedLimit(total: 10, adding: 10))
    }

    @Test("setuid and setgid bits from an upload are dropped")
    func noSetuid() throws {
        let (store, _) = try makeStore()
        let zip = try makeZip([.file("bootstrap", "#!/bin/sh\n", permissions: 0o6755)])
        let dir = try store.directory(for: try store.store(zip: zip).sha256Hex)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("bootstrap").path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
    }

    @Test("zips over 50 MB are refused before anything is written")
    func zippedTooLarge() throws {
        let (store, _) = try makeStore()
        let big = Data(count: Limits.zippedCodeSize + 1)
        #expect { try store.store(zip: big) } throws: { ($0 as? StoreError)?.code == .zippedTooLarge }
    }

    @Test("zips that unpack to over 250 MB are refused")
    func unzippedTooLarge() throws {
        let (store, _) = try makeStore()
        // 251 MB of zeros deflates to a few hundred KB.
        let archive = try ZIPFoundationArchiveBuilder.zeros(path: "big.bin", size: Limits.unzippedCodeSize + 1_048_576)
        #expect { try store.store(zip: archive) } throws: { ($0 as? StoreError)?.code == .unzippedTooLarge }
    }
}

@Suite("CodeStore garbage collection")
struct CodeStoreGarbageTests {
    @Test("only packages and /opt folders nothing refers to are removed")
    func collectsWhatNothingUses() throws {
        let dir = try temporaryDirectory()
        let database = try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        let store = try CodeStore(root: dir.appendingPathComponent("code"), database: database)
        func stored(_ text: String) throws -> StoredCode { try store.store(zip: makeZip([.file("f.txt", text)])) }
        let code = try stored("function code")
        let replaced = try stored("code replaced since")
        let usedLayer = try stored("a layer a function still uses")
        let publishedLayer = try stored("a published layer no function uses yet")
        let oldLayer = try stored("a layer nothing uses")

        var function = sampleFunction("f", code: code.sha256Hex)
        function.layers = [FunctionLayer(arn: "arn:aws:lambda:us-east-1:000000000000:layer:l:1", codeSize: 1, codeSHA256Hex: usedLayer.sha256Hex, unzippedSize: 1)]
        try SQLiteFunctionStore(database: database).create(function)
        _ = try SQLiteLayerStore(database: database).publish(
            name: "published", LayerVersionDraft(codeSHA256Hex: publishedLayer.sha256Hex, codeSize: 1), createdDate: Date())
        let usedOpt = try #require(try store.mergedLayerDirectory(for: [usedLayer.sha256Hex]))
        let oldOpt = try #require(try store.mergedLayerDirectory(for: [oldLayer.sha256Hex]))
        // What a crash in the middle of a store leaves behind.
        let leftover = store.root.appendingPathComponent(".unpack-interrupted", isDirectory: true)
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)

        let collected = try store.collectGarbage()

        #expect(collected.packages == 2 && collected.layerFolders == 1 && collected.zipBytes > 0)
        let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
        for kept in [code, usedLayer, publishedLayer] {
            #expect(exists(store.root.appendingPathComponent("\(kept.sha256Hex).zip")))
            #expect(exists(store.root.appendingPathComponent(kept.sha256Hex)))
            #expect(try store.unzippedSize(for: kept.sha256Hex) != nil)
        }
        for gone in [replaced, oldLayer] {
            #expect(!exists(store.root.appendingPathComponent("\(gone.sha256Hex).zip")))
            #expect(!exists(store.root.appendingPathComponent(gone.sha256Hex)))
            #expect(try store.unzippedSize(for: gone.sha256Hex) == nil)
        }
        #expect(exists(usedOpt) && !exists(oldOpt) && !exists(leftover))
        // Nothing more to collect the second time.
        #expect(try store.collectGarbage() == CodeStore.Collected(packages: 0, layerFolders: 0, zipBytes: 0))
    }
}
