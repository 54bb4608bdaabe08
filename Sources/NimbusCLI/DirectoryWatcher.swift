import Foundation

/// Notices changes in a folder by polling its file list every 200 ms.
///
/// Polling (paths, sizes and modification times, through ``Packager/files(in:)``) rather
/// than inotify: it sees changes in every subfolder, including ones created later, works
/// the same on every file system (bind mounts, network shares), and 200 ms of latency is
/// well under the time a deploy takes. A change is reported once the folder has been
/// quiet for one more poll, so an editor's save (truncate, write, rename) is one reload.
public struct DirectoryWatcher: Sendable {
    public var folder: URL
    public var interval: Duration

    public init(folder: URL, interval: Duration = .milliseconds(200)) {
        self.folder = folder
        self.interval = interval
    }

    /// The folder's current fingerprint.
    public func fingerprint() -> String {
        (try? Packager.files(in: folder)).map(Packager.fingerprint) ?? ""
    }

    /// Waits until the folder differs from `last` and has settled; returns the new fingerprint.
    public func nextChange(after last: String) async throws -> String {
        var previous = last
        var changed = false
        while true {
            try await Task.sleep(for: interval)
            let current = fingerprint()
            if current != previous {
                changed = true
                previous = current
            } else if changed {
                return current
            }
        }
    }
}
