import CEditLine
import Foundation
import Lang

/// Tab completion through libedit's readline emulation; what completes a word is `Completer`'s.
enum Completion {
    nonisolated(unsafe) private static var completer: Completer?
    nonisolated(unsafe) private static var candidates: [String] = []
    nonisolated(unsafe) private static var next = 0

    private static let wordBreaks = strdup(String(String.UnicodeScalarView(Completer.wordBreaks)))

    /// The REPL commands whose argument is a file.
    static let commandsTakingAPath = [":load", ":save", ":record"]

    static func install(for interpreter: Interpreter) {
        completer = Completer(interpreter: interpreter, commandsTakingAPath: commandsTakingAPath)
        ce_set_readline_name("preflab")
        ce_set_basic_word_break_characters(wordBreaks)
        ce_set_attempted_completion { text, start, _ in
            guard let text, let completer = Completion.completer else { return nil }
            rl_attempted_completion_over = 1
            let prefix = String(cString: text)
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            let before = String(line.unicodeScalars.prefix(Int(start)))
            Completion.candidates = completer.candidates(word: prefix, before: before)
            // libedit appends this character (a space by default) to a unique match. Only a
            // variable's name ends a word; a function's "(", a field (`x.shape` goes on with
            // `[0]`), a keyword argument's ": ", a folder's "/", a file's closing quote and a
            // command's file (the end of the line) do not.
            let match = Completion.candidates.count == 1 ? Completion.candidates[0] : ""
            let inPath = completer.pathBeingTyped(before + prefix) != nil
            let endsWord = !inPath && !prefix.contains(".") && !match.hasSuffix("(") && !match.hasSuffix(": ")
            ce_set_completion_append_character(endsWord ? Int32(UInt8(ascii: " ")) : 0)
            Completion.next = 0
            return rl_completion_matches(text) { _, state in
                if state == 0 { Completion.next = 0 }
                guard Completion.next < Completion.candidates.count else { return nil }
                defer { Completion.next += 1 }
                return strdup(Completion.candidates[Completion.next])
            }
        }
    }
}
