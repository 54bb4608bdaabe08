import Synchronization

/// The execution environments of one function.
///
/// Idle environments are reused last-in first-out, so the warmest one serves next and
/// the coldest ones age out under keep-alive. A `generation` counter retires
/// environments started for an older configuration or code.
final class FunctionPool: Sendable {
    private struct State {
        var idle: [ExecutionEnvironment] = []
        var busy = 0
        var generation = 0
        /// Provisioned-concurrency environments of this generation, idle or busy.
        var provisioned: [ExecutionEnvironment] = []
        /// Provisioned environments being started now.
        var provisioning = 0
    }

    private let state = Mutex(State())
    /// This version's metric objects, made by the first invocation (see ``InvocationMetrics``).
    let metrics = AtomicLazyReference<VersionMetrics>()

    /// The generation new environments must be started with.
    var generation: Int { state.withLock { $0.generation } }

    /// Takes an idle environment of the current generation, or nil (cold start needed).
    /// Counts the caller as busy either way; pair with ``release(_:healthy:)`` or ``abandon()``.
    func acquire() -> ExecutionEnvironment? {
        state.withLock { state in
            state.busy += 1
            return state.idle.popLast()
        }
    }

    /// Returns an environment after an invocation. Returns false (and the caller retires
    /// it) when it is unhealthy or from an older generation.
    func release(_ environment: ExecutionEnvironment, healthy: Bool) -> Bool {
        state.withLock { state in
            state.busy -= 1
            guard healthy, environment.generation == state.generation else { return false }
            state.idle.append(environment)
            return true
        }
    }

    /// Ends a busy slot that never got an environment (start failed).
    func abandon() {
        state.withLock { $0.busy -= 1 }
    }

    /// Moves to a new generation and hands back the idle environments to retire.
    /// Busy ones retire when released.
    func advanceGeneration() -> [ExecutionEnvironment] {
        state.withLock { state in
            state.generation += 1
            state.provisioned.removeAll()
            defer { state.idle.removeAll() }
            return state.idle
        }
    }

    /// Live provisioned environments and those starting, after dropping any that ended.
    func provisionedCounts() -> (live: Int, starting: Int) {
        state.withLock { state in
            state.provisioned.removeAll { $0.endpoint.isTerminated }
            return (state.provisioned.count, state.provisioning)
        }
    }

    /// Reserves `count` provisioned starts; returns the generation to start them with.
    func beginProvisioning(_ count: Int) -> Int {
        state.withLock { state in
            state.provisioning += count
            return state.generation
        }
    }

    /// Adds a started provisioned environment as idle; false (caller retires it) when
    /// the pool moved to a newer generation meanwhile.
    func finishProvisioning(_ environment: ExecutionEnvironment?) -> Bool {
        state.withLock { state in
            state.provisioning -= 1
            guard let environment, environment.generation == state.generation else { return false }
            state.provisioned.append(environment)
            state.idle.insert(environment, at: 0)
            return true
        }
    }

    /// Takes up to `count` idle provisioned environments out of the pool (scale down).
    func removeProvisioned(_ count: Int) -> [ExecutionEnvironment] {
        state.withLock { state in
            var removed: [ExecutionEnvironment] = []
            state.idle.removeAll { environment in
                guard removed.count < count, environment.isProvisioned.load(ordering: .relaxed) else { return false }
                removed.append(environment)
                return true
            }
            state.provisioned.removeAll { environment in removed.contains { $0 === environment } }
            return removed
        }
    }

    /// Removes idle environments last used before `cutoff`.
    func evictIdle(lastUsedBefore cutoff: ContinuousClock.Instant) -> [ExecutionEnvironment] {
        state.withLock { state in
            var kept: [ExecutionEnvironment] = []
            var evicted: [ExecutionEnvironment] = []
            for environment in state.idle {
                if !environment.isProvisioned.load(ordering: .relaxed), environment.lastUsed.withLock({ $0 }) < cutoff {
                    evicted.append(environment)
                } else {
                    kept.append(environment)
                }
            }
            state.idle = kept
            return evicted
        }
    }

    /// Idle and busy counts, for tests and metrics.
    var counts: (idle: Int, busy: Int) { state.withLock { ($0.idle.count, $0.busy) } }
}
