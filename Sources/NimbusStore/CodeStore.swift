import Crypto
import Foundation
import GRDB
import NimbusCore
import ZIPFoundation

/// A deployment package after it has been checked and stored.
public struct StoredCode: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the zip: the package's address.
    public var sha256Hex: String
    /// The same digest in base64, as Lambda's `CodeSha256` reports it.
    public var sha256Base64: String
    public var size: Int64
    public var unzippedSize: Int64
}

/// Content-addressed storage for deployment packages.
///
/// Layout under `root`: `<sha256>.zip` (the upload as received) and `<sha256>/` (its
/// contents, unpacked once). Both are written under temporary names and renamed into
/// place, so a crash never leaves a half-written package at a real address.
///
/// Rules, enforced before anything is written:
/// 1. The bytes must be a zip; else `.notAZip`.
/// 2. No entry may have an absolute path or a `..` component, no symlink may point
///    outside the package, no entry may lie under a symlink, and no path may repeat;
///    else `.unsafeEntry`. Why: the package is unpacked
///    on the host, and an entry that escapes could overwrite anything Nimbus can write.
/// 3. The declared unzipped size must be within Lambda's 250 MB; else `.unzippedTooLarge`.
public struct CodeStore: Sendable {
    public let root: URL
    let database: NimbusDatabase

    public init(root: URL, database: NimbusDatabase) throws(StoreError) {
        self.root = root
        self.database = database
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Checks, stores and unpacks a zip; idempotent for identical bytes.
    public func store(zip: Data) throws(StoreError) -> StoredCode {
        if zip.count > Limits.zippedCodeSize { throw StoreError(.zippedTooLarge) }
        let digest = SHA256.hash(data: zip)
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        let base64 = Data(digest).base64EncodedString()

        let archive: Archive
        do {
            archive = try Archive(data: zip, accessMode: .read)
        } catch {
            throw StoreError(.notAZip, underlying: error)
        }
        let unzippedSize = try Self.check(archive)

        let zipURL = root.appendingPathComponent("\(hex).zip")
        let directory = root.appendingPathComponent(hex, isDirectory: true)
        let fileManager = FileManager.default
        do {
            if !fileManager.fileExists(atPath: zipURL.path) {
                let temporary = root.appendingPathComponent(".\(hex).zip.\(UUID().uuidString)")
                try zip.write(to: temporary)
                try Self.rename(temporary, to: zipURL)
            }
            if !fileManager.fileExists(atPath: directory.path) {
                do {
                    try unpack(archive, into: directory)
                } catch let error as StoreError where error.code == .unzippedTooLarge {
                    throw error
                } catch {
                    throw StoreError(.notAZip, underlying: error)
                }
            }
            try database.pool.write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO code_package (sha256, size, unzipped_size, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [hex, zip.count, unzippedSize, Date().timeIntervalSince1970]
                )
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, underlying: error)
        }
        return StoredCode(sha256Hex: hex, sha256Base64: base64, size: Int64(zip.count), unzippedSize: unzippedSize)
    }

