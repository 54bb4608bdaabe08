import Foundation
import ZIPFoundation

/// Zips a folder into a deployment package, and guesses runtime and handler from its files.
public enum Packager {
    /// A zipped folder.
    public struct Package: Sendable {
        public var zip: Data
        public var fileCount: Int
        /// The sum of the files' sizes before compression.
        public var byteCount: Int
        /// A digest of every path, size and modification time: changes when any file does.
        public var fingerprint: String
    }

    /// Folders never packaged: version control, caches, Nimbus's own data directory.
    static let skipped: Set<String> = [".git", ".hg", ".svn", "__pycache__", ".nimbus", ".aws-sam", "node_modules/.cache"]

    /// The regular files under `folder`, relative paths sorted, with their size and modification time.
    public static func files(in folder: URL) throws(CLIError) -> [(path: String, size: Int, modified: Date)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(folder.path) is not a folder. Give the folder holding the function's code.")
        }
        guard let enumerator = FileManager.default.enumerator(
            at: folder, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey, .isDirectoryKey]
        ) else { return [] }
        let base = folder.standardizedFileURL.path
        var result: [(path: String, size: Int, modified: Date)] = []
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey, .isDirectoryKey])
            var relative = url.standardizedFileURL.path
            if relative.hasPrefix(base) { relative = String(relative.dropFirst(base.count)) }
            while relative.hasPrefix("/") { relative.removeFirst() }
            if values?.isDirectory == true {
                if skipped.contains(url.lastPathComponent) || skipped.contains(relative) { enumerator.skipDescendants() }
                continue
            }
            guard values?.isRegularFile == true else { continue }
            result.append((relative, values?.fileSize ?? 0, values?.contentModificationDate ?? .distantPast))
        }
        return result.sorted { $0.path < $1.path }
    }

    /// Zips the folder's files (modes kept, so `bootstrap` stays executable).
    public static func package(_ folder: URL) throws(CLIError) -> Package {
        let files = try files(in: folder)
        guard !files.isEmpty else { throw CLIError("\(folder.path) has no files to deploy.") }
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for file in files {
                try archive.addEntry(with: file.path, relativeTo: folder, compressionMethod: .deflate)
            }
            return Package(
                zip: archive.data ?? Data(), fileCount: files.count, byteCount: files.reduce(0) { $0 + $1.size },
                fingerprint: fingerprint(files)
            )
        } catch {
            throw CLIError("Could not zip \(folder.path): \(error)")
        }
    }

    /// What ``Package/fingerprint`` holds, computed without zipping.
    public static func fingerprint(_ files: [(path: String, size: Int, modified: Date)]) -> String {
        files.map { "\($0.path)\u{0}\($0.size)\u{0}\($0.modified.timeIntervalSince1970)" }.joined(separator: "\n")
    }

    /// `12 files, 3.4 KB`.
    public static func describe(files: Int, bytes: Int) -> String {
        let size: String
        if bytes < 1024 {
            size = "\(bytes) B"
        } else if bytes < 1024 * 1024 {
            size = String(format: "%.1f KB", Double(bytes) / 1024)
        } else {
            size = String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
        }
        return "\(files) file\(files == 1 ? "" : "s"), \(size)"
    }

    /// A runtime and handler guessed from the folder's files, and why.
    public struct Guess: Sendable, Equatable {
        public var runtime: String
        public var handler: String
        public var reason: String
    }

    /// `app.py` → python3.12 `app.handler` (or `app.lambda_handler` when that is what it defines);
    /// `index.mjs`/`index.js` → nodejs20.x `index.handler`; `bootstrap` → provided.al2023.
    public static func guess(in folder: URL) -> Guess? {
        let manager = FileManager.default
        func exists(_ name: String) -> Bool { manager.fileExists(atPath: folder.appendingPathComponent(name).path) }
        if exists("bootstrap") {
            return Guess(runtime: "provided.al2023", handler: "bootstrap", reason: "found bootstrap")
        }
        for module in ["app", "lambda_function", "handler", "main"] where exists("\(module).py") {
            let source = (try? String(contentsOf: folder.appendingPathComponent("\(module).py"), encoding: .utf8)) ?? ""
            let function = ["handler", "lambda_handler", "main"].first { source.contains("def \($0)(") } ?? "handler"
            return Guess(runtime: "python3.12", handler: "\(module).\(function)", reason: "found \(module).py")
        }
        for file in ["index.mjs", "index.js", "app.mjs", "app.js", "handler.mjs", "handler.js"] where exists(file) {
            let module = String(file.prefix { $0 != "." })
            return Guess(runtime: "nodejs20.x", handler: "\(module).handler", reason: "found \(file)")
        }
        return nil
    }

    /// Refuses a handler whose file is not in the package, naming the file that is missing.
    public static func checkHandler(_ handler: String, runtime: String, in folder: URL) throws(CLIError) {
        guard let dot = handler.lastIndex(of: ".") else {
            if runtime.hasPrefix("provided") { return }
            throw CLIError("Handler \(handler) is not module.function. Pass --handler like app.handler.")
        }
        let module = String(handler[..<dot])
        let candidates: [String]
        if runtime.hasPrefix("python") {
            candidates = ["\(module.replacingOccurrences(of: ".", with: "/")).py"]
        } else if runtime.hasPrefix("nodejs") {
            candidates = ["\(module).js", "\(module).mjs", "\(module).cjs"]
        } else {
            candidates = ["bootstrap"]
        }
        let manager = FileManager.default
        if candidates.contains(where: { manager.fileExists(atPath: folder.appendingPathComponent($0).path) }) { return }
        if runtime.hasPrefix("provided") { return }  // a custom runtime's bootstrap may come from a layer
        throw CLIError(
            "Handler \(handler) needs \(candidates[0]) in \(folder.path), which is not there. "
                + "Add the file, or pass --handler naming a file in the folder."
        )
    }
}
