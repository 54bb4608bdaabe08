import NIOPosix

/// Starts processes from one thread that lives as long as Nimbus.
///
/// Why: a runtime is started with PR_SET_PDEATHSIG, which fires when the *thread* that
/// started it ends, not the process. Swift's cooperative threads can come and go, so
/// spawning from them could kill healthy environments; spawning here ties every runtime
/// to the life of the Nimbus process, so none outlives a `kill -9`.
public enum Spawner {
    private static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// Starts a supervised process on the spawner thread.
    public static func start(
        spec: ProcessSpec,
        onOutput: @escaping @Sendable ([UInt8]) -> Void,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) async throws(SandboxError) -> SupervisedProcess {
        let result: Result<SupervisedProcess, SandboxError>
        do {
            result = try await thread.runIfActive {
                Result { () throws(SandboxError) -> SupervisedProcess in
                    try SupervisedProcess(spec: spec, onOutput: onOutput, onExit: onExit)
                }
            }
        } catch {
            throw SandboxError(.spawnFailed, errno: 0)
        }
        return try result.get()
    }
}
