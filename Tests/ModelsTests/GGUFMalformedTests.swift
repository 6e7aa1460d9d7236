import Foundation
import Testing
@testable import Models

/// A tensor-info record written as given, lies included.
struct RawRecord {
    var name: String
    var dimensions: [UInt64]
    var type: UInt32 = 0
    var offset: UInt64 = 0
}

/// A GGUF file built field by field, so each test can break exactly one rule.
func rawGGUF(version: UInt32 = 3, metadata: [(key: String, value: GGUFValue)] = [], records: [RawRecord],
             dataBytes: Int, alignment: Int = 32) -> Data {
    var encoder = GGUFEncoder()
    encoder.append(GGUFFile.magic)
    encoder.append(version)
    encoder.append(UInt64(records.count))
    encoder.append(UInt64(metadata.count))
    for (key, value) in metadata {
        encoder.append(string: key)
        encoder.append(value.type.rawValue)
        encoder.append(value: value)
    }
    for record in records {
        encoder.append(string: record.name)
        encoder.append(UInt32(record.dimensions.count))
        for extent in record.dimensions { encoder.append(extent) }
        encoder.append(record.type)
        encoder.append(record.offset)
    }
    encoder.pad(to: alignment)
    encoder.append(raw: (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
    return Data(encoder.bytes)
}

/// The error loading `bytes` (as a file) and reading every tensor gives, or nil when it loads.
func loadError(_ bytes: Data) throws -> ModelError? {
    let path = try temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        let file = try GGUFFile(path: path)
        for name in file.tensorNames { _ = try file.tensor(named: name) }
        return nil
    } catch let error as ModelError {
        #expect(error.file == path)
        return error
    }
}

@Suite struct GGUFMalformedTests {
    let good = [RawRecord(name: "a", dimensions: [8, 2]), RawRecord(name: "b", dimensions: [32], type: 8, offset: 64)]

    @Test func theBaselineLoads() throws {
        #expect(try loadError(rawGGUF(records: good, dataBytes: 98)) == nil)
        #expect(try loadError(rawGGUF(records: good, dataBytes: 128)) == nil)  // with the last tensor's padding
    }

    /// Each file breaks one rule: the error names the tensor (when one is at fault) and the problem.
    @Test(arguments: [
        ("unknown type", rawGGUF(records: [RawRecord(name: "w", dimensions: [4], type: 99)], dataBytes: 16), "w", "unknown tensor type id 99"),
        ("unsupported type", rawGGUF(records: [RawRecord(name: "w", dimensions: [256], type: 16)], dataBytes: 66), "w", "IQ2_XXS (id 16), which PrefLab does not read"),
        ("partial block", rawGGUF(records: [RawRecord(name: "w", dimensions: [48, 2], type: 2)], dataBytes: 54), "w", "not a multiple of Q4_0's block of 32"),
        ("unaligned offset", rawGGUF(records: [RawRecord(name: "w", dimensions: [4], offset: 4)], dataBytes: 32), "w", "not a multiple of the alignment 32"),
        ("offset past the end", rawGGUF(records: [RawRecord(name: "w", dimensions: [4], offset: 1 << 40)], dataBytes: 32), "w", "the file is truncated or the record is wrong"),
        ("offset wraps", rawGGUF(records: [RawRecord(name: "w", dimensions: [4], offset: UInt64.max - 31)], dataBytes: 32), "w", "the file is truncated or the record is wrong"),
        ("overlap", rawGGUF(records: [RawRecord(name: "a", dimensions: [16]), RawRecord(name: "b", dimensions: [8], offset: 32)], dataBytes: 96), "b", "overlaps tensor 'a'"),
        ("same offset", rawGGUF(records: [RawRecord(name: "a", dimensions: [4]), RawRecord(name: "b", dimensions: [4])], dataBytes: 16), "b", "overlaps tensor 'a'"),
        ("duplicate name", rawGGUF(records: [RawRecord(name: "a", dimensions: [4]), RawRecord(name: "a", dimensions: [4], offset: 32)], dataBytes: 48), "a", "appears twice"),
        ("long name", rawGGUF(records: [RawRecord(name: String(repeating: "n", count: 64), dimensions: [4])], dataBytes: 16), String(repeating: "n", count: 64), "at most 63 bytes"),
        ("element overflow", rawGGUF(records: [RawRecord(name: "w", dimensions: [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF, 4])], dataBytes: 16), "w", "more elements than a tensor can"),
        ("bigger than the file", rawGGUF(records: [RawRecord(name: "w", dimensions: [1 << 30, 1 << 20])], dataBytes: 16), "w", "the file is truncated"),
        ("zero extent", rawGGUF(records: [RawRecord(name: "w", dimensions: [4, 0])], dataBytes: 16), "w", "dimension 1 is 0"),
        ("five dimensions", rawGGUF(records: [RawRecord(name: "w", dimensions: [1, 1, 1, 1, 1])], dataBytes: 4), "w", "has 5 dimensions"),
    ] as [(String, Data, String, String)])
    func badRecordsAreRefusedNamingTheTensor(_ rule: String, _ bytes: Data, _ tensor: String, _ reason: String) throws {
        let error = try #require(try loadError(bytes), "\(rule)")
        #expect(error.tensor == tensor && error.message.contains(reason), "\(rule): \(error.message)")
    }

    @Test(arguments: [
        ("version 1", rawGGUF(version: 1, records: [], dataBytes: 0), "version 1; PrefLab reads versions 2 and 3 (convert it again"),
        ("version 4", rawGGUF(version: 4, records: [], dataBytes: 0), "version 4"),
        ("big-endian", rawGGUF(version: UInt32(3).byteSwapped, records: [], dataBytes: 0), "big-endian"),
        ("alignment 48", rawGGUF(metadata: [("general.alignment", .uint32(48))], records: [RawRecord(name: "w", dimensions: [4])], dataBytes: 16, alignment: 48), "general.alignment is 48, but it must be a power of two"),
        ("alignment 0", rawGGUF(metadata: [("general.alignment", .uint32(0))], records: [], dataBytes: 0), "power of two"),
        ("alignment u64", rawGGUF(metadata: [("general.alignment", .uint64(32))], records: [], dataBytes: 0), "require uint32"),
        ("trailing bytes", rawGGUF(records: [RawRecord(name: "w", dimensions: [4])], dataBytes: 80), "48 bytes after the last tensor's data"),
        ("no data section", rawGGUF(records: [RawRecord(name: "w", dimensions: [4])], dataBytes: 0).dropLast(3), "past the end of the file"),
        ("not GGUF", Data("GGML and more".utf8), "is not a GGUF file"),
        ("empty", Data(), "ends inside the magic number"),
    ] as [(String, Data, String)])
    func badFilesAreRefusedWithANamedError(_ rule: String, _ bytes: Data, _ reason: String) throws {
        let error = try #require(try loadError(bytes), "\(rule)")
        #expect(error.message.contains(reason), "\(rule): \(error.message)")
    }

    /// Counts one too high or too low misread the records that follow; each misreading is caught.
    @Test func lyingCountsAreRefused() throws {
        let bytes = try #require(FileManager.default.contents(atPath: ggufFixtures + "/aligned64.gguf"))
        func patched(_ offset: Int, by delta: Int64) -> Data {
            var copy = bytes
            let value = copy[offset..<(offset + 8)].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) } + delta
            withUnsafeBytes(of: value) { copy.replaceSubrange(offset..<(offset + 8), with: $0) }
            return copy
        }
        for (offset, delta, reason) in [(8, 1, "has 0 dimensions"), (8, -1, "after the last tensor's data"), (8, 1 << 40, "more than the 1048576"),
                                        (16, 1, "has 0 dimensions"), (16, -1, "dimension 0 is"), (16, 1 << 40, "more than the 1048576")] {
            let error = try #require(try loadError(patched(offset, by: Int64(delta))), "count at \(offset) \(delta)")
            #expect(error.message.contains(reason), "count at \(offset) \(delta): \(error.message)")
        }
    }

    /// Cut anywhere before the last tensor's data ends, a file is an error, never a crash or a
    /// short tensor; without the last padding alone it still loads, as in ggml's mmap mode.
    @Test func truncatedFilesAreRefusedAtEveryCut() throws {
        let bytes = try #require(FileManager.default.contents(atPath: ggufFixtures + "/aligned64.gguf"))
        let file = try GGUFFile(path: ggufFixtures + "/aligned64.gguf")
        let dataEnd = file.dataStart + file.tensorRecords.map { Int($0.offset) + $0.byteCount }.max()!
        for cut in 0..<bytes.count {
            let error = try loadError(bytes.prefix(cut))
            #expect((error == nil) == (cut >= dataEnd), "cut at \(cut): \(error?.message ?? "loaded")")
        }
    }
}
