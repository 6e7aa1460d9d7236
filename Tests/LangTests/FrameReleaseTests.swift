import Testing
@testable import Lang

/// What a finished function call leaves alive. A closure holds the frame it was made in, so one
/// stored in that frame (`let f = fn…` inside a function) made a reference cycle, and every value
/// of the call — a training run with its optimiser state, a model — stayed in memory until the
/// process ended: a script training one model per call ran out of memory.
@Suite struct FrameReleaseTests {
    /// A handle that counts how many of its kind are alive.
    final class Tracked: Handle {
        nonisolated(unsafe) static var alive = 0
        init() {
            Tracked.alive += 1
            super.init(kind: "tracked")
        }
        deinit { Tracked.alive -= 1 }
    }

    /// Runs `code` with `tracked()` making a Tracked handle; how many are alive after it.
    static func aliveAfter(_ code: String) throws -> (Value, Int) {
        Tracked.alive = 0
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("tracked", .builtin(Builtin("tracked()", topic: "test", doc: "", example: "") { _ in .handle(Tracked()) }))
        let value = try interpreter.evaluate(Source(name: "<test>", text: code)).value
        return (value, Tracked.alive)
    }

    @Test func aValueOfAFinishedCallIsFreedWhenAClosureWasStoredBesideIt() throws {
        let (_, alive) = try Self.aliveAfter("""
            fn once() {
                let run = tracked()
                let helper = fn(x) => x + 1
                helper(1)
            }
            for i in range(3) { once() }
            """)
        #expect(alive == 0)
    }

    @Test func whatAReturnedClosureReadsStaysAlive() throws {
        let (value, alive) = try Self.aliveAfter("""
            fn make() {
                let kept = tracked()
                let dropped = tracked()
                let read = fn() => kept
                read
            }
            let f = make()
            f()
            """)
        guard case .handle(let handle) = value else { Issue.record("not a handle: \(value.typeName)"); return }
        #expect(handle.kind == "tracked")
        #expect(alive == 1)
    }

    @Test func closuresStillReadAndWriteTheirFramesVariables() throws {
        #expect(try evaluatedNumbers("""
            fn counter() {
                let n = 40
                let step = fn() { n = n + 1; n }
                step()
                step
            }
            let c = counter()
            c()
            """) == [42])
        #expect(try evaluatedNumbers("""
            fn outer(k) {
                fn down(n) { if n == 0 { return 0 } else { return k + down(n - 1) } }
                down(3)
            }
            outer(2)
            """) == [6])
    }
}
