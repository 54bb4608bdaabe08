import Foundation
import Testing
import ZIPFoundation

@testable import NimbusConsole

func makeZip(_ entries: [(path: String, data: Data, permissions: UInt16)]) throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create)
    for entry in entries {
        try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(entry.data.count), permissions: entry.permissions, compressionMethod: .deflate) { position, size in
            entry.data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return try #require(archive.data)
}

@Suite struct ZipEditorTests {
    let package: Data

    init() throws {
        package = try makeZip([
            ("bootstrap", Data("#!/bin/sh\necho hi\n".utf8), 0o755),
            ("lib/handler.py", Data("def handler(e, c):\n    return 1\n".utf8), 0o644),
            ("logo.bin", Data([0x89, 0x50, 0x00, 0x01]), 0o644),
        ])
    }

    @Test func listsFilesAndWhichAreText() throws {
        let files = try ZipEditor.files(in: package)
        #expect(files.map(\.path) == ["bootstrap", "lib/handler.py", "logo.bin"])
        #expect(files.map(\.editable) == [true, true, false])
        #expect(files[0].size == 18)
    }

    @Test func readsTextAndRefusesBinary() throws {
        #expect(try ZipEditor.read("lib/handler.py", in: package).hasPrefix("def handler"))
        #expect(throws: ZipEditor.Refusal(message: "logo.bin is a binary file; the console edits text files only.")) {
            try ZipEditor.read("logo.bin", in: package)
        }
        #expect(throws: ZipEditor.Refusal(message: "The package has no file nope.")) {
            try ZipEditor.read("nope", in: package)
        }
    }

    @Test func replacingKeepsOtherEntriesAndPermissions() throws {
        let edited = try ZipEditor.replacing("lib/handler.py", with: "def handler(e, c):\n    return 2\n", in: package)
        #expect(try ZipEditor.read("lib/handler.py", in: edited) == "def handler(e, c):\n    return 2\n")
        #expect(try ZipEditor.read("bootstrap", in: edited) == "#!/bin/sh\necho hi\n")
        let archive = try Archive(data: edited, accessMode: .read)
        let bootstrap = try #require(archive["bootstrap"])
        #expect(bootstrap.fileAttributes[.posixPermissions] as? UInt16 == 0o755)
        var binary = Data()
        _ = try archive.extract(try #require(archive["logo.bin"])) { binary.append($0) }
        #expect(binary == Data([0x89, 0x50, 0x00, 0x01]))
        #expect(try ZipEditor.files(in: edited).map(\.path) == ["bootstrap", "lib/handler.py", "logo.bin"])
    }

    @Test func replacingAnAbsentPathAddsIt() throws {
        let edited = try ZipEditor.replacing("new.txt", with: "hello", in: package)
        #expect(try ZipEditor.read("new.txt", in: edited) == "hello")
        #expect(try ZipEditor.files(in: edited).count == 4)
    }

    @Test func unsafePathsAreRefused() {
        for path in ["../x", "/etc/passwd", "a//b", "a/./b", "dir/"] {
            #expect(throws: ZipEditor.Refusal(message: "\(path) is not a valid file path.")) {
                try ZipEditor.replacing(path, with: "x", in: package)
            }
        }
    }

    @Test func packagesOverOneMegabyteAreRefused() throws {
        var noise = SystemRandomNumberGenerator()
        let big = Data((0..<(1_100_000)).map { _ in UInt8.random(in: 0...255, using: &noise) })
        let zip = try makeZip([("big.bin", big, 0o644)])
        #expect(zip.count > ZipEditor.maximumPackageSize)
        #expect(throws: ZipEditor.Refusal(message: "The package is \(zip.count) bytes; the console edits packages up to 1 MB (1048576 bytes).")) {
            try ZipEditor.files(in: zip)
        }
    }

    @Test func notAZipIsRefused() {
        #expect(throws: ZipEditor.Refusal(message: "The package is not a readable zip file.")) {
            try ZipEditor.files(in: Data("hello".utf8))
        }
    }
}
