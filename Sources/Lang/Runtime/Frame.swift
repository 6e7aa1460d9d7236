import Foundation
import Plot
import Tensor

/// The local variables of one function call, and the frame the function was defined in.
final class Frame {
    var slots: [Value]
    let parent: Frame?

    init(size: Int, parent: Frame?) {
        slots = [Value](repeating: .nil, count: size)
        self.parent = parent
    }

    /// The frame `depth` levels out.
    @inline(__always)
    func ancestor(_ depth: Int) -> Frame {
        var frame = self
        for _ in 0..<depth { frame = frame.parent ?? frame }
        return frame
    }
}

/// What a statement left pending: nothing, or a jump the enclosing loop or call must take.
enum Pending {
    case none
    case breakLoop
    case continueLoop
    case returning
}

/// The interpreter's state that nodes read and change while running.
final class Runtime {
    /// Top-level variables, by slot; nil until defined.
    var globals: [Value?] = []
    var globalNames: [String: Int] = [:]
    var pending: Pending = .none
    var returnValue: Value = .nil
    /// User function calls in progress, for the stack-overflow check.
    var depth = 0
    /// Set from the SIGINT handler; loops and calls check it.
    let interrupt: InterruptFlag
    /// Where `print` writes.
    var write: (String) -> Void
    /// Loop iterations and calls left before the program is stopped (the fuzz harness sets one).
    var stepBudget: Int?
    var random: RandomSource
    /// The leaves of the grad(f, x) calls whose f is running, outermost first: a grad or backward
    /// reaching one of them would need second derivatives, which the tape does not record.
    var activeGradLeaves: [Tensor] = []
    /// Told of each plot `print` shows, so transcripts can save a copy of it.
    var plotPrinted: ((any Figure) -> Void)?
    /// Opens where a run's live plot (`plot_every`) is redrawn: standard error, beside the
    /// progress bar when it is a terminal. The Jupyter kernel opens a display in the running cell.
    var openLiveDisplay: () -> any LiveDisplay = { LiveView(fileDescriptor: STDERR_FILENO) }

    init(interrupt: InterruptFlag, write: @escaping (String) -> Void) {
        self.interrupt = interrupt
        self.write = write
        self.random = RandomSource(seed: 0)
    }

    func globalSlot(_ name: String) -> Int {
        if let slot = globalNames[name] { return slot }
        globals.append(nil)
        globalNames[name] = globals.count - 1
        return globals.count - 1
    }

    /// Checks Ctrl-C and the step budget; called once per loop iteration and function call.
    @inline(__always)
    func tick(_ span: Span, _ source: Source) throws {
        if interrupt.isSet {
            throw LangError.interrupted(at: span, in: source)
        }
        if let budget = stepBudget {
            guard budget > 0 else { throw LangError(.runtime, "step limit reached", span, source) }
            stepBudget = budget - 1
        }
    }
}
