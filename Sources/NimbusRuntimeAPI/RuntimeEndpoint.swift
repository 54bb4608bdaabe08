#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// One environment's Runtime API: the state machine plus the I/O it asks for.
///
/// The platform calls ``invoke(_:)``; the HTTP handler calls ``next(_:)``,
/// ``complete(requestId:outcome:)`` and ``initError(body:errorType:)``. Actions are
/// performed outside the lock: continuations are resumed and responses written after
/// the state has moved on.
public final class RuntimeEndpoint: Sendable {
    /// A parked `GET /next`, answered by writing to its connection.
    public struct Waiter: Sendable {
        let channel: any Channel
        let keepAlive: Bool
    }

    struct PendingInvocation: RuntimeWork {
        let invocation: Invocation
        let continuation: CheckedContinuation<InvocationOutcome, Never>
        var requestId: String { invocation.requestId }
    }

    private struct Locked: Sendable {
        var machine = RuntimeStateMachine<Waiter, PendingInvocation>()
        var timer: Scheduled<Void>?
        /// Bounds an invocation that waits for a runtime still initializing.
        var initTimer: Scheduled<Void>?
        var initError: (ByteBuffer, String?)?
        var firstNextAt: NIODeadline?
    }

    private let state = NIOLockedValueBox(Locked())
    let eventLoop: any EventLoop
    /// Called once when the runtime first asks for work (init finished).
    private let onInitialized: @Sendable (NIODeadline) -> Void
    /// Called when the runtime asks for work and there is none: it is idle until the next
    /// invocation (Lambda freezes the environment here).
    private let onParked: @Sendable () -> Void

    /// How long init may take before an invocation waiting for it is given up (AWS: 10 s);
    /// the invocation's own timeout is added on top, as AWS retries init within it.
    let initLimit: TimeAmount

    public init(
        eventLoop: any EventLoop, initLimit: TimeAmount = .seconds(10),
        onInitialized: @escaping @Sendable (NIODeadline) -> Void = { _ in },
        onParked: @escaping @Sendable () -> Void = {}
    ) {
        self.eventLoop = eventLoop
        self.initLimit = initLimit
        self.onInitialized = onInitialized
        self.onParked = onParked
    }

    /// Whether the environment has ended and cannot take work.
    public var isTerminated: Bool { state.withLockedValue { $0.machine.isTerminated } }

    /// Hands an invocation to the runtime and waits for its outcome.
    ///
    /// Allowed when the environment is initializing or ready and idle; otherwise the
    /// outcome is `.terminated` at once.
    public func invoke(_ invocation: Invocation) async -> InvocationOutcome {
        await withCheckedContinuation { continuation in
            let work = PendingInvocation(invocation: invocation, continuation: continuation)
            let action = state.withLockedValue { $0.machine.submit(work) }
            switch action {
            case .deliver(let work, let waiter):
                deliver(work, to: waiter)
            case .queued:
                watchInit(requestId: invocation.requestId, limit: initLimit + invocation.timeout)
            case .refuse(let work):
                let initError = state.withLockedValue { $0.initError }
                if let (body, type) = initError {
                    work.continuation.resume(returning: .initError(body, errorType: type))
                } else {
                    work.continuation.resume(returning: .terminated(duringInit: false))
                }
            }
        }
    }

    /// `GET /runtime/invocation/next`.
    func next(_ waiter: Waiter) -> RuntimeStateMachine<Waiter, PendingInvocation>.Refusal? {
        let (action, firstNext): (RuntimeStateMachine<Waiter, PendingInvocation>.NextAction, NIODeadline?) =
            state.withLockedValue { locked in
                var first: NIODeadline?
                if locked.firstNextAt == nil, !locked.machine.isTerminated {
                    let now = NIODeadline.now()
                    locked.firstNextAt = now
                    first = now
                }
                return (locked.machine.next(waiter), first)
            }
        if let firstNext { onInitialized(firstNext) }
        switch action {
        case .deliver(let work, let waiter):
            deliver(work, to: waiter)
            return nil
        case .park:
            onParked()
            return nil
        case .refuse(let refusal):
            return refusal
        }
    }

    /// The connection of a parked `/next` closed: forget the waiter, so the next
    /// invocation waits for a new `/next` instead of being written to a dead socket.
    func connectionClosed(_ channel: any Channel) {
        state.withLockedValue { locked in
            _ = locked.machine.dropWaiter { $0.channel === channel }
        }
    }

