import Tensor

/// A ggml tensor element type PrefLab reads: its id in the file, its name, the block it is stored
/// in (elements and bytes), and how a block decodes to Float32.
public struct GGUFTensorType: Sendable, Equatable {
    public let id: UInt32
    public let name: String
    public let blockElements: Int
    public let blockBytes: Int
    let decoding: Decoding

    /// Plain float types convert element by element as in safetensors; quantised types decode
    /// whole blocks: `decode(source, destination, blockCount)`.
    enum Decoding: Sendable {
        case plain(DType)
        case blocks(@Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void)
    }

    public static func == (a: GGUFTensorType, b: GGUFTensorType) -> Bool { a.id == b.id }

    /// The table (ids and sizes as in ggml's `ggml-common.h`).
    public static let f32 = GGUFTensorType(id: 0, name: "F32", blockElements: 1, blockBytes: 4, decoding: .plain(.f32))
    public static let f16 = GGUFTensorType(id: 1, name: "F16", blockElements: 1, blockBytes: 2, decoding: .plain(.f16))
    public static let bf16 = GGUFTensorType(id: 30, name: "BF16", blockElements: 1, blockBytes: 2, decoding: .plain(.bf16))
    public static let q4_0 = GGUFTensorType(id: 2, name: "Q4_0", blockElements: 32, blockBytes: 18, decoding: .blocks(LegacyBlocks.q4_0))
    public static let q4_1 = GGUFTensorType(id: 3, name: "Q4_1", blockElements: 32, blockBytes: 20, decoding: .blocks(LegacyBlocks.q4_1))
    public static let q5_0 = GGUFTensorType(id: 6, name: "Q5_0", blockElements: 32, blockBytes: 22, decoding: .blocks(LegacyBlocks.q5_0))
    public static let q5_1 = GGUFTensorType(id: 7, name: "Q5_1", blockElements: 32, blockBytes: 24, decoding: .blocks(LegacyBlocks.q5_1))
    public static let q8_0 = GGUFTensorType(id: 8, name: "Q8_0", blockElements: 32, blockBytes: 34, decoding: .blocks(LegacyBlocks.q8_0))
    public static let q2_K = GGUFTensorType(id: 10, name: "Q2_K", blockElements: 256, blockBytes: 84, decoding: .blocks(KQuants.q2_K))
    public static let q3_K = GGUFTensorType(id: 11, name: "Q3_K", blockElements: 256, blockBytes: 110, decoding: .blocks(KQuants.q3_K))
    public static let q4_K = GGUFTensorType(id: 12, name: "Q4_K", blockElements: 256, blockBytes: 144, decoding: .blocks(KQuants.q4_K))
    public static let q5_K = GGUFTensorType(id: 13, name: "Q5_K", blockElements: 256, blockBytes: 176, decoding: .blocks(KQuants.q5_K))
    public static let q6_K = GGUFTensorType(id: 14, name: "Q6_K", blockElements: 256, blockBytes: 210, decoding: .blocks(KQuants.q6_K))
    public static let q8_K = GGUFTensorType(id: 15, name: "Q8_K", blockElements: 256, blockBytes: 292, decoding: .blocks(KQuants.q8_K))

    public static let all: [GGUFTensorType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K]

    /// ggml's other type ids, named in the error that refuses them.
    static let unsupported: [UInt32: String] = [
        9: "Q8_1", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
        23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 34: "TQ1_0", 35: "TQ2_0",
        39: "MXFP4", 40: "NVFP4", 41: "Q1_0", 42: "Q2_0",
    ]

    private static let byId: [UInt32: GGUFTensorType] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    public init?(id: UInt32) {
        guard let type = Self.byId[id] else { return nil }
        self = type
    }

    private init(id: UInt32, name: String, blockElements: Int, blockBytes: Int, decoding: Decoding) {
        self.id = id
        self.name = name
        self.blockElements = blockElements
        self.blockBytes = blockBytes
        self.decoding = decoding
    }

    /// The type of tensor `tensor` in `file`, or an error saying why PrefLab cannot read it.
    static func resolve(_ id: UInt32, file: String, tensor: String) throws -> GGUFTensorType {
        if let type = GGUFTensorType(id: id) { return type }
        let readable = all.map(\.name).joined(separator: ", ")
        if let name = unsupported[id] {
            throw ModelError(file: file, tensor: tensor, "has type \(name) (id \(id)), which PrefLab does not read; it reads \(readable) (requantise the model to one of them with llama.cpp's llama-quantize)")
        }
        throw ModelError(file: file, tensor: tensor, "has unknown tensor type id \(id); PrefLab reads \(readable)")
    }
}
