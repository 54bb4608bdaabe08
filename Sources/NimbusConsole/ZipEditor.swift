import Foundation
import ZIPFoundation

/// Reads and edits small deployment packages for the console's code editor.
///
/// Only packages up to ``maximumPackageSize`` are opened, and only UTF-8 text files
/// (no NUL byte) are shown or edited: anything else is refused with a message the
/// console shows as is.
public enum ZipEditor {
    public static let maximumPackageSize = 1_048_576

    public struct File: Sendable, Equatable, Codable {
        public var path: String
        public var size: Int64
        /// Whether the console can open it: UTF-8 text.
        public var editable: Bool
    }

    public struct Refusal: Error, Equatable {
        public var message: String
    }

    /// The regular files of the package, in archive order.
    public static func files(in zip: Data) throws(Refusal) -> [File] {
        let archive = try open(zip)
        var files: [File] = []
        for entry in archive where entry.type == .file {
            let data = try? extract(entry, from: archive)
            files.append(File(path: entry.path, size: Int64(entry.uncompressedSize), editable: data.flatMap(text) != nil))
        }
        return files
    }

    /// A text file's content.
    public static func read(_ path: String, in zip: Data) throws(Refusal) -> String {
        let archive = try open(zip)
        guard let entry = archive[path], entry.type == .file else {
            throw Refusal(message: "The package has no file \(path).")
        }
        guard let data = try? extract(entry, from: archive), let content = text(data) else {
            throw Refusal(message: "\(path) is a binary file; the console edits text files only.")
        }
        return content
    }

    /// A new package: `zip` with `path`'s content replaced (or the file added), every
    /// other entry (and every permission: `bootstrap` stays executable) kept.
    public static func replacing(_ path: String, with content: String, in zip: Data) throws(Refusal) -> Data {
        let source = try open(zip)
        guard isSafe(path) else { throw Refusal(message: "\(path) is not a valid file path.") }
        if let existing = source[path], existing.type != .file {
            throw Refusal(message: "\(path) is not a regular file.")
        }
        let newData = Data(content.utf8)
        do {
            let target = try Archive(data: Data(), accessMode: .create)
            var replaced = false
            for entry in source {
                let permissions = (entry.fileAttributes[.posixPermissions] as? NSNumber)?.uint16Value
                let modified = entry.fileAttributes[.modificationDate] as? Date ?? Date()
                if entry.path == path {
                    try add(path, newData, type: .file, permissions: permissions, modified: Date(), to: target)
                    replaced = true
                } else {
                    let data = try extract(entry, from: source)
                    try add(entry.path, data, type: entry.type, permissions: permissions, modified: modified, to: target)
                }
            }
            if !replaced {
                try add(path, newData, type: .file, permissions: 0o644, modified: Date(), to: target)
            }
            guard let data = target.data else { throw Refusal(message: "The package could not be rebuilt.") }
            if data.count > maximumPackageSize {
                throw Refusal(message: "The edited package would be larger than 1 MB; the console edits packages up to 1 MB.")
            }
            return data
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(message: "The package could not be rebuilt: \(error.localizedDescription)")
        }
    }

    private static func open(_ zip: Data) throws(Refusal) -> Archive {
        if zip.count > maximumPackageSize {
            throw Refusal(message: "The package is \(zip.count) bytes; the console edits packages up to 1 MB (1048576 bytes).")
        }
        do {
            return try Archive(data: zip, accessMode: .read)
        } catch {
            throw Refusal(message: "The package is not a readable zip file.")
        }
    }

    private static func add(_ path: String, _ data: Data, type: Entry.EntryType, permissions: UInt16?, modified: Date, to archive: Archive) throws {
        try archive.addEntry(
            with: path, type: type, uncompressedSize: Int64(data.count), modificationDate: modified,
            permissions: permissions, compressionMethod: type == .file ? .deflate : .none
        ) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    private static func extract(_ entry: Entry, from archive: Archive) throws -> Data {
        var data = Data()
        _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
        return data
    }

    /// UTF-8 without NUL bytes, the console's notion of a text file.
    static func text(_ data: Data) -> String? {
        guard !data.contains(0) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// A relative path without empty, `.` or `..` components.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasSuffix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
