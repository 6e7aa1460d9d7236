import Foundation
import Testing
@testable import Models
@testable import Tensor

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// Values written by scripts/fixtures/models.py with numpy and the Python safetensors package.
struct ExpectedTensor: Decodable {
    let shape: [Int]
    let f32: [Float]
    let f16: [Float]
    let bf16: [Float]
}

@Suite struct SafetensorsTests {
    let expected: [String: ExpectedTensor] = {
        guard let data = FileManager.default.contents(atPath: fixtures + "/safetensors/expected.json"),
              let decoded = try? JSONDecoder().decode([String: ExpectedTensor].self, from: data) else { return [:] }
        return decoded
    }()

    @Test(arguments: ["f32", "f16", "bf16"]) func readsFilesThePythonWriterMade(_ dtype: String) throws {
        let file = try SafetensorsFile(path: fixtures + "/safetensors/\(dtype).safetensors")
        #expect(file.metadata["format"] == "pt")
        #expect(Set(file.entries.keys) == Set(expected.keys) && expected.count == 4)
        for (name, values) in expected {
            let tensor = try file.tensor(name)
            #expect(tensor.shape == values.shape, "\(name)")
            let want = dtype == "f32" ? values.f32 : dtype == "f16" ? values.f16 : values.bf16
            #expect(tensor.scalars == want, "\(dtype) \(name)")
        }
    }

    @Test func writerRoundTripsAndFollowsTheConventions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/model.safetensors"
        let a = try Tensor(nested: [[1, 2, 3], [4, 5, 6]]), b = Tensor([0.5, -0.25]), scalar = Tensor(3)
        for dtype in DType.allCases {
            try SafetensorsWriter.write([("z.bias", b), ("a.weight", a), ("s", scalar)], to: path, dtype: dtype, metadata: ["note": "λ \"quoted\""])
            let file = try SafetensorsFile(path: path)
            #expect(file.metadata == ["format": "pt", "note": "λ \"quoted\""])
            #expect(file.names == ["a.weight", "s", "z.bias"])
            #expect(try file.tensor("a.weight").scalars == a.scalars && (try file.tensor("a.weight").shape) == [2, 3])
            #expect(try file.tensor("z.bias").scalars == b.scalars && (try file.tensor("s").shape) == [])
            #expect(file.entries["a.weight"]?.dtype == dtype.rawValue)
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
            #expect(headerLength % 8 == 0)
            let header = String(decoding: bytes.dropFirst(8).prefix(Int(headerLength)), as: UTF8.self)
            #expect(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\""))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        #expect(throws: ModelError.self) { try SafetensorsWriter.write([("x", b), ("x", b)], to: path) }
    }

    @Test func shardedCheckpointsFollowTheIndex() throws {
        let checkpoint = try Checkpoint(directory: fixtures + "/sharded")
        #expect(checkpoint.names == ["a.weight", "b.weight"])
        #expect(try checkpoint.tensor("a.weight", shape: [5, 4]).scalars == expected["model.embed_tokens.weight"]?.f32)
        #expect(try checkpoint.tensor("b.weight").scalars == expected["model.norm.weight"]?.f32)
        do {
            _ = try checkpoint.tensor("b.weight", shape: [5])
            Issue.record("a misshaped tensor must be rejected")
        } catch let error as ModelError {
            #expect(error.tensor == "b.weight" && error.file.hasSuffix("model-00002-of-00002.safetensors") && error.message.contains("[4]"))
        }
        #expect(throws: ModelError.self) { try checkpoint.tensor("missing.weight") }
    }

    /// Each malformed file breaks one rule; the error must name the file and say what is wrong.
    @Test(arguments: [
        ("truncated_data", "truncated"), ("header_past_end", "past the end"), ("header_too_large", "exceeds the format's limit"),
        ("overlap", "overlap"), ("hole", "gap before"), ("trailing_bytes", "after the last tensor"),
        ("size_mismatch", "needs 12"), ("unknown_dtype", "unknown dtype 'F12'"), ("metadata_not_string", "not a string"),
        ("negative_shape", "non-negative"), ("bad_json", "not valid JSON"), ("not_object", "does not start with '{'"),
        ("too_small", "too small"),
    ]) func malformedFilesAreRejected(_ name: String, _ reason: String) {
        let path = fixtures + "/safetensors/bad/\(name).safetensors"
        do {
            _ = try SafetensorsFile(path: path)
            Issue.record("\(name) must be rejected")
        } catch let error as ModelError {
            #expect(error.file == path)
            #expect(error.message.contains(reason), "\(name): \(error)")
        } catch {
            Issue.record("\(name): unexpected \(error)")
        }
    }

    @Test func unsupportedDtypesFailOnRead() throws {
        let file = try SafetensorsFile(path: fixtures + "/safetensors/bad/unsupported_dtype.safetensors")
        do {
            _ = try file.tensor("w")
            Issue.record("I64 must not load")
        } catch let error as ModelError {
            #expect(error.tensor == "w" && error.message.contains("I64"))
        }
        #expect(throws: ModelError.self) { try SafetensorsFile(path: fixtures + "/no/such/file.safetensors") }
    }
}
