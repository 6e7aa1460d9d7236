import CEditLine
import Foundation
import Lang
import Synchronization

/// Signals that stop work: SIGINT (Ctrl-C), SIGTERM (`kill`, `timeout`, a cluster's pre-emption),
/// SIGHUP (the terminal went away) and SIGUSR1 (a stop request `mpirun` passes on to every rank
/// without killing them after it, see docs/distributed.md) set the interpreter's flag instead of
/// killing the process.
/// The running entry — loops, calls, training runs inside them — stops at its next step, a run
/// first writing its checkpoint; every variable keeps its value. At the prompt Ctrl-C cancels
/// the line. A script stops with status 128 + the signal's number; the signals other than
/// SIGINT also end the REPL once the entry has stopped.
enum Interrupts {
    /// The signals handled, each stopping the running entry.
    static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGUSR1]

    /// The signal received since the last `reset`, 0 for none. The signals other than SIGINT are
    /// kept once received (a Ctrl-C does not replace them, `reset` does not clear them): they end
    /// the session.
    private static let received = Atomic<Int32>(0)
    nonisolated(unsafe) private static var target: InterruptFlag?
    /// The terminal on standard input opened a second time, non-blocking (see
    /// `ce_open_nonblocking_terminal`), when a prompt first reads a key; -1 when standard input is
    /// no terminal.
    private static let nonblockingInput = ce_open_nonblocking_terminal(STDIN_FILENO)

    /// Holds the stopping signals back on the calling thread, and on the threads it starts (they
    /// inherit its mask). `main` calls it before starting the thread that runs programs, so that
    /// a signal meant for that thread cannot wait unseen in one that only waits.
    static func blockOnThisThread() {
        var mask = stoppingMask
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// Installs the handler for `flag` on the thread that reads lines and runs programs.
    static func install(_ flag: InterruptFlag) {
        target = flag
        // Statics initialise on first use, which is not async-signal-safe: not in the handler.
        received.store(0, ordering: .relaxed)
        _ = ce_make_wake_pipe()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            if signal == SIGINT {
                _ = Interrupts.received.compareExchange(expected: 0, desired: SIGINT, ordering: .relaxed)
            } else {
                Interrupts.received.store(signal, ordering: .relaxed)
            }
            Interrupts.target?.set()
            ce_wake()
        }
        sigemptyset(&action.sa_mask)
        // System calls restart: waiting for a key is done in pselect, which the wake pipe ends,
        // so no other call needs to see EINTR.
        action.sa_flags = SA_RESTART
        // `nohup` starts a program with SIGHUP ignored; that choice stands.
        for signal in stopping where !(signal == SIGHUP && ce_signal_is_ignored(signal) != 0) {
            sigaction(signal, &action, nil)
        }
        // A parent may have started us with these blocked (the mask survives exec); unblock them.
        var mask = stoppingMask
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    private static var stoppingMask: sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in stopping { sigaddset(&mask, signal) }
        return mask
    }

    /// The stopping signal received since the last `reset`, if any.
    static var pending: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// Whether a signal that ends the session (any but SIGINT) has arrived.
    static var endsSession: Bool { pending.map { $0 != SIGINT } ?? false }

    /// The exit status after `signal` stopped a program: 128 + its number, as a shell reports it.
    static func exitStatus(after signal: Int32) -> Int32 { 128 + signal }

    /// Forgets a Ctrl-C already acted on (at a new prompt), and the interpreter's flag with it.
    static func reset() {
        _ = received.compareExchange(expected: SIGINT, desired: 0, ordering: .relaxed)
        if !endsSession { target?.clear() }
        // After the flag is cleared: a signal arriving between the two has set it again, and is seen.
        ce_drain_wakes()
    }

    /// Runs `body` with the stopping signals held back except while `waitForKey` waits, so one
    /// can only arrive where it is seen (see `ce_read_key_byte`) and never in the middle of
    /// libedit drawing the line.
    static func deferred<T>(_ body: () -> T) -> T {
        var mask = stoppingMask
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &mask, nil) }
        return body()
    }

    /// libedit's key reader: one character from `stream` as a Unicode scalar value (libedit takes
    /// what this returns as a wide character, so UTF-8 is decoded here), or EOF once a stopping
    /// signal arrives, which ends the line being edited.
    static let waitForKey: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { stream in
        let descriptor = stream.map { fileno($0) } ?? STDIN_FILENO
        guard let lead = nextByte(descriptor) else { return EOF }
        let length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        var bytes = [lead]
        while bytes.count < length, let byte = nextByte(descriptor) { bytes.append(byte) }
        guard bytes.count == length else { return EOF }
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return Int32(scalar.value) }
        return 0xFFFD
    }

    /// One line of standard input (a terminal in its own line mode) without its newline; nil at
    /// the end of input or once a stopping signal arrives.
    static func readLine() -> String? {
        var bytes: [UInt8] = []
        while let byte = nextByte(STDIN_FILENO) {
            if byte == UInt8(ascii: "\n") {
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(byte)
        }
        return bytes.isEmpty || pending != nil ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// One byte from `descriptor`, waiting for it; nil at end of input, on error or once a
    /// stopping signal arrives.
    private static func nextByte(_ descriptor: Int32) -> UInt8? {
        var byte: UInt8 = 0
        let nonblocking = descriptor == STDIN_FILENO ? nonblockingInput : -1
        while pending == nil {
            var stopping = stoppingMask
            switch ce_read_key_byte(descriptor, nonblocking, &stopping, &byte) {
            case 1:
                return byte
            case 0:
                // Woken by a signal already recorded (the loop's test sees it) or by one acted on
                // before: either way the pipe is emptied so the wait can block again.
                ce_drain_wakes()
            default:
                return nil
            }
        }
        return nil
    }
}
