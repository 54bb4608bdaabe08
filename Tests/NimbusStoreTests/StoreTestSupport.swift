import Foundation
import NimbusCore
import ZIPFoundation
@testable import NimbusStore

/// A fresh data directory per test, removed afterwards by the OS temp cleaner.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func sampleFunction(_ name: String, code: String = String(repeating: "a", count: 64)) -> FunctionConfiguration {
    FunctionConfiguration(
        name: name, runtime: Runtime(rawValue: "provided.al2023"), role: "arn:aws:iam::000000000000:role/r",
        handler: "x", environment: ["A": "1"], codeSHA256Hex: code, codeSize: 10
    )
}

/// An entry for a test zip.
enum ZipEntry {
    case file(String, String, permissions: UInt16 = 0o644)
    case symlink(String, target: String)
}

/// Builds a zip in memory with ZIPFoundation, allowing paths a normal tool would refuse.
func makeZip(_ entries: [ZipEntry]) throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create)
    for entry in entries {
        switch entry {
        case let .file(path, contents, permissions):
            let data = Data(contents.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), permissions: permissions, compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        case let .symlink(path, target):
            let data = Data(target.utf8)
            try archive.addEntry(with: path, type: .symlink, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
    return archive.data ?? Data()
}

enum ZIPFoundationArchiveBuilder {
    /// A zip holding one file of `size` zero bytes, streamed so the test stays small in memory.
    static func zeros(path: String, size: Int) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        let chunk = Data(count: 1 << 20)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate, bufferSize: 1 << 20) { position, length in
            length == chunk.count ? chunk : Data(count: length)
        }
        return archive.data ?? Data()
    }
}
