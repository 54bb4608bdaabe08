import CNimbusSys
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A running process in its own session, with its output captured and its exit watched.
///
/// stdout and stderr share one pipe, so lines keep their order as Lambda's log does.
/// Output is read as it arrives, and ``drainOutput()`` reads whatever is already in the
/// pipe at once: a runtime writes its output before it posts its response, so draining
/// when the response arrives puts every line in the right invocation.
/// Exit is watched through a pidfd; no thread waits per process.
public final class SupervisedProcess: Sendable {
    /// Processes started since the server began: counted so tests can check that warm
    /// invokes start none (`GET /_nimbus/stats`).
    public static let spawned = Atomic<Int>(0)

    public let pid: pid_t

    /// Guards reads of the pipe so chunks reach `onOutput` in order.
    private let output: Mutex<Int32>
    private let onOutput: @Sendable ([UInt8]) -> Void
    private let exit = Mutex<ExitStatus?>(nil)
    // Dispatch sources are thread-safe: cancel() may be called from any thread.
    private nonisolated(unsafe) let readSource: any DispatchSourceRead
    private nonisolated(unsafe) let exitSource: (any DispatchSourceRead)?
    private let cancelled = Mutex(false)
    private static let queue = DispatchQueue(label: "nimbus.sandbox.io", attributes: .concurrent)

    /// Starts a process.
    ///
    /// - Parameters:
    ///   - onOutput: receives each chunk of output, in order.
    ///   - onExit: called once, after the last output has been delivered.
    public init(
        spec: ProcessSpec,
        onOutput: @escaping @Sendable ([UInt8]) -> Void,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) throws(SandboxError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SandboxError(.pipeFailed, errno: errno) }
        let readFD = fds[0]
        let writeFD = fds[1]
        // Close-on-exec, so other children never inherit either end.
        _ = fcntl(readFD, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeFD, F_SETFD, FD_CLOEXEC)

        var cgroupFDs: [Int32] = []
        defer { cgroupFDs.forEach { close($0) } }
        for path in spec.cgroupProcs {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let error = errno
                close(readFD)
                close(writeFD)
                throw SandboxError(.cgroupFailed, errno: error)
            }
            cgroupFDs.append(fd)
        }

        let argv = [spec.executable] + spec.arguments
        let envp = spec.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { argvPointer in
            withCStrings(envp) { envpPointer in
                nimbus_spawn(spec.executable, argvPointer, envpPointer, spec.workingDirectory, writeFD, cgroupFDs, Int32(cgroupFDs.count), &pid)
            }
        }
        close(writeFD)
        guard rc == 0 else {
            close(readFD)
            throw SandboxError(rc == ENOENT ? .missingExecutable : .spawnFailed, errno: rc)
        }
        Self.spawned.add(1, ordering: .relaxed)
        self.pid = pid
        self.onOutput = onOutput
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
        self.output = Mutex(readFD)

        let readSource = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: Self.queue)
        readSource.setCancelHandler { close(readFD) }
        self.readSource = readSource
        let pidfd = nimbus_pidfd_open(pid)
        if pidfd >= 0 {
            let exitSource = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: Self.queue)
            exitSource.setCancelHandler { close(pidfd) }
            self.exitSource = exitSource
        } else {
            self.exitSource = nil
        }
        readSource.setEventHandler { [weak self] in self?.drainOutput() }
        // Strong on purpose: the process object stays alive until its child is reaped,
        // even if everyone else lets go of it. reap() cancels the source, which breaks the cycle.
        exitSource?.setEventHandler { self.reap(onExit: onExit) }
        exitSource?.resume()
        readSource.resume()
    }

    /// Reads everything already in the pipe and hands it to `onOutput`.
    public func drainOutput() {
        output.withLock { fd in
            guard fd >= 0 else { return }
            withUnsafeTemporaryAllocation(byteCount: 65536, alignment: 1) { buffer in
                while true {
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        onOutput(Array(buffer[0..<n]))
                    } else if n == 0 {
                        // EOF: stop watching; the read source's cancel handler closes the descriptor.
                        fd = -1
                        readSource.cancel()
                        return
                    } else if errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }

    private func reap(onExit: @Sendable (ExitStatus) -> Void) {
        // The leader has exited but is not reaped yet, so its pid (and process group id)
        // cannot have been reused: end whatever it left running before reaping it.
        Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        let exitStatus: ExitStatus
        if result == pid {
            exitStatus = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        } else if result == -1, errno == ECHILD {
            // Reaped elsewhere (or SIGCHLD ignored): the status is lost, but the process is gone.
            exitStatus = .signaled(SIGKILL)
        } else {
            return
        }
        let first = exit.withLock { current -> Bool in
            guard current == nil else { return false }
            current = exitStatus
            return true
        }
        guard first else { return }
        drainOutput()
        output.withLock { $0 = -1 }
        cancelSources()
        onExit(exitStatus)
    }

    /// The exit status, once the process has ended.
    public var exitStatus: ExitStatus? { exit.withLock { $0 } }

    /// Ends the process and everything it started (SIGKILL to its process group).
    ///
    /// Does nothing once the process has been reaped: its id may belong to someone else by then.
    public func kill() {
        guard exitStatus == nil else { return }
        Glibc.kill(-pid, SIGKILL)
    }

    /// Peak resident memory of the process in MB (`VmHWM`), or nil once it is gone.
    public func peakMemoryMegabytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
            return max(1, (kb + 1023) / 1024)
        }
        return nil
    }

    private func cancelSources() {
        let first = cancelled.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        readSource.cancel()
        exitSource?.cancel()
    }

    deinit {
        cancelSources()
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { buffer in
        // Never nil: the array holds at least the terminating NULL.
        body(buffer.baseAddress.unsafelyUnwrapped)
    }
}
