/// Something that can be handed to a runtime: it knows its request id.
public protocol RuntimeWork: Sendable {
    var requestId: String { get }
}

/// The Runtime API's per-environment state machine, without I/O.
///
/// It pairs invocations submitted by the platform with `/next` requests from the
/// runtime, and decides which runtime calls are legal. Every transition that is not
/// listed is refused. Requests are validated before a transition, because transitions
/// cannot be undone. The shell around it (``RuntimeEndpoint``) performs the actions it
/// returns, outside any lock.
///
/// States:
/// - `initializing`: the runtime process started and has not asked for work yet.
///   `init/error` is allowed only here. A submitted invocation waits in `queued`.
/// - `ready`: init is over; at most one of a parked `/next` (`waiter`) or a waiting
///   invocation (`queued`) is present.
/// - `invoking`: an invocation was delivered; only its `response` or `error` is legal.
/// - `terminated`: the environment is finished (init error, timeout, exit, shutdown).
public struct RuntimeStateMachine<Waiter, Work: RuntimeWork> {
    enum State {
        case initializing(queued: Work?)
        case ready(waiter: Waiter?, queued: Work?)
        case invoking(Work)
        case terminated
    }

    /// Why a runtime call was refused; the shell maps these to HTTP.
    public enum Refusal: Error, Equatable, Sendable {
        /// 400: the request id is not the invocation in flight.
        case invalidRequestId
        /// 403: the call is not allowed in the current state.
        case invalidStateTransition
    }

    public enum NextAction {
        /// Answer the `/next` at once with this work.
        case deliver(Work, to: Waiter)
        /// Hold the `/next` until work arrives.
        case park
        case refuse(Refusal)
    }

    public enum SubmitAction {
        /// A `/next` was waiting: answer it with the work.
        case deliver(Work, to: Waiter)
        /// The runtime has not asked yet; the work waits.
        case queued
        /// The environment cannot take work (busy or terminated).
        case refuse(Work)
    }

    public enum CompletionAction {
        /// The runtime finished this work; acknowledge with 202.
        case complete(Work)
        case refuse(Refusal)
    }

    public enum InitErrorAction {
        /// Acknowledge with 202; fail the queued work, if any, with the init error.
        case failInit(queued: Work?)
        case refuse(Refusal)
    }

    public enum TerminateAction {
        /// Nothing was in progress.
        case none
        /// Fail the work that was queued before init finished.
        case failDuringInit(Work)
        /// Fail the work that was delivered and not answered.
        case failDuringInvoke(Work)
        /// Fail work that was waiting for `/next` after init.
        case failQueued(Work)
    }

    private(set) var state: State = .initializing(queued: nil)

    public init() {}

    /// Whether the runtime has asked for work at least once (init is over).
    public var isInitialized: Bool {
        switch state {
        case .initializing, .terminated: false
        case .ready, .invoking: true
        }
    }

    public var isTerminated: Bool {
        if case .terminated = state { return true }
        return false
    }

    /// The runtime called `GET /runtime/invocation/next`.
    public mutating func next(_ waiter: Waiter) -> NextAction {
        switch state {
        case .initializing(let queued), .ready(waiter: nil, let queued):
            if let queued {
                state = .invoking(queued)
                return .deliver(queued, to: waiter)
            }
            state = .ready(waiter: waiter, queued: nil)
            return .park
        case .ready(waiter: .some, _), .invoking, .terminated:
            return .refuse(.invalidStateTransition)
        }
    }

    /// The platform hands the environment an invocation.
    public mutating func submit(_ work: Work) -> SubmitAction {
        switch state {
        case .initializing(queued: nil):
            state = .initializing(queued: work)
            return .queued
        case .ready(waiter: let waiter?, queued: nil):
            state = .invoking(work)
            return .deliver(work, to: waiter)
        case .ready(waiter: nil, queued: nil):
            state = .ready(waiter: nil, queued: work)
            return .queued
        case .initializing(queued: .some), .ready(_, queued: .some), .invoking, .terminated:
            return .refuse(work)
        }
    }

    /// The runtime called `POST /runtime/invocation/{id}/response` or `/error`.
    public mutating func complete(requestId: String) -> CompletionAction {
        switch state {
        case .invoking(let work):
            guard work.requestId == requestId else { return .refuse(.invalidRequestId) }
            state = .ready(waiter: nil, queued: nil)
            return .complete(work)
        case .initializing, .ready:
            return .refuse(.invalidRequestId)
        case .terminated:
            return .refuse(.invalidStateTransition)
        }
    }

    /// The runtime called `POST /runtime/init/error`. Legal only before the first `/next`.
    public mutating func initError() -> InitErrorAction {
        switch state {
        case .initializing(let queued):
            state = .terminated
            return .failInit(queued: queued)
        case .ready, .invoking, .terminated:
            return .refuse(.invalidStateTransition)
        }
    }

    /// A parked `/next` went away (its connection closed). Back to `ready` with no waiter,
    /// if `matches` says the parked waiter is the one that left. Returns whether it was.
    public mutating func dropWaiter(where matches: (Waiter) -> Bool) -> Bool {
        guard case .ready(let waiter?, nil) = state, matches(waiter) else { return false }
        state = .ready(waiter: nil, queued: nil)
        return true
    }

    /// The environment ends: the process exited, timed out, or is being retired.
    ///
    /// Returns the work that must be failed, and the parked waiter (if any) to release.
    public mutating func terminate() -> (TerminateAction, waiter: Waiter?) {
        let previous = state
        state = .terminated
        switch previous {
        case .initializing(let queued):
            return (queued.map(TerminateAction.failDuringInit) ?? .none, nil)
        case .ready(let waiter, let queued):
            return (queued.map(TerminateAction.failQueued) ?? .none, waiter)
        case .invoking(let work):
            return (.failDuringInvoke(work), nil)
        case .terminated:
            return (.none, nil)
        }
    }

    /// The request id of the invocation waiting for `/next`, if any.
    public var queuedRequestId: String? {
        switch state {
        case .initializing(let queued?), .ready(_, let queued?): queued.requestId
        default: nil
        }
    }

    /// The request id of the invocation in flight, if any.
    public var inFlightRequestId: String? {
        if case .invoking(let work) = state { return work.requestId }
        return nil
    }
}

extension RuntimeStateMachine: Sendable where Waiter: Sendable {}
extension RuntimeStateMachine.State: Sendable where Waiter: Sendable {}
