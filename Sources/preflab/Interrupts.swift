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
}
