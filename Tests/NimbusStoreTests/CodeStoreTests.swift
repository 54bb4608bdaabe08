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