    /// The unpacked folder for a stored package, unpacking it again if it went missing.
    public func directory(for sha256Hex: String) throws(StoreError) -> URL {
        let directory = root.appendingPathComponent(sha256Hex, isDirectory: true)
        if FileManager.default.fileExists(atPath: directory.path) { return directory }
        let zipURL = root.appendingPathComponent("\(sha256Hex).zip")
        do {
            let archive = try Archive(url: zipURL, accessMode: .read)
            _ = try Self.check(archive)
            try unpack(archive, into: directory)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.notFound, underlying: error)
        }
        return directory
    }

    /// The unzipped size of a stored package, or nil if no package has that digest.
    public func unzippedSize(for sha256Hex: String) throws(StoreError) -> Int64? {
        do {
            return try database.pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT unzipped_size FROM code_package WHERE sha256 = ?", arguments: [sha256Hex])
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// The folder to show a function as `/opt`: its layers extracted in order, later layers
    /// overwriting earlier files, as Lambda builds `/opt`.
    ///
    /// - Parameter layerSHA256Hexes: the layers' code digests (lowercase hex), in the
    ///   function's order; `FunctionConfiguration.layerSHA256Hexes` gives them.
    /// - Returns: nil when the list is empty; otherwise `<code root>/../opt/<key>/`, where
    ///   `<key>` is the SHA-256 (hex) of the digests joined by `\n`. The same list always
    ///   gives the same folder, so functions sharing layers share it.
    /// - Throws: `.notFound` if a digest is malformed or its zip is not in the store; `.io`
    ///   on filesystem failures.
    ///
    /// Rules:
    /// 1. The folder is built under a temporary name in `opt/` and renamed into place, so a
    ///    folder at a real address is always complete; if it already exists it is reused as is.
    ///    Two callers racing build it twice and one rename wins; the loser's copy is removed.
    /// 2. Each layer is copied from its unpacked, already checked folder (see the rules
    ///    above). Symbolic links are copied as links and never followed while writing: an
    ///    entry of a later layer that lands where an earlier layer put a link or a file
    ///    replaces it. Why: two layers that are each safe could otherwise combine a link
    ///    and a path under it into a write outside the folder.
    /// 3. The folder is treated as read-only: callers must not write into it, since other
    ///    functions with the same layers use the same folder. It is derived data:
    ///    ``collectGarbage()`` removes it at start once no function or version uses it.
    public func mergedLayerDirectory(for layerSHA256Hexes: [String]) throws(StoreError) -> URL? {
        guard !layerSHA256Hexes.isEmpty else { return nil }
        for hex in layerSHA256Hexes where !Self.isDigest(hex) { throw StoreError(.notFound) }
        let key = Self.layerFolderKey(layerSHA256Hexes)
        let optRoot = root.deletingLastPathComponent().appendingPathComponent("opt", isDirectory: true)
        let destination = optRoot.appendingPathComponent(key, isDirectory: true)
        if Self.fileType(destination.path) == S_IFDIR { return destination }
        var sources: [URL] = []
        for hex in layerSHA256Hexes { sources.append(try directory(for: hex)) }
        let fileManager = FileManager.default
        let temporary = optRoot.appendingPathComponent(".merge-\(UUID().uuidString)", isDirectory: true)
        do {
            try fileManager.createDirectory(at: optRoot, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
            for source in sources { try Self.merge(source.path, into: temporary.path) }
            try Self.rename(temporary, to: destination)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw StoreError.wrap(error)
        }
        return destination
    }

    static func isDigest(_ hex: String) -> Bool {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// The type bits of a path itself (`lstat`: links are not followed), or nil if absent.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Copies the tree at `source` into the folder `destination`, replacing what is there.
    /// `destination` is always a real folder (never a link) when this is called.
    private static func merge(_ source: String, into destination: String) throws {
        let fileManager = FileManager.default
        for name in try fileManager.contentsOfDirectory(atPath: source) {
            let from = source + "/" + name
            let to = destination + "/" + name
            let existing = fileType(to)
            switch fileType(from) {
            case S_IFDIR:
                if existing != S_IFDIR {
                    if existing != nil { try fileManager.removeItem(atPath: to) }
                    try fileManager.createDirectory(atPath: to, withIntermediateDirectories: false)
                }
                try merge(from, into: to)
            case S_IFLNK:
                if existing != nil { try fileManager.removeItem(atPath: to) }
                try fileManager.createSymbolicLink(atPath: to, withDestinationPath: try fileManager.destinationOfSymbolicLink(atPath: from))
            case S_IFREG:
                if existing != nil { try fileManager.removeItem(atPath: to) }
                try copyFile(from, to: to)
            default:
                continue  // the unpacker writes only folders, files and links
            }
        }
    }

    /// Copies a regular file's bytes and permission bits; never follows a link at either end.
    private static func copyFile(_ source: String, to destination: String) throws {
        func failure() -> POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw failure() }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw failure() }
        let mode = info.st_mode & 0o777
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard output >= 0 else { throw failure() }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + offset }, count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure()
                }
                offset += written
            }
        }
        fchmod(output, mode)
    }

    /// A presigned-style location for GetFunction's `Code.Location`.
    public func zipPath(for sha256Hex: String) -> String {
        root.appendingPathComponent("\(sha256Hex).zip").path
    }

    /// Applies the rules above to every entry, and returns the total unzipped size.
    ///
    /// Besides each symlink's own target, no entry may lie *under* a symlink entry, and no
    /// path may appear twice: otherwise a chain of symlinks that each look harmless
    /// (`x/l -> ..`, then `x/l/m -> ..`, ...) walks out of the package once unpacked.
    static func check(_ archive: Archive) throws(StoreError) -> Int64 {
        var total: UInt64 = 0
        var paths: Set<String> = []
        var symlinks: Set<String> = []
        var all: [[Substring]] = []
        for entry in archive {
            if exceedsUnzippedLimit(total: total, adding: entry.uncompressedSize) { throw StoreError(.unzippedTooLarge) }
            total += entry.uncompressedSize
            guard let components = safeComponents(entry.path) else { throw StoreError(.unsafeEntry) }
            let key = components.joined(separator: "/")
            guard paths.insert(key).inserted else { throw StoreError(.unsafeEntry) }
            all.append(components)
            if entry.type == .symlink {
                var target = Data()
                do {
                    _ = try archive.extract(entry, skipCRC32: true) { target.append($0) }
                } catch {
                    throw StoreError(.notAZip, underlying: error)
                }
                let link = String(decoding: target, as: UTF8.self)
                guard symlinkStaysInside(link: link, entryComponents: components) else {
                    throw StoreError(.unsafeEntry)
                }
                symlinks.insert(key)
            }
        }
        if !symlinks.isEmpty {
            for components in all where components.count > 1 {
                for length in 1..<components.count where symlinks.contains(components[0..<length].joined(separator: "/")) {
                    throw StoreError(.unsafeEntry)
                }
            }
        }
        return Int64(total)
    }

    /// Whether adding a declared size would pass the unzipped limit. Declared sizes come
    /// from the uploader (ZIP64 allows up to UInt64.max), so this never overflows.
    static func exceedsUnzippedLimit(total: UInt64, adding size: UInt64) -> Bool {
        let limit = UInt64(Limits.unzippedCodeSize)
        return total > limit || size > limit - total
    }

    /// Splits an entry path into components, or nil if it is absolute or climbs out.
    static func safeComponents(_ path: String) -> [Substring]? {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return nil }
        let components = path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if components.contains("..") { return nil }
        return components.filter { $0 != "." }
    }

    /// Whether a symlink at `entryComponents` pointing to `link` resolves inside the package.
    static func symlinkStaysInside(link: String, entryComponents: [Substring]) -> Bool {
        if link.hasPrefix("/") || link.isEmpty { return false }
        var stack = Array(entryComponents.dropLast())
        for component in link.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                if stack.isEmpty { return false }
                stack.removeLast()
            default:
                stack.append(component)
            }
        }
        return true
    }

    /// Unpacks into a temporary folder, then renames it into place.
    ///
    /// File contents are counted as they inflate: an entry that produces more bytes than
    /// it declared, or a package that grows past the unzipped limit, stops the unpack
    /// (`.unzippedTooLarge`). Why: declared sizes are the uploader's claim, not a fact.
    private func unpack(_ archive: Archive, into directory: URL) throws {
        let fileManager = FileManager.default
        let temporary = root.appendingPathComponent(".unpack-\(UUID().uuidString)", isDirectory: true)
        try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
        do {
            var total = 0
            for entry in archive {
                guard let components = Self.safeComponents(entry.path), !components.isEmpty else { continue }
                let destination = components.reduce(temporary) { $0.appendingPathComponent(String($1)) }
                if entry.type == .file {
                    try extractFile(entry, from: archive, to: destination, total: &total)
                } else {
                    // Checked above: symlinks stay inside, so ZIPFoundation's stricter
                    // per-folder check is not needed.
                    _ = try archive.extract(entry, to: destination, allowUncontainedSymlinks: true)
                }
            }
            try Self.rename(temporary, to: directory)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
    }

    private func extractFile(_ entry: Entry, from archive: Archive, to destination: URL, total: inout Int) throws {
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Permission bits only: setuid, setgid and sticky bits from an upload are dropped.
        let mode = mode_t((entry.fileAttributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644) & 0o777
        let fd = open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError(.io, underlying: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        defer { close(fd) }
        let declared = entry.uncompressedSize
        var written: UInt64 = 0
        var running = total
        _ = try archive.extract(entry, skipCRC32: false) { chunk in
            written += UInt64(chunk.count)
            running += chunk.count
            if written > declared || running > Limits.unzippedCodeSize { throw StoreError(.unzippedTooLarge) }
            try chunk.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StoreError(.io, underlying: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
                    }
                    offset += n
                }
            }
        }
        total = running
        // Apply the entry's mode exactly, whatever the umask.
        fchmod(fd, mode)
    }

    /// Renames atomically; losing a race to an identical package is fine.
    private static func rename(_ source: URL, to destination: URL) throws {
        if Glibc.rename(source.path, destination.path) != 0 {
            let code = errno
            if code == EEXIST || code == ENOTEMPTY {
                try? FileManager.default.removeItem(at: source)
                return
            }
            throw StoreError(.io, underlying: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
        }
    }
}
