import Synchronization

/// A flag the SIGINT handler sets and the interpreter polls, so Ctrl-C stops a running
/// computation between steps and leaves every variable intact.
public final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isSet: Bool { flag.load(ordering: .relaxed) }
    public func set() { flag.store(true, ordering: .relaxed) }
    public func clear() { flag.store(false, ordering: .relaxed) }
}
