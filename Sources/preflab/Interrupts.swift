import CEditLine
import Foundation
import Lang

/// Ctrl-C handling: SIGINT sets a flag instead of killing the process. At the prompt the line
/// is cancelled; during a computation the interpreter stops at its next step, keeping every
/// variable. Installed without SA_RESTART so a blocking read returns when the signal arrives.
enum Interrupts {
    nonisolated(unsafe) static var pressed = false
    nonisolated(unsafe) private static var target: InterruptFlag?

    static func install(_ flag: InterruptFlag) {
        target = flag
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Interrupts.pressed = true
            Interrupts.target?.set()
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may have started us with SIGINT blocked (the mask survives exec); unblock it.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Runs `body` with SIGINT held back except while `waitForKey` waits, so a Ctrl-C can only
    /// arrive where it is seen (see `ce_wait_for_input`).
    static func deferred<T>(_ body: () -> T) -> T {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &mask, nil) }
        return body()
    }

    /// libedit's key reader: one character from `stream` as a Unicode scalar value (libedit takes
    /// what this returns as a wide character, so UTF-8 is decoded here), or EOF once Ctrl-C is
    /// pressed, which ends the line being edited.
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

    /// One byte from `descriptor`, waiting for it; nil at end of input, on error or on Ctrl-C.
    private static func nextByte(_ descriptor: Int32) -> UInt8? {
        while !Interrupts.pressed {
            switch ce_wait_for_input(descriptor) {
            case 1:
                var byte: UInt8 = 0
                let count = read(descriptor, &byte, 1)
                if count == 1 { return byte }
                if count == 0 || errno != EINTR { return nil }
            case 0:
                continue
            default:
                return nil
            }
        }
        return nil
    }
}
