import Foundation
import Testing
@testable import Lang

/// `Completer`, the one completion the REPL's Tab and the kernel's complete_request share:
/// fields at any depth, keyword arguments, and paths in strings and after the commands that
/// take a file where there are such commands.
@Suite(.serialized) struct CompleterTests {
    private func completer(_ code: String, commands: [String] = []) throws -> Completer {
        let interpreter = Interpreter(write: { _ in })
        try interpreter.evaluate(Source(name: "<test>", text: code))
        return Completer(interpreter: interpreter, commandsTakingAPath: commands)
    }

    /// The lines Tab would make of `code`, the cursor at its end: the word replaced by each match.
    private func completed(_ code: String, by completer: Completer) -> [String] {
        let completion = completer.complete(code, cursor: code.unicodeScalars.count)
        let kept = String(String.UnicodeScalarView(code.unicodeScalars.prefix(completion.wordStart)))
        return completion.matches.map { kept + $0 }
    }

    @Test func fieldsOfNestedRecordsListsAndTensorsComplete() throws {
        let completer = try completer("""
            let config = {beta: 0.1, optimiser: {name: "adamw", betas: [0.9, 0.999]}}
            let w = zeros([2, 3])
            """)
        #expect(completer.complete("config.optimiser.n", cursor: 18).matches == ["config.optimiser.name"])
        #expect(completer.complete("config.optimiser.betas.", cursor: 23).matches == ["config.optimiser.betas.length"])
        #expect(completer.complete("w.s", cursor: 3).matches == ["w.shape"])
        // The word starts after the bracket: `[w.` completes `w.`.
        let inList = completer.complete("[w.re", cursor: 5)
        #expect(inList.wordStart == 1 && inList.matches == ["w.requires_grad"])
        #expect(completer.complete("config.nothing.", cursor: 15).matches.isEmpty)
    }

    /// A client's cursor outside the text is taken as its start or end, never a crash.
    @Test func aCursorOutsideTheTextIsClamped() throws {
        let completer = try completer("let value = 1")
        #expect(completer.complete("val", cursor: -5).matches == completer.complete("", cursor: 0).matches)
        #expect(completer.complete("val", cursor: 99).matches == ["value", "values("])
        #expect(completer.documentation(in: "len", cursor: -1) == completer.documentation(in: "len", cursor: 0))
    }

    @Test func keywordArgumentsAndFunctionsComplete() throws {
        let completer = try completer("fn scaled(value, factor = 2) { value * factor }")
        #expect(completer.complete("scal", cursor: 4).matches == ["scaled("])
        #expect(completer.complete("scaled(1, fa", cursor: 12).matches == ["factor: "])
        #expect(completer.documentation(in: "scaled(", cursor: 7) == "scaled(value, factor = …)\n  a function defined in <test>\n")
    }

    @Test func pathsCompleteInStringsAndAfterCommandsThatTakeAFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-complete-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/runs", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: folder + "/session.pref"))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repl = try completer("", commands: [":load", ":save"])
        // In a string a lone file closes the string; after a command the line simply ends.
        #expect(completed("load_model(\"\(folder)/se", by: repl) == ["load_model(\"\(folder)/session.pref\""])
        let afterCommand = ":load \(folder)/se"
        #expect(completed(afterCommand, by: repl) == [":load \(folder)/session.pref"])
        #expect(completed(":save \(folder)/ru", by: repl) == [":save \(folder)/runs/"])
        #expect(repl.pathBeingTyped("  :save x/y")?.path == "x/y")
        // Without the commands (the kernel) `:load` is no command, and nothing after it is a path.
        let kernel = try completer("")
        #expect(kernel.pathBeingTyped(afterCommand) == nil)
        #expect(completed(afterCommand, by: kernel).isEmpty)
    }
}
