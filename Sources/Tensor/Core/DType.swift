/// Element types found in checkpoints that PrefLab converts to Float32.
public enum DType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// The dtype named as in safetensors headers (`"F32"`, `"F16"`, `"BF16"`).
    public init(name: String) throws {
        guard let dtype = DType(rawValue: name) else {
            throw TensorError(op: "dtype", "unsupported dtype '\(name)'; PrefLab reads F32, F16 and BF16")
        }
        self = dtype
    }

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        }
    }
}

extension Tensor {
    /// A tensor from little-endian `bytes` of `dtype` in row-major order, as stored in safetensors.
    /// The bytes need not be aligned.
    public init(bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) throws {
        let count = try Shape.validate(shape, op: "from_bytes")
        guard bytes.count == count * dtype.byteWidth else {
            throw TensorError(op: "from_bytes", "shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteWidth) bytes, got \(bytes.count)")
        }
        self.init(uninitializedShape: shape)
        let out = base
        switch dtype {
        case .f32:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
        case .bf16:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        }
    }

    /// A tensor from BF16 bit patterns (the top 16 bits of a Float32).
    public static func fromBF16(_ bits: [UInt16], shape: [Int]) throws -> Tensor {
        try Tensor(bits.map { Float(bitPattern: UInt32($0) << 16) }, shape: shape)
    }

    /// A tensor from IEEE half-precision bit patterns.
    public static func fromF16(_ bits: [UInt16], shape: [Int]) throws -> Tensor {
        try Tensor(bits.map { Float(Float16(bitPattern: $0)) }, shape: shape)
    }

    /// The elements as BF16 bit patterns, rounded to nearest even; NaN stays a (quiet) NaN.
    public func bf16Bits() -> [UInt16] {
        scalars.map { value in
            if value.isNaN { return UInt16(truncatingIfNeeded: value.bitPattern >> 16) | 0x0040 }
            let bits = value.bitPattern
            let roundingBias = 0x7FFF + ((bits >> 16) & 1)
            return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
        }
    }

    /// The elements as IEEE half-precision bit patterns (round to nearest even; overflow to ±∞).
    public func f16Bits() -> [UInt16] {
        scalars.map { Float16($0).bitPattern }
    }

    /// The values rounded to the nearest `dtype` value and widened back to Float32, as
    /// `x.to(dtype).float()` in PyTorch: what storing a checkpoint or activations in that
    /// precision does to them. The gradient passes straight through, as a cast's does in PyTorch.
    public func rounded(to dtype: DType) throws -> Tensor {
        let op = "to_" + dtype.rawValue.lowercased()
        let values: Tensor
        switch dtype {
        case .f32: return self
        case .f16: values = try Tensor.fromF16(f16Bits(), shape: shape)
        case .bf16: values = try Tensor.fromBF16(bf16Bits(), shape: shape)
        }
        return values.recording(op, [self]) { [$0] }
    }
}
