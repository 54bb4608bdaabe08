import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusStore
import Synchronization

/// Runs queued Event invocations: claims due events, invokes them through the
/// ``Invoker``, and applies ``AsyncRetryPolicy``'s decision (retry later, or end the
/// event and queue its destination record).
///
/// At most `maxInFlight` events run at once. It sleeps until the next event is due, a new
/// event is queued, or a running one ends. On start, events a dead server left running
/// are due again (``AsyncEventStore/requeueRunning(now:)``).
final class AsyncDispatcher: Sendable {
    let invoker: Invoker
    let events: AsyncEventStore
    let configs: EventInvokeConfigStore
    let policy: AsyncRetryPolicy
    let maxInFlight: Int
    let logger: Logger
    /// Where queue destinations and dead letters go; nil: not delivered (logged).
    let queues: (any QueueSender)?
    private let waker = Waker()
    /// Outcomes are written in groups too: one transaction for the events that ended
    /// while the previous one committed.
    let updates: GroupCommitter<AsyncEventStore.Update>
    private let inFlight = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    init(invoker: Invoker, events: AsyncEventStore, configs: EventInvokeConfigStore, policy: AsyncRetryPolicy, maxInFlight: Int, queues: (any QueueSender)? = nil, logger: Logger) {
        self.queues = queues
        self.invoker = invoker
        self.events = events
        self.configs = configs
        self.policy = policy
        self.maxInFlight = max(1, maxInFlight)
        self.logger = logger
        self.updates = GroupCommitter { batch in try await events.apply(batch) }
    }

    var account: Account { invoker.context.account }

    /// There may be work: a new event, or a free slot.
    func wake() { waker.signal() }

