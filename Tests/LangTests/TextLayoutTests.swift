import Foundation
import Plot
import Testing
@testable import Lang

/// Help wrapped to the terminal's width (80 columns off a terminal).
@Suite struct TextLayoutTests {
    @Test func wrapsBetweenPiecesUnderAHangingIndent() {
        let text = TextLayout.wrap(["alpha", "beta", "gamma", "delta"], lead: "  ", hanging: 4, width: 14)
        #expect(text == "  alpha beta\n    gamma\n    delta")
        // A piece longer than the width keeps a line of its own rather than being cut.
        #expect(TextLayout.wrap(["a", "abcdefghijkl", "b"], hanging: 0, width: 5) == "a\nabcdefghijkl\nb")
    }

    @Test func twoColumnListsContinueUnderTheirSecondColumn() {
        let list = ":load FILE   run a script in this session\n?name        help for a builtin\nA plain line of prose\n"
            + "  core:   print, len, type, str\n    an indented paragraph of prose"
        #expect(TextLayout.wrapColumns(list, width: 30) == """
            :load FILE   run a script in
                         this session
            ?name        help for a
                         builtin
            A plain line of prose
              core:   print, len, type,
                      str
                an indented paragraph of
                prose
            """)
    }

    /// help() and help(name) fit the width; signatures break between parameters and go on
    /// after their parenthesis; examples are left as written.
    @Test func helpFitsTheTerminal() throws {
        for columns in [40, 80, 120] {
            let device = OutputDevice(isTerminal: true, columns: columns)
            let (index, help) = Terminal.$output.withValue(device) { (Builtins.helpIndex(), Builtins.helpText(Builtins.table["pref_train"]!)) }
            let example = Builtins.table["pref_train"]!.example
            // Only a word longer than a line (probe/{chosen,rejected}_{before,at,after};) may exceed it.
            for line in (index + help).split(separator: "\n") where !example.contains(line.dropFirst(4)) {
                #expect(line.count <= columns || !line.drop { $0 == " " }.contains(" "), "\(columns) columns: \(line)")
            }
            let signature = help.split(separator: "\n").prefix { !$0.hasPrefix("  Preference") }
            #expect(signature.first?.hasPrefix("pref_train(policy, data,") == true)
            #expect(signature.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: "pref_train(".count)) && !$0.hasPrefix(String(repeating: " ", count: "pref_train(".count + 1)) })
            #expect(signature.joined(separator: " ").replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
                    == Builtins.table["pref_train"]!.signature)
            #expect(help.contains("  Example:\n    " + example.split(separator: "\n")[0]))
        }
        // Off a terminal: 80 columns.
        let offTerminal = Terminal.$output.withValue(.notATerminal) { Builtins.helpIndex() }
        #expect(offTerminal.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(offTerminal.split(separator: "\n").contains { $0.count > 70 })
        #expect(offTerminal.contains("\n  core:         print, len,"))
    }
}
