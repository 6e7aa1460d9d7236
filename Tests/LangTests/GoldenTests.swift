import Foundation
import Plot
import Testing
@testable import Lang

/// Golden files: each `NAME.pref` under Tests/LangTests/Golden/<kind>/ has a `NAME.expected`.
/// - parse: the syntax tree (or the syntax error) of the program;
/// - eval and errors: what running the program as a script prints, then its error if any.
/// Set PREFLAB_UPDATE_GOLDEN=1 to rewrite the expected files from the current behaviour.
struct GoldenCase: CustomTestStringConvertible {
    let kind: String
    let url: URL
    var testDescription: String { "\(kind)/\(url.lastPathComponent)" }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func all(_ kind: String) -> [GoldenCase] {
        let folder = root.appendingPathComponent(kind)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".pref") }.sorted().map { GoldenCase(kind: kind, url: folder.appendingPathComponent($0)) }
    }

    func actual() throws -> String {
        Terminal.colorOverride = false
        let text = try String(contentsOf: url, encoding: .utf8)
        let source = Source(name: url.lastPathComponent, text: text)
        if kind == "parse" {
            do {
                return SyntaxDump.render(try Parser.parse(source)) + "\n"
            } catch {
                return "\(error)\n"
            }
        }
        var output = ""
        let interpreter = Interpreter(write: { output += $0 })
        do {
            try interpreter.evaluate(source)
        } catch {
            output += "\(error)\n"
        }
        return output
    }

    func check() throws {
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        let actual = try actual()
        if ProcessInfo.processInfo.environment["PREFLAB_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected, "\(testDescription)")
    }
}

@Suite struct GoldenTests {
    @Test func everyKindHasCases() {
        for kind in ["parse", "eval", "errors"] { #expect(GoldenCase.all(kind).count >= 5, "\(kind)") }
    }

    @Test(arguments: GoldenCase.all("parse")) func parsing(_ golden: GoldenCase) throws { try golden.check() }
    @Test(arguments: GoldenCase.all("eval")) func evaluation(_ golden: GoldenCase) throws { try golden.check() }
    @Test(arguments: GoldenCase.all("errors")) func errors(_ golden: GoldenCase) throws { try golden.check() }
}