    /// Stops claiming; `run` returns when the running events have ended.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        waker.signal()
    }

    /// The outcome writer; ends after ``stop()`` once the running events are recorded.
    func runUpdates() async {
        await updates.run()
    }

    func run() async {
        do {
            let requeued = try events.requeueRunning()
            if requeued > 0 { logger.notice("\(requeued) asynchronous events were running when the server stopped; they run again") }
        } catch {
            logger.error("could not requeue running asynchronous events: \(error)")
        }
        await withDiscardingTaskGroup { group in
            while !stopping.load(ordering: .relaxed) {
                let free = maxInFlight - inFlight.load(ordering: .relaxed)
                var claimed: [AsyncEvent] = []
                if free > 0 {
                    do {
                        claimed = try events.claimDue(now: Date(), limit: free)
                    } catch {
                        logger.error("could not read the asynchronous event queue: \(error)")
                    }
                }
                for event in claimed {
                    inFlight.add(1, ordering: .relaxed)
                    group.addTask {
                        await self.process(event)
                        self.inFlight.subtract(1, ordering: .relaxed)
                        self.waker.signal()
                    }
                }
                if free > 0, claimed.count == free { continue }  // there may be more due now
                await waker.wait(timeout: nextWait(slotsFree: claimed.count < free))
            }
        }
        updates.close()
    }

    /// How long to sleep when nothing more can be claimed now: until the next due event
    /// (at most a second, so a clock change or a missed signal costs little).
    private func nextWait(slotsFree: Bool) -> Duration {
        guard slotsFree, let next = try? events.nextDue() else { return .seconds(1) }
        let seconds = min(max(next.timeIntervalSinceNow, 0.001), 1)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Runs one attempt of an event and records what follows.
    func process(_ claimed: AsyncEvent) async {
        var event = claimed
        let qualifier = event.event.qualifier ?? "$LATEST"
        let config: EventInvokeConfig?
        do {
            config = try configs.get(functionName: event.event.functionName, qualifier: qualifier)
        } catch {
            logger.error("could not read the event invoke config of \(event.event.functionName): \(error)")
            config = nil
        }
        if policy.isExpired(receivedAt: event.event.receivedAt, config: config, now: Date()) {
            await finish(event, .eventAgeExceeded, config: config)
            return
        }

        var request = InvokeRequest(
            requestId: event.event.requestId, functionName: event.event.functionName, qualifier: event.event.qualifier,
            payload: ByteBuffer(bytes: event.event.payload), clientContext: event.event.clientContext
        )
        // Every attempt joins the caller's trace; the first waited since it was accepted,
        // a retry since it fell due.
        request.traceHeader = event.event.traceHeader
        request.trigger = .pubsub
        request.queuedSince = event.invokeCount == 0 && event.platformRetries == 0 ? event.event.receivedAt : event.dueAt
        let outcome: AsyncRetryPolicy.Outcome
        do {
            let result = try await invoker.invoke(request)
            event.invokeCount += 1
            event.lastResponse = AsyncAttemptResponse(
                statusCode: 200, executedVersion: result.executedVersion, functionError: result.functionError,
                payload: result.payload.withUnsafeReadableBytes { Data($0) }
            )
            outcome = result.functionError == nil ? .success : .functionError
        } catch {
            if error.httpStatus == 429 {
                outcome = .throttled
            } else if error.httpStatus >= 500 {
                outcome = .platformError
            } else {
                // The function is gone (or cannot be invoked at all): nothing to retry.
                logger.warning("dropping asynchronous event \(event.event.requestId) for \(event.event.functionName): \(error.message)")
                await save(.complete(event.id, enqueue: []))
                return
            }
            event.platformRetries += 1
        }
        // An attempt cut short by shutdown (environments are retired) is not a failure of
        // the function: leave it running, so the next start runs it again.
        if outcome != .success, stopping.load(ordering: .relaxed) { return }

        switch policy.decide(outcome, invokeCount: event.invokeCount, platformRetries: event.platformRetries, config: config, now: Date()) {
        case .finish(let condition):
            await finish(event, condition, config: config)
        case .retry(let at):
            event.dueAt = at
            await save(.reschedule(event))
        }
    }

    /// Ends an event; queues its invocation record to the destination of `condition`.
    private func finish(_ event: AsyncEvent, _ condition: AsyncInvocationCondition, config: EventInvokeConfig?) async {
        if condition != .success { await sendToDeadLetterQueue(event) }
        let destination = condition == .success ? config?.onSuccess : config?.onFailure
        guard let destination, !destination.isEmpty else {
            if condition != .success {
                logger.info("asynchronous event \(event.event.requestId) for \(event.event.functionName) discarded: \(condition.rawValue)")
            }
            await save(.complete(event.id, enqueue: []))
            return
        }
        let qualifier = event.event.qualifier ?? "$LATEST"
        let record = InvocationRecord.json(
            condition: condition, requestId: event.event.requestId,
            functionArn: account.functionArn(event.event.functionName, qualifier: qualifier),
            invokeCount: event.invokeCount, requestPayload: event.event.payload, response: event.lastResponse,
            timestamp: Date()
        )
        switch EventInvokeConfigRules.destinationKind(destination, onFailure: condition != .success) {
        case .function(let target)?:
            let followUp = NewAsyncEvent(
                requestId: UUID().uuidString.lowercased(), functionName: target.name, qualifier: target.qualifier,
                payload: record, receivedAt: Date()
            )
            await save(.complete(event.id, enqueue: [followUp]))
            waker.signal()
        case .queue? where queues != nil:
            await send(String(decoding: record, as: UTF8.self), to: destination, attributes: [:], what: "\(condition.rawValue) record")
            await save(.complete(event.id, enqueue: []))
        default:
            // Topics, buses and buckets have no service in Nimbus yet.
            logger.warning("asynchronous event \(event.event.requestId) for \(event.event.functionName): \(condition.rawValue) record not delivered to \(destination) (Nimbus delivers records to functions and queues only)")
            await save(.complete(event.id, enqueue: []))
        }
    }

    /// A finally failed event goes to its function's `DeadLetterConfig` queue, as AWS sends
    /// it: the original payload, with `RequestID`, `ErrorCode` and `ErrorMessage` attributes.
    private func sendToDeadLetterQueue(_ event: AsyncEvent) async {
        guard case .function(let function) = invoker.registry.resolve(event.event.functionName, qualifier: event.event.qualifier),
              let target = function.deadLetterTargetArn else { return }
        guard target.hasPrefix("arn:aws:sqs:"), queues != nil else {
            logger.warning("asynchronous event \(event.event.requestId) for \(event.event.functionName): dead letter not sent to \(target) (Nimbus delivers dead letters to queues only)")
            return
        }
        let response = event.lastResponse
        let code = response?.statusCode ?? 429
        var message = ""
        if let payload = response?.payload, let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] {
            message = (object["errorMessage"] as? String) ?? ""
        }
        let attributes = [
            "RequestID": QueueMessageAttribute(dataType: "String", value: event.event.requestId),
            "ErrorCode": QueueMessageAttribute(dataType: "Number", value: String(code)),
            "ErrorMessage": QueueMessageAttribute(dataType: "String", value: String(message.utf8.prefix(1024)) ?? ""),
        ]
        await send(String(decoding: event.event.payload, as: UTF8.self), to: target, attributes: attributes, what: "dead letter")
    }

    private func send(_ body: String, to queueArn: String, attributes: [String: QueueMessageAttribute], what: String) async {
        do {
            try await queues?.send(queueArn: queueArn, body: body, attributes: attributes)
        } catch {
            logger.warning("could not send the \(what) to \(queueArn): \(error)")
        }
    }

    /// Writes an outcome; on failure the event stays `running` and runs again at the next start.
    private func save(_ update: AsyncEventStore.Update) async {
        do {
            try await updates.submit(update)
        } catch {
            logger.error("could not record the outcome of an asynchronous event: \(error)")
        }
    }
}