    /// `POST /runtime/invocation/{id}/response` or `/error`.
    func complete(requestId: String, outcome: InvocationOutcome) -> RuntimeStateMachine<Waiter, PendingInvocation>.Refusal? {
        let (action, timer) = state.withLockedValue { locked in
            let action = locked.machine.complete(requestId: requestId)
            var timer: Scheduled<Void>?
            if case .complete = action {
                timer = locked.timer
                locked.timer = nil
            }
            return (action, timer)
        }
        switch action {
        case .complete(let work):
            timer?.cancel()
            work.continuation.resume(returning: outcome)
            return nil
        case .refuse(let refusal):
            return refusal
        }
    }

    /// `POST /runtime/init/error`.
    func initError(body: ByteBuffer, errorType: String?) -> RuntimeStateMachine<Waiter, PendingInvocation>.Refusal? {
        let action = state.withLockedValue { locked in
            let action = locked.machine.initError()
            if case .failInit = action { locked.initError = (body, errorType) }
            return action
        }
        switch action {
        case .failInit(let queued):
            queued?.continuation.resume(returning: .initError(body, errorType: errorType))
            return nil
        case .refuse(let refusal):
            return refusal
        }
    }

    /// Ends the environment: fails whatever is in progress and releases a parked `/next`.
    ///
    /// Called when the process exits, on timeout, and on retirement. Idempotent.
    public func terminate(reason: InvocationOutcome? = nil) {
        let (action, waiter, timer, initError) = state.withLockedValue { locked in
            let (action, waiter) = locked.machine.terminate()
            let timer = locked.timer
            locked.timer = nil
            locked.initTimer?.cancel()
            locked.initTimer = nil
            return (action, waiter, timer, locked.initError)
        }
        timer?.cancel()
        switch action {
        case .none:
            break
        case .failDuringInit(let work):
            if let (body, type) = initError {
                work.continuation.resume(returning: .initError(body, errorType: type))
            } else {
                work.continuation.resume(returning: reason ?? .terminated(duringInit: true))
            }
        case .failDuringInvoke(let work), .failQueued(let work):
            work.continuation.resume(returning: reason ?? .terminated(duringInit: false))
        }
        if let waiter {
            waiter.channel.close(promise: nil)
        }
    }

    /// Fails a queued invocation whose runtime has not asked for it within `limit`.
    private func watchInit(requestId: String, limit: TimeAmount) {
        let timer = eventLoop.scheduleTask(in: limit) { [weak self] () -> Void in
            guard let self else { return }
            let stillWaiting = self.state.withLockedValue { $0.machine.queuedRequestId == requestId }
            if stillWaiting { self.terminate(reason: .timedOut) }
        }
        let previous = state.withLockedValue { locked in
            defer { locked.initTimer = timer }
            return locked.initTimer
        }
        previous?.cancel()
    }

    /// Answers a `/next` with the event and starts the invocation's timer.
    private func deliver(_ work: PendingInvocation, to waiter: Waiter) {
        let invocation = work.invocation
        let deadline = NIODeadline.now() + invocation.timeout
        let wallDeadlineMillis = Int64(clockRealtimeMillis()) + invocation.timeout.nanoseconds / 1_000_000
        let requestId = invocation.requestId
        let timer = eventLoop.scheduleTask(deadline: deadline) { [weak self] () -> Void in
            guard let self else { return }
            self.timedOut(requestId: requestId)
        }
        let (keepTimer, initTimer) = state.withLockedValue { locked -> (Bool, Scheduled<Void>?) in
            // The event is delivered, so init is over: the init timer has done its job.
            let initTimer = locked.initTimer
            locked.initTimer = nil
            guard locked.machine.inFlightRequestId == requestId else { return (false, initTimer) }
            locked.timer = timer
            return (true, initTimer)
        }
        initTimer?.cancel()
        if !keepTimer { timer.cancel() }

        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: requestId)
        headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(wallDeadlineMillis))
        headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: invocation.invokedFunctionArn)
        headers.add(name: "Lambda-Runtime-Trace-Id", value: invocation.traceId)
        if let clientContext = invocation.clientContext {
            headers.add(name: "Lambda-Runtime-Client-Context", value: clientContext)
        }
        if let identity = invocation.cognitoIdentity {
            headers.add(name: "Lambda-Runtime-Cognito-Identity", value: identity)
        }
        RuntimeAPIHandler.write(status: .ok, headers: headers, body: invocation.payload, to: waiter.channel, keepAlive: waiter.keepAlive)
    }

    private func timedOut(requestId: String) {
        let isCurrent = state.withLockedValue { $0.machine.inFlightRequestId == requestId }
        if isCurrent { terminate(reason: .timedOut) }
    }
}

/// Wall-clock milliseconds, for `Lambda-Runtime-Deadline-Ms`.
@inline(__always)
func clockRealtimeMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
