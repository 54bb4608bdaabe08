import NIOHTTP1
import Testing
@testable import NimbusRuntimeAPI

struct Work: RuntimeWork, Equatable {
    var requestId: String
}

typealias Machine = RuntimeStateMachine<Int, Work>

/// Drives a machine into a named state.
enum Start: String, CaseIterable, CustomTestStringConvertible {
    case initializing, initializingQueued, readyIdle, readyParked, readyQueued, invoking, terminated
    var testDescription: String { rawValue }

    func make() -> Machine {
        var m = Machine()
        switch self {
        case .initializing: break
        case .initializingQueued: _ = m.submit(Work(requestId: "q"))
        case .readyIdle: _ = m.next(1); _ = m.submit(Work(requestId: "a")); _ = m.complete(requestId: "a")
        case .readyParked: _ = m.next(1)
        case .readyQueued: _ = m.next(1); _ = m.submit(Work(requestId: "a")); _ = m.complete(requestId: "a"); _ = m.submit(Work(requestId: "q"))
        case .invoking: _ = m.next(1); _ = m.submit(Work(requestId: "a"))
        case .terminated: _ = m.terminate()
        }
        return m
    }
}

@Suite("RuntimeStateMachine transitions")
struct RuntimeStateMachineTests {
    @Test("GET /next", arguments: Start.allCases)
    func next(start: Start) {
        var m = start.make()
        let action = m.next(7)
        switch (start, action) {
        case (.initializing, .park), (.readyIdle, .park):
            #expect(m.isInitialized)
        case (.initializingQueued, .deliver(let work, 7)), (.readyQueued, .deliver(let work, 7)):
            #expect(work.requestId == "q")
            #expect(m.inFlightRequestId == "q")
        case (.readyParked, .refuse(.invalidStateTransition)),
             (.invoking, .refuse(.invalidStateTransition)),
             (.terminated, .refuse(.invalidStateTransition)):
            break
        default:
            Issue.record("unexpected \(action) from \(start)")
        }
    }

    @Test("submit an invocation", arguments: Start.allCases)
    func submit(start: Start) {
        var m = start.make()
        let action = m.submit(Work(requestId: "new"))
        switch (start, action) {
        case (.initializing, .queued), (.readyIdle, .queued):
            #expect(m.inFlightRequestId == nil)
        case (.readyParked, .deliver(let work, 1)):
            #expect(work.requestId == "new")
            #expect(m.inFlightRequestId == "new")
        case (.initializingQueued, .refuse), (.readyQueued, .refuse), (.invoking, .refuse), (.terminated, .refuse):
            break
        default:
            Issue.record("unexpected \(action) from \(start)")
        }
    }

    @Test("POST /response for the invocation in flight", arguments: Start.allCases)
    func complete(start: Start) {
        var m = start.make()
        let action = m.complete(requestId: "a")
        switch (start, action) {
        case (.invoking, .complete(let work)):
            #expect(work.requestId == "a")
            #expect(m.inFlightRequestId == nil)
            // The runtime may now ask for the next event.
            guard case .park = m.next(2) else { Issue.record("next after response should park"); return }
        case (.terminated, .refuse(.invalidStateTransition)):
            break
        case (_, .refuse(.invalidRequestId)) where start != .invoking && start != .terminated:
            break
        default:
            Issue.record("unexpected \(action) from \(start)")
        }
    }

    @Test("a parked /next whose connection closed is forgotten; others are not", arguments: Start.allCases)
    func dropWaiter(start: Start) {
        var m = start.make()
        let dropped = m.dropWaiter { $0 == 1 }
        #expect(dropped == (start == .readyParked))
        if start == .readyParked {
            // The next invocation waits for a fresh /next instead of going to the dead one.
            guard case .queued = m.submit(Work(requestId: "n")) else { Issue.record("expected queued"); return }
            guard case .deliver(let work, 9) = m.next(9) else { Issue.record("expected delivery"); return }
            #expect(work.requestId == "n")
        }
        var parked = Start.readyParked.make()
        #expect(!parked.dropWaiter { $0 == 2 })
    }

    @Test("a response for an unknown request id is refused and changes nothing")
    func unknownId() {
        var m = Start.invoking.make()
        guard case .refuse(.invalidRequestId) = m.complete(requestId: "other") else {
            Issue.record("expected invalidRequestId"); return
        }
        #expect(m.inFlightRequestId == "a")
    }

    @Test("POST /init/error is legal only before the first /next", arguments: Start.allCases)
    func initError(start: Start) {
        var m = start.make()
        let action = m.initError()
        switch (start, action) {
        case (.initializing, .failInit(nil)):
            #expect(m.isTerminated)
        case (.initializingQueued, .failInit(let queued?)):
            #expect(queued.requestId == "q")
            #expect(m.isTerminated)
        case (.readyIdle, .refuse(.invalidStateTransition)), (.readyParked, .refuse(.invalidStateTransition)),
             (.readyQueued, .refuse(.invalidStateTransition)), (.invoking, .refuse(.invalidStateTransition)),
             (.terminated, .refuse(.invalidStateTransition)):
            #expect(!m.isTerminated || start == .terminated)
        default:
            Issue.record("unexpected \(action) from \(start)")
        }
    }

    @Test("terminate fails what was in progress and releases a parked /next", arguments: Start.allCases)
    func terminate(start: Start) {
        var m = start.make()
        let (action, waiter) = m.terminate()
        #expect(m.isTerminated)
        switch (start, action) {
        case (.initializing, .none), (.readyIdle, .none), (.terminated, .none):
            #expect(waiter == nil)
        case (.initializingQueued, .failDuringInit(let work)):
            #expect(work.requestId == "q")
        case (.readyParked, .none):
            #expect(waiter == 1)
        case (.readyQueued, .failQueued(let work)):
            #expect(work.requestId == "q")
        case (.invoking, .failDuringInvoke(let work)):
            #expect(work.requestId == "a")
        default:
            Issue.record("unexpected \(action) from \(start)")
        }
        // Nothing is legal afterwards.
        guard case .refuse = m.submit(Work(requestId: "late")) else { Issue.record("submit after terminate"); return }
    }
}

@Suite("RuntimeRoute")
struct RuntimeRouteTests {
    @Test("parses the Runtime API paths", arguments: [
        (HTTPMethod.GET, "/2018-06-01/runtime/invocation/next", RuntimeRoute.next),
        (.POST, "/2018-06-01/runtime/invocation/abc-1/response", .response(requestId: "abc-1")),
        (.POST, "/2018-06-01/runtime/invocation/abc-1/error", .error(requestId: "abc-1")),
        (.POST, "/2018-06-01/runtime/init/error", .initError),
        (.POST, "/2018-06-01/runtime/invocation/next", .notFound),
        (.GET, "/2018-06-01/runtime/invocation/abc/response", .notFound),
        (.GET, "/2020-01-01/runtime/invocation/next", .notFound),
    ])
    func parse(method: HTTPMethod, uri: String, expected: RuntimeRoute) {
        #expect(RuntimeRoute(method: method, uri: uri) == expected)
    }
}
