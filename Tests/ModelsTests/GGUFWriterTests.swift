import Foundation
import Testing
@testable import Models
@testable import Tensor

@Suite struct GGUFWriterTests {
    func scratch(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/" + name
    }

    /// gguf-py wrote writer_reference.gguf from these metadata and inputs; PrefLab must write the
    /// same bytes: layout, padding, F16 rounding and Q8_0 quantisation (ties included).
    @Test func writesTheFileGGUFPyWrites() throws {
        let referencePath = ggufFixtures + "/writer_reference.gguf"
        let reference = try GGUFFile(path: referencePath)
        let inputs = try #require(ggufExpected)
        let tensors: [(name: String, tensor: Tensor, type: GGUFTensorType)] = [
            ("writer.f32", try reference.tensor(named: "writer.f32"), .f32),
            ("writer.f16", try inputs.tensor("writer.f16.input"), .f16),
            ("writer.q8_0", try inputs.tensor("writer.q8_0.input"), .q8_0),
            ("writer.vector", try reference.tensor(named: "writer.vector"), .f32),
        ]
        let path = try scratch("out.gguf")
        try GGUFWriter.write(metadata: reference.metadata, tensors: tensors, to: path)
        let written = try #require(FileManager.default.contents(atPath: path))
        let expected = try #require(FileManager.default.contents(atPath: referencePath))
        #expect(written.count == expected.count)
        #expect(written == expected)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers == ["out.gguf"])
    }

    @Test func roundTripsThroughTheReader() throws {
        let path = try scratch("round.gguf")
        let matrix = try Tensor((0..<192).map { Float($0) * 0.37 - 30 }, shape: [3, 64])
        let cube = try Tensor((0..<24).map { Float($0) / 3 }, shape: [2, 3, 4])
        let metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")), ("general.alignment", .uint32(64)),
            ("test.ids", .array(elementType: .int32, [.int32(-1), .int32(7)])), ("test.flag", .bool(false)),
        ]
        try GGUFWriter.write(metadata: metadata, tensors: [
            ("m.f32", matrix, .f32), ("m.f16", matrix, .f16), ("m.q8_0", matrix, .q8_0), ("cube", cube, .f32), ("scalar", Tensor(2.5), .f32),
        ], to: path)
        let file = try GGUFFile(path: path)
        #expect(file.version == 3 && file.alignment == 64 && file.metadata.map(\.key) == metadata.map(\.key))
        #expect(file.metadata.map(\.value) == metadata.map(\.value))
        #expect(file.tensorNames == ["m.f32", "m.f16", "m.q8_0", "cube", "scalar"])
        #expect(try file.tensor(named: "m.f32").scalars == matrix.scalars)
        #expect(try file.tensor(named: "m.f16").scalars == (try matrix.rounded(to: .f16)).scalars)
        let q8 = try file.tensor(named: "m.q8_0")
        #expect(q8.shape == [3, 64] && zip(q8.scalars, matrix.scalars).allSatisfy { abs($0 - $1) <= 70.0 / 127 / 2 * 1.01 })
        #expect(try file.tensor(named: "cube").shape == [2, 3, 4] && file.record(named: "cube")?.dimensions == [4, 3, 2])
        #expect(try file.tensor(named: "scalar").scalars == [2.5])
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size % 64 == 0)
    }

    @Test(arguments: [
        ("nested", [("a.b", GGUFValue.array(elementType: .array, [.array(elementType: .int32, [.int32(1)])]))], "nested array"),
        ("mixed", [("a.b", GGUFValue.array(elementType: .int32, [.int32(1), .uint8(2)]))], "holding other types"),
        ("duplicate key", [("a", GGUFValue.bool(true)), ("a", .bool(false))], "appears twice"),
        ("empty key", [("", GGUFValue.bool(true))], "empty"),
        ("alignment type", [("general.alignment", GGUFValue.uint64(32))], "uint32 power of two"),
        ("alignment value", [("general.alignment", GGUFValue.uint32(24))], "uint32 power of two"),
    ] as [(String, [(key: String, value: GGUFValue)], String)])
    func refusesMetadataGGMLCannotRead(_ rule: String, _ metadata: [(key: String, value: GGUFValue)], _ reason: String) throws {
        let path = try scratch("bad.gguf")
        do {
            try GGUFWriter.write(metadata: metadata, tensors: [], to: path)
            Issue.record("\(rule) must be refused")
        } catch let error as ModelError {
            #expect(error.message.contains(reason), "\(rule): \(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test(arguments: [
        ("q8 rows", "w", try! Tensor.zeros([2, 48]), GGUFTensorType.q8_0, "multiple of 32"),
        ("bf16", "w", try! Tensor.zeros([4]), .bf16, "cannot be written as BF16"),
        ("rank 5", "w", try! Tensor.zeros([1, 1, 1, 1, 2]), .f32, "at most 4 dimensions"),
        ("empty", "w", try! Tensor.zeros([0, 3]), .f32, "non-empty"),
        ("long name", String(repeating: "x", count: 64), try! Tensor.zeros([4]), .f32, "1 to 63 bytes"),
    ] as [(String, String, Tensor, GGUFTensorType, String)])
    func refusesTensorsGGUFCannotHold(_ rule: String, _ name: String, _ tensor: Tensor, _ type: GGUFTensorType, _ reason: String) throws {
        let error = #expect(throws: ModelError.self) { try GGUFWriter.write(metadata: [], tensors: [(name, tensor, type)], to: try scratch("bad.gguf")) }
        #expect(error?.tensor == name && error?.message.contains(reason) == true, "\(rule): \(error?.message ?? "")")
    }

    @Test func refusesDuplicateTensorNames() throws {
        let error = #expect(throws: ModelError.self) {
            try GGUFWriter.write(metadata: [], tensors: [("w", Tensor([1]), .f32), ("w", Tensor([2]), .f32)], to: try scratch("bad.gguf"))
        }
        #expect(error?.tensor == "w" && error?.message.contains("appears twice") == true)
    }
}
