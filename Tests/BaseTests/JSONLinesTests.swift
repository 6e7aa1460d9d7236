import Base
import Foundation
import Testing

@Suite struct JSONLinesTests {
    private func file(_ text: String) throws -> String {
        let path = try temporaryDirectory() + "/data.jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func blankLinesAreSkippedButCountedAndAByteOrderMarkIsIgnored() throws {
        let path = try file("\u{FEFF}{\"a\": \"x\"}\n\n  \n{\"a\": \"y\", \"n\": 2}\n")
        let lines = try JSONLines.read(path, noun: "data")
        #expect(lines.map(\.line) == [1, 4])
        #expect(try lines.map { try $0.string("a") } == ["x", "y"])
        #expect(try lines[1].label("n") == "2")
        #expect(lines[1].place == path + ":4")
    }

    @Test func errorsNameTheLineAndSayWhatTheFileShouldHold() throws {
        let path = try file("{\"a\": 1}\n[1, 2]\n")
        let notObject = #expect(throws: PlaceError.self) { try JSONLines.read(path, noun: "data", exampleObject: "{\"text\": \"…\"}") }
        #expect(notObject?.description == "\(path):2: is a JSON array; each line must be one object such as {\"text\": \"…\"}")
        let invalid = #expect(throws: PlaceError.self) { try JSONLines.read(try file("{oops\n"), noun: "pair") }
        #expect(invalid?.message == "is not valid JSON (pair files hold one JSON object per line)")
        let single = try file("{\"a\": 1}\n")
        let line = try JSONLines.read(single, noun: "data").first
        #expect(throws: PlaceError("\(single):1", "field 'a' is not a string")) { try line?.string("a") }
        #expect(throws: PlaceError("\(single):1", "has no 'b' field")) { try line?.string("b") }
    }

    @Test func missingEmptyAndDirectoryPathsAreRefusedByName() throws {
        let directory = try temporaryDirectory()
        #expect(throws: PlaceError(directory + "/none.jsonl", "no such file; check the path")) { try JSONLines.read(directory + "/none.jsonl", noun: "pair") }
        #expect(throws: PlaceError(directory, "is a folder, not a pair file; give the path of a file inside it")) { try JSONLines.read(directory, noun: "pair") }
        let empty = try file("\n \n")
        #expect(throws: PlaceError(empty, "has no examples (no non-blank lines)")) { try JSONLines.read(empty, noun: "data") }
    }

    @Test func quotedStringsEscapeControlCharacters() {
        #expect(jsonQuoted("a\"b\\c\n\u{01}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }
}
