import Base
import Foundation
import Tensor

#if !_endian(little)
#error("safetensors and GGUF files are little-endian; PrefLab writes them from memory as it is")
#endif

/// Writes safetensors files as Hugging Face's writer does, so transformers loads them:
/// `__metadata__` first with `"format": "pt"`, tensors ordered by name (one dtype, so the
/// reference's alignment-then-name order is name order), the header padded with spaces to a
/// multiple of 8 bytes. The file is streamed and appears atomically (temporary file, then rename).
public enum SafetensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String, dtype: DType = .f32,
                             metadata: [String: String] = [:]) throws {
        var names = Set<String>()
        for (name, _) in tensors where !names.insert(name).inserted {
            throw ModelError(file: path, tensor: name, "appears twice")
        }
        let ordered = tensors.sorted { $0.name < $1.name }
        var fields = ["\"__metadata__\":" + jsonObject(metadata.merging(["format": "pt"]) { $1 })]
        var offset = 0
        for (name, tensor) in ordered {
            let size = tensor.count * dtype.byteWidth
            fields.append("\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = "{" + fields.joined(separator: ",") + "}"
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)

        // The format is little-endian, as every machine PrefLab runs on is: each tensor's values
        // go out as one block of memory, one tensor at a time, so no copy of the file is made.
        try AtomicWrite.write(to: path) { append in
            try withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { try append($0) }
            try Array(header.utf8).withUnsafeBytes { try append($0) }
            for (_, tensor) in ordered {
                switch dtype {
                case .f32: try tensor.scalars.withUnsafeBytes { try append($0) }
                case .f16: try tensor.f16Bits().withUnsafeBytes { try append($0) }
                case .bf16: try tensor.bf16Bits().withUnsafeBytes { try append($0) }
                }
            }
        }
    }

    static func jsonObject(_ map: [String: String]) -> String {
        "{" + map.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",") + "}"
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
