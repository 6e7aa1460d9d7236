import Foundation
import Testing
@testable import Base

@Suite struct NameSuggestionTests {
    @Test func aTypoFindsTheIntendedName() {
        #expect(didYouMean("lamda", in: ["beta", "lambda", "gamma"]) == "; did you mean 'lambda'?")
        #expect(didYouMean("pref_trian", in: ["pref_loss", "pref_train", "print"]) == "; did you mean 'pref_train'?")
        // A swap of neighbours is one edit.
        #expect(nearest(to: "stpes", in: ["seed", "steps"]) == "steps")
    }

    @Test func nothingCloseSuggestsNothing() {
        #expect(didYouMean("y", in: ["x", "z"]) == "")
        #expect(didYouMean("learning_rate", in: ["lr", "steps"]) == "")
        #expect(didYouMean("lr", in: ["lr"]) == "", "the name itself is no suggestion")
    }
}

@Suite struct ReadableTextTests {
    @Test func aFileThatIsNotUTF8NamesTheFirstBadByteAndItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-latin1-\(UUID().uuidString).pref").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("let é = 1\nprint(".utf8 + [0xE9, 0x29, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(throws: PlaceError(path, "is not UTF-8 text: byte 0xE9 at offset 17 (line 2) is not part of a UTF-8 character; save the file as UTF-8")) {
            try ReadableFile.text(path, noun: "script")
        }
    }
}

@Suite struct JSONFileTests {
    struct Entry: Codable { var loss: Double; var step: Int }
    struct Record: Codable { var name: String; var history: [Entry] }

    func message(_ json: String) -> String {
        do {
            _ = try JSONFile.decode(Record.self, from: Data(json.utf8), file: "run.json")
            return "no error"
        } catch let error as PlaceError {
            #expect(error.place == "run.json")
            return error.message
        } catch {
            return "not a PlaceError: \(error)"
        }
    }

    @Test func eachDecodingErrorIsOneLineNamingTheKeyPath() {
        #expect(message(#"{"name": "a", "history": [{"loss": 1, "step": 1}, {"loss": "x", "step": 2}]}"#) == "history[1].loss: expected a number")
        #expect(message(#"{"name": "a", "history": [{"loss": 1}]}"#) == "history[0].step: missing")
        #expect(message(#"{"name": null, "history": []}"#) == "name: is null, expected a string")
        #expect(message(#"{"name": "a", "history": {}}"#) == "history: expected a list")
        #expect(message(#"[1]"#) == "the top level: expected an object")
        #expect(message(#"{"name": "a", "hist"#) == "is not valid JSON (cut short or edited by hand?)")
        #expect(message("") == "is empty")
        #expect(message(#"{"name": "a", "history": [{"loss": 1, "step": 1.5}]}"#).contains("whole number"))
    }
}
