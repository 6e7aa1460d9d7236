import Base
import Foundation
import Tensor

/// A memory-mapped safetensors file, checked against every rule of the format before any
/// tensor is read: header size and length, JSON schema, dtypes, shapes, and offsets that tile
/// the data section exactly (no holes, no overlaps, nothing after the last tensor).
public final class SafetensorsFile {
    /// Where a tensor's bytes are, as the header says.
    public struct Entry: Equatable, Sendable {
        public let dtype: String
        public let shape: [Int]
        /// Offsets into the data section, end exclusive.
        public let begin: Int
        public let end: Int
    }

    public let path: String
    /// The header's `__metadata__` (string to string).
    public let metadata: [String: String]
    public let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    /// The largest header the reference implementation accepts.
    static let maximumHeaderSize = 100_000_000

    /// Bits per element of every safetensors dtype, for validating sizes (only F32, F16 and BF16 load).
    static let dtypeBits: [String: Int] = [
        "BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
        "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
        "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
    ]

    public init(path: String) throws {
        self.path = path
        func fail(_ message: String, tensor: String? = nil) -> ModelError { ModelError(file: path, tensor: tensor, message) }

        let file: MappedFile
        do { file = try MappedFile(path: path) } catch let error as PlaceError { throw fail(error.message) }
        let length = file.bytes.count
        guard length >= 8, let mapped = file.bytes.baseAddress else {
            throw fail("too small for a safetensors header (\(length) bytes, need at least 8)")
        }

        let headerSize = mapped.loadUnaligned(as: UInt64.self).littleEndian
        guard headerSize <= UInt64(Self.maximumHeaderSize) else {
            throw fail("header length \(headerSize) exceeds the format's limit of \(Self.maximumHeaderSize) bytes")
        }
        let header = Int(headerSize)
        guard 8 + header <= length else {
            throw fail("header length \(header) runs past the end of the file (\(length) bytes)")
        }
        let dataStart = 8 + header
        let headerBytes = UnsafeRawBufferPointer(start: mapped + 8, count: header)
        guard let text = String(validating: headerBytes, as: UTF8.self) else { throw fail("header is not valid UTF-8") }
        guard text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).first == "{" else {
            throw fail("header does not start with '{'")
        }
        let json: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw fail("header is not a JSON object")
            }
            json = object
        } catch let error as ModelError {
            throw error
        } catch {
            throw fail("header is not valid JSON: \(error.localizedDescription)")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ must map strings to strings") }
                for (key, item) in map {
                    guard let string = item as? String else { throw fail("__metadata__ value for '\(key)' is not a string") }
                    metadata[key] = string
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry is not an object", tensor: name) }
            guard let dtype = info["dtype"] as? String else { throw fail("missing dtype", tensor: name) }
            guard let bits = Self.dtypeBits[dtype] else { throw fail("unknown dtype '\(dtype)'", tensor: name) }
            guard let rawShape = info["shape"] as? [Any], let shape = Self.integers(rawShape), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("shape must be a list of non-negative integers", tensor: name)
            }
            guard let rawOffsets = info["data_offsets"] as? [Any], let offsets = Self.integers(rawOffsets), offsets.count == 2 else {
                throw fail("data_offsets must be two integers", tensor: name)
            }
            var count = 1
            for extent in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: extent)
                guard !overflow, product < Int.max / 64 else { throw fail("shape \(shape) overflows", tensor: name) }
                count = product
            }
            guard (count * bits) % 8 == 0 else { throw fail("\(count) elements of \(dtype) do not fill whole bytes", tensor: name) }
            guard offsets[0] >= 0, offsets[1] >= offsets[0] else { throw fail("data_offsets \(offsets) are reversed or negative", tensor: name) }
            guard offsets[1] - offsets[0] == count * bits / 8 else {
                throw fail("data_offsets \(offsets) cover \(offsets[1] - offsets[0]) bytes, but \(dtype) \(shape) needs \(count * bits / 8)", tensor: name)
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }

        // The tensors must tile the data section: sorted by offset, each starts where the last ended.
        var expected = 0
        for (name, entry) in entries.sorted(by: { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }) {
            guard entry.begin == expected else {
                throw fail(entry.begin < expected ? "data_offsets \([entry.begin, entry.end]) overlap the previous tensor"
                                                  : "gap before data_offsets \([entry.begin, entry.end]) (previous tensor ends at \(expected))",
                           tensor: name)
            }
            expected = entry.end
        }
        guard dataStart + expected == length else {
            throw fail(dataStart + expected > length
                       ? "data section is truncated: tensors need \(expected) bytes, the file has \(length - dataStart)"
                       : "\(length - dataStart - expected) bytes after the last tensor")
        }
        self.metadata = metadata
        self.entries = entries
        self.file = file
        self.dataStart = dataStart
    }

    /// Whole numbers from JSON; nil if any value is not one.
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let number = value as? NSNumber, Double(number.intValue) == number.doubleValue else { return nil }
            result.append(number.intValue)
        }
        return result
    }

    /// Tensor names in file order.
    public var names: [String] { entries.sorted { $0.value.begin < $1.value.begin }.map(\.key) }

    /// The tensor `name` as Float32 (F32, F16 and BF16 convert; other dtypes are an error).
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw ModelError(file: path, tensor: name, "no such tensor in this file") }
        let dtype: DType
        do {
            dtype = try DType(name: entry.dtype)
        } catch {
            throw ModelError(file: path, tensor: name, "dtype \(entry.dtype) is not supported; PrefLab reads F32, F16 and BF16")
        }
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
        do {
            return try Tensor(bytes: bytes, dtype: dtype, shape: entry.shape)
        } catch let error as TensorError {
            throw ModelError(file: path, tensor: name, error.message)
        }
    }
}
